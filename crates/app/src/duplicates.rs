//! Duplicate suggestions: events in the caller's scope that are likely the same problem as a
//! report (same category, near, close in time, similar text; see
//! `jingzhi_domain::events::duplicates`). Staff merge a duplicate with the `Events::merge`
//! use-case. Residents get no suggestions: they would show other people's reports.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::auth::Role;
use jingzhi_domain::events::duplicates::{self as dup, DuplicatePolicy, Report, Score};
use jingzhi_store::duplicates as sd;
use jingzhi_store::events as se;
use serde::Serialize;

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::duplicates::Candidate;

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub event: Candidate,
    pub score: Score,
}

/// Duplicates: suggestions of events that are likely the same problem. Reached as
/// `app.duplicates()`.
#[derive(Clone, Copy)]
pub struct Duplicates<'a> {
    app: &'a App,
}

impl App {
    /// See [`Duplicates`].
    pub fn duplicates(&self) -> Duplicates<'_> {
        Duplicates { app: self }
    }
}

impl Duplicates<'_> {
    /// The thresholds in force (the documented defaults until a deployment sets its own).
    pub fn policy(&self) -> DuplicatePolicy {
        DuplicatePolicy::default()
    }

    /// Likely duplicates of a report being made (`category` at lon/lat `x`/`y`, time `at`,
    /// text `text`), best first.
    pub async fn suggest_duplicates(
        &self,
        actor: &Actor,
        category: &str,
        x: f64,
        y: f64,
        at: i64,
        text: &str,
    ) -> AppResult<Vec<Suggestion>> {
        self.suggest(actor, category, x, y, at, text, None).await
    }

    /// Likely duplicates of a stored event (in scope), best first. An event without a location
    /// has none.
    pub async fn of_event(&self, actor: &Actor, event_id: i64) -> AppResult<Vec<Suggestion>> {
        // Residents never; department staff see only events sent to them, not their neighbours.
        if matches!(actor.user.role, Role::Resident | Role::DepartmentStaff) {
            return Err(AppError::Forbidden);
        }
        let e = {
            let mut conn = self.app.store.acquire().await?;
            se::get_event(&mut conn, &actor.scope(), event_id).await?
        };
        let (Some(x), Some(y)) = (e.x, e.y) else {
            return Ok(vec![]);
        };
        self.suggest(
            actor,
            &e.category_code,
            x,
            y,
            e.reported_at,
            &e.description,
            Some(e.id),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn suggest(
        &self,
        actor: &Actor,
        category: &str,
        x: f64,
        y: f64,
        at: i64,
        text: &str,
        exclude: Option<i64>,
    ) -> AppResult<Vec<Suggestion>> {
        if matches!(actor.user.role, Role::Resident | Role::DepartmentStaff) {
            return Err(AppError::Forbidden);
        }
        if !(x.is_finite() && (-180.0..=180.0).contains(&x)) {
            return Err(AppError::invalid("x", "经度无效"));
        }
        if !(y.is_finite() && (-90.0..=90.0).contains(&y)) {
            return Err(AppError::invalid("y", "纬度无效"));
        }
        let p = self.policy();
        let report = Report {
            category,
            x,
            y,
            at,
            text,
        };
        let mut conn = self.app.store.acquire().await?;
        let cands = sd::candidates(
            &mut conn,
            &actor.scope(),
            category,
            at.saturating_sub(p.window_ms),
            at.saturating_add(p.window_ms),
            dup::bounding_box(x, y, p.max_distance_m),
            exclude,
        )
        .await?;
        let mut out: Vec<Suggestion> = cands
            .into_iter()
            .filter_map(|c| {
                let s = dup::score(
                    &report,
                    &Report {
                        category: &c.category_code,
                        x: c.x,
                        y: c.y,
                        at: c.reported_at,
                        text: &c.description,
                    },
                    &p,
                )?;
                Some(Suggestion { event: c, score: s })
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .score
                .total_cmp(&a.score.score)
                .then(b.event.id.cmp(&a.event.id))
        });
        out.truncate(p.limit);
        Ok(out)
    }
}
