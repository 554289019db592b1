//! The register of people who can be mobilised (docs/forces.md): `/forces` — the numbers per place
//! beside the other registers', a list narrowed by place, kind, skill and availability (phones
//! masked), `/forces/new`, and one person's page with the whole phone number to call (audited),
//! editing and taking them off the register.

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
use jingzhi_app::forces::{ListQuery, Member, MemberInput, PlaceForces};
use jingzhi_domain::forces::{Availability, ForceKind, Skill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forces", get(index).post(add))
        .route("/forces/new", get(new_form))
        .route("/forces/{id}", get(one).post(update))
        .route("/forces/{id}/remove", post(remove))
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub place: String,
    pub organisation: String,
    pub skills: Vec<&'static str>,
    pub availability: &'static str,
    pub phone: String,
}

fn row(m: &Member) -> Row {
    Row {
        id: m.id,
        name: m.name.clone(),
        kind: m.kind.as_str(),
        place: m.place.clone(),
        organisation: m.organisation.clone(),
        skills: m.skills.iter().map(|s| s.as_str()).collect(),
        availability: m.availability.as_str(),
        phone: m.phone_mask.clone(),
    }
}

pub struct SummaryRow {
    pub name: String,
    pub counts: Vec<i64>,
    pub total: i64,
    pub party: i64,
    pub volunteers: i64,
    pub dual: i64,
}

fn summary_row(p: &PlaceForces) -> SummaryRow {
    SummaryRow {
        name: p.name.clone(),
        counts: ForceKind::ALL
            .iter()
            .map(|k| {
                p.by_kind
                    .iter()
                    .find(|(x, _)| x == k)
                    .map(|(_, n)| *n)
                    .unwrap_or(0)
            })
            .collect(),
        total: p.total,
        party: p.register_party_members,
        volunteers: p.register_volunteers,
        dual: p.dual_report,
    }
}

/// The lists a person picks from.
pub struct Choices {
    pub places: Vec<(i64, String)>,
    pub kinds: Vec<&'static str>,
    pub skills: Vec<&'static str>,
    pub availabilities: Vec<&'static str>,
}

async fn choices(s: &AppState, c: &Caller) -> Result<Choices, PageError> {
    let places = s.app.forces().places(&c.actor).await?;
    Ok(Choices {
        places: places
            .into_iter()
            .map(|n| {
                let indent = "　".repeat((n.depth - 3).max(0) as usize);
                (n.id, format!("{indent}{}", n.name))
            })
            .collect(),
        kinds: ForceKind::ALL.iter().map(|k| k.as_str()).collect(),
        skills: Skill::ALL.iter().map(|k| k.as_str()).collect(),
        availabilities: Availability::ALL.iter().map(|k| k.as_str()).collect(),
    })
}

#[derive(Template)]
#[template(path = "forces/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub kinds: Vec<&'static str>,
    /// The caller's place first, then each place under it.
    pub summary: Vec<SummaryRow>,
    pub choices: Choices,
    pub filter: FormData,
    pub rows: Vec<Row>,
}

#[derive(serde::Deserialize, Default)]
pub struct IndexQuery {
    pub node_id: Option<String>,
    pub kind: Option<String>,
    pub skill: Option<String>,
    pub availability: Option<String>,
    pub q: Option<String>,
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<IndexQuery>,
) -> PageResult {
    let f = s.app.forces();
    let (me, places) = f.summary(&c.actor).await?;
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let query = ListQuery {
        node_id: blank(&q.node_id).and_then(|v| v.parse().ok()),
        kind: blank(&q.kind),
        skill: blank(&q.skill),
        availability: blank(&q.availability),
        q: blank(&q.q),
    };
    let rows = f.list(&c.actor, &query).await?;
    let mut filter = Vec::new();
    for (k, v) in [
        ("node_id", &q.node_id),
        ("kind", &q.kind),
        ("skill", &q.skill),
        ("availability", &q.availability),
        ("q", &q.q),
    ] {
        if let Some(v) = v {
            filter.push((k.to_string(), v.clone()));
        }
    }
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "incidents"),
        kinds: ForceKind::ALL.iter().map(|k| k.as_str()).collect(),
        summary: std::iter::once(&me)
            .chain(places.iter())
            .map(summary_row)
            .collect(),
        choices: choices(&s, &c).await?,
        filter: FormData(filter),
        rows: rows.iter().map(row).collect(),
    }))
}

#[derive(Template)]
#[template(path = "forces/new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub choices: Choices,
    pub form: FormData,
    pub message: Option<String>,
}

fn input(f: &FormData) -> MemberInput {
    MemberInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        kind: f.get("kind").to_string(),
        name: f.get("name").to_string(),
        resident_id: f.get("resident_id").trim().parse().ok(),
        organisation: f.get("organisation").to_string(),
        skills: f
            .0
            .iter()
            .filter(|(k, _)| k == "skills")
            .map(|(_, v)| v.clone())
            .collect(),
        availability: f.get("availability").to_string(),
        phone: f.get("phone").to_string(),
        note: f.get("note").to_string(),
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(&NewPage {
        c: Chrome::new(&c, lang, "incidents"),
        choices: choices(&s, &c).await?,
        form: FormData::default(),
        message: None,
    }))
}

pub async fn add(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.forces().add(&c.actor, &input(&f)).await {
        Ok(m) => Ok(Redirect::to(&format!("/forces/{}", m.id)).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &NewPage {
                    c: Chrome::new(&c, lang, "incidents"),
                    choices: choices(&s, &c).await?,
                    form: f,
                    message: Some(m),
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "forces/one.html")]
pub struct OnePage {
    pub c: Chrome,
    pub m: Row,
    pub phone: String,
    pub note: String,
    pub removed: bool,
    pub removed_reason: String,
    pub choices: Choices,
    /// The edit form, filled with the person's values (or what was sent, after a refusal).
    pub form: FormData,
    pub message: Option<String>,
}

fn form_of(m: &Member, phone: &str) -> FormData {
    let mut v = vec![
        ("node_id".to_string(), m.node_id.to_string()),
        ("kind".into(), m.kind.as_str().into()),
        ("name".into(), m.name.clone()),
        ("organisation".into(), m.organisation.clone()),
        ("availability".into(), m.availability.as_str().into()),
        ("phone".into(), phone.to_string()),
        ("note".into(), m.note.clone()),
    ];
    if let Some(r) = m.resident_id {
        v.push(("resident_id".into(), r.to_string()));
    }
    for s in &m.skills {
        v.push(("skills".into(), s.as_str().into()));
    }
    FormData(v)
}

async fn one_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    form: Option<FormData>,
    message: Option<String>,
) -> Result<OnePage, PageError> {
    let (m, phone) = s.app.forces().view(&c.actor, id).await?;
    Ok(OnePage {
        c: Chrome::new(c, lang, "incidents"),
        m: row(&m),
        form: form.unwrap_or_else(|| form_of(&m, &phone)),
        phone,
        note: m.note.clone(),
        removed: m.removed_at.is_some(),
        removed_reason: m.removed_reason.clone().unwrap_or_default(),
        choices: choices(s, c).await?,
        message,
    })
}

pub async fn one(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&one_page(&s, &c, lang, id, None, None).await?))
}

pub async fn update(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.forces().update(&c.actor, id, &input(&f)).await {
        Ok(_) => Ok(Redirect::to(&format!("/forces/{id}")).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &one_page(&s, &c, lang, id, Some(f), Some(m)).await?,
            ))
        }
    }
}

pub async fn remove(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.forces().remove(&c.actor, id, f.get("reason")).await {
        Ok(_) => Ok(Redirect::to(&format!("/forces/{id}")).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &one_page(&s, &c, lang, id, None, Some(m)).await?,
            ))
        }
    }
}
