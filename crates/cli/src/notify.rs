//! `jingzhi notify`: deliver the notification outbox once (for cron); and the delivery worker
//! with the configured channels, which `serve` runs.

use crate::common::app_err;
use crate::config::Config;
use clap::Subcommand;
use jingzhi_app::notify::Notifier;
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum NotifyCmd {
    /// Deliver every due outbox row once (for cron) and print what happened.
    RunOnce,
}

pub async fn run(app: &App, cfg: &Config, cmd: NotifyCmd) -> Result<ExitCode, String> {
    match cmd {
        NotifyCmd::RunOnce => {
            let notifier = notifier(app, cfg).await?;
            let r = notifier.run_once().await.map_err(app_err)?;
            println!(
                "通知投递 delivered: {} 成功 sent, {} 待重试 to retry, {} 失败 failed (channels: {})",
                r.sent,
                r.retried,
                r.failed,
                notifier.channel_names().join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The delivery worker with the configured channels, recorded as the channels in use.
pub async fn notifier(app: &App, cfg: &Config) -> Result<Notifier, String> {
    let channels = cfg.notify.channels()?;
    let n = Notifier::new(app.store.clone(), channels, cfg.notify.retry);
    app.notify()
        .set_channels(&n.channel_names())
        .await
        .map_err(app_err)?;
    Ok(n)
}
