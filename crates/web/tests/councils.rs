//! Councils and associations through the API and the pages (issue 11 §6): set up, members in
//! chair order, the rotating chair, matters; who may act; bad input; names shown escaped.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

fn enc(s: &str) -> String {
    jingzhi_web::session::urlencode(s)
}

#[tokio::test]
async fn a_street_council_through_the_api() {
    let t = TestApp::new().await;
    let street = t.token("street").await;
    let resident = t.token("resident.a").await;
    let worker_b = t.token("worker.b").await;
    let post = |tok: &str, uri: &str, body: serde_json::Value| {
        let (t, tok, uri) = (&t, tok.to_string(), uri.to_string());
        async move { t.request(Method::POST, &uri, Some(&tok), Some(body)).await }
    };

    // An association over the street and a merchant of it; bad input names the field.
    let r = post(
        &street,
        "/api/v1/associations",
        json!({"node_id": t.street.id, "name": "环翠楼街道餐饮行业协会", "trade": "catering"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let assoc = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["trade"], "catering");
    let merchant = json!({"building_id": t.building_a.id, "name": "老船长水饺",
        "licence_number": "91350100M000100Y44", "contact_phone": "13812345678", "association_id": assoc});
    let r = post(&street, "/api/v1/merchants", merchant.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "licence_number");
    let mut good = merchant.clone();
    good["licence_number"] = json!("91350100M000100Y43");
    let r = post(&street, "/api/v1/merchants", good.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let merchant_id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        post(&street, "/api/v1/merchants", good).await.status,
        StatusCode::CONFLICT
    );
    let r = post(&resident, "/api/v1/merchants", merchant).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A council over the street; a resident may not set one up.
    let body = json!({"node_id": t.street.id, "name": "环翠楼街道街区共治理事会", "term_days": 90});
    assert_eq!(
        post(&resident, "/api/v1/councils", body.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &street,
        "/api/v1/councils",
        json!({"node_id": t.street.id, "name": " ", "term_days": 90}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "name");
    let r = post(&street, "/api/v1/councils", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let members = format!("/api/v1/councils/{id}/members");
    for m in [
        json!({"kind": "community", "node_id": t.comm_a.id}),
        json!({"kind": "property_company", "name": "威海宏安物业"}),
        json!({"kind": "association", "association_id": assoc}),
        json!({"kind": "merchant", "merchant_id": merchant_id}),
    ] {
        let r = post(&street, &members, m).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = post(&street, &members, json!({"kind": "bank", "name": "x"})).await;
    assert_eq!(r.json()["details"][0]["field"], "kind");

    let detail = t
        .get(&format!("/api/v1/councils/{id}"), &street)
        .await
        .json();
    assert_eq!(detail["chair"]["current_name"], t.comm_a.name.as_str());
    assert_eq!(detail["chair"]["next_name"], "威海宏安物业");
    assert_eq!(detail["chair"]["overdue"], false);
    assert!(detail["chair"]["term_ends"].is_string());
    assert_eq!(detail["members"].as_array().unwrap().len(), 4);
    assert_eq!(detail["may_manage"], true);
    let third = detail["members"][2]["id"].as_i64().unwrap();

    // The chair passes to the next only.
    let handover = format!("/api/v1/councils/{id}/handover");
    let r = post(&street, &handover, json!({"to_member_id": third})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "to_member_id");
    let r = post(&street, &handover, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["from_name"], t.comm_a.name.as_str());
    assert_eq!(r.json()["to_name"], "威海宏安物业");
    assert_eq!(r.json()["recorded_by"], "street");

    // Matters and their outcomes.
    let r = post(
        &street,
        &format!("/api/v1/councils/{id}/matters"),
        json!({"title": "沿街占道经营"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let matter = r.json()["id"].as_i64().unwrap();
    let outcome = format!("/api/v1/council-matters/{matter}/outcome");
    let r = post(&street, &outcome, json!({"outcome": "签订门前三包承诺书"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "settled");
    assert_eq!(
        post(&street, &outcome, json!({"outcome": "again"}))
            .await
            .status,
        StatusCode::CONFLICT
    );

    // The resident reads the council over their home; community B's worker reads it but may
    // not change it (not in their scope: 404).
    let r = t.get(&format!("/api/v1/councils/{id}"), &resident).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["may_manage"], false);
    assert_eq!(r.json()["matters"][0]["outcome"], "签订门前三包承诺书");
    assert_eq!(
        post(&resident, &handover, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get(&format!("/api/v1/councils/{id}"), &worker_b)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post(&worker_b, &handover, json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    // Merchants' phones: masked to the resident, in full to the street.
    let list = t
        .get(
            &format!("/api/v1/merchants?association_id={assoc}"),
            &resident,
        )
        .await
        .json();
    assert_eq!(list["items"][0]["contact_phone"], "138****5678");
    let list = t.get("/api/v1/merchants", &street).await.json();
    assert_eq!(list["items"][0]["contact_phone"], "13812345678");
}

#[tokio::test]
async fn the_pages_set_up_run_and_escape() {
    let t = TestApp::new().await;
    let (cookie, csrf) = t.browser_session("street").await;
    let html = "<script>alert(1)</script>";

    // An association and a council set up from the pages, named with HTML.
    let r = t
        .post_form(
            "/associations",
            &cookie,
            &format!(
                "csrf={csrf}&node_id={}&trade=repair&name={}",
                t.street.id,
                enc(&format!("{html}协会"))
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let assoc_url = r.headers["location"].to_str().unwrap().to_string();
    let page = t.page(&assoc_url, &cookie).await.text();
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;协会"),
        "{page}"
    );
    assert!(!page.contains(html));
    // A merchant with a bad licence: the form again, 422, with the reason.
    let assoc_id = assoc_url.rsplit('/').next().unwrap();
    let r = t
        .post_form(
            &format!("/associations/{assoc_id}/merchants"),
            &cookie,
            &format!(
                "csrf={csrf}&building_id={}&name=x&licence_number=123",
                t.building_a.id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("统一社会信用代码应为18位"),
        "{}",
        r.text()
    );

    let r = t
        .post_form(
            "/councils",
            &cookie,
            &format!(
                "csrf={csrf}&node_id={}&term_days=90&name={}",
                t.street.id,
                enc("共治理事会")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let url = r.headers["location"].to_str().unwrap().to_string();
    let id = url.rsplit('/').next().unwrap();
    for body in [
        format!("csrf={csrf}&kind=community&node_id={}", t.comm_a.id),
        format!("csrf={csrf}&kind=property_company&name={}", enc(html)),
        format!("csrf={csrf}&kind=association&association_id={assoc_id}"),
    ] {
        let r = t
            .post_form(&format!("/councils/{id}/members"), &cookie, &body)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let page = t.page(&url, &cookie).await.text();
    assert!(page.contains("data-testid=\"handover\""));
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!page.contains(html));
    let r = t
        .post_form(
            &format!("/councils/{id}/handover"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("/councils/{id}/matters"),
            &cookie,
            &format!("csrf={csrf}&title="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The menu: residents and managers have the entry, a grid worker not.
    let (res, _) = t.browser_session("resident.a").await;
    let home = t.page("/", &res).await.text();
    assert!(home.contains("href=\"/councils\""));
    let page = t.page(&url, &res).await.text();
    assert!(
        !page.contains("data-testid=\"handover\""),
        "a resident only reads"
    );
    let (grid, _) = t.browser_session("grid.a").await;
    assert!(!t
        .page("/", &grid)
        .await
        .text()
        .contains("href=\"/councils\""));
}
