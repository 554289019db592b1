//! The only place in jingzhi that speaks SQL. One code path serves SQLite (the embedded default)
//! and PostgreSQL (production) through sqlx's `Any` driver: every query uses `$1`-style
//! placeholders (which both accept), keys are `i64`, times are UTC milliseconds in `BIGINT`,
//! and the tree is a materialised `path` that scope conditions compare as a byte range.
//!
//! Every function that reads or writes the register takes the caller's [`Scope`] and puts it in
//! the query itself.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod care;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod departments;
pub mod districting;
pub mod doctors;
pub mod duplicates;
pub mod emergency;
pub mod events;
pub mod forces;
pub mod funds;
pub mod group;
pub mod hotline;
pub mod import;
pub mod integrity;
pub mod jobs;
pub mod legal;
pub mod metrics;
pub mod migrate;
pub mod notify;
pub mod open311;
pub mod parking;
pub mod participation;
pub mod registry;
pub mod report;
pub mod rounds;
pub mod sql;
pub mod testing;
pub mod transparency;
pub mod volunteering;

pub use crypto::Cipher;
pub use db::{Backend, Store};
pub use jingzhi_domain::scope::Scope;

/// A connection (or a transaction, which dereferences to one).
pub type Conn = sqlx::AnyConnection;
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("crypto: {0}")]
    Crypto(String),
    #[error("config: {0}")]
    Config(String),
    /// A queued write that was never answered (see [`group`]).
    #[error("write aborted: {0}")]
    Aborted(String),
}

impl Error {
    /// Map a unique-constraint violation to [`Error::Conflict`], anything else stays.
    pub fn from_db(e: sqlx::Error, what: &str) -> Self {
        if let sqlx::Error::Database(d) = &e {
            if d.is_unique_violation() {
                return Error::Conflict(what.to_string());
            }
        }
        Error::Db(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Commit a transaction.
pub async fn commit(tx: Tx) -> Result<()> {
    tx.commit().await?;
    Ok(())
}
