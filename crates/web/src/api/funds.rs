//! Community funds in the API (docs/funds.md): funds, their ledger entries, approval by a second
//! person, reversals, vouchers. Amounts are integers in fen.

use crate::api::{body, query, Id};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use jingzhi_app::funds::{EntryInput, Fund, FundEntry, FundInput, FundView};
use jingzhi_domain::time_fmt::format_w3c as format_rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_fund, list_funds))
        .routes(routes!(get_fund))
        .routes(routes!(record_entry))
        .routes(routes!(get_entry, amend_entry))
        .routes(routes!(approve_entry))
        .routes(routes!(reject_entry))
        .routes(routes!(reverse_entry))
        .routes(routes!(put_voucher, get_voucher))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FundBody {
    /// The community it belongs to, in the caller's scope.
    pub node_id: i64,
    pub name: String,
    /// `shared` (共享基金) or `community` (社区基金).
    pub kind: String,
    /// A spending or transfer above this (fen) needs a decision; default 500000 (5,000 yuan).
    pub threshold_fen: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub name: String,
    pub kind: String,
    pub threshold_fen: i64,
    pub balance_fen: i64,
    /// The public page (no login).
    pub public_url: String,
    pub created_at: String,
}

impl From<Fund> for FundDto {
    fn from(f: Fund) -> Self {
        FundDto {
            public_url: format!("/public/funds/{}", f.id),
            id: f.id,
            node_id: f.node_id,
            node_name: f.node_name,
            name: f.name,
            kind: f.kind.as_str().into(),
            threshold_fen: f.threshold_fen,
            balance_fen: f.balance_fen,
            created_at: format_rfc3339(f.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundList {
    pub items: Vec<FundDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    pub fund_id: i64,
    /// `income`, `spending`, `transfer` or `reversal`.
    pub kind: String,
    /// A code of the category registry (docs/funds.md).
    pub category: String,
    pub amount_fen: i64,
    pub counter_fund_id: Option<i64>,
    pub purpose: String,
    pub voucher_no: String,
    pub occurred_on: String,
    pub household_id: Option<i64>,
    pub decision_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub related_id: Option<i64>,
    /// `pending`, `posted` or `rejected`.
    pub state: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub has_voucher: bool,
    pub reversed_by: Option<i64>,
}

impl From<FundEntry> for EntryDto {
    fn from(e: FundEntry) -> Self {
        EntryDto {
            id: e.id,
            fund_id: e.fund_id,
            kind: e.kind.as_str().into(),
            category: e.category,
            amount_fen: e.amount_fen,
            counter_fund_id: e.counter_fund_id,
            purpose: e.purpose,
            voucher_no: e.voucher_no,
            occurred_on: e.occurred_on,
            household_id: e.household_id,
            decision_id: e.decision_id,
            reverses_id: e.reverses_id,
            related_id: e.related_id,
            state: e.state.as_str().into(),
            recorded_by: e.recorded_by_name,
            recorded_at: format_rfc3339(e.recorded_at),
            decided_by: e.decided_by_name,
            decided_at: e.decided_at.map(format_rfc3339),
            reject_reason: e.reject_reason,
            has_voucher: e.has_voucher,
            reversed_by: e.reversed_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthDto {
    /// yyyy-mm
    pub month: String,
    pub income_fen: i64,
    pub spending_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundDetail {
    pub fund: FundDto,
    /// Waiting for a second person (staff only).
    pub pending: Vec<EntryDto>,
    /// Settled entries of the page asked for, newest first.
    pub entries: Vec<EntryDto>,
    pub total: i64,
    pub monthly: Vec<MonthDto>,
}

impl From<FundView> for FundDetail {
    fn from(v: FundView) -> Self {
        FundDetail {
            fund: v.fund.into(),
            pending: v.pending.into_iter().map(Into::into).collect(),
            entries: v.entries.into_iter().map(Into::into).collect(),
            total: v.total,
            monthly: v
                .monthly
                .into_iter()
                .map(|(month, i, o)| MonthDto {
                    month,
                    income_fen: i,
                    spending_fen: o,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1, 2, … (50 entries a page)
    pub page: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryBody {
    /// `income`, `spending` or `transfer` (a reversal is made on the entry it corrects).
    pub kind: String,
    /// A code of the category registry for that kind.
    pub category: String,
    pub amount_fen: i64,
    /// Transfers: the fund that receives.
    pub counter_fund_id: Option<i64>,
    pub purpose: String,
    pub voucher_no: String,
    /// yyyy-mm-dd; default today.
    pub occurred_on: Option<String>,
    /// A fee subsidy's household.
    pub household_id: Option<i64>,
    /// The council or meeting decision behind a spending above the threshold.
    pub decision_id: Option<i64>,
    /// A refund: the spending it returns.
    pub related_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendBody {
    pub amount_fen: i64,
    pub purpose: String,
    pub voucher_no: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonBody {
    pub reason: String,
}

/// Open a fund for a community (its managers).
#[utoipa::path(post, path = "/api/v1/funds", tag = "funds", request_body = FundBody,
    responses((status = 201, body = FundDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_fund(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<FundBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<FundDto>)> {
    let b = body(b)?;
    let f = s
        .app
        .funds()
        .create(
            &c.actor,
            &FundInput {
                node_id: b.node_id,
                name: b.name,
                kind: b.kind,
                threshold_fen: b.threshold_fen,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// The funds of the caller's places (a resident: their community's), with balances.
#[utoipa::path(get, path = "/api/v1/funds", tag = "funds",
    responses((status = 200, body = FundList)))]
pub async fn list_funds(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<FundList>> {
    let items = s.app.funds().list(&c.actor).await?;
    Ok(Json(FundList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A fund: balance, income and spending by month, its entries (residents: posted ones).
#[utoipa::path(get, path = "/api/v1/funds/{id}", tag = "funds",
    params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = FundDetail), (status = 404, body = ErrorBody)))]
pub async fn get_fund(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<FundDetail>> {
    let q = query(q)?;
    let page = q.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(ApiError::invalid("page", "1 to 100000"));
    }
    Ok(Json(s.app.funds().view(&c.actor, id, page).await?.into()))
}

/// Record an entry: an income posts at once; a spending or transfer waits for a second person.
#[utoipa::path(post, path = "/api/v1/funds/{id}/entries", tag = "funds",
    params(("id" = i64, Path)), request_body = EntryBody,
    responses((status = 201, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<EntryBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let b = body(b)?;
    let e = s
        .app
        .funds()
        .record(
            &c.actor,
            id,
            &EntryInput {
                kind: b.kind,
                category: b.category,
                amount_fen: b.amount_fen,
                counter_fund_id: b.counter_fund_id,
                purpose: b.purpose,
                voucher_no: b.voucher_no,
                occurred_on: b.occurred_on.unwrap_or_default(),
                household_id: b.household_id,
                decision_id: b.decision_id,
                related_id: b.related_id,
                voucher: None,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// An entry (staff of its place).
#[utoipa::path(get, path = "/api/v1/fund-entries/{id}", tag = "funds",
    params(("id" = i64, Path)),
    responses((status = 200, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<EntryDto>> {
    Ok(Json(s.app.funds().entry(&c.actor, id).await?.into()))
}

/// Change a pending entry (its recorder). A posted entry never changes: 409 (reverse it).
#[utoipa::path(patch, path = "/api/v1/fund-entries/{id}", tag = "funds",
    params(("id" = i64, Path)), request_body = AmendBody,
    responses((status = 200, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn amend_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AmendBody>, JsonRejection>,
) -> ApiResult<Json<EntryDto>> {
    let b = body(b)?;
    let e = s
        .app
        .funds()
        .amend(&c.actor, id, b.amount_fen, &b.purpose, &b.voucher_no)
        .await?;
    Ok(Json(e.into()))
}

/// Approve a pending entry: it posts. Not by its recorder (422 `approver`); a spending above the
/// balance is 409.
#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/approve", tag = "funds",
    params(("id" = i64, Path)),
    responses((status = 200, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn approve_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<EntryDto>> {
    Ok(Json(s.app.funds().approve(&c.actor, id).await?.into()))
}

/// Refuse a pending entry, with the reason.
#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/reject", tag = "funds",
    params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 200, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn reject_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> ApiResult<Json<EntryDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app.funds().reject(&c.actor, id, &b.reason).await?.into(),
    ))
}

/// Correct a posted entry: a reversal entry, pending a second person's approval.
#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/reversal", tag = "funds",
    params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 201, body = EntryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn reverse_entry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let b = body(b)?;
    let r = s.app.funds().reverse(&c.actor, id, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Attach the voucher's scan, once: the request body is the image (JPEG, PNG or WebP).
#[utoipa::path(put, path = "/api/v1/fund-entries/{id}/voucher", tag = "funds",
    params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_voucher(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    bytes: Bytes,
) -> ApiResult<StatusCode> {
    s.app.funds().put_voucher(&c.actor, id, &bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The voucher's scan.
#[utoipa::path(get, path = "/api/v1/fund-entries/{id}/voucher", tag = "funds",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_voucher(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Response> {
    let (ct, data) = s.app.funds().voucher(&c.actor, id).await?;
    Ok(crate::shared::stored_image(ct, data))
}
