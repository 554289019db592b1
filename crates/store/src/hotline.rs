//! 12345 hotline tickets in SQL: the places an import matches addresses against, the tickets
//! (matched, queued, discarded) and the rows of an export. Every read and write of tickets takes
//! the caller's [`Scope`] and puts it in the query (`path` range); only the ticket-number check
//! of an import is city-wide, because ticket numbers are the hotline's and unique city-wide.

use crate::sql::{bind, insert_many, Params, V};
use crate::{Cipher, Conn, Error, Result, Scope};
use jingzhi_domain::hotline::Place;
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::scope::path_ids;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// Status of a ticket.
pub const MATCHED: &str = "matched";
pub const QUEUED: &str = "queued";
pub const DISCARDED: &str = "discarded";

/// The places of a scope an address can name (districts down to buildings), and the scope
/// node's own ancestors (their names appear in addresses; they are used for matching only).
pub async fn places(conn: &mut Conn, scope: &Scope) -> Result<Vec<Place>> {
    let mut p = Params::default();
    let kinds: Vec<String> = [
        NodeKind::District,
        NodeKind::Street,
        NodeKind::Community,
        NodeKind::Grid,
        NodeKind::Compound,
        NodeKind::Building,
    ]
    .iter()
    .map(|k| p.push(V::T(k.as_str().into())))
    .collect();
    let sql = format!(
        "SELECT id, parent_id, kind, name FROM nodes WHERE kind IN ({}) AND {}",
        kinds.join(","),
        p.range("path", &scope.path)
    );
    let mut rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let above: Vec<i64> = path_ids(&scope.path)
        .into_iter()
        .filter(|id| *id != scope.node_id)
        .collect();
    if !above.is_empty() {
        let mut p = Params::default();
        let ids: Vec<String> = above.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "SELECT id, parent_id, kind, name FROM nodes WHERE id IN ({})",
            ids.join(",")
        );
        rows.extend(
            bind(sqlx::query(&sql), &p.vals)
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Place {
                id: r.try_get("id")?,
                parent_id: r.try_get("parent_id")?,
                kind: NodeKind::parse(&kind)
                    .ok_or_else(|| Error::Conflict(format!("bad kind {kind}")))?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

/// Which of these ticket numbers are already imported (anywhere in the city), with their
/// status.
pub async fn existing(conn: &mut Conn, nos: &[String]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in nos.chunks(500) {
        let mut p = Params::default();
        let ph: Vec<String> = chunk.iter().map(|n| p.push(V::T(n.clone()))).collect();
        let sql = format!(
            "SELECT ticket_no, status FROM hotline_tickets WHERE ticket_no IN ({})",
            ph.join(",")
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            out.insert(r.try_get("ticket_no")?, r.try_get("status")?);
        }
    }
    Ok(out)
}

/// A ticket to insert. The phone is sealed here.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub ticket_no: String,
    pub path: String,
    pub status: &'static str,
    pub called_at: i64,
    pub caller_name: String,
    /// A phone number to seal (and mask), or only a mask (the hotline sent it masked).
    pub phone: Option<jingzhi_domain::registry::Phone>,
    pub phone_mask: Option<String>,
    pub address: String,
    pub content: String,
    pub hotline_category: String,
    pub category_code: String,
    pub urgency: String,
    pub due_at: Option<i64>,
    pub node_id: Option<i64>,
    pub event_id: Option<i64>,
    pub suggested_node_id: Option<i64>,
    pub confidence: u8,
    pub match_note: String,
    pub imported_at: i64,
    pub imported_by: String,
}

const INSERT_COLS: &[&str] = &[
    "ticket_no",
    "path",
    "status",
    "called_at",
    "caller_name",
    "phone_cipher",
    "phone_mask",
    "address",
    "content",
    "hotline_category",
    "category_code",
    "urgency",
    "due_at",
    "node_id",
    "event_id",
    "suggested_node_id",
    "confidence",
    "match_note",
    "imported_at",
    "imported_by",
    "updated_at",
];

/// Insert tickets with multi-row statements. A ticket number imported meanwhile is a
/// [`Error::Conflict`] on `ticket_no`.
pub async fn insert_tickets(conn: &mut Conn, cipher: &Cipher, rows: &[NewTicket]) -> Result<()> {
    let vals: Vec<Vec<V>> = rows
        .iter()
        .map(|t| {
            vec![
                V::T(t.ticket_no.clone()),
                V::T(t.path.clone()),
                V::T(t.status.into()),
                V::I(t.called_at),
                V::T(t.caller_name.clone()),
                V::OB(t.phone.as_ref().map(|p| cipher.seal(p.as_str()))),
                V::OT(
                    t.phone
                        .as_ref()
                        .map(|p| p.masked())
                        .or_else(|| t.phone_mask.clone()),
                ),
                V::T(t.address.clone()),
                V::T(t.content.clone()),
                V::T(t.hotline_category.clone()),
                V::T(t.category_code.clone()),
                V::T(t.urgency.clone()),
                V::OI(t.due_at),
                V::OI(t.node_id),
                V::OI(t.event_id),
                V::OI(t.suggested_node_id),
                V::I(t.confidence as i64),
                V::T(t.match_note.clone()),
                V::I(t.imported_at),
                V::T(t.imported_by.clone()),
                V::I(t.imported_at),
            ]
        })
        .collect();
    insert_many(conn, "hotline_tickets", INSERT_COLS, &vals)
        .await
        .map_err(|e| match e {
            Error::Db(d) => Error::from_db(d, "ticket_no"),
            e => e,
        })?;
    Ok(())
}

/// A ticket as stored (the phone masked; the sealed number stays in the store).
#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub ticket_no: String,
    pub path: String,
    pub status: String,
    pub called_at: i64,
    pub caller_name: String,
    pub phone_mask: Option<String>,
    pub address: String,
    pub content: String,
    pub hotline_category: String,
    pub category_code: String,
    pub category_name: String,
    pub urgency: String,
    pub due_at: Option<i64>,
    pub node_id: Option<i64>,
    pub event_id: Option<i64>,
    pub suggested_node_id: Option<i64>,
    /// Name of the suggested building (the matched one once matched).
    pub suggested_name: Option<String>,
    pub confidence: i64,
    pub match_note: String,
    pub discard_reason: Option<String>,
    pub imported_at: i64,
    pub imported_by: String,
    pub handled_at: Option<i64>,
    pub handled_by: Option<String>,
}

const COLS: &str = "t.id, t.ticket_no, t.path, t.status, t.called_at, t.caller_name, t.phone_mask, t.address, \
    t.content, t.hotline_category, t.category_code, c.name AS category_name, t.urgency, t.due_at, t.node_id, t.event_id, \
    t.suggested_node_id, s.name AS suggested_name, t.confidence, t.match_note, t.discard_reason, t.imported_at, \
    t.imported_by, t.handled_at, t.handled_by";

const FROM: &str = "hotline_tickets t JOIN event_categories c ON c.code = t.category_code \
    LEFT JOIN nodes s ON s.id = t.suggested_node_id";

fn int(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<i32, _>(col)
        .map(i64::from)
        .or_else(|_| r.try_get::<i64, _>(col))?)
}

fn ticket_from(r: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        id: r.try_get("id")?,
        ticket_no: r.try_get("ticket_no")?,
        path: r.try_get("path")?,
        status: r.try_get("status")?,
        called_at: r.try_get("called_at")?,
        caller_name: r.try_get("caller_name")?,
        phone_mask: r.try_get("phone_mask")?,
        address: r.try_get("address")?,
        content: r.try_get("content")?,
        hotline_category: r.try_get("hotline_category")?,
        category_code: r.try_get("category_code")?,
        category_name: r.try_get("category_name")?,
        urgency: r.try_get("urgency")?,
        due_at: r.try_get("due_at")?,
        node_id: r.try_get("node_id")?,
        event_id: r.try_get("event_id")?,
        suggested_node_id: r.try_get("suggested_node_id")?,
        suggested_name: r.try_get("suggested_name")?,
        confidence: int(r, "confidence")?,
        match_note: r.try_get("match_note")?,
        discard_reason: r.try_get("discard_reason")?,
        imported_at: r.try_get("imported_at")?,
        imported_by: r.try_get("imported_by")?,
        handled_at: r.try_get("handled_at")?,
        handled_by: r.try_get("handled_by")?,
    })
}

/// A ticket in scope.
pub async fn get_ticket(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Ticket> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM {FROM} WHERE t.id = {} AND {}",
        p.push(V::I(id)),
        p.range("t.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    ticket_from(&row)
}

/// The ticket an event came from, if it came from the hotline and is in scope.
pub async fn ticket_of_event(
    conn: &mut Conn,
    scope: &Scope,
    event_id: i64,
) -> Result<Option<Ticket>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM {FROM} WHERE t.event_id = {} AND {}",
        p.push(V::I(event_id)),
        p.range("t.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(ticket_from)
        .transpose()
}

/// Tickets in scope with a status, newest first; `before_id` pages backwards.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    status: &str,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Ticket>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT {COLS} FROM {FROM} WHERE t.status = {} AND {}",
        p.push(V::T(status.into())),
        p.range("t.path", &scope.path)
    );
    if let Some(b) = before_id {
        sql.push_str(&format!(" AND t.id < {}", p.push(V::I(b))));
    }
    sql.push_str(&format!(
        " ORDER BY t.id DESC LIMIT {}",
        p.push(V::I(limit.clamp(1, 500)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(ticket_from).collect()
}

/// Tickets in scope by status (for the page's counts).
pub async fn counts(conn: &mut Conn, scope: &Scope) -> Result<Vec<(String, i64)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT status, COUNT(*) AS n FROM hotline_tickets WHERE {} GROUP BY status",
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("status")?, int(r, "n")?)))
        .collect()
}

/// A queued ticket becomes matched: it moves to the event's building. Only if it is still
/// queued and in scope ([`Error::Conflict`] on `status` otherwise).
#[allow(clippy::too_many_arguments)]
pub async fn set_matched(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    path: &str,
    node_id: i64,
    event_id: i64,
    by: &str,
    now: i64,
) -> Result<()> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE hotline_tickets SET status = {}, path = {}, node_id = {}, event_id = {}, handled_at = {}, handled_by = {}, \
         updated_at = {} WHERE id = {} AND status = {} AND {}",
        p.push(V::T(MATCHED.into())),
        p.push(V::T(path.into())),
        p.push(V::I(node_id)),
        p.push(V::I(event_id)),
        p.push(V::I(now)),
        p.push(V::T(by.into())),
        p.push(V::I(now)),
        p.push(V::I(id)),
        p.push(V::T(QUEUED.into())),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(Error::Conflict("status".into()))
    }
}

/// A queued ticket is discarded with a reason (only if still queued and in scope).
pub async fn set_discarded(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<()> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE hotline_tickets SET status = {}, discard_reason = {}, handled_at = {}, handled_by = {}, updated_at = {} \
         WHERE id = {} AND status = {} AND {}",
        p.push(V::T(DISCARDED.into())),
        p.push(V::T(reason.into())),
        p.push(V::I(now)),
        p.push(V::T(by.into())),
        p.push(V::I(now)),
        p.push(V::I(id)),
        p.push(V::T(QUEUED.into())),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(Error::Conflict("status".into()))
    }
}

/// A ticket with what became of it, for an export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub ticket: Ticket,
    pub event_status: Option<String>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub result: Option<String>,
    pub invalid_reason: Option<String>,
    pub rating: Option<String>,
    pub handler: Option<String>,
    pub building_code: Option<String>,
    pub building_name: Option<String>,
}

/// Tickets in scope called in `[from, to)`, oldest first, with their events' results; keyset
/// pages after `after_id` (in ticket-id order).
pub async fn export_page(
    conn: &mut Conn,
    scope: &Scope,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ExportRow>> {
    let mut p = Params::default();
    let active = p.push(V::Bool(true));
    let mut sql = format!(
        "SELECT {COLS}, e.status AS event_status, e.responded_at, e.resolved_at, e.result, e.invalid_reason, e.rating, \
         (SELECT MIN(a.handler_name) FROM event_assignments a WHERE a.event_id = e.id AND a.role = 'lead' AND a.active = {active}) AS handler, \
         b.code AS building_code, b.name AS building_name \
         FROM {FROM} LEFT JOIN events e ON e.id = t.event_id LEFT JOIN nodes b ON b.id = t.node_id WHERE {}",
        p.range("t.path", &scope.path)
    );
    if let Some(f) = from_ms {
        sql.push_str(&format!(" AND t.called_at >= {}", p.push(V::I(f))));
    }
    if let Some(t) = to_ms {
        sql.push_str(&format!(" AND t.called_at < {}", p.push(V::I(t))));
    }
    if let Some(a) = after_id {
        sql.push_str(&format!(" AND t.id > {}", p.push(V::I(a))));
    }
    sql.push_str(&format!(" ORDER BY t.id LIMIT {}", p.push(V::I(limit))));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ExportRow {
                ticket: ticket_from(r)?,
                event_status: r.try_get("event_status")?,
                responded_at: r.try_get("responded_at")?,
                resolved_at: r.try_get("resolved_at")?,
                result: r.try_get("result")?,
                invalid_reason: r.try_get("invalid_reason")?,
                rating: r.try_get("rating")?,
                handler: r.try_get("handler")?,
                building_code: r.try_get("building_code")?,
                building_name: r.try_get("building_name")?,
            })
        })
        .collect()
}

/// The sealed phone of a ticket in scope, opened (for tests and an audited unmask).
pub async fn unmask_phone(
    conn: &mut Conn,
    cipher: &Cipher,
    scope: &Scope,
    id: i64,
) -> Result<Option<String>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT phone_cipher FROM hotline_tickets WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let c: Option<Vec<u8>> = row.try_get("phone_cipher")?;
    c.map(|c| cipher.open(&c)).transpose()
}
