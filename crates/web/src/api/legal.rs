//! Legal-aid cases in the API (docs/legal.md): managers and grid workers record and move them;
//! every read of a case or the list is audited; the matter and notes are sealed at rest.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::legal::{Case, CaseInput, CaseView, PlaceNumbers};
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, open))
        .routes(routes!(numbers))
        .routes(routes!(lawyers))
        .routes(routes!(one))
        .routes(routes!(step))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalCaseDto {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub household_id: i64,
    pub address: String,
    /// wages | labour | family | inheritance | neighbour | property | debt | injury | consumer | other
    pub matter: String,
    /// walk_in | phone | visit | event | hotline
    pub channel: String,
    pub lawyer_id: Option<i64>,
    pub lawyer_name: Option<String>,
    /// open | mediating | referred | closed
    pub state: String,
    /// advised | mediated | aid_granted | litigation | withdrawn | unresolved (closed cases)
    pub outcome: Option<String>,
    pub opened_at: String,
    pub closed_at: Option<String>,
}

fn dto(c: Case) -> LegalCaseDto {
    LegalCaseDto {
        id: c.id,
        resident_id: c.resident_id,
        resident_name: c.resident_name,
        household_id: c.household_id,
        address: c.address,
        matter: c.matter.as_str().into(),
        channel: c.channel.as_str().into(),
        lawyer_id: c.lawyer_id,
        lawyer_name: c.lawyer_name,
        state: c.state.as_str().into(),
        outcome: c.outcome.map(|o| o.as_str().into()),
        opened_at: format_w3c(c.opened_at),
        closed_at: c.closed_at.map(format_w3c),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalStepDto {
    pub at: String,
    pub state: String,
    pub note: String,
    pub by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalCaseDetail {
    pub case: LegalCaseDto,
    /// The matter (sealed at rest; this read is audited).
    pub summary: String,
    pub steps: Vec<LegalStepDto>,
}

fn detail(v: CaseView) -> LegalCaseDetail {
    LegalCaseDetail {
        case: dto(v.case),
        summary: v.summary,
        steps: v
            .steps
            .into_iter()
            .map(|(at, state, note, by)| LegalStepDto {
                at: format_w3c(at),
                state: state.as_str().into(),
                note,
                by,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalCaseList {
    pub items: Vec<LegalCaseDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LegalListQuery {
    /// true: cases not closed only.
    pub open: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LegalCaseBody {
    /// A resident in the caller's scope.
    pub resident_id: i64,
    pub matter: String,
    pub channel: String,
    /// A lawyer on the register of people who can be mobilised (`GET /api/v1/legal-cases/lawyers`).
    pub lawyer_id: Option<i64>,
    /// The matter in a few lines.
    pub summary: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LegalStepBody {
    /// mediating | referred | closed
    pub state: String,
    /// Required when closing.
    pub outcome: Option<String>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalLawyer {
    pub id: i64,
    pub name: String,
    pub organisation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalLawyerList {
    pub items: Vec<LegalLawyer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalCount {
    pub code: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalPlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub opened: i64,
    pub open: i64,
    pub closed: i64,
    pub by_outcome: Vec<LegalCount>,
    pub by_matter: Vec<LegalCount>,
}

fn place_dto(p: PlaceNumbers) -> LegalPlaceNumbers {
    let n = p.numbers;
    LegalPlaceNumbers {
        node_id: p.node_id,
        name: p.name,
        opened: n.opened,
        open: n.open,
        closed: n.closed,
        by_outcome: n
            .by_outcome
            .into_iter()
            .map(|(o, k)| LegalCount {
                code: o.as_str().into(),
                count: k,
            })
            .collect(),
        by_matter: n
            .by_matter
            .into_iter()
            .map(|(m, k)| LegalCount {
                code: m.as_str().into(),
                count: k,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalNumbers {
    pub place: LegalPlaceNumbers,
    pub places: Vec<LegalPlaceNumbers>,
}

/// Cases in the caller's scope, newest first (managers and grid workers; the read is audited).
#[utoipa::path(get, path = "/api/v1/legal-cases", tag = "legal", params(LegalListQuery),
    responses((status = 200, body = LegalCaseList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<LegalListQuery>, QueryRejection>,
) -> ApiResult<Json<LegalCaseList>> {
    let q = query(q)?;
    let rows = s
        .app
        .legal()
        .cases(&c.actor, q.open.unwrap_or(false))
        .await?;
    Ok(Json(LegalCaseList {
        items: rows.into_iter().map(dto).collect(),
    }))
}

/// Record a resident's legal matter.
#[utoipa::path(post, path = "/api/v1/legal-cases", tag = "legal", request_body = LegalCaseBody,
    responses((status = 201, body = LegalCaseDetail), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<LegalCaseBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<LegalCaseDetail>)> {
    let b = body(b)?;
    let v = s
        .app
        .legal()
        .open(
            &c.actor,
            &CaseInput {
                resident_id: b.resident_id,
                matter: b.matter,
                channel: b.channel,
                lawyer_id: b.lawyer_id,
                summary: b.summary,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail(v))))
}

/// This year's numbers of the caller's place and the places under it (also auditors).
#[utoipa::path(get, path = "/api/v1/legal-cases/numbers", tag = "legal",
    responses((status = 200, body = LegalNumbers), (status = 403, body = ErrorBody)))]
pub async fn numbers(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<LegalNumbers>> {
    let (place, places) = s.app.legal().numbers(&c.actor).await?;
    Ok(Json(LegalNumbers {
        place: place_dto(place),
        places: places.into_iter().map(place_dto).collect(),
    }))
}

/// The lawyers the caller may assign (on the register, serving their scope or above it).
#[utoipa::path(get, path = "/api/v1/legal-cases/lawyers", tag = "legal",
    responses((status = 200, body = LegalLawyerList), (status = 403, body = ErrorBody)))]
pub async fn lawyers(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<LegalLawyerList>> {
    let rows = s.app.legal().lawyers(&c.actor).await?;
    Ok(Json(LegalLawyerList {
        items: rows
            .into_iter()
            .map(|(id, name, organisation)| LegalLawyer {
                id,
                name,
                organisation,
            })
            .collect(),
    }))
}

/// One case with its matter and steps (audited).
#[utoipa::path(get, path = "/api/v1/legal-cases/{id}", tag = "legal", params(("id" = i64, Path)),
    responses((status = 200, body = LegalCaseDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn one(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<LegalCaseDetail>> {
    Ok(Json(detail(s.app.legal().case(&c.actor, id).await?)))
}

/// Move a case with a note (closing needs its outcome). A move the case cannot make: 409.
#[utoipa::path(post, path = "/api/v1/legal-cases/{id}/steps", tag = "legal",
    params(("id" = i64, Path)), request_body = LegalStepBody,
    responses((status = 200, body = LegalCaseDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn step(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<LegalStepBody>, JsonRejection>,
) -> ApiResult<Json<LegalCaseDetail>> {
    let b = body(b)?;
    let v = s
        .app
        .legal()
        .step(&c.actor, id, &b.state, b.outcome.as_deref(), &b.note)
        .await?;
    Ok(Json(detail(v)))
}
