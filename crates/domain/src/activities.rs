//! Community activities (issue 13 §3; docs/activities.md): culture, reading, sport, courses…
//! A community (or street) worker announces one over their place with a time, a venue and
//! perhaps a number of places; residents of that place sign up from their phone (and may
//! withdraw until it starts); afterwards the organisers mark who came. Numbers per place: held,
//! signed up, attended.

use crate::registry::str_enum;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// What kind of activity (coded, so the numbers per kind add up).
    Category {
        Culture = "culture" / "文化文艺",
        Reading = "reading" / "读书阅读",
        Sport = "sport" / "体育健身",
        Course = "course" / "课程培训",
        Health = "health" / "健康义诊",
        Volunteer = "volunteer" / "志愿公益",
        Festival = "festival" / "节日联谊",
        Other = "other" / "其他",
    }
);

/// Where an activity stands, from its times and whether it was called off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before it starts: sign-up open (unless full).
    Upcoming,
    /// Between start and end.
    Running,
    /// Over: attendance can be marked.
    Over,
    Cancelled,
}

impl Phase {
    pub fn at(starts_at: i64, ends_at: i64, cancelled: bool, now: i64) -> Phase {
        if cancelled {
            Phase::Cancelled
        } else if now < starts_at {
            Phase::Upcoming
        } else if now < ends_at {
            Phase::Running
        } else {
            Phase::Over
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Running => "running",
            Phase::Over => "over",
            Phase::Cancelled => "cancelled",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Upcoming => "报名中",
            Phase::Running => "进行中",
            Phase::Over => "已结束",
            Phase::Cancelled => "已取消",
        }
    }
}

/// The longest an activity may last.
pub const MAX_HOURS: i64 = 12;
/// How far ahead an activity may be announced.
pub const MAX_AHEAD_DAYS: i64 = 180;
/// The most places an activity may offer.
pub const MAX_CAPACITY: i64 = 5000;

const HOUR_MS: i64 = 3600 * 1000;

/// Check an activity's times: it ends after it starts, lasts at most 12 hours, and starts in the
/// future (not more than 180 days ahead).
pub fn check_times(starts_at: i64, ends_at: i64, now: i64) -> Result<(), FieldError> {
    if starts_at <= now {
        return Err(FieldError::new("starts_at", "活动开始时间应晚于现在"));
    }
    if starts_at > now + MAX_AHEAD_DAYS * 24 * HOUR_MS {
        return Err(FieldError::new("starts_at", "活动开始时间不能晚于180天后"));
    }
    if ends_at <= starts_at {
        return Err(FieldError::new("ends_at", "结束时间应晚于开始时间"));
    }
    if ends_at - starts_at > MAX_HOURS * HOUR_MS {
        return Err(FieldError::new("ends_at", "一次活动不超过12小时"));
    }
    Ok(())
}

/// Check the number of places: none (open to all) or 1 to 5000.
pub fn check_capacity(c: Option<i64>) -> Result<Option<i64>, FieldError> {
    match c {
        None => Ok(None),
        Some(n) if (1..=MAX_CAPACITY).contains(&n) => Ok(Some(n)),
        Some(_) => Err(FieldError::new(
            "capacity",
            "名额应为1到5000人，不限名额请留空",
        )),
    }
}

/// Why a sign-up is refused, or `None` when it may go ahead.
pub fn signup_refusal(phase: Phase, signed: i64, capacity: Option<i64>) -> Option<&'static str> {
    match phase {
        Phase::Cancelled => Some("活动已取消"),
        Phase::Running | Phase::Over => Some("活动已开始，报名已截止"),
        Phase::Upcoming if capacity.is_some_and(|c| signed >= c) => Some("名额已满"),
        Phase::Upcoming => None,
    }
}

/// Attendance as a share of sign-ups, in whole percent; `None` when nobody signed up.
pub fn attendance_rate(signed: i64, attended: i64) -> Option<i64> {
    (signed > 0).then(|| (attended * 100 + signed / 2) / signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_790_000_000_000;

    #[test]
    fn times() {
        assert!(check_times(NOW - 1, NOW + HOUR_MS, NOW).is_err());
        assert!(check_times(NOW + HOUR_MS, NOW + HOUR_MS, NOW).is_err());
        assert!(check_times(NOW + HOUR_MS, NOW + 14 * HOUR_MS, NOW).is_err());
        assert!(check_times(NOW + 200 * 24 * HOUR_MS, NOW + 201 * 24 * HOUR_MS, NOW).is_err());
        assert!(check_times(NOW + HOUR_MS, NOW + 3 * HOUR_MS, NOW).is_ok());
    }

    #[test]
    fn capacity() {
        assert_eq!(check_capacity(None), Ok(None));
        assert!(check_capacity(Some(0)).is_err());
        assert!(check_capacity(Some(5001)).is_err());
        assert_eq!(check_capacity(Some(30)), Ok(Some(30)));
    }

    #[test]
    fn sign_up_rules() {
        assert_eq!(signup_refusal(Phase::Upcoming, 29, Some(30)), None);
        assert_eq!(
            signup_refusal(Phase::Upcoming, 30, Some(30)),
            Some("名额已满")
        );
        assert_eq!(signup_refusal(Phase::Upcoming, 9999, None), None);
        assert!(signup_refusal(Phase::Running, 0, None).is_some());
        assert!(signup_refusal(Phase::Cancelled, 0, None).is_some());
        assert_eq!(attendance_rate(0, 0), None);
        assert_eq!(attendance_rate(3, 2), Some(67));
    }

    proptest! {
        #[test]
        fn phase_follows_time(start in 0i64..1_000_000, len in 1i64..100_000, now in 0i64..2_000_000) {
            let p = Phase::at(start, start + len, false, now);
            prop_assert_eq!(p == Phase::Upcoming, now < start);
            prop_assert_eq!(p == Phase::Over, now >= start + len);
            prop_assert_eq!(Phase::at(start, start + len, true, now), Phase::Cancelled);
        }

        #[test]
        fn never_more_than_the_places(signed in 0i64..100, cap in 1i64..100) {
            if signup_refusal(Phase::Upcoming, signed, Some(cap)).is_none() {
                prop_assert!(signed < cap);
            }
        }
    }
}
