//! Residents decide together (居民议事): small proposals and supports, and votes counted per
//! household, resident or representative.
//! Deliberation meetings, decisions carried out and councils follow in this module tree
//! (issue 11). The proposals' rules are here; their store, use-cases and pages are not built yet.

pub mod councils;
pub mod proposals;
pub mod votes;
