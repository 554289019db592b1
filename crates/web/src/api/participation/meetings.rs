//! Deliberation meetings in the API (issue 11 §3, docs/participation.md): meetings, invited
//! parties and attendance, agenda items, rounds, and minutes that lock.

use crate::api::{body, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::participation::meetings::{
    AgendaItem, ItemInput, Meeting, MeetingView, NewMeetingInput, Party, PartyInput, Round,
    RoundInput,
};
use jingzhi_domain::participation::meetings::Position;
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_meeting, list_meetings))
        .routes(routes!(get_meeting))
        .routes(routes!(add_party))
        .routes(routes!(set_attendance))
        .routes(routes!(add_item))
        .routes(routes!(add_round))
        .routes(routes!(write_minutes))
        .routes(routes!(open_minutes))
        .routes(routes!(amend_minutes))
        .routes(routes!(lock_minutes))
}

/// A new meeting of a community.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MeetingBody {
    /// The community, or a place inside it, in the caller's scope.
    pub node_id: i64,
    /// `topic_gathering` (议题征集会), `deliberation` (议事协商会) or `evaluation` (评议会).
    pub kind: String,
    pub title: String,
    /// RFC 3339.
    pub held_at: String,
    pub venue: String,
}

/// A meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub kind: String,
    pub title: String,
    pub held_at: String,
    pub venue: String,
    pub organiser: String,
    /// `empty`, `draft`, `amending` or `locked` (now).
    pub minutes_phase: String,
}

impl From<Meeting> for MeetingDto {
    fn from(m: Meeting) -> Self {
        let phase = m.minutes_state().phase(jingzhi_domain::time_fmt::now_ms());
        MeetingDto {
            id: m.id,
            node_id: m.node_id,
            node_name: m.node_name,
            kind: m.kind.as_str().into(),
            title: m.title,
            held_at: format_w3c(m.held_at),
            venue: m.venue,
            organiser: m.organiser_name,
            minutes_phase: phase.as_str().into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingList {
    pub items: Vec<MeetingDto>,
}

/// An invited party.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub id: i64,
    pub name: String,
    /// `representative`, `resident`, `community`, `property`, `department`, `steward`,
    /// `lawyer`, `merchant` or `other`.
    pub role: String,
    pub attended: bool,
}

impl From<Party> for PartyDto {
    fn from(p: Party) -> Self {
        PartyDto {
            id: p.id,
            name: p.name,
            role: p.role.as_str().into(),
            attended: p.attended,
        }
    }
}

/// One position put in a round.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PositionDto {
    pub who: String,
    pub what: String,
}

/// A round of deliberation on an agenda item.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub item_id: i64,
    /// 1, 2, …
    pub n: i64,
    pub at: String,
    pub positions: Vec<PositionDto>,
    pub changes: String,
    pub open_points: String,
    pub recorded_by: String,
}

impl From<Round> for RoundDto {
    fn from(r: Round) -> Self {
        RoundDto {
            id: r.id,
            item_id: r.item_id,
            n: r.n,
            at: format_w3c(r.at),
            positions: r
                .positions
                .into_iter()
                .map(|p| PositionDto {
                    who: p.who,
                    what: p.what,
                })
                .collect(),
            changes: r.changes,
            open_points: r.open_points,
            recorded_by: r.recorded_by_name,
        }
    }
}

/// An agenda item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    pub seq: i64,
    pub title: String,
    pub proposal_id: Option<i64>,
    pub event_id: Option<i64>,
    /// An evaluation meeting's item: the decision it rates.
    pub decision_evaluated: Option<i64>,
    pub rounds: i64,
    /// The decision taken on it.
    pub decision_id: Option<i64>,
}

impl From<AgendaItem> for ItemDto {
    fn from(i: AgendaItem) -> Self {
        ItemDto {
            id: i.id,
            seq: i.seq,
            title: i.title,
            proposal_id: i.proposal_id,
            event_id: i.event_id,
            decision_evaluated: i.evaluates_decision_id,
            rounds: i.rounds,
            decision_id: i.decision_id,
        }
    }
}

/// An amendment to the minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentDto {
    pub by: String,
    pub at: String,
    pub text: String,
}

/// The minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesDto {
    /// `empty`, `draft`, `amending` or `locked`.
    pub phase: String,
    pub text: Option<String>,
    pub amend_until: Option<String>,
    pub locked_at: Option<String>,
    /// SHA-256 of the canonical text, taken at the lock.
    pub digest: Option<String>,
    /// The digest recomputed now matches the one taken at the lock.
    pub digest_verified: Option<bool>,
    pub amendments: Vec<AmendmentDto>,
}

/// A meeting with its parties, agenda, rounds and minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDetail {
    pub meeting: MeetingDto,
    pub parties: Vec<PartyDto>,
    pub items: Vec<ItemDto>,
    pub rounds: Vec<RoundDto>,
    pub minutes: MinutesDto,
    pub may_edit: bool,
    pub is_organiser: bool,
    pub may_amend: bool,
}

impl From<MeetingView> for MeetingDetail {
    fn from(v: MeetingView) -> Self {
        let m = &v.meeting;
        MeetingDetail {
            minutes: MinutesDto {
                phase: v.minutes_phase.as_str().into(),
                text: m.minutes.clone(),
                amend_until: m.amend_until.map(format_w3c),
                locked_at: m.locked_at.map(format_w3c),
                digest: m.minutes_hash.clone(),
                digest_verified: v.digest_verified,
                amendments: v
                    .amendments
                    .into_iter()
                    .map(|a| AmendmentDto {
                        by: a.author_name,
                        at: format_w3c(a.at),
                        text: a.body,
                    })
                    .collect(),
            },
            parties: v.parties.into_iter().map(Into::into).collect(),
            items: v.items.into_iter().map(Into::into).collect(),
            rounds: v.rounds.into_iter().map(Into::into).collect(),
            may_edit: v.may_edit,
            is_organiser: v.is_organiser,
            may_amend: v.may_amend,
            meeting: v.meeting.into(),
        }
    }
}

/// Invite a party: a resident (`resident_id`, e.g. a representative), a member of staff
/// (`user_id`), a department (`department_code`), or a named party (`name`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartyBody {
    pub name: Option<String>,
    pub role: String,
    pub resident_id: Option<i64>,
    pub user_id: Option<i64>,
    pub department_code: Option<String>,
    #[serde(default)]
    pub attended: bool,
}

/// Who attended: the ids of the parties present (the others are marked absent).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttendanceBody {
    pub present: Vec<i64>,
}

/// An agenda item: at most one of a proposal (taken up), an event, a decision (evaluation
/// meetings); else a free topic with its title.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemBody {
    #[serde(default)]
    pub title: String,
    pub proposal_id: Option<i64>,
    pub event_id: Option<i64>,
    pub decision_id: Option<i64>,
}

/// A round: the positions put, what changed since the last round, the points still open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoundBody {
    pub positions: Vec<PositionDto>,
    #[serde(default)]
    pub changes: String,
    #[serde(default)]
    pub open_points: String,
}

/// The minutes' text (the organiser).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MinutesBody {
    pub text: String,
}

/// Open the minutes to the attendees' amendments for `days` days (1–30); then they lock.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenMinutesBody {
    pub days: i64,
}

/// An attendee's amendment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendmentBody {
    pub text: String,
}

/// Hold a meeting (staff of the place).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "participation", request_body = MeetingBody,
    responses((status = 201, body = MeetingDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<MeetingBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MeetingDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .participation()
        .create_meeting(
            &c.actor,
            &NewMeetingInput {
                node_id: b.node_id,
                kind: b.kind,
                title: b.title,
                held_at: b.held_at,
                venue: b.venue,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// The meetings the caller may see, latest first.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "participation",
    responses((status = 200, body = MeetingList)))]
pub async fn list_meetings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<MeetingList>> {
    let items = s.app.participation().meetings(&c.actor).await?;
    Ok(Json(MeetingList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A meeting with its parties, agenda, rounds and minutes.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(
        s.app
            .participation()
            .meeting_view(&c.actor, id)
            .await?
            .into(),
    ))
}

/// Invite a party (staff of the place).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/parties", tag = "participation",
    params(("id" = i64, Path)), request_body = PartyBody,
    responses((status = 201, body = PartyDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_party(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<PartyDto>)> {
    let b = body(b)?;
    let p = s
        .app
        .participation()
        .add_party(
            &c.actor,
            id,
            &PartyInput {
                name: b.name.unwrap_or_default(),
                role: b.role,
                resident_id: b.resident_id,
                user_id: b.user_id,
                department_code: b.department_code,
                attended: b.attended,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Record who attended (staff of the place).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/attendance", tag = "participation",
    params(("id" = i64, Path)), request_body = AttendanceBody,
    responses((status = 200, body = [PartyDto]), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_attendance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AttendanceBody>, JsonRejection>,
) -> ApiResult<Json<Vec<PartyDto>>> {
    let b = body(b)?;
    let parties = s
        .app
        .participation()
        .set_attendance(&c.actor, id, &b.present)
        .await?;
    Ok(Json(parties.into_iter().map(Into::into).collect()))
}

/// Put an item on the agenda (staff of the place).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/items", tag = "participation",
    params(("id" = i64, Path)), request_body = ItemBody,
    responses((status = 201, body = ItemDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_item(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ItemBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ItemDto>)> {
    let b = body(b)?;
    let i = s
        .app
        .participation()
        .add_item(
            &c.actor,
            id,
            &ItemInput {
                title: b.title,
                proposal_id: b.proposal_id,
                event_id: b.event_id,
                decision_id: b.decision_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

/// Record the next round of an agenda item (staff of the place); an item with a decision → 409.
#[utoipa::path(post, path = "/api/v1/agenda-items/{id}/rounds", tag = "participation",
    params(("id" = i64, Path)), request_body = RoundBody,
    responses((status = 201, body = RoundDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_round(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<RoundBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RoundDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .participation()
        .add_round(
            &c.actor,
            id,
            &RoundInput {
                positions: b
                    .positions
                    .into_iter()
                    .map(|p| Position {
                        who: p.who,
                        what: p.what,
                    })
                    .collect(),
                changes: b.changes,
                open_points: b.open_points,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// The organiser writes the minutes' text; locked minutes → 409.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/minutes", tag = "participation",
    params(("id" = i64, Path)), request_body = MinutesBody,
    responses((status = 200, body = MeetingDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn write_minutes(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<MinutesBody>, JsonRejection>,
) -> ApiResult<Json<MeetingDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .participation()
            .write_minutes(&c.actor, id, &b.text)
            .await?
            .into(),
    ))
}

/// The organiser opens the draft to the attendees' amendments for some days.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes/open", tag = "participation",
    params(("id" = i64, Path)), request_body = OpenMinutesBody,
    responses((status = 200, body = MeetingDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open_minutes(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<OpenMinutesBody>, JsonRejection>,
) -> ApiResult<Json<MeetingDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .participation()
            .open_minutes(&c.actor, id, b.days)
            .await?
            .into(),
    ))
}

/// An attendee amends the minutes while they are open; locked minutes → 409.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes/amendments", tag = "participation",
    params(("id" = i64, Path)), request_body = AmendmentBody,
    responses((status = 201, body = MeetingDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn amend_minutes(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AmendmentBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MeetingDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .participation()
        .amend_minutes(&c.actor, id, &b.text)
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// The organiser locks the minutes now (定稿); they never change after.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes/lock", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn lock_minutes(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<MeetingDto>> {
    Ok(Json(
        s.app
            .participation()
            .lock_minutes(&c.actor, id)
            .await?
            .into(),
    ))
}
