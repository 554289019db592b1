//! Votes counted the way a community counts (居民表决): one ballot per unit (a household, an
//! adult resident, or a residents' representative), a quorum of the units eligible when the vote
//! opened, and a majority of the ballots cast or of everyone eligible.
//!
//! Everything here is pure: the store keeps the ballots (one row per unit, enforced by a unique
//! key) and the eligible units as they were at the opening; these functions say what a vote's
//! settings mean, who may cast a unit's ballot, and what a tally decides.

use crate::{check_max_chars, FieldError};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Whose voice a ballot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// One ballot per household with at least one resident (户代表表决).
    Household,
    /// One ballot per adult resident.
    Resident,
    /// One ballot per residents' representative (居民代表) of the place.
    Representative,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Unit::Household, Unit::Resident, Unit::Representative];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Household => "household",
            Unit::Resident => "resident",
            Unit::Representative => "representative",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|u| u.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new("unit", "表决单位应为 household、resident 或 representative")
            })
    }

    pub fn zh(self) -> &'static str {
        match self {
            Unit::Household => "每户一票",
            Unit::Resident => "每位成年居民一票",
            Unit::Representative => "每位居民代表一票",
        }
    }
}

/// How large a share the winning option needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More than half.
    Simple,
    /// At least two thirds.
    TwoThirds,
}

impl Majority {
    pub fn as_str(self) -> &'static str {
        match self {
            Majority::Simple => "simple",
            Majority::TwoThirds => "two_thirds",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "simple" => Ok(Majority::Simple),
            "two_thirds" => Ok(Majority::TwoThirds),
            _ => Err(FieldError::new(
                "majority",
                "多数规则应为 simple 或 two_thirds",
            )),
        }
    }

    /// `count` out of `base` reaches this majority (integer arithmetic, no rounding).
    pub fn reached(self, count: u64, base: u64) -> bool {
        if base == 0 || count == 0 {
            return false;
        }
        let (count, base) = (u128::from(count), u128::from(base));
        match self {
            Majority::Simple => count * 2 > base,
            Majority::TwoThirds => count * 3 >= base * 2,
        }
    }
}

/// What the majority is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MajorityOf {
    /// The ballots cast.
    #[default]
    Cast,
    /// Every eligible unit, voting or not.
    Eligible,
}

impl MajorityOf {
    pub fn as_str(self) -> &'static str {
        match self {
            MajorityOf::Cast => "cast",
            MajorityOf::Eligible => "eligible",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "cast" => Ok(MajorityOf::Cast),
            "eligible" => Ok(MajorityOf::Eligible),
            _ => Err(FieldError::new(
                "majority_of",
                "多数的基数应为 cast 或 eligible",
            )),
        }
    }
}

/// The most options a vote may offer.
pub const MAX_OPTIONS: usize = 20;
/// The longest option text (characters).
pub const MAX_OPTION_CHARS: usize = 100;
/// The longest question (characters).
pub const MAX_QUESTION_CHARS: usize = 500;

/// A vote's settings as a person gives them, checked together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteSpec {
    pub question: String,
    pub options: Vec<String>,
    pub unit: Unit,
    /// 0–100: the share of eligible units that must cast a ballot.
    pub quorum_percent: u8,
    pub majority: Majority,
    pub majority_of: MajorityOf,
    /// UTC milliseconds.
    pub opens_at: i64,
    pub closes_at: i64,
}

impl VoteSpec {
    /// Check and normalise (question and options trimmed). Every problem names its field.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        question: &str,
        options: &[String],
        unit: Unit,
        quorum_percent: i64,
        majority: Majority,
        majority_of: MajorityOf,
        opens_at: i64,
        closes_at: i64,
    ) -> Result<Self, FieldError> {
        let question = question.trim();
        if question.is_empty() {
            return Err(FieldError::new("question", "请填写表决事项"));
        }
        check_max_chars("question", "表决事项", question, MAX_QUESTION_CHARS)?;
        let options: Vec<String> = options.iter().map(|o| o.trim().to_string()).collect();
        if options.len() < 2 {
            return Err(FieldError::new("options", "至少要有两个选项"));
        }
        if options.len() > MAX_OPTIONS {
            return Err(FieldError::new(
                "options",
                format!("选项不能超过{MAX_OPTIONS}个"),
            ));
        }
        for (i, o) in options.iter().enumerate() {
            if o.is_empty() {
                return Err(FieldError::new(
                    "options",
                    format!("第{}个选项是空的", i + 1),
                ));
            }
            check_max_chars("options", "选项", o, MAX_OPTION_CHARS)?;
            if options[..i].contains(o) {
                return Err(FieldError::new("options", format!("选项“{o}”重复")));
            }
        }
        let quorum_percent = u8::try_from(quorum_percent)
            .ok()
            .filter(|q| *q <= 100)
            .ok_or_else(|| FieldError::new("quorum_percent", "法定参与比例应为 0 到 100"))?;
        if closes_at <= opens_at {
            return Err(FieldError::new("closes_at", "截止时间应晚于开始时间"));
        }
        Ok(Self {
            question: question.to_string(),
            options,
            unit,
            quorum_percent,
            majority,
            majority_of,
            opens_at,
            closes_at,
        })
    }
}

/// Where a vote is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not open yet.
    Scheduled,
    Open,
    /// Closed by staff, or past its closing time.
    Closed,
}

impl Phase {
    /// The phase at `now` of a vote with this window, closed by hand at `closed_at` if it was.
    pub fn at(opens_at: i64, closes_at: i64, closed_at: Option<i64>, now: i64) -> Phase {
        if closed_at.is_some_and(|c| c <= now) || now >= closes_at {
            Phase::Closed
        } else if now < opens_at {
            Phase::Scheduled
        } else {
            Phase::Open
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Scheduled => "scheduled",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Phase::Scheduled => "未开始",
            Phase::Open => "表决中",
            Phase::Closed => "已结束",
        }
    }
}

/// The age from which a resident votes (and casts a household's ballot).
pub const ADULT_AGE: i32 = 18;

/// `birth` is at least [`ADULT_AGE`] years before `on`.
pub fn is_adult(birth: Date, on: Date) -> bool {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age >= ADULT_AGE
}

/// The calendar date (China time) of a UTC millisecond instant.
pub fn date_of(ms: i64) -> Date {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(crate::time_fmt::CST);
    t.date()
}

/// What the register says about a resident who wants to cast a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voter {
    pub adult: bool,
    /// Their household named a voter for its ballots, and it is someone else.
    pub household_named_someone_else: bool,
    /// They are a residents' representative of the vote's place.
    pub representative: bool,
}

/// Why a resident may not cast their unit's ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAVoter {
    /// Under [`ADULT_AGE`].
    Minor,
    /// The household named another member to vote for it.
    NotTheHouseholdsVoter,
    /// The vote is for representatives, and this resident is not one.
    NotARepresentative,
}

impl NotAVoter {
    pub fn zh(self) -> &'static str {
        match self {
            NotAVoter::Minor => "未满十八周岁的居民不参加表决",
            NotAVoter::NotTheHouseholdsVoter => "本户已指定其他成员代表本户投票",
            NotAVoter::NotARepresentative => "本次表决由居民代表投票",
        }
    }
}

/// May this resident cast their unit's ballot in a vote counted by `unit`?
pub fn may_cast(unit: Unit, v: Voter) -> Result<(), NotAVoter> {
    match unit {
        Unit::Representative if !v.representative => Err(NotAVoter::NotARepresentative),
        Unit::Representative => Ok(()),
        _ if !v.adult => Err(NotAVoter::Minor),
        Unit::Household if v.household_named_someone_else => Err(NotAVoter::NotTheHouseholdsVoter),
        Unit::Household | Unit::Resident => Ok(()),
    }
}

/// The ballots of a vote, counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Units eligible when the vote opened.
    pub eligible: u64,
    /// Ballots per option, in the options' order.
    pub counts: Vec<u64>,
}

impl Tally {
    pub fn cast(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// What a tally decides under a vote's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub eligible: u64,
    pub cast: u64,
    /// cast / eligible (0 when nobody is eligible).
    pub turnout: f64,
    pub quorum_met: bool,
    /// The option (its index) that won: quorum met and its count reaches the majority.
    pub winner: Option<usize>,
}

/// Decide a tally: turnout, quorum, and the option that reaches the majority, if any. With a
/// simple majority at most one option can exceed half, and two options reaching two thirds would
/// need four thirds of the base, so the winner is unique.
pub fn decide(spec_quorum_percent: u8, majority: Majority, of: MajorityOf, t: &Tally) -> Outcome {
    let cast = t.cast();
    let eligible = t.eligible;
    let turnout = if eligible == 0 {
        0.0
    } else {
        cast as f64 / eligible as f64
    };
    let quorum_met = eligible > 0
        && u128::from(cast) * 100 >= u128::from(spec_quorum_percent) * u128::from(eligible);
    let base = match of {
        MajorityOf::Cast => cast,
        MajorityOf::Eligible => eligible,
    };
    let winner = if quorum_met {
        t.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| majority.reached(**c, base))
            .max_by_key(|(_, c)| **c)
            .map(|(i, _)| i)
    } else {
        None
    };
    Outcome {
        eligible,
        cast,
        turnout,
        quorum_met,
        winner,
    }
}

/// The ballots of a vote as the store keeps them: one per unit, the first one wins. A second
/// ballot for a unit (by any member, through any channel) is refused and changes nothing.
#[derive(Debug, Clone, Default)]
pub struct BallotBox {
    by_unit: std::collections::HashMap<i64, usize>,
    counts: Vec<u64>,
}

/// A ballot that was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The unit has voted already.
    AlreadyVoted,
    /// No such option.
    NoSuchOption,
}

impl BallotBox {
    pub fn new(options: usize) -> Self {
        Self {
            by_unit: Default::default(),
            counts: vec![0; options],
        }
    }

    pub fn cast(&mut self, unit: i64, option: usize) -> Result<(), Refused> {
        if option >= self.counts.len() {
            return Err(Refused::NoSuchOption);
        }
        if self.by_unit.contains_key(&unit) {
            return Err(Refused::AlreadyVoted);
        }
        self.by_unit.insert(unit, option);
        self.counts[option] += 1;
        Ok(())
    }

    pub fn tally(&self, eligible: u64) -> Tally {
        Tally {
            eligible,
            counts: self.counts.clone(),
        }
    }

    pub fn units(&self) -> usize {
        self.by_unit.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn spec(
        options: &[&str],
        quorum: i64,
        opens: i64,
        closes: i64,
    ) -> Result<VoteSpec, FieldError> {
        VoteSpec::new(
            "是否拆除私装地锁、统一施划车位？",
            &opts(options),
            Unit::Household,
            quorum,
            Majority::Simple,
            MajorityOf::Cast,
            opens,
            closes,
        )
    }

    #[test]
    fn a_spec_names_what_is_wrong() {
        assert!(spec(&["同意", "不同意"], 50, 0, 1).is_ok());
        assert_eq!(spec(&["同意"], 50, 0, 1).unwrap_err().field, "options");
        assert_eq!(
            spec(&["同意", " 同意 "], 50, 0, 1).unwrap_err().field,
            "options"
        );
        assert_eq!(
            spec(&["同意", "  "], 50, 0, 1).unwrap_err().field,
            "options"
        );
        assert_eq!(
            spec(&["同意", "不同意"], 101, 0, 1).unwrap_err().field,
            "quorum_percent"
        );
        assert_eq!(
            spec(&["同意", "不同意"], -1, 0, 1).unwrap_err().field,
            "quorum_percent"
        );
        assert_eq!(
            spec(&["同意", "不同意"], 50, 5, 5).unwrap_err().field,
            "closes_at"
        );
        let e = VoteSpec::new(
            " ",
            &opts(&["a", "b"]),
            Unit::Resident,
            0,
            Majority::Simple,
            MajorityOf::Cast,
            0,
            1,
        )
        .unwrap_err();
        assert_eq!(e.field, "question");
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        let e = VoteSpec::new(
            "q",
            &many,
            Unit::Resident,
            0,
            Majority::Simple,
            MajorityOf::Cast,
            0,
            1,
        )
        .unwrap_err();
        assert_eq!(e.field, "options");
        assert_eq!(Unit::parse("household").unwrap(), Unit::Household);
        assert_eq!(Unit::parse("family").unwrap_err().field, "unit");
        assert_eq!(Majority::parse("two_thirds").unwrap(), Majority::TwoThirds);
        assert_eq!(MajorityOf::parse("all").unwrap_err().field, "majority_of");
    }

    #[test]
    fn phases_follow_the_window_and_the_hand_close() {
        assert_eq!(Phase::at(10, 20, None, 9), Phase::Scheduled);
        assert_eq!(Phase::at(10, 20, None, 10), Phase::Open);
        assert_eq!(Phase::at(10, 20, None, 20), Phase::Closed);
        assert_eq!(Phase::at(10, 20, Some(15), 16), Phase::Closed);
        assert_eq!(Phase::at(10, 20, Some(15), 14), Phase::Open);
    }

    #[test]
    fn adults_by_birthday() {
        assert!(is_adult(date!(2008 - 03 - 01), date!(2026 - 03 - 01)));
        assert!(!is_adult(date!(2008 - 03 - 02), date!(2026 - 03 - 01)));
        assert!(is_adult(date!(1950 - 12 - 31), date!(2026 - 01 - 01)));
    }

    #[test]
    fn who_casts_a_units_ballot() {
        let adult = Voter {
            adult: true,
            household_named_someone_else: false,
            representative: false,
        };
        assert_eq!(may_cast(Unit::Household, adult), Ok(()));
        assert_eq!(may_cast(Unit::Resident, adult), Ok(()));
        assert_eq!(
            may_cast(Unit::Representative, adult),
            Err(NotAVoter::NotARepresentative)
        );
        let child = Voter {
            adult: false,
            ..adult
        };
        assert_eq!(may_cast(Unit::Household, child), Err(NotAVoter::Minor));
        assert_eq!(may_cast(Unit::Resident, child), Err(NotAVoter::Minor));
        let other = Voter {
            household_named_someone_else: true,
            ..adult
        };
        assert_eq!(
            may_cast(Unit::Household, other),
            Err(NotAVoter::NotTheHouseholdsVoter)
        );
        assert_eq!(may_cast(Unit::Resident, other), Ok(()));
        let rep = Voter {
            representative: true,
            ..adult
        };
        assert_eq!(may_cast(Unit::Representative, rep), Ok(()));
    }

    #[test]
    fn the_xiangyang_street_vote() {
        // 向阳街: 240 households eligible, 183 cast, 151 for marking spaces.
        let t = Tally {
            eligible: 240,
            counts: vec![151, 32],
        };
        let o = decide(50, Majority::Simple, MajorityOf::Cast, &t);
        assert!(o.quorum_met);
        assert_eq!(o.winner, Some(0));
        assert!((o.turnout - 183.0 / 240.0).abs() < 1e-12);
        // Two thirds of everyone eligible (160) is not reached by 151.
        let o = decide(50, Majority::TwoThirds, MajorityOf::Eligible, &t);
        assert_eq!(o.winner, None);
        // No quorum, no outcome.
        let o = decide(80, Majority::Simple, MajorityOf::Cast, &t);
        assert!(!o.quorum_met);
        assert_eq!(o.winner, None);
    }

    #[test]
    fn edges_of_majority_and_quorum() {
        assert!(!Majority::Simple.reached(5, 10));
        assert!(Majority::Simple.reached(6, 10));
        assert!(Majority::TwoThirds.reached(2, 3));
        assert!(!Majority::TwoThirds.reached(6, 10));
        assert!(Majority::TwoThirds.reached(7, 10));
        assert!(!Majority::Simple.reached(0, 0));
        // Nobody eligible: no quorum, turnout 0.
        let o = decide(
            0,
            Majority::Simple,
            MajorityOf::Cast,
            &Tally {
                eligible: 0,
                counts: vec![0, 0],
            },
        );
        assert!(!o.quorum_met);
        assert_eq!(o.turnout, 0.0);
        // A tie of two halves: nobody has more than half.
        let o = decide(
            0,
            Majority::Simple,
            MajorityOf::Cast,
            &Tally {
                eligible: 4,
                counts: vec![2, 2],
            },
        );
        assert_eq!(o.winner, None);
        // Quorum exactly at the line.
        let o = decide(
            50,
            Majority::Simple,
            MajorityOf::Cast,
            &Tally {
                eligible: 10,
                counts: vec![5, 0],
            },
        );
        assert!(o.quorum_met);
        assert_eq!(o.winner, Some(0));
    }

    proptest! {
        /// Any sequence of ballots, with repeats and bad options: at most one counted per unit,
        /// the counts sum to the ballots cast, and a refused ballot changes nothing.
        #[test]
        fn one_ballot_per_unit(
            options in 2usize..6,
            ballots in proptest::collection::vec((0i64..40, 0usize..7), 0..200),
        ) {
            let mut b = BallotBox::new(options);
            let mut seen = std::collections::HashSet::new();
            for (unit, option) in ballots {
                let before = b.tally(40);
                match b.cast(unit, option) {
                    Ok(()) => {
                        prop_assert!(option < options);
                        prop_assert!(seen.insert(unit));
                    }
                    Err(Refused::NoSuchOption) => {
                        prop_assert!(option >= options);
                        prop_assert_eq!(b.tally(40), before);
                    }
                    Err(Refused::AlreadyVoted) => {
                        prop_assert!(seen.contains(&unit));
                        prop_assert_eq!(b.tally(40), before);
                    }
                }
            }
            let t = b.tally(40);
            prop_assert_eq!(t.cast() as usize, seen.len());
            prop_assert_eq!(b.units(), seen.len());
            prop_assert!(t.cast() <= 40);
        }

        /// The winner, when there is one, reaches the majority and the quorum holds.
        #[test]
        fn a_winner_reaches_the_majority(
            counts in proptest::collection::vec(0u64..50, 2..6),
            extra in 0u64..100,
            quorum in 0u8..=100,
            two_thirds: bool,
            of_eligible: bool,
        ) {
            let eligible = counts.iter().sum::<u64>() + extra;
            let t = Tally { eligible, counts: counts.clone() };
            let m = if two_thirds { Majority::TwoThirds } else { Majority::Simple };
            let of = if of_eligible { MajorityOf::Eligible } else { MajorityOf::Cast };
            let o = decide(quorum, m, of, &t);
            prop_assert_eq!(o.cast, t.cast());
            if let Some(w) = o.winner {
                prop_assert!(o.quorum_met);
                let base = if of_eligible { eligible } else { t.cast() };
                prop_assert!(m.reached(counts[w], base));
                // Unique: no other option reaches it.
                for (i, c) in counts.iter().enumerate() {
                    if i != w { prop_assert!(!m.reached(*c, base)); }
                }
            }
        }
    }
}
