//! The public transparency log (issue 12 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): closed votes and locked minutes reach it once, proofs from the
//! store verify against signed checkpoints, witnesses cosign, and bad requests are refused.

mod common;

use common::World;
use jingzhi_app::participation::meetings::NewMeetingInput;
use jingzhi_app::participation::votes::NewVoteInput;
use jingzhi_app::AppError;
use jingzhi_domain::transparency::merkle::{self, verify_consistency, verify_inclusion};
use jingzhi_domain::transparency::note::{self, Checkpoint, Note, Signer, Verifier};
use jingzhi_domain::transparency::EntryKind;

const NOW: i64 = 1_796_346_000_000;
const DAY: i64 = 24 * 3600 * 1000;

fn field(e: &AppError) -> &str {
    match e {
        AppError::Invalid(v) => v[0].field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn vote_input(node_id: i64) -> NewVoteInput {
    NewVoteInput {
        node_id,
        question: "是否统一施划停车位？".into(),
        options: vec!["同意".into(), "不同意".into()],
        unit: "household".into(),
        quorum_percent: 50,
        majority: "simple".into(),
        majority_of: None,
        opens_at: None,
        closes_at: "2026-12-20T18:00:00+08:00".into(),
    }
}

fn checkpoint_of(w: &World, note_text: &str) -> Checkpoint {
    let key = Verifier::parse(&w.app.transparency().key()).unwrap();
    let n = Note::parse(note_text).unwrap();
    Checkpoint::parse(n.verified_by(&key).expect("signed by the log")).unwrap()
}

#[tokio::test]
async fn closed_votes_and_locked_minutes_are_logged_once_with_proofs_that_verify() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let log = w.app.transparency();
    let p = w.app.participation();

    // An empty log signs its empty tree once.
    let first = log.publish_at(NOW).await.unwrap();
    assert_eq!((first.appended, first.size, first.signed), (0, 0, true));
    assert!(!log.publish_at(NOW + 1).await.unwrap().signed);

    // An open vote is not logged; once closed it is, once.
    let v = p
        .create_vote_at(&worker, &vote_input(w.comm_a.id), NOW)
        .await
        .unwrap();
    assert_eq!(log.publish_at(NOW + 2).await.unwrap().appended, 0);
    p.close_vote_at(&worker, v.id, NOW + 3).await.unwrap();
    let r = log.publish_at(NOW + 4).await.unwrap();
    assert_eq!((r.appended, r.size, r.signed), (1, 1, true));
    assert_eq!(log.publish_at(NOW + 5).await.unwrap().appended, 0);
    let idx = log
        .index_of(EntryKind::VoteResult, v.id)
        .await
        .unwrap()
        .expect("logged");
    let entry = String::from_utf8(log.entry(idx).await.unwrap()).unwrap();
    assert!(entry.starts_with("{\"cast\":0,\"closed_at\":"), "{entry}");
    assert!(entry.contains("\"type\":\"vote_result\""), "{entry}");
    assert!(
        entry.contains("\"counts\":{\"不同意\":0,\"同意\":0}"),
        "{entry}"
    );

    // Minutes: drafted, opened for amendment for 2 days, never looked at again: the publisher
    // locks them when the time is up and logs them with their digest.
    let m = p
        .create_meeting_at(
            &worker,
            &NewMeetingInput {
                node_id: w.comm_a.id,
                kind: "deliberation".into(),
                title: "向阳街停车议事会".into(),
                held_at: "2026-12-03T19:00:00+08:00".into(),
                venue: "社区议事厅".into(),
            },
            NOW,
        )
        .await
        .unwrap();
    p.write_minutes_at(&worker, m.id, "议定：统一施划车位68个。", NOW + 10)
        .await
        .unwrap();
    p.open_minutes_at(&worker, m.id, 2, NOW + 11).await.unwrap();
    assert_eq!(
        log.publish_at(NOW + DAY).await.unwrap().appended,
        0,
        "still amendable"
    );
    let r = log.publish_at(NOW + 3 * DAY).await.unwrap();
    assert_eq!((r.appended, r.size), (1, 2));
    let locked = p
        .meeting_view_at(&worker, m.id, NOW + 3 * DAY)
        .await
        .unwrap();
    let digest = locked
        .meeting
        .minutes_hash
        .clone()
        .expect("locked with a digest");
    let mi = log
        .index_of(EntryKind::Minutes, m.id)
        .await
        .unwrap()
        .unwrap();
    let me = String::from_utf8(log.entry(mi).await.unwrap()).unwrap();
    assert!(
        me.contains(&format!("\"minutes_sha256\":\"{digest}\"")),
        "{me}"
    );

    // More entries (synthetic) so that proofs have depth, then every proof verifies.
    log.append_synthetic(37, 5).await.unwrap();
    let r = log.publish_at(NOW + 4 * DAY).await.unwrap();
    assert_eq!((r.size, r.signed), (39, true));
    let cp = checkpoint_of(&w, &log.checkpoint().await.unwrap().note);
    assert_eq!(cp.size, 39);
    for i in 0..39 {
        let leaf = merkle::leaf_hash(&log.entry(i).await.unwrap());
        let proof = log.inclusion(i, 39).await.unwrap();
        assert!(
            verify_inclusion(i, 39, &leaf, &proof, &cp.root),
            "entry {i}"
        );
        let smaller = log.inclusion(i, i + 1).await.unwrap();
        let mut t = merkle::Tree::new();
        for j in 0..=i {
            t.push(&log.entry(j).await.unwrap());
        }
        assert!(verify_inclusion(
            i,
            i + 1,
            &leaf,
            &smaller,
            &t.root_at(i + 1).unwrap()
        ));
        let c = log.consistency(i + 1, 39).await.unwrap();
        assert!(verify_consistency(
            i + 1,
            39,
            &t.root_at(i + 1).unwrap(),
            &cp.root,
            &c
        ));
    }
    assert!(log.consistency(39, 39).await.unwrap().is_empty());

    // The proof file of the vote verifies on its own, and against the pinned key.
    let file = log.proof_file(idx).await.unwrap().expect("covered");
    let key = Verifier::parse(&log.key()).unwrap();
    assert_eq!(file.verify(Some(&key)).unwrap().size, 39);
    assert_eq!(file.entry, entry);

    // The whole log verifies.
    let report = log.verify().await.unwrap();
    assert_eq!(report.first_bad_index, None, "{:?}", report.problems);
    assert_eq!((report.entries, report.checkpoints), (39, 4));
}

#[tokio::test]
async fn bad_proof_requests_name_the_parameter() {
    let w = World::new().await;
    let log = w.app.transparency();
    log.append_synthetic(10, 10).await.unwrap();
    log.publish_at(NOW).await.unwrap();
    assert_eq!(field(&log.inclusion(10, 10).await.unwrap_err()), "index");
    assert_eq!(field(&log.inclusion(0, 11).await.unwrap_err()), "tree_size");
    assert_eq!(field(&log.consistency(0, 5).await.unwrap_err()), "from");
    assert_eq!(field(&log.consistency(6, 5).await.unwrap_err()), "from");
    assert_eq!(field(&log.consistency(5, 11).await.unwrap_err()), "to");
    assert!(matches!(
        log.entry(10).await.unwrap_err(),
        AppError::NotFound
    ));
    // Not yet under a checkpoint: no proof file.
    log.append_synthetic(1, 1).await.unwrap();
    assert!(log.proof_file(10).await.unwrap().is_none());
    assert!(log.proof_file(9).await.unwrap().is_some());
}

#[tokio::test]
async fn witnesses_cosign_only_what_the_log_signed() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let log = w.app.transparency();
    log.append_synthetic(5, 5).await.unwrap();
    log.publish_at(NOW).await.unwrap();
    let served = log.checkpoint().await.unwrap().note;
    let text = Note::parse(&served).unwrap().text;

    let witness =
        Signer::from_seed("street.example/witness", note::ALG_COSIGNATURE_V1, &[9; 32]).unwrap();
    let line = witness.cosign_line(&text, 1_796_346_000);
    // Not registered yet.
    let e = log.cosign(&format!("{served}{line}")).await.unwrap_err();
    assert_eq!(field(&e), "note");
    // Only an administrator registers a witness.
    assert!(matches!(
        log.add_witness(&worker, &witness.verifier().encode())
            .await
            .unwrap_err(),
        AppError::Forbidden
    ));
    assert_eq!(
        field(&log.add_witness(&admin, "not a key").await.unwrap_err()),
        "key"
    );
    log.add_witness(&admin, &witness.verifier().encode())
        .await
        .unwrap();
    assert_eq!(
        log.cosign(&format!("{served}{line}")).await.unwrap(),
        vec!["street.example/witness".to_string()]
    );
    let view = log.checkpoint().await.unwrap();
    assert_eq!(view.cosigned_by.len(), 1);
    assert!(view.note.ends_with(&line), "{}", view.note);
    // The cosigned note still verifies under the log's key, and the cosignature under the
    // witness's.
    let n = Note::parse(&view.note).unwrap();
    let key = Verifier::parse(&log.key()).unwrap();
    assert!(n.verified_by(&key).is_some());
    assert!(n
        .signatures
        .iter()
        .any(|l| witness.verifier().cosigned(&n.text, l).is_some()));

    // A checkpoint the log never signed (another root), or a cosignature over something else.
    let forged = Checkpoint {
        origin: log.origin().to_string(),
        size: 5,
        root: [7; 32],
    };
    let body = forged.body();
    let e = log
        .cosign(&format!("{body}\n{}", witness.cosign_line(&body, 1)))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "note");
    let wrong = witness.cosign_line("other\n5\nAAAA\n", 1);
    let e = log.cosign(&format!("{served}{wrong}")).await.unwrap_err();
    assert_eq!(field(&e), "note");
}
