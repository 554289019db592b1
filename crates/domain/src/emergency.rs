//! Emergencies (平急结合, issue 13 §4; docs/emergency.md): volunteer and emergency teams of a
//! place, incidents declared over a place, and a check of every vulnerable household in it until
//! each one is accounted for.
//!
//! The rules here are pure: which households an incident covers and why ([`Reasons`]), who checks
//! which building ([`assign`]), how the board counts ([`Board`]), when an unreachable household is
//! due for escalation ([`retry_due`]), and the after-action report ([`AfterAction`]).

use crate::FieldError;
use serde::{Deserialize, Serialize};

crate::registry::str_enum!(
    /// 突发事件类型
    IncidentKind {
        Typhoon = "typhoon" / "台风",
        Flood = "flood" / "洪涝",
        Fire = "fire" / "火灾",
        PowerCut = "power_cut" / "停电",
        Epidemic = "epidemic" / "疫情",
        Other = "other" / "其他",
    }
);

crate::registry::str_enum!(
    /// 核查结果. `Pending` is never recorded: it is a household with no check yet.
    CheckStatus {
        Pending = "pending" / "待核查",
        Safe = "safe" / "平安",
        NeedsHelp = "needs_help" / "需要帮助",
        Unreachable = "unreachable" / "联系不上",
    }
);

impl CheckStatus {
    /// The statuses a check may record.
    pub const RECORDED: [CheckStatus; 3] = [
        CheckStatus::Safe,
        CheckStatus::NeedsHelp,
        CheckStatus::Unreachable,
    ];

    /// A status a check may record (not `pending`), with the field's error otherwise.
    pub fn parse_recorded(s: &str) -> Result<CheckStatus, FieldError> {
        match CheckStatus::parse(s) {
            Some(c) if c != CheckStatus::Pending => Ok(c),
            _ => Err(FieldError::new(
                "status",
                "核查结果应为 safe（平安）、needs_help（需要帮助）或 unreachable（联系不上）",
            )),
        }
    }

    /// Accounted for: a household whose latest check is safe or needs help (someone reached it).
    pub fn accounted(self) -> bool {
        matches!(self, CheckStatus::Safe | CheckStatus::NeedsHelp)
    }
}

crate::registry::str_enum!(
    /// 两组: 志愿服务队 and 应急队
    TeamKind {
        Volunteer = "volunteer" / "志愿服务队",
        Emergency = "emergency" / "应急队",
    }
);

/// Why a household is checked in an emergency: its residents' register tags, or a staff member
/// added it. Kept as bits on the household's row of the incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reasons(pub u8);

impl Reasons {
    pub const ELDERLY_ALONE: u8 = 1;
    pub const DISABLED: u8 = 2;
    pub const LOW_INCOME: u8 = 4;
    pub const CHILD_IN_DIFFICULTY: u8 = 8;
    pub const ADDED: u8 = 16;

    const LABELS: [(u8, &'static str, &'static str); 5] = [
        (Self::ELDERLY_ALONE, "elderly_alone", "独居老人"),
        (Self::DISABLED, "disabled", "残疾人"),
        (Self::LOW_INCOME, "low_income", "低收入"),
        (Self::CHILD_IN_DIFFICULTY, "child_in_difficulty", "困境儿童"),
        (Self::ADDED, "added", "工作人员添加"),
    ];

    /// The reasons one resident gives its household.
    pub fn of_resident(tags: &crate::registry::ResidentTags) -> Reasons {
        let mut r = 0;
        if tags.elderly_alone {
            r |= Self::ELDERLY_ALONE;
        }
        if tags.disability_grade.is_some() {
            r |= Self::DISABLED;
        }
        if tags.low_income.is_some() {
            r |= Self::LOW_INCOME;
        }
        if tags.child_in_difficulty {
            r |= Self::CHILD_IN_DIFFICULTY;
        }
        Reasons(r)
    }

    pub fn union(self, o: Reasons) -> Reasons {
        Reasons(self.0 | o.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Codes, in a fixed order.
    pub fn codes(self) -> Vec<&'static str> {
        Self::LABELS
            .iter()
            .filter(|(b, _, _)| self.0 & b != 0)
            .map(|(_, c, _)| *c)
            .collect()
    }

    /// "独居老人、残疾人".
    pub fn label_zh(self) -> String {
        Self::LABELS
            .iter()
            .filter(|(b, _, _)| self.0 & b != 0)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A title: 2–60 characters after trimming.
pub fn check_title(s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    let n = t.chars().count();
    if n < 2 {
        return Err(FieldError::new("title", "请填写事件名称（至少2个字）"));
    }
    if n > 60 {
        return Err(FieldError::new("title", "事件名称不能超过60字"));
    }
    Ok(t.to_string())
}

/// A team member who can be assigned buildings: their user id and the path of their team's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checker {
    pub user_id: i64,
    pub team_path: String,
}

/// Who checks each building: the members of the most local team whose place holds the building
/// (a grid's team before its community's), taking the buildings in turn (in the order given) so
/// each member gets a fair share; a building no team covers gets nobody (staff take it). Members
/// of the same place are taken in the order given; duplicates count once. Deterministic.
pub fn assign(buildings: &[(i64, String)], checkers: &[Checker]) -> Vec<(i64, Option<i64>)> {
    use std::collections::BTreeMap;
    // The places with teams, each with its distinct members.
    let mut by_place: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for c in checkers {
        let v = by_place.entry(c.team_path.as_str()).or_default();
        if !v.contains(&c.user_id) {
            v.push(c.user_id);
        }
    }
    let mut turn: BTreeMap<&str, usize> = BTreeMap::new();
    buildings
        .iter()
        .map(|(id, path)| {
            let place = by_place
                .keys()
                .filter(|p| path.starts_with(**p))
                .max_by_key(|p| p.len())
                .copied();
            let who = place.map(|p| {
                let members = &by_place[p];
                let t = turn.entry(p).or_default();
                let u = members[*t % members.len()];
                *t += 1;
                u
            });
            (*id, who)
        })
        .collect()
}

/// The board's counts: every household once, by its latest check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub households: i64,
    pub pending: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreachable: i64,
}

impl Board {
    pub fn add(&mut self, status: CheckStatus, n: i64) {
        self.households += n;
        match status {
            CheckStatus::Pending => self.pending += n,
            CheckStatus::Safe => self.safe += n,
            CheckStatus::NeedsHelp => self.needs_help += n,
            CheckStatus::Unreachable => self.unreachable += n,
        }
    }

    /// Add another board's counts (a grid's buildings, the places a member reaches).
    pub fn merge(&mut self, o: &Board) {
        self.households += o.households;
        self.pending += o.pending;
        self.safe += o.safe;
        self.needs_help += o.needs_help;
        self.unreachable += o.unreachable;
    }

    /// Checked at least once.
    pub fn checked(&self) -> i64 {
        self.households - self.pending
    }

    /// Every household reached (safe or needs help): nobody pending or unreachable.
    pub fn all_accounted(&self) -> bool {
        self.pending == 0 && self.unreachable == 0
    }

    /// Share of households reached, 0–1 (1 when there are none).
    pub fn coverage(&self) -> f64 {
        if self.households == 0 {
            1.0
        } else {
            (self.safe + self.needs_help) as f64 / self.households as f64
        }
    }
}

/// Minutes before an unreachable household is escalated when nobody has reached it since.
pub const DEFAULT_RETRY_MINUTES: i64 = 60;

/// An unreachable household whose last check is older than the retry time and not yet escalated
/// for that check.
pub fn retry_due(
    status: CheckStatus,
    last_check_at: Option<i64>,
    escalated_at: Option<i64>,
    now: i64,
    retry_minutes: i64,
) -> bool {
    let Some(at) = last_check_at else {
        return false;
    };
    status == CheckStatus::Unreachable
        && now - at >= retry_minutes * 60_000
        && escalated_at.is_none_or(|e| e < at)
}

/// What the after-action report states (总结报告): times, coverage and gaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterAction {
    pub declared_at: i64,
    pub stood_down_at: Option<i64>,
    /// The first check recorded.
    pub first_check_at: Option<i64>,
    /// When the last household was reached, if every one was.
    pub all_accounted_at: Option<i64>,
    /// Minutes from declaration to every household reached.
    pub minutes_to_account: Option<i64>,
    pub board: Board,
    pub checks: i64,
    /// Households checked more than once (retries).
    pub retried: i64,
    /// Households escalated for being unreachable too long.
    pub escalated: i64,
    /// Households needing help that became events.
    pub events: i64,
}

impl AfterAction {
    /// From the incident's times, its board, and each household's (first reached, checks) times.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        declared_at: i64,
        stood_down_at: Option<i64>,
        board: Board,
        first_check_at: Option<i64>,
        last_reached_at: Option<i64>,
        checks: i64,
        retried: i64,
        escalated: i64,
        events: i64,
    ) -> AfterAction {
        let all_accounted_at = if board.households > 0 && board.all_accounted() {
            last_reached_at
        } else {
            None
        };
        AfterAction {
            declared_at,
            stood_down_at,
            first_check_at,
            all_accounted_at,
            minutes_to_account: all_accounted_at.map(|t| (t - declared_at).max(0) / 60_000),
            board,
            checks,
            retried,
            escalated,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{LowIncome, ResidentTags};
    use proptest::prelude::*;

    fn chk(u: i64, p: &str) -> Checker {
        Checker {
            user_id: u,
            team_path: p.into(),
        }
    }

    #[test]
    fn the_most_local_team_takes_a_building_in_turn() {
        let b = |id: i64, p: &str| (id, p.to_string());
        let buildings = [
            b(1, "1.2.3.10.100."),
            b(2, "1.2.3.10.101."),
            b(3, "1.2.3.10.102."),
            b(4, "1.2.3.11.103."),
            b(5, "1.2.9.12.104."),
        ];
        // A grid team (10) of two, a community team (3) of one.
        let a = assign(
            &buildings,
            &[chk(7, "1.2.3.10."), chk(8, "1.2.3.10."), chk(9, "1.2.3.")],
        );
        assert_eq!(
            a,
            vec![
                (1, Some(7)),
                (2, Some(8)),
                (3, Some(7)),
                (4, Some(9)),
                (5, None)
            ]
        );
        // No team: nobody.
        assert_eq!(assign(&buildings[..1], &[]), vec![(1, None)]);
    }

    #[test]
    fn reasons_come_from_the_register_tags() {
        let mut t = ResidentTags::default();
        assert!(Reasons::of_resident(&t).is_empty());
        t.elderly_alone = true;
        t.low_income = Some(LowIncome::PovertyWatch);
        let r = Reasons::of_resident(&t);
        assert_eq!(r.codes(), vec!["elderly_alone", "low_income"]);
        assert_eq!(r.label_zh(), "独居老人、低收入");
        t.volunteer = true;
        t.party_member = true;
        assert_eq!(Reasons::of_resident(&t), r);
    }

    #[test]
    fn pending_is_not_a_status_a_check_records() {
        assert!(CheckStatus::parse_recorded("pending").is_err());
        assert!(CheckStatus::parse_recorded("fine").is_err());
        assert_eq!(
            CheckStatus::parse_recorded("needs_help").unwrap(),
            CheckStatus::NeedsHelp
        );
        assert!(check_title(" 台").is_err());
        assert_eq!(check_title(" 台风“梅花” ").unwrap(), "台风“梅花”");
    }

    #[test]
    fn an_unreachable_household_escalates_once_per_check() {
        let h = 3_600_000;
        assert!(!retry_due(
            CheckStatus::Unreachable,
            Some(0),
            None,
            h - 1,
            60
        ));
        assert!(retry_due(CheckStatus::Unreachable, Some(0), None, h, 60));
        assert!(!retry_due(
            CheckStatus::Unreachable,
            Some(0),
            Some(h),
            2 * h,
            60
        ));
        // Tried again after the escalation, still unreachable: due again.
        assert!(retry_due(
            CheckStatus::Unreachable,
            Some(h + 5),
            Some(h),
            3 * h,
            60
        ));
        assert!(!retry_due(CheckStatus::Safe, Some(0), None, 9 * h, 60));
        assert!(!retry_due(CheckStatus::Pending, None, None, 9 * h, 60));
    }

    #[test]
    fn the_after_action_report_states_when_all_were_reached() {
        let mut b = Board::default();
        b.add(CheckStatus::Safe, 8);
        b.add(CheckStatus::NeedsHelp, 2);
        let r = AfterAction::compute(
            0,
            Some(9_000_000),
            b,
            Some(60_000),
            Some(5_400_000),
            12,
            2,
            1,
            2,
        );
        assert_eq!(r.minutes_to_account, Some(90));
        assert_eq!(b.coverage(), 1.0);
        b.add(CheckStatus::Unreachable, 1);
        let r = AfterAction::compute(0, None, b, Some(60_000), Some(5_400_000), 13, 2, 1, 2);
        assert_eq!(r.all_accounted_at, None);
        assert!((b.coverage() - 10.0 / 11.0).abs() < 1e-9);
    }

    proptest! {
        /// Every building gets a member of the most local team holding it, or nobody when no team
        /// holds it; the members of one place differ by at most one building.
        #[test]
        fn assignment_is_local_and_fair(
            paths in proptest::collection::vec((0u8..3, 0u8..4), 0..60),
            teams in proptest::collection::vec((0u8..3, proptest::option::of(0u8..4), 1i64..6), 0..6),
        ) {
            let buildings: Vec<(i64, String)> = paths.iter().enumerate()
                .map(|(i, (c, g))| (i as i64, format!("1.{c}.{g}.{i}.")))
                .collect();
            let checkers: Vec<Checker> = teams.iter().enumerate()
                .map(|(i, (c, g, u))| chk(100 * i as i64 + u, &match g {
                    Some(g) => format!("1.{c}.{g}."),
                    None => format!("1.{c}."),
                }))
                .collect();
            let a = assign(&buildings, &checkers);
            prop_assert_eq!(a.len(), buildings.len());
            let mut load: std::collections::BTreeMap<i64, i64> = Default::default();
            for ((_, path), (_, who)) in buildings.iter().zip(&a) {
                let best = checkers.iter().filter(|c| path.starts_with(&c.team_path))
                    .map(|c| c.team_path.len()).max();
                match (best, who) {
                    (None, None) => {}
                    (Some(len), Some(u)) => {
                        let c = checkers.iter().find(|c| c.user_id == *u && path.starts_with(&c.team_path)).unwrap();
                        prop_assert_eq!(c.team_path.len(), len);
                        *load.entry(*u).or_default() += 1;
                    }
                    _ => prop_assert!(false, "{path} {who:?}"),
                }
            }
            let mut per_place: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
            for c in &checkers {
                let v = per_place.entry(c.team_path.as_str()).or_default();
                if !v.contains(&c.user_id) { v.push(c.user_id); }
            }
            for members in per_place.values() {
                let loads: Vec<i64> = members.iter().map(|u| load.get(u).copied().unwrap_or(0)).collect();
                let (lo, hi) = (loads.iter().min().unwrap(), loads.iter().max().unwrap());
                // A user in two places' teams may carry both loads: only check distinct users.
                let shared = members.iter().any(|u| per_place.values().filter(|m| m.contains(u)).count() > 1);
                if !shared { prop_assert!(hi - lo <= 1, "{loads:?}"); }
            }
        }

        /// The board counts each household once, whatever the statuses.
        #[test]
        fn the_board_sums_to_the_households(s in proptest::collection::vec(0usize..4, 0..200)) {
            let mut b = Board::default();
            for i in &s { b.add(CheckStatus::ALL[*i], 1); }
            prop_assert_eq!(b.pending + b.safe + b.needs_help + b.unreachable, b.households);
            prop_assert_eq!(b.all_accounted(), b.pending == 0 && b.unreachable == 0);
            // Two halves merged are the whole.
            let (mut x, mut y) = (Board::default(), Board::default());
            for (n, i) in s.iter().enumerate() {
                if n % 2 == 0 { x.add(CheckStatus::ALL[*i], 1) } else { y.add(CheckStatus::ALL[*i], 1) }
            }
            x.merge(&y);
            prop_assert_eq!(x, b);
        }
    }
}
