//! Employment help (docs/jobs.md): seekers, positions and referrals, each with a path so every
//! read is confined to the caller's scope in the query. A placement takes one of the position's
//! openings by one conditional UPDATE.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::jobs::{MatchState, SeekerState, Work};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Seeker {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub household_id: i64,
    pub address: String,
    pub path: String,
    pub work: Work,
    pub note: String,
    pub state: SeekerState,
    pub registered_at: i64,
    pub ended_at: Option<i64>,
}

const SEEKER_SQL: &str = "SELECT s.id, s.resident_id, r.name, s.household_id, h.address, s.path, \
    s.work, s.note, s.state, s.registered_at, s.ended_at FROM job_seekers s \
    JOIN residents r ON r.id = s.resident_id JOIN households h ON h.id = s.household_id";

fn seeker_from(r: &AnyRow) -> Result<Seeker> {
    let work: String = r.try_get("work")?;
    let state: String = r.try_get("state")?;
    Ok(Seeker {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        name: r.try_get("name")?,
        household_id: r.try_get("household_id")?,
        address: r.try_get("address")?,
        path: r.try_get("path")?,
        work: Work::parse(&work).ok_or_else(|| bad("work", &work))?,
        note: r.try_get("note")?,
        state: SeekerState::parse(&state).ok_or_else(|| bad("state", &state))?,
        registered_at: r.try_get("registered_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_seeker(
    conn: &mut Conn,
    resident_id: i64,
    household_id: i64,
    path: &str,
    work: Work,
    note: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO job_seekers (resident_id, household_id, path, work, note, state, \
         registered_at, created_by_name) VALUES ($1,$2,$3,$4,$5,'seeking',$6,$7) RETURNING id",
    )
    .bind(resident_id)
    .bind(household_id)
    .bind(path)
    .bind(work.as_str())
    .bind(note)
    .bind(now)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?)
}

/// The resident's seeker entry still seeking, if any.
pub async fn seeking_of(conn: &mut Conn, resident_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM job_seekers WHERE resident_id = $1 AND state = 'seeking'",
    )
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn get_seeker(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Seeker> {
    let mut p = Params::default();
    let sql = format!(
        "{SEEKER_SQL} WHERE s.id = {} AND {}",
        p.push(V::I(id)),
        p.range("s.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    seeker_from(&r)
}

/// Seekers in scope, by state (none: all), newest first.
pub async fn seekers(
    conn: &mut Conn,
    scope: &Scope,
    state: Option<SeekerState>,
    limit: i64,
) -> Result<Vec<Seeker>> {
    let mut p = Params::default();
    let mut w = p.range("s.path", &scope.path);
    if let Some(st) = state {
        w = format!("{w} AND s.state = {}", p.push(V::T(st.as_str().into())));
    }
    let sql = format!(
        "{SEEKER_SQL} WHERE {w} ORDER BY s.registered_at DESC, s.id DESC LIMIT {}",
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(seeker_from)
        .collect()
}

/// End a seeker's search (placed or withdrawn); false when it had ended already.
pub async fn end_seeker(conn: &mut Conn, id: i64, state: SeekerState, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE job_seekers SET state = $1, ended_at = $2 WHERE id = $3 AND state = 'seeking'",
    )
    .bind(state.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Position {
    pub id: i64,
    pub merchant_id: i64,
    pub employer: String,
    pub path: String,
    pub title: String,
    pub work: Work,
    pub openings: i64,
    pub filled: i64,
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub requirements: String,
    pub posted_at: i64,
    pub closed_at: Option<i64>,
}

const POSITION_SQL: &str = "SELECT p.id, p.merchant_id, m.name AS employer, p.path, p.title, \
    p.work, p.openings, p.filled, p.wage_min, p.wage_max, p.requirements, p.posted_at, \
    p.closed_at FROM job_positions p JOIN merchants m ON m.id = p.merchant_id";

fn position_from(r: &AnyRow) -> Result<Position> {
    let work: String = r.try_get("work")?;
    Ok(Position {
        id: r.try_get("id")?,
        merchant_id: r.try_get("merchant_id")?,
        employer: r.try_get("employer")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        work: Work::parse(&work).ok_or_else(|| bad("work", &work))?,
        openings: r.try_get("openings")?,
        filled: r.try_get("filled")?,
        wage_min: r.try_get("wage_min")?,
        wage_max: r.try_get("wage_max")?,
        requirements: r.try_get("requirements")?,
        posted_at: r.try_get("posted_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

pub struct NewPosition<'a> {
    pub merchant_id: i64,
    pub path: &'a str,
    pub title: &'a str,
    pub work: Work,
    pub openings: i64,
    pub wage: Option<(i64, i64)>,
    pub requirements: &'a str,
    pub by: &'a str,
    pub now: i64,
}

pub async fn insert_position(conn: &mut Conn, n: &NewPosition<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO job_positions (merchant_id, path, title, work, openings, wage_min, wage_max, \
         requirements, posted_by_name, posted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
         RETURNING id",
    )
    .bind(n.merchant_id)
    .bind(n.path)
    .bind(n.title)
    .bind(n.work.as_str())
    .bind(n.openings)
    .bind(n.wage.map(|w| w.0))
    .bind(n.wage.map(|w| w.1))
    .bind(n.requirements)
    .bind(n.by)
    .bind(n.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A position within reach of the scope ([`within_reach`]).
pub async fn get_position(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Position> {
    let mut p = Params::default();
    let sql = format!(
        "{POSITION_SQL} WHERE p.id = {} AND {}",
        p.push(V::I(id)),
        within_reach(&mut p, &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    position_from(&r)
}

/// `p.path` inside the scope or, for a scope below a community (a grid worker's), inside its
/// community: the community's firms offer to all its grids.
fn within_reach(p: &mut Params, path: &str) -> String {
    let ids = jingzhi_domain::scope::path_ids(path);
    let wide = if ids.len() > 4 {
        ids[..4].iter().map(|i| format!("/{i}")).collect::<String>() + "/"
    } else {
        path.to_string()
    };
    p.range("p.path", &wide)
}

/// Open positions within reach, newest first; `work` narrows to one kind.
pub async fn positions(
    conn: &mut Conn,
    scope: &Scope,
    work: Option<Work>,
    open_only: bool,
    limit: i64,
) -> Result<Vec<Position>> {
    let mut p = Params::default();
    let mut w = within_reach(&mut p, &scope.path);
    if let Some(k) = work {
        w = format!("{w} AND p.work = {}", p.push(V::T(k.as_str().into())));
    }
    if open_only {
        w = format!("{w} AND p.closed_at IS NULL AND p.filled < p.openings");
    }
    let sql = format!(
        "{POSITION_SQL} WHERE {w} ORDER BY p.posted_at DESC, p.id DESC LIMIT {}",
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(position_from)
        .collect()
}

pub async fn close_position(conn: &mut Conn, id: i64, now: i64) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE job_positions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Take one opening of a position: false when it is closed or full.
pub async fn take_opening(conn: &mut Conn, id: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE job_positions SET filled = filled + 1 WHERE id = $1 AND closed_at IS NULL \
         AND filled < openings",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Match {
    pub id: i64,
    pub seeker_id: i64,
    pub seeker_name: String,
    pub position_id: i64,
    pub title: String,
    pub employer: String,
    pub path: String,
    pub state: MatchState,
    pub note: String,
    pub referred_at: i64,
    pub updated_at: i64,
    pub by_name: String,
}

const MATCH_SQL: &str = "SELECT x.id, x.seeker_id, r.name AS seeker_name, x.position_id, \
    p.title, m.name AS employer, x.path, x.state, x.note, x.referred_at, x.updated_at, x.by_name \
    FROM job_matches x JOIN job_seekers s ON s.id = x.seeker_id \
    JOIN residents r ON r.id = s.resident_id JOIN job_positions p ON p.id = x.position_id \
    JOIN merchants m ON m.id = p.merchant_id";

fn match_from(r: &AnyRow) -> Result<Match> {
    let state: String = r.try_get("state")?;
    Ok(Match {
        id: r.try_get("id")?,
        seeker_id: r.try_get("seeker_id")?,
        seeker_name: r.try_get("seeker_name")?,
        position_id: r.try_get("position_id")?,
        title: r.try_get("title")?,
        employer: r.try_get("employer")?,
        path: r.try_get("path")?,
        state: MatchState::parse(&state).ok_or_else(|| bad("state", &state))?,
        note: r.try_get("note")?,
        referred_at: r.try_get("referred_at")?,
        updated_at: r.try_get("updated_at")?,
        by_name: r.try_get("by_name")?,
    })
}

pub async fn insert_match(
    conn: &mut Conn,
    seeker_id: i64,
    position_id: i64,
    path: &str,
    note: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO job_matches (seeker_id, position_id, path, state, note, referred_at, \
         updated_at, by_name) VALUES ($1,$2,$3,'referred',$4,$5,$5,$6) RETURNING id",
    )
    .bind(seeker_id)
    .bind(position_id)
    .bind(path)
    .bind(note)
    .bind(now)
    .bind(by)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "position_id"))
}

pub async fn get_match(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Match> {
    let mut p = Params::default();
    let sql = format!(
        "{MATCH_SQL} WHERE x.id = {} AND {}",
        p.push(V::I(id)),
        p.range("x.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    match_from(&r)
}

/// Referrals in scope (of one seeker, or all), newest first.
pub async fn matches(
    conn: &mut Conn,
    scope: &Scope,
    seeker: Option<i64>,
    limit: i64,
) -> Result<Vec<Match>> {
    let mut p = Params::default();
    let mut w = p.range("x.path", &scope.path);
    if let Some(s) = seeker {
        w = format!("{w} AND x.seeker_id = {}", p.push(V::I(s)));
    }
    let sql = format!(
        "{MATCH_SQL} WHERE {w} ORDER BY x.updated_at DESC, x.id DESC LIMIT {}",
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(match_from)
        .collect()
}

/// Move a referral from `from` to `to`; false when it moved meanwhile.
pub async fn set_match(
    conn: &mut Conn,
    id: i64,
    from: MatchState,
    to: MatchState,
    note: &str,
    by: &str,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE job_matches SET state = $1, note = $2, by_name = $3, updated_at = $4 \
         WHERE id = $5 AND state = $6",
    )
    .bind(to.as_str())
    .bind(note)
    .bind(by)
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// This year's numbers under a place.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Numbers {
    /// Registered this year.
    pub registered: i64,
    /// Still seeking (whenever registered).
    pub seeking: i64,
    /// Placed this year.
    pub placed: i64,
    /// Referrals made this year.
    pub referrals: i64,
}

pub async fn numbers(conn: &mut Conn, path: &str, since: i64) -> Result<Numbers> {
    let mut p = Params::default();
    let since_p = p.push(V::I(since));
    let sql = format!(
        "SELECT \
         (SELECT COUNT(*) FROM job_seekers WHERE {a} AND registered_at >= {since_p}) AS registered, \
         (SELECT COUNT(*) FROM job_seekers WHERE {b} AND state = 'seeking') AS seeking, \
         (SELECT COUNT(*) FROM job_seekers WHERE {c} AND state = 'placed' AND ended_at >= {since_p}) AS placed, \
         (SELECT COUNT(*) FROM job_matches WHERE {d} AND referred_at >= {since_p}) AS referrals",
        a = p.range("path", path),
        b = p.range("path", path),
        c = p.range("path", path),
        d = p.range("path", path),
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Numbers {
        registered: r.try_get("registered")?,
        seeking: r.try_get("seeking")?,
        placed: r.try_get("placed")?,
        referrals: r.try_get("referrals")?,
    })
}

/// Move a household's seekers and referrals to its new place.
pub async fn follow_household(conn: &mut Conn, household_id: i64, path: &str) -> Result<()> {
    sqlx::query("UPDATE job_seekers SET path = $1 WHERE household_id = $2")
        .bind(path)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE job_matches SET path = $1 WHERE seeker_id IN \
         (SELECT id FROM job_seekers WHERE household_id = $2)",
    )
    .bind(path)
    .bind(household_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Merchants (local firms) within reach of a place, for the employer list: (id, name).
pub async fn firms(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<(i64, String)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT p.id, p.name FROM merchants p WHERE {} ORDER BY p.name, p.id LIMIT {}",
        p.range("p.path", &scope.path),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// A merchant in scope: (id, path).
pub async fn firm(conn: &mut Conn, scope: &Scope, id: i64) -> Result<(i64, String)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, path FROM merchants WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((r.try_get("id")?, r.try_get("path")?))
}
