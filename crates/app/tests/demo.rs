//! The demo city, generated small into a fresh database: counts, accounts, scopes, counts per
//! node, and refusal of a second run.

use jingzhi_app::demo::DemoOptions;
use jingzhi_app::{Actor, App, AppError};
use jingzhi_domain::auth::Role;
use jingzhi_store::registry as sr;
use jingzhi_store::testing::TestDb;

async fn count(db: &TestDb, sql: &str) -> i64 {
    let mut c = db.store.acquire().await.unwrap();
    jingzhi_store::demo::query_i64(&mut c, sql).await.unwrap()
}

async fn all_stats(db: &TestDb) -> Vec<(i64, sr::Stats)> {
    let mut c = db.store.acquire().await.unwrap();
    let ids = jingzhi_store::demo::node_ids(&mut c).await.unwrap();
    let root = sr::root(&mut c).await.unwrap().unwrap();
    let scope = jingzhi_domain::scope::Scope::new(root.id, root.path.clone());
    let mut out = vec![];
    for id in ids {
        out.push((id, sr::stats(&mut c, &scope, id).await.unwrap()));
    }
    out
}

#[tokio::test]
async fn a_small_demo_city_loads_and_its_accounts_work() {
    let db = TestDb::new().await;
    let app = App::new(db.store.clone());
    let opts = DemoOptions {
        scale: 0.003,
        seed: 7,
        demo_password: Some("demo-pass-1".into()),
    };
    let report = app.demo().generate(&opts).await.unwrap();

    assert_eq!(report.districts, 7);
    assert_eq!(report.communities, 10);
    assert!(
        report.households >= 3000,
        "{} households",
        report.households
    );
    let ratio = report.residents as f64 / report.households as f64;
    assert!((2.1..2.5).contains(&ratio), "household size {ratio}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM households").await,
        report.households as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM residents").await,
        report.residents as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM nodes WHERE kind = 'building'").await,
        report.buildings as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM nodes WHERE kind = 'grid'").await,
        report.grids as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM households h WHERE h.head_id IS NULL OR NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = h.head_id AND r.household_id = h.id AND r.relationship = 'head')").await,
        0,
        "every household's head is its own member"
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM party_orgs WHERE kind = '网格党支部'"
        )
        .await
            >= report.grids as i64
    );
    assert!(count(&db, "SELECT COUNT(*) FROM barriers WHERE kind = 'river'").await >= 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'generate'"
        )
        .await,
        1
    );

    // The counts written from memory equal a recount from the rows.
    let written = all_stats(&db).await;
    {
        let mut c = db.store.acquire().await.unwrap();
        sr::recompute_stats(&mut c).await.unwrap();
    }
    assert_eq!(written, all_stats(&db).await);
    assert_eq!(written[0].1.households, report.households as i64);

    // Every role has an account, each can sign in, with its scope where it should be.
    for role in Role::ALL {
        assert!(
            report.accounts.iter().any(|a| a.role == role.as_str()),
            "{role:?} has a demo account"
        );
    }
    for a in &report.accounts {
        let user = app.auth().login(&a.username, &a.password).await.unwrap();
        assert_eq!(user.scope_code, a.scope_code);
    }
    let scope_of = |u: &str| {
        report
            .accounts
            .iter()
            .find(|a| a.username == u)
            .unwrap()
            .scope_name
            .clone()
    };
    assert_eq!(scope_of("admin"), "威海市");
    assert_eq!(scope_of("huancui"), "环翠区");
    assert_eq!(scope_of("huancuilou"), "环翠楼街道");
    assert_eq!(scope_of("dongbeicun"), "东北村社区");
    assert_eq!(scope_of("qianjin"), "前进社区");
    assert!(scope_of("dongbeicun.grid1").starts_with("东北村"));
    let resident = app
        .auth()
        .login("dongbeicun.resident", "demo-pass-1")
        .await
        .unwrap();
    assert!(resident.resident_id.is_some());
    let staff = app.auth().login("zhujian", "demo-pass-1").await.unwrap();
    assert_eq!(staff.department.as_deref(), Some("371002-zhujian"));

    // 东北村's meetings: the report's 32, the 向阳街 deliberation over twelve rounds to a
    // decision with its numbers and every task done, all minutes locked.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM meetings").await, 32);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM meetings WHERE minutes_hash IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT MAX(n) FROM deliberation_rounds r JOIN agenda_items i ON i.id = r.item_id \
             WHERE i.proposal_id IS NOT NULL"
        )
        .await,
        12
    );
    let xiangyang = count(
        &db,
        "SELECT id FROM decisions WHERE vote_id IS NOT NULL AND figures_json LIKE '%68%'",
    )
    .await;
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM decision_tasks WHERE decision_id = {xiangyang} AND step <> 'done'")
        )
        .await,
        0
    );
    assert!(
        count(
            &db,
            &format!("SELECT rating FROM decisions WHERE id = {xiangyang}")
        )
        .await
            == 5
    );

    // A year of proposals in every community, answered or not, with their supports.
    assert!(
        count(&db, "SELECT COUNT(DISTINCT community_id) FROM proposals").await >= 10,
        "every community has proposals"
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM proposals WHERE phase = 'taken_up'"
        )
        .await
            > 0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM proposals p WHERE supports <> \
             (SELECT COUNT(*) FROM proposal_supports s WHERE s.proposal_id = p.id)"
        )
        .await,
        0,
        "each proposal's count is its supports"
    );

    // A community worker sees their community and nothing beyond it.
    let worker = Actor::new(app.auth().login("qianjin", "demo-pass-1").await.unwrap());
    let mut c = db.store.acquire().await.unwrap();
    let dbc = sr::get_node_by_code_unscoped(
        &mut c,
        &report
            .accounts
            .iter()
            .find(|a| a.username == "dongbeicun")
            .unwrap()
            .scope_code,
    )
    .await
    .unwrap();
    assert!(sr::get_node(&mut c, &worker.scope(), dbc.id).await.is_err());

    // New places get fresh ids after the explicit-id load (PostgreSQL sequences were moved on).
    let max = count(&db, "SELECT MAX(id) FROM nodes").await;
    let grid = sr::insert_node(
        &mut c,
        Some(&dbc),
        &sr::NewNode {
            kind: Some(jingzhi_domain::registry::NodeKind::Grid),
            code: format!("{}999", dbc.code),
            name: "新网格".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(grid.id > max);
    drop(c);

    // The council of 环翠楼街道 (issue 11 §6): 东北村社区, a property company and eleven trade
    // associations in chair order, a handover every 90 days for two years, its matters mostly
    // settled; its officer runs it, and 东北村's resident reads it.
    let officer = Actor::new(app.auth().login("huancuilou", "demo-pass-1").await.unwrap());
    let councils = app.participation().councils(&officer).await.unwrap();
    assert_eq!(councils.len(), 1);
    let v = app
        .participation()
        .council_view(&officer, councils[0].id)
        .await
        .unwrap();
    assert_eq!(v.members.len(), 13);
    assert_eq!(v.members[0].name, "东北村社区");
    assert_eq!(v.handovers.len(), 9, "the first chair and eight handovers");
    assert!(v.current_name.is_some() && v.next_name.is_some());
    assert!(!v.chair.overdue);
    assert!(
        v.council.settled * 10 >= v.council.matters * 8,
        "{:?}",
        v.council
    );
    assert_eq!(
        app.participation()
            .associations(&officer)
            .await
            .unwrap()
            .len(),
        11
    );
    assert!(count(&db, "SELECT COUNT(*) FROM merchants").await >= 33);
    let resident = Actor::new(resident);
    assert_eq!(
        app.participation().councils(&resident).await.unwrap().len(),
        1
    );

    // A second run is refused and changes nothing.
    let again = app.demo().generate(&opts).await;
    match again {
        Err(AppError::Conflict { field, reason }) => {
            assert_eq!(field, "city");
            assert!(reason.contains("威海市"), "{reason}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM residents").await,
        report.residents as i64
    );
}

#[tokio::test]
async fn bad_options_are_refused() {
    let db = TestDb::new().await;
    let app = App::new(db.store.clone());
    let r = app
        .demo()
        .generate(&DemoOptions {
            scale: 0.0,
            seed: 1,
            demo_password: None,
        })
        .await;
    assert!(matches!(r, Err(AppError::Invalid(_))));
    let r = app
        .demo()
        .generate(&DemoOptions {
            scale: 0.003,
            seed: 1,
            demo_password: Some("1234".into()),
        })
        .await;
    assert!(matches!(r, Err(AppError::Invalid(_))));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM nodes").await, 0);
}

#[tokio::test]
async fn random_passwords_are_readable_and_distinct() {
    let db = TestDb::new().await;
    let app = App::new(db.store.clone());
    let report = app
        .demo()
        .generate(&DemoOptions {
            scale: 0.003,
            seed: 2,
            demo_password: None,
        })
        .await
        .unwrap();
    let pws: std::collections::HashSet<_> =
        report.accounts.iter().map(|a| a.password.clone()).collect();
    assert_eq!(pws.len(), report.accounts.len());
    let admin = report
        .accounts
        .iter()
        .find(|a| a.username == "admin")
        .unwrap();
    assert_eq!(admin.password.len(), 14);
    app.auth().login("admin", &admin.password).await.unwrap();
    // After the explicit-id load, ordinary inserts still get fresh ids (PostgreSQL sequences).
    let actor = Actor::new(app.auth().login("admin", &admin.password).await.unwrap());
    let before = count(&db, "SELECT MAX(id) FROM users").await;
    app.auth()
        .add_user(
            Some(&actor),
            &jingzhi_app::auth::NewUserInput {
                username: "another".into(),
                password: "another-pass-1".into(),
                role: "auditor".into(),
                scope_code: "371000000000".into(),
                display_name: None,
                department: None,
                resident_id: None,
            },
        )
        .await
        .unwrap();
    assert!(count(&db, "SELECT MAX(id) FROM users").await > before);
}
