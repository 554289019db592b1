//! The map of a place, drawn on the server as SVG: area boundaries (GeoJSON polygons) that link
//! to their page, buildings as dots, barrier lines (rivers blue, roads and rails grey) and a
//! legend. Longitude/latitude are projected equirectangularly with cos(latitude), which is
//! exact enough at the size of a city. Every name is escaped.

use super::{escape, kind_label};
use crate::i18n::Lang;
use jingzhi_app::registry::MapView;
use jingzhi_app::registry::Node;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// Drawings of places' maps by place and language, each with the register's version it was
/// drawn at (`Registry::register_version`): a drawing is used only while the version is the same,
/// so a renamed place or a moved border shows on the next load. Drawing a city's map costs
/// more than the rest of its page (its outlines are parsed and projected every time); the
/// places are few (a few thousand), and the cache forgets everything when it holds
/// [`MapCache::MAX`] drawings.
#[derive(Debug, Clone, Default)]
pub struct MapCache(Arc<Mutex<HashMap<(i64, Lang), (i64, Arc<Option<String>>)>>>);

impl MapCache {
    pub const MAX: usize = 4096;

    /// The drawing of a place's map at this version, if one was made.
    pub fn get(&self, id: i64, lang: Lang, version: i64) -> Option<Arc<Option<String>>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&(id, lang)) {
            Some((v, svg)) if *v == version => Some(svg.clone()),
            _ => None,
        }
    }

    /// Keep a drawing made at `version`.
    pub fn put(&self, id: i64, lang: Lang, version: i64, svg: Arc<Option<String>>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert((id, lang), (version, svg));
    }
}

type Ring = Vec<(f64, f64)>;

/// The rings of a GeoJSON Polygon or MultiPolygon (also inside a Feature).
fn polygon_rings(geojson: &str) -> Vec<Ring> {
    let Ok(v) = serde_json::from_str::<Value>(geojson) else {
        return vec![];
    };
    let v = if v["type"] == "Feature" {
        v["geometry"].clone()
    } else {
        v
    };
    let ring = |r: &Value| -> Ring {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(point)
            .collect()
    };
    match v["type"].as_str() {
        Some("Polygon") => v["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(ring)
            .collect(),
        Some("MultiPolygon") => v["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| {
                p.as_array()
                    .into_iter()
                    .flatten()
                    .map(ring)
                    .collect::<Vec<_>>()
            })
            .collect(),
        _ => vec![],
    }
    .into_iter()
    .filter(|r: &Ring| r.len() >= 3)
    .collect()
}

/// The lines of a GeoJSON LineString or MultiLineString.
fn lines(geojson: &str) -> Vec<Ring> {
    let Ok(v) = serde_json::from_str::<Value>(geojson) else {
        return vec![];
    };
    let v = if v["type"] == "Feature" {
        v["geometry"].clone()
    } else {
        v
    };
    let line = |r: &Value| -> Ring {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(point)
            .collect()
    };
    match v["type"].as_str() {
        Some("LineString") => vec![line(&v["coordinates"])],
        Some("MultiLineString") => v["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(line)
            .collect(),
        _ => vec![],
    }
    .into_iter()
    .filter(|l: &Ring| l.len() >= 2)
    .collect()
}

fn point(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    let (x, y) = (a.first()?.as_f64()?, a.get(1)?.as_f64()?);
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

struct Proj {
    min_x: f64,
    max_y: f64,
    kx: f64,
    k: f64,
    pad: f64,
    w: f64,
    h: f64,
}

impl Proj {
    fn fit(points: &[(f64, f64)], width: f64) -> Option<Proj> {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in points {
            min_x = min_x.min(x);
            max_x = max_x.max(x);
            min_y = min_y.min(y);
            max_y = max_y.max(y);
        }
        if points.is_empty() {
            return None;
        }
        let kx = ((min_y + max_y) / 2.0).to_radians().cos().max(0.1);
        let (dx, dy) = (((max_x - min_x) * kx).max(1e-6), (max_y - min_y).max(1e-6));
        let pad = 12.0;
        let k = (width - 2.0 * pad) / dx;
        // Keep very tall places readable: at most twice as tall as wide.
        let k = k.min((2.0 * width - 2.0 * pad) / dy);
        let w = dx * k + 2.0 * pad;
        let h = dy * k + 2.0 * pad;
        Some(Proj {
            min_x,
            max_y,
            kx,
            k,
            pad,
            w,
            h,
        })
    }

    fn xy(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            self.pad + (x - self.min_x) * self.kx * self.k,
            self.pad + (self.max_y - y) * self.k,
        )
    }

    fn path(&self, rings: &[Ring], close: bool) -> String {
        let mut d = String::new();
        for r in rings {
            let pts: Vec<(f64, f64)> = r.iter().map(|p| self.xy(*p)).collect();
            for (i, (x, y)) in simplify(&pts, SIMPLIFY_PX).into_iter().enumerate() {
                let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x, y);
            }
            if close {
                d.push('Z');
            }
        }
        d
    }
}

/// How far (in drawn pixels) a simplified border may stray from the stored one.
const SIMPLIFY_PX: f64 = 0.5;

/// Douglas–Peucker on drawn coordinates: the fewest points that keep the line within `tol`
/// pixels. Borders are stored densely (a vertex every ≈ 100 m, so that neighbours share them);
/// drawn whole, a city map was 300 KB of path data, most of it sub-pixel steps.
fn simplify(pts: &[(f64, f64)], tol: f64) -> Vec<(f64, f64)> {
    if pts.len() <= 2 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (ax, ay) = pts[a];
        let (bx, by) = pts[b];
        let (dx, dy) = (bx - ax, by - ay);
        let len = (dx * dx + dy * dy).sqrt();
        let mut far = (0.0, a);
        for (i, &(px, py)) in pts.iter().enumerate().take(b).skip(a + 1) {
            let dist = if len < 1e-9 {
                ((px - ax).powi(2) + (py - ay).powi(2)).sqrt()
            } else {
                ((px - ax) * dy - (py - ay) * dx).abs() / len
            };
            if dist > far.0 {
                far = (dist, i);
            }
        }
        if far.0 > tol {
            keep[far.1] = true;
            stack.push((a, far.1));
            stack.push((far.1, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

const FILLS: [&str; 8] = [
    "#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#fee2e2", "#ede9fe",
];

/// The centre of a ring's bounding box (a good enough place for a label).
fn label_point(rings: &[Ring]) -> Option<(f64, f64)> {
    let r = rings.first()?;
    let (mut a, mut b, mut c, mut d) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in r {
        a = a.min(x);
        b = b.min(y);
        c = c.max(x);
        d = d.max(y);
    }
    Some(((a + c) / 2.0, (b + d) / 2.0))
}

/// The map as an `<svg>` element, or `None` when there is nothing with a geometry to draw.
pub fn svg(m: &MapView, lang: Lang) -> Option<String> {
    svg_marked(m, lang, &std::collections::HashMap::new())
}

/// [`svg`] with some buildings marked by a class (an emergency's board colours each building by
/// its households' checks: `st-pending`, `st-unreachable`, `st-help`, `st-safe`).
pub fn svg_marked(
    m: &MapView,
    lang: Lang,
    marks: &std::collections::HashMap<i64, &'static str>,
) -> Option<String> {
    let own = m
        .node
        .boundary
        .as_deref()
        .map(polygon_rings)
        .unwrap_or_default();
    let areas: Vec<(&Node, Vec<Ring>)> = m
        .areas
        .iter()
        .filter_map(|a| a.boundary.as_deref().map(|b| (a, polygon_rings(b))))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    let buildings: Vec<(&Node, (f64, f64))> = m
        .buildings
        .iter()
        .filter_map(|b| Some((b, (b.x?, b.y?))))
        .filter(|(_, (x, y))| x.is_finite() && y.is_finite())
        .collect();
    let mut pts: Vec<(f64, f64)> = own.iter().flatten().copied().collect();
    if pts.is_empty() {
        pts.extend(areas.iter().flat_map(|(_, r)| r.iter().flatten().copied()));
        pts.extend(buildings.iter().map(|(_, p)| *p));
    }
    let proj = Proj::fit(&pts, 1000.0)?;
    let t = |k: &str| escape(lang.t(k));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="map" viewBox="0 0 {:.0} {:.0}" data-proj="{},{},{},{},{}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}"><title>{}</title>"#,
        proj.w,
        proj.h,
        proj.min_x,
        proj.max_y,
        proj.kx,
        proj.k,
        proj.pad,
        t("map.title"),
        escape(&m.node.name)
    );
    s.push_str(r#"<rect class="map-bg" x="0" y="0" width="100%" height="100%"/>"#);
    if !own.is_empty() {
        let _ = write!(
            s,
            r#"<path class="map-own" d="{}"/>"#,
            proj.path(&own, true)
        );
    }
    // Children first (filled), then the smaller areas inside them (outlined).
    let top_depth = areas.iter().map(|(a, _)| a.depth).min().unwrap_or(0);
    for (i, (a, rings)) in areas
        .iter()
        .filter(|(a, _)| a.depth == top_depth)
        .enumerate()
    {
        let _ = write!(
            s,
            r#"<a href="/nodes/{}" class="map-area"><path d="{}" fill="{}"/><title>{} · {}</title></a>"#,
            a.id,
            proj.path(rings, true),
            FILLS[i % FILLS.len()],
            escape(&a.name),
            kind_label(lang, a.kind)
        );
    }
    for (a, rings) in areas.iter().filter(|(a, _)| a.depth != top_depth) {
        let _ = write!(
            s,
            r#"<a href="/nodes/{}" class="map-sub"><path d="{}"/><title>{} · {}</title></a>"#,
            a.id,
            proj.path(rings, true),
            escape(&a.name),
            kind_label(lang, a.kind)
        );
    }
    for b in &m.barriers {
        let ls = lines(&b.geometry);
        if ls.is_empty() {
            continue;
        }
        let class = match b.kind.as_str() {
            "river" | "water" => "map-river",
            "rail" | "railway" => "map-rail",
            _ => "map-road",
        };
        let _ = write!(
            s,
            r#"<path class="{class}" d="{}"><title>{}</title></path>"#,
            proj.path(&ls, false),
            escape(&b.name)
        );
    }
    let r = if buildings.len() > 400 { 2.5 } else { 4.0 };
    for (b, p) in &buildings {
        let (x, y) = proj.xy(*p);
        let (mark, r) = match marks.get(&b.id) {
            Some(m) => (*m, r * 1.6),
            None => ("", r),
        };
        let _ = write!(
            s,
            r#"<a href="/nodes/{}" class="map-bldg {mark}"><circle cx="{x:.1}" cy="{y:.1}" r="{r}"/><title>{}</title></a>"#,
            b.id,
            escape(&b.name)
        );
    }
    // Labels of the top areas, drawn last so that nothing covers them; their size is set in
    // the stylesheet (phone and desktop differ).
    for (a, rings) in areas.iter().filter(|(a, _)| a.depth == top_depth) {
        let lp = match (a.x, a.y) {
            (Some(x), Some(y)) => Some((x, y)),
            _ => label_point(rings),
        };
        if let Some(p) = lp {
            let (x, y) = proj.xy(p);
            let _ = write!(
                s,
                r#"<text class="map-label" x="{x:.1}" y="{y:.1}">{}</text>"#,
                escape(&a.name)
            );
        }
    }
    s.push_str("</svg>");
    Some(s)
}

/// The legend under the map.
pub fn legend(lang: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("lg-area", lang.t("map.area")),
        ("lg-sub", lang.t("map.subarea")),
        ("lg-bldg", lang.t("map.building")),
        ("lg-river", lang.t("map.river")),
        ("lg-road", lang.t("map.road")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhi_domain::registry::NodeKind;

    fn node(id: i64, kind: NodeKind, name: &str, boundary: Option<&str>) -> Node {
        Node {
            id,
            parent_id: None,
            kind,
            code: String::new(),
            name: name.into(),
            path: format!("/{id}/"),
            depth: kind.depth(),
            boundary: boundary.map(str::to_string),
            x: None,
            y: None,
            units: None,
            floors: None,
        }
    }

    #[test]
    fn draws_areas_with_links_and_escapes_names() {
        let sq = r#"{"type":"Polygon","coordinates":[[[122.1,37.5],[122.2,37.5],[122.2,37.6],[122.1,37.6],[122.1,37.5]]]}"#;
        let m = MapView {
            node: node(1, NodeKind::Community, "社区", None),
            areas: vec![
                node(2, NodeKind::Grid, "<b>一网格</b>", Some(sq)),
                node(3, NodeKind::Grid, "无边界", None),
            ],
            buildings: vec![],
            barriers: vec![jingzhi_app::registry::Barrier {
                id: 1,
                kind: "river".into(),
                name: "河".into(),
                geometry: r#"{"type":"LineString","coordinates":[[122.0,37.55],[122.3,37.55]]}"#
                    .into(),
            }],
        };
        let s = svg(&m, Lang::Zh).unwrap();
        assert!(s.contains(r#"<a href="/nodes/2""#));
        assert!(!s.contains("/nodes/3"));
        assert!(s.contains("&lt;b&gt;一网格&lt;/b&gt;"));
        assert!(!s.contains("<b>"));
        assert!(s.contains("map-river"));
    }

    #[test]
    fn dense_borders_are_drawn_with_the_points_that_show() {
        // A straight line sampled every tenth of a pixel is two points; a bend keeps its corner.
        let line: Vec<(f64, f64)> = (0..=1000).map(|i| (i as f64 / 10.0, 5.0)).collect();
        assert_eq!(simplify(&line, 0.5), vec![(0.0, 5.0), (100.0, 5.0)]);
        let mut bend = line.clone();
        bend.extend((1..=100).map(|i| (100.0, 5.0 + i as f64)));
        assert_eq!(
            simplify(&bend, 0.5),
            vec![(0.0, 5.0), (100.0, 5.0), (100.0, 105.0)]
        );
        // A curve stays within the tolerance of every dropped point.
        let wave: Vec<(f64, f64)> = (0..=2000)
            .map(|i| {
                let x = i as f64 / 4.0;
                (x, 20.0 * (x / 30.0).sin())
            })
            .collect();
        let s = simplify(&wave, 0.5);
        assert!(s.len() < wave.len() / 10, "{} points", s.len());
        for p in &wave {
            let near = s.windows(2).any(|w| {
                let ((ax, ay), (bx, by)) = (w[0], w[1]);
                p.0 >= ax - 1e-9 && p.0 <= bx + 1e-9 && {
                    let t = if bx > ax { (p.0 - ax) / (bx - ax) } else { 0.0 };
                    (ay + t * (by - ay) - p.1).abs() <= 0.6
                }
            });
            assert!(near, "{p:?} strays");
        }
    }

    #[test]
    fn nothing_to_draw() {
        let m = MapView {
            node: node(1, NodeKind::Community, "社区", None),
            areas: vec![],
            buildings: vec![],
            barriers: vec![],
        };
        assert!(svg(&m, Lang::Zh).is_none());
    }
}
