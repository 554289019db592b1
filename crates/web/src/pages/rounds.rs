//! Stewards' rounds pages (Chinese, phone width): `/rounds` (my post, log a visit, my recent
//! visits; for managers the posts), `/rounds/posts/{id}` and `/rounds/posts/edit` (pick the
//! buildings of a grid with checkboxes), `/rounds/visits` (per household, worker or post),
//! `/rounds/coverage` (households not visited in 30 days, per grid and per post, with the list)
//! and `/rounds/specialists` (双报到: assign, log a month's service, compliance).

use super::UrlQuery;
use super::{
    query_string, render, render_status, Chrome, FieldErrors, FormData, PageError, PageResult,
};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::rounds::{
    ComplianceView, CoverageView, FindingInput, PostInput, PostView, ReportFindingInput,
    ServiceInput, SpecialistInput, VisitInput,
};
use jingzhi_app::rounds::{GridBuilding, Post, Specialist, Uncovered, Visit};
use jingzhi_domain::paging::Page;
use jingzhi_domain::rounds::{FindingKind, MonthStatus, PostKind};
use jingzhi_domain::rounds::{SpecialistFilter, VisitFilter};
use jingzhi_domain::time_fmt::format_ms;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rounds", get(index))
        .route("/rounds/visits", get(visits).post(log_visit))
        .route(
            "/rounds/findings/{id}/event",
            get(finding_event).post(report_finding),
        )
        .route("/rounds/posts/edit", get(post_edit).post(post_save))
        .route("/rounds/posts/{id}", get(post_page))
        .route("/rounds/coverage", get(coverage))
        .route(
            "/rounds/specialists",
            get(specialists).post(specialist_assign),
        )
        .route("/rounds/specialists/{id}/services", post(service_log))
        .route("/rounds/specialists/{id}/end", post(specialist_end))
}

const PER_PAGE: i64 = 20;

/// An event category for the finding → event select.
pub struct Cat {
    pub code: String,
    pub name: String,
}

pub struct VisitRow {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub visitor: String,
    pub at: String,
    pub note: String,
    pub findings: Vec<FindingRowView>,
    /// Whether the caller may turn its findings into events.
    pub can_report: bool,
}

pub struct FindingRowView {
    pub id: i64,
    pub kind: &'static str,
    pub text: String,
    pub event_id: Option<i64>,
    pub default_category: &'static str,
}

fn visit_rows(c: &Caller, lang: Lang, items: Vec<Visit>) -> Vec<VisitRow> {
    let manager = c.actor.user.role.is_manager();
    items
        .into_iter()
        .map(|v| VisitRow {
            id: v.id,
            household_id: v.household_id,
            address: v.address,
            at: format_ms(v.visited_at),
            note: v.note.unwrap_or_default(),
            can_report: manager
                || (v.visitor_user_id.is_some() && v.visitor_user_id == Some(c.actor.user.id)),
            visitor: v.visitor_name,
            findings: v
                .findings
                .into_iter()
                .map(|f| FindingRowView {
                    id: f.id,
                    kind: lang.coded("rounds.finding", f.kind.as_str()),
                    text: f.text,
                    event_id: f.event_id,
                    default_category: f.kind.default_category(),
                })
                .collect(),
        })
        .collect()
}

fn pager_links(
    base: &str,
    pairs: &[(&str, String)],
    page: i64,
    has_more: bool,
) -> (Option<String>, Option<String>) {
    let link = |p: i64| {
        let mut v: Vec<(&str, String)> = pairs.to_vec();
        v.push(("page", p.to_string()));
        format!("{base}?{}", query_string(&v))
    };
    (
        (page > 1).then(|| link(page - 1)),
        has_more.then(|| link(page + 1)),
    )
}

async fn categories(s: &AppState, c: &Caller) -> Result<Vec<Cat>, PageError> {
    Ok(s.app
        .events()
        .categories(&c.actor)
        .await?
        .into_iter()
        .filter(|r| r.active)
        .map(|r| Cat {
            code: r.category.code,
            name: r.category.name,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// /rounds

#[derive(Template)]
#[template(path = "rounds/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub user_id: i64,
    pub manager: bool,
    pub holder: bool,
    pub post: Option<PostView>,
    pub households: Vec<(i64, String)>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub cats: Vec<Cat>,
    pub form: FormData,
    pub errors: Vec<String>,
    pub now: String,
    pub visits: Vec<VisitRow>,
    pub posts: Vec<Post>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: i64,
    pub saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
    pub saved: Option<String>,
}

async fn index_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    page: i64,
    form: FormData,
    errors: Vec<String>,
    saved: bool,
) -> Result<IndexPage, PageError> {
    let a = &c.actor;
    let manager = a.user.role.is_manager();
    let holder = PostKind::of_role(a.user.role).is_some();
    if !holder
        && !a
            .user
            .role
            .can(jingzhi_domain::auth::Permission::ReadRegister)
    {
        return Err(PageError::forbidden());
    }
    let post = if holder {
        s.app.rounds().my_post(a).await?
    } else {
        None
    };
    let households = match &post {
        Some(p) => s.app.rounds().post_households(a, p.post.id).await?,
        None => vec![],
    };
    let visits = if holder {
        let f = VisitFilter {
            visitor_user_id: Some(a.user.id),
            ..Default::default()
        };
        visit_rows(
            c,
            lang,
            s.app.rounds().list_visits(a, f, None, 1, 10).await?.items,
        )
    } else {
        vec![]
    };
    let (posts, prev, next) = if manager {
        let p = s.app.rounds().list_posts(a, None, page, PER_PAGE).await?;
        let (prev, next) = pager_links("/rounds", &[], p.page, p.has_more);
        (p.items, prev, next)
    } else {
        (vec![], None, None)
    };
    Ok(IndexPage {
        c: Chrome::new(c, lang, "rounds"),
        user_id: a.user.id,
        manager,
        holder,
        post,
        households,
        kinds: jingzhi_app::rounds::finding_kinds()
            .into_iter()
            .map(|(code, _)| (code, lang.coded("rounds.finding", code)))
            .collect(),
        cats: categories(s, c).await?,
        form,
        errors,
        now: datetime_local(jingzhi_domain::time_fmt::now_ms()),
        visits,
        posts,
        prev,
        next,
        page,
        saved,
    })
}

/// `2026-11-27T14:03` in China Standard Time, for `<input type="datetime-local">`.
fn datetime_local(ms: i64) -> String {
    format_ms(ms).replacen(' ', "T", 1)
}

/// Parse a `datetime-local` value (China Standard Time) to UTC milliseconds.
fn parse_datetime_local(s: &str) -> Option<i64> {
    let (d, t) = s
        .trim()
        .split_once('T')
        .or_else(|| s.trim().split_once(' '))?;
    let date = jingzhi_domain::time_fmt::parse_date(d)?;
    let mut hm = t.split(':');
    let h: u8 = hm.next()?.parse().ok()?;
    let m: u8 = hm.next()?.parse().ok()?;
    let dt = date
        .with_hms(h, m, 0)
        .ok()?
        .assume_offset(jingzhi_domain::time_fmt::CST);
    Some(dt.unix_timestamp() * 1000)
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<PageQuery>,
) -> PageResult {
    let page = super::page_number("page", q.page.as_deref())?;
    Ok(render(
        &index_page(
            &s,
            &c,
            lang,
            page,
            FormData::default(),
            vec![],
            q.saved.is_some(),
        )
        .await?,
    ))
}

/// Log a visit from the form: household, time, note, up to three findings (each may be
/// reported as an event at once).
pub async fn log_visit(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let fail = |errs: Vec<String>, f: FormData| async {
        Ok::<_, PageError>(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &index_page(&s, &c, lang, 1, f, errs, false).await?,
        ))
    };
    let Ok(household_id) = f.get("household_id").trim().parse::<i64>() else {
        return fail(vec![lang.t("rounds.choose_household").into()], f).await;
    };
    let visited_at = match f.opt("visited_at") {
        None => None,
        Some(v) => match parse_datetime_local(&v) {
            Some(t) => Some(t),
            None => return fail(vec![lang.t("rounds.bad_time").into()], f).await,
        },
    };
    let mut findings = vec![];
    for i in 0..3 {
        let text = f.get(&format!("f{i}_text")).trim().to_string();
        if text.is_empty() {
            continue;
        }
        findings.push(FindingInput {
            kind: f.get(&format!("f{i}_kind")).to_string(),
            text,
            report_category: f
                .checked(&format!("f{i}_report"))
                .then(|| f.get(&format!("f{i}_category")).to_string()),
            report_urgency: None,
            report_answers: None,
        });
    }
    let input = VisitInput {
        household_id,
        visited_at,
        note: f.opt("note"),
        findings,
    };
    match s.app.rounds().log_visit_reporting(&c.actor, &input).await {
        // The visit is saved; a finding whose category asks questions is reported from its own
        // form, with the category chosen and its questions asked there.
        Ok(done) => match done.pending.first() {
            Some(p) => Ok(Redirect::to(&format!(
                "/rounds/findings/{}/event?{}",
                p.finding_id,
                query_string(&[
                    ("category", p.category.clone()),
                    ("next", "/rounds?saved=1".to_string()),
                    ("pending", "1".to_string()),
                ])
            ))
            .into_response()),
            None => Ok(Redirect::to("/rounds?saved=1").into_response()),
        },
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &index_page(
                    &s,
                    &c,
                    lang,
                    1,
                    f,
                    errs.0.into_iter().map(|(_, r)| r).collect(),
                    false,
                )
                .await?,
            ))
        }
    }
}

pub struct QuestionView {
    pub code: String,
    pub text: String,
    pub required: bool,
    pub choices: Vec<String>,
}

#[derive(Template)]
#[template(path = "rounds/finding_event.html")]
pub struct FindingEventPage {
    pub c: Chrome,
    pub id: i64,
    pub kind: &'static str,
    pub text: String,
    pub address: String,
    pub visited: String,
    pub event_id: Option<i64>,
    pub cats: Vec<(String, String, bool)>,
    pub category: String,
    pub questions: Vec<QuestionView>,
    pub form: FormData,
    pub errors: Vec<String>,
    pub next: String,
    /// Just saved with its visit, waiting for the category's questions.
    pub pending: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct FindingEventQuery {
    pub category: Option<String>,
    pub next: Option<String>,
    pub pending: Option<String>,
}

async fn finding_event_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    category: Option<String>,
    next: Option<String>,
    form: FormData,
    errors: Vec<String>,
) -> Result<FindingEventPage, PageError> {
    let (f, v) = s.app.rounds().finding_view(&c.actor, id).await?;
    let all = s.app.events().categories(&c.actor).await?;
    let category = category
        .filter(|k| all.iter().any(|r| r.active && &r.category.code == k))
        .unwrap_or_else(|| f.kind.default_category().to_string());
    let questions = all
        .iter()
        .find(|r| r.category.code == category)
        .map(|r| {
            r.category
                .questions
                .iter()
                .map(|q| QuestionView {
                    code: q.code.clone(),
                    text: q.text.clone(),
                    required: q.required,
                    choices: q.choices.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(FindingEventPage {
        c: Chrome::new(c, lang, "rounds"),
        id,
        kind: lang.coded("rounds.finding", f.kind.as_str()),
        text: f.text,
        address: v.address,
        visited: format!("{} {}", format_ms(v.visited_at), v.visitor_name),
        event_id: f.event_id,
        cats: all
            .into_iter()
            .filter(|r| r.active)
            .map(|r| {
                let sel = r.category.code == category;
                (r.category.code, r.category.name, sel)
            })
            .collect(),
        category,
        questions,
        form,
        errors,
        next: super::super::session::safe_next(next.as_deref()),
        pending: false,
    })
}

/// The finding → event form: the category (default by the finding's kind) and its questions.
pub async fn finding_event(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    UrlQuery(q): UrlQuery<FindingEventQuery>,
) -> PageResult {
    let mut page = finding_event_page(
        &s,
        &c,
        lang,
        id,
        q.category,
        q.next,
        FormData::default(),
        vec![],
    )
    .await?;
    page.pending = q.pending.is_some() && page.event_id.is_none();
    Ok(render(&page))
}

/// A finding becomes an event.
pub async fn report_finding(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let answers: serde_json::Map<String, serde_json::Value> =
        f.0.iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("a_")
                    .filter(|_| !v.trim().is_empty())
                    .map(|code| {
                        (
                            code.to_string(),
                            serde_json::Value::String(v.trim().to_string()),
                        )
                    })
            })
            .collect();
    let input = ReportFindingInput {
        category: f.get("category").to_string(),
        urgency: f.opt("urgency"),
        answers: (!answers.is_empty()).then_some(answers),
    };
    match s.app.rounds().report_finding(&c.actor, id, &input).await {
        Ok(_) => {
            let back = super::super::session::safe_next(f.opt("next").as_deref());
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &finding_event_page(
                    &s,
                    &c,
                    lang,
                    id,
                    Some(f.get("category").to_string()),
                    f.opt("next"),
                    f.clone(),
                    errs.0.into_iter().map(|(_, r)| r).collect(),
                )
                .await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /rounds/visits

#[derive(Template)]
#[template(path = "rounds/visits.html")]
pub struct VisitsPage {
    pub c: Chrome,
    pub title: String,
    pub rows: Vec<VisitRow>,
    pub cats: Vec<Cat>,
    pub here: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct VisitsQuery {
    pub household: Option<i64>,
    pub user: Option<i64>,
    pub post: Option<i64>,
    pub page: Option<String>,
}

pub async fn visits(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<VisitsQuery>,
) -> PageResult {
    let a = &c.actor;
    let page = super::page_number("page", q.page.as_deref())?;
    let f = VisitFilter {
        household_id: q.household,
        visitor_user_id: q.user,
        post_id: q.post,
        under: None,
    };
    let list = s
        .app
        .rounds()
        .list_visits(a, f, None, page, PER_PAGE)
        .await?;
    let title = if let Some(h) = q.household {
        lang.tf(
            "rounds.visits_of_household",
            s.app
                .registry()
                .household_view(a, h)
                .await?
                .household
                .address,
        )
    } else if let Some(p) = q.post {
        let p = s.app.rounds().post_view(a, p).await?.post;
        lang.tf(
            "rounds.visits_of_post",
            format!("{}{}", p.holder_name, lang.paren(&p.grid_name)),
        )
    } else if let Some(u) = q.user {
        let name = if u == a.user.id {
            a.user.display_name.clone()
        } else {
            s.app.rounds().worker_name(a, u).await?
        };
        lang.tf("rounds.visits_of", name)
    } else {
        lang.t("rounds.visits").to_string()
    };
    let pairs = [
        (
            "household",
            q.household.map(|v| v.to_string()).unwrap_or_default(),
        ),
        ("user", q.user.map(|v| v.to_string()).unwrap_or_default()),
        ("post", q.post.map(|v| v.to_string()).unwrap_or_default()),
    ];
    let (prev, next) = pager_links("/rounds/visits", &pairs, list.page, list.has_more);
    let mut here_pairs = pairs.to_vec();
    here_pairs.push(("page", page.to_string()));
    Ok(render(&VisitsPage {
        c: Chrome::new(&c, lang, "rounds"),
        title,
        rows: visit_rows(&c, lang, list.items),
        cats: categories(&s, &c).await?,
        here: format!("/rounds/visits?{}", query_string(&here_pairs)),
        prev,
        next,
        page: list.page,
    }))
}

// ---------------------------------------------------------------------------------------------
// Posts

#[derive(Template)]
#[template(path = "rounds/post.html")]
pub struct PostPage {
    pub c: Chrome,
    pub v: PostView,
    pub manager: bool,
}

pub async fn post_page(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    let v = s.app.rounds().post_view(&c.actor, id).await?;
    Ok(render(&PostPage {
        c: Chrome::new(&c, lang, "rounds"),
        manager: c.actor.user.role.is_manager(),
        v,
    }))
}

pub struct Candidate {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

pub struct BuildingChoice {
    pub id: i64,
    pub name: String,
    pub households: i64,
    pub checked: bool,
    /// The holder of another post of the same kind that has it.
    pub taken_by: Option<String>,
}

#[derive(Template)]
#[template(path = "rounds/post_edit.html")]
pub struct PostEditPage {
    pub c: Chrome,
    pub candidates: Vec<Candidate>,
    /// (id, name, selected)
    pub grids: Vec<(i64, String, bool)>,
    pub user_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub grid_name: String,
    pub kind_label: &'static str,
    pub buildings: Vec<BuildingChoice>,
    pub errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PostEditQuery {
    pub user: Option<i64>,
    pub grid: Option<i64>,
}

async fn post_edit_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    user_id: Option<i64>,
    grid_id: Option<i64>,
    picked: Option<Vec<i64>>,
    errors: Vec<String>,
) -> Result<PostEditPage, PageError> {
    let a = &c.actor;
    let cands = s.app.rounds().post_candidates(a).await?;
    let holder = user_id.and_then(|u| cands.iter().find(|x| x.0 == u));
    let kind = holder.and_then(|h| PostKind::of_role(h.3));
    let current = match holder.and_then(|h| h.4) {
        Some(pid) => Some(s.app.rounds().post_view(a, pid).await?),
        None => None,
    };
    let grid_id = grid_id.or(current.as_ref().map(|p| p.post.grid_id));
    let scope_node = a.user.scope_node_id;
    let grids = s
        .app
        .registry()
        .search_nodes(a, "", Some(jingzhi_domain::registry::NodeKind::Grid), 500)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|n| (n.id, n.name, grid_id == Some(n.id)))
        .collect();
    let _ = scope_node;
    let (grid_name, buildings) = match grid_id {
        Some(g) => {
            let (grid, bs) = s.app.rounds().grid_buildings(a, g).await?;
            let mine: Vec<i64> = match (&picked, &current) {
                (Some(p), _) => p.clone(),
                (None, Some(cur)) if cur.post.grid_id == g => {
                    cur.buildings.iter().map(|b| b.id).collect()
                }
                _ => vec![],
            };
            let own_post = current.as_ref().map(|p| p.post.id);
            let choices = bs
                .into_iter()
                .map(|b: GridBuilding| {
                    let other = match kind {
                        Some(PostKind::Steward) => b.steward_post.clone(),
                        Some(PostKind::GridWorker) => b.grid_worker_post.clone(),
                        None => None,
                    };
                    BuildingChoice {
                        id: b.id,
                        checked: mine.contains(&b.id),
                        taken_by: other
                            .filter(|(pid, _)| Some(*pid) != own_post)
                            .map(|(_, n)| n),
                        name: b.name,
                        households: b.households,
                    }
                })
                .collect();
            (grid.name, choices)
        }
        None => (String::new(), vec![]),
    };
    Ok(PostEditPage {
        c: Chrome::new(c, lang, "rounds"),
        candidates: cands
            .iter()
            .map(|(id, username, name, role, post)| Candidate {
                id: *id,
                selected: user_id == Some(*id),
                label: format!(
                    "{name}{}{}",
                    lang.paren(format!(
                        "{}{}{username}",
                        super::events::role_label(lang, *role),
                        lang.t("common.comma")
                    )),
                    if post.is_some() {
                        lang.t("rounds.has_post")
                    } else {
                        ""
                    }
                ),
            })
            .collect(),
        grids,
        user_id,
        grid_id,
        grid_name,
        kind_label: kind
            .map(|k| lang.coded("rounds.post_kind", k.as_str()))
            .unwrap_or(""),
        buildings,
        errors,
    })
}

pub async fn post_edit(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<PostEditQuery>,
) -> PageResult {
    Ok(render(
        &post_edit_page(&s, &c, lang, q.user, q.grid, None, vec![]).await?,
    ))
}

pub async fn post_save(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let user_id = f.get("user_id").trim().parse::<i64>().ok();
    let grid_id = f.get("grid_id").trim().parse::<i64>().ok();
    let building_ids: Vec<i64> =
        f.0.iter()
            .filter(|(k, _)| k == "building")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
    let (Some(u), Some(g)) = (user_id, grid_id) else {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &post_edit_page(
                &s,
                &c,
                lang,
                user_id,
                grid_id,
                Some(building_ids),
                vec![lang.t("rounds.choose_holder_grid").into()],
            )
            .await?,
        ));
    };
    let input = PostInput {
        user_id: u,
        grid_id: g,
        building_ids: building_ids.clone(),
    };
    match s.app.rounds().save_post(&c.actor, &input).await {
        Ok(v) => Ok(Redirect::to(&format!("/rounds/posts/{}", v.post.id)).into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &post_edit_page(
                    &s,
                    &c,
                    lang,
                    user_id,
                    grid_id,
                    Some(building_ids),
                    errs.0.into_iter().map(|(_, r)| r).collect(),
                )
                .await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage

#[derive(Template)]
#[template(path = "rounds/coverage.html")]
pub struct CoveragePage {
    pub c: Chrome,
    pub v: CoverageView,
    pub pct: String,
    pub list_title: String,
    pub uncovered: Page<Uncovered>,
    pub list_prev: Option<String>,
    pub list_next: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: i64,
}

impl CoveragePage {
    pub fn last(&self, u: &Uncovered) -> String {
        u.last_at
            .map(format_ms)
            .unwrap_or_else(|| self.c.t("rounds.never").into())
    }

    pub fn pct_of(&self, covered: &i64, households: &i64) -> String {
        if *households == 0 {
            "—".into()
        } else {
            format!("{:.0}%", *covered as f64 * 100.0 / *households as f64)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    pub node: Option<i64>,
    pub post: Option<i64>,
    pub page: Option<String>,
    pub list_page: Option<String>,
}

pub async fn coverage(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<CoverageQuery>,
) -> PageResult {
    let a = &c.actor;
    let page = super::page_number("page", q.page.as_deref())?;
    let list_page = super::page_number("list_page", q.list_page.as_deref())?;
    let v = s.app.rounds().coverage(a, q.node, page, PER_PAGE).await?;
    let uncovered = s
        .app
        .rounds()
        .uncovered(a, q.node, q.post, list_page, PER_PAGE)
        .await?;
    let list_title = match q.post {
        Some(p) => {
            let p = s.app.rounds().post_view(a, p).await?.post;
            lang.tf(
                "rounds.unvisited_of",
                format!("{}{}", p.holder_name, lang.paren(&p.grid_name)),
            )
        }
        None => lang.tf("rounds.unvisited_in", &v.node.name),
    };
    let node = q.node.map(|n| n.to_string()).unwrap_or_default();
    let post = q.post.map(|n| n.to_string()).unwrap_or_default();
    let (prev, next) = pager_links(
        "/rounds/coverage",
        &[
            ("node", node.clone()),
            ("post", post.clone()),
            ("list_page", list_page.to_string()),
        ],
        page,
        v.grids.has_more || v.posts.has_more,
    );
    let (list_prev, list_next) = pager_links_named(
        "/rounds/coverage",
        &[("node", node), ("post", post), ("page", page.to_string())],
        "list_page",
        list_page,
        uncovered.has_more,
    );
    let pct = if v.households == 0 {
        "—".into()
    } else {
        format!("{:.1}%", v.covered as f64 * 100.0 / v.households as f64)
    };
    Ok(render(&CoveragePage {
        c: Chrome::new(&c, lang, "rounds"),
        v,
        pct,
        list_title,
        uncovered,
        list_prev,
        list_next,
        prev,
        next,
        page,
    }))
}

fn pager_links_named(
    base: &str,
    pairs: &[(&str, String)],
    name: &str,
    page: i64,
    has_more: bool,
) -> (Option<String>, Option<String>) {
    let link = |p: i64| {
        let mut v: Vec<(&str, String)> = pairs.to_vec();
        v.push((name, p.to_string()));
        format!("{base}?{}", query_string(&v))
    };
    (
        (page > 1).then(|| link(page - 1)),
        has_more.then(|| link(page + 1)),
    )
}

// ---------------------------------------------------------------------------------------------
// Specialists (双报到)

pub struct ComplianceRowView {
    pub s: Specialist,
    pub cells: Vec<(&'static str, &'static str)>,
    pub missed: String,
    pub can_log: bool,
}

#[derive(Template)]
#[template(path = "rounds/specialists.html")]
pub struct SpecialistsPage {
    pub c: Chrome,
    pub manager: bool,
    pub v: ComplianceView,
    pub rows: Vec<ComplianceRowView>,
    pub mine: Vec<Specialist>,
    pub from: String,
    pub to: String,
    pub missed_only: bool,
    pub grids: Vec<(i64, String)>,
    /// The department registry's names serving the caller's place, offered for 派出单位 (a
    /// unit outside the registry, a school or a company, may still be typed).
    pub departments: Vec<String>,
    pub form: FormData,
    pub errors: Vec<String>,
    pub notice: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: i64,
    pub current: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SpecialistsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub missed: Option<String>,
    pub page: Option<String>,
    pub saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn specialists_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    q: &SpecialistsQuery,
    form: FormData,
    errors: Vec<String>,
) -> Result<SpecialistsPage, PageError> {
    let a = &c.actor;
    let manager = a.user.role.is_manager();
    let page = super::page_number("page", q.page.as_deref())?;
    let missed_only = q.missed.as_deref().is_some_and(|m| !m.is_empty());
    let v = s
        .app
        .rounds()
        .compliance(
            a,
            None,
            q.from.as_deref(),
            q.to.as_deref(),
            missed_only,
            page,
            PER_PAGE,
        )
        .await?;
    let rows = v
        .rows
        .iter()
        .map(|r| ComplianceRowView {
            s: r.specialist.clone(),
            cells: r
                .months
                .iter()
                .map(|m| {
                    (
                        match m {
                            MonthStatus::Served => "✓",
                            MonthStatus::Missed => "✗",
                            MonthStatus::Pending => "…",
                            MonthStatus::NotAssigned => "—",
                        },
                        lang.t(match m {
                            MonthStatus::Served => "rounds.month.served",
                            MonthStatus::Missed => "rounds.month.missed",
                            MonthStatus::Pending => "rounds.month.pending",
                            MonthStatus::NotAssigned => "rounds.month.not_assigned",
                        }),
                    )
                })
                .collect(),
            missed: r
                .missed
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join("、"),
            can_log: r.specialist.until.is_none()
                && (manager || r.specialist.user_id == Some(a.user.id)),
        })
        .collect();
    let mine = s
        .app
        .rounds()
        .list_specialists(
            a,
            None,
            &SpecialistFilter {
                user_id: Some(a.user.id),
                ..Default::default()
            },
            1,
            20,
        )
        .await?
        .items;
    let grids = if manager {
        s.app
            .registry()
            .search_nodes(a, "", Some(jingzhi_domain::registry::NodeKind::Grid), 500)
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect()
    } else {
        vec![]
    };
    let pairs = [
        ("from", v.from.to_string()),
        ("to", v.to.to_string()),
        (
            "missed",
            if missed_only {
                "1".into()
            } else {
                String::new()
            },
        ),
    ];
    let (prev, next) = pager_links("/rounds/specialists", &pairs, v.page, v.has_more);
    let departments = if manager {
        s.app
            .departments()
            .list(a, None)
            .await?
            .into_iter()
            .map(|d| d.name)
            .collect()
    } else {
        vec![]
    };
    Ok(SpecialistsPage {
        departments,
        c: Chrome::new(c, lang, "rounds"),
        manager,
        from: v.from.to_string(),
        to: v.to.to_string(),
        current: v.current.to_string(),
        page: v.page,
        v,
        rows,
        mine,
        missed_only,
        grids,
        form,
        errors,
        notice: q
            .saved
            .as_ref()
            .map(|_| lang.t("rounds.saved_short").to_string()),
        prev,
        next,
    })
}

pub async fn specialists(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<SpecialistsQuery>,
) -> PageResult {
    Ok(render(
        &specialists_page(&s, &c, lang, &q, FormData::default(), vec![]).await?,
    ))
}

pub async fn specialist_assign(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = SpecialistInput {
        grid_id: f.get("grid_id").trim().parse().unwrap_or(0),
        name: f.get("name").to_string(),
        department: f.get("department").to_string(),
        party_org: f.get("party_org").to_string(),
        phone: f.opt("phone"),
        username: f.opt("username"),
        since: f.opt("since"),
    };
    match s.app.rounds().assign_specialist(&c.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/rounds/specialists?saved=1").into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &specialists_page(
                    &s,
                    &c,
                    lang,
                    &SpecialistsQuery::default(),
                    f,
                    errs.0.into_iter().map(|(_, r)| r).collect(),
                )
                .await?,
            ))
        }
    }
}

pub async fn service_log(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = ServiceInput {
        month: f.get("month").to_string(),
        content: f.get("content").to_string(),
    };
    match s.app.rounds().log_service(&c.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to("/rounds/specialists?saved=1").into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &specialists_page(
                    &s,
                    &c,
                    lang,
                    &SpecialistsQuery::default(),
                    FormData::default(),
                    errs.0.into_iter().map(|(_, r)| r).collect(),
                )
                .await?,
            ))
        }
    }
}

pub async fn specialist_end(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app.rounds().end_specialist(&c.actor, id).await?;
    Ok(Redirect::to("/rounds/specialists?saved=1").into_response())
}

/// Labels of finding kinds (for templates).
pub fn finding_label(lang: Lang, code: &str) -> &'static str {
    match FindingKind::parse(code) {
        Ok(k) => lang.coded("rounds.finding", k.as_str()),
        Err(_) => "",
    }
}
