//! `/funds`: community funds for the staff who keep them (record, approve, reject, reverse,
//! vouchers), and `/public/funds/{id}`: a fund as anyone sees it on a phone, no login: balance,
//! income and spending by month, every posted entry with its purpose, voucher and log proof
//! (docs/funds.md). Everything a person picks (a category, a household, a decision, a fund) is a
//! list.

use super::events::multipart_form;
use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::funds::{EntryChoices, EntryInput, FundInput, FundView, PublicFund, PAGE};
use jingzhi_app::AppError;
use jingzhi_domain::funds::{format_yuan, parse_yuan, EntryKind, CATEGORIES};
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    let upload = axum::extract::DefaultBodyLimit::max(crate::shared::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/funds", get(funds).post(create))
        .route("/funds/{id}", get(fund))
        .route("/funds/{id}/entries", post(record).layer(upload))
        .route("/fund-entries/{id}/approve", post(approve))
        .route("/fund-entries/{id}/reject", post(reject))
        .route("/fund-entries/{id}/reverse", post(reverse))
        .route("/fund-entries/{id}/voucher", get(staff_voucher))
        .route("/public/funds/{id}", get(public))
        .route(
            "/public/funds/{fund}/entries/{id}/voucher",
            get(public_voucher),
        )
}

#[derive(serde::Deserialize, Default)]
pub struct PageQ {
    page: Option<String>,
}

fn page_of(q: &PageQ) -> Result<i64, PageError> {
    super::page_number("page", q.page.as_deref())
}

pub struct FundRow {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub kind: &'static str,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "funds/list.html")]
pub struct FundsPage {
    pub c: Chrome,
    pub rows: Vec<FundRow>,
    pub may_create: bool,
    pub places: Vec<(i64, String)>,
    pub message: Option<String>,
}

fn kind_key(k: jingzhi_domain::funds::FundKind) -> &'static str {
    match k {
        jingzhi_domain::funds::FundKind::Shared => "funds.kind.shared",
        jingzhi_domain::funds::FundKind::Community => "funds.kind.community",
    }
}

async fn funds_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<FundsPage, PageError> {
    let list = s.app.funds().list(&c.actor).await?;
    let may_create = c.actor.user.role.is_manager();
    let places = if may_create {
        s.app
            .funds()
            .places(&c.actor)
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(FundsPage {
        c: Chrome::new(c, lang, "funds"),
        rows: list
            .into_iter()
            .map(|f| FundRow {
                id: f.id,
                name: f.name,
                place: f.node_name,
                kind: kind_key(f.kind),
                balance: format_yuan(f.balance_fen),
            })
            .collect(),
        may_create,
        places,
        message,
    })
}

pub async fn funds(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&funds_page(&s, &c, lang, None).await?))
}

pub async fn create(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let threshold = match f.get("threshold").trim() {
        "" => Ok(None),
        t => parse_yuan("threshold_fen", t).map(Some),
    };
    let result = match threshold {
        Ok(threshold_fen) => {
            s.app
                .funds()
                .create(
                    &c.actor,
                    &FundInput {
                        node_id: f.get("node_id").parse().unwrap_or(0),
                        name: f.get("name").to_string(),
                        kind: f.get("kind").to_string(),
                        threshold_fen,
                    },
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(x) => Ok(Redirect::to(&format!("/funds/{}", x.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &funds_page(&s, &c, lang, Some(message)).await?,
            ))
        }
    }
}

pub struct EntryRow {
    pub id: i64,
    pub kind: &'static str,
    pub category: &'static str,
    pub amount: String,
    /// Signed, as it changed this fund ("+500.00", "-150.00").
    pub delta: String,
    pub incoming: bool,
    pub purpose: String,
    pub voucher_no: String,
    pub has_voucher: bool,
    pub occurred_on: String,
    pub household: Option<String>,
    pub decision_id: Option<i64>,
    pub state: &'static str,
    pub recorded: String,
    pub decided: Option<String>,
    pub reject_reason: Option<String>,
    pub reversed_by: Option<i64>,
    pub reverses_id: Option<i64>,
    pub log_index: Option<u64>,
    /// The caller recorded it (they may not approve it).
    pub own: bool,
}

pub struct Bar {
    pub month: String,
    pub x: i64,
    pub h_in: i64,
    pub h_out: i64,
    pub income: String,
    pub spending: String,
}

/// The last twelve months as bars (SVG units: 12 groups of 30 wide, 100 high), months without
/// entries included as empty ones.
pub fn bars(monthly: &[(String, i64, i64)]) -> Vec<Bar> {
    let num = |m: &str| -> Option<i64> {
        let (y, mo) = m.split_once('-')?;
        Some(y.parse::<i64>().ok()? * 12 + mo.parse::<i64>().ok()? - 1)
    };
    let (Some(first), Some(last)) = (
        monthly.first().and_then(|m| num(&m.0)),
        monthly.last().and_then(|m| num(&m.0)),
    ) else {
        return Vec::new();
    };
    let from = first.max(last - 11);
    let months: Vec<(String, i64, i64)> = (from..=last)
        .map(|n| {
            let key = format!("{:04}-{:02}", n / 12, n % 12 + 1);
            let (i, o) = monthly
                .iter()
                .find(|m| m.0 == key)
                .map_or((0, 0), |m| (m.1, m.2));
            (key, i, o)
        })
        .collect();
    let top = months
        .iter()
        .map(|m| m.1.max(m.2))
        .max()
        .unwrap_or(0)
        .max(1);
    months
        .iter()
        .enumerate()
        .map(|(i, (month, inc, out))| Bar {
            month: month.get(5..).unwrap_or(month).to_string(),
            x: i as i64 * 30,
            h_in: (inc * 100 / top).max(i64::from(*inc > 0)),
            h_out: (out * 100 / top).max(i64::from(*out > 0)),
            income: format_yuan(*inc),
            spending: format_yuan(*out),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_fill_the_months_between_and_keep_the_last_twelve() {
        let m = vec![
            ("2025-11".to_string(), 100, 0),
            ("2026-02".to_string(), 0, 50),
        ];
        let b = super::bars(&m);
        assert_eq!(
            b.iter().map(|x| x.month.as_str()).collect::<Vec<_>>(),
            ["11", "12", "01", "02"]
        );
        assert_eq!((b[0].h_in, b[3].h_out, b[1].h_in), (100, 50, 0));
        let long: Vec<_> = (1..=12)
            .flat_map(|y| [(format!("20{:02}-06", y + 10), 1, 1)])
            .collect();
        assert_eq!(super::bars(&long).len(), 12);
    }
}

fn category_key(code: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|c| c.0 == code)
        .map_or("funds.category.other_spending", |c| match c.0 {
            "parking_rent" => "funds.category.parking_rent",
            "donation" => "funds.category.donation",
            "government_purchase" => "funds.category.government_purchase",
            "refund" => "funds.category.refund",
            "other_income" => "funds.category.other_income",
            "fee_subsidy" => "funds.category.fee_subsidy",
            "public_service" => "funds.category.public_service",
            "project_cost" => "funds.category.project_cost",
            "transfer" => "funds.category.transfer",
            "reversal" => "funds.category.reversal",
            _ => "funds.category.other_spending",
        })
}

fn entry_kind_key(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Income => "funds.entry.income",
        EntryKind::Spending => "funds.entry.spending",
        EntryKind::Transfer => "funds.entry.transfer",
        EntryKind::Reversal => "funds.entry.reversal",
    }
}

fn signed(d: i64) -> String {
    if d >= 0 {
        format!("+{}", format_yuan(d))
    } else {
        format_yuan(d)
    }
}

#[derive(Template)]
#[template(path = "funds/fund.html")]
pub struct FundPage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub place: String,
    pub kind: &'static str,
    pub balance: String,
    pub threshold: String,
    pub bars: Vec<Bar>,
    pub pending: Vec<EntryRow>,
    pub entries: Vec<EntryRow>,
    pub page: i64,
    pub pages: i64,
    pub may_record: bool,
    /// (code, label key, kind) of every category.
    pub categories: Vec<(&'static str, &'static str, &'static str)>,
    pub choices: EntryChoices,
    pub message: Option<String>,
    pub form: FormData,
}

fn row(
    c: &Caller,
    e: jingzhi_app::funds::FundEntry,
    v: &FundView,
    app: &jingzhi_app::App,
) -> EntryRow {
    let d = v
        .deltas
        .iter()
        .find(|(i, _)| *i == e.id)
        .map_or(0, |(_, d)| *d);
    let household = jingzhi_app::funds::household_label(app, &e);
    EntryRow {
        household,
        kind: entry_kind_key(e.kind),
        category: category_key(&e.category),
        amount: format_yuan(e.amount_fen),
        delta: signed(d),
        incoming: d >= 0,
        voucher_no: e.voucher_no,
        has_voucher: e.has_voucher,
        occurred_on: e.occurred_on,
        decision_id: e.decision_id,
        state: match e.state {
            jingzhi_domain::funds::State::Pending => "funds.state.pending",
            jingzhi_domain::funds::State::Posted => "funds.state.posted",
            jingzhi_domain::funds::State::Rejected => "funds.state.rejected",
        },
        recorded: format!("{} · {}", format_ms(e.recorded_at), e.recorded_by_name),
        decided: e.decided_at.map(|t| {
            format!(
                "{} · {}",
                format_ms(t),
                e.decided_by_name.clone().unwrap_or_default()
            )
        }),
        reject_reason: e.reject_reason,
        reversed_by: e.reversed_by,
        reverses_id: e.reverses_id,
        log_index: v
            .log_index
            .iter()
            .find(|(i, _)| *i == e.id)
            .map(|(_, x)| *x),
        own: e.recorded_by == c.actor.audit_id(),
        purpose: e.purpose,
        id: e.id,
    }
}

async fn fund_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    page: i64,
    message: Option<String>,
    form: FormData,
) -> Result<FundPage, PageError> {
    let v = s.app.funds().view(&c.actor, id, page).await?;
    let choices = if v.may_record {
        s.app.funds().choices(&c.actor, &v.fund).await?
    } else {
        EntryChoices::default()
    };
    let pending = v
        .pending
        .clone()
        .into_iter()
        .map(|e| row(c, e, &v, &s.app))
        .collect();
    let entries = v
        .entries
        .clone()
        .into_iter()
        .map(|e| row(c, e, &v, &s.app))
        .collect();
    Ok(FundPage {
        c: Chrome::new(c, lang, "funds"),
        id: v.fund.id,
        name: v.fund.name.clone(),
        place: v.fund.node_name.clone(),
        kind: kind_key(v.fund.kind),
        balance: format_yuan(v.fund.balance_fen),
        threshold: format_yuan(v.fund.threshold_fen),
        bars: bars(&v.monthly),
        pending,
        entries,
        page,
        pages: ((v.total + PAGE - 1) / PAGE).max(1),
        may_record: v.may_record,
        categories: CATEGORIES
            .iter()
            .filter(|c| matches!(c.1, EntryKind::Income | EntryKind::Spending))
            .map(|c| (c.0, category_key(c.0), c.1.as_str()))
            .collect(),
        choices,
        message,
        form,
    })
}

pub async fn fund(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<PageQ>,
) -> PageResult {
    let page = page_of(&q)?;
    Ok(render(
        &fund_page(&s, &c, lang, id, page, None, FormData(vec![])).await?,
    ))
}

fn opt_id(f: &FormData, k: &str) -> Option<i64> {
    f.get(k).trim().parse().ok()
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
    let kind = f.get("kind").to_string();
    let category = if kind == "transfer" {
        "transfer".to_string()
    } else {
        f.get("category").to_string()
    };
    let result = match parse_yuan("amount_fen", f.get("amount")) {
        Err(e) => Err(AppError::from(e)),
        Ok(amount_fen) => {
            let input = EntryInput {
                kind,
                category,
                amount_fen,
                counter_fund_id: opt_id(&f, "counter_fund_id"),
                purpose: f.get("purpose").to_string(),
                voucher_no: f.get("voucher_no").to_string(),
                occurred_on: f.get("occurred_on").to_string(),
                household_id: opt_id(&f, "household_id"),
                decision_id: opt_id(&f, "decision_id"),
                related_id: None,
                voucher: files.into_iter().next().map(|v| v.bytes),
            };
            s.app.funds().record(&c.actor, id, &input).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/funds/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &fund_page(&s, &c, lang, id, 1, Some(message), f).await?,
            ))
        }
    }
}

/// After a decision on an entry: back to its fund, or its fund's page with the reason.
async fn after(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    entry: i64,
    r: Result<jingzhi_app::funds::FundEntry, AppError>,
) -> PageResult {
    match r {
        Ok(e) => Ok(Redirect::to(&format!("/funds/{}", e.fund_id)).into_response()),
        Err(e) => {
            let fund = s.app.funds().entry(&c.actor, entry).await?.fund_id;
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &fund_page(s, c, lang, fund, 1, Some(message), FormData(vec![])).await?,
            ))
        }
    }
}

pub async fn approve(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s.app.funds().approve(&c.actor, id).await;
    after(&s, &c, lang, id, r).await
}

pub async fn reject(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s.app.funds().reject(&c.actor, id, f.get("reason")).await;
    after(&s, &c, lang, id, r).await
}

pub async fn reverse(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s.app.funds().reverse(&c.actor, id, f.get("reason")).await;
    after(&s, &c, lang, id, r).await
}

pub async fn staff_voucher(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let (ct, data) = s.app.funds().voucher(&c.actor, id).await?;
    Ok(crate::shared::stored_image(ct, data))
}

pub struct PublicRow {
    pub id: i64,
    pub kind: &'static str,
    pub category: &'static str,
    pub delta: String,
    pub incoming: bool,
    pub purpose: String,
    pub voucher_no: String,
    pub has_voucher: bool,
    pub occurred_on: String,
    pub household: Option<String>,
    pub reversed_by: Option<i64>,
    pub reverses_id: Option<i64>,
    pub log_index: Option<u64>,
}

#[derive(Template)]
#[template(path = "funds/public.html")]
pub struct PublicPage {
    pub lang: Lang,
    pub id: i64,
    pub name: String,
    pub place: String,
    pub kind: &'static str,
    pub balance: String,
    pub bars: Vec<Bar>,
    pub rows: Vec<PublicRow>,
    pub page: i64,
    pub pages: i64,
}

impl PublicPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

fn public_page(lang: Lang, p: PublicFund, page: i64) -> PublicPage {
    PublicPage {
        lang,
        id: p.id,
        kind: kind_key(p.kind),
        balance: format_yuan(p.balance_fen),
        bars: bars(&p.monthly),
        pages: ((p.total + PAGE - 1) / PAGE).max(1),
        page,
        rows: p
            .entries
            .into_iter()
            .map(|e| PublicRow {
                id: e.id,
                kind: entry_kind_key(e.kind),
                category: category_key(&e.category),
                delta: signed(e.delta_fen),
                incoming: e.delta_fen >= 0,
                purpose: e.purpose,
                voucher_no: e.voucher_no,
                has_voucher: e.has_voucher,
                occurred_on: e.occurred_on,
                household: e.household,
                reversed_by: e.reversed_by,
                reverses_id: e.reverses_id,
                log_index: e.log_index,
            })
            .collect(),
        name: p.name,
        place: p.place,
    }
}

pub async fn public(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<PageQ>,
) -> PageResult {
    let page = page_of(&q)?;
    let p = s.app.funds().public(id, page).await?;
    Ok(render(&public_page(lang, p, page)))
}

pub async fn public_voucher(
    State(s): State<AppState>,
    Path((fund, id)): Path<(i64, i64)>,
) -> PageResult {
    let (ct, data) = s.app.funds().public_voucher(fund, id).await?;
    Ok(crate::shared::stored_image(ct, data))
}
