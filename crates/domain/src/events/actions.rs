//! What a caller may do on an event: the rules the use-cases enforce and the event page shows
//! as buttons, in one place, so a button is never offered that the use-case would refuse (and
//! no action is allowed that the page does not show). Scope (the event lies in the caller's
//! place) and "sent to this department" are checked by the use-cases against the store; these
//! functions decide by role, state and who the caller is.

use super::lifecycle::{page_commands, CommandKind, Status};
use super::whistle::{DeptStatus, WhistleStatus};
use crate::auth::Role;

/// The states in which a community may blow the whistle: accepted and not yet resolved.
pub const WHISTLE_STATES: [Status; 4] = [
    Status::Accepted,
    Status::Dispatched,
    Status::InProgress,
    Status::Escalated,
];

/// What a caller may do on an event's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventActions {
    /// Lifecycle commands in the order shown: the likely next step first, destructive last.
    pub commands: Vec<CommandKind>,
    /// How many of `commands` are in view; the rest are behind "更多操作".
    pub lead: usize,
    /// Add an internal note (内部备注).
    pub note: bool,
    /// Summon departments (吹哨).
    pub whistle: bool,
    /// Look for likely duplicates and merge into one.
    pub merge: bool,
}

/// The caller's actions on an event in `status`. `supporter` is a resident who joined someone
/// else's report (我也遇到了): they follow it and give no commands.
pub fn event_actions(role: Role, status: Status, supporter: bool) -> EventActions {
    let (commands, lead) = if supporter {
        (vec![], 0)
    } else {
        page_commands(status, role)
    };
    EventActions {
        commands,
        lead,
        note: may_note(role),
        whistle: may_blow_whistle(role, status),
        merge: status == Status::Reported && CommandKind::Merge.allowed(role),
    }
}

/// Staff add notes; residents and auditors do not.
pub fn may_note(role: Role) -> bool {
    !matches!(role, Role::Resident | Role::Auditor)
}

/// A manager, on an event accepted and not yet resolved.
pub fn may_blow_whistle(role: Role, status: Status) -> bool {
    role.is_manager() && WHISTLE_STATES.contains(&status)
}

/// Department staff act for their own department; managers for any department.
pub fn may_act_for_department(role: Role, own_department: Option<&str>, department: &str) -> bool {
    role.is_manager() || (role == Role::DepartmentStaff && own_department == Some(department))
}

/// The joint inspection (联合踏勘) is recorded once, by a manager, while departments are summoned.
pub fn may_inspect(role: Role, whistle: WhistleStatus, inspected: bool) -> bool {
    role.is_manager() && !inspected && whistle == WhistleStatus::Summoned
}

/// What a caller may do for one summoned department of a whistle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DepartmentActions {
    /// Report in (报到).
    pub report_in: bool,
    /// Mark its task done.
    pub complete: bool,
    /// Rate its response (the community, once the task is done).
    pub rate: bool,
}

pub fn department_actions(
    role: Role,
    own_department: Option<&str>,
    department: &str,
    status: DeptStatus,
) -> DepartmentActions {
    let own = may_act_for_department(role, own_department, department);
    DepartmentActions {
        report_in: own && status == DeptStatus::Summoned,
        complete: own && status == DeptStatus::TaskAssigned,
        rate: role.is_manager() && status == DeptStatus::TaskDone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_acts_for_itself_only() {
        let d = Role::DepartmentStaff;
        let mine = department_actions(d, Some("zj"), "zj", DeptStatus::Summoned);
        assert!(mine.report_in && !mine.complete && !mine.rate);
        let other = department_actions(d, Some("zj"), "ga", DeptStatus::Summoned);
        assert_eq!(other, DepartmentActions::default());
        assert!(department_actions(d, Some("zj"), "zj", DeptStatus::TaskAssigned).complete);
        // Rating is the community's, never the department's own.
        assert!(!department_actions(d, Some("zj"), "zj", DeptStatus::TaskDone).rate);
        let cw = Role::CommunityWorker;
        assert!(department_actions(cw, None, "zj", DeptStatus::TaskDone).rate);
        assert!(department_actions(cw, None, "zj", DeptStatus::Summoned).report_in);
        for r in [
            Role::Resident,
            Role::Steward,
            Role::GridWorker,
            Role::Auditor,
        ] {
            assert_eq!(
                department_actions(r, None, "zj", DeptStatus::Summoned),
                DepartmentActions::default()
            );
        }
    }

    #[test]
    fn whistles_are_blown_by_managers_on_events_in_hand() {
        for s in Status::ALL {
            assert_eq!(
                may_blow_whistle(Role::CommunityWorker, s),
                WHISTLE_STATES.contains(&s)
            );
            assert!(!may_blow_whistle(Role::DepartmentStaff, s));
            assert!(!may_blow_whistle(Role::Steward, s));
        }
        assert!(may_inspect(
            Role::StreetOfficer,
            WhistleStatus::Summoned,
            false
        ));
        assert!(!may_inspect(
            Role::StreetOfficer,
            WhistleStatus::Summoned,
            true
        ));
        assert!(!may_inspect(
            Role::DepartmentStaff,
            WhistleStatus::Summoned,
            false
        ));
    }

    #[test]
    fn a_supporter_follows_and_gives_no_commands() {
        let a = event_actions(Role::Resident, Status::Closed, true);
        assert!(a.commands.is_empty() && !a.note && !a.whistle && !a.merge);
        let own = event_actions(Role::Resident, Status::Closed, false);
        assert_eq!(own.commands, vec![CommandKind::Rate]);
        let cw = event_actions(Role::CommunityWorker, Status::Reported, false);
        assert!(cw.merge && cw.note && !cw.whistle);
        assert_eq!(cw.commands.first(), Some(&CommandKind::Accept));
    }
}
