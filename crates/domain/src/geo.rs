//! Plane geometry on WGS84 longitude/latitude, as the register stores it: GeoJSON polygons
//! parsed into rings, point-in-polygon (even–odd rule, so holes work), bounding boxes, and the
//! great-circle distance between two points. A few dozen lines do not justify the `geo` crate.

use serde_json::Value;

/// A point (longitude, latitude) in degrees.
pub type Point = (f64, f64);

/// A polygon or multipolygon as its rings (outer rings and holes alike; even–odd decides).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub rings: Vec<Vec<Point>>,
    pub bbox: BBox,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl BBox {
    pub fn contains(&self, p: Point) -> bool {
        p.0 >= self.min_x && p.0 <= self.max_x && p.1 >= self.min_y && p.1 <= self.max_y
    }
}

/// Whether a point is a usable WGS84 coordinate.
pub fn valid_point(p: Point) -> bool {
    p.0.is_finite()
        && p.1.is_finite()
        && (-180.0..=180.0).contains(&p.0)
        && (-90.0..=90.0).contains(&p.1)
}

fn ring(v: &Value) -> Option<Vec<Point>> {
    let pts: Vec<Point> = v
        .as_array()?
        .iter()
        .map(|c| Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?)))
        .collect::<Option<_>>()?;
    (pts.len() >= 3).then_some(pts)
}

/// Parse a GeoJSON `Polygon` or `MultiPolygon` geometry (or a Feature holding one).
pub fn parse_area(geojson: &str) -> Option<Area> {
    let v: Value = serde_json::from_str(geojson).ok()?;
    let g = if v["type"] == "Feature" {
        &v["geometry"]
    } else {
        &v
    };
    let rings: Vec<Vec<Point>> = match g["type"].as_str()? {
        "Polygon" => g["coordinates"]
            .as_array()?
            .iter()
            .map(ring)
            .collect::<Option<_>>()?,
        "MultiPolygon" => g["coordinates"]
            .as_array()?
            .iter()
            .flat_map(|p| p.as_array().into_iter().flatten())
            .map(ring)
            .collect::<Option<_>>()?,
        _ => return None,
    };
    if rings.is_empty() {
        return None;
    }
    let mut b = BBox {
        min_x: f64::INFINITY,
        min_y: f64::INFINITY,
        max_x: f64::NEG_INFINITY,
        max_y: f64::NEG_INFINITY,
    };
    for &(x, y) in rings.iter().flatten() {
        b.min_x = b.min_x.min(x);
        b.min_y = b.min_y.min(y);
        b.max_x = b.max_x.max(x);
        b.max_y = b.max_y.max(y);
    }
    Some(Area { rings, bbox: b })
}

impl Area {
    /// Even–odd point-in-polygon over all rings (a point on an edge may fall either way; the
    /// caller breaks ties between neighbouring areas by taking the first that contains it).
    pub fn contains(&self, p: Point) -> bool {
        if !self.bbox.contains(p) {
            return false;
        }
        let mut inside = false;
        for r in &self.rings {
            let n = r.len();
            let mut j = n - 1;
            for i in 0..n {
                let (xi, yi) = r[i];
                let (xj, yj) = r[j];
                if (yi > p.1) != (yj > p.1) && p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
                j = i;
            }
        }
        inside
    }
}

/// Great-circle distance in metres (haversine, mean Earth radius).
pub fn distance_m(a: Point, b: Point) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dla = la2 - la1;
    let dlo = (b.0 - a.0).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SQUARE_WITH_HOLE: &str = r#"{"type":"Polygon","coordinates":[
        [[122.0,37.0],[122.1,37.0],[122.1,37.1],[122.0,37.1],[122.0,37.0]],
        [[122.04,37.04],[122.06,37.04],[122.06,37.06],[122.04,37.06],[122.04,37.04]]]}"#;

    #[test]
    fn inside_outside_and_hole() {
        let a = parse_area(SQUARE_WITH_HOLE).unwrap();
        assert!(a.contains((122.01, 37.01)));
        assert!(!a.contains((122.05, 37.05)), "in the hole");
        assert!(!a.contains((122.2, 37.05)));
        assert!(!a.contains((121.99, 37.05)));
    }

    #[test]
    fn multipolygon_and_feature() {
        let m = r#"{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[
            [[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]}}"#;
        let a = parse_area(m).unwrap();
        assert!(a.contains((0.5, 0.5)) && a.contains((5.5, 5.5)) && !a.contains((3.0, 3.0)));
        assert!(parse_area(r#"{"type":"Point","coordinates":[1,2]}"#).is_none());
        assert!(parse_area("not json").is_none());
        assert!(parse_area(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}"#).is_none());
    }

    #[test]
    fn distance_is_about_right() {
        // One degree of latitude ≈ 111.2 km.
        let d = distance_m((122.0, 37.0), (122.0, 38.0));
        assert!((d - 111_195.0).abs() < 100.0, "{d}");
        assert_eq!(distance_m((1.0, 2.0), (1.0, 2.0)), 0.0);
    }

    proptest! {
        // A rectangle contains exactly the points strictly inside its sides.
        #[test]
        fn rectangle(x in 121.0f64..123.0, y in 36.0f64..38.0) {
            let r = r#"{"type":"Polygon","coordinates":[[[121.5,36.5],[122.5,36.5],[122.5,37.5],[121.5,37.5],[121.5,36.5]]]}"#;
            let a = parse_area(r).unwrap();
            let strictly = x > 121.5 && x < 122.5 && y > 36.5 && y < 37.5;
            let outside = !(121.5..=122.5).contains(&x) || !(36.5..=37.5).contains(&y);
            if strictly { prop_assert!(a.contains((x, y))); }
            if outside { prop_assert!(!a.contains((x, y))); }
        }
    }
}
