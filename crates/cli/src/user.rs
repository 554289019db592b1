//! `jingzhi user`: add users, set passwords and notification e-mail, disable, enable, unlock,
//! sign out everywhere.

use crate::common::{app_err, no_user};
use clap::Subcommand;
use jingzhi_app::auth::{NewUserInput, UserRef};
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        /// city-admin district-officer street-officer community-worker grid-worker steward
        /// department-staff resident auditor
        #[arg(long)]
        role: String,
        /// Code of the node that is the user's scope (e.g. 371002000000 for 环翠区).
        #[arg(long, value_name = "CODE")]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
        /// For department staff: their department's code (`jingzhi department list`), e.g.
        /// 371002-zhujian.
        #[arg(long)]
        department: Option<String>,
        /// For residents: the id of their resident record.
        #[arg(long)]
        resident_id: Option<i64>,
    },
    /// Set (or with --clear remove) the e-mail address a user's notifications go to by SMTP.
    Email {
        #[arg(long)]
        username: String,
        #[arg(long, required_unless_present = "clear")]
        email: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Set a user's password (ends all of the user's sessions and API tokens).
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
    },
    /// Disable a user: no more sign-ins, and all sessions and API tokens end at once.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Lift the lock that failed sign-ins put on a user.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// A user's API tokens.
    #[command(subcommand)]
    Tokens(TokensCmd),
}

#[derive(Subcommand, Debug)]
pub enum TokensCmd {
    /// Sign the user out everywhere: revoke every API token and end every browser session.
    Revoke {
        #[arg(long)]
        username: String,
    },
}

pub async fn run(app: &App, cmd: UserCmd) -> Result<ExitCode, String> {
    match cmd {
        UserCmd::Add {
            username,
            password,
            role,
            scope,
            display_name,
            department,
            resident_id,
        } => {
            let u = app
                .auth()
                .add_user(
                    None,
                    &NewUserInput {
                        username,
                        password,
                        role,
                        scope_code: scope,
                        display_name,
                        department,
                        resident_id,
                    },
                )
                .await
                .map_err(app_err)?;
            println!(
                "已添加用户 user added: {} ({}, {} {})",
                u.username,
                u.role.as_str(),
                u.scope_code,
                u.scope_name
            );
        }
        UserCmd::Email {
            username,
            email,
            clear,
        } => {
            let email = if clear { None } else { email };
            app.notify()
                .set_user_email(None, &username, email.as_deref())
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已设置通知邮箱 e-mail set: {username}");
        }
        UserCmd::Passwd { username, password } => {
            app.auth()
                .set_password(None, &username, &password)
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已修改密码 password changed: {username}");
        }
        UserCmd::Disable { username } => {
            app.auth()
                .disable_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!(
                "已停用 disabled: {username}（全部会话和令牌已失效 all sessions and tokens ended）"
            );
        }
        UserCmd::Enable { username } => {
            app.auth()
                .enable_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已启用 enabled: {username}");
        }
        UserCmd::Unlock { username } => {
            app.auth()
                .unlock_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已解除锁定 unlocked: {username}");
        }
        UserCmd::Tokens(TokensCmd::Revoke { username }) => {
            let (sessions, tokens) = app
                .auth()
                .sign_out_everywhere(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!(
                "已强制下线 signed out: {username}（会话 sessions {sessions}，令牌 tokens {tokens}）"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
