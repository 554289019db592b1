//! Participation (居民议事) in the API: votes counted per household, adult resident or
//! representative (docs/participation.md). The paths and bodies are fixed by issue 11 §4:
//! scripts rely on them.

pub mod councils;
pub mod decisions;
pub mod meetings;

use super::{body, query, Id};
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jingzhi_app::participation::proposals::{
    AnswerInput, NewProposalInput, Proposal, ProposalView, ThresholdInput, ThresholdView,
};
use jingzhi_app::participation::votes::{NewVoteInput, Vote, VoteResult};
use jingzhi_domain::time_fmt::format_w3c as format_rfc3339;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_vote, list_votes))
        .routes(routes!(get_vote))
        .routes(routes!(cast_ballot))
        .routes(routes!(paper_ballot))
        .routes(routes!(close_vote))
        .routes(routes!(vote_result))
        .routes(routes!(set_representative))
        .routes(routes!(set_household_voter))
        .routes(routes!(file_proposal, list_proposals))
        .routes(routes!(get_proposal))
        .routes(routes!(support_proposal))
        .routes(routes!(answer_proposal))
        .routes(routes!(withdraw_proposal))
        .routes(routes!(get_threshold, set_threshold))
        .routes(routes!(proposal_to_event))
        .routes(routes!(event_to_proposal))
        .merge(meetings::routes())
        .merge(decisions::routes())
        .merge(councils::routes())
}

/// A new vote over a place.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VoteBody {
    /// The place (community, compound, building …) whose units vote; in the caller's scope.
    pub node_id: i64,
    pub question: String,
    /// Two to twenty distinct options.
    pub options: Vec<String>,
    /// `household` (one ballot per household), `resident` (per adult resident) or
    /// `representative` (per residents' representative).
    pub unit: String,
    /// 0–100: the share of eligible units that must cast a ballot.
    pub quorum_percent: i64,
    /// `simple` (more than half) or `two_thirds`.
    pub majority: String,
    /// `cast` (default) or `eligible`: what the majority is counted against.
    pub majority_of: Option<String>,
    /// RFC 3339; default now.
    pub opens_at: Option<String>,
    /// RFC 3339.
    pub closes_at: String,
}

/// A vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteDto {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub question: String,
    pub options: Vec<String>,
    pub unit: String,
    pub quorum_percent: u8,
    pub majority: String,
    pub majority_of: String,
    pub opens_at: String,
    pub closes_at: String,
    pub closed_at: Option<String>,
    /// `scheduled`, `open` or `closed` (now).
    pub phase: String,
    /// Units eligible, taken when the vote opened (null before).
    pub eligible: Option<i64>,
    pub created_by: String,
}

impl From<Vote> for VoteDto {
    fn from(v: Vote) -> Self {
        let phase = jingzhi_domain::participation::votes::Phase::at(
            v.opens_at,
            v.closes_at,
            v.closed_at,
            jingzhi_domain::time_fmt::now_ms(),
        );
        VoteDto {
            id: v.id,
            node_id: v.node_id,
            node_name: v.node_name,
            question: v.question,
            options: v.options,
            unit: v.unit.as_str().into(),
            quorum_percent: v.quorum_percent,
            majority: v.majority.as_str().into(),
            majority_of: v.majority_of.as_str().into(),
            opens_at: format_rfc3339(v.opens_at),
            closes_at: format_rfc3339(v.closes_at),
            closed_at: v.closed_at.map(format_rfc3339),
            phase: phase.as_str().into(),
            eligible: v.eligible.filter(|n| *n >= 0),
            created_by: v.created_by_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoteList {
    pub items: Vec<VoteDto>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoteQuery {
    /// Only votes of places below this one (a node id in scope).
    pub node_id: Option<i64>,
}

/// A resident's ballot, for their unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BallotBody {
    /// The option's text, as listed in the vote.
    pub option: String,
}

/// A paper ballot entered by staff: the household (household votes) or the resident.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaperBallotBody {
    pub household_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub option: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BallotCreated {
    pub id: i64,
}

/// What a vote decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteResultDto {
    /// Units eligible when the vote opened (households with at least one resident, adult
    /// residents, or representatives).
    pub eligible: u64,
    pub cast: u64,
    /// cast / eligible, as a fraction.
    pub turnout: f64,
    /// turnout ≥ quorum_percent / 100.
    pub quorum_met: bool,
    /// Ballots per option.
    pub counts: BTreeMap<String, u64>,
    /// The winning option's text; null without a quorum or when no option reaches the majority.
    pub outcome: Option<String>,
    /// `open` (live counts, staff only) or `closed`.
    pub phase: String,
}

impl From<VoteResult> for VoteResultDto {
    fn from(r: VoteResult) -> Self {
        VoteResultDto {
            eligible: r.eligible,
            cast: r.cast,
            turnout: r.turnout,
            quorum_met: r.quorum_met,
            counts: r.counts.into_iter().collect(),
            outcome: r.outcome,
            phase: r.phase.as_str().into(),
        }
    }
}

/// Open a vote over a place (staff of the place: community worker and above).
#[utoipa::path(post, path = "/api/v1/votes", tag = "participation", request_body = VoteBody,
    responses((status = 201, description = "The vote", body = VoteDto),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_vote(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<VoteBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<VoteDto>)> {
    let b = body(b)?;
    let v = s
        .app
        .participation()
        .create_vote(
            &c.actor,
            &NewVoteInput {
                node_id: b.node_id,
                question: b.question,
                options: b.options,
                unit: b.unit,
                quorum_percent: b.quorum_percent,
                majority: b.majority,
                majority_of: b.majority_of,
                opens_at: b.opens_at,
                closes_at: b.closes_at,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// The votes the caller may see, newest first: staff those in their scope, a resident those
/// over their own place.
#[utoipa::path(get, path = "/api/v1/votes", tag = "participation", params(VoteQuery),
    responses((status = 200, body = VoteList), (status = 404, body = ErrorBody)))]
pub async fn list_votes(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<VoteQuery>, QueryRejection>,
) -> ApiResult<Json<VoteList>> {
    let q = query(q)?;
    let items = s.app.participation().votes(&c.actor, q.node_id).await?;
    Ok(Json(VoteList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One vote.
#[utoipa::path(get, path = "/api/v1/votes/{id}", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = VoteDto), (status = 404, body = ErrorBody)))]
pub async fn get_vote(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<VoteDto>> {
    Ok(Json(s.app.participation().vote(&c.actor, id).await?.into()))
}

/// A resident casts their unit's ballot: any adult member casts a household's one ballot
/// unless the household named a voter. A second ballot of the unit (any member, any channel)
/// is 409; a vote whose place does not hold the resident 404; an unknown option 422.
#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", tag = "participation",
    params(("id" = i64, Path)), request_body = BallotBody,
    responses((status = 201, body = BallotCreated), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn cast_ballot(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<BallotBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<BallotCreated>)> {
    let b = body(b)?;
    let id = s
        .app
        .participation()
        .cast_ballot(&c.actor, id, &b.option)
        .await?;
    Ok((StatusCode::CREATED, Json(BallotCreated { id })))
}

/// Staff enter a paper ballot for a household or resident; a unit that already voted is 409.
#[utoipa::path(post, path = "/api/v1/votes/{id}/paper-ballots", tag = "participation",
    params(("id" = i64, Path)), request_body = PaperBallotBody,
    responses((status = 201, body = BallotCreated), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn paper_ballot(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<PaperBallotBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<BallotCreated>)> {
    let b = body(b)?;
    let id = s
        .app
        .participation()
        .paper_ballot(&c.actor, id, b.household_id, b.resident_id, &b.option)
        .await?;
    Ok((StatusCode::CREATED, Json(BallotCreated { id })))
}

/// Close a vote (staff of the place); closing a closed vote is 409.
#[utoipa::path(post, path = "/api/v1/votes/{id}/close", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = VoteDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_vote(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<VoteDto>> {
    Ok(Json(
        s.app.participation().close_vote(&c.actor, id).await?.into(),
    ))
}

/// The result. Before the close: live counts to staff of the place, 409 to residents.
#[utoipa::path(get, path = "/api/v1/votes/{id}/result", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = VoteResultDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn vote_result(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<VoteResultDto>> {
    Ok(Json(
        s.app.participation().result(&c.actor, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RepresentativeBody {
    /// `true` names the resident a residents' representative (居民代表), `false` no longer.
    pub representative: bool,
}

/// How a resident votes.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoterSettingsDto {
    pub representative: bool,
    /// The member their household named to cast its ballots (null: any adult member).
    pub household_voter: Option<i64>,
}

/// Name a resident of the caller's place a residents' representative, or no longer (staff).
#[utoipa::path(post, path = "/api/v1/residents/{id}/representative", tag = "participation",
    params(("id" = i64, Path)), request_body = RepresentativeBody,
    responses((status = 200, body = VoterSettingsDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_representative(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<RepresentativeBody>, JsonRejection>,
) -> ApiResult<Json<VoterSettingsDto>> {
    let b = body(b)?;
    let v = s
        .app
        .participation()
        .set_representative(&c.actor, id, b.representative)
        .await?;
    Ok(Json(VoterSettingsDto {
        representative: v.representative,
        household_voter: v.household_voter,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdVoterBody {
    /// An adult member of the household, or null so that any adult member may vote for it.
    pub resident_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdVoterDto {
    pub household_id: i64,
    pub resident_id: Option<i64>,
}

/// Name the member who casts a household's ballots, or none (staff of the place).
#[utoipa::path(post, path = "/api/v1/households/{id}/voter", tag = "participation",
    params(("id" = i64, Path)), request_body = HouseholdVoterBody,
    responses((status = 200, body = HouseholdVoterDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_household_voter(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<HouseholdVoterBody>, JsonRejection>,
) -> ApiResult<Json<HouseholdVoterDto>> {
    let b = body(b)?;
    s.app
        .participation()
        .set_household_voter(&c.actor, id, b.resident_id)
        .await?;
    Ok(Json(HouseholdVoterDto {
        household_id: id,
        resident_id: b.resident_id,
    }))
}

// ---------------------------------------------------------------------------------------------
// Small proposals (居民小提案)

/// A new proposal: a resident files their own; staff who visit households file one for a
/// resident (`resident_id`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposalBody {
    pub title: String,
    pub body: String,
    /// The place it concerns, in the author's community (default: the community).
    pub node_id: Option<i64>,
    /// Staff only: the resident it is filed for.
    pub resident_id: Option<i64>,
}

/// A proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub node_id: i64,
    pub node_name: String,
    pub community_id: i64,
    pub author_name: String,
    pub filed_by: String,
    /// `collecting`, `awaiting_answer`, `taken_up`, `merged`, `declined`, `withdrawn`,
    /// `became_event`.
    pub phase: String,
    pub supports: i64,
    /// When the community must answer (once the supports reached the threshold).
    pub answer_due: Option<String>,
    /// The proposal it was merged into, or the event it became.
    pub linked: Option<i64>,
    /// The community's answer (reasons of a decline, or a note).
    pub answer: Option<String>,
    /// When the overdue answer was escalated to the street (督办).
    pub escalated_at: Option<String>,
    pub created_at: String,
}

impl From<Proposal> for ProposalDto {
    fn from(p: Proposal) -> Self {
        ProposalDto {
            id: p.id,
            title: p.title,
            body: p.body,
            node_id: p.node_id,
            node_name: p.node_name,
            community_id: p.community_id,
            author_name: p.author_name,
            filed_by: p.filed_by_name,
            phase: p.phase.as_str().into(),
            supports: p.supports,
            answer_due: p.answer_due.map(format_rfc3339),
            linked: p.linked,
            answer: p.answer,
            escalated_at: p.escalated_at.map(format_rfc3339),
            created_at: format_rfc3339(p.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    pub items: Vec<ProposalDto>,
}

/// One entry of a proposal's public timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalStep {
    pub at: String,
    pub phase: String,
    pub by: String,
    pub note: Option<String>,
}

/// A proposal with its timeline and what the caller may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetail {
    pub proposal: ProposalDto,
    pub timeline: Vec<ProposalStep>,
    /// From idea to result: the timeline with the votes and the decisions' task steps.
    pub journey: Vec<JourneyStep>,
    /// Supports that make the community answer.
    pub needed: u64,
    pub overdue: bool,
    pub may_support: bool,
    pub supported: bool,
    pub may_answer: bool,
    pub may_withdraw: bool,
}

/// One step of a proposal's way from idea to result.
#[derive(Debug, Serialize, ToSchema)]
pub struct JourneyStep {
    pub at: String,
    /// `phase` (a change of phase or a step of the deliberation), `vote` or `task`.
    pub kind: String,
    /// The phase (kind `phase`) or the task's step (kind `task`).
    pub state: Option<String>,
    pub by: String,
    pub note: Option<String>,
    /// The API path of what it refers to (a vote, a decision).
    pub link: Option<String>,
}

impl From<ProposalView> for ProposalDetail {
    fn from(v: ProposalView) -> Self {
        use jingzhi_app::participation::proposals::JourneyKind;
        ProposalDetail {
            journey: v
                .journey
                .into_iter()
                .map(|j| {
                    let (kind, state) = match j.kind {
                        JourneyKind::Phase(p) => ("phase", Some(p.as_str().to_string())),
                        JourneyKind::Vote => ("vote", None),
                        JourneyKind::Task(s) => ("task", Some(s.as_str().to_string())),
                    };
                    JourneyStep {
                        at: format_rfc3339(j.at),
                        kind: kind.into(),
                        state,
                        by: j.by,
                        note: j.note,
                        link: j.link.map(|(k, id)| format!("/api/v1/{k}/{id}")),
                    }
                })
                .collect(),
            timeline: v
                .timeline
                .into_iter()
                .map(|t| ProposalStep {
                    at: format_rfc3339(t.at),
                    phase: t.phase.as_str().into(),
                    by: t.actor_name,
                    note: t.note,
                })
                .collect(),
            needed: v.needed,
            overdue: v.overdue,
            may_support: v.may_support,
            supported: v.supported,
            may_answer: v.may_answer,
            may_withdraw: v.may_withdraw,
            proposal: v.proposal.into(),
        }
    }
}

/// The community's answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposalAnswerBody {
    /// `take_up`, `merge` or `decline`.
    pub answer: String,
    /// With `merge`: the proposal of the same community it goes into.
    pub into: Option<i64>,
    /// Required with `decline`; a note otherwise.
    pub reasons: Option<String>,
}

/// File a proposal.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "participation", request_body = ProposalBody,
    responses((status = 201, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    b: Result<Json<ProposalBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ProposalDto>)> {
    let b = body(b)?;
    let p = s
        .app
        .participation()
        .file_proposal(
            &c.actor,
            &NewProposalInput {
                title: b.title,
                body: b.body,
                node_id: b.node_id,
                resident_id: b.resident_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// The proposals the caller may see, newest first: a resident's community's, staff's scope's.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "participation",
    responses((status = 200, body = ProposalList)))]
pub async fn list_proposals(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> ApiResult<Json<ProposalList>> {
    let items = s.app.participation().proposals(&c.actor).await?;
    Ok(Json(ProposalList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A proposal, its timeline, and what the caller may do.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = ProposalDetail), (status = 404, body = ErrorBody)))]
pub async fn get_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ProposalDetail>> {
    Ok(Json(
        s.app
            .participation()
            .proposal_view(&c.actor, id)
            .await?
            .into(),
    ))
}

/// Support (附议) a proposal of one's community, once; not one's own.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/supports", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 201, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn support_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<(StatusCode, Json<ProposalDto>)> {
    let p = s.app.participation().support(&c.actor, id).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// The community answers (staff of the place).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/answer", tag = "participation",
    params(("id" = i64, Path)), request_body = ProposalAnswerBody,
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ProposalAnswerBody>, JsonRejection>,
) -> ApiResult<Json<ProposalDto>> {
    let b = body(b)?;
    let p = s
        .app
        .participation()
        .answer(
            &c.actor,
            id,
            &AnswerInput {
                answer: b.answer,
                into: b.into,
                reasons: b.reasons,
            },
        )
        .await?;
    Ok(Json(p.into()))
}

/// The author withdraws it before an answer.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ProposalDto>> {
    Ok(Json(
        s.app.participation().withdraw(&c.actor, id).await?.into(),
    ))
}

/// A community's threshold for proposals: `absolute` (`count` supports) or `share` (`permille`
/// of its households with residents, at least `floor`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ThresholdBody {
    pub kind: String,
    pub count: Option<i64>,
    pub permille: Option<i64>,
    pub floor: Option<i64>,
}

/// A community's threshold as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThresholdDto {
    pub community_id: i64,
    pub community: String,
    /// `absolute` or `share`.
    pub kind: String,
    pub count: Option<u32>,
    pub permille: Option<u32>,
    pub floor: Option<u32>,
    /// The community set its own (else the default: 10 ‰, at least 10).
    pub own: bool,
    /// Households with residents now, and the supports that makes.
    pub households: i64,
    pub needed: u64,
}

impl From<ThresholdView> for ThresholdDto {
    fn from(v: ThresholdView) -> Self {
        use jingzhi_domain::participation::proposals::Threshold;
        let (kind, count, permille, floor) = match v.threshold {
            Threshold::Absolute(n) => ("absolute", Some(n), None, None),
            Threshold::Share { permille, floor } => ("share", None, Some(permille), Some(floor)),
        };
        ThresholdDto {
            community_id: v.community_id,
            community: v.community,
            kind: kind.into(),
            count,
            permille,
            floor,
            own: v.own,
            households: v.households,
            needed: v.needed,
        }
    }
}

/// A community's threshold for proposals (its own or the default).
#[utoipa::path(get, path = "/api/v1/communities/{id}/proposal-threshold", tag = "participation",
    params(("id" = i64, Path)),
    responses((status = 200, body = ThresholdDto), (status = 404, body = ErrorBody)))]
pub async fn get_threshold(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ThresholdDto>> {
    Ok(Json(
        s.app.participation().threshold(&c.actor, id).await?.into(),
    ))
}

/// Set a community's threshold (staff whose scope holds it).
#[utoipa::path(put, path = "/api/v1/communities/{id}/proposal-threshold", tag = "participation",
    params(("id" = i64, Path)), request_body = ThresholdBody,
    responses((status = 200, body = ThresholdDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_threshold(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ThresholdBody>, JsonRejection>,
) -> ApiResult<Json<ThresholdDto>> {
    let b = body(b)?;
    let v = s
        .app
        .participation()
        .set_threshold(
            &c.actor,
            id,
            &ThresholdInput {
                kind: b.kind,
                count: b.count,
                permille: b.permille,
                floor: b.floor,
            },
        )
        .await?;
    Ok(Json(v.into()))
}

/// The event a proposal becomes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ToEventBody {
    /// An event of the proposal's community, in the caller's scope (report it first).
    pub event_id: i64,
}

/// The resident in whose name an event becomes a proposal.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ToProposalBody {
    /// Required when the event was not reported by a resident's own account.
    pub resident_id: Option<i64>,
}

/// The community handles a proposal as an event it has reported (a complaint): the proposal
/// becomes `became_event`, linked to it.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/event", tag = "participation",
    params(("id" = i64, Path)), request_body = ToEventBody,
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn proposal_to_event(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ToEventBody>, JsonRejection>,
) -> ApiResult<Json<ProposalDto>> {
    let b = body(b)?;
    Ok(Json(
        s.app
            .participation()
            .proposal_to_event(&c.actor, id, b.event_id)
            .await?
            .into(),
    ))
}

/// An event that needs a collective decision becomes a proposal of its community (staff of the
/// place), in its reporter's name or `resident_id`'s; once per event.
#[utoipa::path(post, path = "/api/v1/events/{id}/proposal", tag = "participation",
    params(("id" = i64, Path)), request_body = ToProposalBody,
    responses((status = 201, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn event_to_proposal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    b: Result<Json<ToProposalBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ProposalDto>)> {
    let b = body(b)?;
    let p = s
        .app
        .participation()
        .event_to_proposal(&c.actor, id, b.resident_id)
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}
