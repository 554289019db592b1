//! Legal-aid cases (docs/legal.md): `/legal` — this year's numbers per place and the open cases;
//! `/legal/new?resident=ID` (from a resident's page) to record a matter with its kind, channel
//! and lawyer picked from lists; `/legal/{id}` to read it and move it on.

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
use jingzhi_app::legal::{Case, CaseInput, CaseView, PlaceNumbers};
use jingzhi_domain::legal::{Channel, Matter, Outcome, State as CaseState};
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/legal", get(index).post(open))
        .route("/legal/new", get(new_form))
        .route("/legal/{id}", get(one))
        .route("/legal/{id}/steps", post(step))
}

pub struct Row {
    pub id: i64,
    pub resident: String,
    pub address: String,
    pub matter: &'static str,
    pub state: &'static str,
    pub lawyer: String,
    pub opened: String,
}

fn row(c: &Case) -> Row {
    Row {
        id: c.id,
        resident: c.resident_name.clone(),
        address: c.address.clone(),
        matter: c.matter.as_str(),
        state: c.state.as_str(),
        lawyer: c.lawyer_name.clone().unwrap_or_default(),
        opened: format_ms(c.opened_at),
    }
}

pub struct NumbersRow {
    pub name: String,
    pub opened: i64,
    pub open: i64,
    pub closed: i64,
    pub mediated: i64,
    pub aid: i64,
}

fn numbers_row(p: &PlaceNumbers) -> NumbersRow {
    let n = &p.numbers;
    let of = |o: Outcome| {
        n.by_outcome
            .iter()
            .find(|(x, _)| *x == o)
            .map(|(_, k)| *k)
            .unwrap_or(0)
    };
    NumbersRow {
        name: p.name.clone(),
        opened: n.opened,
        open: n.open,
        closed: n.closed,
        mediated: of(Outcome::Mediated),
        aid: of(Outcome::AidGranted),
    }
}

#[derive(Template)]
#[template(path = "legal/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub numbers: Vec<NumbersRow>,
    pub by_matter: Vec<(&'static str, i64)>,
    pub rows: Vec<Row>,
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let l = s.app.legal();
    let (me, places) = l.numbers(&c.actor).await?;
    let rows = l.cases(&c.actor, true).await?;
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "care"),
        by_matter: me
            .numbers
            .by_matter
            .iter()
            .map(|(m, k)| (m.as_str(), *k))
            .collect(),
        numbers: std::iter::once(&me)
            .chain(places.iter())
            .map(numbers_row)
            .collect(),
        rows: rows.iter().map(row).collect(),
    }))
}

#[derive(Template)]
#[template(path = "legal/new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub resident_id: i64,
    pub resident: String,
    pub matters: Vec<&'static str>,
    pub channels: Vec<&'static str>,
    pub lawyers: Vec<(i64, String)>,
    pub form: FormData,
    pub message: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    pub resident: Option<i64>,
}

async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    resident_id: i64,
    form: FormData,
    message: Option<String>,
) -> Result<NewPage, PageError> {
    let lawyers = s.app.legal().lawyers(&c.actor).await?;
    let v = s
        .app
        .registry()
        .resident_view(&c.actor, resident_id)
        .await?;
    let (name, address) = (v.resident.name, v.household.address);
    Ok(NewPage {
        c: Chrome::new(c, lang, "care"),
        resident_id,
        resident: format!("{name} · {address}"),
        matters: Matter::ALL.iter().map(|m| m.as_str()).collect(),
        channels: Channel::ALL.iter().map(|m| m.as_str()).collect(),
        lawyers: lawyers
            .into_iter()
            .map(|(id, name, org)| {
                (
                    id,
                    if org.is_empty() {
                        name
                    } else {
                        format!("{name}（{org}）")
                    },
                )
            })
            .collect(),
        form,
        message,
    })
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let Some(rid) = q.resident else {
        return Err(PageError::not_found());
    };
    Ok(render(
        &new_page(&s, &c, lang, rid, FormData::default(), None).await?,
    ))
}

pub async fn open(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let rid: i64 = f.get("resident_id").parse().unwrap_or(0);
    let input = CaseInput {
        resident_id: rid,
        matter: f.get("matter").to_string(),
        channel: f.get("channel").to_string(),
        lawyer_id: f.get("lawyer_id").parse().ok(),
        summary: f.get("summary").to_string(),
    };
    match s.app.legal().open(&c.actor, &input).await {
        Ok(v) => Ok(Redirect::to(&format!("/legal/{}", v.case.id)).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &new_page(&s, &c, lang, rid, f, Some(m)).await?,
            ))
        }
    }
}

pub struct StepRow {
    pub at: String,
    pub state: &'static str,
    pub note: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "legal/one.html")]
pub struct OnePage {
    pub c: Chrome,
    pub k: Row,
    pub resident_id: i64,
    pub channel: &'static str,
    pub outcome: Option<&'static str>,
    pub closed: String,
    pub summary: String,
    pub steps: Vec<StepRow>,
    /// The moves the case may make now.
    pub moves: Vec<&'static str>,
    pub outcomes: Vec<&'static str>,
    pub message: Option<String>,
}

fn one_page(c: &Caller, lang: Lang, v: CaseView, message: Option<String>) -> OnePage {
    let state = v.case.state;
    OnePage {
        c: Chrome::new(c, lang, "care"),
        k: row(&v.case),
        resident_id: v.case.resident_id,
        channel: v.case.channel.as_str(),
        outcome: v.case.outcome.map(|o| o.as_str()),
        closed: v.case.closed_at.map(format_ms).unwrap_or_default(),
        summary: v.summary,
        steps: v
            .steps
            .into_iter()
            .map(|(at, st, note, by)| StepRow {
                at: format_ms(at),
                state: st.as_str(),
                note,
                by,
            })
            .collect(),
        moves: CaseState::ALL
            .iter()
            .filter(|t| jingzhi_domain::legal::may_move(state, **t))
            .map(|t| t.as_str())
            .collect(),
        outcomes: Outcome::ALL.iter().map(|o| o.as_str()).collect(),
        message,
    }
}

pub async fn one(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    let v = s.app.legal().case(&c.actor, id).await?;
    Ok(render(&one_page(&c, lang, v, None)))
}

pub async fn step(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let outcome = f.opt("outcome");
    let r = s
        .app
        .legal()
        .step(
            &c.actor,
            id,
            f.get("state"),
            outcome.as_deref(),
            f.get("note"),
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/legal/{id}")).into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            let v = s.app.legal().case(&c.actor, id).await?;
            Ok(render_status(status, &one_page(&c, lang, v, Some(m))))
        }
    }
}
