//! Reporters are told: every change of an event's status (and the whistle steps that matter to
//! them) files an in-app notification for each reporter who is a user — of the event itself and
//! of every event merged into it — and one outbox row per external channel in use, in the
//! transaction of the change ([`on_change`], called from the one place that writes the timeline
//! and audit). A delivery worker ([`Notifier`]) sends the outbox through pluggable
//! [`Channel`]s (webhook and SMTP here; SMS, WeChat… are adapters a deployment adds) with
//! exponential backoff. Overdue events escalate one level up by themselves
//! ([`App::escalate_overdue`]). See `docs/notifications.md`.

pub mod channel;
pub mod escalate;
pub mod smtp;
pub mod webhook;

pub use channel::{BoxFuture, Channel, Delivery, DeliveryError, DeliveryReport, Notifier, Payload};
pub use escalate::EscalationReport;

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::notify as dn;
use jingzhi_domain::scope::Scope;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events::Event;
use jingzhi_store::notify::{self as sn, Notification};
use jingzhi_store::Conn;

/// File the notifications and outbox rows for a change of `after` (from `before`; `None` when it
/// was just reported) made by `actor`, on the change's own connection or transaction. The actor
/// is not told of their own action.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn on_change(
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
    // The place, read within the event's own path.
    let place = jingzhi_store::registry::get_node(
        conn,
        &Scope::new(after.node_id, after.path.clone()),
        after.node_id,
    )
    .await
    .map(|n| n.name)
    .unwrap_or_default();
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
        if let Some(uid) = r.user_id {
            sn::insert_notification(
                conn,
                &sn::NewNotification {
                    user_id: uid,
                    event_id: after.id,
                    path: &r.path,
                    created_at: now,
                    command,
                    status: after.status,
                    title: &m.title,
                    body: &m.body,
                },
            )
            .await?;
        }
        for ch in &channels {
            let recipient = match (ch.as_str(), &r.email) {
                ("smtp", None) => continue,
                (_, Some(e)) => e.as_str(),
                (_, None) => "",
            };
            let payload = Payload {
                event_id: after.id,
                own_event_id: r.own_event_id,
                status: after.status.as_str().to_string(),
                status_zh: after.status.label_zh().to_string(),
                command: command.to_string(),
                title: m.title.clone(),
                body: m.body.clone(),
                at: now,
                user_id: r.user_id,
                name: r.name.clone(),
                email: r.email.clone(),
            };
            let json = serde_json::to_string(&payload)
                .map_err(|e| AppError::Internal(format!("payload: {e}")))?;
            sn::insert_outbox(
                conn,
                &sn::NewOutbox {
                    channel: ch,
                    event_id: after.id,
                    path: &r.path,
                    user_id: r.user_id,
                    recipient,
                    payload: &json,
                    created_at: now,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// A user's notifications: the unread ones (all of them, up to 200) and then the latest read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inbox {
    pub unread: Vec<Notification>,
    pub read: Vec<Notification>,
}

impl App {
    /// The caller's own notifications, newest first (`unread`: only unread / only read).
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread: Option<bool>,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Notification>> {
        let mut conn = self.store.acquire().await?;
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
        let mut conn = self.store.acquire().await?;
        let scope = actor.scope();
        Ok(Inbox {
            unread: sn::list(&mut conn, &scope, actor.id(), Some(true), None, 200).await?,
            read: sn::list(&mut conn, &scope, actor.id(), Some(false), None, read_limit).await?,
        })
    }

    /// How many of the caller's notifications are unread (the nav badge).
    pub async fn unread_notifications(&self, actor: &Actor) -> AppResult<i64> {
        let mut conn = self.store.acquire().await?;
        Ok(sn::unread_count(&mut conn, &actor.scope(), actor.id()).await?)
    }

    /// Mark one of the caller's own notifications read; anyone else's is "not found".
    pub async fn mark_notification_read(&self, actor: &Actor, id: i64) -> AppResult<Notification> {
        let mut conn = self.store.acquire().await?;
        Ok(sn::mark_read(&mut conn, &actor.scope(), actor.id(), id, now_ms()).await?)
    }

    pub async fn mark_all_notifications_read(&self, actor: &Actor) -> AppResult<u64> {
        let mut conn = self.store.acquire().await?;
        Ok(sn::mark_all_read(&mut conn, &actor.scope(), actor.id(), now_ms()).await?)
    }

    /// Record which external channels are in use (from the configuration, at start): every
    /// later change of an event writes one outbox row per channel.
    pub async fn set_notify_channels(&self, names: &[&str]) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
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
        let mut tx = self.store.begin().await?;
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
