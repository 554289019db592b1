//! Events: the list, the report form, an event's page, the workbenches, the dashboard, duplicates.
//! Each line: (key, Chinese, English).

pub static T: &[(&str, &str, &str)] = &[];
