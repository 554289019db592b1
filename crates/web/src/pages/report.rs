//! The resident's report around the form (issue 9 §3): the open reports of the same category
//! near the place, loaded by htmx while the form is filled (`/events/nearby`), "我也遇到了"
//! (`POST /events/{id}/support`, a button of the report form: `formaction`, so it works without
//! script and carries the form's CSRF token), the confirmation page after a report
//! (`/events/{id}/submitted`), and staff's internal notes (`POST /events/{id}/note`).

use super::UrlQuery;
use super::{render, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use jingzhi_app::report::{NearbyQuery, NearbyReport};
use jingzhi_domain::auth::Role;
use jingzhi_domain::time_fmt::format_ms;
use serde::Deserialize;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    let upload = axum::extract::DefaultBodyLimit::max(crate::shared::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/events/nearby", get(nearby))
        .route("/events/{id}/support", post(support).layer(upload))
        .route("/events/{id}/submitted", get(submitted))
        .route("/events/{id}/note", post(internal_note))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NearbyParams {
    pub category: String,
    pub place_mode: String,
    pub node_id: String,
    pub x: String,
    pub y: String,
    pub description: String,
}

pub struct NearbyVm {
    pub id: i64,
    pub category: String,
    pub place: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub date: String,
    pub supporters: i64,
    pub supported: bool,
    pub own: bool,
}

#[derive(Template)]
#[template(path = "event_nearby.html")]
pub struct NearbyFragment {
    pub c: Chrome,
    pub items: Vec<NearbyVm>,
    pub resident: bool,
}

fn vm(lang: Lang, n: NearbyReport) -> NearbyVm {
    NearbyVm {
        id: n.id,
        category: n.category_name,
        place: n.place_name,
        status: super::events::status_label(lang, n.status),
        status_code: n.status.as_str(),
        date: format_ms(n.reported_at).chars().take(10).collect(),
        supporters: n.supporters,
        supported: n.supported,
        own: n.own,
    }
}

/// The open reports of the chosen category near the chosen place (an htmx fragment of the report
/// form; empty when there are none).
pub async fn nearby(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<NearbyParams>,
) -> PageResult {
    let map = q.place_mode == "map";
    let f = |v: &str| v.trim().parse::<f64>().ok();
    let query = NearbyQuery {
        category: q.category,
        node_id: if map {
            None
        } else {
            q.node_id.trim().parse().ok()
        },
        x: if map { f(&q.x) } else { None },
        y: if map { f(&q.y) } else { None },
        text: q.description,
    };
    let items = s.app.report().nearby(&c.actor, &query).await?;
    Ok(render(&NearbyFragment {
        c: Chrome::new(&c, lang, "events"),
        resident: c.actor.user.role == Role::Resident,
        items: items.into_iter().map(|n| vm(lang, n)).collect(),
    }))
}

/// "我也遇到了": the resident joins an open report instead of filing a duplicate. Posted by a
/// button of the report form (multipart; only the CSRF token is read).
pub async fn support(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<String>,
    req: Request,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let (f, _) = super::events::multipart_form(&s, req).await?;
    c.check_csrf(f.get("csrf"))?;
    s.app.report().support_event(&c.actor, id).await?;
    Ok(Redirect::to(&format!("/events/{id}?joined=1")).into_response())
}

#[derive(Template)]
#[template(path = "event_submitted.html")]
pub struct SubmittedPage {
    pub c: Chrome,
    pub id: i64,
    pub category: String,
    pub handler: String,
    pub reported_at: String,
    pub deadline_at: String,
    pub email: Option<String>,
}

/// The confirmation page after a report.
pub async fn submitted(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<String>,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let r = s.app.report().receipt(&c.actor, id).await?;
    Ok(render(&SubmittedPage {
        c: Chrome::new(&c, lang, "events"),
        id: r.event.id,
        category: r.event.category_name,
        handler: r.handler,
        reported_at: format_ms(r.event.reported_at),
        deadline_at: format_ms(r.event.deadline_at),
        email: r.email.map(|e| mask_email(&e)),
    }))
}

/// `zhang.san@example.com` → `z***@example.com`.
fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((l, d)) => format!("{}***@{d}", l.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

/// A staff note residents do not see.
pub async fn internal_note(
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
        .report()
        .add_internal_note(&c.actor, id, f.get("note"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}#timeline")).into_response()),
        Err(e) => super::events::again(&s, &c, lang, id, "note", e, f).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_the_local_part() {
        assert_eq!(super::mask_email("zhang@example.com"), "z***@example.com");
        assert_eq!(super::mask_email("bad"), "***");
    }
}
