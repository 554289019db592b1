//! The 12345 hotline pages.
//! Each line: (key, Chinese, English).

pub static T: &[(&str, &str, &str)] = &[];
