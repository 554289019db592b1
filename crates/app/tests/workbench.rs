//! Each role's workbench (工作台, issue 9 §2) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): what waits for a community worker, a steward, a resident and the
//! auditor, each confined to their scope.

mod common;

use common::World;
use jingzhi_app::events::{DispatchInput, HandlerInput, ReportInput};
use jingzhi_app::registry::HouseholdInput;
use jingzhi_app::rounds::{FindingInput, PostInput, VisitInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::events::lifecycle::{Command, Rating, Status};
use jingzhi_domain::time_fmt::now_ms;

fn report(node_id: i64, description: &str) -> ReportInput {
    ReportInput {
        category: "other".into(),
        node_id: Some(node_id),
        description: description.into(),
        ..Default::default()
    }
}

async fn household(w: &World, room: &str) -> i64 {
    w.app
        .registry()
        .create_household(
            &Actor::system(&w.city),
            &HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: room.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn resident(w: &World, worker: &Actor, hh: i64) -> Actor {
    w.resident_of(worker, "wang.jg", hh, "王建国", "11010519491231002X")
        .await
}

#[tokio::test]
async fn a_community_workers_bench_holds_overdue_whistles_and_unvisited_households() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let street = w.user("street", "street-officer", &w.street).await;
    household(&w, "101").await;
    household(&w, "102").await;
    // An event reported a month ago and accepted then: past its deadline now.
    let t0 = now_ms() - 30 * 24 * 3_600_000;
    let old = w
        .app
        .events()
        .report_at(&worker, &report(w.building_a.id, "旧事"), t0)
        .await
        .unwrap();
    w.app
        .events()
        .command_at(&worker, old.id, &Command::Accept, None, t0)
        .await
        .unwrap();
    // A fresh one, whistled to 住建局 and 交警大队; 住建局 reports in.
    let fresh = w
        .app
        .events()
        .report(&worker, &report(w.building_a.id, "楼体外墙脱落"))
        .await
        .unwrap();
    w.app.events().accept(&worker, fresh.id).await.unwrap();
    let wh = w
        .app
        .events()
        .blow_whistle(
            &worker,
            fresh.id,
            &["zhujian".into(), "jiaojing".into()],
            "需联合处置",
        )
        .await
        .unwrap();
    let zj = w.dept_user("zj.staff", "zhujian", &w.district).await;
    w.app
        .events()
        .report_in(&zj, wh.id, "zhujian")
        .await
        .unwrap();

    let b = w.app.workbench().workbench(&worker).await.unwrap();
    let load = b.load.expect("a worker has figures");
    assert_eq!((load.to_accept, load.in_hand, load.overdue), (0, 2, 1));
    assert_eq!(b.overdue.iter().map(|e| e.id).collect::<Vec<_>>(), [old.id]);
    // Only the department that has not reported in waits, by its registry name.
    assert_eq!(b.awaiting_report_in.len(), 1, "{:?}", b.awaiting_report_in);
    assert_eq!(b.awaiting_report_in[0].department, "jiaojing");
    assert_eq!(b.awaiting_report_in[0].department_name, "交警大队");
    assert_eq!(b.awaiting_report_in[0].event_id, fresh.id);
    assert_eq!(b.hotline_unmatched, Some(0));
    assert_eq!(b.not_visited, Some(2));
    assert!(b.post.is_none() && b.my_reports.is_empty() && b.audit.is_empty());

    // The street officer sees the same below them, without the community's visit figure.
    let s = w.app.workbench().workbench(&street).await.unwrap();
    assert_eq!(s.overdue.len(), 1);
    assert_eq!(s.awaiting_report_in.len(), 1);
    assert_eq!(s.not_visited, None);
    // The other community's worker sees none of it.
    let o = w.app.workbench().workbench(&worker_b).await.unwrap();
    assert!(o.overdue.is_empty() && o.awaiting_report_in.is_empty());
    assert_eq!(o.load.unwrap().in_hand, 0);
    assert_eq!(o.not_visited, Some(0));
    // Department staff have their own workbench.
    assert!(matches!(
        w.app.workbench().workbench(&zj).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test]
async fn a_stewards_bench_holds_the_post_households_due_and_findings_with_their_fate() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let h1 = household(&w, "101").await;
    let h2 = household(&w, "1001").await;
    let none = w.app.workbench().workbench(&steward).await.unwrap();
    assert!(none.post.is_none() && none.due.is_empty() && none.findings.is_empty());
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
    let b = w.app.workbench().workbench(&steward).await.unwrap();
    assert_eq!(b.post.as_ref().unwrap().households, 2);
    assert_eq!(b.due.len(), 2);
    // A visit to one household with two findings, one reported as an event.
    w.app
        .rounds()
        .log_visit(
            &steward,
            &VisitInput {
                household_id: h1,
                visited_at: None,
                note: Some("一切正常".into()),
                findings: vec![
                    FindingInput {
                        kind: "hazard".into(),
                        text: "楼道飞线充电".into(),
                        report_category: Some("other".into()),
                        ..Default::default()
                    },
                    FindingInput {
                        kind: "proposal".into(),
                        text: "建议增设车棚".into(),
                        ..Default::default()
                    },
                ],
            },
        )
        .await
        .unwrap();
    let b = w.app.workbench().workbench(&steward).await.unwrap();
    assert_eq!(
        b.due.iter().map(|u| u.household_id).collect::<Vec<_>>(),
        [h2]
    );
    assert_eq!(b.findings.len(), 2);
    let reported = b.findings.iter().find(|f| f.event_id.is_some()).unwrap();
    assert_eq!(reported.event_status.as_deref(), Some("reported"));
    assert!(b.findings.iter().any(|f| f.event_id.is_none()));
    // The community worker accepts it: the steward sees what became of it.
    w.app
        .events()
        .accept(&worker, reported.event_id.unwrap())
        .await
        .unwrap();
    let b = w.app.workbench().workbench(&steward).await.unwrap();
    let f = b.findings.iter().find(|f| f.event_id.is_some()).unwrap();
    assert_eq!(f.event_status.as_deref(), Some("accepted"));
    assert!(b.load.is_some() && b.overdue.is_empty());
}

#[tokio::test]
async fn a_residents_bench_holds_open_reports_those_to_rate_and_unread_notices() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let hh = household(&w, "301").await;
    let res = resident(&w, &worker, hh).await;
    let open = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "路灯不亮"))
        .await
        .unwrap();
    let done = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "楼道堆物"))
        .await
        .unwrap();
    let rated = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "垃圾未清运"))
        .await
        .unwrap();
    // Someone else's report is not the resident's.
    w.app
        .events()
        .report(&worker, &report(w.building_a.id, "别人的事"))
        .await
        .unwrap();
    for id in [done.id, rated.id] {
        w.app.events().accept(&worker, id).await.unwrap();
        w.app
            .events()
            .dispatch(
                &worker,
                id,
                &DispatchInput {
                    lead: HandlerInput {
                        kind: "department".into(),
                        code: Some("chengguan".into()),
                        ..Default::default()
                    },
                    co_handlers: vec![],
                    notified: vec![],
                },
            )
            .await
            .unwrap();
        w.app.events().start(&worker, id).await.unwrap();
        w.app.events().resolve(&worker, id, "已处理").await.unwrap();
        w.app.events().verify(&worker, id).await.unwrap();
        w.app.events().close(&worker, id).await.unwrap();
    }
    w.app
        .events()
        .rate(&res, rated.id, Rating::Satisfied, None)
        .await
        .unwrap();
    let b = w.app.workbench().workbench(&res).await.unwrap();
    // Open first, then closed and waiting for a rating; the rated one is done.
    assert_eq!(
        b.my_reports.iter().map(|e| e.id).collect::<Vec<_>>(),
        [open.id, done.id]
    );
    assert_eq!(b.my_reports[1].status, Status::Closed);
    assert!(!b.unread.is_empty());
    assert!(b.unread.iter().any(|n| n.event_id == Some(done.id)));
    assert!(b.load.is_none() && b.overdue.is_empty() && b.audit.is_empty());
    assert!(b.plans_for_comment.is_empty());
}

#[tokio::test]
async fn the_auditors_bench_is_the_latest_log_in_scope() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    w.app
        .events()
        .report(&worker, &report(w.building_a.id, "井盖缺失"))
        .await
        .unwrap();
    let b = w.app.workbench().workbench(&auditor).await.unwrap();
    assert!(!b.audit.is_empty());
    assert!(b.audit.len() <= jingzhi_app::workbench::LIST_LEN as usize);
    assert!(b.load.is_none() && b.my_reports.is_empty());
}

#[tokio::test]
async fn old_whistles_get_the_display_name_of_who_blew_them() {
    // Whistles written before display names kept the login name; migration 15 replaces it.
    let w = World::new().await;
    let mut worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    sqlx::query("UPDATE users SET display_name = '前进社区王娟' WHERE username = 'worker.a'")
        .execute(&w.db.store.pool)
        .await
        .unwrap();
    worker.user.display_name = "前进社区王娟".into();
    let e = w
        .app
        .events()
        .report(&worker, &report(w.building_a.id, "需联合处置"))
        .await
        .unwrap();
    w.app.events().accept(&worker, e.id).await.unwrap();
    let wh = w
        .app
        .events()
        .blow_whistle(&worker, e.id, &["zhujian".into()], "联合处置")
        .await
        .unwrap();
    let store = &w.db.store;
    let blown_by = || async {
        sqlx::query_scalar::<_, String>("SELECT blown_by FROM whistles WHERE id = $1")
            .bind(wh.id)
            .fetch_one(&store.pool)
            .await
            .unwrap()
    };
    let name = blown_by().await;
    assert_eq!(name, "前进社区王娟", "new whistles carry the display name");
    for sql in [
        "UPDATE whistles SET blown_by = 'worker.a'",
        "DELETE FROM schema_migrations WHERE version = 15",
    ] {
        sqlx::query(sql).execute(&store.pool).await.unwrap();
    }
    assert_eq!(blown_by().await, "worker.a");
    assert_eq!(jingzhi_store::migrate::run(store).await.unwrap(), 1);
    assert_eq!(blown_by().await, name);
}
