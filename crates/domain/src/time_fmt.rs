//! Time in jingzhi: stored as UTC milliseconds since the Unix epoch, shown in China Standard Time.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// China Standard Time (UTC+8, no daylight saving).
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

/// Now, as UTC milliseconds.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// `2026-11-27 14:03` in China Standard Time.
pub fn format_ms(ms: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return String::new();
    };
    let t = t.to_offset(CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Today's date in China Standard Time.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(CST).date()
}

/// Parse `YYYY-MM-DD` (also accepts `YYYY/MM/DD` and `YYYYMMDD`, as spreadsheets hold them).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let (y, m, d) = if s.contains(['-', '/', '.']) {
        let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
        if parts.len() != 3 {
            return None;
        }
        (
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
            parts[2].parse().ok()?,
        )
    } else if digits.len() == 8 && digits.len() == s.len() {
        (
            digits[0..4].parse().ok()?,
            digits[4..6].parse().ok()?,
            digits[6..8].parse().ok()?,
        )
    } else {
        return None;
    };
    let m: u8 = m;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// The first instant (UTC ms) of a day in China Standard Time.
pub fn day_start_ms(d: Date) -> i64 {
    d.midnight().assume_offset(CST).unix_timestamp() * 1000
}

/// The first instant (UTC ms) of this year in China Standard Time.
pub fn year_start_ms() -> i64 {
    let d = today();
    day_start_ms(Date::from_calendar_date(d.year(), time::Month::January, 1).unwrap_or(d))
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Whole years from `birth` to `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// `2026-11-27T14:03:05+08:00`: UTC milliseconds shown in China Standard Time, as the W3C
/// profile of ISO 8601 that GeoReport requires (with the offset).
pub fn format_w3c(ms: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return String::new();
    };
    let t = t.to_offset(CST);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parse a W3C date-time (`1994-11-05T08:15:30-05:00`, `…Z`, fractions of a second, or without
/// seconds `1994-11-05T08:15-05:00`) or a bare date (`1994-11-05`, midnight in the city), to
/// UTC milliseconds.
pub fn parse_w3c(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    // hh:mm without seconds: insert ":00" before the offset.
    if s.len() > 16 && s.as_bytes().get(10) == Some(&b'T') && s.as_bytes().get(13) == Some(&b':') {
        let (head, tz) = s.split_at(16);
        if tz.starts_with(['Z', 'z', '+', '-']) {
            if let Ok(t) = OffsetDateTime::parse(&format!("{head}:00{tz}"), &Rfc3339) {
                return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
            }
        }
    }
    if s.len() == 10 {
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() == 3 && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            let m: u8 = parts[1].parse().ok()?;
            let d = Date::from_calendar_date(
                parts[0].parse().ok()?,
                time::Month::try_from(m).ok()?,
                parts[2].parse().ok()?,
            )
            .ok()?;
            let t = PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(CST);
            return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_spreadsheet_forms() {
        let d = Date::from_calendar_date(1980, time::Month::March, 7).unwrap();
        assert_eq!(parse_date("1980-03-07"), Some(d));
        assert_eq!(parse_date("1980/3/7"), Some(d));
        assert_eq!(parse_date("19800307"), Some(d));
        assert_eq!(parse_date("1980-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(format_date(d), "1980-03-07");
    }

    #[test]
    fn age_counts_birthdays() {
        let b = Date::from_calendar_date(1980, time::Month::March, 7).unwrap();
        let on = Date::from_calendar_date(2026, time::Month::March, 6).unwrap();
        assert_eq!(age_on(b, on), 45);
        let on = Date::from_calendar_date(2026, time::Month::March, 7).unwrap();
        assert_eq!(age_on(b, on), 46);
    }

    #[test]
    fn format_is_china_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(format_ms(1_767_225_600_000), "2026-01-01 08:00");
    }
}
