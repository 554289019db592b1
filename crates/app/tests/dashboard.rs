//! The event dashboard (metrics for any place and period, the monthly rollup) and duplicate
//! suggestions, on a real database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL).

mod common;

use common::World;
use jingzhi_app::demo::DemoOptions;
use jingzhi_app::events::{DispatchInput, HandlerInput, InspectionInput, ReportInput};
use jingzhi_app::{Actor, App, AppError};
use jingzhi_domain::events::lifecycle::{Command, Rating, Status};
use jingzhi_domain::events::metrics::{month_start, months, Counts, PlaceMonth};
use jingzhi_store::metrics as sm;
use jingzhi_store::testing::TestDb;

fn report(category: &str, node_id: i64, text: &str, x: f64, y: f64) -> ReportInput {
    ReportInput {
        category: category.into(),
        node_id: Some(node_id),
        description: text.into(),
        answers: Some(
            match category {
                "parking" => vec![("blocking", "是")],
                "noise" => vec![("time", "夜间")],
                _ => vec![],
            }
            .into_iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.into())))
            .collect(),
        ),
        x: Some(x),
        y: Some(y),
        ..Default::default()
    }
}

fn dispatch() -> Command {
    Command::Dispatch(
        DispatchInput {
            lead: HandlerInput {
                kind: "grid_worker".into(),
                name: "前进一网格".into(),
                code: None,
            },
            co_handlers: vec![],
            notified: vec![],
        }
        .to_domain()
        .unwrap(),
    )
}

const H: i64 = 3_600_000;

/// Drive an event reported at `t` through `steps` (command, hours after the previous step).
async fn drive(app: &App, worker: &Actor, id: i64, t: i64, steps: &[(Command, i64)]) {
    let mut at = t;
    for (cmd, hours) in steps {
        at += hours * H;
        app.events()
            .command_at(worker, id, cmd, None, at)
            .await
            .unwrap_or_else(|e| panic!("{cmd:?}: {e:?}"));
    }
}

fn full(rating: Rating) -> Vec<(Command, i64)> {
    vec![
        (Command::Accept, 1),
        (dispatch(), 1),
        (Command::Start, 2),
        (
            Command::Resolve {
                result: "已处理".into(),
            },
            20,
        ),
        (Command::Verify, 2),
        (Command::Close, 2),
        (Command::Rate(rating), 5),
    ]
}

/// A mixed history in two communities over three months (Feb–Apr 2026), with a hotline-free
/// share, reopens, an invalid, a merged and a whistled event.
async fn history(w: &World) -> (Actor, Vec<i64>) {
    let admin = w.user("admin", "city-admin", &w.city).await;
    let mut ids = vec![];
    let base = month_start(202602);
    for (i, (b, cat)) in [
        (w.building_a.id, "parking"),
        (w.building_a2.id, "noise"),
        (w.building_b.id, "parking"),
        (w.building_b.id, "sanitation"),
        (w.building_a.id, "sanitation"),
        (w.building_a.id, "parking"),
        (w.building_b.id, "noise"),
    ]
    .into_iter()
    .enumerate()
    {
        let t = base + (i as i64) * 9 * 24 * H + 3 * H;
        let e = w
            .app
            .events()
            .report_at(
                &admin,
                &report(cat, b, "楼下有车辆占用消防通道", 122.1, 37.5),
                t,
            )
            .await
            .unwrap();
        ids.push((e.id, t));
    }
    let steps: Vec<Vec<(Command, i64)>> = vec![
        full(Rating::Satisfied),
        full(Rating::FairlySatisfied),
        {
            // Rated 不满意 once: reopened, resolved late, then rated 满意.
            let mut s = full(Rating::Dissatisfied);
            s.extend([
                (
                    Command::Resolve {
                        result: "重新处理".into(),
                    },
                    400,
                ),
                (Command::Verify, 1),
                (Command::Close, 1),
                (Command::Rate(Rating::Satisfied), 1),
            ]);
            s
        },
        vec![(
            Command::Invalidate {
                reason: "重复上报".into(),
            },
            5,
        )],
        vec![(Command::Merge { into: ids[0].0 }, 1)],
        vec![(Command::Accept, 3), (dispatch(), 1)],
        vec![],
    ];
    for ((id, t), s) in ids.iter().zip(steps) {
        drive(&w.app, &admin, *id, *t, &s).await;
    }
    // A whistle on the dispatched event: one department reports in on time, one late.
    let (wid_event, t) = ids[5];
    let wh = w
        .app
        .events()
        .blow_whistle_at(
            &admin,
            wid_event,
            &["zhujian".into(), "jiaojing".into()],
            "需联合执法",
            t + 5 * H,
        )
        .await
        .unwrap();
    w.app
        .events()
        .report_in_at(&admin, wh.id, "zhujian", t + 6 * H)
        .await
        .unwrap();
    w.app
        .events()
        .report_in_at(&admin, wh.id, "jiaojing", t + 40 * H)
        .await
        .unwrap();
    w.app
        .events()
        .record_inspection_at(
            &admin,
            wh.id,
            &InspectionInput {
                at: None,
                participants: "住建局、交警大队".into(),
                findings: "车辆占道".into(),
                solution: "安装护栏".into(),
                tasks: vec![
                    ("zhujian".into(), "安装护栏".into()),
                    ("jiaojing".into(), "施划标线".into()),
                ],
            },
            t + 48 * H,
        )
        .await
        .unwrap();
    w.app
        .events()
        .complete_whistle_task_at(&admin, wh.id, "zhujian", t + 60 * H)
        .await
        .unwrap();
    (admin, ids.into_iter().map(|(id, _)| id).collect())
}

fn sorted(mut v: Vec<PlaceMonth>) -> Vec<(String, i32, [i64; 10])> {
    v.sort_by(|a, b| (&a.path, a.month).cmp(&(&b.path, b.month)));
    v.into_iter()
        .filter(|r| !r.counts.is_zero())
        .map(|r| (r.path, r.month, r.counts.values()))
        .collect()
}

#[tokio::test]
async fn the_rollup_agrees_with_counting_the_events() {
    let w = World::new().await;
    let (admin, _) = history(&w).await;
    let (from, to) = (month_start(202601), month_start(202606));
    let mut c = w.db.store.acquire().await.unwrap();
    // The rollup as every write kept it, against a recount from scratch.
    let kept = sorted(
        sm::rollup_rows(&mut c, &w.city.path, 202601, 202606)
            .await
            .unwrap(),
    );
    assert!(!kept.is_empty());
    let mut tx = w.db.store.begin().await.unwrap();
    sm::rebuild_rollup(&mut tx).await.unwrap();
    jingzhi_store::commit(tx).await.unwrap();
    let rebuilt = sorted(
        sm::rollup_rows(&mut c, &w.city.path, 202601, 202606)
            .await
            .unwrap(),
    );
    assert_eq!(kept, rebuilt);
    // The dashboard from the rollup equals the events counted directly, the old way too.
    let d = w
        .app
        .metrics()
        .dashboard(&admin, None, Some(from), Some(to))
        .await
        .unwrap();
    assert_eq!(d.counted_from, "rollup");
    let direct = jingzhi_store::events::metric_counts(
        &mut c,
        &w.city_scope(),
        from,
        to,
        jingzhi_domain::events::metrics::RESPONSE_LIMIT_MS,
    )
    .await
    .unwrap();
    assert_eq!(d.counts, direct);
    assert_eq!(d.counts.reported, 7);
    assert_eq!(d.counts.valid, 5);
    assert_eq!(
        (
            d.counts.satisfied,
            d.counts.fairly_satisfied,
            d.counts.dissatisfied
        ),
        (2, 1, 0)
    );
    assert_eq!(d.counts.whistled, 1);
    assert_eq!(d.counts.resolved, 3);
    assert_eq!(d.counts.resolved_on_time, 3);
    let sat = d.rates.satisfaction_rate.unwrap();
    assert!((sat - 2.9 / 3.0).abs() < 1e-9, "{sat}");
    // One millisecond later the period is not whole months: counted from the events, the same.
    let e = w
        .app
        .metrics()
        .dashboard(&admin, None, Some(from + 1), Some(to))
        .await
        .unwrap();
    assert_eq!(e.counted_from, "events");
    assert_eq!(e.counts, d.counts);
    assert_eq!(
        e.by_month.iter().map(|m| &m.counts).collect::<Vec<_>>(),
        d.by_month.iter().map(|m| &m.counts).collect::<Vec<_>>()
    );
    assert_eq!(
        e.by_category
            .iter()
            .map(|c| (&c.code, c.events))
            .collect::<Vec<_>>(),
        d.by_category
            .iter()
            .map(|c| (&c.code, c.events))
            .collect::<Vec<_>>()
    );
    assert_eq!(d.by_month.len(), months(202601, 202606).len());
    assert_eq!(d.by_month.iter().map(|m| m.counts.reported).sum::<i64>(), 7);
    // Below the street (the district's one child), then the street's two communities.
    let s = w
        .app
        .metrics()
        .dashboard(&admin, Some(w.street.id), Some(from), Some(to))
        .await
        .unwrap();
    let mut per: Vec<(String, i64)> = s
        .by_child
        .iter()
        .map(|c| (c.place.name.clone(), c.counts.reported))
        .collect();
    per.sort();
    assert_eq!(
        per,
        vec![("东北村社区".to_string(), 3), ("前进社区".to_string(), 4)]
    );
    let a = w
        .app
        .metrics()
        .dashboard(&admin, Some(w.comm_a.id), Some(from), Some(to))
        .await
        .unwrap();
    assert_eq!(a.counted_from, "events");
    assert_eq!(a.counts.reported, 4);
    assert_eq!(a.by_child.len(), 1);
    assert_eq!(a.by_child[0].counts.reported, 4);
    // Parking leads the categories.
    assert_eq!(d.by_category[0].code, "parking");
    assert_eq!(d.by_category[0].events, 3);
    // Whistle performance: two departments, one on time, one task done.
    assert_eq!(d.departments.len(), 2);
    let zj = d
        .departments
        .iter()
        .find(|x| x.counts.department == "住建局")
        .unwrap();
    assert_eq!(
        (zj.counts.reported_in_on_time, zj.counts.tasks_done),
        (1, 1)
    );
    let jj = d
        .departments
        .iter()
        .find(|x| x.counts.department == "交警大队")
        .unwrap();
    assert_eq!(
        (jj.counts.reported_in_on_time, jj.counts.tasks_done),
        (0, 0)
    );
    assert_eq!(jj.rates.on_time_report_in_rate, Some(0.0));
    assert_eq!(zj.rates.mean_report_in_minutes, Some(60.0));
}

#[tokio::test]
async fn the_dashboard_stays_in_scope() {
    let w = World::new().await;
    let (_admin, _) = history(&w).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (from, to) = (Some(month_start(202601)), Some(month_start(202606)));
    let own = w
        .app
        .metrics()
        .dashboard(&worker, None, from, to)
        .await
        .unwrap();
    assert_eq!(own.place.id, w.comm_a.id);
    assert_eq!(own.counts.reported, 4);
    assert!(matches!(
        w.app
            .metrics()
            .dashboard(&worker, Some(w.comm_b.id), from, to)
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .metrics()
            .dashboard(&worker, Some(w.city.id), from, to)
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.metrics().dashboard(&worker, None, to, from).await,
        Err(AppError::Invalid(_))
    ));
    let dir = std::env::temp_dir().join(format!("jz-dash-{}.xlsx", std::process::id()));
    let rows = w
        .app
        .metrics()
        .export_dashboard(&worker, None, from, to, &dir)
        .await
        .unwrap();
    assert!(rows >= 6);
    let bytes = std::fs::read(&dir).unwrap();
    let _ = std::fs::remove_file(&dir);
    assert_eq!(&bytes[..2], b"PK");
    // The workbook's sheets and columns (scripts read them).
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["概览", "按月", "按类别", "按下级", "12345按月", "吹哨部门"]
    );
    let header = |wb: &mut calamine::Xlsx<_>, name: &str| -> Vec<String> {
        let r = wb.worksheet_range(name).unwrap();
        r.rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect()
    };
    let rates = [
        "诉求量",
        "12345诉求量",
        "有效诉求",
        "响应率%",
        "解决率%",
        "满意率%",
        "按期办结率%",
        "吹哨率%",
        "满意",
        "不满意",
    ];
    assert_eq!(header(&mut wb, "概览")[..3], ["地区", "开始", "结束"]);
    assert_eq!(header(&mut wb, "概览")[3..], rates);
    assert_eq!(header(&mut wb, "按月")[1..], rates);
    assert_eq!(header(&mut wb, "按类别"), ["类别", "编码", "诉求量"]);
    assert_eq!(header(&mut wb, "按下级")[0], "下级地区");
    assert_eq!(header(&mut wb, "12345按月")[0], "下级地区");
    assert_eq!(header(&mut wb, "吹哨部门")[0], "部门");
    assert_eq!(header(&mut wb, "吹哨部门")[8], "满意率%");
    let overview = wb.worksheet_range("概览").unwrap();
    assert!(matches!(
        overview.get((1, 3)),
        Some(calamine::Data::Float(_))
    ));
}

#[tokio::test]
async fn duplicates_are_near_similar_recent_and_in_scope() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let t = month_start(202603);
    let mk = |b: i64, cat: &'static str, text: &'static str, x: f64, y: f64, at: i64| {
        let app = w.app.clone();
        let admin = admin.clone();
        async move {
            app.events()
                .report_at(&admin, &report(cat, b, text, x, y), at)
                .await
                .unwrap()
                .id
        }
    };
    let original = mk(
        w.building_a.id,
        "parking",
        "小区门口有车辆长期占用消防通道",
        122.1000,
        37.5000,
        t,
    )
    .await;
    let near = mk(
        w.building_a2.id,
        "parking",
        "小区门口车辆占用消防通道，很危险",
        122.1004,
        37.5002,
        t + 5 * H,
    )
    .await;
    let far = mk(
        w.building_a.id,
        "parking",
        "小区门口有车辆长期占用消防通道",
        122.1100,
        37.5000,
        t + 2 * H,
    )
    .await;
    let other_cat = mk(
        w.building_a.id,
        "noise",
        "小区门口有车辆长期占用消防通道",
        122.1001,
        37.5,
        t + 2 * H,
    )
    .await;
    let late = mk(
        w.building_a.id,
        "parking",
        "小区门口有车辆长期占用消防通道",
        122.1001,
        37.5,
        t + 10 * 24 * H,
    )
    .await;
    // The same words next door, but in the other community.
    let outside = mk(
        w.building_b.id,
        "parking",
        "小区门口有车辆长期占用消防通道",
        122.1001,
        37.5001,
        t + H,
    )
    .await;

    let found = w.app.duplicates().of_event(&worker_a, near).await.unwrap();
    let ids: Vec<i64> = found.iter().map(|s| s.event.id).collect();
    assert_eq!(ids, vec![original], "{found:?}");
    assert!(found[0].score.distance_m < 60.0 && found[0].score.text_similarity > 0.5);
    for not in [far, other_cat, late, outside] {
        assert!(!ids.contains(&not));
    }
    // The city admin sees the other community's report too; never the event itself.
    let city: Vec<i64> = w
        .app
        .duplicates()
        .of_event(&admin, near)
        .await
        .unwrap()
        .iter()
        .map(|s| s.event.id)
        .collect();
    assert!(city.contains(&original) && city.contains(&outside) && !city.contains(&near));
    // A report being written: the same suggestion before it is saved.
    let live = w
        .app
        .duplicates()
        .suggest_duplicates(
            &worker_a,
            "parking",
            122.1003,
            37.5001,
            t + 3 * H,
            "门口车辆占用消防通道",
        )
        .await
        .unwrap();
    let live: Vec<i64> = live.iter().map(|s| s.event.id).collect();
    assert!(live.contains(&original) && live.contains(&near), "{live:?}");
    assert!(!live.contains(&outside) && !live.contains(&far) && !live.contains(&late));
    // Out of scope: not found, as if it did not exist.
    assert!(matches!(
        w.app.duplicates().of_event(&worker_a, outside).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .duplicates()
            .suggest_duplicates(&worker_a, "parking", f64::NAN, 37.5, t, "x")
            .await,
        Err(AppError::Invalid(_))
    ));
    // Merging the duplicate keeps the counts right and removes it from suggestions.
    let merged = w
        .app
        .events()
        .merge(&worker_a, near, original)
        .await
        .unwrap();
    assert_eq!(merged.status, Status::Merged);
    assert_eq!(merged.merged_into, Some(original));
    let again = w
        .app
        .duplicates()
        .of_event(&worker_a, original)
        .await
        .unwrap();
    assert!(again.iter().all(|s| s.event.id != near));
    let d = w
        .app
        .metrics()
        .dashboard(
            &admin,
            None,
            Some(month_start(202603)),
            Some(month_start(202604)),
        )
        .await
        .unwrap();
    assert_eq!(d.counts.reported, 6);
    assert_eq!(d.counts.valid, 5);
}

#[tokio::test]
async fn the_demo_history_fills_the_dashboard_consistently() {
    let db = TestDb::new().await;
    let app = App::new(db.store.clone());
    let report = app
        .demo()
        .generate(&DemoOptions {
            scale: 0.003,
            seed: 3,
            demo_password: Some("demo-password-1".into()),
        })
        .await
        .unwrap();
    assert!(
        report.events as f64 > report.households as f64 * 0.2,
        "{} events",
        report.events
    );
    let admin = app.system_actor().await.unwrap();
    let d = app
        .metrics()
        .dashboard(&admin, None, None, None)
        .await
        .unwrap();
    assert_eq!(d.counted_from, "rollup");
    assert_eq!(d.by_month.len(), 12);
    let mut c = db.store.acquire().await.unwrap();
    let direct = jingzhi_store::events::metric_counts(
        &mut c,
        &admin.scope(),
        d.from_ms,
        d.to_ms,
        jingzhi_domain::events::metrics::RESPONSE_LIMIT_MS,
    )
    .await
    .unwrap();
    assert_eq!(d.counts, direct);
    assert!(d.counts.reported > 0 && d.counts.hotline > 0 && d.counts.whistled > 0);
    assert!(!d.departments.is_empty());
    let kept = sorted(sm::rollup_rows(&mut c, "/", 0, 999_912).await.unwrap());
    let mut tx = db.store.begin().await.unwrap();
    sm::rebuild_rollup(&mut tx).await.unwrap();
    jingzhi_store::commit(tx).await.unwrap();
    assert_eq!(
        kept,
        sorted(sm::rollup_rows(&mut c, "/", 0, 999_912).await.unwrap())
    );
    let total: Counts = {
        let mut t = Counts::default();
        for m in &d.by_month {
            t.add(&m.counts, 1);
        }
        t
    };
    assert_eq!(total, d.counts);
}

#[tokio::test]
async fn the_served_dashboard_is_kept_a_few_seconds_per_scope_and_place() {
    let w = World::new().await;
    let (admin, _) = history(&w).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (from, to) = (Some(month_start(202601)), Some(month_start(202606)));
    let a = w
        .app
        .metrics()
        .dashboard_cached(&admin, None, from, to)
        .await
        .unwrap();
    let b = w
        .app
        .metrics()
        .dashboard_cached(&admin, None, from, to)
        .await
        .unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&a, &b),
        "the second is served from the cache"
    );
    assert_eq!(
        a.counts.reported,
        w.app
            .metrics()
            .dashboard(&admin, None, from, to)
            .await
            .unwrap()
            .counts
            .reported
    );
    // Another scope is another entry, and the cache never widens a scope.
    let own = w
        .app
        .metrics()
        .dashboard_cached(&worker, None, from, to)
        .await
        .unwrap();
    assert_eq!(own.place.id, w.comm_a.id);
    assert!(matches!(
        w.app
            .metrics()
            .dashboard_cached(&worker, Some(w.city.id), from, to)
            .await,
        Err(AppError::NotFound)
    ));
}
