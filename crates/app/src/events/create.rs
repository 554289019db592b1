//! One path creates events, whatever their source: a report from the web page or the API
//! (resident or staff), a steward's finding (round), a 12345 ticket matched to a building
//! (hotline), an Open311 request. Each source checks its own input and decides the place, the
//! reporter and the deadline; [`create`] writes what every new event has, the same way for all:
//! the event row and its monthly counts, its first timeline row (`report`) and its audit
//! record, for one event or a batch in multi-row statements.
//!
//! Nobody is notified of a new event: its only reporter is the person who writes it (never
//! told of their own action) or not a user (the hotline's caller, an Open311 client), and no
//! event is merged into it yet.

use crate::{Actor, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_store::events::{self as se, NewEvent};
use jingzhi_store::{audit, Conn};

/// Where an event came from: its `source` column, shown on its page and counted by the
/// dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A resident's own report.
    Resident,
    /// Staff reporting at a building, a grid or a map point.
    Staff,
    /// A steward's finding on a round (民情日志).
    Round,
    /// A 12345 hotline ticket.
    Hotline,
    /// An Open311 client.
    Open311,
    /// A household found needing help on an emergency check (docs/emergency.md).
    Emergency,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Resident => "resident",
            Source::Staff => "staff",
            Source::Round => jingzhi_domain::rounds::EVENT_SOURCE,
            Source::Hotline => crate::hotline::SOURCE,
            Source::Open311 => "open311",
            Source::Emergency => "emergency",
        }
    }
}

/// A new event, checked by its source: the row, who writes it, the note of its first timeline
/// row (also the audit record's reason), and what the audit summary adds after "上报".
pub(crate) struct NewReport<'a> {
    pub actor: &'a Actor,
    pub event: NewEvent<'a>,
    pub note: Option<&'a str>,
    pub via: Option<String>,
}

/// The audit record's view of a new event: the fields every later change of it records too.
fn audit_after(e: &NewEvent<'_>) -> serde_json::Value {
    let mut v = super::AuditFields {
        status: Status::Reported,
        category: e.category_code,
        urgency: e.urgency,
        reopened: 0,
        escalations: 0,
        deadline_at: e.deadline_at,
        rating: None,
        whistled: false,
    }
    .json();
    v["source"] = e.source.into();
    v
}

/// Write new events in the caller's transaction; their ids, in order.
pub(crate) async fn create(tx: &mut Conn, reports: &[NewReport<'_>]) -> AppResult<Vec<i64>> {
    let events: Vec<NewEvent<'_>> = reports.iter().map(|r| r.event.clone()).collect();
    let ids = se::insert_events(&mut *tx, &events).await?;
    let transitions: Vec<_> = reports
        .iter()
        .zip(&ids)
        .map(|(r, &id)| se::NewTransition {
            event_id: id,
            path: r.event.path,
            at: r.event.reported_at,
            actor_id: r.actor.audit_id(),
            actor_name: r.actor.name(),
            command: "report",
            from_status: None,
            to_status: Status::Reported,
            note: r.note,
        })
        .collect();
    se::insert_transitions(&mut *tx, &transitions).await?;
    let entries: Vec<_> = reports
        .iter()
        .zip(&ids)
        .map(|(r, &id)| audit::Entry {
            after: Some(audit_after(&r.event)),
            reason: r.note,
            ..r.actor.audit(
                Action::Create,
                "event",
                Some(id),
                r.event.path,
                match &r.via {
                    Some(via) => format!("事件#{id} 上报（{via}）"),
                    None => format!("事件#{id} 上报"),
                },
            )
        })
        .collect();
    audit::record_many(&mut *tx, &entries).await?;
    Ok(ids)
}

/// Write one new event; its id.
pub(crate) async fn create_one(tx: &mut Conn, report: NewReport<'_>) -> AppResult<i64> {
    Ok(create(tx, std::slice::from_ref(&report)).await?[0])
}
