//! Redistricting (社区规模优化) in SQL: what a plan is computed from (buildings with their
//! household counts, the tree above them), hand corrections of the adjacency graph, plans and
//! their approval records, and the rewrite of the tree when a plan is applied, with its history.
//! Every read takes the caller's scope and applies it in the query.

use crate::registry::{Node, Stats};
use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::time_fmt::now_ms;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

// ---------------------------------------------------------------------------------------------
// What a plan is computed from

/// Households per building below `under` (a path inside the scope).
pub async fn building_households(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
) -> Result<HashMap<i64, u32>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT building_id, COUNT(*) AS n FROM households WHERE {} AND {} GROUP BY building_id",
        p.range("path", &scope.path),
        p.range("path", under)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("building_id")?,
                r.try_get::<i64, _>("n")? as u32,
            ))
        })
        .collect()
}

/// Residents per building below `under` (a path inside the scope).
pub async fn building_residents(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
) -> Result<HashMap<i64, u32>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT h.building_id AS building_id, COUNT(*) AS n FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE {} AND {} GROUP BY h.building_id",
        p.range("r.path", &scope.path),
        p.range("r.path", under)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("building_id")?,
                r.try_get::<i64, _>("n")? as u32,
            ))
        })
        .collect()
}

/// A community above the cap, with its counts and its street.
#[derive(Debug, Clone, Serialize)]
pub struct Oversized {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    pub street_id: Option<i64>,
    pub street_code: Option<String>,
    pub street_name: Option<String>,
    pub households: i64,
    pub residents: i64,
}

/// Communities in scope whose household count (`node_stats`) is above `cap`, largest first.
pub async fn oversized(conn: &mut Conn, scope: &Scope, cap: i64) -> Result<Vec<Oversized>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT n.id, n.code, n.name, n.path, n.parent_id, st.code AS street_code, st.name AS street_name, s.households, s.residents \
         FROM nodes n JOIN node_stats s ON s.node_id = n.id LEFT JOIN nodes st ON st.id = n.parent_id \
         WHERE n.kind = 'community' AND {} AND s.households > {} ORDER BY s.households DESC, n.code",
        p.range("n.path", &scope.path),
        p.push(V::I(cap))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Oversized {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                path: r.try_get("path")?,
                street_id: r.try_get("parent_id")?,
                street_code: r.try_get("street_code")?,
                street_name: r.try_get("street_name")?,
                households: r.try_get("households")?,
                residents: r.try_get("residents")?,
            })
        })
        .collect()
}

/// Every node code starting with `prefix`, whatever the scope: codes are unique city-wide, so a
/// new community's code must be checked against all of them (only codes are returned).
pub async fn codes_with_prefix(conn: &mut Conn, prefix: &str) -> Result<HashSet<String>> {
    let mut p = Params::default();
    let a = p.push(V::T(prefix.to_string()));
    let b = p.push(V::T(format!("{prefix}\u{7f}")));
    let sql = format!("SELECT code FROM nodes WHERE code >= {a} AND code < {b}");
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("code")?))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Hand corrections of the adjacency graph

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EdgeOverride {
    pub id: i64,
    pub a_code: String,
    pub b_code: String,
    /// `add` or `remove`.
    pub op: String,
    pub note: Option<String>,
    pub created_by_name: String,
    pub created_at: i64,
}

fn override_from(r: &AnyRow) -> Result<EdgeOverride> {
    Ok(EdgeOverride {
        id: r.try_get("id")?,
        a_code: r.try_get("a_code")?,
        b_code: r.try_get("b_code")?,
        op: r.try_get("op")?,
        note: r.try_get("note")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Record an override; `path` is the two buildings' lowest common ancestor (checked in scope by
/// the caller).
#[allow(clippy::too_many_arguments)]
pub async fn insert_override(
    conn: &mut Conn,
    a_code: &str,
    b_code: &str,
    op: &str,
    note: Option<&str>,
    path: &str,
    actor_id: Option<i64>,
    actor_name: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO districting_edge_overrides (a_code, b_code, op, note, path, created_by, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(a_code)
    .bind(b_code)
    .bind(op)
    .bind(note)
    .bind(path)
    .bind(actor_id)
    .bind(actor_name)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

/// Overrides that can touch the buildings below `under`: those recorded inside it and those
/// recorded at one of its ancestors (between buildings of neighbouring communities), in order.
/// `under` must lie in the caller's scope. Overrides recorded at an ancestor above the caller's
/// scope are included on purpose: an officer above set them and they govern this graph too. The
/// rows only build the graph and are never shown, so no place outside the scope is revealed.
pub async fn overrides_for(conn: &mut Conn, under: &str) -> Result<Vec<EdgeOverride>> {
    let mut p = Params::default();
    let u = p.push(V::T(under.to_string()));
    let sql = format!(
        "SELECT id, a_code, b_code, op, note, created_by_name, created_at FROM districting_edge_overrides \
         WHERE (({}) OR substr({u}, 1, length(path)) = path) ORDER BY id",
        p.range("path", under)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(override_from).collect()
}

// ---------------------------------------------------------------------------------------------
// Plans and their approval

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanRow {
    pub id: i64,
    pub scope_node_id: i64,
    pub scope_code: String,
    pub path: String,
    pub mode: String,
    pub seed: i64,
    pub cap: i64,
    pub min_households: i64,
    pub status: String,
    pub title: String,
    pub plan_json: String,
    pub metrics_json: String,
    pub departments_json: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub decided_at: Option<i64>,
    pub applied_at: Option<i64>,
}

const PLAN_COLS: &str = "id, scope_node_id, scope_code, path, mode, seed, cap, min_households, status, title, plan_json, \
    metrics_json, departments_json, created_by, created_by_name, created_at, updated_at, decided_at, applied_at";

fn i64_of(r: &AnyRow, c: &str) -> Result<i64> {
    Ok(r.try_get::<i64, _>(c)
        .or_else(|_| r.try_get::<i32, _>(c).map(i64::from))?)
}

fn plan_from(r: &AnyRow) -> Result<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        scope_node_id: r.try_get("scope_node_id")?,
        scope_code: r.try_get("scope_code")?,
        path: r.try_get("path")?,
        mode: r.try_get("mode")?,
        seed: r.try_get("seed")?,
        cap: i64_of(r, "cap")?,
        min_households: i64_of(r, "min_households")?,
        status: r.try_get("status")?,
        title: r.try_get("title")?,
        plan_json: r.try_get("plan_json")?,
        metrics_json: r.try_get("metrics_json")?,
        departments_json: r.try_get("departments_json")?,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        decided_at: r.try_get("decided_at")?,
        applied_at: r.try_get("applied_at")?,
    })
}

/// What a new plan holds.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub scope: &'a Node,
    pub mode: &'a str,
    pub seed: i64,
    pub cap: i64,
    pub min_households: i64,
    pub title: &'a str,
    pub plan_json: &'a str,
    pub metrics_json: &'a str,
    pub departments_json: &'a str,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
}

pub async fn insert_plan(conn: &mut Conn, n: &NewPlan<'_>) -> Result<i64> {
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO districting_plans (scope_node_id, scope_code, path, mode, seed, cap, min_households, status, title, plan_json, \
         metrics_json, departments_json, created_by, created_by_name, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,'draft',$8,$9,$10,$11,$12,$13,$14,$14) RETURNING id",
    )
    .bind(n.scope.id)
    .bind(&n.scope.code)
    .bind(&n.scope.path)
    .bind(n.mode)
    .bind(n.seed)
    .bind(n.cap)
    .bind(n.min_households)
    .bind(n.title)
    .bind(n.plan_json)
    .bind(n.metrics_json)
    .bind(n.departments_json)
    .bind(n.actor_id)
    .bind(n.actor_name)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A plan whose scope node lies in the caller's scope.
pub async fn get_plan(conn: &mut Conn, scope: &Scope, id: i64) -> Result<PlanRow> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {PLAN_COLS} FROM districting_plans WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(plan_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A plan that concerns the caller: in their scope, or covering it (a resident or community
/// worker of an affected community sees the plan of their street).
pub async fn get_plan_overlapping(conn: &mut Conn, scope: &Scope, id: i64) -> Result<PlanRow> {
    let mut p = Params::default();
    let id_ph = p.push(V::I(id));
    let sql = format!(
        "SELECT {PLAN_COLS} FROM districting_plans WHERE id = {id_ph} AND {}",
        overlaps(&mut p, scope)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(plan_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A plan overlaps the caller's place: it lies inside it, or covers it (its path is a prefix of
/// the caller's).
fn overlaps(p: &mut Params, scope: &Scope) -> String {
    let s = p.push(V::T(scope.path.clone()));
    format!(
        "(({}) OR substr({s}, 1, length(path)) = path)",
        p.range("path", &scope.path)
    )
}

/// Plans in scope, newest first.
pub async fn list_plans(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<PlanRow>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {PLAN_COLS} FROM districting_plans WHERE {} ORDER BY id DESC LIMIT {}",
        p.range("path", &scope.path),
        p.push(V::I(limit.clamp(1, 500)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(plan_from).collect()
}

/// Plans in `status` that cover the caller's place or lie inside it, newest first.
pub async fn plans_covering(
    conn: &mut Conn,
    scope: &Scope,
    status: &str,
    limit: i64,
) -> Result<Vec<PlanRow>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {PLAN_COLS} FROM districting_plans WHERE status = {} AND {} ORDER BY id DESC LIMIT {}",
        p.push(V::T(status.into())),
        overlaps(&mut p, scope),
        p.push(V::I(limit.clamp(1, 50)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(plan_from).collect()
}

/// Set a plan's status (in scope); `decided` / `applied` stamp the time.
pub async fn set_status(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    status: &str,
    decided: bool,
    applied: bool,
) -> Result<()> {
    let now = now_ms();
    let mut p = Params::default();
    let mut sets = vec![
        format!("status = {}", p.push(V::T(status.into()))),
        format!("updated_at = {}", p.push(V::I(now))),
    ];
    if decided {
        sets.push(format!("decided_at = {}", p.push(V::I(now))));
    }
    if applied {
        sets.push(format!("applied_at = {}", p.push(V::I(now))));
    }
    let sql = format!(
        "UPDATE districting_plans SET {} WHERE id = {} AND {}",
        sets.join(", "),
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Replace a plan's JSON (when apply had to renumber a code that was taken meanwhile).
pub async fn set_plan_json(conn: &mut Conn, scope: &Scope, id: i64, plan_json: &str) -> Result<()> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE districting_plans SET plan_json = {} WHERE id = {} AND {}",
        p.push(V::T(plan_json.into())),
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    Ok(())
}

/// One recorded approval step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepRow {
    pub id: i64,
    pub step: String,
    pub seq: i64,
    pub record: String,
    /// Document names and notes, one per entry.
    pub documents: Vec<String>,
    pub decision: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

/// Record a step of a plan (fetched in scope by the caller). A second record of the same step
/// is refused by the unique index ([`Error::Conflict`] `step`).
#[allow(clippy::too_many_arguments)]
pub async fn insert_step(
    conn: &mut Conn,
    plan: &PlanRow,
    step: &str,
    seq: i64,
    record: &str,
    documents: &[String],
    decision: Option<&str>,
    actor_id: Option<i64>,
    actor_name: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO districting_steps (plan_id, step, seq, record, documents, decision, path, actor_id, actor_name, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(plan.id)
    .bind(step)
    .bind(seq)
    .bind(record)
    .bind(serde_json::to_string(documents).unwrap_or_else(|_| "[]".into()))
    .bind(decision)
    .bind(&plan.path)
    .bind(actor_id)
    .bind(actor_name)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "step"))
}

pub async fn steps_of(conn: &mut Conn, plan_id: i64) -> Result<Vec<StepRow>> {
    let rows = sqlx::query(
        "SELECT id, step, seq, record, documents, decision, actor_name, at FROM districting_steps WHERE plan_id = $1 ORDER BY seq, id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let docs: String = r.try_get("documents")?;
            Ok(StepRow {
                id: r.try_get("id")?,
                step: r.try_get("step")?,
                seq: i64_of(r, "seq")?,
                record: r.try_get("record")?,
                documents: serde_json::from_str(&docs).unwrap_or_default(),
                decision: r.try_get("decision")?,
                actor_name: r.try_get("actor_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CommentRow {
    pub id: i64,
    pub body: String,
    pub author_name: String,
    pub at: i64,
}

pub async fn insert_comment(
    conn: &mut Conn,
    plan: &PlanRow,
    body: &str,
    author_id: Option<i64>,
    author_name: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO districting_comments (plan_id, body, path, author_id, author_name, at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(plan.id)
    .bind(body)
    .bind(&plan.path)
    .bind(author_id)
    .bind(author_name)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn comments_of(conn: &mut Conn, plan_id: i64) -> Result<Vec<CommentRow>> {
    let rows = sqlx::query(
        "SELECT id, body, author_name, at FROM districting_comments WHERE plan_id = $1 ORDER BY id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommentRow {
                id: r.try_get("id")?,
                body: r.try_get("body")?,
                author_name: r.try_get("author_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VoteRow {
    pub id: i64,
    pub department: String,
    pub vote: String,
    pub note: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

/// Record (or change) a department's vote on a plan.
#[allow(clippy::too_many_arguments)]
pub async fn upsert_vote(
    conn: &mut Conn,
    plan: &PlanRow,
    department: &str,
    vote: &str,
    note: Option<&str>,
    actor_id: Option<i64>,
    actor_name: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO districting_votes (plan_id, department, vote, note, path, actor_id, actor_name, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) \
         ON CONFLICT (plan_id, department) DO UPDATE SET vote = excluded.vote, note = excluded.note, actor_id = excluded.actor_id, \
         actor_name = excluded.actor_name, at = excluded.at",
    )
    .bind(plan.id)
    .bind(department)
    .bind(vote)
    .bind(note)
    .bind(&plan.path)
    .bind(actor_id)
    .bind(actor_name)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn votes_of(conn: &mut Conn, plan_id: i64) -> Result<Vec<VoteRow>> {
    let rows = sqlx::query(
        "SELECT id, department, vote, note, actor_name, at FROM districting_votes WHERE plan_id = $1 ORDER BY id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VoteRow {
                id: r.try_get("id")?,
                department: r.try_get("department")?,
                vote: r.try_get("vote")?,
                note: r.try_get("note")?,
                actor_name: r.try_get("actor_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Applying a plan

/// Move the node at `old_path` (with everything below it: nodes, households, residents, party
/// organisations, barrier lines) under `new_parent`, rewriting every path in one statement per
/// table. The counts are not touched here (see [`move_stats`]). Returns the node's new path.
pub async fn move_subtree(
    conn: &mut Conn,
    node_id: i64,
    old_path: &str,
    new_parent: &Node,
) -> Result<String> {
    let new_path = jingzhi_domain::scope::child_path(&new_parent.path, node_id);
    for table in [
        "nodes",
        "households",
        "residents",
        "party_orgs",
        "barriers",
        "doctor_teams",
        "doctor_contracts",
        "care_records",
        "care_households",
        "care_hardships",
        "care_colours",
        "care_cases",
        "care_referrals",
        "force_members",
        "legal_cases",
        "job_seekers",
        "job_matches",
    ] {
        let mut p = Params::default();
        let np = p.push(V::T(new_path.clone()));
        // A literal: PostgreSQL has no substr(text, bigint).
        let len = old_path.len() + 1;
        let sql = format!(
            "UPDATE {table} SET path = {np} || substr(path, {len}) WHERE {}",
            p.range("path", old_path)
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE nodes SET parent_id = $1, updated_at = $2 WHERE id = $3")
        .bind(new_parent.id)
        .bind(now_ms())
        .bind(node_id)
        .execute(&mut *conn)
        .await?;
    Ok(new_path)
}

/// Set a node's boundary and label point. Only the values given are bound (a NULL bound first
/// would fix the parameter's type in sqlx's statement cache for PostgreSQL and break a later
/// call with a value), so the node is inserted without them and completed here.
pub async fn set_geometry(
    conn: &mut Conn,
    id: i64,
    boundary: Option<&str>,
    x: Option<f64>,
    y: Option<f64>,
) -> Result<()> {
    let mut p = Params::default();
    let mut sets = vec![];
    if let Some(b) = boundary {
        sets.push(format!("boundary = {}", p.push(V::T(b.to_string()))));
    }
    if let (Some(x), Some(y)) = (x, y) {
        sets.push(format!("x = {}", p.push(V::F(x))));
        sets.push(format!("y = {}", p.push(V::F(y))));
    }
    if sets.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE nodes SET {} WHERE id = {}",
        sets.join(", "),
        p.push(V::I(id))
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    Ok(())
}

/// The counts of one node (no scope: the caller holds the node).
pub async fn node_stats(conn: &mut Conn, node_id: i64) -> Result<Stats> {
    let root = Scope::new(0, "/");
    crate::registry::stats(conn, &root, node_id).await
}

/// Move a subtree's counts from the ancestors at `from_parent_path` to those at
/// `to_parent_path`.
pub async fn move_stats(
    conn: &mut Conn,
    s: &Stats,
    from_parent_path: &str,
    to_parent_path: &str,
) -> Result<()> {
    crate::registry::apply_stats_delta(conn, from_parent_path, &s.negated()).await?;
    crate::registry::apply_stats_delta(conn, to_parent_path, s).await
}

/// Remember which community the households below `under` belonged to before a plan moved them
/// (call before [`move_subtree`]).
pub async fn record_household_history(
    conn: &mut Conn,
    plan_id: i64,
    under: &str,
    from_community: i64,
    to_community: i64,
    at: i64,
) -> Result<u64> {
    let mut p = Params::default();
    let sql = format!(
        "INSERT INTO districting_household_history (plan_id, household_id, from_community_id, to_community_id, at) \
         SELECT {}, id, {}, {}, {} FROM households WHERE {}",
        p.push(V::I(plan_id)),
        p.push(V::I(from_community)),
        p.push(V::I(to_community)),
        p.push(V::I(at)),
        p.range("path", under)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// One node moved by an applied plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeMove {
    pub id: i64,
    pub plan_id: i64,
    pub node_id: i64,
    pub node_kind: String,
    pub node_code: String,
    pub node_name: String,
    pub from_parent_id: i64,
    pub from_parent_name: String,
    pub to_parent_id: i64,
    pub to_parent_name: String,
    pub from_path: String,
    pub to_path: String,
    pub at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn record_node_move(
    conn: &mut Conn,
    plan_id: i64,
    node_id: i64,
    kind: &str,
    from_parent: i64,
    to_parent: i64,
    from_path: &str,
    to_path: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO districting_node_moves (plan_id, node_id, node_kind, from_parent_id, to_parent_id, from_path, to_path, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(plan_id)
    .bind(node_id)
    .bind(kind)
    .bind(from_parent)
    .bind(to_parent)
    .bind(from_path)
    .bind(to_path)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The nodes an applied plan moved (the plan was fetched in scope by the caller).
pub async fn moves_of(conn: &mut Conn, plan_id: i64) -> Result<Vec<NodeMove>> {
    let rows = sqlx::query(
        "SELECT m.id, m.plan_id, m.node_id, m.node_kind, n.code AS node_code, n.name AS node_name, m.from_parent_id, \
         f.name AS from_parent_name, m.to_parent_id, t.name AS to_parent_name, m.from_path, m.to_path, m.at \
         FROM districting_node_moves m JOIN nodes n ON n.id = m.node_id JOIN nodes f ON f.id = m.from_parent_id \
         JOIN nodes t ON t.id = m.to_parent_id WHERE m.plan_id = $1 ORDER BY m.id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NodeMove {
                id: r.try_get("id")?,
                plan_id: r.try_get("plan_id")?,
                node_id: r.try_get("node_id")?,
                node_kind: r.try_get("node_kind")?,
                node_code: r.try_get("node_code")?,
                node_name: r.try_get("node_name")?,
                from_parent_id: r.try_get("from_parent_id")?,
                from_parent_name: r.try_get("from_parent_name")?,
                to_parent_id: r.try_get("to_parent_id")?,
                to_parent_name: r.try_get("to_parent_name")?,
                from_path: r.try_get("from_path")?,
                to_path: r.try_get("to_path")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// A household's earlier communities (the household is in the caller's scope).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CommunityChange {
    pub plan_id: i64,
    pub from_community_id: i64,
    pub from_community: String,
    pub to_community_id: i64,
    pub to_community: String,
    pub at: i64,
}

pub async fn household_history(
    conn: &mut Conn,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<CommunityChange>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT x.plan_id, x.from_community_id, f.name AS from_name, x.to_community_id, t.name AS to_name, x.at \
         FROM districting_household_history x JOIN households h ON h.id = x.household_id \
         JOIN nodes f ON f.id = x.from_community_id JOIN nodes t ON t.id = x.to_community_id \
         WHERE x.household_id = {} AND {} ORDER BY x.id",
        p.push(V::I(household_id)),
        p.range("h.path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CommunityChange {
                plan_id: r.try_get("plan_id")?,
                from_community_id: r.try_get("from_community_id")?,
                from_community: r.try_get("from_name")?,
                to_community_id: r.try_get("to_community_id")?,
                to_community: r.try_get("to_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}
