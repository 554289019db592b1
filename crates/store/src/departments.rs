//! The department registry. Departments are not secret, but reads still follow the caller's
//! scope: a caller sees the departments that serve their place (whose jurisdiction holds it) and
//! those inside it.

use crate::sql::{bind, get_bool, Params, V};
use crate::{Error, Result, Scope};
use jingzhi_domain::departments::Level;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub level: Level,
    /// The jurisdiction: a node of the tree, and its path.
    pub node_id: i64,
    pub node_name: String,
    pub node_path: String,
    pub parent_code: Option<String>,
    pub contact: Option<String>,
    pub joint_meeting: bool,
    pub active: bool,
}

pub struct NewDepartment<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub short_name: &'a str,
    pub level: Level,
    pub node_id: i64,
    pub parent_id: Option<i64>,
    pub contact: Option<&'a str>,
    pub joint_meeting: bool,
    pub sort_order: i64,
    pub now: i64,
}

const COLS: &str = "d.id, d.code, d.name, d.short_name, d.level, d.node_id, n.name AS node_name, \
     n.path AS node_path, p.code AS parent_code, d.contact, d.joint_meeting, d.active";
const FROM: &str = "departments d JOIN nodes n ON n.id = d.node_id \
     LEFT JOIN departments p ON p.id = d.parent_id";

fn from_row(r: &AnyRow) -> Result<Department> {
    let level: String = r.try_get("level")?;
    Ok(Department {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        short_name: r.try_get("short_name")?,
        level: Level::parse(&level)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad level: {level}").into())))?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        node_path: r.try_get("node_path")?,
        parent_code: r.try_get("parent_code")?,
        contact: r.try_get("contact")?,
        joint_meeting: get_bool(r, "joint_meeting"),
        active: get_bool(r, "active"),
    })
}

pub async fn insert(conn: &mut crate::Conn, d: &NewDepartment<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (code, name, short_name, level, node_id, parent_id, contact, \
         joint_meeting, sort_order, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(d.code)
    .bind(d.name)
    .bind(d.short_name)
    .bind(d.level.as_str())
    .bind(d.node_id)
    .bind(d.parent_id)
    .bind(d.contact)
    .bind(d.joint_meeting)
    .bind(d.sort_order)
    .bind(true)
    .bind(d.now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The paths of `path` and of every place above it (`/1/2/3/` → `/1/`, `/1/2/`, `/1/2/3/`).
fn self_and_ancestors(path: &str) -> Vec<String> {
    let mut out = vec![];
    for (i, c) in path.char_indices().skip(1) {
        if c == '/' {
            out.push(path[..=i].to_string());
        }
    }
    out
}

/// `n.path IN (…)` for the paths that hold `path` (the place and every place above it).
fn serving(p: &mut Params, path: &str) -> String {
    let list: Vec<String> = self_and_ancestors(path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    if list.is_empty() {
        "1 = 0".into()
    } else {
        format!("n.path IN ({})", list.join(", "))
    }
}

/// Departments the caller may see: those whose jurisdiction holds the caller's place, and those
/// inside it. `serving_path`: only those serving that place (it must be in scope).
pub async fn list(
    conn: &mut crate::Conn,
    scope: &Scope,
    serving_path: Option<&str>,
    active_only: bool,
) -> Result<Vec<Department>> {
    let mut p = Params::default();
    let above = serving(&mut p, &scope.path);
    let inside = p.range("n.path", &scope.path);
    let mut sql = format!("SELECT {COLS} FROM {FROM} WHERE (({above}) OR ({inside}))");
    if let Some(s) = serving_path {
        let cond = serving(&mut p, s);
        sql.push_str(&format!(" AND ({cond})"));
    }
    if active_only {
        let t = p.push(V::Bool(true));
        sql.push_str(&format!(" AND d.active = {t}"));
    }
    sql.push_str(" ORDER BY length(n.path), n.path, d.sort_order, d.code");
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A department by its code, whatever the caller's scope (codes are public; callers check that
/// it serves the place they act on).
pub async fn get_by_code(conn: &mut crate::Conn, code: &str) -> Result<Department> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE d.code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// The names of departments by code (for display); unknown codes are left out.
pub async fn names(
    conn: &mut crate::Conn,
    codes: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    if codes.is_empty() {
        return Ok(out);
    }
    let mut p = Params::default();
    let list: Vec<String> = codes.iter().map(|c| p.push(V::T(c.clone()))).collect();
    let sql = format!(
        "SELECT code, name FROM departments WHERE code IN ({})",
        list.join(", ")
    );
    for r in bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
    {
        out.insert(r.try_get("code")?, r.try_get("name")?);
    }
    Ok(out)
}

/// A department's staff: active users of role department-staff whose `department` is its code.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Staff {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The path of the user's scope (what they may read).
    pub scope_path: String,
    pub email: Option<String>,
}

pub async fn staff(conn: &mut crate::Conn, codes: &[String]) -> Result<Vec<(String, Staff)>> {
    if codes.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let list: Vec<String> = codes.iter().map(|c| p.push(V::T(c.clone()))).collect();
    let role = p.push(V::T("department-staff".into()));
    let off = p.push(V::Bool(false));
    let sql = format!(
        "SELECT u.department, u.id, u.username, u.display_name, n.path, u.email FROM users u \
         JOIN nodes n ON n.id = u.scope_node_id \
         WHERE u.department IN ({}) AND u.role = {role} AND u.disabled = {off} ORDER BY u.id",
        list.join(", ")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)?,
                Staff {
                    user_id: r.try_get(1)?,
                    username: r.try_get(2)?,
                    display_name: r.try_get(3)?,
                    scope_path: r.try_get(4)?,
                    email: r.try_get(5)?,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ancestors() {
        assert_eq!(
            super::self_and_ancestors("/1/22/333/"),
            vec!["/1/", "/1/22/", "/1/22/333/"]
        );
    }
}

/// A whistle's summons of one department, with its event (a department's work list).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummonsRow {
    pub whistle_id: i64,
    pub event_id: i64,
    pub category_name: String,
    pub description: String,
    /// `summoned`, `reported_in`, `task_assigned`, …
    pub status: String,
    pub report_in_deadline_at: i64,
    pub task: Option<String>,
    /// The summoned department's code and name (its code when it is not in the registry).
    pub department: String,
    pub department_name: String,
}

/// Summonses in `statuses` inside the caller's scope, soonest deadline first: of one
/// department (its workbench), or of every department (the community's workbench).
pub async fn summonses(
    conn: &mut crate::Conn,
    scope: &Scope,
    code: Option<&str>,
    statuses: &[&str],
    limit: i64,
) -> Result<Vec<SummonsRow>> {
    let mut p = Params::default();
    let c = match code {
        Some(code) => format!("wd.department = {} AND ", p.push(V::T(code.into()))),
        None => String::new(),
    };
    let st: Vec<String> = statuses
        .iter()
        .map(|s| p.push(V::T(s.to_string())))
        .collect();
    let range = p.range("wd.path", &scope.path);
    let lim = p.push(V::I(limit.clamp(1, 200)));
    let sql = format!(
        "SELECT w.id AS whistle_id, w.event_id, c.name AS category_name, e.description, wd.status, \
         w.report_in_deadline_at, wd.task, wd.department, COALESCE(d.name, wd.department) AS department_name \
         FROM whistle_departments wd \
         JOIN whistles w ON w.id = wd.whistle_id JOIN events e ON e.id = w.event_id \
         JOIN event_categories c ON c.code = e.category_code \
         LEFT JOIN departments d ON d.code = wd.department \
         WHERE {c}wd.status IN ({}) AND {range} \
         ORDER BY w.report_in_deadline_at, w.id LIMIT {lim}",
        st.join(", ")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SummonsRow {
                whistle_id: r.try_get("whistle_id")?,
                event_id: r.try_get("event_id")?,
                category_name: r.try_get("category_name")?,
                description: r.try_get("description")?,
                status: r.try_get("status")?,
                report_in_deadline_at: r.try_get("report_in_deadline_at")?,
                task: r.try_get("task")?,
                department: r.try_get("department")?,
                department_name: r.try_get("department_name")?,
            })
        })
        .collect()
}
