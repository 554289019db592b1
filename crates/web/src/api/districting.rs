//! Communities of the right size (社区规模优化) over JSON: oversized communities, the building
//! graph, plans (computed or saved), the approval steps, comments, votes, apply, and hand
//! corrections of the graph. The graph and plan bodies are the command line's formats
//! (docs/districting.md).

use super::schemas::{ApplyReport, EdgeRecorded, Graph, Oversized, PlanOutput, PlanRow, PlanView};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::districting::{self as jd, StepInput, VoteInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(oversized))
        .routes(routes!(graph))
        .routes(routes!(compute))
        .routes(routes!(list, create))
        .routes(routes!(plan))
        .routes(routes!(step))
        .routes(routes!(comment))
        .routes(routes!(vote))
        .routes(routes!(apply))
        .routes(routes!(edge))
}

fn json<T>(r: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    Ok(r?.0)
}

fn q<T>(r: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    Ok(r?.0)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CapQuery {
    /// Households above which a community is listed (default 3000).
    pub cap: Option<u32>,
}

/// Communities in the caller's scope above the cap, largest first.
#[utoipa::path(get, path = "/api/v1/districting/oversized", tag = "districting", params(CapQuery),
    responses((status = 200, description = "Oversized communities, largest first", body = Vec<Oversized>), (status = 403, body = ErrorBody)))]
pub async fn oversized(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    p: Result<Query<CapQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Oversized>>> {
    let p = q(p)?;
    let items = s.app.districting().scan(&c.actor, p.cap).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// Code of a community, a street or above.
    pub scope: String,
    /// `split` (default) or `street`.
    pub mode: Option<String>,
    /// Seed of the optimiser (default 1).
    pub seed: Option<u64>,
}

/// The building graph of a place: `{"cap","min","nodes":[…],"edges":[[id,id],…]}`.
#[utoipa::path(get, path = "/api/v1/districting/graph", tag = "districting", params(ScopeQuery),
    responses((status = 200, description = "The graph (as `jingzhi redistrict export-graph` writes it)", body = Graph), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn graph(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    p: Result<Query<ScopeQuery>, QueryRejection>,
) -> ApiResult<Json<Graph>> {
    let p = q(p)?;
    Ok(Json(
        s.app
            .districting()
            .export_graph(&c.actor, &p.scope)
            .await?
            .into(),
    ))
}

/// Compute a plan for a place (nothing is saved): `{"parts","metrics","infeasible","before"}`.
#[utoipa::path(get, path = "/api/v1/districting/plan", tag = "districting", params(ScopeQuery),
    responses((status = 200, description = "The plan (as `jingzhi redistrict plan` writes it)", body = PlanOutput), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compute(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    p: Result<Query<ScopeQuery>, QueryRejection>,
) -> ApiResult<Json<PlanOutput>> {
    let p = q(p)?;
    let mode = jd::parse_mode(p.mode.as_deref().unwrap_or(""))?;
    Ok(Json(
        s.app
            .districting()
            .plan(&c.actor, &p.scope, mode, p.seed.unwrap_or(1))
            .await?
            .into(),
    ))
}

/// Saved plans in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/districting/plans", tag = "districting",
    responses((status = 200, description = "Plans", body = Vec<PlanRow>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<Vec<PlanRow>>> {
    let items = s.app.districting().plans(&c.actor).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanCreate {
    pub scope: String,
    /// `split` (default) or `street`.
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub seed: Option<u64>,
}

/// Compute a plan and save it as a draft (公众参与 opens).
#[utoipa::path(post, path = "/api/v1/districting/plans", tag = "districting", request_body = PlanCreate,
    responses((status = 201, description = "The saved plan", body = PlanRow), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "The place is unknown or outside the caller's scope"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<PlanCreate>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<PlanRow>)> {
    let b = json(b)?;
    let mode = jd::parse_mode(&b.mode)?;
    let p = s
        .app
        .districting()
        .create_plan(&c.actor, &b.scope, mode, b.seed.unwrap_or(1))
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// A saved plan with its approval steps, comments, votes and (once applied) the moves.
#[utoipa::path(get, path = "/api/v1/districting/plans/{id}", tag = "districting", params(("id" = i64, Path)),
    responses((status = 200, description = "The plan", body = PlanView), (status = 404, body = ErrorBody)))]
pub async fn plan(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
) -> ApiResult<Json<PlanView>> {
    Ok(Json(
        s.app.districting().plan_view(&c.actor, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StepBody {
    /// public_participation, expert_review, hearing, risk_assessment, legality_review, meeting_decision.
    pub step: String,
    pub record: String,
    #[serde(default)]
    pub documents: Vec<String>,
}

/// Record the next approval step (in order; the meeting needs every department's vote).
#[utoipa::path(post, path = "/api/v1/districting/plans/{id}/steps", tag = "districting", params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, description = "The plan", body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<StepBody>, JsonRejection>,
) -> ApiResult<Json<PlanView>> {
    let b = json(b)?;
    let input = StepInput {
        step: b.step,
        record: b.record,
        documents: b.documents,
    };
    Ok(Json(
        s.app
            .districting()
            .record_step(&c.actor, id, &input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentBody {
    pub body: String,
}

/// A comment during 公众参与.
#[utoipa::path(post, path = "/api/v1/districting/plans/{id}/comments", tag = "districting", params(("id" = i64, Path)), request_body = CommentBody,
    responses((status = 204, description = "Recorded"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<CommentBody>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let b = json(b)?;
    s.app.districting().comment(&c.actor, id, &b.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VoteBody {
    pub department: String,
    /// `agree` or `object`.
    pub vote: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A department's vote at 会议研究.
#[utoipa::path(post, path = "/api/v1/districting/plans/{id}/votes", tag = "districting", params(("id" = i64, Path)), request_body = VoteBody,
    responses((status = 204, description = "Recorded"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn vote(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
    b: Result<Json<VoteBody>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let b = json(b)?;
    s.app
        .districting()
        .vote(
            &c.actor,
            id,
            &VoteInput {
                department: b.department,
                vote: b.vote,
                note: b.note,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Apply an approved plan to the register.
#[utoipa::path(post, path = "/api/v1/districting/plans/{id}/apply", tag = "districting", params(("id" = i64, Path)),
    responses((status = 200, description = "What was created and moved", body = ApplyReport), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::Id(id): super::Id,
) -> ApiResult<Json<ApplyReport>> {
    Ok(Json(s.app.districting().apply(&c.actor, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EdgeBody {
    /// Building codes.
    pub a: String,
    pub b: String,
    /// `add` or `remove`.
    pub op: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Add or remove an edge of the building graph by hand.
#[utoipa::path(post, path = "/api/v1/districting/edges", tag = "districting", request_body = EdgeBody,
    responses((status = 201, description = "Recorded", body = EdgeRecorded), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edge(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<EdgeBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<EdgeRecorded>)> {
    let b = json(b)?;
    let id = s
        .app
        .districting()
        .edge_override(&c.actor, &b.a, &b.b, &b.op, b.note.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(EdgeRecorded { id })))
}
