//! Volunteer service hours (docs/volunteering.md). Entries carry their team's path, so managers'
//! reads are confined to their scope in the query; volunteers read their own, leaders their
//! teams'.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::volunteering::HoursStatus;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hours {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub leader_user_id: Option<i64>,
    pub user_id: i64,
    pub volunteer_name: String,
    pub path: String,
    pub served_at: i64,
    pub minutes: i64,
    pub activity: String,
    pub logged_at: i64,
    pub status: HoursStatus,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
}

const HOURS_SQL: &str =
    "SELECT h.id, h.team_id, t.name AS team_name, t.leader_user_id, h.user_id, \
    u.display_name AS volunteer_name, h.path, h.served_at, h.minutes, h.activity, h.logged_at, \
    h.status, h.decided_by_name, h.decided_at, h.reason \
    FROM volunteer_hours h JOIN teams t ON t.id = h.team_id JOIN users u ON u.id = h.user_id";

fn hours_from(r: &AnyRow) -> Result<Hours> {
    let st: String = r.try_get("status")?;
    Ok(Hours {
        id: r.try_get("id")?,
        team_id: r.try_get("team_id")?,
        team_name: r.try_get("team_name")?,
        leader_user_id: r.try_get("leader_user_id")?,
        user_id: r.try_get("user_id")?,
        volunteer_name: r.try_get("volunteer_name")?,
        path: r.try_get("path")?,
        served_at: r.try_get("served_at")?,
        minutes: r.try_get("minutes")?,
        activity: r.try_get("activity")?,
        logged_at: r.try_get("logged_at")?,
        status: HoursStatus::parse(&st)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad status {st}").into())))?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        reason: r.try_get("reason")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    team_id: i64,
    user_id: i64,
    path: &str,
    served_at: i64,
    minutes: i64,
    activity: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_hours (team_id, user_id, path, served_at, minutes, activity, \
         logged_at, status) VALUES ($1,$2,$3,$4,$5,$6,$7,'pending') RETURNING id",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(path)
    .bind(served_at)
    .bind(minutes)
    .bind(activity)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Hours> {
    let sql = format!("{HOURS_SQL} WHERE h.id = $1");
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    hours_from(&r)
}

/// Decide a pending entry; false when it was decided already.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    status: HoursStatus,
    by_id: Option<i64>,
    by: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE volunteer_hours SET status = $1, decided_by_id = $2, decided_by_name = $3, \
         reason = $4, decided_at = $5 WHERE id = $6 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(by_id)
    .bind(by)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// A volunteer's own entries, newest first.
pub async fn of_user(conn: &mut Conn, user_id: i64, limit: i64) -> Result<Vec<Hours>> {
    let sql =
        format!("{HOURS_SQL} WHERE h.user_id = $1 ORDER BY h.served_at DESC, h.id DESC LIMIT $2");
    sqlx::query(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(hours_from)
        .collect()
}

/// Pending entries the caller may decide: of the teams they lead, and (managers) of the teams
/// of places inside their scope; never their own.
pub async fn to_decide(
    conn: &mut Conn,
    user_id: i64,
    scope: Option<&Scope>,
    limit: i64,
) -> Result<Vec<Hours>> {
    let mut p = Params::default();
    let me = p.push(V::I(user_id));
    let mut who = format!("t.leader_user_id = {me}");
    if let Some(s) = scope {
        who = format!("({who} OR {})", p.range("h.path", &s.path));
    }
    let sql = format!(
        "{HOURS_SQL} WHERE h.status = 'pending' AND h.user_id <> {me} AND {who} \
         ORDER BY h.served_at, h.id LIMIT {}",
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(hours_from)
        .collect()
}

/// Confirmed hours per volunteer and team: of the teams a user leads, or (managers) of the
/// places inside their scope.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Total {
    pub user_id: i64,
    pub volunteer_name: String,
    pub team_id: i64,
    pub team_name: String,
    pub place: String,
    pub minutes: i64,
    pub entries: i64,
}

pub async fn totals(
    conn: &mut Conn,
    leader: i64,
    scope: Option<&Scope>,
    since: i64,
    limit: i64,
) -> Result<Vec<Total>> {
    let mut p = Params::default();
    let mut who = format!("t.leader_user_id = {}", p.push(V::I(leader)));
    if let Some(s) = scope {
        who = format!("({who} OR {})", p.range("h.path", &s.path));
    }
    let sql = format!(
        "SELECT h.user_id, u.display_name AS volunteer_name, h.team_id, t.name AS team_name, \
         n.name AS place, CAST(SUM(h.minutes) AS BIGINT) AS minutes, COUNT(*) AS entries \
         FROM volunteer_hours h JOIN teams t ON t.id = h.team_id JOIN users u ON u.id = h.user_id \
         JOIN nodes n ON n.id = t.node_id \
         WHERE h.status = 'confirmed' AND h.served_at >= {} AND {who} \
         GROUP BY h.user_id, u.display_name, h.team_id, t.name, n.name \
         ORDER BY minutes DESC, h.user_id LIMIT {}",
        p.push(V::I(since)),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Total {
                user_id: r.try_get("user_id")?,
                volunteer_name: r.try_get("volunteer_name")?,
                team_id: r.try_get("team_id")?,
                team_name: r.try_get("team_name")?,
                place: r.try_get("place")?,
                minutes: r.try_get("minutes")?,
                entries: r.try_get("entries")?,
            })
        })
        .collect()
}

/// A volunteer's confirmed minutes since `since`.
pub async fn own_total(conn: &mut Conn, user_id: i64, since: i64) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(minutes) AS BIGINT) FROM volunteer_hours \
         WHERE user_id = $1 AND status = 'confirmed' AND served_at >= $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(v.unwrap_or(0))
}
