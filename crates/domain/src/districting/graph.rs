//! The adjacency graph over buildings: a Delaunay triangulation of their points, keeping edges
//! no longer than a limit, and dropping every edge that crosses a barrier line (main road, river,
//! rail). Coordinates are WGS84 lon/lat, projected to local metres around the points' mean
//! latitude (equirectangular: exact enough at the scale of a street).

use spade::{DelaunayTriangulation, HasPosition, Point2, Triangulation};
use std::collections::HashMap;

const EARTH_M_PER_DEG: f64 = 111_320.0;

struct V {
    p: Point2<f64>,
    i: usize,
}

impl HasPosition for V {
    type Scalar = f64;
    fn position(&self) -> Point2<f64> {
        self.p
    }
}

/// Local metric projection for points around a latitude.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    lon0: f64,
    lat0: f64,
    kx: f64,
}

impl Projection {
    pub fn around(points: &[(f64, f64)]) -> Self {
        let n = points.len().max(1) as f64;
        let lon0 = points.iter().map(|p| p.0).sum::<f64>() / n;
        let lat0 = points.iter().map(|p| p.1).sum::<f64>() / n;
        Self {
            lon0,
            lat0,
            kx: lat0.to_radians().cos() * EARTH_M_PER_DEG,
        }
    }

    /// Metres east and north of the centre.
    pub fn metres(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * self.kx,
            (lat - self.lat0) * EARTH_M_PER_DEG,
        )
    }
}

/// Do segments a–b and c–d cross (touching counts)?
pub fn segments_cross(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let orient = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        let v = (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0);
        if v.abs() < 1e-12 {
            0
        } else if v > 0.0 {
            1
        } else {
            -1
        }
    };
    let on_seg = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        q.0 <= p.0.max(r.0) && q.0 >= p.0.min(r.0) && q.1 <= p.1.max(r.1) && q.1 >= p.1.min(r.1)
    };
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if o1 != o2 && o3 != o4 {
        return true;
    }
    (o1 == 0 && on_seg(a, c, b))
        || (o2 == 0 && on_seg(a, d, b))
        || (o3 == 0 && on_seg(c, a, d))
        || (o4 == 0 && on_seg(c, b, d))
}

/// The adjacency edges (index pairs, smaller first, sorted) of buildings at `points` (lon, lat),
/// with `barriers` as polylines of (lon, lat), keeping Delaunay edges of at most `max_edge_m`
/// metres that cross no barrier. Buildings at the same point are joined to each other.
pub fn building_graph(
    points: &[(f64, f64)],
    barriers: &[Vec<(f64, f64)>],
    max_edge_m: f64,
) -> Vec<(usize, usize)> {
    if points.len() < 2 {
        return vec![];
    }
    let proj = Projection::around(points);
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|&(lon, lat)| proj.metres(lon, lat))
        .collect();
    // Same position: join to the first building there, triangulate only distinct points.
    let mut first_at: HashMap<(u64, u64), usize> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = vec![];
    let mut verts = vec![];
    for (i, &(x, y)) in xy.iter().enumerate() {
        let key = (x.to_bits(), y.to_bits());
        match first_at.get(&key) {
            Some(&f) => edges.push((f, i)),
            None => {
                first_at.insert(key, i);
                verts.push(V {
                    p: Point2::new(x, y),
                    i,
                });
            }
        }
    }
    let segs: Vec<((f64, f64), (f64, f64))> = barriers
        .iter()
        .flat_map(|line| {
            let m: Vec<(f64, f64)> = line
                .iter()
                .map(|&(lon, lat)| proj.metres(lon, lat))
                .collect();
            m.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
        })
        .collect();
    if verts.len() >= 2 {
        if let Ok(t) = DelaunayTriangulation::<V>::bulk_load_stable(verts) {
            for e in t.undirected_edges() {
                let [a, b] = e.vertices();
                let (a, b) = (a.data(), b.data());
                let (pa, pb) = ((a.p.x, a.p.y), (b.p.x, b.p.y));
                let len = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt();
                if len > max_edge_m {
                    continue;
                }
                if segs.iter().any(|&(c, d)| segments_cross(pa, pb, c, d)) {
                    continue;
                }
                edges.push((a.i.min(b.i), a.i.max(b.i)));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    edges
}

/// Barriers are respected wherever that leaves every piece able to stand alone: `kept` are the
/// edges that cross no barrier, `crossing` the ones a barrier removed. A piece (the buildings of
/// one `group` — a community — connected by kept edges, each compound in `joined` counted as
/// joined) with fewer than `min` households cannot become a community by itself, so the crossing
/// edges at its border are put back, and again until no small piece gains an edge. A road
/// through a community is thus a boundary when the sides are big enough, and crossed only where
/// they are not. Returns the edges, sorted.
pub fn restore_for_small_pieces(
    weights: &[u32],
    groups: &[usize],
    joined: &[usize],
    kept: &[(usize, usize)],
    crossing: &[(usize, usize)],
    min: u32,
) -> Vec<(usize, usize)> {
    let n = weights.len();
    let mut kept: Vec<(usize, usize)> = kept.to_vec();
    let mut rest: Vec<(usize, usize)> = crossing.to_vec();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut c = x;
        while p[c] != r {
            let next = p[c];
            p[c] = r;
            c = next;
        }
        r
    }
    loop {
        let mut p: Vec<usize> = (0..n).collect();
        let mut first_of: HashMap<usize, usize> = HashMap::new();
        for (u, &j) in joined.iter().enumerate().take(n) {
            let f = *first_of.entry(j).or_insert(u);
            let (a, b) = (find(&mut p, f), find(&mut p, u));
            p[a] = b;
        }
        for &(a, b) in &kept {
            if a < n && b < n && groups[a] == groups[b] {
                let (x, y) = (find(&mut p, a), find(&mut p, b));
                p[x] = y;
            }
        }
        let mut w: HashMap<usize, u64> = HashMap::new();
        for (u, &wu) in weights.iter().enumerate() {
            *w.entry(find(&mut p, u)).or_default() += wu as u64;
        }
        let small: Vec<bool> = (0..n).map(|u| w[&find(&mut p, u)] < min as u64).collect();
        let (add, keep): (Vec<_>, Vec<_>) = rest
            .iter()
            .partition(|&&(a, b)| a < n && b < n && (small[a] || small[b]));
        if add.is_empty() {
            break;
        }
        kept.extend(add);
        rest = keep;
    }
    kept.sort_unstable();
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_edges_come_back_only_for_small_pieces() {
        // 0-1 | 2-3 | 4-5 in a row, one community; barriers cut 1-2 and 3-4. Pieces of 600,
        // 300 and 900 households with min 500: the middle piece is too small, so both its
        // crossing edges return; with min 200 none do.
        let weights = [300, 300, 150, 150, 450, 450];
        let groups = [0; 6];
        let joined = [0, 1, 2, 3, 4, 5];
        let kept = [(0, 1), (2, 3), (4, 5)];
        let crossing = [(1, 2), (3, 4)];
        let e = restore_for_small_pieces(&weights, &groups, &joined, &kept, &crossing, 500);
        assert_eq!(e, vec![(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
        let e = restore_for_small_pieces(&weights, &groups, &joined, &kept, &crossing, 200);
        assert_eq!(e, vec![(0, 1), (2, 3), (4, 5)]);
    }

    fn lonlat(xm: f64, ym: f64) -> (f64, f64) {
        // Near Weihai (37.5N): convert metres back to degrees.
        let kx = 37.5f64.to_radians().cos() * EARTH_M_PER_DEG;
        (122.1 + xm / kx, 37.5 + ym / EARTH_M_PER_DEG)
    }

    #[test]
    fn a_river_cuts_the_grid_in_two() {
        // 4 columns × 3 rows, 100 m apart; a river runs north–south between columns 1 and 2.
        let mut pts = vec![];
        for y in 0..3 {
            for x in 0..4 {
                pts.push(lonlat(x as f64 * 100.0, y as f64 * 100.0));
            }
        }
        let river = vec![lonlat(150.0, -500.0), lonlat(150.0, 500.0)];
        let with = building_graph(&pts, &[river], 250.0);
        let without = building_graph(&pts, &[], 250.0);
        assert!(
            without.iter().any(|&(a, b)| (a % 4 <= 1) != (b % 4 <= 1)),
            "edges cross the gap without a river"
        );
        assert!(
            with.iter().all(|&(a, b)| (a % 4 <= 1) == (b % 4 <= 1)),
            "no edge crosses the river"
        );
        // Each side stays connected: 6 nodes need at least 5 edges per side.
        assert!(with.len() >= 10);
    }

    #[test]
    fn long_edges_are_dropped_and_duplicates_joined() {
        let pts = vec![
            lonlat(0.0, 0.0),
            lonlat(0.0, 0.0),
            lonlat(50.0, 0.0),
            lonlat(5000.0, 0.0),
        ];
        let e = building_graph(&pts, &[], 300.0);
        assert!(e.contains(&(0, 1)));
        assert!(e.iter().all(|&(a, b)| a != 3 && b != 3), "{e:?}");
    }

    #[test]
    fn crossing_segments() {
        assert!(segments_cross(
            (0.0, 0.0),
            (2.0, 2.0),
            (0.0, 2.0),
            (2.0, 0.0)
        ));
        assert!(!segments_cross(
            (0.0, 0.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (1.0, 1.0)
        ));
        assert!(
            segments_cross((0.0, 0.0), (2.0, 0.0), (1.0, 0.0), (1.0, 5.0)),
            "touching counts"
        );
    }
}
