//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`
//! (generated from the handlers' `#[utoipa::path]`) with a browsable UI at `/api/docs`.
//!
//! Every handler is short: extract → use-case on `s.app` → JSON. Errors are
//! `{"code","message","details"}` ([`crate::error::ApiError`]); malformed input is turned into
//! that shape too (400 for syntax, 422 naming the field for wrong or missing values).
//! [`routes`] is the one list of the routes served here: each module's `routes()` names its
//! handlers, the router and the OpenAPI document are both built from it, and the tests walk the
//! document (tests/scope.rs probes every documented route; tests/openapi.rs checks that the
//! routes the application serves and the document are the same set).

pub mod activities;
pub mod audit;
pub mod auth;
pub mod care;
pub mod departments;
pub mod districting;
pub mod doctors;
pub mod dto;
pub mod duplicates;
pub mod emergency;
pub mod events;
pub mod files;
pub mod forces;
pub mod funds;
pub mod hotline;
pub mod households;
pub mod integrity;
pub mod jobs;
pub mod legal;
pub mod metrics;
pub mod nodes;
pub mod notify;
pub mod parking;
pub mod participation;
pub mod residents;
pub mod rounds;
pub mod schemas;
pub mod users;
pub mod volunteering;

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "jingzhi 精致 API", description = "The JSON API of jingzhi. Authenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`. Every call is confined to the caller's scope; anything outside it answers 404. Errors are `{\"code\",\"message\",\"details\"}`."),
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
        (name = "districting", description = "社区规模优化: communities of the right size"),
        (name = "participation", description = "居民议事: votes counted per household, adult resident or representative"),
        (name = "funds", description = "社区基金: a double-entry ledger in fen, approved by a second person, every posting in the public log"),
        (name = "care", description = "关爱与预警: care records of vulnerable people, the yellow/orange/red warning from a versioned rule set, assistance cases with referrals to departments; every view audited"),
        (name = "forces", description = "可动员力量库: party members, volunteers, property staff, doctors, lawyers and police who can be mobilised, with skills, availability and a sealed phone"),
        (name = "jobs", description = "就业帮扶: residents looking for work, positions of local firms, referrals ending in a placement, numbers per place"),
        (name = "legal", description = "法律援助: legal-aid cases of residents, with the lawyer from the register of people who can be mobilised; the matter sealed, every read audited"),
        (name = "activities", description = "社区活动: activities announced over a place, residents sign up from their phone, attendance and numbers per place"),
        (name = "doctors", description = "家庭医生签约: family-doctor teams, contracts for the key groups (elderly, chronic illness, disabled, pregnant women, children) and the signing rate per place against the 90% target; every view of a contract's groups audited"),
        (name = "volunteering", description = "志愿服务时长: hours volunteers log, confirmed by the team's leader or community staff, never by the volunteer"),
        (name = "emergency", description = "平急结合: volunteer and emergency teams, incidents where every vulnerable household is checked until each is accounted for, the board, stand-down and the after-action report"),
        (name = "integrity", description = "诚信指数: a versioned catalogue, records with evidence, appeals reviewed by another person, stars, agreements, adopted projects, rewards; every record in the public log"),
    )
)]
pub struct ApiDoc;

/// Every route of the API with its OpenAPI operation, from one list per module: each module's
/// `routes()` names its handlers (`routes!`), whose `#[utoipa::path]` gives both the route and
/// its documentation. The router ([`router`]), the document ([`openapi`]) and the tests that
/// walk the document (the scope test, tests/openapi.rs) all come from here.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .merge(auth::routes())
        .merge(nodes::routes())
        .merge(households::routes())
        .merge(residents::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(files::routes())
        .merge(events::routes())
        .merge(hotline::routes())
        .merge(rounds::routes())
        .merge(notify::routes())
        .merge(metrics::routes())
        .merge(duplicates::routes())
        .merge(departments::routes())
        .merge(districting::routes())
        .merge(participation::routes())
        .merge(funds::routes())
        .merge(integrity::routes())
        .merge(parking::routes())
        .merge(emergency::routes())
        .merge(care::routes())
        .merge(volunteering::routes())
        .merge(activities::routes())
        .merge(forces::routes())
        .merge(legal::routes())
        .merge(jobs::routes())
        .merge(doctors::routes())
}

/// The OpenAPI document of [`routes`], with the standard error answers added.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes().split_for_parts();
    StandardErrors.modify(&mut doc);
    doc
}

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
        openapi()
            .to_pretty_json()
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

/// The API's router (from [`routes`]) and the browsable documentation at `/api/docs`.
pub fn router() -> Router<AppState> {
    let (r, _) = routes().split_for_parts();
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json").validator_url("none"));
    r.merge(swagger)
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
