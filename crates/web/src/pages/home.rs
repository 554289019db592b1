//! The home page (the caller's own scope) and the page of any place in scope: breadcrumb, counts,
//! the map, the children with their counts, party organisations.

use super::{crumbs, kind_label, map, render, Chrome, Crumb, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use jingzhi_app::store::registry::{PartyOrg, Stats};
use jingzhi_domain::auth::Permission;
use jingzhi_domain::registry::{NodeKind, Tag};

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
    pub map_svg: Option<String>,
    pub legend: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    pub c: Chrome,
}

/// One line of a workbench list.
pub struct WorkItem {
    pub event_id: i64,
    pub whistle_id: i64,
    pub category: String,
    pub text: String,
    pub deadline: String,
    pub late: bool,
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
    pub open: Vec<WorkEvent>,
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push('…');
    }
    t
}

async fn department_home(s: &AppState, c: &crate::session::Caller, lang: Lang) -> PageResult {
    use jingzhi_domain::time_fmt::{format_ms, now_ms};
    let w = s.app.department_workbench(&c.actor).await?;
    let now = now_ms();
    let item = |r: &jingzhi_app::store::departments::SummonsRow| WorkItem {
        event_id: r.event_id,
        whistle_id: r.whistle_id,
        category: r.category_name.clone(),
        text: short(r.task.as_deref().unwrap_or(&r.description)),
        deadline: format_ms(r.report_in_deadline_at),
        late: r.report_in_deadline_at < now,
    };
    let ev = |e: &jingzhi_app::store::events::Event| WorkEvent {
        id: e.id,
        category: e.category_name.clone(),
        status: super::events::status_label(lang, e.status),
        status_code: e.status.as_str(),
        deadline: format_ms(e.deadline_at),
        text: short(&e.description),
    };
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
        open: w.open.iter().map(ev).collect(),
    }))
}

pub async fn home(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    if c.actor.user.role == jingzhi_domain::auth::Role::DepartmentStaff {
        return department_home(&s, &c, lang).await;
    }
    if !c.actor.user.role.can(Permission::ReadRegister) {
        return Ok(render(&WelcomePage {
            c: Chrome::new(&c, lang, "home"),
        }));
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
    let v = s.app.node_view(&c.actor, id).await?;
    let kinds = s.app.count_nodes(&c.actor, id).await?;
    let m = s.app.map(&c.actor, id).await?;
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
    use jingzhi_domain::auth::Role;
    let staff = !matches!(
        c.actor.user.role,
        Role::Resident | Role::DepartmentStaff | Role::Auditor
    );
    let work = if is_home && staff {
        let w = s.app.workload(&c.actor).await?;
        let count = |label, value, href: &str| Count {
            label,
            value,
            href: Some(href.into()),
        };
        vec![
            count(
                lang.t("workbench.to_accept"),
                w.to_accept,
                "/events?status=reported",
            ),
            count(lang.t("workbench.overdue"), w.overdue, "/events?overdue=1"),
            count(
                lang.t("workbench.to_verify"),
                w.to_verify,
                "/events?status=resolved",
            ),
            count(lang.t("workbench.in_hand"), w.in_hand, "/events"),
        ]
    } else {
        vec![]
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
    let page = NodePage {
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
        map_svg: map::svg(&m, lang),
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
