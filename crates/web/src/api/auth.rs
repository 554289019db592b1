//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout` and `GET /api/v1/me`.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::{cookie, session_cookie, ApiCaller, ClientAddr, SESSION_COOKIE};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Use as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Who the caller is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// One of `city-admin district-officer street-officer community-worker grid-worker steward
    /// department-staff resident auditor`.
    pub role: String,
    pub scope: MeScope,
    pub department: Option<String>,
    pub resident_id: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeScope {
    pub node_id: i64,
    pub code: String,
    pub name: String,
}

/// Sign in with a username and password; the answer's token is used as
/// `Authorization: Bearer <token>`. Repeated failures lock the account, and the client's
/// address, for a while; an unknown username, a wrong password and a locked or disabled account
/// all answer the same 401.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body?;
    let user = s
        .app
        .auth()
        .login_from(&req.username, &req.password, addr)
        .await?;
    let token = s.app.auth().create_token(&user, "api login").await?;
    Ok(Json(LoginResponse { token }))
}

/// Revoke the bearer token of this request (or end the browser session of the cookie).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        s.app.auth().revoke_token(&c.actor, token.trim()).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        s.app.auth().logout(secret).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session_cookie("", s.config.secure_cookies),
        )],
    )
        .into_response())
}

/// Who the caller is, with role and scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(ApiCaller(c): ApiCaller) -> Result<Json<Me>, ApiError> {
    let u = &c.actor.user;
    Ok(Json(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.as_str().to_string(),
        scope: MeScope {
            node_id: u.scope_node_id,
            code: u.scope_code.clone(),
            name: u.scope_name.clone(),
        },
        department: u.department.clone(),
        resident_id: u.resident_id,
    }))
}
