//! Server-rendered pages (askama + htmx). Handlers stay short: parse the request, call a
//! use-case, fill a template. Everything shared by the pages lives here: the layout's "chrome"
//! (nav by permission, language switch, user, CSRF token), the friendly error page, form data
//! and field errors.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod care;
pub mod dashboard;
pub mod districting;
pub mod doctors;
pub mod duplicates;
pub mod emergency;
pub mod events;
pub mod export;
pub mod forces;
pub mod funds;
pub mod home;
pub mod hotline;
pub mod import;
pub mod integrity;
pub mod jobs;
pub mod legal;
pub mod map;
pub mod notify;
pub mod parking;
pub mod participation;
pub mod registry;
pub mod report;
pub mod rounds;
pub mod users;
pub mod volunteering;

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::session::Caller;
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use jingzhi_app::AppError;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::registry::NodeKind;

/// Every page: each module that serves pages lists its own routes in its `router()`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(registry::router())
        .merge(export::router())
        .merge(import::router())
        .merge(audit::router())
        .merge(notify::router())
        .merge(users::router())
        .merge(dashboard::router())
        .merge(duplicates::router())
        .merge(report::router())
        .merge(districting::router())
        .merge(events::router())
        .merge(hotline::router())
        .merge(rounds::router())
        .merge(participation::router())
        .merge(funds::router())
        .merge(integrity::router())
        .merge(parking::router())
        .merge(emergency::router())
        .merge(care::router())
        .merge(volunteering::router())
        .merge(activities::router())
        .merge(forces::router())
        .merge(legal::router())
        .merge(jobs::router())
        .merge(doctors::router())
}

/// What the layout needs on every signed-in page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub user: String,
    pub role: String,
    pub scope: String,
    pub csrf: String,
    /// Which nav entry is current: `home`, `households`, `residents`, `import`, `audit`.
    pub active: &'static str,
    pub can_read: bool,
    pub can_write: bool,
    pub can_unmask: bool,
    pub can_import: bool,
    pub can_export: bool,
    pub can_audit: bool,
    /// 12345 hotline tickets (community workers and above).
    pub can_hotline: bool,
    /// User accounts (`/users`).
    pub can_users: bool,
    /// Redistricting (社区规模优化): officers and the auditor.
    pub can_districting: bool,
    /// Councils and associations (managers, and residents who follow those over their home).
    pub can_councils: bool,
    /// The integrity index (everyone but departments: staff its lists, residents their own).
    pub can_integrity: bool,
    /// Care and the warning (staff who read care records, stewards' visits, departments'
    /// referrals).
    pub can_care: bool,
    /// Volunteer hours in the nav (residents, stewards and grid workers: those who volunteer;
    /// managers go there from /care, the nav being full at desk width).
    pub can_volunteer: bool,
    /// Community activities in the nav: everyone but department staff (who serve events, not a
    /// place's residents).
    pub can_activities: bool,
    /// The register of people who can be mobilised (managers and grid workers; linked from the
    /// emergency pages, the nav being full).
    pub can_forces: bool,
    /// Legal-aid cases (managers and grid workers; from /care and a resident's page).
    pub can_legal: bool,
    /// Employment help (managers and grid workers; from /care and a resident's page).
    pub can_jobs: bool,
}

impl Chrome {
    pub fn new(c: &Caller, lang: Lang, active: &'static str) -> Self {
        let u = &c.actor.user;
        let can = |p| u.role.can(p);
        Chrome {
            lang,
            user: u.display_name.clone(),
            role: match lang {
                Lang::Zh => u.role.label_zh(),
                Lang::En => u.role.label_en(),
            }
            .to_string(),
            scope: u.scope_name.clone(),
            csrf: c.csrf.clone().unwrap_or_default(),
            active,
            can_read: can(Permission::ReadRegister),
            can_write: can(Permission::WriteRegister),
            can_unmask: can(Permission::Unmask),
            can_import: can(Permission::ImportExport) && can(Permission::WriteRegister),
            can_export: can(Permission::ImportExport) && can(Permission::ReadRegister),
            can_audit: can(Permission::ReadAudit),
            can_hotline: jingzhi_app::hotline::may_handle(u.role),
            can_users: can(Permission::ManageUsers),
            can_districting: jingzhi_domain::districting::approval::can_view(u.role),
            can_councils: jingzhi_app::participation::councils::may_read(u.role),
            can_integrity: !matches!(u.role, jingzhi_domain::auth::Role::DepartmentStaff),
            can_care: jingzhi_app::care::reads(u.role)
                || matches!(
                    u.role,
                    jingzhi_domain::auth::Role::Steward
                        | jingzhi_domain::auth::Role::DepartmentStaff
                ),
            // Staff reach it from /care and /teams; the nav keeps it for those who volunteer.
            can_volunteer: matches!(
                u.role,
                jingzhi_domain::auth::Role::Resident
                    | jingzhi_domain::auth::Role::Steward
                    | jingzhi_domain::auth::Role::GridWorker
            ),
            can_activities: !matches!(u.role, jingzhi_domain::auth::Role::DepartmentStaff),
            can_forces: jingzhi_app::forces::reads(u.role),
            can_legal: jingzhi_app::legal::reads(u.role),
            can_jobs: jingzhi_app::jobs::reads(u.role),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The string for `key` with its `{}` replaced by `arg`.
    pub fn tf(&self, key: &str, arg: impl std::fmt::Display) -> String {
        self.lang.tf(key, arg)
    }

    /// `（x）` in Chinese, ` (x)` in English.
    pub fn paren(&self, x: impl std::fmt::Display) -> String {
        self.lang.paren(x)
    }

    /// The label of a coded value: `coded("rounds.post_kind", "steward")`.
    pub fn coded(&self, prefix: &str, code: &str) -> &'static str {
        self.lang.coded(prefix, code)
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn kind(&self, k: &NodeKind) -> &'static str {
        kind_label(self.lang, *k)
    }
}

pub fn kind_label(lang: Lang, k: NodeKind) -> &'static str {
    match lang {
        Lang::Zh => k.label_zh(),
        Lang::En => k.label_en(),
    }
}

/// Render a template as a page (a failure to render is logged and shown as the error page).
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            PageError::internal().into_response()
        }
    }
}

/// The page number of a list (`page`, `list_page`): the first when absent, the error page (422,
/// saying which numbers are allowed) when it is not a number in `1..=MAX_PAGE`: a number too
/// large is never quietly shown as the first page.
pub fn page_number(field: &'static str, v: Option<&str>) -> Result<i64, PageError> {
    jingzhi_domain::paging::parse_page_number(field, v)
        .map_err(|e| AppError::Invalid(vec![e]).into())
}

/// The friendly error page: a status, a title and a message for people. Never internals.
/// The page's own words are in both languages; a message that comes from a rule (a domain or
/// use-case error) is in Chinese, as the rule says it (docs/decisions.md, "English mode").
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
    /// The message's key in the i18n tables, when the message is one of the page's own.
    pub message_key: Option<&'static str>,
    pub details: Vec<String>,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        PageError {
            status,
            message: message.into(),
            message_key: None,
            details: vec![],
        }
    }

    /// An error with one of the page's own messages (by key).
    pub fn keyed(status: StatusCode, key: &'static str) -> Self {
        PageError {
            message_key: Some(key),
            ..Self::new(status, Lang::Zh.t(key))
        }
    }

    pub fn not_found() -> Self {
        Self::keyed(StatusCode::NOT_FOUND, "error.not_found")
    }

    pub fn forbidden() -> Self {
        Self::keyed(StatusCode::FORBIDDEN, "error.forbidden")
    }

    pub fn internal() -> Self {
        Self::keyed(StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
    }

    /// The error page in a language.
    fn page(&self, lang: Lang) -> Response {
        let title = lang.t(match self.status {
            StatusCode::NOT_FOUND => "error.title.not_found",
            StatusCode::FORBIDDEN => "error.title.forbidden",
            StatusCode::UNAUTHORIZED => "error.title.unauthorized",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "error.title.invalid",
            StatusCode::CONFLICT => "error.title.conflict",
            StatusCode::TOO_MANY_REQUESTS => "error.title.later",
            _ => "error.title.other",
        });
        let page = ErrorPage {
            lang,
            status: self.status.as_u16(),
            title,
            message: match self.message_key {
                Some(k) => lang.t(k),
                None => &self.message,
            },
            details: &self.details,
            request_id: if self.status.is_server_error() {
                crate::request::current()
            } else {
                None
            },
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, lang.t("error.title.other")).into_response(),
        }
    }
}

/// Error pages in the reader's language. A `PageError` becomes a response without seeing the
/// request, so it renders in Chinese and leaves itself in the response; for a reader of English
/// this layer renders it again.
pub async fn localise_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = Lang::from_headers(req.headers());
    let mut res = next.run(req).await;
    match res.extensions_mut().remove::<PageError>() {
        Some(e) if lang != Lang::Zh => e.page(lang),
        _ => res,
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden => Self::forbidden(),
            AppError::Unauthorized => Self::keyed(StatusCode::UNAUTHORIZED, "error.sign_in"),
            AppError::Locked { .. } => Self::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            AppError::Invalid(fields) => PageError {
                details: fields.into_iter().map(|f| f.reason).collect(),
                ..Self::keyed(StatusCode::UNPROCESSABLE_ENTITY, "error.invalid")
            },
            AppError::Conflict { reason, .. } => Self::new(StatusCode::CONFLICT, reason),
            AppError::Internal(_) => Self::internal(),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError {
            status: e.status,
            message: e.body.message,
            message_key: None,
            details: e.body.details.into_iter().map(|d| d.reason).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    status: u16,
    title: &'a str,
    message: &'a str,
    details: &'a [String],
    /// Shown on an internal error, to quote when asking for help: the log lines carry it.
    request_id: Option<String>,
}

impl ErrorPage<'_> {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.page(Lang::Zh);
        res.extensions_mut().insert(self);
        res
    }
}

pub type PageResult = Result<Response, PageError>;

/// A page's query string. A value that does not parse (`?page=abc`) answers the application's
/// own error page (400, in words for people), never the framework's plain text.
pub struct UrlQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for UrlQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, PageError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(UrlQuery(v)),
            Err(e) => {
                tracing::debug!(error = %e.body_text(), "a page's query string did not parse");
                Err(PageError::new(
                    StatusCode::BAD_REQUEST,
                    "网址中的参数有误，请从页面上的链接或表单重新进入。",
                ))
            }
        }
    }
}

/// A urlencoded form as pairs (so that no field can make the extractor fail).
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The trimmed value, or `None` when blank.
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|s| !s.is_empty())
    }

    pub fn checked(&self, k: &str) -> bool {
        matches!(self.get(k), "on" | "true" | "1")
    }

    /// Whether one of the values of a repeated field (checkboxes) is `v`.
    pub fn has(&self, k: &str, v: &str) -> bool {
        self.0.iter().any(|(n, x)| n == k && x == v)
    }
}

/// Field errors of a form, to show next to each field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, r)| r.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors of fields the form does not show itself (shown at the top).
    pub fn other(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// The status and field errors of a use-case error a form can show; other errors go to the
    /// error page.
    pub fn from_app(e: AppError) -> Result<(StatusCode, FieldErrors), PageError> {
        match e {
            AppError::Invalid(fs) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors(
                    fs.into_iter()
                        .map(|f| (f.field.to_string(), f.reason))
                        .collect(),
                ),
            )),
            AppError::Conflict { field, reason } => {
                Ok((StatusCode::CONFLICT, FieldErrors(vec![(field, reason)])))
            }
            e => Err(e.into()),
        }
    }
}

/// Build a query string from the non-empty pairs (`a=1&b=x`), percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::shared::urlencode_all(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Escape text for HTML/SVG built by hand (templates escape by themselves).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link in a breadcrumb.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub href: String,
    pub name: String,
}

pub fn crumbs(nodes: &[jingzhi_app::registry::Node]) -> Vec<Crumb> {
    nodes
        .iter()
        .map(|n| Crumb {
            href: format!("/nodes/{}", n.id),
            name: n.name.clone(),
        })
        .collect()
}

/// Whether a request came from htmx (then answer with a fragment).
pub fn is_htmx(h: &axum::http::HeaderMap) -> bool {
    h.get("hx-request").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_encodes() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            query_string(&[("q", "王 建".into()), ("page", String::new())]),
            "q=%E7%8E%8B%20%E5%BB%BA"
        );
    }
}
