//! The department registry and departments as parties of an event (issue 9 §1), on a real
//! database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL): dispatch and whistles name
//! registry departments by code, a department acts only on what was sent to it, and its staff
//! are told (in-app and through the outbox).

mod common;

use common::World;
use jingzhi_app::departments::NewDepartmentInput;
use jingzhi_app::events::{DispatchInput, HandlerInput, InspectionInput, ReportInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::events::EventFilter;
use jingzhi_store::notify as sn;

fn field(e: &AppError) -> &str {
    match e {
        AppError::Invalid(v) => v[0].field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn dept(code: &str) -> HandlerInput {
    HandlerInput {
        kind: "department".into(),
        code: Some(code.into()),
        ..Default::default()
    }
}

fn dispatch(lead: &str, co: &[&str], notified: &[&str]) -> DispatchInput {
    DispatchInput {
        lead: dept(lead),
        co_handlers: co.iter().map(|c| dept(c)).collect(),
        notified: notified.iter().map(|c| dept(c)).collect(),
    }
}

async fn accepted_event(w: &World, worker: &Actor) -> i64 {
    let e = w
        .app
        .events()
        .report(
            worker,
            &ReportInput {
                category: "road_facility".into(),
                node_id: Some(w.building_a.id),
                description: "井盖缺失".into(),
                answers: Some(
                    [("facility".to_string(), serde_json::json!("井盖"))]
                        .into_iter()
                        .collect(),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app.events().accept(worker, e.id).await.unwrap();
    e.id
}

async fn titles(w: &World, a: &Actor) -> Vec<String> {
    w.app
        .notify()
        .notifications(a, None, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect()
}

#[tokio::test]
async fn the_registry_lists_what_serves_the_place_and_adds_with_audit() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let all = w.app.departments().list(&worker, None).await.unwrap();
    let codes: Vec<&str> = all.iter().map(|d| d.code.as_str()).collect();
    for c in ["zhujian", "chengguan", "minzheng", "jiaojing"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    // A department whose jurisdiction is the other community serves neither community A's
    // places nor is it seen by community A's worker.
    let b_only = w
        .app
        .departments()
        .add(
            Some(&admin),
            &NewDepartmentInput {
                code: "comm-b.wuye".into(),
                name: "社区B物业办".into(),
                level: "street".into(),
                node_code: w.comm_b.code.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(b_only.short_name, "社区B物业办");
    let seen = w.app.departments().list(&worker, None).await.unwrap();
    assert!(!seen.iter().any(|d| d.code == "comm-b.wuye"));
    let serving_b = w
        .app
        .departments()
        .list(&admin, Some(w.building_b.id))
        .await
        .unwrap();
    assert!(serving_b.iter().any(|d| d.code == "comm-b.wuye"));
    let serving_a = w
        .app
        .departments()
        .list(&admin, Some(w.building_a.id))
        .await
        .unwrap();
    assert!(!serving_a.iter().any(|d| d.code == "comm-b.wuye"));
    assert!(serving_a.iter().any(|d| d.code == "jiaojing"));
    // A place out of the caller's scope is "not found".
    assert!(matches!(
        w.app
            .departments()
            .list(&worker, Some(w.building_b.id))
            .await,
        Err(AppError::NotFound)
    ));
    // Bad and duplicate codes, unknown jurisdiction, missing name; not for a worker.
    let bad = |code: &str, name: &str, node: &str| NewDepartmentInput {
        code: code.into(),
        name: name.into(),
        level: "district".into(),
        node_code: node.into(),
        ..Default::default()
    };
    let e = w
        .app
        .departments()
        .add(None, &bad("住建", "x", &w.district.code))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "code");
    let e = w
        .app
        .departments()
        .add(None, &bad("zhujian", "住建局", &w.district.code))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "code");
    let e = w
        .app
        .departments()
        .add(None, &bad("x-1", "x", "999"))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "node_code");
    let e = w
        .app
        .departments()
        .add(None, &bad("x-1", " ", &w.district.code))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "name");
    assert!(matches!(
        w.app
            .departments()
            .add(Some(&worker), &bad("x-2", "x", &w.comm_a.code))
            .await,
        Err(AppError::Forbidden)
    ));
    let mut c = w.app.store.acquire().await.unwrap();
    let log = jingzhi_store::audit::list(
        &mut c,
        &w.city_scope(),
        &jingzhi_domain::audit::Filter {
            entity: Some("department".into()),
            ..Default::default()
        },
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(
        log.len(),
        1,
        "the one department added through the app is audited"
    );
    assert!(log[0].summary.contains("社区B物业办"));
}

#[tokio::test]
async fn department_staff_need_a_registry_department_within_its_jurisdiction() {
    let w = World::new().await;
    let add = |dept: Option<&str>, scope: &jingzhi_store::registry::Node| {
        jingzhi_app::auth::NewUserInput {
            username: "dept.x".into(),
            password: "test-password-1".into(),
            role: "department-staff".into(),
            scope_code: scope.code.clone(),
            display_name: None,
            department: dept.map(str::to_string),
            resident_id: None,
        }
    };
    let e = w
        .app
        .auth()
        .add_user(None, &add(None, &w.district))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "department");
    let e = w
        .app
        .auth()
        .add_user(None, &add(Some("住建局"), &w.district))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "department");
    // 交警大队 is the district's: a city-wide account is outside its jurisdiction.
    let e = w
        .app
        .auth()
        .add_user(None, &add(Some("jiaojing"), &w.city))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "scope");
    let u = w
        .app
        .auth()
        .add_user(None, &add(Some("jiaojing"), &w.district))
        .await
        .unwrap();
    assert_eq!(u.department.as_deref(), Some("jiaojing"));
}

#[tokio::test]
async fn dispatch_names_departments_by_code_from_the_registry() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let id = accepted_event(&w, &worker).await;
    // Unknown codes and free text are refused, naming the field.
    for bad in ["住建局", "nope"] {
        let e = w
            .app
            .events()
            .dispatch(&worker, id, &dispatch(bad, &[], &[]))
            .await
            .unwrap_err();
        assert_eq!(field(&e), "handler", "{bad}");
    }
    let no_code = DispatchInput {
        lead: HandlerInput {
            kind: "department".into(),
            name: "住建局".into(),
            code: None,
        },
        co_handlers: vec![],
        notified: vec![],
    };
    let e = w
        .app
        .events()
        .dispatch(&worker, id, &no_code)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "handler");
    // A department whose jurisdiction does not hold the place cannot take it.
    w.app
        .departments()
        .add(
            None,
            &NewDepartmentInput {
                code: "comm-b.wuye".into(),
                name: "社区B物业办".into(),
                level: "street".into(),
                node_code: w.comm_b.code.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = w
        .app
        .events()
        .dispatch(&worker, id, &dispatch("comm-b.wuye", &[], &[]))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "handler");
    let e = w
        .app
        .events()
        .dispatch(
            &worker,
            id,
            &dispatch("zhujian", &["chengguan"], &["minzheng"]),
        )
        .await
        .unwrap();
    assert_eq!(e.status, Status::Dispatched);
    let v = w.app.events().view(&worker, id).await.unwrap();
    let h: Vec<(&str, &str, Option<&str>)> = v
        .handlers
        .iter()
        .map(|h| {
            (
                h.role.as_str(),
                h.handler_name.as_str(),
                h.handler_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        h,
        [
            ("lead", "住建局", Some("zhujian")),
            ("co_handler", "城管局", Some("chengguan")),
            ("notified", "民政局", Some("minzheng")),
        ]
    );
}

#[tokio::test]
async fn a_department_acts_only_on_what_was_sent_to_it_and_is_told() {
    let w = World::new().await;
    w.app.notify().set_channels(&["webhook"]).await.unwrap();
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let zj = w.dept_user("zj.staff", "zhujian", &w.district).await;
    let cg = w.dept_user("cg.staff", "chengguan", &w.district).await;
    let mz = w.dept_user("mz.staff", "minzheng", &w.district).await;
    let jj = w.dept_user("jj.staff", "jiaojing", &w.district).await;
    let id = accepted_event(&w, &worker).await;
    // Before anything is sent, no department sees it.
    for d in [&zj, &cg, &mz, &jj] {
        assert!(matches!(
            w.app.events().view(d, id).await,
            Err(AppError::NotFound)
        ));
        assert!(w
            .app
            .events()
            .list(d, EventFilter::default(), None, 50)
            .await
            .unwrap()
            .is_empty());
    }
    w.app
        .events()
        .dispatch(&worker, id, &dispatch("chengguan", &[], &["minzheng"]))
        .await
        .unwrap();
    // 住建局 was not sent it: it can neither see it nor start or resolve it.
    assert!(matches!(
        w.app.events().start(&zj, id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.events().resolve(&zj, id, "x").await,
        Err(AppError::NotFound)
    ));
    // 民政局 is only notified: it sees it, but does not handle it.
    assert!(w.app.events().view(&mz, id).await.is_ok());
    assert!(matches!(
        w.app.events().start(&mz, id).await,
        Err(AppError::Forbidden)
    ));
    // The lead department is told, with the deadline; the notified one too.
    let t = titles(&w, &cg).await;
    assert!(t.iter().any(|t| t.contains("新派遣（主办）")), "{t:?}");
    let t = titles(&w, &mz).await;
    assert!(t.iter().any(|t| t.contains("新派遣（知会）")), "{t:?}");
    assert!(titles(&w, &zj).await.is_empty());
    let mine = w
        .app
        .events()
        .list(
            &cg,
            EventFilter {
                assigned_mine: true,
                ..Default::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [id]);
    // Through the outbox too: one webhook row per department staff told.
    let mut c = w.app.store.acquire().await.unwrap();
    let rows = sn::outbox_of_event(&mut c, id).await.unwrap();
    drop(c);
    for u in [&cg, &mz] {
        assert!(
            rows.iter().any(|r| r.user_id == Some(u.id())),
            "outbox for {}",
            u.user.username
        );
    }
    w.app.events().start(&cg, id).await.unwrap();
    w.app.events().resolve(&cg, id, "已补装井盖").await.unwrap();

    // A whistle summons 住建局 and 交警大队: they are told, with the report-in deadline; each
    // reports in for itself only; the inspection tells each its task.
    let id2 = accepted_event(&w, &worker).await;
    let wh = w
        .app
        .events()
        .blow_whistle(
            &worker,
            id2,
            &["zhujian".into(), "jiaojing".into()],
            "需联合执法",
        )
        .await
        .unwrap();
    let t = titles(&w, &zj).await;
    assert!(t.iter().any(|t| t.contains("吹哨召集")), "{t:?}");
    let n = w
        .app
        .notify()
        .notifications(&jj, None, None, 10)
        .await
        .unwrap();
    assert!(n[0].body.contains("前报到"), "{}", n[0].body);
    assert!(w.app.events().view(&zj, id2).await.is_ok());
    assert!(matches!(
        w.app.events().view(&cg, id2).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.events().report_in(&zj, wh.id, "jiaojing").await,
        Err(AppError::Forbidden)
    ));
    w.app
        .events()
        .report_in(&zj, wh.id, "zhujian")
        .await
        .unwrap();
    w.app
        .events()
        .report_in(&jj, wh.id, "jiaojing")
        .await
        .unwrap();
    let view = w.app.events().view(&worker, id2).await.unwrap();
    assert!(
        view.timeline
            .iter()
            .any(|s| s.note.as_deref() == Some("住建局报到")),
        "names, not codes, on the timeline"
    );
    w.app
        .events()
        .record_inspection(
            &worker,
            wh.id,
            &InspectionInput {
                at: None,
                participants: "住建局、交警大队".into(),
                findings: "井盖缺失".into(),
                solution: "补装".into(),
                tasks: vec![
                    ("zhujian".into(), "补装井盖".into()),
                    ("jiaojing".into(), "临时交通管制".into()),
                ],
            },
        )
        .await
        .unwrap();
    let n = w
        .app
        .notify()
        .notifications(&jj, None, None, 10)
        .await
        .unwrap();
    assert!(n.iter().any(|n| n.body.contains("临时交通管制")), "{n:?}");
    // 交警大队's staff see what was whistled to them.
    let mine = w
        .app
        .events()
        .list(&jj, EventFilter::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [id2]);
}

#[tokio::test]
async fn an_overdue_event_tells_its_lead_department() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let cg = w.dept_user("cg.staff", "chengguan", &w.district).await;
    let id = accepted_event(&w, &worker).await;
    let e = w
        .app
        .events()
        .dispatch(&worker, id, &dispatch("chengguan", &[], &[]))
        .await
        .unwrap();
    let admin = w.user("admin", "city-admin", &w.city).await;
    let r = w
        .app
        .events()
        .escalate_overdue_at(&admin, e.deadline_at + 60_000)
        .await
        .unwrap();
    assert_eq!(r.escalated, 1);
    let t = titles(&w, &cg).await;
    assert!(t.iter().any(|t| t.contains("已超期")), "{t:?}");
}

#[tokio::test]
async fn department_staff_do_not_read_the_register() {
    let w = World::new().await;
    let cg = w.dept_user("cg.staff", "chengguan", &w.district).await;
    assert!(w
        .app
        .registry()
        .list_residents(&cg, Default::default(), None, 1, 20)
        .await
        .is_err());
}

#[tokio::test]
async fn workbenches_count_and_split_by_deadline() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let cg = w.dept_user("cg.staff", "chengguan", &w.district).await;
    // A month ago: reported, accepted and dispatched to 城管局, long past its deadline.
    let t0 = jingzhi_domain::time_fmt::now_ms() - 30 * 24 * 3_600_000;
    let input = ReportInput {
        category: "other".into(),
        node_id: Some(w.building_a.id),
        description: "旧事".into(),
        ..Default::default()
    };
    let old = w.app.events().report_at(&worker, &input, t0).await.unwrap();
    w.app
        .events()
        .command_at(
            &worker,
            old.id,
            &jingzhi_domain::events::Command::Accept,
            None,
            t0,
        )
        .await
        .unwrap();
    let d = dispatch("chengguan", &[], &[]).to_domain().unwrap();
    w.app
        .events()
        .command_at(
            &worker,
            old.id,
            &jingzhi_domain::events::Command::Dispatch(d),
            None,
            t0,
        )
        .await
        .unwrap();
    // Now: one report waiting to be accepted, one dispatched to 城管局 within its deadline.
    w.app.events().report(&worker, &input).await.unwrap();
    let fresh = accepted_event(&w, &worker).await;
    w.app
        .events()
        .dispatch(&worker, fresh, &dispatch("chengguan", &[], &[]))
        .await
        .unwrap();
    let load = w.app.events().workload(&worker).await.unwrap();
    assert_eq!(
        (load.to_accept, load.overdue, load.in_hand, load.to_verify),
        (1, 1, 2, 0)
    );
    assert!(matches!(
        w.app.events().workload(&cg).await,
        Err(AppError::Forbidden)
    ));
    let bench = w.app.departments().workbench(&cg).await.unwrap();
    assert_eq!(
        bench.overdue.iter().map(|e| e.id).collect::<Vec<_>>(),
        [old.id]
    );
    assert_eq!(bench.open.iter().map(|e| e.id).collect::<Vec<_>>(), [fresh]);
    assert_eq!((bench.overdue_count, bench.open_count), (1, 1));
    assert!(bench.summoned.is_empty() && bench.tasks.is_empty());
    // The lists show the newest few; the figures count them all. An event sent to another
    // department is not counted.
    let n = jingzhi_app::workbench::LIST_LEN as usize + 2;
    for _ in 0..n {
        let e = accepted_event(&w, &worker).await;
        w.app
            .events()
            .dispatch(&worker, e, &dispatch("chengguan", &[], &[]))
            .await
            .unwrap();
    }
    let other = accepted_event(&w, &worker).await;
    w.app
        .events()
        .dispatch(&worker, other, &dispatch("zhujian", &[], &[]))
        .await
        .unwrap();
    let bench = w.app.departments().workbench(&cg).await.unwrap();
    assert_eq!((bench.overdue_count, bench.open_count), (1, 1 + n as i64));
    assert_eq!(bench.open.len(), jingzhi_app::workbench::LIST_LEN as usize);
    assert!(bench.open.iter().all(|e| e.id != other));
    assert!(bench
        .open
        .windows(2)
        .all(|p| p[0].deadline_at <= p[1].deadline_at));
}
