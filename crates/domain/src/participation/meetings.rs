//! Deliberation meetings (民主议事会) and the three meetings (三会), issue 11 §3.
//!
//! A meeting of a community (topic gathering, deliberation, evaluation) has invited parties
//! with their role and attendance, and agenda items (a proposal, an event, or a free topic).
//! An item is discussed over one or more **rounds**: who put which position, what changed since
//! the last round, the points still open. The organiser drafts the minutes; attendees amend
//! them for a set time; then they are locked, and a locked minute never changes (its digest is
//! shown on the page, over the canonical text built here).
//!
//! Everything here is pure; the clock is passed in.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The longest title, place, name or text (characters).
pub const MAX_TITLE: usize = 100;
pub const MAX_NAME: usize = 60;
pub const MAX_TEXT: usize = 2000;
pub const MAX_MINUTES: usize = 20_000;
/// Positions one round may record.
pub const MAX_POSITIONS: usize = 40;
/// Days attendees may amend the minutes, by default and at most.
pub const AMEND_DAYS: i64 = 3;
pub const MAX_AMEND_DAYS: i64 = 30;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// The three meetings (三会).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 议题征集会: gather the topics residents raise.
    TopicGathering,
    /// 议事协商会: deliberate a topic, round by round, to a decision.
    Deliberation,
    /// 评议会: rate how a decision was carried out.
    Evaluation,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::TopicGathering, Kind::Deliberation, Kind::Evaluation];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TopicGathering => "topic_gathering",
            Kind::Deliberation => "deliberation",
            Kind::Evaluation => "evaluation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::TopicGathering => "议题征集会",
            Kind::Deliberation => "议事协商会",
            Kind::Evaluation => "评议会",
        }
    }
}

/// The role an invited party comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// 居民代表
    Representative,
    /// 居民
    Resident,
    /// 社区（两委、社区工作者）
    Community,
    /// 物业企业
    Property,
    /// 职能部门
    Department,
    /// 楼道管家、网格员
    Steward,
    /// 律师、法律顾问
    Lawyer,
    /// 商户
    Merchant,
    /// 其他（驻区单位、专家……）
    Other,
}

impl PartyRole {
    pub const ALL: [PartyRole; 9] = [
        PartyRole::Representative,
        PartyRole::Resident,
        PartyRole::Community,
        PartyRole::Property,
        PartyRole::Department,
        PartyRole::Steward,
        PartyRole::Lawyer,
        PartyRole::Merchant,
        PartyRole::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Representative => "representative",
            PartyRole::Resident => "resident",
            PartyRole::Community => "community",
            PartyRole::Property => "property",
            PartyRole::Department => "department",
            PartyRole::Steward => "steward",
            PartyRole::Lawyer => "lawyer",
            PartyRole::Merchant => "merchant",
            PartyRole::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PartyRole::Representative => "居民代表",
            PartyRole::Resident => "居民",
            PartyRole::Community => "社区",
            PartyRole::Property => "物业企业",
            PartyRole::Department => "职能部门",
            PartyRole::Steward => "楼道管家/网格员",
            PartyRole::Lawyer => "律师",
            PartyRole::Merchant => "商户",
            PartyRole::Other => "其他",
        }
    }
}

fn required(field: &'static str, what: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, format!("请填写{what}")));
    }
    crate::check_max_chars(field, what, s, max)?;
    Ok(s.to_string())
}

fn optional(field: &'static str, what: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.trim();
    crate::check_max_chars(field, what, s, max)?;
    Ok(s.to_string())
}

/// A new meeting, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSpec {
    pub kind: Kind,
    pub title: String,
    pub held_at: i64,
    pub venue: String,
}

impl MeetingSpec {
    /// Check every field, naming each that is wrong.
    pub fn new(
        kind: &str,
        title: &str,
        held_at: Option<i64>,
        venue: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = vec![];
        let kind = Kind::parse(kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "会议类型应为 topic_gathering、deliberation 或 evaluation",
            ));
        }
        let title = required("title", "会议名称", title, MAX_TITLE)
            .map_err(|e| errors.push(e))
            .ok();
        let venue = required("venue", "会议地点", venue, MAX_NAME)
            .map_err(|e| errors.push(e))
            .ok();
        if held_at.is_none() {
            errors.push(FieldError::new("held_at", "请填写会议时间"));
        }
        match (kind, title, venue, held_at) {
            (Some(kind), Some(title), Some(venue), Some(held_at)) if errors.is_empty() => {
                Ok(MeetingSpec {
                    kind,
                    title,
                    held_at,
                    venue,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An invited party, checked.
pub fn check_party(name: &str, role: &str) -> Result<(String, PartyRole), Vec<FieldError>> {
    let mut errors = vec![];
    let name = required("name", "参会方名称", name, MAX_NAME)
        .map_err(|e| errors.push(e))
        .ok();
    let role = PartyRole::parse(role.trim());
    if role.is_none() {
        errors.push(FieldError::new("role", "请选择参会身份"));
    }
    match (name, role) {
        (Some(n), Some(r)) => Ok((n, r)),
        _ => Err(errors),
    }
}

/// What an agenda item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A residents' proposal taken up onto the agenda.
    Proposal(i64),
    /// An event the community is handling.
    Event(i64),
    /// A decision to evaluate (evaluation meetings).
    Decision(i64),
    /// A free topic.
    Topic,
}

impl Subject {
    pub fn kind_str(self) -> &'static str {
        match self {
            Subject::Proposal(_) => "proposal",
            Subject::Event(_) => "event",
            Subject::Decision(_) => "decision",
            Subject::Topic => "topic",
        }
    }
}

/// Pick the subject from the optional ids: at most one may be given.
pub fn subject(
    proposal_id: Option<i64>,
    event_id: Option<i64>,
    decision_id: Option<i64>,
) -> Result<Subject, FieldError> {
    match (proposal_id, event_id, decision_id) {
        (None, None, None) => Ok(Subject::Topic),
        (Some(p), None, None) => Ok(Subject::Proposal(p)),
        (None, Some(e), None) => Ok(Subject::Event(e)),
        (None, None, Some(d)) => Ok(Subject::Decision(d)),
        _ => Err(FieldError::new(
            "subject",
            "议题只能关联一条提案、一件事件或一项决定",
        )),
    }
}

/// One position put in a round: who, and what they said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub who: String,
    pub what: String,
}

/// A round to record, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSpec {
    pub positions: Vec<Position>,
    pub changes: String,
    pub open_points: String,
}

impl RoundSpec {
    /// At least one position, each with who and what; blank lines dropped.
    pub fn new(
        positions: &[Position],
        changes: &str,
        open_points: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = vec![];
        let mut kept = vec![];
        for p in positions {
            let (who, what) = (p.who.trim(), p.what.trim());
            if who.is_empty() && what.is_empty() {
                continue;
            }
            if who.is_empty() || what.is_empty() {
                errors.push(FieldError::new("positions", "每条意见都要写明谁、说了什么"));
                break;
            }
            if let Err(e) = crate::check_max_chars("positions", "发言人", who, MAX_NAME)
                .and_then(|_| crate::check_max_chars("positions", "意见", what, MAX_TEXT))
            {
                errors.push(e);
                break;
            }
            kept.push(Position {
                who: who.to_string(),
                what: what.to_string(),
            });
        }
        if kept.is_empty() && errors.is_empty() {
            errors.push(FieldError::new("positions", "请至少记录一方的意见"));
        }
        if kept.len() > MAX_POSITIONS {
            errors.push(FieldError::new(
                "positions",
                format!("一轮最多记录{MAX_POSITIONS}条意见"),
            ));
        }
        let changes = optional("changes", "本轮变化", changes, MAX_TEXT)
            .map_err(|e| errors.push(e))
            .ok();
        let open_points = optional("open_points", "待议事项", open_points, MAX_TEXT)
            .map_err(|e| errors.push(e))
            .ok();
        match (changes, open_points) {
            (Some(changes), Some(open_points)) if errors.is_empty() => Ok(RoundSpec {
                positions: kept,
                changes,
                open_points,
            }),
            _ => Err(errors),
        }
    }
}

/// Where a meeting's minutes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinutesPhase {
    /// Nothing written yet.
    Empty,
    /// The organiser's draft, not yet open to attendees.
    Draft,
    /// Open to amendment by attendees until the deadline.
    Amending,
    /// Locked: never changes again.
    Locked,
}

impl MinutesPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            MinutesPhase::Empty => "empty",
            MinutesPhase::Draft => "draft",
            MinutesPhase::Amending => "amending",
            MinutesPhase::Locked => "locked",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MinutesPhase::Empty => "未起草",
            MinutesPhase::Draft => "草稿",
            MinutesPhase::Amending => "征求参会方修改中",
            MinutesPhase::Locked => "已定稿锁定",
        }
    }
}

/// The minutes' state as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Minutes {
    pub drafted: bool,
    pub amend_until: Option<i64>,
    pub locked_at: Option<i64>,
}

impl Minutes {
    /// The phase at `now`: past the amendment deadline the minutes are locked, whether or not
    /// the lock has been written yet (the next action writes it).
    pub fn phase(self, now: i64) -> MinutesPhase {
        match (self.drafted, self.amend_until, self.locked_at) {
            (_, _, Some(_)) => MinutesPhase::Locked,
            (false, _, None) => MinutesPhase::Empty,
            (true, None, None) => MinutesPhase::Draft,
            (true, Some(until), None) if now > until => MinutesPhase::Locked,
            (true, Some(_), None) => MinutesPhase::Amending,
        }
    }

    /// The lock is due and not yet written.
    pub fn lock_due(self, now: i64) -> bool {
        self.locked_at.is_none() && self.phase(now) == MinutesPhase::Locked
    }
}

/// What a person may do to the minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutesAct {
    /// The organiser writes or rewrites the text.
    Write,
    /// The organiser opens them to amendment for some days.
    Open { days: i64 },
    /// An attendee (or the organiser) adds an amendment.
    Amend,
    /// The organiser locks them now (定稿).
    Lock,
}

/// Who acts on the minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutesActor {
    Organiser,
    Attendee,
    Other,
}

/// Why a minutes action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MinutesRefusal {
    NotAllowed,
    Locked,
    WrongPhase(MinutesPhase),
    Invalid(FieldError),
}

impl MinutesRefusal {
    pub fn zh(&self) -> String {
        match self {
            MinutesRefusal::NotAllowed => "无权修改这份纪要".into(),
            MinutesRefusal::Locked => "纪要已定稿锁定，不能再修改".into(),
            MinutesRefusal::WrongPhase(p) => format!("纪要当前为“{}”，不能这样操作", p.label_zh()),
            MinutesRefusal::Invalid(f) => f.reason.clone(),
        }
    }
}

/// Check a minutes action at `now`; on success, the state after it.
pub fn minutes_act(
    m: Minutes,
    who: MinutesActor,
    act: MinutesAct,
    now: i64,
) -> Result<Minutes, MinutesRefusal> {
    let phase = m.phase(now);
    if phase == MinutesPhase::Locked {
        return Err(MinutesRefusal::Locked);
    }
    match (act, who) {
        (MinutesAct::Write, MinutesActor::Organiser) => Ok(Minutes { drafted: true, ..m }),
        (MinutesAct::Open { days }, MinutesActor::Organiser) => {
            if phase != MinutesPhase::Draft {
                return Err(MinutesRefusal::WrongPhase(phase));
            }
            if !(1..=MAX_AMEND_DAYS).contains(&days) {
                return Err(MinutesRefusal::Invalid(FieldError::new(
                    "amend_days",
                    format!("修改期应为1到{MAX_AMEND_DAYS}天"),
                )));
            }
            Ok(Minutes {
                amend_until: Some(now + days * DAY_MS),
                ..m
            })
        }
        (MinutesAct::Amend, MinutesActor::Organiser | MinutesActor::Attendee) => {
            if phase != MinutesPhase::Amending {
                return Err(MinutesRefusal::WrongPhase(phase));
            }
            Ok(m)
        }
        (MinutesAct::Lock, MinutesActor::Organiser) => {
            if phase == MinutesPhase::Empty {
                return Err(MinutesRefusal::WrongPhase(phase));
            }
            Ok(Minutes {
                locked_at: Some(now),
                ..m
            })
        }
        _ => Err(MinutesRefusal::NotAllowed),
    }
}

/// One amendment as it enters the canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment<'a> {
    pub author: &'a str,
    pub at: i64,
    pub text: &'a str,
}

/// The canonical text of locked minutes, which their digest is taken over: the meeting's id,
/// kind, time and title, the text, and every amendment in order, each field on its own line
/// with its length first so that no two different minutes give the same text.
pub fn canonical_minutes(
    meeting_id: i64,
    kind: Kind,
    held_at: i64,
    title: &str,
    text: &str,
    amendments: &[Amendment<'_>],
) -> String {
    fn field(out: &mut String, s: &str) {
        out.push_str(&s.len().to_string());
        out.push(':');
        out.push_str(s);
        out.push('\n');
    }
    let mut out = String::from("jingzhi-minutes-v1\n");
    field(&mut out, &meeting_id.to_string());
    field(&mut out, kind.as_str());
    field(&mut out, &held_at.to_string());
    field(&mut out, title);
    field(&mut out, text);
    field(&mut out, &amendments.len().to_string());
    for a in amendments {
        field(&mut out, a.author);
        field(&mut out, &a.at.to_string());
        field(&mut out, a.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn a_meeting_names_every_wrong_field() {
        let e = MeetingSpec::new("party", " ", None, "").unwrap_err();
        let fields: Vec<_> = e.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["kind", "title", "venue", "held_at"]);
        let ok =
            MeetingSpec::new("deliberation", " 向阳街停车 ", Some(NOW), "党群服务中心").unwrap();
        assert_eq!(ok.title, "向阳街停车");
        assert_eq!(ok.kind, Kind::Deliberation);
    }

    #[test]
    fn a_round_needs_a_position_with_who_and_what() {
        let blank = Position {
            who: " ".into(),
            what: "".into(),
        };
        assert_eq!(
            RoundSpec::new(&[blank.clone()], "", "").unwrap_err()[0].field,
            "positions"
        );
        let half = Position {
            who: "物业".into(),
            what: " ".into(),
        };
        assert!(RoundSpec::new(&[half], "", "").is_err());
        let good = Position {
            who: "业主代表".into(),
            what: "同意拆除地锁".into(),
        };
        let r = RoundSpec::new(&[blank, good], "物业同意施划车位", "收费标准").unwrap();
        assert_eq!(r.positions.len(), 1);
    }

    #[test]
    fn one_subject_at_most() {
        assert_eq!(subject(None, None, None).unwrap(), Subject::Topic);
        assert_eq!(subject(Some(3), None, None).unwrap(), Subject::Proposal(3));
        assert_eq!(
            subject(Some(3), Some(4), None).unwrap_err().field,
            "subject"
        );
    }

    #[test]
    fn minutes_go_draft_amending_locked_and_never_back() {
        let m = Minutes::default();
        assert_eq!(m.phase(NOW), MinutesPhase::Empty);
        assert_eq!(
            minutes_act(m, MinutesActor::Attendee, MinutesAct::Write, NOW),
            Err(MinutesRefusal::NotAllowed)
        );
        let m = minutes_act(m, MinutesActor::Organiser, MinutesAct::Write, NOW).unwrap();
        assert_eq!(m.phase(NOW), MinutesPhase::Draft);
        // Attendees amend only once the organiser opens the minutes to them.
        assert!(minutes_act(m, MinutesActor::Attendee, MinutesAct::Amend, NOW).is_err());
        assert!(minutes_act(
            m,
            MinutesActor::Organiser,
            MinutesAct::Open { days: 0 },
            NOW
        )
        .is_err());
        let m = minutes_act(
            m,
            MinutesActor::Organiser,
            MinutesAct::Open { days: 3 },
            NOW,
        )
        .unwrap();
        assert_eq!(m.phase(NOW), MinutesPhase::Amending);
        assert!(minutes_act(m, MinutesActor::Attendee, MinutesAct::Amend, NOW + 1).is_ok());
        assert_eq!(
            minutes_act(m, MinutesActor::Other, MinutesAct::Amend, NOW + 1),
            Err(MinutesRefusal::NotAllowed)
        );
        // Past the deadline they are locked, for everyone, for every action.
        let later = NOW + 3 * DAY_MS + 1;
        assert_eq!(m.phase(later), MinutesPhase::Locked);
        assert!(m.lock_due(later));
        for act in [
            MinutesAct::Write,
            MinutesAct::Amend,
            MinutesAct::Lock,
            MinutesAct::Open { days: 1 },
        ] {
            assert_eq!(
                minutes_act(m, MinutesActor::Organiser, act, later),
                Err(MinutesRefusal::Locked)
            );
        }
        // Locked early by the organiser.
        let locked = minutes_act(m, MinutesActor::Organiser, MinutesAct::Lock, NOW + 5).unwrap();
        assert_eq!(locked.phase(NOW + 6), MinutesPhase::Locked);
        assert!(!locked.lock_due(NOW + 6));
    }

    #[test]
    fn the_canonical_text_separates_its_fields() {
        let a = canonical_minutes(1, Kind::Deliberation, 5, "t", "ab", &[]);
        let b = canonical_minutes(1, Kind::Deliberation, 5, "ta", "b", &[]);
        assert_ne!(a, b);
        let am = [Amendment {
            author: "王",
            at: 7,
            text: "补充",
        }];
        let c = canonical_minutes(1, Kind::Deliberation, 5, "t", "ab", &am);
        assert_ne!(a, c);
        assert_eq!(
            c,
            canonical_minutes(1, Kind::Deliberation, 5, "t", "ab", &am)
        );
    }
}
