//! What the subcommands share: an error of the use-cases as the line printed, and the actor a
//! command acts as.

use jingzhi_app::{Actor, App, AppError};

/// The message printed for an error of the use-cases (`错误 error: …`, exit code 2).
pub fn app_err(e: AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.reason))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict { field, reason } => format!("{field}: {reason}"),
        other => other.to_string(),
    }
}

/// [`app_err`], naming the user when there is no such user.
pub fn no_user(e: AppError, username: &str) -> String {
    match e {
        AppError::NotFound => format!("没有用户 no such user: {username}"),
        e => app_err(e),
    }
}

/// `--user USERNAME` (their scope and permissions), or the operator, city-wide.
pub async fn actor_for(app: &App, user: Option<&str>) -> Result<Actor, String> {
    match user {
        None => app.system_actor().await.map_err(app_err),
        Some(u) => app.actor_named(u).await.map_err(|e| no_user(e, u)),
    }
}
