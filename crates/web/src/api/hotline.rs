//! The 12345 hotline over JSON: import a ticket file, the queue of unmatched tickets, match one
//! to a building or discard it, and export the results (`docs/12345.md`).
//!
//! A malformed file answers **422** with one detail per bad cell (`field` = `row N column C`)
//! and changes nothing; an imported file answers 200 with what became of every ticket
//! (`created`, `queued` or `already_imported`).

use super::{body, query, Id};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jingzhi_app::hotline::Ticket;
use jingzhi_app::hotline::{self as ah, HotlineImportReport, TicketOutcome};
use jingzhi_domain::time_fmt::format_ms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_BODY_LIMIT)))
        .routes(routes!(queue))
        .routes(routes!(match_ticket))
        .routes(routes!(discard))
        .routes(routes!(export))
}

/// Largest request an import accepts.
pub const IMPORT_BODY_LIMIT: usize = ah::MAX_BYTES + 64 * 1024;

#[derive(Debug, ToSchema)]
pub struct HotlineImportForm {
    /// The ticket file: `.xlsx`, UTF-8 `.csv` (BOM or not) or `.json` (an array of objects),
    /// at most 10 MiB and 10,000 tickets.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketOutcomeDto {
    /// Row of the file (spreadsheet row, the header being row 1; for JSON the object's position).
    pub row: usize,
    pub ticket_no: String,
    /// `created`, `queued` or `already_imported`.
    pub outcome: String,
    pub event_id: Option<i64>,
    /// The building matched (or suggested for a queued ticket).
    pub building: Option<String>,
    /// 0–100.
    pub confidence: u8,
    /// Our category's name.
    pub category: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineImportDto {
    pub rows: usize,
    pub created: usize,
    pub queued: usize,
    pub already_imported: usize,
    pub other_category: usize,
    pub tickets: Vec<TicketOutcomeDto>,
}

impl From<HotlineImportReport> for HotlineImportDto {
    fn from(r: HotlineImportReport) -> Self {
        Self {
            rows: r.rows,
            created: r.created,
            queued: r.queued,
            already_imported: r.already_imported,
            other_category: r.other_category,
            tickets: r
                .tickets
                .into_iter()
                .map(|t: TicketOutcome| TicketOutcomeDto {
                    row: t.row,
                    ticket_no: t.ticket_no,
                    outcome: t.outcome.to_string(),
                    event_id: t.event_id,
                    building: t.building,
                    confidence: t.confidence,
                    category: t.category,
                    note: t.note,
                })
                .collect(),
        }
    }
}

/// A hotline ticket (the caller's phone masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    pub id: i64,
    pub ticket_no: String,
    /// `matched`, `queued` or `discarded`.
    pub status: String,
    /// China time, `YYYY-MM-DD HH:MM`.
    pub called_at: String,
    pub caller_name: String,
    pub phone_mask: Option<String>,
    pub address: String,
    pub content: String,
    /// The classification as the hotline wrote it.
    pub hotline_category: String,
    pub category_code: String,
    pub category_name: String,
    pub urgency: String,
    pub due_at: Option<String>,
    pub node_id: Option<i64>,
    pub event_id: Option<i64>,
    /// The building the matcher suggests (queued), if any.
    pub suggested_node_id: Option<i64>,
    pub suggested_name: Option<String>,
    pub confidence: i64,
    pub match_note: String,
    pub discard_reason: Option<String>,
    pub imported_at: String,
    pub imported_by: String,
}

impl From<Ticket> for TicketDto {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id,
            ticket_no: t.ticket_no,
            status: t.status,
            called_at: format_ms(t.called_at),
            caller_name: t.caller_name,
            phone_mask: t.phone_mask,
            address: t.address,
            content: t.content,
            hotline_category: t.hotline_category,
            category_code: t.category_code,
            category_name: t.category_name,
            urgency: t.urgency,
            due_at: t.due_at.map(format_ms),
            node_id: t.node_id,
            event_id: t.event_id,
            suggested_node_id: t.suggested_node_id,
            suggested_name: t.suggested_name,
            confidence: t.confidence,
            match_note: t.match_note,
            discard_reason: t.discard_reason,
            imported_at: format_ms(t.imported_at),
            imported_by: t.imported_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueDto {
    pub items: Vec<TicketDto>,
    /// Pass as `before_id` for the next page; absent on the last.
    pub next_before_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Tickets older than this id (paging).
    pub before_id: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MatchBody {
    /// The building the ticket is at (in the caller's scope).
    pub building_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscardBody {
    /// Why the ticket is sent back.
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First day of calls, `YYYY-MM-DD` (China time).
    pub from: Option<String>,
    /// Last day of calls (inclusive).
    pub to: Option<String>,
    /// `xlsx` (default), `csv` or `json`.
    pub format: Option<String>,
}

/// Import a file of 12345 tickets. Addresses that match a building of the caller's scope become
/// events; the rest go to the queue; ticket numbers imported before are reported and skipped.
#[utoipa::path(post, path = "/api/v1/hotline/import", tag = "hotline",
    request_body(content = HotlineImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = HotlineImportDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Malformed: nothing was imported; `details` lists every bad cell")))]
pub async fn import(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<HotlineImportDto>> {
    let mut form = form?;
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::multipart("file", e);
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.xlsx").to_string();
            file = Some((name, field.bytes().await.map_err(bad)?));
        }
    }
    let Some((name, bytes)) = file else {
        return Err(jingzhi_app::AppError::invalid("file", "请选择要导入的文件").into());
    };
    let report = s.app.hotline().import(&c.actor, &name, &bytes).await?;
    if !report.committed {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("文件有 {} 处错误，未导入任何工单", report.errors.len()),
        );
        e.body.details = report
            .errors
            .into_iter()
            .map(|r| ErrorDetail {
                field: format!("row {} column {}", r.row, r.column),
                reason: r.reason,
            })
            .collect();
        return Err(e);
    }
    Ok(Json(report.into()))
}

/// Tickets waiting for a person to pick their building, in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/hotline/queue", tag = "hotline", params(QueueQuery),
    responses((status = 200, body = QueueDto), (status = 403, body = ErrorBody)))]
pub async fn queue(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> ApiResult<Json<QueueDto>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let items = s.app.hotline().queue(&c.actor, q.before_id, limit).await?;
    let next_before_id = if items.len() as i64 == limit {
        items.last().map(|t| t.id)
    } else {
        None
    };
    Ok(Json(QueueDto {
        items: items.into_iter().map(Into::into).collect(),
        next_before_id,
    }))
}

/// Match a queued ticket to a building: the event is created. 404 for a ticket outside the
/// scope; 422 naming `building_id` for a building outside it; 409 when already handled.
#[utoipa::path(post, path = "/api/v1/hotline/queue/{id}/match", tag = "hotline",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = MatchBody,
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn match_ticket(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<MatchBody>, JsonRejection>,
) -> ApiResult<Json<TicketDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .hotline()
            .hotline_match(&c.actor, id, b.building_id)
            .await?
            .into(),
    ))
}

/// Send a queued ticket back with a reason.
#[utoipa::path(post, path = "/api/v1/hotline/queue/{id}/discard", tag = "hotline",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = DiscardBody,
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn discard(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<DiscardBody>, JsonRejection>,
) -> ApiResult<Json<TicketDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .hotline()
            .discard(&c.actor, id, &b.reason)
            .await?
            .into(),
    ))
}

/// The tickets in the caller's scope called between `from` and `to`, with their results, in the
/// import's format plus the result columns (phones masked). Audited.
#[utoipa::path(get, path = "/api/v1/hotline/export", tag = "hotline", params(ExportQuery),
    responses((status = 200, description = "The file, in the format asked for: .xlsx, .csv, or .json (an array of tickets with the file's columns as keys, docs/12345.md)",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (Vec<u8> = "text/csv"),
                (Vec<serde_json::Value> = "application/json"),
            )),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let from = ah::day_bound(q.from.as_deref().unwrap_or(""), false, "from")?;
    let to = ah::day_bound(q.to.as_deref().unwrap_or(""), true, "to")?;
    let format = ah::Format::parse(q.format.as_deref().unwrap_or(""))?;
    let x = s.app.hotline().export(&c.actor, from, to, format).await?;
    Ok((
        [
            (header::CONTENT_TYPE, x.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment(&x.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        x.bytes,
    )
        .into_response())
}
