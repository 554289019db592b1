//! Emergencies in the API (docs/emergency.md): volunteer and emergency teams, incidents with the
//! check of every vulnerable household, the board, stand-down and the after-action report. The
//! incident routes of issue 13 §4 are kept exactly (`POST /api/v1/incidents`, `…/board`,
//! `…/checks`, `…/stand-down`).

use crate::api::{body, query, Id};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::emergency::{
    Access, BoardLine, CheckInput, Covered, Incident, IncidentInput, Member, Team, TeamInput,
};
use jingzhi_domain::emergency::{AfterAction, Board, CheckStatus};
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(list_incidents, declare))
        .routes(routes!(get_incident))
        .routes(routes!(board))
        .routes(routes!(list_households, add_household))
        .routes(routes!(record_check))
        .routes(routes!(stand_down))
        .routes(routes!(after_action))
}

// ---------------------------------------------------------------------------------------------
// Teams

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    /// `volunteer` or `emergency`.
    pub kind: String,
    pub name: String,
    pub leader_user_id: Option<i64>,
    pub leader_name: Option<String>,
    pub members: i64,
}

impl From<Team> for TeamDto {
    fn from(t: Team) -> Self {
        TeamDto {
            id: t.id,
            node_id: t.node_id,
            node_name: t.node_name,
            kind: t.kind.as_str().into(),
            name: t.name,
            leader_user_id: t.leader_user_id,
            leader_name: t.leader_name,
            members: t.members,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberDto {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub skills: String,
}

impl From<Member> for TeamMemberDto {
    fn from(m: Member) -> Self {
        TeamMemberDto {
            user_id: m.user_id,
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            skills: m.skills,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamDetail {
    pub team: TeamDto,
    pub members: Vec<TeamMemberDto>,
}

fn detail((t, m): (Team, Vec<Member>)) -> TeamDetail {
    TeamDetail {
        team: t.into(),
        members: m.into_iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamBody {
    /// A place in the caller's scope (community, grid…).
    pub node_id: i64,
    /// `volunteer` (志愿服务队) or `emergency` (应急队).
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberBody {
    /// A user whose scope lies inside the team's place.
    pub user_id: i64,
    pub skills: Option<String>,
    /// Make them the team's leader (an existing member too).
    pub leader: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RemoveMemberBody {
    pub user_id: i64,
}

/// Teams of the caller's places and those above them (staff); a member's own teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "emergency",
    responses((status = 200, body = TeamList)))]
pub async fn list_teams(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<TeamList>> {
    let t = s.app.emergency().teams(&c.actor).await?;
    Ok(Json(TeamList {
        items: t.into_iter().map(Into::into).collect(),
    }))
}

/// Form a volunteer or emergency team of a place (managers).
#[utoipa::path(post, path = "/api/v1/teams", tag = "emergency", request_body = TeamBody,
    responses((status = 201, body = TeamDto), (status = 403, body = ErrorBody)))]
pub async fn create_team(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<TeamBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TeamDto>)> {
    let b = body(b)?;
    let t = s
        .app
        .emergency()
        .create_team(
            &c.actor,
            &TeamInput {
                node_id: b.node_id,
                kind: b.kind,
                name: b.name,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// A team with its members (staff of its place, or a member).
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "emergency", params(("id" = i64, Path)),
    responses((status = 200, body = TeamDetail)))]
pub async fn get_team(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<TeamDetail>> {
    Ok(Json(detail(s.app.emergency().team(&c.actor, id).await?)))
}

/// Add a member (or make one the leader) (managers).
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "emergency",
    params(("id" = i64, Path)), request_body = MemberBody,
    responses((status = 201, body = TeamDetail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn add_member(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<MemberBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TeamDetail>)> {
    let b = body(b)?;
    let d = s
        .app
        .emergency()
        .add_member(
            &c.actor,
            id,
            b.user_id,
            b.skills.as_deref().unwrap_or(""),
            b.leader.unwrap_or(false),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail(d))))
}

/// Take a member off a team (managers); 404 when they are not on it.
#[utoipa::path(post, path = "/api/v1/teams/{id}/members/remove", tag = "emergency",
    params(("id" = i64, Path)), request_body = RemoveMemberBody,
    responses((status = 200, body = TeamDetail), (status = 403, body = ErrorBody)))]
pub async fn remove_member(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<RemoveMemberBody>, JsonRejection>,
) -> ApiResult<Json<TeamDetail>> {
    let b = body(b)?;
    let d = s
        .app
        .emergency()
        .remove_member(&c.actor, id, b.user_id)
        .await?;
    Ok(Json(detail(d)))
}

// ---------------------------------------------------------------------------------------------
// Incidents

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    pub id: i64,
    /// typhoon | flood | fire | power_cut | epidemic | other
    pub kind: String,
    pub node_id: i64,
    pub node_name: String,
    pub title: String,
    /// Minutes before an unreachable household escalates.
    pub retry_minutes: i64,
    pub declared_by: String,
    pub declared_at: String,
    pub stood_down_at: Option<String>,
    /// The caller records checks as staff of the place (or as a team member).
    pub staff: Option<bool>,
    /// The caller may add households and stand down.
    pub manages: Option<bool>,
}

fn incident(i: Incident, a: Option<&Access>) -> IncidentDto {
    IncidentDto {
        id: i.id,
        kind: i.kind.as_str().into(),
        node_id: i.node_id,
        node_name: i.node_name,
        title: i.title,
        retry_minutes: i.retry_minutes,
        declared_by: i.declared_by_name,
        declared_at: format_w3c(i.declared_at),
        stood_down_at: i.stood_down_at.map(format_w3c),
        staff: a.map(|a| a.staff),
        manages: a.map(|a| a.manages),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentCreated {
    pub id: i64,
    pub kind: String,
    pub node_id: i64,
    pub title: String,
    pub declared_at: String,
    /// Households given a check.
    pub households: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub items: Vec<IncidentDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentBody {
    /// typhoon | flood | fire | power_cut | epidemic | other
    pub kind: String,
    /// The place it is declared over, in the caller's scope.
    pub node_id: i64,
    pub title: String,
    /// Minutes before an unreachable household escalates (5–1440; default 60).
    pub retry_minutes: Option<i64>,
}

/// Incidents over the caller's places or above them (staff); the active ones of a member's teams.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "emergency",
    responses((status = 200, body = IncidentList)))]
pub async fn list_incidents(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<IncidentList>> {
    let v = s.app.emergency().incidents(&c.actor).await?;
    Ok(Json(IncidentList {
        items: v.into_iter().map(|i| incident(i, None)).collect(),
    }))
}

/// Declare an incident over a place (managers): its teams are activated and told, and every
/// household there with a resident living alone in old age, disabled, on low income or a child
/// in difficulty gets a check, each building given to a team member.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "emergency", request_body = IncidentBody,
    responses((status = 201, body = IncidentCreated), (status = 403, body = ErrorBody)))]
pub async fn declare(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<IncidentBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<IncidentCreated>)> {
    let b = body(b)?;
    let e = s.app.emergency();
    let a = e
        .declare(
            &c.actor,
            &IncidentInput {
                kind: b.kind,
                node_id: b.node_id,
                title: b.title,
                retry_minutes: b.retry_minutes,
            },
        )
        .await?;
    let (_, board) = e.board(&c.actor, a.incident.id).await?;
    let i = a.incident;
    Ok((
        StatusCode::CREATED,
        Json(IncidentCreated {
            id: i.id,
            kind: i.kind.as_str().into(),
            node_id: i.node_id,
            title: i.title,
            declared_at: format_w3c(i.declared_at),
            households: board.total.households,
        }),
    ))
}

/// An incident the caller reaches.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "emergency",
    params(("id" = i64, Path)), responses((status = 200, body = IncidentDto)))]
pub async fn get_incident(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<IncidentDto>> {
    let a = s.app.emergency().access(&c.actor, id).await?;
    Ok(Json(incident(a.incident.clone(), Some(&a))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardLineDto {
    pub node_id: i64,
    pub name: String,
    pub households: i64,
    pub pending: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreachable: i64,
}

impl From<BoardLine> for BoardLineDto {
    fn from(l: BoardLine) -> Self {
        BoardLineDto {
            node_id: l.node_id,
            name: l.name,
            households: l.board.households,
            pending: l.board.pending,
            safe: l.board.safe,
            needs_help: l.board.needs_help,
            unreachable: l.board.unreachable,
        }
    }
}

/// Each household counted once, by its latest check, inside what the caller reaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDto {
    pub households: i64,
    pub pending: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreachable: i64,
    pub stood_down: bool,
    pub grids: Vec<BoardLineDto>,
    pub buildings: Vec<BoardLineDto>,
}

/// The live board: households pending, safe, needing help, unreachable; per grid and building.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/board", tag = "emergency",
    params(("id" = i64, Path)), responses((status = 200, body = BoardDto)))]
pub async fn board(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<BoardDto>> {
    let (a, v) = s.app.emergency().board(&c.actor, id).await?;
    let t: Board = v.total;
    Ok(Json(BoardDto {
        households: t.households,
        pending: t.pending,
        safe: t.safe,
        needs_help: t.needs_help,
        unreachable: t.unreachable,
        stood_down: !a.active(),
        grids: v.grids.into_iter().map(Into::into).collect(),
        buildings: v.buildings.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredDto {
    pub household_id: i64,
    pub building_id: i64,
    pub building_name: String,
    pub address: String,
    /// The head's (or first resident's) name; masked for team members who are not staff.
    pub name: Option<String>,
    /// Why it is checked: elderly_alone, disabled, low_income, child_in_difficulty, added.
    pub reasons: Vec<String>,
    pub assignee_user_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// pending | safe | needs_help | unreachable (the latest check).
    pub status: String,
    pub last_check_at: Option<String>,
    pub checks: i64,
    /// Escalated for being unreachable past the retry time.
    pub escalated: bool,
    /// The event made when it needed help.
    pub event_id: Option<i64>,
}

impl From<Covered> for CoveredDto {
    fn from(c: Covered) -> Self {
        CoveredDto {
            household_id: c.household_id,
            building_id: c.building_id,
            building_name: c.building_name,
            address: c.address,
            name: c.head_name,
            reasons: c.reasons.codes().into_iter().map(Into::into).collect(),
            assignee_user_id: c.assignee_user_id,
            assignee_name: c.assignee_name,
            status: c.status.as_str().into(),
            last_check_at: c.last_check_at.map(format_w3c),
            checks: c.checks,
            escalated: c.escalations > 0,
            event_id: c.event_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredList {
    pub items: Vec<CoveredDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CoveredQuery {
    /// pending | safe | needs_help | unreachable
    pub status: Option<String>,
    /// Only the households given to the caller.
    pub mine: Option<bool>,
}

/// The households of an incident the caller reaches, with their latest check.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/households", tag = "emergency",
    params(("id" = i64, Path), CoveredQuery), responses((status = 200, body = CoveredList)))]
pub async fn list_households(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    q: Result<Query<CoveredQuery>, QueryRejection>,
) -> ApiResult<Json<CoveredList>> {
    let q = query(q)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(CheckStatus::parse(s).ok_or_else(|| {
            ApiError::invalid("status", "pending, safe, needs_help or unreachable")
        })?),
    };
    let (_, rows) = s
        .app
        .emergency()
        .households(&c.actor, id, status, q.mine.unwrap_or(false))
        .await?;
    Ok(Json(CoveredList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddHouseholdBody {
    pub household_id: i64,
}

/// Add a household of the place the register does not tag (managers over the incident's place).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/households", tag = "emergency",
    params(("id" = i64, Path)), request_body = AddHouseholdBody,
    responses((status = 201, body = CoveredDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn add_household(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AddHouseholdBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CoveredDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .emergency()
        .add_household(&c.actor, id, b.household_id)
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckBody {
    pub household_id: i64,
    /// safe | needs_help | unreachable
    pub status: String,
    pub note: Option<String>,
}

/// Record a check of a household (a team member inside their team's place, or staff of the
/// place). A retry is another check; all are kept and the latest counts. Needing help makes an
/// event at once. A household outside the incident: 422; after stand-down: 409.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/checks", tag = "emergency",
    params(("id" = i64, Path)), request_body = CheckBody,
    responses((status = 201, body = CoveredDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn record_check(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CheckBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CoveredDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .emergency()
        .record_check(
            &c.actor,
            id,
            &CheckInput {
                household_id: b.household_id,
                status: b.status,
                note: b.note.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// End the response (managers over the incident's place); checks are refused after it (409).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/stand-down", tag = "emergency",
    params(("id" = i64, Path)),
    responses((status = 200, body = IncidentDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn stand_down(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<IncidentDto>> {
    let i = s.app.emergency().stand_down(&c.actor, id).await?;
    Ok(Json(incident(i, None)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AfterActionDto {
    pub declared_at: String,
    pub stood_down_at: Option<String>,
    pub first_check_at: Option<String>,
    /// When the last household was reached, if every one was.
    pub all_accounted_at: Option<String>,
    pub minutes_to_account: Option<i64>,
    pub households: i64,
    pub pending: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreachable: i64,
    /// Share of households reached (safe or needing help), 0–1.
    pub coverage: f64,
    pub checks: i64,
    pub retried: i64,
    pub escalated: i64,
    pub events: i64,
}

impl From<AfterAction> for AfterActionDto {
    fn from(r: AfterAction) -> Self {
        AfterActionDto {
            declared_at: format_w3c(r.declared_at),
            stood_down_at: r.stood_down_at.map(format_w3c),
            first_check_at: r.first_check_at.map(format_w3c),
            all_accounted_at: r.all_accounted_at.map(format_w3c),
            minutes_to_account: r.minutes_to_account,
            households: r.board.households,
            pending: r.board.pending,
            safe: r.board.safe,
            needs_help: r.board.needs_help,
            unreachable: r.board.unreachable,
            coverage: r.board.coverage(),
            checks: r.checks,
            retried: r.retried,
            escalated: r.escalated,
            events: r.events,
        }
    }
}

/// The after-action report (times, coverage, gaps) over what the caller reaches (staff).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/report", tag = "emergency",
    params(("id" = i64, Path)),
    responses((status = 200, body = AfterActionDto), (status = 403, body = ErrorBody)))]
pub async fn after_action(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<AfterActionDto>> {
    let (_, r) = s.app.emergency().after_action(&c.actor, id).await?;
    Ok(Json(r.into()))
}
