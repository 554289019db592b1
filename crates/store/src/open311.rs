//! Open311 GeoReport v2 (see `docs/open311.md`): API keys (only their SHA-256 is kept), the
//! extra details of requests created through Open311, and the public read model of requests
//! and their updates. Reads take the reader's [`Scope`] (the whole city for Open311) and put it
//! in the query. Nothing here returns a reporter's name, phone or email.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::events::Urgency;
use jingzhi_domain::open311::{RequestFilter, UpdateFilter};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn key_from(r: &AnyRow) -> Result<KeyRow> {
    Ok(KeyRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// Add a key; a name already used is [`Error::Conflict`] on `name`.
pub async fn insert_key(conn: &mut Conn, name: &str, key_hash: &str, now: i64) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO open311_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(key_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "name"))
}

/// Every key, revoked ones too, oldest first.
pub async fn keys(conn: &mut Conn) -> Result<Vec<KeyRow>> {
    let rows = sqlx::query("SELECT id, name, created_at, revoked_at FROM open311_keys ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(key_from).collect()
}

/// The live (not revoked) key with this hash.
pub async fn live_key(conn: &mut Conn, key_hash: &str) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT id, name, created_at, revoked_at FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(key_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(key_from).transpose()
}

/// Revoke a key by name (a key already revoked keeps its first revocation time).
pub async fn revoke_key(conn: &mut Conn, name: &str, now: i64) -> Result<KeyRow> {
    sqlx::query("UPDATE open311_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    let row =
        sqlx::query("SELECT id, name, created_at, revoked_at FROM open311_keys WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound)?;
    key_from(&row)
}

/// What an Open311 client sent beyond the event itself (contact details already sealed).
#[derive(Debug, Clone, Default)]
pub struct NewRequest<'a> {
    pub event_id: i64,
    pub path: &'a str,
    pub key_id: i64,
    pub email_enc: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub device_id: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub address_string: Option<&'a str>,
    pub media_url: Option<&'a str>,
}

/// Several requests' details in multi-row statements (a batch of creates committed together).
pub async fn insert_requests(conn: &mut Conn, ns: &[NewRequest<'_>]) -> Result<()> {
    let rows: Vec<Vec<V>> = ns
        .iter()
        .map(|n| {
            vec![
                V::I(n.event_id),
                V::T(n.path.into()),
                V::I(n.key_id),
                V::OB(n.email_enc.clone()),
                V::OB(n.phone_enc.clone()),
                V::OT(n.device_id.map(str::to_string)),
                V::OT(n.account_id.map(str::to_string)),
                V::OT(n.address_string.map(str::to_string)),
                V::OT(n.media_url.map(str::to_string)),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "open311_requests",
        &[
            "event_id",
            "path",
            "key_id",
            "email_enc",
            "phone_enc",
            "device_id",
            "account_id",
            "address_string",
            "media_url",
        ],
        &rows,
    )
    .await?;
    Ok(())
}

/// A service request as Open311 shows it: no reporter, no contact details.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub status: Status,
    pub category_code: String,
    pub category_name: String,
    pub urgency: Urgency,
    pub handler_kind: String,
    pub department: Option<String>,
    /// The lead handler (主办) of the current dispatch.
    pub lead: Option<String>,
    pub description: String,
    pub invalid_reason: Option<String>,
    pub result: Option<String>,
    pub merged_into: Option<i64>,
    pub reported_at: i64,
    pub updated_at: i64,
    pub deadline_at: i64,
    /// The building or grid it is located in.
    pub node_name: String,
    pub node_code: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub media_url: Option<String>,
}

const REQ_SQL: &str = "SELECT e.id, e.status, e.category_code, c.name AS category_name, e.urgency, c.handler_kind, c.department, \
    (SELECT a.handler_name FROM event_assignments a WHERE a.event_id = e.id AND a.role = 'lead' AND a.active = TRUE \
     ORDER BY a.id DESC LIMIT 1) AS lead, \
    e.description, e.invalid_reason, e.result, e.merged_into, e.reported_at, e.updated_at, e.deadline_at, \
    n.name AS node_name, n.code AS node_code, e.x, e.y, o.media_url \
    FROM ({PAGE}) pg JOIN events e ON e.id = pg.id JOIN event_categories c ON c.code = e.category_code \
    JOIN nodes n ON n.id = e.node_id LEFT JOIN open311_requests o ON o.event_id = e.id \
    ORDER BY e.reported_at DESC, e.id DESC";

fn request_from(r: &AnyRow) -> Result<RequestRow> {
    let status: String = r.try_get("status")?;
    Ok(RequestRow {
        id: r.try_get("id")?,
        status: Status::parse(&status)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad status {status}").into())))?,
        category_code: r.try_get("category_code")?,
        category_name: r.try_get("category_name")?,
        urgency: {
            let u: String = r.try_get("urgency")?;
            Urgency::parse(&u)
                .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad urgency {u}").into())))?
        },
        handler_kind: r.try_get("handler_kind")?,
        department: r.try_get("department")?,
        lead: r.try_get("lead")?,
        description: r.try_get("description")?,
        invalid_reason: r.try_get("invalid_reason")?,
        result: r.try_get("result")?,
        merged_into: r.try_get("merged_into")?,
        reported_at: r.try_get("reported_at")?,
        updated_at: r.try_get("updated_at")?,
        deadline_at: r.try_get("deadline_at")?,
        node_name: r.try_get("node_name")?,
        node_code: r.try_get("node_code")?,
        x: r.try_get("x")?,
        y: r.try_get("y")?,
        media_url: r.try_get("media_url")?,
    })
}

fn in_list(p: &mut Params, col: &str, vals: Vec<V>) -> String {
    let ph: Vec<String> = vals.into_iter().map(|v| p.push(v)).collect();
    format!("{col} IN ({})", ph.join(","))
}

/// Requests in scope matching `f`, newest first (by requested time, then id). The page of ids
/// is chosen on `events` alone (the `(reported_at, id)` index serves the default list), then
/// only those rows are joined and their lead handler looked up.
pub async fn list_requests(
    conn: &mut Conn,
    scope: &Scope,
    f: &RequestFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<RequestRow>> {
    let mut p = Params::default();
    // SQLite without statistics may start from the path index (a city-wide range matches every
    // row) and sort everything of 90 days; newest-first by the time index is right unless ids
    // are given. PostgreSQL plans from its statistics.
    let broad = jingzhi_domain::scope::path_ids(&scope.path).len() <= 4;
    let from = if crate::registry::is_sqlite(conn) && broad && f.ids.is_empty() {
        "events i INDEXED BY events_reported_id"
    } else {
        "events i"
    };
    let mut inner = format!(
        "SELECT i.id FROM {from} WHERE {}",
        p.range("i.path", &scope.path)
    );
    if !f.ids.is_empty() {
        let v = f.ids.iter().map(|i| V::I(*i)).collect();
        inner.push_str(&format!(" AND {}", in_list(&mut p, "i.id", v)));
    }
    if !f.categories.is_empty() {
        let v = f.categories.iter().map(|c| V::T(c.clone())).collect();
        inner.push_str(&format!(" AND {}", in_list(&mut p, "i.category_code", v)));
    }
    if !f.statuses.is_empty() {
        let v = f.statuses.iter().map(|s| V::T(s.as_str().into())).collect();
        inner.push_str(&format!(" AND {}", in_list(&mut p, "i.status", v)));
    }
    if let Some(t) = f.from_ms {
        inner.push_str(&format!(" AND i.reported_at >= {}", p.push(V::I(t))));
    }
    if let Some(t) = f.to_ms {
        inner.push_str(&format!(" AND i.reported_at <= {}", p.push(V::I(t))));
    }
    inner.push_str(&format!(
        " ORDER BY i.reported_at DESC, i.id DESC LIMIT {} OFFSET {}",
        p.push(V::I(limit)),
        p.push(V::I(offset))
    ));
    let sql = REQ_SQL.replace("{PAGE}", &inner);
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(request_from).collect()
}

/// One entry of an event's timeline, as the `servicerequestupdates` extension shows it.
#[derive(Debug, Clone)]
pub struct UpdateRow {
    pub id: i64,
    pub event_id: i64,
    pub at: i64,
    pub to_status: Status,
    pub command: String,
    pub note: Option<String>,
}

/// Timeline rows in scope matching `f`, newest first.
pub async fn list_updates(
    conn: &mut Conn,
    scope: &Scope,
    f: &UpdateFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<UpdateRow>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT id, event_id, at, to_status, command, note FROM event_transitions WHERE {}",
        p.range("path", &scope.path)
    );
    if !f.event_ids.is_empty() {
        let v = f.event_ids.iter().map(|i| V::I(*i)).collect();
        sql.push_str(&format!(" AND {}", in_list(&mut p, "event_id", v)));
    }
    if let Some(t) = f.from_ms {
        sql.push_str(&format!(" AND at >= {}", p.push(V::I(t))));
    }
    if let Some(t) = f.to_ms {
        sql.push_str(&format!(" AND at <= {}", p.push(V::I(t))));
    }
    sql.push_str(&format!(
        " ORDER BY at DESC, id DESC LIMIT {} OFFSET {}",
        p.push(V::I(limit)),
        p.push(V::I(offset))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("to_status")?;
            Ok(UpdateRow {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                at: r.try_get("at")?,
                to_status: Status::parse(&s).ok_or_else(|| {
                    Error::Db(sqlx::Error::Decode(format!("bad status {s}").into()))
                })?,
                command: r.try_get("command")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}
