//! Legal-aid cases (docs/legal.md). Cases carry their household's path, so every read is
//! confined to the caller's scope in the query; the matter and the steps' notes are sealed.

use crate::crypto::Cipher;
use crate::emergency::ancestor_paths;
use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::legal::{Channel, Matter, Outcome, State};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Case {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub household_id: i64,
    pub address: String,
    pub path: String,
    pub matter: Matter,
    pub channel: Channel,
    pub lawyer_id: Option<i64>,
    pub lawyer_name: Option<String>,
    pub state: State,
    pub outcome: Option<Outcome>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub created_by_name: String,
    pub updated_at: i64,
}

const CASE_SQL: &str = "SELECT c.id, c.resident_id, r.name AS resident_name, c.household_id, \
    h.address, c.path, c.matter, c.channel, c.lawyer_id, c.lawyer_name, c.state, c.outcome, \
    c.opened_at, c.closed_at, c.created_by_name, c.updated_at \
    FROM legal_cases c JOIN residents r ON r.id = c.resident_id \
    JOIN households h ON h.id = c.household_id";

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

fn case_from(r: &AnyRow) -> Result<Case> {
    let matter: String = r.try_get("matter")?;
    let channel: String = r.try_get("channel")?;
    let state: String = r.try_get("state")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    Ok(Case {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        resident_name: r.try_get("resident_name")?,
        household_id: r.try_get("household_id")?,
        address: r.try_get("address")?,
        path: r.try_get("path")?,
        matter: Matter::parse(&matter).ok_or_else(|| bad("matter", &matter))?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
        lawyer_id: r.try_get("lawyer_id")?,
        lawyer_name: r.try_get("lawyer_name")?,
        state: State::parse(&state).ok_or_else(|| bad("state", &state))?,
        outcome: match outcome {
            Some(o) => Some(Outcome::parse(&o).ok_or_else(|| bad("outcome", &o))?),
            None => None,
        },
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        created_by_name: r.try_get("created_by_name")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub struct NewCase<'a> {
    pub resident_id: i64,
    pub household_id: i64,
    pub path: &'a str,
    pub matter: Matter,
    pub channel: Channel,
    pub lawyer: Option<(i64, &'a str)>,
    pub summary: &'a str,
    pub opened_at: i64,
    pub by: &'a str,
}

pub async fn insert(conn: &mut Conn, cipher: &Cipher, c: &NewCase<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO legal_cases (resident_id, household_id, path, matter, channel, lawyer_id, \
         lawyer_name, summary_cipher, state, opened_at, created_by_name, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'open',$9,$10,$9) RETURNING id",
    )
    .bind(c.resident_id)
    .bind(c.household_id)
    .bind(c.path)
    .bind(c.matter.as_str())
    .bind(c.channel.as_str())
    .bind(c.lawyer.map(|l| l.0))
    .bind(c.lawyer.map(|l| l.1))
    .bind(cipher.seal(c.summary))
    .bind(c.opened_at)
    .bind(c.by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A case in scope.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Case> {
    let mut p = Params::default();
    let sql = format!(
        "{CASE_SQL} WHERE c.id = {} AND {}",
        p.push(V::I(id)),
        p.range("c.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    case_from(&r)
}

/// The sealed matter of a case in scope.
pub async fn summary(conn: &mut Conn, cipher: &Cipher, scope: &Scope, id: i64) -> Result<String> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT summary_cipher FROM legal_cases WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    cipher.open(&r.try_get::<Vec<u8>, _>("summary_cipher")?)
}

/// Cases in scope, newest first; `open`: not closed only.
pub async fn list(conn: &mut Conn, scope: &Scope, open: bool, limit: i64) -> Result<Vec<Case>> {
    let mut p = Params::default();
    let sql = format!(
        "{CASE_SQL} WHERE {}{} ORDER BY c.opened_at DESC, c.id DESC LIMIT {}",
        p.range("c.path", &scope.path),
        if open { " AND c.state <> 'closed'" } else { "" },
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(case_from)
        .collect()
}

/// Move a case from `from` to `to` (closing it with its outcome); false when it moved meanwhile.
pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    from: State,
    to: State,
    outcome: Option<Outcome>,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE legal_cases SET state = $1, outcome = $2, closed_at = $3, updated_at = $4 \
         WHERE id = $5 AND state = $6",
    )
    .bind(to.as_str())
    .bind(outcome.map(|o| o.as_str()))
    .bind((to == State::Closed).then_some(now))
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn insert_step(
    conn: &mut Conn,
    cipher: &Cipher,
    case_id: i64,
    state: State,
    note: &str,
    by: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO legal_case_steps (case_id, at, state, note_cipher, by_name) \
         VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(case_id)
    .bind(at)
    .bind(state.as_str())
    .bind(cipher.seal(note))
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's steps, oldest first, notes opened: (at, state, note, by).
pub async fn steps(
    conn: &mut Conn,
    cipher: &Cipher,
    case_id: i64,
) -> Result<Vec<(i64, State, String, String)>> {
    let rows = sqlx::query(
        "SELECT at, state, note_cipher, by_name FROM legal_case_steps WHERE case_id = $1 \
         ORDER BY at, id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("state")?;
            Ok((
                r.try_get("at")?,
                State::parse(&s).ok_or_else(|| bad("state", &s))?,
                cipher.open(&r.try_get::<Vec<u8>, _>("note_cipher")?)?,
                r.try_get("by_name")?,
            ))
        })
        .collect()
}

/// Lawyers on the register of people who can be mobilised serving a place, its community or
/// anywhere inside the scope: (id, name, organisation).
pub async fn lawyers(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(i64, String, String)>> {
    let mut p = Params::default();
    let above: Vec<String> = ancestor_paths(&scope.path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    let sql = format!(
        "SELECT id, name, organisation FROM force_members WHERE kind = 'lawyer' \
         AND removed_at IS NULL AND ({} OR path IN ({})) ORDER BY path, name, id LIMIT {}",
        p.range("path", &scope.path),
        above.join(","),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("organisation")?,
            ))
        })
        .collect()
}

/// This year's numbers under a place: opened, still open, closed, and the closed ones per
/// outcome.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Numbers {
    pub opened: i64,
    pub open: i64,
    pub closed: i64,
    pub by_outcome: Vec<(Outcome, i64)>,
    pub by_matter: Vec<(Matter, i64)>,
}

pub async fn numbers(conn: &mut Conn, path: &str, since: i64) -> Result<Numbers> {
    let mut n = Numbers::default();
    let mut p = Params::default();
    let sql = format!(
        "SELECT matter, state, outcome, COUNT(*) AS n FROM legal_cases \
         WHERE {} AND opened_at >= {} GROUP BY matter, state, outcome",
        p.range("path", path),
        p.push(V::I(since))
    );
    for r in bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
    {
        let k: i64 = r.try_get("n")?;
        let matter: String = r.try_get("matter")?;
        let state: String = r.try_get("state")?;
        let outcome: Option<String> = r.try_get("outcome")?;
        n.opened += k;
        if state == State::Closed.as_str() {
            n.closed += k;
        } else {
            n.open += k;
        }
        if let Some(o) = outcome.as_deref().and_then(Outcome::parse) {
            match n.by_outcome.iter_mut().find(|(x, _)| *x == o) {
                Some(e) => e.1 += k,
                None => n.by_outcome.push((o, k)),
            }
        }
        if let Some(m) = Matter::parse(&matter) {
            match n.by_matter.iter_mut().find(|(x, _)| *x == m) {
                Some(e) => e.1 += k,
                None => n.by_matter.push((m, k)),
            }
        }
    }
    n.by_outcome
        .sort_by_key(|(o, _)| Outcome::ALL.iter().position(|x| x == o));
    n.by_matter
        .sort_by_key(|(m, _)| Matter::ALL.iter().position(|x| x == m));
    Ok(n)
}

/// Move a household's cases to its new place.
pub async fn follow_household(conn: &mut Conn, household_id: i64, path: &str) -> Result<()> {
    sqlx::query("UPDATE legal_cases SET path = $1 WHERE household_id = $2")
        .bind(path)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One case of a bulk load (the demo's year), already sealed.
pub struct BulkCase {
    pub resident_id: i64,
    pub household_id: i64,
    pub path: String,
    pub matter: Matter,
    pub channel: Channel,
    pub lawyer: Option<(i64, String)>,
    pub summary_cipher: Vec<u8>,
    pub state: State,
    pub outcome: Option<Outcome>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
}

/// Load cases in multi-row INSERTs (the demo; no steps).
pub async fn insert_bulk(conn: &mut Conn, rows: &[BulkCase], by: &str) -> Result<()> {
    for chunk in rows.chunks(300) {
        let mut p = Params::default();
        let by = p.push(V::T(by.into()));
        let values: Vec<String> = chunk
            .iter()
            .map(|c| {
                let updated = c.closed_at.unwrap_or(c.opened_at);
                format!(
                    "({},{},{},{},{},{},{},{},{},{},{},{},{by},{})",
                    p.push(V::I(c.resident_id)),
                    p.push(V::I(c.household_id)),
                    p.push(V::T(c.path.clone())),
                    p.push(V::T(c.matter.as_str().into())),
                    p.push(V::T(c.channel.as_str().into())),
                    p.push(V::OI(c.lawyer.as_ref().map(|l| l.0))),
                    p.push(V::OT(c.lawyer.as_ref().map(|l| l.1.clone()))),
                    p.push(V::B(c.summary_cipher.clone())),
                    p.push(V::T(c.state.as_str().into())),
                    p.push(V::OT(c.outcome.map(|o| o.as_str().to_string()))),
                    p.push(V::I(c.opened_at)),
                    p.push(V::OI(c.closed_at)),
                    p.push(V::I(updated)),
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO legal_cases (resident_id, household_id, path, matter, channel, \
             lawyer_id, lawyer_name, summary_cipher, state, outcome, opened_at, closed_at, \
             created_by_name, updated_at) VALUES {}",
            values.join(",")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}
