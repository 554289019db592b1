//! Pure domain rules of jingzhi. No I/O, no async: value types that cannot hold an invalid value,
//! roles and scopes, masking rules, and the deterministic demo-city generator.
//!
//! One module per capability, with the same name in every crate (`registry`, `auth`, `audit`,
//! `demo`, …).

pub mod audit;
pub mod auth;
pub mod demo;
pub mod districting;
pub mod events;
pub mod geo;
pub mod hotline;
pub mod notify;
pub mod open311;
pub mod paging;
pub mod registry;
pub mod rounds;
pub mod scope;
pub mod time_fmt;

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
