//! Care records, monitored households and their warnings, assistance cases and referrals
//! (docs/care.md). Every read is confined to a scope's path range in the query; what is
//! sensitive is sealed with the store's cipher and opened only by the single-record reads.

use crate::sql::{bind, insert_many, Params, V};
use crate::{Cipher, Conn, Error, Result, Scope};
use jingzhi_domain::care::{CareKind, CaseState, Colour, Detail, Facts, Hardship, RuleSet};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

fn kind_of(r: &AnyRow, col: &str) -> Result<CareKind> {
    let k: String = r.try_get(col)?;
    CareKind::parse(&k).ok_or_else(|| decode("care kind", &k))
}

fn colour_of(r: &AnyRow, col: &str) -> Result<Option<Colour>> {
    let c: Option<String> = r.try_get(col)?;
    c.map(|c| Colour::parse(&c).ok_or_else(|| decode("colour", &c)))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Care records

/// A care record as lists show it: no sensitive detail.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    pub path: String,
    pub kind: CareKind,
    pub worker_user_id: Option<i64>,
    pub worker_name: Option<String>,
    pub visit_every_days: i64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub last_visit_at: Option<i64>,
    /// The household's warning colour.
    pub colour: Option<Colour>,
}

impl Record {
    pub fn visit_due(&self) -> i64 {
        jingzhi_domain::care::visit_due(self.last_visit_at, self.opened_at, self.visit_every_days)
    }
}

const RECORD_SQL: &str = "SELECT c.id, c.resident_id, r.name AS resident_name, c.household_id, \
    h.address, h.building_id, c.path, c.kind, c.worker_user_id, u.display_name AS worker_name, \
    c.visit_every_days, c.opened_at, c.closed_at, lv.last_at, ch.colour \
    FROM care_records c JOIN residents r ON r.id = c.resident_id \
    JOIN households h ON h.id = c.household_id \
    LEFT JOIN users u ON u.id = c.worker_user_id \
    LEFT JOIN rounds_last_visits lv ON lv.household_id = c.household_id \
    LEFT JOIN care_households ch ON ch.household_id = c.household_id";

fn record_from(r: &AnyRow) -> Result<Record> {
    Ok(Record {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        resident_name: r.try_get("resident_name")?,
        household_id: r.try_get("household_id")?,
        address: r.try_get("address")?,
        building_id: r.try_get("building_id")?,
        path: r.try_get("path")?,
        kind: kind_of(r, "kind")?,
        worker_user_id: r.try_get("worker_user_id")?,
        worker_name: r.try_get("worker_name")?,
        visit_every_days: r.try_get("visit_every_days")?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        last_visit_at: r.try_get("last_at")?,
        colour: colour_of(r, "colour")?,
    })
}

pub struct NewRecord<'a> {
    pub resident_id: i64,
    pub household_id: i64,
    pub path: &'a str,
    pub kind: CareKind,
    pub detail: &'a Detail,
    pub worker_user_id: Option<i64>,
    pub visit_every_days: i64,
    pub by: &'a str,
    pub now: i64,
}

fn seal_json<T: Serialize>(cipher: &Cipher, v: &T) -> Vec<u8> {
    cipher.seal(&serde_json::to_string(v).expect("serializable"))
}

/// Insert a record (a conflict when the resident already has one of this kind) and make its
/// household monitored.
pub async fn insert_record(conn: &mut Conn, cipher: &Cipher, n: &NewRecord<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_records (resident_id, household_id, path, kind, detail_cipher, \
         worker_user_id, visit_every_days, opened_at, created_by_name, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$8) RETURNING id",
    )
    .bind(n.resident_id)
    .bind(n.household_id)
    .bind(n.path)
    .bind(n.kind.as_str())
    .bind(seal_json(cipher, n.detail))
    .bind(n.worker_user_id)
    .bind(n.visit_every_days)
    .bind(n.now)
    .bind(n.by)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "该居民已有此类关爱档案"))?;
    monitor(conn, n.household_id, n.path, n.now).await?;
    Ok(id)
}

/// Make a household monitored (nothing when it is already).
pub async fn monitor(conn: &mut Conn, household_id: i64, path: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO care_households (household_id, path, updated_at) VALUES ($1,$2,$3) \
         ON CONFLICT (household_id) DO NOTHING",
    )
    .bind(household_id)
    .bind(path)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A record of a place inside the scope, without its detail.
pub async fn get_record(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Record> {
    let mut p = Params::default();
    let sql = format!(
        "{RECORD_SQL} WHERE c.id = {} AND {}",
        p.push(V::I(id)),
        p.range("c.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    record_from(&r)
}

/// A record's sealed detail, opened (the caller audits the view).
pub async fn record_detail(conn: &mut Conn, cipher: &Cipher, id: i64) -> Result<Detail> {
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT detail_cipher FROM care_records WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound)?;
    serde_json::from_str(&cipher.open(&sealed)?).map_err(|e| decode("care detail", &e.to_string()))
}

#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub kind: Option<CareKind>,
    pub worker_user_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Only records whose next visit is due before this time.
    pub due_before: Option<i64>,
    pub include_closed: bool,
}

/// When a record's next visit is due, in SQL (as [`Record::visit_due`]).
const RECORD_DUE: &str = "(CASE WHEN lv.last_at > c.opened_at THEN lv.last_at ELSE c.opened_at END) + c.visit_every_days * 86400000";

/// The conditions of the record lists: the scope, then the filter.
fn record_where(p: &mut Params, scope: &Scope, f: &RecordFilter) -> Vec<String> {
    let mut w = vec![p.range("c.path", &scope.path)];
    if let Some(k) = f.kind {
        w.push(format!("c.kind = {}", p.push(V::T(k.as_str().into()))));
    }
    if let Some(u) = f.worker_user_id {
        w.push(format!("c.worker_user_id = {}", p.push(V::I(u))));
    }
    if let Some(h) = f.household_id {
        w.push(format!("c.household_id = {}", p.push(V::I(h))));
    }
    if !f.include_closed {
        w.push("c.closed_at IS NULL".into());
    }
    if let Some(t) = f.due_before {
        w.push(format!("{RECORD_DUE} < {}", p.push(V::I(t))));
    }
    w
}

/// Records inside the scope, the most overdue first.
pub async fn records(
    conn: &mut Conn,
    scope: &Scope,
    f: &RecordFilter,
    limit: i64,
) -> Result<Vec<Record>> {
    let mut p = Params::default();
    let w = record_where(&mut p, scope, f);
    let sql = format!(
        "{RECORD_SQL} WHERE {} ORDER BY {RECORD_DUE}, c.id LIMIT {}",
        w.join(" AND "),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from)
        .collect()
}

/// Where a keyset page starts: the `(path, id)` of the last row of the previous page.
pub type Cursor = (String, i64);

/// ` AND (path, id) > cursor`, spelled for both backends.
fn after_cursor(p: &mut Params, path_col: &str, id_col: &str, after: Option<&Cursor>) -> String {
    match after {
        None => String::new(),
        Some((path, id)) => {
            let a = p.push(V::T(path.clone()));
            let b = p.push(V::T(path.clone()));
            let c = p.push(V::I(*id));
            format!(" AND ({path_col} > {a} OR ({path_col} = {b} AND {id_col} > {c}))")
        }
    }
}

/// The next page of the records [`records`] lists (same scope and filter, no limit overall),
/// ordered by `(path, id)`: an export reads them all this way, page by page.
pub async fn records_page(
    conn: &mut Conn,
    scope: &Scope,
    f: &RecordFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Record>> {
    let mut p = Params::default();
    let w = record_where(&mut p, scope, f);
    let mut sql = format!("{RECORD_SQL} WHERE {}", w.join(" AND "));
    sql.push_str(&after_cursor(&mut p, "c.path", "c.id", after));
    sql.push_str(&format!(
        " ORDER BY c.path, c.id LIMIT {}",
        p.push(V::I(limit.max(1)))
    ));
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from)
        .collect()
}

/// Open records in the buildings of a steward's or grid worker's post (the "my people to visit"
/// list), the most overdue first.
pub async fn records_of_post(conn: &mut Conn, user_id: i64, limit: i64) -> Result<Vec<Record>> {
    let sql = format!(
        "{RECORD_SQL} WHERE c.closed_at IS NULL AND h.building_id IN \
         (SELECT pb.building_id FROM rounds_post_buildings pb JOIN rounds_posts rp \
          ON rp.id = pb.post_id WHERE rp.user_id = $1) \
         ORDER BY (CASE WHEN lv.last_at > c.opened_at THEN lv.last_at ELSE c.opened_at END) + c.visit_every_days * 86400000, c.id LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from)
        .collect()
}

pub async fn update_record(
    conn: &mut Conn,
    cipher: &Cipher,
    id: i64,
    detail: &Detail,
    worker_user_id: Option<i64>,
    every: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE care_records SET detail_cipher = $1, worker_user_id = $2, visit_every_days = $3, \
         updated_at = $4 WHERE id = $5",
    )
    .bind(seal_json(cipher, detail))
    .bind(worker_user_id)
    .bind(every)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn close_record(conn: &mut Conn, id: i64, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE care_records SET closed_at = $1, updated_at = $1 WHERE id = $2 AND closed_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// A resident of the register who is tagged for care, for the picker of a new record.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    pub resident_id: i64,
    pub name: String,
    pub address: String,
    pub kinds: Vec<CareKind>,
}

/// Residents inside the scope tagged elderly living alone, disabled, low-income or child in
/// difficulty, with the kinds they have no open record of yet.
pub async fn candidates(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Candidate>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT r.id, r.name, h.address, r.elderly_alone, r.disability_grade, r.low_income, \
         r.child_in_difficulty, \
         (SELECT COUNT(*) FROM care_records c WHERE c.resident_id = r.id AND c.kind = 'elderly') AS has_e, \
         (SELECT COUNT(*) FROM care_records c WHERE c.resident_id = r.id AND c.kind = 'disabled') AS has_d, \
         (SELECT COUNT(*) FROM care_records c WHERE c.resident_id = r.id AND c.kind = 'child') AS has_c, \
         (SELECT COUNT(*) FROM care_records c WHERE c.household_id = r.household_id AND c.kind = 'low_income') AS has_l \
         FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE {} AND (r.elderly_alone OR r.disability_grade IS NOT NULL \
           OR r.low_income IS NOT NULL OR r.child_in_difficulty) \
         ORDER BY h.address, r.id LIMIT {}",
        p.range("r.path", &scope.path),
        p.push(V::I(limit * 2)),
    );
    let mut out = Vec::new();
    for r in bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
    {
        let mut kinds = Vec::new();
        let n = |c: &str| -> Result<i64> { Ok(r.try_get::<i64, _>(c)?) };
        if crate::sql::get_bool(&r, "elderly_alone") && n("has_e")? == 0 {
            kinds.push(CareKind::Elderly);
        }
        if r.try_get::<Option<i32>, _>("disability_grade")?.is_some() && n("has_d")? == 0 {
            kinds.push(CareKind::Disabled);
        }
        if crate::sql::get_bool(&r, "child_in_difficulty") && n("has_c")? == 0 {
            kinds.push(CareKind::Child);
        }
        if r.try_get::<Option<String>, _>("low_income")?.is_some() && n("has_l")? == 0 {
            kinds.push(CareKind::LowIncome);
        }
        if !kinds.is_empty() && (out.len() as i64) < limit {
            out.push(Candidate {
                resident_id: r.try_get("id")?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                kinds,
            });
        }
    }
    Ok(out)
}

/// Open records whose visit is overdue and whose people have not been told since it fell due:
/// (record, the users of the posts over its building). Marks them told.
pub async fn overdue_untold(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<(Record, Vec<i64>)>> {
    let due = "(CASE WHEN lv.last_at > c.opened_at THEN lv.last_at ELSE c.opened_at END) + c.visit_every_days * 86400000";
    let sql = format!(
        "{RECORD_SQL} WHERE c.closed_at IS NULL AND {due} < $1 \
         AND (c.overdue_told_at IS NULL OR c.overdue_told_at < {due}) ORDER BY c.id LIMIT $2"
    );
    let recs: Vec<Record> = sqlx::query(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from)
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(recs.len());
    for r in recs {
        let users: Vec<i64> = sqlx::query_scalar(
            "SELECT rp.user_id FROM rounds_post_buildings pb JOIN rounds_posts rp \
             ON rp.id = pb.post_id WHERE pb.building_id = $1 AND rp.user_id IS NOT NULL \
             ORDER BY rp.user_id",
        )
        .bind(r.building_id)
        .fetch_all(&mut *conn)
        .await?;
        sqlx::query("UPDATE care_records SET overdue_told_at = $1 WHERE id = $2")
            .bind(now)
            .bind(r.id)
            .execute(&mut *conn)
            .await?;
        out.push((r, users));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Monitored households

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Monitored {
    pub household_id: i64,
    pub path: String,
    pub address: String,
    pub head_name: Option<String>,
    /// Opened only by [`monitored`] (single-household reads).
    pub income_per_head: Option<i64>,
    pub arrears_months: i64,
    pub colour: Option<Colour>,
    pub rule_id: Option<String>,
    pub rule_version: Option<i64>,
    pub colour_since: Option<i64>,
    pub case_id: Option<i64>,
}

/// A monitored household inside the scope, its income opened.
pub async fn monitored(
    conn: &mut Conn,
    cipher: &Cipher,
    scope: &Scope,
    household_id: i64,
) -> Result<Monitored> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT ch.household_id, ch.path, h.address, hr.name AS head_name, ch.income_cipher, \
         ch.arrears_months, ch.colour, ch.rule_id, ch.rule_version, ch.colour_since, ch.case_id \
         FROM care_households ch JOIN households h ON h.id = ch.household_id \
         LEFT JOIN residents hr ON hr.id = h.head_id \
         WHERE ch.household_id = {} AND {}",
        p.push(V::I(household_id)),
        p.range("ch.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let inc: Option<Vec<u8>> = r.try_get("income_cipher")?;
    Ok(Monitored {
        household_id: r.try_get("household_id")?,
        path: r.try_get("path")?,
        address: r.try_get("address")?,
        head_name: r.try_get("head_name")?,
        income_per_head: inc
            .map(|c| cipher.open(&c))
            .transpose()?
            .map(|s| s.parse::<i64>().map_err(|_| decode("income", "sealed")))
            .transpose()?,
        arrears_months: r.try_get("arrears_months")?,
        colour: colour_of(&r, "colour")?,
        rule_id: r.try_get("rule_id")?,
        rule_version: r.try_get("rule_version")?,
        colour_since: r.try_get("colour_since")?,
        case_id: r.try_get("case_id")?,
    })
}

/// The path of a monitored household (None when it is not monitored).
pub async fn monitored_path(conn: &mut Conn, household_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT path FROM care_households WHERE household_id = $1")
            .bind(household_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

pub async fn set_facts(
    conn: &mut Conn,
    cipher: &Cipher,
    household_id: i64,
    income: Option<i64>,
    arrears: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE care_households SET income_cipher = $1, arrears_months = $2, updated_at = $3 \
         WHERE household_id = $4",
    )
    .bind(income.map(|i| cipher.seal(&i.to_string())))
    .bind(arrears)
    .bind(now)
    .bind(household_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HardshipRow {
    pub id: i64,
    pub kind: Hardship,
    pub note: String,
    pub happened_at: i64,
    pub recorded_by_name: String,
    pub recorded_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_hardship(
    conn: &mut Conn,
    cipher: &Cipher,
    household_id: i64,
    path: &str,
    kind: Hardship,
    note: &str,
    happened_at: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO care_hardships (household_id, path, kind, note_cipher, happened_at, \
         recorded_by_name, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(household_id)
    .bind(path)
    .bind(kind.as_str())
    .bind(cipher.seal(note))
    .bind(happened_at)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn hardships(
    conn: &mut Conn,
    cipher: &Cipher,
    household_id: i64,
) -> Result<Vec<HardshipRow>> {
    let rows = sqlx::query(
        "SELECT id, kind, note_cipher, happened_at, recorded_by_name, recorded_at \
         FROM care_hardships WHERE household_id = $1 ORDER BY happened_at DESC, id DESC LIMIT 100",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("kind")?;
            let note: Vec<u8> = r.try_get("note_cipher")?;
            Ok(HardshipRow {
                id: r.try_get("id")?,
                kind: Hardship::parse(&k).ok_or_else(|| decode("hardship", &k))?,
                note: cipher.open(&note)?,
                happened_at: r.try_get("happened_at")?,
                recorded_by_name: r.try_get("recorded_by_name")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColourChange {
    pub household_id: i64,
    pub colour: Option<Colour>,
    pub previous: Option<Colour>,
    pub rule_id: Option<String>,
    pub rule_label: Option<String>,
    pub rule_version: i64,
    pub at: i64,
}

pub async fn colour_history(conn: &mut Conn, household_id: i64) -> Result<Vec<ColourChange>> {
    let rows = sqlx::query(
        "SELECT household_id, colour, previous, rule_id, rule_label, rule_version, at \
         FROM care_colours WHERE household_id = $1 ORDER BY at DESC, id DESC LIMIT 200",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(change_from).collect()
}

fn change_from(r: &AnyRow) -> Result<ColourChange> {
    Ok(ColourChange {
        household_id: r.try_get("household_id")?,
        colour: colour_of(r, "colour")?,
        previous: colour_of(r, "previous")?,
        rule_id: r.try_get("rule_id")?,
        rule_label: r.try_get("rule_label")?,
        rule_version: r.try_get("rule_version")?,
        at: r.try_get("at")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Rules

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleVersion {
    pub version: i64,
    pub rules: RuleSet,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
}

fn version_from(r: &AnyRow) -> Result<RuleVersion> {
    let json: String = r.try_get("rules")?;
    Ok(RuleVersion {
        version: r.try_get("version")?,
        rules: serde_json::from_str(&json).map_err(|e| decode("rules", &e.to_string()))?,
        note: r.try_get("note")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The newest rule set (none before a city saves one: the defaults apply, as version 0).
pub async fn current_rules(conn: &mut Conn) -> Result<Option<RuleVersion>> {
    sqlx::query(
        "SELECT version, rules, note, created_by_name, created_at FROM care_rule_sets \
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(version_from)
    .transpose()
}

pub async fn rule_versions(conn: &mut Conn) -> Result<Vec<RuleVersion>> {
    sqlx::query(
        "SELECT version, rules, note, created_by_name, created_at FROM care_rule_sets \
         ORDER BY version DESC LIMIT 100",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(version_from)
    .collect()
}

pub async fn insert_rules(
    conn: &mut Conn,
    rules: &RuleSet,
    note: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO care_rule_sets (rules, note, created_by_name, created_at) \
         VALUES ($1,$2,$3,$4) RETURNING version",
    )
    .bind(serde_json::to_string(rules).expect("serializable"))
    .bind(note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Recompute

/// One monitored household's facts and its current colour, for the recompute (its path is
/// read only for those that change: [`paths_of`]).
#[derive(Debug, Clone)]
pub struct Watched {
    pub household_id: i64,
    pub facts: Facts,
    pub colour: Option<Colour>,
    pub rule_id: Option<String>,
    pub case_id: Option<i64>,
}

/// The facts of every monitored household inside `path`, gathered with one query per kind of
/// fact (no query per household). Sudden events before `hardships_since` and findings before
/// `findings_since` are not read; None: not read at all (no rule looks at them).
pub async fn watched(
    conn: &mut Conn,
    cipher: &Cipher,
    path: &str,
    hardships_since: Option<i64>,
    findings_since: Option<i64>,
    due_before: Option<i64>,
) -> Result<Vec<Watched>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT household_id, income_cipher, arrears_months, colour, rule_id, case_id \
         FROM care_households WHERE {}",
        p.range("path", path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut at: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("household_id")?;
        let inc: Option<Vec<u8>> = r.try_get("income_cipher")?;
        let income_per_head = match inc {
            Some(c) => Some(
                cipher
                    .open(&c)?
                    .parse::<i64>()
                    .map_err(|_| decode("income", "sealed"))?,
            ),
            None => None,
        };
        out.push(Watched {
            household_id: id,
            facts: Facts {
                income_per_head,
                arrears_months: r.try_get("arrears_months")?,
                ..Default::default()
            },
            colour: colour_of(r, "colour")?,
            rule_id: r.try_get("rule_id")?,
            case_id: r.try_get("case_id")?,
        });
    }
    out.sort_by_key(|w| w.household_id);
    for (i, w) in out.iter().enumerate() {
        at.insert(w.household_id, i);
    }
    // The earliest due visit of each household's open records, for those a visit rule may count
    // (most are not overdue: they are not read).
    if let Some(before) = due_before {
        let due = "(CASE WHEN lv.last_at > c.opened_at THEN lv.last_at ELSE c.opened_at END) \
            + c.visit_every_days * 86400000";
        let mut p = Params::default();
        // Not grouped in SQL: few rows pass, and the earliest is kept here.
        let sql = format!(
            "SELECT c.household_id, {due} AS due FROM care_records c \
             LEFT JOIN rounds_last_visits lv ON lv.household_id = c.household_id \
             WHERE {} AND c.closed_at IS NULL AND {due} <= {}",
            p.range("c.path", path),
            p.push(V::I(before))
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            let id: i64 = r.try_get("household_id")?;
            let due: i64 = r.try_get("due")?;
            if let Some(&i) = at.get(&id) {
                let v = &mut out[i].facts.visit_due;
                *v = Some(v.map_or(due, |d| d.min(due)));
            }
        }
    }
    if let Some(since) = hardships_since {
        let mut p = Params::default();
        let sql = format!(
            "SELECT household_id, kind, MAX(happened_at) AS at FROM care_hardships \
             WHERE {} AND happened_at >= {} GROUP BY household_id, kind",
            p.range("path", path),
            p.push(V::I(since))
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            let id: i64 = r.try_get("household_id")?;
            let k: String = r.try_get("kind")?;
            let kind = Hardship::parse(&k).ok_or_else(|| decode("hardship", &k))?;
            if let Some(&i) = at.get(&id) {
                out[i].facts.hardships.push((kind, r.try_get("at")?));
            }
        }
    }
    // Findings of monitored households only (a city has ten times as many households with
    // findings as it monitors).
    if let Some(since) = findings_since {
        let mut p = Params::default();
        let sql = format!(
            "SELECT v.household_id, MAX(v.visited_at) AS at FROM rounds_findings f \
             JOIN rounds_visits v ON v.id = f.visit_id \
             JOIN care_households ch ON ch.household_id = v.household_id \
             WHERE {} AND f.created_at >= {} GROUP BY v.household_id",
            p.range("f.path", path),
            p.push(V::I(since))
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            let id: i64 = r.try_get("household_id")?;
            if let Some(&i) = at.get(&id) {
                out[i].facts.last_finding_at = r.try_get("at")?;
            }
        }
    }
    for w in &mut out {
        w.facts.hardships.sort_by_key(|&(k, at)| (k.as_str(), at));
    }
    Ok(out)
}

/// The paths of monitored households.
pub async fn paths_of(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut p = Params::default();
        let list: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "SELECT household_id, path FROM care_households WHERE household_id IN ({})",
            list.join(",")
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            out.insert(r.try_get("household_id")?, r.try_get("path")?);
        }
    }
    Ok(out)
}

/// A change the recompute writes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewColour {
    pub household_id: i64,
    pub path: String,
    pub colour: Option<Colour>,
    pub previous: Option<Colour>,
    pub rule_id: Option<String>,
    pub rule_label: Option<String>,
}

/// Write the changed colours (the households' rows and the history) in as few statements as
/// the backend allows.
pub async fn write_colours(
    conn: &mut Conn,
    changes: &[NewColour],
    version: i64,
    now: i64,
) -> Result<()> {
    let rows: Vec<Vec<V>> = changes
        .iter()
        .map(|c| {
            vec![
                V::I(c.household_id),
                V::T(c.path.clone()),
                V::OT(c.colour.map(|c| c.as_str().into())),
                V::OT(c.previous.map(|c| c.as_str().into())),
                V::OT(c.rule_id.clone()),
                V::OT(c.rule_label.clone()),
                V::I(version),
                V::I(now),
            ]
        })
        .collect();
    insert_many(
        conn,
        "care_colours",
        &[
            "household_id",
            "path",
            "colour",
            "previous",
            "rule_id",
            "rule_label",
            "rule_version",
            "at",
        ],
        &rows,
    )
    .await?;
    // One statement per (colour, rule) and 500 households, not one per household.
    let mut groups: HashMap<(Option<Colour>, Option<&str>), Vec<i64>> = HashMap::new();
    for c in changes {
        groups
            .entry((c.colour, c.rule_id.as_deref()))
            .or_default()
            .push(c.household_id);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|((c, r), _)| (c.map(|c| c.rank()), r.map(str::to_string)));
    for ((colour, rule), ids) in groups {
        for chunk in ids.chunks(500) {
            let mut p = Params::default();
            let set = format!(
                "colour = {}, rule_id = {}, rule_version = {}, colour_since = {t}, updated_at = {t}",
                p.push(V::OT(colour.map(|c| c.as_str().to_string()))),
                p.push(V::OT(rule.map(str::to_string))),
                p.push(V::I(version)),
                t = p.push(V::I(now)),
            );
            let list: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
            let sql = format!(
                "UPDATE care_households SET {set} WHERE household_id IN ({})",
                list.join(",")
            );
            bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Keep the rule of a household whose colour did not change but whose rule did.
pub async fn set_rule(
    conn: &mut Conn,
    household_id: i64,
    rule_id: &str,
    version: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE care_households SET rule_id = $1, rule_version = $2 WHERE household_id = $3",
    )
    .bind(rule_id)
    .bind(version)
    .bind(household_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Households inside the scope by colour: (yellow, orange, red, monitored).
pub async fn colour_counts(conn: &mut Conn, path: &str) -> Result<[i64; 4]> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT colour, COUNT(*) AS n FROM care_households WHERE {} GROUP BY colour",
        p.range("path", path)
    );
    let mut out = [0; 4];
    for r in bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
    {
        let n: i64 = r.try_get("n")?;
        match colour_of(&r, "colour")? {
            Some(Colour::Yellow) => out[0] += n,
            Some(Colour::Orange) => out[1] += n,
            Some(Colour::Red) => out[2] += n,
            None => {}
        }
        out[3] += n;
    }
    Ok(out)
}

/// (open records, open records overdue at `now`) inside the path.
pub async fn visit_counts(conn: &mut Conn, path: &str, now: i64) -> Result<(i64, i64)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN (CASE WHEN lv.last_at > c.opened_at THEN lv.last_at ELSE c.opened_at END) + \
         c.visit_every_days * 86400000 < {} THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
         FROM care_records c LEFT JOIN rounds_last_visits lv ON lv.household_id = c.household_id \
         WHERE {} AND c.closed_at IS NULL",
        p.push(V::I(now)),
        p.range("c.path", path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok((r.try_get("n")?, r.try_get("overdue")?))
}

/// (open cases, open cases past their response deadline without an assessment) inside the path.
pub async fn case_counts(conn: &mut Conn, path: &str, now: i64) -> Result<(i64, i64)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN assessed_at IS NULL AND due_at < {} \
         THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue FROM care_cases WHERE {} AND state = 'open'",
        p.push(V::I(now)),
        p.range("path", path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok((r.try_get("n")?, r.try_get("overdue")?))
}

// ---------------------------------------------------------------------------------------------
// Assistance cases

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Case {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub head_name: Option<String>,
    pub path: String,
    pub colour: Colour,
    pub state: CaseState,
    pub opened_at: i64,
    pub due_at: i64,
    pub assessed_at: Option<i64>,
    pub assessed_by_name: Option<String>,
    pub escalated_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub closed_by_name: Option<String>,
    /// The household's current colour.
    pub current: Option<Colour>,
}

const CASE_SQL: &str = "SELECT k.id, k.household_id, h.address, hr.name AS head_name, k.path, \
    k.colour, k.state, k.opened_at, k.due_at, k.assessed_at, k.assessed_by_name, k.escalated_at, \
    k.closed_at, k.closed_by_name, ch.colour AS current \
    FROM care_cases k JOIN households h ON h.id = k.household_id \
    LEFT JOIN residents hr ON hr.id = h.head_id \
    LEFT JOIN care_households ch ON ch.household_id = k.household_id";

fn case_from(r: &AnyRow) -> Result<Case> {
    let st: String = r.try_get("state")?;
    Ok(Case {
        id: r.try_get("id")?,
        household_id: r.try_get("household_id")?,
        address: r.try_get("address")?,
        head_name: r.try_get("head_name")?,
        path: r.try_get("path")?,
        colour: colour_of(r, "colour")?.ok_or_else(|| decode("colour", "null"))?,
        state: CaseState::parse(&st).ok_or_else(|| decode("case state", &st))?,
        opened_at: r.try_get("opened_at")?,
        due_at: r.try_get("due_at")?,
        assessed_at: r.try_get("assessed_at")?,
        assessed_by_name: r.try_get("assessed_by_name")?,
        escalated_at: r.try_get("escalated_at")?,
        closed_at: r.try_get("closed_at")?,
        closed_by_name: r.try_get("closed_by_name")?,
        current: colour_of(r, "current")?,
    })
}

/// Open a case for a household (no second open case: the household's row names its case).
pub async fn open_case(
    conn: &mut Conn,
    household_id: i64,
    path: &str,
    colour: Colour,
    now: i64,
    due: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_cases (household_id, path, colour, state, opened_at, due_at) \
         VALUES ($1,$2,$3,'open',$4,$5) RETURNING id",
    )
    .bind(household_id)
    .bind(path)
    .bind(colour.as_str())
    .bind(now)
    .bind(due)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE care_households SET case_id = $1 WHERE household_id = $2")
        .bind(id)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Cases whose household's colour worsened past theirs: the colour and a deadline no later than
/// the new colour's (cases already at that colour or worse are left as they are).
pub async fn raise_cases(conn: &mut Conn, ids: &[i64], colour: Colour, due: i64) -> Result<()> {
    for chunk in ids.chunks(500) {
        let mut p = Params::default();
        let c = p.push(V::T(colour.as_str().into()));
        let d = p.push(V::I(due));
        let rank = p.push(V::I(colour.rank() as i64));
        let list: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "UPDATE care_cases SET colour = {c}, due_at = CASE WHEN due_at < {d} THEN due_at ELSE {d} END, \
             escalated_at = NULL WHERE id IN ({}) AND state = 'open' \
             AND (CASE colour WHEN 'yellow' THEN 1 WHEN 'orange' THEN 2 ELSE 3 END) < {rank}",
            list.join(",")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get_case(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Case> {
    let mut p = Params::default();
    let sql = format!(
        "{CASE_SQL} WHERE k.id = {} AND {}",
        p.push(V::I(id)),
        p.range("k.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    case_from(&r)
}

/// Cases inside the scope: open ones by deadline, or closed ones newest first.
pub async fn cases(
    conn: &mut Conn,
    scope: &Scope,
    state: CaseState,
    colour: Option<Colour>,
    limit: i64,
) -> Result<Vec<Case>> {
    let mut p = Params::default();
    let mut w = vec![
        p.range("k.path", &scope.path),
        format!("k.state = {}", p.push(V::T(state.as_str().into()))),
    ];
    if let Some(c) = colour {
        w.push(format!("k.colour = {}", p.push(V::T(c.as_str().into()))));
    }
    let order = match state {
        CaseState::Open => "k.due_at, k.id",
        CaseState::Closed => "k.closed_at DESC, k.id DESC",
    };
    let sql = format!(
        "{CASE_SQL} WHERE {} ORDER BY {order} LIMIT {}",
        w.join(" AND "),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(case_from)
        .collect()
}

/// The next page of the cases inside the scope (of one state, or all; of one colour, or all),
/// ordered by `(path, id)`, each with its number of referrals: an export reads them all this
/// way, page by page.
pub async fn cases_page(
    conn: &mut Conn,
    scope: &Scope,
    state: Option<CaseState>,
    colour: Option<Colour>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<(Case, i64)>> {
    let mut p = Params::default();
    let mut w = vec![p.range("k.path", &scope.path)];
    if let Some(s) = state {
        w.push(format!("k.state = {}", p.push(V::T(s.as_str().into()))));
    }
    if let Some(c) = colour {
        w.push(format!("k.colour = {}", p.push(V::T(c.as_str().into()))));
    }
    let select = CASE_SQL.replacen(
        " FROM care_cases k",
        ", (SELECT COUNT(*) FROM care_referrals f WHERE f.case_id = k.id) AS referrals \
         FROM care_cases k",
        1,
    );
    let mut sql = format!("{select} WHERE {}", w.join(" AND "));
    sql.push_str(&after_cursor(&mut p, "k.path", "k.id", after));
    sql.push_str(&format!(
        " ORDER BY k.path, k.id LIMIT {}",
        p.push(V::I(limit.max(1)))
    ));
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((case_from(r)?, r.try_get::<i64, _>("referrals")?)))
        .collect()
}

pub async fn case_assessment(
    conn: &mut Conn,
    cipher: &Cipher,
    id: i64,
) -> Result<(Option<String>, Option<String>)> {
    let r = sqlx::query("SELECT assessment_cipher, closing_cipher FROM care_cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let a: Option<Vec<u8>> = r.try_get("assessment_cipher")?;
    let c: Option<Vec<u8>> = r.try_get("closing_cipher")?;
    Ok((
        a.map(|a| cipher.open(&a)).transpose()?,
        c.map(|c| cipher.open(&c)).transpose()?,
    ))
}

pub async fn assess(
    conn: &mut Conn,
    cipher: &Cipher,
    id: i64,
    text: &str,
    by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE care_cases SET assessment_cipher = $1, assessed_by_name = $2, assessed_at = $3 \
         WHERE id = $4",
    )
    .bind(cipher.seal(text))
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Close an open case; false when it was closed already.
pub async fn close_case(
    conn: &mut Conn,
    cipher: &Cipher,
    id: i64,
    text: &str,
    by: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE care_cases SET state = 'closed', closed_at = $1, closed_by_name = $2, \
         closing_cipher = $3 WHERE id = $4 AND state = 'open'",
    )
    .bind(now)
    .bind(by)
    .bind(cipher.seal(text))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        sqlx::query("UPDATE care_households SET case_id = NULL WHERE case_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub id: i64,
    pub kind: String,
    pub text: String,
    pub by_name: String,
    pub at: i64,
}

pub async fn add_step(
    conn: &mut Conn,
    cipher: &Cipher,
    case_id: i64,
    kind: &str,
    text: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO care_case_steps (case_id, kind, text_cipher, by_name, at) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(case_id)
    .bind(kind)
    .bind(cipher.seal(text))
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn steps(conn: &mut Conn, cipher: &Cipher, case_id: i64) -> Result<Vec<Step>> {
    let rows = sqlx::query(
        "SELECT id, kind, text_cipher, by_name, at FROM care_case_steps WHERE case_id = $1 \
         ORDER BY at, id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let t: Vec<u8> = r.try_get("text_cipher")?;
            Ok(Step {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                text: cipher.open(&t)?,
                by_name: r.try_get("by_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Referral {
    pub id: i64,
    pub case_id: i64,
    pub path: String,
    pub department: String,
    pub department_name: Option<String>,
    pub request: String,
    pub due_at: i64,
    pub sent_by_name: String,
    pub sent_at: i64,
    pub answer: Option<String>,
    pub answered_by_name: Option<String>,
    pub answered_at: Option<i64>,
    pub escalated_at: Option<i64>,
}

const REFERRAL_SQL: &str =
    "SELECT f.id, f.case_id, f.path, f.department, d.name AS department_name, \
    f.request, f.due_at, f.sent_by_name, f.sent_at, f.answer, f.answered_by_name, f.answered_at, \
    f.escalated_at FROM care_referrals f LEFT JOIN departments d ON d.code = f.department";

fn referral_from(r: &AnyRow) -> Result<Referral> {
    Ok(Referral {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        path: r.try_get("path")?,
        department: r.try_get("department")?,
        department_name: r.try_get("department_name")?,
        request: r.try_get("request")?,
        due_at: r.try_get("due_at")?,
        sent_by_name: r.try_get("sent_by_name")?,
        sent_at: r.try_get("sent_at")?,
        answer: r.try_get("answer")?,
        answered_by_name: r.try_get("answered_by_name")?,
        answered_at: r.try_get("answered_at")?,
        escalated_at: r.try_get("escalated_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_referral(
    conn: &mut Conn,
    case_id: i64,
    path: &str,
    department: &str,
    request: &str,
    due: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO care_referrals (case_id, path, department, request, due_at, sent_by_name, \
         sent_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(case_id)
    .bind(path)
    .bind(department)
    .bind(request)
    .bind(due)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn referrals(conn: &mut Conn, case_id: i64) -> Result<Vec<Referral>> {
    let sql = format!("{REFERRAL_SQL} WHERE f.case_id = $1 ORDER BY f.sent_at, f.id");
    sqlx::query(&sql)
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(referral_from)
        .collect()
}

pub async fn get_referral(conn: &mut Conn, id: i64) -> Result<Referral> {
    let sql = format!("{REFERRAL_SQL} WHERE f.id = $1");
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    referral_from(&r)
}

/// Referrals sent to a department about places inside the scope: unanswered first, by deadline.
pub async fn referrals_of_department(
    conn: &mut Conn,
    code: &str,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<Referral>> {
    let mut p = Params::default();
    let sql = format!(
        "{REFERRAL_SQL} WHERE f.department = {} AND {} \
         ORDER BY CASE WHEN f.answered_at IS NULL THEN 0 ELSE 1 END, f.due_at, f.id LIMIT {}",
        p.push(V::T(code.into())),
        p.range("f.path", &scope.path),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(referral_from)
        .collect()
}

/// Answer an unanswered referral; false when it was answered already.
pub async fn answer_referral(
    conn: &mut Conn,
    id: i64,
    answer: &str,
    by: &str,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE care_referrals SET answer = $1, answered_by_name = $2, answered_at = $3 \
         WHERE id = $4 AND answered_at IS NULL",
    )
    .bind(answer)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Open cases past their response deadline without an assessment, not yet escalated; marked
/// escalated.
pub async fn escalate_cases(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<Case>> {
    let sql = format!(
        "{CASE_SQL} WHERE k.state = 'open' AND k.assessed_at IS NULL AND k.due_at < $1 \
         AND k.escalated_at IS NULL ORDER BY k.id LIMIT $2"
    );
    let cases: Vec<Case> = sqlx::query(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(case_from)
        .collect::<Result<_>>()?;
    for c in &cases {
        sqlx::query("UPDATE care_cases SET escalated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(c.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(cases)
}

/// Unanswered referrals past their deadline, not yet escalated; marked escalated.
pub async fn escalate_referrals(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<Referral>> {
    let sql = format!(
        "{REFERRAL_SQL} WHERE f.answered_at IS NULL AND f.due_at < $1 AND f.escalated_at IS NULL \
         ORDER BY f.id LIMIT $2"
    );
    let refs: Vec<Referral> = sqlx::query(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(referral_from)
        .collect::<Result<_>>()?;
    for r in &refs {
        sqlx::query("UPDATE care_referrals SET escalated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(r.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(refs)
}

/// The workers of a household's open records (told of a new warning).
pub async fn workers_of_household(conn: &mut Conn, household_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT worker_user_id FROM care_records WHERE household_id = $1 \
         AND closed_at IS NULL AND worker_user_id IS NOT NULL ORDER BY worker_user_id",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// The demo

/// A resident the register tags for care, for the demo's records.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub resident_id: i64,
    pub household_id: i64,
    pub path: String,
    pub birth_date: String,
    pub elderly_alone: bool,
    pub disability_grade: Option<i32>,
    pub low_income: Option<String>,
    pub child_in_difficulty: bool,
}

/// Every resident inside `path` tagged elderly living alone, disabled, low-income or child in
/// difficulty.
pub async fn tagged(conn: &mut Conn, path: &str) -> Result<Vec<Tagged>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, household_id, path, birth_date, elderly_alone, disability_grade, low_income, \
         child_in_difficulty FROM residents WHERE {} AND (elderly_alone OR disability_grade IS NOT NULL \
         OR low_income IS NOT NULL OR child_in_difficulty) ORDER BY id",
        p.range("path", path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Tagged {
                resident_id: r.try_get("id")?,
                household_id: r.try_get("household_id")?,
                path: r.try_get("path")?,
                birth_date: r.try_get("birth_date")?,
                elderly_alone: crate::sql::get_bool(r, "elderly_alone"),
                disability_grade: r.try_get("disability_grade")?,
                low_income: r.try_get("low_income")?,
                child_in_difficulty: crate::sql::get_bool(r, "child_in_difficulty"),
            })
        })
        .collect()
}

/// A record the demo writes in bulk.
pub struct BulkRecord {
    pub resident_id: i64,
    pub household_id: i64,
    pub path: String,
    pub kind: CareKind,
    pub detail: Detail,
    pub visit_every_days: i64,
    pub opened_at: i64,
}

/// Write the demo's records and monitored households (with their incomes) in bulk.
pub async fn insert_bulk(
    conn: &mut Conn,
    cipher: &Cipher,
    records: &[BulkRecord],
    incomes: &std::collections::HashMap<i64, i64>,
    by: &str,
    now: i64,
) -> Result<()> {
    let rows: Vec<Vec<V>> = records
        .iter()
        .map(|r| {
            vec![
                V::I(r.resident_id),
                V::I(r.household_id),
                V::T(r.path.clone()),
                V::T(r.kind.as_str().into()),
                V::B(seal_json(cipher, &r.detail)),
                V::I(r.visit_every_days),
                V::I(r.opened_at),
                V::T(by.into()),
                V::I(now),
            ]
        })
        .collect();
    insert_many(
        conn,
        "care_records",
        &[
            "resident_id",
            "household_id",
            "path",
            "kind",
            "detail_cipher",
            "visit_every_days",
            "opened_at",
            "created_by_name",
            "updated_at",
        ],
        &rows,
    )
    .await?;
    let mut seen = std::collections::HashSet::new();
    let hh: Vec<Vec<V>> = records
        .iter()
        .filter(|r| seen.insert(r.household_id))
        .map(|r| {
            vec![
                V::I(r.household_id),
                V::T(r.path.clone()),
                V::OB(
                    incomes
                        .get(&r.household_id)
                        .map(|i| cipher.seal(&i.to_string())),
                ),
                V::I(now),
            ]
        })
        .collect();
    insert_many(
        conn,
        "care_households",
        &["household_id", "path", "income_cipher", "updated_at"],
        &hh,
    )
    .await?;
    Ok(())
}

/// Make a user the responsible worker of every open record inside `path` that has none.
pub async fn assign_worker(conn: &mut Conn, path: &str, user_id: i64) -> Result<u64> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE care_records SET worker_user_id = {} WHERE {} AND worker_user_id IS NULL \
         AND closed_at IS NULL",
        p.push(V::I(user_id)),
        p.range("path", path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// The open case of a monitored household.
pub async fn case_of(conn: &mut Conn, household_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar::<_, Option<i64>>(
        "SELECT case_id FROM care_households WHERE household_id = $1",
    )
    .bind(household_id)
    .fetch_optional(&mut *conn)
    .await?
    .flatten())
}

/// Move everything care holds about a household to its new place (the household moved): its
/// records, the warning and its history, its sudden events, its cases and their referrals.
pub async fn follow_household(conn: &mut Conn, household_id: i64, path: &str) -> Result<()> {
    for table in [
        "care_records",
        "care_households",
        "care_hardships",
        "care_colours",
        "care_cases",
    ] {
        sqlx::query(&format!(
            "UPDATE {table} SET path = $1 WHERE household_id = $2"
        ))
        .bind(path)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE care_referrals SET path = $1 WHERE case_id IN \
         (SELECT id FROM care_cases WHERE household_id = $2)",
    )
    .bind(path)
    .bind(household_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
