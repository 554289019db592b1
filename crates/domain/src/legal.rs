//! Legal-aid cases (法律援助, issue 13 §3; docs/legal.md): a resident brings a legal matter to
//! the community (or the community's legal adviser finds one on a visit); it is recorded with
//! its kind, how it came, and the lawyer from the register of people who can be mobilised who
//! takes it; it is advised, mediated or referred to the legal-aid centre, and closed with its
//! outcome. The matter itself is sealed: a person's legal trouble is nobody else's business.

use crate::registry::str_enum;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// What the matter is about.
    Matter {
        Wages = "wages" / "劳动报酬",
        Labour = "labour" / "劳动关系",
        Family = "family" / "婚姻家庭",
        Inheritance = "inheritance" / "继承赡养",
        Neighbour = "neighbour" / "邻里纠纷",
        Property = "property" / "物业房产",
        Debt = "debt" / "借贷合同",
        Injury = "injury" / "人身损害",
        Consumer = "consumer" / "消费维权",
        Other = "other" / "其他",
    }
);

str_enum!(
    /// How it came to the community.
    Channel {
        WalkIn = "walk_in" / "来访",
        Phone = "phone" / "来电",
        Visit = "visit" / "走访发现",
        Event = "event" / "事件转来",
        Hotline = "hotline" / "12348热线",
    }
);

str_enum!(
    /// Where it stands.
    State {
        Open = "open" / "受理",
        Mediating = "mediating" / "调解中",
        Referred = "referred" / "已转法律援助中心",
        Closed = "closed" / "已办结",
    }
);

str_enum!(
    /// How it ended.
    Outcome {
        Advised = "advised" / "咨询解答",
        Mediated = "mediated" / "调解成功",
        AidGranted = "aid_granted" / "获得法律援助",
        Litigation = "litigation" / "诉讼解决",
        Withdrawn = "withdrawn" / "当事人撤回",
        Unresolved = "unresolved" / "未能解决",
    }
);

/// The moves a case may make: open → mediating | referred | closed; mediating → referred |
/// closed; referred → closed. A closed case stays closed.
pub fn may_move(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Open, Mediating)
            | (Open, Referred)
            | (Open, Closed)
            | (Mediating, Referred)
            | (Mediating, Closed)
            | (Referred, Closed)
    )
}

/// Check a move and its outcome: closing needs one, nothing else takes one.
pub fn check_move(
    from: State,
    to: State,
    outcome: Option<Outcome>,
) -> Result<Option<Outcome>, FieldError> {
    if !may_move(from, to) {
        return Err(FieldError::new(
            "state",
            format!("案件{}，不能改为{}", from.label_zh(), to.label_zh()),
        ));
    }
    match (to, outcome) {
        (State::Closed, None) => Err(FieldError::new("outcome", "办结时请选择办理结果")),
        (State::Closed, Some(o)) => Ok(Some(o)),
        (_, Some(_)) => Err(FieldError::new("outcome", "只有办结时填写办理结果")),
        (_, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn closing_needs_an_outcome() {
        assert!(check_move(State::Open, State::Closed, None).is_err());
        assert_eq!(
            check_move(State::Open, State::Closed, Some(Outcome::Advised)),
            Ok(Some(Outcome::Advised))
        );
        assert!(check_move(State::Open, State::Mediating, Some(Outcome::Advised)).is_err());
        assert_eq!(
            check_move(State::Mediating, State::Referred, None),
            Ok(None)
        );
        assert!(check_move(State::Referred, State::Mediating, None).is_err());
    }

    proptest! {
        #[test]
        fn closed_stays_closed(to in 0usize..4) {
            prop_assert!(!may_move(State::Closed, State::ALL[to]));
        }

        #[test]
        fn no_move_to_itself_or_back_to_open(from in 0usize..4, to in 0usize..4) {
            let (f, t) = (State::ALL[from], State::ALL[to]);
            if f == t || t == State::Open {
                prop_assert!(!may_move(f, t));
            }
        }
    }
}
