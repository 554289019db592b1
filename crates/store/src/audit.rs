//! The append-only audit log. Records are written in the same transaction as the change they
//! describe; the database refuses UPDATE and DELETE on the table (triggers).

use crate::sql::{bind, Params, V};
use crate::{Conn, Result, Scope};
use jingzhi_domain::audit::Action;
use jingzhi_domain::audit::Filter;
use serde::Serialize;
use sqlx::Row;

/// One record to write. `path` is the scope of the thing changed (its node path), so that the
/// log itself can be confined to a reader's scope.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: Action,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub path: &'a str,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<&'a str>,
}

pub async fn record(conn: &mut Conn, e: Entry<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, path, summary, before_json, after_json, reason) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
    )
    .bind(jingzhi_domain::time_fmt::now_ms())
    .bind(e.actor_id)
    .bind(e.actor_name)
    .bind(e.action.as_str())
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.path)
    .bind(&e.summary)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(e.reason)
    .fetch_one(&mut *conn)
    .await?)
}

/// Write several records with multi-row statements (a batch of changes committed together).
pub async fn record_many(conn: &mut Conn, entries: &[Entry<'_>]) -> Result<()> {
    let at = jingzhi_domain::time_fmt::now_ms();
    let rows: Vec<Vec<V>> = entries
        .iter()
        .map(|e| {
            vec![
                V::I(at),
                V::OI(e.actor_id),
                V::T(e.actor_name.into()),
                V::T(e.action.as_str().into()),
                V::T(e.entity.into()),
                V::OI(e.entity_id),
                V::T(e.path.into()),
                V::T(e.summary.clone()),
                V::OT(e.before.as_ref().map(|v| v.to_string())),
                V::OT(e.after.as_ref().map(|v| v.to_string())),
                V::OT(e.reason.map(str::to_string)),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "audit_log",
        &[
            "at",
            "actor_id",
            "actor_name",
            "action",
            "entity",
            "entity_id",
            "path",
            "summary",
            "before_json",
            "after_json",
            "reason",
        ],
        &rows,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

fn record_from(r: &sqlx::any::AnyRow) -> Result<Record> {
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Record {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        summary: r.try_get("summary")?,
        before: parse(r.try_get("before_json")?),
        after: parse(r.try_get("after_json")?),
        reason: r.try_get("reason")?,
    })
}

/// Records in scope, newest first; `before_id` pages backwards (keyset), `limit` at most 500.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    f: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Record>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT id, at, actor_id, actor_name, action, entity, entity_id, summary, before_json, after_json, reason FROM audit_log WHERE {}",
        p.range("path", &scope.path)
    );
    if let Some(a) = f.action {
        sql.push_str(&format!(
            " AND action = {}",
            p.push(V::T(a.as_str().into()))
        ));
    }
    if let Some(e) = &f.entity {
        sql.push_str(&format!(" AND entity = {}", p.push(V::T(e.clone()))));
    }
    if let Some(a) = &f.actor {
        sql.push_str(&format!(" AND actor_name = {}", p.push(V::T(a.clone()))));
    }
    if let Some(t) = f.from_ms {
        sql.push_str(&format!(" AND at >= {}", p.push(V::I(t))));
    }
    if let Some(t) = f.to_ms {
        sql.push_str(&format!(" AND at < {}", p.push(V::I(t))));
    }
    if let Some(b) = before_id {
        sql.push_str(&format!(" AND id < {}", p.push(V::I(b))));
    }
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT {}",
        p.push(V::I(limit.clamp(1, 500)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(record_from).collect()
}

pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Record> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, at, actor_id, actor_name, action, entity, entity_id, summary, before_json, after_json, reason FROM audit_log WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(crate::Error::NotFound)?;
    record_from(&row)
}
