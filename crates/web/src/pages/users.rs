//! `/users`: the accounts in the administrator's scope, each with disable/enable, "sign out
//! everywhere" and unlock (city admins: `ManageUsers`). Every button is a small CSRF-checked
//! form that posts, then comes back here (`?done=…` says what happened).

use super::UrlQuery;
use super::{render, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::auth::UserRef;
use jingzhi_domain::time_fmt::now_ms;
use serde::Deserialize;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(users))
        .route("/users/{id}/{action}", post(action))
}

/// Users per page.
pub const PER_PAGE: i64 = 50;

pub struct Row {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
    pub locked: bool,
    /// Failed logins counted (an unlock also clears them).
    pub failures: i32,
    pub own: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub c: Chrome,
    pub rows: Vec<Row>,
    pub notice: Option<&'static str>,
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

pub async fn users(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<UsersQuery>,
) -> PageResult {
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    // One more than a page, to know whether there is a next one.
    let mut users = s
        .app
        .auth()
        .list_users(&c.actor, page, PER_PAGE + 1)
        .await?;
    let more = users.len() as i64 > PER_PAGE;
    users.truncate(PER_PAGE as usize);
    let now = now_ms();
    let rows = users
        .into_iter()
        .map(|u| Row {
            own: u.id == c.actor.id(),
            id: u.id,
            role: match lang {
                Lang::Zh => u.role.label_zh(),
                Lang::En => u.role.label_en(),
            },
            scope: u.scope_name,
            disabled: u.disabled,
            locked: u.locked_until > now,
            failures: u.failed_logins,
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    let notice = match q.done.as_deref() {
        Some("disable") => Some("users.done.disable"),
        Some("enable") => Some("users.done.enable"),
        Some("sign-out-everywhere") => Some("users.done.sign_out"),
        Some("unlock") => Some("users.done.unlock"),
        _ => None,
    }
    .map(|k| lang.t(k));
    Ok(render(&UsersPage {
        c: Chrome::new(&c, lang, "users"),
        rows,
        notice,
        page,
        prev: (page > 1).then(|| format!("/users?page={}", page - 1)),
        next: more.then(|| format!("/users?page={}", page + 1)),
    }))
}

/// `POST /users/{id}/{disable|enable|sign-out-everywhere|unlock}`.
pub async fn action(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    let who = UserRef::Id(id);
    let by = Some(&c.actor);
    match action.as_str() {
        "disable" => drop(s.app.auth().disable_user(by, who).await?),
        "enable" => drop(s.app.auth().enable_user(by, who).await?),
        "sign-out-everywhere" => drop(s.app.auth().sign_out_everywhere(by, who).await?),
        "unlock" => drop(s.app.auth().unlock_user(by, who).await?),
        _ => return Err(PageError::not_found()),
    }
    Ok(Redirect::to(&format!("/users?done={action}")).into_response())
}
