//! The transparency log's public endpoints (no login; scripts rely on the exact paths and shapes,
//! docs/transparency.md):
//!
//! - `GET /transparency/checkpoint`: the newest signed checkpoint with its cosignatures (text)
//! - `GET /transparency/key`: the log's verifier key, `name+hash+base64` (text)
//! - `GET /transparency/entries/{index}`: an entry's exact bytes
//! - `GET /transparency/proof/inclusion?index=I&tree_size=N`: `{"index","tree_size","hashes"}`
//! - `GET /transparency/proof/consistency?from=M&to=N`: `{"hashes"}`
//! - `GET /transparency/proof-file?index=I`: the proof file a resident keeps
//! - `POST /transparency/cosignatures`: a witness's cosigned checkpoint (text)
//!
//! A proof request that cannot be answered as asked (a size beyond the log, an index beyond the
//! tree size, `from` = 0 or `from` > `to`, a number that does not read) is 400 with the API's
//! error body naming the parameter.

pub mod pages;

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use jingzhi_app::AppError;
use serde::Serialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/transparency/checkpoint", get(checkpoint))
        .route("/transparency/key", get(key))
        .route("/transparency/entries/{index}", get(entry))
        .route("/transparency/proof/inclusion", get(inclusion))
        .route("/transparency/proof/consistency", get(consistency))
        .route("/transparency/proof-file", get(proof_file))
        .route("/transparency/cosignatures", post(cosign))
        .merge(pages::router())
}

fn text(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Proof arguments are 400 when they cannot be answered (the app says which one).
fn proof_error(e: AppError) -> ApiError {
    match e {
        AppError::Invalid(errs) => {
            let first = errs.first();
            ApiError::bad_request(
                first.map_or("query", |f| f.field),
                first.map_or_else(String::new, |f| f.reason.clone()),
            )
        }
        other => other.into(),
    }
}

/// A non-negative integer query parameter, or 400 naming it.
fn number(q: &HashMap<String, String>, name: &'static str) -> Result<u64, ApiError> {
    let v = q
        .get(name)
        .ok_or_else(|| ApiError::bad_request(name, "missing"))?;
    v.parse::<u64>()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| ApiError::bad_request(name, "not a non-negative integer"))
}

async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(s.app.transparency().checkpoint().await?.note))
}

async fn key(State(s): State<AppState>) -> Response {
    text(s.app.transparency().key())
}

async fn entry(State(s): State<AppState>, Path(index): Path<String>) -> Result<Response, ApiError> {
    let index: u64 = index
        .parse()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| ApiError::bad_request("index", "not a non-negative integer"))?;
    let bytes = s.app.transparency().entry(index).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response())
}

#[derive(Serialize)]
struct InclusionProof {
    index: u64,
    tree_size: u64,
    hashes: Vec<String>,
}

#[derive(Serialize)]
struct ConsistencyProof {
    hashes: Vec<String>,
}

fn b64(hs: Vec<[u8; 32]>) -> Vec<String> {
    hs.iter().map(|h| B64.encode(h)).collect()
}

async fn inclusion(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<InclusionProof>, ApiError> {
    let index = number(&q, "index")?;
    let tree_size = number(&q, "tree_size")?;
    let hashes = s
        .app
        .transparency()
        .inclusion(index, tree_size)
        .await
        .map_err(proof_error)?;
    Ok(Json(InclusionProof {
        index,
        tree_size,
        hashes: b64(hashes),
    }))
}

async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let from = number(&q, "from")?;
    let to = number(&q, "to")?;
    let hashes = s
        .app
        .transparency()
        .consistency(from, to)
        .await
        .map_err(proof_error)?;
    Ok(Json(ConsistencyProof {
        hashes: b64(hashes),
    }))
}

async fn proof_file(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let index = number(&q, "index")?;
    let file = s
        .app
        .transparency()
        .proof_file(index)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_yet_checkpointed",
                "这条记录还没有进入已签名的检查点，请一分钟后再试",
            )
        })?;
    let body = serde_json::to_vec_pretty(&file)
        .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))?;
    let name = format!("attachment; filename=\"jingzhi-proof-{index}.json\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&name).expect("ASCII"),
            ),
        ],
        body,
    )
        .into_response())
}

async fn cosign(State(s): State<AppState>, body: String) -> Result<Response, ApiError> {
    let kept = s.app.transparency().cosign(&body).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "cosigned_by": kept })),
    )
        .into_response())
}
