//! Emergencies (issue 13 §4) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): an incident covers every vulnerable household of its place, each
//! building goes to a member of the most local team, members and staff record checks (all kept,
//! the latest counts), needing help becomes an event, unreachable escalates, and nothing is taken
//! after stand-down.

mod common;

use common::World;
use jingzhi_app::emergency::{CheckInput, IncidentInput, TeamInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::emergency::CheckStatus;
use jingzhi_domain::registry::{IdNumber, ResidentInput};
use time::macros::date;

fn status(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound => "404",
        AppError::Forbidden => "403",
        AppError::Invalid(_) => "422",
        AppError::Conflict { .. } => "409",
        _ => "other",
    }
}

/// A household in `building` with one resident; `tag` sets a vulnerability.
async fn household(
    w: &World,
    worker: &Actor,
    building: i64,
    room: &str,
    n: u32,
    tag: impl FnOnce(&mut ResidentInput),
) -> i64 {
    let hh = w
        .app
        .registry()
        .create_household(
            worker,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(building),
                unit: Some(1),
                room: room.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut r = ResidentInput {
        name: format!("居民{n}"),
        id_number: IdNumber::build(371002, date!(1940 - 05 - 06), 500 + n)
            .as_str()
            .into(),
        ..Default::default()
    };
    tag(&mut r);
    w.app
        .registry()
        .create_resident(worker, hh.id, &r)
        .await
        .unwrap();
    hh.id
}

fn check(h: i64, s: &str, note: &str) -> CheckInput {
    CheckInput {
        household_id: h,
        status: s.into(),
        note: note.into(),
    }
}

#[tokio::test]
async fn an_incident_accounts_for_every_vulnerable_household() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    let steward2 = w.user("steward.a2", "steward", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let e = w.app.emergency();

    // Three vulnerable households in A (two buildings), one ordinary, one vulnerable in B.
    let alone = household(&w, &worker, w.building_a.id, "101", 1, |r| {
        r.elderly_alone = true
    })
    .await;
    let disabled = household(&w, &worker, w.building_a.id, "102", 2, |r| {
        r.disability_grade = Some("二级".into())
    })
    .await;
    let poor = household(&w, &worker, w.building_a2.id, "201", 3, |r| {
        r.low_income = Some("防返贫监测".into())
    })
    .await;
    let ordinary = household(&w, &worker, w.building_a2.id, "202", 4, |_| {}).await;
    let in_b = household(&w, &other, w.building_b.id, "301", 5, |r| {
        r.child_in_difficulty = true
    })
    .await;

    // A grid team of two stewards; a volunteer team in B.
    let team = e
        .create_team(
            &worker,
            &TeamInput {
                node_id: w.grid_a.id,
                kind: "emergency".into(),
                name: "前进一网格应急队".into(),
            },
        )
        .await
        .unwrap();
    e.add_member(&worker, team.id, steward.id(), "急救", true)
        .await
        .unwrap();
    e.add_member(&worker, team.id, steward2.id(), "", false)
        .await
        .unwrap();
    let volunteer = w
        .resident_at(
            &worker,
            "vol.a",
            "109",
            "志愿者甲",
            IdNumber::build(371002, date!(1990 - 01 - 02), 77).as_str(),
        )
        .await;
    e.add_member(&worker, team.id, volunteer.id(), "驾驶", false)
        .await
        .unwrap();
    // Twice: 409; a user outside the team's place: 422; a steward cannot keep teams: 403.
    let again = e
        .add_member(&worker, team.id, steward2.id(), "", false)
        .await;
    assert_eq!(status(&again.unwrap_err()), "409");
    let outside = e.add_member(&worker, team.id, other.id(), "", false).await;
    assert_eq!(status(&outside.unwrap_err()), "422");
    let bad = e
        .add_member(&steward, team.id, steward2.id(), "", false)
        .await;
    assert_eq!(status(&bad.unwrap_err()), "403");
    let (t, members) = e.team(&steward, team.id).await.unwrap();
    assert_eq!((t.members, members.len()), (3, 3));
    assert_eq!(t.leader_user_id, Some(steward.id()));

    // Bad input to a declaration: nothing is created.
    let bad_kind = e
        .declare(
            &worker,
            &IncidentInput {
                kind: "meteor".into(),
                node_id: w.comm_a.id,
                title: "流星".into(),
                retry_minutes: None,
            },
        )
        .await;
    assert_eq!(status(&bad_kind.unwrap_err()), "422");
    let foreign = e
        .declare(
            &worker,
            &IncidentInput {
                kind: "typhoon".into(),
                node_id: w.comm_b.id,
                title: "台风".into(),
                retry_minutes: None,
            },
        )
        .await;
    assert_eq!(status(&foreign.unwrap_err()), "422");
    let by_steward = e
        .declare(
            &steward,
            &IncidentInput {
                kind: "typhoon".into(),
                node_id: w.grid_a.id,
                title: "台风".into(),
                retry_minutes: None,
            },
        )
        .await;
    assert_eq!(status(&by_steward.unwrap_err()), "403");
    assert!(e.incidents(&worker).await.unwrap().is_empty());

    let t0 = 1_790_000_000_000;
    let a = e
        .declare_at(
            &worker,
            &IncidentInput {
                kind: "typhoon".into(),
                node_id: w.comm_a.id,
                title: "台风“海葵”".into(),
                retry_minutes: Some(30),
            },
            t0,
        )
        .await
        .unwrap();
    let id = a.incident.id;
    let (_, board) = e.board(&worker, id).await.unwrap();
    assert_eq!(
        board.total.households, 3,
        "the three vulnerable ones, not the ordinary one"
    );
    assert_eq!(board.total.pending, 3);
    assert_eq!(board.grids.len(), 1);
    assert_eq!(board.buildings.len(), 2);
    // Each building went to one of the two stewards, in turn.
    let (_, rows) = e.households(&worker, id, None, false).await.unwrap();
    let who = |h: i64| {
        rows.iter()
            .find(|r| r.household_id == h)
            .unwrap()
            .assignee_user_id
    };
    assert_eq!(who(alone), who(disabled), "one building, one checker");
    assert_ne!(who(alone), who(poor));
    assert!(rows
        .iter()
        .all(|r| r.household_id != ordinary && r.household_id != in_b));
    // The members were told, with a link to their checks.
    let inbox = w.app.notify().inbox(&steward, 10).await.unwrap();
    assert!(inbox
        .unread
        .iter()
        .any(|n| n.link.as_deref() == Some(&format!("/incidents/{id}/mine")[..])));
    // A steward is staff and sees names; a resident volunteer sees them masked; B's worker does
    // not see the incident's households at all.
    let mine = e.mine(&steward).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].1.len(), 2);
    assert_eq!(mine[0].1[0].head_name.as_deref(), Some("居民1"));
    let (acc, rows_v) = e.households(&volunteer, id, None, false).await.unwrap();
    assert!(!acc.staff);
    assert_eq!(rows_v.len(), 3);
    assert!(rows_v
        .iter()
        .all(|r| r.head_name.as_deref().is_some_and(|n| n.ends_with('*'))));
    assert_eq!(
        status(&e.after_action(&volunteer, id).await.unwrap_err()),
        "403"
    );
    assert_eq!(status(&e.board(&other, id).await.unwrap_err()), "404");

    // Checks: bad status, a household outside the incident, the auditor: refused, nothing kept.
    let s = |x: &str| CheckStatus::parse(x).unwrap();
    for (who, input, want) in [
        (&steward, check(alone, "fine", ""), "422"),
        (&steward, check(alone, "pending", ""), "422"),
        (&steward, check(ordinary, "safe", ""), "422"),
        (&steward, check(in_b, "safe", ""), "422"),
        (&auditor, check(alone, "safe", ""), "403"),
        (&other, check(alone, "safe", ""), "404"),
    ] {
        let r = e.record_check_at(who, id, &input, t0 + 1000).await;
        assert_eq!(status(&r.unwrap_err()), want, "{input:?}");
    }
    assert_eq!(e.board(&worker, id).await.unwrap().1.total.pending, 3);

    // The steward marks one safe, one unreachable; the other steward finds one needing help.
    e.record_check_at(
        &steward,
        id,
        &check(alone, "safe", "门窗已加固"),
        t0 + 60_000,
    )
    .await
    .unwrap();
    e.record_check_at(
        &steward,
        id,
        &check(disabled, "unreachable", "敲门无人应答"),
        t0 + 120_000,
    )
    .await
    .unwrap();
    let helped = e
        .record_check_at(
            &steward2,
            id,
            &check(poor, "needs_help", "屋顶漏雨，需转移"),
            t0 + 180_000,
        )
        .await
        .unwrap();
    let ev = helped.event_id.expect("needing help became an event");
    let event = w.app.events().view(&worker, ev).await.unwrap().event;
    assert_eq!(event.category_code, "emergency_help");
    assert_eq!(event.source, "emergency");
    assert!(event.description.contains("屋顶漏雨"));
    // Needing help again does not make a second event.
    let again = e
        .record_check_at(
            &worker,
            id,
            &check(poor, "needs_help", "仍需转移"),
            t0 + 190_000,
        )
        .await
        .unwrap();
    assert_eq!(again.event_id, Some(ev));

    // Unreachable for longer than the retry time: escalated once, its checker and the
    // community's worker told.
    let sys = Actor::system(&w.city);
    assert_eq!(
        e.escalate_due_at(&sys, t0 + 120_000 + 29 * 60_000)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        e.escalate_due_at(&sys, t0 + 120_000 + 30 * 60_000)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        e.escalate_due_at(&sys, t0 + 120_000 + 90 * 60_000)
            .await
            .unwrap(),
        0
    );
    let inbox = w.app.notify().inbox(&worker, 10).await.unwrap();
    assert!(inbox.unread.iter().any(|n| n.title.contains("联系不上")));

    let (_, b) = e.board(&worker, id).await.unwrap();
    assert_eq!(
        (
            b.total.safe,
            b.total.needs_help,
            b.total.unreachable,
            b.total.pending
        ),
        (1, 1, 1, 0)
    );
    // A retry reaches it: the latest counts, every check is kept.
    e.record_check_at(
        &steward,
        id,
        &check(disabled, "safe", "已电话联系到本人"),
        t0 + 200 * 60_000,
    )
    .await
    .unwrap();
    let (_, c, checks) = e.household(&worker, id, disabled).await.unwrap();
    assert_eq!(c.status, s("safe"));
    assert_eq!(checks.len(), 2);
    let (_, b) = e.board(&worker, id).await.unwrap();
    assert!(b.total.all_accounted());

    // Stand-down: a steward may not; the worker does; no check after it; twice: 409.
    assert_eq!(
        status(&e.stand_down(&steward, id).await.unwrap_err()),
        "403"
    );
    e.stand_down_at(&worker, id, t0 + 240 * 60_000)
        .await
        .unwrap();
    let late = e
        .record_check_at(&steward, id, &check(alone, "safe", ""), t0 + 241 * 60_000)
        .await;
    assert_eq!(status(&late.unwrap_err()), "409");
    assert_eq!(status(&e.stand_down(&worker, id).await.unwrap_err()), "409");
    let (_, report) = e.after_action(&worker, id).await.unwrap();
    assert_eq!(report.board.households, 3);
    assert_eq!(report.checks, 5);
    assert_eq!((report.retried, report.escalated, report.events), (2, 1, 1));
    assert_eq!(report.minutes_to_account, Some(200));
    // A steward reads the report over their grid.
    let (acc, r) = e.after_action(&steward, id).await.unwrap();
    assert_eq!(acc.within, vec![w.grid_a.path.clone()]);
    assert_eq!(r.board.households, 3);
    // The list exports for staff (audited), not for a member who is not staff.
    let (_, bytes) = e.export(&worker, id).await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    assert_eq!(status(&e.export(&volunteer, id).await.unwrap_err()), "403");
    // After stand-down the members' list is empty.
    assert!(e.mine(&steward).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_street_incident_reaches_each_community_inside_its_scope_and_staff_add_households() {
    let w = World::new().await;
    let street = w.user("street", "street-officer", &w.street).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let e = w.app.emergency();
    let a1 = household(&w, &worker, w.building_a.id, "101", 11, |r| {
        r.elderly_alone = true
    })
    .await;
    let plain = household(&w, &worker, w.building_a.id, "102", 12, |_| {}).await;
    let b1 = household(&w, &other, w.building_b.id, "301", 13, |r| {
        r.elderly_alone = true
    })
    .await;
    let a = e
        .declare(
            &street,
            &IncidentInput {
                kind: "power_cut".into(),
                node_id: w.street.id,
                title: "全街道停电".into(),
                retry_minutes: None,
            },
        )
        .await
        .unwrap();
    let id = a.incident.id;
    assert_eq!(e.board(&street, id).await.unwrap().1.total.households, 2);
    // Each community's worker sees the street's incident, with their own households only.
    let (acc, rows) = e.households(&worker, id, None, false).await.unwrap();
    assert!(!acc.manages);
    assert_eq!(
        rows.iter().map(|r| r.household_id).collect::<Vec<_>>(),
        vec![a1]
    );
    let (_, rows) = e.households(&other, id, None, false).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.household_id).collect::<Vec<_>>(),
        vec![b1]
    );
    // B's worker cannot check A's household; the community worker may not stand it down.
    let r = e.record_check(&other, id, &check(a1, "safe", "")).await;
    assert_eq!(status(&r.unwrap_err()), "422");
    assert_eq!(status(&e.stand_down(&worker, id).await.unwrap_err()), "403");
    // The street adds an untagged household; twice: 409; one outside: 422.
    let added = e.add_household(&street, id, plain).await.unwrap();
    assert_eq!(added.reasons.codes(), vec!["added"]);
    assert_eq!(
        status(&e.add_household(&street, id, plain).await.unwrap_err()),
        "409"
    );
    assert_eq!(
        status(&e.add_household(&worker, id, plain).await.unwrap_err()),
        "403"
    );
    assert_eq!(e.board(&street, id).await.unwrap().1.total.households, 3);
    e.stand_down(&street, id).await.unwrap();
    let (_, r) = e.after_action(&street, id).await.unwrap();
    assert_eq!(r.board.pending, 3);
    assert_eq!(r.all_accounted_at, None);
}

/// Checks marked at once by several people go through the group commit on SQLite: every one is
/// kept, each household counted once by its latest, and a stand-down stops the next ones.
#[tokio::test]
async fn checks_at_once_are_all_kept() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let e = w.app.emergency();
    let mut hh = vec![];
    for n in 0..16u32 {
        let b = if n % 2 == 0 {
            w.building_a.id
        } else {
            w.building_a2.id
        };
        hh.push(
            household(&w, &worker, b, &format!("{}", 1000 + n), 40 + n, |r| {
                r.elderly_alone = true
            })
            .await,
        );
    }
    let a = e
        .declare(
            &worker,
            &IncidentInput {
                kind: "flood".into(),
                node_id: w.comm_a.id,
                title: "内涝".into(),
                retry_minutes: None,
            },
        )
        .await
        .unwrap();
    let id = a.incident.id;
    // Every household twice at once (unreachable, then safe later).
    let at_once = |status: &'static str, at: i64| {
        let mut set = tokio::task::JoinSet::new();
        for h in &hh {
            let (app, worker, h) = (w.app.clone(), worker.clone(), *h);
            set.spawn(async move {
                app.emergency()
                    .record_check_at(&worker, id, &check(h, status, ""), at)
                    .await
            });
        }
        set
    };
    for r in at_once("unreachable", 1_000).join_all().await {
        assert_eq!(r.unwrap().status, CheckStatus::Unreachable);
    }
    for r in at_once("safe", 2_000).join_all().await {
        let c = r.unwrap();
        assert_eq!((c.status, c.checks), (CheckStatus::Safe, 2));
    }
    let (_, b) = e.board(&worker, id).await.unwrap();
    assert_eq!((b.total.households, b.total.safe), (16, 16));
    let (_, r) = e.after_action(&worker, id).await.unwrap();
    assert_eq!((r.checks, r.retried), (32, 16));
    e.stand_down(&worker, id).await.unwrap();
    let late = e.record_check(&worker, id, &check(hh[0], "safe", "")).await;
    assert_eq!(status(&late.unwrap_err()), "409");
}
