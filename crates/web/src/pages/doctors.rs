//! Family-doctor contracts (家庭医生签约, docs/doctors.md), at phone width: `/doctors` (the
//! signing rate per place against the 90% target, the key-group residents still to sign with a
//! "sign" link each, contracts ending within a month to renew), `/doctors/sign?resident=ID`
//! (pick a team, tick the groups — pre-ticked from the register — and the date) and
//! `/doctors/teams` (the teams; managers add one).

use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use jingzhi_app::care::reads;
use jingzhi_app::doctors::{manages_teams, Coverage, SignInput, TeamInput};
use jingzhi_domain::doctors::{KeyGroup, TARGET_PERCENT};
use jingzhi_domain::time_fmt::{format_date, format_ms, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/doctors", get(index))
        .route("/doctors/sign", get(sign_form).post(sign))
        .route("/doctors/teams", get(teams).post(create_team))
}

pub struct CoverageRow {
    pub name: String,
    pub key: i64,
    pub signed: i64,
    pub rate: String,
    pub below: bool,
}

fn coverage_row(c: &Coverage) -> CoverageRow {
    CoverageRow {
        name: c.name.clone(),
        key: c.key,
        signed: c.signed,
        rate: c
            .rate()
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into()),
        below: !c.meets_target(),
    }
}

pub struct UnsignedRow {
    pub resident_id: i64,
    pub name: String,
    pub birth_date: String,
    pub address: String,
}

pub struct EndingRow {
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    pub team: String,
    pub ends: String,
}

#[derive(Template)]
#[template(path = "doctors/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub target: i64,
    pub total: CoverageRow,
    pub places: Vec<CoverageRow>,
    /// Readers (managers and grid workers): the work lists.
    pub reader: bool,
    pub unsigned: Vec<UnsignedRow>,
    /// The unsigned list has a next page from this offset.
    pub next: Option<i64>,
    pub offset: i64,
    pub ending: Vec<EndingRow>,
}

#[derive(serde::Deserialize)]
pub struct IndexQuery {
    pub offset: Option<i64>,
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<IndexQuery>,
) -> PageResult {
    let d = s.app.doctors();
    let (total, places) = d.coverage(&c.actor).await?;
    let reader = reads(c.actor.user.role);
    let offset = q.offset.unwrap_or(0).max(0);
    let (unsigned, ending) = if reader {
        (
            d.unsigned(&c.actor, offset).await?,
            d.contracts(&c.actor, true, 0).await?,
        )
    } else {
        (vec![], vec![])
    };
    let limit = jingzhi_app::doctors::LIST_LIMIT;
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "care"),
        target: TARGET_PERCENT,
        total: coverage_row(&total),
        places: places.iter().map(coverage_row).collect(),
        reader,
        next: (unsigned.len() as i64 == limit).then_some(offset + limit),
        offset,
        unsigned: unsigned
            .into_iter()
            .map(|u| UnsignedRow {
                resident_id: u.resident_id,
                name: u.name,
                birth_date: u.birth_date,
                address: u.address,
            })
            .collect(),
        ending: ending
            .into_iter()
            .map(|x| EndingRow {
                resident_id: x.resident_id,
                name: x.resident_name,
                address: x.address,
                team: x.team_name,
                ends: format_ms(x.ends_at).chars().take(10).collect(),
            })
            .collect(),
    }))
}

#[derive(Template)]
#[template(path = "doctors/sign.html")]
pub struct SignPage {
    pub c: Chrome,
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    pub age: i32,
    /// Ends of a live contract (renewal), empty when none.
    pub live_ends: String,
    pub teams: Vec<(i64, String)>,
    pub groups: Vec<(&'static str, bool)>,
    pub team_id: String,
    pub signed_on: String,
    pub message: Option<String>,
}

async fn sign_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    resident_id: i64,
    form: Option<&FormData>,
    message: Option<String>,
) -> Result<SignPage, PageError> {
    let f = s.app.doctors().sign_form(&c.actor, resident_id).await?;
    let ticked: Vec<KeyGroup> = match form {
        Some(form) => form
            .0
            .iter()
            .filter(|(k, _)| k == "groups")
            .filter_map(|(_, v)| KeyGroup::parse(v))
            .collect(),
        None => f.suggested.clone(),
    };
    Ok(SignPage {
        c: Chrome::new(c, lang, "care"),
        resident_id,
        name: f.resident.name.clone(),
        address: f.resident.address.clone(),
        age: f.age,
        live_ends: f
            .live
            .map(|(_, ends)| format_ms(ends).chars().take(10).collect())
            .unwrap_or_default(),
        teams: f
            .teams
            .iter()
            .map(|t| {
                (
                    t.id,
                    format!("{} ({}, {})", t.name, t.institution, t.node_name),
                )
            })
            .collect(),
        groups: KeyGroup::ALL
            .iter()
            .map(|g| (g.as_str(), ticked.contains(g)))
            .collect(),
        team_id: form
            .map(|f| f.get("team_id").to_string())
            .unwrap_or_default(),
        signed_on: form
            .map(|f| f.get("signed_on").to_string())
            .unwrap_or_else(|| format_date(today())),
        message,
    })
}

#[derive(serde::Deserialize)]
pub struct SignQuery {
    pub resident: Option<i64>,
}

pub async fn sign_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<SignQuery>,
) -> PageResult {
    let Some(rid) = q.resident else {
        return Ok(Redirect::to("/doctors").into_response());
    };
    Ok(render(&sign_page(&s, &c, lang, rid, None, None).await?))
}

pub async fn sign(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let rid: i64 = f.get("resident_id").parse().unwrap_or(0);
    let input = SignInput {
        resident_id: rid,
        team_id: f.get("team_id").parse().unwrap_or(0),
        groups: f
            .0
            .iter()
            .filter(|(k, _)| k == "groups")
            .map(|(_, v)| v.clone())
            .collect(),
        signed_on: f.opt("signed_on"),
    };
    match s.app.doctors().sign(&c.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/doctors").into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &sign_page(&s, &c, lang, rid, Some(&f), Some(m)).await?,
            ))
        }
    }
}

pub struct TeamRow {
    pub code: String,
    pub name: String,
    pub institution: String,
    pub lead_doctor: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "doctors/teams.html")]
pub struct TeamsPage {
    pub c: Chrome,
    pub teams: Vec<TeamRow>,
    /// Managers: the places they may add a team for.
    pub places: Vec<(i64, String)>,
    pub manager: bool,
    pub form: FormData,
    pub message: Option<String>,
}

async fn teams_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    form: FormData,
    message: Option<String>,
) -> Result<TeamsPage, PageError> {
    let d = s.app.doctors();
    let teams = d.teams(&c.actor).await?;
    let manager = manages_teams(c.actor.user.role);
    let places = if manager {
        d.places(&c.actor)
            .await?
            .into_iter()
            .map(|n| {
                let indent = "　".repeat((n.depth - 1).max(0) as usize);
                (n.id, format!("{indent}{}", n.name))
            })
            .collect()
    } else {
        vec![]
    };
    Ok(TeamsPage {
        c: Chrome::new(c, lang, "care"),
        teams: teams
            .into_iter()
            .map(|t| TeamRow {
                code: t.code,
                name: t.name,
                institution: t.institution,
                lead_doctor: t.lead_doctor,
                place: t.node_name,
            })
            .collect(),
        places,
        manager,
        form,
        message,
    })
}

pub async fn teams(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(
        &teams_page(&s, &c, lang, FormData::default(), None).await?,
    ))
}

pub async fn create_team(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = TeamInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        name: f.get("name").to_string(),
        institution: f.get("institution").to_string(),
        lead_doctor: f.get("lead_doctor").to_string(),
        code: f.opt("code"),
    };
    match s.app.doctors().create_team(&c.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/doctors/teams").into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &teams_page(&s, &c, lang, f, Some(m)).await?,
            ))
        }
    }
}
