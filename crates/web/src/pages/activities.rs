//! Community activities (docs/activities.md): `/activities`, at phone width — a resident sees
//! what is on in their community and signs up with one tap; managers announce activities
//! (`/activities/new`), see who signed up, mark who came and read this year's numbers per place.

use super::participation::{local_time, shown_refusal};
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::activities::{organises, Activity, ActivityInput, ActivityView, PlaceNumbers};
use jingzhi_domain::activities::{attendance_rate, Category, Phase};
use jingzhi_domain::time_fmt::{format_ms, now_ms};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(index).post(create))
        .route("/activities/new", get(new_form))
        .route("/activities/{id}", get(one))
        .route("/activities/{id}/signup", post(sign_up))
        .route("/activities/{id}/withdraw", post(withdraw))
        .route("/activities/{id}/cancel", post(cancel))
        .route("/activities/{id}/attendance", post(attendance))
}

pub struct Card {
    pub id: i64,
    pub category: &'static str,
    pub title: String,
    pub place: String,
    pub venue: String,
    pub when: String,
    pub phase: &'static str,
    pub signed: i64,
    /// "12/30", or "12" without a limit.
    pub places: String,
    pub full: bool,
    pub mine: bool,
    pub attended: i64,
}

fn card(a: &Activity, mine: bool, now: i64) -> Card {
    let phase = Phase::at(a.starts_at, a.ends_at, a.cancelled_at.is_some(), now);
    let end = format_ms(a.ends_at);
    Card {
        id: a.id,
        category: a.category.as_str(),
        title: a.title.clone(),
        place: a.node_name.clone(),
        venue: a.venue.clone(),
        when: format!(
            "{} – {}",
            format_ms(a.starts_at),
            end.get(11..).unwrap_or(&end)
        ),
        phase: phase.as_str(),
        signed: a.signed,
        places: match a.capacity {
            Some(c) => format!("{}/{c}", a.signed),
            None => a.signed.to_string(),
        },
        full: a.capacity.is_some_and(|c| a.signed >= c),
        mine,
        attended: a.attended,
    }
}

pub struct NumbersRow {
    pub name: String,
    pub held: i64,
    pub upcoming: i64,
    pub signed: i64,
    pub attended: i64,
    pub rate: String,
}

fn numbers_row(p: &PlaceNumbers) -> NumbersRow {
    NumbersRow {
        name: p.name.clone(),
        held: p.total.held,
        upcoming: p.total.upcoming,
        signed: p.total.signed,
        attended: p.total.attended,
        rate: attendance_rate(p.total.signed, p.total.attended)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into()),
    }
}

#[derive(Template)]
#[template(path = "activities/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub past: bool,
    pub resident: bool,
    pub organiser: bool,
    pub cards: Vec<Card>,
    pub total: Option<NumbersRow>,
    pub places: Vec<NumbersRow>,
    pub by_category: Vec<(&'static str, NumbersRow)>,
}

#[derive(serde::Deserialize)]
pub struct IndexQuery {
    pub past: Option<String>,
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<IndexQuery>,
) -> PageResult {
    let past = q.past.as_deref() == Some("1");
    let a = s.app.activities();
    let (rows, mine) = a.list(&c.actor, past).await?;
    let now = now_ms();
    let resident = c.actor.user.role == jingzhi_domain::auth::Role::Resident;
    let (total, places, by_category) = if resident {
        (None, vec![], vec![])
    } else {
        let (me, places) = a.numbers(&c.actor).await?;
        let by_category = me
            .by_category
            .iter()
            .map(|(cat, n)| {
                (
                    cat.as_str(),
                    numbers_row(&PlaceNumbers {
                        node_id: me.node_id,
                        name: String::new(),
                        total: n.clone(),
                        by_category: vec![],
                    }),
                )
            })
            .collect();
        (
            Some(numbers_row(&me)),
            places.iter().map(numbers_row).collect(),
            by_category,
        )
    };
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "activities"),
        past,
        resident,
        organiser: organises(c.actor.user.role),
        cards: rows
            .iter()
            .map(|x| card(x, mine.contains(&x.id), now))
            .collect(),
        total,
        places,
        by_category,
    }))
}

#[derive(Template)]
#[template(path = "activities/new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub places: Vec<(i64, String)>,
    pub categories: Vec<&'static str>,
    pub form: FormData,
    pub message: Option<String>,
}

async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    form: FormData,
    message: Option<String>,
) -> Result<NewPage, PageError> {
    let places = s.app.activities().places(&c.actor).await?;
    Ok(NewPage {
        c: Chrome::new(c, lang, "activities"),
        places: places
            .into_iter()
            .map(|n| {
                let indent = "　".repeat((n.depth - 1).max(0) as usize);
                (n.id, format!("{indent}{}", n.name))
            })
            .collect(),
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        form,
        message,
    })
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &new_page(&s, &c, lang, FormData::default(), None).await?,
    ))
}

pub async fn create(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let capacity = match f.opt("capacity") {
        None => None,
        Some(v) => Some(v.parse::<i64>().unwrap_or(0)),
    };
    let input = ActivityInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        category: f.get("category").to_string(),
        title: f.get("title").to_string(),
        description: f.get("description").to_string(),
        venue: f.get("venue").to_string(),
        starts_at: local_time(f.get("starts_at")),
        ends_at: local_time(f.get("ends_at")),
        capacity,
    };
    match s.app.activities().create(&c.actor, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/activities/{}", a.id)).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &new_page(&s, &c, lang, f, Some(m)).await?,
            ))
        }
    }
}

pub struct SignupRow {
    pub id: i64,
    pub name: String,
    pub signed_at: String,
    pub withdrawn: bool,
    pub attended: bool,
}

#[derive(Template)]
#[template(path = "activities/one.html")]
pub struct OnePage {
    pub c: Chrome,
    pub a: Card,
    pub description: String,
    pub organiser: String,
    pub cancel_reason: String,
    pub resident: bool,
    pub manages: bool,
    pub live: usize,
    pub signups: Vec<SignupRow>,
    pub message: Option<String>,
}

fn one_page(c: &Caller, lang: Lang, v: ActivityView, message: Option<String>) -> OnePage {
    let now = now_ms();
    let signups: Vec<SignupRow> = v
        .signups
        .iter()
        .map(|s| SignupRow {
            id: s.id,
            name: s.name.clone(),
            signed_at: format_ms(s.signed_at),
            withdrawn: s.cancelled_at.is_some(),
            attended: s.attended,
        })
        .collect();
    OnePage {
        c: Chrome::new(c, lang, "activities"),
        a: card(&v.activity, v.mine, now),
        description: v.activity.description.clone(),
        organiser: v.activity.organiser_name.clone(),
        cancel_reason: v.activity.cancel_reason.clone().unwrap_or_default(),
        resident: c.actor.user.role == jingzhi_domain::auth::Role::Resident,
        manages: v.manages,
        live: signups.iter().filter(|s| !s.withdrawn).count(),
        signups,
        message,
    }
}

pub async fn one(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    let v = s.app.activities().view(&c.actor, id).await?;
    Ok(render(&one_page(&c, lang, v, None)))
}

/// After an action: back to the activity, or the activity with the reason it was refused.
async fn back(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<ActivityView, jingzhi_app::AppError>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            let v = s.app.activities().view(&c.actor, id).await?;
            Ok(render_status(status, &one_page(c, lang, v, Some(m))))
        }
    }
}

fn csrf(c: &Caller, f: &FormData) -> Result<(), PageError> {
    c.check_csrf(f.get("csrf"))?;
    Ok(())
}

pub async fn sign_up(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    csrf(&c, &FormData(f))?;
    let r = s.app.activities().sign_up(&c.actor, id).await;
    back(&s, &c, lang, id, r).await
}

pub async fn withdraw(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    csrf(&c, &FormData(f))?;
    let r = s.app.activities().withdraw(&c.actor, id).await;
    back(&s, &c, lang, id, r).await
}

pub async fn cancel(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    csrf(&c, &f)?;
    let r = s
        .app
        .activities()
        .cancel(&c.actor, id, f.get("reason"))
        .await;
    back(&s, &c, lang, id, r).await
}

pub async fn attendance(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    csrf(&c, &f)?;
    // A value that is no number names no sign-up of this activity: refused as such (-1).
    let present: Vec<i64> =
        f.0.iter()
            .filter(|(k, _)| k == "present")
            .map(|(_, v)| v.parse().unwrap_or(-1))
            .collect();
    let r = s.app.activities().attendance(&c.actor, id, &present).await;
    back(&s, &c, lang, id, r).await
}
