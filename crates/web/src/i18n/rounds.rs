//! Rounds: posts, visits, findings, coverage, grid service specialists.
//! Each line: (key, Chinese, English).

pub static T: &[(&str, &str, &str)] = &[];
