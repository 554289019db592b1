//! Family-doctor teams and contracts (docs/doctors.md). Teams belong to a street or community
//! and serve the places below it; contracts carry their resident's path, kept current by
//! household moves and redistricting, so a place's signing rate is one range count. The key
//! groups a contract covers are health data: sealed with the store's cipher, opened only for
//! the reads that show them.

use crate::emergency::ancestor_paths;
use crate::sql::{bind, Params, V};
use crate::{Cipher, Conn, Error, Result, Scope};
use jingzhi_domain::doctors::{groups_text, parse_groups_text, KeyGroup};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

// ---------------------------------------------------------------------------------------------
// Teams

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Team {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub code: String,
    pub name: String,
    pub institution: String,
    pub lead_doctor: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

const TEAM_SQL: &str = "SELECT t.id, t.node_id, n.name AS node_name, t.path, t.code, t.name, \
    t.institution, t.lead_doctor, t.created_at, t.retired_at \
    FROM doctor_teams t JOIN nodes n ON n.id = t.node_id";

fn team_from(r: &AnyRow) -> Result<Team> {
    Ok(Team {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        institution: r.try_get("institution")?,
        lead_doctor: r.try_get("lead_doctor")?,
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
    })
}

pub struct NewTeam<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub institution: &'a str,
    pub lead_doctor: &'a str,
    pub now: i64,
}

pub async fn insert_team(conn: &mut Conn, t: &NewTeam<'_>) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO doctor_teams (node_id, path, code, name, institution, lead_doctor, \
         created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(t.node_id)
    .bind(t.path)
    .bind(t.code)
    .bind(t.name)
    .bind(t.institution)
    .bind(t.lead_doctor)
    .bind(t.now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "code"))
}

/// Teams at a node (to number a new team's code).
pub async fn teams_at(conn: &mut Conn, node_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM doctor_teams WHERE node_id = $1")
            .bind(node_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// `t.path` inside the scope, or at one of the scope's ancestors (a street's team serves its
/// communities).
fn team_reach(p: &mut Params, scope: &Scope) -> String {
    let inside = p.range("t.path", &scope.path);
    let above: Vec<String> = ancestor_paths(&scope.path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    format!("({inside} OR t.path IN ({}))", above.join(","))
}

/// The teams a caller may see and pick: in their scope or above it, not retired (with
/// `retired`, those too), by place then name.
pub async fn list_teams(conn: &mut Conn, scope: &Scope, retired: bool) -> Result<Vec<Team>> {
    let mut p = Params::default();
    let reach = team_reach(&mut p, scope);
    let live = if retired {
        ""
    } else {
        " AND t.retired_at IS NULL"
    };
    let sql = format!("{TEAM_SQL} WHERE {reach}{live} ORDER BY t.path, t.name, t.id LIMIT 2000");
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(team_from)
        .collect()
}

/// A team the caller may see.
pub async fn get_team(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Team> {
    let mut p = Params::default();
    let sql = format!(
        "{TEAM_SQL} WHERE t.id = {} AND {}",
        p.push(V::I(id)),
        team_reach(&mut p, scope)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    team_from(&r)
}

// ---------------------------------------------------------------------------------------------
// Contracts

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contract {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub address: String,
    pub path: String,
    pub team_id: i64,
    pub team_name: String,
    pub institution: String,
    pub lead_doctor: String,
    pub signed_at: i64,
    pub ends_at: i64,
    /// The key groups, opened: only for the reads that show them (audited views).
    pub groups: Option<Vec<KeyGroup>>,
    pub created_by_name: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

const CONTRACT_SQL: &str = "SELECT c.id, c.resident_id, r.name AS resident_name, \
    h.address, c.path, c.team_id, t.name AS team_name, t.institution, t.lead_doctor, \
    c.signed_at, c.ends_at, c.groups_cipher, c.created_by_name, c.created_at, c.ended_at, \
    c.end_reason FROM doctor_contracts c JOIN residents r ON r.id = c.resident_id \
    JOIN households h ON h.id = r.household_id JOIN doctor_teams t ON t.id = c.team_id";

fn contract_from(r: &AnyRow, cipher: Option<&Cipher>) -> Result<Contract> {
    let groups = match cipher {
        Some(cipher) => {
            let sealed: Vec<u8> = r.try_get("groups_cipher")?;
            Some(parse_groups_text(&cipher.open(&sealed)?))
        }
        None => None,
    };
    Ok(Contract {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        resident_name: r.try_get("resident_name")?,
        address: r.try_get("address")?,
        path: r.try_get("path")?,
        team_id: r.try_get("team_id")?,
        team_name: r.try_get("team_name")?,
        institution: r.try_get("institution")?,
        lead_doctor: r.try_get("lead_doctor")?,
        signed_at: r.try_get("signed_at")?,
        ends_at: r.try_get("ends_at")?,
        groups,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        ended_at: r.try_get("ended_at")?,
        end_reason: r.try_get("end_reason")?,
    })
}

pub struct NewContract<'a> {
    pub resident_id: i64,
    pub path: &'a str,
    pub team_id: i64,
    pub signed_at: i64,
    pub ends_at: i64,
    pub groups: &'a [KeyGroup],
    pub created_by_id: Option<i64>,
    pub created_by_name: &'a str,
    pub now: i64,
}

pub async fn insert_contract(conn: &mut Conn, cipher: &Cipher, c: &NewContract<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO doctor_contracts (resident_id, path, team_id, signed_at, ends_at, \
         groups_cipher, created_by_id, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(c.resident_id)
    .bind(c.path)
    .bind(c.team_id)
    .bind(c.signed_at)
    .bind(c.ends_at)
    .bind(cipher.seal(&groups_text(c.groups)))
    .bind(c.created_by_id)
    .bind(c.created_by_name)
    .bind(c.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// `c` is live at `now` (the bound parameter).
fn live_cond(now: &str) -> String {
    format!("c.ended_at IS NULL AND c.signed_at <= {now} AND c.ends_at > {now}")
}

/// A resident's live contract, if any: (id, ends_at).
pub async fn live_of(conn: &mut Conn, resident_id: i64, now: i64) -> Result<Option<(i64, i64)>> {
    let mut p = Params::default();
    let r = p.push(V::I(resident_id));
    let n = p.push(V::I(now));
    let sql = format!(
        "SELECT c.id, c.ends_at FROM doctor_contracts c WHERE c.resident_id = {r} AND {} \
         ORDER BY c.ends_at DESC LIMIT 1",
        live_cond(&n)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("ends_at")?)))
        .transpose()
}

/// A contract in scope; its groups opened when `cipher` is given.
pub async fn get_contract(
    conn: &mut Conn,
    cipher: Option<&Cipher>,
    scope: &Scope,
    id: i64,
) -> Result<Contract> {
    let mut p = Params::default();
    let sql = format!(
        "{CONTRACT_SQL} WHERE c.id = {} AND {}",
        p.push(V::I(id)),
        p.range("c.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    contract_from(&r, cipher)
}

/// A resident's latest contract (live or not), groups opened.
pub async fn latest_of(
    conn: &mut Conn,
    cipher: &Cipher,
    resident_id: i64,
) -> Result<Option<Contract>> {
    let sql = format!(
        "{CONTRACT_SQL} WHERE c.resident_id = $1 ORDER BY c.signed_at DESC, c.id DESC LIMIT 1"
    );
    let r = sqlx::query(&sql)
        .bind(resident_id)
        .fetch_optional(&mut *conn)
        .await?;
    r.map(|r| contract_from(&r, Some(cipher))).transpose()
}

/// Which contracts a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Live at `now`, newest first.
    Live,
    /// Live and ending before `until`, soonest first (to renew).
    EndingBefore(i64),
    /// Every contract, live or not, newest first.
    All,
}

/// Contracts in scope; groups opened when `cipher` is given.
pub async fn list_contracts(
    conn: &mut Conn,
    cipher: Option<&Cipher>,
    scope: &Scope,
    which: Which,
    now: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<Contract>> {
    let mut p = Params::default();
    let inside = p.range("c.path", &scope.path);
    let (cond, order) = match which {
        Which::Live => {
            let n = p.push(V::I(now));
            (live_cond(&n), "c.signed_at DESC, c.id DESC")
        }
        Which::EndingBefore(until) => {
            let n = p.push(V::I(now));
            let u = p.push(V::I(until));
            (
                format!("{} AND c.ends_at <= {u}", live_cond(&n)),
                "c.ends_at, c.id",
            )
        }
        Which::All => ("1 = 1".to_string(), "c.signed_at DESC, c.id DESC"),
    };
    let sql = format!(
        "{CONTRACT_SQL} WHERE {inside} AND {cond} ORDER BY {order} LIMIT {} OFFSET {}",
        p.push(V::I(limit)),
        p.push(V::I(offset))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| contract_from(r, cipher))
        .collect()
}

/// End a live contract early. False when it was not live.
pub async fn end_contract(conn: &mut Conn, id: i64, reason: &str, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE doctor_contracts SET ended_at = $1, end_reason = $2 \
         WHERE id = $3 AND ended_at IS NULL AND ends_at > $1",
    )
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Key-group residents (tagged `family_doctor_key` in the register) under `path` with a live
/// contract: the numerator of the signing rate.
pub async fn signed_key(conn: &mut Conn, path: &str, now: i64) -> Result<i64> {
    let mut p = Params::default();
    let inside = p.range("c.path", path);
    let n = p.push(V::I(now));
    let sql = format!(
        "SELECT COUNT(DISTINCT c.resident_id) FROM doctor_contracts c \
         JOIN residents r ON r.id = c.resident_id \
         WHERE {inside} AND {} AND r.family_doctor_key = TRUE",
        live_cond(&n)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get::<i64, _>(0)?)
}

/// A key-group resident without a live contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unsigned {
    pub resident_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub disability_grade: Option<i32>,
    pub address: String,
    pub path: String,
}

/// Key-group residents in scope without a live contract, by place (`path`, `id`).
pub async fn unsigned(
    conn: &mut Conn,
    scope: &Scope,
    now: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<Unsigned>> {
    let mut p = Params::default();
    let inside = p.range("r.path", &scope.path);
    let n = p.push(V::I(now));
    let sql = format!(
        "SELECT r.id, r.name, r.gender, r.birth_date, r.disability_grade, h.address, r.path \
         FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE {inside} AND r.family_doctor_key = TRUE AND NOT EXISTS \
         (SELECT 1 FROM doctor_contracts c WHERE c.resident_id = r.id AND {}) \
         ORDER BY r.path, r.id LIMIT {} OFFSET {}",
        live_cond(&n),
        p.push(V::I(limit)),
        p.push(V::I(offset))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Unsigned {
                resident_id: r.try_get("id")?,
                name: r.try_get("name")?,
                gender: r.try_get("gender")?,
                birth_date: r.try_get("birth_date")?,
                disability_grade: r.try_get("disability_grade")?,
                address: r.try_get("address")?,
                path: r.try_get("path")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The demo city

/// Sign, in one statement, about `percent` of the key-group residents under `path` who have no
/// contract yet, with `team_id`: those whose `id % 100 < percent`. Signed between 359 days ago
/// and today (so some end within a month), for a year; the groups chosen from the register
/// (disabled, elderly from `elderly_born_before`, child from `child_born_after`, otherwise
/// chronic illness), each combination sealed once (`sealed`: elderly, disabled, child,
/// chronic — demo data only: equal groups share one sealed value). Returns the rows added.
#[allow(clippy::too_many_arguments)]
pub async fn seed_contracts(
    conn: &mut Conn,
    path: &str,
    team_id: i64,
    percent: i64,
    elderly_born_before: &str,
    child_born_after: &str,
    sealed: [Vec<u8>; 4],
    now: i64,
) -> Result<u64> {
    let day = jingzhi_domain::doctors::DAY_MS;
    let mut p = Params::default();
    let inside = p.range("r.path", path);
    let [elderly, disabled, child, chronic] = sealed;
    let (e, d, ch, cr) = (
        p.push(V::B(elderly)),
        p.push(V::B(disabled)),
        p.push(V::B(child)),
        p.push(V::B(chronic)),
    );
    let old = p.push(V::T(elderly_born_before.to_string()));
    let young = p.push(V::T(child_born_after.to_string()));
    // Literals for the arithmetic (they are ours), in BIGINT: PostgreSQL would multiply small
    // literals as INTEGER and overflow.
    let back = format!("CAST(r.id % 360 AS BIGINT) * CAST({day} AS BIGINT)");
    let year = format!("CAST({} AS BIGINT)", 365 * day);
    let sql = format!(
        "INSERT INTO doctor_contracts (resident_id, path, team_id, signed_at, ends_at, \
         groups_cipher, created_by_id, created_by_name, created_at) \
         SELECT r.id, r.path, {team_id}, {now} - {back}, {now} - {back} + {year}, \
         CASE WHEN r.disability_grade IS NOT NULL THEN {d} WHEN r.birth_date < {old} THEN {e} \
         WHEN r.birth_date > {young} THEN {ch} ELSE {cr} END, NULL, '演示数据', {now} \
         FROM residents r WHERE {inside} AND r.family_doctor_key = TRUE \
         AND r.id % 100 < {percent} \
         AND NOT EXISTS (SELECT 1 FROM doctor_contracts c WHERE c.resident_id = r.id)"
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Every community with its street's and district's names, by code (the demo's teams).
pub async fn communities_for_demo(conn: &mut Conn) -> Result<Vec<(i64, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT n.id, n.name, s.name AS street, d.name AS district FROM nodes n \
         JOIN nodes s ON s.id = n.parent_id JOIN nodes d ON d.id = s.parent_id \
         WHERE n.kind = 'community' ORDER BY n.code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("street")?,
                r.try_get("district")?,
            ))
        })
        .collect()
}
