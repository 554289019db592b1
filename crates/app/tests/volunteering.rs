//! Volunteer service hours (issue 13 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a member logs hours with their team, the leader confirms them;
//! a volunteer cannot confirm their own (even as leader: a manager does), totals count confirmed
//! hours only, bad input is refused with nothing changed.

mod common;

use common::World;
use jingzhi_app::emergency::TeamInput;
use jingzhi_app::volunteering::LogInput;
use jingzhi_app::AppError;
use jingzhi_domain::time_fmt::{format_date, today};
use jingzhi_domain::volunteering::HoursStatus;

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
async fn hours_are_confirmed_by_the_leader_never_by_the_volunteer() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let leader = w.user("steward.a", "steward", &w.grid_a).await;
    let member = w.user("steward.a2", "steward", &w.grid_a).await;
    let outsider = w.user("steward.a3", "steward", &w.grid_a).await;
    let e = w.app.emergency();
    let team = e
        .create_team(
            &worker,
            &TeamInput {
                node_id: w.comm_a.id,
                kind: "volunteer".into(),
                name: "助老志愿队".into(),
            },
        )
        .await
        .unwrap();
    e.add_member(&worker, team.id, leader.id(), "", true)
        .await
        .unwrap();
    e.add_member(&worker, team.id, member.id(), "助餐", false)
        .await
        .unwrap();
    let v = w.app.volunteering();
    let today = format_date(today());
    let input = |minutes: i64, day: &str, team_id: i64| LogInput {
        team_id,
        served_on: day.into(),
        minutes,
        activity: "为独居老人送餐".into(),
    };

    // Bad input: a team they are not on, a time off the quarter, a day in the future.
    assert_eq!(
        status(
            &v.log(&outsider, &input(120, &today, team.id))
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert_eq!(
        status(
            &v.log(&member, &input(20, &today, team.id))
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert_eq!(
        status(
            &v.log(&member, &input(60, "2999-01-01", team.id))
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert!(
        v.mine(&member).await.unwrap().0.is_empty(),
        "nothing was logged"
    );

    let h = v.log(&member, &input(150, &today, team.id)).await.unwrap();
    assert_eq!(h.status, HoursStatus::Pending);
    let own = v.log(&leader, &input(60, &today, team.id)).await.unwrap();

    // The volunteer may not confirm their own, nor may the leader confirm the leader's own.
    assert_eq!(
        status(&v.decide(&member, h.id, true, "").await.unwrap_err()),
        "409"
    );
    assert_eq!(
        status(&v.decide(&leader, own.id, true, "").await.unwrap_err()),
        "409"
    );
    // Another member of the place who does not lead: 403; another community's worker: 404.
    assert_eq!(
        status(&v.decide(&outsider, h.id, true, "").await.unwrap_err()),
        "404"
    );
    assert_eq!(
        status(&v.decide(&other, h.id, true, "").await.unwrap_err()),
        "404"
    );
    // Rejecting needs a reason.
    assert_eq!(
        status(&v.decide(&leader, h.id, false, "").await.unwrap_err()),
        "422"
    );
    assert_eq!(
        v.mine(&member).await.unwrap().0[0].status,
        HoursStatus::Pending
    );

    // The leader sees the member's entry (not their own) and confirms it; a manager confirms
    // the leader's.
    let pending = v.to_decide(&leader).await.unwrap();
    assert_eq!(pending.iter().map(|p| p.id).collect::<Vec<_>>(), vec![h.id]);
    let done = v.decide(&leader, h.id, true, "").await.unwrap();
    assert_eq!(done.status, HoursStatus::Confirmed);
    assert_eq!(
        status(&v.decide(&leader, h.id, true, "").await.unwrap_err()),
        "409"
    );
    v.decide(&worker, own.id, false, "当天未参加")
        .await
        .unwrap();

    // Totals: confirmed only.
    let (mine, total) = v.mine(&member).await.unwrap();
    assert_eq!((mine.len(), total), (1, 150));
    assert_eq!(
        v.mine(&leader).await.unwrap().1,
        0,
        "a rejected entry does not count"
    );
    let totals = v.totals(&worker).await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!((totals[0].user_id, totals[0].minutes), (member.id(), 150));
    assert!(
        v.totals(&other).await.unwrap().is_empty(),
        "another community sees none"
    );
    // The member was told of the decision.
    let mut conn = w.app.store.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND command = 'volunteer_hours'",
    )
    .bind(member.id())
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(n, 1);
}
