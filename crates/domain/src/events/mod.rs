//! Events (事件): problems reported in the city and worked until the reporter says they are fixed.
//!
//! - [`category`]: the configurable category tree and its defaults (default handler, extra
//!   questions that become Open311 service attributes).
//! - [`deadline`]: urgency and the deadlines that follow from it (12345 practice by default).
//! - [`lifecycle`]: the event's state machine, a pure [`lifecycle::transition`] function.
//! - [`record`]: what a command records besides the state (milestone times, timeline text).
//! - [`whistle`]: 吹哨报到, the summons of departments and its own states.
//! - [`metrics`]: the rates defined in `docs/metrics.md`.
//! - [`duplicates`]: scoring a report as a likely duplicate of another.
//! - [`visibility`]: what a resident sees of an event (internal notes, other people's reports).
//! - [`actions`]: what a caller may do on an event (the buttons of its page, the checks of the
//!   use-cases).

pub mod actions;
pub mod category;
pub mod deadline;
pub mod duplicates;
pub mod lifecycle;
pub mod metrics;
pub mod record;
pub mod visibility;
pub mod whistle;

pub use category::{default_categories, Category, HandlerKind, Question};
pub use deadline::{DeadlinePolicy, Urgency};
pub use lifecycle::{transition, Command, Effect, EventState, Rating, Status, TransitionError};
pub mod attachment;

// What a list of events asks for

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub status: Option<Status>,
    pub category: Option<String>,
    pub urgency: Option<Urgency>,
    pub reporter_user_id: Option<i64>,
    /// Only events still open past their deadline at this time (ms).
    pub overdue_at: Option<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Below this place (a path inside the scope).
    pub under_path: Option<String>,
    /// `resident`, `staff`, … (how it came in).
    pub source: Option<String>,
    /// Only events dispatched (as lead, co-handler or notified) or whistled to this department
    /// (its code).
    pub department: Option<String>,
    /// Only events whose current lead or co-handler is of this kind (`grid_worker`, …).
    pub handler_kind: Option<String>,
    /// "Mine": the use-case turns it into `department` or `handler_kind` for the caller's role.
    pub assigned_mine: bool,
    /// Only open events (reported, accepted, dispatched, in progress, escalated).
    pub open_only: bool,
    /// Only events in one of these states (none: any).
    pub any_of: Vec<Status>,
}
