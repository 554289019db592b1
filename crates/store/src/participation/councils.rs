//! Councils and associations: trade associations and their merchants, street co-governance
//! councils with their members in chair order, the chair's handovers, and the matters a council
//! handles. Which rows a caller sees is a [`Seen`] put into every query's `WHERE`: the places
//! inside their scope, and the places holding their own (the street council over a community
//! worker's community, or over a resident's home).

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result};
use jingzhi_domain::participation::councils::{MatterStatus, MemberKind, Trade};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Which places' rows a caller sees: those whose path lies inside `within` (a staff member's
/// scope; none for a resident), and those whose place is `over` or holds it (the caller's own
/// place: their scope, or a resident's home).
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub within: Option<&'a str>,
    pub over: &'a str,
}

/// The condition on `col` (a path column) for what `s` sees.
fn seen(p: &mut Params, col: &str, s: &Seen) -> String {
    // `/1/7/42/` is held by `/1/`, `/1/7/` and `/1/7/42/`.
    let mut holders = vec![];
    let mut prefix = String::from("/");
    for id in jingzhi_domain::scope::path_ids(s.over) {
        prefix.push_str(&format!("{id}/"));
        holders.push(p.push(V::T(prefix.clone())));
    }
    let over = if holders.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("{col} IN ({})", holders.join(", "))
    };
    match s.within {
        Some(w) => format!("({} OR {over})", p.range(col, w)),
        None => over,
    }
}

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

// ---------------------------------------------------------------------------------------------
// Associations and merchants

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Association {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub name: String,
    pub trade: Trade,
    pub merchants: i64,
    pub created_by_name: String,
    pub created_at: i64,
}

pub struct NewAssociation<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub name: &'a str,
    pub trade: Trade,
    pub created_by_name: &'a str,
    pub now: i64,
}

const ASSOCIATION_COLS: &str = "a.id, a.node_id, n.name AS node_name, a.path, a.name, a.trade, \
    a.created_by_name, a.created_at, \
    (SELECT COUNT(*) FROM merchants m WHERE m.association_id = a.id) AS merchants";

fn association_from(r: &AnyRow) -> Result<Association> {
    let trade: String = r.try_get("trade")?;
    Ok(Association {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        name: r.try_get("name")?,
        trade: Trade::parse(&trade).map_err(|_| bad("trade", &trade))?,
        merchants: r.try_get("merchants")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A new association; two of one name in one place are a [`Error::Conflict`] on `name`.
pub async fn insert_association(conn: &mut Conn, a: &NewAssociation<'_>) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO associations (node_id, path, name, trade, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(a.node_id)
    .bind(a.path)
    .bind(a.name)
    .bind(a.trade.as_str())
    .bind(a.created_by_name)
    .bind(a.now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "name"))
}

pub async fn get_association(conn: &mut Conn, s: &Seen<'_>, id: i64) -> Result<Association> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ASSOCIATION_COLS} FROM associations a JOIN nodes n ON n.id = a.node_id \
         WHERE a.id = {} AND {}",
        p.push(V::I(id)),
        seen(&mut p, "a.path", s)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(association_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The associations a caller sees, by place and name.
pub async fn list_associations(
    conn: &mut Conn,
    s: &Seen<'_>,
    limit: i64,
) -> Result<Vec<Association>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ASSOCIATION_COLS} FROM associations a JOIN nodes n ON n.id = a.node_id \
         WHERE {} ORDER BY a.path, a.id LIMIT {}",
        seen(&mut p, "a.path", s),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(association_from).collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Merchant {
    pub id: i64,
    pub building_id: i64,
    pub building_name: String,
    pub path: String,
    pub name: String,
    pub licence_number: String,
    pub contact_phone: Option<String>,
    pub association_id: Option<i64>,
    pub association_name: Option<String>,
    pub created_at: i64,
}

pub struct NewMerchant<'a> {
    pub building_id: i64,
    pub path: &'a str,
    pub name: &'a str,
    pub licence_number: &'a str,
    pub contact_phone: Option<&'a str>,
    pub association_id: Option<i64>,
    pub created_by_name: &'a str,
    pub now: i64,
}

const MERCHANT_COLS: &str = "m.id, m.building_id, n.name AS building_name, m.path, m.name, \
    m.licence_number, m.contact_phone, m.association_id, a.name AS association_name, m.created_at";

const MERCHANT_FROM: &str = "merchants m JOIN nodes n ON n.id = m.building_id \
    LEFT JOIN associations a ON a.id = m.association_id";

fn merchant_from(r: &AnyRow) -> Result<Merchant> {
    Ok(Merchant {
        id: r.try_get("id")?,
        building_id: r.try_get("building_id")?,
        building_name: r.try_get("building_name")?,
        path: r.try_get("path")?,
        name: r.try_get("name")?,
        licence_number: r.try_get("licence_number")?,
        contact_phone: r.try_get("contact_phone")?,
        association_id: r.try_get("association_id")?,
        association_name: r.try_get("association_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A new merchant; a licence number registered already is a [`Error::Conflict`] on
/// `licence_number`.
pub async fn insert_merchant(conn: &mut Conn, m: &NewMerchant<'_>) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO merchants (building_id, path, name, licence_number, contact_phone, \
         association_id, created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(m.building_id)
    .bind(m.path)
    .bind(m.name)
    .bind(m.licence_number)
    .bind(m.contact_phone)
    .bind(m.association_id)
    .bind(m.created_by_name)
    .bind(m.now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "licence_number"))
}

pub async fn get_merchant(conn: &mut Conn, s: &Seen<'_>, id: i64) -> Result<Merchant> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {MERCHANT_COLS} FROM {MERCHANT_FROM} WHERE m.id = {} AND {}",
        p.push(V::I(id)),
        seen(&mut p, "m.path", s)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(merchant_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The merchants a caller sees (of one association, if given), by name.
pub async fn list_merchants(
    conn: &mut Conn,
    s: &Seen<'_>,
    association_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Merchant>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT {MERCHANT_COLS} FROM {MERCHANT_FROM} WHERE {}",
        seen(&mut p, "m.path", s)
    );
    if let Some(a) = association_id {
        sql.push_str(&format!(" AND m.association_id = {}", p.push(V::I(a))));
    }
    sql.push_str(&format!(
        " ORDER BY m.path, m.name, m.id LIMIT {}",
        p.push(V::I(limit))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(merchant_from).collect()
}

// ---------------------------------------------------------------------------------------------
// Councils

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Council {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub name: String,
    pub term_days: i64,
    pub chair_member_id: Option<i64>,
    pub chair_since: Option<i64>,
    pub members: i64,
    pub matters: i64,
    pub settled: i64,
    pub created_by_name: String,
    pub created_at: i64,
}

pub struct NewCouncil<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub name: &'a str,
    pub term_days: i64,
    pub created_by_name: &'a str,
    pub now: i64,
}

const COUNCIL_COLS: &str = "c.id, c.node_id, n.name AS node_name, c.path, c.name, c.term_days, \
    c.chair_member_id, c.chair_since, c.created_by_name, c.created_at, \
    (SELECT COUNT(*) FROM council_members cm WHERE cm.council_id = c.id) AS members, \
    (SELECT COUNT(*) FROM council_matters mt WHERE mt.council_id = c.id) AS matters, \
    (SELECT COUNT(*) FROM council_matters mt WHERE mt.council_id = c.id AND mt.status = 'settled') AS settled";

fn council_from(r: &AnyRow) -> Result<Council> {
    Ok(Council {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        name: r.try_get("name")?,
        term_days: r.try_get("term_days")?,
        chair_member_id: r.try_get("chair_member_id")?,
        chair_since: r.try_get("chair_since")?,
        members: r.try_get("members")?,
        matters: r.try_get("matters")?,
        settled: r.try_get("settled")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert_council(conn: &mut Conn, c: &NewCouncil<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO councils (node_id, path, name, term_days, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(c.node_id)
    .bind(c.path)
    .bind(c.name)
    .bind(c.term_days)
    .bind(c.created_by_name)
    .bind(c.now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get_council(conn: &mut Conn, s: &Seen<'_>, id: i64) -> Result<Council> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COUNCIL_COLS} FROM councils c JOIN nodes n ON n.id = c.node_id \
         WHERE c.id = {} AND {}",
        p.push(V::I(id)),
        seen(&mut p, "c.path", s)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(council_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn list_councils(conn: &mut Conn, s: &Seen<'_>, limit: i64) -> Result<Vec<Council>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COUNCIL_COLS} FROM councils c JOIN nodes n ON n.id = c.node_id \
         WHERE {} ORDER BY c.path, c.id LIMIT {}",
        seen(&mut p, "c.path", s),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(council_from).collect()
}

/// Lock the council's row until the transaction ends (a no-op update), so that members joining
/// and handovers at once are taken one after the other.
pub async fn lock_council(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE councils SET term_days = term_days WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub id: i64,
    pub council_id: i64,
    pub position: i64,
    pub kind: MemberKind,
    pub name: String,
    pub node_id: Option<i64>,
    pub association_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub joined_at: i64,
}

pub struct NewMember<'a> {
    pub council_id: i64,
    pub kind: MemberKind,
    pub name: &'a str,
    pub node_id: Option<i64>,
    pub association_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub now: i64,
}

/// A council's members in chair order.
pub async fn members(conn: &mut Conn, council_id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT id, council_id, position, kind, name, node_id, association_id, merchant_id, \
         joined_at FROM council_members WHERE council_id = $1 ORDER BY position",
    )
    .bind(council_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Member {
                id: r.try_get("id")?,
                council_id: r.try_get("council_id")?,
                position: r.try_get("position")?,
                kind: MemberKind::parse(&kind).map_err(|_| bad("kind", &kind))?,
                name: r.try_get("name")?,
                node_id: r.try_get("node_id")?,
                association_id: r.try_get("association_id")?,
                merchant_id: r.try_get("merchant_id")?,
                joined_at: r.try_get("joined_at")?,
            })
        })
        .collect()
}

/// A member joins at the end of the chair order; a member of that name on the council already
/// is a [`Error::Conflict`] on `name`. Lock the council first ([`lock_council`]).
pub async fn add_member(conn: &mut Conn, m: &NewMember<'_>) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO council_members (council_id, position, kind, name, node_id, association_id, \
         merchant_id, joined_at) \
         SELECT $1, COALESCE(MAX(position), 0) + 1, $2, $3, $4, $5, $6, $7 \
         FROM council_members WHERE council_id = $1 RETURNING id",
    )
    .bind(m.council_id)
    .bind(m.kind.as_str())
    .bind(m.name)
    .bind(m.node_id)
    .bind(m.association_id)
    .bind(m.merchant_id)
    .bind(m.now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "name"))
}

/// Pass the chair from `from` (none: the first chair) to `to` since `at`, if `from` still
/// chairs; false if someone else moved it first.
pub async fn set_chair(
    conn: &mut Conn,
    council_id: i64,
    from: Option<i64>,
    to: i64,
    at: i64,
) -> Result<bool> {
    let q = match from {
        Some(f) => sqlx::query(
            "UPDATE councils SET chair_member_id = $1, chair_since = $2 \
             WHERE id = $3 AND chair_member_id = $4",
        )
        .bind(to)
        .bind(at)
        .bind(council_id)
        .bind(f),
        None => sqlx::query(
            "UPDATE councils SET chair_member_id = $1, chair_since = $2 \
             WHERE id = $3 AND chair_member_id IS NULL",
        )
        .bind(to)
        .bind(at)
        .bind(council_id),
    };
    Ok(q.execute(&mut *conn).await?.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Handover {
    pub id: i64,
    pub from_member_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_member_id: i64,
    pub to_name: String,
    pub at: i64,
    pub recorded_by_name: String,
}

pub async fn add_handover(
    conn: &mut Conn,
    council_id: i64,
    from: Option<i64>,
    to: i64,
    at: i64,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO council_handovers (council_id, from_member_id, to_member_id, at, \
         recorded_by_name) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(council_id)
    .bind(from)
    .bind(to)
    .bind(at)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?)
}

/// A council's handovers, newest first.
pub async fn handovers(conn: &mut Conn, council_id: i64, limit: i64) -> Result<Vec<Handover>> {
    let rows = sqlx::query(
        "SELECT h.id, h.from_member_id, f.name AS from_name, h.to_member_id, t.name AS to_name, \
         h.at, h.recorded_by_name FROM council_handovers h \
         JOIN council_members t ON t.id = h.to_member_id \
         LEFT JOIN council_members f ON f.id = h.from_member_id \
         WHERE h.council_id = $1 ORDER BY h.at DESC, h.id DESC LIMIT $2",
    )
    .bind(council_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Handover {
                id: r.try_get("id")?,
                from_member_id: r.try_get("from_member_id")?,
                from_name: r.try_get("from_name")?,
                to_member_id: r.try_get("to_member_id")?,
                to_name: r.try_get("to_name")?,
                at: r.try_get("at")?,
                recorded_by_name: r.try_get("recorded_by_name")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Matter {
    pub id: i64,
    pub council_id: i64,
    pub title: String,
    pub status: MatterStatus,
    pub raised_at: i64,
    pub raised_by_name: String,
    pub outcome: Option<String>,
    pub settled_at: Option<i64>,
    pub settled_by_name: Option<String>,
}

const MATTER_COLS: &str = "mt.id, mt.council_id, mt.title, mt.status, mt.raised_at, \
    mt.raised_by_name, mt.outcome, mt.settled_at, mt.settled_by_name";

fn matter_from(r: &AnyRow) -> Result<Matter> {
    let status: String = r.try_get("status")?;
    Ok(Matter {
        id: r.try_get("id")?,
        council_id: r.try_get("council_id")?,
        title: r.try_get("title")?,
        status: MatterStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        raised_at: r.try_get("raised_at")?,
        raised_by_name: r.try_get("raised_by_name")?,
        outcome: r.try_get("outcome")?,
        settled_at: r.try_get("settled_at")?,
        settled_by_name: r.try_get("settled_by_name")?,
    })
}

pub async fn insert_matter(
    conn: &mut Conn,
    council_id: i64,
    title: &str,
    raised_at: i64,
    by: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO council_matters (council_id, title, status, raised_at, raised_by_name) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(council_id)
    .bind(title)
    .bind(MatterStatus::Open.as_str())
    .bind(raised_at)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?)
}

/// A matter of a council the caller sees.
pub async fn get_matter(conn: &mut Conn, s: &Seen<'_>, id: i64) -> Result<Matter> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {MATTER_COLS} FROM council_matters mt JOIN councils c ON c.id = mt.council_id \
         WHERE mt.id = {} AND {}",
        p.push(V::I(id)),
        seen(&mut p, "c.path", s)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(matter_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A council's matters, newest first.
pub async fn matters(conn: &mut Conn, council_id: i64, limit: i64) -> Result<Vec<Matter>> {
    let rows = sqlx::query(&format!(
        "SELECT {MATTER_COLS} FROM council_matters mt WHERE mt.council_id = $1 \
         ORDER BY mt.raised_at DESC, mt.id DESC LIMIT $2"
    ))
    .bind(council_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(matter_from).collect()
}

/// Record a matter's outcome, if it is still open; false if it was settled already.
pub async fn settle_matter(
    conn: &mut Conn,
    id: i64,
    outcome: &str,
    at: i64,
    by: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE council_matters SET status = $1, outcome = $2, settled_at = $3, \
         settled_by_name = $4 WHERE id = $5 AND status = $6",
    )
    .bind(MatterStatus::Settled.as_str())
    .bind(outcome)
    .bind(at)
    .bind(by)
    .bind(id)
    .bind(MatterStatus::Open.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}
