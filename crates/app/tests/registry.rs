//! Register use-cases on a real database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL).

mod common;

use common::World;
use jingzhi_app::registry::{HouseholdInput, MoveInput};
use jingzhi_app::AppError;
use jingzhi_domain::audit::Action;
use jingzhi_domain::audit::Filter;
use jingzhi_domain::registry::{HouseholdFilter, ResidentFilter};
use jingzhi_domain::registry::{ResidentInput, Tag};

fn wang() -> ResidentInput {
    ResidentInput {
        name: "王建国".into(),
        id_number: "11010519491231002X".into(),
        phone: Some("13812345678".into()),
        relationship: Some("户主".into()),
        party_member: true,
        low_income: Some("低保".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_search_unmask_and_move_with_audit_and_counts() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let hh = w
        .app
        .registry()
        .create_household(
            &worker,
            &HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: "301".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hh.address, "前进小区1号楼1单元301室");
    let r = w
        .app
        .registry()
        .create_resident(&worker, hh.id, &wang())
        .await
        .unwrap();
    assert_eq!(r.id_mask, "110***********002X");
    assert_eq!(r.phone_mask.as_deref(), Some("138****5678"));
    assert!(r.tags.party_member);

    // Counts flow up the tree.
    let home = w.app.registry().home(&worker).await.unwrap();
    assert_eq!(home.stats.households, 1);
    assert_eq!(home.stats.residents, 1);
    assert_eq!(home.stats.tag(Tag::PartyMember), 1);
    assert_eq!(home.stats.tag(Tag::LowIncome), 1);

    // Search by name prefix, whole ID, masked ID, phone and address.
    for q in [
        "王建",
        "11010519491231002X",
        "110***********002X",
        "13812345678",
        "前进小区1号楼",
    ] {
        let page = w
            .app
            .registry()
            .list_residents(
                &worker,
                ResidentFilter {
                    q: Some(q.into()),
                    ..Default::default()
                },
                None,
                1,
                20,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "query {q}");
    }
    let tagged = w
        .app
        .registry()
        .list_residents(
            &worker,
            ResidentFilter {
                tag: Some(Tag::Volunteer),
                ..Default::default()
            },
            None,
            1,
            20,
        )
        .await
        .unwrap();
    assert!(tagged.items.is_empty());

    // Duplicate ID numbers are refused.
    let dup = w
        .app
        .registry()
        .create_resident(&worker, hh.id, &wang())
        .await
        .unwrap_err();
    assert!(
        matches!(dup, AppError::Conflict { ref field, .. } if field == "id_number"),
        "{dup:?}"
    );

    // Unmask needs a reason and is audited with it.
    assert!(matches!(
        w.app.registry().unmask_resident(&worker, r.id, "").await,
        Err(AppError::Invalid(_))
    ));
    let plain = w
        .app
        .registry()
        .unmask_resident(&worker, r.id, "核对低保资格")
        .await
        .unwrap();
    assert_eq!(plain.id_number, "11010519491231002X");
    assert_eq!(plain.phone.as_deref(), Some("13812345678"));

    // Move to another building; history kept, counts follow.
    let moved = w
        .app
        .registry()
        .move_household(
            &worker,
            hh.id,
            &MoveInput {
                building_id: Some(w.building_a2.id),
                unit: Some(2),
                room: "502".into(),
                note: Some("换房".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.address, "前进小区2号楼2单元502室");
    let view = w
        .app
        .registry()
        .household_view(&worker, hh.id)
        .await
        .unwrap();
    assert_eq!(view.moves.len(), 1);
    assert_eq!(view.members.len(), 1);
    assert_eq!(view.members[0].address, moved.address);
    let b1 = w
        .app
        .registry()
        .node_view(&worker, w.building_a.id)
        .await
        .unwrap();
    let b2 = w
        .app
        .registry()
        .node_view(&worker, w.building_a2.id)
        .await
        .unwrap();
    assert_eq!((b1.stats.residents, b2.stats.residents), (0, 1));

    // The audit log has every write, with masked values only.
    let admin = w.user("admin", "city-admin", &w.city).await;
    let log = w
        .app
        .audit()
        .list(&admin, &Filter::default(), None, 100)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    for a in [
        Action::Create,
        Action::Move,
        Action::Unmask,
        Action::UserCreate,
    ] {
        assert!(actions.contains(&a.as_str()), "{a:?} in {actions:?}");
    }
    let unmask = log.iter().find(|r| r.action == "unmask").unwrap();
    assert_eq!(unmask.reason.as_deref(), Some("核对低保资格"));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("11010519491231002X") && !text.contains("13812345678"));

    // Recomputing the counts from scratch gives the same numbers.
    let before = w.app.registry().home(&admin).await.unwrap().stats;
    let mut c = w.db.store.acquire().await.unwrap();
    jingzhi_store::registry::recompute_stats(&mut c)
        .await
        .unwrap();
    drop(c);
    assert_eq!(w.app.registry().home(&admin).await.unwrap().stats, before);
}

#[tokio::test]
async fn nothing_outside_the_scope_is_seen_or_changed() {
    let w = World::new().await;
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let hh = w
        .app
        .registry()
        .create_household(
            &worker_a,
            &HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: None,
                room: "101".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = w
        .app
        .registry()
        .create_resident(&worker_a, hh.id, &wang())
        .await
        .unwrap();

    assert!(matches!(
        w.app.registry().resident_view(&worker_b, r.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.registry().household_view(&worker_b, hh.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.registry().node_view(&worker_b, w.comm_a.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .registry()
            .unmask_resident(&worker_b, r.id, "查看")
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .registry()
            .update_resident(&worker_b, r.id, &wang())
            .await,
        Err(AppError::NotFound)
    ));
    let into_b = w
        .app
        .registry()
        .create_household(
            &worker_a,
            &HouseholdInput {
                building_id: Some(w.building_b.id),
                unit: None,
                room: "101".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(into_b, Err(AppError::Invalid(_))), "{into_b:?}");
    let list = w
        .app
        .registry()
        .list_residents(&worker_b, ResidentFilter::default(), None, 1, 50)
        .await
        .unwrap();
    assert!(list.items.is_empty());
    let list = w
        .app
        .registry()
        .list_households(&worker_b, HouseholdFilter::default(), None, 1, 50)
        .await
        .unwrap();
    assert!(list.items.is_empty());
    // Narrowing to a node outside the scope is a 404, not an empty list.
    assert!(matches!(
        w.app
            .registry()
            .list_residents(
                &worker_b,
                ResidentFilter::default(),
                Some(w.comm_a.id),
                1,
                50
            )
            .await,
        Err(AppError::NotFound)
    ));
    // The street officer above both sees it.
    let street = w.user("street", "street-officer", &w.street).await;
    assert_eq!(
        w.app
            .registry()
            .resident_view(&street, r.id)
            .await
            .unwrap()
            .resident
            .name,
        "王建国"
    );
    // A steward may read but not write or unmask.
    let steward = w.user("steward", "steward", &w.comm_a).await;
    assert!(w.app.registry().resident_view(&steward, r.id).await.is_ok());
    assert!(matches!(
        w.app
            .registry()
            .unmask_resident(&steward, r.id, "查看")
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .registry()
            .create_resident(&steward, hh.id, &wang())
            .await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test]
async fn the_database_holds_no_plain_id_or_phone() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let hh = w
        .app
        .registry()
        .create_household(
            &worker,
            &HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: None,
                room: "101".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app
        .registry()
        .create_resident(&worker, hh.id, &wang())
        .await
        .unwrap();
    let mut c = w.db.store.acquire().await.unwrap();
    let dump = jingzhi_store::testing::dump_text(&mut c).await;
    assert!(dump.contains("王建国"), "the dump reads the tables");
    assert!(!dump.contains("11010519491231002X"));
    assert!(!dump.contains("13812345678"));
    drop(c);
    if let Some(file) = w.db.sqlite_file() {
        w.db.store.close().await;
        let mut bytes = std::fs::read(&file).unwrap();
        if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        assert!(!bytes.windows(18).any(|x| x == b"11010519491231002X"));
        assert!(!bytes.windows(11).any(|x| x == b"13812345678"));
    }
}

#[tokio::test]
async fn logins_are_throttled_and_tokens_work() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    assert!(w
        .app
        .auth()
        .login("worker.a", "test-password-1")
        .await
        .is_ok());
    for _ in 0..5 {
        assert!(matches!(
            w.app.auth().login("worker.a", "wrong").await,
            Err(AppError::Unauthorized)
        ));
    }
    // Locked: the right password is refused with the same answer as a wrong one.
    assert!(matches!(
        w.app.auth().login("worker.a", "test-password-1").await,
        Err(AppError::Unauthorized)
    ));
    assert!(matches!(
        w.app.auth().login("nobody", "x").await,
        Err(AppError::Unauthorized)
    ));
    let token = w
        .app
        .auth()
        .create_token(&worker.user, "test")
        .await
        .unwrap();
    assert_eq!(
        w.app
            .auth()
            .token(&token)
            .await
            .unwrap()
            .unwrap()
            .user
            .username,
        "worker.a"
    );
    assert!(w.app.auth().token("jz_nope").await.unwrap().is_none());
    let (secret, csrf) = w.app.auth().create_session(&worker.user).await.unwrap();
    let (actor, c2) = w.app.auth().session(&secret).await.unwrap().unwrap();
    assert_eq!((actor.user.id, c2), (worker.user.id, csrf));
    w.app.auth().logout(&secret).await.unwrap();
    assert!(w.app.auth().session(&secret).await.unwrap().is_none());
}

/// Optional values bound as NULL and then as values on the same connection (PostgreSQL caches
/// the prepared statement with the types of its first use).
#[tokio::test]
async fn optional_geometry_binds_null_then_values_on_one_connection() {
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_store::registry::{self as sr, NewNode};
    let w = World::new().await;
    let mut c = w.db.store.acquire().await.unwrap();
    let bare = NewNode {
        kind: Some(NodeKind::Building),
        code: "371002001001001001003".into(),
        name: "3号楼".into(),
        ..Default::default()
    };
    let cp = sr::get_node(&mut c, &w.city_scope(), w.building_a.parent_id.unwrap())
        .await
        .unwrap();
    sr::insert_node(&mut c, Some(&cp), &bare).await.unwrap();
    let placed = NewNode {
        kind: Some(NodeKind::Building),
        code: "371002001001001001004".into(),
        name: "4号楼".into(),
        boundary: Some(r#"{"type":"Point","coordinates":[122.1,37.5]}"#.into()),
        x: Some(122.1),
        y: Some(37.5),
        units: Some(3),
        floors: Some(6),
    };
    let n = sr::insert_node(&mut c, Some(&cp), &placed).await.unwrap();
    sr::update_node(&mut c, &w.city_scope(), n.id, &bare)
        .await
        .unwrap();
    sr::update_node(&mut c, &w.city_scope(), n.id, &placed)
        .await
        .unwrap();
    let got = sr::get_node(&mut c, &w.city_scope(), n.id).await.unwrap();
    assert_eq!(
        (got.x, got.y, got.units, got.floors),
        (Some(122.1), Some(37.5), Some(3), Some(6))
    );
}

/// The households of a building in natural room order (101 before 1001, 2-101 before 10-101),
/// unit by unit, on every page; an address search pages through the same households in address
/// order (what its index gives at city scale).
#[tokio::test]
async fn households_of_a_building_list_rooms_in_natural_order() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    for (unit, room) in [
        (Some(1), "1001"),
        (Some(2), "101"),
        (Some(1), "10-101"),
        (Some(1), "102"),
        (Some(1), "B1-12"),
        (Some(1), "2-101"),
        (None, "9"),
        (Some(1), "101"),
        (Some(10), "101"),
    ] {
        w.app
            .registry()
            .create_household(
                &worker,
                &HouseholdInput {
                    building_id: Some(w.building_a.id),
                    unit,
                    room: room.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let want = [
        "前进小区1号楼9室",
        "前进小区1号楼1单元101室",
        "前进小区1号楼1单元102室",
        "前进小区1号楼1单元1001室",
        "前进小区1号楼1单元2-101室",
        "前进小区1号楼1单元B1-12室",
        "前进小区1号楼1单元10-101室",
        "前进小区1号楼2单元101室",
        "前进小区1号楼10单元101室",
    ];
    for q in [None, Some("前进小区1号楼")] {
        // Pages of two: together, every household once, in order.
        let mut got = Vec::new();
        for page in 1.. {
            let p = w
                .app
                .registry()
                .list_households(
                    &worker,
                    HouseholdFilter {
                        q: q.map(String::from),
                        ..Default::default()
                    },
                    Some(w.building_a.id),
                    page,
                    2,
                )
                .await
                .unwrap();
            got.extend(p.items.into_iter().map(|h| h.address));
            if !p.has_more {
                break;
            }
        }
        if q.is_none() {
            assert_eq!(got, want);
        } else {
            let mut sorted: Vec<&str> = want.to_vec();
            sorted.sort();
            assert_eq!(got, sorted, "q = {q:?}");
        }
    }
}
