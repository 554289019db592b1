//! Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML (XML parsed with a real
//! parser), the specification's errors and status codes, keys (revocation), the 90-day window,
//! paging, no personal data in any response, and markup from users escaped.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{Resp, TestApp};
use jingzhi_app::events::ReportInput;
use jingzhi_app::Actor;
use jingzhi_store::registry::{self as sr, NewNode};
use quick_xml::events::Event as XmlEvent;
use serde_json::Value;

/// A parsed XML element: name, text, children.
#[derive(Debug, Clone)]
struct El {
    name: String,
    text: String,
    children: Vec<El>,
}

impl El {
    fn child(&self, name: &str) -> &El {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
    }
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn parse_xml(s: &str) -> El {
    assert!(
        s.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "{s}"
    );
    let mut r = quick_xml::Reader::from_str(s);
    let mut stack: Vec<El> = vec![El {
        name: String::new(),
        text: String::new(),
        children: vec![],
    }];
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("bad XML ({e}): {s}"))
        {
            XmlEvent::Start(e) => stack.push(El {
                name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                text: String::new(),
                children: vec![],
            }),
            XmlEvent::Empty(e) => {
                let el = El {
                    name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    text: String::new(),
                    children: vec![],
                };
                stack.last_mut().unwrap().children.push(el);
            }
            XmlEvent::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.unescape().unwrap()),
            XmlEvent::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML: {s}");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element: {s}");
    doc.children.pop().unwrap()
}

fn square(w: f64, s: f64) -> String {
    let (e, n) = (w + 0.01, s + 0.01);
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"#
    )
}

/// The test city with boundaries on its two grids, and an Open311 key.
async fn setup() -> (TestApp, String) {
    let t = TestApp::new().await;
    let mut c = t.db.store.acquire().await.unwrap();
    let city = jingzhi_domain::scope::Scope::new(t.city.id, t.city.path.clone());
    for (g, west) in [(&t.grid_a, 122.10), (&t.grid_b, 122.11)] {
        let n = NewNode {
            name: g.name.clone(),
            boundary: Some(square(west, 37.50)),
            ..Default::default()
        };
        sr::update_node(&mut c, &city, g.id, &n).await.unwrap();
    }
    drop(c);
    let key = t
        .app
        .open311()
        .add_key(&Actor::system(&t.city), "fixmystreet")
        .await
        .unwrap();
    (t, key.api_key)
}

async fn get(t: &TestApp, uri: &str) -> Resp {
    t.send(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
}

async fn post(t: &TestApp, uri: &str, form: &[(&str, &str)]) -> Resp {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

/// A form body sent as given (bytes that need not be UTF-8).
async fn post_raw(t: &TestApp, uri: &str, body: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

fn ctype(r: &Resp) -> &str {
    r.headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
}

/// The specification's error shape, in the format asked for, with the HTTP status as code.
fn assert_error(r: &Resp, status: StatusCode, xml: bool) {
    assert_eq!(r.status, status, "{}", r.text());
    if xml {
        assert!(ctype(r).starts_with("text/xml"));
        let e = parse_xml(&r.text());
        assert_eq!(e.name, "errors");
        let errs = e.all("error");
        assert!(!errs.is_empty());
        for x in errs {
            assert_eq!(x.child("code").text, status.as_u16().to_string());
            assert!(!x.child("description").text.is_empty());
        }
    } else {
        assert!(ctype(r).starts_with("application/json"));
        let v = r.json();
        let arr = v
            .as_array()
            .unwrap_or_else(|| panic!("errors are an array: {v}"));
        assert!(!arr.is_empty());
        for x in arr {
            assert_eq!(x["code"], status.as_u16() as i64);
            assert!(!x["description"].as_str().unwrap().is_empty());
        }
    }
}

async fn event_count(t: &TestApp) -> i64 {
    let mut c = t.db.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

const GOOD: &[(&str, &str)] = &[
    ("service_code", "parking"),
    ("lat", "37.505"),
    ("long", "122.105"),
    ("attribute[blocking]", "是"),
    ("attribute[plate]", "鲁K12345"),
    ("description", "消防通道被占"),
    ("first_name", "小明"),
    ("last_name", "张"),
    ("email", "zhang.xiaoming@example.cn"),
    ("phone", "13911112222"),
    ("media_url", "https://img.example.cn/p/1.jpg"),
];

fn with_key<'a>(key: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![("api_key", key)];
    v.extend_from_slice(extra);
    v
}

#[tokio::test]
async fn discovery_services_and_definitions_in_both_formats() {
    let (t, _) = setup().await;
    let r = get(&t, "/open311/v2/discovery.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(
        v["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(
        v["endpoints"][0]["formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    assert!(v["endpoints"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with("/open311/v2"));
    let r = get(&t, "/open311/v2/discovery.xml").await;
    assert!(ctype(&r).starts_with("text/xml"));
    let x = parse_xml(&r.text());
    assert_eq!(x.name, "discovery");
    let ep = x.child("endpoints").child("endpoint");
    assert_eq!(ep.child("type").text, "production");
    assert_eq!(ep.child("formats").all("format").len(), 2);

    // One service per active category; metadata when it has questions.
    let r = get(&t, "/open311/v2/services.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 12);
    let find = |code: &str| {
        arr.iter()
            .find(|s| s["service_code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(find("parking")["service_name"], "停车秩序");
    assert_eq!(find("parking")["metadata"], true);
    assert_eq!(find("market_order")["metadata"], false);
    assert_eq!(find("parking")["type"], "realtime");
    let x = parse_xml(&get(&t, "/open311/v2/services.xml").await.text());
    assert_eq!(x.name, "services");
    let svcs = x.all("service");
    assert_eq!(svcs.len(), 12);
    assert_eq!(
        svcs[0].names(),
        [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );
    // A retired category is no longer a service.
    let mut c = t.db.store.acquire().await.unwrap();
    sqlx::query("UPDATE event_categories SET active = $1 WHERE code = 'other'")
        .bind(false)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    t.app.open311_cache.clear();
    assert_eq!(
        get(&t, "/open311/v2/services.json")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        11
    );
    assert_error(
        &get(&t, "/open311/v2/services/other.json").await,
        StatusCode::NOT_FOUND,
        false,
    );

    // The definition: the category's questions as attributes.
    let v = get(&t, "/open311/v2/services/parking.json").await.json();
    assert_eq!(v["service_code"], "parking");
    let attrs = v["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(attrs[0]["code"], "plate");
    assert_eq!(attrs[0]["datatype"], "string");
    assert_eq!(attrs[0]["required"], false);
    assert_eq!(attrs[0]["order"], 1);
    assert_eq!(attrs[1]["code"], "blocking");
    assert_eq!(attrs[1]["datatype"], "singlevaluelist");
    assert_eq!(attrs[1]["required"], true);
    assert_eq!(attrs[1]["variable"], true);
    assert_eq!(attrs[1]["description"], "是否堵塞消防通道");
    assert_eq!(
        attrs[1]["values"],
        serde_json::json!([{"key":"是","name":"是"},{"key":"否","name":"否"}])
    );
    let x = parse_xml(&get(&t, "/open311/v2/services/parking.xml").await.text());
    assert_eq!(x.name, "service_definition");
    assert_eq!(x.child("service_code").text, "parking");
    let a = x.child("attributes").all("attribute");
    assert_eq!(a.len(), 2);
    assert_eq!(
        a[1].names(),
        [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values"
        ]
    );
    let vals = a[1].child("values").all("value");
    assert_eq!(
        (
            vals[0].child("key").text.as_str(),
            vals[1].child("name").text.as_str()
        ),
        ("是", "否")
    );
    for fmt in ["json", "xml"] {
        assert_error(
            &get(&t, &format!("/open311/v2/services/nope.{fmt}")).await,
            StatusCode::NOT_FOUND,
            fmt == "xml",
        );
    }
    // Unknown formats and files.
    assert_eq!(
        get(&t, "/open311/v2/services.html").await.status,
        StatusCode::NOT_FOUND
    );
    assert_error(
        &get(&t, "/open311/v2/nothing.json").await,
        StatusCode::NOT_FOUND,
        false,
    );
    // A jurisdiction other than this city.
    assert_error(
        &get(&t, "/open311/v2/services.xml?jurisdiction_id=beijing").await,
        StatusCode::NOT_FOUND,
        true,
    );
    assert_eq!(
        get(
            &t,
            &format!("/open311/v2/services.json?jurisdiction_id={}", t.city.code)
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn post_then_get_round_trip_without_personal_data() {
    let (t, key) = setup().await;
    let r = post(&t, "/open311/v2/requests.json", &with_key(&key, GOOD)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let id = v[0]["service_request_id"].as_i64().unwrap();
    // Created at once: the id, never a token beside it (the specification's "or").
    assert!(v[0].get("token").is_none(), "{v}");
    assert!(v[0]["service_notice"].as_str().unwrap().contains("一般"));
    // XML create.
    let r = post(&t, "/open311/v2/requests.xml", &with_key(&key, GOOD)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let x = parse_xml(&r.text());
    assert_eq!(x.name, "service_requests");
    let id2: i64 = x
        .child("request")
        .child("service_request_id")
        .text
        .parse()
        .unwrap();
    assert!(id2 > id);

    // The event: in grid A, source open311, phone sealed, audited under the key's name.
    let mut c = t.db.store.acquire().await.unwrap();
    let (node_id, source): (i64, String) =
        sqlx::query_as("SELECT node_id, source FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert_eq!((node_id, source.as_str()), (t.grid_a.id, "open311"));
    let phone: Vec<u8> =
        sqlx::query_scalar("SELECT phone_enc FROM open311_requests WHERE event_id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&phone).contains("13911112222"));
    assert_eq!(t.db.store.cipher.open(&phone).unwrap(), "13911112222");
    let who: String = sqlx::query_scalar(
        "SELECT actor_name FROM audit_log WHERE entity = 'event' AND entity_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(who, "open311:fixmystreet");
    drop(c);

    // GET requests/{id}: an array of one.
    let r = get(&t, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let q = &v[0];
    assert_eq!(q["service_request_id"], id);
    assert_eq!(q["status"], "open");
    assert_eq!(q["status_notes"], "已上报");
    assert_eq!(q["service_code"], "parking");
    assert_eq!(q["service_name"], "停车秩序");
    assert_eq!(q["description"], "消防通道被占");
    assert_eq!(q["agency_responsible"], "网格员");
    assert_eq!(q["address"], "前进一网格");
    assert_eq!(q["lat"], 37.505);
    assert_eq!(q["long"], 122.105);
    assert_eq!(q["media_url"], "https://img.example.cn/p/1.jpg");
    for k in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        assert!(q[k].as_str().unwrap().ends_with("+08:00"), "{k}: {q}");
    }
    let x = parse_xml(
        &get(&t, &format!("/open311/v2/requests/{id}.xml"))
            .await
            .text(),
    );
    assert_eq!(x.name, "service_requests");
    let req = x.all("request");
    assert_eq!(req.len(), 1);
    assert_eq!(
        req[0].names(),
        [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url"
        ]
    );
    assert_eq!(req[0].child("status").text, "open");
    // By building code (address_id) instead of a point.
    let r = post(
        &t,
        "/open311/v2/requests.json",
        &with_key(
            &key,
            &[
                ("service_code", "other"),
                ("address_id", &t.building_b.code),
                ("description", "井盖松动"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id3 = r.json()[0]["service_request_id"].as_i64().unwrap();
    let v = get(&t, &format!("/open311/v2/requests/{id3}.json"))
        .await
        .json();
    assert_eq!(v[0]["address"], "向阳小区1号楼");
    assert_eq!(v[0]["address_id"], t.building_b.code.as_str());

    // Listed, in both formats, and no response ever holds the reporter's name, phone or email.
    let all = [
        "/open311/v2/requests.json".to_string(),
        "/open311/v2/requests.xml".into(),
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
        format!("/open311/v2/servicerequestupdates.json?service_request_id={id}"),
        format!("/open311/v2/servicerequestupdates.xml?service_request_id={id}"),
    ];
    for uri in &all {
        let r = get(&t, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let body = r.text();
        for pii in ["张", "小明", "13911112222", "zhang.xiaoming", "fixmystreet"] {
            assert!(!body.contains(pii), "{uri} shows {pii}: {body}");
        }
    }
    let v = get(&t, "/open311/v2/requests.json").await.json();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[0]["service_request_id"], id3, "newest first");

    // Tokens: created at once, the token is the id.
    let v = get(&t, &format!("/open311/v2/tokens/{id}.json"))
        .await
        .json();
    assert_eq!(
        v,
        serde_json::json!([{"service_request_id": id, "token": id.to_string()}])
    );
    let x = parse_xml(
        &get(&t, &format!("/open311/v2/tokens/{id}.xml"))
            .await
            .text(),
    );
    assert_eq!(
        x.child("request").child("service_request_id").text,
        id.to_string()
    );
    for fmt in ["json", "xml"] {
        assert_error(
            &get(&t, &format!("/open311/v2/tokens/999999.{fmt}")).await,
            StatusCode::NOT_FOUND,
            fmt == "xml",
        );
        assert_error(
            &get(&t, &format!("/open311/v2/tokens/abc.{fmt}")).await,
            StatusCode::NOT_FOUND,
            fmt == "xml",
        );
        assert_error(
            &get(&t, &format!("/open311/v2/requests/999999.{fmt}")).await,
            StatusCode::NOT_FOUND,
            fmt == "xml",
        );
    }

    // Staff move it on: the status stays "open", the detail is in status_notes; the timeline
    // is served by servicerequestupdates.
    let admin = Actor::new(t.app.auth().login("admin", common::PASSWORD).await.unwrap());
    t.app.events().accept(&admin, id).await.unwrap();
    t.app
        .events()
        .invalidate(&admin, id2, "<重复>上报")
        .await
        .unwrap();
    let v = get(
        &t,
        &format!("/open311/v2/requests.json?service_request_id={id},{id2}"),
    )
    .await
    .json();
    let by = |i: i64| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["service_request_id"] == i)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (by(id)["status"].as_str(), by(id)["status_notes"].as_str()),
        (Some("open"), Some("已受理"))
    );
    assert_eq!(
        (by(id2)["status"].as_str(), by(id2)["status_notes"].as_str()),
        (Some("closed"), Some("已作废：<重复>上报"))
    );
    let v = get(&t, "/open311/v2/requests.json?status=closed")
        .await
        .json();
    assert_eq!(
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![id2]
    );
    assert_eq!(
        get(&t, "/open311/v2/requests.json?status=open")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get(&t, "/open311/v2/requests.json?service_code=other")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let v = get(
        &t,
        &format!("/open311/v2/servicerequestupdates.json?service_request_id={id}"),
    )
    .await
    .json();
    let ups = v.as_array().unwrap();
    assert_eq!(ups.len(), 2, "{v}");
    assert_eq!(ups[0]["service_request_id"], id);
    assert!(
        ups[0]["description"].as_str().unwrap().starts_with("受理"),
        "{v}"
    );
    assert!(
        ups[1]["description"].as_str().unwrap().starts_with("上报"),
        "{v}"
    );
    assert!(ups[0]["update_id"].as_i64().unwrap() > ups[1]["update_id"].as_i64().unwrap());
    assert!(ups[0]["updated_datetime"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    let x = parse_xml(
        &get(
            &t,
            &format!("/open311/v2/servicerequestupdates.xml?service_request_id={id2}"),
        )
        .await
        .text(),
    );
    assert_eq!(x.name, "service_requests_updates");
    let ups = x.all("request_update");
    assert_eq!(ups.len(), 2);
    assert_eq!(
        ups[0].names(),
        [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url"
        ]
    );
    assert_eq!(ups[0].child("status").text, "closed");
    assert!(ups[0].child("description").text.contains("<重复>上报"));
    // Every update of the last 90 days, by default.
    assert_eq!(
        get(&t, "/open311/v2/servicerequestupdates.json")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn bad_input_gets_the_specifications_errors_and_changes_nothing() {
    let (t, key) = setup().await;
    let before = event_count(&t).await;
    let drop_field =
        |f: &str| -> Vec<(&str, &str)> { GOOD.iter().copied().filter(|(k, _)| *k != f).collect() };
    let replace = |f: &'static str, v: &'static str| -> Vec<(&'static str, &'static str)> {
        GOOD.iter()
            .map(|&(k, x)| if k == f { (k, v) } else { (k, x) })
            .collect()
    };
    // Contact details past their limits (see jingzhi_domain::open311).
    let long_url: &'static str =
        Box::leak(format!("https://img.example.cn/{}", "a".repeat(2030)).into_boxed_str());
    let long_email: &'static str =
        Box::leak(format!("{}@example.cn", "a".repeat(244)).into_boxed_str());
    let long_name: &'static str = Box::leak("张".repeat(65).into_boxed_str());
    for xml in [false, true] {
        let uri = if xml {
            "/open311/v2/requests.xml"
        } else {
            "/open311/v2/requests.json"
        };
        // 403: no key, a wrong key.
        assert_error(&post(&t, uri, GOOD).await, StatusCode::FORBIDDEN, xml);
        assert_error(
            &post(&t, uri, &with_key("not-a-key", GOOD)).await,
            StatusCode::FORBIDDEN,
            xml,
        );
        assert_error(
            &post(&t, uri, &with_key("", GOOD)).await,
            StatusCode::FORBIDDEN,
            xml,
        );
        // 400: unknown or missing service_code, no location, half a location, outside the city,
        // a required attribute missing, a wrong choice, an unknown attribute, bad contact details.
        let cases: Vec<Vec<(&str, &str)>> = vec![
            drop_field("service_code"),
            GOOD.iter()
                .copied()
                .filter(|(k, _)| *k != "lat" && *k != "long")
                .collect(),
            drop_field("long"),
            replace("lat", "北纬"),
            replace("lat", "10.0"),
            replace("long", "500"),
            drop_field("attribute[blocking]"),
            replace("attribute[blocking]", "也许"),
            [GOOD, &[("attribute[colour]", "红")]].concat(),
            replace("email", "not an email"),
            replace("phone", "call me"),
            replace("media_url", "javascript:alert(1)"),
            replace("media_url", "ftp://img.example.cn/p/1.jpg"),
            replace("media_url", long_url),
            replace("email", long_email),
            replace("last_name", long_name),
            GOOD.iter()
                .copied()
                .filter(|(k, _)| *k != "lat" && *k != "long")
                .chain([("address_id", "999")])
                .collect(),
            GOOD.iter()
                .copied()
                .filter(|(k, _)| *k != "lat" && *k != "long")
                .chain([("address_string", "环翠区某路1号")])
                .collect(),
        ];
        for form in &cases {
            let r = post(&t, uri, &with_key(&key, form)).await;
            assert_error(&r, StatusCode::BAD_REQUEST, xml);
        }
        // 404: a service that does not exist (the specification's "service_code not found").
        assert_error(
            &post(
                &t,
                uri,
                &with_key(&key, &replace("service_code", "potholes")),
            )
            .await,
            StatusCode::NOT_FOUND,
            xml,
        );
        // 400: a value (or a name) that is not UTF-8, raw or percent-encoded.
        for raw in [
            format!("api_key={key}&service_code=other&lat=37.505&long=122.105&description=%C3%28"),
            format!("api_key={key}&service_code=other&lat=37.505&long=122.105&first_name=%FF%FE"),
            format!("api_key={key}&service_code=other&lat=37.505&long=122.105&%E4%B8=x"),
        ] {
            let r = post_raw(&t, uri, raw.into_bytes()).await;
            assert_error(&r, StatusCode::BAD_REQUEST, xml);
        }
        let mut raw =
            format!("api_key={key}&service_code=other&lat=37.505&long=122.105&description=")
                .into_bytes();
        raw.extend_from_slice(&[0xE6, 0xB0, 0x7F, 0xFF]);
        assert_error(&post_raw(&t, uri, raw).await, StatusCode::BAD_REQUEST, xml);
        let long_text = "字".repeat(4001);
        let r = post(
            &t,
            uri,
            &with_key(
                &key,
                &[
                    ("service_code", "other"),
                    ("lat", "37.505"),
                    ("long", "122.105"),
                    ("description", &long_text),
                ],
            ),
        )
        .await;
        assert_error(&r, StatusCode::BAD_REQUEST, xml);
        // A point in the other grid is fine: the key covers the whole city.
        // Bad reads.
        let fmt = if xml { "xml" } else { "json" };
        for q in [
            "start_date=yesterday",
            "end_date=2026-13-45",
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "start_date=2026-03-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            "status=pending",
            "service_code=potholes",
            "service_request_id=abc",
            "page=0",
            "page_size=5000",
            "page=99999999999999999999",
            "description=%FF",
            "service_code=%C3%28",
        ] {
            assert_error(
                &get(&t, &format!("/open311/v2/requests.{fmt}?{q}")).await,
                StatusCode::BAD_REQUEST,
                xml,
            );
        }
        assert_error(
            &get(&t, &format!("/open311/v2/servicerequestupdates.{fmt}?start_date=2026-01-01&end_date=2026-05-01")).await,
            StatusCode::BAD_REQUEST,
            xml,
        );
    }
    assert_eq!(event_count(&t).await, before, "nothing was written");
    let mut c = t.db.store.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM open311_requests")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_revoked_key_is_refused_and_keys_are_stored_hashed() {
    let (t, key) = setup().await;
    let sys = Actor::system(&t.city);
    assert_eq!(
        post(&t, "/open311/v2/requests.json", &with_key(&key, GOOD))
            .await
            .status,
        StatusCode::OK
    );
    let mut c = t.db.store.acquire().await.unwrap();
    let hash: String =
        sqlx::query_scalar("SELECT key_hash FROM open311_keys WHERE name = 'fixmystreet'")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    drop(c);
    assert_ne!(hash, key);
    assert_eq!(hash, jingzhi_app::auth::secret_hash(&key));
    // A second key with the same name is refused; a second name works.
    assert!(t.app.open311().add_key(&sys, "fixmystreet").await.is_err());
    let other = t
        .app
        .open311()
        .add_key(&sys, "wechat-miniapp")
        .await
        .unwrap();
    t.app
        .open311()
        .revoke_key(&sys, "fixmystreet")
        .await
        .unwrap();
    for xml in [false, true] {
        let uri = if xml {
            "/open311/v2/requests.xml"
        } else {
            "/open311/v2/requests.json"
        };
        assert_error(
            &post(&t, uri, &with_key(&key, GOOD)).await,
            StatusCode::FORBIDDEN,
            xml,
        );
    }
    assert_eq!(
        post(
            &t,
            "/open311/v2/requests.json",
            &with_key(&other.api_key, GOOD)
        )
        .await
        .status,
        StatusCode::OK
    );
    let keys = t.app.open311().keys(&sys).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].revoked_at.is_some() && keys[1].revoked_at.is_none());
    assert!(t.app.open311().revoke_key(&sys, "nobody").await.is_err());
    // Key administration is the city admin's; it is audited.
    let worker = Actor::new(
        t.app
            .auth()
            .login("worker.a", common::PASSWORD)
            .await
            .unwrap(),
    );
    assert!(t.app.open311().add_key(&worker, "mine").await.is_err());
    let mut c = t.db.store.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'open311_key'")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn the_90_day_window_and_paging() {
    let (t, key) = setup().await;
    let sys = Actor::system(&t.city);
    let now = jingzhi_domain::time_fmt::now_ms();
    let day = 24 * 3600 * 1000;
    let old = t
        .app
        .events()
        .report_at(
            &sys,
            &ReportInput {
                category: "other".into(),
                description: "很久以前".into(),
                node_id: Some(t.building_a.id),
                ..Default::default()
            },
            now - 100 * day,
        )
        .await
        .unwrap();
    // Read before the creates: the list the creates must not leave stale (a create forgets
    // the briefly remembered lists at once).
    let empty = get(&t, "/open311/v2/requests.json").await.json();
    assert_eq!(empty, serde_json::json!([]));
    let mut ids = vec![];
    for i in 0..5 {
        let d = format!("第{i}件");
        let r = post(
            &t,
            "/open311/v2/requests.json",
            &with_key(
                &key,
                &[
                    ("service_code", "other"),
                    ("lat", "37.505"),
                    ("long", "122.115"),
                    ("description", &d),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        ids.push(r.json()[0]["service_request_id"].as_i64().unwrap());
    }
    let list = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_i64().unwrap())
            .collect()
    };
    // The default window is the last 90 days: the old one is not there.
    let all = list(get(&t, "/open311/v2/requests.json").await.json());
    assert_eq!(all, ids.iter().rev().copied().collect::<Vec<_>>());
    // Asked for by date, it is.
    let from = jingzhi_domain::open311::format_w3c(now - 101 * day);
    let to = jingzhi_domain::open311::format_w3c(now - 99 * day);
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("start_date", &from)
        .append_pair("end_date", &to)
        .finish();
    assert_eq!(
        list(
            get(&t, &format!("/open311/v2/requests.json?{q}"))
                .await
                .json()
        ),
        vec![old.id]
    );
    // Only a start: 90 days from it.
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("start_date", &from)
        .finish();
    assert_eq!(
        list(
            get(&t, &format!("/open311/v2/requests.json?{q}"))
                .await
                .json()
        ),
        vec![old.id]
    );
    // By id, every other parameter is ignored (as the specification says).
    assert_eq!(
        list(
            get(
                &t,
                &format!(
                    "/open311/v2/requests.json?service_request_id={}&status=closed",
                    old.id
                )
            )
            .await
            .json()
        ),
        vec![old.id]
    );
    // Pages of two, newest first, no overlap, in both formats.
    let mut seen = vec![];
    for page in 1..=3 {
        let v = get(
            &t,
            &format!("/open311/v2/requests.json?page_size=2&page={page}"),
        )
        .await
        .json();
        seen.extend(list(v));
        let x = parse_xml(
            &get(
                &t,
                &format!("/open311/v2/requests.xml?page_size=2&page={page}"),
            )
            .await
            .text(),
        );
        assert_eq!(x.all("request").len(), if page < 3 { 2 } else { 1 });
    }
    assert_eq!(seen, all);
    assert!(list(
        get(&t, "/open311/v2/requests.json?page_size=2&page=4")
            .await
            .json()
    )
    .is_empty());
}

#[tokio::test]
async fn markup_in_a_description_is_escaped_in_json_and_xml() {
    let (t, key) = setup().await;
    let evil = "<script>alert('x')</script> & <b>\"粗\"</b>";
    let r = post(
        &t,
        "/open311/v2/requests.json",
        &with_key(
            &key,
            &[
                ("service_code", "other"),
                ("lat", "37.505"),
                ("long", "122.105"),
                ("description", evil),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = r.json()[0]["service_request_id"].as_i64().unwrap();
    let r = get(&t, &format!("/open311/v2/requests/{id}.json")).await;
    assert!(
        !r.text().contains("<script>") && !r.text().contains("<b>"),
        "{}",
        r.text()
    );
    assert_eq!(
        r.json()[0]["description"],
        evil,
        "a JSON parser reads the text unchanged"
    );
    let r = get(&t, &format!("/open311/v2/requests/{id}.xml")).await;
    assert!(
        !r.text().contains("<script>") && !r.text().contains("<b>"),
        "{}",
        r.text()
    );
    assert_eq!(
        parse_xml(&r.text())
            .child("request")
            .child("description")
            .text,
        evil
    );
}

/// Creates that arrive together all land whole, each with its timeline row, audit record,
/// details and monthly count; on SQLite they share transactions (fewer transactions than
/// creates), on PostgreSQL each has its own.
#[tokio::test]
async fn concurrent_creates_all_land_whole() {
    let (t, key) = setup().await;
    let n = 24;
    let descs: Vec<String> = (0..n).map(|i| format!("并发上报第{i}件")).collect();
    let forms: Vec<Vec<(&str, &str)>> = descs
        .iter()
        .map(|d| {
            with_key(
                &key,
                &[
                    ("service_code", "other"),
                    ("lat", "37.505"),
                    ("long", "122.105"),
                    ("description", d.as_str()),
                ],
            )
        })
        .collect();
    let resps = futures::future::join_all(
        forms
            .iter()
            .map(|f| post(&t, "/open311/v2/requests.json", f)),
    )
    .await;
    let mut ids = Vec::new();
    for r in &resps {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        ids.push(r.json()[0]["service_request_id"].as_i64().unwrap());
    }
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), n);
    let (creates, transactions) = t.app.open311_cache.write_counts();
    assert_eq!(creates, n as u64);
    match t.db.store.backend {
        jingzhi_store::Backend::Sqlite => {
            assert!(transactions < creates, "{transactions} transactions")
        }
        jingzhi_store::Backend::Postgres => assert_eq!(transactions, creates),
    }
    let mut c = t.db.store.acquire().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let d: String = sqlx::query_scalar("SELECT description FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(d, descs[i], "each client gets its own event's id");
        for sql in [
            "SELECT COUNT(*) FROM event_transitions WHERE event_id = $1 AND command = 'report'",
            "SELECT COUNT(*) FROM open311_requests WHERE event_id = $1",
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'event' AND entity_id = $1",
        ] {
            let k: i64 = sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(&mut *c)
                .await
                .unwrap();
            assert_eq!(k, 1, "{sql} for event {id}");
        }
    }
    let reported: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(reported), 0) AS BIGINT) FROM event_rollup WHERE path = $1",
    )
    .bind(&t.comm_a.path)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(reported, n as i64);
}
