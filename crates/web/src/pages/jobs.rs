//! Employment help (docs/jobs.md): `/jobs` — this year's numbers, the residents still looking
//! and the open positions; `/jobs/seekers/new?resident=ID` (from a resident's page);
//! `/jobs/seekers/{id}` to refer a seeker to an open position and record how it went;
//! `/jobs/positions/new` for managers to post a firm's position.

use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::jobs::{Match, PlaceNumbers, Position, PositionInput, Seeker};
use jingzhi_domain::jobs::{may_move, MatchState, Work};
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(index))
        .route("/jobs/seekers", post(register))
        .route("/jobs/seekers/new", get(new_seeker))
        .route("/jobs/seekers/{id}", get(seeker))
        .route("/jobs/seekers/{id}/refer", post(refer))
        .route("/jobs/seekers/{id}/withdraw", post(withdraw))
        .route("/jobs/matches/{id}/outcome", post(outcome))
        .route("/jobs/positions", post(post_position))
        .route("/jobs/positions/new", get(new_position))
        .route("/jobs/positions/{id}/close", post(close))
}

pub struct SeekerRow {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub work: &'static str,
    pub note: String,
    pub state: &'static str,
    pub registered: String,
}

fn seeker_row(s: &Seeker) -> SeekerRow {
    SeekerRow {
        id: s.id,
        name: s.name.clone(),
        address: s.address.clone(),
        work: s.work.as_str(),
        note: s.note.clone(),
        state: s.state.as_str(),
        registered: format_ms(s.registered_at),
    }
}

pub struct PositionRow {
    pub id: i64,
    pub employer: String,
    pub title: String,
    pub work: &'static str,
    pub places: String,
    pub wage: String,
    pub requirements: String,
    pub open: bool,
}

fn position_row(p: &Position) -> PositionRow {
    PositionRow {
        id: p.id,
        employer: p.employer.clone(),
        title: p.title.clone(),
        work: p.work.as_str(),
        places: format!("{}/{}", p.filled, p.openings),
        wage: match (p.wage_min, p.wage_max) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => String::new(),
        },
        requirements: p.requirements.clone(),
        open: p.closed_at.is_none() && p.filled < p.openings,
    }
}

pub struct NumbersRow {
    pub name: String,
    pub registered: i64,
    pub seeking: i64,
    pub placed: i64,
    pub referrals: i64,
}

fn numbers_row(p: &PlaceNumbers) -> NumbersRow {
    NumbersRow {
        name: p.name.clone(),
        registered: p.numbers.registered,
        seeking: p.numbers.seeking,
        placed: p.numbers.placed,
        referrals: p.numbers.referrals,
    }
}

#[derive(Template)]
#[template(path = "jobs/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub manager: bool,
    pub numbers: Vec<NumbersRow>,
    pub seekers: Vec<SeekerRow>,
    pub positions: Vec<PositionRow>,
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let j = s.app.jobs();
    let (me, places) = j.numbers(&c.actor).await?;
    let seekers = j.seekers(&c.actor, Some("seeking")).await?;
    let positions = j.positions(&c.actor, true).await?;
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "care"),
        manager: c.actor.user.role.is_manager(),
        numbers: std::iter::once(&me)
            .chain(places.iter())
            .map(numbers_row)
            .collect(),
        seekers: seekers.iter().map(seeker_row).collect(),
        positions: positions.iter().map(position_row).collect(),
    }))
}

#[derive(Template)]
#[template(path = "jobs/seeker_new.html")]
pub struct NewSeekerPage {
    pub c: Chrome,
    pub resident_id: i64,
    pub resident: String,
    pub works: Vec<&'static str>,
    pub form: FormData,
    pub message: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NewSeekerQuery {
    pub resident: Option<i64>,
}

async fn new_seeker_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    rid: i64,
    form: FormData,
    message: Option<String>,
) -> Result<NewSeekerPage, PageError> {
    let v = s.app.registry().resident_view(&c.actor, rid).await?;
    let (name, address) = (v.resident.name, v.household.address);
    Ok(NewSeekerPage {
        c: Chrome::new(c, lang, "care"),
        resident_id: rid,
        resident: format!("{name} · {address}"),
        works: Work::ALL.iter().map(|w| w.as_str()).collect(),
        form,
        message,
    })
}

pub async fn new_seeker(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<NewSeekerQuery>,
) -> PageResult {
    let Some(rid) = q.resident else {
        return Err(PageError::not_found());
    };
    Ok(render(
        &new_seeker_page(&s, &c, lang, rid, FormData::default(), None).await?,
    ))
}

pub async fn register(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let rid: i64 = f.get("resident_id").parse().unwrap_or(0);
    match s
        .app
        .jobs()
        .register(&c.actor, rid, f.get("work"), f.get("note"))
        .await
    {
        Ok(sk) => Ok(Redirect::to(&format!("/jobs/seekers/{}", sk.id)).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &new_seeker_page(&s, &c, lang, rid, f, Some(m)).await?,
            ))
        }
    }
}

pub struct MatchRow {
    pub id: i64,
    pub title: String,
    pub employer: String,
    pub state: &'static str,
    pub note: String,
    pub updated: String,
    pub moves: Vec<&'static str>,
}

fn match_row(m: &Match) -> MatchRow {
    MatchRow {
        id: m.id,
        title: m.title.clone(),
        employer: m.employer.clone(),
        state: m.state.as_str(),
        note: m.note.clone(),
        updated: format_ms(m.updated_at),
        moves: MatchState::ALL
            .iter()
            .filter(|t| may_move(m.state, **t))
            .map(|t| t.as_str())
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "jobs/seeker.html")]
pub struct SeekerPage {
    pub c: Chrome,
    pub s: SeekerRow,
    pub resident_id: i64,
    pub seeking: bool,
    pub matches: Vec<MatchRow>,
    pub open: Vec<PositionRow>,
    pub message: Option<String>,
}

async fn seeker_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<SeekerPage, PageError> {
    let (sk, matches, open) = s.app.jobs().seeker(&c.actor, id).await?;
    let referred: Vec<i64> = matches.iter().map(|m| m.position_id).collect();
    Ok(SeekerPage {
        c: Chrome::new(c, lang, "care"),
        resident_id: sk.resident_id,
        seeking: sk.state == jingzhi_domain::jobs::SeekerState::Seeking,
        s: seeker_row(&sk),
        matches: matches.iter().map(match_row).collect(),
        open: open
            .iter()
            .filter(|p| !referred.contains(&p.id))
            .map(position_row)
            .collect(),
        message,
    })
}

pub async fn seeker(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&seeker_page(&s, &c, lang, id, None).await?))
}

/// After an action on a seeker: back to their page, or it with the reason it was refused.
async fn back(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), jingzhi_app::AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/jobs/seekers/{id}")).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &seeker_page(s, c, lang, id, Some(m)).await?,
            ))
        }
    }
}

pub async fn refer(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let pos: i64 = f.get("position_id").parse().unwrap_or(0);
    let r = s
        .app
        .jobs()
        .refer(&c.actor, id, pos, f.get("note"))
        .await
        .map(|_| ());
    back(&s, &c, lang, id, r).await
}

pub async fn withdraw(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    let r = s.app.jobs().withdraw(&c.actor, id).await.map(|_| ());
    back(&s, &c, lang, id, r).await
}

pub async fn outcome(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let seeker: i64 = f.get("seeker_id").parse().unwrap_or(0);
    let r = s
        .app
        .jobs()
        .outcome(&c.actor, id, f.get("state"), f.get("note"))
        .await
        .map(|_| ());
    back(&s, &c, lang, seeker, r).await
}

#[derive(Template)]
#[template(path = "jobs/position_new.html")]
pub struct NewPositionPage {
    pub c: Chrome,
    pub firms: Vec<(i64, String)>,
    pub works: Vec<&'static str>,
    pub form: FormData,
    pub message: Option<String>,
}

async fn new_position_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    form: FormData,
    message: Option<String>,
) -> Result<NewPositionPage, PageError> {
    Ok(NewPositionPage {
        c: Chrome::new(c, lang, "care"),
        firms: s.app.jobs().firms(&c.actor).await?,
        works: Work::ALL.iter().map(|w| w.as_str()).collect(),
        form,
        message,
    })
}

pub async fn new_position(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &new_position_page(&s, &c, lang, FormData::default(), None).await?,
    ))
}

pub async fn post_position(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let num = |k: &str| f.opt(k).map(|v| v.parse::<i64>().unwrap_or(-1));
    let input = PositionInput {
        merchant_id: f.get("merchant_id").parse().unwrap_or(0),
        title: f.get("title").to_string(),
        work: f.get("work").to_string(),
        openings: num("openings").unwrap_or(0),
        wage_min: num("wage_min"),
        wage_max: num("wage_max"),
        requirements: f.get("requirements").to_string(),
    };
    match s.app.jobs().post(&c.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/jobs").into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &new_position_page(&s, &c, lang, f, Some(m)).await?,
            ))
        }
    }
}

pub async fn close(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    s.app.jobs().close(&c.actor, id).await?;
    Ok(Redirect::to("/jobs").into_response())
}
