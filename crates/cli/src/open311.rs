//! `jingzhi open311`: the API keys of Open311 clients (docs/open311.md).

use crate::common::app_err;
use clap::Subcommand;
use jingzhi_app::{App, AppError};
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Open311Cmd {
    /// API keys of Open311 clients.
    #[command(subcommand)]
    Key(Open311KeyCmd),
}

#[derive(Subcommand, Debug)]
pub enum Open311KeyCmd {
    /// Add a key and print it (only its hash is kept: it cannot be shown again).
    Add {
        #[arg(long)]
        name: String,
    },
    /// List the keys (names, created, revoked).
    List,
    /// Revoke a key by name (servers stop accepting it within 5 seconds).
    Revoke { name: String },
}

pub async fn run(app: &App, cmd: Open311Cmd) -> Result<ExitCode, String> {
    let Open311Cmd::Key(cmd) = cmd;
    let actor = app.system_actor().await.map_err(app_err)?;
    match cmd {
        Open311KeyCmd::Add { name } => {
            let k = app
                .open311()
                .add_key(&actor, &name)
                .await
                .map_err(app_err)?;
            eprintln!(
                "已添加 Open311 密钥 key added: {} (只显示这一次 shown only once)",
                k.name
            );
            println!("{}", k.api_key);
        }
        Open311KeyCmd::List => {
            for k in app.open311().keys(&actor).await.map_err(app_err)? {
                println!(
                    "{}\t{}\t{}",
                    k.name,
                    jingzhi_domain::time_fmt::format_ms(k.created_at),
                    k.revoked_at
                        .map(|t| format!(
                            "已吊销 revoked {}",
                            jingzhi_domain::time_fmt::format_ms(t)
                        ))
                        .unwrap_or_else(|| "有效 active".into())
                );
            }
        }
        Open311KeyCmd::Revoke { name } => {
            app.open311()
                .revoke_key(&actor, &name)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => format!("没有密钥 no such key: {name}"),
                    e => app_err(e),
                })?;
            println!("已吊销 revoked: {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
