//! Community activities (issue 13 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a worker announces one, residents of the place sign up (never past
//! the places, never from another community), withdraw and sign up again; the activity is called
//! off and those signed up are told; attendance is marked after it starts; the numbers per place
//! add up. Bad input is refused with nothing changed.

mod common;

use common::World;
use jingzhi_app::activities::ActivityInput;
use jingzhi_app::registry::HouseholdInput;
use jingzhi_app::AppError;
use jingzhi_domain::registry::IdNumber;
use jingzhi_domain::time_fmt::{format_w3c, now_ms};
use time::macros::date;

const HOUR: i64 = 3600 * 1000;

fn status(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound => "404",
        AppError::Forbidden => "403",
        AppError::Invalid(_) => "422",
        AppError::Conflict { .. } => "409",
        _ => "other",
    }
}

fn input(node_id: i64, start: i64, capacity: Option<i64>) -> ActivityInput {
    ActivityInput {
        node_id,
        category: "reading".into(),
        title: "亲子读书会".into(),
        description: "带孩子来社区书屋读绘本".into(),
        venue: "社区书屋".into(),
        starts_at: format_w3c(start),
        ends_at: format_w3c(start + 2 * HOUR),
        capacity,
    }
}

fn id(n: u32) -> String {
    IdNumber::build(371002, date!(1985 - 03 - 01), n)
        .as_str()
        .to_string()
}

#[tokio::test]
async fn residents_sign_up_within_the_places_and_attendance_is_counted() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let r1 = w
        .resident_at(&worker, "res.1", "101", "王一", &id(11))
        .await;
    let r2 = w
        .resident_at(&worker, "res.2", "102", "王二", &id(21))
        .await;
    let r4 = w
        .resident_at(&worker, "res.4", "104", "王四", &id(41))
        .await;
    let hh_b = w
        .app
        .registry()
        .create_household(
            &worker_b,
            &HouseholdInput {
                building_id: Some(w.building_b.id),
                unit: Some(1),
                room: "201".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r3 = w
        .resident_of(&worker_b, "res.3", hh_b.id, "李三", &id(31))
        .await;
    let a = w.app.activities();
    let now = now_ms();
    let soon = now + 48 * HOUR;

    // Bad input and the wrong people: nothing is created.
    let bad = |f: &dyn Fn(&mut ActivityInput)| {
        let mut i = input(w.comm_a.id, soon, Some(2));
        f(&mut i);
        i
    };
    for (who, i, want) in [
        (&worker, bad(&|i| i.category = "dance".into()), "422"),
        (
            &worker,
            bad(&|i| i.ends_at = format_w3c(soon - HOUR)),
            "422",
        ),
        (
            &worker,
            bad(&|i| i.starts_at = format_w3c(now - HOUR)),
            "422",
        ),
        (&worker, bad(&|i| i.capacity = Some(0)), "422"),
        (&worker, bad(&|i| i.title = " ".into()), "422"),
        (&worker, bad(&|i| i.node_id = w.comm_b.id), "422"),
        (&worker, bad(&|i| i.node_id = w.building_a.id), "422"),
        (&r1, bad(&|_| {}), "403"),
        (&grid, bad(&|_| {}), "403"),
    ] {
        assert_eq!(status(&a.create(who, &i).await.unwrap_err()), want);
    }
    assert!(a.list(&worker, false).await.unwrap().0.is_empty());

    // Two places in community A.
    let act = a
        .create(&worker, &input(w.comm_a.id, soon, Some(2)))
        .await
        .unwrap();
    assert_eq!((act.signed, act.capacity), (0, Some(2)));
    let (seen, _) = a.list(&r1, false).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        a.list(&r3, false).await.unwrap().0.is_empty(),
        "community B sees none"
    );
    assert_eq!(status(&a.view(&r3, act.id).await.unwrap_err()), "404");
    assert_eq!(status(&a.sign_up(&r3, act.id).await.unwrap_err()), "404");
    assert_eq!(status(&a.view(&worker_b, act.id).await.unwrap_err()), "404");

    // Sign-ups: once each, never past the places.
    let v = a.sign_up(&r1, act.id).await.unwrap();
    assert!(v.mine);
    assert_eq!(v.activity.signed, 1);
    assert!(v.signups.is_empty(), "a resident sees no list of names");
    assert_eq!(status(&a.sign_up(&r1, act.id).await.unwrap_err()), "409");
    a.sign_up(&r2, act.id).await.unwrap();
    let e = a.sign_up(&r4, act.id).await.unwrap_err();
    assert_eq!(status(&e), "409", "full");
    assert_eq!(
        status(&a.sign_up(&worker, act.id).await.unwrap_err()),
        "403"
    );
    // Withdrawing gives the place back; the next neighbour takes it.
    let v = a.withdraw(&r1, act.id).await.unwrap();
    assert!(!v.mine);
    assert_eq!(v.activity.signed, 1);
    assert_eq!(status(&a.withdraw(&r1, act.id).await.unwrap_err()), "409");
    a.sign_up(&r4, act.id).await.unwrap();
    let staff = a.view(&worker, act.id).await.unwrap();
    assert!(staff.manages);
    assert_eq!(staff.activity.signed, 2);
    assert_eq!(staff.signups.len(), 3, "the withdrawn sign-up is kept");
    assert!(!a.view(&officer, act.id).await.unwrap().signups.is_empty());
    let v = a.view(&grid, act.id).await.unwrap();
    assert!(
        !v.manages && v.signups.is_empty(),
        "a grid worker sees it, not the names"
    );

    // Attendance only once it has started.
    assert_eq!(
        status(&a.attendance(&worker, act.id, &[]).await.unwrap_err()),
        "409"
    );

    // Called off: those signed up (with accounts) are told; no more sign-ups.
    assert_eq!(
        status(&a.cancel(&worker_b, act.id, "下雨").await.unwrap_err()),
        "404"
    );
    assert_eq!(
        status(&a.cancel(&worker, act.id, " ").await.unwrap_err()),
        "422"
    );
    let v = a
        .cancel(&worker, act.id, "台风预警，改期举办")
        .await
        .unwrap();
    assert!(v.activity.cancelled_at.is_some());
    assert_eq!(status(&a.sign_up(&r1, act.id).await.unwrap_err()), "409");
    let mut conn = w.app.store.acquire().await.unwrap();
    for (who, want) in [(&r1, 0i64), (&r2, 1), (&r4, 1)] {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND command = 'activity'",
        )
        .bind(who.id())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(n, want, "{}", who.user.username);
    }
    drop(conn);

    // A street's activity is open to all its communities; one held earlier today.
    let past = now - 5 * HOUR;
    let held = a
        .create_at(&officer, &input(w.street.id, past + HOUR, None), past)
        .await
        .unwrap();
    for r in [&r1, &r2, &r3] {
        a.sign_up_at(r, held.id, past + 10).await.unwrap();
    }
    let (seen, _) = a.list(&r3, true).await.unwrap();
    assert_eq!(seen.iter().map(|x| x.id).collect::<Vec<_>>(), vec![held.id]);
    assert_eq!(status(&a.withdraw(&r3, held.id).await.unwrap_err()), "409");
    // Community A's worker is below the street: they see it but do not manage it.
    let v = a.view(&worker, held.id).await.unwrap();
    assert!(!v.manages && v.signups.is_empty());
    assert_eq!(
        status(&a.attendance(&worker, held.id, &[]).await.unwrap_err()),
        "403"
    );
    let v = a.view(&officer, held.id).await.unwrap();
    let ids: Vec<(String, i64)> = v.signups.iter().map(|s| (s.name.clone(), s.id)).collect();
    let of = |name: &str| ids.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(
        status(
            &a.attendance(&officer, held.id, &[of("王一"), 999_999])
                .await
                .unwrap_err()
        ),
        "422",
        "a sign-up of another activity"
    );
    let v = a
        .attendance(&officer, held.id, &[of("王一"), of("李三")])
        .await
        .unwrap();
    assert_eq!(v.activity.attended, 2);
    let v = a
        .attendance(&officer, held.id, &[of("王一")])
        .await
        .unwrap();
    assert_eq!(v.activity.attended, 1, "marking again replaces the list");

    // Numbers per place: the street's held activity counts once, under the street itself.
    let (me, places) = a.numbers(&officer).await.unwrap();
    assert_eq!(
        (me.total.held, me.total.signed, me.total.attended),
        (1, 3, 1)
    );
    assert_eq!(me.total.upcoming, 0, "the called-off one is not counted");
    assert!(places.iter().all(|p| p.total.held == 0));
    assert_eq!(status(&a.numbers(&r1).await.unwrap_err()), "403");
}
