//! Every request carries an id: taken from a well-formed `X-Request-Id` header (a proxy's), or
//! made here. It is the field of the tracing span the request runs in (with the method and
//! path), so every log line written while serving it names it; the answer carries it back in
//! `X-Request-Id`, and an internal error shows it (the error page and the API's error body), so
//! a worker's screenshot of an error leads to the log lines of that very request.
//!
//! One line per request is logged when it ends (at info, at warn for a 5xx), with the status
//! and the time taken.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, when called while serving one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// A new id: 16 hexadecimal digits, a random prefix of this process and a counter, so ids of
/// one server never repeat and two servers' ids do not collide in practice.
fn new_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = *PREFIX.get_or_init(rand::random::<u32>);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix:08x}{:08x}", n & 0xffff_ffff)
}

/// An id sent by the client or a proxy, if it is one we can log and show safely: 1–64
/// characters of letters, digits, `-`, `_` and `.`.
fn given_id(v: Option<&HeaderValue>) -> Option<String> {
    let s = v?.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| s.to_string())
}

/// The middleware: the request's id, its span, its closing log line and the response header.
pub async fn track(req: Request, next: Next) -> Response {
    let id = given_id(req.headers().get(&HEADER)).unwrap_or_else(new_id);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let started = Instant::now();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = res.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, ms, "request failed");
        } else {
            tracing::info!(status, ms, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_new_and_well_formed() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        assert!(given_id(Some(&HeaderValue::from_str(&a).unwrap())).is_some());
    }

    #[test]
    fn a_given_id_is_kept_only_when_safe_to_show() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(
            given_id(Some(&v("abc-123_x.y"))).as_deref(),
            Some("abc-123_x.y")
        );
        assert_eq!(given_id(Some(&v(""))), None);
        assert_eq!(given_id(Some(&v("a b"))), None);
        assert_eq!(given_id(Some(&v("<script>"))), None);
        assert_eq!(given_id(Some(&v(&"a".repeat(65)))), None);
        assert_eq!(given_id(None), None);
    }
}
