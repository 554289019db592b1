//! Signing in and out in the browser, and the language switch.

use super::UrlQuery;
use super::{render_status, FormData, PageResult};
use crate::i18n::Lang;
use crate::session::{cookie, safe_next, session_cookie, ClientAddr, PageCaller, SESSION_COOKIE};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use jingzhi_app::AppError;
use serde::Deserialize;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/signup", get(signup_form).post(signup))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub lang: Lang,
    pub next: String,
    pub username: String,
    pub error: Option<&'static str>,
}

impl LoginPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_form(lang: Lang, UrlQuery(q): UrlQuery<NextQuery>) -> Response {
    let page = LoginPage {
        lang,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    };
    render_status(StatusCode::OK, &page)
}

pub async fn login(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    let next = safe_next(Some(f.get("next")));
    let again = |status, key| {
        render_status(
            status,
            &LoginPage {
                lang,
                next: next.clone(),
                username: f.get("username").to_string(),
                error: Some(lang.t(key)),
            },
        )
    };
    match s
        .app
        .auth()
        .login_from(f.get("username"), f.get("password"), addr)
        .await
    {
        Ok(user) => {
            let (secret, _csrf) = s.app.auth().create_session(&user).await?;
            Ok((
                [(
                    header::SET_COOKIE,
                    session_cookie(&secret, s.config.secure_cookies),
                )],
                Redirect::to(&next),
            )
                .into_response())
        }
        // Unknown user, wrong password, locked or disabled account: one answer (no enumeration).
        Err(AppError::Unauthorized | AppError::Locked { .. }) => {
            Ok(again(StatusCode::UNAUTHORIZED, "login.failed"))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    headers: HeaderMap,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        s.app.auth().logout(secret).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie("", s.config.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

/// `GET /lang/{zh|en}`: remember the language and go back to the page (same site only).
pub async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let code = match lang.as_str() {
        "en" => "en",
        _ => "zh",
    };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| same_site_path(r, headers.get(header::HOST).and_then(|h| h.to_str().ok())))
        .unwrap_or_else(|| "/".to_string());
    (
        [(
            header::SET_COOKIE,
            format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax"),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

/// The path and query of a referrer on this host, if it is one.
fn same_site_path(referer: &str, host: Option<&str>) -> Option<String> {
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let (h, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    if Some(h) != host {
        return None;
    }
    Some(safe_next(Some(&path))).filter(|p| !p.starts_with("/lang/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn referer_must_be_same_site() {
        use super::same_site_path as s;
        assert_eq!(
            s("http://a:1/residents?q=1", Some("a:1")),
            Some("/residents?q=1".into())
        );
        assert_eq!(s("http://evil/x", Some("a:1")), None);
        assert_eq!(s("http://a:1", Some("a:1")), Some("/".into()));
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignUpPage {
    pub lang: Lang,
    pub errors: Vec<String>,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub username: String,
}

impl SignUpPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

pub async fn signup_form(lang: Lang) -> Response {
    render_status(
        StatusCode::OK,
        &SignUpPage {
            lang,
            errors: vec![],
            name: String::new(),
            id_number: String::new(),
            phone: String::new(),
            username: String::new(),
        },
    )
}

/// `POST /signup`: a resident opens their own account (matched against the register, see
/// `jingzhi_app::auth::Auth::sign_up`) and is signed in; a refusal shows the form again with
/// what they typed (never the password) and the reason.
pub async fn signup(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    let input = jingzhi_app::auth::SignUpInput {
        name: f.get("name").to_string(),
        id_number: f.get("id_number").to_string(),
        phone: f.get("phone").to_string(),
        username: f.get("username").to_string(),
        password: f.get("password").to_string(),
    };
    let again = |status, errors: Vec<String>| {
        render_status(
            status,
            &SignUpPage {
                lang,
                errors,
                name: input.name.clone(),
                id_number: input.id_number.clone(),
                phone: input.phone.clone(),
                username: input.username.clone(),
            },
        )
    };
    match s.app.auth().sign_up(&input, addr).await {
        Ok(user) => {
            let (secret, _csrf) = s.app.auth().create_session(&user).await?;
            Ok((
                [(
                    header::SET_COOKIE,
                    session_cookie(&secret, s.config.secure_cookies),
                )],
                Redirect::to("/"),
            )
                .into_response())
        }
        Err(AppError::Invalid(fields)) => Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            fields.into_iter().map(|e| e.reason).collect(),
        )),
        Err(AppError::Conflict { reason, field }) => Ok(again(
            if field == "signup" {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::CONFLICT
            },
            vec![reason],
        )),
        Err(e) => Err(e.into()),
    }
}
