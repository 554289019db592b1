//! Volunteer service hours (docs/volunteering.md): `/volunteering`, at phone width: log the hours
//! served with one of one's teams, see one's entries and this year's confirmed total; for team
//! leaders and managers, the entries waiting for them (confirm, or reject with a reason) and the
//! totals per volunteer.

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
use jingzhi_app::volunteering::{Hours, LogInput};
use jingzhi_domain::time_fmt::{format_date, today};
use jingzhi_domain::volunteering::hours;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/volunteering", get(index).post(log))
        .route("/volunteering/{id}/decision", post(decide))
}

pub struct Row {
    pub id: i64,
    pub team: String,
    pub volunteer: String,
    pub day: String,
    pub hours: String,
    pub activity: String,
    pub status: &'static str,
    pub decided: String,
    pub reason: String,
}

fn row(h: &Hours) -> Row {
    Row {
        id: h.id,
        team: h.team_name.clone(),
        volunteer: h.volunteer_name.clone(),
        day: format_date(jingzhi_domain::participation::votes::date_of(h.served_at)),
        hours: hours(h.minutes),
        activity: h.activity.clone(),
        status: h.status.as_str(),
        decided: h.decided_by_name.clone().unwrap_or_default(),
        reason: h.reason.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "volunteering/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub teams: Vec<(i64, String)>,
    pub today: String,
    pub durations: Vec<(i64, String)>,
    pub mine: Vec<Row>,
    pub total: String,
    pub pending: Vec<Row>,
    pub totals: Vec<(String, String, String, String, i64)>,
    pub message: Option<String>,
}

async fn page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    message: Option<String>,
) -> Result<IndexPage, PageError> {
    let v = s.app.volunteering();
    let teams = s.app.emergency().teams_of_member(&c.actor).await?;
    let (mine, total) = v.mine(&c.actor).await?;
    let pending = v.to_decide(&c.actor).await?;
    let totals = v.totals(&c.actor).await?;
    Ok(IndexPage {
        c: Chrome::new(c, lang, "volunteering"),
        teams: teams.into_iter().map(|t| (t.id, t.name)).collect(),
        today: format_date(today()),
        durations: (1..=16).map(|q| (q * 30, hours(q * 30))).collect(),
        mine: mine.iter().map(row).collect(),
        total: hours(total),
        pending: pending.iter().map(row).collect(),
        totals: totals
            .into_iter()
            .map(|t| {
                (
                    t.volunteer_name,
                    t.team_name,
                    t.place,
                    hours(t.minutes),
                    t.entries,
                )
            })
            .collect(),
        message,
    })
}

pub async fn index(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    Ok(render(&page(&s, &c, lang, None).await?))
}

async fn back(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    r: Result<(), jingzhi_app::AppError>,
) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to("/volunteering").into_response()),
        Err(e) => {
            let (status, m) = shown_refusal(e)?;
            Ok(render_status(status, &page(s, c, lang, Some(m)).await?))
        }
    }
}

pub async fn log(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .volunteering()
        .log(
            &c.actor,
            &LogInput {
                team_id: f.get("team_id").parse().unwrap_or(0),
                served_on: f.get("served_on").to_string(),
                minutes: f.get("minutes").parse().unwrap_or(0),
                activity: f.get("activity").to_string(),
            },
        )
        .await
        .map(|_| ());
    back(&s, &c, lang, r).await
}

pub async fn decide(
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
        .volunteering()
        .decide(&c.actor, id, f.get("confirm") == "1", f.get("reason"))
        .await
        .map(|_| ());
    back(&s, &c, lang, r).await
}
