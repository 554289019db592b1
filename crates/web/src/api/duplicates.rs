//! Duplicate suggestions: `GET /api/v1/events/{id}/duplicates`.

use super::schemas::DuplicateSuggestion;
use super::Id;
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(of_event))
}

/// Events in the caller's scope that are likely the same problem as event `id` (same category,
/// within 200 m and 7 days, similar text), best first, with their scores. Staff merge one with
/// the event's `merge` command. Not for residents (403); an event outside the scope is 404.
#[utoipa::path(get, path = "/api/v1/events/{id}/duplicates", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "Likely duplicates, best first", body = Vec<super::schemas::DuplicateSuggestion>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn of_event(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<Vec<DuplicateSuggestion>>> {
    let items = s.app.duplicates().of_event(&c.actor, id).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}
