//! The register of people who can be mobilised in the API (docs/forces.md): managers and grid
//! workers keep it; phones masked in lists, whole on one person (audited); the summary per place.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::forces::{ListQuery, Member, MemberInput, PlaceForces};
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(summary))
        .routes(routes!(one, update))
        .routes(routes!(remove))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForceMemberDto {
    pub id: i64,
    pub node_id: i64,
    pub place: String,
    /// party_member | dual_report | volunteer | property_staff | doctor | lawyer | police | other
    pub kind: String,
    pub name: String,
    pub resident_id: Option<i64>,
    pub organisation: String,
    /// first_aid | medical | legal | rescue | driving | electrical | plumbing | psychology |
    /// caregiving | sign_language | publicity | patrol
    pub skills: Vec<String>,
    /// anytime | weekdays | evenings | weekends | emergency_only
    pub availability: String,
    /// The first three and last four digits; the whole number on `GET /api/v1/forces/{id}`
    pub phone_mask: String,
    pub note: String,
    pub updated_at: String,
    pub removed_at: Option<String>,
    pub removed_reason: Option<String>,
}

fn dto(m: Member) -> ForceMemberDto {
    ForceMemberDto {
        id: m.id,
        node_id: m.node_id,
        place: m.place,
        kind: m.kind.as_str().into(),
        name: m.name,
        resident_id: m.resident_id,
        organisation: m.organisation,
        skills: m.skills.iter().map(|s| s.as_str().to_string()).collect(),
        availability: m.availability.as_str().into(),
        phone_mask: m.phone_mask,
        note: m.note,
        updated_at: format_w3c(m.updated_at),
        removed_at: m.removed_at.map(format_w3c),
        removed_reason: m.removed_reason,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForceMemberDetail {
    pub member: ForceMemberDto,
    /// The whole number (this read is audited).
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForceMemberList {
    pub items: Vec<ForceMemberDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ForceListQuery {
    /// A place in the caller's scope (404 outside it).
    pub node_id: Option<i64>,
    pub kind: Option<String>,
    pub skill: Option<String>,
    pub availability: Option<String>,
    /// A part of the name or organisation.
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForceMemberBody {
    /// A community or grid in the caller's scope.
    pub node_id: i64,
    pub kind: String,
    /// Required unless `resident_id` is given (the register's name is used).
    pub name: Option<String>,
    pub resident_id: Option<i64>,
    pub organisation: Option<String>,
    /// Skill codes, at most six.
    #[serde(default)]
    pub skills: Vec<String>,
    pub availability: String,
    pub phone: String,
    pub note: Option<String>,
}

fn input(b: ForceMemberBody) -> MemberInput {
    MemberInput {
        node_id: b.node_id,
        kind: b.kind,
        name: b.name.unwrap_or_default(),
        resident_id: b.resident_id,
        organisation: b.organisation.unwrap_or_default(),
        skills: b.skills,
        availability: b.availability,
        phone: b.phone,
        note: b.note.unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForceRemoveBody {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForceKindCount {
    pub kind: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForcePlace {
    pub node_id: i64,
    pub name: String,
    /// On this register, per kind.
    pub by_kind: Vec<ForceKindCount>,
    pub total: i64,
    /// Tagged as party members in the resident register.
    pub register_party_members: i64,
    /// Tagged as volunteers in the resident register.
    pub register_volunteers: i64,
    /// In-service party members reporting to its grids this month (双报到).
    pub dual_report: i64,
}

fn place_dto(p: PlaceForces) -> ForcePlace {
    ForcePlace {
        node_id: p.node_id,
        name: p.name,
        by_kind: p
            .by_kind
            .into_iter()
            .map(|(k, n)| ForceKindCount {
                kind: k.as_str().into(),
                count: n,
            })
            .collect(),
        total: p.total,
        register_party_members: p.register_party_members,
        register_volunteers: p.register_volunteers,
        dual_report: p.dual_report,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForceSummary {
    pub place: ForcePlace,
    pub places: Vec<ForcePlace>,
}

/// The register in the caller's scope (managers and grid workers), phones masked.
#[utoipa::path(get, path = "/api/v1/forces", tag = "forces", params(ForceListQuery),
    responses((status = 200, body = ForceMemberList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ForceListQuery>, QueryRejection>,
) -> ApiResult<Json<ForceMemberList>> {
    let q = query(q)?;
    let rows = s
        .app
        .forces()
        .list(
            &c.actor,
            &ListQuery {
                node_id: q.node_id,
                kind: q.kind,
                skill: q.skill,
                availability: q.availability,
                q: q.q,
            },
        )
        .await?;
    Ok(Json(ForceMemberList {
        items: rows.into_iter().map(dto).collect(),
    }))
}

/// Put someone on the register. The same phone twice in a community: 409.
#[utoipa::path(post, path = "/api/v1/forces", tag = "forces", request_body = ForceMemberBody,
    responses((status = 201, body = ForceMemberDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ForceMemberBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ForceMemberDto>)> {
    let m = s.app.forces().add(&c.actor, &input(body(b)?)).await?;
    Ok((StatusCode::CREATED, Json(dto(m))))
}

/// The numbers of the caller's place and the places under it (also auditors).
#[utoipa::path(get, path = "/api/v1/forces/summary", tag = "forces",
    responses((status = 200, body = ForceSummary), (status = 403, body = ErrorBody)))]
pub async fn summary(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<ForceSummary>> {
    let (place, places) = s.app.forces().summary(&c.actor).await?;
    Ok(Json(ForceSummary {
        place: place_dto(place),
        places: places.into_iter().map(place_dto).collect(),
    }))
}

/// One person with their whole phone number (audited).
#[utoipa::path(get, path = "/api/v1/forces/{id}", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = ForceMemberDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn one(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ForceMemberDetail>> {
    let (m, phone) = s.app.forces().view(&c.actor, id).await?;
    Ok(Json(ForceMemberDetail {
        member: dto(m),
        phone,
    }))
}

/// Edit someone on the register (every field, as when adding).
#[utoipa::path(put, path = "/api/v1/forces/{id}", tag = "forces", params(("id" = i64, Path)),
    request_body = ForceMemberBody,
    responses((status = 200, body = ForceMemberDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ForceMemberBody>, JsonRejection>,
) -> ApiResult<Json<ForceMemberDto>> {
    let m = s
        .app
        .forces()
        .update(&c.actor, id, &input(body(b)?))
        .await?;
    Ok(Json(dto(m)))
}

/// Take someone off the register, with the reason (kept).
#[utoipa::path(post, path = "/api/v1/forces/{id}/remove", tag = "forces",
    params(("id" = i64, Path)), request_body = ForceRemoveBody,
    responses((status = 200, body = ForceMemberDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ForceRemoveBody>, JsonRejection>,
) -> ApiResult<Json<ForceMemberDto>> {
    let b = body(b)?;
    let m = s.app.forces().remove(&c.actor, id, &b.reason).await?;
    Ok(Json(dto(m)))
}
