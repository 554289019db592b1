//! The dashboard page, its export, the metrics API and the duplicates fragment with its merge
//! form, through the router.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::TestApp;
use jingzhi_app::events::ReportInput;

async fn report(t: &TestApp, building: i64, text: &str, x: f64) -> i64 {
    let root = jingzhi_app::Actor::system(&t.city);
    t.app
        .events()
        .report(
            &root,
            &ReportInput {
                category: "sanitation".into(),
                node_id: Some(building),
                description: text.into(),
                x: Some(x),
                y: Some(37.5),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn the_dashboard_page_draws_charts_and_exports() {
    let t = TestApp::new().await;
    report(
        &t,
        t.building_a.id,
        "<script>alert(1)</script>垃圾桶满溢",
        122.1,
    )
    .await;
    report(&t, t.building_b.id, "绿化带垃圾多", 122.2).await;
    let (cookie, _) = t.browser_session("admin").await;
    let r = t.page("/dashboard", &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("事件统计"));
    assert!(
        html.matches("<svg").count() >= 4,
        "charts drawn on the server"
    );
    assert!(
        html.contains("环翠区"),
        "the district is a drill-down child"
    );
    assert!(html.contains(r#"href="/dashboard""#), "the nav entry");
    // On a phone: charts drawn for its width, and table cells that keep their column's name.
    assert!(html.contains(r#"<div class="chart-narrow"><svg class="chart" viewBox="0 0 340 "#));
    assert!(
        html.contains(r#"data-label="满意率""#),
        "the column names on a phone"
    );
    assert!(!html.contains("<script>alert"));
    // Drill down to the street: its communities are the children.
    let r = t
        .page(
            &format!("/dashboard?node_id={}&from=2024-01&to=2030-12", t.street.id),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("前进社区") && r.text().contains("东北村社区"));
    let x = t
        .page(
            &format!("/dashboard/export.xlsx?node_id={}", t.street.id),
            &cookie,
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(&x.body[..2], b"PK");
    // A community worker cannot look at the other community; a resident not at all.
    let (wc, _) = t.browser_session("worker.a").await;
    assert_eq!(
        t.page(&format!("/dashboard?node_id={}", t.comm_b.id), &wc)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.page("/dashboard?from=2026-13", &wc).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (rc, _) = t.browser_session("resident.a").await;
    assert_eq!(
        t.page("/dashboard", &rc).await.status,
        StatusCode::FORBIDDEN
    );
    // The API: the same numbers as JSON.
    let tok = t.token("admin").await;
    let j = t
        .get("/api/v1/metrics/events?from=2024-01&to=2030-12", &tok)
        .await
        .json();
    assert_eq!(j["counts"]["reported"], 2);
    assert_eq!(j["by_category"][0]["code"], "sanitation");
}

#[tokio::test]
async fn the_duplicates_fragment_merges_with_csrf() {
    let t = TestApp::new().await;
    let first = report(&t, t.building_a.id, "垃圾桶满溢无人清运", 122.1).await;
    let second = report(&t, t.building_a.id, "垃圾桶满溢，好几天无人清运", 122.1003).await;
    let (cookie, csrf) = t.browser_session("worker.a").await;
    // The event's page loads the fragment for staff who may merge.
    let page = t.page(&format!("/events/{second}"), &cookie).await;
    assert!(page
        .text()
        .contains(&format!("hx-get=\"/events/{second}/duplicates\"")));
    let req = Request::builder()
        .uri(format!("/events/{second}/duplicates"))
        .header(header::COOKIE, &cookie)
        .header("hx-request", "true")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains(&format!("#{first}")), "{html}");
    assert!(html.contains("合并到此事件"));
    assert!(!html.contains("<html"), "a fragment for htmx");
    // Without the CSRF token nothing happens.
    let r = t
        .post_form(
            &format!("/events/{second}/duplicates/merge"),
            &cookie,
            &format!("into={first}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/events/{second}/duplicates/merge"),
            &cookie,
            &format!("csrf={csrf}&into={first}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&format!("已合并到事件#{first}")));
    let tok = t.token("worker.a").await;
    let j = t
        .get(&format!("/api/v1/events/{first}/duplicates"), &tok)
        .await;
    assert_eq!(j.status, StatusCode::OK);
    assert!(
        j.json().as_array().unwrap().is_empty(),
        "a merged event is no candidate"
    );
    // Another community's worker sees neither.
    let (bc, _) = t.browser_session("worker.b").await;
    assert_eq!(
        t.page(&format!("/events/{first}/duplicates"), &bc)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
