//! `jingzhi redistrict`: communities of the right size from the command line. The JSON formats
//! are a contract (scripts depend on them); see docs/districting.md.

use crate::common::{actor_for, app_err};
use clap::Subcommand;
use jingzhi_app::districting::{self as jd, Graph};
use jingzhi_app::App;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum RedistrictCmd {
    /// Write the building graph of a place (a community, a street or above) as JSON:
    /// {"cap","min","nodes":[{"id","households","compound","community","grid","x","y"}],"edges":[[id,id]]}.
    ExportGraph {
        /// Code of the place (e.g. a street 371002001000 or a community 371002001001).
        #[arg(long, value_name = "CODE")]
        scope: String,
        /// Output file (.json).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Act as this user (their scope). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
    /// Propose communities of at most 3,000 and at least 1,000 households, contiguous, whole
    /// compounds, and write {"parts":[{"community","buildings","households"}],"metrics","infeasible"}.
    /// Exits 1 (after writing the file) when no valid plan exists; the reasons are in "infeasible".
    Plan {
        /// Code of the place to plan (read from the database). Not needed with --graph.
        #[arg(long, value_name = "CODE", required_unless_present = "graph")]
        scope: Option<String>,
        /// split: split each oversized community; street: re-draw all communities together.
        #[arg(long, default_value = "split", value_parser = ["split", "street"])]
        mode: String,
        /// Seed of the optimiser: the same seed gives the same plan.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (.json).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Plan this graph file (as written by export-graph) instead of reading the database.
        #[arg(long, value_name = "FILE", conflicts_with = "scope")]
        graph: Option<PathBuf>,
        /// Act as this user (their scope). Default: the operator, city-wide.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
    /// List every community above the cap in the user's scope (default: the operator, city-wide).
    Scan {
        /// Act as this user (their scope).
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Households above which a community is listed.
        #[arg(long, default_value_t = jd::DEFAULT_CAP)]
        cap: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn write_json(out: &PathBuf, v: &impl serde::Serialize) -> Result<(), String> {
    let s = serde_json::to_string(v).map_err(|e| e.to_string())?;
    std::fs::write(out, s).map_err(|e| format!("{}: {e}", out.display()))
}

pub async fn run(app: &App, cmd: RedistrictCmd) -> Result<ExitCode, String> {
    match cmd {
        RedistrictCmd::ExportGraph { scope, out, user } => {
            let actor = actor_for(app, user.as_deref()).await?;
            let g = app
                .districting()
                .export_graph(&actor, &scope)
                .await
                .map_err(app_err)?;
            write_json(&out, &g)?;
            println!(
                "已写出 wrote {}: {} 栋楼宇 buildings, {} 条边 edges",
                out.display(),
                g.nodes.len(),
                g.edges.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        RedistrictCmd::Plan {
            scope,
            mode,
            seed,
            out,
            graph,
            user,
        } => {
            let mode = jd::parse_mode(&mode).map_err(app_err)?;
            let t = Instant::now();
            let plan = match graph {
                Some(file) => {
                    let text = std::fs::read_to_string(&file)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    let g: Graph = serde_json::from_str(&text)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    tokio::task::spawn_blocking(move || {
                        jd::plan_graph(&g, mode, seed, &Default::default())
                    })
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(app_err)?
                }
                None => {
                    let actor = actor_for(app, user.as_deref()).await?;
                    let scope = scope.ok_or(
                        "--scope 或 --graph 必须给出一个 (--scope or --graph is required)",
                    )?;
                    app.districting()
                        .plan(&actor, &scope, mode, seed)
                        .await
                        .map_err(app_err)?
                }
            };
            write_json(&out, &plan)?;
            let secs = t.elapsed().as_secs_f64();
            if plan.infeasible.is_empty() {
                let new = plan.parts.iter().filter(|p| p.new).count();
                println!(
                    "已写出 wrote {}: {} 个社区 parts ({} 个新设 new), {} 户调整 households moved, {:.2} s",
                    out.display(),
                    plan.parts.len(),
                    new,
                    plan.metrics.get("households_moved").and_then(|v| v.as_u64()).unwrap_or(0),
                    secs
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for i in &plan.infeasible {
                    eprintln!("无法生成 infeasible: {}", jd::infeasible_zh(i));
                }
                eprintln!("已写出 wrote {} ({:.2} s)", out.display(), secs);
                Ok(ExitCode::from(1))
            }
        }
        RedistrictCmd::Scan { user, cap, json } => {
            let actor = actor_for(app, user.as_deref()).await?;
            let list = app
                .districting()
                .scan(&actor, Some(cap))
                .await
                .map_err(app_err)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "{:<14} {:<20} {:<20} {:>8} {:>8}",
                    "编码 code", "社区 community", "街道 street", "户 hh", "居民 res"
                );
                for c in &list {
                    println!(
                        "{:<14} {:<20} {:<20} {:>8} {:>8}",
                        c.code,
                        c.name,
                        c.street_name.as_deref().unwrap_or(""),
                        c.households,
                        c.residents
                    );
                }
                println!(
                    "共 {} 个社区超过 {cap} 户 communities above the cap",
                    list.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
