//! Care records, the yellow/orange/red warning and assistance cases in the API (docs/care.md).
//! Every read of a record, a monitored household or a case is audited; a read refused to a role
//! without the right answers 403 and is audited too.

use crate::api::{body, query, Id};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::care::RecordFilter;
use jingzhi_app::care::{
    CaseView, HouseholdView, Line, Recompute, Record, RecordInput, Referral, Rules,
};
use jingzhi_domain::care::{CareKind, CaseState, Colour, Detail, RuleSet};
use jingzhi_domain::time_fmt::format_w3c;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_records, open_record))
        .routes(routes!(get_record, update_record))
        .routes(routes!(close_record))
        .routes(routes!(my_visits))
        .routes(routes!(candidates))
        .routes(routes!(get_household))
        .routes(routes!(set_facts))
        .routes(routes!(add_hardship))
        .routes(routes!(get_rules, save_rules))
        .routes(routes!(recompute))
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(assess))
        .routes(routes!(add_help))
        .routes(routes!(refer))
        .routes(routes!(close_case))
        .routes(routes!(list_referrals))
        .routes(routes!(answer_referral))
        .routes(routes!(overview))
}

fn colour(c: Option<Colour>) -> Option<String> {
    c.map(|c| c.as_str().to_string())
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRecordDto {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub household_id: i64,
    pub address: String,
    /// elderly | disabled | child | low_income
    pub kind: String,
    pub worker_user_id: Option<i64>,
    pub worker_name: Option<String>,
    pub visit_every_days: i64,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub last_visit_at: Option<String>,
    pub visit_due_at: String,
    /// The household's warning: yellow | orange | red, or absent.
    pub colour: Option<String>,
}

impl From<Record> for CareRecordDto {
    fn from(r: Record) -> Self {
        CareRecordDto {
            visit_due_at: format_w3c(r.visit_due()),
            id: r.id,
            resident_id: r.resident_id,
            resident_name: r.resident_name,
            household_id: r.household_id,
            address: r.address,
            kind: r.kind.as_str().into(),
            worker_user_id: r.worker_user_id,
            worker_name: r.worker_name,
            visit_every_days: r.visit_every_days,
            opened_at: format_w3c(r.opened_at),
            closed_at: r.closed_at.map(format_w3c),
            last_visit_at: r.last_visit_at.map(format_w3c),
            colour: colour(r.colour),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRecordList {
    pub items: Vec<CareRecordDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRecordDetail {
    pub record: CareRecordDto,
    /// What the kind holds and the care plan (sealed at rest): age_band, living_alone,
    /// care_needs, home_care, disability_type, disability_grade, guardianship, assessment,
    /// low_income, plan.
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CareRecordsQuery {
    /// elderly | disabled | child | low_income
    pub kind: Option<String>,
    /// Only records whose visit is overdue now.
    pub overdue: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareRecordBody {
    /// A resident of the caller's scope.
    pub resident_id: i64,
    /// elderly | disabled | child | low_income
    pub kind: String,
    /// See [`CareRecordDetail::detail`].
    #[schema(value_type = Object)]
    pub detail: Option<Value>,
    /// A community worker, grid worker or steward of the scope.
    pub worker_user_id: Option<i64>,
    /// 7, 14, 30, 60 or 90; the kind's default when absent.
    pub visit_every_days: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareRecordUpdateBody {
    #[schema(value_type = Object)]
    pub detail: Value,
    pub worker_user_id: Option<i64>,
    pub visit_every_days: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareReasonBody {
    pub reason: String,
}

fn detail_of(v: Option<Value>) -> ApiResult<Detail> {
    match v {
        None | Some(Value::Null) => Ok(Detail::default()),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| ApiError::invalid("detail", format!("档案内容有误：{e}"))),
    }
}

fn detail_json(d: &Detail) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

/// Care records of the caller's scope, the most overdue visit first (managers and grid workers;
/// audited).
#[utoipa::path(get, path = "/api/v1/care/records", tag = "care", params(CareRecordsQuery),
    responses((status = 200, body = CareRecordList), (status = 403, body = ErrorBody)))]
pub async fn list_records(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<CareRecordsQuery>, QueryRejection>,
) -> ApiResult<Json<CareRecordList>> {
    let q = query(q)?;
    let kind =
        match q.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(CareKind::parse(k).ok_or_else(|| {
                ApiError::invalid("kind", "elderly, disabled, child or low_income")
            })?),
        };
    let f = RecordFilter {
        kind,
        due_before: q
            .overdue
            .unwrap_or(false)
            .then(jingzhi_domain::time_fmt::now_ms),
        ..Default::default()
    };
    let rows = s.app.care().records(&c.actor, &f).await?;
    Ok(Json(CareRecordList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Open a care record for a resident the register tags (managers and grid workers).
#[utoipa::path(post, path = "/api/v1/care/records", tag = "care", request_body = CareRecordBody,
    responses((status = 201, body = CareRecordDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn open_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<CareRecordBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CareRecordDto>)> {
    let b = body(b)?;
    let r = s
        .app
        .care()
        .open_record(
            &c.actor,
            &RecordInput {
                resident_id: b.resident_id,
                kind: b.kind,
                detail: detail_of(b.detail)?,
                worker_user_id: b.worker_user_id,
                visit_every_days: b.visit_every_days,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// A care record with its detail and plan (audited).
#[utoipa::path(get, path = "/api/v1/care/records/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = CareRecordDetail), (status = 403, body = ErrorBody)))]
pub async fn get_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<CareRecordDetail>> {
    let (r, d) = s.app.care().record(&c.actor, id).await?;
    Ok(Json(CareRecordDetail {
        record: r.into(),
        detail: detail_json(&d),
    }))
}

/// Change a record's detail, plan, responsible worker or visit frequency.
#[utoipa::path(post, path = "/api/v1/care/records/{id}", tag = "care", params(("id" = i64, Path)),
    request_body = CareRecordUpdateBody,
    responses((status = 200, body = CareRecordDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn update_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareRecordUpdateBody>, JsonRejection>,
) -> ApiResult<Json<CareRecordDto>> {
    let b = body(b)?;
    let d = detail_of(Some(b.detail))?;
    let r = s
        .app
        .care()
        .update_record(&c.actor, id, &d, b.worker_user_id, b.visit_every_days)
        .await?;
    Ok(Json(r.into()))
}

/// End a record (moved away, need gone), with the reason.
#[utoipa::path(post, path = "/api/v1/care/records/{id}/close", tag = "care",
    params(("id" = i64, Path)), request_body = CareReasonBody,
    responses((status = 200, body = CareRecordDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn close_record(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareReasonBody>, JsonRejection>,
) -> ApiResult<Json<CareRecordDto>> {
    let b = body(b)?;
    let r = s.app.care().close_record(&c.actor, id, &b.reason).await?;
    Ok(Json(r.into()))
}

/// The people the caller is to visit (their post's buildings; the records they are responsible
/// for), the most overdue first. Stewards see these without the sensitive detail.
#[utoipa::path(get, path = "/api/v1/care/visits", tag = "care",
    responses((status = 200, body = CareRecordList), (status = 403, body = ErrorBody)))]
pub async fn my_visits(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareRecordList>> {
    let rows = s.app.care().my_visits(&c.actor).await?;
    Ok(Json(CareRecordList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareCandidateDto {
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    /// The kinds of record the resident is tagged for and has none of yet.
    pub kinds: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareCandidateList {
    pub items: Vec<CareCandidateDto>,
}

/// Residents of the scope the register tags for care, with the kinds they have no record of.
#[utoipa::path(get, path = "/api/v1/care/candidates", tag = "care",
    responses((status = 200, body = CareCandidateList), (status = 403, body = ErrorBody)))]
pub async fn candidates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareCandidateList>> {
    let rows = s.app.care().candidates(&c.actor).await?;
    Ok(Json(CareCandidateList {
        items: rows
            .into_iter()
            .map(|c| CareCandidateDto {
                resident_id: c.resident_id,
                name: c.name,
                address: c.address,
                kinds: c.kinds.iter().map(|k| k.as_str().into()).collect(),
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Monitored households

#[derive(Debug, Serialize, ToSchema)]
pub struct CareHardshipDto {
    pub id: i64,
    pub kind: String,
    pub note: String,
    pub happened_at: String,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareColourChangeDto {
    pub colour: Option<String>,
    pub previous: Option<String>,
    pub rule_id: Option<String>,
    pub rule_label: Option<String>,
    pub rule_version: i64,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareHouseholdDto {
    pub household_id: i64,
    pub address: String,
    pub head_name: Option<String>,
    /// Monthly income per head, yuan (sealed at rest).
    pub income_per_head: Option<i64>,
    pub arrears_months: i64,
    pub colour: Option<String>,
    pub rule_id: Option<String>,
    pub rule_version: Option<i64>,
    pub colour_since: Option<String>,
    pub case_id: Option<i64>,
    pub records: Vec<CareRecordDto>,
    pub hardships: Vec<CareHardshipDto>,
    /// Every change of colour, newest first, with the rule that caused it.
    pub history: Vec<CareColourChangeDto>,
}

fn change_dto(c: jingzhi_app::care::ColourChange) -> CareColourChangeDto {
    CareColourChangeDto {
        colour: colour(c.colour),
        previous: colour(c.previous),
        rule_id: c.rule_id,
        rule_label: c.rule_label,
        rule_version: c.rule_version,
        at: format_w3c(c.at),
    }
}

fn household_dto(v: HouseholdView) -> CareHouseholdDto {
    let h = v.household;
    CareHouseholdDto {
        household_id: h.household_id,
        address: h.address,
        head_name: h.head_name,
        income_per_head: h.income_per_head,
        arrears_months: h.arrears_months,
        colour: colour(h.colour),
        rule_id: h.rule_id,
        rule_version: h.rule_version,
        colour_since: h.colour_since.map(format_w3c),
        case_id: h.case_id,
        records: v.records.into_iter().map(Into::into).collect(),
        hardships: v
            .hardships
            .into_iter()
            .map(|x| CareHardshipDto {
                id: x.id,
                kind: x.kind.as_str().into(),
                note: x.note,
                happened_at: format_w3c(x.happened_at),
                recorded_by: x.recorded_by_name,
            })
            .collect(),
        history: v.history.into_iter().map(change_dto).collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareFactsBody {
    /// Monthly income per head, yuan; absent or null when unknown.
    pub income_per_head: Option<i64>,
    pub arrears_months: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareHardshipBody {
    /// serious_illness | job_loss | disaster | death | accident
    pub kind: String,
    /// YYYY-MM-DD, not in the future, at most two years back.
    pub happened_on: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareColourDto {
    pub household_id: i64,
    pub colour: Option<String>,
    pub previous: Option<String>,
    pub rule_id: Option<String>,
    pub rule_label: Option<String>,
}

fn colour_dto(c: jingzhi_app::care::NewColour) -> CareColourDto {
    CareColourDto {
        household_id: c.household_id,
        colour: colour(c.colour),
        previous: colour(c.previous),
        rule_id: c.rule_id,
        rule_label: c.rule_label,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareFactsAnswer {
    /// The household's colour changed: how (absent when it did not).
    pub change: Option<CareColourDto>,
    pub household: CareHouseholdDto,
}

/// A monitored household: facts, records, sudden events, colour history, its case (audited).
#[utoipa::path(get, path = "/api/v1/care/households/{id}", tag = "care",
    params(("id" = i64, Path)),
    responses((status = 200, body = CareHouseholdDto), (status = 403, body = ErrorBody)))]
pub async fn get_household(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<CareHouseholdDto>> {
    Ok(Json(household_dto(
        s.app.care().household(&c.actor, id).await?,
    )))
}

/// Record income per head and months of arrears; the colour is recomputed at once.
#[utoipa::path(post, path = "/api/v1/care/households/{id}/facts", tag = "care",
    params(("id" = i64, Path)), request_body = CareFactsBody,
    responses((status = 200, body = CareFactsAnswer), (status = 403, body = ErrorBody)))]
pub async fn set_facts(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareFactsBody>, JsonRejection>,
) -> ApiResult<Json<CareFactsAnswer>> {
    let b = body(b)?;
    let care = s.app.care();
    let change = care
        .set_facts(&c.actor, id, b.income_per_head, b.arrears_months)
        .await?;
    Ok(Json(CareFactsAnswer {
        change: change.map(colour_dto),
        household: household_dto(care.household(&c.actor, id).await?),
    }))
}

/// Record a sudden event (serious illness, job loss, disaster, death, accident); the colour is
/// recomputed at once.
#[utoipa::path(post, path = "/api/v1/care/households/{id}/hardships", tag = "care",
    params(("id" = i64, Path)), request_body = CareHardshipBody,
    responses((status = 201, body = CareFactsAnswer), (status = 403, body = ErrorBody)))]
pub async fn add_hardship(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareHardshipBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CareFactsAnswer>)> {
    let b = body(b)?;
    let care = s.app.care();
    let change = care
        .add_hardship(
            &c.actor,
            id,
            &b.kind,
            &b.happened_on,
            b.note.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CareFactsAnswer {
            change: change.map(colour_dto),
            household: household_dto(care.household(&c.actor, id).await?),
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Rules

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRulesDto {
    /// 0: the platform's defaults, which no public text fixes (a city saves its own version).
    pub version: i64,
    /// `{dibao_line, rules: [{id, label, when, …, colour}], deadlines: {red_hours,
    /// orange_hours, yellow_hours}}`.
    #[schema(value_type = Object)]
    pub rules: Value,
    pub note: String,
    pub created_by: String,
    pub created_at: Option<String>,
}

fn rules_dto(r: Rules) -> CareRulesDto {
    CareRulesDto {
        version: r.version,
        rules: serde_json::to_value(&r.rules).unwrap_or(Value::Null),
        note: r.note,
        created_by: r.created_by_name,
        created_at: (r.created_at > 0).then(|| format_w3c(r.created_at)),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRulesAnswer {
    pub current: CareRulesDto,
    /// Saved versions, newest first.
    pub versions: Vec<CareRulesDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareRulesBody {
    /// The whole rule set (see [`CareRulesDto::rules`]).
    #[schema(value_type = Object)]
    pub rules: Value,
    /// Why this version (修订说明).
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareRecomputeDto {
    pub version: i64,
    /// Monitored households recomputed.
    pub households: usize,
    pub changed: usize,
    pub cases_opened: usize,
    pub millis: u64,
    /// The households whose colour changed (at most 2,000 listed).
    pub changes: Vec<CareColourDto>,
}

fn recompute_dto(r: Recompute) -> CareRecomputeDto {
    CareRecomputeDto {
        version: r.version,
        households: r.households,
        changed: r.changes.len(),
        cases_opened: r.cases_opened,
        millis: r.millis as u64,
        changes: r.changes.into_iter().take(2000).map(colour_dto).collect(),
    }
}

/// The warning rules in force and the saved versions.
#[utoipa::path(get, path = "/api/v1/care/rules", tag = "care",
    responses((status = 200, body = CareRulesAnswer), (status = 403, body = ErrorBody)))]
pub async fn get_rules(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareRulesAnswer>> {
    let care = s.app.care();
    let current = care.rules(&c.actor).await?;
    let versions = care.rule_versions(&c.actor).await?;
    Ok(Json(CareRulesAnswer {
        current: rules_dto(current),
        versions: versions
            .into_iter()
            .map(|v| {
                rules_dto(Rules {
                    version: v.version,
                    rules: v.rules,
                    note: v.note,
                    created_by_name: v.created_by_name,
                    created_at: v.created_at,
                })
            })
            .collect(),
    }))
}

/// Save a new version of the rules (city administrators); every monitored household of the city
/// is recomputed with it and the changes listed.
#[utoipa::path(post, path = "/api/v1/care/rules", tag = "care", request_body = CareRulesBody,
    responses((status = 201, body = CareRecomputeDto), (status = 403, body = ErrorBody)))]
pub async fn save_rules(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<CareRulesBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CareRecomputeDto>)> {
    let b = body(b)?;
    let rules: RuleSet = serde_json::from_value(b.rules)
        .map_err(|e| ApiError::invalid("rules", format!("规则格式有误：{e}")))?;
    let r = s.app.care().save_rules(&c.actor, &rules, &b.note).await?;
    Ok((StatusCode::CREATED, Json(recompute_dto(r))))
}

/// Recompute every monitored household of the caller's scope now (managers).
#[utoipa::path(post, path = "/api/v1/care/recompute", tag = "care",
    responses((status = 200, body = CareRecomputeDto), (status = 403, body = ErrorBody)))]
pub async fn recompute(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareRecomputeDto>> {
    Ok(Json(recompute_dto(s.app.care().recompute(&c.actor).await?)))
}

// ---------------------------------------------------------------------------------------------
// Cases

#[derive(Debug, Serialize, ToSchema)]
pub struct CareCaseDto {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub head_name: Option<String>,
    /// The colour the case was opened (or raised) at.
    pub colour: String,
    /// open | closed
    pub state: String,
    pub opened_at: String,
    /// The response deadline (assessment) of its colour.
    pub due_at: String,
    pub overdue: bool,
    pub assessed_at: Option<String>,
    pub escalated_at: Option<String>,
    pub closed_at: Option<String>,
    /// The household's colour now.
    pub current: Option<String>,
}

fn case_dto(k: jingzhi_app::care::Case) -> CareCaseDto {
    let now = jingzhi_domain::time_fmt::now_ms();
    CareCaseDto {
        overdue: k.state == CaseState::Open && k.assessed_at.is_none() && k.due_at < now,
        id: k.id,
        household_id: k.household_id,
        address: k.address,
        head_name: k.head_name,
        colour: k.colour.as_str().into(),
        state: k.state.as_str().into(),
        opened_at: format_w3c(k.opened_at),
        due_at: format_w3c(k.due_at),
        assessed_at: k.assessed_at.map(format_w3c),
        escalated_at: k.escalated_at.map(format_w3c),
        closed_at: k.closed_at.map(format_w3c),
        current: colour(k.current),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareCaseList {
    pub items: Vec<CareCaseDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareStepDto {
    /// assessment | help
    pub kind: String,
    pub text: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareReferralDto {
    pub id: i64,
    pub case_id: i64,
    /// The department's registry code.
    pub department: String,
    pub department_name: Option<String>,
    pub request: String,
    pub due_at: String,
    pub sent_by: String,
    pub sent_at: String,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub overdue: bool,
}

fn referral_dto(r: Referral) -> CareReferralDto {
    let now = jingzhi_domain::time_fmt::now_ms();
    CareReferralDto {
        overdue: r.answered_at.is_none() && r.due_at < now,
        id: r.id,
        case_id: r.case_id,
        department: r.department,
        department_name: r.department_name,
        request: r.request,
        due_at: format_w3c(r.due_at),
        sent_by: r.sent_by_name,
        sent_at: format_w3c(r.sent_at),
        answer: r.answer,
        answered_by: r.answered_by_name,
        answered_at: r.answered_at.map(format_w3c),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareCaseDetail {
    pub case: CareCaseDto,
    /// Staff of the place (a department sees its own referrals only).
    pub staff: bool,
    pub assessment: Option<String>,
    pub closing: Option<String>,
    pub steps: Vec<CareStepDto>,
    pub referrals: Vec<CareReferralDto>,
}

fn case_detail(v: CaseView) -> CareCaseDetail {
    CareCaseDetail {
        case: case_dto(v.case),
        staff: v.staff,
        assessment: v.assessment,
        closing: v.closing,
        steps: v
            .steps
            .into_iter()
            .map(|s| CareStepDto {
                kind: s.kind,
                text: s.text,
                by: s.by_name,
                at: format_w3c(s.at),
            })
            .collect(),
        referrals: v.referrals.into_iter().map(referral_dto).collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CareCasesQuery {
    /// open (default) | closed
    pub state: Option<String>,
    /// yellow | orange | red
    pub colour: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareTextBody {
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CareReferBody {
    /// A department's code from the registry (`GET /api/v1/departments`).
    pub department: String,
    pub request: String,
    /// 3, 7, 15 or 30.
    pub days: i64,
}

/// Assistance cases of the scope: open ones by deadline, or closed ones (audited).
#[utoipa::path(get, path = "/api/v1/care/cases", tag = "care", params(CareCasesQuery),
    responses((status = 200, body = CareCaseList), (status = 403, body = ErrorBody)))]
pub async fn list_cases(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<CareCasesQuery>, QueryRejection>,
) -> ApiResult<Json<CareCaseList>> {
    let q = query(q)?;
    let state = match q.state.as_deref().filter(|x| !x.is_empty()) {
        None => CaseState::Open,
        Some(x) => {
            CaseState::parse(x).ok_or_else(|| ApiError::invalid("state", "open or closed"))?
        }
    };
    let col = match q.colour.as_deref().filter(|x| !x.is_empty()) {
        None => None,
        Some(x) => Some(
            Colour::parse(x).ok_or_else(|| ApiError::invalid("colour", "yellow, orange or red"))?,
        ),
    };
    let rows = s.app.care().cases(&c.actor, state, col).await?;
    Ok(Json(CareCaseList {
        items: rows.into_iter().map(case_dto).collect(),
    }))
}

/// A case: staff of its place see it whole; a department sees it through its referrals.
#[utoipa::path(get, path = "/api/v1/care/cases/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = CareCaseDetail), (status = 403, body = ErrorBody)))]
pub async fn get_case(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<CareCaseDetail>> {
    Ok(Json(case_detail(s.app.care().case(&c.actor, id).await?)))
}

/// Record the assessment (入户评估), which answers the colour's response deadline.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/assessment", tag = "care",
    params(("id" = i64, Path)), request_body = CareTextBody,
    responses((status = 200, body = CareCaseDetail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn assess(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareTextBody>, JsonRejection>,
) -> ApiResult<Json<CareCaseDetail>> {
    let b = body(b)?;
    Ok(Json(case_detail(
        s.app.care().assess(&c.actor, id, &b.text).await?,
    )))
}

/// Record help given.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/help", tag = "care",
    params(("id" = i64, Path)), request_body = CareTextBody,
    responses((status = 200, body = CareCaseDetail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn add_help(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareTextBody>, JsonRejection>,
) -> ApiResult<Json<CareCaseDetail>> {
    let b = body(b)?;
    Ok(Json(case_detail(
        s.app.care().add_help(&c.actor, id, &b.text).await?,
    )))
}

/// Refer the case to a department of the registry with a deadline; its staff are told.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/referrals", tag = "care",
    params(("id" = i64, Path)), request_body = CareReferBody,
    responses((status = 201, body = CareCaseDetail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn refer(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareReferBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CareCaseDetail>)> {
    let b = body(b)?;
    let v = s
        .app
        .care()
        .refer(&c.actor, id, &b.department, &b.request, b.days)
        .await?;
    Ok((StatusCode::CREATED, Json(case_detail(v))))
}

/// Close the case (销号) once the household's warning is lifted; 409 while it is not.
#[utoipa::path(post, path = "/api/v1/care/cases/{id}/close", tag = "care",
    params(("id" = i64, Path)), request_body = CareTextBody,
    responses((status = 200, body = CareCaseDetail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn close_case(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareTextBody>, JsonRejection>,
) -> ApiResult<Json<CareCaseDetail>> {
    let b = body(b)?;
    Ok(Json(case_detail(
        s.app.care().close_case(&c.actor, id, &b.text).await?,
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareReferralList {
    pub items: Vec<CareReferralDto>,
}

/// Referrals sent to the caller's department, unanswered first (department staff).
#[utoipa::path(get, path = "/api/v1/care/referrals", tag = "care",
    responses((status = 200, body = CareReferralList), (status = 403, body = ErrorBody)))]
pub async fn list_referrals(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareReferralList>> {
    let rows = s.app.care().my_referrals(&c.actor).await?;
    Ok(Json(CareReferralList {
        items: rows.into_iter().map(referral_dto).collect(),
    }))
}

/// A department answers a referral sent to it; 409 when it was answered already.
#[utoipa::path(post, path = "/api/v1/care/referrals/{id}/answer", tag = "care",
    params(("id" = i64, Path)), request_body = CareTextBody,
    responses((status = 200, body = CareReferralDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn answer_referral(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<CareTextBody>, JsonRejection>,
) -> ApiResult<Json<CareReferralDto>> {
    let b = body(b)?;
    Ok(Json(referral_dto(
        s.app.care().answer(&c.actor, id, &b.text).await?,
    )))
}

// ---------------------------------------------------------------------------------------------
// Overview

#[derive(Debug, Serialize, ToSchema)]
pub struct CareLineDto {
    pub node_id: i64,
    pub name: String,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
    /// Monitored households (one with an open care record).
    pub monitored: i64,
    /// Open care records, and those whose visit is overdue.
    pub records: i64,
    pub overdue_visits: i64,
    /// Share of records visited in time, percent.
    pub coverage: Option<f64>,
    pub open_cases: i64,
    pub overdue_cases: i64,
}

fn line_dto(l: Line) -> CareLineDto {
    CareLineDto {
        coverage: l.coverage().map(|c| (c * 10.0).round() / 10.0),
        node_id: l.node_id,
        name: l.name,
        yellow: l.yellow,
        orange: l.orange,
        red: l.red,
        monitored: l.monitored,
        records: l.records,
        overdue_visits: l.overdue_visits,
        open_cases: l.open_cases,
        overdue_cases: l.overdue_cases,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareOverviewDto {
    pub total: CareLineDto,
    /// Each place directly under the caller's scope (districts for the city).
    pub places: Vec<CareLineDto>,
}

/// Warnings by colour, visit coverage and cases for the caller's scope and each place under it
/// (the city view).
#[utoipa::path(get, path = "/api/v1/care/overview", tag = "care",
    responses((status = 200, body = CareOverviewDto), (status = 403, body = ErrorBody)))]
pub async fn overview(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CareOverviewDto>> {
    let (total, places) = s.app.care().overview(&c.actor).await?;
    Ok(Json(CareOverviewDto {
        total: line_dto(total),
        places: places.into_iter().map(line_dto).collect(),
    }))
}
