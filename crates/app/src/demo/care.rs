//! The demo's care records and a year of warnings (issue 13 §1–§2).
//!
//! - City-wide: a care record for every resident the register tags (elderly living alone,
//!   disabled, child in difficulty; low-income households once, on the head's record), each
//!   with what its kind holds and a plan, visited at the kind's default frequency; about one in
//!   ten visits is overdue. Low-income households have an income per head (after the allowance)
//!   around the default 低保 line, so some sit below 1.5× (yellow).
//! - 东北村社区: the grid worker is responsible for the first grid's records, and a year of the
//!   warning is replayed month by month: sudden events recorded on households (serious illness,
//!   job loss, a disaster, a death), the recompute colouring them, each case assessed, referred to
//!   a department and answered, help given, and closed when the warning lifted.
//! - Last, the whole city is recomputed now.

use crate::{Actor, App, AppResult};
use jingzhi_domain::care::{
    default_frequency, AgeBand, CareKind, Detail, DisabilityType, Guardianship,
};
use jingzhi_domain::registry::LowIncome;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::auth::user_by_username;
use jingzhi_store::care as sc;
use std::collections::HashMap;

const DAY: i64 = 24 * 3600 * 1000;

/// A deterministic number from a seed and an id (splitmix64).
fn mix(seed: u64, id: i64) -> u64 {
    let mut z = seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn age_band(birth: &str, now: i64) -> AgeBand {
    let year: i64 = birth.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1950);
    let now_year = 1970 + now / (365 * DAY + DAY / 4);
    match now_year - year {
        ..=69 => AgeBand::Young,
        70..=79 => AgeBand::Middle,
        80..=89 => AgeBand::Old,
        _ => AgeBand::Oldest,
    }
}

pub async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let sys = app.system_actor().await?;
    let now = now_ms();
    let mut conn = app.store.acquire().await?;
    let tagged = sc::tagged(&mut conn, &sys.user.scope_path).await?;
    let mut records = Vec::new();
    let mut incomes: HashMap<i64, i64> = HashMap::new();
    let mut low_done = std::collections::HashSet::new();
    for t in &tagged {
        let r = mix(seed, t.resident_id);
        let mut push = |kind: CareKind, detail: Detail| {
            let every = default_frequency(kind, &detail);
            // One in ten overdue by up to a month; the others visited within their frequency.
            let back = if r % 10 == 0 {
                every + (r >> 8) as i64 % 30
            } else {
                (r >> 8) as i64 % every
            };
            records.push(sc::BulkRecord {
                resident_id: t.resident_id,
                household_id: t.household_id,
                path: t.path.clone(),
                kind,
                detail,
                visit_every_days: every,
                opened_at: now - back * DAY,
            });
        };
        if t.elderly_alone {
            push(
                CareKind::Elderly,
                Detail {
                    age_band: Some(age_band(&t.birth_date, now)),
                    living_alone: true,
                    care_needs: ["行动不便", "慢性病需定期服药", "生活基本自理", "需助餐"]
                        [(r % 4) as usize]
                        .into(),
                    home_care: ["助餐", "助洁", "日间照料", ""][((r >> 4) % 4) as usize].into(),
                    plan: "每周上门探视，检查水电燃气安全，协助就医取药。".into(),
                    ..Default::default()
                },
            );
        }
        if let Some(g) = t.disability_grade {
            push(
                CareKind::Disabled,
                Detail {
                    disability_type: Some(DisabilityType::ALL[(r % 7) as usize]),
                    disability_grade: Some(g),
                    plan: "落实残疾人两项补贴，协调康复服务和辅具适配。".into(),
                    ..Default::default()
                },
            );
        }
        if t.child_in_difficulty {
            push(
                CareKind::Child,
                Detail {
                    guardianship: Some(
                        [
                            Guardianship::Adequate,
                            Guardianship::Weak,
                            Guardianship::Adequate,
                            Guardianship::Absent,
                        ][(r % 4) as usize],
                    ),
                    assessment: "入户了解监护、就学和健康情况。".into(),
                    plan: "儿童主任每半月联系一次，协调学校和妇联关爱。".into(),
                    ..Default::default()
                },
            );
        }
        if let Some(li) = t.low_income.as_deref().and_then(LowIncome::parse) {
            if low_done.insert(t.household_id) {
                push(
                    CareKind::LowIncome,
                    Detail {
                        low_income: Some(li),
                        plan: "按月核查收入和支出变化，落实救助政策。".into(),
                        ..Default::default()
                    },
                );
                let (lo, span) = match li {
                    LowIncome::Dibao | LowIncome::Tekun => (1200, 900),
                    LowIncome::DibaoEdge => (1300, 800),
                    LowIncome::RigidExpense => (1400, 1000),
                    LowIncome::PovertyWatch => (1450, 1200),
                };
                incomes.insert(t.household_id, lo + ((r >> 12) % span) as i64);
            }
        }
    }
    let mut tx = app.store.begin().await?;
    sc::insert_bulk(
        &mut tx,
        &app.store.cipher,
        &records,
        &incomes,
        "演示数据",
        now,
    )
    .await?;
    jingzhi_store::commit(tx).await?;
    drop(conn);
    tracing::info!(records = records.len(), "care records");

    showcase(app, seed, now).await?;
    app.care()
        .recompute_at(&sys, &sys.user.scope_path, now)
        .await?;
    Ok(())
}

/// A year of the warning in 东北村社区, month by month.
async fn showcase(app: &App, seed: u64, now: i64) -> AppResult<()> {
    let (worker, grid) = {
        let mut conn = app.store.acquire().await?;
        let Some(worker) = user_by_username(&mut conn, "dongbeicun").await? else {
            return Ok(());
        };
        (
            Actor::new(worker),
            user_by_username(&mut conn, "dongbeicun.grid1").await?,
        )
    };
    let path = worker.user.scope_path.clone();
    let cipher = &app.store.cipher;
    let mut tx = app.store.begin().await?;
    if let Some(g) = &grid {
        sc::assign_worker(&mut tx, &g.scope_path, g.id).await?;
    }
    let department = jingzhi_store::departments::list(&mut tx, &worker.scope(), None, true)
        .await?
        .into_iter()
        .find(|d| d.name.contains("民政"))
        .map(|d| (d.code, d.name));
    let households = sc::watched(&mut tx, cipher, &path, None, None, None).await?;
    let ids: Vec<i64> = households.iter().map(|h| h.household_id).collect();
    let paths = sc::paths_of(&mut tx, &ids).await?;
    jingzhi_store::commit(tx).await?;
    if households.is_empty() {
        return Ok(());
    }
    let care = app.care();
    let start = now - 360 * DAY;
    let hardships = [
        (
            jingzhi_domain::care::Hardship::SeriousIllness,
            "户主确诊重大疾病，住院治疗",
        ),
        (
            jingzhi_domain::care::Hardship::JobLoss,
            "家中主要劳动力失业",
        ),
        (
            jingzhi_domain::care::Hardship::Disaster,
            "暴雨致房屋漏水受损",
        ),
        (jingzhi_domain::care::Hardship::Death, "家庭成员去世"),
        (jingzhi_domain::care::Hardship::Accident, "家庭成员意外受伤"),
    ];
    for month in 0..12i64 {
        let t = start + month * 30 * DAY;
        let mut tx = app.store.begin().await?;
        for k in 0..2u64 {
            let i = (mix(seed, month * 7 + k as i64) % households.len() as u64) as usize;
            let h = &households[i];
            let (kind, note) = hardships[((month as u64 + k) % 5) as usize];
            sc::insert_hardship(
                &mut tx,
                cipher,
                h.household_id,
                &paths[&h.household_id],
                kind,
                note,
                t - 2 * DAY,
                "东北村网格员",
                t - DAY,
            )
            .await?;
        }
        jingzhi_store::commit(tx).await?;
        let r = care.recompute_at(&worker, &path, t).await?;
        let mut tx = app.store.begin().await?;
        for ch in &r.changes {
            let Some(case_id) = sc::case_of(&mut tx, ch.household_id).await? else {
                continue;
            };
            match ch.colour {
                Some(_) if ch.previous.is_none() => {
                    let by = worker.name();
                    let text = "入户核实家庭收入、支出和成员状况，纳入动态监测。";
                    sc::assess(&mut tx, cipher, case_id, text, by, t + 6 * 3600 * 1000).await?;
                    sc::add_step(
                        &mut tx,
                        cipher,
                        case_id,
                        "assessment",
                        text,
                        by,
                        t + 6 * 3600 * 1000,
                    )
                    .await?;
                    if ch.colour != Some(jingzhi_domain::care::Colour::Yellow) {
                        if let Some((code, _)) = &department {
                            let rid = sc::insert_referral(
                                &mut tx,
                                case_id,
                                &ch.path,
                                code,
                                "申请临时救助，核查低保资格",
                                t + 7 * DAY,
                                by,
                                t + 8 * 3600 * 1000,
                            )
                            .await?;
                            sc::answer_referral(
                                &mut tx,
                                rid,
                                "已审批临时救助金2000元，低保资格复核中",
                                "民政局工作人员",
                                t + 3 * DAY,
                            )
                            .await?;
                        }
                        sc::add_step(
                            &mut tx,
                            cipher,
                            case_id,
                            "help",
                            "发放临时救助金2000元，链接慈善资源送米面油",
                            by,
                            t + 4 * DAY,
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
        // Warnings that lifted this month: their cases closed.
        for ch in r.changes.iter().filter(|c| c.colour.is_none()) {
            if let Some(case_id) = sc::case_of(&mut tx, ch.household_id).await? {
                sc::close_case(
                    &mut tx,
                    cipher,
                    case_id,
                    "家庭生活恢复稳定，风险解除，转入常态化关爱。",
                    worker.name(),
                    t + DAY,
                )
                .await?;
            }
        }
        jingzhi_store::commit(tx).await?;
    }
    Ok(())
}
