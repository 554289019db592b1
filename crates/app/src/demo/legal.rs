//! The demo's legal-aid cases (issue 13 §3): Weihai reports about 50,000 a year for some 2.9
//! million people; the demo city records about one for every 25 households over the last year,
//! with the community's lawyer from the register of people who can be mobilised. Those opened in
//! the last two months are partly still open; the rest are closed, mostly advised or mediated,
//! some granted legal aid. Loaded in bulk (sealed, without steps) — the pages' own path writes
//! steps.

use crate::App;
use crate::AppResult;
use jingzhi_domain::legal::{Channel, Matter, Outcome, State};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::legal::{self as sl, BulkCase};
use jingzhi_store::registry as sr;

const DAY: i64 = 24 * 3600 * 1000;

fn mix(seed: u64, a: i64, b: i64) -> u64 {
    let mut z = seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(23);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// (matter, weight in 100, what the resident said)
const MATTERS: &[(Matter, u64, &str)] = &[
    (Matter::Wages, 18, "反映被拖欠工资，希望协助追讨"),
    (Matter::Labour, 10, "被单位辞退未签劳动合同，咨询补偿"),
    (
        Matter::Family,
        16,
        "婚姻家庭矛盾，咨询离婚财产分割与子女抚养",
    ),
    (Matter::Inheritance, 9, "父母房产继承及赡养分歧"),
    (Matter::Neighbour, 14, "楼上漏水、噪音引发邻里纠纷"),
    (Matter::Property, 10, "与物业公司就收费和维修产生争议"),
    (Matter::Debt, 11, "亲友借款到期未还，咨询如何起诉"),
    (Matter::Injury, 5, "交通事故受伤，咨询赔偿"),
    (Matter::Consumer, 5, "预付卡商家跑路，咨询维权"),
    (Matter::Other, 2, "其他法律咨询"),
];

fn matter(r: u64) -> (Matter, &'static str) {
    let mut x = r % 100;
    for (m, w, s) in MATTERS {
        if x < *w {
            return (*m, s);
        }
        x -= w;
    }
    (Matter::Other, "其他法律咨询")
}

fn outcome(r: u64) -> Outcome {
    match r % 100 {
        0..=54 => Outcome::Advised,
        55..=79 => Outcome::Mediated,
        80..=89 => Outcome::AidGranted,
        90..=93 => Outcome::Litigation,
        94..=97 => Outcome::Withdrawn,
        _ => Outcome::Unresolved,
    }
}

pub async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let sys = app.system_actor().await?;
    let scope = sys.scope();
    let now = now_ms();
    let mut tx = app.store.begin().await?;
    let communities = sr::nodes_under(
        &mut tx,
        &scope,
        &scope.path,
        &[NodeKind::Community],
        100_000,
    )
    .await?;
    let born_before = format!("{}-01-01", jingzhi_domain::time_fmt::today().year() - 18);
    let mut rows = Vec::new();
    for c in &communities {
        let cs = jingzhi_store::Scope::new(c.id, c.path.clone());
        let stats = sr::stats(&mut tx, &cs, c.id).await?;
        let n = stats.households / 25;
        if n == 0 {
            continue;
        }
        let adults = sr::adults_of(&mut tx, &c.path, &born_before, 2000).await?;
        if adults.is_empty() {
            continue;
        }
        let lawyer = sl::lawyers(&mut tx, &cs, 1).await?.into_iter().next();
        for k in 0..n {
            let r = mix(seed, c.id, k);
            let a = &adults[(r % adults.len() as u64) as usize];
            let (m, said) = matter(r >> 8);
            let opened = now - ((r >> 16) % 365) as i64 * DAY - ((r >> 32) % 10) as i64 * 3600_000;
            let recent = now - opened < 60 * DAY;
            let (state, out, closed) = if recent && (r >> 40) % 3 == 0 {
                let st = [State::Open, State::Mediating, State::Referred][((r >> 44) % 3) as usize];
                (st, None, None)
            } else {
                let days = 1 + ((r >> 48) % 40) as i64;
                (
                    State::Closed,
                    Some(outcome(r >> 52)),
                    Some((opened + days * DAY).min(now)),
                )
            };
            rows.push(BulkCase {
                resident_id: a.id,
                household_id: a.household_id,
                path: a.path.clone(),
                matter: m,
                channel: Channel::ALL[((r >> 56) % Channel::ALL.len() as u64) as usize],
                lawyer: lawyer.as_ref().map(|l| (l.0, l.1.clone())),
                summary_cipher: app.store.cipher.seal(said),
                state,
                outcome: out,
                opened_at: opened,
                closed_at: closed,
            });
        }
    }
    sl::insert_bulk(&mut tx, &rows, "社区法律顾问").await?;
    jingzhi_store::commit(tx).await?;
    Ok(())
}
