//! Family-doctor contracts (issue 13 §3) on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL): managers register teams for places in their scope; the managers
//! and grid workers of a place sign its key-group residents (bad groups, foreign teams, second
//! live contracts refused; residents, departments and auditors refused and the refusal
//! audited); the signing rate per place against the 90% target; the unsigned list shrinks as
//! people sign; contracts end early or are renewed in their last month; a moved household takes
//! its contracts along; the demo's set-based seeding.

mod common;

use common::World;
use jingzhi_app::doctors::{SignInput, TeamInput};
use jingzhi_app::registry::{HouseholdInput, MoveInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Action;
use jingzhi_domain::doctors::{KeyGroup, DAY_MS};
use jingzhi_domain::registry::{IdNumber, ResidentInput};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::registry::{Node, Resident};
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

fn field(e: &AppError) -> &'static str {
    match e {
        AppError::Invalid(v) => v[0].field,
        _ => "",
    }
}

fn id_number(born: time::Date, n: u32) -> String {
    IdNumber::build(371002, born, n).as_str().to_string()
}

async fn audited(w: &World, action: Action, entity: &str) -> i64 {
    let mut conn = w.app.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND entity = $2")
        .bind(action.as_str())
        .bind(entity)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// A resident of a new household in `building` (room `room`), tagged as a family-doctor key
/// person when `key`.
#[allow(clippy::too_many_arguments)]
async fn person(
    w: &World,
    worker: &Actor,
    building: &Node,
    room: &str,
    name: &str,
    born: time::Date,
    n: u32,
    key: bool,
) -> Resident {
    let hh = w
        .app
        .registry()
        .create_household(
            worker,
            &HouseholdInput {
                building_id: Some(building.id),
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
                id_number: id_number(born, n),
                family_doctor_key: key,
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

fn team(node: &Node, name: &str) -> TeamInput {
    TeamInput {
        node_id: node.id,
        name: name.into(),
        institution: "环翠区环翠楼社区卫生服务中心".into(),
        lead_doctor: "张红".into(),
        code: None,
    }
}

fn sign(resident: &Resident, team: i64, groups: &[&str]) -> SignInput {
    SignInput {
        resident_id: resident.id,
        team_id: team,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        signed_on: None,
    }
}

#[tokio::test]
async fn key_groups_are_signed_within_the_place_and_the_rate_is_counted() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let dept = w.user("dept.a", "department-staff", &w.comm_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let resident = w
        .resident_at(
            &worker,
            "res.1",
            "901",
            "居民甲",
            &id_number(date!(1980 - 01 - 01), 5),
        )
        .await;
    let d = w.app.doctors();

    // Two key people in community A (an old man, a disabled-by-tag younger woman), one
    // resident who is not in a key group, one key person in community B.
    let old = person(
        &w,
        &worker,
        &w.building_a,
        "101",
        "王大爷",
        date!(1950 - 05 - 01),
        11,
        true,
    )
    .await;
    let young = person(
        &w,
        &worker,
        &w.building_a,
        "102",
        "李女士",
        date!(1992 - 05 - 01),
        22,
        true,
    )
    .await;
    let plain = person(
        &w,
        &worker,
        &w.building_a2,
        "103",
        "赵先生",
        date!(1988 - 05 - 01),
        33,
        false,
    )
    .await;
    let in_b = person(
        &w,
        &worker_b,
        &w.building_b,
        "201",
        "孙奶奶",
        date!(1948 - 05 - 01),
        44,
        true,
    )
    .await;

    // Teams: managers, for a street or community of their scope.
    let street_team = d
        .create_team(&officer, &team(&w.street, "刘敏医生团队"))
        .await
        .unwrap();
    assert_eq!(street_team.code, format!("{}-01", w.street.code));
    let team_a = d
        .create_team(&worker, &team(&w.comm_a, "张红医生团队"))
        .await
        .unwrap();
    let team_b = d
        .create_team(&worker_b, &team(&w.comm_b, "王伟医生团队"))
        .await
        .unwrap();
    for (who, input, want) in [
        (&worker, team(&w.comm_b, "越界团队"), "422"),
        (&worker, team(&w.building_a, "楼栋团队"), "422"),
        (&worker, team(&w.comm_a, " "), "422"),
        (&officer, team(&w.district, "区级团队"), "422"),
        (&grid, team(&w.comm_a, "网格团队"), "403"),
        (&auditor, team(&w.comm_a, "审计团队"), "403"),
        (&resident, team(&w.comm_a, "居民团队"), "403"),
    ] {
        let e = d.create_team(who, &input).await.unwrap_err();
        assert_eq!(status(&e), want, "{}", input.name);
    }
    let dup = TeamInput {
        code: Some(team_a.code.clone()),
        ..team(&w.comm_a, "重号团队")
    };
    assert_eq!(
        status(&d.create_team(&worker, &dup).await.unwrap_err()),
        "409"
    );
    // Community A's worker picks from A's team and the street's, never B's.
    let picks: Vec<i64> = d
        .teams(&worker)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(picks, vec![street_team.id, team_a.id]);
    assert_eq!(d.teams(&auditor).await.unwrap().len(), 3);
    assert_eq!(status(&d.teams(&dept).await.unwrap_err()), "403");

    // Before anyone signs: 0 of 2 in community A.
    let (me, places) = d.coverage(&worker).await.unwrap();
    assert_eq!((me.key, me.signed, me.rate()), (2, 0, Some(0)));
    assert!(places.is_empty(), "a community has no places to break down");
    let unsigned: Vec<i64> = d
        .unsigned(&worker, 0)
        .await
        .unwrap()
        .iter()
        .map(|u| u.resident_id)
        .collect();
    assert_eq!(
        unsigned,
        vec![old.id, young.id],
        "only key people, only A's"
    );

    // The signing form suggests what the register says.
    let form = d.sign_form(&worker, old.id).await.unwrap();
    assert_eq!(form.suggested, vec![KeyGroup::Elderly]);
    assert_eq!(form.teams.len(), 2);
    assert!(form.live.is_none());

    // Refused with nothing signed: bad groups, a team not serving the place, a resident
    // outside the scope, a date in the future.
    let refusals_before = audited(&w, Action::Refused, "doctor_contract").await;
    let cases: Vec<(&Actor, SignInput, &str, &str)> = vec![
        (&worker, sign(&old, team_a.id, &["dancer"]), "422", "groups"),
        (&worker, sign(&old, team_a.id, &[]), "422", "groups"),
        (
            &worker,
            sign(&old, team_b.id, &["elderly"]),
            "422",
            "team_id",
        ),
        (&worker, sign(&old, 999_999, &["elderly"]), "422", "team_id"),
        (&worker, sign(&in_b, team_a.id, &["elderly"]), "404", ""),
        (
            &worker,
            SignInput {
                signed_on: Some("2099-01-01".into()),
                ..sign(&old, team_a.id, &["elderly"])
            },
            "422",
            "signed_on",
        ),
        (&resident, sign(&old, team_a.id, &["elderly"]), "403", ""),
        (&dept, sign(&old, team_a.id, &["elderly"]), "403", ""),
        (&auditor, sign(&old, team_a.id, &["elderly"]), "403", ""),
        (&steward, sign(&old, team_a.id, &["elderly"]), "403", ""),
    ];
    for (who, input, want, f) in &cases {
        let e = d.sign(who, input).await.unwrap_err();
        assert_eq!(
            status(&e),
            *want,
            "{} {:?}",
            who.user.username,
            input.groups
        );
        assert_eq!(field(&e), *f);
    }
    assert_eq!(
        audited(&w, Action::Refused, "doctor_contract").await,
        refusals_before + 4,
        "each refusal by role is audited"
    );
    assert!(d.contracts(&worker, false, 0).await.unwrap().is_empty());

    // The old man signs with A's team: 1 of 2 → 50%, below the target.
    let c = d
        .sign(&worker, &sign(&old, team_a.id, &["elderly", "chronic"]))
        .await
        .unwrap();
    assert_eq!(
        c.groups,
        Some(vec![KeyGroup::Elderly, KeyGroup::Chronic]),
        "the groups read back"
    );
    assert!(c.ends_at - c.signed_at >= 365 * DAY_MS);
    assert_eq!(
        status(
            &d.sign(&grid, &sign(&old, street_team.id, &["elderly"]))
                .await
                .unwrap_err()
        ),
        "409",
        "a second live contract"
    );
    let (me, _) = d.coverage(&worker).await.unwrap();
    assert_eq!((me.key, me.signed, me.rate()), (2, 1, Some(50)));
    assert!(!me.meets_target());
    let (street, places) = d.coverage(&officer).await.unwrap();
    assert_eq!((street.key, street.signed), (3, 1));
    let a = places.iter().find(|p| p.node_id == w.comm_a.id).unwrap();
    let b = places.iter().find(|p| p.node_id == w.comm_b.id).unwrap();
    assert_eq!((a.rate(), b.rate()), (Some(50), Some(0)));
    let (city, _) = d.coverage(&auditor).await.unwrap();
    assert_eq!((city.key, city.signed), (3, 1), "auditors read the numbers");
    for who in [&resident, &dept, &steward] {
        assert_eq!(status(&d.coverage(who).await.unwrap_err()), "403");
    }

    // The unsigned list shrinks; the grid worker signs the next one (a street team serves A);
    // a contract for someone outside the key groups does not count.
    let unsigned = d.unsigned(&grid, 0).await.unwrap();
    assert_eq!(
        unsigned.iter().map(|u| u.resident_id).collect::<Vec<_>>(),
        vec![young.id]
    );
    d.sign(&grid, &sign(&young, street_team.id, &["pregnant"]))
        .await
        .unwrap();
    d.sign(&worker, &sign(&plain, team_a.id, &["chronic"]))
        .await
        .unwrap();
    assert!(d.unsigned(&worker, 0).await.unwrap().is_empty());
    let (me, _) = d.coverage(&worker).await.unwrap();
    assert_eq!(
        (me.signed, me.rate(), me.meets_target()),
        (2, Some(100), true)
    );

    // Reading the groups is audited: the list once, one contract each time; others refused.
    let views = audited(&w, Action::View, "doctor_contract").await;
    let list = d.contracts(&worker, false, 0).await.unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|c| c.groups.is_some()));
    let one = d.contract(&grid, c.id).await.unwrap();
    assert_eq!(one.resident_name, "王大爷");
    assert_eq!(
        audited(&w, Action::View, "doctor_contract").await,
        views + 2
    );
    assert_eq!(
        status(&d.contract(&worker_b, c.id).await.unwrap_err()),
        "404"
    );
    assert!(d.contracts(&worker_b, false, 0).await.unwrap().is_empty());
    for who in [&resident, &dept, &auditor] {
        assert_eq!(status(&d.contract(who, c.id).await.unwrap_err()), "403");
        assert_eq!(
            status(&d.contracts(who, false, 0).await.unwrap_err()),
            "403"
        );
        assert_eq!(status(&d.unsigned(who, 0).await.unwrap_err()), "403");
    }

    // Ending: the rate falls back; ending twice is 409; outside the scope 404.
    assert_eq!(
        status(&d.end(&worker_b, c.id, "迁出").await.unwrap_err()),
        "404"
    );
    assert_eq!(status(&d.end(&worker, c.id, " ").await.unwrap_err()), "422");
    let ended = d.end(&worker, c.id, "迁往外地").await.unwrap();
    assert_eq!(ended.end_reason.as_deref(), Some("迁往外地"));
    assert_eq!(
        status(&d.end(&worker, c.id, "迁往外地").await.unwrap_err()),
        "409"
    );
    let (me, _) = d.coverage(&worker).await.unwrap();
    assert_eq!((me.signed, me.rate()), (1, Some(50)));

    // Renewal: a contract signed 340 days ago ends within the month; it is listed to renew,
    // and signing again ends it as renewed.
    let now = now_ms();
    d.sign_at(
        &worker,
        &sign(&old, team_a.id, &["elderly"]),
        now - 340 * DAY_MS,
    )
    .await
    .unwrap();
    let ending = d.contracts(&worker, true, 0).await.unwrap();
    assert_eq!(
        ending.iter().map(|c| c.resident_id).collect::<Vec<_>>(),
        vec![old.id]
    );
    let renewed = d
        .sign(&worker, &sign(&old, team_a.id, &["elderly"]))
        .await
        .unwrap();
    assert!(d.contracts(&worker, true, 0).await.unwrap().is_empty());
    let (me, _) = d.coverage(&worker).await.unwrap();
    assert_eq!(me.signed, 2, "the renewed contract counts once");

    // A resident reads their own contract.
    assert!(d.mine(&resident).await.unwrap().is_none());
    assert_eq!(status(&d.mine(&worker).await.unwrap_err()), "403");

    // The old man's household moves to community B: his contract goes with him.
    w.app
        .registry()
        .move_household(
            &officer,
            old.household_id,
            &MoveInput {
                building_id: Some(w.building_b.id),
                unit: Some(2),
                room: "502".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        status(&d.contract(&worker, renewed.id).await.unwrap_err()),
        "404"
    );
    let moved = d.contract(&worker_b, renewed.id).await.unwrap();
    assert!(moved.path.starts_with(&w.building_b.path));
    let (me_b, _) = d.coverage(&worker_b).await.unwrap();
    assert_eq!((me_b.key, me_b.signed), (2, 1));
    let (me_a, _) = d.coverage(&worker).await.unwrap();
    assert_eq!((me_a.key, me_a.signed), (1, 1));
}

#[tokio::test]
async fn a_resident_reads_their_own_contract() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let resident = w
        .resident_at(
            &worker,
            "res.1",
            "901",
            "居民甲",
            &id_number(date!(1955 - 01 - 01), 5),
        )
        .await;
    let d = w.app.doctors();
    let t = d
        .create_team(&worker, &team(&w.comm_a, "张红医生团队"))
        .await
        .unwrap();
    let rid = resident.user.resident_id.unwrap();
    let form = d.sign_form(&worker, rid).await.unwrap();
    assert_eq!(form.suggested, vec![KeyGroup::Elderly]);
    d.sign(
        &worker,
        &SignInput {
            resident_id: rid,
            team_id: t.id,
            groups: vec!["elderly".into()],
            signed_on: Some(jingzhi_domain::time_fmt::format_date(
                jingzhi_domain::time_fmt::today() - time::Duration::days(10),
            )),
        },
    )
    .await
    .unwrap();
    let mine = d.mine(&resident).await.unwrap().unwrap();
    assert_eq!(mine.team_name, "张红医生团队");
    assert_eq!(mine.groups, Some(vec![KeyGroup::Elderly]));
    assert!(mine.signed_at < now_ms() - 9 * DAY_MS);
}

#[tokio::test]
async fn the_demo_signs_most_key_people_in_one_statement_per_community() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    for (i, who) in [&worker, &worker_b].into_iter().enumerate() {
        let b = if i == 0 { &w.building_a } else { &w.building_b };
        for n in 0..40u32 {
            person(
                &w,
                who,
                b,
                &format!("{}", 100 + n),
                "重点人员",
                date!(1940 - 01 - 01) + time::Duration::days(i64::from(n) * 400),
                n + 100 * i as u32,
                n % 4 != 3,
            )
            .await;
        }
    }
    let d = w.app.doctors();
    let s = d.seed_demo().await.unwrap();
    assert_eq!(s.teams, 3, "one team for A, two for B");
    assert!(s.contracts > 0);
    let again = d.seed_demo().await.unwrap();
    assert_eq!(again.contracts, 0, "seeding twice adds nothing");
    let officer = w.user("street", "street-officer", &w.street).await;
    let (street, places) = d.coverage(&officer).await.unwrap();
    assert_eq!(street.key, 60);
    assert_eq!(street.signed as u64, s.contracts);
    assert!(places.iter().all(|p| p.signed <= p.key));
    // The sealed groups read back.
    let list = d.contracts(&worker, false, 0).await.unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|c| c.groups.as_ref().is_some_and(|g| g.len() == 1)));
}
