//! The JSON API, in process: stories of a community worker, an admin and an auditor, the error
//! shapes, and the OpenAPI document (the one `jingzhi_web::api::routes` builds; tests/openapi.rs
//! checks it against the routes the application serves).

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;
use serde_json::json;

fn new_id_number(seq: u32) -> String {
    jingzhi_domain::registry::IdNumber::build(
        371002,
        time::Date::from_calendar_date(1990, time::Month::July, 7).unwrap(),
        seq,
    )
    .as_str()
    .to_string()
}

#[tokio::test]
async fn openapi_lists_every_route_and_docs_are_served() {
    let t = TestApp::new().await;
    let r = t
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut in_doc = std::collections::BTreeSet::new();
    for (p, item) in paths {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                in_doc.insert((m.to_uppercase(), p.clone()));
            }
        }
    }
    // The document served is the one the API's routes are built with (`api::routes`), districting
    // included.
    let generated = serde_json::to_value(jingzhi_web::api::openapi()).unwrap();
    let mut routes = std::collections::BTreeSet::new();
    for (p, item) in generated["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                routes.insert((m.to_uppercase(), p.clone()));
            }
        }
    }
    assert!(in_doc
        .iter()
        .any(|(_, p)| p == "/api/v1/districting/plans/{id}/apply"));
    assert_eq!(in_doc, routes, "the OpenAPI document and the router differ");

    // And the router serves each of them: without credentials they answer 401 (or work, for the
    // public ones), never 404/405 from the router.
    for (m, p) in &in_doc {
        let uri = p.replace("{id}", "1");
        let r = t.request(m.parse().unwrap(), &uri, None, None).await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{m} {p} not served: {}",
            r.status
        );
    }

    let ui = t.request(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.text().contains("swagger"), "{}", ui.text());
    let init = t
        .request(Method::GET, "/api/docs/swagger-initializer.js", None, None)
        .await;
    assert_eq!(init.status, StatusCode::OK);
    assert!(init.text().contains("/api/v1/openapi.json"));
}

#[tokio::test]
async fn a_community_worker_lists_searches_and_reads() {
    let t = TestApp::new().await;
    let w = t.token("worker.a").await;

    // The tree from the worker's scope down.
    let nodes = t.get("/api/v1/nodes", &w).await;
    assert_eq!(nodes.status, StatusCode::OK, "{}", nodes.text());
    let items = nodes.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], t.grid_a.id);
    assert_eq!(items[0]["stats"]["residents"], 1);
    let detail = t
        .get(&format!("/api/v1/nodes/{}", t.comm_a.id), &w)
        .await
        .json();
    assert_eq!(detail["node"]["name"], "前进社区");
    assert_eq!(detail["stats"]["households"], 1);
    assert_eq!(
        detail["ancestors"].as_array().unwrap().len(),
        0,
        "no ancestors above the scope"
    );
    let b = t
        .get(&format!("/api/v1/nodes/{}", t.building_a.id), &w)
        .await
        .json();
    let anc: Vec<_> = b["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(anc.first(), Some(&t.comm_a.id));
    let found = t
        .get(
            &format!(
                "/api/v1/nodes?q={}",
                jingzhi_web::session::urlencode("前进")
            ),
            &w,
        )
        .await
        .json();
    assert!(found["items"].as_array().unwrap().len() >= 2);
    let map = t
        .get(&format!("/api/v1/nodes/{}/map", t.comm_a.id), &w)
        .await;
    assert_eq!(map.status, StatusCode::OK);
    assert_eq!(map.json()["buildings"][0]["id"], t.building_a.id);

    // Residents: list, search by name, by address, by full ID number; masked everywhere.
    let list = t.get("/api/v1/residents", &w).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["name"], "王建国");
    assert_eq!(list["items"][0]["id_number_masked"], t.res_a.id_mask);
    assert!(
        !list.to_string().contains("11010519491231002X"),
        "unmasked ID in a list"
    );
    assert!(
        !list.to_string().contains("13812345678"),
        "unmasked phone in a list"
    );
    assert_eq!(list["has_more"], false);
    for q in ["王", "王建国", "11010519491231002X", "13812345678"] {
        let r = t
            .get(
                &format!("/api/v1/residents?q={}", jingzhi_web::session::urlencode(q)),
                &w,
            )
            .await
            .json();
        assert_eq!(r["items"].as_array().unwrap().len(), 1, "search {q}");
    }
    let none = t
        .get(
            &format!(
                "/api/v1/residents?q={}",
                jingzhi_web::session::urlencode("张")
            ),
            &w,
        )
        .await
        .json();
    assert!(none["items"].as_array().unwrap().is_empty());
    let paged = t
        .get("/api/v1/residents?page=500&per_page=20", &w)
        .await
        .json();
    assert!(paged["items"].as_array().unwrap().is_empty());
    assert_eq!(paged["page"], 500);

    let r = t
        .get(&format!("/api/v1/residents/{}", t.res_a.id), &w)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = r.json();
    assert_eq!(
        r["resident"]["phone_masked"],
        t.res_a.phone_mask.clone().unwrap()
    );
    assert_eq!(r["household"]["id"], t.hh_a.id);
    assert!(!r.to_string().contains("13812345678"));

    let hh = t.get("/api/v1/households", &w).await.json();
    assert_eq!(hh["items"][0]["id"], t.hh_a.id);
    let hd = t
        .get(&format!("/api/v1/households/{}", t.hh_a.id), &w)
        .await
        .json();
    assert_eq!(hd["members"][0]["name"], "王建国");

    // Unknown ids: 404 in the error shape.
    for uri in [
        "/api/v1/residents/987654",
        "/api/v1/households/987654",
        "/api/v1/nodes/987654",
        "/api/v1/nodes/987654/map",
    ] {
        let r = t.get(uri, &w).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(r.json()["code"], "not_found");
    }
    let r = t.get("/api/v1/residents/not-a-number", &w).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
}

#[tokio::test]
async fn a_community_worker_creates_updates_moves_and_unmasks() {
    let t = TestApp::new().await;
    let w = t.token("worker.a").await;

    let hh = t
        .request(
            Method::POST,
            "/api/v1/households",
            Some(&w),
            Some(json!({"building_id": t.building_a.id, "unit": 2, "room": "402"})),
        )
        .await;
    assert_eq!(hh.status, StatusCode::CREATED, "{}", hh.text());
    let hh_id = hh.json()["id"].as_i64().unwrap();

    // Same room again: a conflict.
    let dup = t
        .request(
            Method::POST,
            "/api/v1/households",
            Some(&w),
            Some(json!({"building_code": t.building_a.code, "unit": 2, "room": "402"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text());
    assert_eq!(dup.json()["code"], "conflict");
    assert_eq!(dup.json()["details"][0]["field"], "room");

    let id_number = new_id_number(17);
    let body = json!({"household_id": hh_id, "name": "张伟", "id_number": id_number, "phone": "13600001111", "relationship": "户主", "volunteer": true});
    let r = t
        .request(
            Method::POST,
            "/api/v1/residents",
            Some(&w),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let rid = created["id"].as_i64().unwrap();
    assert_eq!(created["tags"]["volunteer"], true);
    assert_eq!(created["relationship"], "head");
    assert!(!r.text().contains(&id_number), "the plain ID came back");

    // The same person again: a conflict on the ID number.
    let again = t
        .request(Method::POST, "/api/v1/residents", Some(&w), Some(body))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_eq!(again.json()["details"][0]["field"], "id_number");

    // Validation: every bad field named, 422.
    let bad = t
        .request(
            Method::POST,
            "/api/v1/residents",
            Some(&w),
            Some(json!({"household_id": hh_id, "name": "", "id_number": "123", "phone": "12"})),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let fields: Vec<String> = bad.json()["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields.contains(&"name".to_string()) && fields.contains(&"id_number".to_string()),
        "{fields:?}"
    );
    // A missing or mistyped field of the JSON itself: 422 naming it; broken JSON: 400.
    let missing = t
        .request(
            Method::POST,
            "/api/v1/residents",
            Some(&w),
            Some(json!({"name": "张伟"})),
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.text()
    );
    assert_eq!(missing.json()["details"][0]["field"], "household_id");
    let wrong = t
        .request(
            Method::POST,
            "/api/v1/households",
            Some(&w),
            Some(json!({"room": 5})),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    assert_eq!(wrong.json()["details"][0]["field"], "room");
    let broken = t
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/households")
                .header(header::AUTHORIZATION, format!("Bearer {w}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.json()["code"], "bad_request");
    // A query value of the wrong type is a wrong value: 422 naming the parameter.
    let bad_query = t.get("/api/v1/residents?page=abc", &w).await;
    assert_eq!(bad_query.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_query.json()["message"].is_string());
    assert_eq!(bad_query.json()["details"][0]["field"], "page");
    let bad_tag = t.get("/api/v1/residents?tag=nope&gender=x", &w).await;
    assert_eq!(bad_tag.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_tag.json()["details"].as_array().unwrap().len(), 2);

    // Update.
    let up = t
        .request(
            Method::PUT,
            &format!("/api/v1/residents/{rid}"),
            Some(&w),
            Some(json!({"name": "张伟伟", "id_number": id_number, "phone": "13600002222", "residence": "流动"})),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.text());
    assert_eq!(up.json()["name"], "张伟伟");
    assert_eq!(up.json()["residence"], "floating");

    // Move the household.
    let mv = t
        .request(
            Method::POST,
            &format!("/api/v1/households/{hh_id}/move"),
            Some(&w),
            Some(json!({"building_id": t.building_a.id, "unit": 3, "room": "101", "note": "换房"})),
        )
        .await;
    assert_eq!(mv.status, StatusCode::OK, "{}", mv.text());
    assert_eq!(mv.json()["room"], "101");
    let hd = t
        .get(&format!("/api/v1/households/{hh_id}"), &w)
        .await
        .json();
    assert_eq!(hd["moves"].as_array().unwrap().len(), 1);
    assert_eq!(hd["moves"][0]["note"], "换房");

    // Unmask: a reason is required; then the plain numbers, and an audit record.
    let no_reason = t
        .request(
            Method::POST,
            &format!("/api/v1/residents/{rid}/unmask"),
            Some(&w),
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["details"][0]["field"], "reason");
    let un = t
        .request(
            Method::POST,
            &format!("/api/v1/residents/{rid}/unmask"),
            Some(&w),
            Some(json!({"reason": "核对低保材料"})),
        )
        .await;
    assert_eq!(un.status, StatusCode::OK, "{}", un.text());
    assert_eq!(un.json()["id_number"], id_number);
    assert_eq!(un.json()["phone"], "13600002222");

    // A grid worker may not unmask at all.
    let g = t.token("grid.a").await;
    let denied = t
        .request(
            Method::POST,
            &format!("/api/v1/residents/{rid}/unmask"),
            Some(&g),
            Some(json!({"reason": "看看"})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.json()["code"], "forbidden");

    // Everything above is in the audit log, for the auditor.
    let a = t.token("auditor").await;
    let log = t.get("/api/v1/audit?entity=resident&limit=50", &a).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let log = log.json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"unmask") && actions.contains(&"update") && actions.contains(&"create"),
        "{actions:?}"
    );
    let unmask = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "unmask")
        .unwrap();
    assert_eq!(unmask["reason"], "核对低保材料");
    assert_eq!(unmask["actor_name"], "worker.a");
    assert!(
        !log.to_string().contains(&id_number),
        "the audit log holds a plain ID"
    );
    let one = t.get(&format!("/api/v1/audit/{}", unmask["id"]), &a).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["entity_id"], rid);
    let moves = t.get("/api/v1/audit?action=move", &a).await.json();
    assert_eq!(moves["items"].as_array().unwrap().len(), 1);
    // The audit filter's days are China Standard Time days, as the pages show them.
    let today = jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today());
    let dated = t
        .get(
            &format!("/api/v1/audit?from={today}&to={today}&actor=worker.a&limit=2"),
            &a,
        )
        .await
        .json();
    assert_eq!(dated["items"].as_array().unwrap().len(), 2);
    let next = dated["next_before"].as_i64().unwrap();
    let older = t
        .get(&format!("/api/v1/audit?before={next}&actor=worker.a"), &a)
        .await
        .json();
    assert!(older["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"].as_i64().unwrap() < next));
    let bad_date = t.get("/api/v1/audit?from=yesterday", &a).await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The worker may not read the log.
    assert_eq!(
        t.get("/api/v1/audit", &w).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_adds_places_and_users() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let n = t
        .request(
            Method::POST,
            "/api/v1/nodes",
            Some(&admin),
            Some(
                json!({"parent_id": t.comm_a.id, "code": "371002001001002", "name": "前进二网格"}),
            ),
        )
        .await;
    assert_eq!(n.status, StatusCode::CREATED, "{}", n.text());
    assert_eq!(n.json()["kind"], "grid");
    let dup = t
        .request(
            Method::POST,
            "/api/v1/nodes",
            Some(&admin),
            Some(json!({"parent_id": t.comm_a.id, "code": "371002001001002", "name": "又一个"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text());
    let bad = t
        .request(
            Method::POST,
            "/api/v1/nodes",
            Some(&admin),
            Some(json!({"parent_id": t.comm_a.id, "code": "12", "name": ""})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let children = t
        .get(
            &format!("/api/v1/nodes?parent_id={}&kind=grid", t.comm_a.id),
            &admin,
        )
        .await
        .json();
    assert_eq!(children["items"].as_array().unwrap().len(), 2);
    let kind = t.get("/api/v1/nodes?kind=village", &admin).await;
    assert_eq!(kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kind.json()["details"][0]["field"], "kind");

    // Users.
    let list = t.get("/api/v1/users", &admin).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.json()["items"].as_array().unwrap().len(),
        common::USERS.len()
    );
    assert!(
        !list.text().contains("argon2"),
        "a password hash in the answer"
    );
    let u = t
        .request(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "grid.a2", "password": common::PASSWORD, "role": "grid-worker", "scope_code": "371002001001002"})),
        )
        .await;
    assert_eq!(u.status, StatusCode::CREATED, "{}", u.text());
    let uid = u.json()["id"].as_i64().unwrap();
    assert_eq!(u.json()["scope"]["code"], "371002001001002");
    let one = t.get(&format!("/api/v1/users/{uid}"), &admin).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["role"], "grid-worker");
    let again = t
        .request(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "grid.a2", "password": common::PASSWORD, "role": "grid-worker", "scope_code": "371002001001002"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    let bad = t
        .request(Method::POST, "/api/v1/users", Some(&admin), Some(json!({"username": "X", "password": "123", "role": "king", "scope_code": "371000000000"})))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["details"].as_array().unwrap().len(), 3);
    // The new user signs in; reads their own account but not others'.
    let g = t.token("grid.a2").await;
    assert_eq!(
        t.get(&format!("/api/v1/users/{uid}"), &g).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.get("/api/v1/users", &g).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn credentials_tokens_and_csrf() {
    let t = TestApp::new().await;
    // No token: 401 in the error shape, for reads and writes.
    for (m, uri) in [
        (Method::GET, "/api/v1/residents"),
        (Method::POST, "/api/v1/households"),
        (Method::GET, "/api/v1/audit"),
    ] {
        let r = t.request(m, uri, None, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(r.json()["code"], "unauthorized");
    }
    let bad_scheme = t
        .send(
            Request::builder()
                .uri("/api/v1/me")
                .header(header::AUTHORIZATION, "Basic abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad_scheme.status, StatusCode::UNAUTHORIZED);

    // Logout revokes the token.
    let tok = t.token("worker.a").await;
    assert_eq!(t.get("/api/v1/me", &tok).await.status, StatusCode::OK);
    let out = t
        .request(Method::POST, "/api/v1/auth/logout", Some(&tok), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/api/v1/me", &tok).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A browser session reads with its cookie, but writes need X-CSRF-Token.
    let (cookie, csrf) = t.browser_session("worker.a").await;
    let read = t
        .send(
            Request::builder()
                .uri("/api/v1/residents")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = |with_csrf: Option<&str>, room: &str| {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/households")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = with_csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(
            json!({"building_id": t.building_a.id, "room": room}).to_string(),
        ))
        .unwrap()
    };
    let r = t.send(write(None, "601")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf");
    let r = t.send(write(Some("wrong"), "601")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.send(write(Some(&csrf), "601")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

fn multipart(token: &str, file_name: &str, content: &[u8], skip_invalid: bool) -> Request<Body> {
    let boundary = "jzboundaryX1";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"skip_invalid\"\r\n\r\n{skip_invalid}\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1/import/residents")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn import_and_exports() {
    let t = TestApp::new().await;
    let w = t.token("worker.a").await;
    let tpl = t.get("/api/v1/import/template", &w).await;
    assert_eq!(tpl.status, StatusCode::OK);
    assert!(tpl.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert_eq!(&tpl.body[..2], b"PK", "an .xlsx is a zip");

    let code = &t.building_a.code;
    let good = new_id_number(41);
    let csv = format!(
        "楼宇编码,单元,房号,姓名,身份证号\n{code},5,501,赵敏,{good}\n{code},5,502,钱多,123\n"
    );
    // All or nothing: one bad row, nothing imported, 422 naming row and column.
    let r = t
        .send(multipart(&w, "roster.csv", csv.as_bytes(), false))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let j = r.json();
    assert_eq!(j["code"], "invalid");
    assert_eq!(j["details"][0]["field"], "row 3 column 身份证号");
    let none = t
        .get(
            &format!(
                "/api/v1/residents?q={}",
                jingzhi_web::session::urlencode("赵敏")
            ),
            &w,
        )
        .await
        .json();
    assert!(none["items"].as_array().unwrap().is_empty());
    // Skipping bad rows: the good one goes in, the bad one comes back as a file.
    let r = t
        .send(multipart(&w, "roster.csv", csv.as_bytes(), true))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["committed"], true);
    assert_eq!(j["residents_created"], 1);
    assert_eq!(j["errors"][0]["row"], 3);
    assert_eq!(
        j["rejects"]["file_name"]
            .as_str()
            .map(|n| n.ends_with(".csv")),
        Some(true)
    );
    assert!(!j["rejects"]["base64"].as_str().unwrap().is_empty());
    let found = t
        .get(
            &format!(
                "/api/v1/residents?q={}",
                jingzhi_web::session::urlencode("赵敏")
            ),
            &w,
        )
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    // No file.
    let empty = t.send(multipart(&w, "x.txt", b"", false)).await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.text()
    );

    for uri in ["/api/v1/residents/export", "/api/v1/households/export"] {
        let r = t.get(uri, &w).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        assert!(r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert_eq!(&r.body[..2], b"PK", "{uri}");
    }
    let a = t.token("auditor").await;
    let r = t.get("/api/v1/audit/export?action=import", &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(&r.body[..2], b"PK");
    // A steward may not export.
    let s = t.token("steward.a").await;
    assert_eq!(
        t.get("/api/v1/residents/export", &s).await.status,
        StatusCode::FORBIDDEN
    );
    // Exports are audited.
    let log = t.get("/api/v1/audit?action=export", &a).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Contracts that tell the truth (issue 9 §6)

/// `$ref` → the schema it names.
fn resolve<'a>(doc: &'a serde_json::Value, s: &'a serde_json::Value) -> &'a serde_json::Value {
    match s["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => s,
    }
}

#[tokio::test]
async fn openapi_gives_every_answer_a_schema_and_the_errors_each_route_can_give() {
    let t = TestApp::new().await;
    let doc = t
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    // One schema per name: the report's body is the events' one, with its description, place
    // and point (the rounds' finding report has a name of its own).
    let report = &doc["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    let report = resolve(&doc, report);
    for f in ["category", "description", "node_id", "x", "y", "urgency"] {
        assert!(
            report["properties"].get(f).is_some(),
            "POST /api/v1/events body lacks {f}: {report}"
        );
    }
    assert!(doc["components"]["schemas"]
        .get("FindingReportBody")
        .is_some());
    // Enums come from the domain.
    let urgency = resolve(
        &doc,
        &doc["components"]["schemas"]["Event"]["properties"]["urgency"],
    );
    assert_eq!(
        urgency["enum"],
        json!(["emergency", "urgent", "ordinary", "complex"])
    );

    let mut problems = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                let Some(content) = r.get("content").and_then(|c| c.as_object()) else {
                    if status != "204" {
                        problems.push(format!("{method} {path} {status}: no content"));
                    }
                    continue;
                };
                for (ct, c) in content {
                    if ct != "application/json" || path == "/api/v1/openapi.json" {
                        continue;
                    }
                    let s = resolve(&doc, &c["schema"]);
                    let typed = s.get("properties").is_some()
                        || (s["type"] == "array" && s.get("items").is_some());
                    if !typed {
                        problems.push(format!("{method} {path} {status}: schema {s}"));
                    }
                    if status.starts_with('4')
                        && c["schema"]["$ref"] != "#/components/schemas/ErrorBody"
                    {
                        problems.push(format!("{method} {path} {status}: not the error body"));
                    }
                }
            }
            let open = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().all(|r| r.as_object().unwrap().is_empty()));
            if !open && !responses.contains_key("401") {
                problems.push(format!("{method} {path}: no 401"));
            }
            if path.contains('{') && !responses.contains_key("404") {
                problems.push(format!("{method} {path}: no 404"));
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    if !responses.contains_key(s) {
                        problems.push(format!("{method} {path}: no {s}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The categories are an array.
    let cats = &doc["paths"]["/api/v1/event-categories"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(cats["type"], "array");
}

#[tokio::test]
async fn page_numbers_out_of_range_are_refused_naming_the_field_never_page_one() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    for path in [
        "/api/v1/residents",
        "/api/v1/households",
        "/api/v1/users",
        "/api/v1/rounds/posts",
        "/api/v1/rounds/visits",
        "/api/v1/rounds/coverage",
        "/api/v1/rounds/coverage/households",
        "/api/v1/rounds/specialists",
        "/api/v1/rounds/compliance",
    ] {
        for page in [
            "99999999999999999999",
            "9223372036854775807",
            "4611686018427387904",
            "1000001",
            "0",
            "-3",
            "x",
        ] {
            let r = t.get(&format!("{path}?page={page}"), &admin).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}?page={page}: {}",
                r.text()
            );
            let v = r.json();
            assert_eq!(v["code"], "invalid", "{v}");
            assert_eq!(v["details"][0]["field"], "page", "{path}?page={page}: {v}");
        }
        let r = t.get(&format!("{path}?page=2&per_page=200"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    // Keyset paging: numbers too large for their type name the parameter too.
    for (uri, field) in [
        ("/api/v1/events?limit=99999999999999999999", "limit"),
        ("/api/v1/events?before=99999999999999999999", "before"),
        ("/api/v1/audit?before=abc", "before"),
        ("/api/v1/notifications?limit=1e99", "limit"),
        (
            "/api/v1/hotline/queue?before_id=99999999999999999999",
            "before_id",
        ),
    ] {
        let r = t.get(uri, &admin).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            r.text()
        );
        assert_eq!(r.json()["details"][0]["field"], field, "{uri}");
    }
    // The pages show an error page, not the first page.
    let (cookie, _) = t.browser_session("admin").await;
    for uri in [
        "/residents?page=99999999999999999999",
        "/households?page=9223372036854775807",
        "/rounds?page=99999999999999999999",
        "/rounds/visits?page=0",
        "/rounds/coverage?list_page=99999999999999999999",
        "/rounds/specialists?page=1000001",
    ] {
        let r = t.page(uri, &cookie).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            r.text()
        );
        assert!(r.text().contains("页码"), "{uri}: {}", r.text());
    }
    assert_eq!(
        t.page("/residents?page=2", &cookie).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn multipart_routes_answer_errors_in_the_json_error_shape() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let send = |uri: &'static str, ctype: &'static str, body: &'static str| {
        let admin = admin.clone();
        let t = &t;
        async move {
            let req = Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .unwrap();
            t.send(req).await
        }
    };
    for uri in [
        "/api/v1/import/residents",
        "/api/v1/hotline/import",
        "/api/v1/events/1/attachments",
    ] {
        for (ctype, body) in [
            ("application/json", "{}"),
            ("multipart/form-data", "--x\r\n"),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nab"),
        ] {
            let r = send(uri, ctype, body).await;
            assert!(r.status.is_client_error(), "{uri} {ctype}: {}", r.status);
            let ct = r.headers[header::CONTENT_TYPE].to_str().unwrap().to_string();
            assert!(ct.starts_with("application/json"), "{uri} {ctype}: {ct} {}", r.text());
            let v = r.json();
            assert!(v["code"].is_string() && v["details"].is_array(), "{uri}: {v}");
        }
    }
}

#[tokio::test]
async fn ids_that_are_not_ids_answer_404_in_the_json_error_shape() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    for (m, uri) in [
        (Method::POST, "/api/v1/events/%FF/accept"),
        (Method::GET, "/api/v1/events/%FF/attachments/%FE"),
        (Method::GET, "/api/v1/events/1/attachments/abc"),
        (Method::GET, "/api/v1/districting/plans/abc"),
        (
            Method::POST,
            "/api/v1/districting/plans/99999999999999999999/apply",
        ),
        (Method::GET, "/api/v1/nodes/%FF"),
    ] {
        let r = t.request(m.clone(), uri, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {uri}: {}", r.text());
        assert_eq!(r.json()["code"], "not_found", "{m} {uri}");
    }
}
