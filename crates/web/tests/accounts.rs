//! Accounts that can be stopped, over HTTP: the user API's disable/enable/sign-out-everywhere/
//! unlock, the `/users` page and its CSRF-checked buttons, one answer for every refused login
//! (API and login form), throttling by the client's address, and `Cache-Control: no-store`.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use common::{Resp, TestApp, PASSWORD};
use jingzhi_domain::auth::{MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_ADDRESS};
use std::net::SocketAddr;

async fn user_id(t: &TestApp, username: &str) -> i64 {
    let mut c = t.app.store.acquire().await.unwrap();
    jingzhi_store::auth::user_by_username(&mut c, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn post(t: &TestApp, uri: &str, token: &str) -> Resp {
    t.request(Method::POST, uri, Some(token), None).await
}

async fn api_login(t: &TestApp, username: &str, password: &str) -> Resp {
    t.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(serde_json::json!({"username": username, "password": password})),
    )
    .await
}

/// A login through the API from a client address (as `jingzhi serve` sets it).
async fn api_login_from(t: &TestApp, addr: &str, username: &str, password: &str) -> Resp {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    t.send(req).await
}

fn csrf_of(html: &str) -> String {
    let k = r#"name="csrf" value=""#;
    let i = html.find(k).unwrap() + k.len();
    html[i..i + 64].to_string()
}

#[tokio::test]
async fn the_api_stops_and_restarts_an_account() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let worker = t.token("worker.a").await;
    let (cookie, _) = t.browser_session("worker.a").await;
    let id = user_id(&t, "worker.a").await;
    assert_eq!(t.get("/api/v1/me", &worker).await.status, StatusCode::OK);
    assert_eq!(t.page("/", &cookie).await.status, StatusCode::OK);

    let r = post(&t, &format!("/api/v1/users/{id}/disable"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["disabled"], true);
    // The next request of the existing token and session is refused.
    let me = t.get("/api/v1/me", &worker).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let page = t.page("/", &cookie).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    // And signing in is refused with the answer a wrong password gets.
    let refused = api_login(&t, "worker.a", PASSWORD).await;
    let wrong = api_login(&t, "worker.b", "wrong-password").await;
    let unknown = api_login(&t, "no.such.user", PASSWORD).await;
    for r in [&refused, &wrong, &unknown] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body, refused.body);
    }

    let r = post(&t, &format!("/api/v1/users/{id}/enable"), &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["disabled"], false);
    assert_eq!(
        api_login(&t, "worker.a", PASSWORD).await.status,
        StatusCode::OK
    );
    // What was ended stays ended.
    assert_eq!(
        t.get("/api/v1/me", &worker).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Sign out everywhere.
    let w1 = t.token("worker.a").await;
    let (c1, _) = t.browser_session("worker.a").await;
    let r = post(
        &t,
        &format!("/api/v1/users/{id}/sign-out-everywhere"),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["tokens_revoked"].as_i64().unwrap() >= 2);
    assert_eq!(r.json()["sessions_ended"], 1);
    assert_eq!(
        t.get("/api/v1/me", &w1).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(t.page("/", &c1).await.status, StatusCode::SEE_OTHER);

    // Every one of these is in the audit log.
    let audit = t
        .get("/api/v1/audit?entity=user&limit=500", &admin)
        .await
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["entity_id"] == id)
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for a in ["user_disable", "user_enable", "user_sign_out"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn locked_accounts_answer_like_wrong_passwords_until_unlocked() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let id = user_id(&t, "worker.a").await;
    let wrong = api_login(&t, "worker.a", "wrong-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for _ in 1..MAX_FAILED_LOGINS {
        api_login(&t, "worker.a", "wrong-password").await;
    }
    let locked = api_login(&t, "worker.a", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(locked.body, wrong.body, "locked looks like wrong");
    assert_eq!(
        api_login(&t, "nobody.here", PASSWORD).await.body,
        wrong.body,
        "unknown looks like wrong"
    );
    let user = t.get(&format!("/api/v1/users/{id}"), &admin).await.json();
    assert_eq!(user["locked"], true);

    let r = post(&t, &format!("/api/v1/users/{id}/unlock"), &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["locked"], false);
    assert_eq!(
        api_login(&t, "worker.a", PASSWORD).await.status,
        StatusCode::OK
    );

    // The login form: one status and one message for all three.
    for _ in 0..MAX_FAILED_LOGINS {
        api_login(&t, "worker.a", "wrong-password").await;
    }
    let form = |u: &str, p: &str| format!("username={u}&password={p}&next=%2F");
    let mut bodies = vec![];
    for (u, p) in [
        ("worker.a", PASSWORD),
        ("worker.b", "wrong-password"),
        ("nobody.here", PASSWORD),
    ] {
        let r = t
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form(u, p)))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{u}");
        // The form keeps the username typed; otherwise the pages are the same.
        bodies.push(r.text().replace(u, "USER"));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    assert!(bodies[0].contains("用户名或密码错误"));
}

#[tokio::test]
async fn only_admins_and_only_within_scope() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let worker = t.token("worker.a").await;
    let b = user_id(&t, "worker.b").await;
    for action in ["disable", "enable", "sign-out-everywhere", "unlock"] {
        let r = post(&t, &format!("/api/v1/users/{b}/{action}"), &worker).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}");
        let r = post(&t, &format!("/api/v1/users/999999/{action}"), &admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }
    let me = user_id(&t, "admin").await;
    let r = post(&t, &format!("/api/v1/users/{me}/disable"), &admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["details"][0]["reason"], "不能停用自己的账号");
    // worker.b is untouched.
    assert_eq!(
        t.get("/api/v1/me", &t.token("worker.b").await).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn one_client_address_is_throttled_across_usernames() {
    let t = TestApp::new().await;
    let attacker = "203.0.113.9:40000";
    for i in 0..MAX_FAILED_LOGINS_PER_ADDRESS {
        let r = api_login_from(&t, attacker, &format!("guess{i}"), "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = api_login_from(&t, "203.0.113.9:40001", "worker.a", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "same address, other port"
    );
    let r = api_login_from(&t, "198.51.100.7:40000", "worker.a", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "another address");
    // No socket address (as in the other tests): not throttled by address.
    assert_eq!(
        api_login(&t, "worker.a", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_users_page_stops_accounts_with_csrf() {
    let t = TestApp::new().await;
    let (admin, _) = t.browser_session("admin").await;
    let (worker_cookie, _) = t.browser_session("worker.a").await;
    let worker_token = t.token("worker.a").await;
    let id = user_id(&t, "worker.a").await;

    let page = t.page("/users", &admin).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    for s in [
        "用户管理",
        "worker.a",
        "worker.b",
        "停用",
        "强制下线",
        r#"href="/users""#,
    ] {
        assert!(html.contains(s), "{s}");
    }
    assert!(html.contains(&format!(r#"action="/users/{id}/disable""#)));
    assert!(html.contains(r#"name="viewport" content="width=device-width"#));
    assert!(
        html.contains(r#"class="list cards users""#),
        "cards on phones"
    );
    let csrf = csrf_of(&html);

    // Without the CSRF token: refused, nothing changes.
    let r = t
        .post_form(&format!("/users/{id}/disable"), &admin, "")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.page("/", &worker_cookie).await.status, StatusCode::OK);

    let r = t
        .post_form(
            &format!("/users/{id}/disable"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/users?done=disable");
    assert_eq!(
        t.page("/", &worker_cookie).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.get("/api/v1/me", &worker_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let html = t.page("/users?done=disable", &admin).await.text();
    assert!(html.contains("已停用该账号"));
    assert!(html.contains(&format!(r#"action="/users/{id}/enable""#)));

    let r = t
        .post_form(
            &format!("/users/{id}/enable"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (c2, _) = t.browser_session("worker.a").await;

    // Locked by failed logins: the page offers unlock, which works.
    for _ in 0..MAX_FAILED_LOGINS {
        api_login(&t, "worker.a", "wrong-password").await;
    }
    let html = t.page("/users", &admin).await.text();
    assert!(html.contains(&format!(r#"action="/users/{id}/unlock""#)));
    assert!(html.contains("已锁定"));
    let r = t
        .post_form(
            &format!("/users/{id}/unlock"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api_login(&t, "worker.a", PASSWORD).await.status,
        StatusCode::OK
    );

    let r = t
        .post_form(
            &format!("/users/{id}/sign-out-everywhere"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.page("/", &c2).await.status, StatusCode::SEE_OTHER);

    let r = t
        .post_form(
            &format!("/users/{id}/nonsense"),
            &admin,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Not for other roles, and not in their navigation.
    let (street, _) = t.browser_session("street").await;
    assert_eq!(
        t.page("/users", &street).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!t
        .page("/", &street)
        .await
        .text()
        .contains(r#"href="/users""#));
}

#[tokio::test]
async fn signed_in_answers_are_not_stored_but_assets_are_cached() {
    let t = TestApp::new().await;
    let (cookie, _) = t.browser_session("admin").await;
    let token = t.token("admin").await;
    let cc = |r: &Resp| {
        r.headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string())
    };
    for uri in ["/", "/residents", "/users", "/audit", "/events"] {
        let r = t.page(uri, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(cc(&r).as_deref(), Some("no-store"), "{uri}");
    }
    for uri in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/residents",
        "/api/v1/nodes/999999",
    ] {
        let r = t.get(uri, &token).await;
        assert_eq!(cc(&r).as_deref(), Some("no-store"), "{uri}");
    }
    let r = t
        .send(
            Request::builder()
                .uri("/assets/app.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(cc(&r).as_deref(), Some("public, max-age=3600"));
}
