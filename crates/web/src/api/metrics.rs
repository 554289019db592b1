//! Event metrics: `GET /api/v1/metrics/events` (the dashboard's numbers as JSON).

use super::query;
use super::schemas::Dashboard;
use crate::error::{ApiResult, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use jingzhi_app::AppError;
use jingzhi_domain::events::metrics::{month_start, next_month};
use jingzhi_domain::time_fmt::{parse_date, CST};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module, each with its OpenAPI operation (see [`super::routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// The place (a node in the caller's scope); the caller's scope node by default.
    pub node_id: Option<String>,
    /// Start: `YYYY-MM` (that month), `YYYY-MM-DD` (that day, China Standard Time) or Unix time
    /// in milliseconds. Default: the first day of the month eleven months ago.
    pub from: Option<String>,
    /// End, inclusive for `YYYY-MM` and `YYYY-MM-DD`, exclusive for milliseconds. Default: the
    /// end of this month.
    pub to: Option<String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An instant from `YYYY-MM`, `YYYY-MM-DD` (China Standard Time) or milliseconds; `end` moves a
/// month or day to its end (the start of the next).
pub fn instant(field: &'static str, s: Option<&str>, end: bool) -> Result<Option<i64>, AppError> {
    let Some(s) = s else { return Ok(None) };
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(Some(ms));
    }
    let bad = || AppError::invalid(field, "日期应为 YYYY-MM 或 YYYY-MM-DD");
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() == 2 {
        let y: i32 = parts[0].parse().map_err(|_| bad())?;
        let m: i32 = parts[1].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&m) || !(1900..=9999).contains(&y) {
            return Err(bad());
        }
        let ym = y * 100 + m;
        return Ok(Some(month_start(if end { next_month(ym) } else { ym })));
    }
    let d = parse_date(s).ok_or_else(bad)?;
    let d = if end { d.next_day().unwrap_or(d) } else { d };
    Ok(Some(
        d.midnight().assume_offset(CST).unix_timestamp() * 1000,
    ))
}

impl MetricsQuery {
    /// (node, from, to) as the use-case takes them.
    pub fn parse(&self) -> Result<(Option<i64>, Option<i64>, Option<i64>), AppError> {
        let node = match blank(&self.node_id) {
            None => None,
            Some(n) => Some(
                n.parse::<i64>()
                    .map_err(|_| AppError::invalid("node_id", "地区编号应为数字"))?,
            ),
        };
        Ok((
            node,
            instant("from", blank(&self.from), false)?,
            instant("to", blank(&self.to), true)?,
        ))
    }
}

/// The event metrics of a place and period (docs/metrics.md): counts and rates, by month, by
/// category, by child place (with 12345 volume per month) and whistle performance per
/// department. Not for residents (403); a place outside the caller's scope is 404.
#[utoipa::path(get, path = "/api/v1/metrics/events", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = super::schemas::Dashboard),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn events(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    q: Result<Query<MetricsQuery>, QueryRejection>,
) -> ApiResult<Json<Dashboard>> {
    let (node, from, to) = query(q)?.parse()?;
    let d = s
        .app
        .event_dashboard_cached(&c.actor, node, from, to)
        .await?;
    Ok(Json(jingzhi_app::metrics::Dashboard::clone(&d).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_as_china_months_and_days() {
        let (n, f, t) = MetricsQuery {
            node_id: Some("7".into()),
            from: Some("2026-01".into()),
            to: Some("2026-03".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(n, Some(7));
        assert_eq!(f, Some(month_start(202601)));
        assert_eq!(t, Some(month_start(202604)));
        let day = instant("from", Some("2026-03-01"), false).unwrap();
        assert_eq!(day, Some(month_start(202603)));
        assert!(instant("from", Some("2026-13"), false).is_err());
        assert!(instant("from", Some("yesterday"), false).is_err());
        assert_eq!(instant("to", Some("123"), true).unwrap(), Some(123));
    }
}
