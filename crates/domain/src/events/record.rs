//! What a lifecycle command records besides the new state: the event's milestone times (from
//! which `docs/metrics.md` counts response and resolution) and the text of its timeline entry.
//! Pure: the time is passed in.

use super::lifecycle::{Command, Status};

/// The milestone times of an event, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    /// First answered: accepted, voided or merged (响应).
    pub responded_at: Option<i64>,
    /// First resolved, kept when it is sent back (一次办结).
    pub first_resolved_at: Option<i64>,
    /// Resolved, as it stands now.
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Rated (回访), or reopened by a rating.
    pub rated_at: Option<i64>,
}

impl Milestones {
    /// The times after a move from `from` to `to` at `now`.
    pub fn after(mut self, from: Status, to: Status, now: i64) -> Self {
        match to {
            Status::Accepted | Status::Invalid | Status::Merged => {
                self.responded_at.get_or_insert(now);
            }
            Status::Resolved => {
                self.resolved_at = Some(now);
                self.first_resolved_at.get_or_insert(now);
            }
            Status::Closed => self.closed_at = Some(now),
            Status::Rated => self.rated_at = Some(now),
            Status::InProgress | Status::Escalated if from == Status::Closed => {
                // Reopened or escalated by a 不满意: it is no longer resolved.
                self.rated_at = Some(now);
                self.resolved_at = None;
                self.closed_at = None;
            }
            _ => {}
        }
        self
    }
}

/// The text of a command's timeline entry: what the command records (a reason, a result, the
/// handlers, the rating) and the caller's note beside it; `None` when there is neither.
pub fn timeline_note(cmd: &Command, note: Option<&str>) -> Option<String> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let recorded = match cmd {
        // The rating's comment is the note itself.
        Command::Rate(r) => {
            return Some(match note {
                Some(n) => format!("{}：{n}", r.label_zh()),
                None => r.label_zh().to_string(),
            })
        }
        Command::Invalidate { reason }
        | Command::SendBack { reason }
        | Command::Escalate { reason } => Some(reason.clone()),
        Command::Resolve { result } => Some(result.clone()),
        Command::Merge { into } => Some(format!("合并到事件#{into}")),
        Command::Dispatch(d) => {
            let co = if d.co_handlers.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = d.co_handlers.iter().map(|h| h.name.as_str()).collect();
                format!("；协办：{}", names.join("、"))
            };
            Some(format!("主办：{}{co}", d.lead.name))
        }
        Command::Accept | Command::Start | Command::Verify | Command::Close => None,
    };
    // A note given with a command that records something else is kept too.
    match (recorded, note) {
        (None, n) => n.map(str::to_string),
        (Some(t), Some(n)) if t != n => Some(format!("{t}；备注：{n}")),
        (Some(_), Some(n)) => Some(n.to_string()),
        (Some(t), None) => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::lifecycle::{Dispatch, Handler, Rating};
    use crate::events::HandlerKind;

    const T: i64 = 1_000;

    #[test]
    fn the_first_answer_and_the_first_resolution_are_kept() {
        let m = Milestones::default().after(Status::Reported, Status::Accepted, T);
        assert_eq!(m.responded_at, Some(T));
        let m = m
            .after(Status::InProgress, Status::Resolved, T + 1)
            .after(Status::Resolved, Status::InProgress, T + 2)
            .after(Status::InProgress, Status::Resolved, T + 3);
        assert_eq!(m.responded_at, Some(T));
        assert_eq!(m.first_resolved_at, Some(T + 1));
        assert_eq!(m.resolved_at, Some(T + 3));
    }

    #[test]
    fn a_dissatisfied_rating_reopens() {
        let m = Milestones {
            resolved_at: Some(T),
            closed_at: Some(T + 1),
            ..Default::default()
        }
        .after(Status::Closed, Status::InProgress, T + 2);
        assert_eq!(
            (m.resolved_at, m.closed_at, m.rated_at),
            (None, None, Some(T + 2))
        );
        // Started again from dispatch, it is not a reopening.
        let m = Milestones {
            resolved_at: Some(T),
            ..Default::default()
        }
        .after(Status::Dispatched, Status::InProgress, T + 2);
        assert_eq!(m.resolved_at, Some(T));
    }

    #[test]
    fn timeline_text() {
        let h = |name: &str| Handler {
            kind: HandlerKind::Department,
            name: name.into(),
            code: None,
        };
        let d = Command::Dispatch(Dispatch {
            lead: h("住建局"),
            co_handlers: vec![h("公安局"), h("城管局")],
            notified: vec![],
        });
        assert_eq!(
            timeline_note(&d, None).as_deref(),
            Some("主办：住建局；协办：公安局、城管局")
        );
        assert_eq!(
            timeline_note(&d, Some("尽快")).as_deref(),
            Some("主办：住建局；协办：公安局、城管局；备注：尽快")
        );
        let r = Command::Resolve {
            result: "已修复".into(),
        };
        assert_eq!(timeline_note(&r, Some("已修复")).as_deref(), Some("已修复"));
        assert_eq!(timeline_note(&Command::Accept, Some("  ")), None);
        assert_eq!(
            timeline_note(&Command::Accept, Some("收到")).as_deref(),
            Some("收到")
        );
        assert_eq!(
            timeline_note(&Command::Rate(Rating::Satisfied), Some("很好")).as_deref(),
            Some(format!("{}：很好", Rating::Satisfied.label_zh()).as_str())
        );
        assert_eq!(
            timeline_note(&Command::Merge { into: 7 }, None).as_deref(),
            Some("合并到事件#7")
        );
    }
}
