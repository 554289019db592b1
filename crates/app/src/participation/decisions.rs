//! Decisions carried out (issue 11 §5): a decision taken on an agenda item or by a vote
//! becomes tasks with an owner (the community, the property company, a department from the
//! registry, an event), a due date and progress steps on a public timeline; an evaluation
//! meeting rates how it was carried out. A department's staff see and move only the tasks
//! sent to their department.

use super::{community_scope, text, time_field, Participation};
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::participation::decisions::{self as dd, Figure, OwnerKind, Step};
use jingzhi_domain::participation::meetings::Kind as MeetingKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::participation::decisions::{self as sdec, NewDecision, NewTask};
use jingzhi_store::participation::{meetings as sm, votes as sv};
use jingzhi_store::{audit, departments as sd, events as se, registry as sr, Conn};

// The rows this capability returns (its read models).
pub use jingzhi_store::participation::decisions::{Decision, Progress, Task};

/// A decision as the API body or the form gives it: taken on an agenda item, or by a closed
/// vote, or both (a deliberation that ended in a vote).
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub item_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub title: String,
    /// `community`, `property`, `department` or `event`.
    pub owner_kind: String,
    /// The property company's name (owner `property`); others take their name from the
    /// registry.
    pub owner_name: Option<String>,
    /// Owner `department`: its registry code.
    pub department_code: Option<String>,
    /// Owner `event`: the event of the community that carries it.
    pub event_id: Option<i64>,
    /// RFC 3339.
    pub due_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct EvaluationInput {
    pub meeting_id: i64,
    pub rating: i64,
    pub note: Option<String>,
}

/// A decision with its tasks and their steps, as its page shows it.
#[derive(Debug, Clone)]
pub struct DecisionView {
    pub decision: Decision,
    pub tasks: Vec<Task>,
    pub progress: Vec<Progress>,
    /// Staff of the place: tasks, and any task's progress.
    pub may_edit: bool,
    /// Tasks the caller may move (staff: all; a department: its own).
    pub may_move: Vec<i64>,
    /// Evaluation meetings of the community that may rate it: (id, title).
    pub evaluations: Vec<(i64, String)>,
}

impl Participation<'_> {
    /// A decision the caller may see: residents those of their community, a department's
    /// staff those with a task sent to their department, other staff those in scope.
    async fn visible_decision(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Decision> {
        match actor.user.role {
            Role::Resident => {
                let (_, c) = self.resident_and_community(conn, actor).await?;
                Ok(sdec::get(conn, &c, id).await?)
            }
            Role::DepartmentStaff => {
                let dept = self
                    .own_department_id(conn, actor)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let d = sdec::get(conn, &super::everywhere(), id).await?;
                if sdec::tasks(conn, d.id)
                    .await?
                    .iter()
                    .any(|t| t.department_id == Some(dept))
                {
                    Ok(d)
                } else {
                    Err(AppError::NotFound)
                }
            }
            _ => Ok(sdec::get(conn, &actor.scope(), id).await?),
        }
    }

    pub async fn decide(&self, actor: &Actor, input: &DecisionInput) -> AppResult<Decision> {
        self.decide_at(actor, input, now_ms()).await
    }

    /// Record a decision (staff of the place): on an agenda item of a meeting (one decision per
    /// item), by a closed vote, or both.
    pub async fn decide_at(
        &self,
        actor: &Actor,
        input: &DecisionInput,
        now: i64,
    ) -> AppResult<Decision> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let title = text("title", "决定事项", &input.title, dd::MAX_TITLE)?;
        let body = text("body", "决定内容", &input.body, dd::MAX_TEXT)?;
        let figures = dd::check_figures(&input.figures)?;
        if input.item_id.is_none() && input.vote_id.is_none() {
            return Err(AppError::invalid("item_id", "决定须来自会议议题或一次表决"));
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let mut place: Option<(i64, String)> = None;
        let mut proposal_id = None;
        if let Some(iid) = input.item_id {
            let item = sm::get_item(&mut tx, &scope, iid)
                .await
                .map_err(|_| AppError::invalid("item_id", "请选择本辖区会议的议题"))?;
            if item.decision_id.is_some() {
                return Err(AppError::Conflict {
                    field: "item_id".into(),
                    reason: "该议题已形成决定".into(),
                });
            }
            let m = sm::get(&mut tx, &scope, item.meeting_id).await?;
            proposal_id = item.proposal_id;
            place = Some((m.node_id, m.path));
        }
        if let Some(vid) = input.vote_id {
            let v = sv::get(&mut tx, &scope, vid)
                .await
                .map_err(|_| AppError::invalid("vote_id", "请选择本辖区的表决"))?;
            if v.closed_at.is_none() && v.closes_at > now {
                return Err(AppError::Conflict {
                    field: "vote_id".into(),
                    reason: "表决尚未结束".into(),
                });
            }
            if place.is_none() {
                place = Some((v.node_id, v.path));
            }
        }
        let (node_id, path) = place.ok_or(AppError::NotFound)?;
        let id = sdec::insert(
            &mut tx,
            &NewDecision {
                node_id,
                path: &path,
                title: &title,
                body: &body,
                figures: &figures,
                item_id: input.item_id,
                vote_id: input.vote_id,
                proposal_id,
                decided_at: now,
                decided_by_name: &actor.user.display_name,
            },
        )
        .await
        .map_err(|e| match e {
            jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                field: "item_id".into(),
                reason: "该议题已形成决定".into(),
            },
            e => e.into(),
        })?;
        if let Some(pid) = proposal_id {
            super::proposal_step(
                &mut tx,
                pid,
                jingzhi_domain::participation::proposals::Phase::TakenUp,
                actor,
                Some(&format!("形成决定：{title}")),
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"title": title, "figures": figures, "vote_id": input.vote_id, "item_id": input.item_id})),
                ..actor.audit(Action::Create, "decision", Some(id), &path, format!("形成决定：{title}"))
            },
        )
        .await?;
        let d = sdec::get(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(d)
    }

    /// The decisions the caller may see, latest first.
    pub async fn decisions(&self, actor: &Actor) -> AppResult<Vec<Decision>> {
        let mut conn = self.app.store.acquire().await?;
        let scope = match actor.user.role {
            Role::Resident => self.resident_and_community(&mut conn, actor).await?.1,
            Role::DepartmentStaff => return Ok(vec![]),
            _ => actor.scope(),
        };
        Ok(sdec::list(&mut conn, &scope, &scope.path, 200).await?)
    }

    /// The tasks sent to the caller's department (a department's staff), open ones first.
    pub async fn department_tasks(&self, actor: &Actor) -> AppResult<Vec<Task>> {
        let mut conn = self.app.store.acquire().await?;
        match self.own_department_id(&mut conn, actor).await? {
            Some(d) if actor.user.role == Role::DepartmentStaff => {
                Ok(sdec::tasks_of_department(&mut conn, d).await?)
            }
            _ => Ok(vec![]),
        }
    }

    pub async fn decision_view(&self, actor: &Actor, id: i64) -> AppResult<DecisionView> {
        let mut conn = self.app.store.acquire().await?;
        let d = self.visible_decision(&mut conn, actor, id).await?;
        let tasks = sdec::tasks(&mut conn, d.id).await?;
        let progress = sdec::progress(&mut conn, d.id).await?;
        let may_edit = actor.user.role.is_manager();
        let dept = self.own_department_id(&mut conn, actor).await?;
        let may_move = tasks
            .iter()
            .filter(|t| t.step != Step::Done)
            .filter(|t| {
                may_edit
                    || (actor.user.role == Role::DepartmentStaff
                        && dept.is_some()
                        && t.department_id == dept)
            })
            .map(|t| t.id)
            .collect();
        let evaluations = if may_edit {
            let c = community_scope(&d.path).ok_or(AppError::NotFound)?;
            sm::list(&mut conn, &actor.scope(), &c.path, 100)
                .await?
                .into_iter()
                .filter(|m| m.kind == MeetingKind::Evaluation)
                .map(|m| (m.id, m.title))
                .collect()
        } else {
            vec![]
        };
        Ok(DecisionView {
            decision: d,
            tasks,
            progress,
            may_edit,
            may_move,
            evaluations,
        })
    }

    pub async fn add_task(
        &self,
        actor: &Actor,
        decision_id: i64,
        input: &TaskInput,
    ) -> AppResult<Task> {
        self.add_task_at(actor, decision_id, input, now_ms()).await
    }

    /// Give a decision a task (staff of the place), owned by the community, the property
    /// company (named), a department serving the place (picked from the registry) or an event
    /// of the community.
    pub async fn add_task_at(
        &self,
        actor: &Actor,
        decision_id: i64,
        input: &TaskInput,
        now: i64,
    ) -> AppResult<Task> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let title = text("title", "任务", &input.title, dd::MAX_TITLE)?;
        let kind = OwnerKind::parse(input.owner_kind.trim()).ok_or_else(|| {
            AppError::invalid(
                "owner_kind",
                "责任方应为 community、property、department 或 event",
            )
        })?;
        let due_at = match input.due_at.trim() {
            "" => return Err(AppError::invalid("due_at", "请填写完成期限")),
            t => time_field("due_at", t)?,
        };
        let mut tx = self.app.store.begin().await?;
        let d = sdec::get(&mut tx, &actor.scope(), decision_id).await?;
        let community = community_scope(&d.path).ok_or(AppError::NotFound)?;
        let mut department_code = None;
        let (owner_name, department_id, event_id) = match kind {
            OwnerKind::Community => (
                sr::get_node_unscoped(&mut tx, community.node_id)
                    .await?
                    .name,
                None,
                None,
            ),
            OwnerKind::Property => (
                text(
                    "owner_name",
                    "物业企业名称",
                    input.owner_name.as_deref().unwrap_or(""),
                    60,
                )?,
                None,
                None,
            ),
            OwnerKind::Department => {
                let code = input.department_code.as_deref().unwrap_or("");
                let dep = sd::list(&mut tx, &actor.scope(), Some(&d.path), true)
                    .await?
                    .into_iter()
                    .find(|x| x.code == code)
                    .ok_or_else(|| {
                        AppError::invalid("department_code", "请从服务本社区的部门中选择")
                    })?;
                department_code = Some(dep.code.clone());
                (dep.name, Some(dep.id), None)
            }
            OwnerKind::Event => {
                let eid = input
                    .event_id
                    .ok_or_else(|| AppError::invalid("event_id", "请选择承办的事件"))?;
                let e = se::get_event(&mut tx, &community, eid)
                    .await
                    .map_err(|_| AppError::invalid("event_id", "请选择本社区的事件"))?;
                (
                    format!("事件：{}", super::event_label(&e)),
                    None,
                    Some(e.id),
                )
            }
        };
        let id = sdec::insert_task(
            &mut tx,
            &NewTask {
                decision_id: d.id,
                path: &d.path,
                title: &title,
                owner_kind: kind,
                owner_name: &owner_name,
                department_id,
                event_id,
                due_at,
                now,
            },
        )
        .await?;
        sdec::add_progress(
            &mut tx,
            id,
            Step::NotStarted,
            now,
            &actor.user.display_name,
            None,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "decision_task",
                Some(id),
                &d.path,
                format!("决定“{}”的任务：{}（{}）", d.title, title, owner_name),
            ),
        )
        .await?;
        if let Some(code) = department_code {
            // The department is told it was given the task (its staff whose scope holds the
            // decision's place), with the decision's page to open.
            let link = format!("/decisions/{}", d.id);
            let due = jingzhi_domain::time_fmt::format_ms(due_at);
            for (_, s) in jingzhi_store::departments::staff(&mut tx, &[code]).await? {
                if !d.path.starts_with(&s.scope_path) || Some(s.user_id) == actor.audit_id() {
                    continue;
                }
                jingzhi_store::notify::insert_notification(
                    &mut tx,
                    &jingzhi_store::notify::NewNotification {
                        user_id: s.user_id,
                        event_id: None,
                        proposal_id: None,
                        path: &d.path,
                        created_at: now,
                        command: "task",
                        status: Step::NotStarted.as_str(),
                        title: &format!("新任务：{title}"),
                        body: &format!("决定“{}”交办，期限 {due}", d.title),
                        link: Some(&link),
                    },
                )
                .await?;
            }
        }
        let t = sdec::get_task(&mut tx, &actor.scope(), None, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(t)
    }

    pub async fn progress_task(
        &self,
        actor: &Actor,
        task_id: i64,
        step: &str,
        note: Option<&str>,
    ) -> AppResult<Task> {
        self.progress_task_at(actor, task_id, step, note, now_ms())
            .await
    }

    /// Move a task forward (staff of the place, or the staff of the department it was sent to).
    pub async fn progress_task_at(
        &self,
        actor: &Actor,
        task_id: i64,
        step: &str,
        note: Option<&str>,
        now: i64,
    ) -> AppResult<Task> {
        let to = Step::parse(step.trim()).ok_or_else(|| {
            AppError::invalid(
                "step",
                "进度应为 not_started、studying、started、half_done 或 done",
            )
        })?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note {
            jingzhi_domain::check_max_chars("note", "说明", n, dd::MAX_TEXT)?;
        }
        let mut tx = self.app.store.begin().await?;
        let dept = match actor.user.role {
            Role::DepartmentStaff => Some(
                self.own_department_id(&mut tx, actor)
                    .await?
                    .ok_or(AppError::NotFound)?,
            ),
            r if r.is_manager() => None,
            Role::Resident => {
                // They may read a task of their community, never move it.
                let c = self.resident_and_community(&mut tx, actor).await?.1;
                sdec::get_task(&mut tx, &c, None, task_id).await?;
                return Err(AppError::Forbidden);
            }
            Role::Auditor => {
                sdec::get_task(&mut tx, &actor.scope(), None, task_id).await?;
                return Err(AppError::Forbidden);
            }
            _ => return Err(AppError::Forbidden),
        };
        let t = sdec::get_task(&mut tx, &actor.scope(), dept, task_id).await?;
        let next = dd::advance(t.step, to).map_err(|f| AppError::Conflict {
            field: "step".into(),
            reason: f.reason,
        })?;
        if !sdec::set_step(&mut tx, t.id, t.step, next, now).await? {
            return Err(AppError::Conflict {
                field: "step".into(),
                reason: "任务进度刚被他人更新，请刷新后再看".into(),
            });
        }
        sdec::add_progress(&mut tx, t.id, next, now, &actor.user.display_name, note).await?;
        if next == Step::Done {
            let d = sdec::get(&mut tx, &super::everywhere(), t.decision_id).await?;
            if let Some(pid) = d.proposal_id {
                let what = format!(
                    "任务“{}”已完成{}",
                    t.title,
                    note.map(|n| format!("：{n}")).unwrap_or_default()
                );
                super::tell_followers(
                    &mut tx,
                    pid,
                    jingzhi_domain::participation::proposals::Phase::TakenUp,
                    actor.audit_id(),
                    &what,
                    now,
                )
                .await?;
            }
        }
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"step": t.step.label_zh()})),
                after: Some(serde_json::json!({"step": next.label_zh()})),
                reason: note,
                ..actor.audit(
                    Action::Update,
                    "decision_task",
                    Some(t.id),
                    &t.path,
                    format!("任务“{}”：{}", t.title, next.label_zh()),
                )
            },
        )
        .await?;
        let out = sdec::get_task(&mut tx, &actor.scope(), dept, t.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    /// An evaluation meeting of the decision's community rates how it was carried out.
    pub async fn evaluate_at(
        &self,
        actor: &Actor,
        decision_id: i64,
        input: &EvaluationInput,
        now: i64,
    ) -> AppResult<Decision> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let rating = dd::check_rating(input.rating)?;
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(n) = note {
            jingzhi_domain::check_max_chars("note", "评议意见", n, dd::MAX_TEXT)?;
        }
        let mut tx = self.app.store.begin().await?;
        let d = sdec::get(&mut tx, &actor.scope(), decision_id).await?;
        let m = sm::get(&mut tx, &actor.scope(), input.meeting_id)
            .await
            .map_err(|_| AppError::invalid("meeting_id", "请选择本社区的评议会"))?;
        let same = community_scope(&m.path).map(|c| c.node_id)
            == community_scope(&d.path).map(|c| c.node_id);
        if m.kind != MeetingKind::Evaluation || !same {
            return Err(AppError::invalid("meeting_id", "请选择本社区的评议会"));
        }
        sdec::rate(&mut tx, d.id, i64::from(rating), note, m.id, now).await?;
        if let Some(pid) = d.proposal_id {
            super::proposal_step(
                &mut tx,
                pid,
                jingzhi_domain::participation::proposals::Phase::TakenUp,
                actor,
                Some(&format!("{}评议落实情况：{}星", m.title, rating)),
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"rating": rating, "meeting": m.title})),
                reason: note,
                ..actor.audit(
                    Action::Update,
                    "decision",
                    Some(d.id),
                    &d.path,
                    format!("评议决定“{}”：{}星", d.title, rating),
                )
            },
        )
        .await?;
        let out = sdec::get(&mut tx, &actor.scope(), d.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    pub async fn evaluate(
        &self,
        actor: &Actor,
        decision_id: i64,
        input: &EvaluationInput,
    ) -> AppResult<Decision> {
        self.evaluate_at(actor, decision_id, input, now_ms()).await
    }

    /// The tasks and decisions on a proposal and their progress, for its timeline.
    pub(super) async fn decisions_of_proposal(
        &self,
        conn: &mut Conn,
        proposal_id: i64,
    ) -> AppResult<Vec<(Decision, Vec<Task>, Vec<Progress>)>> {
        let mut out = vec![];
        for d in sdec::of_proposal(conn, proposal_id).await? {
            let tasks = sdec::tasks(conn, d.id).await?;
            let progress = sdec::progress(conn, d.id).await?;
            out.push((d, tasks, progress));
        }
        Ok(out)
    }
}
