//! The scope test: for every role in `USERS` (and a district officer of another district) and
//! every route of the API — every operation of the OpenAPI document it serves, so that no route
//! escapes: a route without a probe here fails the test —
//! call it with the ids of things outside the caller's scope (community B's for users in
//! community A and for the other district's officer, A's for community B's worker) and check
//! that the answer is 404 — or 403 where
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
    /// A notification of that user (someone else's for every caller).
    notification_id: i64,
    /// An audit record in the other community (the creation of `res`).
    audit_id: i64,
    /// The caller's own household (to move into the other community).
    own_building: Node,
    /// A second building of the other community (the other end of a graph edge).
    building2: Node,
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
    /// Someone else's own thing (a notification): 404 for every caller, whatever their scope.
    Foreign,
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
    // Three digits of sequence per birth date: a new date every thousand.
    let n = seq();
    IdNumber::build(
        371002,
        time::Date::from_calendar_date(1980, time::Month::March, 3).unwrap()
            + time::Duration::days(i64::from(n / 1000)),
        n % 1000,
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

    /// A multipart upload of one PNG photo.
    async fn photo(&self, uri: &str) -> Resp {
        let boundary = "jzboundaryPhoto7";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(PNG);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
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
        (
            "POST",
            p @ ("/api/v1/users/{id}/disable"
            | "/api/v1/users/{id}/enable"
            | "/api/v1/users/{id}/sign-out-everywhere"
            | "/api/v1/users/{id}/unlock"),
        ) => {
            // A fresh account in the other community (the fixed users sign in later).
            let id = fresh_user(t, &x.comm).await;
            vec![(
                Kind::Item,
                c.call(Method::POST, &p.replace("{id}", &id.to_string()), None)
                    .await,
            )]
        }
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
        ("GET", "/api/v1/events") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/events?under={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/events?limit=200", None).await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    "/api/v1/events?category=other&status=reported",
                    None,
                )
                .await,
            ),
        ],
        ("POST", "/api/v1/events") => {
            let body = serde_json::json!({"category": "other", "description": format!("{}上报", x.building.name), "node_id": x.building.id});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/events", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/events/{id}") => {
            let e = fresh_event(t, &x.building, "reported").await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/events/{}", e.0), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/events/{id}/{command}") => {
            let e = fresh_event(t, &x.building, "reported").await;
            let accept = c
                .call(
                    Method::POST,
                    &format!("/api/v1/events/{}/accept", e.0),
                    Some(serde_json::json!({"note": x.building.name})),
                )
                .await;
            let e = fresh_event(t, &x.building, "accepted").await;
            let dispatch = c
                .call(
                    Method::POST,
                    &format!("/api/v1/events/{}/dispatch", e.0),
                    Some(serde_json::json!({"lead": {"kind": "department", "code": "zhujian"}})),
                )
                .await;
            vec![(Kind::Item, accept), (Kind::Item, dispatch)]
        }
        ("POST", "/api/v1/events/{id}/attachments") => {
            let e = fresh_event(t, &x.building, "reported").await;
            vec![(
                Kind::Item,
                c.photo(&format!("/api/v1/events/{}/attachments", e.0))
                    .await,
            )]
        }
        ("GET", "/api/v1/events/{id}/attachments/{attachment_id}") => {
            let e = fresh_event(t, &x.building, "reported").await;
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/events/{}/attachments/{}", e.0, e.1),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/events/{id}/whistles") => {
            let e = fresh_event(t, &x.building, "accepted").await;
            let body = serde_json::json!({"departments": ["zhujian"], "reason": x.building.name});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/events/{}/whistles", e.0),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/whistles/{id}/report-in") => {
            let w = fresh_whistle(t, &x.building, "summoned").await;
            let body = serde_json::json!({"department": "zhujian"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/whistles/{w}/report-in"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/whistles/{id}/inspection") => {
            let w = fresh_whistle(t, &x.building, "reported_in").await;
            let body = serde_json::json!({"participants": "住建局", "findings": x.building.name, "solution": x.building.name,
                "tasks": [{"department": "zhujian", "task": x.building.name}]});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/whistles/{w}/inspection"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/whistles/{id}/complete") => {
            let w = fresh_whistle(t, &x.building, "inspected").await;
            let body = serde_json::json!({"department": "zhujian"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/whistles/{w}/complete"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/whistles/{id}/rate") => {
            let w = fresh_whistle(t, &x.building, "done").await;
            let body = serde_json::json!({"department": "zhujian", "rating": "satisfied"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/whistles/{w}/rate"),
                    Some(body),
                )
                .await,
            )]
        }
        ("GET", "/api/v1/event-categories") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/event-categories", None).await,
        )],
        ("GET", "/api/v1/notifications") => vec![
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/notifications?limit=200", None)
                    .await,
            ),
            (
                Kind::Search,
                c.call(
                    Method::GET,
                    &format!("/api/v1/notifications?before={}", x.notification_id + 1),
                    None,
                )
                .await,
            ),
        ],
        ("POST", "/api/v1/notifications/{id}/read") => vec![(
            Kind::Foreign,
            c.call(
                Method::POST,
                &format!("/api/v1/notifications/{}/read", x.notification_id),
                None,
            )
            .await,
        )],
        ("POST", "/api/v1/hotline/import") => {
            // An address of the other community's building, written another way: outside the
            // scope it must not match (it is queued), and the answer names nothing of it.
            let no = format!("SCOPE{}", seq());
            let addr = x.building.name.replace("号楼", "栋");
            let csv = format!(
                "工单编号,来电时间,诉求地址,诉求内容\n{no},2026-11-20 10:00,{addr},范围测试\n"
            );
            vec![(
                Kind::NoIds,
                c.multipart("/api/v1/hotline/import", "tickets.csv", &csv)
                    .await,
            )]
        }
        ("GET", "/api/v1/hotline/queue") => {
            fresh_queued(t, &x.comm, &x.res.name).await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/hotline/queue?limit=500", None)
                    .await,
            )]
        }
        ("POST", "/api/v1/hotline/queue/{id}/match") => {
            // The other community's queued ticket (404 outside), and an own ticket matched to
            // the other community's building (a field error outside).
            let theirs = fresh_queued(t, &x.comm, &x.res.name).await;
            let own_comm = if x.comm.id == t.comm_b.id {
                &t.comm_a
            } else {
                &t.comm_b
            };
            let mine = fresh_queued(t, own_comm, "中立").await;
            let body = serde_json::json!({"building_id": x.building.id});
            vec![
                (
                    Kind::Item,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/hotline/queue/{theirs}/match"),
                        Some(body.clone()),
                    )
                    .await,
                ),
                (
                    Kind::BodyRef,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/hotline/queue/{mine}/match"),
                        Some(body),
                    )
                    .await,
                ),
            ]
        }
        ("POST", "/api/v1/hotline/queue/{id}/discard") => {
            let theirs = fresh_queued(t, &x.comm, &x.res.name).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/hotline/queue/{theirs}/discard"),
                    Some(serde_json::json!({"reason": "范围测试"})),
                )
                .await,
            )]
        }
        ("GET", "/api/v1/hotline/export") => {
            fresh_queued(t, &x.comm, &x.res.name).await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/hotline/export?format=csv", None)
                    .await,
            )]
        }
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
            let id = fresh_report(t, &x.building).await;
            fresh_report(t, &x.building).await;
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
        // The departments serving a place in the other community: 404. (Without `serving` it
        // lists the registry's departments serving the caller's place: no ids.)
        ("GET", "/api/v1/departments") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/departments?serving={}", x.building.id),
                    None,
                )
                .await,
            ),
            (
                Kind::NoIds,
                c.call(Method::GET, "/api/v1/departments", None).await,
            ),
        ],
        (m, p) if p.starts_with("/api/v1/rounds/") => rounds_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/districting/") => districting_probe(m, p, c).await,
        ("POST", "/api/v1/votes") => {
            let body = serde_json::json!({"node_id": x.comm.id, "question": "探针表决",
                "options": ["同意", "不同意"], "unit": "household", "quorum_percent": 50,
                "majority": "simple", "closes_at": "2099-01-01T00:00:00+08:00"});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/votes", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/votes") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/votes?node_id={}", x.comm.id),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/votes/{id}") => {
            let id = fresh_vote(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/votes/{id}"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/votes/{id}/ballots") => {
            let id = fresh_vote(t, x).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/votes/{id}/ballots"),
                    Some(serde_json::json!({"option": "同意"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/votes/{id}/paper-ballots") => {
            let id = fresh_vote(t, x).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/votes/{id}/paper-ballots"),
                    Some(serde_json::json!({"household_id": x.hh.id, "option": "同意"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/votes/{id}/close") => {
            let id = fresh_vote(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::POST, &format!("/api/v1/votes/{id}/close"), None)
                    .await,
            )]
        }
        ("GET", "/api/v1/votes/{id}/result") => {
            let id = fresh_vote(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/votes/{id}/result"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/residents/{id}/representative") => vec![(
            Kind::Item,
            c.call(
                Method::POST,
                &format!("/api/v1/residents/{}/representative", x.res.id),
                Some(serde_json::json!({"representative": false})),
            )
            .await,
        )],
        ("POST", "/api/v1/households/{id}/voter") => vec![(
            Kind::Item,
            c.call(
                Method::POST,
                &format!("/api/v1/households/{}/voter", x.hh.id),
                Some(serde_json::json!({"resident_id": null})),
            )
            .await,
        )],
        ("POST", "/api/v1/proposals") => {
            let body = serde_json::json!({"title": "探针提案", "body": "探针",
                "resident_id": x.res.id});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/proposals", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/proposals") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/proposals", None).await,
        )],
        ("GET", "/api/v1/proposals/{id}") => {
            let id = t.proposal_in(x.res.id).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/proposals/{id}"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/proposals/{id}/supports") => {
            let id = t.proposal_in(x.res.id).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/proposals/{id}/supports"),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/proposals/{id}/answer") => {
            let id = t.proposal_in(x.res.id).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/proposals/{id}/answer"),
                    Some(serde_json::json!({"answer": "take_up"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/proposals/{id}/withdraw") => {
            let id = t.proposal_in(x.res.id).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/proposals/{id}/withdraw"),
                    None,
                )
                .await,
            )]
        }
        ("GET", "/api/v1/communities/{id}/proposal-threshold") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/communities/{}/proposal-threshold", x.comm.id),
                None,
            )
            .await,
        )],
        ("PUT", "/api/v1/communities/{id}/proposal-threshold") => vec![(
            Kind::Item,
            c.call(
                Method::PUT,
                &format!("/api/v1/communities/{}/proposal-threshold", x.comm.id),
                Some(serde_json::json!({"kind": "share", "permille": 10, "floor": 10})),
            )
            .await,
        )],
        ("POST", "/api/v1/proposals/{id}/event") => {
            let id = t.proposal_in(x.res.id).await;
            let e = fresh_report(t, &x.building).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/proposals/{id}/event"),
                    Some(serde_json::json!({"event_id": e})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/events/{id}/proposal") => {
            let e = fresh_report(t, &x.building).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/events/{e}/proposal"),
                    Some(serde_json::json!({"resident_id": x.res.id})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings") => {
            let body = serde_json::json!({"node_id": x.comm.id, "kind": "deliberation",
                "title": "探针会议", "held_at": "2026-11-20T19:00:00+08:00", "venue": "会议室"});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/meetings", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/meetings") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/meetings", None).await,
        )],
        ("GET", "/api/v1/meetings/{id}") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/meetings/{}", f.meeting),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/parties") => {
            let f = t.meeting_in(&x.comm).await;
            let body = serde_json::json!({"role": "lawyer", "name": "律师事务所"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/parties", f.meeting),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/attendance") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/attendance", f.meeting),
                    Some(serde_json::json!({"present": []})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/items") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/items", f.meeting),
                    Some(serde_json::json!({"title": "垃圾分类"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/agenda-items/{id}/rounds") => {
            let f = t.meeting_in(&x.comm).await;
            let body = serde_json::json!({"positions": [{"who": "业主代表", "what": "同意"}]});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/agenda-items/{}/rounds", f.open_item),
                    Some(body),
                )
                .await,
            )]
        }
        ("PUT", "/api/v1/meetings/{id}/minutes") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::PUT,
                    &format!("/api/v1/meetings/{}/minutes", f.meeting),
                    Some(serde_json::json!({"text": "纪要"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/minutes/open") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/minutes/open", f.meeting),
                    Some(serde_json::json!({"days": 3})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/minutes/amendments") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/minutes/amendments", f.meeting),
                    Some(serde_json::json!({"text": "补充"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/meetings/{id}/minutes/lock") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/meetings/{}/minutes/lock", f.meeting),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/decisions") => {
            let f = t.meeting_in(&x.comm).await;
            let body = serde_json::json!({"item_id": f.open_item, "title": "决定", "body": "内容"});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/decisions", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/decisions") => vec![(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/decisions", None).await,
        )],
        ("GET", "/api/v1/decisions/{id}") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/decisions/{}", f.decision),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/decisions/{id}/tasks") => {
            let f = t.meeting_in(&x.comm).await;
            let body = serde_json::json!({"title": "施工", "owner_kind": "community",
                "due_at": "2099-01-01T00:00:00+08:00"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/decisions/{}/tasks", f.decision),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/tasks/{id}/progress") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/tasks/{}/progress", f.task),
                    Some(serde_json::json!({"step": "studying"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/decisions/{id}/evaluation") => {
            let f = t.meeting_in(&x.comm).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/decisions/{}/evaluation", f.decision),
                    Some(serde_json::json!({"meeting_id": f.meeting, "rating": 4})),
                )
                .await,
            )]
        }
        (m, p)
            if p.starts_with("/api/v1/councils")
                || p.starts_with("/api/v1/council-matters/")
                || p.starts_with("/api/v1/associations")
                || p.starts_with("/api/v1/merchants") =>
        {
            councils_probe(m, p, c).await
        }
        (m, p) if p.starts_with("/api/v1/funds") || p.starts_with("/api/v1/fund-entries/") => {
            funds_probe(m, p, c).await
        }
        (m, p) if p.starts_with("/api/v1/integrity/") => integrity_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/parking/") => parking_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/teams") || p.starts_with("/api/v1/incidents") => {
            emergency_probe(m, p, c).await
        }
        (m, p) if p.starts_with("/api/v1/care/") => care_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/volunteer-hours") => volunteering_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/activities") => activities_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/forces") => forces_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/legal-cases") => legal_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/jobs/") => jobs_probe(m, p, c).await,
        (m, p) if p.starts_with("/api/v1/doctor-") => doctors_probe(m, p, c).await,
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

fn enc(s: &str) -> String {
    jingzhi_web::session::urlencode(s)
}

/// The name of everything the probes create in the other community (a secret, too).
const PROTECTED: &str = "受保护";

/// A new community worker whose scope is `comm`: its id.
async fn fresh_user(t: &TestApp, comm: &Node) -> i64 {
    t.app
        .auth()
        .add_user(
            None,
            &jingzhi_app::auth::NewUserInput {
                username: format!("probe.user{}", seq()),
                password: "probe-password-1".into(),
                role: "community-worker".into(),
                scope_code: comm.code.clone(),
                display_name: Some(PROTECTED.into()),
                department: None,
                resident_id: None,
            },
        )
        .await
        .unwrap()
        .id
}

async fn fresh_resident(t: &TestApp, hh: &Household) -> Resident {
    let root = jingzhi_app::Actor::system(&t.city);
    let input = jingzhi_domain::registry::ResidentInput {
        name: PROTECTED.into(),
        id_number: new_id_number(),
        ..Default::default()
    };
    t.app
        .registry()
        .create_resident(&root, hh.id, &input)
        .await
        .unwrap()
}

/// A 1×1 PNG (signature, IHDR, IDAT, IEND).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A fresh event at `building` (described by the building's name, a secret of its community,
/// with a photo), moved to `stage`
/// (`reported` or `accepted`): (event id, photo id).
async fn fresh_event(t: &TestApp, building: &Node, stage: &str) -> (i64, i64) {
    let root = jingzhi_app::Actor::system(&t.city);
    let input = jingzhi_app::events::ReportInput {
        category: "other".into(),
        description: format!("{}事件", building.name),
        node_id: Some(building.id),
        ..Default::default()
    };
    let photo = jingzhi_app::events::Upload {
        file_name: format!("{}.png", building.name),
        bytes: PNG.to_vec(),
    };
    let e = t
        .app
        .events()
        .report_with(&root, &input, &[photo])
        .await
        .unwrap();
    if stage != "reported" {
        t.app.events().accept(&root, e.id).await.unwrap();
    }
    let v = t.app.events().view(&root, e.id).await.unwrap();
    (e.id, v.attachments[0].id)
}

/// A fresh whistle (summoning 住建局) on a fresh accepted event, moved to `stage`
/// (`summoned`, `reported_in`, `inspected` or `done`).
async fn fresh_whistle(t: &TestApp, building: &Node, stage: &str) -> i64 {
    let root = jingzhi_app::Actor::system(&t.city);
    let (event, _) = fresh_event(t, building, "accepted").await;
    let dept = "zhujian".to_string();
    let w = t
        .app
        .events()
        .blow_whistle(&root, event, std::slice::from_ref(&dept), &building.name)
        .await
        .unwrap();
    let stages = ["summoned", "reported_in", "inspected", "done"];
    let n = stages.iter().position(|s| *s == stage).unwrap();
    if n >= 1 {
        t.app.events().report_in(&root, w.id, &dept).await.unwrap();
    }
    if n >= 2 {
        let input = jingzhi_app::events::InspectionInput {
            at: None,
            participants: building.name.clone(),
            findings: building.name.clone(),
            solution: building.name.clone(),
            tasks: vec![(dept.clone(), building.name.clone())],
        };
        t.app
            .events()
            .record_inspection(&root, w.id, &input)
            .await
            .unwrap();
    }
    if n >= 3 {
        t.app
            .events()
            .complete_whistle_task(&root, w.id, &dept)
            .await
            .unwrap();
    }
    w.id
}

async fn fresh_household(t: &TestApp, building: &Node) -> Household {
    let root = jingzhi_app::Actor::system(&t.city);
    t.app
        .registry()
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

/// A 12345 ticket waiting in the queue of `comm` (imported by someone with that scope), its
/// address and content made of `text` (the target's resident's name: a secret of that
/// community only, as queues and exports list everything in scope).
async fn fresh_queued(t: &TestApp, comm: &Node, text: &str) -> i64 {
    let actor = jingzhi_app::Actor::system(comm);
    let no = format!("SCQ{}", seq());
    let csv = format!(
        "工单编号,来电时间,诉求地址,诉求内容\n{no},2026-11-20 10:00,{text}路{}号,{text}诉求\n",
        seq()
    );
    t.app
        .hotline()
        .import(&actor, "probe.csv", csv.as_bytes())
        .await
        .unwrap();
    t.app
        .hotline()
        .queue(&actor, None, 500)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.ticket_no == no)
        .expect("queued")
        .id
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

/// `username` (a community worker) reports at `building`; the command line accepts it: the worker
/// is notified, in a text naming the building. The notification's id.
async fn notification_of(t: &TestApp, username: &str, building: &Node) -> i64 {
    let mut conn = t.app.store.acquire().await.unwrap();
    let user = jingzhi_store::auth::user_by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let reporter = jingzhi_app::Actor::new(user);
    let e = t
        .app
        .events()
        .report(
            &reporter,
            &jingzhi_app::events::ReportInput {
                category: "sanitation".into(),
                node_id: Some(building.id),
                description: format!("{}垃圾", building.name),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let root = jingzhi_app::Actor::system(&t.city);
    t.app.events().accept(&root, e.id).await.unwrap();
    let n = t
        .app
        .notify()
        .notifications(&reporter, None, None, 10)
        .await
        .unwrap();
    assert!(n[0].body.contains(&building.name));
    n[0].id
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
        notification_id: notification_of(&t, "worker.b", &t.building_b).await,
        audit_id: audit_of_creation(&t, &t.res_b).await,
        own_building: t.building_a.clone(),
        building2: second_building(&t, &t.building_b).await,
        secrets: secrets(&t.res_b, &t.hh_b, &t.comm_b, &t.building_b),
    };
    let target_a = Target {
        comm: t.comm_a.clone(),
        grid: t.grid_a.clone(),
        building: t.building_a.clone(),
        hh: t.hh_a.clone(),
        res: t.res_a.clone(),
        user_id: user_id(&t, "worker.a").await,
        notification_id: notification_of(&t, "worker.a", &t.building_a).await,
        audit_id: audit_of_creation(&t, &t.res_a).await,
        own_building: t.building_b.clone(),
        building2: second_building(&t, &t.building_a).await,
        secrets: secrets(&t.res_a, &t.hh_a, &t.comm_a, &t.building_a),
    };
    // Community B past 3,000 households, so that the officers above it can plan it (a plan for
    // community A is only ever asked for by community B's worker, who may not plan).
    grow_b(&t).await;

    // An officer of another district: every district-level permission (districting's scan, plans
    // and approval among them), and nothing of this district in scope.
    other_district_officer(&t).await;
    let routes = documented_routes();
    assert!(
        routes
            .iter()
            .filter(|(_, p)| p.starts_with("/api/v1/districting/"))
            .count()
            >= 11,
        "the districting routes are in the document: {routes:?}"
    );

    let mut covered = BTreeSet::new();
    let mut failures = vec![];
    let mut tally = std::collections::BTreeMap::<(bool, u16), usize>::new();
    // (user, method, path, kind, status) of the districting probes.
    let mut districting = vec![];
    let users = USERS.iter().copied().chain([OTHER_DISTRICT_OFFICER]);
    for (username, role, scope) in users {
        // The other community is outside the scope of users in A (or B) and of the other
        // district's officer; street and above hold both, and for them the calls must work.
        let (x, outside) = match scope {
            "comm_a" | "grid_a" | "other_district" => (&target_b, true),
            "comm_b" | "grid_b" => (&target_a, true),
            _ => (&target_b, false),
        };
        let token = t.token(username).await;
        let c = Ctx {
            t: &t,
            token: &token,
            x,
        };
        for (method, path) in &routes {
            let (method, path) = (method.as_str(), path.as_str());
            covered.insert((method, path));
            for (kind, r) in probe(method, path, &c).await {
                let s = r.status;
                *tally.entry((outside, s.as_u16())).or_default() += 1;
                if path.starts_with("/api/v1/districting/") {
                    districting.push((username, method, path, kind, s));
                }
                let what = format!(
                    "{username} ({role}) {method} {path} [{kind:?}] → {s}: {}",
                    r.text().chars().take(300).collect::<String>()
                );
                let ok = if kind == Kind::Foreign {
                    s == StatusCode::NOT_FOUND
                } else if s == StatusCode::FORBIDDEN {
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
                        Kind::NoIds | Kind::Foreign => unreachable!(),
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
    let routes: BTreeSet<_> = routes
        .iter()
        .map(|(m, p)| (m.as_str(), p.as_str()))
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
    // The districting probes reached the scope checks: the city admin's calls all work (a plan
    // of community B is saved, stepped, voted on and applied), and the other district's officer,
    // who holds every districting permission, is refused by scope, never by role.
    for (user, method, path, kind, s) in &districting {
        match *user {
            "admin" => assert!(s.is_success(), "admin {method} {path}: {s}"),
            "district.other" => assert!(
                match kind {
                    Kind::Item => *s == StatusCode::NOT_FOUND,
                    Kind::BodyRef =>
                        *s == StatusCode::NOT_FOUND || *s == StatusCode::UNPROCESSABLE_ENTITY,
                    _ => s.is_success(),
                },
                "district.other {method} {path} [{kind:?}]: {s}"
            ),
            _ => {}
        }
    }
    assert!(districting.len() >= 11 * 11, "{}", districting.len());
}

/// A department acts only on what was sent to it: an event dispatched to 城管局 is not found
/// for 住建局's staff (nor in its lists), and a department only notified (知会) may see it but not
/// start or resolve it.
#[tokio::test]
async fn a_department_acts_only_on_events_sent_to_it() {
    let t = TestApp::new().await;
    let worker = t.token("worker.a").await;
    let dept = t.token("dept.a").await; // 住建局
    let post = |tok: String, uri: String, body: serde_json::Value| {
        let t = &t;
        async move { t.request(Method::POST, &uri, Some(&tok), Some(body)).await }
    };
    let r = post(
        worker.clone(),
        "/api/v1/events".into(),
        serde_json::json!({"category": "other", "node_id": t.building_a.id, "description": "路面塌陷"}),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    post(
        worker.clone(),
        format!("/api/v1/events/{id}/accept"),
        serde_json::json!({}),
    )
    .await;
    let r = post(
        worker.clone(),
        format!("/api/v1/events/{id}/dispatch"),
        serde_json::json!({"lead": {"kind": "department", "code": "chengguan"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for cmd in ["start", "resolve"] {
        let r = post(
            dept.clone(),
            format!("/api/v1/events/{id}/{cmd}"),
            serde_json::json!({"result": "x"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{cmd}: {}", r.text());
    }
    assert_eq!(
        t.get(&format!("/api/v1/events/{id}"), &dept).await.status,
        StatusCode::NOT_FOUND
    );
    let list = t.get("/api/v1/events", &dept).await.json();
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    // Re-dispatched with 住建局 only notified: it sees the event but may not handle it.
    let r = post(
        worker.clone(),
        format!("/api/v1/events/{id}/dispatch"),
        serde_json::json!({"lead": {"kind": "department", "code": "chengguan"}, "notified": [{"kind": "department", "code": "zhujian"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        t.get(&format!("/api/v1/events/{id}"), &dept).await.status,
        StatusCode::OK
    );
    let r = post(
        dept.clone(),
        format!("/api/v1/events/{id}/start"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
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

// ---------------------------------------------------------------------------------------------
// Stewards' rounds: fixtures in the target's community, made on demand by the command line.

/// A post (held by a steward of the target's community) over the target's building, and a
/// fresh visit to the target's household with one finding.
struct RoundsFixture {
    post_id: i64,
    visit_id: i64,
    finding_id: i64,
    steward_id: i64,
}

async fn rounds_fixture(t: &TestApp, x: &Target) -> RoundsFixture {
    let sys = jingzhi_app::Actor::system(&t.city);
    let username = format!("rounds.steward.{}", x.grid.id);
    let mut conn = t.app.store.acquire().await.unwrap();
    let user = match jingzhi_store::auth::user_by_username(&mut conn, &username)
        .await
        .unwrap()
    {
        Some(u) => u,
        None => {
            let id = jingzhi_store::auth::insert_user(
                &mut conn,
                &jingzhi_store::auth::NewUser {
                    username: &username,
                    display_name: "走访探针",
                    password_hash: "!",
                    role: jingzhi_domain::auth::Role::Steward,
                    scope_node_id: x.comm.id,
                    resident_id: None,
                    department: None,
                },
            )
            .await
            .unwrap();
            jingzhi_store::auth::user_by_id(&mut conn, id)
                .await
                .unwrap()
                .unwrap()
        }
    };
    drop(conn);
    let post = t
        .app
        .rounds()
        .save_post(
            &sys,
            &jingzhi_app::rounds::PostInput {
                user_id: user.id,
                grid_id: x.grid.id,
                building_ids: vec![x.building.id],
            },
        )
        .await
        .unwrap();
    let steward = jingzhi_app::Actor::new(user);
    let v = t
        .app
        .rounds()
        .log_visit(
            &steward,
            &jingzhi_app::rounds::VisitInput {
                household_id: x.hh.id,
                visited_at: None,
                note: None,
                findings: vec![jingzhi_app::rounds::FindingInput {
                    kind: "demand".into(),
                    text: "单元门禁损坏".into(),
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
    RoundsFixture {
        post_id: post.post.id,
        visit_id: v.id,
        finding_id: v.findings[0].id,
        steward_id: steward.id(),
    }
}

/// A specialist serving the target's grid since this month (a fresh one per probe, ended
/// afterwards so that the grid keeps room under the 1–2 rule).
async fn fresh_specialist(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app
        .rounds()
        .assign_specialist(
            &sys,
            &jingzhi_app::rounds::SpecialistInput {
                grid_id: x.grid.id,
                name: "服务探针".into(),
                department: "区民政局".into(),
                party_org: "区民政局机关党支部".into(),
                phone: Some("13712345678".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn end_quietly(t: &TestApp, id: i64) {
    let sys = jingzhi_app::Actor::system(&t.city);
    let _ = t.app.rounds().end_specialist(&sys, id).await;
}

async fn rounds_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (t, x) = (c.t, c.x);
    let f = rounds_fixture(t, x).await;
    let month =
        jingzhi_domain::rounds::Month::of_ms(jingzhi_domain::time_fmt::now_ms()).to_string();
    match (method, path) {
        ("GET", "/api/v1/rounds/posts") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/rounds/posts?node_id={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/rounds/posts?per_page=200", None)
                    .await,
            ),
        ],
        ("POST", "/api/v1/rounds/posts") => {
            let body = serde_json::json!({"user_id": f.steward_id, "grid_id": x.grid.id,
                "building_ids": [x.building.id]});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/rounds/posts", Some(body))
                    .await,
            )]
        }
        ("GET", "/api/v1/rounds/posts/{id}") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/rounds/posts/{}", f.post_id),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/rounds/visits") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/rounds/visits?household_id={}", x.hh.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/rounds/visits?post_id={}", f.post_id),
                    None,
                )
                .await,
            ),
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/rounds/visits?per_page=200", None)
                    .await,
            ),
        ],
        ("POST", "/api/v1/rounds/visits") => {
            let body = serde_json::json!({"household_id": x.hh.id, "note": "探访",
                "findings": [{"kind": "hazard", "text": "楼道堆物"}]});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/rounds/visits", Some(body))
                    .await,
            )]
        }
        ("GET", "/api/v1/rounds/visits/{id}") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/rounds/visits/{}", f.visit_id),
                None,
            )
            .await,
        )],
        ("POST", "/api/v1/rounds/findings/{id}/event") => vec![(
            Kind::Item,
            c.call(
                Method::POST,
                &format!("/api/v1/rounds/findings/{}/event", f.finding_id),
                Some(serde_json::json!({"category": "other"})),
            )
            .await,
        )],
        ("GET", "/api/v1/rounds/coverage") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/rounds/coverage?node_id={}", x.comm.id),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/rounds/coverage/households") => vec![
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/rounds/coverage/households?node_id={}", x.comm.id),
                    None,
                )
                .await,
            ),
            (
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/rounds/coverage/households?post_id={}", f.post_id),
                    None,
                )
                .await,
            ),
        ],
        ("GET", "/api/v1/rounds/specialists") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/rounds/specialists?node_id={}", x.grid.id),
                None,
            )
            .await,
        )],
        ("POST", "/api/v1/rounds/specialists") => {
            let body = serde_json::json!({"grid_id": x.grid.id, "name": "配备探针",
                "department": "区司法局", "party_org": "区司法局机关党支部"});
            let r = c
                .call(Method::POST, "/api/v1/rounds/specialists", Some(body))
                .await;
            if r.status.is_success() {
                end_quietly(t, r.json()["id"].as_i64().unwrap()).await;
            }
            vec![(Kind::BodyRef, r)]
        }
        ("POST", "/api/v1/rounds/specialists/{id}/end") => {
            let id = fresh_specialist(t, x).await;
            let r = c
                .call(
                    Method::POST,
                    &format!("/api/v1/rounds/specialists/{id}/end"),
                    None,
                )
                .await;
            end_quietly(t, id).await;
            vec![(Kind::Item, r)]
        }
        ("POST", "/api/v1/rounds/specialists/{id}/services") => {
            let id = fresh_specialist(t, x).await;
            let r = c
                .call(
                    Method::POST,
                    &format!("/api/v1/rounds/specialists/{id}/services"),
                    Some(serde_json::json!({"month": month, "content": "政策宣讲"})),
                )
                .await;
            end_quietly(t, id).await;
            vec![(Kind::Item, r)]
        }
        ("GET", "/api/v1/rounds/compliance") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/rounds/compliance?node_id={}", x.comm.id),
                None,
            )
            .await,
        )],
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A household vote over the target's community, open now.
async fn fresh_vote(t: &TestApp, x: &Target) -> i64 {
    t.household_vote(&x.comm).await
}

/// A report in `building` by the system (its text names the building, a secret outside).
async fn fresh_report(t: &TestApp, building: &Node) -> i64 {
    let root = jingzhi_app::Actor::system(&t.city);
    t.app
        .events()
        .report(
            &root,
            &jingzhi_app::events::ReportInput {
                category: "sanitation".into(),
                node_id: Some(building.id),
                description: format!("{}：垃圾桶满溢无人清运", building.name),
                x: Some(122.1),
                y: Some(37.5),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

/// Every operation of the OpenAPI document the API serves: (method, path), in the document's
/// order. The probes walk this, so a route that is served and documented cannot go unprobed
/// (and tests/openapi.rs checks that every route served is documented).
fn documented_routes() -> Vec<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(jingzhi_web::api::openapi_string()).expect("the document is JSON");
    let mut routes = vec![];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in ["get", "put", "post", "delete", "patch"] {
            if item.get(m).is_some() {
                routes.push((m.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

// ---------------------------------------------------------------------------------------------
// Redistricting (社区规模优化): an officer of another district, community B grown past the cap,
// and plans of the target's community made on demand in each stage of the approval.

/// A district officer whose district holds nothing of the test city's district.
const OTHER_DISTRICT_OFFICER: (&str, &str, &str) =
    ("district.other", "district-officer", "other_district");

async fn other_district_officer(t: &TestApp) {
    let mut conn = t.app.store.acquire().await.unwrap();
    let district = jingzhi_store::registry::insert_node(
        &mut conn,
        Some(&t.city),
        &jingzhi_store::registry::NewNode {
            kind: Some(jingzhi_domain::registry::NodeKind::District),
            code: "371003000000".into(),
            name: "文登区".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(conn);
    let (username, role, _) = OTHER_DISTRICT_OFFICER;
    t.app
        .auth()
        .add_user(
            None,
            &jingzhi_app::auth::NewUserInput {
                username: username.into(),
                password: common::PASSWORD.into(),
                role: role.into(),
                scope_code: district.code,
                display_name: None,
                department: None,
                resident_id: None,
            },
        )
        .await
        .unwrap();
}

/// A second building in the compound of `building` (not named as a secret: the one of
/// community A is in the own community of A's users).
async fn second_building(t: &TestApp, building: &Node) -> Node {
    let root = jingzhi_domain::scope::Scope::new(t.city.id, t.city.path.clone());
    let mut conn = t.app.store.acquire().await.unwrap();
    let compound = jingzhi_store::registry::get_node(
        &mut conn,
        &root,
        building.parent_id.expect("a building has a compound"),
    )
    .await
    .unwrap();
    jingzhi_store::registry::insert_node(
        &mut conn,
        Some(&compound),
        &jingzhi_store::registry::NewNode {
            kind: Some(jingzhi_domain::registry::NodeKind::Building),
            code: format!("{}099", compound.code),
            name: format!("{}99号楼", compound.name),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Community B past the cap: its own buildings placed in a row, five more compounds of 720
/// households each.
async fn grow_b(t: &TestApp) {
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_store::registry as sr;
    let root = jingzhi_domain::scope::Scope::new(t.city.id, t.city.path.clone());
    let own = {
        let mut conn = t.db.store.acquire().await.unwrap();
        sr::nodes_under(&mut conn, &root, &t.comm_b.path, &[NodeKind::Building], 100)
            .await
            .unwrap()
    };
    for (k, b) in own.iter().enumerate() {
        t.place_building(b, k as f64 * 20.0).await;
    }
    t.grow_past_cap(&t.grid_b).await;
}

/// A saved plan for the target's community (its title names the community: a secret outside),
/// moved by the command line to `stage`: `draft` (公众参与), `voting` (the five steps before the
/// meeting recorded) or `approved`. The plan moves nothing, so applying it leaves the tree as it
/// is for the probes that follow.
async fn fresh_plan(t: &TestApp, x: &Target, stage: &str) -> i64 {
    use jingzhi_domain::districting::approval::{Step, DEPARTMENTS};
    let sys = jingzhi_app::Actor::system(&t.city);
    let title = format!("{}社区规模优化方案（范围探针）", x.comm.name);
    let departments = serde_json::to_string(&DEPARTMENTS).unwrap();
    let mut conn = t.app.store.acquire().await.unwrap();
    let id = jingzhi_store::districting::insert_plan(
        &mut conn,
        &jingzhi_store::districting::NewPlan {
            scope: &x.comm,
            mode: "split",
            seed: 1,
            cap: 3000,
            min_households: 1500,
            title: &title,
            plan_json: r#"{"parts":[],"metrics":{},"infeasible":[],"before":{}}"#,
            metrics_json: "{}",
            departments_json: &departments,
            actor_id: None,
            actor_name: "范围探针",
        },
    )
    .await
    .unwrap();
    drop(conn);
    if stage == "draft" {
        return id;
    }
    for step in &Step::ALL[..5] {
        let input = jingzhi_app::districting::StepInput {
            step: step.as_str().into(),
            record: format!("{}记录", x.comm.name),
            documents: vec![],
        };
        t.app
            .districting()
            .record_step(&sys, id, &input)
            .await
            .unwrap();
    }
    if stage == "voting" {
        return id;
    }
    for d in DEPARTMENTS {
        let vote = jingzhi_app::districting::VoteInput {
            department: d.into(),
            vote: "agree".into(),
            note: None,
        };
        t.app.districting().vote(&sys, id, &vote).await.unwrap();
    }
    let input = jingzhi_app::districting::StepInput {
        step: Step::MeetingDecision.as_str().into(),
        record: "会议研究通过".into(),
        documents: vec![],
    };
    let v = t
        .app
        .districting()
        .record_step(&sys, id, &input)
        .await
        .unwrap();
    assert_eq!(v.plan.status, "approved", "{v:?}");
    id
}

async fn districting_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (t, x) = (c.t, c.x);
    let code = &x.comm.code;
    match (method, path) {
        // Every community in scope (cap 0): none of the other's outside.
        ("GET", "/api/v1/districting/oversized") => vec![
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/districting/oversized?cap=0", None)
                    .await,
            ),
            (
                Kind::Search,
                c.call(Method::GET, "/api/v1/districting/oversized", None)
                    .await,
            ),
        ],
        ("GET", "/api/v1/districting/graph") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/districting/graph?scope={code}"),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/districting/plan") => vec![(
            Kind::Item,
            c.call(
                Method::GET,
                &format!("/api/v1/districting/plan?scope={code}&seed=2"),
                None,
            )
            .await,
        )],
        ("GET", "/api/v1/districting/plans") => {
            fresh_plan(t, x, "draft").await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/districting/plans", None).await,
            )]
        }
        ("POST", "/api/v1/districting/plans") => vec![(
            Kind::BodyRef,
            c.call(
                Method::POST,
                "/api/v1/districting/plans",
                Some(serde_json::json!({"scope": code, "mode": "split", "seed": 2})),
            )
            .await,
        )],
        ("GET", "/api/v1/districting/plans/{id}") => {
            let id = fresh_plan(t, x, "draft").await;
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/districting/plans/{id}"),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/districting/plans/{id}/steps") => {
            let id = fresh_plan(t, x, "draft").await;
            let body = serde_json::json!({"step": "public_participation", "record": x.comm.name});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/districting/plans/{id}/steps"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/districting/plans/{id}/comments") => {
            let id = fresh_plan(t, x, "draft").await;
            let body = serde_json::json!({"body": format!("{}意见", x.comm.name)});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/districting/plans/{id}/comments"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/districting/plans/{id}/votes") => {
            // 住建局: department staff of 住建局 vote for it themselves (where the plan covers
            // their place), approvers for any department.
            let id = fresh_plan(t, x, "voting").await;
            let body = serde_json::json!({"department": "住建局", "vote": "agree"});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/districting/plans/{id}/votes"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/districting/plans/{id}/apply") => {
            let id = fresh_plan(t, x, "approved").await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/districting/plans/{id}/apply"),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/districting/edges") => {
            let body = serde_json::json!({"a": x.building.code, "b": x.building2.code, "op": "add",
                "note": x.comm.name});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/districting/edges", Some(body))
                    .await,
            )]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

// ---------------------------------------------------------------------------------------------
// Councils and associations: the things probed are set up over the other community by the
// command line, named after it (its name is a secret), so that a leak shows. (Not PROTECTED: the
// probes of the users above both communities set them up in community B, where community B's
// own worker rightly sees them.)

/// A council over the target's community with `members` property companies.
async fn fresh_council(t: &TestApp, x: &Target, members: usize) -> i64 {
    use jingzhi_app::participation::councils::{NewCouncilInput, NewMemberInput};
    let sys = jingzhi_app::Actor::system(&t.city);
    let p = t.app.participation();
    let c = p
        .create_council(
            &sys,
            &NewCouncilInput {
                node_id: x.comm.id,
                name: format!("{}理事会{}", x.comm.name, seq()),
                term_days: 90,
            },
        )
        .await
        .unwrap();
    for i in 0..members {
        p.add_member(
            &sys,
            c.id,
            &NewMemberInput {
                kind: "property_company".into(),
                name: Some(format!("{}物业{i}", x.comm.name)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    c.id
}

/// An association over the target's community with one merchant at its building.
async fn fresh_association(t: &TestApp, x: &Target) -> i64 {
    use jingzhi_app::participation::councils::{NewAssociationInput, NewMerchantInput};
    let sys = jingzhi_app::Actor::system(&t.city);
    let p = t.app.participation();
    let a = p
        .create_association(
            &sys,
            &NewAssociationInput {
                node_id: x.comm.id,
                name: format!("{}协会{}", x.comm.name, seq()),
                trade: "catering".into(),
            },
        )
        .await
        .unwrap();
    p.create_merchant(
        &sys,
        &NewMerchantInput {
            building_id: x.building.id,
            name: format!("{}商户", x.building.name),
            licence_number: fresh_licence(),
            contact_phone: Some("13712345678".into()),
            association_id: Some(a.id),
        },
    )
    .await
    .unwrap();
    a.id
}

fn fresh_licence() -> String {
    jingzhi_domain::participation::councils::LicenceNumber::complete(&format!(
        "9237100200{:07}",
        seq()
    ))
    .unwrap()
    .as_str()
    .to_string()
}

async fn councils_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    match (method, path) {
        ("POST", "/api/v1/councils") => {
            let body = serde_json::json!({"node_id": x.comm.id, "name": format!("{}理事会", x.comm.name), "term_days": 90});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/councils", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/councils") => {
            fresh_council(t, x, 1).await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/councils", None).await,
            )]
        }
        ("GET", "/api/v1/councils/{id}") => {
            let id = fresh_council(t, x, 2).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/councils/{id}"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/councils/{id}/members") => {
            let id = fresh_council(t, x, 0).await;
            let body = serde_json::json!({"kind": "property_company", "name": format!("{}物业{}", x.comm.name, seq())});
            let community = serde_json::json!({"kind": "community", "node_id": x.comm.id});
            vec![
                (
                    Kind::Item,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/councils/{id}/members"),
                        Some(body),
                    )
                    .await,
                ),
                (
                    Kind::Item,
                    c.call(
                        Method::POST,
                        &format!("/api/v1/councils/{id}/members"),
                        Some(community),
                    )
                    .await,
                ),
            ]
        }
        ("POST", "/api/v1/councils/{id}/handover") => {
            let id = fresh_council(t, x, 2).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/councils/{id}/handover"),
                    Some(serde_json::json!({})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/councils/{id}/matters") => {
            let id = fresh_council(t, x, 1).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/councils/{id}/matters"),
                    Some(serde_json::json!({"title": format!("{}议事", x.comm.name)})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/council-matters/{id}/outcome") => {
            use jingzhi_app::participation::councils::NewMatterInput;
            let council = fresh_council(t, x, 1).await;
            let sys = jingzhi_app::Actor::system(&t.city);
            let m = t
                .app
                .participation()
                .raise_matter(
                    &sys,
                    council,
                    &NewMatterInput {
                        title: format!("{}议事", x.comm.name),
                        raised_at: None,
                    },
                )
                .await
                .unwrap();
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/council-matters/{}/outcome", m.id),
                    Some(serde_json::json!({"outcome": "范围测试"})),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/associations") => {
            let body = serde_json::json!({"node_id": x.comm.id, "name": format!("{}协会{}", x.comm.name, seq()), "trade": "repair"});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/associations", Some(body))
                    .await,
            )]
        }
        ("GET", "/api/v1/associations") => {
            fresh_association(t, x).await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/associations", None).await,
            )]
        }
        ("GET", "/api/v1/associations/{id}") => {
            let id = fresh_association(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/associations/{id}"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/merchants") => {
            let a = fresh_association(t, x).await;
            let body = serde_json::json!({"building_id": x.building.id, "name": format!("{}商户", x.building.name),
                "licence_number": fresh_licence(), "association_id": a});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/merchants", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/merchants") => {
            let a = fresh_association(t, x).await;
            vec![
                (
                    Kind::Search,
                    c.call(Method::GET, "/api/v1/merchants", None).await,
                ),
                (
                    Kind::Item,
                    c.call(
                        Method::GET,
                        &format!("/api/v1/merchants?association_id={a}"),
                        None,
                    )
                    .await,
                ),
            ]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A fund of the target's community holding 1,000 yuan of income, with a pending spending of
/// 100 yuan (both recorded by the command line): (fund, income entry, pending spending).
async fn fresh_fund(t: &TestApp, x: &Target) -> (i64, i64, i64) {
    use jingzhi_app::funds::{EntryInput, FundInput};
    let sys = jingzhi_app::Actor::system(&t.city);
    let f = t.app.funds();
    let fund = f
        .create(
            &sys,
            &FundInput {
                node_id: x.comm.id,
                name: format!("{}基金{}", x.comm.name, seq()),
                kind: "community".into(),
                threshold_fen: None,
            },
        )
        .await
        .unwrap();
    let income = f
        .record(
            &sys,
            fund.id,
            &EntryInput {
                kind: "income".into(),
                category: "donation".into(),
                amount_fen: 100_000,
                purpose: format!("{}捐赠", x.comm.name),
                voucher_no: format!("JZ-{}", seq()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let pending = f
        .record(
            &sys,
            fund.id,
            &EntryInput {
                kind: "spending".into(),
                category: "public_service".into(),
                amount_fen: 10_000,
                purpose: format!("{}公共服务", x.comm.name),
                voucher_no: format!("JZ-{}", seq()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (fund.id, income.id, pending.id)
}

async fn funds_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let reason = || Some(serde_json::json!({"reason": "核对有误"}));
    match (method, path) {
        ("POST", "/api/v1/funds") => {
            let body = serde_json::json!({"node_id": x.comm.id, "name": format!("{}基金", x.comm.name), "kind": "shared"});
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/funds", Some(body)).await,
            )]
        }
        ("GET", "/api/v1/funds") => {
            fresh_fund(t, x).await;
            vec![(
                Kind::Search,
                c.call(Method::GET, "/api/v1/funds", None).await,
            )]
        }
        ("GET", "/api/v1/funds/{id}") => {
            let (f, _, _) = fresh_fund(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/funds/{f}"), None)
                    .await,
            )]
        }
        ("POST", "/api/v1/funds/{id}/entries") => {
            let (f, _, _) = fresh_fund(t, x).await;
            let body = serde_json::json!({"kind": "income", "category": "parking_rent", "amount_fen": 50000, "purpose": "车位租金", "voucher_no": format!("ZJ-{}", seq())});
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/funds/{f}/entries"),
                    Some(body),
                )
                .await,
            )]
        }
        ("GET", "/api/v1/fund-entries/{id}") => {
            let (_, e, _) = fresh_fund(t, x).await;
            vec![(
                Kind::Item,
                c.call(Method::GET, &format!("/api/v1/fund-entries/{e}"), None)
                    .await,
            )]
        }
        ("PATCH", "/api/v1/fund-entries/{id}") => {
            // Recorded by the command line: the caller is never its recorder (403 in scope).
            let (_, _, p) = fresh_fund(t, x).await;
            let body = serde_json::json!({"amount_fen": 12000, "purpose": "改", "voucher_no": "X"});
            vec![(
                Kind::Item,
                c.call(
                    Method::PATCH,
                    &format!("/api/v1/fund-entries/{p}"),
                    Some(body),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/fund-entries/{id}/approve") => {
            let (_, _, p) = fresh_fund(t, x).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/fund-entries/{p}/approve"),
                    None,
                )
                .await,
            )]
        }
        ("POST", "/api/v1/fund-entries/{id}/reject") => {
            let (_, _, p) = fresh_fund(t, x).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/fund-entries/{p}/reject"),
                    reason(),
                )
                .await,
            )]
        }
        ("POST", "/api/v1/fund-entries/{id}/reversal") => {
            let (_, e, _) = fresh_fund(t, x).await;
            vec![(
                Kind::Item,
                c.call(
                    Method::POST,
                    &format!("/api/v1/fund-entries/{e}/reversal"),
                    reason(),
                )
                .await,
            )]
        }
        ("PUT", "/api/v1/fund-entries/{id}/voucher") => {
            let (_, _, p) = fresh_fund(t, x).await;
            let req = Request::builder()
                .method(Method::PUT)
                .uri(format!("/api/v1/fund-entries/{p}/voucher"))
                .header(header::AUTHORIZATION, format!("Bearer {}", c.token))
                .header(header::CONTENT_TYPE, "image/png")
                .body(Body::from(PNG.to_vec()))
                .unwrap();
            vec![(Kind::Item, t.send(req).await)]
        }
        ("GET", "/api/v1/fund-entries/{id}/voucher") => {
            let (_, _, p) = fresh_fund(t, x).await;
            let sys = jingzhi_app::Actor::system(&t.city);
            t.app.funds().put_voucher(&sys, p, PNG).await.unwrap();
            vec![(
                Kind::Item,
                c.call(
                    Method::GET,
                    &format!("/api/v1/fund-entries/{p}/voucher"),
                    None,
                )
                .await,
            )]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// Integrity work in the target community, made by the command line: a worker (named after the
/// community) with a plain record and an appealed minus record (evidence attached), a
/// project it adopted with a delivery reported, a reward anyone may get.
/// Numbers for the integrity probes' names (apart from `seq`, which also numbers ID cards).
static ISEQ: AtomicU32 = AtomicU32::new(1);

fn iseq() -> u32 {
    ISEQ.fetch_add(1, Ordering::SeqCst)
}

struct IntegrityFix {
    subject: i64,
    record: i64,
    appealed: i64,
    project: i64,
    adoption: i64,
    delivery: i64,
    reward: i64,
}

async fn fresh_integrity(t: &TestApp, x: &Target) -> IntegrityFix {
    use jingzhi_app::demo::integrity::demo_pdf;
    use jingzhi_app::integrity::{ProjectInput, RecordInput, RewardInput, SubjectInput};
    let sys = jingzhi_app::Actor::system(&t.city);
    let ig = t.app.integrity();
    let n = iseq();
    let subject = ig
        .create_subject(
            &sys,
            &SubjectInput {
                kind: "worker".into(),
                node_id: Some(x.comm.id),
                name: format!("{}骑手{n}", x.comm.name),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let rec = |code: &str| RecordInput {
        item_code: code.into(),
        evidence: Some(demo_pdf("probe")),
        ..Default::default()
    };
    let record = ig.record(&sys, subject.id, &rec("P010")).await.unwrap();
    let appealed = ig.record(&sys, subject.id, &rec("M004")).await.unwrap();
    let mut conn = t.app.store.acquire().await.unwrap();
    jingzhi_store::integrity::insert_appeal(
        &mut conn,
        appealed.id,
        &appealed.path,
        "申诉",
        None,
        "probe",
        jingzhi_domain::time_fmt::now_ms(),
    )
    .await
    .unwrap();
    drop(conn);
    let project = ig
        .create_project(
            &sys,
            &ProjectInput {
                node_id: x.comm.id,
                title: format!("{}项目{n}", x.comm.name),
                description: "为老人送餐".into(),
                schedule: "每月".into(),
                item_code: "P080".into(),
            },
        )
        .await
        .unwrap();
    let adoption = ig.adopt(&sys, project.id, subject.id).await.unwrap();
    let delivery = ig
        .report_delivery(&sys, adoption.id, "", "送餐12份")
        .await
        .unwrap();
    let reward = ig
        .create_reward(
            &sys,
            &RewardInput {
                node_id: x.comm.id,
                title: format!("{}激励{n}", x.comm.name),
                description: "托管".into(),
                min_stars: 0,
            },
        )
        .await
        .unwrap();
    IntegrityFix {
        subject: subject.id,
        record: record.id,
        appealed: appealed.id,
        project: project.id,
        adoption: adoption.id,
        delivery: delivery.id,
        reward: reward.id,
    }
}

async fn integrity_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let one = |k: Kind, r: Resp| vec![(k, r)];
    match (method, path) {
        ("GET", "/api/v1/integrity/subjects") => {
            fresh_integrity(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/integrity/subjects", None)
                    .await,
            )
        }
        ("POST", "/api/v1/integrity/subjects") => {
            let body = serde_json::json!({"kind": "platform", "node_id": x.comm.id, "name": format!("平台{}", iseq())});
            one(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/integrity/subjects", Some(body))
                    .await,
            )
        }
        ("GET", "/api/v1/integrity/subjects/{id}") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/subjects/{}", f.subject);
            one(Kind::Item, c.call(Method::GET, &uri, None).await)
        }
        ("POST", "/api/v1/integrity/subjects/{id}/records") => {
            let f = fresh_integrity(t, x).await;
            let pdf = jingzhi_app::demo::integrity::demo_pdf("probe");
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pdf);
            let body = serde_json::json!({"item_code": "P010", "evidence_base64": b64});
            let uri = format!("/api/v1/integrity/subjects/{}/records", f.subject);
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("POST", "/api/v1/integrity/subjects/{id}/agreements") => {
            let f = fresh_integrity(t, x).await;
            let body = serde_json::json!({"title": "协议", "terms": "条款", "signatories": "双方", "ends_on": "2030-01-01"});
            let uri = format!("/api/v1/integrity/subjects/{}/agreements", f.subject);
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("POST", "/api/v1/integrity/subjects/{id}/operators") => {
            let f = fresh_integrity(t, x).await;
            // A resident of the target community (not a caller: linking a caller would let them
            // act for the target's subjects by design).
            let res = fresh_resident(t, &x.hh).await;
            let username = format!("probe.resident{}", iseq());
            t.app
                .auth()
                .add_user(
                    None,
                    &jingzhi_app::auth::NewUserInput {
                        username: username.clone(),
                        password: "probe-password-1".into(),
                        role: "resident".into(),
                        scope_code: x.comm.code.clone(),
                        display_name: Some(format!("{}居民", x.comm.name)),
                        department: None,
                        resident_id: Some(res.id),
                    },
                )
                .await
                .unwrap();
            let body = serde_json::json!({"username": username});
            let uri = format!("/api/v1/integrity/subjects/{}/operators", f.subject);
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("GET", "/api/v1/integrity/records/{id}") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/records/{}", f.record);
            one(Kind::Item, c.call(Method::GET, &uri, None).await)
        }
        ("GET", "/api/v1/integrity/records/{id}/evidence") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/records/{}/evidence", f.record);
            one(Kind::Item, c.call(Method::GET, &uri, None).await)
        }
        ("POST", "/api/v1/integrity/records/{id}/appeal") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/records/{}/appeal", f.record);
            let body = serde_json::json!({"reason": "不实"});
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("POST", "/api/v1/integrity/records/{id}/review") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/records/{}/review", f.appealed);
            let body = serde_json::json!({"outcome": "uphold", "reason": "查实"});
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("GET", "/api/v1/integrity/appeals") => {
            fresh_integrity(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/integrity/appeals", None).await,
            )
        }
        ("GET", "/api/v1/integrity/projects") => {
            fresh_integrity(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/integrity/projects", None)
                    .await,
            )
        }
        ("POST", "/api/v1/integrity/projects") => {
            let body = serde_json::json!({"node_id": x.comm.id, "title": "项目", "description": "内容", "schedule": "每月", "item_code": "P080"});
            one(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/integrity/projects", Some(body))
                    .await,
            )
        }
        ("GET", "/api/v1/integrity/projects/{id}") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/projects/{}", f.project);
            one(Kind::Item, c.call(Method::GET, &uri, None).await)
        }
        ("POST", "/api/v1/integrity/projects/{id}/adoptions") => {
            let f = fresh_integrity(t, x).await;
            let g = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/projects/{}/adoptions", f.project);
            let body = serde_json::json!({"subject_id": g.subject});
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("POST", "/api/v1/integrity/adoptions/{id}/deliveries") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/adoptions/{}/deliveries", f.adoption);
            let body = serde_json::json!({"note": "送餐"});
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("POST", "/api/v1/integrity/deliveries/{id}/confirm") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/deliveries/{}/confirm", f.delivery);
            one(Kind::Item, c.call(Method::POST, &uri, None).await)
        }
        ("GET", "/api/v1/integrity/rewards") => {
            fresh_integrity(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/integrity/rewards", None).await,
            )
        }
        ("POST", "/api/v1/integrity/rewards") => {
            let body = serde_json::json!({"node_id": x.comm.id, "title": "激励", "description": "内容", "min_stars": 0});
            one(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/integrity/rewards", Some(body))
                    .await,
            )
        }
        ("POST", "/api/v1/integrity/rewards/{id}/grants") => {
            let f = fresh_integrity(t, x).await;
            let uri = format!("/api/v1/integrity/rewards/{}/grants", f.reward);
            let body = serde_json::json!({"subject_id": f.subject});
            one(Kind::Item, c.call(Method::POST, &uri, Some(body)).await)
        }
        ("GET", "/api/v1/integrity/catalogue") => one(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/integrity/catalogue", None)
                .await,
        ),
        ("GET", "/api/v1/integrity/catalogue/export") => one(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/integrity/catalogue/export", None)
                .await,
        ),
        ("PUT", "/api/v1/integrity/catalogue") => {
            let sys = jingzhi_app::Actor::system(&t.city);
            let bytes = t
                .app
                .integrity()
                .export_catalogue(&sys, None)
                .await
                .unwrap();
            let req = Request::builder()
                .method(Method::PUT)
                .uri(format!("/api/v1/integrity/catalogue?name=v{}", iseq()))
                .header(header::AUTHORIZATION, format!("Bearer {}", c.token))
                .header(header::CONTENT_TYPE, jingzhi_app::import::XLSX_CONTENT_TYPE)
                .body(Body::from(bytes))
                .unwrap();
            one(Kind::NoIds, t.send(req).await)
        }
        ("PUT", "/api/v1/integrity/rules") => {
            let body = serde_json::json!({"base": 100, "stars": [100, 110, 120, 135, 150], "appeal_days": 15});
            one(
                Kind::NoIds,
                c.call(Method::PUT, "/api/v1/integrity/rules", Some(body))
                    .await,
            )
        }
        ("GET", "/api/v1/integrity/mine") => one(
            Kind::NoIds,
            c.call(Method::GET, "/api/v1/integrity/mine", None).await,
        ),
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A shared space of the target community with a contract (rent to a fund there), made by the
/// command line: (space, contract, fund).
async fn fresh_parking(t: &TestApp, x: &Target) -> (i64, i64, i64) {
    use jingzhi_app::parking::{ContractInput, SpaceInput};
    let sys = jingzhi_app::Actor::system(&t.city);
    let (fund, _, _) = fresh_fund(t, x).await;
    let n = iseq();
    let space = t
        .app
        .parking()
        .create_space(
            &sys,
            &SpaceInput {
                node_id: x.comm.id,
                number: format!("P-{n}"),
                note: format!("{}车位", x.comm.name),
                windows: vec![],
            },
        )
        .await
        .unwrap();
    let c = t
        .app
        .parking()
        .create_contract(
            &sys,
            &ContractInput {
                space_id: space.id,
                fund_id: fund,
                tenant: format!("{}租户", x.comm.name),
                starts_on: "2026-01-01".into(),
                ends_on: "2030-12-31".into(),
                period: "month".into(),
                rent_fen: 5_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (space.id, c.id, fund)
}

async fn parking_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let one = |k: Kind, r: Resp| vec![(k, r)];
    match (method, path) {
        ("GET", "/api/v1/parking/spaces") => {
            fresh_parking(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/parking/spaces", None).await,
            )
        }
        ("POST", "/api/v1/parking/spaces") => {
            let body = serde_json::json!({"node_id": x.comm.id, "number": format!("Q-{}", iseq()),
                "windows": [{"days": [1, 2, 3, 4, 5], "start": 480, "end": 1080}]});
            one(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/parking/spaces", Some(body))
                    .await,
            )
        }
        ("GET", "/api/v1/parking/contracts") => {
            fresh_parking(t, x).await;
            one(
                Kind::Search,
                c.call(Method::GET, "/api/v1/parking/contracts", None).await,
            )
        }
        ("POST", "/api/v1/parking/contracts") => {
            // The space's whole day is let already: a new space for the body.
            let (_, _, fund) = fresh_parking(t, x).await;
            let sys = jingzhi_app::Actor::system(&t.city);
            let free = t
                .app
                .parking()
                .create_space(
                    &sys,
                    &jingzhi_app::parking::SpaceInput {
                        node_id: x.comm.id,
                        number: format!("R-{}", iseq()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let body = serde_json::json!({"space_id": free.id, "fund_id": fund, "tenant": "租户",
                "ends_on": "2027-12-31", "period": "year", "rent_fen": 50000});
            one(
                Kind::BodyRef,
                c.call(Method::POST, "/api/v1/parking/contracts", Some(body))
                    .await,
            )
        }
        ("POST", "/api/v1/parking/contracts/{id}/payments") => {
            let (_, k, _) = fresh_parking(t, x).await;
            let uri = format!("/api/v1/parking/contracts/{k}/payments");
            one(
                Kind::Item,
                c.call(Method::POST, &uri, Some(serde_json::json!({})))
                    .await,
            )
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A team of the target's community with the target's user as a member: its id.
async fn fresh_team(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    let e = t.app.emergency();
    let team = e
        .create_team(
            &sys,
            &jingzhi_app::emergency::TeamInput {
                node_id: x.comm.id,
                kind: "emergency".into(),
                name: format!("{}应急队{}", x.comm.name, iseq()),
            },
        )
        .await
        .unwrap();
    e.add_member(&sys, team.id, x.user_id, "", true)
        .await
        .unwrap();
    team.id
}

/// An active incident over the target's community covering the target's household, and a new
/// household of the community it does not cover: (incident, household).
async fn fresh_incident(t: &TestApp, x: &Target) -> (i64, i64) {
    let sys = jingzhi_app::Actor::system(&t.city);
    let e = t.app.emergency();
    let a = e
        .declare(
            &sys,
            &jingzhi_app::emergency::IncidentInput {
                kind: "typhoon".into(),
                node_id: x.comm.id,
                title: format!("{}台风{}", x.comm.name, iseq()),
                retry_minutes: None,
            },
        )
        .await
        .unwrap();
    let _ = e.add_household(&sys, a.incident.id, x.hh.id).await;
    // Not `fresh_household`: `seq()` numbers ID cards too, and must not run out.
    let spare = t
        .app
        .registry()
        .create_household(
            &sys,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(x.building2.id),
                unit: Some(4),
                room: format!("{}", 4000 + iseq()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (a.incident.id, spare.id)
}

async fn emergency_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let one = |k: Kind, r: Resp| vec![(k, r)];
    let item = |k: &str, id: i64| path.replace("{id}", &id.to_string()).replace("{k}", k);
    match (method, path) {
        ("GET", "/api/v1/teams") => {
            fresh_team(t, x).await;
            one(Kind::Search, c.call(Method::GET, path, None).await)
        }
        ("POST", "/api/v1/teams") => {
            let body = serde_json::json!({"node_id": x.comm.id, "kind": "volunteer",
                "name": format!("{}志愿队{}", x.comm.name, iseq())});
            one(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)
        }
        ("GET", "/api/v1/teams/{id}") => {
            let id = fresh_team(t, x).await;
            one(Kind::Item, c.call(Method::GET, &item("", id), None).await)
        }
        ("POST", "/api/v1/teams/{id}/members") => {
            // A fresh team without members: the target's user joins it.
            let sys = jingzhi_app::Actor::system(&t.city);
            let team = t
                .app
                .emergency()
                .create_team(
                    &sys,
                    &jingzhi_app::emergency::TeamInput {
                        node_id: x.comm.id,
                        kind: "volunteer".into(),
                        name: format!("{}志愿队{}", x.comm.name, iseq()),
                    },
                )
                .await
                .unwrap();
            let body = serde_json::json!({"user_id": x.user_id, "skills": "急救"});
            one(
                Kind::Item,
                c.call(Method::POST, &item("", team.id), Some(body)).await,
            )
        }
        ("POST", "/api/v1/teams/{id}/members/remove") => {
            let id = fresh_team(t, x).await;
            let body = serde_json::json!({"user_id": x.user_id});
            one(
                Kind::Item,
                c.call(Method::POST, &item("", id), Some(body)).await,
            )
        }
        ("GET", "/api/v1/incidents") => {
            fresh_incident(t, x).await;
            one(Kind::Search, c.call(Method::GET, path, None).await)
        }
        ("POST", "/api/v1/incidents") => {
            let body = serde_json::json!({"kind": "flood", "node_id": x.comm.id,
                "title": format!("{}内涝{}", x.comm.name, iseq())});
            one(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)
        }
        ("GET", p) if p.starts_with("/api/v1/incidents/{id}") => {
            let (id, _) = fresh_incident(t, x).await;
            one(Kind::Item, c.call(Method::GET, &item("", id), None).await)
        }
        ("POST", "/api/v1/incidents/{id}/households") => {
            let (id, spare) = fresh_incident(t, x).await;
            let body = serde_json::json!({"household_id": spare});
            one(
                Kind::Item,
                c.call(Method::POST, &item("", id), Some(body)).await,
            )
        }
        ("POST", "/api/v1/incidents/{id}/checks") => {
            let (id, _) = fresh_incident(t, x).await;
            let body =
                serde_json::json!({"household_id": x.hh.id, "status": "safe", "note": "平安"});
            one(
                Kind::Item,
                c.call(Method::POST, &item("", id), Some(body)).await,
            )
        }
        ("POST", "/api/v1/incidents/{id}/stand-down") => {
            let (id, _) = fresh_incident(t, x).await;
            one(Kind::Item, c.call(Method::POST, &item("", id), None).await)
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A care record for a fresh resident of the target's community, its household coloured red
/// (income far below the line) with an open case referred to 住建局; `lifted`: the warning then
/// lifted (the case may close). (record, household, case, referral).
async fn fresh_care(t: &TestApp, x: &Target, lifted: bool) -> (i64, i64, i64, i64) {
    let sys = jingzhi_app::Actor::system(&t.city);
    let care = t.app.care();
    let hh = fresh_household(t, &x.building).await;
    let res = care_resident(t, &hh).await;
    let rec = care
        .open_record(
            &sys,
            &jingzhi_app::care::RecordInput {
                resident_id: res.id,
                kind: "disabled".into(),
                detail: jingzhi_domain::care::Detail {
                    disability_type: Some(jingzhi_domain::care::DisabilityType::Visual),
                    disability_grade: Some(1),
                    plan: "定期探访".into(),
                    ..Default::default()
                },
                worker_user_id: None,
                visit_every_days: None,
            },
        )
        .await
        .unwrap();
    care.set_facts(&sys, hh.id, Some(100), 0).await.unwrap();
    let case = care.household(&sys, hh.id).await.unwrap().case.unwrap().id;
    let v = care
        .refer(
            &sys,
            case,
            "zhujian",
            &format!("{}危房鉴定", x.building.name),
            7,
        )
        .await
        .unwrap();
    if lifted {
        care.set_facts(&sys, hh.id, Some(5000), 0).await.unwrap();
    }
    (rec.id, hh.id, case, v.referrals[0].id)
}

/// A resident whose name is not a secret (care lists of the caller's own community show the
/// residents the other side's probes created there; the address, naming the building, is).
async fn care_resident(t: &TestApp, hh: &Household) -> Resident {
    let root = jingzhi_app::Actor::system(&t.city);
    let input = jingzhi_domain::registry::ResidentInput {
        name: "关爱对象".into(),
        id_number: new_id_number(),
        ..Default::default()
    };
    t.app
        .registry()
        .create_resident(&root, hh.id, &input)
        .await
        .unwrap()
}

async fn care_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let one = |k: Kind, r: Resp| vec![(k, r)];
    let at = |id: i64| path.replace("{id}", &id.to_string());
    let text = serde_json::json!({"text": "探针"});
    match (method, path) {
        ("GET", "/api/v1/care/records")
        | ("GET", "/api/v1/care/cases")
        | ("GET", "/api/v1/care/visits")
        | ("GET", "/api/v1/care/candidates") => {
            fresh_care(t, x, false).await;
            one(Kind::Search, c.call(Method::GET, path, None).await)
        }
        ("POST", "/api/v1/care/records") => {
            let hh = fresh_household(t, &x.building).await;
            let res = care_resident(t, &hh).await;
            let body = serde_json::json!({"resident_id": res.id, "kind": "elderly",
                "detail": {"age_band": "old", "living_alone": true}});
            one(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)
        }
        ("GET", "/api/v1/care/records/{id}") | ("POST", "/api/v1/care/records/{id}") => {
            let (rec, ..) = fresh_care(t, x, false).await;
            let body = (method == "POST").then(|| {
                serde_json::json!({"detail": {"disability_type": "hearing", "disability_grade": 3},
                    "visit_every_days": 7})
            });
            let m = if method == "POST" {
                Method::POST
            } else {
                Method::GET
            };
            one(Kind::Item, c.call(m, &at(rec), body).await)
        }
        ("POST", "/api/v1/care/records/{id}/close") => {
            let (rec, ..) = fresh_care(t, x, false).await;
            let body = serde_json::json!({"reason": "迁出"});
            one(Kind::Item, c.call(Method::POST, &at(rec), Some(body)).await)
        }
        ("GET", "/api/v1/care/households/{id}") => {
            let (_, hh, ..) = fresh_care(t, x, false).await;
            one(Kind::Item, c.call(Method::GET, &at(hh), None).await)
        }
        ("POST", "/api/v1/care/households/{id}/facts") => {
            let (_, hh, ..) = fresh_care(t, x, false).await;
            let body = serde_json::json!({"income_per_head": 1200, "arrears_months": 1});
            one(Kind::Item, c.call(Method::POST, &at(hh), Some(body)).await)
        }
        ("POST", "/api/v1/care/households/{id}/hardships") => {
            let (_, hh, ..) = fresh_care(t, x, false).await;
            let today = jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today());
            let body = serde_json::json!({"kind": "job_loss", "happened_on": today});
            one(Kind::Item, c.call(Method::POST, &at(hh), Some(body)).await)
        }
        ("GET", "/api/v1/care/rules") | ("GET", "/api/v1/care/overview") => {
            one(Kind::NoIds, c.call(Method::GET, path, None).await)
        }
        ("POST", "/api/v1/care/rules") => {
            let rules = serde_json::to_value(jingzhi_domain::care::default_rules()).unwrap();
            let body = serde_json::json!({"rules": rules, "note": "范围探针"});
            one(Kind::NoIds, c.call(Method::POST, path, Some(body)).await)
        }
        ("POST", "/api/v1/care/recompute") => {
            one(Kind::NoIds, c.call(Method::POST, path, None).await)
        }
        ("GET", "/api/v1/care/referrals") => {
            fresh_care(t, x, false).await;
            one(Kind::NoIds, c.call(Method::GET, path, None).await)
        }
        ("GET", "/api/v1/care/cases/{id}") => {
            let (_, _, case, _) = fresh_care(t, x, false).await;
            one(Kind::Item, c.call(Method::GET, &at(case), None).await)
        }
        ("POST", "/api/v1/care/cases/{id}/assessment")
        | ("POST", "/api/v1/care/cases/{id}/help")
        | ("POST", "/api/v1/care/cases/{id}/close") => {
            let (_, _, case, _) = fresh_care(t, x, path.ends_with("/close")).await;
            one(
                Kind::Item,
                c.call(Method::POST, &at(case), Some(text)).await,
            )
        }
        ("POST", "/api/v1/care/cases/{id}/referrals") => {
            let (_, _, case, _) = fresh_care(t, x, false).await;
            let body =
                serde_json::json!({"department": "zhujian", "request": "危房鉴定", "days": 15});
            one(
                Kind::Item,
                c.call(Method::POST, &at(case), Some(body)).await,
            )
        }
        ("POST", "/api/v1/care/referrals/{id}/answer") => {
            let (.., referral) = fresh_care(t, x, false).await;
            one(
                Kind::Item,
                c.call(Method::POST, &at(referral), Some(text)).await,
            )
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A volunteer team of the target's community led by a fresh steward of it, with a member of it
/// who logged two hours today: (team, entry).
async fn fresh_hours(t: &TestApp, x: &Target) -> (i64, i64) {
    let sys = jingzhi_app::Actor::system(&t.city);
    let team = fresh_team(t, x).await;
    // A steward of the community (named without a secret: the caller's own lists show the
    // volunteers the other side's probes made there).
    let user = t
        .app
        .auth()
        .add_user(
            None,
            &jingzhi_app::auth::NewUserInput {
                username: format!("probe.volunteer{}", iseq()),
                password: "probe-password-1".into(),
                role: "steward".into(),
                scope_code: x.comm.code.clone(),
                display_name: Some("志愿者".into()),
                department: None,
                resident_id: None,
            },
        )
        .await
        .unwrap();
    t.app
        .emergency()
        .add_member(&sys, team, user.id, "", false)
        .await
        .unwrap();
    let h = t
        .app
        .volunteering()
        .log(
            &jingzhi_app::Actor::new(user.clone()),
            &jingzhi_app::volunteering::LogInput {
                team_id: team,
                served_on: jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today()),
                minutes: 120,
                activity: format!("{}巡查", x.building.name),
            },
        )
        .await
        .unwrap();
    (team, h.id)
}

async fn volunteering_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    match (method, path) {
        ("GET", _) => {
            fresh_hours(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/volunteer-hours") => {
            // Outside: a team of the other community, which the caller is not on (422). Inside
            // (a scope above both communities): a team of the caller's own place with the
            // caller on it, which they log hours with.
            let me = c.call(Method::GET, "/api/v1/me", None).await.json();
            let (me_id, scope) = (
                me["id"].as_i64().unwrap(),
                me["scope"]["node_id"].as_i64().unwrap(),
            );
            let sys = jingzhi_app::Actor::system(&t.city);
            let above = {
                let mut conn = t.app.store.acquire().await.unwrap();
                let n = jingzhi_store::registry::get_node_unscoped(&mut conn, scope)
                    .await
                    .unwrap();
                x.comm.path.starts_with(&n.path)
            };
            let team = if above {
                let e = t.app.emergency();
                let team = e
                    .create_team(
                        &sys,
                        &jingzhi_app::emergency::TeamInput {
                            node_id: scope,
                            kind: "volunteer".into(),
                            name: format!("志愿队{}", iseq()),
                        },
                    )
                    .await
                    .unwrap();
                e.add_member(&sys, team.id, me_id, "", false).await.unwrap();
                team.id
            } else {
                fresh_team(t, x).await
            };
            let body = serde_json::json!({"team_id": team, "served_on":
                jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today()),
                "minutes": 60, "activity": "送餐"});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("POST", "/api/v1/volunteer-hours/{id}/decision") => {
            let (_, id) = fresh_hours(t, x).await;
            let body = serde_json::json!({"confirm": true});
            let p = path.replace("{id}", &id.to_string());
            vec![(Kind::Item, c.call(Method::POST, &p, Some(body)).await)]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// An activity over the target's community (thirty places):
/// starting in two days, or (`held`) one that started an hour ago.
async fn fresh_activity(t: &TestApp, x: &Target, held: bool) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    let now = jingzhi_domain::time_fmt::now_ms();
    let hour = 3600 * 1000;
    let (at, start) = if held {
        (now - 2 * hour, now - hour)
    } else {
        (now, now + 48 * hour)
    };
    let a = t
        .app
        .activities()
        .create_at(
            &sys,
            &jingzhi_app::activities::ActivityInput {
                node_id: x.comm.id,
                category: "sport".into(),
                title: format!("{}健步走{}", x.comm.name, iseq()),
                description: String::new(),
                venue: "社区广场".into(),
                starts_at: jingzhi_domain::time_fmt::format_w3c(start),
                ends_at: jingzhi_domain::time_fmt::format_w3c(start + 2 * hour),
                capacity: Some(30),
            },
            at,
        )
        .await
        .unwrap();
    a.id
}

async fn activities_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let at = |id: i64| path.replace("{id}", &id.to_string());
    match (method, path) {
        ("GET", "/api/v1/activities") => {
            fresh_activity(t, x, false).await;
            vec![
                (Kind::Search, c.call(Method::GET, path, None).await),
                (
                    Kind::Search,
                    c.call(Method::GET, "/api/v1/activities?past=true", None)
                        .await,
                ),
            ]
        }
        ("GET", "/api/v1/activities/numbers") => {
            vec![(Kind::NoIds, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/activities") => {
            let start = jingzhi_domain::time_fmt::now_ms() + 72 * 3600 * 1000;
            let body = serde_json::json!({"node_id": x.comm.id, "category": "reading",
                "title": "读书会", "venue": "书屋",
                "starts_at": jingzhi_domain::time_fmt::format_w3c(start),
                "ends_at": jingzhi_domain::time_fmt::format_w3c(start + 3600 * 1000)});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("POST", "/api/v1/activities/{id}/attendance") => {
            let id = fresh_activity(t, x, true).await;
            let body = serde_json::json!({"present": []});
            vec![(Kind::Item, c.call(Method::POST, &at(id), Some(body)).await)]
        }
        ("POST", "/api/v1/activities/{id}/cancel") => {
            let id = fresh_activity(t, x, false).await;
            let body = serde_json::json!({"reason": "场地维修"});
            vec![(Kind::Item, c.call(Method::POST, &at(id), Some(body)).await)]
        }
        (m, "/api/v1/activities/{id}") | (m, "/api/v1/activities/{id}/signup") => {
            let id = fresh_activity(t, x, false).await;
            let m = Method::from_bytes(m.as_bytes()).unwrap();
            vec![(Kind::Item, c.call(m, &at(id), None).await)]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A family-doctor team serving the target's community (named after it: a secret of that
/// community only).
async fn fresh_doctor_team(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app
        .doctors()
        .create_team(
            &sys,
            &jingzhi_app::doctors::TeamInput {
                node_id: x.comm.id,
                name: format!("{}医生团队{}", x.comm.name, iseq()),
                institution: format!("{}卫生服务站", x.comm.name),
                lead_doctor: "张红".into(),
                code: None,
            },
        )
        .await
        .unwrap()
        .id
}

/// A key-group resident of a new household in the target's building, named after the target's
/// community (the caller's own lists show the residents the other side's probes made there;
/// never the protected name, a secret of both sides).
async fn fresh_key_resident(t: &TestApp, x: &Target) -> Resident {
    let root = jingzhi_app::Actor::system(&t.city);
    let hh = fresh_household(t, &x.building).await;
    let input = jingzhi_domain::registry::ResidentInput {
        name: format!("{}居民", x.comm.name),
        id_number: new_id_number(),
        family_doctor_key: true,
        ..Default::default()
    };
    t.app
        .registry()
        .create_resident(&root, hh.id, &input)
        .await
        .unwrap()
}

/// A live family-doctor contract of a fresh key-group resident of the target's community.
async fn fresh_doctor_contract(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    let team = fresh_doctor_team(t, x).await;
    let res = fresh_key_resident(t, x).await;
    t.app
        .doctors()
        .sign(
            &sys,
            &jingzhi_app::doctors::SignInput {
                resident_id: res.id,
                team_id: team,
                groups: vec!["elderly".into(), "chronic".into()],
                signed_on: None,
            },
        )
        .await
        .unwrap()
        .id
}

async fn doctors_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let at = |id: i64| path.replace("{id}", &id.to_string());
    match (method, path) {
        ("GET", "/api/v1/doctor-teams") => {
            fresh_doctor_team(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/doctor-teams") => {
            let body = serde_json::json!({"node_id": x.comm.id, "name": "新医生团队",
                "institution": "社区卫生服务中心", "lead_doctor": "李敏"});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("GET", "/api/v1/doctor-contracts") => {
            fresh_doctor_contract(t, x).await;
            vec![
                (Kind::Search, c.call(Method::GET, path, None).await),
                (
                    Kind::Search,
                    c.call(Method::GET, "/api/v1/doctor-contracts?ending=true", None)
                        .await,
                ),
            ]
        }
        ("POST", "/api/v1/doctor-contracts") => {
            // A key-group resident of the target's community with a team serving it: outside
            // the scope the resident is not found.
            let team = fresh_doctor_team(t, x).await;
            let res = fresh_key_resident(t, x).await;
            let body = serde_json::json!({"resident_id": res.id, "team_id": team,
                "groups": ["elderly"]});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("GET", "/api/v1/doctor-contracts/unsigned") => {
            fresh_key_resident(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("GET", "/api/v1/doctor-contracts/coverage") | ("GET", "/api/v1/doctor-contracts/mine") => {
            vec![(Kind::NoIds, c.call(Method::GET, path, None).await)]
        }
        ("GET", "/api/v1/doctor-contracts/{id}") => {
            let id = fresh_doctor_contract(t, x).await;
            vec![(Kind::Item, c.call(Method::GET, &at(id), None).await)]
        }
        ("POST", "/api/v1/doctor-contracts/{id}/end") => {
            let id = fresh_doctor_contract(t, x).await;
            let body = serde_json::json!({"reason": "迁往外地"});
            vec![(Kind::Item, c.call(Method::POST, &at(id), Some(body)).await)]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A phone number no one else in the test has.
fn fresh_phone() -> String {
    format!("139{:08}", iseq())
}

/// A doctor on the register of people who can be mobilised, serving the target's community.
async fn fresh_force(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app
        .forces()
        .add(
            &sys,
            &jingzhi_app::forces::MemberInput {
                node_id: x.comm.id,
                kind: "doctor".into(),
                name: format!("{}医生{}", x.comm.name, iseq()),
                skills: vec!["medical".into()],
                availability: "weekdays".into(),
                phone: fresh_phone(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn forces_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let at = |id: i64| path.replace("{id}", &id.to_string());
    let body = || {
        serde_json::json!({"node_id": x.comm.id, "kind": "lawyer", "name": "律师",
            "skills": ["legal"], "availability": "anytime", "phone": fresh_phone()})
    };
    match (method, path) {
        ("GET", "/api/v1/forces") => {
            fresh_force(t, x).await;
            vec![
                (Kind::Search, c.call(Method::GET, path, None).await),
                (
                    Kind::Item,
                    c.call(
                        Method::GET,
                        &format!("/api/v1/forces?node_id={}&skill=medical", x.comm.id),
                        None,
                    )
                    .await,
                ),
            ]
        }
        ("GET", "/api/v1/forces/summary") => {
            vec![(Kind::NoIds, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/forces") => {
            vec![(
                Kind::BodyRef,
                c.call(Method::POST, path, Some(body())).await,
            )]
        }
        ("GET", "/api/v1/forces/{id}") => {
            let id = fresh_force(t, x).await;
            vec![(Kind::Item, c.call(Method::GET, &at(id), None).await)]
        }
        ("PUT", "/api/v1/forces/{id}") => {
            let id = fresh_force(t, x).await;
            vec![(Kind::Item, c.call(Method::PUT, &at(id), Some(body())).await)]
        }
        ("POST", "/api/v1/forces/{id}/remove") => {
            let id = fresh_force(t, x).await;
            let reason = serde_json::json!({"reason": "调离"});
            vec![(
                Kind::Item,
                c.call(Method::POST, &at(id), Some(reason)).await,
            )]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A legal-aid case of the target's resident.
async fn fresh_legal(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app
        .legal()
        .open(
            &sys,
            &jingzhi_app::legal::CaseInput {
                resident_id: x.res.id,
                matter: "neighbour".into(),
                channel: "walk_in".into(),
                lawyer_id: None,
                summary: format!("{}楼上漏水", x.building.name),
            },
        )
        .await
        .unwrap()
        .case
        .id
}

async fn legal_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let at = |id: i64| path.replace("{id}", &id.to_string());
    match (method, path) {
        ("GET", "/api/v1/legal-cases") => {
            fresh_legal(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("GET", "/api/v1/legal-cases/numbers") | ("GET", "/api/v1/legal-cases/lawyers") => {
            vec![(Kind::NoIds, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/legal-cases") => {
            let body = serde_json::json!({"resident_id": x.res.id, "matter": "debt",
                "channel": "phone", "summary": "借款未还"});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("GET", "/api/v1/legal-cases/{id}") => {
            let id = fresh_legal(t, x).await;
            vec![(Kind::Item, c.call(Method::GET, &at(id), None).await)]
        }
        ("POST", "/api/v1/legal-cases/{id}/steps") => {
            let id = fresh_legal(t, x).await;
            let body = serde_json::json!({"state": "mediating", "note": "约谈双方"});
            vec![(Kind::Item, c.call(Method::POST, &at(id), Some(body)).await)]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}

/// A new resident of the target's community registered as looking for work: (seeker, resident).
async fn fresh_seeker(t: &TestApp, x: &Target) -> (i64, i64) {
    let sys = jingzhi_app::Actor::system(&t.city);
    let hh = fresh_household(t, &x.building).await;
    let res = care_resident(t, &hh).await;
    let s = t
        .app
        .jobs()
        .register(&sys, res.id, "cleaning", "")
        .await
        .unwrap();
    (s.id, res.id)
}

/// A firm at the target's building (no association).
async fn fresh_firm(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app
        .participation()
        .create_merchant(
            &sys,
            &jingzhi_app::participation::councils::NewMerchantInput {
                building_id: x.building.id,
                name: format!("{}保洁公司{}", x.comm.name, iseq()),
                licence_number: fresh_licence(),
                contact_phone: None,
                association_id: None,
            },
        )
        .await
        .unwrap()
        .id
}

/// A cleaning position with five openings at a new firm of the target's community.
async fn fresh_position(t: &TestApp, x: &Target) -> i64 {
    let sys = jingzhi_app::Actor::system(&t.city);
    let firm = fresh_firm(t, x).await;
    t.app
        .jobs()
        .post(
            &sys,
            &jingzhi_app::jobs::PositionInput {
                merchant_id: firm,
                title: "保洁员".into(),
                work: "cleaning".into(),
                openings: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn jobs_probe(method: &str, path: &str, c: &Ctx<'_>) -> Vec<(Kind, Resp)> {
    let (x, t) = (c.x, c.t);
    let at = |id: i64| path.replace("{id}", &id.to_string());
    match (method, path) {
        ("GET", "/api/v1/jobs/seekers") => {
            fresh_seeker(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("GET", "/api/v1/jobs/positions") => {
            fresh_position(t, x).await;
            vec![(Kind::Search, c.call(Method::GET, path, None).await)]
        }
        ("GET", "/api/v1/jobs/numbers") | ("GET", "/api/v1/jobs/firms") => {
            vec![(Kind::NoIds, c.call(Method::GET, path, None).await)]
        }
        ("POST", "/api/v1/jobs/seekers") => {
            let hh = fresh_household(t, &x.building).await;
            let res = care_resident(t, &hh).await;
            let body = serde_json::json!({"resident_id": res.id, "work": "retail"});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("POST", "/api/v1/jobs/positions") => {
            let firm = fresh_firm(t, x).await;
            let body = serde_json::json!({"merchant_id": firm, "title": "理货员",
                "work": "retail", "openings": 2});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("POST", "/api/v1/jobs/matches") => {
            let (seeker, _) = fresh_seeker(t, x).await;
            let position = fresh_position(t, x).await;
            let body = serde_json::json!({"seeker_id": seeker, "position_id": position});
            vec![(Kind::BodyRef, c.call(Method::POST, path, Some(body)).await)]
        }
        ("GET", "/api/v1/jobs/seekers/{id}") | ("POST", "/api/v1/jobs/seekers/{id}/withdraw") => {
            let (seeker, _) = fresh_seeker(t, x).await;
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            vec![(Kind::Item, c.call(m, &at(seeker), None).await)]
        }
        ("POST", "/api/v1/jobs/positions/{id}/close") => {
            let position = fresh_position(t, x).await;
            vec![(Kind::Item, c.call(Method::POST, &at(position), None).await)]
        }
        ("POST", "/api/v1/jobs/matches/{id}/outcome") => {
            let sys = jingzhi_app::Actor::system(&t.city);
            let (seeker, _) = fresh_seeker(t, x).await;
            let position = fresh_position(t, x).await;
            let m = t
                .app
                .jobs()
                .refer(&sys, seeker, position, "")
                .await
                .unwrap();
            let body = serde_json::json!({"state": "interview"});
            vec![(
                Kind::Item,
                c.call(Method::POST, &at(m.id), Some(body)).await,
            )]
        }
        (m, p) => panic!("the scope test has no probe for {m} {p}: add one"),
    }
}
