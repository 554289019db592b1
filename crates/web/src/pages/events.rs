//! Events (事件) in the browser: the list with filters ("我的上报" for residents), the report
//! form (category with its extra questions, urgency, description, photos, and the place: the
//! resident's own building by default, a building found by search, or a point tapped on the
//! map), the detail page with the timeline and every action the caller's role may take in the
//! event's state, and the whistle (吹哨报到). Forms with photos are `multipart/form-data`;
//! every form carries the CSRF token; errors are shown inline next to the form that caused
//! them, and nothing changes.

use super::UrlQuery;
use super::{map, query_string, render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::events::AttachmentMeta;
use jingzhi_app::events::{
    CommandInput, EventView, HandlerInput, InspectionInput, ReportInput, Upload,
};
use jingzhi_app::AppError;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::events::actions;
use jingzhi_domain::events::lifecycle::{CommandKind, Rating, Status};
use jingzhi_domain::events::EventFilter;
use jingzhi_domain::events::{HandlerKind, Urgency};
use jingzhi_domain::time_fmt::{format_ms, now_ms};
use serde::Deserialize;

pub const PER_PAGE: i64 = 20;

pub fn router() -> Router<AppState> {
    let upload = axum::extract::DefaultBodyLimit::max(crate::shared::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/events", get(list))
        .route("/events/new", get(new_form).post(new).layer(upload))
        .route("/events/places", get(places))
        .route("/events/{id}", get(detail))
        .route("/events/{id}/act/{command}", post(act).layer(upload))
        .route("/events/{id}/photos/{aid}", get(photo))
        .route("/events/{id}/whistle", post(whistle_blow))
        .route("/events/{id}/to-proposal", post(to_proposal))
        .route("/events/{id}/whistles/{wid}/{step}", post(whistle_step))
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opt(value: &str, label: &str, current: &str) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected: value == current,
    }
}

/// An event state's label in the page's language.
pub fn status_label(lang: Lang, s: Status) -> &'static str {
    lang.coded("event.status", s.as_str())
}

/// A role's label in the page's language.
pub fn role_label(lang: Lang, r: Role) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

/// The status filter. Staff lists open on the unfinished events (未办结, the default ""); "all"
/// shows closed ones too. A resident's own list shows everything by default.
fn status_opts(lang: Lang, current: &str, resident: bool) -> Vec<Opt> {
    let mut v = if resident {
        vec![opt("", lang.t("events.all_statuses"), current)]
    } else {
        vec![
            opt("", lang.t("events.unfinished"), current),
            opt("in_hand", lang.t("events.in_hand_filter"), current),
            opt("all", lang.t("events.all_statuses"), current),
        ]
    };
    v.extend(
        Status::ALL
            .iter()
            .map(|s| opt(s.as_str(), status_label(lang, *s), current)),
    );
    v
}

fn source_label(lang: Lang, s: &str) -> String {
    if SOURCES.contains(&s) {
        lang.coded("event.source", s).to_string()
    } else {
        s.to_string()
    }
}

const SOURCES: &[&str] = &[
    "resident",
    "staff",
    "hotline",
    "open311",
    "round",
    "emergency",
];

fn handler_kind_opts(lang: Lang, current: &str) -> Vec<Opt> {
    [
        HandlerKind::Department,
        HandlerKind::Community,
        HandlerKind::GridWorker,
        HandlerKind::PropertyCompany,
    ]
    .iter()
    .map(|k| opt(k.as_str(), lang.coded("event.handler", k.as_str()), current))
    .collect()
}

fn rating_opts(lang: Lang) -> Vec<Opt> {
    Rating::ALL
        .iter()
        .map(|r| opt(r.as_str(), lang.coded("event.rating", r.as_str()), ""))
        .collect()
}

/// The registry's departments serving the event's place, to pick from when dispatching or
/// whistling; the category's department (or its district branch) comes first and is preselected.
fn department_opts(
    lang: Lang,
    deps: &[jingzhi_app::departments::Department],
    category_department: Option<&str>,
) -> Vec<Opt> {
    // The nearest department of the category's: its own district branch before the city's.
    let preferred = category_department.and_then(|cd| {
        deps.iter()
            .filter(|d| d.code == cd || d.parent_code.as_deref() == Some(cd))
            .max_by_key(|d| d.node_path.len())
            .map(|d| d.code.clone())
    });
    let mut v: Vec<Opt> = deps
        .iter()
        .map(|d| Opt {
            value: d.code.clone(),
            label: format!(
                "{}{}",
                d.name,
                lang.paren(lang.coded("dept.level", d.level.as_str()))
            ),
            selected: preferred.as_deref() == Some(d.code.as_str()),
        })
        .collect();
    // Nearest jurisdiction first: the district's departments before the city's.
    v.reverse();
    v.sort_by_key(|o| !o.selected);
    v
}

// ---------------------------------------------------------------------------------------------
// List

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub overdue: Option<String>,
    pub source: Option<String>,
    pub under: Option<String>,
    pub before: Option<String>,
    /// `mine` (what is assigned to the caller's kind of handler) or `all`; grid workers and
    /// stewards default to `mine`.
    pub assigned: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub category: String,
    pub status: String,
    pub status_code: &'static str,
    pub description: String,
    pub reported_at: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "events.html")]
pub struct ListPage {
    pub c: Chrome,
    pub title: &'static str,
    pub statuses: Vec<Opt>,
    pub categories: Vec<Opt>,
    pub sources: Vec<Opt>,
    pub overdue: bool,
    pub under: String,
    pub under_name: Option<String>,
    /// Offer the mine/all choice (grid workers and stewards), and its value.
    pub offer_mine: bool,
    pub mine: bool,
    pub rows: Vec<Row>,
    pub first: Option<String>,
    pub next: Option<String>,
    pub can_report: bool,
    pub resident: bool,
}

fn num(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|v| v.trim().parse().ok())
}

fn blank(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_string()
}

pub async fn list(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<ListQuery>,
) -> PageResult {
    let status = blank(&q.status);
    let category = blank(&q.category);
    let source = blank(&q.source);
    let overdue = matches!(blank(&q.overdue).as_str(), "1" | "on" | "true");
    let under = num(&q.under);
    let resident = c.actor.user.role == Role::Resident;
    let offer_mine = matches!(c.actor.user.role, Role::GridWorker | Role::Steward);
    let assigned = blank(&q.assigned);
    let mine = offer_mine && assigned != "all";
    let f = EventFilter {
        status: Status::parse(&status),
        any_of: Status::ALL
            .into_iter()
            .filter(|s| match status.as_str() {
                "" if !resident => s.is_unfinished(),
                "in_hand" => s.is_in_hand(),
                _ => false,
            })
            .collect(),
        category: Some(category.clone()).filter(|c| !c.is_empty()),
        source: Some(source.clone()).filter(|c| !c.is_empty()),
        overdue_at: overdue.then(now_ms),
        assigned_mine: mine,
        ..Default::default()
    };
    let items = s
        .app
        .events()
        .list_under(&c.actor, f, under, num(&q.before), PER_PAGE + 1)
        .await?;
    let page = crate::shared::page(items, PER_PAGE);
    let cats = s.app.events().categories(&c.actor).await?;
    let now = now_ms();
    let base = vec![
        ("status", status.clone()),
        ("category", category.clone()),
        ("source", source.clone()),
        ("overdue", if overdue { "1".into() } else { String::new() }),
        ("under", under.map(|u| u.to_string()).unwrap_or_default()),
        (
            "assigned",
            if offer_mine && !mine {
                "all".into()
            } else {
                String::new()
            },
        ),
    ];
    let link = |before: Option<i64>| {
        let mut p = base.clone();
        if let Some(b) = before {
            p.push(("before", b.to_string()));
        }
        format!("/events?{}", query_string(&p))
    };
    let under_name = match under {
        Some(id) if c.actor.user.role.can(Permission::ReadRegister) => {
            Some(s.app.registry().node_view(&c.actor, id).await?.node.name)
        }
        _ => None,
    };
    let mut categories = vec![opt("", lang.t("events.all_categories"), &category)];
    categories.extend(
        cats.iter()
            .map(|r| opt(&r.category.code, &r.category.name, &category)),
    );
    let mut sources = vec![opt("", lang.t("events.all_sources"), &source)];
    sources.extend(
        SOURCES
            .iter()
            .map(|x| opt(x, &source_label(lang, x), &source)),
    );
    Ok(render(&ListPage {
        c: Chrome::new(&c, lang, "events"),
        title: lang.t(if resident {
            "events.mine"
        } else {
            "nav.events"
        }),
        statuses: status_opts(lang, &status, resident),
        categories,
        sources,
        overdue,
        under: under.map(|u| u.to_string()).unwrap_or_default(),
        under_name,
        offer_mine,
        mine,
        rows: page
            .items
            .iter()
            .map(|e| Row {
                id: e.id,
                category: e.category_name.clone(),
                status: status_label(lang, e.status).into(),
                status_code: e.status.as_str(),
                description: e.description.chars().take(60).collect(),
                reported_at: format_ms(e.reported_at),
                overdue: jingzhi_domain::events::lifecycle::is_overdue(
                    e.status,
                    e.deadline_at,
                    now,
                ),
            })
            .collect(),
        first: q.before.as_ref().map(|_| link(None)),
        next: page.next_before.map(|b| link(Some(b))),
        can_report: c.actor.user.role != Role::Auditor,
        resident,
    }))
}

// ---------------------------------------------------------------------------------------------
// Report form

pub struct QuestionVm {
    pub name: String,
    pub text: String,
    pub required: bool,
    pub choices: Vec<String>,
    pub value: String,
}

pub struct CategoryVm {
    pub code: String,
    pub name: String,
    pub selected: bool,
    pub questions: Vec<QuestionVm>,
}

#[derive(Template)]
#[template(path = "event_new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub form: FormData,
    pub errors: super::FieldErrors,
    /// Every error, at the top: (anchor of the field, its label, reason).
    pub summary: Vec<(String, &'static str, String)>,
    /// Photos were chosen but the report failed: they must be chosen again.
    pub photos_lost: bool,
    /// The answers' error when the chosen category shows no questions (shown under the select).
    pub answers_error_loose: bool,
    pub categories: Vec<CategoryVm>,
    pub urgencies: Vec<Opt>,
    pub resident: bool,
    pub can_search: bool,
    pub map_svg: Option<String>,
    pub place_options: Vec<Opt>,
}

async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    form: FormData,
    errors: super::FieldErrors,
) -> Result<NewPage, PageError> {
    let cats = s.app.events().categories(&c.actor).await?;
    let current = form.get("category").to_string();
    let categories = cats
        .iter()
        .filter(|r| r.active)
        .map(|r| CategoryVm {
            code: r.category.code.clone(),
            name: r.category.name.clone(),
            selected: r.category.code == current,
            questions: r
                .category
                .questions
                .iter()
                .map(|q| {
                    let name = format!("answer.{}.{}", r.category.code, q.code);
                    QuestionVm {
                        value: form.get(&name).to_string(),
                        name,
                        text: q.text.clone(),
                        required: q.required,
                        choices: q.choices.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    let u = form.get("urgency");
    let u = if u.is_empty() { "ordinary" } else { u };
    let urgencies = Urgency::ALL
        .iter()
        .map(|x| opt(x.as_str(), lang.coded("event.urgency", x.as_str()), u))
        .collect();
    let can_search = c.actor.user.role.can(Permission::ReadRegister);
    // Residents too: the map of their own place holds no household data (see `report_map`).
    let map_svg = match s.app.registry().report_map(&c.actor).await {
        Ok(m) => map::svg(&m, lang),
        Err(_) => None,
    };
    let place = form.get("node_id").to_string();
    let place_options = if place.is_empty() {
        vec![]
    } else {
        vec![opt(&place, form.get("node_name"), &place)]
    };
    let has_questions = cats
        .iter()
        .any(|r| r.category.code == current && !r.category.questions.is_empty());
    let summary = errors
        .0
        .iter()
        .map(|(f, reason)| {
            let (anchor, label) = match f.as_str() {
                "category" => ("category".to_string(), lang.t("report.category")),
                "answers" if has_questions => (format!("q-{current}"), lang.t("report.answers")),
                "answers" => ("category".to_string(), lang.t("report.answers")),
                "urgency" => ("urgency".to_string(), lang.t("col.urgency")),
                "description" => ("description".to_string(), lang.t("report.description")),
                "photos" => ("photos".to_string(), lang.t("report.photos_short")),
                "node_id" | "x" | "y" => ("place".to_string(), lang.t("col.location")),
                _ => (String::new(), ""),
            };
            (anchor, label, reason.clone())
        })
        .collect();
    Ok(NewPage {
        c: Chrome::new(c, lang, "events"),
        summary,
        photos_lost: form.get("photos_given") == "1" && !errors.is_empty(),
        answers_error_loose: !has_questions,
        form,
        errors,
        categories,
        urgencies,
        resident: c.actor.user.role == Role::Resident,
        can_search,
        map_svg,
        place_options,
    })
}

/// `?from_proposal=ID`: staff report a proposal as an event (it is really a complaint).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    pub from_proposal: Option<i64>,
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<NewQuery>,
) -> PageResult {
    if c.actor.user.role == Role::Auditor {
        return Err(PageError::forbidden());
    }
    // From a proposal: its text prefilled, and the link made when the event is filed.
    let form = match q.from_proposal {
        Some(pid) => {
            let v = s.app.participation().proposal_view(&c.actor, pid).await?;
            if !v.may_answer {
                return Err(PageError::forbidden());
            }
            FormData(vec![
                (
                    "description".into(),
                    format!("{}\n{}", v.proposal.title, v.proposal.body),
                ),
                ("from_proposal".into(), pid.to_string()),
            ])
        }
        None => FormData::default(),
    };
    Ok(render(
        &new_page(&s, &c, lang, form, Default::default()).await?,
    ))
}

/// A multipart form: its text fields and its files.
pub(crate) async fn multipart_form(
    s: &AppState,
    req: Request,
) -> Result<(FormData, Vec<Upload>), PageError> {
    let mut form = Multipart::from_request(req, s)
        .await
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::new(e.status(), format!("上传失败：{}", e.body_text()))
    };
    let (mut fields, mut files) = (vec![], vec![]);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(bad)?;
                // A file input left empty sends an empty part without a name.
                if !(bytes.is_empty() && file_name.is_empty()) {
                    files.push(Upload {
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => fields.push((name, field.text().await.map_err(bad)?)),
        }
    }
    Ok((FormData(fields), files))
}

fn float(f: &FormData, k: &str) -> Result<Option<f64>, AppError> {
    match f.opt(k) {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .map(Some)
            .map_err(|_| AppError::invalid("x", "坐标无效")),
    }
}

pub async fn new(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    req: Request,
) -> PageResult {
    let (mut f, photos) = multipart_form(&s, req).await?;
    c.check_csrf(f.get("csrf"))?;
    if !photos.is_empty() {
        f.0.push(("photos_given".into(), "1".into()));
    }
    let category = f.get("category").trim().to_string();
    let prefix = format!("answer.{category}.");
    let answers: serde_json::Map<String, serde_json::Value> = f
        .0
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix(&prefix)?;
            (!v.trim().is_empty()).then(|| (code.to_string(), serde_json::Value::String(v.clone())))
        })
        .collect();
    let result = async {
        let input = ReportInput {
            category,
            urgency: f.opt("urgency"),
            description: f.get("description").to_string(),
            node_id: match f.get("place_mode") {
                "map" => None,
                _ => f.opt("node_id").and_then(|v| v.parse().ok()),
            },
            answers: Some(answers).filter(|a| !a.is_empty()),
            x: if f.get("place_mode") == "map" {
                float(&f, "x")?
            } else {
                None
            },
            y: if f.get("place_mode") == "map" {
                float(&f, "y")?
            } else {
                None
            },
        };
        if f.get("place_mode") == "map" && (input.x.is_none() || input.y.is_none()) {
            return Err(AppError::invalid("x", "请在地图上点选位置"));
        }
        s.app.events().report_with(&c.actor, &input, &photos).await
    }
    .await;
    match result {
        // From a proposal: the proposal becomes this event (both link to each other).
        Ok(e) if f.opt("from_proposal").is_some() => {
            let pid: i64 = f.get("from_proposal").trim().parse().unwrap_or(0);
            if let Err(err) = s
                .app
                .participation()
                .proposal_to_event(&c.actor, pid, e.id)
                .await
            {
                // The event stands (the complaint is handled); the proposal says why not.
                tracing::warn!(error = %err, proposal = pid, event = e.id, "proposal not linked");
            }
            Ok(Redirect::to(&format!("/events/{}", e.id)).into_response())
        }
        // The confirmation page: number, handler, deadline, how they are told.
        Ok(e) => Ok(Redirect::to(&format!("/events/{}/submitted", e.id)).into_response()),
        Err(e) => {
            let (status, errors) = super::FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &new_page(&s, &c, lang, f, errors).await?,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlacesQuery {
    pub q: String,
}

/// `<option>`s of the buildings and grids matching a search (htmx fragment of the report form).
pub async fn places(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<PlacesQuery>,
) -> PageResult {
    let mut html = String::new();
    if q.q.trim().chars().count() >= 1 {
        let mut found = s
            .app
            .registry()
            .search_nodes(
                &c.actor,
                &q.q,
                Some(jingzhi_domain::registry::NodeKind::Building),
                20,
            )
            .await?;
        found.extend(
            s.app
                .registry()
                .search_nodes(
                    &c.actor,
                    &q.q,
                    Some(jingzhi_domain::registry::NodeKind::Grid),
                    10,
                )
                .await?,
        );
        for n in found {
            html.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                n.id,
                super::escape(&n.name)
            ));
        }
    }
    if html.is_empty() {
        html.push_str(&format!(
            "<option value=\"\">{}</option>",
            super::escape(lang.t("report.places_none"))
        ));
    }
    Ok(Html(html).into_response())
}

// ---------------------------------------------------------------------------------------------
// Detail

pub struct PhotoVm {
    pub url: String,
    pub name: String,
}

pub struct StepVm {
    pub at: String,
    /// Display name and role (never a login name).
    pub actor: String,
    /// An internal note (内部备注): staff only.
    pub internal: bool,
    pub label: String,
    pub change: String,
    pub note: String,
    pub photos: Vec<PhotoVm>,
}

pub struct DeptVm {
    pub code: String,
    pub name: String,
    pub status: &'static str,
    pub reported_in_at: String,
    pub task: String,
    pub task_done_at: String,
    pub rating: String,
    pub can_report_in: bool,
    pub can_complete: bool,
    pub can_rate: bool,
}

pub struct WhistleVm {
    pub id: i64,
    pub status: &'static str,
    pub reason: String,
    pub blown_by: String,
    pub blown_at: String,
    pub deadline: String,
    pub inspection: Option<(String, String, String, String)>,
    pub can_inspect: bool,
    pub depts: Vec<DeptVm>,
}

#[derive(Template)]
#[template(path = "event.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub id: i64,
    pub category: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub urgency: &'static str,
    pub source: String,
    pub reporter: String,
    pub description: String,
    pub answers: Vec<(String, String)>,
    pub place_id: i64,
    pub place_link: bool,
    pub point: Option<String>,
    /// The 12345 hotline's own ticket number, for events imported from it.
    pub hotline_ticket: Option<String>,
    /// The hotline call's time (来电时间).
    pub called_at: Option<String>,
    /// The deadline counts from the call (the hotline gave no 办理时限 of its own).
    pub deadline_from_call: bool,
    /// Residents who said "我也遇到了".
    pub supporters: i64,
    /// The caller is a resident who joined it (not its reporter): minimal facts only.
    pub supporter_view: bool,
    /// The place's name, for those who may not follow the link into the register.
    pub place_name: String,
    /// Just joined (`?joined=1`).
    pub joined: bool,
    /// Staff may add an internal note.
    pub can_note: bool,
    /// Load the likely duplicates (`/events/{id}/duplicates`) for staff who may merge.
    pub show_duplicates: bool,
    pub reported_at: String,
    pub deadline_at: String,
    pub overdue: bool,
    pub result: String,
    pub invalid_reason: String,
    pub rating: String,
    pub reopened: u32,
    pub escalations: u32,
    pub photos: Vec<PhotoVm>,
    pub handlers: Vec<(String, String, String)>,
    pub timeline: Vec<StepVm>,
    /// The commands the caller may give, in the order shown (`page_commands`).
    pub actions: Vec<&'static str>,
    /// How many of `actions` are in view; the rest are behind "更多操作".
    pub actions_lead: usize,
    pub whistles: Vec<WhistleVm>,
    pub can_whistle: bool,
    /// Registry departments serving the event's place (dispatch and whistle pickers).
    pub departments: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub ratings: Vec<Opt>,
    /// The form that failed (`accept`, `whistle`, `w12-report-in`, …) and why.
    pub error_form: String,
    pub errors: Vec<String>,
    pub form: FormData,
    /// Proposals linked to it: (id, title, the proposal became this event).
    pub proposals: Vec<(i64, String, bool)>,
    /// Staff of the place may turn it into a proposal (a resident reported it; once).
    pub may_propose: bool,
}

impl DetailPage {
    pub fn has(&self, a: &str) -> bool {
        self.actions.contains(&a)
    }

    pub fn action_label(&self, a: &str) -> &'static str {
        self.c.lang.coded("event.command", a)
    }

    pub fn failed(&self, form: &str) -> bool {
        self.error_form == form
    }

    /// The commands behind "更多操作", and whether one of them just failed (then it opens).
    pub fn more_actions(&self) -> &[&'static str] {
        &self.actions[self.actions_lead.min(self.actions.len())..]
    }

    pub fn more_open(&self) -> bool {
        self.more_actions().contains(&self.error_form.as_str())
    }

    /// The question a destructive command asks before it is given (`data-confirm`, app.js).
    pub fn confirm_text(&self, a: &str) -> &'static str {
        match a {
            "invalidate" | "send_back" => self.c.lang.coded("event.confirm", a),
            _ => "",
        }
    }

    /// Errors of a form the page no longer shows (the state moved on): shown at the top.
    pub fn top_errors(&self) -> bool {
        !self.errors.is_empty()
            && if self.error_form == "whistle" {
                !self.can_whistle
            } else if self.error_form == "note" {
                !self.can_note
            } else if self.error_form.starts_with('w') && self.error_form.contains('-') {
                false
            } else {
                !self.actions.contains(&self.error_form.as_str())
            }
    }
}

fn photo_vm(event_id: i64, a: &AttachmentMeta) -> PhotoVm {
    PhotoVm {
        url: format!("/events/{event_id}/photos/{}", a.id),
        name: a.file_name.clone(),
    }
}

fn step_label(lang: Lang, command: &str) -> String {
    match command {
        "report" | "whistle" | "attach" | "note" => lang.coded("event.step", command).into(),
        c if CommandKind::ALL.iter().any(|k| k.as_str() == c) => {
            lang.coded("event.command", c).into()
        }
        c => c.to_string(),
    }
}

fn status_of(lang: Lang, s: &str) -> &'static str {
    Status::parse(s)
        .map(|s| status_label(lang, s))
        .unwrap_or("")
}

async fn detail_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    v: EventView,
    error_form: &str,
    errors: Vec<String>,
    form: FormData,
) -> Result<DetailPage, PageError> {
    let role = c.actor.user.role;
    let e = &v.event;
    let cats = s.app.events().categories(&c.actor).await?;
    let cat = cats.iter().find(|r| r.category.code == e.category_code);
    let answers = e
        .answers
        .as_ref()
        .and_then(|a| a.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, val)| {
                    let q = cat
                        .and_then(|r| r.category.questions.iter().find(|q| &q.code == k))
                        .map(|q| q.text.clone())
                        .unwrap_or_else(|| k.clone());
                    (q, val.as_str().unwrap_or_default().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let report_tid = v.timeline.first().map(|t| t.id);
    let timeline = v
        .timeline
        .iter()
        .map(|t| StepVm {
            at: format_ms(t.at),
            actor: match t.actor_role.as_deref().and_then(Role::parse) {
                _ if t.actor_id.is_some() && t.actor_id == Some(c.actor.user.id) => {
                    lang.t("event.self").into()
                }
                Some(r) => format!("{}{}", t.actor_name, lang.paren(role_label(lang, r))),
                None => t.actor_name.clone(),
            },
            internal: t.internal,
            label: step_label(lang, &t.command),
            change: match &t.from_status {
                Some(f) if *f != t.to_status => {
                    format!("{} → {}", status_of(lang, f), status_of(lang, &t.to_status))
                }
                None => status_of(lang, &t.to_status).to_string(),
                _ => String::new(),
            },
            note: t.note.clone().unwrap_or_default(),
            photos: v
                .attachments
                .iter()
                .filter(|a| a.transition_id == Some(t.id))
                .map(|a| photo_vm(e.id, a))
                .collect(),
        })
        .collect();
    // The likely next step first and in view, the others behind "更多操作" (destructive last).
    let supporter_view = role == Role::Resident && e.reporter_user_id != Some(c.actor.user.id);
    let may = actions::event_actions(role, e.status, supporter_view);
    let actions: Vec<&'static str> = may.commands.iter().map(|k| k.as_str()).collect();
    let actions_lead = may.lead;
    let manager = role.is_manager();
    let own_department = c.actor.user.department.as_deref();
    let codes: Vec<String> = v
        .whistles
        .iter()
        .flat_map(|w| w.whistle.departments.iter().map(|d| d.department.clone()))
        .collect();
    let dept_names = s.app.departments().names(&codes).await?;
    let dept_name = |code: &str| {
        dept_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    let whistles = v
        .whistles
        .iter()
        .map(|w| WhistleVm {
            id: w.id,
            status: lang.coded("event.whistle", w.whistle.status.as_str()),
            reason: w.reason.clone(),
            blown_by: w.blown_by.clone(),
            blown_at: format_ms(w.whistle.blown_at),
            deadline: format_ms(w.whistle.report_in_deadline),
            inspection: w.inspection.as_ref().map(|i| {
                (
                    format_ms(i.at),
                    i.participants.clone(),
                    i.findings.clone(),
                    i.solution.clone(),
                )
            }),
            can_inspect: actions::may_inspect(role, w.whistle.status, w.inspection.is_some()),
            depts: w
                .whistle
                .departments
                .iter()
                .map(|d| {
                    let may =
                        actions::department_actions(role, own_department, &d.department, d.status);
                    DeptVm {
                        code: d.department.clone(),
                        name: dept_name(&d.department),
                        status: lang.coded("event.dept", d.status.as_str()),
                        reported_in_at: d
                            .reported_in_at
                            .map(|t| {
                                let late = if t > w.whistle.report_in_deadline {
                                    lang.t("event.late")
                                } else {
                                    ""
                                };
                                format!("{}{late}", format_ms(t))
                            })
                            .unwrap_or_default(),
                        task: d.task.clone().unwrap_or_default(),
                        task_done_at: d.task_done_at.map(format_ms).unwrap_or_default(),
                        rating: d
                            .rating
                            .map(|r| lang.coded("event.rating", r.as_str()).to_string())
                            .unwrap_or_default(),
                        can_report_in: may.report_in,
                        can_complete: may.complete,
                        can_rate: may.rate,
                    }
                })
                .collect(),
        })
        .collect();
    let (hotline_ticket, called_at, deadline_from_call) =
        if e.source == "hotline" && role != Role::Resident {
            match s.app.hotline().ticket_of_event(&c.actor, e.id).await? {
                Some(t) => (
                    Some(t.ticket_no),
                    Some(format_ms(t.called_at)),
                    t.due_at.is_none(),
                ),
                None => (None, None, false),
            }
        } else {
            (None, None, false)
        };
    let place_name = if role.can(Permission::ReadRegister) {
        String::new()
    } else {
        s.app.report().event_place_name(&c.actor, e.id).await?
    };
    let proposals = s
        .app
        .participation()
        .proposals_of_event(&c.actor, e.id)
        .await
        .unwrap_or_default();
    let may_propose = c.actor.user.role.is_manager()
        && e.reporter_user_id.is_some()
        && e.source == "resident"
        && !proposals.iter().any(|p| !p.2);
    Ok(DetailPage {
        proposals,
        may_propose,
        c: Chrome::new(c, lang, "events"),
        hotline_ticket,
        called_at,
        deadline_from_call,
        supporters: v.supporters,
        supporter_view,
        place_name,
        joined: form.get("joined") == "1",
        can_note: may.note,
        show_duplicates: may.merge,
        id: e.id,
        category: e.category_name.clone(),
        status: status_label(lang, e.status),
        status_code: e.status.as_str(),
        urgency: lang.coded("event.urgency", e.urgency.as_str()),
        source: source_label(lang, &e.source),
        reporter: e.reporter_name.clone(),
        description: e.description.clone(),
        answers,
        place_id: e.node_id,
        place_link: role.can(Permission::ReadRegister),
        point: match (e.x, e.y) {
            (Some(x), Some(y)) => Some(format!("{x:.5}, {y:.5}")),
            _ => None,
        },
        reported_at: format_ms(e.reported_at),
        deadline_at: format_ms(e.deadline_at),
        overdue: v.overdue,
        result: e.result.clone().unwrap_or_default(),
        invalid_reason: e.invalid_reason.clone().unwrap_or_default(),
        rating: e
            .rating
            .map(|r| lang.coded("event.rating", r.as_str()).to_string())
            .unwrap_or_default(),
        reopened: e.reopened,
        escalations: e.escalations,
        photos: v
            .attachments
            .iter()
            .filter(|a| a.transition_id == report_tid)
            .map(|a| photo_vm(e.id, a))
            .collect(),
        handlers: v
            .handlers
            .iter()
            .map(|h| {
                (
                    lang.t(match h.role.as_str() {
                        "lead" => "event.role.lead",
                        "co_handler" => "event.role.co_handler",
                        _ => "event.role.notified",
                    })
                    .to_string(),
                    HandlerKind::parse(&h.handler_kind)
                        .map(|k| lang.coded("event.handler", k.as_str()))
                        .unwrap_or("")
                        .to_string(),
                    h.handler_name.clone(),
                )
            })
            .collect(),
        timeline,
        actions,
        actions_lead,
        whistles,
        can_whistle: may.whistle,
        departments: if manager {
            let deps = s.app.departments().list(&c.actor, Some(e.node_id)).await?;
            let cat_dept = cats
                .iter()
                .find(|x| x.category.code == e.category_code)
                .and_then(|x| x.category.department.clone());
            department_opts(lang, &deps, cat_dept.as_deref())
        } else {
            vec![]
        },
        kinds: handler_kind_opts(lang, form.get("lead_kind")),
        ratings: rating_opts(lang),
        error_form: error_form.to_string(),
        errors,
        form,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    pub joined: Option<String>,
}

pub async fn detail(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<String>,
    UrlQuery(q): UrlQuery<DetailQuery>,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let v = s.app.events().view(&c.actor, id).await?;
    let form = FormData(
        q.joined
            .map(|j| vec![("joined".to_string(), j)])
            .unwrap_or_default(),
    );
    Ok(render(
        &detail_page(&s, &c, lang, v, "", vec![], form).await?,
    ))
}

/// Show the detail page again with a form's errors (422), or the error page for the rest.
pub(crate) async fn again(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    form_name: &str,
    e: AppError,
    form: FormData,
) -> PageResult {
    let (status, errors) = super::FieldErrors::from_app(e)?;
    let v = s.app.events().view(&c.actor, id).await?;
    let msgs = errors.0.into_iter().map(|(_, r)| r).collect();
    Ok(render_status(
        status,
        &detail_page(s, c, lang, v, form_name, msgs, form).await?,
    ))
}

/// Every non-blank value of a repeated form field (a multiple select).
fn picked(f: &FormData, name: &str) -> Vec<String> {
    f.0.iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// Departments picked in a multiple select (`name` repeated), as department handlers.
fn departments_picked(f: &FormData, name: &str) -> Vec<HandlerInput> {
    picked(f, name)
        .into_iter()
        .map(|code| HandlerInput {
            kind: "department".into(),
            name: String::new(),
            code: Some(code),
        })
        .collect()
}

pub async fn act(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path((id, command)): Path<(String, String)>,
    req: Request,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let command_kind = CommandKind::parse(&command).ok_or_else(PageError::not_found)?;
    let (f, photos) = multipart_form(&s, req).await?;
    c.check_csrf(f.get("csrf"))?;
    let b = CommandInput {
        note: f.opt("note"),
        reason: f.opt("reason"),
        result: f.opt("result"),
        rating: f.opt("rating"),
        comment: f.opt("comment"),
        into: f.opt("into").and_then(|v| v.parse().ok()),
        // A department is picked from the registry; another kind of handler is named.
        lead: match f.opt("lead_kind").as_deref().unwrap_or("department") {
            "department" => f.opt("lead_code").map(|code| HandlerInput {
                kind: "department".into(),
                name: String::new(),
                code: Some(code),
            }),
            kind => f.opt("lead_name").map(|name| HandlerInput {
                kind: kind.to_string(),
                name,
                code: None,
            }),
        },
        co_handlers: departments_picked(&f, "co_code"),
        notified: departments_picked(&f, "notified_code"),
    };
    let result = async {
        let cmd = b.command(command_kind)?;
        let note = b.note(command_kind);
        s.app
            .events()
            .command_with(&c.actor, id, &cmd, note.as_deref(), &photos)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(e) => again(&s, &c, lang, id, &command, e, f).await,
    }
}

pub async fn photo(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let (Ok(id), Ok(aid)) = (id.parse::<i64>(), aid.parse::<i64>()) else {
        return Err(PageError::not_found());
    };
    let (meta, bytes) = s.app.events().attachment(&c.actor, id, aid).await?;
    Ok(crate::shared::photo_response(&meta, bytes))
}

pub async fn whistle_blow(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s
        .app
        .events()
        .blow_whistle(&c.actor, id, &picked(&f, "departments"), f.get("reason"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}#whistles")).into_response()),
        Err(e) => again(&s, &c, lang, id, "whistle", e, f).await,
    }
}

/// `datetime-local` (Beijing time) to ms.
fn local_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (d, t) = s.split_once('T')?;
    let date = jingzhi_domain::time_fmt::parse_date(d)?;
    let mut hm = t.split(':');
    let h: u8 = hm.next()?.parse().ok()?;
    let m: u8 = hm.next()?.parse().ok()?;
    let time = time::Time::from_hms(h, m, 0).ok()?;
    let dt = time::PrimitiveDateTime::new(date, time)
        .assume_offset(time::UtcOffset::from_hms(8, 0, 0).ok()?);
    Some(dt.unix_timestamp() * 1000)
}

pub async fn whistle_step(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path((id, wid, step)): Path<(String, String, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let (Ok(id), Ok(wid)) = (id.parse::<i64>(), wid.parse::<i64>()) else {
        return Err(PageError::not_found());
    };
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let dept = f.get("department").trim().to_string();
    let result = match step.as_str() {
        "report-in" => s.app.events().report_in(&c.actor, wid, &dept).await,
        "complete" => {
            s.app
                .events()
                .complete_whistle_task(&c.actor, wid, &dept)
                .await
        }
        "rate" => match Rating::parse(f.get("rating")) {
            Some(r) => {
                s.app
                    .events()
                    .rate_department(&c.actor, wid, &dept, r)
                    .await
            }
            None => Err(AppError::invalid("rating", "请选择评价")),
        },
        "inspection" => {
            let tasks =
                f.0.iter()
                    .filter_map(|(k, v)| {
                        let d = k.strip_prefix("task.")?;
                        Some((d.to_string(), v.clone()))
                    })
                    .collect();
            let at = match f.opt("at") {
                None => Ok(None),
                Some(v) => local_ms(&v)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid("at", "踏勘时间格式有误")),
            };
            match at {
                Ok(at) => {
                    s.app
                        .events()
                        .record_inspection(
                            &c.actor,
                            wid,
                            &InspectionInput {
                                at,
                                participants: f.get("participants").to_string(),
                                findings: f.get("findings").to_string(),
                                solution: f.get("solution").to_string(),
                                tasks,
                            },
                        )
                        .await
                }
                Err(e) => Err(e),
            }
        }
        _ => return Err(PageError::not_found()),
    };
    match result {
        Ok(w) => Ok(Redirect::to(&format!("/events/{}#whistle-{wid}", w.event_id)).into_response()),
        Err(e) => again(&s, &c, lang, id, &format!("w{wid}-{step}"), e, f).await,
    }
}

/// Staff turn a resident's event into a proposal of its community (it needs a collective
/// decision): to the proposal's page, or the event's page with the reason.
pub async fn to_proposal(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s
        .app
        .participation()
        .event_to_proposal(&c.actor, id, None)
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!("/proposals/{}", p.id)).into_response()),
        Err(e) => again(&s, &c, lang, id, "to-proposal", e, f).await,
    }
}
