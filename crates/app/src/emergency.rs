//! Emergencies (平急结合, issue 13 §4; docs/emergency.md).
//!
//! - **Teams**: a place's volunteer and emergency teams (两组), with a leader and members who are
//!   users of the place (stewards, grid workers, residents who volunteer…). Managers keep them.
//! - **Incidents**: a manager declares one over a place; in the same transaction every household
//!   there with a resident tagged elderly living alone, disabled, low-income or child in
//!   difficulty gets a pending check, each building is given to a member of the most local team
//!   ([`jingzhi_domain::emergency::assign`]), and the members are told.
//! - **Checks**: a team member (any household of the incident inside their team's place) or staff
//!   of the place (inside their scope) records safe / needs help / unreachable with a note; every
//!   check is kept, the latest counts. A household needing help becomes an event at once; one
//!   unreachable past the retry time escalates to the place's managers (the job of `jingzhi
//!   serve`, beside overdue events).
//! - **Board** and **after-action report** (times, coverage, gaps), and stand-down.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::emergency::{
    self as de, AfterAction, Board, CheckStatus, Checker, IncidentKind, TeamKind,
};
use jingzhi_domain::registry::mask_name;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit;
use jingzhi_store::emergency::{self as se, CoveredFilter, NewIncident};
use jingzhi_store::registry as sr;
use jingzhi_store::Conn;

pub use jingzhi_store::emergency::{Check, Covered, Incident, Member, Team};

/// The event category a household needing help is reported in.
pub const EVENT_CATEGORY: &str = "emergency_help";

/// The most rows a list answers.
pub const LIST_LIMIT: i64 = 2000;

#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    pub node_id: i64,
    /// `volunteer` or `emergency`.
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentInput {
    /// typhoon | flood | fire | power_cut | epidemic | other
    pub kind: String,
    pub node_id: i64,
    pub title: String,
    /// Minutes before an unreachable household escalates; default 60.
    pub retry_minutes: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct CheckInput {
    pub household_id: i64,
    pub status: String,
    pub note: String,
}

/// How the caller reaches an incident: as staff of the place or as a member of one of its teams,
/// and the places whose households they reach.
#[derive(Debug, Clone)]
pub struct Access {
    pub incident: Incident,
    pub staff: bool,
    /// May declare, add households and stand down (a manager over the incident's place).
    pub manages: bool,
    pub within: Vec<String>,
}

impl Access {
    pub fn active(&self) -> bool {
        self.incident.stood_down_at.is_none()
    }
}

/// A building's or a grid's line on the board.
#[derive(Debug, Clone)]
pub struct BoardLine {
    pub node_id: i64,
    pub name: String,
    pub board: Board,
}

#[derive(Debug, Clone)]
pub struct BoardView {
    pub total: Board,
    pub grids: Vec<BoardLine>,
    pub buildings: Vec<BoardLine>,
}

pub struct Emergency<'a> {
    app: &'a App,
}

impl App {
    pub fn emergency(&self) -> Emergency<'_> {
        Emergency { app: self }
    }
}

fn managers_only(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Staff who may record checks in their scope (not auditors, departments or residents).
fn checks_as_staff(role: Role) -> bool {
    role.is_manager() || matches!(role, Role::GridWorker | Role::Steward)
}

/// The narrower of two nested paths (one holds the other).
fn narrower<'p>(a: &'p str, b: &'p str) -> &'p str {
    if a.starts_with(b) {
        a
    } else {
        b
    }
}

/// Tell users of an incident (see [`crate::notify::tell_users`]).
async fn tell(
    tx: &mut Conn,
    users: &[i64],
    path: &str,
    title: &str,
    body: &str,
    link: &str,
    now: i64,
) -> AppResult<()> {
    let n = crate::notify::Notice {
        command: "incident",
        status: "",
        title,
        body,
        link,
    };
    crate::notify::tell_users(tx, users, path, &n, now).await
}

impl Emergency<'_> {
    // ---------------------------------------------------------------------------------------
    // Teams

    /// Create a team of a place in scope (managers).
    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> AppResult<Team> {
        managers_only(actor)?;
        let kind = TeamKind::parse(&input.kind).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "队伍类型应为 volunteer（志愿服务队）或 emergency（应急队）",
            )
        })?;
        let name = crate::participation::text("name", "队伍名称", &input.name, 40)?;
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的地点"))?;
        let now = now_ms();
        let id = se::insert_team(
            &mut tx,
            node.id,
            &node.path,
            kind,
            &name,
            None,
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "team",
                Some(id),
                &node.path,
                format!("组建{}：{} {name}", kind.label_zh(), node.name),
            ),
        )
        .await?;
        let t = se::get_team(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(t)
    }

    /// Teams the caller sees: staff, those of their places (and above); others, their own.
    pub async fn teams(&self, actor: &Actor) -> AppResult<Vec<Team>> {
        let mut conn = self.app.store.acquire().await?;
        if actor.user.role.can(Permission::ReadRegister) {
            Ok(se::teams(&mut conn, &actor.scope(), LIST_LIMIT).await?)
        } else {
            Ok(se::teams_of_user(&mut conn, actor.id()).await?)
        }
    }

    /// The teams the caller is a member of.
    pub async fn teams_of_member(&self, actor: &Actor) -> AppResult<Vec<Team>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(se::teams_of_user(&mut conn, actor.id()).await?)
    }

    /// A team with its members: staff of its place, or a member.
    pub async fn team(&self, actor: &Actor, id: i64) -> AppResult<(Team, Vec<Member>)> {
        let mut conn = self.app.store.acquire().await?;
        let team = self.team_in(&mut conn, actor, id).await?;
        let members = se::members(&mut conn, team.id).await?;
        Ok((team, members))
    }

    async fn team_in(&self, conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<Team> {
        if actor.user.role.can(Permission::ReadRegister) {
            if let Ok(t) = se::get_team(conn, &actor.scope(), id).await {
                return Ok(t);
            }
        }
        se::teams_of_user(conn, actor.id())
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AppError::NotFound)
    }

    /// Users of the team's place who may join it (for the picker).
    pub async fn candidates(
        &self,
        actor: &Actor,
        team_id: i64,
    ) -> AppResult<Vec<jingzhi_store::auth::User>> {
        managers_only(actor)?;
        let mut conn = self.app.store.acquire().await?;
        let team = se::get_team(&mut conn, &actor.scope(), team_id).await?;
        let within = jingzhi_domain::scope::Scope::new(team.node_id, team.path.clone());
        let users = jingzhi_store::auth::list_users(&mut conn, &within, 500, 0).await?;
        Ok(users.into_iter().filter(|u| !u.disabled).collect())
    }

    /// Add a user of the team's place to it (managers); `leader` makes them its leader.
    pub async fn add_member(
        &self,
        actor: &Actor,
        team_id: i64,
        user_id: i64,
        skills: &str,
        leader: bool,
    ) -> AppResult<(Team, Vec<Member>)> {
        managers_only(actor)?;
        let skills = skills.trim();
        jingzhi_domain::check_max_chars("skills", "技能", skills, 60)?;
        let mut tx = self.app.store.begin().await?;
        let team = se::get_team(&mut tx, &actor.scope(), team_id).await?;
        let within = jingzhi_domain::scope::Scope::new(team.node_id, team.path.clone());
        let user = jingzhi_store::auth::get_user_in_scope(&mut tx, &within, user_id)
            .await
            .map_err(|_| AppError::invalid("user_id", "请选择本队所在地点的用户"))?;
        if user.disabled {
            return Err(AppError::invalid("user_id", "该账号已停用"));
        }
        let now = now_ms();
        let added = se::add_member(&mut tx, team.id, user.id, skills, now).await?;
        if !added && !leader {
            return Err(AppError::Conflict {
                field: "user_id".into(),
                reason: "已是本队成员".into(),
            });
        }
        if leader {
            se::set_leader(&mut tx, team.id, Some(user.id)).await?;
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "team",
                Some(team.id),
                &team.path,
                format!(
                    "{}{}{}",
                    team.name,
                    if added { "加入队员 " } else { "" },
                    if leader {
                        format!("{}（队长）", user.display_name)
                    } else {
                        user.display_name.clone()
                    }
                ),
            ),
        )
        .await?;
        let team = se::get_team(&mut tx, &actor.scope(), team.id).await?;
        let members = se::members(&mut tx, team.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok((team, members))
    }

    /// Take a member off a team (managers).
    pub async fn remove_member(
        &self,
        actor: &Actor,
        team_id: i64,
        user_id: i64,
    ) -> AppResult<(Team, Vec<Member>)> {
        managers_only(actor)?;
        let mut tx = self.app.store.begin().await?;
        let team = se::get_team(&mut tx, &actor.scope(), team_id).await?;
        if !se::remove_member(&mut tx, team.id, user_id).await? {
            return Err(AppError::NotFound);
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "team",
                Some(team.id),
                &team.path,
                format!("{}移出队员#{user_id}", team.name),
            ),
        )
        .await?;
        let team = se::get_team(&mut tx, &actor.scope(), team.id).await?;
        let members = se::members(&mut tx, team.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok((team, members))
    }

    /// The places a manager may form a team in or declare an incident over, for the pickers: the
    /// districts, streets and communities of their scope, and the grids when the scope is a
    /// community or below (a city's 2,000 grids would not make a usable list).
    pub async fn places(&self, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
        use jingzhi_domain::registry::NodeKind::*;
        managers_only(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let depth = scope.path.matches('/').count();
        let kinds: &[_] = if depth >= 5 {
            &[Community, Grid]
        } else {
            &[City, District, Street, Community]
        };
        Ok(sr::nodes_under(&mut conn, &scope, &scope.path, kinds, 2000)
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect())
    }

    // ---------------------------------------------------------------------------------------
    // Incidents

    pub async fn declare(&self, actor: &Actor, input: &IncidentInput) -> AppResult<Access> {
        self.declare_at(actor, input, now_ms()).await
    }

    /// Declare an incident over a place in scope (managers): its teams activated, a pending
    /// check for every vulnerable household there, buildings given to team members, members told.
    pub async fn declare_at(
        &self,
        actor: &Actor,
        input: &IncidentInput,
        now: i64,
    ) -> AppResult<Access> {
        managers_only(actor)?;
        let kind = IncidentKind::parse(&input.kind).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "类型应为 typhoon、flood、fire、power_cut、epidemic 或 other",
            )
        })?;
        let title = de::check_title(&input.title)?;
        let retry = input.retry_minutes.unwrap_or(de::DEFAULT_RETRY_MINUTES);
        if !(5..=24 * 60).contains(&retry) {
            return Err(AppError::invalid(
                "retry_minutes",
                "重试间隔应在5分钟到24小时之间",
            ));
        }
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的地点"))?;
        let id = se::insert_incident(
            &mut tx,
            &NewIncident {
                node_id: node.id,
                path: &node.path,
                kind,
                title: &title,
                retry_minutes: retry,
                by_id: actor.audit_id(),
                by: &actor.user.display_name,
                now,
            },
        )
        .await?;
        let buildings = se::incident_buildings(&mut tx, id).await?;
        let checkers: Vec<Checker> = se::incident_checkers(&mut tx, id)
            .await?
            .into_iter()
            .map(|(user_id, team_path)| Checker { user_id, team_path })
            .collect();
        se::assign(&mut tx, id, &de::assign(&buildings, &checkers)).await?;
        let (board, _) = se::board(&mut tx, id, &node.path).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"kind": kind.as_str(), "title": title,
                    "households": board.households, "retry_minutes": retry})),
                ..actor.audit(
                    Action::Create,
                    "incident",
                    Some(id),
                    &node.path,
                    format!(
                        "启动应急响应（{}）：{} {title}，{}户重点户待核查",
                        kind.label_zh(),
                        node.name,
                        board.households
                    ),
                )
            },
        )
        .await?;
        let link = format!("/incidents/{id}/mine");
        let body = format!(
            "{}：请尽快核查分配给您的重点户，逐户记录平安、需要帮助或联系不上。",
            node.name
        );
        let title_n = format!("启动应急响应：{title}");
        let members = se::member_ids(&mut tx, id).await?;
        tell(&mut tx, &members, &node.path, &title_n, &body, &link, now).await?;
        let incident = se::get_incident(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(Access {
            within: vec![incident.path.clone()],
            incident,
            staff: true,
            manages: true,
        })
    }

    /// Incidents the caller sees: staff, those over their places (or above them); team members,
    /// the active ones of their teams.
    pub async fn incidents(&self, actor: &Actor) -> AppResult<Vec<Incident>> {
        let mut conn = self.app.store.acquire().await?;
        if actor.user.role.can(Permission::ReadRegister) {
            Ok(se::incidents(&mut conn, &actor.scope(), LIST_LIMIT).await?)
        } else {
            Ok(se::incidents_of_member(&mut conn, actor.id()).await?)
        }
    }

    /// How the caller reaches an incident (404 when they do not).
    pub async fn access(&self, actor: &Actor, id: i64) -> AppResult<Access> {
        let mut conn = self.app.store.acquire().await?;
        self.access_in(&mut conn, actor, id).await
    }

    async fn access_in(&self, conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<Access> {
        let role = actor.user.role;
        if role.can(Permission::ReadRegister) {
            if let Ok(i) = se::get_incident(conn, &actor.scope(), id).await {
                let scope = actor.scope();
                let within = narrower(&i.path, &scope.path).to_string();
                return Ok(Access {
                    manages: role.is_manager() && i.path.starts_with(&scope.path),
                    within: vec![within],
                    incident: i,
                    staff: true,
                });
            }
        }
        match se::incident_for_member(conn, actor.id(), id).await {
            Ok((i, paths)) => {
                let within = paths
                    .iter()
                    .map(|p| narrower(&i.path, p).to_string())
                    .collect();
                Ok(Access {
                    incident: i,
                    staff: false,
                    manages: false,
                    within,
                })
            }
            Err(jingzhi_store::Error::NotFound) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// The teams an incident activated, for whoever reaches it.
    pub async fn incident_teams(&self, actor: &Actor, id: i64) -> AppResult<Vec<Team>> {
        let mut conn = self.app.store.acquire().await?;
        self.access_in(&mut conn, actor, id).await?;
        Ok(se::incident_teams(&mut conn, id).await?)
    }

    /// The board: every household once by its latest check, per grid and building, inside what
    /// the caller reaches.
    pub async fn board(&self, actor: &Actor, id: i64) -> AppResult<(Access, BoardView)> {
        let mut conn = self.app.store.acquire().await?;
        let a = self.access_in(&mut conn, actor, id).await?;
        let mut total = Board::default();
        let mut buildings = Vec::new();
        let mut grids: Vec<BoardLine> = Vec::new();
        for w in &a.within {
            let (t, by) = se::board(&mut conn, id, w).await?;
            total.merge(&t);
            let grid_nodes = se::grids_within(&mut conn, w).await?;
            for (bid, name, path, b) in by {
                if let Some((gid, gname, _)) = grid_nodes.iter().find(|g| path.starts_with(&g.2)) {
                    match grids.iter_mut().find(|l| l.node_id == *gid) {
                        Some(l) => l.board.merge(&b),
                        None => grids.push(BoardLine {
                            node_id: *gid,
                            name: gname.clone(),
                            board: b,
                        }),
                    }
                }
                buildings.push(BoardLine {
                    node_id: bid,
                    name,
                    board: b,
                });
            }
        }
        Ok((
            a,
            BoardView {
                total,
                grids,
                buildings,
            },
        ))
    }

    /// Households of an incident the caller reaches; names are masked for team members.
    pub async fn households(
        &self,
        actor: &Actor,
        id: i64,
        status: Option<CheckStatus>,
        only_mine: bool,
    ) -> AppResult<(Access, Vec<Covered>)> {
        let mut conn = self.app.store.acquire().await?;
        let a = self.access_in(&mut conn, actor, id).await?;
        let f = CoveredFilter {
            within: a.within.clone(),
            assignee: only_mine.then(|| actor.id()),
            status,
            building_id: None,
        };
        let mut rows = se::covered_list(&mut conn, id, &f, LIST_LIMIT).await?;
        if !a.staff {
            for r in &mut rows {
                r.head_name = r.head_name.as_deref().map(mask_name);
            }
        }
        Ok((a, rows))
    }

    /// The caller's own checks across the active incidents of their teams (and, for staff, of
    /// their places): the households given to them, pending and unreachable first.
    pub async fn mine(&self, actor: &Actor) -> AppResult<Vec<(Incident, Vec<Covered>)>> {
        let incidents = {
            let mut conn = self.app.store.acquire().await?;
            let mut v = se::incidents_of_member(&mut conn, actor.id()).await?;
            if actor.user.role.can(Permission::ReadRegister) {
                for i in se::incidents(&mut conn, &actor.scope(), 50).await? {
                    if i.stood_down_at.is_none() && !v.iter().any(|x| x.id == i.id) {
                        v.push(i);
                    }
                }
            }
            v
        };
        let mut out = Vec::new();
        for i in incidents {
            let (_, mut rows) = self.households(actor, i.id, None, true).await?;
            rows.sort_by_key(|r| {
                (
                    match r.status {
                        CheckStatus::Pending => 0,
                        CheckStatus::Unreachable => 1,
                        CheckStatus::NeedsHelp => 2,
                        CheckStatus::Safe => 3,
                    },
                    r.path.clone(),
                    r.address.clone(),
                )
            });
            out.push((i, rows));
        }
        Ok(out)
    }

    /// The active incidents the caller takes part in (a member of their teams, or staff of their
    /// places) with how many of the households given to them are still pending or unreachable:
    /// what their home page puts first.
    pub async fn active(&self, actor: &Actor) -> AppResult<Vec<(Incident, i64)>> {
        Ok(self
            .mine(actor)
            .await?
            .into_iter()
            .map(|(i, rows)| {
                let todo = rows.iter().filter(|r| !r.status.accounted()).count() as i64;
                (i, todo)
            })
            .collect())
    }

    /// A household of an incident with its checks, for whoever reaches it.
    pub async fn household(
        &self,
        actor: &Actor,
        id: i64,
        household_id: i64,
    ) -> AppResult<(Access, Covered, Vec<Check>)> {
        let mut conn = self.app.store.acquire().await?;
        let a = self.access_in(&mut conn, actor, id).await?;
        let mut c = se::covered(&mut conn, id, household_id, &a.within).await?;
        if !a.staff {
            c.head_name = c.head_name.as_deref().map(mask_name);
        }
        let checks = se::checks_of(&mut conn, id, household_id).await?;
        Ok((a, c, checks))
    }

    pub async fn record_check(
        &self,
        actor: &Actor,
        id: i64,
        input: &CheckInput,
    ) -> AppResult<Covered> {
        self.record_check_at(actor, id, input, now_ms()).await
    }

    /// Record a check of a household of the incident. The caller must reach the household (a
    /// member of one of the incident's teams inside the team's place, or staff inside their
    /// scope); after stand-down: 409. Needing help makes an event at once (once per household).
    pub async fn record_check_at(
        &self,
        actor: &Actor,
        id: i64,
        input: &CheckInput,
        now: i64,
    ) -> AppResult<Covered> {
        let status = CheckStatus::parse_recorded(&input.status)?;
        let note = input.note.trim();
        jingzhi_domain::check_max_chars("note", "情况说明", note, 200)?;
        let a = self.access(actor, id).await?;
        if a.staff && !checks_as_staff(actor.user.role) {
            // An auditor reads the board; only the place's staff and team members record.
            return Err(AppError::Forbidden);
        }
        if !a.active() {
            return Err(AppError::Conflict {
                field: "incident".into(),
                reason: "应急响应已结束，不能再记录核查".into(),
            });
        }
        let not_covered = || {
            AppError::invalid(
                "household_id",
                "该户不在本次应急核查名单中（或不在您的范围内）",
            )
        };
        let before = {
            let mut conn = self.app.store.acquire().await?;
            match se::covered(&mut conn, id, input.household_id, &a.within).await {
                Ok(c) => c,
                Err(jingzhi_store::Error::NotFound) => return Err(not_covered()),
                Err(e) => return Err(e.into()),
            }
        };
        // Needing help becomes an event at once, reported at the household's building with the
        // incident's authority: the check above is what allows it, whoever the member is.
        let report = (status == CheckStatus::NeedsHelp && before.event_id.is_none()).then(|| {
            let mut reporter = actor.clone();
            reporter.user.scope_node_id = a.incident.node_id;
            reporter.user.scope_path = a.incident.path.clone();
            if !checks_as_staff(reporter.user.role) {
                reporter.user.role = Role::Steward;
            }
            let description = format!(
                "【{}·{}】{}需要帮助：{}（{}核查）",
                a.incident.kind.label_zh(),
                a.incident.title,
                before.address,
                if note.is_empty() {
                    "未填写说明"
                } else {
                    note
                },
                actor.user.display_name
            );
            let input = crate::events::ReportInput {
                category: EVENT_CATEGORY.into(),
                urgency: Some("urgent".into()),
                description: description.chars().take(crate::events::MAX_TEXT).collect(),
                node_id: Some(before.building_id),
                ..Default::default()
            };
            (reporter, input)
        });
        let Some((reporter, input)) = report else {
            // No event to make: the check joins the group commit.
            self.app
                .checks
                .0
                .submit(
                    &self.app.store,
                    CheckJob {
                        actor: actor.clone(),
                        incident_id: id,
                        household_id: before.household_id,
                        path: before.path.clone(),
                        address: before.address.clone(),
                        status,
                        note: note.to_string(),
                        now,
                    },
                )
                .await??;
            let mut conn = self.app.store.acquire().await?;
            let mut after = se::covered(&mut conn, id, before.household_id, &a.within).await?;
            if !a.staff {
                after.head_name = after.head_name.as_deref().map(mask_name);
            }
            return Ok(after);
        };
        let (urgency, located) = self.app.events().prepare_report(&reporter, &input).await?;
        let mut tx = self.app.store.begin().await?;
        let mut stood = StoodDown::new();
        let job = CheckJob {
            actor: actor.clone(),
            incident_id: id,
            household_id: before.household_id,
            path: before.path.clone(),
            address: before.address.clone(),
            status,
            note: note.to_string(),
            now,
        };
        write_check_checked(&mut tx, &job, &mut stood).await?;
        let e = self
            .app
            .events()
            .report_tx(
                &mut tx,
                &reporter,
                &input,
                urgency,
                located,
                &[],
                Some(crate::events::Source::Emergency),
                now,
            )
            .await?;
        if !se::set_event(&mut tx, id, before.household_id, e.id).await? {
            // Someone else's check made the event meanwhile: nothing of this one is kept.
            return Err(AppError::Conflict {
                field: "household_id".into(),
                reason: "该户刚由他人记录为需要帮助并转为事件，请刷新后再记录".into(),
            });
        }
        let mut after = se::covered(&mut tx, id, before.household_id, &a.within).await?;
        jingzhi_store::commit(tx).await?;
        if !a.staff {
            after.head_name = after.head_name.as_deref().map(mask_name);
        }
        Ok(after)
    }

    /// Add a household of the place to an incident by hand (managers): someone the register
    /// does not tag but who needs checking (a pregnant woman alone, a bedridden tenant…). It is
    /// given to whoever checks its building.
    pub async fn add_household(
        &self,
        actor: &Actor,
        id: i64,
        household_id: i64,
    ) -> AppResult<Covered> {
        let a = self.access(actor, id).await?;
        if !a.manages {
            return Err(AppError::Forbidden);
        }
        if !a.active() {
            return Err(AppError::Conflict {
                field: "incident".into(),
                reason: "应急响应已结束".into(),
            });
        }
        let mut tx = self.app.store.begin().await?;
        let hh = sr::get_household(&mut tx, &actor.scope(), household_id)
            .await
            .ok()
            .filter(|h| h.path.starts_with(&a.incident.path))
            .ok_or_else(|| AppError::invalid("household_id", "该户不在本次应急响应的范围内"))?;
        let assignee = se::building_assignee(&mut tx, id, hh.building_id).await?;
        if !se::add_household(&mut tx, id, hh.id, hh.building_id, &hh.path, assignee).await? {
            return Err(AppError::Conflict {
                field: "household_id".into(),
                reason: "该户已在核查名单中".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "incident",
                Some(id),
                &hh.path,
                format!("应急核查#{id}添加核查户 {}", hh.address),
            ),
        )
        .await?;
        let c = se::covered(&mut tx, id, hh.id, &a.within).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    /// The households of an incident the caller reaches with their latest check, as `.xlsx`
    /// (staff; audited as an export).
    pub async fn export(&self, actor: &Actor, id: i64) -> AppResult<(Incident, Vec<u8>)> {
        use crate::spreadsheet::{xlsx_bytes, Column, SheetSpec};
        let (a, rows) = self.households(actor, id, None, false).await?;
        if !a.staff {
            return Err(AppError::Forbidden);
        }
        let spec = SheetSpec::new(
            "应急核查",
            [
                ("地址", 30.0),
                ("姓名", 10.0),
                ("重点原因", 24.0),
                ("核查人", 14.0),
                ("最新结果", 10.0),
                ("核查次数", 8.0),
                ("最后核查时间", 18.0),
                ("已升级", 8.0),
                ("事件编号", 10.0),
            ]
            .iter()
            .map(Column::from),
        )
        .shaded_header()
        .freeze_header();
        let bytes = xlsx_bytes(
            spec,
            rows.iter().map(|r| {
                vec![
                    r.address.clone(),
                    r.head_name.clone().unwrap_or_default(),
                    r.reasons.label_zh(),
                    r.assignee_name.clone().unwrap_or_default(),
                    r.status.label_zh().to_string(),
                    r.checks.to_string(),
                    r.last_check_at
                        .map(jingzhi_domain::time_fmt::format_ms)
                        .unwrap_or_default(),
                    if r.escalations > 0 { "是" } else { "" }.to_string(),
                    r.event_id.map(|e| e.to_string()).unwrap_or_default(),
                ]
            }),
        )
        .map_err(|e| e.app("应急核查"))?;
        let mut conn = self.app.store.acquire().await?;
        audit::record(
            &mut conn,
            actor.audit(
                Action::Export,
                "incident",
                Some(id),
                &a.within[0],
                format!("导出应急核查名单：{}（{}户）", a.incident.title, rows.len()),
            ),
        )
        .await?;
        Ok((a.incident, bytes))
    }

    pub async fn stand_down(&self, actor: &Actor, id: i64) -> AppResult<Incident> {
        self.stand_down_at(actor, id, now_ms()).await
    }

    /// End the response (managers over the incident's place); no checks are taken after it.
    pub async fn stand_down_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<Incident> {
        let a = self.access(actor, id).await?;
        if !a.manages {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.app.store.begin().await?;
        if !se::stand_down(&mut tx, id, &actor.user.display_name, now).await? {
            return Err(AppError::Conflict {
                field: "incident".into(),
                reason: "应急响应已经结束".into(),
            });
        }
        let (board, _) = se::board(&mut tx, id, &a.incident.path).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"board": board})),
                ..actor.audit(
                    Action::Update,
                    "incident",
                    Some(id),
                    &a.incident.path,
                    format!(
                        "结束应急响应：{}（{}户，平安{}、需要帮助{}、联系不上{}、未核查{}）",
                        a.incident.title,
                        board.households,
                        board.safe,
                        board.needs_help,
                        board.unreachable,
                        board.pending
                    ),
                )
            },
        )
        .await?;
        let i = se::get_incident(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(i)
    }

    /// The after-action report over what the caller reaches (staff).
    pub async fn after_action(&self, actor: &Actor, id: i64) -> AppResult<(Access, AfterAction)> {
        let mut conn = self.app.store.acquire().await?;
        let a = self.access_in(&mut conn, actor, id).await?;
        if !a.staff {
            return Err(AppError::Forbidden);
        }
        let w = &a.within[0];
        let (board, _) = se::board(&mut conn, id, w).await?;
        let (first, reached, checks, retried, escalated, events) =
            se::after_action_figures(&mut conn, id, w).await?;
        let r = AfterAction::compute(
            a.incident.declared_at,
            a.incident.stood_down_at,
            board,
            first,
            reached,
            checks,
            retried,
            escalated,
            events,
        );
        Ok((a, r))
    }

    pub async fn escalate_due(&self, actor: &Actor) -> AppResult<u64> {
        self.escalate_due_at(actor, now_ms()).await
    }

    /// Escalate every unreachable household past its incident's retry time, once per check: its
    /// checker and the managers of its place are told (the job of `jingzhi serve`).
    pub async fn escalate_due_at(&self, actor: &Actor, now: i64) -> AppResult<u64> {
        managers_only(actor)?;
        let due = {
            let mut conn = self.app.store.acquire().await?;
            se::due_escalations(&mut conn, &actor.scope(), now, 500).await?
        };
        let mut n = 0;
        for (incident_id, household_id, path) in due {
            let mut tx = self.app.store.begin().await?;
            if !se::mark_escalated(&mut tx, incident_id, household_id, now).await? {
                continue;
            }
            let c = se::covered(
                &mut tx,
                incident_id,
                household_id,
                std::slice::from_ref(&path),
            )
            .await?;
            audit::record(
                &mut tx,
                actor.audit(
                    Action::Update,
                    "incident",
                    Some(incident_id),
                    &path,
                    format!("应急核查#{incident_id} {} 多次联系不上，已升级", c.address),
                ),
            )
            .await?;
            let mut to = se::managers_of(&mut tx, &path).await?;
            to.extend(c.assignee_user_id);
            to.sort_unstable();
            to.dedup();
            let link = format!("/incidents/{incident_id}");
            let title = "重点户联系不上，请增援";
            let body = format!(
                "{}：已核查{}次仍联系不上，请安排上门或联系亲属。",
                c.address, c.checks
            );
            tell(&mut tx, &to, &path, title, &body, &link, now).await?;
            jingzhi_store::commit(tx).await?;
            n += 1;
        }
        Ok(n)
    }
}

/// A check waiting in the write queue ([`CheckWrites`]).
#[derive(Debug)]
pub(crate) struct CheckJob {
    actor: Actor,
    incident_id: i64,
    household_id: i64,
    path: String,
    address: String,
    status: CheckStatus,
    note: String,
    now: i64,
}

/// When each incident of a group was stood down, read once per group (one transaction).
type StoodDown = std::collections::HashMap<i64, Option<i64>>;

/// Write one check in the transaction given, as alone: refused (409) when the incident was stood
/// down meanwhile — read under the write lock — before anything of it is written; then the check,
/// the household's latest, and the audit record.
async fn write_check_checked(tx: &mut Conn, j: &CheckJob, stood: &mut StoodDown) -> AppResult<()> {
    let sd = match stood.get(&j.incident_id) {
        Some(v) => *v,
        None => {
            let v = se::stood_down_at(tx, j.incident_id).await?;
            stood.insert(j.incident_id, v);
            v
        }
    };
    if sd.is_some() {
        return Err(AppError::Conflict {
            field: "incident".into(),
            reason: "应急响应已结束，不能再记录核查".into(),
        });
    }
    se::insert_check(
        tx,
        j.incident_id,
        j.household_id,
        j.status,
        &j.note,
        j.actor.audit_id(),
        &j.actor.user.display_name,
        j.now,
    )
    .await?;
    audit::record(
        tx,
        audit::Entry {
            after: Some(serde_json::json!({"incident_id": j.incident_id,
                "status": j.status.as_str()})),
            ..j.actor.audit(
                Action::Create,
                "incident_check",
                Some(j.household_id),
                &j.path,
                format!(
                    "应急核查#{} {}：{}",
                    j.incident_id,
                    j.address,
                    j.status.label_zh()
                ),
            )
        },
    )
    .await?;
    Ok(())
}

async fn write_checks(tx: &mut Conn, jobs: &[CheckJob]) -> AppResult<Vec<AppResult<()>>> {
    let mut out = Vec::with_capacity(jobs.len());
    let mut stood = StoodDown::new();
    for j in jobs {
        match write_check_checked(&mut *tx, j, &mut stood).await {
            // A database error fails the group, which the queue then writes one by one.
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Checks that make no event, committed in groups on SQLite like ballots and reports
/// (`jingzhi_store::group`); one transaction each on PostgreSQL. 32 members marking households
/// at once would otherwise queue for SQLite's one writer (docs/benchmarks.md).
#[derive(Clone, Debug)]
pub struct CheckWrites(
    pub(crate) jingzhi_store::group::GroupCommit<CheckJob, AppResult<()>, AppError>,
);

/// Checks written in one group at most.
const MAX_CHECK_GROUP: usize = 64;

impl Default for CheckWrites {
    fn default() -> Self {
        CheckWrites(jingzhi_store::group::GroupCommit::new(
            MAX_CHECK_GROUP,
            std::sync::Arc::new(|tx: &mut Conn, jobs: &[CheckJob]| {
                Box::pin(write_checks(tx, jobs))
            }),
        ))
    }
}
