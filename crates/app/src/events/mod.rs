//! Event use-cases: report, the lifecycle commands, whistle-and-report, lists, the timeline and
//! metrics. Each write checks the caller's role, runs in one transaction with the caller's scope
//! in every query, moves the event only through the domain state machine
//! ([`jingzhi_domain::events::transition`]), appends to the event's timeline and writes its audit
//! record in that transaction. Text from users is stored as given; pages escape it.
//!
//! Every write has an `_at` form taking the time explicitly (the demo history generator and
//! tests use it); the plain form uses the clock.
//!
//! - [`create`]: the one path that writes new events, whatever their source.
//! - [`overdue`]: overdue events escalate one level up by themselves.
//!
//! Every change reports what happened to notify ([`crate::notify::EventChange`]); notify never
//! calls back here.

pub mod create;
pub mod overdue;

pub use create::Source;

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::events::attachment::{self as att, ImageInfo};
use jingzhi_domain::events::lifecycle::{
    self as lc, Command, CommandKind, Dispatch, Effect, Handler, Rating, Status,
};
use jingzhi_domain::events::metrics::{self, Counts, Rates};
use jingzhi_domain::events::record::{timeline_note, Milestones};
use jingzhi_domain::events::whistle::Whistle;
use jingzhi_domain::events::{DeadlinePolicy, EventFilter, HandlerKind, Urgency};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events as se;
use jingzhi_store::group::GroupCommit;
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};
use serde::{Deserialize, Serialize};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::events::{
    Assignment, AttachmentMeta, CategoryRow, Event, Inspection, Transition, WhistleRow,
};

/// Longest description, result or note (characters).
pub const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    pub category: String,
    /// `emergency`, `urgent`, `ordinary` (default) or `complex`.
    pub urgency: Option<String>,
    pub description: String,
    /// The building (or grid) it is at. Without it, a map point (`x`, `y`) is placed into the
    /// grid that holds it; residents otherwise report at their household's building.
    pub node_id: Option<i64>,
    /// Answers to the category's extra questions, by question code.
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
    pub x: Option<f64>,
    pub y: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HandlerInput {
    /// `grid_worker`, `community`, `property_company` or `department`.
    pub kind: String,
    /// The handler's name (not for a department: its name comes from the registry).
    #[serde(default)]
    pub name: String,
    /// A department's registry code (`{"kind": "department", "code": "…"}`).
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DispatchInput {
    pub lead: HandlerInput,
    #[serde(default)]
    pub co_handlers: Vec<HandlerInput>,
    #[serde(default)]
    pub notified: Vec<HandlerInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InspectionInput {
    pub at: Option<i64>,
    /// Who came, from each department.
    pub participants: String,
    pub findings: String,
    pub solution: String,
    /// One task per summoned department: (department, task).
    pub tasks: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub event: Event,
    pub overdue: bool,
    pub timeline: Vec<Transition>,
    pub handlers: Vec<Assignment>,
    pub whistles: Vec<WhistleRow>,
    /// Photos of the report and of the transitions (`transition_id` ties them to the timeline).
    pub attachments: Vec<AttachmentMeta>,
    /// Residents who said "我也遇到了" (see [`crate::report`]).
    pub supporters: i64,
}

/// A file as uploaded: its name (only shown) and its bytes (which decide what it is).
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// An upload that passed the checks.
pub(crate) struct Checked<'a> {
    name: String,
    bytes: std::borrow::Cow<'a, [u8]>,
    info: ImageInfo,
    sha256: String,
}

impl Checked<'_> {
    /// The same upload holding its own bytes (to wait in a write queue).
    fn into_owned(self) -> Checked<'static> {
        Checked {
            name: self.name,
            bytes: std::borrow::Cow::Owned(self.bytes.into_owned()),
            info: self.info,
            sha256: self.sha256,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsView {
    pub node_id: i64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub counts: Counts,
    pub rates: Rates,
    /// (category code, name, events)
    pub by_category: Vec<(String, String, i64)>,
}

pub(crate) fn text(field: &'static str, what: &str, s: &str, required: bool) -> AppResult<()> {
    let n = s.trim().chars().count();
    if required && n == 0 {
        return Err(AppError::invalid(field, format!("请填写{what}")));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(AppError::invalid(
            field,
            format!("{what}不能超过{MAX_TEXT}字"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::invalid(
            field,
            format!("{what}含有不可见控制字符"),
        ));
    }
    Ok(())
}

fn handler(h: &HandlerInput) -> AppResult<Handler> {
    let kind = HandlerKind::parse(h.kind.trim())
        .ok_or_else(|| AppError::invalid("handler", format!("未知的承办单位类型“{}”", h.kind)))?;
    if kind == HandlerKind::Department {
        // Resolved against the registry (and the event's place) in the command's transaction.
        let code = h
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| AppError::invalid("handler", "请从部门名录中选择部门（code）"))?;
        return Ok(Handler {
            kind,
            name: String::new(),
            code: Some(code.to_string()),
        });
    }
    text("handler", "承办单位名称", &h.name, true)?;
    if h.name.trim().chars().count() > 100 {
        return Err(AppError::invalid("handler", "承办单位名称不能超过100字"));
    }
    Ok(Handler {
        kind,
        name: h.name.trim().to_string(),
        code: None,
    })
}

impl DispatchInput {
    pub fn to_domain(&self) -> AppResult<Dispatch> {
        Ok(Dispatch {
            lead: handler(&self.lead)?,
            co_handlers: self
                .co_handlers
                .iter()
                .map(handler)
                .collect::<AppResult<_>>()?,
            notified: self
                .notified
                .iter()
                .map(handler)
                .collect::<AppResult<_>>()?,
        })
    }
}

/// The fields a lifecycle command may carry, as the API's body or the event page's form gives
/// them; each command reads what it needs ([`CommandInput::command`]).
#[derive(Debug, Clone, Default)]
pub struct CommandInput {
    /// A note for the timeline (any command but `rate`).
    pub note: Option<String>,
    /// `invalidate`, `send_back`, `escalate`: why.
    pub reason: Option<String>,
    /// `resolve`: what was done.
    pub result: Option<String>,
    /// `rate`: `satisfied fairly_satisfied dissatisfied`.
    pub rating: Option<String>,
    /// `rate`: the reporter's comment (the note stored with a rating).
    pub comment: Option<String>,
    /// `merge`: the event it duplicates.
    pub into: Option<i64>,
    /// `dispatch`: the lead (主办).
    pub lead: Option<HandlerInput>,
    /// `dispatch`: co-handlers (协办).
    pub co_handlers: Vec<HandlerInput>,
    /// `dispatch`: notified (知会).
    pub notified: Vec<HandlerInput>,
}

impl CommandInput {
    /// The command `kind` with what it needs from these fields (422 naming the field that is
    /// missing or wrong).
    pub fn command(&self, kind: CommandKind) -> AppResult<Command> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(match kind {
            CommandKind::Accept => Command::Accept,
            CommandKind::Invalidate => Command::Invalidate {
                reason: text(&self.reason),
            },
            CommandKind::Merge => Command::Merge {
                into: self
                    .into
                    .ok_or_else(|| AppError::invalid("into", "请选择要合并到的事件"))?,
            },
            CommandKind::Dispatch => {
                let lead = self
                    .lead
                    .clone()
                    .ok_or_else(|| AppError::invalid("lead", "请填写主办单位"))?;
                let d = DispatchInput {
                    lead,
                    co_handlers: self.co_handlers.clone(),
                    notified: self.notified.clone(),
                };
                Command::Dispatch(d.to_domain()?)
            }
            CommandKind::Start => Command::Start,
            CommandKind::Resolve => Command::Resolve {
                result: text(&self.result),
            },
            CommandKind::Verify => Command::Verify,
            CommandKind::SendBack => Command::SendBack {
                reason: text(&self.reason),
            },
            CommandKind::Close => Command::Close,
            CommandKind::Rate => {
                let r = text(&self.rating);
                Command::Rate(Rating::parse(r.trim()).ok_or_else(|| {
                    AppError::invalid(
                        "rating",
                        "评价应为 satisfied、fairly_satisfied 或 dissatisfied",
                    )
                })?)
            }
            CommandKind::Escalate => Command::Escalate {
                reason: text(&self.reason),
            },
        })
    }

    /// The note stored with the command: the rating's comment for `rate`, else `note`; blank is
    /// none.
    pub fn note(&self, kind: CommandKind) -> Option<String> {
        let v = if kind == CommandKind::Rate {
            &self.comment
        } else {
            &self.note
        };
        v.clone().filter(|s| !s.trim().is_empty())
    }
}

fn transition_error(e: lc::TransitionError) -> AppError {
    match e {
        lc::TransitionError::Forbidden { .. } => AppError::Forbidden,
        lc::TransitionError::Invalid(f) => AppError::Invalid(vec![f]),
        illegal => AppError::invalid("status", illegal.to_string()),
    }
}

/// Check the answers to a category's questions: required ones given, choices respected, no
/// unknown codes.
pub(crate) fn check_answers(
    cat: &CategoryRow,
    answers: Option<&serde_json::Map<String, serde_json::Value>>,
) -> AppResult<()> {
    let empty = serde_json::Map::new();
    let answers = answers.unwrap_or(&empty);
    for (code, v) in answers {
        let q = cat
            .category
            .questions
            .iter()
            .find(|q| &q.code == code)
            .ok_or_else(|| {
                AppError::invalid(
                    "answers",
                    format!("“{}”没有问题“{code}”", cat.category.name),
                )
            })?;
        let s = v
            .as_str()
            .ok_or_else(|| AppError::invalid("answers", format!("“{}”的回答应为文字", q.text)))?;
        text("answers", &q.text, s, false)?;
        if !q.choices.is_empty() && !s.is_empty() && !q.choices.iter().any(|c| c == s) {
            return Err(AppError::invalid(
                "answers",
                format!("“{}”应选择：{}", q.text, q.choices.join("、")),
            ));
        }
    }
    for q in &cat.category.questions {
        let given = answers
            .get(&q.code)
            .and_then(|v| v.as_str())
            .is_some_and(|s| !s.trim().is_empty());
        if q.required && !given {
            return Err(AppError::invalid("answers", format!("请回答“{}”", q.text)));
        }
    }
    Ok(())
}

fn event_audit(e: &Event) -> serde_json::Value {
    AuditFields {
        status: e.status,
        category: &e.category_code,
        urgency: e.urgency,
        reopened: e.reopened,
        escalations: e.escalations,
        deadline_at: e.deadline_at,
        rating: e.rating,
        whistled: e.whistled,
    }
    .json()
}

/// The fields of an event its audit records show before → after: one list for every write
/// (a new event's record starts from the same fields).
pub(crate) struct AuditFields<'a> {
    pub status: Status,
    pub category: &'a str,
    pub urgency: jingzhi_domain::events::Urgency,
    pub reopened: u32,
    pub escalations: u32,
    pub deadline_at: i64,
    pub rating: Option<jingzhi_domain::events::Rating>,
    pub whistled: bool,
}

impl AuditFields<'_> {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status.as_str(), "category": self.category,
            "urgency": self.urgency.as_str(), "reopened": self.reopened,
            "escalations": self.escalations, "deadline_at": self.deadline_at,
            "rating": self.rating.map(|r| r.as_str()), "whistled": self.whistled,
        })
    }
}

/// Load an event for a command: in scope, and for a resident only their own.
async fn load_for(conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<Event> {
    let e = se::get_event(conn, &actor.scope(), id).await?;
    if actor.user.role == Role::Resident && e.reporter_user_id != Some(actor.id()) {
        return Err(AppError::NotFound);
    }
    department_may_see(conn, actor, id).await?;
    Ok(e)
}

/// Department staff see only what was dispatched or whistled to their department ("not found"
/// otherwise); everyone else passes.
pub(crate) async fn department_may_see(conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<()> {
    if actor.user.role != Role::DepartmentStaff {
        return Ok(());
    }
    match crate::departments::own_code(actor) {
        Some(code) if se::sent_to(conn, id, code, None).await? => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn timeline_and_audit(
    conn: &mut Conn,
    actor: &Actor,
    before: Option<&Event>,
    after: &Event,
    command: &str,
    command_zh: &str,
    note: Option<&str>,
    now: i64,
) -> AppResult<i64> {
    let tid = se::insert_transition(
        conn,
        &se::NewTransition {
            event_id: after.id,
            path: &after.path,
            at: now,
            actor_id: actor.audit_id(),
            actor_name: actor.name(),
            command,
            from_status: before.map(|b| b.status),
            to_status: after.status,
            note,
        },
    )
    .await?;
    let summary = match before {
        Some(b) if b.status != after.status => format!(
            "事件#{} {}：{} → {}",
            after.id,
            command_zh,
            b.status.label_zh(),
            after.status.label_zh()
        ),
        _ => format!("事件#{} {}", after.id, command_zh),
    };
    audit::record(
        conn,
        audit::Entry {
            actor_id: actor.audit_id(),
            actor_name: actor.name(),
            action: if before.is_none() {
                Action::Create
            } else {
                Action::Update
            },
            entity: "event",
            entity_id: Some(after.id),
            path: &after.path,
            summary,
            before: before.map(event_audit),
            after: Some(event_audit(after)),
            reason: note,
        },
    )
    .await?;
    // What happened, for those it concerns: told in this same transaction.
    crate::notify::event_changed(
        conn,
        &crate::notify::EventChange {
            actor,
            before,
            after,
            command,
            command_zh,
            note,
            at: now,
        },
    )
    .await?;
    Ok(tid)
}

/// Check every upload by its bytes (JPEG/PNG/WebP, size) before anything is written.
fn check_uploads<'a>(
    files: &'a [Upload],
    limits: &att::AttachmentLimits,
) -> AppResult<Vec<Checked<'a>>> {
    if files.len() > limits.max_files {
        return Err(AppError::invalid(
            "photos",
            format!("一次最多上传{}张照片", limits.max_files),
        ));
    }
    files
        .iter()
        .map(|f| {
            let name = att::clean_name(&f.file_name);
            let info = att::check(&name, &f.bytes, limits)?;
            use sha2::Digest;
            let sha256 = hex::encode(sha2::Sha256::digest(&f.bytes));
            Ok(Checked {
                name,
                bytes: std::borrow::Cow::Borrowed(&f.bytes),
                info,
                sha256,
            })
        })
        .collect()
}

async fn store_uploads(
    conn: &mut Conn,
    actor: &Actor,
    e: &Event,
    transition_id: i64,
    files: &[Checked<'_>],
    now: i64,
) -> AppResult<()> {
    for f in files {
        se::insert_attachment(
            conn,
            &se::NewAttachment {
                event_id: e.id,
                transition_id: Some(transition_id),
                path: &e.path,
                file_name: &f.name,
                content_type: f.info.kind.content_type(),
                width: f.info.width,
                height: f.info.height,
                sha256: &f.sha256,
                data: &f.bytes,
                uploaded_by: actor.audit_id(),
                uploaded_at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// Events (事件): reporting, commands, whistles and lists. Reached as `app.events()`.
#[derive(Clone, Copy)]
pub struct Events<'a> {
    app: &'a App,
}

impl App {
    /// See [`Events`].
    pub fn events(&self) -> Events<'_> {
        Events { app: self }
    }
}

impl Events<'_> {
    /// The deadlines in force (the 12345 defaults until a deployment configures its own).
    pub fn deadline_policy(&self) -> DeadlinePolicy {
        DeadlinePolicy::default()
    }

    pub async fn categories(&self, _actor: &Actor) -> AppResult<Vec<CategoryRow>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(se::categories(&mut conn).await?)
    }

    pub async fn report(&self, actor: &Actor, input: &ReportInput) -> AppResult<Event> {
        self.report_at(actor, input, now_ms()).await
    }

    /// Report a problem: a resident at their household's building, staff at a building or grid
    /// in their scope.
    pub async fn report_at(
        &self,
        actor: &Actor,
        input: &ReportInput,
        now: i64,
    ) -> AppResult<Event> {
        self.report_with_at(actor, input, &[], now).await
    }

    /// Report with photos (checked by their bytes; all or nothing).
    pub async fn report_with(
        &self,
        actor: &Actor,
        input: &ReportInput,
        photos: &[Upload],
    ) -> AppResult<Event> {
        self.report_with_at(actor, input, photos, now_ms()).await
    }

    pub async fn report_with_at(
        &self,
        actor: &Actor,
        input: &ReportInput,
        photos: &[Upload],
        now: i64,
    ) -> AppResult<Event> {
        let photos = check_uploads(photos, &self.app.settings.attachments)?;
        let (urgency, located) = self.prepare_report(actor, input).await?;
        let job = PendingReport {
            actor: actor.clone(),
            input: input.clone(),
            urgency,
            located,
            photos: photos.into_iter().map(Checked::into_owned).collect(),
            deadline_at: self.deadline_policy().deadline(urgency, now),
            now,
        };
        self.app.reports.0.submit(&self.app.store, job).await
    }

    /// What a report needs checked before its write transaction: who, the text, the urgency,
    /// the coordinates, and the grid of a map point (read outside the transaction).
    pub(crate) async fn prepare_report(
        &self,
        actor: &Actor,
        input: &ReportInput,
    ) -> AppResult<(Urgency, Option<sr::Node>)> {
        if actor.user.role == Role::Auditor {
            return Err(AppError::Forbidden);
        }
        text("description", "问题描述", &input.description, true)?;
        let urgency = match input
            .urgency
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Urgency::Ordinary,
            Some(u) => Urgency::parse(u)
                .ok_or_else(|| AppError::invalid("urgency", format!("未知的紧急程度“{u}”")))?,
        };
        for (v, field) in [(input.x, "x"), (input.y, "y")] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(AppError::invalid(field, "坐标无效"));
            }
        }
        // A map point without a building is placed into its grid (before the write transaction).
        let located = match (input.node_id, input.x, input.y) {
            (None, Some(x), Some(y)) => {
                Some(self.app.geo().locate_point(actor, (x, y), "x").await?)
            }
            _ => None,
        };
        Ok((urgency, located))
    }

    /// Write a prepared report in the caller's transaction: the event, its first timeline entry
    /// and audit record, its photos. `source` overrides the one the caller's role implies
    /// (`round` for a steward's finding, …).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn report_tx(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        input: &ReportInput,
        urgency: Urgency,
        located: Option<sr::Node>,
        photos: &[Checked<'_>],
        source: Option<Source>,
        now: i64,
    ) -> AppResult<Event> {
        let deadline_at = self.deadline_policy().deadline(urgency, now);
        write_report(
            tx,
            actor,
            input,
            urgency,
            located,
            photos,
            source,
            (now, deadline_at),
        )
        .await
    }
}

/// Write one report in the transaction given (see [`Events::report_tx`]): the place it is at
/// (a resident's home building or map point; staff's building, grid or point), the event with
/// its first timeline row and audit record ([`create::create_one`]), and its photos.
#[allow(clippy::too_many_arguments)]
async fn write_report(
    tx: &mut Conn,
    actor: &Actor,
    input: &ReportInput,
    urgency: Urgency,
    located: Option<sr::Node>,
    photos: &[Checked<'_>],
    source: Option<Source>,
    (now, deadline_at): (i64, i64),
) -> AppResult<Event> {
    let scope = actor.scope();
    let cat = match se::get_category(&mut *tx, input.category.trim()).await {
        Ok(c) if c.active => c,
        Ok(_) | Err(jingzhi_store::Error::NotFound) => {
            return Err(AppError::invalid(
                "category",
                format!("未知的问题类别“{}”", input.category),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    check_answers(&cat, input.answers.as_ref())?;
    let (node, role_source, reporter_name) = if actor.user.role == Role::Resident {
        let rid = actor
            .user
            .resident_id
            .ok_or_else(|| AppError::invalid("resident", "居民账号未关联居民档案"))?;
        let r = sr::get_resident(&mut *tx, &scope, rid).await?;
        let hh = sr::get_household(&mut *tx, &scope, r.household_id).await?;
        if input.node_id.is_some_and(|n| n != hh.building_id) {
            return Err(AppError::invalid(
                "node_id",
                "居民只能上报自家所在楼宇的问题",
            ));
        }
        let node = match located {
            // A map point instead of the home building: the grid that holds it.
            Some(n) => n,
            None => sr::get_node(&mut *tx, &scope, hh.building_id).await?,
        };
        (node, Source::Resident, r.name)
    } else if let Some(node) = located {
        (node, Source::Staff, actor.user.display_name.clone())
    } else {
        let id = input
            .node_id
            .ok_or_else(|| AppError::invalid("node_id", "请选择楼宇或网格，或在地图上选点"))?;
        let node = sr::get_node(&mut *tx, &scope, id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("node_id", "楼宇不存在或不在您的管辖范围内")
                }
                e => e.into(),
            })?;
        if !matches!(node.kind, NodeKind::Building | NodeKind::Grid) {
            return Err(AppError::invalid("node_id", "请选择楼宇或网格"));
        }
        (node, Source::Staff, actor.user.display_name.clone())
    };
    let event = se::NewEvent {
        path: &node.path,
        node_id: node.id,
        category_code: &cat.category.code,
        urgency,
        source: source.unwrap_or(role_source).as_str(),
        reporter_user_id: actor.audit_id(),
        reporter_name: &reporter_name,
        description: &input.description,
        answers: input.answers.clone().map(serde_json::Value::Object),
        x: input.x.or(node.x),
        y: input.y.or(node.y),
        reported_at: now,
        deadline_at,
    };
    let id = create::create_one(
        &mut *tx,
        create::NewReport {
            actor,
            event,
            note: None,
            via: None,
        },
    )
    .await?;
    let e = se::get_event(&mut *tx, &scope, id).await?;
    if !photos.is_empty() {
        let tid = se::report_transition_id(&mut *tx, id).await?;
        store_uploads(tx, actor, &e, tid, photos, now).await?;
    }
    Ok(e)
}

/// A checked report waiting in the write queue ([`ReportWrites`]).
pub(crate) struct PendingReport {
    actor: Actor,
    input: ReportInput,
    urgency: Urgency,
    located: Option<sr::Node>,
    photos: Vec<Checked<'static>>,
    deadline_at: i64,
    now: i64,
}

/// Write a group of reports in the transaction given: each as it would be written alone; an
/// error in one fails the group, which the queue then writes one by one
/// (`jingzhi_store::group`).
async fn write_reports(tx: &mut Conn, jobs: &[PendingReport]) -> AppResult<Vec<Event>> {
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        out.push(
            write_report(
                &mut *tx,
                &j.actor,
                &j.input,
                j.urgency,
                j.located.clone(),
                &j.photos,
                None,
                (j.now, j.deadline_at),
            )
            .await?,
        );
    }
    Ok(out)
}

/// Reports from the web pages and the API, committed in groups on SQLite like Open311's
/// creates (`jingzhi_store::group`); one transaction each on PostgreSQL.
#[derive(Clone, Debug)]
pub struct ReportWrites(pub(crate) GroupCommit<PendingReport, Event, AppError>);

/// Reports written in one group at most.
const MAX_REPORT_GROUP: usize = 64;

impl Default for ReportWrites {
    fn default() -> Self {
        ReportWrites(GroupCommit::new(
            MAX_REPORT_GROUP,
            std::sync::Arc::new(|tx: &mut Conn, jobs: &[PendingReport]| {
                Box::pin(write_reports(tx, jobs))
            }),
        ))
    }
}

impl ReportWrites {
    /// Reports committed by this process, and the transactions they took.
    pub fn counts(&self) -> (u64, u64) {
        self.0.counts()
    }
}

impl Events<'_> {
    /// Move an event through its lifecycle (see [`jingzhi_domain::events::lifecycle`]).
    pub async fn command(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &Command,
        note: Option<&str>,
    ) -> AppResult<Event> {
        self.command_at(actor, id, cmd, note, now_ms()).await
    }

    pub async fn command_at(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &Command,
        note: Option<&str>,
        now: i64,
    ) -> AppResult<Event> {
        self.command_with_at(actor, id, cmd, note, &[], now).await
    }

    /// A command with photos (a resolve with the result's photos, or any other transition):
    /// they join the timeline entry of the transition.
    pub async fn command_with(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &Command,
        note: Option<&str>,
        photos: &[Upload],
    ) -> AppResult<Event> {
        self.command_with_at(actor, id, cmd, note, photos, now_ms())
            .await
    }

    pub async fn command_with_at(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &Command,
        note: Option<&str>,
        photos: &[Upload],
        now: i64,
    ) -> AppResult<Event> {
        let photos = check_uploads(photos, &self.app.settings.attachments)?;
        if let Some(n) = note {
            text("note", "备注", n, false)?;
        }
        match cmd {
            Command::Invalidate { reason }
            | Command::SendBack { reason }
            | Command::Escalate { reason } => text("reason", "原因", reason, false)?,
            Command::Resolve { result } => text("result", "办理结果", result, false)?,
            _ => {}
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let before = load_for(&mut tx, actor, id).await?;
        // A department acts only on what was dispatched to it as lead or co-handler.
        // (`load_for` has already refused staff without a department, or not sent it.)
        if let (Command::Start | Command::Resolve { .. }, Some(code)) =
            (cmd, crate::departments::own_code(actor))
        {
            if !se::sent_to(&mut tx, id, code, Some(&["lead", "co_handler"])).await? {
                return Err(AppError::Forbidden);
            }
        }
        // Departments named by code become the registry's, if they serve the event's place.
        let resolved;
        let cmd = match cmd {
            Command::Dispatch(d) => {
                let mut d = d.clone();
                for h in std::iter::once(&mut d.lead)
                    .chain(d.co_handlers.iter_mut())
                    .chain(d.notified.iter_mut())
                {
                    if let (HandlerKind::Department, Some(code)) = (h.kind, h.code.as_deref()) {
                        let dep =
                            crate::departments::serving(&mut tx, "handler", code, &before.path)
                                .await?;
                        h.name = dep.name;
                        h.code = Some(dep.code);
                    }
                }
                resolved = Command::Dispatch(d);
                &resolved
            }
            other => other,
        };
        if let Command::Merge { into } = cmd {
            if *into == id {
                return Err(AppError::invalid("into", "不能合并到自身"));
            }
            let target = se::get_event(&mut tx, &scope, *into).await.map_err(|_| {
                AppError::invalid("into", "要合并到的事件不存在或不在您的管辖范围内")
            })?;
            if matches!(target.status, Status::Invalid | Status::Merged) {
                return Err(AppError::invalid("into", "不能合并到已作废或已合并的事件"));
            }
        }
        let (state, effects) =
            lc::transition(before.state(), cmd, actor.user.role, now).map_err(transition_error)?;
        let mut e = before.clone();
        e.status = state.status;
        e.reopened = state.reopened;
        e.escalations = state.escalations;
        e.updated_at = now;
        match cmd {
            Command::Invalidate { reason } => e.invalid_reason = Some(reason.clone()),
            Command::Resolve { result } => e.result = Some(result.clone()),
            _ => {}
        }
        let m = Milestones {
            responded_at: e.responded_at,
            first_resolved_at: e.first_resolved_at,
            resolved_at: e.resolved_at,
            closed_at: e.closed_at,
            rated_at: e.rated_at,
        }
        .after(before.status, e.status, now);
        e.responded_at = m.responded_at;
        e.first_resolved_at = m.first_resolved_at;
        e.resolved_at = m.resolved_at;
        e.closed_at = m.closed_at;
        e.rated_at = m.rated_at;
        for fx in &effects {
            match fx {
                Effect::Assign(d) => {
                    se::replace_assignments(&mut tx, e.id, &e.path, d, now).await?
                }
                Effect::RecordRating(r) => {
                    e.rating = Some(*r);
                    se::insert_rating(&mut tx, e.id, &e.path, now, *r, actor.audit_id(), note)
                        .await?;
                }
                Effect::RestartDeadline => {
                    e.deadline_at = self.deadline_policy().deadline(e.urgency, now)
                }
                Effect::MergeInto(into) => e.merged_into = Some(*into),
                // The level handling it is `escalations` above the event's place; reporters
                // are told in `timeline_and_audit` (crate::notify::event_changed).
                Effect::EscalateOneLevel | Effect::NotifyReporter => {}
            }
        }
        se::save_event(&mut tx, &scope, &e, before.status).await?;
        let note_text = timeline_note(cmd, note);
        let kind = cmd.kind();
        let tid = timeline_and_audit(
            &mut tx,
            actor,
            Some(&before),
            &e,
            kind.as_str(),
            kind.label_zh(),
            note_text.as_deref(),
            now,
        )
        .await?;
        store_uploads(&mut tx, actor, &e, tid, &photos, now).await?;
        jingzhi_store::commit(tx).await?;
        Ok(e)
    }

    pub async fn accept(&self, actor: &Actor, id: i64) -> AppResult<Event> {
        self.command(actor, id, &Command::Accept, None).await
    }

    pub async fn invalidate(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Event> {
        self.command(
            actor,
            id,
            &Command::Invalidate {
                reason: reason.into(),
            },
            None,
        )
        .await
    }

    pub async fn merge(&self, actor: &Actor, id: i64, into: i64) -> AppResult<Event> {
        self.command(actor, id, &Command::Merge { into }, None)
            .await
    }

    pub async fn dispatch(&self, actor: &Actor, id: i64, d: &DispatchInput) -> AppResult<Event> {
        self.command(actor, id, &Command::Dispatch(d.to_domain()?), None)
            .await
    }

    pub async fn start(&self, actor: &Actor, id: i64) -> AppResult<Event> {
        self.command(actor, id, &Command::Start, None).await
    }

    pub async fn resolve(&self, actor: &Actor, id: i64, result: &str) -> AppResult<Event> {
        self.command(
            actor,
            id,
            &Command::Resolve {
                result: result.into(),
            },
            None,
        )
        .await
    }

    pub async fn verify(&self, actor: &Actor, id: i64) -> AppResult<Event> {
        self.command(actor, id, &Command::Verify, None).await
    }

    pub async fn send_back(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Event> {
        self.command(
            actor,
            id,
            &Command::SendBack {
                reason: reason.into(),
            },
            None,
        )
        .await
    }

    pub async fn close(&self, actor: &Actor, id: i64) -> AppResult<Event> {
        self.command(actor, id, &Command::Close, None).await
    }

    pub async fn rate(
        &self,
        actor: &Actor,
        id: i64,
        rating: Rating,
        comment: Option<&str>,
    ) -> AppResult<Event> {
        self.command(actor, id, &Command::Rate(rating), comment)
            .await
    }

    pub async fn escalate(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Event> {
        self.command(
            actor,
            id,
            &Command::Escalate {
                reason: reason.into(),
            },
            None,
        )
        .await
    }

    /// Events in scope (a resident sees only their own), newest first.
    pub async fn list(
        &self,
        actor: &Actor,
        mut f: EventFilter,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Event>> {
        if actor.user.role == Role::Resident {
            f.reporter_user_id = Some(actor.id());
        }
        if actor.user.role == Role::DepartmentStaff {
            // Only what was sent to their department (nothing without one).
            f.department = Some(
                crate::departments::own_code(actor)
                    .unwrap_or_default()
                    .to_string(),
            );
        } else if f.assigned_mine {
            f.handler_kind = Some(
                match actor.user.role {
                    Role::GridWorker | Role::Steward => HandlerKind::GridWorker,
                    _ => HandlerKind::Community,
                }
                .as_str()
                .to_string(),
            );
        }
        if let Some(u) = &f.under_path {
            if !actor.scope().contains(u) {
                return Err(AppError::NotFound);
            }
        }
        let mut conn = self.app.store.acquire().await?;
        Ok(se::list_events(&mut conn, &actor.scope(), &f, before_id, limit).await?)
    }

    /// An event with its timeline, handlers and whistles.
    pub async fn view(&self, actor: &Actor, id: i64) -> AppResult<EventView> {
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        // A resident reads the events they reported or support (`crate::report`).
        let (event, access) = crate::report::load_for_view(&mut conn, actor, id).await?;
        let timeline = se::timeline(&mut conn, &scope, id).await?;
        let handlers = se::assignments(&mut conn, &scope, id).await?;
        let whistles = se::whistles_of_event(&mut conn, &scope, id).await?;
        let attachments = se::attachments_of_event(&mut conn, &scope, id).await?;
        let supporters = jingzhi_store::report::supporter_count(&mut conn, &scope, id).await?;
        let overdue = lc::is_overdue(event.status, event.deadline_at, now_ms());
        let mut v = EventView {
            event,
            overdue,
            timeline,
            handlers,
            whistles,
            attachments,
            supporters,
        };
        crate::report::resident_view(actor, access, &mut v);
        Ok(v)
    }

    /// Events in scope below a place in scope (`under`, a node id), newest first.
    pub async fn list_under(
        &self,
        actor: &Actor,
        mut f: EventFilter,
        under: Option<i64>,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Event>> {
        if let Some(n) = under {
            let mut conn = self.app.store.acquire().await?;
            let node = sr::get_node(&mut conn, &actor.scope(), n).await?;
            f.under_path = Some(node.path);
        }
        self.list(actor, f, before_id, limit).await
    }

    /// Add photos to an event without moving it (the reporter or staff in scope): a timeline
    /// entry "补充照片" carries them.
    pub async fn attach(
        &self,
        actor: &Actor,
        id: i64,
        note: Option<&str>,
        photos: &[Upload],
    ) -> AppResult<Vec<AttachmentMeta>> {
        if let Some(n) = note {
            text("note", "备注", n, false)?;
        }
        let checked = check_uploads(photos, &self.app.settings.attachments)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let e = load_for(&mut tx, actor, id).await?;
        if actor.user.role == Role::Auditor {
            return Err(AppError::Forbidden);
        }
        if checked.is_empty() {
            return Err(AppError::invalid("photos", "请选择照片"));
        }
        let tid = timeline_and_audit(
            &mut tx,
            actor,
            Some(&e),
            &e,
            "attach",
            "补充照片",
            note,
            now,
        )
        .await?;
        store_uploads(&mut tx, actor, &e, tid, &checked, now).await?;
        let all = se::attachments_of_event(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(all
            .into_iter()
            .filter(|a| a.transition_id == Some(tid))
            .collect())
    }

    /// One photo of an event, for a caller who may see the event (residents: their own).
    pub async fn attachment(
        &self,
        actor: &Actor,
        event_id: i64,
        id: i64,
    ) -> AppResult<(AttachmentMeta, Vec<u8>)> {
        let mut conn = self.app.store.acquire().await?;
        load_for(&mut conn, actor, event_id).await?;
        Ok(se::get_attachment(&mut conn, &actor.scope(), event_id, id).await?)
    }

    // -----------------------------------------------------------------------------------------
    // Whistle and report

    pub async fn blow_whistle(
        &self,
        actor: &Actor,
        event_id: i64,
        departments: &[String],
        reason: &str,
    ) -> AppResult<WhistleRow> {
        self.blow_whistle_at(actor, event_id, departments, reason, now_ms())
            .await
    }

    /// The community summons departments for an open event.
    pub async fn blow_whistle_at(
        &self,
        actor: &Actor,
        event_id: i64,
        departments: &[String],
        reason: &str,
        now: i64,
    ) -> AppResult<WhistleRow> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        text("reason", "吹哨原因", reason, true)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let before = se::get_event(&mut tx, &scope, event_id).await?;
        if !jingzhi_domain::events::actions::WHISTLE_STATES.contains(&before.status) {
            return Err(AppError::invalid(
                "status",
                format!("事件当前状态为“{}”，不能吹哨", before.status.label_zh()),
            ));
        }
        // Every summoned department from the registry, serving the event's place.
        let mut summoned = vec![];
        for code in departments {
            summoned.push(
                crate::departments::serving(&mut tx, "departments", code, &before.path).await?,
            );
        }
        let codes: Vec<String> = summoned.iter().map(|d| d.code.clone()).collect();
        let w = Whistle::blow(&codes, before.urgency, now, &self.deadline_policy())?;
        let wid = se::insert_whistle(
            &mut tx,
            event_id,
            &before.path,
            reason,
            &actor.user.display_name,
            &w,
        )
        .await?;
        let mut e = before.clone();
        e.whistled = true;
        e.updated_at = now;
        se::save_event(&mut tx, &scope, &e, before.status).await?;
        let note = format!(
            "召集：{}；原因：{reason}",
            summoned
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        );
        timeline_and_audit(
            &mut tx,
            actor,
            Some(&before),
            &e,
            "whistle",
            "吹哨",
            Some(&note),
            now,
        )
        .await?;
        let notices: Vec<_> = codes
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    jingzhi_domain::notify::DepartmentNotice::Summoned {
                        report_in_by: w.report_in_deadline,
                        reason: reason.to_string(),
                    },
                )
            })
            .collect();
        crate::notify::tell_departments(&mut tx, Some(actor), &e, &notices, "whistle", now).await?;
        let row = se::get_whistle(&mut tx, &scope, wid).await?;
        jingzhi_store::commit(tx).await?;
        Ok(row)
    }

    /// Change a whistle through the domain, save it, and note it on the event's timeline.
    async fn whistle_step(
        &self,
        actor: &Actor,
        whistle_id: i64,
        now: i64,
        what: &str,
        step: impl FnOnce(&mut WhistleRow) -> AppResult<String>,
        tell: Vec<(String, jingzhi_domain::notify::DepartmentNotice)>,
    ) -> AppResult<WhistleRow> {
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let mut w = se::get_whistle(&mut tx, &scope, whistle_id).await?;
        let event = se::get_event(&mut tx, &scope, w.event_id).await?;
        let note = step(&mut w)?;
        if w.done_at.is_none()
            && matches!(
                w.whistle.status,
                jingzhi_domain::events::whistle::WhistleStatus::Done
            )
        {
            w.done_at = Some(now);
        }
        se::save_whistle(&mut tx, &scope, &w, now).await?;
        timeline_and_audit(
            &mut tx,
            actor,
            Some(&event),
            &event,
            "whistle",
            what,
            Some(&note),
            now,
        )
        .await?;
        crate::notify::tell_departments(&mut tx, Some(actor), &event, &tell, "whistle", now)
            .await?;
        jingzhi_store::commit(tx).await?;
        Ok(w)
    }

    /// A department's name by code, for timeline notes (its code when not in the registry).
    async fn department_name(&self, code: &str) -> AppResult<String> {
        let names = self.app.departments().names(&[code.to_string()]).await?;
        Ok(names.get(code).cloned().unwrap_or_else(|| code.to_string()))
    }

    /// Department staff may act for their own department; managers for any.
    fn may_act_for(actor: &Actor, department: &str) -> AppResult<()> {
        if jingzhi_domain::events::actions::may_act_for_department(
            actor.user.role,
            actor.user.department.as_deref(),
            department,
        ) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn report_in(
        &self,
        actor: &Actor,
        whistle_id: i64,
        department: &str,
    ) -> AppResult<WhistleRow> {
        self.report_in_at(actor, whistle_id, department, now_ms())
            .await
    }

    /// A summoned department reports in (报到).
    pub async fn report_in_at(
        &self,
        actor: &Actor,
        whistle_id: i64,
        department: &str,
        now: i64,
    ) -> AppResult<WhistleRow> {
        Self::may_act_for(actor, department)?;
        let name = self.department_name(department).await?;
        self.whistle_step(
            actor,
            whistle_id,
            now,
            "报到",
            |w| {
                let on_time = w.whistle.report_in(department, now)?;
                Ok(format!(
                    "{name}报到{}",
                    if on_time { "" } else { "（超时）" }
                ))
            },
            vec![],
        )
        .await
    }

    pub async fn record_inspection(
        &self,
        actor: &Actor,
        whistle_id: i64,
        input: &InspectionInput,
    ) -> AppResult<WhistleRow> {
        self.record_inspection_at(actor, whistle_id, input, now_ms())
            .await
    }

    /// The joint on-site inspection (联合踏勘): who came, what was found, the agreed solution, and
    /// one task per department.
    pub async fn record_inspection_at(
        &self,
        actor: &Actor,
        whistle_id: i64,
        input: &InspectionInput,
        now: i64,
    ) -> AppResult<WhistleRow> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        text("participants", "参加人员", &input.participants, true)?;
        text("findings", "踏勘发现", &input.findings, true)?;
        text("solution", "商定方案", &input.solution, true)?;
        for (_, t) in &input.tasks {
            text("tasks", "任务", t, true)?;
        }
        let tell = input
            .tasks
            .iter()
            .map(|(code, task)| {
                (
                    code.clone(),
                    jingzhi_domain::notify::DepartmentNotice::Task { task: task.clone() },
                )
            })
            .collect();
        self.whistle_step(
            actor,
            whistle_id,
            now,
            "联合踏勘",
            |w| {
                w.whistle.record_inspection(&input.tasks)?;
                w.inspection = Some(Inspection {
                    at: input.at.unwrap_or(now),
                    participants: input.participants.clone(),
                    findings: input.findings.clone(),
                    solution: input.solution.clone(),
                });
                Ok(format!("商定方案：{}", input.solution))
            },
            tell,
        )
        .await
    }

    pub async fn complete_whistle_task(
        &self,
        actor: &Actor,
        whistle_id: i64,
        department: &str,
    ) -> AppResult<WhistleRow> {
        self.complete_whistle_task_at(actor, whistle_id, department, now_ms())
            .await
    }

    pub async fn complete_whistle_task_at(
        &self,
        actor: &Actor,
        whistle_id: i64,
        department: &str,
        now: i64,
    ) -> AppResult<WhistleRow> {
        Self::may_act_for(actor, department)?;
        let name = self.department_name(department).await?;
        self.whistle_step(
            actor,
            whistle_id,
            now,
            "部门任务完成",
            |w| {
                w.whistle.complete_task(department, now)?;
                Ok(format!("{name}完成任务"))
            },
            vec![],
        )
        .await
    }

    /// The community rates a department's response, once every task is done.
    pub async fn rate_department(
        &self,
        actor: &Actor,
        whistle_id: i64,
        department: &str,
        rating: Rating,
    ) -> AppResult<WhistleRow> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let name = self.department_name(department).await?;
        self.whistle_step(
            actor,
            whistle_id,
            now_ms(),
            "评价部门",
            |w| {
                w.whistle.rate(department, rating)?;
                Ok(format!("{name}：{}", rating.label_zh()))
            },
            vec![],
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Metrics

    /// The rates of `docs/metrics.md` for events reported in `[from, to)` below `node_id` (the
    /// caller's scope node by default).
    pub async fn metrics(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> AppResult<MetricsView> {
        if matches!(actor.user.role, Role::Resident) {
            return Err(AppError::Forbidden);
        }
        if to_ms <= from_ms {
            return Err(AppError::invalid("to", "结束时间应晚于开始时间"));
        }
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let node = sr::get_node(&mut conn, &scope, node_id.unwrap_or(scope.node_id)).await?;
        let sub = jingzhi_domain::scope::Scope::new(node.id, node.path.clone());
        let counts =
            se::metric_counts(&mut conn, &sub, from_ms, to_ms, metrics::RESPONSE_LIMIT_MS).await?;
        let by_category = se::volume_by_category(&mut conn, &sub, from_ms, to_ms).await?;
        Ok(MetricsView {
            node_id: node.id,
            from_ms,
            to_ms,
            rates: metrics::rates(&counts),
            counts,
            by_category,
        })
    }
}

/// The figures of a staff member's workbench (工作台) for their scope: open events by status and
/// how many are overdue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Workload {
    /// Reported, not yet accepted (待受理).
    pub to_accept: i64,
    /// Resolved, waiting for the community to verify (待核查).
    pub to_verify: i64,
    /// Accepted, dispatched, in progress or escalated (办理中).
    pub in_hand: i64,
    /// Open past their deadline (已超期).
    pub overdue: i64,
}

impl Events<'_> {
    /// The caller's workload in their scope (staff only; residents and department staff have
    /// their own homes).
    pub async fn workload(&self, actor: &Actor) -> AppResult<Workload> {
        if matches!(
            actor.user.role,
            Role::Resident | Role::DepartmentStaff | Role::Auditor
        ) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.app.store.acquire().await?;
        let mut w = Workload::default();
        for (s, n, late) in se::open_counts(&mut conn, &actor.scope(), now_ms()).await? {
            if s.is_open() {
                w.overdue += late;
            }
            match s {
                Status::Reported => w.to_accept += n,
                Status::Resolved => w.to_verify += n,
                _ => w.in_hand += n,
            }
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: AppError) -> &'static str {
        match e {
            AppError::Invalid(v) => v[0].field,
            e => panic!("expected a field error, got {e:?}"),
        }
    }

    #[test]
    fn a_command_reads_what_it_needs() {
        let none = CommandInput::default();
        assert_eq!(none.command(CommandKind::Accept).unwrap(), Command::Accept);
        assert_eq!(
            none.command(CommandKind::SendBack).unwrap(),
            Command::SendBack {
                reason: String::new()
            }
        );
        assert_eq!(
            field_of(none.command(CommandKind::Merge).unwrap_err()),
            "into"
        );
        assert_eq!(
            field_of(none.command(CommandKind::Dispatch).unwrap_err()),
            "lead"
        );
        assert_eq!(
            field_of(none.command(CommandKind::Rate).unwrap_err()),
            "rating"
        );
        let rate = CommandInput {
            rating: Some(" satisfied ".into()),
            comment: Some("很快".into()),
            note: Some("not this".into()),
            ..Default::default()
        };
        assert_eq!(
            rate.command(CommandKind::Rate).unwrap(),
            Command::Rate(Rating::Satisfied)
        );
        assert_eq!(rate.note(CommandKind::Rate).as_deref(), Some("很快"));
        assert_eq!(rate.note(CommandKind::Close).as_deref(), Some("not this"));
        let blank = CommandInput {
            note: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(blank.note(CommandKind::Accept), None);
        let dispatch = CommandInput {
            lead: Some(HandlerInput {
                kind: "community".into(),
                name: " 社区居委会 ".into(),
                code: None,
            }),
            ..Default::default()
        };
        match dispatch.command(CommandKind::Dispatch).unwrap() {
            Command::Dispatch(d) => assert_eq!(d.lead.name, "社区居委会"),
            c => panic!("{c:?}"),
        }
    }
}

/// Reports through the group commit ([`ReportWrites`]), on a real database (SQLite, or
/// PostgreSQL with JINGZHI_TEST_DATABASE_URL).
#[cfg(test)]
mod report_group_tests {
    use super::*;
    use crate::testing::World;

    fn job(actor: &Actor, building: i64, category: &str, description: &str) -> PendingReport {
        let now = now_ms();
        PendingReport {
            actor: actor.clone(),
            input: ReportInput {
                category: category.into(),
                description: description.into(),
                node_id: Some(building),
                ..Default::default()
            },
            urgency: Urgency::Ordinary,
            located: None,
            photos: vec![],
            deadline_at: now + 3_600_000,
            now,
        }
    }

    /// One bad report in a group (an unknown category) fails alone: the group's transaction
    /// rolls back and each report is written by itself, so the good ones land once each.
    #[tokio::test]
    async fn a_bad_report_in_a_group_fails_alone() {
        let w = World::new().await;
        let worker = w.user("worker.g", "community-worker", &w.comm_a).await;
        let b = w.building_a.id;
        let jobs = vec![
            job(&worker, b, "sanitation", "垃圾桶满溢一"),
            job(&worker, b, "no-such-category", "坏的"),
            job(&worker, b, "sanitation", "垃圾桶满溢二"),
        ];
        let out = w.app.reports.0.write_group(&w.app.store, jobs).await;
        assert_eq!(out[0].as_ref().unwrap().description, "垃圾桶满溢一");
        assert!(matches!(&out[1], Err(AppError::Invalid(f)) if f[0].field == "category"));
        assert_eq!(out[2].as_ref().unwrap().description, "垃圾桶满溢二");
        let listed = w
            .app
            .events()
            .list(&worker, EventFilter::default(), None, 50)
            .await
            .unwrap();
        let mine: Vec<_> = listed
            .iter()
            .filter(|e| e.description.starts_with("垃圾桶满溢"))
            .collect();
        assert_eq!(mine.len(), 2, "each good report once");
    }

    /// Reports sent at once all land, each with its own id, through the queue.
    #[tokio::test]
    async fn concurrent_reports_all_land() {
        let w = World::new().await;
        let worker = w.user("worker.c", "community-worker", &w.comm_a).await;
        let mut tasks = vec![];
        for i in 0..24 {
            let (app, actor, b) = (w.app.clone(), worker.clone(), w.building_a.id);
            tasks.push(tokio::spawn(async move {
                app.events()
                    .report(
                        &actor,
                        &ReportInput {
                            category: "sanitation".into(),
                            description: format!("并发上报 {i}"),
                            node_id: Some(b),
                            ..Default::default()
                        },
                    )
                    .await
            }));
        }
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            ids.insert(t.await.unwrap().unwrap().id);
        }
        assert_eq!(ids.len(), 24);
        let (writes, transactions) = w.app.reports.counts();
        assert_eq!(writes, 24);
        assert!((1..=24).contains(&transactions), "{transactions}");
    }
}
