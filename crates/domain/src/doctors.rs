//! Family-doctor contracts (家庭医生签约, issue 13 §3; docs/doctors.md). The key groups a
//! contract covers, the 90% target for the signing rate of the register's key-group residents,
//! when a contract is live and when it may be renewed. Pure rules: time is passed in.

use crate::registry::str_enum;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// The key groups (重点人群) a family-doctor contract is signed for.
    KeyGroup {
        Elderly = "elderly" / "65岁及以上老年人",
        Chronic = "chronic" / "慢性病患者",
        Disabled = "disabled" / "残疾人",
        Pregnant = "pregnant" / "孕产妇",
        Child = "child" / "0-6岁儿童",
    }
);

/// The signing rate every place should reach, in percent of its key-group residents.
pub const TARGET_PERCENT: i64 = 90;
/// A contract runs for a year unless ended.
pub const CONTRACT_DAYS: i64 = 365;
/// Contracts ending within this many days are listed for renewal, and may be renewed.
pub const RENEW_DAYS: i64 = 30;
/// The furthest back a contract may be dated when it is entered (a paper form signed earlier).
pub const MAX_BACKDATE_DAYS: i64 = 90;

pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The groups the register suggests for a resident: elderly from 65, child up to 6, disabled
/// with a disability grade. Chronic illness and pregnancy are not in the register: the worker
/// ticks them.
pub fn suggested_groups(age: i32, disability_grade: Option<i32>) -> Vec<KeyGroup> {
    let mut v = vec![];
    if age >= 65 {
        v.push(KeyGroup::Elderly);
    }
    if disability_grade.is_some() {
        v.push(KeyGroup::Disabled);
    }
    if (0..=6).contains(&age) {
        v.push(KeyGroup::Child);
    }
    v
}

/// The chosen groups, by code (or Chinese label): at least one, each known; in the list's order
/// without repeats.
pub fn check_groups<S: AsRef<str>>(codes: &[S]) -> Result<Vec<KeyGroup>, FieldError> {
    let mut out = vec![];
    for c in codes {
        let c = c.as_ref();
        let g = KeyGroup::parse(c)
            .ok_or_else(|| FieldError::new("groups", format!("未知的重点人群：{c}")))?;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("groups", "请至少选择一类重点人群"));
    }
    out.sort_by_key(|g| KeyGroup::ALL.iter().position(|x| x == g));
    Ok(out)
}

/// The groups as stored (sealed): codes joined by commas.
pub fn groups_text(groups: &[KeyGroup]) -> String {
    groups
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The groups from their stored text (unknown codes are skipped).
pub fn parse_groups_text(s: &str) -> Vec<KeyGroup> {
    s.split(',').filter_map(KeyGroup::parse).collect()
}

/// The signing rate in whole percent, rounded down (89.9% is not 90%); `None` without key-group
/// residents.
pub fn rate(signed: i64, key: i64) -> Option<i64> {
    (key > 0).then(|| signed.max(0) * 100 / key)
}

/// The place reaches the target (a place without key-group residents has nothing to reach).
pub fn meets_target(signed: i64, key: i64) -> bool {
    key <= 0 || signed * 100 >= TARGET_PERCENT * key
}

/// The default end of a contract signed at `signed_at`: a year later.
pub fn default_end(signed_at: i64) -> i64 {
    signed_at + CONTRACT_DAYS * DAY_MS
}

/// A contract is live from its signing until its end, unless ended early.
pub fn is_live(signed_at: i64, ends_at: i64, ended_at: Option<i64>, now: i64) -> bool {
    ended_at.is_none() && signed_at <= now && now < ends_at
}

/// A live contract ending within [`RENEW_DAYS`] may be renewed by signing a new one (the old
/// one is then ended as renewed); before that, a second contract is refused.
pub fn renewable(ends_at: i64, now: i64) -> bool {
    ends_at - now <= RENEW_DAYS * DAY_MS
}

/// Check the signing time: not in the future, not more than [`MAX_BACKDATE_DAYS`] back.
pub fn check_signed_at(signed_at: i64, now: i64) -> Result<(), FieldError> {
    if signed_at > now {
        return Err(FieldError::new("signed_on", "签约日期不能晚于今天"));
    }
    if signed_at < now - MAX_BACKDATE_DAYS * DAY_MS {
        return Err(FieldError::new("signed_on", "签约日期不能早于90天前"));
    }
    Ok(())
}

/// How a contract stands, for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Live and not ending within [`RENEW_DAYS`].
    Live,
    /// Live, ending within [`RENEW_DAYS`]: to renew.
    Ending,
    /// Ran out or ended early.
    Ended,
}

impl Standing {
    pub fn of(signed_at: i64, ends_at: i64, ended_at: Option<i64>, now: i64) -> Standing {
        if !is_live(signed_at, ends_at, ended_at, now) {
            Standing::Ended
        } else if renewable(ends_at, now) {
            Standing::Ending
        } else {
            Standing::Live
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Live => "live",
            Standing::Ending => "ending",
            Standing::Ended => "ended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_790_000_000_000;

    #[test]
    fn suggestions_follow_the_register() {
        assert_eq!(suggested_groups(70, None), vec![KeyGroup::Elderly]);
        assert_eq!(
            suggested_groups(65, Some(2)),
            vec![KeyGroup::Elderly, KeyGroup::Disabled]
        );
        assert_eq!(suggested_groups(6, None), vec![KeyGroup::Child]);
        assert_eq!(suggested_groups(0, None), vec![KeyGroup::Child]);
        assert!(suggested_groups(7, None).is_empty());
        assert!(suggested_groups(64, None).is_empty());
        assert_eq!(suggested_groups(40, Some(1)), vec![KeyGroup::Disabled]);
    }

    #[test]
    fn groups_are_checked() {
        assert!(check_groups::<&str>(&[]).is_err());
        let e = check_groups(&["elderly", "dancer"]).unwrap_err();
        assert_eq!(e.field, "groups");
        assert_eq!(
            check_groups(&["child", "慢性病患者", "child"]).unwrap(),
            vec![KeyGroup::Chronic, KeyGroup::Child]
        );
        let g = check_groups(&["pregnant", "elderly"]).unwrap();
        assert_eq!(parse_groups_text(&groups_text(&g)), g);
    }

    #[test]
    fn the_rate_and_the_target() {
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(1, 2), Some(50));
        assert_eq!(rate(899, 1000), Some(89));
        assert!(!meets_target(899, 1000));
        assert!(meets_target(900, 1000));
        assert!(meets_target(9, 10));
        assert!(!meets_target(1, 2));
        assert!(meets_target(0, 0));
    }

    #[test]
    fn live_ending_and_ended() {
        let end = default_end(NOW);
        assert!(is_live(NOW, end, None, NOW));
        assert!(!is_live(NOW, end, None, end));
        assert!(!is_live(NOW, end, Some(NOW + 1), NOW + 2));
        assert!(!is_live(NOW + 1, end, None, NOW));
        assert_eq!(Standing::of(NOW, end, None, NOW), Standing::Live);
        assert_eq!(
            Standing::of(NOW, end, None, end - 10 * DAY_MS),
            Standing::Ending
        );
        assert_eq!(Standing::of(NOW, end, None, end), Standing::Ended);
        assert!(check_signed_at(NOW + 1, NOW).is_err());
        assert!(check_signed_at(NOW - 91 * DAY_MS, NOW).is_err());
        assert!(check_signed_at(NOW - 30 * DAY_MS, NOW).is_ok());
    }

    proptest! {
        #[test]
        fn rate_agrees_with_the_target(key in 1i64..100_000, share in 0i64..=100) {
            let signed = key * share / 100;
            let r = rate(signed, key).unwrap();
            prop_assert!((0..=100).contains(&r));
            // Rounded down: meeting the target and a rate of 90 or more are the same thing.
            prop_assert_eq!(meets_target(signed, key), r >= TARGET_PERCENT);
        }

        #[test]
        fn a_contract_is_live_exactly_within_its_year(signed in 0i64..1_000_000_000, t in 0i64..2_000_000_000_000) {
            let end = default_end(signed);
            prop_assert_eq!(is_live(signed, end, None, t), signed <= t && t < end);
            prop_assert_eq!(Standing::of(signed, end, None, t) == Standing::Ended, !(signed <= t && t < end));
        }

        #[test]
        fn every_suggestion_is_a_valid_choice(age in 0i32..110, grade in proptest::option::of(1i32..=4)) {
            let s = suggested_groups(age, grade);
            if !s.is_empty() {
                let codes: Vec<&str> = s.iter().map(|g| g.as_str()).collect();
                prop_assert_eq!(check_groups(&codes).unwrap(), s);
            }
        }
    }
}
