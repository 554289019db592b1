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
    pub map_svg: Option<String>,
    pub legend: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    pub c: Chrome,
}

pub async fn home(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
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
