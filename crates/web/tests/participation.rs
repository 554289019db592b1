//! The votes API as scripts use it (issue 11 §4): the paths, bodies and answers are fixed.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_household_vote_through_the_api() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let resident = t.token("resident.a").await;
    let worker_b = t.token("worker.b").await;

    // Bad input names the field; a resident may not open a vote.
    let bad = json!({"node_id": t.comm_a.id, "question": "q", "options": ["同意"],
        "unit": "household", "quorum_percent": 50, "majority": "simple",
        "closes_at": "2099-01-01T00:00:00+08:00"});
    let r = t
        .request(Method::POST, "/api/v1/votes", Some(&worker), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "options");
    let body = json!({"node_id": t.comm_a.id, "question": "是否统一施划停车位？",
        "options": ["同意", "不同意"], "unit": "household", "quorum_percent": 50,
        "majority": "simple", "majority_of": "cast",
        "closes_at": "2099-01-01T00:00:00+08:00"});
    let r = t
        .request(
            Method::POST,
            "/api/v1/votes",
            Some(&resident),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = t
        .request(Method::POST, "/api/v1/votes", Some(&worker), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["phase"], "open");
    assert_eq!(v["unit"], "household");
    let eligible = v["eligible"].as_i64().unwrap();
    assert!(eligible >= 1);

    // The resident's household votes once.
    let ballots = format!("/api/v1/votes/{id}/ballots");
    let r = t
        .request(
            Method::POST,
            &ballots,
            Some(&resident),
            Some(json!({"option": "弃权"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "option");
    let r = t
        .request(
            Method::POST,
            &ballots,
            Some(&resident),
            Some(json!({"option": "同意"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.json()["id"].as_i64().is_some());
    let r = t
        .request(
            Method::POST,
            &ballots,
            Some(&resident),
            Some(json!({"option": "不同意"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The same household on paper: 409 too.
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/votes/{id}/paper-ballots"),
            Some(&worker),
            Some(json!({"household_id": t.hh_a.id, "option": "不同意"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Before the close: residents 409, staff of the place live counts, others 404.
    let result = format!("/api/v1/votes/{id}/result");
    assert_eq!(t.get(&result, &resident).await.status, StatusCode::CONFLICT);
    assert_eq!(
        t.get(&result, &worker_b).await.status,
        StatusCode::NOT_FOUND
    );
    let live = t.get(&result, &worker).await.json();
    assert_eq!(live["cast"], 1);

    let close = format!("/api/v1/votes/{id}/close");
    let r = t.request(Method::POST, &close, Some(&worker), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["phase"], "closed");
    let r = t.request(Method::POST, &close, Some(&worker), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = t
        .request(
            Method::POST,
            &ballots,
            Some(&resident),
            Some(json!({"option": "同意"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = t.get(&result, &resident).await;
    assert_eq!(r.status, StatusCode::OK);
    let res = r.json();
    assert_eq!(res["eligible"].as_i64().unwrap(), eligible);
    assert_eq!(res["cast"], 1);
    assert_eq!(res["counts"], json!({"同意": 1, "不同意": 0}));
    let turnout = res["turnout"].as_f64().unwrap();
    assert!((turnout - 1.0 / eligible as f64).abs() < 1e-9);
    assert_eq!(res["quorum_met"], json!(turnout >= 0.5));
    if turnout >= 0.5 {
        assert_eq!(res["outcome"], "同意");
    } else {
        assert_eq!(res["outcome"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn staff_name_a_representative_and_a_households_voter_from_the_register_pages() {
    let t = TestApp::new().await;
    let (cookie, csrf) = t.browser_session("worker.a").await;
    let resident = format!("/residents/{}", t.res_a.id);
    let page = t.page(&resident, &cookie).await.text();
    assert!(page.contains(r#"data-testid="representative""#));
    assert!(page.contains("设为居民代表"));
    let r = t
        .post_form(
            &format!("{resident}/representative"),
            &cookie,
            &format!("csrf={csrf}&on=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(t
        .page(&resident, &cookie)
        .await
        .text()
        .contains("取消居民代表"));

    let household = format!("/households/{}", t.hh_a.id);
    let r = t
        .post_form(
            &format!("{household}/voter"),
            &cookie,
            &format!("csrf={csrf}&resident_id={}", t.res_a.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = t.page(&household, &cookie).await.text();
    assert!(
        page.contains(&format!(r#"<option value="{}" selected>"#, t.res_a.id)),
        "the named member is chosen"
    );

    // A steward sees neither block and may not post them.
    let (steward, scsrf) = t.browser_session("steward.a").await;
    let page = t.page(&resident, &steward).await;
    assert!(!page.text().contains(r#"data-testid="representative""#));
    let r = t
        .post_form(
            &format!("{resident}/representative"),
            &steward,
            &format!("csrf={scsrf}&on=0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn proposals_through_the_api_and_the_pages() {
    let t = TestApp::new().await;
    let resident = t.token("resident.a").await;
    let worker = t.token("worker.a").await;
    let worker_b = t.token("worker.b").await;

    let bad = json!({"title": "", "body": "x"});
    let r = t
        .request(
            Method::POST,
            "/api/v1/proposals",
            Some(&resident),
            Some(bad),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "title");
    let body = json!({"title": "楼道加装扶手", "body": "<b>老人</b>上下楼不安全"});
    let r = t
        .request(
            Method::POST,
            "/api/v1/proposals",
            Some(&resident),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let p = r.json();
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["phase"], "collecting");

    // The author cannot support their own; another community does not see it.
    let supports = format!("/api/v1/proposals/{id}/supports");
    let r = t
        .request(Method::POST, &supports, Some(&resident), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&format!("/api/v1/proposals/{id}"), &worker_b)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let d = t
        .get(&format!("/api/v1/proposals/{id}"), &worker)
        .await
        .json();
    assert_eq!(d["may_answer"], true);
    assert_eq!(d["timeline"].as_array().unwrap().len(), 1);

    let answer = format!("/api/v1/proposals/{id}/answer");
    let r = t
        .request(
            Method::POST,
            &answer,
            Some(&worker),
            Some(json!({"answer": "decline"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["field"], "reasons");
    let r = t
        .request(
            Method::POST,
            &answer,
            Some(&worker),
            Some(json!({"answer": "take_up", "reasons": "列入议题"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["phase"], "taken_up");
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(&resident),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "answered already");

    // The page shows the text escaped and the timeline.
    let (cookie, _) = t.browser_session("resident.a").await;
    let html = t.page(&format!("/proposals/{id}"), &cookie).await.text();
    let at = html.find("老人").expect("the text is on the page");
    assert!(
        !html.contains("<b>老人")
            && (html.contains("&lt;b&gt;老人") || html.contains("&#60;b&#62;老人")),
        "HTML in a proposal is shown as text: {}",
        &html[at.saturating_sub(60)..(at + 60).min(html.len())]
    );
    assert!(html.contains("已列入议题"));

    // The author was told, in their notifications, with a link to the proposal.
    let html = t.page("/notifications", &cookie).await.text();
    assert!(
        html.contains(&format!(r#"href="/proposals/{id}""#)) && html.contains("有新进展"),
        "{html}"
    );
    let r = t
        .request(Method::GET, "/api/v1/notifications", Some(&resident), None)
        .await;
    assert!(r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["proposal_id"] == id && n["event_id"].is_null()));
}

/// Meetings through the API and the pages: a worker holds one, invites a party with HTML in its
/// name (shown as text), records a round and a decision from the page, writes and locks the
/// minutes (the digest on the page), and edits after the lock are refused with a reason.
#[tokio::test]
async fn meetings_rounds_minutes_and_decisions_through_the_api_and_the_pages() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let resident = t.token("resident.a").await;
    let bad = json!({"node_id": t.comm_a.id, "kind": "party", "title": "", "held_at": "soon", "venue": "x"});
    let r = t
        .request(Method::POST, "/api/v1/meetings", Some(&worker), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> = r.json()["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["kind", "title", "held_at"]);
    let body = json!({"node_id": t.comm_a.id, "kind": "deliberation", "title": "楼道停车议事",
        "held_at": "2026-11-20T19:00:00+08:00", "venue": "议事厅"});
    let r = t
        .request(
            Method::POST,
            "/api/v1/meetings",
            Some(&resident),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .request(Method::POST, "/api/v1/meetings", Some(&worker), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["minutes_phase"], "empty");

    let (cookie, csrf) = t.browser_session("worker.a").await;
    let page = |p: &str| format!("/meetings/{id}{p}");
    let r = t
        .post_form(
            &page("/parties"),
            &cookie,
            &format!(
                "csrf={csrf}&role=lawyer&name=%3Cb%3E%E5%BE%8B%E5%B8%88%3C%2Fb%3E&attended=on"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post_form(
            &page("/items"),
            &cookie,
            &format!("csrf={csrf}&subject=&title=%E5%81%9C%E8%BD%A6"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let detail = t
        .request(
            Method::GET,
            &format!("/api/v1/meetings/{id}"),
            Some(&worker),
            None,
        )
        .await
        .json();
    let item = detail["items"][0]["id"].as_i64().unwrap();
    // A round with no position is refused on the page with its reason.
    let r = t
        .post_form(
            &format!("/agenda-items/{item}/rounds"),
            &cookie,
            &format!("csrf={csrf}&who=&what=&who=&what="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请至少记录一方的意见"));
    let r = t
        .post_form(&format!("/agenda-items/{item}/rounds"), &cookie, &format!("csrf={csrf}&who=%E7%89%A9%E4%B8%9A&what=%3Ci%3E%E5%90%8C%E6%84%8F%3C%2Fi%3E&changes=&open_points="))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post_form(&format!("/agenda-items/{item}/decision"), &cookie, &format!("csrf={csrf}&title=%E5%88%92%E8%BD%A6%E4%BD%8D&body=%E7%BB%9F%E4%B8%80%E6%96%BD%E5%88%92&figure_label=%E8%BD%A6%E4%BD%8D&figure_value=68&figure_unit="))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let decision_page = r
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let html = t.page(&decision_page, &cookie).await.text();
    assert!(html.contains("68") && html.contains("划车位"));

    let r = t
        .post_form(
            &page("/minutes"),
            &cookie,
            &format!("csrf={csrf}&text=%E4%B8%80%E8%87%B4%E5%90%8C%E6%84%8F"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post_form(&page("/minutes/lock"), &cookie, &format!("csrf={csrf}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = t.page(&page(""), &cookie).await.text();
    assert!(html.contains(r#"data-testid="digest""#) && html.contains(r#"data-testid="verified""#));
    assert!(
        !html.contains("<b>律师") && !html.contains("<i>同意"),
        "HTML shown as text"
    );
    let r = t
        .post_form(&page("/minutes"), &cookie, &format!("csrf={csrf}&text=x"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("纪要已定稿锁定"));
    let r = t
        .request(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            Some(&worker),
            Some(json!({"text": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The resident reads it (no forms), another community's worker does not see it.
    let (rc, _) = t.browser_session("resident.a").await;
    let html = t.page(&page(""), &rc).await.text();
    assert!(html.contains("楼道停车议事") && !html.contains(r#"data-testid="round-form""#));
    let (bc, _) = t.browser_session("worker.b").await;
    assert_eq!(t.page(&page(""), &bc).await.status, StatusCode::NOT_FOUND);
}

/// The lists of proposals, meetings and decisions download as .xlsx with the rows the page
/// shows, and the download is audited.
#[tokio::test]
async fn participation_lists_download_as_xlsx() {
    let t = TestApp::new().await;
    let proposal = t.proposal_in(t.res_a.id).await;
    let f = t.meeting_in(&t.comm_a).await;
    t.household_vote(&t.comm_a).await;
    let sys = jingzhi_app::Actor::system(&t.city);
    let council = format!("{}共治理事会", t.comm_a.name);
    t.app
        .participation()
        .create_council(
            &sys,
            &jingzhi_app::participation::councils::NewCouncilInput {
                node_id: t.comm_a.id,
                name: council.clone(),
                term_days: 90,
            },
        )
        .await
        .unwrap();
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
                amount_fen: 50_000,
                purpose: "车位租金".into(),
                voucher_no: "ZJ-1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let fund_url = format!("/funds/{}/export.xlsx", fund.id);
    let (cookie, _) = t.browser_session("worker.a").await;
    for (url, needle) in [
        ("/proposals/export.xlsx", "楼道加装扶手".to_string()),
        ("/meetings/export.xlsx", format!("{}评议会", t.comm_a.name)),
        (
            "/decisions/export.xlsx",
            format!("{}楼道照明更换", t.comm_a.name),
        ),
        ("/votes/export.xlsx", "是否统一施划停车位？".to_string()),
        ("/councils/export.xlsx", council.clone()),
        (fund_url.as_str(), "车位租金".to_string()),
    ] {
        let r = t.page(url, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        let sheet = jingzhi_app::spreadsheet::read_xlsx(&r.body, 1000).unwrap();
        let text: Vec<String> = sheet
            .rows
            .iter()
            .flat_map(|(_, row)| row.iter().map(|c| c.text()))
            .collect();
        assert!(text.iter().any(|c| c == &needle), "{url}: {text:?}");
    }
    let _ = (proposal, f);
    // Another community's worker downloads their own (empty) lists, not these.
    let (cb, _) = t.browser_session("worker.b").await;
    let r = t.page("/meetings/export.xlsx", &cb).await;
    let sheet = jingzhi_app::spreadsheet::read_xlsx(&r.body, 1000).unwrap();
    assert!(sheet
        .rows
        .iter()
        .all(|(_, row)| row.iter().all(|c| !c.text().contains("评议会"))));
}

/// From the pages: a proposal goes to the event form with its text filled in (staff only), and
/// a resident's event becomes a proposal in their name with one button; each page links to
/// the other.
#[tokio::test]
async fn proposals_and_events_link_from_their_pages() {
    let t = TestApp::new().await;
    let proposal = t.proposal_in(t.res_a.id).await;
    let (cookie, csrf) = t.browser_session("worker.a").await;
    let r = t
        .page(&format!("/events/new?from_proposal={proposal}"), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains(&format!(r#"name="from_proposal" value="{proposal}""#)));
    assert!(
        html.contains("老人上下楼不安全"),
        "the proposal's text is filled in"
    );
    let (rc, _) = t.browser_session("resident.a").await;
    let r = t
        .page(&format!("/events/new?from_proposal={proposal}"), &rc)
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "residents do not answer proposals"
    );

    // A resident's event → a proposal in their name.
    let resident = t.token("resident.a").await;
    let r = t
        .request(
            Method::POST,
            "/api/v1/events",
            Some(&resident),
            Some(json!({"category": "sanitation", "description": "楼下缺少垃圾分类投放点，需要商量放在哪里"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let event = r.json()["id"].as_i64().unwrap();
    let html = t.page(&format!("/events/{event}"), &cookie).await.text();
    assert!(html.contains(r#"data-testid="to-proposal""#));
    let r = t
        .post_form(
            &format!("/events/{event}/to-proposal"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let html = t.page(&to, &cookie).await.text();
    assert!(html.contains(&format!(
        r#"href="/events/{event}" data-testid="from-event""#
    )));
    let html = t.page(&format!("/events/{event}"), &cookie).await.text();
    assert!(
        html.contains(&format!(r#"href="{to}""#)) && !html.contains(r#"data-testid="to-proposal""#)
    );
    // Twice: refused with the reason on the event's page.
    let r = t
        .post_form(
            &format!("/events/{event}/to-proposal"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("该事件已转为居民小提案"));
}
