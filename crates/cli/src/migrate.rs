//! `jingzhi migrate`: bring the schema up to date. Opening the store (in `main`) runs the
//! migrations; this only says so.

use crate::config::Config;
use std::process::ExitCode;

pub fn run(cfg: &Config) -> Result<ExitCode, String> {
    println!(
        "数据库已是最新 schema is up to date ({})",
        cfg.describe_db()
    );
    Ok(ExitCode::SUCCESS)
}
