//! Deliberation meetings, their parties, agenda items, rounds and minutes. Staff reach a
//! meeting through their scope; residents through their community's scope (the use-cases say
//! which). Locked minutes are never written again: every write of them is conditional on
//! `locked_at IS NULL`.

use crate::sql::{bind, get_bool, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::participation::meetings::{Kind, Minutes, PartyRole, Position};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Meeting {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub kind: Kind,
    pub title: String,
    pub held_at: i64,
    pub venue: String,
    pub organiser_id: Option<i64>,
    pub organiser_name: String,
    pub minutes: Option<String>,
    pub amend_until: Option<i64>,
    pub locked_at: Option<i64>,
    pub minutes_hash: Option<String>,
    pub created_at: i64,
}

impl Meeting {
    pub fn minutes_state(&self) -> Minutes {
        Minutes {
            drafted: self.minutes.is_some(),
            amend_until: self.amend_until,
            locked_at: self.locked_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Party {
    pub id: i64,
    pub meeting_id: i64,
    pub name: String,
    pub role: PartyRole,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub department_id: Option<i64>,
    pub attended: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgendaItem {
    pub id: i64,
    pub meeting_id: i64,
    pub seq: i64,
    pub title: String,
    pub proposal_id: Option<i64>,
    pub event_id: Option<i64>,
    pub evaluates_decision_id: Option<i64>,
    /// Rounds recorded so far.
    pub rounds: i64,
    /// The decision taken on it, if any.
    pub decision_id: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Round {
    pub id: i64,
    pub item_id: i64,
    pub n: i64,
    pub at: i64,
    pub positions: Vec<Position>,
    pub changes: String,
    pub open_points: String,
    pub recorded_by_name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Amendment {
    pub id: i64,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub at: i64,
    pub body: String,
}

pub struct NewMeeting<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub held_at: i64,
    pub venue: &'a str,
    pub organiser_id: Option<i64>,
    pub organiser_name: &'a str,
    pub now: i64,
}

const COLS: &str = "m.id, m.node_id, n.name AS node_name, m.path, m.kind, m.title, m.held_at, \
    m.venue, m.organiser_id, m.organiser_name, m.minutes, m.amend_until, m.locked_at, \
    m.minutes_hash, m.created_at";

fn meeting_from(r: &AnyRow) -> Result<Meeting> {
    let kind: String = r.try_get("kind")?;
    Ok(Meeting {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        kind: Kind::parse(&kind).ok_or_else(|| decode("kind", &kind))?,
        title: r.try_get("title")?,
        held_at: r.try_get("held_at")?,
        venue: r.try_get("venue")?,
        organiser_id: r.try_get("organiser_id")?,
        organiser_name: r.try_get("organiser_name")?,
        minutes: r.try_get("minutes")?,
        amend_until: r.try_get("amend_until")?,
        locked_at: r.try_get("locked_at")?,
        minutes_hash: r.try_get("minutes_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut Conn, m: &NewMeeting<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO meetings (node_id, path, kind, title, held_at, venue, organiser_id, \
         organiser_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(m.node_id)
    .bind(m.path)
    .bind(m.kind.as_str())
    .bind(m.title)
    .bind(m.held_at)
    .bind(m.venue)
    .bind(m.organiser_id)
    .bind(m.organiser_name)
    .bind(m.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A meeting whose place is in the scope.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Meeting> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM meetings m JOIN nodes n ON n.id = m.node_id WHERE m.id = {} AND {}",
        p.push(V::I(id)),
        p.range("m.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(meeting_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Meetings of places below `under` (inside the scope), latest first.
pub async fn list(conn: &mut Conn, scope: &Scope, under: &str, limit: i64) -> Result<Vec<Meeting>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM meetings m JOIN nodes n ON n.id = m.node_id WHERE {} AND {} \
         ORDER BY m.held_at DESC, m.id DESC LIMIT {}",
        p.range("m.path", &scope.path),
        p.range("m.path", under),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(meeting_from).collect()
}

pub struct NewParty<'a> {
    pub meeting_id: i64,
    pub name: &'a str,
    pub role: PartyRole,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub department_id: Option<i64>,
    pub attended: bool,
}

pub async fn insert_party(conn: &mut Conn, p: &NewParty<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO meeting_parties (meeting_id, name, role, user_id, resident_id, \
         department_id, attended) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(p.meeting_id)
    .bind(p.name)
    .bind(p.role.as_str())
    .bind(p.user_id)
    .bind(p.resident_id)
    .bind(p.department_id)
    .bind(p.attended)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn parties(conn: &mut Conn, meeting_id: i64) -> Result<Vec<Party>> {
    let rows = sqlx::query(
        "SELECT id, meeting_id, name, role, user_id, resident_id, department_id, attended \
         FROM meeting_parties WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Party {
                id: r.try_get("id")?,
                meeting_id: r.try_get("meeting_id")?,
                name: r.try_get("name")?,
                role: PartyRole::parse(&role).ok_or_else(|| decode("role", &role))?,
                user_id: r.try_get("user_id")?,
                resident_id: r.try_get("resident_id")?,
                department_id: r.try_get("department_id")?,
                attended: get_bool(r, "attended"),
            })
        })
        .collect()
}

/// Mark who attended: exactly the parties in `present` (of this meeting).
pub async fn set_attendance(conn: &mut Conn, meeting_id: i64, present: &[i64]) -> Result<()> {
    sqlx::query("UPDATE meeting_parties SET attended = $1 WHERE meeting_id = $2")
        .bind(false)
        .bind(meeting_id)
        .execute(&mut *conn)
        .await?;
    for id in present {
        sqlx::query("UPDATE meeting_parties SET attended = $1 WHERE meeting_id = $2 AND id = $3")
            .bind(true)
            .bind(meeting_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub struct NewItem<'a> {
    pub meeting_id: i64,
    pub title: &'a str,
    pub proposal_id: Option<i64>,
    pub event_id: Option<i64>,
    pub evaluates_decision_id: Option<i64>,
    pub now: i64,
}

pub async fn insert_item(conn: &mut Conn, i: &NewItem<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO agenda_items (meeting_id, seq, title, proposal_id, event_id, \
         evaluates_decision_id, created_at) VALUES ($1, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM agenda_items WHERE meeting_id = $1), \
         $2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(i.meeting_id)
    .bind(i.title)
    .bind(i.proposal_id)
    .bind(i.event_id)
    .bind(i.evaluates_decision_id)
    .bind(i.now)
    .fetch_one(&mut *conn)
    .await?)
}

const ITEM_COLS: &str = "i.id, i.meeting_id, i.seq, i.title, i.proposal_id, i.event_id, \
    i.evaluates_decision_id, i.created_at, \
    (SELECT COUNT(*) FROM deliberation_rounds r WHERE r.item_id = i.id) AS rounds, \
    (SELECT d.id FROM decisions d WHERE d.item_id = i.id) AS decision_id";

fn item_from(r: &AnyRow) -> Result<AgendaItem> {
    Ok(AgendaItem {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        seq: r.try_get("seq")?,
        title: r.try_get("title")?,
        proposal_id: r.try_get("proposal_id")?,
        event_id: r.try_get("event_id")?,
        evaluates_decision_id: r.try_get("evaluates_decision_id")?,
        rounds: r.try_get("rounds")?,
        decision_id: r.try_get("decision_id")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn items(conn: &mut Conn, meeting_id: i64) -> Result<Vec<AgendaItem>> {
    let sql =
        format!("SELECT {ITEM_COLS} FROM agenda_items i WHERE i.meeting_id = $1 ORDER BY i.seq");
    let rows = sqlx::query(&sql)
        .bind(meeting_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(item_from).collect()
}

/// An agenda item of a meeting in the scope.
pub async fn get_item(conn: &mut Conn, scope: &Scope, item_id: i64) -> Result<AgendaItem> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ITEM_COLS} FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id \
         WHERE i.id = {} AND {}",
        p.push(V::I(item_id)),
        p.range("m.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(item_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The agenda items about a proposal, with their meetings, in time order.
pub async fn items_of_proposal(
    conn: &mut Conn,
    proposal_id: i64,
) -> Result<Vec<(AgendaItem, Meeting)>> {
    let sql = format!(
        "SELECT {ITEM_COLS}, m.node_id AS m_node_id, n.name AS node_name, m.path, m.kind, \
         m.title AS m_title, m.held_at, m.venue, m.organiser_id, m.organiser_name, m.minutes, \
         m.amend_until, m.locked_at, m.minutes_hash, m.created_at AS m_created_at \
         FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id \
         JOIN nodes n ON n.id = m.node_id WHERE i.proposal_id = $1 ORDER BY m.held_at, i.id"
    );
    let rows = sqlx::query(&sql)
        .bind(proposal_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let item = item_from(r)?;
            let kind: String = r.try_get("kind")?;
            let m = Meeting {
                id: item.meeting_id,
                node_id: r.try_get("m_node_id")?,
                node_name: r.try_get("node_name")?,
                path: r.try_get("path")?,
                kind: Kind::parse(&kind).ok_or_else(|| decode("kind", &kind))?,
                title: r.try_get("m_title")?,
                held_at: r.try_get("held_at")?,
                venue: r.try_get("venue")?,
                organiser_id: r.try_get("organiser_id")?,
                organiser_name: r.try_get("organiser_name")?,
                minutes: r.try_get("minutes")?,
                amend_until: r.try_get("amend_until")?,
                locked_at: r.try_get("locked_at")?,
                minutes_hash: r.try_get("minutes_hash")?,
                created_at: r.try_get("m_created_at")?,
            };
            Ok((item, m))
        })
        .collect()
}

pub struct NewRound<'a> {
    pub item_id: i64,
    pub at: i64,
    pub positions: &'a [Position],
    pub changes: &'a str,
    pub open_points: &'a str,
    pub recorded_by_name: &'a str,
}

/// Record the next round of an item; its number is one past the last (the unique key on
/// `(item_id, n)` refuses a second round with the same number from a write at the same time).
pub async fn insert_round(conn: &mut Conn, r: &NewRound<'_>) -> Result<i64> {
    let positions = serde_json::to_string(r.positions).unwrap_or_else(|_| "[]".into());
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO deliberation_rounds (item_id, n, at, positions_json, changes, open_points, \
         recorded_by_name) VALUES ($1, \
         (SELECT COALESCE(MAX(n), 0) + 1 FROM deliberation_rounds WHERE item_id = $1), \
         $2,$3,$4,$5,$6) RETURNING n",
    )
    .bind(r.item_id)
    .bind(r.at)
    .bind(positions)
    .bind(r.changes)
    .bind(r.open_points)
    .bind(r.recorded_by_name)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "round"))?;
    Ok(n)
}

/// The rounds of the given items, in order.
pub async fn rounds(conn: &mut Conn, item_ids: &[i64]) -> Result<Vec<Round>> {
    if item_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let list: Vec<String> = item_ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT id, item_id, n, at, positions_json, changes, open_points, recorded_by_name \
         FROM deliberation_rounds WHERE item_id IN ({}) ORDER BY item_id, n",
        list.join(",")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let positions: String = r.try_get("positions_json")?;
            Ok(Round {
                id: r.try_get("id")?,
                item_id: r.try_get("item_id")?,
                n: r.try_get("n")?,
                at: r.try_get("at")?,
                positions: serde_json::from_str(&positions)
                    .map_err(|_| decode("positions", &positions))?,
                changes: r.try_get("changes")?,
                open_points: r.try_get("open_points")?,
                recorded_by_name: r.try_get("recorded_by_name")?,
            })
        })
        .collect()
}

/// Write the minutes' text and amendment deadline, unless they are locked; false if they were.
pub async fn write_minutes(
    conn: &mut Conn,
    id: i64,
    text: &str,
    amend_until: Option<i64>,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE meetings SET minutes = $1, amend_until = $2 WHERE id = $3 AND locked_at IS NULL",
    )
    .bind(text)
    .bind(amend_until)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Meetings whose minutes are drafted, not locked, and past their amendment time.
pub async fn due_for_lock(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM meetings WHERE minutes IS NOT NULL AND locked_at IS NULL \
         AND amend_until IS NOT NULL AND amend_until <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Lock the minutes with their digest, once; false if they were locked already.
pub async fn lock_minutes(conn: &mut Conn, id: i64, at: i64, hash: &str) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE meetings SET locked_at = $1, minutes_hash = $2 WHERE id = $3 AND locked_at IS NULL",
    )
    .bind(at)
    .bind(hash)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn add_amendment(
    conn: &mut Conn,
    meeting_id: i64,
    author_id: Option<i64>,
    author_name: &str,
    at: i64,
    body: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO minute_amendments (meeting_id, author_id, author_name, at, body) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(meeting_id)
    .bind(author_id)
    .bind(author_name)
    .bind(at)
    .bind(body)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn amendments(conn: &mut Conn, meeting_id: i64) -> Result<Vec<Amendment>> {
    let rows = sqlx::query(
        "SELECT id, author_id, author_name, at, body FROM minute_amendments \
         WHERE meeting_id = $1 ORDER BY at, id",
    )
    .bind(meeting_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Amendment {
                id: r.try_get("id")?,
                author_id: r.try_get("author_id")?,
                author_name: r.try_get("author_name")?,
                at: r.try_get("at")?,
                body: r.try_get("body")?,
            })
        })
        .collect()
}

/// The account a resident signed up with, if any (so that a resident invited to a meeting may
/// amend its minutes).
pub async fn account_of_resident(conn: &mut Conn, resident_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE resident_id = $1 ORDER BY id LIMIT 1")
            .bind(resident_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Meetings where a department or a user is an invited party (what a department's staff see).
pub async fn list_with_party(
    conn: &mut Conn,
    user_id: i64,
    department_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Meeting>> {
    let sql = format!(
        "SELECT {COLS} FROM meetings m JOIN nodes n ON n.id = m.node_id WHERE m.id IN \
         (SELECT q.meeting_id FROM meeting_parties q WHERE q.user_id = $1 OR q.department_id = $2) \
         ORDER BY m.held_at DESC, m.id DESC LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .bind(department_id.unwrap_or(-1))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(meeting_from).collect()
}
