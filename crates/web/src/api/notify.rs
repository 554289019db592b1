//! The caller's own notifications: `GET /api/v1/notifications`,
//! `POST /api/v1/notifications/{id}/read`. Nobody sees or marks anyone else's (404).

use super::{query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use jingzhi_app::notify::Notification;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true`: only unread; `false`: only read; absent: all.
    pub unread: Option<bool>,
    /// Older than this id (keyset paging: pass the previous page's `next_before`).
    pub before: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// A notification of a change of an event the caller reported (or of the event theirs was
/// merged into), or of a proposal they made or support.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    /// The event it is about (null for a proposal's).
    pub event_id: Option<i64>,
    /// The proposal it is about (null for an event's).
    pub proposal_id: Option<i64>,
    /// Unix time in milliseconds.
    pub created_at: i64,
    /// The lifecycle command (`accept`, `dispatch`, `escalate`, `whistle`, …; `proposal` for a
    /// proposal's change).
    pub command: String,
    /// The event's status after the change (`accepted`, `in_progress`, …), or the proposal's
    /// phase (`awaiting_answer`, `taken_up`, …).
    pub status: String,
    pub title: String,
    pub body: String,
    /// When the caller read it; `null` while unread.
    pub read_at: Option<i64>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        NotificationDto {
            id: n.id,
            event_id: n.event_id,
            proposal_id: n.proposal_id,
            created_at: n.created_at,
            command: n.command,
            status: n.status,
            title: n.title,
            body: n.body,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationDto>,
    /// How many of the caller's notifications are unread (all of them, not only this page).
    pub unread: i64,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The caller's own notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<NotificationQuery>, QueryRejection>,
) -> ApiResult<Json<NotificationList>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let items = s
        .app
        .notify()
        .notifications(&c.actor, q.unread, q.before, limit)
        .await?;
    let unread = s.app.notify().unread(&c.actor).await?;
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|n| n.id))
        .flatten();
    Ok(Json(NotificationList {
        items: items.into_iter().map(Into::into).collect(),
        unread,
        next_before,
    }))
}

/// Mark one of the caller's notifications read (again: no change). Anyone else's is 404.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = NotificationDto), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<NotificationDto>> {
    Ok(Json(s.app.notify().mark_read(&c.actor, id).await?.into()))
}
