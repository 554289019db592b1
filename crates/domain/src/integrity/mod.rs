//! The integrity index (诚信指数, issue 12 §1; docs/integrity.md).
//!
//! A versioned catalogue of plus and minus items, each with its points, the kinds of subject it
//! applies to, the evidence it needs and how long it counts. A subject (a merchant, a resident, a
//! new-employment worker or the platform company they ride for) is scored by records of those
//! items: its score is the catalogue's base plus the points of every record still counting
//! (not reversed on appeal, not expired); its stars follow from configurable thresholds. A
//! record may be appealed within a window; a reviewer other than the recorder upholds or
//! reverses it. The rules here are pure; the store keeps, the application checks scope.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

/// Who can be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A business at a building (the councils' `merchants`).
    Merchant,
    /// A resident of the register.
    Resident,
    /// A new-employment worker: courier, delivery rider (新就业群体).
    Worker,
    /// The platform company a worker rides for.
    Platform,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] = [
        SubjectKind::Merchant,
        SubjectKind::Resident,
        SubjectKind::Worker,
        SubjectKind::Platform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Merchant => "merchant",
            SubjectKind::Resident => "resident",
            SubjectKind::Worker => "worker",
            SubjectKind::Platform => "platform",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    "对象类型应为 merchant、resident、worker 或 platform",
                )
            })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SubjectKind::Merchant => "商户",
            SubjectKind::Resident => "居民",
            SubjectKind::Worker => "新就业群体",
            SubjectKind::Platform => "平台企业",
        }
    }

    /// The letter of a public code (a resident or worker is named in public only by it).
    pub fn code_letter(self) -> char {
        match self {
            SubjectKind::Merchant => 'M',
            SubjectKind::Resident => 'R',
            SubjectKind::Worker => 'W',
            SubjectKind::Platform => 'P',
        }
    }

    /// Whether the subject is named in public (a business is; a person is not).
    pub fn public_name(self) -> bool {
        matches!(self, SubjectKind::Merchant | SubjectKind::Platform)
    }
}

/// What a record of an item must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Photo,
    Document,
    /// A photo or a document.
    Any,
    /// Nothing: the platform itself confirms it (a project delivery).
    None,
}

impl Evidence {
    pub const ALL: [Evidence; 4] = [
        Evidence::Photo,
        Evidence::Document,
        Evidence::Any,
        Evidence::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Photo => "photo",
            Evidence::Document => "document",
            Evidence::Any => "any",
            Evidence::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Evidence::Photo => "照片",
            Evidence::Document => "文件",
            Evidence::Any => "照片或文件",
            Evidence::None => "无需",
        }
    }

    /// Whether a file of this kind (`image` or `pdf`) satisfies it; `None` when nothing was
    /// attached.
    pub fn satisfied_by(self, attached: Option<FileKind>) -> bool {
        matches!(
            (self, attached),
            (Evidence::None, _)
                | (Evidence::Photo, Some(FileKind::Image))
                | (Evidence::Document | Evidence::Any, Some(_))
        )
    }
}

/// What an attached file is, by its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Image,
    Pdf,
}

/// A PDF starts with `%PDF-`.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// A scoring item of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `P001`… for plus items, `M001`… for minus items; unique in a catalogue.
    pub code: String,
    pub theme: String,
    pub title: String,
    /// Positive for a plus item, negative for a minus item; never zero.
    pub points: i64,
    pub subjects: Vec<SubjectKind>,
    pub evidence: Evidence,
    /// How long a record counts, from the day it happened.
    pub valid_days: i64,
}

impl Item {
    pub fn is_plus(&self) -> bool {
        self.points > 0
    }

    pub fn applies_to(&self, k: SubjectKind) -> bool {
        self.subjects.contains(&k)
    }

    pub fn subjects_text(&self) -> String {
        self.subjects
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The most points one item may give or take.
pub const MAX_POINTS: i64 = 100;
/// The longest a record counts (five years).
pub const MAX_VALID_DAYS: i64 = 1826;

/// An item as written (a spreadsheet row, a line of the default file), checked.
pub fn item(
    code: &str,
    theme: &str,
    title: &str,
    points: &str,
    subjects: &str,
    evidence: &str,
    valid_days: &str,
) -> Result<Item, FieldError> {
    let code = code.trim().to_ascii_uppercase();
    let ok_code = code.len() >= 2
        && code.len() <= 12
        && (code.starts_with('P') || code.starts_with('M'))
        && code[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok_code {
        return Err(FieldError::new(
            "code",
            "编码应以 P（加分）或 M（减分）开头，例如 P001",
        ));
    }
    let theme = theme.trim();
    if theme.is_empty() || theme.chars().count() > 20 {
        return Err(FieldError::new("theme", "请填写主题（不超过20字）"));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(FieldError::new("title", "请填写事项（不超过80字）"));
    }
    let points: i64 = points
        .trim()
        .parse()
        .map_err(|_| FieldError::new("points", "分值应为整数，加分为正、减分为负"))?;
    if points == 0 || points.abs() > MAX_POINTS {
        return Err(FieldError::new("points", "分值不能为零，绝对值不超过100"));
    }
    if (points > 0) != code.starts_with('P') {
        return Err(FieldError::new(
            "points",
            "P 开头的加分项分值为正，M 开头的减分项分值为负",
        ));
    }
    let mut kinds = Vec::new();
    for s in subjects
        .split([',', '，', ' '])
        .filter(|s| !s.trim().is_empty())
    {
        let k = SubjectKind::parse(s).map_err(|_| {
            FieldError::new(
                "subjects",
                "适用对象应为 merchant、resident、worker、platform，逗号分隔",
            )
        })?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.is_empty() {
        return Err(FieldError::new("subjects", "请填写适用对象"));
    }
    let evidence = Evidence::parse(evidence)
        .ok_or_else(|| FieldError::new("evidence", "证据要求应为 photo、document、any 或 none"))?;
    let valid_days: i64 = valid_days
        .trim()
        .parse()
        .map_err(|_| FieldError::new("valid_days", "有效期应为天数"))?;
    if !(1..=MAX_VALID_DAYS).contains(&valid_days) {
        return Err(FieldError::new("valid_days", "有效期应为1至1826天"));
    }
    Ok(Item {
        code,
        theme: theme.to_string(),
        title: title.to_string(),
        points,
        subjects: kinds,
        evidence,
        valid_days,
    })
}

/// A whole catalogue checked: at least one item, codes unique.
pub fn check_items(items: &[Item]) -> Result<(), FieldError> {
    if items.is_empty() {
        return Err(FieldError::new("file", "目录中没有事项"));
    }
    let mut seen = std::collections::HashSet::new();
    for i in items {
        if !seen.insert(i.code.as_str()) {
            return Err(FieldError::new("code", format!("编码 {} 重复", i.code)));
        }
    }
    Ok(())
}

/// The columns of a catalogue's spreadsheet (export and import), in order.
pub const COLUMNS: [&str; 7] = [
    "编码",
    "主题",
    "事项",
    "分值",
    "适用对象",
    "证据要求",
    "有效天数",
];

/// The catalogue that ships with the platform: written for it as an example (88 plus and 64
/// minus items over the report's themes), for a city to edit.
pub const DEFAULT_TSV: &str = include_str!("default_catalogue.tsv");

/// Parse a tab-separated catalogue (header line first, then one item per line).
pub fn parse_tsv(tsv: &str) -> Result<Vec<Item>, FieldError> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 {
            return Err(FieldError::new("file", format!("第{}行应有7列", n + 1)));
        }
        out.push(item(f[0], f[1], f[2], f[3], f[4], f[5], f[6])?);
    }
    check_items(&out)?;
    Ok(out)
}

pub fn default_catalogue() -> Vec<Item> {
    parse_tsv(DEFAULT_TSV).expect("the default catalogue is valid")
}

/// How scores turn into stars and how long an appeal may wait: kept with each catalogue
/// version, changed by the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Every subject starts here.
    pub base: i64,
    /// The lowest score of one to five stars, rising.
    pub stars: [i64; 5],
    /// Days after a record is made in which its subject may appeal.
    pub appeal_days: i64,
}

/// A public honour board lists the merchants with at least this many stars.
pub const HONOUR_STARS: u8 = 3;

impl Default for Rules {
    fn default() -> Self {
        Rules {
            base: 100,
            stars: [100, 110, 120, 135, 150],
            appeal_days: 15,
        }
    }
}

impl Rules {
    pub fn check(&self) -> Result<(), FieldError> {
        if !(0..=10_000).contains(&self.base) {
            return Err(FieldError::new("base", "基础分应为0至10000"));
        }
        if self.stars.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FieldError::new("stars", "一星到五星的分数线应逐级升高"));
        }
        if !(1..=365).contains(&self.appeal_days) {
            return Err(FieldError::new("appeal_days", "申诉期应为1至365天"));
        }
        Ok(())
    }

    /// "100,110,120,135,150"
    pub fn stars_text(&self) -> String {
        self.stars
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn parse_stars(s: &str) -> Result<[i64; 5], FieldError> {
        let bad = || {
            FieldError::new(
                "stars",
                "请填写五个分数线，以逗号分隔，例如 100,110,120,135,150",
            )
        };
        let v: Vec<i64> = s
            .split([',', '，'])
            .map(|x| x.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        v.try_into().map_err(|_| bad())
    }

    /// Stars (0–5) of a score.
    pub fn stars_of(&self, score: i64) -> u8 {
        self.stars.iter().filter(|t| score >= **t).count() as u8
    }
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Counts (an appeal may be waiting).
    Counted,
    /// Reversed on appeal: shown, struck through, no longer counted.
    Reversed,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Counted => "counted",
            RecordState::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "counted" => Some(RecordState::Counted),
            "reversed" => Some(RecordState::Reversed),
            _ => None,
        }
    }
}

/// A record's day it happened and its last day of counting.
pub fn expires_on(occurred: Date, valid_days: i64) -> Date {
    occurred + time::Duration::days(valid_days - 1)
}

/// Whether a record counts on `today`.
pub fn counts(state: RecordState, expires: Date, today: Date) -> bool {
    state == RecordState::Counted && expires >= today
}

/// A subject's score: the base plus every counting record's points.
pub fn score(rules: &Rules, records: impl IntoIterator<Item = i64>) -> i64 {
    rules.base + records.into_iter().sum::<i64>()
}

/// A record happens no later than today and no earlier than a year ago.
pub fn check_occurred(occurred: Date, today: Date) -> Result<(), FieldError> {
    if occurred > today {
        return Err(FieldError::new("occurred_on", "发生日期不能晚于今天"));
    }
    if occurred < today - time::Duration::days(366) {
        return Err(FieldError::new("occurred_on", "发生日期不能早于一年前"));
    }
    Ok(())
}

/// An appeal is filed within `days` days of the record being made.
pub fn appeal_open(recorded_at_ms: i64, now_ms: i64, days: i64) -> Result<(), FieldError> {
    if now_ms > recorded_at_ms + days * 86_400_000 {
        return Err(FieldError::new(
            "record",
            format!("申诉期已过（记录后{days}天内可申诉）"),
        ));
    }
    Ok(())
}

/// The last moment an appeal may be filed (ms).
pub fn appeal_deadline(recorded_at_ms: i64, days: i64) -> i64 {
    recorded_at_ms + days * 86_400_000
}

/// An appeal's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    Open,
    /// The record stands.
    Upheld,
    /// The record stops counting.
    Reversed,
}

impl AppealState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Open => "open",
            AppealState::Upheld => "upheld",
            AppealState::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(AppealState::Open),
            "upheld" => Some(AppealState::Upheld),
            "reversed" => Some(AppealState::Reversed),
            _ => None,
        }
    }

    /// A reviewer's decision: `uphold` or `reverse`.
    pub fn decision(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "uphold" | "upheld" => Ok(AppealState::Upheld),
            "reverse" | "reversed" => Ok(AppealState::Reversed),
            _ => Err(FieldError::new(
                "outcome",
                "复核结果应为 uphold（维持）或 reverse（撤销）",
            )),
        }
    }
}

/// The reviewer of an appeal is never the one who made the record.
pub fn may_review(recorded_by: Option<i64>, reviewer: i64) -> Result<(), FieldError> {
    if recorded_by == Some(reviewer) {
        return Err(FieldError::new(
            "reviewer",
            "记录人不能复核自己的记录，请由其他工作人员复核",
        ));
    }
    Ok(())
}

/// An agreement runs from `start` to `end` (inclusive), `end` not before `start`.
pub fn check_term(start: Date, end: Date) -> Result<(), FieldError> {
    if end < start {
        return Err(FieldError::new("ends_on", "结束日期不能早于开始日期"));
    }
    if end > start + time::Duration::days(5 * 366) {
        return Err(FieldError::new("ends_on", "协议期限不超过五年"));
    }
    Ok(())
}

/// A breach of an agreement is a minus item, on a day the agreement was in force.
pub fn check_breach(points: i64, start: Date, end: Date, occurred: Date) -> Result<(), FieldError> {
    if points >= 0 {
        return Err(FieldError::new("item_code", "违约记录应选择减分项"));
    }
    if occurred < start || occurred > end {
        return Err(FieldError::new("occurred_on", "违约日期不在协议有效期内"));
    }
    Ok(())
}

/// A project scores deliveries with a plus item that needs no evidence beyond the confirmation.
pub fn check_project_item(i: &Item) -> Result<(), FieldError> {
    if !i.is_plus() {
        return Err(FieldError::new("item_code", "认领项目应对应一个加分项"));
    }
    Ok(())
}

/// A new-employment worker's platform name, a merchant's, a platform's: 1–60 characters.
pub fn check_name(field: &'static str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 60 {
        return Err(FieldError::new(field, "请填写名称（不超过60字）"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_default_catalogue_has_88_plus_and_64_minus_items() {
        let c = default_catalogue();
        assert_eq!(c.iter().filter(|i| i.is_plus()).count(), 88);
        assert_eq!(c.iter().filter(|i| !i.is_plus()).count(), 64);
        for k in SubjectKind::ALL {
            assert!(c.iter().any(|i| i.applies_to(k)), "{k:?}");
        }
    }

    #[test]
    fn items_are_checked() {
        assert!(item("P1", "敬老", "送餐", "5", "merchant", "photo", "365").is_ok());
        assert_eq!(
            item("P1", "敬老", "送餐", "-5", "merchant", "photo", "365")
                .unwrap_err()
                .field,
            "points"
        );
        assert_eq!(
            item("X1", "敬老", "送餐", "5", "merchant", "photo", "365")
                .unwrap_err()
                .field,
            "code"
        );
        assert_eq!(
            item("M1", "噪声", "扰民", "-5", "shop", "photo", "365")
                .unwrap_err()
                .field,
            "subjects"
        );
        assert_eq!(
            item("M1", "噪声", "扰民", "-5", "resident", "video", "365")
                .unwrap_err()
                .field,
            "evidence"
        );
        assert_eq!(
            item("M1", "噪声", "扰民", "-5", "resident", "photo", "0")
                .unwrap_err()
                .field,
            "valid_days"
        );
        let a = item("P1", "a", "b", "1", "resident", "none", "30").unwrap();
        assert_eq!(check_items(&[a.clone(), a]).unwrap_err().field, "code");
    }

    #[test]
    fn stars_follow_the_thresholds() {
        let r = Rules::default();
        assert_eq!(r.stars_of(99), 0);
        assert_eq!(r.stars_of(100), 1);
        assert_eq!(r.stars_of(134), 3);
        assert_eq!(r.stars_of(135), 4);
        assert_eq!(r.stars_of(500), 5);
        assert!(Rules {
            stars: [1, 1, 2, 3, 4],
            ..r
        }
        .check()
        .is_err());
        assert_eq!(Rules::parse_stars("1, 2,3，4,5").unwrap(), [1, 2, 3, 4, 5]);
        assert!(Rules::parse_stars("1,2,3").is_err());
    }

    #[test]
    fn records_count_until_they_expire_or_are_reversed() {
        let d = date!(2026 - 01 - 01);
        let e = expires_on(d, 365);
        assert_eq!(e, date!(2026 - 12 - 31));
        assert!(counts(RecordState::Counted, e, date!(2026 - 12 - 31)));
        assert!(!counts(RecordState::Counted, e, date!(2027 - 01 - 01)));
        assert!(!counts(RecordState::Reversed, e, d));
        assert_eq!(score(&Rules::default(), [5, -3, 10]), 112);
    }

    #[test]
    fn appeals_have_a_window_and_another_reviewer() {
        let day = 86_400_000;
        assert!(appeal_open(0, 15 * day, 15).is_ok());
        assert!(appeal_open(0, 15 * day + 1, 15).is_err());
        assert!(may_review(Some(1), 1).is_err());
        assert!(may_review(Some(1), 2).is_ok());
        assert!(may_review(None, 2).is_ok());
    }

    #[test]
    fn evidence_rules() {
        assert!(Evidence::Photo.satisfied_by(Some(FileKind::Image)));
        assert!(!Evidence::Photo.satisfied_by(Some(FileKind::Pdf)));
        assert!(!Evidence::Any.satisfied_by(None));
        assert!(Evidence::None.satisfied_by(None));
        assert!(Evidence::Document.satisfied_by(Some(FileKind::Pdf)));
    }

    #[test]
    fn breaches_are_minus_items_inside_the_term() {
        let (s, e) = (date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert!(check_breach(-5, s, e, date!(2026 - 06 - 01)).is_ok());
        assert!(check_breach(5, s, e, date!(2026 - 06 - 01)).is_err());
        assert!(check_breach(-5, s, e, date!(2027 - 01 - 01)).is_err());
        assert!(check_term(e, s).is_err());
    }
}
