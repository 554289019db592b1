//! Councils and associations (issue 11 §6), on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): associations and their merchants, a council over the street with
//! members in chair order, a rotating chair (next, term end, overdue, handovers), matters with
//! their outcomes; who may do what and who sees what.

mod common;

use common::World;
use jingzhi_app::participation::councils::{
    NewAssociationInput, NewCouncilInput, NewMatterInput, NewMemberInput, NewMerchantInput,
};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::participation::councils::{LicenceNumber, MatterStatus};
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

fn licence(n: u32) -> String {
    LicenceNumber::complete(&format!("9237100200{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

fn member(kind: &str) -> NewMemberInput {
    NewMemberInput {
        kind: kind.into(),
        ..Default::default()
    }
}

fn property(name: &str) -> NewMemberInput {
    NewMemberInput {
        name: Some(name.into()),
        ..member("property_company")
    }
}

async fn council(w: &World, officer: &Actor, node: i64, term: i64) -> i64 {
    w.app
        .participation()
        .create_council_at(
            officer,
            &NewCouncilInput {
                node_id: node,
                name: "环翠楼街道街区共治理事会".into(),
                term_days: term,
            },
            NOW,
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn the_chair_rotates_in_order_and_a_late_handover_is_flagged() {
    let w = World::new().await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let p = w.app.participation();
    let id = council(&w, &officer, w.street.id, 90).await;

    // No members, no chair.
    let v = p.council_view_at(&officer, id, NOW).await.unwrap();
    assert_eq!((v.chair.current, v.chair.next), (None, None));
    let e = p.handover_at(&officer, id, None, NOW).await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "members"));

    // The first member chairs first; the rest follow in the order they joined.
    let a = p
        .add_member_at(
            &officer,
            id,
            &NewMemberInput {
                node_id: Some(w.comm_a.id),
                ..member("community")
            },
            NOW,
        )
        .await
        .unwrap();
    let b = p
        .add_member_at(&officer, id, &property("威海宏安物业"), NOW + 1)
        .await
        .unwrap();
    let c = p
        .add_member_at(
            &officer,
            id,
            &NewMemberInput {
                node_id: Some(w.comm_b.id),
                ..member("community")
            },
            NOW + 2,
        )
        .await
        .unwrap();
    assert_eq!((a.position, b.position, c.position), (1, 2, 3));
    let v = p
        .council_view_at(&officer, id, NOW + 10 * DAY)
        .await
        .unwrap();
    assert_eq!(v.chair.current, Some(a.id));
    assert_eq!(v.current_name.as_deref(), Some(w.comm_a.name.as_str()));
    assert_eq!(v.chair.next, Some(b.id));
    assert_eq!(v.next_name.as_deref(), Some("威海宏安物业"));
    assert_eq!(v.chair.term_ends, Some(NOW + 90 * DAY));
    assert!(!v.chair.overdue);
    assert_eq!(v.handovers.len(), 1, "the first chair is recorded");
    assert_eq!(v.handovers[0].from_member_id, None);

    // The term ended with no handover: flagged, with the days.
    let v = p
        .council_view_at(&officer, id, NOW + 97 * DAY)
        .await
        .unwrap();
    assert!(v.chair.overdue);
    assert_eq!(v.chair.days_overdue, 7);

    // The chair passes only to the next; skipping is refused and changes nothing.
    let e = p
        .handover_at(&officer, id, Some(c.id), NOW + 97 * DAY)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "to_member_id"));
    let h = p
        .handover_at(&officer, id, None, NOW + 97 * DAY)
        .await
        .unwrap();
    assert_eq!((h.from_member_id, h.to_member_id), (Some(a.id), b.id));
    assert_eq!(h.recorded_by_name, officer.user.display_name);
    let v = p
        .council_view_at(&officer, id, NOW + 98 * DAY)
        .await
        .unwrap();
    assert_eq!((v.chair.current, v.chair.next), (Some(b.id), Some(c.id)));
    assert_eq!(v.chair.term_ends, Some(NOW + 97 * DAY + 90 * DAY));
    assert!(!v.chair.overdue);

    // Early handovers go round the order and back to the first.
    p.handover_at(&officer, id, Some(c.id), NOW + 100 * DAY)
        .await
        .unwrap();
    p.handover_at(&officer, id, None, NOW + 101 * DAY)
        .await
        .unwrap();
    let v = p
        .council_view_at(&officer, id, NOW + 102 * DAY)
        .await
        .unwrap();
    assert_eq!(v.chair.current, Some(a.id));
    let order: Vec<i64> = v.handovers.iter().rev().map(|h| h.to_member_id).collect();
    assert_eq!(order, vec![a.id, b.id, c.id, a.id]);

    // A member joins once.
    let e = p
        .add_member_at(&officer, id, &property("威海宏安物业"), NOW)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "name"));
}

#[tokio::test]
async fn matters_are_raised_and_settled_once() {
    let w = World::new().await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let p = w.app.participation();
    let id = council(&w, &officer, w.street.id, 90).await;
    let m = p
        .raise_matter_at(
            &officer,
            id,
            &NewMatterInput {
                title: "沿街商户占道经营".into(),
                raised_at: Some("2026-11-01T09:00:00+08:00".into()),
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(m.status, MatterStatus::Open);
    let e = p
        .settle_matter_at(&officer, m.id, "  ", NOW + DAY)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "outcome"));
    let s = p
        .settle_matter_at(&officer, m.id, "签订门前三包承诺书", NOW + DAY)
        .await
        .unwrap();
    assert_eq!(s.status, MatterStatus::Settled);
    assert_eq!(s.settled_at, Some(NOW + DAY));
    let e = p
        .settle_matter_at(&officer, m.id, "再办一次", NOW + 2 * DAY)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "status"));
    for (title, raised, f) in [
        ("", None, "title"),
        ("x", Some("昨天".to_string()), "raised_at"),
        (
            "x",
            Some("2099-01-01T00:00:00+08:00".to_string()),
            "raised_at",
        ),
    ] {
        let e = p
            .raise_matter_at(
                &officer,
                id,
                &NewMatterInput {
                    title: title.into(),
                    raised_at: raised,
                },
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!((status(&e), field(&e)), ("422", f));
    }
    let v = p.council_view_at(&officer, id, NOW).await.unwrap();
    assert_eq!((v.council.matters, v.council.settled), (1, 1));
    assert_eq!(v.matters[0].outcome.as_deref(), Some("签订门前三包承诺书"));
}

#[tokio::test]
async fn associations_take_merchants_of_their_place_with_a_valid_licence() {
    let w = World::new().await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let p = w.app.participation();
    let assoc = p
        .create_association_at(
            &officer,
            &NewAssociationInput {
                node_id: w.comm_a.id,
                name: "东北村餐饮行业协会".into(),
                trade: "catering".into(),
            },
            NOW,
        )
        .await
        .unwrap();
    let good = |building: i64, name: &str, n: u32| NewMerchantInput {
        building_id: building,
        name: name.into(),
        licence_number: licence(n),
        contact_phone: Some("13812345678".into()),
        association_id: Some(assoc.id),
    };
    let m = p
        .create_merchant_at(&officer, &good(w.building_a.id, "老船长水饺", 1), NOW)
        .await
        .unwrap();
    assert_eq!(m.association_name.as_deref(), Some("东北村餐饮行业协会"));
    assert_eq!(m.contact_phone.as_deref(), Some("13812345678"));

    let cases: Vec<(NewMerchantInput, &str, &str)> = vec![
        (good(w.building_a.id, " ", 2), "422", "name"),
        (
            NewMerchantInput {
                licence_number: "91350100M000100Y44".into(),
                ..good(w.building_a.id, "x", 2)
            },
            "422",
            "licence_number",
        ),
        (
            NewMerchantInput {
                contact_phone: Some("12".into()),
                ..good(w.building_a.id, "x", 2)
            },
            "422",
            "contact_phone",
        ),
        // A building of community B is outside the association's place.
        (good(w.building_b.id, "x", 3), "422", "association_id"),
        // A place that is not a building.
        (good(w.comm_a.id, "x", 4), "422", "building_id"),
        // The same licence again.
        (good(w.building_a.id, "另一家", 1), "409", "licence_number"),
    ];
    for (input, s, f) in cases {
        let e = p
            .create_merchant_at(&officer, &input, NOW)
            .await
            .unwrap_err();
        assert_eq!((status(&e), field(&e)), (s, f), "{}", input.name);
    }
    // Community B's worker: a building of A is outside their scope; A's association too.
    let e = p
        .create_merchant_at(
            &worker_b,
            &NewMerchantInput {
                association_id: None,
                ..good(w.building_a.id, "x", 5)
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "building_id"));
    let e = p
        .create_merchant_at(&worker_b, &good(w.building_b.id, "x", 6), NOW)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "association_id"));
    assert_eq!(
        status(&p.association_view(&worker_b, assoc.id).await.unwrap_err()),
        "404"
    );
    let v = p.association_view(&officer, assoc.id).await.unwrap();
    assert_eq!(v.merchants.len(), 1);
    assert_eq!(v.association.merchants, 1);
    // Bad input for an association names its field.
    for (name, trade, f) in [("", "catering", "name"), ("x", "banking", "trade")] {
        let e = p
            .create_association_at(
                &officer,
                &NewAssociationInput {
                    node_id: w.street.id,
                    name: name.into(),
                    trade: trade.into(),
                },
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!((status(&e), field(&e)), ("422", f));
    }
}

#[tokio::test]
async fn who_may_act_and_who_sees_what() {
    let w = World::new().await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let resident = w
        .resident_at(
            &worker_a,
            "res.a",
            "101",
            "王小明",
            IdNumber::build(371002, date!(1980 - 01 - 01), 11).as_str(),
        )
        .await;
    let p = w.app.participation();
    let street_council = council(&w, &officer, w.street.id, 90).await;
    let b_council = council(&w, &worker_b, w.comm_b.id, 30).await;
    let assoc = p
        .create_association_at(
            &officer,
            &NewAssociationInput {
                node_id: w.street.id,
                name: "环翠楼街道美容美发行业协会".into(),
                trade: "beauty".into(),
            },
            NOW,
        )
        .await
        .unwrap();
    p.create_merchant_at(
        &worker_a,
        &NewMerchantInput {
            building_id: w.building_a.id,
            name: "剪艺美发".into(),
            licence_number: licence(9),
            contact_phone: Some("13912345678".into()),
            association_id: Some(assoc.id),
        },
        NOW,
    )
    .await
    .unwrap();

    // Residents and other staff may not create or change anything (403), whatever the place.
    for who in [&resident, &grid] {
        let e = p
            .create_council_at(
                who,
                &NewCouncilInput {
                    node_id: w.comm_a.id,
                    name: "x".into(),
                    term_days: 90,
                },
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!(status(&e), "403");
        let e = p
            .add_member_at(who, street_council, &property("x"), NOW)
            .await
            .unwrap_err();
        assert_eq!(status(&e), "403");
        let e = p
            .handover_at(who, street_council, None, NOW)
            .await
            .unwrap_err();
        assert_eq!(status(&e), "403");
    }
    // A community worker reads the street's council over their community but does not run it
    // (404: it is not in their scope to change); community B's council is not theirs at all.
    let v = p
        .council_view_at(&worker_a, street_council, NOW)
        .await
        .unwrap();
    assert!(!v.may_manage);
    let e = p
        .add_member_at(&worker_a, street_council, &property("x"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    assert_eq!(
        status(
            &p.council_view_at(&worker_a, b_council, NOW)
                .await
                .unwrap_err()
        ),
        "404"
    );
    let e = p
        .add_member_at(&worker_a, b_council, &property("x"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    let e = p
        .create_council_at(
            &worker_a,
            &NewCouncilInput {
                node_id: w.comm_b.id,
                name: "x".into(),
                term_days: 90,
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "node_id"));
    // A community of the other community's place cannot join community B's council.
    let e = p
        .add_member_at(
            &worker_b,
            b_council,
            &NewMemberInput {
                node_id: Some(w.comm_a.id),
                ..member("community")
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "node_id"));
    // Bad settings name their field.
    for (name, term, f) in [
        ("", 90, "name"),
        ("x", 3, "term_days"),
        ("x", 9999, "term_days"),
    ] {
        let e = p
            .create_council_at(
                &officer,
                &NewCouncilInput {
                    node_id: w.street.id,
                    name: name.into(),
                    term_days: term,
                },
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!((status(&e), field(&e)), ("422", f));
    }

    // Lists: the resident sees the street's council (over their home), not community B's.
    let seen: Vec<i64> = p
        .councils(&resident)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(seen, vec![street_council]);
    assert_eq!(
        status(
            &p.council_view_at(&resident, b_council, NOW)
                .await
                .unwrap_err()
        ),
        "404"
    );
    let seen: Vec<i64> = p
        .councils(&worker_b)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(seen, vec![street_council, b_council]);
    let seen: Vec<i64> = p
        .councils(&officer)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(seen.len(), 2);

    // The association over the street: its merchant's phone in full to the managers of the
    // merchant's place, masked to the resident and to community B's worker.
    let phone = |a: &Actor| {
        let p = w.app.participation();
        let a = a.clone();
        async move {
            p.association_view(&a, assoc.id).await.unwrap().merchants[0]
                .contact_phone
                .clone()
        }
    };
    assert_eq!(phone(&officer).await.as_deref(), Some("13912345678"));
    assert_eq!(phone(&worker_a).await.as_deref(), Some("13912345678"));
    assert_eq!(phone(&worker_b).await.as_deref(), Some("139****5678"));
    assert_eq!(phone(&resident).await.as_deref(), Some("139****5678"));
    assert!(
        !p.association_view(&worker_a, assoc.id)
            .await
            .unwrap()
            .may_manage
    );
}
