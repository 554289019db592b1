//! The audit log: `GET /api/v1/audit`, `GET /api/v1/audit/{id}`.

use super::dto::{AuditDto, AuditList};
use super::{query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use jingzhi_app::AppError;
use jingzhi_domain::audit::Action;
use jingzhi_domain::audit::Filter;
use jingzhi_domain::time_fmt::parse_date;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `create update move delete import export unmask login login_failed logout token_create
    /// user_create user_password generate user_disable user_enable user_sign_out user_unlock`
    pub action: Option<String>,
    /// `resident household node user api_token …`
    pub entity: Option<String>,
    /// The actor's username.
    pub actor: Option<String>,
    /// From this day (`YYYY-MM-DD`, UTC) or Unix time in milliseconds, inclusive.
    pub from: Option<String>,
    /// Until this day (`YYYY-MM-DD`, inclusive) or Unix time in milliseconds (exclusive).
    pub to: Option<String>,
    /// Records older than this id (keyset paging: pass the previous page's `next_before`).
    pub before: Option<i64>,
    /// 1–500, default 50.
    pub limit: Option<i64>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Milliseconds from `YYYY-MM-DD` (start of the day, or of the next day with `end`) or a number.
fn instant(field: &'static str, s: Option<&str>, end: bool) -> Result<Option<i64>, AppError> {
    let Some(s) = s else { return Ok(None) };
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(Some(ms));
    }
    let d = parse_date(s).ok_or_else(|| AppError::invalid(field, "日期应为 YYYY-MM-DD"))?;
    let d = if end { d.next_day().unwrap_or(d) } else { d };
    // Days are China Standard Time days, as the pages show them.
    Ok(Some(
        d.midnight()
            .assume_offset(jingzhi_domain::time_fmt::CST)
            .unix_timestamp()
            * 1000,
    ))
}

impl AuditQuery {
    pub fn filter(&self) -> Result<Filter, AppError> {
        let action = match blank(&self.action) {
            None => None,
            Some(a) => Some(
                Action::parse(a).ok_or_else(|| AppError::invalid("action", "未知的操作类型"))?,
            ),
        };
        Ok(Filter {
            action,
            entity: blank(&self.entity).map(str::to_string),
            actor: blank(&self.actor).map(str::to_string),
            from_ms: instant("from", blank(&self.from), false)?,
            to_ms: instant("to", blank(&self.to), true)?,
        })
    }
}

/// Audit records in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> ApiResult<Json<AuditList>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let items: Vec<AuditDto> = s
        .app
        .audit()
        .list(&c.actor, &q.filter()?, q.before, limit)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|r| r.id))
        .flatten();
    Ok(Json(AuditList { items, next_before }))
}

/// One audit record in the caller's scope.
#[utoipa::path(get, path = "/api/v1/audit/{id}", tag = "audit", params(("id" = i64, Path)),
    responses((status = 200, body = AuditDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<AuditDto>> {
    Ok(Json(s.app.audit().get(&c.actor, id).await?.into()))
}
