//! Who is calling. API clients send `Authorization: Bearer <token>`; browsers carry the
//! `jz_session` cookie (HttpOnly, SameSite=Lax) of a server-side session, and every state-changing
//! browser request must carry the session's CSRF token (form field `csrf` or header
//! `X-CSRF-Token`).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jingzhi_app::Actor;

pub const SESSION_COOKIE: &str = "jz_session";

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Set-Cookie` for a new session (or an expired one to clear it when `value` is empty).
pub fn session_cookie(value: &str, secure: bool) -> String {
    let mut c = if value.is_empty() {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    } else {
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax")
    };
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The client's address: the peer of the TCP connection (`ConnectInfo`, set by
/// [`crate::serve`]). The project has no trusted-proxy setting, so `X-Forwarded-For` is not
/// believed (a loopback peer, such as a proxy on this machine, is not throttled by address at
/// all: see `jingzhi_domain::auth::address_key`). `None` when the router is driven without a
/// socket (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A signed-in caller, and how they came in.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    /// The session's CSRF token (`None` for bearer-token clients, which need none).
    pub csrf: Option<String>,
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    if let Some(auth) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authorization 头应为 Bearer <token>",
            ));
        };
        return match state.app.auth().token(token).await? {
            Some(actor) => Ok(Some(Caller { actor, csrf: None })),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "令牌无效或已过期",
            )),
        };
    }
    if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
        if let Some((actor, csrf)) = state.app.auth().session(secret).await? {
            return Ok(Some(Caller {
                actor,
                csrf: Some(csrf),
            }));
        }
    }
    Ok(None)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// For the JSON API: a bearer token, or a session cookie plus `X-CSRF-Token` on writes.
/// Missing or bad credentials answer 401 in the API's error shape.
#[derive(Clone, Debug)]
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = resolve(parts, state)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "需要登录"))?;
        if let Some(csrf) = &caller.csrf {
            if unsafe_method(&parts.method) {
                let sent = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                if !sent.is_some_and(|s| constant_time_eq(s.as_bytes(), csrf.as_bytes())) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "csrf",
                        "缺少或错误的 CSRF 令牌",
                    ));
                }
            }
        }
        Ok(ApiCaller(caller))
    }
}

/// For pages: a session cookie; without one, a redirect to the login page. Forms check the
/// CSRF token themselves with [`Caller::check_csrf`] (the token arrives in the form body).
#[derive(Clone, Debug)]
pub struct PageCaller(pub Caller);

pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        match resolve(parts, state).await {
            Ok(Some(c)) if c.csrf.is_some() => Ok(PageCaller(c)),
            Ok(_) => Err(LoginRedirect(next).into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

impl Caller {
    /// Check a form's CSRF token against the session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ApiError> {
        match &self.csrf {
            None => Ok(()),
            Some(c) if constant_time_eq(c.as_bytes(), sent.as_bytes()) => Ok(()),
            Some(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "页面已过期，请刷新后重试",
            )),
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encode for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only same-site relative paths are allowed as a post-login redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; jz_session=abc; lang=en".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert_eq!(cookie(&h, "x"), None);
    }

    #[test]
    fn next_is_same_site_only() {
        assert_eq!(safe_next(Some("/residents?q=1")), "/residents?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
