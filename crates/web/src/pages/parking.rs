//! `/parking`: a community's shared parking spaces (错时停车) for the staff who keep them — the
//! spaces and the hours each is shared in, the rental contracts over those hours, and each
//! period's rent, recorded once and posted to the fund (docs/parking.md).

use super::participation::shown_refusal;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::parking::{ContractInput, Parking, PaymentInput, SpaceInput};
use jingzhi_app::AppError;
use jingzhi_domain::funds::{format_yuan, parse_yuan};
use jingzhi_domain::parking::{hhmm, parse_hhmm, Period, Window};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/parking", get(index))
        .route("/parking/spaces", post(create_space))
        .route("/parking/contracts", post(create_contract))
        .route("/parking/contracts/{id}/payments", post(pay))
}

/// "Mon–Fri 08:00–18:00", "每天 全天", in the page's language.
pub fn window_label(lang: Lang, w: &Window) -> String {
    let days = match w.days {
        0x7f => lang.t("parking.every_day").to_string(),
        0x1f => lang.t("parking.weekdays").to_string(),
        d => (1..=7)
            .filter(|n| d & (1 << (n - 1)) != 0)
            .map(|n| lang.t(DAY_KEYS[n - 1]))
            .collect::<Vec<_>>()
            .join(" "),
    };
    if w.start == w.end {
        format!("{days} {}", lang.t("parking.all_day"))
    } else {
        format!("{days} {}–{}", hhmm(w.start), hhmm(w.end))
    }
}

const DAY_KEYS: [&str; 7] = [
    "parking.day.1",
    "parking.day.2",
    "parking.day.3",
    "parking.day.4",
    "parking.day.5",
    "parking.day.6",
    "parking.day.7",
];

pub struct ContractRow {
    pub id: i64,
    pub tenant: String,
    pub phone: Option<String>,
    pub window: String,
    pub term: String,
    pub rent: String,
    pub period: &'static str,
    pub fund: String,
    pub periods: Vec<(String, bool)>,
    pub unpaid: bool,
}

pub struct SpaceRow {
    pub id: i64,
    pub number: String,
    pub place: String,
    pub note: String,
    pub windows: String,
    pub contracts: Vec<ContractRow>,
}

#[derive(Template)]
#[template(path = "parking.html")]
pub struct ParkingPage {
    pub c: Chrome,
    pub spaces: Vec<SpaceRow>,
    pub may_keep: bool,
    pub places: Vec<(i64, String)>,
    pub funds: Vec<(i64, String)>,
    pub day_names: Vec<(usize, &'static str)>,
    pub message: Option<String>,
}

async fn page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<ParkingPage, PageError> {
    let (spaces, contracts) = s.app.parking().overview(&c.actor).await?;
    let may_keep = c.actor.user.role.is_manager();
    let (places, funds) = if may_keep {
        s.app.parking().choices(&c.actor).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let rows = spaces
        .into_iter()
        .map(|sp| SpaceRow {
            contracts: contracts
                .iter()
                .filter(|k| k.space_id == sp.id)
                .map(|k| {
                    let periods = Parking::periods(k);
                    ContractRow {
                        id: k.id,
                        tenant: k.tenant_mask.clone(),
                        phone: k.phone_mask.clone(),
                        window: window_label(lang, &k.window),
                        term: format!("{}–{}", k.starts_on, k.ends_on),
                        rent: format_yuan(k.rent_fen),
                        period: match k.period {
                            Period::Year => "parking.yuan_year",
                            Period::Month => "parking.yuan_month",
                        },
                        fund: k.fund_name.clone(),
                        unpaid: periods.iter().any(|(_, p)| !p),
                        periods,
                    }
                })
                .collect(),
            windows: sp
                .windows
                .iter()
                .map(|w| window_label(lang, w))
                .collect::<Vec<_>>()
                .join("; "),
            id: sp.id,
            number: sp.number,
            place: sp.node_name,
            note: sp.note,
        })
        .collect();
    Ok(ParkingPage {
        c: Chrome::new(c, lang, "funds"),
        spaces: rows,
        may_keep,
        places,
        funds,
        day_names: (1..=7).map(|n| (n, DAY_KEYS[n - 1])).collect(),
        message,
    })
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&page(&s, &c, lang, None).await?))
}

async fn back(s: &AppState, c: &Caller, lang: Lang, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to("/parking").into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            Ok(render_status(
                status,
                &page(s, c, lang, Some(message)).await?,
            ))
        }
    }
}

/// The window a form gives: the days ticked (none: `default_days`) and the two times; none when
/// nothing was given (the whole week, or the space's own hours).
fn window_of(f: &FormData, default_days: u8) -> Result<Option<Window>, AppError> {
    let days: Vec<&str> =
        f.0.iter()
            .filter(|(k, _)| k == "days")
            .map(|(_, v)| v.as_str())
            .collect();
    let (start, end) = (f.get("start").trim(), f.get("end").trim());
    if days.is_empty() && start.is_empty() && end.is_empty() {
        return Ok(None);
    }
    let days = if days.is_empty() {
        default_days
    } else {
        jingzhi_domain::parking::parse_days(&days.join(","))?
    };
    let start = if start.is_empty() {
        0
    } else {
        parse_hhmm("start", start)?
    };
    let end = if end.is_empty() {
        start
    } else {
        parse_hhmm("end", end)?
    };
    Ok(Some(Window { days, start, end }))
}

pub async fn create_space(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = match window_of(&f, 0x7f) {
        Ok(w) => s
            .app
            .parking()
            .create_space(
                &c.actor,
                &SpaceInput {
                    node_id: f.get("node_id").parse().unwrap_or(0),
                    number: f.get("number").to_string(),
                    note: f.get("note").to_string(),
                    windows: w.into_iter().collect(),
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    back(&s, &c, lang, r).await
}

pub async fn create_contract(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = async {
        // No day ticked: the space's own days.
        let window = window_of(&f, 0)?;
        let rent_fen = parse_yuan("rent_fen", f.get("rent"))?;
        s.app
            .parking()
            .create_contract(
                &c.actor,
                &ContractInput {
                    space_id: f.get("space_id").parse().unwrap_or(0),
                    fund_id: f.get("fund_id").parse().unwrap_or(0),
                    tenant: f.get("tenant").to_string(),
                    phone: f.get("phone").to_string(),
                    window,
                    starts_on: f.get("starts_on").to_string(),
                    ends_on: f.get("ends_on").to_string(),
                    period: f.get("period").to_string(),
                    rent_fen,
                },
            )
            .await
            .map(|_| ())
    }
    .await;
    back(&s, &c, lang, r).await
}

pub async fn pay(
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
        .parking()
        .pay(
            &c.actor,
            id,
            &PaymentInput {
                period_start: f.get("period_start").to_string(),
                paid_on: f.get("paid_on").to_string(),
                voucher_no: f.get("voucher_no").to_string(),
            },
        )
        .await
        .map(|_| ());
    back(&s, &c, lang, r).await
}
