//! Community funds (issue 12 §2) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a double-entry ledger in fen that always balances, two people to
//! spend, a decision for a large spending, corrections as reversals, every posting in the log.

mod common;

use common::World;
use jingzhi_app::funds::{EntryInput, FundInput};
use jingzhi_app::AppError;
use jingzhi_domain::funds::State;
use jingzhi_domain::transparency::note::Verifier;

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

fn income(amount_fen: i64, what: &str) -> EntryInput {
    EntryInput {
        kind: "income".into(),
        category: "parking_rent".into(),
        amount_fen,
        purpose: what.into(),
        voucher_no: format!("ZJ-{amount_fen}-{what}"),
        ..Default::default()
    }
}

fn spending(amount_fen: i64, what: &str) -> EntryInput {
    EntryInput {
        kind: "spending".into(),
        category: "public_service".into(),
        amount_fen,
        purpose: what.into(),
        voucher_no: format!("ZC-{amount_fen}"),
        ..Default::default()
    }
}

#[tokio::test]
async fn two_people_to_spend_a_decision_for_a_large_sum_and_the_ledger_balances() {
    let w = World::new().await;
    let clerk = w.user("clerk.a", "community-worker", &w.comm_a).await;
    let head = w.user("head.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let f = w.app.funds();

    // Only a community, only in scope, a kind from the list.
    let bad = f
        .create(
            &clerk,
            &FundInput {
                node_id: w.comm_b.id,
                name: "x".into(),
                kind: "shared".into(),
                threshold_fen: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&bad), "node_id");
    let bad = f
        .create(
            &clerk,
            &FundInput {
                node_id: w.comm_a.id,
                name: "x".into(),
                kind: "slush".into(),
                threshold_fen: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&bad), "kind");
    let fund = f
        .create(
            &clerk,
            &FundInput {
                node_id: w.comm_a.id,
                name: "向阳街共享基金".into(),
                kind: "shared".into(),
                threshold_fen: Some(300_000),
            },
        )
        .await
        .unwrap();
    assert_eq!(fund.balance_fen, 0);

    // Twenty spaces at 500 yuan: incomes post at once.
    for i in 0..20 {
        let e = f
            .record(
                &clerk,
                fund.id,
                &income(50_000, &format!("{}号车位年租金", i + 1)),
            )
            .await
            .unwrap();
        assert_eq!(e.state, State::Posted);
    }
    assert_eq!(
        f.view(&clerk, fund.id, 1).await.unwrap().fund.balance_fen,
        1_000_000
    );

    // A spending waits; its recorder cannot approve it; another person can.
    let s = f
        .record(&clerk, fund.id, &spending(15_000, "楼道灯维修"))
        .await
        .unwrap();
    assert_eq!(s.state, State::Pending);
    assert_eq!(
        field(&f.approve(&clerk, s.id).await.unwrap_err()),
        "approver"
    );
    assert_eq!(status(&f.approve(&grid, s.id).await.unwrap_err()), "403");
    assert_eq!(status(&f.approve(&other, s.id).await.unwrap_err()), "404");
    let s = f.approve(&head, s.id).await.unwrap();
    assert_eq!(s.state, State::Posted);
    assert_eq!(status(&f.approve(&head, s.id).await.unwrap_err()), "409");
    assert_eq!(
        f.view(&clerk, fund.id, 1).await.unwrap().fund.balance_fen,
        985_000
    );

    // Above the threshold: a decision of the community, or 422.
    let e = f
        .record(&clerk, fund.id, &spending(400_000, "车位划线"))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "decision_id");
    let e = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                decision_id: Some(999_999),
                ..spending(400_000, "车位划线")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "decision_id");

    // More than the balance: 409 at approval, nothing posted.
    let big = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                category: "project_cost".into(),
                ..spending(200_000, "a")
            },
        )
        .await
        .unwrap();
    let big2 = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                category: "project_cost".into(),
                ..spending(200_000, "b")
            },
        )
        .await
        .unwrap();
    let big3 = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                category: "project_cost".into(),
                ..spending(290_000, "c")
            },
        )
        .await
        .unwrap();
    let big4 = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                category: "project_cost".into(),
                ..spending(299_000, "d")
            },
        )
        .await
        .unwrap();
    for id in [big.id, big2.id, big3.id] {
        f.approve(&head, id).await.unwrap();
    }
    let e = f.approve(&head, big4.id).await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "amount_fen"));
    assert_eq!(
        f.entry(&clerk, big4.id).await.unwrap().state,
        State::Pending
    );
    f.reject(&head, big4.id, "超出余额").await.unwrap();
    assert_eq!(
        f.entry(&clerk, big4.id).await.unwrap().state,
        State::Rejected
    );

    // A posted entry never changes; a pending one changes only by its recorder.
    let e = f.amend(&clerk, s.id, 16_000, "改", "X").await.unwrap_err();
    assert_eq!(status(&e), "409");
    let p = f
        .record(&clerk, fund.id, &spending(1_000, "茶水"))
        .await
        .unwrap();
    assert_eq!(
        status(&f.amend(&head, p.id, 2_000, "改", "X").await.unwrap_err()),
        "403"
    );
    assert_eq!(
        f.amend(&clerk, p.id, 2_000, "会议茶水", "ZC-9")
            .await
            .unwrap()
            .amount_fen,
        2_000
    );

    // A correction: a reversal, approved by another; once only.
    let before = f.view(&clerk, fund.id, 1).await.unwrap().fund.balance_fen;
    let r = f.reverse(&clerk, s.id, "重复报销").await.unwrap();
    assert_eq!((r.state, r.reverses_id), (State::Pending, Some(s.id)));
    assert_eq!(
        status(&f.reverse(&clerk, s.id, "again").await.unwrap_err()),
        "409"
    );
    f.approve(&head, r.id).await.unwrap();
    assert_eq!(
        f.view(&clerk, fund.id, 1).await.unwrap().fund.balance_fen,
        before + 15_000
    );

    // A fee subsidy names a household of the community.
    let e = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                category: "fee_subsidy".into(),
                ..spending(15_000, "物业费补贴")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "household_id");

    // Every posting in the log; the ledger balances.
    let log = w.app.transparency();
    let published = log.publish().await.unwrap();
    assert!(published.signed);
    let mut c = w.db.store.acquire().await.unwrap();
    assert_eq!(jingzhi_store::funds::ledger_sum(&mut c).await.unwrap(), 0);
    assert_eq!(
        jingzhi_store::funds::months_disagreeing(&mut c)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        jingzhi_store::funds::balance(&mut c, fund.id)
            .await
            .unwrap(),
        f.view(&clerk, fund.id, 1).await.unwrap().fund.balance_fen,
        "the lines and the month summaries agree"
    );
    sqlx::query("UPDATE fund_months SET inflow = inflow + 1 WHERE fund_id = $1")
        .bind(fund.id)
        .execute(&mut *c)
        .await
        .unwrap();
    assert!(!jingzhi_store::funds::months_disagreeing(&mut c)
        .await
        .unwrap()
        .is_empty());
    sqlx::query("UPDATE fund_months SET inflow = inflow - 1 WHERE fund_id = $1")
        .bind(fund.id)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let public = f.public(fund.id, 1).await.unwrap();
    assert_eq!(public.balance_fen, before + 15_000);
    assert!(public.entries.iter().all(|e| e.log_index.is_some()));
    let mut c = w.db.store.acquire().await.unwrap();
    assert_eq!(
        public.total,
        jingzhi_store::funds::count_entries(&mut c, fund.id, &[State::Posted])
            .await
            .unwrap(),
        "the summaries count the posted entries"
    );
    drop(c);
    let reversed = public.entries.iter().find(|e| e.id == r.id).unwrap();
    assert_eq!(reversed.delta_fen, 15_000);
    let idx = reversed.log_index.unwrap();
    let file = log.proof_file(idx).await.unwrap().unwrap();
    assert!(
        file.entry.contains("\"type\":\"fund_entry\""),
        "{}",
        file.entry
    );
    assert!(
        file.entry.contains(&format!("\"reverses_id\":{}", s.id)),
        "{}",
        file.entry
    );
    file.verify(Some(&Verifier::parse(&log.key()).unwrap()))
        .unwrap();
    assert_eq!(log.verify().await.unwrap().first_bad_index, None);
}

#[tokio::test]
async fn bad_entries_name_every_field_and_residents_only_read() {
    let w = World::new().await;
    let clerk = w.user("clerk.a", "community-worker", &w.comm_a).await;
    let f = w.app.funds();
    let fund = f
        .create(
            &clerk,
            &FundInput {
                node_id: w.comm_a.id,
                name: "社区基金".into(),
                kind: "community".into(),
                threshold_fen: None,
            },
        )
        .await
        .unwrap();
    let e = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                kind: "income".into(),
                category: "fee_subsidy".into(),
                amount_fen: 0,
                purpose: " ".into(),
                voucher_no: String::new(),
                occurred_on: "yesterday".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
    assert_eq!(
        names,
        [
            "category",
            "amount_fen",
            "purpose",
            "voucher_no",
            "occurred_on"
        ]
    );
    let e = f
        .record(
            &clerk,
            fund.id,
            &EntryInput {
                kind: "reversal".into(),
                ..income(100, "x")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "kind");
    // A voucher is an image, checked by its bytes, once.
    let p = f
        .record(&clerk, fund.id, &income(100, "捐赠"))
        .await
        .unwrap();
    assert_eq!(
        field(
            &f.put_voucher(&clerk, p.id, b"%PDF-1.4 not an image")
                .await
                .unwrap_err()
        ),
        "voucher"
    );
}
