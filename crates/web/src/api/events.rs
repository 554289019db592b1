//! Events (事件) over JSON: the list with filters, report (JSON, or multipart with photos),
//! one event with its timeline, handlers, whistles and photos, the lifecycle commands at
//! `POST /api/v1/events/{id}/{command}`, photos added later, photo download, the whistle
//! (吹哨报到) and the categories.
//!
//! A write that carries photos is `multipart/form-data`: a part `data` with the JSON body and
//! one part per photo (any name; the part's file name is only shown). Photos are checked by
//! their bytes (JPEG, PNG or WebP; size and count limits); a bad one answers 422 naming the
//! file under `photos`, and nothing is stored.

use super::schemas::{Attachment, CategoryEntry, EventView, Whistle};
use super::{body, query};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::shared::{page, photo_response, Paged, UPLOAD_BODY_LIMIT};
use crate::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jingzhi_app::events::{AttachmentMeta, Event};
use jingzhi_app::events::{CommandInput, HandlerInput, InspectionInput, ReportInput, Upload};
use jingzhi_app::AppError;
use jingzhi_domain::events::lifecycle::{CommandKind, Rating, Status};
use jingzhi_domain::events::EventFilter;
use jingzhi_domain::events::Urgency;
use jingzhi_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Two calls on one path, so that the body limit stays on the POST alone.
        .routes(routes!(list))
        .routes(routes!(report).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(get))
        .routes(routes!(command).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(attach).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(photo))
        .routes(routes!(categories))
        .routes(routes!(blow))
        .routes(routes!(report_in))
        .routes(routes!(inspection))
        .routes(routes!(complete))
        .routes(routes!(rate_department))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// `reported accepted invalid merged dispatched in_progress resolved verified closed rated escalated`
    #[param(value_type = Option<super::schemas::EventStatus>)]
    pub status: Option<String>,
    /// A category code (see `/api/v1/event-categories`).
    pub category: Option<String>,
    /// `emergency urgent ordinary complex`
    #[param(value_type = Option<super::schemas::Urgency>)]
    pub urgency: Option<String>,
    /// `true`: only open events past their deadline.
    pub overdue: Option<String>,
    /// `resident staff hotline open311 round` (how it came in).
    pub source: Option<String>,
    /// Only below this place (a node id in scope).
    pub under: Option<i64>,
    /// `mine`: what was sent to me — department staff: dispatched or whistled to their
    /// department (their only view anyway); grid workers and stewards: events a grid worker
    /// handles; community staff: events the community handles.
    pub assigned: Option<String>,
    /// Page backwards: events with an id below this (the previous page's `next_before`).
    pub before: Option<i64>,
    /// 1–200, default 20 (values outside are brought within).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl EventQuery {
    /// The store's filter, every value checked (422 naming the parameter).
    pub fn filter(&self) -> Result<EventFilter, AppError> {
        let mut errs = vec![];
        let status = blank(&self.status).and_then(|v| {
            Status::parse(v).or_else(|| {
                errs.push(FieldError::new("status", format!("未知的状态“{v}”")));
                None
            })
        });
        let urgency = blank(&self.urgency).and_then(|v| {
            Urgency::parse(v).or_else(|| {
                errs.push(FieldError::new("urgency", format!("未知的紧急程度“{v}”")));
                None
            })
        });
        let assigned_mine = match blank(&self.assigned) {
            None => false,
            Some("mine") => true,
            Some(v) => {
                errs.push(FieldError::new(
                    "assigned",
                    format!("应为 mine，而不是“{v}”"),
                ));
                false
            }
        };
        let overdue = match blank(&self.overdue) {
            None => false,
            Some(v) => jingzhi_domain::registry::parse_bool(v).unwrap_or_else(|| {
                errs.push(FieldError::new("overdue", "应为 true 或 false"));
                false
            }),
        };
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        Ok(EventFilter {
            status,
            category: blank(&self.category).map(str::to_string),
            urgency,
            overdue_at: overdue.then(jingzhi_domain::time_fmt::now_ms),
            source: blank(&self.source).map(str::to_string),
            assigned_mine,
            ..Default::default()
        })
    }
}

/// A page of events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<super::schemas::Event>,
    /// Pass as `before` for the next page; absent on the last one.
    pub next_before: Option<i64>,
}

impl From<Paged<Event>> for EventPage {
    fn from(p: Paged<Event>) -> Self {
        Self {
            items: p.items.into_iter().map(Into::into).collect(),
            next_before: p.next_before,
        }
    }
}

/// Events in the caller's scope (residents: their own), filtered, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, body = EventPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<EventQuery>, QueryRejection>,
) -> ApiResult<Json<EventPage>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    let items = s
        .app
        .events()
        .list_under(&c.actor, q.filter()?, q.under, q.before, limit + 1)
        .await?;
    Ok(Json(page(items, limit).into()))
}

/// The body of a report.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReportBody {
    /// A category code (see `/api/v1/event-categories`).
    #[schema(required = true)]
    pub category: String,
    /// `emergency urgent ordinary complex` (default ordinary).
    #[schema(value_type = Option<super::schemas::Urgency>)]
    pub urgency: Option<String>,
    /// Required; at most 2,000 characters, no control characters.
    #[schema(required = true, max_length = 2000)]
    pub description: String,
    /// The building or grid (residents: their own building, the default).
    pub node_id: Option<i64>,
    /// Answers to the category's questions, by question code.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
    /// Longitude of a map point (placed into its grid when no `node_id` is given).
    pub x: Option<f64>,
    /// Latitude of a map point.
    pub y: Option<f64>,
}

impl From<ReportBody> for ReportInput {
    fn from(b: ReportBody) -> Self {
        ReportInput {
            category: b.category,
            urgency: b.urgency,
            description: b.description,
            node_id: b.node_id,
            answers: b.answers,
            x: b.x,
            y: b.y,
        }
    }
}

/// A JSON body, or `multipart/form-data` with the JSON in a part `data` and photos in the
/// other parts.
pub(crate) async fn json_and_photos<T: DeserializeOwned + Default>(
    s: &AppState,
    req: Request,
) -> ApiResult<(T, Vec<Upload>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        // JSON (an empty body is the default: `accept`, `start`… need none).
        let bytes = axum::body::Bytes::from_request(req, s)
            .await
            .map_err(|e| ApiError::bad_request("body", e.body_text()))?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) || bytes.trim_ascii() == b"null" {
            return Ok((T::default(), vec![]));
        }
        return Ok((body(Json::<T>::from_bytes(&bytes))?, vec![]));
    }
    let mut form = Multipart::from_request(req, s).await.map_err(|e| {
        let mut e2 = ApiError::bad_request("body", e.body_text());
        e2.status = e.status();
        e2
    })?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        let mut err = ApiError::bad_request("photos", e.body_text());
        err.status = e.status();
        err
    };
    let (mut data, mut photos) = (None, vec![]);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match (field.name().map(str::to_string), field.file_name()) {
            (Some(n), None) if n == "data" => data = Some(field.bytes().await.map_err(bad)?),
            (_, Some(name)) => {
                let file_name = name.to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !(bytes.is_empty() && file_name.is_empty()) {
                    photos.push(Upload {
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    let v = match data {
        None => T::default(),
        Some(b) => serde_json::from_slice(&b).map_err(|e| {
            let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "输入有误");
            err.body.details.push(crate::error::ErrorDetail {
                field: "data".into(),
                reason: e.to_string(),
            });
            err
        })?,
    };
    Ok((v, photos))
}

/// Report a problem (JSON, or multipart with photos: see the module notes).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = ReportBody,
    responses((status = 201, description = "The new event", body = super::schemas::Event), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Unknown category, a point outside the city, a bad photo… (nothing stored)")))]
pub async fn report(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    req: Request,
) -> ApiResult<Response> {
    let (b, photos): (ReportBody, _) = json_and_photos(&s, req).await?;
    let e = s
        .app
        .events()
        .report_with(&c.actor, &b.into(), &photos)
        .await?;
    Ok((StatusCode::CREATED, Json(super::schemas::Event::from(e))).into_response())
}

/// An event with its timeline (every transition: actor, time, note), handlers, whistles and
/// photos (`attachments`, each with the `transition_id` it came with).
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = EventView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
) -> ApiResult<Json<EventView>> {
    Ok(Json(s.app.events().view(&c.actor, id).await?.into()))
}

/// A handler of a dispatch: a department by its registry code
/// (`{"kind": "department", "code": "371002-zhujian"}`, see `GET /api/v1/departments`), any
/// other kind by name (`{"kind": "community", "name": "<社区名称>"}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct HandlerBody {
    /// `grid_worker community property_company department`
    pub kind: String,
    /// The handler's name (not for a department).
    pub name: String,
    /// A department's code (`kind` = `department`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl From<&HandlerBody> for HandlerInput {
    fn from(h: &HandlerBody) -> Self {
        HandlerInput {
            kind: h.kind.clone(),
            name: h.name.clone(),
            code: h.code.clone(),
        }
    }
}

/// The body of a command; each command reads what it needs.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CommandBody {
    /// A note for the timeline (any command).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// `invalidate`, `send_back`, `escalate`: why.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// `resolve`: what was done.
    #[schema(max_length = 2000)]
    pub result: Option<String>,
    /// `rate`: `satisfied fairly_satisfied dissatisfied`.
    #[schema(value_type = Option<super::schemas::Rating>)]
    pub rating: Option<String>,
    /// `rate`: the reporter's comment.
    pub comment: Option<String>,
    /// `merge`: the event it duplicates.
    pub into: Option<i64>,
    /// `dispatch`: the lead (主办).
    pub lead: Option<HandlerBody>,
    /// `dispatch`: co-handlers (协办).
    pub co_handlers: Vec<HandlerBody>,
    /// `dispatch`: notified (知会).
    pub notified: Vec<HandlerBody>,
}

impl From<&CommandBody> for CommandInput {
    fn from(b: &CommandBody) -> Self {
        CommandInput {
            note: b.note.clone(),
            reason: b.reason.clone(),
            result: b.result.clone(),
            rating: b.rating.clone(),
            comment: b.comment.clone(),
            into: b.into,
            lead: b.lead.as_ref().map(Into::into),
            co_handlers: b.co_handlers.iter().map(Into::into).collect(),
            notified: b.notified.iter().map(Into::into).collect(),
        }
    }
}

/// Move an event through its lifecycle. `command` is one of `accept invalidate merge dispatch
/// start resolve verify send_back close rate escalate`; an illegal move answers 422 (field
/// `status`), a role that may not give the command 403. JSON, or multipart with photos (e.g.
/// the result's photos of `resolve`).
#[utoipa::path(post, path = "/api/v1/events/{id}/{command}", tag = "events",
    params(("id" = i64, Path), ("command" = String, Path, description = "accept invalidate merge dispatch start resolve verify send_back close rate escalate")),
    request_body = CommandBody,
    responses((status = 200, description = "The event after the command", body = super::schemas::Event), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn command(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    path: Result<Path<(String, String)>, PathRejection>,
    req: Request,
) -> ApiResult<Json<super::schemas::Event>> {
    // A path that is not UTF-8 is "not found" in the API's shape, not axum's plain text.
    let Path((id, name)) = path?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let kind = CommandKind::parse(&name).ok_or_else(ApiError::not_found)?;
    let (b, photos): (CommandBody, _) = json_and_photos(&s, req).await?;
    let input = CommandInput::from(&b);
    let cmd = input.command(kind)?;
    let note = input.note(kind);
    Ok(Json(
        s.app
            .events()
            .command_with(&c.actor, id, &cmd, note.as_deref(), &photos)
            .await?
            .into(),
    ))
}

/// The body of photos added later (multipart: `data` = `{"note": …}` and the photos).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttachBody {
    pub note: Option<String>,
}

/// Add photos to an event without moving it (a timeline entry 补充照片 carries them).
#[utoipa::path(post, path = "/api/v1/events/{id}/attachments", tag = "events", params(("id" = i64, Path)),
    request_body(content = AttachBody, content_type = "multipart/form-data"),
    responses((status = 201, description = "The photos stored", body = Vec<Attachment>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    req: Request,
) -> ApiResult<Response> {
    let (b, photos): (AttachBody, _) = json_and_photos(&s, req).await?;
    let stored: Vec<AttachmentMeta> = s
        .app
        .events()
        .attach(&c.actor, id, b.note.as_deref(), &photos)
        .await?;
    let a: Vec<Attachment> = stored.into_iter().map(Into::into).collect();
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// A photo of an event in scope (residents: of their own events).
#[utoipa::path(get, path = "/api/v1/events/{id}/attachments/{attachment_id}", tag = "events",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The image (image/jpeg, image/png or image/webp)", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<Response> {
    let Path((id, aid)) = path?;
    let (Ok(id), Ok(aid)) = (id.parse::<i64>(), aid.parse::<i64>()) else {
        return Err(ApiError::not_found());
    };
    let (meta, bytes) = s.app.events().attachment(&c.actor, id, aid).await?;
    Ok(photo_response(&meta, bytes))
}

/// The categories of events with their default handler and extra questions.
#[utoipa::path(get, path = "/api/v1/event-categories", tag = "events",
    responses((status = 200, description = "Every category, active or not, in display order", body = Vec<CategoryEntry>)))]
pub async fn categories(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<Vec<CategoryEntry>>> {
    let items = s.app.events().categories(&c.actor).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

// ---------------------------------------------------------------------------------------------
// Whistle and report (吹哨报到)

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WhistleBody {
    /// The departments summoned, by registry code (`GET /api/v1/departments`).
    pub departments: Vec<String>,
    pub reason: String,
}

/// Blow the whistle on an open event: summon departments (community staff and above).
#[utoipa::path(post, path = "/api/v1/events/{id}/whistles", tag = "events", params(("id" = i64, Path)),
    request_body = WhistleBody,
    responses((status = 201, description = "The whistle", body = Whistle), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn blow(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<WhistleBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let b = body(b)?;
    let w = s
        .app
        .events()
        .blow_whistle(&c.actor, id, &b.departments, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(Whistle::from(w))).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DepartmentBody {
    pub department: String,
}

/// A summoned department reports in (报到): its own staff, or community staff for it.
#[utoipa::path(post, path = "/api/v1/whistles/{id}/report-in", tag = "events", params(("id" = i64, Path)),
    request_body = DepartmentBody,
    responses((status = 200, description = "The whistle", body = Whistle), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_in(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<DepartmentBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Whistle>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .events()
            .report_in(&c.actor, id, b.department.trim())
            .await?
            .into(),
    ))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TaskBody {
    pub department: String,
    pub task: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct InspectionBody {
    /// When (ms since the epoch; default now).
    pub at: Option<i64>,
    pub participants: String,
    pub findings: String,
    pub solution: String,
    /// One task per summoned department.
    pub tasks: Vec<TaskBody>,
}

impl From<InspectionBody> for InspectionInput {
    fn from(b: InspectionBody) -> Self {
        InspectionInput {
            at: b.at,
            participants: b.participants,
            findings: b.findings,
            solution: b.solution,
            tasks: b
                .tasks
                .into_iter()
                .map(|t| (t.department.trim().to_string(), t.task))
                .collect(),
        }
    }
}

/// The joint on-site inspection (联合踏勘) with one task per department.
#[utoipa::path(post, path = "/api/v1/whistles/{id}/inspection", tag = "events", params(("id" = i64, Path)),
    request_body = InspectionBody,
    responses((status = 200, description = "The whistle", body = Whistle), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn inspection(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<InspectionBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Whistle>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .events()
            .record_inspection(&c.actor, id, &b.into())
            .await?
            .into(),
    ))
}

/// A department's task is done (事不完、人不撤: the whistle is done when every task is).
#[utoipa::path(post, path = "/api/v1/whistles/{id}/complete", tag = "events", params(("id" = i64, Path)),
    request_body = DepartmentBody,
    responses((status = 200, description = "The whistle", body = Whistle), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<DepartmentBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Whistle>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .events()
            .complete_whistle_task(&c.actor, id, b.department.trim())
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeptRatingBody {
    pub department: String,
    /// `satisfied fairly_satisfied dissatisfied`
    pub rating: String,
}

/// The community rates a department's response, once every task is done.
#[utoipa::path(post, path = "/api/v1/whistles/{id}/rate", tag = "events", params(("id" = i64, Path)),
    request_body = DeptRatingBody,
    responses((status = 200, description = "The whistle", body = Whistle), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate_department(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<DeptRatingBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Whistle>> {
    let b = body(b)?;
    let r = Rating::parse(b.rating.trim()).ok_or_else(|| {
        AppError::invalid(
            "rating",
            "评价应为 satisfied、fairly_satisfied 或 dissatisfied",
        )
    })?;
    Ok(Json(
        s.app
            .events()
            .rate_department(&c.actor, id, b.department.trim(), r)
            .await?
            .into(),
    ))
}
