//! `jingzhi`: serve the platform, generate the demo city, migrate, import, export, manage users.
//!
//! Configuration, lowest precedence first: built-in defaults → `jingzhi.toml` (or `--config`) →
//! `JINGZHI_*` environment variables (`JINGZHI_KEY_FILE` etc.; any `JINGZHI_X_FILE` may name a
//! file holding the secret) → command-line flags.

mod config;
mod department;
mod hotline;
mod redistrict;

use clap::{Args, Parser, Subcommand};
use config::Config;
use jingzhi_app::auth::UserRef;
use jingzhi_app::{App, AppError};
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
    Serve {
        /// Address to listen on. Default 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Generate the demo city (a synthetic Weihai), print its accounts, and serve it.
    Demo {
        /// 1 = the whole city (389 communities, ≈ 906,000 households); 0.02 = a quick look.
        #[arg(long, default_value_t = 0.02)]
        scale: f64,
        /// Seed of the generator: the same seed gives the same city.
        #[arg(long, default_value_t = 2022)]
        seed: u64,
        /// Address to serve on. Default 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Generate and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// One password for every demo account (for scripts).
        #[arg(long, value_name = "P")]
        demo_password: Option<String>,
    },
    /// Bring the database schema up to date (also done at every start).
    Migrate,
    /// Import a roster.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export a list to .xlsx.
    Export {
        /// residents | households | audit
        what: ExportWhat,
        /// Output file (.xlsx).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Act as this user (their scope and permissions). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
    /// Communities of the right size: scan, export the building graph, plan.
    #[command(subcommand)]
    Redistrict(redistrict::RedistrictCmd),
    /// 12345 hotline tickets: import, export results.
    #[command(subcommand)]
    Hotline(hotline::HotlineCmd),
    /// Notifications of reporters: deliver the outbox (webhook, SMTP).
    #[command(subcommand)]
    Notify(NotifyCmd),
    /// Events: jobs that `jingzhi serve` also runs by itself.
    #[command(subcommand)]
    Events(EventsCmd),
    /// Open311 GeoReport v2 (docs/open311.md).
    #[command(subcommand)]
    Open311(Open311Cmd),
    /// The department registry: list, add.
    #[command(subcommand)]
    Department(department::DepartmentCmd),
}

#[derive(Subcommand, Debug)]
enum NotifyCmd {
    /// Deliver every due outbox row once (for cron) and print what happened.
    RunOnce,
}

#[derive(Subcommand, Debug)]
enum EventsCmd {
    /// Escalate every overdue event one level up, once per deadline (docs/notifications.md).
    EscalateOverdue,
}

#[derive(Subcommand, Debug)]
enum Open311Cmd {
    /// API keys of Open311 clients.
    #[command(subcommand)]
    Key(Open311KeyCmd),
}

#[derive(Subcommand, Debug)]
enum Open311KeyCmd {
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

#[derive(Subcommand, Debug)]
enum ImportCmd {
    /// Import residents (and their households) from .xlsx or .csv (template: docs/import.md).
    /// Exits non-zero when the file is rejected.
    Residents {
        file: PathBuf,
        /// Import the good rows and write the rejected ones to --rejects.
        #[arg(long)]
        skip_invalid: bool,
        /// Where to write rejected rows (with --skip-invalid). Default: `<name>_未导入.<ext>` next
        /// to FILE.
        #[arg(long, value_name = "OUT")]
        rejects: Option<PathBuf>,
        /// Act as this user (their scope). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
}

#[derive(clap::ValueEnum, Clone, Debug)]
enum ExportWhat {
    Residents,
    Households,
    Audit,
}

#[derive(Subcommand, Debug)]
enum UserCmd {
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
enum TokensCmd {
    /// Sign the user out everywhere: revoke every API token and end every browser session.
    Revoke {
        #[arg(long)]
        username: String,
    },
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

fn app_err(e: AppError) -> String {
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

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let cfg = Config::load(&cli.global).map_err(|e| e.to_string())?;
    let serving = matches!(
        cli.command,
        Command::Serve { .. }
            | Command::Demo {
                no_serve: false,
                ..
            }
    );
    let store = cfg.open_store(serving).await?;
    let app = App::new(store);
    match cli.command {
        Command::Migrate => {
            println!(
                "数据库已是最新 schema is up to date ({})",
                cfg.describe_db()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { listen } => {
            serve(app, &cfg, listen.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            scale,
            seed,
            listen,
            no_serve,
            demo_password,
        } => {
            if !(scale > 0.0 && scale <= 4.0) {
                return Err("--scale 应在 0 与 4 之间 (must be in (0, 4])".into());
            }
            let accounts_file = cfg.data_dir.join("demo-accounts.json");
            let has_city = app.system_actor().await.is_ok();
            if has_city {
                println!(
                    "数据库里已有城市数据，直接使用 (the register already holds a city; using it)."
                );
                match std::fs::read_to_string(&accounts_file) {
                    Ok(s) => {
                        let accounts: Vec<serde_json::Value> =
                            serde_json::from_str(&s).unwrap_or_default();
                        print_accounts(&accounts);
                    }
                    Err(_) => println!("(演示账号文件 {} 不存在)", accounts_file.display()),
                }
            } else {
                let opts = jingzhi_app::demo::DemoOptions {
                    scale,
                    seed,
                    demo_password,
                };
                println!(
                    "正在生成演示城市 generating the demo city (scale {scale}, seed {seed}) …"
                );
                let report = app.generate_demo(&opts).await.map_err(app_err)?;
                println!(
                    "完成 done in {:.1} s: {} 区市, {} 街道, {} 社区, {} 网格, {} 小区, {} 楼宇, {} 户, {} 居民",
                    report.seconds,
                    report.districts,
                    report.streets,
                    report.communities,
                    report.grids,
                    report.compounds,
                    report.buildings,
                    report.households,
                    report.residents
                );
                println!(
                    "事件 events: {} （一年的历史 a year of history, {:.1} s）",
                    report.events, report.event_seconds
                );
                let accounts: Vec<serde_json::Value> = report
                    .accounts
                    .iter()
                    .filter_map(|a| serde_json::to_value(a).ok())
                    .collect();
                write_private(
                    &accounts_file,
                    &serde_json::to_string_pretty(&accounts).unwrap_or_default(),
                );
                print_accounts(&accounts);
            }
            if !no_serve {
                serve(app, &cfg, listen.as_deref()).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCmd::Residents {
            file,
            skip_invalid,
            rejects,
            user,
        }) => {
            let actor = actor_for(&app, user.as_deref()).await?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let report = app
                .import_residents(
                    &actor,
                    &name,
                    &bytes,
                    &jingzhi_app::import::ImportOptions { skip_invalid },
                )
                .await
                .map_err(app_err)?;
            for e in &report.errors {
                eprintln!("第{}行 row {} [{}]: {}", e.row, e.row, e.column, e.reason);
            }
            if let Some(rj) = &report.rejects {
                // Default: the rejects file's own name (`<name>_未导入.<ext>`) next to the input.
                let out = rejects.unwrap_or_else(|| file.with_file_name(&rj.file_name));
                std::fs::write(&out, &rj.bytes).map_err(|e| format!("{}: {e}", out.display()))?;
                eprintln!(
                    "未导入的行已写入 rejected rows written to {}",
                    out.display()
                );
            }
            if report.committed {
                println!(
                    "已导入 imported: {} 行 rows, 新增 {} 户 households, {} 名居民 residents; {} 行被拒 rejected",
                    report.rows, report.households_created, report.residents_created, report.errors.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("文件被拒绝，登记信息未改变 the file was rejected; the register is unchanged ({} errors)", report.errors.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Export { what, out, user } => {
            let actor = actor_for(&app, user.as_deref()).await?;
            let n = match what {
                ExportWhat::Residents => {
                    app.export_residents(&actor, Default::default(), None, &out)
                        .await
                }
                ExportWhat::Households => {
                    app.export_households(&actor, Default::default(), None, &out)
                        .await
                }
                ExportWhat::Audit => app.export_audit(&actor, &Default::default(), &out).await,
            }
            .map_err(app_err)?;
            println!("已导出 exported {n} 行 rows to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Add {
            username,
            password,
            role,
            scope,
            display_name,
            department,
            resident_id,
        }) => {
            let u = app
                .add_user(
                    None,
                    &jingzhi_app::auth::NewUserInput {
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Redistrict(cmd) => redistrict::run(&app, cmd).await,
        Command::Hotline(cmd) => hotline::run(&app, cmd).await,
        Command::Department(cmd) => department::run(&app, cmd).await,
        Command::Notify(NotifyCmd::RunOnce) => {
            let notifier = notifier(&app, &cfg).await?;
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
        Command::Events(EventsCmd::EscalateOverdue) => {
            // Records the configured channels, so the escalations' notifications reach them.
            notifier(&app, &cfg).await?;
            let actor = app.system_actor().await.map_err(app_err)?;
            let r = app.escalate_overdue(&actor).await.map_err(app_err)?;
            println!(
                "超期事件已升级 escalated: {} ({} 已被他人处理 changed meanwhile)",
                r.escalated, r.skipped
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Email {
            username,
            email,
            clear,
        }) => {
            let email = if clear { None } else { email };
            app.set_user_email(None, &username, email.as_deref())
                .await
                .map_err(|e| match e {
                    AppError::NotFound => format!("没有用户 no such user: {username}"),
                    e => app_err(e),
                })?;
            println!("已设置通知邮箱 e-mail set: {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Open311(Open311Cmd::Key(cmd)) => {
            let actor = app.system_actor().await.map_err(app_err)?;
            match cmd {
                Open311KeyCmd::Add { name } => {
                    let k = app.open311_add_key(&actor, &name).await.map_err(app_err)?;
                    eprintln!(
                        "已添加 Open311 密钥 key added: {} (只显示这一次 shown only once)",
                        k.name
                    );
                    println!("{}", k.api_key);
                }
                Open311KeyCmd::List => {
                    for k in app.open311_keys(&actor).await.map_err(app_err)? {
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
                    app.open311_revoke_key(&actor, &name)
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
        Command::User(UserCmd::Passwd { username, password }) => {
            app.set_password(None, &username, &password)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => format!("没有用户 no such user: {username}"),
                    e => app_err(e),
                })?;
            println!("已修改密码 password changed: {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Disable { username }) => {
            app.disable_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!(
                "已停用 disabled: {username}（全部会话和令牌已失效 all sessions and tokens ended）"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Enable { username }) => {
            app.enable_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已启用 enabled: {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Unlock { username }) => {
            app.unlock_user(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!("已解除锁定 unlocked: {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Tokens(TokensCmd::Revoke { username })) => {
            let (sessions, tokens) = app
                .sign_out_everywhere(None, UserRef::Username(&username))
                .await
                .map_err(|e| no_user(e, &username))?;
            println!(
                "已强制下线 signed out: {username}（会话 sessions {sessions}，令牌 tokens {tokens}）"
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn no_user(e: AppError, username: &str) -> String {
    match e {
        AppError::NotFound => format!("没有用户 no such user: {username}"),
        e => app_err(e),
    }
}

async fn actor_for(app: &App, user: Option<&str>) -> Result<jingzhi_app::Actor, String> {
    match user {
        None => app.system_actor().await.map_err(app_err),
        Some(u) => {
            let mut conn = app.store.acquire().await.map_err(|e| e.to_string())?;
            let user = jingzhi_store::auth::user_by_username(&mut conn, u)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("没有用户 no such user: {u}"))?;
            Ok(jingzhi_app::Actor::new(user))
        }
    }
}

fn print_accounts(accounts: &[serde_json::Value]) {
    if accounts.is_empty() {
        return;
    }
    println!("\n演示账号 demo accounts:");
    println!(
        "{:<24} {:<20} {:<18} 范围 scope",
        "用户名 username", "密码 password", "角色 role"
    );
    let f = |a: &serde_json::Value, k: &str| {
        a.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
    };
    for a in accounts {
        println!(
            "{:<24} {:<20} {:<18} {} {}",
            f(a, "username"),
            f(a, "password"),
            f(a, "role"),
            f(a, "scope_code"),
            f(a, "scope_name")
        );
    }
    println!();
}

fn write_private(path: &std::path::Path, content: &str) {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path);
        if let Ok(mut f) = f {
            let _ = f.write_all(content.as_bytes());
        }
    }
    #[cfg(not(unix))]
    {
        let _ = std::fs::write(path, content);
    }
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

async fn serve(app: App, cfg: &Config, listen: Option<&str>) -> Result<(), String> {
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
        tokio::spawn(
            app.clone()
                .run_escalation_forever(cfg.notify.escalate_every),
        )
    });
    let config = jingzhi_web::WebConfig {
        secure_cookies: cfg.secure_cookies,
    };
    jingzhi_web::serve(listener, app.clone(), config, stop_signal())
        .await
        .map_err(|e| e.to_string())?;
    delivery.abort();
    if let Some(e) = escalation {
        e.abort();
    }
    app.store.close().await;
    Ok(())
}

/// The delivery worker with the configured channels, recorded as the channels in use.
async fn notifier(app: &App, cfg: &Config) -> Result<jingzhi_app::notify::Notifier, String> {
    let channels = cfg.notify.channels()?;
    let n = jingzhi_app::notify::Notifier::new(app.store.clone(), channels, cfg.notify.retry);
    app.set_notify_channels(&n.channel_names())
        .await
        .map_err(app_err)?;
    Ok(n)
}
