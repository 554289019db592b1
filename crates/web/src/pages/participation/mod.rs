//! `/votes`: residents see the votes over their place and cast their unit's ballot at phone
//! width; staff open a vote over a place they pick, enter paper ballots for the units that have
//! not voted, follow the live count and close it (docs/participation.md).

pub mod councils;
pub mod decisions;
pub mod meetings;

use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::participation::proposals::{AnswerInput, JourneyKind, NewProposalInput};
use jingzhi_app::participation::votes::{NewVoteInput, Vote, VoteResult, VoteView};
use jingzhi_app::AppError;
use jingzhi_domain::participation::proposals::Phase as ProposalPhase;
use jingzhi_domain::participation::votes::{Phase, Unit};
use jingzhi_domain::time_fmt::format_ms;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/votes", get(list))
        .route("/votes/new", get(new_form).post(create))
        .route("/votes/{id}", get(detail))
        .route("/votes/{id}/ballot", post(ballot))
        .route("/votes/{id}/paper", post(paper))
        .route("/votes/{id}/close", post(close))
        .route("/proposals", get(proposals))
        .route("/proposals/threshold", post(set_threshold))
        .route(
            "/rounds/findings/{id}/proposal",
            get(finding_proposal_form).post(finding_proposal),
        )
        .route("/proposals/new", get(new_proposal_form).post(file_proposal))
        .route("/proposals/{id}", get(proposal))
        .route("/proposals/{id}/support", post(support))
        .route("/proposals/{id}/answer", post(answer))
        .route("/proposals/{id}/withdraw", post(withdraw))
        .route("/residents/{id}/representative", post(representative))
        .route("/households/{id}/voter", post(household_voter))
        .merge(meetings::router())
        .merge(decisions::router())
        .merge(councils::router())
}

fn unit_key(u: Unit) -> &'static str {
    match u {
        Unit::Household => "votes.unit.household",
        Unit::Resident => "votes.unit.resident",
        Unit::Representative => "votes.unit.representative",
    }
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Scheduled => "votes.phase.scheduled",
        Phase::Open => "votes.phase.open",
        Phase::Closed => "votes.phase.closed",
    }
}

pub struct Row {
    pub id: i64,
    pub question: String,
    pub place: String,
    pub unit: &'static str,
    pub phase: &'static str,
    pub open: bool,
    pub window: String,
}

impl Row {
    fn of(v: &Vote, now: i64) -> Self {
        let phase = Phase::at(v.opens_at, v.closes_at, v.closed_at, now);
        Row {
            id: v.id,
            question: v.question.clone(),
            place: v.node_name.clone(),
            unit: unit_key(v.unit),
            phase: phase_key(phase),
            open: phase == Phase::Open,
            window: format!("{} – {}", format_ms(v.opens_at), format_ms(v.closes_at)),
        }
    }
}

#[derive(Template)]
#[template(path = "votes.html")]
pub struct VotesPage {
    pub c: Chrome,
    pub rows: Vec<Row>,
    pub may_open: bool,
}

pub async fn list(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let votes = s.app.participation().votes(&c.actor, None).await?;
    let now = jingzhi_domain::time_fmt::now_ms();
    Ok(render(&VotesPage {
        c: Chrome::new(&c, lang, "votes"),
        rows: votes.iter().map(|v| Row::of(v, now)).collect(),
        may_open: c.actor.user.role.is_manager(),
    }))
}

pub struct PlaceOption {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "vote_new.html")]
pub struct NewVotePage {
    pub c: Chrome,
    pub places: Vec<PlaceOption>,
    pub errors: Vec<String>,
    pub question: String,
    pub options: String,
    pub unit: String,
    pub quorum: String,
    pub majority: String,
    pub majority_of: String,
    pub opens_at: String,
    pub closes_at: String,
}

async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    f: &FormData,
    errors: Vec<String>,
) -> Result<NewVotePage, PageError> {
    let places = s.app.participation().vote_places(&c.actor).await?;
    let chosen: i64 = f
        .get("node_id")
        .parse()
        .unwrap_or(c.actor.user.scope_node_id);
    let or = |k: &str, d: &str| f.opt(k).unwrap_or_else(|| d.to_string());
    Ok(NewVotePage {
        c: Chrome::new(c, lang, "votes"),
        places: places
            .into_iter()
            .map(|n| PlaceOption {
                id: n.id,
                label: format!("{} · {}", n.name, super::kind_label(lang, n.kind)),
                selected: n.id == chosen,
            })
            .collect(),
        errors,
        question: f.get("question").to_string(),
        options: or("options", ""),
        unit: or("unit", "household"),
        quorum: or("quorum_percent", "50"),
        majority: or("majority", "simple"),
        majority_of: or("majority_of", "cast"),
        opens_at: f.get("opens_at").to_string(),
        closes_at: f.get("closes_at").to_string(),
    })
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &new_page(&s, &c, lang, &FormData(vec![]), vec![]).await?,
    ))
}

/// A `datetime-local` value (`2026-12-20T18:00`) is China time; RFC 3339 passes through.
pub(crate) fn local_time(s: &str) -> String {
    let s = s.trim();
    if s.len() == 16 && s.as_bytes().get(10) == Some(&b'T') {
        format!("{s}:00+08:00")
    } else {
        s.to_string()
    }
}

pub async fn create(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewVoteInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        question: f.get("question").to_string(),
        options: f
            .get("options")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        unit: f.get("unit").to_string(),
        quorum_percent: f.get("quorum_percent").trim().parse().unwrap_or(-1),
        majority: f.get("majority").to_string(),
        majority_of: f.opt("majority_of"),
        opens_at: f.opt("opens_at").map(|t| local_time(&t)),
        closes_at: local_time(f.get("closes_at")),
    };
    match s.app.participation().create_vote(&c.actor, &input).await {
        Ok(v) => Ok(Redirect::to(&format!("/votes/{}", v.id)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = fields.into_iter().map(|e| e.reason).collect();
            let page = new_page(&s, &c, lang, &f, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Count {
    pub option: String,
    pub n: u64,
    /// Share of the ballots cast, in percent (for the bar).
    pub pct: u64,
    pub winner: bool,
}

pub struct ResultView {
    pub eligible: u64,
    pub cast: u64,
    pub turnout: String,
    pub quorum_met: bool,
    pub counts: Vec<Count>,
    pub outcome: Option<String>,
    pub live: bool,
}

impl ResultView {
    fn of(r: VoteResult) -> Self {
        let cast = r.cast.max(1);
        ResultView {
            eligible: r.eligible,
            cast: r.cast,
            turnout: format!("{:.1}%", r.turnout * 100.0),
            quorum_met: r.quorum_met,
            counts: r
                .counts
                .iter()
                .map(|(o, n)| Count {
                    option: o.clone(),
                    n: *n,
                    pct: n * 100 / cast,
                    winner: r.outcome.as_deref() == Some(o.as_str()),
                })
                .collect(),
            outcome: r.outcome,
            live: r.phase != Phase::Closed,
        }
    }
}

#[derive(Template)]
#[template(path = "vote.html")]
pub struct VotePage {
    pub c: Chrome,
    pub id: i64,
    pub question: String,
    pub place: String,
    pub options: Vec<String>,
    pub unit: &'static str,
    pub phase: &'static str,
    pub open: bool,
    pub window: String,
    pub rule: String,
    pub staff: bool,
    pub resident: bool,
    pub my_ballot: Option<(String, bool)>,
    pub cannot_cast: Option<String>,
    pub result: Option<ResultView>,
    pub not_voted: Vec<(i64, String)>,
    pub household_unit: bool,
    pub message: Option<String>,
    /// The result's index in the public transparency log, once logged.
    pub log_index: Option<u64>,
}

fn vote_page(
    c: &Caller,
    lang: Lang,
    v: VoteView,
    message: Option<String>,
    log_index: Option<u64>,
) -> VotePage {
    let vote = v.vote;
    let rule = format!(
        "{} {}% · {} · {}",
        lang.t("votes.quorum"),
        vote.quorum_percent,
        lang.t(match vote.majority {
            jingzhi_domain::participation::votes::Majority::Simple => "votes.majority.simple",
            jingzhi_domain::participation::votes::Majority::TwoThirds => {
                "votes.majority.two_thirds"
            }
        }),
        lang.t(match vote.majority_of {
            jingzhi_domain::participation::votes::MajorityOf::Cast => "votes.of.cast",
            jingzhi_domain::participation::votes::MajorityOf::Eligible => "votes.of.eligible",
        }),
    );
    VotePage {
        c: Chrome::new(c, lang, "votes"),
        id: vote.id,
        question: vote.question,
        place: vote.node_name,
        options: vote.options,
        unit: unit_key(vote.unit),
        phase: phase_key(v.phase),
        open: v.phase == Phase::Open,
        window: format!(
            "{} – {}",
            format_ms(vote.opens_at),
            format_ms(vote.closes_at)
        ),
        rule,
        staff: v.staff,
        resident: c.actor.user.role == jingzhi_domain::auth::Role::Resident,
        my_ballot: v.my_ballot.map(|(o, ch)| (o, ch == "paper")),
        cannot_cast: v.cannot_cast,
        result: v.result.map(ResultView::of),
        not_voted: v.not_voted,
        household_unit: vote.unit == Unit::Household,
        message,
        log_index,
    }
}

pub async fn detail(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    let v = s.app.participation().vote_view(&c.actor, id).await?;
    let logged = vote_log_index(&s, id).await?;
    Ok(render(&vote_page(&c, lang, v, None, logged)))
}

/// Where a vote's result sits in the transparency log (after the caller was let see the vote).
async fn vote_log_index(s: &AppState, id: i64) -> Result<Option<u64>, PageError> {
    Ok(s.app
        .transparency()
        .index_of(jingzhi_domain::transparency::EntryKind::VoteResult, id)
        .await?)
}

/// A refusal the page shows beside the item (409 for a conflict, 422 for bad input, with the
/// reasons); anything else is an error page.
pub(crate) fn shown_refusal(e: AppError) -> Result<(StatusCode, String), PageError> {
    match e {
        AppError::Conflict { reason, .. } => Ok((StatusCode::CONFLICT, reason)),
        AppError::Invalid(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .into_iter()
                .map(|f| f.reason)
                .collect::<Vec<_>>()
                .join("；"),
        )),
        e => Err(e.into()),
    }
}

/// After a refused ballot, paper ballot or close: the vote's page with the reason.
async fn refused(s: &AppState, c: &Caller, lang: Lang, id: i64, e: AppError) -> PageResult {
    let (status, message) = shown_refusal(e)?;
    let v = s.app.participation().vote_view(&c.actor, id).await?;
    let logged = vote_log_index(s, id).await?;
    Ok(render_status(
        status,
        &vote_page(c, lang, v, Some(message), logged),
    ))
}

pub async fn ballot(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s
        .app
        .participation()
        .cast_ballot(&c.actor, id, f.get("option"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/votes/{id}")).into_response()),
        Err(e) => refused(&s, &c, lang, id, e).await,
    }
}

pub async fn paper(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let unit: Option<i64> = f.get("unit_id").parse().ok();
    let household = f.get("unit_kind") == "household";
    let (h, r) = if household {
        (unit, None)
    } else {
        (None, unit)
    };
    match s
        .app
        .participation()
        .paper_ballot(&c.actor, id, h, r, f.get("option"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/votes/{id}#paper")).into_response()),
        Err(e) => refused(&s, &c, lang, id, e).await,
    }
}

pub async fn close(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.participation().close_vote(&c.actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/votes/{id}")).into_response()),
        Err(e) => refused(&s, &c, lang, id, e).await,
    }
}

/// From the resident's page: name them a representative (`on=1`) or no longer (`on=0`).
pub async fn representative(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app
        .participation()
        .set_representative(&c.actor, id, f.get("on") == "1")
        .await?;
    Ok(Redirect::to(&format!("/residents/{id}#voting")).into_response())
}

/// From the household's page: the member who votes for it, or any adult member (empty).
pub async fn household_voter(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let resident =
        match f.opt("resident_id") {
            None => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| {
                PageError::from(AppError::invalid("resident_id", "请选择本户的成员"))
            })?),
        };
    s.app
        .participation()
        .set_household_voter(&c.actor, id, resident)
        .await?;
    Ok(Redirect::to(&format!("/households/{id}#voter")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Small proposals (居民小提案)

pub fn proposal_phase_key(p: ProposalPhase) -> &'static str {
    match p {
        ProposalPhase::Collecting => "proposals.phase.collecting",
        ProposalPhase::AwaitingAnswer => "proposals.phase.awaiting_answer",
        ProposalPhase::TakenUp => "proposals.phase.taken_up",
        ProposalPhase::Merged => "proposals.phase.merged",
        ProposalPhase::Declined => "proposals.phase.declined",
        ProposalPhase::Withdrawn => "proposals.phase.withdrawn",
        ProposalPhase::BecameEvent => "proposals.phase.became_event",
    }
}

pub struct ProposalRow {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub author: String,
    pub phase: &'static str,
    pub supports: i64,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    pub c: Chrome,
    pub rows: Vec<ProposalRow>,
    pub may_file: bool,
    /// A community's staff: its threshold, and the form to change it.
    pub threshold: Option<ThresholdShown>,
    pub message: Option<String>,
}

pub struct ThresholdShown {
    pub community: String,
    pub own: bool,
    pub households: i64,
    pub needed: u64,
    pub share: bool,
    pub count: String,
    pub permille: String,
    pub floor: String,
}

async fn proposals_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<ProposalsPage, PageError> {
    let p = s.app.participation();
    let list = p.proposals(&c.actor).await?;
    // The threshold of the caller's own community (a community's staff).
    let threshold = if c.actor.user.role.is_manager() {
        p.threshold(&c.actor, c.actor.user.scope_node_id)
            .await
            .ok()
            .map(|v| {
                use jingzhi_domain::participation::proposals::Threshold;
                let (share, count, permille, floor) = match v.threshold {
                    Threshold::Absolute(n) => (false, n.to_string(), "10".into(), "10".into()),
                    Threshold::Share { permille, floor } => {
                        (true, "10".into(), permille.to_string(), floor.to_string())
                    }
                };
                ThresholdShown {
                    community: v.community,
                    own: v.own,
                    households: v.households,
                    needed: v.needed,
                    share,
                    count,
                    permille,
                    floor,
                }
            })
    } else {
        None
    };
    Ok(ProposalsPage {
        c: Chrome::new(c, lang, "proposals"),
        rows: list
            .into_iter()
            .map(|p| ProposalRow {
                id: p.id,
                open: p.phase.open(),
                phase: proposal_phase_key(p.phase),
                title: p.title,
                place: p.node_name,
                author: p.author_name,
                supports: p.supports,
            })
            .collect(),
        may_file: c.actor.user.role == jingzhi_domain::auth::Role::Resident,
        threshold,
        message,
    })
}

pub async fn set_threshold(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let num = |k: &str| f.get(k).trim().parse::<i64>().ok();
    let input = jingzhi_app::participation::proposals::ThresholdInput {
        kind: f.get("kind").to_string(),
        count: num("count"),
        permille: num("permille"),
        floor: num("floor"),
    };
    match s
        .app
        .participation()
        .set_threshold(&c.actor, c.actor.user.scope_node_id, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to("/proposals").into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            let page = proposals_page(&s, &c, lang, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub async fn proposals(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(&proposals_page(&s, &c, lang, None).await?))
}

#[derive(Template)]
#[template(path = "proposal_new.html")]
pub struct NewProposalPage {
    pub c: Chrome,
    /// (id, label, selected)
    pub places: Vec<(i64, String, bool)>,
    pub errors: Vec<String>,
    pub title: String,
    pub body: String,
}

async fn new_proposal_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    f: &FormData,
    errors: Vec<String>,
) -> Result<NewProposalPage, PageError> {
    let places = s.app.participation().proposal_places(&c.actor).await?;
    let chosen: i64 = f.get("node_id").parse().unwrap_or(0);
    Ok(NewProposalPage {
        c: Chrome::new(c, lang, "proposals"),
        places: places
            .into_iter()
            .map(|n| {
                let label = format!("{} · {}", n.name, super::kind_label(lang, n.kind));
                (n.id, label, n.id == chosen)
            })
            .collect(),
        errors,
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
    })
}

pub async fn new_proposal_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &new_proposal_page(&s, &c, lang, &FormData(vec![]), vec![]).await?,
    ))
}

pub async fn file_proposal(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewProposalInput {
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        node_id: f.get("node_id").parse().ok(),
        resident_id: None,
    };
    match s.app.participation().file_proposal(&c.actor, &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/proposals/{}", p.id)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = fields.into_iter().map(|e| e.reason).collect();
            let page = new_proposal_page(&s, &c, lang, &f, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct StepRow {
    pub at: String,
    pub phase: &'static str,
    pub by: String,
    pub note: Option<String>,
    /// The page it refers to (a vote, a decision).
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "proposal.html")]
pub struct ProposalPage {
    pub c: Chrome,
    pub id: i64,
    pub title: String,
    pub body: String,
    pub place: String,
    pub author: String,
    /// Staff who filed it for the author, if not the author.
    pub filed_by: Option<String>,
    pub phase: &'static str,
    pub supports: i64,
    pub needed: u64,
    pub pct: u64,
    pub due: Option<String>,
    pub overdue: bool,
    /// The overdue answer went to the street (督办).
    pub escalated: bool,
    /// The event it came from, or the event it became.
    pub from_event: Option<i64>,
    pub became_event: Option<i64>,
    pub answer: Option<String>,
    pub may_support: bool,
    pub supported: bool,
    pub may_answer: bool,
    pub may_withdraw: bool,
    /// Other open proposals of the same community to merge into: (id, title).
    pub others: Vec<(i64, String)>,
    pub timeline: Vec<StepRow>,
    pub message: Option<String>,
}

async fn proposal_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<ProposalPage, PageError> {
    let v = s.app.participation().proposal_view(&c.actor, id).await?;
    let p = &v.proposal;
    let others = if v.may_answer {
        s.app
            .participation()
            .proposals(&c.actor)
            .await?
            .into_iter()
            .filter(|o| o.id != p.id && o.community_id == p.community_id && o.phase.open())
            .map(|o| (o.id, o.title))
            .collect()
    } else {
        vec![]
    };
    let supports = u64::try_from(p.supports).unwrap_or(0);
    Ok(ProposalPage {
        c: Chrome::new(c, lang, "proposals"),
        id: p.id,
        title: p.title.clone(),
        body: p.body.clone(),
        place: p.node_name.clone(),
        author: p.author_name.clone(),
        filed_by: (p.filed_by_name != p.author_name).then(|| p.filed_by_name.clone()),
        phase: proposal_phase_key(p.phase),
        supports: p.supports,
        needed: v.needed,
        pct: (supports * 100 / v.needed.max(1)).min(100),
        due: p.answer_due.map(format_ms),
        overdue: v.overdue,
        escalated: p.escalated_at.is_some(),
        from_event: p.from_event_id,
        became_event: (p.phase == ProposalPhase::BecameEvent)
            .then_some(p.linked)
            .flatten(),
        answer: p.answer.clone(),
        may_support: v.may_support,
        supported: v.supported,
        may_answer: v.may_answer,
        may_withdraw: v.may_withdraw,
        others,
        timeline: v
            .journey
            .iter()
            .map(|j| StepRow {
                at: format_ms(j.at),
                phase: match j.kind {
                    JourneyKind::Phase(p) => proposal_phase_key(p),
                    JourneyKind::Vote => "proposals.journey.vote",
                    JourneyKind::Task(s) => decisions::step_key(s),
                },
                by: j.by.clone(),
                note: j.note.clone(),
                link: j.link.map(|(k, id)| format!("/{k}/{id}")),
            })
            .collect(),
        message,
    })
}

pub async fn proposal(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&proposal_page(&s, &c, lang, id, None).await?))
}

/// After an action on a proposal: back to it, or its page with the reason (409/422).
async fn after_proposal_action(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: jingzhi_app::AppResult<jingzhi_app::participation::proposals::Proposal>,
) -> PageResult {
    let (status, message) = match r {
        Ok(_) => return Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        Err(e) => shown_refusal(e)?,
    };
    let page = proposal_page(s, c, lang, id, Some(message)).await?;
    Ok(render_status(status, &page))
}

pub async fn support(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    let r = s.app.participation().support(&c.actor, id).await;
    after_proposal_action(&s, &c, lang, id, r).await
}

pub async fn answer(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = AnswerInput {
        answer: f.get("answer").to_string(),
        into: f.get("into").parse().ok(),
        reasons: f.opt("reasons"),
    };
    let r = s.app.participation().answer(&c.actor, id, &input).await;
    after_proposal_action(&s, &c, lang, id, r).await
}

pub async fn withdraw(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    let r = s.app.participation().withdraw(&c.actor, id).await;
    after_proposal_action(&s, &c, lang, id, r).await
}

// ---------------------------------------------------------------------------------------------
// A steward files a proposal from a visit finding

#[derive(Template)]
#[template(path = "proposal_from_finding.html")]
pub struct FindingProposalPage {
    pub c: Chrome,
    pub id: i64,
    pub finding: String,
    pub address: String,
    /// (resident id, name, chosen)
    pub members: Vec<(i64, String, bool)>,
    pub title: String,
    pub body: String,
    pub errors: Vec<String>,
}

async fn finding_proposal_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    f: &FormData,
    errors: Vec<String>,
) -> Result<FindingProposalPage, PageError> {
    let form = s
        .app
        .participation()
        .finding_proposal_form(&c.actor, id)
        .await?;
    let chosen: i64 = f.get("resident_id").parse().unwrap_or(0);
    Ok(FindingProposalPage {
        c: Chrome::new(c, lang, "rounds"),
        id,
        title: f.opt("title").unwrap_or_default(),
        body: f.opt("body").unwrap_or_else(|| form.finding_text.clone()),
        finding: form.finding_text,
        address: form.address,
        members: form
            .members
            .into_iter()
            .map(|(rid, name)| (rid, name, rid == chosen))
            .collect(),
        errors,
    })
}

pub async fn finding_proposal_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(
        &finding_proposal_page(&s, &c, lang, id, &FormData::default(), vec![]).await?,
    ))
}

pub async fn finding_proposal(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .participation()
        .file_proposal_from_finding(
            &c.actor,
            id,
            f.get("resident_id").parse().ok(),
            f.get("title"),
            f.get("body"),
        )
        .await;
    match r {
        Ok(p) => Ok(Redirect::to(&format!("/proposals/{}", p.id)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = fields.into_iter().map(|e| e.reason).collect();
            let page = finding_proposal_page(&s, &c, lang, id, &f, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
