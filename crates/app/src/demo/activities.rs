//! The demo's community activities (issue 13 §3): every community held about two a month over
//! the last half year (a few called off), each with sign-ups from its adult residents and about
//! four in five of them attending, and has three coming up in the next fortnight with places
//! partly taken. In 东北村 the demo resident (`dongbeicun.resident`) is signed up for the first
//! of them through the real path, so their phone shows it.

use crate::{Actor, App, AppResult};
use jingzhi_domain::activities::Category;
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::activities::{self as sa, BulkSignup};

const DAY: i64 = 24 * 3600 * 1000;
const HOUR: i64 = 3600 * 1000;

/// A deterministic number from a seed and two ids (splitmix64).
fn mix(seed: u64, a: i64, b: i64) -> u64 {
    let mut z = seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// (category, title, venue, places; 0 = no limit)
const KINDS: &[(Category, &str, &str, i64)] = &[
    (Category::Reading, "亲子读书会", "社区书屋", 20),
    (Category::Sport, "健步走", "社区广场", 0),
    (Category::Course, "智能手机课堂", "党群服务中心", 15),
    (Category::Health, "义诊进社区", "党群服务中心", 0),
    (Category::Culture, "书法交流", "活动室", 20),
    (Category::Course, "防诈骗讲座", "党群服务中心", 40),
    (Category::Volunteer, "海滩清洁", "国际海水浴场", 30),
    (Category::Sport, "乒乓球友谊赛", "活动室", 16),
    (Category::Festival, "邻里节", "社区广场", 0),
    (Category::Culture, "戏曲欣赏", "活动室", 30),
    (Category::Health, "中医养生讲座", "党群服务中心", 40),
    (Category::Reading, "红色经典诵读", "社区书屋", 25),
];

pub async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let sys = app.system_actor().await?;
    let now = now_ms();
    let today = now - now.rem_euclid(DAY);
    let mut tx = app.store.begin().await?;
    let scope = sys.scope();
    let communities = jingzhi_store::registry::nodes_under(
        &mut tx,
        &scope,
        &scope.path,
        &[NodeKind::Community],
        100_000,
    )
    .await?;
    let born_before = format!("{}-01-01", jingzhi_domain::time_fmt::today().year() - 18);
    let mut signups = Vec::new();
    for c in &communities {
        let adults =
            jingzhi_store::registry::adults_of(&mut tx, &c.path, &born_before, 400).await?;
        if adults.is_empty() {
            continue;
        }
        // Twelve held over the last half year, three coming up.
        for k in 0..15i64 {
            let r = mix(seed, c.id, k);
            let (cat, title, venue, places) = KINDS[(r % KINDS.len() as u64) as usize];
            let day = if k < 12 {
                today - (k * 15 + 3 + (r >> 8) as i64 % 10) * DAY
            } else {
                today + ((k - 11) * 4 + (r >> 8) as i64 % 3) * DAY
            };
            let start = day + (9 + (r >> 12) as i64 % 8) * HOUR - 8 * HOUR;
            let created = start - (7 + (r >> 16) as i64 % 7) * DAY;
            let id = sa::insert(
                &mut tx,
                &sa::NewActivity {
                    node_id: c.id,
                    path: &c.path,
                    category: cat,
                    title,
                    description: "",
                    venue,
                    starts_at: start,
                    ends_at: start + 2 * HOUR,
                    capacity: (places > 0).then_some(places),
                    organiser_id: None,
                    organiser_name: &format!("{}居委会", c.name),
                    now: created,
                },
            )
            .await?;
            if k < 12 && r % 33 == 0 {
                sa::cancel(&mut tx, id, "天气原因，改期举办", start - DAY).await?;
                continue;
            }
            let want = match places {
                0 => 12 + (r >> 20) as i64 % 30,
                p if k < 12 => p - (r >> 20) as i64 % (p / 3 + 1),
                p => (r >> 20) as i64 % (p * 2 / 3 + 1),
            };
            let mut taken = std::collections::HashSet::new();
            for j in 0..want {
                let pick = (mix(seed, id, j) % adults.len() as u64) as usize;
                if !taken.insert(pick) {
                    continue;
                }
                let a = &adults[pick];
                signups.push(BulkSignup {
                    activity_id: id,
                    resident_id: a.id,
                    name: a.name.clone(),
                    path: a.path.clone(),
                    signed_at: created + (1 + j % 5) * DAY,
                    attended: k < 12 && mix(seed, a.id, id) % 100 < 82,
                });
            }
        }
    }
    sa::insert_signups(&mut tx, &signups).await?;
    sa::recount(&mut tx, &scope.path).await?;
    jingzhi_store::commit(tx).await?;

    // The demo resident signs up for 东北村's first activity to come through the real path.
    let mut conn = app.store.acquire().await?;
    let Some(user) =
        jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun.resident").await?
    else {
        return Ok(());
    };
    drop(conn);
    let resident = Actor::new(user);
    let a = app.activities();
    let (coming, mine) = a.list(&resident, false).await?;
    if mine.is_empty() {
        if let Some(first) = coming
            .iter()
            .find(|x| x.capacity.is_none_or(|c| x.signed < c))
        {
            a.sign_up(&resident, first.id).await?;
        }
    }
    Ok(())
}
