//! Bulk loading of the demo city: multi-row inserts with the generator's explicit ids (no round
//! trip per row), counts computed in memory while the rows go by, and a clean-up for a load that
//! failed half-way.

pub mod participation;
pub mod rounds;

use crate::registry::{resident_values, write_stats, Stats, RESIDENT_INSERT_COLS};
use crate::sql::{bind, MAX_PARAMS, V};
use crate::{Cipher, Conn, Result};
use jingzhi_domain::demo::{CityPlan, CommunityBatch, GenBarrier, GenNode, GenPartyOrg};
use jingzhi_domain::registry::NodeKind;

pub const NODE_COLS: [&str; 14] = [
    "id",
    "parent_id",
    "kind",
    "code",
    "name",
    "path",
    "depth",
    "boundary",
    "x",
    "y",
    "units",
    "floors",
    "created_at",
    "updated_at",
];
pub const PARTY_COLS: [&str; 8] = [
    "id",
    "node_id",
    "parent_id",
    "kind",
    "name",
    "secretary",
    "path",
    "created_at",
];
pub const BARRIER_COLS: [&str; 6] = ["id", "node_id", "kind", "name", "geometry", "path"];
pub const HOUSEHOLD_COLS: [&str; 9] = [
    "id",
    "building_id",
    "unit",
    "room",
    "address",
    "head_id",
    "path",
    "created_at",
    "updated_at",
];

/// The `residents` columns with the explicit id first.
pub fn resident_cols() -> Vec<&'static str> {
    let mut c = vec!["id"];
    c.extend(RESIDENT_INSERT_COLS);
    c
}

/// Rows ready to insert, flattened (one value per column, row after row).
#[derive(Debug, Default)]
pub struct Prepared {
    pub nodes: Vec<V>,
    pub party_orgs: Vec<V>,
    pub barriers: Vec<V>,
    pub households: Vec<V>,
    pub residents: Vec<V>,
}

impl Prepared {
    /// Rows in all tables.
    pub fn rows(&self) -> usize {
        self.nodes.len() / NODE_COLS.len()
            + self.party_orgs.len() / PARTY_COLS.len()
            + self.barriers.len() / BARRIER_COLS.len()
            + self.households.len() / HOUSEHOLD_COLS.len()
            + self.residents.len() / (RESIDENT_INSERT_COLS.len() + 1)
    }
}

fn push_nodes(out: &mut Vec<V>, nodes: &[GenNode], now: i64) {
    out.reserve(nodes.len() * NODE_COLS.len());
    for n in nodes {
        out.extend([
            V::I(n.id),
            V::OI(n.parent_id),
            V::T(n.kind.as_str().into()),
            V::T(n.code.as_str().into()),
            V::T(n.name.clone()),
            V::T(n.path.clone()),
            V::I(n.kind.depth().into()),
            V::OT(n.boundary.clone()),
            V::OF(n.x),
            V::OF(n.y),
            V::OI(n.units.map(i64::from)),
            V::OI(n.floors.map(i64::from)),
            V::I(now),
            V::I(now),
        ]);
    }
}

fn push_party(out: &mut Vec<V>, orgs: &[GenPartyOrg], now: i64) {
    for p in orgs {
        out.extend([
            V::I(p.id),
            V::I(p.node_id),
            V::OI(p.parent_id),
            V::T(p.kind.into()),
            V::T(p.name.clone()),
            V::OT(p.secretary.clone()),
            V::T(p.path.clone()),
            V::I(now),
        ]);
    }
}

fn push_barriers(out: &mut Vec<V>, barriers: &[GenBarrier]) {
    for b in barriers {
        out.extend([
            V::I(b.id),
            V::I(b.node_id),
            V::T(b.kind.into()),
            V::T(b.name.clone()),
            V::T(b.geometry.clone()),
            V::T(b.path.clone()),
        ]);
    }
}

/// The plan's rows: city, districts, streets, communities, their party organisations and the
/// barriers drawn at those levels.
pub fn prepare_plan(plan: &CityPlan, now: i64) -> Prepared {
    let mut p = Prepared::default();
    push_nodes(&mut p.nodes, &plan.nodes, now);
    push_party(&mut p.party_orgs, &plan.party_orgs, now);
    push_barriers(&mut p.barriers, &plan.barriers);
    p
}

/// One community's rows, with ID and phone numbers sealed (the expensive part: run it off the
/// async threads).
pub fn prepare_batch(cipher: &Cipher, b: &CommunityBatch, now: i64) -> Prepared {
    let mut p = Prepared::default();
    push_nodes(&mut p.nodes, &b.nodes, now);
    push_party(&mut p.party_orgs, &b.party_orgs, now);
    push_barriers(&mut p.barriers, &b.barriers);
    p.households
        .reserve(b.households.len() * HOUSEHOLD_COLS.len());
    for h in &b.households {
        p.households.extend([
            V::I(h.id),
            V::I(h.building_id),
            V::OI(h.unit.map(i64::from)),
            V::T(h.room.clone()),
            V::T(h.address.clone()),
            V::I(h.head_id),
            V::T(h.path.clone()),
            V::I(now),
            V::I(now),
        ]);
    }
    p.residents
        .reserve(b.residents.len() * (RESIDENT_INSERT_COLS.len() + 1));
    let mut hh = b.households.iter().peekable();
    for r in &b.residents {
        while hh.peek().is_some_and(|h| h.id != r.household_id) {
            hh.next();
        }
        let path = hh.peek().map(|h| h.path.as_str()).unwrap_or("/");
        p.residents.push(V::I(r.id));
        p.residents.extend(resident_values(
            cipher,
            r.household_id,
            path,
            &r.resident,
            now,
        ));
    }
    p
}

/// Insert flattened rows with as many rows per statement as the parameter limit allows,
/// binding by reference (no copies of the values). SQLite gets anonymous `?` placeholders:
/// it resolves numbered or named ones (`$n`, `?n`) by a linear search per parameter, which makes
/// preparing a 30,000-parameter statement quadratic.
pub async fn insert_flat(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    flat: &[V],
) -> Result<u64> {
    let ncol = columns.len();
    if flat.is_empty() {
        return Ok(0);
    }
    debug_assert_eq!(flat.len() % ncol, 0);
    let sqlite = conn.backend_name() == "SQLite";
    let per = (MAX_PARAMS / ncol).max(1);
    let sql_for = |rows: usize| {
        let mut sql = String::with_capacity(64 + rows * ncol * 7);
        sql.push_str("INSERT INTO ");
        sql.push_str(table);
        sql.push_str(" (");
        sql.push_str(&columns.join(", "));
        sql.push_str(") VALUES ");
        let mut n = 0;
        for i in 0..rows {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..ncol {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            sql.push(')');
        }
        sql
    };
    let full = sql_for(per);
    let mut done = 0;
    for chunk in flat.chunks(per * ncol) {
        let rows = chunk.len() / ncol;
        let q = if rows == per {
            bind(sqlx::query(&full), chunk)
        } else {
            // A one-off size: do not keep it in the statement cache.
            let partial = sql_for(rows);
            done += bind(sqlx::query(&partial).persistent(false), chunk)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            continue;
        };
        done += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(done)
}

/// Insert prepared rows, parents before children.
pub async fn insert_prepared(conn: &mut Conn, p: &Prepared) -> Result<()> {
    insert_flat(conn, "nodes", &NODE_COLS, &p.nodes).await?;
    insert_flat(conn, "party_orgs", &PARTY_COLS, &p.party_orgs).await?;
    insert_flat(conn, "barriers", &BARRIER_COLS, &p.barriers).await?;
    insert_flat(conn, "households", &HOUSEHOLD_COLS, &p.households).await?;
    insert_flat(conn, "residents", &resident_cols(), &p.residents).await?;
    Ok(())
}

/// Per-node counts, gathered while batches go by and rolled up the tree at the end (so the
/// two million residents are never scanned again).
#[derive(Debug, Default)]
pub struct StatsAcc {
    /// Parent of each node, by id (index = id).
    parent: Vec<i64>,
    own: Vec<Stats>,
}

impl StatsAcc {
    pub fn new(plan: &CityPlan) -> Self {
        let mut s = Self::default();
        s.add_nodes(&plan.nodes);
        s
    }

    fn add_nodes(&mut self, nodes: &[GenNode]) {
        for n in nodes {
            let i = n.id as usize;
            if self.parent.len() <= i {
                self.parent.resize(i + 1, 0);
                self.own.resize(i + 1, Stats::default());
            }
            self.parent[i] = n.parent_id.unwrap_or(0);
            // The place counts in its parent (and, rolled up in `finish`, in every ancestor).
            if let Some(p) = n.parent_id {
                if let Some(ps) = self.own.get_mut(p as usize) {
                    ps.add(&Stats::of_node(n.kind, 1));
                }
            }
        }
    }

    pub fn add_batch(&mut self, b: &CommunityBatch) {
        self.add_nodes(&b.nodes);
        let mut building_of = std::collections::HashMap::with_capacity(b.households.len());
        for h in &b.households {
            building_of.insert(h.id, h.building_id as usize);
            if let Some(s) = self.own.get_mut(h.building_id as usize) {
                s.households += 1;
            }
        }
        for r in &b.residents {
            if let Some(&bid) = building_of.get(&r.household_id) {
                if let Some(s) = self.own.get_mut(bid) {
                    s.add(&Stats::of_resident(&r.resident.tags, 1));
                }
            }
        }
    }

    /// Every node's subtree counts. Ids grow downwards (a parent's id is below its children's),
    /// so one pass from the highest id adds each node into its parent.
    pub fn finish(mut self) -> Vec<(i64, Stats)> {
        for i in (1..self.own.len()).rev() {
            let p = self.parent[i] as usize;
            if p > 0 && p < i {
                let s = self.own[i].clone();
                self.own[p].add(&s);
            }
        }
        self.own
            .into_iter()
            .enumerate()
            .skip(1)
            .map(|(i, s)| (i as i64, s))
            .collect()
    }
}

/// Write the counts gathered by [`StatsAcc`].
pub async fn write_counts(conn: &mut Conn, rows: &[(i64, Stats)]) -> Result<()> {
    write_stats(conn, rows).await
}

/// A secondary index set aside during a bulk load: its name and the statement that recreates it.
#[derive(Debug, Clone)]
pub struct SavedIndex {
    pub name: String,
    pub sql: String,
}

/// Tables whose secondary indexes are dropped during the load and rebuilt afterwards (building an
/// index once, sorted, is much faster than updating random-keyed indexes row by row).
const BULK_TABLES: [&str; 2] = ["households", "residents"];

/// Drop the secondary indexes of the bulk tables, returning their definitions as the database
/// itself holds them (so this stays right when a migration changes them).
pub async fn drop_bulk_indexes(conn: &mut Conn) -> Result<Vec<SavedIndex>> {
    use sqlx::Row;
    let sqlite = conn.backend_name() == "SQLite";
    let sql = if sqlite {
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('households', 'residents') ORDER BY name"
    } else {
        "SELECT i.indexname::text AS name, i.indexdef::text AS sql FROM pg_indexes i \
         WHERE i.schemaname = current_schema() AND i.tablename IN ('households', 'residents') \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname"
    };
    debug_assert!(BULK_TABLES.iter().all(|t| sql.contains(t)));
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    let mut saved = vec![];
    for r in rows {
        saved.push(SavedIndex {
            name: r.try_get("name")?,
            sql: r.try_get("sql")?,
        });
    }
    for i in &saved {
        if !i
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(crate::Error::Conflict(format!(
                "unexpected index name {}",
                i.name
            )));
        }
        sqlx::query(&format!("DROP INDEX {}", i.name))
            .execute(&mut *conn)
            .await?;
    }
    Ok(saved)
}

/// Recreate the indexes [`drop_bulk_indexes`] set aside.
/// An index already there is left alone. The existence check reads the catalogue first, which
/// also makes a SQLite connection reload a schema another connection changed (without it, a
/// connection that last saw the index before it was dropped refuses to create it: "already
/// exists").
pub async fn restore_indexes(conn: &mut Conn, saved: &[SavedIndex]) -> Result<()> {
    let exists_sql = if conn.backend_name() == "SQLite" {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
    } else {
        "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
    };
    for i in saved {
        let n: i64 = sqlx::query_scalar(exists_sql)
            .bind(&i.name)
            .fetch_one(&mut *conn)
            .await?;
        if n == 0 {
            sqlx::query(&i.sql).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Whether the register already holds a city (or any place).
pub async fn has_nodes(conn: &mut Conn) -> Result<bool> {
    let n: Option<i64> = sqlx::query_scalar("SELECT id FROM nodes LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(n.is_some())
}

/// Remove what a failed load left behind. Only for a register that was empty before the load
/// (no users or audit records can point at its rows then).
pub async fn wipe_register(conn: &mut Conn) -> Result<()> {
    for t in [
        "node_stats",
        "residents",
        "households",
        "barriers",
        "party_orgs",
    ] {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(&mut *conn)
            .await?;
    }
    // Children before parents.
    for kind in NodeKind::ALL.iter().rev() {
        sqlx::query("DELETE FROM nodes WHERE kind = $1")
            .bind(kind.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// One integer from a query (counts for tests, checks and benchmarks; the SQL is the caller's own,
/// never user input).
pub async fn query_i64(conn: &mut Conn, sql: &str) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
    Ok(v.unwrap_or(0))
}

/// Every node id, in order.
pub async fn node_ids(conn: &mut Conn) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM nodes ORDER BY id")
        .fetch_all(&mut *conn)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// The demo's event history (`jingzhi_domain::demo::events`)

pub const EVENT_COLS: [&str; 27] = [
    "id",
    "path",
    "node_id",
    "category_code",
    "urgency",
    "status",
    "reopened",
    "escalations",
    "source",
    "reporter_name",
    "description",
    "answers_json",
    "x",
    "y",
    "merged_into",
    "invalid_reason",
    "result",
    "rating",
    "reported_at",
    "deadline_at",
    "responded_at",
    "first_resolved_at",
    "resolved_at",
    "closed_at",
    "rated_at",
    "whistled",
    "updated_at",
];
pub const TRANSITION_COLS: [&str; 8] = [
    "event_id",
    "path",
    "at",
    "actor_name",
    "command",
    "from_status",
    "to_status",
    "note",
];
pub const ASSIGNMENT_COLS: [&str; 8] = [
    "event_id",
    "path",
    "role",
    "handler_kind",
    "handler_name",
    "handler_code",
    "assigned_at",
    "active",
];
pub const RATING_COLS: [&str; 5] = ["event_id", "path", "at", "rating", "comment"];
pub const WHISTLE_COLS: [&str; 15] = [
    "id",
    "event_id",
    "path",
    "urgency",
    "status",
    "reason",
    "blown_at",
    "blown_by",
    "report_in_deadline_at",
    "inspection_at",
    "inspection_participants",
    "inspection_findings",
    "inspection_solution",
    "done_at",
    "updated_at",
];
pub const WHISTLE_DEPT_COLS: [&str; 9] = [
    "whistle_id",
    "path",
    "department",
    "status",
    "reported_in_at",
    "task",
    "task_done_at",
    "rating",
    "sort_order",
];

/// Event rows ready to insert, flattened.
#[derive(Debug, Default)]
pub struct PreparedEvents {
    pub events: Vec<V>,
    pub transitions: Vec<V>,
    pub assignments: Vec<V>,
    pub ratings: Vec<V>,
    pub whistles: Vec<V>,
    pub whistle_departments: Vec<V>,
    pub rows: usize,
}

/// Flatten one community's history, and count it into `acc` (the monthly rollup).
pub fn prepare_events(
    b: &jingzhi_domain::demo::events::EventBatch,
    acc: &mut crate::metrics::RollupAcc,
) -> PreparedEvents {
    use jingzhi_domain::events::metrics::{EventFacts, HOTLINE_SOURCE};
    let mut p = PreparedEvents {
        rows: b.rows(),
        ..Default::default()
    };
    let s = |x: &str| V::T(x.to_string());
    p.events.reserve(b.events.len() * EVENT_COLS.len());
    for e in &b.events {
        acc.add(
            &e.path,
            e.category_code,
            &EventFacts {
                status: e.status,
                hotline: e.source == HOTLINE_SOURCE,
                reported_at: e.reported_at,
                deadline_at: e.deadline_at,
                responded_at: e.responded_at,
                first_resolved_at: e.first_resolved_at,
                rating: e.rating,
                whistled: e.whistled,
            },
        );
        p.events.extend([
            V::I(e.id),
            V::T(e.path.clone()),
            V::I(e.node_id),
            s(e.category_code),
            s(e.urgency.as_str()),
            s(e.status.as_str()),
            V::I(e.reopened.into()),
            V::I(e.escalations.into()),
            s(e.source),
            V::T(e.reporter_name.clone()),
            V::T(e.description.clone()),
            V::OT(e.answers_json.clone()),
            V::F(e.x),
            V::F(e.y),
            V::OI(e.merged_into),
            V::OT(e.invalid_reason.clone()),
            V::OT(e.result.clone()),
            V::OT(e.rating.map(|r| r.as_str().to_string())),
            V::I(e.reported_at),
            V::I(e.deadline_at),
            V::OI(e.responded_at),
            V::OI(e.first_resolved_at),
            V::OI(e.resolved_at),
            V::OI(e.closed_at),
            V::OI(e.rated_at),
            V::Bool(e.whistled),
            V::I(e.updated_at),
        ]);
    }
    p.transitions
        .reserve(b.transitions.len() * TRANSITION_COLS.len());
    for t in &b.transitions {
        p.transitions.extend([
            V::I(t.event_id),
            V::T(t.path.clone()),
            V::I(t.at),
            V::T(t.actor_name.clone()),
            s(t.command),
            V::OT(t.from_status.map(|x| x.as_str().to_string())),
            s(t.to_status.as_str()),
            V::OT(t.note.clone()),
        ]);
    }
    for a in &b.assignments {
        p.assignments.extend([
            V::I(a.event_id),
            V::T(a.path.clone()),
            s(a.role),
            s(a.handler_kind.as_str()),
            V::T(a.handler_name.clone()),
            V::OT(a.handler_code.clone()),
            V::I(a.assigned_at),
            V::Bool(a.active),
        ]);
    }
    for r in &b.ratings {
        p.ratings.extend([
            V::I(r.event_id),
            V::T(r.path.clone()),
            V::I(r.at),
            s(r.rating.as_str()),
            V::OT(r.comment.clone()),
        ]);
    }
    for w in &b.whistles {
        let ins = w.inspection.as_ref();
        p.whistles.extend([
            V::I(w.id),
            V::I(w.event_id),
            V::T(w.path.clone()),
            s(w.whistle.urgency.as_str()),
            s(w.whistle.status.as_str()),
            V::T(w.reason.clone()),
            V::I(w.whistle.blown_at),
            V::T(w.blown_by.clone()),
            V::I(w.whistle.report_in_deadline),
            V::OI(ins.map(|i| i.0)),
            V::OT(ins.map(|i| i.1.clone())),
            V::OT(ins.map(|i| i.2.clone())),
            V::OT(ins.map(|i| i.3.clone())),
            V::OI(w.done_at),
            V::I(w.updated_at),
        ]);
        for (i, d) in w.whistle.departments.iter().enumerate() {
            p.whistle_departments.extend([
                V::I(w.id),
                V::T(w.path.clone()),
                V::T(d.department.clone()),
                s(d.status.as_str()),
                V::OI(d.reported_in_at),
                V::OT(d.task.clone()),
                V::OI(d.task_done_at),
                V::OT(d.rating.map(|r| r.as_str().to_string())),
                V::I(i as i64),
            ]);
        }
    }
    p
}

/// Remove the demo's events (after a failed load; children before parents).
pub async fn wipe_events(conn: &mut Conn) -> Result<()> {
    for t in [
        "whistle_departments",
        "whistles",
        "event_ratings",
        "event_assignments",
        "event_rollup",
        "event_rollup_category",
        "events",
    ] {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Insert prepared event rows, events before what refers to them.
pub async fn insert_events(conn: &mut Conn, p: &PreparedEvents) -> Result<()> {
    insert_flat(conn, "events", &EVENT_COLS, &p.events).await?;
    insert_flat(conn, "event_transitions", &TRANSITION_COLS, &p.transitions).await?;
    insert_flat(conn, "event_assignments", &ASSIGNMENT_COLS, &p.assignments).await?;
    insert_flat(conn, "event_ratings", &RATING_COLS, &p.ratings).await?;
    insert_flat(conn, "whistles", &WHISTLE_COLS, &p.whistles).await?;
    insert_flat(
        conn,
        "whistle_departments",
        &WHISTLE_DEPT_COLS,
        &p.whistle_departments,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_roll_up_the_tree() {
        let plan = CityPlan::new(0.003, 1).unwrap();
        let mut acc = StatsAcc::new(&plan);
        let mut hh = 0;
        let mut res = 0;
        for b in plan.batches() {
            hh += b.households.len() as i64;
            res += b.residents.len() as i64;
            acc.add_batch(&b);
        }
        let rows = acc.finish();
        let city = rows.iter().find(|(id, _)| *id == 1).unwrap();
        assert_eq!(city.1.households, hh);
        assert_eq!(city.1.residents, res);
    }
}
