//! `/notifications`: the signed-in user's notifications, unread first, each with "mark read";
//! and the unread badge of the nav (`/notifications/badge`, loaded by htmx: one indexed count).

use super::{render, Chrome, FormData, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::notify::Notification;
use jingzhi_domain::time_fmt::format_ms;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications))
        .route("/notifications/badge", get(badge))
        .route("/notifications/read-all", post(mark_all_read))
        .route("/notifications/{id}/read", post(mark_read))
}

/// Read notifications shown below the unread ones.
pub const READ_SHOWN: i64 = 50;

pub struct Row {
    pub id: i64,
    /// What it is about, as the page names it (事件#12, 提案#5) and links it.
    pub subject: String,
    pub subject_href: String,
    /// For the button's test id: the event's id, or `p` and the proposal's.
    pub testid: String,
    pub at: String,
    pub status: &'static str,
    /// Where the notification leads: the event, or straight to its rating once it is closed.
    pub href: String,
    /// It leads to the rating.
    pub rate: bool,
    pub title: String,
    pub body: String,
    pub unread: bool,
}

impl Row {
    fn of(lang: Lang, n: Notification) -> Self {
        if let Some(link) = n.link.clone() {
            let subject = if n.command == "task" {
                lang.t("notify.task")
            } else {
                lang.t("integrity.title")
            };
            return Row {
                id: n.id,
                subject: subject.to_string(),
                subject_href: link.clone(),
                testid: format!("n{}", n.id),
                at: format_ms(n.created_at),
                status: "",
                rate: false,
                href: link,
                title: n.title,
                body: n.body,
                unread: n.read_at.is_none(),
            };
        }
        if let Some(p) = n.proposal_id {
            return Row {
                id: n.id,
                subject: format!("{}#{p}", lang.t("notify.proposal")),
                subject_href: format!("/proposals/{p}"),
                testid: format!("p{p}"),
                at: format_ms(n.created_at),
                status: jingzhi_domain::participation::proposals::Phase::parse(&n.status)
                    .map(|ph| lang.t(super::participation::proposal_phase_key(ph)))
                    .unwrap_or(""),
                rate: false,
                href: format!("/proposals/{p}"),
                title: n.title,
                body: n.body,
                unread: n.read_at.is_none(),
            };
        }
        let e = n.event_id.unwrap_or_default();
        // A reporter told of a closed event goes straight to the rating (supporters do not rate).
        let rate = n.status == "closed" && n.body.ends_with(jingzhi_domain::notify::RATE_HINT);
        Row {
            id: n.id,
            subject: format!("{}#{e}", lang.t("notify.event")),
            subject_href: format!("/events/{e}"),
            testid: e.to_string(),
            at: format_ms(n.created_at),
            status: jingzhi_domain::events::lifecycle::Status::parse(&n.status)
                .map(|s| super::events::status_label(lang, s))
                .unwrap_or(""),
            rate,
            href: if rate {
                format!("/events/{e}#rate")
            } else {
                format!("/events/{e}")
            },
            title: n.title,
            body: n.body,
            unread: n.read_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub c: Chrome,
    pub unread: Vec<Row>,
    pub read: Vec<Row>,
}

pub async fn notifications(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    let inbox = s.app.notify().inbox(&c.actor, READ_SHOWN).await?;
    Ok(render(&NotificationsPage {
        c: Chrome::new(&c, lang, "notifications"),
        unread: inbox.unread.into_iter().map(|n| Row::of(lang, n)).collect(),
        read: inbox.read.into_iter().map(|n| Row::of(lang, n)).collect(),
    }))
}

pub async fn mark_read(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app.notify().mark_read(&c.actor, id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

pub async fn mark_all_read(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    s.app.notify().mark_all_read(&c.actor).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// The nav's unread count as a fragment (empty when none), never cached.
pub async fn badge(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> Response {
    let n = s.app.notify().unread(&c.actor).await.unwrap_or(0);
    let html = if n > 0 {
        format!(
            "<span class=\"badge\" aria-label=\"{}\">{}</span>",
            super::escape(&lang.tf("notify.unread_n", n)),
            if n > 99 {
                "99+".to_string()
            } else {
                n.to_string()
            }
        )
    } else {
        String::new()
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}
