//! Small proposals (居民小提案): a resident files one about a place of their community (or a
//! steward files it for a household), neighbours support it once each, and past the threshold
//! the community answers by a deadline: take it up, merge it, or decline with reasons. Every
//! change is on the proposal's public timeline and in the audit log.

use super::{community_scope, text, Participation};
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::participation::proposals::{self as dp, Command, Phase, Refusal, Threshold};
use jingzhi_domain::scope::Scope;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::participation::proposals::{self as sp, NewProposal};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::participation::proposals::{Proposal, TimelineRow};

/// The longest title and text (characters).
pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 2000;

/// A new proposal as the API body or the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewProposalInput {
    pub title: String,
    pub body: String,
    /// The place it concerns (a building, compound, grid or the community); default the
    /// author's community.
    pub node_id: Option<i64>,
    /// Staff filing for a household (a steward on a visit): the resident it is filed for.
    pub resident_id: Option<i64>,
}

/// A community's threshold as the page and the API show it.
#[derive(Debug, Clone)]
pub struct ThresholdView {
    pub community_id: i64,
    pub community: String,
    pub threshold: Threshold,
    /// The community set its own (else the default).
    pub own: bool,
    /// Households with residents, and the supports that makes.
    pub households: i64,
    pub needed: u64,
}

/// A threshold as the form or the API body gives it.
#[derive(Debug, Clone, Default)]
pub struct ThresholdInput {
    /// `absolute` (with `count`) or `share` (with `permille` and `floor`).
    pub kind: String,
    pub count: Option<i64>,
    pub permille: Option<i64>,
    pub floor: Option<i64>,
}

/// How the community answers.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    /// `take_up`, `merge` or `decline`.
    pub answer: String,
    /// With `merge`: the proposal it goes into.
    pub into: Option<i64>,
    /// With `decline` (required), or a note with the others.
    pub reasons: Option<String>,
}

/// One step of a proposal's way from idea to result.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyRow {
    pub at: i64,
    pub kind: JourneyKind,
    pub by: String,
    pub note: Option<String>,
    /// What it links to: ("votes" | "decisions" | "meetings", id).
    pub link: Option<(&'static str, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JourneyKind {
    /// A change of phase, or a step of the deliberation (item, round, decision, evaluation).
    Phase(Phase),
    /// A vote on it closed.
    Vote,
    /// A task of a decision on it moved.
    Task(jingzhi_domain::participation::decisions::Step),
}

/// A proposal as its page shows it to the caller.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub timeline: Vec<TimelineRow>,
    /// From idea to result: the timeline, with the votes and the tasks of the decisions taken
    /// on it, in time order.
    pub journey: Vec<JourneyRow>,
    /// Supports that make the community answer.
    pub needed: u64,
    pub overdue: bool,
    /// What the caller may do now.
    pub may_support: bool,
    pub supported: bool,
    pub may_answer: bool,
    pub may_withdraw: bool,
}

fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::NotAllowed => AppError::Forbidden,
        Refusal::WrongPhase(_) => AppError::Conflict {
            field: "phase".into(),
            reason: r.zh(),
        },
        Refusal::AlreadySupported => AppError::Conflict {
            field: "support".into(),
            reason: r.zh(),
        },
        Refusal::Invalid(f) => AppError::Invalid(vec![f]),
    }
}

impl Participation<'_> {
    /// The resident behind a resident's account, and the scope of their community.
    pub(super) async fn resident_and_community(
        &self,
        conn: &mut Conn,
        actor: &Actor,
    ) -> AppResult<(crate::registry::Resident, Scope)> {
        let rid = actor.user.resident_id.ok_or(AppError::Forbidden)?;
        let r = sr::get_resident(conn, &actor.scope(), rid).await?;
        let c = community_scope(&r.path).ok_or(AppError::NotFound)?;
        Ok((r, c))
    }

    /// A proposal the caller may see: a resident those of their community, staff those in scope.
    pub(super) async fn visible_proposal(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Proposal> {
        if actor.user.role == Role::Resident {
            let (_, c) = self.resident_and_community(conn, actor).await?;
            Ok(sp::get(conn, &c, id).await?)
        } else {
            Ok(sp::get(conn, &actor.scope(), id).await?)
        }
    }

    /// Who the caller is to the proposal, for the rules.
    async fn role_on(&self, conn: &mut Conn, actor: &Actor, p: &Proposal) -> AppResult<dp::Actor> {
        Ok(match actor.user.role {
            Role::Resident => {
                let (r, c) = self.resident_and_community(conn, actor).await?;
                if r.id == p.author_resident_id {
                    dp::Actor::Author
                } else if c.node_id == p.community_id {
                    dp::Actor::Neighbour
                } else {
                    dp::Actor::Outsider
                }
            }
            r if r.is_manager() => dp::Actor::Community,
            _ => dp::Actor::Outsider,
        })
    }

    pub async fn file_proposal(
        &self,
        actor: &Actor,
        input: &NewProposalInput,
    ) -> AppResult<Proposal> {
        self.file_proposal_at(actor, input, now_ms()).await
    }

    /// File a proposal: a resident for themselves, or staff who visit households (steward, grid
    /// worker, community worker and above) for a resident in their scope; both are recorded.
    pub async fn file_proposal_at(
        &self,
        actor: &Actor,
        input: &NewProposalInput,
        now: i64,
    ) -> AppResult<Proposal> {
        let title = text("title", "提案标题", &input.title, MAX_TITLE)?;
        let body = text("body", "提案内容", &input.body, MAX_BODY)?;
        let mut tx = self.app.store.begin().await?;
        let author = match (actor.user.role, input.resident_id) {
            (Role::Resident, other) => {
                let me = self.resident_and_community(&mut tx, actor).await?.0;
                if other.is_some_and(|o| o != me.id) {
                    // A resident files only their own proposals.
                    return Err(AppError::Forbidden);
                }
                me
            }
            (Role::Steward | Role::GridWorker, Some(rid)) => {
                sr::get_resident(&mut tx, &actor.scope(), rid).await?
            }
            (r, Some(rid)) if r.is_manager() => {
                sr::get_resident(&mut tx, &actor.scope(), rid).await?
            }
            (Role::Steward | Role::GridWorker, None) => {
                return Err(AppError::invalid("resident_id", "请选择代为提交的居民"))
            }
            (r, None) if r.is_manager() => {
                return Err(AppError::invalid("resident_id", "请选择代为提交的居民"))
            }
            _ => return Err(AppError::Forbidden),
        };
        let community = community_scope(&author.path).ok_or(AppError::NotFound)?;
        let node = match input.node_id {
            Some(id) => sr::get_node(&mut tx, &community, id)
                .await
                .map_err(|e| match e {
                    jingzhi_store::Error::NotFound => {
                        AppError::invalid("node_id", "提案涉及的地点须在本社区内")
                    }
                    e => e.into(),
                })?,
            None => sr::get_node(&mut tx, &community, community.node_id).await?,
        };
        let id = sp::insert(
            &mut tx,
            &NewProposal {
                node_id: node.id,
                path: &node.path,
                community_id: community.node_id,
                title: &title,
                body: &body,
                author_resident_id: author.id,
                author_name: &author.name,
                filed_by: actor.audit_id(),
                // The author's own account files under the author's registered name.
                filed_by_name: if actor.user.role == Role::Resident {
                    &author.name
                } else {
                    &actor.user.display_name
                },
                now,
            },
        )
        .await?;
        let on_behalf = actor.user.role != Role::Resident;
        let note = on_behalf.then(|| format!("由{}代{}提交", actor.user.display_name, author.name));
        sp::add_timeline(
            &mut tx,
            id,
            now,
            Phase::Collecting,
            &author.name,
            note.as_deref(),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(
                    serde_json::json!({"title": title, "place": node.name, "author": author.name}),
                ),
                ..actor.audit(
                    Action::Create,
                    "proposal",
                    Some(id),
                    &node.path,
                    format!("居民小提案：{title}"),
                )
            },
        )
        .await?;
        let p = sp::get(&mut tx, &community, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }

    /// The places a resident's proposal can concern: their community and its compounds and
    /// buildings, in tree order.
    pub async fn proposal_places(&self, actor: &Actor) -> AppResult<Vec<crate::registry::Node>> {
        use jingzhi_domain::registry::NodeKind;
        let mut conn = self.app.store.acquire().await?;
        let (_, c) = self.resident_and_community(&mut conn, actor).await?;
        let mut places = vec![sr::get_node(&mut conn, &c, c.node_id).await?];
        places.extend(
            sr::nodes_under(
                &mut conn,
                &c,
                &c.path,
                &[NodeKind::Compound, NodeKind::Building],
                500,
            )
            .await?,
        );
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    /// The proposals the caller may see, newest first: a resident those of their community,
    /// staff those in their scope.
    pub async fn proposals(&self, actor: &Actor) -> AppResult<Vec<Proposal>> {
        let mut conn = self.app.store.acquire().await?;
        let scope = if actor.user.role == Role::Resident {
            self.resident_and_community(&mut conn, actor).await?.1
        } else {
            actor.scope()
        };
        Ok(sp::list(&mut conn, &scope, &scope.path, 200).await?)
    }

    pub async fn proposal_view(&self, actor: &Actor, id: i64) -> AppResult<ProposalView> {
        self.proposal_view_at(actor, id, now_ms()).await
    }

    pub async fn proposal_view_at(
        &self,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> AppResult<ProposalView> {
        let mut conn = self.app.store.acquire().await?;
        let p = self.visible_proposal(&mut conn, actor, id).await?;
        let who = self.role_on(&mut conn, actor, &p).await?;
        let supported = match (who, actor.user.resident_id) {
            (dp::Actor::Neighbour, Some(rid)) => sp::has_supported(&mut conn, p.id, rid).await?,
            _ => false,
        };
        let needed = self.needed(&mut conn, &p).await?;
        let open = p.phase.open();
        let timeline = sp::timeline(&mut conn, p.id).await?;
        let mut journey: Vec<JourneyRow> = timeline
            .iter()
            .map(|t| JourneyRow {
                at: t.at,
                kind: JourneyKind::Phase(t.phase),
                by: t.actor_name.clone(),
                note: t.note.clone(),
                link: None,
            })
            .collect();
        let decided = self.decisions_of_proposal(&mut conn, p.id).await?;
        drop(conn);
        for (d, tasks, progress) in decided {
            if let Some(vid) = d.vote_id {
                // The vote's result, as the caller may see it (after its close).
                if let Ok(r) = self.result_at(actor, vid, now).await {
                    let counts: Vec<String> =
                        r.counts.iter().map(|(o, n)| format!("{o} {n}")).collect();
                    journey.push(JourneyRow {
                        at: d.decided_at - 1,
                        kind: JourneyKind::Vote,
                        by: String::new(),
                        note: Some(format!(
                            "{}；投票率{:.0}%；结果：{}",
                            counts.join("，"),
                            r.turnout * 100.0,
                            r.outcome.as_deref().unwrap_or("未形成多数")
                        )),
                        link: Some(("votes", vid)),
                    });
                }
            }
            for pr in progress {
                let title = tasks
                    .iter()
                    .find(|t| t.id == pr.task_id)
                    .map(|t| format!("{}（{}）", t.title, t.owner_name))
                    .unwrap_or_default();
                journey.push(JourneyRow {
                    at: pr.at,
                    kind: JourneyKind::Task(pr.step),
                    by: pr.by_name,
                    note: Some(match pr.note {
                        Some(n) => format!("{title}：{n}"),
                        None => title,
                    }),
                    link: Some(("decisions", d.id)),
                });
            }
        }
        journey.sort_by_key(|j| j.at);
        Ok(ProposalView {
            timeline,
            journey,
            needed,
            overdue: p.state().overdue(now),
            may_support: open && who == dp::Actor::Neighbour && !supported,
            supported,
            may_answer: open && who == dp::Actor::Community,
            may_withdraw: open && who == dp::Actor::Author,
            proposal: p,
        })
    }

    /// Supports the proposal's community needs (the default threshold: 1 % of its households
    /// with residents, at least 10).
    async fn needed(&self, conn: &mut Conn, p: &Proposal) -> AppResult<u64> {
        let community = sr::get_node_unscoped(conn, p.community_id).await?;
        let households = sp::households_in(conn, &community.path).await?;
        let t = sp::threshold(conn, community.id).await?.unwrap_or_default();
        Ok(t.needed(u64::try_from(households).unwrap_or(0)))
    }

    /// A community's threshold as it stands: its own or the default, and what it asks today.
    pub async fn threshold(&self, actor: &Actor, community_id: i64) -> AppResult<ThresholdView> {
        let mut conn = self.app.store.acquire().await?;
        let scope = if actor.user.role == Role::Resident {
            self.resident_and_community(&mut conn, actor).await?.1
        } else {
            actor.scope()
        };
        let c = sr::get_node(&mut conn, &scope, community_id).await?;
        if c.kind != jingzhi_domain::registry::NodeKind::Community {
            return Err(AppError::NotFound);
        }
        let own = sp::threshold(&mut conn, c.id).await?;
        let households = sp::households_in(&mut conn, &c.path).await?;
        let t = own.unwrap_or_default();
        Ok(ThresholdView {
            community_id: c.id,
            community: c.name,
            threshold: t,
            own: own.is_some(),
            households,
            needed: t.needed(u64::try_from(households).unwrap_or(0)),
        })
    }

    /// Set a community's threshold (staff whose scope holds the community), audited. Proposals
    /// already awaiting an answer keep it; the new number counts from the next support.
    pub async fn set_threshold(
        &self,
        actor: &Actor,
        community_id: i64,
        input: &ThresholdInput,
    ) -> AppResult<ThresholdView> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let t = Threshold::parse(&input.kind, input.count, input.permille, input.floor)
            .map_err(AppError::Invalid)?;
        let mut tx = self.app.store.begin().await?;
        let c = sr::get_node(&mut tx, &actor.scope(), community_id).await?;
        if c.kind != jingzhi_domain::registry::NodeKind::Community {
            return Err(AppError::NotFound);
        }
        let before = sp::threshold(&mut tx, c.id).await?.unwrap_or_default();
        sp::set_threshold(
            &mut tx,
            c.id,
            &c.path,
            t,
            &actor.user.display_name,
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"threshold": before.describe_zh()})),
                after: Some(serde_json::json!({"threshold": t.describe_zh()})),
                ..actor.audit(
                    Action::Update,
                    "proposal_threshold",
                    Some(c.id),
                    &c.path,
                    format!("{}居民小提案附议门槛：{}", c.name, t.describe_zh()),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.threshold(actor, community_id).await
    }

    /// Apply a command to a proposal in one transaction: the rules, the new state, the
    /// timeline entry when the phase changes, the audit record.
    async fn act(
        &self,
        actor: &Actor,
        id: i64,
        cmd: Command,
        note: Option<String>,
        now: i64,
    ) -> AppResult<Proposal> {
        let mut tx = self.app.store.begin().await?;
        let p = self.visible_proposal(&mut tx, actor, id).await?;
        let who = self.role_on(&mut tx, actor, &p).await?;
        let mut current = p.state();
        let cmd = match cmd {
            Command::Support { .. } => {
                let rid = actor.user.resident_id.ok_or(AppError::Forbidden)?;
                // The insert answers "already" atomically (one row per resident), and the
                // count moves under the row's lock, so supports at once all count.
                let counts = who == dp::Actor::Neighbour && p.phase.open();
                let fresh = counts && sp::add_support(&mut tx, p.id, rid, now).await?;
                if fresh {
                    current = sp::bump_supports(&mut tx, p.id).await?;
                }
                Command::Support {
                    already: counts && !fresh,
                }
            }
            c => c,
        };
        let needed = self.needed(&mut tx, &p).await?;
        let next = dp::transition(p.id, &current, who, &cmd, needed, now).map_err(refused)?;
        if let Command::MergeInto(into) = cmd {
            // The other proposal must be one the caller can see, of the same community.
            let same_community = sp::get(&mut tx, &actor.scope(), into)
                .await
                .is_ok_and(|o| o.community_id == p.community_id);
            if !same_community {
                return Err(AppError::invalid("into", "请选择本社区的另一条提案"));
            }
        }
        let answer = match &cmd {
            Command::Decline { reasons } => Some(reasons.trim().to_string()),
            _ => note.clone(),
        };
        if !sp::save_state(&mut tx, p.id, current.phase, &next, answer.as_deref(), now).await? {
            return Err(AppError::Conflict {
                field: "phase".into(),
                reason: "提案刚被他人处理，请刷新后再看".into(),
            });
        }
        let (summary, action) = match &cmd {
            Command::Support { .. } => (format!("附议提案：{}", p.title), Action::Create),
            _ => (
                format!("提案“{}”：{}", p.title, next.phase.label_zh()),
                Action::Update,
            ),
        };
        if next.phase != current.phase {
            let by = match &cmd {
                // The threshold is reached by the neighbours together, not by this one.
                Command::Support { .. } => "附议达到人数",
                _ => actor.user.display_name.as_str(),
            };
            sp::add_timeline(&mut tx, p.id, now, next.phase, by, answer.as_deref()).await?;
            // The author and supporters are told; a threshold reached by a support is news to
            // the one who supported too.
            let what = match (&cmd, answer.as_deref()) {
                (Command::Support { .. }, _) => format!(
                    "附议达到{}人，社区须在{}天内答复",
                    next.supports,
                    dp::ANSWER_DAYS
                ),
                (_, Some(a)) => format!("{}：{a}", next.phase.label_zh()),
                (_, None) => next.phase.label_zh().to_string(),
            };
            let except = match cmd {
                Command::Support { .. } => None,
                _ => actor.audit_id(),
            };
            super::tell_followers(&mut tx, p.id, next.phase, except, &what, now).await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"phase": current.phase.label_zh(), "supports": current.supports})),
                after: Some(serde_json::json!({"phase": next.phase.label_zh(), "supports": next.supports})),
                reason: answer.as_deref(),
                ..actor.audit(action, "proposal", Some(p.id), &p.path, summary)
            },
        )
        .await?;
        let out = self.visible_proposal(&mut tx, actor, p.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    pub async fn support_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<Proposal> {
        self.act(actor, id, Command::Support { already: false }, None, now)
            .await
    }

    pub async fn support(&self, actor: &Actor, id: i64) -> AppResult<Proposal> {
        self.support_at(actor, id, now_ms()).await
    }

    /// The community answers: take it up, merge it into another, or decline with reasons.
    pub async fn answer_at(
        &self,
        actor: &Actor,
        id: i64,
        input: &AnswerInput,
        now: i64,
    ) -> AppResult<Proposal> {
        let cmd = match input.answer.trim() {
            "take_up" => Command::TakeUp,
            "merge" => Command::MergeInto(
                input
                    .into
                    .ok_or_else(|| AppError::invalid("into", "请选择合并到的提案"))?,
            ),
            "decline" => Command::Decline {
                reasons: input.reasons.clone().unwrap_or_default(),
            },
            _ => {
                return Err(AppError::invalid(
                    "answer",
                    "答复应为 take_up、merge 或 decline",
                ))
            }
        };
        let note = input
            .reasons
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(n) = &note {
            jingzhi_domain::check_max_chars("reasons", "说明", n, dp::MAX_REASONS)?;
        }
        self.act(actor, id, cmd, note, now).await
    }

    pub async fn answer(&self, actor: &Actor, id: i64, input: &AnswerInput) -> AppResult<Proposal> {
        self.answer_at(actor, id, input, now_ms()).await
    }

    pub async fn withdraw_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<Proposal> {
        self.act(actor, id, Command::Withdraw, None, now).await
    }

    pub async fn withdraw(&self, actor: &Actor, id: i64) -> AppResult<Proposal> {
        self.withdraw_at(actor, id, now_ms()).await
    }
}

impl Participation<'_> {
    /// Escalate, once each, the proposals whose answer is overdue at `now` (the job that
    /// escalates overdue events runs this too): the proposal is marked, its timeline says so,
    /// the street officers over it are told (督办), and so are its author and supporters.
    /// Returns how many were escalated.
    pub async fn escalate_overdue_proposals_at(&self, actor: &Actor, now: i64) -> AppResult<u64> {
        let candidates = {
            let mut conn = self.app.store.acquire().await?;
            sp::overdue_unescalated(&mut conn, now, 200).await?
        };
        let mut done = 0;
        for (id, path) in candidates {
            if !actor.scope().contains(&path) {
                continue;
            }
            let mut tx = self.app.store.begin().await?;
            if !sp::mark_escalated(&mut tx, id, now).await? {
                continue; // answered meanwhile
            }
            let p = sp::get(&mut tx, &actor.scope(), id).await?;
            let note = "社区答复已超期，已提请街道督办";
            sp::add_timeline(&mut tx, id, now, Phase::AwaitingAnswer, "系统", Some(note)).await?;
            for (user_id, _) in sp::street_officers_over(&mut tx, &p.path).await? {
                jingzhi_store::notify::insert_notification(
                    &mut tx,
                    &jingzhi_store::notify::NewNotification {
                        user_id,
                        event_id: None,
                        proposal_id: Some(id),
                        path: &p.path,
                        created_at: now,
                        command: "proposal_overdue",
                        status: Phase::AwaitingAnswer.as_str(),
                        title: &format!("请督办：提案“{}”答复超期", p.title),
                        body: &format!(
                            "{}的居民小提案附议已达门槛，答复期限已过，请督促社区答复。",
                            p.node_name
                        ),
                        link: None,
                    },
                )
                .await?;
            }
            super::tell_followers(&mut tx, id, Phase::AwaitingAnswer, None, note, now).await?;
            audit::record(
                &mut tx,
                actor.audit(
                    Action::Update,
                    "proposal",
                    Some(id),
                    &p.path,
                    format!("提案“{}”答复超期，提请街道督办", p.title),
                ),
            )
            .await?;
            jingzhi_store::commit(tx).await?;
            done += 1;
        }
        Ok(done)
    }
}

impl Participation<'_> {
    /// The community turns a proposal into an event it has reported (the proposal is really a
    /// complaint): the proposal becomes 已转为事件办理, linked to the event; both pages link to
    /// each other. The event must be one of the proposal's community, in the caller's scope.
    pub async fn proposal_to_event(
        &self,
        actor: &Actor,
        proposal_id: i64,
        event_id: i64,
    ) -> AppResult<Proposal> {
        {
            let mut conn = self.app.store.acquire().await?;
            let p = self.visible_proposal(&mut conn, actor, proposal_id).await?;
            let e = jingzhi_store::events::get_event(&mut conn, &actor.scope(), event_id)
                .await
                .map_err(|_| AppError::invalid("event_id", "请选择本社区的事件"))?;
            if community_scope(&e.path).map(|c| c.node_id) != Some(p.community_id) {
                return Err(AppError::invalid("event_id", "请选择本社区的事件"));
            }
        }
        self.act(
            actor,
            proposal_id,
            Command::ToEvent(event_id),
            Some(format!("转为事件#{event_id}办理")),
            now_ms(),
        )
        .await
    }

    /// An event that needs a collective decision becomes a proposal of its community (staff of
    /// the place): its author is the resident who reported it, or `resident_id` (a resident of
    /// the caller's scope) when someone else did. Once per event.
    pub async fn event_to_proposal(
        &self,
        actor: &Actor,
        event_id: i64,
        resident_id: Option<i64>,
    ) -> AppResult<Proposal> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let (e, author) = {
            let mut conn = self.app.store.acquire().await?;
            let e = jingzhi_store::events::get_event(&mut conn, &actor.scope(), event_id).await?;
            if sp::linked_to_event(&mut conn, e.id)
                .await?
                .iter()
                .any(|l| !l.2)
            {
                return Err(AppError::Conflict {
                    field: "event".into(),
                    reason: "该事件已转为居民小提案".into(),
                });
            }
            let reporter = match e.reporter_user_id {
                Some(u) => jingzhi_store::auth::user_by_id(&mut conn, u)
                    .await?
                    .and_then(|u| u.resident_id),
                None => None,
            };
            let author = resident_id.or(reporter).ok_or_else(|| {
                AppError::invalid("resident_id", "该事件不是居民本人上报的，请选择提案人")
            })?;
            (e, author)
        };
        let head: String = e.description.chars().take(30).collect();
        let more = if e.description.chars().count() > 30 {
            "…"
        } else {
            ""
        };
        let body: String = e.description.chars().take(MAX_BODY).collect();
        let p = self
            .file_proposal_at(
                actor,
                &NewProposalInput {
                    title: format!("{}：{head}{more}", e.category_name)
                        .chars()
                        .take(MAX_TITLE)
                        .collect(),
                    body,
                    node_id: Some(e.node_id),
                    resident_id: Some(author),
                },
                now,
            )
            .await?;
        let mut tx = self.app.store.begin().await?;
        sp::set_from_event(&mut tx, p.id, e.id).await?;
        sp::add_timeline(
            &mut tx,
            p.id,
            now,
            Phase::Collecting,
            &actor.user.display_name,
            Some(&format!("由事件#{}转为居民小提案，需集体商议决定", e.id)),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "event",
                Some(e.id),
                &e.path,
                format!("事件#{}转为居民小提案#{}", e.id, p.id),
            ),
        )
        .await?;
        let out = sp::get(&mut tx, &actor.scope(), p.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    /// The proposals linked to an event the caller may see: (id, title, it became the event).
    pub async fn proposals_of_event(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> AppResult<Vec<(i64, String, bool)>> {
        if matches!(actor.user.role, Role::Resident | Role::DepartmentStaff) {
            return Ok(vec![]);
        }
        let mut conn = self.app.store.acquire().await?;
        jingzhi_store::events::get_event(&mut conn, &actor.scope(), event_id).await?;
        Ok(sp::linked_to_event(&mut conn, event_id).await?)
    }
}

/// A visit finding a steward turns into a proposal, as its form shows it.
#[derive(Debug, Clone)]
pub struct FindingProposalForm {
    pub finding_id: i64,
    pub finding_text: String,
    pub address: String,
    pub building_id: i64,
    /// The household's members the proposal may be filed for: (resident id, name).
    pub members: Vec<(i64, String)>,
}

impl Participation<'_> {
    /// What the form of a finding → proposal needs: the finding, the household's members (for
    /// whom the proposal is filed) and its building (the place). Those who log visits only.
    pub async fn finding_proposal_form(
        &self,
        actor: &Actor,
        finding_id: i64,
    ) -> AppResult<FindingProposalForm> {
        let (f, v) = self.app.rounds().finding_view(actor, finding_id).await?;
        let may = actor.user.role.is_manager()
            || matches!(actor.user.role, Role::Steward | Role::GridWorker);
        if !may {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.app.store.acquire().await?;
        let members = sr::household_members(&mut conn, &actor.scope(), v.household_id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        Ok(FindingProposalForm {
            finding_id: f.id,
            finding_text: f.text,
            address: v.address,
            building_id: v.building_id,
            members,
        })
    }

    /// A steward files a proposal from a visit finding, for a member of the visited household
    /// (as they file one from a visit today): the place is the household's building, and the
    /// timeline says it came from the visit.
    pub async fn file_proposal_from_finding(
        &self,
        actor: &Actor,
        finding_id: i64,
        resident_id: Option<i64>,
        title: &str,
        body: &str,
    ) -> AppResult<Proposal> {
        let form = self.finding_proposal_form(actor, finding_id).await?;
        let rid = resident_id
            .filter(|r| form.members.iter().any(|(m, _)| m == r))
            .ok_or_else(|| AppError::invalid("resident_id", "请选择这一户中提出意见的居民"))?;
        let now = now_ms();
        let p = self
            .file_proposal_at(
                actor,
                &NewProposalInput {
                    title: title.to_string(),
                    body: body.to_string(),
                    node_id: Some(form.building_id),
                    resident_id: Some(rid),
                },
                now,
            )
            .await?;
        let mut tx = self.app.store.begin().await?;
        sp::add_timeline(
            &mut tx,
            p.id,
            now,
            Phase::Collecting,
            &actor.user.display_name,
            Some(&format!("来自走访发现：{}", form.address)),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }
}
