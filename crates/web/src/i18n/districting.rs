//! 社区规模优化 (redistricting): the scan, the preview, a plan and its approval.
//! Each line: (key, Chinese, English).

pub static T: &[(&str, &str, &str)] = &[];
