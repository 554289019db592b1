//! Events, their timeline, handlers and ratings, and whistles. Every function that reads or
//! writes an event takes the caller's [`Scope`] and puts it in the query (`path` range).

use crate::sql::{bind, get_bool, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::events::category::{Category, HandlerKind, Question};
use jingzhi_domain::events::lifecycle::{Dispatch, EventState, Rating, Status};
use jingzhi_domain::events::metrics::Counts;
use jingzhi_domain::events::whistle::{DeptStatus, Summons, Whistle, WhistleStatus};
use jingzhi_domain::events::EventFilter;
use jingzhi_domain::events::Urgency;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// An INTEGER column: `i32` on PostgreSQL, `i64` on SQLite.
fn int(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<i32, _>(col)
        .map(i64::from)
        .or_else(|_| r.try_get::<i64, _>(col))?)
}

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

// ---------------------------------------------------------------------------------------------
// Categories

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub category: Category,
    pub sort_order: i32,
    pub active: bool,
}

fn category_from(r: &AnyRow) -> Result<CategoryRow> {
    let kind: String = r.try_get("handler_kind")?;
    let qs: String = r.try_get("questions_json")?;
    let questions: Vec<Question> =
        serde_json::from_str(&qs).map_err(|_| bad("questions_json", &qs))?;
    Ok(CategoryRow {
        category: Category {
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            parent_code: r.try_get("parent_code")?,
            handler: HandlerKind::parse(&kind).ok_or_else(|| bad("handler_kind", &kind))?,
            department: r.try_get("department")?,
            questions,
        },
        sort_order: int(r, "sort_order")? as i32,
        active: get_bool(r, "active"),
    })
}

const CAT_COLS: &str =
    "code, name, parent_code, handler_kind, department, questions_json, sort_order, active";

/// Every category (active or not), in display order.
pub async fn categories(conn: &mut Conn) -> Result<Vec<CategoryRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {CAT_COLS} FROM event_categories ORDER BY sort_order, code"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(category_from).collect()
}

pub async fn get_category(conn: &mut Conn, code: &str) -> Result<CategoryRow> {
    let row = sqlx::query(&format!(
        "SELECT {CAT_COLS} FROM event_categories WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound)?;
    category_from(&row)
}

// ---------------------------------------------------------------------------------------------
// Events

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    /// Path of the place (building or grid) the event is located in.
    pub path: String,
    pub node_id: i64,
    pub category_code: String,
    pub category_name: String,
    pub urgency: Urgency,
    pub status: Status,
    pub reopened: u32,
    pub escalations: u32,
    pub source: String,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    /// As the reporter wrote it: never trusted as HTML.
    pub description: String,
    pub answers: Option<serde_json::Value>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub merged_into: Option<i64>,
    pub invalid_reason: Option<String>,
    pub result: Option<String>,
    pub rating: Option<Rating>,
    pub reported_at: i64,
    pub deadline_at: i64,
    pub responded_at: Option<i64>,
    pub first_resolved_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rated_at: Option<i64>,
    pub whistled: bool,
    pub updated_at: i64,
}

impl Event {
    pub fn state(&self) -> EventState {
        EventState {
            status: self.status,
            reopened: self.reopened,
            escalations: self.escalations,
        }
    }
}

const EV_COLS: &str = "e.id, e.path, e.node_id, e.category_code, c.name AS category_name, e.urgency, e.status, e.reopened, \
    e.escalations, e.source, e.reporter_user_id, e.reporter_name, e.description, e.answers_json, e.x, e.y, e.merged_into, \
    e.invalid_reason, e.result, e.rating, e.reported_at, e.deadline_at, e.responded_at, e.first_resolved_at, e.resolved_at, \
    e.closed_at, e.rated_at, e.whistled, e.updated_at";

fn event_from(r: &AnyRow) -> Result<Event> {
    let urgency: String = r.try_get("urgency")?;
    let status: String = r.try_get("status")?;
    let rating: Option<String> = r.try_get("rating")?;
    let answers: Option<String> = r.try_get("answers_json")?;
    Ok(Event {
        id: r.try_get("id")?,
        path: r.try_get("path")?,
        node_id: r.try_get("node_id")?,
        category_code: r.try_get("category_code")?,
        category_name: r.try_get("category_name")?,
        urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
        status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
        reopened: int(r, "reopened")? as u32,
        escalations: int(r, "escalations")? as u32,
        source: r.try_get("source")?,
        reporter_user_id: r.try_get("reporter_user_id")?,
        reporter_name: r.try_get("reporter_name")?,
        description: r.try_get("description")?,
        answers: answers.and_then(|s| serde_json::from_str(&s).ok()),
        x: r.try_get("x")?,
        y: r.try_get("y")?,
        merged_into: r.try_get("merged_into")?,
        invalid_reason: r.try_get("invalid_reason")?,
        result: r.try_get("result")?,
        rating: rating.as_deref().and_then(Rating::parse),
        reported_at: r.try_get("reported_at")?,
        deadline_at: r.try_get("deadline_at")?,
        responded_at: r.try_get("responded_at")?,
        first_resolved_at: r.try_get("first_resolved_at")?,
        resolved_at: r.try_get("resolved_at")?,
        closed_at: r.try_get("closed_at")?,
        rated_at: r.try_get("rated_at")?,
        whistled: get_bool(r, "whistled"),
        updated_at: r.try_get("updated_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub path: &'a str,
    pub node_id: i64,
    pub category_code: &'a str,
    pub urgency: Urgency,
    pub source: &'a str,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: &'a str,
    pub description: &'a str,
    pub answers: Option<serde_json::Value>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub reported_at: i64,
    pub deadline_at: i64,
}

pub async fn insert_event(conn: &mut Conn, n: &NewEvent<'_>) -> Result<i64> {
    Ok(insert_events(conn, std::slice::from_ref(n)).await?[0])
}

/// Insert new events and add them to the monthly counts (summed, see
/// `metrics::on_insert_many`), in the caller's transaction. The ids in order.
///
/// On SQLite a group is one multi-row statement with ids numbered here, after the largest id
/// ever given (`AUTOINCREMENT` never gives an id twice; `sqlite_sequence` follows the ids
/// inserted): within a transaction from `Store::begin` (`BEGIN IMMEDIATE`) nobody else can
/// insert in between. `RETURNING` would not do: SQLite does not promise its rows come back in
/// the order of `VALUES`. PostgreSQL inserts one row at a time, for the ids it gives.
pub async fn insert_events(conn: &mut Conn, ns: &[NewEvent<'_>]) -> Result<Vec<i64>> {
    let row_of = |n: &NewEvent<'_>| {
        // Through `V` so that a missing coordinate binds as a double-precision NULL (see
        // `sql::bind_opt_f64`).
        vec![
            V::T(n.path.into()),
            V::I(n.node_id),
            V::T(n.category_code.into()),
            V::T(n.urgency.as_str().into()),
            V::T(Status::Reported.as_str().into()),
            V::T(n.source.into()),
            V::OI(n.reporter_user_id),
            V::T(n.reporter_name.into()),
            V::T(n.description.into()),
            V::OT(n.answers.as_ref().map(|v| v.to_string())),
            V::OF(n.x),
            V::OF(n.y),
            V::I(n.reported_at),
            V::I(n.deadline_at),
            V::I(n.reported_at),
        ]
    };
    const COLS: [&str; 15] = [
        "path",
        "node_id",
        "category_code",
        "urgency",
        "status",
        "source",
        "reporter_user_id",
        "reporter_name",
        "description",
        "answers_json",
        "x",
        "y",
        "reported_at",
        "deadline_at",
        "updated_at",
    ];
    let mut ids = Vec::with_capacity(ns.len());
    if ns.len() > 1 && conn.backend_name() == "SQLite" {
        let last: i64 = sqlx::query_scalar(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), \
             COALESCE((SELECT MAX(id) FROM events), 0))",
        )
        .fetch_one(&mut *conn)
        .await?;
        let mut cols = vec!["id"];
        cols.extend(COLS);
        let rows: Vec<Vec<V>> = ns
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let id = last + 1 + i as i64;
                ids.push(id);
                let mut r = vec![V::I(id)];
                r.extend(row_of(n));
                r
            })
            .collect();
        crate::sql::insert_many(conn, "events", &cols, &rows).await?;
    } else {
        let sql = format!(
            "INSERT INTO events ({}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
            COLS.join(", ")
        );
        for n in ns {
            let vals = row_of(n);
            let row = bind(sqlx::query(&sql), &vals).fetch_one(&mut *conn).await?;
            ids.push(row.try_get("id")?);
        }
    }
    // The monthly counts, in the same transaction (see `metrics`).
    let facts: Vec<_> = ns
        .iter()
        .map(|n| {
            (
                n.path,
                n.category_code,
                jingzhi_domain::events::metrics::EventFacts {
                    status: Status::Reported,
                    hotline: n.source == jingzhi_domain::events::metrics::HOTLINE_SOURCE,
                    reported_at: n.reported_at,
                    deadline_at: n.deadline_at,
                    responded_at: None,
                    first_resolved_at: None,
                    rating: None,
                    whistled: false,
                },
            )
        })
        .collect();
    crate::metrics::on_insert_many(conn, &facts).await?;
    Ok(ids)
}

pub async fn get_event(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Event> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {EV_COLS} FROM events e JOIN event_categories c ON c.code = e.category_code WHERE e.id = {} AND {}",
        p.push(V::I(id)),
        p.range("e.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    event_from(&row)
}

/// Write an event's changeable columns, only if it is still in scope and in `expected` status
/// (otherwise someone else moved it first: [`Error::Conflict`] on `status`).
pub async fn save_event(conn: &mut Conn, scope: &Scope, e: &Event, expected: Status) -> Result<()> {
    // What the monthly counts held of it (the row locked on PostgreSQL until the commit).
    let before = crate::metrics::stored(conn, e.id).await?;
    let mut p = Params::default();
    let sql = format!(
        "UPDATE events SET status = {}, reopened = {}, escalations = {}, merged_into = {}, invalid_reason = {}, result = {}, \
         rating = {}, deadline_at = {}, responded_at = {}, first_resolved_at = {}, resolved_at = {}, closed_at = {}, \
         rated_at = {}, whistled = {}, updated_at = {} WHERE id = {} AND status = {} AND {}",
        p.push(V::T(e.status.as_str().into())),
        p.push(V::I(e.reopened as i64)),
        p.push(V::I(e.escalations as i64)),
        p.push(V::OI(e.merged_into)),
        p.push(V::OT(e.invalid_reason.clone())),
        p.push(V::OT(e.result.clone())),
        p.push(V::OT(e.rating.map(|r| r.as_str().to_string()))),
        p.push(V::I(e.deadline_at)),
        p.push(V::OI(e.responded_at)),
        p.push(V::OI(e.first_resolved_at)),
        p.push(V::OI(e.resolved_at)),
        p.push(V::OI(e.closed_at)),
        p.push(V::OI(e.rated_at)),
        p.push(V::Bool(e.whistled)),
        p.push(V::I(e.updated_at)),
        p.push(V::I(e.id)),
        p.push(V::T(expected.as_str().into())),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        if let Some(before) = before {
            let after = jingzhi_domain::events::metrics::EventFacts {
                status: e.status,
                rating: e.rating,
                deadline_at: e.deadline_at,
                responded_at: e.responded_at,
                first_resolved_at: e.first_resolved_at,
                whistled: e.whistled,
                ..before.facts.clone()
            };
            crate::metrics::on_change(conn, &before, &after).await?;
        }
        Ok(())
    } else {
        Err(Error::Conflict("status".into()))
    }
}

/// The ids of events sent to a department: dispatched to it (any role, now or before) or
/// whistled to it.
fn sent_to_sql(p: &mut Params, code: &str) -> String {
    let a = p.push(V::T(code.into()));
    let b = p.push(V::T(code.into()));
    format!(
        "SELECT event_id FROM event_assignments WHERE handler_code = {a} \
         UNION SELECT w.event_id FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id \
         WHERE wd.department = {b}"
    )
}

/// `e` (an event row) was sent to the department: dispatched to it, or whistled to it. Asked
/// of each row, through `event_assignments(handler_code, event_id)`, `whistles(event_id)` and
/// `whistle_departments(whistle_id, department)`.
fn sent_to_exists_sql(p: &mut Params, code: &str) -> String {
    let a = p.push(V::T(code.into()));
    let b = p.push(V::T(code.into()));
    format!(
        "(EXISTS (SELECT 1 FROM event_assignments ea WHERE ea.handler_code = {a} AND ea.event_id = e.id) \
         OR EXISTS (SELECT 1 FROM whistles w JOIN whistle_departments wd ON wd.whistle_id = w.id \
         WHERE w.event_id = e.id AND wd.department = {b}))"
    )
}

/// Was the event sent to the department (dispatched, or whistled)? `dispatched_roles`: only
/// count active dispatches in these roles (`lead`, `co_handler`, `notified`), and no whistle.
pub async fn sent_to(
    conn: &mut Conn,
    event_id: i64,
    code: &str,
    dispatched_roles: Option<&[&str]>,
) -> Result<bool> {
    let mut p = Params::default();
    let sql = match dispatched_roles {
        None => format!(
            "SELECT COUNT(*) FROM ({}) s WHERE s.event_id = {}",
            sent_to_sql(&mut p, code),
            p.push(V::I(event_id))
        ),
        Some(roles) => {
            let c = p.push(V::T(code.into()));
            let e = p.push(V::I(event_id));
            let t = p.push(V::Bool(true));
            let rs: Vec<String> = roles.iter().map(|r| p.push(V::T(r.to_string()))).collect();
            format!(
                "SELECT COUNT(*) FROM event_assignments WHERE handler_code = {c} AND event_id = {e} \
                 AND active = {t} AND role IN ({})",
                rs.join(", ")
            )
        }
    };
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Events in scope matching `f`, newest first; `before_id` pages backwards, `limit` ≤ 500.
pub async fn list_events(
    conn: &mut Conn,
    scope: &Scope,
    f: &EventFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Event>> {
    let mut p = Params::default();
    // A department's events in some states are read from the (status, path) index, each asked
    // whether it was sent to the department (two index probes). The ids are chosen first, from
    // the index alone, and only the page's rows are read and joined to their category: joined in
    // one query, SQLite read every candidate's row before the probes (a city department: 3,277
    // open events, 3.4 ms against 0.8 ms for the same probes when counting), or, joined by a bare
    // column, started from the categories (110 ms for a district department).
    let by_state = f.department.is_some()
        && (f.open_only || !f.any_of.is_empty() || f.status.is_some() || f.overdue_at.is_some());
    let mut sql = if by_state {
        format!(
            "SELECT e.id FROM events e WHERE {}",
            p.range("e.path", &scope.path)
        )
    } else {
        format!(
            "SELECT {EV_COLS} FROM events e JOIN event_categories c ON c.code = e.category_code WHERE {}",
            p.range("e.path", &scope.path)
        )
    };
    if let Some(u) = &f.under_path {
        sql.push_str(&format!(" AND {}", p.range("e.path", u)));
    }
    if let Some(s) = f.status {
        sql.push_str(&format!(
            " AND e.status = {}",
            p.push(V::T(s.as_str().into()))
        ));
    }
    if let Some(c) = &f.category {
        sql.push_str(&format!(
            " AND e.category_code = {}",
            p.push(V::T(c.clone()))
        ));
    }
    if let Some(u) = f.urgency {
        sql.push_str(&format!(
            " AND e.urgency = {}",
            p.push(V::T(u.as_str().into()))
        ));
    }
    if let Some(r) = f.reporter_user_id {
        sql.push_str(&format!(" AND e.reporter_user_id = {}", p.push(V::I(r))));
    }
    if let Some(src) = &f.source {
        sql.push_str(&format!(" AND e.source = {}", p.push(V::T(src.clone()))));
    }
    if let Some(d) = &f.department {
        // With a state filter, read the place's events in those states from the (status, path)
        // index and ask of each whether it was sent to the department (two index probes), rather
        // than gathering everything ever sent to the department first (thousands of rows at full
        // scale, to find its hundred open ones: 8 ms against 1.6 ms in the `sqlite3` shell).
        if by_state {
            sql.push_str(&format!(" AND {}", sent_to_exists_sql(&mut p, d)));
        } else {
            sql.push_str(&format!(" AND e.id IN ({})", sent_to_sql(&mut p, d)));
        }
    }
    if let Some(k) = &f.handler_kind {
        sql.push_str(&format!(
            " AND e.id IN (SELECT event_id FROM event_assignments WHERE handler_kind = {} \
             AND active = {} AND role IN ('lead', 'co_handler'))",
            p.push(V::T(k.clone())),
            p.push(V::Bool(true))
        ));
    }
    if f.open_only || f.overdue_at.is_some() {
        sql.push_str(&format!(
            " AND {}",
            status_in(&mut p, "e.status", Status::is_open)
        ));
    }
    if !f.any_of.is_empty() {
        let any: Vec<String> = f
            .any_of
            .iter()
            .map(|s| p.push(V::T(s.as_str().into())))
            .collect();
        sql.push_str(&format!(" AND e.status IN ({})", any.join(",")));
    }
    if let Some(t) = f.overdue_at {
        sql.push_str(&format!(" AND e.deadline_at < {}", p.push(V::I(t))));
    }
    if let Some(t) = f.from_ms {
        sql.push_str(&format!(" AND e.reported_at >= {}", p.push(V::I(t))));
    }
    if let Some(t) = f.to_ms {
        sql.push_str(&format!(" AND e.reported_at < {}", p.push(V::I(t))));
    }
    if let Some(b) = before_id {
        sql.push_str(&format!(" AND e.id < {}", p.push(V::I(b))));
    }
    sql.push_str(&format!(
        " ORDER BY e.id DESC LIMIT {}",
        p.push(V::I(limit.clamp(1, 500)))
    ));
    if by_state {
        sql = format!(
            "SELECT {EV_COLS} FROM events e JOIN event_categories c ON c.code = e.category_code \
             WHERE e.id IN ({sql}) ORDER BY e.id DESC"
        );
    }
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(event_from).collect()
}

// ---------------------------------------------------------------------------------------------
// Timeline, handlers, ratings

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub id: i64,
    pub event_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    /// The actor's display name (their login name is never shown; the command line's
    /// "命令行" and the hotline's caller are stored as given).
    pub actor_name: String,
    /// The actor's role (`community_worker`, …), when the actor is a user.
    pub actor_role: Option<String>,
    /// A note residents do not see (内部备注; see `domain::events::visibility`).
    pub internal: bool,
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewTransition<'a> {
    pub event_id: i64,
    pub path: &'a str,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub command: &'a str,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub note: Option<&'a str>,
}

pub async fn insert_transition(conn: &mut Conn, t: &NewTransition<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO event_transitions (event_id, path, at, actor_id, actor_name, command, from_status, to_status, note) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(t.event_id)
    .bind(t.path)
    .bind(t.at)
    .bind(t.actor_id)
    .bind(t.actor_name)
    .bind(t.command)
    .bind(t.from_status.map(|s| s.as_str()))
    .bind(t.to_status.as_str())
    .bind(t.note)
    .fetch_one(&mut *conn)
    .await?)
}

/// The id of an event's first timeline row (its report), which the report's photos join.
pub async fn report_transition_id(conn: &mut Conn, event_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(id) FROM event_transitions WHERE event_id = $1 AND command = 'report'",
    )
    .bind(event_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Several timeline rows in multi-row statements (a batch of reports committed together).
pub async fn insert_transitions(conn: &mut Conn, ts: &[NewTransition<'_>]) -> Result<()> {
    let rows: Vec<Vec<V>> = ts
        .iter()
        .map(|t| {
            vec![
                V::I(t.event_id),
                V::T(t.path.into()),
                V::I(t.at),
                V::OI(t.actor_id),
                V::T(t.actor_name.into()),
                V::T(t.command.into()),
                V::OT(t.from_status.map(|s| s.as_str().to_string())),
                V::T(t.to_status.as_str().into()),
                V::OT(t.note.map(str::to_string)),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "event_transitions",
        &[
            "event_id",
            "path",
            "at",
            "actor_id",
            "actor_name",
            "command",
            "from_status",
            "to_status",
            "note",
        ],
        &rows,
    )
    .await?;
    Ok(())
}

/// An event's timeline, oldest first.
pub async fn timeline(conn: &mut Conn, scope: &Scope, event_id: i64) -> Result<Vec<Transition>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT t.id, t.event_id, t.at, t.actor_id, COALESCE(u.display_name, t.actor_name) AS actor_name, \
         u.role AS actor_role, t.internal, t.command, t.from_status, t.to_status, t.note FROM event_transitions t \
         LEFT JOIN users u ON u.id = t.actor_id WHERE t.event_id = {} AND {} ORDER BY t.id",
        p.push(V::I(event_id)),
        p.range("t.path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Transition {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("actor_name")?,
                actor_role: r.try_get("actor_role")?,
                internal: get_bool(r, "internal"),
                command: r.try_get("command")?,
                from_status: r.try_get("from_status")?,
                to_status: r.try_get("to_status")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub role: String,
    pub handler_kind: String,
    pub handler_name: String,
    /// A department handler's registry code.
    pub handler_code: Option<String>,
    pub assigned_at: i64,
}

/// Replace the event's active handlers with those of `d`.
pub async fn replace_assignments(
    conn: &mut Conn,
    event_id: i64,
    path: &str,
    d: &Dispatch,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE event_assignments SET active = $1 WHERE event_id = $2")
        .bind(false)
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<Vec<V>> = std::iter::once(("lead", &d.lead))
        .chain(d.co_handlers.iter().map(|h| ("co_handler", h)))
        .chain(d.notified.iter().map(|h| ("notified", h)))
        .map(|(role, h)| {
            vec![
                V::I(event_id),
                V::T(path.into()),
                V::T(role.into()),
                V::T(h.kind.as_str().into()),
                V::T(h.name.clone()),
                V::OT(h.code.clone()),
                V::I(now),
                V::Bool(true),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "event_assignments",
        &[
            "event_id",
            "path",
            "role",
            "handler_kind",
            "handler_name",
            "handler_code",
            "assigned_at",
            "active",
        ],
        &rows,
    )
    .await?;
    Ok(())
}

/// The event's current handlers: lead first, then co-handlers, then notified.
pub async fn assignments(conn: &mut Conn, scope: &Scope, event_id: i64) -> Result<Vec<Assignment>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT role, handler_kind, handler_name, handler_code, assigned_at FROM event_assignments WHERE event_id = {} AND active = {} AND {} \
         ORDER BY CASE role WHEN 'lead' THEN 0 WHEN 'co_handler' THEN 1 ELSE 2 END, id",
        p.push(V::I(event_id)),
        p.push(V::Bool(true)),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Assignment {
                role: r.try_get("role")?,
                handler_kind: r.try_get("handler_kind")?,
                handler_name: r.try_get("handler_name")?,
                handler_code: r.try_get("handler_code")?,
                assigned_at: r.try_get("assigned_at")?,
            })
        })
        .collect()
}

pub async fn insert_rating(
    conn: &mut Conn,
    event_id: i64,
    path: &str,
    at: i64,
    rating: Rating,
    rater_id: Option<i64>,
    comment: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO event_ratings (event_id, path, at, rating, rater_id, comment) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(event_id)
        .bind(path)
        .bind(at)
        .bind(rating.as_str())
        .bind(rater_id)
        .bind(comment)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Whistles

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub at: i64,
    pub participants: String,
    pub findings: String,
    pub solution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhistleRow {
    pub id: i64,
    pub event_id: i64,
    pub path: String,
    pub reason: String,
    pub blown_by: String,
    pub inspection: Option<Inspection>,
    pub done_at: Option<i64>,
    pub whistle: Whistle,
}

pub async fn insert_whistle(
    conn: &mut Conn,
    event_id: i64,
    path: &str,
    reason: &str,
    blown_by: &str,
    w: &Whistle,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO whistles (event_id, path, urgency, status, reason, blown_at, blown_by, report_in_deadline_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$6) RETURNING id",
    )
    .bind(event_id)
    .bind(path)
    .bind(w.urgency.as_str())
    .bind(w.status.as_str())
    .bind(reason)
    .bind(w.blown_at)
    .bind(blown_by)
    .bind(w.report_in_deadline)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<Vec<V>> = w
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            vec![
                V::I(id),
                V::T(path.into()),
                V::T(d.department.clone()),
                V::T(d.status.as_str().into()),
                V::I(i as i64),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "whistle_departments",
        &["whistle_id", "path", "department", "status", "sort_order"],
        &rows,
    )
    .await?;
    Ok(id)
}

fn whistle_from(r: &AnyRow, depts: Vec<Summons>) -> Result<WhistleRow> {
    let status: String = r.try_get("status")?;
    let urgency: String = r.try_get("urgency")?;
    let inspection_at: Option<i64> = r.try_get("inspection_at")?;
    Ok(WhistleRow {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        path: r.try_get("path")?,
        reason: r.try_get("reason")?,
        blown_by: r.try_get("blown_by")?,
        inspection: match inspection_at {
            Some(at) => Some(Inspection {
                at,
                participants: r
                    .try_get::<Option<String>, _>("inspection_participants")?
                    .unwrap_or_default(),
                findings: r
                    .try_get::<Option<String>, _>("inspection_findings")?
                    .unwrap_or_default(),
                solution: r
                    .try_get::<Option<String>, _>("inspection_solution")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        done_at: r.try_get("done_at")?,
        whistle: Whistle {
            status: WhistleStatus::parse(&status).ok_or_else(|| bad("whistle status", &status))?,
            urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
            blown_at: r.try_get("blown_at")?,
            report_in_deadline: r.try_get("report_in_deadline_at")?,
            departments: depts,
        },
    })
}

async fn summons_of(conn: &mut Conn, whistle_id: i64) -> Result<Vec<Summons>> {
    let rows = sqlx::query(
        "SELECT department, status, reported_in_at, task, task_done_at, rating FROM whistle_departments \
         WHERE whistle_id = $1 ORDER BY sort_order",
    )
    .bind(whistle_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let rating: Option<String> = r.try_get("rating")?;
            Ok(Summons {
                department: r.try_get("department")?,
                status: DeptStatus::parse(&status)
                    .ok_or_else(|| bad("department status", &status))?,
                reported_in_at: r.try_get("reported_in_at")?,
                task: r.try_get("task")?,
                task_done_at: r.try_get("task_done_at")?,
                rating: rating.as_deref().and_then(Rating::parse),
            })
        })
        .collect()
}

const WH_COLS: &str = "id, event_id, path, urgency, status, reason, blown_at, blown_by, report_in_deadline_at, inspection_at, \
    inspection_participants, inspection_findings, inspection_solution, done_at";

pub async fn get_whistle(conn: &mut Conn, scope: &Scope, id: i64) -> Result<WhistleRow> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {WH_COLS} FROM whistles WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let depts = summons_of(conn, id).await?;
    whistle_from(&row, depts)
}

pub async fn whistles_of_event(
    conn: &mut Conn,
    scope: &Scope,
    event_id: i64,
) -> Result<Vec<WhistleRow>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {WH_COLS} FROM whistles WHERE event_id = {} AND {} ORDER BY id",
        p.push(V::I(event_id)),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = vec![];
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let depts = summons_of(conn, id).await?;
        out.push(whistle_from(r, depts)?);
    }
    Ok(out)
}

/// Write a whistle's state (and its departments') back, if it is in scope.
pub async fn save_whistle(conn: &mut Conn, scope: &Scope, w: &WhistleRow, now: i64) -> Result<()> {
    let mut p = Params::default();
    let ins = w.inspection.as_ref();
    let sql = format!(
        "UPDATE whistles SET status = {}, inspection_at = {}, inspection_participants = {}, inspection_findings = {}, \
         inspection_solution = {}, done_at = {}, updated_at = {} WHERE id = {} AND {}",
        p.push(V::T(w.whistle.status.as_str().into())),
        p.push(V::OI(ins.map(|i| i.at))),
        p.push(V::OT(ins.map(|i| i.participants.clone()))),
        p.push(V::OT(ins.map(|i| i.findings.clone()))),
        p.push(V::OT(ins.map(|i| i.solution.clone()))),
        p.push(V::OI(w.done_at)),
        p.push(V::I(now)),
        p.push(V::I(w.id)),
        p.range("path", &scope.path)
    );
    if bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        != 1
    {
        return Err(Error::NotFound);
    }
    for d in &w.whistle.departments {
        sqlx::query(
            "UPDATE whistle_departments SET status = $1, reported_in_at = $2, task = $3, task_done_at = $4, rating = $5 \
             WHERE whistle_id = $6 AND department = $7",
        )
        .bind(d.status.as_str())
        .bind(d.reported_in_at)
        .bind(d.task.as_deref())
        .bind(d.task_done_at)
        .bind(d.rating.map(|r| r.as_str()))
        .bind(w.id)
        .bind(d.department.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// Counts for the rates of `docs/metrics.md`, over events reported in `[from, to)` in scope.
pub async fn metric_counts(
    conn: &mut Conn,
    scope: &Scope,
    from: i64,
    to: i64,
    response_limit_ms: i64,
) -> Result<Counts> {
    let mut p = Params::default();
    let inv = p.push(V::T(Status::Invalid.as_str().into()));
    let mer = p.push(V::T(Status::Merged.as_str().into()));
    let lim = p.push(V::I(response_limit_ms));
    let s = p.push(V::T(Rating::Satisfied.as_str().into()));
    let fs = p.push(V::T(Rating::FairlySatisfied.as_str().into()));
    let ds = p.push(V::T(Rating::Dissatisfied.as_str().into()));
    let tr = p.push(V::Bool(true));
    let hl = p.push(V::T(jingzhi_domain::events::metrics::HOTLINE_SOURCE.into()));
    let valid = format!("status NOT IN ({inv}, {mer})");
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS reported, \
         CAST(COALESCE(SUM(CASE WHEN responded_at IS NOT NULL AND responded_at - reported_at <= {lim} THEN 1 ELSE 0 END), 0) AS BIGINT) AS responded_in_time, \
         CAST(COALESCE(SUM(CASE WHEN {valid} THEN 1 ELSE 0 END), 0) AS BIGINT) AS valid, \
         CAST(COALESCE(SUM(CASE WHEN {valid} AND first_resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS resolved, \
         CAST(COALESCE(SUM(CASE WHEN {valid} AND first_resolved_at IS NOT NULL AND first_resolved_at <= deadline_at THEN 1 ELSE 0 END), 0) AS BIGINT) AS resolved_on_time, \
         CAST(COALESCE(SUM(CASE WHEN rating = {s} THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied, \
         CAST(COALESCE(SUM(CASE WHEN rating = {fs} THEN 1 ELSE 0 END), 0) AS BIGINT) AS fairly_satisfied, \
         CAST(COALESCE(SUM(CASE WHEN rating = {ds} THEN 1 ELSE 0 END), 0) AS BIGINT) AS dissatisfied, \
         CAST(COALESCE(SUM(CASE WHEN {valid} AND whistled = {tr} THEN 1 ELSE 0 END), 0) AS BIGINT) AS whistled, \
         CAST(COALESCE(SUM(CASE WHEN source = {hl} THEN 1 ELSE 0 END), 0) AS BIGINT) AS hotline \
         FROM events WHERE {} AND reported_at >= {} AND reported_at < {}",
        p.range("path", &scope.path),
        p.push(V::I(from)),
        p.push(V::I(to)),
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Counts {
        reported: r.try_get("reported")?,
        responded_in_time: r.try_get("responded_in_time")?,
        valid: r.try_get("valid")?,
        resolved: r.try_get("resolved")?,
        resolved_on_time: r.try_get("resolved_on_time")?,
        satisfied: r.try_get("satisfied")?,
        fairly_satisfied: r.try_get("fairly_satisfied")?,
        dissatisfied: r.try_get("dissatisfied")?,
        whistled: r.try_get("whistled")?,
        hotline: r.try_get("hotline")?,
    })
}

/// Events reported in `[from, to)` in scope, per category (code, name, count), largest first.
pub async fn volume_by_category(
    conn: &mut Conn,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<(String, String, i64)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT e.category_code AS code, c.name AS name, CAST(COUNT(*) AS BIGINT) AS n FROM events e \
         JOIN event_categories c ON c.code = e.category_code WHERE {} AND e.reported_at >= {} AND e.reported_at < {} \
         GROUP BY e.category_code, c.name ORDER BY n DESC, e.category_code",
        p.range("e.path", &scope.path),
        p.push(V::I(from)),
        p.push(V::I(to)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("name")?, r.try_get("n")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Attachments (photos)

/// An attachment without its bytes.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentMeta {
    pub id: i64,
    pub event_id: i64,
    /// The timeline entry it came with (the report's for photos of the report).
    pub transition_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub event_id: i64,
    pub transition_id: Option<i64>,
    pub path: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub sha256: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: Option<i64>,
    pub uploaded_at: i64,
}

pub async fn insert_attachment(conn: &mut Conn, a: &NewAttachment<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO event_attachments (event_id, transition_id, path, file_name, content_type, size_bytes, width, height, \
         sha256, data, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(a.event_id)
    .bind(a.transition_id)
    .bind(a.path)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(a.data.len() as i64)
    .bind(a.width as i32)
    .bind(a.height as i32)
    .bind(a.sha256)
    .bind(a.data)
    .bind(a.uploaded_by)
    .bind(a.uploaded_at)
    .fetch_one(&mut *conn)
    .await?)
}

const ATT_COLS: &str =
    "id, event_id, transition_id, file_name, content_type, size_bytes, width, height, sha256, uploaded_at";

fn attachment_from(r: &AnyRow) -> Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        transition_id: r.try_get("transition_id")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        width: int(r, "width")?,
        height: int(r, "height")?,
        sha256: r.try_get("sha256")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

/// The attachments of an event in scope, oldest first (without bytes).
pub async fn attachments_of_event(
    conn: &mut Conn,
    scope: &Scope,
    event_id: i64,
) -> Result<Vec<AttachmentMeta>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ATT_COLS} FROM event_attachments WHERE event_id = {} AND {} ORDER BY id",
        p.push(V::I(event_id)),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(attachment_from).collect()
}

/// One attachment of an event, with its bytes, if it is in scope.
pub async fn get_attachment(
    conn: &mut Conn,
    scope: &Scope,
    event_id: i64,
    id: i64,
) -> Result<(AttachmentMeta, Vec<u8>)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ATT_COLS}, data FROM event_attachments WHERE id = {} AND event_id = {} AND {}",
        p.push(V::I(id)),
        p.push(V::I(event_id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((attachment_from(&row)?, row.try_get("data")?))
}

/// The open events in scope sent to a department, as (id, deadline), newest first: its
/// workbench counts them and picks the few it lists from them. Read from the `(status, path,
/// deadline)` index alone, each event asked whether it was sent to the department (two index
/// probes), in one pass for the figures and both lists.
pub async fn department_open(
    conn: &mut Conn,
    scope: &Scope,
    code: &str,
) -> Result<Vec<(i64, i64)>> {
    let mut p = Params::default();
    let open = status_in(&mut p, "e.status", Status::is_open);
    let range = p.range("e.path", &scope.path);
    let sent = sent_to_exists_sql(&mut p, code);
    let sql = format!(
        "SELECT e.id, e.deadline_at FROM events e WHERE {open} AND {range} AND {sent} ORDER BY e.id DESC"
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("deadline_at")?)))
        .collect()
}

/// Events in scope by id, newest first (ids out of scope are left out).
pub async fn events_by_ids(conn: &mut Conn, scope: &Scope, ids: &[i64]) -> Result<Vec<Event>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let list: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT {EV_COLS} FROM events e JOIN event_categories c ON c.code = e.category_code \
         WHERE e.id IN ({}) AND {} ORDER BY e.id DESC",
        list.join(","),
        p.range("e.path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(event_from).collect()
}

/// `column IN (…)` over the statuses `which` holds, as bound parameters (one list of statuses,
/// from the domain's rule, for every query that filters by it).
fn status_in(p: &mut Params, column: &str, which: impl Fn(Status) -> bool) -> String {
    let listed: Vec<String> = Status::ALL
        .iter()
        .filter(|s| which(**s))
        .map(|s| p.push(V::T(s.as_str().into())))
        .collect();
    format!("{column} IN ({})", listed.join(","))
}

/// Events in scope still to be worked on (open, or resolved and waiting for verification) by
/// status, each with how many of them are past their deadline at `now` (a workbench's figures;
/// one pass over the `(status, path)` index).
pub async fn open_counts(
    conn: &mut Conn,
    scope: &Scope,
    now: i64,
) -> Result<Vec<(Status, i64, i64)>> {
    let mut p = Params::default();
    let t = p.push(V::I(now));
    let listed = status_in(&mut p, "status", |s| s.is_open() || s == Status::Resolved);
    let range = p.range("path", &scope.path);
    let sql = format!(
        "SELECT status, CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN deadline_at < {t} THEN 1 ELSE 0 END) AS BIGINT) AS late \
         FROM events WHERE {listed} AND {range} GROUP BY status"
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = vec![];
    for r in &rows {
        let s: String = r.try_get("status")?;
        if let Some(st) = Status::parse(&s) {
            out.push((st, r.try_get::<i64, _>("n")?, r.try_get::<i64, _>("late")?));
        }
    }
    Ok(out)
}
