//! `jingzhi events`: the event jobs that `jingzhi serve` also runs by itself.

use crate::common::app_err;
use crate::config::Config;
use crate::notify::notifier;
use clap::Subcommand;
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum EventsCmd {
    /// Escalate every overdue event one level up, once per deadline (docs/notifications.md).
    EscalateOverdue,
}

pub async fn run(app: &App, cfg: &Config, cmd: EventsCmd) -> Result<ExitCode, String> {
    match cmd {
        EventsCmd::EscalateOverdue => {
            // Records the configured channels, so the escalations' notifications reach them.
            notifier(app, cfg).await?;
            let actor = app.system_actor().await.map_err(app_err)?;
            let r = app
                .events()
                .escalate_overdue(&actor)
                .await
                .map_err(app_err)?;
            println!(
                "超期事件已升级 escalated: {} ({} 已被他人处理 changed meanwhile)",
                r.escalated, r.skipped
            );
            let n = app
                .participation()
                .escalate_overdue_proposals_at(&actor, jingzhi_domain::time_fmt::now_ms())
                .await
                .map_err(app_err)?;
            println!("答复超期的提案已提请街道督办 proposals escalated: {n}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
