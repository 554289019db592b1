//! The 12345 hotline over HTTP: the API (import, 422 for a malformed file, idempotent
//! re-import, queue, match, discard, export round trip) and the page (upload with CSRF, the
//! queue, picking a building by search, discard), with HTML escaped.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;

const CSV: &str = "工单编号,来电时间,来电人,联系电话,诉求地址,诉求内容,问题分类,紧急程度\n\
WEB001,2026-11-20 09:15,王建国,13812345678,环翠区环翠楼街道前进社区前进小区1号楼2单元301室,楼上噪音扰民,噪音扰民,一般\n\
WEB002,2026-11-20 10:00,李秀英,,东北村社区向阳小区１栋,楼道堆物,楼道堆物,加急\n\
WEB003,2026-11-21 11:00,<b>张三</b>,,统一路88号,<script>alert(1)</script>路灯不亮,路灯,\n";

fn multipart(csrf: Option<&str>, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----jingzhi-hotline-boundary";
    let mut b = Vec::new();
    let mut part = |name: &str, extra: &str, body: &[u8]| {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(body);
        b.extend_from_slice(b"\r\n");
    };
    if let Some(c) = csrf {
        part("csrf", "", c.as_bytes());
    }
    part(
        "file",
        &format!("; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream"),
        content,
    );
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn api_import(t: &TestApp, token: &str, name: &str, content: &[u8]) -> common::Resp {
    let (ct, body) = multipart(None, name, content);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/hotline/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn api_import_queue_match_discard_export() {
    let t = TestApp::new().await;
    let street = t.token("street").await;
    let r = api_import(&t, &street, "tickets.csv", CSV.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (j["created"].as_i64(), j["queued"].as_i64()),
        (Some(2), Some(1)),
        "{j}"
    );
    let created: Vec<i64> = j["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["event_id"].as_i64())
        .collect();
    assert_eq!(created.len(), 2);

    // Again: nothing new.
    let again = api_import(&t, &street, "tickets.csv", CSV.as_bytes()).await;
    assert_eq!(again.json()["already_imported"], 3);

    // Malformed: 422 naming row and column, nothing imported.
    let bad = CSV.replace("WEB003,2026-11-21 11:00", "WEB004,2026-11-31 11:00");
    let r = api_import(&t, &street, "bad.csv", bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["code"], "invalid");
    assert!(
        j["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "row 4 column 来电时间"),
        "{j}"
    );
    let q = t.get("/api/v1/hotline/queue", &street).await.json();
    assert_eq!(
        q["items"].as_array().unwrap().len(),
        1,
        "WEB004 not imported: {q}"
    );

    // The queue: match the road address to building A.
    let item = &q["items"][0];
    assert_eq!(item["ticket_no"], "WEB003");
    let id = item["id"].as_i64().unwrap();
    let m = t
        .request(
            Method::POST,
            &format!("/api/v1/hotline/queue/{id}/match"),
            Some(&street),
            Some(serde_json::json!({"building_id": t.building_a.id})),
        )
        .await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.text());
    assert_eq!(m.json()["status"], "matched");
    let ev = m.json()["event_id"].as_i64().unwrap();
    // The event's page names the hotline's ticket.
    let (cookie, _) = t.browser_session("street").await;
    let page = t.page(&format!("/events/{ev}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("12345工单") && page.text().contains("WEB003"));
    // …and the call's time, from which the deadline counts.
    assert!(
        page.text().contains("data-testid=\"called-at\""),
        "{}",
        page.text()
    );
    assert!(page.text().contains("自来电时间起算"));
    let again = t
        .request(
            Method::POST,
            &format!("/api/v1/hotline/queue/{id}/match"),
            Some(&street),
            Some(serde_json::json!({"building_id": t.building_a.id})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad_body = t
        .request(
            Method::POST,
            &format!("/api/v1/hotline/queue/{id}/match"),
            Some(&street),
            Some(serde_json::json!({"building": 1})),
        )
        .await;
    assert_eq!(bad_body.status, StatusCode::UNPROCESSABLE_ENTITY);
    let _ = ev;

    // Discard another (queued by a fresh import).
    let more = "工单编号,来电时间,诉求地址,诉求内容\nWEB005,2026-11-22 08:00,不知道哪里,咨询\n";
    api_import(&t, &street, "more.csv", more.as_bytes()).await;
    let q = t.get("/api/v1/hotline/queue", &street).await.json();
    let id5 = q["items"][0]["id"].as_i64().unwrap();
    let d = t
        .request(
            Method::POST,
            &format!("/api/v1/hotline/queue/{id5}/discard"),
            Some(&street),
            Some(serde_json::json!({"reason": ""})),
        )
        .await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY);
    let d = t
        .request(
            Method::POST,
            &format!("/api/v1/hotline/queue/{id5}/discard"),
            Some(&street),
            Some(serde_json::json!({"reason": "非本辖区诉求"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.json()["status"], "discarded");

    // Export in each format; each comes back as already imported.
    for (fmt, name, ct) in [
        ("json", "x.json", "application/json"),
        ("csv", "x.csv", "text/csv"),
        ("xlsx", "x.xlsx", "application/vnd.openxmlformats"),
    ] {
        let x = t
            .get(
                &format!("/api/v1/hotline/export?from=2026-11-01&to=2026-11-30&format={fmt}"),
                &street,
            )
            .await;
        assert_eq!(x.status, StatusCode::OK, "{}", x.text());
        assert!(x.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(ct));
        if fmt != "xlsx" {
            let text = x.text();
            assert!(!text.contains("13812345678") && text.contains("138****5678"));
            assert!(text.contains("退回：非本辖区诉求"), "{text}");
        }
        let r = api_import(&t, &street, name, &x.body).await;
        assert_eq!(r.status, StatusCode::OK, "{fmt}: {}", r.text());
        assert_eq!(r.json()["already_imported"], 4, "{fmt}");
    }
    let bad = t.get("/api/v1/hotline/export?format=pdf", &street).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = t
        .get("/api/v1/hotline/export?from=yesterday", &street)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Roles: a grid worker may not.
    let grid = t.token("grid.a").await;
    assert_eq!(
        api_import(&t, &grid, "g.csv", CSV.as_bytes()).await.status,
        StatusCode::FORBIDDEN
    );
    // The OpenAPI document lists the routes.
    let doc = t.get("/api/v1/openapi.json", &street).await.text();
    for p in [
        "/api/v1/hotline/import",
        "/api/v1/hotline/queue",
        "/api/v1/hotline/queue/{id}/match",
        "/api/v1/hotline/queue/{id}/discard",
        "/api/v1/hotline/export",
    ] {
        assert!(doc.contains(p), "{p}");
    }
}

#[tokio::test]
async fn the_page_uploads_lists_matches_and_discards() {
    let t = TestApp::new().await;
    let (c, csrf) = t.browser_session("worker.a").await;
    let home = t.page("/hotline", &c).await;
    assert_eq!(home.status, StatusCode::OK);
    let html = home.text();
    assert!(html.contains("12345热线工单") && html.contains("没有待匹配的工单"));
    assert!(
        t.page("/", &c).await.text().contains("href=\"/hotline\""),
        "in the nav"
    );

    let send = |csrf: String, content: String| {
        let (ct, body) = multipart(Some(&csrf), "工单.csv", content.as_bytes());
        Request::builder()
            .method(Method::POST)
            .uri("/hotline/import")
            .header(header::COOKIE, &c)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let forged = t.send(send("nope".into(), CSV.into())).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let r = t.send(send(csrf.clone(), CSV.into())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("导入结果") && html.contains("WEB001") && html.contains("生成事件"));
    // Community A's worker: 向阳小区 is community B's, so WEB002 waits in the queue too.
    assert!(html.contains("WEB002"));
    assert!(!html.contains("<script>alert(1)</script>"), "escaped");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");

    // A malformed file: 422, the error listed.
    let bad = CSV.replace("2026-11-20 10:00", "明天");
    let r = t.send(send(csrf.clone(), bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("未导入任何工单") && r.text().contains("来电时间"));

    // The queue item: search a building and pick it.
    let q = t.token("worker.a").await;
    let items = t.get("/api/v1/hotline/queue", &q).await.json();
    let road = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ticket_no"] == "WEB003")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = t
        .page(
            &format!(
                "/hotline/queue/{road}?q={}",
                jingzhi_web::session::urlencode("前进小区")
            ),
            &c,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("前进小区1号楼") && html.contains("选这栋"),
        "{html}"
    );
    assert!(!html.contains("向阳小区1号楼"), "only buildings in scope");
    let forged = t
        .post_form(
            &format!("/hotline/queue/{road}/match"),
            &c,
            &format!("csrf=nope&building_id={}", t.building_a.id),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let ok = t
        .post_form(
            &format!("/hotline/queue/{road}/match"),
            &c,
            &format!("csrf={csrf}&building_id={}", t.building_a.id),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let after = t.page("/hotline?done=match", &c).await.text();
    assert!(after.contains("已匹配楼宇并生成事件"));
    assert!(!after.contains("统一路88号"), "left the queue");
    // Out of scope is not found.
    let out = t
        .post_form(
            &format!("/hotline/queue/{road}/match"),
            &c,
            &format!("csrf={csrf}&building_id={}", t.building_b.id),
        )
        .await;
    assert_eq!(out.status, StatusCode::CONFLICT, "already handled");

    // Discard the other one with a reason (blank is refused on the page).
    let other = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ticket_no"] == "WEB002")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let blank = t
        .post_form(
            &format!("/hotline/queue/{other}/discard"),
            &c,
            &format!("csrf={csrf}&reason="),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text().contains("请填写退回原因"));
    let ok = t
        .post_form(
            &format!("/hotline/queue/{other}/discard"),
            &c,
            &format!(
                "csrf={csrf}&reason={}",
                jingzhi_web::session::urlencode("属东北村社区")
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    // Another community's worker cannot open it.
    let (cb, _) = t.browser_session("worker.b").await;
    assert_eq!(
        t.page(&format!("/hotline/queue/{other}"), &cb).await.status,
        StatusCode::NOT_FOUND
    );
    // Export from the page.
    let x = t.page("/hotline/export?format=csv", &c).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.text().contains("退回：属东北村社区"));
    // A steward has no hotline page.
    let (cs, _) = t.browser_session("steward.a").await;
    assert_eq!(t.page("/hotline", &cs).await.status, StatusCode::FORBIDDEN);
}
