//! The department registry's use-cases: list the departments a caller may pick (those serving a
//! place in their scope), add one (a city administrator, or the command line), and resolve the
//! codes a dispatch or whistle names into registry departments that serve the event's place.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::departments::{self as dd, Level};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::departments as sd;
use jingzhi_store::events as se;
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};
use serde::Deserialize;

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::departments::{Department, SummonsRow};

/// A department to add.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewDepartmentInput {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    /// `city`, `district` or `street`.
    pub level: String,
    /// The unified code of its jurisdiction (a node of the tree).
    pub node_code: String,
    pub parent_code: Option<String>,
    pub contact: Option<String>,
    #[serde(default)]
    pub joint_meeting: bool,
}

/// A registry department that serves the event's place (`path`), by its code; the field named
/// in the error is `field`.
pub(crate) async fn serving(
    conn: &mut Conn,
    field: &'static str,
    code: &str,
    path: &str,
) -> AppResult<Department> {
    let code = code.trim();
    let d = match sd::get_by_code(conn, code).await {
        Ok(d) if d.active => d,
        Ok(_) | Err(jingzhi_store::Error::NotFound) => {
            return Err(AppError::invalid(
                field,
                format!("找不到编码为“{code}”的部门（请从部门名录中选择）"),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    if !dd::serves(&d.node_path, path) {
        return Err(AppError::invalid(
            field,
            format!("{}不负责该事件所在区域", d.name),
        ));
    }
    Ok(d)
}

/// Departments (部门): the department registry and the department workbench. Reached as
/// `app.departments()`.
#[derive(Clone, Copy)]
pub struct Departments<'a> {
    app: &'a App,
}

impl App {
    /// See [`Departments`].
    pub fn departments(&self) -> Departments<'_> {
        Departments { app: self }
    }
}

impl Departments<'_> {
    /// Departments the caller may see and pick: those serving their place and those inside it;
    /// with `serving_node`, only those serving that place (which must be in scope).
    pub async fn list(
        &self,
        actor: &Actor,
        serving_node: Option<i64>,
    ) -> AppResult<Vec<Department>> {
        let mut conn = self.app.store.acquire().await?;
        let path = match serving_node {
            Some(id) => Some(sr::get_node(&mut conn, &actor.scope(), id).await?.path),
            None => None,
        };
        Ok(sd::list(&mut conn, &actor.scope(), path.as_deref(), true).await?)
    }

    /// The caller's own department (department staff), if it is in the registry.
    pub async fn own(&self, actor: &Actor) -> AppResult<Option<Department>> {
        let Some(code) = actor.user.department.as_deref() else {
            return Ok(None);
        };
        let mut conn = self.app.store.acquire().await?;
        match sd::get_by_code(&mut conn, code).await {
            Ok(d) => Ok(Some(d)),
            Err(jingzhi_store::Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Add a department to the registry: a city administrator within their scope, or the
    /// command line (`by` = `None`). Audited.
    pub async fn add(
        &self,
        by: Option<&Actor>,
        input: &NewDepartmentInput,
    ) -> AppResult<Department> {
        if let Some(a) = by {
            a.require(Permission::ManageUsers)?;
        }
        let code = input.code.trim();
        let name = input.name.trim();
        let short = input
            .short_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(name);
        let contact = input
            .contact
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        dd::check(code, name, short, contact)?;
        let level = Level::parse(&input.level)
            .ok_or_else(|| AppError::invalid("level", "级别应为 city、district 或 street"))?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let node = match by {
            Some(a) => sr::get_node_by_code(&mut tx, &a.scope(), input.node_code.trim()).await,
            None => sr::get_node_by_code_unscoped(&mut tx, input.node_code.trim()).await,
        }
        .map_err(|e| match e {
            jingzhi_store::Error::NotFound => AppError::invalid(
                "node_code",
                format!("找不到编码为 {} 的区域", input.node_code.trim()),
            ),
            e => e.into(),
        })?;
        let parent = match input
            .parent_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => Some(sd::get_by_code(&mut tx, p).await.map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("parent_code", format!("找不到编码为“{p}”的上级部门"))
                }
                e => e.into(),
            })?),
        };
        if sd::get_by_code(&mut tx, code).await.is_ok() {
            return Err(AppError::invalid("code", format!("部门编码“{code}”已存在")));
        }
        let id = sd::insert(
            &mut tx,
            &sd::NewDepartment {
                code,
                name,
                short_name: short,
                level,
                node_id: node.id,
                parent_id: parent.as_ref().map(|p| p.id),
                contact,
                joint_meeting: input.joint_meeting,
                sort_order: 0,
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: by.and_then(|a| a.audit_id()),
                actor_name: by.map(|a| a.name()).unwrap_or("命令行"),
                action: Action::Create,
                entity: "department",
                entity_id: Some(id),
                path: &node.path,
                summary: format!("新增部门 {name}（{code}）"),
                before: None,
                after: Some(serde_json::json!({
                    "code": code, "name": name, "short_name": short, "level": level.as_str(),
                    "jurisdiction": node.code, "parent": parent.as_ref().map(|p| p.code.clone()),
                })),
                reason: None,
            },
        )
        .await?;
        let d = sd::get_by_code(&mut tx, code).await?;
        jingzhi_store::commit(tx).await?;
        Ok(d)
    }

    /// Department names by code, for display (unknown codes keep their code).
    pub async fn names(
        &self,
        codes: &[String],
    ) -> AppResult<std::collections::HashMap<String, String>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::names(&mut conn, codes).await?)
    }
}

/// The department a department-staff caller acts for (their user's `department` code).
pub(crate) fn own_code(actor: &Actor) -> Option<&str> {
    (actor.user.role == Role::DepartmentStaff)
        .then_some(actor.user.department.as_deref())
        .flatten()
}

/// A department's workbench (工作台): what its staff must do now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DepartmentWorkbench {
    pub department: Option<Department>,
    /// Whistles waiting for the department to report in (报到), soonest deadline first.
    pub summoned: Vec<sd::SummonsRow>,
    /// Tasks the joint inspection gave it, not yet done.
    pub tasks: Vec<sd::SummonsRow>,
    /// Events sent to it, open and past their deadline: the newest
    /// [`crate::workbench::LIST_LEN`], and how many in all.
    pub overdue: Vec<jingzhi_store::events::Event>,
    pub overdue_count: i64,
    /// Events sent to it, open and not yet past their deadline: the newest
    /// [`crate::workbench::LIST_LEN`], soonest deadline first, and how many in all.
    pub open: Vec<jingzhi_store::events::Event>,
    pub open_count: i64,
}

/// A department's open events split by their deadline at `now`: how many are overdue, and the
/// newest `n` ids of each side (from (id, deadline) pairs, newest first).
#[derive(Debug, PartialEq, Eq)]
struct DeadlineSplit {
    overdue_count: i64,
    overdue: Vec<i64>,
    due: Vec<i64>,
}

fn split_by_deadline(open: &[(i64, i64)], now: i64, n: usize) -> DeadlineSplit {
    // Past the deadline as `lifecycle::is_overdue` and the lists' `overdue_at` filter say.
    let (late, due): (Vec<_>, Vec<_>) = open.iter().partition(|(_, d)| now > *d);
    let newest = |v: &[&(i64, i64)]| v.iter().take(n).map(|(i, _)| *i).collect();
    DeadlineSplit {
        overdue_count: late.len() as i64,
        overdue: newest(&late),
        due: newest(&due),
    }
}

impl Departments<'_> {
    /// The caller's department's workbench (department staff only).
    pub async fn workbench(&self, actor: &Actor) -> AppResult<DepartmentWorkbench> {
        let Some(code) = own_code(actor) else {
            return Err(AppError::Forbidden);
        };
        let department = self.own(actor).await?;
        let (summoned, tasks): (Vec<_>, Vec<_>) = {
            let mut conn = self.app.store.acquire().await?;
            sd::summonses(
                &mut conn,
                &actor.scope(),
                Some(code),
                &["summoned", "task_assigned"],
                100,
            )
            .await?
        }
        .into_iter()
        .partition(|s| s.status == "summoned");
        // Its open events (confined to what was sent to it, in scope), split by the deadline:
        // the figures count them all, the lists show the newest few of each.
        let now = now_ms();
        let mut conn = self.app.store.acquire().await?;
        let all = se::department_open(&mut conn, &actor.scope(), code).await?;
        let split = split_by_deadline(&all, now, crate::workbench::LIST_LEN as usize);
        let ids: Vec<i64> = split.overdue.iter().chain(&split.due).copied().collect();
        let (overdue, mut open): (Vec<_>, Vec<_>) =
            se::events_by_ids(&mut conn, &actor.scope(), &ids)
                .await?
                .into_iter()
                .partition(|e| split.overdue.contains(&e.id));
        open.sort_by_key(|e| e.deadline_at);
        let (overdue_count, open_count) =
            (split.overdue_count, all.len() as i64 - split.overdue_count);
        Ok(DepartmentWorkbench {
            department,
            summoned,
            tasks,
            overdue,
            overdue_count,
            open,
            open_count,
        })
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    #[test]
    fn the_newest_of_each_side_and_the_true_count() {
        // (id, deadline), newest first; now = 100.
        let open = [(9, 50), (8, 150), (7, 99), (6, 100), (5, 10), (4, 200)];
        let s = split_by_deadline(&open, 100, 2);
        assert_eq!(
            s,
            DeadlineSplit {
                overdue_count: 3,
                overdue: vec![9, 7],
                due: vec![8, 6],
            }
        );
        assert_eq!(split_by_deadline(&[], 100, 8).overdue_count, 0);
    }
}
