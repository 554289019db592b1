//! The rates of `docs/metrics.md`, computed from counts the store gathers for a scope. A rate
//! over nothing is `None` (shown as "—"), never 0 or 100 %.

use serde::{Deserialize, Serialize};

/// Counts of events reported in a scope and period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Every event reported.
    pub reported: i64,
    /// Responded to (accepted, invalidated or merged) within the response limit.
    pub responded_in_time: i64,
    /// Neither invalid nor merged.
    pub valid: i64,
    /// Valid events that reached `resolved` (at least once).
    pub resolved: i64,
    /// Resolved no later than the deadline.
    pub resolved_on_time: i64,
    /// Latest ratings of rated events.
    pub satisfied: i64,
    pub fairly_satisfied: i64,
    pub dissatisfied: i64,
    /// Valid events with a whistle.
    pub whistled: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub whistle_rate: Option<f64>,
}

fn ratio(a: f64, b: i64) -> Option<f64> {
    (b > 0).then(|| a / b as f64)
}

/// (满意 + 0.9 × 基本满意) / rated.
pub fn satisfaction_rate(satisfied: i64, fairly_satisfied: i64, dissatisfied: i64) -> Option<f64> {
    ratio(
        satisfied as f64 + 0.9 * fairly_satisfied as f64,
        satisfied + fairly_satisfied + dissatisfied,
    )
}

pub fn rates(c: &Counts) -> Rates {
    Rates {
        response_rate: ratio(c.responded_in_time as f64, c.reported),
        resolution_rate: ratio(c.resolved as f64, c.valid),
        satisfaction_rate: satisfaction_rate(c.satisfied, c.fairly_satisfied, c.dissatisfied),
        on_time_rate: ratio(c.resolved_on_time as f64, c.resolved),
        whistle_rate: ratio(c.whistled as f64, c.valid),
    }
}

/// Default time within which an event must be responded to (accepted, invalidated or merged):
/// 2 hours.
pub const RESPONSE_LIMIT_MS: i64 = 2 * 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_weights_fairly_satisfied_by_nine_tenths() {
        assert_eq!(satisfaction_rate(0, 0, 0), None);
        let r = satisfaction_rate(6, 2, 2).unwrap();
        assert!((r - 0.78).abs() < 1e-9, "{r}");
        let all = rates(&Counts {
            reported: 4,
            responded_in_time: 3,
            valid: 2,
            resolved: 1,
            resolved_on_time: 1,
            ..Default::default()
        });
        assert_eq!(all.response_rate, Some(0.75));
        assert_eq!(all.resolution_rate, Some(0.5));
        assert_eq!(all.on_time_rate, Some(1.0));
        assert_eq!(all.satisfaction_rate, None);
    }
}
