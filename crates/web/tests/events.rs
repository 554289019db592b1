//! Events over HTTP: the whole lifecycle through the JSON API with photos, the pages (report
//! form, detail with actions, whistle), and bad input (unknown category, a point outside the
//! city, a photo that is too large or not an image by its bytes, HTML in a description): a
//! clear 4xx naming the field, nothing changed, and text always escaped.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{multipart, png_2x2, send_multipart, Resp, TestApp};
use serde_json::json;

async fn api_multipart(
    t: &TestApp,
    uri: &str,
    token: &str,
    data: serde_json::Value,
    files: &[(&str, &str, &[u8])],
) -> Resp {
    let d = data.to_string();
    send_multipart(
        t,
        uri,
        ("authorization", &format!("Bearer {token}")),
        multipart(&[("data", &d)], files),
    )
    .await
}

/// Every event in the city (through the admin's API).
async fn all_events(t: &TestApp) -> Vec<serde_json::Value> {
    let admin = t.token("admin").await;
    let r = t.get("/api/v1/events?limit=200", &admin).await.json();
    r["items"].as_array().unwrap().clone()
}

async fn count_events(t: &TestApp) -> i64 {
    all_events(t).await.len() as i64
}

async fn count_attachments(t: &TestApp) -> i64 {
    let admin = t.token("admin").await;
    let mut n = 0;
    for e in all_events(t).await {
        let v = t
            .get(&format!("/api/v1/events/{}", e["id"]), &admin)
            .await
            .json();
        n += v["attachments"].as_array().unwrap().len() as i64;
    }
    n
}

async fn cmd(t: &TestApp, token: &str, id: i64, command: &str, body: serde_json::Value) -> Resp {
    t.request(
        Method::POST,
        &format!("/api/v1/events/{id}/{command}"),
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn the_whole_lifecycle_over_the_api_with_photos() {
    let t = TestApp::new().await;
    let resident = t.token("resident.a").await;
    let worker = t.token("worker.a").await;
    let dept = t.token("dept.a").await;
    let png = png_2x2();

    // The categories with their questions.
    let cats = t.get("/api/v1/event-categories", &resident).await;
    assert_eq!(cats.status, StatusCode::OK);
    assert!(cats.text().contains("ebike_charging"));

    // A resident reports with a photo (multipart), at their own building by default.
    let r = api_multipart(
        &t,
        "/api/v1/events",
        &resident,
        json!({"category": "stairwell_clutter", "description": "三楼楼道堆满纸箱", "answers": {"floor": "3"}}),
        &[("photos", "楼道.png", &png)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["node_id"], t.building_a.id);

    // Accept, dispatch to the department, start, resolve with a result photo, verify, close.
    assert_eq!(
        cmd(&t, &worker, id, "accept", json!({})).await.status,
        StatusCode::OK
    );
    let d = cmd(
        &t,
        &worker,
        id,
        "dispatch",
        json!({"lead": {"kind": "department", "code": "zhujian"}, "co_handlers": [{"kind": "property_company", "name": "前进物业"}]}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    // The resident may not start it (403), the department may.
    assert_eq!(
        cmd(&t, &resident, id, "start", json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cmd(&t, &dept, id, "start", json!(null)).await.status,
        StatusCode::OK
    );
    let res = api_multipart(
        &t,
        &format!("/api/v1/events/{id}/resolve"),
        &dept,
        json!({"result": "纸箱已清走"}),
        &[("photos", "after.png", &png)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // An illegal move is refused naming the status.
    let bad = cmd(&t, &worker, id, "close", json!({})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["details"][0]["field"], "status");
    assert_eq!(
        cmd(&t, &worker, id, "verify", json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        cmd(&t, &worker, id, "close", json!({})).await.status,
        StatusCode::OK
    );
    let rate = cmd(
        &t,
        &resident,
        id,
        "rate",
        json!({"rating": "satisfied", "comment": "很快"}),
    )
    .await;
    assert_eq!(rate.status, StatusCode::OK, "{}", rate.text());
    assert_eq!(rate.json()["status"], "rated");
    assert_eq!(
        cmd(&t, &worker, id, "frobnicate", json!({})).await.status,
        StatusCode::NOT_FOUND
    );

    // The timeline holds every step, with the photos tied to theirs.
    let v = t
        .get(&format!("/api/v1/events/{id}"), &resident)
        .await
        .json();
    let steps: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["report", "accept", "dispatch", "start", "resolve", "verify", "close", "rate"]
    );
    let atts = v["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0]["transition_id"], v["timeline"][0]["id"]);
    assert_eq!(atts[1]["transition_id"], v["timeline"][4]["id"]);
    assert_eq!(atts[0]["content_type"], "image/png");
    assert_eq!(
        (atts[0]["width"].as_i64(), atts[0]["height"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(v["handlers"][0]["handler_name"], "住建局");

    // The photo comes back as it went in, typed by its bytes, not sniffable.
    let aid = atts[0]["id"].as_i64().unwrap();
    let url = format!("/api/v1/events/{id}/attachments/{aid}");
    let p = t.get(&url, &resident).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body, png);
    assert_eq!(p.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(p.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    // Not for another community, not under another event's id.
    let other = t.token("worker.b").await;
    assert_eq!(t.get(&url, &other).await.status, StatusCode::NOT_FOUND);
    let wrong = format!("/api/v1/events/{}/attachments/{aid}", id + 1000);
    assert_eq!(t.get(&wrong, &resident).await.status, StatusCode::NOT_FOUND);

    // Photos added later join the timeline as 补充照片.
    let more = api_multipart(
        &t,
        &format!("/api/v1/events/{id}/attachments"),
        &worker,
        json!({"note": "回访照片"}),
        &[("photos", "x.png", &png)],
    )
    .await;
    assert_eq!(more.status, StatusCode::CREATED, "{}", more.text());
    assert_eq!(count_attachments(&t).await, 3);

    // The list filters; a resident sees only their own.
    let l = t
        .get(
            "/api/v1/events?status=rated&category=stairwell_clutter",
            &worker,
        )
        .await;
    assert_eq!(l.json()["items"].as_array().unwrap().len(), 1);
    let l = t.get("/api/v1/events?status=reported", &worker).await;
    assert_eq!(l.json()["items"].as_array().unwrap().len(), 0);
    let bad = t.get("/api/v1/events?status=nope", &worker).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["details"][0]["field"], "status");
    let l = t
        .get(&format!("/api/v1/events?under={}", t.comm_b.id), &worker)
        .await;
    assert_eq!(l.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn whistle_and_report_over_the_api() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let dept = t.token("dept.a").await;
    let r = t
        .request(
            Method::POST,
            "/api/v1/events",
            Some(&worker),
            Some(json!({"category": "road_facility", "description": "井盖缺失", "node_id": t.building_a.id,
                "answers": {"facility": "井盖"}, "urgency": "urgent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    // Not before it is accepted.
    let early = t
        .request(
            Method::POST,
            &format!("/api/v1/events/{id}/whistles"),
            Some(&worker),
            Some(json!({"departments": ["zhujian"], "reason": "需要联合执法"})),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    cmd(&t, &worker, id, "accept", json!({})).await;
    let w = t
        .request(
            Method::POST,
            &format!("/api/v1/events/{id}/whistles"),
            Some(&worker),
            Some(json!({"departments": ["zhujian", "chengguan"], "reason": "需要联合执法"})),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.text());
    let wid = w.json()["id"].as_i64().unwrap();
    let post = |tok: String, step: &'static str, body: serde_json::Value| {
        let t = &t;
        async move {
            t.request(
                Method::POST,
                &format!("/api/v1/whistles/{wid}/{step}"),
                Some(&tok),
                Some(body),
            )
            .await
        }
    };
    // The department reports in for itself, not for another.
    assert_eq!(
        post(
            dept.clone(),
            "report-in",
            json!({"department": "chengguan"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(dept.clone(), "report-in", json!({"department": "zhujian"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post(
            worker.clone(),
            "report-in",
            json!({"department": "chengguan"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let i = post(worker.clone(), "inspection", json!({"participants": "住建局张工、城管局李队", "findings": "井盖被盗",
        "solution": "补装井盖并加装防盗链", "tasks": [{"department": "zhujian", "task": "补装井盖"}, {"department": "chengguan", "task": "巡查"}]})).await;
    assert_eq!(i.status, StatusCode::OK, "{}", i.text());
    assert_eq!(
        post(dept.clone(), "complete", json!({"department": "zhujian"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post(
            worker.clone(),
            "complete",
            json!({"department": "chengguan"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let rate = post(
        worker.clone(),
        "rate",
        json!({"department": "zhujian", "rating": "satisfied"}),
    )
    .await;
    assert_eq!(rate.status, StatusCode::OK, "{}", rate.text());
    let bad = post(
        worker.clone(),
        "rate",
        json!({"department": "chengguan", "rating": "great"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = t.get(&format!("/api/v1/events/{id}"), &worker).await.json();
    assert_eq!(
        v["whistles"][0]["whistle"]["departments"][0]["rating"],
        "satisfied"
    );
    assert!(
        v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["command"] == "whistle")
            .count()
            >= 6
    );
    // Out of scope: another community's worker gets 404 for every step.
    let other = t.token("worker.b").await;
    assert_eq!(
        post(other, "complete", json!({"department": "chengguan"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let resident = t.token("resident.a").await;
    let report = |body: serde_json::Value| {
        let t = &t;
        let w = worker.clone();
        async move {
            t.request(Method::POST, "/api/v1/events", Some(&w), Some(body))
                .await
        }
    };
    let field = |r: &Resp| {
        r.json()["details"][0]["field"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };

    let r =
        report(json!({"category": "ufo", "description": "x", "node_id": t.building_a.id})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&r), "category");
    // A point outside the city (no grid holds it) and a point that is no point at all.
    let r = report(json!({"category": "other", "description": "x", "x": 0.0, "y": 0.0})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(field(&r), "x");
    let r = report(json!({"category": "other", "description": "x", "x": 122.1, "y": 95.0})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Another community's building.
    let r =
        report(json!({"category": "other", "description": "x", "node_id": t.building_b.id})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&r), "node_id");
    // A required question unanswered.
    let r =
        report(json!({"category": "noise", "description": "x", "node_id": t.building_a.id})).await;
    assert_eq!(field(&r), "answers");
    // Malformed JSON is a 400.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::AUTHORIZATION, format!("Bearer {worker}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"category\": "))
        .unwrap();
    assert_eq!(t.send(req).await.status, StatusCode::BAD_REQUEST);

    // Photos are judged by their bytes: an HTML page named .jpg, a GIF, one that is too large.
    let html = b"<!doctype html><script>alert(1)</script>".to_vec();
    let data = json!({"category": "other", "description": "有照片"});
    let r = api_multipart(
        &t,
        "/api/v1/events",
        &resident,
        data.clone(),
        &[("photos", "photo.jpg", &html)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(field(&r), "photos");
    assert!(r.json()["details"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("photo.jpg"));
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let r = api_multipart(
        &t,
        "/api/v1/events",
        &resident,
        data.clone(),
        &[("photos", "a.png", &gif)],
    )
    .await;
    assert_eq!(field(&r), "photos");
    let mut big = png_2x2();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let r = api_multipart(
        &t,
        "/api/v1/events",
        &resident,
        data.clone(),
        &[("photos", "big.png", &big)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["details"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("big.png"));
    let png = png_2x2();
    let seven: Vec<(&str, &str, &[u8])> = (0..7)
        .map(|_| ("photos", "p.png", png.as_slice()))
        .collect();
    let r = api_multipart(&t, "/api/v1/events", &resident, data.clone(), &seven).await;
    assert_eq!(field(&r), "photos");
    assert_eq!(count_events(&t).await, 0, "nothing was stored");
    assert_eq!(count_attachments(&t).await, 0);

    // A good report, then a resolve with a bad photo changes nothing either.
    let r = api_multipart(
        &t,
        "/api/v1/events",
        &resident,
        data,
        &[("photos", "ok.png", &png)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = api_multipart(
        &t,
        &format!("/api/v1/events/{id}/accept"),
        &worker,
        json!({}),
        &[("photos", "x.jpg", &html)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = t.get(&format!("/api/v1/events/{id}"), &worker).await.json();
    assert_eq!(v["event"]["status"], "reported");
    assert_eq!(v["timeline"].as_array().unwrap().len(), 1);

    // HTML in a description is stored as text and shown escaped.
    let evil = "<script>alert('x')</script><b>粗</b>";
    let r =
        report(json!({"category": "other", "description": evil, "node_id": t.building_a.id})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["description"], evil);
    let (cookie, _) = t.browser_session("worker.a").await;
    let page = t.page(&format!("/events/{id}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(!html.contains("<script>alert"), "unescaped");
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "escaped text shown"
    );
    let list = t.page("/events", &cookie).await.text();
    assert!(!list.contains("<b>粗</b>"));
}

#[tokio::test]
async fn pages_report_act_and_whistle() {
    let t = TestApp::new().await;
    let (rc, rcsrf) = t.browser_session("resident.a").await;
    let png = png_2x2();

    // The report form: categories with their questions, photos, the resident's own building.
    let form = t.page("/events/new", &rc).await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(
        html.contains("answer.noise.time"),
        "questions rendered as fields"
    );
    assert!(html.contains("我家所在楼宇"));

    // A .jpg that is really HTML: the form again with the error inline, nothing stored.
    let body = multipart(
        &[
            ("csrf", &rcsrf),
            ("category", "other"),
            ("description", "路灯不亮"),
            ("place_mode", "building"),
        ],
        &[("photos", "lamp.jpg", b"<html>not a photo</html>")],
    );
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("lamp.jpg"), "the file is named");
    assert!(
        r.text().contains("路灯不亮"),
        "the form keeps what was typed"
    );
    assert_eq!(count_events(&t).await, 0);
    // Without the CSRF token: refused.
    let body = multipart(&[("category", "other"), ("description", "x")], &[]);
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An unknown category: inline.
    let body = multipart(
        &[("csrf", &rcsrf), ("category", "ufo"), ("description", "x")],
        &[],
    );
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("未知的问题类别"));

    let body = multipart(
        &[
            ("csrf", &rcsrf),
            ("category", "noise"),
            ("answer.noise.time", "夜间"),
            ("description", "楼上夜间装修"),
            ("place_mode", "building"),
        ],
        &[("photos", "noise.png", &png)],
    );
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.headers[header::LOCATION].to_str().unwrap().to_string();
    // The confirmation page first (crates/web/tests/report.rs), then the event's own page.
    let id: i64 = loc
        .trim_start_matches("/events/")
        .trim_end_matches("/submitted")
        .parse()
        .unwrap();
    let loc = format!("/events/{id}");
    let detail = t.page(&loc, &rc).await.text();
    assert!(
        detail.contains("楼上夜间装修") && detail.contains("发生时段") && detail.contains("夜间")
    );
    assert!(
        detail.contains(&format!("/events/{id}/photos/")),
        "the photo is shown"
    );
    assert!(!detail.contains("/act/accept"), "a resident cannot accept");
    let mine = t.page("/events", &rc).await.text();
    assert!(mine.contains("我的上报") && mine.contains(&format!("#{id}")));
    // The photo through the page route, for the reporter; another community's worker: 404.
    let v = t
        .get(&format!("/api/v1/events/{id}"), &t.token("worker.a").await)
        .await
        .json();
    let aid = v["attachments"][0]["id"].as_i64().unwrap();
    let p = t.page(&format!("/events/{id}/photos/{aid}"), &rc).await;
    assert_eq!((p.status, p.body.clone()), (StatusCode::OK, png.clone()));
    let (bc, _) = t.browser_session("worker.b").await;
    assert_eq!(
        t.page(&format!("/events/{id}/photos/{aid}"), &bc)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.page(&format!("/events/{id}"), &bc).await.status,
        StatusCode::NOT_FOUND
    );

    // The community worker: accept, then a dispatch without a lead is an inline error.
    let (wc, wcsrf) = t.browser_session("worker.a").await;
    let d = t.page(&format!("/events/{id}"), &wc).await.text();
    assert!(
        d.contains(&format!("/events/{id}/act/accept"))
            && d.contains(&format!("/events/{id}/act/invalidate"))
    );
    assert!(!d.contains("/act/resolve"));
    // The likely next step first and in view; the rest behind 更多操作, 作废 last and asking first.
    let at = |cmd: &str| d.find(&format!("data-action=\"{cmd}\"")).unwrap();
    assert!(at("accept") < at("escalate") && at("escalate") < at("invalidate"));
    let more = d.find(r#"<details class="more-actions""#).unwrap();
    assert!(at("accept") < more && more < at("escalate"));
    assert!(d.contains(r#"data-action="invalidate" id="act-invalidate" data-confirm="确定作废"#));
    assert!(!d.contains(r#"id="act-accept" data-confirm"#));
    assert!(
        !d[more..].starts_with(r#"<details class="more-actions" data-testid="more-actions" open"#)
    );
    let act = |c: &str, cmd: &str, fields: Vec<(&str, &str)>| {
        let t = &t;
        let c = c.to_string();
        let uri = format!("/events/{id}/act/{cmd}");
        let body = multipart(&fields, &[]);
        async move { send_multipart(t, &uri, ("cookie", &c), body).await }
    };
    let r = act(&wc, "accept", vec![("csrf", &wcsrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A refused command behind 更多操作: shown open, with the reason at its form.
    let r = act(&wc, "escalate", vec![("csrf", &wcsrf), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains(r#"<details class="more-actions" data-testid="more-actions" open>"#),
        "{}",
        r.text()
    );
    let r = act(
        &wc,
        "dispatch",
        vec![
            ("csrf", &wcsrf),
            ("lead_kind", "department"),
            ("lead_name", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("主办单位"));
    let r = act(
        &wc,
        "dispatch",
        vec![
            ("csrf", &wcsrf),
            ("lead_kind", "department"),
            ("lead_code", "zhujian"),
            ("co_code", "chengguan"),
            ("co_code", "jiaojing"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Illegal now: inline error on the page, status unchanged.
    let r = act(&wc, "accept", vec![("csrf", &wcsrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("不能受理"));

    // The whistle on the page: blow, report in, inspection, tasks, rating.
    let r = t
        .post_form(
            &format!("/events/{id}/whistle"),
            &wc,
            &format!(
                "csrf={wcsrf}&departments=zhujian&reason=%E8%81%94%E5%90%88%E6%89%A7%E6%B3%95"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let wid = t
        .get(&format!("/api/v1/events/{id}"), &t.token("worker.a").await)
        .await
        .json()["whistles"][0]["id"]
        .as_i64()
        .unwrap();
    let (dc, dcsrf) = t.browser_session("dept.a").await;
    let page = t.page(&format!("/events/{id}"), &dc).await.text();
    assert!(page.contains(&format!("/whistles/{wid}/report-in")));
    let r = t
        .post_form(
            &format!("/events/{id}/whistles/{wid}/report-in"),
            &dc,
            &format!("csrf={dcsrf}&department=zhujian"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // An inspection without findings: inline error.
    let r = t
        .post_form(
            &format!("/events/{id}/whistles/{wid}/inspection"),
            &wc,
            &format!("csrf={wcsrf}&participants=a&findings=&solution=b&task.zhujian=c"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("踏勘发现"));
    let r = t.post_form(&format!("/events/{id}/whistles/{wid}/inspection"), &wc, &format!("csrf={wcsrf}&at=2026-11-27T09%3A30&participants=a&findings=f&solution=b&task.zhujian=c")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post_form(
            &format!("/events/{id}/whistles/{wid}/complete"),
            &dc,
            &format!("csrf={dcsrf}&department=zhujian"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("/events/{id}/whistles/{wid}/rate"),
            &wc,
            &format!("csrf={wcsrf}&department=zhujian&rating=fairly_satisfied"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.page(&format!("/events/{id}"), &wc).await.text();
    assert!(page.contains("基本满意") && page.contains("2026-11-27"));

    // The list with filters.
    let l = t
        .page("/events?status=dispatched&overdue=&source=resident", &wc)
        .await;
    assert_eq!(l.status, StatusCode::OK);
    assert!(l.text().contains(&format!("#{id}")));
    let l = t.page("/events?status=closed", &wc).await.text();
    assert!(!l.contains(&format!("#{id}<")));
}

#[tokio::test]
async fn overdue_events_are_flagged_and_filtered() {
    let t = TestApp::new().await;
    let root = jingzhi_app::Actor::system(&t.city);
    let input = jingzhi_app::events::ReportInput {
        category: "other".into(),
        urgency: Some("emergency".into()),
        description: "三天前的急事".into(),
        node_id: Some(t.building_a.id),
        ..Default::default()
    };
    let then = jingzhi_domain::time_fmt::now_ms() - 3 * 24 * 3600 * 1000;
    let old = t.app.events().report_at(&root, &input, then).await.unwrap();
    let fresh = t
        .app
        .events()
        .report(
            &root,
            &jingzhi_app::events::ReportInput {
                description: "刚报的".into(),
                ..input
            },
        )
        .await
        .unwrap();
    let (wc, _) = t.browser_session("worker.a").await;
    let page = t.page(&format!("/events/{}", old.id), &wc).await.text();
    assert!(page.contains("data-testid=\"overdue\""));
    let page = t.page(&format!("/events/{}", fresh.id), &wc).await.text();
    assert!(!page.contains("data-testid=\"overdue\""));
    let list = t.page("/events?overdue=1", &wc).await.text();
    assert!(list.contains(&format!("#{}<", old.id)) && !list.contains(&format!("#{}<", fresh.id)));
    let w = t.token("worker.a").await;
    let api = t.get("/api/v1/events?overdue=true", &w).await.json();
    let ids: Vec<i64> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![old.id]);
    assert_eq!(
        t.get(&format!("/api/v1/events/{}", old.id), &w)
            .await
            .json()["overdue"],
        true
    );
}

/// A resident picks a point on the map of their own community (grids and buildings, no
/// household data): the event is placed in the grid that holds it. A point in another
/// community is refused with the reason, and nothing is stored.
#[tokio::test]
async fn a_resident_reports_at_a_point_on_the_map() {
    let t = TestApp::new().await;
    let mut c = t.db.store.acquire().await.unwrap();
    let city = jingzhi_domain::scope::Scope::new(t.city.id, t.city.path.clone());
    for (g, west) in [(&t.grid_a, 122.10), (&t.grid_b, 122.11)] {
        let (e, n) = (west + 0.01, 37.51);
        let boundary = format!(
            r#"{{"type":"Polygon","coordinates":[[[{west},37.5],[{e},37.5],[{e},{n}],[{west},{n}],[{west},37.5]]]}}"#
        );
        let n = jingzhi_store::registry::NewNode {
            name: g.name.clone(),
            boundary: Some(boundary),
            ..Default::default()
        };
        jingzhi_store::registry::update_node(&mut c, &city, g.id, &n)
            .await
            .unwrap();
    }
    drop(c);
    let (rc, rcsrf) = t.browser_session("resident.a").await;
    let html = t.page("/events/new", &rc).await.text();
    assert!(html.contains("id=\"map-picker\""), "the resident has a map");
    assert!(
        html.contains(&t.grid_a.name),
        "with the grids of their community"
    );
    assert!(
        !html.contains(&t.grid_b.name),
        "and not those of another community"
    );
    let report = |x: &'static str| {
        multipart(
            &[
                ("csrf", &rcsrf),
                ("category", "other"),
                ("description", "井盖松动"),
                ("place_mode", "map"),
                ("x", x),
                ("y", "37.505"),
            ],
            &[],
        )
    };
    // In grid B: another community's.
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), report("122.115")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("不在您的管辖范围内"), "{}", r.text());
    assert_eq!(count_events(&t).await, 0);
    // In grid A: placed there.
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), report("122.105")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let v = all_events(&t).await;
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["node_id"].as_i64(), Some(t.grid_a.id), "{}", v[0]);
}
