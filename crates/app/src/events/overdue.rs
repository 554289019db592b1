//! Overdue events escalate one level up by themselves: a job inside `jingzhi serve` (every
//! minute) and `jingzhi events escalate-overdue`.
//!
//! Each escalation is the lifecycle's `escalate` command given by the system actor, in its own
//! short transaction (so a backlog of thousands never holds the write lock for long): it takes
//! the event only if its deadline is still the one the job saw, moves it through the domain
//! ([`jingzhi_domain::notify::overdue_escalation`]), restarts its deadline (a full period for
//! its urgency at the next level), and writes the timeline, the audit record and the
//! notifications like any other change. Escalating at most once per deadline, a rerun is a
//! no-op until the new deadline passes too.

use super::Events;
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::events::lifecycle::{self as lc, CommandKind, Effect, MAX_ESCALATIONS};
use jingzhi_domain::notify as dn;
use jingzhi_domain::time_fmt::{format_ms, now_ms};
use jingzhi_store::events as se;
use jingzhi_store::notify as sn;
use serde::Serialize;

/// Candidates read at a time.
const BATCH: i64 = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EscalationReport {
    /// Events escalated one level up.
    pub escalated: u64,
    /// Candidates someone else changed meanwhile (left alone).
    pub skipped: u64,
}

impl Events<'_> {
    pub async fn escalate_overdue(&self, actor: &Actor) -> AppResult<EscalationReport> {
        self.escalate_overdue_at(actor, now_ms()).await
    }

    /// Escalate every event in the actor's scope that is overdue at `now`, once.
    pub async fn escalate_overdue_at(
        &self,
        actor: &Actor,
        now: i64,
    ) -> AppResult<EscalationReport> {
        if !CommandKind::Escalate.allowed(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let scope = actor.scope();
        let statuses = dn::escalatable_statuses();
        let mut report = EscalationReport::default();
        let mut after = None;
        loop {
            let batch = {
                let mut conn = self.app.store.acquire().await?;
                sn::overdue_candidates(
                    &mut conn,
                    &scope,
                    &statuses,
                    now,
                    MAX_ESCALATIONS,
                    after,
                    BATCH,
                )
                .await?
            };
            let Some(last) = batch.last().copied() else {
                return Ok(report);
            };
            after = Some((last.1, last.0));
            for (id, deadline) in batch {
                if self.escalate_one(actor, id, deadline, now).await? {
                    report.escalated += 1;
                } else {
                    report.skipped += 1;
                }
            }
        }
    }

    /// Escalate one overdue event in its own transaction; `false` if it changed meanwhile.
    async fn escalate_one(
        &self,
        actor: &Actor,
        id: i64,
        deadline: i64,
        now: i64,
    ) -> AppResult<bool> {
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        if !sn::lock_if_deadline(&mut tx, &scope, id, deadline).await? {
            return Ok(false);
        }
        let before = se::get_event(&mut tx, &scope, id).await?;
        let Some(cmd) = dn::overdue_escalation(before.state(), before.deadline_at, now) else {
            return Ok(false);
        };
        let (state, effects) = match lc::transition(before.state(), &cmd, actor.user.role, now) {
            Ok(x) => x,
            Err(_) => return Ok(false),
        };
        let mut e = before.clone();
        e.status = state.status;
        e.reopened = state.reopened;
        e.escalations = state.escalations;
        e.updated_at = now;
        for fx in &effects {
            if let Effect::RestartDeadline = fx {
                e.deadline_at = self.deadline_policy().deadline(e.urgency, now);
            }
        }
        match se::save_event(&mut tx, &scope, &e, before.status).await {
            Ok(()) => {}
            Err(jingzhi_store::Error::Conflict(_)) => return Ok(false),
            Err(err) => return Err(err.into()),
        }
        let note = format!(
            "{}（期限{}），升级至上一级（第{}级）",
            dn::OVERDUE_REASON,
            format_ms(before.deadline_at),
            e.escalations
        );
        let kind = cmd.kind();
        crate::events::timeline_and_audit(
            &mut tx,
            actor,
            Some(&before),
            &e,
            kind.as_str(),
            kind.label_zh(),
            Some(&note),
            now,
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(true)
    }

    /// Escalate what is overdue every `every` until the task is dropped (inside `jingzhi serve`).
    pub async fn run_escalation_forever(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The warning's city-wide recompute runs hourly (its windows are in days), not each tick.
        let mut recomputed_at = i64::MIN;
        loop {
            tick.tick().await;
            let actor = match self.app.system_actor().await {
                Ok(a) => a,
                Err(_) => continue, // no city yet
            };
            match self.escalate_overdue(&actor).await {
                Ok(r) if r.escalated > 0 => {
                    tracing::info!(
                        escalated = r.escalated,
                        skipped = r.skipped,
                        "overdue events escalated"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "overdue escalation run failed"),
            }
            // Proposals whose answer is overdue go to the street the same way.
            match self
                .app
                .participation()
                .escalate_overdue_proposals_at(&actor, now_ms())
                .await
            {
                Ok(n) if n > 0 => tracing::info!(escalated = n, "overdue proposals escalated"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "overdue proposal escalation failed"),
            }
            // Households unreachable in an emergency past their retry time go to the managers.
            match self.app.emergency().escalate_due(&actor).await {
                Ok(n) if n > 0 => tracing::info!(escalated = n, "unreachable households escalated"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "emergency escalation failed"),
            }
            // The warning: recomputed for the whole city (time moves hardships and visits in and
            // out of the rules' windows), then overdue cases, referrals and visits escalated.
            let care = self.app.care();
            let now = now_ms();
            if now.saturating_sub(recomputed_at) >= 3_600_000 {
                recomputed_at = now;
                match care.recompute_at(&actor, &actor.user.scope_path, now).await {
                    Ok(r) if !r.changes.is_empty() => {
                        tracing::info!(
                            changed = r.changes.len(),
                            ms = r.millis as u64,
                            "warnings recomputed"
                        )
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "care recompute failed"),
                }
            }
            match care.escalate_due_at(now).await {
                Ok(n) if n > 0 => {
                    tracing::info!(escalated = n, "care cases, referrals and visits escalated")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "care escalation failed"),
            }
        }
    }
}
