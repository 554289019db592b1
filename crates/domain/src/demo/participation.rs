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

/// The twelve rounds of the 向阳街 deliberation (domain.md §8): who put what, what changed since
/// the round before, what was still open. Written for the demo from the report's outline.
pub const XIANGYANG_ROUNDS: [(&[(&str, &str)], &str, &str); 12] = [
    (
        &[
            ("居民代表", "晚上回家找不到车位，消防通道被占，必须解决"),
            ("装地锁业主", "车位是自己先占的，拆锁没有保障"),
            ("物业", "地锁非物业安装，无权拆除"),
        ],
        "",
        "地锁数量与归属底数不清",
    ),
    (
        &[
            ("楼道管家", "已逐户摸排：向阳街两侧私装地锁43把"),
            ("社区", "先摸清车位总量，再谈分配"),
        ],
        "摸清地锁底数43把",
        "可施划车位总数",
    ),
    (
        &[
            ("交警", "道路宽度允许单侧施划，消防通道须留足4米"),
            ("城管执法", "私装地锁占用公共通道，依法可拆"),
        ],
        "明确了施划和拆除的依据",
        "按什么办法分配车位",
    ),
    (
        &[
            ("物业", "测绘后可划72个，扣除消防通道余68个"),
            ("居民代表", "车位不够分，先保障本小区住户"),
        ],
        "确定可施划68个车位",
        "68个车位给谁",
    ),
    (
        &[
            ("装地锁业主", "拆锁后希望优先保留原位置"),
            ("其他业主", "反对固定给个人，应统一管理"),
        ],
        "",
        "原装锁业主是否优先",
    ),
    (
        &[
            ("律师", "公共部位不能私设专属车位，可约定使用规则"),
            ("社区", "建议住户车辆备案、错时停放"),
        ],
        "否定了“固定给个人”的方案",
        "备案和错时停车的细则",
    ),
    (
        &[
            ("居民代表", "白天上班车辆少，可对周边单位开放"),
            ("物业", "开放后管理成本增加，需要收费"),
        ],
        "提出错时共享、对外出租的思路",
        "收费标准和收入去向",
    ),
    (
        &[
            ("社区", "富余车位出租收入进共享基金，用于补贴物业费"),
            ("装地锁业主", "若收入用于全体住户，同意自行拆锁"),
        ],
        "装锁业主态度松动",
        "出租车位数量",
    ),
    (
        &[
            ("物业", "住户备案车辆48辆，富余约20个"),
            ("居民代表", "20个对外出租，每个每年500元可以接受"),
        ],
        "确定富余20个车位、每年500元",
        "施工时间和费用",
    ),
    (
        &[
            ("物业", "施划费用由物业先行垫付，从租金中回收"),
            ("交警", "标线需按规范施划，可派员指导"),
        ],
        "施工费用有了来源",
        "拆锁时限",
    ),
    (
        &[
            ("装地锁业主", "同意两周内自行拆除地锁"),
            ("社区", "逾期未拆的由城管依法处理"),
        ],
        "43把地锁业主承诺自拆",
        "方案交全体住户表决",
    ),
    (
        &[
            (
                "社区",
                "形成方案：自拆地锁、统一施划68个车位、富余20个车位出租、租金进共享基金",
            ),
            ("居民代表", "同意提交全体住户表决"),
        ],
        "方案定稿",
        "",
    ),
];

/// The decision the 向阳街 vote carried, with its numbers.
pub const XIANGYANG_DECISION: (&str, &str) = (
    "拆除私装地锁，统一施划68个停车位，富余车位对外出租",
    "业主两周内自行拆除私装地锁43把；物业统一施划68个停车位并登记住户车辆；白天富余的20个车位错时对外出租，每个每年500元，租金纳入共享基金，用于补贴物业费。",
);

/// Other meetings of 东北村社区 over the year: (kind, title, venue, rounds, with a decision).
pub const MEETINGS: &[(&str, &str, &str, u32, bool)] = &[
    (
        "topic_gathering",
        "一季度居民议题征集会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "老旧小区雨污分流改造协商会",
        "社区议事厅",
        3,
        true,
    ),
    ("deliberation", "楼道堆物清理协商会", "3号楼楼道", 2, true),
    (
        "deliberation",
        "小区南门早市占道协商会",
        "社区议事厅",
        4,
        true,
    ),
    (
        "evaluation",
        "一季度民生实事评议会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "电动自行车充电难协商会",
        "社区议事厅",
        3,
        true,
    ),
    (
        "topic_gathering",
        "二季度居民议题征集会",
        "社区党群服务中心",
        1,
        false,
    ),
    ("deliberation", "高空抛物治理协商会", "社区议事厅", 2, true),
    (
        "deliberation",
        "小区绿地改健身场地协商会",
        "中心花园",
        3,
        true,
    ),
    (
        "deliberation",
        "宠物犬文明饲养公约协商会",
        "社区议事厅",
        2,
        true,
    ),
    (
        "evaluation",
        "二季度民生实事评议会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "老年助餐点选址协商会",
        "社区议事厅",
        3,
        true,
    ),
    ("deliberation", "快递柜进小区协商会", "社区议事厅", 2, true),
    (
        "topic_gathering",
        "三季度居民议题征集会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "屋面防水维修资金分摊协商会",
        "7号楼会议室",
        4,
        true,
    ),
    (
        "deliberation",
        "背街小巷路灯补装协商会",
        "社区议事厅",
        2,
        true,
    ),
    (
        "deliberation",
        "外卖骑手停车点设置协商会",
        "社区议事厅",
        2,
        true,
    ),
    (
        "evaluation",
        "三季度民生实事评议会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "垃圾分类投放点调整协商会",
        "社区议事厅",
        3,
        true,
    ),
    (
        "deliberation",
        "四点半课堂开设协商会",
        "社区党群服务中心",
        2,
        true,
    ),
    ("deliberation", "商户门前三包公约协商会", "商业街", 2, true),
    (
        "topic_gathering",
        "四季度居民议题征集会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "冬季供暖不热问题协商会",
        "社区议事厅",
        3,
        true,
    ),
    ("deliberation", "小区监控补盲协商会", "社区议事厅", 2, true),
    ("deliberation", "楼道扶手加装协商会", "5号楼楼道", 2, true),
    (
        "deliberation",
        "地下室积水治理协商会",
        "社区议事厅",
        3,
        true,
    ),
    (
        "evaluation",
        "四季度民生实事评议会",
        "社区党群服务中心",
        1,
        false,
    ),
    (
        "deliberation",
        "共享基金年度使用协商会",
        "社区议事厅",
        2,
        true,
    ),
    (
        "deliberation",
        "春节平安志愿值守协商会",
        "社区党群服务中心",
        1,
        true,
    ),
    (
        "topic_gathering",
        "新年度居民议题征集会",
        "社区党群服务中心",
        1,
        false,
    ),
];

/// Topics of residents' small proposals across the city (title, text), written for the demo.
pub const CITY_TOPICS: &[(&str, &str)] = &[
    (
        "楼道加装扶手",
        "老楼没有电梯，老人上下楼吃力，建议在楼道加装扶手。",
    ),
    (
        "小区增设休息座椅",
        "小区里老人多，散步走累了没处坐，建议在花园边增设座椅。",
    ),
    ("电动车集中充电桩", "楼道飞线充电危险，建议建设集中充电桩。"),
    (
        "垃圾分类投放点调整",
        "现在的投放点离单元门太近，夏天味道大，建议挪到路口。",
    ),
    (
        "增设快递柜",
        "快递堆在门卫室，容易丢，建议在小区内增设智能快递柜。",
    ),
    ("路灯补装", "后排楼之间的小路晚上太黑，建议补装路灯。"),
    (
        "儿童游乐设施维修",
        "滑梯和秋千年久失修，存在安全隐患，建议维修更换。",
    ),
    ("单元门禁维修", "单元门禁经常坏，陌生人随意进出，建议维修。"),
    (
        "增设非机动车停放区",
        "电动车乱停挡住出入口和盲道，建议划定停放区。",
    ),
    (
        "老年食堂增加早餐",
        "社区老年食堂只有午餐，建议增加早餐供应。",
    ),
    ("绿地改建健身场地", "闲置绿地杂草多，建议改建成健身场地。"),
    ("地下室积水治理", "雨后地下室积水，建议排查排水管道。"),
    (
        "宠物文明饲养公约",
        "小区遛狗不牵绳、粪便不清理，建议制定文明饲养公约。",
    ),
    (
        "四点半课堂",
        "双职工家庭孩子放学没人管，建议社区开设四点半课堂。",
    ),
    ("楼顶防水维修", "顶层住户屋面漏水，建议用维修资金统一维修。"),
    (
        "早市占道管理",
        "早市摊位占满人行道，建议划定摊位、限定时间。",
    ),
];

const DECLINE_NOTES: &[&str] = &[
    "经核实已纳入街道年度改造计划，不再单独立项，进展将在居务公开栏公示",
    "涉及全体业主共有部分，需按规定由业主大会决定，社区将协助召开",
    "场地条件不具备，已与物业协商替代办法并答复提案人",
];

const TAKE_UP_NOTES: &[&str] = &[
    "列入本月民主议事会议题",
    "列入议题，邀请物业和相关部门共同协商",
    "列入议题，先由楼道管家入户征求意见",
];

/// One of the demo's proposals across the city, as its row and history will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoProposal {
    pub title: &'static str,
    pub body: &'static str,
    pub author: i64,
    pub filed_at: i64,
    pub supporters: Vec<i64>,
    /// `collecting`, `awaiting_answer`, `taken_up`, `declined` or `withdrawn`.
    pub phase: &'static str,
    /// When the supports reached the threshold.
    pub reached_at: Option<i64>,
    /// The community's answer and when.
    pub answer: Option<(&'static str, i64)>,
}

/// A year of proposals of one community (issue 11 §7's "a year of proposals across the city at
/// plausible rates"): about one per 150 households a year (at least four), filed through the
/// year; supports drawn around the threshold `needed` from the community's `residents`;
/// answered within the 15 days past the threshold mostly, a few still awaiting (some late).
/// Deterministic in `seed` and `community`.
pub fn year_of_proposals(
    seed: u64,
    community: i64,
    households: u64,
    needed: u64,
    residents: &[i64],
    now: i64,
) -> Vec<DemoProposal> {
    const DAY: i64 = 24 * 3600 * 1000;
    if residents.len() < 2 {
        return vec![];
    }
    let h = |k: u64| mix(seed ^ mix((community as u64).wrapping_mul(0x51_7C_C1) ^ k));
    let n = (households / 150).max(4) as u64;
    let mut out = vec![];
    for i in 0..n {
        let r = h(i * 7 + 1);
        let (title, body) = CITY_TOPICS[(r % CITY_TOPICS.len() as u64) as usize];
        let days_ago = 2 + (h(i * 7 + 2) % 360) as i64;
        let filed_at = now - days_ago * DAY;
        let author = residents[(h(i * 7 + 3) % residents.len() as u64) as usize];
        // 40 % reach the threshold; the rest gather some support.
        let reaches = h(i * 7 + 4) % 100 < 40;
        let want = if reaches {
            needed + h(i * 7 + 5) % (needed / 2 + 1)
        } else {
            h(i * 7 + 5) % needed.max(1)
        };
        let start = (h(i * 7 + 6) % residents.len() as u64) as usize;
        let supporters: Vec<i64> = residents
            .iter()
            .cycle()
            .skip(start)
            .take(residents.len())
            .filter(|x| **x != author)
            .take(want as usize)
            .copied()
            .collect();
        let reached = supporters.len() as u64 >= needed;
        let reached_at = reached.then(|| filed_at + (1 + (h(i * 7 + 7) % 10) as i64) * DAY);
        let (phase, answer) = match reached_at {
            Some(at) if at + 15 * DAY < now => {
                let pick = h(i * 7 + 8) % 100;
                let answered = at + (1 + (h(i * 7 + 9) % 14) as i64) * DAY;
                if pick < 8 {
                    ("awaiting_answer", None) // late: escalated by the job
                } else if pick < 72 {
                    let note = TAKE_UP_NOTES[(pick % TAKE_UP_NOTES.len() as u64) as usize];
                    ("taken_up", Some((note, answered)))
                } else {
                    let note = DECLINE_NOTES[(pick % DECLINE_NOTES.len() as u64) as usize];
                    ("declined", Some((note, answered)))
                }
            }
            Some(_) => ("awaiting_answer", None),
            None if days_ago > 90 && h(i * 7 + 10) % 100 < 10 => ("withdrawn", None),
            None => ("collecting", None),
        };
        out.push(DemoProposal {
            title,
            body,
            author,
            filed_at,
            supporters,
            phase,
            reached_at,
            answer,
        });
    }
    out
}

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
    fn a_year_of_proposals_at_a_plausible_rate() {
        const NOW: i64 = 1_800_000_000_000;
        let residents: Vec<i64> = (1..=5000).collect();
        let a = year_of_proposals(7, 42, 2330, 24, &residents, NOW);
        assert_eq!(a, year_of_proposals(7, 42, 2330, 24, &residents, NOW));
        assert_eq!(a.len(), 15);
        for p in &a {
            assert!(!p.supporters.contains(&p.author));
            assert!(p.filed_at < NOW);
            let reached = p.supporters.len() as u64 >= 24;
            assert_eq!(reached, p.reached_at.is_some());
            assert!(matches!(
                (p.phase, reached),
                ("collecting" | "withdrawn", false)
                    | ("awaiting_answer" | "taken_up" | "declined", true)
            ));
            assert_eq!(
                p.answer.is_some(),
                matches!(p.phase, "taken_up" | "declined")
            );
        }
        assert!(year_of_proposals(7, 42, 10, 10, &[1], NOW).is_empty());
    }

    #[test]
    fn thirty_two_meetings_with_the_xiangyang_case() {
        // The 向阳街 deliberation and its evaluation, and thirty more: the report's 32.
        assert_eq!(MEETINGS.len() + 2, 32);
        assert!(XIANGYANG_ROUNDS.iter().all(|r| !r.0.is_empty()));
        assert!(XIANGYANG_DECISION.1.contains("68个停车位"));
    }

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
