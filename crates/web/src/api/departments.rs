//! The department registry: `GET /api/v1/departments` lists the departments the caller may pick
//! (those serving their place, and those inside it); with `serving`, only those serving that
//! place — the ones an event there can be dispatched or whistled to.

use super::query;
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use jingzhi_app::departments::Department;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Only departments whose jurisdiction holds this place (a node id in scope).
    pub serving: Option<i64>,
}

/// A department of the registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDto {
    pub id: i64,
    /// The code dispatches (`{"kind": "department", "code"}`), whistles and
    /// `jingzhi user add --department` name it by.
    pub code: String,
    pub name: String,
    pub short_name: String,
    /// `city`, `district` or `street`.
    pub level: String,
    /// Its jurisdiction (a node of the tree).
    pub node_id: i64,
    pub node_name: String,
    /// The code of its parent department.
    pub parent_code: Option<String>,
    pub contact: Option<String>,
    /// A member of the joint meeting on community boundaries (联席会议).
    pub joint_meeting: bool,
}

impl From<Department> for DepartmentDto {
    fn from(d: Department) -> Self {
        DepartmentDto {
            id: d.id,
            code: d.code,
            name: d.name,
            short_name: d.short_name,
            level: d.level.as_str().to_string(),
            node_id: d.node_id,
            node_name: d.node_name,
            parent_code: d.parent_code,
            contact: d.contact,
            joint_meeting: d.joint_meeting,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    pub items: Vec<DepartmentDto>,
}

/// The departments the caller may pick, nearest jurisdiction last (city, then district …).
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", params(DepartmentQuery),
    responses((status = 200, body = DepartmentList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<DepartmentQuery>, QueryRejection>,
) -> ApiResult<Json<DepartmentList>> {
    let q = query(q)?;
    let items = s.app.departments().list(&c.actor, q.serving).await?;
    Ok(Json(DepartmentList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
