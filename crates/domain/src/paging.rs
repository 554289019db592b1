//! Page numbers of the lists that page by number (`page`, 1-based): a number outside
//! `1..=MAX_PAGE` is refused naming the parameter, never quietly read as page 1, and the row
//! offset of any accepted page fits an `i64` with room to spare.

use crate::FieldError;
use serde::Serialize;

/// The largest page number accepted: with at most 500 rows a page, the offset stays below
/// 5 × 10⁸, far from `i64::MAX` in every database.
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number as asked for (`None`: the first page), or the parameter's error.
pub fn page_number(field: &'static str, page: Option<i64>) -> Result<i64, FieldError> {
    match page {
        None => Ok(1),
        Some(p) if (1..=MAX_PAGE).contains(&p) => Ok(p),
        Some(_) => Err(FieldError::new(
            field,
            format!("页码应为 1 到 {MAX_PAGE} 之间的整数"),
        )),
    }
}

/// The same from text (a query string of the pages): empty is the first page.
pub fn parse_page_number(field: &'static str, page: Option<&str>) -> Result<i64, FieldError> {
    match page.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(1),
        Some(s) => match s.parse::<i64>() {
            Ok(p) => page_number(field, Some(p)),
            Err(_) => Err(FieldError::new(
                field,
                format!("页码应为 1 到 {MAX_PAGE} 之间的整数"),
            )),
        },
    }
}

/// The row offset of a page, saturating (never overflowing) for any input.
pub fn offset(page: i64, per_page: i64) -> i64 {
    page.max(1)
        .saturating_sub(1)
        .saturating_mul(per_page.max(0))
}

/// One page of a list, and whether there is another.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_out_of_range_are_refused_not_read_as_page_one() {
        assert_eq!(page_number("page", None), Ok(1));
        assert_eq!(page_number("page", Some(3)), Ok(3));
        assert_eq!(page_number("page", Some(MAX_PAGE)), Ok(MAX_PAGE));
        for bad in [0, -1, MAX_PAGE + 1, i64::MAX, i64::MIN] {
            let e = page_number("page", Some(bad)).unwrap_err();
            assert_eq!(e.field, "page");
        }
        assert_eq!(parse_page_number("list_page", Some(" 2 ")), Ok(2));
        assert_eq!(parse_page_number("page", Some("")), Ok(1));
        for bad in ["99999999999999999999", "x", "1.5", "0"] {
            assert_eq!(
                parse_page_number("page", Some(bad)).unwrap_err().field,
                "page"
            );
        }
        assert_eq!(offset(3, 20), 40);
        assert_eq!(offset(i64::MAX, 200), i64::MAX);
        assert_eq!(offset(i64::MIN, 200), 0);
    }
}
