//! Councils and associations (issue 11 §6): a street co-governance council (街区共治理事会) of
//! member organisations with a **rotating chair**, the matters it handles (议事事项) and their
//! outcomes; trade self-governance associations (行业自治协会) and their member merchants.
//!
//! Everything here is pure: whose turn the chair is next, when the current term ends, whether a
//! handover is overdue, and the shape of what a person types (names, a licence number, a
//! contact phone, a term). The clock is passed in.

use crate::{check_max_chars, FieldError};
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The shortest and longest chair's term (days).
pub const MIN_TERM_DAYS: i64 = 7;
pub const MAX_TERM_DAYS: i64 = 730;
/// The longest name of a council, association, merchant or member (characters).
pub const MAX_NAME: usize = 60;
/// The longest matter title and outcome (characters).
pub const MAX_TITLE: usize = 100;
pub const MAX_OUTCOME: usize = 1000;

/// What kind of organisation sits on a council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// A community (社区居委会) of the council's place, picked from the tree.
    Community,
    /// A trade association (行业自治协会), picked from the associations.
    Association,
    /// A merchant (商户), picked from the merchants.
    Merchant,
    /// A property company (物业企业): not in any register, its name is written.
    PropertyCompany,
}

impl MemberKind {
    pub const ALL: [MemberKind; 4] = [
        MemberKind::Community,
        MemberKind::Association,
        MemberKind::Merchant,
        MemberKind::PropertyCompany,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Community => "community",
            MemberKind::Association => "association",
            MemberKind::Merchant => "merchant",
            MemberKind::PropertyCompany => "property_company",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    "成员类型应为 community、association、merchant 或 property_company",
                )
            })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MemberKind::Community => "社区",
            MemberKind::Association => "行业协会",
            MemberKind::Merchant => "商户",
            MemberKind::PropertyCompany => "物业企业",
        }
    }
}

/// The trade an association governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trade {
    Catering,
    Beauty,
    Convenience,
    Repair,
    Logistics,
    Education,
    Pharmacy,
    Housekeeping,
    Hardware,
    FreshProduce,
    Auto,
    Other,
}

impl Trade {
    pub const ALL: [Trade; 12] = [
        Trade::Catering,
        Trade::Beauty,
        Trade::Convenience,
        Trade::Repair,
        Trade::Logistics,
        Trade::Education,
        Trade::Pharmacy,
        Trade::Housekeeping,
        Trade::Hardware,
        Trade::FreshProduce,
        Trade::Auto,
        Trade::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trade::Catering => "catering",
            Trade::Beauty => "beauty",
            Trade::Convenience => "convenience",
            Trade::Repair => "repair",
            Trade::Logistics => "logistics",
            Trade::Education => "education",
            Trade::Pharmacy => "pharmacy",
            Trade::Housekeeping => "housekeeping",
            Trade::Hardware => "hardware",
            Trade::FreshProduce => "fresh_produce",
            Trade::Auto => "auto",
            Trade::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| FieldError::new("trade", "请从列表中选择行业"))
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Trade::Catering => "餐饮",
            Trade::Beauty => "美容美发",
            Trade::Convenience => "超市便利",
            Trade::Repair => "维修服务",
            Trade::Logistics => "快递物流",
            Trade::Education => "教育培训",
            Trade::Pharmacy => "药店诊所",
            Trade::Housekeeping => "洗衣家政",
            Trade::Hardware => "五金建材",
            Trade::FreshProduce => "水果生鲜",
            Trade::Auto => "汽车服务",
            Trade::Other => "其他",
        }
    }
}

/// A matter's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatterStatus {
    Open,
    Settled,
}

impl MatterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MatterStatus::Open => "open",
            MatterStatus::Settled => "settled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(MatterStatus::Open),
            "settled" => Some(MatterStatus::Settled),
            _ => None,
        }
    }
}

/// A required text: trimmed, not empty, at most `max` characters; the error names `field`.
pub fn required(
    field: &'static str,
    what: &str,
    s: &str,
    max: usize,
) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, format!("请填写{what}")));
    }
    check_max_chars(field, what, s, max)?;
    Ok(s.to_string())
}

/// A chair's term in days, [`MIN_TERM_DAYS`]–[`MAX_TERM_DAYS`].
pub fn term_days(days: i64) -> Result<i64, FieldError> {
    if (MIN_TERM_DAYS..=MAX_TERM_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(
            "term_days",
            format!("轮值任期应为{MIN_TERM_DAYS}到{MAX_TERM_DAYS}天"),
        ))
    }
}

/// A merchant's contact phone (a business line: a mobile number or a landline with its area
/// code), as the register's [`crate::registry::Phone`] reads it; the error names
/// `contact_phone`.
pub fn contact_phone(s: &str) -> Result<crate::registry::Phone, FieldError> {
    crate::registry::Phone::parse(s).map_err(|e| FieldError::new("contact_phone", e.reason))
}

/// The characters of a unified social credit code (统一社会信用代码, GB 32100-2015), in the
/// order of their values 0–30: digits and capitals without I, O, S, V and Z.
const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters: 3^i mod 31.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A business licence number: the 18-character unified social credit code, with its check
/// character (the last) verified. Letters are taken in either case and kept in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenceNumber(String);

impl LicenceNumber {
    /// The check character of the first 17 characters (their values, 0–30).
    fn check_char(values: &[u32]) -> u8 {
        let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
        CREDIT_CHARS[((31 - sum % 31) % 31) as usize]
    }

    /// Parse and verify (error on field `licence_number`).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(FieldError::new(
                "licence_number",
                "统一社会信用代码应为18位",
            ));
        }
        let values: Option<Vec<u32>> = s
            .bytes()
            .map(|b| CREDIT_CHARS.iter().position(|c| *c == b).map(|i| i as u32))
            .collect();
        let Some(values) = values else {
            return Err(FieldError::new(
                "licence_number",
                "统一社会信用代码只含数字和大写字母（不含I、O、S、V、Z）",
            ));
        };
        if Self::check_char(&values[..17]) != s.as_bytes()[17] {
            return Err(FieldError::new(
                "licence_number",
                "统一社会信用代码校验位不对，请核对",
            ));
        }
        Ok(Self(s))
    }

    /// A valid code from its first 17 characters (for the demo and tests); `None` if one of
    /// them is not a code character.
    pub fn complete(first17: &str) -> Option<Self> {
        let values: Option<Vec<u32>> = first17
            .bytes()
            .map(|b| CREDIT_CHARS.iter().position(|c| *c == b).map(|i| i as u32))
            .collect();
        let values = values.filter(|v| v.len() == 17)?;
        let mut s = first17.to_string();
        s.push(Self::check_char(&values) as char);
        Some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When a term that began at `since` ends (UTC milliseconds).
pub fn term_end(since: i64, term_days: i64) -> i64 {
    since.saturating_add(term_days.saturating_mul(DAY_MS))
}

/// The term has ended and no handover was recorded: the chair is overdue to hand over.
pub fn overdue(since: i64, term_days: i64, now: i64) -> bool {
    now >= term_end(since, term_days)
}

/// Whose turn is next after `current` in the rotation `order` (member ids in chair order),
/// wrapping round; the first of the order when `current` is not in it (or there is no chair
/// yet); `None` for an empty order. With one member the next is that member again.
pub fn next_in_order(order: &[i64], current: Option<i64>) -> Option<i64> {
    let first = *order.first()?;
    let Some(current) = current else {
        return Some(first);
    };
    match order.iter().position(|m| *m == current) {
        Some(i) => Some(order[(i + 1) % order.len()]),
        None => Some(first),
    }
}

/// Why a handover is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Fewer than two members: there is no one to hand over to.
    NoOneElse,
    /// The chair passes only to the next in the rotation order (`expected`).
    NotNext { expected: i64 },
}

impl Refusal {
    pub fn zh(&self) -> String {
        match self {
            Refusal::NoOneElse => "理事会成员不足两家，无法交接轮值主席".into(),
            Refusal::NotNext { .. } => "轮值主席只能按顺序交接给下一位成员".into(),
        }
    }
}

/// The member a handover passes the chair to: the next in `order` after `current`. `to`, if
/// given, must be that member (a handover may come early, but never skips or reverses the
/// order).
pub fn handover_to(order: &[i64], current: Option<i64>, to: Option<i64>) -> Result<i64, Refusal> {
    if order.len() < 2 && current.is_some() {
        return Err(Refusal::NoOneElse);
    }
    let expected = next_in_order(order, current).ok_or(Refusal::NoOneElse)?;
    match to {
        Some(t) if t != expected => Err(Refusal::NotNext { expected }),
        _ => Ok(expected),
    }
}

/// The chair of a council at a moment, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChairStatus {
    pub current: Option<i64>,
    pub next: Option<i64>,
    /// When the current term ends.
    pub term_ends: Option<i64>,
    pub overdue: bool,
    /// Whole days past the end of the term (0 when not overdue).
    pub days_overdue: i64,
}

/// The chair status of a council whose rotation is `order`, chaired by `current` since `since`.
pub fn chair_status(
    order: &[i64],
    current: Option<i64>,
    since: Option<i64>,
    term_days: i64,
    now: i64,
) -> ChairStatus {
    let next = current.and_then(|c| next_in_order(order, Some(c)).filter(|n| *n != c));
    let term_ends = since
        .filter(|_| current.is_some())
        .map(|s| term_end(s, term_days));
    let overdue = term_ends.is_some_and(|end| now >= end) && next.is_some();
    ChairStatus {
        current,
        next,
        term_ends,
        overdue,
        days_overdue: match term_ends {
            Some(end) if overdue => (now - end) / DAY_MS,
            _ => 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_796_346_000_000;

    #[test]
    fn the_next_chair_follows_the_order_and_wraps() {
        let order = [11, 12, 13];
        assert_eq!(next_in_order(&order, Some(11)), Some(12));
        assert_eq!(next_in_order(&order, Some(13)), Some(11));
        assert_eq!(next_in_order(&order, None), Some(11), "the first chair");
        assert_eq!(
            next_in_order(&order, Some(99)),
            Some(11),
            "a chair not in the order"
        );
        assert_eq!(next_in_order(&[], Some(1)), None);
        assert_eq!(next_in_order(&[7], Some(7)), Some(7));
    }

    #[test]
    fn a_handover_goes_to_the_next_only() {
        let order = [11, 12, 13];
        assert_eq!(handover_to(&order, Some(12), None), Ok(13));
        assert_eq!(handover_to(&order, Some(12), Some(13)), Ok(13));
        assert_eq!(
            handover_to(&order, Some(12), Some(11)),
            Err(Refusal::NotNext { expected: 13 })
        );
        assert_eq!(
            handover_to(&order, Some(12), Some(12)),
            Err(Refusal::NotNext { expected: 13 })
        );
        assert_eq!(handover_to(&[11], Some(11), None), Err(Refusal::NoOneElse));
        assert_eq!(handover_to(&[], None, None), Err(Refusal::NoOneElse));
        assert_eq!(handover_to(&[11], None, None), Ok(11), "the first chair");
    }

    #[test]
    fn a_term_ends_after_its_days_and_then_the_handover_is_overdue() {
        let since = NOW;
        assert_eq!(term_end(since, 90), NOW + 90 * DAY_MS);
        assert!(!overdue(since, 90, NOW + 90 * DAY_MS - 1));
        assert!(overdue(since, 90, NOW + 90 * DAY_MS));
        let s = chair_status(&[1, 2, 3], Some(2), Some(since), 90, NOW + 95 * DAY_MS);
        assert_eq!(s.next, Some(3));
        assert_eq!(s.term_ends, Some(NOW + 90 * DAY_MS));
        assert!(s.overdue);
        assert_eq!(s.days_overdue, 5);
        let s = chair_status(&[1, 2, 3], Some(2), Some(since), 90, NOW + 10 * DAY_MS);
        assert!(!s.overdue);
        assert_eq!(s.days_overdue, 0);
        // A lone member chairs on: nobody to hand over to, nothing overdue.
        let s = chair_status(&[1], Some(1), Some(since), 90, NOW + 400 * DAY_MS);
        assert_eq!((s.next, s.overdue), (None, false));
        // No chair yet: no term.
        let s = chair_status(&[], None, None, 90, NOW);
        assert_eq!(
            (s.current, s.next, s.term_ends, s.overdue),
            (None, None, None, false)
        );
    }

    #[test]
    fn terms_and_names_are_checked_naming_the_field() {
        assert_eq!(term_days(90), Ok(90));
        assert_eq!(term_days(6).unwrap_err().field, "term_days");
        assert_eq!(term_days(731).unwrap_err().field, "term_days");
        assert_eq!(
            required("name", "名称", "  ", 10).unwrap_err().field,
            "name"
        );
        assert_eq!(required("name", "名称", " 理事会 ", 10).unwrap(), "理事会");
        assert_eq!(
            required("name", "名称", &"长".repeat(11), 10)
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(MemberKind::parse("merchant"), Ok(MemberKind::Merchant));
        assert_eq!(MemberKind::parse("bank").unwrap_err().field, "kind");
        assert_eq!(Trade::parse("fresh_produce"), Ok(Trade::FreshProduce));
        assert_eq!(Trade::parse("餐饮").unwrap_err().field, "trade");
        assert_eq!(
            contact_phone("0631-5201234").unwrap().as_str(),
            "06315201234"
        );
        assert_eq!(contact_phone("12345").unwrap_err().field, "contact_phone");
    }

    #[test]
    fn licence_numbers_carry_their_check_character() {
        // Published examples of unified social credit codes.
        for ok in ["91350100M000100Y43", "91310000MA1FL1MMXL"] {
            assert_eq!(LicenceNumber::parse(ok).unwrap().as_str(), ok, "{ok}");
        }
        assert_eq!(
            LicenceNumber::parse("91350100m000100y43").unwrap().as_str(),
            "91350100M000100Y43"
        );
        for bad in [
            "91350100M000100Y44",
            "91350100M000100Y4",
            "91350100M00010OY43",
            "",
        ] {
            assert_eq!(
                LicenceNumber::parse(bad).unwrap_err().field,
                "licence_number",
                "{bad}"
            );
        }
        let made = LicenceNumber::complete("92371002MA3C00001").unwrap();
        assert_eq!(LicenceNumber::parse(made.as_str()), Ok(made));
        assert_eq!(LicenceNumber::complete("92371002MA3C0000I"), None);
    }

    proptest! {
        /// The rotation visits every member exactly once per cycle, from any starting chair, and
        /// a handover accepts exactly the next in the order.
        #[test]
        fn the_rotation_visits_every_member_once_per_cycle(
            members in proptest::collection::btree_set(1i64..10_000, 1..25),
            start in 0usize..25,
            other in 1i64..10_000,
        ) {
            let order: Vec<i64> = members.into_iter().collect();
            let n = order.len();
            let first = order[start % n];
            let mut chair = first;
            let mut seen = vec![chair];
            for _ in 1..n {
                chair = next_in_order(&order, Some(chair)).unwrap();
                seen.push(chair);
            }
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&sorted, &order, "each member once in a cycle");
            prop_assert_eq!(next_in_order(&order, Some(chair)), Some(first), "the cycle closes");
            if n >= 2 {
                let next = next_in_order(&order, Some(first)).unwrap();
                prop_assert_eq!(handover_to(&order, Some(first), None), Ok(next));
                let asked = handover_to(&order, Some(first), Some(other));
                prop_assert_eq!(asked.is_ok(), other == next);
            }
        }

        /// Any 17 code characters complete to a code that parses; changing its check character
        /// makes it fail.
        #[test]
        fn completed_codes_parse_and_a_wrong_check_fails(
            idx in proptest::collection::vec(0usize..31, 17),
            shift in 1usize..31,
        ) {
            let first: String = idx.iter().map(|i| CREDIT_CHARS[*i] as char).collect();
            let code = LicenceNumber::complete(&first).unwrap();
            prop_assert!(LicenceNumber::parse(code.as_str()).is_ok());
            let check = CREDIT_CHARS.iter().position(|c| *c == code.as_str().as_bytes()[17]).unwrap();
            let wrong = format!("{first}{}", CREDIT_CHARS[(check + shift) % 31] as char);
            prop_assert!(LicenceNumber::parse(&wrong).is_err());
        }
    }
}
