//! Pure domain rules of jingzhi. No I/O, no async: value types that cannot hold an invalid value,
//! roles and scopes, masking rules, and the deterministic demo-city generator.
//!
//! One module per capability, with the same name in every crate (`registry`, `auth`, `audit`,
//! `demo`, …).

pub mod activities;
pub mod audit;
pub mod auth;
pub mod care;
pub mod demo;
pub mod departments;
pub mod districting;
pub mod doctors;
pub mod emergency;
pub mod events;
pub mod forces;
pub mod funds;
pub mod geo;
pub mod hotline;
pub mod integrity;
pub mod jobs;
pub mod legal;
pub mod notify;
pub mod open311;
pub mod paging;
pub mod parking;
pub mod participation;
pub mod registry;
pub mod rounds;
pub mod scope;
pub mod spreadsheet;
pub mod time_fmt;
pub mod transparency;
pub mod volunteering;

/// A value failed validation: which field, and why (in Chinese, for the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A text field entered by a user may hold at most `max` characters: "{what}不能超过{max}字".
/// (Display names, notes, reasons: a 100,000-character name would be on every page.)
pub fn check_max_chars(
    field: &'static str,
    what: &str,
    s: &str,
    max: usize,
) -> Result<(), FieldError> {
    if s.chars().count() > max {
        Err(FieldError::new(field, format!("{what}不能超过{max}字")))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn max_chars_counts_characters_not_bytes() {
        assert!(super::check_max_chars("n", "名称", &"王".repeat(10), 10).is_ok());
        let e = super::check_max_chars("n", "名称", &"王".repeat(11), 10).unwrap_err();
        assert_eq!((e.field, e.reason.as_str()), ("n", "名称不能超过10字"));
    }
}
