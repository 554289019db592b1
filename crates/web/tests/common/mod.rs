//! In-process test app on the shared test city (`jingzhi_app::testing::World`: a fresh database,
//! SQLite or PostgreSQL with JINGZHI_TEST_DATABASE_URL, a small tree with two communities): a
//! resident in each community, users for every role, and a client that sends requests through
//! the real router.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use jingzhi_app::auth::NewUserInput;
use jingzhi_app::registry::HouseholdInput;
use jingzhi_app::testing::World;
use jingzhi_app::{Actor, App};
use jingzhi_domain::registry::ResidentInput;
use jingzhi_store::registry::{Household, Node, Resident};
use jingzhi_store::testing::TestDb;
use tower::ServiceExt;

pub const PASSWORD: &str = "test-password-1";

pub struct TestApp {
    pub db: TestDb,
    pub app: App,
    pub router: axum::Router,
    pub city: Node,
    pub district: Node,
    pub street: Node,
    pub comm_a: Node,
    pub comm_b: Node,
    pub grid_a: Node,
    pub grid_b: Node,
    pub building_a: Node,
    pub building_b: Node,
    /// A household and resident in community A, and in community B.
    pub hh_a: Household,
    pub res_a: Resident,
    pub hh_b: Household,
    pub res_b: Resident,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// Usernames of the users `TestApp::new` creates, with role and scope.
pub const USERS: &[(&str, &str, &str)] = &[
    ("admin", "city-admin", "city"),
    ("district", "district-officer", "district"),
    ("street", "street-officer", "street"),
    ("worker.a", "community-worker", "comm_a"),
    ("worker.b", "community-worker", "comm_b"),
    ("grid.a", "grid-worker", "grid_a"),
    ("steward.a", "steward", "comm_a"),
    ("dept.a", "department-staff", "comm_a"),
    ("resident.a", "resident", "comm_a"),
    ("auditor", "auditor", "city"),
];

impl TestApp {
    pub async fn new() -> TestApp {
        // The shared test city (`jingzhi_app::testing::World`), with residents and users here.
        let World {
            db,
            app,
            city,
            district,
            street,
            comm_a,
            comm_b,
            grid_a,
            grid_b,
            building_a,
            building_b,
            ..
        } = World::new().await;
        let sys = Actor::system(&city);
        let hh_a = app
            .registry()
            .create_household(
                &sys,
                &HouseholdInput {
                    building_id: Some(building_a.id),
                    unit: Some(1),
                    room: "301".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let res_a = app
            .registry()
            .create_resident(
                &sys,
                hh_a.id,
                &ResidentInput {
                    name: "王建国".into(),
                    id_number: "11010519491231002X".into(),
                    phone: Some("13812345678".into()),
                    relationship: Some("户主".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let hh_b = app
            .registry()
            .create_household(
                &sys,
                &HouseholdInput {
                    building_id: Some(building_b.id),
                    unit: Some(2),
                    room: "502".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let res_b = app
            .registry()
            .create_resident(
                &sys,
                hh_b.id,
                &ResidentInput {
                    name: "李秀英".into(),
                    id_number: jingzhi_domain::registry::IdNumber::build(
                        371002,
                        time::Date::from_calendar_date(1960, time::Month::May, 4).unwrap(),
                        122,
                    )
                    .as_str()
                    .into(),
                    phone: Some("13987654321".into()),
                    relationship: Some("户主".into()),
                    elderly_alone: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let router = jingzhi_web::router(app.clone(), jingzhi_web::WebConfig::default());
        let t = TestApp {
            db,
            app,
            router,
            city,
            district,
            street,
            comm_a,
            comm_b,
            grid_a,
            grid_b,
            building_a,
            building_b,
            hh_a,
            res_a,
            hh_b,
            res_b,
        };
        for (u, role, scope) in USERS {
            let n = t.node_named(scope);
            t.app
                .auth()
                .add_user(
                    None,
                    &NewUserInput {
                        username: (*u).into(),
                        password: PASSWORD.into(),
                        role: (*role).into(),
                        scope_code: n.code.clone(),
                        display_name: None,
                        department: (*role == "department-staff").then(|| "zhujian".to_string()),
                        resident_id: (*role == "resident").then_some(t.res_a.id),
                    },
                )
                .await
                .unwrap();
        }
        t
    }

    pub fn node_named(&self, name: &str) -> &Node {
        match name {
            "city" => &self.city,
            "district" => &self.district,
            "street" => &self.street,
            "comm_a" => &self.comm_a,
            "comm_b" => &self.comm_b,
            "grid_a" => &self.grid_a,
            "grid_b" => &self.grid_b,
            other => panic!("no node {other}"),
        }
    }

    /// Send a request through the router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A bearer token for a user (via the login API).
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text());
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// A JSON API request, with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(j) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(j.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.request(Method::GET, uri, Some(token), None).await
    }

    /// A browser session: (session cookie header value, csrf token).
    pub async fn browser_session(&self, username: &str) -> (String, String) {
        let user = self.app.auth().login(username, PASSWORD).await.unwrap();
        let (secret, csrf) = self.app.auth().create_session(&user).await.unwrap();
        (
            format!("{}={secret}", jingzhi_web::session::SESSION_COOKIE),
            csrf,
        )
    }

    /// A page request with a session cookie.
    pub async fn page(&self, uri: &str, cookie: &str) -> Resp {
        let req = Request::builder()
            .uri(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// A form POST with a session cookie (`body` already urlencoded, include `csrf=`).
    pub async fn post_form(&self, uri: &str, cookie: &str, body: &str) -> Resp {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }
}

// ---------------------------------------------------------------------------------------------
// Uploads: a real PNG and multipart bodies (events, the report form).

/// A real 2×2 PNG (RGBA), generated with zlib "stored" blocks.
pub fn png_2x2() -> Vec<u8> {
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    let mut raw = vec![];
    for _ in 0..2 {
        raw.push(0u8);
        raw.extend_from_slice(&[255, 0, 0, 255, 0, 128, 255, 255]);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend((raw.len() as u16).to_le_bytes());
    z.extend((!(raw.len() as u16)).to_le_bytes());
    z.extend_from_slice(&raw);
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = vec![];
    ihdr.extend(2u32.to_be_bytes());
    ihdr.extend(2u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

const BOUNDARY: &str = "jzEventsBoundary42";

/// A multipart body: text fields, then files (field name, file name, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b = vec![];
    for (k, v) in fields {
        b.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .into_bytes(),
        );
    }
    for (k, name, bytes) in files {
        b.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .into_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    b
}

pub async fn send_multipart(t: &TestApp, uri: &str, auth: (&str, &str), body: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(auth.0, auth.1)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

/// A point `xm` metres east of the test city's origin, as (longitude, latitude).
pub fn lonlat(xm: f64) -> (f64, f64) {
    (122.1 + xm / 88_316.0, 37.5)
}

impl TestApp {
    /// Grow `grid`'s community past the 3,000-household cap: five more compounds of two
    /// buildings × 360 households, in a row 100 m apart starting 100 m east of the origin.
    pub async fn grow_past_cap(&self, grid: &Node) {
        use jingzhi_domain::registry::NodeKind;
        use jingzhi_store::districting::set_geometry;
        use jingzhi_store::registry as sr;
        let root = jingzhi_domain::scope::Scope::new(self.city.id, self.city.path.clone());
        let mut tx = self.db.store.begin().await.unwrap();
        for i in 1..6 {
            let cp = sr::insert_node(
                &mut tx,
                Some(grid),
                &sr::NewNode {
                    kind: Some(NodeKind::Compound),
                    code: format!("{}{:03}", grid.code, i + 1),
                    name: format!("小区{i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            for k in 0..2 {
                let b = sr::insert_node(
                    &mut tx,
                    Some(&cp),
                    &sr::NewNode {
                        kind: Some(NodeKind::Building),
                        code: format!("{}{:03}", cp.code, k + 1),
                        name: format!("小区{i}-{}号楼", k + 1),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                let (x, y) = lonlat(i as f64 * 100.0 + k as f64 * 30.0);
                set_geometry(&mut tx, b.id, None, Some(x), Some(y))
                    .await
                    .unwrap();
                let b = sr::get_node(&mut tx, &root, b.id).await.unwrap();
                for r in 0..360 {
                    sr::insert_household(&mut tx, &b, Some(1), &format!("{}", 101 + r))
                        .await
                        .unwrap();
                }
            }
        }
        jingzhi_store::commit(tx).await.unwrap();
    }

    /// Place a building at `xm` metres east of the origin.
    pub async fn place_building(&self, building: &Node, xm: f64) {
        let mut conn = self.db.store.acquire().await.unwrap();
        let (x, y) = lonlat(xm);
        jingzhi_store::districting::set_geometry(&mut conn, building.id, None, Some(x), Some(y))
            .await
            .unwrap();
    }
}

impl TestApp {
    /// A household vote over `node` ("同意" / "不同意", quorum 50 %, open now until 2099),
    /// opened by the command line; its id.
    pub async fn household_vote(&self, node: &Node) -> i64 {
        self.app
            .participation()
            .create_vote(
                &jingzhi_app::Actor::system(&self.city),
                &jingzhi_app::participation::votes::NewVoteInput {
                    node_id: node.id,
                    question: "是否统一施划停车位？".into(),
                    options: vec!["同意".into(), "不同意".into()],
                    unit: "household".into(),
                    quorum_percent: 50,
                    majority: "simple".into(),
                    closes_at: "2099-01-01T00:00:00+08:00".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    }
}

impl TestApp {
    /// A proposal filed for the resident of `comm`'s fixture household by the command line;
    /// its id.
    pub async fn proposal_in(&self, resident_id: i64) -> i64 {
        self.app
            .participation()
            .file_proposal(
                &jingzhi_app::Actor::system(&self.city),
                &jingzhi_app::participation::proposals::NewProposalInput {
                    title: "楼道加装扶手".into(),
                    body: "老人上下楼不安全".into(),
                    resident_id: Some(resident_id),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    }
}

/// A meeting of a place with what the probes act on: an item still open, a decision on a
/// second item, and a task of that decision.
pub struct MeetingFixture {
    pub meeting: i64,
    pub open_item: i64,
    pub decision: i64,
    pub task: i64,
}

impl TestApp {
    /// An evaluation meeting in `node` held by the command line (so no caller is its
    /// organiser), with an open item, a decided item and a task.
    pub async fn meeting_in(&self, node: &Node) -> MeetingFixture {
        use jingzhi_app::participation::{decisions as d, meetings as m};
        let root = jingzhi_app::Actor::system(&self.city);
        let p = self.app.participation();
        let meeting = p
            .create_meeting(
                &root,
                &m::NewMeetingInput {
                    node_id: node.id,
                    kind: "evaluation".into(),
                    title: format!("{}评议会", node.name),
                    held_at: "2026-11-20T19:00:00+08:00".into(),
                    venue: "党群服务中心".into(),
                },
            )
            .await
            .unwrap()
            .id;
        let item = |title: &str| m::ItemInput {
            title: title.into(),
            ..Default::default()
        };
        let open_item = p
            .add_item(&root, meeting, &item("车棚改造"))
            .await
            .unwrap()
            .id;
        let decided = p
            .add_item(&root, meeting, &item("楼道照明"))
            .await
            .unwrap()
            .id;
        let decision = p
            .decide(
                &root,
                &d::DecisionInput {
                    item_id: Some(decided),
                    title: format!("{}楼道照明更换", node.name),
                    body: "更换声控灯".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let task = p
            .add_task(
                &root,
                decision,
                &d::TaskInput {
                    title: "采购灯具".into(),
                    owner_kind: "community".into(),
                    due_at: "2099-01-01T00:00:00+08:00".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        MeetingFixture {
            meeting,
            open_item,
            decision,
            task,
        }
    }
}
