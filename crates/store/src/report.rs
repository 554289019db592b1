//! The resident's report (issue 9 §3): open reports of one category near a place (what a
//! resident sees before filing a duplicate), the supporters of an event ("我也遇到了"), and
//! internal notes on the timeline. Every read takes the caller's [`Scope`] and puts it in the
//! query.

use crate::sql::{bind, Params, V};
use crate::{Conn, Result, Scope};
use jingzhi_domain::events::lifecycle::Status;
use sqlx::Row;

/// An open event near a report being made. `description` is read only for scoring: the
/// use-case never hands it to a resident.
#[derive(Debug, Clone)]
pub struct NearbyRow {
    pub id: i64,
    pub category_code: String,
    pub category_name: String,
    pub place_name: String,
    pub status: Status,
    pub reported_at: i64,
    pub x: f64,
    pub y: f64,
    pub description: String,
    pub reporter_user_id: Option<i64>,
    pub supporters: i64,
    /// Whether `user_id` (the caller) already supports it.
    pub supported: bool,
}

/// Statuses in which an event is still open (a resident may add themselves to it).
pub const OPEN: [Status; 7] = [
    Status::Reported,
    Status::Accepted,
    Status::Dispatched,
    Status::InProgress,
    Status::Resolved,
    Status::Verified,
    Status::Escalated,
];

/// Open events of `category` in scope, reported since `from`, located inside `bbox` (west,
/// south, east, north), newest first, at most `limit`.
pub async fn open_nearby(
    conn: &mut Conn,
    scope: &Scope,
    category: &str,
    from: i64,
    bbox: (f64, f64, f64, f64),
    user_id: i64,
    limit: i64,
) -> Result<Vec<NearbyRow>> {
    let mut p = Params::default();
    let uid = p.push(V::I(user_id));
    let statuses: Vec<String> = OPEN
        .iter()
        .map(|s| p.push(V::T(s.as_str().into())))
        .collect();
    let sql = format!(
        "SELECT e.id, e.category_code, c.name AS category_name, n.name AS place_name, e.status, e.reported_at, \
         e.x, e.y, e.description, e.reporter_user_id, \
         (SELECT COUNT(*) FROM event_supporters s WHERE s.event_id = e.id) AS supporters, \
         (SELECT COUNT(*) FROM event_supporters s WHERE s.event_id = e.id AND s.user_id = {uid}) AS mine \
         FROM events e JOIN event_categories c ON c.code = e.category_code JOIN nodes n ON n.id = e.node_id \
         WHERE e.category_code = {} AND e.reported_at >= {} AND {} \
         AND e.x >= {} AND e.x <= {} AND e.y >= {} AND e.y <= {} AND e.status IN ({}) \
         ORDER BY e.reported_at DESC, e.id DESC LIMIT {}",
        p.push(V::T(category.into())),
        p.push(V::I(from)),
        p.range("e.path", &scope.path),
        p.push(V::F(bbox.0)),
        p.push(V::F(bbox.2)),
        p.push(V::F(bbox.1)),
        p.push(V::F(bbox.3)),
        statuses.join(","),
        p.push(V::I(limit)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(NearbyRow {
                id: r.try_get("id")?,
                category_code: r.try_get("category_code")?,
                category_name: r.try_get("category_name")?,
                place_name: r.try_get("place_name")?,
                status: Status::parse(&status).unwrap_or(Status::Reported),
                reported_at: r.try_get("reported_at")?,
                x: r.try_get("x")?,
                y: r.try_get("y")?,
                description: r.try_get("description")?,
                reporter_user_id: r.try_get("reporter_user_id")?,
                supporters: r.try_get("supporters")?,
                supported: r.try_get::<i64, _>("mine")? > 0,
            })
        })
        .collect()
}

/// Add `user_id` to the supporters of event `event_id` (at `path`). False when they already were.
pub async fn add_supporter(
    conn: &mut Conn,
    event_id: i64,
    user_id: i64,
    path: &str,
    at: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO event_supporters (event_id, user_id, path, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (event_id, user_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(path)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// How many support event `event_id` (in scope).
pub async fn supporter_count(conn: &mut Conn, scope: &Scope, event_id: i64) -> Result<i64> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) FROM event_supporters WHERE event_id = {} AND {}",
        p.push(V::I(event_id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get::<i64, _>(0)?)
}

/// Whether `user_id` supports event `event_id` (in scope).
pub async fn is_supporter(
    conn: &mut Conn,
    scope: &Scope,
    event_id: i64,
    user_id: i64,
) -> Result<bool> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) FROM event_supporters WHERE event_id = {} AND user_id = {} AND {}",
        p.push(V::I(event_id)),
        p.push(V::I(user_id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get::<i64, _>(0)? > 0)
}

/// Append an internal note (内部备注) to an event's timeline (the timeline is append-only: the
/// flag is written with the row).
pub async fn insert_internal_note(
    conn: &mut Conn,
    t: &crate::events::NewTransition<'_>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO event_transitions (event_id, path, at, actor_id, actor_name, command, from_status, to_status, note, internal) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
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
    .bind(true)
    .fetch_one(&mut *conn)
    .await?)
}
