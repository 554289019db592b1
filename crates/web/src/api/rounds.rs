//! Stewards' rounds over JSON: posts, visits (民情日志) and findings → events, coverage
//! (households not visited in the last 30 days), grid service specialists (双报到), their
//! monthly services and the compliance view. Every call is confined to the caller's scope.

use super::schemas::{
    Compliance, Coverage, Event, PostPage, PostView, Service, Specialist, SpecialistPage,
    UncoveredPage, Visit, VisitPage,
};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::rounds::{
    FindingInput, PostInput, ReportFindingInput, ServiceInput, SpecialistInput, VisitInput,
};
use jingzhi_domain::rounds::{SpecialistFilter, VisitFilter};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_posts, save_post))
        .routes(routes!(get_post))
        .routes(routes!(list_visits, log_visit))
        .routes(routes!(get_visit))
        .routes(routes!(report_finding))
        .routes(routes!(coverage))
        .routes(routes!(uncovered))
        .routes(routes!(list_specialists, assign_specialist))
        .routes(routes!(end_specialist))
        .routes(routes!(log_service))
        .routes(routes!(compliance))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// A place in scope (default: the caller's scope).
    pub node_id: Option<i64>,
    /// 1-based, default 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// 1–200, default 20.
    pub per_page: Option<i64>,
}

/// A post: the buildings of one grid a steward or grid worker looks after.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PostBody {
    /// The steward or grid worker (a user in scope) who holds the post.
    pub user_id: i64,
    /// The grid (in scope, and in the holder's scope).
    pub grid_id: i64,
    /// Buildings of that grid; a building is in at most one post of each kind.
    #[serde(default)]
    pub building_ids: Vec<i64>,
}

/// Posts below a place, by place.
#[utoipa::path(get, path = "/api/v1/rounds/posts", tag = "rounds", params(PlaceQuery),
    responses((status = 200, description = "`{items: [post], page, per_page, has_more}`", body = PostPage),
        (status = 404, body = ErrorBody)))]
pub async fn list_posts(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<PlaceQuery>, QueryRejection>,
) -> ApiResult<Json<PostPage>> {
    let q = query(q)?;
    Ok(Json(
        s.app
            .rounds()
            .list_posts(
                &c.actor,
                q.node_id,
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}

/// Assign a post or change one (community workers and above): the holder's post becomes these
/// buildings. Audited.
#[utoipa::path(post, path = "/api/v1/rounds/posts", tag = "rounds", request_body = PostBody,
    responses((status = 200, description = "The post with its buildings", body = PostView),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_post(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<PostBody>, JsonRejection>,
) -> ApiResult<Json<PostView>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .rounds()
            .save_post(
                &c.actor,
                &PostInput {
                    user_id: b.user_id,
                    grid_id: b.grid_id,
                    building_ids: b.building_ids,
                },
            )
            .await?
            .into(),
    ))
}

/// A post with its buildings and households.
#[utoipa::path(get, path = "/api/v1/rounds/posts/{id}", tag = "rounds", params(("id" = i64, Path)),
    responses((status = 200, description = "`{post, grid, buildings, households}`", body = PostView),
        (status = 404, body = ErrorBody)))]
pub async fn get_post(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<PostView>> {
    Ok(Json(s.app.rounds().post_view(&c.actor, id).await?.into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// Visits of a household.
    pub household_id: Option<i64>,
    /// Visits by a worker (a user id).
    pub user_id: Option<i64>,
    /// Visits of a post.
    pub post_id: Option<i64>,
    /// Visits below a place.
    pub node_id: Option<i64>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// One finding of a visit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FindingBody {
    /// `dispute` (矛盾纠纷), `demand` (居民诉求), `hazard` (安全隐患) or `proposal` (意见建议).
    #[schema(value_type = super::schemas::FindingKind)]
    pub kind: String,
    /// At most 1,000 characters.
    #[schema(max_length = 1000)]
    pub text: String,
    /// Report it as an event at once, in this category (e.g. `fire_safety`).
    pub report_category: Option<String>,
    /// `emergency`, `urgent`, `ordinary` (default) or `complex`.
    #[schema(value_type = Option<super::schemas::Urgency>)]
    pub report_urgency: Option<String>,
    /// Answers to the category's questions, by question code. Without the required ones the
    /// visit is saved and the finding waits (its `event_id` stays empty) to be reported later.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub report_answers: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A household visit (民情日志) by the caller (a steward or grid worker with a post).
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitBody {
    /// A household of the caller's post.
    pub household_id: i64,
    /// UTC milliseconds; default now; not in the future, at most 90 days ago.
    pub visited_at: Option<i64>,
    /// At most 1,000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub findings: Vec<FindingBody>,
}

/// Visits in scope, newest first, with their findings.
#[utoipa::path(get, path = "/api/v1/rounds/visits", tag = "rounds", params(VisitQuery),
    responses((status = 200, description = "`{items: [visit], page, per_page, has_more}`", body = VisitPage),
        (status = 404, body = ErrorBody)))]
pub async fn list_visits(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<VisitQuery>, QueryRejection>,
) -> ApiResult<Json<VisitPage>> {
    let q = query(q)?;
    let f = VisitFilter {
        household_id: q.household_id,
        visitor_user_id: q.user_id,
        post_id: q.post_id,
        under: None,
    };
    Ok(Json(
        s.app
            .rounds()
            .list_visits(
                &c.actor,
                f,
                q.node_id,
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}

/// Log a visit to a household of the caller's post. Findings with `report_category` become
/// events (source `round`) in the same call.
#[utoipa::path(post, path = "/api/v1/rounds/visits", tag = "rounds", request_body = VisitBody,
    responses((status = 201, description = "The visit with its findings (and their event ids)", body = Visit),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn log_visit(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<VisitBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Visit>)> {
    let b = body(b)?;
    let input = VisitInput {
        household_id: b.household_id,
        visited_at: b.visited_at,
        note: b.note,
        findings: b
            .findings
            .into_iter()
            .map(|f| FindingInput {
                kind: f.kind,
                text: f.text,
                report_category: f.report_category,
                report_urgency: f.report_urgency,
                report_answers: f.report_answers,
            })
            .collect(),
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.rounds().log_visit(&c.actor, &input).await?.into()),
    ))
}

/// A visit with its findings.
#[utoipa::path(get, path = "/api/v1/rounds/visits/{id}", tag = "rounds", params(("id" = i64, Path)),
    responses((status = 200, description = "The visit", body = Visit), (status = 404, body = ErrorBody)))]
pub async fn get_visit(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<Visit>> {
    Ok(Json(s.app.rounds().get_visit(&c.actor, id).await?.into()))
}

/// A finding becomes an event.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = FindingReportBody)]
pub struct ReportBody {
    /// The event category (e.g. `neighbour_dispute`).
    pub category: String,
    pub urgency: Option<String>,
    /// Answers to the category's questions, by question code.
    pub answers: Option<std::collections::BTreeMap<String, String>>,
}

/// Report a finding as an event at the household's building (source `round`), linked to the
/// finding. By the visitor or a community worker and above.
#[utoipa::path(post, path = "/api/v1/rounds/findings/{id}/event", tag = "rounds", params(("id" = i64, Path)),
    request_body = ReportBody,
    responses((status = 201, description = "The new event", body = Event),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report_finding(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ReportBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    let b = body(b)?;
    let e = s
        .app
        .rounds()
        .report_finding(
            &c.actor,
            id,
            &ReportFindingInput {
                category: b.category,
                urgency: b.urgency,
                answers: b.answers.map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect()
                }),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// Coverage below a place: households, those visited in the last 30 days, and one page of its
/// grids and of its posts with the same counts.
#[utoipa::path(get, path = "/api/v1/rounds/coverage", tag = "rounds", params(PlaceQuery),
    responses((status = 200, description = "`{node, days, households, covered, uncovered, grids, posts}`", body = Coverage),
        (status = 404, body = ErrorBody)))]
pub async fn coverage(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<PlaceQuery>, QueryRejection>,
) -> ApiResult<Json<Coverage>> {
    let q = query(q)?;
    Ok(Json(
        s.app
            .rounds()
            .coverage(
                &c.actor,
                q.node_id,
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UncoveredQuery {
    /// A place in scope (default: the caller's scope).
    pub node_id: Option<i64>,
    /// Or a post.
    pub post_id: Option<i64>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Households not visited in the last 30 days below a place (or in a post), by address.
#[utoipa::path(get, path = "/api/v1/rounds/coverage/households", tag = "rounds", params(UncoveredQuery),
    responses((status = 200, description = "`{items: [{household_id, address, building_id, last_at}], page, per_page, has_more}`", body = UncoveredPage),
        (status = 404, body = ErrorBody)))]
pub async fn uncovered(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<UncoveredQuery>, QueryRejection>,
) -> ApiResult<Json<UncoveredPage>> {
    let q = query(q)?;
    Ok(Json(
        s.app
            .rounds()
            .uncovered(
                &c.actor,
                q.node_id,
                q.post_id,
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpecialistQuery {
    pub node_id: Option<i64>,
    /// Only those serving now.
    pub active: Option<bool>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A grid service specialist (双报到): a party member from a department.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SpecialistBody {
    pub grid_id: i64,
    pub name: String,
    /// The department or unit they come from.
    pub department: String,
    /// Their party organisation.
    pub party_org: String,
    /// Stored encrypted, shown masked.
    pub phone: Option<String>,
    /// Their department-staff account, so they can log their own services.
    pub username: Option<String>,
    /// First month of service, `2026-11` (default this month).
    pub since: Option<String>,
}

/// Grid service specialists below a place (phone numbers masked).
#[utoipa::path(get, path = "/api/v1/rounds/specialists", tag = "rounds", params(SpecialistQuery),
    responses((status = 200, description = "`{items: [specialist], page, per_page, has_more}`", body = SpecialistPage),
        (status = 404, body = ErrorBody)))]
pub async fn list_specialists(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<SpecialistQuery>, QueryRejection>,
) -> ApiResult<Json<SpecialistPage>> {
    let q = query(q)?;
    let f = SpecialistFilter {
        active_only: q.active.unwrap_or(false),
        ..Default::default()
    };
    Ok(Json(
        s.app
            .rounds()
            .list_specialists(
                &c.actor,
                q.node_id,
                &f,
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}

/// Assign a grid service specialist (community workers and above); a grid has 1–2.
#[utoipa::path(post, path = "/api/v1/rounds/specialists", tag = "rounds", request_body = SpecialistBody,
    responses((status = 201, description = "The specialist", body = Specialist),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_specialist(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<SpecialistBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Specialist>)> {
    let b = body(b)?;
    let input = SpecialistInput {
        grid_id: b.grid_id,
        name: b.name,
        department: b.department,
        party_org: b.party_org,
        phone: b.phone,
        username: b.username,
        since: b.since,
    };
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .rounds()
                .assign_specialist(&c.actor, &input)
                .await?
                .into(),
        ),
    ))
}

/// A specialist stops serving their grid (after this month).
#[utoipa::path(post, path = "/api/v1/rounds/specialists/{id}/end", tag = "rounds", params(("id" = i64, Path)),
    responses((status = 200, description = "The specialist", body = Specialist),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn end_specialist(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<Specialist>> {
    Ok(Json(
        s.app.rounds().end_specialist(&c.actor, id).await?.into(),
    ))
}

/// A month's service in the grid.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ServiceBody {
    /// `2026-11`
    pub month: String,
    /// What they did.
    pub content: String,
}

/// Log a specialist's service for a month: by their own account or a community worker and
/// above. One per month.
#[utoipa::path(post, path = "/api/v1/rounds/specialists/{id}/services", tag = "rounds", params(("id" = i64, Path)),
    request_body = ServiceBody,
    responses((status = 201, description = "The service", body = Service),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn log_service(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ServiceBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    let b = body(b)?;
    let input = ServiceInput {
        month: b.month,
        content: b.content,
    };
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .rounds()
                .log_service(&c.actor, id, &input)
                .await?
                .into(),
        ),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    pub node_id: Option<i64>,
    /// First month, `2026-05` (default six months before `to`).
    pub from: Option<String>,
    /// Last month, `2026-11` (default this month); at most 24 months in all.
    pub to: Option<String>,
    /// Only specialists who missed a month.
    pub missed: Option<bool>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Who missed which month: per specialist, the status of each month of the range (`served`,
/// `missed`, `pending` for this month, `not_assigned`).
#[utoipa::path(get, path = "/api/v1/rounds/compliance", tag = "rounds", params(ComplianceQuery),
    responses((status = 200, description = "`{from, to, months, rows: [{specialist, months, missed}], page, per_page, has_more}`", body = Compliance),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compliance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ComplianceQuery>, QueryRejection>,
) -> ApiResult<Json<Compliance>> {
    let q = query(q)?;
    Ok(Json(
        s.app
            .rounds()
            .compliance(
                &c.actor,
                q.node_id,
                q.from.as_deref(),
                q.to.as_deref(),
                q.missed.unwrap_or(false),
                super::page(q.page)?,
                q.per_page.unwrap_or(20),
            )
            .await?
            .into(),
    ))
}
