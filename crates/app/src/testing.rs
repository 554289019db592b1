//! The test city every test of the app and the web builds on (one fixture for both): a fresh
//! database (SQLite, or PostgreSQL with `JINGZHI_TEST_DATABASE_URL`) holding a city, a
//! district, a street, two communities (前进社区 and 东北村社区) each with a grid, a compound
//! and buildings, and the test departments; users of any role and scope on demand.
//!
//! The web's `TestApp` (`crates/web/tests/common`) builds on [`World`], adding residents, one
//! user of every role and a client that sends requests through the real router. Compiled into
//! the library like `jingzhi_store::testing`, so that both crates' tests can use it.

use crate::auth::NewUserInput;
use crate::{Actor, App};
use jingzhi_domain::registry::NodeKind;
use jingzhi_store::registry::{self as sr, NewNode, Node};
use jingzhi_store::testing::TestDb;

pub struct World {
    pub db: TestDb,
    pub app: App,
    pub city: Node,
    pub district: Node,
    pub street: Node,
    /// Two communities in the same street.
    pub comm_a: Node,
    pub comm_b: Node,
    pub grid_a: Node,
    pub grid_b: Node,
    pub building_a: Node,
    pub building_a2: Node,
    pub building_b: Node,
}

async fn node(
    conn: &mut jingzhi_store::Conn,
    parent: Option<&Node>,
    kind: NodeKind,
    code: &str,
    name: &str,
) -> Node {
    sr::insert_node(
        conn,
        parent,
        &NewNode {
            kind: Some(kind),
            code: code.into(),
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

impl World {
    pub async fn new() -> World {
        let db = TestDb::new().await;
        let app = App::new(db.store.clone());
        let mut c = db.store.acquire().await.unwrap();
        let city = node(&mut c, None, NodeKind::City, "371000000000", "威海市").await;
        let district = node(
            &mut c,
            Some(&city),
            NodeKind::District,
            "371002000000",
            "环翠区",
        )
        .await;
        let street = node(
            &mut c,
            Some(&district),
            NodeKind::Street,
            "371002001000",
            "环翠楼街道",
        )
        .await;
        let comm_a = node(
            &mut c,
            Some(&street),
            NodeKind::Community,
            "371002001001",
            "前进社区",
        )
        .await;
        let comm_b = node(
            &mut c,
            Some(&street),
            NodeKind::Community,
            "371002001002",
            "东北村社区",
        )
        .await;
        let grid_a = node(
            &mut c,
            Some(&comm_a),
            NodeKind::Grid,
            "371002001001001",
            "前进一网格",
        )
        .await;
        let cp_a = node(
            &mut c,
            Some(&grid_a),
            NodeKind::Compound,
            "371002001001001001",
            "前进小区",
        )
        .await;
        let building_a = node(
            &mut c,
            Some(&cp_a),
            NodeKind::Building,
            "371002001001001001001",
            "前进小区1号楼",
        )
        .await;
        let building_a2 = node(
            &mut c,
            Some(&cp_a),
            NodeKind::Building,
            "371002001001001001002",
            "前进小区2号楼",
        )
        .await;
        let grid_b = node(
            &mut c,
            Some(&comm_b),
            NodeKind::Grid,
            "371002001002001",
            "东北村一网格",
        )
        .await;
        let cp_b = node(
            &mut c,
            Some(&grid_b),
            NodeKind::Compound,
            "371002001002001001",
            "向阳小区",
        )
        .await;
        let building_b = node(
            &mut c,
            Some(&cp_b),
            NodeKind::Building,
            "371002001002001001001",
            "向阳小区1号楼",
        )
        .await;
        jingzhi_store::testing::seed_departments(&mut c, city.id, district.id).await;
        drop(c);
        World {
            db,
            app,
            city,
            district,
            street,
            comm_a,
            comm_b,
            grid_a,
            grid_b,
            building_a,
            building_a2,
            building_b,
        }
    }

    /// Add a place below `parent` (for tests that need more of the tree).
    pub async fn add_node(&self, parent: &Node, kind: NodeKind, code: &str, name: &str) -> Node {
        let mut c = self.app.store.acquire().await.unwrap();
        node(&mut c, Some(parent), kind, code, name).await
    }

    pub fn city_scope(&self) -> jingzhi_domain::scope::Scope {
        jingzhi_domain::scope::Scope::new(self.city.id, self.city.path.clone())
    }

    pub async fn user(&self, username: &str, role: &str, scope: &Node) -> Actor {
        // Department staff of 住建局 (`jingzhi_store::testing::TEST_DEPARTMENTS`).
        let dept = (role == "department-staff").then_some("zhujian");
        self.user_of(username, role, dept, scope).await
    }

    async fn user_of(&self, username: &str, role: &str, dept: Option<&str>, scope: &Node) -> Actor {
        let u = self
            .app
            .auth()
            .add_user(
                None,
                &NewUserInput {
                    username: username.into(),
                    password: "test-password-1".into(),
                    role: role.into(),
                    scope_code: scope.code.clone(),
                    display_name: None,
                    department: dept.map(str::to_string),
                    resident_id: None,
                },
            )
            .await
            .unwrap();
        Actor::new(u)
    }

    /// A department-staff user of the department `code` with the given scope.
    pub async fn dept_user(&self, username: &str, code: &str, scope: &Node) -> Actor {
        self.user_of(username, "department-staff", Some(code), scope)
            .await
    }

    /// A resident account (`username`, role `resident`) for a new resident `name` of a new
    /// household in building A, unit 1, room `room`, registered by `worker`.
    pub async fn resident_at(
        &self,
        worker: &Actor,
        username: &str,
        room: &str,
        name: &str,
        id_number: &str,
    ) -> Actor {
        let hh = self
            .app
            .registry()
            .create_household(
                worker,
                &crate::registry::HouseholdInput {
                    building_id: Some(self.building_a.id),
                    unit: Some(1),
                    room: room.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        self.resident_of(worker, username, hh.id, name, id_number)
            .await
    }

    /// A resident account (`username`) for a new resident `name` of the household `hh`.
    pub async fn resident_of(
        &self,
        worker: &Actor,
        username: &str,
        hh: i64,
        name: &str,
        id_number: &str,
    ) -> Actor {
        let r = self
            .app
            .registry()
            .create_resident(
                worker,
                hh,
                &jingzhi_domain::registry::ResidentInput {
                    name: name.into(),
                    id_number: id_number.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // The account's scope: the resident's building.
        let building = {
            let mut conn = self.app.store.acquire().await.unwrap();
            let id = *jingzhi_domain::scope::path_ids(&r.path).last().unwrap();
            jingzhi_store::registry::get_node_unscoped(&mut conn, id)
                .await
                .unwrap()
        };
        let u = self
            .app
            .auth()
            .add_user(
                None,
                &NewUserInput {
                    username: username.into(),
                    password: "test-password-1".into(),
                    role: "resident".into(),
                    scope_code: building.code,
                    display_name: None,
                    department: None,
                    resident_id: Some(r.id),
                },
            )
            .await
            .unwrap();
        Actor::new(u)
    }
}
