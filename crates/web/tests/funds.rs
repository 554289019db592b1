//! Community funds over HTTP (issue 12 §2, §4): the bad inputs the issue names answer a clear
//! 4xx with nothing changed; the pages record (with a voucher photo) and approve; the public page
//! shows no personal data.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;

#[tokio::test]
async fn the_api_refuses_what_the_issue_names_and_changes_nothing() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let other = t.token("worker.b").await;
    let resident = t.token("resident.a").await;
    let post = |tok: &str, uri: String, body: serde_json::Value| {
        let (t, tok) = (&t, tok.to_string());
        async move { t.request(Method::POST, &uri, Some(&tok), Some(body)).await }
    };
    let r = post(&worker, "/api/v1/funds".into(), serde_json::json!({"node_id": t.comm_a.id, "name": "向阳街共享基金", "kind": "shared", "threshold_fen": 300000})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let fund = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["public_url"], format!("/public/funds/{fund}"));
    let entries = format!("/api/v1/funds/{fund}/entries");
    let r = post(&worker, entries.clone(), serde_json::json!({"kind": "income", "category": "parking_rent", "amount_fen": 1000000, "purpose": "20个车位年租金", "voucher_no": "ZJ-2026-001"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["state"], "posted");

    // A resident reads, never writes; another community's worker does not find it.
    let r = post(&resident, entries.clone(), serde_json::json!({"kind": "income", "category": "donation", "amount_fen": 1, "purpose": "x", "voucher_no": "x"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&format!("/api/v1/funds/{fund}"), &resident)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.get(&format!("/api/v1/funds/{fund}"), &other).await.status,
        StatusCode::NOT_FOUND
    );

    // A spending over the threshold without a decision: 422 naming decision_id.
    let r = post(&worker, entries.clone(), serde_json::json!({"kind": "spending", "category": "project_cost", "amount_fen": 400000, "purpose": "车位划线", "voucher_no": "ZC-1"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "decision_id");
    // Money as a fraction: 422 naming amount_fen.
    let r = post(&worker, entries.clone(), serde_json::json!({"kind": "spending", "category": "public_service", "amount_fen": 12.5, "purpose": "x", "voucher_no": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // Self-approval: 422 naming approver; still pending.
    let r = post(&worker, entries.clone(), serde_json::json!({"kind": "spending", "category": "public_service", "amount_fen": 15000, "purpose": "楼道灯", "voucher_no": "ZC-2"})).await;
    let spend = r.json()["id"].as_i64().unwrap();
    let r = post(
        &worker,
        format!("/api/v1/fund-entries/{spend}/approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "approver");
    assert_eq!(
        t.get(&format!("/api/v1/fund-entries/{spend}"), &worker)
            .await
            .json()["state"],
        "pending"
    );
    // The street approves it.
    let street = t.token("street").await;
    let r = post(
        &street,
        format!("/api/v1/fund-entries/{spend}/approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "posted");

    // An edit of a posted entry: 409, nothing changed.
    let r = t
        .request(
            Method::PATCH,
            &format!("/api/v1/fund-entries/{spend}"),
            Some(&worker),
            Some(serde_json::json!({"amount_fen": 1, "purpose": "改", "voucher_no": "X"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = t
        .get(&format!("/api/v1/fund-entries/{spend}"), &worker)
        .await
        .json();
    assert_eq!(
        (e["amount_fen"].as_i64(), e["purpose"].as_str()),
        (Some(15000), Some("楼道灯"))
    );
    let f = t
        .get(&format!("/api/v1/funds/{fund}"), &worker)
        .await
        .json();
    assert_eq!(f["fund"]["balance_fen"], 985000);
    assert_eq!(f["monthly"][0]["income_fen"], 1000000);

    // A voucher that is not an image: 422; an image: 204, once.
    let put = |bytes: Vec<u8>| {
        let req = Request::builder()
            .method(Method::PUT)
            .uri(format!("/api/v1/fund-entries/{spend}/voucher"))
            .header(header::AUTHORIZATION, format!("Bearer {worker}"))
            .body(Body::from(bytes))
            .unwrap();
        t.send(req)
    };
    assert_eq!(
        put(b"not an image".to_vec()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(put(common::png_2x2()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(put(common::png_2x2()).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn pages_record_with_a_voucher_approve_and_publish_without_names() {
    let t = TestApp::new().await;
    let sys = jingzhi_app::Actor::system(&t.city);
    let fund = t
        .app
        .funds()
        .create(
            &sys,
            &jingzhi_app::funds::FundInput {
                node_id: t.comm_a.id,
                name: "共享基金".into(),
                kind: "shared".into(),
                threshold_fen: None,
            },
        )
        .await
        .unwrap();
    t.app
        .funds()
        .record(
            &sys,
            fund.id,
            &jingzhi_app::funds::EntryInput {
                kind: "income".into(),
                category: "parking_rent".into(),
                amount_fen: 1_000_000,
                purpose: "车位租金".into(),
                voucher_no: "ZJ-1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let (cookie, csrf) = t.browser_session("worker.a").await;
    let hh = t.hh_a.id.to_string();
    let body = common::multipart(
        &[
            ("csrf", &csrf),
            ("kind", "spending"),
            ("category", "fee_subsidy"),
            ("amount", "150"),
            ("purpose", "2026年物业费补贴"),
            ("voucher_no", "ZC-2026-017"),
            ("household_id", &hh),
        ],
        &[("voucher", "receipt.png", &common::png_2x2())],
    );
    let r = common::send_multipart(
        &t,
        &format!("/funds/{}/entries", fund.id),
        ("cookie", &cookie),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = t.page(&format!("/funds/{}", fund.id), &cookie).await.text();
    assert!(page.contains("2026年物业费补贴"), "pending on the page");
    // A yuan amount that does not read: the form again, 422, naming it.
    let bad = common::multipart(
        &[
            ("csrf", &csrf),
            ("kind", "spending"),
            ("category", "public_service"),
            ("amount", "1.234"),
            ("purpose", "x"),
            ("voucher_no", "x"),
        ],
        &[],
    );
    let r = common::send_multipart(
        &t,
        &format!("/funds/{}/entries", fund.id),
        ("cookie", &cookie),
        bad,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let pending = t.app.funds().view(&sys, fund.id, 1).await.unwrap().pending;
    assert_eq!(pending.len(), 1);
    let id = pending[0].id;
    assert!(pending[0].has_voucher);
    // The recorder's page offers no approve button; the street's does, and approving works.
    assert!(!page.contains(&format!("approve-{id}")));
    let (street, scsrf) = t.browser_session("street").await;
    assert!(t
        .page(&format!("/funds/{}", fund.id), &street)
        .await
        .text()
        .contains(&format!("approve-{id}")));
    let r = t
        .post_form(
            &format!("/fund-entries/{id}/approve"),
            &street,
            &format!("csrf={scsrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // An income posts at once: its voucher, sent with the form, is kept first, so the log entry
    // carries its digest.
    let body = common::multipart(
        &[
            ("csrf", &csrf),
            ("kind", "income"),
            ("category", "donation"),
            ("amount", "80"),
            ("purpose", "居民捐赠"),
            ("voucher_no", "ZJ-2026-031"),
        ],
        &[("voucher", "receipt.png", &common::png_2x2())],
    );
    let r = common::send_multipart(
        &t,
        &format!("/funds/{}/entries", fund.id),
        ("cookie", &cookie),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let income = t.app.funds().view(&sys, fund.id, 1).await.unwrap().entries[0].id;
    let idx = t
        .app
        .transparency()
        .index_of(jingzhi_domain::transparency::EntryKind::FundEntry, income)
        .await
        .unwrap()
        .unwrap();
    let logged = String::from_utf8(t.app.transparency().entry(idx).await.unwrap()).unwrap();
    assert!(logged.contains("\"purpose\":\"居民捐赠\""), "{logged}");
    assert!(!logged.contains("\"voucher_sha256\":null"), "{logged}");

    // The public page, with no login: the balance, the entry by building and code, no name, no room.
    t.app.transparency().publish().await.unwrap();
    let r = t
        .send(
            Request::get(format!("/public/funds/{}", fund.id))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("9,930.00"), "balance");
    assert!(html.contains(&jingzhi_app::funds::household_code(&t.app, t.hh_a.id)));
    assert!(!html.contains(&t.res_a.name), "no resident's name");
    assert!(!html.contains(&t.hh_a.address), "no address");
    assert!(
        html.contains("/transparency/proof-file?index="),
        "a proof per entry"
    );
    let v = t
        .send(
            Request::get(format!("/public/funds/{}/entries/{id}/voucher", fund.id))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(v.status, StatusCode::OK);
    assert_eq!(v.headers[header::CONTENT_TYPE], "image/png");
}
