//! The JSON API under `/api/v1`.

pub mod auth;
pub mod districting;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/me", get(auth::me))
        .merge(districting::router())
}
