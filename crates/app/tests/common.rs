//! The shared test city: [`jingzhi_app::testing::World`] (one fixture for the app's and the
//! web's tests).
#![allow(unused_imports)]

pub use jingzhi_app::testing::World;

/// The rows of an exported workbook's first sheet as text (the header first).
#[allow(dead_code)]
pub fn xlsx_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
