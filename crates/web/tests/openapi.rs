//! The public contract of the JSON API: the OpenAPI document served at `/api/v1/openapi.json` is
//! kept as a snapshot (tests/snapshots/), so that any change to it fails here and shows in review
//! (accept a deliberate change with `cargo insta review`, or `INSTA_UPDATE=always` and commit the
//! new `.snap`); and the routes the whole application serves under `/api/` are exactly the
//! operations the document describes, both ways.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use std::collections::BTreeSet;

#[tokio::test]
async fn the_document_is_the_snapshot() {
    let t = TestApp::new().await;
    let r = t
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), jingzhi_web::api::openapi_string());
    insta::assert_snapshot!("openapi_json", r.text());
}

/// The methods a route can have (HEAD is served by axum for every GET).
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"];

/// Every (method, path) the document describes.
fn documented() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(jingzhi_web::api::openapi_string()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m.to_lowercase()).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

/// Every path the application's router has a route for, read from its `Debug` form: axum lists
/// the paths it routes there (`paths: {RouteId(7): "/api/v1/nodes", …}`), whoever mounted them
/// (the API's `routes()`, the pages, `lib.rs`, …).
fn mounted_paths(router: &axum::Router) -> BTreeSet<String> {
    let dbg = format!("{router:?}");
    let mut out = BTreeSet::new();
    let mut rest = dbg.as_str();
    while let Some(i) = rest.find("RouteId(") {
        rest = &rest[i + "RouteId(".len()..];
        let Some(after) = rest.find(')').map(|j| &rest[j..]) else {
            break;
        };
        if let Some(quoted) = after.strip_prefix("): \"") {
            if let Some(end) = quoted.find('"') {
                out.insert(quoted[..end].to_string());
            }
        }
    }
    out
}

/// A concrete address for a route's path: every `{param}` replaced by `1`.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if in_param => {}
            _ => out.push(ch),
        }
    }
    out
}

#[tokio::test]
async fn the_routes_served_are_the_routes_documented() {
    let t = TestApp::new().await;
    let paths = mounted_paths(&t.router);
    // The reading of the router works (an axum upgrade that changes its `Debug` fails here).
    for p in [
        "/healthz",
        "/login",
        "/api/v1/openapi.json",
        "/api/v1/events/{id}/{command}",
    ] {
        assert!(paths.contains(p), "{p} not found in the router: {paths:?}");
    }

    // Every method of every path under /api/ (but the browsable docs at /api/docs, which are
    // not part of the API): without credentials, a method the path does not have answers 405
    // from the router; one it has answers anything else (401, or works for the public ones).
    let mut served = BTreeSet::new();
    for p in paths
        .iter()
        .filter(|p| p.starts_with("/api/") && !p.starts_with("/api/docs"))
    {
        for m in METHODS {
            let r = t
                .request(m.parse().unwrap(), &concrete(p), None, None)
                .await;
            if r.status != StatusCode::METHOD_NOT_ALLOWED {
                assert_ne!(r.status, StatusCode::NOT_FOUND, "{m} {p}: {}", r.text());
                served.insert((m.to_string(), p.clone()));
            }
        }
    }
    let documented = documented();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in the OpenAPI document (add the handler to its module's `routes()` with #[utoipa::path]): {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "in the OpenAPI document but not served: {unserved:?}"
    );
    assert!(documented.len() >= 78, "{}", documented.len());
    assert!(documented.contains(&("POST".into(), "/api/v1/districting/plans/{id}/apply".into())));

    // Addresses that are no route answer the API's own 404 (or 405 for a method a route lacks).
    for (m, uri) in [
        ("GET", "/api/v1/nope"),
        ("GET", "/api/v1/districting"),
        ("GET", "/api/v2/openapi.json"),
        ("POST", "/api/v1/openapi.json/x"),
    ] {
        let r = t.request(m.parse().unwrap(), uri, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {uri}: {}", r.text());
        assert_eq!(r.json()["code"], "not_found", "{m} {uri}: {}", r.text());
    }
    for (m, uri) in [
        ("DELETE", "/api/v1/events/1"),
        ("GET", "/api/v1/events/1/attachments"),
        ("PUT", "/api/v1/nodes"),
        ("GET", "/api/v1/districting/edges"),
    ] {
        let r = t.request(m.parse().unwrap(), uri, None, None).await;
        assert_eq!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{m} {uri}: {}",
            r.text()
        );
    }
}
