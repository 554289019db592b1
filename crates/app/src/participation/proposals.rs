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
        Ok(Threshold::default().needed(u64::try_from(households).unwrap_or(0)))
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
