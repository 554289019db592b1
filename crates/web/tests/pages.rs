//! The server-rendered pages: login, home with its map, lists, detail pages, forms with CSRF and
//! field errors, the audited unmask, scope, escaping, language switch, import and exports.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{TestApp, PASSWORD};
use jingzhi_app::Actor;
use jingzhi_domain::audit::Action;
use jingzhi_domain::audit::Filter;
use jingzhi_domain::scope::Scope;
use jingzhi_store::registry::{self as sr, NewNode};

fn square(lon: f64, lat: f64, d: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}"#,
        lon + d,
        lon + d,
        lat + d,
        lat + d
    )
}

async fn set_boundary(t: &TestApp, node: &jingzhi_app::registry::Node, boundary: Option<String>) {
    let mut c = t.db.store.acquire().await.unwrap();
    sr::update_node(
        &mut c,
        &Scope::new(t.city.id, t.city.path.clone()),
        node.id,
        &NewNode {
            name: node.name.clone(),
            boundary,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

fn cookie_of(r: &common::Resp) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("jz_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

async fn post_anon_form(t: &TestApp, uri: &str, body: &str) -> common::Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

fn id_number(y: i32, seq: u32) -> String {
    let d = time::Date::from_calendar_date(y, time::Month::March, 1).unwrap();
    jingzhi_domain::registry::IdNumber::build(110105, d, seq)
        .as_str()
        .to_string()
}

fn enc(s: &str) -> String {
    jingzhi_web::shared::urlencode_all(s)
}

#[tokio::test]
async fn login_form_sets_a_cookie_and_redirects() {
    let t = TestApp::new().await;
    let anon = t
        .send(
            Request::builder()
                .uri("/residents?q=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    let to = anon.headers[header::LOCATION].to_str().unwrap();
    assert!(to.starts_with("/login?next="), "{to}");

    let form = t
        .send(
            Request::builder()
                .uri("/login?next=/residents")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("用户名"));
    assert!(form.text().contains(r#"value="/residents""#));

    let bad = post_anon_form(
        &t,
        "/login",
        "username=worker.a&password=nope&next=%2Fresidents",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.text().contains("用户名或密码错误"));
    assert!(cookie_of(&bad).is_none());

    let ok = post_anon_form(
        &t,
        "/login",
        &format!("username=worker.a&password={PASSWORD}&next=%2Fresidents"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/residents");
    let cookie = cookie_of(&ok).expect("session cookie");
    let set = ok.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));

    // An open redirect is refused.
    let evil = post_anon_form(
        &t,
        "/login",
        &format!("username=worker.a&password={PASSWORD}&next=%2F%2Fevil.example"),
    )
    .await;
    assert_eq!(evil.headers[header::LOCATION], "/");

    let home = t.page("/", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("前进社区"));

    // Logging out needs the CSRF token, then ends the session.
    let no_csrf = t.post_form("/logout", &cookie, "").await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let csrf = {
        let html = home.text();
        let i = html.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
        html[i..i + 64].to_string()
    };
    let out = t
        .post_form("/logout", &cookie, &format!("csrf={csrf}"))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(t.page("/", &cookie).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_page_renders_for_its_role() {
    let t = TestApp::new().await;
    let (w, _) = t.browser_session("worker.a").await;
    let pages = [
        ("/".to_string(), "前进社区"),
        (format!("/nodes/{}", t.grid_a.id), "前进一网格"),
        (format!("/nodes/{}", t.building_a.id), "前进小区1号楼"),
        ("/households".to_string(), "前进小区1号楼1单元301室"),
        (format!("/households?under={}", t.grid_a.id), "前进一网格"),
        (format!("/households/{}", t.hh_a.id), "家庭成员"),
        ("/households/new".to_string(), "楼宇编码"),
        (
            format!("/households/{}/residents/new", t.hh_a.id),
            "身份证号",
        ),
        ("/residents".to_string(), "王建国"),
        (
            "/residents?tag=party_member&gender=male&residence=permanent".to_string(),
            "没有符合条件的记录",
        ),
        (format!("/residents/{}", t.res_a.id), "王建国"),
        (format!("/residents/{}/edit", t.res_a.id), "修改居民信息"),
        ("/import".to_string(), "导入居民名册"),
    ];
    for (uri, text) in &pages {
        let r = t.page(uri, &w).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        assert!(r.text().contains(text), "{uri} lacks {text}");
        assert!(r.text().contains("退出"), "{uri} has the layout");
    }
    // The worker's nav has no audit log; the auditor's has.
    let home = t.page("/", &w).await.text();
    assert!(!home.contains(r#"href="/audit""#));
    assert!(home.contains(r#"href="/import""#));
    assert_eq!(t.page("/audit", &w).await.status, StatusCode::FORBIDDEN);

    let (a, _) = t.browser_session("auditor").await;
    let audit = t.page("/audit", &a).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.text().contains("审计日志"));
    assert!(audit.text().contains("新增居民 王建国"));
    let filtered = t
        .page(
            "/audit?action=create&entity=resident&from=2000-01-01&to=2999-12-31",
            &a,
        )
        .await;
    assert!(filtered.text().contains("新增居民 王建国"));
    assert!(!filtered.text().contains("新增住户"));
    assert!(!t.page("/", &a).await.text().contains(r#"href="/import""#));

    // A steward reads but does not write, import or unmask.
    let (st, _) = t.browser_session("steward.a").await;
    let r = t.page(&format!("/residents/{}", t.res_a.id), &st).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("/unmask"));
    assert!(!r.text().contains("/edit"));
    assert_eq!(t.page("/import", &st).await.status, StatusCode::FORBIDDEN);

    // A resident account has no register: its home is reporting and its own reports.
    let (res, _) = t.browser_session("resident.a").await;
    let r = t.page("/", &res).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("我要报事"));
    assert!(!r.text().contains("/residents?under="));
    assert_eq!(
        t.page("/residents", &res).await.status,
        StatusCode::FORBIDDEN
    );

    let missing = t.page("/residents/999999", &w).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("未找到"));
}

#[tokio::test]
async fn search_and_masked_detail() {
    let t = TestApp::new().await;
    let (c, _) = t.browser_session("admin").await;
    let r = t.page(&format!("/residents?q={}", enc("王建")), &c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("王建国"));
    assert!(!r.text().contains("李秀英"));
    assert!(r.text().contains("按姓名开头查询"));
    let by_mask = t
        .page(&format!("/residents?q={}", enc("110***********002X")), &c)
        .await;
    assert!(by_mask.text().contains("王建国"));
    let by_address = t
        .page(&format!("/households?q={}", enc("向阳小区")), &c)
        .await;
    assert!(by_address.text().contains("向阳小区1号楼2单元502室"));
    assert!(!by_address.text().contains("前进小区"));

    let d = t.page(&format!("/residents/{}", t.res_a.id), &c).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.text().contains("110***********002X"));
    assert!(!d.text().contains("11010519491231002X"));
    assert!(!d.text().contains("13812345678"));
    assert!(d.text().contains("138****5678"));
}

#[tokio::test]
async fn unmask_needs_a_reason_and_is_audited() {
    let t = TestApp::new().await;
    let (c, csrf) = t.browser_session("worker.a").await;
    let uri = format!("/residents/{}/unmask", t.res_a.id);
    let d = t.page(&format!("/residents/{}", t.res_a.id), &c).await;
    assert!(d.text().contains(&format!(r#"hx-post="{uri}""#)));

    let none = t.post_form(&uri, &c, &format!("csrf={csrf}&reason=")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().contains("请填写查看原因"));
    assert!(!none.text().contains("11010519491231002X"));

    let reason = "办理低保复核";
    // htmx gets the fragment only.
    let req = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header(header::COOKIE, &c)
        .header("HX-Request", "true")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={csrf}&reason={}", enc(reason))))
        .unwrap();
    let ok = t.send(req).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("11010519491231002X"));
    assert!(ok.text().contains("13812345678"));
    assert!(!ok.text().contains("<html"));

    let audit = t
        .app
        .audit()
        .list(
            &Actor::system(&t.city),
            &Filter {
                action: Some(Action::Unmask),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].reason.as_deref(), Some(reason));
    assert_eq!(audit[0].actor_name, "worker.a");
    assert_eq!(audit[0].entity_id, Some(t.res_a.id));

    // Without htmx: the whole page, with the plain values.
    let full = t
        .post_form(&uri, &c, &format!("csrf={csrf}&reason={}", enc(reason)))
        .await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.text().contains("<html") && full.text().contains("11010519491231002X"));

    // A role without the permission is refused.
    let (st, st_csrf) = t.browser_session("steward.a").await;
    let no = t
        .post_form(&uri, &st, &format!("csrf={st_csrf}&reason={}", enc(reason)))
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert!(!no.text().contains("11010519491231002X"));
}

/// The building of a household form is found by name in the caller's scope (htmx fragment) and
/// fills in the code the form sends; the phone header's menu button names the nav it opens.
#[tokio::test]
async fn the_building_field_is_found_by_name_within_the_scope() {
    let t = TestApp::new().await;
    let (c, _) = t.browser_session("worker.a").await;
    let form = t.page("/households/new", &c).await.text();
    assert!(
        form.contains(r#"name="building_q""#) && form.contains(r#"hx-get="/households/buildings""#)
    );
    assert!(
        form.contains(r#"name="building_code""#),
        "the form still sends a code"
    );
    assert!(form.contains(r#"aria-controls="main-nav""#) && form.contains(r#"id="main-nav""#));
    assert!(form.contains(r#"aria-expanded="false""#) && form.contains("菜单"));
    let moving = t
        .page(&format!("/households/{}", t.hh_a.id), &c)
        .await
        .text();
    assert!(
        moving.contains(r#"name="building_q""#),
        "the move form has the picker too"
    );
    // From a building's page: its name in the search field, its code below.
    let pre = t
        .page(
            &format!("/households/new?building={}", t.building_a.code),
            &c,
        )
        .await
        .text();
    assert!(
        pre.contains(r#"name="building_q" value="前进小区1号楼""#),
        "{pre}"
    );
    assert!(pre.contains(&format!(
        r#"name="building_code" value="{}""#,
        t.building_a.code
    )));

    let pick = |q: &str| {
        let t = &t;
        let c = c.clone();
        let uri = format!("/households/buildings?building_q={}", enc(q));
        async move { t.page(&uri, &c).await }
    };
    for q in [
        "1号楼",
        "前进 1号",
        "前进小区1号楼",
        &t.building_a.code[..12],
    ] {
        let r = pick(q).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(
            html.contains(&format!(
                r#"data-pick-code="{}" data-pick-name="前进小区1号楼""#,
                t.building_a.code
            )),
            "{q}: {html}"
        );
        assert!(
            !html.contains("向阳小区"),
            "{q}: another community's building: {html}"
        );
        assert!(!html.contains("<html"), "a fragment");
    }
    assert!(pick("向阳小区").await.text().contains("没有匹配的楼宇"));
    assert_eq!(pick("  ").await.text().trim(), "");
    // The resident has no register to search.
    let (r, _) = t.browser_session("resident.a").await;
    assert_eq!(pick_as(&t, &r, "1号楼").await, StatusCode::FORBIDDEN);
}

async fn pick_as(t: &TestApp, cookie: &str, q: &str) -> StatusCode {
    t.page(
        &format!("/households/buildings?building_q={}", enc(q)),
        cookie,
    )
    .await
    .status
}

#[tokio::test]
async fn forms_check_csrf() {
    let t = TestApp::new().await;
    let (c, csrf) = t.browser_session("worker.a").await;
    let body = "building_code=371002001001001001001&unit=1&room=302";
    for uri in [
        format!("/households/{}/move", t.hh_a.id),
        "/households/new".to_string(),
        format!("/residents/{}/unmask", t.res_a.id),
        format!("/residents/{}/edit", t.res_a.id),
        format!("/households/{}/residents/new", t.hh_a.id),
        "/logout".to_string(),
    ] {
        let none = t.post_form(&uri, &c, body).await;
        assert_eq!(none.status, StatusCode::FORBIDDEN, "{uri} without csrf");
        let wrong = t.post_form(&uri, &c, &format!("{body}&csrf=0000")).await;
        assert_eq!(
            wrong.status,
            StatusCode::FORBIDDEN,
            "{uri} with a wrong csrf"
        );
    }
    let ok = t
        .post_form("/households/new", &c, &format!("{body}&csrf={csrf}"))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
}

#[tokio::test]
async fn forms_show_field_errors_and_save() {
    let t = TestApp::new().await;
    let (c, csrf) = t.browser_session("worker.a").await;
    // A bad ID number and room: 422, the form again with the reasons, nothing written.
    let uri = format!("/households/{}/residents/new", t.hh_a.id);
    let bad = t
        .post_form(
            &uri,
            &c,
            &format!(
                "csrf={csrf}&name={}&id_number=110105194912310021&phone=123",
                enc("张三")
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("身份证号校验位不正确"),
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("应为11位手机号"));
    assert!(bad.text().contains(r#"value="张三""#));

    let kid = id_number(2010, 11);
    let good = t
        .post_form(
            &uri,
            &c,
            &format!(
                "csrf={csrf}&name={}&id_number={kid}&relationship=child&volunteer=on",
                enc("王小明")
            ),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text());
    let to = good.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = t.page(&to, &c).await.text();
    assert!(page.contains("王小明") && page.contains("注册志愿者"));

    // Duplicate ID: a conflict shown on the field.
    let dup = t
        .post_form(
            &uri,
            &c,
            &format!("csrf={csrf}&name={}&id_number={kid}", enc("王小明")),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.text().contains("该身份证号已登记"));

    // Editing keeps the ID and phone when left blank.
    let edit = t
        .post_form(
            &format!("/residents/{}/edit", t.res_a.id),
            &c,
            &format!("csrf={csrf}&name={}&id_number=&phone=&relationship=head&residence=permanent&party_member=on", enc("王建国")),
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.text());
    let d = t
        .page(&format!("/residents/{}", t.res_a.id), &c)
        .await
        .text();
    assert!(d.contains("110***********002X") && d.contains("138****5678") && d.contains("党员"));

    // Moving a household: a bad building code is a field error; a good one moves it.
    let mv = format!("/households/{}/move", t.hh_a.id);
    let bad = t
        .post_form(
            &mv,
            &c,
            &format!("csrf={csrf}&building_code=371002001002001001001&unit=1&room=101"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("楼宇不存在或不在您的管辖范围内"));
    let (adm, adm_csrf) = t.browser_session("street").await;
    let ok = t
        .post_form(
            &mv,
            &adm,
            &format!(
                "csrf={adm_csrf}&building_code=371002001002001001001&unit=1&room=101&note={}",
                enc("搬家")
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let h = t.page(&mv.replace("/move", ""), &adm).await.text();
    assert!(h.contains("迁移记录") && h.contains("向阳小区1号楼1单元101室") && h.contains("搬家"));
}

#[tokio::test]
async fn other_communities_are_not_found() {
    let t = TestApp::new().await;
    let (b, csrf) = t.browser_session("worker.b").await;
    for uri in [
        format!("/residents/{}", t.res_a.id),
        format!("/residents/{}/edit", t.res_a.id),
        format!("/households/{}", t.hh_a.id),
        format!("/households/{}/residents/new", t.hh_a.id),
        format!("/nodes/{}", t.comm_a.id),
        format!("/nodes/{}", t.street.id),
        format!("/residents?under={}", t.comm_a.id),
    ] {
        let r = t.page(&uri, &b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!r.text().contains("王建国"));
    }
    let r = t
        .post_form(
            &format!("/residents/{}/unmask", t.res_a.id),
            &b,
            &format!("csrf={csrf}&reason={}", enc("核查信息")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = t.page(&format!("/residents?q={}", enc("王建")), &b).await;
    assert!(!list.text().contains("王建国"));
}

#[tokio::test]
async fn map_links_each_area_with_a_boundary() {
    let t = TestApp::new().await;
    set_boundary(&t, &t.comm_a, Some(square(122.10, 37.50, 0.01))).await;
    set_boundary(&t, &t.comm_b, Some(square(122.11, 37.50, 0.01))).await;
    // A grid without a boundary is skipped, and an empty map is not drawn at all.
    let (c, _) = t.browser_session("street").await;
    let home = t.page("/", &c).await.text();
    assert!(home.contains("<svg"));
    assert!(home.contains(&format!(r#"<a href="/nodes/{}""#, t.comm_a.id)));
    assert!(home.contains(&format!(r#"<a href="/nodes/{}""#, t.comm_b.id)));
    assert!(home.contains("map-area"));
    let g = t.page(&format!("/nodes/{}", t.grid_b.id), &c).await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(!g.text().contains("<svg"));

    // The community's map, drawn once and kept, is drawn again when a border changes.
    let before = t.page(&format!("/nodes/{}", t.comm_a.id), &c).await.text();
    let area = format!(r#"<a href="/nodes/{}" class="map-area">"#, t.grid_a.id);
    assert!(!before.contains(&area));
    set_boundary(&t, &t.grid_a, Some(square(122.10, 37.50, 0.005))).await;
    let comm = t.page(&format!("/nodes/{}", t.comm_a.id), &c).await.text();
    assert!(comm.contains(&area), "{comm}");
    assert!(comm.contains(&format!(r#"<a href="/nodes/{}""#, t.grid_a.id)));
    // Counts of the places below.
    assert!(comm.contains("网格") && comm.contains("楼宇"));
}

#[tokio::test]
async fn names_are_escaped() {
    let t = TestApp::new().await;
    let evil = "<script>alert(1)</script>小区";
    let mut c = t.db.store.acquire().await.unwrap();
    sr::insert_node(
        &mut c,
        Some(&t.grid_a),
        &NewNode {
            kind: Some(jingzhi_domain::registry::NodeKind::Compound),
            code: "371002001001001002".into(),
            name: evil.into(),
            boundary: Some(square(122.1, 37.5, 0.002)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(c);
    let (s, _) = t.browser_session("worker.a").await;
    for uri in [
        format!("/nodes/{}", t.grid_a.id),
        format!("/nodes/{}", t.comm_a.id),
    ] {
        let r = t.page(&uri, &s).await.text();
        assert!(!r.contains("<script>alert"), "{uri}");
        assert!(
            r.contains("&lt;script&gt;alert(1)&lt;/script&gt;小区")
                || r.contains("&#60;script&#62;"),
            "{uri}"
        );
    }
    let q = t
        .page(&format!("/residents?q={}", enc("\"><b>x")), &s)
        .await
        .text();
    assert!(!q.contains("\"><b>x"));
}

#[tokio::test]
async fn english_switch() {
    let t = TestApp::new().await;
    let (c, _) = t.browser_session("worker.a").await;
    let req = Request::builder()
        .uri("/lang/en")
        .header(header::COOKIE, &c)
        .header(header::HOST, "jz.local")
        .header(header::REFERER, "http://jz.local/residents?q=1")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/residents?q=1");
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("lang=en"));
    let evil = t
        .send(
            Request::builder()
                .uri("/lang/en")
                .header(header::HOST, "jz.local")
                .header(header::REFERER, "http://evil/x")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(evil.headers[header::LOCATION], "/");

    let en = t.page("/residents", &format!("{c}; lang=en")).await.text();
    assert!(en.contains(r#"<html lang="en">"#));
    assert!(en.contains("Residents") && en.contains("Households") && en.contains("Log out"));
    let zh = t.page("/residents", &c).await.text();
    assert!(zh.contains(r#"<html lang="zh-CN">"#) && zh.contains("居民"));
}

fn multipart(csrf: &str, file_name: &str, content: &[u8], skip: bool) -> (String, Vec<u8>) {
    let boundary = "----jingzhi-test-boundary";
    let mut b = Vec::new();
    let mut part = |name: &str, extra: &str, body: &[u8]| {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(body);
        b.extend_from_slice(b"\r\n");
    };
    part("csrf", "", csrf.as_bytes());
    if skip {
        part("skip_invalid", "", b"on");
    }
    part(
        "file",
        &format!("; filename=\"{file_name}\"\r\nContent-Type: text/csv"),
        content,
    );
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

#[tokio::test]
async fn import_report_rejects_and_exports() {
    let t = TestApp::new().await;
    let (c, csrf) = t.browser_session("worker.a").await;
    let tpl = t.page("/import/template.xlsx", &c).await;
    assert_eq!(tpl.status, StatusCode::OK);
    assert!(tpl.body.starts_with(b"PK"));

    let csv = format!(
        "楼宇编码,单元,房号,姓名,身份证号,与户主关系\n\
         371002001001001001001,1,401,赵一,{},户主\n\
         371002001001001001001,1,402,钱二,110105198001010012,户主\n",
        id_number(1980, 13)
    );
    let send = |skip: bool, csrf: String| {
        let (ct, body) = multipart(&csrf, "名册.csv", csv.as_bytes(), skip);
        Request::builder()
            .method(Method::POST)
            .uri("/import")
            .header(header::COOKIE, &c)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let forged = t.send(send(false, "nope".into())).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let all_or_nothing = t.send(send(false, csrf.clone())).await;
    assert_eq!(
        all_or_nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        all_or_nothing.text()
    );
    let html = all_or_nothing.text();
    assert!(html.contains("未导入任何数据"));
    assert!(
        html.contains("身份证号校验位不正确")
            && html.contains("<td class=\"num\" data-label=\"行\">3</td>"),
        "{html}"
    );

    let skipped = t.send(send(true, csrf.clone())).await;
    assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.text());
    let html = skipped.text();
    assert!(html.contains("已导入"));
    assert!(html.contains(r#"action="/import/rejects""#));
    let data = {
        let i = html.find(r#"name="data" value=""#).unwrap() + r#"name="data" value=""#.len();
        let j = html[i..].find('"').unwrap();
        html[i..i + j].to_string()
    };
    let name = {
        let i = html.find(r#"name="name" value=""#).unwrap() + r#"name="name" value=""#.len();
        let j = html[i..].find('"').unwrap();
        html[i..i + j].to_string()
    };
    let rej = t
        .post_form(
            "/import/rejects",
            &c,
            &format!("csrf={csrf}&name={}&data={}", enc(&name), enc(&data)),
        )
        .await;
    assert_eq!(rej.status, StatusCode::OK);
    assert!(rej.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(String::from_utf8_lossy(&rej.body).contains("钱二"));
    assert!(t
        .page(&format!("/residents?q={}", enc("赵一")), &c)
        .await
        .text()
        .contains("赵一"));

    for uri in [
        "/residents/export.xlsx?q=%E7%8E%8B",
        "/households/export.xlsx",
    ] {
        let x = t.page(uri, &c).await;
        assert_eq!(x.status, StatusCode::OK, "{uri}: {}", x.text());
        assert!(x.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert!(x.body.starts_with(b"PK"), "{uri}");
    }
    assert_eq!(
        t.page("/audit/export.xlsx", &c).await.status,
        StatusCode::FORBIDDEN
    );
    let (a, _) = t.browser_session("auditor").await;
    let x = t.page("/audit/export.xlsx", &a).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with(b"PK"));
}

#[tokio::test]
async fn a_bad_filter_on_the_residents_page_is_named_and_the_api_refuses_it() {
    let t = TestApp::new().await;
    let (cookie, _) = t.browser_session("worker.a").await;
    // The page lists without the values it cannot read, and names each one.
    let uri = "/residents?gender=x&tag=nope&residence=%20&under=abc";
    let zh = t.page(uri, &cookie).await;
    assert_eq!(zh.status, StatusCode::OK, "{}", zh.text());
    let text = zh.text();
    assert!(text.contains(r#"role="alert""#), "{text}");
    assert!(text.contains("性别“x”无法识别"), "{text}");
    assert!(text.contains("标签“nope”无法识别"), "{text}");
    assert!(text.contains("范围“abc”不是地点编号"), "{text}");
    assert!(
        !text.contains("居住状态“"),
        "a blank value asks for nothing: {text}"
    );
    assert!(
        text.contains(&t.res_a.name),
        "the list is still shown: {text}"
    );
    let en = t.page(uri, &format!("{cookie}; lang=en")).await.text();
    assert!(en.contains("Gender “x” is not recognised"), "{en}");
    assert!(en.contains("Tag “nope” is not recognised"), "{en}");
    assert!(!en.contains('⟦'), "{en}");
    // Good values show no message.
    let ok = t
        .page("/residents?gender=male&tag=&residence=permanent", &cookie)
        .await
        .text();
    assert!(!ok.contains(r#"role="alert""#), "{ok}");
    // The API reads the same parameters with the same parse and refuses the values: 422
    // naming each parameter.
    let w = t.token("worker.a").await;
    let api = t.get("/api/v1/residents?gender=x&tag=nope", &w).await;
    assert_eq!(
        api.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        api.text()
    );
    let fields: Vec<String> = api.json()["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["tag", "gender"]);
    let export = t
        .get("/api/v1/residents/export?residence=somewhere", &w)
        .await;
    assert_eq!(export.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(export.json()["details"][0]["field"], "residence");
    assert_eq!(
        t.get("/api/v1/residents?gender=male&tag=%20", &w)
            .await
            .status,
        StatusCode::OK
    );
}
