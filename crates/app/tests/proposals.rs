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
