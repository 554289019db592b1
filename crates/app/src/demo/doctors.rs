//! The demo's family doctors (issue 13 §3; docs/doctors.md): one or two teams per community and
//! contracts for about 90% of the key-group residents (some communities below the target, a few
//! above), signed over the last year so some are due for renewal. Set-based: one INSERT … SELECT
//! per community ([`crate::doctors::Doctors::seed_demo`]).

use crate::{App, AppResult};

pub async fn seed(app: &App) -> AppResult<()> {
    let s = app.doctors().seed_demo().await?;
    tracing::info!(
        teams = s.teams,
        contracts = s.contracts,
        "demo family-doctor contracts"
    );
    Ok(())
}
