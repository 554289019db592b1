//! Parking sharing (issue 12 §2) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): spaces shared in weekly hours, contracts that never hold the same
//! hour of a space twice, and rent that posts to the fund (and its log) when paid, once a period.

mod common;

use common::World;
use jingzhi_app::funds::FundInput;
use jingzhi_app::parking::{ContractInput, PaymentInput, SpaceInput};
use jingzhi_app::AppError;
use jingzhi_domain::parking::Window;
use jingzhi_domain::transparency::EntryKind;

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

const DAY: Window = Window {
    days: 0x1f,
    start: 8 * 60,
    end: 18 * 60,
};

#[tokio::test]
async fn contracts_share_hours_without_overlap_and_rent_posts_to_the_fund() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let p = w.app.parking();
    let fund = |node: i64, name: &str| FundInput {
        node_id: node,
        name: name.into(),
        kind: "shared".into(),
        threshold_fen: None,
    };
    let f = w
        .app
        .funds()
        .create(&worker, &fund(w.comm_a.id, "向阳街共享基金"))
        .await
        .unwrap();
    let fb = w
        .app
        .funds()
        .create(&other, &fund(w.comm_b.id, "B基金"))
        .await
        .unwrap();

    let space = |n: &str, windows: Vec<Window>| SpaceInput {
        node_id: w.comm_a.id,
        number: n.into(),
        note: String::new(),
        windows,
    };
    assert_eq!(
        status(
            &p.create_space(&grid, &space("1", vec![]))
                .await
                .unwrap_err()
        ),
        "403"
    );
    assert_eq!(
        field(
            &p.create_space(&other, &space("1", vec![]))
                .await
                .unwrap_err()
        ),
        "node_id"
    );
    let s = p
        .create_space(&worker, &space("XY-01", vec![DAY]))
        .await
        .unwrap();
    assert_eq!(s.windows, vec![DAY]);
    let e = p
        .create_space(&worker, &space("XY-01", vec![]))
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "number"));

    let contract = |window: Option<Window>, fund_id: i64| ContractInput {
        space_id: s.id,
        fund_id,
        tenant: "刘建军".into(),
        phone: "13906311234".into(),
        window,
        starts_on: "2026-01-01".into(),
        ends_on: "2027-12-31".into(),
        period: "year".into(),
        rent_fen: 50_000,
    };
    // Outside the shared hours; a fund of another community; another community's space.
    let night = Window {
        days: 0x7f,
        start: 18 * 60,
        end: 8 * 60,
    };
    assert_eq!(
        field(
            &p.create_contract(&worker, &contract(Some(night), f.id))
                .await
                .unwrap_err()
        ),
        "window"
    );
    assert_eq!(
        field(
            &p.create_contract(&worker, &contract(None, fb.id))
                .await
                .unwrap_err()
        ),
        "fund_id"
    );
    assert_eq!(
        status(
            &p.create_contract(&other, &contract(None, fb.id))
                .await
                .unwrap_err()
        ),
        "404"
    );

    // Mornings to one tenant, afternoons to another; the whole day again overlaps.
    let morning = Window {
        days: 0x1f,
        start: 8 * 60,
        end: 12 * 60,
    };
    let afternoon = Window {
        days: 0x1f,
        start: 12 * 60,
        end: 18 * 60,
    };
    let c = p
        .create_contract(&worker, &contract(Some(morning), f.id))
        .await
        .unwrap();
    assert_eq!(c.tenant_mask, "刘**");
    assert_eq!(c.phone_mask.as_deref(), Some("139****1234"));
    p.create_contract(&worker, &contract(Some(afternoon), f.id))
        .await
        .unwrap();
    let e = p
        .create_contract(&worker, &contract(None, f.id))
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "window"));

    // Paying a year's rent posts it to the fund, in the log; once per period.
    let before = w.app.funds().list(&worker).await.unwrap()[0].balance_fen;
    let paid = p
        .pay(&worker, c.id, &PaymentInput::default())
        .await
        .unwrap();
    assert_eq!(paid.paid, vec!["2026-01-01".to_string()]);
    let fund_now = w.app.funds().view(&worker, f.id, 1).await.unwrap();
    assert_eq!(fund_now.fund.balance_fen, before + 50_000);
    let entry = &fund_now.entries[0];
    assert_eq!(
        (entry.category.as_str(), entry.amount_fen),
        ("parking_rent", 50_000)
    );
    assert!(w
        .app
        .transparency()
        .index_of(EntryKind::FundEntry, entry.id)
        .await
        .unwrap()
        .is_some());
    let e = p
        .pay(
            &worker,
            c.id,
            &PaymentInput {
                period_start: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "period_start"));
    let e = p
        .pay(
            &worker,
            c.id,
            &PaymentInput {
                period_start: "2026-05-05".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "period_start");
    p.pay(&worker, c.id, &PaymentInput::default())
        .await
        .unwrap();
    let e = p
        .pay(&worker, c.id, &PaymentInput::default())
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409", "both years paid");
    assert_eq!(
        status(
            &p.pay(&other, c.id, &PaymentInput::default())
                .await
                .unwrap_err()
        ),
        "404"
    );

    let (spaces, contracts) = p.overview(&worker).await.unwrap();
    assert_eq!((spaces.len(), contracts.len()), (1, 2));
    let (spaces, _) = p.overview(&other).await.unwrap();
    assert!(spaces.is_empty());
}
