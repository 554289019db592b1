//! Each role's home page is its workbench (issue 9 §2): the resident's opens on reporting, the
//! auditor's on the log, officers reach redistricting from the navigation, and staff lists open
//! on unfinished events.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

async fn post(t: &TestApp, token: &str, uri: &str, body: serde_json::Value) -> common::Resp {
    t.request(Method::POST, uri, Some(token), Some(body)).await
}

#[tokio::test]
async fn every_role_lands_on_its_own_workbench() {
    let t = TestApp::new().await;
    let resident = t.token("resident.a").await;
    let worker = t.token("worker.a").await;
    let r = post(
        &t,
        &resident,
        "/api/v1/events",
        json!({"category": "other", "node_id": t.building_a.id, "description": "路灯不亮了"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    post(
        &t,
        &worker,
        &format!("/api/v1/events/{id}/accept"),
        json!({}),
    )
    .await;

    // The resident: report first, then their report and its state, and the notice about it.
    let (rc, _) = t.browser_session("resident.a").await;
    let home = t.page("/", &rc).await;
    assert_eq!(home.status, StatusCode::OK);
    let home = home.text();
    let report = home
        .find(r#"data-testid="report-first""#)
        .expect("report first");
    let mine = home
        .find(r#"data-testid="my-reports""#)
        .expect("my reports");
    assert!(report < mine, "reporting comes first");
    assert!(home.contains(r#"href="/events/new""#));
    assert!(
        home.contains(&format!(r#"href="/events/{id}">#{id} "#)),
        "{home}"
    );
    assert!(home.contains("已受理"), "the report's state");
    assert!(home.contains(r#"data-testid="unread""#), "{home}");
    assert!(!home.contains("没有查看人口信息的权限"));
    assert!(!home.contains(r#"href="/districting""#));

    // The auditor: the latest log.
    let (ac, _) = t.browser_session("auditor").await;
    let home = t.page("/", &ac).await.text();
    assert!(home.contains(r#"data-testid="audit-latest""#), "{home}");
    assert!(!home.contains(r#"data-testid="workbench""#));

    // Officers and the auditor reach redistricting from the navigation; workers do not.
    for (u, shown) in [
        ("street", true),
        ("district", true),
        ("admin", true),
        ("auditor", true),
        ("worker.a", false),
        ("steward.a", false),
    ] {
        let (c, _) = t.browser_session(u).await;
        let home = t.page("/", &c).await.text();
        assert_eq!(
            home.contains(r#"<a href="/districting""#),
            shown,
            "{u}: redistricting in the nav"
        );
    }

    // The steward without a post is told so; their event figures link to the whole scope.
    let (sc, _) = t.browser_session("steward.a").await;
    let home = t.page("/", &sc).await.text();
    assert!(home.contains(r#"data-testid="workbench""#), "{home}");
    assert!(
        home.contains("/events?status=reported&#38;assigned=all"),
        "{home}"
    );

    // The community worker's figures include unmatched hotline tickets and unvisited households.
    let (wc, _) = t.browser_session("worker.a").await;
    let home = t.page("/", &wc).await.text();
    assert!(
        home.contains("12345工单待匹配") && home.contains("30天未走访住户"),
        "{home}"
    );
}

#[tokio::test]
async fn staff_lists_open_on_unfinished_events_and_all_shows_the_closed() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let mut ids = vec![];
    for d in ["还在办的事", "作废的事"] {
        let r = post(
            &t,
            &worker,
            "/api/v1/events",
            json!({"category": "other", "node_id": t.building_a.id, "description": d}),
        )
        .await;
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    let r = post(
        &t,
        &worker,
        &format!("/api/v1/events/{}/invalidate", ids[1]),
        json!({"reason": "重复上报"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (wc, _) = t.browser_session("worker.a").await;
    let list = t.page("/events", &wc).await.text();
    assert!(
        list.contains("还在办的事") && !list.contains("作废的事"),
        "{list}"
    );
    let all = t.page("/events?status=all", &wc).await.text();
    assert!(all.contains("还在办的事") && all.contains("作废的事"));
    let in_hand = t.page("/events?status=in_hand", &wc).await.text();
    assert!(!in_hand.contains("还在办的事"), "reported, not yet in hand");
    // The resident's own list shows all of theirs by default.
    let (rc, _) = t.browser_session("resident.a").await;
    assert_eq!(t.page("/events", &rc).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_bad_query_string_answers_the_applications_own_page() {
    let t = TestApp::new().await;
    let (wc, _) = t.browser_session("worker.a").await;
    for uri in ["/rounds/visits?household=abc", "/rounds/coverage?node=1.5"] {
        let r = t.page(uri, &wc).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        let html = r.text();
        assert!(html.contains("<!doctype html>"), "{uri}: {html}");
        assert!(html.contains("网址中的参数有误"), "{uri}: {html}");
        assert!(!html.contains("Failed to deserialize"), "{uri}");
    }
}
