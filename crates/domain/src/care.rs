//! Vulnerable people and their care, and the yellow/orange/red warning (issue 13 §1–§2;
//! docs/care.md). Pure rules: the kinds of care record and what each holds, visit frequencies
//! and when a visit is overdue, the versioned warning rule set and its evaluation (the worst
//! colour wins; the same facts give the same colour), and the response deadline of each colour.

use crate::registry::str_enum;
use crate::rounds::DAY_MS;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// What a care record is for.
    CareKind {
        Elderly = "elderly" / "老年人",
        Disabled = "disabled" / "残疾人",
        Child = "child" / "困境儿童",
        LowIncome = "low_income" / "低收入家庭",
    }
);

str_enum!(
    /// 预警颜色. Ordered by [`Colour::rank`]: red is the worst.
    Colour {
        Yellow = "yellow" / "黄色",
        Orange = "orange" / "橙色",
        Red = "red" / "红色",
    }
);

impl Colour {
    pub fn rank(self) -> u8 {
        match self {
            Colour::Yellow => 1,
            Colour::Orange => 2,
            Colour::Red => 3,
        }
    }

    /// The worse of two (absent is better than any colour).
    pub fn worst(a: Option<Colour>, b: Option<Colour>) -> Option<Colour> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.rank() > x.rank() { y } else { x }),
            (x, None) => x,
            (None, y) => y,
        }
    }
}

str_enum!(
    /// A sudden event recorded on a household (家庭突发变故).
    Hardship {
        SeriousIllness = "serious_illness" / "重大疾病",
        JobLoss = "job_loss" / "失业",
        Disaster = "disaster" / "受灾",
        Death = "death" / "家庭成员去世",
        Accident = "accident" / "意外事故",
    }
);

str_enum!(
    /// 老年人年龄段
    AgeBand {
        Young = "young" / "60–69岁",
        Middle = "middle" / "70–79岁",
        Old = "old" / "80–89岁",
        Oldest = "oldest" / "90岁及以上",
    }
);

str_enum!(
    /// 残疾类别
    DisabilityType {
        Visual = "visual" / "视力残疾",
        Hearing = "hearing" / "听力残疾",
        Speech = "speech" / "言语残疾",
        Physical = "physical" / "肢体残疾",
        Intellectual = "intellectual" / "智力残疾",
        Mental = "mental" / "精神残疾",
        Multiple = "multiple" / "多重残疾",
    }
);

str_enum!(
    /// 家庭监护评估结论
    Guardianship {
        Adequate = "adequate" / "监护到位",
        Weak = "weak" / "监护薄弱",
        Absent = "absent" / "监护缺失",
        Pending = "pending" / "待评估",
    }
);

/// The sensitive part of a care record, sealed at rest as one JSON document: what the kind
/// holds, the care plan. Fields of other kinds stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub living_alone: bool,
    /// 照护需求 (elderly): free text, e.g. 行动不便、需助餐.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub care_needs: String,
    /// 居家养老服务 (elderly): e.g. 助餐、助浴、日间照料.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home_care: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability_type: Option<DisabilityType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability_grade: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardianship: Option<Guardianship>,
    /// 评估说明 (children): the family-guardianship assessment's notes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub assessment: String,
    /// 低收入类别 code (low-income): dibao, tekun, dibao_edge, rigid_expense, poverty_watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_income: Option<crate::registry::LowIncome>,
    /// 帮扶计划
    #[serde(default)]
    pub plan: String,
}

/// Visit frequencies a worker picks from, in days.
pub const FREQUENCIES: [i64; 5] = [7, 14, 30, 60, 90];

/// The default visit frequency of a kind: weekly for those living alone and children whose
/// guardianship is absent, otherwise a fortnight (disabled, children) or a month.
pub fn default_frequency(kind: CareKind, d: &Detail) -> i64 {
    match kind {
        CareKind::Elderly if d.living_alone => 7,
        CareKind::Child if d.guardianship == Some(Guardianship::Absent) => 7,
        CareKind::Disabled | CareKind::Child => 14,
        CareKind::Elderly | CareKind::LowIncome => 30,
    }
}

pub fn check_frequency(days: i64) -> Result<i64, FieldError> {
    if FREQUENCIES.contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(
            "visit_every_days",
            "走访频次应为7、14、30、60或90天",
        ))
    }
}

/// Check a record's detail for its kind: the fields it needs, lengths.
pub fn check_detail(kind: CareKind, d: &Detail) -> Result<(), FieldError> {
    crate::check_max_chars("care_needs", "照护需求", &d.care_needs, 200)?;
    crate::check_max_chars("home_care", "居家养老服务", &d.home_care, 200)?;
    crate::check_max_chars("assessment", "评估说明", &d.assessment, 500)?;
    crate::check_max_chars("plan", "帮扶计划", &d.plan, 1000)?;
    match kind {
        CareKind::Elderly if d.age_band.is_none() => {
            Err(FieldError::new("age_band", "请选择年龄段"))
        }
        CareKind::Disabled if d.disability_type.is_none() => {
            Err(FieldError::new("disability_type", "请选择残疾类别"))
        }
        CareKind::Disabled if !matches!(d.disability_grade, Some(1..=4)) => {
            Err(FieldError::new("disability_grade", "残疾等级应为1–4级"))
        }
        CareKind::Child if d.guardianship.is_none() => {
            Err(FieldError::new("guardianship", "请选择监护评估结论"))
        }
        CareKind::LowIncome if d.low_income.is_none() => {
            Err(FieldError::new("low_income", "请选择低收入类别"))
        }
        _ => Ok(()),
    }
}

/// When the next visit is due: the frequency after the later of the last visit and the record's
/// opening (a record is opened in person, so opening it counts as a visit).
pub fn visit_due(last_visit: Option<i64>, opened_at: i64, every_days: i64) -> i64 {
    last_visit.unwrap_or(opened_at).max(opened_at) + every_days * DAY_MS
}

/// Whole days a visit is overdue at `now` (0 when it is not).
pub fn overdue_days(due: i64, now: i64) -> i64 {
    if now <= due {
        0
    } else {
        (now - due) / DAY_MS + 1
    }
}

// ---------------------------------------------------------------------------------------------
// The warning

/// A condition on data the platform holds. Amounts are yuan per head per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum Condition {
    /// Income per head below `times_line` × the local 低保 line.
    IncomeBelow { times_line: f64 },
    /// A sudden event of this kind (any kind when absent) within the last `within_days`.
    Hardship {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Hardship>,
        within_days: i64,
    },
    /// A care visit overdue by at least `days`.
    VisitOverdue { days: i64 },
    /// Arrears (rent, water, power, heating) of at least `months`.
    Arrears { months: i64 },
    /// A finding recorded on a visit of the household within the last `within_days`.
    Finding { within_days: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// A short code, unique in the set (`income_below_line`); kept in the colour history.
    pub id: String,
    /// What the rule means, for people (收入低于低保标准).
    pub label: String,
    #[serde(flatten)]
    pub condition: Condition,
    pub colour: Colour,
}

/// The response deadline of each colour, in hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub red_hours: i64,
    pub orange_hours: i64,
    pub yellow_hours: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            red_hours: 24,
            orange_hours: 72,
            yellow_hours: 168,
        }
    }
}

impl Deadlines {
    pub fn of(&self, c: Colour) -> i64 {
        3600 * 1000
            * match c {
                Colour::Red => self.red_hours,
                Colour::Orange => self.orange_hours,
                Colour::Yellow => self.yellow_hours,
            }
    }
}

/// The city's warning rules: one version. Versions are kept; the newest applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// The local 低保 line, yuan per head per month.
    pub dibao_line: i64,
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub deadlines: Deadlines,
}

impl RuleSet {
    /// What the rules read, in days: how far back they look at sudden events and at findings,
    /// and the fewest days overdue a visit rule needs. None when no rule reads that kind of
    /// fact (the recompute then does not read it at all).
    pub fn windows(&self) -> Windows {
        let mut w = Windows::default();
        let max = |a: Option<i64>, b: i64| Some(a.unwrap_or(b).max(b));
        for r in &self.rules {
            match r.condition {
                Condition::Hardship { within_days, .. } => {
                    w.hardships = max(w.hardships, within_days)
                }
                Condition::Finding { within_days } => w.findings = max(w.findings, within_days),
                Condition::VisitOverdue { days } => {
                    w.overdue = Some(w.overdue.unwrap_or(days).min(days.max(1)))
                }
                _ => {}
            }
        }
        w
    }
}

/// See [`RuleSet::windows`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Windows {
    pub hardships: Option<i64>,
    pub findings: Option<i64>,
    pub overdue: Option<i64>,
}

impl Windows {
    /// The latest due time of a visit that some visit rule may count at `now` (a visit due later
    /// is overdue by fewer days than any rule needs): `overdue_days(due, now) >= d` exactly when
    /// `due <= now - (d - 1) days` and `due < now`.
    pub fn due_before(&self, now: i64) -> Option<i64> {
        self.overdue.map(|d| (now - (d - 1) * DAY_MS).min(now - 1))
    }
}

/// What the platform holds about one monitored household, at one time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// Monthly income per head, yuan, where recorded.
    pub income_per_head: Option<i64>,
    /// The latest time of each sudden event recorded.
    pub hardships: Vec<(Hardship, i64)>,
    /// The most overdue care visit's due time.
    pub visit_due: Option<i64>,
    pub arrears_months: i64,
    pub last_finding_at: Option<i64>,
}

fn within(at: i64, days: i64, now: i64) -> bool {
    at <= now && now - at <= days * DAY_MS
}

impl Condition {
    pub fn holds(&self, line: i64, f: &Facts, now: i64) -> bool {
        match *self {
            Condition::IncomeBelow { times_line } => f
                .income_per_head
                .is_some_and(|i| (i as f64) < times_line * line as f64),
            Condition::Hardship { kind, within_days } => f
                .hardships
                .iter()
                .any(|&(k, at)| kind.is_none_or(|want| want == k) && within(at, within_days, now)),
            Condition::VisitOverdue { days } => f
                .visit_due
                .is_some_and(|due| overdue_days(due, now) >= days.max(1)),
            Condition::Arrears { months } => f.arrears_months >= months.max(1),
            Condition::Finding { within_days } => f
                .last_finding_at
                .is_some_and(|at| within(at, within_days, now)),
        }
    }

    /// The condition in words (the rules page, the colour history).
    pub fn describe(&self) -> String {
        match *self {
            Condition::IncomeBelow { times_line } => {
                format!("人均月收入低于低保标准的{times_line}倍")
            }
            Condition::Hardship { kind, within_days } => format!(
                "{}天内发生{}",
                within_days,
                kind.map(|k| k.label_zh()).unwrap_or("家庭突发变故")
            ),
            Condition::VisitOverdue { days } => format!("关爱走访逾期{days}天及以上"),
            Condition::Arrears { months } => format!("欠缴费用{months}个月及以上"),
            Condition::Finding { within_days } => format!("{within_days}天内走访发现问题"),
        }
    }
}

/// The colour of a household and the rule that gave it: the worst colour of every rule that
/// holds; of rules of that colour, the first in the set's order.
pub fn evaluate<'r>(set: &'r RuleSet, f: &Facts, now: i64) -> Option<&'r Rule> {
    let mut best: Option<&Rule> = None;
    for r in &set.rules {
        if r.condition.holds(set.dibao_line, f, now)
            && best.is_none_or(|b| r.colour.rank() > b.colour.rank())
        {
            best = Some(r);
        }
    }
    best
}

/// Check a rule set a city administrator saves.
pub fn check_rules(set: &RuleSet) -> Result<(), FieldError> {
    if !(100..=10_000).contains(&set.dibao_line) {
        return Err(FieldError::new(
            "dibao_line",
            "低保标准应在100–10000元/人·月之间",
        ));
    }
    if set.rules.is_empty() || set.rules.len() > 50 {
        return Err(FieldError::new("rules", "规则应有1–50条"));
    }
    let d = set.deadlines;
    if !(1..=24 * 90).contains(&d.red_hours)
        || !(1..=24 * 90).contains(&d.orange_hours)
        || !(1..=24 * 90).contains(&d.yellow_hours)
    {
        return Err(FieldError::new("deadlines", "响应时限应在1小时到90天之间"));
    }
    if !(d.red_hours <= d.orange_hours && d.orange_hours <= d.yellow_hours) {
        return Err(FieldError::new(
            "deadlines",
            "红色的响应时限不能长于橙色，橙色不能长于黄色",
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for r in &set.rules {
        let id_ok = !r.id.is_empty()
            && r.id.len() <= 40
            && r.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            return Err(FieldError::new(
                "rules",
                format!("规则编号“{}”应为1–40位小写字母、数字或下划线", r.id),
            ));
        }
        if !ids.insert(r.id.as_str()) {
            return Err(FieldError::new("rules", format!("规则编号“{}”重复", r.id)));
        }
        if r.label.trim().is_empty() || r.label.chars().count() > 60 {
            return Err(FieldError::new(
                "rules",
                format!("规则“{}”的说明应为1–60字", r.id),
            ));
        }
        let ok = match r.condition {
            Condition::IncomeBelow { times_line } => (0.1..=5.0).contains(&times_line),
            Condition::Hardship { within_days, .. } | Condition::Finding { within_days } => {
                (1..=730).contains(&within_days)
            }
            Condition::VisitOverdue { days } => (1..=365).contains(&days),
            Condition::Arrears { months } => (1..=60).contains(&months),
        };
        if !ok {
            return Err(FieldError::new(
                "rules",
                format!("规则“{}”的条件超出范围", r.id),
            ));
        }
    }
    Ok(())
}

/// The rules the platform ships with. **These are defaults written for the platform**: no public
/// text fixes the thresholds, so a city sets its own (a new version) before relying on them.
pub fn default_rules() -> RuleSet {
    fn rule(id: &str, label: &str, condition: Condition, colour: Colour) -> Rule {
        Rule {
            id: id.into(),
            label: label.into(),
            condition,
            colour,
        }
    }
    use Colour::*;
    use Condition::*;
    RuleSet {
        dibao_line: 1000,
        deadlines: Deadlines::default(),
        rules: vec![
            rule(
                "income_below_line",
                "人均收入低于低保标准",
                IncomeBelow { times_line: 1.0 },
                Red,
            ),
            rule(
                "serious_illness",
                "近期家庭成员患重大疾病",
                Hardship {
                    kind: Some(self::Hardship::SeriousIllness),
                    within_days: 90,
                },
                Red,
            ),
            rule(
                "disaster",
                "近期受灾",
                Hardship {
                    kind: Some(self::Hardship::Disaster),
                    within_days: 60,
                },
                Red,
            ),
            rule(
                "job_loss",
                "近期失业",
                Hardship {
                    kind: Some(self::Hardship::JobLoss),
                    within_days: 90,
                },
                Orange,
            ),
            rule(
                "death",
                "近期家庭成员去世",
                Hardship {
                    kind: Some(self::Hardship::Death),
                    within_days: 30,
                },
                Orange,
            ),
            rule(
                "accident",
                "近期发生意外事故",
                Hardship {
                    kind: Some(self::Hardship::Accident),
                    within_days: 30,
                },
                Orange,
            ),
            rule(
                "arrears_3",
                "欠缴费用3个月及以上",
                Arrears { months: 3 },
                Orange,
            ),
            rule(
                "income_edge",
                "人均收入低于低保标准1.5倍（低保边缘）",
                IncomeBelow { times_line: 1.5 },
                Yellow,
            ),
            rule(
                "visit_overdue",
                "关爱走访逾期14天及以上",
                VisitOverdue { days: 14 },
                Yellow,
            ),
            rule(
                "arrears_1",
                "欠缴费用1个月及以上",
                Arrears { months: 1 },
                Yellow,
            ),
            rule(
                "finding",
                "30天内走访发现问题",
                Finding { within_days: 30 },
                Yellow,
            ),
        ],
    }
}

str_enum!(
    /// An assistance case's state (一户一条救助链).
    CaseState { Open = "open" / "办理中", Closed = "closed" / "已销号" }
);

/// Departments a case is usually referred to, by their registry codes (the picker lists every
/// department of the registry; these come first).
pub const REFERRAL_DAYS: [i64; 4] = [3, 7, 15, 30];

pub fn check_referral_days(days: i64) -> Result<i64, FieldError> {
    if REFERRAL_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new("days", "办理时限应为3、7、15或30天"))
    }
}

/// Check a monthly income per head entered by a worker (yuan; 0 allowed).
pub fn check_income(v: i64) -> Result<i64, FieldError> {
    if (0..=1_000_000).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            "income_per_head",
            "人均月收入应在0–1000000元之间",
        ))
    }
}

pub fn check_arrears(v: i64) -> Result<i64, FieldError> {
    if (0..=120).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new("arrears_months", "欠费月数应在0–120之间"))
    }
}

/// The date a sudden event happened (`YYYY-MM-DD`, China time): not in the future, at most two
/// years back. Returns its first instant, UTC ms.
pub fn check_happened(s: &str, now: i64) -> Result<i64, FieldError> {
    let bad = || {
        FieldError::new(
            "happened_on",
            "请填写发生日期（年-月-日），不晚于今天、不早于两年前",
        )
    };
    let d = crate::time_fmt::parse_date(s).ok_or_else(bad)?;
    let at = crate::time_fmt::day_start_ms(d);
    if at > now || at < now - 731 * DAY_MS {
        return Err(bad());
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_790_000_000_000;

    #[test]
    fn defaults_are_valid() {
        check_rules(&default_rules()).unwrap();
        let json = serde_json::to_string(&default_rules()).unwrap();
        let back: RuleSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, default_rules());
        assert!(json.contains(r#""when":"income_below""#), "{json}");
    }

    #[test]
    fn default_rules_colour_what_they_say() {
        let set = default_rules();
        let f = |income| Facts {
            income_per_head: Some(income),
            ..Default::default()
        };
        assert_eq!(evaluate(&set, &f(900), NOW).unwrap().colour, Colour::Red);
        assert_eq!(
            evaluate(&set, &f(1400), NOW).unwrap().colour,
            Colour::Yellow
        );
        assert!(evaluate(&set, &f(1600), NOW).is_none());
        let ill = Facts {
            income_per_head: Some(1400),
            hardships: vec![(Hardship::SeriousIllness, NOW - 10 * DAY_MS)],
            ..Default::default()
        };
        assert_eq!(evaluate(&set, &ill, NOW).unwrap().id, "serious_illness");
        let old_ill = Facts {
            hardships: vec![(Hardship::SeriousIllness, NOW - 100 * DAY_MS)],
            ..Default::default()
        };
        assert!(evaluate(&set, &old_ill, NOW).is_none());
        let overdue = Facts {
            visit_due: Some(NOW - 20 * DAY_MS),
            ..Default::default()
        };
        assert_eq!(evaluate(&set, &overdue, NOW).unwrap().id, "visit_overdue");
        let due_soon = Facts {
            visit_due: Some(NOW - 5 * DAY_MS),
            ..Default::default()
        };
        assert!(evaluate(&set, &due_soon, NOW).is_none());
        let arrears = Facts {
            arrears_months: 4,
            ..Default::default()
        };
        assert_eq!(evaluate(&set, &arrears, NOW).unwrap().id, "arrears_3");
    }

    #[test]
    fn windows_are_the_longest_look_back() {
        let w = default_rules().windows();
        assert_eq!(
            (w.hardships, w.findings, w.overdue),
            (Some(90), Some(30), Some(14))
        );
        let mut s = default_rules();
        s.rules
            .retain(|r| !matches!(r.condition, Condition::Finding { .. }));
        assert_eq!(s.windows().findings, None);
        // The cut-off keeps exactly the visits a rule may count.
        let due_before = w.due_before(NOW).unwrap();
        assert_eq!(overdue_days(due_before, NOW), 14);
        assert_eq!(overdue_days(due_before + 1, NOW), 13);
    }

    #[test]
    fn bad_rule_sets_are_refused() {
        let mut s = default_rules();
        s.dibao_line = 0;
        assert_eq!(check_rules(&s).unwrap_err().field, "dibao_line");
        let mut s = default_rules();
        s.rules[1].id = s.rules[0].id.clone();
        assert!(check_rules(&s).unwrap_err().reason.contains("重复"));
        let mut s = default_rules();
        s.deadlines.red_hours = 100;
        assert_eq!(check_rules(&s).unwrap_err().field, "deadlines");
        let mut s = default_rules();
        s.rules[0].condition = Condition::IncomeBelow { times_line: 9.0 };
        assert!(check_rules(&s).is_err());
    }

    #[test]
    fn frequencies_and_overdue() {
        assert_eq!(
            default_frequency(
                CareKind::Elderly,
                &Detail {
                    living_alone: true,
                    ..Default::default()
                }
            ),
            7
        );
        assert!(check_frequency(10).is_err());
        let due = visit_due(None, NOW, 7);
        assert_eq!(due, NOW + 7 * DAY_MS);
        assert_eq!(overdue_days(due, due), 0);
        assert_eq!(overdue_days(due, due + 1), 1);
        assert_eq!(visit_due(Some(NOW + DAY_MS), NOW, 7), NOW + 8 * DAY_MS);
        assert_eq!(visit_due(Some(NOW - 10 * DAY_MS), NOW, 7), NOW + 7 * DAY_MS);
        assert!(check_detail(CareKind::Disabled, &Detail::default()).is_err());
        assert!(check_detail(
            CareKind::Disabled,
            &Detail {
                disability_type: Some(DisabilityType::Visual),
                disability_grade: Some(2),
                ..Default::default()
            }
        )
        .is_ok());
    }

    fn colour() -> impl Strategy<Value = Colour> {
        prop_oneof![
            Just(Colour::Yellow),
            Just(Colour::Orange),
            Just(Colour::Red)
        ]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        prop_oneof![
            (1u32..30).prop_map(|t| Condition::IncomeBelow {
                times_line: t as f64 / 10.0
            }),
            (proptest::option::of(0usize..5), 1i64..400).prop_map(|(k, d)| {
                Condition::Hardship {
                    kind: k.map(|i| Hardship::ALL[i]),
                    within_days: d,
                }
            }),
            (1i64..100).prop_map(|days| Condition::VisitOverdue { days }),
            (1i64..12).prop_map(|months| Condition::Arrears { months }),
            (1i64..100).prop_map(|within_days| Condition::Finding { within_days }),
        ]
    }

    fn rules() -> impl Strategy<Value = RuleSet> {
        (
            500i64..2000,
            proptest::collection::vec((condition(), colour()), 1..12),
        )
            .prop_map(|(line, rs)| RuleSet {
                dibao_line: line,
                deadlines: Deadlines::default(),
                rules: rs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (condition, colour))| Rule {
                        id: format!("r{i}"),
                        label: format!("规则{i}"),
                        condition,
                        colour,
                    })
                    .collect(),
            })
    }

    fn facts() -> impl Strategy<Value = Facts> {
        (
            proptest::option::of(0i64..4000),
            proptest::collection::vec((0usize..5, 0i64..500), 0..4),
            proptest::option::of(-60i64..120),
            0i64..8,
            proptest::option::of(0i64..200),
        )
            .prop_map(|(inc, hs, due, arrears, finding)| Facts {
                income_per_head: inc,
                hardships: hs
                    .into_iter()
                    .map(|(k, d)| (Hardship::ALL[k], NOW - d * DAY_MS))
                    .collect(),
                visit_due: due.map(|d| NOW - d * DAY_MS),
                arrears_months: arrears,
                last_finding_at: finding.map(|d| NOW - d * DAY_MS),
            })
    }

    proptest! {
        /// The colour given is the worst colour of every rule that holds, and it comes from a
        /// rule that holds; no colour only when no rule holds.
        #[test]
        fn worst_colour_wins(set in rules(), f in facts()) {
            let holding: Vec<&Rule> = set.rules.iter()
                .filter(|r| r.condition.holds(set.dibao_line, &f, NOW)).collect();
            let worst = holding.iter().map(|r| r.colour.rank()).max();
            let got = evaluate(&set, &f, NOW);
            prop_assert_eq!(got.map(|r| r.colour.rank()), worst);
            if let Some(r) = got {
                prop_assert!(r.condition.holds(set.dibao_line, &f, NOW));
                // Of rules of the worst colour, the first in the set's order.
                let first = holding.iter().find(|h| h.colour == r.colour).unwrap();
                prop_assert_eq!(&first.id, &r.id);
            }
        }

        /// The same inputs give the same colour, whatever the order the facts were gathered in.
        #[test]
        fn same_inputs_same_colour(set in rules(), f in facts()) {
            let a = evaluate(&set, &f, NOW).map(|r| (r.id.clone(), r.colour));
            let mut g = f.clone();
            g.hardships.reverse();
            let b = evaluate(&set, &g, NOW).map(|r| (r.id.clone(), r.colour));
            prop_assert_eq!(a, b);
        }

        /// Leaving out the visits due after the cut-off changes no colour.
        #[test]
        fn the_visit_cut_off_changes_nothing(set in rules(), f in facts()) {
            let full = evaluate(&set, &f, NOW).map(|r| r.id.clone());
            let mut cut = f.clone();
            match set.windows().due_before(NOW) {
                Some(b) => if cut.visit_due.is_some_and(|d| d > b) { cut.visit_due = None },
                None => cut.visit_due = None,
            }
            prop_assert_eq!(full, evaluate(&set, &cut, NOW).map(|r| r.id.clone()));
        }

        /// Adding a rule never makes a household's colour better.
        #[test]
        fn more_rules_never_better(set in rules(), f in facts(), extra in condition(), c in colour()) {
            let before = evaluate(&set, &f, NOW).map(|r| r.colour.rank());
            let mut more = set.clone();
            more.rules.push(Rule { id: "extra".into(), label: "x".into(), condition: extra, colour: c });
            let after = evaluate(&more, &f, NOW).map(|r| r.colour.rank());
            prop_assert!(after >= before);
        }
    }
}
