//! What every answer carries: a request id (kept from a safe `X-Request-Id`, else made), shown
//! on an internal error page and in the API's internal error body; compression for clients
//! that ask for it.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::TestApp;
use std::io::Read;

fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder().method(Method::GET).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

fn request_id(r: &common::Resp) -> String {
    r.headers
        .get("x-request-id")
        .expect("every answer names its request")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_answer_names_its_request() {
    let t = TestApp::new().await;
    let a = t.send(get("/healthz", &[])).await;
    let b = t.send(get("/login", &[])).await;
    let (a, b) = (request_id(&a), request_id(&b));
    assert_eq!(a.len(), 16);
    assert_ne!(a, b, "each request has its own id");
    // A proxy's id is kept when it is safe to log and show; otherwise a new one is made.
    let kept = t
        .send(get("/healthz", &[("x-request-id", "edge-42.a_b")]))
        .await;
    assert_eq!(request_id(&kept), "edge-42.a_b");
    let replaced = t
        .send(get(
            "/healthz",
            &[("x-request-id", "<script>alert(1)</script>")],
        ))
        .await;
    assert_ne!(request_id(&replaced), "<script>alert(1)</script>");
    assert_eq!(request_id(&replaced).len(), 16);
}

#[tokio::test]
async fn an_internal_error_shows_the_request_id() {
    let t = TestApp::new().await;
    let token = t.token("admin").await;
    let (cookie, _) = t.browser_session("admin").await;
    // Break the store under the audit log: its list now fails inside the server.
    let mut c = t.db.store.acquire().await.unwrap();
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_gone")
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);

    let r = t
        .send(get(
            "/api/v1/audit",
            &[("authorization", &format!("Bearer {token}"))],
        ))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], "internal");
    assert_eq!(v["request_id"].as_str(), Some(request_id(&r).as_str()));
    assert!(
        !r.text().contains("audit_log"),
        "no internals: {}",
        r.text()
    );

    let p = t.page("/audit", &cookie).await;
    assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
    let html = p.text();
    assert!(html.contains(&request_id(&p)), "{html}");
    assert!(html.contains("请求编号"), "{html}");
    assert!(!html.contains("audit_log"), "no internals: {html}");

    // Other errors do not carry it in the body (the header has it).
    let nf = t
        .send(get(
            "/api/v1/nodes/999999",
            &[("authorization", &format!("Bearer {token}"))],
        ))
        .await;
    assert_eq!(nf.status, StatusCode::NOT_FOUND);
    assert!(nf.json().get("request_id").is_none());
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_ask() {
    let t = TestApp::new().await;
    let (cookie, _) = t.browser_session("admin").await;
    let plain = t.page("/", &cookie).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get("content-encoding").is_none());

    let gz = t
        .send(get(
            "/",
            &[("cookie", cookie.as_str()), ("accept-encoding", "gzip")],
        ))
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.headers["content-encoding"], "gzip");
    let mut html = String::new();
    flate2::read::GzDecoder::new(gz.body.as_slice())
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("<html"), "{html}");
    assert!(gz.body.len() < html.len());

    let token = t.token("admin").await;
    let br = t
        .send(get(
            "/api/v1/openapi.json",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("accept-encoding", "br, gzip"),
            ],
        ))
        .await;
    assert_eq!(br.headers["content-encoding"], "br");
    let plain = t.send(get("/api/v1/openapi.json", &[])).await;
    assert!(br.body.len() * 4 < plain.body.len(), "the document shrinks");
}

/// A streamed export goes through the compression layer whole (it asks the stream again after
/// its end; the export's stream must keep saying it is done).
#[tokio::test]
async fn streamed_exports_survive_compression() {
    let t = TestApp::new().await;
    let token = t.token("admin").await;
    for uri in [
        "/api/v1/residents/export",
        "/api/v1/households/export",
        "/api/v1/audit/export",
    ] {
        let r = t
            .send(get(
                uri,
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("accept-encoding", "gzip"),
                ],
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(r.headers["content-encoding"], "gzip", "{uri}");
        let mut xlsx = Vec::new();
        flate2::read::GzDecoder::new(r.body.as_slice())
            .read_to_end(&mut xlsx)
            .unwrap();
        assert!(xlsx.starts_with(b"PK"), "{uri}: an xlsx (zip) file");
    }
}
