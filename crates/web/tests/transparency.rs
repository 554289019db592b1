//! The transparency log's public endpoints (issue 12 §3), exactly as scripts rely on them: no
//! login, the exact paths, bodies and status codes; and the pages that offer a record's proof.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::TestApp;
use jingzhi_domain::transparency::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use jingzhi_domain::transparency::note::{Checkpoint, Note, Verifier};
use jingzhi_domain::transparency::ProofFile;

async fn get(t: &TestApp, uri: &str) -> common::Resp {
    t.send(Request::get(uri).body(Body::empty()).unwrap()).await
}

fn hashes(v: &serde_json::Value) -> Vec<[u8; 32]> {
    v["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

#[tokio::test]
async fn the_public_endpoints_answer_exactly() {
    let t = TestApp::new().await;
    // Before any checkpoint: 404.
    assert_eq!(
        get(&t, "/transparency/checkpoint").await.status,
        StatusCode::NOT_FOUND
    );
    let log = t.app.transparency();
    log.append_synthetic(6, 6).await.unwrap();
    log.publish().await.unwrap();
    log.append_synthetic(7, 7).await.unwrap();
    log.publish().await.unwrap();

    let k = get(&t, "/transparency/key").await;
    assert_eq!(k.status, StatusCode::OK);
    assert!(k.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let key = Verifier::parse(&k.text()).unwrap();
    assert_eq!(k.text(), key.encode(), "name+hash+base64, no newline");

    let c = get(&t, "/transparency/checkpoint").await;
    assert_eq!(c.status, StatusCode::OK);
    let note = Note::parse(&c.text()).unwrap();
    let cp = Checkpoint::parse(note.verified_by(&key).unwrap()).unwrap();
    assert_eq!((cp.origin.as_str(), cp.size), (key.name(), 13));
    assert_eq!(c.text().lines().nth(1), Some("13"));

    // Entries: exact bytes, 404 beyond, 400 for what is not an index.
    let e = get(&t, "/transparency/entries/4").await;
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(e.body, log.entry(4).await.unwrap());
    assert_eq!(
        get(&t, "/transparency/entries/13").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&t, "/transparency/entries/-1").await.status,
        StatusCode::BAD_REQUEST
    );

    // Inclusion: the shape, and the proof verifies.
    let r = get(&t, "/transparency/proof/inclusion?index=4&tree_size=13").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (j["index"].as_u64(), j["tree_size"].as_u64()),
        (Some(4), Some(13))
    );
    assert_eq!(j.as_object().unwrap().len(), 3);
    assert!(verify_inclusion(
        4,
        13,
        &leaf_hash(&e.body),
        &hashes(&j),
        &cp.root
    ));

    // Consistency from the first checkpoint (6) to this one.
    let first = Checkpoint {
        origin: cp.origin.clone(),
        size: 6,
        root: {
            let mut t6 = jingzhi_domain::transparency::merkle::Tree::new();
            for i in 0..6 {
                t6.push(&log.entry(i).await.unwrap());
            }
            t6.root_at(6).unwrap()
        },
    };
    let r = get(&t, "/transparency/proof/consistency?from=6&to=13").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j.as_object().unwrap().len(), 1);
    assert!(verify_consistency(
        6,
        13,
        &first.root,
        &cp.root,
        &hashes(&j)
    ));
    let same = get(&t, "/transparency/proof/consistency?from=13&to=13").await;
    assert_eq!(same.json(), serde_json::json!({"hashes": []}));

    // 400: M = 0, M > N, beyond the log, an index beyond the tree size, missing or not a number.
    for bad in [
        "/transparency/proof/consistency?from=0&to=5",
        "/transparency/proof/consistency?from=6&to=5",
        "/transparency/proof/consistency?from=6&to=14",
        "/transparency/proof/consistency?from=x&to=5",
        "/transparency/proof/consistency?to=5",
        "/transparency/proof/inclusion?index=13&tree_size=13",
        "/transparency/proof/inclusion?index=0&tree_size=14",
        "/transparency/proof/inclusion?index=0&tree_size=-3",
        "/transparency/proof/inclusion?index=0",
    ] {
        let r = get(&t, bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert!(
            r.json()["details"][0]["field"].is_string(),
            "{bad}: {}",
            r.text()
        );
    }

    // The proof file, and 409 for an entry no checkpoint covers yet.
    let f = get(&t, "/transparency/proof-file?index=12").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let file: ProofFile = serde_json::from_slice(&f.body).unwrap();
    assert_eq!(file.verify(Some(&key)).unwrap().size, 13);
    log.append_synthetic(1, 1).await.unwrap();
    assert_eq!(
        get(&t, "/transparency/proof-file?index=13").await.status,
        StatusCode::CONFLICT
    );

    // A cosignature nobody registered: 422; not a note: 422.
    let r = t
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/transparency/cosignatures")
                .body(Body::from("not a note"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

#[tokio::test]
async fn a_closed_votes_page_offers_its_proof_and_the_log_pages_open_without_login() {
    let t = TestApp::new().await;
    let vote = t.household_vote(&t.comm_a).await;
    let sys = jingzhi_app::Actor::system(&t.city);
    t.app.participation().close_vote(&sys, vote).await.unwrap();
    t.app.transparency().publish().await.unwrap();
    let index = t
        .app
        .transparency()
        .index_of(jingzhi_domain::transparency::EntryKind::VoteResult, vote)
        .await
        .unwrap()
        .unwrap();

    let (cookie, _) = t.browser_session("resident.a").await;
    let page = t.page(&format!("/votes/{vote}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("/transparency/proof-file?index={index}")),
        "{html}"
    );

    for uri in ["/transparency", "/transparency/verify"] {
        let r = get(&t, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(r.text().contains("<html"), "{uri}");
    }
    let home = get(&t, "/transparency").await.text();
    assert!(home.contains(&format!("#{index}")), "{home}");
    assert!(
        home.contains(&t.app.transparency().key()),
        "the key is shown"
    );
    let js = get(&t, "/assets/verify.js").await;
    assert_eq!(js.status, StatusCode::OK);
}
