//! The register of people who can be mobilised (docs/forces.md). Entries carry the path of the
//! place they serve, so every read is confined to the caller's scope in the query; phones are
//! sealed (a mask for lists, a keyed hash to find the same person twice).

use crate::crypto::Cipher;
use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::forces::{skills_of, Availability, ForceKind, Skill};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub id: i64,
    pub node_id: i64,
    pub place: String,
    pub path: String,
    pub kind: ForceKind,
    pub name: String,
    pub resident_id: Option<i64>,
    pub organisation: String,
    pub skills: Vec<Skill>,
    pub availability: Availability,
    pub phone_mask: String,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
    pub removed_reason: Option<String>,
}

const MEMBER_SQL: &str = "SELECT f.id, f.node_id, n.name AS place, f.path, f.kind, f.name, \
    f.resident_id, f.organisation, f.skills, f.availability, f.phone_mask, f.note, \
    f.created_by_name, f.created_at, f.updated_at, f.removed_at, f.removed_reason \
    FROM force_members f JOIN nodes n ON n.id = f.node_id";

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

fn member_from(r: &AnyRow) -> Result<Member> {
    let kind: String = r.try_get("kind")?;
    let availability: String = r.try_get("availability")?;
    let skills: String = r.try_get("skills")?;
    Ok(Member {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        place: r.try_get("place")?,
        path: r.try_get("path")?,
        kind: ForceKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        name: r.try_get("name")?,
        resident_id: r.try_get("resident_id")?,
        organisation: r.try_get("organisation")?,
        skills: skills_of(&skills),
        availability: Availability::parse(&availability)
            .ok_or_else(|| bad("availability", &availability))?,
        phone_mask: r.try_get("phone_mask")?,
        note: r.try_get("note")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        removed_at: r.try_get("removed_at")?,
        removed_reason: r.try_get("removed_reason")?,
    })
}

/// What is written for a member (new or edited).
pub struct MemberRow<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub kind: ForceKind,
    pub name: &'a str,
    pub resident_id: Option<i64>,
    pub organisation: &'a str,
    /// `,code,code,` ([`jingzhi_domain::forces::skills_column`])
    pub skills: &'a str,
    pub availability: Availability,
    pub phone: &'a str,
    pub phone_mask: &'a str,
    pub note: &'a str,
}

pub async fn insert(
    conn: &mut Conn,
    cipher: &Cipher,
    m: &MemberRow<'_>,
    by: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO force_members (node_id, path, kind, name, resident_id, organisation, skills, \
         availability, phone_cipher, phone_hash, phone_mask, note, created_by_name, created_at, \
         updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14) RETURNING id",
    )
    .bind(m.node_id)
    .bind(m.path)
    .bind(m.kind.as_str())
    .bind(m.name)
    .bind(m.resident_id)
    .bind(m.organisation)
    .bind(m.skills)
    .bind(m.availability.as_str())
    .bind(cipher.seal(m.phone))
    .bind(cipher.lookup_hash(m.phone))
    .bind(m.phone_mask)
    .bind(m.note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Edit a member still on the register in scope; false when there is none.
pub async fn update(
    conn: &mut Conn,
    cipher: &Cipher,
    scope: &Scope,
    id: i64,
    m: &MemberRow<'_>,
    now: i64,
) -> Result<bool> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE force_members SET node_id = {}, path = {}, kind = {}, name = {}, resident_id = {}, \
         organisation = {}, skills = {}, availability = {}, phone_cipher = {}, phone_hash = {}, \
         phone_mask = {}, note = {}, updated_at = {} \
         WHERE id = {} AND removed_at IS NULL AND {}",
        p.push(V::I(m.node_id)),
        p.push(V::T(m.path.into())),
        p.push(V::T(m.kind.as_str().into())),
        p.push(V::T(m.name.into())),
        p.push(V::OI(m.resident_id)),
        p.push(V::T(m.organisation.into())),
        p.push(V::T(m.skills.into())),
        p.push(V::T(m.availability.as_str().into())),
        p.push(V::B(cipher.seal(m.phone))),
        p.push(V::T(cipher.lookup_hash(m.phone))),
        p.push(V::T(m.phone_mask.into())),
        p.push(V::T(m.note.into())),
        p.push(V::I(now)),
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Take a member off the register (kept, with the reason); false when there is none in scope.
pub async fn remove(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE force_members SET removed_at = {}, removed_reason = {} \
         WHERE id = {} AND removed_at IS NULL AND {}",
        p.push(V::I(now)),
        p.push(V::T(reason.into())),
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    Ok(bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// A member in scope (removed ones too).
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Member> {
    let mut p = Params::default();
    let sql = format!(
        "{MEMBER_SQL} WHERE f.id = {} AND {}",
        p.push(V::I(id)),
        p.range("f.path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    member_from(&r)
}

/// A member's phone number, unsealed (a view the caller audits).
pub async fn phone(conn: &mut Conn, cipher: &Cipher, scope: &Scope, id: i64) -> Result<String> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT phone_cipher FROM force_members WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let sealed: Vec<u8> = r.try_get("phone_cipher")?;
    cipher.open(&sealed)
}

/// Another member on the register in scope with the same phone number (the same person twice).
pub async fn same_phone(
    conn: &mut Conn,
    cipher: &Cipher,
    path: &str,
    phone: &str,
    except: Option<i64>,
) -> Result<Option<Member>> {
    let mut p = Params::default();
    let sql = format!(
        "{MEMBER_SQL} WHERE f.phone_hash = {} AND f.removed_at IS NULL AND f.id <> {} AND {} \
         LIMIT 1",
        p.push(V::T(cipher.lookup_hash(phone))),
        p.push(V::I(except.unwrap_or(0))),
        p.range("f.path", path)
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(member_from)
        .transpose()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Under this place (inside the scope); none: the whole scope.
    pub under: Option<String>,
    pub kind: Option<ForceKind>,
    pub skill: Option<Skill>,
    pub availability: Option<Availability>,
    /// A part of the name or organisation.
    pub q: Option<String>,
}

/// Members on the register in scope, by place and name.
pub async fn list(conn: &mut Conn, scope: &Scope, f: &Filter, limit: i64) -> Result<Vec<Member>> {
    let mut p = Params::default();
    let mut w = vec![
        "f.removed_at IS NULL".to_string(),
        p.range("f.path", &scope.path),
    ];
    if let Some(u) = &f.under {
        w.push(p.range("f.path", u));
    }
    if let Some(k) = f.kind {
        w.push(format!("f.kind = {}", p.push(V::T(k.as_str().into()))));
    }
    if let Some(s) = f.skill {
        w.push(format!(
            "f.skills LIKE {}",
            p.push(V::T(format!("%,{},%", s.as_str())))
        ));
    }
    if let Some(a) = f.availability {
        w.push(format!(
            "f.availability = {}",
            p.push(V::T(a.as_str().into()))
        ));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        let like = p.push(V::T(format!("%{}%", q.replace(['%', '_'], ""))));
        w.push(format!(
            "(f.name LIKE {like} OR f.organisation LIKE {like})"
        ));
    }
    let sql = format!(
        "{MEMBER_SQL} WHERE {} ORDER BY f.path, f.kind, f.name, f.id LIMIT {}",
        w.join(" AND "),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(member_from)
        .collect()
}

/// Members on the register under a place, per kind.
pub async fn counts(conn: &mut Conn, path: &str) -> Result<Vec<(ForceKind, i64)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT kind, COUNT(*) AS n FROM force_members WHERE removed_at IS NULL AND {} \
         GROUP BY kind",
        p.range("path", path)
    );
    let mut out = Vec::new();
    for r in bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
    {
        let k: String = r.try_get("kind")?;
        if let Some(k) = ForceKind::parse(&k) {
            out.push((k, r.try_get("n")?));
        }
    }
    out.sort_by_key(|(k, _)| ForceKind::ALL.iter().position(|x| x == k));
    Ok(out)
}

/// In-service party members reporting to grids under a place this month (双报到, from rounds).
pub async fn dual_report_count(conn: &mut Conn, path: &str, month: i64) -> Result<i64> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM rounds_specialists WHERE {} AND since_month <= {m} \
         AND (until_month IS NULL OR until_month >= {m})",
        p.range("path", path),
        m = p.push(V::I(month)),
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get(0)?)
}
