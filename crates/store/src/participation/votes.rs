//! Votes, the units eligible when each opened, and the ballots (one per unit). Staff reach a vote
//! through their scope (the vote's place inside it); a resident reaches it through their own place
//! (the vote's place above or at it).

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::participation::votes::{Majority, MajorityOf, Unit, ADULT_AGE};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vote {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub question: String,
    pub options: Vec<String>,
    pub unit: Unit,
    pub quorum_percent: u8,
    pub majority: Majority,
    pub majority_of: MajorityOf,
    pub opens_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    /// Units eligible, once taken at the opening.
    pub eligible: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
}

pub struct NewVote<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub question: &'a str,
    pub options: &'a [String],
    pub unit: Unit,
    pub quorum_percent: u8,
    pub majority: Majority,
    pub majority_of: MajorityOf,
    pub opens_at: i64,
    pub closes_at: i64,
    pub created_by: Option<i64>,
    pub created_by_name: &'a str,
    pub now: i64,
}

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

const COLS: &str =
    "v.id, v.node_id, n.name AS node_name, v.path, v.question, v.options_json, v.unit, \
    v.quorum_percent, v.majority, v.majority_of, v.opens_at, v.closes_at, v.closed_at, v.eligible, \
    v.created_by_name, v.created_at";

fn vote_from(r: &AnyRow) -> Result<Vote> {
    let unit: String = r.try_get("unit")?;
    let majority: String = r.try_get("majority")?;
    let of: String = r.try_get("majority_of")?;
    let options: String = r.try_get("options_json")?;
    let quorum: i32 = r.try_get("quorum_percent")?;
    Ok(Vote {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        question: r.try_get("question")?,
        options: serde_json::from_str(&options).map_err(|_| decode("options", &options))?,
        unit: Unit::parse(&unit).map_err(|_| decode("unit", &unit))?,
        quorum_percent: u8::try_from(quorum).map_err(|_| decode("quorum", &quorum.to_string()))?,
        majority: Majority::parse(&majority).map_err(|_| decode("majority", &majority))?,
        majority_of: MajorityOf::parse(&of).map_err(|_| decode("majority_of", &of))?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        closed_at: r.try_get("closed_at")?,
        eligible: r.try_get("eligible")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut Conn, v: &NewVote<'_>) -> Result<i64> {
    let options = serde_json::to_string(v.options).expect("strings serialise");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO votes (node_id, path, question, options_json, unit, quorum_percent, majority, \
         majority_of, opens_at, closes_at, created_by, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id",
    )
    .bind(v.node_id)
    .bind(v.path)
    .bind(v.question)
    .bind(options)
    .bind(v.unit.as_str())
    .bind(i32::from(v.quorum_percent))
    .bind(v.majority.as_str())
    .bind(v.majority_of.as_str())
    .bind(v.opens_at)
    .bind(v.closes_at)
    .bind(v.created_by)
    .bind(v.created_by_name)
    .bind(v.now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A vote whose place is inside the scope (staff).
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Vote> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM votes v JOIN nodes n ON n.id = v.node_id WHERE v.id = {} AND {}",
        p.push(V::I(id)),
        p.range("v.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(vote_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Votes of places below `under` (a path inside the scope), newest first.
pub async fn list(conn: &mut Conn, scope: &Scope, under: &str, limit: i64) -> Result<Vec<Vote>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM votes v JOIN nodes n ON n.id = v.node_id WHERE {} AND {} \
         ORDER BY v.opens_at DESC, v.id DESC LIMIT {}",
        p.range("v.path", &scope.path),
        p.range("v.path", under),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(vote_from).collect()
}

/// Votes whose place holds `own_path` (a resident's place), newest first.
pub async fn list_over(conn: &mut Conn, own_path: &str, limit: i64) -> Result<Vec<Vote>> {
    let mut p = Params::default();
    let Some(over) = over(&mut p, own_path) else {
        return Ok(vec![]);
    };
    let sql = format!(
        "SELECT {COLS} FROM votes v JOIN nodes n ON n.id = v.node_id WHERE {over} \
         ORDER BY v.opens_at DESC, v.id DESC LIMIT {}",
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(vote_from).collect()
}

/// `v.path IN (…)`: the vote's place is `own_path` or above it (`None` for an empty path).
fn over(p: &mut Params, own_path: &str) -> Option<String> {
    let list: Vec<String> = self_and_ancestors(own_path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    (!list.is_empty()).then(|| format!("v.path IN ({})", list.join(",")))
}

/// The paths of `path` and of every place above it (`/1/2/3/` → `/1/`, `/1/2/`, `/1/2/3/`).
fn self_and_ancestors(path: &str) -> Vec<String> {
    path.char_indices()
        .skip(1)
        .filter(|(_, c)| *c == '/')
        .map(|(i, _)| path[..=i].to_string())
        .collect()
}

/// A vote whose place holds `own_path` (a resident's place): at it or above it.
pub async fn get_over(conn: &mut Conn, own_path: &str, id: i64) -> Result<Vote> {
    let mut p = Params::default();
    let id_ph = p.push(V::I(id));
    let over = over(&mut p, own_path).ok_or(Error::NotFound)?;
    let sql = format!(
        "SELECT {COLS} FROM votes v JOIN nodes n ON n.id = v.node_id WHERE v.id = {id_ph} \
         AND {over}"
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(vote_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The date `years` before `on` (`YYYY-MM-DD`; 29 February falls back to the 28th), compared
/// with the register's birth dates as text.
fn years_before(on: time::Date, years: i32) -> String {
    let y = on.year() - years;
    let d = time::Date::from_calendar_date(y, on.month(), on.day())
        .or_else(|_| time::Date::from_calendar_date(y, on.month(), on.day() - 1))
        .unwrap_or(on);
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Take the units eligible for the vote, once, when it has opened: households of the place with
/// at least one resident, its adult residents (adult on `opening_date`), or its representatives.
/// Claims the vote first (`eligible` from NULL to -1), so two first ballots at once take them
/// once; returns the number eligible.
pub async fn take_units(conn: &mut Conn, v: &Vote, opening_date: time::Date) -> Result<i64> {
    if let Some(n) = v.eligible {
        return Ok(n);
    }
    let claimed = sqlx::query("UPDATE votes SET eligible = -1 WHERE id = $1 AND eligible IS NULL")
        .bind(v.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if claimed == 0 {
        // Another transaction took them (and has committed: the claim waited for its lock).
        let n: Option<i64> = sqlx::query_scalar("SELECT eligible FROM votes WHERE id = $1")
            .bind(v.id)
            .fetch_one(&mut *conn)
            .await?;
        return n.ok_or(Error::NotFound);
    }
    let mut p = Params::default();
    let vid = p.push(V::I(v.id));
    let range = p.range("r.path", &v.path);
    let select = match v.unit {
        Unit::Household => {
            format!("SELECT DISTINCT {vid}, r.household_id FROM residents r WHERE {range}")
        }
        Unit::Resident => {
            let cutoff = p.push(V::T(years_before(opening_date, ADULT_AGE)));
            format!(
                "SELECT {vid}, r.id FROM residents r WHERE {range} AND r.birth_date <= {cutoff}"
            )
        }
        Unit::Representative => format!(
            "SELECT {vid}, r.id FROM representatives rp JOIN residents r ON r.id = rp.resident_id \
             WHERE {range}"
        ),
    };
    let sql = format!("INSERT INTO vote_units (vote_id, unit_id) {select}");
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected() as i64;
    sqlx::query("UPDATE votes SET eligible = $1 WHERE id = $2")
        .bind(n)
        .bind(v.id)
        .execute(&mut *conn)
        .await?;
    Ok(n)
}

/// The unit is among those taken at the opening.
pub async fn is_eligible(conn: &mut Conn, vote_id: i64, unit_id: i64) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM vote_units WHERE vote_id = $1 AND unit_id = $2")
            .bind(vote_id)
            .bind(unit_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

pub struct NewBallot {
    pub vote_id: i64,
    pub unit_id: i64,
    pub option_index: usize,
    pub resident_id: Option<i64>,
    /// `online` or `paper`.
    pub channel: &'static str,
    pub recorded_by: Option<i64>,
    pub at: i64,
}

/// Record a unit's ballot; `Conflict("ballot")` if the unit has one already (from any member,
/// through any channel). Never fails the transaction on the duplicate (ON CONFLICT DO NOTHING).
pub async fn insert_ballot(conn: &mut Conn, b: &NewBallot) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ballots (vote_id, unit_id, option_index, resident_id, channel, recorded_by, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (vote_id, unit_id) DO NOTHING RETURNING id",
    )
    .bind(b.vote_id)
    .bind(b.unit_id)
    .bind(b.option_index as i64)
    .bind(b.resident_id)
    .bind(b.channel)
    .bind(b.recorded_by)
    .bind(b.at)
    .fetch_optional(&mut *conn)
    .await?;
    id.ok_or_else(|| Error::Conflict("ballot".into()))
}

/// Ballots per option index (options with none are absent).
pub async fn counts(conn: &mut Conn, vote_id: i64) -> Result<Vec<(usize, i64)>> {
    let rows = sqlx::query(
        "SELECT option_index, COUNT(*) AS n FROM ballots WHERE vote_id = $1 GROUP BY option_index",
    )
    .bind(vote_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let i: i32 = r.try_get("option_index")?;
            Ok((usize::try_from(i).unwrap_or(usize::MAX), r.try_get("n")?))
        })
        .collect()
}

/// The option (index) a unit's ballot chose and its channel, if the unit has voted.
pub async fn unit_ballot(
    conn: &mut Conn,
    vote_id: i64,
    unit_id: i64,
) -> Result<Option<(usize, String)>> {
    let row = sqlx::query(
        "SELECT option_index, channel FROM ballots WHERE vote_id = $1 AND unit_id = $2",
    )
    .bind(vote_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let i: i32 = r.try_get("option_index")?;
        Ok((
            usize::try_from(i).unwrap_or(usize::MAX),
            r.try_get("channel")?,
        ))
    })
    .transpose()
}

/// Eligible units that have not voted, for entering paper ballots: (unit id, what staff
/// recognise it by: the household's address, or the resident's name and address), by address.
pub async fn not_voted(conn: &mut Conn, v: &Vote, limit: i64) -> Result<Vec<(i64, String)>> {
    let sql = match v.unit {
        Unit::Household => {
            "SELECT u.unit_id AS id, h.address AS label FROM vote_units u \
             JOIN households h ON h.id = u.unit_id \
             WHERE u.vote_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM ballots b WHERE b.vote_id = u.vote_id AND b.unit_id = u.unit_id) \
             ORDER BY h.address, h.id LIMIT $2"
        }
        Unit::Resident | Unit::Representative => {
            "SELECT u.unit_id AS id, r.name || ' · ' || h.address AS label FROM vote_units u \
             JOIN residents r ON r.id = u.unit_id JOIN households h ON h.id = r.household_id \
             WHERE u.vote_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM ballots b WHERE b.vote_id = u.vote_id AND b.unit_id = u.unit_id) \
             ORDER BY h.address, r.id LIMIT $2"
        }
    };
    let rows = sqlx::query(sql)
        .bind(v.id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("label")?)))
        .collect()
}

/// Close a vote by hand (if it is not closed yet); false if it was.
pub async fn close(conn: &mut Conn, id: i64, at: i64) -> Result<bool> {
    let n = sqlx::query("UPDATE votes SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The member a household named to cast its ballots, if any.
pub async fn household_voter(conn: &mut Conn, household_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT resident_id FROM household_voters WHERE household_id = $1")
            .bind(household_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The resident is a residents' representative.
pub async fn is_representative(conn: &mut Conn, resident_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM representatives WHERE resident_id = $1")
        .bind(resident_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Name a resident a residents' representative (`on`), or no longer; false if nothing changed.
pub async fn set_representative(
    conn: &mut Conn,
    resident_id: i64,
    path: &str,
    on: bool,
    by: Option<i64>,
    now: i64,
) -> Result<bool> {
    let n = if on {
        sqlx::query(
            "INSERT INTO representatives (resident_id, path, since, named_by) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (resident_id) DO NOTHING",
        )
        .bind(resident_id)
        .bind(path)
        .bind(now)
        .bind(by)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    } else {
        sqlx::query("DELETE FROM representatives WHERE resident_id = $1")
            .bind(resident_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    };
    Ok(n == 1)
}

/// The member a household names to cast its ballots (`Some`), or none (any adult member).
pub async fn set_household_voter(
    conn: &mut Conn,
    household_id: i64,
    resident_id: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM household_voters WHERE household_id = $1")
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    if let Some(r) = resident_id {
        sqlx::query(
            "INSERT INTO household_voters (household_id, resident_id, since) VALUES ($1,$2,$3)",
        )
        .bind(household_id)
        .bind(r)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ancestors_and_cutoffs() {
        assert_eq!(
            self_and_ancestors("/1/2/3/"),
            vec!["/1/", "/1/2/", "/1/2/3/"]
        );
        assert_eq!(years_before(date!(2026 - 12 - 04), 18), "2008-12-04");
        assert_eq!(years_before(date!(2028 - 02 - 29), 18), "2010-02-28");
    }
}

/// The residents' representatives living below a place: (resident id, name), by name.
pub async fn representatives_in(conn: &mut Conn, path: &str) -> Result<Vec<(i64, String)>> {
    let (lo, hi) = jingzhi_domain::scope::path_range(path);
    let rows = sqlx::query(
        "SELECT r.id, r.name FROM representatives p JOIN residents r ON r.id = p.resident_id \
         WHERE r.path >= $1 AND r.path < $2 ORDER BY r.name, r.id LIMIT 500",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}
