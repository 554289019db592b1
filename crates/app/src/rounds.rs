//! Stewards' rounds and party members in the grid: posts (岗位), visits (民情日志) whose findings
//! become events in one step, coverage (households not visited in the last 30 days), grid
//! service specialists (双报到) with their monthly services and the compliance view.
//!
//! Who may do what:
//! - every role that reads the register sees posts, visits, coverage and specialists in scope;
//! - community workers and above (managers) assign posts and specialists;
//! - a steward or grid worker logs visits to households of their own post;
//! - a finding becomes an event by its visitor or a manager (the events use-case reports it,
//!   then this module marks its source `round` and links the two);
//! - a specialist's monthly service is logged by the specialist's own (department-staff)
//!   account, or by a manager on their behalf.

use crate::events::ReportInput;
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::paging::Page;
use jingzhi_domain::registry::{NodeKind, Phone};
use jingzhi_domain::rounds::{
    self as dr, check_text, Finding, FindingKind, Month, MonthStatus, PostKind,
};
use jingzhi_domain::rounds::{SpecialistFilter, VisitFilter};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events::Event;
use jingzhi_store::registry::{self as sr, Node};
use jingzhi_store::rounds as so;
use jingzhi_store::{audit, Conn};
use serde::{Deserialize, Serialize};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::rounds::{
    CoverageRow, FindingRow, GridBuilding, Post, Service, Specialist, Uncovered, Visit,
};

fn require_manager(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostInput {
    /// The steward or grid worker who holds the post.
    pub user_id: i64,
    /// The grid the post lies in.
    pub grid_id: i64,
    /// Buildings of that grid.
    #[serde(default)]
    pub building_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostView {
    pub post: Post,
    pub grid: Node,
    /// The buildings of the post (with the other posts they are in).
    pub buildings: Vec<GridBuilding>,
    pub households: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FindingInput {
    /// `dispute`, `demand`, `hazard` or `proposal`.
    pub kind: String,
    pub text: String,
    /// Report it as an event at once, in this category.
    #[serde(default)]
    pub report_category: Option<String>,
    #[serde(default)]
    pub report_urgency: Option<String>,
    /// Answers to the category's questions, by question code. A category whose required
    /// questions are not all answered is not reported with the visit: the finding waits for
    /// them (see [`VisitLogged::pending`]); the visit is saved all the same.
    #[serde(default)]
    pub report_answers: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A finding flagged "also report as an event" that did not become one with its visit.
#[derive(Debug, Clone, Serialize)]
pub struct PendingFinding {
    pub finding_id: i64,
    pub category: String,
    /// Why (the question to answer, or the refusal).
    pub reason: String,
}

/// A saved visit and what became of the findings flagged for reporting.
#[derive(Debug, Clone, Serialize)]
pub struct VisitLogged {
    pub visit: Visit,
    /// (finding, event) reported with the visit.
    pub reported: Vec<(i64, i64)>,
    /// Flagged findings still to be reported (questions to answer first).
    pub pending: Vec<PendingFinding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitInput {
    pub household_id: i64,
    /// UTC milliseconds; default now. Not in the future.
    #[serde(default)]
    pub visited_at: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportFindingInput {
    pub category: String,
    #[serde(default)]
    pub urgency: Option<String>,
    /// Answers to the category's questions, by question code.
    #[serde(default)]
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    /// The place the view is about.
    pub node: Node,
    pub days: i64,
    pub cutoff: i64,
    pub households: i64,
    pub covered: i64,
    pub uncovered: i64,
    pub grids: Page<CoverageRow>,
    /// (post, households, covered)
    pub posts: Page<(Post, i64, i64)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SpecialistInput {
    pub grid_id: i64,
    pub name: String,
    /// The department or unit they come from.
    pub department: String,
    /// Their party organisation.
    pub party_org: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// A department-staff account of theirs, so they can log their own services.
    #[serde(default)]
    pub username: Option<String>,
    /// First month of service (default this month).
    #[serde(default)]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServiceInput {
    /// `2026-11`
    pub month: String,
    pub content: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplianceRow {
    pub specialist: Specialist,
    /// One per month of the range, in order.
    pub months: Vec<MonthStatus>,
    pub missed: Vec<Month>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplianceView {
    pub from: Month,
    pub to: Month,
    pub current: Month,
    pub months: Vec<Month>,
    pub rows: Vec<ComplianceRow>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

fn not_in_scope(
    field: &'static str,
    what: &'static str,
) -> impl Fn(jingzhi_store::Error) -> AppError {
    move |e| match e {
        jingzhi_store::Error::NotFound => {
            AppError::invalid(field, format!("{what}不存在或不在您的管辖范围内"))
        }
        e => e.into(),
    }
}

/// The node to look at: the given one (in scope) or the caller's own scope node.
async fn node_or_scope(conn: &mut Conn, actor: &Actor, node_id: Option<i64>) -> AppResult<Node> {
    let scope = actor.scope();
    Ok(sr::get_node(conn, &scope, node_id.unwrap_or(scope.node_id)).await?)
}

/// A place's households and those visited since `cutoff`.
async fn covered_of(
    conn: &mut jingzhi_store::Conn,
    scope: &jingzhi_domain::scope::Scope,
    node: &Node,
    cutoff: i64,
) -> AppResult<(i64, i64)> {
    let households = match sr::stats(conn, scope, node.id).await {
        Ok(s) => s.households,
        Err(jingzhi_store::Error::NotFound) => 0,
        Err(e) => return Err(e.into()),
    };
    let covered = so::covered_count(conn, scope, &node.path, cutoff).await?;
    Ok((households, covered))
}

/// A post with its grid, its buildings and their households (the post is in scope).
async fn post_view_of(
    conn: &mut Conn,
    scope: &jingzhi_domain::scope::Scope,
    post: Post,
) -> AppResult<PostView> {
    let grid = sr::get_node(conn, scope, post.grid_id).await?;
    let buildings = so::buildings_with_posts(conn, scope, &post.path, Some(post.id)).await?;
    let households = so::post_household_count(conn, post.id).await?;
    Ok(PostView {
        post,
        grid,
        buildings,
        households,
    })
}

fn post_audit(p: &Post, buildings: &[i64]) -> serde_json::Value {
    serde_json::json!({"kind": p.kind.as_str(), "user_id": p.user_id, "holder": p.holder_name,
        "grid_id": p.grid_id, "buildings": buildings})
}

/// Rounds: stewards' posts, visits, coverage and specialists. Reached as `app.rounds()`.
#[derive(Clone, Copy)]
pub struct Rounds<'a> {
    app: &'a App,
}

impl App {
    /// See [`Rounds`].
    pub fn rounds(&self) -> Rounds<'_> {
        Rounds { app: self }
    }
}

impl Rounds<'_> {
    // --- posts

    /// The caller's own post (stewards and grid workers).
    pub async fn my_post(&self, actor: &Actor) -> AppResult<Option<PostView>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        match so::post_of_user(&mut conn, &scope, actor.id()).await? {
            Some(post) => Ok(Some(post_view_of(&mut conn, &scope, post).await?)),
            None => Ok(None),
        }
    }

    pub async fn post_view(&self, actor: &Actor, id: i64) -> AppResult<PostView> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let post = so::get_post(&mut conn, &scope, id).await?;
        post_view_of(&mut conn, &scope, post).await
    }

    pub async fn list_posts(
        &self,
        actor: &Actor,
        under: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Post>> {
        actor.require(Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        let node = node_or_scope(&mut conn, actor, under).await?;
        Ok(so::list_posts(&mut conn, &actor.scope(), &node.path, page, per_page).await?)
    }

    /// The buildings of a grid in scope, with the posts each is in (for the post form).
    pub async fn grid_buildings(
        &self,
        actor: &Actor,
        grid_id: i64,
    ) -> AppResult<(Node, Vec<GridBuilding>)> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let grid = sr::get_node(&mut conn, &scope, grid_id).await?;
        if grid.kind != NodeKind::Grid {
            return Err(AppError::NotFound);
        }
        let b = so::buildings_with_posts(&mut conn, &scope, &grid.path, None).await?;
        Ok((grid, b))
    }

    /// Stewards and grid workers in scope (who may hold a post): (id, username, name, role, post).
    pub async fn post_candidates(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(i64, String, String, Role, Option<i64>)>> {
        require_manager(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(so::post_candidates(&mut conn, &actor.scope(), 500).await?)
    }

    /// Assign a post, or change one: the holder's post becomes these buildings of this grid.
    pub async fn save_post(&self, actor: &Actor, input: &PostInput) -> AppResult<PostView> {
        require_manager(actor)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let holder = jingzhi_store::auth::get_user_in_scope(&mut tx, &scope, input.user_id)
            .await
            .map_err(not_in_scope("user_id", "该用户"))?;
        let kind = PostKind::of_role(holder.role)
            .ok_or_else(|| AppError::invalid("user_id", "只有小巷管家和网格员可以设岗位"))?;
        let grid = sr::get_node(&mut tx, &scope, input.grid_id)
            .await
            .map_err(not_in_scope("grid_id", "该网格"))?;
        if grid.kind != NodeKind::Grid {
            return Err(AppError::invalid("grid_id", "请选择一个网格"));
        }
        if !grid.path.starts_with(&holder.scope_path) {
            return Err(AppError::invalid(
                "grid_id",
                format!(
                    "该网格不在{}的管辖范围（{}）内",
                    holder.display_name, holder.scope_name
                ),
            ));
        }
        let mut ids = input.building_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > 2000 {
            return Err(AppError::invalid("building_ids", "一个岗位最多2000栋楼"));
        }
        let mut buildings = Vec::with_capacity(ids.len());
        for id in &ids {
            let b = sr::get_node(&mut tx, &scope, *id)
                .await
                .map_err(not_in_scope("building_ids", "楼宇"))?;
            if b.kind != NodeKind::Building || !b.path.starts_with(&grid.path) {
                return Err(AppError::invalid(
                    "building_ids",
                    format!("“{}”不是{}的楼宇", b.name, grid.name),
                ));
            }
            buildings.push((b.id, b.path));
        }
        let before = so::post_of_user(&mut tx, &scope, holder.id).await?;
        let new = so::NewPost {
            kind,
            user_id: Some(holder.id),
            holder_name: &holder.display_name,
            grid_id: grid.id,
            path: &grid.path,
        };
        let id = match &before {
            Some(p) => {
                so::update_post(&mut tx, p.id, &new, now).await?;
                p.id
            }
            None => so::insert_post(&mut tx, &new, now).await?,
        };
        let before_buildings = match &before {
            Some(p) => so::buildings_with_posts(&mut tx, &scope, &p.path, Some(p.id))
                .await?
                .into_iter()
                .map(|b| b.id)
                .collect(),
            None => vec![],
        };
        if let Err(e) = so::set_post_buildings(&mut tx, id, kind, &buildings).await {
            return Err(match e {
                jingzhi_store::Error::Conflict(_) => {
                    // Name the buildings already in another post of this kind.
                    let taken: Vec<String> =
                        so::buildings_with_posts(&mut tx, &scope, &grid.path, None)
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|b| ids.contains(&b.id))
                            .filter_map(|b| {
                                let holder = match kind {
                                    PostKind::Steward => b.steward_post,
                                    PostKind::GridWorker => b.grid_worker_post,
                                };
                                holder
                                    .filter(|(pid, _)| *pid != id)
                                    .map(|(_, h)| format!("{}（{}）", b.name, h))
                            })
                            .collect();
                    AppError::Conflict {
                        field: "building_ids".into(),
                        reason: format!(
                            "一栋楼只能属于一个{}岗位，已被占用：{}",
                            kind.label_zh(),
                            taken.join("、")
                        ),
                    }
                }
                e => e.into(),
            });
        }
        let post = so::get_post(&mut tx, &scope, id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: before.as_ref().map(|b| post_audit(b, &before_buildings)),
                after: Some(post_audit(&post, &ids)),
                ..actor.audit(
                    if before.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    "rounds_post",
                    Some(id),
                    &post.path,
                    format!(
                        "{}岗位：{}，{}，{}栋楼",
                        kind.label_zh(),
                        holder.display_name,
                        grid.name,
                        ids.len()
                    ),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.post_view(actor, id).await
    }

    /// Households of a post, for the visit form.
    pub async fn post_households(
        &self,
        actor: &Actor,
        post_id: i64,
    ) -> AppResult<Vec<(i64, String)>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        so::get_post(&mut conn, &scope, post_id).await?;
        Ok(so::post_households(&mut conn, &scope, post_id, 3000).await?)
    }

    // --- visits

    pub async fn log_visit(&self, actor: &Actor, input: &VisitInput) -> AppResult<Visit> {
        self.log_visit_at(actor, input, now_ms()).await
    }

    /// Log a household visit of the caller's post. Findings flagged for reporting become events
    /// once the visit is saved.
    pub async fn log_visit_at(
        &self,
        actor: &Actor,
        input: &VisitInput,
        now: i64,
    ) -> AppResult<Visit> {
        Ok(self.log_visit_reporting_at(actor, input, now).await?.visit)
    }

    pub async fn log_visit_reporting(
        &self,
        actor: &Actor,
        input: &VisitInput,
    ) -> AppResult<VisitLogged> {
        self.log_visit_reporting_at(actor, input, now_ms()).await
    }

    /// [`Rounds::log_visit_at`], telling what became of the findings flagged for reporting. The
    /// visit is never lost to a finding's event: a finding whose category's required questions
    /// are unanswered (or whose event is refused) stays pending, to be reported from the
    /// finding → event form, and the visit is saved.
    pub async fn log_visit_reporting_at(
        &self,
        actor: &Actor,
        input: &VisitInput,
        now: i64,
    ) -> AppResult<VisitLogged> {
        if PostKind::of_role(actor.user.role).is_none() {
            return Err(AppError::Forbidden);
        }
        let at = input.visited_at.unwrap_or(now);
        dr::check_visit_time(at, now)?;
        if let Some(n) = &input.note {
            check_text("note", "走访情况", n, false)?;
        }
        if input.findings.len() > dr::MAX_FINDINGS {
            return Err(AppError::invalid(
                "findings",
                format!("一次走访最多记录{}条发现", dr::MAX_FINDINGS),
            ));
        }
        let findings: Vec<Finding> = input
            .findings
            .iter()
            .map(|f| Finding::parse(&f.kind, &f.text))
            .collect::<Result<_, _>>()?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        for f in &input.findings {
            if let Some(c) = f
                .report_category
                .as_deref()
                .filter(|c| !c.trim().is_empty())
            {
                match jingzhi_store::events::get_category(&mut tx, c.trim()).await {
                    Ok(cat) if cat.active => {}
                    Ok(_) | Err(jingzhi_store::Error::NotFound) => {
                        return Err(AppError::invalid(
                            "report_category",
                            format!("未知的问题类别“{c}”"),
                        ))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let post = so::post_of_user(&mut tx, &scope, actor.id())
            .await?
            .ok_or_else(|| AppError::invalid("household_id", "您还没有岗位，请联系社区设岗"))?;
        let outside = || AppError::invalid("household_id", "住户不存在或不在您的岗位范围内");
        let hh = match sr::get_household(&mut tx, &scope, input.household_id).await {
            Ok(h) => h,
            Err(jingzhi_store::Error::NotFound) => return Err(outside()),
            Err(e) => return Err(e.into()),
        };
        if !so::post_has_building(&mut tx, post.id, hh.building_id).await? {
            return Err(outside());
        }
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let id = so::insert_visit(
            &mut tx,
            &so::NewVisit {
                household_id: hh.id,
                building_id: hh.building_id,
                post_id: Some(post.id),
                path: &hh.path,
                visitor_user_id: actor.audit_id(),
                visitor_name: &actor.user.display_name,
                visited_at: at,
                note,
            },
            now,
        )
        .await?;
        let mut finding_ids = vec![];
        for f in &findings {
            finding_ids
                .push(so::insert_finding(&mut tx, id, &hh.path, f.kind, &f.text, now).await?);
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"household_id": hh.id, "visited_at": at,
                    "findings": findings.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>()})),
                ..actor.audit(
                    Action::Create,
                    "rounds_visit",
                    Some(id),
                    &hh.path,
                    format!("走访{}，{}条发现", hh.address, findings.len()),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        // The visit is saved: from here on nothing fails it.
        let (mut reported, mut pending) = (vec![], vec![]);
        for (f, fid) in input.findings.iter().zip(&finding_ids) {
            let Some(c) = f
                .report_category
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            let answers = f.report_answers.clone().filter(|a| !a.is_empty());
            let checked = match self.categories_by_code(c).await {
                Ok(cat) => crate::events::check_answers(&cat, answers.as_ref()),
                Err(e) => Err(e),
            };
            let outcome = match checked {
                Ok(()) => {
                    self.report_finding_at(
                        actor,
                        *fid,
                        &ReportFindingInput {
                            category: c.to_string(),
                            urgency: f.report_urgency.clone(),
                            answers,
                        },
                        now,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(e) => reported.push((*fid, e.id)),
                Err(e) => {
                    let reason = match &e {
                        AppError::Invalid(errs) => errs
                            .iter()
                            .map(|e| e.reason.clone())
                            .collect::<Vec<_>>()
                            .join("；"),
                        other => other.to_string(),
                    };
                    tracing::info!(finding = fid, %reason, "finding kept for reporting later");
                    pending.push(PendingFinding {
                        finding_id: *fid,
                        category: c.to_string(),
                        reason,
                    });
                }
            }
        }
        let mut conn = self.app.store.acquire().await?;
        Ok(VisitLogged {
            visit: so::get_visit(&mut conn, &scope, id).await?,
            reported,
            pending,
        })
    }

    async fn categories_by_code(
        &self,
        code: &str,
    ) -> AppResult<jingzhi_store::events::CategoryRow> {
        let mut conn = self.app.store.acquire().await?;
        Ok(jingzhi_store::events::get_category(&mut conn, code).await?)
    }

    pub async fn get_visit(&self, actor: &Actor, id: i64) -> AppResult<Visit> {
        actor.require(Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(so::get_visit(&mut conn, &actor.scope(), id).await?)
    }

    /// Visits in scope, newest first: of a household, a worker, a post, or under a place.
    pub async fn list_visits(
        &self,
        actor: &Actor,
        mut f: VisitFilter,
        under: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Visit>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        if let Some(id) = under {
            f.under = Some(sr::get_node(&mut conn, &scope, id).await?.path);
        }
        if let Some(h) = f.household_id {
            sr::get_household(&mut conn, &scope, h).await?;
        }
        if let Some(p) = f.post_id {
            so::get_post(&mut conn, &scope, p).await?;
        }
        if let Some(u) = f.visitor_user_id {
            if u != actor.id() {
                jingzhi_store::auth::get_user_in_scope(&mut conn, &scope, u).await?;
            }
        }
        Ok(so::list_visits(&mut conn, &scope, &f, page, per_page).await?)
    }

    /// The name of a worker in scope (for the title of their visits).
    pub async fn worker_name(&self, actor: &Actor, user_id: i64) -> AppResult<String> {
        actor.require(Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(
            jingzhi_store::auth::get_user_in_scope(&mut conn, &actor.scope(), user_id)
                .await?
                .display_name,
        )
    }

    /// A finding with its visit (for the finding → event form).
    pub async fn finding_view(&self, actor: &Actor, id: i64) -> AppResult<(so::FindingRow, Visit)> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let f = so::get_finding(&mut conn, &scope, id).await?;
        let v = so::get_visit(&mut conn, &scope, f.visit_id).await?;
        Ok((f, v))
    }

    pub async fn report_finding(
        &self,
        actor: &Actor,
        finding_id: i64,
        input: &ReportFindingInput,
    ) -> AppResult<Event> {
        self.report_finding_at(actor, finding_id, input, now_ms())
            .await
    }

    /// A finding becomes an event: reported through the events use-case at the household's
    /// building, marked as coming from a round and linked to the finding, in one transaction.
    pub async fn report_finding_at(
        &self,
        actor: &Actor,
        finding_id: i64,
        input: &ReportFindingInput,
        now: i64,
    ) -> AppResult<Event> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let (finding, visit) = {
            let mut conn = self.app.store.acquire().await?;
            let f = so::get_finding(&mut conn, &scope, finding_id).await?;
            let v = so::get_visit(&mut conn, &scope, f.visit_id).await?;
            (f, v)
        };
        let own = visit.visitor_user_id.is_some() && visit.visitor_user_id == actor.audit_id();
        if !own && !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        if let Some(e) = finding.event_id {
            return Err(AppError::Conflict {
                field: "finding".into(),
                reason: format!("该发现已转为事件#{e}"),
            });
        }
        let description = format!(
            "【走访发现·{}】{}（{}，{} {}走访）",
            finding.kind.label_zh(),
            finding.text,
            visit.address,
            jingzhi_domain::time_fmt::format_ms(visit.visited_at),
            visit.visitor_name
        );
        let report = ReportInput {
            category: input.category.clone(),
            urgency: input.urgency.clone(),
            description: description.chars().take(crate::events::MAX_TEXT).collect(),
            node_id: Some(visit.building_id),
            answers: input.answers.clone(),
            ..Default::default()
        };
        // One transaction: the event (marked as a round's), the link, the audit record.
        let (urgency, located) = self.app.events().prepare_report(actor, &report).await?;
        let mut tx = self.app.store.begin().await?;
        let event = self
            .app
            .events()
            .report_tx(
                &mut tx,
                actor,
                &report,
                urgency,
                located,
                &[],
                Some(crate::events::Source::Round),
                now,
            )
            .await?;
        if !so::link_finding(&mut tx, finding.id, event.id).await? {
            // Another request linked it meanwhile: nothing of this one is kept.
            return Err(AppError::Conflict {
                field: "finding".into(),
                reason: "该发现已转为事件".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(
                    serde_json::json!({"finding_id": finding.id, "event_id": event.id,
                    "category": event.category_code, "source": dr::EVENT_SOURCE}),
                ),
                ..actor.audit(
                    Action::Update,
                    "rounds_finding",
                    Some(finding.id),
                    &finding.path,
                    format!(
                        "走访发现#{}（{}）转为事件#{}",
                        finding.id,
                        finding.kind.label_zh(),
                        event.id
                    ),
                )
            },
        )
        .await?;
        let event = jingzhi_store::events::get_event(&mut tx, &scope, event.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(event)
    }

    // --- coverage

    pub async fn coverage(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<CoverageView> {
        self.coverage_at(actor, node_id, page, per_page, now_ms())
            .await
    }

    /// Households not visited in the last 30 days below a place: the totals, one page of its
    /// grids and one page of its posts.
    pub async fn coverage_at(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        page: i64,
        per_page: i64,
        now: i64,
    ) -> AppResult<CoverageView> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let cutoff = dr::coverage_cutoff(now);
        let mut conn = self.app.store.acquire().await?;
        let node = node_or_scope(&mut conn, actor, node_id).await?;
        let (households, covered) = covered_of(&mut conn, &scope, &node, cutoff).await?;
        let grids =
            so::grid_coverage(&mut conn, &scope, &node.path, cutoff, page, per_page).await?;
        let posts =
            so::post_coverage(&mut conn, &scope, &node.path, cutoff, page, per_page).await?;
        Ok(CoverageView {
            days: dr::COVERAGE_DAYS,
            cutoff,
            households,
            covered,
            uncovered: (households - covered).max(0),
            node,
            grids,
            posts,
        })
    }

    /// How many households of the caller's place were not visited in the 30 days before `now`
    /// (the workbench's figure: the totals of [`Rounds::coverage_at`] without its pages).
    pub async fn not_visited_at(&self, actor: &Actor, now: i64) -> AppResult<i64> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = node_or_scope(&mut conn, actor, None).await?;
        let (households, covered) =
            covered_of(&mut conn, &scope, &node, dr::coverage_cutoff(now)).await?;
        Ok((households - covered).max(0))
    }

    pub async fn uncovered(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        post_id: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Uncovered>> {
        self.uncovered_at(actor, node_id, post_id, page, per_page, now_ms())
            .await
    }

    /// Households below a place (or of a post) not visited in the last 30 days, by address.
    pub async fn uncovered_at(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        post_id: Option<i64>,
        page: i64,
        per_page: i64,
        now: i64,
    ) -> AppResult<Page<Uncovered>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let under = match post_id {
            Some(p) => so::get_post(&mut conn, &scope, p).await?.path,
            None => node_or_scope(&mut conn, actor, node_id).await?.path,
        };
        Ok(so::uncovered_households(
            &mut conn,
            &scope,
            &under,
            post_id,
            dr::coverage_cutoff(now),
            page,
            per_page,
        )
        .await?)
    }

    // --- specialists (双报到)

    pub async fn assign_specialist(
        &self,
        actor: &Actor,
        input: &SpecialistInput,
    ) -> AppResult<Specialist> {
        self.assign_specialist_at(actor, input, now_ms()).await
    }

    pub async fn assign_specialist_at(
        &self,
        actor: &Actor,
        input: &SpecialistInput,
        now: i64,
    ) -> AppResult<Specialist> {
        require_manager(actor)?;
        let name = jingzhi_domain::registry::PersonName::parse(&input.name)?;
        check_text("department", "派出单位", &input.department, true)?;
        check_text("party_org", "所在党组织", &input.party_org, true)?;
        let phone = match input
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(p) => Some(Phone::parse(p)?),
            None => None,
        };
        let current = Month::of_ms(now);
        let since = match input
            .since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Month::parse(s).map_err(|mut e| {
                e.field = "since";
                e
            })?,
            None => current,
        };
        if since > current.next() {
            return Err(AppError::invalid("since", "起始月份最多为下个月"));
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let grid = sr::get_node(&mut tx, &scope, input.grid_id)
            .await
            .map_err(not_in_scope("grid_id", "该网格"))?;
        if grid.kind != NodeKind::Grid {
            return Err(AppError::invalid("grid_id", "请选择一个网格"));
        }
        let user_id = match input
            .username
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(u) => {
                let user = jingzhi_store::auth::user_by_username(&mut tx, u).await?;
                match user {
                    Some(user)
                        if user.role == Role::DepartmentStaff
                            && grid.path.starts_with(&user.scope_path) =>
                    {
                        Some(user.id)
                    }
                    _ => {
                        return Err(AppError::invalid(
                            "username",
                            "没有这个部门工作人员账号，或其管辖范围不含该网格",
                        ))
                    }
                }
            }
        };
        so::lock_grid(&mut tx, grid.id).await?;
        let active = so::active_specialists(&mut tx, grid.id).await?;
        dr::check_specialist_slot(active as usize)?;
        let id = so::insert_specialist(
            &mut tx,
            &self.app.store.cipher,
            &so::NewSpecialist {
                grid_id: grid.id,
                path: &grid.path,
                name: name.as_str(),
                department: input.department.trim(),
                party_org: input.party_org.trim(),
                phone: phone.as_ref(),
                user_id,
                since,
            },
            now,
        )
        .await?;
        let s = so::get_specialist(&mut tx, &scope, id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"grid_id": grid.id, "name": s.name, "department": s.department,
                    "party_org": s.party_org, "phone": s.phone_mask, "user_id": user_id, "since": since.to_string()})),
                ..actor.audit(
                    Action::Create,
                    "rounds_specialist",
                    Some(id),
                    &grid.path,
                    format!("{}（{}）任{}网格服务专员", s.name, s.department, grid.name),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    /// A specialist stops serving their grid (from the end of this month).
    pub async fn end_specialist(&self, actor: &Actor, id: i64) -> AppResult<Specialist> {
        require_manager(actor)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let s = so::get_specialist(&mut tx, &scope, id).await?;
        if s.until.is_some() {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "该网格服务专员已撤回".into(),
            });
        }
        let until = Month::of_ms(now).max(s.since);
        so::end_specialist(&mut tx, id, until, now).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"until": until.to_string()})),
                ..actor.audit(
                    Action::Update,
                    "rounds_specialist",
                    Some(id),
                    &s.path,
                    format!("撤回{}网格服务专员{}", s.grid_name, s.name),
                )
            },
        )
        .await?;
        let s = so::get_specialist(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    pub async fn list_specialists(
        &self,
        actor: &Actor,
        under: Option<i64>,
        f: &SpecialistFilter,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Specialist>> {
        // Department staff do not read the register: they see their own specialist posts only.
        let mut own = f.clone();
        if actor.user.role == Role::DepartmentStaff {
            own.user_id = Some(actor.id());
        } else {
            actor.require(Permission::ReadRegister)?;
        }
        let mut conn = self.app.store.acquire().await?;
        let node = node_or_scope(&mut conn, actor, under).await?;
        Ok(
            so::list_specialists(&mut conn, &actor.scope(), &node.path, &own, page, per_page)
                .await?,
        )
    }

    pub async fn log_service(
        &self,
        actor: &Actor,
        specialist_id: i64,
        input: &ServiceInput,
    ) -> AppResult<so::Service> {
        self.log_service_at(actor, specialist_id, input, now_ms())
            .await
    }

    /// Log a specialist's service for a month: their own account, or a manager on their behalf.
    pub async fn log_service_at(
        &self,
        actor: &Actor,
        specialist_id: i64,
        input: &ServiceInput,
        now: i64,
    ) -> AppResult<so::Service> {
        // A specialist's own department-staff account logs its services (checked below).
        if actor.user.role != Role::DepartmentStaff {
            actor.require(Permission::ReadRegister)?;
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let s = so::get_specialist(&mut tx, &scope, specialist_id).await?;
        let own = s.user_id.is_some() && s.user_id == actor.audit_id();
        if !own && !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        let month = Month::parse(&input.month)?;
        check_text("content", "服务内容", &input.content, true)?;
        dr::check_service_month(month, s.since, s.until, Month::of_ms(now))?;
        let id = so::insert_service(
            &mut tx,
            &s,
            month,
            input.content.trim(),
            (actor.audit_id(), &actor.user.display_name),
            now,
        )
        .await
        .map_err(|e| match e {
            jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                field: "month".into(),
                reason: format!("{}已登记{}的服务", s.name, month),
            },
            e => e.into(),
        })?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"specialist_id": s.id, "month": month.to_string()})),
                ..actor.audit(
                    Action::Create,
                    "rounds_service",
                    Some(id),
                    &s.path,
                    format!("{}登记{}网格服务（{}）", s.name, s.grid_name, month),
                )
            },
        )
        .await?;
        let out = so::services_of(&mut tx, &scope, &[s.id], month, month)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn compliance(
        &self,
        actor: &Actor,
        under: Option<i64>,
        from: Option<&str>,
        to: Option<&str>,
        missed_only: bool,
        page: i64,
        per_page: i64,
    ) -> AppResult<ComplianceView> {
        self.compliance_at(
            actor,
            under,
            from,
            to,
            missed_only,
            page,
            per_page,
            now_ms(),
        )
        .await
    }

    /// Who missed which month of `[from, to]` (default: the last six complete months and this
    /// one), one page of specialists at a time.
    #[allow(clippy::too_many_arguments)]
    pub async fn compliance_at(
        &self,
        actor: &Actor,
        under: Option<i64>,
        from: Option<&str>,
        to: Option<&str>,
        missed_only: bool,
        page: i64,
        per_page: i64,
        now: i64,
    ) -> AppResult<ComplianceView> {
        actor.require(Permission::ReadRegister)?;
        let current = Month::of_ms(now);
        let parse = |s: Option<&str>, field: &'static str| -> AppResult<Option<Month>> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Month::parse(s).map(Some).map_err(|mut e| {
                    e.field = field;
                    e.into()
                }),
            }
        };
        let to = parse(to, "to")?.unwrap_or(current);
        let from = parse(from, "from")?.unwrap_or(Month(to.0 - 6));
        dr::check_month_range(from, to)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = node_or_scope(&mut conn, actor, under).await?;
        let f = SpecialistFilter {
            missed: missed_only.then_some((from, to, current)),
            ..Default::default()
        };
        let list = so::list_specialists(&mut conn, &scope, &node.path, &f, page, per_page).await?;
        let ids: Vec<i64> = list.items.iter().map(|s| s.id).collect();
        let services = so::services_of(&mut conn, &scope, &ids, from, to).await?;
        let months: Vec<Month> = (from.0..=to.0).map(Month).collect();
        let rows = list
            .items
            .into_iter()
            .map(|s| {
                let statuses: Vec<MonthStatus> = months
                    .iter()
                    .map(|m| {
                        let served = services
                            .iter()
                            .any(|v| v.specialist_id == s.id && v.month == *m);
                        dr::month_status(*m, s.since, s.until, served, current)
                    })
                    .collect();
                let missed = months
                    .iter()
                    .zip(&statuses)
                    .filter(|(_, st)| **st == MonthStatus::Missed)
                    .map(|(m, _)| *m)
                    .collect();
                ComplianceRow {
                    specialist: s,
                    months: statuses,
                    missed,
                }
            })
            .collect();
        Ok(ComplianceView {
            from,
            to,
            current,
            months,
            rows,
            page: list.page,
            per_page: list.per_page,
            has_more: list.has_more,
        })
    }
}

/// The finding kinds, for forms: (code, label).
pub fn finding_kinds() -> Vec<(&'static str, &'static str)> {
    FindingKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label_zh()))
        .collect()
}
