//! Residents prove who they are (issue 11 §1), on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): name, ID number and mobile number matched against the register
//! by their keyed hashes; one neutral refusal; throttled per ID number and per client; every
//! attempt audited; an account that follows its resident when the household moves.

mod common;

use common::World;
use jingzhi_app::auth::{SignUpInput, SIGNUP_NO_MATCH, SIGNUP_PAUSED};
use jingzhi_app::registry::{HouseholdInput, MoveInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::{Action, Filter};
use jingzhi_domain::auth::Role;
use jingzhi_domain::registry::{IdNumber, ResidentInput};
use std::net::IpAddr;
use time::macros::date;

const NOW: i64 = 1_796_346_000_000;

fn id(seq: u32) -> String {
    IdNumber::build(371002, date!(1975 - 06 - 15), seq)
        .as_str()
        .to_string()
}

/// A registered resident of building A (community A) with a mobile number; their household id.
async fn registered(
    w: &World,
    worker: &Actor,
    room: &str,
    name: &str,
    seq: u32,
    phone: &str,
) -> i64 {
    let hh = w
        .app
        .registry()
        .create_household(
            worker,
            &HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: room.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app
        .registry()
        .create_resident(
            worker,
            hh.id,
            &ResidentInput {
                name: name.into(),
                id_number: id(seq),
                phone: Some(phone.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    hh.id
}

fn input(name: &str, seq: u32, phone: &str, username: &str) -> SignUpInput {
    SignUpInput {
        name: name.into(),
        id_number: id(seq),
        phone: phone.into(),
        username: username.into(),
        password: "my-own-pass-1".into(),
    }
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

fn no_match(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(f) if f.len() == 1 && f[0].field == "identity" && f[0].reason == SIGNUP_NO_MATCH)
}

#[tokio::test]
async fn a_registered_resident_opens_their_account_and_others_get_one_answer() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    registered(&w, &worker, "501", "周丽华", 201, "13906310001").await;
    let auth = w.app.auth();

    // Wrong name, wrong phone, an ID nobody registered: the same answer.
    for bad in [
        input("周丽", 201, "13906310001", "zhou.a"),
        input("周丽华", 201, "13906310002", "zhou.a"),
        input("周丽华", 202, "13906310001", "zhou.a"),
    ] {
        let e = auth
            .sign_up_at(&bad, ip("203.0.113.7"), NOW)
            .await
            .unwrap_err();
        assert!(no_match(&e), "{e:?}");
    }
    // Malformed input names its fields and counts nothing.
    let e = auth
        .sign_up_at(
            &SignUpInput {
                id_number: "12345".into(),
                phone: "110".into(),
                ..input("周丽华", 201, "", "Zhou!")
            },
            ip("203.0.113.7"),
            NOW,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!()
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
    assert!(
        names.contains(&"id_number") && names.contains(&"phone") && names.contains(&"username"),
        "{names:?}"
    );

    // The right three: an account, linked and scoped to the community, signed in as a resident.
    let user = auth
        .sign_up_at(
            &input(" 周丽华 ", 201, "13906310001", "zhou.lihua"),
            ip("203.0.113.7"),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(user.role, Role::Resident);
    assert_eq!(user.scope_node_id, w.comm_a.id);
    assert!(user.resident_id.is_some());
    assert_eq!(user.display_name, "周丽华");
    assert!(auth.login("zhou.lihua", "my-own-pass-1").await.is_ok());
    // Once is enough.
    let e = auth
        .sign_up_at(
            &input("周丽华", 201, "13906310001", "zhou.again"),
            ip("203.0.113.7"),
            NOW,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Conflict { ref field, .. } if field == "resident"),
        "{e:?}"
    );

    // Every attempt is in the audit log, the ID number masked.
    let admin = Actor::system(&w.city);
    let refused = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                action: Some(Action::SignUpRefused),
                ..Default::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(refused.len(), 3);
    let ok = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                action: Some(Action::SignUp),
                ..Default::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(ok.len(), 1);
    for r in refused.iter().chain(&ok) {
        assert!(!r.summary.contains(&id(201)), "{}", r.summary);
        assert!(r.summary.contains('*'), "{}", r.summary);
    }
}

#[tokio::test]
async fn guessing_is_paused_per_id_number_and_per_client() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    registered(&w, &worker, "502", "钱进", 203, "13906310003").await;
    let auth = w.app.auth();
    // Five wrong phone numbers for one ID, each from another address.
    for i in 0..5 {
        let phone = format!("1390631100{i}");
        let e = auth
            .sign_up_at(
                &input("钱进", 203, &phone, "qian.jin"),
                ip(&format!("198.51.100.{i}")),
                NOW + i,
            )
            .await
            .unwrap_err();
        assert!(no_match(&e));
    }
    // Now even the right phone number is refused for a while, from anywhere.
    let e = auth
        .sign_up_at(
            &input("钱进", 203, "13906310003", "qian.jin"),
            ip("198.51.100.99"),
            NOW + 10,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Conflict { ref reason, .. } if reason == SIGNUP_PAUSED),
        "{e:?}"
    );
    // After the pause it works.
    let later = NOW + 16 * 60_000;
    auth.sign_up_at(
        &input("钱进", 203, "13906310003", "qian.jin"),
        ip("198.51.100.99"),
        later,
    )
    .await
    .unwrap();

    // One client trying ten different ID numbers is paused too.
    for seq in 300..310 {
        let e = auth
            .sign_up_at(
                &input("某人", seq, "13906319999", "some.one"),
                ip("192.0.2.44"),
                later + 1,
            )
            .await
            .unwrap_err();
        assert!(no_match(&e));
    }
    registered(&w, &worker, "503", "孙悦", 204, "13906310004").await;
    let e = auth
        .sign_up_at(
            &input("孙悦", 204, "13906310004", "sun.yue"),
            ip("192.0.2.44"),
            later + 2,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict { ref reason, .. } if reason == SIGNUP_PAUSED));
    // The same resident from another address is fine.
    auth.sign_up_at(
        &input("孙悦", 204, "13906310004", "sun.yue"),
        ip("192.0.2.45"),
        later + 3,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_account_follows_its_resident_to_another_community() {
    let w = World::new().await;
    let worker = w.user("worker.street", "street-officer", &w.street).await;
    let hh = registered(&w, &worker, "504", "吴敏", 205, "13906310005").await;
    let user = w
        .app
        .auth()
        .sign_up_at(&input("吴敏", 205, "13906310005", "wu.min"), None, NOW)
        .await
        .unwrap();
    assert_eq!(user.scope_node_id, w.comm_a.id);
    w.app
        .registry()
        .move_household(
            &worker,
            hh,
            &MoveInput {
                building_id: Some(w.building_b.id),
                room: "901".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let after = w.app.auth().login("wu.min", "my-own-pass-1").await.unwrap();
    assert_eq!(after.scope_node_id, w.comm_b.id, "re-scoped to community B");
}
