//! 社区规模优化: the communities above the cap; for one, the proposed plan drawn before beside
//! after (SVG: buildings coloured by community, compounds outlined, barriers), a table of the
//! proposed communities and what moves; saved plans with the six approval steps, residents'
//! comments, departments' votes, apply; exports as .xlsx and GeoJSON.

use super::UrlQuery;
use super::{escape, query_string, render, Chrome, FormData, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::districting::{self as jd, PlanDetail, PlanView, StepInput, VoteInput};
use jingzhi_app::districting::{Oversized, PlanRow};
use jingzhi_domain::districting::approval::{self as ap, Status, Step};
use jingzhi_domain::time_fmt::format_ms;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/districting", get(index))
        .route("/districting/preview", get(preview))
        .route("/districting/plans", post(create))
        .route("/districting/edges", post(edge))
        .route("/districting/plans/{id}", get(plan))
        .route("/districting/plans/{id}/steps", post(step))
        .route("/districting/plans/{id}/comments", post(comment))
        .route("/districting/plans/{id}/votes", post(vote))
        .route("/districting/plans/{id}/apply", post(apply))
        .route("/districting/plans/{id}/export.xlsx", get(export_xlsx))
        .route("/districting/plans/{id}/plan.geojson", get(export_geojson))
}

#[derive(Template)]
#[template(path = "districting/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub oversized: Vec<Oversized>,
    pub plans: Vec<PlanItem>,
    pub can_plan: bool,
}

pub struct PlanItem {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub created: String,
    pub by: String,
}

fn item(lang: Lang, p: &PlanRow) -> PlanItem {
    PlanItem {
        id: p.id,
        title: p.title.clone(),
        status: Status::parse(&p.status)
            .map(|s| lang.coded("districting.status", s.as_str()))
            .unwrap_or("?"),
        created: format_ms(p.created_at),
        by: p.created_by_name.clone(),
    }
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let oversized = s.app.districting().scan(&c.actor, None).await?;
    let plans = s
        .app
        .districting()
        .plans(&c.actor)
        .await?
        .iter()
        .map(|p| item(lang, p))
        .collect();
    let can_plan = ap::can_plan(c.actor.user.role);
    Ok(render(&IndexPage {
        c: Chrome::new(&c, lang, "districting"),
        oversized,
        plans,
        can_plan,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreviewQuery {
    pub scope: String,
    pub mode: String,
    pub seed: Option<u64>,
}

/// What the plan pages draw, shared by the preview and a saved plan.
pub struct Drawn {
    pub before_svg: String,
    pub after_svg: String,
    pub detail: PlanDetail,
    pub legend: Vec<(String, String)>,
    pub metrics: Vec<(&'static str, String)>,
    pub reasons: Vec<String>,
}

fn drawn(lang: Lang, d: PlanDetail) -> Drawn {
    let mut colours: BTreeMap<String, &'static str> = BTreeMap::new();
    for p in &d.points {
        for c in [&p.before, &p.after] {
            let n = colours.len();
            colours
                .entry(c.clone())
                .or_insert(PALETTE[n % PALETTE.len()]);
        }
    }
    let names: BTreeMap<String, String> = d
        .parts
        .iter()
        .map(|p| (p.community.clone(), p.name.clone()))
        .collect();
    let legend = colours
        .iter()
        .map(|(code, col)| {
            (
                col.to_string(),
                format!("{} {}", names.get(code).cloned().unwrap_or_default(), code),
            )
        })
        .collect();
    let before_svg = svg(&d, &colours, true, lang.t("districting.before"));
    let after_svg = svg(&d, &colours, false, lang.t("districting.after"));
    let metrics = match d.output.metrics() {
        Some(m) => vec![
            (lang.t("districting.m.parts"), m.parts.to_string()),
            (
                lang.t("districting.m.households_moved"),
                m.households_moved.to_string(),
            ),
            (lang.t("districting.m.cut_edges"), m.cut_edges.to_string()),
            (
                lang.t("districting.m.min_max"),
                format!("{} / {}", m.min_households, m.max_households),
            ),
            (
                lang.t("districting.m.deviation"),
                format!("{:.1}%", m.max_deviation * 100.0),
            ),
            (
                lang.t("districting.m.grids_split"),
                m.grids_split.to_string(),
            ),
            (
                lang.t("districting.m.compactness"),
                format!("{:.3}", m.mean_polsby_popper),
            ),
        ],
        None => vec![],
    };
    let reasons = d.output.infeasible.iter().map(jd::infeasible_zh).collect();
    Drawn {
        before_svg,
        after_svg,
        detail: d,
        legend,
        metrics,
        reasons,
    }
}

const PALETTE: [&str; 10] = [
    "#2563eb", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0891b2", "#dc2626", "#65a30d",
    "#9333ea", "#0d9488",
];

/// Buildings as dots coloured by their community (before or after), each compound's buildings
/// outlined by their convex hull, barrier lines on top.
fn svg(
    d: &PlanDetail,
    colours: &BTreeMap<String, &'static str>,
    before: bool,
    label: &str,
) -> String {
    let pts: Vec<(f64, f64)> = d.points.iter().map(|p| (p.x, p.y)).collect();
    if pts.is_empty() {
        return String::new();
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let kx = ((y0 + y1) / 2.0).to_radians().cos();
    let (w, pad) = (480.0, 14.0);
    let (dx, dy) = (((x1 - x0) * kx).max(1e-5), (y1 - y0).max(1e-5));
    let k = ((w - 2.0 * pad) / dx).min((w * 1.2 - 2.0 * pad) / dy);
    let h = dy * k + 2.0 * pad;
    let xy = |(x, y): (f64, f64)| (pad + (x - x0) * kx * k, pad + (y1 - y) * k);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="map dist-map" viewBox="0 0 {w:.0} {h:.0}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}">"#,
        escape(label)
    );
    s.push_str(r##"<rect x="0" y="0" width="100%" height="100%" fill="#f8fafc"/>"##);
    let mut by_compound: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for p in &d.points {
        by_compound
            .entry(p.compound.as_str())
            .or_default()
            .push((p.x, p.y));
    }
    for (code, ps) in &by_compound {
        let hull = jingzhi_domain::districting::convex_hull(ps);
        let name = escape(
            d.compound_names
                .get(*code)
                .map(String::as_str)
                .unwrap_or(code),
        );
        if hull.len() >= 3 {
            let pts: Vec<String> = hull
                .iter()
                .map(|&p| xy(p))
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                s,
                r##"<polygon points="{}" fill="none" stroke="#64748b" stroke-width="1" stroke-dasharray="3 2"><title>{name}</title></polygon>"##,
                pts.join(" ")
            );
        } else if hull.len() == 2 {
            let ((ax, ay), (bx, by)) = (xy(hull[0]), xy(hull[1]));
            let _ = write!(
                s,
                r##"<line x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}" stroke="#64748b" stroke-width="6" stroke-opacity="0.25" stroke-linecap="round"><title>{name}</title></line>"##
            );
        }
    }
    for b in &d.barriers {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&b.geometry) else {
            continue;
        };
        let lines: Vec<&serde_json::Value> = match v["type"].as_str() {
            Some("LineString") => vec![&v["coordinates"]],
            Some("MultiLineString") => v["coordinates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => vec![],
        };
        let colour = match b.kind.as_str() {
            "river" | "water" => "#38bdf8",
            "rail" | "railway" => "#475569",
            _ => "#94a3b8",
        };
        for l in lines {
            let pts: Vec<String> = l
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .map(|p| {
                    let (x, y) = xy(p);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            if pts.len() >= 2 {
                let _ = write!(
                    s,
                    r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="3"><title>{}</title></polyline>"#,
                    pts.join(" "),
                    escape(&b.name)
                );
            }
        }
    }
    let r = if d.points.len() > 400 { 2.5 } else { 4.5 };
    for p in &d.points {
        let (x, y) = xy((p.x, p.y));
        let c = if before { &p.before } else { &p.after };
        let fill = colours.get(c).copied().unwrap_or("#000");
        let _ = write!(
            s,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}"><title>{} · {}</title></circle>"#,
            escape(&p.name),
            escape(c)
        );
    }
    s.push_str("</svg>");
    s
}

#[derive(Template)]
#[template(path = "districting/plan.html")]
pub struct PlanPage {
    pub c: Chrome,
    pub title: String,
    pub scope: String,
    pub mode: String,
    pub seed: u64,
    pub drawn: Option<Drawn>,
    pub saved: Option<Saved>,
    pub can_plan: bool,
    pub can_approve: bool,
    pub notice: Option<String>,
}

pub struct Saved {
    pub view: PlanView,
    pub status: &'static str,
    pub status_code: &'static str,
    pub steps: Vec<(String, String, Vec<String>, String, String)>,
    pub next: Option<(&'static str, &'static str)>,
    pub can_comment: bool,
    pub can_vote: bool,
    pub votes: Vec<(String, String, String)>,
    pub comments: Vec<(String, String, String)>,
}

pub async fn preview(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<PreviewQuery>,
) -> PageResult {
    let mode = jd::parse_mode(&q.mode)?;
    let seed = q.seed.unwrap_or(1);
    let out = s
        .app
        .districting()
        .plan(&c.actor, &q.scope, mode, seed)
        .await?;
    let detail = s.app.districting().detail(&c.actor, &q.scope, &out).await?;
    let node = s.app.registry().node_by_code(&c.actor, &q.scope).await?;
    Ok(render(&PlanPage {
        title: format!("{} · {}", node.name, lang.t("districting.preview")),
        scope: q.scope.clone(),
        mode: jd::mode_str(mode).into(),
        seed,
        drawn: Some(drawn(lang, detail)),
        saved: None,
        can_plan: ap::can_plan(c.actor.user.role),
        can_approve: false,
        notice: None,
        c: Chrome::new(&c, lang, "districting"),
    }))
}

/// A hand correction of the building graph (add or remove an edge), then back to the preview.
pub async fn edge(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let note = f.get("note");
    s.app
        .districting()
        .edge_override(
            &c.actor,
            f.get("a").trim(),
            f.get("b").trim(),
            f.get("op"),
            Some(note),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/districting/preview?scope={}&mode={}&seed={}",
        crate::session::urlencode(f.get("scope")),
        crate::session::urlencode(f.get("mode")),
        crate::session::urlencode(f.get("seed"))
    ))
    .into_response())
}

pub async fn create(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let mode = jd::parse_mode(f.get("mode"))?;
    let seed = f.get("seed").trim().parse().unwrap_or(1);
    let p = s
        .app
        .districting()
        .create_plan(&c.actor, f.get("scope"), mode, seed)
        .await?;
    Ok(Redirect::to(&format!("/districting/plans/{}", p.id)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    pub done: Option<String>,
}

pub async fn plan(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    UrlQuery(q): UrlQuery<PlanQuery>,
) -> PageResult {
    let view = s.app.districting().plan_view(&c.actor, id).await?;
    let role = c.actor.user.role;
    let drawn = if ap::can_view(role) {
        Some(drawn(
            lang,
            s.app
                .districting()
                .detail(&c.actor, &view.plan.scope_code, &view.output)
                .await?,
        ))
    } else {
        None
    };
    let status = view.status;
    let next = view.next_step;
    let steps = view
        .steps
        .iter()
        .map(|st| {
            let label = Step::parse(&st.step)
                .map(|x| lang.coded("districting.step", x.as_str()))
                .unwrap_or("?")
                .to_string();
            let decision = st
                .decision
                .as_deref()
                .and_then(Status::parse)
                .map(|d| lang.coded("districting.status", d.as_str()).to_string())
                .unwrap_or_default();
            (
                label,
                st.record.clone(),
                st.documents.clone(),
                format!("{} · {}", st.actor_name, format_ms(st.at)),
                decision,
            )
        })
        .collect();
    let votes = view
        .departments
        .iter()
        .map(|d| {
            let v = view.votes.iter().find(|v| &v.department == d);
            (
                d.clone(),
                v.and_then(|v| ap::Vote::parse(&v.vote))
                    .map(|v| lang.coded("districting.vote", v.as_str()).to_string())
                    .unwrap_or_else(|| lang.t("districting.not_voted").into()),
                v.and_then(|v| v.note.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let comments = view
        .comments
        .iter()
        .map(|x| (x.author_name.clone(), format_ms(x.at), x.body.clone()))
        .collect();
    let saved = Saved {
        status: lang.coded("districting.status", status.as_str()),
        status_code: status.as_str(),
        steps,
        next: next.map(|n| (n.as_str(), lang.coded("districting.step", n.as_str()))),
        can_comment: status == Status::Draft
            && view.steps.is_empty()
            && jingzhi_domain::districting::approval::can_comment(c.actor.user.role),
        can_vote: next == Some(Step::MeetingDecision) && status == Status::InReview,
        votes,
        comments,
        view,
    };
    let notice = q.done.map(|d| match d.as_str() {
        "applied" => lang.t("districting.done.applied").to_string(),
        "comment" => lang.t("districting.done.comment").to_string(),
        _ => lang.t("districting.done.recorded").to_string(),
    });
    Ok(render(&PlanPage {
        title: saved.view.plan.title.clone(),
        scope: saved.view.plan.scope_code.clone(),
        mode: saved.view.plan.mode.clone(),
        seed: saved.view.plan.seed as u64,
        drawn,
        can_plan: ap::can_plan(role),
        can_approve: ap::can_approve(role),
        saved: Some(saved),
        notice,
        c: Chrome::new(&c, lang, "districting"),
    }))
}

fn back(id: i64, done: &str) -> PageResult {
    Ok(Redirect::to(&format!(
        "/districting/plans/{id}?{}",
        query_string(&[("done", done.to_string())])
    ))
    .into_response())
}

pub async fn step(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = StepInput {
        step: f.get("step").into(),
        record: f.get("record").into(),
        documents: f
            .get("documents")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    };
    s.app
        .districting()
        .record_step(&c.actor, id, &input)
        .await?;
    back(id, "step")
}

pub async fn comment(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app
        .districting()
        .comment(&c.actor, id, f.get("body"))
        .await?;
    back(id, "comment")
}

pub async fn vote(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = VoteInput {
        department: f.get("department").into(),
        vote: f.get("vote").into(),
        note: f.opt("note"),
    };
    s.app.districting().vote(&c.actor, id, &input).await?;
    back(id, "vote")
}

pub async fn apply(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app.districting().apply(&c.actor, id).await?;
    back(id, "applied")
}

pub async fn export_xlsx(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let view = s.app.districting().plan_view(&c.actor, id).await?;
    let bytes = s
        .app
        .districting()
        .xlsx(&c.actor, &view.plan.scope_code, &view.output)
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                jingzhi_app::import::XLSX_CONTENT_TYPE.to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment(&format!("社区规模优化方案_{id}.xlsx")),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn export_geojson(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let view = s.app.districting().plan_view(&c.actor, id).await?;
    let g = s
        .app
        .districting()
        .geojson(&c.actor, &view.plan.scope_code, &view.output)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment(&format!("社区规模优化方案_{id}.geojson")),
            ),
        ],
        g.to_string(),
    )
        .into_response())
}
