//! Employment help (就业帮扶, issue 13 §3; docs/jobs.md).
//!
//! - Managers and grid workers register a resident looking for work (from the resident's page):
//!   the kind of work, picked from a list, and a note. One search at a time per resident.
//! - Managers post positions offered by local firms — a merchant of the register, picked from a
//!   list — with the kind of work, openings and perhaps a monthly wage range.
//! - A seeker is referred to an open position of the kind they want (or any); the referral moves
//!   to interview, then placed or declined. A placement takes one of the position's openings (one
//!   conditional UPDATE: never more placed than offered) and ends the seeker's search.
//! - Numbers per place this year: registered, still seeking, placed, referrals.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::jobs::{self as dj, MatchState, SeekerState, Work};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit;
use jingzhi_store::jobs as sj;
use jingzhi_store::registry as sr;

pub use jingzhi_store::jobs::{Match, Numbers, Position, Seeker};

pub const LIST_LIMIT: i64 = 500;

/// Who keeps employment help: managers and grid workers (seekers); managers post positions.
pub fn reads(role: Role) -> bool {
    role.is_manager() || role == Role::GridWorker
}

#[derive(Debug, Clone, Default)]
pub struct PositionInput {
    pub merchant_id: i64,
    pub title: String,
    pub work: String,
    pub openings: i64,
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub requirements: String,
}

/// One place's numbers.
#[derive(Debug, Clone)]
pub struct PlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub numbers: Numbers,
}

pub struct Jobs<'a> {
    app: &'a App,
}

impl App {
    pub fn jobs(&self) -> Jobs<'_> {
        Jobs { app: self }
    }
}

fn must(ok: bool) -> AppResult<()> {
    if ok {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn work_of(s: &str) -> AppResult<Work> {
    Work::parse(s).ok_or_else(|| AppError::invalid("work", "请从列表中选择工种"))
}

impl Jobs<'_> {
    /// Register a resident looking for work (one search at a time).
    pub async fn register(
        &self,
        actor: &Actor,
        resident_id: i64,
        work: &str,
        note: &str,
    ) -> AppResult<Seeker> {
        must(reads(actor.user.role))?;
        let work = work_of(work)?;
        let note = note.trim();
        jingzhi_domain::check_max_chars("note", "求职意向", note, 200)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let r = sr::get_resident(&mut tx, &scope, resident_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("resident_id", "居民不在您的辖区内")
                }
                e => e.into(),
            })?;
        if sj::seeking_of(&mut tx, r.id).await?.is_some() {
            return Err(AppError::Conflict {
                field: "resident_id".into(),
                reason: format!("{}已在求职登记中", r.name),
            });
        }
        let hh = sr::get_household(&mut tx, &scope, r.household_id).await?;
        let id = sj::insert_seeker(
            &mut tx,
            r.id,
            hh.id,
            &hh.path,
            work,
            note,
            &actor.user.display_name,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "job_seeker",
                Some(id),
                &hh.path,
                format!("求职登记：{}（{}）", r.name, work.label_zh()),
            ),
        )
        .await?;
        let s = sj::get_seeker(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    /// Seekers in scope (`state`: narrow to one), newest first.
    pub async fn seekers(&self, actor: &Actor, state: Option<&str>) -> AppResult<Vec<Seeker>> {
        must(reads(actor.user.role))?;
        let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                SeekerState::parse(s)
                    .ok_or_else(|| AppError::invalid("state", "没有这个求职状态"))?,
            ),
        };
        let mut conn = self.app.store.acquire().await?;
        Ok(sj::seekers(&mut conn, &actor.scope(), state, LIST_LIMIT).await?)
    }

    /// One seeker with their referrals and the open positions of the kind they want.
    pub async fn seeker(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(Seeker, Vec<Match>, Vec<Position>)> {
        must(reads(actor.user.role))?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let s = sj::get_seeker(&mut conn, &scope, id).await?;
        let matches = sj::matches(&mut conn, &scope, Some(id), LIST_LIMIT).await?;
        let open = sj::positions(&mut conn, &scope, Some(s.work), true, LIST_LIMIT).await?;
        Ok((s, matches, open))
    }

    /// A seeker stops looking (found work themselves, moved away…).
    pub async fn withdraw(&self, actor: &Actor, id: i64) -> AppResult<Seeker> {
        must(reads(actor.user.role))?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let s = sj::get_seeker(&mut tx, &scope, id).await?;
        if !sj::end_seeker(&mut tx, id, SeekerState::Withdrawn, now_ms()).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "求职登记已结束".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "job_seeker",
                Some(id),
                &s.path,
                format!("退出求职登记：{}", s.name),
            ),
        )
        .await?;
        let s = sj::get_seeker(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    /// The firms a manager may post for: the merchants of their scope, (id, name).
    pub async fn firms(&self, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
        must(actor.user.role.is_manager())?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sj::firms(&mut conn, &actor.scope(), 1000).await?)
    }

    /// Post a position offered by a firm of the caller's scope (managers).
    pub async fn post(&self, actor: &Actor, input: &PositionInput) -> AppResult<Position> {
        must(actor.user.role.is_manager())?;
        let work = work_of(&input.work)?;
        let title = crate::participation::text("title", "岗位名称", &input.title, 40)?;
        let openings = dj::check_openings(input.openings)?;
        let wage = dj::check_wage(input.wage_min, input.wage_max)?;
        let requirements = input.requirements.trim();
        jingzhi_domain::check_max_chars("requirements", "岗位要求", requirements, 500)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let (mid, path) =
            sj::firm(&mut tx, &scope, input.merchant_id)
                .await
                .map_err(|e| match e {
                    jingzhi_store::Error::NotFound => {
                        AppError::invalid("merchant_id", "请从列表中选择辖区内的企业商户")
                    }
                    e => e.into(),
                })?;
        let id = sj::insert_position(
            &mut tx,
            &sj::NewPosition {
                merchant_id: mid,
                path: &path,
                title: &title,
                work,
                openings,
                wage,
                requirements,
                by: &actor.user.display_name,
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "job_position",
                Some(id),
                &path,
                format!("发布岗位：{title}，{openings}人"),
            ),
        )
        .await?;
        let p = sj::get_position(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }

    /// Positions within reach (`open_only`: not closed, not full), newest first.
    pub async fn positions(&self, actor: &Actor, open_only: bool) -> AppResult<Vec<Position>> {
        must(reads(actor.user.role))?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sj::positions(&mut conn, &actor.scope(), None, open_only, LIST_LIMIT).await?)
    }

    /// Close a position (managers of its firm's place).
    pub async fn close(&self, actor: &Actor, id: i64) -> AppResult<Position> {
        must(reads(actor.user.role))?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let p = sj::get_position(&mut tx, &scope, id).await?;
        must(actor.user.role.is_manager() && p.path.starts_with(&scope.path))?;
        if !sj::close_position(&mut tx, id, now_ms()).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "岗位已关闭".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "job_position",
                Some(id),
                &p.path,
                format!("关闭岗位：{}", p.title),
            ),
        )
        .await?;
        let p = sj::get_position(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }

    /// Refer a seeker (still seeking) to an open position within reach; once per pair.
    pub async fn refer(
        &self,
        actor: &Actor,
        seeker_id: i64,
        position_id: i64,
        note: &str,
    ) -> AppResult<Match> {
        must(reads(actor.user.role))?;
        let note = note.trim();
        jingzhi_domain::check_max_chars("note", "备注", note, 200)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let s = sj::get_seeker(&mut tx, &scope, seeker_id).await?;
        let p = sj::get_position(&mut tx, &scope, position_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("position_id", "请从列表中选择岗位")
                }
                e => e.into(),
            })?;
        let conflict = |reason: &str| AppError::Conflict {
            field: "position_id".into(),
            reason: reason.into(),
        };
        if s.state != SeekerState::Seeking {
            return Err(conflict("该居民的求职登记已结束"));
        }
        if p.closed_at.is_some() || p.filled >= p.openings {
            return Err(conflict("岗位已关闭或已招满"));
        }
        let id = sj::insert_match(
            &mut tx,
            s.id,
            p.id,
            &s.path,
            note,
            &actor.user.display_name,
            now,
        )
        .await
        .map_err(|e| match e {
            jingzhi_store::Error::Conflict(_) => conflict("已推荐过这个岗位"),
            e => e.into(),
        })?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "job_match",
                Some(id),
                &s.path,
                format!("推荐{}应聘{}：{}", s.name, p.employer, p.title),
            ),
        )
        .await?;
        let m = sj::get_match(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// Record where a referral stands: interview, placed (takes an opening, ends the search) or
    /// declined.
    pub async fn outcome(&self, actor: &Actor, id: i64, to: &str, note: &str) -> AppResult<Match> {
        must(reads(actor.user.role))?;
        let to = MatchState::parse(to)
            .ok_or_else(|| AppError::invalid("state", "请从列表中选择推荐结果"))?;
        let note = note.trim();
        jingzhi_domain::check_max_chars("note", "备注", note, 200)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let m = sj::get_match(&mut tx, &scope, id).await?;
        let conflict = |reason: String| AppError::Conflict {
            field: "state".into(),
            reason,
        };
        if !dj::may_move(m.state, to) {
            return Err(conflict(format!(
                "推荐{}，不能改为{}",
                m.state.label_zh(),
                to.label_zh()
            )));
        }
        if to == MatchState::Placed {
            if !sj::take_opening(&mut tx, m.position_id).await? {
                return Err(conflict("岗位已关闭或已招满".into()));
            }
            if !sj::end_seeker(&mut tx, m.seeker_id, SeekerState::Placed, now).await? {
                return Err(conflict("该居民的求职登记已结束".into()));
            }
        }
        if !sj::set_match(
            &mut tx,
            id,
            m.state,
            to,
            note,
            &actor.user.display_name,
            now,
        )
        .await?
        {
            return Err(conflict("推荐刚被他人更新，请刷新后再试".into()));
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "job_match",
                Some(id),
                &m.path,
                format!("{}应聘{}：{}", m.seeker_name, m.title, to.label_zh()),
            ),
        )
        .await?;
        let m = sj::get_match(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// This year's numbers of the caller's place and each place under it with any (auditors
    /// too: counts only).
    pub async fn numbers(&self, actor: &Actor) -> AppResult<(PlaceNumbers, Vec<PlaceNumbers>)> {
        must(reads(actor.user.role) || actor.user.role == Role::Auditor)?;
        let since = jingzhi_domain::time_fmt::year_start_ms();
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let mine = PlaceNumbers {
            node_id: node.id,
            name: node.name.clone(),
            numbers: sj::numbers(&mut conn, &node.path, since).await?,
        };
        let mut places = Vec::new();
        if node.kind.depth() < jingzhi_domain::registry::NodeKind::Grid.depth() {
            for child in sr::children(&mut conn, &scope, node.id).await? {
                let numbers = sj::numbers(&mut conn, &child.path, since).await?;
                if numbers.registered + numbers.seeking + numbers.placed > 0 {
                    places.push(PlaceNumbers {
                        node_id: child.id,
                        name: child.name,
                        numbers,
                    });
                }
            }
        }
        Ok((mine, places))
    }
}
