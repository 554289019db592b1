//! Small proposals (issue 11 §2), on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): filed by a resident or for one by a steward; supported by
//! neighbours once each; past the threshold (default 1 % of households, at least 10) the
//! community answers by a deadline; every change on the public timeline.

mod common;

use common::World;
use jingzhi_app::participation::proposals::{AnswerInput, NewProposalInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::participation::proposals::Phase;
use jingzhi_domain::registry::IdNumber;
use time::macros::date;

const NOW: i64 = 1_796_346_000_000;
const DAY: i64 = 24 * 3600 * 1000;

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

/// Residents of community A, each in their own household of building A (rooms 601…).
async fn neighbours(w: &World, worker: &Actor, n: u32) -> Vec<Actor> {
    let mut out = vec![];
    for i in 0..n {
        let id = IdNumber::build(371002, date!(1970 - 01 - 01), 400 + i);
        out.push(
            w.resident_at(
                worker,
                &format!("nb{i}"),
                &format!("6{i:02}"),
                &format!("邻居{i}"),
                id.as_str(),
            )
            .await,
        );
    }
    out
}

fn proposal(title: &str) -> NewProposalInput {
    NewProposalInput {
        title: title.into(),
        body: "三单元楼道没有扶手，老人上下楼不安全，建议加装。".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn neighbours_support_a_proposal_until_the_community_must_answer() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let people = neighbours(&w, &worker, 11).await;
    let (author, rest) = people.split_first().unwrap();
    let p = w.app.participation();

    let filed = p
        .file_proposal_at(author, &proposal("楼道加装扶手"), NOW)
        .await
        .unwrap();
    assert_eq!(filed.phase, Phase::Collecting);
    assert_eq!(filed.author_name, "邻居0");
    let id = filed.id;

    // Nine neighbours: not yet (11 households with residents → at least 10 supports).
    for (i, n) in rest.iter().take(9).enumerate() {
        let s = p.support_at(n, id, NOW + i as i64).await.unwrap();
        assert_eq!(s.supports, i as i64 + 1);
        assert_eq!(s.phase, Phase::Collecting);
    }
    let e = p.support_at(author, id, NOW + 20).await.unwrap_err();
    assert_eq!(status(&e), "403", "the author does not support their own");
    let e = p.support_at(&rest[0], id, NOW + 21).await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "support"));
    let view = p.proposal_view_at(&rest[9], id, NOW + 22).await.unwrap();
    assert!(view.may_support && !view.supported && !view.may_answer);
    assert_eq!(view.needed, 10);

    // The tenth: the community must answer within 15 days.
    let s = p.support_at(&rest[9], id, NOW + 30).await.unwrap();
    assert_eq!((s.phase, s.supports), (Phase::AwaitingAnswer, 10));
    assert_eq!(s.answer_due, Some(NOW + 30 + 15 * DAY));
    assert!(
        p.proposal_view_at(&worker, id, NOW + 16 * DAY)
            .await
            .unwrap()
            .overdue
    );

    // Answers: only staff, a decline needs reasons; taken up it is closed to supports.
    let e = p
        .answer_at(
            author,
            id,
            &AnswerInput {
                answer: "take_up".into(),
                ..Default::default()
            },
            NOW + 40,
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .answer_at(
            &worker,
            id,
            &AnswerInput {
                answer: "decline".into(),
                ..Default::default()
            },
            NOW + 41,
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "reasons"));
    let s = p
        .answer_at(
            &worker,
            id,
            &AnswerInput {
                answer: "take_up".into(),
                reasons: Some("列入12月民主议事会议题".into()),
                ..Default::default()
            },
            NOW + 42,
        )
        .await
        .unwrap();
    assert_eq!(s.phase, Phase::TakenUp);
    let e = p.support_at(&rest[0], id, NOW + 43).await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "phase"));

    let v = p.proposal_view_at(author, id, NOW + 50).await.unwrap();
    let phases: Vec<Phase> = v.timeline.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        vec![Phase::Collecting, Phase::AwaitingAnswer, Phase::TakenUp]
    );
    assert_eq!(
        v.timeline[2].note.as_deref(),
        Some("列入12月民主议事会议题")
    );
    assert!(!v.may_withdraw && !v.may_answer);
}

#[tokio::test]
async fn filed_for_a_household_withdrawn_merged_and_kept_to_its_community() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let people = neighbours(&w, &worker, 2).await;
    let p = w.app.participation();

    // A steward files for a household; without naming the resident it is refused.
    let e = p
        .file_proposal_at(&steward, &proposal("增设晾衣架"), NOW)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "resident_id"));
    let for_them = p
        .file_proposal_at(
            &steward,
            &NewProposalInput {
                resident_id: people[0].user.resident_id,
                ..proposal("增设晾衣架")
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(for_them.author_name, "邻居0");
    assert_eq!(for_them.filed_by_name, steward.user.display_name);
    let v = p
        .proposal_view_at(&people[0], for_them.id, NOW)
        .await
        .unwrap();
    assert!(
        v.may_withdraw,
        "the resident it was filed for is its author"
    );
    assert!(v.timeline[0].note.as_deref().unwrap().contains("代"));

    // Bad input names the field; a place outside the community is refused.
    let e = p
        .file_proposal_at(
            &people[1],
            &NewProposalInput {
                title: " ".into(),
                ..proposal("x")
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "title");
    let e = p
        .file_proposal_at(
            &people[1],
            &NewProposalInput {
                node_id: Some(w.building_b.id),
                ..proposal("路灯")
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "node_id");

    // The author withdraws; staff merge another into the first.
    let second = p
        .file_proposal_at(&people[1], &proposal("增设晾衣杆"), NOW + 1)
        .await
        .unwrap();
    let e = p
        .withdraw_at(&people[0], second.id, NOW + 2)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403", "only its author withdraws it");
    let merged = p
        .answer_at(
            &worker,
            second.id,
            &AnswerInput {
                answer: "merge".into(),
                into: Some(for_them.id),
                ..Default::default()
            },
            NOW + 3,
        )
        .await
        .unwrap();
    assert_eq!(
        (merged.phase, merged.linked),
        (Phase::Merged, Some(for_them.id))
    );
    let gone = p
        .withdraw_at(&people[0], for_them.id, NOW + 4)
        .await
        .unwrap();
    assert_eq!(gone.phase, Phase::Withdrawn);

    // Community B does not see community A's proposals.
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let e = p
        .proposal_view_at(&worker_b, for_them.id, NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    assert!(p.proposals(&worker_b).await.unwrap().is_empty());
    assert_eq!(p.proposals(&people[1]).await.unwrap().len(), 2);
}

#[tokio::test]
async fn supports_at_once_all_count() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let people = neighbours(&w, &worker, 11).await;
    let (author, rest) = people.split_first().unwrap();
    let id = w
        .app
        .participation()
        .file_proposal_at(author, &proposal("小区增设快递柜"), NOW)
        .await
        .unwrap()
        .id;
    let mut tasks = vec![];
    for (i, n) in rest.iter().cloned().enumerate() {
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move {
            app.participation().support_at(&n, id, NOW + i as i64).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let v = w
        .app
        .participation()
        .proposal_view_at(&worker, id, NOW + 100)
        .await
        .unwrap();
    assert_eq!(v.proposal.supports, 10);
    assert_eq!(v.proposal.phase, Phase::AwaitingAnswer);
    let awaiting = v
        .timeline
        .iter()
        .filter(|t| t.phase == Phase::AwaitingAnswer)
        .count();
    assert_eq!(awaiting, 1, "the threshold is reached once");
}

/// A community sets its own threshold: staff of the community only, checked field by field,
/// audited; the next support counts against it.
#[tokio::test]
async fn a_community_sets_its_own_threshold() {
    use jingzhi_app::participation::proposals::ThresholdInput;
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let people = neighbours(&w, &worker, 4).await;
    let p = w.app.participation();

    let before = p.threshold(&worker, w.comm_a.id).await.unwrap();
    assert!(!before.own);
    assert_eq!(
        before.needed, 10,
        "the default: 1 % of households, at least 10"
    );

    let set = |kind: &str, count, permille, floor| ThresholdInput {
        kind: kind.into(),
        count,
        permille,
        floor,
    };
    let e = p
        .set_threshold(&worker, w.comm_a.id, &set("share", None, Some(0), None))
        .await
        .unwrap_err();
    match e {
        AppError::Invalid(v) => assert_eq!(
            v.iter().map(|f| f.field).collect::<Vec<_>>(),
            ["permille", "floor"]
        ),
        other => panic!("{other:?}"),
    }
    let e = p
        .set_threshold(
            &people[0],
            w.comm_a.id,
            &set("absolute", Some(2), None, None),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .set_threshold(
            &worker_b,
            w.comm_a.id,
            &set("absolute", Some(2), None, None),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    let e = p
        .set_threshold(
            &worker,
            w.building_a.id,
            &set("absolute", Some(2), None, None),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404", "a threshold belongs to a community");

    let v = p
        .set_threshold(&worker, w.comm_a.id, &set("absolute", Some(2), None, None))
        .await
        .unwrap();
    assert!(v.own);
    assert_eq!(v.needed, 2);
    // A resident of the community reads it.
    assert_eq!(
        p.threshold(&people[0], w.comm_a.id).await.unwrap().needed,
        2
    );

    let filed = p
        .file_proposal_at(&people[0], &proposal("路灯不亮"), NOW)
        .await
        .unwrap();
    p.support_at(&people[1], filed.id, NOW + 1).await.unwrap();
    let after = p.support_at(&people[2], filed.id, NOW + 2).await.unwrap();
    assert_eq!(after.phase, Phase::AwaitingAnswer);
    assert_eq!(after.answer_due, Some(NOW + 2 + 15 * DAY));

    // Not answered in time: the job escalates it to the street, once; the street's officer
    // and the author are told.
    let officer = w.user("street.o", "street-officer", &w.street).await;
    let system = Actor::system(&w.city);
    assert_eq!(
        p.escalate_overdue_proposals_at(&system, NOW + 3)
            .await
            .unwrap(),
        0
    );
    let late = NOW + 2 + 15 * DAY + 1;
    assert_eq!(
        p.escalate_overdue_proposals_at(&system, late)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        p.escalate_overdue_proposals_at(&system, late + 1)
            .await
            .unwrap(),
        0
    );
    let v = p
        .proposal_view_at(&people[0], filed.id, late + 2)
        .await
        .unwrap();
    assert!(v.proposal.escalated_at.is_some());
    assert!(v
        .timeline
        .iter()
        .any(|t| t.note.as_deref() == Some("社区答复已超期，已提请街道督办")));
    let told = |a: &Actor| {
        let a = a.clone();
        let w = &w;
        async move {
            w.app
                .notify()
                .notifications(&a, None, None, 50)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.proposal_id == Some(filed.id))
                .map(|n| n.title + &n.body)
                .collect::<Vec<_>>()
        }
    };
    assert!(told(&officer).await.iter().any(|t| t.contains("请督办")));
    assert!(told(&people[0])
        .await
        .iter()
        .any(|t| t.contains("提请街道督办")));
}

/// A resident's event that needs a collective decision becomes a proposal in their name; a
/// proposal that is really a complaint becomes an event; each links to the other.
#[tokio::test]
async fn events_and_proposals_turn_into_each_other() {
    use jingzhi_app::events::ReportInput;
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let people = neighbours(&w, &worker, 2).await;
    let p = w.app.participation();
    let report = |a: &Actor, text: &str| {
        let a = a.clone();
        let text = text.to_string();
        let w = &w;
        async move {
            w.app
                .events()
                .report(
                    &a,
                    &ReportInput {
                        category: "sanitation".into(),
                        node_id: Some(w.building_a.id),
                        description: text,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
        }
    };

    // Event → proposal, in the reporter's name, once.
    let e = report(&people[0], "小区缺少垃圾分类投放点，需要大家商量放在哪里").await;
    let e2 = p
        .event_to_proposal(&people[1], e.id, None)
        .await
        .unwrap_err();
    assert_eq!(status(&e2), "403");
    let e2 = p
        .event_to_proposal(&worker_b, e.id, None)
        .await
        .unwrap_err();
    assert_eq!(status(&e2), "404");
    let prop = p.event_to_proposal(&worker, e.id, None).await.unwrap();
    assert_eq!(prop.author_name, "邻居0");
    assert_eq!(prop.from_event_id, Some(e.id));
    assert_eq!(prop.phase, Phase::Collecting);
    let again = p.event_to_proposal(&worker, e.id, None).await.unwrap_err();
    assert_eq!(status(&again), "409");
    assert_eq!(
        p.proposals_of_event(&worker, e.id).await.unwrap(),
        vec![(prop.id, prop.title.clone(), false)]
    );
    // An event staff reported (no resident behind it) needs the resident named.
    let staff_event = report(&worker, "楼道灯坏了").await;
    let e3 = p
        .event_to_proposal(&worker, staff_event.id, None)
        .await
        .unwrap_err();
    assert_eq!(field(&e3), "resident_id");

    // Proposal → event: the community reports it and links it.
    let filed = p
        .file_proposal_at(&people[1], &proposal("单元门口污水井冒水"), NOW)
        .await
        .unwrap();
    let ev = report(&worker, "单元门口污水井冒水").await;
    let e4 = p
        .proposal_to_event(&people[0], filed.id, ev.id)
        .await
        .unwrap_err();
    assert_eq!(status(&e4), "403");
    let e5 = p
        .proposal_to_event(&worker, filed.id, 999_999)
        .await
        .unwrap_err();
    assert_eq!(field(&e5), "event_id");
    let became = p.proposal_to_event(&worker, filed.id, ev.id).await.unwrap();
    assert_eq!(became.phase, Phase::BecameEvent);
    assert_eq!(became.linked, Some(ev.id));
    assert_eq!(
        p.proposals_of_event(&worker, ev.id).await.unwrap(),
        vec![(filed.id, filed.title.clone(), true)]
    );
    // Its author was told.
    let told = w
        .app
        .notify()
        .notifications(&people[1], None, None, 20)
        .await
        .unwrap();
    assert!(told
        .iter()
        .any(|n| n.proposal_id == Some(filed.id) && n.body.contains(&format!("事件#{}", ev.id))));
}
