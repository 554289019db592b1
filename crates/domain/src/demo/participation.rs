//! Deterministic pieces of the demo's votes: which units cast a ballot and what they chose, from
//! a hash of the seed and the unit (no shared RNG), so the same seed gives the same ballots.

pub mod councils;

use super::rounds::mix;

/// The 向阳街 parking vote in 东北村社区 (issue 11, domain.md §8): after twelve rounds of
/// deliberation, owners voted to remove their own parking locks and mark 68 spaces.
pub const XIANGYANG_QUESTION: &str =
    "向阳街停车治理：拆除私装地锁，统一施划68个停车位，富余车位对外出租、租金纳入共享基金";
pub const XIANGYANG_OPTIONS: [&str; 3] = ["同意", "不同意", "弃权"];
/// An open vote the demo resident can still cast.
pub const CHARGING_QUESTION: &str = "是否在小区内增设电动自行车集中充电棚？";
pub const CHARGING_OPTIONS: [&str; 2] = ["同意", "不同意"];

/// The demo's proposals in 东北村社区: (title, text, days ago it was filed, supports, the
/// community's answer: `take_up`/`decline` with its note, or none yet).
pub const PROPOSALS: &[(&str, &str, i64, usize, Option<(&str, &str)>)] = &[
    (
        "向阳街私装地锁占道，停车越来越难",
        "向阳街两侧不少车位被业主私装地锁，晚上回来找不到地方停车，消防通道也常被占。建议社区牵头商量个办法。",
        200,
        46,
        Some(("take_up", "列入民主议事会议题：业主、物业、交警、城管共同协商，形成方案后交全体住户表决")),
    ),
    (
        "小区增设电动自行车集中充电棚",
        "楼道里飞线充电太危险，建议在小区空地建集中充电棚，按次扫码收费。",
        12,
        38,
        None,
    ),
    (
        "单元楼道加装扶手",
        "老楼没有电梯，老人上下楼吃力，建议在楼道加装扶手。",
        6,
        4,
        None,
    ),
    (
        "广场舞音乐太吵，建议调整时间",
        "晚上九点以后广场舞音乐还很大声，影响孩子学习和老人休息。",
        60,
        24,
        Some(("decline", "已与广场舞队协商：活动调整到19:00—20:30、音量限定，不再另立议题；如仍有扰民请随时反映")),
    ),
];

/// The ballots of the units of a vote: about `turnout_pct` % of them vote; of those, about
/// `shares[i]` % choose option `i` (the rest the last option). `skip` never votes (the demo
/// resident's own unit, left for them).
pub fn ballots(
    seed: u64,
    vote: u64,
    units: &[i64],
    turnout_pct: u64,
    shares: &[u64],
    skip: Option<i64>,
) -> Vec<(i64, usize)> {
    let mut out = Vec::with_capacity(units.len());
    for &u in units {
        if Some(u) == skip {
            continue;
        }
        let h = mix(seed ^ mix(vote.wrapping_mul(0x9E37) ^ u as u64));
        if h % 100 >= turnout_pct {
            continue;
        }
        let mut pick = (h >> 16) % 100;
        let mut option = shares.len();
        for (i, s) in shares.iter().enumerate() {
            if pick < *s {
                option = i;
                break;
            }
            pick -= s;
        }
        out.push((u, option));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_the_turnout_asked_one_per_unit_and_the_same_each_time() {
        let units: Vec<i64> = (1..=2000).collect();
        let b = ballots(7, 1, &units, 78, &[82, 12], Some(5));
        assert_eq!(b, ballots(7, 1, &units, 78, &[82, 12], Some(5)));
        assert!((1450..1680).contains(&b.len()), "{}", b.len());
        assert!(b.iter().all(|(u, o)| *u != 5 && *o <= 2));
        let yes = b.iter().filter(|(_, o)| *o == 0).count();
        assert!(yes * 100 / b.len() > 75, "{yes}");
        let mut seen: Vec<i64> = b.iter().map(|(u, _)| *u).collect();
        seen.dedup();
        assert_eq!(seen.len(), b.len());
    }
}
