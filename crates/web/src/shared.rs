//! What the JSON API (`api`) and the pages (`pages`) both use, so that neither surface imports
//! the other: the body limit of requests with photos, a photo's download, the download name of a
//! file, percent-encoding, the paging of an event list, and a dashboard's period.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use jingzhi_app::events::{AttachmentMeta, Event};
use jingzhi_app::AppError;
use jingzhi_domain::events::metrics::period_instant;
use serde::Deserialize;
use utoipa::IntoParams;

/// Largest request that carries photos (6 × 5 MiB and the form around them, with room for a
/// deployment that raises the limits a little; the use-case enforces the real ones).
pub const UPLOAD_BODY_LIMIT: usize = 40 * 1024 * 1024;

/// An image kept as checked bytes (a fund's voucher) with its content type, never sniffed and
/// never run: what pages and the API answer alike.
pub fn stored_image(content_type: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A photo's bytes with its content type (decided when it was checked), never sniffed.
pub fn photo_response(meta: &AttachmentMeta, bytes: Vec<u8>) -> Response {
    let name = urlencode_all(&meta.file_name);
    (
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{name}"),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
            (header::ETAG, format!("\"{}\"", meta.sha256)),
        ],
        bytes,
    )
        .into_response()
}

/// `attachment; filename="…"` with the UTF-8 name for browsers and an ASCII fallback.
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencode_all(name)
    )
}

/// Percent-encode everything but unreserved characters.
pub fn urlencode_all(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One page of the rows read (`limit + 1` were asked for, to know whether more follow), for
/// the API's `EventPage` and the events page alike.
#[derive(Debug)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The id to pass as `before` for the next page; `None` on the last one.
    pub next_before: Option<i64>,
}

/// The first `limit` of `items` (read with `limit + 1`), and where the next page begins.
pub fn page(mut items: Vec<Event>, limit: i64) -> Paged<Event> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Paged {
        next_before: if more {
            items.last().map(|e| e.id)
        } else {
            None
        },
        items,
    }
}

/// The period and place of a dashboard (`GET /api/v1/metrics/events` and `/dashboard`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// The place (a node in the caller's scope); the caller's scope node by default.
    pub node_id: Option<String>,
    /// Start: `YYYY-MM` (that month), `YYYY-MM-DD` (that day, China Standard Time) or Unix time
    /// in milliseconds. Default: the first day of the month eleven months ago.
    pub from: Option<String>,
    /// End, inclusive for `YYYY-MM` and `YYYY-MM-DD`, exclusive for milliseconds. Default: the
    /// end of this month.
    pub to: Option<String>,
}

impl MetricsQuery {
    /// (node, from, to) as the use-case takes them.
    pub fn parse(&self) -> Result<(Option<i64>, Option<i64>, Option<i64>), AppError> {
        let node = match blank(&self.node_id) {
            None => None,
            Some(n) => Some(
                n.parse::<i64>()
                    .map_err(|_| AppError::invalid("node_id", "地区编号应为数字"))?,
            ),
        };
        Ok((
            node,
            period_instant("from", blank(&self.from), false)?,
            period_instant("to", blank(&self.to), true)?,
        ))
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhi_domain::events::metrics::{month_start, period_instant};

    #[test]
    fn periods_parse_as_china_months_and_days() {
        let (n, f, t) = MetricsQuery {
            node_id: Some("7".into()),
            from: Some("2026-01".into()),
            to: Some("2026-03".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(n, Some(7));
        assert_eq!(f, Some(month_start(202601)));
        assert_eq!(t, Some(month_start(202604)));
        let day = period_instant("from", Some("2026-03-01"), false).unwrap();
        assert_eq!(day, Some(month_start(202603)));
        assert!(period_instant("from", Some("2026-13"), false).is_err());
        assert!(period_instant("from", Some("yesterday"), false).is_err());
        assert_eq!(period_instant("to", Some("123"), true).unwrap(), Some(123));
    }
}
