//! Residents: list and search, detail, create, update, audited unmask.

use super::dto::{
    ResidentCreate, ResidentDetail, ResidentDto, ResidentFields, ResidentPage, UnmaskRequest,
    UnmaskResponse,
};
use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::registry::ResidentQueryText;
use jingzhi_app::AppError;
use jingzhi_domain::registry::ResidentFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(unmask))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// Name prefix, address prefix, a whole ID-card or phone number, or a masked ID as shown.
    pub q: Option<String>,
    /// `party_member volunteer elderly_alone disabled low_income child_in_difficulty family_doctor_key`
    pub tag: Option<String>,
    /// `male female` (or 男/女)
    pub gender: Option<String>,
    /// `permanent floating` (or 常住/流动)
    pub residence: Option<String>,
    /// Narrow to the subtree of this node (in scope).
    pub under: Option<i64>,
    /// 1-based, default 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// 1–200, default 20.
    pub per_page: Option<i64>,
}

impl ResidentQuery {
    /// The store's filter, with every enumeration checked (422 naming the parameter): the one
    /// parse the residents page uses too ([`ResidentQueryText::parse`]).
    pub fn filter(&self) -> Result<ResidentFilter, AppError> {
        let (filter, errs) = ResidentQueryText {
            q: self.q.as_deref(),
            tag: self.tag.as_deref(),
            gender: self.gender.as_deref(),
            residence: self.residence.as_deref(),
        }
        .parse();
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        Ok(filter)
    }
}

/// Residents in the caller's scope, filtered or searched, one page at a time (masked).
#[utoipa::path(get, path = "/api/v1/residents", tag = "residents", params(ResidentQuery),
    responses((status = 200, body = ResidentPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ResidentQuery>, QueryRejection>,
) -> ApiResult<Json<ResidentPage>> {
    let q = query(q)?;
    let page = s
        .app
        .registry()
        .list_residents(
            &c.actor,
            q.filter()?,
            q.under,
            super::page(q.page)?,
            q.per_page.unwrap_or(20),
        )
        .await?;
    Ok(Json(page.into()))
}

/// A resident (masked), with the household and the places above.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "residents", params(("id" = i64, Path)),
    responses((status = 200, body = ResidentDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ResidentDetail>> {
    Ok(Json(
        s.app.registry().resident_view(&c.actor, id).await?.into(),
    ))
}

/// A new resident in a household in scope.
#[utoipa::path(post, path = "/api/v1/residents", tag = "residents", request_body = ResidentCreate,
    responses((status = 201, body = ResidentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ResidentCreate>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ResidentDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .registry()
        .create_resident(&c.actor, b.household_id, &b.fields.into())
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Replace a resident's fields.
#[utoipa::path(put, path = "/api/v1/residents/{id}", tag = "residents", params(("id" = i64, Path)),
    request_body = ResidentFields,
    responses((status = 200, body = ResidentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ResidentFields>, JsonRejection>,
) -> ApiResult<Json<ResidentDto>> {
    Ok(Json(
        s.app
            .registry()
            .update_resident(&c.actor, id, &body(b)?.into())
            .await?
            .into(),
    ))
}

/// The plain ID-card and phone numbers, for a stated reason. Every call is audited.
#[utoipa::path(post, path = "/api/v1/residents/{id}/unmask", tag = "residents", params(("id" = i64, Path)),
    request_body = UnmaskRequest,
    responses((status = 200, body = UnmaskResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn unmask(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<UnmaskRequest>, JsonRejection>,
) -> ApiResult<Json<UnmaskResponse>> {
    let u = s
        .app
        .registry()
        .unmask_resident(&c.actor, id, &body(b)?.reason)
        .await?;
    Ok(Json(UnmaskResponse {
        id_number: u.id_number,
        phone: u.phone,
    }))
}
