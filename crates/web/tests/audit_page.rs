//! The audit log page reads each record field by field: labels, values as people read them
//! (China time, 是/否, state names), only what an update changed, masked numbers as stored.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use jingzhi_app::events::ReportInput;
use jingzhi_app::Actor;
use jingzhi_domain::registry::ResidentInput;

#[tokio::test]
async fn records_read_field_by_field_in_both_languages() {
    let t = TestApp::new().await;
    let sys = Actor::system(&t.city);
    // An update of resident A: a new phone number, and a volunteer now.
    t.app
        .registry()
        .update_resident(
            &sys,
            t.res_a.id,
            &ResidentInput {
                name: "王建国".into(),
                id_number: "11010519491231002X".into(),
                phone: Some("13900001111".into()),
                relationship: Some("户主".into()),
                volunteer: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // An event: created with a status, an urgency and a deadline.
    let e = t
        .app
        .events()
        .report(
            &sys,
            &ReportInput {
                category: "sanitation".into(),
                node_id: Some(t.building_a.id),
                description: "楼道堆放杂物".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let deadline = jingzhi_domain::time_fmt::format_ms(e.deadline_at);

    let (a, _) = t.browser_session("auditor").await;
    let r = t.page("/audit", &a).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    // The update shows only what changed, masked as stored.
    assert!(
        html.contains(r#"<span title="phone">联系电话</span>: 138****5678 → 139****1111"#),
        "{html}"
    );
    assert!(html.contains(r#"<span title="tags.volunteer">注册志愿者</span>: 否 → 是"#));
    assert!(!html.contains(r#"<span title="birth_date">出生日期</span>: 1949-12-31 → "#));
    // The creation shows every field, with no arrow.
    assert!(html.contains(r#"<span title="id_number">身份证号</span>: 110***********002X<"#));
    assert!(html.contains(r#"<span title="relationship">与户主关系</span>: 户主<"#));
    // Numbers in clear never appear.
    for clear in ["11010519491231002X", "13812345678", "13900001111"] {
        assert!(!html.contains(clear), "{clear} in clear");
    }
    // The event: its state by name, its deadline in China time, its category by name.
    assert!(html.contains(r#"<span title="status">状态</span>: 已上报<"#));
    assert!(html.contains(&format!(
        r#"<span title="deadline_at">办理时限</span>: {deadline}<"#
    )));
    assert!(html.contains(r#"<span title="urgency">紧急程度</span>: 一般<"#));
    assert!(!html.contains("deadline_at: "), "no raw keys");
    // What a record is about, by name.
    assert!(html.contains(&format!("事件 #{}", e.id)), "{html}");

    // In English: the labels and values in English.
    let en = format!("{a}; lang=en");
    let html = t.page("/audit", &en).await.text();
    assert!(html.contains(r#"<span title="phone">Phone</span>: 138****5678 → 139****1111"#));
    assert!(html.contains(r#"<span title="tags.volunteer">Volunteer</span>: no → yes"#));
    assert!(html.contains(r#"<span title="status">Status</span>: reported<"#));
    assert!(html.contains(&format!("Event #{}", e.id)));
    assert!(html.contains(r#"<option value="hotline_ticket">12345 ticket</option>"#));
    // The JSON API is unchanged: raw before/after.
    let token = t.token("auditor").await;
    let j = t.get("/api/v1/audit?entity=resident", &token).await.json();
    let items = j["items"].as_array().expect("items");
    let upd = items
        .iter()
        .find(|i| i["action"] == "update")
        .expect("the update");
    assert_eq!(upd["after"]["phone"], "139****1111");
    assert!(upd.get("changes").is_none());
}
