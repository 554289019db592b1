//! `jingzhi department`: the department registry (职能部门) — list it, add a department.

use crate::common::app_err;
use clap::Subcommand;
use jingzhi_app::departments::NewDepartmentInput;
use jingzhi_app::App;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum DepartmentCmd {
    /// List the departments (code, name, level, jurisdiction, parent).
    List,
    /// Add a department.
    Add {
        /// Its code (2–60 of a-z 0-9 - _ .), e.g. 371002-zhujian.
        #[arg(long)]
        code: String,
        /// Its full name, e.g. 环翠区住房和城乡建设局.
        #[arg(long)]
        name: String,
        /// Its short name (default: the name), e.g. 住建局.
        #[arg(long)]
        short_name: Option<String>,
        /// city | district | street
        #[arg(long)]
        level: String,
        /// Code of the node that is its jurisdiction (e.g. 371002000000 for 环翠区).
        #[arg(long, value_name = "CODE")]
        scope: String,
        /// Code of its parent department.
        #[arg(long)]
        parent: Option<String>,
        /// A telephone number or address for people to reach it.
        #[arg(long)]
        contact: Option<String>,
        /// A member of the joint meeting on community boundaries (联席会议).
        #[arg(long)]
        joint_meeting: bool,
    },
}

pub async fn run(app: &App, cmd: DepartmentCmd) -> Result<ExitCode, String> {
    match cmd {
        DepartmentCmd::List => {
            let actor = app.system_actor().await.map_err(app_err)?;
            for d in app
                .departments()
                .list(&actor, None)
                .await
                .map_err(app_err)?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.code,
                    d.name,
                    d.level.label_zh(),
                    d.node_name,
                    d.parent_code.unwrap_or_default()
                );
            }
        }
        DepartmentCmd::Add {
            code,
            name,
            short_name,
            level,
            scope,
            parent,
            contact,
            joint_meeting,
        } => {
            let d = app
                .departments()
                .add(
                    None,
                    &NewDepartmentInput {
                        code,
                        name,
                        short_name,
                        level,
                        node_code: scope,
                        parent_code: parent,
                        contact,
                        joint_meeting,
                    },
                )
                .await
                .map_err(app_err)?;
            println!("已添加部门 department added: {} {}", d.code, d.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
