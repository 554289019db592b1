//! Communities of the right size on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): scan, graph and plan formats, the approval procedure in order, apply
//! (paths, counts, history, audit), and scope.

mod common;

use common::World;
use jingzhi_app::districting::{self as jd, StepInput, VoteInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Filter;
use jingzhi_domain::districting::approval::{Step, DEPARTMENTS};
use jingzhi_domain::districting::{self as dd, Mode, Part};
use jingzhi_domain::registry::{IdNumber, NodeKind, ResidentInput};
use jingzhi_domain::scope::Scope;
use jingzhi_store::registry::{self as sr, NewNode, Node};
use sqlx::Row;

const KX: f64 = 88_316.0; // metres per degree of longitude at 37.5°N
const KY: f64 = 111_320.0;

fn lonlat(xm: f64, ym: f64) -> (f64, f64) {
    (122.1 + xm / KX, 37.5 + ym / KY)
}

async fn node(
    c: &mut jingzhi_store::Conn,
    parent: &Node,
    kind: NodeKind,
    code: &str,
    name: &str,
    at: Option<(f64, f64)>,
) -> Node {
    let n = sr::insert_node(
        c,
        Some(parent),
        &NewNode {
            kind: Some(kind),
            code: code.into(),
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    jingzhi_store::districting::set_geometry(c, n.id, None, at.map(|p| p.0), at.map(|p| p.1))
        .await
        .unwrap();
    Node {
        x: at.map(|p| p.0),
        y: at.map(|p| p.1),
        ..n
    }
}

struct Fixture {
    w: World,
    admin: Actor,
    /// Six compounds of two buildings × 300 households in community A (3,600 households), in a
    /// row 100 m apart, in three grids of two compounds.
    compounds: Vec<Node>,
    households: usize,
}

async fn fixture() -> Fixture {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let mut tx = w.db.store.begin().await.unwrap();
    let root = Scope::new(w.city.id, w.city.path.clone());
    // The existing grid and compound of community A hold compound 0; buildings get places.
    let cp0 = sr::get_node(&mut tx, &root, w.building_a.parent_id.unwrap())
        .await
        .unwrap();
    for (b, x) in [(&w.building_a, 0.0), (&w.building_a2, 30.0)] {
        let (lon, lat) = lonlat(x, 0.0);
        jingzhi_store::districting::set_geometry(&mut tx, b.id, None, Some(lon), Some(lat))
            .await
            .unwrap();
    }
    let (lon, lat) = lonlat(5000.0, 0.0);
    jingzhi_store::districting::set_geometry(&mut tx, w.building_b.id, None, Some(lon), Some(lat))
        .await
        .unwrap();
    let mut grids = vec![w.grid_a.clone()];
    for g in 2..=3 {
        grids.push(
            node(
                &mut tx,
                &w.comm_a,
                NodeKind::Grid,
                &format!("371002001001{g:03}"),
                &format!("前进{g}网格"),
                None,
            )
            .await,
        );
    }
    let mut compounds = vec![cp0];
    for i in 1..6usize {
        let grid = &grids[i / 2];
        let code = format!("{}{:03}", grid.code, if i == 1 { 2 } else { i % 2 + 1 });
        let cp = node(
            &mut tx,
            grid,
            NodeKind::Compound,
            &code,
            &format!("小区{i}"),
            Some(lonlat(i as f64 * 100.0 + 15.0, 0.0)),
        )
        .await;
        for k in 0..2 {
            node(
                &mut tx,
                &cp,
                NodeKind::Building,
                &format!("{code}{:03}", k + 1),
                &format!("小区{i}{}号楼", k + 1),
                Some(lonlat(i as f64 * 100.0 + k as f64 * 30.0, 0.0)),
            )
            .await;
        }
        compounds.push(cp);
    }
    let mut households = 0;
    for cp in &compounds {
        for b in sr::children(&mut tx, &root, cp.id).await.unwrap() {
            for r in 0..300 {
                sr::insert_household(&mut tx, &b, Some(1), &format!("{}", 101 + r))
                    .await
                    .unwrap();
                households += 1;
            }
        }
    }
    jingzhi_store::commit(tx).await.unwrap();
    // A resident with tags in every compound (counts must follow the move).
    for (i, cp) in compounds.iter().enumerate() {
        let b = &sr::children(&mut w.db.store.acquire().await.unwrap(), &root, cp.id)
            .await
            .unwrap()[0];
        let page = w
            .app
            .registry()
            .list_households(
                &admin,
                jingzhi_domain::registry::HouseholdFilter {
                    under: None,
                    q: Some(b.name.clone()),
                },
                None,
                1,
                1,
            )
            .await
            .unwrap();
        let id = IdNumber::build(371002, time::macros::date!(1950 - 01 - 01), 100 + i as u32);
        w.app
            .registry()
            .create_resident(
                &admin,
                page.items[0].id,
                &ResidentInput {
                    name: format!("居民{i}"),
                    id_number: id.as_str().into(),
                    party_member: true,
                    elderly_alone: i % 2 == 0,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    Fixture {
        w,
        admin,
        compounds,
        households,
    }
}

async fn stats_table(w: &World) -> Vec<(i64, i64, i64, i64)> {
    let mut c = w.db.store.acquire().await.unwrap();
    sqlx::query(
        "SELECT node_id, households, residents, party_member FROM node_stats ORDER BY node_id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[tokio::test]
async fn scan_graph_plan_approve_apply() {
    let f = fixture().await;
    let w = &f.w;
    let admin = &f.admin;
    assert_eq!(f.households, 3600);

    // Scan: community A is over the cap, B is not.
    let over = w.app.districting().scan(admin, None).await.unwrap();
    assert_eq!(over.len(), 1);
    assert_eq!(over[0].code, w.comm_a.code);
    assert_eq!(over[0].households, 3600);

    // The graph file's format.
    let g = w
        .app
        .districting()
        .export_graph(admin, &w.comm_a.code)
        .await
        .unwrap();
    let v = serde_json::to_value(&g).unwrap();
    assert_eq!(v["cap"], 3000);
    assert_eq!(v["min"], 1000);
    let n0 = &v["nodes"][0];
    for k in [
        "id",
        "households",
        "compound",
        "community",
        "grid",
        "x",
        "y",
    ] {
        assert!(!n0[k].is_null(), "node key {k}: {n0}");
    }
    assert_eq!(v["nodes"].as_array().unwrap().len(), 12);
    assert!(v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e.as_array().unwrap().len() == 2 && e[0].is_string()));
    assert!(g
        .nodes
        .iter()
        .all(|n| n.households == 300 && n.community == w.comm_a.code));

    // The plan: valid by the optimiser's own check, in the contract's format.
    let out = w
        .app
        .districting()
        .plan(admin, &w.comm_a.code, Mode::Split, 7)
        .await
        .unwrap();
    assert!(out.infeasible.is_empty(), "{:?}", out.infeasible);
    let inst = jd::instance_of(&g).unwrap();
    let idx: std::collections::HashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let parts: Vec<Part> = out
        .parts
        .iter()
        .map(|p| Part {
            community: Some(p.community.clone()),
            units: p.buildings.iter().map(|b| idx[b.as_str()]).collect(),
            households: p.households,
            kept: p.kept,
        })
        .collect();
    assert!(
        dd::check(&inst, &parts).is_empty(),
        "{:?}",
        dd::check(&inst, &parts)
    );
    assert!(out.parts.len() >= 2);
    assert_eq!(out.parts.iter().filter(|p| !p.new).count(), 1);
    assert!(out
        .parts
        .iter()
        .all(|p| p.households <= 3000 && p.households >= 1000));
    // A new community gets the next free code of the street (B holds …002).
    assert!(
        out.parts
            .iter()
            .any(|p| p.new && p.community == "371002001003"),
        "{:?}",
        out.parts
    );
    let pv = serde_json::to_value(&out).unwrap();
    for k in ["parts", "metrics", "infeasible"] {
        assert!(!pv[k].is_null(), "{k}");
    }
    assert!(pv["parts"][0]["buildings"][0].is_string() && pv["parts"][0]["households"].is_u64());
    assert!(pv["metrics"]["cut_edges"].is_u64());
    // The same graph read back from a file plans the same partition without the database.
    let file: jd::Graph = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
    let again = jd::plan_graph(&file, Mode::Split, 7, &Default::default()).unwrap();
    let sets = |o: &jd::PlanOutput| {
        let mut s: Vec<Vec<String>> = o.parts.iter().map(|p| p.buildings.clone()).collect();
        s.sort();
        s
    };
    assert_eq!(sets(&again), sets(&out));

    // Roles: the auditor reads but cannot plan; a street officer plans but cannot approve.
    let auditor = w.user("auditor", "auditor", &w.city).await;
    assert!(w.app.districting().scan(&auditor, None).await.is_ok());
    assert!(matches!(
        w.app
            .districting()
            .create_plan(&auditor, &w.comm_a.code, Mode::Split, 7)
            .await,
        Err(AppError::Forbidden)
    ));
    let street = w.user("street.o", "street-officer", &w.street).await;
    let plan = w
        .app
        .districting()
        .create_plan(&street, &w.comm_a.code, Mode::Split, 7)
        .await
        .unwrap();
    assert_eq!(plan.status, "draft");
    // The auditor reads the plan but does not comment on it.
    assert!(w
        .app
        .districting()
        .plan_view(&auditor, plan.id)
        .await
        .is_ok());
    assert!(matches!(
        w.app
            .districting()
            .comment(&auditor, plan.id, "审计意见")
            .await,
        Err(AppError::Forbidden)
    ));
    let step = |s: Step, record: &str| StepInput {
        step: s.as_str().into(),
        record: record.into(),
        documents: vec!["材料.pdf".into()],
    };
    assert!(matches!(
        w.app
            .districting()
            .record_step(&street, plan.id, &step(Step::PublicParticipation, "x"))
            .await,
        Err(AppError::Forbidden)
    ));

    // Scope: a user of another street sees nothing of it.
    let mut c = w.db.store.acquire().await.unwrap();
    let other_street = sr::insert_node(
        &mut c,
        Some(&w.district),
        &NewNode {
            kind: Some(NodeKind::Street),
            code: "371002002000".into(),
            name: "鲸园街道".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(c);
    let other = w.user("other.o", "street-officer", &other_street).await;
    assert!(matches!(
        w.app
            .districting()
            .plan(&other, &w.comm_a.code, Mode::Split, 7)
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .districting()
            .export_graph(&other, &w.comm_a.code)
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.districting().plan_view(&other, plan.id).await,
        Err(AppError::NotFound)
    ));
    assert!(w
        .app
        .districting()
        .scan(&other, None)
        .await
        .unwrap()
        .is_empty());

    // Not approved yet: apply refuses.
    assert!(matches!(
        w.app.districting().apply(admin, plan.id).await,
        Err(AppError::Invalid(_))
    ));
    // Out of order: refused.
    let e = w
        .app
        .districting()
        .record_step(admin, plan.id, &step(Step::ExpertReview, "专家意见"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(f) if f[0].reason.contains("公众参与")),
        "{e:?}"
    );
    // Residents of the community comment during 公众参与 (a worker of A sees the street's plan).
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    w.app
        .districting()
        .comment(&worker, plan.id, "希望新社区服务中心离小区近一些")
        .await
        .unwrap();
    assert!(w
        .app
        .districting()
        .comment(&other, plan.id, "x")
        .await
        .is_err());
    for (s, r) in [
        (Step::PublicParticipation, "公示30天，收到意见1条"),
        (Step::ExpertReview, "专家组论证通过"),
        (Step::Hearing, "听证会记录"),
        (Step::RiskAssessment, "风险评估为低"),
        (Step::LegalityReview, "合法性审查通过"),
    ] {
        w.app
            .districting()
            .record_step(admin, plan.id, &step(s, r))
            .await
            .unwrap();
    }
    // Comments close after 公众参与.
    assert!(w
        .app
        .districting()
        .comment(&worker, plan.id, "晚到的意见")
        .await
        .is_err());
    // The meeting needs every department's vote.
    let e = w
        .app
        .districting()
        .record_step(admin, plan.id, &step(Step::MeetingDecision, "联席会议"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(f) if f[0].reason.contains("尚未表决")),
        "{e:?}"
    );
    for d in DEPARTMENTS {
        let v = VoteInput {
            department: d.into(),
            vote: if d == "民政局" {
                "object".into()
            } else {
                "agree".into()
            },
            note: None,
        };
        w.app.districting().vote(admin, plan.id, &v).await.unwrap();
    }
    // A vote can be changed until the meeting decides.
    w.app
        .districting()
        .vote(
            admin,
            plan.id,
            &VoteInput {
                department: "民政局".into(),
                vote: "同意".into(),
                note: Some("经协商同意".into()),
            },
        )
        .await
        .unwrap();
    let view = w
        .app
        .districting()
        .record_step(
            admin,
            plan.id,
            &step(Step::MeetingDecision, "联席会议研究同意"),
        )
        .await
        .unwrap();
    assert_eq!(view.plan.status, "approved");
    assert_eq!(view.steps.len(), 6);
    assert_eq!(view.comments.len(), 1);

    // Apply.
    let before_stats = stats_table(w).await;
    let report = w.app.districting().apply(admin, plan.id).await.unwrap();
    assert_eq!(
        report.communities_created.len(),
        out.parts.iter().filter(|p| p.new).count()
    );
    let moved_hh: u64 = out.moved().len() as u64 * 300;
    assert_eq!(report.households_moved, moved_hh);
    assert!(
        matches!(
            w.app.districting().apply(admin, plan.id).await,
            Err(AppError::Invalid(_))
        ),
        "applied once only"
    );
    let after_stats = stats_table(w).await;
    assert_ne!(before_stats, after_stats);
    // The counts kept by apply equal a recomputation from the register.
    let mut c = w.db.store.acquire().await.unwrap();
    sr::recompute_stats(&mut c).await.unwrap();
    drop(c);
    assert_eq!(stats_table(w).await, after_stats);

    // Every household and resident of a moved building now lies below its new community.
    let root = Scope::new(w.city.id, w.city.path.clone());
    let mut c = w.db.store.acquire().await.unwrap();
    for p in &out.parts {
        let comm = sr::get_node_by_code(&mut c, &root, &p.community)
            .await
            .unwrap();
        assert_eq!(comm.kind, NodeKind::Community);
        assert_eq!(comm.parent_id, Some(w.street.id));
        let st = sr::stats(&mut c, &root, comm.id).await.unwrap();
        assert_eq!(st.households as u32, p.households);
        for b in &p.buildings {
            let bn = sr::get_node_by_code(&mut c, &root, b).await.unwrap();
            assert!(bn.path.starts_with(&comm.path), "{b} below {}", comm.code);
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM households WHERE building_id = $1 AND path = $2",
            )
            .bind(bn.id)
            .bind(&bn.path)
            .fetch_one(&mut *c)
            .await
            .unwrap();
            assert_eq!(n, 300);
            let stale: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id WHERE h.building_id = $1 AND r.path <> h.path",
            )
            .bind(bn.id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
            assert_eq!(stale, 0);
        }
    }
    // History: the moves, and which community each moved household belonged to.
    let view = w.app.districting().plan_view(admin, plan.id).await.unwrap();
    assert_eq!(view.plan.status, "applied");
    assert_eq!(view.moves.len(), report.nodes_moved);
    let hist: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districting_household_history WHERE plan_id = $1 AND from_community_id = $2")
        .bind(plan.id)
        .bind(w.comm_a.id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(hist as u64, moved_hh);
    let moved_b = &out.moved()[0].0;
    let bn = sr::get_node_by_code(&mut c, &root, moved_b).await.unwrap();
    let hh_id: i64 =
        sqlx::query_scalar("SELECT id FROM households WHERE building_id = $1 ORDER BY id LIMIT 1")
            .bind(bn.id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    drop(c);
    let h = w
        .app
        .districting()
        .household_history(admin, hh_id)
        .await
        .unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].from_community_id, w.comm_a.id);
    // Audited.
    let log = w
        .app
        .audit()
        .list(
            admin,
            &Filter {
                entity: Some("districting_plan".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert!(
        actions.contains(&"move") && actions.contains(&"create") && actions.contains(&"update"),
        "{actions:?}"
    );
    let nodes_log = w
        .app
        .audit()
        .list(
            admin,
            &Filter {
                entity: Some("node".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert!(nodes_log.iter().any(|r| r.action == "move"));
    // Nothing is over the cap any more; every page sees the new tree.
    assert!(w
        .app
        .districting()
        .scan(admin, None)
        .await
        .unwrap()
        .is_empty());
    let home = w
        .app
        .registry()
        .node_view(admin, w.street.id)
        .await
        .unwrap();
    assert_eq!(
        home.children
            .iter()
            .filter(|(n, _)| n.kind == NodeKind::Community)
            .count(),
        2 + report.communities_created.len()
    );
    assert_eq!(f.compounds.len(), 6);
}

#[tokio::test]
async fn a_rejected_plan_cannot_be_applied_and_infeasible_scopes_are_explained() {
    let f = fixture().await;
    let w = &f.w;
    let admin = &f.admin;
    let plan = w
        .app
        .districting()
        .create_plan(admin, &w.comm_a.code, Mode::Split, 3)
        .await
        .unwrap();
    for s in &Step::ALL[..5] {
        w.app
            .districting()
            .record_step(
                admin,
                plan.id,
                &StepInput {
                    step: s.label_zh().into(),
                    record: "记录".into(),
                    documents: vec![],
                },
            )
            .await
            .unwrap();
    }
    for d in DEPARTMENTS {
        let vote = if d == "公安局" { "反对" } else { "同意" };
        w.app
            .districting()
            .vote(
                admin,
                plan.id,
                &VoteInput {
                    department: d.into(),
                    vote: vote.into(),
                    note: None,
                },
            )
            .await
            .unwrap();
    }
    let view = w
        .app
        .districting()
        .record_step(
            admin,
            plan.id,
            &StepInput {
                step: "meeting_decision".into(),
                record: "会议研究".into(),
                documents: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(view.plan.status, "rejected");
    assert!(matches!(
        w.app.districting().apply(admin, plan.id).await,
        Err(AppError::Invalid(_))
    ));

    // A single compound above the cap cannot be split: the reason names it.
    let mut g = w
        .app
        .districting()
        .export_graph(admin, &w.comm_a.code)
        .await
        .unwrap();
    for n in &mut g.nodes {
        if n.compound == f.compounds[0].code {
            n.households = 2000;
        }
    }
    let out = jd::plan_graph(&g, Mode::Split, 1, &Default::default()).unwrap();
    assert!(out.parts.is_empty());
    let v = serde_json::to_value(&out).unwrap();
    assert_eq!(v["infeasible"][0]["kind"], "compound_over_cap");
    assert_eq!(v["infeasible"][0]["compound"], f.compounds[0].code.as_str());
}
