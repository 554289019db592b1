//! The HTTP surface of jingzhi: server-rendered pages (askama + htmx, everything embedded), the
//! JSON API under `/api/v1` with its OpenAPI document, and health. Handlers stay short: they turn
//! HTTP into use-case calls on [`jingzhi_app::App`] and results into pages or JSON.

pub mod api;
pub mod assets;
pub mod error;
pub mod i18n;
pub mod open311;
pub mod pages;
pub mod request;
pub mod session;
pub mod shared;
pub mod transparency;

use axum::routing::get;
use axum::Router;
use jingzhi_app::App;
use std::sync::Arc;

/// What every handler gets: one shared value, so that a request's copy of it is one reference
/// count, not a copy of every handle and cache of the application (it showed in profiles of the
/// fastest answers).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`] (handlers reach them through it: `s.app`, `s.config`, `s.maps`).
pub struct Shared {
    pub app: App,
    pub config: WebConfig,
    /// Drawings of places' maps, kept while the register does not change.
    pub maps: pages::map::MapCache,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

/// The whole application router.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState(Arc::new(Shared {
        app,
        config,
        maps: pages::map::MapCache::default(),
    }));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(assets::router())
        .merge(api::router())
        .merge(open311::router())
        .merge(transparency::router())
        .merge(pages::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(pages::localise_errors))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(no_store))
        // HTML, JSON, SVG and spreadsheets compressed for clients that ask (level 4: most of
        // the gain for little of the time; brotli's default level is far slower).
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(4)),
        )
        // Outermost: the request's id and span cover everything above, error pages included.
        .layer(axum::middleware::from_fn(request::track))
        .with_state(state)
}

/// Serve the application on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    config: WebConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app, config).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// An unknown address: the API's JSON error under `/api/` and `/open311/`, the application's own
/// "not found" page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let p = uri.path();
    if p.starts_with("/api/") || p.starts_with("/open311/") {
        error::ApiError::not_found().into_response()
    } else {
        pages::PageError::not_found().into_response()
    }
}

async fn healthz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match s.app.store.acquire().await {
        Ok(_) => (
            axum::http::StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

/// Headers every response carries: no framing, no sniffing, no referrer leaks, and a content
/// security policy that allows only this server's own scripts and styles.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    ));
    res
}

/// `Cache-Control: no-store` on every answer but the static assets: pages and API answers show
/// a signed-in user's data (names, masked IDs, the audit log), which must not be kept by the
/// browser's cache or a shared proxy, nor come back with the Back button after signing out.
/// The assets (`/assets/…`, the same for everyone) keep their own caching.
async fn no_store(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    if !is_asset {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
