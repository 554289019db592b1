//! The deterministic synthetic demo city, modelled on Weihai: seven districts, their real streets
//! and towns, and at scale 1 389 communities with ≈ 906,000 households and ≈ 2.1 million
//! residents. About one community in ten is above 3,000 households (so redistricting has work),
//! grids hold 300–500 households, and everything lies on a plausible coastal map of rectangles:
//! children inside their parents, communities tiling their street, main roads, rivers and a
//! railway running along cell boundaries so that no compound straddles a barrier.
//!
//! Pure: no I/O. The same `(scale, seed)` always gives the same city. [`CityPlan::new`] lays out
//! the tree down to the communities (cheap); [`CityPlan::batches`] then yields one
//! [`CommunityBatch`] at a time (grids, compounds, buildings, households, residents) so memory
//! stays bounded. Every row carries its final id and path, so a store can insert without round
//! trips.

pub mod events;
mod names;
pub mod participation;
mod people;
pub mod rounds;

use crate::registry::{household_address, NewResident, NodeCode, NodeKind};
use crate::FieldError;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use time::Date;

/// Ages are counted back from this fixed day, so that the city does not depend on the clock.
pub const REFERENCE_DATE: Date = time::macros::date!(2025 - 06 - 30);

/// Communities at scale 1.
pub const COMMUNITIES_AT_SCALE_1: usize = 389;
/// Households at scale 1 (389 × 2,330).
pub const HOUSEHOLDS_AT_SCALE_1: f64 = 906_000.0;
/// Fewest communities at any scale: one per district plus the four real ones of 环翠区.
pub const MIN_COMMUNITIES: usize = 10;

/// The city's code and name.
pub const CITY_CODE: &str = "371000000000";
pub const CITY_NAME: &str = "威海市";

/// Check a `--scale` value: a positive number up to 5.
pub fn check_scale(scale: f64) -> Result<f64, FieldError> {
    if scale.is_finite() && scale > 0.0 && scale <= 5.0 {
        Ok(scale)
    } else {
        Err(FieldError::new(
            "scale",
            "规模应为大于0且不超过5的数，1为整座城市",
        ))
    }
}

/// A rectangle in degrees (WGS84 longitude/latitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub w: f64,
    pub s: f64,
    pub e: f64,
    pub n: f64,
}

impl Rect {
    pub fn from_array(a: [f64; 4]) -> Self {
        Rect {
            w: a[0],
            s: a[1],
            e: a[2],
            n: a[3],
        }
    }

    pub fn center(&self) -> (f64, f64) {
        ((self.w + self.e) / 2.0, (self.s + self.n) / 2.0)
    }

    /// Shrunk by `f` of its width and height on every side.
    pub fn inset(&self, f: f64) -> Rect {
        let dx = (self.e - self.w) * f;
        let dy = (self.n - self.s) * f;
        Rect {
            w: self.w + dx,
            s: self.s + dy,
            e: self.e - dx,
            n: self.n - dy,
        }
    }

    pub fn contains(&self, o: &Rect) -> bool {
        const EPS: f64 = 1e-9;
        o.w >= self.w - EPS && o.e <= self.e + EPS && o.s >= self.s - EPS && o.n <= self.n + EPS
    }

    pub fn contains_point(&self, x: f64, y: f64) -> bool {
        x > self.w && x < self.e && y > self.s && y < self.n
    }

    pub fn area(&self) -> f64 {
        (self.e - self.w) * (self.n - self.s)
    }

    /// The rectangle as a GeoJSON Polygon (counter-clockwise ring, closed).
    pub fn geojson(&self) -> String {
        format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[[{w:.6},{s:.6}],[{e:.6},{s:.6}],[{e:.6},{n:.6}],[{w:.6},{n:.6}],[{w:.6},{s:.6}]]]}}",
            w = self.w,
            s = self.s,
            e = self.e,
            n = self.n
        )
    }

    /// The rectangle's border, densified and [`warp`]ed, as a GeoJSON Polygon (counter-clockwise,
    /// closed): what the generator writes as a place's boundary.
    pub fn warped_geojson(&self) -> String {
        let corners = [
            (self.w, self.s),
            (self.e, self.s),
            (self.e, self.n),
            (self.w, self.n),
        ];
        let mut ring = vec![];
        for i in 0..4 {
            ring.extend(edge_points(corners[i], corners[(i + 1) % 4], false));
        }
        ring.push(ring[0]);
        format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}",
            coords(&ring)
        )
    }

    /// Parse back what [`Rect::geojson`] wrote (for tests and tools).
    pub fn parse_geojson(s: &str) -> Option<Rect> {
        let nums: Vec<f64> = s
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| !t.is_empty())
            .filter_map(|t| t.parse().ok())
            .collect();
        if nums.len() != 10 {
            return None;
        }
        Some(Rect {
            w: nums[0],
            s: nums[1],
            e: nums[2],
            n: nums[5],
        })
    }
}

/// A horizontal line across a rectangle at latitude `y`, as a GeoJSON LineString: densified
/// and [`warp`]ed like the borders it runs along, so a river or a road stays on the border
/// between the places it separates.
pub fn line_geojson(w: f64, e: f64, y: f64) -> String {
    let pts = edge_points((w, y), (e, y), true);
    format!(
        "{{\"type\":\"LineString\",\"coordinates\":[{}]}}",
        coords(&pts)
    )
}

// ---------------------------------------------------------------------------------------------
// The warp: why the demo city does not look like a grid of rectangles

/// Vertices along borders are placed at multiples of this (degrees, ≈ 250 m), so that two
/// places sharing a border get the same vertices on it. Denser borders cost every map drawn
/// (a city page parses the outlines of its districts and streets): at 0.001° the city's home
/// page spent most of its 20 ms on them.
const WARP_STEP: f64 = 0.0025;

/// The generator lays places out as nested rectangles (easy to fill and to keep apart), then
/// every coordinate it writes goes through this one smooth map of the plane: a sum of sines
/// whose Jacobian stays within 0.9 of the identity (the sum of amplitude × wave number is
/// about 0.75; tested), so the map is one-to-one. Places that tiled the plane still
/// tile it, each building stays inside its compound, each road and river on the border it
/// follows; the straight borders become curves at the scale of communities and wiggles at the
/// scale of grids.
pub fn warp((x, y): (f64, f64)) -> (f64, f64) {
    use std::f64::consts::TAU;
    // Terms of incommensurate wavelengths and directions, so that no border repeats itself:
    // (wavelength in degrees, amplitude in degrees, direction of the wave (cos, sin), phase).
    // Two long ones (≈ 3–5 km, ≈ 150 m) bend borders at the scale of communities; a short one
    // (≈ 1.3 km, ≈ 20 m; five border vertices a wave) roughens them at the scale of grids.
    const TERMS: [(f64, f64, (f64, f64), f64, f64); 3] = [
        (0.031, 0.0015, (0.0, 1.0), 0.7, 2.3),
        (0.047, 0.0016, (0.8, 0.6), 1.9, 0.4),
        (0.0127, 0.00018, (0.6, -0.8), 2.9, 1.3),
    ];
    let (mut dx, mut dy) = (0.0, 0.0);
    for (l, a, (c, s), px, py) in TERMS {
        let t = TAU * (c * x + s * y) / l;
        // The displacement is across the wave (a shear), with a second phase along it.
        dx += a * (t + px).sin() * s.abs().max(0.3);
        dy += a * (t + py).sin() * c.abs().max(0.3);
    }
    (x + dx, y + dy)
}

/// The warped points of an axis-parallel edge from `a` towards `b`: `a`, then every multiple
/// of [`WARP_STEP`] strictly between (the same points whichever place the edge belongs to), and
/// `b` when `include_end`.
fn edge_points(a: (f64, f64), b: (f64, f64), include_end: bool) -> Vec<(f64, f64)> {
    let mut out = vec![warp(a)];
    let horizontal = (a.1 - b.1).abs() < 1e-12;
    let (from, to) = if horizontal { (a.0, b.0) } else { (a.1, b.1) };
    let (lo, hi) = (from.min(to), from.max(to));
    let mut k = (lo / WARP_STEP).floor() as i64 + 1;
    let mut inner = vec![];
    while (k as f64) * WARP_STEP < hi - 1e-12 {
        let v = k as f64 * WARP_STEP;
        if v > lo + 1e-12 {
            inner.push(v);
        }
        k += 1;
    }
    if from > to {
        inner.reverse();
    }
    out.extend(
        inner
            .into_iter()
            .map(|v| warp(if horizontal { (v, a.1) } else { (a.0, v) })),
    );
    if include_end {
        out.push(warp(b));
    }
    out
}

fn coords(pts: &[(f64, f64)]) -> String {
    pts.iter()
        .map(|(x, y)| format!("[{x:.6},{y:.6}]"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Tile `r` into one cell per weight, areas proportional to the weights: rows from north to
/// south, cells from west to east. Returns the cells and the latitudes of the row boundaries
/// inside `r` (each a straight line from `r.w` to `r.e` that no cell crosses).
pub fn tile(r: Rect, weights: &[f64]) -> (Vec<Rect>, Vec<f64>) {
    let k = weights.len();
    if k == 0 {
        return (vec![], vec![]);
    }
    let rows = (k as f64).sqrt().ceil() as usize;
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut cells = Vec::with_capacity(k);
    let mut lines = Vec::new();
    let mut top = r.n;
    let mut start = 0;
    for row in 0..rows {
        let end = (row + 1) * k / rows;
        if end <= start {
            continue;
        }
        let row_w: f64 = weights[start..end].iter().sum();
        let bottom = if end == k {
            r.s
        } else {
            top - (r.n - r.s) * row_w / total
        };
        let mut left = r.w;
        for i in start..end {
            let right = if i + 1 == end {
                r.e
            } else {
                left + (r.e - r.w) * weights[i] / row_w.max(f64::MIN_POSITIVE)
            };
            cells.push(Rect {
                w: left,
                s: bottom,
                e: right,
                n: top,
            });
            left = right;
        }
        if end < k {
            lines.push(bottom);
        }
        top = bottom;
        start = end;
    }
    (cells, lines)
}

/// A place of the tree, with its final id and path.
#[derive(Debug, Clone, PartialEq)]
pub struct GenNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub code: NodeCode,
    pub name: String,
    pub path: String,
    pub boundary: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

/// A party organisation beside a node (街道党工委, 社区党总支, 网格党支部, 楼宇党小组).
#[derive(Debug, Clone, PartialEq)]
pub struct GenPartyOrg {
    pub id: i64,
    pub node_id: i64,
    pub parent_id: Option<i64>,
    pub kind: &'static str,
    pub name: String,
    pub secretary: Option<String>,
    /// The node's path.
    pub path: String,
}

/// A barrier line (GeoJSON LineString) attached to a node.
#[derive(Debug, Clone, PartialEq)]
pub struct GenBarrier {
    pub id: i64,
    pub node_id: i64,
    /// `road`, `river` or `rail`.
    pub kind: &'static str,
    pub name: String,
    pub geometry: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenHousehold {
    pub id: i64,
    pub building_id: i64,
    pub unit: Option<i32>,
    pub room: String,
    pub address: String,
    pub head_id: i64,
    /// The building's path.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenResident {
    pub id: i64,
    pub household_id: i64,
    pub resident: NewResident,
}

/// The plan of one community: where it is and how its households split into grids.
#[derive(Debug, Clone)]
pub struct CommunityPlan {
    /// Index into [`CityPlan::nodes`].
    pub node: usize,
    pub district: usize,
    pub party_org_id: i64,
    pub rect: Rect,
    /// Households of each grid (300–500 each).
    pub grid_households: Vec<u32>,
}

impl CommunityPlan {
    pub fn households(&self) -> u32 {
        self.grid_households.iter().sum()
    }
}

/// The city down to its communities, with the household count of every grid decided.
#[derive(Debug, Clone)]
pub struct CityPlan {
    pub scale: f64,
    pub seed: u64,
    /// City, districts, streets and communities, in id order (id = index + 1), parents first.
    pub nodes: Vec<GenNode>,
    pub party_orgs: Vec<GenPartyOrg>,
    pub barriers: Vec<GenBarrier>,
    pub communities: Vec<CommunityPlan>,
}

fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Split `n` into parts proportional to `weights` (largest remainder), each at least `min[i]`.
fn apportion(n: usize, weights: &[f64], min: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = min.to_vec();
    let total_w: f64 = weights.iter().sum();
    while out.iter().sum::<usize>() < n {
        let sum = out.iter().sum::<usize>() as f64 + 1.0;
        let (best, _) = weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i, w / total_w * sum - out[i] as f64))
            .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        out[best] += 1;
    }
    out
}

/// Split `total` households into grids of 300–500.
fn split_grids(rng: &mut ChaCha8Rng, total: u32) -> Vec<u32> {
    let total = total.max(300);
    let g = total.div_ceil(500).max(1);
    let total = total.max(300 * g);
    let mut v: Vec<u32> = (0..g)
        .map(|i| total / g + u32::from(i < total % g))
        .collect();
    for _ in 0..g * 2 {
        let i = rng.gen_range(0..g as usize);
        let j = rng.gen_range(0..g as usize);
        let d = rng.gen_range(0..70);
        if i != j && v[i] + d <= 500 && v[j] >= 300 + d {
            v[i] += d;
            v[j] -= d;
        }
    }
    v
}

impl CityPlan {
    /// Lay out the city for `scale` (1 = all of Weihai) and `seed`.
    pub fn new(scale: f64, seed: u64) -> Result<Self, FieldError> {
        let scale = check_scale(scale)?;
        let mut rng = rng_for(seed, 0);
        let n_comm =
            ((COMMUNITIES_AT_SCALE_1 as f64 * scale).round() as usize).max(MIN_COMMUNITIES);
        let target = HOUSEHOLDS_AT_SCALE_1 * scale;

        // Communities per district, and per street.
        let shares: Vec<f64> = names::DISTRICTS.iter().map(|d| d.share).collect();
        let mins: Vec<usize> = names::DISTRICTS
            .iter()
            .map(|d| if d.region == 371002 { 4 } else { 1 })
            .collect();
        let per_district = apportion(n_comm, &shares, &mins);

        // Household targets: a tenth of the communities above 3,000, the rest below, summing to
        // the target; at small scales everything shrinks (down to one grid).
        let n_big = ((n_comm as f64) * 0.1).round() as usize;
        let mut big = vec![false; n_comm];
        // 东北村社区 (index 1: 环翠楼街道's second community) is one of the big ones.
        let mut order: Vec<usize> = (0..n_comm).filter(|&i| i != 1).collect();
        order.shuffle(&mut rng);
        if n_big > 0 {
            big[1] = true;
            for &i in order.iter().take(n_big - 1) {
                big[i] = true;
            }
        }
        let mut sizes: Vec<f64> = big
            .iter()
            .map(|&b| {
                if b {
                    rng.gen_range(3150.0..4800.0)
                } else {
                    rng.gen_range(1300.0..2990.0)
                }
            })
            .collect();
        let big_sum: f64 = sizes
            .iter()
            .zip(&big)
            .filter(|(_, b)| **b)
            .map(|(s, _)| s)
            .sum();
        let small_sum: f64 = sizes
            .iter()
            .zip(&big)
            .filter(|(_, b)| !**b)
            .map(|(s, _)| s)
            .sum();
        let natural = big_sum + small_sum;
        if target < natural * 0.95 {
            let f = target / natural;
            for s in sizes.iter_mut() {
                *s = (*s * f).max(300.0);
            }
        } else if small_sum > 0.0 {
            let f = ((target - big_sum) / small_sum).max(0.1);
            for (s, b) in sizes.iter_mut().zip(&big) {
                if !b {
                    *s = (*s * f).clamp(300.0, 2990.0);
                }
            }
        }

        let mut plan = CityPlan {
            scale,
            seed,
            nodes: vec![],
            party_orgs: vec![],
            barriers: vec![],
            communities: vec![],
        };
        let city_rect = Rect {
            w: 122.0,
            s: 36.9,
            e: 122.5,
            n: 37.55,
        };
        let city = plan.push_node(
            None,
            NodeKind::City,
            CITY_CODE.into(),
            CITY_NAME.into(),
            Some(city_rect),
        );
        // The Qingdao–Rongcheng intercity railway, along the district boundary at 37.42°N.
        plan.push_barrier(
            city,
            "rail",
            "青荣城际铁路",
            line_geojson(122.0, 122.30, 37.42),
        );

        let mut stems = names::community_stems();
        stems.shuffle(&mut rng);
        let real_communities = ["前进社区", "东北村社区", "古北社区", "东塘社区"];
        let mut used_community: HashSet<String> =
            real_communities.iter().map(|s| s.to_string()).collect();
        let mut stems = stems.into_iter();
        let mut extra_streets = names::EXTRA_STREETS.iter();
        let mut used_street: HashSet<String> = HashSet::new();
        let mut comm_index = 0usize;

        for (di, d) in names::DISTRICTS.iter().enumerate() {
            let drect = Rect::from_array(d.rect);
            let dcode = format!("{:06}000000", d.region);
            let dn = plan.push_node(
                Some(city),
                NodeKind::District,
                dcode,
                d.name.into(),
                Some(drect),
            );
            let nc = per_district[di];
            let mut ns = ((nc as f64) / 10.0).round().max(1.0) as usize;
            if d.region == 371002 {
                ns = ns.max(3);
            }
            ns = ns.min(nc);
            let per_street = apportion(nc, &vec![1.0; ns], &vec![1; ns]);
            // Lay the streets out, weighted by their households.
            let mut street_sizes = vec![];
            let mut idx = comm_index;
            for &k in &per_street {
                street_sizes.push(sizes[idx..idx + k].iter().sum::<f64>());
                idx += k;
            }
            let (street_rects, street_lines) = tile(drect, &street_sizes);
            for (li, y) in street_lines.iter().enumerate() {
                let (kind, name) = if li == 0 {
                    ("river", d.river.to_string())
                } else {
                    ("road", d.roads[li % d.roads.len()].to_string())
                };
                plan.push_barrier(dn, kind, &name, line_geojson(drect.w, drect.e, *y));
            }
            let (mut street_seq, mut town_seq) = (0u32, 99u32);
            for (si, &k) in per_street.iter().enumerate() {
                let name = match d.streets.get(si) {
                    Some(s) => s.to_string(),
                    None => loop {
                        let candidate = match extra_streets.next() {
                            Some(e) => format!("{e}街道"),
                            None => format!(
                                "{}街道",
                                stems.next().unwrap_or_else(|| format!("第{}", si + 1))
                            ),
                        };
                        if !used_street.contains(&candidate) {
                            break candidate;
                        }
                    },
                };
                used_street.insert(name.clone());
                let seq = if name.ends_with('镇') {
                    town_seq += 1;
                    town_seq
                } else {
                    street_seq += 1;
                    street_seq
                };
                let srect = street_rects[si];
                let sn = plan.push_node(
                    Some(dn),
                    NodeKind::Street,
                    format!("{:06}{:03}000", d.region, seq),
                    name.clone(),
                    Some(srect),
                );
                let party_name = if name.ends_with('镇') {
                    format!("{name}党委")
                } else {
                    format!("{name}党工委")
                };
                let street_party = plan.push_party(sn, None, "街道党工委", party_name, &mut rng);
                let comm_sizes = &sizes[comm_index..comm_index + k];
                let (comm_rects, comm_lines) = tile(srect, comm_sizes);
                for (li, y) in comm_lines.iter().enumerate() {
                    let road = d.roads[(si + li + 1) % d.roads.len()];
                    plan.push_barrier(sn, "road", road, line_geojson(srect.w, srect.e, *y));
                }
                for ci in 0..k {
                    let real = match (d.region, si, ci) {
                        (371002, 0, 0) => Some("前进社区"),
                        (371002, 0, 1) => Some("东北村社区"),
                        (371002, 1, 0) => Some("古北社区"),
                        (371002, 2, 0) => Some("东塘社区"),
                        _ => None,
                    };
                    let cname = match real {
                        Some(r) => r.to_string(),
                        None => loop {
                            let s = stems
                                .next()
                                .map(|s| format!("{s}社区"))
                                .unwrap_or_else(|| format!("第{}社区", comm_index + 1));
                            if used_community.insert(s.clone()) {
                                break s;
                            }
                        },
                    };
                    let code = format!("{:06}{:03}{:03}", d.region, seq, ci + 1);
                    let cn = plan.push_node(
                        Some(sn),
                        NodeKind::Community,
                        code,
                        cname.clone(),
                        Some(comm_rects[ci]),
                    );
                    let party = plan.push_party(
                        cn,
                        Some(street_party),
                        "社区党总支",
                        format!("{cname}党总支"),
                        &mut rng,
                    );
                    let mut crng = rng_for(seed, 1_000 + comm_index as u64);
                    let grids = split_grids(&mut crng, sizes[comm_index].round() as u32);
                    plan.communities.push(CommunityPlan {
                        node: (cn - 1) as usize,
                        district: di,
                        party_org_id: party,
                        rect: comm_rects[ci],
                        grid_households: grids,
                    });
                    comm_index += 1;
                }
            }
        }
        Ok(plan)
    }

    fn push_node(
        &mut self,
        parent: Option<i64>,
        kind: NodeKind,
        code: String,
        name: String,
        rect: Option<Rect>,
    ) -> i64 {
        let id = self.nodes.len() as i64 + 1;
        let parent_path = parent
            .map(|p| self.nodes[(p - 1) as usize].path.clone())
            .unwrap_or_else(|| "/".into());
        let (x, y) = rect.map(|r| warp(r.center())).unzip();
        self.nodes.push(GenNode {
            id,
            parent_id: parent,
            kind,
            code: NodeCode::parse(kind, &code)
                .unwrap_or_else(|_| NodeCode::parse_any(CITY_CODE).expect("fixed code")),
            name,
            path: format!("{parent_path}{id}/"),
            boundary: rect.map(|r| r.warped_geojson()),
            x,
            y,
            units: None,
            floors: None,
        });
        id
    }

    fn push_party(
        &mut self,
        node: i64,
        parent: Option<i64>,
        kind: &'static str,
        name: String,
        rng: &mut ChaCha8Rng,
    ) -> i64 {
        let id = self.party_orgs.len() as i64 + 1;
        self.party_orgs.push(GenPartyOrg {
            id,
            node_id: node,
            parent_id: parent,
            kind,
            name,
            secretary: Some(people::officer_name(rng)),
            path: self.nodes[(node - 1) as usize].path.clone(),
        });
        id
    }

    fn push_barrier(&mut self, node: i64, kind: &'static str, name: &str, geometry: String) {
        let id = self.barriers.len() as i64 + 1;
        self.barriers.push(GenBarrier {
            id,
            node_id: node,
            kind,
            name: name.to_string(),
            geometry,
            path: self.nodes[(node - 1) as usize].path.clone(),
        });
    }

    pub fn households(&self) -> u64 {
        self.communities
            .iter()
            .map(|c| u64::from(c.households()))
            .sum()
    }

    pub fn grids(&self) -> usize {
        self.communities
            .iter()
            .map(|c| c.grid_households.len())
            .sum()
    }

    pub fn count(&self, kind: NodeKind) -> usize {
        self.nodes.iter().filter(|n| n.kind == kind).count()
    }

    /// The communities, one batch each, in order, with ids continuing after the plan's.
    pub fn batches(&self) -> Batches<'_> {
        Batches {
            plan: self,
            next: 0,
            next_node: self.nodes.len() as i64 + 1,
            next_party: self.party_orgs.len() as i64 + 1,
            next_barrier: self.barriers.len() as i64 + 1,
            next_household: 1,
            next_resident: 1,
            ids: people::IdAllocator::new(names::DISTRICTS.len()),
        }
    }
}

/// Everything below one community.
#[derive(Debug, Clone, Default)]
pub struct CommunityBatch {
    /// The community's id.
    pub community_id: i64,
    /// Grids, compounds and buildings, parents first.
    pub nodes: Vec<GenNode>,
    pub party_orgs: Vec<GenPartyOrg>,
    pub barriers: Vec<GenBarrier>,
    pub households: Vec<GenHousehold>,
    /// Ordered by household, head first.
    pub residents: Vec<GenResident>,
}

/// Yields the [`CommunityBatch`]es of a plan in order.
pub struct Batches<'a> {
    plan: &'a CityPlan,
    next: usize,
    next_node: i64,
    next_party: i64,
    next_barrier: i64,
    next_household: i64,
    next_resident: i64,
    ids: people::IdAllocator,
}

fn set_area(n: &mut GenNode, r: Rect) {
    let (x, y) = warp(r.center());
    n.boundary = Some(r.warped_geojson());
    n.x = Some(x);
    n.y = Some(y);
}

/// A kind of building: units, floors, flats per floor and unit.
fn building_type(rng: &mut ChaCha8Rng) -> (i32, i32, i32) {
    match rng.gen_range(0..10) {
        0..=5 => (rng.gen_range(2..=4), rng.gen_range(5..=7), 2),
        6..=8 => (
            rng.gen_range(1..=2),
            rng.gen_range(11..=18),
            rng.gen_range(2..=3),
        ),
        _ => (
            rng.gen_range(1..=2),
            rng.gen_range(24..=33),
            rng.gen_range(3..=4),
        ),
    }
}

impl Batches<'_> {
    fn node(
        &mut self,
        out: &mut CommunityBatch,
        parent: &GenNode,
        kind: NodeKind,
        seq: u32,
        name: String,
    ) -> GenNode {
        let id = self.next_node;
        self.next_node += 1;
        let n = GenNode {
            id,
            parent_id: Some(parent.id),
            kind,
            code: parent.code.child(seq),
            name,
            path: format!("{}{id}/", parent.path),
            boundary: None,
            x: None,
            y: None,
            units: None,
            floors: None,
        };
        out.nodes.push(n.clone());
        n
    }

    fn party(
        &mut self,
        out: &mut CommunityBatch,
        node: &GenNode,
        parent: i64,
        kind: &'static str,
        name: String,
        rng: &mut ChaCha8Rng,
    ) -> i64 {
        let id = self.next_party;
        self.next_party += 1;
        out.party_orgs.push(GenPartyOrg {
            id,
            node_id: node.id,
            parent_id: Some(parent),
            kind,
            name,
            secretary: Some(people::officer_name(rng)),
            path: node.path.clone(),
        });
        id
    }

    fn community(&mut self, ci: usize) -> CommunityBatch {
        let plan = self.plan;
        let cp = &plan.communities[ci];
        let comm = &plan.nodes[cp.node];
        let district = &names::DISTRICTS[cp.district];
        let mut rng = rng_for(plan.seed, 1_000_000 + ci as u64);
        let mut out = CommunityBatch {
            community_id: comm.id,
            ..Default::default()
        };
        let stem = comm.name.trim_end_matches("社区").to_string();

        let weights: Vec<f64> = cp.grid_households.iter().map(|&h| h as f64).collect();
        let (grid_rects, grid_lines) = tile(cp.rect, &weights);
        if cp.grid_households.len() >= 4 {
            for (li, y) in grid_lines.iter().take(2).enumerate() {
                let name = match (comm.name.as_str(), li) {
                    ("东北村社区", 0) => "向阳街".to_string(),
                    ("东北村社区", 1) => "属相街".to_string(),
                    _ => names::pick(&mut rng, names::ROADS).to_string(),
                };
                let id = self.next_barrier;
                self.next_barrier += 1;
                out.barriers.push(GenBarrier {
                    id,
                    node_id: comm.id,
                    kind: "road",
                    name,
                    geometry: line_geojson(cp.rect.w, cp.rect.e, *y),
                    path: comm.path.clone(),
                });
            }
        }
        let mut compound_names: HashSet<String> = HashSet::new();
        for (gi, &gh) in cp.grid_households.iter().enumerate() {
            let grect = grid_rects[gi];
            let mut grid = self.node(
                &mut out,
                comm,
                NodeKind::Grid,
                gi as u32 + 1,
                format!("{stem}第{}网格", names::zh_number(gi as u32 + 1)),
            );
            set_area(&mut grid, grect);
            *out.nodes.last_mut().expect("just pushed") = grid.clone();
            let grid_party = self.party(
                &mut out,
                &grid,
                cp.party_org_id,
                "网格党支部",
                format!("{}党支部", grid.name),
                &mut rng,
            );

            let n_comp = rng.gen_range(1..=(gh / 130).clamp(1, 3)) as usize;
            let cw: Vec<f64> = (0..n_comp).map(|_| rng.gen_range(0.6..1.4)).collect();
            let shares = apportion(gh as usize, &cw, &vec![0; n_comp]);
            let (comp_rects, _) = tile(grect.inset(0.04), &cw);
            for (k, &hh) in shares.iter().enumerate() {
                let crect = comp_rects[k].inset(0.03);
                let cname = if comm.name == "东塘社区"
                    && gi == 0
                    && k == 0
                    && compound_names.insert("琅声园".into())
                {
                    "琅声园".to_string()
                } else {
                    let mut tries = 0;
                    loop {
                        let mut c = names::compound_name(&mut rng);
                        tries += 1;
                        if tries > 20 {
                            c = format!("{c}{}期", names::zh_number(tries));
                        }
                        if compound_names.insert(c.clone()) {
                            break c;
                        }
                    }
                };
                let mut compound = self.node(
                    &mut out,
                    &grid,
                    NodeKind::Compound,
                    k as u32 + 1,
                    cname.clone(),
                );
                set_area(&mut compound, crect);
                *out.nodes.last_mut().expect("just pushed") = compound.clone();

                let (units, floors, per_floor) = building_type(&mut rng);
                let cap = (units * floors * per_floor) as usize;
                let n_b = hh.div_ceil(cap).max(1);
                let cols = (n_b as f64).sqrt().ceil() as usize;
                let rows = n_b.div_ceil(cols);
                let mut left = hh;
                for b in 0..n_b {
                    let (r, c) = (b / cols, b % cols);
                    let x = crect.w + (crect.e - crect.w) * (c as f64 + 0.5) / cols as f64;
                    let y = crect.n - (crect.n - crect.s) * (r as f64 + 0.5) / rows as f64;
                    let bname = format!("{cname}{}号楼", b + 1);
                    let mut building = self.node(
                        &mut out,
                        &compound,
                        NodeKind::Building,
                        b as u32 + 1,
                        bname.clone(),
                    );
                    let (x, y) = warp((x, y));
                    building.x = Some(x);
                    building.y = Some(y);
                    building.units = Some(units);
                    building.floors = Some(floors);
                    *out.nodes.last_mut().expect("just pushed") = building.clone();
                    let here = left.min(cap);
                    left -= here;
                    if here >= 60 {
                        self.party(
                            &mut out,
                            &building,
                            grid_party,
                            "楼宇党小组",
                            format!("{bname}党小组"),
                            &mut rng,
                        );
                    }
                    let mut placed = 0;
                    'fill: for unit in 1..=units {
                        for floor in 1..=floors {
                            for r in 1..=per_floor {
                                if placed == here {
                                    break 'fill;
                                }
                                placed += 1;
                                let room = format!("{floor}{r:02}");
                                let hid = self.next_household;
                                self.next_household += 1;
                                let members = people::household(
                                    &mut rng,
                                    &mut self.ids,
                                    cp.district,
                                    district.region,
                                );
                                let head_id = self.next_resident;
                                for res in members {
                                    out.residents.push(GenResident {
                                        id: self.next_resident,
                                        household_id: hid,
                                        resident: res,
                                    });
                                    self.next_resident += 1;
                                }
                                out.households.push(GenHousehold {
                                    id: hid,
                                    building_id: building.id,
                                    unit: Some(unit),
                                    address: household_address(&bname, Some(unit), &room),
                                    room,
                                    head_id,
                                    path: building.path.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

impl Iterator for Batches<'_> {
    type Item = CommunityBatch;

    fn next(&mut self) -> Option<CommunityBatch> {
        if self.next >= self.plan.communities.len() {
            return None;
        }
        let b = self.community(self.next);
        self.next += 1;
        Some(b)
    }
}

#[cfg(test)]
mod tests;
