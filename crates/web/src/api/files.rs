//! Spreadsheets: `POST /api/v1/import/residents`, `GET /api/v1/import/template` and the .xlsx
//! exports of residents, households and the audit log.
//!
//! An import that is rejected (bad rows, without `skip_invalid`) changes nothing and answers
//! **422** `{"code":"invalid","message":…,"details":[{"field":"row 3 column 身份证号","reason":…}]}`,
//! one detail per bad cell. An import that went in answers 200 with the report; with
//! `skip_invalid` the rows left out are in `errors`, and come back as a file (base64) in `rejects`.

use super::audit::AuditQuery;
use super::dto::{ImportForm, ImportReportDto};
use super::households::HouseholdQuery;
use super::query;
use super::residents::ResidentQuery;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::session::ApiCaller;
use crate::AppState;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jingzhi_app::import::Import;
use jingzhi_app::import::{ImportOptions, XLSX_CONTENT_TYPE};
use jingzhi_app::AppResult;
use std::path::PathBuf;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(import_residents)
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(import_template))
        .routes(routes!(export_residents))
        .routes(routes!(export_households))
        .routes(routes!(export_audit))
}

/// Largest request an import accepts (the file plus the form around it).
pub const IMPORT_BODY_LIMIT: usize = jingzhi_app::import::MAX_BYTES + 64 * 1024;

fn attachment(bytes_or_body: Body, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes_or_body,
    )
        .into_response()
}

/// Import a roster of residents (`.xlsx` or UTF-8 `.csv`, the template's Chinese headers).
/// All-or-nothing unless `skip_invalid`; a rejected file answers 422 with one detail per bad
/// cell (`field` = `row N column C`) and changes nothing.
#[utoipa::path(post, path = "/api/v1/import/residents", tag = "files",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportReportDto, description = "Imported (with `skip_invalid`, the bad rows are in `errors` and `rejects`)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Rejected: nothing was imported; `details` lists every bad cell")))]
pub async fn import_residents(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportReportDto>> {
    let mut form = form?;
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::multipart("file", e);
    let (mut file, mut skip_invalid) = (None, false);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.xlsx").to_string();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            Some("skip_invalid") => {
                let v = field.text().await.map_err(bad)?;
                skip_invalid = jingzhi_domain::registry::parse_bool(&v).unwrap_or(false);
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        return Err(jingzhi_app::AppError::invalid("file", "请选择要导入的文件").into());
    };
    let report = s
        .app
        .import()
        .residents(&c.actor, &name, &bytes, &ImportOptions { skip_invalid })
        .await?;
    if !report.committed {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("文件有 {} 处错误，未导入任何数据", report.errors.len()),
        );
        e.body.details = report
            .errors
            .into_iter()
            .map(|r| ErrorDetail {
                field: format!("row {} column {}", r.row, r.column),
                reason: r.reason,
            })
            .collect();
        return Err(e);
    }
    Ok(Json(report.into()))
}

/// The blank import template (.xlsx) with the headers, an example row and instructions.
#[utoipa::path(get, path = "/api/v1/import/template", tag = "files",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn import_template(ApiCaller(_c): ApiCaller) -> Response {
    attachment(
        Body::from(Import::template_xlsx()),
        "residents-template.xlsx",
    )
}

/// Run an export into a temporary file and stream the file back. The file is unlinked as soon
/// as it is open, so nothing is left behind whatever happens to the response.
async fn export_file<F, Fut>(file_name: &str, run: F) -> ApiResult<Response>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: std::future::Future<Output = AppResult<u64>>,
{
    let path = std::env::temp_dir().join(format!(
        "jingzhi-export-{}.xlsx",
        jingzhi_app::auth::random_secret()
    ));
    let result = run(path.clone()).await;
    let opened = match &result {
        Ok(_) => tokio::fs::File::open(&path).await.ok(),
        Err(_) => None,
    };
    let _ = tokio::fs::remove_file(&path).await;
    result?;
    let file = opened.ok_or_else(|| {
        tracing::error!(path = %path.display(), "export file vanished");
        ApiError::from(jingzhi_app::AppError::Internal("export file".into()))
    })?;
    // ReaderStream keeps answering "done" once the file is read (a layer such as compression
    // may ask again after the end; a bare `stream::unfold` panics then).
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    Ok(attachment(Body::from_stream(stream), file_name))
}

/// The residents in scope (filtered like the list), masked, as .xlsx. Audited.
#[utoipa::path(get, path = "/api/v1/residents/export", tag = "files", params(ResidentQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_residents(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<ResidentQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let f = q.filter()?;
    export_file("residents.xlsx", |p| async move {
        s.app.export().residents(&c.actor, f, q.under, &p).await
    })
    .await
}

/// The households in scope (filtered like the list) as .xlsx. Audited.
#[utoipa::path(get, path = "/api/v1/households/export", tag = "files", params(HouseholdQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_households(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<HouseholdQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let f = q.filter();
    export_file("households.xlsx", |p| async move {
        s.app.export().households(&c.actor, f, q.under, &p).await
    })
    .await
}

/// The audit log in scope (filtered like the list) as .xlsx. The export is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "files", params(AuditQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody)))]
pub async fn export_audit(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let f = query(q)?.filter()?;
    export_file("audit.xlsx", |p| async move {
        s.app.export().audit(&c.actor, &f, &p).await
    })
    .await
}
