//! Small proposals (居民小提案) and supports (附议), as a state machine (issue 11 §2).
//!
//! A resident (or a steward, from a visit, on a household's behalf) files a proposal about a
//! place; residents of the same community support it, once each, the author never. When the
//! supports reach the community's threshold the community must answer by a deadline: take it up
//! onto an agenda, merge it into another proposal, or decline it with reasons. An answer that is
//! late is flagged and escalates like an event. A proposal can also become an event (it is
//! really a complaint), and stays linked to it.
//!
//! Everything here is pure: who may do what, what a command changes, and the threshold. The clock
//! is passed in.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Days a community has to answer a proposal that reached its threshold (default).
pub const ANSWER_DAYS: i64 = 15;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// How many supports make a community answer: an absolute number, or a share of its
/// households with a floor. Per community; the default is 1 % of households, at least 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Threshold {
    Absolute(u32),
    /// Per mille of the community's households, at least `floor`.
    Share {
        permille: u32,
        floor: u32,
    },
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold::Share {
            permille: 10,
            floor: 10,
        }
    }
}

/// The most a community may ask: every household (an absolute number above this is a typo).
pub const MAX_THRESHOLD: u32 = 3_000;

impl Threshold {
    /// A threshold as a community sets it: `absolute` with `count` (1–3,000) supports, or
    /// `share` with `permille` (1–1,000 ‰ of households) and a `floor` (1–3,000); each wrong
    /// field named.
    pub fn parse(
        kind: &str,
        count: Option<i64>,
        permille: Option<i64>,
        floor: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let within = |field: &'static str, v: Option<i64>, max: i64, what: &str| {
            v.filter(|v| (1..=max).contains(v))
                .map(|v| v as u32)
                .ok_or_else(|| FieldError::new(field, format!("{what}应为1到{max}")))
        };
        match kind.trim() {
            "absolute" => within("count", count, i64::from(MAX_THRESHOLD), "附议人数")
                .map(Threshold::Absolute)
                .map_err(|e| vec![e]),
            "share" => {
                let p = within("permille", permille, 1000, "户数千分比");
                let f = within("floor", floor, i64::from(MAX_THRESHOLD), "最少人数");
                match (p, f) {
                    (Ok(permille), Ok(floor)) => Ok(Threshold::Share { permille, floor }),
                    (p, f) => Err([p.err(), f.err()].into_iter().flatten().collect()),
                }
            }
            _ => Err(vec![FieldError::new(
                "kind",
                "门槛方式应为 absolute 或 share",
            )]),
        }
    }

    /// How the page says it: "30人" or "1‰的住户，至少10人".
    pub fn describe_zh(self) -> String {
        match self {
            Threshold::Absolute(n) => format!("{n}人"),
            Threshold::Share { permille, floor } => {
                format!("住户的{permille}‰，至少{floor}人")
            }
        }
    }

    /// Supports needed in a community of `households` households (rounded up).
    pub fn needed(self, households: u64) -> u64 {
        match self {
            Threshold::Absolute(n) => u64::from(n.max(1)),
            Threshold::Share { permille, floor } => {
                let share = (households * u64::from(permille)).div_ceil(1000);
                share.max(u64::from(floor)).max(1)
            }
        }
    }
}

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Filed, collecting supports.
    Collecting,
    /// Reached the threshold at `since`: the community must answer by `due`.
    AwaitingAnswer,
    /// Taken up onto an agenda (a meeting deliberates it).
    TakenUp,
    /// Merged into another proposal.
    Merged,
    /// Declined, with reasons.
    Declined,
    /// Withdrawn by its author before an answer.
    Withdrawn,
    /// Became an event (a complaint, handled as one).
    BecameEvent,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Collecting,
        Phase::AwaitingAnswer,
        Phase::TakenUp,
        Phase::Merged,
        Phase::Declined,
        Phase::Withdrawn,
        Phase::BecameEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Collecting => "collecting",
            Phase::AwaitingAnswer => "awaiting_answer",
            Phase::TakenUp => "taken_up",
            Phase::Merged => "merged",
            Phase::Declined => "declined",
            Phase::Withdrawn => "withdrawn",
            Phase::BecameEvent => "became_event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Collecting => "征集附议中",
            Phase::AwaitingAnswer => "待社区答复",
            Phase::TakenUp => "已列入议题",
            Phase::Merged => "已合并",
            Phase::Declined => "不予采纳",
            Phase::Withdrawn => "已撤回",
            Phase::BecameEvent => "已转为事件办理",
        }
    }

    /// Supports are still taken (before an answer).
    pub fn open(self) -> bool {
        matches!(self, Phase::Collecting | Phase::AwaitingAnswer)
    }
}

/// A proposal's state as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub phase: Phase,
    pub supports: u64,
    /// When the threshold was reached, and the answer's deadline.
    pub awaiting_since: Option<i64>,
    pub answer_due: Option<i64>,
    /// The proposal it was merged into, or the event it became.
    pub linked: Option<i64>,
}

impl State {
    pub fn new() -> Self {
        State {
            phase: Phase::Collecting,
            supports: 0,
            awaiting_since: None,
            answer_due: None,
            linked: None,
        }
    }

    /// The answer is late at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.phase == Phase::AwaitingAnswer && self.answer_due.is_some_and(|d| now > d)
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// Who acts on a proposal, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The resident who filed it (or on whose behalf a steward filed it).
    Author,
    /// Another resident of the proposal's community.
    Neighbour,
    /// A resident of another community.
    Outsider,
    /// Staff of the community (community worker and above, the place in scope).
    Community,
}

/// What can be done to a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A neighbour supports it (附议). `already` says whether they supported it before.
    Support { already: bool },
    /// The community takes it up onto an agenda.
    TakeUp,
    /// The community merges it into another proposal.
    MergeInto(i64),
    /// The community declines it, with its reasons (required).
    Decline { reasons: String },
    /// The author withdraws it.
    Withdraw,
    /// The community turns it into an event (the event's id).
    ToEvent(i64),
}

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// This actor may not do this (the author supporting their own, a neighbour answering …).
    NotAllowed,
    /// Not in this phase (answered already, withdrawn …).
    WrongPhase(Phase),
    /// The neighbour has supported it already.
    AlreadySupported,
    /// A field is missing or wrong (a decline without reasons, a merge into itself).
    Invalid(FieldError),
}

impl Refusal {
    pub fn zh(&self) -> String {
        match self {
            Refusal::NotAllowed => "无权进行此操作".into(),
            Refusal::WrongPhase(p) => format!("提案当前状态为“{}”，不能进行此操作", p.label_zh()),
            Refusal::AlreadySupported => "您已附议过这条提案".into(),
            Refusal::Invalid(e) => e.reason.clone(),
        }
    }
}

/// The longest reasons of a decline (characters).
pub const MAX_REASONS: usize = 1000;

/// Apply a command of `who` at `now` to a proposal (`id`) in a community that needs `needed`
/// supports: the new state, or why not. Pure; the caller stores the state, the timeline entry
/// and tells the author and supporters.
pub fn transition(
    id: i64,
    s: &State,
    who: Actor,
    cmd: &Command,
    needed: u64,
    now: i64,
) -> Result<State, Refusal> {
    let mut next = s.clone();
    match cmd {
        Command::Support { already } => {
            if who != Actor::Neighbour {
                return Err(Refusal::NotAllowed);
            }
            if !s.phase.open() {
                return Err(Refusal::WrongPhase(s.phase));
            }
            if *already {
                return Err(Refusal::AlreadySupported);
            }
            next.supports += 1;
            if s.phase == Phase::Collecting && next.supports >= needed {
                next.phase = Phase::AwaitingAnswer;
                next.awaiting_since = Some(now);
                next.answer_due = Some(now + ANSWER_DAYS * DAY_MS);
            }
        }
        Command::TakeUp | Command::MergeInto(_) | Command::Decline { .. } | Command::ToEvent(_) => {
            if who != Actor::Community {
                return Err(Refusal::NotAllowed);
            }
            if !s.phase.open() {
                return Err(Refusal::WrongPhase(s.phase));
            }
            match cmd {
                Command::TakeUp => next.phase = Phase::TakenUp,
                Command::MergeInto(other) => {
                    if *other == id {
                        return Err(Refusal::Invalid(FieldError::new("into", "不能合并到自身")));
                    }
                    next.phase = Phase::Merged;
                    next.linked = Some(*other);
                }
                Command::Decline { reasons } => {
                    let reasons = reasons.trim();
                    if reasons.is_empty() {
                        return Err(Refusal::Invalid(FieldError::new(
                            "reasons",
                            "不予采纳须说明理由",
                        )));
                    }
                    crate::check_max_chars("reasons", "理由", reasons, MAX_REASONS)
                        .map_err(Refusal::Invalid)?;
                    next.phase = Phase::Declined;
                }
                Command::ToEvent(event) => {
                    next.phase = Phase::BecameEvent;
                    next.linked = Some(*event);
                }
                _ => unreachable!("matched above"),
            }
        }
        Command::Withdraw => {
            if who != Actor::Author {
                return Err(Refusal::NotAllowed);
            }
            if !s.phase.open() {
                return Err(Refusal::WrongPhase(s.phase));
            }
            next.phase = Phase::Withdrawn;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_796_346_000_000;

    #[test]
    fn the_default_threshold_is_one_percent_of_households_at_least_ten() {
        let t = Threshold::default();
        assert_eq!(t.needed(0), 10);
        assert_eq!(t.needed(999), 10);
        assert_eq!(t.needed(2_330), 24, "1% of 2,330 rounded up");
        assert_eq!(t.needed(3_000), 30);
        assert_eq!(Threshold::Absolute(5).needed(3_000), 5);
        assert_eq!(Threshold::Absolute(0).needed(3_000), 1);
        assert_eq!(
            Threshold::parse("share", None, Some(20), Some(15)),
            Ok(Threshold::Share {
                permille: 20,
                floor: 15
            })
        );
        assert_eq!(
            Threshold::parse("absolute", Some(30), None, None),
            Ok(Threshold::Absolute(30))
        );
        let e = Threshold::parse("share", None, Some(0), Some(5000)).unwrap_err();
        assert_eq!(
            e.iter().map(|f| f.field).collect::<Vec<_>>(),
            ["permille", "floor"]
        );
        assert_eq!(
            Threshold::parse("absolute", None, None, None).unwrap_err()[0].field,
            "count"
        );
        assert_eq!(
            Threshold::parse("vote", None, None, None).unwrap_err()[0].field,
            "kind"
        );
    }

    #[test]
    fn supports_reach_the_threshold_and_start_the_clock() {
        let mut s = State::new();
        for i in 0..2 {
            s = transition(
                1,
                &s,
                Actor::Neighbour,
                &Command::Support { already: false },
                3,
                NOW + i,
            )
            .unwrap();
            assert_eq!(s.phase, Phase::Collecting);
        }
        s = transition(
            1,
            &s,
            Actor::Neighbour,
            &Command::Support { already: false },
            3,
            NOW + 9,
        )
        .unwrap();
        assert_eq!(s.phase, Phase::AwaitingAnswer);
        assert_eq!(s.answer_due, Some(NOW + 9 + 15 * DAY_MS));
        assert!(!s.overdue(NOW + 15 * DAY_MS));
        assert!(s.overdue(NOW + 16 * DAY_MS));
        // Supports still count while the community prepares its answer.
        s = transition(
            1,
            &s,
            Actor::Neighbour,
            &Command::Support { already: false },
            3,
            NOW + 10,
        )
        .unwrap();
        assert_eq!((s.phase, s.supports), (Phase::AwaitingAnswer, 4));
    }

    #[test]
    fn who_may_do_what() {
        let s = State::new();
        let support = Command::Support { already: false };
        assert_eq!(
            transition(1, &s, Actor::Author, &support, 10, NOW),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            transition(1, &s, Actor::Outsider, &support, 10, NOW),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            transition(
                1,
                &s,
                Actor::Neighbour,
                &Command::Support { already: true },
                10,
                NOW
            ),
            Err(Refusal::AlreadySupported)
        );
        assert_eq!(
            transition(1, &s, Actor::Neighbour, &Command::TakeUp, 10, NOW),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            transition(1, &s, Actor::Community, &Command::Withdraw, 10, NOW),
            Err(Refusal::NotAllowed)
        );
        let e = transition(
            1,
            &s,
            Actor::Community,
            &Command::Decline {
                reasons: "  ".into(),
            },
            10,
            NOW,
        )
        .unwrap_err();
        assert!(matches!(e, Refusal::Invalid(f) if f.field == "reasons"));
        let e = transition(7, &s, Actor::Community, &Command::MergeInto(7), 10, NOW).unwrap_err();
        assert!(matches!(e, Refusal::Invalid(f) if f.field == "into"));
        let merged = transition(7, &s, Actor::Community, &Command::MergeInto(3), 10, NOW).unwrap();
        assert_eq!((merged.phase, merged.linked), (Phase::Merged, Some(3)));
        // An answered proposal takes no more supports or answers.
        assert_eq!(
            transition(7, &merged, Actor::Neighbour, &support, 10, NOW),
            Err(Refusal::WrongPhase(Phase::Merged))
        );
        assert_eq!(
            transition(7, &merged, Actor::Community, &Command::TakeUp, 10, NOW),
            Err(Refusal::WrongPhase(Phase::Merged))
        );
    }

    fn any_actor() -> impl Strategy<Value = Actor> {
        prop_oneof![
            Just(Actor::Author),
            Just(Actor::Neighbour),
            Just(Actor::Outsider),
            Just(Actor::Community),
        ]
    }

    fn any_command() -> impl Strategy<Value = Command> {
        prop_oneof![
            any::<bool>().prop_map(|already| Command::Support { already }),
            Just(Command::TakeUp),
            (0i64..4).prop_map(Command::MergeInto),
            prop_oneof![Just(String::new()), Just("已有同类设施".to_string())]
                .prop_map(|reasons| Command::Decline { reasons }),
            Just(Command::Withdraw),
            (100i64..110).prop_map(Command::ToEvent),
        ]
    }

    proptest! {
        /// Any sequence of commands by anyone: supports only grow and only while open, an
        /// answered proposal never changes again, only neighbours add supports, and the clock
        /// starts exactly when the supports first reach the threshold.
        #[test]
        fn any_sequence_keeps_the_rules(
            needed in 1u64..6,
            steps in proptest::collection::vec((any_actor(), any_command()), 0..60),
        ) {
            let mut s = State::new();
            for (i, (who, cmd)) in steps.iter().enumerate() {
                let now = NOW + i as i64;
                if let Ok(next) = transition(1, &s, *who, cmd, needed, now) {
                    prop_assert!(s.phase.open(), "an answered proposal changed");
                    prop_assert!(next.supports >= s.supports);
                    prop_assert!(next.supports <= s.supports + 1);
                    if next.supports > s.supports {
                        prop_assert_eq!(*who, Actor::Neighbour);
                    }
                    if s.phase == Phase::Collecting && next.phase == Phase::AwaitingAnswer {
                        prop_assert_eq!(next.supports, needed);
                        prop_assert_eq!(next.awaiting_since, Some(now));
                    }
                    if next.phase == Phase::Collecting {
                        prop_assert!(next.supports < needed);
                    }
                    s = next;
                }
            }
            if s.phase == Phase::Collecting { prop_assert!(s.answer_due.is_none()); }
        }
    }
}
