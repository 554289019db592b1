//! Communities of the right size (社区规模优化): partition buildings into communities of at most
//! `cap` (default 3,000) and at least `min` (default 1,000) households, each contiguous in the
//! building adjacency graph, never splitting a compound (小区).
//!
//! Method (see docs/districting.md):
//! 1. Compounds are contracted to single nodes (their buildings' households summed, their edges
//!    merged), so no plan can split one.
//! 2. Each connected component is checked for feasibility (a compound above the cap, a piece below
//!    the minimum, a total that no number of parts can hold) and every reason is reported.
//! 3. An initial plan by recursive (l,u)-bipartition of random spanning trees: draw a random
//!    spanning tree, and cut the tree edge whose subtree holds a valid part while the remainder
//!    can still be split into valid parts; both sides of a tree edge are connected, so every part
//!    is contiguous by construction. Part counts go from the fewest that hold the households up to
//!    the most the minimum allows, a few fresh starts each; when all fail, each count's reason is
//!    reported.
//! 4. Improvement by merge-and-resplit (ReCom): merge two adjacent parts, draw a spanning tree of
//!    the union, cut it into two valid parts, and keep the result when the objective does not get
//!    worse. Objectives in order: households moved away from their community, cut edges, balance,
//!    grids split. Then boundary moves, and a final cut-edge refinement in the manner of
//!    Fiduccia–Mattheyses (highest-gain boundary moves within the bounds and contiguity, each pass
//!    rolled back to its best prefix).
//! 5. Two chains with different seeds run on two threads; the better plan wins. Deterministic for
//!    a given seed.
//!
//! Every plan returned passes [`check`]; an instance without a valid plan is reported, never
//! answered with a bad plan.

pub mod apply;
pub mod approval;
pub mod graph;
pub mod layout;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A building: the unit of the partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub households: u32,
    pub compound: String,
    /// The community the building belongs to now.
    pub community: String,
    pub grid: String,
    pub x: f64,
    pub y: f64,
}

/// The problem: buildings, their adjacency (indices into `units`), and the size bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub cap: u32,
    pub min: u32,
    pub units: Vec<Unit>,
    pub edges: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Split oversized communities; every other community stays as it is.
    Split,
    /// Re-draw all communities of the instance together (buildings may move between neighbours).
    Street,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    pub seed: u64,
    /// Merge-and-resplit steps per chain.
    pub iterations: usize,
    pub mode: Mode,
    /// Random spanning trees tried per bipartition before giving up on it.
    pub tree_tries: usize,
    /// Households moved are compared in bins of this size, so that among plans moving about as
    /// many households the one with fewer cut edges wins (in a split, the number moved is set by
    /// the size of the new part; compared exactly, it would leave the cut to chance).
    pub moved_tolerance: u64,
    /// Run the final cut-edge refinement (on by default; off only to measure what it does).
    #[serde(default = "yes")]
    pub refine: bool,
}

fn yes() -> bool {
    true
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            iterations: 300,
            mode: Mode::Split,
            tree_tries: 400,
            moved_tolerance: 500,
            refine: true,
        }
    }
}

/// One proposed community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The current community whose code this part keeps (the one it overlaps most), or `None`
    /// for a new community.
    pub community: Option<String>,
    /// Indices into the instance's units.
    pub units: Vec<usize>,
    pub households: u32,
    /// A current community passed through unchanged (split mode leaves communities within the
    /// cap alone; its size is not the plan's doing, so the bounds are not checked on it).
    #[serde(default)]
    pub kept: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub parts: usize,
    pub cut_edges: usize,
    pub households_moved: u64,
    pub min_households: u32,
    pub max_households: u32,
    /// Largest |households − mean| / mean over the parts.
    pub max_deviation: f64,
    pub grids_split: usize,
    /// Mean Polsby–Popper compactness (4πA/P²) of the parts' convex hulls (1 = a circle).
    pub mean_polsby_popper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub parts: Vec<Part>,
    pub metrics: Metrics,
}

/// Why no valid plan exists (or none was found), with the units concerned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Infeasible {
    /// A single compound holds more households than the cap, and compounds are never split.
    CompoundOverCap {
        compound: String,
        households: u32,
        cap: u32,
        units: Vec<String>,
    },
    /// A connected piece of the graph holds fewer households than the minimum.
    PieceTooSmall {
        households: u32,
        min: u32,
        units: Vec<String>,
    },
    /// No number of parts fits a piece's households between min and cap.
    NoPartCount {
        households: u32,
        min: u32,
        cap: u32,
        units: Vec<String>,
    },
    /// The bounds are themselves contradictory.
    BadBounds { min: u32, cap: u32 },
    /// The search found no valid partition of this piece (the constraints may be too tight for
    /// its shape). `parts` is the fewest count that fits the households; `tried` says why each
    /// count from there up to the most the minimum allows failed.
    NotFound {
        households: u32,
        parts: u32,
        units: Vec<String>,
        #[serde(default)]
        tried: Vec<CountTried>,
    },
}

/// One part count tried on a piece, and why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountTried {
    pub parts: u32,
    #[serde(flatten)]
    pub failure: CountFailure,
}

/// Why a part count failed on a piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CountFailure {
    /// More parts than compounds: some part would be empty.
    TooFewCompounds { compounds: u32 },
    /// Every attempt got stuck: after cutting `placed` parts off, no spanning tree of the
    /// remaining `households_left` households (to make `parts_left` parts) had an edge whose cut
    /// leaves a part within the bounds and a remainder that can still make the rest. The numbers
    /// are those of the attempt that got furthest.
    NoValidCut {
        attempts: u32,
        placed: u32,
        households_left: u32,
        parts_left: u32,
    },
}

/// A broken hard constraint in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Violation {
    OverCap { part: usize, households: u32 },
    UnderMin { part: usize, households: u32 },
    NotContiguous { part: usize },
    CompoundSplit { compound: String },
    UnitMissingOrRepeated { unit: usize },
}

/// Check a plan against every hard constraint.
pub fn check(inst: &Instance, parts: &[Part]) -> Vec<Violation> {
    let mut v = vec![];
    let n = inst.units.len();
    let mut owner = vec![usize::MAX; n];
    for (pi, p) in parts.iter().enumerate() {
        for &u in &p.units {
            if u >= n || owner[u] != usize::MAX {
                v.push(Violation::UnitMissingOrRepeated { unit: u });
            } else {
                owner[u] = pi;
            }
        }
    }
    for (u, o) in owner.iter().enumerate() {
        if *o == usize::MAX {
            v.push(Violation::UnitMissingOrRepeated { unit: u });
        }
    }
    // Contiguity is judged with each compound as one place: its buildings count as joined.
    let mut edges = inst.edges.clone();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (u, unit) in inst.units.iter().enumerate() {
        match first_of.get(unit.compound.as_str()) {
            Some(&f) => edges.push((f, u)),
            None => {
                first_of.insert(&unit.compound, u);
            }
        }
    }
    let adj = adjacency(n, &edges);
    for (pi, p) in parts.iter().enumerate() {
        let h: u32 = p
            .units
            .iter()
            .filter(|&&u| u < n)
            .map(|&u| inst.units[u].households)
            .sum();
        if h > inst.cap && !p.kept {
            v.push(Violation::OverCap {
                part: pi,
                households: h,
            });
        }
        if h < inst.min && !p.kept {
            v.push(Violation::UnderMin {
                part: pi,
                households: h,
            });
        }
        if !p.kept
            && !p.units.is_empty()
            && !connected(&adj, &p.units, |u| owner.get(u) == Some(&pi))
        {
            v.push(Violation::NotContiguous { part: pi });
        }
    }
    let mut compound_owner: HashMap<&str, usize> = HashMap::new();
    let mut split = HashSet::new();
    for (u, unit) in inst.units.iter().enumerate() {
        if let Some(&o) = compound_owner.get(unit.compound.as_str()) {
            if o != owner[u] {
                split.insert(unit.compound.clone());
            }
        } else {
            compound_owner.insert(&unit.compound, owner[u]);
        }
    }
    let mut split: Vec<_> = split.into_iter().collect();
    split.sort();
    v.extend(
        split
            .into_iter()
            .map(|compound| Violation::CompoundSplit { compound }),
    );
    v
}

fn adjacency(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut adj = vec![vec![]; n];
    for &(a, b) in edges {
        if a < n && b < n && a != b {
            adj[a].push(b);
            adj[b].push(a);
        }
    }
    for a in &mut adj {
        a.sort_unstable();
        a.dedup();
    }
    adj
}

/// Whether `members` (all satisfying `inside`) form one connected piece.
fn connected(adj: &[Vec<usize>], members: &[usize], inside: impl Fn(usize) -> bool) -> bool {
    let Some(&start) = members.first() else {
        return true;
    };
    let mut seen = HashSet::from([start]);
    let mut stack = vec![start];
    while let Some(u) = stack.pop() {
        for &w in &adj[u] {
            if inside(w) && seen.insert(w) {
                stack.push(w);
            }
        }
    }
    seen.len() == members.len()
}

/// The contracted graph: one node per compound.
struct Contracted {
    weight: Vec<u32>,
    /// Units of each compound node.
    members: Vec<Vec<usize>>,
    adj: Vec<Vec<usize>>,
    /// Beside each `adj` entry: how many building edges join the two compounds (what cutting
    /// between them adds to the cut edges).
    adj_w: Vec<Vec<u32>>,
}

fn contract(inst: &Instance) -> Contracted {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = vec![];
    let mut of_unit = vec![0usize; inst.units.len()];
    for (u, unit) in inst.units.iter().enumerate() {
        let next = index.len();
        let c = *index.entry(unit.compound.as_str()).or_insert(next);
        if c == members.len() {
            members.push(vec![]);
        }
        members[c].push(u);
        of_unit[u] = c;
    }
    let weight = members
        .iter()
        .map(|m| m.iter().map(|&u| inst.units[u].households).sum())
        .collect();
    let cedges: Vec<(usize, usize)> = inst
        .edges
        .iter()
        .filter(|(a, b)| *a < inst.units.len() && *b < inst.units.len())
        .map(|&(a, b)| (of_unit[a], of_unit[b]))
        .filter(|(a, b)| a != b)
        .collect();
    let adj = adjacency(members.len(), &cedges);
    let mut count: HashMap<(usize, usize), u32> = HashMap::new();
    for &(a, b) in &cedges {
        *count.entry((a.min(b), a.max(b))).or_default() += 1;
    }
    let adj_w = adj
        .iter()
        .enumerate()
        .map(|(a, ns)| ns.iter().map(|&b| count[&(a.min(b), a.max(b))]).collect())
        .collect();
    Contracted {
        weight,
        members,
        adj,
        adj_w,
    }
}

/// Connected components of a node subset of the contracted graph.
fn components(adj: &[Vec<usize>], nodes: &[usize]) -> Vec<Vec<usize>> {
    let inside: HashSet<usize> = nodes.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut out = vec![];
    for &s in nodes {
        if !seen.insert(s) {
            continue;
        }
        let mut comp = vec![s];
        let mut stack = vec![s];
        while let Some(u) = stack.pop() {
            for &w in &adj[u] {
                if inside.contains(&w) && seen.insert(w) {
                    comp.push(w);
                    stack.push(w);
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}

/// Part counts that can hold `total` households within [min, cap].
fn part_counts(total: u64, min: u32, cap: u32) -> std::ops::RangeInclusive<u64> {
    let lo = total.div_ceil(cap as u64).max(1);
    let hi = if min == 0 { lo } else { total / min as u64 };
    lo..=hi
}

/// Where a recursive bipartition got stuck: parts placed, households and parts left.
#[derive(Debug, Clone, Copy)]
struct Stuck {
    placed: u64,
    households_left: u64,
    parts_left: u64,
}

/// Split `nodes` (connected) into `k` connected parts with weights in [min, cap], by recursive
/// spanning-tree bipartition. `Err` says where it got stuck when the tries run out.
fn tree_partition(
    g: &Contracted,
    nodes: &[usize],
    k: u64,
    min: u32,
    cap: u32,
    tries: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Vec<usize>>, Stuck> {
    let mut rest: Vec<usize> = nodes.to_vec();
    let mut parts = vec![];
    let mut left = k;
    let stuck = |parts: &Vec<Vec<usize>>, rest: &[usize], left: u64| Stuck {
        placed: parts.len() as u64,
        households_left: rest.iter().map(|&u| g.weight[u] as u64).sum(),
        parts_left: left,
    };
    while left > 1 {
        let Some((part, remainder)) = bipartition(g, &rest, left, min, cap, tries, rng) else {
            return Err(stuck(&parts, &rest, left));
        };
        parts.push(part);
        rest = remainder;
        left -= 1;
    }
    let w: u64 = rest.iter().map(|&u| g.weight[u] as u64).sum();
    if w < min as u64 || w > cap as u64 {
        return Err(stuck(&parts, &rest, left));
    }
    parts.push(rest);
    Ok(parts)
}

/// Fresh starts of the recursive bipartition per part count before the next count is tried (a
/// tight count can fail on one sequence of cuts and succeed on another).
const ATTEMPTS_PER_COUNT: u32 = 3;

/// Split a piece into as few valid parts as the search can find: counts from the fewest that
/// hold its households (⌈households / cap⌉) up to the most the minimum allows (⌊households /
/// min⌋), each with a few fresh starts. `Err` gives the reason for every count tried.
fn partition_piece(
    g: &Contracted,
    comp: &[usize],
    total: u64,
    min: u32,
    cap: u32,
    tries: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Vec<usize>>, Vec<CountTried>> {
    let mut tried = vec![];
    for k in part_counts(total, min, cap) {
        if k > comp.len() as u64 {
            tried.push(CountTried {
                parts: k as u32,
                failure: CountFailure::TooFewCompounds {
                    compounds: comp.len() as u32,
                },
            });
            continue;
        }
        let mut furthest: Option<Stuck> = None;
        for _ in 0..ATTEMPTS_PER_COUNT {
            match tree_partition(g, comp, k, min, cap, tries, rng) {
                Ok(p) => return Ok(p),
                Err(s) => {
                    if furthest.is_none_or(|f| s.placed > f.placed) {
                        furthest = Some(s);
                    }
                }
            }
        }
        let s = furthest.expect("at least one attempt");
        tried.push(CountTried {
            parts: k as u32,
            failure: CountFailure::NoValidCut {
                attempts: ATTEMPTS_PER_COUNT,
                placed: s.placed as u32,
                households_left: s.households_left as u32,
                parts_left: s.parts_left as u32,
            },
        });
    }
    Err(tried)
}

/// Cut one valid part off `nodes` so that the rest can still make `k - 1` parts.
fn bipartition(
    g: &Contracted,
    nodes: &[usize],
    k: u64,
    min: u32,
    cap: u32,
    tries: usize,
    rng: &mut ChaCha8Rng,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let total: u64 = nodes.iter().map(|&u| g.weight[u] as u64).sum();
    let rest_ok = |r: u64| r >= (k - 1) * min as u64 && r <= (k - 1) * cap as u64;
    let part_ok = |w: u64| w >= min as u64 && w <= cap as u64;
    let ideal = total as f64 / k as f64;
    let inside: HashSet<usize> = nodes.iter().copied().collect();
    for _ in 0..tries {
        let (parent, order) = random_spanning_tree(g, nodes, &inside, rng)?;
        // Subtree weights, leaves first.
        let mut sub: HashMap<usize, u64> = nodes.iter().map(|&u| (u, g.weight[u] as u64)).collect();
        for &u in order.iter().rev() {
            if let Some(&p) = parent.get(&u) {
                let w = sub[&u];
                *sub.get_mut(&p).expect("parent in tree") += w;
            }
        }
        // Candidate cuts: the subtree below u as the part, or the rest above it as the part.
        let mut best: Option<(f64, usize, bool)> = None;
        for &u in &order {
            if !parent.contains_key(&u) {
                continue;
            }
            let w = sub[&u];
            for (side_is_subtree, part_w) in [(true, w), (false, total - w)] {
                if part_ok(part_w) && rest_ok(total - part_w) {
                    let d = (part_w as f64 - ideal).abs() + rng.gen::<f64>() * 1e-6;
                    if best.is_none_or(|(bd, _, _)| d < bd) {
                        best = Some((d, u, side_is_subtree));
                    }
                }
            }
        }
        if let Some((_, u, side_is_subtree)) = best {
            let below = subtree_nodes(&parent, &order, u);
            let (mut part, mut rest): (Vec<usize>, Vec<usize>) = nodes
                .iter()
                .partition(|n| below.contains(n) == side_is_subtree);
            part.sort_unstable();
            rest.sort_unstable();
            return Some((part, rest));
        }
    }
    None
}

/// A random spanning tree of the connected node set (Kruskal on random weights): the parent of
/// every node but the root, and the nodes in BFS order from the root.
fn random_spanning_tree(
    g: &Contracted,
    nodes: &[usize],
    inside: &HashSet<usize>,
    rng: &mut ChaCha8Rng,
) -> Option<(HashMap<usize, usize>, Vec<usize>)> {
    let mut edges: Vec<(usize, usize)> = vec![];
    for &u in nodes {
        for &w in &g.adj[u] {
            if u < w && inside.contains(&w) {
                edges.push((u, w));
            }
        }
    }
    edges.shuffle(rng);
    let mut uf: HashMap<usize, usize> = nodes.iter().map(|&u| (u, u)).collect();
    fn find(uf: &mut HashMap<usize, usize>, x: usize) -> usize {
        let mut r = x;
        while uf[&r] != r {
            r = uf[&r];
        }
        let mut c = x;
        while uf[&c] != r {
            let n = uf[&c];
            uf.insert(c, r);
            c = n;
        }
        r
    }
    let mut tree: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut count = 0;
    for (a, b) in edges {
        let (ra, rb) = (find(&mut uf, a), find(&mut uf, b));
        if ra != rb {
            uf.insert(ra, rb);
            tree.entry(a).or_default().push(b);
            tree.entry(b).or_default().push(a);
            count += 1;
        }
    }
    if count + 1 != nodes.len() {
        return None; // not connected
    }
    let root = nodes[rng.gen_range(0..nodes.len())];
    let mut parent = HashMap::new();
    let mut order = vec![root];
    let mut i = 0;
    while i < order.len() {
        let u = order[i];
        i += 1;
        if let Some(ns) = tree.get(&u) {
            for &w in ns {
                if w != root && !parent.contains_key(&w) {
                    parent.insert(w, u);
                    order.push(w);
                }
            }
        }
    }
    Some((parent, order))
}

fn subtree_nodes(parent: &HashMap<usize, usize>, order: &[usize], top: usize) -> HashSet<usize> {
    let mut inside = HashSet::from([top]);
    for &u in order {
        if let Some(p) = parent.get(&u) {
            if inside.contains(p) {
                inside.insert(u);
            }
        }
    }
    inside
}

/// A plan over contracted nodes, with its score (lower is better, compared in order).
#[derive(Clone)]
struct State {
    parts: Vec<Vec<usize>>,
    /// The first `kept` parts are current communities passed through unchanged.
    kept: usize,
}

fn unit_parts(g: &Contracted, state: &State) -> Vec<Vec<usize>> {
    state
        .parts
        .iter()
        .map(|p| {
            let mut us: Vec<usize> = p
                .iter()
                .flat_map(|&c| g.members[c].iter().copied())
                .collect();
            us.sort_unstable();
            us
        })
        .collect()
}

/// Give each part the code of the current community it overlaps most (each code at most once,
/// largest overlaps first); the rest are new.
fn label_parts(inst: &Instance, parts: &[Vec<usize>]) -> Vec<Option<String>> {
    let mut overlaps: Vec<(u64, usize, String)> = vec![];
    for (pi, p) in parts.iter().enumerate() {
        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
        for &u in p {
            *by.entry(inst.units[u].community.as_str()).or_default() +=
                inst.units[u].households as u64;
        }
        for (c, h) in by {
            overlaps.push((h, pi, c.to_string()));
        }
    }
    overlaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut labels = vec![None; parts.len()];
    let mut used = HashSet::new();
    for (_, pi, c) in overlaps {
        if labels[pi].is_none() && !used.contains(&c) {
            used.insert(c.clone());
            labels[pi] = Some(c);
        }
    }
    labels
}

/// The plan's metrics. `shape` computes the Polsby–Popper compactness (convex hulls), which the
/// search does not score and so skips on its many intermediate plans.
fn metrics(
    inst: &Instance,
    parts: &[Vec<usize>],
    labels: &[Option<String>],
    shape: bool,
) -> Metrics {
    let n = inst.units.len();
    let mut owner = vec![usize::MAX; n];
    for (pi, p) in parts.iter().enumerate() {
        for &u in p {
            owner[u] = pi;
        }
    }
    let cut_edges = inst
        .edges
        .iter()
        .filter(|&&(a, b)| a < n && b < n && owner[a] != owner[b])
        .count();
    let mut moved = 0u64;
    for (pi, p) in parts.iter().enumerate() {
        for &u in p {
            if labels[pi].as_deref() != Some(inst.units[u].community.as_str()) {
                moved += inst.units[u].households as u64;
            }
        }
    }
    let hs: Vec<u32> = parts
        .iter()
        .map(|p| p.iter().map(|&u| inst.units[u].households).sum())
        .collect();
    let mean = hs.iter().map(|&h| h as f64).sum::<f64>() / hs.len().max(1) as f64;
    let max_deviation = if mean > 0.0 {
        hs.iter()
            .map(|&h| (h as f64 - mean).abs() / mean)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let mut grid_parts: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (u, unit) in inst.units.iter().enumerate() {
        grid_parts
            .entry(unit.grid.as_str())
            .or_default()
            .insert(owner[u]);
    }
    let grids_split = grid_parts.values().filter(|s| s.len() > 1).count();
    let pps: Vec<f64> = parts
        .iter()
        .filter(|_| shape)
        .map(|p| {
            polsby_popper(
                &p.iter()
                    .map(|&u| (inst.units[u].x, inst.units[u].y))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Metrics {
        parts: parts.len(),
        cut_edges,
        households_moved: moved,
        min_households: hs.iter().copied().min().unwrap_or(0),
        max_households: hs.iter().copied().max().unwrap_or(0),
        max_deviation,
        grids_split,
        mean_polsby_popper: pps.iter().sum::<f64>() / pps.len().max(1) as f64,
    }
}

/// Polsby–Popper compactness of the convex hull of points (1 for fewer than 3 distinct points).
pub fn polsby_popper(points: &[(f64, f64)]) -> f64 {
    let hull = convex_hull(points);
    if hull.len() < 3 {
        return 1.0;
    }
    let mut area = 0.0;
    let mut perim = 0.0;
    for i in 0..hull.len() {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        area += a.0 * b.1 - b.0 * a.1;
        perim += ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    }
    let area = area.abs() / 2.0;
    if perim == 0.0 {
        1.0
    } else {
        (4.0 * std::f64::consts::PI * area / (perim * perim)).min(1.0)
    }
}

pub fn convex_hull(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = points.to_vec();
    p.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = vec![];
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<(f64, f64)> = vec![];
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The lexicographic objective (lower is better).
fn score(m: &Metrics, moved_tolerance: u64) -> (u64, usize, u64, usize) {
    (
        m.households_moved / moved_tolerance.max(1),
        m.cut_edges,
        (m.max_deviation * 10_000.0) as u64,
        m.grids_split,
    )
}

/// Find a plan, or say why there is none.
pub fn plan(inst: &Instance, opts: &Options) -> Result<Plan, Vec<Infeasible>> {
    if inst.min > inst.cap || inst.cap == 0 {
        return Err(vec![Infeasible::BadBounds {
            min: inst.min,
            cap: inst.cap,
        }]);
    }
    let g = contract(inst);
    let ids = |nodes: &[usize]| -> Vec<String> {
        let mut v: Vec<String> = nodes
            .iter()
            .flat_map(|&c| g.members[c].iter().map(|&u| inst.units[u].id.clone()))
            .collect();
        v.sort();
        v
    };
    let mut problems = vec![];
    for (c, &w) in g.weight.iter().enumerate() {
        if w > inst.cap {
            problems.push(Infeasible::CompoundOverCap {
                compound: inst.units[g.members[c][0]].compound.clone(),
                households: w,
                cap: inst.cap,
                units: ids(&[c]),
            });
        }
    }
    // What to partition. Split mode: each oversized community on its own; the others stay as
    // they are. Street mode: first try to repair only the communities that are out of bounds
    // (or in pieces), keeping the valid ones as a starting point; if that leaves no valid plan,
    // re-draw everything together.
    let all: Vec<usize> = (0..g.weight.len()).collect();
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &c in &all {
        by.entry(inst.units[g.members[c][0]].community.clone())
            .or_default()
            .push(c);
    }
    let weight = |nodes: &[usize]| -> u64 { nodes.iter().map(|&c| g.weight[c] as u64).sum() };
    let mut kept: Vec<Vec<usize>> = vec![];
    let mut loose: Vec<usize> = vec![];
    for nodes in by.into_values() {
        let w = weight(&nodes);
        let fine = match opts.mode {
            Mode::Split => w <= inst.cap as u64,
            Mode::Street => {
                w <= inst.cap as u64
                    && w >= inst.min as u64
                    && components(&g.adj, &nodes).len() == 1
            }
        };
        if fine {
            kept.push(nodes);
        } else if opts.mode == Mode::Split {
            // Each oversized community is split on its own: separate the groups.
            loose.extend(nodes);
            loose.push(usize::MAX);
        } else {
            loose.extend(nodes);
        }
    }
    let groups: Vec<Vec<usize>> = match opts.mode {
        Mode::Split => loose
            .split(|&c| c == usize::MAX)
            .filter(|g| !g.is_empty())
            .map(|g| g.to_vec())
            .collect(),
        Mode::Street => vec![loose],
    };
    let pieces_of =
        |groups: &[Vec<usize>], problems: &mut Vec<Infeasible>| -> Vec<(Vec<usize>, u64)> {
            let mut pieces = vec![];
            for group in groups {
                for comp in components(&g.adj, group) {
                    let w = weight(&comp);
                    if comp.iter().any(|&c| g.weight[c] > inst.cap) {
                        continue; // reported above
                    }
                    if w < inst.min as u64 {
                        problems.push(Infeasible::PieceTooSmall {
                            households: w as u32,
                            min: inst.min,
                            units: ids(&comp),
                        });
                        continue;
                    }
                    if part_counts(w, inst.min, inst.cap).is_empty() {
                        problems.push(Infeasible::NoPartCount {
                            households: w as u32,
                            min: inst.min,
                            cap: inst.cap,
                            units: ids(&comp),
                        });
                        continue;
                    }
                    pieces.push((comp, w));
                }
            }
            pieces
        };
    let mut repair_problems = vec![];
    let mut pieces = pieces_of(&groups, &mut repair_problems);
    if opts.mode == Mode::Street && !repair_problems.is_empty() && problems.is_empty() {
        // Repair alone cannot work: re-draw everything.
        repair_problems.clear();
        kept.clear();
        pieces = pieces_of(std::slice::from_ref(&all), &mut repair_problems);
    }
    problems.extend(repair_problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let run_both = |pieces: &[(Vec<usize>, u64)], kept: &[Vec<usize>]| {
        let chains: Vec<Result<(State, Metrics), Vec<Infeasible>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2u64)
                .map(|chain| {
                    let g = &g;
                    s.spawn(move || {
                        run_chain(
                            inst,
                            g,
                            pieces,
                            kept,
                            opts,
                            opts.seed.wrapping_mul(2).wrapping_add(chain),
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("chain thread"))
                .collect()
        });
        let mut best: Option<(State, Metrics)> = None;
        let mut errors = None;
        for r in chains {
            match r {
                Ok((s, m)) => {
                    if best.as_ref().is_none_or(|(_, bm)| {
                        score(&m, opts.moved_tolerance) < score(bm, opts.moved_tolerance)
                    }) {
                        best = Some((s, m));
                    }
                }
                Err(e) => errors = Some(e),
            }
        }
        best.ok_or_else(|| errors.unwrap_or_default())
    };
    let mut result = run_both(&pieces, &kept);
    if result.is_err() && opts.mode == Mode::Street && !kept.is_empty() {
        // Repairing only the communities out of bounds found no plan: re-draw everything.
        let mut again = vec![];
        let whole = pieces_of(std::slice::from_ref(&all), &mut again);
        if again.is_empty() {
            result = run_both(&whole, &[]);
        }
    }
    let (state, _) = result?;
    let parts = unit_parts(&g, &state);
    let labels = label_parts(inst, &parts);
    let m = metrics(inst, &parts, &labels, true);
    let kept_n = state.kept;
    let out: Vec<Part> = parts
        .into_iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (units, community))| {
            let households = units.iter().map(|&u| inst.units[u].households).sum();
            Part {
                community,
                units,
                households,
                kept: i < kept_n && opts.mode == Mode::Split,
            }
        })
        .collect();
    debug_assert!(check(inst, &out).is_empty(), "{:?}", check(inst, &out));
    Ok(Plan {
        parts: out,
        metrics: m,
    })
}

fn run_chain(
    inst: &Instance,
    g: &Contracted,
    pieces: &[(Vec<usize>, u64)],
    kept: &[Vec<usize>],
    opts: &Options,
    seed: u64,
) -> Result<(State, Metrics), Vec<Infeasible>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut parts: Vec<Vec<usize>> = kept.to_vec();
    // In split mode the communities within the cap stay as they are.
    let movable_from = if opts.mode == Mode::Street {
        0
    } else {
        parts.len()
    };
    // The group of each part: refinement moves compounds only between parts of one group (split
    // mode: one piece of one oversized community; street mode: everything).
    let mut group: Vec<usize> = vec![usize::MAX; parts.len()];
    let mut not_found = vec![];
    for (pi, (comp, w)) in pieces.iter().enumerate() {
        match partition_piece(g, comp, *w, inst.min, inst.cap, opts.tree_tries, &mut rng) {
            Ok(p) => {
                let label = if opts.mode == Mode::Street { 0 } else { pi };
                group.extend(p.iter().map(|_| label));
                parts.extend(p);
            }
            Err(tried) => {
                let k = part_counts(*w, inst.min, inst.cap).start().to_owned();
                let mut units: Vec<String> = comp
                    .iter()
                    .flat_map(|&c| g.members[c].iter().map(|&u| inst.units[u].id.clone()))
                    .collect();
                units.sort();
                not_found.push(Infeasible::NotFound {
                    households: *w as u32,
                    parts: k as u32,
                    units,
                    tried,
                });
            }
        }
    }
    if !not_found.is_empty() {
        return Err(not_found);
    }
    if opts.mode == Mode::Street {
        group.iter_mut().for_each(|x| *x = 0);
    }
    let mut state = State {
        parts,
        kept: if opts.mode == Mode::Street {
            0
        } else {
            kept.len()
        },
    };
    let eval = |s: &State| {
        let up = unit_parts(g, s);
        let labels = label_parts(inst, &up);
        metrics(inst, &up, &labels, false)
    };
    let mut cur = eval(&state);
    // Merge-and-resplit over adjacent pairs of movable parts.
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for _ in 0..opts.iterations {
        owner.clear();
        for (pi, p) in state.parts.iter().enumerate() {
            for &c in p {
                owner.insert(c, pi);
            }
        }
        let mut pairs: Vec<(usize, usize)> = vec![];
        for (pi, p) in state.parts.iter().enumerate().skip(movable_from) {
            for &c in p {
                for &w in &g.adj[c] {
                    if let Some(&pj) = owner.get(&w) {
                        if pj > pi && pj >= movable_from {
                            pairs.push((pi, pj));
                        }
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let Some(&(a, b)) = pairs.choose(&mut rng) else {
            break;
        };
        let mut merged: Vec<usize> = state.parts[a]
            .iter()
            .chain(state.parts[b].iter())
            .copied()
            .collect();
        merged.sort_unstable();
        let Some((pa, pb)) = bipartition(g, &merged, 2, inst.min, inst.cap, 8, &mut rng) else {
            continue;
        };
        let mut next = state.clone();
        next.parts[a] = pa;
        next.parts[b] = pb;
        let m = eval(&next);
        if score(&m, opts.moved_tolerance) <= score(&cur, opts.moved_tolerance) {
            state = next;
            cur = m;
        }
    }
    // Boundary moves: hand one compound to a neighbouring part when both stay within the bounds,
    // the part it leaves stays connected, and the plan gets strictly better. A few passes.
    for _ in 0..4 {
        let mut improved = false;
        let mut owner: HashMap<usize, usize> = HashMap::new();
        for (pi, p) in state.parts.iter().enumerate() {
            for &c in p {
                owner.insert(c, pi);
            }
        }
        let weight = |nodes: &[usize]| -> u64 { nodes.iter().map(|&c| g.weight[c] as u64).sum() };
        for a in movable_from..state.parts.len() {
            let mut i = 0;
            while i < state.parts[a].len() {
                let c = state.parts[a][i];
                i += 1;
                let mut targets: Vec<usize> = g.adj[c]
                    .iter()
                    .filter_map(|w| owner.get(w).copied())
                    .filter(|&b| b != a && b >= movable_from)
                    .collect();
                targets.sort_unstable();
                targets.dedup();
                for b in targets {
                    let wc = g.weight[c] as u64;
                    if weight(&state.parts[a]) < inst.min as u64 + wc
                        || weight(&state.parts[b]) + wc > inst.cap as u64
                    {
                        continue;
                    }
                    let rest: Vec<usize> =
                        state.parts[a].iter().copied().filter(|&x| x != c).collect();
                    if rest.is_empty() || components(&g.adj, &rest).len() != 1 {
                        continue;
                    }
                    let mut next = state.clone();
                    next.parts[a] = rest;
                    next.parts[b].push(c);
                    next.parts[b].sort_unstable();
                    let m = eval(&next);
                    if score(&m, opts.moved_tolerance) < score(&cur, opts.moved_tolerance) {
                        state = next;
                        cur = m;
                        owner.insert(c, b);
                        improved = true;
                        i -= 1; // the part shrank: the next node is now at i - 1
                        break;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    // Final refinement of the cut edges (Fiduccia–Mattheyses-style boundary moves).
    if opts.refine {
        refine_cut(
            g,
            &mut state,
            &group,
            movable_from,
            inst.min,
            inst.cap,
            &mut rng,
            &eval,
            &mut cur,
            opts.moved_tolerance,
        );
    }
    Ok((state, cur))
}

/// Passes of the cut-edge refinement at most (each pass that is kept lowers the cut edges, so
/// this only bounds the time on large pieces).
const REFINE_PASSES: usize = 24;
/// A pass stops after this many moves without a new lowest cut (the hill it may climb).
const REFINE_PATIENCE: usize = 64;

/// Final refinement of the cut edges, in the manner of Fiduccia–Mattheyses: in each pass, move
/// boundary compounds one at a time to a neighbouring part of the same group, always the move
/// with the highest gain (building edges no longer cut minus edges newly cut; ties broken by a
/// seeded random priority), each compound at most once per pass, even when the gain is zero or
/// negative, as long as both parts stay within [min, cap] and the part left stays connected (the
/// part joined is connected through the moved compound's edge). The pass is then rolled back to
/// the prefix with the best plan — fewer cut edges than at the start of the pass and a strictly
/// better objective (so households moved, compared in bins, never get worse) — or entirely when
/// no prefix is better. Passes until one improves nothing. Every intermediate plan keeps every
/// hard constraint, and cut edges never increase.
#[allow(clippy::too_many_arguments)]
fn refine_cut(
    g: &Contracted,
    state: &mut State,
    group: &[usize],
    movable_from: usize,
    min: u32,
    cap: u32,
    rng: &mut ChaCha8Rng,
    eval: &dyn Fn(&State) -> Metrics,
    cur: &mut Metrics,
    tolerance: u64,
) {
    let n = g.weight.len();
    let mut owner = vec![usize::MAX; n];
    for (pi, p) in state.parts.iter().enumerate() {
        for &c in p {
            owner[c] = pi;
        }
    }
    let mut pw: Vec<u64> = state
        .parts
        .iter()
        .map(|p| p.iter().map(|&c| g.weight[c] as u64).sum())
        .collect();
    let prio: Vec<u64> = (0..n).map(|_| rng.gen()).collect();
    let movable = |pi: usize| pi != usize::MAX && pi >= movable_from;
    // Whether part `a` stays connected without `c` (BFS over the rest of its nodes).
    let stays_connected = |owner: &[usize], parts: &[Vec<usize>], a: usize, c: usize| -> bool {
        let Some(&start) = parts[a].iter().find(|&&x| x != c) else {
            return false;
        };
        let mut seen = HashSet::from([start]);
        let mut stack = vec![start];
        while let Some(u) = stack.pop() {
            for &w in &g.adj[u] {
                if w != c && owner[w] == a && seen.insert(w) {
                    stack.push(w);
                }
            }
        }
        seen.len() + 1 == parts[a].len()
    };
    let apply = |state: &mut State,
                 owner: &mut [usize],
                 pw: &mut [u64],
                 c: usize,
                 from: usize,
                 to: usize| {
        let wc = g.weight[c] as u64;
        let p = &mut state.parts[from];
        if let Ok(i) = p.binary_search(&c) {
            p.remove(i);
        }
        let q = &mut state.parts[to];
        if let Err(i) = q.binary_search(&c) {
            q.insert(i, c);
        }
        owner[c] = to;
        pw[from] -= wc;
        pw[to] += wc;
    };
    for _ in 0..REFINE_PASSES {
        let start_score = score(cur, tolerance);
        let mut best: Option<(usize, Metrics)> = None;
        let mut moves: Vec<(usize, usize, usize)> = vec![];
        let mut locked = vec![false; n];
        let (mut gain_sum, mut best_gain, mut since_best) = (0i64, 0i64, 0usize);
        let mut ext: BTreeMap<usize, i64> = BTreeMap::new();
        loop {
            // Every admissible move of an unlocked boundary compound, best gain first.
            let mut cands: Vec<(i64, u64, usize, usize, usize)> = vec![];
            for c in 0..n {
                let a = owner[c];
                if locked[c] || !movable(a) {
                    continue;
                }
                ext.clear();
                let mut internal = 0i64;
                for (&w, &ew) in g.adj[c].iter().zip(&g.adj_w[c]) {
                    let b = owner[w];
                    if b == a {
                        internal += ew as i64;
                    } else if movable(b) && group[b] == group[a] {
                        *ext.entry(b).or_default() += ew as i64;
                    }
                }
                let wc = g.weight[c] as u64;
                if pw[a] < min as u64 + wc || state.parts[a].len() < 2 {
                    continue;
                }
                for (&b, &e) in &ext {
                    if pw[b] + wc <= cap as u64 {
                        cands.push((e - internal, prio[c], c, a, b));
                    }
                }
            }
            cands.sort_unstable_by(|x, y| {
                y.0.cmp(&x.0)
                    .then(x.1.cmp(&y.1))
                    .then(x.2.cmp(&y.2))
                    .then(x.4.cmp(&y.4))
            });
            let Some(&(gain, _, c, a, b)) = cands
                .iter()
                .find(|&&(_, _, c, a, _)| stays_connected(&owner, &state.parts, a, c))
            else {
                break;
            };
            apply(state, &mut owner, &mut pw, c, a, b);
            locked[c] = true;
            moves.push((c, a, b));
            gain_sum += gain;
            if gain_sum > best_gain {
                best_gain = gain_sum;
                since_best = 0;
                let m = eval(state);
                let sc = score(&m, tolerance);
                if sc < start_score
                    && best
                        .as_ref()
                        .is_none_or(|(_, bm)| sc < score(bm, tolerance))
                {
                    best = Some((moves.len(), m));
                }
            } else {
                since_best += 1;
                if since_best > REFINE_PATIENCE {
                    break;
                }
            }
        }
        let keep = best.as_ref().map_or(0, |(k, _)| *k);
        while moves.len() > keep {
            let (c, a, b) = moves.pop().expect("a move to undo");
            apply(state, &mut owner, &mut pw, c, b, a);
        }
        match best {
            Some((_, m)) => *cur = m,
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A w×h grid of buildings, `per` households each, compounds of `cw`×1 buildings, all in one
    /// community, optionally with a barrier removing the edges between two columns.
    fn grid(w: usize, h: usize, per: u32, cw: usize) -> Instance {
        let mut units = vec![];
        for y in 0..h {
            for x in 0..w {
                units.push(Unit {
                    id: format!("b{x}_{y}"),
                    households: per,
                    compound: format!("c{}_{y}", x / cw),
                    community: "C1".into(),
                    grid: format!("g{}_{}", x / 4, y / 4),
                    x: x as f64,
                    y: y as f64,
                });
            }
        }
        let mut edges = vec![];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if x + 1 < w {
                    edges.push((i, i + 1));
                }
                if y + 1 < h {
                    edges.push((i, i + w));
                }
            }
        }
        Instance {
            cap: 3000,
            min: 1000,
            units,
            edges,
        }
    }

    #[test]
    fn splits_an_oversized_community_into_valid_parts() {
        let inst = grid(10, 10, 70, 2); // 7,000 households
        let p = plan(&inst, &Options::default()).unwrap();
        assert!(check(&inst, &p.parts).is_empty());
        assert_eq!(p.parts.len(), 3);
        assert_eq!(
            p.parts
                .iter()
                .filter(|x| x.community.as_deref() == Some("C1"))
                .count(),
            1
        );
        assert!(p.metrics.max_households <= 3000 && p.metrics.min_households >= 1000);
    }

    #[test]
    fn same_seed_same_plan() {
        let inst = grid(8, 8, 90, 2);
        let a = plan(
            &inst,
            &Options {
                seed: 9,
                ..Default::default()
            },
        )
        .unwrap();
        let b = plan(
            &inst,
            &Options {
                seed: 9,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn reports_a_compound_over_the_cap() {
        let mut inst = grid(4, 4, 300, 4); // compounds of 4 buildings = 1,200
        for u in inst.units.iter_mut().take(4) {
            u.households = 900; // first compound: 3,600 > cap
        }
        let e = plan(&inst, &Options::default()).unwrap_err();
        assert!(
            matches!(
                &e[0],
                Infeasible::CompoundOverCap {
                    households: 3600,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn reports_a_disconnected_piece_too_small() {
        let mut inst = grid(6, 6, 100, 1); // 3,600
                                           // Cut off the last column (600 households) completely.
        inst.edges
            .retain(|&(a, b)| !((a % 6 == 4 && b % 6 == 5) || (a % 6 == 5 && b % 6 == 4)));
        let e = plan(&inst, &Options::default()).unwrap_err();
        assert!(
            e.iter().any(|x| matches!(
                x,
                Infeasible::PieceTooSmall {
                    households: 600,
                    ..
                }
            )),
            "{e:?}"
        );
    }

    #[test]
    fn bad_bounds() {
        let mut inst = grid(2, 2, 10, 1);
        inst.min = 5000;
        assert!(matches!(
            plan(&inst, &Options::default()).unwrap_err()[0],
            Infeasible::BadBounds { .. }
        ));
    }

    #[test]
    fn street_mode_keeps_valid_communities_where_it_can() {
        let mut inst = grid(12, 6, 60, 1); // 4,320 households
        for u in &mut inst.units {
            u.community = if u.x < 4.0 { "A".into() } else { "B".into() }; // A 1,440, B 2,880
        }
        let p = plan(
            &inst,
            &Options {
                mode: Mode::Street,
                iterations: 200,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(check(&inst, &p.parts).is_empty());
        // Both communities are valid as they are: nothing need move.
        assert_eq!(p.metrics.households_moved, 0, "{:?}", p.metrics);
    }

    #[test]
    fn polsby_popper_of_a_square_and_a_line() {
        let sq = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        assert!((polsby_popper(&sq) - std::f64::consts::PI / 4.0).abs() < 1e-9);
        assert_eq!(polsby_popper(&[(0.0, 0.0), (1.0, 0.0)]), 1.0);
    }

    /// A graph of whole compounds: `weights[i]` households in compound `i` (one building each),
    /// all in community `C1`, joined by `edges`.
    fn compounds(weights: &[u32], edges: &[(usize, usize)]) -> Instance {
        Instance {
            cap: 3000,
            min: 1000,
            units: weights
                .iter()
                .enumerate()
                .map(|(i, &h)| Unit {
                    id: format!("b{i:03}"),
                    households: h,
                    compound: format!("c{i:03}"),
                    community: "C1".into(),
                    grid: "g".into(),
                    x: i as f64,
                    y: 0.0,
                })
                .collect(),
            edges: edges.to_vec(),
        }
    }

    /// A caterpillar: a spine of `m` compounds, each with two leaf compounds, 1,400 households
    /// each. A part holds one compound or two (three are above the cap), every pair holds a
    /// spine compound, so at least 2m parts are needed although ⌈4,200m / 3,000⌉ hold the
    /// households: the fewest counts are tight (average near the cap) and cannot be packed.
    fn caterpillar(m: usize) -> Instance {
        let mut edges = vec![];
        for s in 0..m {
            if s + 1 < m {
                edges.push((3 * s, 3 * (s + 1)));
            }
            edges.push((3 * s, 3 * s + 1));
            edges.push((3 * s, 3 * s + 2));
        }
        compounds(&vec![1400; 3 * m], &edges)
    }

    #[test]
    fn tries_more_parts_when_the_fewest_cannot_be_packed() {
        let m = 12;
        let inst = caterpillar(m); // 50,400 households: 17 parts averaging 2,965 cannot be packed
        for mode in [Mode::Split, Mode::Street] {
            let p = plan(
                &inst,
                &Options {
                    mode,
                    iterations: 50,
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("{mode:?}: {e:?}"));
            assert!(
                check(&inst, &p.parts).is_empty(),
                "{:?}",
                check(&inst, &p.parts)
            );
            assert!(p.parts.len() >= 2 * m, "{}", p.parts.len());
            assert!(p.parts.len() <= 50_400 / 1000);
        }
    }

    #[test]
    fn every_part_count_that_fails_says_why() {
        // A star: a centre of 500 households (below the minimum alone, above the cap with any
        // neighbour) and six compounds of 2,900: no valid plan for any count.
        let mut w = vec![500];
        w.extend([2900; 6]);
        let edges: Vec<(usize, usize)> = (1..7).map(|i| (0, i)).collect();
        let inst = compounds(&w, &edges); // 17,900: 6 to 17 parts
        let e = plan(
            &inst,
            &Options {
                mode: Mode::Street,
                tree_tries: 30,
                ..Default::default()
            },
        )
        .unwrap_err();
        let [Infeasible::NotFound {
            households,
            parts,
            tried,
            units,
        }] = e.as_slice()
        else {
            panic!("{e:?}");
        };
        assert_eq!((*households, *parts, units.len()), (17_900, 6, 7));
        let counts: Vec<u32> = tried.iter().map(|t| t.parts).collect();
        assert_eq!(counts, (6..=17).collect::<Vec<u32>>());
        for t in tried {
            match (&t.failure, t.parts) {
                (CountFailure::NoValidCut { attempts, .. }, 6 | 7) => {
                    assert_eq!(*attempts, ATTEMPTS_PER_COUNT)
                }
                (CountFailure::TooFewCompounds { compounds: 7 }, 8..) => {}
                other => panic!("{other:?}"),
            }
        }
        // The reasons are part of the plan file's JSON.
        let json = serde_json::to_value(&e[0]).unwrap();
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["tried"][0]["parts"], 6);
        assert_eq!(json["tried"][0]["reason"], "no_valid_cut");
        assert_eq!(json["tried"][11]["reason"], "too_few_compounds");
        let back: Infeasible = serde_json::from_value(json).unwrap();
        assert_eq!(back, e[0]);
    }

    #[test]
    fn street_mode_redraws_everything_when_repair_finds_nothing() {
        // a (A, 1,500) — b (B, 900) — c (B, 2,300): B (3,200) cannot be split on its own (900 is
        // below the minimum), but a and b together make a community.
        let mut inst = compounds(&[1500, 900, 2300], &[(0, 1), (1, 2)]);
        inst.units[0].community = "A".into();
        inst.units[1].community = "B".into();
        inst.units[2].community = "B".into();
        let p = plan(
            &inst,
            &Options {
                mode: Mode::Street,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(check(&inst, &p.parts).is_empty());
        let mut sets: Vec<Vec<usize>> = p.parts.iter().map(|x| x.units.clone()).collect();
        sets.sort();
        assert_eq!(sets, vec![vec![0, 1], vec![2]]);
        // Split mode splits B on its own and cannot.
        assert!(plan(&inst, &Options::default()).is_err());
    }

    /// Cut edges of a plan over contracted nodes, counted on the buildings.
    fn cut_of(inst: &Instance, g: &Contracted, state: &State) -> usize {
        let up = unit_parts(g, state);
        metrics(inst, &up, &label_parts(inst, &up), false).cut_edges
    }

    /// Mixed compounds on a grid with edges removed: compound `i` spans 1–3 buildings in a row.
    fn mixed(w: usize, h: usize, hh: &[u32], spans: &[usize], drop: &[usize]) -> Instance {
        let mut inst = grid(w, h, 1, 1);
        let mut k = 0;
        for y in 0..h {
            let mut x = 0;
            while x < w {
                let span = spans[k % spans.len()].clamp(1, 3);
                for dx in 0..span.min(w - x) {
                    inst.units[y * w + x + dx].compound = format!("m{k}");
                }
                x += span;
                k += 1;
            }
        }
        for (i, u) in inst.units.iter_mut().enumerate() {
            u.households = hh[i % hh.len()];
        }
        let n = inst.edges.len();
        let gone: HashSet<usize> = drop.iter().map(|d| d % n).collect();
        inst.edges = inst
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| !gone.contains(i))
            .map(|(_, e)| *e)
            .collect();
        inst
    }

    #[test]
    fn refinement_lowers_the_cut_of_a_ragged_plan() {
        let inst = mixed(12, 12, &[40, 90, 25, 160, 70], &[1, 2, 3, 2], &[]);
        let g = contract(&inst);
        let nodes: Vec<usize> = (0..g.weight.len()).collect();
        let total: u64 = g.weight.iter().map(|&w| w as u64).sum();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let parts = partition_piece(&g, &nodes, total, 1000, 3000, 400, &mut rng).unwrap();
        let mut state = State { parts, kept: 0 };
        let group = vec![0; state.parts.len()];
        let eval = |s: &State| {
            let up = unit_parts(&g, s);
            metrics(&inst, &up, &label_parts(&inst, &up), false)
        };
        let mut cur = eval(&state);
        let before = cur.cut_edges;
        refine_cut(
            &g, &mut state, &group, 0, 1000, 3000, &mut rng, &eval, &mut cur, 500,
        );
        let after = cut_of(&inst, &g, &state);
        assert_eq!(after, cur.cut_edges);
        assert!(after < before, "{before} -> {after}");
        let up = unit_parts(&g, &state);
        let parts: Vec<Part> = up
            .into_iter()
            .map(|units| Part {
                community: None,
                households: units.iter().map(|&u| inst.units[u].households).sum(),
                units,
                kept: false,
            })
            .collect();
        assert!(
            check(&inst, &parts).is_empty(),
            "{:?}",
            check(&inst, &parts)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]
        /// The refinement never increases the cut edges, never makes the objective worse, and
        /// never breaks a hard constraint; the same seed gives the same result.
        #[test]
        fn refinement_never_increases_cut_nor_breaks_a_constraint(
            w in 3usize..11, h in 3usize..11, seed in 0u64..1000,
            hh in proptest::collection::vec(10u32..400, 1..40),
            spans in proptest::collection::vec(1usize..4, 1..9),
            drop in proptest::collection::vec(0usize..400, 0..20)) {
            let inst = mixed(w, h, &hh, &spans, &drop);
            let g = contract(&inst);
            let nodes: Vec<usize> = (0..g.weight.len()).collect();
            let eval = |s: &State| {
                let up = unit_parts(&g, s);
                metrics(&inst, &up, &label_parts(&inst, &up), false)
            };
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut parts = vec![];
            for comp in components(&g.adj, &nodes) {
                let total: u64 = comp.iter().map(|&c| g.weight[c] as u64).sum();
                if total < 1000 || comp.iter().any(|&c| g.weight[c] > 3000) {
                    return Ok(()); // no valid plan to refine
                }
                match partition_piece(&g, &comp, total, 1000, 3000, 60, &mut rng) {
                    Ok(p) => parts.extend(p),
                    Err(_) => return Ok(()),
                }
            }
            let group = vec![0; parts.len()];
            let start = State { parts, kept: 0 };
            let mut results = vec![];
            for _ in 0..2 {
                let mut state = start.clone();
                let mut cur = eval(&state);
                let before = cur.clone();
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                refine_cut(&g, &mut state, &group, 0, 1000, 3000, &mut rng, &eval, &mut cur, 500);
                let after = eval(&state);
                prop_assert_eq!(&after, &cur);
                prop_assert!(after.cut_edges <= before.cut_edges, "{} -> {}", before.cut_edges, after.cut_edges);
                prop_assert!(score(&after, 500) <= score(&before, 500));
                let parts: Vec<Part> = unit_parts(&g, &state)
                    .into_iter()
                    .map(|units| Part {
                        community: None,
                        households: units.iter().map(|&u| inst.units[u].households).sum(),
                        units,
                        kept: false,
                    })
                    .collect();
                prop_assert!(check(&inst, &parts).is_empty(), "{:?}", check(&inst, &parts));
                results.push(state.parts);
            }
            prop_assert_eq!(&results[0], &results[1]);
        }

        /// Whatever the instance, a returned plan satisfies every hard constraint, and a refusal
        /// gives at least one reason (mixed compound sizes, street mode).
        #[test]
        fn any_street_plan_with_mixed_compounds_is_valid(
            w in 3usize..10, h in 3usize..10, seed in 0u64..1000,
            hh in proptest::collection::vec(10u32..400, 1..40),
            spans in proptest::collection::vec(1usize..4, 1..9),
            drop in proptest::collection::vec(0usize..400, 0..16)) {
            let mut inst = mixed(w, h, &hh, &spans, &drop);
            for u in &mut inst.units {
                u.community = if u.x < (w / 2) as f64 { "A".into() } else { "B".into() };
            }
            match plan(&inst, &Options { seed, mode: Mode::Street, iterations: 30, tree_tries: 60, ..Default::default() }) {
                Ok(p) => prop_assert!(check(&inst, &p.parts).is_empty(), "{:?}", check(&inst, &p.parts)),
                Err(reasons) => prop_assert!(!reasons.is_empty()),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
        /// Whatever the instance, a returned plan satisfies every hard constraint, and a refusal
        /// gives at least one reason.
        #[test]
        fn any_plan_is_valid(w in 2usize..9, h in 2usize..9, cw in 1usize..3, seed in 0u64..1000,
                             hh in proptest::collection::vec(10u32..400, 81), drop in proptest::collection::vec(0usize..200, 0..12)) {
            let mut inst = grid(w, h, 1, cw);
            for (i, u) in inst.units.iter_mut().enumerate() { u.households = hh[i % hh.len()]; }
            let n = inst.edges.len();
            let gone: HashSet<usize> = drop.into_iter().map(|d| d % n).collect();
            inst.edges = inst.edges.iter().enumerate().filter(|(i, _)| !gone.contains(i)).map(|(_, e)| *e).collect();
            match plan(&inst, &Options { seed, iterations: 30, tree_tries: 60, ..Default::default() }) {
                Ok(p) => prop_assert!(check(&inst, &p.parts).is_empty(), "{:?}", check(&inst, &p.parts)),
                Err(reasons) => prop_assert!(!reasons.is_empty()),
            }
        }
    }
}
