//! The demo city: a deterministic synthetic Weihai (see `jingzhi_domain::demo`) loaded in bulk,
//! with demo accounts for every role at several levels of the tree.
//!
//! Generation and sealing (two AES-GCM seals and two HMACs per resident) run on a blocking
//! thread, one community at a time, feeding the inserts through a bounded channel, so both cores
//! work and memory stays bounded. Rows carry their ids, so no insert waits for a round trip.

pub mod activities;
pub mod care;
mod councils;
mod doctors;
pub mod emergency;
pub mod forces;
mod funds;
pub mod integrity;
mod jobs;
mod legal;
mod volunteering;

use crate::auth::NewUserInput;
use crate::{App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::demo::{CityPlan, CITY_CODE};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::demo as sd;
use jingzhi_store::{audit, registry as sr};
use rand::Rng;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

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
    /// Events of the year of history (with their timelines, handlers, ratings and whistles).
    pub events: usize,
    pub event_seconds: f64,
    pub accounts: Vec<DemoAccount>,
    pub seconds: f64,
}

/// Commit after about this many rows (few, large transactions).
const ROWS_PER_TX: usize = 250_000;

/// What the generating thread reports when it is done.
#[derive(Default)]
struct Generated {
    compounds: usize,
    buildings: usize,
    households: usize,
    residents: usize,
    stats: Vec<(i64, sr::Stats)>,
    /// The first grid and the first household head of 东北村社区 (for demo accounts).
    dongbeicun_grid: Option<String>,
    dongbeicun_head: Option<i64>,
    /// A resident of another household of 东北村社区: the demo shopkeeper (福顺面馆).
    dongbeicun_merchant: Option<i64>,
    /// What the event history needs of each community.
    places: Vec<jingzhi_domain::demo::events::CommunityPlaces>,
}

/// A random readable password: three groups of four letters and digits.
fn readable_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let group = |rng: &mut rand::rngs::OsRng| -> String {
        (0..4)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    };
    format!(
        "{}-{}-{}",
        group(&mut rng),
        group(&mut rng),
        group(&mut rng)
    )
}

/// Demo: the demo city and its rounds. Reached as `app.demo()`.
#[derive(Clone, Copy)]
pub struct Demo<'a> {
    app: &'a App,
}

impl App {
    /// See [`Demo`].
    pub fn demo(&self) -> Demo<'_> {
        Demo { app: self }
    }
}

impl Demo<'_> {
    /// Generate the demo city into an empty register. Refuses when the register already holds a
    /// city.
    pub async fn generate(&self, opts: &DemoOptions) -> AppResult<DemoReport> {
        let started = Instant::now();
        jingzhi_domain::demo::check_scale(opts.scale)?;
        if let Some(p) = &opts.demo_password {
            jingzhi_domain::auth::check_password(p)?;
        }
        {
            let mut conn = self.app.store.acquire().await?;
            if let Some(root) = sr::root(&mut conn).await? {
                return Err(AppError::Conflict {
                    field: "city".into(),
                    reason: format!(
                        "数据库中已有城市（{}），不能再生成演示城市；请使用新的数据目录或空数据库",
                        root.name
                    ),
                });
            }
            if sd::has_nodes(&mut conn).await? {
                return Err(AppError::Conflict {
                    field: "city".into(),
                    reason:
                        "数据库中已有区划数据，不能再生成演示城市；请使用新的数据目录或空数据库"
                            .into(),
                });
            }
        }
        let (scale, seed) = (opts.scale, opts.seed);
        let plan = tokio::task::spawn_blocking(move || CityPlan::new(scale, seed))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let plan = Arc::new(plan);

        // Secondary indexes of households and residents are rebuilt once after the load.
        let saved = {
            let mut conn = self.app.store.acquire().await?;
            sd::drop_bulk_indexes(&mut conn).await?
        };
        let mut loaded = self.load(plan.clone()).await;
        if loaded.is_ok() {
            let mut conn = self.app.store.acquire().await?;
            if let Err(e) = sd::restore_indexes(&mut conn, &saved).await {
                loaded = Err(e.into());
            }
        }
        let generated = match loaded {
            Ok(g) => g,
            Err(e) => {
                // Leave the register as empty as it was, with its indexes.
                if let Ok(mut conn) = self.app.store.acquire().await {
                    if let Err(w) = sd::wipe_register(&mut conn).await {
                        tracing::error!(error = %w, "could not clean up after a failed demo load");
                    }
                    if let Err(w) = sd::restore_indexes(&mut conn, &saved).await {
                        tracing::error!(error = %w, "could not restore the register's indexes");
                    }
                }
                return Err(e);
            }
        };
        let events_started = Instant::now();
        let events = match self.load_events(generated.places.clone(), plan.seed).await {
            Ok(n) => n,
            Err(e) => {
                if let Ok(mut conn) = self.app.store.acquire().await {
                    if let Err(w) = sd::wipe_events(&mut conn).await {
                        tracing::error!(error = %w, "could not clean up the demo events");
                    }
                }
                return Err(e);
            }
        };
        let event_seconds = events_started.elapsed().as_secs_f64();
        self.app.store.reset_sequences().await?;

        self.demo_departments(&plan).await?;
        let accounts = self.accounts(&plan, &generated, opts).await?;
        self.seed_rounds(opts.seed).await?;
        seed_demo_votes(self.app, opts.seed).await?;
        // The public log: the closed votes' results first, under a checkpoint of their own …
        self.app.transparency().publish().await?;
        seed_demo_proposals(self.app).await?;
        seed_city_proposals(self.app, opts.seed).await?;
        seed_demo_meetings(self.app).await?;
        councils::seed(self.app).await?;
        funds::seed(self.app, opts.seed).await?;
        integrity::seed(self.app).await?;
        emergency::seed(self.app, opts.seed).await?;
        care::seed(self.app, opts.seed).await?;
        volunteering::seed(self.app).await?;
        activities::seed(self.app, opts.seed).await?;
        doctors::seed(self.app).await?;
        forces::seed(self.app, opts.seed).await?;
        legal::seed(self.app, opts.seed).await?;
        jobs::seed(self.app, opts.seed).await?;
        // … then the locked minutes, the funds' postings and the rest, under the next one.
        self.app.transparency().publish().await?;

        let city_path = plan.nodes[0].path.clone();
        let mut tx = self.app.store.begin().await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: None,
                actor_name: "命令行",
                action: Action::Generate,
                entity: "demo",
                entity_id: Some(plan.nodes[0].id),
                path: &city_path,
                summary: format!(
                    "生成演示城市：{}个社区、{}户、{}人",
                    plan.communities.len(),
                    generated.households,
                    generated.residents
                ),
                before: None,
                after: Some(serde_json::json!({
                    "scale": opts.scale,
                    "seed": opts.seed,
                    "communities": plan.communities.len(),
                    "households": generated.households,
                    "residents": generated.residents,
                    "accounts": accounts.iter().map(|a| &a.username).collect::<Vec<_>>(),
                })),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.app.store.analyze().await?;

        Ok(DemoReport {
            districts: plan.count(jingzhi_domain::registry::NodeKind::District),
            streets: plan.count(jingzhi_domain::registry::NodeKind::Street),
            communities: plan.communities.len(),
            grids: plan.grids(),
            compounds: generated.compounds,
            buildings: generated.buildings,
            households: generated.households,
            residents: generated.residents,
            events,
            event_seconds,
            accounts,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Insert the plan, then the communities as the generating thread hands them over.
    async fn load(&self, plan: Arc<CityPlan>) -> AppResult<Generated> {
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        sd::insert_prepared(&mut tx, &sd::prepare_plan(&plan, now)).await?;
        jingzhi_store::commit(tx).await?;

        let (send, mut recv) = tokio::sync::mpsc::channel::<sd::Prepared>(3);
        let cipher = self.app.store.cipher.clone();
        let gen_plan = plan.clone();
        let generator = tokio::task::spawn_blocking(move || {
            let plan = gen_plan;
            let mut acc = sd::StatsAcc::new(&plan);
            let mut g = Generated::default();
            for b in plan.batches() {
                acc.add_batch(&b);
                for n in &b.nodes {
                    match n.kind {
                        jingzhi_domain::registry::NodeKind::Compound => g.compounds += 1,
                        jingzhi_domain::registry::NodeKind::Building => g.buildings += 1,
                        _ => {}
                    }
                }
                g.households += b.households.len();
                if let Some(c) = plan.nodes.get((b.community_id - 1) as usize) {
                    g.places
                        .push(jingzhi_domain::demo::events::CommunityPlaces::from_batch(
                            &c.name, &b,
                        ));
                }
                g.residents += b.residents.len();
                if plan
                    .nodes
                    .get((b.community_id - 1) as usize)
                    .is_some_and(|c| c.name == "东北村社区")
                {
                    g.dongbeicun_grid = b.nodes.first().map(|n| n.code.as_str().to_string());
                    g.dongbeicun_head = b.residents.first().map(|r| r.id);
                    g.dongbeicun_merchant = b
                        .residents
                        .iter()
                        .find(|r| {
                            Some(r.household_id) != b.residents.first().map(|h| h.household_id)
                        })
                        .map(|r| r.id);
                }
                let prepared = sd::prepare_batch(&cipher, &b, now);
                drop(b);
                if send.blocking_send(prepared).is_err() {
                    // The loader stopped (an error): stop generating.
                    return g;
                }
            }
            g.stats = acc.finish();
            g
        });

        let mut result: AppResult<()> = Ok(());
        let mut tx = Some(self.app.store.begin().await?);
        let mut rows = 0usize;
        while let Some(p) = recv.recv().await {
            let Some(t) = tx.as_mut() else { break };
            if let Err(e) = sd::insert_prepared(t, &p).await {
                result = Err(e.into());
                break;
            }
            rows += p.rows();
            if rows >= ROWS_PER_TX {
                rows = 0;
                match self.next_load_tx(tx.take()).await {
                    Ok(t) => tx = Some(t),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        drop(recv);
        let g = generator
            .await
            .map_err(|e| AppError::Internal(format!("demo generator: {e}")))?;
        result?;
        let mut t = tx.ok_or_else(|| AppError::Internal("demo load: no transaction".into()))?;
        sd::write_counts(&mut t, &g.stats).await?;
        jingzhi_store::commit(t).await?;
        Ok(g)
    }

    /// A bulk load's next transaction: commit the one that is full, begin another.
    async fn next_load_tx(&self, full: Option<jingzhi_store::Tx>) -> AppResult<jingzhi_store::Tx> {
        if let Some(t) = full {
            jingzhi_store::commit(t).await?;
        }
        Ok(self.app.store.begin().await?)
    }

    /// Generate and insert the year of event history (after the register), with the monthly
    /// rollup. Returns the number of events.
    async fn load_events(
        &self,
        places: Vec<jingzhi_domain::demo::events::CommunityPlaces>,
        seed: u64,
    ) -> AppResult<usize> {
        let now = now_ms();
        let (send, mut recv) = tokio::sync::mpsc::channel::<sd::PreparedEvents>(4);
        let generator = tokio::task::spawn_blocking(move || {
            let mut g = jingzhi_domain::demo::events::EventGenerator::new(seed, now);
            let mut acc = jingzhi_store::metrics::RollupAcc::default();
            let mut n = 0;
            for c in &places {
                let b = g.community(c);
                n += b.events.len();
                if send
                    .blocking_send(sd::prepare_events(&b, &mut acc))
                    .is_err()
                {
                    break;
                }
            }
            (n, acc)
        });
        let mut result: AppResult<()> = Ok(());
        let mut tx = Some(self.app.store.begin().await?);
        let mut rows = 0usize;
        while let Some(p) = recv.recv().await {
            let Some(t) = tx.as_mut() else { break };
            if let Err(e) = sd::insert_events(t, &p).await {
                result = Err(e.into());
                break;
            }
            rows += p.rows;
            if rows >= ROWS_PER_TX {
                rows = 0;
                match self.next_load_tx(tx.take()).await {
                    Ok(t) => tx = Some(t),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        drop(recv);
        let (n, acc) = generator
            .await
            .map_err(|e| AppError::Internal(format!("demo events: {e}")))?;
        result?;
        let mut t = tx.ok_or_else(|| AppError::Internal("demo events: no transaction".into()))?;
        acc.write(&mut t).await?;
        jingzhi_store::commit(t).await?;
        Ok(n)
    }

    /// The department registry of the demo city: the city's departments (the joint meeting's
    /// fifteen among them) and each district's own.
    async fn demo_departments(&self, plan: &CityPlan) -> AppResult<()> {
        let districts: Vec<(String, String)> = plan
            .nodes
            .iter()
            .filter(|n| n.kind == jingzhi_domain::registry::NodeKind::District)
            .map(|n| (n.code.as_str().to_string(), n.name.clone()))
            .collect();
        for d in jingzhi_domain::departments::demo_catalogue(CITY_CODE, &districts) {
            self.app
                .departments()
                .add(
                    None,
                    &crate::departments::NewDepartmentInput {
                        code: d.code,
                        name: d.name,
                        short_name: Some(d.short_name),
                        level: d.level.as_str().into(),
                        node_code: d.node_code,
                        parent_code: d.parent_code,
                        contact: d.contact,
                        joint_meeting: d.joint_meeting,
                    },
                )
                .await?;
        }
        Ok(())
    }

    async fn accounts(
        &self,
        plan: &CityPlan,
        g: &Generated,
        opts: &DemoOptions,
    ) -> AppResult<Vec<DemoAccount>> {
        let code_of = |name: &str| {
            plan.nodes
                .iter()
                .find(|n| n.name == name)
                .map(|n| n.code.as_str().to_string())
        };
        let city = CITY_CODE.to_string();
        let huancui = code_of("环翠区");
        // 环翠区住房和城乡建设局, the department the demo's whistles summon most.
        let zhujian = huancui
            .as_deref()
            .map(|c| jingzhi_domain::departments::district_code(c, "zhujian"));
        let hcl = code_of("环翠楼街道");
        let dbc = code_of("东北村社区");
        let qj = code_of("前进社区");
        // (username, display name, role, scope, department, resident)
        let wanted: Vec<(&str, &str, Role, Option<String>, Option<&str>, Option<i64>)> = vec![
            (
                "admin",
                "市级管理员",
                Role::CityAdmin,
                Some(city.clone()),
                None,
                None,
            ),
            (
                "huancui",
                "环翠区民政局",
                Role::DistrictOfficer,
                huancui.clone(),
                None,
                None,
            ),
            (
                "huancuilou",
                "环翠楼街道办事处",
                Role::StreetOfficer,
                hcl,
                None,
                None,
            ),
            (
                "dongbeicun",
                "东北村社区工作者",
                Role::CommunityWorker,
                dbc.clone(),
                None,
                None,
            ),
            (
                "qianjin",
                "前进社区工作者",
                Role::CommunityWorker,
                qj,
                None,
                None,
            ),
            (
                "dongbeicun.grid1",
                "东北村网格员",
                Role::GridWorker,
                g.dongbeicun_grid.clone(),
                None,
                None,
            ),
            (
                "dongbeicun.steward",
                "东北村小巷管家",
                Role::Steward,
                dbc.clone(),
                None,
                None,
            ),
            (
                "zhujian",
                "环翠区住建局",
                Role::DepartmentStaff,
                huancui.clone(),
                zhujian.as_deref(),
                None,
            ),
            (
                "dongbeicun.resident",
                "东北村居民",
                Role::Resident,
                dbc.clone(),
                None,
                g.dongbeicun_head,
            ),
            (
                "dongbeicun.merchant",
                "福顺面馆店主",
                Role::Resident,
                dbc,
                None,
                g.dongbeicun_merchant,
            ),
            ("auditor", "审计员", Role::Auditor, Some(city), None, None),
        ];
        let mut accounts = vec![];
        for (username, display, role, scope, department, resident) in wanted {
            let Some(scope_code) = scope else { continue };
            if role == Role::Resident && resident.is_none() {
                continue;
            }
            let password = opts.demo_password.clone().unwrap_or_else(readable_password);
            let user = self
                .app
                .auth()
                .add_user(
                    None,
                    &NewUserInput {
                        username: username.into(),
                        password: password.clone(),
                        role: role.as_str().into(),
                        scope_code,
                        display_name: Some(display.into()),
                        department: department.map(str::to_string),
                        resident_id: resident,
                    },
                )
                .await?;
            accounts.push(DemoAccount {
                username: user.username,
                password,
                role: role.as_str().into(),
                scope_code: user.scope_code,
                scope_name: user.scope_name,
            });
        }
        Ok(accounts)
    }
}

impl Demo<'_> {
    /// Rounds for a freshly generated demo city (see [`jingzhi_store::demo::rounds::demo_seed`]):
    /// the demo steward, grid worker and department account (`dongbeicun.steward`,
    /// `dongbeicun.grid1`, `zhujian`) hold the posts and a specialist's place of 东北村's first
    /// grid. One transaction, part of the demo generation (which writes the one `generate`
    /// audit record).
    pub async fn seed_rounds(&self, seed: u64) -> AppResult<sd::rounds::DemoCounts> {
        let started = std::time::Instant::now();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let holder = |u: Option<jingzhi_store::auth::User>| {
            u.map(|u| sd::rounds::DemoHolder {
                user_id: u.id,
                display_name: u.display_name,
                scope_path: u.scope_path,
            })
        };
        let holders = sd::rounds::DemoHolders {
            grid_worker: holder(
                jingzhi_store::auth::user_by_username(&mut tx, "dongbeicun.grid1").await?,
            ),
            steward: holder(
                jingzhi_store::auth::user_by_username(&mut tx, "dongbeicun.steward").await?,
            ),
            department: holder(jingzhi_store::auth::user_by_username(&mut tx, "zhujian").await?),
        };
        let counts =
            sd::rounds::demo_seed(&mut tx, &self.app.store.cipher, &holders, seed, now).await?;
        jingzhi_store::commit(tx).await?;
        tracing::info!(
            posts = counts.posts,
            visits = counts.visits,
            findings = counts.findings,
            specialists = counts.specialists,
            services = counts.services,
            seconds = started.elapsed().as_secs_f64(),
            "demo rounds generated"
        );
        Ok(counts)
    }
}

/// The demo's votes in 东北村社区 (issue 11): the 向阳街 parking vote half a year ago, closed with
/// its result, and a vote on an e-bike charging shed open now, which the demo resident
/// (`dongbeicun.resident`) can still cast for their household. Opened by the community's demo
/// worker; the ballots are paper ballots entered in bulk. Nothing when 东北村 or its accounts are
/// not in this city (a small scale without them).
async fn seed_demo_votes(app: &App, seed: u64) -> AppResult<()> {
    use crate::participation::votes::NewVoteInput;
    use jingzhi_domain::demo::participation as dp;
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_domain::time_fmt::format_w3c;
    const DAY: i64 = 24 * 3600 * 1000;
    let now = now_ms();
    let (worker, community, skip) = {
        let mut conn = app.store.acquire().await?;
        let Some(worker) = jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun").await?
        else {
            return Ok(());
        };
        let worker = crate::Actor::new(worker);
        let Some(community) = sr::search_nodes(
            &mut conn,
            &worker.scope(),
            "东北村社区",
            Some(NodeKind::Community),
            1,
        )
        .await?
        .into_iter()
        .next() else {
            return Ok(());
        };
        let resident = jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun.resident")
            .await?
            .and_then(|u| u.resident_id);
        let skip = match resident {
            Some(r) => Some(
                sr::get_resident(&mut conn, &worker.scope(), r)
                    .await?
                    .household_id,
            ),
            None => None,
        };
        (worker, community, skip)
    };
    let votes = [
        (
            dp::XIANGYANG_QUESTION,
            &dp::XIANGYANG_OPTIONS[..],
            now - 170 * DAY,
            now - 156 * DAY,
            78,
            &[84u64, 11][..],
        ),
        (
            dp::CHARGING_QUESTION,
            &dp::CHARGING_OPTIONS[..],
            now - 3 * DAY,
            now + 11 * DAY,
            35,
            &[71u64][..],
        ),
    ];
    let p = app.participation();
    for (i, (question, options, opens, closes, turnout, shares)) in votes.into_iter().enumerate() {
        let v = p
            .create_vote_at(
                &worker,
                &NewVoteInput {
                    node_id: community.id,
                    question: question.into(),
                    options: options.iter().map(|o| o.to_string()).collect(),
                    unit: "household".into(),
                    quorum_percent: 50,
                    majority: "simple".into(),
                    majority_of: None,
                    opens_at: None,
                    closes_at: format_w3c(closes),
                },
                opens,
            )
            .await?;
        let mut tx = app.store.begin().await?;
        let units = sd::participation::units(&mut tx, v.id).await?;
        let ballots = dp::ballots(seed, i as u64, &units, turnout, shares, skip);
        sd::participation::ballots(&mut tx, v.id, &ballots, opens + DAY).await?;
        jingzhi_store::commit(tx).await?;
        if closes < now {
            p.close_vote_at(&worker, v.id, closes - 3600 * 1000).await?;
        }
    }
    Ok(())
}

/// The demo's small proposals in 东北村社区 (`domain::demo::participation::PROPOSALS`): filed by
/// the community's steward for residents, as stewards collect them door to door; supported by
/// neighbours (in bulk); those past the threshold awaiting an answer, two answered by the
/// community's worker. The demo resident is neither an author nor a supporter, so they can
/// support one. Nothing when 东北村 or its accounts are not in this city.
async fn seed_demo_proposals(app: &App) -> AppResult<()> {
    use crate::participation::proposals::{AnswerInput, NewProposalInput};
    use jingzhi_domain::demo::participation as dp;
    use jingzhi_domain::participation::proposals::{Phase, State, Threshold, ANSWER_DAYS};
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_store::participation::proposals as sp;
    const DAY: i64 = 24 * 3600 * 1000;
    let now = now_ms();
    let (steward, worker, community, residents, households) = {
        let mut conn = app.store.acquire().await?;
        let Some(steward) =
            jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun.steward").await?
        else {
            return Ok(());
        };
        let Some(worker) = jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun").await?
        else {
            return Ok(());
        };
        let (steward, worker) = (crate::Actor::new(steward), crate::Actor::new(worker));
        let Some(community) = sr::search_nodes(
            &mut conn,
            &worker.scope(),
            "东北村社区",
            Some(NodeKind::Community),
            1,
        )
        .await?
        .into_iter()
        .next() else {
            return Ok(());
        };
        let skip = jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun.resident")
            .await?
            .and_then(|u| u.resident_id);
        let residents: Vec<i64> = sd::participation::residents_of(&mut conn, &community.path, 400)
            .await?
            .into_iter()
            .filter(|r| Some(*r) != skip)
            .collect();
        let households = sp::households_in(&mut conn, &community.path).await?;
        (steward, worker, community, residents, households)
    };
    let needed = Threshold::default().needed(u64::try_from(households).unwrap_or(0));
    let p = app.participation();
    for (i, (title, body, days, supports, answer)) in dp::PROPOSALS.iter().enumerate() {
        let Some(&author) = residents.get(i) else {
            return Ok(());
        };
        let at = now - days * DAY;
        let filed = p
            .file_proposal_at(
                &steward,
                &NewProposalInput {
                    title: (*title).into(),
                    body: (*body).into(),
                    node_id: Some(community.id),
                    resident_id: Some(author),
                },
                at,
            )
            .await?;
        let supporters: Vec<i64> = residents
            .iter()
            .skip(10 + i * 60)
            .filter(|r| **r != author)
            .take(*supports)
            .copied()
            .collect();
        let mut tx = app.store.begin().await?;
        let n = sd::participation::supports(&mut tx, filed.id, &supporters, at + DAY).await?;
        if n >= needed {
            let reached = at + DAY;
            let state = State {
                phase: Phase::AwaitingAnswer,
                supports: n,
                awaiting_since: Some(reached),
                answer_due: Some(reached + ANSWER_DAYS * DAY),
                linked: None,
            };
            sp::save_state(&mut tx, filed.id, Phase::Collecting, &state, None, reached).await?;
            sp::add_timeline(
                &mut tx,
                filed.id,
                reached,
                Phase::AwaitingAnswer,
                "附议达到人数",
                None,
            )
            .await?;
        }
        jingzhi_store::commit(tx).await?;
        if let Some((kind, note)) = answer {
            p.answer_at(
                &worker,
                filed.id,
                &AnswerInput {
                    answer: (*kind).into(),
                    into: None,
                    reasons: Some((*note).into()),
                },
                at + 3 * DAY,
            )
            .await?;
        }
    }
    Ok(())
}

/// The demo's meetings in 东北村社区 (issue 11 §3, §5): the 向阳街 parking deliberation end to
/// end — the proposal on the agenda, twelve rounds, the household vote, the decision with its
/// numbers (68 spaces marked, 43 locks removed, 20 spaces rented out), its tasks done, an
/// evaluation meeting's rating — and thirty more meetings over the year (the report's 32), each
/// with locked minutes, most with a decision carried out. Held by the community's demo worker.
/// Nothing when 东北村 or its accounts are not in this city.
async fn seed_demo_meetings(app: &App) -> AppResult<()> {
    use crate::participation::decisions::{DecisionInput, EvaluationInput, TaskInput};
    use crate::participation::meetings::{ItemInput, NewMeetingInput, PartyInput, RoundInput};
    use jingzhi_domain::demo::participation as dp;
    use jingzhi_domain::participation::decisions::Figure;
    use jingzhi_domain::participation::meetings::Position;
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_domain::time_fmt::format_w3c;
    use jingzhi_store::participation::{proposals as sp, votes as sv};
    const DAY: i64 = 24 * 3600 * 1000;
    let now = now_ms();
    let (worker, steward, community, reps, proposal, vote) = {
        let mut conn = app.store.acquire().await?;
        let by_name = |u: Option<jingzhi_store::auth::User>| u.map(crate::Actor::new);
        let Some(worker) =
            by_name(jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun").await?)
        else {
            return Ok(());
        };
        let Some(steward) =
            by_name(jingzhi_store::auth::user_by_username(&mut conn, "dongbeicun.steward").await?)
        else {
            return Ok(());
        };
        let Some(community) = sr::search_nodes(
            &mut conn,
            &worker.scope(),
            "东北村社区",
            Some(NodeKind::Community),
            1,
        )
        .await?
        .into_iter()
        .next() else {
            return Ok(());
        };
        let reps = sd::participation::residents_of(&mut conn, &community.path, 400).await?;
        let proposal = sp::list(&mut conn, &worker.scope(), &community.path, 50)
            .await?
            .into_iter()
            .find(|p| p.title == dp::PROPOSALS[0].0)
            .map(|p| p.id);
        let vote = sv::list(&mut conn, &worker.scope(), &community.path, 50)
            .await?
            .into_iter()
            .find(|v| v.question == dp::XIANGYANG_QUESTION)
            .map(|v| (v.id, v.closed_at.unwrap_or(v.closes_at)));
        (worker, steward, community, reps, proposal, vote)
    };
    let (Some(proposal), Some((vote, vote_closed))) = (proposal, vote) else {
        return Ok(());
    };
    let p = app.participation();
    let departments = app.departments().list(&worker, Some(community.id)).await?;
    let dept = |slug: &str| {
        departments
            .iter()
            .find(|d| d.code.ends_with(slug))
            .map(|d| d.code.clone())
    };
    let new_meeting = |kind: &str, title: &str, venue: &str, held: i64| NewMeetingInput {
        node_id: community.id,
        kind: kind.into(),
        title: title.into(),
        held_at: format_w3c(held),
        venue: venue.into(),
    };
    let party = |role: &str| PartyInput {
        role: role.into(),
        attended: true,
        ..Default::default()
    };
    // Representatives of the residents: a few of the community's residents, by turns.
    let rep = |i: usize| reps.get((i * 7) % reps.len().max(1)).copied();
    let invite = |m: i64, i: usize, with_departments: &[&str]| {
        let mut list = vec![];
        for k in 0..3 {
            if let Some(r) = rep(i + k) {
                list.push(PartyInput {
                    resident_id: Some(r),
                    ..party("representative")
                });
            }
        }
        list.push(PartyInput {
            name: "红色物业服务中心".into(),
            ..party("property")
        });
        list.push(PartyInput {
            user_id: steward.audit_id(),
            ..party("steward")
        });
        for slug in with_departments {
            if let Some(code) = dept(slug) {
                list.push(PartyInput {
                    department_code: Some(code),
                    ..party("department")
                });
            }
        }
        (m, list)
    };
    let lock_minutes = |m: i64, text: String, at: i64| {
        let worker = &worker;
        async move {
            p.write_minutes_at(worker, m, &text, at).await?;
            p.lock_minutes_at(worker, m, at + DAY).await?;
            AppResult::Ok(())
        }
    };

    // 向阳街: the deliberation.
    let held = now - 195 * DAY;
    let m = p
        .create_meeting_at(
            &worker,
            &new_meeting(
                "deliberation",
                "向阳街停车问题民主议事会",
                "东北村社区党群服务中心议事厅",
                held,
            ),
            held - 3 * DAY,
        )
        .await?;
    let (mid, list) = invite(m.id, 0, &["jiaojing", "zhifa"]);
    for x in &list {
        p.add_party(&worker, mid, x).await?;
    }
    p.add_party(
        &worker,
        mid,
        &PartyInput {
            name: "社区法律顾问".into(),
            ..party("lawyer")
        },
    )
    .await?;
    let item = p
        .add_item_at(
            &worker,
            mid,
            &ItemInput {
                proposal_id: Some(proposal),
                ..Default::default()
            },
            held - 2 * DAY,
        )
        .await?;
    for (n, (positions, changes, open)) in dp::XIANGYANG_ROUNDS.iter().enumerate() {
        let input = RoundInput {
            positions: positions
                .iter()
                .map(|(w, x)| Position {
                    who: (*w).into(),
                    what: (*x).into(),
                })
                .collect(),
            changes: (*changes).into(),
            open_points: (*open).into(),
        };
        p.add_round_at(&worker, item.id, &input, held + n as i64 * 2 * DAY)
            .await?;
    }
    lock_minutes(
        mid,
        "经十二轮协商，各方就向阳街停车治理形成方案：业主自行拆除私装地锁43把，统一施划68个停车位，富余20个车位错时对外出租，租金纳入共享基金。方案提交全体住户表决。".into(),
        held + 24 * DAY,
    )
    .await?;
    let figure = |label: &str, value: i64, unit: &str| Figure {
        label: label.into(),
        value,
        unit: unit.into(),
    };
    let decided = vote_closed + DAY;
    let d = p
        .decide_at(
            &worker,
            &DecisionInput {
                item_id: Some(item.id),
                vote_id: Some(vote),
                title: dp::XIANGYANG_DECISION.0.into(),
                body: dp::XIANGYANG_DECISION.1.into(),
                figures: vec![
                    figure("施划停车位", 68, "个"),
                    figure("拆除私装地锁", 43, "把"),
                    figure("富余车位对外出租", 20, "个"),
                    figure("每个车位年租金", 500, "元"),
                ],
            },
            decided,
        )
        .await?;
    let tasks: [(&str, &str, Option<&str>, Option<String>, i64, &str); 4] = [
        (
            "业主自行拆除私装地锁43把",
            "community",
            None,
            None,
            14,
            "43把地锁已全部拆除",
        ),
        (
            "统一施划68个停车位",
            "property",
            Some("红色物业服务中心"),
            None,
            30,
            "68个车位施划完毕，住户车辆登记48辆",
        ),
        (
            "停车标线施划技术指导",
            "department",
            None,
            dept("jiaojing"),
            20,
            "标线经现场验收合格",
        ),
        (
            "20个富余车位错时对外出租",
            "community",
            None,
            None,
            60,
            "20个车位已签约出租，年租金1万元进入共享基金",
        ),
    ];
    for (title, kind, owner, code, days, note) in tasks {
        if kind == "department" && code.is_none() {
            continue;
        }
        let t = p
            .add_task_at(
                &worker,
                d.id,
                &TaskInput {
                    title: title.into(),
                    owner_kind: kind.into(),
                    owner_name: owner.map(str::to_string),
                    department_code: code,
                    event_id: None,
                    due_at: format_w3c(decided + days * DAY),
                },
                decided,
            )
            .await?;
        p.progress_task_at(&worker, t.id, "started", None, decided + 2 * DAY)
            .await?;
        p.progress_task_at(&worker, t.id, "half_done", None, decided + days * DAY / 2)
            .await?;
        p.progress_task_at(
            &worker,
            t.id,
            "done",
            Some(note),
            decided + days * DAY - DAY,
        )
        .await?;
    }
    let ev_held = decided + 70 * DAY;
    let ev = p
        .create_meeting_at(
            &worker,
            &new_meeting(
                "evaluation",
                "向阳街停车治理落实情况评议会",
                "东北村社区党群服务中心",
                ev_held,
            ),
            ev_held - 5 * DAY,
        )
        .await?;
    let (eid, list) = invite(ev.id, 1, &["jiaojing"]);
    for x in &list {
        p.add_party(&worker, eid, x).await?;
    }
    p.add_item_at(
        &worker,
        eid,
        &ItemInput {
            decision_id: Some(d.id),
            ..Default::default()
        },
        ev_held - 4 * DAY,
    )
    .await?;
    p.evaluate_at(
        &worker,
        d.id,
        &EvaluationInput {
            meeting_id: ev.id,
            rating: 5,
            note: Some("车位施划、地锁拆除、车位出租全部落实，居民满意。".into()),
        },
        ev_held,
    )
    .await?;
    lock_minutes(
        eid,
        "评议向阳街停车治理落实情况：四项任务全部完成，评为五星。".into(),
        ev_held + DAY,
    )
    .await?;

    // Thirty more over the year.
    let mut last_decision = None;
    for (i, (kind, title, venue, rounds, decides)) in dp::MEETINGS.iter().enumerate() {
        let held = now - (365 - i as i64 * 12) * DAY;
        let m = p
            .create_meeting_at(
                &worker,
                &new_meeting(kind, title, venue, held),
                held - 3 * DAY,
            )
            .await?;
        let (mid, list) = invite(m.id, i + 2, &[]);
        for x in &list {
            p.add_party(&worker, mid, x).await?;
        }
        let topic = title
            .trim_end_matches("协商会")
            .trim_end_matches("会")
            .to_string();
        let item = match (*kind, last_decision) {
            ("evaluation", Some(did)) => ItemInput {
                decision_id: Some(did),
                ..Default::default()
            },
            _ => ItemInput {
                title: topic.clone(),
                ..Default::default()
            },
        };
        let item = p.add_item_at(&worker, mid, &item, held - 2 * DAY).await?;
        if *kind == "evaluation" {
            if let Some(did) = last_decision {
                let input = EvaluationInput {
                    meeting_id: mid,
                    rating: 4 + (i as i64 % 2),
                    note: None,
                };
                p.evaluate_at(&worker, did, &input, held).await?;
            }
        } else {
            for n in 0..*rounds {
                let input = RoundInput {
                    positions: vec![
                        Position {
                            who: "居民代表".into(),
                            what: format!("希望尽快解决：{topic}"),
                        },
                        Position {
                            who: "物业".into(),
                            what: "可以配合，需要明确费用与分工".into(),
                        },
                    ],
                    changes: if n == 0 {
                        String::new()
                    } else {
                        "各方意见逐步接近".into()
                    },
                    open_points: if n + 1 == *rounds {
                        String::new()
                    } else {
                        "实施细则".into()
                    },
                };
                p.add_round_at(&worker, item.id, &input, held + i64::from(n) * 3 * DAY)
                    .await?;
            }
        }
        lock_minutes(
            mid,
            format!("{title}：各方充分协商，形成一致意见。"),
            held + i64::from(*rounds) * 3 * DAY,
        )
        .await?;
        if *decides && held + 40 * DAY < now {
            let at = held + i64::from(*rounds) * 3 * DAY + DAY;
            let d = p
                .decide_at(
                    &worker,
                    &DecisionInput {
                        item_id: Some(item.id),
                        vote_id: None,
                        title: format!("{topic}方案"),
                        body: format!("按协商一致的方案推进{topic}，社区牵头、物业配合。"),
                        figures: vec![],
                    },
                    at,
                )
                .await?;
            let t = p
                .add_task_at(
                    &worker,
                    d.id,
                    &TaskInput {
                        title: format!("落实{topic}"),
                        owner_kind: "community".into(),
                        due_at: format_w3c(at + 30 * DAY),
                        ..Default::default()
                    },
                    at,
                )
                .await?;
            p.progress_task_at(&worker, t.id, "started", None, at + 3 * DAY)
                .await?;
            p.progress_task_at(&worker, t.id, "done", Some("已完成"), at + 25 * DAY)
                .await?;
            last_decision = Some(d.id);
        }
    }
    Ok(())
}

/// A year of residents' small proposals in every other community of the city (issue 11 §7),
/// at about one per 150 households a year, in bulk: supports around each community's threshold,
/// most that reached it answered within the 15 days, a few late (the overdue job escalates
/// them). 东北村社区 keeps its own, written by hand (`seed_demo_proposals`).
async fn seed_city_proposals(app: &App, seed: u64) -> AppResult<()> {
    use jingzhi_domain::demo::participation as dp;
    use jingzhi_domain::participation::proposals::Threshold;
    use jingzhi_domain::registry::NodeKind;
    use jingzhi_store::participation::proposals as sp;
    let now = now_ms();
    let actor = app.system_actor().await?;
    let scope = actor.scope();
    let mut tx = app.store.begin().await?;
    let communities = sr::nodes_under(
        &mut tx,
        &scope,
        &scope.path,
        &[NodeKind::Community],
        100_000,
    )
    .await?;
    for c in communities {
        let has_own = !sp::list(&mut tx, &scope, &c.path, 1).await?.is_empty();
        if has_own {
            continue;
        }
        let households = sp::households_in(&mut tx, &c.path).await?;
        let households = u64::try_from(households).unwrap_or(0);
        let needed = Threshold::default().needed(households);
        let residents = sd::participation::residents_of(&mut tx, &c.path, 600).await?;
        let rows = dp::year_of_proposals(seed, c.id, households, needed, &residents, now);
        sd::participation::city_proposals(&mut tx, c.id, &c.path, &rows, "楼道管家").await?;
    }
    jingzhi_store::commit(tx).await?;
    Ok(())
}
