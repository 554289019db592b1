//! `jingzhi demo`: generate the demo city (a synthetic Weihai) into the data directory, print
//! and keep its accounts (`DIR/demo-accounts.json`), and serve it. On a directory that already
//! holds a city, print the kept accounts and serve that city.

use crate::common::app_err;
use crate::config::Config;
use clap::Args;
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DemoArgs {
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
    pub no_serve: bool,
    /// One password for every demo account (for scripts).
    #[arg(long, value_name = "P")]
    demo_password: Option<String>,
}

pub async fn run(app: App, cfg: &Config, args: DemoArgs) -> Result<ExitCode, String> {
    let DemoArgs {
        scale,
        seed,
        listen,
        no_serve,
        demo_password,
    } = args;
    if !(scale > 0.0 && scale <= 4.0) {
        return Err("--scale 应在 0 与 4 之间 (must be in (0, 4])".into());
    }
    let accounts_file = cfg.data_dir.join("demo-accounts.json");
    let has_city = app.system_actor().await.is_ok();
    if has_city {
        println!("数据库里已有城市数据，直接使用 (the register already holds a city; using it).");
        match std::fs::read_to_string(&accounts_file) {
            Ok(s) => {
                let accounts: Vec<serde_json::Value> = serde_json::from_str(&s).unwrap_or_default();
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
        println!("正在生成演示城市 generating the demo city (scale {scale}, seed {seed}) …");
        let report = app.demo().generate(&opts).await.map_err(app_err)?;
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
        crate::serve::serve(app, cfg, listen.as_deref()).await?;
    }
    Ok(ExitCode::SUCCESS)
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

/// Write a file only its owner may read (the demo accounts hold passwords).
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
