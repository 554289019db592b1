//! The rounds pages, through the real router: a community worker assigns a post by ticking
//! buildings, the steward logs a visit from the phone form, a finding becomes an event from the
//! visits list, coverage and the specialists pages render; another community gets 404; text is
//! escaped.

mod common;

use axum::http::StatusCode;
use common::TestApp;

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.get("/api/v1/me", &t.token(username).await).await.json()["id"]
        .as_i64()
        .unwrap()
}

fn enc(s: &str) -> String {
    jingzhi_web::session::urlencode(s)
}

#[tokio::test]
async fn rounds_pages_from_post_to_event() {
    let t = TestApp::new().await;
    let (worker, wcsrf) = t.browser_session("worker.a").await;
    let (steward, scsrf) = t.browser_session("steward.a").await;
    let steward_id = user_id(&t, "steward.a").await;

    // Before a post, the steward is told to ask for one.
    let r = t.page("/rounds", &steward).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("您还没有岗位"), "{}", r.text());

    // The worker picks the steward and the grid, then ticks a building.
    let r = t
        .page(
            &format!("/rounds/posts/edit?user={steward_id}&grid={}", t.grid_a.id),
            &worker,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&t.building_a.name));
    assert!(r.text().contains("type=\"checkbox\""));
    let r = t
        .post_form(
            "/rounds/posts/edit",
            &worker,
            &format!(
                "csrf={wcsrf}&user_id={steward_id}&grid_id={}&building={}",
                t.grid_a.id, t.building_a.id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let post_url = r.headers["location"].to_str().unwrap().to_string();
    let r = t.page(&post_url, &worker).await;
    assert!(r.text().contains(&t.building_a.name));
    // The steward may not assign posts.
    let r = t
        .post_form(
            "/rounds/posts/edit",
            &steward,
            &format!(
                "csrf={scsrf}&user_id={steward_id}&grid_id={}&building={}",
                t.grid_a.id, t.building_a.id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The steward's page offers the household; a visit with a finding is saved.
    let r = t.page("/rounds", &steward).await;
    assert!(r.text().contains("记录走访"));
    assert!(r.text().contains(&t.hh_a.address));
    let body = format!(
        "csrf={scsrf}&household_id={}&visited_at=&note={}&f0_kind=hazard&f0_text={}&f0_category=fire_safety",
        t.hh_a.id,
        enc("家中一切正常"),
        enc("楼道飞线<script>alert(1)</script>")
    );
    let r = t.post_form("/rounds/visits", &steward, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A household outside the post is refused with the reason, on the form.
    let body = format!("csrf={scsrf}&household_id={}", t.hh_b.id);
    let r = t.post_form("/rounds/visits", &steward, &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("不在您的岗位范围内"));
    // Without the CSRF token nothing is saved.
    let body = format!("csrf=wrong&household_id={}", t.hh_a.id);
    assert_eq!(
        t.post_form("/rounds/visits", &steward, &body).await.status,
        StatusCode::FORBIDDEN
    );

    // The household's visits: the finding, escaped, with its "to an event" link.
    let r = t
        .page(&format!("/rounds/visits?household={}", t.hh_a.id), &steward)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains("安全隐患"));
    assert!(text.contains("alert(1)") && !text.contains("<script>alert"));
    let fid: i64 = text
        .split("/rounds/findings/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .expect("a link to turn the finding into an event");
    // The form asks the category's questions.
    let r = t
        .page(
            &format!("/rounds/findings/{fid}/event?category=fire_safety"),
            &steward,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("是否正在发生险情"));
    // Unanswered, it is refused; answered, it becomes an event.
    let r = t
        .post_form(
            &format!("/rounds/findings/{fid}/event"),
            &steward,
            &format!("csrf={scsrf}&category=fire_safety&urgency=urgent"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            &format!("/rounds/findings/{fid}/event"),
            &steward,
            &format!(
                "csrf={scsrf}&category=fire_safety&urgency=urgent&a_danger_now={}&next={}",
                enc("否"),
                enc(&format!("/rounds/visits?household={}", t.hh_a.id))
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .page(&format!("/rounds/visits?household={}", t.hh_a.id), &worker)
        .await;
    assert!(r.text().contains("已转事件"));
    // The steward's visits, seen by the worker.
    let r = t
        .page(&format!("/rounds/visits?user={steward_id}"), &worker)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&t.hh_a.address));

    // Coverage: the grid, the post and the list.
    let r = t.page("/rounds/coverage", &worker).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&t.grid_a.name));
    assert!(r.text().contains("覆盖率"));
    // The worker's own page lists the post.
    let r = t.page("/rounds", &worker).await;
    assert!(r.text().contains("岗位") && r.text().contains(&t.grid_a.name));

    // Another community's worker gets 404 for A's post, coverage and finding.
    let (other, _) = t.browser_session("worker.b").await;
    for url in [
        post_url.clone(),
        format!("/rounds/coverage?node={}", t.comm_a.id),
        format!("/rounds/findings/{fid}/event"),
        format!("/rounds/visits?household={}", t.hh_a.id),
    ] {
        let r = t.page(&url, &other).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{url}");
        assert!(!r.text().contains(&t.hh_a.address));
    }
}

#[tokio::test]
async fn specialists_page_assigns_logs_and_shows_compliance() {
    let t = TestApp::new().await;
    let (worker, csrf) = t.browser_session("worker.a").await;
    let r = t.page("/rounds/specialists", &worker).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("配备网格服务专员"));
    // 派出单位 offers the department registry's names (a unit outside it may still be typed).
    assert!(r.text().contains(r#"list="department-names""#));
    assert!(
        r.text().contains(r#"<option value="住建局">"#),
        "{}",
        r.text()
    );
    let month = jingzhi_domain::rounds::Month::of_ms(jingzhi_domain::time_fmt::now_ms());
    let since = jingzhi_domain::rounds::Month(month.0 - 2);
    let assign = |name: &str| {
        format!(
            "csrf={csrf}&grid_id={}&name={}&department={}&party_org={}&phone=13912345678&since={since}",
            t.grid_a.id,
            enc(name),
            enc("区住房和城乡建设局"),
            enc("区住建局机关党支部")
        )
    };
    for name in ["李建国", "王秀英"] {
        let r = t
            .post_form("/rounds/specialists", &worker, &assign(name))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    // A third is refused with the rule.
    let r = t
        .post_form("/rounds/specialists", &worker, &assign("赵六"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("1–2"));
    let r = t.page("/rounds/specialists", &worker).await;
    let text = r.text();
    assert!(text.contains("李建国") && text.contains("139****5678"));
    assert!(!text.contains("13912345678"));
    // Nobody logged the past months: they show as missed.
    assert!(text.contains("✗"));
    assert!(text.contains(&since.to_string()));
    let id: i64 = text
        .split("/rounds/specialists/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    let r = t
        .post_form(
            &format!("/rounds/specialists/{id}/services"),
            &worker,
            &format!("csrf={csrf}&month={since}&content={}", enc("政策宣讲")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .page(
            &format!("/rounds/specialists?from={since}&to={month}&missed=1"),
            &worker,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("✓"));
    // Community B sees none of them.
    let (other, _) = t.browser_session("worker.b").await;
    let r = t.page("/rounds/specialists", &other).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("李建国"));
}
