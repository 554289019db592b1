//! Employment help in the API (docs/jobs.md): seekers, positions of local firms, referrals ending
//! in a placement, and the numbers per place.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::jobs::{Match, PlaceNumbers, Position, PositionInput, Seeker};
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(seekers, register))
        .routes(routes!(seeker))
        .routes(routes!(withdraw))
        .routes(routes!(positions, post))
        .routes(routes!(close))
        .routes(routes!(refer))
        .routes(routes!(outcome))
        .routes(routes!(numbers))
        .routes(routes!(firms))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobSeekerDto {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    /// cleaning | security | catering | retail | care | delivery | factory | office | driving | fishery | other
    pub work: String,
    pub note: String,
    /// seeking | placed | withdrawn
    pub state: String,
    pub registered_at: String,
    pub ended_at: Option<String>,
}

fn seeker_dto(s: Seeker) -> JobSeekerDto {
    JobSeekerDto {
        id: s.id,
        resident_id: s.resident_id,
        name: s.name,
        address: s.address,
        work: s.work.as_str().into(),
        note: s.note,
        state: s.state.as_str().into(),
        registered_at: format_w3c(s.registered_at),
        ended_at: s.ended_at.map(format_w3c),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPositionDto {
    pub id: i64,
    pub merchant_id: i64,
    pub employer: String,
    pub title: String,
    pub work: String,
    pub openings: i64,
    pub filled: i64,
    /// Yuan a month.
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub requirements: String,
    pub posted_at: String,
    pub closed_at: Option<String>,
}

fn position_dto(p: Position) -> JobPositionDto {
    JobPositionDto {
        id: p.id,
        merchant_id: p.merchant_id,
        employer: p.employer,
        title: p.title,
        work: p.work.as_str().into(),
        openings: p.openings,
        filled: p.filled,
        wage_min: p.wage_min,
        wage_max: p.wage_max,
        requirements: p.requirements,
        posted_at: format_w3c(p.posted_at),
        closed_at: p.closed_at.map(format_w3c),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobMatchDto {
    pub id: i64,
    pub seeker_id: i64,
    pub seeker_name: String,
    pub position_id: i64,
    pub title: String,
    pub employer: String,
    /// referred | interview | placed | declined
    pub state: String,
    pub note: String,
    pub referred_at: String,
    pub updated_at: String,
}

fn match_dto(m: Match) -> JobMatchDto {
    JobMatchDto {
        id: m.id,
        seeker_id: m.seeker_id,
        seeker_name: m.seeker_name,
        position_id: m.position_id,
        title: m.title,
        employer: m.employer,
        state: m.state.as_str().into(),
        note: m.note,
        referred_at: format_w3c(m.referred_at),
        updated_at: format_w3c(m.updated_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobSeekerList {
    pub items: Vec<JobSeekerDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobSeekerDetail {
    pub seeker: JobSeekerDto,
    pub matches: Vec<JobMatchDto>,
    /// Open positions of the kind of work they want.
    pub open_positions: Vec<JobPositionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPositionList {
    pub items: Vec<JobPositionDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JobSeekersQuery {
    /// seeking | placed | withdrawn
    pub state: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JobPositionsQuery {
    /// true: open, not full.
    pub open: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JobSeekerBody {
    pub resident_id: i64,
    pub work: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JobPositionBody {
    /// A merchant of the caller's scope (`GET /api/v1/jobs/firms`).
    pub merchant_id: i64,
    pub title: String,
    pub work: String,
    /// 1 to 500
    pub openings: i64,
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub requirements: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JobReferBody {
    pub seeker_id: i64,
    pub position_id: i64,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JobOutcomeBody {
    /// interview | placed | declined
    pub state: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub registered: i64,
    pub seeking: i64,
    pub placed: i64,
    pub referrals: i64,
}

fn numbers_dto(p: PlaceNumbers) -> JobPlaceNumbers {
    JobPlaceNumbers {
        node_id: p.node_id,
        name: p.name,
        registered: p.numbers.registered,
        seeking: p.numbers.seeking,
        placed: p.numbers.placed,
        referrals: p.numbers.referrals,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobNumbers {
    pub place: JobPlaceNumbers,
    pub places: Vec<JobPlaceNumbers>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobFirm {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobFirmList {
    pub items: Vec<JobFirm>,
}

/// Seekers in the caller's scope, newest first (managers and grid workers).
#[utoipa::path(get, path = "/api/v1/jobs/seekers", tag = "jobs", params(JobSeekersQuery),
    responses((status = 200, body = JobSeekerList), (status = 403, body = ErrorBody)))]
pub async fn seekers(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<JobSeekersQuery>, QueryRejection>,
) -> ApiResult<Json<JobSeekerList>> {
    let q = query(q)?;
    let rows = s.app.jobs().seekers(&c.actor, q.state.as_deref()).await?;
    Ok(Json(JobSeekerList {
        items: rows.into_iter().map(seeker_dto).collect(),
    }))
}

/// Register a resident looking for work (one search at a time: 409).
#[utoipa::path(post, path = "/api/v1/jobs/seekers", tag = "jobs", request_body = JobSeekerBody,
    responses((status = 201, body = JobSeekerDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<JobSeekerBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<JobSeekerDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .jobs()
        .register(
            &c.actor,
            b.resident_id,
            &b.work,
            b.note.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(seeker_dto(r))))
}

/// One seeker with their referrals and the open positions of the kind they want.
#[utoipa::path(get, path = "/api/v1/jobs/seekers/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobSeekerDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn seeker(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<JobSeekerDetail>> {
    let (sk, matches, open) = s.app.jobs().seeker(&c.actor, id).await?;
    Ok(Json(JobSeekerDetail {
        seeker: seeker_dto(sk),
        matches: matches.into_iter().map(match_dto).collect(),
        open_positions: open.into_iter().map(position_dto).collect(),
    }))
}

/// A seeker stops looking.
#[utoipa::path(post, path = "/api/v1/jobs/seekers/{id}/withdraw", tag = "jobs",
    params(("id" = i64, Path)),
    responses((status = 200, body = JobSeekerDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<JobSeekerDto>> {
    Ok(Json(seeker_dto(s.app.jobs().withdraw(&c.actor, id).await?)))
}

/// Positions within reach, newest first.
#[utoipa::path(get, path = "/api/v1/jobs/positions", tag = "jobs", params(JobPositionsQuery),
    responses((status = 200, body = JobPositionList), (status = 403, body = ErrorBody)))]
pub async fn positions(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<JobPositionsQuery>, QueryRejection>,
) -> ApiResult<Json<JobPositionList>> {
    let q = query(q)?;
    let rows = s
        .app
        .jobs()
        .positions(&c.actor, q.open.unwrap_or(false))
        .await?;
    Ok(Json(JobPositionList {
        items: rows.into_iter().map(position_dto).collect(),
    }))
}

/// Post a position offered by a firm of the caller's scope (managers).
#[utoipa::path(post, path = "/api/v1/jobs/positions", tag = "jobs", request_body = JobPositionBody,
    responses((status = 201, body = JobPositionDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<JobPositionBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<JobPositionDto>)> {
    let b = body(b)?;
    let p = s
        .app
        .jobs()
        .post(
            &c.actor,
            &PositionInput {
                merchant_id: b.merchant_id,
                title: b.title,
                work: b.work,
                openings: b.openings,
                wage_min: b.wage_min,
                wage_max: b.wage_max,
                requirements: b.requirements.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(position_dto(p))))
}

/// Close a position (managers of its firm's place).
#[utoipa::path(post, path = "/api/v1/jobs/positions/{id}/close", tag = "jobs",
    params(("id" = i64, Path)),
    responses((status = 200, body = JobPositionDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<JobPositionDto>> {
    Ok(Json(position_dto(s.app.jobs().close(&c.actor, id).await?)))
}

/// Refer a seeker to an open position (once per pair: 409).
#[utoipa::path(post, path = "/api/v1/jobs/matches", tag = "jobs", request_body = JobReferBody,
    responses((status = 201, body = JobMatchDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn refer(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<JobReferBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<JobMatchDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .jobs()
        .refer(
            &c.actor,
            b.seeker_id,
            b.position_id,
            b.note.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(match_dto(m))))
}

/// Record where a referral stands; placed takes one of the position's openings.
#[utoipa::path(post, path = "/api/v1/jobs/matches/{id}/outcome", tag = "jobs",
    params(("id" = i64, Path)), request_body = JobOutcomeBody,
    responses((status = 200, body = JobMatchDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn outcome(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<JobOutcomeBody>, JsonRejection>,
) -> ApiResult<Json<JobMatchDto>> {
    let b = body(b)?;
    let m = s
        .app
        .jobs()
        .outcome(&c.actor, id, &b.state, b.note.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(match_dto(m)))
}

/// This year's numbers of the caller's place and the places under it (also auditors).
#[utoipa::path(get, path = "/api/v1/jobs/numbers", tag = "jobs",
    responses((status = 200, body = JobNumbers), (status = 403, body = ErrorBody)))]
pub async fn numbers(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<JobNumbers>> {
    let (place, places) = s.app.jobs().numbers(&c.actor).await?;
    Ok(Json(JobNumbers {
        place: numbers_dto(place),
        places: places.into_iter().map(numbers_dto).collect(),
    }))
}

/// The firms (merchants of the register) a manager may post positions for.
#[utoipa::path(get, path = "/api/v1/jobs/firms", tag = "jobs",
    responses((status = 200, body = JobFirmList), (status = 403, body = ErrorBody)))]
pub async fn firms(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<JobFirmList>> {
    let rows = s.app.jobs().firms(&c.actor).await?;
    Ok(Json(JobFirmList {
        items: rows
            .into_iter()
            .map(|(id, name)| JobFirm { id, name })
            .collect(),
    }))
}
