//! Notifications (reporters are told) and overdue escalation: the pure rules.
//!
//! - [`tells_reporter`]: which timeline entries the reporters hear about.
//! - [`Message`]: the words of a notification, the same for the in-app list and every channel.
//! - [`RetryPolicy`]: exponential backoff of outbox deliveries, and when to give up.
//! - [`overdue_escalation`]: whether the escalation job escalates an event now.
//!
//! See `docs/notifications.md`.

use crate::events::lifecycle::{self as lc, Command, EventState, Status, MAX_ESCALATIONS};
use serde::{Deserialize, Serialize};

/// Whether a timeline entry is news for the reporters: every change of status, and the whistle
/// steps that change what happens on site (summoning departments, the joint inspection's
/// agreed solution). Department report-ins, task ticks and ratings of departments are internal.
pub fn tells_reporter(command: &str, label_zh: &str, from: Option<Status>, to: Status) -> bool {
    if from != Some(to) {
        return true;
    }
    command == "whistle" && matches!(label_zh, "吹哨" | "联合踏勘")
}

/// What a reporter is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub event_id: i64,
    /// The event the recipient reported, when it was merged into `event_id`.
    pub via_event_id: Option<i64>,
    pub status: Status,
    pub title: String,
    pub body: String,
}

/// The text of the notification about event `event_id` (category `category`, at `place`)
/// after `command_zh` moved it from `from` to `to`. `via` is the recipient's own event when it
/// was merged into this one. `note` (reason, result, handlers) is appended when given.
#[allow(clippy::too_many_arguments)]
pub fn message(
    event_id: i64,
    via: Option<i64>,
    category: &str,
    place: &str,
    command_zh: &str,
    from: Option<Status>,
    to: Status,
    note: Option<&str>,
) -> Message {
    message_to(
        Audience::Reporter,
        event_id,
        via,
        category,
        place,
        command_zh,
        from,
        to,
        note,
    )
}

/// Who a notification is for: the reporter (who rates the closed event), or a resident who
/// added themselves to the event ("我也遇到了").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Reporter,
    Supporter,
}

/// [`message`] for an audience. A reporter told of a closed event is asked to rate it.
#[allow(clippy::too_many_arguments)]
pub fn message_to(
    audience: Audience,
    event_id: i64,
    via: Option<i64>,
    category: &str,
    place: &str,
    command_zh: &str,
    from: Option<Status>,
    to: Status,
    note: Option<&str>,
) -> Message {
    let title = match (audience, via) {
        (Audience::Supporter, _) => format!("您关注的事件#{event_id}有新进展：{command_zh}"),
        (Audience::Reporter, Some(v)) => {
            format!("您上报的事件#{v}（已并入#{event_id}）有新进展：{command_zh}")
        }
        (Audience::Reporter, None) => format!("您上报的事件#{event_id}有新进展：{command_zh}"),
    };
    let change = match from {
        Some(f) if f != to => format!("{} → {}", f.label_zh(), to.label_zh()),
        _ => to.label_zh().to_string(),
    };
    let mut body = format!("事件#{event_id}（{category}，{place}）{command_zh}：{change}。");
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        // A long result stays readable in a phone notification.
        let short: String = n.chars().take(200).collect();
        body.push_str(&short);
        if n.chars().count() > 200 {
            body.push('…');
        }
    }
    if to == Status::Closed && audience == Audience::Reporter && via.is_none() {
        body.push_str(RATE_HINT);
    }
    Message {
        event_id,
        via_event_id: via,
        status: to,
        title,
        body,
    }
}

/// Why a department is told about an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentNotice {
    /// Dispatched to it: `role` is `lead` (主办), `co_handler` (协办) or `notified` (知会).
    Dispatched { role: String, deadline_at: i64 },
    /// Summoned by a whistle (吹哨): report in by `report_in_by`.
    Summoned { report_in_by: i64, reason: String },
    /// The joint inspection gave it a task.
    Task { task: String },
    /// Its event is past its deadline and went one level up.
    Overdue,
    /// Its result was sent back to be done again.
    SentBack { reason: String },
}

/// The text of a notification to a department's staff about event `event_id`.
pub fn department_message(
    notice: &DepartmentNotice,
    event_id: i64,
    category: &str,
    place: &str,
    status: Status,
) -> Message {
    let what = format!("事件#{event_id}（{category}，{place}）");
    let (title, body) = match notice {
        DepartmentNotice::Dispatched { role, deadline_at } => {
            let r = match role.as_str() {
                "lead" => "主办",
                "co_handler" => "协办",
                _ => "知会",
            };
            let title = format!("新派遣（{r}）：事件#{event_id} {category}");
            let body = if role == "notified" {
                format!("{what}已派遣，本部门为知会单位，请知悉。")
            } else {
                format!(
                    "{what}派遣本部门{r}，请于{}前办结。",
                    crate::time_fmt::format_ms(*deadline_at)
                )
            };
            (title, body)
        }
        DepartmentNotice::Summoned {
            report_in_by,
            reason,
        } => (
            format!("吹哨召集：事件#{event_id} {category}"),
            format!(
                "社区就{what}吹哨，召集本部门报到，请于{}前报到。原因：{}",
                crate::time_fmt::format_ms(*report_in_by),
                reason.chars().take(200).collect::<String>()
            ),
        ),
        DepartmentNotice::Task { task } => (
            format!("联合踏勘分派任务：事件#{event_id}"),
            format!(
                "{what}联合踏勘后，本部门任务：{}",
                task.chars().take(200).collect::<String>()
            ),
        ),
        DepartmentNotice::Overdue => (
            format!("已超期：事件#{event_id} {category}"),
            format!("{what}已超过办理时限，已上报上一级督办。"),
        ),
        DepartmentNotice::SentBack { reason } => (
            format!("退回重办：事件#{event_id} {category}"),
            format!(
                "{what}的办理结果被退回，请重新办理。原因：{}",
                reason.chars().take(200).collect::<String>()
            ),
        ),
    };
    Message {
        event_id,
        via_event_id: None,
        status,
        title,
        body,
    }
}
/// What a reporter told of a closed event is asked.
pub const RATE_HINT: &str = "请查看办理结果并评价。";

/// Retries of an outbox row: the first attempt at once, then after `base_ms`, `2·base_ms`,
/// `4·base_ms`, … (capped at `max_delay_ms`); after `max_attempts` failed attempts it is given
/// up (marked failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_ms: i64,
    pub max_delay_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_ms: 30_000,
            max_delay_ms: 6 * 3_600_000,
        }
    }
}

/// What to do with an outbox row after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time (ms).
    RetryAt(i64),
    GiveUp,
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempts` failed ones (≥ 1).
    pub fn delay_ms(&self, attempts: u32) -> i64 {
        let exp = attempts.saturating_sub(1).min(40);
        self.base_ms
            .max(0)
            .saturating_mul(1i64 << exp)
            .min(self.max_delay_ms.max(0))
    }

    /// After the `attempts`-th attempt failed at `now`.
    pub fn after_failure(&self, attempts: u32, now: i64) -> AfterFailure {
        if attempts >= self.max_attempts {
            AfterFailure::GiveUp
        } else {
            AfterFailure::RetryAt(now.saturating_add(self.delay_ms(attempts)))
        }
    }

    pub fn check(&self) -> Result<(), crate::FieldError> {
        if self.max_attempts == 0 || self.max_attempts > 100 {
            return Err(crate::FieldError::new(
                "max_attempts",
                "投递次数应在1到100之间",
            ));
        }
        if self.base_ms < 0 || self.max_delay_ms < self.base_ms {
            return Err(crate::FieldError::new("backoff", "重试间隔设置无效"));
        }
        Ok(())
    }
}

/// The reason the escalation job writes on the timeline.
pub const OVERDUE_REASON: &str = "超过办理期限，自动升级";

/// Whether the escalation job escalates an event in `state` with deadline `deadline_ms` at
/// `now`, and with which command.
///
/// An open event past its deadline goes one level up, as the lifecycle's `escalate` command
/// does: that restarts the deadline (a full period for its urgency from now), so it escalates
/// **at most once per deadline** and a rerun finds nothing to do until the new deadline passes
/// too. Not escalated: events the lifecycle does not let escalate (a reported event not yet
/// accepted: it stays flagged overdue for the community), and events already at the top level
/// ([`MAX_ESCALATIONS`]).
pub fn overdue_escalation(state: EventState, deadline_ms: i64, now: i64) -> Option<Command> {
    if !lc::is_overdue(state.status, deadline_ms, now) || state.escalations >= MAX_ESCALATIONS {
        return None;
    }
    let cmd = Command::Escalate {
        reason: OVERDUE_REASON.to_string(),
    };
    lc::transition(state, &cmd, crate::auth::Role::CityAdmin, now)
        .ok()
        .map(|_| cmd)
}

/// The statuses the escalation job looks at (indexed with the deadline).
pub fn escalatable_statuses() -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|s| {
            lc::TABLE
                .iter()
                .any(|(from, k, _)| from == s && *k == lc::CommandKind::Escalate)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(status: Status, escalations: u32) -> EventState {
        EventState {
            status,
            reopened: 0,
            escalations,
        }
    }

    #[test]
    fn status_changes_and_some_whistle_steps_are_news() {
        assert!(tells_reporter(
            "accept",
            "受理",
            Some(Status::Reported),
            Status::Accepted
        ));
        assert!(tells_reporter("report", "上报", None, Status::Reported));
        assert!(tells_reporter(
            "whistle",
            "吹哨",
            Some(Status::Accepted),
            Status::Accepted
        ));
        assert!(tells_reporter(
            "whistle",
            "联合踏勘",
            Some(Status::InProgress),
            Status::InProgress
        ));
        assert!(!tells_reporter(
            "whistle",
            "报到",
            Some(Status::InProgress),
            Status::InProgress
        ));
        // A re-dispatch keeps the status: still not news for the reporter.
        assert!(!tells_reporter(
            "dispatch",
            "派遣",
            Some(Status::Dispatched),
            Status::Dispatched
        ));
    }

    #[test]
    fn message_names_the_change_and_the_merge() {
        let m = message(
            12,
            None,
            "楼道堆物",
            "1号楼",
            "受理",
            Some(Status::Reported),
            Status::Accepted,
            None,
        );
        assert_eq!(m.title, "您上报的事件#12有新进展：受理");
        assert_eq!(m.body, "事件#12（楼道堆物，1号楼）受理：已上报 → 已受理。");
        let m = message(
            12,
            Some(9),
            "楼道堆物",
            "1号楼",
            "办结",
            Some(Status::InProgress),
            Status::Resolved,
            Some(&"清".repeat(300)),
        );
        assert!(m.title.contains("#9（已并入#12）"));
        assert!(m.body.ends_with('…'));
        assert_eq!(m.via_event_id, Some(9));
        let closed = |a| {
            message_to(
                a,
                12,
                None,
                "楼道堆物",
                "1号楼",
                "结案",
                Some(Status::Verified),
                Status::Closed,
                None,
            )
        };
        assert!(closed(Audience::Reporter).body.ends_with(RATE_HINT));
        let s = closed(Audience::Supporter);
        assert!(s.title.starts_with("您关注的事件#12") && !s.body.contains(RATE_HINT));
    }

    #[test]
    fn backoff_doubles_caps_and_gives_up() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_ms: 1000,
            max_delay_ms: 3000,
        };
        p.check().unwrap();
        assert_eq!(p.delay_ms(1), 1000);
        assert_eq!(p.delay_ms(2), 2000);
        assert_eq!(p.delay_ms(3), 3000);
        assert_eq!(p.after_failure(1, 10), AfterFailure::RetryAt(1010));
        assert_eq!(p.after_failure(3, 10), AfterFailure::RetryAt(3010));
        assert_eq!(p.after_failure(4, 10), AfterFailure::GiveUp);
        assert_eq!(RetryPolicy::default().delay_ms(u32::MAX), 6 * 3_600_000);
        assert!(RetryPolicy {
            max_attempts: 0,
            ..p
        }
        .check()
        .is_err());
    }

    #[test]
    fn overdue_open_events_escalate_once_per_deadline() {
        let now = 1_000;
        for s in [
            // An event nobody accepted in time goes up too.
            Status::Reported,
            Status::Accepted,
            Status::Dispatched,
            Status::InProgress,
            Status::Escalated,
        ] {
            assert!(
                overdue_escalation(st(s, 0), now - 1, now).is_some(),
                "{s:?}"
            );
            // Not yet past the deadline.
            assert!(overdue_escalation(st(s, 0), now, now).is_none());
        }
        // Not open, not escalatable, or at the top.
        for s in [
            Status::Resolved,
            Status::Closed,
            Status::Rated,
            Status::Merged,
        ] {
            assert!(overdue_escalation(st(s, 0), 0, now).is_none(), "{s:?}");
        }
        assert!(overdue_escalation(st(Status::Escalated, MAX_ESCALATIONS), 0, now).is_none());
        // After escalating the deadline restarts: the same run time finds nothing.
        let cmd = overdue_escalation(st(Status::InProgress, 0), 0, now).unwrap();
        let (next, fx) = lc::transition(
            st(Status::InProgress, 0),
            &cmd,
            crate::auth::Role::CityAdmin,
            now,
        )
        .unwrap();
        assert!(fx.contains(&lc::Effect::RestartDeadline));
        let new_deadline = crate::events::DeadlinePolicy::default()
            .deadline(crate::events::Urgency::Emergency, now);
        assert!(overdue_escalation(next, new_deadline, now).is_none());
        assert!(overdue_escalation(next, new_deadline, new_deadline + 1).is_some());
        let mut s = escalatable_statuses();
        s.sort_by_key(|s| s.as_str());
        assert_eq!(
            s,
            vec![
                Status::Accepted,
                Status::Dispatched,
                Status::Escalated,
                Status::InProgress,
                Status::Reported
            ]
        );
    }
}
