//! Emergencies (平急结合, docs/emergency.md): `/incidents` (the list and, for managers, declaring
//! one), `/incidents/{id}` (the live board per grid and building, the households needing
//! attention, stand-down and the after-action report), `/incidents/{id}/mine` (a team member's or
//! steward's checks at phone width: one tap per household), `/teams` and `/teams/{id}` (the
//! place's volunteer and emergency teams and their members).

use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::emergency::{BoardLine, CheckInput, Covered, Incident, IncidentInput, TeamInput};
use jingzhi_app::AppError;
use jingzhi_domain::emergency::{AfterAction, Board, CheckStatus, IncidentKind, TeamKind};
use jingzhi_domain::time_fmt::format_ms;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(index).post(declare))
        .route("/incidents/{id}", get(show))
        .route("/incidents/{id}/mine", get(mine))
        .route("/incidents/{id}/export.xlsx", get(export))
        .route("/incidents/{id}/checks", post(check))
        .route("/incidents/{id}/stand-down", post(stand_down))
        .route("/teams", get(teams).post(create_team))
        .route("/teams/{id}", get(team))
        .route("/teams/{id}/members", post(add_member))
        .route("/teams/{id}/members/remove", post(remove_member))
}

pub struct IncidentRow {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub place: String,
    pub declared: String,
    pub active: bool,
}

fn row(i: &Incident) -> IncidentRow {
    IncidentRow {
        id: i.id,
        kind: kind_key(i.kind),
        title: i.title.clone(),
        place: i.node_name.clone(),
        declared: format_ms(i.declared_at),
        active: i.stood_down_at.is_none(),
    }
}

fn kind_key(k: IncidentKind) -> &'static str {
    match k {
        IncidentKind::Typhoon => "emergency.kind.typhoon",
        IncidentKind::Flood => "emergency.kind.flood",
        IncidentKind::Fire => "emergency.kind.fire",
        IncidentKind::PowerCut => "emergency.kind.power_cut",
        IncidentKind::Epidemic => "emergency.kind.epidemic",
        IncidentKind::Other => "emergency.kind.other",
    }
}

pub fn status_key(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pending => "emergency.status.pending",
        CheckStatus::Safe => "emergency.status.safe",
        CheckStatus::NeedsHelp => "emergency.status.needs_help",
        CheckStatus::Unreachable => "emergency.status.unreachable",
    }
}

fn reason_keys(codes: Vec<&'static str>) -> Vec<&'static str> {
    codes
        .into_iter()
        .map(|c| match c {
            "elderly_alone" => "emergency.reason.elderly_alone",
            "disabled" => "emergency.reason.disabled",
            "low_income" => "emergency.reason.low_income",
            "child_in_difficulty" => "emergency.reason.child_in_difficulty",
            _ => "emergency.reason.added",
        })
        .collect()
}

#[derive(Template)]
#[template(path = "emergency/incidents.html")]
pub struct IncidentsPage {
    pub c: Chrome,
    pub incidents: Vec<IncidentRow>,
    pub may_declare: bool,
    pub places: Vec<(i64, String)>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub message: Option<String>,
}

async fn incidents_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<IncidentsPage, super::PageError> {
    let e = s.app.emergency();
    let incidents = e.incidents(&c.actor).await?;
    let may_declare = c.actor.user.role.is_manager();
    let places = if may_declare {
        e.places(&c.actor).await?
    } else {
        Vec::new()
    };
    Ok(IncidentsPage {
        c: Chrome::new(c, lang, "incidents"),
        incidents: incidents.iter().map(row).collect(),
        may_declare,
        places,
        kinds: IncidentKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k)))
            .collect(),
        message,
    })
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&incidents_page(&s, &c, lang, None).await?))
}

pub async fn declare(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let retry = match f.opt("retry_minutes") {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("retry_minutes", "请填写分钟数")),
    };
    let r = match retry {
        Ok(retry_minutes) => {
            s.app
                .emergency()
                .declare(
                    &c.actor,
                    &IncidentInput {
                        kind: f.get("kind").to_string(),
                        node_id: f.get("node_id").parse().unwrap_or(0),
                        title: f.get("title").to_string(),
                        retry_minutes,
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(a) => Ok(Redirect::to(&format!("/incidents/{}", a.incident.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &incidents_page(&s, &c, lang, Some(message)).await?,
            ))
        }
    }
}

pub struct Counts {
    pub households: i64,
    pub pending: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreachable: i64,
    /// Percent reached (safe or needing help).
    pub percent: i64,
}

impl From<Board> for Counts {
    fn from(b: Board) -> Self {
        Counts {
            households: b.households,
            pending: b.pending,
            safe: b.safe,
            needs_help: b.needs_help,
            unreachable: b.unreachable,
            percent: (b.coverage() * 100.0).floor() as i64,
        }
    }
}

pub struct Line {
    pub name: String,
    pub n: Counts,
}

fn lines(v: Vec<BoardLine>) -> Vec<Line> {
    v.into_iter()
        .map(|l| Line {
            name: l.name,
            n: l.board.into(),
        })
        .collect()
}

pub struct HouseRow {
    pub id: i64,
    pub address: String,
    pub name: String,
    pub reasons: Vec<&'static str>,
    pub status: CheckStatus,
    pub status_key: &'static str,
    pub last: String,
    pub checks: i64,
    pub assignee: String,
    pub escalated: bool,
    pub event_id: Option<i64>,
}

fn house(r: Covered) -> HouseRow {
    HouseRow {
        id: r.household_id,
        address: r.address,
        name: r.head_name.unwrap_or_default(),
        reasons: reason_keys(r.reasons.codes()),
        status: r.status,
        status_key: status_key(r.status),
        last: r.last_check_at.map(format_ms).unwrap_or_default(),
        checks: r.checks,
        assignee: r.assignee_name.unwrap_or_default(),
        escalated: r.escalations > 0,
        event_id: r.event_id,
    }
}

pub struct Report {
    pub first_check: String,
    pub all_accounted: String,
    pub minutes: Option<i64>,
    pub stood_down: String,
    pub checks: i64,
    pub retried: i64,
    pub escalated: i64,
    pub events: i64,
}

fn report(r: AfterAction) -> Report {
    Report {
        first_check: r.first_check_at.map(format_ms).unwrap_or_default(),
        all_accounted: r.all_accounted_at.map(format_ms).unwrap_or_default(),
        minutes: r.minutes_to_account,
        stood_down: r.stood_down_at.map(format_ms).unwrap_or_default(),
        checks: r.checks,
        retried: r.retried,
        escalated: r.escalated,
        events: r.events,
    }
}

#[derive(Template)]
#[template(path = "emergency/incident.html")]
pub struct IncidentPage {
    pub c: Chrome,
    pub i: IncidentRow,
    pub declared_by: String,
    pub staff: bool,
    pub manages: bool,
    pub total: Counts,
    pub grids: Vec<Line>,
    pub buildings: Vec<Line>,
    /// More buildings than shown.
    pub buildings_more: usize,
    /// Households needing help or unreachable, then pending ones (capped).
    pub attention: Vec<HouseRow>,
    pub report: Option<Report>,
    pub teams: Vec<(i64, String, &'static str, i64)>,
    pub map_svg: Option<String>,
    pub message: Option<String>,
}

/// Buildings shown on the board (those with pending or unreachable households first).
const BUILDINGS_SHOWN: usize = 200;
const ATTENTION_SHOWN: usize = 200;

async fn incident_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<IncidentPage, super::PageError> {
    let e = s.app.emergency();
    let (a, board) = e.board(&c.actor, id).await?;
    // The map of what the caller reaches, each building coloured by its households' checks.
    let marks: std::collections::HashMap<i64, &'static str> = board
        .buildings
        .iter()
        .map(|b| {
            let m = if b.board.pending > 0 {
                "st-pending"
            } else if b.board.unreachable > 0 {
                "st-unreachable"
            } else if b.board.needs_help > 0 {
                "st-help"
            } else {
                "st-safe"
            };
            (b.node_id, m)
        })
        .collect();
    let map_node = a.within[0]
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|id| id.parse::<i64>().ok());
    let map_svg = match (a.staff, map_node) {
        (true, Some(n)) => match s.app.registry().map(&c.actor, n).await {
            Ok(m) if !m.buildings.is_empty() => super::map::svg_marked(&m, lang, &marks),
            _ => None,
        },
        _ => None,
    };
    let mut buildings = board.buildings;
    buildings.sort_by_key(|b| -(b.board.pending + b.board.unreachable + b.board.needs_help));
    let buildings_more = buildings.len().saturating_sub(BUILDINGS_SHOWN);
    buildings.truncate(BUILDINGS_SHOWN);
    let mut attention = Vec::new();
    for st in [
        CheckStatus::NeedsHelp,
        CheckStatus::Unreachable,
        CheckStatus::Pending,
    ] {
        if attention.len() >= ATTENTION_SHOWN {
            break;
        }
        let (_, rows) = e.households(&c.actor, id, Some(st), false).await?;
        attention.extend(
            rows.into_iter()
                .take(ATTENTION_SHOWN - attention.len())
                .map(house),
        );
    }
    let report = if a.staff {
        Some(report(e.after_action(&c.actor, id).await?.1))
    } else {
        None
    };
    let teams = s
        .app
        .emergency()
        .incident_teams(&c.actor, id)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                format!("{} · {}", t.node_name, t.name),
                team_kind_key(t.kind),
                t.members,
            )
        })
        .collect();
    Ok(IncidentPage {
        c: Chrome::new(c, lang, "incidents"),
        i: row(&a.incident),
        declared_by: a.incident.declared_by_name.clone(),
        staff: a.staff,
        manages: a.manages && a.active(),
        total: board.total.into(),
        grids: lines(board.grids),
        buildings: lines(buildings),
        buildings_more,
        attention,
        report,
        teams,
        map_svg,
        message,
    })
}

pub async fn show(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&incident_page(&s, &c, lang, id, None).await?))
}

pub async fn export(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let (i, bytes) = s.app.emergency().export(&c.actor, id).await?;
    Ok(super::export::xlsx_download(
        &format!(
            "应急核查_{}_{}.xlsx",
            i.title,
            format_ms(i.declared_at).replace([' ', ':'], "")
        ),
        bytes,
    ))
}

pub async fn stand_down(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.emergency().stand_down(&c.actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &incident_page(&s, &c, lang, id, Some(message)).await?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "emergency/mine.html")]
pub struct MinePage {
    pub c: Chrome,
    pub i: IncidentRow,
    pub staff: bool,
    pub all: bool,
    pub total: Counts,
    pub houses: Vec<HouseRow>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct MineQuery {
    /// Staff: every household they reach, not only those given to them.
    pub all: Option<String>,
}

async fn mine_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    all: bool,
    message: Option<String>,
) -> Result<MinePage, super::PageError> {
    let e = s.app.emergency();
    let (a, board) = e.board(&c.actor, id).await?;
    let (_, mut rows) = e.households(&c.actor, id, None, !all).await?;
    // Pending first, then unreachable (to try again), then the rest.
    rows.sort_by_key(|r| match r.status {
        CheckStatus::Pending => 0,
        CheckStatus::Unreachable => 1,
        CheckStatus::NeedsHelp => 2,
        CheckStatus::Safe => 3,
    });
    Ok(MinePage {
        c: Chrome::new(c, lang, "incidents"),
        i: row(&a.incident),
        staff: a.staff,
        all,
        total: board.total.into(),
        houses: rows.into_iter().map(house).collect(),
        statuses: CheckStatus::RECORDED
            .iter()
            .map(|s| (s.as_str(), status_key(*s)))
            .collect(),
        message,
    })
}

pub async fn mine(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<MineQuery>,
) -> PageResult {
    let all = q.all.as_deref() == Some("1");
    Ok(render(&mine_page(&s, &c, lang, id, all, None).await?))
}

pub async fn check(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let all = f.get("all") == "1";
    let household_id: i64 = f.get("household_id").parse().unwrap_or(0);
    let r = s
        .app
        .emergency()
        .record_check(
            &c.actor,
            id,
            &CheckInput {
                household_id,
                status: f.get("status").to_string(),
                note: f.get("note").to_string(),
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!(
            "/incidents/{id}/mine{}#h{household_id}",
            if all { "?all=1" } else { "" }
        ))
        .into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &mine_page(&s, &c, lang, id, all, Some(message)).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Teams

fn team_kind_key(k: TeamKind) -> &'static str {
    match k {
        TeamKind::Volunteer => "emergency.team.volunteer",
        TeamKind::Emergency => "emergency.team.emergency",
    }
}

pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub kind: &'static str,
    pub leader: String,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "emergency/teams.html")]
pub struct TeamsPage {
    pub c: Chrome,
    pub teams: Vec<TeamRow>,
    pub may_keep: bool,
    pub places: Vec<(i64, String)>,
    pub message: Option<String>,
}

async fn teams_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<TeamsPage, super::PageError> {
    let e = s.app.emergency();
    let may_keep = c.actor.user.role.is_manager();
    Ok(TeamsPage {
        c: Chrome::new(c, lang, "incidents"),
        teams: e
            .teams(&c.actor)
            .await?
            .into_iter()
            .map(|t| TeamRow {
                id: t.id,
                name: t.name,
                place: t.node_name,
                kind: team_kind_key(t.kind),
                leader: t.leader_name.unwrap_or_default(),
                members: t.members,
            })
            .collect(),
        places: if may_keep {
            e.places(&c.actor).await?
        } else {
            Vec::new()
        },
        may_keep,
        message,
    })
}

pub async fn teams(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&teams_page(&s, &c, lang, None).await?))
}

pub async fn create_team(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .emergency()
        .create_team(
            &c.actor,
            &TeamInput {
                node_id: f.get("node_id").parse().unwrap_or(0),
                kind: f.get("kind").to_string(),
                name: f.get("name").to_string(),
            },
        )
        .await;
    match r {
        Ok(t) => Ok(Redirect::to(&format!("/teams/{}", t.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &teams_page(&s, &c, lang, Some(message)).await?,
            ))
        }
    }
}

pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub skills: String,
    pub leader: bool,
}

#[derive(Template)]
#[template(path = "emergency/team.html")]
pub struct TeamPage {
    pub c: Chrome,
    pub t: TeamRow,
    pub members: Vec<MemberRow>,
    pub may_keep: bool,
    pub candidates: Vec<(i64, String)>,
    pub message: Option<String>,
}

async fn team_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<TeamPage, super::PageError> {
    let e = s.app.emergency();
    let (t, members) = e.team(&c.actor, id).await?;
    let may_keep = c.actor.user.role.is_manager() && t.path.starts_with(&c.actor.scope().path);
    let candidates = if may_keep {
        e.candidates(&c.actor, id)
            .await?
            .into_iter()
            .filter(|u| !members.iter().any(|m| m.user_id == u.id))
            .map(|u| {
                let role = match lang {
                    Lang::Zh => u.role.label_zh(),
                    Lang::En => u.role.label_en(),
                };
                (
                    u.id,
                    format!("{} · {role} · {}", u.display_name, u.scope_name),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let leader = t.leader_user_id;
    Ok(TeamPage {
        c: Chrome::new(c, lang, "incidents"),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                leader: Some(m.user_id) == leader,
                role: jingzhi_domain::auth::Role::parse(&m.role)
                    .map(|r| match lang {
                        Lang::Zh => r.label_zh(),
                        Lang::En => r.label_en(),
                    })
                    .unwrap_or("")
                    .to_string(),
                user_id: m.user_id,
                name: m.display_name,
                skills: m.skills,
            })
            .collect(),
        t: TeamRow {
            id: t.id,
            name: t.name,
            place: t.node_name,
            kind: team_kind_key(t.kind),
            leader: t.leader_name.unwrap_or_default(),
            members: t.members,
        },
        may_keep,
        candidates,
        message,
    })
}

pub async fn team(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&team_page(&s, &c, lang, id, None).await?))
}

async fn team_back(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &team_page(s, c, lang, id, Some(message)).await?,
            ))
        }
    }
}

pub async fn add_member(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .emergency()
        .add_member(
            &c.actor,
            id,
            f.get("user_id").parse().unwrap_or(0),
            f.get("skills"),
            f.get("leader") == "1",
        )
        .await
        .map(|_| ());
    team_back(&s, &c, lang, id, r).await
}

pub async fn remove_member(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .emergency()
        .remove_member(&c.actor, id, f.get("user_id").parse().unwrap_or(0))
        .await
        .map(|_| ());
    team_back(&s, &c, lang, id, r).await
}
