//! Households: list, detail (members and moves), create, move.

use super::dto::{
    HouseholdCreate, HouseholdDetail, HouseholdDto, HouseholdMoveRequest, HouseholdPage,
};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_domain::registry::HouseholdFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(move_to))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Address prefix.
    pub q: Option<String>,
    /// Narrow to the subtree of this node (in scope).
    pub under: Option<i64>,
    /// 1-based, default 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// 1–200, default 20.
    pub per_page: Option<i64>,
}

impl HouseholdQuery {
    pub fn filter(&self) -> HouseholdFilter {
        HouseholdFilter {
            q: self.q.clone(),
            under: None,
        }
    }
}

/// Households in the caller's scope, by address prefix, one page at a time.
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(HouseholdQuery),
    responses((status = 200, body = HouseholdPage), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<HouseholdQuery>, QueryRejection>,
) -> ApiResult<Json<HouseholdPage>> {
    let q = query(q)?;
    let page = s
        .app
        .registry()
        .list_households(
            &c.actor,
            q.filter(),
            q.under,
            super::page(q.page)?,
            q.per_page.unwrap_or(20),
        )
        .await?;
    Ok(Json(page.into()))
}

/// A household with its members and its moves.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<HouseholdDetail>> {
    Ok(Json(
        s.app.registry().household_view(&c.actor, id).await?.into(),
    ))
}

/// A new household in a building in scope.
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdCreate,
    responses((status = 201, body = HouseholdDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<HouseholdCreate>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<HouseholdDto>)> {
    let hh = s
        .app
        .registry()
        .create_household(&c.actor, &body(b)?.into())
        .await?;
    Ok((StatusCode::CREATED, Json(hh.into())))
}

/// Move a household to another building in scope; the move is kept in its history.
#[utoipa::path(post, path = "/api/v1/households/{id}/move", tag = "households", params(("id" = i64, Path)),
    request_body = HouseholdMoveRequest,
    responses((status = 200, body = HouseholdDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_to(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<HouseholdMoveRequest>, JsonRejection>,
) -> ApiResult<Json<HouseholdDto>> {
    Ok(Json(
        s.app
            .registry()
            .move_household(&c.actor, id, &body(b)?.into())
            .await?
            .into(),
    ))
}
