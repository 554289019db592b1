//! The 12345 hotline: realistic ticket files in .xlsx, .csv and JSON where most addresses match
//! and some go to the queue; malformed files change nothing; re-import is idempotent; the
//! export imports back as "already imported"; the queue creates events; scope.

mod common;

use common::World;
use jingzhi_app::hotline::{Format, HotlineImportReport};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::events::EventFilter;
use jingzhi_domain::registry::NodeKind;
use jingzhi_store::registry::Node;
use sqlx::Row;

/// The world plus a second street (鲸园街道) whose community has a 海景花园 and, like community
/// A, a 前进小区.
struct Hot {
    w: World,
    street2: Node,
    haijing: Vec<Node>,
    qianjin2: Node,
}

async fn world() -> Hot {
    let w = World::new().await;
    let street2 = w
        .add_node(&w.district, NodeKind::Street, "371002002000", "鲸园街道")
        .await;
    let comm = w
        .add_node(&street2, NodeKind::Community, "371002002001", "海新社区")
        .await;
    let grid = w
        .add_node(&comm, NodeKind::Grid, "371002002001001", "海新第一网格")
        .await;
    let hj = w
        .add_node(&grid, NodeKind::Compound, "371002002001001001", "海景花园")
        .await;
    let mut haijing = vec![];
    for b in 1..=3 {
        haijing.push(
            w.add_node(
                &hj,
                NodeKind::Building,
                &format!("371002002001001001{b:03}"),
                &format!("海景花园{b}号楼"),
            )
            .await,
        );
    }
    let qj = w
        .add_node(&grid, NodeKind::Compound, "371002002001001002", "前进小区")
        .await;
    let qianjin2 = w
        .add_node(
            &qj,
            NodeKind::Building,
            "371002002001001002001",
            "前进小区1号楼",
        )
        .await;
    Hot {
        w,
        street2,
        haijing,
        qianjin2,
    }
}

const HEADERS: [&str; 9] = [
    "工单编号",
    "来电时间",
    "来电人",
    "联系电话",
    "诉求地址",
    "诉求内容",
    "问题分类",
    "紧急程度",
    "办理时限",
];

/// Eight tickets as a 12345 platform exports them: four addresses match a building, four go to
/// the queue (ambiguous, a road address, a short compound name, no building number).
fn tickets(prefix: &str) -> Vec<[String; 9]> {
    let rows: [[&str; 9]; 8] = [
        [
            "001",
            "2026-11-20 09:15:00",
            "王建国",
            "13812345678",
            "山东省威海市环翠区环翠楼街道前进社区前进小区1号楼2单元301室",
            "楼上每晚装修噪音扰民",
            "环境保护/噪音扰民",
            "一般",
            "",
        ],
        [
            "002",
            "2026/11/20 10:02",
            "李秀英",
            "0631-5201234",
            "环翠楼街道 前进小区 ２栋",
            "楼道里堆满杂物，影响通行",
            "城乡建设/楼道堆物",
            "加急",
            "2026-11-22 10:02",
        ],
        [
            "003",
            "2026-11-21 14:30",
            "张伟",
            "138****5678",
            "东北村社区向阳小区一号楼",
            "小区门口违规停车堵住消防通道",
            "交通管理/违规停车",
            "紧急",
            "",
        ],
        [
            "004",
            "2026-11-21 16:45:10",
            "",
            "",
            "鲸园街道海景花园3号楼",
            "物业不作为，电梯坏了一周没人修",
            "城乡建设/物业管理/物业服务",
            "",
            "",
        ],
        [
            "005",
            "2026-11-22 08:00",
            "刘洋",
            "13900001111",
            "前进小区1号楼",
            "有人在楼道飞线给电动车充电",
            "公共安全-飞线充电",
            "紧急",
            "",
        ],
        [
            "006",
            "2026-11-22 09:30",
            "陈静",
            "",
            "统一路88号门口",
            "路灯不亮",
            "城市管理/路灯",
            "",
            "",
        ],
        [
            "007",
            "2026-11-23 11:11",
            "赵磊",
            "",
            "海景小区2号楼",
            "户籍办理咨询",
            "户籍办理",
            "",
            "",
        ],
        [
            "008",
            "2026-11-23 12:00",
            "孙丽",
            "",
            "鲸园街道海景花园",
            "垃圾清运不及时",
            "环境卫生",
            "一般",
            "",
        ],
    ];
    rows.iter()
        .map(|r| {
            let mut out: [String; 9] = r.map(String::from);
            out[0] = format!("{prefix}{}", r[0]);
            out
        })
        .collect()
}

fn csv(rows: &[[String; 9]], bom: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(HEADERS).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    let mut out = if bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        vec![]
    };
    out.extend(w.into_inner().unwrap());
    out
}

fn xlsx(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn json(rows: &[[String; 9]]) -> Vec<u8> {
    let keys = [
        "ticket_no",
        "called_at",
        "caller_name",
        "caller_phone",
        "address",
        "content",
        "category",
        "urgency",
        "due_at",
    ];
    let arr: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (k, v) in keys.iter().zip(r.iter()) {
                if !v.is_empty() {
                    o.insert(k.to_string(), serde_json::Value::String(v.clone()));
                }
            }
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::to_vec(&arr).unwrap()
}

async fn counts(w: &World) -> (i64, i64, i64) {
    let mut c = w.app.store.acquire().await.unwrap();
    let n = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    (
        n("SELECT COUNT(*) FROM hotline_tickets")
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        n("SELECT COUNT(*) FROM events")
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        n("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut *c)
            .await
            .unwrap(),
    )
}

fn outcome<'a>(r: &'a HotlineImportReport, no: &str) -> &'a jingzhi_app::hotline::TicketOutcome {
    r.tickets
        .iter()
        .find(|t| t.ticket_no == no)
        .unwrap_or_else(|| panic!("no ticket {no} in {:?}", r.tickets))
}

/// Checks a fresh import of `tickets(prefix)` by the city-wide operator.
async fn check_realistic(h: &Hot, r: &HotlineImportReport, prefix: &str) {
    let w = &h.w;
    assert!(r.committed, "{:?}", r.errors);
    assert_eq!(
        (r.rows, r.created, r.queued, r.already_imported),
        (8, 4, 4, 0),
        "{:#?}",
        r.tickets
    );
    let want = [
        ("001", Some(w.building_a.id)),
        ("002", Some(w.building_a2.id)),
        ("003", Some(w.building_b.id)),
        ("004", Some(h.haijing[2].id)),
    ];
    let admin = Actor::system(&w.city);
    for (no, b) in want {
        let t = outcome(r, &format!("{prefix}{no}"));
        assert_eq!(t.outcome, "created", "{t:?}");
        let e = w
            .app
            .events()
            .view(&admin, t.event_id.unwrap())
            .await
            .unwrap()
            .event;
        assert_eq!(Some(e.node_id), b, "{t:?}");
        assert_eq!(e.source, "hotline");
        // The ticket number is on the event's timeline and linked to it.
        let v = w.app.events().view(&admin, e.id).await.unwrap();
        assert!(v.timeline[0]
            .note
            .as_deref()
            .unwrap()
            .contains(&format!("{prefix}{no}")));
        let tk = w
            .app
            .hotline()
            .ticket_of_event(&admin, e.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(tk.ticket_no, format!("{prefix}{no}"));
    }
    let e1 = w
        .app
        .events()
        .view(
            &admin,
            outcome(r, &format!("{prefix}001")).event_id.unwrap(),
        )
        .await
        .unwrap()
        .event;
    assert_eq!(e1.reporter_name, "王建国");
    // Without the hotline's own 办理时限 the deadline counts from the call, not the import.
    let call = w
        .app
        .hotline()
        .ticket_of_event(&admin, e1.id)
        .await
        .unwrap()
        .unwrap()
        .called_at;
    assert_eq!(
        jingzhi_domain::hotline::format_datetime(call),
        "2026-11-20 09:15:00"
    );
    assert_eq!(
        e1.deadline_at,
        w.app.events().deadline_policy().deadline(e1.urgency, call),
        "the deadline counts from 来电时间"
    );
    assert_eq!(e1.category_code, "noise");
    assert_eq!(e1.description, "楼上每晚装修噪音扰民");
    let e2 = w
        .app
        .events()
        .view(
            &admin,
            outcome(r, &format!("{prefix}002")).event_id.unwrap(),
        )
        .await
        .unwrap()
        .event;
    assert_eq!(e2.category_code, "stairwell_clutter");
    assert_eq!(e2.urgency.as_str(), "urgent");
    assert_eq!(
        jingzhi_domain::hotline::format_datetime(e2.deadline_at),
        "2026-11-22 10:02:00",
        "办理时限 is the deadline"
    );
    let e4 = w
        .app
        .events()
        .view(
            &admin,
            outcome(r, &format!("{prefix}004")).event_id.unwrap(),
        )
        .await
        .unwrap()
        .event;
    assert_eq!(e4.reporter_name, "匿名来电人");
    assert_eq!(e4.category_code, "property_service");
    for no in ["005", "006", "007", "008"] {
        let t = outcome(r, &format!("{prefix}{no}"));
        assert_eq!(t.outcome, "queued", "{t:?}");
        assert!(t.event_id.is_none());
    }
    // The short name suggests 海景花园2号楼 without deciding.
    let t7 = outcome(r, &format!("{prefix}007"));
    assert_eq!(t7.building.as_deref(), Some("海景花园2号楼"), "{t7:?}");
    assert!(t7.note.contains("归入其他"), "{t7:?}");
    assert_eq!(r.other_category, 1);
    assert!(outcome(r, &format!("{prefix}008"))
        .note
        .contains("未写明楼号"));
}

#[tokio::test]
async fn realistic_files_match_most_and_queue_the_rest() {
    let h = world().await;
    let w = &h.w;
    let admin = Actor::system(&w.city);
    let (t0, e0, _) = counts(w).await;
    assert_eq!((t0, e0), (0, 0));

    // .xlsx
    let rows: Vec<Vec<String>> = tickets("X").into_iter().map(|r| r.to_vec()).collect();
    let r = w
        .app
        .hotline()
        .import(&admin, "12345工单.xlsx", &xlsx(&HEADERS, &rows))
        .await
        .unwrap();
    check_realistic(&h, &r, "X").await;
    // .csv with a BOM, and without
    let r = w
        .app
        .hotline()
        .import(&admin, "tickets.csv", &csv(&tickets("C"), true))
        .await
        .unwrap();
    check_realistic(&h, &r, "C").await;
    let r = w
        .app
        .hotline()
        .import(&admin, "tickets.csv", &csv(&tickets("D"), false))
        .await
        .unwrap();
    check_realistic(&h, &r, "D").await;
    // JSON with the English keys
    let r = w
        .app
        .hotline()
        .import(&admin, "tickets.json", &json(&tickets("J")))
        .await
        .unwrap();
    check_realistic(&h, &r, "J").await;
    let (t, e, _) = counts(w).await;
    assert_eq!((t, e), (32, 16));
    let list = w
        .app
        .events()
        .list(&admin, EventFilter::default(), None, 500)
        .await
        .unwrap();
    assert_eq!(list.iter().filter(|e| e.source == "hotline").count(), 16);

    // The caller's phone is sealed; the mask is kept in clear.
    let mut c = w.app.store.acquire().await.unwrap();
    let rows = sqlx::query("SELECT id, ticket_no, phone_mask, phone_cipher FROM hotline_tickets")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    let mut seen = 0;
    for row in &rows {
        let no: String = row.try_get("ticket_no").unwrap();
        let mask: Option<String> = row.try_get("phone_mask").unwrap();
        let sealed: Option<Vec<u8>> = row.try_get("phone_cipher").unwrap();
        if no == "X001" {
            assert_eq!(mask.as_deref(), Some("138****5678"));
            let sealed = sealed.clone().unwrap();
            assert!(!sealed.windows(4).any(|w| w == b"1381"), "sealed");
            let id: i64 = row.try_get("id").unwrap();
            let plain = jingzhi_store::hotline::unmask_phone(
                &mut c,
                &w.app.store.cipher,
                &w.city_scope(),
                id,
            )
            .await
            .unwrap();
            assert_eq!(plain.as_deref(), Some("13812345678"));
            seen += 1;
        }
        if no == "X003" {
            // Sent masked by the hotline: only the mask.
            assert_eq!(mask.as_deref(), Some("138****5678"));
            assert!(sealed.is_none());
            seen += 1;
        }
    }
    assert_eq!(seen, 2);
    let dump: String = sqlx::query("SELECT * FROM hotline_tickets")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{:?}", r.try_get::<Option<String>, _>("phone_mask")))
        .collect();
    assert!(!dump.contains("13812345678"));
    let audit: Vec<String> = sqlx::query("SELECT summary, after_json FROM audit_log")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {:?}",
                r.try_get::<String, _>("summary").unwrap(),
                r.try_get::<Option<String>, _>("after_json").unwrap()
            )
        })
        .collect();
    assert!(audit.iter().any(|a| a.contains("导入12345工单")));
    assert!(
        !audit.iter().any(|a| a.contains("13812345678")),
        "no plain phone in the audit"
    );
}

#[tokio::test]
async fn reimport_is_idempotent_and_the_export_comes_back_as_already_imported() {
    let h = world().await;
    let w = &h.w;
    let admin = Actor::system(&w.city);
    let file = csv(&tickets("R"), true);
    w.app
        .hotline()
        .import(&admin, "a.csv", &file)
        .await
        .unwrap();
    let before = counts(w).await;
    let r = w
        .app
        .hotline()
        .import(&admin, "a.csv", &file)
        .await
        .unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.queued, r.already_imported), (0, 0, 8));
    assert!(r.tickets.iter().all(|t| t.outcome == "already_imported"));
    assert_eq!(counts(w).await, before, "nothing written");
    // A file with new and old tickets: only the new ones go in.
    let mut mixed = tickets("R");
    mixed.extend(tickets("S").into_iter().take(1));
    let r = w
        .app
        .hotline()
        .import(&admin, "b.csv", &csv(&mixed, false))
        .await
        .unwrap();
    assert_eq!((r.created, r.already_imported), (1, 8));

    // Work one event so the export has results.
    let ev = w
        .app
        .events()
        .list(&admin, EventFilter::default(), None, 500)
        .await
        .unwrap();
    let e = ev
        .iter()
        .find(|e| e.description.contains("噪音"))
        .unwrap()
        .id;
    w.app.events().accept(&admin, e).await.unwrap();

    for format in [Format::Xlsx, Format::Csv, Format::Json] {
        let x = w
            .app
            .hotline()
            .export(&admin, None, None, format)
            .await
            .unwrap();
        assert_eq!(x.rows, 9);
        if format != Format::Xlsx {
            let text = String::from_utf8(x.bytes.clone()).unwrap();
            assert!(text.contains("R001") && text.contains("138****5678"));
            assert!(!text.contains("13812345678"), "phones masked");
            assert!(text.contains("已受理"), "results: {text}");
            assert!(text.contains("待匹配"));
            if format == Format::Json {
                // Keys in the columns' order.
                let (a, b) = (
                    text.find("\"ticket_no\"").unwrap(),
                    text.find("\"called_at\"").unwrap(),
                );
                assert!(a < b && b < text.find("\"status\"").unwrap());
            }
        }
        let before = counts(w).await;
        let r = w
            .app
            .hotline()
            .import(&admin, &x.file_name, &x.bytes)
            .await
            .unwrap();
        assert!(r.committed, "{format:?}: {:?}", r.errors);
        assert_eq!(r.already_imported, 9, "{format:?}");
        assert_eq!(r.created + r.queued, 0);
        assert_eq!(counts(w).await.0, before.0);
        assert_eq!(counts(w).await.1, before.1);
    }
    // The period filter: calls on 2026-11-20 only.
    let from = jingzhi_app::hotline::day_bound("2026-11-20", false, "from").unwrap();
    let to = jingzhi_app::hotline::day_bound("2026-11-20", true, "to").unwrap();
    let x = w
        .app
        .hotline()
        .export(&admin, from, to, Format::Json)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&x.bytes).unwrap();
    let nos: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert_eq!(nos.len(), 3, "{nos:?}");
    assert!(nos.contains(&"R001") && nos.contains(&"R002") && nos.contains(&"S001"));
}

#[tokio::test]
async fn a_malformed_file_changes_nothing() {
    let h = world().await;
    let w = &h.w;
    let admin = Actor::system(&w.city);
    let before = counts(w).await;
    let good = tickets("M");
    let bad_csv = |edit: &dyn Fn(&mut Vec<[String; 9]>)| {
        let mut rows = good.clone();
        edit(&mut rows);
        csv(&rows, true)
    };
    // (file, expected row, expected column)
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "unknown column",
            {
                let mut h: Vec<&str> = HEADERS.to_vec();
                h[4] = "诉求地点";
                let rows: Vec<Vec<String>> = good.iter().map(|r| r.to_vec()).collect();
                xlsx(&h, &rows)
            },
            1,
            "诉求地点",
        ),
        (
            "missing required column",
            {
                let h: Vec<&str> = HEADERS
                    .iter()
                    .copied()
                    .filter(|h| *h != "来电时间")
                    .collect();
                let rows: Vec<Vec<String>> = good
                    .iter()
                    .map(|r| {
                        r.iter()
                            .enumerate()
                            .filter(|(i, _)| *i != 1)
                            .map(|(_, v)| v.clone())
                            .collect()
                    })
                    .collect();
                xlsx(&h, &rows)
            },
            1,
            "来电时间",
        ),
        (
            "missing content",
            bad_csv(&|r| r[5][5] = String::new()),
            7,
            "诉求内容",
        ),
        (
            "bad date",
            bad_csv(&|r| r[2][1] = "2026-13-40 10:00".into()),
            4,
            "来电时间",
        ),
        (
            "duplicate ticket number",
            bad_csv(&|r| r[6][0] = r[1][0].clone()),
            8,
            "工单编号",
        ),
        (
            "bad urgency",
            bad_csv(&|r| r[0][7] = "十万火急".into()),
            2,
            "紧急程度",
        ),
        (
            "bad phone",
            bad_csv(&|r| r[3][3] = "电话坏了".into()),
            5,
            "联系电话",
        ),
        (
            "deadline before the call",
            bad_csv(&|r| r[1][8] = "2026-11-19 10:00".into()),
            3,
            "办理时限",
        ),
    ];
    for (what, bytes, row, column) in cases {
        let name = if bytes.starts_with(b"PK") {
            "bad.xlsx"
        } else {
            "bad.csv"
        };
        let r = w.app.hotline().import(&admin, name, &bytes).await.unwrap();
        assert!(!r.committed, "{what}");
        assert!(
            r.errors.iter().any(|e| e.row == row && e.column == column),
            "{what}: {:?}",
            r.errors
        );
        assert!(r.tickets.is_empty());
        assert_eq!(counts(w).await, before, "{what}: nothing changed");
    }
    // Every error at once: a bad time on a row whose number also repeats an earlier one.
    let mut rows = good.clone();
    rows[3][0] = rows[0][0].clone();
    rows[3][1] = "明天上午".into();
    let r = w
        .app
        .hotline()
        .import(&admin, "two.csv", &csv(&rows, false))
        .await
        .unwrap();
    assert!(!r.committed);
    assert!(
        r.errors
            .iter()
            .any(|e| e.row == 5 && e.column == "工单编号"),
        "{:?}",
        r.errors
    );
    assert!(
        r.errors
            .iter()
            .any(|e| e.row == 5 && e.column == "来电时间"),
        "{:?}",
        r.errors
    );
    // JSON: an unknown key and a non-array.
    let mut arr: serde_json::Value = serde_json::from_slice(&json(&good)).unwrap();
    arr[2]["addr"] = "x".into();
    let r = w
        .app
        .hotline()
        .import(&admin, "bad.json", &serde_json::to_vec(&arr).unwrap())
        .await
        .unwrap();
    assert!(!r.committed);
    assert!(
        r.errors.iter().any(|e| e.row == 3 && e.column == "addr"),
        "{:?}",
        r.errors
    );
    let e = w
        .app
        .hotline()
        .import(&admin, "bad.json", b"{\"ticket_no\":1}")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    let e = w
        .app
        .hotline()
        .import(&admin, "bad.xls", b"whatever")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    assert_eq!(counts(w).await, before);
}

#[tokio::test]
async fn the_queue_creates_events_and_discards_with_a_reason() {
    let h = world().await;
    let w = &h.w;
    let street = w.user("street.hl", "street-officer", &w.street).await;
    let r = w
        .app
        .hotline()
        .import(&street, "q.csv", &csv(&tickets("Q"), true))
        .await
        .unwrap();
    // In the street's scope 前进小区1号楼 is not ambiguous (the other is in 鲸园街道), and
    // 鲸园街道's buildings are not candidates at all.
    assert_eq!(outcome(&r, "Q005").outcome, "created");
    assert_eq!(outcome(&r, "Q004").outcome, "queued");
    assert_eq!(r.created, 4);
    let queue = w.app.hotline().queue(&street, None, 50).await.unwrap();
    assert_eq!(queue.len(), 4);
    assert!(queue.iter().all(|t| t.path == w.street.path));
    let road = queue.iter().find(|t| t.ticket_no == "Q006").unwrap();

    // Match: a building outside the scope is a field error; inside, the event is created.
    let e = w
        .app
        .hotline()
        .hotline_match(&street, road.id, h.haijing[0].id)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(f) if f[0].field == "building_id"),
        "{e:?}"
    );
    let e = w
        .app
        .hotline()
        .hotline_match(&street, road.id, w.comm_a.id)
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid(_)),
        "a community is not a building"
    );
    let t = w
        .app
        .hotline()
        .hotline_match(&street, road.id, w.building_b.id)
        .await
        .unwrap();
    assert_eq!(t.status, "matched");
    assert_eq!(t.path, w.building_b.path);
    let ev = w
        .app
        .events()
        .view(&street, t.event_id.unwrap())
        .await
        .unwrap();
    assert_eq!(ev.event.node_id, w.building_b.id);
    assert_eq!(ev.event.category_code, "road_facility");
    assert_eq!(ev.event.reporter_name, "陈静");
    assert!(ev.timeline[0].note.as_deref().unwrap().contains("Q006"));
    // Twice is a conflict.
    let e = w
        .app
        .hotline()
        .hotline_match(&street, road.id, w.building_b.id)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict { .. }));

    // Discard needs a reason.
    let nb = queue.iter().find(|t| t.ticket_no == "Q008").unwrap();
    let e = w
        .app
        .hotline()
        .discard(&street, nb.id, "  ")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    let t = w
        .app
        .hotline()
        .discard(&street, nb.id, "不属于本街道")
        .await
        .unwrap();
    assert_eq!(t.status, "discarded");
    assert_eq!(
        w.app
            .hotline()
            .queue(&street, None, 50)
            .await
            .unwrap()
            .len(),
        2
    );
    // Both audited.
    let audit = w
        .app
        .audit()
        .list(
            &Actor::system(&w.city),
            &jingzhi_domain::audit::Filter {
                entity: Some("hotline_ticket".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|a| a.summary.contains("Q006") && a.summary.contains("人工匹配")));
    assert!(audit
        .iter()
        .any(|a| a.summary.contains("Q008") && a.reason.as_deref() == Some("不属于本街道")));
    // The export says so.
    let x = w
        .app
        .hotline()
        .export(&street, None, None, Format::Csv)
        .await
        .unwrap();
    let text = String::from_utf8(x.bytes).unwrap();
    assert!(text.contains("退回：不属于本街道"), "{text}");
}

#[tokio::test]
async fn scope_and_roles() {
    let h = world().await;
    let w = &h.w;
    let street1 = w.user("street.one", "street-officer", &w.street).await;
    let street2 = w.user("street.two", "street-officer", &h.street2).await;
    let worker_a = w.user("worker.hl", "community-worker", &w.comm_a).await;
    let grid = w.user("grid.hl", "grid-worker", &w.grid_a).await;
    let r = w
        .app
        .hotline()
        .import(&street1, "s.csv", &csv(&tickets("P"), true))
        .await
        .unwrap();
    assert!(r.committed);
    let mine = w.app.hotline().queue(&street1, None, 50).await.unwrap();
    assert!(!mine.is_empty());
    // Another street's worker sees none of it and cannot act on it.
    assert!(w
        .app
        .hotline()
        .queue(&street2, None, 50)
        .await
        .unwrap()
        .is_empty());
    for t in &mine {
        assert!(matches!(
            w.app
                .hotline()
                .hotline_match(&street2, t.id, h.qianjin2.id)
                .await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.hotline().discard(&street2, t.id, "越权").await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.hotline().ticket(&street2, t.id).await,
            Err(AppError::NotFound)
        ));
        // Nor does a community worker below the street (the queue is the importer's scope).
        assert!(matches!(
            w.app.hotline().ticket(&worker_a, t.id).await,
            Err(AppError::NotFound)
        ));
    }
    let x = w
        .app
        .hotline()
        .export(&street2, None, None, Format::Json)
        .await
        .unwrap();
    assert_eq!(x.rows, 0);
    // The community worker sees the events created in its community in the export.
    let x = w
        .app
        .hotline()
        .export(&worker_a, None, None, Format::Json)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&x.bytes).unwrap();
    let nos: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert!(
        nos.contains(&"P001") && nos.contains(&"P002") && !nos.contains(&"P003"),
        "{nos:?}"
    );
    // A grid worker may not import.
    assert!(matches!(
        w.app
            .hotline()
            .import(&grid, "g.csv", &csv(&tickets("G"), true))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app.hotline().queue(&grid, None, 50).await,
        Err(AppError::Forbidden)
    ));
}
