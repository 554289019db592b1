//! Register use-cases: the tree of places, households (create, move) and residents (create,
//! update, audited unmask). Every read and write is confined to the caller's scope in the store
//! query; every write records its audit entry in the same transaction.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::paging::Page;
use jingzhi_domain::registry::{
    parse_room, Gender, NodeCode, NodeKind, Residence, ResidentInput, Tag,
};
use jingzhi_domain::registry::{HouseholdFilter, ResidentFilter};
use jingzhi_domain::scope::Scope;
use jingzhi_domain::FieldError;
use jingzhi_store::registry::{self as sr, NewNode};
use jingzhi_store::{audit, Conn};
use serde::{Deserialize, Serialize};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::registry::{
    Barrier, Household, HouseholdMove, Node, PartyOrg, Resident, Stats,
};

/// A place with what is below it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    pub node: Node,
    /// From the top of the caller's scope down to the parent.
    pub ancestors: Vec<Node>,
    pub stats: Stats,
    pub children: Vec<(Node, Stats)>,
    pub party_orgs: Vec<PartyOrg>,
}

/// What a map of a place draws.
#[derive(Debug, Clone, Serialize)]
pub struct MapView {
    pub node: Node,
    /// Areas below the node with a boundary (children and grandchildren).
    pub areas: Vec<Node>,
    /// Buildings, when the place is small enough to draw them (a community or below).
    pub buildings: Vec<Node>,
    pub barriers: Vec<Barrier>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdView {
    pub household: Household,
    pub ancestors: Vec<Node>,
    pub members: Vec<Resident>,
    pub moves: Vec<HouseholdMove>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResidentView {
    pub resident: Resident,
    pub household: Household,
    pub ancestors: Vec<Node>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NodeInput {
    pub kind: String,
    pub code: String,
    pub name: String,
    pub boundary: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    /// The building, by id or by code.
    pub building_id: Option<i64>,
    pub building_code: Option<String>,
    pub unit: Option<i32>,
    pub room: String,
}

/// Longest note on a household's move (characters).
pub const MAX_NOTE: usize = 500;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MoveInput {
    pub building_id: Option<i64>,
    pub building_code: Option<String>,
    pub unit: Option<i32>,
    pub room: String,
    pub note: Option<String>,
}

/// The plain ID and phone numbers, after an audited unmask.
#[derive(Debug, Clone, Serialize)]
pub struct Unmasked {
    pub id_number: String,
    pub phone: Option<String>,
}

/// What the audit log keeps of a resident: never the plain ID or phone.
fn resident_audit(r: &Resident) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "gender": r.gender, "birth_date": r.birth_date, "id_number": r.id_mask,
        "phone": r.phone_mask, "relationship": r.relationship, "residence": r.residence, "tags": r.tags,
        "household_id": r.household_id,
    })
}

fn household_audit(h: &Household) -> serde_json::Value {
    serde_json::json!({"building_id": h.building_id, "unit": h.unit, "room": h.room, "address": h.address})
}

async fn building_for(
    conn: &mut Conn,
    scope: &Scope,
    id: Option<i64>,
    code: Option<&str>,
) -> AppResult<Node> {
    let node = match (id, code.map(str::trim).filter(|c| !c.is_empty())) {
        (Some(id), _) => sr::get_node(conn, scope, id).await,
        (None, Some(code)) => sr::get_node_by_code(conn, scope, code).await,
        (None, None) => return Err(AppError::invalid("building", "请选择楼宇")),
    }
    .map_err(|e| match e {
        jingzhi_store::Error::NotFound => {
            AppError::invalid("building", "楼宇不存在或不在您的管辖范围内")
        }
        e => e.into(),
    })?;
    if node.kind != NodeKind::Building {
        return Err(AppError::invalid("building", "所选区域不是楼宇"));
    }
    Ok(node)
}

/// The filter of a resident list as a query string sends it: `GET /api/v1/residents` and its
/// export, the residents page and its download read the same parameters through this one parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResidentQueryText<'a> {
    /// Name prefix, address prefix, a whole ID-card or phone number, or a masked ID as shown.
    pub q: Option<&'a str>,
    /// A tag's code (`elderly_alone` …).
    pub tag: Option<&'a str>,
    /// `male female` (or 男/女).
    pub gender: Option<&'a str>,
    /// `permanent floating` (or 常住/流动).
    pub residence: Option<&'a str>,
}

fn blank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

impl ResidentQueryText<'_> {
    /// The store's filter with every value that reads, and an error naming each parameter whose
    /// value does not (that value is left out of the filter). A blank value asks for nothing.
    /// The API answers the errors (422); the page lists without the value and says why.
    pub fn parse(&self) -> (ResidentFilter, Vec<FieldError>) {
        let mut errs = vec![];
        let tag = blank(self.tag).and_then(|t| {
            Tag::parse(t).or_else(|| {
                errs.push(FieldError::new("tag", "未知的标签"));
                None
            })
        });
        let gender = blank(self.gender).and_then(|g| {
            Gender::parse(g).or_else(|| {
                errs.push(FieldError::new("gender", "性别应为 male 或 female"));
                None
            })
        });
        let residence = blank(self.residence).and_then(|r| {
            Residence::parse(r).or_else(|| {
                errs.push(FieldError::new(
                    "residence",
                    "居住状态应为 permanent 或 floating",
                ));
                None
            })
        });
        let filter = ResidentFilter {
            q: blank(self.q).map(str::to_string),
            tag,
            gender,
            residence,
            under: None,
        };
        (filter, errs)
    }
}

/// Registry (登记): the tree of places, households and residents. Reached as `app.registry()`.
#[derive(Clone, Copy)]
pub struct Registry<'a> {
    app: &'a App,
}

impl App {
    /// See [`Registry`].
    pub fn registry(&self) -> Registry<'_> {
        Registry { app: self }
    }
}

impl Registry<'_> {
    /// The caller's own scope node, with counts and children: the home page.
    pub async fn home(&self, actor: &Actor) -> AppResult<NodeView> {
        self.node_view(actor, actor.scope().node_id).await
    }

    pub async fn node_view(&self, actor: &Actor, id: i64) -> AppResult<NodeView> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, id).await?;
        let mut ancestors = sr::ancestors(&mut conn, &scope, &node.path).await?;
        ancestors.retain(|a| a.id != node.id);
        let stats = sr::stats(&mut conn, &scope, id).await?;
        let children = sr::children_stats(&mut conn, &scope, id).await?;
        let party_orgs = sr::party_orgs_of(&mut conn, &scope, id).await?;
        Ok(NodeView {
            node,
            ancestors,
            stats,
            children,
            party_orgs,
        })
    }

    pub async fn node_by_code(&self, actor: &Actor, code: &str) -> AppResult<Node> {
        actor.require(Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sr::get_node_by_code(&mut conn, &actor.scope(), code).await?)
    }

    pub async fn map(&self, actor: &Actor, id: i64) -> AppResult<MapView> {
        actor.require(Permission::ReadRegister)?;
        self.map_of(actor, id).await
    }

    /// The map a reporter picks a point on: the caller's own place (for a resident, their
    /// community) with its grids, compounds and buildings: places and their outlines only, no
    /// household or resident data, so it needs no register access. Anyone who may report a
    /// problem (everyone but auditors) may see it.
    pub async fn report_map(&self, actor: &Actor) -> AppResult<MapView> {
        if actor.user.role == jingzhi_domain::auth::Role::Auditor {
            return Err(AppError::Forbidden);
        }
        self.map_of(actor, actor.scope().node_id).await
    }

    async fn map_of(&self, actor: &Actor, id: i64) -> AppResult<MapView> {
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, id).await?;
        let kinds: Vec<NodeKind> = [node.kind.child(), node.kind.child().and_then(|k| k.child())]
            .into_iter()
            .flatten()
            .filter(|k| *k != NodeKind::Building)
            .collect();
        let areas = if kinds.is_empty() {
            vec![]
        } else {
            sr::nodes_under(&mut conn, &scope, &node.path, &kinds, 5000).await?
        };
        let buildings = if node.kind >= NodeKind::Community {
            sr::nodes_under(&mut conn, &scope, &node.path, &[NodeKind::Building], 5000).await?
        } else {
            vec![]
        };
        let barriers = sr::map_barriers(&mut conn, &node).await?;
        Ok(MapView {
            node,
            areas,
            buildings,
            barriers,
        })
    }

    pub async fn search_nodes(
        &self,
        actor: &Actor,
        q: &str,
        kind: Option<NodeKind>,
        limit: i64,
    ) -> AppResult<Vec<Node>> {
        actor.require(Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sr::search_nodes(
            &mut conn,
            &actor.scope(),
            q.trim(),
            kind,
            limit.clamp(1, 200),
        )
        .await?)
    }

    /// Add a place below `parent_id` (in scope). Codes follow the tree (see [`NodeCode`]).
    pub async fn create_node(
        &self,
        actor: &Actor,
        parent_id: i64,
        input: &NodeInput,
    ) -> AppResult<Node> {
        actor.require(Permission::WriteTree)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let parent = sr::get_node(&mut tx, &scope, parent_id).await?;
        let kind = parent
            .kind
            .child()
            .ok_or_else(|| AppError::invalid("kind", "楼宇之下不能再建区域"))?;
        if !input.kind.is_empty() && NodeKind::parse(&input.kind) != Some(kind) {
            return Err(AppError::invalid(
                "kind",
                format!("{}之下只能建{}", parent.kind.label_zh(), kind.label_zh()),
            ));
        }
        let mut errs = vec![];
        let code = NodeCode::parse(kind, &input.code)
            .map_err(|e| errs.push(e))
            .ok();
        if let Some(c) = &code {
            if kind > NodeKind::Community && !c.as_str().starts_with(&parent.code) {
                errs.push(jingzhi_domain::FieldError::new(
                    "code",
                    "编码应以上级编码开头",
                ));
            }
        }
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errs.push(jingzhi_domain::FieldError::new("name", "名称应为1–100个字"));
        }
        if let Some(b) = &input.boundary {
            if serde_json::from_str::<serde_json::Value>(b).is_err() {
                errs.push(jingzhi_domain::FieldError::new(
                    "boundary",
                    "边界应为GeoJSON",
                ));
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        let node = sr::insert_node(
            &mut tx,
            Some(&parent),
            &NewNode {
                kind: Some(kind),
                code: code.expect("checked").as_str().to_string(),
                name: name.to_string(),
                boundary: input.boundary.clone(),
                x: input.x,
                y: input.y,
                units: input.units,
                floors: input.floors,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(
                    serde_json::json!({"kind": kind, "code": node.code, "name": node.name}),
                ),
                ..actor.audit(
                    Action::Create,
                    "node",
                    Some(node.id),
                    &node.path,
                    format!("新增{} {}", kind.label_zh(), node.name),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(node)
    }

    // --- households

    pub async fn list_households(
        &self,
        actor: &Actor,
        mut f: HouseholdFilter,
        under: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Household>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        if let Some(id) = under {
            f.under = Some(sr::get_node(&mut conn, &scope, id).await?.path);
        }
        Ok(sr::list_households(&mut conn, &scope, &f, page, per_page).await?)
    }

    pub async fn household_view(&self, actor: &Actor, id: i64) -> AppResult<HouseholdView> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let household = sr::get_household(&mut conn, &scope, id).await?;
        let ancestors = sr::ancestors(&mut conn, &scope, &household.path).await?;
        let members = sr::household_members(&mut conn, &scope, id).await?;
        let moves = sr::household_moves(&mut conn, id).await?;
        Ok(HouseholdView {
            household,
            ancestors,
            members,
            moves,
        })
    }

    pub async fn create_household(
        &self,
        actor: &Actor,
        input: &HouseholdInput,
    ) -> AppResult<Household> {
        actor.require(Permission::WriteRegister)?;
        let room = parse_room(&input.room)?;
        if let Some(u) = input.unit {
            if !(1..=99).contains(&u) {
                return Err(AppError::invalid("unit", "单元应为1–99"));
            }
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let building = building_for(
            &mut tx,
            &scope,
            input.building_id,
            input.building_code.as_deref(),
        )
        .await?;
        let hh = sr::insert_household(&mut tx, &building, input.unit, &room).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(household_audit(&hh)),
                ..actor.audit(
                    Action::Create,
                    "household",
                    Some(hh.id),
                    &hh.path,
                    format!("新增住户 {}", hh.address),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(hh)
    }

    pub async fn move_household(
        &self,
        actor: &Actor,
        id: i64,
        input: &MoveInput,
    ) -> AppResult<Household> {
        actor.require(Permission::WriteRegister)?;
        let room = parse_room(&input.room)?;
        if let Some(n) = &input.note {
            jingzhi_domain::check_max_chars("note", "迁移说明", n, MAX_NOTE)?;
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let hh = sr::get_household(&mut tx, &scope, id).await?;
        let to = building_for(
            &mut tx,
            &scope,
            input.building_id,
            input.building_code.as_deref(),
        )
        .await?;
        let after = sr::move_household(
            &mut tx,
            &scope,
            &hh,
            &to,
            input.unit,
            &room,
            Some(actor.id()),
            input.note.as_deref(),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(household_audit(&hh)),
                after: Some(household_audit(&after)),
                reason: input.note.as_deref(),
                ..actor.audit(
                    Action::Move,
                    "household",
                    Some(id),
                    &after.path,
                    format!("住户迁移 {} → {}", hh.address, after.address),
                )
            },
        )
        .await?;
        // Its members' own accounts follow them (issue 11 §1): one that moved out of its scope
        // is re-scoped to the new community in the same transaction.
        jingzhi_store::auth::rescope_residents(&mut tx, &after.path).await?;
        jingzhi_store::commit(tx).await?;
        Ok(after)
    }

    // --- residents

    pub async fn list_residents(
        &self,
        actor: &Actor,
        mut f: ResidentFilter,
        under: Option<i64>,
        page: i64,
        per_page: i64,
    ) -> AppResult<Page<Resident>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        if let Some(id) = under {
            f.under = Some(sr::get_node(&mut conn, &scope, id).await?.path);
        }
        Ok(sr::list_residents(
            &mut conn,
            &self.app.store.cipher,
            &scope,
            &f,
            page,
            per_page,
        )
        .await?)
    }

    pub async fn resident_view(&self, actor: &Actor, id: i64) -> AppResult<ResidentView> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let resident = sr::get_resident(&mut conn, &scope, id).await?;
        let household = sr::get_household(&mut conn, &scope, resident.household_id).await?;
        let ancestors = sr::ancestors(&mut conn, &scope, &resident.path).await?;
        Ok(ResidentView {
            resident,
            household,
            ancestors,
        })
    }

    pub async fn create_resident(
        &self,
        actor: &Actor,
        household_id: i64,
        input: &ResidentInput,
    ) -> AppResult<Resident> {
        actor.require(Permission::WriteRegister)?;
        let new = input.parse().map_err(AppError::Invalid)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let hh = sr::get_household(&mut tx, &scope, household_id).await?;
        let r = sr::insert_resident(&mut tx, &self.app.store.cipher, &hh, &new).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(resident_audit(&r)),
                ..actor.audit(
                    Action::Create,
                    "resident",
                    Some(r.id),
                    &r.path,
                    format!("新增居民 {}", r.name),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    pub async fn update_resident(
        &self,
        actor: &Actor,
        id: i64,
        input: &ResidentInput,
    ) -> AppResult<Resident> {
        actor.require(Permission::WriteRegister)?;
        let new = input.parse().map_err(AppError::Invalid)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let before = sr::get_resident(&mut tx, &scope, id).await?;
        let after =
            sr::update_resident(&mut tx, &self.app.store.cipher, &scope, &before, &new).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(resident_audit(&before)),
                after: Some(resident_audit(&after)),
                ..actor.audit(
                    Action::Update,
                    "resident",
                    Some(id),
                    &after.path,
                    format!("修改居民 {}", after.name),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(after)
    }

    /// Show a resident's ID and phone in full: a permission, with a stated reason, audited.
    pub async fn unmask_resident(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> AppResult<Unmasked> {
        actor.require(Permission::Unmask)?;
        let reason = reason.trim();
        if reason.chars().count() < 2 || reason.chars().count() > 200 {
            return Err(AppError::invalid("reason", "请填写查看原因（2–200字）"));
        }
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let r = sr::get_resident(&mut tx, &scope, id).await?;
        let (id_number, phone) =
            sr::unmask_resident(&mut tx, &self.app.store.cipher, &scope, id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(reason),
                ..actor.audit(
                    Action::Unmask,
                    "resident",
                    Some(id),
                    &r.path,
                    format!("查看居民 {} 的身份证号和电话", r.name),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(Unmasked { id_number, phone })
    }
}

impl Registry<'_> {
    /// How many places of each kind lie below a node in scope (communities, grids, compounds,
    /// buildings …), for its page.
    pub async fn count_nodes(&self, actor: &Actor, id: i64) -> AppResult<Vec<(NodeKind, i64)>> {
        actor.require(Permission::ReadRegister)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let stats = sr::stats(&mut conn, &scope, id).await?;
        Ok(node_counts(&stats))
    }

    /// The register's version (it grows with every change to a place or a barrier): a map
    /// drawn at the same version is still true. A number only, it tells nothing of the places.
    pub async fn register_version(&self) -> AppResult<i64> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sr::register_version(&mut conn).await?)
    }
}

/// How many places of each kind a node's counts hold, the kinds with none left out.
pub fn node_counts(stats: &sr::Stats) -> Vec<(NodeKind, i64)> {
    NodeKind::ALL
        .iter()
        .map(|k| (*k, stats.nodes(*k)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

impl Registry<'_> {
    /// Update a resident from the edit form, which never shows the ID and phone numbers in full:
    /// a blank ID number keeps the stored one, and so does a blank phone unless `clear_phone`.
    /// The stored numbers are opened only to be sealed again; nothing is shown, so this is not
    /// an unmask.
    pub async fn update_resident_from_form(
        &self,
        actor: &Actor,
        id: i64,
        input: &ResidentInput,
        clear_phone: bool,
    ) -> AppResult<Resident> {
        actor.require(Permission::WriteRegister)?;
        let keep_id = input.id_number.trim().is_empty();
        let keep_phone = !clear_phone
            && input
                .phone
                .as_deref()
                .map(str::trim)
                .unwrap_or("")
                .is_empty();
        let mut input = input.clone();
        if keep_id || keep_phone {
            let mut conn = self.app.store.acquire().await?;
            let (id_number, phone) =
                sr::unmask_resident(&mut conn, &self.app.store.cipher, &actor.scope(), id).await?;
            if keep_id {
                input.id_number = id_number;
            }
            if keep_phone {
                input.phone = phone;
            }
        }
        if clear_phone {
            input.phone = None;
        }
        self.update_resident(actor, id, &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resident_query_reads_what_it_can_and_names_the_rest() {
        let (f, errs) = ResidentQueryText {
            q: Some(" 王 "),
            tag: Some("elderly_alone"),
            gender: Some("女"),
            residence: Some(" "),
        }
        .parse();
        assert!(errs.is_empty());
        assert_eq!(f.q.as_deref(), Some("王"));
        assert_eq!(f.tag, Some(Tag::ElderlyAlone));
        assert_eq!(f.gender, Some(Gender::Female));
        assert_eq!(f.residence, None);
        let (f, errs) = ResidentQueryText {
            q: Some(""),
            tag: Some("nope"),
            gender: Some("x"),
            residence: Some("floating"),
        }
        .parse();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["tag", "gender"]);
        assert_eq!(errs[1].reason, "性别应为 male 或 female");
        assert_eq!((f.q, f.tag, f.gender), (None, None, None));
        assert_eq!(f.residence, Some(Residence::Floating));
        let (_, errs) = ResidentQueryText {
            residence: Some("somewhere"),
            ..Default::default()
        }
        .parse();
        assert_eq!(errs[0].field, "residence");
    }
}
