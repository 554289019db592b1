//! Care records, the warning and assistance cases (issue 13 §1–§2) on a real database (SQLite, or
//! PostgreSQL with JINGZHI_TEST_DATABASE_URL): only the roles that need it read a record, every
//! view and every refusal is audited, what is sensitive is sealed at rest, the worst colour wins
//! and every change is kept with its rule, a warning opens a case with its colour's deadline,
//! referrals are answered by their department only, a case closes only once the risk is gone,
//! and overdue cases, referrals and visits escalate.

mod common;

use common::{xlsx_rows, World};
use jingzhi_app::care::{RecordFilter, RecordInput};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Action;
use jingzhi_domain::care::{CaseState, Colour, Detail, DisabilityType, Guardianship};
use jingzhi_domain::registry::{IdNumber, LowIncome, ResidentInput, ResidentTags};
use jingzhi_domain::rounds::DAY_MS;
use jingzhi_domain::time_fmt::now_ms;
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

/// A household in building A with one resident tagged by `tags`; returns (household, resident).
async fn person(w: &World, worker: &Actor, room: &str, n: u32, tags: ResidentTags) -> (i64, i64) {
    let ResidentTags {
        elderly_alone,
        disability_grade,
        low_income,
        child_in_difficulty,
        ..
    } = tags;
    let hh = w
        .app
        .registry()
        .create_household(
            worker,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: room.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = w
        .app
        .registry()
        .create_resident(
            worker,
            hh.id,
            &ResidentInput {
                name: format!("关爱{n}"),
                id_number: IdNumber::build(371002, date!(1942 - 03 - 04), 700 + n)
                    .as_str()
                    .into(),
                elderly_alone,
                disability_grade: disability_grade.map(|g| g.to_string()),
                low_income: low_income.map(|l| l.as_str().to_string()),
                child_in_difficulty,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (hh.id, r.id)
}

async fn audited(w: &World, action: Action, entity: &str) -> usize {
    let mut conn = w.app.store.acquire().await.unwrap();
    let sql = "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND entity = $2";
    let n: i64 = sqlx::query_scalar(sql)
        .bind(action.as_str())
        .bind(entity)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    n as usize
}

#[tokio::test]
async fn care_records_are_read_only_by_those_who_need_them() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let dept = w.user("zj.staff", "department-staff", &w.street).await;
    let care = w.app.care();

    let (hh, rid) = person(
        &w,
        &worker,
        "101",
        1,
        ResidentTags {
            disability_grade: Some(2),
            ..Default::default()
        },
    )
    .await;
    // The tagged resident is offered for a disabled record.
    let cands = care.candidates(&worker).await.unwrap();
    let c = cands.iter().find(|c| c.resident_id == rid).unwrap();
    assert_eq!(c.kinds, vec![jingzhi_domain::care::CareKind::Disabled]);

    // Bad input: a kind that does not exist, a detail the kind needs missing, a frequency off
    // the list, a resident outside the scope.
    let input = |kind: &str, detail: Detail, every: Option<i64>| RecordInput {
        resident_id: rid,
        kind: kind.into(),
        detail,
        worker_user_id: Some(grid.id()),
        visit_every_days: every,
    };
    let disabled = Detail {
        disability_type: Some(DisabilityType::Physical),
        disability_grade: Some(2),
        plan: "每两周上门，协调康复".into(),
        ..Default::default()
    };
    for (i, field) in [
        (input("pets", disabled.clone(), None), "kind"),
        (
            input("disabled", Detail::default(), None),
            "disability_type",
        ),
        (
            input("disabled", disabled.clone(), Some(10)),
            "visit_every_days",
        ),
    ] {
        match care.open_record(&worker, &i).await {
            Err(AppError::Invalid(f)) => assert_eq!(f[0].field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let e = care
        .open_record(&other, &input("disabled", disabled.clone(), None))
        .await
        .unwrap_err();
    assert_eq!(status(&e), "422");

    let rec = care
        .open_record(&worker, &input("disabled", disabled.clone(), None))
        .await
        .unwrap();
    assert_eq!(rec.visit_every_days, 14, "the kind's default");
    assert_eq!(rec.worker_user_id, Some(grid.id()));
    let e = care
        .open_record(&worker, &input("disabled", disabled.clone(), None))
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409", "one record per resident and kind");

    // Sealed at rest: the plan is not in the row's bytes.
    {
        let mut conn = w.app.store.acquire().await.unwrap();
        let raw: Vec<u8> =
            sqlx::query_scalar("SELECT detail_cipher FROM care_records WHERE id = $1")
                .bind(rec.id)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let needle = "协调康复".as_bytes();
        assert!(!raw.windows(needle.len()).any(|x| x == needle));
    }

    // Read by the worker and the grid worker (audited each time); refused to the auditor and a
    // department (audited); not found for the other community.
    let views = audited(&w, Action::View, "care_record").await;
    let (r, d) = care.record(&worker, rec.id).await.unwrap();
    assert_eq!(d.plan, "每两周上门，协调康复");
    assert_eq!(r.resident_name, "关爱1");
    care.record(&grid, rec.id).await.unwrap();
    assert_eq!(audited(&w, Action::View, "care_record").await, views + 2);
    let refused = audited(&w, Action::Refused, "care_record").await;
    for a in [&auditor, &dept] {
        assert_eq!(status(&care.record(a, rec.id).await.unwrap_err()), "403");
        assert_eq!(
            status(&care.records(a, &RecordFilter::default()).await.unwrap_err()),
            "403"
        );
    }
    assert_eq!(
        audited(&w, Action::Refused, "care_record").await,
        refused + 4
    );
    assert_eq!(
        status(&care.record(&other, rec.id).await.unwrap_err()),
        "404"
    );
    assert!(care
        .records(&other, &RecordFilter::default())
        .await
        .unwrap()
        .is_empty());

    // The steward whose post holds the building sees the person to visit, the responsible
    // grid worker their own.
    let steward = w.user("steward.a", "steward", &w.grid_a).await;
    w.app
        .rounds()
        .save_post(
            &worker,
            &jingzhi_app::rounds::PostInput {
                user_id: steward.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id],
            },
        )
        .await
        .unwrap();
    assert!(care
        .my_visits(&steward)
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == rec.id));
    assert_eq!(
        status(&care.record(&steward, rec.id).await.unwrap_err()),
        "403"
    );
    let mine = care.my_visits(&grid).await.unwrap();
    assert!(
        mine.iter().any(|r| r.id == rec.id),
        "the responsible worker's own"
    );

    // Update: frequency and plan; a closed record refuses changes.
    let child_detail = Detail {
        guardianship: Some(Guardianship::Weak),
        ..Default::default()
    };
    let e = care
        .update_record(&worker, rec.id, &child_detail, None, 14)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "422", "a disabled record needs its type");
    let r = care
        .update_record(&worker, rec.id, &disabled, Some(grid.id()), 7)
        .await
        .unwrap();
    assert_eq!(r.visit_every_days, 7);
    care.close_record(&worker, rec.id, "迁出本社区")
        .await
        .unwrap();
    let e = care
        .update_record(&worker, rec.id, &disabled, None, 7)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    let _ = hh;
}

#[tokio::test]
async fn the_worst_colour_wins_and_a_warning_opens_a_case_until_the_risk_is_gone() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let minzheng = w.dept_user("mz.staff", "minzheng", &w.street).await;
    let zhujian = w.user("zj.staff", "department-staff", &w.street).await;
    let care = w.app.care();

    let (hh, rid) = person(
        &w,
        &worker,
        "201",
        2,
        ResidentTags {
            low_income: Some(LowIncome::DibaoEdge),
            ..Default::default()
        },
    )
    .await;
    care.open_record(
        &worker,
        &RecordInput {
            resident_id: rid,
            kind: "low_income".into(),
            detail: Detail {
                low_income: Some(LowIncome::DibaoEdge),
                ..Default::default()
            },
            worker_user_id: Some(grid.id()),
            visit_every_days: None,
        },
    )
    .await
    .unwrap();
    let v = care.household(&worker, hh).await.unwrap();
    assert_eq!(v.household.colour, None, "nothing known yet");

    // Bad facts.
    assert_eq!(
        status(&care.set_facts(&worker, hh, Some(-5), 0).await.unwrap_err()),
        "422"
    );
    assert_eq!(
        status(
            &care
                .add_hardship(&worker, hh, "flu", "2026-01-01", "")
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert_eq!(
        status(
            &care
                .add_hardship(&worker, hh, "job_loss", "2999-01-01", "")
                .await
                .unwrap_err()
        ),
        "422",
        "not in the future"
    );
    assert_eq!(
        status(&care.set_facts(&other, hh, Some(100), 0).await.unwrap_err()),
        "404"
    );

    // Income 1,400 against the default line of 1,000: yellow (below 1.5×), a case with 7 days.
    let before = now_ms();
    let ch = care
        .set_facts(&worker, hh, Some(1400), 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ch.colour, Some(Colour::Yellow));
    assert_eq!(ch.rule_id.as_deref(), Some("income_edge"));
    let v = care.household(&worker, hh).await.unwrap();
    let case = v.case.clone().unwrap();
    assert_eq!(case.colour, Colour::Yellow);
    assert!(case.due_at >= before + 7 * DAY_MS && case.due_at <= now_ms() + 7 * DAY_MS);
    // The grid worker responsible was told.
    {
        let mut conn = w.app.store.acquire().await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND command = 'care_case'",
        )
        .bind(grid.id())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(n, 1);
    }

    // A serious illness this week: red wins over yellow, the same case raised to red, its
    // deadline 24 hours.
    let today = jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today());
    let ch = care
        .add_hardship(&worker, hh, "serious_illness", &today, "户主住院")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ch.previous, ch.colour),
        (Some(Colour::Yellow), Some(Colour::Red))
    );
    let v = care.household(&worker, hh).await.unwrap();
    assert_eq!(
        v.case.as_ref().unwrap().id,
        case.id,
        "one case per household"
    );
    let raised = v.case.unwrap();
    assert_eq!(raised.colour, Colour::Red);
    assert!(raised.due_at <= now_ms() + DAY_MS);
    assert_eq!(v.history.len(), 2, "every change kept with its rule");
    assert_eq!(v.history[0].rule_id.as_deref(), Some("serious_illness"));
    assert_eq!(v.hardships[0].note, "户主住院");

    // Cases: closing refused while the warning stands; a referral to the civil-affairs bureau,
    // answered by its staff only (another department: 404; staff of the place: 403).
    let e = care
        .close_case(&worker, case.id, "已解决")
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    assert_eq!(
        status(
            &care
                .refer(&worker, case.id, "no-such", "x", 7)
                .await
                .unwrap_err()
        ),
        "422"
    );
    assert_eq!(
        status(
            &care
                .refer(&worker, case.id, "minzheng", "x", 9)
                .await
                .unwrap_err()
        ),
        "422",
        "deadlines from the list"
    );
    let v = care
        .refer(&worker, case.id, "minzheng", "申请临时救助", 7)
        .await
        .unwrap();
    let rf = v.referrals[0].clone();
    assert_eq!(
        status(
            &care
                .answer(&zhujian, rf.id, "不是我们的")
                .await
                .unwrap_err()
        ),
        "404"
    );
    assert_eq!(
        status(&care.answer(&worker, rf.id, "代答").await.unwrap_err()),
        "403"
    );
    assert_eq!(
        status(&care.case(&zhujian, case.id).await.unwrap_err()),
        "404"
    );
    let seen = care.case(&minzheng, case.id).await.unwrap();
    assert!(!seen.staff && seen.assessment.is_none() && seen.steps.is_empty());
    assert_eq!(care.my_referrals(&minzheng).await.unwrap().len(), 1);
    care.answer(&minzheng, rf.id, "已批临时救助金2000元")
        .await
        .unwrap();
    assert_eq!(
        status(&care.answer(&minzheng, rf.id, "again").await.unwrap_err()),
        "409"
    );
    care.assess(&worker, case.id, "入户评估：医疗支出大")
        .await
        .unwrap();
    let v = care
        .add_help(&worker, case.id, "发放临时救助金")
        .await
        .unwrap();
    assert_eq!(v.steps.len(), 2);
    assert_eq!(v.assessment.as_deref(), Some("入户评估：医疗支出大"));

    // A new rule version (city administrators only): the illness rule dropped and the edge line
    // lowered; the city is recomputed and the household's warning lifts; then the case closes.
    let mut rules = care.rules(&worker).await.unwrap();
    assert_eq!(rules.version, 0, "the platform's defaults");
    rules.rules.rules.retain(|r| r.id != "serious_illness");
    for r in &mut rules.rules.rules {
        if r.id == "income_edge" {
            r.condition = jingzhi_domain::care::Condition::IncomeBelow { times_line: 1.2 };
        }
    }
    assert_eq!(
        status(
            &care
                .save_rules(&worker, &rules.rules, "x")
                .await
                .unwrap_err()
        ),
        "403"
    );
    let mut bad = rules.rules.clone();
    bad.dibao_line = 5;
    assert_eq!(
        status(&care.save_rules(&admin, &bad, "x").await.unwrap_err()),
        "422"
    );
    let r = care
        .save_rules(&admin, &rules.rules, "下调低保边缘线")
        .await
        .unwrap();
    assert_eq!(r.version, 1);
    assert!(r.households >= 1);
    let ch = r.changes.iter().find(|c| c.household_id == hh).unwrap();
    assert_eq!(ch.colour, None);
    let v = care.household(&worker, hh).await.unwrap();
    assert_eq!(v.history[0].rule_version, 1);
    let v = care.close_case(&worker, case.id, "风险解除").await.unwrap();
    assert_eq!(v.case.state, CaseState::Closed);
    assert_eq!(v.closing.as_deref(), Some("风险解除"));
    assert!(care
        .cases(&worker, CaseState::Open, None)
        .await
        .unwrap()
        .is_empty());

    // The same inputs give the same colour: recomputing again changes nothing.
    let again = care.recompute(&worker).await.unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    // The overview counts the place.
    let (total, places) = care.overview(&admin).await.unwrap();
    assert_eq!(total.monitored, 1);
    assert!(!places.is_empty());
}

#[tokio::test]
async fn overdue_cases_referrals_and_visits_escalate_once() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let care = w.app.care();
    let (hh, rid) = person(
        &w,
        &worker,
        "301",
        3,
        ResidentTags {
            child_in_difficulty: true,
            ..Default::default()
        },
    )
    .await;
    care.open_record(
        &worker,
        &RecordInput {
            resident_id: rid,
            kind: "child".into(),
            detail: Detail {
                guardianship: Some(Guardianship::Absent),
                ..Default::default()
            },
            worker_user_id: None,
            visit_every_days: None,
        },
    )
    .await
    .unwrap();
    // The grid worker's post holds the building, so an overdue visit is theirs to be told of.
    w.app
        .rounds()
        .save_post(
            &worker,
            &jingzhi_app::rounds::PostInput {
                user_id: grid.id(),
                grid_id: w.grid_a.id,
                building_ids: vec![w.building_a.id],
            },
        )
        .await
        .unwrap();
    let r = care.recompute(&worker).await.unwrap();
    assert!(r.changes.is_empty());
    let ch = care
        .add_hardship(
            &worker,
            hh,
            "job_loss",
            &jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today()),
            "",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ch.colour, Some(Colour::Orange));
    let case = care.household(&worker, hh).await.unwrap().case.unwrap();
    care.refer(&worker, case.id, "minzheng", "就业援助", 3)
        .await
        .unwrap();

    // Ten days on: the orange case (72 h), the referral (3 days) and the weekly visit are all
    // overdue; each escalates once.
    let later = now_ms() + 10 * DAY_MS;
    let n = care.escalate_due_at(later).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(care.escalate_due_at(later + 1000).await.unwrap(), 0);
    let mut conn = w.app.store.acquire().await.unwrap();
    let told: Vec<String> =
        sqlx::query_scalar("SELECT command FROM notifications WHERE user_id = $1 ORDER BY id")
            .bind(grid.id())
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(told.contains(&"care_visit".to_string()), "{told:?}");
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM notifications WHERE user_id = $1 AND command = 'care_case' ORDER BY id",
    )
    .bind(worker.id())
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(told.contains(&"overdue".to_string()), "{told:?}");
}

#[tokio::test]
async fn the_care_lists_export_whole_to_those_who_read_care_and_are_audited() {
    use jingzhi_app::export::CareList;
    use jingzhi_domain::care::{AgeBand, CareKind};
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let auditor = w.user("auditor", "auditor", &w.city).await;
    let dept = w.user("zj.staff", "department-staff", &w.street).await;
    let resident = w
        .resident_at(
            &worker,
            "resident.a",
            "901",
            "居民甲",
            IdNumber::build(371002, date!(1990 - 01 - 01), 901).as_str(),
        )
        .await;
    let care = w.app.care();

    // Three records: an elderly person, a disabled one (with a plan, sealed), a low-income
    // household whose income opens a yellow case, referred once.
    let tags = [
        ResidentTags {
            elderly_alone: true,
            ..Default::default()
        },
        ResidentTags {
            disability_grade: Some(2),
            ..Default::default()
        },
        ResidentTags {
            low_income: Some(LowIncome::DibaoEdge),
            ..Default::default()
        },
    ];
    let details = [
        (
            "elderly",
            Detail {
                age_band: Some(AgeBand::Old),
                living_alone: true,
                ..Default::default()
            },
        ),
        (
            "disabled",
            Detail {
                disability_type: Some(DisabilityType::Physical),
                disability_grade: Some(2),
                plan: "每两周上门，协调康复".into(),
                ..Default::default()
            },
        ),
        (
            "low_income",
            Detail {
                low_income: Some(LowIncome::DibaoEdge),
                ..Default::default()
            },
        ),
    ];
    let mut poor = 0;
    for (i, (t, (kind, detail))) in tags.into_iter().zip(details).enumerate() {
        let (hh, rid) = person(&w, &worker, &format!("5{i:02}"), 50 + i as u32, t).await;
        care.open_record(
            &worker,
            &RecordInput {
                resident_id: rid,
                kind: kind.into(),
                detail,
                worker_user_id: Some(grid.id()),
                visit_every_days: None,
            },
        )
        .await
        .unwrap();
        poor = hh;
    }
    care.set_facts(&worker, poor, Some(1400), 0).await.unwrap();
    let case = care.household(&worker, poor).await.unwrap().case.unwrap();
    care.refer(&worker, case.id, "minzheng", "申请临时救助", 7)
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!(
        "jz_care_export_{}_{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let export = w.app.export();
    let exports = |entity: &'static str| audited(&w, Action::Export, entity);
    let all = CareList::Records { kind: None };
    let cases = CareList::Cases {
        state: None,
        colour: None,
    };

    // A manager: as many rows as the list, the list page's columns, nothing sealed.
    let listed = care
        .records(&worker, &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    let path = dir.join("records.xlsx");
    let n = export.care(&worker, all, &path).await.unwrap();
    assert_eq!(n as usize, listed.len());
    let rows = xlsx_rows(&path);
    assert_eq!(rows.len(), listed.len() + 1);
    assert_eq!(
        rows[0],
        [
            "编号",
            "姓名",
            "类别",
            "地址",
            "所在地",
            "责任人",
            "走访频次（天）",
            "上次走访",
            "下次走访",
            "逾期天数",
            "预警颜色",
            "开立日期",
            "状态"
        ]
    );
    let disabled = rows.iter().find(|r| r[2] == "残疾人").unwrap();
    assert_eq!(disabled[1], "关爱51");
    assert_eq!(disabled[6], "14");
    assert!(disabled[4].contains(&w.comm_a.name), "{disabled:?}");
    assert_eq!(disabled[12], "在管");
    assert!(
        !rows.concat().join("|").contains("协调康复"),
        "the sealed plan is not exported"
    );
    let poor_row = rows.iter().find(|r| r[2] == "低收入家庭").unwrap();
    assert_eq!(poor_row[10], "黄色");

    // Of one kind, as the page filters.
    let n = export
        .care(
            &worker,
            CareList::Records {
                kind: Some(CareKind::Disabled),
            },
            &dir.join("disabled.xlsx"),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);

    // The cases: the one case, with its referral.
    let open = care.cases(&worker, CaseState::Open, None).await.unwrap();
    let closed = care.cases(&worker, CaseState::Closed, None).await.unwrap();
    let path = dir.join("cases.xlsx");
    let n = export.care(&worker, cases, &path).await.unwrap();
    assert_eq!(n as usize, open.len() + closed.len());
    assert_eq!(n, 1);
    let rows = xlsx_rows(&path);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        [
            "编号",
            "户/地址",
            "户主",
            "所在地",
            "预警颜色",
            "状态",
            "开立时间",
            "期限",
            "是否逾期",
            "转介数",
            "结案时间"
        ]
    );
    assert_eq!(rows[1][0], case.id.to_string());
    assert_eq!(
        (
            &rows[1][4][..],
            &rows[1][5][..],
            &rows[1][8][..],
            &rows[1][9][..],
            &rows[1][10][..]
        ),
        ("黄色", "办理中", "否", "1", "")
    );
    let n = export
        .care(
            &worker,
            CareList::Cases {
                state: Some(CaseState::Closed),
                colour: None,
            },
            &dir.join("closed.xlsx"),
        )
        .await
        .unwrap();
    assert_eq!(n, 0);

    // A grid worker exports their list; another community's worker gets an empty sheet.
    let n = export
        .care(&grid, all, &dir.join("grid.xlsx"))
        .await
        .unwrap();
    assert_eq!(
        n as usize,
        care.records(&grid, &RecordFilter::default())
            .await
            .unwrap()
            .len()
    );
    let path = dir.join("other.xlsx");
    assert_eq!(export.care(&other, all, &path).await.unwrap(), 0);
    assert_eq!(xlsx_rows(&path).len(), 1);

    // Every export is audited.
    assert_eq!(exports("care_record").await, 4);
    assert_eq!(exports("care_case").await, 2);

    // Refused to those who do not read care (the refusal audited like a refused read), and
    // nothing written.
    let refused = audited(&w, Action::Refused, "care_record").await
        + audited(&w, Action::Refused, "care_case").await;
    for a in [&auditor, &dept, &resident] {
        for (i, list) in [all, cases].into_iter().enumerate() {
            let path = dir.join(format!("refused_{}_{i}.xlsx", a.id()));
            let e = export.care(a, list, &path).await.unwrap_err();
            assert_eq!(status(&e), "403", "{:?}", a.user.role);
            assert!(!path.exists(), "nothing written for {:?}", a.user.role);
        }
    }
    assert_eq!(
        audited(&w, Action::Refused, "care_record").await
            + audited(&w, Action::Refused, "care_case").await,
        refused + 6
    );
    assert_eq!(exports("care_record").await, 4);
    assert_eq!(exports("care_case").await, 2);
    std::fs::remove_dir_all(&dir).unwrap();

    // The export reads the whole list in keyset pages (a city's tens of thousands, past the
    // list's limit): pages of one row give every record once, in (path, id) order.
    let mut conn = w.app.store.acquire().await.unwrap();
    let scope = worker.scope();
    let mut after: Option<jingzhi_store::care::Cursor> = None;
    let mut seen = Vec::new();
    loop {
        let page = jingzhi_store::care::records_page(
            &mut conn,
            &scope,
            &RecordFilter::default(),
            after.as_ref(),
            1,
        )
        .await
        .unwrap();
        let Some(r) = page.last() else { break };
        after = Some((r.path.clone(), r.id));
        seen.push(r.id);
    }
    let mut ids: Vec<i64> = listed.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(seen, ids, "every record once");
}

/// A household that moves (or whose grid is redrawn into another community) takes its care
/// records, warning and case with it: the new community's workers read them, the old one's no
/// longer do.
#[tokio::test]
async fn care_follows_the_household_when_it_moves() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let officer = w.user("street", "street-officer", &w.street).await;
    let (hh, rid) = person(
        &w,
        &worker,
        "301",
        1,
        ResidentTags {
            low_income: Some(LowIncome::Dibao),
            ..Default::default()
        },
    )
    .await;
    let care = w.app.care();
    let rec = care
        .open_record(
            &worker,
            &RecordInput {
                resident_id: rid,
                kind: "low_income".into(),
                detail: Detail {
                    low_income: Some(LowIncome::Dibao),
                    plan: "每月走访".into(),
                    ..Default::default()
                },
                worker_user_id: None,
                visit_every_days: None,
            },
        )
        .await
        .unwrap();
    let today = jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today());
    care.add_hardship(&worker, hh, "serious_illness", &today, "住院")
        .await
        .unwrap();
    let case = care.household(&worker, hh).await.unwrap().case.unwrap().id;

    w.app
        .registry()
        .move_household(
            &officer,
            hh,
            &jingzhi_app::registry::MoveInput {
                building_id: Some(w.building_b.id),
                unit: Some(1),
                room: "302".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for r in [
        care.record(&worker, rec.id).await.map(|_| ()),
        care.household(&worker, hh).await.map(|_| ()),
        care.case(&worker, case).await.map(|_| ()),
    ] {
        assert_eq!(
            status(&r.unwrap_err()),
            "404",
            "the old community no longer reads it"
        );
    }
    care.record(&worker_b, rec.id).await.unwrap();
    let v = care.household(&worker_b, hh).await.unwrap();
    assert_eq!(v.case.map(|c| c.id), Some(case));
    care.case(&worker_b, case).await.unwrap();
    let listed = care
        .records(&worker_b, &RecordFilter::default())
        .await
        .unwrap();
    assert!(listed.iter().any(|r| r.id == rec.id));
    assert!(care
        .records(&worker, &RecordFilter::default())
        .await
        .unwrap()
        .iter()
        .all(|r| r.id != rec.id));
}
