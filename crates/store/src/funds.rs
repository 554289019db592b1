//! Community funds and their ledger (docs/funds.md). Staff reach a fund and its entries through
//! their scope (`path` range); the public page reads a fund by id with no scope, and only the
//! columns that carry no personal data.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::funds::{Account, EntryKind, FundKind, State};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fund {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub name: String,
    pub kind: FundKind,
    pub threshold_fen: i64,
    pub created_by_name: String,
    pub created_at: i64,
    /// The sum of the fund's posted lines.
    pub balance_fen: i64,
}

const FUND_COLS: &str = "f.id, f.node_id, n.name AS node_name, f.path, f.name, f.kind, \
    f.threshold_fen, f.created_by_name, f.created_at, \
    CAST(COALESCE((SELECT SUM(m.inflow - m.outflow) FROM fund_months m WHERE m.fund_id = f.id), 0) \
    AS BIGINT) AS balance_fen";

fn fund_from(r: &AnyRow) -> Result<Fund> {
    let kind: String = r.try_get("kind")?;
    Ok(Fund {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        name: r.try_get("name")?,
        kind: FundKind::parse(&kind).map_err(|_| decode("fund kind", &kind))?,
        threshold_fen: r.try_get("threshold_fen")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        balance_fen: r.try_get("balance_fen")?,
    })
}

pub struct NewFund<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub name: &'a str,
    pub kind: FundKind,
    pub threshold_fen: i64,
    pub created_by_name: &'a str,
    pub now: i64,
}

pub async fn insert_fund(conn: &mut Conn, f: &NewFund<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO funds (node_id, path, name, kind, threshold_fen, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(f.node_id)
    .bind(f.path)
    .bind(f.name)
    .bind(f.kind.as_str())
    .bind(f.threshold_fen)
    .bind(f.created_by_name)
    .bind(f.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A fund whose place is inside the scope.
pub async fn get_fund(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Fund> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {FUND_COLS} FROM funds f JOIN nodes n ON n.id = f.node_id WHERE f.id = {} AND {}",
        p.push(V::I(id)),
        p.range("f.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(fund_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Funds of places inside the scope, by place and name.
pub async fn list_funds(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Fund>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {FUND_COLS} FROM funds f JOIN nodes n ON n.id = f.node_id WHERE {} \
         ORDER BY f.path, f.id LIMIT {}",
        p.range("f.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(fund_from).collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FundEntry {
    pub id: i64,
    pub fund_id: i64,
    pub path: String,
    pub kind: EntryKind,
    pub category: String,
    pub amount_fen: i64,
    pub counter_fund_id: Option<i64>,
    pub counter_fund_name: Option<String>,
    pub purpose: String,
    pub voucher_no: String,
    pub occurred_on: String,
    pub household_id: Option<i64>,
    /// The subsidised household's building (what the public page names).
    pub building_name: Option<String>,
    pub decision_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub related_id: Option<i64>,
    pub state: State,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: String,
    pub recorded_at: i64,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub reject_reason: Option<String>,
    pub has_voucher: bool,
    /// The reversal that undid it (pending or posted).
    pub reversed_by: Option<i64>,
}

const ENTRY_COLS: &str = "e.id, e.fund_id, e.path, e.kind, e.category, e.amount_fen, \
    e.counter_fund_id, cf.name AS counter_fund_name, e.purpose, e.voucher_no, e.occurred_on, \
    e.household_id, b.name AS building_name, e.decision_id, e.reverses_id, e.related_id, e.state, \
    e.recorded_by, e.recorded_by_name, e.recorded_at, e.decided_by, e.decided_by_name, \
    e.decided_at, e.reject_reason, \
    (SELECT COUNT(*) FROM fund_vouchers v WHERE v.entry_id = e.id) AS vouchers, \
    (SELECT MIN(r.id) FROM fund_entries r WHERE r.reverses_id = e.id AND r.state <> 'rejected') \
      AS reversed_by";

const ENTRY_FROM: &str = "fund_entries e LEFT JOIN funds cf ON cf.id = e.counter_fund_id \
    LEFT JOIN households h ON h.id = e.household_id LEFT JOIN nodes b ON b.id = h.building_id";

fn entry_from(r: &AnyRow) -> Result<FundEntry> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let vouchers: i64 = r.try_get("vouchers")?;
    Ok(FundEntry {
        id: r.try_get("id")?,
        fund_id: r.try_get("fund_id")?,
        path: r.try_get("path")?,
        kind: EntryKind::parse(&kind).map_err(|_| decode("entry kind", &kind))?,
        category: r.try_get("category")?,
        amount_fen: r.try_get("amount_fen")?,
        counter_fund_id: r.try_get("counter_fund_id")?,
        counter_fund_name: r.try_get("counter_fund_name")?,
        purpose: r.try_get("purpose")?,
        voucher_no: r.try_get("voucher_no")?,
        occurred_on: r.try_get("occurred_on")?,
        household_id: r.try_get("household_id")?,
        building_name: r.try_get("building_name")?,
        decision_id: r.try_get("decision_id")?,
        reverses_id: r.try_get("reverses_id")?,
        related_id: r.try_get("related_id")?,
        state: State::parse(&state).ok_or_else(|| decode("entry state", &state))?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        recorded_at: r.try_get("recorded_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        reject_reason: r.try_get("reject_reason")?,
        has_voucher: vouchers > 0,
        reversed_by: r.try_get("reversed_by")?,
    })
}

pub struct NewEntry<'a> {
    pub fund_id: i64,
    pub path: &'a str,
    pub kind: EntryKind,
    pub category: &'a str,
    pub amount_fen: i64,
    pub counter_fund_id: Option<i64>,
    pub purpose: &'a str,
    pub voucher_no: &'a str,
    pub occurred_on: &'a str,
    pub household_id: Option<i64>,
    pub decision_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub related_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: &'a str,
    pub now: i64,
}

/// Record an entry, pending.
pub async fn insert_entry(conn: &mut Conn, e: &NewEntry<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO fund_entries (fund_id, path, kind, category, amount_fen, counter_fund_id, \
         purpose, voucher_no, occurred_on, household_id, decision_id, reverses_id, related_id, \
         state, recorded_by, recorded_by_name, recorded_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'pending',$14,$15,$16) RETURNING id",
    )
    .bind(e.fund_id)
    .bind(e.path)
    .bind(e.kind.as_str())
    .bind(e.category)
    .bind(e.amount_fen)
    .bind(e.counter_fund_id)
    .bind(e.purpose)
    .bind(e.voucher_no)
    .bind(e.occurred_on)
    .bind(e.household_id)
    .bind(e.decision_id)
    .bind(e.reverses_id)
    .bind(e.related_id)
    .bind(e.recorded_by)
    .bind(e.recorded_by_name)
    .bind(e.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// An entry whose fund's place is inside the scope.
pub async fn get_entry(conn: &mut Conn, scope: &Scope, id: i64) -> Result<FundEntry> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {ENTRY_COLS} FROM {ENTRY_FROM} WHERE e.id = {} AND {}",
        p.push(V::I(id)),
        p.range("e.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(entry_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A fund's entries, newest first (`states`: which to list). The page's ids first, from the
/// indexes alone; then their columns (the correlated counts run for those rows only).
pub async fn entries(
    conn: &mut Conn,
    fund_id: i64,
    states: &[State],
    limit: i64,
    offset: i64,
) -> Result<Vec<FundEntry>> {
    let mut p = Params::default();
    let f = p.push(V::I(fund_id));
    let st: Vec<String> = states
        .iter()
        .map(|s| p.push(V::T(s.as_str().into())))
        .collect();
    let st = st.join(",");
    let sql = format!(
        "SELECT u.id FROM (SELECT id FROM fund_entries WHERE fund_id = {f} AND state IN ({st}) \
         UNION ALL SELECT id FROM fund_entries WHERE counter_fund_id = {f} AND state IN ({st})) \
         AS u ORDER BY u.id DESC LIMIT {} OFFSET {}",
        p.push(V::I(limit)),
        p.push(V::I(offset))
    );
    let ids: Vec<i64> = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = Params::default();
    let list: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    // No ORDER BY here: with one, SQLite walks the whole table backwards instead of looking
    // the fifty ids up.
    let sql = format!(
        "SELECT {ENTRY_COLS} FROM {ENTRY_FROM} WHERE e.id IN ({})",
        list.join(",")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = rows.iter().map(entry_from).collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}

/// How many entries of these states a fund has (its page's pager).
pub async fn count_entries(conn: &mut Conn, fund_id: i64, states: &[State]) -> Result<i64> {
    let mut p = Params::default();
    let f = p.push(V::I(fund_id));
    let st: Vec<String> = states
        .iter()
        .map(|s| p.push(V::T(s.as_str().into())))
        .collect();
    let st = st.join(",");
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM fund_entries WHERE fund_id = {f} AND state IN ({st})) + \
         (SELECT COUNT(*) FROM fund_entries WHERE counter_fund_id = {f} AND state IN ({st}))"
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get(0)?)
}

/// Settle a pending entry (posted or rejected); false if it was settled already.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    state: State,
    by: Option<i64>,
    by_name: &str,
    at: i64,
    reason: Option<&str>,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE fund_entries SET state = $1, decided_by = $2, decided_by_name = $3, \
         decided_at = $4, reject_reason = $5 WHERE id = $6 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(by)
    .bind(by_name)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Change a pending entry's amount, purpose and voucher number (its recorder, before approval).
pub async fn amend_pending(
    conn: &mut Conn,
    id: i64,
    amount_fen: i64,
    purpose: &str,
    voucher_no: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE fund_entries SET amount_fen = $1, purpose = $2, voucher_no = $3 \
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(amount_fen)
    .bind(purpose)
    .bind(voucher_no)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

fn parse_account(code: &str) -> Option<Account> {
    let (k, v) = code.split_once(':')?;
    match k {
        "fund" => v.parse().ok().map(Account::Fund),
        "income" => Some(Account::Income(v.to_string())),
        "spending" => Some(Account::Spending(v.to_string())),
        _ => None,
    }
}

/// The lines an entry posted.
pub async fn lines_of(conn: &mut Conn, entry_id: i64) -> Result<Vec<(Account, i64)>> {
    let rows =
        sqlx::query("SELECT account, amount_fen FROM fund_lines WHERE entry_id = $1 ORDER BY id")
            .bind(entry_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("account")?;
            let acc = parse_account(&code).ok_or_else(|| decode("account", &code))?;
            Ok((acc, r.try_get("amount_fen")?))
        })
        .collect()
}

/// Write a posting's lines (`month`: yyyy-mm of the posting), and add them to their funds'
/// month summaries.
pub async fn post_lines(
    conn: &mut Conn,
    entry_id: i64,
    lines: &[(Account, i64)],
    month: &str,
    at: i64,
) -> Result<()> {
    let rows: Vec<Vec<V>> = lines
        .iter()
        .map(|(acc, x)| {
            vec![
                V::I(entry_id),
                V::T(acc.code()),
                V::OI(acc.fund_id()),
                V::I(*x),
                V::T(month.to_string()),
                V::I(at),
            ]
        })
        .collect();
    crate::sql::insert_many(
        conn,
        "fund_lines",
        &[
            "entry_id",
            "account",
            "fund_id",
            "amount_fen",
            "month",
            "posted_at",
        ],
        &rows,
    )
    .await?;
    // Per fund the posting touches: what came in, what went out, one more posted entry.
    let mut funds: Vec<(i64, i64, i64)> = Vec::new();
    for (acc, x) in lines {
        let Some(fund) = acc.fund_id() else { continue };
        let (inflow, outflow) = if *x >= 0 { (*x, 0) } else { (0, -*x) };
        match funds.iter_mut().find(|f| f.0 == fund) {
            Some(f) => {
                f.1 += inflow;
                f.2 += outflow;
            }
            None => funds.push((fund, inflow, outflow)),
        }
    }
    for (fund, inflow, outflow) in funds {
        sqlx::query(
            "INSERT INTO fund_months (fund_id, month, inflow, outflow, posted) \
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (fund_id, month) DO UPDATE SET \
             inflow = fund_months.inflow + excluded.inflow, \
             outflow = fund_months.outflow + excluded.outflow, \
             posted = fund_months.posted + 1",
        )
        .bind(fund)
        .bind(month)
        .bind(inflow)
        .bind(outflow)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What each of these entries did to the fund's balance: (entry id, sum of its lines on the
/// fund). Looked up by entry (the lines' entry index), then kept for this fund.
pub async fn deltas(conn: &mut Conn, fund_id: i64, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = Params::default();
    let list: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT entry_id, fund_id, amount_fen FROM fund_lines WHERE entry_id IN ({})",
        list.join(",")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<(i64, i64)> = Vec::new();
    for r in &rows {
        let (entry, fund, amount): (i64, Option<i64>, i64) = (
            r.try_get("entry_id")?,
            r.try_get("fund_id")?,
            r.try_get("amount_fen")?,
        );
        if fund != Some(fund_id) {
            continue;
        }
        match out.iter_mut().find(|(e, _)| *e == entry) {
            Some((_, d)) => *d += amount,
            None => out.push((entry, amount)),
        }
    }
    Ok(out)
}

/// A fund's balance: the sum of its posted lines (from the lines themselves).
pub async fn balance(conn: &mut Conn, fund_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_lines WHERE fund_id = $1",
    )
    .bind(fund_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// (month, in, out) of a fund, months in order: what came in (positive lines) and went out
/// (negative lines) each month, from the month summaries.
pub async fn monthly(conn: &mut Conn, fund_id: i64) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT month, inflow, outflow FROM fund_months WHERE fund_id = $1 ORDER BY month",
    )
    .bind(fund_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("month")?,
                r.try_get("inflow")?,
                r.try_get("outflow")?,
            ))
        })
        .collect()
}

/// How many posted entries a fund's page lists (from the month summaries).
pub async fn count_posted(conn: &mut Conn, fund_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(posted), 0) AS BIGINT) FROM fund_months WHERE fund_id = $1",
    )
    .bind(fund_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The month summaries that disagree with the lines (fund, month): none, unless a row was
/// changed behind the application's back.
pub async fn months_disagreeing(conn: &mut Conn) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT l.fund_id, l.month FROM fund_lines l LEFT JOIN fund_months m \
         ON m.fund_id = l.fund_id AND m.month = l.month WHERE l.fund_id IS NOT NULL \
         GROUP BY l.fund_id, l.month, m.inflow, m.outflow \
         HAVING COALESCE(MAX(m.inflow), -1) <> SUM(CASE WHEN l.amount_fen > 0 THEN l.amount_fen ELSE 0 END) \
         OR COALESCE(MAX(m.outflow), -1) <> SUM(CASE WHEN l.amount_fen < 0 THEN -l.amount_fen ELSE 0 END)",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("fund_id")?, r.try_get("month")?)))
        .collect()
}

/// The whole ledger's lines sum (zero when it balances): the audit's check.
pub async fn ledger_sum(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_lines")
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub async fn put_voucher(
    conn: &mut Conn,
    entry_id: i64,
    content_type: &str,
    sha256: &str,
    data: &[u8],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO fund_vouchers (entry_id, content_type, size_bytes, sha256, data, uploaded_at) \
         VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(entry_id)
    .bind(content_type)
    .bind(data.len() as i64)
    .bind(sha256)
    .bind(data)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// (content type, sha256, bytes) of an entry's voucher.
pub async fn voucher(conn: &mut Conn, entry_id: i64) -> Result<(String, String, Vec<u8>)> {
    let r = sqlx::query("SELECT content_type, sha256, data FROM fund_vouchers WHERE entry_id = $1")
        .bind(entry_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        r.try_get("content_type")?,
        r.try_get("sha256")?,
        r.try_get("data")?,
    ))
}

/// A voucher's digest, if there is one.
pub async fn voucher_sha256(conn: &mut Conn, entry_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT sha256 FROM fund_vouchers WHERE entry_id = $1")
            .bind(entry_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}
