//! Legal-aid cases (issue 13 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a community worker records a resident's matter with the lawyer
//! from the register, it is mediated and closed with its outcome; the matter is sealed at rest;
//! every read is audited and the wrong roles are refused (and audited); moves the case cannot
//! make are refused; the numbers count it; a household that moves takes its cases along.

mod common;

use common::World;
use jingzhi_app::forces::MemberInput;
use jingzhi_app::legal::CaseInput;
use jingzhi_app::AppError;
use jingzhi_domain::registry::IdNumber;
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

async fn count(w: &World, sql: &str) -> i64 {
    let mut conn = w.app.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

#[tokio::test]
async fn legal_matters_are_sealed_read_by_few_and_moved_to_an_outcome() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let resident = w
        .resident_at(
            &worker,
            "res.a",
            "101",
            "王小明",
            IdNumber::build(371002, date!(1970 - 01 - 01), 11).as_str(),
        )
        .await;
    let rid = resident.user.resident_id.unwrap();
    let lawyer = w
        .app
        .forces()
        .add(
            &worker,
            &MemberInput {
                node_id: w.comm_a.id,
                kind: "lawyer".into(),
                name: "孙律师".into(),
                organisation: "海门律师事务所".into(),
                skills: vec!["legal".into()],
                availability: "weekdays".into(),
                phone: "13906311111".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let l = w.app.legal();
    // The grid worker below the community sees the community's lawyer.
    assert_eq!(
        l.lawyers(&grid)
            .await
            .unwrap()
            .iter()
            .map(|x| x.0)
            .collect::<Vec<_>>(),
        vec![lawyer.id]
    );
    assert!(l.lawyers(&worker_b).await.unwrap().is_empty());

    let input = |edit: &dyn Fn(&mut CaseInput)| {
        let mut i = CaseInput {
            resident_id: rid,
            matter: "wages".into(),
            channel: "walk_in".into(),
            lawyer_id: Some(lawyer.id),
            summary: "装修公司拖欠工资八千元".into(),
        };
        edit(&mut i);
        i
    };
    for (who, i, want) in [
        (&worker, input(&|i| i.matter = "divorce".into()), "422"),
        (&worker, input(&|i| i.channel = "pigeon".into()), "422"),
        (&worker, input(&|i| i.summary = " ".into()), "422"),
        (&worker, input(&|i| i.lawyer_id = Some(999_999)), "422"),
        (&worker_b, input(&|_| {}), "422"),
        (&steward, input(&|_| {}), "403"),
        (&resident, input(&|_| {}), "403"),
        (&auditor, input(&|_| {}), "403"),
    ] {
        assert_eq!(status(&l.open(who, &i).await.unwrap_err()), want);
    }
    assert_eq!(count(&w, "SELECT COUNT(*) FROM legal_cases").await, 0);
    assert_eq!(
        count(
            &w,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'refused' AND entity = 'legal_case'"
        )
        .await,
        3,
        "each refused role is audited"
    );

    let v = l.open(&worker, &input(&|_| {})).await.unwrap();
    let id = v.case.id;
    assert_eq!(v.summary, "装修公司拖欠工资八千元");
    assert_eq!(v.case.lawyer_name.as_deref(), Some("孙律师"));
    // Sealed at rest.
    let mut conn = w.app.store.acquire().await.unwrap();
    let raw: Vec<u8> = sqlx::query_scalar("SELECT summary_cipher FROM legal_cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert!(!String::from_utf8_lossy(&raw).contains("拖欠工资"));

    // Reads: in scope only; every read audited.
    assert_eq!(status(&l.case(&worker_b, id).await.unwrap_err()), "404");
    assert_eq!(status(&l.case(&steward, id).await.unwrap_err()), "403");
    l.case(&grid, id).await.unwrap();
    assert_eq!(l.cases(&officer, true).await.unwrap().len(), 1);
    assert!(l.cases(&worker_b, false).await.unwrap().is_empty());
    assert!(
        count(
            &w,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'view' AND entity = 'legal_case'"
        )
        .await
            >= 3
    );

    // Moves: closing needs an outcome; a case cannot go back; a closed case stays closed.
    assert_eq!(
        status(
            &l.step(&worker, id, "closed", None, "已解答")
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert_eq!(
        status(
            &l.step(&worker, id, "open", None, "重新受理")
                .await
                .unwrap_err()
        ),
        "409"
    );
    assert_eq!(
        status(
            &l.step(&worker, id, "mediating", Some("mediated"), "调解")
                .await
                .unwrap_err()
        ),
        "422"
    );
    let v = l
        .step(&worker, id, "mediating", None, "约双方在社区调解室调解")
        .await
        .unwrap();
    assert_eq!(v.case.state.as_str(), "mediating");
    let v = l
        .step(&grid, id, "closed", Some("mediated"), "公司同意分两期支付")
        .await
        .unwrap();
    assert_eq!(v.case.outcome.map(|o| o.as_str()), Some("mediated"));
    assert_eq!(v.steps.len(), 2);
    assert_eq!(v.steps[1].2, "公司同意分两期支付");
    assert_eq!(
        status(
            &l.step(&worker, id, "referred", None, "转")
                .await
                .unwrap_err()
        ),
        "409"
    );
    assert!(l.cases(&worker, true).await.unwrap().is_empty(), "closed");

    // Numbers: opened this year, closed as mediated; auditors read numbers.
    let (me, _) = l.numbers(&auditor).await.unwrap();
    assert_eq!((me.numbers.opened, me.numbers.closed), (1, 1));
    assert_eq!(me.numbers.by_outcome.len(), 1);
    assert_eq!(status(&l.numbers(&resident).await.unwrap_err()), "403");

    // The household moves to community B: its case goes along.
    w.app
        .registry()
        .move_household(
            &officer,
            v.case.household_id,
            &jingzhi_app::registry::MoveInput {
                building_id: Some(w.building_b.id),
                unit: Some(1),
                room: "901".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&l.case(&worker, id).await.unwrap_err()), "404");
    l.case(&worker_b, id).await.unwrap();
}
