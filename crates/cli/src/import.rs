//! `jingzhi import`: import a roster of residents (and their households) from .xlsx or .csv
//! (docs/import.md). Exits 1 when the file is rejected.

use crate::common::{actor_for, app_err};
use clap::Subcommand;
use jingzhi_app::import::ImportOptions;
use jingzhi_app::App;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
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

pub async fn run(app: &App, cmd: ImportCmd) -> Result<ExitCode, String> {
    let ImportCmd::Residents {
        file,
        skip_invalid,
        rejects,
        user,
    } = cmd;
    let actor = actor_for(app, user.as_deref()).await?;
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let report = app
        .import()
        .residents(&actor, &name, &bytes, &ImportOptions { skip_invalid })
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
