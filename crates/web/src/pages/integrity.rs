//! `/integrity`: the integrity index (诚信指数, docs/integrity.md). Staff: subjects and their
//! scores, recording with evidence, appeals to review, agreements, projects and deliveries,
//! rewards, the catalogue. A resident: their own score and the shops or work they act for,
//! appeals, adopting a project. The public: a community's honour board and a business's page
//! with every record's proof (`/public/integrity/…`, no login). Everything a person picks (an
//! item, a merchant, a platform, a community, a subject) is a list.

use super::events::multipart_form;
use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::integrity::{
    AgreementInput, Choices, HonourBoard, ProjectInput, ProjectView, Record, RecordInput,
    RewardInput, SubjectInput, SubjectView,
};
use jingzhi_app::AppError;
use jingzhi_domain::auth::Role;
use jingzhi_domain::integrity::{AppealState, RecordState, Rules, SubjectKind};
use jingzhi_domain::time_fmt::{format_ms, now_ms};

pub fn router() -> Router<AppState> {
    let upload = axum::extract::DefaultBodyLimit::max(crate::shared::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/integrity", get(index).post(create_subject))
        .route("/integrity/mine", get(mine))
        .route("/integrity/export.xlsx", get(export_subjects))
        .route("/integrity/subjects/{id}", get(subject))
        .route(
            "/integrity/subjects/{id}/records",
            post(record).layer(upload),
        )
        .route("/integrity/subjects/{id}/agreements", post(agreement))
        .route("/integrity/subjects/{id}/operators", post(operator))
        .route("/integrity/records/{id}/appeal", post(appeal))
        .route("/integrity/records/{id}/review", post(review))
        .route("/integrity/records/{id}/evidence", get(evidence))
        .route("/integrity/appeals", get(appeals))
        .route("/integrity/projects", get(projects).post(create_project))
        .route("/integrity/projects/{id}", get(project))
        .route("/integrity/projects/{id}/adopt", post(adopt))
        .route("/integrity/adoptions/{id}/deliveries", post(deliver))
        .route("/integrity/deliveries/{id}/confirm", post(confirm))
        .route("/integrity/rewards", get(rewards).post(create_reward))
        .route("/integrity/rewards/{id}/grants", post(grant))
        .route(
            "/integrity/catalogue",
            get(catalogue).post(import).layer(upload),
        )
        .route("/integrity/catalogue/export.xlsx", get(export))
        .route("/integrity/rules", post(rules))
        .route("/public/integrity/{community}", get(honour))
        .route("/public/integrity/subjects/{id}", get(public_subject))
        .route(
            "/public/integrity/records/{id}/evidence",
            get(public_evidence),
        )
}

fn kind_key(k: SubjectKind) -> &'static str {
    match k {
        SubjectKind::Merchant => "integrity.kind.merchant",
        SubjectKind::Resident => "integrity.kind.resident",
        SubjectKind::Worker => "integrity.kind.worker",
        SubjectKind::Platform => "integrity.kind.platform",
    }
}

/// "★★★☆☆"
pub fn star_text(n: u8) -> String {
    (0..5).map(|i| if i < n { '★' } else { '☆' }).collect()
}

pub struct SubjectRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub place: String,
    pub score: i64,
    pub stars: String,
}

fn subject_row(rules: &Rules, s: jingzhi_app::integrity::Subject) -> SubjectRow {
    let score = rules.base + s.points;
    SubjectRow {
        id: s.id,
        kind: kind_key(s.kind),
        place: s
            .building_name
            .clone()
            .map_or(s.node_name.clone(), |b| format!("{} · {b}", s.node_name)),
        score,
        stars: star_text(rules.stars_of(score)),
        name: s.name,
    }
}

#[derive(Template)]
#[template(path = "integrity/list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub rows: Vec<SubjectRow>,
    pub kind: String,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub may_record: bool,
    pub choices: Choices,
    pub message: Option<String>,
    pub form: FormData,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    SubjectKind::ALL
        .into_iter()
        .map(|k| (k.as_str(), kind_key(k)))
        .collect()
}

fn may_record(c: &Caller) -> bool {
    c.actor.user.role.is_manager() || c.actor.user.role == Role::GridWorker
}

#[derive(serde::Deserialize, Default)]
pub struct KindQ {
    kind: Option<String>,
}

async fn list_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    kind: &str,
    message: Option<String>,
    form: FormData,
) -> Result<ListPage, PageError> {
    let (rules, list) = s.app.integrity().subjects(&c.actor, Some(kind)).await?;
    let may = may_record(c);
    let choices = if may {
        s.app.integrity().choices(&c.actor).await?
    } else {
        Choices::default()
    };
    Ok(ListPage {
        c: Chrome::new(c, lang, "integrity"),
        rows: list.into_iter().map(|x| subject_row(&rules, x)).collect(),
        kind: kind.to_string(),
        kinds: kinds(),
        may_record: may,
        choices,
        message,
        form,
    })
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<KindQ>,
) -> PageResult {
    if c.actor.user.role == Role::Resident {
        return Ok(Redirect::to("/integrity/mine").into_response());
    }
    let kind = q.kind.unwrap_or_default();
    Ok(render(
        &list_page(&s, &c, lang, &kind, None, FormData(vec![])).await?,
    ))
}

fn opt_id(f: &FormData, k: &str) -> Option<i64> {
    f.get(k).trim().parse().ok()
}

pub async fn create_subject(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .create_subject(
            &c.actor,
            &SubjectInput {
                kind: f.get("kind").to_string(),
                merchant_id: opt_id(&f, "merchant_id"),
                resident_id: opt_id(&f, "resident_id"),
                node_id: opt_id(&f, "node_id"),
                name: f.get("name").to_string(),
                phone: f.get("phone").to_string(),
                platform_id: opt_id(&f, "platform_id"),
            },
        )
        .await;
    match r {
        Ok(x) => Ok(Redirect::to(&format!("/integrity/subjects/{}", x.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &list_page(&s, &c, lang, "", Some(message), f).await?,
            ))
        }
    }
}

#[derive(Clone)]
pub struct RecordRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub theme: String,
    pub points: String,
    pub plus: bool,
    pub occurred_on: String,
    pub expires_on: String,
    pub note: String,
    pub reversed: bool,
    pub recorded: String,
    pub has_evidence: bool,
    pub agreement_id: Option<i64>,
    pub from_project: bool,
    pub log_index: Option<u64>,
    /// `integrity.appeal.open|upheld|reversed`
    pub appeal: Option<&'static str>,
    pub appeal_reason: String,
    pub review: Option<String>,
    pub appeal_log_index: Option<u64>,
    /// The caller may appeal it now (who acts for the subject, in the window, not yet appealed).
    pub may_appeal: bool,
    pub appeal_until: String,
    /// The caller may review its open appeal (a manager, not its recorder).
    pub may_review: bool,
}

fn appeal_key(s: AppealState) -> &'static str {
    match s {
        AppealState::Open => "integrity.appeal.open",
        AppealState::Upheld => "integrity.appeal.upheld",
        AppealState::Reversed => "integrity.appeal.reversed",
    }
}

fn record_row(c: Option<&Caller>, v: &SubjectView, r: Record) -> RecordRow {
    let now = now_ms();
    let until = v
        .appeal_until
        .iter()
        .find(|(i, _)| *i == r.id)
        .map_or(0, |(_, t)| *t);
    let is_manager = c.is_some_and(|c| c.actor.user.role.is_manager());
    let me = c.and_then(|c| c.actor.audit_id());
    RecordRow {
        id: r.id,
        points: format!("{:+}", r.points),
        plus: r.points > 0,
        reversed: r.state == RecordState::Reversed,
        recorded: format!("{} · {}", format_ms(r.recorded_at), r.recorded_by_name),
        has_evidence: r.evidence_type.is_some(),
        from_project: r.adoption_id.is_some(),
        log_index: v
            .log_index
            .iter()
            .find(|(i, _)| *i == r.id)
            .map(|(_, x)| *x),
        appeal: r.appeal.as_ref().map(|a| appeal_key(a.state)),
        appeal_reason: r
            .appeal
            .as_ref()
            .map(|a| a.reason.clone())
            .unwrap_or_default(),
        review: r.appeal.as_ref().and_then(|a| {
            a.reviewed_at.map(|t| {
                format!(
                    "{} · {} · {}",
                    format_ms(t),
                    a.reviewed_by_name.clone().unwrap_or_default(),
                    a.review_reason.clone().unwrap_or_default()
                )
            })
        }),
        appeal_log_index: r.appeal.as_ref().and_then(|a| {
            v.appeal_index
                .iter()
                .find(|(i, _)| *i == a.id)
                .map(|(_, x)| *x)
        }),
        may_appeal: v.acts_for
            && r.points < 0
            && r.appeal.is_none()
            && r.state == RecordState::Counted
            && now <= until,
        appeal_until: if until > 0 {
            format_ms(until)
        } else {
            String::new()
        },
        may_review: is_manager
            && r.recorded_by != me
            && r.appeal
                .as_ref()
                .is_some_and(|a| a.state == AppealState::Open),
        code: r.item_code,
        title: r.item_title,
        theme: r.item_theme,
        occurred_on: r.occurred_on,
        expires_on: r.expires_on,
        note: r.note,
        agreement_id: r.agreement_id,
    }
}

#[derive(Template)]
#[template(path = "integrity/subject.html")]
pub struct SubjectPage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub public: bool,
    pub place: String,
    pub code: String,
    pub licence: Option<String>,
    pub association: Option<String>,
    pub platform: Option<String>,
    pub score: i64,
    pub stars: String,
    pub star_count: u8,
    pub thresholds: String,
    pub records: Vec<RecordRow>,
    pub view: SubjectView,
    pub may_record: bool,
    /// (code, "P001 · title (+5)") of the items that apply.
    pub items: Vec<(String, String)>,
    pub message: Option<String>,
    pub form: FormData,
}

async fn subject_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
    form: FormData,
) -> Result<SubjectPage, PageError> {
    let v = s.app.integrity().subject(&c.actor, id).await?;
    let items = if v.may_record {
        s.app
            .integrity()
            .catalogue(None)
            .await?
            .1
            .into_iter()
            .filter(|i| i.item.applies_to(v.subject.kind))
            .map(|i| {
                (
                    i.item.code.clone(),
                    format!("{} · {}（{:+}）", i.item.code, i.item.title, i.item.points),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SubjectPage {
        c: Chrome::new(c, lang, "integrity"),
        id: v.subject.id,
        name: v.subject.name.clone(),
        kind: kind_key(v.subject.kind),
        public: v.subject.kind.public_name(),
        place: v.subject.node_name.clone(),
        code: v.code.clone(),
        licence: v.subject.licence_number.clone(),
        association: v.subject.association_name.clone(),
        platform: v.subject.platform_name.clone(),
        score: v.score,
        stars: star_text(v.stars),
        star_count: v.stars,
        thresholds: v.rules.stars_text(),
        records: v
            .records
            .clone()
            .into_iter()
            .map(|r| record_row(Some(c), &v, r))
            .collect(),
        may_record: v.may_record,
        items,
        message,
        form,
        view: v,
    })
}

pub async fn subject(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(
        &subject_page(&s, &c, lang, id, None, FormData(vec![])).await?,
    ))
}

/// After an action on a subject: its page, or the page with the reason.
async fn back_to_subject(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
    form: FormData,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/integrity/subjects/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &subject_page(s, c, lang, id, Some(message), form).await?,
            ))
        }
    }
}

pub async fn record(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    req: Request,
) -> PageResult {
    let (f, files) = multipart_form(&s, req).await?;
    c.check_csrf(f.get("csrf"))?;
    let input = RecordInput {
        item_code: f.get("item_code").to_string(),
        occurred_on: f.get("occurred_on").to_string(),
        note: f.get("note").to_string(),
        agreement_id: opt_id(&f, "agreement_id"),
        evidence: files.into_iter().next().map(|v| v.bytes),
    };
    let r = s
        .app
        .integrity()
        .record(&c.actor, id, &input)
        .await
        .map(|_| ());
    back_to_subject(&s, &c, lang, id, r, f).await
}

pub async fn agreement(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .create_agreement(
            &c.actor,
            id,
            &AgreementInput {
                title: f.get("title").to_string(),
                terms: f.get("terms").to_string(),
                signatories: f.get("signatories").to_string(),
                starts_on: f.get("starts_on").to_string(),
                ends_on: f.get("ends_on").to_string(),
            },
        )
        .await
        .map(|_| ());
    back_to_subject(&s, &c, lang, id, r, f).await
}

pub async fn operator(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .add_operator(&c.actor, id, f.get("username"))
        .await
        .map(|_| ());
    back_to_subject(&s, &c, lang, id, r, f).await
}

/// The page an appeal or review came from: the subject's (staff, or who acts for it), or
/// `back` when given (`/integrity/mine`, `/integrity/appeals`).
fn after_record(f: &FormData, subject_id: i64) -> String {
    match f.get("back") {
        b @ ("/integrity/mine" | "/integrity/appeals") => b.to_string(),
        _ => format!("/integrity/subjects/{subject_id}"),
    }
}

pub async fn appeal(
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
        .integrity()
        .appeal(&c.actor, id, f.get("reason"))
        .await
    {
        Ok(r) => Ok(Redirect::to(&after_record(&f, r.subject_id)).into_response()),
        Err(e) => {
            let r = s.app.integrity().get_record(&c.actor, id).await?;
            back_to_subject(&s, &c, lang, r.subject_id, Err(e), f).await
        }
    }
}

pub async fn review(
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
        .integrity()
        .review(&c.actor, id, f.get("outcome"), f.get("reason"))
        .await
    {
        Ok(r) => Ok(Redirect::to(&after_record(&f, r.subject_id)).into_response()),
        Err(e) => {
            let r = s.app.integrity().get_record(&c.actor, id).await?;
            back_to_subject(&s, &c, lang, r.subject_id, Err(e), f).await
        }
    }
}

fn file_response(ct: String, data: Vec<u8>) -> Response {
    if ct == "application/pdf" {
        (
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
                (header::CONTENT_DISPOSITION, "inline".to_string()),
            ],
            data,
        )
            .into_response()
    } else {
        crate::shared::stored_image(ct, data)
    }
}

pub async fn evidence(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let (ct, data) = s.app.integrity().evidence(Some(&c.actor), id).await?;
    Ok(file_response(ct, data))
}

pub async fn public_evidence(State(s): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let (ct, data) = s.app.integrity().evidence(None, id).await?;
    Ok(file_response(ct, data))
}

pub struct MineCard {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub code: String,
    pub score: i64,
    pub stars: String,
    pub records: Vec<RecordRow>,
    pub public: bool,
}

#[derive(Template)]
#[template(path = "integrity/mine.html")]
pub struct MinePage {
    pub c: Chrome,
    pub base: i64,
    pub cards: Vec<MineCard>,
    pub projects: Vec<jingzhi_app::integrity::Project>,
    pub community: Option<i64>,
}

pub async fn mine(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    if c.actor.user.role != Role::Resident {
        return Ok(Redirect::to("/integrity").into_response());
    }
    let (rules, list) = s.app.integrity().mine(&c.actor).await?;
    let projects = s.app.integrity().projects(&c.actor).await?;
    let community = jingzhi_domain::scope::path_ids(&c.actor.scope().path)
        .get(3)
        .copied();
    Ok(render(&MinePage {
        c: Chrome::new(&c, lang, "integrity"),
        base: rules.base,
        cards: list
            .into_iter()
            .map(|v| MineCard {
                id: v.subject.id,
                name: v.subject.name.clone(),
                kind: kind_key(v.subject.kind),
                code: v.code.clone(),
                score: v.score,
                stars: star_text(v.stars),
                public: v.subject.kind.public_name(),
                records: v
                    .records
                    .clone()
                    .into_iter()
                    .map(|r| record_row(Some(&c), &v, r))
                    .collect(),
            })
            .collect(),
        projects,
        community,
    }))
}

#[derive(Template)]
#[template(path = "integrity/appeals.html")]
pub struct AppealsPage {
    pub c: Chrome,
    pub rows: Vec<(i64, String, Vec<RecordRow>)>,
}

pub async fn appeals(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    let list = s.app.integrity().appeals(&c.actor).await?;
    // One subject view per subject, however many of its records are appealed.
    let mut views = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for r in list {
        if !views.contains_key(&r.subject_id) {
            let v = s.app.integrity().subject(&c.actor, r.subject_id).await?;
            views.insert(r.subject_id, v);
        }
        let v = &views[&r.subject_id];
        rows.push((
            v.subject.id,
            v.subject.name.clone(),
            vec![record_row(Some(&c), v, r)],
        ));
    }
    Ok(render(&AppealsPage {
        c: Chrome::new(&c, lang, "integrity"),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "integrity/projects.html")]
pub struct ProjectsPage {
    pub c: Chrome,
    pub rows: Vec<jingzhi_app::integrity::Project>,
    pub may_create: bool,
    pub choices: Choices,
    pub message: Option<String>,
    pub form: FormData,
}

async fn projects_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
    form: FormData,
) -> Result<ProjectsPage, PageError> {
    let rows = s.app.integrity().projects(&c.actor).await?;
    let may_create = c.actor.user.role.is_manager();
    let mut choices = if may_create {
        s.app.integrity().choices(&c.actor).await?
    } else {
        Choices::default()
    };
    choices.items.retain(|i| i.item.is_plus());
    Ok(ProjectsPage {
        c: Chrome::new(c, lang, "integrity"),
        rows,
        may_create,
        choices,
        message,
        form,
    })
}

pub async fn projects(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &projects_page(&s, &c, lang, None, FormData(vec![])).await?,
    ))
}

pub async fn create_project(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .create_project(
            &c.actor,
            &ProjectInput {
                node_id: opt_id(&f, "node_id").unwrap_or(0),
                title: f.get("title").to_string(),
                description: f.get("description").to_string(),
                schedule: f.get("schedule").to_string(),
                item_code: f.get("item_code").to_string(),
            },
        )
        .await;
    match r {
        Ok(p) => Ok(Redirect::to(&format!("/integrity/projects/{}", p.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &projects_page(&s, &c, lang, Some(message), f).await?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "integrity/project.html")]
pub struct ProjectPage {
    pub c: Chrome,
    pub v: ProjectView,
    /// Adoptions the caller may report deliveries for.
    pub mine: Vec<i64>,
    pub today: String,
    pub message: Option<String>,
}

async fn project_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<ProjectPage, PageError> {
    let v = s.app.integrity().project(&c.actor, id).await?;
    let mine = if c.actor.user.role == Role::Resident {
        let (_, subjects) = s.app.integrity().mine(&c.actor).await?;
        v.adoptions
            .iter()
            .filter(|a| subjects.iter().any(|x| x.subject.id == a.subject_id))
            .map(|a| a.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(ProjectPage {
        c: Chrome::new(c, lang, "integrity"),
        v,
        mine,
        today: jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today()),
        message,
    })
}

pub async fn project(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&project_page(&s, &c, lang, id, None).await?))
}

async fn back_to_project(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/integrity/projects/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &project_page(s, c, lang, id, Some(message)).await?,
            ))
        }
    }
}

pub async fn adopt(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .adopt(&c.actor, id, opt_id(&f, "subject_id").unwrap_or(0))
        .await
        .map(|_| ());
    back_to_project(&s, &c, lang, id, r).await
}

pub async fn deliver(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let project = opt_id(&f, "project_id").unwrap_or(0);
    let r = s
        .app
        .integrity()
        .report_delivery(&c.actor, id, f.get("delivered_on"), f.get("note"))
        .await
        .map(|_| ());
    back_to_project(&s, &c, lang, project, r).await
}

pub async fn confirm(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let project = opt_id(&f, "project_id").unwrap_or(0);
    let r = s
        .app
        .integrity()
        .confirm_delivery(&c.actor, id)
        .await
        .map(|_| ());
    back_to_project(&s, &c, lang, project, r).await
}

#[derive(Template)]
#[template(path = "integrity/rewards.html")]
pub struct RewardsPage {
    pub c: Chrome,
    pub rows: Vec<(
        jingzhi_app::integrity::Reward,
        Vec<jingzhi_app::integrity::Grant>,
    )>,
    pub may_manage: bool,
    pub communities: Vec<(i64, String)>,
    pub subjects: Vec<SubjectRow>,
    pub message: Option<String>,
}

async fn rewards_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<RewardsPage, PageError> {
    let rows = s.app.integrity().rewards(&c.actor).await?;
    let may_manage = c.actor.user.role.is_manager();
    let (communities, subjects) = if may_manage {
        let ch = s.app.integrity().choices(&c.actor).await?;
        let (rules, list) = s.app.integrity().subjects(&c.actor, None).await?;
        (
            ch.communities,
            list.into_iter().map(|x| subject_row(&rules, x)).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(RewardsPage {
        c: Chrome::new(c, lang, "integrity"),
        rows,
        may_manage,
        communities,
        subjects,
        message,
    })
}

pub async fn rewards(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(&rewards_page(&s, &c, lang, None).await?))
}

async fn back_to_rewards(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to("/integrity/rewards").into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &rewards_page(s, c, lang, Some(message)).await?,
            ))
        }
    }
}

pub async fn create_reward(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .create_reward(
            &c.actor,
            &RewardInput {
                node_id: opt_id(&f, "node_id").unwrap_or(0),
                title: f.get("title").to_string(),
                description: f.get("description").to_string(),
                min_stars: opt_id(&f, "min_stars").unwrap_or(0),
            },
        )
        .await
        .map(|_| ());
    back_to_rewards(&s, &c, lang, r).await
}

pub async fn grant(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .integrity()
        .grant(
            &c.actor,
            id,
            opt_id(&f, "subject_id").unwrap_or(0),
            f.get("granted_on"),
            f.get("note"),
        )
        .await
        .map(|_| ());
    back_to_rewards(&s, &c, lang, r).await
}

#[derive(Template)]
#[template(path = "integrity/catalogue.html")]
pub struct CataloguePage {
    pub c: Chrome,
    pub catalogue: jingzhi_app::integrity::Catalogue,
    pub items: Vec<jingzhi_app::integrity::StoredItem>,
    pub versions: Vec<jingzhi_app::integrity::Catalogue>,
    pub is_admin: bool,
    pub message: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct VersionQ {
    version: Option<i64>,
}

async fn catalogue_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    version: Option<i64>,
    message: Option<String>,
) -> Result<CataloguePage, PageError> {
    let (catalogue, items, versions) = s.app.integrity().catalogue(version).await?;
    Ok(CataloguePage {
        c: Chrome::new(c, lang, "integrity"),
        catalogue,
        items,
        versions,
        is_admin: c.actor.user.role == Role::CityAdmin,
        message,
    })
}

pub async fn catalogue(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Query(q): Query<VersionQ>,
) -> PageResult {
    Ok(render(
        &catalogue_page(&s, &c, lang, q.version, None).await?,
    ))
}

pub async fn export(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Query(q): Query<VersionQ>,
) -> PageResult {
    let bytes = s
        .app
        .integrity()
        .export_catalogue(&c.actor, q.version)
        .await?;
    Ok(super::export::xlsx_download(
        &format!(
            "诚信指数目录_{}.xlsx",
            jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today())
        ),
        bytes,
    ))
}

pub async fn export_subjects(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    let bytes = s.app.integrity().export_subjects(&c.actor).await?;
    Ok(super::export::xlsx_download(
        &format!(
            "诚信对象_{}.xlsx",
            jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today())
        ),
        bytes,
    ))
}

pub async fn import(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    req: Request,
) -> PageResult {
    let (f, files) = multipart_form(&s, req).await?;
    c.check_csrf(f.get("csrf"))?;
    let bytes = files
        .into_iter()
        .next()
        .map(|v| v.bytes)
        .unwrap_or_default();
    match s
        .app
        .integrity()
        .import_catalogue(&c.actor, f.get("name"), &bytes)
        .await
    {
        Ok(_) => Ok(Redirect::to("/integrity/catalogue").into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &catalogue_page(&s, &c, lang, None, Some(message)).await?,
            ))
        }
    }
}

pub async fn rules(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let parsed = (|| -> Result<Rules, AppError> {
        Ok(Rules {
            base: f
                .get("base")
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("base", "基础分应为整数"))?,
            stars: Rules::parse_stars(f.get("stars"))?,
            appeal_days: f
                .get("appeal_days")
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("appeal_days", "申诉期应为天数"))?,
        })
    })();
    let r = match parsed {
        Ok(rules) => s
            .app
            .integrity()
            .set_rules(&c.actor, rules)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/integrity/catalogue").into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &catalogue_page(&s, &c, lang, None, Some(message)).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public pages (no login)

#[derive(Template)]
#[template(path = "integrity/honour.html")]
pub struct HonourPage {
    pub lang: Lang,
    pub board: HonourBoard,
    pub rows: Vec<(i64, String, String, String, i64, String)>,
}

impl HonourPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

pub async fn honour(
    State(s): State<AppState>,
    lang: Lang,
    Path(community): Path<i64>,
) -> PageResult {
    let board = s.app.integrity().honour_board(community).await?;
    let rows = board
        .merchants
        .iter()
        .map(|(m, score, stars)| {
            (
                m.id,
                m.name.clone(),
                m.association_name.clone().unwrap_or_default(),
                m.building_name.clone().unwrap_or_default(),
                *score,
                star_text(*stars),
            )
        })
        .collect();
    Ok(render(&HonourPage { lang, board, rows }))
}

#[derive(Template)]
#[template(path = "integrity/public.html")]
pub struct PublicSubjectPage {
    pub lang: Lang,
    pub v: SubjectView,
    pub kind: &'static str,
    pub stars: String,
    pub records: Vec<RecordRow>,
}

impl PublicSubjectPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

pub async fn public_subject(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    let v = s.app.integrity().public_subject(id).await?;
    let records = v
        .records
        .clone()
        .into_iter()
        .map(|r| record_row(None, &v, r))
        .collect();
    Ok(render(&PublicSubjectPage {
        lang,
        kind: kind_key(v.subject.kind),
        stars: star_text(v.stars),
        records,
        v,
    }))
}
