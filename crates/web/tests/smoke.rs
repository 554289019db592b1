//! The basics every other web test relies on.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;

#[tokio::test]
async fn health_login_and_me() {
    let t = TestApp::new().await;
    let r = t.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");

    let bad = t
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "worker.a", "password": "nope"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["code"], "unauthorized");

    let malformed = t
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"user": 1})),
        )
        .await;
    assert!(malformed.status.is_client_error());
    assert!(malformed.json()["message"].is_string());

    let token = t.token("worker.a").await;
    let me = t.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["role"], "community-worker");
    assert_eq!(me["scope"]["code"], "371002001001");

    let anon = t.request(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let bogus = t.get("/api/v1/me", "jz_bogus").await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
}

/// An unknown address gets the application's own "not found": a Chinese page for a browser, the
/// JSON error under `/api/`; the favicon is served.
#[tokio::test]
async fn unknown_addresses_and_the_favicon() {
    let t = TestApp::new().await;
    let (cookie, _) = t.browser_session("worker.a").await;
    let r = t.page("/no-such-page", &cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let html = r.text();
    assert!(
        html.contains("未找到") && html.contains("返回首页"),
        "{html}"
    );
    assert!(
        !html.contains("Home"),
        "no English subtitles on a Chinese page"
    );
    let token = t.token("worker.a").await;
    let r = t.get("/api/v1/no-such-thing", &token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    let r = t.request(Method::GET, "/favicon.ico", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().starts_with("<svg"));
}
