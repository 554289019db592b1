//! The one error type of the use-case layer: what the user may be told, with the field and the
//! reason; internals are logged where they happen and reach the user only as "internal".

use jingzhi_domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("未找到")]
    NotFound,
    #[error("无权进行此操作")]
    Forbidden,
    #[error("需要登录")]
    Unauthorized,
    #[error("账号已暂时锁定，请稍后再试")]
    Locked { until_ms: i64 },
    #[error("输入有误")]
    Invalid(Vec<FieldError>),
    #[error("与已有记录冲突: {field}")]
    Conflict { field: String, reason: String },
    #[error("内部错误")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<jingzhi_store::Error> for AppError {
    fn from(e: jingzhi_store::Error) -> Self {
        match e {
            jingzhi_store::Error::NotFound => AppError::NotFound,
            jingzhi_store::Error::Conflict(field) => {
                let reason = match field.as_str() {
                    "id_number" => "该身份证号已登记".to_string(),
                    "room" => "该房号已有住户".to_string(),
                    "username" => "用户名已存在".to_string(),
                    "code" => "编码已存在".to_string(),
                    _ => "与已有记录冲突".to_string(),
                };
                AppError::Conflict { field, reason }
            }
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal(other.to_string())
            }
        }
    }
}
