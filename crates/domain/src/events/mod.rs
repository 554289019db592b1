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
