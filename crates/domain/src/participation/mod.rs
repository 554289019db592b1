//! Residents decide together (居民议事): votes counted per household, resident or representative.
//! Proposals, deliberation meetings, decisions carried out and councils follow in this module
//! tree (issue 11).

pub mod votes;
