//! The API's contract: response and request bodies, owned by the web layer and converted from the
//! store's and the app's types. ID-card and phone numbers appear only masked, except in the
//! answer of the audited unmask call.

use jingzhi_app::audit::Record;
use jingzhi_app::registry::{Barrier, Household, HouseholdMove, Node, PartyOrg, Resident, Stats};
use jingzhi_app::registry::{HouseholdView, MapView, NodeView, ResidentView};
use jingzhi_app::User;
use jingzhi_domain::registry::ResidentInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A place of the tree (city, district, street, community, grid, compound, building).
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `city district street community grid compound building`
    pub kind: String,
    pub code: String,
    pub name: String,
    pub depth: i32,
    /// GeoJSON geometry (a Polygon), for areas.
    pub boundary: Option<String>,
    /// Longitude (WGS84) of a building, or a label point of an area.
    pub x: Option<f64>,
    /// Latitude (WGS84).
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

impl From<Node> for NodeDto {
    fn from(n: Node) -> Self {
        Self {
            id: n.id,
            parent_id: n.parent_id,
            kind: n.kind.as_str().into(),
            code: n.code,
            name: n.name,
            depth: n.depth,
            boundary: n.boundary,
            x: n.x,
            y: n.y,
            units: n.units,
            floors: n.floors,
        }
    }
}

/// Counts below a place.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub households: i64,
    pub residents: i64,
    pub party_member: i64,
    pub volunteer: i64,
    pub elderly_alone: i64,
    pub disabled: i64,
    pub low_income: i64,
    pub child_in_difficulty: i64,
    pub family_doctor_key: i64,
}

impl From<Stats> for StatsDto {
    fn from(s: Stats) -> Self {
        Self {
            households: s.households,
            residents: s.residents,
            party_member: s.party_member,
            volunteer: s.volunteer,
            elderly_alone: s.elderly_alone,
            disabled: s.disabled,
            low_income: s.low_income,
            child_in_difficulty: s.child_in_difficulty,
            family_doctor_key: s.family_doctor_key,
        }
    }
}

/// A place in a list; `stats` when listing children, absent in search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeItem {
    #[serde(flatten)]
    pub node: NodeDto,
    pub stats: Option<StatsDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeList {
    pub items: Vec<NodeItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyOrgDto {
    pub id: i64,
    pub node_id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub secretary: Option<String>,
}

impl From<PartyOrg> for PartyOrgDto {
    fn from(p: PartyOrg) -> Self {
        Self {
            id: p.id,
            node_id: p.node_id,
            parent_id: p.parent_id,
            kind: p.kind,
            name: p.name,
            secretary: p.secretary,
        }
    }
}

/// A place with its counts, its children (with counts) and its ancestors within the caller's
/// scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeDetail {
    pub node: NodeDto,
    /// From the top of the caller's scope down to the parent.
    pub ancestors: Vec<NodeDto>,
    pub stats: StatsDto,
    pub children: Vec<NodeItem>,
    pub party_orgs: Vec<PartyOrgDto>,
}

impl From<NodeView> for NodeDetail {
    fn from(v: NodeView) -> Self {
        Self {
            node: v.node.into(),
            ancestors: v.ancestors.into_iter().map(Into::into).collect(),
            stats: v.stats.into(),
            children: v
                .children
                .into_iter()
                .map(|(n, s)| NodeItem {
                    node: n.into(),
                    stats: Some(s.into()),
                })
                .collect(),
            party_orgs: v.party_orgs.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BarrierDto {
    pub id: i64,
    pub kind: String,
    pub name: String,
    /// GeoJSON geometry.
    pub geometry: String,
}

impl From<Barrier> for BarrierDto {
    fn from(b: Barrier) -> Self {
        Self {
            id: b.id,
            kind: b.kind,
            name: b.name,
            geometry: b.geometry,
        }
    }
}

/// What a map of a place draws.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapDto {
    pub node: NodeDto,
    /// Areas below the node with a boundary (children and grandchildren).
    pub areas: Vec<NodeDto>,
    /// Buildings, for a community or below.
    pub buildings: Vec<NodeDto>,
    pub barriers: Vec<BarrierDto>,
}

impl From<MapView> for MapDto {
    fn from(v: MapView) -> Self {
        Self {
            node: v.node.into(),
            areas: v.areas.into_iter().map(Into::into).collect(),
            buildings: v.buildings.into_iter().map(Into::into).collect(),
            barriers: v.barriers.into_iter().map(Into::into).collect(),
        }
    }
}

/// A new place below `parent_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NodeCreate {
    pub parent_id: i64,
    /// Optional: the kind follows from the parent; when given it must match.
    #[serde(default)]
    pub kind: String,
    pub code: String,
    pub name: String,
    /// GeoJSON geometry.
    pub boundary: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

impl From<NodeCreate> for jingzhi_app::registry::NodeInput {
    fn from(c: NodeCreate) -> Self {
        Self {
            kind: c.kind,
            code: c.code,
            name: c.name,
            boundary: c.boundary,
            x: c.x,
            y: c.y,
            units: c.units,
            floors: c.floors,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Households

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: i64,
    pub building_id: i64,
    pub unit: Option<i32>,
    pub room: String,
    pub address: String,
    pub head_id: Option<i64>,
    pub head_name: Option<String>,
    /// Number of residents.
    pub members: i64,
}

impl From<Household> for HouseholdDto {
    fn from(h: Household) -> Self {
        Self {
            id: h.id,
            building_id: h.building_id,
            unit: h.unit,
            room: h.room,
            address: h.address,
            head_id: h.head_id,
            head_name: h.head_name,
            members: h.members,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdDto>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

impl From<jingzhi_domain::paging::Page<Household>> for HouseholdPage {
    fn from(p: jingzhi_domain::paging::Page<Household>) -> Self {
        Self {
            items: p.items.into_iter().map(Into::into).collect(),
            page: p.page,
            per_page: p.per_page,
            has_more: p.has_more,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoveDto {
    pub id: i64,
    pub from_address: String,
    pub to_address: String,
    /// Unix time, milliseconds.
    pub moved_at: i64,
    pub note: Option<String>,
}

impl From<HouseholdMove> for MoveDto {
    fn from(m: HouseholdMove) -> Self {
        Self {
            id: m.id,
            from_address: m.from_address,
            to_address: m.to_address,
            moved_at: m.moved_at,
            note: m.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDetail {
    pub household: HouseholdDto,
    /// From the top of the caller's scope down to the building.
    pub ancestors: Vec<NodeDto>,
    pub members: Vec<ResidentDto>,
    pub moves: Vec<MoveDto>,
}

impl From<HouseholdView> for HouseholdDetail {
    fn from(v: HouseholdView) -> Self {
        Self {
            household: v.household.into(),
            ancestors: v.ancestors.into_iter().map(Into::into).collect(),
            members: v.members.into_iter().map(Into::into).collect(),
            moves: v.moves.into_iter().map(Into::into).collect(),
        }
    }
}

/// A new household: the building by id or by code, unit and room.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdCreate {
    pub building_id: Option<i64>,
    pub building_code: Option<String>,
    pub unit: Option<i32>,
    pub room: String,
}

impl From<HouseholdCreate> for jingzhi_app::registry::HouseholdInput {
    fn from(c: HouseholdCreate) -> Self {
        Self {
            building_id: c.building_id,
            building_code: c.building_code,
            unit: c.unit,
            room: c.room,
        }
    }
}

/// Move a household to another building (in scope), unit and room.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdMoveRequest {
    pub building_id: Option<i64>,
    pub building_code: Option<String>,
    pub unit: Option<i32>,
    pub room: String,
    pub note: Option<String>,
}

impl From<HouseholdMoveRequest> for jingzhi_app::registry::MoveInput {
    fn from(c: HouseholdMoveRequest) -> Self {
        Self {
            building_id: c.building_id,
            building_code: c.building_code,
            unit: c.unit,
            room: c.room,
            note: c.note,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Residents

#[derive(Debug, Serialize, ToSchema)]
pub struct TagsDto {
    pub party_member: bool,
    pub volunteer: bool,
    pub elderly_alone: bool,
    /// 1–4 with a disability certificate.
    pub disability_grade: Option<i32>,
    /// `dibao tekun dibao_edge rigid_expense poverty_watch`
    pub low_income: Option<String>,
    pub child_in_difficulty: bool,
    pub family_doctor_key: bool,
}

/// A resident, with the ID-card and phone numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentDto {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    /// `male female`
    pub gender: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
    /// Masked, e.g. `370***********123X`.
    pub id_number_masked: String,
    /// Masked, e.g. `139****0000`.
    pub phone_masked: Option<String>,
    /// `head spouse child parent grandchild grandparent sibling child_in_law other`
    pub relationship: String,
    /// `permanent floating`
    pub residence: String,
    pub tags: TagsDto,
    pub address: String,
    /// Unix time, milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Resident> for ResidentDto {
    fn from(r: Resident) -> Self {
        let t = r.tags;
        Self {
            id: r.id,
            household_id: r.household_id,
            name: r.name,
            gender: r.gender.as_str().into(),
            birth_date: r.birth_date,
            id_number_masked: r.id_mask,
            phone_masked: r.phone_mask,
            relationship: r.relationship.as_str().into(),
            residence: r.residence.as_str().into(),
            tags: TagsDto {
                party_member: t.party_member,
                volunteer: t.volunteer,
                elderly_alone: t.elderly_alone,
                disability_grade: t.disability_grade,
                low_income: t.low_income.map(|l| l.as_str().into()),
                child_in_difficulty: t.child_in_difficulty,
                family_doctor_key: t.family_doctor_key,
            },
            address: r.address,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentPage {
    pub items: Vec<ResidentDto>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

impl From<jingzhi_domain::paging::Page<Resident>> for ResidentPage {
    fn from(p: jingzhi_domain::paging::Page<Resident>) -> Self {
        Self {
            items: p.items.into_iter().map(Into::into).collect(),
            page: p.page,
            per_page: p.per_page,
            has_more: p.has_more,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentDetail {
    pub resident: ResidentDto,
    pub household: HouseholdDto,
    /// From the top of the caller's scope down to the building.
    pub ancestors: Vec<NodeDto>,
}

impl From<ResidentView> for ResidentDetail {
    fn from(v: ResidentView) -> Self {
        Self {
            resident: v.resident.into(),
            household: v.household.into(),
            ancestors: v.ancestors.into_iter().map(Into::into).collect(),
        }
    }
}

/// A resident's fields as entered. Codes or Chinese labels are accepted for the enumerations.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResidentFields {
    pub name: String,
    /// The 18-character ID-card number (checksum checked).
    pub id_number: String,
    /// `male`/`female` or 男/女; from the ID number when empty.
    pub gender: Option<String>,
    /// `YYYY-MM-DD`; from the ID number when empty.
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    /// Relationship to the household head; `other` when empty.
    pub relationship: Option<String>,
    /// `permanent`/`floating` or 常住/流动; `permanent` when empty.
    pub residence: Option<String>,
    pub party_member: bool,
    pub volunteer: bool,
    pub elderly_alone: bool,
    /// 1–4, or empty.
    pub disability_grade: Option<String>,
    /// `dibao tekun dibao_edge rigid_expense poverty_watch` (or Chinese), or empty.
    pub low_income: Option<String>,
    pub child_in_difficulty: bool,
    pub family_doctor_key: bool,
}

impl From<ResidentFields> for ResidentInput {
    fn from(f: ResidentFields) -> Self {
        Self {
            name: f.name,
            id_number: f.id_number,
            gender: f.gender,
            birth_date: f.birth_date,
            phone: f.phone,
            relationship: f.relationship,
            residence: f.residence,
            party_member: f.party_member,
            volunteer: f.volunteer,
            elderly_alone: f.elderly_alone,
            disability_grade: f.disability_grade,
            low_income: f.low_income,
            child_in_difficulty: f.child_in_difficulty,
            family_doctor_key: f.family_doctor_key,
        }
    }
}

/// A new resident in household `household_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResidentCreate {
    pub household_id: i64,
    #[serde(flatten)]
    pub fields: ResidentFields,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UnmaskRequest {
    /// Why the plain numbers are needed (2–200 characters); kept in the audit log.
    #[schema(min_length = 2, max_length = 200)]
    pub reason: String,
}

/// The plain numbers, after an audited unmask.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnmaskResponse {
    pub id_number: String,
    pub phone: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Audit, users, import

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    /// Unix time, milliseconds.
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

impl From<Record> for AuditDto {
    fn from(r: Record) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            before: r.before,
            after: r.after,
            reason: r.reason,
        }
    }
}

/// Newest first; pass `next_before` as `before` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditDto>,
    pub next_before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeDto {
    pub node_id: i64,
    pub code: String,
    pub name: String,
}

/// A user account (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: ScopeDto,
    pub department: Option<String>,
    pub resident_id: Option<i64>,
    pub disabled: bool,
    /// Locked for a while by failed sign-ins (an administrator can unlock it).
    pub locked: bool,
}

/// What "sign out everywhere" ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedOut {
    pub sessions_ended: i64,
    pub tokens_revoked: i64,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.as_str().into(),
            scope: ScopeDto {
                node_id: u.scope_node_id,
                code: u.scope_code,
                name: u.scope_name,
            },
            department: u.department,
            resident_id: u.resident_id,
            disabled: u.disabled,
            locked: u.locked_until > jingzhi_domain::time_fmt::now_ms(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserDto>,
    pub page: i64,
    pub per_page: i64,
}

/// A new user inside the caller's scope.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserCreate {
    pub username: String,
    pub password: String,
    /// `city-admin district-officer street-officer community-worker grid-worker steward
    /// department-staff resident auditor`
    pub role: String,
    /// The code of the node that is the user's scope.
    pub scope_code: String,
    pub display_name: Option<String>,
    pub department: Option<String>,
    /// Required for the `resident` role.
    pub resident_id: Option<i64>,
}

impl From<UserCreate> for jingzhi_app::auth::NewUserInput {
    fn from(c: UserCreate) -> Self {
        Self {
            username: c.username,
            password: c.password,
            role: c.role,
            scope_code: c.scope_code,
            display_name: c.display_name,
            department: c.department,
            resident_id: c.resident_id,
        }
    }
}

/// The multipart form of an import.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The roster, `.xlsx` or UTF-8 `.csv` with the template's Chinese headers (at most 20 MiB).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `true` to import the good rows and get the bad ones back as a file.
    pub skip_invalid: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// Spreadsheet row, the header being row 1.
    pub row: usize,
    /// The Chinese column header.
    pub column: String,
    pub reason: String,
}

/// The bad rows, as a file in the input's format with an extra 错误原因 column.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectsDto {
    pub file_name: String,
    pub content_type: String,
    /// The file's bytes, base64.
    pub base64: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    pub rows: usize,
    pub households_created: usize,
    pub residents_created: usize,
    /// With `skip_invalid`: the rows that were not imported.
    pub errors: Vec<RowErrorDto>,
    pub committed: bool,
    pub rejects: Option<RejectsDto>,
}

impl From<jingzhi_app::import::ImportReport> for ImportReportDto {
    fn from(r: jingzhi_app::import::ImportReport) -> Self {
        use base64::Engine;
        Self {
            rows: r.rows,
            households_created: r.households_created,
            residents_created: r.residents_created,
            errors: r
                .errors
                .into_iter()
                .map(|e| RowErrorDto {
                    row: e.row,
                    column: e.column,
                    reason: e.reason,
                })
                .collect(),
            committed: r.committed,
            rejects: r.rejects.map(|f| RejectsDto {
                file_name: f.file_name,
                content_type: f.content_type.into(),
                base64: base64::engine::general_purpose::STANDARD.encode(&f.bytes),
            }),
        }
    }
}
