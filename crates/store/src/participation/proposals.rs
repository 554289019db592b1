//! Small proposals, their supports and timelines. Staff reach a proposal through their scope;
//! residents see those of their own community (the pages and use-cases say which).

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::participation::proposals::{Phase, State, Threshold};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Proposal {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub community_id: i64,
    pub title: String,
    pub body: String,
    pub author_resident_id: i64,
    pub author_name: String,
    pub filed_by_name: String,
    pub phase: Phase,
    pub supports: i64,
    pub awaiting_since: Option<i64>,
    pub answer_due: Option<i64>,
    pub linked: Option<i64>,
    pub answer: Option<String>,
    /// When the overdue answer was escalated to the street.
    pub escalated_at: Option<i64>,
    /// The event it came from (an event that needed a collective decision).
    pub from_event_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Proposal {
    /// The state the rules work on.
    pub fn state(&self) -> State {
        State {
            phase: self.phase,
            supports: u64::try_from(self.supports).unwrap_or(0),
            awaiting_since: self.awaiting_since,
            answer_due: self.answer_due,
            linked: self.linked,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimelineRow {
    pub at: i64,
    pub phase: Phase,
    pub actor_name: String,
    pub note: Option<String>,
}

pub struct NewProposal<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub community_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub author_resident_id: i64,
    pub author_name: &'a str,
    pub filed_by: Option<i64>,
    pub filed_by_name: &'a str,
    pub now: i64,
}

const COLS: &str =
    "p.id, p.node_id, n.name AS node_name, p.path, p.community_id, p.title, p.body, \
    p.author_resident_id, p.author_name, p.filed_by_name, p.phase, p.supports, p.awaiting_since, \
    p.answer_due, p.linked, p.answer, p.escalated_at, p.from_event_id, p.created_at, p.updated_at";

fn from_row(r: &AnyRow) -> Result<Proposal> {
    let phase: String = r.try_get("phase")?;
    Ok(Proposal {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        community_id: r.try_get("community_id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        author_resident_id: r.try_get("author_resident_id")?,
        author_name: r.try_get("author_name")?,
        filed_by_name: r.try_get("filed_by_name")?,
        phase: Phase::parse(&phase)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad phase: {phase}").into())))?,
        supports: r.try_get("supports")?,
        awaiting_since: r.try_get("awaiting_since")?,
        answer_due: r.try_get("answer_due")?,
        linked: r.try_get("linked")?,
        answer: r.try_get("answer")?,
        escalated_at: r.try_get("escalated_at")?,
        from_event_id: r.try_get("from_event_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, p: &NewProposal<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (node_id, path, community_id, title, body, author_resident_id, \
         author_name, filed_by, filed_by_name, phase, supports, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,0,$11,$11) RETURNING id",
    )
    .bind(p.node_id)
    .bind(p.path)
    .bind(p.community_id)
    .bind(p.title)
    .bind(p.body)
    .bind(p.author_resident_id)
    .bind(p.author_name)
    .bind(p.filed_by)
    .bind(p.filed_by_name)
    .bind(Phase::Collecting.as_str())
    .bind(p.now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A proposal whose place is in the scope.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Proposal> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM proposals p JOIN nodes n ON n.id = p.node_id WHERE p.id = {} AND {}",
        p.push(V::I(id)),
        p.range("p.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Proposals of places below `under` (inside the scope), newest first.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    limit: i64,
) -> Result<Vec<Proposal>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM proposals p JOIN nodes n ON n.id = p.node_id WHERE {} AND {} \
         ORDER BY p.created_at DESC, p.id DESC LIMIT {}",
        p.range("p.path", &scope.path),
        p.range("p.path", under),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Record a resident's support; false if they had supported it already (nothing changes).
pub async fn add_support(
    conn: &mut Conn,
    proposal_id: i64,
    resident_id: i64,
    at: i64,
) -> Result<bool> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO proposal_supports (proposal_id, resident_id, at) VALUES ($1,$2,$3) \
         ON CONFLICT (proposal_id, resident_id) DO NOTHING RETURNING proposal_id",
    )
    .bind(proposal_id)
    .bind(resident_id)
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id.is_some())
}

/// The resident has supported the proposal.
pub async fn has_supported(conn: &mut Conn, proposal_id: i64, resident_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = $1 AND resident_id = $2",
    )
    .bind(proposal_id)
    .bind(resident_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Count one more support, atomically (the row is locked until the transaction ends, so two
/// supports at once both count), and return the proposal's state as it was before this one.
pub async fn bump_supports(conn: &mut Conn, id: i64) -> Result<State> {
    let r = sqlx::query(
        "UPDATE proposals SET supports = supports + 1 WHERE id = $1 \
         RETURNING supports, phase, awaiting_since, answer_due, linked",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let phase: String = r.try_get("phase")?;
    let supports: i64 = r.try_get("supports")?;
    Ok(State {
        phase: Phase::parse(&phase)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad phase: {phase}").into())))?,
        supports: u64::try_from(supports - 1).unwrap_or(0),
        awaiting_since: r.try_get("awaiting_since")?,
        answer_due: r.try_get("answer_due")?,
        linked: r.try_get("linked")?,
    })
}

/// Store the state a command produced (and the answer's text, if any), if the proposal is
/// still in `was` (another answer did not come first); false if it was not.
pub async fn save_state(
    conn: &mut Conn,
    id: i64,
    was: Phase,
    s: &State,
    answer: Option<&str>,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE proposals SET phase = $1, supports = $2, awaiting_since = $3, answer_due = $4, \
         linked = $5, answer = COALESCE($6, answer), updated_at = $7 WHERE id = $8 AND phase = $9",
    )
    .bind(s.phase.as_str())
    .bind(i64::try_from(s.supports).unwrap_or(i64::MAX))
    .bind(s.awaiting_since)
    .bind(s.answer_due)
    .bind(s.linked)
    .bind(answer)
    .bind(now)
    .bind(id)
    .bind(was.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn add_timeline(
    conn: &mut Conn,
    proposal_id: i64,
    at: i64,
    phase: Phase,
    actor_name: &str,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO proposal_timeline (proposal_id, at, phase, actor_name, note) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(proposal_id)
    .bind(at)
    .bind(phase.as_str())
    .bind(actor_name)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn timeline(conn: &mut Conn, proposal_id: i64) -> Result<Vec<TimelineRow>> {
    let rows = sqlx::query(
        "SELECT at, phase, actor_name, note FROM proposal_timeline WHERE proposal_id = $1 ORDER BY at, id",
    )
    .bind(proposal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let phase: String = r.try_get("phase")?;
            Ok(TimelineRow {
                at: r.try_get("at")?,
                phase: Phase::parse(&phase).unwrap_or(Phase::Collecting),
                actor_name: r.try_get("actor_name")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// Households with at least one resident below a community (what the threshold is a share of).
pub async fn households_in(conn: &mut Conn, community_path: &str) -> Result<i64> {
    let (lo, hi) = jingzhi_domain::scope::path_range(community_path);
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT r.household_id) FROM residents r WHERE r.path >= $1 AND r.path < $2",
    )
    .bind(lo)
    .bind(hi)
    .fetch_one(&mut *conn)
    .await?)
}

/// A community's own threshold, if it set one.
pub async fn threshold(conn: &mut Conn, community_id: i64) -> Result<Option<Threshold>> {
    let row = sqlx::query(
        "SELECT kind, count, permille, floor FROM proposal_thresholds WHERE community_id = $1",
    )
    .bind(community_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get("kind")?;
    let get = |c: &str| -> Result<u32> {
        let v: Option<i64> = r.try_get(c)?;
        Ok(u32::try_from(v.unwrap_or(1)).unwrap_or(1))
    };
    Ok(Some(match kind.as_str() {
        "absolute" => Threshold::Absolute(get("count")?),
        _ => Threshold::Share {
            permille: get("permille")?,
            floor: get("floor")?,
        },
    }))
}

/// Set a community's threshold (one row per community, replaced).
pub async fn set_threshold(
    conn: &mut Conn,
    community_id: i64,
    path: &str,
    t: Threshold,
    by: &str,
    now: i64,
) -> Result<()> {
    let (kind, count, permille, floor) = match t {
        Threshold::Absolute(n) => ("absolute", Some(i64::from(n)), None, None),
        Threshold::Share { permille, floor } => (
            "share",
            None,
            Some(i64::from(permille)),
            Some(i64::from(floor)),
        ),
    };
    sqlx::query(
        "INSERT INTO proposal_thresholds (community_id, path, kind, count, permille, floor, \
         set_by_name, set_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) \
         ON CONFLICT (community_id) DO UPDATE SET kind = excluded.kind, count = excluded.count, \
         permille = excluded.permille, floor = excluded.floor, set_by_name = excluded.set_by_name, \
         set_at = excluded.set_at",
    )
    .bind(community_id)
    .bind(path)
    .bind(kind)
    .bind(count)
    .bind(permille)
    .bind(floor)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Proposals whose answer is overdue at `now` and not yet escalated: (id, path), oldest first.
pub async fn overdue_unescalated(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, path FROM proposals WHERE phase = $1 AND answer_due < $2 \
         AND escalated_at IS NULL ORDER BY answer_due, id LIMIT $3",
    )
    .bind(Phase::AwaitingAnswer.as_str())
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .collect()
}

/// Mark a proposal escalated, once, if it is still awaiting an answer past its deadline; false
/// if it was answered or escalated meanwhile.
pub async fn mark_escalated(conn: &mut Conn, id: i64, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE proposals SET escalated_at = $1 WHERE id = $2 AND phase = $3 \
         AND escalated_at IS NULL AND answer_due < $1",
    )
    .bind(now)
    .bind(id)
    .bind(Phase::AwaitingAnswer.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The street officers whose scope holds a place: (user id, their scope's path).
pub async fn street_officers_over(conn: &mut Conn, path: &str) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, n.path FROM users u JOIN nodes n ON n.id = u.scope_node_id \
         WHERE u.role = 'street-officer' ORDER BY u.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = vec![];
    for r in &rows {
        let p: String = r.try_get("path")?;
        if path.starts_with(&p) {
            out.push((r.try_get("id")?, p));
        }
    }
    Ok(out)
}

/// Record the event a proposal came from.
pub async fn set_from_event(conn: &mut Conn, id: i64, event_id: i64) -> Result<()> {
    sqlx::query("UPDATE proposals SET from_event_id = $1 WHERE id = $2")
        .bind(event_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The proposals linked to an event: those that became it, and those it became; (id, title,
/// it became the event).
pub async fn linked_to_event(conn: &mut Conn, event_id: i64) -> Result<Vec<(i64, String, bool)>> {
    let rows = sqlx::query(
        "SELECT id, title, phase FROM proposals WHERE (phase = $1 AND linked = $2) \
         OR from_event_id = $2 ORDER BY id",
    )
    .bind(Phase::BecameEvent.as_str())
    .bind(event_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let phase: String = r.try_get("phase")?;
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                phase == Phase::BecameEvent.as_str(),
            ))
        })
        .collect()
}
