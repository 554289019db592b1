//! Pure helpers for turning a plan into places: codes for new communities and grids, and a
//! boundary polygon around a set of buildings.

use std::collections::HashSet;

/// The next free 12-digit community code in a street: the street's first 9 digits and the
/// smallest 3-digit sequence above every sequence already used with that prefix (so that codes
/// are never reused), skipping `taken`.
pub fn next_community_code(street_code: &str, taken: &HashSet<String>) -> Option<String> {
    if street_code.len() != 12 || !street_code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = &street_code[..9];
    let max = taken
        .iter()
        .filter(|c| c.len() == 12 && c.starts_with(prefix))
        .filter_map(|c| c[9..].parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    (max + 1..=999)
        .map(|s| format!("{prefix}{s:03}"))
        .find(|c| !taken.contains(c))
}

/// The next free child code (parent code + 3 digits) given the codes already taken.
pub fn next_child_code(parent_code: &str, taken: &HashSet<String>) -> Option<String> {
    let want = parent_code.len() + 3;
    let max = taken
        .iter()
        .filter(|c| c.len() == want && c.starts_with(parent_code))
        .filter_map(|c| c[parent_code.len()..].parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    (max + 1..=999)
        .map(|s| format!("{parent_code}{s:03}"))
        .find(|c| !taken.contains(c))
}

/// A GeoJSON Polygon around points (lon, lat): their convex hull, padded by `pad` degrees as a
/// box when there are fewer than three distinct points. `None` without points.
pub fn hull_polygon(points: &[(f64, f64)], pad: f64) -> Option<String> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() {
        return None;
    }
    let mut hull = super::convex_hull(&pts);
    if hull.len() < 3 {
        let (mut a, mut b, mut c, mut d) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in &pts {
            a = a.min(x);
            b = b.min(y);
            c = c.max(x);
            d = d.max(y);
        }
        hull = vec![
            (a - pad, b - pad),
            (c + pad, b - pad),
            (c + pad, d + pad),
            (a - pad, d + pad),
        ];
    }
    let mut ring: Vec<String> = hull
        .iter()
        .map(|(x, y)| format!("[{x:.6},{y:.6}]"))
        .collect();
    ring.push(ring[0].clone());
    Some(format!(
        r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
        ring.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_street() {
        let taken: HashSet<String> = ["371002001001", "371002001002", "371002002001"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            next_community_code("371002001000", &taken).as_deref(),
            Some("371002001003")
        );
        assert_eq!(next_community_code("bad", &taken), None);
        let grids: HashSet<String> = ["371002001003001".to_string()].into_iter().collect();
        assert_eq!(
            next_child_code("371002001003", &grids).as_deref(),
            Some("371002001003002")
        );
    }

    #[test]
    fn polygons() {
        let p = hull_polygon(&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.5, 1.5)], 0.001).unwrap();
        assert!(p.starts_with(r#"{"type":"Polygon""#));
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v["coordinates"][0].as_array().unwrap().len(), 4);
        assert!(hull_polygon(&[(1.0, 1.0)], 0.001).is_some());
        assert!(hull_polygon(&[], 0.001).is_none());
    }
}
