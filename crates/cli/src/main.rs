//! `jingzhi`: serve the platform, generate the demo city, migrate, import, export, manage users.
//!
//! Configuration, lowest precedence first: built-in defaults → `jingzhi.toml` (or `--config`) →
//! `JINGZHI_*` environment variables (`JINGZHI_KEY_FILE` etc.; any `JINGZHI_X_FILE` may name a
//! file holding the secret) → command-line flags.
//!
//! This file only parses and dispatches: the list of subcommands (with the one line of help
//! each shows in `jingzhi --help`) and the global flags are here; each subcommand is a module
//! holding its own flags (clap `Args`/`Subcommand`) and a `run` that does the work and returns
//! the exit code. An error comes back as the message printed after `错误 error:`, exit code 2.

mod common;
mod config;
mod demo;
mod department;
mod events;
mod export;
mod hotline;
mod import;
mod migrate;
mod notify;
mod open311;
mod redistrict;
mod serve;
mod transparency;
mod user;

use clap::{Args, Parser, Subcommand};
use config::Config;
use jingzhi_app::App;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "jingzhi", version, about = "精致幸福社区 — community governance platform", long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Data directory (SQLite database `jingzhi.db` and key file `jingzhi.key`). Default `./data`.
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Database URL (`postgres://…` or `sqlite://…`); overrides the SQLite file in --data.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Configuration file. Default `jingzhi.toml` when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web UI and the API.
    Serve(serve::ServeArgs),
    /// Generate the demo city (a synthetic Weihai), print its accounts, and serve it.
    Demo(demo::DemoArgs),
    /// Bring the database schema up to date (also done at every start).
    Migrate,
    /// Import a roster.
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// Export a list to .xlsx.
    Export(export::ExportArgs),
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCmd),
    /// Communities of the right size: scan, export the building graph, plan.
    #[command(subcommand)]
    Redistrict(redistrict::RedistrictCmd),
    /// 12345 hotline tickets: import, export results.
    #[command(subcommand)]
    Hotline(hotline::HotlineCmd),
    /// Notifications of reporters: deliver the outbox (webhook, SMTP).
    #[command(subcommand)]
    Notify(notify::NotifyCmd),
    /// Events: jobs that `jingzhi serve` also runs by itself.
    #[command(subcommand)]
    Events(events::EventsCmd),
    /// Open311 GeoReport v2 (docs/open311.md).
    #[command(subcommand)]
    Open311(open311::Open311Cmd),
    /// The department registry: list, add.
    #[command(subcommand)]
    Department(department::DepartmentCmd),
    /// The public transparency log: verify it, verify a proof, run a witness (docs/transparency.md).
    #[command(subcommand)]
    Transparency(transparency::TransparencyCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JINGZHI_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,sqlx::query=error")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("错误 error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Open the store (which brings the schema up to date) and run the subcommand.
async fn run(cli: Cli) -> Result<ExitCode, String> {
    let cfg = Config::load(&cli.global).map_err(|e| e.to_string())?;
    // What runs away from the log's database (a resident's proof, a witness) opens none.
    let command = match transparency::run_without_store(cli.command).await {
        Ok(result) => return result,
        Err(command) => *command,
    };
    let serving = match &command {
        Command::Serve(_) => true,
        Command::Demo(a) => !a.no_serve,
        _ => false,
    };
    let store = cfg.open_store(serving).await?;
    let app = App::new(store)
        .with_log_origin(&cfg.transparency_origin)
        .map_err(common::app_err)?;
    match command {
        Command::Serve(args) => serve::run(app, &cfg, args).await,
        Command::Demo(args) => demo::run(app, &cfg, args).await,
        Command::Migrate => migrate::run(&cfg),
        Command::Import(cmd) => import::run(&app, cmd).await,
        Command::Export(args) => export::run(&app, args).await,
        Command::User(cmd) => user::run(&app, cmd).await,
        Command::Redistrict(cmd) => redistrict::run(&app, cmd).await,
        Command::Hotline(cmd) => hotline::run(&app, cmd).await,
        Command::Notify(cmd) => notify::run(&app, &cfg, cmd).await,
        Command::Events(cmd) => events::run(&app, &cfg, cmd).await,
        Command::Open311(cmd) => open311::run(&app, cmd).await,
        Command::Department(cmd) => department::run(&app, cmd).await,
        Command::Transparency(cmd) => transparency::run(&app, cmd).await,
    }
}
