//! Residents decide together: the rows of votes (issue 11). Proposals, meetings, decisions and
//! councils join this module tree.

pub mod councils;
pub mod proposals;
pub mod votes;
