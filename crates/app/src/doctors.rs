//! Family-doctor contracts (家庭医生签约, issue 13 §3; docs/doctors.md).
//!
//! - **Teams**: managers register the family-doctor teams that serve a street or community in
//!   their scope (name, institution, lead doctor); workers pick one when signing.
//! - **Contracts**: the managers and grid workers of a place (those who read care,
//!   [`crate::care::reads`]) sign a resident of their scope with a team serving the resident's
//!   place, for the key groups ticked (suggested from the register); one live contract per
//!   resident (a second is 409, unless the live one ends within 30 days: then it is renewed).
//!   The groups are health data, sealed at rest; reading them (a list or one contract) is
//!   audited as a view, and a refused read is audited too.
//! - **The signing rate** of a place: its key-group residents (the register's
//!   `family_doctor_key` count) with a live contract, against the 90% target; the caller's place
//!   and each place under it. Auditors read these numbers (no names).
//! - **Work lists**: key-group residents without a live contract (to go down and sign), and
//!   contracts ending within 30 days (to renew).

use crate::care::reads;
use crate::participation::text;
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::doctors::{self as dd, KeyGroup, DAY_MS, RENEW_DAYS};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::doctors::{self as sd, Which};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};

pub use jingzhi_store::doctors::{Contract, Team, Unsigned};

/// The most rows a list answers at a time.
pub const LIST_LIMIT: i64 = 200;

/// May read the signing rate of their scope (no names): the readers and auditors.
pub fn reads_numbers(role: Role) -> bool {
    reads(role) || role == Role::Auditor
}

/// May register teams: managers.
pub fn manages_teams(role: Role) -> bool {
    role.is_manager()
}

#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    /// A street or community in the caller's scope.
    pub node_id: i64,
    pub name: String,
    pub institution: String,
    pub lead_doctor: String,
    /// Blank: the place's code and a number.
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SignInput {
    pub resident_id: i64,
    pub team_id: i64,
    /// [`KeyGroup`] codes.
    pub groups: Vec<String>,
    /// `YYYY-MM-DD`; today when absent.
    pub signed_on: Option<String>,
}

/// The signing rate of one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub node_id: i64,
    pub name: String,
    /// Key-group residents (the register's tag).
    pub key: i64,
    /// Of them, with a live contract.
    pub signed: i64,
}

impl Coverage {
    /// Whole percent, rounded down; `None` without key-group residents.
    pub fn rate(&self) -> Option<i64> {
        dd::rate(self.signed, self.key)
    }

    pub fn meets_target(&self) -> bool {
        dd::meets_target(self.signed, self.key)
    }
}

/// What the signing form needs: the resident, the groups the register suggests, the teams that
/// serve the resident's place, and the live contract if there is one.
#[derive(Debug, Clone)]
pub struct SignForm {
    pub resident: sr::Resident,
    pub age: i32,
    pub suggested: Vec<KeyGroup>,
    pub teams: Vec<Team>,
    pub live: Option<(i64, i64)>,
}

pub struct Doctors<'a> {
    app: &'a App,
}

impl App {
    pub fn doctors(&self) -> Doctors<'_> {
        Doctors { app: self }
    }
}

fn age_of(r: &sr::Resident) -> i32 {
    jingzhi_domain::time_fmt::parse_date(&r.birth_date)
        .map(|b| jingzhi_domain::time_fmt::age_on(b, jingzhi_domain::time_fmt::today()))
        .unwrap_or(-1)
}

impl Doctors<'_> {
    /// Refuse, and keep that it was tried (a refused read of health data is worth knowing).
    async fn refuse(&self, actor: &Actor, entity: &'static str, id: Option<i64>) -> AppError {
        let entry = actor.audit(
            Action::Refused,
            entity,
            id,
            &actor.user.scope_path,
            format!(
                "{}无权查看或办理家庭医生签约，已拒绝",
                actor.user.role.label_zh()
            ),
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

    async fn must(
        &self,
        ok: bool,
        actor: &Actor,
        entity: &'static str,
        id: Option<i64>,
    ) -> AppResult<()> {
        if ok {
            Ok(())
        } else {
            Err(self.refuse(actor, entity, id).await)
        }
    }

    async fn viewed(
        conn: &mut Conn,
        actor: &Actor,
        id: Option<i64>,
        path: &str,
        summary: String,
    ) -> AppResult<()> {
        audit::record(
            conn,
            actor.audit(Action::View, "doctor_contract", id, path, summary),
        )
        .await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Teams

    /// The teams the caller may pick: in their scope or above it (a street's team serves its
    /// communities). Readers and auditors.
    pub async fn teams(&self, actor: &Actor) -> AppResult<Vec<Team>> {
        self.must(reads_numbers(actor.user.role), actor, "doctor_team", None)
            .await?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::list_teams(&mut conn, &actor.scope(), false).await?)
    }

    /// The places a manager may register a team for: their scope and the streets and
    /// communities under it.
    pub async fn places(&self, actor: &Actor) -> AppResult<Vec<sr::Node>> {
        if !manages_teams(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let mut places = vec![sr::get_node(&mut conn, &scope, scope.node_id).await?];
        places.extend(
            sr::nodes_under(
                &mut conn,
                &scope,
                &scope.path,
                &[NodeKind::Street, NodeKind::Community],
                800,
            )
            .await?,
        );
        places.retain(|n| {
            n.kind.depth() >= NodeKind::Street.depth()
                && n.kind.depth() <= NodeKind::Community.depth()
        });
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    /// Register a team for a street or community in the caller's scope (managers).
    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> AppResult<Team> {
        if !manages_teams(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let name = text("name", "团队名称", &input.name, 60)?;
        let institution = text("institution", "签约机构", &input.institution, 100)?;
        let lead = text("lead_doctor", "团队长（医生）", &input.lead_doctor, 30)?;
        let code = match input
            .code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(c) => {
                if c.chars().count() > 40
                    || !c
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                {
                    return Err(AppError::invalid(
                        "code",
                        "团队编号为字母、数字、短横线，不超过40位",
                    ));
                }
                Some(c.to_string())
            }
            None => None,
        };
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("node_id", "请从列表中选择您辖区内的街道或社区")
                }
                e => e.into(),
            })?;
        let depth = node.kind.depth();
        if depth < NodeKind::Street.depth() || depth > NodeKind::Community.depth() {
            return Err(AppError::invalid(
                "node_id",
                "家庭医生团队服务街道或社区，请选择街道或社区",
            ));
        }
        let code = match code {
            Some(c) => c,
            None => format!(
                "{}-{:02}",
                node.code,
                sd::teams_at(&mut tx, node.id).await? + 1
            ),
        };
        let id = sd::insert_team(
            &mut tx,
            &sd::NewTeam {
                node_id: node.id,
                path: &node.path,
                code: &code,
                name: &name,
                institution: &institution,
                lead_doctor: &lead,
                now,
            },
        )
        .await
        .map_err(|e| match e {
            jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                field: "code".into(),
                reason: format!("团队编号 {code} 已存在"),
            },
            e => e.into(),
        })?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "doctor_team",
                Some(id),
                &node.path,
                format!("登记家庭医生团队：{name}（{institution}，{}）", node.name),
            ),
        )
        .await?;
        let t = sd::get_team(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(t)
    }

    // -----------------------------------------------------------------------------------------
    // Contracts

    /// Contracts of the caller's scope with their groups (readers; audited as one view of the
    /// list): live ones, newest first, or with `ending` those ending within 30 days.
    pub async fn contracts(
        &self,
        actor: &Actor,
        ending: bool,
        offset: i64,
    ) -> AppResult<Vec<Contract>> {
        self.must(reads(actor.user.role), actor, "doctor_contract", None)
            .await?;
        let now = now_ms();
        let which = if ending {
            Which::EndingBefore(now + RENEW_DAYS * DAY_MS)
        } else {
            Which::Live
        };
        let mut conn = self.app.store.acquire().await?;
        let rows = sd::list_contracts(
            &mut conn,
            Some(&self.app.store.cipher),
            &actor.scope(),
            which,
            now,
            offset.max(0),
            LIST_LIMIT,
        )
        .await?;
        Self::viewed(
            &mut conn,
            actor,
            None,
            &actor.user.scope_path,
            format!(
                "查看家庭医生签约{}，{}条",
                if ending { "（即将到期）" } else { "" },
                rows.len()
            ),
        )
        .await?;
        Ok(rows)
    }

    /// One contract with its groups (readers; audited).
    pub async fn contract(&self, actor: &Actor, id: i64) -> AppResult<Contract> {
        self.must(reads(actor.user.role), actor, "doctor_contract", Some(id))
            .await?;
        let mut conn = self.app.store.acquire().await?;
        let c =
            sd::get_contract(&mut conn, Some(&self.app.store.cipher), &actor.scope(), id).await?;
        Self::viewed(
            &mut conn,
            actor,
            Some(id),
            &c.path,
            format!("查看家庭医生签约：{}", c.resident_name),
        )
        .await?;
        Ok(c)
    }

    /// A resident's own latest contract (team, dates, groups); `None` when never signed.
    pub async fn mine(&self, actor: &Actor) -> AppResult<Option<Contract>> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let rid = actor.user.resident_id.ok_or(AppError::Forbidden)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::latest_of(&mut conn, &self.app.store.cipher, rid).await?)
    }

    /// What the signing form needs for a resident of the caller's scope (readers).
    pub async fn sign_form(&self, actor: &Actor, resident_id: i64) -> AppResult<SignForm> {
        self.must(reads(actor.user.role), actor, "doctor_contract", None)
            .await?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let resident = sr::get_resident(&mut conn, &scope, resident_id).await?;
        let teams = sd::list_teams(&mut conn, &scope, false)
            .await?
            .into_iter()
            .filter(|t| resident.path.starts_with(&t.path))
            .collect();
        let live = sd::live_of(&mut conn, resident_id, now_ms()).await?;
        let age = age_of(&resident);
        Ok(SignForm {
            suggested: dd::suggested_groups(age, resident.tags.disability_grade),
            age,
            resident,
            teams,
            live,
        })
    }

    /// Sign a resident of the caller's scope with a team serving their place (readers).
    pub async fn sign(&self, actor: &Actor, input: &SignInput) -> AppResult<Contract> {
        self.sign_at(actor, input, now_ms()).await
    }

    pub async fn sign_at(&self, actor: &Actor, input: &SignInput, now: i64) -> AppResult<Contract> {
        self.must(reads(actor.user.role), actor, "doctor_contract", None)
            .await?;
        let groups = dd::check_groups(&input.groups)?;
        let signed_at = match input.signed_on.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(s) => {
                let d = jingzhi_domain::time_fmt::parse_date(s)
                    .ok_or_else(|| AppError::invalid("signed_on", "签约日期应为YYYY-MM-DD"))?;
                let day = jingzhi_domain::time_fmt::day_start_ms(d);
                // Today: now; an earlier day: its start.
                if day <= now && now < day + DAY_MS {
                    now
                } else {
                    day
                }
            }
        };
        dd::check_signed_at(signed_at, now)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let resident = sr::get_resident(&mut tx, &scope, input.resident_id).await?;
        let team = sd::get_team(&mut tx, &scope, input.team_id)
            .await
            .ok()
            .filter(|t| t.retired_at.is_none() && resident.path.starts_with(&t.path))
            .ok_or_else(|| {
                AppError::invalid("team_id", "请从列表中选择服务该居民所在社区的家庭医生团队")
            })?;
        let mut renewed = None;
        if let Some((old, ends_at)) = sd::live_of(&mut tx, resident.id, now).await? {
            if !dd::renewable(ends_at, now) {
                return Err(AppError::Conflict {
                    field: "resident_id".into(),
                    reason: "该居民已有有效的家庭医生签约，到期前30天内方可续签".into(),
                });
            }
            sd::end_contract(&mut tx, old, "续签", now).await?;
            renewed = Some(old);
        }
        let id = sd::insert_contract(
            &mut tx,
            &self.app.store.cipher,
            &sd::NewContract {
                resident_id: resident.id,
                path: &resident.path,
                team_id: team.id,
                signed_at,
                ends_at: dd::default_end(signed_at),
                groups: &groups,
                created_by_id: actor.audit_id(),
                created_by_name: actor.name(),
                now,
            },
        )
        .await?;
        // The groups are health data: not in the audit text.
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "doctor_contract",
                Some(id),
                &resident.path,
                match renewed {
                    Some(old) => format!(
                        "续签家庭医生：{}（{}），原签约{old}",
                        resident.name, team.name
                    ),
                    None => format!("签约家庭医生：{}（{}）", resident.name, team.name),
                },
            ),
        )
        .await?;
        let c = sd::get_contract(&mut tx, Some(&self.app.store.cipher), &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    /// End a live contract early (moved away, died, withdrew; readers of its place).
    pub async fn end(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Contract> {
        self.must(reads(actor.user.role), actor, "doctor_contract", Some(id))
            .await?;
        let reason = text("reason", "解约原因", reason, 200)?;
        let now = now_ms();
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let c = sd::get_contract(&mut tx, None, &scope, id).await?;
        if !sd::end_contract(&mut tx, id, &reason, now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "该签约已结束".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(&reason),
                ..actor.audit(
                    Action::Update,
                    "doctor_contract",
                    Some(id),
                    &c.path,
                    format!("解除家庭医生签约：{}", c.resident_name),
                )
            },
        )
        .await?;
        let c = sd::get_contract(&mut tx, Some(&self.app.store.cipher), &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    // -----------------------------------------------------------------------------------------
    // The rate and the work list

    /// The signing rate of the caller's place and of each place under it (readers and
    /// auditors; numbers only).
    pub async fn coverage(&self, actor: &Actor) -> AppResult<(Coverage, Vec<Coverage>)> {
        self.must(
            reads_numbers(actor.user.role),
            actor,
            "doctor_coverage",
            None,
        )
        .await?;
        let now = now_ms();
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let stats = sr::stats(&mut conn, &scope, node.id).await?;
        let mut places = vec![];
        if node.kind.depth() < NodeKind::Community.depth() {
            for (child, s) in sr::children_stats(&mut conn, &scope, node.id).await? {
                let signed = sd::signed_key(&mut conn, &child.path, now).await?;
                places.push(Coverage {
                    node_id: child.id,
                    name: child.name,
                    key: s.family_doctor_key,
                    signed,
                });
            }
        }
        // Contracts lie at buildings: above the communities, the place's number is the sum of
        // its children's.
        let signed = if places.is_empty() {
            sd::signed_key(&mut conn, &node.path, now).await?
        } else {
            places.iter().map(|p| p.signed).sum()
        };
        Ok((
            Coverage {
                node_id: node.id,
                name: node.name,
                key: stats.family_doctor_key,
                signed,
            },
            places,
        ))
    }

    /// Key-group residents of the caller's scope without a live contract, by place, at most
    /// [`LIST_LIMIT`] from `offset` (readers; audited as one view).
    pub async fn unsigned(&self, actor: &Actor, offset: i64) -> AppResult<Vec<Unsigned>> {
        self.must(reads(actor.user.role), actor, "doctor_contract", None)
            .await?;
        let mut conn = self.app.store.acquire().await?;
        let rows = sd::unsigned(
            &mut conn,
            &actor.scope(),
            now_ms(),
            offset.max(0),
            LIST_LIMIT,
        )
        .await?;
        Self::viewed(
            &mut conn,
            actor,
            None,
            &actor.user.scope_path,
            format!("查看未签约家庭医生的重点人群，{}人", rows.len()),
        )
        .await?;
        Ok(rows)
    }
}

/// Signing rates of the demo's communities, in turn: about 90% overall, some below, a few above.
const DEMO_RATES: [i64; 12] = [96, 93, 91, 97, 84, 92, 95, 88, 94, 79, 98, 90];
const DEMO_SURNAMES: [&str; 10] = ["张", "王", "李", "刘", "陈", "杨", "赵", "孙", "于", "林"];
const DEMO_GIVEN: [&str; 10] = [
    "红", "伟", "敏", "静", "强", "丽", "军", "芳", "海燕", "建国",
];

/// What [`Doctors::seed_demo`] added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSeeded {
    pub teams: usize,
    pub contracts: u64,
}

impl Doctors<'_> {
    /// The demo city's family doctors (`crate::demo::doctors`): one or two teams per community
    /// (at the community's street health centre), and contracts for about 90% of the key-group
    /// residents, the rate varying by community ([`DEMO_RATES`]), one set-based INSERT … SELECT
    /// per community. Communities that have teams already are left alone.
    pub async fn seed_demo(&self) -> AppResult<DemoSeeded> {
        let now = now_ms();
        let today = jingzhi_domain::time_fmt::today();
        // The date `years` ago as text (29 February stays as such: the dates compare as text).
        let born = |years: i32| {
            let d = jingzhi_domain::time_fmt::format_date(today);
            format!("{:04}{}", today.year() - years, &d[4..])
        };
        // Elderly: born before the day 65 years ago (or on it); child: born after the day 7
        // years ago.
        let (old, young) = (born(65), born(7));
        let cipher = &self.app.store.cipher;
        let sealed = [
            cipher.seal(&dd::groups_text(&[KeyGroup::Elderly])),
            cipher.seal(&dd::groups_text(&[KeyGroup::Disabled])),
            cipher.seal(&dd::groups_text(&[KeyGroup::Child])),
            cipher.seal(&dd::groups_text(&[KeyGroup::Chronic])),
        ];
        let mut out = DemoSeeded::default();
        let mut tx = self.app.store.begin().await?;
        let communities = sd::communities_for_demo(&mut tx).await?;
        for (i, (id, _name, street, district)) in communities.iter().enumerate() {
            if sd::teams_at(&mut tx, *id).await? > 0 {
                continue;
            }
            let node = sr::get_node_unscoped(&mut tx, *id).await?;
            let institution = format!(
                "{district}{}社区卫生服务中心",
                street.trim_end_matches("街道").trim_end_matches("镇")
            );
            let count = 1 + i % 2;
            let mut first = None;
            for k in 0..count {
                let doctor = format!(
                    "{}{}",
                    DEMO_SURNAMES[(i * 3 + k) % DEMO_SURNAMES.len()],
                    DEMO_GIVEN[(i * 7 + k * 3) % DEMO_GIVEN.len()]
                );
                let team = sd::insert_team(
                    &mut tx,
                    &sd::NewTeam {
                        node_id: node.id,
                        path: &node.path,
                        code: &format!("{}-{:02}", node.code, k + 1),
                        name: &format!("{doctor}医生团队"),
                        institution: &institution,
                        lead_doctor: &doctor,
                        now,
                    },
                )
                .await?;
                first.get_or_insert(team);
                out.teams += 1;
            }
            let Some(team) = first else { continue };
            out.contracts += sd::seed_contracts(
                &mut tx,
                &node.path,
                team,
                DEMO_RATES[i % DEMO_RATES.len()],
                &old,
                &young,
                sealed.clone(),
                now,
            )
            .await?;
        }
        jingzhi_store::commit(tx).await?;
        Ok(out)
    }
}
