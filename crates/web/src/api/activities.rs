//! Community activities in the API (docs/activities.md): managers announce them over a place,
//! residents of the place sign up and withdraw until they start, managers mark attendance and see
//! the numbers per place.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::activities::{Activity, ActivityInput, ActivityView, Numbers, PlaceNumbers};
use jingzhi_domain::activities::{attendance_rate, Phase};
use jingzhi_domain::time_fmt::{format_w3c, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(numbers))
        .routes(routes!(one))
        .routes(routes!(sign_up, withdraw))
        .routes(routes!(cancel))
        .routes(routes!(attendance))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    /// culture | reading | sport | course | health | volunteer | festival | other
    pub category: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub starts_at: String,
    pub ends_at: String,
    /// null: no limit
    pub capacity: Option<i64>,
    pub signed: i64,
    pub attended: i64,
    /// upcoming | running | over | cancelled
    pub phase: String,
    pub organiser: String,
    pub cancel_reason: Option<String>,
    /// A resident: whether they are signed up.
    pub signed_up: bool,
}

fn dto(a: Activity, signed_up: bool, now: i64) -> ActivityDto {
    let phase = Phase::at(a.starts_at, a.ends_at, a.cancelled_at.is_some(), now);
    ActivityDto {
        id: a.id,
        node_id: a.node_id,
        node_name: a.node_name,
        category: a.category.as_str().into(),
        title: a.title,
        description: a.description,
        venue: a.venue,
        starts_at: format_w3c(a.starts_at),
        ends_at: format_w3c(a.ends_at),
        capacity: a.capacity,
        signed: a.signed,
        attended: a.attended,
        phase: phase.as_str().into(),
        organiser: a.organiser_name,
        cancel_reason: a.cancel_reason,
        signed_up,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivitySignupDto {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub signed_at: String,
    pub withdrawn_at: Option<String>,
    pub attended: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDetail {
    pub activity: ActivityDto,
    /// The caller manages its place (may cancel it and mark attendance).
    pub manages: bool,
    /// Who signed up: managers of its place only.
    pub signups: Vec<ActivitySignupDto>,
}

fn detail(v: ActivityView) -> ActivityDetail {
    ActivityDetail {
        activity: dto(v.activity, v.mine, now_ms()),
        manages: v.manages,
        signups: v
            .signups
            .into_iter()
            .map(|s| ActivitySignupDto {
                id: s.id,
                resident_id: s.resident_id,
                name: s.name,
                signed_at: format_w3c(s.signed_at),
                withdrawn_at: s.cancelled_at.map(format_w3c),
                attended: s.attended,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ActivityListQuery {
    /// true: activities that ended, latest first; otherwise upcoming and running, soonest first.
    pub past: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityBody {
    /// A community or street in the caller's scope.
    pub node_id: i64,
    /// culture | reading | sport | course | health | volunteer | festival | other
    pub category: String,
    pub title: String,
    pub description: Option<String>,
    pub venue: String,
    /// RFC 3339; in the future
    pub starts_at: String,
    /// RFC 3339; after the start, at most 12 hours later
    pub ends_at: String,
    /// 1 to 5000; omitted or null: no limit
    pub capacity: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityCancelBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityAttendanceBody {
    /// The sign-up ids of those who came; every other sign-up is marked absent.
    pub present: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityNumbersDto {
    pub held: i64,
    pub upcoming: i64,
    pub signed: i64,
    pub attended: i64,
    /// attended / signed, whole percent; null when nobody signed up
    pub attendance_percent: Option<i64>,
}

fn numbers_dto(n: &Numbers) -> ActivityNumbersDto {
    ActivityNumbersDto {
        held: n.held,
        upcoming: n.upcoming,
        signed: n.signed,
        attended: n.attended,
        attendance_percent: attendance_rate(n.signed, n.attended),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityCategoryNumbers {
    pub category: String,
    pub numbers: ActivityNumbersDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub total: ActivityNumbersDto,
    pub by_category: Vec<ActivityCategoryNumbers>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityNumbersReport {
    /// The caller's place, this year.
    pub place: ActivityPlaceNumbers,
    /// Each place directly under it.
    pub places: Vec<ActivityPlaceNumbers>,
}

fn place_dto(p: PlaceNumbers) -> ActivityPlaceNumbers {
    ActivityPlaceNumbers {
        node_id: p.node_id,
        name: p.name,
        total: numbers_dto(&p.total),
        by_category: p
            .by_category
            .iter()
            .map(|(c, n)| ActivityCategoryNumbers {
                category: c.as_str().into(),
                numbers: numbers_dto(n),
            })
            .collect(),
    }
}

/// Activities the caller may see: a resident those of their community and the places above it,
/// staff those in their scope.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityListQuery),
    responses((status = 200, body = ActivityList)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ActivityListQuery>, QueryRejection>,
) -> ApiResult<Json<ActivityList>> {
    let q = query(q)?;
    let (rows, mine) = s
        .app
        .activities()
        .list(&c.actor, q.past.unwrap_or(false))
        .await?;
    let now = now_ms();
    Ok(Json(ActivityList {
        items: rows
            .into_iter()
            .map(|a| {
                let m = mine.contains(&a.id);
                dto(a, m, now)
            })
            .collect(),
    }))
}

/// Announce an activity over a community or street in the caller's scope (managers).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, body = ActivityDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ActivityBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ActivityDto>)> {
    let b = body(b)?;
    let a = s
        .app
        .activities()
        .create(
            &c.actor,
            &ActivityInput {
                node_id: b.node_id,
                category: b.category,
                title: b.title,
                description: b.description.unwrap_or_default(),
                venue: b.venue,
                starts_at: b.starts_at,
                ends_at: b.ends_at,
                capacity: b.capacity,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(dto(a, false, now_ms()))))
}

/// This year's numbers of the caller's place and of each place under it: held, places taken,
/// attendance (staff).
#[utoipa::path(get, path = "/api/v1/activities/numbers", tag = "activities",
    responses((status = 200, body = ActivityNumbersReport), (status = 403, body = ErrorBody)))]
pub async fn numbers(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<ActivityNumbersReport>> {
    let (place, places) = s.app.activities().numbers(&c.actor).await?;
    Ok(Json(ActivityNumbersReport {
        place: place_dto(place),
        places: places.into_iter().map(place_dto).collect(),
    }))
}

/// One activity; its managers also get who signed up.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities",
    params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ActivityDetail>> {
    Ok(Json(detail(s.app.activities().view(&c.actor, id).await?)))
}

/// Sign up (a resident of its place). Full, started, cancelled or signed up already: 409.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signup", tag = "activities",
    params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign_up(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ActivityDetail>> {
    Ok(Json(detail(
        s.app.activities().sign_up(&c.actor, id).await?,
    )))
}

/// Withdraw one's sign-up before it starts; the place is given back.
#[utoipa::path(delete, path = "/api/v1/activities/{id}/signup", tag = "activities",
    params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ActivityDetail>> {
    Ok(Json(detail(
        s.app.activities().withdraw(&c.actor, id).await?,
    )))
}

/// Call it off before it starts (a manager of its place); those signed up are told.
#[utoipa::path(post, path = "/api/v1/activities/{id}/cancel", tag = "activities",
    params(("id" = i64, Path)), request_body = ActivityCancelBody,
    responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ActivityCancelBody>, JsonRejection>,
) -> ApiResult<Json<ActivityDetail>> {
    let b = body(b)?;
    Ok(Json(detail(
        s.app.activities().cancel(&c.actor, id, &b.reason).await?,
    )))
}

/// Mark who came, once it has started (a manager of its place).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "activities",
    params(("id" = i64, Path)), request_body = ActivityAttendanceBody,
    responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attendance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ActivityAttendanceBody>, JsonRejection>,
) -> ApiResult<Json<ActivityDetail>> {
    let b = body(b)?;
    Ok(Json(detail(
        s.app
            .activities()
            .attendance(&c.actor, id, &b.present)
            .await?,
    )))
}
