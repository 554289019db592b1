//! Stewards' rounds on a real database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL):
//! posts and their one-building-one-post rule, visits confined to the post, coverage over 30
//! days, finding → event, specialists (1–2 per grid) and their monthly compliance.

mod common;

use common::World;
use jingzhi_app::registry::HouseholdInput;
use jingzhi_app::rounds::{
    FindingInput, PostInput, ReportFindingInput, ServiceInput, SpecialistInput, VisitInput,
};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Filter;
use jingzhi_domain::rounds::VisitFilter;
use jingzhi_domain::rounds::{Month, MonthStatus, DAY_MS};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::registry::Household;

async fn household(w: &World, building_id: i64, room: &str) -> Household {
    let sys = Actor::system(&w.city);
    w.app
        .registry()
        .create_household(
            &sys,
            &HouseholdInput {
                building_id: Some(building_id),
                unit: Some(1),
                room: room.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

fn visit(household_id: i64, at: Option<i64>) -> VisitInput {
    VisitInput {
        household_id,
        visited_at: at,
        note: Some("家中一切正常".into()),
        findings: vec![],
    }
}

fn field(e: &AppError) -> String {
    match e {
        AppError::Invalid(fs) => fs[0].field.to_string(),
        AppError::Conflict { field, .. } => field.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn posts_confine_visits_and_scopes_hide_other_communities() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let steward2 = w.user("steward.a2", "steward", &w.comm_a).await;
    let gridw = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let h1 = household(&w, w.building_a.id, "101").await;
    let h2 = household(&w, w.building_a2.id, "201").await;
    let hb = household(&w, w.building_b.id, "301").await;

    // Only managers assign posts.
    let input = PostInput {
        user_id: steward.id(),
        grid_id: w.grid_a.id,
        building_ids: vec![w.building_a.id],
    };
    assert!(matches!(
        w.app.rounds().save_post(&steward, &input).await,
        Err(AppError::Forbidden)
    ));
    let post = w.app.rounds().save_post(&worker, &input).await.unwrap();
    assert_eq!(post.post.holder_name, "steward.a");
    assert_eq!(post.buildings.len(), 1);
    assert_eq!(post.households, 1);
    // A building is in at most one steward post …
    let e = w
        .app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward2.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id, w.building_a2.id],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "building_ids", "{e:?}");
    // … and nothing was changed by the refused call.
    assert!(w.app.rounds().my_post(&steward2).await.unwrap().is_none());
    // … but it may also be in one grid-worker post.
    w.app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: gridw.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id, w.building_a2.id],
            },
        )
        .await
        .unwrap();
    // A building of another grid (and community) cannot join the post.
    let e = w
        .app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_b.id],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "building_ids");
    let audits = jingzhi_store::audit::list(
        &mut w.db.store.acquire().await.unwrap(),
        &w.city_scope(),
        &Filter {
            entity: Some("rounds_post".into()),
            ..Default::default()
        },
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(audits.len(), 2, "two posts saved, two audit records");

    // The steward logs a visit to a household of the post …
    let v = w
        .app
        .rounds()
        .log_visit(&steward, &visit(h1.id, None))
        .await
        .unwrap();
    assert_eq!(v.household_id, h1.id);
    // … not to one of the community outside the post, nor of another community.
    for hh in [&h2, &hb] {
        let e = w
            .app
            .rounds()
            .log_visit(&steward, &visit(hh.id, None))
            .await
            .unwrap_err();
        assert_eq!(field(&e), "household_id", "{e:?}");
    }
    // A worker without a post, and a role that holds none, cannot log.
    assert_eq!(
        field(
            &w.app
                .rounds()
                .log_visit(&steward2, &visit(h1.id, None))
                .await
                .unwrap_err()
        ),
        "household_id"
    );
    assert!(matches!(
        w.app.rounds().log_visit(&worker, &visit(h1.id, None)).await,
        Err(AppError::Forbidden)
    ));
    // Domain rules reach the user: a time in the future, an unknown finding kind.
    let e = w
        .app
        .rounds()
        .log_visit(&steward, &visit(h1.id, Some(now_ms() + 3_600_000)))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "visited_at");
    let mut bad = visit(h1.id, None);
    bad.findings.push(FindingInput {
        kind: "gossip".into(),
        text: "x".into(),
        ..Default::default()
    });
    assert_eq!(
        field(&w.app.rounds().log_visit(&steward, &bad).await.unwrap_err()),
        "kind"
    );

    // Community B's worker sees nothing of A.
    assert!(w
        .app
        .rounds()
        .list_posts(&worker_b, None, 1, 50)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(matches!(
        w.app.rounds().post_view(&worker_b, post.post.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.rounds().get_visit(&worker_b, v.id).await,
        Err(AppError::NotFound)
    ));
    assert!(w
        .app
        .rounds()
        .list_visits(&worker_b, VisitFilter::default(), None, 1, 50)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(matches!(
        w.app
            .rounds()
            .coverage(&worker_b, Some(w.comm_a.id), 1, 20)
            .await,
        Err(AppError::NotFound)
    ));
    let cov_b = w
        .app
        .rounds()
        .coverage(&worker_b, None, 1, 20)
        .await
        .unwrap();
    assert!(cov_b.posts.items.is_empty());
    assert_eq!((cov_b.households, cov_b.covered), (1, 0));
    // A's worker sees the visit, per household and per worker.
    let by_h = VisitFilter {
        household_id: Some(h1.id),
        ..Default::default()
    };
    assert_eq!(
        w.app
            .rounds()
            .list_visits(&worker, by_h, None, 1, 20)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let by_u = VisitFilter {
        visitor_user_id: Some(steward.id()),
        ..Default::default()
    };
    assert_eq!(
        w.app
            .rounds()
            .list_visits(&worker, by_u, None, 1, 20)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// The visit form's household picker: building by building, rooms in natural order.
#[tokio::test]
async fn the_visit_form_lists_rooms_in_natural_order() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    for room in ["1001", "2-101", "101", "10-101", "102"] {
        household(&w, w.building_a.id, room).await;
    }
    let post = w
        .app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id],
            },
        )
        .await
        .unwrap();
    let rooms: Vec<String> = w
        .app
        .rounds()
        .post_households(&steward, post.post.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        rooms,
        [
            "前进小区1号楼1单元101室",
            "前进小区1号楼1单元102室",
            "前进小区1号楼1单元1001室",
            "前进小区1号楼1单元2-101室",
            "前进小区1号楼1单元10-101室",
        ]
    );
}

#[tokio::test]
async fn coverage_counts_thirty_days() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let h_old = household(&w, w.building_a.id, "101").await;
    let h_recent = household(&w, w.building_a.id, "102").await;
    let h_never = household(&w, w.building_a2.id, "201").await;
    let post = w
        .app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id, w.building_a2.id],
            },
        )
        .await
        .unwrap();
    let now = now_ms();
    w.app
        .rounds()
        .log_visit_at(&steward, &visit(h_old.id, Some(now - 31 * DAY_MS)), now)
        .await
        .unwrap();
    w.app
        .rounds()
        .log_visit_at(&steward, &visit(h_recent.id, Some(now - 29 * DAY_MS)), now)
        .await
        .unwrap();
    // An older visit logged later does not undo a newer one.
    w.app
        .rounds()
        .log_visit_at(&steward, &visit(h_recent.id, Some(now - 50 * DAY_MS)), now)
        .await
        .unwrap();

    let cov = w
        .app
        .rounds()
        .coverage_at(&worker, None, 1, 20, now)
        .await
        .unwrap();
    assert_eq!((cov.households, cov.covered, cov.uncovered), (3, 1, 2));
    let g = cov
        .grids
        .items
        .iter()
        .find(|g| g.id == w.grid_a.id)
        .unwrap();
    assert_eq!((g.households, g.covered), (3, 1));
    let (p, households, covered) = &cov.posts.items[0];
    assert_eq!((p.id, *households, *covered), (post.post.id, 3, 1));

    let list = w
        .app
        .rounds()
        .uncovered_at(&worker, None, None, 1, 20, now)
        .await
        .unwrap();
    let ids: Vec<i64> = list.items.iter().map(|u| u.household_id).collect();
    assert!(
        ids.contains(&h_old.id) && ids.contains(&h_never.id),
        "{ids:?}"
    );
    assert!(!ids.contains(&h_recent.id));
    let old = list
        .items
        .iter()
        .find(|u| u.household_id == h_old.id)
        .unwrap();
    assert_eq!(old.last_at, Some(now - 31 * DAY_MS));
    // Per post, and paged.
    let by_post = w
        .app
        .rounds()
        .uncovered_at(&worker, None, Some(post.post.id), 1, 1, now)
        .await
        .unwrap();
    assert_eq!(by_post.items.len(), 1);
    assert!(by_post.has_more);
    // Thirty days later nothing is covered.
    let later = w
        .app
        .rounds()
        .coverage_at(&worker, Some(w.grid_a.id), 1, 20, now + 2 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(later.covered, 0);
}

#[tokio::test]
async fn a_finding_becomes_an_event_at_the_households_building() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let other = w.user("steward.a2", "steward", &w.comm_a).await;
    let h = household(&w, w.building_a2.id, "201").await;
    w.app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a2.id],
            },
        )
        .await
        .unwrap();
    let mut input = visit(h.id, None);
    input.findings = vec![
        FindingInput {
            kind: "hazard".into(),
            text: "楼道内电动车飞线充电".into(),
            ..Default::default()
        },
        FindingInput {
            kind: "proposal".into(),
            text: "建议增设非机动车棚".into(),
            // Reported in the same step as the visit.
            report_category: Some("other".into()),
            ..Default::default()
        },
    ];
    let v = w.app.rounds().log_visit(&steward, &input).await.unwrap();
    assert_eq!(v.findings.len(), 2);
    assert!(v.findings[0].event_id.is_none());
    let auto = v.findings[1].event_id.expect("reported with the visit");

    // A category with a required question is not reported blind with the visit, but the visit
    // is saved all the same and the finding waits for its answers (never lost).
    let mut blind = visit(h.id, None);
    blind.findings = vec![FindingInput {
        kind: "hazard".into(),
        text: "飞线".into(),
        report_category: Some("fire_safety".into()),
        ..Default::default()
    }];
    let logged = w
        .app
        .rounds()
        .log_visit_reporting(&steward, &blind)
        .await
        .unwrap();
    assert_eq!(logged.visit.findings.len(), 1);
    assert!(logged.visit.findings[0].event_id.is_none());
    assert!(logged.reported.is_empty());
    assert_eq!(logged.pending.len(), 1);
    assert_eq!(logged.pending[0].finding_id, logged.visit.findings[0].id);
    assert_eq!(logged.pending[0].category, "fire_safety");
    assert!(
        logged.pending[0].reason.contains("是否正在发生险情"),
        "{:?}",
        logged.pending
    );
    let saved = w
        .app
        .rounds()
        .get_visit(&worker, logged.visit.id)
        .await
        .unwrap();
    assert_eq!(saved.findings[0].event_id, None);
    // With its answers it is reported with the visit.
    let mut answered = blind.clone();
    answered.findings[0].report_answers = Some(
        [("danger_now".to_string(), serde_json::json!("是"))]
            .into_iter()
            .collect(),
    );
    let logged = w
        .app
        .rounds()
        .log_visit_reporting(&steward, &answered)
        .await
        .unwrap();
    assert!(logged.pending.is_empty(), "{:?}", logged.pending);
    let ev = logged.visit.findings[0].event_id.expect("reported");
    assert_eq!(logged.reported, vec![(logged.visit.findings[0].id, ev)]);
    // An unknown category is still refused with the form (nothing saved).
    let mut unknown = blind.clone();
    unknown.findings[0].report_category = Some("ufo".into());
    assert_eq!(
        field(
            &w.app
                .rounds()
                .log_visit(&steward, &unknown)
                .await
                .unwrap_err()
        ),
        "report_category"
    );

    let f = v.findings[0].id;
    let req = ReportFindingInput {
        category: "fire_safety".into(),
        urgency: Some("urgent".into()),
        answers: Some(
            [("danger_now".to_string(), serde_json::json!("否"))]
                .into_iter()
                .collect(),
        ),
    };
    // Another steward (not the visitor, not a manager) may not.
    assert!(matches!(
        w.app.rounds().report_finding(&other, f, &req).await,
        Err(AppError::Forbidden)
    ));
    let e = w
        .app
        .rounds()
        .report_finding(&steward, f, &req)
        .await
        .unwrap();
    assert_eq!(e.node_id, w.building_a2.id);
    assert_eq!(e.path, w.building_a2.path);
    assert_eq!(e.source, "round");
    assert_eq!(e.category_code, "fire_safety");
    assert!(e.description.contains("楼道内电动车飞线充电"));
    // Linked, and only once.
    let again = w.app.rounds().get_visit(&worker, v.id).await.unwrap();
    assert_eq!(again.findings[0].event_id, Some(e.id));
    assert!(matches!(
        w.app.rounds().report_finding(&worker, f, &req).await,
        Err(AppError::Conflict { .. })
    ));
    // The events use-case's own record and ours.
    let mut conn = w.db.store.acquire().await.unwrap();
    let audits =
        jingzhi_store::audit::list(&mut conn, &w.city_scope(), &Filter::default(), None, 200)
            .await
            .unwrap();
    assert!(audits
        .iter()
        .any(|a| a.entity == "event" && a.entity_id == Some(e.id)));
    assert!(audits.iter().any(|a| a.entity == "rounds_finding"
        && a.entity_id == Some(f)
        && a.summary.contains(&format!("事件#{}", e.id))));
    let auto_ev = jingzhi_store::events::get_event(&mut conn, &w.city_scope(), auto)
        .await
        .unwrap();
    assert_eq!(
        (auto_ev.source.as_str(), auto_ev.node_id),
        ("round", w.building_a2.id)
    );
}

#[tokio::test]
async fn specialists_one_or_two_per_grid_and_compliance_shows_missed_months() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let dept = w.user("dept.zj", "department-staff", &w.district).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let now = now_ms();
    let cur = Month::of_ms(now);
    let since = Month(cur.0 - 3);
    let spec = |name: &str, username: Option<&str>| SpecialistInput {
        grid_id: w.grid_a.id,
        name: name.into(),
        department: "区住房和城乡建设局".into(),
        party_org: "区住建局机关党支部".into(),
        phone: Some("13912345678".into()),
        username: username.map(str::to_string),
        since: Some(since.to_string()),
    };
    assert!(matches!(
        w.app
            .rounds()
            .assign_specialist(&steward, &spec("张三", None))
            .await,
        Err(AppError::Forbidden)
    ));
    let a = w
        .app
        .rounds()
        .assign_specialist_at(&worker, &spec("李建国", Some("dept.zj")), now)
        .await
        .unwrap();
    assert_eq!(a.phone_mask.as_deref(), Some("139****5678"));
    let b = w
        .app
        .rounds()
        .assign_specialist_at(&worker, &spec("王秀英", None), now)
        .await
        .unwrap();
    let e = w
        .app
        .rounds()
        .assign_specialist_at(&worker, &spec("赵六", None), now)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "grid_id");
    assert!(format!("{e:?}").contains("1–2"), "{e:?}");
    // The phone is stored sealed.
    let mut conn = w.db.store.acquire().await.unwrap();
    let raw: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT phone_cipher FROM rounds_specialists WHERE id = $1")
            .bind(a.id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&raw.unwrap()).contains("13912345678"));
    drop(conn);

    // The specialist logs their own months; the community worker logs one on B's behalf.
    let svc = |m: Month| ServiceInput {
        month: m.to_string(),
        content: "走访困难党员".into(),
    };
    for m in [since, Month(since.0 + 1), Month(since.0 + 2)] {
        w.app
            .rounds()
            .log_service_at(&dept, a.id, &svc(m), now)
            .await
            .unwrap();
    }
    w.app
        .rounds()
        .log_service_at(&worker, b.id, &svc(since), now)
        .await
        .unwrap();
    // Not twice a month, not ahead, not by someone else.
    assert_eq!(
        field(
            &w.app
                .rounds()
                .log_service_at(&dept, a.id, &svc(since), now)
                .await
                .unwrap_err()
        ),
        "month"
    );
    assert_eq!(
        field(
            &w.app
                .rounds()
                .log_service_at(&dept, a.id, &svc(cur.next()), now)
                .await
                .unwrap_err()
        ),
        "month"
    );
    assert!(matches!(
        w.app
            .rounds()
            .log_service_at(&dept, b.id, &svc(cur), now)
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .rounds()
            .log_service_at(&steward, b.id, &svc(cur), now)
            .await,
        Err(AppError::Forbidden)
    ));

    let v = w
        .app
        .rounds()
        .compliance_at(
            &worker,
            None,
            Some(&since.to_string()),
            Some(&cur.to_string()),
            false,
            1,
            20,
            now,
        )
        .await
        .unwrap();
    assert_eq!(v.months.len(), 4);
    let row_a = v.rows.iter().find(|r| r.specialist.id == a.id).unwrap();
    assert!(row_a.missed.is_empty(), "{:?}", row_a.missed);
    assert_eq!(row_a.months[3], MonthStatus::Pending);
    let row_b = v.rows.iter().find(|r| r.specialist.id == b.id).unwrap();
    assert_eq!(row_b.missed, vec![Month(since.0 + 1), Month(since.0 + 2)]);
    assert_eq!(row_b.months[0], MonthStatus::Served);
    // Only those who missed a month.
    let missed = w
        .app
        .rounds()
        .compliance_at(
            &worker,
            None,
            Some(&since.to_string()),
            Some(&cur.to_string()),
            true,
            1,
            20,
            now,
        )
        .await
        .unwrap();
    let ids: Vec<i64> = missed.rows.iter().map(|r| r.specialist.id).collect();
    assert_eq!(ids, vec![b.id]);
    // A bad range is refused.
    assert!(w
        .app
        .rounds()
        .compliance_at(
            &worker,
            None,
            Some(&cur.to_string()),
            Some(&since.to_string()),
            false,
            1,
            20,
            now
        )
        .await
        .is_err());
    // Community B sees none of A's specialists.
    let vb = w
        .app
        .rounds()
        .compliance_at(&worker_b, None, None, None, false, 1, 20, now)
        .await
        .unwrap();
    assert!(vb.rows.is_empty());
    assert!(matches!(
        w.app
            .rounds()
            .log_service_at(&worker_b, a.id, &svc(cur), now)
            .await,
        Err(AppError::NotFound)
    ));
    // Ending one frees a place in the grid.
    w.app.rounds().end_specialist(&worker, b.id).await.unwrap();
    w.app
        .rounds()
        .assign_specialist_at(&worker, &spec("赵六", None), now)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_demo_city_has_posts_visits_and_specialists() {
    let db = jingzhi_store::testing::TestDb::new().await;
    let app = jingzhi_app::App::new(db.store.clone());
    app.demo()
        .generate(&jingzhi_app::demo::DemoOptions {
            scale: 0.003,
            seed: 7,
            demo_password: Some("demo-pass-1".into()),
        })
        .await
        .unwrap();
    let login = |u: &'static str| {
        let app = app.clone();
        async move { Actor::new(app.auth().login(u, "demo-pass-1").await.unwrap()) }
    };
    let admin = login("admin").await;
    let steward = login("dongbeicun.steward").await;
    let gridw = login("dongbeicun.grid1").await;
    let zhujian = login("zhujian").await;

    // City coverage: most households covered, some not; grids and posts listed.
    let cov = app.rounds().coverage(&admin, None, 1, 20).await.unwrap();
    assert!(cov.households > 3000, "{}", cov.households);
    assert!(
        cov.covered * 2 > cov.households,
        "{} of {}",
        cov.covered,
        cov.households
    );
    assert!(cov.uncovered > 0);
    assert!(!cov.grids.items.is_empty() && !cov.posts.items.is_empty());
    let list = app
        .rounds()
        .uncovered(&admin, None, None, 1, 20)
        .await
        .unwrap();
    assert_eq!(list.items.len(), 20);
    // The city's newest visits (on SQLite walked by the time index), newest first.
    let newest = app
        .rounds()
        .list_visits(&admin, VisitFilter::default(), None, 1, 20)
        .await
        .unwrap();
    assert_eq!(newest.items.len(), 20);
    assert!(newest
        .items
        .windows(2)
        .all(|w| (w[0].visited_at, w[0].id) >= (w[1].visited_at, w[1].id)));
    // The demo steward and grid worker hold posts and have visits.
    for a in [&steward, &gridw] {
        let post = app.rounds().my_post(a).await.unwrap().expect("a demo post");
        assert!(!post.buildings.is_empty());
        let mine = app
            .rounds()
            .list_visits(
                a,
                VisitFilter {
                    visitor_user_id: Some(a.id()),
                    ..Default::default()
                },
                None,
                1,
                5,
            )
            .await
            .unwrap();
        assert!(!mine.items.is_empty());
        // And may log a new one to a household of their post.
        let hh = app.rounds().post_households(a, post.post.id).await.unwrap()[0].0;
        app.rounds().log_visit(a, &visit(hh, None)).await.unwrap();
    }
    // Specialists: every grid has one or two; some months were missed; zhujian has one.
    let comp = app
        .rounds()
        .compliance(&admin, None, None, None, true, 1, 50)
        .await
        .unwrap();
    assert!(!comp.rows.is_empty());
    assert!(comp.rows.iter().all(|r| !r.missed.is_empty()));
    let f = jingzhi_domain::rounds::SpecialistFilter {
        user_id: Some(zhujian.id()),
        ..Default::default()
    };
    assert_eq!(
        app.rounds()
            .list_specialists(&zhujian, None, &f, 1, 5)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// A steward files a proposal from a visit finding for a member of the visited household; the
/// proposal is at the household's building and its timeline says where it came from.
#[tokio::test]
async fn a_steward_files_a_proposal_from_a_visit_finding() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let resident = w
        .resident_at(
            &worker,
            "res.visit",
            "601",
            "赵奶奶",
            jingzhi_domain::registry::IdNumber::build(
                371002,
                time::macros::date!(1950 - 05 - 05),
                901,
            )
            .as_str(),
        )
        .await;
    let rid = resident.user.resident_id.unwrap();
    let hh = w
        .app
        .registry()
        .resident_view(&worker, rid)
        .await
        .unwrap()
        .resident
        .household_id;
    w.app
        .rounds()
        .save_post(
            &worker,
            &PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id],
            },
        )
        .await
        .unwrap();
    let mut v = visit(hh, None);
    v.findings.push(FindingInput {
        kind: "proposal".into(),
        text: "建议楼下增设休息座椅".into(),
        ..Default::default()
    });
    let logged = w.app.rounds().log_visit(&steward, &v).await.unwrap();
    let finding = logged.findings[0].id;
    let p = w.app.participation();
    let form = p.finding_proposal_form(&steward, finding).await.unwrap();
    assert_eq!(form.members, vec![(rid, "赵奶奶".to_string())]);
    let e = p
        .file_proposal_from_finding(&steward, finding, None, "增设座椅", "楼下没有座椅")
        .await
        .unwrap_err();
    assert_eq!(field(&e), "resident_id");
    // Someone of another household is not who made the suggestion.
    let other = w
        .resident_at(
            &worker,
            "res.other",
            "602",
            "钱先生",
            jingzhi_domain::registry::IdNumber::build(
                371002,
                time::macros::date!(1960 - 06 - 06),
                902,
            )
            .as_str(),
        )
        .await;
    let e = p
        .file_proposal_from_finding(&steward, finding, other.user.resident_id, "增设座椅", "x")
        .await
        .unwrap_err();
    assert_eq!(field(&e), "resident_id");
    let filed = p
        .file_proposal_from_finding(&steward, finding, Some(rid), "增设座椅", "楼下没有座椅")
        .await
        .unwrap();
    assert_eq!(filed.author_name, "赵奶奶");
    assert_eq!(filed.node_id, w.building_a.id);
    let view = p.proposal_view(&resident, filed.id).await.unwrap();
    assert!(view.timeline.iter().any(|t| t
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("来自走访发现"))));
}
