//! The demo's employment help (issue 13 §3): Weihai reports 2,396 people helped into work in a
//! year (about 1,650 for the demo city's size). In every community six adult residents are
//! registered as looking for work; two firms of the community (from the merchants' list, or a
//! shop and a workshop added to it) each post a position of the kind most of them want; the
//! seekers are referred, and most referrals end in an interview and a placement (never past the
//! openings) — all through the app, as a worker would.

use crate::jobs::PositionInput;
use crate::participation::councils::NewMerchantInput;
use crate::App;
use crate::AppResult;
use jingzhi_domain::jobs::Work;
use jingzhi_domain::participation::councils::LicenceNumber;
use jingzhi_domain::registry::NodeKind;
use jingzhi_store::registry as sr;

fn mix(seed: u64, a: i64, b: i64) -> u64 {
    let mut z = seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(31);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A demo firm's licence number (an enterprise's code, 91…; the councils' demo uses 92…).
fn firm_licence(community: i64, i: usize) -> LicenceNumber {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut tail = String::new();
    let mut x = community as u64 * 4 + i as u64;
    for _ in 0..6 {
        tail.push(CHARS[(x % 31) as usize] as char);
        x /= 31;
    }
    LicenceNumber::complete(&format!("91371002MA7{tail}")).expect("code characters")
}

const TITLES: &[(Work, &str)] = &[
    (Work::Fishery, "海产品分拣工"),
    (Work::Cleaning, "商场保洁员"),
    (Work::Catering, "后厨帮工"),
    (Work::Retail, "超市理货员"),
    (Work::Delivery, "快递分拣员"),
    (Work::Care, "养老护理员"),
];

pub async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let sys = app.system_actor().await?;
    let scope = sys.scope();
    let mut conn = app.store.acquire().await?;
    let communities = sr::nodes_under(
        &mut conn,
        &scope,
        &scope.path,
        &[NodeKind::Community],
        100_000,
    )
    .await?;
    let year = jingzhi_domain::time_fmt::today().year();
    let born_before = format!("{}-01-01", year - 20);
    let j = app.jobs();
    for c in &communities {
        let cs = jingzhi_store::Scope::new(c.id, c.path.clone());
        let working_age = sr::adults_of(&mut conn, &c.path, &born_before, 600).await?;
        let mut firms = jingzhi_store::jobs::firms(&mut conn, &cs, 2).await?;
        if firms.len() < 2 {
            // Every community has a shop and a workshop that hire (on the merchants' list).
            let buildings =
                sr::nodes_under(&mut conn, &cs, &c.path, &[NodeKind::Building], 2).await?;
            drop(conn);
            let short = c.name.trim_end_matches("社区");
            for (i, b) in buildings.iter().enumerate().skip(firms.len()) {
                let m = app
                    .participation()
                    .create_merchant(
                        &sys,
                        &NewMerchantInput {
                            building_id: b.id,
                            name: format!("{short}{}", ["便民超市", "海产品加工厂"][i % 2]),
                            licence_number: firm_licence(c.id, i).as_str().into(),
                            contact_phone: None,
                            association_id: None,
                        },
                    )
                    .await?;
                firms.push((m.id, m.name));
            }
            conn = app.store.acquire().await?;
        }
        let r = mix(seed, c.id, 0);
        let (work, title) = TITLES[(r % TITLES.len() as u64) as usize];
        let mut seekers = Vec::new();
        for k in 0..6u64 {
            if working_age.is_empty() {
                break;
            }
            let a =
                &working_age[((r >> 8).wrapping_add(k * 97) % working_age.len() as u64) as usize];
            let want = if k < 4 {
                work
            } else {
                Work::ALL[((r >> (16 + k)) % 10) as usize]
            };
            drop(conn);
            let s = j.register(&sys, a.id, want.as_str(), "").await;
            conn = app.store.acquire().await?;
            if let Ok(s) = s {
                seekers.push(s);
            }
        }
        drop(conn);
        for (i, (firm, _)) in firms.iter().enumerate() {
            let p = j
                .post(
                    &sys,
                    &PositionInput {
                        merchant_id: *firm,
                        title: title.into(),
                        work: work.as_str().into(),
                        openings: 2 + i as i64,
                        wage_min: Some(3500 + 500 * i as i64),
                        wage_max: Some(5000 + 500 * i as i64),
                        requirements: "吃苦耐劳，能接受倒班".into(),
                    },
                )
                .await?;
            for s in seekers.iter().filter(|s| s.work == work) {
                let Ok(m) = j.refer(&sys, s.id, p.id, "").await else {
                    continue;
                };
                let x = mix(seed, s.id, p.id) % 10;
                if x < 8 {
                    j.outcome(&sys, m.id, "interview", "").await?;
                    // Full or placed elsewhere already: the referral stays at interview.
                    let _ = j
                        .outcome(&sys, m.id, if x < 6 { "placed" } else { "declined" }, "")
                        .await;
                }
            }
        }
        conn = app.store.acquire().await?;
    }
    Ok(())
}
