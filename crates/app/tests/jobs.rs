//! Employment help (issue 13 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a worker registers a resident looking for work and posts a local
//! firm's position; the resident is referred, interviewed and placed, which takes the position's
//! one opening and ends the search, so the next placement is refused; bad input and the wrong
//! roles change nothing; the numbers count the placement; the search follows the household.

mod common;

use common::World;
use jingzhi_app::jobs::PositionInput;
use jingzhi_app::participation::councils::NewMerchantInput;
use jingzhi_app::AppError;
use jingzhi_domain::participation::councils::LicenceNumber;
use jingzhi_domain::registry::IdNumber;
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

#[tokio::test]
async fn seekers_are_referred_and_placed_never_past_the_openings() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let id_of = |n: u32| {
        IdNumber::build(371002, date!(1988 - 05 - 05), n)
            .as_str()
            .to_string()
    };
    let r1 = w
        .resident_at(&worker, "res.1", "101", "于海", &id_of(11))
        .await;
    let r2 = w
        .resident_at(&worker, "res.2", "102", "于洋", &id_of(21))
        .await;
    let (rid1, rid2) = (r1.user.resident_id.unwrap(), r2.user.resident_id.unwrap());
    let firm = w
        .app
        .participation()
        .create_merchant(
            &worker,
            &NewMerchantInput {
                building_id: w.building_a.id,
                name: "海鲜加工厂".into(),
                licence_number: LicenceNumber::complete("92371002000000010")
                    .unwrap()
                    .as_str()
                    .into(),
                contact_phone: None,
                association_id: None,
            },
        )
        .await
        .unwrap();
    let j = w.app.jobs();

    // Seekers: once at a time; bad input and the wrong roles refused.
    for (who, rid, work, want) in [
        (&worker, rid1, "astronaut", "422"),
        (&worker_b, rid1, "fishery", "422"),
        (&steward, rid1, "fishery", "403"),
        (&r1, rid1, "fishery", "403"),
    ] {
        assert_eq!(
            status(&j.register(who, rid, work, "").await.unwrap_err()),
            want
        );
    }
    let s1 = j
        .register(&worker, rid1, "fishery", "有健康证")
        .await
        .unwrap();
    assert_eq!(
        status(&j.register(&grid, rid1, "factory", "").await.unwrap_err()),
        "409"
    );
    let s2 = j.register(&grid, rid2, "fishery", "").await.unwrap();
    assert_eq!(j.seekers(&worker, Some("seeking")).await.unwrap().len(), 2);
    assert!(j.seekers(&worker_b, None).await.unwrap().is_empty());

    // A position of the local firm: one opening.
    let pos = |edit: &dyn Fn(&mut PositionInput)| {
        let mut i = PositionInput {
            merchant_id: firm.id,
            title: "海参分拣工".into(),
            work: "fishery".into(),
            openings: 1,
            wage_min: Some(4000),
            wage_max: Some(5500),
            requirements: "能上早班".into(),
        };
        edit(&mut i);
        i
    };
    for (who, i, want) in [
        (&worker, pos(&|i| i.openings = 0), "422"),
        (&worker, pos(&|i| i.wage_max = Some(3000)), "422"),
        (&worker, pos(&|i| i.work = "astronaut".into()), "422"),
        (&worker_b, pos(&|_| {}), "422"),
        (&grid, pos(&|_| {}), "403"),
    ] {
        assert_eq!(status(&j.post(who, &i).await.unwrap_err()), want);
    }
    let p = j.post(&worker, &pos(&|_| {})).await.unwrap();
    assert_eq!((p.openings, p.filled), (1, 0));
    assert_eq!(
        j.positions(&grid, true).await.unwrap().len(),
        1,
        "the grid sees its community's"
    );
    assert!(j.positions(&worker_b, true).await.unwrap().is_empty());

    // Referrals: once per pair; a seeker of another community cannot be reached.
    let m1 = j.refer(&worker, s1.id, p.id, "").await.unwrap();
    assert_eq!(
        status(&j.refer(&worker, s1.id, p.id, "").await.unwrap_err()),
        "409"
    );
    assert_eq!(
        status(&j.refer(&worker_b, s1.id, p.id, "").await.unwrap_err()),
        "404"
    );
    let m2 = j.refer(&worker, s2.id, p.id, "").await.unwrap();
    let (_, matches, open) = j.seeker(&worker, s1.id).await.unwrap();
    assert_eq!((matches.len(), open.len()), (1, 1));

    // Interview, then placed: the opening is taken and the search ends.
    assert_eq!(
        status(&j.outcome(&worker, m1.id, "referred", "").await.unwrap_err()),
        "409"
    );
    j.outcome(&worker, m1.id, "interview", "周一面试")
        .await
        .unwrap();
    let placed = j.outcome(&grid, m1.id, "placed", "下周上岗").await.unwrap();
    assert_eq!(placed.state.as_str(), "placed");
    let (s, _, _) = j.seeker(&worker, s1.id).await.unwrap();
    assert_eq!(s.state.as_str(), "placed");
    // The only opening is gone: the second placement is refused and nothing changes.
    assert_eq!(
        status(&j.outcome(&worker, m2.id, "placed", "").await.unwrap_err()),
        "409"
    );
    let (s, _, _) = j.seeker(&worker, s2.id).await.unwrap();
    assert_eq!(s.state.as_str(), "seeking");
    assert!(j.positions(&worker, true).await.unwrap().is_empty(), "full");
    assert_eq!(
        status(&j.outcome(&worker, m1.id, "declined", "").await.unwrap_err()),
        "409"
    );
    j.outcome(&worker, m2.id, "declined", "岗位已满")
        .await
        .unwrap();

    // Numbers: auditors read counts; residents nothing.
    let (me, _) = j.numbers(&auditor).await.unwrap();
    assert_eq!(
        (
            me.numbers.registered,
            me.numbers.seeking,
            me.numbers.placed,
            me.numbers.referrals
        ),
        (2, 1, 1, 2)
    );
    assert_eq!(status(&j.numbers(&r1).await.unwrap_err()), "403");

    // The second seeker stops looking; the household of the first moves to community B.
    j.withdraw(&worker, s2.id).await.unwrap();
    assert_eq!(
        status(&j.withdraw(&worker, s2.id).await.unwrap_err()),
        "409"
    );
    w.app
        .registry()
        .move_household(
            &officer,
            s1.household_id,
            &jingzhi_app::registry::MoveInput {
                building_id: Some(w.building_b.id),
                unit: Some(1),
                room: "303".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&j.seeker(&worker, s1.id).await.unwrap_err()), "404");
    j.seeker(&worker_b, s1.id).await.unwrap();
}
