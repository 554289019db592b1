//! Deliberation meetings (民主议事会, the three meetings 三会): staff of a community hold a
//! meeting over a place of it, invite parties, put proposals, events or free topics on the
//! agenda, record each item's rounds, and the organiser drafts the minutes, opens them to the
//! attendees' amendments for some days, and they lock (docs/participation.md).

use super::{community_scope, text, time_field, Participation};
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::participation::meetings::{
    self as dm, MeetingSpec, MinutesAct, MinutesActor, MinutesPhase, MinutesRefusal, Position,
    RoundSpec, Subject,
};
use jingzhi_domain::participation::proposals::Phase as ProposalPhase;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::participation::meetings::{self as sm, NewItem, NewMeeting, NewParty, NewRound};
use jingzhi_store::participation::{decisions as sdec, proposals as sp};
use jingzhi_store::{audit, departments as sd, events as se, registry as sr, Conn};
use sha2::{Digest, Sha256};

// The rows this capability returns (its read models).
pub use jingzhi_store::participation::meetings::{AgendaItem, Amendment, Meeting, Party, Round};

/// A new meeting as the API body or the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewMeetingInput {
    /// The place it is about: a community or a place inside one, in the caller's scope.
    pub node_id: i64,
    /// `topic_gathering`, `deliberation` or `evaluation`.
    pub kind: String,
    pub title: String,
    /// When it is (was) held: RFC 3339.
    pub held_at: String,
    pub venue: String,
}

/// An invited party: a resident (a representative, picked from the register), a member of
/// staff (picked from the users in scope), a department (from the registry), or a named
/// party (a property company, a lawyer, a merchant).
#[derive(Debug, Clone, Default)]
pub struct PartyInput {
    pub name: String,
    pub role: String,
    pub resident_id: Option<i64>,
    pub user_id: Option<i64>,
    pub department_code: Option<String>,
    pub attended: bool,
}

/// An agenda item: a proposal taken up, an event, a decision to evaluate, or a free topic.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub title: String,
    pub proposal_id: Option<i64>,
    pub event_id: Option<i64>,
    pub decision_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct RoundInput {
    pub positions: Vec<Position>,
    pub changes: String,
    pub open_points: String,
}

/// A meeting as its page shows it to the caller.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub parties: Vec<Party>,
    pub items: Vec<AgendaItem>,
    pub rounds: Vec<Round>,
    pub amendments: Vec<Amendment>,
    pub minutes_phase: MinutesPhase,
    /// The digest of locked minutes recomputed now equals the one stored at the lock.
    pub digest_verified: Option<bool>,
    /// Staff of the place: parties, agenda, rounds, decisions.
    pub may_edit: bool,
    /// The organiser: the minutes.
    pub is_organiser: bool,
    /// An attendee (or the organiser) while the minutes are open to amendment.
    pub may_amend: bool,
}

fn minutes_refused(r: MinutesRefusal) -> AppError {
    match r {
        MinutesRefusal::NotAllowed => AppError::Forbidden,
        MinutesRefusal::Invalid(f) => AppError::Invalid(vec![f]),
        r => AppError::Conflict {
            field: "minutes".into(),
            reason: r.zh(),
        },
    }
}

/// The digest of a meeting's minutes over their canonical text (SHA-256, hex).
pub fn minutes_digest(m: &Meeting, amendments: &[Amendment]) -> String {
    let am: Vec<dm::Amendment<'_>> = amendments
        .iter()
        .map(|a| dm::Amendment {
            author: &a.author_name,
            at: a.at,
            text: &a.body,
        })
        .collect();
    let text = dm::canonical_minutes(
        m.id,
        m.kind,
        m.held_at,
        &m.title,
        m.minutes.as_deref().unwrap_or(""),
        &am,
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Participation<'_> {
    /// A meeting the caller may see: a resident those of their community; a department's
    /// staff those their department or they were invited to; other staff those in scope.
    pub(super) async fn visible_meeting(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Meeting> {
        match actor.user.role {
            Role::Resident => {
                let (_, c) = self.resident_and_community(conn, actor).await?;
                Ok(sm::get(conn, &c, id).await?)
            }
            Role::DepartmentStaff => {
                let dept = self.own_department_id(conn, actor).await?;
                let m = sm::get(conn, &super::everywhere(), id).await?;
                let invited = sm::parties(conn, m.id).await?.iter().any(|p| {
                    p.user_id == Some(actor.id()) || (dept.is_some() && p.department_id == dept)
                });
                if invited {
                    Ok(m)
                } else {
                    Err(AppError::NotFound)
                }
            }
            _ => Ok(sm::get(conn, &actor.scope(), id).await?),
        }
    }

    /// The registry id of a department member's department.
    pub(super) async fn own_department_id(
        &self,
        conn: &mut Conn,
        actor: &Actor,
    ) -> AppResult<Option<i64>> {
        let Some(code) = actor.user.department.as_deref() else {
            return Ok(None);
        };
        match sd::get_by_code(conn, code).await {
            Ok(d) => Ok(Some(d.id)),
            Err(jingzhi_store::Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A meeting staff of its place may edit (community worker and above, in scope).
    async fn editable_meeting(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Meeting> {
        let m = self.visible_meeting(conn, actor, id).await?;
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        Ok(m)
    }

    pub async fn create_meeting(
        &self,
        actor: &Actor,
        input: &NewMeetingInput,
    ) -> AppResult<Meeting> {
        self.create_meeting_at(actor, input, now_ms()).await
    }

    pub async fn create_meeting_at(
        &self,
        actor: &Actor,
        input: &NewMeetingInput,
        now: i64,
    ) -> AppResult<Meeting> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        // Every wrong field at once: a time that does not parse is named like a missing one.
        let (held_at, bad_time) = match input.held_at.trim() {
            "" => (None, None),
            t => match time_field("held_at", t) {
                Ok(t) => (Some(t), None),
                Err(AppError::Invalid(f)) => (None, f.into_iter().next()),
                Err(e) => return Err(e),
            },
        };
        let spec = MeetingSpec::new(&input.kind, &input.title, held_at, &input.venue).map_err(
            |mut v| {
                if let (Some(bad), Some(slot)) =
                    (bad_time, v.iter_mut().find(|f| f.field == "held_at"))
                {
                    *slot = bad;
                }
                AppError::Invalid(v)
            },
        )?;
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id).await?;
        if community_scope(&node.path).is_none() {
            return Err(AppError::invalid(
                "node_id",
                "会议须在一个社区或社区内的地点召开",
            ));
        }
        let id = sm::insert(
            &mut tx,
            &NewMeeting {
                node_id: node.id,
                path: &node.path,
                kind: spec.kind,
                title: &spec.title,
                held_at: spec.held_at,
                venue: &spec.venue,
                organiser_id: actor.audit_id(),
                organiser_name: &actor.user.display_name,
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"kind": spec.kind.label_zh(), "title": spec.title, "venue": spec.venue})),
                ..actor.audit(
                    Action::Create,
                    "meeting",
                    Some(id),
                    &node.path,
                    format!("{}：{}", spec.kind.label_zh(), spec.title),
                )
            },
        )
        .await?;
        let m = sm::get(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// The meetings the caller may see, latest first.
    pub async fn meetings(&self, actor: &Actor) -> AppResult<Vec<Meeting>> {
        let mut conn = self.app.store.acquire().await?;
        match actor.user.role {
            Role::Resident => {
                let (_, c) = self.resident_and_community(&mut conn, actor).await?;
                Ok(sm::list(&mut conn, &c, &c.path, 200).await?)
            }
            Role::DepartmentStaff => {
                let dept = self.own_department_id(&mut conn, actor).await?;
                Ok(sm::list_with_party(&mut conn, actor.id(), dept, 200).await?)
            }
            _ => {
                let s = actor.scope();
                Ok(sm::list(&mut conn, &s, &s.path, 200).await?)
            }
        }
    }

    pub async fn meeting_view(&self, actor: &Actor, id: i64) -> AppResult<MeetingView> {
        self.meeting_view_at(actor, id, now_ms()).await
    }

    /// A meeting with everything on its page. Minutes whose amendment time has passed are
    /// locked here, in this transaction, if nobody has locked them yet.
    pub async fn meeting_view_at(
        &self,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> AppResult<MeetingView> {
        let mut tx = self.app.store.begin().await?;
        let mut m = self.visible_meeting(&mut tx, actor, id).await?;
        let amendments = sm::amendments(&mut tx, m.id).await?;
        if m.minutes_state().lock_due(now) {
            self.lock_now(&mut tx, &m, &amendments, m.amend_until.unwrap_or(now), None)
                .await?;
            m = self.visible_meeting(&mut tx, actor, id).await?;
        }
        let parties = sm::parties(&mut tx, m.id).await?;
        let items = sm::items(&mut tx, m.id).await?;
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        let rounds = sm::rounds(&mut tx, &ids).await?;
        let who = self.minutes_actor(&mut tx, actor, &m, &parties).await?;
        jingzhi_store::commit(tx).await?;
        let phase = m.minutes_state().phase(now);
        let digest_verified = m
            .minutes_hash
            .as_ref()
            .map(|h| *h == minutes_digest(&m, &amendments));
        Ok(MeetingView {
            may_edit: actor.user.role.is_manager(),
            is_organiser: who == MinutesActor::Organiser,
            may_amend: phase == MinutesPhase::Amending && who != MinutesActor::Other,
            minutes_phase: phase,
            digest_verified,
            meeting: m,
            parties,
            items,
            rounds,
            amendments,
        })
    }

    /// Lock the minutes with their digest (at `at`), audited; `by` is who locked them (None:
    /// the amendment time ran out).
    async fn lock_now(
        &self,
        conn: &mut Conn,
        m: &Meeting,
        amendments: &[Amendment],
        at: i64,
        by: Option<&Actor>,
    ) -> AppResult<bool> {
        let digest = minutes_digest(m, amendments);
        if !sm::lock_minutes(conn, m.id, at, &digest).await? {
            return Ok(false);
        }
        let summary = format!("会议纪要定稿锁定：{}（{}）", m.title, &digest[..12]);
        let entry = match by {
            Some(a) => a.audit(Action::Update, "meeting", Some(m.id), &m.path, summary),
            None => audit::Entry {
                actor_id: None,
                actor_name: "修改期届满",
                action: Action::Update,
                entity: "meeting",
                entity_id: Some(m.id),
                path: &m.path,
                summary,
                before: None,
                after: None,
                reason: None,
            },
        };
        audit::record(conn, entry).await?;
        Ok(true)
    }

    /// Who the caller is to the minutes: the organiser, an attendee who came (through their
    /// account, their resident record or their department), or neither.
    async fn minutes_actor(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        m: &Meeting,
        parties: &[Party],
    ) -> AppResult<MinutesActor> {
        if m.organiser_id.is_some() && m.organiser_id == actor.audit_id() {
            return Ok(MinutesActor::Organiser);
        }
        let dept = self.own_department_id(conn, actor).await?;
        let came = parties.iter().filter(|p| p.attended).any(|p| {
            p.user_id == Some(actor.id())
                || (p.resident_id.is_some() && p.resident_id == actor.user.resident_id)
                || (dept.is_some() && p.department_id == dept)
        });
        Ok(if came {
            MinutesActor::Attendee
        } else {
            MinutesActor::Other
        })
    }

    /// Invite a party (staff of the place).
    pub async fn add_party(
        &self,
        actor: &Actor,
        meeting_id: i64,
        input: &PartyInput,
    ) -> AppResult<Party> {
        let mut tx = self.app.store.begin().await?;
        let m = self.editable_meeting(&mut tx, actor, meeting_id).await?;
        // A party picked from a list takes its name from it.
        let (name, user_id, resident_id, department_id) = if let Some(rid) = input.resident_id {
            let r = sr::get_resident(&mut tx, &actor.scope(), rid)
                .await
                .map_err(|_| AppError::invalid("resident_id", "请从本社区居民中选择"))?;
            let account = sm::account_of_resident(&mut tx, r.id).await?;
            (r.name, account, Some(r.id), None)
        } else if let Some(uid) = input.user_id {
            let u = jingzhi_store::auth::get_user_in_scope(&mut tx, &actor.scope(), uid)
                .await
                .map_err(|_| AppError::invalid("user_id", "请从本辖区的工作人员中选择"))?;
            (u.display_name, Some(u.id), None, None)
        } else if let Some(code) = input.department_code.as_deref().filter(|c| !c.is_empty()) {
            let serving = sd::list(&mut tx, &actor.scope(), Some(&m.path), true).await?;
            let d = serving
                .into_iter()
                .find(|d| d.code == code)
                .ok_or_else(|| {
                    AppError::invalid("department_code", "请从服务本社区的部门中选择")
                })?;
            (d.name, None, None, Some(d.id))
        } else {
            (input.name.clone(), None, None, None)
        };
        let (name, role) = dm::check_party(&name, &input.role).map_err(AppError::Invalid)?;
        let id = sm::insert_party(
            &mut tx,
            &NewParty {
                meeting_id: m.id,
                name: &name,
                role,
                user_id,
                resident_id,
                department_id,
                attended: input.attended,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "meeting",
                Some(m.id),
                &m.path,
                format!(
                    "会议“{}”邀请参会方：{}（{}）",
                    m.title,
                    name,
                    role.label_zh()
                ),
            ),
        )
        .await?;
        let p = sm::parties(&mut tx, m.id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }

    /// Record who attended: exactly the listed parties of the meeting.
    pub async fn set_attendance(
        &self,
        actor: &Actor,
        meeting_id: i64,
        present: &[i64],
    ) -> AppResult<Vec<Party>> {
        let mut tx = self.app.store.begin().await?;
        let m = self.editable_meeting(&mut tx, actor, meeting_id).await?;
        let parties = sm::parties(&mut tx, m.id).await?;
        if let Some(bad) = present
            .iter()
            .find(|id| !parties.iter().any(|p| p.id == **id))
        {
            return Err(AppError::invalid(
                "present",
                format!("参会方 {bad} 不是本次会议邀请的"),
            ));
        }
        sm::set_attendance(&mut tx, m.id, present).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "meeting",
                Some(m.id),
                &m.path,
                format!("会议“{}”登记出席：{}方", m.title, present.len()),
            ),
        )
        .await?;
        let out = sm::parties(&mut tx, m.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    pub async fn add_item(
        &self,
        actor: &Actor,
        meeting_id: i64,
        input: &ItemInput,
    ) -> AppResult<AgendaItem> {
        self.add_item_at(actor, meeting_id, input, now_ms()).await
    }

    /// Put an item on the agenda: a proposal of the community taken up onto an agenda, an
    /// event in scope, a decision of the community (evaluation meetings only), or a free topic
    /// (a title is required then; the others take theirs when none is given).
    pub async fn add_item_at(
        &self,
        actor: &Actor,
        meeting_id: i64,
        input: &ItemInput,
        now: i64,
    ) -> AppResult<AgendaItem> {
        let subject = dm::subject(input.proposal_id, input.event_id, input.decision_id)?;
        let mut tx = self.app.store.begin().await?;
        let m = self.editable_meeting(&mut tx, actor, meeting_id).await?;
        let community = community_scope(&m.path).ok_or(AppError::NotFound)?;
        let own_title = match subject {
            Subject::Proposal(pid) => {
                let p = sp::get(&mut tx, &community, pid)
                    .await
                    .map_err(|_| AppError::invalid("proposal_id", "请选择本社区的提案"))?;
                if p.phase != ProposalPhase::TakenUp {
                    return Err(AppError::invalid(
                        "proposal_id",
                        "提案须先由社区答复“列入议题”，才能上会",
                    ));
                }
                Some(p.title)
            }
            Subject::Event(eid) => Some(super::event_label(
                &se::get_event(&mut tx, &community, eid)
                    .await
                    .map_err(|_| AppError::invalid("event_id", "请选择本社区的事件"))?,
            )),
            Subject::Decision(did) => {
                if m.kind != dm::Kind::Evaluation {
                    return Err(AppError::invalid("decision_id", "只有评议会评议决定的落实"));
                }
                Some(
                    sdec::get(&mut tx, &community, did)
                        .await
                        .map_err(|_| AppError::invalid("decision_id", "请选择本社区的决定"))?
                        .title,
                )
            }
            Subject::Topic => None,
        };
        let title = match (input.title.trim(), own_title) {
            ("", Some(t)) => t,
            (given, _) => text("title", "议题", given, dm::MAX_TITLE)?,
        };
        let (proposal_id, event_id, decision_id) = match subject {
            Subject::Proposal(p) => (Some(p), None, None),
            Subject::Event(e) => (None, Some(e), None),
            Subject::Decision(d) => (None, None, Some(d)),
            Subject::Topic => (None, None, None),
        };
        let id = sm::insert_item(
            &mut tx,
            &NewItem {
                meeting_id: m.id,
                title: &title,
                proposal_id,
                event_id,
                evaluates_decision_id: decision_id,
                now,
            },
        )
        .await?;
        if let Some(pid) = proposal_id {
            // The proposal's public timeline says which meeting took it.
            super::proposal_step(
                &mut tx,
                pid,
                ProposalPhase::TakenUp,
                actor,
                Some(&format!("列入{}“{}”议程", m.kind.label_zh(), m.title)),
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "meeting",
                Some(m.id),
                &m.path,
                format!(
                    "会议“{}”增加议题：{}（{}）",
                    m.title,
                    title,
                    subject.kind_str()
                ),
            ),
        )
        .await?;
        let item = sm::get_item(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(item)
    }

    pub async fn add_round(
        &self,
        actor: &Actor,
        item_id: i64,
        input: &RoundInput,
    ) -> AppResult<Round> {
        self.add_round_at(actor, item_id, input, now_ms()).await
    }

    /// Record the next round of an agenda item (staff of the place); an item with a decision
    /// takes no more rounds.
    pub async fn add_round_at(
        &self,
        actor: &Actor,
        item_id: i64,
        input: &RoundInput,
        now: i64,
    ) -> AppResult<Round> {
        let spec = RoundSpec::new(&input.positions, &input.changes, &input.open_points)
            .map_err(AppError::Invalid)?;
        let mut tx = self.app.store.begin().await?;
        let item = self.visible_item(&mut tx, actor, item_id).await?;
        let m = self
            .editable_meeting(&mut tx, actor, item.meeting_id)
            .await?;
        if item.decision_id.is_some() {
            return Err(AppError::Conflict {
                field: "item".into(),
                reason: "该议题已形成决定，不能再增加协商轮次".into(),
            });
        }
        let n = sm::insert_round(
            &mut tx,
            &NewRound {
                item_id: item.id,
                at: now,
                positions: &spec.positions,
                changes: &spec.changes,
                open_points: &spec.open_points,
                recorded_by_name: &actor.user.display_name,
            },
        )
        .await?;
        if let Some(pid) = item.proposal_id {
            super::proposal_step(
                &mut tx,
                pid,
                ProposalPhase::TakenUp,
                actor,
                Some(&format!("{}第{}轮协商", m.kind.label_zh(), n)),
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"round": n, "positions": spec.positions.len(), "open_points": spec.open_points})),
                ..actor.audit(
                    Action::Create,
                    "meeting_round",
                    Some(item.id),
                    &m.path,
                    format!("议题“{}”第{}轮协商", item.title, n),
                )
            },
        )
        .await?;
        let round = sm::rounds(&mut tx, &[item.id])
            .await?
            .into_iter()
            .find(|r| r.n == n)
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(round)
    }

    /// Apply a minutes action in one transaction: check it against the rules at `now`, lock
    /// first if the amendment time has run out (then refuse), write, audit.
    async fn minutes_act(
        &self,
        actor: &Actor,
        meeting_id: i64,
        act: MinutesAct,
        body: Option<String>,
        now: i64,
    ) -> AppResult<Meeting> {
        let mut tx = self.app.store.begin().await?;
        let m = self.visible_meeting(&mut tx, actor, meeting_id).await?;
        let parties = sm::parties(&mut tx, m.id).await?;
        let amendments = sm::amendments(&mut tx, m.id).await?;
        let state = m.minutes_state();
        if state.lock_due(now) {
            self.lock_now(&mut tx, &m, &amendments, m.amend_until.unwrap_or(now), None)
                .await?;
            jingzhi_store::commit(tx).await?;
            return Err(minutes_refused(MinutesRefusal::Locked));
        }
        let who = self.minutes_actor(&mut tx, actor, &m, &parties).await?;
        let next = dm::minutes_act(state, who, act, now).map_err(minutes_refused)?;
        let summary = match act {
            MinutesAct::Write => {
                let t = body.unwrap_or_default();
                let t = text("minutes", "纪要内容", &t, dm::MAX_MINUTES)?;
                if !sm::write_minutes(&mut tx, m.id, &t, next.amend_until).await? {
                    return Err(minutes_refused(MinutesRefusal::Locked));
                }
                format!("起草会议纪要：{}", m.title)
            }
            MinutesAct::Open { days } => {
                let t = m.minutes.clone().unwrap_or_default();
                if !sm::write_minutes(&mut tx, m.id, &t, next.amend_until).await? {
                    return Err(minutes_refused(MinutesRefusal::Locked));
                }
                format!("会议纪要征求参会方修改{days}天：{}", m.title)
            }
            MinutesAct::Amend => {
                let t = body.unwrap_or_default();
                let t = text("body", "修改意见", &t, dm::MAX_TEXT)?;
                sm::add_amendment(
                    &mut tx,
                    m.id,
                    actor.audit_id(),
                    &actor.user.display_name,
                    now,
                    &t,
                )
                .await?;
                format!("对会议纪要提出修改：{}", m.title)
            }
            MinutesAct::Lock => {
                if !self
                    .lock_now(&mut tx, &m, &amendments, now, Some(actor))
                    .await?
                {
                    return Err(minutes_refused(MinutesRefusal::Locked));
                }
                let out = self.visible_meeting(&mut tx, actor, m.id).await?;
                jingzhi_store::commit(tx).await?;
                return Ok(out);
            }
        };
        audit::record(
            &mut tx,
            actor.audit(Action::Update, "meeting", Some(m.id), &m.path, summary),
        )
        .await?;
        let out = self.visible_meeting(&mut tx, actor, m.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    /// The organiser writes (or rewrites) the minutes' text, before they lock.
    pub async fn write_minutes_at(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        now: i64,
    ) -> AppResult<Meeting> {
        self.minutes_act(actor, id, MinutesAct::Write, Some(body.to_string()), now)
            .await
    }

    pub async fn write_minutes(&self, actor: &Actor, id: i64, body: &str) -> AppResult<Meeting> {
        self.write_minutes_at(actor, id, body, now_ms()).await
    }

    /// The organiser opens the draft to the attendees' amendments for `days` days; then the
    /// minutes lock.
    pub async fn open_minutes_at(
        &self,
        actor: &Actor,
        id: i64,
        days: i64,
        now: i64,
    ) -> AppResult<Meeting> {
        self.minutes_act(actor, id, MinutesAct::Open { days }, None, now)
            .await
    }

    pub async fn open_minutes(&self, actor: &Actor, id: i64, days: i64) -> AppResult<Meeting> {
        self.open_minutes_at(actor, id, days, now_ms()).await
    }

    /// An attendee adds an amendment while the minutes are open to them.
    pub async fn amend_minutes_at(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        now: i64,
    ) -> AppResult<Meeting> {
        self.minutes_act(actor, id, MinutesAct::Amend, Some(body.to_string()), now)
            .await
    }

    pub async fn amend_minutes(&self, actor: &Actor, id: i64, body: &str) -> AppResult<Meeting> {
        self.amend_minutes_at(actor, id, body, now_ms()).await
    }

    /// The organiser locks the minutes now (定稿).
    pub async fn lock_minutes_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<Meeting> {
        self.minutes_act(actor, id, MinutesAct::Lock, None, now)
            .await
    }

    pub async fn lock_minutes(&self, actor: &Actor, id: i64) -> AppResult<Meeting> {
        self.lock_minutes_at(actor, id, now_ms()).await
    }

    /// Lock every minute whose amendment time has run out and that nobody has looked at since
    /// (a page locks them on sight too): the transparency log's publisher runs this first, so
    /// such minutes reach the log without waiting for a visitor. Gives how many it locked.
    pub async fn lock_due_minutes_at(&self, now: i64) -> AppResult<u64> {
        let mut tx = self.app.store.begin().await?;
        let all = super::everywhere();
        let mut locked = 0;
        for id in sm::due_for_lock(&mut tx, now, 500).await? {
            let m = sm::get(&mut tx, &all, id).await?;
            let amendments = sm::amendments(&mut tx, m.id).await?;
            if self
                .lock_now(&mut tx, &m, &amendments, m.amend_until.unwrap_or(now), None)
                .await?
            {
                locked += 1;
            }
        }
        jingzhi_store::commit(tx).await?;
        Ok(locked)
    }

    /// What a meeting's forms offer to pick: proposals taken up, open events and decisions of
    /// the community, residents' representatives and staff of the place, serving departments.
    pub async fn meeting_choices(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> AppResult<MeetingChoices> {
        let mut conn = self.app.store.acquire().await?;
        let m = self.editable_meeting(&mut conn, actor, meeting_id).await?;
        let community = community_scope(&m.path).ok_or(AppError::NotFound)?;
        let proposals = sp::list(&mut conn, &community, &community.path, 200)
            .await?
            .into_iter()
            .filter(|p| p.phase == ProposalPhase::TakenUp)
            .map(|p| (p.id, p.title))
            .collect();
        let events = se::list_events(
            &mut conn,
            &community,
            &jingzhi_domain::events::EventFilter::default(),
            None,
            100,
        )
        .await?
        .into_iter()
        .map(|e| (e.id, super::event_label(&e)))
        .collect();
        let decisions = sdec::list(&mut conn, &community, &community.path, 100)
            .await?
            .into_iter()
            .map(|d| (d.id, d.title))
            .collect();
        let representatives =
            jingzhi_store::participation::votes::representatives_in(&mut conn, &community.path)
                .await?;
        let staff = jingzhi_store::auth::list_users(&mut conn, &community, 200, 0)
            .await?
            .into_iter()
            .filter(|u| u.role != Role::Resident && !u.disabled)
            .map(|u| (u.id, u.display_name))
            .collect();
        let departments = sd::list(&mut conn, &actor.scope(), Some(&m.path), true)
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        Ok(MeetingChoices {
            proposals,
            events,
            decisions,
            representatives,
            staff,
            departments,
        })
    }
}

/// Lists a meeting's forms pick from: (id or code, label).
#[derive(Debug, Clone, Default)]
pub struct MeetingChoices {
    pub proposals: Vec<(i64, String)>,
    pub events: Vec<(i64, String)>,
    pub decisions: Vec<(i64, String)>,
    pub representatives: Vec<(i64, String)>,
    pub staff: Vec<(i64, String)>,
    pub departments: Vec<(String, String)>,
}

impl Participation<'_> {
    /// An agenda item of a meeting the caller may see.
    pub async fn agenda_item(&self, actor: &Actor, item_id: i64) -> AppResult<AgendaItem> {
        let mut conn = self.app.store.acquire().await?;
        self.visible_item(&mut conn, actor, item_id).await
    }

    async fn visible_item(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        item_id: i64,
    ) -> AppResult<AgendaItem> {
        let scope = match actor.user.role {
            Role::Resident => self.resident_and_community(conn, actor).await?.1,
            Role::DepartmentStaff => super::everywhere(),
            _ => actor.scope(),
        };
        let item = sm::get_item(conn, &scope, item_id).await?;
        self.visible_meeting(conn, actor, item.meeting_id).await?;
        Ok(item)
    }
}
