//! The tree of places: `GET /api/v1/nodes`, `GET /api/v1/nodes/{id}`, `GET /api/v1/nodes/{id}/map`,
//! `POST /api/v1/nodes`.

use super::dto::{MapDto, NodeCreate, NodeDetail, NodeDto, NodeItem, NodeList};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::AppError;
use jingzhi_domain::registry::NodeKind;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(map))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeQuery {
    /// List the children of this node (default: the caller's scope node).
    pub parent_id: Option<i64>,
    /// Search by name or code prefix within the caller's scope instead.
    pub q: Option<String>,
    /// `city district street community grid compound building`
    pub kind: Option<String>,
}

fn kind(s: Option<&str>) -> ApiResult<Option<NodeKind>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(k) => NodeKind::parse(k).map(Some).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "应为 city district street community grid compound building",
            )
            .into()
        }),
    }
}

/// Children of a place (with counts), or a search of places, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/nodes", tag = "nodes", params(NodeQuery),
    responses((status = 200, body = NodeList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<NodeQuery>, QueryRejection>,
) -> ApiResult<Json<NodeList>> {
    let q = query(q)?;
    let kind = kind(q.kind.as_deref())?;
    if let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let found = s
            .app
            .registry()
            .search_nodes(&c.actor, text, kind, 50)
            .await?;
        return Ok(Json(NodeList {
            items: found
                .into_iter()
                .map(|n| NodeItem {
                    node: n.into(),
                    stats: None,
                })
                .collect(),
        }));
    }
    let parent = q.parent_id.unwrap_or(c.actor.user.scope_node_id);
    let view = s.app.registry().node_view(&c.actor, parent).await?;
    let items = view
        .children
        .into_iter()
        .filter(|(n, _)| kind.is_none_or(|k| n.kind == k))
        .map(|(n, st)| NodeItem {
            node: n.into(),
            stats: Some(st.into()),
        })
        .collect();
    Ok(Json(NodeList { items }))
}

/// A place with its counts, children and ancestors within the caller's scope.
#[utoipa::path(get, path = "/api/v1/nodes/{id}", tag = "nodes", params(("id" = i64, Path)),
    responses((status = 200, body = NodeDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<NodeDetail>> {
    Ok(Json(s.app.registry().node_view(&c.actor, id).await?.into()))
}

/// What a map of the place draws: areas with boundaries, buildings, barriers.
#[utoipa::path(get, path = "/api/v1/nodes/{id}/map", tag = "nodes", params(("id" = i64, Path)),
    responses((status = 200, body = MapDto), (status = 404, body = ErrorBody)))]
pub async fn map(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<MapDto>> {
    Ok(Json(s.app.registry().map(&c.actor, id).await?.into()))
}

/// Add a place below `parent_id` (in scope). The kind follows from the parent.
#[utoipa::path(post, path = "/api/v1/nodes", tag = "nodes", request_body = NodeCreate,
    responses((status = 201, body = NodeDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<NodeCreate>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<NodeDto>)> {
    let b = body(b)?;
    let parent = b.parent_id;
    let node = s
        .app
        .registry()
        .create_node(&c.actor, parent, &b.into())
        .await?;
    Ok((StatusCode::CREATED, Json(node.into())))
}
