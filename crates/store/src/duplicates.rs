//! Candidates for duplicate suggestions: events of one category reported in a time window inside
//! a bounding box, in the caller's scope (index `events_category_reported`: category, time,
//! path). The domain (`events::duplicates::score`) decides which are likely duplicates.

use crate::sql::{bind, Params, V};
use crate::{Conn, Result, Scope};
use jingzhi_domain::events::lifecycle::Status;
use serde::Serialize;
use sqlx::Row;

/// What a suggestion shows of a candidate event.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub path: String,
    pub category_code: String,
    pub category_name: String,
    pub status: Status,
    pub description: String,
    pub reporter_name: String,
    pub x: f64,
    pub y: f64,
    pub reported_at: i64,
}

/// Most candidates read for one suggestion (the nearest in time first).
pub const MAX_CANDIDATES: i64 = 500;

/// Valid events (not invalid, not merged) of `category` in scope, reported in `[from, to]`,
/// located inside `bbox` (west, south, east, north), other than `exclude`.
pub async fn candidates(
    conn: &mut Conn,
    scope: &Scope,
    category: &str,
    from: i64,
    to: i64,
    bbox: (f64, f64, f64, f64),
    exclude: Option<i64>,
) -> Result<Vec<Candidate>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT e.id, e.path, e.category_code, c.name AS category_name, e.status, e.description, e.reporter_name, \
         e.x, e.y, e.reported_at FROM events e JOIN event_categories c ON c.code = e.category_code \
         WHERE e.category_code = {} AND e.reported_at >= {} AND e.reported_at <= {} AND {} \
         AND e.x >= {} AND e.x <= {} AND e.y >= {} AND e.y <= {} AND e.status NOT IN ({}, {})",
        p.push(V::T(category.into())),
        p.push(V::I(from)),
        p.push(V::I(to)),
        p.range("e.path", &scope.path),
        p.push(V::F(bbox.0)),
        p.push(V::F(bbox.2)),
        p.push(V::F(bbox.1)),
        p.push(V::F(bbox.3)),
        p.push(V::T(Status::Invalid.as_str().into())),
        p.push(V::T(Status::Merged.as_str().into())),
    );
    if let Some(x) = exclude {
        sql.push_str(&format!(" AND e.id <> {}", p.push(V::I(x))));
    }
    sql.push_str(&format!(
        " ORDER BY e.reported_at DESC, e.id DESC LIMIT {}",
        p.push(V::I(MAX_CANDIDATES))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(Candidate {
                id: r.try_get("id")?,
                path: r.try_get("path")?,
                category_code: r.try_get("category_code")?,
                category_name: r.try_get("category_name")?,
                status: Status::parse(&status).unwrap_or(Status::Reported),
                description: r.try_get("description")?,
                reporter_name: r.try_get("reporter_name")?,
                x: r.try_get("x")?,
                y: r.try_get("y")?,
                reported_at: r.try_get("reported_at")?,
            })
        })
        .collect()
}
