//! The demo's community funds (issue 12 §2): 东北村社区's 向阳街共享基金 — the twenty surplus parking
//! spaces rented at 500 yuan a year, their rent paid in over the year, and property-fee subsidies
//! of 150 yuan to forty households, recorded by the community's demo worker and approved by the
//! command line — and a 社区基金 in every community of the city with a few donations, a purchase
//! of services and a public-service spending, at plausible sizes. Written through the use-cases
//! (with past times), so every posting is in the transparency log.

use crate::funds::{EntryInput, FundInput};
use crate::parking::{ContractInput, PaymentInput, SpaceInput};
use crate::{Actor, App, AppResult};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::{format_ms, now_ms};
use jingzhi_store::registry as sr;

const DAY: i64 = 24 * 3600 * 1000;

/// The demo's tenants of 向阳街's shared spaces (shops and people nearby; names sealed).
const TENANTS: [&str; 6] = [
    "刘建军",
    "孙丽",
    "环翠楼街道餐饮行业协会",
    "周海涛",
    "老船长海鲜水饺",
    "陈敏",
];

fn entry(
    kind: &str,
    category: &str,
    amount_fen: i64,
    purpose: String,
    voucher: String,
    at: i64,
) -> EntryInput {
    EntryInput {
        kind: kind.into(),
        category: category.into(),
        amount_fen,
        purpose,
        voucher_no: voucher,
        occurred_on: format_ms(at)[..10].to_string(),
        ..Default::default()
    }
}

pub(super) async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let now = now_ms();
    let Some(root) = ({
        let mut conn = app.store.acquire().await?;
        sr::root(&mut conn).await?
    }) else {
        return Ok(());
    };
    let sys = Actor::system(&root);
    let f = app.funds();

    // 东北村社区: the 向阳街 shared fund.
    let worker = {
        let mut conn = app.store.acquire().await?;
        jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun")
            .await?
            .map(Actor::new)
    };
    if let Some(worker) = worker {
        let community = {
            let mut conn = app.store.acquire().await?;
            sr::search_nodes(
                &mut conn,
                &worker.scope(),
                "东北村社区",
                Some(NodeKind::Community),
                1,
            )
            .await?
            .into_iter()
            .next()
        };
        if let Some(community) = community {
            let fund = f
                .create(
                    &worker,
                    &FundInput {
                        node_id: community.id,
                        name: "向阳街共享基金".into(),
                        kind: "shared".into(),
                        threshold_fen: None,
                    },
                )
                .await?;
            // The twenty surplus spaces of 向阳街, rented at 500 yuan a year: twelve shared all
            // day, eight on weekdays 08:00–18:00 (错时: the owners' night spaces by day); each
            // year's rent, paid, posts to the fund.
            let compound = {
                let mut conn = app.store.acquire().await?;
                sr::nodes_under(
                    &mut conn,
                    &worker.scope(),
                    &community.path,
                    &[NodeKind::Compound],
                    1,
                )
                .await?
                .into_iter()
                .next()
            };
            let place = compound.map_or(community.id, |c| c.id);
            let start = now - 300 * DAY;
            let day = jingzhi_domain::parking::Window {
                days: 0x1f,
                start: 8 * 60,
                end: 18 * 60,
            };
            for n in 0..20i64 {
                let at = start + n * 9 * DAY;
                let windows = if n < 12 { vec![] } else { vec![day] };
                let space = app
                    .parking()
                    .create_space(
                        &worker,
                        &SpaceInput {
                            node_id: place,
                            number: format!("XY-{:02}", n + 1),
                            note: "向阳街错时共享车位".into(),
                            windows,
                        },
                    )
                    .await?;
                let c = app
                    .parking()
                    .create_contract(
                        &worker,
                        &ContractInput {
                            space_id: space.id,
                            fund_id: fund.id,
                            tenant: TENANTS[n as usize % TENANTS.len()].into(),
                            starts_on: format_ms(at)[..10].to_string(),
                            ends_on: format_ms(at + 364 * DAY)[..10].to_string(),
                            period: "year".into(),
                            rent_fen: 50_000,
                            ..Default::default()
                        },
                    )
                    .await?;
                app.parking()
                    .pay_at(
                        &worker,
                        c.id,
                        &PaymentInput {
                            paid_on: format_ms(at)[..10].to_string(),
                            voucher_no: format!("XYJ-ZJ-{:03}", n + 1),
                            ..Default::default()
                        },
                        at,
                    )
                    .await?;
            }
            let households = f.choices(&worker, &fund).await?.households;
            for (i, (hid, _)) in households.iter().take(40).enumerate() {
                let at = now - 60 * DAY + i as i64 * DAY;
                let e = f
                    .record_at(
                        &worker,
                        fund.id,
                        &EntryInput {
                            household_id: Some(*hid),
                            ..entry(
                                "spending",
                                "fee_subsidy",
                                15_000,
                                "共享车位租金补贴物业费（每户150元）".into(),
                                format!("XYJ-ZC-{:03}", i + 1),
                                at,
                            )
                        },
                        at,
                    )
                    .await?;
                f.approve_at(&sys, e.id, at + 3_600_000).await?;
            }
        }
    }

    // Every community: a 社区基金 with a few entries over the year.
    let communities = {
        let mut conn = app.store.acquire().await?;
        sr::nodes_under(
            &mut conn,
            &sys.scope(),
            &root.path,
            &[NodeKind::Community],
            5000,
        )
        .await?
    };
    for (k, c) in communities.iter().enumerate() {
        let fund = f
            .create(
                &sys,
                &FundInput {
                    node_id: c.id,
                    name: format!("{}社区基金", c.name.trim_end_matches("社区")),
                    kind: "community".into(),
                    threshold_fen: None,
                },
            )
            .await?;
        // Deterministic sizes from the seed and the community's place in the list.
        let r = |i: u64| {
            (seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(k as u64 * 31 + i)
                % 97) as i64
        };
        let t0 = now - (200 + r(1)) * DAY;
        let steps = [
            (
                "income",
                "donation",
                200_000 + r(2) * 5_000,
                "辖区企业捐赠",
                t0,
            ),
            (
                "income",
                "government_purchase",
                600_000 + r(3) * 10_000,
                "政府购买社区养老服务",
                t0 + 40 * DAY,
            ),
            (
                "spending",
                "public_service",
                150_000 + r(4) * 3_000,
                "老年助餐点食材与运营",
                t0 + 90 * DAY,
            ),
        ];
        for (j, (kind, category, amount, purpose, at)) in steps.into_iter().enumerate() {
            let e = f
                .record_at(
                    &sys,
                    fund.id,
                    &entry(
                        kind,
                        category,
                        amount,
                        purpose.into(),
                        format!("SQJJ-{}-{}", c.id, j + 1),
                        at,
                    ),
                    at,
                )
                .await?;
            if kind == "spending" {
                f.approve_at(&sys, e.id, at + 3_600_000).await?;
            }
        }
    }
    Ok(())
}
