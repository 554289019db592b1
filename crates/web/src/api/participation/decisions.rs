//! Decisions carried out in the API (issue 11 §5, docs/participation.md): a decision on an
//! agenda item or by a vote, its tasks with progress steps, and an evaluation meeting's rating.

use crate::api::{body, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::participation::decisions::{
    Decision, DecisionInput, DecisionView, EvaluationInput, Task, TaskInput,
};
use jingzhi_domain::participation::decisions::Figure;
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_decision, list_decisions))
        .routes(routes!(get_decision))
        .routes(routes!(add_task))
        .routes(routes!(task_progress))
        .routes(routes!(evaluate_decision))
}

/// A figure a decision carries (68 parking spaces marked).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FigureDto {
    pub label: String,
    pub value: i64,
    #[serde(default)]
    pub unit: String,
}

/// A decision: on an agenda item (`item_id`), by a closed vote (`vote_id`), or both.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    pub item_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub figures: Vec<FigureDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub title: String,
    pub body: String,
    pub figures: Vec<FigureDto>,
    pub item_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub decided_at: String,
    pub decided_by: String,
    /// 1–5 stars from an evaluation meeting.
    pub rating: Option<i64>,
    pub rating_note: Option<String>,
    pub tasks: i64,
    pub tasks_done: i64,
}

impl From<Decision> for DecisionDto {
    fn from(d: Decision) -> Self {
        DecisionDto {
            id: d.id,
            node_id: d.node_id,
            node_name: d.node_name,
            title: d.title,
            body: d.body,
            figures: d
                .figures
                .into_iter()
                .map(|f| FigureDto {
                    label: f.label,
                    value: f.value,
                    unit: f.unit,
                })
                .collect(),
            item_id: d.item_id,
            meeting_id: d.meeting_id,
            vote_id: d.vote_id,
            proposal_id: d.proposal_id,
            decided_at: format_w3c(d.decided_at),
            decided_by: d.decided_by_name,
            rating: d.rating,
            rating_note: d.rating_note,
            tasks: d.tasks,
            tasks_done: d.tasks_done,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionList {
    pub items: Vec<DecisionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub decision_id: i64,
    pub title: String,
    /// `community`, `property`, `department` or `event`.
    pub owner_kind: String,
    pub owner: String,
    pub event_id: Option<i64>,
    pub due_at: String,
    /// `not_started`, `studying`, `started`, `half_done` or `done`.
    pub step: String,
}

impl From<Task> for TaskDto {
    fn from(t: Task) -> Self {
        TaskDto {
            id: t.id,
            decision_id: t.decision_id,
            title: t.title,
            owner_kind: t.owner_kind.as_str().into(),
            owner: t.owner_name,
            event_id: t.event_id,
            due_at: format_w3c(t.due_at),
            step: t.step.as_str().into(),
        }
    }
}

/// One step of a task's progress (the public timeline).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    pub task_id: i64,
    pub step: String,
    pub at: String,
    pub by: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDetail {
    pub decision: DecisionDto,
    pub tasks: Vec<TaskDto>,
    pub progress: Vec<ProgressDto>,
    pub may_edit: bool,
    /// Tasks the caller may move forward.
    pub may_move: Vec<i64>,
}

impl From<DecisionView> for DecisionDetail {
    fn from(v: DecisionView) -> Self {
        DecisionDetail {
            decision: v.decision.into(),
            tasks: v.tasks.into_iter().map(Into::into).collect(),
            progress: v
                .progress
                .into_iter()
                .map(|p| ProgressDto {
                    task_id: p.task_id,
                    step: p.step.as_str().into(),
                    at: format_w3c(p.at),
                    by: p.by_name,
                    note: p.note,
                })
                .collect(),
            may_edit: v.may_edit,
            may_move: v.may_move,
        }
    }
}

/// A task of a decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TaskBody {
    pub title: String,
    /// `community`, `property` (with `owner_name`), `department` (with `department_code`) or
    /// `event` (with `event_id`).
    pub owner_kind: String,
    pub owner_name: Option<String>,
    pub department_code: Option<String>,
    pub event_id: Option<i64>,
    /// RFC 3339.
    pub due_at: String,
}

/// Move a task forward: `studying`, `started`, `half_done` or `done` (forward only).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProgressBody {
    pub step: String,
    pub note: Option<String>,
}

/// An evaluation meeting's rating of how a decision was carried out.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EvaluationBody {
    pub meeting_id: i64,
    /// 1–5.
    pub rating: i64,
    pub note: Option<String>,
}

/// Record a decision (staff of the place); a second decision on one agenda item → 409.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "participation", request_body = DecisionBody,
    responses((status = 201, body = DecisionDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_decision(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DecisionDto>)> {
    let b = body(b)?;
    let d = s
        .app
        .participation()
        .decide(
            &c.actor,
            &DecisionInput {
                item_id: b.item_id,
                vote_id: b.vote_id,
                title: b.title,
                body: b.body,
                figures: b
                    .figures
                    .into_iter()
                    .map(|f| Figure {
                        label: f.label,
                        value: f.value,
                        unit: f.unit,
                    })
                    .collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The decisions the caller may see, latest first.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "participation",
    responses((status = 200, body = DecisionList)))]
pub async fn list_decisions(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<DecisionList>> {
    let items = s.app.participation().decisions(&c.actor).await?;
    Ok(Json(DecisionList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A decision with its tasks and their progress.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionDetail), (status = 404, body = ErrorBody)))]
pub async fn get_decision(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        s.app
            .participation()
            .decision_view(&c.actor, id)
            .await?
            .into(),
    ))
}

/// Give a decision a task (staff of the place).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/tasks", tag = "participation",
    params(("id" = i64, Path)), request_body = TaskBody,
    responses((status = 201, body = TaskDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_task(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<TaskBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TaskDto>)> {
    let b = body(b)?;
    let t = s
        .app
        .participation()
        .add_task(
            &c.actor,
            id,
            &TaskInput {
                title: b.title,
                owner_kind: b.owner_kind,
                owner_name: b.owner_name,
                department_code: b.department_code,
                event_id: b.event_id,
                due_at: b.due_at,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Move a task forward (staff of the place, or the department it was sent to); backwards or
/// after done → 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "participation",
    params(("id" = i64, Path)), request_body = ProgressBody,
    responses((status = 200, body = TaskDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn task_progress(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ProgressBody>, JsonRejection>,
) -> ApiResult<Json<TaskDto>> {
    let b = body(b)?;
    let t = s
        .app
        .participation()
        .progress_task(&c.actor, id, &b.step, b.note.as_deref())
        .await?;
    Ok(Json(t.into()))
}

/// An evaluation meeting of the community rates how a decision was carried out.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/evaluation", tag = "participation",
    params(("id" = i64, Path)), request_body = EvaluationBody,
    responses((status = 200, body = DecisionDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evaluate_decision(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<EvaluationBody>, JsonRejection>,
) -> ApiResult<Json<DecisionDto>> {
    let b = body(b)?;
    let d = s
        .app
        .participation()
        .evaluate(
            &c.actor,
            id,
            &EvaluationInput {
                meeting_id: b.meeting_id,
                rating: b.rating,
                note: b.note,
            },
        )
        .await?;
    Ok(Json(d.into()))
}
