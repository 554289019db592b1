//! Importing a roster: the upload form, the report with every error (row, column, reason), and
//! the rejected rows as a file. The rejects are not kept on the server: the report page carries
//! them (base64) in a small form that posts them back for download, so any instance behind a
//! load balancer can serve it and nothing lingers in memory.

use super::{render, render_status, Chrome, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use base64::Engine;
use jingzhi_app::import::Import;
use jingzhi_app::import::{
    ImportOptions, ImportReport, RowError, CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE,
};
use jingzhi_domain::auth::Permission;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_form).post(import).layer(DefaultBodyLimit::max(
                jingzhi_app::import::MAX_BYTES + 1024 * 1024,
            )),
        )
        .route("/import/template.xlsx", get(template))
        .route(
            "/import/rejects",
            post(rejects).layer(DefaultBodyLimit::max(4 * jingzhi_app::import::MAX_BYTES)),
        )
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub file_name: String,
    pub report: Option<ImportReport>,
    pub errors: Vec<RowError>,
    pub more_errors: usize,
    pub error: Option<String>,
    pub rejects_name: String,
    pub rejects_b64: String,
}

/// At most this many errors are listed on the page (the rejects file has them all).
const SHOWN_ERRORS: usize = 500;

fn page(c: &crate::session::Caller, lang: Lang) -> ImportPage {
    ImportPage {
        c: Chrome::new(c, lang, "import"),
        file_name: String::new(),
        report: None,
        errors: vec![],
        more_errors: 0,
        error: None,
        rejects_name: String::new(),
        rejects_b64: String::new(),
    }
}

fn require_import(c: &crate::session::Caller) -> Result<(), PageError> {
    c.actor.require(Permission::ImportExport)?;
    c.actor.require(Permission::WriteRegister)?;
    Ok(())
}

pub async fn import_form(PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    require_import(&c)?;
    Ok(render(&page(&c, lang)))
}

pub async fn template(PageCaller(c): PageCaller) -> PageResult {
    require_import(&c)?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment("居民导入模板.xlsx"),
            ),
        ],
        Import::template_xlsx(),
    )
        .into_response())
}

pub async fn import(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    mut mp: Multipart,
) -> PageResult {
    require_import(&c)?;
    let (mut csrf, mut skip, mut file) = (String::new(), false, None::<(String, Vec<u8>)>);
    let bad = |_| PageError::keyed(StatusCode::BAD_REQUEST, "error.form_incomplete");
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "skip_invalid" => {
                skip = matches!(
                    field.text().await.map_err(bad)?.as_str(),
                    "on" | "true" | "1"
                )
            }
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    c.check_csrf(&csrf)?;
    let mut p = page(&c, lang);
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        p.error = Some(lang.t("import.no_file").to_string());
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
    };
    p.file_name = name.clone();
    match s
        .app
        .import()
        .residents(
            &c.actor,
            &name,
            &bytes,
            &ImportOptions { skip_invalid: skip },
        )
        .await
    {
        Ok(mut report) => {
            if let Some(r) = report.rejects.take() {
                p.rejects_name = r.file_name;
                p.rejects_b64 = base64::engine::general_purpose::STANDARD.encode(&r.bytes);
            }
            p.errors = report.errors.iter().take(SHOWN_ERRORS).cloned().collect();
            p.more_errors = report.errors.len().saturating_sub(SHOWN_ERRORS);
            let status = if report.committed {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            p.report = Some(report);
            Ok(render_status(status, &p))
        }
        Err(jingzhi_app::AppError::Invalid(fs)) => {
            p.error = Some(
                fs.into_iter()
                    .map(|f| f.reason)
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /import/rejects`: the rejected rows of the report just shown, as a download.
pub async fn rejects(
    PageCaller(c): PageCaller,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = super::FormData(f);
    c.check_csrf(f.get("csrf"))?;
    require_import(&c)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(f.get("data").as_bytes())
        .map_err(|_| PageError::keyed(StatusCode::BAD_REQUEST, "error.file_damaged"))?;
    let name = f.get("name");
    let (ct, ext) = if name.to_ascii_lowercase().ends_with(".csv") {
        (CSV_CONTENT_TYPE, "csv")
    } else {
        (XLSX_CONTENT_TYPE, "xlsx")
    };
    let stem: String = name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(name)
        .chars()
        .filter(|c| !c.is_control() && !"/\\\"".contains(*c))
        .take(80)
        .collect();
    let stem = if stem.is_empty() {
        "未导入".to_string()
    } else {
        stem
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment(&format!("{stem}.{ext}")),
            ),
        ],
        bytes,
    )
        .into_response())
}
