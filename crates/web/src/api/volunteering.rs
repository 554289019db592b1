//! Volunteer service hours in the API (docs/volunteering.md): a volunteer logs them, the team's
//! leader or a manager of its place confirms them — never the volunteer themself (409).

use crate::api::{body, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::volunteering::{Hours, LogInput, Total};
use jingzhi_domain::time_fmt::{format_date, format_w3c};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, log))
        .routes(routes!(pending))
        .routes(routes!(decide))
        .routes(routes!(totals))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerHoursDto {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub user_id: i64,
    pub volunteer_name: String,
    /// YYYY-MM-DD
    pub served_on: String,
    pub minutes: i64,
    pub activity: String,
    /// pending | confirmed | rejected
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

pub(crate) fn hours_dto(h: Hours) -> VolunteerHoursDto {
    VolunteerHoursDto {
        id: h.id,
        team_id: h.team_id,
        team_name: h.team_name,
        user_id: h.user_id,
        volunteer_name: h.volunteer_name,
        served_on: format_date(jingzhi_domain::participation::votes::date_of(h.served_at)),
        minutes: h.minutes,
        activity: h.activity,
        status: h.status.as_str().into(),
        decided_by: h.decided_by_name,
        decided_at: h.decided_at.map(format_w3c),
        reason: h.reason,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerMyHours {
    pub items: Vec<VolunteerHoursDto>,
    /// Confirmed minutes this year.
    pub confirmed_minutes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerHoursList {
    pub items: Vec<VolunteerHoursDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VolunteerLogBody {
    /// One of the caller's teams.
    pub team_id: i64,
    /// YYYY-MM-DD, not in the future, at most 90 days back.
    pub served_on: String,
    /// 15 to 720, in quarters of an hour.
    pub minutes: i64,
    pub activity: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VolunteerDecisionBody {
    /// true: confirmed; false: rejected (a reason is then required).
    pub confirm: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerTotalDto {
    pub user_id: i64,
    pub volunteer_name: String,
    pub team_id: i64,
    pub team_name: String,
    pub place: String,
    pub minutes: i64,
    pub entries: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerTotalList {
    pub items: Vec<VolunteerTotalDto>,
}

fn total_dto(t: Total) -> VolunteerTotalDto {
    VolunteerTotalDto {
        user_id: t.user_id,
        volunteer_name: t.volunteer_name,
        team_id: t.team_id,
        team_name: t.team_name,
        place: t.place,
        minutes: t.minutes,
        entries: t.entries,
    }
}

/// The caller's own entries, newest first, and their confirmed minutes this year.
#[utoipa::path(get, path = "/api/v1/volunteer-hours", tag = "volunteering",
    responses((status = 200, body = VolunteerMyHours)))]
pub async fn mine(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<VolunteerMyHours>> {
    let (rows, total) = s.app.volunteering().mine(&c.actor).await?;
    Ok(Json(VolunteerMyHours {
        items: rows.into_iter().map(hours_dto).collect(),
        confirmed_minutes: total,
    }))
}

/// Log hours served with one of the caller's teams; they wait for the leader's confirmation.
#[utoipa::path(post, path = "/api/v1/volunteer-hours", tag = "volunteering", request_body = VolunteerLogBody,
    responses((status = 201, body = VolunteerHoursDto)))]
pub async fn log(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<VolunteerLogBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<VolunteerHoursDto>)> {
    let b = body(b)?;
    let h = s
        .app
        .volunteering()
        .log(
            &c.actor,
            &LogInput {
                team_id: b.team_id,
                served_on: b.served_on,
                minutes: b.minutes,
                activity: b.activity,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(hours_dto(h))))
}

/// Pending entries the caller may decide: of the teams they lead, and (managers) of their places.
#[utoipa::path(get, path = "/api/v1/volunteer-hours/pending", tag = "volunteering",
    responses((status = 200, body = VolunteerHoursList)))]
pub async fn pending(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<VolunteerHoursList>> {
    let rows = s.app.volunteering().to_decide(&c.actor).await?;
    Ok(Json(VolunteerHoursList {
        items: rows.into_iter().map(hours_dto).collect(),
    }))
}

/// Confirm or reject an entry (the team's leader or a manager of its place). The volunteer
/// deciding their own: 409; decided already: 409.
#[utoipa::path(post, path = "/api/v1/volunteer-hours/{id}/decision", tag = "volunteering",
    params(("id" = i64, Path)), request_body = VolunteerDecisionBody,
    responses((status = 200, body = VolunteerHoursDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<VolunteerDecisionBody>, JsonRejection>,
) -> ApiResult<Json<VolunteerHoursDto>> {
    let b = body(b)?;
    let h = s
        .app
        .volunteering()
        .decide(&c.actor, id, b.confirm, b.reason.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(hours_dto(h)))
}

/// Confirmed hours this year per volunteer and team: the teams the caller leads, and (managers)
/// their places'.
#[utoipa::path(get, path = "/api/v1/volunteer-hours/totals", tag = "volunteering",
    responses((status = 200, body = VolunteerTotalList)))]
pub async fn totals(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<VolunteerTotalList>> {
    let rows = s.app.volunteering().totals(&c.actor).await?;
    Ok(Json(VolunteerTotalList {
        items: rows.into_iter().map(total_dto).collect(),
    }))
}
