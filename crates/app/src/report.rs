//! The resident's report (issue 9 §3), around the events use-case:
//!
//! - [`Report::nearby`]: before filing, the open reports of the same category near the
//!   place (scored like duplicates, `domain::events::duplicates::nearby_score`), in the caller's
//!   scope, as minimal non-personal facts (category, place name, status, date).
//! - [`Report::support_event`]: "我也遇到了": a resident adds themselves to one of them instead of
//!   filing a duplicate; audited; they are then told of its changes like its reporter.
//! - [`Report::receipt`]: what the confirmation page says after a report.
//! - [`Report::add_internal_note`]: a staff note residents do not see (内部备注).
//! - [`resident_view`]: what a resident sees of an event's page: no internal notes; a supporter
//!   (not the reporter) sees neither the description, the answers, the photos nor the reporter.

use crate::events::EventView;
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::events::duplicates as dup;
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::events::visibility::note_visible_to_resident;
use jingzhi_domain::events::HandlerKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events::{self as se, Event};
use jingzhi_store::registry as sr;
use jingzhi_store::report as sp;
use jingzhi_store::{audit, Conn};
use serde::Serialize;

/// Most open reports offered before filing.
pub const NEARBY_LIMIT: usize = 5;

/// An open report near the one being made: only what a resident may see of someone else's
/// report. No description, no reporter.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NearbyReport {
    pub id: i64,
    pub category_name: String,
    pub place_name: String,
    pub status: Status,
    pub reported_at: i64,
    pub distance_m: f64,
    pub supporters: i64,
    /// The caller already added themselves to it.
    pub supported: bool,
    /// The caller reported it.
    pub own: bool,
}

/// Where a report is being made, for [`Report::nearby`].
#[derive(Debug, Clone, Default)]
pub struct NearbyQuery {
    pub category: String,
    /// A building or grid (staff); residents are at their home building unless they give a point.
    pub node_id: Option<i64>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    /// What the caller has written so far (ranks similar reports first; never shown).
    pub text: String,
}

/// What the confirmation page tells the reporter.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub event: Event,
    /// Who handles it by default: the category's handler (a department's name, or the kind).
    pub handler: String,
    /// The reporter's e-mail address when notifications are also sent there.
    pub email: Option<String>,
}

/// How a resident may see an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Staff in scope, or the reporter.
    Full,
    /// A resident who added themselves to it.
    Supporter,
}

/// Load an event for reading: in scope; for a resident, one they reported or support.
pub(crate) async fn load_for_view(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> AppResult<(Event, Access)> {
    let scope = actor.scope();
    let e = se::get_event(conn, &scope, id).await?;
    crate::events::department_may_see(conn, actor, id).await?;
    if actor.user.role != Role::Resident || e.reporter_user_id == Some(actor.id()) {
        return Ok((e, Access::Full));
    }
    if sp::is_supporter(conn, &scope, id, actor.id()).await? {
        return Ok((e, Access::Supporter));
    }
    Err(AppError::NotFound)
}

/// Apply what a resident may see to an event's view (nothing changes for staff).
pub(crate) fn resident_view(actor: &Actor, access: Access, v: &mut EventView) {
    if actor.user.role != Role::Resident {
        return;
    }
    for t in &mut v.timeline {
        if !note_visible_to_resident(&t.command, t.internal) {
            t.note = None;
        }
    }
    // Internal entries without a status change are not on a resident's timeline at all.
    v.timeline.retain(|t| !t.internal);
    if access == Access::Supporter {
        let reporter = v.event.reporter_user_id;
        v.event.description = String::new();
        v.event.reporter_name = String::new();
        v.event.answers = None;
        v.attachments.clear();
        for t in &mut v.timeline {
            let by_resident = t.actor_role.as_deref() == Some(Role::Resident.as_str())
                || (t.actor_id.is_some() && t.actor_id == reporter);
            if by_resident {
                t.actor_name = "居民".into();
                t.actor_role = None;
                t.note = None;
            }
            if !matches!(
                t.command.as_str(),
                "resolve" | "invalidate" | "send_back" | "escalate"
            ) {
                t.note = None;
            }
        }
    }
}

fn handler_label(cat: &se::CategoryRow) -> String {
    match (&cat.category.handler, &cat.category.department) {
        (HandlerKind::Department, Some(d)) if !d.trim().is_empty() => d.clone(),
        (k, _) => k.label_zh().to_string(),
    }
}

/// Report: the resident's report around the events use-case. Reached as `app.report()`.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    app: &'a App,
}

impl App {
    /// See [`Report`].
    pub fn report(&self) -> Report<'_> {
        Report { app: self }
    }
}

impl Report<'_> {
    /// Open reports of `q.category` near the place of a report being made, best first, at most
    /// [`NEARBY_LIMIT`]: in the caller's scope (a resident's: their community), as minimal
    /// facts. Empty when the place has no coordinates.
    pub async fn nearby(&self, actor: &Actor, q: &NearbyQuery) -> AppResult<Vec<NearbyReport>> {
        self.nearby_at(actor, q, now_ms()).await
    }

    pub async fn nearby_at(
        &self,
        actor: &Actor,
        q: &NearbyQuery,
        now: i64,
    ) -> AppResult<Vec<NearbyReport>> {
        // Department staff see only the events sent to them, not what else is near.
        if matches!(actor.user.role, Role::Auditor | Role::DepartmentStaff) {
            return Err(AppError::Forbidden);
        }
        let category = q.category.trim();
        if category.is_empty() {
            return Ok(vec![]);
        }
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let point = match (q.x, q.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some((x, y)),
            _ => {
                let node_id = match (actor.user.role, q.node_id, actor.user.resident_id) {
                    (Role::Resident, _, Some(rid)) => {
                        let r = sr::get_resident(&mut conn, &scope, rid).await?;
                        Some(
                            sr::get_household(&mut conn, &scope, r.household_id)
                                .await?
                                .building_id,
                        )
                    }
                    (Role::Resident, _, None) => None,
                    (_, n, _) => n,
                };
                match node_id {
                    Some(id) => match sr::get_node(&mut conn, &scope, id).await {
                        Ok(n) => n.x.zip(n.y),
                        Err(jingzhi_store::Error::NotFound) => None,
                        Err(e) => return Err(e.into()),
                    },
                    None => None,
                }
            }
        };
        let Some((x, y)) = point else {
            return Ok(vec![]);
        };
        let p = self.app.duplicates().policy();
        let rows = sp::open_nearby(
            &mut conn,
            &scope,
            category,
            now.saturating_sub(dup::NEARBY_MAX_AGE_MS),
            dup::bounding_box(x, y, p.max_distance_m),
            actor.id(),
            200,
        )
        .await?;
        let report = dup::Report {
            category,
            x,
            y,
            at: now,
            text: &q.text,
        };
        let mut out: Vec<(f64, NearbyReport)> = rows
            .into_iter()
            .filter_map(|r| {
                let s = dup::nearby_score(
                    &report,
                    &dup::Report {
                        category: &r.category_code,
                        x: r.x,
                        y: r.y,
                        at: r.reported_at,
                        text: &r.description,
                    },
                    &p,
                    dup::NEARBY_MAX_AGE_MS,
                )?;
                Some((
                    s.score,
                    NearbyReport {
                        id: r.id,
                        category_name: r.category_name,
                        place_name: r.place_name,
                        status: r.status,
                        reported_at: r.reported_at,
                        distance_m: s.distance_m,
                        supporters: r.supporters,
                        supported: r.supported,
                        own: r.reporter_user_id == Some(actor.id()),
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
        out.truncate(NEARBY_LIMIT);
        Ok(out.into_iter().map(|(_, r)| r).collect())
    }

    /// "我也遇到了": the calling resident adds themselves to an open event in their scope
    /// (not their own). Audited; from then on they are told of its changes. Returns the number
    /// of supporters. Adding oneself twice changes nothing.
    pub async fn support_event(&self, actor: &Actor, id: i64) -> AppResult<i64> {
        self.support_event_at(actor, id, now_ms()).await
    }

    pub async fn support_event_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<i64> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let e = se::get_event(&mut tx, &scope, id).await?;
        if e.reporter_user_id == Some(actor.id()) {
            return Err(AppError::invalid("event", "这是您自己上报的事件"));
        }
        if !sp::OPEN.contains(&e.status) {
            return Err(AppError::invalid(
                "status",
                format!("该事件{}，不能再加入", e.status.label_zh()),
            ));
        }
        let added = sp::add_supporter(&mut tx, e.id, actor.id(), &e.path, now).await?;
        let n = sp::supporter_count(&mut tx, &scope, e.id).await?;
        if added {
            audit::record(
                &mut tx,
                audit::Entry {
                    after: Some(serde_json::json!({ "supporters": n })),
                    ..actor.audit(
                        Action::Update,
                        "event",
                        Some(e.id),
                        &e.path,
                        format!("事件#{} 居民表示“我也遇到了”", e.id),
                    )
                },
            )
            .await?;
        }
        jingzhi_store::commit(tx).await?;
        Ok(n)
    }

    /// The name of the place (building or grid) of an event the caller may read: what a resident
    /// sees instead of a link into the register.
    pub async fn event_place_name(&self, actor: &Actor, id: i64) -> AppResult<String> {
        let mut conn = self.app.store.acquire().await?;
        let (e, _) = load_for_view(&mut conn, actor, id).await?;
        // Read within the event's own place (the caller may not read the register).
        let own = jingzhi_domain::scope::Scope::new(e.node_id, e.path.clone());
        Ok(sr::get_node(&mut conn, &own, e.node_id).await?.name)
    }

    /// How many residents support an event the caller may read.
    pub async fn event_supporters(&self, actor: &Actor, id: i64) -> AppResult<i64> {
        let mut conn = self.app.store.acquire().await?;
        load_for_view(&mut conn, actor, id).await?;
        Ok(sp::supporter_count(&mut conn, &actor.scope(), id).await?)
    }

    /// What the confirmation page says after the caller reported event `id`: its number and
    /// deadline, who handles it by default, and where they will be told (in the app; by e-mail
    /// when SMTP is in use and they gave an address). Only the reporter asks.
    pub async fn receipt(&self, actor: &Actor, id: i64) -> AppResult<Receipt> {
        let mut conn = self.app.store.acquire().await?;
        let e = se::get_event(&mut conn, &actor.scope(), id).await?;
        if e.reporter_user_id != Some(actor.id()) {
            return Err(AppError::NotFound);
        }
        let cat = se::get_category(&mut conn, &e.category_code).await?;
        let smtp = jingzhi_store::notify::channels(&mut conn)
            .await?
            .iter()
            .any(|c| c == "smtp");
        let email = if smtp {
            jingzhi_store::notify::user_email(&mut conn, actor.id())
                .await?
                .filter(|e| !e.trim().is_empty())
        } else {
            None
        };
        Ok(Receipt {
            handler: handler_label(&cat),
            event: e,
            email,
        })
    }

    /// A staff note on an event's timeline that residents do not see (内部备注): no status
    /// change, nobody is notified. Audited.
    pub async fn add_internal_note(&self, actor: &Actor, id: i64, note: &str) -> AppResult<i64> {
        self.add_internal_note_at(actor, id, note, now_ms()).await
    }

    pub async fn add_internal_note_at(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
        now: i64,
    ) -> AppResult<i64> {
        if matches!(actor.user.role, Role::Resident | Role::Auditor) {
            return Err(AppError::Forbidden);
        }
        crate::events::text("note", "内部备注", note, true)?;
        let mut tx = self.app.store.begin().await?;
        let e = se::get_event(&mut tx, &actor.scope(), id).await?;
        crate::events::department_may_see(&mut tx, actor, id).await?;
        let tid = sp::insert_internal_note(
            &mut tx,
            &se::NewTransition {
                event_id: e.id,
                path: &e.path,
                at: now,
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                command: "note",
                from_status: Some(e.status),
                to_status: e.status,
                note: Some(note.trim()),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(note.trim()),
                ..actor.audit(
                    Action::Update,
                    "event",
                    Some(e.id),
                    &e.path,
                    format!("事件#{} 内部备注", e.id),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(tid)
    }
}
