//! Parking spaces, their shared hours, rental contracts and rent payments (docs/parking.md).
//! Staff reach them through their scope (`path` range).

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::parking::{Period, Window};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn window_from(r: &AnyRow) -> Result<Window> {
    Ok(Window {
        days: r.try_get::<i64, _>("days")? as u8,
        start: r.try_get::<i64, _>("start_min")? as u16,
        end: r.try_get::<i64, _>("end_min")? as u16,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Space {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub number: String,
    pub note: String,
    pub windows: Vec<Window>,
    pub created_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_space(
    conn: &mut Conn,
    node_id: i64,
    path: &str,
    number: &str,
    note: &str,
    windows: &[Window],
    by: &str,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO parking_spaces (node_id, path, number, note, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(node_id)
    .bind(path)
    .bind(number)
    .bind(note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for w in windows {
        sqlx::query(
            "INSERT INTO parking_windows (space_id, days, start_min, end_min) VALUES ($1,$2,$3,$4)",
        )
        .bind(id)
        .bind(w.days as i64)
        .bind(w.start as i64)
        .bind(w.end as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn number_taken(conn: &mut Conn, node_id: i64, number: &str) -> Result<bool> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT id FROM parking_spaces WHERE node_id = $1 AND number = $2")
            .bind(node_id)
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(n.is_some())
}

async fn windows_of(conn: &mut Conn, space_id: i64) -> Result<Vec<Window>> {
    let rows = sqlx::query(
        "SELECT days, start_min, end_min FROM parking_windows WHERE space_id = $1 ORDER BY id",
    )
    .bind(space_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(window_from).collect()
}

fn space_from(r: &AnyRow) -> Result<Space> {
    Ok(Space {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        number: r.try_get("number")?,
        note: r.try_get("note")?,
        windows: Vec::new(),
        created_at: r.try_get("created_at")?,
    })
}

const SPACE_SQL: &str = "SELECT s.id, s.node_id, n.name AS node_name, s.path, s.number, s.note, \
    s.created_at FROM parking_spaces s JOIN nodes n ON n.id = s.node_id";

/// A space inside the scope, with its windows.
pub async fn get_space(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Space> {
    let mut p = Params::default();
    let sql = format!(
        "{SPACE_SQL} WHERE s.id = {} AND {}",
        p.push(V::I(id)),
        p.range("s.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let mut s = space_from(&r)?;
    s.windows = windows_of(conn, s.id).await?;
    Ok(s)
}

/// Spaces inside the scope, by place and number, with their windows.
pub async fn spaces(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Space>> {
    let mut p = Params::default();
    let sql = format!(
        "{SPACE_SQL} WHERE {} ORDER BY s.path, s.number LIMIT {}",
        p.range("s.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<Space> = rows.iter().map(space_from).collect::<Result<_>>()?;
    for s in &mut out {
        s.windows = windows_of(conn, s.id).await?;
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contract {
    pub id: i64,
    pub space_id: i64,
    pub space_number: String,
    pub path: String,
    pub fund_id: i64,
    pub fund_name: String,
    pub tenant_mask: String,
    pub phone_mask: Option<String>,
    pub window: Window,
    pub starts_on: String,
    pub ends_on: String,
    pub period: Period,
    pub rent_fen: i64,
    pub created_by_name: String,
    pub created_at: i64,
    /// The first days of the periods paid for.
    pub paid: Vec<String>,
}

pub struct NewContract<'a> {
    pub space_id: i64,
    pub path: &'a str,
    pub fund_id: i64,
    pub tenant_sealed: Vec<u8>,
    pub tenant_mask: &'a str,
    pub phone_sealed: Option<Vec<u8>>,
    pub phone_mask: Option<&'a str>,
    pub window: Window,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub period: Period,
    pub rent_fen: i64,
    pub by: &'a str,
    pub now: i64,
}

pub async fn insert_contract(conn: &mut Conn, c: &NewContract<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO parking_contracts (space_id, path, fund_id, tenant_sealed, tenant_mask, \
         phone_sealed, phone_mask, days, start_min, end_min, starts_on, ends_on, period, rent_fen, \
         created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) \
         RETURNING id",
    )
    .bind(c.space_id)
    .bind(c.path)
    .bind(c.fund_id)
    .bind(c.tenant_sealed.clone())
    .bind(c.tenant_mask)
    .bind(c.phone_sealed.clone())
    .bind(c.phone_mask)
    .bind(c.window.days as i64)
    .bind(c.window.start as i64)
    .bind(c.window.end as i64)
    .bind(c.starts_on)
    .bind(c.ends_on)
    .bind(c.period.as_str())
    .bind(c.rent_fen)
    .bind(c.by)
    .bind(c.now)
    .fetch_one(&mut *conn)
    .await?)
}

const CONTRACT_SQL: &str = "SELECT c.id, c.space_id, s.number AS space_number, c.path, c.fund_id, \
    f.name AS fund_name, c.tenant_mask, c.phone_mask, c.days, c.start_min, c.end_min, c.starts_on, \
    c.ends_on, c.period, c.rent_fen, c.created_by_name, c.created_at FROM parking_contracts c \
    JOIN parking_spaces s ON s.id = c.space_id JOIN funds f ON f.id = c.fund_id";

fn contract_from(r: &AnyRow) -> Result<Contract> {
    let period: String = r.try_get("period")?;
    Ok(Contract {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        space_number: r.try_get("space_number")?,
        path: r.try_get("path")?,
        fund_id: r.try_get("fund_id")?,
        fund_name: r.try_get("fund_name")?,
        tenant_mask: r.try_get("tenant_mask")?,
        phone_mask: r.try_get("phone_mask")?,
        window: window_from(r)?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        period: Period::parse(&period)
            .map_err(|_| Error::Db(sqlx::Error::Decode(format!("bad period: {period}").into())))?,
        rent_fen: r.try_get("rent_fen")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        paid: Vec::new(),
    })
}

async fn with_paid(conn: &mut Conn, mut list: Vec<Contract>) -> Result<Vec<Contract>> {
    for c in &mut list {
        c.paid = sqlx::query_scalar(
            "SELECT period_start FROM parking_payments WHERE contract_id = $1 ORDER BY period_start",
        )
        .bind(c.id)
        .fetch_all(&mut *conn)
        .await?;
    }
    Ok(list)
}

pub async fn get_contract(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Contract> {
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
    let c = contract_from(&r)?;
    Ok(with_paid(conn, vec![c]).await?.remove(0))
}

/// Contracts inside the scope (of one space, if given), newest first.
pub async fn contracts(
    conn: &mut Conn,
    scope: &Scope,
    space_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Contract>> {
    let mut p = Params::default();
    let mut sql = format!("{CONTRACT_SQL} WHERE {}", p.range("c.path", &scope.path));
    if let Some(s) = space_id {
        sql += &format!(" AND c.space_id = {}", p.push(V::I(s)));
    }
    sql += &format!(
        " ORDER BY s.number, c.starts_on DESC, c.id DESC LIMIT {}",
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let list = rows.iter().map(contract_from).collect::<Result<Vec<_>>>()?;
    with_paid(conn, list).await
}

/// Lock a space's row for the rest of the transaction (two contracts for it are checked
/// against each other one after the other).
pub async fn lock_space(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE parking_spaces SET note = note WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_payment(
    conn: &mut Conn,
    contract_id: i64,
    period_start: &str,
    amount_fen: i64,
    paid_on: &str,
    fund_entry_id: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO parking_payments (contract_id, period_start, amount_fen, paid_on, fund_entry_id, \
         recorded_by_name, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(contract_id)
    .bind(period_start)
    .bind(amount_fen)
    .bind(paid_on)
    .bind(fund_entry_id)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}
