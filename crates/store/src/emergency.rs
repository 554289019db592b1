//! Teams, incidents, the households each incident covers and their checks (docs/emergency.md).
//! Staff reach teams and incidents through their scope: a team or an incident of a place inside
//! it, or an incident over a place above it (a district's typhoon reaches its communities), whose
//! households are then read inside the scope only. Team members reach an incident through the
//! teams it activated (the app checks which household).

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::emergency::{Board, CheckStatus, IncidentKind, Reasons, TeamKind};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

/// "1/2/3/" → "1/", "1/2/", "1/2/3/".
pub fn ancestor_paths(path: &str) -> Vec<String> {
    path.match_indices('/')
        .map(|(i, _)| path[..=i].to_string())
        .collect()
}

/// `col` is the scope's path or one of its ancestors' (`col IN (…)`).
fn at_or_above(p: &mut Params, col: &str, path: &str) -> String {
    let list: Vec<String> = ancestor_paths(path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    format!("{col} IN ({})", list.join(","))
}

// ---------------------------------------------------------------------------------------------
// Teams

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Team {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub kind: TeamKind,
    pub name: String,
    pub leader_user_id: Option<i64>,
    pub leader_name: Option<String>,
    pub members: i64,
    pub created_at: i64,
}

const TEAM_SQL: &str = "SELECT t.id, t.node_id, n.name AS node_name, t.path, t.kind, t.name, \
    t.leader_user_id, u.display_name AS leader_name, t.created_at, \
    (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members \
    FROM teams t JOIN nodes n ON n.id = t.node_id LEFT JOIN users u ON u.id = t.leader_user_id";

fn team_from(r: &AnyRow) -> Result<Team> {
    let kind: String = r.try_get("kind")?;
    Ok(Team {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        kind: TeamKind::parse(&kind).ok_or_else(|| decode("team kind", &kind))?,
        name: r.try_get("name")?,
        leader_user_id: r.try_get("leader_user_id")?,
        leader_name: r.try_get("leader_name")?,
        members: r.try_get("members")?,
        created_at: r.try_get("created_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_team(
    conn: &mut Conn,
    node_id: i64,
    path: &str,
    kind: TeamKind,
    name: &str,
    leader: Option<i64>,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO teams (node_id, path, kind, name, leader_user_id, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(node_id)
    .bind(path)
    .bind(kind.as_str())
    .bind(name)
    .bind(leader)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A team of a place inside the scope.
pub async fn get_team(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Team> {
    let mut p = Params::default();
    let sql = format!(
        "{TEAM_SQL} WHERE t.id = {} AND {}",
        p.push(V::I(id)),
        p.range("t.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    team_from(&r)
}

/// Teams of the places inside the scope, and of the places above it (whose members may be
/// sent into it), by place and name.
pub async fn teams(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Team>> {
    let mut p = Params::default();
    let sql = format!(
        "{TEAM_SQL} WHERE {} OR {} ORDER BY t.path, t.kind, t.name LIMIT {}",
        p.range("t.path", &scope.path),
        at_or_above(&mut p, "t.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(team_from).collect()
}

/// Teams whose id the subquery (`… = $1`) gives, by place and name.
async fn teams_in(conn: &mut Conn, ids: &str, id: i64) -> Result<Vec<Team>> {
    let sql = format!("{TEAM_SQL} WHERE t.id IN ({ids}) ORDER BY t.path, t.name");
    let rows = sqlx::query(&sql).bind(id).fetch_all(&mut *conn).await?;
    rows.iter().map(team_from).collect()
}

/// The teams a user belongs to.
pub async fn teams_of_user(conn: &mut Conn, user_id: i64) -> Result<Vec<Team>> {
    teams_in(
        conn,
        "SELECT team_id FROM team_members WHERE user_id = $1",
        user_id,
    )
    .await
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub skills: String,
    pub joined_at: i64,
}

pub async fn members(conn: &mut Conn, team_id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.user_id, u.username, u.display_name, u.role, m.skills, m.joined_at \
         FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 \
         ORDER BY m.joined_at, m.user_id",
    )
    .bind(team_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: r.try_get("role")?,
                skills: r.try_get("skills")?,
                joined_at: r.try_get("joined_at")?,
            })
        })
        .collect()
}

/// Add a member; false when they are one already.
pub async fn add_member(
    conn: &mut Conn,
    team_id: i64,
    user_id: i64,
    skills: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO team_members (team_id, user_id, skills, joined_at) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (team_id, user_id) DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(skills)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn remove_member(conn: &mut Conn, team_id: i64, user_id: i64) -> Result<bool> {
    let n = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        sqlx::query("UPDATE teams SET leader_user_id = NULL WHERE id = $1 AND leader_user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n == 1)
}

pub async fn set_leader(conn: &mut Conn, team_id: i64, user_id: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE teams SET leader_user_id = $1 WHERE id = $2")
        .bind(user_id)
        .bind(team_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Incidents

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub kind: IncidentKind,
    pub title: String,
    pub retry_minutes: i64,
    pub declared_by_id: Option<i64>,
    pub declared_by_name: String,
    pub declared_at: i64,
    pub stood_down_at: Option<i64>,
    pub stood_down_by_name: Option<String>,
}

const INCIDENT_SQL: &str = "SELECT i.id, i.node_id, n.name AS node_name, i.path, i.kind, \
    i.title, i.retry_minutes, i.declared_by_id, i.declared_by_name, i.declared_at, \
    i.stood_down_at, i.stood_down_by_name FROM incidents i JOIN nodes n ON n.id = i.node_id";

fn incident_from(r: &AnyRow) -> Result<Incident> {
    let kind: String = r.try_get("kind")?;
    Ok(Incident {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        kind: IncidentKind::parse(&kind).ok_or_else(|| decode("incident kind", &kind))?,
        title: r.try_get("title")?,
        retry_minutes: r.try_get("retry_minutes")?,
        declared_by_id: r.try_get("declared_by_id")?,
        declared_by_name: r.try_get("declared_by_name")?,
        declared_at: r.try_get("declared_at")?,
        stood_down_at: r.try_get("stood_down_at")?,
        stood_down_by_name: r.try_get("stood_down_by_name")?,
    })
}

pub struct NewIncident<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub kind: IncidentKind,
    pub title: &'a str,
    pub retry_minutes: i64,
    pub by_id: Option<i64>,
    pub by: &'a str,
    pub now: i64,
}

/// The incident, its teams (those of its place, above or below it) and its households: every
/// household in the place with a resident tagged elderly living alone, disabled, low-income or
/// child in difficulty, all pending. Returns the id. Assign the checkers with [`assign`].
pub async fn insert_incident(conn: &mut Conn, i: &NewIncident<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incidents (node_id, path, kind, title, retry_minutes, declared_by_id, \
         declared_by_name, declared_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(i.node_id)
    .bind(i.path)
    .bind(i.kind.as_str())
    .bind(i.title)
    .bind(i.retry_minutes)
    .bind(i.by_id)
    .bind(i.by)
    .bind(i.now)
    .fetch_one(&mut *conn)
    .await?;
    let mut p = Params::default();
    let sql = format!(
        "INSERT INTO incident_teams (incident_id, team_id) SELECT {}, t.id FROM teams t \
         WHERE {} OR {}",
        p.push(V::I(id)),
        p.range("t.path", i.path),
        at_or_above(&mut p, "t.path", i.path)
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    let mut p = Params::default();
    let sql = format!(
        "INSERT INTO incident_households (incident_id, household_id, building_id, path, reasons, \
         status, checks, escalations) \
         SELECT {id}, h.id, h.building_id, h.path, \
           MAX(CASE WHEN r.elderly_alone THEN {ea} ELSE 0 END) \
         + MAX(CASE WHEN r.disability_grade IS NOT NULL THEN {d} ELSE 0 END) \
         + MAX(CASE WHEN r.low_income IS NOT NULL THEN {li} ELSE 0 END) \
         + MAX(CASE WHEN r.child_in_difficulty THEN {c} ELSE 0 END), 'pending', 0, 0 \
         FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE {range} AND (r.elderly_alone OR r.disability_grade IS NOT NULL \
           OR r.low_income IS NOT NULL OR r.child_in_difficulty) \
         GROUP BY h.id, h.building_id, h.path",
        id = p.push(V::I(id)),
        ea = Reasons::ELDERLY_ALONE,
        d = Reasons::DISABLED,
        li = Reasons::LOW_INCOME,
        c = Reasons::CHILD_IN_DIFFICULTY,
        range = p.range("r.path", i.path),
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    Ok(id)
}

/// The buildings of an incident's households (id, path), by path.
pub async fn incident_buildings(conn: &mut Conn, incident_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT ih.building_id, n.path FROM incident_households ih \
         JOIN nodes n ON n.id = ih.building_id WHERE ih.incident_id = $1 ORDER BY n.path",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("building_id")?, r.try_get("path")?)))
        .collect()
}

/// The members of an incident's teams with their team's path.
pub async fn incident_checkers(conn: &mut Conn, incident_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT m.user_id, t.path FROM incident_teams it JOIN teams t ON t.id = it.team_id \
         JOIN team_members m ON m.team_id = t.id JOIN users u ON u.id = m.user_id \
         WHERE it.incident_id = $1 AND NOT u.disabled ORDER BY t.path, m.joined_at, m.user_id",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("path")?)))
        .collect()
}

/// Set who checks the households of each building (`None`: staff).
pub async fn assign(
    conn: &mut Conn,
    incident_id: i64,
    assignment: &[(i64, Option<i64>)],
) -> Result<()> {
    use std::collections::BTreeMap;
    let mut by_user: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (b, u) in assignment {
        if let Some(u) = u {
            by_user.entry(*u).or_default().push(*b);
        }
    }
    for (u, buildings) in by_user {
        for chunk in buildings.chunks(500) {
            let mut p = Params::default();
            let list: Vec<String> = chunk.iter().map(|b| p.push(V::I(*b))).collect();
            let sql = format!(
                "UPDATE incident_households SET assignee_user_id = {} \
                 WHERE incident_id = {} AND building_id IN ({})",
                p.push(V::I(u)),
                p.push(V::I(incident_id)),
                list.join(",")
            );
            bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// An incident over a place inside the scope or above it.
pub async fn get_incident(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Incident> {
    let mut p = Params::default();
    let sql = format!(
        "{INCIDENT_SQL} WHERE i.id = {} AND ({} OR {})",
        p.push(V::I(id)),
        p.range("i.path", &scope.path),
        at_or_above(&mut p, "i.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    incident_from(&r)
}

/// An incident one of whose teams has the user as a member, with the paths of those teams.
pub async fn incident_for_member(
    conn: &mut Conn,
    user_id: i64,
    id: i64,
) -> Result<(Incident, Vec<String>)> {
    let rows = sqlx::query(
        "SELECT t.path FROM incident_teams it JOIN teams t ON t.id = it.team_id \
         JOIN team_members m ON m.team_id = t.id WHERE it.incident_id = $1 AND m.user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Err(Error::NotFound);
    }
    let paths = rows
        .iter()
        .map(|r| r.try_get("path"))
        .collect::<std::result::Result<Vec<String>, _>>()?;
    let sql = format!("{INCIDENT_SQL} WHERE i.id = $1");
    let r = sqlx::query(&sql).bind(id).fetch_one(&mut *conn).await?;
    Ok((incident_from(&r)?, paths))
}

/// Incidents over places inside the scope or above it, newest first.
pub async fn incidents(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Incident>> {
    let mut p = Params::default();
    let sql = format!(
        "{INCIDENT_SQL} WHERE {} OR {} ORDER BY i.declared_at DESC, i.id DESC LIMIT {}",
        p.range("i.path", &scope.path),
        at_or_above(&mut p, "i.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(incident_from).collect()
}

/// Active incidents whose teams have the user as a member, newest first.
pub async fn incidents_of_member(conn: &mut Conn, user_id: i64) -> Result<Vec<Incident>> {
    let sql = format!(
        "{INCIDENT_SQL} WHERE i.stood_down_at IS NULL AND i.id IN (SELECT it.incident_id \
         FROM incident_teams it JOIN team_members m ON m.team_id = it.team_id WHERE m.user_id = $1) \
         ORDER BY i.declared_at DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(incident_from).collect()
}

/// The user ids of an incident's team members (to tell them).
pub async fn member_ids(conn: &mut Conn, incident_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT m.user_id FROM incident_teams it JOIN team_members m \
         ON m.team_id = it.team_id JOIN users u ON u.id = m.user_id \
         WHERE it.incident_id = $1 AND NOT u.disabled ORDER BY m.user_id",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The scope path of each user given (to file a notification where its reader sees it).
pub async fn scope_paths(conn: &mut Conn, user_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(500) {
        let mut p = Params::default();
        let list: Vec<String> = chunk.iter().map(|u| p.push(V::I(*u))).collect();
        let sql = format!(
            "SELECT u.id, n.path FROM users u JOIN nodes n ON n.id = u.scope_node_id \
             WHERE u.id IN ({}) ORDER BY u.id",
            list.join(",")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            out.push((r.try_get("id")?, r.try_get("path")?));
        }
    }
    Ok(out)
}

/// The teams an incident activated.
pub async fn incident_teams(conn: &mut Conn, incident_id: i64) -> Result<Vec<Team>> {
    teams_in(
        conn,
        "SELECT team_id FROM incident_teams WHERE incident_id = $1",
        incident_id,
    )
    .await
}

/// When the incident was stood down (read inside a write transaction before a check).
pub async fn stood_down_at(conn: &mut Conn, id: i64) -> Result<Option<i64>> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT stood_down_at FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    v.ok_or(Error::NotFound)
}

/// Stand down; false when it was stood down already.
pub async fn stand_down(conn: &mut Conn, id: i64, by: &str, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE incidents SET stood_down_at = $1, stood_down_by_name = $2 \
         WHERE id = $3 AND stood_down_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Households of an incident and their checks

/// A household an incident covers, with its latest check.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Covered {
    pub household_id: i64,
    pub building_id: i64,
    pub building_name: String,
    pub address: String,
    /// The household head's name, or its first resident's (mask it for anyone but staff).
    pub head_name: Option<String>,
    pub path: String,
    pub reasons: Reasons,
    pub assignee_user_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub status: CheckStatus,
    pub last_check_at: Option<i64>,
    pub checks: i64,
    pub escalated_at: Option<i64>,
    pub escalations: i64,
    pub event_id: Option<i64>,
}

const COVERED_SQL: &str = "SELECT ih.household_id, ih.building_id, b.name AS building_name, \
    h.address, COALESCE(hr.name, (SELECT r2.name FROM residents r2 \
    WHERE r2.household_id = h.id ORDER BY r2.id LIMIT 1)) AS head_name, ih.path, ih.reasons, ih.assignee_user_id, \
    u.display_name AS assignee_name, ih.status, ih.last_check_at, ih.checks, ih.escalated_at, \
    ih.escalations, ih.event_id FROM incident_households ih \
    JOIN households h ON h.id = ih.household_id JOIN nodes b ON b.id = ih.building_id \
    LEFT JOIN residents hr ON hr.id = h.head_id LEFT JOIN users u ON u.id = ih.assignee_user_id";

fn covered_from(r: &AnyRow) -> Result<Covered> {
    let status: String = r.try_get("status")?;
    Ok(Covered {
        household_id: r.try_get("household_id")?,
        building_id: r.try_get("building_id")?,
        building_name: r.try_get("building_name")?,
        address: r.try_get("address")?,
        head_name: r.try_get("head_name")?,
        path: r.try_get("path")?,
        reasons: Reasons(r.try_get::<i64, _>("reasons")? as u8),
        assignee_user_id: r.try_get("assignee_user_id")?,
        assignee_name: r.try_get("assignee_name")?,
        status: CheckStatus::parse(&status).ok_or_else(|| decode("check status", &status))?,
        last_check_at: r.try_get("last_check_at")?,
        checks: r.try_get("checks")?,
        escalated_at: r.try_get("escalated_at")?,
        escalations: r.try_get("escalations")?,
        event_id: r.try_get("event_id")?,
    })
}

/// `(col in one of the paths' ranges)`.
fn within_any(p: &mut Params, col: &str, paths: &[String]) -> String {
    let ranges: Vec<String> = paths.iter().map(|x| p.range(col, x)).collect();
    format!("({})", ranges.join(" OR "))
}

/// One household of an incident inside the places the caller reaches (`within`).
pub async fn covered(
    conn: &mut Conn,
    incident_id: i64,
    household_id: i64,
    within: &[String],
) -> Result<Covered> {
    let mut p = Params::default();
    let sql = format!(
        "{COVERED_SQL} WHERE ih.incident_id = {} AND ih.household_id = {} AND {}",
        p.push(V::I(incident_id)),
        p.push(V::I(household_id)),
        within_any(&mut p, "ih.path", within)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    covered_from(&r)
}

/// Which households of an incident a list shows.
#[derive(Debug, Clone, Default)]
pub struct CoveredFilter {
    /// Inside this path (the caller's scope, or a member's team's place).
    pub within: Vec<String>,
    pub assignee: Option<i64>,
    pub status: Option<CheckStatus>,
    pub building_id: Option<i64>,
}

/// Households of an incident, by address.
pub async fn covered_list(
    conn: &mut Conn,
    incident_id: i64,
    f: &CoveredFilter,
    limit: i64,
) -> Result<Vec<Covered>> {
    let mut p = Params::default();
    let mut w = vec![format!("ih.incident_id = {}", p.push(V::I(incident_id)))];
    w.push(within_any(&mut p, "ih.path", &f.within));
    if let Some(u) = f.assignee {
        w.push(format!("ih.assignee_user_id = {}", p.push(V::I(u))));
    }
    if let Some(s) = f.status {
        w.push(format!("ih.status = {}", p.push(V::T(s.as_str().into()))));
    }
    if let Some(b) = f.building_id {
        w.push(format!("ih.building_id = {}", p.push(V::I(b))));
    }
    let sql = format!(
        "{COVERED_SQL} WHERE {} ORDER BY ih.path, h.address LIMIT {}",
        w.join(" AND "),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(covered_from).collect()
}

/// Add a household to an incident by hand; false when it is covered already.
pub async fn add_household(
    conn: &mut Conn,
    incident_id: i64,
    household_id: i64,
    building_id: i64,
    path: &str,
    assignee: Option<i64>,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO incident_households (incident_id, household_id, building_id, path, reasons, \
         assignee_user_id, status, checks, escalations) VALUES ($1,$2,$3,$4,$5,$6,'pending',0,0) \
         ON CONFLICT (incident_id, household_id) DO NOTHING",
    )
    .bind(incident_id)
    .bind(household_id)
    .bind(building_id)
    .bind(path)
    .bind(Reasons::ADDED as i64)
    .bind(assignee)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Who checks a building's other households of the incident already (to give an added one the
/// same checker).
pub async fn building_assignee(
    conn: &mut Conn,
    incident_id: i64,
    building_id: i64,
) -> Result<Option<i64>> {
    let v: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT MAX(assignee_user_id) FROM incident_households \
         WHERE incident_id = $1 AND building_id = $2",
    )
    .bind(incident_id)
    .bind(building_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(v.flatten())
}

/// A check as kept.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub id: i64,
    pub household_id: i64,
    pub status: CheckStatus,
    pub note: String,
    pub by_name: String,
    pub checked_at: i64,
}

/// Record a check and make it the household's latest.
#[allow(clippy::too_many_arguments)]
pub async fn insert_check(
    conn: &mut Conn,
    incident_id: i64,
    household_id: i64,
    status: CheckStatus,
    note: &str,
    by_id: Option<i64>,
    by: &str,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incident_checks (incident_id, household_id, status, note, by_user_id, \
         by_name, checked_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(incident_id)
    .bind(household_id)
    .bind(status.as_str())
    .bind(note)
    .bind(by_id)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE incident_households SET status = $1, last_check_at = $2, checks = checks + 1 \
         WHERE incident_id = $3 AND household_id = $4",
    )
    .bind(status.as_str())
    .bind(now)
    .bind(incident_id)
    .bind(household_id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Link the event a household needing help became; false when another check linked one first.
pub async fn set_event(
    conn: &mut Conn,
    incident_id: i64,
    household_id: i64,
    event_id: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE incident_households SET event_id = $1 \
         WHERE incident_id = $2 AND household_id = $3 AND event_id IS NULL",
    )
    .bind(event_id)
    .bind(incident_id)
    .bind(household_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Every check of a household in an incident, oldest first.
pub async fn checks_of(conn: &mut Conn, incident_id: i64, household_id: i64) -> Result<Vec<Check>> {
    let rows = sqlx::query(
        "SELECT id, household_id, status, note, by_name, checked_at FROM incident_checks \
         WHERE incident_id = $1 AND household_id = $2 ORDER BY checked_at, id",
    )
    .bind(incident_id)
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("status")?;
            Ok(Check {
                id: r.try_get("id")?,
                household_id: r.try_get("household_id")?,
                status: CheckStatus::parse(&s).ok_or_else(|| decode("check status", &s))?,
                note: r.try_get("note")?,
                by_name: r.try_get("by_name")?,
                checked_at: r.try_get("checked_at")?,
            })
        })
        .collect()
}

/// Counts by building (building id, name, path) inside `within`, and the total.
pub async fn board(
    conn: &mut Conn,
    incident_id: i64,
    within: &str,
) -> Result<(Board, Vec<(i64, String, String, Board)>)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT ih.building_id, b.name, b.path, ih.status, COUNT(*) AS n \
         FROM incident_households ih JOIN nodes b ON b.id = ih.building_id \
         WHERE ih.incident_id = {} AND {} \
         GROUP BY ih.building_id, b.name, b.path, ih.status ORDER BY b.path",
        p.push(V::I(incident_id)),
        p.range("ih.path", within)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut total = Board::default();
    let mut out: Vec<(i64, String, String, Board)> = Vec::new();
    for r in &rows {
        let s: String = r.try_get("status")?;
        let status = CheckStatus::parse(&s).ok_or_else(|| decode("check status", &s))?;
        let n: i64 = r.try_get("n")?;
        let b: i64 = r.try_get("building_id")?;
        total.add(status, n);
        match out.last_mut() {
            Some(last) if last.0 == b => last.3.add(status, n),
            _ => {
                let mut bd = Board::default();
                bd.add(status, n);
                out.push((b, r.try_get("name")?, r.try_get("path")?, bd));
            }
        }
    }
    Ok((total, out))
}

/// The grids inside a path (id, name, path), to sum a board by grid.
pub async fn grids_within(conn: &mut Conn, path: &str) -> Result<Vec<(i64, String, String)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, name, path FROM nodes WHERE kind = 'grid' AND {} ORDER BY path",
        p.range("path", path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("path")?)))
        .collect()
}

/// Figures for the after-action report: the first check, the last time a household was reached,
/// checks recorded, households checked more than once, escalated, turned into events.
pub async fn after_action_figures(
    conn: &mut Conn,
    incident_id: i64,
    within: &str,
) -> Result<(Option<i64>, Option<i64>, i64, i64, i64, i64)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT MIN(c.checked_at) AS first_at, CAST(COUNT(*) AS BIGINT) AS n \
         FROM incident_checks c JOIN incident_households ih \
         ON ih.incident_id = c.incident_id AND ih.household_id = c.household_id \
         WHERE c.incident_id = {} AND {}",
        p.push(V::I(incident_id)),
        p.range("ih.path", within)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    let first: Option<i64> = r.try_get("first_at")?;
    let checks: i64 = r.try_get("n")?;
    let mut p = Params::default();
    let sql = format!(
        "SELECT MAX(CASE WHEN status IN ('safe','needs_help') THEN last_check_at END) AS reached, \
         CAST(SUM(CASE WHEN checks > 1 THEN 1 ELSE 0 END) AS BIGINT) AS retried, \
         CAST(SUM(CASE WHEN escalations > 0 THEN 1 ELSE 0 END) AS BIGINT) AS escalated, \
         CAST(SUM(CASE WHEN event_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS events \
         FROM incident_households ih WHERE ih.incident_id = {} AND {}",
        p.push(V::I(incident_id)),
        p.range("ih.path", within)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok((
        first,
        r.try_get("reached")?,
        checks,
        r.try_get::<Option<i64>, _>("retried")?.unwrap_or(0),
        r.try_get::<Option<i64>, _>("escalated")?.unwrap_or(0),
        r.try_get::<Option<i64>, _>("events")?.unwrap_or(0),
    ))
}

/// Unreachable households of active incidents inside the scope whose last check is older than
/// their incident's retry time and not escalated since: (incident, household, path).
pub async fn due_escalations(
    conn: &mut Conn,
    scope: &Scope,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, String)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT ih.incident_id, ih.household_id, ih.path FROM incident_households ih \
         JOIN incidents i ON i.id = ih.incident_id \
         WHERE i.stood_down_at IS NULL AND ih.status = 'unreachable' AND {} \
         AND ih.last_check_at <= {} - i.retry_minutes * 60000 \
         AND (ih.escalated_at IS NULL OR ih.escalated_at < ih.last_check_at) \
         ORDER BY ih.incident_id, ih.household_id LIMIT {}",
        p.range("ih.path", &scope.path),
        p.push(V::I(now)),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("incident_id")?,
                r.try_get("household_id")?,
                r.try_get("path")?,
            ))
        })
        .collect()
}

/// Mark an escalation; false when another run did it meanwhile.
pub async fn mark_escalated(
    conn: &mut Conn,
    incident_id: i64,
    household_id: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE incident_households SET escalated_at = $1, escalations = escalations + 1 \
         WHERE incident_id = $2 AND household_id = $3 AND status = 'unreachable' \
         AND (escalated_at IS NULL OR escalated_at < last_check_at)",
    )
    .bind(now)
    .bind(incident_id)
    .bind(household_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The staff who manage a place (community workers and officers whose scope holds it), to tell
/// them of an escalation.
pub async fn managers_of(conn: &mut Conn, path: &str) -> Result<Vec<i64>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT u.id FROM users u JOIN nodes n ON n.id = u.scope_node_id \
         WHERE NOT u.disabled AND u.role IN ('community-worker','street-officer') AND {} \
         ORDER BY u.id",
        at_or_above(&mut p, "n.path", path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ancestors_of_a_path() {
        assert_eq!(
            super::ancestor_paths("1/23/456/"),
            vec!["1/", "1/23/", "1/23/456/"]
        );
    }
}
