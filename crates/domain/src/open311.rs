//! Open311 GeoReport v2 rules that need no I/O: W3C date-times in the city's offset, the 90-day
//! window of `GET requests`, paging, how an event's detailed state reads as `status_notes`, and
//! the reporter's details a `POST requests` may carry as value types ([`Email`],
//! [`ContactPhone`], [`MediaUrl`], [`ContactName`]).
//! See `docs/open311.md`.

use crate::events::lifecycle::Status;
pub use crate::time_fmt::{format_w3c, parse_w3c};
use crate::FieldError;

/// The longest span `start_date`..`end_date` may cover, and the default window.
pub const MAX_RANGE_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Requests per page when the client does not say (`page_size`), and the most it may ask for
/// (the specification's "first 1000 requests").
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 1000;
/// Longest `description` the specification allows (characters).
pub const MAX_DESCRIPTION: usize = 4000;

/// The requested-time window of `GET requests` (inclusive bounds, UTC ms): both given, one
/// given (the other 90 days away from it), or neither (the last 90 days up to `now`). A start
/// after the end, or a span over 90 days, is refused.
pub fn date_window(
    start: Option<&str>,
    end: Option<&str>,
    now: i64,
) -> Result<(i64, i64), FieldError> {
    let parse = |field: &'static str, v: Option<&str>| -> Result<Option<i64>, FieldError> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_w3c(s).map(Some).ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("日期时间“{s}”格式无效，应为 W3C 格式，如 2026-11-01T00:00:00+08:00"),
                )
            }),
        }
    };
    let span = MAX_RANGE_DAYS * DAY_MS;
    let (from, to) = match (parse("start_date", start)?, parse("end_date", end)?) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, a + span),
        (None, Some(b)) => (b - span, b),
        (None, None) => (now - span, now),
    };
    if from > to {
        return Err(FieldError::new("start_date", "开始时间不能晚于结束时间"));
    }
    if to - from > span {
        return Err(FieldError::new(
            "end_date",
            format!("查询时间跨度不能超过{MAX_RANGE_DAYS}天"),
        ));
    }
    Ok((from, to))
}

/// `page` (from 1) and `page_size` (1..=1000, default 50) as (limit, offset).
pub fn paging(page: Option<&str>, page_size: Option<&str>) -> Result<(i64, i64), FieldError> {
    let num = |field: &'static str, v: Option<&str>, default: i64, max: i64| match v
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| FieldError::new(field, format!("应为 1 到 {max} 之间的整数"))),
    };
    let size = num("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let page = num("page", page, 1, 1_000_000)?;
    Ok((size, (page - 1) * size))
}

/// The internal statuses behind an Open311 `status` (`open` or `closed`).
pub fn statuses_for(open311: &str) -> Option<Vec<Status>> {
    match open311 {
        "open" | "closed" => Some(
            Status::ALL
                .into_iter()
                .filter(|s| s.open311() == open311)
                .collect(),
        ),
        _ => None,
    }
}

/// `status_notes`: the detailed state in Chinese (已派遣, 已作废：原因, …).
pub fn status_notes(
    status: Status,
    invalid_reason: Option<&str>,
    result: Option<&str>,
    merged_into: Option<i64>,
) -> String {
    let label = status.label_zh();
    let detail = match status {
        Status::Invalid => invalid_reason.map(str::to_string),
        Status::Merged => merged_into.map(|m| format!("并入请求 {m}")),
        Status::Resolved | Status::Verified | Status::Closed | Status::Rated => {
            result.map(str::to_string)
        }
        _ => None,
    };
    match detail.filter(|d| !d.trim().is_empty()) {
        Some(d) => format!("{label}：{d}"),
        None => label.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// What a client may say about the reporter (`POST requests`): value types that parse.

/// Longest `email` (bytes; the longest address SMTP carries).
pub const MAX_EMAIL: usize = 254;
/// Longest `phone` as written (bytes), and how many digits it may have.
pub const MAX_PHONE: usize = 32;
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 5..=20;
/// Longest `media_url` (bytes).
pub const MAX_MEDIA_URL: usize = 2048;
/// Longest `first_name` or `last_name` (characters).
pub const MAX_NAME: usize = 64;

/// The reporter's e-mail address (`email`): at most [`MAX_EMAIL`] bytes, an `@`, no spaces or
/// control characters. Stored sealed; never answered.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The address, trimmed (error on field `email`).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if s.len() > MAX_EMAIL
            || !s.contains('@')
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(FieldError::new("email", "电子邮箱格式无效"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data: only the domain is shown.
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        write!(f, "Email(…@{domain})")
    }
}

/// The reporter's phone number (`phone`) as a client anywhere may write it: digits, spaces and
/// `+-()`, 5 to 20 digits, at most [`MAX_PHONE`] bytes. Kept as written (not the register's
/// mainland [`crate::registry::Phone`]: an Open311 client may send any country's number).
/// Stored sealed; never answered.
#[derive(Clone, PartialEq, Eq)]
pub struct ContactPhone(String);

impl ContactPhone {
    /// The number, trimmed (error on field `phone`).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
        if s.len() > MAX_PHONE
            || !PHONE_DIGITS.contains(&digits)
            || !s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
        {
            return Err(FieldError::new("phone", "电话号码格式无效"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ContactPhone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContactPhone(…)")
    }
}

/// A photo of the problem elsewhere (`media_url`): an `http://` or `https://` address of at
/// most [`MAX_MEDIA_URL`] bytes, without spaces, control characters, `"`, `<` or `>` (it is
/// answered to every client and shown on pages as a link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUrl(String);

impl MediaUrl {
    /// The address, trimmed (error on field `media_url`).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let ok = (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() <= MAX_MEDIA_URL
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
        if !ok {
            return Err(FieldError::new("media_url", "media_url 应为 http(s) 网址"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The reporter's `first_name` (名) or `last_name` (姓): at most [`MAX_NAME`] characters, no
/// control characters but line breaks and tabs. The event's reporter is the two together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactName(String);

impl ContactName {
    /// A `first_name` (error on that field).
    pub fn first(s: &str) -> Result<Self, FieldError> {
        Self::parse("first_name", "名", s)
    }

    /// A `last_name` (error on that field).
    pub fn last(s: &str) -> Result<Self, FieldError> {
        Self::parse("last_name", "姓", s)
    }

    fn parse(field: &'static str, what: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if s.chars().count() > MAX_NAME {
            return Err(FieldError::new(
                field,
                format!("{what}不能超过{MAX_NAME}字"),
            ));
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(FieldError::new(field, format!("{what}含有不可见控制字符")));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Filters of `GET requests` (each list empty = any).
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub ids: Vec<i64>,
    pub categories: Vec<String>,
    pub statuses: Vec<Status>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateFilter {
    pub event_ids: Vec<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3c_round_trip_in_city_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(format_w3c(1_767_225_600_000), "2026-01-01T08:00:00+08:00");
        for s in [
            "2026-01-01T08:00:00+08:00",
            "2026-01-01T00:00:00Z",
            "2025-12-31T19:00:00-05:00",
            "2026-01-01T08:00+08:00",
            "2026-01-01T00:00:00.000Z",
        ] {
            assert_eq!(parse_w3c(s), Some(1_767_225_600_000), "{s}");
        }
        assert_eq!(
            parse_w3c("2026-01-01"),
            Some(1_767_225_600_000 - 8 * 3600 * 1000)
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01 08:00",
        ] {
            assert_eq!(parse_w3c(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_window_is_at_most_90_days() {
        let now = 1_767_225_600_000;
        assert_eq!(date_window(None, None, now), Ok((now - 90 * DAY_MS, now)));
        let (a, b) = date_window(Some("2026-01-01T00:00:00Z"), None, now).unwrap();
        assert_eq!((a, b - a), (now, 90 * DAY_MS));
        assert!(date_window(Some("2026-01-01"), Some("2026-03-31"), now).is_ok());
        let e = date_window(Some("2026-01-01"), Some("2026-04-02"), now).unwrap_err();
        assert_eq!(e.field, "end_date");
        let e = date_window(Some("2026-02-01"), Some("2026-01-01"), now).unwrap_err();
        assert_eq!(e.field, "start_date");
        assert_eq!(
            date_window(Some("x"), None, now).unwrap_err().field,
            "start_date"
        );
    }

    #[test]
    fn paging_and_statuses() {
        assert_eq!(paging(None, None), Ok((50, 0)));
        assert_eq!(paging(Some("3"), Some("20")), Ok((20, 40)));
        for (p, s) in [(Some("0"), None), (None, Some("1001")), (Some("x"), None)] {
            assert!(paging(p, s).is_err());
        }
        let open = statuses_for("open").unwrap();
        assert!(open.contains(&Status::Dispatched) && !open.contains(&Status::Closed));
        assert!(statuses_for("closed").unwrap().contains(&Status::Rated));
        assert_eq!(statuses_for("pending"), None);
        assert_eq!(status_notes(Status::Dispatched, None, None, None), "已派遣");
        assert_eq!(
            status_notes(Status::Invalid, Some("重复上报"), None, None),
            "已作废：重复上报"
        );
    }

    #[test]
    fn contact_details_parse() {
        assert_eq!(
            Email::parse(" zhang.xiaoming@example.cn ")
                .unwrap()
                .as_str(),
            "zhang.xiaoming@example.cn"
        );
        let long_ok = format!("{}@example.cn", "a".repeat(MAX_EMAIL - 11));
        assert!(Email::parse(&long_ok).is_ok());
        for bad in [
            "not an email",
            "no-at-sign",
            "a@b\u{7}",
            "a b@example.cn",
            &format!("{}@example.cn", "a".repeat(MAX_EMAIL - 10)),
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().field, "email", "{bad}");
        }
        assert!(!format!("{:?}", Email::parse("zhang@example.cn").unwrap()).contains("zhang"));

        for ok in ["13911112222", "+1 (555) 123-4567", "0631-5201234", "12345"] {
            assert_eq!(ContactPhone::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "call me",
            "1234",
            "123456789012345678901",
            "139 1111 2222 ext",
            &"1 ".repeat(17),
        ] {
            assert_eq!(
                ContactPhone::parse(bad).unwrap_err().field,
                "phone",
                "{bad}"
            );
        }

        for ok in [
            "https://img.example.cn/p/1.jpg",
            "http://example.cn/a?b=c&d=%20",
        ] {
            assert_eq!(MediaUrl::parse(ok).unwrap().as_str(), ok);
        }
        let at_limit = format!("https://example.cn/{}", "a".repeat(MAX_MEDIA_URL - 19));
        assert_eq!(at_limit.len(), MAX_MEDIA_URL);
        assert!(MediaUrl::parse(&at_limit).is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://example.cn/1.jpg",
            "//example.cn/1.jpg",
            "HTTPS://example.cn/1.jpg",
            "https://example.cn/a b.jpg",
            "https://example.cn/\"onerror=x",
            "https://example.cn/<script>",
            &format!("{at_limit}a"),
        ] {
            assert_eq!(
                MediaUrl::parse(bad).unwrap_err().field,
                "media_url",
                "{bad}"
            );
        }

        assert_eq!(ContactName::first(" 小明 ").unwrap().as_str(), "小明");
        assert!(ContactName::last(&"张".repeat(MAX_NAME)).is_ok());
        let e = ContactName::last(&"张".repeat(MAX_NAME + 1)).unwrap_err();
        assert_eq!(
            (e.field, e.reason.as_str()),
            ("last_name", "姓不能超过64字")
        );
        let e = ContactName::first("小\u{0}明").unwrap_err();
        assert_eq!(
            (e.field, e.reason.as_str()),
            ("first_name", "名含有不可见控制字符")
        );
        assert!(ContactName::first("小\t明").is_ok());
    }
}
