//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use crate::error::{ApiError, ApiResult};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

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

pub async fn login(
    State(s): State<AppState>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body?;
    let user = s.app.login(&req.username, &req.password).await?;
    let token = s.app.create_token(&user, "api login").await?;
    Ok(Json(LoginResponse { token }))
}

pub async fn me(ApiCaller(c): ApiCaller) -> Result<Json<Me>, ApiError> {
    let u = &c.actor.user;
    Ok(Json(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.as_str().to_string(),
        scope: MeScope { node_id: u.scope_node_id, code: u.scope_code.clone(), name: u.scope_name.clone() },
        department: u.department.clone(),
        resident_id: u.resident_id,
    }))
}
