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
}
