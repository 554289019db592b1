//! Family-doctor contracts in the API (docs/doctors.md): teams, contracts for the key groups,
//! the signing rate per place against the 90% target, the key-group residents still to sign.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::doctors::{Contract, Coverage, SignInput, Team, TeamInput, Unsigned};
use jingzhi_domain::doctors::{Standing, TARGET_PERCENT};
use jingzhi_domain::time_fmt::{format_w3c, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(teams, create_team))
        .routes(routes!(contracts, sign))
        .routes(routes!(coverage))
        .routes(routes!(unsigned))
        .routes(routes!(mine))
        .routes(routes!(one))
        .routes(routes!(end))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorTeamDto {
    pub id: i64,
    pub code: String,
    pub node_id: i64,
    pub node_name: String,
    pub name: String,
    pub institution: String,
    pub lead_doctor: String,
}

fn team_dto(t: Team) -> DoctorTeamDto {
    DoctorTeamDto {
        id: t.id,
        code: t.code,
        node_id: t.node_id,
        node_name: t.node_name,
        name: t.name,
        institution: t.institution,
        lead_doctor: t.lead_doctor,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorTeamList {
    pub items: Vec<DoctorTeamDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DoctorTeamBody {
    /// A street or community in the caller's scope.
    pub node_id: i64,
    /// e.g. 张红医生团队
    pub name: String,
    /// e.g. 环翠区竹岛社区卫生服务中心
    pub institution: String,
    pub lead_doctor: String,
    /// Letters, digits and dashes; omitted: the place's code and a number.
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorContractDto {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub address: String,
    pub team_id: i64,
    pub team_name: String,
    pub institution: String,
    pub lead_doctor: String,
    /// elderly | chronic | disabled | pregnant | child
    pub groups: Vec<String>,
    pub signed_at: String,
    pub ends_at: String,
    /// live | ending (within 30 days: to renew) | ended
    pub standing: String,
    pub signed_by: String,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

fn contract_dto(c: Contract, now: i64) -> DoctorContractDto {
    DoctorContractDto {
        id: c.id,
        resident_id: c.resident_id,
        resident_name: c.resident_name,
        address: c.address,
        team_id: c.team_id,
        team_name: c.team_name,
        institution: c.institution,
        lead_doctor: c.lead_doctor,
        groups: c
            .groups
            .unwrap_or_default()
            .iter()
            .map(|g| g.as_str().to_string())
            .collect(),
        standing: Standing::of(c.signed_at, c.ends_at, c.ended_at, now)
            .as_str()
            .into(),
        signed_at: format_w3c(c.signed_at),
        ends_at: format_w3c(c.ends_at),
        signed_by: c.created_by_name,
        ended_at: c.ended_at.map(format_w3c),
        end_reason: c.end_reason,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorContractList {
    pub items: Vec<DoctorContractDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DoctorContractQuery {
    /// true: live contracts ending within 30 days, soonest first (to renew); otherwise every
    /// live contract, newest first.
    pub ending: Option<bool>,
    /// Skip this many (pages of 200).
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DoctorSignBody {
    /// A resident of the caller's scope.
    pub resident_id: i64,
    /// A team serving the resident's street or community (from `GET /api/v1/doctor-teams`).
    pub team_id: i64,
    /// At least one of elderly | chronic | disabled | pregnant | child
    pub groups: Vec<String>,
    /// YYYY-MM-DD, today or up to 90 days back; omitted: today. The contract runs a year.
    pub signed_on: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DoctorEndBody {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorPlaceCoverage {
    pub node_id: i64,
    pub name: String,
    /// Key-group residents (the register's family-doctor tag).
    pub key: i64,
    /// Of them, with a live contract.
    pub signed: i64,
    /// signed / key in whole percent, rounded down; null without key-group residents.
    pub rate_percent: Option<i64>,
    /// The rate reaches the target.
    pub meets_target: bool,
}

fn coverage_dto(c: Coverage) -> DoctorPlaceCoverage {
    DoctorPlaceCoverage {
        rate_percent: c.rate(),
        meets_target: c.meets_target(),
        node_id: c.node_id,
        name: c.name,
        key: c.key,
        signed: c.signed,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorCoverageReport {
    /// The target signing rate, percent (90).
    pub target_percent: i64,
    /// The caller's place.
    pub place: DoctorPlaceCoverage,
    /// Each place directly under it.
    pub places: Vec<DoctorPlaceCoverage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorUnsignedDto {
    pub resident_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub disability_grade: Option<i32>,
    pub address: String,
}

fn unsigned_dto(u: Unsigned) -> DoctorUnsignedDto {
    DoctorUnsignedDto {
        resident_id: u.resident_id,
        name: u.name,
        gender: u.gender,
        birth_date: u.birth_date,
        disability_grade: u.disability_grade,
        address: u.address,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorUnsignedList {
    /// At most 200; ask again with `offset` for the next.
    pub items: Vec<DoctorUnsignedDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DoctorUnsignedQuery {
    /// Skip this many (pages of 200).
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorMine {
    /// The caller's latest contract; null when never signed.
    pub contract: Option<DoctorContractDto>,
}

/// The family-doctor teams the caller may pick: in their scope or above it (readers of care
/// and auditors).
#[utoipa::path(get, path = "/api/v1/doctor-teams", tag = "doctors",
    responses((status = 200, body = DoctorTeamList), (status = 403, body = ErrorBody)))]
pub async fn teams(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<DoctorTeamList>> {
    let items = s.app.doctors().teams(&c.actor).await?;
    Ok(Json(DoctorTeamList {
        items: items.into_iter().map(team_dto).collect(),
    }))
}

/// Register a team serving a street or community in the caller's scope (managers).
#[utoipa::path(post, path = "/api/v1/doctor-teams", tag = "doctors",
    request_body = DoctorTeamBody,
    responses((status = 201, body = DoctorTeamDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_team(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<DoctorTeamBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DoctorTeamDto>)> {
    let b = body(b)?;
    let t = s
        .app
        .doctors()
        .create_team(
            &c.actor,
            &TeamInput {
                node_id: b.node_id,
                name: b.name,
                institution: b.institution,
                lead_doctor: b.lead_doctor,
                code: b.code,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(team_dto(t))))
}

/// Live contracts of the caller's scope with their key groups (managers and grid workers;
/// audited as a view).
#[utoipa::path(get, path = "/api/v1/doctor-contracts", tag = "doctors",
    params(DoctorContractQuery),
    responses((status = 200, body = DoctorContractList), (status = 403, body = ErrorBody)))]
pub async fn contracts(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<DoctorContractQuery>, QueryRejection>,
) -> ApiResult<Json<DoctorContractList>> {
    let q = query(q)?;
    let rows = s
        .app
        .doctors()
        .contracts(&c.actor, q.ending.unwrap_or(false), q.offset.unwrap_or(0))
        .await?;
    let now = now_ms();
    Ok(Json(DoctorContractList {
        items: rows.into_iter().map(|x| contract_dto(x, now)).collect(),
    }))
}

/// Sign a resident of the caller's scope with a team serving their place (managers and grid
/// workers). Unknown group or a team that does not serve the place: 422; a live contract not
/// due for renewal (more than 30 days left): 409.
#[utoipa::path(post, path = "/api/v1/doctor-contracts", tag = "doctors",
    request_body = DoctorSignBody,
    responses((status = 201, body = DoctorContractDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn sign(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<DoctorSignBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DoctorContractDto>)> {
    let b = body(b)?;
    let x = s
        .app
        .doctors()
        .sign(
            &c.actor,
            &SignInput {
                resident_id: b.resident_id,
                team_id: b.team_id,
                groups: b.groups,
                signed_on: b.signed_on,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(contract_dto(x, now_ms()))))
}

/// The signing rate of the caller's place and of each place under it, against the 90% target
/// (managers, grid workers and auditors; numbers only).
#[utoipa::path(get, path = "/api/v1/doctor-contracts/coverage", tag = "doctors",
    responses((status = 200, body = DoctorCoverageReport), (status = 403, body = ErrorBody)))]
pub async fn coverage(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<DoctorCoverageReport>> {
    let (place, places) = s.app.doctors().coverage(&c.actor).await?;
    Ok(Json(DoctorCoverageReport {
        target_percent: TARGET_PERCENT,
        place: coverage_dto(place),
        places: places.into_iter().map(coverage_dto).collect(),
    }))
}

/// Key-group residents of the caller's scope without a live contract, by place, 200 at a time
/// (managers and grid workers; audited as a view).
#[utoipa::path(get, path = "/api/v1/doctor-contracts/unsigned", tag = "doctors",
    params(DoctorUnsignedQuery),
    responses((status = 200, body = DoctorUnsignedList), (status = 403, body = ErrorBody)))]
pub async fn unsigned(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<DoctorUnsignedQuery>, QueryRejection>,
) -> ApiResult<Json<DoctorUnsignedList>> {
    let q = query(q)?;
    let rows = s
        .app
        .doctors()
        .unsigned(&c.actor, q.offset.unwrap_or(0))
        .await?;
    Ok(Json(DoctorUnsignedList {
        items: rows.into_iter().map(unsigned_dto).collect(),
    }))
}

/// A resident's own latest contract: team, dates, groups (residents).
#[utoipa::path(get, path = "/api/v1/doctor-contracts/mine", tag = "doctors",
    responses((status = 200, body = DoctorMine), (status = 403, body = ErrorBody)))]
pub async fn mine(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<DoctorMine>> {
    let x = s.app.doctors().mine(&c.actor).await?;
    let now = now_ms();
    Ok(Json(DoctorMine {
        contract: x.map(|x| contract_dto(x, now)),
    }))
}

/// One contract with its key groups (managers and grid workers of its place; audited).
#[utoipa::path(get, path = "/api/v1/doctor-contracts/{id}", tag = "doctors",
    params(("id" = i64, Path)),
    responses((status = 200, body = DoctorContractDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn one(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<DoctorContractDto>> {
    let x = s.app.doctors().contract(&c.actor, id).await?;
    Ok(Json(contract_dto(x, now_ms())))
}

/// End a live contract early, with the reason (managers and grid workers of its place).
#[utoipa::path(post, path = "/api/v1/doctor-contracts/{id}/end", tag = "doctors",
    params(("id" = i64, Path)), request_body = DoctorEndBody,
    responses((status = 200, body = DoctorContractDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn end(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<DoctorEndBody>, JsonRejection>,
) -> ApiResult<Json<DoctorContractDto>> {
    let b = body(b)?;
    let x = s.app.doctors().end(&c.actor, id, &b.reason).await?;
    Ok(Json(contract_dto(x, now_ms())))
}
