//! Votes counted the way a community counts (issue 11 §4), on a real database (SQLite, or
//! PostgreSQL with JINGZHI_TEST_DATABASE_URL): one ballot per household whoever casts it and
//! through whichever channel, eligibility fixed at the opening, residents outside the place not
//! let in, the result against the quorum and the majority.

mod common;

use common::World;
use jingzhi_app::participation::votes::NewVoteInput;
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::participation::votes::Phase;
use jingzhi_domain::registry::IdNumber;
use time::macros::date;

const DAY: i64 = 24 * 3600 * 1000;
/// 2026-12-04 09:00 China time.
const NOW: i64 = 1_796_346_000_000;

fn id(birth: time::Date, seq: u32) -> String {
    IdNumber::build(371002, birth, seq).as_str().to_string()
}

fn status(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound => "404",
        AppError::Forbidden => "403",
        AppError::Invalid(_) => "422",
        AppError::Conflict { .. } => "409",
        _ => "other",
    }
}

fn field(e: &AppError) -> &str {
    match e {
        AppError::Invalid(v) => v[0].field,
        AppError::Conflict { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn vote_input(node_id: i64, unit: &str) -> NewVoteInput {
    NewVoteInput {
        node_id,
        question: "是否拆除私装地锁、统一施划停车位？".into(),
        options: vec!["同意".into(), "不同意".into()],
        unit: unit.into(),
        quorum_percent: 50,
        majority: "simple".into(),
        majority_of: None,
        opens_at: None,
        closes_at: "2026-12-20T18:00:00+08:00".into(),
    }
}

/// Three households in building A: 301 (two adults and a child), 302 (one adult), 303 (one
/// adult); a resident of community B.
struct Street {
    worker: Actor,
    a1: Actor,
    a2: Actor,
    child: Actor,
    b: Actor,
    c: Actor,
    other: Actor,
}

async fn street(w: &World) -> Street {
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let a1 = w
        .resident_at(
            &worker,
            "r301a",
            "301",
            "王建国",
            &id(date!(1960 - 05 - 01), 11),
        )
        .await;
    let hh = w
        .app
        .registry()
        .resident_view(&worker, a1.user.resident_id.unwrap())
        .await
        .unwrap()
        .resident
        .household_id;
    let a2 = w
        .resident_of(
            &worker,
            "r301b",
            hh,
            "李秀兰",
            &id(date!(1962 - 07 - 02), 12),
        )
        .await;
    let child = w
        .resident_of(
            &worker,
            "r301c",
            hh,
            "王小明",
            &id(date!(2012 - 01 - 03), 13),
        )
        .await;
    let b = w
        .resident_at(
            &worker,
            "r302",
            "302",
            "赵大海",
            &id(date!(1980 - 03 - 04), 15),
        )
        .await;
    let c = w
        .resident_at(
            &worker,
            "r303",
            "303",
            "孙丽",
            &id(date!(1990 - 09 - 05), 16),
        )
        .await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let hb = w
        .app
        .registry()
        .create_household(
            &worker_b,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(w.building_b.id),
                unit: Some(1),
                room: "101".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = w
        .app
        .registry()
        .create_resident(
            &worker_b,
            hb.id,
            &jingzhi_domain::registry::ResidentInput {
                name: "钱多多".into(),
                id_number: id(date!(1970 - 02 - 06), 17),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let other = Actor::new(
        w.app
            .auth()
            .add_user(
                None,
                &jingzhi_app::auth::NewUserInput {
                    username: "rb101".into(),
                    password: "test-password-1".into(),
                    role: "resident".into(),
                    scope_code: w.comm_b.code.clone(),
                    display_name: None,
                    department: None,
                    resident_id: Some(r.id),
                },
            )
            .await
            .unwrap(),
    );
    Street {
        worker,
        a1,
        a2,
        child,
        b,
        c,
        other,
    }
}

#[tokio::test]
async fn one_ballot_per_household_whoever_casts_it() {
    let w = World::new().await;
    let s = street(&w).await;
    let p = w.app.participation();
    let v = p
        .create_vote_at(&s.worker, &vote_input(w.comm_a.id, "household"), NOW)
        .await
        .unwrap();
    assert_eq!(v.eligible, Some(3), "three households with residents");

    p.cast_ballot_at(&s.a1, v.id, "同意", NOW + 1)
        .await
        .unwrap();
    // The other adult of 301, online or on paper: the household has voted.
    let e = p
        .cast_ballot_at(&s.a2, v.id, "不同意", NOW + 2)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "ballot"));
    let e = p
        .paper_ballot_at(
            &s.worker,
            v.id,
            None,
            s.a2.user.resident_id,
            "不同意",
            NOW + 3,
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    // A child does not vote.
    let e = p
        .cast_ballot_at(&s.child, v.id, "同意", NOW + 4)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "voter"));
    // An option that does not exist: 422, and the household may still vote.
    let e = p
        .cast_ballot_at(&s.b, v.id, "弃权", NOW + 5)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "option"));
    p.cast_ballot_at(&s.b, v.id, "不同意", NOW + 6)
        .await
        .unwrap();
    // Outside the place: 404, as if there were no such vote.
    let e = p
        .cast_ballot_at(&s.other, v.id, "同意", NOW + 7)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    // A paper ballot for 303.
    let hh303 = w
        .app
        .registry()
        .resident_view(&s.worker, s.c.user.resident_id.unwrap())
        .await
        .unwrap()
        .resident
        .household_id;
    p.paper_ballot_at(&s.worker, v.id, Some(hh303), None, "同意", NOW + 8)
        .await
        .unwrap();
    let e = p
        .cast_ballot_at(&s.c, v.id, "同意", NOW + 9)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409", "the paper ballot counted for 303");

    // Residents see no result before the close; staff see live counts.
    let e = p.result_at(&s.a1, v.id, NOW + 10).await.unwrap_err();
    assert_eq!(status(&e), "409");
    let live = p.result_at(&s.worker, v.id, NOW + 10).await.unwrap();
    assert_eq!(live.phase, Phase::Open);
    assert_eq!((live.eligible, live.cast), (3, 3));

    p.close_vote_at(&s.worker, v.id, NOW + 11).await.unwrap();
    let e = p
        .cast_ballot_at(&s.a1, v.id, "同意", NOW + 12)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409", "closed");
    let e = p
        .close_vote_at(&s.worker, v.id, NOW + 12)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    let r = p.result_at(&s.a1, v.id, NOW + 13).await.unwrap();
    assert_eq!(r.phase, Phase::Closed);
    assert_eq!(
        r.counts,
        vec![("同意".to_string(), 2), ("不同意".to_string(), 1)]
    );
    assert!(r.quorum_met);
    assert!((r.turnout - 1.0).abs() < 1e-12);
    assert_eq!(r.outcome.as_deref(), Some("同意"));
    // The other community's resident cannot read it either.
    let e = p.result_at(&s.other, v.id, NOW + 13).await.unwrap_err();
    assert_eq!(status(&e), "404");
}

#[tokio::test]
async fn eligibility_is_fixed_at_the_opening_and_quorum_decides() {
    let w = World::new().await;
    let s = street(&w).await;
    let p = w.app.participation();
    let mut input = vote_input(w.comm_a.id, "resident");
    input.quorum_percent = 60;
    input.majority = "two_thirds".into();
    let v = p.create_vote_at(&s.worker, &input, NOW).await.unwrap();
    assert_eq!(v.eligible, Some(4), "four adults; the child is not counted");
    // A household registered after the opening does not vote.
    let late = w
        .resident_at(
            &s.worker,
            "r304",
            "304",
            "周新",
            &id(date!(1985 - 04 - 07), 18),
        )
        .await;
    let e = p
        .cast_ballot_at(&late, v.id, "同意", NOW + 1)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "voter"));
    // Each adult of 301 has their own ballot now.
    p.cast_ballot_at(&s.a1, v.id, "同意", NOW + 2)
        .await
        .unwrap();
    p.cast_ballot_at(&s.a2, v.id, "同意", NOW + 3)
        .await
        .unwrap();
    let e = p
        .cast_ballot_at(&s.a1, v.id, "同意", NOW + 4)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    // Past the closing time without a hand close: closed, 2 of 4 cast, 50% < 60% quorum.
    let r = p.result_at(&s.b, v.id, NOW + 20 * DAY).await.unwrap();
    assert_eq!(r.phase, Phase::Closed);
    assert_eq!((r.eligible, r.cast), (4, 2));
    assert!(!r.quorum_met);
    assert_eq!(r.outcome, None);
}

#[tokio::test]
async fn bad_votes_are_refused_naming_the_field() {
    let w = World::new().await;
    let s = street(&w).await;
    let p = w.app.participation();
    let mut bad = vote_input(w.comm_a.id, "family");
    let e = p.create_vote_at(&s.worker, &bad, NOW).await.unwrap_err();
    assert_eq!(field(&e), "unit");
    bad = vote_input(w.comm_a.id, "household");
    bad.options = vec!["同意".into()];
    assert_eq!(
        field(&p.create_vote_at(&s.worker, &bad, NOW).await.unwrap_err()),
        "options"
    );
    bad = vote_input(w.comm_a.id, "household");
    bad.closes_at = "next week".into();
    assert_eq!(
        field(&p.create_vote_at(&s.worker, &bad, NOW).await.unwrap_err()),
        "closes_at"
    );
    bad = vote_input(w.comm_b.id, "household");
    assert_eq!(
        field(&p.create_vote_at(&s.worker, &bad, NOW).await.unwrap_err()),
        "node_id"
    );
    // A resident does not open votes; a scheduled vote takes no ballots yet.
    let e = p
        .create_vote_at(&s.a1, &vote_input(w.comm_a.id, "household"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let mut later = vote_input(w.comm_a.id, "household");
    later.opens_at = Some("2026-12-10T09:00:00+08:00".into());
    let v = p.create_vote_at(&s.worker, &later, NOW).await.unwrap();
    assert_eq!(v.eligible, None);
    let e = p
        .cast_ballot_at(&s.a1, v.id, "同意", NOW + 1)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    // Once open, the first ballot takes the units.
    p.cast_ballot_at(&s.a1, v.id, "同意", NOW + 7 * DAY)
        .await
        .unwrap();
    let r = p.result_at(&s.worker, v.id, NOW + 7 * DAY).await.unwrap();
    assert_eq!((r.eligible, r.cast), (3, 1));
}

#[tokio::test]
async fn concurrent_ballots_of_one_household_count_once() {
    let w = World::new().await;
    let s = street(&w).await;
    let p = w.app.participation();
    let v = p
        .create_vote_at(&s.worker, &vote_input(w.comm_a.id, "household"), NOW)
        .await
        .unwrap();
    let app = w.app.clone();
    let (a1, a2) = (s.a1.clone(), s.a2.clone());
    let mut tasks = vec![];
    for i in 0..8 {
        let app = app.clone();
        let actor = if i % 2 == 0 { a1.clone() } else { a2.clone() };
        tasks.push(tokio::spawn(async move {
            app.participation()
                .cast_ballot_at(&actor, v.id, "同意", NOW + i)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(matches!(status(&e), "409"), "{e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let r = p.result_at(&s.worker, v.id, NOW + 100).await.unwrap();
    assert_eq!(r.cast, 1);
}

#[tokio::test]
async fn representatives_and_a_households_named_voter() {
    let w = World::new().await;
    let s = street(&w).await;
    let p = w.app.participation();
    let rid = |a: &Actor| a.user.resident_id.unwrap();

    // A representative vote: only the resident named representative is eligible.
    p.set_representative(&s.worker, rid(&s.a1), true)
        .await
        .unwrap();
    let e = p
        .set_representative(&s.a1, rid(&s.a1), true)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403", "residents do not name representatives");
    let e = p
        .set_representative(&s.worker, rid(&s.other), true)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404", "a resident of another community");
    let v = p
        .create_vote_at(&s.worker, &vote_input(w.comm_a.id, "representative"), NOW)
        .await
        .unwrap();
    assert_eq!(v.eligible, Some(1));
    let e = p
        .cast_ballot_at(&s.b, v.id, "同意", NOW + 1)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "voter"));
    p.cast_ballot_at(&s.a1, v.id, "同意", NOW + 2)
        .await
        .unwrap();
    assert!(
        p.voter_settings(&s.worker, rid(&s.a1))
            .await
            .unwrap()
            .representative
    );

    // Household 301 names 李秀兰 (a2) to vote for it: 王建国 (a1) may not any more.
    let hh = w
        .app
        .registry()
        .resident_view(&s.worker, rid(&s.a1))
        .await
        .unwrap()
        .resident
        .household_id;
    let e = p
        .set_household_voter(&s.worker, hh, Some(rid(&s.child)))
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "resident_id"), "a minor");
    let e = p
        .set_household_voter(&s.worker, hh, Some(rid(&s.b)))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), field(&e)),
        ("422", "resident_id"),
        "not a member"
    );
    p.set_household_voter(&s.worker, hh, Some(rid(&s.a2)))
        .await
        .unwrap();
    let hv = p
        .create_vote_at(&s.worker, &vote_input(w.comm_a.id, "household"), NOW)
        .await
        .unwrap();
    let e = p
        .cast_ballot_at(&s.a1, hv.id, "同意", NOW + 3)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "voter"));
    p.cast_ballot_at(&s.a2, hv.id, "不同意", NOW + 4)
        .await
        .unwrap();
    // Naming nobody lets any adult member vote again (in a later vote).
    p.set_household_voter(&s.worker, hh, None).await.unwrap();
    assert_eq!(
        p.voter_settings(&s.worker, rid(&s.a1))
            .await
            .unwrap()
            .household_voter,
        None
    );
}

/// Paper ballots for many households at once go through the group commit: each gets its own
/// answer (a bad option or a second ballot fails only itself) and every good one counts once.
#[tokio::test]
async fn ballots_at_once_each_get_their_own_answer() {
    use jingzhi_app::registry::HouseholdInput;
    use jingzhi_domain::registry::ResidentInput;
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let mut households = vec![];
    for i in 0..16u32 {
        let hh = w
            .app
            .registry()
            .create_household(
                &worker,
                &HouseholdInput {
                    building_id: Some(w.building_a.id),
                    unit: Some(2),
                    room: format!("9{i:02}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        w.app
            .registry()
            .create_resident(
                &worker,
                hh.id,
                &ResidentInput {
                    name: format!("住户{i}"),
                    id_number: id(date!(1970 - 01 - 01), 600 + i),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        households.push(hh.id);
    }
    let p = w.app.participation();
    let v = p
        .create_vote_at(&worker, &vote_input(w.comm_a.id, "household"), NOW)
        .await
        .unwrap();
    let before = w.app.ballots.counts();
    let mut tasks = vec![];
    for (i, hh) in households.iter().enumerate() {
        // Every fifth asks for an option the vote lacks; the first household twice.
        let option = if i % 5 == 4 { "弃权票" } else { "同意" };
        for times in 0..(if i == 0 { 2 } else { 1 }) {
            let (app, worker, hh) = (w.app.clone(), worker.clone(), *hh);
            let option = option.to_string();
            tasks.push(tokio::spawn(async move {
                let r = app
                    .participation()
                    .paper_ballot_at(&worker, v.id, Some(hh), None, &option, NOW + 1)
                    .await;
                (i, times, r)
            }));
        }
    }
    let (mut ok, mut bad_option, mut twice) = (0, 0, 0);
    for t in tasks {
        let (i, _, r) = t.await.unwrap();
        match r {
            Ok(_) => ok += 1,
            Err(e) if field(&e) == "option" => {
                assert_eq!(i % 5, 4);
                bad_option += 1
            }
            Err(e) => {
                assert_eq!((i, status(&e)), (0, "409"), "{e:?}");
                twice += 1
            }
        }
    }
    assert_eq!((ok, bad_option, twice), (13, 3, 1));
    let r = p.result_at(&worker, v.id, NOW + 100).await.unwrap();
    assert_eq!(r.cast, 13);
    let after = w.app.ballots.counts();
    assert_eq!(
        after.0 - before.0,
        17,
        "every ballot went through the queue"
    );
}
