//! The life of an event as a state machine:
//!
//! ```text
//! reported ─accept→ accepted ─dispatch→ dispatched ─start→ in_progress ─resolve→ resolved
//!    │ └─merge→ merged (terminal)            ▲                  ▲               │ │
//!    └─invalidate→ invalid (terminal)        │                  └──send_back────┘ verify
//!                                            │                  ▲                 ▼
//!  escalated ─dispatch────────────────────────┘   rate(不满意, first) │             verified
//!      ▲                                                          │                 │ close
//!      └──────── rate(不满意, again) ─────────────── closed ←────────┴─────────────────┘
//!                                                     └─rate(满意/基本满意)→ rated (terminal)
//! ```
//!
//! Open events (accepted, dispatched, in progress, escalated) may also be escalated one level
//! up by an overdue check or by staff. [`TABLE`] lists every allowed move; [`transition`] is
//! the only way to make one and refuses the rest with a message for the user.

use crate::auth::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Reported,
    Accepted,
    Invalid,
    Merged,
    Dispatched,
    InProgress,
    Resolved,
    Verified,
    Closed,
    Rated,
    Escalated,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Reported,
        Status::Accepted,
        Status::Invalid,
        Status::Merged,
        Status::Dispatched,
        Status::InProgress,
        Status::Resolved,
        Status::Verified,
        Status::Closed,
        Status::Rated,
        Status::Escalated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Accepted => "accepted",
            Status::Invalid => "invalid",
            Status::Merged => "merged",
            Status::Dispatched => "dispatched",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Verified => "verified",
            Status::Closed => "closed",
            Status::Rated => "rated",
            Status::Escalated => "escalated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Reported => "已上报",
            Status::Accepted => "已受理",
            Status::Invalid => "已作废",
            Status::Merged => "已合并",
            Status::Dispatched => "已派遣",
            Status::InProgress => "处置中",
            Status::Resolved => "已办结",
            Status::Verified => "已核查",
            Status::Closed => "已结案",
            Status::Rated => "已回访",
            Status::Escalated => "已升级",
        }
    }

    /// No command leaves these.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Invalid | Status::Merged | Status::Rated)
    }

    /// Someone still has to act on it: open, or resolved and waiting to be verified and closed.
    /// A worker's lists show these by default (closed, rated, voided and merged ones are done).
    pub fn is_unfinished(self) -> bool {
        self.is_open() || matches!(self, Status::Resolved | Status::Verified)
    }

    /// Accepted and in someone's hands (办理中): not waiting to be accepted, not yet resolved.
    pub fn is_in_hand(self) -> bool {
        self.is_open() && self != Status::Reported
    }

    /// Still waiting for someone to fix it: counts against the deadline.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Reported
                | Status::Accepted
                | Status::Dispatched
                | Status::InProgress
                | Status::Escalated
        )
    }

    /// Open311 `status`: `open` or `closed` (the detail goes in `status_notes`).
    pub fn open311(self) -> &'static str {
        if matches!(
            self,
            Status::Invalid | Status::Merged | Status::Closed | Status::Rated
        ) {
            "closed"
        } else {
            "open"
        }
    }
}

/// The reporter's verdict at the return visit (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    FairlySatisfied,
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::FairlySatisfied,
        Rating::Dissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::FairlySatisfied => "fairly_satisfied",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::FairlySatisfied => "基本满意",
            Rating::Dissatisfied => "不满意",
        }
    }
}

/// A handler of a dispatched event: what kind, and which one (a department's, company's or
/// community's name, or a grid worker's username). A department is named by its registry
/// `code` too ([`crate::departments`]); its name is the registry's at the time of dispatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    pub kind: super::HandlerKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The lead (主办), co-handlers (协办) and those only notified (知会).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispatch {
    pub lead: Handler,
    pub co_handlers: Vec<Handler>,
    pub notified: Vec<Handler>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Accept,
    Invalidate {
        reason: String,
    },
    Merge {
        into: i64,
    },
    Dispatch(Dispatch),
    Start,
    Resolve {
        result: String,
    },
    Verify,
    SendBack {
        reason: String,
    },
    Close,
    Rate(Rating),
    /// One level up, because the deadline passed or staff cannot solve it at this level.
    Escalate {
        reason: String,
    },
}

/// A command without its data, for the table and for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Accept,
    Invalidate,
    Merge,
    Dispatch,
    Start,
    Resolve,
    Verify,
    SendBack,
    Close,
    Rate,
    Escalate,
}

impl CommandKind {
    pub const ALL: [CommandKind; 11] = [
        CommandKind::Accept,
        CommandKind::Invalidate,
        CommandKind::Merge,
        CommandKind::Dispatch,
        CommandKind::Start,
        CommandKind::Resolve,
        CommandKind::Verify,
        CommandKind::SendBack,
        CommandKind::Close,
        CommandKind::Rate,
        CommandKind::Escalate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Accept => "accept",
            CommandKind::Invalidate => "invalidate",
            CommandKind::Merge => "merge",
            CommandKind::Dispatch => "dispatch",
            CommandKind::Start => "start",
            CommandKind::Resolve => "resolve",
            CommandKind::Verify => "verify",
            CommandKind::SendBack => "send_back",
            CommandKind::Close => "close",
            CommandKind::Rate => "rate",
            CommandKind::Escalate => "escalate",
        }
    }

    /// The command named `s` (its [`as_str`](Self::as_str) form: the last segment of
    /// `POST /api/v1/events/{id}/{command}` and of the page's `/events/{id}/{command}`).
    pub fn parse(s: &str) -> Option<CommandKind> {
        CommandKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CommandKind::Accept => "受理",
            CommandKind::Invalidate => "作废",
            CommandKind::Merge => "合并",
            CommandKind::Dispatch => "派遣",
            CommandKind::Start => "开始处置",
            CommandKind::Resolve => "办结",
            CommandKind::Verify => "核查通过",
            CommandKind::SendBack => "退回重办",
            CommandKind::Close => "结案",
            CommandKind::Rate => "回访评价",
            CommandKind::Escalate => "升级",
        }
    }

    /// Who may give the command. Scope (and, for residents, being the reporter) is checked by
    /// the use-case.
    pub fn allowed(self, role: Role) -> bool {
        use Role::*;
        let manager = matches!(
            role,
            CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker
        );
        match self {
            CommandKind::Accept
            | CommandKind::Invalidate
            | CommandKind::Merge
            | CommandKind::Dispatch
            | CommandKind::Verify
            | CommandKind::SendBack
            | CommandKind::Close
            | CommandKind::Escalate => manager,
            CommandKind::Start | CommandKind::Resolve => {
                manager || matches!(role, GridWorker | Steward | DepartmentStaff)
            }
            // The reporter rates in the app; staff record a rating given on the phone (电话回访).
            CommandKind::Rate => manager || role == Resident,
        }
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Accept => CommandKind::Accept,
            Command::Invalidate { .. } => CommandKind::Invalidate,
            Command::Merge { .. } => CommandKind::Merge,
            Command::Dispatch(_) => CommandKind::Dispatch,
            Command::Start => CommandKind::Start,
            Command::Resolve { .. } => CommandKind::Resolve,
            Command::Verify => CommandKind::Verify,
            Command::SendBack { .. } => CommandKind::SendBack,
            Command::Close => CommandKind::Close,
            Command::Rate(_) => CommandKind::Rate,
            Command::Escalate { .. } => CommandKind::Escalate,
        }
    }
}

/// What the machine knows of an event besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventState {
    pub status: Status,
    /// How often a 不满意 reopened it (at most once).
    pub reopened: u32,
    /// Levels above the one it was reported at that now handle it.
    pub escalations: u32,
}

impl EventState {
    pub fn new() -> Self {
        Self {
            status: Status::Reported,
            reopened: 0,
            escalations: 0,
        }
    }
}

impl Default for EventState {
    fn default() -> Self {
        Self::new()
    }
}

/// What the use-case must do besides storing the new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Tell the reporter (and merged reporters) of the change.
    NotifyReporter,
    /// Replace the event's handlers.
    Assign(Dispatch),
    /// Store the rating given.
    RecordRating(Rating),
    /// The deadline starts again from now (after a reopen or an escalation).
    RestartDeadline,
    /// Hand the event to the level above the one handling it.
    EscalateOneLevel,
    /// Record the id of the event this one was merged into.
    MergeInto(i64),
}

/// Every allowed move: from, command, to.
pub const TABLE: &[(Status, CommandKind, Status)] = &[
    (Status::Reported, CommandKind::Accept, Status::Accepted),
    (Status::Reported, CommandKind::Invalidate, Status::Invalid),
    (Status::Reported, CommandKind::Merge, Status::Merged),
    (Status::Reported, CommandKind::Escalate, Status::Escalated),
    (Status::Accepted, CommandKind::Dispatch, Status::Dispatched),
    (Status::Accepted, CommandKind::Escalate, Status::Escalated),
    (
        Status::Dispatched,
        CommandKind::Dispatch,
        Status::Dispatched,
    ),
    (Status::Dispatched, CommandKind::Start, Status::InProgress),
    (Status::Dispatched, CommandKind::Escalate, Status::Escalated),
    (Status::InProgress, CommandKind::Resolve, Status::Resolved),
    (Status::InProgress, CommandKind::Escalate, Status::Escalated),
    (Status::Resolved, CommandKind::Verify, Status::Verified),
    (Status::Resolved, CommandKind::SendBack, Status::InProgress),
    (Status::Verified, CommandKind::Close, Status::Closed),
    (Status::Closed, CommandKind::Rate, Status::Rated),
    (Status::Closed, CommandKind::Rate, Status::InProgress),
    (Status::Closed, CommandKind::Rate, Status::Escalated),
    (Status::Escalated, CommandKind::Dispatch, Status::Dispatched),
    (Status::Escalated, CommandKind::Escalate, Status::Escalated),
];

/// Most levels an event can be escalated (grid → community → street → district → city).
pub const MAX_ESCALATIONS: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("事件当前状态为“{}”，不能{}", .from.label_zh(), .command.label_zh())]
    Illegal { from: Status, command: CommandKind },
    #[error("{}无权{}", .role.label_zh(), .command.label_zh())]
    Forbidden { role: Role, command: CommandKind },
    #[error("{0}")]
    Invalid(crate::FieldError),
}

impl TransitionError {
    /// The field the message is about, for forms.
    pub fn field(&self) -> &'static str {
        match self {
            TransitionError::Illegal { .. } => "status",
            TransitionError::Forbidden { .. } => "role",
            TransitionError::Invalid(e) => e.field,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            TransitionError::Invalid(e) => e.reason.clone(),
            other => other.to_string(),
        }
    }
}

fn need_text(field: &'static str, what: &str, s: &str) -> Result<(), TransitionError> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(TransitionError::Invalid(crate::FieldError::new(
            field,
            format!("请填写{what}"),
        )));
    }
    if n > 2000 {
        return Err(TransitionError::Invalid(crate::FieldError::new(
            field,
            format!("{what}不能超过2000字"),
        )));
    }
    Ok(())
}

/// Apply `cmd` given by someone of `role` to an event in `state`. Pure: the caller stores the
/// new state, the timeline entry (with `now`) and acts on the effects.
pub fn transition(
    state: EventState,
    cmd: &Command,
    role: Role,
    _now: i64,
) -> Result<(EventState, Vec<Effect>), TransitionError> {
    use Status::*;
    let kind = cmd.kind();
    if !kind.allowed(role) {
        return Err(TransitionError::Forbidden {
            role,
            command: kind,
        });
    }
    let illegal = || TransitionError::Illegal {
        from: state.status,
        command: kind,
    };
    let mut next = state;
    let mut effects = vec![];
    match (state.status, cmd) {
        (Reported, Command::Accept) => next.status = Accepted,
        (Reported, Command::Invalidate { reason }) => {
            need_text("reason", "作废原因", reason)?;
            next.status = Invalid;
        }
        (Reported, Command::Merge { into }) => {
            if *into <= 0 {
                return Err(TransitionError::Invalid(crate::FieldError::new(
                    "into",
                    "请选择要合并到的事件",
                )));
            }
            next.status = Merged;
            effects.push(Effect::MergeInto(*into));
        }
        (Accepted | Dispatched | Escalated, Command::Dispatch(d)) => {
            need_text("lead", "主办单位", &d.lead.name)?;
            let all: Vec<&Handler> = std::iter::once(&d.lead)
                .chain(&d.co_handlers)
                .chain(&d.notified)
                .collect();
            for (i, h) in all.iter().enumerate() {
                need_text("handler", "承办单位名称", &h.name)?;
                if all[..i]
                    .iter()
                    .any(|o| o.kind == h.kind && o.name == h.name)
                {
                    return Err(TransitionError::Invalid(crate::FieldError::new(
                        "handler",
                        format!("“{}”重复指派", h.name),
                    )));
                }
            }
            next.status = Dispatched;
            effects.push(Effect::Assign(d.clone()));
        }
        (Dispatched, Command::Start) => next.status = InProgress,
        (InProgress, Command::Resolve { result }) => {
            need_text("result", "办理结果", result)?;
            next.status = Resolved;
        }
        (Resolved, Command::Verify) => next.status = Verified,
        (Resolved, Command::SendBack { reason }) => {
            need_text("reason", "退回原因", reason)?;
            next.status = InProgress;
        }
        (Verified, Command::Close) => next.status = Closed,
        (Closed, Command::Rate(r)) => {
            effects.push(Effect::RecordRating(*r));
            match r {
                Rating::Satisfied | Rating::FairlySatisfied => next.status = Rated,
                Rating::Dissatisfied if state.reopened == 0 => {
                    next.status = InProgress;
                    next.reopened += 1;
                    effects.push(Effect::RestartDeadline);
                }
                Rating::Dissatisfied => {
                    if state.escalations >= MAX_ESCALATIONS {
                        return Err(TransitionError::Invalid(crate::FieldError::new(
                            "rating",
                            "已升级至最高层级，请联系市级管理员处理",
                        )));
                    }
                    next.status = Escalated;
                    next.escalations += 1;
                    effects.push(Effect::EscalateOneLevel);
                    effects.push(Effect::RestartDeadline);
                }
            }
        }
        (
            Reported | Accepted | Dispatched | InProgress | Escalated,
            Command::Escalate { reason },
        ) => {
            need_text("reason", "升级原因", reason)?;
            if state.escalations >= MAX_ESCALATIONS {
                return Err(TransitionError::Invalid(crate::FieldError::new(
                    "escalate",
                    "已是最高层级，不能再升级",
                )));
            }
            next.status = Escalated;
            next.escalations += 1;
            effects.push(Effect::EscalateOneLevel);
            effects.push(Effect::RestartDeadline);
        }
        _ => return Err(illegal()),
    }
    effects.insert(0, Effect::NotifyReporter);
    debug_assert!(TABLE.contains(&(state.status, kind, next.status)));
    Ok((next, effects))
}

/// The command that usually moves an event on from `status` (an event page offers it first).
pub fn next_step(status: Status) -> Option<CommandKind> {
    match status {
        Status::Reported => Some(CommandKind::Accept),
        Status::Accepted | Status::Escalated => Some(CommandKind::Dispatch),
        Status::Dispatched => Some(CommandKind::Start),
        Status::InProgress => Some(CommandKind::Resolve),
        Status::Resolved => Some(CommandKind::Verify),
        Status::Verified => Some(CommandKind::Close),
        Status::Closed => Some(CommandKind::Rate),
        Status::Invalid | Status::Merged | Status::Rated => None,
    }
}

impl CommandKind {
    /// Throws work away or sends it back (作废, 退回重办): a page asks before giving it.
    pub fn is_destructive(self) -> bool {
        matches!(self, CommandKind::Invalidate | CommandKind::SendBack)
    }
}

/// The commands of an event page, for `role` in `status`, in the order shown: the likely next
/// step first, then the others in [`CommandKind::ALL`] order, the destructive ones last; and how
/// many lead the list in view (the first, unless it is destructive). The rest go behind
/// "更多操作". Merging is left out: it is offered beside the
/// likely duplicates, where the event to merge into is picked.
pub fn page_commands(status: Status, role: Role) -> (Vec<CommandKind>, usize) {
    let mut cmds: Vec<CommandKind> = CommandKind::ALL
        .into_iter()
        .filter(|k| *k != CommandKind::Merge && k.allowed(role))
        .filter(|k| TABLE.iter().any(|(f, kk, _)| *f == status && kk == k))
        .collect();
    let next = next_step(status);
    // A stable sort: the next step, then the rest as listed, destructive ones at the end.
    cmds.sort_by_key(|k| {
        if Some(*k) == next {
            0
        } else if k.is_destructive() {
            2
        } else {
            1
        }
    });
    let lead = usize::from(cmds.first().is_some_and(|k| !k.is_destructive()));
    (cmds, lead)
}

/// Past its deadline and still open.
pub fn is_overdue(status: Status, deadline_ms: i64, now_ms: i64) -> bool {
    status.is_open() && now_ms > deadline_ms
}

/// Resolved on time: `resolved_ms` no later than the deadline.
pub fn on_time(resolved_ms: i64, deadline_ms: i64) -> bool {
    resolved_ms <= deadline_ms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::HandlerKind;
    use proptest::prelude::*;

    #[test]
    fn command_names_parse_back() {
        for k in CommandKind::ALL {
            assert_eq!(CommandKind::parse(k.as_str()), Some(k));
        }
        let names: Vec<&str> = CommandKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "accept",
                "invalidate",
                "merge",
                "dispatch",
                "start",
                "resolve",
                "verify",
                "send_back",
                "close",
                "rate",
                "escalate"
            ]
        );
        for bad in [
            "",
            "Accept",
            " accept",
            "send-back",
            "report",
            "attachments",
        ] {
            assert_eq!(CommandKind::parse(bad), None, "{bad}");
        }
    }

    fn dispatch() -> Command {
        Command::Dispatch(Dispatch {
            lead: Handler {
                kind: HandlerKind::Department,
                name: "住房和城乡建设局".into(),
                code: Some("zhujian".into()),
            },
            co_handlers: vec![Handler {
                kind: HandlerKind::PropertyCompany,
                name: "红色物业".into(),
                code: None,
            }],
            notified: vec![],
        })
    }

    fn run(s: EventState, cmds: &[Command]) -> EventState {
        cmds.iter().fold(s, |s, c| {
            transition(s, c, Role::CommunityWorker, 0).unwrap().0
        })
    }

    fn to_closed() -> Vec<Command> {
        vec![
            Command::Accept,
            dispatch(),
            Command::Start,
            Command::Resolve {
                result: "已清理".into(),
            },
            Command::Verify,
            Command::Close,
        ]
    }

    #[test]
    fn page_commands_lead_with_the_next_step() {
        use CommandKind::*;
        let cw = Role::CommunityWorker;
        assert_eq!(
            page_commands(Status::Reported, cw),
            (vec![Accept, Escalate, Invalidate], 1)
        );
        assert_eq!(
            page_commands(Status::Resolved, cw),
            (vec![Verify, SendBack], 1)
        );
        assert_eq!(
            page_commands(Status::Dispatched, cw),
            (vec![Start, Dispatch, Escalate], 1)
        );
        assert_eq!(
            page_commands(Status::Escalated, cw),
            (vec![Dispatch, Escalate], 1)
        );
        assert_eq!(
            page_commands(Status::Closed, Role::Resident),
            (vec![Rate], 1)
        );
        assert_eq!(
            page_commands(Status::Dispatched, Role::DepartmentStaff),
            (vec![Start], 1)
        );
        assert_eq!(
            page_commands(Status::Reported, Role::GridWorker),
            (vec![], 0)
        );
        assert_eq!(page_commands(Status::Rated, cw), (vec![], 0));
        // Every state and role: exactly the commands the table allows (merge aside), the next
        // step first when allowed, destructive ones last and never in view.
        for status in Status::ALL {
            for role in Role::ALL {
                let (cmds, lead) = page_commands(status, role);
                let mut want: Vec<CommandKind> = CommandKind::ALL
                    .into_iter()
                    .filter(|k| *k != Merge && k.allowed(role))
                    .filter(|k| TABLE.iter().any(|(f, kk, _)| *f == status && kk == k))
                    .collect();
                let mut got = cmds.clone();
                want.sort_by_key(|k| k.as_str());
                got.sort_by_key(|k| k.as_str());
                assert_eq!(got, want, "{status:?} {role:?}");
                if let Some(n) = next_step(status).filter(|n| want.contains(n)) {
                    assert_eq!(cmds[0], n, "{status:?} {role:?}");
                }
                let first_bad = cmds.iter().position(|k| k.is_destructive());
                if let Some(i) = first_bad {
                    assert!(cmds[i..].iter().all(|k| k.is_destructive()));
                    assert!(lead <= i);
                }
                assert!(lead <= 1 && lead <= cmds.len());
            }
        }
    }

    #[test]
    fn happy_path_and_rating() {
        let s = run(EventState::new(), &to_closed());
        assert_eq!(s.status, Status::Closed);
        let (s, fx) = transition(s, &Command::Rate(Rating::Satisfied), Role::Resident, 0).unwrap();
        assert_eq!(s.status, Status::Rated);
        assert!(fx.contains(&Effect::RecordRating(Rating::Satisfied)));
        assert!(s.status.is_terminal());
    }

    #[test]
    fn dissatisfied_reopens_once_then_escalates() {
        let s = run(EventState::new(), &to_closed());
        let (s, fx) =
            transition(s, &Command::Rate(Rating::Dissatisfied), Role::Resident, 0).unwrap();
        assert_eq!((s.status, s.reopened), (Status::InProgress, 1));
        assert!(fx.contains(&Effect::RestartDeadline));
        let s = run(
            s,
            &[
                Command::Resolve {
                    result: "再次处理".into(),
                },
                Command::Verify,
                Command::Close,
            ],
        );
        let (s, fx) =
            transition(s, &Command::Rate(Rating::Dissatisfied), Role::Resident, 0).unwrap();
        assert_eq!((s.status, s.escalations), (Status::Escalated, 1));
        assert!(fx.contains(&Effect::EscalateOneLevel));
        let s = run(s, &[dispatch()]);
        assert_eq!(s.status, Status::Dispatched);
    }

    #[test]
    fn illegal_and_forbidden_are_refused_in_chinese() {
        let e =
            transition(EventState::new(), &Command::Close, Role::CommunityWorker, 0).unwrap_err();
        assert_eq!(e.to_string(), "事件当前状态为“已上报”，不能结案");
        let e = transition(EventState::new(), &Command::Accept, Role::Resident, 0).unwrap_err();
        assert_eq!(e.to_string(), "居民无权受理");
        let e = transition(
            EventState::new(),
            &Command::Invalidate { reason: " ".into() },
            Role::CommunityWorker,
            0,
        )
        .unwrap_err();
        assert_eq!(e.field(), "reason");
        assert!(is_overdue(Status::InProgress, 10, 11));
        assert!(!is_overdue(Status::Resolved, 10, 11));
    }

    fn arb_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }

    fn arb_cmd() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Accept),
            prop_oneof![Just(String::new()), Just("重复上报".to_string())]
                .prop_map(|reason| Command::Invalidate { reason }),
            (0i64..3).prop_map(|into| Command::Merge { into }),
            Just(dispatch()),
            Just(Command::Start),
            prop_oneof![Just(String::new()), Just("已处理".to_string())]
                .prop_map(|result| Command::Resolve { result }),
            Just(Command::Verify),
            Just(Command::SendBack {
                reason: "未修好".into()
            }),
            Just(Command::Close),
            proptest::sample::select(Rating::ALL.to_vec()).prop_map(Command::Rate),
            Just(Command::Escalate {
                reason: "超期".into()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        // Random command sequences by random roles: every accepted move is in the table, a
        // refused one changes nothing, the counters stay in bounds, terminal states stay put and
        // a closed event moves only by a rating, as specified.
        #[test]
        fn random_sequences_stay_valid(cmds in proptest::collection::vec((arb_cmd(), arb_role()), 0..60)) {
            let mut s = EventState::new();
            for (cmd, role) in &cmds {
                match transition(s, cmd, *role, 0) {
                    Ok((n, fx)) => {
                        prop_assert!(TABLE.contains(&(s.status, cmd.kind(), n.status)), "{:?} {:?} {:?}", s, cmd, n);
                        prop_assert!(cmd.kind().allowed(*role));
                        prop_assert!(!s.status.is_terminal());
                        prop_assert!(n.reopened <= 1);
                        prop_assert!(n.escalations <= MAX_ESCALATIONS);
                        prop_assert!(n.reopened >= s.reopened && n.escalations >= s.escalations);
                        prop_assert_eq!(fx.first(), Some(&Effect::NotifyReporter));
                        if s.status == Status::Closed {
                            let r = match cmd { Command::Rate(r) => *r, _ => return Err(TestCaseError::fail("closed left by a non-rating")) };
                            let expect = match (r, s.reopened) {
                                (Rating::Dissatisfied, 0) => Status::InProgress,
                                (Rating::Dissatisfied, _) => Status::Escalated,
                                _ => Status::Rated,
                            };
                            prop_assert_eq!(n.status, expect);
                        }
                        if n.status == Status::Escalated && s.status == Status::Closed {
                            prop_assert_eq!(s.reopened, 1);
                        }
                        s = n;
                    }
                    Err(_) => {
                        // A refused command leaves the state as it was (nothing to change: pure).
                        prop_assert!(
                            !kind_legal_here(s, cmd, *role),
                            "refused a legal command {:?} in {:?} by {:?}", cmd, s, role
                        );
                    }
                }
            }
        }
    }

    /// A command that is well-formed, allowed for the role and in the table from this status.
    fn kind_legal_here(s: EventState, cmd: &Command, role: Role) -> bool {
        let well_formed = match cmd {
            Command::Invalidate { reason } => !reason.trim().is_empty(),
            Command::Resolve { result } => !result.trim().is_empty(),
            Command::Merge { into } => *into > 0,
            Command::Escalate { .. } => s.escalations < MAX_ESCALATIONS,
            Command::Rate(Rating::Dissatisfied) => {
                s.reopened == 0 || s.escalations < MAX_ESCALATIONS
            }
            _ => true,
        };
        well_formed
            && cmd.kind().allowed(role)
            && TABLE
                .iter()
                .any(|(f, k, _)| *f == s.status && *k == cmd.kind())
    }
}
