//! Volunteer service hours (issue 13 §3; docs/volunteering.md): a volunteer logs the hours they
//! served with one of their teams, and the team's leader (or a manager of its place) confirms
//! or rejects them — never the volunteer themself. Totals count confirmed hours only.

use crate::registry::str_enum;
use crate::rounds::DAY_MS;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// Where a logged entry stands.
    HoursStatus {
        Pending = "pending" / "待确认",
        Confirmed = "confirmed" / "已确认",
        Rejected = "rejected" / "未确认",
    }
);

/// How far back hours may be logged.
pub const MAX_BACK_DAYS: i64 = 90;

/// Check the minutes of one entry: a quarter of an hour to 12 hours, in quarters.
pub fn check_minutes(m: i64) -> Result<i64, FieldError> {
    if (15..=12 * 60).contains(&m) && m % 15 == 0 {
        Ok(m)
    } else {
        Err(FieldError::new(
            "minutes",
            "服务时长应为15分钟到12小时，以15分钟为单位",
        ))
    }
}

/// Check the day served (its first instant, UTC ms): not in the future, at most 90 days back.
pub fn check_served(at: i64, now: i64) -> Result<i64, FieldError> {
    if at > now || at < now - MAX_BACK_DAYS * DAY_MS {
        Err(FieldError::new(
            "served_on",
            "服务日期不能晚于今天，也不能早于90天前",
        ))
    } else {
        Ok(at)
    }
}

/// Who may decide an entry: not the volunteer who logged it; the team's leader or a manager of
/// the team's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    /// The volunteer themself: refused.
    Own,
    Leader,
    Manager,
    /// Anyone else: not allowed.
    Other,
}

pub fn decider(actor: i64, volunteer: i64, leader: Option<i64>, manages_place: bool) -> Decider {
    if actor == volunteer {
        Decider::Own
    } else if leader == Some(actor) {
        Decider::Leader
    } else if manages_place {
        Decider::Manager
    } else {
        Decider::Other
    }
}

/// Hours as people read them: "2.5".
pub fn hours(minutes: i64) -> String {
    let h = minutes / 60;
    match minutes % 60 {
        0 => h.to_string(),
        15 => format!("{h}.25"),
        30 => format!("{h}.5"),
        45 => format!("{h}.75"),
        m => format!("{:.2}", h as f64 + m as f64 / 60.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_in_quarters() {
        assert!(check_minutes(0).is_err());
        assert!(check_minutes(20).is_err());
        assert_eq!(check_minutes(90), Ok(90));
        assert!(check_minutes(13 * 60).is_err());
        assert_eq!(hours(150), "2.5");
        assert_eq!(hours(45), "0.75");
    }

    #[test]
    fn nobody_confirms_their_own_hours() {
        assert_eq!(
            decider(7, 7, Some(7), true),
            Decider::Own,
            "a leader logging their own"
        );
        assert_eq!(decider(8, 7, Some(8), false), Decider::Leader);
        assert_eq!(decider(9, 7, Some(8), true), Decider::Manager);
        assert_eq!(decider(9, 7, Some(8), false), Decider::Other);
    }

    #[test]
    fn served_days() {
        let now = 1_790_000_000_000;
        assert!(check_served(now + 1, now).is_err());
        assert!(check_served(now - 91 * DAY_MS, now).is_err());
        assert!(check_served(now - 10 * DAY_MS, now).is_ok());
    }
}
