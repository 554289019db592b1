//! The workbench (工作台): each role's home page, what waits for the caller now. Every list is
//! confined to the caller's scope in its query and holds open items only; each links to the
//! full list. Department staff have their own ([`crate::departments::DepartmentWorkbench`]).

use crate::events::Workload;
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Filter as AuditFilter;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::districting::approval::Status as PlanStatus;
use jingzhi_domain::events::EventFilter;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit::Record;
use jingzhi_store::departments::{self as sd, SummonsRow};
use jingzhi_store::districting::{self as sdi, PlanRow};
use jingzhi_store::events::Event;
use jingzhi_store::notify::Notification;
use jingzhi_store::rounds::{self as so, MyFinding, Post, Uncovered};
use serde::Serialize;

/// How many items each list of a workbench shows (the full list is one link away).
pub const LIST_LEN: i64 = 8;

/// What a role's home shows: the sections that apply to the caller's role are filled, the others
/// are empty (`None` where "none" and "zero" differ).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Workbench {
    /// Open events in scope by state (staff with a register: officers, community and grid
    /// workers, stewards).
    pub load: Option<Workload>,
    /// Open events past their deadline below the caller, newest first (officers, community).
    pub overdue: Vec<Event>,
    /// Departments summoned by a whistle in scope that have not reported in yet (报到), soonest
    /// deadline first (officers, community).
    pub awaiting_report_in: Vec<SummonsRow>,
    /// 12345 tickets waiting for a person to match them to a place (those who handle the hotline).
    pub hotline_unmatched: Option<i64>,
    /// Households in the community not visited in the last 30 days (community workers).
    pub not_visited: Option<i64>,
    /// The caller's post (stewards and grid workers), with the households of it due a visit.
    pub post: Option<MyPost>,
    pub due: Vec<Uncovered>,
    pub due_more: bool,
    /// The caller's latest findings and what became of them (stewards and grid workers).
    pub findings: Vec<MyFinding>,
    /// A resident's own reports: open first, then those closed and not yet rated.
    pub my_reports: Vec<Event>,
    /// Unread notifications, newest first (residents).
    pub unread: Vec<Notification>,
    /// Redistricting plans in 公众参与 that cover the caller's place (residents, community and
    /// grid workers, stewards): they may read and comment.
    pub plans_for_comment: Vec<PlanRow>,
    /// The latest audit records in scope (the auditor).
    pub audit: Vec<Record>,
}

/// A steward's or grid worker's own post, as their home shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MyPost {
    pub post: Post,
    /// Households in the post's buildings.
    pub households: i64,
}

/// Which sections a role's workbench has (a pure rule, tested below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    pub load: bool,
    pub below: bool,
    pub community: bool,
    pub field: bool,
    pub resident: bool,
    pub plans: bool,
    pub audit: bool,
}

pub fn sections(role: Role) -> Sections {
    use Role::*;
    Sections {
        load: matches!(
            role,
            CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker | GridWorker | Steward
        ),
        below: matches!(
            role,
            CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker
        ),
        community: role == CommunityWorker,
        field: matches!(role, GridWorker | Steward),
        resident: role == Resident,
        plans: matches!(role, Resident | CommunityWorker | GridWorker | Steward),
        audit: role == Auditor,
    }
}

/// Workbench (工作台): each role's home page. Reached as `app.workbench()`. Named
/// `WorkbenchService` because [`Workbench`] is the page it answers.
#[derive(Clone, Copy)]
pub struct WorkbenchService<'a> {
    app: &'a App,
}

impl App {
    /// See [`WorkbenchService`].
    pub fn workbench(&self) -> WorkbenchService<'_> {
        WorkbenchService { app: self }
    }
}

impl WorkbenchService<'_> {
    /// The caller's workbench (every role but department staff, who have their own).
    pub async fn workbench(&self, actor: &Actor) -> AppResult<Workbench> {
        let role = actor.user.role;
        if role == Role::DepartmentStaff {
            return Err(AppError::Forbidden);
        }
        let sec = sections(role);
        let scope = actor.scope();
        let now = now_ms();
        let mut w = Workbench::default();
        if sec.load {
            w.load = Some(self.app.events().workload(actor).await?);
        }
        if sec.below {
            w.overdue = self
                .app
                .events()
                .list(
                    actor,
                    EventFilter {
                        overdue_at: Some(now),
                        ..Default::default()
                    },
                    None,
                    LIST_LEN,
                )
                .await?;
            let mut conn = self.app.store.acquire().await?;
            w.awaiting_report_in =
                sd::summonses(&mut conn, &scope, None, &["summoned"], LIST_LEN).await?;
            drop(conn);
            if crate::hotline::may_handle(role) {
                w.hotline_unmatched = Some(
                    self.app
                        .hotline()
                        .counts(actor)
                        .await?
                        .get(jingzhi_store::hotline::QUEUED)
                        .copied()
                        .unwrap_or(0),
                );
            }
        }
        if sec.community {
            w.not_visited = Some(self.app.rounds().not_visited_at(actor, now).await?);
        }
        if sec.field {
            // The home shows the post's grid, kind and households, the households due a visit
            // and the latest findings: the post is read once and its buildings are not listed.
            actor.require(Permission::ReadRegister)?;
            let mut conn = self.app.store.acquire().await?;
            if let Some(post) = so::post_of_user(&mut conn, &scope, actor.id()).await? {
                let households = so::post_household_count(&mut conn, post.id).await?;
                let due = so::uncovered_households(
                    &mut conn,
                    &scope,
                    &post.path,
                    Some(post.id),
                    jingzhi_domain::rounds::coverage_cutoff(now),
                    1,
                    LIST_LEN,
                )
                .await?;
                w.due = due.items;
                w.due_more = due.has_more;
                w.post = Some(MyPost { post, households });
            }
            w.findings = so::findings_of_visitor(&mut conn, &scope, actor.id(), LIST_LEN).await?;
        }
        if sec.resident {
            // Open reports first, then closed ones waiting for the resident's rating.
            let mine = self
                .app
                .events()
                .list(actor, EventFilter::default(), None, 50)
                .await?;
            let (mut open, rest): (Vec<_>, Vec<_>) =
                mine.into_iter().partition(|e| e.status.is_open());
            open.extend(rest.into_iter().filter(|e| {
                e.status == jingzhi_domain::events::Status::Closed && e.rating.is_none()
            }));
            open.truncate(LIST_LEN as usize);
            w.my_reports = open;
            w.unread = self
                .app
                .notify()
                .notifications(actor, Some(true), None, LIST_LEN)
                .await?;
        }
        if sec.plans {
            let mut conn = self.app.store.acquire().await?;
            w.plans_for_comment =
                sdi::plans_covering(&mut conn, &scope, PlanStatus::Draft.as_str(), 5).await?;
        }
        if sec.audit && role.can(Permission::ReadAudit) {
            w.audit = self
                .app
                .audit()
                .list(actor, &AuditFilter::default(), None, LIST_LEN)
                .await?;
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_sections() {
        let s = sections(Role::Resident);
        assert!(s.resident && s.plans && !s.load && !s.below && !s.audit);
        let s = sections(Role::CommunityWorker);
        assert!(s.load && s.below && s.community && s.plans && !s.field);
        let s = sections(Role::Steward);
        assert!(s.load && s.field && !s.below && !s.community);
        let s = sections(Role::StreetOfficer);
        assert!(s.load && s.below && !s.community && !s.plans);
        let s = sections(Role::Auditor);
        assert!(s.audit && !s.load && !s.below);
        let s = sections(Role::DepartmentStaff);
        assert_eq!(
            s,
            Sections {
                load: false,
                below: false,
                community: false,
                field: false,
                resident: false,
                plans: false,
                audit: false
            }
        );
    }
}
