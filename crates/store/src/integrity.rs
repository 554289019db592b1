//! The integrity index (docs/integrity.md): catalogue versions and items, subjects, records
//! with evidence, appeals, agreements, projects with adoptions and deliveries, rewards. Staff
//! reach subjects and everything about them through their scope (`path` range); the public
//! honour board and a merchant's public page read merchants' rows only.

use crate::sql::{bind, get_bool, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::integrity::{AppealState, Evidence, Item, RecordState, Rules, SubjectKind};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Catalogue {
    pub id: i64,
    pub name: String,
    pub rules: Rules,
    pub example: bool,
    pub active: bool,
    pub items: i64,
    pub created_by_name: String,
    pub created_at: i64,
}

const CAT_COLS: &str = "c.id, c.name, c.base_points, c.stars, c.appeal_days, c.example, c.active, \
    c.created_by_name, c.created_at, \
    (SELECT COUNT(*) FROM integrity_items i WHERE i.catalogue_id = c.id) AS items";

fn catalogue_from(r: &AnyRow) -> Result<Catalogue> {
    let stars: String = r.try_get("stars")?;
    Ok(Catalogue {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        rules: Rules {
            base: r.try_get("base_points")?,
            stars: Rules::parse_stars(&stars).map_err(|_| decode("stars", &stars))?,
            appeal_days: r.try_get("appeal_days")?,
        },
        example: get_bool(r, "example"),
        active: get_bool(r, "active"),
        items: r.try_get("items")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A new catalogue version with its items (not yet active).
pub async fn insert_catalogue(
    conn: &mut Conn,
    name: &str,
    rules: &Rules,
    example: bool,
    items: &[Item],
    by: &str,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_catalogues (name, base_points, stars, appeal_days, example, active, \
         created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(name)
    .bind(rules.base)
    .bind(rules.stars_text())
    .bind(rules.appeal_days)
    .bind(example)
    .bind(false)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for i in items {
        sqlx::query(
            "INSERT INTO integrity_items (catalogue_id, code, theme, title, points, subjects, \
             evidence, valid_days) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(id)
        .bind(&i.code)
        .bind(&i.theme)
        .bind(&i.title)
        .bind(i.points)
        .bind(i.subjects_text())
        .bind(i.evidence.as_str())
        .bind(i.valid_days)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Make one version the active one (the others stop being).
pub async fn activate(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE integrity_catalogues SET active = (id = $1)")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_rules(conn: &mut Conn, id: i64, rules: &Rules) -> Result<()> {
    sqlx::query(
        "UPDATE integrity_catalogues SET base_points = $1, stars = $2, appeal_days = $3 WHERE id = $4",
    )
    .bind(rules.base)
    .bind(rules.stars_text())
    .bind(rules.appeal_days)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn catalogues(conn: &mut Conn) -> Result<Vec<Catalogue>> {
    let rows = sqlx::query(&format!(
        "SELECT {CAT_COLS} FROM integrity_catalogues c ORDER BY c.id DESC"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(catalogue_from).collect()
}

pub async fn catalogue(conn: &mut Conn, id: i64) -> Result<Catalogue> {
    sqlx::query(&format!(
        "SELECT {CAT_COLS} FROM integrity_catalogues c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(catalogue_from)
    .transpose()?
    .ok_or(Error::NotFound)
}

pub async fn active_catalogue(conn: &mut Conn) -> Result<Option<Catalogue>> {
    sqlx::query(&format!(
        "SELECT {CAT_COLS} FROM integrity_catalogues c WHERE c.active = $1 ORDER BY c.id DESC LIMIT 1"
    ))
    .bind(true)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(catalogue_from)
    .transpose()
}

/// An item of a catalogue with its row id.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredItem {
    pub id: i64,
    pub catalogue_id: i64,
    #[serde(flatten)]
    pub item: Item,
}

const ITEM_COLS: &str =
    "i.id, i.catalogue_id, i.code, i.theme, i.title, i.points, i.subjects, i.evidence, i.valid_days";

fn item_from(r: &AnyRow) -> Result<StoredItem> {
    let subjects: String = r.try_get("subjects")?;
    let evidence: String = r.try_get("evidence")?;
    Ok(StoredItem {
        id: r.try_get("id")?,
        catalogue_id: r.try_get("catalogue_id")?,
        item: Item {
            code: r.try_get("code")?,
            theme: r.try_get("theme")?,
            title: r.try_get("title")?,
            points: r.try_get("points")?,
            subjects: subjects
                .split(',')
                .map(|s| SubjectKind::parse(s).map_err(|_| decode("subject kind", s)))
                .collect::<Result<_>>()?,
            evidence: Evidence::parse(&evidence).ok_or_else(|| decode("evidence", &evidence))?,
            valid_days: r.try_get("valid_days")?,
        },
    })
}

pub async fn items(conn: &mut Conn, catalogue_id: i64) -> Result<Vec<StoredItem>> {
    let rows = sqlx::query(&format!(
        "SELECT {ITEM_COLS} FROM integrity_items i WHERE i.catalogue_id = $1 ORDER BY i.code"
    ))
    .bind(catalogue_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(item_from).collect()
}

pub async fn item_by_code(conn: &mut Conn, catalogue_id: i64, code: &str) -> Result<StoredItem> {
    sqlx::query(&format!(
        "SELECT {ITEM_COLS} FROM integrity_items i WHERE i.catalogue_id = $1 AND i.code = $2"
    ))
    .bind(catalogue_id)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(item_from)
    .transpose()?
    .ok_or(Error::NotFound)
}

pub async fn item(conn: &mut Conn, id: i64) -> Result<StoredItem> {
    sqlx::query(&format!(
        "SELECT {ITEM_COLS} FROM integrity_items i WHERE i.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(item_from)
    .transpose()?
    .ok_or(Error::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Subjects

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Subject {
    pub id: i64,
    pub kind: SubjectKind,
    /// The community.
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub merchant_id: Option<i64>,
    pub licence_number: Option<String>,
    pub association_name: Option<String>,
    pub building_name: Option<String>,
    pub resident_id: Option<i64>,
    pub platform_id: Option<i64>,
    pub platform_name: Option<String>,
    /// The business's or the person's name.
    pub name: String,
    #[serde(skip)]
    pub phone_sealed: Option<Vec<u8>>,
    pub created_at: i64,
    /// The sum of the points of records counting on the day asked for.
    pub points: i64,
}

fn subject_cols(p: &mut Params, today: &str) -> String {
    format!(
        "s.id, s.kind, s.node_id, n.name AS node_name, s.path, s.merchant_id, \
         m.licence_number, a.name AS association_name, b.name AS building_name, s.resident_id, \
         s.platform_id, pl.name AS platform_name, COALESCE(s.name, r.name) AS name, \
         s.phone_sealed, s.created_at, \
         CAST(COALESCE((SELECT SUM(x.points) FROM integrity_records x WHERE x.subject_id = s.id \
         AND x.state = 'counted' AND x.expires_on >= {}), 0) AS BIGINT) AS points",
        p.push(V::T(today.to_string()))
    )
}

const SUBJECT_FROM: &str = "integrity_subjects s JOIN nodes n ON n.id = s.node_id \
    LEFT JOIN merchants m ON m.id = s.merchant_id \
    LEFT JOIN associations a ON a.id = m.association_id \
    LEFT JOIN nodes b ON b.id = m.building_id \
    LEFT JOIN residents r ON r.id = s.resident_id \
    LEFT JOIN integrity_subjects pl ON pl.id = s.platform_id";

fn subject_from(r: &AnyRow) -> Result<Subject> {
    let kind: String = r.try_get("kind")?;
    Ok(Subject {
        id: r.try_get("id")?,
        kind: SubjectKind::parse(&kind).map_err(|_| decode("subject kind", &kind))?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        merchant_id: r.try_get("merchant_id")?,
        licence_number: r.try_get("licence_number")?,
        association_name: r.try_get("association_name")?,
        building_name: r.try_get("building_name")?,
        resident_id: r.try_get("resident_id")?,
        platform_id: r.try_get("platform_id")?,
        platform_name: r.try_get("platform_name")?,
        name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
        phone_sealed: r.try_get("phone_sealed")?,
        created_at: r.try_get("created_at")?,
        points: r.try_get("points")?,
    })
}

pub struct NewSubject<'a> {
    pub kind: SubjectKind,
    pub node_id: i64,
    pub path: &'a str,
    pub merchant_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub platform_id: Option<i64>,
    pub name: Option<&'a str>,
    pub phone_sealed: Option<Vec<u8>>,
    pub by: &'a str,
    pub now: i64,
}

pub async fn insert_subject(conn: &mut Conn, s: &NewSubject<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_subjects (kind, node_id, path, merchant_id, resident_id, platform_id, \
         name, phone_sealed, created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
         RETURNING id",
    )
    .bind(s.kind.as_str())
    .bind(s.node_id)
    .bind(s.path)
    .bind(s.merchant_id)
    .bind(s.resident_id)
    .bind(s.platform_id)
    .bind(s.name)
    .bind(s.phone_sealed.clone())
    .bind(s.by)
    .bind(s.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A subject inside the scope, with its points on `today`.
pub async fn get_subject(conn: &mut Conn, scope: &Scope, id: i64, today: &str) -> Result<Subject> {
    let mut p = Params::default();
    let cols = subject_cols(&mut p, today);
    let sql = format!(
        "SELECT {cols} FROM {SUBJECT_FROM} WHERE s.id = {} AND {}",
        p.push(V::I(id)),
        p.range("s.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(subject_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The subject of a merchant or a resident, if it has one.
pub async fn subject_of(conn: &mut Conn, kind: SubjectKind, ref_id: i64) -> Result<Option<i64>> {
    let col = match kind {
        SubjectKind::Merchant => "merchant_id",
        SubjectKind::Resident => "resident_id",
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar(&format!(
        "SELECT id FROM integrity_subjects WHERE {col} = $1"
    ))
    .bind(ref_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Subjects inside the scope (of one kind, if given), highest points first.
pub async fn list_subjects(
    conn: &mut Conn,
    scope: &Scope,
    kind: Option<SubjectKind>,
    today: &str,
    limit: i64,
) -> Result<Vec<Subject>> {
    let mut p = Params::default();
    let cols = subject_cols(&mut p, today);
    let mut sql = format!(
        "SELECT {cols} FROM {SUBJECT_FROM} WHERE {}",
        p.range("s.path", &scope.path)
    );
    if let Some(k) = kind {
        sql += &format!(" AND s.kind = {}", p.push(V::T(k.as_str().into())));
    }
    sql += &format!(" ORDER BY points DESC, s.id LIMIT {}", p.push(V::I(limit)));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(subject_from).collect()
}

/// The subjects a user acts for: their own (a resident) and those they operate.
pub async fn subjects_of_user(
    conn: &mut Conn,
    user_id: i64,
    resident_id: Option<i64>,
    today: &str,
) -> Result<Vec<Subject>> {
    let mut p = Params::default();
    let cols = subject_cols(&mut p, today);
    let sql = format!(
        "SELECT {cols} FROM {SUBJECT_FROM} WHERE s.id IN (SELECT o.subject_id FROM \
         integrity_operators o WHERE o.user_id = {}) OR s.resident_id = {} ORDER BY s.id",
        p.push(V::I(user_id)),
        p.push(V::I(resident_id.unwrap_or(-1)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(subject_from).collect()
}

pub async fn add_operator(
    conn: &mut Conn,
    subject_id: i64,
    user_id: i64,
    by: &str,
    now: i64,
) -> Result<bool> {
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM integrity_operators WHERE subject_id = $1 AND user_id = $2",
    )
    .bind(subject_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO integrity_operators (subject_id, user_id, added_by_name, added_at) \
         VALUES ($1,$2,$3,$4)",
    )
    .bind(subject_id)
    .bind(user_id)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The usernames acting for a subject.
pub async fn operators(conn: &mut Conn, subject_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT u.username FROM integrity_operators o JOIN users u ON u.id = o.user_id \
         WHERE o.subject_id = $1 ORDER BY u.username",
    )
    .bind(subject_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Merchants of a community (public: the honour board), highest points first.
pub async fn merchants_of(
    conn: &mut Conn,
    community_path: &str,
    today: &str,
    limit: i64,
) -> Result<Vec<Subject>> {
    list_subjects(
        conn,
        &Scope::new(0, community_path.to_string()),
        Some(SubjectKind::Merchant),
        today,
        limit,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    pub id: i64,
    pub subject_id: i64,
    pub path: String,
    pub item_id: i64,
    pub item_code: String,
    pub item_title: String,
    pub item_theme: String,
    pub catalogue_id: i64,
    pub points: i64,
    pub occurred_on: String,
    pub expires_on: String,
    pub note: String,
    pub agreement_id: Option<i64>,
    pub adoption_id: Option<i64>,
    pub state: RecordState,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: String,
    pub recorded_at: i64,
    pub evidence_type: Option<String>,
    pub appeal: Option<Appeal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Appeal {
    pub id: i64,
    pub record_id: i64,
    pub path: String,
    pub reason: String,
    pub filed_by: Option<i64>,
    pub filed_by_name: String,
    pub filed_at: i64,
    pub state: AppealState,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<i64>,
    pub review_reason: Option<String>,
}

const RECORD_COLS: &str = "x.id, x.subject_id, x.path, x.item_id, i.code AS item_code, \
    i.title AS item_title, i.theme AS item_theme, i.catalogue_id, x.points, x.occurred_on, \
    x.expires_on, x.note, x.agreement_id, x.adoption_id, x.state, x.recorded_by, \
    x.recorded_by_name, x.recorded_at, ev.content_type AS evidence_type, \
    ap.id AS ap_id, ap.reason AS ap_reason, ap.filed_by AS ap_filed_by, \
    ap.filed_by_name AS ap_filed_by_name, ap.filed_at AS ap_filed_at, ap.state AS ap_state, \
    ap.reviewed_by_name AS ap_reviewed_by_name, ap.reviewed_at AS ap_reviewed_at, \
    ap.review_reason AS ap_review_reason";

const RECORD_FROM: &str = "integrity_records x JOIN integrity_items i ON i.id = x.item_id \
    LEFT JOIN integrity_evidence ev ON ev.record_id = x.id \
    LEFT JOIN integrity_appeals ap ON ap.record_id = x.id";

fn record_from(r: &AnyRow) -> Result<Record> {
    let state: String = r.try_get("state")?;
    let path: String = r.try_get("path")?;
    let id: i64 = r.try_get("id")?;
    let appeal = match r.try_get::<Option<i64>, _>("ap_id")? {
        None => None,
        Some(aid) => {
            let st: String = r.try_get("ap_state")?;
            Some(Appeal {
                id: aid,
                record_id: id,
                path: path.clone(),
                reason: r.try_get("ap_reason")?,
                filed_by: r.try_get("ap_filed_by")?,
                filed_by_name: r.try_get("ap_filed_by_name")?,
                filed_at: r.try_get("ap_filed_at")?,
                state: AppealState::parse(&st).ok_or_else(|| decode("appeal state", &st))?,
                reviewed_by_name: r.try_get("ap_reviewed_by_name")?,
                reviewed_at: r.try_get("ap_reviewed_at")?,
                review_reason: r.try_get("ap_review_reason")?,
            })
        }
    };
    Ok(Record {
        id,
        subject_id: r.try_get("subject_id")?,
        path,
        item_id: r.try_get("item_id")?,
        item_code: r.try_get("item_code")?,
        item_title: r.try_get("item_title")?,
        item_theme: r.try_get("item_theme")?,
        catalogue_id: r.try_get("catalogue_id")?,
        points: r.try_get("points")?,
        occurred_on: r.try_get("occurred_on")?,
        expires_on: r.try_get("expires_on")?,
        note: r.try_get("note")?,
        agreement_id: r.try_get("agreement_id")?,
        adoption_id: r.try_get("adoption_id")?,
        state: RecordState::parse(&state).ok_or_else(|| decode("record state", &state))?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        recorded_at: r.try_get("recorded_at")?,
        evidence_type: r.try_get("evidence_type")?,
        appeal,
    })
}

pub struct NewRecord<'a> {
    pub subject_id: i64,
    pub path: &'a str,
    pub item_id: i64,
    pub points: i64,
    pub occurred_on: &'a str,
    pub expires_on: &'a str,
    pub note: &'a str,
    pub agreement_id: Option<i64>,
    pub adoption_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: &'a str,
    pub now: i64,
}

pub async fn insert_record(conn: &mut Conn, x: &NewRecord<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_records (subject_id, path, item_id, points, occurred_on, expires_on, \
         note, agreement_id, adoption_id, state, recorded_by, recorded_by_name, recorded_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'counted',$10,$11,$12) RETURNING id",
    )
    .bind(x.subject_id)
    .bind(x.path)
    .bind(x.item_id)
    .bind(x.points)
    .bind(x.occurred_on)
    .bind(x.expires_on)
    .bind(x.note)
    .bind(x.agreement_id)
    .bind(x.adoption_id)
    .bind(x.recorded_by)
    .bind(x.recorded_by_name)
    .bind(x.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A record inside the scope.
pub async fn get_record(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Record> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE x.id = {} AND {}",
        p.push(V::I(id)),
        p.range("x.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(record_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A subject's records, newest first.
pub async fn records_of(conn: &mut Conn, subject_id: i64, limit: i64) -> Result<Vec<Record>> {
    let rows = sqlx::query(&format!(
        "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE x.subject_id = $1 \
         ORDER BY x.recorded_at DESC, x.id DESC LIMIT $2"
    ))
    .bind(subject_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(record_from).collect()
}

/// Records of subjects inside the scope, newest first.
pub async fn records_in(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Record>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE {} ORDER BY x.recorded_at DESC, x.id DESC \
         LIMIT {}",
        p.range("x.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(record_from).collect()
}

/// Records with an open appeal inside the scope, oldest appeal first.
pub async fn appealed_in(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Record>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE ap.state = 'open' AND {} \
         ORDER BY ap.filed_at, ap.id LIMIT {}",
        p.range("x.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(record_from).collect()
}

pub async fn set_record_state(conn: &mut Conn, id: i64, state: RecordState) -> Result<()> {
    sqlx::query("UPDATE integrity_records SET state = $1 WHERE id = $2")
        .bind(state.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn put_evidence(
    conn: &mut Conn,
    record_id: i64,
    content_type: &str,
    sha256: &str,
    data: &[u8],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO integrity_evidence (record_id, content_type, size_bytes, sha256, data, \
         uploaded_at) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(record_id)
    .bind(content_type)
    .bind(data.len() as i64)
    .bind(sha256)
    .bind(data)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// (content type, bytes) of a record's evidence.
pub async fn evidence(conn: &mut Conn, record_id: i64) -> Result<(String, Vec<u8>)> {
    let r = sqlx::query("SELECT content_type, data FROM integrity_evidence WHERE record_id = $1")
        .bind(record_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((r.try_get("content_type")?, r.try_get("data")?))
}

// ---------------------------------------------------------------------------------------------
// Appeals

pub async fn insert_appeal(
    conn: &mut Conn,
    record_id: i64,
    path: &str,
    reason: &str,
    filed_by: Option<i64>,
    filed_by_name: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_appeals (record_id, path, reason, filed_by, filed_by_name, filed_at, \
         state) VALUES ($1,$2,$3,$4,$5,$6,'open') RETURNING id",
    )
    .bind(record_id)
    .bind(path)
    .bind(reason)
    .bind(filed_by)
    .bind(filed_by_name)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Decide an open appeal; false if it was no longer open.
pub async fn decide_appeal(
    conn: &mut Conn,
    id: i64,
    state: AppealState,
    by: Option<i64>,
    by_name: &str,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE integrity_appeals SET state = $1, reviewed_by = $2, reviewed_by_name = $3, \
         review_reason = $4, reviewed_at = $5 WHERE id = $6 AND state = 'open'",
    )
    .bind(state.as_str())
    .bind(by)
    .bind(by_name)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Agreements

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Agreement {
    pub id: i64,
    pub subject_id: i64,
    pub path: String,
    pub title: String,
    pub terms: String,
    pub signatories: String,
    pub starts_on: String,
    pub ends_on: String,
    pub created_by_name: String,
    pub created_at: i64,
    /// Breaches recorded against it.
    pub breaches: i64,
}

const AGREEMENT_COLS: &str = "g.id, g.subject_id, g.path, g.title, g.terms, g.signatories, \
    g.starts_on, g.ends_on, g.created_by_name, g.created_at, \
    (SELECT COUNT(*) FROM integrity_records x WHERE x.agreement_id = g.id) AS breaches";

fn agreement_from(r: &AnyRow) -> Result<Agreement> {
    Ok(Agreement {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        terms: r.try_get("terms")?,
        signatories: r.try_get("signatories")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        breaches: r.try_get("breaches")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_agreement(
    conn: &mut Conn,
    subject_id: i64,
    path: &str,
    title: &str,
    terms: &str,
    signatories: &str,
    starts_on: &str,
    ends_on: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_agreements (subject_id, path, title, terms, signatories, starts_on, \
         ends_on, created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(subject_id)
    .bind(path)
    .bind(title)
    .bind(terms)
    .bind(signatories)
    .bind(starts_on)
    .bind(ends_on)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get_agreement(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Agreement> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {AGREEMENT_COLS} FROM integrity_agreements g WHERE g.id = {} AND {}",
        p.push(V::I(id)),
        p.range("g.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(agreement_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn agreements_of(conn: &mut Conn, subject_id: i64) -> Result<Vec<Agreement>> {
    let rows = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLS} FROM integrity_agreements g WHERE g.subject_id = $1 ORDER BY g.id DESC"
    ))
    .bind(subject_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(agreement_from).collect()
}

// ---------------------------------------------------------------------------------------------
// Projects, adoptions, deliveries

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Project {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub title: String,
    pub description: String,
    pub schedule: String,
    pub item_id: i64,
    pub item_code: String,
    pub item_title: String,
    pub item_points: i64,
    pub created_at: i64,
}

const PROJECT_COLS: &str = "j.id, j.node_id, n.name AS node_name, j.path, j.title, j.description, \
    j.schedule, j.item_id, i.code AS item_code, i.title AS item_title, i.points AS item_points, \
    j.created_at";
const PROJECT_FROM: &str = "integrity_projects j JOIN nodes n ON n.id = j.node_id \
    JOIN integrity_items i ON i.id = j.item_id";

fn project_from(r: &AnyRow) -> Result<Project> {
    Ok(Project {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        schedule: r.try_get("schedule")?,
        item_id: r.try_get("item_id")?,
        item_code: r.try_get("item_code")?,
        item_title: r.try_get("item_title")?,
        item_points: r.try_get("item_points")?,
        created_at: r.try_get("created_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_project(
    conn: &mut Conn,
    node_id: i64,
    path: &str,
    title: &str,
    description: &str,
    schedule: &str,
    item_id: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_projects (node_id, path, title, description, schedule, item_id, \
         created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(node_id)
    .bind(path)
    .bind(title)
    .bind(description)
    .bind(schedule)
    .bind(item_id)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A project whose community is inside `scope` (a community's projects are public to it).
pub async fn get_project(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Project> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {PROJECT_COLS} FROM {PROJECT_FROM} WHERE j.id = {} AND {}",
        p.push(V::I(id)),
        p.range("j.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(project_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn projects_in(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Project>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {PROJECT_COLS} FROM {PROJECT_FROM} WHERE {} ORDER BY j.path, j.id DESC LIMIT {}",
        p.range("j.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(project_from).collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Adoption {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub subject_kind: SubjectKind,
    pub path: String,
    pub adopted_by_name: String,
    pub adopted_at: i64,
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub adoption_id: i64,
    pub delivered_on: String,
    pub note: String,
    pub reported_by_name: String,
    pub reported_at: i64,
    pub record_id: Option<i64>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<i64>,
}

pub async fn insert_adoption(
    conn: &mut Conn,
    project_id: i64,
    subject_id: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_adoptions (project_id, subject_id, adopted_by_name, adopted_at) \
         VALUES ($1,$2,$3,$4) RETURNING id",
    )
    .bind(project_id)
    .bind(subject_id)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

fn adoption_from(r: &AnyRow) -> Result<Adoption> {
    let kind: String = r.try_get("subject_kind")?;
    Ok(Adoption {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        subject_id: r.try_get("subject_id")?,
        subject_name: r
            .try_get::<Option<String>, _>("subject_name")?
            .unwrap_or_default(),
        subject_kind: SubjectKind::parse(&kind).map_err(|_| decode("subject kind", &kind))?,
        path: r.try_get("path")?,
        adopted_by_name: r.try_get("adopted_by_name")?,
        adopted_at: r.try_get("adopted_at")?,
        deliveries: Vec::new(),
    })
}

const ADOPTION_SQL: &str = "SELECT d.id, d.project_id, j.title AS project_title, d.subject_id, \
    COALESCE(s.name, r.name) AS subject_name, s.kind AS subject_kind, s.path, d.adopted_by_name, \
    d.adopted_at FROM integrity_adoptions d JOIN integrity_projects j ON j.id = d.project_id \
    JOIN integrity_subjects s ON s.id = d.subject_id LEFT JOIN residents r ON r.id = s.resident_id";

async fn with_deliveries(conn: &mut Conn, mut list: Vec<Adoption>) -> Result<Vec<Adoption>> {
    for a in &mut list {
        let rows = sqlx::query(
            "SELECT id, adoption_id, delivered_on, note, reported_by_name, reported_at, record_id, \
             confirmed_by_name, confirmed_at FROM integrity_deliveries WHERE adoption_id = $1 \
             ORDER BY delivered_on DESC, id DESC",
        )
        .bind(a.id)
        .fetch_all(&mut *conn)
        .await?;
        a.deliveries = rows.iter().map(delivery_from).collect::<Result<_>>()?;
    }
    Ok(list)
}

fn delivery_from(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get("id")?,
        adoption_id: r.try_get("adoption_id")?,
        delivered_on: r.try_get("delivered_on")?,
        note: r.try_get("note")?,
        reported_by_name: r.try_get("reported_by_name")?,
        reported_at: r.try_get("reported_at")?,
        record_id: r.try_get("record_id")?,
        confirmed_by_name: r.try_get("confirmed_by_name")?,
        confirmed_at: r.try_get("confirmed_at")?,
    })
}

/// A project's adopters with their deliveries.
pub async fn adoptions_of_project(conn: &mut Conn, project_id: i64) -> Result<Vec<Adoption>> {
    let rows = sqlx::query(&format!(
        "{ADOPTION_SQL} WHERE d.project_id = $1 ORDER BY d.id"
    ))
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    let list = rows.iter().map(adoption_from).collect::<Result<Vec<_>>>()?;
    with_deliveries(conn, list).await
}

/// A subject's adoptions with their deliveries.
pub async fn adoptions_of_subject(conn: &mut Conn, subject_id: i64) -> Result<Vec<Adoption>> {
    let rows = sqlx::query(&format!(
        "{ADOPTION_SQL} WHERE d.subject_id = $1 ORDER BY d.id"
    ))
    .bind(subject_id)
    .fetch_all(&mut *conn)
    .await?;
    let list = rows.iter().map(adoption_from).collect::<Result<Vec<_>>>()?;
    with_deliveries(conn, list).await
}

pub async fn get_adoption(conn: &mut Conn, id: i64) -> Result<Adoption> {
    let row = sqlx::query(&format!("{ADOPTION_SQL} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let a = adoption_from(&row)?;
    Ok(with_deliveries(conn, vec![a]).await?.remove(0))
}

pub async fn adoption_of(conn: &mut Conn, project_id: i64, subject_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM integrity_adoptions WHERE project_id = $1 AND subject_id = $2",
    )
    .bind(project_id)
    .bind(subject_id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn insert_delivery(
    conn: &mut Conn,
    adoption_id: i64,
    delivered_on: &str,
    note: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_deliveries (adoption_id, delivered_on, note, reported_by_name, \
         reported_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(adoption_id)
    .bind(delivered_on)
    .bind(note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get_delivery(conn: &mut Conn, id: i64) -> Result<Delivery> {
    let row = sqlx::query(
        "SELECT id, adoption_id, delivered_on, note, reported_by_name, reported_at, record_id, \
         confirmed_by_name, confirmed_at FROM integrity_deliveries WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound)?;
    delivery_from(&row)
}

/// Mark a delivery confirmed with its record; false if it already was.
pub async fn confirm_delivery(
    conn: &mut Conn,
    id: i64,
    record_id: i64,
    by: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE integrity_deliveries SET record_id = $1, confirmed_by_name = $2, confirmed_at = $3 \
         WHERE id = $4 AND record_id IS NULL",
    )
    .bind(record_id)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Rewards

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reward {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub title: String,
    pub description: String,
    pub min_stars: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Grant {
    pub id: i64,
    pub reward_id: i64,
    pub reward_title: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub granted_on: String,
    pub note: String,
    pub granted_by_name: String,
    pub granted_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_reward(
    conn: &mut Conn,
    node_id: i64,
    path: &str,
    title: &str,
    description: &str,
    min_stars: i64,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_rewards (node_id, path, title, description, min_stars, \
         created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(node_id)
    .bind(path)
    .bind(title)
    .bind(description)
    .bind(min_stars)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

fn reward_from(r: &AnyRow) -> Result<Reward> {
    Ok(Reward {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        min_stars: r.try_get("min_stars")?,
        created_at: r.try_get("created_at")?,
    })
}

const REWARD_SQL: &str = "SELECT w.id, w.node_id, n.name AS node_name, w.path, w.title, \
    w.description, w.min_stars, w.created_at FROM integrity_rewards w JOIN nodes n ON n.id = w.node_id";

pub async fn get_reward(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Reward> {
    let mut p = Params::default();
    let sql = format!(
        "{REWARD_SQL} WHERE w.id = {} AND {}",
        p.push(V::I(id)),
        p.range("w.path", &scope.path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(reward_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn rewards_in(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Reward>> {
    let mut p = Params::default();
    let sql = format!(
        "{REWARD_SQL} WHERE {} ORDER BY w.path, w.id LIMIT {}",
        p.range("w.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(reward_from).collect()
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_grant(
    conn: &mut Conn,
    reward_id: i64,
    subject_id: i64,
    granted_on: &str,
    note: &str,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO integrity_grants (reward_id, subject_id, granted_on, note, granted_by_name, \
         granted_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(reward_id)
    .bind(subject_id)
    .bind(granted_on)
    .bind(note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

const GRANT_SQL: &str = "SELECT g.id, g.reward_id, w.title AS reward_title, g.subject_id, \
    COALESCE(s.name, r.name) AS subject_name, g.granted_on, g.note, g.granted_by_name, g.granted_at \
    FROM integrity_grants g JOIN integrity_rewards w ON w.id = g.reward_id \
    JOIN integrity_subjects s ON s.id = g.subject_id LEFT JOIN residents r ON r.id = s.resident_id";

fn grant_from(r: &AnyRow) -> Result<Grant> {
    Ok(Grant {
        id: r.try_get("id")?,
        reward_id: r.try_get("reward_id")?,
        reward_title: r.try_get("reward_title")?,
        subject_id: r.try_get("subject_id")?,
        subject_name: r
            .try_get::<Option<String>, _>("subject_name")?
            .unwrap_or_default(),
        granted_on: r.try_get("granted_on")?,
        note: r.try_get("note")?,
        granted_by_name: r.try_get("granted_by_name")?,
        granted_at: r.try_get("granted_at")?,
    })
}

/// Grants of a reward (`reward_id`) or to a subject (`subject_id`), newest first.
pub async fn grants(
    conn: &mut Conn,
    reward_id: Option<i64>,
    subject_id: Option<i64>,
) -> Result<Vec<Grant>> {
    let (col, id) = match (reward_id, subject_id) {
        (Some(r), _) => ("g.reward_id", r),
        (None, Some(s)) => ("g.subject_id", s),
        (None, None) => return Ok(Vec::new()),
    };
    let rows = sqlx::query(&format!(
        "{GRANT_SQL} WHERE {col} = $1 ORDER BY g.granted_on DESC, g.id DESC LIMIT 200"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(grant_from).collect()
}

// ---------------------------------------------------------------------------------------------
// What a subject is made from

/// A merchant inside the scope: (its building's path, its name).
pub async fn merchant_at(conn: &mut Conn, scope: &Scope, id: i64) -> Result<(String, String)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT path, name FROM merchants WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((r.try_get("path")?, r.try_get("name")?))
}

/// A resident inside the scope: their household's path.
pub async fn resident_at(conn: &mut Conn, scope: &Scope, id: i64) -> Result<String> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT path FROM residents WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(r.try_get("path")?)
}

/// Merchants inside the scope that are not scored yet: (id, name, building).
pub async fn merchants_unscored(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(i64, String, String)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT m.id, m.name, b.name AS building FROM merchants m JOIN nodes b ON b.id = m.building_id \
         WHERE {} AND NOT EXISTS (SELECT 1 FROM integrity_subjects s WHERE s.merchant_id = m.id) \
         ORDER BY m.path, m.name LIMIT {}",
        p.range("m.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("building")?)))
        .collect()
}

/// The accounts that act for a subject, with their scope's path (where their notifications
/// are filed): the resident's own (if it is a resident) and the linked operators.
pub async fn accounts_of(
    conn: &mut Conn,
    subject_id: i64,
    resident_id: Option<i64>,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, n.path FROM users u JOIN nodes n ON n.id = u.scope_node_id WHERE u.role = 'resident' \
         AND (u.id IN (SELECT o.user_id FROM integrity_operators o WHERE o.subject_id = $1) \
         OR u.resident_id = $2) ORDER BY u.id",
    )
    .bind(subject_id)
    .bind(resident_id.unwrap_or(-1))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .collect()
}

/// Whether a user acts for a subject: it is their own (a resident) or they operate it.
pub async fn acts_for(
    conn: &mut Conn,
    user_id: i64,
    resident_id: Option<i64>,
    subject_id: i64,
) -> Result<bool> {
    let hit: Option<i64> = sqlx::query_scalar(
        "SELECT s.id FROM integrity_subjects s WHERE s.id = $1 AND (s.resident_id = $2 OR \
         EXISTS (SELECT 1 FROM integrity_operators o WHERE o.subject_id = s.id AND o.user_id = $3))",
    )
    .bind(subject_id)
    .bind(resident_id.unwrap_or(-1))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(hit.is_some())
}
