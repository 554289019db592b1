//! Likely duplicates of a report: an earlier (or later) event of the **same category**, reported
//! **near** it (haversine distance on WGS84 lon/lat) **within a time window**, with **similar
//! text** (Dice coefficient of character bigrams, which suits Chinese: no word segmentation is
//! needed). Pure: the store finds the candidates (same category, time window, scope, bounding
//! box), [`score`] decides.

use serde::{Deserialize, Serialize};

/// Thresholds of the duplicate check. The defaults are documented in `docs/metrics.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePolicy {
    /// Farthest apart two reports of one problem can be, metres (default 200).
    pub max_distance_m: f64,
    /// Farthest apart in time, ms (default 7 days).
    pub window_ms: i64,
    /// Least text similarity (0–1, default 0.2) for a candidate to be suggested.
    pub min_text_similarity: f64,
    /// Least overall score (0–1, default 0.45).
    pub min_score: f64,
    /// Most suggestions returned (default 10).
    pub limit: usize,
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        Self {
            max_distance_m: 200.0,
            window_ms: 7 * 24 * 3_600_000,
            min_text_similarity: 0.2,
            min_score: 0.45,
            limit: 10,
        }
    }
}

/// A report to compare (the new one, or a stored event).
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub category: &'a str,
    pub x: f64,
    pub y: f64,
    pub at: i64,
    pub text: &'a str,
}

/// Why a candidate was suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–1: 0.5 × text similarity + 0.3 × closeness + 0.2 × recency.
    pub score: f64,
    pub distance_m: f64,
    pub hours_apart: f64,
    pub text_similarity: f64,
}

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 points (lon, lat in degrees).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A bounding box (west, south, east, north) holding every point within `metres` of (x, y):
/// the store's cheap pre-filter before [`haversine_m`].
pub fn bounding_box(x: f64, y: f64, metres: f64) -> (f64, f64, f64, f64) {
    let dlat = (metres / EARTH_RADIUS_M).to_degrees();
    let c = y.to_radians().cos().abs().max(1e-6);
    let dlon = (dlat / c).min(180.0);
    (x - dlon, y - dlat, x + dlon, y + dlat)
}

/// The text as compared: letters and digits only (punctuation and spaces dropped), lower case.
fn normalise(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let c = normalise(s);
    let mut v: Vec<(char, char)> = c.windows(2).map(|w| (w[0], w[1])).collect();
    if v.is_empty() && c.len() == 1 {
        v.push((c[0], c[0]));
    }
    v.sort_unstable();
    v
}

/// Dice coefficient of the character bigrams (as multisets): 1 for the same text, 0 for texts
/// sharing no two adjacent characters. Symmetric.
pub fn text_similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return if normalise(a) == normalise(b) && !x.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    // Count the common bigrams of two sorted lists.
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    2.0 * common as f64 / (x.len() + y.len()) as f64
}

/// Whether `candidate` is a likely duplicate of `report`, and how likely. `None` when another
/// category, too far, too far apart in time, or the text too different.
pub fn score(report: &Report<'_>, candidate: &Report<'_>, p: &DuplicatePolicy) -> Option<Score> {
    if report.category != candidate.category {
        return None;
    }
    let distance_m = haversine_m(report.x, report.y, candidate.x, candidate.y);
    if !distance_m.is_finite() || distance_m > p.max_distance_m {
        return None;
    }
    let apart = (report.at - candidate.at).abs();
    if apart > p.window_ms {
        return None;
    }
    let text_similarity = text_similarity(report.text, candidate.text);
    if text_similarity < p.min_text_similarity {
        return None;
    }
    let closeness = 1.0 - distance_m / p.max_distance_m.max(f64::MIN_POSITIVE);
    let recency = 1.0 - apart as f64 / p.window_ms.max(1) as f64;
    let score = 0.5 * text_similarity + 0.3 * closeness + 0.2 * recency;
    (score >= p.min_score).then_some(Score {
        score,
        distance_m,
        hours_apart: apart as f64 / 3_600_000.0,
        text_similarity,
    })
}

/// How near an open event is to a report being made, for the list a resident sees before
/// filing ("附近已有的同类问题"): the [`score`] of a duplicate without its time window and text
/// thresholds (a resident who has not written anything yet still sees the open reports of the
/// category around the place). `None` when another category or farther than
/// `p.max_distance_m`. `max_age_ms` is how old an open event may be.
pub fn nearby_score(
    report: &Report<'_>,
    candidate: &Report<'_>,
    p: &DuplicatePolicy,
    max_age_ms: i64,
) -> Option<Score> {
    if report.category != candidate.category {
        return None;
    }
    let distance_m = haversine_m(report.x, report.y, candidate.x, candidate.y);
    if !distance_m.is_finite() || distance_m > p.max_distance_m {
        return None;
    }
    let apart = (report.at - candidate.at).abs();
    if apart > max_age_ms {
        return None;
    }
    let text_similarity = if report.text.trim().is_empty() {
        0.0
    } else {
        text_similarity(report.text, candidate.text)
    };
    let closeness = 1.0 - distance_m / p.max_distance_m.max(f64::MIN_POSITIVE);
    let recency = 1.0 - apart as f64 / max_age_ms.max(1) as f64;
    Some(Score {
        score: 0.5 * text_similarity + 0.3 * closeness + 0.2 * recency,
        distance_m,
        hours_apart: apart as f64 / 3_600_000.0,
        text_similarity,
    })
}

/// How old an open event may be to be offered to a resident as "the same problem" (30 days).
pub const NEARBY_MAX_AGE_MS: i64 = 30 * 24 * 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r<'a>(category: &'a str, x: f64, y: f64, at: i64, text: &'a str) -> Report<'a> {
        Report {
            category,
            x,
            y,
            at,
            text,
        }
    }

    #[test]
    fn haversine_is_right_on_known_distances() {
        // One degree of latitude ≈ 111.2 km; 0.001° of longitude at 37.5° N ≈ 88 m.
        assert!((haversine_m(122.1, 37.0, 122.1, 38.0) - 111_195.0).abs() < 50.0);
        let d = haversine_m(122.1, 37.5, 122.101, 37.5);
        assert!((d - 88.2).abs() < 0.5, "{d}");
        let (w, s, e, n) = bounding_box(122.1, 37.5, 200.0);
        assert!(haversine_m(122.1, 37.5, e, 37.5) >= 199.9);
        assert!(haversine_m(122.1, 37.5, 122.1, n) >= 199.9);
        assert!(w < 122.1 && s < 37.5);
    }

    #[test]
    fn similar_chinese_reports_score_high() {
        let p = DuplicatePolicy::default();
        let a = r("parking", 122.1, 37.5, 0, "小区门口有车辆长期占用消防通道");
        let b = r(
            "parking",
            122.1005,
            37.5003,
            3_600_000,
            "小区门口车辆占用消防通道，很危险！",
        );
        let s = score(&a, &b, &p).expect("a duplicate");
        assert!(s.score > 0.6 && s.text_similarity > 0.5, "{s:?}");
        // Another category, too far, too late, or other words: not suggested.
        assert!(score(&a, &r("noise", b.x, b.y, b.at, b.text), &p).is_none());
        assert!(score(&a, &r("parking", 122.11, 37.5, b.at, b.text), &p).is_none());
        assert!(score(&a, &r("parking", b.x, b.y, 8 * 86_400_000, b.text), &p).is_none());
        assert!(score(&a, &r("parking", b.x, b.y, b.at, "楼上装修噪音太大"), &p).is_none());
    }

    #[test]
    fn nearby_needs_no_text_but_ranks_by_it() {
        let p = DuplicatePolicy::default();
        let a = r("parking", 122.1, 37.5, 10 * 86_400_000, "");
        let old = r("parking", 122.1005, 37.5, 0, "消防通道被占");
        // Ten days old: past the duplicate window, still an open report nearby.
        assert!(score(&a, &old, &p).is_none());
        let s = nearby_score(&a, &old, &p, NEARBY_MAX_AGE_MS).expect("nearby");
        assert!(s.text_similarity == 0.0 && s.score > 0.0 && s.distance_m < 50.0);
        assert!(
            nearby_score(&a, &r("noise", old.x, old.y, 0, ""), &p, NEARBY_MAX_AGE_MS).is_none()
        );
        assert!(nearby_score(
            &a,
            &r("parking", 122.11, 37.5, 0, ""),
            &p,
            NEARBY_MAX_AGE_MS
        )
        .is_none());
        assert!(nearby_score(
            &a,
            &r("parking", old.x, old.y, -40 * 86_400_000, ""),
            &p,
            NEARBY_MAX_AGE_MS
        )
        .is_none());
        let b = r("parking", 122.1, 37.5, 10 * 86_400_000, "消防通道被占了");
        let similar = nearby_score(&b, &old, &p, NEARBY_MAX_AGE_MS).unwrap();
        assert!(similar.score > s.score);
    }

    proptest! {
        // Similarity is symmetric, within [0, 1], and 1 for a text against itself.
        #[test]
        fn similarity_is_a_bounded_symmetric_measure(a in "[车位消防通道占用楼道堆物噪音 ,。a-c]{0,20}", b in "[车位消防通道占用楼道堆物噪音 ,。a-c]{0,20}") {
            let s = text_similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((s - text_similarity(&b, &a)).abs() < 1e-12);
            if normalise(&a).len() >= 1 {
                prop_assert!((text_similarity(&a, &a) - 1.0).abs() < 1e-12);
            }
        }

        // Moving the candidate farther away or later never raises the score.
        #[test]
        fn score_falls_with_distance_and_time(dx in 0.0f64..0.002, extra in 0.0f64..0.002, dt in 0i64..86_400_000, more in 0i64..86_400_000) {
            let p = DuplicatePolicy::default();
            let a = r("parking", 122.1, 37.5, 0, "消防通道被车辆占用");
            let near = r("parking", 122.1 + dx, 37.5, dt, "消防通道被车辆占用了");
            let far = r("parking", 122.1 + dx + extra, 37.5, dt + more, "消防通道被车辆占用了");
            let s_near = score(&a, &near, &p).map(|s| s.score).unwrap_or(0.0);
            let s_far = score(&a, &far, &p).map(|s| s.score).unwrap_or(0.0);
            prop_assert!(s_far <= s_near + 1e-12);
            if let Some(s) = score(&a, &near, &p) {
                prop_assert!(s.distance_m <= p.max_distance_m && s.score >= p.min_score && s.score <= 1.0);
            }
        }
    }
}
