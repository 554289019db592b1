//! Rules for cells of the spreadsheets (CSV and xlsx) we read and write: the formula-injection
//! rule and Excel's date serials. The reader and the writer are `jingzhi_app::spreadsheet`.

use time::{Date, Duration, Month, PrimitiveDateTime, Time};

/// A cell as it is safe to write in a CSV file. A spreadsheet program opening the file treats a
/// cell beginning with `=`, `+`, `-` or `@` (and tab or carriage return, which some programs skip
/// before looking) as a formula; `=HYPERLINK(…)` or `=cmd|…` in a resident's complaint would then
/// run on an official's computer. Per OWASP's rule on CSV injection, such a cell is prefixed with
/// a single quote, which makes the program show it as text. Every other cell is written as is.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a cell would be taken for a formula (see [`safe_cell`]).
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The value of a cell read back from a file we (or a program following the same rule) wrote:
/// the quote [`safe_cell`] added is taken off again, so that a downloaded file can be imported
/// as it is. A quote before anything else is kept.
pub fn unquote_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => s,
    }
}

/// The first serial past Excel's last day (9999-12-31).
const SERIAL_END: f64 = 2_958_466.0;

/// An Excel date-time serial (the 1900 date system: days since 1899-12-30, the time of day as
/// the fraction) as a date and time, to the millisecond; `None` outside 1900-01-01 to
/// 9999-12-31. Excel counts a 1900-02-29 that never was, so serials before it (below 60) are
/// one day later than the count says. The serial carries no time zone: the caller says which
/// one it is read in.
pub fn excel_serial_datetime(serial: f64) -> Option<PrimitiveDateTime> {
    if !(1.0..SERIAL_END).contains(&serial) {
        return None;
    }
    let days = if serial < 60.0 { serial + 1.0 } else { serial };
    let epoch = PrimitiveDateTime::new(
        Date::from_calendar_date(1899, Month::December, 30).ok()?,
        Time::MIDNIGHT,
    );
    epoch.checked_add(Duration::milliseconds((days * 86_400_000.0).round() as i64))
}

/// The day of an Excel date serial (see [`excel_serial_datetime`]); the time of day, if any,
/// is dropped.
pub fn excel_serial_date(serial: f64) -> Option<Date> {
    excel_serial_datetime(serial.floor()).map(|t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, dd: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), dd).unwrap()
    }

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(excel_serial_date(29221.0), Some(d(1980, 1, 1)));
        assert_eq!(excel_serial_date(18264.0), Some(d(1950, 1, 1)));
        assert_eq!(excel_serial_date(1.0), Some(d(1900, 1, 1)));
        // Excel's 1900-02-28 is 59 and its (non-existent) 1900-02-29 is 60; 61 is 1 March.
        assert_eq!(excel_serial_date(59.0), Some(d(1900, 2, 28)));
        assert_eq!(excel_serial_date(61.0), Some(d(1900, 3, 1)));
        assert_eq!(excel_serial_date(2_958_465.0), Some(d(9999, 12, 31)));
        // The time of day never moves the date, even a moment before midnight.
        assert_eq!(excel_serial_date(29_221.999_999), Some(d(1980, 1, 1)));
        for bad in [-3.0, 0.0, 0.5, 2_958_466.0, f64::NAN, f64::INFINITY] {
            assert_eq!(excel_serial_date(bad), None, "{bad}");
            assert_eq!(excel_serial_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn excel_serials_keep_the_time_of_day() {
        // 2026-11-27 10:30 is serial 46353.4375.
        let t = excel_serial_datetime(46353.4375).unwrap();
        assert_eq!(t.date(), d(2026, 11, 27));
        assert_eq!(t.time(), Time::from_hms(10, 30, 0).unwrap());
        // A second is 1/86400 of a day: rounded to the millisecond, not truncated below it.
        let t = excel_serial_datetime(46353.0 + 1.0 / 86_400.0).unwrap();
        assert_eq!(t.time(), Time::from_hms(0, 0, 1).unwrap());
    }

    #[test]
    fn formulas_become_text() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for s in ["+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "="] {
            assert_eq!(safe_cell(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn other_cells_are_kept() {
        for s in [
            "",
            "王建国",
            "13812345678",
            "2026-12-01 08:00",
            " =1",
            "'=1",
            "a=b",
            "1-2",
        ] {
            assert_eq!(safe_cell(s), s, "{s:?}");
        }
    }

    #[test]
    fn quoting_round_trips() {
        for s in ["=1", "-5", "王建国", "'abc", "", "@x"] {
            assert_eq!(unquote_cell(&safe_cell(s)), s, "{s:?}");
        }
    }
}
