//! Open community funds (issue 12 §2): a double-entry ledger in fen.
//!
//! Every posted entry becomes lines on accounts that sum to zero: a fund is an asset account
//! (its balance is the sum of its lines), income and spending are accounts per category. An
//! income posts when recorded; a spending, a transfer between funds or a reversal waits for a
//! second person to approve it (the recorder never approves their own); a spending or transfer
//! above the fund's threshold names the council or meeting decision that allowed it. A posted
//! entry never changes: a mistake is reversed by a new entry linked to it, a refund is an income
//! linked to the spending it returns. Amounts are integers in fen everywhere; yuan text is parsed
//! digit by digit, never through a float.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The largest single amount (100 million yuan), far above any community's entry.
pub const MAX_FEN: i64 = 10_000_000_000;

/// Yuan as people write them ("500", "1,234.5", "¥20.00") → fen. At most two decimals; positive.
pub fn parse_yuan(field: &'static str, s: &str) -> Result<i64, FieldError> {
    let bad = || FieldError::new(field, "请填写金额（元），最多两位小数，例如 500 或 1234.50");
    let t: String = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty()
        || whole.len() > 9
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let mut fen: i64 = whole.parse::<i64>().map_err(|_| bad())? * 100;
    let f = format!("{frac:0<2}");
    fen += f.parse::<i64>().map_err(|_| bad())?;
    check_amount(field, fen)
}

/// An amount in fen given as a number (the API).
pub fn check_amount(field: &'static str, fen: i64) -> Result<i64, FieldError> {
    if fen <= 0 {
        return Err(FieldError::new(field, "金额必须大于零"));
    }
    if fen > MAX_FEN {
        return Err(FieldError::new(field, "金额过大"));
    }
    Ok(fen)
}

/// Fen as yuan with thousands separators: 123456 → "1,234.56"; negative with a minus sign.
pub fn format_yuan(fen: i64) -> String {
    let neg = fen < 0;
    let a = fen.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{:02}", if neg { "-" } else { "" }, a % 100)
}

/// What a fund is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundKind {
    /// 共享基金: fed by shared resources (rented parking spaces), subsidising residents.
    Shared,
    /// 社区基金: donations and purchased services for the community's public good.
    Community,
}

impl FundKind {
    pub const ALL: [FundKind; 2] = [FundKind::Shared, FundKind::Community];
    pub fn as_str(self) -> &'static str {
        match self {
            FundKind::Shared => "shared",
            FundKind::Community => "community",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    "基金类型应为 shared（共享基金）或 community（社区基金）",
                )
            })
    }
}

/// An entry's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Income,
    Spending,
    /// Out of this fund into another.
    Transfer,
    /// Undoes a posted entry exactly (its lines negated).
    Reversal,
}

impl EntryKind {
    pub const ALL: [EntryKind; 4] = [
        EntryKind::Income,
        EntryKind::Spending,
        EntryKind::Transfer,
        EntryKind::Reversal,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Income => "income",
            EntryKind::Spending => "spending",
            EntryKind::Transfer => "transfer",
            EntryKind::Reversal => "reversal",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new("kind", "类型应为 income、spending、transfer 或 reversal")
            })
    }
    /// Does a second person approve it before it posts?
    pub fn needs_approval(self) -> bool {
        self != EntryKind::Income
    }
}

/// The category registry: (code, kind, 中文). A person picks one; nobody types it.
pub const CATEGORIES: &[(&str, EntryKind, &str)] = &[
    ("parking_rent", EntryKind::Income, "车位租金"),
    ("donation", EntryKind::Income, "社会捐赠"),
    ("government_purchase", EntryKind::Income, "政府购买服务"),
    ("refund", EntryKind::Income, "退款"),
    ("other_income", EntryKind::Income, "其他收入"),
    ("fee_subsidy", EntryKind::Spending, "物业费补贴"),
    ("public_service", EntryKind::Spending, "公共服务"),
    ("project_cost", EntryKind::Spending, "项目支出"),
    ("other_spending", EntryKind::Spending, "其他支出"),
    ("transfer", EntryKind::Transfer, "基金间划转"),
    ("reversal", EntryKind::Reversal, "冲正"),
];

pub fn category_label(code: &str) -> &'static str {
    CATEGORIES.iter().find(|c| c.0 == code).map_or("", |c| c.2)
}

/// A category that belongs to the kind (transfers and reversals have their own).
pub fn check_category(kind: EntryKind, code: &str) -> Result<&'static str, FieldError> {
    CATEGORIES
        .iter()
        .find(|c| c.0 == code.trim() && c.1 == kind)
        .map(|c| c.0)
        .ok_or_else(|| FieldError::new("category", "请从列表中选择这一类型的收支科目"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded, waiting for a second person.
    Pending,
    Posted,
    Rejected,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Posted => "posted",
            State::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [State::Pending, State::Posted, State::Rejected]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An account of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    Fund(i64),
    Income(String),
    Spending(String),
}

impl Account {
    /// `fund:12`, `income:parking_rent`, `spending:fee_subsidy`.
    pub fn code(&self) -> String {
        match self {
            Account::Fund(id) => format!("fund:{id}"),
            Account::Income(c) => format!("income:{c}"),
            Account::Spending(c) => format!("spending:{c}"),
        }
    }
    pub fn fund_id(&self) -> Option<i64> {
        match self {
            Account::Fund(id) => Some(*id),
            _ => None,
        }
    }
}

/// What an entry moves, as the posting needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement<'a> {
    pub kind: EntryKind,
    pub fund_id: i64,
    pub category: &'a str,
    pub amount_fen: i64,
    /// Transfers: the fund that receives.
    pub counter_fund_id: Option<i64>,
}

/// The lines of a posting: they always sum to zero. A reversal's lines are those of the entry it
/// reverses, negated (`reversed` gives them).
pub fn lines(m: &Movement<'_>, reversed: &[(Account, i64)]) -> Vec<(Account, i64)> {
    let a = m.amount_fen;
    match m.kind {
        EntryKind::Income => vec![
            (Account::Fund(m.fund_id), a),
            (Account::Income(m.category.to_string()), -a),
        ],
        EntryKind::Spending => vec![
            (Account::Spending(m.category.to_string()), a),
            (Account::Fund(m.fund_id), -a),
        ],
        EntryKind::Transfer => vec![
            (Account::Fund(m.counter_fund_id.unwrap_or(m.fund_id)), a),
            (Account::Fund(m.fund_id), -a),
        ],
        EntryKind::Reversal => reversed.iter().map(|(acc, x)| (acc.clone(), -x)).collect(),
    }
}

/// How much a posting takes out of `fund_id` (what must be there before it posts).
pub fn outflow(lines: &[(Account, i64)], fund_id: i64) -> i64 {
    -lines
        .iter()
        .filter(|(acc, _)| acc.fund_id() == Some(fund_id))
        .map(|(_, x)| *x)
        .sum::<i64>()
}

/// Whether an amount needs a linked council or meeting decision.
pub fn needs_decision(kind: EntryKind, amount_fen: i64, threshold_fen: i64) -> bool {
    matches!(kind, EntryKind::Spending | EntryKind::Transfer) && amount_fen > threshold_fen
}

/// Why an approval is refused, if it is: the recorder may not approve their own entry.
pub fn may_approve(recorded_by: Option<i64>, approver: i64) -> Result<(), FieldError> {
    if recorded_by == Some(approver) {
        return Err(FieldError::new(
            "approver",
            "记账人不能审批自己录入的支出，请由另一位工作人员审批",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn yuan_parse_and_format_without_floats() {
        assert_eq!(parse_yuan("a", "500").unwrap(), 50_000);
        assert_eq!(parse_yuan("a", "¥1,234.5").unwrap(), 123_450);
        assert_eq!(parse_yuan("a", " 0.01 ").unwrap(), 1);
        for bad in [
            "",
            "0",
            "-5",
            "1.234",
            "1e3",
            "abc",
            "0.00",
            "12.3.4",
            "9999999999",
        ] {
            assert!(parse_yuan("a", bad).is_err(), "{bad}");
        }
        assert_eq!(format_yuan(123_456), "1,234.56");
        assert_eq!(format_yuan(1_000_000), "10,000.00");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_yuan(0), "0.00");
    }

    #[test]
    fn categories_belong_to_their_kind() {
        assert!(check_category(EntryKind::Income, "parking_rent").is_ok());
        assert!(check_category(EntryKind::Spending, "parking_rent").is_err());
        assert!(check_category(EntryKind::Spending, "free text").is_err());
        assert_eq!(category_label("fee_subsidy"), "物业费补贴");
    }

    #[test]
    fn approval_and_decisions() {
        assert!(may_approve(Some(3), 3).is_err());
        assert!(may_approve(Some(3), 4).is_ok());
        assert!(needs_decision(EntryKind::Spending, 500_001, 500_000));
        assert!(!needs_decision(EntryKind::Spending, 500_000, 500_000));
        assert!(!needs_decision(EntryKind::Income, 9_000_000, 500_000));
        assert!(EntryKind::Spending.needs_approval() && !EntryKind::Income.needs_approval());
    }

    fn arb_op() -> impl Strategy<Value = (u8, usize, usize, i64)> {
        (0u8..4, 0usize..3, 0usize..3, 1i64..100_000)
    }

    proptest! {
        /// Any sequence of postings balances: all lines sum to zero after every posting, each
        /// fund's balance is what came in less what went out, and a reversal brings the
        /// balances back to where they were without it.
        #[test]
        fn the_ledger_always_balances(ops in proptest::collection::vec(arb_op(), 1..60)) {
            let funds = [11i64, 12, 13];
            let mut posted: Vec<Vec<(Account, i64)>> = Vec::new();
            let mut all: Vec<(Account, i64)> = Vec::new();
            let mut expected: HashMap<i64, i64> = HashMap::new();
            for (k, f, g, amount) in ops {
                let (fund, other) = (funds[f], funds[g]);
                let (kind, category) = match k {
                    0 => (EntryKind::Income, "donation"),
                    1 => (EntryKind::Spending, "public_service"),
                    2 => (EntryKind::Transfer, "transfer"),
                    _ => (EntryKind::Reversal, "reversal"),
                };
                let reversed = if kind == EntryKind::Reversal {
                    match posted.get(amount as usize % posted.len().max(1)) {
                        Some(l) => l.clone(),
                        None => continue,
                    }
                } else {
                    Vec::new()
                };
                let m = Movement { kind, fund_id: fund, category, amount_fen: amount, counter_fund_id: Some(other) };
                let l = lines(&m, &reversed);
                prop_assert_eq!(l.iter().map(|x| x.1).sum::<i64>(), 0);
                for (acc, x) in &l {
                    if let Some(id) = acc.fund_id() {
                        *expected.entry(id).or_default() += x;
                    }
                }
                if kind != EntryKind::Reversal {
                    posted.push(l.clone());
                }
                all.extend(l);
                prop_assert_eq!(all.iter().map(|x| x.1).sum::<i64>(), 0);
            }
            for id in funds {
                let bal: i64 = all.iter().filter(|(a, _)| a.fund_id() == Some(id)).map(|x| x.1).sum();
                prop_assert_eq!(bal, expected.get(&id).copied().unwrap_or(0));
            }
        }
    }

    #[test]
    fn a_reversal_undoes_exactly_and_outflow_is_what_leaves() {
        let m = Movement {
            kind: EntryKind::Spending,
            fund_id: 1,
            category: "fee_subsidy",
            amount_fen: 15_000,
            counter_fund_id: None,
        };
        let l = lines(&m, &[]);
        assert_eq!(outflow(&l, 1), 15_000);
        let r = lines(
            &Movement {
                kind: EntryKind::Reversal,
                ..m.clone()
            },
            &l,
        );
        assert_eq!(outflow(&r, 1), -15_000);
        let t = lines(
            &Movement {
                kind: EntryKind::Transfer,
                counter_fund_id: Some(2),
                category: "transfer",
                ..m
            },
            &[],
        );
        assert_eq!((outflow(&t, 1), outflow(&t, 2)), (15_000, -15_000));
    }
}
