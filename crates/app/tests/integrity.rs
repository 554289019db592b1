//! The integrity index (issue 12 §1) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): records with the evidence their item asks for, scores and stars,
//! appeals within the window reviewed by someone else, adopted projects whose confirmed
//! deliveries score, rewards by stars, the catalogue's round trip through `.xlsx`, and every
//! record and outcome in a log that verifies.

mod common;

use common::World;
use jingzhi_app::demo::integrity::{demo_pdf, demo_png};
use jingzhi_app::integrity::{
    AgreementInput, ProjectInput, RecordInput, RewardInput, SubjectInput,
};
use jingzhi_app::participation::councils::{NewAssociationInput, NewMerchantInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::integrity::{AppealState, RecordState};
use jingzhi_domain::participation::councils::LicenceNumber;
use jingzhi_domain::registry::IdNumber;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_domain::transparency::EntryKind;
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

fn field(e: &AppError) -> &str {
    match e {
        AppError::Invalid(v) => v[0].field,
        AppError::Conflict { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn rec(code: &str, evidence: Option<Vec<u8>>) -> RecordInput {
    RecordInput {
        item_code: code.into(),
        evidence,
        ..Default::default()
    }
}

const DAY: i64 = 86_400_000;

/// A merchant of building A in association of community A, scored, with a shopkeeper account.
async fn shop(w: &World, worker: &Actor) -> (i64, Actor) {
    let p = w.app.participation();
    let assoc = p
        .create_association(
            worker,
            &NewAssociationInput {
                node_id: w.comm_a.id,
                name: "餐饮行业协会".into(),
                trade: "catering".into(),
            },
        )
        .await
        .unwrap();
    let m = p
        .create_merchant(
            worker,
            &NewMerchantInput {
                building_id: w.building_a.id,
                name: "福顺面馆".into(),
                licence_number: LicenceNumber::complete("92371002000000001")
                    .unwrap()
                    .as_str()
                    .to_string(),
                contact_phone: None,
                association_id: Some(assoc.id),
            },
        )
        .await
        .unwrap();
    let s = w
        .app
        .integrity()
        .create_subject(
            worker,
            &SubjectInput {
                kind: "merchant".into(),
                merchant_id: Some(m.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let keeper = w
        .resident_at(
            worker,
            "shopkeeper",
            "101",
            "王福顺",
            IdNumber::build(371002, date!(1975 - 03 - 04), 21).as_str(),
        )
        .await;
    w.app
        .integrity()
        .add_operator(worker, s.id, "shopkeeper")
        .await
        .unwrap();
    (s.id, keeper)
}

#[tokio::test]
async fn records_need_scope_an_item_that_applies_and_its_evidence() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let dept = w.dept_user("dept", "zhujian", &w.city).await;
    let ig = w.app.integrity();
    let (sid, keeper) = shop(&w, &worker).await;

    // Outside the recorder's places: not found, nothing written.
    let e = ig
        .record(&other, sid, &rec("P029", Some(demo_pdf("x"))))
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    // Not a recorder at all.
    let e = ig
        .record(&dept, sid, &rec("P029", Some(demo_pdf("x"))))
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = ig
        .record(&keeper, sid, &rec("P029", Some(demo_pdf("x"))))
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    // An item of another subject kind, an unknown item, missing or wrong evidence.
    for (input, f) in [
        (rec("P003", Some(demo_png([1, 2, 3]))), "item_code"),
        (rec("P999", Some(demo_pdf("x"))), "item_code"),
        (rec("P029", None), "evidence"),
        (rec("P001", Some(demo_pdf("x"))), "evidence"),
        (rec("P029", Some(b"not a file".to_vec())), "evidence"),
        (
            RecordInput {
                occurred_on: "2099-01-01".into(),
                ..rec("P029", Some(demo_pdf("x")))
            },
            "occurred_on",
        ),
    ] {
        let e = ig.record(&worker, sid, &input).await.unwrap_err();
        assert_eq!((status(&e), field(&e)), ("422", f), "{}", input.item_code);
    }
    assert!(ig.subject(&worker, sid).await.unwrap().records.is_empty());

    // A document item with a PDF, a photo item with a photo: they count at once.
    ig.record(&worker, sid, &rec("P029", Some(demo_pdf("licence"))))
        .await
        .unwrap();
    ig.record(&worker, sid, &rec("P001", Some(demo_png([9, 9, 9]))))
        .await
        .unwrap();
    let v = ig.subject(&worker, sid).await.unwrap();
    assert_eq!(v.score, 100 + 3 + 5);
    assert_eq!(v.stars, 1);
    assert_eq!(v.log_index.len(), 2, "each record is in the log");

    // The shopkeeper sees the shop's page and was told; another resident does not see it.
    let mine = ig.mine(&keeper).await.unwrap();
    assert!(mine.1.iter().any(|s| s.subject.id == sid && s.acts_for));
    let stranger = w
        .resident_at(
            &worker,
            "stranger",
            "102",
            "赵六",
            IdNumber::build(371002, date!(1980 - 01 - 01), 31).as_str(),
        )
        .await;
    assert_eq!(
        status(&ig.subject(&stranger, sid).await.unwrap_err()),
        "404"
    );
    assert_eq!(status(&ig.subject(&other, sid).await.unwrap_err()), "404");
    let notes = w.app.notify().inbox(&keeper, 10).await.unwrap().unread;
    assert!(notes.iter().any(|n| n.command == "integrity"), "{notes:?}");

    // The public page names the business; a resident's subject is not public.
    let public = ig.public_subject(sid).await.unwrap();
    assert_eq!(public.records.len(), 2);
    let rs = ig
        .create_subject(
            &worker,
            &SubjectInput {
                kind: "resident".into(),
                resident_id: stranger.user.resident_id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&ig.public_subject(rs.id).await.unwrap_err()), "404");
    // Once only.
    let e = ig
        .create_subject(
            &worker,
            &SubjectInput {
                kind: "resident".into(),
                resident_id: stranger.user.resident_id,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "resident_id"));
}

#[tokio::test]
async fn appeals_have_a_window_and_another_reviewer_and_the_log_verifies() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let head = w.user("head.a", "community-worker", &w.comm_a).await;
    let ig = w.app.integrity();
    let (sid, keeper) = shop(&w, &worker).await;
    let now = now_ms();

    let old = ig
        .record_at(
            &worker,
            sid,
            &rec("M007", Some(demo_png([200, 0, 0]))),
            now - 16 * DAY,
        )
        .await
        .unwrap();
    let fresh = ig
        .record_at(
            &worker,
            sid,
            &rec("M007", Some(demo_png([200, 0, 0]))),
            now - DAY,
        )
        .await
        .unwrap();
    assert_eq!(ig.subject(&worker, sid).await.unwrap().score, 100 - 3 - 3);

    // After the window: refused, nothing changed.
    let e = ig.appeal(&keeper, old.id, "价签在").await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "record"));
    // Staff do not appeal for the subject; an empty reason is refused.
    assert_eq!(
        status(&ig.appeal(&head, fresh.id, "x").await.unwrap_err()),
        "403"
    );
    assert_eq!(
        field(&ig.appeal(&keeper, fresh.id, " ").await.unwrap_err()),
        "reason"
    );
    let r = ig.appeal(&keeper, fresh.id, "价签一直都在").await.unwrap();
    assert_eq!(r.appeal.as_ref().unwrap().state, AppealState::Open);
    let e = ig.appeal(&keeper, fresh.id, "again").await.unwrap_err();
    assert_eq!(status(&e), "409");
    assert_eq!(ig.appeals(&head).await.unwrap().len(), 1);

    // The recorder does not review their own record.
    let e = ig
        .review(&worker, fresh.id, "reverse", "查实")
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "reviewer"));
    let e = ig
        .review(&head, fresh.id, "maybe", "查实")
        .await
        .unwrap_err();
    assert_eq!(field(&e), "outcome");
    let r = ig
        .review(&head, fresh.id, "reverse", "监控显示价签完整")
        .await
        .unwrap();
    assert_eq!(r.state, RecordState::Reversed);
    assert_eq!(r.appeal.unwrap().state, AppealState::Reversed);
    let e = ig.review(&head, fresh.id, "uphold", "x").await.unwrap_err();
    assert_eq!(status(&e), "409");
    // A reversed record stops counting, visibly.
    let v = ig.subject(&keeper, sid).await.unwrap();
    assert_eq!(v.score, 100 - 3);
    assert!(v.records.iter().any(|r| r.state == RecordState::Reversed));
    assert_eq!(v.appeal_index.len(), 1, "the outcome is in the log");

    // Everything verifies; the entries carry no personal data.
    w.app.transparency().publish().await.unwrap();
    let report = w.app.transparency().verify().await.unwrap();
    assert_eq!(report.first_bad_index, None, "{:?}", report.problems);
    let idx = w
        .app
        .transparency()
        .index_of(EntryKind::IntegrityAppeal, r_appeal_id(&v))
        .await
        .unwrap()
        .unwrap();
    let entry = String::from_utf8(w.app.transparency().entry(idx).await.unwrap()).unwrap();
    assert!(entry.contains("\"outcome\":\"reversed\""), "{entry}");
    assert!(!entry.contains("价签"), "no free text in the log: {entry}");
}

fn r_appeal_id(v: &jingzhi_app::integrity::SubjectView) -> i64 {
    v.records
        .iter()
        .find_map(|r| r.appeal.as_ref().map(|a| a.id))
        .unwrap()
}

#[tokio::test]
async fn an_adopted_projects_confirmed_deliveries_score_and_rewards_follow_stars() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let ig = w.app.integrity();
    let (sid, keeper) = shop(&w, &worker).await;

    let bad = ig
        .create_project(
            &worker,
            &ProjectInput {
                node_id: w.comm_a.id,
                title: "x".into(),
                description: "x".into(),
                schedule: "每月".into(),
                item_code: "M007".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&bad), "item_code");
    let e = ig
        .create_project(
            &other,
            &ProjectInput {
                node_id: w.comm_a.id,
                title: "x".into(),
                description: "x".into(),
                schedule: "每月".into(),
                item_code: "P001".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "node_id");
    let p = ig
        .create_project(
            &worker,
            &ProjectInput {
                node_id: w.comm_a.id,
                title: "百岁宴·长寿面".into(),
                description: "每月为高龄老人煮长寿面".into(),
                schedule: "每月一次".into(),
                item_code: "P001".into(),
            },
        )
        .await
        .unwrap();

    // The shopkeeper sees the project, may adopt it for the shop, once.
    let v = ig.project(&keeper, p.id).await.unwrap();
    assert_eq!(v.may_adopt.len(), 1);
    let a = ig.adopt(&keeper, p.id, sid).await.unwrap();
    assert_eq!(
        status(&ig.adopt(&keeper, p.id, sid).await.unwrap_err()),
        "409"
    );
    assert_eq!(status(&ig.project(&other, p.id).await.unwrap_err()), "404");

    // Reported by the shop, confirmed by staff: the project's plus item counts.
    let d = ig
        .report_delivery(&keeper, a.id, "", "到场老人12位")
        .await
        .unwrap();
    assert_eq!(
        status(&ig.confirm_delivery(&keeper, d.id).await.unwrap_err()),
        "403"
    );
    assert_eq!(
        status(&ig.confirm_delivery(&other, d.id).await.unwrap_err()),
        "404"
    );
    let before = ig.subject(&worker, sid).await.unwrap();
    let r = ig.confirm_delivery(&worker, d.id).await.unwrap();
    assert_eq!((r.points, r.adoption_id), (5, Some(a.id)));
    assert_eq!(
        status(&ig.confirm_delivery(&worker, d.id).await.unwrap_err()),
        "409"
    );
    let after = ig.subject(&worker, sid).await.unwrap();
    assert_eq!(after.score, before.score + 5);

    // A reward asks for stars the shop has not reached: refused; at its stars: granted.
    let reward = |min| RewardInput {
        node_id: w.comm_a.id,
        title: format!("{min}星激励"),
        description: "四点半课堂".into(),
        min_stars: min,
    };
    let high = ig.create_reward(&worker, &reward(5)).await.unwrap();
    let low = ig.create_reward(&worker, &reward(1)).await.unwrap();
    let e = ig.grant(&worker, high.id, sid, "", "").await.unwrap_err();
    assert_eq!(field(&e), "subject_id");
    let g = ig.grant(&worker, low.id, sid, "", "挂牌").await.unwrap();
    assert_eq!(g.subject_id, sid);
    assert_eq!(ig.rewards(&worker).await.unwrap().len(), 2);

    // An agreement; a breach is a minus item within its term.
    let ag = ig
        .create_agreement(
            &worker,
            sid,
            &AgreementInput {
                title: "诚信经营协议".into(),
                terms: "明码标价".into(),
                signatories: "福顺面馆；社区居委会".into(),
                starts_on: "".into(),
                ends_on: "2030-12-31".into(),
            },
        )
        .await
        .unwrap();
    let e = ig
        .record(
            &worker,
            sid,
            &RecordInput {
                agreement_id: Some(ag.id),
                ..rec("P029", Some(demo_pdf("x")))
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "item_code");
    let r = ig
        .record(
            &worker,
            sid,
            &RecordInput {
                agreement_id: Some(ag.id),
                ..rec("M060", Some(demo_pdf("breach")))
            },
        )
        .await
        .unwrap();
    assert_eq!(r.agreement_id, Some(ag.id));
    let v = ig.subject(&worker, sid).await.unwrap();
    assert_eq!(v.agreements[0].breaches, 1);

    // The honour board lists merchants from three stars.
    let board = ig.honour_board(w.comm_a.id).await.unwrap();
    assert!(board.merchants.iter().all(|(_, _, s)| *s >= 3));
}

#[tokio::test]
async fn the_catalogue_round_trips_through_xlsx_as_a_new_version() {
    let w = World::new().await;
    let admin = w.user("city.admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let ig = w.app.integrity();
    let (c, items, versions) = ig.catalogue(None).await.unwrap();
    assert!(c.example && c.active);
    assert_eq!(items.len(), 152);
    assert_eq!(versions.len(), 1);

    let bytes = ig.export_catalogue(&worker, None).await.unwrap();
    assert_eq!(
        status(
            &ig.import_catalogue(&worker, "v2", &bytes)
                .await
                .unwrap_err()
        ),
        "403"
    );
    assert_eq!(
        status(
            &ig.import_catalogue(&admin, "v2", b"not xlsx")
                .await
                .unwrap_err()
        ),
        "422"
    );
    let v2 = ig.import_catalogue(&admin, "2027版", &bytes).await.unwrap();
    assert!(v2.active && !v2.example);
    let (now, items2, versions) = ig.catalogue(None).await.unwrap();
    assert_eq!(now.id, v2.id);
    assert_eq!(versions.len(), 2);
    assert_eq!(
        items.iter().map(|i| &i.item).collect::<Vec<_>>(),
        items2.iter().map(|i| &i.item).collect::<Vec<_>>()
    );

    // Rules: only the admin, checked.
    let mut rules = now.rules;
    rules.stars = [100, 105, 110, 115, 120];
    assert_eq!(
        status(&ig.set_rules(&worker, rules).await.unwrap_err()),
        "403"
    );
    let bad = jingzhi_domain::integrity::Rules {
        stars: [5, 4, 3, 2, 1],
        ..rules
    };
    assert_eq!(
        field(&ig.set_rules(&admin, bad).await.unwrap_err()),
        "stars"
    );
    assert_eq!(ig.set_rules(&admin, rules).await.unwrap().rules, rules);
}
