//! Reporters are told: every change of an event's status (and the whistle steps that matter to
//! them) files an in-app notification for each reporter who is a user — of the event itself and
//! of every event merged into it — and one outbox row per external channel in use, in the
//! transaction of the change. Every change of an event reports what happened as an
//! [`EventChange`], from the one place that writes the timeline and audit
//! (`crate::events::timeline_and_audit`), and [`event_changed`] consumes it: notify never
//! calls back into events. A delivery worker ([`Notifier`]) sends the outbox through pluggable
//! [`Channel`]s (webhook and SMTP here; SMS, WeChat… are adapters a deployment adds) with
//! exponential backoff. Overdue events escalate one level up by themselves
//! (`Events::escalate_overdue`, in `crate::events::overdue`). See `docs/notifications.md`.

pub mod channel;
pub mod smtp;
pub mod webhook;

pub use crate::events::overdue::EscalationReport;
pub use channel::{BoxFuture, Channel, Delivery, DeliveryError, DeliveryReport, Notifier, Payload};

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::notify as dn;
use jingzhi_domain::scope::Scope;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events::Event;
use jingzhi_store::notify as sn;
use jingzhi_store::Conn;

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::notify::Notification;

/// What happened to an event: who gave which command, the event before (`None` when it was
/// just reported) and after, the note, when. Every change reports one; notify consumes it.
#[derive(Debug, Clone, Copy)]
pub struct EventChange<'a> {
    pub actor: &'a Actor,
    pub before: Option<&'a Event>,
    pub after: &'a Event,
    pub command: &'a str,
    pub command_zh: &'a str,
    pub note: Option<&'a str>,
    pub at: i64,
}

/// Tell those a change concerns, in the change's own transaction: the reporters (and merged
/// reporters), and the departments a dispatch, an escalation or a send-back concerns.
pub(crate) async fn event_changed(conn: &mut Conn, c: &EventChange<'_>) -> AppResult<()> {
    on_change(
        conn,
        c.actor,
        c.before,
        c.after,
        c.command,
        c.command_zh,
        c.note,
        c.at,
    )
    .await?;
    on_department_change(conn, c.actor, c.after, c.command, c.note, c.at).await
}

/// File the notifications and outbox rows for a change of `after` (from `before`; `None` when it
/// was just reported) made by `actor`, on the change's own connection or transaction. The actor
/// is not told of their own action.
#[allow(clippy::too_many_arguments)]
async fn on_change(
    conn: &mut Conn,
    actor: &Actor,
    before: Option<&Event>,
    after: &Event,
    command: &str,
    command_zh: &str,
    note: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let from = before.map(|b| b.status);
    if !dn::tells_reporter(command, command_zh, from, after.status) {
        return Ok(());
    }
    let recipients: Vec<sn::Recipient> = sn::recipients(conn, after.id)
        .await?
        .into_iter()
        .filter(|r| r.user_id.is_none() || r.user_id != actor.audit_id())
        .collect();
    if recipients.is_empty() {
        return Ok(());
    }
    let channels = sn::channels(conn).await?;
    let place = place_name(conn, after).await;
    // Residents are not told the staff's internal notes (the dispatcher's remarks).
    let note = note
        .filter(|_| jingzhi_domain::events::visibility::note_visible_to_resident(command, false));
    for r in &recipients {
        let via = (r.own_event_id != after.id).then_some(r.own_event_id);
        let audience = if r.supporter {
            dn::Audience::Supporter
        } else {
            dn::Audience::Reporter
        };
        let m = dn::message_to(
            audience,
            after.id,
            via.filter(|_| !r.supporter),
            &after.category_name,
            &place,
            command_zh,
            from,
            after.status,
            note,
        );
        let to = To {
            user_id: r.user_id,
            name: &r.name,
            email: r.email.as_deref(),
            path: &r.path,
            own_event_id: r.own_event_id,
        };
        deliver(conn, &channels, after, &to, command, &m, now).await?;
    }
    Ok(())
}

/// Tell the departments an event's change concerns ([`event_changed`]): a dispatch tells its lead, co-handler and notified
/// departments; an escalation (overdue) and a send-back tell the lead and co-handlers. Whistle
/// steps tell their departments where they happen.
async fn on_department_change(
    conn: &mut Conn,
    actor: &Actor,
    after: &Event,
    command: &str,
    note: Option<&str>,
    now: i64,
) -> AppResult<()> {
    if !matches!(command, "dispatch" | "escalate" | "send_back") {
        return Ok(());
    }
    let handlers = jingzhi_store::events::assignments(
        conn,
        &Scope::new(after.node_id, after.path.clone()),
        after.id,
    )
    .await?;
    let notices: Vec<(String, dn::DepartmentNotice)> = handlers
        .into_iter()
        .filter_map(|h| {
            let code = h.handler_code?;
            let notice = match command {
                "dispatch" => dn::DepartmentNotice::Dispatched {
                    role: h.role.clone(),
                    deadline_at: after.deadline_at,
                },
                _ if h.role == "notified" => return None,
                "escalate" => dn::DepartmentNotice::Overdue,
                _ => dn::DepartmentNotice::SentBack {
                    reason: note.unwrap_or_default().to_string(),
                },
            };
            Some((code, notice))
        })
        .collect();
    tell_departments(conn, Some(actor), after, &notices, command, now).await
}

/// Who a notification goes to.
struct To<'a> {
    user_id: Option<i64>,
    name: &'a str,
    email: Option<&'a str>,
    /// The path the notification is filed under (read back within the recipient's scope).
    path: &'a str,
    own_event_id: i64,
}

/// File one in-app notification (for a user) and one outbox row per external channel.
async fn deliver(
    conn: &mut Conn,
    channels: &[String],
    after: &Event,
    to: &To<'_>,
    command: &str,
    m: &dn::Message,
    now: i64,
) -> AppResult<()> {
    if let Some(uid) = to.user_id {
        sn::insert_notification(
            conn,
            &sn::NewNotification {
                user_id: uid,
                event_id: Some(after.id),
                proposal_id: None,
                path: to.path,
                created_at: now,
                command,
                status: after.status.as_str(),
                title: &m.title,
                body: &m.body,
                link: None,
            },
        )
        .await?;
    }
    for ch in channels {
        let recipient = match (ch.as_str(), to.email) {
            ("smtp", None) => continue,
            (_, Some(e)) => e,
            (_, None) => "",
        };
        let payload = Payload {
            event_id: after.id,
            own_event_id: to.own_event_id,
            status: after.status.as_str().to_string(),
            status_zh: after.status.label_zh().to_string(),
            command: command.to_string(),
            title: m.title.clone(),
            body: m.body.clone(),
            at: now,
            user_id: to.user_id,
            name: to.name.to_string(),
            email: to.email.map(str::to_string),
        };
        let json = serde_json::to_string(&payload)
            .map_err(|e| AppError::Internal(format!("payload: {e}")))?;
        sn::insert_outbox(
            conn,
            &sn::NewOutbox {
                channel: ch,
                event_id: after.id,
                path: to.path,
                user_id: to.user_id,
                recipient,
                payload: &json,
                created_at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// What [`tell_users`] files: a notification's kind (`command`), its status, words and link.
pub(crate) struct Notice<'a> {
    pub command: &'a str,
    pub status: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// Notify users of something at `path` (in-app, in the caller's transaction), each filed where
/// they see it: at `path` when it lies inside their scope, otherwise at their scope (a volunteer
/// whose account is their home), because the inbox is read within the reader's scope.
pub(crate) async fn tell_users(
    tx: &mut Conn,
    users: &[i64],
    path: &str,
    n: &Notice<'_>,
    now: i64,
) -> AppResult<()> {
    for (user_id, scope) in jingzhi_store::emergency::scope_paths(tx, users).await? {
        let at = if path.starts_with(&scope) {
            path
        } else {
            &scope
        };
        sn::insert_notification(
            tx,
            &sn::NewNotification {
                user_id,
                event_id: None,
                proposal_id: None,
                path: at,
                created_at: now,
                command: n.command,
                status: n.status,
                title: n.title,
                body: n.body,
                link: Some(n.link),
            },
        )
        .await?;
    }
    Ok(())
}

/// Tell departments' staff about an event (dispatched, summoned, a task, overdue, sent back):
/// an in-app notification to each active staff user of each department whose scope holds the
/// event (never the actor), and one outbox row per channel, in the caller's transaction.
pub(crate) async fn tell_departments(
    conn: &mut Conn,
    actor: Option<&Actor>,
    after: &Event,
    notices: &[(String, dn::DepartmentNotice)],
    command: &str,
    now: i64,
) -> AppResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let codes: Vec<String> = notices.iter().map(|(c, _)| c.clone()).collect();
    let staff = jingzhi_store::departments::staff(conn, &codes).await?;
    if staff.is_empty() {
        return Ok(());
    }
    let channels = sn::channels(conn).await?;
    let place = place_name(conn, after).await;
    let actor_id = actor.and_then(|a| a.audit_id());
    for (code, notice) in notices {
        let m =
            dn::department_message(notice, after.id, &after.category_name, &place, after.status);
        for (_, s) in staff.iter().filter(|(c, _)| c == code) {
            if Some(s.user_id) == actor_id || !after.path.starts_with(&s.scope_path) {
                continue;
            }
            let to = To {
                user_id: Some(s.user_id),
                name: &s.display_name,
                email: s.email.as_deref().filter(|e| !e.trim().is_empty()),
                path: &after.path,
                own_event_id: after.id,
            };
            deliver(conn, &channels, after, &to, command, &m, now).await?;
        }
    }
    Ok(())
}

/// The name of the event's place, read within the event's own path.
async fn place_name(conn: &mut Conn, after: &Event) -> String {
    jingzhi_store::registry::get_node(
        conn,
        &Scope::new(after.node_id, after.path.clone()),
        after.node_id,
    )
    .await
    .map(|n| n.name)
    .unwrap_or_default()
}

/// A user's notifications: the unread ones (all of them, up to 200) and then the latest read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inbox {
    pub unread: Vec<Notification>,
    pub read: Vec<Notification>,
}

/// Notify: in-app notifications, the inbox and the delivery settings. Reached as `app.notify()`.
#[derive(Clone, Copy)]
pub struct Notify<'a> {
    app: &'a App,
}

impl App {
    /// See [`Notify`].
    pub fn notify(&self) -> Notify<'_> {
        Notify { app: self }
    }
}

impl Notify<'_> {
    /// The caller's own notifications, newest first (`unread`: only unread / only read).
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread: Option<bool>,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Notification>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sn::list(
            &mut conn,
            &actor.scope(),
            actor.id(),
            unread,
            before_id,
            limit,
        )
        .await?)
    }

    /// The caller's inbox for the page: unread first, then the latest `read_limit` read.
    pub async fn inbox(&self, actor: &Actor, read_limit: i64) -> AppResult<Inbox> {
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        Ok(Inbox {
            unread: sn::list(&mut conn, &scope, actor.id(), Some(true), None, 200).await?,
            read: sn::list(&mut conn, &scope, actor.id(), Some(false), None, read_limit).await?,
        })
    }

    /// How many of the caller's notifications are unread (the nav badge).
    pub async fn unread(&self, actor: &Actor) -> AppResult<i64> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sn::unread_count(&mut conn, &actor.scope(), actor.id()).await?)
    }

    /// Mark one of the caller's own notifications read; anyone else's is "not found".
    pub async fn mark_read(&self, actor: &Actor, id: i64) -> AppResult<Notification> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sn::mark_read(&mut conn, &actor.scope(), actor.id(), id, now_ms()).await?)
    }

    pub async fn mark_all_read(&self, actor: &Actor) -> AppResult<u64> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sn::mark_all_read(&mut conn, &actor.scope(), actor.id(), now_ms()).await?)
    }

    /// Record which external channels are in use (from the configuration, at start): every
    /// later change of an event writes one outbox row per channel.
    pub async fn set_channels(&self, names: &[&str]) -> AppResult<()> {
        let mut tx = self.app.store.begin().await?;
        sn::set_channels(&mut tx, names, now_ms()).await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// Set (or with `None` remove) the e-mail address a user's notifications are sent to by
    /// SMTP. A user sets their own; a city administrator anyone's in scope (`None` actor: the
    /// command line). Audited.
    pub async fn set_user_email(
        &self,
        actor: Option<&Actor>,
        username: &str,
        email: Option<&str>,
    ) -> AppResult<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if !valid_email(e) {
                return Err(AppError::invalid("email", "邮箱地址格式不正确"));
            }
        }
        let mut tx = self.app.store.begin().await?;
        let user = jingzhi_store::auth::user_by_username(&mut tx, username)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(a) = actor {
            let own = a.id() == user.id;
            let admin = a.user.role == jingzhi_domain::auth::Role::CityAdmin
                && a.scope().contains(&user.scope_path);
            if !own && !admin {
                return Err(AppError::NotFound);
            }
        }
        let before = sn::user_email(&mut tx, user.id).await?;
        sn::set_user_email(&mut tx, user.id, email).await?;
        let system;
        let who = match actor {
            Some(a) => a,
            None => {
                let root = jingzhi_store::registry::root(&mut tx)
                    .await?
                    .ok_or(AppError::NotFound)?;
                system = Actor::system(&root);
                &system
            }
        };
        jingzhi_store::audit::record(
            &mut tx,
            jingzhi_store::audit::Entry {
                before: Some(serde_json::json!({ "email": before })),
                after: Some(serde_json::json!({ "email": email })),
                ..who.audit(
                    jingzhi_domain::audit::Action::Update,
                    "user",
                    Some(user.id),
                    &user.scope_path,
                    format!("设置用户{}的通知邮箱", user.username),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }
}

/// A plain check of an address (the SMTP server has the last word): one `@`, something on both
/// sides, a dot in the domain, no spaces or angle brackets, at most 254 characters.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

/// The status a notification reports, for display.
pub fn status_label(s: &str) -> &'static str {
    Status::parse(s).map(|s| s.label_zh()).unwrap_or("")
}
