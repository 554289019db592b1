//! Departments over HTTP (issue 9 §1), with the exact forms scripts rely on:
//! `GET /api/v1/departments` → `{"items": [{"id", "code", "name", "node_id"}…]}`; a dispatch
//! handler `{"kind": "department", "code"}`; a whistle's `departments` as codes; a department's
//! staff find what was sent to them in `GET /api/v1/notifications` and
//! `GET /api/v1/events?assigned=mine`; the dispatch and whistle forms pick from the registry.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

async fn post(t: &TestApp, token: &str, uri: &str, body: serde_json::Value) -> common::Resp {
    t.request(Method::POST, uri, Some(token), Some(body)).await
}

#[tokio::test]
async fn the_registry_dispatch_whistle_and_what_a_department_finds() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let dept = t.token("dept.a").await; // 住建局 (zhujian)
    let r = t.get("/api/v1/departments", &worker).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let items = r.json()["items"].as_array().unwrap().clone();
    let zj = items
        .iter()
        .find(|d| d["code"] == "zhujian")
        .expect("zhujian listed");
    assert_eq!(zj["name"], "住建局");
    assert_eq!(zj["node_id"], t.city.id);
    assert!(zj["id"].as_i64().is_some());
    // `serving` a place out of scope: 404; a bad value: 4xx with the JSON error shape.
    let r = t
        .get(
            &format!("/api/v1/departments?serving={}", t.building_b.id),
            &worker,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.get("/api/v1/departments?serving=x", &worker).await;
    assert!(r.status.is_client_error());
    assert!(r.json()["code"].is_string(), "{}", r.text());

    let r = post(
        &t,
        &worker,
        "/api/v1/events",
        json!({"category": "road_facility", "node_id": t.building_a.id, "description": "井盖缺失", "answers": {"facility": "井盖"}}),
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
    // Free text where a department belongs: 422 naming the field.
    let r = post(
        &t,
        &worker,
        &format!("/api/v1/events/{id}/dispatch"),
        json!({"lead": {"kind": "department", "name": "住建局"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Before it is sent, the department does not see it.
    let r = t.get(&format!("/api/v1/events/{id}"), &dept).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(&t, &worker, &format!("/api/v1/events/{id}/dispatch"),
        json!({"lead": {"kind": "department", "code": "zhujian"}, "notified": [{"kind": "department", "code": "minzheng"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mine = t.get("/api/v1/events?assigned=mine", &dept).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let ids: Vec<i64> = mine.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    let n = t.get("/api/v1/notifications", &dept).await.json();
    let n = n["items"].as_array().unwrap();
    assert!(
        n.iter()
            .any(|x| x["event_id"] == id && x["title"].as_str().unwrap().contains("新派遣")),
        "{n:?}"
    );
    let r = t.get("/api/v1/events?assigned=everyone", &dept).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A whistle names departments by code; the summoned department is told.
    let r = post(&t, &worker, "/api/v1/events", json!({"category": "road_facility", "node_id": t.building_a.id, "description": "路灯不亮", "answers": {"facility": "路灯"}})).await;
    let id2 = r.json()["id"].as_i64().unwrap();
    post(
        &t,
        &worker,
        &format!("/api/v1/events/{id2}/accept"),
        json!({}),
    )
    .await;
    let r = post(
        &t,
        &worker,
        &format!("/api/v1/events/{id2}/whistles"),
        json!({"departments": ["住建局"], "reason": "联合处置"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = post(
        &t,
        &worker,
        &format!("/api/v1/events/{id2}/whistles"),
        json!({"departments": ["zhujian", "jiaojing"], "reason": "联合处置"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let wid = r.json()["id"].as_i64().unwrap();
    let n = t.get("/api/v1/notifications", &dept).await.json();
    assert!(n["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["event_id"] == id2 && x["title"].as_str().unwrap().contains("吹哨召集")));
    let r = post(
        &t,
        &dept,
        &format!("/api/v1/whistles/{wid}/report-in"),
        json!({"department": "jiaojing"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &dept,
        &format!("/api/v1/whistles/{wid}/report-in"),
        json!({"department": "zhujian"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mine = t.get("/api/v1/events?assigned=mine", &dept).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);

    // The event page: the worker picks departments from the registry, never types them.
    let (wc, _) = t.browser_session("worker.a").await;
    let page = t.page(&format!("/events/{id2}"), &wc).await.text();
    assert!(
        page.contains(r#"<select name="departments" multiple"#),
        "whistle picker"
    );
    assert!(page.contains(r#"value="jiaojing""#));
    assert!(!page.contains("多个用顿号分隔"));
    // The department's staff see the department's name, and a button to report in for it only.
    let (dc, _) = t.browser_session("dept.a").await;
    let page = t.page(&format!("/events/{id2}"), &dc).await.text();
    assert!(page.contains("交警大队") && page.contains("住建局"));
    // The department's home is its workbench: what it was sent, still open.
    let home = t.page("/", &dc).await;
    assert_eq!(home.status, StatusCode::OK);
    let home = home.text();
    assert!(home.contains("住建局 · 工作台"), "{home}");
    assert!(
        home.contains(&format!("/events/{id}\"")),
        "the dispatched event is listed as open"
    );
    // Reported in already: nothing waits for report-in; no task yet.
    assert!(home.contains("没有待报到的吹哨"));
    // A fresh whistle waits for report-in on the workbench.
    let r = post(&t, &worker, "/api/v1/events", json!({"category": "road_facility", "node_id": t.building_a.id, "description": "护栏倒伏", "answers": {"facility": "其他"}})).await;
    let id3 = r.json()["id"].as_i64().unwrap();
    post(
        &t,
        &worker,
        &format!("/api/v1/events/{id3}/accept"),
        json!({}),
    )
    .await;
    post(
        &t,
        &worker,
        &format!("/api/v1/events/{id3}/whistles"),
        json!({"departments": ["zhujian"], "reason": "联合处置"}),
    )
    .await;
    let home = t.page("/", &dc).await.text();
    assert!(
        home.contains(&format!("#{id3} ")) && home.contains("前报到"),
        "{home}"
    );
    // The community worker's home opens with the workbench: one event still to accept.
    post(
        &t,
        &worker,
        "/api/v1/events",
        json!({"category": "other", "node_id": t.building_a.id, "description": "待受理的一件"}),
    )
    .await;
    let home = t.page("/", &wc).await.text();
    assert!(home.contains(r#"data-testid="workbench""#), "{home}");
    assert!(
        home.contains(r#"href="/events?status=reported"><b>1</b><span>待受理</span>"#),
        "{home}"
    );
}
