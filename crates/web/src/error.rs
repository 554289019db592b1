//! Errors at the HTTP surface: JSON `{"code","message","details"}` with the right status for the
//! API. Internals are logged where they happen and shown only as "internal".

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jingzhi_app::AppError;
use serde::Serialize;

/// One field's problem.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub field: String,
    pub reason: String,
}

/// The API's error body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `not_found`, `forbidden`, `unauthorized`, `locked`,
    /// `invalid`, `conflict`, `bad_request`, `internal`.
    pub code: String,
    /// A message for people (Chinese).
    pub message: String,
    pub details: Vec<ErrorDetail>,
    /// On an internal error (`internal`), the request's id (also in the `X-Request-Id` header):
    /// the server's log lines of the request carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                details: vec![],
                request_id: None,
            },
        }
    }

    pub fn bad_request(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("请求有误: {reason}"),
        );
        e.body.details.push(ErrorDetail {
            field: field.into(),
            reason,
        });
        e
    }

    /// 422 naming one field.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "输入有误");
        e.body.details.push(ErrorDetail {
            field: field.into(),
            reason: reason.into(),
        });
        e
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            AppError::Unauthorized => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "用户名或密码错误，或需要登录",
            ),
            AppError::Locked { .. } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "locked", e.to_string())
            }
            AppError::Invalid(fields) => {
                let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "输入有误");
                err.body.details = fields
                    .into_iter()
                    .map(|f| ErrorDetail {
                        field: f.field.to_string(),
                        reason: f.reason,
                    })
                    .collect();
                err
            }
            AppError::Conflict { field, reason } => {
                let mut err = Self::new(StatusCode::CONFLICT, "conflict", reason.clone());
                err.body.details.push(ErrorDetail { field, reason });
                err
            }
            AppError::Internal(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "内部错误，请稍后再试",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(mut self) -> Response {
        if self.status.is_server_error() {
            self.body.request_id = crate::request::current();
        }
        (self.status, Json(self.body)).into_response()
    }
}

/// Rejections of axum's extractors (bad JSON, bad query) in the same shape.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        Self::bad_request("body", r.body_text())
    }
}

/// A query string that does not fit its parameters: 422 naming the parameter when axum says
/// which one (`page: number too large to fit in target type`), else 400.
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        let text = r.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        match detail.split_once(": ") {
            Some((field, reason))
                if !field.is_empty()
                    && field
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_[].".contains(c)) =>
            {
                Self::invalid(field, reason)
            }
            _ => Self::bad_request("query", text),
        }
    }
}

/// A multipart body that cannot be read at all (not `multipart/form-data`, no boundary, too
/// large): the status axum gives (400, 413, 415…) in the API's shape, never plain text.
impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(r: axum::extract::multipart::MultipartRejection) -> Self {
        let mut e = Self::bad_request("body", r.body_text());
        e.status = r.status();
        e
    }
}

impl ApiError {
    /// A part of a multipart body that cannot be read (cut short, over the size limit): its
    /// status (400, 413) in the API's shape, naming `field`.
    pub fn multipart(field: &str, e: axum::extract::multipart::MultipartError) -> Self {
        let mut err = Self::bad_request(field, e.body_text());
        err.status = e.status();
        err
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        Self::not_found()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
