//! Static assets, embedded in the binary: no request leaves the machine.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub const HTMX_JS: &str = include_str!("../assets/htmx.min.js");
pub const APP_CSS: &str = include_str!("../assets/app.css");
pub const APP_JS: &str = include_str!("../assets/app.js");
pub const VERIFY_JS: &str = include_str!("../assets/verify.js");
pub const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");

fn cached(ct: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub fn router() -> Router<crate::AppState> {
    Router::new()
        .route(
            "/assets/htmx.min.js",
            get(|| async { cached("text/javascript; charset=utf-8", HTMX_JS) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { cached("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { cached("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/verify.js",
            get(|| async { cached("text/javascript; charset=utf-8", VERIFY_JS) }),
        )
        .route(
            "/assets/favicon.svg",
            get(|| async { cached("image/svg+xml", FAVICON_SVG) }),
        )
        // Browsers ask for it whatever the page links; the same picture.
        .route(
            "/favicon.ico",
            get(|| async { cached("image/svg+xml", FAVICON_SVG) }),
        )
}
