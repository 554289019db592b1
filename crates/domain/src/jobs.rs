//! Employment help (就业帮扶, issue 13 §3; docs/jobs.md): residents looking for work are
//! registered with the kind of work they want; local firms (the merchants of the register) offer
//! positions; the community refers a seeker to a position, and the referral ends in a placement
//! or not. Weihai reports 2,396 people helped into work.

use crate::registry::str_enum;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// The kind of work (coded, so seekers meet positions and the numbers add up).
    Work {
        Cleaning = "cleaning" / "保洁",
        Security = "security" / "保安",
        Catering = "catering" / "餐饮",
        Retail = "retail" / "零售",
        Care = "care" / "家政护理",
        Delivery = "delivery" / "快递配送",
        Factory = "factory" / "生产加工",
        Office = "office" / "文员",
        Driving = "driving" / "驾驶",
        Fishery = "fishery" / "海产养殖加工",
        Other = "other" / "其他",
    }
);

str_enum!(
    /// Where a seeker stands.
    SeekerState {
        Seeking = "seeking" / "求职中",
        Placed = "placed" / "已就业",
        Withdrawn = "withdrawn" / "已退出",
    }
);

str_enum!(
    /// Where a referral of a seeker to a position stands.
    MatchState {
        Referred = "referred" / "已推荐",
        Interview = "interview" / "面试中",
        Placed = "placed" / "已录用",
        Declined = "declined" / "未录用",
    }
);

/// A referral's moves: referred → interview | placed | declined; interview → placed | declined.
pub fn may_move(from: MatchState, to: MatchState) -> bool {
    use MatchState::*;
    matches!(
        (from, to),
        (Referred, Interview)
            | (Referred, Placed)
            | (Referred, Declined)
            | (Interview, Placed)
            | (Interview, Declined)
    )
}

/// Check the openings of a position: 1 to 500.
pub fn check_openings(n: i64) -> Result<i64, FieldError> {
    if (1..=500).contains(&n) {
        Ok(n)
    } else {
        Err(FieldError::new("openings", "招聘人数应为1到500人"))
    }
}

/// Check a monthly wage range in yuan: both or neither, 1,000 to 100,000, low ≤ high.
pub fn check_wage(min: Option<i64>, max: Option<i64>) -> Result<Option<(i64, i64)>, FieldError> {
    match (min, max) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) if (1000..=100_000).contains(&a) && (a..=100_000).contains(&b) => {
            Ok(Some((a, b)))
        }
        _ => Err(FieldError::new(
            "wage_min",
            "月薪范围应在1000到100000元之间，下限不高于上限，或都不填",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wages_and_openings() {
        assert_eq!(check_wage(None, None), Ok(None));
        assert_eq!(check_wage(Some(3000), Some(4500)), Ok(Some((3000, 4500))));
        assert!(check_wage(Some(5000), Some(4000)).is_err());
        assert!(check_wage(Some(3000), None).is_err());
        assert!(check_wage(Some(500), Some(800)).is_err());
        assert!(check_openings(0).is_err());
        assert_eq!(check_openings(3), Ok(3));
    }

    proptest! {
        #[test]
        fn an_ended_referral_stays_ended(to in 0usize..4) {
            let t = MatchState::ALL[to];
            prop_assert!(!may_move(MatchState::Placed, t));
            prop_assert!(!may_move(MatchState::Declined, t));
            prop_assert!(!may_move(t, MatchState::Referred));
        }
    }
}
