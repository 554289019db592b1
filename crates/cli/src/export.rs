//! `jingzhi export`: write a list (residents, households, the audit log) to .xlsx, as a user
//! or as the operator.

use crate::common::{actor_for, app_err};
use clap::Args;
use jingzhi_app::App;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// residents | households | audit
    what: ExportWhat,
    /// Output file (.xlsx).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Act as this user (their scope and permissions). Default: the operator, city-wide.
    #[arg(long, value_name = "USERNAME")]
    user: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Debug)]
enum ExportWhat {
    Residents,
    Households,
    Audit,
}

pub async fn run(app: &App, args: ExportArgs) -> Result<ExitCode, String> {
    let ExportArgs { what, out, user } = args;
    let actor = actor_for(app, user.as_deref()).await?;
    let n = match what {
        ExportWhat::Residents => {
            app.export()
                .residents(&actor, Default::default(), None, &out)
                .await
        }
        ExportWhat::Households => {
            app.export()
                .households(&actor, Default::default(), None, &out)
                .await
        }
        ExportWhat::Audit => app.export().audit(&actor, &Default::default(), &out).await,
    }
    .map_err(app_err)?;
    println!("已导出 exported {n} 行 rows to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
