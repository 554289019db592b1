//! Stewards' rounds (小巷管家、网格员走访) and party members in the grid (双报到).
//!
//! - A **post** (岗位) is the set of buildings an alley steward or a grid worker looks after,
//!   inside one grid. A building belongs to at most one steward post and at most one grid-worker
//!   post at a time.
//! - A **visit** (民情日志) records a household visit: when, and what was found. Each **finding**
//!   has a kind (dispute, demand, hazard, proposal) and may become an event (source `round`).
//! - **Coverage**: a household is covered when it was visited in the last [`COVERAGE_DAYS`] days.
//! - **Grid service specialists** (网格服务专员): party members from departments, 1–2 per grid,
//!   each logging one service a month; a month without one is missed.

use crate::auth::Role;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The value of `events.source` for an event raised from a round's finding.
pub const EVENT_SOURCE: &str = "round";

/// The Chinese label of an event source (the values the platform writes today).
pub fn source_label_zh(source: &str) -> &str {
    match source {
        "round" => "走访发现",
        "resident" => "居民上报",
        "staff" => "工作人员上报",
        other => other,
    }
}

/// A household visited within this many days is covered.
pub const COVERAGE_DAYS: i64 = 30;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The first moment that still counts as covered: a visit at or after it covers the household.
pub fn coverage_cutoff(now_ms: i64) -> i64 {
    now_ms - COVERAGE_DAYS * DAY_MS
}

pub fn is_covered(last_visit_ms: Option<i64>, now_ms: i64) -> bool {
    last_visit_ms.is_some_and(|t| t >= coverage_cutoff(now_ms))
}

/// Longest text of a finding or a visit note, a service record (characters).
pub const MAX_TEXT: usize = 1000;
/// Most findings one visit may carry.
pub const MAX_FINDINGS: usize = 20;
/// How far back a visit may be logged (days): a log book, not an archive.
pub const MAX_BACKDATE_DAYS: i64 = 90;
/// Clock skew tolerated between a phone and the server (ms) before a time counts as future.
pub const FUTURE_SKEW_MS: i64 = 5 * 60 * 1000;

/// Whose post it is: an alley steward's or a grid worker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Steward,
    GridWorker,
}

impl PostKind {
    pub const ALL: [PostKind; 2] = [PostKind::Steward, PostKind::GridWorker];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Steward => "steward",
            PostKind::GridWorker => "grid_worker",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PostKind::Steward => "小巷管家",
            PostKind::GridWorker => "网格员",
        }
    }

    /// The post a role may hold: stewards and grid workers only.
    pub fn of_role(role: Role) -> Option<Self> {
        match role {
            Role::Steward => Some(PostKind::Steward),
            Role::GridWorker => Some(PostKind::GridWorker),
            _ => None,
        }
    }
}

/// What a visit found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// 矛盾纠纷
    Dispute,
    /// 居民诉求
    Demand,
    /// 安全隐患
    Hazard,
    /// 意见建议
    Proposal,
}

impl FindingKind {
    pub const ALL: [FindingKind; 4] = [
        FindingKind::Dispute,
        FindingKind::Demand,
        FindingKind::Hazard,
        FindingKind::Proposal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Dispute => "dispute",
            FindingKind::Demand => "demand",
            FindingKind::Hazard => "hazard",
            FindingKind::Proposal => "proposal",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    format!(
                        "未知的发现类型“{}”（应为矛盾纠纷、居民诉求、安全隐患或意见建议）",
                        s.trim()
                    ),
                )
            })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FindingKind::Dispute => "矛盾纠纷",
            FindingKind::Demand => "居民诉求",
            FindingKind::Hazard => "安全隐患",
            FindingKind::Proposal => "意见建议",
        }
    }

    /// The event category a finding of this kind most often becomes (the worker may pick another).
    pub fn default_category(self) -> &'static str {
        match self {
            FindingKind::Dispute => "neighbour_dispute",
            FindingKind::Demand => "other",
            FindingKind::Hazard => "fire_safety",
            FindingKind::Proposal => "other",
        }
    }
}

/// A text field: required or not, at most [`MAX_TEXT`] characters, no control characters.
pub fn check_text(
    field: &'static str,
    what: &str,
    s: &str,
    required: bool,
) -> Result<(), FieldError> {
    if required && s.trim().is_empty() {
        return Err(FieldError::new(field, format!("请填写{what}")));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(FieldError::new(
            field,
            format!("{what}不能超过{MAX_TEXT}字"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, format!("{what}含有不可见控制字符")));
    }
    Ok(())
}

/// When a visit may have happened: not in the future, not more than [`MAX_BACKDATE_DAYS`] ago.
pub fn check_visit_time(at_ms: i64, now_ms: i64) -> Result<(), FieldError> {
    if at_ms > now_ms + FUTURE_SKEW_MS {
        return Err(FieldError::new("visited_at", "走访时间不能晚于现在"));
    }
    if at_ms < now_ms - MAX_BACKDATE_DAYS * DAY_MS {
        return Err(FieldError::new(
            "visited_at",
            format!("只能补记{MAX_BACKDATE_DAYS}天内的走访"),
        ));
    }
    Ok(())
}

/// A finding as the worker wrote it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub text: String,
}

impl Finding {
    pub fn parse(kind: &str, text: &str) -> Result<Self, FieldError> {
        let kind = FindingKind::parse(kind)?;
        check_text("findings", "发现的情况", text, true)?;
        Ok(Finding {
            kind,
            text: text.trim().to_string(),
        })
    }
}

/// Most grid service specialists one grid may have at a time.
pub const MAX_SPECIALISTS_PER_GRID: usize = 2;

/// Whether one more specialist may join a grid that has `active` of them.
pub fn check_specialist_slot(active: usize) -> Result<(), FieldError> {
    if active >= MAX_SPECIALISTS_PER_GRID {
        return Err(FieldError::new(
            "grid_id",
            format!(
                "每个网格配备1–{MAX_SPECIALISTS_PER_GRID}名网格服务专员，该网格已有{active}名，请先撤回一名"
            ),
        ));
    }
    Ok(())
}

/// A calendar month, as `year * 12 + (month - 1)` (so consecutive months differ by one).
/// Serialised as `"2026-11"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i64);

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Month {
    pub fn new(year: i32, month: u8) -> Option<Self> {
        ((1..=12).contains(&month) && (2000..=2100).contains(&year))
            .then(|| Month(year as i64 * 12 + month as i64 - 1))
    }

    /// `2026-11` (also `2026/11`, `202611`).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let ok = digits.len() == 6
            && s.trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == '/');
        let m = if ok {
            let y: i32 = digits[..4].parse().unwrap_or(0);
            let m: u8 = digits[4..].parse().unwrap_or(0);
            Month::new(y, m)
        } else {
            None
        };
        m.ok_or_else(|| {
            FieldError::new("month", format!("月份应写作 2026-11，而不是“{}”", s.trim()))
        })
    }

    /// The month (China Standard Time) a moment falls in.
    pub fn of_ms(ms: i64) -> Self {
        let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(crate::time_fmt::CST);
        Month(t.year() as i64 * 12 + t.month() as i64 - 1)
    }

    pub fn year(self) -> i64 {
        self.0.div_euclid(12)
    }

    pub fn month(self) -> i64 {
        self.0.rem_euclid(12) + 1
    }

    pub fn prev(self) -> Self {
        Month(self.0 - 1)
    }

    pub fn next(self) -> Self {
        Month(self.0 + 1)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Most months one compliance view spans.
pub const MAX_COMPLIANCE_MONTHS: i64 = 24;

/// A range of months for a compliance view: `from` ≤ `to`, at most [`MAX_COMPLIANCE_MONTHS`].
pub fn check_month_range(from: Month, to: Month) -> Result<(), FieldError> {
    if from > to {
        return Err(FieldError::new("from", "起始月份不能晚于结束月份"));
    }
    if to.0 - from.0 + 1 > MAX_COMPLIANCE_MONTHS {
        return Err(FieldError::new(
            "to",
            format!("一次最多查看{MAX_COMPLIANCE_MONTHS}个月"),
        ));
    }
    Ok(())
}

/// A specialist's month in a compliance view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthStatus {
    /// A service was logged.
    Served,
    /// The month is over and no service was logged.
    Missed,
    /// The current month, not logged yet: not missed (yet).
    Pending,
    /// Not a specialist of the grid in that month.
    NotAssigned,
}

impl MonthStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            MonthStatus::Served => "已服务",
            MonthStatus::Missed => "缺报",
            MonthStatus::Pending => "本月待报",
            MonthStatus::NotAssigned => "—",
        }
    }
}

/// The status of `month` for a specialist serving from `since` to `until` (inclusive; `None`
/// while still serving), with `served` telling whether a service was logged, on `current`.
pub fn month_status(
    month: Month,
    since: Month,
    until: Option<Month>,
    served: bool,
    current: Month,
) -> MonthStatus {
    if month < since || until.is_some_and(|u| month > u) || month > current {
        MonthStatus::NotAssigned
    } else if served {
        MonthStatus::Served
    } else if month == current {
        MonthStatus::Pending
    } else {
        MonthStatus::Missed
    }
}

/// A month for which a service may be logged: from the specialist's first month up to the
/// current one (not ahead).
pub fn check_service_month(
    month: Month,
    since: Month,
    until: Option<Month>,
    current: Month,
) -> Result<(), FieldError> {
    if month > current {
        return Err(FieldError::new("month", "不能登记未来月份的服务"));
    }
    if month < since || until.is_some_and(|u| month > u) {
        return Err(FieldError::new("month", "该月份不在其担任网格服务专员期间"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_kinds_parse_and_refuse_unknown() {
        for k in FindingKind::ALL {
            assert_eq!(FindingKind::parse(k.as_str()), Ok(k));
        }
        let e = FindingKind::parse("gossip").unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(Finding::parse("hazard", "  ").is_err());
        assert!(Finding::parse("hazard", &"长".repeat(MAX_TEXT + 1)).is_err());
        assert_eq!(
            Finding::parse("hazard", " 楼道飞线充电 ").unwrap().text,
            "楼道飞线充电"
        );
    }

    #[test]
    fn visit_time_not_in_the_future_nor_too_old() {
        let now = 1_790_000_000_000;
        assert!(check_visit_time(now, now).is_ok());
        assert!(check_visit_time(now + 60_000, now).is_ok(), "clock skew");
        assert_eq!(
            check_visit_time(now + 3_600_000, now).unwrap_err().field,
            "visited_at"
        );
        assert!(check_visit_time(now - 30 * DAY_MS, now).is_ok());
        assert!(check_visit_time(now - 91 * DAY_MS, now).is_err());
    }

    #[test]
    fn coverage_is_thirty_days() {
        let now = 1_790_000_000_000;
        assert!(is_covered(Some(now - 29 * DAY_MS), now));
        assert!(!is_covered(Some(now - 31 * DAY_MS), now));
        assert!(!is_covered(None, now));
    }

    #[test]
    fn one_or_two_specialists_per_grid() {
        assert!(check_specialist_slot(0).is_ok());
        assert!(check_specialist_slot(1).is_ok());
        let e = check_specialist_slot(2).unwrap_err();
        assert!(e.reason.contains("1–2"), "{}", e.reason);
    }

    #[test]
    fn months() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(Month::parse("202611").unwrap(), m);
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(m.next().next().to_string(), "2027-01");
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("11/2026x").is_err());
        // 2026-11-30 20:00 UTC is December 1st in China.
        assert_eq!(Month::of_ms(1_796_068_800_000).to_string(), "2026-12");
        assert!(check_month_range(m, m.prev()).is_err());
        assert!(check_month_range(Month(m.0 - 24), m).is_err());
        assert!(check_month_range(Month(m.0 - 23), m).is_ok());
    }

    #[test]
    fn month_status_rules() {
        let cur = Month::parse("2026-11").unwrap();
        let since = Month::parse("2026-08").unwrap();
        let st = |m: &str, served| month_status(Month::parse(m).unwrap(), since, None, served, cur);
        assert_eq!(st("2026-07", false), MonthStatus::NotAssigned);
        assert_eq!(st("2026-08", true), MonthStatus::Served);
        assert_eq!(st("2026-09", false), MonthStatus::Missed);
        assert_eq!(st("2026-11", false), MonthStatus::Pending);
        assert_eq!(st("2026-12", false), MonthStatus::NotAssigned);
        let until = Some(Month::parse("2026-09").unwrap());
        assert_eq!(
            month_status(Month::parse("2026-10").unwrap(), since, until, false, cur),
            MonthStatus::NotAssigned
        );
        assert!(check_service_month(cur.next(), since, None, cur).is_err());
        assert!(check_service_month(since.prev(), since, None, cur).is_err());
        assert!(check_service_month(cur, since, None, cur).is_ok());
    }

    #[test]
    fn post_kinds_follow_roles() {
        assert_eq!(PostKind::of_role(Role::Steward), Some(PostKind::Steward));
        assert_eq!(
            PostKind::of_role(Role::GridWorker),
            Some(PostKind::GridWorker)
        );
        assert_eq!(PostKind::of_role(Role::CommunityWorker), None);
    }
}

/// Deterministic pieces of the demo's rounds (names, departments, texts): a hash of the seed
/// and an index picks each, so the SQL-side generation and these agree without a shared RNG.
pub mod demo {
    /// SplitMix64: a well-mixed 64-bit hash of `x`.
    pub fn mix(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
        "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
        "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾",
        "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜",
        "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康",
        "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "曲", "隋", "丛",
    ];
    const GIVEN: &[&str] = &[
        "建国", "秀英", "桂兰", "志强", "海燕", "丽娟", "永刚", "红梅", "立新", "淑珍", "晓东",
        "春华", "国庆", "玉兰", "德明", "静", "伟", "敏", "磊", "洋", "娜", "军", "勇", "艳", "杰",
        "涛", "明", "超", "霞", "平", "刚", "丽", "华", "芳", "鹏", "燕", "宁", "晨", "海波",
        "文静", "志刚", "秀梅", "建华", "凤英", "振华", "玉梅", "学军", "新华", "爱华",
    ];

    /// A plausible Chinese name.
    pub fn person_name(seed: u64, i: u64) -> String {
        let h = mix(seed ^ mix(i));
        format!(
            "{}{}",
            SURNAMES[(h % SURNAMES.len() as u64) as usize],
            GIVEN[((h >> 20) % GIVEN.len() as u64) as usize]
        )
    }

    /// Departments of 环翠区 that send party members to the grids (双报到).
    pub const DEPARTMENTS: &[&str] = &[
        "区住房和城乡建设局",
        "区民政局",
        "区市场监督管理局",
        "区综合行政执法局",
        "区卫生健康局",
        "区教育和体育局",
        "区司法局",
        "区应急管理局",
        "区人力资源和社会保障局",
        "区财政局",
        "区发展和改革局",
        "区退役军人事务局",
    ];

    /// What a specialist did in a month.
    pub const SERVICES: &[&str] = &[
        "走访网格内困难党员和独居老人，了解生活需求",
        "参加网格议事会，协调解决楼道照明维修",
        "开展政策宣讲，解答居民医保和养老保险问题",
        "协助排查电动车飞线充电隐患",
        "组织网格志愿者清理小区卫生死角",
        "参与邻里纠纷调解，双方达成和解",
        "走访沿街商户，宣传消防安全知识",
        "收集居民意见建议，反馈派出单位办理",
    ];

    /// (kind code, text) of a demo finding.
    pub const FINDINGS: &[(&str, &str)] = &[
        ("dispute", "楼上楼下因漏水产生矛盾，已初步沟通"),
        ("demand", "独居老人希望有人定期上门测血压"),
        ("hazard", "楼道内电动车飞线充电"),
        ("proposal", "建议在小区门口增设非机动车停放区"),
        ("dispute", "邻居在公共走廊堆放杂物引发争执"),
        ("demand", "居民反映单元门禁损坏，需维修"),
        ("hazard", "楼道堆放纸箱等易燃物"),
        ("proposal", "建议增加夜间路灯照明"),
        ("dispute", "停车位占用引发口角"),
        ("demand", "咨询老年人助餐服务办理方式"),
        ("hazard", "窗外空调支架锈蚀松动"),
        ("proposal", "希望社区组织健康讲座"),
    ];

    /// What a visit note may say when nothing was found.
    pub const NOTES: &[&str] = &[
        "家中一切正常",
        "宣传了禁止飞线充电和楼道堆物",
        "提醒在划线区域停车",
        "老人身体健康，子女常来探望",
        "了解家庭近况，无特殊需求",
    ];

    #[cfg(test)]
    mod tests {
        #[test]
        fn names_are_deterministic_and_varied() {
            assert_eq!(super::person_name(7, 1), super::person_name(7, 1));
            let names: std::collections::BTreeSet<_> =
                (0..200).map(|i| super::person_name(7, i)).collect();
            assert!(names.len() > 100, "{}", names.len());
        }
    }
}
