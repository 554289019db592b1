//! The demo city: a deterministic synthetic Weihai (see `jingzhi_domain::demo`) loaded in bulk,
//! with demo accounts for every role at several levels of the tree.

use crate::{App, AppResult};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// 1.0 = the whole city (389 communities, ≈ 906,000 households, ≈ 2.1 million residents).
    pub scale: f64,
    pub seed: u64,
    /// One password for every demo account (for scripts); random ones when `None`.
    pub demo_password: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: String,
    pub scope_code: String,
    pub scope_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub districts: usize,
    pub streets: usize,
    pub communities: usize,
    pub grids: usize,
    pub compounds: usize,
    pub buildings: usize,
    pub households: usize,
    pub residents: usize,
    pub accounts: Vec<DemoAccount>,
    pub seconds: f64,
}

impl App {
    /// Generate the demo city into an empty register. Refuses when the register already holds a
    /// city.
    pub async fn generate_demo(&self, _opts: &DemoOptions) -> AppResult<DemoReport> {
        Err(crate::AppError::Internal("demo generation is not written yet".into()))
    }
}
