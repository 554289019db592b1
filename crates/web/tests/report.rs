//! The resident's report (issue 9 §3) over HTTP: only the chosen category's questions, errors
//! next to their fields and summarised at the top, no inline script (CSP), the open reports
//! nearby with "我也遇到了" (minimal facts, scope, audit, notifications, count), the
//! confirmation page, notifications that link to their event (a closed one to its rating),
//! timelines with display names and roles and without internal notes for residents.

mod common;

use axum::http::{header, Method, StatusCode};
use common::{multipart, png_2x2, send_multipart, Resp, TestApp};
use serde_json::json;

async fn sql(t: &TestApp, q: &str) {
    let mut c = t.db.store.acquire().await.unwrap();
    sqlx::query(q).execute(&mut *c).await.unwrap();
}

async fn cmd(t: &TestApp, token: &str, id: i64, command: &str, body: serde_json::Value) -> Resp {
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/events/{id}/{command}"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{command}: {}", r.text());
    r
}

/// A second resident of building A with an account (`resident.a2`), and coordinates for the
/// buildings (the open reports nearby are found by distance).
async fn neighbours(t: &TestApp) {
    sql(
        t,
        &format!(
            "UPDATE nodes SET x = 122.1, y = 37.5 WHERE id = {}",
            t.building_a.id
        ),
    )
    .await;
    sql(
        t,
        &format!(
            "UPDATE nodes SET x = 122.1001, y = 37.5 WHERE id = {}",
            t.building_b.id
        ),
    )
    .await;
    let sys = jingzhi_app::Actor::system(&t.city);
    let hh = t
        .app
        .registry()
        .create_household(
            &sys,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(t.building_a.id),
                unit: Some(1),
                room: "402".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = t
        .app
        .registry()
        .create_resident(
            &sys,
            hh.id,
            &jingzhi_domain::registry::ResidentInput {
                name: "赵敏".into(),
                id_number: jingzhi_domain::registry::IdNumber::build(
                    371002,
                    time::Date::from_calendar_date(1985, time::Month::March, 9).unwrap(),
                    231,
                )
                .as_str()
                .into(),
                relationship: Some("户主".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .auth()
        .add_user(
            None,
            &jingzhi_app::auth::NewUserInput {
                username: "resident.a2".into(),
                password: common::PASSWORD.into(),
                role: "resident".into(),
                scope_code: t.comm_a.code.clone(),
                display_name: Some("赵敏".into()),
                department: None,
                resident_id: Some(r.id),
            },
        )
        .await
        .unwrap();
    sql(
        t,
        "UPDATE users SET display_name = '王芳' WHERE username = 'worker.a'",
    )
    .await;
}

/// Resident A reports a noise problem at home through the form; returns the event's id.
async fn report_noise(t: &TestApp, cookie: &str, csrf: &str, text: &str) -> i64 {
    let body = multipart(
        &[
            ("csrf", csrf),
            ("category", "noise"),
            ("answer.noise.time", "夜间"),
            ("description", text),
            ("place_mode", "building"),
        ],
        &[("photos", "noise.png", &png_2x2())],
    );
    let r = send_multipart(t, "/events/new", ("cookie", cookie), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(loc.ends_with("/submitted"), "{loc}");
    loc.trim_start_matches("/events/")
        .trim_end_matches("/submitted")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_form_shows_one_category_and_its_errors_without_inline_script() {
    let t = TestApp::new().await;
    let (rc, rcsrf) = t.browser_session("resident.a").await;
    let r = t.page("/events/new", &rc).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let html = r.text();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("onclick="));
    // No category chosen: every question block is hidden (and disabled: not validated or sent).
    assert_eq!(
        html.matches("class=\"questions\"").count(),
        html.matches("hidden disabled").count()
    );
    // The stylesheet keeps `hidden` hidden and radio buttons round.
    let css = t.page("/assets/app.css", &rc).await.text();
    assert!(css.contains("[hidden] { display: none !important; }"));
    assert!(css.contains("input[type=radio]"));
    let js = t.page("/assets/app.js", &rc).await.text();
    assert!(js.contains("fieldset.questions") && js.contains("map-picker"));

    // A required answer and the description missing: both next to their fields, and summarised
    // at the top with links to them; only the chosen category's block is shown.
    let body = multipart(
        &[
            ("csrf", &rcsrf),
            ("category", "noise"),
            ("description", ""),
            ("place_mode", "building"),
        ],
        &[("photos", "noise.png", &png_2x2())],
    );
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("id=\"error-summary\""), "{html}");
    assert!(html.contains("href=\"#description\""), "{html}");
    assert!(html.contains("id=\"err-description\""));
    assert!(html.contains("照片未保存"), "photos must be chosen again");
    // The description is checked first; now give it and miss the answer.
    let body = multipart(
        &[
            ("csrf", &rcsrf),
            ("category", "noise"),
            ("description", "楼上夜间装修"),
            ("place_mode", "building"),
        ],
        &[],
    );
    let r = send_multipart(&t, "/events/new", ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("href=\"#q-noise\""), "{html}");
    assert!(html.contains("id=\"err-answers\""));
    assert!(html.contains("请回答“发生时段”"));
    assert!(html.contains("<fieldset class=\"questions\" id=\"q-noise\" data-category=\"noise\">"));
    assert!(html.contains("id=\"q-parking\" data-category=\"parking\" hidden disabled"));
}

#[tokio::test]
async fn report_confirmation_notification_and_rating() {
    let t = TestApp::new().await;
    neighbours(&t).await;
    let (rc, rcsrf) = t.browser_session("resident.a").await;
    let id = report_noise(&t, &rc, &rcsrf, "楼上每晚装修到十一点").await;

    // The confirmation page: number, the category's default handler, the deadline, how told.
    let r = t.page(&format!("/events/{id}/submitted"), &rc).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains(&format!("#{id}")));
    assert!(
        html.contains("网格员"),
        "noise goes to the grid worker: {html}"
    );
    assert!(html.contains("办理时限") && html.contains("通知"));
    assert!(
        !html.contains("邮箱"),
        "no e-mail without an address and SMTP"
    );
    // With SMTP in use and an address, the page says the e-mail goes there too (masked).
    t.app.notify().set_channels(&["smtp"]).await.unwrap();
    t.app
        .notify()
        .set_user_email(None, "resident.a", Some("wang.jianguo@example.com"))
        .await
        .unwrap();
    let html = t.page(&format!("/events/{id}/submitted"), &rc).await.text();
    assert!(
        html.contains("同时发送到您的邮箱 w***@example.com"),
        "{html}"
    );
    // Someone else's confirmation page is not found.
    let (wc, wcsrf) = t.browser_session("worker.a").await;
    assert_eq!(
        t.page(&format!("/events/{id}/submitted"), &wc).await.status,
        StatusCode::NOT_FOUND
    );

    // Staff work it; a dispatch remark and an internal note stay with the staff.
    let worker = t.token("worker.a").await;
    cmd(&t, &worker, id, "accept", json!({})).await;
    cmd(
        &t,
        &worker,
        id,
        "dispatch",
        json!({"lead": {"kind": "grid_worker", "name": "前进一网格"}, "note": "先别告诉居民：该户有前科"}),
    )
    .await;
    let r = t
        .post_form(
            &format!("/events/{id}/note"),
            &wc,
            &format!("csrf={wcsrf}&note=%E5%86%85%E9%83%A8%E6%B2%9F%E9%80%9A%E8%AE%B0%E5%BD%95"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A resident may not write one.
    let r = t
        .post_form(
            &format!("/events/{id}/note"),
            &rc,
            &format!("csrf={rcsrf}&note=x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (ac, _) = t.browser_session("admin").await;
    let staff_view = t.page(&format!("/events/{id}"), &ac).await.text();
    assert!(staff_view.contains("先别告诉居民"));
    assert!(staff_view.contains("内部沟通记录") && staff_view.contains("仅工作人员可见"));
    // Display names and roles, never login names.
    assert!(staff_view.contains("王芳（社区工作者）"), "{staff_view}");
    assert!(!staff_view.contains("worker.a"));
    let mine = t.page(&format!("/events/{id}"), &rc).await.text();
    assert!(
        !mine.contains("先别告诉居民"),
        "a dispatch remark is internal"
    );
    assert!(
        !mine.contains("内部沟通记录"),
        "an internal note is internal"
    );
    assert!(mine.contains("王芳（社区工作者）"));
    assert!(!mine.contains("worker.a"));
    let api = t
        .get(
            &format!("/api/v1/events/{id}"),
            &t.token("resident.a").await,
        )
        .await;
    assert!(!api.text().contains("先别告诉居民") && !api.text().contains("内部沟通记录"));
    assert!(!api.text().contains("worker.a"));

    cmd(&t, &worker, id, "start", json!({})).await;
    cmd(
        &t,
        &worker,
        id,
        "resolve",
        json!({"result": "已劝导停止夜间施工"}),
    )
    .await;
    cmd(&t, &worker, id, "verify", json!({})).await;
    cmd(&t, &worker, id, "close", json!({})).await;

    // Every notification links to its event; the closed one straight to the rating. None
    // carries the dispatch remark.
    let n = t.page("/notifications", &rc).await.text();
    assert!(n.contains(&format!("href=\"/events/{id}\"")), "{n}");
    assert!(n.contains(&format!("href=\"/events/{id}#rate\"")), "{n}");
    assert!(n.contains("去评价"));
    assert!(n.contains("请查看办理结果并评价"));
    assert!(!n.contains("先别告诉居民"));
    let page = t.page(&format!("/events/{id}"), &rc).await.text();
    assert!(
        page.contains("id=\"rate\""),
        "the rating form is the anchor"
    );
    let body = multipart(&[("csrf", &rcsrf), ("rating", "satisfied")], &[]);
    let r = send_multipart(&t, &format!("/events/{id}/act/rate"), ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn nearby_open_reports_and_me_too() {
    let t = TestApp::new().await;
    neighbours(&t).await;
    let (rc, rcsrf) = t.browser_session("resident.a").await;
    let id = report_noise(&t, &rc, &rcsrf, "王建国家楼上每晚装修，电话13812345678").await;

    // The neighbour chooses the same category at home: the open report is offered, with only
    // category, place, status and date.
    let (nc, ncsrf) = t.browser_session("resident.a2").await;
    let r = t
        .page("/events/nearby?category=noise&place_mode=building", &nc)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("噪音扰民") && html.contains(&t.building_a.name),
        "{html}"
    );
    assert!(
        html.contains(&format!("formaction=\"/events/{id}/support\"")),
        "{html}"
    );
    assert!(!html.contains("王建国") && !html.contains("13812345678") && !html.contains("装修"));
    // Another category, or another community's staff: nothing.
    let r = t
        .page("/events/nearby?category=parking&place_mode=building", &nc)
        .await;
    assert!(!r.text().contains("support"));
    let (bc, _) = t.browser_session("worker.b").await;
    let r = t
        .page(
            &format!("/events/nearby?category=noise&node_id={}", t.building_b.id),
            &bc,
        )
        .await;
    assert!(!r.text().contains(&format!("#{id}")));
    // A point on the map far away: nothing; near: the report.
    let far = t
        .page(
            "/events/nearby?category=noise&place_mode=map&x=122.3&y=37.7",
            &nc,
        )
        .await;
    assert!(!far.text().contains("support"));
    let near = t
        .page(
            "/events/nearby?category=noise&place_mode=map&x=122.1005&y=37.5",
            &nc,
        )
        .await;
    assert!(near.text().contains(&format!("/events/{id}/support")));
    // The reporter sees it as their own.
    let own = t
        .page("/events/nearby?category=noise&place_mode=building", &rc)
        .await;
    assert!(own.text().contains("您上报的"));

    // Before joining, the neighbour cannot open it.
    assert_eq!(
        t.page(&format!("/events/{id}"), &nc).await.status,
        StatusCode::NOT_FOUND
    );
    // "我也遇到了" (the form's button posts the report form there): joined, audited once.
    let body = multipart(
        &[("csrf", &ncsrf), ("category", "noise"), ("description", "")],
        &[],
    );
    let r = send_multipart(&t, &format!("/events/{id}/support"), ("cookie", &nc), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/events/{id}?joined=1")
    );
    let body = multipart(&[("csrf", &ncsrf)], &[]);
    let r = send_multipart(&t, &format!("/events/{id}/support"), ("cookie", &nc), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Without the token: refused.
    let body = multipart(&[("csrf", "nope")], &[]);
    let r = send_multipart(&t, &format!("/events/{id}/support"), ("cookie", &nc), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Staff and the reporter cannot "join".
    let (wc, wcsrf) = t.browser_session("worker.a").await;
    let body = multipart(&[("csrf", &wcsrf)], &[]);
    let r = send_multipart(&t, &format!("/events/{id}/support"), ("cookie", &wc), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = multipart(&[("csrf", &rcsrf)], &[]);
    let r = send_multipart(&t, &format!("/events/{id}/support"), ("cookie", &rc), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    {
        let mut c = t.db.store.acquire().await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'event' AND entity_id = $1 AND summary LIKE '%我也遇到了%'",
        )
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(n, 1, "audited once");
    }

    // The supporter's view: minimal facts, the count, no description, photos or reporter.
    let page = t.page(&format!("/events/{id}?joined=1"), &nc).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("data-testid=\"joined\""));
    assert!(html.contains("data-testid=\"supporters\">1 人"), "{html}");
    assert!(
        !html.contains("王建国") && !html.contains("13812345678"),
        "{html}"
    );
    assert!(!html.contains("/photos/"));
    assert!(!html.contains("act/rate"));
    assert!(
        html.contains(&format!("data-testid=\"place\">{}", t.building_a.name)),
        "{html}"
    );
    assert!(!html.contains("居民（居民）"));
    // Staff see the count too.
    let staff = t.page(&format!("/events/{id}"), &wc).await.text();
    assert!(staff.contains("data-testid=\"supporters\">1 人"));
    // The nearby list now says so.
    let again = t
        .page("/events/nearby?category=noise&place_mode=building", &nc)
        .await
        .text();
    assert!(
        again.contains("您已加入") && again.contains("1 人也遇到了"),
        "{again}"
    );

    // The supporter is told of the event's changes like the reporter, with a link.
    let worker = t.token("worker.a").await;
    cmd(&t, &worker, id, "accept", json!({})).await;
    let n = t.page("/notifications", &nc).await.text();
    assert!(n.contains(&format!("您关注的事件#{id}")), "{n}");
    assert!(n.contains(&format!("href=\"/events/{id}\"")));
    // A closed event is no longer open to join.
    for c in ["dispatch", "start", "resolve", "verify", "close"] {
        let body = match c {
            "dispatch" => json!({"lead": {"kind": "grid_worker", "name": "前进一网格"}}),
            "resolve" => json!({"result": "已处理"}),
            _ => json!({}),
        };
        cmd(&t, &worker, id, c, body).await;
    }
    let n = t.page("/notifications", &nc).await.text();
    assert!(!n.contains("去评价"), "a supporter does not rate: {n}");
    let none = t
        .page("/events/nearby?category=noise&place_mode=building", &nc)
        .await
        .text();
    assert!(!none.contains(&format!("#{id}")));
}

/// A steward's finding marked "also report as an event" whose category asks a required
/// question: the visit is saved, and the steward lands on the finding's form with the
/// category chosen and its questions asked; answering reports it.
#[tokio::test]
async fn a_finding_to_report_is_never_lost() {
    let t = TestApp::new().await;
    let (worker, wcsrf) = t.browser_session("worker.a").await;
    let (steward, scsrf) = t.browser_session("steward.a").await;
    let sid = t
        .get("/api/v1/me", &t.token("steward.a").await)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .post_form(
            "/rounds/posts/edit",
            &worker,
            &format!(
                "csrf={wcsrf}&user_id={sid}&grid_id={}&building={}",
                t.grid_a.id, t.building_a.id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let enc = jingzhi_web::session::urlencode;
    let body = format!(
        "csrf={scsrf}&household_id={}&visited_at=&note=&f0_kind=hazard&f0_text={}&f0_report=on&f0_category=fire_safety",
        t.hh_a.id,
        enc("楼道飞线充电")
    );
    let r = t.post_form("/rounds/visits", &steward, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/rounds/findings/")
            && to.contains("category=fire_safety")
            && to.contains("pending=1"),
        "{to}"
    );
    // The visit and its finding are saved, not yet an event.
    let visits = t
        .get(
            &format!("/api/v1/rounds/visits?household_id={}", t.hh_a.id),
            &t.token("worker.a").await,
        )
        .await;
    assert!(visits.text().contains("楼道飞线充电"), "{}", visits.text());
    let page = t.page(&to, &steward).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("data-testid=\"pending\""), "{html}");
    assert!(html.contains("是否正在发生险情"));
    let fid: i64 = to
        .trim_start_matches("/rounds/findings/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = t
        .post_form(
            &format!("/rounds/findings/{fid}/event"),
            &steward,
            &format!(
                "csrf={scsrf}&category=fire_safety&urgency=urgent&a_danger_now={}&next={}",
                enc("否"),
                enc("/rounds?saved=1")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers[header::LOCATION], "/rounds?saved=1");
    let admin = t.token("admin").await;
    let list = t.get("/api/v1/events?source=round", &admin).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}
