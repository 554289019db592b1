//! Event metrics for the dashboard (see `docs/metrics.md`).
//!
//! - The **rollup** (`event_rollup`, `event_rollup_category`): counts per community and month
//!   (China Standard Time), kept in the transaction of every event write: [`on_insert_many`] from
//!   `events::insert_events`, [`on_change`] from `events::save_event` (the difference between
//!   the event's counts before and after). [`rebuild_rollup`] recounts it from scratch.
//! - **Reads**: [`rollup_rows`] (whole months, places at community level and above) or
//!   [`direct_rows`] (any period, any place: counts the events themselves, grouped by child
//!   and month), category volumes, and whistle performance per department.
//!
//! Every read takes a scope path and puts it in the query.

use crate::sql::{bind, Params, V};
use crate::{Conn, Result};
use jingzhi_domain::events::lifecycle::{Rating, Status};
use jingzhi_domain::events::metrics::{
    community_path, contribution, month_of, street_path, Counts, DepartmentCounts, EventFacts,
    PlaceMonth, HOTLINE_SOURCE, RESPONSE_LIMIT_MS,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

fn cols() -> String {
    Counts::COLUMNS.join(", ")
}

fn counts_from(r: &AnyRow) -> Result<Counts> {
    let mut v = [0i64; 10];
    for (i, c) in Counts::COLUMNS.iter().enumerate() {
        v[i] = r.try_get::<i64, _>(*c)?;
    }
    Ok(Counts::from_values(v))
}

/// Add `c` to the rollup of (place, month), and `category_reported` to its category's volume.
pub async fn rollup_add(
    conn: &mut Conn,
    place: &str,
    street: &str,
    month: i32,
    category: &str,
    c: &Counts,
    category_reported: i64,
) -> Result<()> {
    if !c.is_zero() {
        add_places(conn, &[((place, month), c.clone())]).await?;
    }
    if category_reported != 0 {
        add_categories(conn, &[((street, month, category), category_reported)]).await?;
    }
    Ok(())
}

/// Add counts to the rollup of (place, month), for distinct keys, with multi-row upserts.
async fn add_places(conn: &mut Conn, rows: &[((&str, i32), Counts)]) -> Result<()> {
    let set: Vec<String> = Counts::COLUMNS
        .iter()
        .map(|k| format!("{k} = event_rollup.{k} + excluded.{k}"))
        .collect();
    let per = (crate::sql::params_per_statement(conn) / (2 + Counts::COLUMNS.len())).max(1);
    for chunk in rows.chunks(per) {
        let mut p = Params::default();
        let rows: Vec<String> = chunk
            .iter()
            .map(|((place, month), c)| {
                let mut vals = vec![p.push(V::T((*place).into())), p.push(V::I((*month).into()))];
                vals.extend(c.values().iter().map(|v| p.push(V::I(*v))));
                format!("({})", vals.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO event_rollup (path, month, {}) VALUES {} ON CONFLICT (path, month) DO UPDATE SET {}",
            cols(),
            rows.join(", "),
            set.join(", ")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Add to the reported volume of (street, month, category), for distinct keys, with
/// multi-row upserts.
async fn add_categories(conn: &mut Conn, rows: &[((&str, i32, &str), i64)]) -> Result<()> {
    for chunk in rows.chunks(crate::sql::params_per_statement(conn) / 4) {
        let mut p = Params::default();
        let rows: Vec<String> = chunk
            .iter()
            .map(|((street, month, category), n)| {
                format!(
                    "({}, {}, {}, {})",
                    p.push(V::T((*street).into())),
                    p.push(V::I((*month).into())),
                    p.push(V::T((*category).into())),
                    p.push(V::I(*n))
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO event_rollup_category (path, month, category_code, reported) VALUES {} \
             ON CONFLICT (path, month, category_code) DO UPDATE SET reported = event_rollup_category.reported + excluded.reported",
            rows.join(", ")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}

/// What the rollup needs of a stored event.
#[derive(Debug, Clone)]
pub struct Stored {
    pub path: String,
    pub category: String,
    pub facts: EventFacts,
}

/// New events written together: their counts summed per community and month (and per street,
/// month and category) first, then added with one multi-row upsert per table. PostgreSQL
/// refuses an upsert that touches one row twice, hence the sums.
pub async fn on_insert_many(conn: &mut Conn, events: &[(&str, &str, EventFacts)]) -> Result<()> {
    let mut places: Vec<((&str, i32), Counts)> = Vec::new();
    let mut categories: Vec<((&str, i32, &str), i64)> = Vec::new();
    for (path, category, f) in events {
        let month = month_of(f.reported_at);
        let key = (community_path(path), month);
        match places.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => c.add(&contribution(f), 1),
            None => places.push((key, contribution(f))),
        }
        let key = (street_path(path), month, *category);
        match categories.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => categories.push((key, 1)),
        }
    }
    places.retain(|(_, c)| !c.is_zero());
    add_places(conn, &places).await?;
    add_categories(conn, &categories).await?;
    Ok(())
}

/// An event changed from `before` to `after` (same place, category and report time).
pub async fn on_change(conn: &mut Conn, before: &Stored, after: &EventFacts) -> Result<()> {
    let mut d = contribution(after);
    d.add(&contribution(&before.facts), -1);
    rollup_add(
        conn,
        community_path(&before.path),
        street_path(&before.path),
        month_of(before.facts.reported_at),
        &before.category,
        &d,
        0,
    )
    .await
}

const FACT_COLS: &str = "path, category_code, status, source, reported_at, deadline_at, responded_at, first_resolved_at, rating, whistled";

fn stored_from(r: &AnyRow) -> Result<Stored> {
    let status: String = r.try_get("status")?;
    let source: String = r.try_get("source")?;
    let rating: Option<String> = r.try_get("rating")?;
    Ok(Stored {
        path: r.try_get("path")?,
        category: r.try_get("category_code")?,
        facts: EventFacts {
            status: Status::parse(&status).unwrap_or(Status::Reported),
            hotline: source == HOTLINE_SOURCE,
            reported_at: r.try_get("reported_at")?,
            deadline_at: r.try_get("deadline_at")?,
            responded_at: r.try_get("responded_at")?,
            first_resolved_at: r.try_get("first_resolved_at")?,
            rating: rating.as_deref().and_then(Rating::parse),
            whistled: crate::sql::get_bool(r, "whistled"),
        },
    })
}

/// The event's counted facts, locking its row on PostgreSQL (SQLite write transactions hold
/// the database already), so that the difference written by [`on_change`] is exact.
pub async fn stored(conn: &mut Conn, id: i64) -> Result<Option<Stored>> {
    let lock = if conn.backend_name() == "SQLite" {
        ""
    } else {
        " FOR UPDATE"
    };
    let row = sqlx::query(&format!(
        "SELECT {FACT_COLS} FROM events WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stored_from).transpose()
}

/// Counts gathered in memory (bulk loads and [`rebuild_rollup`]).
#[derive(Debug, Default)]
pub struct RollupAcc {
    places: HashMap<(String, i32), Counts>,
    categories: HashMap<(String, i32, String), i64>,
}

impl RollupAcc {
    pub fn add(&mut self, path: &str, category: &str, f: &EventFacts) {
        let place = community_path(path).to_string();
        let month = month_of(f.reported_at);
        self.places
            .entry((place, month))
            .or_default()
            .add(&contribution(f), 1);
        *self
            .categories
            .entry((street_path(path).to_string(), month, category.to_string()))
            .or_default() += 1;
    }

    /// Add to the stored rollup (multi-row inserts when it is empty for these keys).
    pub async fn write(&self, conn: &mut Conn) -> Result<()> {
        let rows: Vec<Vec<V>> = self
            .places
            .iter()
            .map(|((p, m), c)| {
                let mut r = vec![V::T(p.clone()), V::I((*m).into())];
                r.extend(c.values().into_iter().map(V::I));
                r
            })
            .collect();
        let mut columns = vec!["path", "month"];
        columns.extend(Counts::COLUMNS);
        crate::sql::insert_many(conn, "event_rollup", &columns, &rows).await?;
        let rows: Vec<Vec<V>> = self
            .categories
            .iter()
            .map(|((p, m, c), n)| {
                vec![
                    V::T(p.clone()),
                    V::I((*m).into()),
                    V::T(c.clone()),
                    V::I(*n),
                ]
            })
            .collect();
        crate::sql::insert_many(
            conn,
            "event_rollup_category",
            &["path", "month", "category_code", "reported"],
            &rows,
        )
        .await?;
        Ok(())
    }
}

/// Recount the rollup from the events (in the caller's transaction).
pub async fn rebuild_rollup(conn: &mut Conn) -> Result<()> {
    sqlx::query("DELETE FROM event_rollup")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM event_rollup_category")
        .execute(&mut *conn)
        .await?;
    let mut acc = RollupAcc::default();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, {FACT_COLS} FROM events WHERE id > $1 ORDER BY id LIMIT 5000"
        ))
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        for r in &rows {
            let s = stored_from(r)?;
            acc.add(&s.path, &s.category, &s.facts);
        }
    }
    acc.write(conn).await
}

/// Rollup rows of the communities in `scope_path`, months `[from_month, to_month)`.
pub async fn rollup_rows(
    conn: &mut Conn,
    scope_path: &str,
    from_month: i32,
    to_month: i32,
) -> Result<Vec<PlaceMonth>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT path, month, {} FROM event_rollup WHERE {} AND month >= {} AND month < {}",
        cols(),
        p.range("path", scope_path),
        p.push(V::I(from_month.into())),
        p.push(V::I(to_month.into())),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PlaceMonth {
                path: r.try_get("path")?,
                month: r
                    .try_get::<i32, _>("month")
                    .map(i64::from)
                    .or_else(|_| r.try_get::<i64, _>("month"))? as i32,
                counts: counts_from(r)?,
            })
        })
        .collect()
}

/// Rollup counts of the communities in `scope_path`, months `[from_month, to_month)`, summed
/// per child of the scope (its path) and month: a few dozen rows for the dashboard instead of a
/// row per community and month.
pub async fn rollup_by_child_month(
    conn: &mut Conn,
    scope_path: &str,
    from_month: i32,
    to_month: i32,
) -> Result<Vec<PlaceMonth>> {
    let mut p = Params::default();
    let l = scope_path.len();
    let find = if conn.backend_name() == "SQLite" {
        "instr"
    } else {
        "strpos"
    };
    let child = format!("substr(path, 1, {l} + {find}(substr(path, {l} + 1), '/'))");
    let sums: Vec<String> = Counts::COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect();
    let sql = format!(
        "SELECT {child} AS child, CAST(month AS BIGINT) AS month, {} FROM event_rollup \
         WHERE {} AND month >= {} AND month < {} GROUP BY 1, 2",
        sums.join(", "),
        p.range("path", scope_path),
        p.push(V::I(from_month.into())),
        p.push(V::I(to_month.into())),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PlaceMonth {
                path: r.try_get("child")?,
                month: r.try_get::<i64, _>("month")? as i32,
                counts: counts_from(r)?,
            })
        })
        .collect()
}

/// The sums of the counts over `events` rows, in the order of [`Counts::COLUMNS`].
fn count_exprs(p: &mut Params) -> String {
    let inv = p.push(V::T(Status::Invalid.as_str().into()));
    let mer = p.push(V::T(Status::Merged.as_str().into()));
    let lim = p.push(V::I(RESPONSE_LIMIT_MS));
    let s = p.push(V::T(Rating::Satisfied.as_str().into()));
    let fs = p.push(V::T(Rating::FairlySatisfied.as_str().into()));
    let ds = p.push(V::T(Rating::Dissatisfied.as_str().into()));
    let tr = p.push(V::Bool(true));
    let hl = p.push(V::T(HOTLINE_SOURCE.into()));
    let valid = format!("status NOT IN ({inv}, {mer})");
    let sum = |cond: String, name: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}")
    };
    [
        "CAST(COUNT(*) AS BIGINT) AS reported".to_string(),
        sum(
            format!("responded_at IS NOT NULL AND responded_at - reported_at <= {lim}"),
            "responded_in_time",
        ),
        sum(valid.clone(), "valid"),
        sum(
            format!("{valid} AND first_resolved_at IS NOT NULL"),
            "resolved",
        ),
        sum(
            format!(
                "{valid} AND first_resolved_at IS NOT NULL AND first_resolved_at <= deadline_at"
            ),
            "resolved_on_time",
        ),
        sum(format!("rating = {s}"), "satisfied"),
        sum(format!("rating = {fs}"), "fairly_satisfied"),
        sum(format!("rating = {ds}"), "dissatisfied"),
        sum(format!("{valid} AND whistled = {tr}"), "whistled"),
        sum(format!("source = {hl}"), "hotline"),
    ]
    .join(", ")
}

/// Counts of the events reported in `[from, to)` below `scope_path`, grouped by the child of
/// the scope they lie in (its path; the scope's own path for events at the scope itself) and by
/// month (`month_starts[i]` is the start of `months[i]`; the first may start before `from`).
pub async fn direct_rows(
    conn: &mut Conn,
    scope_path: &str,
    from: i64,
    to: i64,
    months: &[i32],
    month_starts: &[i64],
) -> Result<Vec<PlaceMonth>> {
    let mut p = Params::default();
    let counts = count_exprs(&mut p);
    // The scope path's length, as a literal (a number of ours, never user input).
    let l = scope_path.len();
    let find = if conn.backend_name() == "SQLite" {
        "instr"
    } else {
        "strpos"
    };
    let child = format!("substr(path, 1, {l} + {find}(substr(path, {l} + 1), '/'))");
    let mut case = String::from("CASE");
    for (i, start) in month_starts.iter().enumerate().skip(1) {
        case.push_str(&format!(
            " WHEN reported_at < {} THEN {}",
            p.push(V::I(*start)),
            i - 1
        ));
    }
    case.push_str(&format!(" ELSE {} END", months.len().saturating_sub(1)));
    let sql = format!(
        "SELECT {child} AS child, CAST({case} AS BIGINT) AS mi, {counts} FROM events \
         WHERE {} AND reported_at >= {} AND reported_at < {} GROUP BY 1, 2",
        p.range("path", scope_path),
        p.push(V::I(from)),
        p.push(V::I(to)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let mi: i64 = r.try_get("mi")?;
            Ok(PlaceMonth {
                path: r.try_get("child")?,
                month: months.get(mi as usize).copied().unwrap_or(0),
                counts: counts_from(r)?,
            })
        })
        .collect()
}

/// Events reported per category code, from the rollup (whole months, community level and up).
pub async fn rollup_by_category(
    conn: &mut Conn,
    scope_path: &str,
    from_month: i32,
    to_month: i32,
) -> Result<Vec<(String, i64)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT category_code, CAST(SUM(reported) AS BIGINT) AS n FROM event_rollup_category \
         WHERE {} AND month >= {} AND month < {} GROUP BY category_code",
        p.range("path", scope_path),
        p.push(V::I(from_month.into())),
        p.push(V::I(to_month.into())),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("category_code")?, r.try_get("n")?)))
        .collect()
}

/// Events reported per category code, counted from the events.
pub async fn direct_by_category(
    conn: &mut Conn,
    scope_path: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT category_code, CAST(COUNT(*) AS BIGINT) AS n FROM events \
         WHERE {} AND reported_at >= {} AND reported_at < {} GROUP BY category_code",
        p.range("path", scope_path),
        p.push(V::I(from)),
        p.push(V::I(to)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("category_code")?, r.try_get("n")?)))
        .collect()
}

/// Each summoned department's record in the whistles blown in `[from, to)` below `scope_path`,
/// most summoned first.
pub async fn departments(
    conn: &mut Conn,
    scope_path: &str,
    from: i64,
    to: i64,
) -> Result<Vec<DepartmentCounts>> {
    let mut p = Params::default();
    let s = p.push(V::T(Rating::Satisfied.as_str().into()));
    let fs = p.push(V::T(Rating::FairlySatisfied.as_str().into()));
    let ds = p.push(V::T(Rating::Dissatisfied.as_str().into()));
    let sum = |cond: &str, name: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}")
    };
    let sql = format!(
        "SELECT d.department AS department, CAST(COUNT(*) AS BIGINT) AS summoned, {}, {}, \
         CAST(COALESCE(SUM(CASE WHEN d.reported_in_at IS NOT NULL THEN d.reported_in_at - w.blown_at ELSE 0 END), 0) AS BIGINT) AS ms_total, \
         {}, {}, {}, {}, {} \
         FROM whistle_departments d JOIN whistles w ON w.id = d.whistle_id \
         WHERE {} AND w.blown_at >= {} AND w.blown_at < {} GROUP BY d.department ORDER BY summoned DESC, d.department",
        sum("d.reported_in_at IS NOT NULL", "reported_in"),
        sum("d.reported_in_at IS NOT NULL AND d.reported_in_at <= w.report_in_deadline_at", "on_time"),
        sum("d.task IS NOT NULL", "tasks"),
        sum("d.task_done_at IS NOT NULL", "tasks_done"),
        sum(&format!("d.rating = {s}"), "satisfied"),
        sum(&format!("d.rating = {fs}"), "fairly_satisfied"),
        sum(&format!("d.rating = {ds}"), "dissatisfied"),
        p.range("w.path", scope_path),
        p.push(V::I(from)),
        p.push(V::I(to)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DepartmentCounts {
                department: r.try_get("department")?,
                summoned: r.try_get("summoned")?,
                reported_in: r.try_get("reported_in")?,
                reported_in_on_time: r.try_get("on_time")?,
                report_in_ms_total: r.try_get("ms_total")?,
                tasks: r.try_get("tasks")?,
                tasks_done: r.try_get("tasks_done")?,
                satisfied: r.try_get("satisfied")?,
                fairly_satisfied: r.try_get("fairly_satisfied")?,
                dissatisfied: r.try_get("dissatisfied")?,
            })
        })
        .collect()
}
