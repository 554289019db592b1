//! Care and the warning (关爱与预警, docs/care.md): `/care` (the desk: warnings by colour for the
//! scope and each place under it, open cases by deadline, overdue visits), `/care/records` (care
//! records; opening one is two steps, so the form asks only what the chosen kind holds),
//! `/care/records/{id}`, `/care/households/{id}` (income, arrears, sudden events, colour
//! history), `/care/cases/{id}` (assessment, referrals, help, closing), `/care/visits` (a
//! steward's or grid worker's people to visit, at phone width), `/care/rules` (the versioned
//! warning rules; city administrators save a new version) and `/care/referrals` (a department's).

use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult, UrlQuery};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::care::{reads, CaseView, Line, Record, RecordFilter, RecordInput};
use jingzhi_app::AppError;
use jingzhi_domain::auth::Role;
use jingzhi_domain::care::{
    AgeBand, CareKind, CaseState, Colour, Condition, Detail, DisabilityType, Guardianship,
    Hardship, RuleSet, FREQUENCIES, REFERRAL_DAYS,
};
use jingzhi_domain::registry::LowIncome;
use jingzhi_domain::time_fmt::{format_ms, now_ms};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/care", get(index))
        .route("/care/records", get(records).post(open_record))
        .route("/care/records/new", get(new_record))
        .route("/care/records/{id}", get(record).post(update_record))
        .route("/care/records/{id}/close", post(close_record))
        .route("/care/households/{id}", get(household))
        .route("/care/households/{id}/facts", post(set_facts))
        .route("/care/households/{id}/hardships", post(add_hardship))
        .route("/care/cases/{id}", get(case))
        .route("/care/cases/{id}/assessment", post(assess))
        .route("/care/cases/{id}/help", post(add_help))
        .route("/care/cases/{id}/referrals", post(refer))
        .route("/care/cases/{id}/close", post(close_case))
        .route("/care/referrals", get(referrals))
        .route("/care/referrals/{id}/answer", post(answer))
        .route("/care/visits", get(visits))
        .route("/care/rules", get(rules).post(save_rules))
}

fn colour_code(c: Option<Colour>) -> &'static str {
    c.map(|c| c.as_str()).unwrap_or("none")
}

/// A record as the lists show it.
pub struct RecordRow {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub address: String,
    pub kind: &'static str,
    pub worker: String,
    pub every: i64,
    pub last_visit: String,
    pub due: String,
    /// Days the visit is overdue (0: not).
    pub overdue: i64,
    pub colour: &'static str,
    pub closed: bool,
}

fn record_row(r: &Record, now: i64, mask: bool) -> RecordRow {
    let due = r.visit_due();
    RecordRow {
        id: r.id,
        household_id: r.household_id,
        name: if mask {
            jingzhi_domain::registry::mask_name(&r.resident_name)
        } else {
            r.resident_name.clone()
        },
        address: r.address.clone(),
        kind: r.kind.as_str(),
        worker: r.worker_name.clone().unwrap_or_default(),
        every: r.visit_every_days,
        last_visit: r.last_visit_at.map(format_ms).unwrap_or_default(),
        due: format_ms(due),
        overdue: jingzhi_domain::care::overdue_days(due, now),
        colour: colour_code(r.colour),
        closed: r.closed_at.is_some(),
    }
}

pub struct CaseRow {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub head: String,
    pub colour: &'static str,
    pub current: &'static str,
    pub opened: String,
    pub due: String,
    pub overdue: bool,
    pub assessed: bool,
    pub closed: bool,
}

fn case_row(k: &jingzhi_app::care::Case, now: i64) -> CaseRow {
    CaseRow {
        id: k.id,
        household_id: k.household_id,
        address: k.address.clone(),
        head: k.head_name.clone().unwrap_or_default(),
        colour: k.colour.as_str(),
        current: colour_code(k.current),
        opened: format_ms(k.opened_at),
        due: format_ms(k.due_at),
        overdue: k.state == CaseState::Open && k.assessed_at.is_none() && k.due_at < now,
        assessed: k.assessed_at.is_some(),
        closed: k.state == CaseState::Closed,
    }
}

/// A message after a refused form, or the error page for anything else.
fn refusal(e: AppError) -> Result<(StatusCode, Option<String>), PageError> {
    let (s, m) = shown_refusal(e)?;
    Ok((s, Some(m)))
}

// ---------------------------------------------------------------------------------------------
// The desk

pub struct LineRow {
    pub node_id: i64,
    pub name: String,
    pub l: Line,
    pub coverage: String,
}

fn line_row(l: Line) -> LineRow {
    LineRow {
        node_id: l.node_id,
        name: l.name.clone(),
        coverage: l.coverage().map(|c| format!("{c:.1}%")).unwrap_or_default(),
        l,
    }
}

#[derive(Template)]
#[template(path = "care/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub total: LineRow,
    pub places: Vec<LineRow>,
    pub cases: Vec<CaseRow>,
    pub overdue: Vec<RecordRow>,
    pub manages: bool,
    /// May download the cases as .xlsx.
    pub can_export: bool,
    pub message: Option<String>,
}

/// Rows shown in each list of the desk.
const SHOWN: usize = 50;

async fn index_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<IndexPage, PageError> {
    let care = s.app.care();
    let (total, places) = care.overview(&c.actor).await?;
    let now = now_ms();
    let cases = care.cases(&c.actor, CaseState::Open, None).await?;
    let overdue = care
        .records(
            &c.actor,
            &RecordFilter {
                due_before: Some(now),
                ..Default::default()
            },
        )
        .await?;
    Ok(IndexPage {
        c: Chrome::new(c, lang, "care"),
        total: line_row(total),
        places: places.into_iter().map(line_row).collect(),
        cases: cases.iter().take(SHOWN).map(|k| case_row(k, now)).collect(),
        overdue: overdue
            .iter()
            .take(SHOWN)
            .map(|r| record_row(r, now, false))
            .collect(),
        manages: c.actor.user.role.is_manager(),
        can_export: jingzhi_app::export::may_export_care(c.actor.user.role),
        message,
    })
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    match c.actor.user.role {
        Role::Steward => return Ok(Redirect::to("/care/visits").into_response()),
        Role::DepartmentStaff => return Ok(Redirect::to("/care/referrals").into_response()),
        _ => {}
    }
    Ok(render(&index_page(&s, &c, lang, None).await?))
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Template)]
#[template(path = "care/records.html")]
pub struct RecordsPage {
    pub c: Chrome,
    pub kind: String,
    pub kinds: &'static [CareKind],
    pub rows: Vec<RecordRow>,
    /// `resident_id:kind` and its label, for the picker of a new record.
    pub picks: Vec<(String, String)>,
    /// The download of the list as .xlsx (same filter), for those who may export it.
    pub export: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordsQuery {
    pub kind: Option<String>,
}

pub async fn records(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<RecordsQuery>,
) -> PageResult {
    let kind = q.kind.as_deref().and_then(CareKind::parse);
    let care = s.app.care();
    let rows = care
        .records(
            &c.actor,
            &RecordFilter {
                kind,
                ..Default::default()
            },
        )
        .await?;
    let now = now_ms();
    let mut picks = Vec::new();
    for cand in care.candidates(&c.actor).await? {
        for k in &cand.kinds {
            picks.push((
                format!("{}:{}", cand.resident_id, k.as_str()),
                format!(
                    "{} · {} · {}",
                    cand.name,
                    cand.address,
                    lang.coded("care.kind", k.as_str())
                ),
            ));
        }
    }
    Ok(render(&RecordsPage {
        c: Chrome::new(&c, lang, "care"),
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        kinds: CareKind::ALL,
        rows: rows.iter().map(|r| record_row(r, now, false)).collect(),
        picks,
        export: jingzhi_app::export::may_export_care(c.actor.user.role).then(|| match kind {
            Some(k) => format!("/care/records/export.xlsx?kind={}", k.as_str()),
            None => "/care/records/export.xlsx".to_string(),
        }),
    }))
}

/// A record's detail as its form shows it.
pub struct DetailForm {
    pub kind: &'static str,
    pub age_band: String,
    pub living_alone: bool,
    pub care_needs: String,
    pub home_care: String,
    pub disability_type: String,
    pub disability_grade: String,
    pub guardianship: String,
    pub assessment: String,
    pub low_income: String,
    pub plan: String,
    pub age_bands: Vec<&'static str>,
    pub disability_types: Vec<&'static str>,
    pub guardianships: Vec<&'static str>,
    pub low_incomes: Vec<&'static str>,
    pub grades: Vec<&'static str>,
}

fn detail_form(kind: CareKind, d: &Detail) -> DetailForm {
    DetailForm {
        kind: kind.as_str(),
        age_band: d
            .age_band
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        living_alone: d.living_alone,
        care_needs: d.care_needs.clone(),
        home_care: d.home_care.clone(),
        disability_type: d
            .disability_type
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        disability_grade: d
            .disability_grade
            .map(|g| g.to_string())
            .unwrap_or_default(),
        guardianship: d
            .guardianship
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        assessment: d.assessment.clone(),
        low_income: d
            .low_income
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        plan: d.plan.clone(),
        age_bands: AgeBand::ALL.iter().map(|x| x.as_str()).collect(),
        disability_types: DisabilityType::ALL.iter().map(|x| x.as_str()).collect(),
        guardianships: Guardianship::ALL.iter().map(|x| x.as_str()).collect(),
        low_incomes: LowIncome::ALL.iter().map(|x| x.as_str()).collect(),
        grades: vec!["1", "2", "3", "4"],
    }
}

/// The detail a form posted; a choice that is not in its list is refused by field.
fn detail_from(f: &FormData) -> Result<Detail, AppError> {
    fn pick<T>(
        f: &FormData,
        field: &'static str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, AppError> {
        match f.opt(field) {
            None => Ok(None),
            Some(v) => parse(&v)
                .map(Some)
                .ok_or_else(|| AppError::invalid(field, "请从列表中选择")),
        }
    }
    Ok(Detail {
        age_band: pick(f, "age_band", AgeBand::parse)?,
        living_alone: f.checked("living_alone"),
        care_needs: f.get("care_needs").trim().to_string(),
        home_care: f.get("home_care").trim().to_string(),
        disability_type: pick(f, "disability_type", DisabilityType::parse)?,
        disability_grade: pick(f, "disability_grade", |s| s.parse::<i32>().ok())?,
        guardianship: pick(f, "guardianship", Guardianship::parse)?,
        assessment: f.get("assessment").trim().to_string(),
        low_income: pick(f, "low_income", LowIncome::parse)?,
        plan: f.get("plan").trim().to_string(),
    })
}

#[derive(Template)]
#[template(path = "care/record_new.html")]
pub struct NewRecordPage {
    pub c: Chrome,
    pub resident_id: i64,
    pub label: String,
    pub f: DetailForm,
    pub every: i64,
    pub frequencies: &'static [i64],
    pub workers: Vec<(i64, String)>,
    pub worker: i64,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// `resident_id:kind`
    pub pick: Option<String>,
}

async fn workers(s: &AppState, c: &Caller, lang: Lang) -> Result<Vec<(i64, String)>, PageError> {
    Ok(s.app
        .care()
        .workers(&c.actor)
        .await?
        .into_iter()
        .map(|u| {
            let role = match lang {
                Lang::Zh => u.role.label_zh(),
                Lang::En => u.role.label_en(),
            };
            (u.id, format!("{}{}", u.display_name, lang.paren(role)))
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    resident_id: i64,
    kind: CareKind,
    d: &Detail,
    worker: i64,
    message: Option<String>,
) -> Result<NewRecordPage, PageError> {
    let cand = s
        .app
        .care()
        .candidates(&c.actor)
        .await?
        .into_iter()
        .find(|x| x.resident_id == resident_id);
    let label = cand
        .map(|x| format!("{} · {}", x.name, x.address))
        .unwrap_or_else(|| format!("#{resident_id}"));
    Ok(NewRecordPage {
        c: Chrome::new(c, lang, "care"),
        resident_id,
        label,
        every: jingzhi_domain::care::default_frequency(kind, d),
        f: detail_form(kind, d),
        frequencies: &FREQUENCIES,
        workers: workers(s, c, lang).await?,
        worker,
        message,
    })
}

pub async fn new_record(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<NewQuery>,
) -> PageResult {
    let pick = q.pick.unwrap_or_default();
    let (rid, kind) = pick.split_once(':').unwrap_or(("", ""));
    let (Ok(rid), Some(kind)) = (rid.parse::<i64>(), CareKind::parse(kind)) else {
        return Ok(Redirect::to("/care/records").into_response());
    };
    let mut d = Detail::default();
    if kind == CareKind::Elderly {
        d.living_alone = true;
    }
    Ok(render(
        &new_page(&s, &c, lang, rid, kind, &d, c.actor.id(), None).await?,
    ))
}

pub async fn open_record(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let rid: i64 = f.get("resident_id").parse().unwrap_or(0);
    let kind = CareKind::parse(f.get("kind")).unwrap_or(CareKind::Elderly);
    let worker = f.get("worker_user_id").parse::<i64>().ok();
    let (d, r) = match detail_from(&f) {
        Ok(d) => {
            let r = s
                .app
                .care()
                .open_record(
                    &c.actor,
                    &RecordInput {
                        resident_id: rid,
                        kind: f.get("kind").to_string(),
                        detail: d.clone(),
                        worker_user_id: worker,
                        visit_every_days: f.get("visit_every_days").parse().ok(),
                    },
                )
                .await;
            (d, r)
        }
        Err(e) => (Detail::default(), Err(e)),
    };
    match r {
        Ok(r) => Ok(Redirect::to(&format!("/care/records/{}", r.id)).into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            let page = new_page(&s, &c, lang, rid, kind, &d, worker.unwrap_or(0), m).await?;
            Ok(render_status(status, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "care/record.html")]
pub struct RecordPage {
    pub c: Chrome,
    pub r: RecordRow,
    pub every: i64,
    pub f: DetailForm,
    pub frequencies: &'static [i64],
    pub workers: Vec<(i64, String)>,
    pub worker: i64,
    pub message: Option<String>,
}

async fn record_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<RecordPage, PageError> {
    let (r, d) = s.app.care().record(&c.actor, id).await?;
    Ok(RecordPage {
        c: Chrome::new(c, lang, "care"),
        f: detail_form(r.kind, &d),
        worker: r.worker_user_id.unwrap_or(0),
        every: r.visit_every_days,
        r: record_row(&r, now_ms(), false),
        frequencies: &FREQUENCIES,
        workers: workers(s, c, lang).await?,
        message,
    })
}

pub async fn record(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&record_page(&s, &c, lang, id, None).await?))
}

/// After a form on a record's page: back to it, or it again with the reason.
async fn back_to_record(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/care/records/{id}")).into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            Ok(render_status(
                status,
                &record_page(s, c, lang, id, m).await?,
            ))
        }
    }
}

pub async fn update_record(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = match detail_from(&f) {
        Ok(d) => s
            .app
            .care()
            .update_record(
                &c.actor,
                id,
                &d,
                f.get("worker_user_id").parse().ok(),
                f.get("visit_every_days").parse().unwrap_or(0),
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    back_to_record(&s, &c, lang, id, r).await
}

pub async fn close_record(
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
        .care()
        .close_record(&c.actor, id, f.get("reason"))
        .await
        .map(|_| ());
    back_to_record(&s, &c, lang, id, r).await
}

// ---------------------------------------------------------------------------------------------
// Monitored households

pub struct ChangeRow {
    pub colour: &'static str,
    pub previous: &'static str,
    pub rule: String,
    pub version: i64,
    pub at: String,
}

#[derive(Template)]
#[template(path = "care/household.html")]
pub struct HouseholdPage {
    pub c: Chrome,
    pub id: i64,
    pub address: String,
    pub head: String,
    pub income: String,
    pub arrears: i64,
    pub colour: &'static str,
    pub rule: String,
    pub since: String,
    pub case_id: Option<i64>,
    pub records: Vec<RecordRow>,
    pub hardships: Vec<(&'static str, String, String, String)>,
    pub hardship_kinds: Vec<&'static str>,
    pub history: Vec<ChangeRow>,
    pub today: String,
    pub message: Option<String>,
}

async fn household_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<HouseholdPage, PageError> {
    let v = s.app.care().household(&c.actor, id).await?;
    let now = now_ms();
    let h = v.household;
    let rule = v
        .history
        .first()
        .filter(|x| x.colour.is_some())
        .and_then(|x| x.rule_label.clone())
        .unwrap_or_default();
    Ok(HouseholdPage {
        c: Chrome::new(c, lang, "care"),
        id,
        address: h.address,
        head: h.head_name.unwrap_or_default(),
        income: h.income_per_head.map(|i| i.to_string()).unwrap_or_default(),
        arrears: h.arrears_months,
        colour: colour_code(h.colour),
        rule,
        since: h.colour_since.map(format_ms).unwrap_or_default(),
        case_id: h.case_id,
        records: v
            .records
            .iter()
            .map(|r| record_row(r, now, false))
            .collect(),
        hardships: v
            .hardships
            .into_iter()
            .map(|x| {
                (
                    x.kind.as_str(),
                    jingzhi_domain::time_fmt::format_date(
                        jingzhi_domain::participation::votes::date_of(x.happened_at),
                    ),
                    x.note,
                    x.recorded_by_name,
                )
            })
            .collect(),
        hardship_kinds: Hardship::ALL.iter().map(|k| k.as_str()).collect(),
        history: v
            .history
            .into_iter()
            .map(|x| ChangeRow {
                colour: colour_code(x.colour),
                previous: colour_code(x.previous),
                rule: x.rule_label.unwrap_or_default(),
                version: x.rule_version,
                at: format_ms(x.at),
            })
            .collect(),
        today: jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today()),
        message,
    })
}

pub async fn household(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&household_page(&s, &c, lang, id, None).await?))
}

async fn back_to_household(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/care/households/{id}")).into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            Ok(render_status(
                status,
                &household_page(s, c, lang, id, m).await?,
            ))
        }
    }
}

pub async fn set_facts(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let income = match f.opt("income_per_head") {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("income_per_head", "请填写整数金额（元）")),
    };
    let arrears = f
        .opt("arrears_months")
        .unwrap_or_else(|| "0".into())
        .parse::<i64>()
        .map_err(|_| AppError::invalid("arrears_months", "请填写欠费月数"));
    let r = match (income, arrears) {
        (Ok(i), Ok(a)) => s.app.care().set_facts(&c.actor, id, i, a).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    back_to_household(&s, &c, lang, id, r).await
}

pub async fn add_hardship(
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
        .care()
        .add_hardship(
            &c.actor,
            id,
            f.get("kind"),
            f.get("happened_on"),
            f.get("note"),
        )
        .await
        .map(|_| ());
    back_to_household(&s, &c, lang, id, r).await
}

// ---------------------------------------------------------------------------------------------
// Cases

pub struct StepRow {
    pub kind: String,
    pub text: String,
    pub by: String,
    pub at: String,
}

pub struct ReferralRow {
    pub id: i64,
    pub case_id: i64,
    pub department: String,
    pub request: String,
    pub due: String,
    pub overdue: bool,
    pub sent: String,
    pub answer: Option<String>,
    pub answered: String,
}

fn referral_row(r: &jingzhi_app::care::Referral, now: i64) -> ReferralRow {
    ReferralRow {
        id: r.id,
        case_id: r.case_id,
        department: r
            .department_name
            .clone()
            .unwrap_or_else(|| r.department.clone()),
        request: r.request.clone(),
        due: format_ms(r.due_at),
        overdue: r.answered_at.is_none() && r.due_at < now,
        sent: format!("{} {}", format_ms(r.sent_at), r.sent_by_name),
        answer: r.answer.clone(),
        answered: r
            .answered_at
            .map(|a| {
                format!(
                    "{} {}",
                    format_ms(a),
                    r.answered_by_name.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "care/case.html")]
pub struct CasePage {
    pub c: Chrome,
    pub k: CaseRow,
    pub staff: bool,
    pub department: bool,
    pub assessment: Option<String>,
    pub closing: Option<String>,
    pub steps: Vec<StepRow>,
    pub referrals: Vec<ReferralRow>,
    pub departments: Vec<(String, String)>,
    pub days: &'static [i64],
    pub message: Option<String>,
}

async fn case_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<CasePage, PageError> {
    let v: CaseView = s.app.care().case(&c.actor, id).await?;
    let now = now_ms();
    let departments = if v.staff {
        s.app
            .departments()
            .list(&c.actor, None)
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(CasePage {
        c: Chrome::new(c, lang, "care"),
        k: case_row(&v.case, now),
        staff: v.staff,
        department: c.actor.user.role == Role::DepartmentStaff,
        assessment: v.assessment,
        closing: v.closing,
        steps: v
            .steps
            .into_iter()
            .map(|x| StepRow {
                kind: x.kind,
                text: x.text,
                by: x.by_name,
                at: format_ms(x.at),
            })
            .collect(),
        referrals: v.referrals.iter().map(|r| referral_row(r, now)).collect(),
        departments,
        days: &REFERRAL_DAYS,
        message,
    })
}

pub async fn case(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&case_page(&s, &c, lang, id, None).await?))
}

async fn back_to_case(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/care/cases/{id}")).into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            Ok(render_status(status, &case_page(s, c, lang, id, m).await?))
        }
    }
}

pub async fn assess(
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
        .care()
        .assess(&c.actor, id, f.get("text"))
        .await
        .map(|_| ());
    back_to_case(&s, &c, lang, id, r).await
}

pub async fn add_help(
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
        .care()
        .add_help(&c.actor, id, f.get("text"))
        .await
        .map(|_| ());
    back_to_case(&s, &c, lang, id, r).await
}

pub async fn refer(
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
        .care()
        .refer(
            &c.actor,
            id,
            f.get("department"),
            f.get("request"),
            f.get("days").parse().unwrap_or(0),
        )
        .await
        .map(|_| ());
    back_to_case(&s, &c, lang, id, r).await
}

pub async fn close_case(
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
        .care()
        .close_case(&c.actor, id, f.get("text"))
        .await
        .map(|_| ());
    back_to_case(&s, &c, lang, id, r).await
}

#[derive(Template)]
#[template(path = "care/referrals.html")]
pub struct ReferralsPage {
    pub c: Chrome,
    pub rows: Vec<ReferralRow>,
    pub message: Option<String>,
}

async fn referrals_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<ReferralsPage, PageError> {
    let rows = s.app.care().my_referrals(&c.actor).await?;
    let now = now_ms();
    Ok(ReferralsPage {
        c: Chrome::new(c, lang, "care"),
        rows: rows.iter().map(|r| referral_row(r, now)).collect(),
        message,
    })
}

pub async fn referrals(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(&referrals_page(&s, &c, lang, None).await?))
}

pub async fn answer(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.care().answer(&c.actor, id, f.get("text")).await {
        Ok(r) => Ok(Redirect::to(&format!("/care/cases/{}", r.case_id)).into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            Ok(render_status(
                status,
                &referrals_page(&s, &c, lang, m).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// My visits (phone)

#[derive(Template)]
#[template(path = "care/visits.html")]
pub struct VisitsPage {
    pub c: Chrome,
    pub rows: Vec<RecordRow>,
    pub overdue: usize,
    /// Stewards see names masked and no link to the record.
    pub staff: bool,
}

pub async fn visits(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    let rows = s.app.care().my_visits(&c.actor).await?;
    let now = now_ms();
    let staff = reads(c.actor.user.role);
    let rows: Vec<RecordRow> = rows.iter().map(|r| record_row(r, now, false)).collect();
    Ok(render(&VisitsPage {
        c: Chrome::new(&c, lang, "care"),
        overdue: rows.iter().filter(|r| r.overdue > 0).count(),
        rows,
        staff,
    }))
}

// ---------------------------------------------------------------------------------------------
// Rules

pub struct RuleRow {
    pub i: usize,
    pub id: String,
    pub label: String,
    pub when: String,
    pub param_name: &'static str,
    pub param: String,
    pub colour: &'static str,
}

#[derive(Template)]
#[template(path = "care/rules.html")]
pub struct RulesPage {
    pub c: Chrome,
    pub version: i64,
    pub note: String,
    pub by: String,
    pub at: String,
    pub dibao_line: i64,
    pub red_hours: i64,
    pub orange_hours: i64,
    pub yellow_hours: i64,
    pub rules: Vec<RuleRow>,
    pub colours: Vec<&'static str>,
    pub versions: Vec<(i64, String, String, String)>,
    pub may_edit: bool,
    pub message: Option<String>,
}

fn param_of(c: &Condition) -> (&'static str, String) {
    match *c {
        Condition::IncomeBelow { times_line } => ("times_line", times_line.to_string()),
        Condition::Hardship { within_days, .. } | Condition::Finding { within_days } => {
            ("within_days", within_days.to_string())
        }
        Condition::VisitOverdue { days } => ("days", days.to_string()),
        Condition::Arrears { months } => ("months", months.to_string()),
    }
}

async fn rules_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<RulesPage, PageError> {
    let care = s.app.care();
    let r = care.rules(&c.actor).await?;
    let versions = care.rule_versions(&c.actor).await?;
    Ok(RulesPage {
        c: Chrome::new(c, lang, "care"),
        version: r.version,
        note: r.note,
        by: r.created_by_name,
        at: if r.created_at > 0 {
            format_ms(r.created_at)
        } else {
            String::new()
        },
        dibao_line: r.rules.dibao_line,
        red_hours: r.rules.deadlines.red_hours,
        orange_hours: r.rules.deadlines.orange_hours,
        yellow_hours: r.rules.deadlines.yellow_hours,
        rules: r
            .rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let (param_name, param) = param_of(&x.condition);
                RuleRow {
                    i,
                    id: x.id.clone(),
                    label: x.label.clone(),
                    when: x.condition.describe(),
                    param_name,
                    param,
                    colour: x.colour.as_str(),
                }
            })
            .collect(),
        colours: Colour::ALL.iter().map(|x| x.as_str()).collect(),
        versions: versions
            .into_iter()
            .map(|v| {
                (
                    v.version,
                    v.note,
                    v.created_by_name,
                    format_ms(v.created_at),
                )
            })
            .collect(),
        may_edit: c.actor.user.role == Role::CityAdmin,
        message,
    })
}

pub async fn rules(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&rules_page(&s, &c, lang, None).await?))
}

/// The rules as the form changed them: the thresholds, colours and deadlines of the rules in
/// force (a rule is dropped by unticking it). Conditions themselves are fixed on the page; the
/// API takes a whole new set.
fn rules_from(current: &RuleSet, f: &FormData) -> Result<RuleSet, AppError> {
    let num = |field: &'static str, what: &str| -> Result<i64, AppError> {
        f.get(field)
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid(field, format!("请填写{what}")))
    };
    let mut set = current.clone();
    set.dibao_line = num("dibao_line", "低保标准")?;
    set.deadlines.red_hours = num("red_hours", "红色响应时限")?;
    set.deadlines.orange_hours = num("orange_hours", "橙色响应时限")?;
    set.deadlines.yellow_hours = num("yellow_hours", "黄色响应时限")?;
    let mut rules = Vec::new();
    for (i, r) in current.rules.iter().enumerate() {
        if !f.checked(&format!("keep_{i}")) {
            continue;
        }
        let mut r = r.clone();
        let p = f.get(&format!("param_{i}")).trim().to_string();
        let bad = || AppError::invalid("rules", format!("规则“{}”的条件请填写数字", r.label));
        match &mut r.condition {
            Condition::IncomeBelow { times_line } => {
                *times_line = p.parse::<f64>().map_err(|_| bad())?
            }
            Condition::Hardship { within_days, .. } | Condition::Finding { within_days } => {
                *within_days = p.parse().map_err(|_| bad())?
            }
            Condition::VisitOverdue { days } => *days = p.parse().map_err(|_| bad())?,
            Condition::Arrears { months } => *months = p.parse().map_err(|_| bad())?,
        }
        r.colour = Colour::parse(f.get(&format!("colour_{i}")))
            .ok_or_else(|| AppError::invalid("rules", "请从列表中选择颜色"))?;
        rules.push(r);
    }
    set.rules = rules;
    Ok(set)
}

pub async fn save_rules(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let care = s.app.care();
    let current = care.rules(&c.actor).await?;
    let r = match rules_from(&current.rules, &f) {
        Ok(set) => care.save_rules(&c.actor, &set, f.get("note")).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(r) => {
            let m = lang
                .tf("care.recomputed", r.households)
                .replace("{changed}", &r.changes.len().to_string())
                .replace("{ms}", &r.millis.to_string());
            Ok(render(&rules_page(&s, &c, lang, Some(m)).await?))
        }
        Err(e) => {
            let (status, m) = refusal(e)?;
            Ok(render_status(status, &rules_page(&s, &c, lang, m).await?))
        }
    }
}
