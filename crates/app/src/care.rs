//! Vulnerable people and their care, the yellow/orange/red warning and assistance cases (issue
//! 13 §1–§2; docs/care.md).
//!
//! - **Care records**: a worker opens one for a resident the register tags (elderly living
//!   alone, disabled, low-income, child in difficulty), with what the kind holds, a care plan, a
//!   responsible worker and a visit frequency. Visits are the rounds' visit logs; a record whose
//!   visit is overdue is flagged to the steward and grid worker of its building.
//! - **Who sees them**: managers of the place (community workers and up) and its grid workers.
//!   Stewards see the people they are to visit, without the sensitive detail. Every view of a
//!   record, a monitored household or a case is audited; a read refused to a role without the
//!   right is audited too. What is sensitive is sealed at rest.
//! - **The warning**: every monitored household (one with an open record) is coloured by the
//!   city's versioned rule set ([`jingzhi_domain::care::evaluate`]); every change is kept with
//!   the rule and version that caused it. A new warning opens an **assistance case** with the
//!   colour's response deadline; cases are assessed, referred to departments (each referral
//!   with its deadline and answer), given help, and closed when the risk is gone. Overdue cases
//!   and referrals escalate (the job of `jingzhi serve`, beside overdue events).

use crate::notify::{tell_users, Notice};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::care::{self as dc, CareKind, CaseState, Colour, Detail, Hardship, RuleSet};
use jingzhi_domain::rounds::DAY_MS;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit;
use jingzhi_store::care::{self as sc};
use jingzhi_store::registry as sr;
use jingzhi_store::Conn;

pub use jingzhi_store::care::{
    Candidate, Case, ColourChange, HardshipRow, Monitored, NewColour, Record, RecordFilter,
    Referral, RuleVersion, Step,
};

/// The most rows a list answers.
pub const LIST_LIMIT: i64 = 2000;

/// May read and keep care records, monitored households and cases of their scope.
pub fn reads(role: Role) -> bool {
    role.is_manager() || role == Role::GridWorker
}

#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub resident_id: i64,
    pub kind: String,
    pub detail: Detail,
    pub worker_user_id: Option<i64>,
    /// Days between visits; the kind's default when absent.
    pub visit_every_days: Option<i64>,
}

/// A monitored household as its page shows it: facts, records, hardships, colour history, case.
#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub household: Monitored,
    pub records: Vec<Record>,
    pub hardships: Vec<HardshipRow>,
    pub history: Vec<ColourChange>,
    pub case: Option<Case>,
}

/// A case with what it holds.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    /// Staff of the place (not a department answering a referral).
    pub staff: bool,
    pub assessment: Option<String>,
    pub closing: Option<String>,
    pub steps: Vec<Step>,
    pub referrals: Vec<Referral>,
}

/// The rule set in force.
#[derive(Debug, Clone)]
pub struct Rules {
    /// 0: the platform's defaults (no version saved yet).
    pub version: i64,
    pub rules: RuleSet,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
}

/// What a recompute changed.
#[derive(Debug, Clone, Default)]
pub struct Recompute {
    pub version: i64,
    pub households: usize,
    pub changes: Vec<NewColour>,
    pub cases_opened: usize,
    pub millis: u128,
}

/// One place's line in the overview (the city view: warnings by colour, coverage).
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub node_id: i64,
    pub name: String,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
    pub monitored: i64,
    pub records: i64,
    pub overdue_visits: i64,
    pub open_cases: i64,
    pub overdue_cases: i64,
}

impl Line {
    /// Share of open records whose visit is not overdue, in percent (None without records).
    pub fn coverage(&self) -> Option<f64> {
        (self.records > 0)
            .then(|| 100.0 * (self.records - self.overdue_visits) as f64 / self.records as f64)
    }
}

pub struct Care<'a> {
    app: &'a App,
}

impl App {
    pub fn care(&self) -> Care<'_> {
        Care { app: self }
    }
}

/// The staff of a department whose scope holds `path` (a department answers for its own area).
async fn staff_over(tx: &mut Conn, code: &str, path: &str) -> AppResult<Vec<i64>> {
    Ok(
        jingzhi_store::departments::staff(tx, std::slice::from_ref(&code.to_string()))
            .await?
            .into_iter()
            .filter(|(_, s)| path.starts_with(&s.scope_path))
            .map(|(_, s)| s.user_id)
            .collect(),
    )
}

fn text(field: &'static str, what: &str, s: &str, max: usize) -> AppResult<String> {
    crate::participation::text(field, what, s, max)
}

impl Care<'_> {
    /// Refuse a read of sensitive data, and keep that it was tried.
    async fn refuse(&self, actor: &Actor, entity: &'static str, id: Option<i64>) -> AppError {
        let entry = actor.audit(
            Action::Refused,
            entity,
            id,
            &actor.user.scope_path,
            format!("{}无权查看关爱信息，已拒绝", actor.user.role.label_zh()),
        );
        match self.app.store.begin().await {
            Ok(mut tx) => {
                if audit::record(&mut tx, entry).await.is_ok() {
                    let _ = jingzhi_store::commit(tx).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "could not audit a refused read"),
        }
        AppError::Forbidden
    }

    /// Go on only for a role that reads care ([`reads`]); refuse anyone else, audited.
    pub(crate) async fn must_read(
        &self,
        actor: &Actor,
        entity: &'static str,
        id: Option<i64>,
    ) -> AppResult<()> {
        if reads(actor.user.role) {
            Ok(())
        } else {
            Err(self.refuse(actor, entity, id).await)
        }
    }

    async fn viewed(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        entity: &'static str,
        id: Option<i64>,
        path: &str,
        summary: String,
    ) -> AppResult<()> {
        audit::record(conn, actor.audit(Action::View, entity, id, path, summary)).await?;
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Care records

    /// Records of the caller's scope (audited as one view of the list).
    pub async fn records(&self, actor: &Actor, filter: &RecordFilter) -> AppResult<Vec<Record>> {
        self.must_read(actor, "care_record", None).await?;
        let mut conn = self.app.store.acquire().await?;
        let rows = sc::records(&mut conn, &actor.scope(), filter, LIST_LIMIT).await?;
        self.viewed(
            &mut conn,
            actor,
            "care_record",
            None,
            &actor.user.scope_path,
            format!("查看关爱对象名单（{}条）", rows.len()),
        )
        .await?;
        Ok(rows)
    }

    /// One record with its sealed detail opened (audited).
    pub async fn record(&self, actor: &Actor, id: i64) -> AppResult<(Record, Detail)> {
        self.must_read(actor, "care_record", Some(id)).await?;
        let mut conn = self.app.store.acquire().await?;
        let r = sc::get_record(&mut conn, &actor.scope(), id).await?;
        let d = sc::record_detail(&mut conn, &self.app.store.cipher, id).await?;
        self.viewed(
            &mut conn,
            actor,
            "care_record",
            Some(id),
            &r.path,
            format!("查看关爱档案：{}（{}）", r.resident_name, r.kind.label_zh()),
        )
        .await?;
        Ok((r, d))
    }

    /// The people a steward or grid worker is to visit: the open records of their post's
    /// buildings, and those they are the responsible worker of; the most overdue first.
    pub async fn my_visits(&self, actor: &Actor) -> AppResult<Vec<Record>> {
        if !(reads(actor.user.role) || actor.user.role == Role::Steward) {
            return Err(self.refuse(actor, "care_record", None).await);
        }
        let mut conn = self.app.store.acquire().await?;
        let mut rows = sc::records_of_post(&mut conn, actor.id(), LIST_LIMIT).await?;
        if reads(actor.user.role) {
            let own = sc::records(
                &mut conn,
                &actor.scope(),
                &RecordFilter {
                    worker_user_id: Some(actor.id()),
                    ..Default::default()
                },
                LIST_LIMIT,
            )
            .await?;
            for r in own {
                if !rows.iter().any(|x| x.id == r.id) {
                    rows.push(r);
                }
            }
            rows.sort_by_key(|r| (r.visit_due(), r.id));
        }
        self.viewed(
            &mut conn,
            actor,
            "care_record",
            None,
            &actor.user.scope_path,
            format!("查看我的走访对象（{}条）", rows.len()),
        )
        .await?;
        Ok(rows)
    }

    /// Residents of the scope the register tags for care, with the kinds they have no record of.
    pub async fn candidates(&self, actor: &Actor) -> AppResult<Vec<Candidate>> {
        self.must_read(actor, "care_record", None).await?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sc::candidates(&mut conn, &actor.scope(), 500).await?)
    }

    /// Users of a place who may be a record's responsible worker (the picker): community and
    /// grid workers and stewards whose scope holds the place.
    pub async fn workers(&self, actor: &Actor) -> AppResult<Vec<jingzhi_store::auth::User>> {
        self.must_read(actor, "care_record", None).await?;
        let mut conn = self.app.store.acquire().await?;
        let users = jingzhi_store::auth::list_users(&mut conn, &actor.scope(), 500, 0).await?;
        Ok(users
            .into_iter()
            .filter(|u| {
                !u.disabled
                    && matches!(
                        u.role,
                        Role::CommunityWorker | Role::GridWorker | Role::Steward
                    )
            })
            .collect())
    }

    async fn check_worker(&self, conn: &mut Conn, actor: &Actor, w: Option<i64>) -> AppResult<()> {
        if let Some(w) = w {
            let u = jingzhi_store::auth::get_user_in_scope(conn, &actor.scope(), w)
                .await
                .map_err(|_| AppError::invalid("worker_user_id", "请选择您辖区内的工作人员"))?;
            if u.disabled
                || !matches!(
                    u.role,
                    Role::CommunityWorker | Role::GridWorker | Role::Steward
                )
            {
                return Err(AppError::invalid(
                    "worker_user_id",
                    "责任人应为社区工作者、网格员或小巷管家",
                ));
            }
        }
        Ok(())
    }

    /// Open a care record for a resident of the scope.
    pub async fn open_record(&self, actor: &Actor, input: &RecordInput) -> AppResult<Record> {
        self.must_read(actor, "care_record", None).await?;
        let kind = CareKind::parse(&input.kind).ok_or_else(|| {
            AppError::invalid("kind", "类别应为 elderly、disabled、child 或 low_income")
        })?;
        dc::check_detail(kind, &input.detail)?;
        let every = match input.visit_every_days {
            Some(d) => dc::check_frequency(d)?,
            None => dc::default_frequency(kind, &input.detail),
        };
        let mut tx = self.app.store.begin().await?;
        let resident = sr::get_resident(&mut tx, &actor.scope(), input.resident_id)
            .await
            .map_err(|_| AppError::invalid("resident_id", "请选择您辖区内的居民"))?;
        self.check_worker(&mut tx, actor, input.worker_user_id)
            .await?;
        let now = now_ms();
        let id = sc::insert_record(
            &mut tx,
            &self.app.store.cipher,
            &sc::NewRecord {
                resident_id: resident.id,
                household_id: resident.household_id,
                path: &resident.path,
                kind,
                detail: &input.detail,
                worker_user_id: input.worker_user_id,
                visit_every_days: every,
                by: actor.name(),
                now,
            },
        )
        .await
        .map_err(|e| match e {
            jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                field: "kind".into(),
                reason: "该居民已有此类关爱档案".into(),
            },
            e => e.into(),
        })?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"kind": kind.as_str(),
                    "visit_every_days": every, "worker_user_id": input.worker_user_id})),
                ..actor.audit(
                    Action::Create,
                    "care_record",
                    Some(id),
                    &resident.path,
                    format!("建立关爱档案：{}（{}）", resident.name, kind.label_zh()),
                )
            },
        )
        .await?;
        let r = sc::get_record(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_household(actor, r.household_id).await?;
        Ok(r)
    }

    /// Change a record's detail, plan, worker or frequency.
    pub async fn update_record(
        &self,
        actor: &Actor,
        id: i64,
        detail: &Detail,
        worker_user_id: Option<i64>,
        visit_every_days: i64,
    ) -> AppResult<Record> {
        self.must_read(actor, "care_record", Some(id)).await?;
        let every = dc::check_frequency(visit_every_days)?;
        let mut tx = self.app.store.begin().await?;
        let r = sc::get_record(&mut tx, &actor.scope(), id).await?;
        if r.closed_at.is_some() {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "档案已结束".into(),
            });
        }
        dc::check_detail(r.kind, detail)?;
        self.check_worker(&mut tx, actor, worker_user_id).await?;
        let now = now_ms();
        sc::update_record(
            &mut tx,
            &self.app.store.cipher,
            id,
            detail,
            worker_user_id,
            every,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"visit_every_days": r.visit_every_days,
                    "worker_user_id": r.worker_user_id})),
                after: Some(serde_json::json!({"visit_every_days": every,
                    "worker_user_id": worker_user_id})),
                ..actor.audit(
                    Action::Update,
                    "care_record",
                    Some(id),
                    &r.path,
                    format!("修改关爱档案：{}（{}）", r.resident_name, r.kind.label_zh()),
                )
            },
        )
        .await?;
        let r = sc::get_record(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_household(actor, r.household_id).await?;
        Ok(r)
    }

    /// End a record (the person moved away, the need is gone).
    pub async fn close_record(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Record> {
        self.must_read(actor, "care_record", Some(id)).await?;
        let reason = text("reason", "结束原因", reason, 200)?;
        let mut tx = self.app.store.begin().await?;
        let r = sc::get_record(&mut tx, &actor.scope(), id).await?;
        let now = now_ms();
        if !sc::close_record(&mut tx, id, now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "档案已结束".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(&reason),
                ..actor.audit(
                    Action::Update,
                    "care_record",
                    Some(id),
                    &r.path,
                    format!("结束关爱档案：{}（{}）", r.resident_name, r.kind.label_zh()),
                )
            },
        )
        .await?;
        let r = sc::get_record(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_household(actor, r.household_id).await?;
        Ok(r)
    }

    // ---------------------------------------------------------------------------------------
    // Monitored households

    /// A monitored household of the scope with everything its page shows (audited).
    pub async fn household(&self, actor: &Actor, household_id: i64) -> AppResult<HouseholdView> {
        self.must_read(actor, "care_household", Some(household_id))
            .await?;
        let cipher = &self.app.store.cipher;
        let mut conn = self.app.store.acquire().await?;
        let household = sc::monitored(&mut conn, cipher, &actor.scope(), household_id).await?;
        let records = sc::records(
            &mut conn,
            &actor.scope(),
            &RecordFilter {
                household_id: Some(household_id),
                include_closed: true,
                ..Default::default()
            },
            100,
        )
        .await?;
        let hardships = sc::hardships(&mut conn, cipher, household_id).await?;
        let history = sc::colour_history(&mut conn, household_id).await?;
        let case = match household.case_id {
            Some(c) => Some(sc::get_case(&mut conn, &actor.scope(), c).await?),
            None => None,
        };
        self.viewed(
            &mut conn,
            actor,
            "care_household",
            Some(household_id),
            &household.path,
            format!("查看监测户：{}", household.address),
        )
        .await?;
        Ok(HouseholdView {
            household,
            records,
            hardships,
            history,
            case,
        })
    }

    /// Record a household's income per head (None: unknown) and months of arrears; its colour
    /// is recomputed at once.
    pub async fn set_facts(
        &self,
        actor: &Actor,
        household_id: i64,
        income_per_head: Option<i64>,
        arrears_months: i64,
    ) -> AppResult<Option<NewColour>> {
        self.must_read(actor, "care_household", Some(household_id))
            .await?;
        let income = income_per_head.map(dc::check_income).transpose()?;
        let arrears = dc::check_arrears(arrears_months)?;
        let mut tx = self.app.store.begin().await?;
        let h = sc::monitored(
            &mut tx,
            &self.app.store.cipher,
            &actor.scope(),
            household_id,
        )
        .await?;
        let now = now_ms();
        sc::set_facts(
            &mut tx,
            &self.app.store.cipher,
            household_id,
            income,
            arrears,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "care_household",
                Some(household_id),
                &h.path,
                format!("更新监测户收入与欠费：{}", h.address),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_household(actor, household_id).await
    }

    /// Record a sudden event on a monitored household; its colour is recomputed at once.
    pub async fn add_hardship(
        &self,
        actor: &Actor,
        household_id: i64,
        kind: &str,
        happened_on: &str,
        note: &str,
    ) -> AppResult<Option<NewColour>> {
        self.must_read(actor, "care_household", Some(household_id))
            .await?;
        let kind = Hardship::parse(kind).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "变故类型应为 serious_illness、job_loss、disaster、death 或 accident",
            )
        })?;
        let now = now_ms();
        let at = dc::check_happened(happened_on, now)?;
        let note = note.trim().to_string();
        jingzhi_domain::check_max_chars("note", "情况说明", &note, 500)?;
        let mut tx = self.app.store.begin().await?;
        let h = sc::monitored(
            &mut tx,
            &self.app.store.cipher,
            &actor.scope(),
            household_id,
        )
        .await?;
        let id = sc::insert_hardship(
            &mut tx,
            &self.app.store.cipher,
            household_id,
            &h.path,
            kind,
            &note,
            at,
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "care_hardship",
                Some(id),
                &h.path,
                format!("登记家庭突发变故（{}）：{}", kind.label_zh(), h.address),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_household(actor, household_id).await
    }

    // ---------------------------------------------------------------------------------------
    // Rules and the recompute

    /// The rule set in force (the defaults, version 0, until the city saves one).
    pub async fn rules(&self, actor: &Actor) -> AppResult<Rules> {
        self.must_read(actor, "care_rules", None).await?;
        let mut conn = self.app.store.acquire().await?;
        self.rules_in(&mut conn).await
    }

    async fn rules_in(&self, conn: &mut Conn) -> AppResult<Rules> {
        Ok(match sc::current_rules(conn).await? {
            Some(v) => Rules {
                version: v.version,
                rules: v.rules,
                note: v.note,
                created_by_name: v.created_by_name,
                created_at: v.created_at,
            },
            None => Rules {
                version: 0,
                rules: dc::default_rules(),
                note: "平台默认规则（非官方标准，请按本地政策调整后另存新版本）".into(),
                created_by_name: "平台".into(),
                created_at: 0,
            },
        })
    }

    pub async fn rule_versions(&self, actor: &Actor) -> AppResult<Vec<RuleVersion>> {
        self.must_read(actor, "care_rules", None).await?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sc::rule_versions(&mut conn).await?)
    }

    /// Save a new version of the rules (city administrators) and recompute every monitored
    /// household of the city with it.
    pub async fn save_rules(
        &self,
        actor: &Actor,
        rules: &RuleSet,
        note: &str,
    ) -> AppResult<Recompute> {
        if actor.user.role != Role::CityAdmin {
            return Err(AppError::Forbidden);
        }
        dc::check_rules(rules)?;
        let note = text("note", "修订说明", note, 200)?;
        let mut tx = self.app.store.begin().await?;
        let now = now_ms();
        let version = sc::insert_rules(&mut tx, rules, &note, actor.name(), now).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::to_value(rules).unwrap_or_default()),
                ..actor.audit(
                    Action::Create,
                    "care_rules",
                    Some(version),
                    &actor.user.scope_path,
                    format!("发布预警规则第{version}版：{note}"),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.recompute_at(actor, &actor.user.scope_path.clone(), now)
            .await
    }

    /// Recompute every monitored household of the caller's scope (managers).
    pub async fn recompute(&self, actor: &Actor) -> AppResult<Recompute> {
        if !actor.user.role.is_manager() {
            return Err(AppError::Forbidden);
        }
        self.recompute_at(actor, &actor.user.scope_path.clone(), now_ms())
            .await
    }

    async fn recompute_household(
        &self,
        actor: &Actor,
        household_id: i64,
    ) -> AppResult<Option<NewColour>> {
        let mut conn = self.app.store.acquire().await?;
        let path = sc::monitored_path(&mut conn, household_id).await?;
        drop(conn);
        let Some(path) = path else { return Ok(None) };
        let r = self
            .recompute_in(actor, &path, Some(household_id), now_ms())
            .await?;
        Ok(r.changes.into_iter().next())
    }

    /// Recompute the households inside `path` at `now`: write the colours that changed (and
    /// their history), open a case for each new warning and raise those that worsened.
    pub async fn recompute_at(&self, actor: &Actor, path: &str, now: i64) -> AppResult<Recompute> {
        self.recompute_in(actor, path, None, now).await
    }

    async fn recompute_in(
        &self,
        actor: &Actor,
        path: &str,
        only: Option<i64>,
        now: i64,
    ) -> AppResult<Recompute> {
        let started = std::time::Instant::now();
        let mut tx = self.app.store.begin().await?;
        let rules = self.rules_in(&mut tx).await?;
        let w = rules.rules.windows();
        let mut watched = sc::watched(
            &mut tx,
            &self.app.store.cipher,
            path,
            w.hardships.map(|d| now - d * DAY_MS),
            w.findings.map(|d| now - d * DAY_MS),
            w.due_before(now),
        )
        .await?;
        if let Some(h) = only {
            watched.retain(|w| w.household_id == h);
        }
        // Evaluate every household; read the paths of those that change only.
        let mut changed = Vec::new();
        for w in &watched {
            let hit = dc::evaluate(&rules.rules, &w.facts, now);
            let colour = hit.map(|r| r.colour);
            if colour != w.colour {
                changed.push((w, hit));
            } else if let Some(r) = hit {
                if w.rule_id.as_deref() != Some(r.id.as_str()) {
                    sc::set_rule(&mut tx, w.household_id, &r.id, rules.version).await?;
                }
            }
        }
        let ids: Vec<i64> = changed.iter().map(|(w, _)| w.household_id).collect();
        let paths = sc::paths_of(&mut tx, &ids).await?;
        let mut changes = Vec::with_capacity(changed.len());
        let mut raised = Vec::new();
        for (w, hit) in changed {
            let path = paths.get(&w.household_id).cloned().unwrap_or_default();
            let colour = hit.map(|r| r.colour);
            if let Some(c) = colour {
                raised.push((w.household_id, path.clone(), c, w.case_id));
            }
            changes.push(NewColour {
                household_id: w.household_id,
                path,
                colour,
                previous: w.colour,
                rule_id: hit.map(|r| r.id.clone()),
                rule_label: hit.map(|r| r.label.clone()),
            });
        }
        sc::write_colours(&mut tx, &changes, rules.version, now).await?;
        let mut opened = 0;
        for colour in Colour::ALL {
            let ids: Vec<i64> = raised
                .iter()
                .filter(|r| r.2 == *colour)
                .filter_map(|r| r.3)
                .collect();
            let due = now + rules.rules.deadlines.of(*colour);
            sc::raise_cases(&mut tx, &ids, *colour, due).await?;
        }
        for (household_id, hpath, colour, case_id) in raised {
            let due = now + rules.rules.deadlines.of(colour);
            match case_id {
                Some(_) => {}
                None => {
                    let id = sc::open_case(&mut tx, household_id, &hpath, colour, now, due).await?;
                    opened += 1;
                    let workers = sc::workers_of_household(&mut tx, household_id).await?;
                    let n = Notice {
                        command: "care_case",
                        status: colour.as_str(),
                        title: &format!("{}预警：请在时限内响应", colour.label_zh()),
                        body: "您负责的关爱对象家庭触发预警，已建立救助台账，请尽快入户评估。",
                        link: &format!("/care/cases/{id}"),
                    };
                    tell_users(&mut tx, &workers, &hpath, &n, now).await?;
                }
            }
        }
        // The job's hourly runs are kept only when they change something.
        if !changes.is_empty() || (only.is_none() && actor.user.id != 0) {
            audit::record(
                &mut tx,
                audit::Entry {
                    after: Some(serde_json::json!({"version": rules.version,
                        "households": watched.len(), "changed": changes.len(),
                        "cases_opened": opened})),
                    ..actor.audit(
                        Action::Update,
                        "care_warning",
                        only,
                        path,
                        format!(
                            "按第{}版规则重新计算预警：{}户，变化{}户，新建救助台账{}件",
                            rules.version,
                            watched.len(),
                            changes.len(),
                            opened
                        ),
                    )
                },
            )
            .await?;
        }
        jingzhi_store::commit(tx).await?;
        Ok(Recompute {
            version: rules.version,
            households: watched.len(),
            changes,
            cases_opened: opened,
            millis: started.elapsed().as_millis(),
        })
    }

    // ---------------------------------------------------------------------------------------
    // Assistance cases

    /// Cases of the scope (audited as one view of the list).
    pub async fn cases(
        &self,
        actor: &Actor,
        state: CaseState,
        colour: Option<Colour>,
    ) -> AppResult<Vec<Case>> {
        self.must_read(actor, "care_case", None).await?;
        let mut conn = self.app.store.acquire().await?;
        let rows = sc::cases(&mut conn, &actor.scope(), state, colour, LIST_LIMIT).await?;
        self.viewed(
            &mut conn,
            actor,
            "care_case",
            None,
            &actor.user.scope_path,
            format!("查看救助台账（{}件）", rows.len()),
        )
        .await?;
        Ok(rows)
    }

    /// A case: staff of its place see everything; a department sees it through a referral sent
    /// to it (its own referrals, no assessment or help given). Audited.
    pub async fn case(&self, actor: &Actor, id: i64) -> AppResult<CaseView> {
        let cipher = &self.app.store.cipher;
        let mut conn = self.app.store.acquire().await?;
        let view = if reads(actor.user.role) {
            let case = sc::get_case(&mut conn, &actor.scope(), id).await?;
            let (assessment, closing) = sc::case_assessment(&mut conn, cipher, id).await?;
            CaseView {
                staff: true,
                assessment,
                closing,
                steps: sc::steps(&mut conn, cipher, id).await?,
                referrals: sc::referrals(&mut conn, id).await?,
                case,
            }
        } else if let (Role::DepartmentStaff, Some(code)) =
            (actor.user.role, actor.user.department.as_deref())
        {
            let referrals: Vec<Referral> = sc::referrals(&mut conn, id)
                .await?
                .into_iter()
                .filter(|r| r.department == code)
                .collect();
            if referrals.is_empty() {
                return Err(AppError::NotFound);
            }
            let mut case = sc::get_case(&mut conn, &actor.scope(), id).await?;
            case.head_name = case
                .head_name
                .map(|n| jingzhi_domain::registry::mask_name(&n));
            CaseView {
                case,
                staff: false,
                assessment: None,
                closing: None,
                steps: Vec::new(),
                referrals,
            }
        } else {
            return Err(self.refuse(actor, "care_case", Some(id)).await);
        };
        self.viewed(
            &mut conn,
            actor,
            "care_case",
            Some(id),
            &view.case.path,
            format!("查看救助台账：{}", view.case.address),
        )
        .await?;
        Ok(view)
    }

    async fn open_case_in(&self, tx: &mut Conn, actor: &Actor, id: i64) -> AppResult<Case> {
        if !reads(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let c = sc::get_case(tx, &actor.scope(), id).await?;
        if c.state == CaseState::Closed {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "救助台账已销号".into(),
            });
        }
        Ok(c)
    }

    /// Record the assessment (入户评估): the case is answered within its deadline.
    pub async fn assess(&self, actor: &Actor, id: i64, assessment: &str) -> AppResult<CaseView> {
        let t = text("assessment", "评估情况", assessment, 1000)?;
        let mut tx = self.app.store.begin().await?;
        let c = self.open_case_in(&mut tx, actor, id).await?;
        let now = now_ms();
        sc::assess(&mut tx, &self.app.store.cipher, id, &t, actor.name(), now).await?;
        sc::add_step(
            &mut tx,
            &self.app.store.cipher,
            id,
            "assessment",
            &t,
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "care_case",
                Some(id),
                &c.path,
                format!("救助台账入户评估：{}", c.address),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.case(actor, id).await
    }

    /// Record help given (a step of the chain).
    pub async fn add_help(&self, actor: &Actor, id: i64, help: &str) -> AppResult<CaseView> {
        let t = text("help", "帮扶措施", help, 500)?;
        let mut tx = self.app.store.begin().await?;
        let c = self.open_case_in(&mut tx, actor, id).await?;
        sc::add_step(
            &mut tx,
            &self.app.store.cipher,
            id,
            "help",
            &t,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "care_case",
                Some(id),
                &c.path,
                format!("救助台账记录帮扶：{}", c.address),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.case(actor, id).await
    }

    /// Refer a case to a department of the registry, with a deadline; its staff are told.
    pub async fn refer(
        &self,
        actor: &Actor,
        id: i64,
        department: &str,
        request: &str,
        days: i64,
    ) -> AppResult<CaseView> {
        let request = text("request", "转介事项", request, 500)?;
        let days = dc::check_referral_days(days)?;
        let mut tx = self.app.store.begin().await?;
        let c = self.open_case_in(&mut tx, actor, id).await?;
        let dept = jingzhi_store::departments::get_by_code(&mut tx, department.trim())
            .await
            .map_err(|_| AppError::invalid("department", "请从部门名录中选择部门"))?;
        let now = now_ms();
        let rid = sc::insert_referral(
            &mut tx,
            id,
            &c.path,
            &dept.code,
            &request,
            now + days * DAY_MS,
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "care_referral",
                Some(rid),
                &c.path,
                format!("救助台账转介{}：{}", dept.name, c.address),
            ),
        )
        .await?;
        let staff = staff_over(&mut tx, &dept.code, &c.path).await?;
        let n = Notice {
            command: "care_referral",
            status: "",
            title: &format!("救助转介：请在{days}天内答复"),
            body: &request,
            link: &format!("/care/cases/{id}"),
        };
        tell_users(&mut tx, &staff, &c.path, &n, now).await?;
        jingzhi_store::commit(tx).await?;
        self.case(actor, id).await
    }

    /// A department answers a referral sent to it (its staff only).
    pub async fn answer(
        &self,
        actor: &Actor,
        referral_id: i64,
        answer: &str,
    ) -> AppResult<Referral> {
        let answer = text("answer", "答复", answer, 500)?;
        let mut tx = self.app.store.begin().await?;
        let r = sc::get_referral(&mut tx, referral_id).await?;
        let mine = actor.user.role == Role::DepartmentStaff
            && actor.user.department.as_deref() == Some(r.department.as_str())
            && r.path.starts_with(&actor.user.scope_path);
        if !mine {
            // Only a department answers; another department does not see the referral at all.
            return Err(if actor.user.role == Role::DepartmentStaff {
                AppError::NotFound
            } else {
                AppError::Forbidden
            });
        }
        if !sc::answer_referral(&mut tx, referral_id, &answer, actor.name(), now_ms()).await? {
            return Err(AppError::Conflict {
                field: "answer".into(),
                reason: "该转介已答复".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "care_referral",
                Some(referral_id),
                &r.path,
                format!("答复救助转介#{referral_id}"),
            ),
        )
        .await?;
        let r = sc::get_referral(&mut tx, referral_id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    /// Referrals sent to the caller's department.
    pub async fn my_referrals(&self, actor: &Actor) -> AppResult<Vec<Referral>> {
        let code = match (actor.user.role, actor.user.department.as_deref()) {
            (Role::DepartmentStaff, Some(c)) => c.to_string(),
            _ => return Err(AppError::Forbidden),
        };
        let mut conn = self.app.store.acquire().await?;
        Ok(sc::referrals_of_department(&mut conn, &code, &actor.scope(), LIST_LIMIT).await?)
    }

    /// Close a case when the risk is gone (the household's colour lifted).
    pub async fn close_case(&self, actor: &Actor, id: i64, summary: &str) -> AppResult<CaseView> {
        let t = text("summary", "销号说明", summary, 500)?;
        let mut tx = self.app.store.begin().await?;
        let c = self.open_case_in(&mut tx, actor, id).await?;
        if let Some(colour) = c.current {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: format!("该户仍为{}预警，风险解除后才能销号", colour.label_zh()),
            });
        }
        let now = now_ms();
        if !sc::close_case(&mut tx, &self.app.store.cipher, id, &t, actor.name(), now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "救助台账已销号".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "care_case",
                Some(id),
                &c.path,
                format!("救助台账销号：{}", c.address),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.case(actor, id).await
    }

    // ---------------------------------------------------------------------------------------
    // Overview and the job

    /// The caller's scope and each place directly under it: warnings by colour, monitored
    /// households, records and overdue visits, open and overdue cases.
    pub async fn overview(&self, actor: &Actor) -> AppResult<(Line, Vec<Line>)> {
        self.must_read(actor, "care_warning", None).await?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let now = now_ms();
        let me = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let total = line(&mut conn, me.id, &me.name, &me.path, now).await?;
        let mut children = Vec::new();
        for n in sr::children(&mut conn, &scope, me.id).await? {
            if n.kind != jingzhi_domain::registry::NodeKind::Building {
                let l = line(&mut conn, n.id, &n.name, &n.path, now).await?;
                // Places where nobody is monitored are left out (a district's dozens of quiet
                // grids would bury the few that need attention).
                if l.monitored > 0 || l.records > 0 {
                    children.push(l);
                }
            }
        }
        Ok((total, children))
    }

    /// Escalate what is overdue (the job of `jingzhi serve`): cases past their response deadline
    /// without an assessment go to the managers of the place; referrals past theirs to the
    /// department's staff and the case's managers; records whose visit is overdue to their
    /// building's steward and grid worker. Returns how many were escalated.
    pub async fn escalate_due_at(&self, now: i64) -> AppResult<u64> {
        let mut tx = self.app.store.begin().await?;
        let mut n = 0;
        for c in sc::escalate_cases(&mut tx, now, 500).await? {
            let managers = jingzhi_store::emergency::managers_of(&mut tx, &c.path).await?;
            let notice = Notice {
                command: "care_case",
                status: "overdue",
                title: &format!("{}预警超时未响应", c.colour.label_zh()),
                body: &format!("{}：救助台账超过响应时限仍未入户评估。", c.address),
                link: &format!("/care/cases/{}", c.id),
            };
            tell_users(&mut tx, &managers, &c.path, &notice, now).await?;
            n += 1;
        }
        for r in sc::escalate_referrals(&mut tx, now, 500).await? {
            let mut users = staff_over(&mut tx, &r.department, &r.path).await?;
            users.extend(jingzhi_store::emergency::managers_of(&mut tx, &r.path).await?);
            let notice = Notice {
                command: "care_referral",
                status: "overdue",
                title: "救助转介超时未答复",
                body: &format!(
                    "转介{}的事项已超过办理时限：{}",
                    r.department_name.as_deref().unwrap_or(&r.department),
                    r.request
                ),
                link: &format!("/care/cases/{}", r.case_id),
            };
            tell_users(&mut tx, &users, &r.path, &notice, now).await?;
            n += 1;
        }
        for (r, users) in sc::overdue_untold(&mut tx, now, 2000).await? {
            let notice = Notice {
                command: "care_visit",
                status: "overdue",
                title: "关爱走访逾期",
                body: &format!(
                    "{}（{}）已超过{}天未走访，请尽快上门。",
                    jingzhi_domain::registry::mask_name(&r.resident_name),
                    r.kind.label_zh(),
                    r.visit_every_days
                ),
                link: "/care/visits",
            };
            tell_users(&mut tx, &users, &r.path, &notice, now).await?;
            n += 1;
        }
        jingzhi_store::commit(tx).await?;
        Ok(n)
    }
}

async fn line(conn: &mut Conn, node_id: i64, name: &str, path: &str, now: i64) -> AppResult<Line> {
    let [yellow, orange, red, monitored] = sc::colour_counts(conn, path).await?;
    let (records, overdue_visits) = sc::visit_counts(conn, path, now).await?;
    let (open_cases, overdue_cases) = sc::case_counts(conn, path, now).await?;
    Ok(Line {
        node_id,
        name: name.to_string(),
        yellow,
        orange,
        red,
        monitored,
        records,
        overdue_visits,
        open_cases,
        overdue_cases,
    })
}
