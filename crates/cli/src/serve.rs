//! `jingzhi serve`: the web UI and the API, with the notification delivery worker and the
//! overdue escalation job beside them, until Ctrl-C or SIGTERM.

use crate::config::Config;
use crate::notify::notifier;
use clap::Args;
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. Default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

pub async fn run(app: App, cfg: &Config, args: ServeArgs) -> Result<ExitCode, String> {
    serve(app, cfg, args.listen.as_deref()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what service managers and `kill` send): stop taking requests, finish
/// those under way, close the database (which checkpoints SQLite's WAL).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serve on `listen` (default: the configured address) until stopped.
pub async fn serve(app: App, cfg: &Config, listen: Option<&str>) -> Result<(), String> {
    let addr = listen
        .map(str::to_string)
        .unwrap_or_else(|| cfg.listen.clone());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    println!("jingzhi 正在服务 serving on http://{addr}  (Ctrl-C 停止 to stop)");
    // The outbox's delivery worker and the overdue escalation job run beside the server.
    let delivery = tokio::spawn(notifier(&app, cfg).await?.run_forever(cfg.notify.poll));
    let escalation = (!cfg.notify.escalate_every.is_zero()).then(|| {
        let (app, every) = (app.clone(), cfg.notify.escalate_every);
        tokio::spawn(async move { app.events().run_escalation_forever(every).await })
    });
    // The transparency log's publisher: public records in, a signed checkpoint at least every
    // minute while they arrive (docs/transparency.md).
    let publisher = {
        let app = app.clone();
        tokio::spawn(async move {
            app.transparency()
                .run_publisher_forever(std::time::Duration::from_secs(30))
                .await
        })
    };
    let config = jingzhi_web::WebConfig {
        secure_cookies: cfg.secure_cookies,
    };
    jingzhi_web::serve(listener, app.clone(), config, stop_signal())
        .await
        .map_err(|e| e.to_string())?;
    delivery.abort();
    publisher.abort();
    if let Some(e) = escalation {
        e.abort();
    }
    app.store.close().await;
    Ok(())
}
