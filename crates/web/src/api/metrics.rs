//! Event metrics: `GET /api/v1/metrics/events` (the dashboard's numbers as JSON).

use super::query;
use super::schemas::Dashboard;
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::shared::MetricsQuery;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// The event metrics of a place and period (docs/metrics.md): counts and rates, by month, by
/// category, by child place (with 12345 volume per month) and whistle performance per
/// department. Not for residents (403); a place outside the caller's scope is 404.
#[utoipa::path(get, path = "/api/v1/metrics/events", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = super::schemas::Dashboard),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn events(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<MetricsQuery>, QueryRejection>,
) -> ApiResult<Json<Dashboard>> {
    let (node, from, to) = query(q)?.parse()?;
    let d = s
        .app
        .metrics()
        .dashboard_cached(&c.actor, node, from, to)
        .await?;
    Ok(Json(jingzhi_app::metrics::Dashboard::clone(&d).into()))
}
