//! `jingzhi hotline`: import a file of 12345 tickets and export the results (docs/12345.md).

use crate::common::{actor_for, app_err};
use clap::Subcommand;
use jingzhi_app::hotline::{self as ah, Format};
use jingzhi_app::App;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum HotlineCmd {
    /// Import tickets from .xlsx, .csv or .json. Matched addresses become events, the rest go to
    /// the queue; ticket numbers imported before are skipped. Exits 1 when the file is rejected
    /// (nothing is imported then).
    Import {
        file: PathBuf,
        /// Act as this user (their scope). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
    /// Export the tickets (called between --from and --to) with their results; the format
    /// follows the file's extension (.xlsx, .csv or .json).
    Export {
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// First day of calls, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day of calls (inclusive), YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Act as this user (their scope). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
}

pub async fn run(app: &App, cmd: HotlineCmd) -> Result<ExitCode, String> {
    match cmd {
        HotlineCmd::Import { file, user } => {
            let actor = actor_for(app, user.as_deref()).await?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let report = app
                .hotline()
                .import(&actor, &name, &bytes)
                .await
                .map_err(app_err)?;
            for e in &report.errors {
                eprintln!("第{}行 row {} [{}]: {}", e.row, e.row, e.column, e.reason);
            }
            if !report.committed {
                eprintln!(
                    "文件被拒绝，未导入任何工单 the file was rejected; nothing was imported ({} errors)",
                    report.errors.len()
                );
                return Ok(ExitCode::from(1));
            }
            for t in &report.tickets {
                let what = match t.outcome {
                    "created" => format!("生成事件 event #{}", t.event_id.unwrap_or_default()),
                    "queued" => "待匹配 queued".to_string(),
                    _ => "已导入过 already imported".to_string(),
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    t.ticket_no,
                    what,
                    t.building.as_deref().unwrap_or(""),
                    t.note
                );
            }
            println!(
                "已导入 imported: {} 条工单 tickets, {} 件生成事件 events created, {} 件待匹配 queued, {} 件已导入过 already imported",
                report.rows, report.created, report.queued, report.already_imported
            );
            Ok(ExitCode::SUCCESS)
        }
        HotlineCmd::Export {
            out,
            from,
            to,
            user,
        } => {
            let actor = actor_for(app, user.as_deref()).await?;
            let name = out.to_string_lossy().to_string();
            let format = Format::of_file_name(&name).map_err(app_err)?;
            let from =
                ah::day_bound(from.as_deref().unwrap_or(""), false, "from").map_err(app_err)?;
            let to = ah::day_bound(to.as_deref().unwrap_or(""), true, "to").map_err(app_err)?;
            let x = app
                .hotline()
                .export(&actor, from, to, format)
                .await
                .map_err(app_err)?;
            std::fs::write(&out, &x.bytes).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "已导出 exported {} 条工单 tickets to {}",
                x.rows,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
