//! The home page (the caller's own scope) and the page of any place in scope: breadcrumb, counts,
//! the map, the children with their counts, party organisations.

use super::{crumbs, kind_label, map, render, Chrome, Crumb, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use jingzhi_app::registry::{PartyOrg, Stats};
use jingzhi_app::workbench::Workbench;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::registry::{NodeKind, Tag};
use std::sync::Arc;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/nodes/{id}", get(node))
}

/// One figure on the page.
pub struct Count {
    pub label: &'static str,
    pub value: i64,
    pub href: Option<String>,
}

pub struct ChildRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub households: i64,
    pub residents: i64,
    pub elderly_alone: i64,
    pub party_member: i64,
}

#[derive(Template)]
#[template(path = "node.html")]
pub struct NodePage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub code: String,
    pub is_home: bool,
    pub is_building: bool,
    pub crumbs: Vec<Crumb>,
    pub counts: Vec<Count>,
    pub tags: Vec<Count>,
    pub children: Vec<ChildRow>,
    pub child_kind: &'static str,
    pub party_orgs: Vec<PartyOrg>,
    /// The workbench (工作台) on a staff member's home: what waits in their scope.
    pub work: Vec<Count>,
    pub wb: WbLists,
    pub map_svg: Option<String>,
    pub legend: Vec<(&'static str, &'static str)>,
    /// Emergencies under way the user takes part in (home only).
    pub incidents: Vec<ActiveIncident>,
}

/// The lists of a workbench below its figures (each empty where the role has no such list).
#[derive(Default)]
pub struct WbLists {
    pub overdue: Vec<WorkEvent>,
    pub awaiting: Vec<WorkItem>,
    pub post: Option<PostLine>,
    pub due: Vec<DueLine>,
    pub due_more: bool,
    pub findings: Vec<FindingLine>,
    pub plans: Vec<PlanLine>,
    pub audit: Vec<AuditLine>,
}

pub struct PostLine {
    pub id: i64,
    pub kind: &'static str,
    pub grid: String,
    pub households: i64,
}

pub struct DueLine {
    pub household_id: i64,
    pub address: String,
    pub last: Option<String>,
}

pub struct FindingLine {
    pub household_id: i64,
    pub address: String,
    pub kind: &'static str,
    pub text: String,
    pub event_id: Option<i64>,
    pub status: &'static str,
    pub status_code: &'static str,
}

pub struct PlanLine {
    pub id: i64,
    pub title: String,
}

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub summary: String,
}

/// A resident's home: report first, then their reports, notifications and any plan to comment on.
#[derive(Template)]
#[template(path = "workbench_resident.html")]
pub struct ResidentHomePage {
    pub c: Chrome,
    pub reports: Vec<ResidentReport>,
    pub unread: Vec<UnreadLine>,
    pub plans: Vec<PlanLine>,
    /// Votes open over the resident's place: (id, question).
    pub votes: Vec<(i64, String)>,
    pub incidents: Vec<ActiveIncident>,
}

/// An emergency under way that the user takes part in, on their home page first.
pub struct ActiveIncident {
    pub id: i64,
    pub title: String,
    pub place: String,
    /// Households given to them still pending or unreachable.
    pub todo: i64,
}

async fn active_incidents(
    s: &AppState,
    c: &crate::session::Caller,
) -> Result<Vec<ActiveIncident>, super::PageError> {
    Ok(s.app
        .emergency()
        .active(&c.actor)
        .await?
        .into_iter()
        .map(|(i, todo)| ActiveIncident {
            id: i.id,
            title: i.title,
            place: i.node_name,
            todo,
        })
        .collect())
}

pub struct ResidentReport {
    pub id: i64,
    pub category: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub reported: String,
    pub to_rate: bool,
}

pub struct UnreadLine {
    /// The event's or the proposal's page.
    pub href: String,
    pub title: String,
    pub status: &'static str,
    pub body: String,
    pub at: String,
}

/// One line of a workbench list: a summons (吹哨报到) of a department.
pub struct WorkItem {
    pub event_id: i64,
    pub whistle_id: i64,
    pub category: String,
    pub text: String,
    pub deadline: String,
    pub late: bool,
    pub department: String,
}

/// An event on a workbench list.
pub struct WorkEvent {
    pub id: i64,
    pub category: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub deadline: String,
    pub text: String,
}

/// A department's home: what its staff must do now (工作台).
#[derive(Template)]
#[template(path = "workbench_department.html")]
pub struct DepartmentWorkbenchPage {
    pub c: Chrome,
    pub department: String,
    pub summoned: Vec<WorkItem>,
    pub tasks: Vec<WorkItem>,
    pub overdue: Vec<WorkEvent>,
    /// How many in all (the lists show the newest few).
    pub overdue_count: i64,
    pub open: Vec<WorkEvent>,
    pub open_count: i64,
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push('…');
    }
    t
}

/// A summons on a workbench: its task once the joint inspection gave one, else the event's
/// description; late once its report-in deadline has passed.
fn work_item(r: &jingzhi_app::departments::SummonsRow, now: i64) -> WorkItem {
    WorkItem {
        event_id: r.event_id,
        whistle_id: r.whistle_id,
        category: r.category_name.clone(),
        text: short(r.task.as_deref().unwrap_or(&r.description)),
        deadline: jingzhi_domain::time_fmt::format_ms(r.report_in_deadline_at),
        late: r.report_in_deadline_at < now,
        department: r.department_name.clone(),
    }
}

fn work_event(lang: Lang, e: &jingzhi_app::events::Event) -> WorkEvent {
    WorkEvent {
        id: e.id,
        category: e.category_name.clone(),
        status: super::events::status_label(lang, e.status),
        status_code: e.status.as_str(),
        deadline: jingzhi_domain::time_fmt::format_ms(e.deadline_at),
        text: short(&e.description),
    }
}

fn plan_lines(w: &Workbench) -> Vec<PlanLine> {
    w.plans_for_comment
        .iter()
        .map(|p| PlanLine {
            id: p.id,
            title: p.title.clone(),
        })
        .collect()
}

/// The lists of a staff member's workbench, for the page.
fn wb_lists(lang: Lang, w: &Workbench) -> WbLists {
    use jingzhi_domain::events::Status;
    use jingzhi_domain::time_fmt::{format_ms, now_ms};
    let now = now_ms();
    WbLists {
        overdue: w.overdue.iter().map(|e| work_event(lang, e)).collect(),
        awaiting: w
            .awaiting_report_in
            .iter()
            .map(|r| work_item(r, now))
            .collect(),
        post: w.post.as_ref().map(|p| PostLine {
            id: p.post.id,
            kind: lang.coded("rounds.post_kind", p.post.kind.as_str()),
            grid: p.post.grid_name.clone(),
            households: p.households,
        }),
        due: w
            .due
            .iter()
            .map(|u| DueLine {
                household_id: u.household_id,
                address: u.address.clone(),
                last: u.last_at.map(format_ms),
            })
            .collect(),
        due_more: w.due_more,
        findings: w
            .findings
            .iter()
            .map(|f| {
                let st = f.event_status.as_deref().and_then(Status::parse);
                FindingLine {
                    household_id: f.household_id,
                    address: f.address.clone(),
                    kind: lang.coded("rounds.finding", f.kind.as_str()),
                    text: short(&f.text),
                    event_id: f.event_id,
                    status: st
                        .map(|s| super::events::status_label(lang, s))
                        .unwrap_or(""),
                    status_code: st.map(|s| s.as_str()).unwrap_or(""),
                }
            })
            .collect(),
        plans: plan_lines(w),
        audit: w
            .audit
            .iter()
            .map(|r| AuditLine {
                at: format_ms(r.at),
                actor: r.actor_name.clone(),
                summary: short(&r.summary),
            })
            .collect(),
    }
}

async fn resident_home(s: &AppState, c: &crate::session::Caller, lang: Lang) -> PageResult {
    use jingzhi_domain::events::Status;
    use jingzhi_domain::time_fmt::format_ms;
    let w = s.app.workbench().workbench(&c.actor).await?;
    let now = jingzhi_domain::time_fmt::now_ms();
    let votes = s
        .app
        .participation()
        .votes(&c.actor, None)
        .await?
        .into_iter()
        .filter(|v| {
            jingzhi_domain::participation::votes::Phase::at(
                v.opens_at,
                v.closes_at,
                v.closed_at,
                now,
            ) == jingzhi_domain::participation::votes::Phase::Open
        })
        .map(|v| (v.id, v.question))
        .collect();
    let incidents = active_incidents(s, c).await?;
    Ok(render(&ResidentHomePage {
        c: Chrome::new(c, lang, "home"),
        incidents,
        reports: w
            .my_reports
            .iter()
            .map(|e| ResidentReport {
                id: e.id,
                category: e.category_name.clone(),
                status: super::events::status_label(lang, e.status),
                status_code: e.status.as_str(),
                reported: format_ms(e.reported_at),
                to_rate: e.status == Status::Closed && e.rating.is_none(),
            })
            .collect(),
        unread: w
            .unread
            .iter()
            .map(|n| {
                let (href, what, status) = match (n.proposal_id, n.event_id) {
                    _ if n.link.is_some() => (
                        n.link.clone().unwrap_or_default(),
                        if n.command == "task" {
                            lang.t("notify.task")
                        } else {
                            lang.t("integrity.title")
                        }
                        .to_string(),
                        "",
                    ),
                    (Some(p), _) => (
                        format!("/proposals/{p}"),
                        format!("{} #{p}", lang.t("notify.proposal")),
                        jingzhi_domain::participation::proposals::Phase::parse(&n.status)
                            .map(|ph| lang.t(super::participation::proposal_phase_key(ph)))
                            .unwrap_or(""),
                    ),
                    (None, e) => {
                        let e = e.unwrap_or_default();
                        (
                            format!("/events/{e}"),
                            format!("{} #{e}", lang.t("notify.event")),
                            Status::parse(&n.status)
                                .map(|s| super::events::status_label(lang, s))
                                .unwrap_or(""),
                        )
                    }
                };
                UnreadLine {
                    href,
                    // Notices are stored in Chinese (they went out by SMS and mail as written);
                    // an English page names the event or proposal and its new state instead.
                    title: match lang {
                        Lang::Zh => n.title.clone(),
                        Lang::En => what,
                    },
                    status,
                    body: match lang {
                        Lang::Zh => short(&n.body),
                        Lang::En => String::new(),
                    },
                    at: format_ms(n.created_at),
                }
            })
            .collect(),
        plans: plan_lines(&w),
        votes,
    }))
}

async fn department_home(s: &AppState, c: &crate::session::Caller, lang: Lang) -> PageResult {
    use jingzhi_domain::time_fmt::now_ms;
    let w = s.app.departments().workbench(&c.actor).await?;
    let now = now_ms();
    let item = |r: &jingzhi_app::departments::SummonsRow| work_item(r, now);
    let ev = |e: &jingzhi_app::events::Event| work_event(lang, e);
    Ok(render(&DepartmentWorkbenchPage {
        c: Chrome::new(c, lang, "home"),
        department: w
            .department
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_else(|| lang.t("workbench.own_department").into()),
        summoned: w.summoned.iter().map(item).collect(),
        tasks: w.tasks.iter().map(item).collect(),
        overdue: w.overdue.iter().map(ev).collect(),
        overdue_count: w.overdue_count,
        open: w.open.iter().map(ev).collect(),
        open_count: w.open_count,
    }))
}

pub async fn home(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    if c.actor.user.role == jingzhi_domain::auth::Role::DepartmentStaff {
        return department_home(&s, &c, lang).await;
    }
    if c.actor.user.role == jingzhi_domain::auth::Role::Resident
        || !c.actor.user.role.can(Permission::ReadRegister)
    {
        return resident_home(&s, &c, lang).await;
    }
    let id = c.actor.user.scope_node_id;
    node_page(&s, &c, lang, id, true).await
}

pub async fn node(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    node_page(&s, &c, lang, id, id == c.actor.user.scope_node_id).await
}

async fn node_page(
    s: &AppState,
    c: &crate::session::Caller,
    lang: Lang,
    id: i64,
    is_home: bool,
) -> PageResult {
    let v = s.app.registry().node_view(&c.actor, id).await?;
    let kinds = jingzhi_app::registry::node_counts(&v.stats);
    // The node is in the caller's scope (node_view checked it), so is everything it draws.
    let version = s.app.registry().register_version().await?;
    let map_svg = match s.maps.get(id, lang, version) {
        Some(svg) => svg,
        None => {
            let m = s.app.registry().map(&c.actor, id).await?;
            let svg = Arc::new(map::svg(&m, lang));
            s.maps.put(id, lang, version, svg.clone());
            svg
        }
    };
    let n = &v.node;
    let mut counts: Vec<Count> = kinds
        .iter()
        .filter(|(k, _)| *k != NodeKind::City)
        .map(|(k, v)| Count {
            label: kind_label(lang, *k),
            value: *v,
            href: None,
        })
        .collect();
    counts.push(Count {
        label: lang.t("count.households"),
        value: v.stats.households,
        href: Some(format!("/households?under={id}")),
    });
    counts.push(Count {
        label: lang.t("count.residents"),
        value: v.stats.residents,
        href: Some(format!("/residents?under={id}")),
    });
    let tags = tag_counts(&v.stats, lang, id);
    // A staff member's home opens with what waits for them (the events list links each figure).
    let (work, wb) = if is_home {
        let w = s.app.workbench().workbench(&c.actor).await?;
        let count = |label, value, href: String| Count {
            label,
            value,
            href: Some(href),
        };
        let mut work = vec![];
        if let Some(l) = &w.load {
            // The figures count the whole scope; a grid worker's or steward's events list opens
            // on what is assigned to them, so their links ask for all to show the same number.
            let all = if matches!(
                c.actor.user.role,
                jingzhi_domain::auth::Role::GridWorker | jingzhi_domain::auth::Role::Steward
            ) {
                "&assigned=all"
            } else {
                ""
            };
            let to = |q: &str| format!("/events?{q}{all}");
            work.push(count(
                lang.t("wb.to_accept"),
                l.to_accept,
                to("status=reported"),
            ));
            work.push(count(lang.t("wb.overdue"), l.overdue, to("overdue=1")));
            work.push(count(
                lang.t("wb.to_verify"),
                l.to_verify,
                to("status=resolved"),
            ));
            work.push(count(lang.t("wb.in_hand"), l.in_hand, to("status=in_hand")));
        }
        if let Some(n) = w.hotline_unmatched {
            work.push(count(lang.t("wb.hotline_unmatched"), n, "/hotline".into()));
        }
        if let Some(n) = w.not_visited {
            work.push(count(
                lang.t("wb.not_visited"),
                n,
                "/rounds/coverage".into(),
            ));
        }
        (work, wb_lists(lang, &w))
    } else {
        (vec![], WbLists::default())
    };
    let children = v
        .children
        .iter()
        .map(|(n, st)| ChildRow {
            id: n.id,
            name: n.name.clone(),
            kind: kind_label(lang, n.kind),
            households: st.households,
            residents: st.residents,
            elderly_alone: st.elderly_alone,
            party_member: st.party_member,
        })
        .collect();
    let incidents = if is_home {
        active_incidents(s, c).await?
    } else {
        Vec::new()
    };
    let page = NodePage {
        incidents,
        c: Chrome::new(c, lang, if is_home { "home" } else { "" }),
        id,
        name: n.name.clone(),
        kind: kind_label(lang, n.kind),
        code: n.code.clone(),
        is_home,
        is_building: n.kind == NodeKind::Building,
        crumbs: crumbs(&v.ancestors),
        counts,
        tags,
        children,
        child_kind: n.kind.child().map(|k| kind_label(lang, k)).unwrap_or(""),
        party_orgs: v.party_orgs.clone(),
        work,
        wb,
        map_svg: (*map_svg).clone(),
        legend: map::legend(lang),
    };
    Ok(render(&page))
}

fn tag_counts(st: &Stats, lang: Lang, id: i64) -> Vec<Count> {
    Tag::ALL
        .iter()
        .map(|t| Count {
            label: match lang {
                Lang::Zh => t.label_zh(),
                Lang::En => t.label_en(),
            },
            value: st.tag(*t),
            href: Some(format!("/residents?under={id}&tag={}", t.as_str())),
        })
        .collect()
}
