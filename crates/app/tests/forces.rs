//! The register of people who can be mobilised (issue 13 §4) on a real database (SQLite, or
//! PostgreSQL with JINGZHI_TEST_DATABASE_URL): a community worker registers a doctor and a
//! resident volunteer with skills picked from the list; the same phone twice is refused; the list
//! narrows by skill and place, masks phones and stays inside the scope; one person's page shows
//! the whole number and the view is audited; bad input and the wrong roles change nothing.

mod common;

use common::World;
use jingzhi_app::forces::{ListQuery, MemberInput};
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

fn doctor(node_id: i64) -> MemberInput {
    MemberInput {
        node_id,
        kind: "doctor".into(),
        name: "刘医生".into(),
        resident_id: None,
        organisation: "竹岛社区卫生服务中心".into(),
        skills: vec!["medical".into(), "first_aid".into()],
        availability: "weekdays".into(),
        phone: "13905311234".into(),
        note: String::new(),
    }
}

#[tokio::test]
async fn the_register_is_kept_in_scope_with_coded_skills_and_sealed_phones() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let resident = w
        .resident_at(
            &worker,
            "res.a",
            "101",
            "王小明",
            IdNumber::build(371002, date!(1980 - 01 - 01), 11).as_str(),
        )
        .await;
    let f = w.app.forces();

    // Bad input and the wrong people: nothing is written.
    let bad = |edit: &dyn Fn(&mut MemberInput)| {
        let mut i = doctor(w.comm_a.id);
        edit(&mut i);
        i
    };
    for (who, i, want) in [
        (&worker, bad(&|i| i.kind = "wizard".into()), "422"),
        (&worker, bad(&|i| i.skills = vec!["juggling".into()]), "422"),
        (&worker, bad(&|i| i.availability = "never".into()), "422"),
        (&worker, bad(&|i| i.phone = "12345".into()), "422"),
        (&worker, bad(&|i| i.name = " ".into()), "422"),
        (&worker, bad(&|i| i.node_id = w.comm_b.id), "422"),
        (&worker, bad(&|i| i.node_id = w.building_a.id), "422"),
        (&worker, bad(&|i| i.resident_id = Some(999_999)), "422"),
        (&steward, bad(&|_| {}), "403"),
        (&resident, bad(&|_| {}), "403"),
        (&auditor, bad(&|_| {}), "403"),
    ] {
        assert_eq!(status(&f.add(who, &i).await.unwrap_err()), want);
    }
    assert!(f
        .list(&worker, &ListQuery::default())
        .await
        .unwrap()
        .is_empty());

    // A doctor serving the community; a resident volunteer serving grid A.
    let doc = f.add(&worker, &doctor(w.comm_a.id)).await.unwrap();
    assert_eq!(doc.phone_mask, "139****1234");
    let rid = resident.user.resident_id.unwrap();
    let vol = f
        .add(
            &grid,
            &MemberInput {
                node_id: w.grid_a.id,
                kind: "volunteer".into(),
                name: String::new(),
                resident_id: Some(rid),
                organisation: String::new(),
                skills: vec!["driving".into(), "first_aid".into(), "driving".into()],
                availability: "evenings".into(),
                phone: "138-0531-5678".into(),
                note: "有七座车".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        vol.name, "王小明",
        "the name comes from the resident register"
    );
    assert_eq!(
        vol.skills.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["first_aid", "driving"],
        "coded, once each, in the list's order"
    );
    // The same phone again in the community: one person.
    let mut again = doctor(w.grid_a.id);
    again.name = "刘大夫".into();
    assert_eq!(status(&f.add(&worker, &again).await.unwrap_err()), "409");
    // … but another community may register its own number holder.
    let mut b = doctor(w.comm_b.id);
    b.name = "社区B的医生".into();
    f.add(&worker_b, &b).await.unwrap();

    // Lists: in scope only, narrowed by skill, place and words; phones masked.
    let all = f.list(&worker, &ListQuery::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    let q = |skill: &str| ListQuery {
        skill: Some(skill.into()),
        ..Default::default()
    };
    assert_eq!(f.list(&worker, &q("first_aid")).await.unwrap().len(), 2);
    assert_eq!(f.list(&worker, &q("driving")).await.unwrap().len(), 1);
    assert_eq!(
        status(&f.list(&worker, &q("flying")).await.unwrap_err()),
        "422"
    );
    let in_grid = ListQuery {
        node_id: Some(w.grid_a.id),
        ..Default::default()
    };
    assert_eq!(f.list(&worker, &in_grid).await.unwrap().len(), 1);
    let elsewhere = ListQuery {
        node_id: Some(w.comm_b.id),
        ..Default::default()
    };
    assert_eq!(
        status(&f.list(&worker, &elsewhere).await.unwrap_err()),
        "404"
    );
    let words = ListQuery {
        q: Some("卫生服务".into()),
        ..Default::default()
    };
    assert_eq!(f.list(&worker, &words).await.unwrap().len(), 1);
    assert_eq!(
        f.list(&grid, &ListQuery::default()).await.unwrap().len(),
        1,
        "the grid's own"
    );
    assert_eq!(
        status(&f.list(&steward, &ListQuery::default()).await.unwrap_err()),
        "403"
    );

    // One person: the whole number, and the view audited.
    let (m, phone) = f.view(&worker, vol.id).await.unwrap();
    assert_eq!((m.id, phone.as_str()), (vol.id, "13805315678"));
    assert_eq!(status(&f.view(&worker_b, vol.id).await.unwrap_err()), "404");
    let mut conn = w.app.store.acquire().await.unwrap();
    let views: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'force_member' AND action = 'view' \
         AND entity_id = $1",
    )
    .bind(vol.id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(views, 1);
    // Sealed at rest: the number is not in the row.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT phone_cipher FROM force_members WHERE id = $1")
        .bind(vol.id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("13805315678"));
    drop(conn);

    // Edit: a new availability; another's phone is refused.
    let mut edit = doctor(w.comm_a.id);
    edit.availability = "anytime".into();
    let doc2 = f.update(&worker, doc.id, &edit).await.unwrap();
    assert_eq!(doc2.availability.as_str(), "anytime");
    edit.phone = "13805315678".into();
    assert_eq!(
        status(&f.update(&worker, doc.id, &edit).await.unwrap_err()),
        "409"
    );
    assert_eq!(
        status(
            &f.update(&worker_b, doc.id, &doctor(w.comm_b.id))
                .await
                .unwrap_err()
        ),
        "404"
    );

    // Taken off with the reason: kept, out of the lists, not editable.
    assert_eq!(
        status(&f.remove(&worker, doc.id, " ").await.unwrap_err()),
        "422"
    );
    let gone = f.remove(&worker, doc.id, "调离本社区").await.unwrap();
    assert_eq!(gone.removed_reason.as_deref(), Some("调离本社区"));
    assert_eq!(
        f.list(&worker, &ListQuery::default()).await.unwrap().len(),
        1
    );
    assert_eq!(
        status(&f.remove(&worker, doc.id, "再次").await.unwrap_err()),
        "409"
    );
    assert_eq!(
        status(
            &f.update(&worker, doc.id, &doctor(w.comm_a.id))
                .await
                .unwrap_err()
        ),
        "409"
    );

    // The summary: this register per kind beside the resident register's tags; auditors read
    // numbers, residents nothing.
    let (me, places) = f
        .summary(&w.app.system_actor().await.unwrap())
        .await
        .unwrap();
    assert_eq!(me.total, 2, "community B's doctor and A's volunteer");
    assert!(places.iter().any(|p| p.total > 0));
    let (street, _) = f.summary(&auditor).await.unwrap();
    assert_eq!(street.total, 2);
    assert_eq!(status(&f.summary(&resident).await.unwrap_err()), "403");
}
