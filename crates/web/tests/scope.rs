//! The scope test: for every role in `USERS` and every route of the API (`jingzhi_web::api::ROUTES`),
//! call it with the ids of things outside the caller's scope (community B's for users in
//! community A, A's for community B's worker) and check that the answer is 404 — or 403 where
//! the role lacks the permission altogether — and that its body holds none of the outside data
//! (names, addresses, masked numbers). A search that finds nothing answers 200 with an empty
//! list; an id that a write only *refers to* in its body (the building of a new household) is a
//! 422 naming the field, with the same "not found or not in your scope" reason for both cases.
//!
//! For users whose scope holds both communities (street, district, city, auditor) nothing is
//! outside: for them the same calls must work (2xx) unless the role lacks the permission (403).

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{Resp, TestApp, USERS};
use jingzhi_domain::registry::IdNumber;
use jingzhi_store::registry::{Household, Node, Resident};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

/// The things a probe aims at: those of "the other" community.
struct Target {
    comm: Node,
    grid: Node,
    building: Node,
    hh: Household,
    res: Resident,
    /// A user whose scope is the other community.
    user_id: i64,
    /// An audit record in the other community (the creation of `res`).
    audit_id: i64,
    /// The caller's own household (to move into the other community).
    own_building: Node,
    /// Strings that must not appear in an answer when the target is outside the scope.
    secrets: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// The id is in the path or narrows a list: 404 outside the scope.
    Item,
    /// A search: 200 with nothing found outside the scope.
    Search,
    /// The id is referred to in the body of a write: 404 (the addressed thing) or 422 (a
    /// referenced building) outside the scope.
    BodyRef,
    /// No ids at all: must work for everyone who may use it.
    NoIds,
}

struct Ctx<'a> {
    t: &'a TestApp,
    token: &'a str,
    x: &'a Target,
}

static SEQ: AtomicU32 = AtomicU32::new(300);

fn seq() -> u32 {
    SEQ.fetch_add(1, Ordering::SeqCst)
}

fn new_id_number() -> String {
    IdNumber::build(
        371002,
        time::Date::from_calendar_date(1980, time::Month::March, 3).unwrap(),
        seq(),
    )
    .as_str()
    .to_string()
}

impl Ctx<'_> {
    async fn call(&self, m: Method, uri: &str, body: Option<serde_json::Value>) -> Resp {
        self.t.request(m, uri, Some(self.token), body).await
    }

    async fn multipart(&self, uri: &str, file_name: &str, content: &str) -> Resp {
        let boundary = "jzboundary7MA4YWxk";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
        );
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.t.send(req).await
    }
}

/// One probe per route: (method, path, kind, the call).
async fn probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let x = c.x;
    let t = c.t;
    match (method, path) {
        ("GET", "/api/v1/openapi.json") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/openapi.json", None).await,
        )],
        ("POST", "/api/v1/auth/login") => {
            // Signs in as the same user; nothing of anyone else's comes back.
            let me = c.call(Method::GET, "/api/v1/me", None).await.json();
            let body =
                serde_json::json!({"username": me["username"], "password": common::PASSWORD});
            vec![(
                Kind::NoIds,
                t.request(Method::POST, "/api/v1/auth/login", None, Some(body))
                    .await,
            )]
        }
        ("POST", "/api/v1/auth/logout") => {
            // Revoke a second token of the same user, so the probe's own token stays valid.
            let me = c.call(Method::GET, "/api/v1/me", None).await.json();
            let other = t.token(me["username"].as_str().unwrap()).await;
            let r = t
                .request(Method::POST, "/api/v1/auth/logout", Some(&other), None)
                .await;
            assert_eq!(
                t.get("/api/v1/me", &other).await.status,
                StatusCode::UNAUTHORIZED,
                "revoked token still works"
            );
            vec![(Kind::NoIds, r)]
        }
        ("GET", "/api/v1/me") => vec![(Kind::NoIds, c.call(Method::GET, "/api/v1/me", None).await)],
        ("GET", "/api/v1/nodes") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes?parent_id={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes?parent_id={}", x.grid.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes?q={}", enc(&x.comm.name)),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes?q={}", x.building.code),
                    None,
                )
                .await,
            ),
        ],
        ("POST", "/api/v1/nodes") => {
            let body = serde_json::json!({"parent_id": x.comm.id, "code": format!("{}{:03}", x.comm.code, seq() % 1000), "name": format!("{PROTECTED}网格")});
            vec![(
                Kind::Item,
                c.call(Method::POST, "/api/v1/nodes", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/nodes/{id}") => vec![
            (
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/nodes/{}", x.comm.id), None)
                    .await,
            ),
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes/{}", x.building.id),
                    None,
                )
                .await,
            ),
        ],
        ("GET", "/api/v1/nodes/{id}/map") => {
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/nodes/{}/map", x.comm.id),
                    None,
                )
                .await,
            )]
        }
        ("GET", "/api/v1/households") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/households?under={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/households?q={}", enc(&x.hh.address)),
                    None,
                )
                .await,
            ),
        ],
        ("POST", "/api/v1/households") => {
            let body = serde_json::json!({"building_id": x.building.id, "unit": 1, "room": format!("{}", 1000 + seq())});
            let by_code = serde_json::json!({"building_code": x.building.code, "unit": 1, "room": format!("{}", 1000 + seq())});
            vec![
                (
                    Kind::BodyRef,
                    c.call(Method::POST, "/api/v1/households", Some(body)).await,
                ),
                (
                    Kind::BodyRef,
                    c.call(Method::POST, "/api/v1/households", Some(by_code))
                        .await,
                ),
            ]
        }
        ("GET", "/api/v1/households/export") => {
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/households/export?under={}", x.comm.id),
                    None,
                )
                .await,
            )]
        }
        ("GET", "/api/v1/households/{id}") => {
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/households/{}", x.hh.id),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/households/{id}/move") => {
            // Move a household of the other community (404 outside), and move an own household
            // into the other community (there the building is a field error). Fresh households,
            // so that the fixtures stay where they are for the next caller.
            let theirs = fresh_household(t, &x.building).await;
            let away = serde_json::json!({"building_id": x.own_building.id, "unit": 1, "room": format!("{}", 1000 + seq())});
            let mine = fresh_household(t, &x.own_building).await;
            let into = serde_json::json!({"building_id": x.building.id, "unit": 1, "room": format!("{}", 1000 + seq())});
            vec![
                (
                    Kind::Item,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/households/{}/move", theirs.id),
                        Some(away),
                    )
                    .await,
                ),
                (
                    Kind::BodyRef,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/households/{}/move", mine.id),
                        Some(into),
                    )
                    .await,
                ),
            ]
        }
        ("GET", "/api/v1/residents") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents?under={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents?q={}", enc(&x.res.name)),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents?q={}", enc(&x.res.id_mask)),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents?q={}", enc(&x.hh.address)),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    "/api/v1/residents?tag=elderly_alone&per_page=200",
                    None,
                )
                .await,
            ),
        ],
        ("POST", "/api/v1/residents") => {
            let body = serde_json::json!({"household_id": x.hh.id, "name": PROTECTED, "id_number": new_id_number()});
            vec![(
                Kind::Item,
                c.call(Method::POST, "/api/v1/residents", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/residents/export") => {
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents/export?under={}", x.comm.id),
                    None,
                )
                .await,
            )]
        }
        ("GET", "/api/v1/residents/{id}") => {
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/residents/{}", x.res.id),
                    None,
                )
                .await,
            )]
        }
        ("PUT", "/api/v1/residents/{id}") => {
            let r = fresh_resident(t, &x.hh).await;
            let body = serde_json::json!({"name": PROTECTED, "id_number": new_id_number()});
            vec![(
                Kind::Item,
                c.call(
                    Method::PUT,
                    &format!("/api/v1/residents/{}", r.id),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/residents/{id}/unmask") => {
            let body = serde_json::json!({"reason": "范围测试"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/residents/{}/unmask", x.res.id),
                    Some(body),
                )
                .await,
            )]
        }
        ("GET", "/api/v1/audit") => vec![(
            Kind::Search,
            c.call(
                Method::GET,
                &format!(
                    "/api/v1/audit?entity=resident&limit=500&actor={}",
                    enc("命令行")
                ),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/audit/export") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/audit/export?entity=resident", None)
                .await,
        )],
        ("GET", "/api/v1/audit/{id}") => {
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/audit/{}", x.audit_id), None)
                    .await,
            )]
        }
        ("GET", "/api/v1/users") => vec![(
            Kind::Search,
            c.call(Method::GET, "/api/v1/users?per_page=200", None)
                .await,
        )],
        ("POST", "/api/v1/users") => {
            let body = serde_json::json!({"username": format!("probe{}", seq()), "password": "probe-password-1",
                "role": "grid-worker", "scope_code": x.grid.code});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/users", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/users/{id}") => vec![(
            Kind::Item,
            c.call(Method::GET, &format!("/api/v1/users/{}", x.user_id), None)
                .await,
        )],
        ("POST", "/api/v1/import/residents") => {
            let csv = format!(
                "楼宇编码,单元,房号,姓名,身份证号\n{},1,{},{PROTECTED}导入,{}\n",
                x.building.code,
                2000 + seq(),
                new_id_number()
            );
            vec![(
                Kind::BodyRef,
                c.multipart("/api/v1/import/residents", "roster.csv", &csv)
                    .await,
            )]
        }
        ("GET", "/api/v1/import/template") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/import/template", None).await,
        )],
        ("GET", "/api/v1/metrics/events") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/metrics/events?node_id={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!(
                        "/api/v1/metrics/events?node_id={}&from=2024-01&to=2030-12",
                        x.building.id
                    ),
                    None,
                )
                .await,
            ),
        ],
        ("GET", "/api/v1/events/{id}/duplicates") => {
            // A fresh report in the other community, with a near twin there: neither may show.
            let id = fresh_event(t, &x.building).await;
            fresh_event(t, &x.building).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/events/{id}/duplicates"),
                    None,
                )
                .await,
            )]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

fn enc(s: &str) -> String {
    jingzhi_web::session::urlencode(s)
}

/// The name of everything the probes create in the other community (a secret, too).
const PROTECTED: &str = "受保护";

async fn fresh_resident(t: &TestApp, hh: &Household) -> Resident {
    let root = jingzhi_app::Actor::system(&t.city);
    let input = jingzhi_domain::registry::ResidentInput {
        name: PROTECTED.into(),
        id_number: new_id_number(),
        ..Default::default()
    };
    t.app.create_resident(&root, hh.id, &input).await.unwrap()
}

/// A report in `building` by the system (its text holds the protected word).
async fn fresh_event(t: &TestApp, building: &Node) -> i64 {
    let root = jingzhi_app::Actor::system(&t.city);
    t.app
        .report_event(
            &root,
            &jingzhi_app::events::ReportInput {
                category: "sanitation".into(),
                node_id: Some(building.id),
                description: format!("{PROTECTED}：垃圾桶满溢无人清运"),
                x: Some(122.1),
                y: Some(37.5),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn fresh_household(t: &TestApp, building: &Node) -> Household {
    let root = jingzhi_app::Actor::system(&t.city);
    t.app
        .create_household(
            &root,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(building.id),
                unit: Some(3),
                room: format!("{}", 3000 + seq()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn audit_of_creation(t: &TestApp, res: &Resident) -> i64 {
    let admin = t.token("admin").await;
    let r = t
        .get(
            "/api/v1/audit?entity=resident&action=create&limit=500",
            &admin,
        )
        .await
        .json();
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["entity_id"] == res.id)
        .expect("creation audited")["id"]
        .as_i64()
        .unwrap()
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.get("/api/v1/me", &t.token(username).await).await.json()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn every_role_every_endpoint_stays_in_scope() {
    let t = TestApp::new().await;
    let secrets = |r: &Resident, h: &Household, comm: &Node, b: &Node| {
        let mut s = vec![
            r.name.clone(),
            h.address.clone(),
            r.id_mask.clone(),
            comm.name.clone(),
            b.name.clone(),
            PROTECTED.to_string(),
        ];
        s.extend(r.phone_mask.clone());
        s
    };
    let target_b = Target {
        comm: t.comm_b.clone(),
        grid: t.grid_b.clone(),
        building: t.building_b.clone(),
        hh: t.hh_b.clone(),
        res: t.res_b.clone(),
        user_id: user_id(&t, "worker.b").await,
        audit_id: audit_of_creation(&t, &t.res_b).await,
        own_building: t.building_a.clone(),
        secrets: secrets(&t.res_b, &t.hh_b, &t.comm_b, &t.building_b),
    };
    let target_a = Target {
        comm: t.comm_a.clone(),
        grid: t.grid_a.clone(),
        building: t.building_a.clone(),
        hh: t.hh_a.clone(),
        res: t.res_a.clone(),
        user_id: user_id(&t, "worker.a").await,
        audit_id: audit_of_creation(&t, &t.res_a).await,
        own_building: t.building_b.clone(),
        secrets: secrets(&t.res_a, &t.hh_a, &t.comm_a, &t.building_a),
    };

    let mut covered = BTreeSet::new();
    let mut failures = vec![];
    let mut tally = std::collections::BTreeMap::<(bool, u16), usize>::new();
    for (username, role, scope) in USERS {
        // The other community is outside the scope of users in A (or B); street and above hold
        // both, and for them the calls must work.
        let (x, outside) = match *scope {
            "comm_a" | "grid_a" => (&target_b, true),
            "comm_b" | "grid_b" => (&target_a, true),
            _ => (&target_b, false),
        };
        let token = t.token(username).await;
        let c = Ctx {
            t: &t,
            token: &token,
            x,
        };
        for (method, path) in jingzhi_web::api::ROUTES {
            covered.insert((*method, *path));
            for (kind, r) in probe(method, path, &c).await {
                let s = r.status;
                *tally.entry((outside, s.as_u16())).or_default() += 1;
                let what = format!(
                    "{username} ({role}) {method} {path} [{kind:?}] → {s}: {}",
                    r.text().chars().take(300).collect::<String>()
                );
                let ok = if s == StatusCode::FORBIDDEN {
                    // Only for want of the permission, never for the scope: the same role must get
                    // 403 from the in-scope call too (checked below for the roles with a city or
                    // street scope), and a 403 body names no data.
                    r.json()["code"] == "forbidden"
                } else if !outside || kind == Kind::NoIds {
                    s.is_success()
                } else {
                    match kind {
                        Kind::Item => s == StatusCode::NOT_FOUND,
                        Kind::BodyRef => {
                            s == StatusCode::NOT_FOUND || s == StatusCode::UNPROCESSABLE_ENTITY
                        }
                        Kind::Search => s == StatusCode::OK,
                        Kind::NoIds => unreachable!(),
                    }
                };
                if !ok {
                    failures.push(format!("unexpected status: {what}"));
                }
                if outside {
                    let text = r.text();
                    for secret in &x.secrets {
                        if text.contains(secret.as_str()) {
                            failures.push(format!("leaks {secret:?}: {what}"));
                        }
                    }
                }
            }
        }
    }
    let routes: BTreeSet<_> = jingzhi_web::api::ROUTES
        .iter()
        .map(|(m, p)| (*m, *p))
        .collect();
    assert_eq!(covered, routes);
    eprintln!("(outside scope?, status) → calls: {tally:?}");
    // The probes did reach the scope checks: many 404s outside, many successes inside.
    assert!(
        tally.get(&(true, 404)).copied().unwrap_or(0) >= 40,
        "{tally:?}"
    );
    assert!(
        tally.get(&(false, 200)).copied().unwrap_or(0) >= 40,
        "{tally:?}"
    );
    assert!(
        failures.is_empty(),
        "{} scope failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A 403 is only ever about the role: a community worker may not manage users whether the
/// target is inside or outside, and gets 404 — not 403 — for another community's resident.
#[tokio::test]
async fn outside_is_not_found_not_forbidden() {
    let t = TestApp::new().await;
    let w = t.token("worker.a").await;
    let own = t
        .get(&format!("/api/v1/residents/{}", t.res_a.id), &w)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let other = t
        .get(&format!("/api/v1/residents/{}", t.res_b.id), &w)
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.json()["code"], "not_found");
    let nonexistent = t.get("/api/v1/residents/999999", &w).await;
    assert_eq!(nonexistent.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.body, nonexistent.body,
        "outside and nonexistent must look the same"
    );
}
