//! Event use-cases on a real database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL).

mod common;

use common::World;
use jingzhi_app::events::{DispatchInput, HandlerInput, InspectionInput, ReportInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Filter;
use jingzhi_domain::events::default_categories;
use jingzhi_domain::events::lifecycle::{Rating, Status};
use jingzhi_domain::events::whistle::{DeptStatus, WhistleStatus};
use jingzhi_domain::events::EventFilter;

fn report(category: &str, node_id: i64, description: &str) -> ReportInput {
    ReportInput {
        category: category.into(),
        node_id: Some(node_id),
        description: description.into(),
        ..Default::default()
    }
}

fn answers(pairs: &[(&str, &str)]) -> Option<serde_json::Map<String, serde_json::Value>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
    )
}

fn dispatch(lead: &str) -> DispatchInput {
    DispatchInput {
        lead: HandlerInput {
            kind: "department".into(),
            code: Some(lead.into()),
            ..Default::default()
        },
        co_handlers: vec![HandlerInput {
            kind: "property_company".into(),
            name: "红色物业".into(),
            code: None,
        }],
        notified: vec![HandlerInput {
            kind: "grid_worker".into(),
            name: "前进一网格".into(),
            code: None,
        }],
    }
}

/// A resident account living in building A.
async fn resident(w: &World, worker: &Actor) -> Actor {
    w.resident_at(worker, "wang.jg", "301", "王建国", "11010519491231002X")
        .await
}

/// Report, accept, dispatch, start, resolve, verify and close: returns the event id.
async fn to_closed(w: &World, reporter: &Actor, worker: &Actor) -> i64 {
    let e = w
        .app
        .events()
        .report(
            reporter,
            &ReportInput {
                answers: answers(&[("floor", "3")]),
                ..report("stairwell_clutter", w.building_a.id, "三楼楼道堆满纸箱")
            },
        )
        .await
        .unwrap();
    w.app.events().accept(worker, e.id).await.unwrap();
    w.app
        .events()
        .dispatch(worker, e.id, &dispatch("chengguan"))
        .await
        .unwrap();
    w.app.events().start(worker, e.id).await.unwrap();
    w.app
        .events()
        .resolve(worker, e.id, "已清理纸箱")
        .await
        .unwrap();
    w.app.events().verify(worker, e.id).await.unwrap();
    let e = w.app.events().close(worker, e.id).await.unwrap();
    assert_eq!(e.status, Status::Closed);
    e.id
}

#[tokio::test]
async fn categories_in_the_database_are_the_domain_defaults() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let rows = w.app.events().categories(&worker).await.unwrap();
    let cats: Vec<_> = rows
        .into_iter()
        .map(|r| {
            assert!(r.active);
            r.category
        })
        .collect();
    assert_eq!(cats, default_categories());
}

#[tokio::test]
async fn happy_path_from_report_to_rating_with_timeline_and_audit() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker).await;
    let html = "<script>alert(1)</script> 三楼楼道堆满纸箱";
    let e = w
        .app
        .events()
        .report(
            &res,
            &ReportInput {
                category: "stairwell_clutter".into(),
                description: html.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(e.status, Status::Reported);
    assert_eq!(e.node_id, w.building_a.id);
    assert_eq!(e.path, w.building_a.path);
    assert_eq!(e.description, html, "stored as given");
    assert_eq!(e.reporter_name, "王建国");
    assert_eq!(e.deadline_at - e.reported_at, 7 * 24 * 3_600_000);

    w.app.events().accept(&worker, e.id).await.unwrap();
    w.app
        .events()
        .dispatch(&worker, e.id, &dispatch("chengguan"))
        .await
        .unwrap();
    w.app.events().start(&worker, e.id).await.unwrap();
    w.app
        .events()
        .resolve(&worker, e.id, "已清理纸箱")
        .await
        .unwrap();
    w.app.events().verify(&worker, e.id).await.unwrap();
    w.app.events().close(&worker, e.id).await.unwrap();
    let rated = w
        .app
        .events()
        .rate(&res, e.id, Rating::Satisfied, Some("很快"))
        .await
        .unwrap();
    assert_eq!(rated.status, Status::Rated);
    assert_eq!(rated.rating, Some(Rating::Satisfied));
    assert!(
        rated.responded_at.is_some()
            && rated.first_resolved_at.is_some()
            && rated.closed_at.is_some()
    );

    let view = w.app.events().view(&worker, e.id).await.unwrap();
    let steps: Vec<_> = view.timeline.iter().map(|t| t.to_status.as_str()).collect();
    assert_eq!(
        steps,
        [
            "reported",
            "accepted",
            "dispatched",
            "in_progress",
            "resolved",
            "verified",
            "closed",
            "rated"
        ]
    );
    assert_eq!(view.timeline[7].note.as_deref(), Some("满意：很快"));
    let roles: Vec<_> = view
        .handlers
        .iter()
        .map(|h| (h.role.as_str(), h.handler_name.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("lead", "城管局"),
            ("co_handler", "红色物业"),
            ("notified", "前进一网格")
        ]
    );
    assert!(!view.overdue);

    // The resident sees their own event; every step is in the audit log.
    assert_eq!(
        w.app
            .events()
            .list(&res, EventFilter::default(), None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.app.events().view(&res, e.id).await.unwrap().event.id,
        e.id
    );
    let admin = w.user("admin", "city-admin", &w.city).await;
    let log = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                entity: Some("event".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 8);

    // The timeline is append-only in the database itself.
    let mut conn = w.db.store.acquire().await.unwrap();
    assert!(sqlx::query("UPDATE event_transitions SET note = 'x'")
        .execute(&mut *conn)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM event_transitions")
        .execute(&mut *conn)
        .await
        .is_err());
}

#[tokio::test]
async fn dissatisfied_reopens_once_then_escalates() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker).await;
    let id = to_closed(&w, &res, &worker).await;
    let e = w
        .app
        .events()
        .rate(&res, id, Rating::Dissatisfied, Some("纸箱又堆回来了"))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.reopened, e.escalations),
        (Status::InProgress, 1, 0)
    );
    assert!(e.closed_at.is_none() && e.resolved_at.is_none() && e.first_resolved_at.is_some());
    w.app
        .events()
        .resolve(&worker, id, "再次清理并张贴告示")
        .await
        .unwrap();
    w.app.events().verify(&worker, id).await.unwrap();
    w.app.events().close(&worker, id).await.unwrap();
    let e = w
        .app
        .events()
        .rate(&res, id, Rating::Dissatisfied, None)
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.reopened, e.escalations),
        (Status::Escalated, 1, 1)
    );
    // The level above dispatches it again.
    let street = w.user("street.a", "street-officer", &w.street).await;
    let e = w
        .app
        .events()
        .dispatch(&street, id, &dispatch("minzheng"))
        .await
        .unwrap();
    assert_eq!(e.status, Status::Dispatched);
    let view = w.app.events().view(&street, id).await.unwrap();
    assert_eq!(view.handlers[0].handler_name, "民政局");
    assert_eq!(view.handlers.len(), 3, "old handlers deactivated");
}

#[tokio::test]
async fn illegal_transitions_are_refused_and_change_nothing() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let e = w
        .app
        .events()
        .report(&grid, &report("noise", w.building_a.id, "夜间施工"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid(ref f) if f[0].field == "answers"),
        "{e:?}"
    );
    let e = w
        .app
        .events()
        .report(
            &grid,
            &ReportInput {
                answers: answers(&[("time", "夜间")]),
                ..report("noise", w.building_a.id, "夜间施工")
            },
        )
        .await
        .unwrap();

    let before = w.app.events().view(&worker, e.id).await.unwrap();
    let err = w.app.events().close(&worker, e.id).await.unwrap_err();
    match err {
        AppError::Invalid(f) => {
            assert_eq!(f[0].field, "status");
            assert_eq!(f[0].reason, "事件当前状态为“已上报”，不能结案");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        w.app.events().resolve(&worker, e.id, "x").await,
        Err(AppError::Invalid(_))
    ));
    // A grid worker may not accept; an empty reason is refused.
    assert!(matches!(
        w.app.events().accept(&grid, e.id).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app.events().invalidate(&worker, e.id, "  ").await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        w.app.events().merge(&worker, e.id, e.id).await,
        Err(AppError::Invalid(_))
    ));
    let after = w.app.events().view(&worker, e.id).await.unwrap();
    assert_eq!(after.event.status, Status::Reported);
    assert_eq!(after.event.updated_at, before.event.updated_at);
    assert_eq!(after.timeline.len(), 1);

    // Bad input on report.
    for bad in [
        report("no_such", w.building_a.id, "x"),
        report("other", w.building_a.id, "   "),
        report("other", w.grid_a.id, &"长".repeat(2001)),
        ReportInput {
            urgency: Some("now".into()),
            ..report("other", w.building_a.id, "x")
        },
        report("other", w.comm_a.id, "社区不是楼宇"),
    ] {
        assert!(
            matches!(
                w.app.events().report(&grid, &bad).await,
                Err(AppError::Invalid(_))
            ),
            "{bad:?}"
        );
    }

    // Invalid and merged are final.
    let dup = w
        .app
        .events()
        .report(&worker, &report("other", w.building_a2.id, "同一问题"))
        .await
        .unwrap();
    let m = w.app.events().merge(&worker, dup.id, e.id).await.unwrap();
    assert_eq!((m.status, m.merged_into), (Status::Merged, Some(e.id)));
    assert!(matches!(
        w.app.events().accept(&worker, dup.id).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_whistle_is_done_only_when_every_task_is_done() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let e = w
        .app
        .events()
        .report(
            &worker,
            &ReportInput {
                urgency: Some("emergency".into()),
                answers: answers(&[("blocking", "是")]),
                ..report("parking", w.building_a.id, "经营车辆占用居民车位")
            },
        )
        .await
        .unwrap();
    assert_eq!(e.deadline_at - e.reported_at, 2 * 3_600_000);
    // Not before it is accepted.
    assert!(w
        .app
        .events()
        .blow_whistle(&worker, e.id, &["chengguan".into()], "需联合执法")
        .await
        .is_err());
    w.app.events().accept(&worker, e.id).await.unwrap();
    let depts = vec!["chengguan".to_string(), "jiaojing".to_string()];
    let wh = w
        .app
        .events()
        .blow_whistle(&worker, e.id, &depts, "需联合执法")
        .await
        .unwrap();
    assert_eq!(
        wh.whistle.report_in_deadline - wh.whistle.blown_at,
        30 * 60_000
    );

    let chengguan = w.user("cg.staff", "department-staff", &w.street).await;
    let mut chengguan_user = chengguan.user.clone();
    chengguan_user.department = Some("chengguan".into());
    let chengguan = Actor::new(chengguan_user);
    // Staff of one department cannot report in for another.
    assert!(matches!(
        w.app
            .events()
            .report_in(&chengguan, wh.id, "jiaojing")
            .await,
        Err(AppError::Forbidden)
    ));
    w.app
        .events()
        .report_in(&chengguan, wh.id, "chengguan")
        .await
        .unwrap();
    let inspection = InspectionInput {
        at: None,
        participants: "城管局：张三；交警大队：李四；社区：王五".into(),
        findings: "经营车辆长期占用居民车位".into(),
        solution: "安装护栏，施划双向车道线".into(),
        tasks: vec![
            ("chengguan".into(), "安装护栏".into()),
            ("jiaojing".into(), "施划双向车道线".into()),
        ],
    };
    assert!(
        matches!(
            w.app
                .events()
                .record_inspection(&worker, wh.id, &inspection)
                .await,
            Err(AppError::Invalid(_))
        ),
        "交警大队 not yet reported in"
    );
    w.app
        .events()
        .report_in(&worker, wh.id, "jiaojing")
        .await
        .unwrap();
    let wh2 = w
        .app
        .events()
        .record_inspection(&worker, wh.id, &inspection)
        .await
        .unwrap();
    assert_eq!(wh2.whistle.status, WhistleStatus::Inspected);
    let wh3 = w
        .app
        .events()
        .complete_whistle_task(&chengguan, wh.id, "chengguan")
        .await
        .unwrap();
    assert_eq!(
        wh3.whistle.status,
        WhistleStatus::Inspected,
        "one task still open"
    );
    assert!(wh3.done_at.is_none());
    assert!(matches!(
        w.app
            .events()
            .rate_department(&worker, wh.id, "chengguan", Rating::Satisfied)
            .await,
        Err(AppError::Invalid(_))
    ));
    let wh4 = w
        .app
        .events()
        .complete_whistle_task(&worker, wh.id, "jiaojing")
        .await
        .unwrap();
    assert_eq!(wh4.whistle.status, WhistleStatus::Done);
    assert!(wh4.done_at.is_some());
    w.app
        .events()
        .rate_department(&worker, wh.id, "chengguan", Rating::Satisfied)
        .await
        .unwrap();
    let wh5 = w
        .app
        .events()
        .rate_department(&worker, wh.id, "jiaojing", Rating::FairlySatisfied)
        .await
        .unwrap();
    assert_eq!(wh5.whistle.status, WhistleStatus::Rated);
    assert!(wh5
        .whistle
        .departments
        .iter()
        .all(|d| d.status == DeptStatus::Rated));

    let view = w.app.events().view(&worker, e.id).await.unwrap();
    assert!(view.event.whistled);
    assert_eq!(view.whistles.len(), 1);
    assert_eq!(
        view.whistles[0].inspection.as_ref().unwrap().solution,
        "安装护栏，施划双向车道线"
    );
    assert_eq!(
        view.timeline
            .iter()
            .filter(|t| t.command == "whistle")
            .count(),
        8
    );
}

#[tokio::test]
async fn another_community_sees_nothing() {
    let w = World::new().await;
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let e = w
        .app
        .events()
        .report(&worker_a, &report("other", w.building_a.id, "井盖松动"))
        .await
        .unwrap();
    assert!(matches!(
        w.app.events().view(&worker_b, e.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.events().accept(&worker_b, e.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .events()
            .blow_whistle(&worker_b, e.id, &["chengguan".into()], "x")
            .await,
        Err(AppError::NotFound)
    ));
    assert!(w
        .app
        .events()
        .list(&worker_b, EventFilter::default(), None, 50)
        .await
        .unwrap()
        .is_empty());
    // Nor can they report at a building outside their scope.
    assert!(matches!(
        w.app
            .events()
            .report(&worker_b, &report("other", w.building_a.id, "x"))
            .await,
        Err(AppError::Invalid(_))
    ));
    let m = w
        .app
        .events()
        .metrics(&worker_b, None, 0, i64::MAX)
        .await
        .unwrap();
    assert_eq!(m.counts.reported, 0);
    assert_eq!(m.rates.response_rate, None);
    // The street above both sees it.
    let street = w.user("street.a", "street-officer", &w.street).await;
    assert_eq!(
        w.app
            .events()
            .list(&street, EventFilter::default(), None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.app.events().view(&worker_a, e.id).await.unwrap().event.id,
        e.id
    );
}

#[tokio::test]
async fn metrics_on_a_small_set() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker).await;
    let h = 3_600_000i64;
    let t0 = 1_700_000_000_000i64;
    let app = &w.app;
    use jingzhi_domain::events::lifecycle::Command as C;
    let d = dispatch("chengguan").to_domain().unwrap();
    let ev = |cat: &'static str, urgency: &'static str| ReportInput {
        urgency: Some(urgency.into()),
        answers: match cat {
            "noise" => answers(&[("time", "白天")]),
            _ => None,
        },
        ..report(cat, w.building_a.id, "问题")
    };
    // 1: satisfied, resolved in 1 h (on time); accepted in 1 h.
    // 2: fairly satisfied, urgent (24 h) but resolved after 30 h (late); accepted after 3 h (late response).
    // 3: invalid after 1 h.  4: still in progress, whistled.
    let mut ids = vec![];
    for (i, (cat, urg)) in [
        ("other", "ordinary"),
        ("noise", "urgent"),
        ("other", "ordinary"),
        ("sanitation", "ordinary"),
    ]
    .into_iter()
    .enumerate()
    {
        let e = app
            .events()
            .report_at(&res, &ev(cat, urg), t0 + i as i64)
            .await
            .unwrap();
        ids.push(e.id);
    }
    let run = |id: i64, steps: Vec<(C, i64)>, who: Actor| async move {
        for (c, at) in steps {
            app.events()
                .command_at(&who, id, &c, None, at)
                .await
                .unwrap();
        }
    };
    let full = |resp: i64, resolved: i64, rating: Rating| {
        vec![
            (C::Accept, t0 + resp),
            (C::Dispatch(d.clone()), t0 + resp + 1),
            (C::Start, t0 + resp + 2),
            (
                C::Resolve {
                    result: "好了".into(),
                },
                t0 + resolved,
            ),
            (C::Verify, t0 + resolved + 1),
            (C::Close, t0 + resolved + 2),
            (C::Rate(rating), t0 + resolved + 3),
        ]
    };
    let mut steps1 = full(h, 2 * h, Rating::Satisfied);
    let rate1 = steps1.pop().unwrap();
    run(ids[0], steps1, worker.clone()).await;
    run(ids[0], vec![rate1], res.clone()).await;
    run(
        ids[1],
        full(3 * h, 30 * h, Rating::FairlySatisfied),
        worker.clone(),
    )
    .await;
    run(
        ids[2],
        vec![(
            C::Invalidate {
                reason: "重复".into(),
            },
            t0 + h,
        )],
        worker.clone(),
    )
    .await;
    run(ids[3], vec![(C::Accept, t0 + 10)], worker.clone()).await;
    app.events()
        .blow_whistle_at(&worker, ids[3], &["chengguan".into()], "联合处置", t0 + 20)
        .await
        .unwrap();

    let m = app
        .events()
        .metrics(&worker, None, t0, t0 + 100 * h)
        .await
        .unwrap();
    let c = &m.counts;
    assert_eq!((c.reported, c.valid, c.responded_in_time), (4, 3, 3));
    assert_eq!((c.resolved, c.resolved_on_time), (2, 1));
    assert_eq!(
        (c.satisfied, c.fairly_satisfied, c.dissatisfied, c.whistled),
        (1, 1, 0, 1)
    );
    let r = &m.rates;
    assert_eq!(r.response_rate, Some(0.75));
    assert!((r.resolution_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((r.satisfaction_rate.unwrap() - 0.95).abs() < 1e-9);
    assert_eq!(r.on_time_rate, Some(0.5));
    assert!((r.whistle_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        m.by_category[0],
        ("other".to_string(), "其他".to_string(), 2)
    );
    assert_eq!(m.by_category.len(), 3);

    // Overdue: event 4 (ordinary, 7 days) is overdue after 8 days.
    let f = EventFilter {
        overdue_at: Some(t0 + 8 * 24 * h),
        ..Default::default()
    };
    let overdue = app.events().list(&worker, f, None, 50).await.unwrap();
    assert_eq!(
        overdue.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![ids[3]]
    );
    // Residents have no metrics.
    assert!(matches!(
        app.events().metrics(&res, None, t0, t0 + h).await,
        Err(AppError::Forbidden)
    ));
}

fn square(w: f64, s: f64) -> String {
    let (e, n) = (w + 0.01, s + 0.01);
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"#
    )
}

#[tokio::test]
async fn a_map_point_is_placed_into_its_grid() {
    use jingzhi_store::registry::{self as sr, NewNode};
    let w = World::new().await;
    let mut c = w.db.store.acquire().await.unwrap();
    let city = jingzhi_domain::scope::Scope::new(w.city.id, w.city.path.clone());
    for (g, west) in [(&w.grid_a, 122.10), (&w.grid_b, 122.11)] {
        let n = NewNode {
            name: g.name.clone(),
            boundary: Some(square(west, 37.50)),
            ..Default::default()
        };
        sr::update_node(&mut c, &city, g.id, &n).await.unwrap();
    }
    drop(c);
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let at = |x: f64, y: f64| ReportInput {
        category: "road_facility".into(),
        description: "路灯不亮".into(),
        answers: answers(&[("facility", "路灯")]),
        x: Some(x),
        y: Some(y),
        ..Default::default()
    };
    let e = w
        .app
        .events()
        .report(&worker_a, &at(122.105, 37.505))
        .await
        .unwrap();
    assert_eq!(e.node_id, w.grid_a.id);
    assert_eq!((e.x, e.y), (Some(122.105), Some(37.505)));
    // In grid B: another community, not this worker's.
    let err = w
        .app
        .events()
        .report(&worker_a, &at(122.115, 37.505))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(v) if v[0].field == "x"),
        "{err:?}"
    );
    // Outside every grid, and not a coordinate at all.
    for (x, y) in [(121.0, 37.0), (500.0, 37.0), (f64::NAN, 1.0)] {
        let err = w
            .app
            .events()
            .report(&worker_a, &at(x, y))
            .await
            .unwrap_err();
        assert!(matches!(&err, AppError::Invalid(_)), "{err:?}");
    }
    let street = w.user("street", "street-officer", &w.street).await;
    let e = w
        .app
        .events()
        .report(&street, &at(122.115, 37.505))
        .await
        .unwrap();
    assert_eq!(e.node_id, w.grid_b.id);
}

/// One path writes every new event (`events::create`): a resident's and a staff member's
/// report, a 12345 ticket matched by hand and an Open311 request each get the same first
/// timeline row and an audit record of the same shape, with their own source.
#[tokio::test]
async fn every_source_creates_an_event_the_same_way() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker).await;
    let mut ids = vec![];
    for who in [&res, &worker] {
        let e = w
            .app
            .events()
            .report(
                who,
                &ReportInput {
                    answers: answers(&[("floor", "3")]),
                    ..report("stairwell_clutter", w.building_a.id, "楼道堆物")
                },
            )
            .await
            .unwrap();
        ids.push((
            e.id,
            if who.user.role == jingzhi_domain::auth::Role::Resident {
                "resident"
            } else {
                "staff"
            },
        ));
    }
    // A 12345 ticket whose address matches nothing, matched by hand.
    let ticket = serde_json::json!([{
        "ticket_no": "T-1", "called_at": "2026-11-20 09:15:00", "caller_name": "李秀英",
        "address": "某路某号", "content": "路灯不亮", "category": "其他",
    }]);
    let r = w
        .app
        .hotline()
        .import(&worker, "t.json", &serde_json::to_vec(&ticket).unwrap())
        .await
        .unwrap();
    assert_eq!((r.created, r.queued), (0, 1), "{r:?}");
    let queued = w.app.hotline().queue(&worker, None, 10).await.unwrap();
    let t = w
        .app
        .hotline()
        .hotline_match(&worker, queued[0].id, w.building_a.id)
        .await
        .unwrap();
    ids.push((t.event_id.unwrap(), "hotline"));
    // An Open311 request.
    let key = w.app.open311().add_key(&admin, "one-path").await.unwrap();
    let client = w.app.open311().client(Some(&key.api_key)).await.unwrap();
    let created = w
        .app
        .open311()
        .create(
            &client,
            &jingzhi_app::open311::CreateInput {
                service_code: "other".into(),
                address_id: Some(w.building_a.code.clone()),
                description: Some("井盖缺失".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ids.push((created.id, "open311"));

    let audit = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                entity: Some("event".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let mut shapes = vec![];
    for (id, source) in ids {
        let e = w.app.events().view(&admin, id).await.unwrap();
        assert_eq!(e.event.source, source);
        assert_eq!(e.event.status, Status::Reported);
        let first = &e.timeline[0];
        assert_eq!(
            (first.command.as_str(), first.to_status.as_str()),
            ("report", "reported")
        );
        let rec: Vec<_> = audit
            .iter()
            .filter(|a| a.entity_id == Some(id) && a.action == "create")
            .collect();
        assert_eq!(rec.len(), 1, "one audit record of the creation of #{id}");
        assert!(
            rec[0].summary.starts_with(&format!("事件#{id} 上报")),
            "{}",
            rec[0].summary
        );
        let after = rec[0].after.as_ref().unwrap();
        assert_eq!(after["source"], source);
        assert_eq!(after["status"], "reported");
        let mut keys: Vec<String> = after.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        shapes.push(keys);
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
}
