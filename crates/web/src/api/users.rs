//! User accounts: list, detail, create (city admins, within their scope).

use super::dto::{UserCreate, UserDto, UserList};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// 1-based, default 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// 1–200, default 50.
    pub per_page: Option<i64>,
}

/// Users whose scope lies inside the caller's.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<UserQuery>, QueryRejection>,
) -> ApiResult<Json<UserList>> {
    let q = query(q)?;
    let (page, per_page) = (super::page(q.page)?, q.per_page.unwrap_or(50).clamp(1, 200));
    let users = s.app.list_users(&c.actor, page, per_page).await?;
    Ok(Json(UserList {
        items: users.into_iter().map(Into::into).collect(),
        page,
        per_page,
    }))
}

/// A user whose scope lies inside the caller's (anyone may read their own account).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<UserDto>> {
    Ok(Json(s.app.get_user(&c.actor, id).await?.into()))
}

/// A new user; the scope must lie inside the caller's.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserCreate,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<UserCreate>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    let u = s.app.add_user(Some(&c.actor), &body(b)?.into()).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}
