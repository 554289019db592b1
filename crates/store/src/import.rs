//! Bulk paths of the register: what a roster import writes (households and residents in
//! multi-row statements inside the caller's transaction) and what a list export reads (keyset
//! pages over `(path, id)`, which the `residents_path` and `households_path` indexes serve).
//! Every read takes the caller's scope and applies it in the query.

use crate::registry::{prefix_cond, resident_where, Node};
use crate::sql::{bind, get_bool, insert_many, Params, MAX_PARAMS, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::registry::{Gender, LowIncome, Relationship, Residence, ResidentTags};
use jingzhi_domain::registry::{HouseholdFilter, ResidentFilter};
use jingzhi_domain::time_fmt::now_ms;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

fn opt_i32(row: &AnyRow, col: &str) -> Result<Option<i32>> {
    match row.try_get::<Option<i32>, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v as i32)),
    }
}

/// Parameters per bulk statement. SQLite binds `$N` parameters in time that grows with the
/// square of their number per statement (measured: 50,000 residents in 30,000-parameter
/// statements took 88 s), so it gets small statements; PostgreSQL takes large ones.
fn params_per_statement(conn: &Conn) -> usize {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        999
    } else {
        MAX_PARAMS
    }
}

/// Where a household is: building, unit (none for buildings without units) and room.
pub type HouseholdKey = (i64, Option<i32>, String);

/// A household already in the register, as an import needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingHousehold {
    pub id: i64,
    pub head_id: Option<i64>,
}

/// The households of these buildings (in scope), by where they are. Where two share a key (only
/// possible without a unit), the oldest wins.
pub async fn households_in_buildings(
    conn: &mut Conn,
    scope: &Scope,
    building_ids: &[i64],
) -> Result<HashMap<HouseholdKey, ExistingHousehold>> {
    let mut out: HashMap<HouseholdKey, ExistingHousehold> = HashMap::new();
    for chunk in building_ids.chunks(500) {
        let mut p = Params::default();
        let ids: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "SELECT id, building_id, unit, room, head_id FROM households WHERE building_id IN ({}) AND {} ORDER BY id",
            ids.join(","),
            p.range("path", &scope.path)
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            let key = (
                r.try_get("building_id")?,
                opt_i32(&r, "unit")?,
                r.try_get("room")?,
            );
            out.entry(key).or_insert(ExistingHousehold {
                id: r.try_get("id")?,
                head_id: r.try_get("head_id")?,
            });
        }
    }
    Ok(out)
}

/// Insert new households (the caller checked each building is in scope and the keys are new)
/// with multi-row statements; returns their ids by key.
pub async fn insert_households(
    conn: &mut Conn,
    new: &[(&Node, Option<i32>, String)],
) -> Result<HashMap<HouseholdKey, i64>> {
    const COLS: [&str; 7] = [
        "building_id",
        "unit",
        "room",
        "address",
        "path",
        "created_at",
        "updated_at",
    ];
    let now = now_ms();
    let mut out = HashMap::with_capacity(new.len());
    let per = (params_per_statement(conn) / COLS.len()).max(1);
    for chunk in new.chunks(per) {
        let mut p = Params::default();
        let rows: Vec<String> = chunk
            .iter()
            .map(|(b, unit, room)| {
                let address = jingzhi_domain::registry::household_address(&b.name, *unit, room);
                let vals = [
                    p.push(V::I(b.id)),
                    p.push(V::OI(unit.map(i64::from))),
                    p.push(V::T(room.clone())),
                    p.push(V::T(address)),
                    p.push(V::T(b.path.clone())),
                    p.push(V::I(now)),
                    p.push(V::I(now)),
                ];
                format!("({})", vals.join(","))
            })
            .collect();
        let sql = format!(
            "INSERT INTO households ({}) VALUES {} RETURNING id, building_id, unit, room",
            COLS.join(", "),
            rows.join(",")
        );
        // RETURNING gives each row's key with its id, so the order of the rows does not matter.
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::from_db(e, "room"))?
        {
            out.insert(
                (
                    r.try_get("building_id")?,
                    opt_i32(&r, "unit")?,
                    r.try_get("room")?,
                ),
                r.try_get("id")?,
            );
        }
    }
    Ok(out)
}

/// Insert residents (rows of [`crate::registry::resident_values`]) with multi-row statements.
pub async fn insert_residents(conn: &mut Conn, rows: &[Vec<V>]) -> Result<u64> {
    let cols = &crate::registry::RESIDENT_INSERT_COLS;
    let per = (params_per_statement(conn) / cols.len()).max(1);
    let mut n = 0;
    for chunk in rows.chunks(per) {
        n += insert_many(conn, "residents", cols, chunk)
            .await
            .map_err(|e| match e {
                Error::Db(e) => Error::from_db(e, "id_number"),
                e => e,
            })?;
    }
    Ok(n)
}

/// Point each of these households that has no head yet at its (first) member whose relationship
/// is `head`.
pub async fn set_heads(conn: &mut Conn, household_ids: &[i64]) -> Result<()> {
    for chunk in household_ids.chunks(params_per_statement(conn) - 1) {
        let mut p = Params::default();
        let ids: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let head = p.push(V::T(Relationship::Head.as_str().into()));
        let sql = format!(
            "UPDATE households SET head_id = (SELECT MIN(r.id) FROM residents r WHERE r.household_id = households.id AND r.relationship = {head}) \
             WHERE id IN ({}) AND head_id IS NULL",
            ids.join(",")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Export: keyset pages

/// Where the previous page ended: the last row's `(path, id)`.
pub type Cursor = (String, i64);

/// A resident as a list export writes it: masked ID and phone only.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentRow {
    pub id: i64,
    pub path: String,
    pub building_code: String,
    pub unit: Option<i32>,
    pub room: String,
    pub address: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: String,
    pub id_mask: String,
    pub phone_mask: Option<String>,
    pub relationship: Relationship,
    pub residence: Residence,
    pub tags: ResidentTags,
}

fn keyset(p: &mut Params, path_col: &str, id_col: &str, after: Option<&Cursor>) -> String {
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

/// The next page of residents in scope (and `f.under`, and the filter), ordered by `(path, id)`.
pub async fn residents_page(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    scope: &Scope,
    f: &ResidentFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<ResidentRow>> {
    // The same conditions as the resident list (scope first); households and buildings are
    // joined for the address columns, so the address search's own join is not needed here.
    let mut p = Params::default();
    let w = resident_where(&mut p, false, cipher, scope, f);
    let mut sql = format!(
        "SELECT r.id, r.path, r.name, r.gender, r.birth_date, r.id_mask, r.phone_mask, r.relationship, r.residence, \
         r.party_member, r.volunteer, r.elderly_alone, r.disability_grade, r.low_income, r.child_in_difficulty, \
         r.family_doctor_key, h.unit, h.room, h.address, b.code AS building_code \
         FROM residents r JOIN households h ON h.id = r.household_id JOIN nodes b ON b.id = h.building_id {}",
        w.sql
    );
    sql.push_str(&keyset(&mut p, "r.path", "r.id", after));
    sql.push_str(&format!(
        " ORDER BY r.path, r.id LIMIT {}",
        p.push(V::I(limit.max(1)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(resident_row).collect()
}

fn resident_row(r: &AnyRow) -> Result<ResidentRow> {
    let s = |c: &str| -> Result<String> { Ok(r.try_get::<String, _>(c)?) };
    let bad = |c: &str| Error::Conflict(format!("bad value in column {c}"));
    Ok(ResidentRow {
        id: r.try_get("id")?,
        path: s("path")?,
        building_code: s("building_code")?,
        unit: opt_i32(r, "unit")?,
        room: s("room")?,
        address: s("address")?,
        name: s("name")?,
        gender: Gender::parse(&s("gender")?).ok_or_else(|| bad("gender"))?,
        birth_date: s("birth_date")?,
        id_mask: s("id_mask")?,
        phone_mask: r.try_get("phone_mask")?,
        relationship: Relationship::parse(&s("relationship")?)
            .ok_or_else(|| bad("relationship"))?,
        residence: Residence::parse(&s("residence")?).ok_or_else(|| bad("residence"))?,
        tags: ResidentTags {
            party_member: get_bool(r, "party_member"),
            volunteer: get_bool(r, "volunteer"),
            elderly_alone: get_bool(r, "elderly_alone"),
            disability_grade: opt_i32(r, "disability_grade")?,
            low_income: r
                .try_get::<Option<String>, _>("low_income")?
                .map(|v| LowIncome::parse(&v).ok_or_else(|| bad("low_income")))
                .transpose()?,
            child_in_difficulty: get_bool(r, "child_in_difficulty"),
            family_doctor_key: get_bool(r, "family_doctor_key"),
        },
    })
}

/// A household as a list export writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow {
    pub id: i64,
    pub path: String,
    pub building_code: String,
    pub unit: Option<i32>,
    pub room: String,
    pub address: String,
    pub head_name: Option<String>,
    pub members: i64,
}

/// The next page of households in scope (and `f.under`, and the address prefix), ordered by
/// `(path, id)`.
pub async fn households_page(
    conn: &mut Conn,
    scope: &Scope,
    f: &HouseholdFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<HouseholdRow>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT h.id, h.path, h.unit, h.room, h.address, b.code AS building_code, \
         (SELECT COUNT(*) FROM residents m WHERE m.household_id = h.id) AS members, \
         (SELECT hr.name FROM residents hr WHERE hr.id = h.head_id) AS head_name \
         FROM households h JOIN nodes b ON b.id = h.building_id WHERE {}",
        p.range("h.path", &scope.path)
    );
    if let Some(under) = &f.under {
        sql.push_str(&format!(" AND {}", p.range("h.path", under)));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        sql.push_str(&format!(" AND {}", prefix_cond(&mut p, "h.address", q)));
    }
    sql.push_str(&keyset(&mut p, "h.path", "h.id", after));
    sql.push_str(&format!(
        " ORDER BY h.path, h.id LIMIT {}",
        p.push(V::I(limit.max(1)))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HouseholdRow {
                id: r.try_get("id")?,
                path: r.try_get("path")?,
                building_code: r.try_get("building_code")?,
                unit: opt_i32(r, "unit")?,
                room: r.try_get("room")?,
                address: r.try_get("address")?,
                head_name: r.try_get("head_name")?,
                members: r.try_get("members")?,
            })
        })
        .collect()
}
