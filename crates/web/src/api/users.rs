//! User accounts: list, detail, create (city admins, within their scope).

use super::dto::{SignedOut, UserCreate, UserDto, UserList};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::auth::UserRef;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(unlock))
}

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
    let users = s.app.auth().list_users(&c.actor, page, per_page).await?;
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
    Ok(Json(s.app.auth().get_user(&c.actor, id).await?.into()))
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
    let u = s
        .app
        .auth()
        .add_user(Some(&c.actor), &body(b)?.into())
        .await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

/// Disable a user whose scope lies inside the caller's: no more sign-ins, and every session and
/// API token of theirs stops working at once. Audited. Nobody can disable themselves (422).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn disable(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<UserDto>> {
    Ok(Json(
        s.app
            .auth()
            .disable_user(Some(&c.actor), UserRef::Id(id))
            .await?
            .into(),
    ))
}

/// Enable a disabled user again. Audited.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<UserDto>> {
    Ok(Json(
        s.app
            .auth()
            .enable_user(Some(&c.actor), UserRef::Id(id))
            .await?
            .into(),
    ))
}

/// Sign a user out everywhere: end every browser session and revoke every API token. Audited.
#[utoipa::path(post, path = "/api/v1/users/{id}/sign-out-everywhere", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = SignedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sign_out_everywhere(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<SignedOut>> {
    let (sessions, tokens) = s
        .app
        .auth()
        .sign_out_everywhere(Some(&c.actor), UserRef::Id(id))
        .await?;
    Ok(Json(SignedOut {
        sessions_ended: sessions as i64,
        tokens_revoked: tokens as i64,
    }))
}

/// Lift the lock that failed sign-ins put on a user, and forget the failures. Audited.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<UserDto>> {
    Ok(Json(
        s.app
            .auth()
            .unlock_user(Some(&c.actor), UserRef::Id(id))
            .await?
            .into(),
    ))
}
