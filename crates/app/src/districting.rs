//! Communities of the right size (社区规模优化): find the communities above the cap, export the
//! building graph, draw plans with the optimiser (`jingzhi_domain::districting`), run the
//! closed-loop approval (six steps, residents' comments, departments' votes) and apply an
//! approved plan to the register in one transaction, with history and audit.
//!
//! Permissions: city-admin, district-officer and street-officer scan and plan (the auditor reads);
//! city-admin and district-officer record the approval steps and apply. Everything is confined
//! to the caller's scope in the store's queries.

use crate::spreadsheet::{self, SheetSpec, Value};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::districting::apply as dapply;
use jingzhi_domain::districting::approval::{self as ap, Status, Step, Vote};
use jingzhi_domain::districting::graph::{building_graph, restore_for_small_pieces, Projection};
use jingzhi_domain::districting::layout::{hull_polygon, next_child_code, next_community_code};
use jingzhi_domain::districting::{
    self as dd, CountFailure, Infeasible, Instance, Metrics, Mode, Options, Unit,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::scope::{path_ids, Scope};
use jingzhi_store::districting as sd;
use jingzhi_store::registry::{self as sr, Barrier, NewNode, Node};
use jingzhi_store::{audit, Conn};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::districting::{CommentRow, NodeMove, Oversized, PlanRow, StepRow, VoteRow};

/// Households a community may hold (常住人口一般不超过3000户).
pub const DEFAULT_CAP: u32 = 3000;
/// Fewest households a new community should hold.
pub const DEFAULT_MIN: u32 = 1000;
/// Longest building-to-building edge kept in the adjacency graph (metres).
pub const MAX_EDGE_M: f64 = 400.0;

// ---------------------------------------------------------------------------------------------
// The JSON formats of the command line (scripts depend on them)

/// A building of the exported graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    pub households: u32,
    pub compound: String,
    pub community: String,
    pub grid: String,
    pub x: f64,
    pub y: f64,
}

/// `{"cap":3000,"min":1000,"nodes":[…],"edges":[["<id>","<id>"],…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub cap: u32,
    pub min: u32,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<(String, String)>,
}

/// One proposed community of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPart {
    /// The community's code: a current one it keeps, or a new one.
    pub community: String,
    /// Building codes.
    pub buildings: Vec<String>,
    pub households: u32,
    /// A new community (its code was assigned by the plan).
    #[serde(default)]
    pub new: bool,
    /// A community within the cap passed through unchanged (split mode).
    #[serde(default)]
    pub kept: bool,
}

/// `{"parts":[…],"metrics":{…},"infeasible":[…]}`, plus `before` (each building's current
/// community, to show what moves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanOutput {
    pub parts: Vec<PlanPart>,
    /// [`Metrics`] of the plan (`{}` when there is none).
    pub metrics: serde_json::Value,
    pub infeasible: Vec<Infeasible>,
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub before: BTreeMap<String, String>,
}

impl PlanOutput {
    pub fn metrics(&self) -> Option<Metrics> {
        serde_json::from_value(self.metrics.clone()).ok()
    }

    /// Buildings whose community changes: (building, from, to).
    pub fn moved(&self) -> Vec<(String, String, String)> {
        let mut out = vec![];
        for p in &self.parts {
            for b in &p.buildings {
                if let Some(from) = self.before.get(b) {
                    if *from != p.community {
                        out.push((b.clone(), from.clone(), p.community.clone()));
                    }
                }
            }
        }
        out
    }
}

pub fn parse_mode(s: &str) -> AppResult<Mode> {
    match s.trim() {
        "" | "split" => Ok(Mode::Split),
        "street" => Ok(Mode::Street),
        _ => Err(AppError::invalid(
            "mode",
            "模式应为 split（拆分超大社区）或 street（整街道重划）",
        )),
    }
}

pub fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Split => "split",
        Mode::Street => "street",
    }
}

/// The optimiser's instance of a graph (ids → indices).
pub fn instance_of(g: &Graph) -> AppResult<Instance> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if index.insert(n.id.as_str(), i).is_some() {
            return Err(AppError::invalid(
                "nodes",
                format!("楼宇编号重复: {}", n.id),
            ));
        }
    }
    let mut edges = Vec::with_capacity(g.edges.len());
    for (a, b) in &g.edges {
        match (index.get(a.as_str()), index.get(b.as_str())) {
            (Some(&x), Some(&y)) => edges.push((x.min(y), x.max(y))),
            _ => {
                return Err(AppError::invalid(
                    "edges",
                    format!("边引用了不存在的楼宇: {a}–{b}"),
                ))
            }
        }
    }
    Ok(Instance {
        cap: g.cap,
        min: g.min,
        units: g
            .nodes
            .iter()
            .map(|n| Unit {
                id: n.id.clone(),
                households: n.households,
                compound: n.compound.clone(),
                community: n.community.clone(),
                grid: n.grid.clone(),
                x: n.x,
                y: n.y,
            })
            .collect(),
        edges,
    })
}

/// Plan a graph (no database): parts keep the code of the current community they overlap most;
/// the others get the next free community code of their street (`taken` holds the codes in use
/// besides the graph's own).
pub fn plan_graph(
    g: &Graph,
    mode: Mode,
    seed: u64,
    taken: &HashSet<String>,
) -> AppResult<PlanOutput> {
    let inst = instance_of(g)?;
    let opts = Options {
        seed,
        mode,
        ..Default::default()
    };
    let before: BTreeMap<String, String> = g
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.community.clone()))
        .collect();
    let started = std::time::Instant::now();
    match dd::plan(&inst, &opts) {
        Err(reasons) => Ok(PlanOutput {
            parts: vec![],
            metrics: serde_json::json!({}),
            infeasible: reasons,
            mode: Some(mode),
            seed: Some(seed),
            before,
        }),
        Ok(plan) => {
            debug_assert!(dd::check(&inst, &plan.parts).is_empty());
            let mut used: HashSet<String> = taken.clone();
            used.extend(g.nodes.iter().map(|n| n.community.clone()));
            let mut parts = vec![];
            let mut fresh = 0;
            for p in &plan.parts {
                let buildings: Vec<String> =
                    p.units.iter().map(|&u| inst.units[u].id.clone()).collect();
                let (community, new) = match &p.community {
                    Some(c) => (c.clone(), false),
                    None => {
                        // The street of the community most of its households come from.
                        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
                        for &u in &p.units {
                            *by.entry(inst.units[u].community.as_str()).or_default() +=
                                inst.units[u].households as u64;
                        }
                        let major = by
                            .iter()
                            .max_by_key(|(c, h)| (**h, std::cmp::Reverse(**c)))
                            .map(|(c, _)| *c)
                            .unwrap_or("");
                        let street = if major.len() == 12 {
                            format!("{}000", &major[..9])
                        } else {
                            String::new()
                        };
                        fresh += 1;
                        let code = next_community_code(&street, &used)
                            .unwrap_or_else(|| format!("{major}-new{fresh}"));
                        used.insert(code.clone());
                        (code, true)
                    }
                };
                parts.push(PlanPart {
                    community,
                    buildings,
                    households: p.households,
                    new,
                    kept: p.kept,
                });
            }
            // The planner's own time (no start-up or database), for benchmarks.
            let mut metrics = serde_json::to_value(&plan.metrics).unwrap_or_default();
            if let Some(m) = metrics.as_object_mut() {
                m.insert(
                    "planner_seconds".into(),
                    started.elapsed().as_secs_f64().into(),
                );
            }
            Ok(PlanOutput {
                parts,
                metrics,
                infeasible: vec![],
                mode: Some(mode),
                seed: Some(seed),
                before,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Views

/// What the graph of a scope is built from, kept for drawing.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    pub scope: Node,
    /// Communities, grids and compounds below (or at) the scope, by id.
    pub areas: HashMap<i64, Node>,
    pub buildings: Vec<Node>,
    pub barriers: Vec<Barrier>,
    pub graph: Graph,
}

impl Loaded {
    pub fn area_by_code(&self, code: &str) -> Option<&Node> {
        self.areas.values().find(|n| n.code == code)
    }
}

/// A proposed community with the figures the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PartDetail {
    pub community: String,
    /// The current name, or the name it will get.
    pub name: String,
    pub new: bool,
    pub kept: bool,
    pub households: u32,
    pub residents: u32,
    pub grids: usize,
    pub compounds: usize,
    pub buildings: usize,
    /// Polsby–Popper compactness of its buildings' convex hull (1 = a circle).
    pub compactness: f64,
}

/// A compound that changes community.
#[derive(Debug, Clone, Serialize)]
pub struct MovedCompound {
    pub compound: String,
    pub compound_name: String,
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    pub households: u32,
}

/// A plan with its approval records.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub plan: PlanRow,
    pub status: Status,
    pub output: PlanOutput,
    pub departments: Vec<String>,
    pub steps: Vec<StepRow>,
    pub next_step: Option<Step>,
    pub comments: Vec<CommentRow>,
    pub votes: Vec<VoteRow>,
    pub moves: Vec<NodeMove>,
}

/// A plan (saved or not) with everything the page draws.
#[derive(Debug, Clone, Serialize)]
pub struct PlanDetail {
    pub output: PlanOutput,
    pub parts: Vec<PartDetail>,
    pub moved: Vec<MovedCompound>,
    /// The buildings drawn: code, name, lon, lat, compound code, community before, after.
    pub points: Vec<MapPoint>,
    pub barriers: Vec<Barrier>,
    /// Compound code → name.
    pub compound_names: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapPoint {
    pub code: String,
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub compound: String,
    pub before: String,
    pub after: String,
}

/// Longest record of an approval step (characters).
pub const MAX_RECORD: usize = 2000;
/// Longest note on a vote or an adjacency override (characters).
pub const MAX_NOTE: usize = 500;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StepInput {
    /// `public_participation` … `meeting_decision` (or the Chinese name).
    pub step: String,
    pub record: String,
    /// Document names and notes.
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VoteInput {
    pub department: String,
    /// `agree` | `object` (同意 | 反对).
    pub vote: String,
    pub note: Option<String>,
}

/// What an apply did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApplyReport {
    pub communities_created: Vec<String>,
    pub grids_created: Vec<String>,
    pub nodes_moved: usize,
    pub households_moved: u64,
}

fn can(actor: &Actor, f: fn(jingzhi_domain::auth::Role) -> bool) -> AppResult<()> {
    if f(actor.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn lines_of(geojson: &str) -> Vec<Vec<(f64, f64)>> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(geojson) else {
        return vec![];
    };
    let v = if v["type"] == "Feature" {
        v["geometry"].clone()
    } else {
        v
    };
    let line = |l: &serde_json::Value| -> Vec<(f64, f64)> {
        l.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
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
}

/// Load the buildings below a scope node with everything the graph needs.
async fn load(conn: &mut Conn, scope: &Scope, code: &str, cap: u32, min: u32) -> AppResult<Loaded> {
    let node = sr::get_node_by_code(conn, scope, code.trim()).await?;
    if node.kind > NodeKind::Community {
        return Err(AppError::invalid("scope", "范围应为社区、街道或以上"));
    }
    let all = sr::nodes_under(
        conn,
        scope,
        &node.path,
        &[
            NodeKind::Community,
            NodeKind::Grid,
            NodeKind::Compound,
            NodeKind::Building,
        ],
        10_000_000,
    )
    .await?;
    let (buildings, areas): (Vec<Node>, Vec<Node>) =
        all.into_iter().partition(|n| n.kind == NodeKind::Building);
    let areas: HashMap<i64, Node> = areas.into_iter().map(|n| (n.id, n)).collect();
    let hh = sd::building_households(conn, scope, &node.path).await?;
    let barriers = sr::barriers(conn, &Scope::new(node.id, node.path.clone())).await?;
    let overrides = sd::overrides_for(conn, &node.path).await?;

    let up = |b: &Node, kind: NodeKind| -> Option<&Node> {
        path_ids(&b.path)
            .into_iter()
            .filter_map(|id| areas.get(&id))
            .find(|n| n.kind == kind)
    };
    let mut nodes = Vec::with_capacity(buildings.len());
    let mut kept_buildings = Vec::with_capacity(buildings.len());
    for b in buildings {
        let (Some(cm), Some(gr), Some(cp)) = (
            up(&b, NodeKind::Community),
            up(&b, NodeKind::Grid),
            up(&b, NodeKind::Compound),
        ) else {
            continue;
        };
        let xy =
            b.x.zip(b.y)
                .or(cp.x.zip(cp.y))
                .unwrap_or((f64::NAN, f64::NAN));
        nodes.push(GraphNode {
            id: b.code.clone(),
            households: hh.get(&b.id).copied().unwrap_or(0),
            compound: cp.code.clone(),
            community: cm.code.clone(),
            grid: gr.code.clone(),
            x: xy.0,
            y: xy.1,
        });
        kept_buildings.push(b);
    }
    // Buildings without coordinates stay without edges (reported as a piece too small).
    let located: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].x.is_finite() && nodes[i].y.is_finite())
        .collect();
    let pts: Vec<(f64, f64)> = located.iter().map(|&i| (nodes[i].x, nodes[i].y)).collect();
    let lines: Vec<Vec<(f64, f64)>> = barriers
        .iter()
        .flat_map(|b| lines_of(&b.geometry))
        .collect();
    // Barriers and distance cut edges, except where a piece left alone would be too small (see
    // `restore_for_small_pieces`): then its Delaunay edges to its neighbours come back.
    let open = building_graph(&pts, &[], f64::INFINITY);
    let cut = building_graph(&pts, &lines, MAX_EDGE_M);
    let cut_set: HashSet<(usize, usize)> = cut.iter().copied().collect();
    let crossing: Vec<(usize, usize)> = open.into_iter().filter(|e| !cut_set.contains(e)).collect();
    let code_index = |codes: Vec<&str>| -> Vec<usize> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        codes
            .into_iter()
            .map(|c| {
                let k = m.len();
                *m.entry(c).or_insert(k)
            })
            .collect()
    };
    let weights: Vec<u32> = located.iter().map(|&i| nodes[i].households).collect();
    let groups = code_index(
        located
            .iter()
            .map(|&i| nodes[i].community.as_str())
            .collect(),
    );
    let joined = code_index(
        located
            .iter()
            .map(|&i| nodes[i].compound.as_str())
            .collect(),
    );
    let kept = restore_for_small_pieces(&weights, &groups, &joined, &cut, &crossing, min);
    let mut edges: BTreeSet<(String, String)> = kept
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (&nodes[located[a]].id, &nodes[located[b]].id);
            (a.min(b).clone(), a.max(b).clone())
        })
        .collect();
    let ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    for o in &overrides {
        if !(ids.contains(o.a_code.as_str()) && ids.contains(o.b_code.as_str())) {
            continue;
        }
        let e = (
            o.a_code.clone().min(o.b_code.clone()),
            o.a_code.clone().max(o.b_code.clone()),
        );
        if o.op == "add" {
            edges.insert(e);
        } else {
            edges.remove(&e);
        }
    }
    // JSON has no NaN: buildings without a place get 0,0 in the file (they have no edges).
    for n in &mut nodes {
        if !n.x.is_finite() || !n.y.is_finite() {
            n.x = 0.0;
            n.y = 0.0;
        }
    }
    Ok(Loaded {
        scope: node,
        areas,
        buildings: kept_buildings,
        barriers,
        graph: Graph {
            cap,
            min,
            nodes,
            edges: edges.into_iter().collect(),
        },
    })
}

/// Lowest common ancestor path of two paths.
fn common_path(a: &str, b: &str) -> String {
    let (ia, ib) = (path_ids(a), path_ids(b));
    let mut out = String::from("/");
    for (x, y) in ia.iter().zip(ib.iter()) {
        if x != y {
            break;
        }
        out.push_str(&format!("{x}/"));
    }
    out
}

fn plan_audit(p: &PlanRow) -> serde_json::Value {
    serde_json::json!({"scope": p.scope_code, "mode": p.mode, "seed": p.seed, "status": p.status, "title": p.title})
}

/// Districting (社区规模优化): communities of the right size. Reached as `app.districting()`.
#[derive(Clone, Copy)]
pub struct Districting<'a> {
    app: &'a App,
}

impl App {
    /// See [`Districting`].
    pub fn districting(&self) -> Districting<'_> {
        Districting { app: self }
    }
}

impl Districting<'_> {
    /// Communities in the caller's scope above the cap (default 3,000 households), largest first.
    pub async fn scan(&self, actor: &Actor, cap: Option<u32>) -> AppResult<Vec<sd::Oversized>> {
        can(actor, ap::can_view)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::oversized(&mut conn, &actor.scope(), cap.unwrap_or(DEFAULT_CAP) as i64).await?)
    }

    /// The building graph of a scope node (a community, a street or above).
    pub async fn load(&self, actor: &Actor, scope_code: &str) -> AppResult<Loaded> {
        can(actor, ap::can_view)?;
        let mut conn = self.app.store.acquire().await?;
        load(
            &mut conn,
            &actor.scope(),
            scope_code,
            DEFAULT_CAP,
            DEFAULT_MIN,
        )
        .await
    }

    /// `jingzhi redistrict export-graph`: the graph as written to the file.
    pub async fn export_graph(&self, actor: &Actor, scope_code: &str) -> AppResult<Graph> {
        Ok(self.load(actor, scope_code).await?.graph)
    }

    /// Plan a scope node from the database (nothing is saved).
    pub async fn plan(
        &self,
        actor: &Actor,
        scope_code: &str,
        mode: Mode,
        seed: u64,
    ) -> AppResult<PlanOutput> {
        can(actor, ap::can_view)?;
        let mut conn = self.app.store.acquire().await?;
        let loaded = load(
            &mut conn,
            &actor.scope(),
            scope_code,
            DEFAULT_CAP,
            DEFAULT_MIN,
        )
        .await?;
        let taken = taken_codes(&mut conn, &loaded.graph).await?;
        drop(conn);
        let g = loaded.graph;
        tokio::task::spawn_blocking(move || plan_graph(&g, mode, seed, &taken))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// A plan (computed now, or saved) with the figures and the map the page shows.
    pub async fn detail(
        &self,
        actor: &Actor,
        scope_code: &str,
        output: &PlanOutput,
    ) -> AppResult<PlanDetail> {
        can(actor, ap::can_view)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let loaded = load(&mut conn, &scope, scope_code, DEFAULT_CAP, DEFAULT_MIN).await?;
        let residents = sd::building_residents(&mut conn, &scope, &loaded.scope.path).await?;
        let by_code: HashMap<&str, &Node> = loaded
            .buildings
            .iter()
            .map(|b| (b.code.as_str(), b))
            .collect();
        let gnode: HashMap<&str, &GraphNode> = loaded
            .graph
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n))
            .collect();
        let area_name = |code: &str| loaded.area_by_code(code).map(|n| n.name.clone());
        let mut parts = vec![];
        let mut fresh = 0;
        let mut after: HashMap<&str, &str> = HashMap::new();
        for p in &output.parts {
            let mut grids = HashSet::new();
            let mut compounds = HashSet::new();
            let mut res = 0;
            let mut pts = vec![];
            for b in &p.buildings {
                after.insert(b.as_str(), p.community.as_str());
                if let Some(n) = gnode.get(b.as_str()) {
                    grids.insert(n.grid.as_str());
                    compounds.insert(n.compound.as_str());
                    pts.push((n.x, n.y));
                }
                if let Some(bn) = by_code.get(b.as_str()) {
                    res += residents.get(&bn.id).copied().unwrap_or(0);
                }
            }
            let proj = Projection::around(&pts);
            let m: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| proj.metres(x, y)).collect();
            let name = match area_name(&p.community) {
                Some(n) => n,
                None => {
                    fresh += 1;
                    new_community_name(&loaded, output, p, fresh)
                }
            };
            parts.push(PartDetail {
                community: p.community.clone(),
                name,
                new: p.new,
                kept: p.kept,
                households: p.households,
                residents: res,
                grids: grids.len(),
                compounds: compounds.len(),
                buildings: p.buildings.len(),
                compactness: dd::polsby_popper(&m),
            });
        }
        let part_name: HashMap<&str, String> = parts
            .iter()
            .map(|p| (p.community.as_str(), p.name.clone()))
            .collect();
        let mut moved: BTreeMap<String, MovedCompound> = BTreeMap::new();
        for (b, from, to) in output.moved() {
            let Some(n) = gnode.get(b.as_str()) else {
                continue;
            };
            let e = moved
                .entry(n.compound.clone())
                .or_insert_with(|| MovedCompound {
                    compound: n.compound.clone(),
                    compound_name: area_name(&n.compound).unwrap_or_default(),
                    from: from.clone(),
                    from_name: area_name(&from).unwrap_or_default(),
                    to: to.clone(),
                    to_name: part_name.get(to.as_str()).cloned().unwrap_or_default(),
                    households: 0,
                });
            e.households += n.households;
        }
        let points = loaded
            .graph
            .nodes
            .iter()
            .filter(|n| n.x != 0.0 || n.y != 0.0)
            .map(|n| MapPoint {
                code: n.id.clone(),
                name: by_code
                    .get(n.id.as_str())
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                x: n.x,
                y: n.y,
                compound: n.compound.clone(),
                before: output
                    .before
                    .get(&n.id)
                    .cloned()
                    .unwrap_or_else(|| n.community.clone()),
                after: after
                    .get(n.id.as_str())
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| n.community.clone()),
            })
            .collect();
        let compound_names = loaded
            .areas
            .values()
            .filter(|a| a.kind == NodeKind::Compound)
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect();
        Ok(PlanDetail {
            output: output.clone(),
            parts,
            moved: moved.into_values().collect(),
            points,
            barriers: loaded.barriers,
            compound_names,
        })
    }

    /// Compute a plan for a scope node and save it as a draft (公众参与 opens).
    pub async fn create_plan(
        &self,
        actor: &Actor,
        scope_code: &str,
        mode: Mode,
        seed: u64,
    ) -> AppResult<PlanRow> {
        can(actor, ap::can_plan)?;
        let output = self.plan(actor, scope_code, mode, seed).await?;
        if !output.infeasible.is_empty() {
            let reasons: Vec<String> = output.infeasible.iter().map(infeasible_zh).collect();
            return Err(AppError::invalid(
                "plan",
                format!("无法生成有效方案: {}", reasons.join("；")),
            ));
        }
        if output.moved().is_empty() {
            return Err(AppError::invalid("plan", "范围内没有需要调整的社区"));
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node_by_code(&mut tx, &scope, scope_code.trim()).await?;
        let title = format!(
            "{}社区规模优化方案（{}，种子{}）",
            node.name,
            if mode == Mode::Split {
                "拆分"
            } else {
                "整街道重划"
            },
            seed
        );
        let plan_json =
            serde_json::to_string(&output).map_err(|e| AppError::Internal(e.to_string()))?;
        let departments: Vec<String> = ap::DEPARTMENTS.iter().map(|s| s.to_string()).collect();
        let id = sd::insert_plan(
            &mut tx,
            &sd::NewPlan {
                scope: &node,
                mode: mode_str(mode),
                seed: seed as i64,
                cap: DEFAULT_CAP as i64,
                min_households: DEFAULT_MIN as i64,
                title: &title,
                plan_json: &plan_json,
                metrics_json: &output.metrics.to_string(),
                departments_json: &serde_json::to_string(&departments).unwrap_or_default(),
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
            },
        )
        .await?;
        let row = sd::get_plan(&mut tx, &scope, id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Create,
                entity: "districting_plan",
                entity_id: Some(id),
                path: &row.path,
                summary: format!("保存社区规模优化方案 {title}"),
                before: None,
                after: Some(serde_json::json!({"plan": plan_audit(&row), "metrics": output.metrics, "moved_buildings": output.moved().len()})),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(row)
    }

    pub async fn plans(&self, actor: &Actor) -> AppResult<Vec<PlanRow>> {
        can(actor, ap::can_view)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::list_plans(&mut conn, &actor.scope(), 200).await?)
    }

    /// A saved plan with its approval records. Viewers see plans in their scope; anyone else
    /// (a resident, a community worker) sees the plans that cover their place, to comment.
    pub async fn plan_view(&self, actor: &Actor, id: i64) -> AppResult<PlanView> {
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let plan = if ap::can_view(actor.user.role) {
            sd::get_plan(&mut conn, &scope, id).await?
        } else {
            sd::get_plan_overlapping(&mut conn, &scope, id).await?
        };
        view_of(&mut conn, plan).await
    }

    /// Record the next approval step (in order, each with its record). The meeting step needs
    /// every department's vote and decides: approved with no objection, else rejected.
    pub async fn record_step(
        &self,
        actor: &Actor,
        plan_id: i64,
        input: &StepInput,
    ) -> AppResult<PlanView> {
        can(actor, ap::can_approve)?;
        jingzhi_domain::check_max_chars("record", "审批记录", &input.record, MAX_RECORD)?;
        if input.documents.len() > 50 {
            return Err(AppError::invalid("documents", "材料不能超过50项"));
        }
        for d in &input.documents {
            jingzhi_domain::check_max_chars("documents", "材料名称", d, 200)?;
        }
        let step =
            Step::parse(&input.step).ok_or_else(|| AppError::invalid("step", "未知的审批步骤"))?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let plan = sd::get_plan(&mut tx, &scope, plan_id).await?;
        let status = Status::parse(&plan.status).unwrap_or(Status::Draft);
        let done = done_steps(&sd::steps_of(&mut tx, plan.id).await?);
        ap::check_step(status, &done, step, &input.record)
            .map_err(|e| AppError::invalid("step", e.to_string()))?;
        let (new_status, decision) = if step == Step::MeetingDecision {
            let departments: Vec<String> =
                serde_json::from_str(&plan.departments_json).unwrap_or_default();
            let votes: Vec<(String, Vote)> = sd::votes_of(&mut tx, plan.id)
                .await?
                .into_iter()
                .filter_map(|v| Some((v.department, Vote::parse(&v.vote)?)))
                .collect();
            let s = ap::decide(&departments, &votes)
                .map_err(|e| AppError::invalid("votes", e.to_string()))?;
            (s, Some(s.as_str()))
        } else {
            (Status::InReview, None)
        };
        let documents: Vec<String> = input
            .documents
            .iter()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        sd::insert_step(
            &mut tx,
            &plan,
            step.as_str(),
            step.index() as i64 + 1,
            input.record.trim(),
            &documents,
            decision,
            actor.audit_id(),
            actor.name(),
        )
        .await?;
        sd::set_status(
            &mut tx,
            &scope,
            plan.id,
            new_status.as_str(),
            decision.is_some(),
            false,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Update,
                entity: "districting_plan",
                entity_id: Some(plan.id),
                path: &plan.path,
                summary: format!("方案 #{} 记录「{}」{}", plan.id, step.label_zh(), decision.map(|d| format!("，结果: {}", Status::parse(d).map(|s| s.label_zh()).unwrap_or(d))).unwrap_or_default()),
                before: Some(serde_json::json!({"status": plan.status})),
                after: Some(serde_json::json!({"status": new_status.as_str(), "step": step.as_str(), "record": input.record.trim(), "documents": documents})),
                reason: None,
            },
        )
        .await?;
        let plan = sd::get_plan(&mut tx, &scope, plan.id).await?;
        let view = view_of(&mut tx, plan).await?;
        jingzhi_store::commit(tx).await?;
        Ok(view)
    }

    /// A comment on a plan during 公众参与, by anyone whose place the plan covers.
    pub async fn comment(&self, actor: &Actor, plan_id: i64, body: &str) -> AppResult<()> {
        if !ap::can_comment(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 2000 {
            return Err(AppError::invalid("body", "意见应为1–2000字"));
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let plan = sd::get_plan_overlapping(&mut tx, &scope, plan_id).await?;
        let done = done_steps(&sd::steps_of(&mut tx, plan.id).await?);
        if !done.is_empty() || plan.status != Status::Draft.as_str() {
            return Err(AppError::invalid(
                "body",
                "公众参与阶段已结束，不再收集意见",
            ));
        }
        let id = sd::insert_comment(
            &mut tx,
            &plan,
            body,
            actor.audit_id(),
            &actor.user.display_name,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Create,
                entity: "districting_comment",
                entity_id: Some(id),
                path: &plan.path,
                summary: format!("对方案 #{} 提出意见", plan.id),
                before: None,
                after: Some(serde_json::json!({"plan_id": plan.id, "body": body})),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// A department's vote at 会议研究 (recorded once the five earlier steps are done): by an
    /// approver for any participating department, or by department staff for their own.
    pub async fn vote(&self, actor: &Actor, plan_id: i64, input: &VoteInput) -> AppResult<()> {
        let vote = Vote::parse(&input.vote)
            .ok_or_else(|| AppError::invalid("vote", "表决应为同意或反对"))?;
        if let Some(n) = &input.note {
            jingzhi_domain::check_max_chars("note", "表决意见", n, MAX_NOTE)?;
        }
        let dept = input.department.trim();
        // The meeting names its members by short name (组织部, 住建局 …): department staff vote
        // for the member their registry department stands for.
        let own = match crate::departments::own_code(actor) {
            Some(code) => {
                let mut conn = self.app.store.acquire().await?;
                match jingzhi_store::departments::get_by_code(&mut conn, code).await {
                    Ok(d) => d.short_name == dept || d.name == dept || d.code == dept,
                    Err(jingzhi_store::Error::NotFound) => false,
                    Err(e) => return Err(e.into()),
                }
            }
            None => false,
        };
        if !ap::can_approve(actor.user.role) && !own {
            return Err(AppError::Forbidden);
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let plan = if own {
            sd::get_plan_overlapping(&mut tx, &scope, plan_id).await?
        } else {
            sd::get_plan(&mut tx, &scope, plan_id).await?
        };
        let departments: Vec<String> =
            serde_json::from_str(&plan.departments_json).unwrap_or_default();
        if !departments.iter().any(|d| d == dept) {
            return Err(AppError::invalid(
                "department",
                "该部门不在联席会议成员之列",
            ));
        }
        let done = done_steps(&sd::steps_of(&mut tx, plan.id).await?);
        if ap::next_step(&done) != Some(Step::MeetingDecision)
            || plan.status != Status::InReview.as_str()
        {
            return Err(AppError::invalid(
                "vote",
                "只有在合法性审查之后、会议研究决定之前才能表决",
            ));
        }
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        sd::upsert_vote(
            &mut tx,
            &plan,
            dept,
            vote.as_str(),
            note,
            actor.audit_id(),
            actor.name(),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Update,
                entity: "districting_vote",
                entity_id: Some(plan.id),
                path: &plan.path,
                summary: format!("方案 #{} {}表决: {}", plan.id, dept, vote.label_zh()),
                before: None,
                after: Some(
                    serde_json::json!({"department": dept, "vote": vote.as_str(), "note": note}),
                ),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// Add or remove an edge of the building graph by hand (`op` = add | remove).
    pub async fn edge_override(
        &self,
        actor: &Actor,
        a_code: &str,
        b_code: &str,
        op: &str,
        note: Option<&str>,
    ) -> AppResult<i64> {
        can(actor, ap::can_plan)?;
        if !matches!(op, "add" | "remove") {
            return Err(AppError::invalid("op", "操作应为 add 或 remove"));
        }
        if let Some(n) = note {
            jingzhi_domain::check_max_chars("note", "说明", n, MAX_NOTE)?;
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let a = building_in(&mut tx, &scope, a_code, "a").await?;
        let b = building_in(&mut tx, &scope, b_code, "b").await?;
        if a.id == b.id {
            return Err(AppError::invalid("b", "两端应为不同楼宇"));
        }
        let path = common_path(&a.path, &b.path);
        let note = note.map(str::trim).filter(|s| !s.is_empty());
        let id = sd::insert_override(
            &mut tx,
            &a.code,
            &b.code,
            op,
            note,
            &path,
            actor.audit_id(),
            actor.name(),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Create,
                entity: "districting_edge",
                entity_id: Some(id),
                path: &path,
                summary: format!(
                    "{}楼宇邻接 {} – {}",
                    if op == "add" { "添加" } else { "删除" },
                    a.name,
                    b.name
                ),
                before: None,
                after: Some(serde_json::json!({"a": a.code, "b": b.code, "op": op, "note": note})),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(id)
    }

    /// Apply an approved plan: create the new communities (and grids where a grid is split),
    /// move whole compounds (or whole grids) with everything below them, move the counts, keep
    /// the history, all in one transaction, audited.
    pub async fn apply(&self, actor: &Actor, plan_id: i64) -> AppResult<ApplyReport> {
        can(actor, ap::can_approve)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let plan = sd::get_plan(&mut tx, &scope, plan_id).await?;
        if plan.status != Status::Approved.as_str() {
            return Err(AppError::invalid(
                "status",
                "只有经会议研究批准的方案才能实施",
            ));
        }
        let mut output: PlanOutput =
            serde_json::from_str(&plan.plan_json).map_err(|e| AppError::Internal(e.to_string()))?;
        let report = apply_plan(&mut tx, actor, &scope, &plan, &mut output).await?;
        sd::set_plan_json(
            &mut tx,
            &scope,
            plan.id,
            &serde_json::to_string(&output).unwrap_or_default(),
        )
        .await?;
        sd::set_status(
            &mut tx,
            &scope,
            plan.id,
            Status::Applied.as_str(),
            false,
            true,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Move,
                entity: "districting_plan",
                entity_id: Some(plan.id),
                path: &plan.path,
                summary: format!(
                    "实施方案 #{}: 新设社区 {} 个，迁移 {} 个网格/小区，{} 户",
                    plan.id,
                    report.communities_created.len(),
                    report.nodes_moved,
                    report.households_moved
                ),
                before: Some(serde_json::json!({"status": plan.status})),
                after: Some(serde_json::to_value(&report).unwrap_or_default()),
                reason: None,
            },
        )
        .await?;
        // Residents' own accounts follow their homes into the new communities.
        jingzhi_store::auth::rescope_residents(&mut tx, &scope.path).await?;
        jingzhi_store::commit(tx).await?;
        self.app.areas.invalidate();
        Ok(report)
    }

    /// The communities a household belonged to before plans moved it.
    pub async fn household_history(
        &self,
        actor: &Actor,
        household_id: i64,
    ) -> AppResult<Vec<sd::CommunityChange>> {
        actor.require(jingzhi_domain::auth::Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sd::household_history(&mut conn, &actor.scope(), household_id).await?)
    }

    /// A plan as an .xlsx workbook: the proposed communities, and every building with its
    /// community before and after.
    pub async fn xlsx(
        &self,
        actor: &Actor,
        scope_code: &str,
        output: &PlanOutput,
    ) -> AppResult<Vec<u8>> {
        let d = self.detail(actor, scope_code, output).await?;
        let mut conn = self.app.store.acquire().await?;
        audit::record(
            &mut conn,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Export,
                entity: "districting_plan",
                entity_id: None,
                path: &actor.scope().path,
                summary: format!("导出社区规模优化方案 {scope_code} (.xlsx)"),
                before: None,
                after: None,
                reason: None,
            },
        )
        .await?;
        drop(conn);
        tokio::task::spawn_blocking(move || xlsx_of(&d))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// A plan as GeoJSON: each proposed community as the convex hull of its buildings, and every
    /// building as a point with its community before and after.
    pub async fn geojson(
        &self,
        actor: &Actor,
        scope_code: &str,
        output: &PlanOutput,
    ) -> AppResult<serde_json::Value> {
        let d = self.detail(actor, scope_code, output).await?;
        Ok(geojson_of(&d))
    }
}

async fn building_in(
    conn: &mut Conn,
    scope: &Scope,
    code: &str,
    field: &'static str,
) -> AppResult<Node> {
    match sr::get_node_by_code(conn, scope, code.trim()).await {
        Ok(n) if n.kind == NodeKind::Building => Ok(n),
        Ok(_) | Err(jingzhi_store::Error::NotFound) => {
            Err(AppError::invalid(field, "楼宇不存在或不在您的管辖范围内"))
        }
        Err(e) => Err(e.into()),
    }
}

fn done_steps(rows: &[StepRow]) -> Vec<Step> {
    let mut v: Vec<Step> = rows.iter().filter_map(|r| Step::parse(&r.step)).collect();
    v.sort();
    v
}

async fn view_of(conn: &mut Conn, plan: PlanRow) -> AppResult<PlanView> {
    let steps = sd::steps_of(conn, plan.id).await?;
    let done = done_steps(&steps);
    let status = Status::parse(&plan.status).unwrap_or(Status::Draft);
    Ok(PlanView {
        output: serde_json::from_str(&plan.plan_json)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        departments: serde_json::from_str(&plan.departments_json).unwrap_or_default(),
        next_step: if matches!(status, Status::Draft | Status::InReview) {
            ap::next_step(&done)
        } else {
            None
        },
        comments: sd::comments_of(conn, plan.id).await?,
        votes: sd::votes_of(conn, plan.id).await?,
        moves: sd::moves_of(conn, plan.id).await?,
        steps,
        status,
        plan,
    })
}

/// Codes already used in the streets of the graph's communities.
async fn taken_codes(conn: &mut Conn, g: &Graph) -> AppResult<HashSet<String>> {
    let prefixes: BTreeSet<&str> = g
        .nodes
        .iter()
        .filter(|n| n.community.len() == 12)
        .map(|n| &n.community[..9])
        .collect();
    let mut taken = HashSet::new();
    for p in prefixes {
        taken.extend(
            sd::codes_with_prefix(conn, p)
                .await?
                .into_iter()
                .filter(|c| c.len() == 12),
        );
    }
    Ok(taken)
}

fn new_community_name(loaded: &Loaded, output: &PlanOutput, p: &PlanPart, k: usize) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &p.buildings {
        if let Some(c) = output.before.get(b) {
            *by.entry(c.as_str()).or_default() += 1;
        }
    }
    let major = by
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, _)| *c)
        .unwrap_or("");
    let base = loaded
        .area_by_code(major)
        .map(|n| n.name.trim_end_matches("社区").to_string())
        .unwrap_or_default();
    format!(
        "{base}新设{}社区",
        ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
            .get(k - 1)
            .copied()
            .unwrap_or("十")
    )
}

/// The reason in Chinese, for messages.
pub fn infeasible_zh(i: &Infeasible) -> String {
    match i {
        Infeasible::CompoundOverCap {
            compound,
            households,
            cap,
            ..
        } => {
            format!("小区 {compound} 有 {households} 户，超过上限 {cap} 户，而小区不可拆分")
        }
        Infeasible::PieceTooSmall {
            households,
            min,
            units,
        } => {
            format!(
                "有一片互不相邻的楼宇（{} 栋，{households} 户）少于下限 {min} 户",
                units.len()
            )
        }
        Infeasible::NoPartCount {
            households,
            min,
            cap,
            ..
        } => {
            format!("{households} 户无法分成每个 {min}–{cap} 户的社区")
        }
        Infeasible::BadBounds { min, cap } => format!("下限 {min} 大于上限 {cap}"),
        Infeasible::NotFound {
            households,
            parts,
            tried,
            ..
        } => {
            let mut s = match tried.last() {
                Some(last) if last.parts > *parts => format!(
                    "未能把 {households} 户分成 {parts}–{} 个相邻且规模合规的社区",
                    last.parts
                ),
                _ => format!("未能把 {households} 户分成 {parts} 个相邻且规模合规的社区"),
            };
            let why: Vec<String> = tried
                .iter()
                .map(|t| match &t.failure {
                    CountFailure::TooFewCompounds { compounds } => {
                        format!("{} 个：只有 {compounds} 个小区", t.parts)
                    }
                    CountFailure::NoValidCut {
                        attempts,
                        placed,
                        households_left,
                        parts_left,
                    } => format!(
                        "{} 个：试了 {attempts} 次，最多分出 {placed} 个后，余下 {households_left} 户无法再分成 {parts_left} 个",
                        t.parts
                    ),
                })
                .collect();
            if !why.is_empty() {
                s.push_str("（");
                s.push_str(&why.join("；"));
                s.push_str("）");
            }
            s
        }
    }
}

async fn apply_plan(
    tx: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    plan: &PlanRow,
    output: &mut PlanOutput,
) -> AppResult<ApplyReport> {
    let changed = || AppError::Conflict {
        field: "plan".into(),
        reason: "方案生成后区划或楼宇已变化，请重新生成方案".into(),
    };
    let scope_node = sr::get_node(tx, scope, plan.scope_node_id).await?;
    // The affected area: the plan's scope, widened to the street when the scope is a community
    // (new communities go in the street).
    let street = if scope_node.kind == NodeKind::Community {
        sr::get_node(tx, scope, scope_node.parent_id.ok_or_else(changed)?).await?
    } else {
        scope_node.clone()
    };
    let all = sr::nodes_under(
        tx,
        scope,
        &scope_node.path,
        &[
            NodeKind::Community,
            NodeKind::Grid,
            NodeKind::Compound,
            NodeKind::Building,
        ],
        10_000_000,
    )
    .await?;
    let by_id: HashMap<i64, Node> = all.iter().map(|n| (n.id, n.clone())).collect();
    let by_code: HashMap<&str, &Node> = all.iter().map(|n| (n.code.as_str(), n)).collect();
    let parent_of = |n: &Node| n.parent_id.and_then(|p| by_id.get(&p));
    let at = jingzhi_domain::time_fmt::now_ms();

    // Every compound's target community (by code), checked against the tree as it is now.
    let places: Vec<dapply::Place> = all
        .iter()
        .map(|n| dapply::Place {
            id: n.id,
            parent_id: n.parent_id,
            kind: n.kind,
            code: n.code.clone(),
            path: n.path.clone(),
        })
        .collect();
    let mut compound_target = dapply::compound_targets(
        &places,
        output
            .parts
            .iter()
            .map(|p| (p.community.as_str(), p.buildings.as_slice())),
    )
    .map_err(|_| changed())?;

    // The target communities: existing ones, or created now under the street they come from.
    let mut report = ApplyReport {
        communities_created: vec![],
        grids_created: vec![],
        nodes_moved: 0,
        households_moved: 0,
    };
    let mut targets: HashMap<String, Node> = HashMap::new();
    let mut renames: Vec<(String, String)> = vec![];
    let mut fresh = 0;
    for pi in 0..output.parts.len() {
        let code = output.parts[pi].community.clone();
        if let Some(n) = by_code
            .get(code.as_str())
            .filter(|n| n.kind == NodeKind::Community)
        {
            targets.insert(code, (*n).clone());
            continue;
        }
        if !output.parts[pi].new {
            return Err(changed());
        }
        fresh += 1;
        // The street: the parent of the community most of its buildings come from.
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &output.parts[pi].buildings {
            if let Some(c) = output.before.get(b) {
                *by.entry(c.as_str()).or_default() += 1;
            }
        }
        let major = by
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(c, _)| *c)
            .unwrap_or("");
        let major_node = by_code.get(major).copied();
        let parent = match major_node.and_then(|m| m.parent_id) {
            Some(pid) if pid == street.id => street.clone(),
            Some(pid) => sr::get_node(tx, scope, pid).await?,
            None => street.clone(),
        };
        let mut final_code = code.clone();
        let taken = sd::codes_with_prefix(tx, &code[..code.len().min(9)]).await?;
        if code.len() != 12 || taken.contains(&code) {
            final_code = next_community_code(&parent.code, &taken)
                .ok_or_else(|| AppError::invalid("code", "街道内没有可用的社区编码"))?;
            renames.push((code.clone(), final_code.clone()));
        }
        let pts: Vec<(f64, f64)> = output.parts[pi]
            .buildings
            .iter()
            .filter_map(|b| by_code.get(b.as_str()).and_then(|n| n.x.zip(n.y)))
            .collect();
        let base = major_node
            .map(|m| m.name.trim_end_matches("社区").to_string())
            .unwrap_or_else(|| parent.name.clone());
        let name = format!(
            "{base}新设{}社区",
            ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
                .get(fresh - 1)
                .copied()
                .unwrap_or("十")
        );
        let n = pts.len().max(1) as f64;
        let node = sr::insert_node(
            tx,
            Some(&parent),
            &NewNode {
                kind: Some(NodeKind::Community),
                code: final_code.clone(),
                name,
                ..Default::default()
            },
        )
        .await?;
        let boundary = hull_polygon(&pts, 0.0005);
        let (x, y) = (
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let located = !pts.is_empty();
        sd::set_geometry(
            tx,
            node.id,
            boundary.as_deref(),
            located.then_some(x),
            located.then_some(y),
        )
        .await?;
        let node = Node {
            boundary,
            x: located.then_some(x),
            y: located.then_some(y),
            ..node
        };
        node_created(tx, actor, &node, plan.id).await?;
        output.parts[pi].community = final_code.clone();
        report.communities_created.push(final_code.clone());
        targets.insert(final_code, node);
    }
    for (old, new) in &renames {
        for t in compound_target.values_mut() {
            if t == old {
                *t = new.clone();
            }
        }
    }

    // Grids: a grid whose compounds all go to one other community moves whole; otherwise its
    // leaving compounds go to a new grid in their new community (one per old grid and target).
    let community_of = |n: &Node| -> Option<&Node> {
        path_ids(&n.path)
            .into_iter()
            .filter_map(|id| by_id.get(&id))
            .find(|a| a.kind == NodeKind::Community)
    };
    let mut moves: Vec<(Node, Node)> = vec![]; // (subtree root, new parent)
    for change in dapply::grid_changes(&places, &compound_target).map_err(|_| changed())? {
        match change {
            dapply::GridChange::Whole { grid, to } => {
                let grid = by_id.get(&grid).ok_or_else(changed)?;
                let t = targets.get(&to).ok_or_else(changed)?;
                moves.push((grid.clone(), t.clone()));
            }
            dapply::GridChange::Part {
                grid,
                to,
                compounds,
            } => {
                let grid = by_id.get(&grid).ok_or_else(changed)?;
                let cur = community_of(grid).ok_or_else(changed)?;
                let tnode = targets.get(&to).ok_or_else(changed)?.clone();
                let taken = sd::codes_with_prefix(tx, &tnode.code).await?;
                let code = next_child_code(&tnode.code, &taken)
                    .ok_or_else(|| AppError::invalid("code", "社区内没有可用的网格编码"))?;
                let g = sr::insert_node(
                    tx,
                    Some(&tnode),
                    &NewNode {
                        kind: Some(NodeKind::Grid),
                        code: code.clone(),
                        name: format!("{}（自{}划入）", grid.name, cur.name),
                        ..Default::default()
                    },
                )
                .await?;
                node_created(tx, actor, &g, plan.id).await?;
                report.grids_created.push(code);
                for c in compounds {
                    moves.push((by_id.get(&c).ok_or_else(changed)?.clone(), g.clone()));
                }
            }
        }
    }

    // Move the subtrees: history first (while the old paths hold), then paths, then counts.
    for (node, to) in &moves {
        let from_comm = community_of(node).ok_or_else(changed)?.id;
        let to_comm = if to.kind == NodeKind::Community {
            to.id
        } else {
            to.parent_id.ok_or_else(changed)?
        };
        let old_parent = parent_of(node).ok_or_else(changed)?;
        // The subtree's counts, and the moved place itself, leave the old ancestors.
        let mut stats = sd::node_stats(tx, node.id).await?;
        stats.add(&jingzhi_store::registry::Stats::of_node(node.kind, 1));
        report.households_moved +=
            sd::record_household_history(tx, plan.id, &node.path, from_comm, to_comm, at).await?;
        let new_path = sd::move_subtree(tx, node.id, &node.path, to).await?;
        sd::move_stats(tx, &stats, &old_parent.path, &to.path).await?;
        sd::record_node_move(
            tx,
            plan.id,
            node.id,
            node.kind.as_str(),
            old_parent.id,
            to.id,
            &node.path,
            &new_path,
            at,
        )
        .await?;
        audit::record(
            tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Move,
                entity: "node",
                entity_id: Some(node.id),
                path: &new_path,
                summary: format!("{}「{}」由「{}」划入「{}」（方案 #{}）", node.kind.label_zh(), node.name, old_parent.name, to.name, plan.id),
                before: Some(serde_json::json!({"parent_id": old_parent.id, "path": node.path})),
                after: Some(serde_json::json!({"parent_id": to.id, "path": new_path, "households": stats.households, "residents": stats.residents})),
                reason: None,
            },
        )
        .await?;
        report.nodes_moved += 1;
    }
    Ok(report)
}

async fn node_created(tx: &mut Conn, actor: &Actor, n: &Node, plan_id: i64) -> AppResult<()> {
    audit::record(
        tx,
        audit::Entry {
            actor_id: actor.audit_id(),
            actor_name: actor.name(),
            action: Action::Create,
            entity: "node",
            entity_id: Some(n.id),
            path: &n.path,
            summary: format!("新设{}「{}」{}（方案 #{plan_id}）", n.kind.label_zh(), n.name, n.code),
            before: None,
            after: Some(serde_json::json!({"kind": n.kind, "code": n.code, "name": n.name, "plan_id": plan_id})),
            reason: None,
        },
    )
    .await?;
    Ok(())
}

fn xlsx_of(d: &PlanDetail) -> AppResult<Vec<u8>> {
    let write = || -> Result<Vec<u8>, spreadsheet::WriteError> {
        let mut w = spreadsheet::XlsxWriter::new();
        w.sheet(SheetSpec::new(
            "方案",
            [
                "社区编码",
                "社区名称",
                "新设",
                "户数",
                "居民数",
                "网格数",
                "小区数",
                "楼宇数",
                "紧凑度",
            ],
        ))?;
        for p in &d.parts {
            w.row([
                Value::from(&p.community),
                Value::from(&p.name),
                Value::yes_no(p.new),
                p.households.into(),
                p.residents.into(),
                p.grids.into(),
                p.compounds.into(),
                p.buildings.into(),
                ((p.compactness * 1000.0).round() / 1000.0).into(),
            ])?;
        }
        w.sheet(SheetSpec::new(
            "楼宇",
            ["楼宇编码", "楼宇名称", "小区", "原社区", "调整后社区"],
        ))?;
        for p in &d.points {
            w.row([
                &p.code,
                &p.name,
                d.compound_names.get(&p.compound).unwrap_or(&p.compound),
                &p.before,
                &p.after,
            ])?;
        }
        w.sheet(SheetSpec::new(
            "迁移小区",
            ["小区编码", "小区名称", "原社区", "调整后社区", "户数"],
        ))?;
        for m in &d.moved {
            w.row([
                Value::from(&m.compound),
                Value::from(&m.compound_name),
                format!("{} {}", m.from, m.from_name).into(),
                format!("{} {}", m.to, m.to_name).into(),
                m.households.into(),
            ])?;
        }
        w.to_bytes()
    };
    write().map_err(|e| e.app("districting xlsx"))
}

fn geojson_of(d: &PlanDetail) -> serde_json::Value {
    let mut features = vec![];
    for p in &d.parts {
        let pts: Vec<(f64, f64)> = d
            .points
            .iter()
            .filter(|m| m.after == p.community)
            .map(|m| (m.x, m.y))
            .collect();
        if let Some(poly) = hull_polygon(&pts, 0.0005) {
            features.push(serde_json::json!({
                "type": "Feature",
                "geometry": serde_json::from_str::<serde_json::Value>(&poly).unwrap_or_default(),
                "properties": {"community": p.community, "name": p.name, "new": p.new, "households": p.households,
                               "residents": p.residents, "grids": p.grids, "compounds": p.compounds, "compactness": p.compactness},
            }));
        }
    }
    for m in &d.points {
        features.push(serde_json::json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [m.x, m.y]},
            "properties": {"building": m.code, "name": m.name, "compound": m.compound, "community_before": m.before, "community_after": m.after},
        }));
    }
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod xlsx_tests {
    use super::*;
    use calamine::{Data, Reader};

    #[test]
    fn the_plan_workbook_keeps_its_sheets_columns_and_types() {
        let d = PlanDetail {
            output: PlanOutput {
                parts: vec![],
                metrics: serde_json::json!({}),
                infeasible: vec![],
                mode: None,
                seed: None,
                before: BTreeMap::new(),
            },
            parts: vec![PartDetail {
                community: "371002001001".into(),
                name: "=前进社区".into(),
                new: true,
                kept: false,
                households: 2500,
                residents: 6000,
                grids: 4,
                compounds: 3,
                buildings: 20,
                compactness: 0.71234,
            }],
            moved: vec![MovedCompound {
                compound: "371002001001001".into(),
                compound_name: "前进小区".into(),
                from: "371002001001".into(),
                from_name: "前进社区".into(),
                to: "371002001901".into(),
                to_name: "前进二社区".into(),
                households: 800,
            }],
            points: vec![MapPoint {
                code: "371002001001001001".into(),
                name: "1号楼".into(),
                x: 122.1,
                y: 37.5,
                compound: "371002001001001".into(),
                before: "371002001001".into(),
                after: "371002001901".into(),
            }],
            barriers: vec![],
            compound_names: [("371002001001001".to_string(), "前进小区".to_string())].into(),
        };
        let bytes = xlsx_of(&d).unwrap();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["方案", "楼宇", "迁移小区"]);
        let rows = |wb: &mut calamine::Xlsx<_>, name: &str| -> Vec<Vec<String>> {
            wb.worksheet_range(name)
                .unwrap()
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        let plan = rows(&mut wb, "方案");
        assert_eq!(
            plan[0],
            [
                "社区编码",
                "社区名称",
                "新设",
                "户数",
                "居民数",
                "网格数",
                "小区数",
                "楼宇数",
                "紧凑度"
            ]
        );
        assert_eq!(
            plan[1],
            [
                "371002001001",
                "=前进社区",
                "是",
                "2500",
                "6000",
                "4",
                "3",
                "20",
                "0.712"
            ]
        );
        let range = wb.worksheet_range("方案").unwrap();
        assert_eq!(range.get((1, 3)), Some(&Data::Float(2500.0)));
        assert_eq!(range.get((1, 1)), Some(&Data::String("=前进社区".into())));
        let formulas = wb.worksheet_formula("方案").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        assert_eq!(
            rows(&mut wb, "楼宇"),
            [
                vec!["楼宇编码", "楼宇名称", "小区", "原社区", "调整后社区"],
                vec![
                    "371002001001001001",
                    "1号楼",
                    "前进小区",
                    "371002001001",
                    "371002001901"
                ],
            ]
        );
        assert_eq!(
            rows(&mut wb, "迁移小区"),
            [
                vec!["小区编码", "小区名称", "原社区", "调整后社区", "户数"],
                vec![
                    "371002001001001",
                    "前进小区",
                    "371002001001 前进社区",
                    "371002001901 前进二社区",
                    "800"
                ],
            ]
        );
    }
}
