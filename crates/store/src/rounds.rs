//! Stewards' rounds in SQL: posts and their buildings, visits (民情日志) and their findings, the
//! latest visit of each household (for coverage), grid service specialists and their monthly
//! services. Every read takes the caller's scope and applies it in the query (`path` range).

use crate::sql::{bind, insert_many, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::paging::Page;
use jingzhi_domain::rounds::{FindingKind, Month, PostKind};
use jingzhi_domain::rounds::{SpecialistFilter, VisitFilter};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn bad(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

fn page_of<T>(mut items: Vec<T>, page: i64, per_page: i64) -> Page<T> {
    let has_more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    Page {
        items,
        page,
        per_page,
        has_more,
    }
}

fn paging(page: i64, per_page: i64) -> (i64, i64) {
    (page.max(1), per_page.clamp(1, 200))
}

/// The id of the grid a path lies in (city/district/street/community/grid/…), if it is that deep.
pub fn grid_of_path(path: &str) -> Option<i64> {
    jingzhi_domain::scope::path_ids(path).get(4).copied()
}

// ---------------------------------------------------------------------------------------------
// Posts

#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub id: i64,
    pub kind: PostKind,
    pub user_id: Option<i64>,
    pub holder_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub path: String,
    /// Buildings in the post.
    pub buildings: i64,
    pub updated_at: i64,
}

const POST_COLS: &str = "p.id, p.kind, p.user_id, p.holder_name, p.grid_id, g.name AS grid_name, p.path, p.updated_at, \
    (SELECT COUNT(*) FROM rounds_post_buildings pb WHERE pb.post_id = p.id) AS buildings";

fn post_from(r: &AnyRow) -> Result<Post> {
    let kind: String = r.try_get("kind")?;
    Ok(Post {
        id: r.try_get("id")?,
        kind: PostKind::parse(&kind).ok_or_else(|| bad("post kind", &kind))?,
        user_id: r.try_get("user_id")?,
        holder_name: r.try_get("holder_name")?,
        grid_id: r.try_get("grid_id")?,
        grid_name: r.try_get("grid_name")?,
        path: r.try_get("path")?,
        buildings: r.try_get("buildings")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get_post(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Post> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {POST_COLS} FROM rounds_posts p JOIN nodes g ON g.id = p.grid_id WHERE p.id = {} AND {}",
        p.push(V::I(id)),
        p.range("p.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(post_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The post a user holds, if any (and in scope).
pub async fn post_of_user(conn: &mut Conn, scope: &Scope, user_id: i64) -> Result<Option<Post>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {POST_COLS} FROM rounds_posts p JOIN nodes g ON g.id = p.grid_id WHERE p.user_id = {} AND {}",
        p.push(V::I(user_id)),
        p.range("p.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(post_from).transpose()
}

/// Posts below `under` (a path inside the scope), by place.
pub async fn list_posts(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    page: i64,
    per_page: i64,
) -> Result<Page<Post>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let sql = format!(
        "SELECT {POST_COLS} FROM rounds_posts p JOIN nodes g ON g.id = p.grid_id WHERE {} AND {} \
         ORDER BY p.path, p.kind, p.id LIMIT {} OFFSET {}",
        p.range("p.path", &scope.path),
        p.range("p.path", under),
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.iter().map(post_from).collect::<Result<Vec<_>>>()?;
    Ok(page_of(items, page, per_page))
}

pub struct NewPost<'a> {
    pub kind: PostKind,
    pub user_id: Option<i64>,
    pub holder_name: &'a str,
    pub grid_id: i64,
    pub path: &'a str,
}

pub async fn insert_post(conn: &mut Conn, n: &NewPost<'_>, now: i64) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO rounds_posts (kind, user_id, holder_name, grid_id, path, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
    )
    .bind(n.kind.as_str())
    .bind(n.user_id)
    .bind(n.holder_name)
    .bind(n.grid_id)
    .bind(n.path)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "user_id"))
}

/// Move a post to another grid (its buildings are replaced separately) and refresh its holder.
pub async fn update_post(conn: &mut Conn, id: i64, n: &NewPost<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE rounds_posts SET kind = $1, holder_name = $2, grid_id = $3, path = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(n.kind.as_str())
    .bind(n.holder_name)
    .bind(n.grid_id)
    .bind(n.path)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replace a post's buildings. A building already in another post of the same kind is a
/// [`Error::Conflict`] on `building_id`.
pub async fn set_post_buildings(
    conn: &mut Conn,
    post_id: i64,
    kind: PostKind,
    buildings: &[(i64, String)],
) -> Result<()> {
    sqlx::query("DELETE FROM rounds_post_buildings WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<Vec<V>> = buildings
        .iter()
        .map(|(id, path)| {
            vec![
                V::I(post_id),
                V::I(*id),
                V::T(kind.as_str().into()),
                V::T(path.clone()),
            ]
        })
        .collect();
    match insert_many(
        conn,
        "rounds_post_buildings",
        &["post_id", "building_id", "kind", "path"],
        &rows,
    )
    .await
    {
        Err(Error::Db(e)) => Err(Error::from_db(e, "building_id")),
        other => other.map(|_| ()),
    }
}

/// A building of a grid, with the holders of the posts it is in.
#[derive(Debug, Clone, Serialize)]
pub struct GridBuilding {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    pub households: i64,
    /// (post id, holder) of its steward post and of its grid-worker post.
    pub steward_post: Option<(i64, String)>,
    pub grid_worker_post: Option<(i64, String)>,
}

/// The buildings under `under` (a grid's or a post's grid path, inside the scope), with their
/// posts; with `post_id`, only that post's buildings.
pub async fn buildings_with_posts(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    post_id: Option<i64>,
) -> Result<Vec<GridBuilding>> {
    let mut p = Params::default();
    let mut sql = format!(
        "SELECT b.id, b.code, b.name, b.path, COALESCE(s.households, 0) AS households, \
         ps.id AS s_id, ps.holder_name AS s_name, pg.id AS g_id, pg.holder_name AS g_name \
         FROM nodes b LEFT JOIN node_stats s ON s.node_id = b.id \
         LEFT JOIN rounds_post_buildings bs ON bs.building_id = b.id AND bs.kind = 'steward' \
         LEFT JOIN rounds_posts ps ON ps.id = bs.post_id \
         LEFT JOIN rounds_post_buildings bg ON bg.building_id = b.id AND bg.kind = 'grid_worker' \
         LEFT JOIN rounds_posts pg ON pg.id = bg.post_id \
         WHERE b.kind = 'building' AND {} AND {}",
        p.range("b.path", &scope.path),
        p.range("b.path", under)
    );
    if let Some(pid) = post_id {
        sql.push_str(&format!(
            " AND b.id IN (SELECT building_id FROM rounds_post_buildings WHERE post_id = {})",
            p.push(V::I(pid))
        ));
    }
    sql.push_str(" ORDER BY b.path LIMIT 2000");
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let pair = |id: &str, name: &str| -> Result<Option<(i64, String)>> {
                let i: Option<i64> = r.try_get(id)?;
                let n: Option<String> = r.try_get(name)?;
                Ok(i.zip(n))
            };
            Ok(GridBuilding {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                path: r.try_get("path")?,
                households: r.try_get("households")?,
                steward_post: pair("s_id", "s_name")?,
                grid_worker_post: pair("g_id", "g_name")?,
            })
        })
        .collect()
}

/// Whether a building is in a post.
pub async fn post_has_building(conn: &mut Conn, post_id: i64, building_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM rounds_post_buildings WHERE post_id = $1 AND building_id = $2",
    )
    .bind(post_id)
    .bind(building_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Households of a post's buildings, building by building, rooms in natural order (for the
/// visit form).
pub async fn post_households(
    conn: &mut Conn,
    scope: &Scope,
    post_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT h.id, h.address FROM households h JOIN rounds_post_buildings pb ON pb.building_id = h.building_id \
         WHERE pb.post_id = {} AND {} ORDER BY h.path, {}, h.id LIMIT {}",
        p.push(V::I(post_id)),
        p.range("h.path", &scope.path),
        crate::registry::room_order(conn),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("address")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Visits and findings

#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub id: i64,
    pub visit_id: i64,
    pub path: String,
    pub kind: FindingKind,
    pub text: String,
    pub event_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    pub post_id: Option<i64>,
    pub path: String,
    pub visitor_user_id: Option<i64>,
    pub visitor_name: String,
    pub visited_at: i64,
    pub note: Option<String>,
    pub findings: Vec<FindingRow>,
}

pub struct NewVisit<'a> {
    pub household_id: i64,
    pub building_id: i64,
    pub post_id: Option<i64>,
    pub path: &'a str,
    pub visitor_user_id: Option<i64>,
    pub visitor_name: &'a str,
    pub visited_at: i64,
    pub note: Option<&'a str>,
}

/// Insert a visit and keep the household's latest visit.
pub async fn insert_visit(conn: &mut Conn, v: &NewVisit<'_>, now: i64) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rounds_visits (household_id, post_id, path, visitor_user_id, visitor_name, visited_at, note, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(v.household_id)
    .bind(v.post_id)
    .bind(v.path)
    .bind(v.visitor_user_id)
    .bind(v.visitor_name)
    .bind(v.visited_at)
    .bind(v.note)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO rounds_last_visits (household_id, building_id, grid_id, path, last_at) VALUES ($1,$2,$3,$4,$5) \
         ON CONFLICT (household_id) DO UPDATE SET building_id = excluded.building_id, grid_id = excluded.grid_id, \
         path = excluded.path, \
         last_at = CASE WHEN excluded.last_at > rounds_last_visits.last_at THEN excluded.last_at ELSE rounds_last_visits.last_at END",
    )
    .bind(v.household_id)
    .bind(v.building_id)
    .bind(grid_of_path(v.path).unwrap_or(0))
    .bind(v.path)
    .bind(v.visited_at)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn insert_finding(
    conn: &mut Conn,
    visit_id: i64,
    path: &str,
    kind: FindingKind,
    text: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO rounds_findings (visit_id, path, kind, text, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(visit_id)
    .bind(path)
    .bind(kind.as_str())
    .bind(text)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

fn finding_from(r: &AnyRow) -> Result<FindingRow> {
    let kind: String = r.try_get("kind")?;
    Ok(FindingRow {
        id: r.try_get("id")?,
        visit_id: r.try_get("visit_id")?,
        path: r.try_get("path")?,
        kind: FindingKind::parse(&kind).map_err(|_| bad("finding kind", &kind))?,
        text: r.try_get("text")?,
        event_id: r.try_get("event_id")?,
    })
}

const FINDING_COLS: &str = "f.id, f.visit_id, f.path, f.kind, f.text, f.event_id";

/// A finding of the caller's, with the visit's household and what became of its event.
#[derive(Debug, Clone, Serialize)]
pub struct MyFinding {
    pub id: i64,
    pub visit_id: i64,
    pub household_id: i64,
    pub address: String,
    pub kind: FindingKind,
    pub text: String,
    pub created_at: i64,
    pub event_id: Option<i64>,
    /// The event's status code, when the finding became one.
    pub event_status: Option<String>,
}

/// The latest findings of visits by `user_id`, in scope, newest first.
pub async fn findings_of_visitor(
    conn: &mut Conn,
    scope: &Scope,
    user_id: i64,
    limit: i64,
) -> Result<Vec<MyFinding>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT f.id, f.visit_id, v.household_id, h.address, f.kind, f.text, f.created_at, f.event_id, e.status AS event_status \
         FROM rounds_findings f JOIN rounds_visits v ON v.id = f.visit_id \
         JOIN households h ON h.id = v.household_id LEFT JOIN events e ON e.id = f.event_id \
         WHERE v.visitor_user_id = {} AND {} ORDER BY f.id DESC LIMIT {}",
        p.push(V::I(user_id)),
        p.range("f.path", &scope.path),
        p.push(V::I(limit.clamp(1, 100)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(MyFinding {
                id: r.try_get("id")?,
                visit_id: r.try_get("visit_id")?,
                household_id: r.try_get("household_id")?,
                address: r.try_get("address")?,
                kind: FindingKind::parse(&kind).map_err(|_| bad("finding kind", &kind))?,
                text: r.try_get("text")?,
                created_at: r.try_get("created_at")?,
                event_id: r.try_get("event_id")?,
                event_status: r.try_get("event_status")?,
            })
        })
        .collect()
}

/// A finding in scope.
pub async fn get_finding(conn: &mut Conn, scope: &Scope, id: i64) -> Result<FindingRow> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {FINDING_COLS} FROM rounds_findings f WHERE f.id = {} AND {}",
        p.push(V::I(id)),
        p.range("f.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(finding_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Link a finding to the event it became; false when it already had one.
pub async fn link_finding(conn: &mut Conn, finding_id: i64, event_id: i64) -> Result<bool> {
    let n =
        sqlx::query("UPDATE rounds_findings SET event_id = $1 WHERE id = $2 AND event_id IS NULL")
            .bind(event_id)
            .bind(finding_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(n == 1)
}

const VISIT_COLS: &str =
    "v.id, v.household_id, h.address, h.building_id, v.post_id, v.path, v.visitor_user_id, \
    v.visitor_name, v.visited_at, v.note";

fn visit_from(r: &AnyRow) -> Result<Visit> {
    Ok(Visit {
        id: r.try_get("id")?,
        household_id: r.try_get("household_id")?,
        address: r.try_get("address")?,
        building_id: r.try_get("building_id")?,
        post_id: r.try_get("post_id")?,
        path: r.try_get("path")?,
        visitor_user_id: r.try_get("visitor_user_id")?,
        visitor_name: r.try_get("visitor_name")?,
        visited_at: r.try_get("visited_at")?,
        note: r.try_get("note")?,
        findings: vec![],
    })
}

async fn attach_findings(conn: &mut Conn, visits: &mut [Visit]) -> Result<()> {
    if visits.is_empty() {
        return Ok(());
    }
    let mut p = Params::default();
    let ids: Vec<String> = visits.iter().map(|v| p.push(V::I(v.id))).collect();
    let sql = format!(
        "SELECT {FINDING_COLS} FROM rounds_findings f WHERE f.visit_id IN ({}) ORDER BY f.id",
        ids.join(",")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let f = finding_from(r)?;
        if let Some(v) = visits.iter_mut().find(|v| v.id == f.visit_id) {
            v.findings.push(f);
        }
    }
    Ok(())
}

pub async fn get_visit(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Visit> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {VISIT_COLS} FROM rounds_visits v JOIN households h ON h.id = v.household_id WHERE v.id = {} AND {}",
        p.push(V::I(id)),
        p.range("v.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    let mut v = vec![row
        .as_ref()
        .map(visit_from)
        .transpose()?
        .ok_or(Error::NotFound)?];
    attach_findings(conn, &mut v).await?;
    Ok(v.remove(0))
}

/// Visits in scope, newest first, with their findings.
pub async fn list_visits(
    conn: &mut Conn,
    scope: &Scope,
    f: &VisitFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<Visit>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let mut w = p.range("v.path", &scope.path);
    if let Some(u) = &f.under {
        w.push_str(&format!(" AND {}", p.range("v.path", u)));
    }
    if let Some(h) = f.household_id {
        w.push_str(&format!(" AND v.household_id = {}", p.push(V::I(h))));
    }
    if let Some(u) = f.visitor_user_id {
        w.push_str(&format!(" AND v.visitor_user_id = {}", p.push(V::I(u))));
    }
    if let Some(x) = f.post_id {
        w.push_str(&format!(" AND v.post_id = {}", p.push(V::I(x))));
    }
    // Over a street or more, without a narrower filter, SQLite (no statistics) starts from the
    // path index and sorts every visit in range; newest-first by the time index stops after a
    // page. PostgreSQL plans from its statistics.
    let narrow = f.household_id.is_some() || f.visitor_user_id.is_some() || f.post_id.is_some();
    let depth = jingzhi_domain::scope::path_ids(f.under.as_deref().unwrap_or(&scope.path)).len();
    let from = if crate::registry::is_sqlite(conn) && !narrow && depth <= 3 {
        "rounds_visits v INDEXED BY rounds_visits_at"
    } else {
        "rounds_visits v"
    };
    let sql = format!(
        "SELECT {VISIT_COLS} FROM {from} JOIN households h ON h.id = v.household_id WHERE {w} \
         ORDER BY v.visited_at DESC, v.id DESC LIMIT {} OFFSET {}",
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = rows.iter().map(visit_from).collect::<Result<Vec<_>>>()?;
    let has_more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    attach_findings(conn, &mut items).await?;
    Ok(Page {
        items,
        page,
        per_page,
        has_more,
    })
}

// ---------------------------------------------------------------------------------------------
// Coverage

/// Households and how many of them were visited since the cutoff, for one place.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub id: i64,
    pub name: String,
    pub households: i64,
    pub covered: i64,
}

impl CoverageRow {
    pub fn uncovered(&self) -> i64 {
        (self.households - self.covered).max(0)
    }
}

/// Households visited since `cutoff` below `under` (a path inside the scope).
pub async fn covered_count(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    cutoff: i64,
) -> Result<i64> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT COUNT(*) FROM rounds_last_visits l WHERE {} AND {} AND l.last_at >= {}",
        p.range("l.path", &scope.path),
        p.range("l.path", under),
        p.push(V::I(cutoff))
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get(0)?)
}

/// One page of the grids below `under`, with households and covered households each.
pub async fn grid_coverage(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    cutoff: i64,
    page: i64,
    per_page: i64,
) -> Result<Page<CoverageRow>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let c = p.push(V::I(cutoff));
    let sql = format!(
        "SELECT g.id, g.name, COALESCE(s.households, 0) AS households, \
         (SELECT COUNT(*) FROM rounds_last_visits l WHERE l.grid_id = g.id AND l.last_at >= {c}) AS covered \
         FROM nodes g LEFT JOIN node_stats s ON s.node_id = g.id \
         WHERE g.kind = 'grid' AND {} AND {} ORDER BY g.path LIMIT {} OFFSET {}",
        p.range("g.path", &scope.path),
        p.range("g.path", under),
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(CoverageRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                households: r.try_get("households")?,
                covered: r.try_get("covered")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(page_of(items, page, per_page))
}

/// One page of the posts below `under`, with the households of their buildings and how many
/// of them were visited since the cutoff (by anyone).
pub async fn post_coverage(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    cutoff: i64,
    page: i64,
    per_page: i64,
) -> Result<Page<(Post, i64, i64)>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let c = p.push(V::I(cutoff));
    let sql = format!(
        "SELECT {POST_COLS}, \
         (SELECT CAST(COALESCE(SUM(s.households), 0) AS BIGINT) FROM rounds_post_buildings pb JOIN node_stats s ON s.node_id = pb.building_id WHERE pb.post_id = p.id) AS households, \
         (SELECT COUNT(*) FROM rounds_post_buildings pb JOIN rounds_last_visits l ON l.building_id = pb.building_id WHERE pb.post_id = p.id AND l.last_at >= {c}) AS covered \
         FROM rounds_posts p JOIN nodes g ON g.id = p.grid_id WHERE {} AND {} ORDER BY p.path, p.kind, p.id LIMIT {} OFFSET {}",
        p.range("p.path", &scope.path),
        p.range("p.path", under),
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok((
                post_from(r)?,
                r.try_get("households")?,
                r.try_get("covered")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(page_of(items, page, per_page))
}

#[derive(Debug, Clone, Serialize)]
pub struct Uncovered {
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    /// The latest visit, if older than the cutoff.
    pub last_at: Option<i64>,
}

/// One page of the households below `under` (or in a post's buildings) not visited since the
/// cutoff, by place: households in path order, each checked against its latest visit by key.
pub async fn uncovered_households(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    post_id: Option<i64>,
    cutoff: i64,
    page: i64,
    per_page: i64,
) -> Result<Page<Uncovered>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let mut w = format!(
        "{} AND {}",
        p.range("h.path", &scope.path),
        p.range("h.path", under)
    );
    if let Some(pid) = post_id {
        w.push_str(&format!(
            " AND h.building_id IN (SELECT building_id FROM rounds_post_buildings WHERE post_id = {})",
            p.push(V::I(pid))
        ));
    }
    let sql = format!(
        "SELECT h.id, h.address, h.building_id, l.last_at FROM households h \
         LEFT JOIN rounds_last_visits l ON l.household_id = h.id \
         WHERE {w} AND (l.last_at IS NULL OR l.last_at < {}) ORDER BY h.path, h.id LIMIT {} OFFSET {}",
        p.push(V::I(cutoff)),
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Uncovered {
                household_id: r.try_get("id")?,
                address: r.try_get("address")?,
                building_id: r.try_get("building_id")?,
                last_at: r.try_get("last_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(page_of(items, page, per_page))
}

/// Households of a post's buildings (from the per-node counts).
pub async fn post_household_count(conn: &mut Conn, post_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(s.households), 0) AS BIGINT) FROM rounds_post_buildings pb \
         JOIN node_stats s ON s.node_id = pb.building_id WHERE pb.post_id = $1",
    )
    .bind(post_id)
    .fetch_one(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Grid service specialists (双报到) and their monthly services

#[derive(Debug, Clone, Serialize)]
pub struct Specialist {
    pub id: i64,
    pub grid_id: i64,
    pub grid_name: String,
    pub path: String,
    pub name: String,
    pub department: String,
    pub party_org: String,
    pub phone_mask: Option<String>,
    pub user_id: Option<i64>,
    pub since: Month,
    pub until: Option<Month>,
}

const SPEC_COLS: &str =
    "s.id, s.grid_id, g.name AS grid_name, s.path, s.name, s.department, s.party_org, \
    s.phone_mask, s.user_id, s.since_month, s.until_month";

fn specialist_from(r: &AnyRow) -> Result<Specialist> {
    Ok(Specialist {
        id: r.try_get("id")?,
        grid_id: r.try_get("grid_id")?,
        grid_name: r.try_get("grid_name")?,
        path: r.try_get("path")?,
        name: r.try_get("name")?,
        department: r.try_get("department")?,
        party_org: r.try_get("party_org")?,
        phone_mask: r.try_get("phone_mask")?,
        user_id: r.try_get("user_id")?,
        since: Month(r.try_get("since_month")?),
        until: r.try_get::<Option<i64>, _>("until_month")?.map(Month),
    })
}

pub struct NewSpecialist<'a> {
    pub grid_id: i64,
    pub path: &'a str,
    pub name: &'a str,
    pub department: &'a str,
    pub party_org: &'a str,
    pub phone: Option<&'a jingzhi_domain::registry::Phone>,
    pub user_id: Option<i64>,
    pub since: Month,
}

pub fn specialist_values(cipher: &crate::Cipher, n: &NewSpecialist<'_>, now: i64) -> Vec<V> {
    vec![
        V::I(n.grid_id),
        V::T(n.path.into()),
        V::T(n.name.into()),
        V::T(n.department.into()),
        V::T(n.party_org.into()),
        V::OB(n.phone.map(|p| cipher.seal(p.as_str()))),
        V::OT(n.phone.map(|p| cipher.lookup_hash(p.as_str()))),
        V::OT(n.phone.map(|p| p.masked())),
        V::OI(n.user_id),
        V::I(n.since.0),
        V::I(now),
        V::I(now),
    ]
}

pub const SPECIALIST_COLS: [&str; 12] = [
    "grid_id",
    "path",
    "name",
    "department",
    "party_org",
    "phone_cipher",
    "phone_hash",
    "phone_mask",
    "user_id",
    "since_month",
    "created_at",
    "updated_at",
];

pub async fn insert_specialist(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    n: &NewSpecialist<'_>,
    now: i64,
) -> Result<i64> {
    let vals = specialist_values(cipher, n, now);
    let ph: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO rounds_specialists ({}) VALUES ({}) RETURNING id",
        SPECIALIST_COLS.join(", "),
        ph.join(",")
    );
    let row = bind(sqlx::query(&sql), &vals).fetch_one(&mut *conn).await?;
    Ok(row.try_get(0)?)
}

/// Take the grid's row lock (PostgreSQL) so that two assignments to one grid cannot both pass
/// the 1–2 rule; SQLite's write transaction already serialises them.
pub async fn lock_grid(conn: &mut Conn, grid_id: i64) -> Result<()> {
    if conn.backend_name() != "SQLite" {
        sqlx::query("SELECT id FROM nodes WHERE id = $1 FOR UPDATE")
            .bind(grid_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Specialists serving a grid now.
pub async fn active_specialists(conn: &mut Conn, grid_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM rounds_specialists WHERE grid_id = $1 AND until_month IS NULL",
    )
    .bind(grid_id)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn end_specialist(conn: &mut Conn, id: i64, until: Month, now: i64) -> Result<()> {
    sqlx::query("UPDATE rounds_specialists SET until_month = $1, updated_at = $2 WHERE id = $3")
        .bind(until.0)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get_specialist(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Specialist> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {SPEC_COLS} FROM rounds_specialists s JOIN nodes g ON g.id = s.grid_id WHERE s.id = {} AND {}",
        p.push(V::I(id)),
        p.range("s.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(specialist_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Specialists below `under` (a path inside the scope), by grid.
pub async fn list_specialists(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    f: &SpecialistFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<Specialist>> {
    let (page, per_page) = paging(page, per_page);
    let mut p = Params::default();
    let mut w = format!(
        "{} AND {}",
        p.range("s.path", &scope.path),
        p.range("s.path", under)
    );
    if f.active_only {
        w.push_str(" AND s.until_month IS NULL");
    }
    if let Some(u) = f.user_id {
        w.push_str(&format!(" AND s.user_id = {}", p.push(V::I(u))));
    }
    if let Some((from, to, current)) = f.missed {
        // The months that count: from max(from, since) to min(to, last complete month, until).
        let hi0 = to.min(current.prev()).0;
        let from = p.push(V::I(from.0));
        let hi0 = p.push(V::I(hi0));
        let lo = format!("(CASE WHEN s.since_month > {from} THEN s.since_month ELSE {from} END)");
        let hi = format!(
            "(CASE WHEN s.until_month IS NOT NULL AND s.until_month < {hi0} THEN s.until_month ELSE {hi0} END)"
        );
        w.push_str(&format!(
            " AND (SELECT COUNT(*) FROM rounds_services v WHERE v.specialist_id = s.id AND v.month >= {lo} AND v.month <= {hi}) < {hi} - {lo} + 1"
        ));
    }
    let sql = format!(
        "SELECT {SPEC_COLS} FROM rounds_specialists s JOIN nodes g ON g.id = s.grid_id WHERE {w} \
         ORDER BY s.path, s.id LIMIT {} OFFSET {}",
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(specialist_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(page_of(items, page, per_page))
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub id: i64,
    pub specialist_id: i64,
    pub month: Month,
    pub content: String,
    pub logged_by_name: String,
    pub created_at: i64,
}

pub async fn insert_service(
    conn: &mut Conn,
    s: &Specialist,
    month: Month,
    content: &str,
    logged_by: (Option<i64>, &str),
    now: i64,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO rounds_services (specialist_id, path, month, content, logged_by_id, logged_by_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(s.id)
    .bind(&s.path)
    .bind(month.0)
    .bind(content)
    .bind(logged_by.0)
    .bind(logged_by.1)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "month"))
}

/// The services of some specialists (in scope) in `[from, to]`.
pub async fn services_of(
    conn: &mut Conn,
    scope: &Scope,
    specialist_ids: &[i64],
    from: Month,
    to: Month,
) -> Result<Vec<Service>> {
    if specialist_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let ids: Vec<String> = specialist_ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT id, specialist_id, month, content, logged_by_name, created_at FROM rounds_services \
         WHERE specialist_id IN ({}) AND {} AND month >= {} AND month <= {} ORDER BY specialist_id, month",
        ids.join(","),
        p.range("path", &scope.path),
        p.push(V::I(from.0)),
        p.push(V::I(to.0))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Service {
                id: r.try_get("id")?,
                specialist_id: r.try_get("specialist_id")?,
                month: Month(r.try_get("month")?),
                content: r.try_get("content")?,
                logged_by_name: r.try_get("logged_by_name")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Users in scope who may hold a post (stewards and grid workers), with the post they hold.
pub async fn post_candidates(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(i64, String, String, jingzhi_domain::auth::Role, Option<i64>)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, u.role, (SELECT p.id FROM rounds_posts p WHERE p.user_id = u.id) AS post_id \
         FROM users u JOIN nodes n ON n.id = u.scope_node_id \
         WHERE u.role IN ('steward', 'grid-worker') AND {} ORDER BY u.username LIMIT {}",
        p.range("n.path", &scope.path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok((
                r.try_get("id")?,
                r.try_get("username")?,
                r.try_get("display_name")?,
                jingzhi_domain::auth::Role::parse(&role).ok_or_else(|| bad("role", &role))?,
                r.try_get("post_id")?,
            ))
        })
        .collect()
}
