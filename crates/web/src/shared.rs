//! What the JSON API (`api`) and the pages (`pages`) both use, so that neither surface imports
//! the other: the body limit of requests with photos, a photo's download, the download name of a
//! file, percent-encoding, and the paging of an event list.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use jingzhi_app::store::events::{AttachmentMeta, Event};

/// Largest request that carries photos (6 × 5 MiB and the form around them, with room for a
/// deployment that raises the limits a little; the use-case enforces the real ones).
pub const UPLOAD_BODY_LIMIT: usize = 40 * 1024 * 1024;

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
