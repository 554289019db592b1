//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`
//! (generated from the handlers' `#[utoipa::path]`) with a browsable UI at `/api/docs`.
//!
//! Every handler is short: extract → use-case on `s.app` → JSON. Errors are
//! `{"code","message","details"}` ([`crate::error::ApiError`]); malformed input is turned into
//! that shape too (400 for syntax, 422 naming the field for wrong or missing values).
//! [`ROUTES`] lists every route served here, in one place: the router is built from it and the
//! tests check it against the OpenAPI document.

pub mod audit;
pub mod auth;
pub mod districting;
pub mod dto;
pub mod duplicates;
pub mod files;
pub mod households;
pub mod metrics;
pub mod nodes;
pub mod residents;
pub mod users;

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put, MethodRouter};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Every route of the API: (method, path as in the OpenAPI document).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/nodes"),
    ("POST", "/api/v1/nodes"),
    ("GET", "/api/v1/nodes/{id}"),
    ("GET", "/api/v1/nodes/{id}/map"),
    ("GET", "/api/v1/households"),
    ("POST", "/api/v1/households"),
    ("GET", "/api/v1/households/export"),
    ("GET", "/api/v1/households/{id}"),
    ("POST", "/api/v1/households/{id}/move"),
    ("GET", "/api/v1/residents"),
    ("POST", "/api/v1/residents"),
    ("GET", "/api/v1/residents/export"),
    ("GET", "/api/v1/residents/{id}"),
    ("PUT", "/api/v1/residents/{id}"),
    ("POST", "/api/v1/residents/{id}/unmask"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/audit/export"),
    ("GET", "/api/v1/audit/{id}"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
    ("POST", "/api/v1/import/residents"),
    ("GET", "/api/v1/import/template"),
    ("GET", "/api/v1/metrics/events"),
    ("GET", "/api/v1/events/{id}/duplicates"),
];

/// The handler of a route in [`ROUTES`].
fn handler(method: &str, path: &str) -> MethodRouter<AppState> {
    match (method, path) {
        ("GET", "/api/v1/openapi.json") => get(openapi_json),
        ("POST", "/api/v1/auth/login") => post(auth::login),
        ("POST", "/api/v1/auth/logout") => post(auth::logout),
        ("GET", "/api/v1/me") => get(auth::me),
        ("GET", "/api/v1/nodes") => get(nodes::list),
        ("POST", "/api/v1/nodes") => post(nodes::create),
        ("GET", "/api/v1/nodes/{id}") => get(nodes::get),
        ("GET", "/api/v1/nodes/{id}/map") => get(nodes::map),
        ("GET", "/api/v1/households") => get(households::list),
        ("POST", "/api/v1/households") => post(households::create),
        ("GET", "/api/v1/households/export") => get(files::export_households),
        ("GET", "/api/v1/households/{id}") => get(households::get),
        ("POST", "/api/v1/households/{id}/move") => post(households::move_to),
        ("GET", "/api/v1/residents") => get(residents::list),
        ("POST", "/api/v1/residents") => post(residents::create),
        ("GET", "/api/v1/residents/export") => get(files::export_residents),
        ("GET", "/api/v1/residents/{id}") => get(residents::get),
        ("PUT", "/api/v1/residents/{id}") => put(residents::update),
        ("POST", "/api/v1/residents/{id}/unmask") => post(residents::unmask),
        ("GET", "/api/v1/audit") => get(audit::list),
        ("GET", "/api/v1/audit/export") => get(files::export_audit),
        ("GET", "/api/v1/audit/{id}") => get(audit::get),
        ("GET", "/api/v1/users") => get(users::list),
        ("POST", "/api/v1/users") => post(users::create),
        ("GET", "/api/v1/users/{id}") => get(users::get),
        ("POST", "/api/v1/import/residents") => {
            post(files::import_residents).layer(DefaultBodyLimit::max(files::IMPORT_BODY_LIMIT))
        }
        ("GET", "/api/v1/import/template") => get(files::import_template),
        ("GET", "/api/v1/metrics/events") => get(metrics::events),
        ("GET", "/api/v1/events/{id}/duplicates") => get(duplicates::of_event),
        (m, p) => unreachable!("no handler for {m} {p}"),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "jingzhi 精致 API", description = "The JSON API of jingzhi. Authenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`. Every call is confined to the caller's scope; anything outside it answers 404. Errors are `{\"code\",\"message\",\"details\"}`."),
    paths(
        openapi_json,
        auth::login, auth::logout, auth::me,
        nodes::list, nodes::create, nodes::get, nodes::map,
        households::list, households::create, households::get, households::move_to,
        residents::list, residents::create, residents::get, residents::update, residents::unmask,
        audit::list, audit::get,
        users::list, users::create, users::get,
        files::import_residents, files::import_template, files::export_residents, files::export_households, files::export_audit,
        metrics::events, duplicates::of_event,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "nodes", description = "The tree of places"),
        (name = "households", description = "Households"),
        (name = "residents", description = "Residents (ID-card and phone numbers masked)"),
        (name = "audit", description = "The audit log"),
        (name = "users", description = "User accounts"),
        (name = "files", description = "Spreadsheet import and exports"),
        (name = "meta", description = "This document"),
        (name = "metrics", description = "Event metrics (docs/metrics.md)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, rendered once.
pub fn openapi_string() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_string(),
    )
        .into_response()
}

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    let mut paths: Vec<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
    paths.dedup();
    paths.sort();
    paths.dedup();
    for path in paths {
        let mut mr: Option<MethodRouter<AppState>> = None;
        for (m, _) in ROUTES.iter().filter(|(_, p)| *p == path) {
            let h = handler(m, path);
            mr = Some(match mr {
                None => h,
                Some(prev) => prev.merge(h),
            });
        }
        r = r.route(path, mr.expect("at least one method"));
    }
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json").validator_url("none"));
    r.merge(swagger).merge(districting::router())
}

/// The body of a request, or the API's error: 400 for JSON that does not parse (or is not sent
/// as JSON), 422 naming the field for a wrong or missing value.
pub(crate) fn body<T>(r: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    match r {
        Ok(Json(v)) => Ok(v),
        Err(JsonRejection::JsonDataError(e)) => {
            let text = e.body_text();
            let detail = text
                .split_once("target type: ")
                .map(|(_, d)| d)
                .unwrap_or(&text);
            let field = if let Some(rest) = detail.strip_prefix("missing field `") {
                rest.split('`').next().unwrap_or("body").to_string()
            } else {
                match detail.split_once(": ") {
                    Some((path, _)) if !path.contains(' ') && path != "." => path.to_string(),
                    _ => "body".to_string(),
                }
            };
            let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "输入有误");
            err.body.details.push(ErrorDetail {
                field,
                reason: detail.to_string(),
            });
            Err(err)
        }
        Err(e) => {
            let mut err = ApiError::bad_request("body", e.body_text());
            err.status = e.status();
            Err(err)
        }
    }
}

/// A numeric id from the path; anything else is "not found", in the API's error shape.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(id) =
            axum::extract::Path::<i64>::from_request_parts(parts, state).await?;
        Ok(Id(id))
    }
}

/// The query of a request, or a 400 in the API's error shape.
pub(crate) fn query<T>(r: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    Ok(r?.0)
}
