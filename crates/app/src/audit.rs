//! Browsing the audit log: the auditor and admins, within their scope.

use crate::{Actor, App, AppResult};
use jingzhi_domain::audit::Filter;
use jingzhi_domain::auth::Permission;
use jingzhi_store::audit as sa;

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::audit::Record;

/// Audit (审计): browsing the audit log. Reached as `app.audit()`.
#[derive(Clone, Copy)]
pub struct Audit<'a> {
    app: &'a App,
}

impl App {
    /// See [`Audit`].
    pub fn audit(&self) -> Audit<'_> {
        Audit { app: self }
    }
}

impl Audit<'_> {
    pub async fn list(
        &self,
        actor: &Actor,
        f: &Filter,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Record>> {
        actor.require(Permission::ReadAudit)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sa::list(&mut conn, &actor.scope(), f, before_id, limit).await?)
    }

    pub async fn get(&self, actor: &Actor, id: i64) -> AppResult<Record> {
        actor.require(Permission::ReadAudit)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sa::get(&mut conn, &actor.scope(), id).await?)
    }
}
