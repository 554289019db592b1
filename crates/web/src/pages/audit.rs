//! The audit log: who did what, when, why, and what changed (before → after), newest first,
//! paged by id.

use super::UrlQuery;
use super::{query_string, render, Chrome, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use jingzhi_domain::audit::Filter;
use jingzhi_domain::audit::{changes, Action, Change};
use jingzhi_domain::time_fmt::{format_ms, parse_date, CST};
use serde::Deserialize;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

pub const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub entity: Option<String>,
    pub actor: Option<String>,
    /// `YYYY-MM-DD`, China time, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<String>,
}

fn day_start_ms(s: &str) -> Option<i64> {
    let d = parse_date(s)?;
    Some(d.midnight().assume_offset(CST).unix_timestamp() * 1000)
}

impl AuditQuery {
    pub fn filter(&self) -> Filter {
        let s = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Filter {
            action: s(&self.action).and_then(|a| Action::parse(&a)),
            entity: s(&self.entity),
            actor: s(&self.actor),
            from_ms: s(&self.from).and_then(|d| day_start_ms(&d)),
            to_ms: s(&self.to)
                .and_then(|d| day_start_ms(&d))
                .map(|t| t + 86_400_000),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("action", s(&self.action)),
            ("entity", s(&self.entity)),
            ("actor", s(&self.actor)),
            ("from", s(&self.from)),
            ("to", s(&self.to)),
        ]
    }
}

pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub entity: String,
    pub summary: String,
    pub reason: String,
    /// `label: before → after`, one per changed field (every field of a creation).
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub q: AuditQuery,
    pub actions: Vec<super::registry::Opt>,
    pub entities: Vec<super::registry::Opt>,
    pub rows: Vec<AuditRow>,
    pub first: Option<String>,
    pub next: Option<String>,
    pub export: String,
}

impl AuditPage {
    pub fn val(&self, o: &Option<String>) -> String {
        o.clone().unwrap_or_default()
    }
}

/// The domain's language for labels and values.
pub fn shown_in(lang: Lang) -> jingzhi_domain::audit::Lang {
    match lang {
        Lang::Zh => jingzhi_domain::audit::Lang::Zh,
        Lang::En => jingzhi_domain::audit::Lang::En,
    }
}

/// What the log's records are about (the `entity` of a record), as the filter offers them.
const ENTITIES: [&str; 20] = [
    "resident",
    "household",
    "node",
    "user",
    "api_token",
    "event",
    "event_metrics",
    "department",
    "hotline_ticket",
    "rounds_post",
    "rounds_visit",
    "rounds_finding",
    "rounds_specialist",
    "rounds_service",
    "districting_plan",
    "districting_comment",
    "districting_vote",
    "districting_edge",
    "audit",
    "demo",
];

/// The label of a record's entity, or the entity itself when it is not one of [`ENTITIES`].
fn entity_label(lang: Lang, e: &str) -> String {
    if ENTITIES.contains(&e) {
        lang.coded("entity", e).to_string()
    } else {
        e.to_string()
    }
}

pub async fn audit(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<AuditQuery>,
) -> PageResult {
    let f = q.filter();
    let before = q
        .before
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok());
    let records = s.app.audit().list(&c.actor, &f, before, PER_PAGE).await?;
    let base = q.pairs();
    let next = (records.len() as i64 == PER_PAGE).then(|| {
        let mut p = base.clone();
        p.push((
            "before",
            records.last().map(|r| r.id.to_string()).unwrap_or_default(),
        ));
        format!("/audit?{}", query_string(&p))
    });
    let action_label = |a: &str| -> &'static str {
        match Action::parse(a) {
            Some(a) if lang == Lang::Zh => a.label_zh(),
            Some(a) => lang.t(&format!("action.{}", a.as_str())),
            None => "?",
        }
    };
    let rows = records
        .iter()
        .map(|r| AuditRow {
            id: r.id,
            at: format_ms(r.at),
            actor: r.actor_name.clone(),
            action: action_label(&r.action),
            entity: match r.entity_id {
                Some(id) => format!("{} #{id}", entity_label(lang, &r.entity)),
                None => entity_label(lang, &r.entity),
            },
            summary: r.summary.clone(),
            reason: r.reason.clone().unwrap_or_default(),
            changes: changes(
                &r.entity,
                r.before.as_ref(),
                r.after.as_ref(),
                shown_in(lang),
            ),
        })
        .collect();
    let cur_action = q.action.clone().unwrap_or_default();
    let cur_entity = q.entity.clone().unwrap_or_default();
    let page = AuditPage {
        c: Chrome::new(&c, lang, "audit"),
        actions: Action::ALL
            .iter()
            .map(|a| super::registry::Opt {
                value: a.as_str().into(),
                label: action_label(a.as_str()).into(),
                selected: a.as_str() == cur_action,
            })
            .collect(),
        entities: ENTITIES
            .iter()
            .map(|e| super::registry::Opt {
                value: (*e).into(),
                label: lang.t(&format!("entity.{e}")).into(),
                selected: *e == cur_entity,
            })
            .collect(),
        rows,
        first: before.map(|_| format!("/audit?{}", query_string(&base))),
        next,
        export: format!("/audit/export.xlsx?{}", query_string(&base)),
        q,
    };
    Ok(render(&page))
}
