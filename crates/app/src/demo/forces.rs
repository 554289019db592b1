//! The demo's register of people who can be mobilised (issue 13 §4): in every community its
//! police officer, a family doctor of the health centre, the community's legal adviser (一村（居）
//! 一法律顾问), a property manager per grid, and, from the resident register, party members and
//! volunteers with skills and availability — each serving their own grid. Written through the
//! app (sealed phones, audit) in one pass per community.

use crate::forces::MemberInput;
use crate::App;
use crate::AppResult;
use jingzhi_domain::forces::{Availability, Skill};
use jingzhi_domain::registry::{NodeKind, ResidentFilter, Tag};
use jingzhi_store::registry as sr;

fn mix(seed: u64, a: i64, b: i64) -> u64 {
    let mut z = seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "于", "丛", "林", "曲", "姜", "孙", "宋", "谷",
];
const GIVEN: &[&str] = &[
    "建国", "丽华", "志强", "海燕", "明", "静", "军", "晓东", "红梅", "涛",
];

fn name(r: u64) -> String {
    format!(
        "{}{}",
        SURNAMES[(r % SURNAMES.len() as u64) as usize],
        GIVEN[((r >> 8) % GIVEN.len() as u64) as usize]
    )
}

/// Skills a party member or volunteer offers (two or three).
fn skills(r: u64) -> Vec<String> {
    let common = [
        Skill::Patrol,
        Skill::Publicity,
        Skill::Caregiving,
        Skill::Driving,
        Skill::FirstAid,
        Skill::Electrical,
        Skill::Plumbing,
        Skill::Psychology,
        Skill::Rescue,
    ];
    (0..2 + r % 2)
        .map(|k| {
            common[((r >> (8 * k)) % common.len() as u64) as usize]
                .as_str()
                .to_string()
        })
        .collect()
}

fn availability(r: u64) -> String {
    Availability::ALL[((r >> 20) % Availability::ALL.len() as u64) as usize]
        .as_str()
        .to_string()
}

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
    let f = app.forces();
    let mut phone_seq: u64 = 0;
    let mut phone = || {
        phone_seq += 1;
        format!("139{:08}", 6_310_000 + phone_seq)
    };
    for c in &communities {
        let cs = jingzhi_store::Scope::new(c.id, c.path.clone());
        let grids = sr::nodes_under(&mut conn, &cs, &c.path, &[NodeKind::Grid], 100).await?;
        let mut people: Vec<MemberInput> = Vec::new();
        let r = mix(seed, c.id, 0);
        people.push(MemberInput {
            node_id: c.id,
            kind: "police".into(),
            name: name(r),
            organisation: format!("{}警务室", c.name),
            skills: vec![Skill::Patrol.as_str().into(), Skill::Rescue.as_str().into()],
            availability: Availability::Anytime.as_str().into(),
            phone: phone(),
            ..Default::default()
        });
        people.push(MemberInput {
            node_id: c.id,
            kind: "doctor".into(),
            name: name(r >> 4),
            organisation: format!("{}社区卫生服务站", c.name.trim_end_matches("社区")),
            skills: vec![
                Skill::Medical.as_str().into(),
                Skill::FirstAid.as_str().into(),
            ],
            availability: Availability::Weekdays.as_str().into(),
            phone: phone(),
            ..Default::default()
        });
        people.push(MemberInput {
            node_id: c.id,
            kind: "lawyer".into(),
            name: name(r >> 12),
            organisation: "山东威海律师事务所".into(),
            skills: vec![Skill::Legal.as_str().into()],
            availability: Availability::Weekdays.as_str().into(),
            note: "一村（居）一法律顾问".into(),
            phone: phone(),
            ..Default::default()
        });
        for g in &grids {
            people.push(MemberInput {
                node_id: g.id,
                kind: "property_staff".into(),
                name: name(mix(seed, g.id, 1)),
                organisation: format!("{}物业服务中心", g.name),
                skills: vec![
                    Skill::Electrical.as_str().into(),
                    Skill::Plumbing.as_str().into(),
                ],
                availability: Availability::Anytime.as_str().into(),
                phone: phone(),
                ..Default::default()
            });
        }
        for (tag, kind, n) in [
            (Tag::PartyMember, "party_member", 6),
            (Tag::Volunteer, "volunteer", 8),
        ] {
            let filter = ResidentFilter {
                tag: Some(tag),
                ..Default::default()
            };
            let page = sr::list_residents(&mut conn, &app.store.cipher, &cs, &filter, 1, n).await?;
            for res in page.items {
                let grid = jingzhi_domain::scope::path_ids(&res.path)
                    .get(4)
                    .copied()
                    .unwrap_or(c.id);
                let r = mix(seed, res.id, 2);
                people.push(MemberInput {
                    node_id: grid,
                    kind: kind.into(),
                    resident_id: Some(res.id),
                    skills: skills(r),
                    availability: availability(r),
                    phone: phone(),
                    ..Default::default()
                });
            }
        }
        drop(conn);
        for p in &people {
            f.add(&sys, p).await?;
        }
        conn = app.store.acquire().await?;
    }
    Ok(())
}
