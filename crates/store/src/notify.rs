//! Notifications of reporters, the delivery outbox, and the queries of the overdue-escalation
//! job. A user's notifications are read only by that user (`user_id` in every query) and within
//! their scope (`path` range); the outbox is read only by the delivery worker.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::events::lifecycle::Status;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// An INTEGER column: `i32` on PostgreSQL, `i64` on SQLite.
fn int(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<i32, _>(col)
        .map(i64::from)
        .or_else(|_| r.try_get::<i64, _>(col))?)
}

// ---------------------------------------------------------------------------------------------
// Who is told

/// Someone to tell about a change of an event: the reporter of the event itself or of an event
/// merged into it (`own_event_id`), or a resident who added themselves to one of those
/// ("我也遇到了", `supporter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub own_event_id: i64,
    /// The place of the recipient's own event (their notification is filed there).
    pub path: String,
    pub user_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    /// Told as a supporter, not as the reporter.
    pub supporter: bool,
}

/// The reporters of event `event_id` and of every event merged into it (also through merged
/// events, a few levels deep), with their e-mail address when they are users who gave one.
/// Bounded by `merged_into` (indexed): the event itself was already read in the caller's scope,
/// and these reporters are told whatever the scope of the one who changed it.
pub async fn recipients(conn: &mut Conn, event_id: i64) -> Result<Vec<Recipient>> {
    let mut out: Vec<Recipient> = vec![];
    let mut frontier = vec![event_id];
    let mut first = true;
    for _ in 0..4 {
        if frontier.is_empty() {
            break;
        }
        let mut p = Params::default();
        let ids: Vec<String> = frontier.iter().map(|i| p.push(V::I(*i))).collect();
        let col = if first { "e.id" } else { "e.merged_into" };
        let sql = format!(
            "SELECT e.id, e.path, e.reporter_user_id, e.reporter_name, u.email FROM events e \
             LEFT JOIN users u ON u.id = e.reporter_user_id WHERE {col} IN ({}) ORDER BY e.id",
            ids.join(",")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        let mut next = vec![];
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            out.push(Recipient {
                own_event_id: id,
                path: r.try_get("path")?,
                user_id: r.try_get("reporter_user_id")?,
                name: r.try_get("reporter_name")?,
                email: r
                    .try_get::<Option<String>, _>("email")?
                    .filter(|e| !e.trim().is_empty()),
                supporter: false,
            });
            next.push(id);
        }
        if first {
            first = false;
        }
        frontier = next;
    }
    // The supporters of those events, once each, unless they reported one of them.
    if !out.is_empty() {
        let mut p = Params::default();
        let ids: Vec<String> = out.iter().map(|r| p.push(V::I(r.own_event_id))).collect();
        let sql = format!(
            "SELECT s.event_id, s.path, s.user_id, u.display_name, u.email FROM event_supporters s \
             JOIN users u ON u.id = s.user_id WHERE s.event_id IN ({}) ORDER BY s.event_id, s.user_id",
            ids.join(",")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let uid: i64 = r.try_get("user_id")?;
            if out.iter().any(|o| o.user_id == Some(uid)) {
                continue;
            }
            out.push(Recipient {
                own_event_id: r.try_get("event_id")?,
                path: r.try_get("path")?,
                user_id: Some(uid),
                name: r.try_get("display_name")?,
                email: r
                    .try_get::<Option<String>, _>("email")?
                    .filter(|e| !e.trim().is_empty()),
                supporter: true,
            });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// In-app notifications

#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    /// What it is about: an event, or a proposal (one of the two).
    pub event_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub path: &'a str,
    pub created_at: i64,
    pub command: &'a str,
    /// The event's status, or the proposal's phase, after the change.
    pub status: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The page it leads to, when it is about neither an event nor a proposal.
    pub link: Option<&'a str>,
}

pub async fn insert_notification(conn: &mut Conn, n: &NewNotification<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notifications (user_id, event_id, proposal_id, path, created_at, command, \
         status, title, body, link) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.event_id)
    .bind(n.proposal_id)
    .bind(n.path)
    .bind(n.created_at)
    .bind(n.command)
    .bind(n.status)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .fetch_one(&mut *conn)
    .await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub event_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub created_at: i64,
    pub command: String,
    pub status: String,
    pub title: String,
    pub body: String,
    pub read_at: Option<i64>,
    pub link: Option<String>,
}

fn notification_from(r: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        proposal_id: r.try_get("proposal_id")?,
        created_at: r.try_get("created_at")?,
        command: r.try_get("command")?,
        status: r.try_get("status")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        read_at: r.try_get("read_at")?,
        link: r.try_get("link")?,
    })
}

/// `user_id`'s notifications within `scope`, newest first: only the unread ones with `unread`,
/// else all; `before_id` pages backwards; `limit` ≤ 200.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    user_id: i64,
    unread: Option<bool>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT id, event_id, proposal_id, created_at, command, status, title, body, read_at, \
         link FROM notifications \
         WHERE user_id = {} AND {}",
        p.push(V::I(user_id)),
        p.range("path", &scope.path)
    );
    match unread {
        Some(true) => sql.push_str(" AND read_at IS NULL"),
        Some(false) => sql.push_str(" AND read_at IS NOT NULL"),
        None => {}
    }
    if let Some(b) = before_id {
        sql.push_str(&format!(" AND id < {}", p.push(V::I(b))));
    }
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT {}",
        p.push(V::I(limit.clamp(1, 200)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(notification_from).collect()
}

/// How many of `user_id`'s notifications within `scope` are unread (the nav badge): one count
/// over the `(user_id, read_at)` index.
pub async fn unread_count(conn: &mut Conn, scope: &Scope, user_id: i64) -> Result<i64> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE user_id = {} AND read_at IS NULL AND {}",
        p.push(V::I(user_id)),
        p.range("path", &scope.path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?)
}

/// Mark one of `user_id`'s notifications read (kept as first read). Anyone else's, or one
/// outside the scope, is [`Error::NotFound`].
pub async fn mark_read(
    conn: &mut Conn,
    scope: &Scope,
    user_id: i64,
    id: i64,
    now: i64,
) -> Result<Notification> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE notifications SET read_at = COALESCE(read_at, {}) WHERE id = {} AND user_id = {} AND {} \
         RETURNING id, event_id, proposal_id, created_at, command, status, title, body, read_at, link",
        p.push(V::I(now)),
        p.push(V::I(id)),
        p.push(V::I(user_id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    notification_from(&row)
}

/// Mark all of `user_id`'s unread notifications within `scope` read; how many were.
/// Mark as read, when they were sent, the notifications of `command` sent before `before` (the
/// demo's past emergency, which its accounts saw at the time).
pub async fn mark_past_read(conn: &mut Conn, command: &str, before: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = created_at \
         WHERE command = $1 AND created_at < $2 AND read_at IS NULL",
    )
    .bind(command)
    .bind(before)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

pub async fn mark_all_read(conn: &mut Conn, scope: &Scope, user_id: i64, now: i64) -> Result<u64> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE notifications SET read_at = {} WHERE user_id = {} AND read_at IS NULL AND {}",
        p.push(V::I(now)),
        p.push(V::I(user_id)),
        p.range("path", &scope.path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// A user's e-mail address for SMTP notifications (`None` to remove it).
pub async fn set_user_email(conn: &mut Conn, user_id: i64, email: Option<&str>) -> Result<()> {
    let n = sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

pub async fn user_email(conn: &mut Conn, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

// ---------------------------------------------------------------------------------------------
// Outbox

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone)]
pub struct NewOutbox<'a> {
    pub channel: &'a str,
    pub event_id: i64,
    pub path: &'a str,
    pub user_id: Option<i64>,
    pub recipient: &'a str,
    pub payload: &'a str,
    pub created_at: i64,
}

pub async fn insert_outbox(conn: &mut Conn, o: &NewOutbox<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notification_outbox (channel, event_id, path, user_id, recipient, payload, created_at, status, \
         attempts, next_attempt_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0,$7) RETURNING id",
    )
    .bind(o.channel)
    .bind(o.event_id)
    .bind(o.path)
    .bind(o.user_id)
    .bind(o.recipient)
    .bind(o.payload)
    .bind(o.created_at)
    .bind(PENDING)
    .fetch_one(&mut *conn)
    .await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub event_id: i64,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub payload: String,
    pub created_at: i64,
    pub status: String,
    /// Attempts made so far (a claimed row counts the attempt being made).
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

const OB_COLS: &str =
    "id, channel, event_id, user_id, recipient, payload, created_at, status, attempts, \
    next_attempt_at, last_error, sent_at";

fn outbox_from(r: &AnyRow) -> Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.try_get("id")?,
        channel: r.try_get("channel")?,
        event_id: r.try_get("event_id")?,
        user_id: r.try_get("user_id")?,
        recipient: r.try_get("recipient")?,
        payload: r.try_get("payload")?,
        created_at: r.try_get("created_at")?,
        status: r.try_get("status")?,
        attempts: int(r, "attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// Claim up to `limit` rows of `channels` that are due at `now` (pending and due, or claimed by
/// a worker whose lease ran out): they become `sending` until `now + lease_ms` and their attempt
/// is counted. One statement; the `status` condition is checked again on the row itself, so two
/// workers (or two servers on PostgreSQL) never claim the same row. Run it in a write
/// transaction (BEGIN IMMEDIATE on SQLite).
pub async fn claim_due(
    conn: &mut Conn,
    channels: &[&str],
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    if channels.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let sending = p.push(V::T(SENDING.into()));
    let until = p.push(V::I(now.saturating_add(lease_ms)));
    let pending = p.push(V::T(PENDING.into()));
    let now_p = p.push(V::I(now));
    let chans: Vec<String> = channels
        .iter()
        .map(|c| p.push(V::T(c.to_string())))
        .collect();
    let due = format!(
        "((status = {pending} AND next_attempt_at <= {now_p}) OR (status = {sending} AND claimed_until < {now_p}))"
    );
    let sql = format!(
        "UPDATE notification_outbox SET status = {sending}, claimed_until = {until}, attempts = attempts + 1 \
         WHERE {due} AND id IN (SELECT id FROM notification_outbox WHERE {due} AND channel IN ({}) \
         ORDER BY next_attempt_at, id LIMIT {}) RETURNING {OB_COLS}",
        chans.join(","),
        p.push(V::I(limit.clamp(1, 1000)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<OutboxRow> = rows.iter().map(outbox_from).collect::<Result<_>>()?;
    out.sort_by_key(|r| r.id);
    Ok(out)
}

/// A claimed row was delivered: `sent`, never to be claimed again.
pub async fn mark_sent(conn: &mut Conn, id: i64, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE notification_outbox SET status = $1, sent_at = $2, last_error = NULL WHERE id = $3 AND status = $4",
    )
    .bind(SENT)
    .bind(now)
    .bind(id)
    .bind(SENDING)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// A claimed row failed: try again at `next_at`, or (with `None`) give up: `failed`.
pub async fn mark_failed_attempt(
    conn: &mut Conn,
    id: i64,
    next_at: Option<i64>,
    error: &str,
) -> Result<bool> {
    let short: String = error.chars().take(500).collect();
    let n = match next_at {
        Some(t) => sqlx::query(
            "UPDATE notification_outbox SET status = $1, next_attempt_at = $2, claimed_until = 0, last_error = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(PENDING)
        .bind(t)
        .bind(short)
        .bind(id)
        .bind(SENDING)
        .execute(&mut *conn)
        .await?,
        None => sqlx::query(
            "UPDATE notification_outbox SET status = $1, claimed_until = 0, last_error = $2 \
             WHERE id = $3 AND status = $4",
        )
        .bind(FAILED)
        .bind(short)
        .bind(id)
        .bind(SENDING)
        .execute(&mut *conn)
        .await?,
    };
    Ok(n.rows_affected() == 1)
}

/// The outbox rows of an event (for operators and tests), oldest first.
pub async fn outbox_of_event(conn: &mut Conn, event_id: i64) -> Result<Vec<OutboxRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {OB_COLS} FROM notification_outbox WHERE event_id = $1 ORDER BY id"
    ))
    .bind(event_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(outbox_from).collect()
}

/// Rows per status (for `jingzhi notify run-once` and the logs).
pub async fn outbox_counts(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM notification_outbox GROUP BY status ORDER BY status",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Overdue escalation

/// Open events in `scope` with one of `statuses`, past their deadline at `now`, below the top
/// level (`escalations < max_escalations`), in (deadline, id) order after `after`: (id,
/// deadline). Uses the `(status, deadline_at)` index.
pub async fn overdue_candidates(
    conn: &mut Conn,
    scope: &Scope,
    statuses: &[Status],
    now: i64,
    max_escalations: u32,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<(i64, i64)>> {
    if statuses.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let st: Vec<String> = statuses
        .iter()
        .map(|s| p.push(V::T(s.as_str().into())))
        .collect();
    let mut sql = format!(
        "SELECT id, deadline_at FROM events WHERE status IN ({}) AND deadline_at < {} AND escalations < {} AND {}",
        st.join(","),
        p.push(V::I(now)),
        p.push(V::I(max_escalations as i64)),
        p.range("path", &scope.path)
    );
    if let Some((d, id)) = after {
        let d1 = p.push(V::I(d));
        let d2 = p.push(V::I(d));
        sql.push_str(&format!(
            " AND (deadline_at > {d1} OR (deadline_at = {d2} AND id > {}))",
            p.push(V::I(id))
        ));
    }
    sql.push_str(&format!(
        " ORDER BY deadline_at, id LIMIT {}",
        p.push(V::I(limit.clamp(1, 10_000)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("deadline_at")?)))
        .collect()
}

/// Take an event for the escalation job: lock its row (PostgreSQL) if it still has the deadline
/// the job saw. `false` when someone changed it meanwhile (another server escalated it, staff
/// moved it): the job then leaves it alone.
pub async fn lock_if_deadline(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    deadline_at: i64,
) -> Result<bool> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE events SET deadline_at = deadline_at WHERE id = {} AND deadline_at = {} AND {}",
        p.push(V::I(id)),
        p.push(V::I(deadline_at)),
        p.range("path", &scope.path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

// ---------------------------------------------------------------------------------------------
// Channels in use

/// The external channels in use, by name.
pub async fn channels(conn: &mut Conn) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM notification_channels ORDER BY name")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Replace the channels in use (one transaction: pass one).
pub async fn set_channels(conn: &mut Conn, names: &[&str], now: i64) -> Result<()> {
    sqlx::query("DELETE FROM notification_channels")
        .execute(&mut *conn)
        .await?;
    for n in names {
        sqlx::query("INSERT INTO notification_channels (name, updated_at) VALUES ($1, $2)")
            .bind(*n)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The accounts to tell of a change of a proposal: its author's and its supporters' resident
/// accounts, each with the path of the resident's home (the notification's place, inside the
/// account's scope).
pub async fn proposal_followers(conn: &mut Conn, proposal_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, r.path FROM users u JOIN residents r ON r.id = u.resident_id \
         WHERE u.resident_id IN (SELECT author_resident_id FROM proposals WHERE id = $1 \
         UNION SELECT resident_id FROM proposal_supports WHERE proposal_id = $1) ORDER BY u.id",
    )
    .bind(proposal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .collect()
}
