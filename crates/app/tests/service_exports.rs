//! The service lists of issue 13 to .xlsx (activities, the register of people who can be
//! mobilised, legal aid, job seekers) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): a community worker's export holds the rows of their page, phones
//! masked and no sealed matter; another community's worker gets none of them; a steward is
//! refused and nothing is written; every export is audited.

mod common;

use common::{xlsx_rows, World};
use jingzhi_app::export::ServiceList;
use jingzhi_app::forces::MemberInput;
use jingzhi_app::legal::CaseInput;
use jingzhi_app::AppError;
use jingzhi_domain::registry::IdNumber;
use time::macros::date;

#[tokio::test]
async fn service_lists_export_what_the_page_shows_to_those_who_may_read_them() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    let resident = w
        .resident_at(
            &worker,
            "res.a",
            "101",
            "于海",
            IdNumber::build(371002, date!(1975 - 02 - 02), 11).as_str(),
        )
        .await;
    let rid = resident.user.resident_id.unwrap();
    // An old man of a family-doctor key group, not yet signed.
    let hh = w
        .app
        .registry()
        .create_household(
            &worker,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: "808".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app
        .registry()
        .create_resident(
            &worker,
            hh.id,
            &jingzhi_domain::registry::ResidentInput {
                name: "于老汉".into(),
                id_number: IdNumber::build(371002, date!(1940 - 02 - 02), 12)
                    .as_str()
                    .into(),
                family_doctor_key: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app
        .forces()
        .add(
            &worker,
            &MemberInput {
                node_id: w.comm_a.id,
                kind: "doctor".into(),
                name: "刘医生".into(),
                skills: vec!["medical".into()],
                availability: "weekdays".into(),
                phone: "13905317777".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.app
        .legal()
        .open(
            &worker,
            &CaseInput {
                resident_id: rid,
                matter: "wages".into(),
                channel: "walk_in".into(),
                lawyer_id: None,
                summary: "工地拖欠工资的秘密细节".into(),
            },
        )
        .await
        .unwrap();
    w.app
        .jobs()
        .register(&worker, rid, "catering", "")
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!(
        "jz_service_export_{}_{}",
        std::process::id(),
        jingzhi_domain::time_fmt::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ex = w.app.export();
    for (list, rows) in [
        (ServiceList::Forces, 1),
        (ServiceList::LegalCases, 1),
        (ServiceList::JobSeekers, 1),
        (ServiceList::Activities, 0),
        (ServiceList::DoctorsUnsigned, 1),
    ] {
        let path = dir.join(format!("{}.xlsx", list.name()));
        assert_eq!(ex.services(&worker, list, &path).await.unwrap(), rows);
        let sheet = xlsx_rows(&path);
        assert_eq!(
            sheet.len() as u64,
            rows + 1,
            "{}: the header and the rows",
            list.name()
        );
        let text = sheet.concat().join("|");
        assert!(!text.contains("13905317777"), "phones masked");
        assert!(!text.contains("秘密细节"), "the sealed matter stays out");
        // Another community's worker: the same lists, none of these rows.
        let other = dir.join(format!("b-{}.xlsx", list.name()));
        assert_eq!(ex.services(&worker_b, list, &other).await.unwrap(), 0);
        // A steward may not read these lists: refused, no file.
        let refused = dir.join(format!("s-{}.xlsx", list.name()));
        if list != ServiceList::Activities {
            assert!(matches!(
                ex.services(&steward, list, &refused).await.unwrap_err(),
                AppError::Forbidden
            ));
            assert!(!refused.exists());
        }
    }
    let mut conn = w.app.store.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'services'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(n, 10, "every export audited");
    std::fs::remove_dir_all(&dir).unwrap();
}
