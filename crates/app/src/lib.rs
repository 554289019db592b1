//! Use-cases of jingzhi. Each one checks the caller's permission, runs in one transaction with
//! the caller's scope applied in every query, and writes its audit record in that transaction.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod care;
pub mod demo;
pub mod departments;
pub mod districting;
pub mod doctors;
pub mod duplicates;
pub mod emergency;
pub mod error;
pub mod events;
pub mod export;
pub mod forces;
pub mod funds;
pub mod geo;
pub mod hotline;
pub mod import;
pub mod integrity;
pub mod jobs;
pub mod legal;
pub mod metrics;
pub mod notify;
pub mod open311;
pub mod parking;
pub mod participation;
pub mod registry;
pub mod report;
pub mod rounds;
pub mod spreadsheet;
pub mod testing;
pub mod transparency;
pub mod volunteering;
pub mod workbench;

pub use error::{AppError, AppResult};
pub use jingzhi_store::auth::User;
pub use jingzhi_store::Store;

use jingzhi_domain::auth::Permission;
use jingzhi_domain::scope::Scope;

/// The application: the store and settings the use-cases need. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub settings: Settings,
    /// Grid boundaries for placing a map point (see [`geo`]).
    pub areas: geo::AreaCache,
    /// Open311 keys, services and the write lock (see [`open311`]).
    pub open311_cache: open311::Open311Cache,
    /// Dashboards computed in the last seconds (see [`metrics::DashboardCache`]).
    pub dashboards: metrics::DashboardCache,
    /// Reports from the pages and the API, committed in groups on SQLite (see
    /// [`events::ReportWrites`]).
    pub reports: events::ReportWrites,
    /// Ballots, committed in groups on SQLite (see [`participation::votes::BallotWrites`]).
    pub ballots: participation::votes::BallotWrites,
    /// Emergency checks, committed in groups on SQLite (see [`emergency::CheckWrites`]).
    pub checks: emergency::CheckWrites,
    /// The transparency log's signing key (see [`transparency`]).
    pub log_key: transparency::LogKey,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Session lifetime (ms).
    pub session_ttl_ms: i64,
    /// API token lifetime (ms).
    pub token_ttl_ms: i64,
    /// Size and number of photos per upload (events).
    pub attachments: jingzhi_domain::events::attachment::AttachmentLimits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl_ms: 12 * 3600 * 1000,
            token_ttl_ms: 30 * 24 * 3600 * 1000,
            attachments: Default::default(),
        }
    }
}

impl App {
    pub fn new(store: Store) -> Self {
        Self {
            settings: Settings::default(),
            areas: geo::AreaCache::default(),
            dashboards: metrics::DashboardCache::default(),
            reports: events::ReportWrites::default(),
            ballots: participation::votes::BallotWrites::default(),
            checks: emergency::CheckWrites::default(),
            open311_cache: open311::Open311Cache::default(),
            log_key: transparency::LogKey::new(
                jingzhi_domain::transparency::DEFAULT_ORIGIN,
                &store.cipher.log_seed(),
            )
            .expect("the default origin is a valid key name"),
            store,
        }
    }

    /// Name the transparency log (its checkpoints' origin line and its key's name). Set it once,
    /// before the first checkpoint: a log renamed later no longer verifies its old checkpoints.
    pub fn with_log_origin(mut self, origin: &str) -> AppResult<Self> {
        self.log_key = transparency::LogKey::new(origin, &self.store.cipher.log_seed())?;
        Ok(self)
    }

    /// The command-line actor, once the register has a city.
    pub async fn system_actor(&self) -> AppResult<Actor> {
        let mut conn = self.store.acquire().await?;
        let root = jingzhi_store::registry::root(&mut conn)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "city",
                    "数据库中还没有城市，请先运行 jingzhi demo 或导入区划",
                )
            })?;
        Ok(Actor::system(&root))
    }

    /// A command-line actor acting as the user named `username` (`--user`): their scope and
    /// permissions. `NotFound` when there is no such user.
    pub async fn actor_named(&self, username: &str) -> AppResult<Actor> {
        let mut conn = self.store.acquire().await?;
        jingzhi_store::auth::user_by_username(&mut conn, username)
            .await?
            .map(Actor::new)
            .ok_or(AppError::NotFound)
    }
}

/// Who is calling: a signed-in user. Every use-case takes one.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: User,
}

impl Actor {
    pub fn new(user: User) -> Self {
        Self { user }
    }

    /// The operator of the machine, acting from the command line with the whole city in scope
    /// (`jingzhi import`, `jingzhi export` without `--user`). Audited as "命令行".
    pub fn system(root: &jingzhi_store::registry::Node) -> Self {
        Self {
            user: User {
                id: 0,
                username: "命令行".into(),
                display_name: "命令行".into(),
                password_hash: String::new(),
                role: jingzhi_domain::auth::Role::CityAdmin,
                scope_node_id: root.id,
                scope_path: root.path.clone(),
                scope_code: root.code.clone(),
                scope_name: root.name.clone(),
                resident_id: None,
                department: None,
                disabled: false,
                failed_logins: 0,
                locked_until: 0,
            },
        }
    }

    pub fn scope(&self) -> Scope {
        self.user.scope()
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// An audit entry by this actor with no before/after/reason; add those with struct update
    /// syntax: `audit::Entry { after: Some(v), ..actor.audit(…) }`.
    pub fn audit<'a>(
        &'a self,
        action: jingzhi_domain::audit::Action,
        entity: &'a str,
        entity_id: Option<i64>,
        path: &'a str,
        summary: String,
    ) -> jingzhi_store::audit::Entry<'a> {
        jingzhi_store::audit::Entry {
            actor_id: self.audit_id(),
            actor_name: self.name(),
            action,
            entity,
            entity_id,
            path,
            summary,
            before: None,
            after: None,
            reason: None,
        }
    }

    /// The actor's id for the audit log (`None` for the command line).
    pub fn audit_id(&self) -> Option<i64> {
        (self.user.id != 0).then_some(self.user.id)
    }

    pub fn name(&self) -> &str {
        &self.user.username
    }

    /// Refuse unless the role has the permission. A user without read access to the register
    /// gets "not found" rather than "forbidden" for register things, so nothing leaks.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.user.role.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
