//! Residents decide together (居民议事, issue 11): small proposals and supports, votes counted
//! per household, resident or representative, deliberation meetings in rounds with minutes that
//! lock, and decisions carried out as tasks. Councils and associations join this module tree.

pub mod councils;
pub mod decisions;
pub mod meetings;
pub mod proposals;
pub mod votes;
