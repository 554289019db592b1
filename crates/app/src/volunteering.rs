//! Volunteer service hours (issue 13 §3; docs/volunteering.md).
//!
//! - A volunteer — any account that is a member of a volunteer or emergency team — logs the
//!   hours they served with one of their teams: the day, the time, what they did.
//! - The team's leader, or a manager of the team's place, confirms or rejects them (with a
//!   reason); **never the volunteer themself**, even when they lead the team. The volunteer is
//!   told of the decision.
//! - Totals count confirmed hours only: a volunteer's own, and per volunteer and team for
//!   leaders and managers.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_domain::volunteering::{self as dv, Decider, HoursStatus};
use jingzhi_store::audit;
use jingzhi_store::volunteering as sv;

pub use jingzhi_store::volunteering::{Hours, Total};

pub const LIST_LIMIT: i64 = 500;

#[derive(Debug, Clone, Default)]
pub struct LogInput {
    pub team_id: i64,
    /// `YYYY-MM-DD`
    pub served_on: String,
    pub minutes: i64,
    pub activity: String,
}

pub struct Volunteering<'a> {
    app: &'a App,
}

impl App {
    pub fn volunteering(&self) -> Volunteering<'_> {
        Volunteering { app: self }
    }
}

/// The first instant of a day written `YYYY-MM-DD` (China time).
fn day_ms(s: &str) -> AppResult<i64> {
    let d = jingzhi_domain::time_fmt::parse_date(s)
        .ok_or_else(|| AppError::invalid("served_on", "请填写服务日期（年-月-日）"))?;
    Ok(jingzhi_domain::time_fmt::day_start_ms(d))
}

impl Volunteering<'_> {
    /// Log hours served with one of the caller's teams.
    pub async fn log(&self, actor: &Actor, input: &LogInput) -> AppResult<Hours> {
        let now = now_ms();
        let served = dv::check_served(day_ms(&input.served_on)?, now)?;
        let minutes = dv::check_minutes(input.minutes)?;
        let activity = crate::participation::text("activity", "服务内容", &input.activity, 200)?;
        let mut tx = self.app.store.begin().await?;
        let team = jingzhi_store::emergency::teams_of_user(&mut tx, actor.id())
            .await?
            .into_iter()
            .find(|t| t.id == input.team_id)
            .ok_or_else(|| AppError::invalid("team_id", "请选择您所在的队伍"))?;
        let id = sv::insert(
            &mut tx,
            team.id,
            actor.id(),
            &team.path,
            served,
            minutes,
            &activity,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "volunteer_hours",
                Some(id),
                &team.path,
                format!("登记志愿服务{}小时：{}", dv::hours(minutes), team.name),
            ),
        )
        .await?;
        let h = sv::get(&mut tx, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(h)
    }

    /// The caller's own entries and their confirmed minutes this year.
    pub async fn mine(&self, actor: &Actor) -> AppResult<(Vec<Hours>, i64)> {
        let mut conn = self.app.store.acquire().await?;
        let rows = sv::of_user(&mut conn, actor.id(), LIST_LIMIT).await?;
        let total = sv::own_total(
            &mut conn,
            actor.id(),
            jingzhi_domain::time_fmt::year_start_ms(),
        )
        .await?;
        Ok((rows, total))
    }

    /// Pending entries the caller may decide (the teams they lead; managers, their places').
    pub async fn to_decide(&self, actor: &Actor) -> AppResult<Vec<Hours>> {
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.user.role.is_manager().then(|| actor.scope());
        Ok(sv::to_decide(&mut conn, actor.id(), scope.as_ref(), LIST_LIMIT).await?)
    }

    /// Confirmed hours this year per volunteer and team (the teams the caller leads; managers,
    /// their places').
    pub async fn totals(&self, actor: &Actor) -> AppResult<Vec<Total>> {
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.user.role.is_manager().then(|| actor.scope());
        Ok(sv::totals(
            &mut conn,
            actor.id(),
            scope.as_ref(),
            jingzhi_domain::time_fmt::year_start_ms(),
            LIST_LIMIT,
        )
        .await?)
    }

    /// Confirm (or reject, with a reason) a pending entry: the team's leader or a manager of its
    /// place, never the volunteer who logged it.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: i64,
        confirm: bool,
        reason: &str,
    ) -> AppResult<Hours> {
        let reason = reason.trim();
        jingzhi_domain::check_max_chars("reason", "理由", reason, 200)?;
        if !confirm && reason.is_empty() {
            return Err(AppError::invalid("reason", "不予确认时请写明理由"));
        }
        let mut tx = self.app.store.begin().await?;
        let h = sv::get(&mut tx, id).await?;
        let manages = actor.user.role.is_manager() && h.path.starts_with(&actor.user.scope_path);
        let in_reach = manages
            || h.leader_user_id == Some(actor.id())
            || h.user_id == actor.id()
            || (actor
                .user
                .role
                .can(jingzhi_domain::auth::Permission::ReadRegister)
                && h.path.starts_with(&actor.user.scope_path));
        if !in_reach {
            return Err(AppError::NotFound);
        }
        match dv::decider(actor.id(), h.user_id, h.leader_user_id, manages) {
            Decider::Own => {
                return Err(AppError::Conflict {
                    field: "id".into(),
                    reason: "不能确认自己登记的服务时长，请由队长或社区工作人员确认".into(),
                })
            }
            Decider::Other => return Err(AppError::Forbidden),
            Decider::Leader | Decider::Manager => {}
        }
        let status = if confirm {
            HoursStatus::Confirmed
        } else {
            HoursStatus::Rejected
        };
        let now = now_ms();
        let reason_opt = (!reason.is_empty()).then_some(reason);
        if !sv::decide(
            &mut tx,
            id,
            status,
            actor.audit_id(),
            actor.name(),
            reason_opt,
            now,
        )
        .await?
        {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "该记录已确认过".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                reason: reason_opt,
                ..actor.audit(
                    Action::Update,
                    "volunteer_hours",
                    Some(id),
                    &h.path,
                    format!(
                        "{}{}的志愿服务{}小时",
                        if confirm { "确认" } else { "不予确认" },
                        h.volunteer_name,
                        dv::hours(h.minutes)
                    ),
                )
            },
        )
        .await?;
        let notice = crate::notify::Notice {
            command: "volunteer_hours",
            status: status.as_str(),
            title: &format!("志愿服务{}小时{}", dv::hours(h.minutes), status.label_zh()),
            body: reason_opt.unwrap_or(&h.activity),
            link: "/volunteering",
        };
        crate::notify::tell_users(&mut tx, &[h.user_id], &h.path, &notice, now).await?;
        let h = sv::get(&mut tx, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(h)
    }
}
