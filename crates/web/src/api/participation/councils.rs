//! Councils and associations in the API (docs/participation.md, "Councils and associations"):
//! street co-governance councils with a rotating chair and their matters, trade associations
//! and their merchants.

use crate::api::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::participation::councils::{
    Association, AssociationView, Council, CouncilView, Handover, Matter, Member, Merchant,
    NewAssociationInput, NewCouncilInput, NewMatterInput, NewMemberInput, NewMerchantInput,
};
use jingzhi_domain::time_fmt::format_w3c as format_rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module (merged in [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_council, list_councils))
        .routes(routes!(get_council))
        .routes(routes!(add_member))
        .routes(routes!(handover))
        .routes(routes!(raise_matter))
        .routes(routes!(settle_matter))
        .routes(routes!(create_association, list_associations))
        .routes(routes!(get_association))
        .routes(routes!(create_merchant, list_merchants))
}

// ---------------------------------------------------------------------------------------------
// Councils

/// A new street co-governance council (街区共治理事会).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CouncilBody {
    /// The place it governs (a street, usually), in the caller's scope.
    pub node_id: i64,
    pub name: String,
    /// The chair's term, 7–730 days.
    pub term_days: i64,
}

/// A council.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub name: String,
    pub term_days: i64,
    /// The member chairing now (null before the first member joins).
    pub chair_member_id: Option<i64>,
    /// When the current chair took over.
    pub chair_since: Option<String>,
    pub members: i64,
    pub matters: i64,
    pub settled: i64,
    pub created_at: String,
}

impl From<Council> for CouncilDto {
    fn from(c: Council) -> Self {
        CouncilDto {
            id: c.id,
            node_id: c.node_id,
            node_name: c.node_name,
            name: c.name,
            term_days: c.term_days,
            chair_member_id: c.chair_member_id,
            chair_since: c.chair_since.map(format_rfc3339),
            members: c.members,
            matters: c.matters,
            settled: c.settled,
            created_at: format_rfc3339(c.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilList {
    pub items: Vec<CouncilDto>,
}

/// A member organisation, in chair order.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub id: i64,
    /// 1, 2, 3 …: the chair order.
    pub position: i64,
    /// `community`, `association`, `merchant` or `property_company`.
    pub kind: String,
    pub name: String,
    pub node_id: Option<i64>,
    pub association_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub joined_at: String,
}

impl From<Member> for MemberDto {
    fn from(m: Member) -> Self {
        MemberDto {
            id: m.id,
            position: m.position,
            kind: m.kind.as_str().into(),
            name: m.name,
            node_id: m.node_id,
            association_id: m.association_id,
            merchant_id: m.merchant_id,
            joined_at: format_rfc3339(m.joined_at),
        }
    }
}

/// A handover of the chair.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverDto {
    pub id: i64,
    /// Null for the first chair.
    pub from_member_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_member_id: i64,
    pub to_name: String,
    pub at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<Handover> for HandoverDto {
    fn from(h: Handover) -> Self {
        HandoverDto {
            id: h.id,
            from_member_id: h.from_member_id,
            from_name: h.from_name,
            to_member_id: h.to_member_id,
            to_name: h.to_name,
            at: format_rfc3339(h.at),
            recorded_by: h.recorded_by_name,
        }
    }
}

/// A matter the council handles (议事事项).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterDto {
    pub id: i64,
    pub council_id: i64,
    pub title: String,
    /// `open` or `settled`.
    pub status: String,
    pub raised_at: String,
    pub raised_by: String,
    pub outcome: Option<String>,
    pub settled_at: Option<String>,
    pub settled_by: Option<String>,
}

impl From<Matter> for MatterDto {
    fn from(m: Matter) -> Self {
        MatterDto {
            id: m.id,
            council_id: m.council_id,
            title: m.title,
            status: m.status.as_str().into(),
            raised_at: format_rfc3339(m.raised_at),
            raised_by: m.raised_by_name,
            outcome: m.outcome,
            settled_at: m.settled_at.map(format_rfc3339),
            settled_by: m.settled_by_name,
        }
    }
}

/// The chair now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChairDto {
    pub current_member_id: Option<i64>,
    pub current_name: Option<String>,
    /// Whose turn is next (null with fewer than two members).
    pub next_member_id: Option<i64>,
    pub next_name: Option<String>,
    /// When the current term ends.
    pub term_ends: Option<String>,
    /// The term has ended and no handover was recorded.
    pub overdue: bool,
    pub days_overdue: i64,
}

/// A council with its members in chair order, the chair, handovers and matters (newest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilDetail {
    pub council: CouncilDto,
    pub members: Vec<MemberDto>,
    pub chair: ChairDto,
    pub handovers: Vec<HandoverDto>,
    pub matters: Vec<MatterDto>,
    /// The caller may add members, record handovers and matters.
    pub may_manage: bool,
}

impl From<CouncilView> for CouncilDetail {
    fn from(v: CouncilView) -> Self {
        CouncilDetail {
            chair: ChairDto {
                current_member_id: v.chair.current,
                current_name: v.current_name,
                next_member_id: v.chair.next,
                next_name: v.next_name,
                term_ends: v.chair.term_ends.map(format_rfc3339),
                overdue: v.chair.overdue,
                days_overdue: v.chair.days_overdue,
            },
            council: v.council.into(),
            members: v.members.into_iter().map(Into::into).collect(),
            handovers: v.handovers.into_iter().map(Into::into).collect(),
            matters: v.matters.into_iter().map(Into::into).collect(),
            may_manage: v.may_manage,
        }
    }
}

/// A member joining: a community (`node_id`), association (`association_id`) or merchant
/// (`merchant_id`) picked by id, or a property company by `name`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberBody {
    /// `community`, `association`, `merchant` or `property_company`.
    pub kind: String,
    pub node_id: Option<i64>,
    pub association_id: Option<i64>,
    pub merchant_id: Option<i64>,
    /// With `property_company`: its name.
    pub name: Option<String>,
}

/// A handover of the chair to the next member in the order.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HandoverBody {
    /// The member taking over; must be the next in the order (default: the next).
    pub to_member_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MatterBody {
    pub title: String,
    /// RFC 3339; default now; not in the future.
    pub raised_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OutcomeBody {
    /// What was settled (办理结果).
    pub outcome: String,
}

/// Set up a council over a place (managers of the place).
#[utoipa::path(post, path = "/api/v1/councils", tag = "participation", request_body = CouncilBody,
    responses((status = 201, body = CouncilDto), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_council(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<CouncilBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CouncilDto>)> {
    let b = body(b)?;
    let council = s
        .app
        .participation()
        .create_council(
            &c.actor,
            &NewCouncilInput {
                node_id: b.node_id,
                name: b.name,
                term_days: b.term_days,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(council.into())))
}

/// The councils the caller sees: of places in their scope and of the places holding it (a
/// resident: holding their home).
#[utoipa::path(get, path = "/api/v1/councils", tag = "participation",
    responses((status = 200, body = CouncilList)))]
pub async fn list_councils(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<CouncilList>> {
    let items = s.app.participation().councils(&c.actor).await?;
    Ok(Json(CouncilList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A council: members in chair order, the current chair and the next, the end of the term,
/// whether the handover is overdue, handovers and matters.
#[utoipa::path(get, path = "/api/v1/councils/{id}", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = CouncilDetail), (status = 404, body = ErrorBody)))]
pub async fn get_council(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<CouncilDetail>> {
    Ok(Json(
        s.app
            .participation()
            .council_view(&c.actor, id)
            .await?
            .into(),
    ))
}

/// A member joins at the end of the chair order (the first to join chairs first).
#[utoipa::path(post, path = "/api/v1/councils/{id}/members", tag = "participation",
    params(("id" = i64, Path)), request_body = MemberBody,
    responses((status = 201, body = MemberDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<MemberBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MemberDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .participation()
        .add_member(
            &c.actor,
            id,
            &NewMemberInput {
                kind: b.kind,
                node_id: b.node_id,
                association_id: b.association_id,
                merchant_id: b.merchant_id,
                name: b.name,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// The chair passes to the next member in the order, early or overdue; another member is 422,
/// a council of fewer than two members 409.
#[utoipa::path(post, path = "/api/v1/councils/{id}/handover", tag = "participation",
    params(("id" = i64, Path)), request_body = HandoverBody,
    responses((status = 201, body = HandoverDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn handover(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<HandoverBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<HandoverDto>)> {
    let b = body(b)?;
    let h = s
        .app
        .participation()
        .handover(&c.actor, id, b.to_member_id)
        .await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

/// A matter the council takes up.
#[utoipa::path(post, path = "/api/v1/councils/{id}/matters", tag = "participation",
    params(("id" = i64, Path)), request_body = MatterBody,
    responses((status = 201, body = MatterDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn raise_matter(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<MatterBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MatterDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .participation()
        .raise_matter(
            &c.actor,
            id,
            &NewMatterInput {
                title: b.title,
                raised_at: b.raised_at,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Record a matter's outcome; a settled matter is 409.
#[utoipa::path(post, path = "/api/v1/council-matters/{id}/outcome", tag = "participation",
    params(("id" = i64, Path)), request_body = OutcomeBody,
    responses((status = 200, body = MatterDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn settle_matter(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<OutcomeBody>, JsonRejection>,
) -> ApiResult<Json<MatterDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .participation()
            .settle_matter(&c.actor, id, &b.outcome)
            .await?
            .into(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Associations and merchants

/// A new trade self-governance association (行业自治协会).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssociationBody {
    /// The place it serves (a street, usually), in the caller's scope.
    pub node_id: i64,
    pub name: String,
    /// `catering`, `beauty`, `convenience`, `repair`, `logistics`, `education`, `pharmacy`,
    /// `housekeeping`, `hardware`, `fresh_produce`, `auto` or `other`.
    pub trade: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssociationDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub name: String,
    pub trade: String,
    /// Member merchants.
    pub merchants: i64,
    pub created_at: String,
}

impl From<Association> for AssociationDto {
    fn from(a: Association) -> Self {
        AssociationDto {
            id: a.id,
            node_id: a.node_id,
            node_name: a.node_name,
            name: a.name,
            trade: a.trade.as_str().into(),
            merchants: a.merchants,
            created_at: format_rfc3339(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssociationList {
    pub items: Vec<AssociationDto>,
}

/// A merchant: a business at a building.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantDto {
    pub id: i64,
    pub building_id: i64,
    pub building_name: String,
    pub name: String,
    /// 统一社会信用代码.
    pub licence_number: String,
    /// In full to managers of the merchant's place, masked to others (the first 3 and last 4
    /// digits shown).
    pub contact_phone: Option<String>,
    pub association_id: Option<i64>,
    pub association_name: Option<String>,
    pub created_at: String,
}

impl From<Merchant> for MerchantDto {
    fn from(m: Merchant) -> Self {
        MerchantDto {
            id: m.id,
            building_id: m.building_id,
            building_name: m.building_name,
            name: m.name,
            licence_number: m.licence_number,
            contact_phone: m.contact_phone,
            association_id: m.association_id,
            association_name: m.association_name,
            created_at: format_rfc3339(m.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantList {
    pub items: Vec<MerchantDto>,
}

/// An association with its member merchants.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssociationDetail {
    pub association: AssociationDto,
    pub merchants: Vec<MerchantDto>,
    pub may_manage: bool,
}

impl From<AssociationView> for AssociationDetail {
    fn from(v: AssociationView) -> Self {
        AssociationDetail {
            association: v.association.into(),
            merchants: v.merchants.into_iter().map(Into::into).collect(),
            may_manage: v.may_manage,
        }
    }
}

/// A new merchant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MerchantBody {
    /// The building it trades from, in the caller's scope.
    pub building_id: i64,
    pub name: String,
    /// 统一社会信用代码: 18 characters with a valid check character.
    pub licence_number: String,
    /// A mobile number or a landline with its area code.
    pub contact_phone: Option<String>,
    /// An association whose place holds the building.
    pub association_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MerchantQuery {
    /// Only the members of this association.
    pub association_id: Option<i64>,
}

/// Set up a trade association over a place (managers of the place).
#[utoipa::path(post, path = "/api/v1/associations", tag = "participation",
    request_body = AssociationBody,
    responses((status = 201, body = AssociationDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_association(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<AssociationBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AssociationDto>)> {
    let b = body(b)?;
    let a = s
        .app
        .participation()
        .create_association(
            &c.actor,
            &NewAssociationInput {
                node_id: b.node_id,
                name: b.name,
                trade: b.trade,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// The associations the caller sees: of places in their scope and of the places holding it.
#[utoipa::path(get, path = "/api/v1/associations", tag = "participation",
    responses((status = 200, body = AssociationList)))]
pub async fn list_associations(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<AssociationList>> {
    let items = s.app.participation().associations(&c.actor).await?;
    Ok(Json(AssociationList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// An association and its member merchants.
#[utoipa::path(get, path = "/api/v1/associations/{id}", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = AssociationDetail), (status = 404, body = ErrorBody)))]
pub async fn get_association(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<AssociationDetail>> {
    Ok(Json(
        s.app
            .participation()
            .association_view(&c.actor, id)
            .await?
            .into(),
    ))
}

/// Register a merchant at a building (managers of the place); a licence number registered
/// already is 409.
#[utoipa::path(post, path = "/api/v1/merchants", tag = "participation", request_body = MerchantBody,
    responses((status = 201, body = MerchantDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_merchant(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<MerchantBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MerchantDto>)> {
    let b = body(b)?;
    let m = s
        .app
        .participation()
        .create_merchant(
            &c.actor,
            &NewMerchantInput {
                building_id: b.building_id,
                name: b.name,
                licence_number: b.licence_number,
                contact_phone: b.contact_phone,
                association_id: b.association_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// The merchants the caller sees (of one association, if given).
#[utoipa::path(get, path = "/api/v1/merchants", tag = "participation", params(MerchantQuery),
    responses((status = 200, body = MerchantList), (status = 404, body = ErrorBody)))]
pub async fn list_merchants(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<MerchantQuery>, QueryRejection>,
) -> ApiResult<Json<MerchantList>> {
    let q = query(q)?;
    let items = s
        .app
        .participation()
        .merchants(&c.actor, q.association_id)
        .await?;
    Ok(Json(MerchantList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
