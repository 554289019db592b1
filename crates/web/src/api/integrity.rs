//! The integrity index in the API (docs/integrity.md): subjects and their scores, records with
//! evidence (base64 in the body), appeals and their review, agreements, projects, adoptions and
//! deliveries, rewards, the catalogue (`.xlsx` export and import) and its rules.

use crate::api::{body, query, Id};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use jingzhi_app::integrity as ai;
use jingzhi_domain::integrity::Rules;
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_subjects, create_subject))
        .routes(routes!(get_subject))
        .routes(routes!(create_record))
        .routes(routes!(create_agreement))
        .routes(routes!(add_operator))
        .routes(routes!(get_record))
        .routes(routes!(get_evidence))
        .routes(routes!(appeal_record))
        .routes(routes!(review_record))
        .routes(routes!(list_appeals))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project))
        .routes(routes!(adopt_project))
        .routes(routes!(report_delivery))
        .routes(routes!(confirm_delivery))
        .routes(routes!(list_rewards, create_reward))
        .routes(routes!(grant_reward))
        .routes(routes!(get_catalogue, import_catalogue))
        .routes(routes!(export_catalogue))
        .routes(routes!(set_rules))
        .routes(routes!(my_integrity))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectDto {
    pub id: i64,
    /// `merchant`, `resident`, `worker` or `platform`.
    pub kind: String,
    pub name: String,
    /// The community.
    pub node_id: i64,
    pub node_name: String,
    pub merchant_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub platform_id: Option<i64>,
    pub licence_number: Option<String>,
    pub association_name: Option<String>,
    pub score: i64,
    pub stars: u8,
}

fn subject_dto(rules: &Rules, s: ai::Subject) -> SubjectDto {
    let score = rules.base + s.points;
    SubjectDto {
        id: s.id,
        kind: s.kind.as_str().into(),
        name: s.name,
        node_id: s.node_id,
        node_name: s.node_name,
        merchant_id: s.merchant_id,
        resident_id: s.resident_id,
        platform_id: s.platform_id,
        licence_number: s.licence_number,
        association_name: s.association_name,
        score,
        stars: rules.stars_of(score),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectList {
    pub items: Vec<SubjectDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealDto {
    pub id: i64,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: String,
    /// `open`, `upheld` or `reversed`.
    pub state: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDto {
    pub id: i64,
    pub subject_id: i64,
    pub item_code: String,
    pub item_title: String,
    pub catalogue_id: i64,
    pub points: i64,
    pub occurred_on: String,
    /// The last day it counts.
    pub expires_on: String,
    pub note: String,
    pub agreement_id: Option<i64>,
    pub adoption_id: Option<i64>,
    /// `counted` or `reversed`.
    pub state: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub has_evidence: bool,
    pub appeal: Option<AppealDto>,
}

impl From<ai::Record> for RecordDto {
    fn from(r: ai::Record) -> Self {
        RecordDto {
            id: r.id,
            subject_id: r.subject_id,
            item_code: r.item_code,
            item_title: r.item_title,
            catalogue_id: r.catalogue_id,
            points: r.points,
            occurred_on: r.occurred_on,
            expires_on: r.expires_on,
            note: r.note,
            agreement_id: r.agreement_id,
            adoption_id: r.adoption_id,
            state: r.state.as_str().into(),
            recorded_by: r.recorded_by_name,
            recorded_at: format_w3c(r.recorded_at),
            has_evidence: r.evidence_type.is_some(),
            appeal: r.appeal.map(|a| AppealDto {
                id: a.id,
                reason: a.reason,
                filed_by: a.filed_by_name,
                filed_at: format_w3c(a.filed_at),
                state: a.state.as_str().into(),
                reviewed_by: a.reviewed_by_name,
                reviewed_at: a.reviewed_at.map(format_w3c),
                review_reason: a.review_reason,
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: i64,
    pub subject_id: i64,
    pub title: String,
    pub terms: String,
    pub signatories: String,
    pub starts_on: String,
    pub ends_on: String,
    pub breaches: i64,
}

impl From<ai::Agreement> for AgreementDto {
    fn from(g: ai::Agreement) -> Self {
        AgreementDto {
            id: g.id,
            subject_id: g.subject_id,
            title: g.title,
            terms: g.terms,
            signatories: g.signatories,
            starts_on: g.starts_on,
            ends_on: g.ends_on,
            breaches: g.breaches,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: i64,
    pub adoption_id: i64,
    pub delivered_on: String,
    pub note: String,
    pub reported_by: String,
    /// The record its confirmation made (none until confirmed).
    pub record_id: Option<i64>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

impl From<ai::Delivery> for DeliveryDto {
    fn from(d: ai::Delivery) -> Self {
        DeliveryDto {
            id: d.id,
            adoption_id: d.adoption_id,
            delivered_on: d.delivered_on,
            note: d.note,
            reported_by: d.reported_by_name,
            record_id: d.record_id,
            confirmed_by: d.confirmed_by_name,
            confirmed_at: d.confirmed_at.map(format_w3c),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionDto {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub adopted_at: String,
    pub deliveries: Vec<DeliveryDto>,
}

impl From<ai::Adoption> for AdoptionDto {
    fn from(a: ai::Adoption) -> Self {
        AdoptionDto {
            id: a.id,
            project_id: a.project_id,
            project_title: a.project_title,
            subject_id: a.subject_id,
            subject_name: a.subject_name,
            adopted_at: format_w3c(a.adopted_at),
            deliveries: a.deliveries.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    pub reward_id: i64,
    pub reward_title: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub granted_on: String,
    pub note: String,
}

impl From<ai::Grant> for GrantDto {
    fn from(g: ai::Grant) -> Self {
        GrantDto {
            id: g.id,
            reward_id: g.reward_id,
            reward_title: g.reward_title,
            subject_id: g.subject_id,
            subject_name: g.subject_name,
            granted_on: g.granted_on,
            note: g.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectDetail {
    pub subject: SubjectDto,
    /// What names it in the public log (a person is never named there).
    pub public_code: String,
    pub records: Vec<RecordDto>,
    pub agreements: Vec<AgreementDto>,
    pub adoptions: Vec<AdoptionDto>,
    pub grants: Vec<GrantDto>,
    /// Resident accounts that act for it (staff only).
    pub operators: Vec<String>,
}

fn detail(v: ai::SubjectView) -> SubjectDetail {
    SubjectDetail {
        subject: subject_dto(&v.rules, v.subject),
        public_code: v.code,
        records: v.records.into_iter().map(Into::into).collect(),
        agreements: v.agreements.into_iter().map(Into::into).collect(),
        adoptions: v.adoptions.into_iter().map(Into::into).collect(),
        grants: v.grants.into_iter().map(Into::into).collect(),
        operators: v.operators,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KindQuery {
    /// `merchant`, `resident`, `worker` or `platform`.
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubjectBody {
    /// `merchant` (give `merchant_id`), `resident` (`resident_id`), `worker` or `platform`
    /// (`node_id`, `name`; a worker's `phone` and `platform_id`).
    pub kind: String,
    pub merchant_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub node_id: Option<i64>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub platform_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordBody {
    /// A code of the active catalogue (`P001`, `M007` …) that applies to the subject's kind.
    pub item_code: String,
    /// yyyy-mm-dd; default today.
    pub occurred_on: Option<String>,
    pub note: Option<String>,
    /// A breach of this agreement of the subject (a minus item in its term).
    pub agreement_id: Option<i64>,
    /// The evidence the item asks for: a JPEG, PNG, WebP or PDF file, base64.
    pub evidence_base64: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgreementBody {
    pub title: String,
    pub terms: String,
    pub signatories: String,
    /// yyyy-mm-dd; default today.
    pub starts_on: Option<String>,
    pub ends_on: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OperatorBody {
    /// A verified resident account.
    pub username: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorList {
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `uphold` or `reverse`.
    pub outcome: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub title: String,
    pub description: String,
    pub schedule: String,
    pub item_code: String,
    pub item_points: i64,
}

impl From<ai::Project> for ProjectDto {
    fn from(p: ai::Project) -> Self {
        ProjectDto {
            id: p.id,
            node_id: p.node_id,
            node_name: p.node_name,
            title: p.title,
            description: p.description,
            schedule: p.schedule,
            item_code: p.item_code,
            item_points: p.item_points,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    pub project: ProjectDto,
    pub adoptions: Vec<AdoptionDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProjectBody {
    /// A community in the caller's scope.
    pub node_id: i64,
    pub title: String,
    pub description: String,
    pub schedule: String,
    /// The plus item each confirmed delivery scores.
    pub item_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdoptBody {
    pub subject_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeliveryBody {
    /// yyyy-mm-dd; default today.
    pub delivered_on: Option<String>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RewardDto {
    pub id: i64,
    pub node_id: i64,
    pub title: String,
    pub description: String,
    pub min_stars: i64,
    pub grants: Vec<GrantDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RewardList {
    pub items: Vec<RewardDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RewardBody {
    pub node_id: i64,
    pub title: String,
    pub description: String,
    /// 0–5
    pub min_stars: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantBody {
    pub subject_id: i64,
    /// yyyy-mm-dd; default today.
    pub granted_on: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RulesDto {
    pub base: i64,
    /// The lowest score of one to five stars, rising.
    pub stars: Vec<i64>,
    pub appeal_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueItemDto {
    pub code: String,
    pub theme: String,
    pub title: String,
    pub points: i64,
    pub subjects: Vec<String>,
    /// `photo`, `document`, `any` or `none`.
    pub evidence: String,
    pub valid_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueDto {
    pub id: i64,
    pub name: String,
    pub active: bool,
    /// Written for the platform as an example.
    pub example: bool,
    pub rules: RulesDto,
    pub items: Vec<CatalogueItemDto>,
    /// Every version: (id, name).
    pub versions: Vec<(i64, String)>,
}

fn rules_dto(r: Rules) -> RulesDto {
    RulesDto {
        base: r.base,
        stars: r.stars.to_vec(),
        appeal_days: r.appeal_days,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VersionQuery {
    /// A catalogue version; default the active one.
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// The new version's name.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyIntegrity {
    pub base: i64,
    /// The caller's own subject (if scored) and those they act for.
    pub subjects: Vec<SubjectDetail>,
}

fn s_or(s: Option<String>) -> String {
    s.unwrap_or_default()
}

/// Subjects of the caller's places, highest score first (staff).
#[utoipa::path(get, path = "/api/v1/integrity/subjects", tag = "integrity", params(KindQuery),
    responses((status = 200, body = SubjectList), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_subjects(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<KindQuery>, QueryRejection>,
) -> ApiResult<Json<SubjectList>> {
    let q = query(q)?;
    let (rules, list) = s
        .app
        .integrity()
        .subjects(&c.actor, q.kind.as_deref())
        .await?;
    Ok(Json(SubjectList {
        items: list.into_iter().map(|x| subject_dto(&rules, x)).collect(),
    }))
}

/// Score a merchant, resident, worker or platform of the caller's places.
#[utoipa::path(post, path = "/api/v1/integrity/subjects", tag = "integrity",
    request_body = SubjectBody,
    responses((status = 201, body = SubjectDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_subject(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<SubjectBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<SubjectDto>)> {
    let b = body(b)?;
    let x = s
        .app
        .integrity()
        .create_subject(
            &c.actor,
            &ai::SubjectInput {
                kind: b.kind,
                merchant_id: b.merchant_id,
                resident_id: b.resident_id,
                node_id: b.node_id,
                name: s_or(b.name),
                phone: s_or(b.phone),
                platform_id: b.platform_id,
            },
        )
        .await?;
    let rules = s.app.integrity().catalogue(None).await?.0.rules;
    Ok((StatusCode::CREATED, Json(subject_dto(&rules, x))))
}

/// A subject: score, stars, every record, agreements, adoptions, rewards (staff of its place,
/// or the resident who acts for it).
#[utoipa::path(get, path = "/api/v1/integrity/subjects/{id}", tag = "integrity",
    params(("id" = i64, Path)),
    responses((status = 200, body = SubjectDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_subject(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<SubjectDetail>> {
    Ok(Json(detail(s.app.integrity().subject(&c.actor, id).await?)))
}

fn evidence_bytes(b: Option<String>) -> ApiResult<Option<Vec<u8>>> {
    match b.filter(|x| !x.trim().is_empty()) {
        None => Ok(None),
        Some(x) => base64::engine::general_purpose::STANDARD
            .decode(x.trim())
            .map(Some)
            .map_err(|_| ApiError::invalid("evidence_base64", "base64")),
    }
}

/// Record an item against a subject, with the evidence it asks for: it counts at once, is
/// logged, and the subject is told.
#[utoipa::path(post, path = "/api/v1/integrity/subjects/{id}/records", tag = "integrity",
    params(("id" = i64, Path)), request_body = RecordBody,
    responses((status = 201, body = RecordDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<RecordBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RecordDto>)> {
    let b = body(b)?;
    let input = ai::RecordInput {
        item_code: b.item_code,
        occurred_on: s_or(b.occurred_on),
        note: s_or(b.note),
        agreement_id: b.agreement_id,
        evidence: evidence_bytes(b.evidence_base64)?,
    };
    let r = s.app.integrity().record(&c.actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Record an integrity agreement a subject signed.
#[utoipa::path(post, path = "/api/v1/integrity/subjects/{id}/agreements", tag = "integrity",
    params(("id" = i64, Path)), request_body = AgreementBody,
    responses((status = 201, body = AgreementDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_agreement(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AgreementBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AgreementDto>)> {
    let b = body(b)?;
    let g = s
        .app
        .integrity()
        .create_agreement(
            &c.actor,
            id,
            &ai::AgreementInput {
                title: b.title,
                terms: b.terms,
                signatories: b.signatories,
                starts_on: s_or(b.starts_on),
                ends_on: b.ends_on,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

/// Link a verified resident account to a merchant or worker: it acts for it.
#[utoipa::path(post, path = "/api/v1/integrity/subjects/{id}/operators", tag = "integrity",
    params(("id" = i64, Path)), request_body = OperatorBody,
    responses((status = 200, body = OperatorList), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_operator(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<OperatorBody>, JsonRejection>,
) -> ApiResult<Json<OperatorList>> {
    let b = body(b)?;
    let items = s
        .app
        .integrity()
        .add_operator(&c.actor, id, &b.username)
        .await?;
    Ok(Json(OperatorList { items }))
}

/// A record (staff of its place, or who acts for its subject).
#[utoipa::path(get, path = "/api/v1/integrity/records/{id}", tag = "integrity",
    params(("id" = i64, Path)),
    responses((status = 200, body = RecordDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<RecordDto>> {
    Ok(Json(
        s.app.integrity().get_record(&c.actor, id).await?.into(),
    ))
}

/// A record's evidence (photo or PDF).
#[utoipa::path(get, path = "/api/v1/integrity/records/{id}/evidence", tag = "integrity",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_evidence(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Response> {
    let (ct, data) = s.app.integrity().evidence(Some(&c.actor), id).await?;
    Ok(([(header::CONTENT_TYPE, ct)], data).into_response())
}

/// Appeal a minus record within the window (who acts for its subject, never staff: 403; once).
#[utoipa::path(post, path = "/api/v1/integrity/records/{id}/appeal", tag = "integrity",
    params(("id" = i64, Path)), request_body = AppealBody,
    responses((status = 200, body = RecordDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appeal_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AppealBody>, JsonRejection>,
) -> ApiResult<Json<RecordDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .integrity()
            .appeal(&c.actor, id, &b.reason)
            .await?
            .into(),
    ))
}

/// Decide an appeal: `uphold` or `reverse`, with reasons; not by the record's recorder.
#[utoipa::path(post, path = "/api/v1/integrity/records/{id}/review", tag = "integrity",
    params(("id" = i64, Path)), request_body = ReviewBody,
    responses((status = 200, body = RecordDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn review_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ReviewBody>, JsonRejection>,
) -> ApiResult<Json<RecordDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .integrity()
            .review(&c.actor, id, &b.outcome, &b.reason)
            .await?
            .into(),
    ))
}

/// Records of the caller's places with an open appeal (staff).
#[utoipa::path(get, path = "/api/v1/integrity/appeals", tag = "integrity",
    responses((status = 200, body = RecordList), (status = 403, body = ErrorBody)))]
pub async fn list_appeals(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<RecordList>> {
    let items = s.app.integrity().appeals(&c.actor).await?;
    Ok(Json(RecordList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Projects of the caller's places (a resident: their community's).
#[utoipa::path(get, path = "/api/v1/integrity/projects", tag = "integrity",
    responses((status = 200, body = ProjectList)))]
pub async fn list_projects(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<ProjectList>> {
    let items = s.app.integrity().projects(&c.actor).await?;
    Ok(Json(ProjectList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Publish a service project of a community (managers).
#[utoipa::path(post, path = "/api/v1/integrity/projects", tag = "integrity",
    request_body = ProjectBody,
    responses((status = 201, body = ProjectDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_project(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ProjectBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ProjectDto>)> {
    let b = body(b)?;
    let p = s
        .app
        .integrity()
        .create_project(
            &c.actor,
            &ai::ProjectInput {
                node_id: b.node_id,
                title: b.title,
                description: b.description,
                schedule: b.schedule,
                item_code: b.item_code,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// A project with its adopters and their deliveries.
#[utoipa::path(get, path = "/api/v1/integrity/projects/{id}", tag = "integrity",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProjectDetail), (status = 404, body = ErrorBody)))]
pub async fn get_project(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ProjectDetail>> {
    let v = s.app.integrity().project(&c.actor, id).await?;
    Ok(Json(ProjectDetail {
        project: v.project.into(),
        adoptions: v.adoptions.into_iter().map(Into::into).collect(),
    }))
}

/// A subject adopts the project (who acts for it, or staff of its place); once.
#[utoipa::path(post, path = "/api/v1/integrity/projects/{id}/adoptions", tag = "integrity",
    params(("id" = i64, Path)), request_body = AdoptBody,
    responses((status = 201, body = AdoptionDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn adopt_project(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<AdoptBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AdoptionDto>)> {
    let b = body(b)?;
    let a = s.app.integrity().adopt(&c.actor, id, b.subject_id).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// Report a delivery of an adopted project (the adopter, or staff).
#[utoipa::path(post, path = "/api/v1/integrity/adoptions/{id}/deliveries", tag = "integrity",
    params(("id" = i64, Path)), request_body = DeliveryBody,
    responses((status = 201, body = DeliveryDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_delivery(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<DeliveryBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DeliveryDto>)> {
    let b = body(b)?;
    let d = s
        .app
        .integrity()
        .report_delivery(&c.actor, id, &s_or(b.delivered_on), &b.note)
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Confirm a delivery (staff of the adopter's place): the project's plus item is recorded.
#[utoipa::path(post, path = "/api/v1/integrity/deliveries/{id}/confirm", tag = "integrity",
    params(("id" = i64, Path)),
    responses((status = 201, body = RecordDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm_delivery(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<(StatusCode, Json<RecordDto>)> {
    let r = s.app.integrity().confirm_delivery(&c.actor, id).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Rewards of the caller's places and who received them (staff).
#[utoipa::path(get, path = "/api/v1/integrity/rewards", tag = "integrity",
    responses((status = 200, body = RewardList), (status = 403, body = ErrorBody)))]
pub async fn list_rewards(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<RewardList>> {
    let list = s.app.integrity().rewards(&c.actor).await?;
    Ok(Json(RewardList {
        items: list
            .into_iter()
            .map(|(w, g)| RewardDto {
                id: w.id,
                node_id: w.node_id,
                title: w.title,
                description: w.description,
                min_stars: w.min_stars,
                grants: g.into_iter().map(Into::into).collect(),
            })
            .collect(),
    }))
}

/// Set up a reward of a community (managers).
#[utoipa::path(post, path = "/api/v1/integrity/rewards", tag = "integrity",
    request_body = RewardBody,
    responses((status = 201, body = RewardDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_reward(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<RewardBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RewardDto>)> {
    let b = body(b)?;
    let w = s
        .app
        .integrity()
        .create_reward(
            &c.actor,
            &ai::RewardInput {
                node_id: b.node_id,
                title: b.title,
                description: b.description,
                min_stars: b.min_stars,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RewardDto {
            id: w.id,
            node_id: w.node_id,
            title: w.title,
            description: w.description,
            min_stars: w.min_stars,
            grants: Vec::new(),
        }),
    ))
}

/// Grant a reward to a subject of its community with the stars it asks for.
#[utoipa::path(post, path = "/api/v1/integrity/rewards/{id}/grants", tag = "integrity",
    params(("id" = i64, Path)), request_body = GrantBody,
    responses((status = 201, body = GrantDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant_reward(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<GrantBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<GrantDto>)> {
    let b = body(b)?;
    let g = s
        .app
        .integrity()
        .grant(
            &c.actor,
            id,
            b.subject_id,
            &s_or(b.granted_on),
            &s_or(b.note),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

/// A catalogue version (the active one by default) with its items, rules and every version.
#[utoipa::path(get, path = "/api/v1/integrity/catalogue", tag = "integrity",
    params(VersionQuery),
    responses((status = 200, body = CatalogueDto), (status = 404, body = ErrorBody)))]
pub async fn get_catalogue(
    State(s): State<AppState>,
    ApiCaller(_c): ApiCaller,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<Json<CatalogueDto>> {
    let q = query(q)?;
    let (c, items, versions) = s.app.integrity().catalogue(q.version).await?;
    Ok(Json(CatalogueDto {
        id: c.id,
        name: c.name,
        active: c.active,
        example: c.example,
        rules: rules_dto(c.rules),
        items: items
            .into_iter()
            .map(|i| CatalogueItemDto {
                subjects: i
                    .item
                    .subjects
                    .iter()
                    .map(|k| k.as_str().to_string())
                    .collect(),
                evidence: i.item.evidence.as_str().into(),
                code: i.item.code,
                theme: i.item.theme,
                title: i.item.title,
                points: i.item.points,
                valid_days: i.item.valid_days,
            })
            .collect(),
        versions: versions.into_iter().map(|v| (v.id, v.name)).collect(),
    }))
}

/// Import a new catalogue version from `.xlsx` (the request body; the city admin): it becomes
/// the active one.
#[utoipa::path(put, path = "/api/v1/integrity/catalogue", tag = "integrity",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The .xlsx workbook (the export's columns)"),
    responses((status = 200, body = CatalogueDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn import_catalogue(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ImportQuery>, QueryRejection>,
    bytes: Bytes,
) -> ApiResult<Json<CatalogueDto>> {
    let q = query(q)?;
    let v = s
        .app
        .integrity()
        .import_catalogue(&c.actor, &q.name, &bytes)
        .await?;
    get_catalogue(
        State(s),
        ApiCaller(c),
        Ok(Query(VersionQuery {
            version: Some(v.id),
        })),
    )
    .await
}

/// A catalogue version as `.xlsx` (the import's format).
#[utoipa::path(get, path = "/api/v1/integrity/catalogue/export", tag = "integrity",
    params(VersionQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn export_catalogue(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let bytes = s
        .app
        .integrity()
        .export_catalogue(&c.actor, q.version)
        .await?;
    Ok((
        [(header::CONTENT_TYPE, jingzhi_app::import::XLSX_CONTENT_TYPE)],
        bytes,
    )
        .into_response())
}

/// Set the base score, star thresholds and appeal window (the city admin).
#[utoipa::path(put, path = "/api/v1/integrity/rules", tag = "integrity",
    request_body = RulesDto,
    responses((status = 200, body = RulesDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_rules(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<RulesDto>, JsonRejection>,
) -> ApiResult<Json<RulesDto>> {
    let b = body(b)?;
    let stars: [i64; 5] = b
        .stars
        .try_into()
        .map_err(|_| ApiError::invalid("stars", "five thresholds"))?;
    let c = s
        .app
        .integrity()
        .set_rules(
            &c.actor,
            Rules {
                base: b.base,
                stars,
                appeal_days: b.appeal_days,
            },
        )
        .await?;
    Ok(Json(rules_dto(c.rules)))
}

/// The caller's own integrity (a resident): their subject and those they act for.
#[utoipa::path(get, path = "/api/v1/integrity/mine", tag = "integrity",
    responses((status = 200, body = MyIntegrity), (status = 403, body = ErrorBody)))]
pub async fn my_integrity(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<MyIntegrity>> {
    let (rules, list) = s.app.integrity().mine(&c.actor).await?;
    Ok(Json(MyIntegrity {
        base: rules.base,
        subjects: list.into_iter().map(detail).collect(),
    }))
}
