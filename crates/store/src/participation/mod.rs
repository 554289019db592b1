//! Residents decide together: the rows of proposals, votes, meetings and decisions (issue 11).
//! Councils and associations join this module tree.

pub mod councils;
pub mod decisions;
pub mod meetings;
pub mod proposals;
pub mod votes;
