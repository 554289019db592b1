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

#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub household_id: Option<i64>,
    pub visitor_user_id: Option<i64>,
    pub post_id: Option<i64>,
    /// Narrow to a subtree (a path inside the scope).
    pub under: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SpecialistFilter {
    /// Only those serving now.
    pub active_only: bool,
    /// Only those linked to this user account.
    pub user_id: Option<i64>,
    /// Only those who missed a month of `[from, to]` (before `current`).
    pub missed: Option<(Month, Month, Month)>,
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
