//! Notifications over HTTP: the page (unread first, mark read with CSRF), the nav badge, and the
//! API; a user only ever sees and marks their own.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, USERS};
use jingzhi_app::events::ReportInput;
use jingzhi_app::Actor;

async fn actor(t: &TestApp, username: &str) -> Actor {
    let mut c = t.app.store.acquire().await.unwrap();
    Actor::new(
        jingzhi_store::auth::user_by_username(&mut c, username)
            .await
            .unwrap()
            .unwrap(),
    )
}

/// resident.a reports at their building; worker.a accepts: one notification for resident.a.
async fn notified_resident(t: &TestApp) -> i64 {
    let res = actor(t, "resident.a").await;
    let worker = actor(t, "worker.a").await;
    let e = t
        .app
        .events()
        .report(
            &res,
            &ReportInput {
                category: "sanitation".into(),
                description: "楼下垃圾<b>没人清</b>".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app.events().accept(&worker, e.id).await.unwrap();
    e.id
}

#[tokio::test]
async fn the_page_lists_unread_first_and_marks_read() {
    let t = TestApp::new().await;
    let event_id = notified_resident(&t).await;
    let (cookie, csrf) = t.browser_session("resident.a").await;

    let home = t.page("/", &cookie).await;
    assert!(home.text().contains("hx-get=\"/notifications/badge\""));
    let badge = t.page("/notifications/badge", &cookie).await;
    assert_eq!(badge.status, StatusCode::OK);
    assert!(badge.text().contains(">1</span>"), "{}", badge.text());

    let page = t.page("/notifications", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("您上报的事件#{event_id}有新进展：受理")),
        "{html}"
    );
    assert!(html.contains("未读（1）"));
    assert!(html.contains("已上报 → 已受理"));
    let id = t
        .app
        .notify()
        .notifications(&actor(&t, "resident.a").await, None, None, 10)
        .await
        .unwrap()[0]
        .id;

    // Without the CSRF token: refused, still unread.
    let r = t
        .post_form(&format!("/notifications/{id}/read"), &cookie, "csrf=wrong")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Someone else's session cannot mark it.
    let (other, other_csrf) = t.browser_session("worker.a").await;
    let r = t
        .post_form(
            &format!("/notifications/{id}/read"),
            &other,
            &format!("csrf={other_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(t
        .page("/notifications/badge", &cookie)
        .await
        .text()
        .contains(">1<"));

    let r = t
        .post_form(
            &format!("/notifications/{id}/read"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.page("/notifications/badge", &cookie).await.text(), "");
    let html = t.page("/notifications", &cookie).await.text();
    assert!(!html.contains("未读（"));
    assert!(html.contains("已读"));
}

#[tokio::test]
async fn the_api_shows_each_user_only_their_own() {
    let t = TestApp::new().await;
    notified_resident(&t).await;
    let own = t.token("resident.a").await;
    let r = t.get("/api/v1/notifications", &own).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["unread"], 1);
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();
    assert_eq!(items[0]["status"], "accepted");
    assert!(items[0]["read_at"].is_null());

    for (username, _, _) in USERS.iter().filter(|(u, _, _)| *u != "resident.a") {
        let tok = t.token(username).await;
        let r = t.get("/api/v1/notifications", &tok).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 0, "{username}");
        assert_eq!(r.json()["unread"], 0, "{username}");
        let r = t
            .request(
                Method::POST,
                &format!("/api/v1/notifications/{id}/read"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{username}");
    }
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/notifications/{id}/read"),
            Some(&own),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["read_at"].is_i64());
    let j = t
        .get("/api/v1/notifications?unread=true", &own)
        .await
        .json();
    assert_eq!(
        (j["unread"].as_i64(), j["items"].as_array().unwrap().len()),
        (Some(0), 0)
    );
    let j = t
        .get("/api/v1/notifications?unread=false", &own)
        .await
        .json();
    assert_eq!(j["items"].as_array().unwrap().len(), 1);
    // No such notification at all looks the same as someone else's.
    let r = t
        .request(
            Method::POST,
            "/api/v1/notifications/999999/read",
            Some(&own),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get("/api/v1/notifications", "bad-token").await.status,
        StatusCode::UNAUTHORIZED
    );
}
