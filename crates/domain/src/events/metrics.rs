//! The rates of `docs/metrics.md`, computed from counts the store gathers for a scope. A rate
//! over nothing is `None` (shown as "—"), never 0 or 100 %.

use super::lifecycle::{Rating, Status};
use crate::FieldError;
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
    /// Events that came from the 12345 hotline (`source = 'hotline'`).
    #[serde(default)]
    pub hotline: i64,
}

impl Counts {
    /// Add `o` times `sign` (1 to add, -1 to take away).
    pub fn add(&mut self, o: &Counts, sign: i64) {
        self.reported += sign * o.reported;
        self.responded_in_time += sign * o.responded_in_time;
        self.valid += sign * o.valid;
        self.resolved += sign * o.resolved;
        self.resolved_on_time += sign * o.resolved_on_time;
        self.satisfied += sign * o.satisfied;
        self.fairly_satisfied += sign * o.fairly_satisfied;
        self.dissatisfied += sign * o.dissatisfied;
        self.whistled += sign * o.whistled;
        self.hotline += sign * o.hotline;
    }

    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }

    /// The columns in the order of [`Counts::COLUMNS`].
    pub fn values(&self) -> [i64; 10] {
        [
            self.reported,
            self.responded_in_time,
            self.valid,
            self.resolved,
            self.resolved_on_time,
            self.satisfied,
            self.fairly_satisfied,
            self.dissatisfied,
            self.whistled,
            self.hotline,
        ]
    }

    pub fn from_values(v: [i64; 10]) -> Counts {
        Counts {
            reported: v[0],
            responded_in_time: v[1],
            valid: v[2],
            resolved: v[3],
            resolved_on_time: v[4],
            satisfied: v[5],
            fairly_satisfied: v[6],
            dissatisfied: v[7],
            whistled: v[8],
            hotline: v[9],
        }
    }

    /// Column names of the counts (the store's rollup uses the same names).
    pub const COLUMNS: [&'static str; 10] = [
        "reported",
        "responded_in_time",
        "valid",
        "resolved",
        "resolved_on_time",
        "satisfied",
        "fairly_satisfied",
        "dissatisfied",
        "whistled",
        "hotline",
    ];
}

/// What of one event the metrics count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    pub status: Status,
    pub hotline: bool,
    pub reported_at: i64,
    pub deadline_at: i64,
    pub responded_at: Option<i64>,
    pub first_resolved_at: Option<i64>,
    pub rating: Option<Rating>,
    pub whistled: bool,
}

/// The counts one event adds to its place and month: the per-event form of the definitions in
/// `docs/metrics.md` (the store's direct SQL counts the same; a test compares them).
pub fn contribution(f: &EventFacts) -> Counts {
    let valid = !matches!(f.status, Status::Invalid | Status::Merged);
    let b = |x: bool| i64::from(x);
    Counts {
        reported: 1,
        responded_in_time: b(f
            .responded_at
            .is_some_and(|r| r - f.reported_at <= RESPONSE_LIMIT_MS)),
        valid: b(valid),
        resolved: b(valid && f.first_resolved_at.is_some()),
        resolved_on_time: b(valid && f.first_resolved_at.is_some_and(|r| r <= f.deadline_at)),
        satisfied: b(f.rating == Some(Rating::Satisfied)),
        fairly_satisfied: b(f.rating == Some(Rating::FairlySatisfied)),
        dissatisfied: b(f.rating == Some(Rating::Dissatisfied)),
        whistled: b(valid && f.whistled),
        hotline: b(f.hotline),
    }
}

/// The source name of events from the 12345 hotline.
pub const HOTLINE_SOURCE: &str = "hotline";

/// Depth of a community in the tree (city 0, district 1, street 2, community 3).
pub const COMMUNITY_DEPTH: usize = 3;

/// The path of the community an event's place lies in (`/1/2/3/4/` for `/1/2/3/4/5/6/7/`): the
/// place the monthly rollup keeps counts for. A path above the community level is its own.
pub fn community_path(path: &str) -> &str {
    ancestor_path(path, COMMUNITY_DEPTH)
}

/// Depth of a street in the tree.
pub const STREET_DEPTH: usize = 2;

/// The path of the street an event's place lies in: the place the category rollup keeps
/// counts for (the dashboard reads it only for streets and above).
pub fn street_path(path: &str) -> &str {
    ancestor_path(path, STREET_DEPTH)
}

/// The path of the ancestor at `depth` (city 0), or the path itself when it is not that deep.
pub fn ancestor_path(path: &str, depth: usize) -> &str {
    // The ancestor's path has depth + 2 slashes.
    let mut seen = 0;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' {
            seen += 1;
            if seen == depth + 2 {
                return &path[..=i];
            }
        }
    }
    path
}

/// A month as `yyyymm` (China Standard Time).
pub fn month_of(ms: i64) -> i32 {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(crate::time_fmt::CST);
    t.year() * 100 + t.month() as i32
}

/// The start or end of a dashboard's period: an instant from `YYYY-MM`, `YYYY-MM-DD` (China Standard Time) or milliseconds; `end` moves a
/// month or day to its end (the start of the next).
pub fn period_instant(
    field: &'static str,
    s: Option<&str>,
    end: bool,
) -> Result<Option<i64>, FieldError> {
    let Some(s) = s else { return Ok(None) };
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(Some(ms));
    }
    let bad = || FieldError::new(field, "日期应为 YYYY-MM 或 YYYY-MM-DD");
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
    let d = crate::time_fmt::parse_date(s).ok_or_else(bad)?;
    let d = if end { d.next_day().unwrap_or(d) } else { d };
    Ok(Some(
        d.midnight()
            .assume_offset(crate::time_fmt::CST)
            .unix_timestamp()
            * 1000,
    ))
}

/// The first instant (UTC ms) of month `yyyymm` in China Standard Time.
pub fn month_start(yyyymm: i32) -> i64 {
    let (y, m) = (yyyymm / 100, (yyyymm % 100).clamp(1, 12) as u8);
    let d = time::Date::from_calendar_date(
        y,
        time::Month::try_from(m).unwrap_or(time::Month::January),
        1,
    )
    .unwrap_or(time::Date::MIN);
    d.midnight()
        .assume_offset(crate::time_fmt::CST)
        .unix_timestamp()
        * 1000
}

/// The month after `yyyymm`.
pub fn next_month(yyyymm: i32) -> i32 {
    if yyyymm % 100 >= 12 {
        (yyyymm / 100 + 1) * 100 + 1
    } else {
        yyyymm + 1
    }
}

/// The months `[from, to)` covers, when both are month starts (CST); `None` otherwise.
pub fn whole_months(from_ms: i64, to_ms: i64) -> Option<(i32, i32)> {
    let (a, b) = (month_of(from_ms), month_of(to_ms));
    (month_start(a) == from_ms && month_start(b) == to_ms && a < b).then_some((a, b))
}

/// Every month from `a` up to (not including) `b`.
pub fn months(a: i32, b: i32) -> Vec<i32> {
    let mut out = vec![];
    let mut m = a;
    while m < b && out.len() < 1200 {
        out.push(m);
        m = next_month(m);
    }
    out
}

/// `2026-03` for 202603.
pub fn month_label(yyyymm: i32) -> String {
    format!("{:04}-{:02}", yyyymm / 100, yyyymm % 100)
}

/// The default dashboard period: the twelve months up to and including the month of `now`
/// (CST), as `[from, to)` in ms.
pub fn last_twelve_months(now_ms: i64) -> (i64, i64) {
    let this = month_of(now_ms);
    let to = next_month(this);
    let mut from = this;
    for _ in 0..11 {
        from = if from % 100 == 1 {
            (from / 100 - 1) * 100 + 12
        } else {
            from - 1
        };
    }
    (month_start(from), month_start(to))
}

/// One department's record in the whistles of a place and period (吹哨报到 performance).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DepartmentCounts {
    pub department: String,
    /// Times summoned.
    pub summoned: i64,
    pub reported_in: i64,
    /// Reported in no later than the whistle's report-in deadline.
    pub reported_in_on_time: i64,
    /// Sum of (reported in − blown), ms, over those reported in.
    pub report_in_ms_total: i64,
    pub tasks: i64,
    pub tasks_done: i64,
    pub satisfied: i64,
    pub fairly_satisfied: i64,
    pub dissatisfied: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DepartmentRates {
    pub on_time_report_in_rate: Option<f64>,
    /// Mean time from the whistle to reporting in, minutes.
    pub mean_report_in_minutes: Option<f64>,
    pub task_completion_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

pub fn department_rates(d: &DepartmentCounts) -> DepartmentRates {
    DepartmentRates {
        on_time_report_in_rate: ratio(d.reported_in_on_time as f64, d.summoned),
        mean_report_in_minutes: ratio(d.report_in_ms_total as f64 / 60_000.0, d.reported_in),
        task_completion_rate: ratio(d.tasks_done as f64, d.tasks),
        satisfaction_rate: satisfaction_rate(d.satisfied, d.fairly_satisfied, d.dissatisfied),
    }
}

/// Counts of one place (a community, or a finer place below a community) in one month: what the
/// rollup holds and what the direct count groups by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceMonth {
    pub path: String,
    pub month: i32,
    pub counts: Counts,
}

/// A child of the dashboard's place, with its path (the rows are attributed to the child whose
/// path is a prefix of theirs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Child {
    pub id: i64,
    pub name: String,
    pub path: String,
}

/// The numbers of a place and period, grouped every way the dashboard shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub total: Counts,
    /// Every month of the period, in order (months without events count zero).
    pub by_month: Vec<(i32, Counts)>,
    /// Every child, in the order given.
    pub by_child: Vec<(Child, Counts)>,
    /// 12345 volume: per child, per month of `by_month` (same order).
    pub hotline_by_child_month: Vec<Vec<i64>>,
}

/// Group place-month rows into the dashboard's breakdown. Rows of places outside every child
/// still count in the totals and months.
pub fn breakdown(rows: &[PlaceMonth], months: &[i32], children: &[Child]) -> Breakdown {
    let mut b = Breakdown {
        by_month: months.iter().map(|m| (*m, Counts::default())).collect(),
        by_child: children
            .iter()
            .map(|c| (c.clone(), Counts::default()))
            .collect(),
        hotline_by_child_month: vec![vec![0; months.len()]; children.len()],
        ..Default::default()
    };
    // Children sorted by path for a binary search of the prefix.
    let mut order: Vec<usize> = (0..children.len()).collect();
    order.sort_by(|a, b| children[*a].path.cmp(&children[*b].path));
    let child_of = |path: &str| -> Option<usize> {
        let i = order.partition_point(|&k| children[k].path.as_str() <= path);
        (i > 0)
            .then(|| order[i - 1])
            .filter(|&k| path.starts_with(children[k].path.as_str()))
    };
    for r in rows {
        b.total.add(&r.counts, 1);
        let mi = months.binary_search(&r.month).ok();
        if let Some(mi) = mi {
            b.by_month[mi].1.add(&r.counts, 1);
        }
        if let Some(ci) = child_of(&r.path) {
            b.by_child[ci].1.add(&r.counts, 1);
            if let Some(mi) = mi {
                b.hotline_by_child_month[ci][mi] += r.counts.hotline;
            }
        }
    }
    b
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

    #[test]
    fn months_are_china_standard_time() {
        // 2026-02-28 16:00 UTC is 2026-03-01 00:00 in Beijing.
        let t = time::macros::datetime!(2026-02-28 16:00 UTC).unix_timestamp() * 1000;
        assert_eq!(month_of(t), 202603);
        assert_eq!(month_of(t - 1), 202602);
        assert_eq!(month_start(202603), t);
        assert_eq!(next_month(202612), 202701);
        assert_eq!(months(202611, 202703), vec![202611, 202612, 202701, 202702]);
        assert_eq!(whole_months(t, month_start(202605)), Some((202603, 202605)));
        assert_eq!(whole_months(t + 1, month_start(202605)), None);
        let (a, b) = last_twelve_months(t + 5 * 86_400_000);
        assert_eq!((month_of(a), month_of(b)), (202504, 202604));
        assert_eq!(
            whole_months(a, b).map(|(x, y)| months(x, y).len()),
            Some(12)
        );
    }

    #[test]
    fn community_path_cuts_at_the_fourth_level() {
        assert_eq!(community_path("/1/2/3/4/5/6/7/"), "/1/2/3/4/");
        assert_eq!(community_path("/1/22/333/4444/"), "/1/22/333/4444/");
        assert_eq!(community_path("/1/2/"), "/1/2/");
        assert_eq!(street_path("/1/2/3/4/5/"), "/1/2/3/");
    }

    #[test]
    fn contribution_follows_the_definitions() {
        let f = EventFacts {
            status: Status::Rated,
            hotline: true,
            reported_at: 0,
            deadline_at: 100,
            responded_at: Some(RESPONSE_LIMIT_MS),
            first_resolved_at: Some(100),
            rating: Some(Rating::FairlySatisfied),
            whistled: true,
        };
        let c = contribution(&f);
        assert_eq!(c.values(), [1, 1, 1, 1, 1, 0, 1, 0, 1, 1]);
        let late = contribution(&EventFacts {
            responded_at: Some(RESPONSE_LIMIT_MS + 1),
            first_resolved_at: Some(101),
            ..f.clone()
        });
        assert_eq!((late.responded_in_time, late.resolved_on_time), (0, 0));
        let merged = contribution(&EventFacts {
            status: Status::Merged,
            ..f.clone()
        });
        assert_eq!((merged.valid, merged.resolved, merged.whistled), (0, 0, 0));
        let mut sum = c.clone();
        sum.add(&c, -1);
        assert!(sum.is_zero());
        assert_eq!(Counts::from_values(c.values()), c);
    }

    #[test]
    fn breakdown_attributes_rows_to_children_and_months() {
        let one = |hotline| Counts {
            reported: 1,
            hotline,
            ..Default::default()
        };
        let rows = vec![
            PlaceMonth {
                path: "/1/2/3/4/".into(),
                month: 202601,
                counts: one(1),
            },
            PlaceMonth {
                path: "/1/2/3/40/".into(),
                month: 202602,
                counts: one(0),
            },
            PlaceMonth {
                path: "/1/2/3/40/".into(),
                month: 202602,
                counts: one(1),
            },
            PlaceMonth {
                path: "/1/2/9/5/".into(),
                month: 202602,
                counts: one(0),
            },
        ];
        let children = vec![
            Child {
                id: 40,
                name: "b".into(),
                path: "/1/2/3/40/".into(),
            },
            Child {
                id: 4,
                name: "a".into(),
                path: "/1/2/3/4/".into(),
            },
        ];
        let b = breakdown(&rows, &[202601, 202602, 202603], &children);
        assert_eq!(b.total.reported, 4);
        assert_eq!(
            b.by_month.iter().map(|m| m.1.reported).collect::<Vec<_>>(),
            [1, 3, 0]
        );
        assert_eq!(b.by_child[0].1.reported, 2);
        assert_eq!(b.by_child[1].1.reported, 1);
        assert_eq!(b.hotline_by_child_month, vec![vec![0, 1, 0], vec![1, 0, 0]]);
    }
}
