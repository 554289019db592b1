//! Parking sharing in the API (docs/parking.md): spaces with their shared hours, rental
//! contracts, rent payments (each posts to the contract's fund). Amounts are integers in fen;
//! hours are minutes after midnight, days a list of 1 (Monday) … 7 (Sunday).

use crate::api::{body, Id};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::parking::{Contract, ContractInput, Parking, PaymentInput, Space, SpaceInput};
use jingzhi_domain::parking::Window;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_spaces, create_space))
        .routes(routes!(list_contracts, create_contract))
        .routes(routes!(pay_rent))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct WindowDto {
    /// 1 (Monday) … 7 (Sunday).
    pub days: Vec<u8>,
    /// Minutes after midnight.
    pub start: u16,
    /// Minutes after midnight; at or before `start`: overnight (equal: the whole day).
    pub end: u16,
}

impl From<Window> for WindowDto {
    fn from(w: Window) -> Self {
        WindowDto {
            days: (1..=7).filter(|n| w.days & (1 << (n - 1)) != 0).collect(),
            start: w.start,
            end: w.end,
        }
    }
}

fn window(d: WindowDto) -> ApiResult<Window> {
    let mut days = 0u8;
    for n in d.days {
        if !(1..=7).contains(&n) {
            return Err(ApiError::invalid("days", "1 to 7"));
        }
        days |= 1 << (n - 1);
    }
    Ok(Window {
        days,
        start: d.start,
        end: d.end,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub number: String,
    pub note: String,
    pub windows: Vec<WindowDto>,
}

impl From<Space> for SpaceDto {
    fn from(s: Space) -> Self {
        SpaceDto {
            id: s.id,
            node_id: s.node_id,
            node_name: s.node_name,
            number: s.number,
            note: s.note,
            windows: s.windows.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceList {
    pub items: Vec<SpaceDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SpaceBody {
    /// A compound or community in the caller's scope.
    pub node_id: i64,
    pub number: String,
    pub note: Option<String>,
    /// When it is shared; none: all the time.
    pub windows: Option<Vec<WindowDto>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodDto {
    /// The period's first day.
    pub starts_on: String,
    pub paid: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDto {
    pub id: i64,
    pub space_id: i64,
    pub space_number: String,
    pub fund_id: i64,
    /// Masked ("刘**"); the name is kept encrypted.
    pub tenant: String,
    pub phone: Option<String>,
    pub window: WindowDto,
    pub starts_on: String,
    pub ends_on: String,
    /// `year` or `month`.
    pub period: String,
    pub rent_fen: i64,
    pub periods: Vec<PeriodDto>,
}

impl From<Contract> for ContractDto {
    fn from(c: Contract) -> Self {
        let periods = Parking::periods(&c)
            .into_iter()
            .map(|(starts_on, paid)| PeriodDto { starts_on, paid })
            .collect();
        ContractDto {
            id: c.id,
            space_id: c.space_id,
            space_number: c.space_number,
            fund_id: c.fund_id,
            tenant: c.tenant_mask,
            phone: c.phone_mask,
            window: c.window.into(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            period: c.period.as_str().into(),
            rent_fen: c.rent_fen,
            periods,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractList {
    pub items: Vec<ContractDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractBody {
    pub space_id: i64,
    /// A fund of the space's community.
    pub fund_id: i64,
    pub tenant: String,
    pub phone: Option<String>,
    /// The hours let; none: the space's shared hours (all the time when it has several).
    pub window: Option<WindowDto>,
    /// yyyy-mm-dd; default today.
    pub starts_on: Option<String>,
    pub ends_on: String,
    /// `year` or `month`.
    pub period: String,
    pub rent_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentBody {
    /// The first day of the period paid for; default the first unpaid one.
    pub period_start: Option<String>,
    /// yyyy-mm-dd; default today.
    pub paid_on: Option<String>,
    /// The receipt's number.
    pub voucher_no: Option<String>,
}

/// Shared spaces of the caller's places with their hours (staff).
#[utoipa::path(get, path = "/api/v1/parking/spaces", tag = "funds",
    responses((status = 200, body = SpaceList), (status = 403, body = ErrorBody)))]
pub async fn list_spaces(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<SpaceList>> {
    let (spaces, _) = s.app.parking().overview(&c.actor).await?;
    Ok(Json(SpaceList {
        items: spaces.into_iter().map(Into::into).collect(),
    }))
}

/// Register a shared space (managers).
#[utoipa::path(post, path = "/api/v1/parking/spaces", tag = "funds", request_body = SpaceBody,
    responses((status = 201, body = SpaceDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_space(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<SpaceBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<SpaceDto>)> {
    let b = body(b)?;
    let windows = b
        .windows
        .unwrap_or_default()
        .into_iter()
        .map(window)
        .collect::<ApiResult<Vec<_>>>()?;
    let sp = s
        .app
        .parking()
        .create_space(
            &c.actor,
            &SpaceInput {
                node_id: b.node_id,
                number: b.number,
                note: b.note.unwrap_or_default(),
                windows,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(sp.into())))
}

/// Rental contracts of the caller's places, with the periods paid (staff).
#[utoipa::path(get, path = "/api/v1/parking/contracts", tag = "funds",
    responses((status = 200, body = ContractList), (status = 403, body = ErrorBody)))]
pub async fn list_contracts(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<ContractList>> {
    let (_, contracts) = s.app.parking().overview(&c.actor).await?;
    Ok(Json(ContractList {
        items: contracts.into_iter().map(Into::into).collect(),
    }))
}

/// Let a window of a space's shared hours (managers); 409 when it overlaps another contract.
#[utoipa::path(post, path = "/api/v1/parking/contracts", tag = "funds", request_body = ContractBody,
    responses((status = 201, body = ContractDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_contract(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ContractBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ContractDto>)> {
    let b = body(b)?;
    let k = s
        .app
        .parking()
        .create_contract(
            &c.actor,
            &ContractInput {
                space_id: b.space_id,
                fund_id: b.fund_id,
                tenant: b.tenant,
                phone: b.phone.unwrap_or_default(),
                window: b.window.map(window).transpose()?,
                starts_on: b.starts_on.unwrap_or_default(),
                ends_on: b.ends_on,
                period: b.period,
                rent_fen: b.rent_fen,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(k.into())))
}

/// Record a period's rent (managers): it posts to the contract's fund as a parking-rent income,
/// in the log. A period is paid once (409).
#[utoipa::path(post, path = "/api/v1/parking/contracts/{id}/payments", tag = "funds",
    params(("id" = i64, Path)), request_body = PaymentBody,
    responses((status = 201, body = ContractDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay_rent(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<PaymentBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ContractDto>)> {
    let b = body(b)?;
    let k = s
        .app
        .parking()
        .pay(
            &c.actor,
            id,
            &PaymentInput {
                period_start: b.period_start.unwrap_or_default(),
                paid_on: b.paid_on.unwrap_or_default(),
                voucher_no: b.voucher_no.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(k.into())))
}
