//! Urgency and deadlines. The defaults follow the 12345 hotline practice; a deployment changes
//! them through [`DeadlinePolicy`].

use serde::{Deserialize, Serialize};

const HOUR: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Emergency,
    Urgent,
    Ordinary,
    Complex,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Emergency,
        Urgency::Urgent,
        Urgency::Ordinary,
        Urgency::Complex,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "emergency",
            Urgency::Urgent => "urgent",
            Urgency::Ordinary => "ordinary",
            Urgency::Complex => "complex",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Urgency::Emergency => "紧急",
            Urgency::Urgent => "加急",
            Urgency::Ordinary => "一般",
            Urgency::Complex => "疑难复杂",
        }
    }
}

/// How long (ms) an event of each urgency has to be resolved, and how long a summoned
/// department has to report in (报到) after a whistle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinePolicy {
    pub emergency_ms: i64,
    pub urgent_ms: i64,
    pub ordinary_ms: i64,
    pub complex_ms: i64,
    pub report_in_emergency_ms: i64,
    pub report_in_ms: i64,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self {
            emergency_ms: 2 * HOUR,
            urgent_ms: 24 * HOUR,
            ordinary_ms: 7 * 24 * HOUR,
            complex_ms: 15 * 24 * HOUR,
            report_in_emergency_ms: 30 * 60_000,
            report_in_ms: 24 * HOUR,
        }
    }
}

impl DeadlinePolicy {
    pub fn duration_ms(&self, u: Urgency) -> i64 {
        match u {
            Urgency::Emergency => self.emergency_ms,
            Urgency::Urgent => self.urgent_ms,
            Urgency::Ordinary => self.ordinary_ms,
            Urgency::Complex => self.complex_ms,
        }
    }

    /// When an event of urgency `u` reported (or reopened) at `from_ms` must be resolved.
    pub fn deadline(&self, u: Urgency, from_ms: i64) -> i64 {
        from_ms.saturating_add(self.duration_ms(u))
    }

    /// When departments summoned at `from_ms` must have reported in.
    pub fn report_in_deadline(&self, u: Urgency, from_ms: i64) -> i64 {
        from_ms.saturating_add(if u == Urgency::Emergency {
            self.report_in_emergency_ms
        } else {
            self.report_in_ms
        })
    }

    pub fn check(&self) -> Result<(), crate::FieldError> {
        let all = [
            self.emergency_ms,
            self.urgent_ms,
            self.ordinary_ms,
            self.complex_ms,
            self.report_in_emergency_ms,
            self.report_in_ms,
        ];
        if all.iter().any(|d| *d <= 0) {
            return Err(crate::FieldError::new("deadline", "期限必须大于零"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_12345() {
        let p = DeadlinePolicy::default();
        assert_eq!(p.deadline(Urgency::Emergency, 0), 2 * HOUR);
        assert_eq!(p.deadline(Urgency::Urgent, 0), 24 * HOUR);
        assert_eq!(p.deadline(Urgency::Ordinary, 0), 7 * 24 * HOUR);
        assert_eq!(p.deadline(Urgency::Complex, 0), 15 * 24 * HOUR);
        assert_eq!(p.report_in_deadline(Urgency::Emergency, 0), 30 * 60_000);
        assert_eq!(p.report_in_deadline(Urgency::Ordinary, 0), 24 * HOUR);
        p.check().unwrap();
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
    }
}
