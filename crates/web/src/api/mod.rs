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
pub mod departments;
pub mod districting;
pub mod dto;
pub mod duplicates;
pub mod events;
pub mod files;
pub mod hotline;
pub mod households;
pub mod metrics;
pub mod nodes;
pub mod notify;
pub mod residents;
pub mod rounds;
pub mod schemas;
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
    ("POST", "/api/v1/users/{id}/disable"),
    ("POST", "/api/v1/users/{id}/enable"),
    ("POST", "/api/v1/users/{id}/sign-out-everywhere"),
    ("POST", "/api/v1/users/{id}/unlock"),
    ("POST", "/api/v1/import/residents"),
    ("GET", "/api/v1/import/template"),
    ("GET", "/api/v1/events"),
    ("POST", "/api/v1/events"),
    ("GET", "/api/v1/events/{id}"),
    ("POST", "/api/v1/events/{id}/{command}"),
    ("POST", "/api/v1/events/{id}/attachments"),
    ("GET", "/api/v1/events/{id}/attachments/{attachment_id}"),
    ("POST", "/api/v1/events/{id}/whistles"),
    ("POST", "/api/v1/whistles/{id}/report-in"),
    ("POST", "/api/v1/whistles/{id}/inspection"),
    ("POST", "/api/v1/whistles/{id}/complete"),
    ("POST", "/api/v1/whistles/{id}/rate"),
    ("GET", "/api/v1/event-categories"),
    ("POST", "/api/v1/hotline/import"),
    ("GET", "/api/v1/hotline/queue"),
    ("POST", "/api/v1/hotline/queue/{id}/match"),
    ("POST", "/api/v1/hotline/queue/{id}/discard"),
    ("GET", "/api/v1/hotline/export"),
    ("GET", "/api/v1/rounds/posts"),
    ("POST", "/api/v1/rounds/posts"),
    ("GET", "/api/v1/rounds/posts/{id}"),
    ("GET", "/api/v1/rounds/visits"),
    ("POST", "/api/v1/rounds/visits"),
    ("GET", "/api/v1/rounds/visits/{id}"),
    ("POST", "/api/v1/rounds/findings/{id}/event"),
    ("GET", "/api/v1/rounds/coverage"),
    ("GET", "/api/v1/rounds/coverage/households"),
    ("GET", "/api/v1/rounds/specialists"),
    ("POST", "/api/v1/rounds/specialists"),
    ("POST", "/api/v1/rounds/specialists/{id}/end"),
    ("POST", "/api/v1/rounds/specialists/{id}/services"),
    ("GET", "/api/v1/rounds/compliance"),
    ("GET", "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/{id}/read"),
    ("GET", "/api/v1/metrics/events"),
    ("GET", "/api/v1/events/{id}/duplicates"),
    ("GET", "/api/v1/departments"),
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
        ("POST", "/api/v1/users/{id}/disable") => post(users::disable),
        ("POST", "/api/v1/users/{id}/enable") => post(users::enable),
        ("POST", "/api/v1/users/{id}/sign-out-everywhere") => post(users::sign_out_everywhere),
        ("POST", "/api/v1/users/{id}/unlock") => post(users::unlock),
        ("POST", "/api/v1/import/residents") => {
            post(files::import_residents).layer(DefaultBodyLimit::max(files::IMPORT_BODY_LIMIT))
        }
        ("GET", "/api/v1/import/template") => get(files::import_template),
        ("GET", "/api/v1/events") => get(events::list),
        ("POST", "/api/v1/events") => {
            post(events::report).layer(DefaultBodyLimit::max(events::UPLOAD_BODY_LIMIT))
        }
        ("GET", "/api/v1/events/{id}") => get(events::get),
        ("POST", "/api/v1/events/{id}/{command}") => {
            post(events::command).layer(DefaultBodyLimit::max(events::UPLOAD_BODY_LIMIT))
        }
        ("POST", "/api/v1/events/{id}/attachments") => {
            post(events::attach).layer(DefaultBodyLimit::max(events::UPLOAD_BODY_LIMIT))
        }
        ("GET", "/api/v1/events/{id}/attachments/{attachment_id}") => get(events::photo),
        ("POST", "/api/v1/events/{id}/whistles") => post(events::blow),
        ("POST", "/api/v1/whistles/{id}/report-in") => post(events::report_in),
        ("POST", "/api/v1/whistles/{id}/inspection") => post(events::inspection),
        ("POST", "/api/v1/whistles/{id}/complete") => post(events::complete),
        ("POST", "/api/v1/whistles/{id}/rate") => post(events::rate_department),
        ("GET", "/api/v1/event-categories") => get(events::categories),
        ("POST", "/api/v1/hotline/import") => {
            post(hotline::import).layer(DefaultBodyLimit::max(hotline::IMPORT_BODY_LIMIT))
        }
        ("GET", "/api/v1/hotline/queue") => get(hotline::queue),
        ("POST", "/api/v1/hotline/queue/{id}/match") => post(hotline::match_ticket),
        ("POST", "/api/v1/hotline/queue/{id}/discard") => post(hotline::discard),
        ("GET", "/api/v1/hotline/export") => get(hotline::export),
        ("GET", "/api/v1/rounds/posts") => get(rounds::list_posts),
        ("POST", "/api/v1/rounds/posts") => post(rounds::save_post),
        ("GET", "/api/v1/rounds/posts/{id}") => get(rounds::get_post),
        ("GET", "/api/v1/rounds/visits") => get(rounds::list_visits),
        ("POST", "/api/v1/rounds/visits") => post(rounds::log_visit),
        ("GET", "/api/v1/rounds/visits/{id}") => get(rounds::get_visit),
        ("POST", "/api/v1/rounds/findings/{id}/event") => post(rounds::report_finding),
        ("GET", "/api/v1/rounds/coverage") => get(rounds::coverage),
        ("GET", "/api/v1/rounds/coverage/households") => get(rounds::uncovered),
        ("GET", "/api/v1/rounds/specialists") => get(rounds::list_specialists),
        ("POST", "/api/v1/rounds/specialists") => post(rounds::assign_specialist),
        ("POST", "/api/v1/rounds/specialists/{id}/end") => post(rounds::end_specialist),
        ("POST", "/api/v1/rounds/specialists/{id}/services") => post(rounds::log_service),
        ("GET", "/api/v1/rounds/compliance") => get(rounds::compliance),
        ("GET", "/api/v1/notifications") => get(notify::list),
        ("POST", "/api/v1/notifications/{id}/read") => post(notify::read),
        ("GET", "/api/v1/metrics/events") => get(metrics::events),
        ("GET", "/api/v1/events/{id}/duplicates") => get(duplicates::of_event),
        ("GET", "/api/v1/departments") => get(departments::list),
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
        users::list, users::create, users::get, users::disable, users::enable,
        users::sign_out_everywhere, users::unlock,
        files::import_residents, files::import_template, files::export_residents, files::export_households, files::export_audit,
        events::list, events::report, events::get, events::command, events::attach, events::photo, events::categories,
        events::blow, events::report_in, events::inspection, events::complete, events::rate_department,
        hotline::import, hotline::queue, hotline::match_ticket, hotline::discard, hotline::export,
        rounds::list_posts, rounds::save_post, rounds::get_post, rounds::list_visits, rounds::log_visit, rounds::get_visit,
        rounds::report_finding, rounds::coverage, rounds::uncovered, rounds::list_specialists, rounds::assign_specialist,
        rounds::end_specialist, rounds::log_service, rounds::compliance,
        notify::list, notify::read,
        metrics::events, duplicates::of_event,
        departments::list,
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
        (name = "events", description = "Events (事件): report, lifecycle, photos, whistle-and-report (吹哨报到)"),
        (name = "meta", description = "This document"),
        (name = "hotline", description = "12345 hotline tickets: import, the unmatched queue, export of results"),
        (name = "rounds", description = "Stewards' rounds (民情日志), coverage, grid service specialists (双报到)"),
        (name = "notifications", description = "The caller's own notifications of changes to the events they reported"),
        (name = "metrics", description = "Event metrics (docs/metrics.md)"),
        (name = "departments", description = "The department registry (职能部门): whom events are dispatched and whistled to"),
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

/// The error answers every route can give by its shape, added where a route does not document
/// them itself, all with the error body `{"code","message","details"}`: 401 (no or a bad token)
/// for every route that needs one; 404 for a route with an id in its path (unknown, or outside
/// the caller's scope); 400 (malformed) and 422 (a wrong or missing value, naming the field)
/// for a route with query parameters or a body; 413 (too large) and 415 (not JSON or
/// multipart) for a route with a body. 403 and 409 depend on the route and are documented with
/// it.
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let global_auth = openapi.security.as_ref().is_some_and(|s| !s.is_empty());
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                let open = match &op.security {
                    // `security(())`: no token needed.
                    Some(reqs) => reqs.iter().all(|r| {
                        serde_json::to_value(r)
                            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
                    }),
                    None => !global_auth,
                };
                let params = op.parameters.as_deref().unwrap_or_default();
                let has_query = params
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let has_body = op.request_body.is_some();
                let mut wanted: Vec<(&str, &str)> = vec![];
                if has_query || has_body {
                    wanted.push(("400", "Malformed: a body that is not JSON (or not the form asked for), a query that does not parse"));
                }
                if !open {
                    wanted.push(("401", "No token, or one that is unknown or expired"));
                }
                if path.contains('{') {
                    wanted.push(("404", "Unknown, or outside the caller's scope"));
                }
                if has_body {
                    wanted.push(("413", "The body is larger than this route takes"));
                    wanted.push((
                        "415",
                        "The body is not of the content type this route takes",
                    ));
                }
                if has_query || has_body {
                    wanted.push((
                        "422",
                        "A wrong or missing value: `details` names each field",
                    ));
                }
                for (status, what) in wanted {
                    if !op.responses.responses.contains_key(status) {
                        op.responses
                            .responses
                            .insert(status.to_string(), error(what).into());
                    }
                }
            }
        }
    }
}

/// The OpenAPI document, rendered once.
pub fn openapi_string() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.merge(districting::DistrictingApi::openapi());
        StandardErrors.modify(&mut doc);
        doc.to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI document (OpenAPI 3.1)", body = Object)))]
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

/// The query of a request, or the API's error: 422 naming the parameter whose value does not
/// fit (a number too large, a word for a number), 400 otherwise.
pub(crate) fn query<T>(r: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    Ok(r?.0)
}

/// A `page` parameter: 1 when absent, 422 naming it when outside `1..=MAX_PAGE`
/// ([`jingzhi_domain::paging`]), never quietly page 1.
pub(crate) fn page(v: Option<i64>) -> ApiResult<i64> {
    jingzhi_domain::paging::page_number("page", v)
        .map_err(|e| jingzhi_app::AppError::Invalid(vec![e]).into())
}
