//! The city register in SQL: places (nodes), households, residents, moves and per-node counts.
//! Every read takes the caller's scope and applies it in the query.

use crate::sql::{bind, get_bool, insert_many, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::paging::Page;
use jingzhi_domain::registry::{classify_query, HouseholdFilter, ResidentFilter, SearchKind};
use jingzhi_domain::registry::{
    Gender, LowIncome, NewResident, NodeKind, Relationship, Residence, ResidentTags, Tag,
};
use jingzhi_domain::scope::{child_path, path_ids};
use jingzhi_domain::time_fmt::now_ms;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: i32,
    /// GeoJSON geometry (a Polygon) for districts, streets, communities, grids and compounds.
    pub boundary: Option<String>,
    /// Longitude/latitude (WGS84) of a building, or a label point for an area.
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct NewNode {
    pub kind: Option<NodeKind>,
    pub code: String,
    pub name: String,
    pub boundary: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

const NODE_COLS: &str =
    "id, parent_id, kind, code, name, path, depth, boundary, x, y, units, floors";

fn node_from(row: &AnyRow) -> Result<Node> {
    let kind: String = row.try_get("kind")?;
    Ok(Node {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        kind: NodeKind::parse(&kind).ok_or_else(|| Error::Conflict(format!("bad kind {kind}")))?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        depth: row
            .try_get::<i32, _>("depth")
            .or_else(|_| row.try_get::<i64, _>("depth").map(|v| v as i32))?,
        boundary: row.try_get("boundary")?,
        x: row.try_get("x")?,
        y: row.try_get("y")?,
        units: opt_i32(row, "units")?,
        floors: opt_i32(row, "floors")?,
    })
}

fn opt_i32(row: &AnyRow, col: &str) -> Result<Option<i32>> {
    match row.try_get::<Option<i32>, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v as i32)),
    }
}

/// Insert a node below `parent` (None only for the city). The caller checks the scope of the
/// parent. Returns the new node.
pub async fn insert_node(conn: &mut Conn, parent: Option<&Node>, new: &NewNode) -> Result<Node> {
    let kind = new
        .kind
        .ok_or_else(|| Error::Conflict("kind missing".into()))?;
    let now = now_ms();
    let depth = kind.depth();
    let vals = [
        V::OI(parent.map(|p| p.id)),
        V::T(kind.as_str().into()),
        V::T(new.code.clone()),
        V::T(new.name.clone()),
        V::T(format!("#{}", new.code)),
        V::I(depth.into()),
        V::OT(new.boundary.clone()),
        V::OF(new.x),
        V::OF(new.y),
        V::OI(new.units.map(i64::from)),
        V::OI(new.floors.map(i64::from)),
        V::I(now),
    ];
    let id: i64 = bind(
        sqlx::query(
            "INSERT INTO nodes (parent_id, kind, code, name, path, depth, boundary, x, y, units, floors, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        ),
        &vals,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "code"))?
    .try_get("id")?;
    let path = child_path(parent.map(|p| p.path.as_str()).unwrap_or("/"), id);
    sqlx::query("UPDATE nodes SET path = $1 WHERE id = $2")
        .bind(&path)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO node_stats (node_id) VALUES ($1)")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if let Some(p) = parent {
        apply_stats_delta(conn, &p.path, &Stats::of_node(kind, 1)).await?;
    }
    Ok(Node {
        id,
        parent_id: parent.map(|p| p.id),
        kind,
        code: new.code.clone(),
        name: new.name.clone(),
        path,
        depth,
        boundary: new.boundary.clone(),
        x: new.x,
        y: new.y,
        units: new.units,
        floors: new.floors,
    })
}

/// Update a node's name and geometry (its place in the tree and its code stay).
pub async fn update_node(conn: &mut Conn, scope: &Scope, id: i64, new: &NewNode) -> Result<()> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE nodes SET name = {}, boundary = {}, x = {}, y = {}, units = {}, floors = {}, updated_at = {} WHERE id = {} AND {}",
        p.push(V::T(new.name.clone())),
        p.push(V::OT(new.boundary.clone())),
        p.push(V::OF(new.x)),
        p.push(V::OF(new.y)),
        p.push(V::OI(new.units.map(i64::from))),
        p.push(V::OI(new.floors.map(i64::from))),
        p.push(V::I(now_ms())),
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The node, if it lies in the scope.
pub async fn get_node(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Node> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(node_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The node with this code, if it lies in the scope.
pub async fn get_node_by_code(conn: &mut Conn, scope: &Scope, code: &str) -> Result<Node> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE code = {} AND {}",
        p.push(V::T(code.to_string())),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(node_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Any node by id, without a scope: only for resolving a user's own scope node at login.
pub async fn get_node_unscoped(conn: &mut Conn, id: i64) -> Result<Node> {
    let row = sqlx::query(&format!("SELECT {NODE_COLS} FROM nodes WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(node_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Any node by code, without a scope: only for the command line (`user add --scope CODE`).
pub async fn get_node_by_code_unscoped(conn: &mut Conn, code: &str) -> Result<Node> {
    let row = sqlx::query(&format!("SELECT {NODE_COLS} FROM nodes WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(node_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The root of the tree (the city), if the register has one.
pub async fn root(conn: &mut Conn) -> Result<Option<Node>> {
    let row = sqlx::query(&format!(
        "SELECT {NODE_COLS} FROM nodes WHERE parent_id IS NULL ORDER BY id LIMIT 1"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(node_from).transpose()
}

/// Children of a node in scope, by code.
pub async fn children(conn: &mut Conn, scope: &Scope, parent_id: i64) -> Result<Vec<Node>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE parent_id = {} AND {} ORDER BY code",
        p.push(V::I(parent_id)),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(node_from).collect()
}

/// Nodes of some kinds below `under` (a path inside the scope), for maps and pickers.
pub async fn nodes_under(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    kinds: &[NodeKind],
    limit: i64,
) -> Result<Vec<Node>> {
    let mut p = Params::default();
    let kinds_sql: Vec<String> = kinds
        .iter()
        .map(|k| p.push(V::T(k.as_str().into())))
        .collect();
    let sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE kind IN ({}) AND {} AND {} ORDER BY path LIMIT {}",
        kinds_sql.join(","),
        p.range("path", &scope.path),
        p.range("path", under),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(node_from).collect()
}

/// Ancestors of a path (root first), restricted to the scope (so a user never sees the names of
/// nodes above their own scope node).
pub async fn ancestors(conn: &mut Conn, scope: &Scope, path: &str) -> Result<Vec<Node>> {
    let ids = path_ids(path);
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let id_sql: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE id IN ({}) AND {} ORDER BY depth",
        id_sql.join(","),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(node_from).collect()
}

/// Search nodes by name or code prefix within the scope. Words apart (`福泰花园 3号楼`) must
/// each be in the name.
pub async fn search_nodes(
    conn: &mut Conn,
    scope: &Scope,
    q: &str,
    kind: Option<NodeKind>,
    limit: i64,
) -> Result<Vec<Node>> {
    let mut p = Params::default();
    let mut words: Vec<&str> = q.split_whitespace().take(8).collect();
    if words.is_empty() {
        words.push("");
    }
    let names: Vec<String> = words
        .iter()
        .map(|w| {
            let like = p.push(V::T(format!("%{}%", escape_like(w))));
            format!("name LIKE {like} ESCAPE '\\'")
        })
        .collect();
    let code = p.push(V::T(format!("{}%", escape_like(q))));
    let mut sql = format!(
        "SELECT {NODE_COLS} FROM nodes WHERE (({}) OR code LIKE {code} ESCAPE '\\') AND {}",
        names.join(" AND "),
        p.range("path", &scope.path)
    );
    if let Some(k) = kind {
        sql.push_str(&format!(" AND kind = {}", p.push(V::T(k.as_str().into()))));
    }
    sql.push_str(&format!(
        " ORDER BY depth, code LIMIT {}",
        p.push(V::I(limit))
    ));
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(node_from).collect()
}

pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Party organisation attached to a node.
#[derive(Debug, Clone, Serialize)]
pub struct PartyOrg {
    pub id: i64,
    pub node_id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub secretary: Option<String>,
}

pub async fn party_orgs_of(conn: &mut Conn, scope: &Scope, node_id: i64) -> Result<Vec<PartyOrg>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, node_id, parent_id, kind, name, secretary FROM party_orgs WHERE node_id = {} AND {} ORDER BY id",
        p.push(V::I(node_id)),
        p.range("path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PartyOrg {
                id: r.try_get("id")?,
                node_id: r.try_get("node_id")?,
                parent_id: r.try_get("parent_id")?,
                kind: r.try_get("kind")?,
                name: r.try_get("name")?,
                secretary: r.try_get("secretary")?,
            })
        })
        .collect()
}

/// Attach a party organisation to a node.
pub async fn insert_party_org(
    conn: &mut Conn,
    node: &Node,
    parent_id: Option<i64>,
    kind: &str,
    name: &str,
    secretary: Option<&str>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO party_orgs (node_id, parent_id, kind, name, secretary, path, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(node.id)
    .bind(parent_id)
    .bind(kind)
    .bind(name)
    .bind(secretary)
    .bind(&node.path)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

/// A barrier line (main road, river, rail) as GeoJSON LineString.
#[derive(Debug, Clone, Serialize)]
pub struct Barrier {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub geometry: String,
}

/// Barriers attached at or above/below the scope: everything whose node lies in the scope, plus
/// those attached to the scope's ancestors (a city-wide river crosses a community too).
pub async fn barriers(conn: &mut Conn, scope: &Scope) -> Result<Vec<Barrier>> {
    let mut p = Params::default();
    let anc: Vec<String> = path_ids(&scope.path)
        .iter()
        .map(|i| p.push(V::I(*i)))
        .collect();
    let sql =
        format!(
        "SELECT id, kind, name, geometry FROM barriers WHERE ({}) OR node_id IN ({}) ORDER BY id",
        p.range("path", &scope.path),
        if anc.is_empty() { "NULL".to_string() } else { anc.join(",") }
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(barrier_from).collect()
}

/// The barriers a map of `node` draws: those attached to the node, to its ancestors (a city-wide
/// river crosses a community too) and to its children. Finer ones appear as the map zooms in: the
/// city map shows the rail line, rivers and district roads, not every community's lanes.
/// The register's version: it grows with every change to a place or a barrier (kept by
/// triggers, migration 17), so a drawing of a map stays good while it stays the same.
pub async fn register_version(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT version FROM register_version WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub async fn map_barriers(conn: &mut Conn, node: &Node) -> Result<Vec<Barrier>> {
    let mut p = Params::default();
    let ids: Vec<String> = path_ids(&node.path)
        .iter()
        .map(|i| p.push(V::I(*i)))
        .collect();
    let parent = p.push(V::I(node.id));
    let sql = format!(
        "SELECT id, kind, name, geometry FROM barriers WHERE node_id IN ({}) \
         OR node_id IN (SELECT id FROM nodes WHERE parent_id = {parent}) ORDER BY id",
        ids.join(",")
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(barrier_from).collect()
}

fn barrier_from(r: &AnyRow) -> Result<Barrier> {
    Ok(Barrier {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        geometry: r.try_get("geometry")?,
    })
}

pub async fn insert_barrier(
    conn: &mut Conn,
    node: &Node,
    kind: &str,
    name: &str,
    geometry: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO barriers (node_id, kind, name, geometry, path) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(node.id)
    .bind(kind)
    .bind(name)
    .bind(geometry)
    .bind(&node.path)
    .fetch_one(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Counts

/// Counts for a node's subtree.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub households: i64,
    pub residents: i64,
    pub party_member: i64,
    pub volunteer: i64,
    pub elderly_alone: i64,
    pub disabled: i64,
    pub low_income: i64,
    pub child_in_difficulty: i64,
    pub family_doctor_key: i64,
    /// Places of each kind strictly below the node.
    pub districts: i64,
    pub streets: i64,
    pub communities: i64,
    pub grids: i64,
    pub compounds: i64,
    pub buildings: i64,
}

impl Stats {
    /// The change one place of this kind makes to its ancestors' counts (sign +1 or -1).
    pub fn of_node(kind: NodeKind, sign: i64) -> Stats {
        let mut s = Stats::default();
        match kind {
            NodeKind::City => {}
            NodeKind::District => s.districts = sign,
            NodeKind::Street => s.streets = sign,
            NodeKind::Community => s.communities = sign,
            NodeKind::Grid => s.grids = sign,
            NodeKind::Compound => s.compounds = sign,
            NodeKind::Building => s.buildings = sign,
        }
        s
    }

    /// Places of a kind below the node.
    pub fn nodes(&self, kind: NodeKind) -> i64 {
        match kind {
            NodeKind::City => 0,
            NodeKind::District => self.districts,
            NodeKind::Street => self.streets,
            NodeKind::Community => self.communities,
            NodeKind::Grid => self.grids,
            NodeKind::Compound => self.compounds,
            NodeKind::Building => self.buildings,
        }
    }

    pub fn tag(&self, t: Tag) -> i64 {
        match t {
            Tag::PartyMember => self.party_member,
            Tag::Volunteer => self.volunteer,
            Tag::ElderlyAlone => self.elderly_alone,
            Tag::Disabled => self.disabled,
            Tag::LowIncome => self.low_income,
            Tag::ChildInDifficulty => self.child_in_difficulty,
            Tag::FamilyDoctorKey => self.family_doctor_key,
        }
    }

    /// The change one resident with these tags makes (sign +1 or -1).
    pub fn of_resident(tags: &ResidentTags, sign: i64) -> Stats {
        let f = |t: Tag| if tags.has(t) { sign } else { 0 };
        Stats {
            households: 0,
            residents: sign,
            party_member: f(Tag::PartyMember),
            volunteer: f(Tag::Volunteer),
            elderly_alone: f(Tag::ElderlyAlone),
            disabled: f(Tag::Disabled),
            low_income: f(Tag::LowIncome),
            child_in_difficulty: f(Tag::ChildInDifficulty),
            family_doctor_key: f(Tag::FamilyDoctorKey),
            ..Default::default()
        }
    }

    pub fn add(&mut self, o: &Stats) {
        self.households += o.households;
        self.residents += o.residents;
        self.party_member += o.party_member;
        self.volunteer += o.volunteer;
        self.elderly_alone += o.elderly_alone;
        self.disabled += o.disabled;
        self.low_income += o.low_income;
        self.child_in_difficulty += o.child_in_difficulty;
        self.family_doctor_key += o.family_doctor_key;
        self.districts += o.districts;
        self.streets += o.streets;
        self.communities += o.communities;
        self.grids += o.grids;
        self.compounds += o.compounds;
        self.buildings += o.buildings;
    }

    pub fn negated(&self) -> Stats {
        let mut out = Stats::default();
        for (c, x) in STAT_COLS.iter().zip(self.values()) {
            out.set(c, -x);
        }
        out
    }

    fn set(&mut self, col: &str, v: i64) {
        match col {
            "households" => self.households = v,
            "residents" => self.residents = v,
            "party_member" => self.party_member = v,
            "volunteer" => self.volunteer = v,
            "elderly_alone" => self.elderly_alone = v,
            "disabled" => self.disabled = v,
            "low_income" => self.low_income = v,
            "child_in_difficulty" => self.child_in_difficulty = v,
            "family_doctor_key" => self.family_doctor_key = v,
            "districts" => self.districts = v,
            "streets" => self.streets = v,
            "communities" => self.communities = v,
            "grids" => self.grids = v,
            "compounds" => self.compounds = v,
            "buildings" => self.buildings = v,
            _ => unreachable!("unknown count column {col}"),
        }
    }

    fn values(&self) -> [i64; 15] {
        [
            self.households,
            self.residents,
            self.party_member,
            self.volunteer,
            self.elderly_alone,
            self.disabled,
            self.low_income,
            self.child_in_difficulty,
            self.family_doctor_key,
            self.districts,
            self.streets,
            self.communities,
            self.grids,
            self.compounds,
            self.buildings,
        ]
    }
}

const STAT_COLS: [&str; 15] = [
    "households",
    "residents",
    "party_member",
    "volunteer",
    "elderly_alone",
    "disabled",
    "low_income",
    "child_in_difficulty",
    "family_doctor_key",
    "districts",
    "streets",
    "communities",
    "grids",
    "compounds",
    "buildings",
];

fn stats_from(row: &AnyRow) -> Result<Stats> {
    let g = |c: &str| -> Result<i64> { Ok(row.try_get::<i64, _>(c)?) };
    Ok(Stats {
        households: g("households")?,
        residents: g("residents")?,
        party_member: g("party_member")?,
        volunteer: g("volunteer")?,
        elderly_alone: g("elderly_alone")?,
        disabled: g("disabled")?,
        low_income: g("low_income")?,
        child_in_difficulty: g("child_in_difficulty")?,
        family_doctor_key: g("family_doctor_key")?,
        districts: g("districts")?,
        streets: g("streets")?,
        communities: g("communities")?,
        grids: g("grids")?,
        compounds: g("compounds")?,
        buildings: g("buildings")?,
    })
}

/// Counts of a node in scope.
pub async fn stats(conn: &mut Conn, scope: &Scope, node_id: i64) -> Result<Stats> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT s.{} FROM node_stats s JOIN nodes n ON n.id = s.node_id WHERE s.node_id = {} AND {}",
        STAT_COLS.join(", s."),
        p.push(V::I(node_id)),
        p.range("n.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => stats_from(&r),
        None => Err(Error::NotFound),
    }
}

/// Counts of every child of a node in scope, with the child.
pub async fn children_stats(
    conn: &mut Conn,
    scope: &Scope,
    parent_id: i64,
) -> Result<Vec<(Node, Stats)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT n.id, n.parent_id, n.kind, n.code, n.name, n.path, n.depth, n.boundary, n.x, n.y, n.units, n.floors, s.{} \
         FROM nodes n JOIN node_stats s ON s.node_id = n.id WHERE n.parent_id = {} AND {} ORDER BY n.code",
        STAT_COLS.join(", s."),
        p.push(V::I(parent_id)),
        p.range("n.path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((node_from(r)?, stats_from(r)?)))
        .collect()
}

/// Add a change to the counts of every node on a path (the node and its ancestors).
pub async fn apply_stats_delta(conn: &mut Conn, path: &str, d: &Stats) -> Result<()> {
    let ids = path_ids(path);
    if ids.is_empty() || d.values().iter().all(|v| *v == 0) {
        return Ok(());
    }
    let mut p = Params::default();
    let sets: Vec<String> = STAT_COLS
        .iter()
        .zip(d.values())
        .filter(|(_, v)| *v != 0)
        .map(|(c, v)| format!("{c} = {c} + {}", p.push(V::I(v))))
        .collect();
    let id_sql: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "UPDATE node_stats SET {} WHERE node_id IN ({})",
        sets.join(", "),
        id_sql.join(",")
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    Ok(())
}

/// Recompute every node's counts from the register (after bulk loads and imports): per building
/// in SQL, then summed up the tree.
pub async fn recompute_stats(conn: &mut Conn) -> Result<()> {
    use std::collections::HashMap;
    let nodes: Vec<(i64, String, String)> = sqlx::query("SELECT id, path, kind FROM nodes")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("path")?, r.try_get("kind")?)))
        .collect::<Result<_>>()?;
    let paths: HashMap<i64, String> = nodes.iter().map(|(id, p, _)| (*id, p.clone())).collect();
    let mut per: HashMap<i64, Stats> = nodes
        .iter()
        .map(|(id, _, _)| (*id, Stats::default()))
        .collect();
    // Places below each node: every node counts in each of its ancestors.
    for (id, path, kind) in &nodes {
        let Some(kind) = NodeKind::parse(kind) else {
            continue;
        };
        let one = Stats::of_node(kind, 1);
        for anc in path_ids(path) {
            if anc != *id {
                if let Some(t) = per.get_mut(&anc) {
                    t.add(&one);
                }
            }
        }
    }

    let hh = sqlx::query("SELECT building_id, COUNT(*) AS n FROM households GROUP BY building_id")
        .fetch_all(&mut *conn)
        .await?;
    let mut building: HashMap<i64, Stats> = HashMap::new();
    for r in hh {
        let b: i64 = r.try_get("building_id")?;
        building.entry(b).or_default().households = r.try_get("n")?;
    }
    let rs = sqlx::query(
        "SELECT h.building_id AS building_id, COUNT(*) AS residents, \
         SUM(CASE WHEN r.party_member THEN 1 ELSE 0 END) AS party_member, \
         SUM(CASE WHEN r.volunteer THEN 1 ELSE 0 END) AS volunteer, \
         SUM(CASE WHEN r.elderly_alone THEN 1 ELSE 0 END) AS elderly_alone, \
         SUM(CASE WHEN r.disability_grade IS NOT NULL THEN 1 ELSE 0 END) AS disabled, \
         SUM(CASE WHEN r.low_income IS NOT NULL THEN 1 ELSE 0 END) AS low_income, \
         SUM(CASE WHEN r.child_in_difficulty THEN 1 ELSE 0 END) AS child_in_difficulty, \
         SUM(CASE WHEN r.family_doctor_key THEN 1 ELSE 0 END) AS family_doctor_key \
         FROM residents r JOIN households h ON h.id = r.household_id GROUP BY h.building_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rs {
        let b: i64 = r.try_get("building_id")?;
        let e = building.entry(b).or_default();
        let g = |c: &str| -> Result<i64> {
            // PostgreSQL's SUM(integer) is BIGINT; SQLite's is INTEGER: both decode as i64.
            Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
        };
        e.residents = g("residents")?;
        e.party_member = g("party_member")?;
        e.volunteer = g("volunteer")?;
        e.elderly_alone = g("elderly_alone")?;
        e.disabled = g("disabled")?;
        e.low_income = g("low_income")?;
        e.child_in_difficulty = g("child_in_difficulty")?;
        e.family_doctor_key = g("family_doctor_key")?;
    }
    for (b, s) in &building {
        if let Some(path) = paths.get(b) {
            for id in path_ids(path) {
                if let Some(t) = per.get_mut(&id) {
                    t.add(s);
                }
            }
        }
    }
    write_stats(conn, &per.into_iter().collect::<Vec<_>>()).await
}

/// Replace the counts table with these rows.
pub async fn write_stats(conn: &mut Conn, rows: &[(i64, Stats)]) -> Result<()> {
    sqlx::query("DELETE FROM node_stats")
        .execute(&mut *conn)
        .await?;
    let mut cols = vec!["node_id"];
    cols.extend(STAT_COLS);
    let vals: Vec<Vec<V>> = rows
        .iter()
        .map(|(id, s)| {
            let mut v = vec![V::I(*id)];
            v.extend(s.values().into_iter().map(V::I));
            v
        })
        .collect();
    insert_many(conn, "node_stats", &cols, &vals).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Households

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Household {
    pub id: i64,
    pub building_id: i64,
    pub unit: Option<i32>,
    pub room: String,
    pub address: String,
    pub head_id: Option<i64>,
    pub path: String,
    pub members: i64,
    pub head_name: Option<String>,
}

const HH_COLS: &str = "h.id, h.building_id, h.unit, h.room, h.address, h.head_id, h.path, \
    (SELECT COUNT(*) FROM residents m WHERE m.household_id = h.id) AS members, \
    (SELECT hr.name FROM residents hr WHERE hr.id = h.head_id) AS head_name";

fn household_from(r: &AnyRow) -> Result<Household> {
    Ok(Household {
        id: r.try_get("id")?,
        building_id: r.try_get("building_id")?,
        unit: opt_i32(r, "unit")?,
        room: r.try_get("room")?,
        address: r.try_get("address")?,
        head_id: r.try_get("head_id")?,
        path: r.try_get("path")?,
        members: r.try_get("members")?,
        head_name: r.try_get("head_name")?,
    })
}

/// Insert a household in `building` (which the caller checked is in scope).
pub async fn insert_household(
    conn: &mut Conn,
    building: &Node,
    unit: Option<i32>,
    room: &str,
) -> Result<Household> {
    let address = jingzhi_domain::registry::household_address(&building.name, unit, room);
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO households (building_id, unit, room, address, path, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
    )
    .bind(building.id)
    .bind(unit)
    .bind(room)
    .bind(&address)
    .bind(&building.path)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "room"))?;
    apply_stats_delta(
        conn,
        &building.path,
        &Stats {
            households: 1,
            ..Default::default()
        },
    )
    .await?;
    Ok(Household {
        id,
        building_id: building.id,
        unit,
        room: room.to_string(),
        address,
        head_id: None,
        path: building.path.clone(),
        members: 0,
        head_name: None,
    })
}

pub async fn get_household(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Household> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {HH_COLS} FROM households h WHERE h.id = {} AND {}",
        p.push(V::I(id)),
        p.range("h.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(household_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn list_households(
    conn: &mut Conn,
    scope: &Scope,
    f: &HouseholdFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<Household>> {
    // Deferred join, as for residents: one page of ids first, then their columns.
    let mut p = Params::default();
    let mut sql = format!("WHERE {}", p.range("h.path", &scope.path));
    if let Some(under) = &f.under {
        sql.push_str(&format!(" AND {}", p.range("h.path", under)));
    }
    // A search reads its matches in address order from the address index (the first page of a
    // one-character search over a city of a million households stays a millisecond); a list
    // goes building by building (tree order), rooms in natural order within each.
    let order = if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        sql.push_str(&format!(
            " AND {}",
            prefix_cond(&mut p, "h.address", q.trim())
        ));
        "h.address, h.id".to_string()
    } else {
        format!("h.path, {}, h.id", room_order(conn))
    };
    let from = "households h";
    let (page, per_page) = (page.max(1), per_page.clamp(1, 200));
    let sql = format!(
        "SELECT {HH_COLS} FROM households h WHERE h.id IN (SELECT h.id FROM {from} {sql} ORDER BY {order} LIMIT {} OFFSET {}) ORDER BY {order}",
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut items: Vec<Household> = rows.iter().map(household_from).collect::<Result<_>>()?;
    let has_more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    Ok(Page {
        items,
        page,
        per_page,
        has_more,
    })
}

/// The households of a building in natural room order, for `ORDER BY` after the building (alias
/// `h`): by unit (none first), then shorter room numbers first, then byte order. Rooms are
/// letters, digits and `-` ([`jingzhi_domain::registry::parse_room`]), so this puts 101 before
/// 1001 and 2-101 before 10-101 (byte order alone would not). Byte order on PostgreSQL too
/// (`COLLATE "C"`): a database's own collation may skip the `-`.
pub(crate) fn room_order(conn: &Conn) -> &'static str {
    if conn.backend_name() == "SQLite" {
        "COALESCE(h.unit, 0), length(h.room), h.room"
    } else {
        "COALESCE(h.unit, 0), length(h.room), h.room COLLATE \"C\""
    }
}

/// `col >= q AND col < q+U+10FFFF`: a prefix match an index serves.
pub(crate) fn prefix_cond(p: &mut Params, col: &str, q: &str) -> String {
    let a = p.push(V::T(q.to_string()));
    let b = p.push(V::T(format!("{q}\u{10FFFF}")));
    format!("{col} >= {a} AND {col} < {b}")
}

/// Move a household to another building (in scope); keeps the history in `household_moves`.
pub async fn move_household(
    conn: &mut Conn,
    scope: &Scope,
    hh: &Household,
    to: &Node,
    unit: Option<i32>,
    room: &str,
    actor_id: Option<i64>,
    note: Option<&str>,
) -> Result<Household> {
    let address = jingzhi_domain::registry::household_address(&to.name, unit, room);
    let now = now_ms();
    let mut p = Params::default();
    let sql = format!(
        "UPDATE households SET building_id = {}, unit = {}, room = {}, address = {}, path = {}, updated_at = {} WHERE id = {} AND {}",
        p.push(V::I(to.id)),
        p.push(V::OI(unit.map(i64::from))),
        p.push(V::T(room.into())),
        p.push(V::T(address.clone())),
        p.push(V::T(to.path.clone())),
        p.push(V::I(now)),
        p.push(V::I(hh.id)),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::from_db(e, "room"))?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    // Move the counts: everything in the household leaves the old branch and joins the new one.
    let mut delta = Stats {
        households: 1,
        ..Default::default()
    };
    for r in household_members(conn, scope, hh.id).await? {
        delta.add(&Stats::of_resident(&r.tags, 1));
    }
    sqlx::query("UPDATE residents SET path = $1, updated_at = $2 WHERE household_id = $3")
        .bind(&to.path)
        .bind(now)
        .bind(hh.id)
        .execute(&mut *conn)
        .await?;
    // What the platform holds about the household's people follows them, so that the new
    // place's staff see it and the old place's no longer do: family-doctor contracts
    // (docs/doctors.md), care records, the warning and its cases (docs/care.md), legal-aid
    // cases (docs/legal.md), job seekers and their referrals (docs/jobs.md).
    sqlx::query(
        "UPDATE doctor_contracts SET path = $1 WHERE resident_id IN \
         (SELECT id FROM residents WHERE household_id = $2)",
    )
    .bind(&to.path)
    .bind(hh.id)
    .execute(&mut *conn)
    .await?;
    crate::care::follow_household(conn, hh.id, &to.path).await?;
    crate::legal::follow_household(conn, hh.id, &to.path).await?;
    crate::jobs::follow_household(conn, hh.id, &to.path).await?;
    sqlx::query(
        "INSERT INTO household_moves (household_id, from_building_id, to_building_id, from_address, to_address, moved_at, actor_id, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(hh.id)
    .bind(hh.building_id)
    .bind(to.id)
    .bind(&hh.address)
    .bind(&address)
    .bind(now)
    .bind(actor_id)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    apply_stats_delta(conn, &hh.path, &delta.negated()).await?;
    apply_stats_delta(conn, &to.path, &delta).await?;
    get_household(conn, scope, hh.id).await
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdMove {
    pub id: i64,
    pub from_address: String,
    pub to_address: String,
    pub moved_at: i64,
    pub note: Option<String>,
}

/// A household's moves, newest first (the household must be in scope; the caller fetched it).
pub async fn household_moves(conn: &mut Conn, household_id: i64) -> Result<Vec<HouseholdMove>> {
    let rows = sqlx::query(
        "SELECT id, from_address, to_address, moved_at, note FROM household_moves WHERE household_id = $1 ORDER BY id DESC",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HouseholdMove {
                id: r.try_get("id")?,
                from_address: r.try_get("from_address")?,
                to_address: r.try_get("to_address")?,
                moved_at: r.try_get("moved_at")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Residents

/// A resident as stored, with ID and phone masked. The sealed values stay in the store.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Resident {
    pub id: i64,
    pub household_id: i64,
    pub path: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: String,
    pub id_mask: String,
    pub phone_mask: Option<String>,
    pub relationship: Relationship,
    pub residence: Residence,
    pub tags: ResidentTags,
    pub address: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const RES_COLS: &str = "r.id, r.household_id, r.path, r.name, r.gender, r.birth_date, r.id_mask, r.phone_mask, \
    r.relationship, r.residence, r.party_member, r.volunteer, r.elderly_alone, r.disability_grade, r.low_income, \
    r.child_in_difficulty, r.family_doctor_key, r.created_at, r.updated_at, h.address";

fn resident_from(r: &AnyRow) -> Result<Resident> {
    let s = |c: &str| -> Result<String> { Ok(r.try_get::<String, _>(c)?) };
    let bad = |c: &str| Error::Conflict(format!("bad value in column {c}"));
    Ok(Resident {
        id: r.try_get("id")?,
        household_id: r.try_get("household_id")?,
        path: s("path")?,
        name: s("name")?,
        gender: Gender::parse(&s("gender")?).ok_or_else(|| bad("gender"))?,
        birth_date: s("birth_date")?,
        id_mask: s("id_mask")?,
        phone_mask: r.try_get("phone_mask")?,
        relationship: Relationship::parse(&s("relationship")?)
            .ok_or_else(|| bad("relationship"))?,
        residence: Residence::parse(&s("residence")?).ok_or_else(|| bad("residence"))?,
        tags: ResidentTags {
            party_member: get_bool(r, "party_member"),
            volunteer: get_bool(r, "volunteer"),
            elderly_alone: get_bool(r, "elderly_alone"),
            disability_grade: opt_i32(r, "disability_grade")?,
            low_income: r
                .try_get::<Option<String>, _>("low_income")?
                .map(|v| LowIncome::parse(&v).ok_or_else(|| bad("low_income")))
                .transpose()?,
            child_in_difficulty: get_bool(r, "child_in_difficulty"),
            family_doctor_key: get_bool(r, "family_doctor_key"),
        },
        address: s("address")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The columns of `residents` that bulk loads fill, in order (see [`resident_values`]).
pub const RESIDENT_INSERT_COLS: [&str; 22] = [
    "household_id",
    "path",
    "name",
    "gender",
    "birth_date",
    "id_cipher",
    "id_hash",
    "id_mask",
    "phone_cipher",
    "phone_hash",
    "phone_mask",
    "relationship",
    "residence",
    "party_member",
    "volunteer",
    "elderly_alone",
    "disability_grade",
    "low_income",
    "child_in_difficulty",
    "family_doctor_key",
    "created_at",
    "updated_at",
];

/// The values for [`RESIDENT_INSERT_COLS`]: seals the ID and phone numbers.
pub fn resident_values(
    cipher: &crate::Cipher,
    household_id: i64,
    path: &str,
    r: &NewResident,
    now: i64,
) -> Vec<V> {
    let t = &r.tags;
    vec![
        V::I(household_id),
        V::T(path.to_string()),
        V::T(r.name.as_str().to_string()),
        V::T(r.gender.as_str().into()),
        V::T(jingzhi_domain::time_fmt::format_date(r.birth_date)),
        V::B(cipher.seal(r.id_number.as_str())),
        V::T(cipher.lookup_hash(r.id_number.as_str())),
        V::T(r.id_number.masked()),
        V::OB(r.phone.as_ref().map(|p| cipher.seal(p.as_str()))),
        V::OT(r.phone.as_ref().map(|p| cipher.lookup_hash(p.as_str()))),
        V::OT(r.phone.as_ref().map(|p| p.masked())),
        V::T(r.relationship.as_str().into()),
        V::T(r.residence.as_str().into()),
        V::Bool(t.party_member),
        V::Bool(t.volunteer),
        V::Bool(t.elderly_alone),
        V::OI(t.disability_grade.map(i64::from)),
        V::OT(t.low_income.map(|l| l.as_str().to_string())),
        V::Bool(t.child_in_difficulty),
        V::Bool(t.family_doctor_key),
        V::I(now),
        V::I(now),
    ]
}

/// Insert a resident into a household (which the caller fetched within scope).
pub async fn insert_resident(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    hh: &Household,
    r: &NewResident,
) -> Result<Resident> {
    let now = now_ms();
    let vals = resident_values(cipher, hh.id, &hh.path, r, now);
    let placeholders: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO residents ({}) VALUES ({}) RETURNING id",
        RESIDENT_INSERT_COLS.join(", "),
        placeholders.join(",")
    );
    let id: i64 = bind(sqlx::query(&sql), &vals)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::from_db(e, "id_number"))?
        .try_get("id")?;
    if r.relationship == Relationship::Head {
        sqlx::query("UPDATE households SET head_id = $1 WHERE id = $2 AND head_id IS NULL")
            .bind(id)
            .bind(hh.id)
            .execute(&mut *conn)
            .await?;
    }
    apply_stats_delta(conn, &hh.path, &Stats::of_resident(&r.tags, 1)).await?;
    get_resident(conn, &Scope::new(0, hh.path.clone()), id).await
}

/// Update a resident's fields (not the household: moving a person is a separate step).
pub async fn update_resident(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    scope: &Scope,
    before: &Resident,
    r: &NewResident,
) -> Result<Resident> {
    let vals = resident_values(cipher, before.household_id, &before.path, r, now_ms());
    // Skip household_id, path and created_at: set every other column.
    let mut p = Params::default();
    let mut sets = vec![];
    for (c, v) in RESIDENT_INSERT_COLS.iter().zip(vals) {
        if matches!(*c, "household_id" | "path" | "created_at") {
            continue;
        }
        let ph = p.push(v);
        sets.push(format!("{c} = {ph}"));
    }
    let sql = format!(
        "UPDATE residents SET {} WHERE id = {} AND {}",
        sets.join(", "),
        p.push(V::I(before.id)),
        p.range("path", &scope.path)
    );
    let n = bind(sqlx::query(&sql), &p.vals)
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::from_db(e, "id_number"))?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    let mut d = Stats::of_resident(&r.tags, 1);
    d.add(&Stats::of_resident(&before.tags, -1));
    apply_stats_delta(conn, &before.path, &d).await?;
    get_resident(conn, scope, before.id).await
}

pub async fn get_resident(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Resident> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {RES_COLS} FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = {} AND {}",
        p.push(V::I(id)),
        p.range("r.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(resident_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The sealed ID and phone of a resident in scope, opened (for an audited unmask).
pub async fn unmask_resident(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    scope: &Scope,
    id: i64,
) -> Result<(String, Option<String>)> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id_cipher, phone_cipher FROM residents WHERE id = {} AND {}",
        p.push(V::I(id)),
        p.range("path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    let idc: Vec<u8> = row.try_get("id_cipher")?;
    let phc: Option<Vec<u8>> = row.try_get("phone_cipher")?;
    Ok((
        cipher.open(&idc)?,
        phc.map(|c| cipher.open(&c)).transpose()?,
    ))
}

pub async fn household_members(
    conn: &mut Conn,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<Resident>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {RES_COLS} FROM residents r JOIN households h ON h.id = r.household_id WHERE r.household_id = {} AND {} ORDER BY r.id",
        p.push(V::I(household_id)),
        p.range("r.path", &scope.path)
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(resident_from).collect()
}

pub(crate) fn is_sqlite(conn: &Conn) -> bool {
    conn.backend_name() == "SQLite"
}

/// The conditions of a resident filter, scope first: the `FROM` it needs (households are joined
/// only for an address search), the `WHERE` clause, and the order a search implies. Lists and
/// exports share it, so they select the same residents.
pub(crate) struct ResidentWhere {
    pub from: &'static str,
    pub sql: String,
    pub order: &'static str,
}

pub(crate) fn resident_where(
    p: &mut Params,
    sqlite: bool,
    cipher: &crate::Cipher,
    scope: &Scope,
    f: &ResidentFilter,
) -> ResidentWhere {
    let mut from = "residents r";
    let mut sql = format!("WHERE {}", p.range("r.path", &scope.path));
    if let Some(under) = &f.under {
        sql.push_str(&format!(" AND {}", p.range("r.path", under)));
    }
    let mut order = "r.path, r.id";
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        match classify_query(q) {
            SearchKind::IdNumber(id) => {
                sql.push_str(&format!(
                    " AND r.id_hash = {}",
                    p.push(V::T(cipher.lookup_hash(&id)))
                ));
            }
            SearchKind::Phone(ph) => {
                sql.push_str(&format!(
                    " AND r.phone_hash = {}",
                    p.push(V::T(cipher.lookup_hash(&ph)))
                ));
            }
            SearchKind::MaskedId(m) => {
                sql.push_str(&format!(" AND r.id_mask = {}", p.push(V::T(m))));
            }
            SearchKind::Address(a) => {
                sql.push_str(&format!(" AND {}", prefix_cond(p, "h.address", &a)));
                from = "residents r JOIN households h ON h.id = r.household_id";
                order = "h.address, r.id";
            }
            SearchKind::Name(n) => {
                sql.push_str(&format!(" AND {}", prefix_cond(p, "r.name", &n)));
                order = "r.name, r.id";
                // SQLite cannot tell from bound values that a community's path range holds
                // thousands of rows while a name prefix within it holds dozens, and walks the
                // path index with a table read per row (3 ms at full scale, against 0.5 ms
                // through the covering name index, which carries the path). For scopes of a
                // community or larger, name the index; below that the path range is small and
                // the planner's own choice is right. PostgreSQL plans from its statistics.
                let depth = jingzhi_domain::scope::path_ids(&scope.path).len();
                if sqlite && depth <= 4 && f.under.is_none() {
                    from = "residents r INDEXED BY residents_name";
                }
            }
        }
    }
    if let Some(t) = f.tag {
        sql.push_str(match t {
            Tag::PartyMember => " AND r.party_member = TRUE",
            Tag::Volunteer => " AND r.volunteer = TRUE",
            Tag::ElderlyAlone => " AND r.elderly_alone = TRUE",
            Tag::Disabled => " AND r.disability_grade IS NOT NULL",
            Tag::LowIncome => " AND r.low_income IS NOT NULL",
            Tag::ChildInDifficulty => " AND r.child_in_difficulty = TRUE",
            Tag::FamilyDoctorKey => " AND r.family_doctor_key = TRUE",
        });
    }
    if let Some(g) = f.gender {
        sql.push_str(&format!(
            " AND r.gender = {}",
            p.push(V::T(g.as_str().into()))
        ));
    }
    if let Some(rs) = f.residence {
        sql.push_str(&format!(
            " AND r.residence = {}",
            p.push(V::T(rs.as_str().into()))
        ));
    }
    ResidentWhere { from, sql, order }
}

pub async fn list_residents(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    scope: &Scope,
    f: &ResidentFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<Resident>> {
    // Deferred join: the inner query finds one page of ids (from an index where it can: deep
    // pages skip index entries, not rows), the outer one reads the columns of those ids only.
    let mut p = Params::default();
    let w = resident_where(&mut p, is_sqlite(conn), cipher, scope, f);
    let (from, sql, order) = (w.from, w.sql, w.order);
    let (page, per_page) = (page.max(1), per_page.clamp(1, 200));
    let sql = format!(
        "SELECT {RES_COLS} FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE r.id IN (SELECT r.id FROM {from} {sql} ORDER BY {order} LIMIT {} OFFSET {}) ORDER BY {order}",
        p.push(V::I(per_page + 1)),
        p.push(V::I(jingzhi_domain::paging::offset(page, per_page)))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut items: Vec<Resident> = rows.iter().map(resident_from).collect::<Result<_>>()?;
    let has_more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    Ok(Page {
        items,
        page,
        per_page,
        has_more,
    })
}

/// Whether a resident with this ID number exists anywhere (for duplicate checks on import: a
/// person registered in another community is still a duplicate, though the caller may not see
/// where).
pub async fn id_hashes_existing(
    conn: &mut Conn,
    hashes: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in hashes.chunks(500) {
        let mut p = Params::default();
        let ph: Vec<String> = chunk.iter().map(|h| p.push(V::T(h.clone()))).collect();
        let sql = format!(
            "SELECT id_hash FROM residents WHERE id_hash IN ({})",
            ph.join(",")
        );
        for r in bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?
        {
            found.insert(r.try_get::<String, _>("id_hash")?);
        }
    }
    Ok(found)
}

/// Every grid that has a boundary: (id, path, GeoJSON). For placing map points; small (one row
/// per grid) and read rarely (the app caches it).
pub async fn grid_boundaries(conn: &mut Conn) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, path, boundary FROM nodes WHERE kind = 'grid' AND boundary IS NOT NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// An adult of a place, for the demo's generators (sign-ups, legal matters).
#[derive(Debug, Clone)]
pub struct Adult {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub path: String,
}

/// Up to `limit` residents of a place born before `born_before` (`YYYY-MM-DD`), in tree order.
pub async fn adults_of(
    conn: &mut Conn,
    path: &str,
    born_before: &str,
    limit: i64,
) -> Result<Vec<Adult>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT id, household_id, name, path FROM residents WHERE {} AND birth_date < {} \
         ORDER BY path, id LIMIT {}",
        p.range("path", path),
        p.push(V::T(born_before.into())),
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Adult {
                id: r.try_get("id")?,
                household_id: r.try_get("household_id")?,
                name: r.try_get("name")?,
                path: r.try_get("path")?,
            })
        })
        .collect()
}
