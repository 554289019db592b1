//! The 社区规模优化 pages: oversized communities, a plan drawn before beside after, saving a
//! draft, the approval steps in order with comments and votes, exports, apply, and scope.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use jingzhi_domain::districting::approval::{Step, DEPARTMENTS};

fn location(r: &common::Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn oversized_plan_approve_apply_through_the_pages() {
    let t = TestApp::new().await;
    grow(&t).await;
    let (admin, csrf) = t.browser_session("admin").await;

    let r = t.page("/districting", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("社区规模优化") && html.contains("前进社区") && html.contains("3601"),
        "{html}"
    );

    let code = &t.comm_a.code;
    let r = t
        .page(
            &format!("/districting/preview?scope={code}&mode=split&seed=2"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(html.matches("<svg").count(), 2, "before and after");
    assert!(
        html.contains("调整前") && html.contains("新设") && html.contains("<circle"),
        "{html}"
    );

    assert!(
        html.contains("修正邻接关系"),
        "the hand-correction form is offered"
    );

    // Correct the graph by hand: add an edge between two buildings, back to the preview.
    let a = format!("{}001001", t.grid_a.code);
    let b = format!("{}002001", t.grid_a.code);
    let r = t
        .post_form(
            "/districting/edges",
            &admin,
            &format!(
                "csrf={csrf}&scope={code}&mode=split&seed=2&a={a}&b={b}&op=add&note=%E6%B2%B3"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(location(&r).starts_with("/districting/preview?scope="));
    let r = t
        .post_form(
            "/districting/edges",
            &admin,
            &format!("csrf={csrf}&scope={code}&mode=split&seed=2&a={a}&b={a}&op=add"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one building twice: {}",
        r.text()
    );
    let r = t
        .post_form(
            "/districting/edges",
            &admin,
            &format!("csrf=wrong&scope={code}&mode=split&seed=2&a={a}&b={a}&op=add"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "bad CSRF refused");

    // Save a draft.
    let r = t
        .post_form(
            "/districting/plans",
            &admin,
            &format!("csrf={csrf}&scope={code}&mode=split&seed=2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let plan_url = location(&r);
    assert!(plan_url.starts_with("/districting/plans/"));
    let r = t.page(&plan_url, &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("公众参与"));
    // A bad CSRF token changes nothing.
    let r = t
        .post_form(
            &format!("{plan_url}/steps"),
            &admin,
            "csrf=bad&step=public_participation&record=x",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Out of order: refused with the reason.
    let r = t
        .post_form(
            &format!("{plan_url}/steps"),
            &admin,
            &format!("csrf={csrf}&step=expert_review&record=x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("公众参与"));
    // A street officer plans but does not approve.
    let (street, street_csrf) = t.browser_session("street").await;
    let r = t
        .post_form(
            &format!("{plan_url}/steps"),
            &street,
            &format!("csrf={street_csrf}&step=public_participation&record=x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A worker of community A comments; community B's worker does not see the plan.
    let (worker, worker_csrf) = t.browser_session("worker.a").await;
    let r = t
        .post_form(
            &format!("{plan_url}/comments"),
            &worker,
            &format!("csrf={worker_csrf}&body=%E5%90%8C%E6%84%8F"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (worker_b, _) = t.browser_session("worker.b").await;
    assert_eq!(
        t.page(&plan_url, &worker_b).await.status,
        StatusCode::NOT_FOUND
    );

    // Exports.
    let r = t.page(&format!("{plan_url}/export.xlsx"), &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"PK"));
    let r = t.page(&format!("{plan_url}/plan.geojson"), &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["type"], "FeatureCollection");

    // The six steps, the votes, apply.
    for s in &Step::ALL[..5] {
        let r = t
            .post_form(
                &format!("{plan_url}/steps"),
                &admin,
                &format!("csrf={csrf}&step={}&record=ok&documents=a.pdf", s.as_str()),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{s:?}: {}", r.text());
    }
    for d in DEPARTMENTS {
        let body = format!(
            "csrf={csrf}&department={}&vote=agree",
            jingzhi_web::shared::urlencode_all(d)
        );
        let r = t
            .post_form(&format!("{plan_url}/votes"), &admin, &body)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{d}: {}", r.text());
    }
    let r = t
        .post_form(
            &format!("{plan_url}/steps"),
            &admin,
            &format!("csrf={csrf}&step=meeting_decision&record=ok"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.page(&plan_url, &admin).await.text().contains("实施方案"));
    let r = t
        .post_form(
            &format!("{plan_url}/apply"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = t.page(&location(&r), &admin).await.text();
    assert!(
        html.contains("方案已实施") && html.contains("实施记录"),
        "{html}"
    );
    let html = t.page("/districting", &admin).await.text();
    assert!(html.contains("没有超过3000户的社区"));
}

#[tokio::test]
async fn the_json_api_and_its_document() {
    use axum::http::Method;
    let t = TestApp::new().await;
    grow(&t).await;
    let admin = t.token("admin").await;
    let r = t.get("/api/v1/districting/oversized", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()[0]["code"], t.comm_a.code.as_str());
    let r = t
        .get(
            &format!("/api/v1/districting/graph?scope={}", t.comm_a.code),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["cap"], 3000);
    let r = t
        .get(
            &format!(
                "/api/v1/districting/plan?scope={}&mode=split&seed=3",
                t.comm_a.code
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["parts"].as_array().unwrap().len() >= 2);
    let r = t
        .request(
            Method::POST,
            "/api/v1/districting/plans",
            Some(&admin),
            Some(serde_json::json!({"scope": t.comm_a.code, "seed": 3})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/districting/plans/{id}/steps"),
            Some(&admin),
            Some(serde_json::json!({"step": "hearing", "record": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/districting/plans/{id}/apply"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Out of scope: 404; no role: 403.
    let worker_b = t.token("worker.b").await;
    assert_eq!(
        t.get(&format!("/api/v1/districting/plans/{id}"), &worker_b)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/districting/oversized", &worker_b)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let doc = jingzhi_web::api::openapi();
    assert!(doc
        .paths
        .paths
        .contains_key("/api/v1/districting/plans/{id}/apply"));
}

/// Community A grows to 3,601 households (building A at the origin, building B 9 km away).
async fn grow(t: &TestApp) {
    t.place_building(&t.building_a, 0.0).await;
    t.place_building(&t.building_b, 9000.0).await;
    t.grow_past_cap(&t.grid_a).await;
}
