//! The OpenAPI schemas of the answers that handlers serialise straight from the app's and the
//! store's types (events, whistles, rounds, metrics, duplicates): those crates know nothing of
//! HTTP, so their shapes are described here, field for field, as they serialise. The enums are
//! built from the domain's own lists (`Status::ALL`, …) through serde, so they cannot drift;
//! the structs are checked against real answers by CI's schemathesis run
//! (`e2e/schemathesis.sh`, with real ids of the demo city for the routes that take one).
#![allow(dead_code)]

use jingzhi_domain::events::lifecycle::{Rating as DRating, Status};
use jingzhi_domain::events::whistle::{DeptStatus, WhistleStatus as DWhistleStatus};
use jingzhi_domain::events::{HandlerKind as DHandlerKind, Urgency as DUrgency};
use jingzhi_domain::registry::NodeKind as DNodeKind;
use jingzhi_domain::rounds::{
    FindingKind as DFindingKind, MonthStatus as DMonthStatus, PostKind as DPostKind,
};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// A string schema whose values are those of a domain enum, as serde writes them.
fn enum_of<T: serde::Serialize>(description: &str, all: &[T]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(
            all.iter()
                .map(|v| serde_json::to_value(v).expect("an enum value serialises")),
        ))
        .into()
}

macro_rules! enum_schema {
    ($(#[doc = $doc:literal])* $name:ident, $all:expr) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                enum_of(concat!($($doc),*).trim(), &$all)
            }
        }
        impl ToSchema for $name {}
    };
}

enum_schema!(
    /// The state of an event in its lifecycle.
    EventStatus,
    Status::ALL
);
enum_schema!(
    /// How urgent an event is (it sets the deadline).
    Urgency,
    DUrgency::ALL
);
enum_schema!(
    /// A reporter's (or a community's) rating.
    Rating,
    DRating::ALL
);
enum_schema!(
    /// Who handles an event.
    HandlerKind,
    DHandlerKind::ALL
);
enum_schema!(
    /// The state of a whistle (吹哨报到).
    WhistleStatus,
    DWhistleStatus::ALL
);
enum_schema!(
    /// The state of one summoned department.
    DepartmentStatus,
    DeptStatus::ALL
);
enum_schema!(
    /// The level of a place in the tree.
    NodeKind,
    DNodeKind::ALL
);
enum_schema!(
    /// Who holds a post: a steward (小巷管家) or a grid worker.
    PostKind,
    DPostKind::ALL
);
enum_schema!(
    /// What a visit found.
    FindingKind,
    DFindingKind::ALL
);
enum_schema!(
    /// A specialist's month: served, missed, pending (this month) or not assigned.
    MonthStatus,
    [
        DMonthStatus::Served,
        DMonthStatus::Missed,
        DMonthStatus::Pending,
        DMonthStatus::NotAssigned,
    ]
);

// ---------------------------------------------------------------------------------------------
// Events

/// An event (事件). Times are milliseconds since the Unix epoch.
#[derive(ToSchema)]
pub struct Event {
    pub id: i64,
    /// Path of the place (building or grid) it is located in.
    pub path: String,
    pub node_id: i64,
    pub category_code: String,
    pub category_name: String,
    pub urgency: Urgency,
    pub status: EventStatus,
    /// How often it was sent back after a resolution.
    #[schema(minimum = 0)]
    pub reopened: u32,
    #[schema(minimum = 0)]
    pub escalations: u32,
    /// How it came in: `resident staff hotline open311 round`.
    pub source: String,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    /// As the reporter wrote it (plain text, never HTML).
    pub description: String,
    /// Answers to the category's questions, by question code.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<serde_json::Value>,
    /// Longitude (WGS84) of the reported point.
    pub x: Option<f64>,
    /// Latitude (WGS84).
    pub y: Option<f64>,
    pub merged_into: Option<i64>,
    pub invalid_reason: Option<String>,
    pub result: Option<String>,
    pub rating: Option<Rating>,
    pub reported_at: i64,
    pub deadline_at: i64,
    pub responded_at: Option<i64>,
    pub first_resolved_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rated_at: Option<i64>,
    pub whistled: bool,
    pub updated_at: i64,
}

/// A step of an event's timeline.
#[derive(ToSchema)]
pub struct Transition {
    pub id: i64,
    pub event_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// `report`, `whistle` or a lifecycle command (`accept`, `dispatch`, …).
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

/// A handler of the current dispatch.
#[derive(ToSchema)]
pub struct Assignment {
    /// `lead co_handler notified`
    pub role: String,
    /// `grid_worker community property_company department`
    pub handler_kind: String,
    pub handler_name: String,
    pub assigned_at: i64,
}

/// A photo of an event, without its bytes (`GET …/attachments/{attachment_id}` serves them).
#[derive(ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub event_id: i64,
    /// The timeline entry it came with.
    pub transition_id: Option<i64>,
    pub file_name: String,
    /// `image/jpeg image/png image/webp`
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

/// The joint on-site inspection (联合踏勘) of a whistle.
#[derive(ToSchema)]
pub struct Inspection {
    pub at: i64,
    pub participants: String,
    pub findings: String,
    pub solution: String,
}

/// One summoned department of a whistle.
#[derive(ToSchema)]
pub struct Summons {
    pub department: String,
    pub status: DepartmentStatus,
    pub reported_in_at: Option<i64>,
    pub task: Option<String>,
    pub task_done_at: Option<i64>,
    pub rating: Option<Rating>,
}

/// The state of a whistle.
#[derive(ToSchema)]
pub struct WhistleState {
    pub status: WhistleStatus,
    pub urgency: Urgency,
    pub blown_at: i64,
    /// When every department must have reported in.
    pub report_in_deadline: i64,
    pub departments: Vec<Summons>,
}

/// A whistle (吹哨报到) on an event.
#[derive(ToSchema)]
pub struct Whistle {
    pub id: i64,
    pub event_id: i64,
    pub path: String,
    pub reason: String,
    pub blown_by: String,
    pub inspection: Option<Inspection>,
    pub done_at: Option<i64>,
    pub whistle: WhistleState,
}

/// An event with its timeline, handlers, whistles and photos.
#[derive(ToSchema)]
pub struct EventView {
    pub event: Event,
    /// Open and past its deadline.
    pub overdue: bool,
    pub timeline: Vec<Transition>,
    pub handlers: Vec<Assignment>,
    pub whistles: Vec<Whistle>,
    /// Photos of the report and of the transitions (`transition_id` ties them to the timeline).
    pub attachments: Vec<Attachment>,
}

/// An extra question of a category (an Open311 service attribute).
#[derive(ToSchema)]
pub struct Question {
    pub code: String,
    pub text: String,
    pub required: bool,
    /// Allowed answers; empty means free text.
    pub choices: Vec<String>,
}

/// A category of events.
#[derive(ToSchema)]
pub struct Category {
    /// Stable code, `[a-z0-9_]` (the Open311 `service_code`).
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub handler: HandlerKind,
    /// For `department`: which department by default.
    pub department: Option<String>,
    pub questions: Vec<Question>,
}

/// A category with its place in the list and whether it is still offered.
#[derive(ToSchema)]
pub struct CategoryEntry {
    pub category: Category,
    pub sort_order: i32,
    pub active: bool,
}

/// An event that is likely the same problem.
#[derive(ToSchema)]
pub struct DuplicateCandidate {
    pub id: i64,
    pub path: String,
    pub category_code: String,
    pub category_name: String,
    pub status: EventStatus,
    pub description: String,
    pub reporter_name: String,
    pub x: f64,
    pub y: f64,
    pub reported_at: i64,
}

/// How alike two events are.
#[derive(ToSchema)]
pub struct DuplicateScore {
    /// 0–1: 0.5 × text similarity + 0.3 × closeness + 0.2 × recency.
    pub score: f64,
    pub distance_m: f64,
    pub hours_apart: f64,
    pub text_similarity: f64,
}

/// A duplicate suggestion.
#[derive(ToSchema)]
pub struct DuplicateSuggestion {
    pub event: DuplicateCandidate,
    pub score: DuplicateScore,
}

// ---------------------------------------------------------------------------------------------
// Metrics (docs/metrics.md)

/// A place named in the metrics.
#[derive(ToSchema)]
pub struct PlaceRef {
    pub id: i64,
    pub name: String,
    pub kind: NodeKind,
}

/// Event counts of a place and period.
#[derive(ToSchema)]
pub struct MetricCounts {
    pub reported: i64,
    pub responded_in_time: i64,
    pub valid: i64,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub satisfied: i64,
    pub fairly_satisfied: i64,
    pub dissatisfied: i64,
    pub whistled: i64,
    pub hotline: i64,
}

/// Rates (0–1; null when there is nothing to divide by).
#[derive(ToSchema)]
pub struct MetricRates {
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub whistle_rate: Option<f64>,
}

#[derive(ToSchema)]
pub struct MetricMonth {
    /// `YYYYMM`
    pub month: i32,
    /// `YYYY-MM`
    pub label: String,
    pub counts: MetricCounts,
    pub rates: MetricRates,
}

#[derive(ToSchema)]
pub struct MetricCategory {
    pub code: String,
    pub name: String,
    pub events: i64,
}

#[derive(ToSchema)]
pub struct MetricChild {
    pub place: PlaceRef,
    pub counts: MetricCounts,
    pub rates: MetricRates,
    /// 12345 calls per month of the period.
    pub hotline_by_month: Vec<i64>,
}

#[derive(ToSchema)]
pub struct DepartmentCounts {
    pub department: String,
    pub summoned: i64,
    pub reported_in: i64,
    pub reported_in_on_time: i64,
    pub report_in_ms_total: i64,
    pub tasks: i64,
    pub tasks_done: i64,
    pub satisfied: i64,
    pub fairly_satisfied: i64,
    pub dissatisfied: i64,
}

#[derive(ToSchema)]
pub struct DepartmentRates {
    pub on_time_report_in_rate: Option<f64>,
    pub mean_report_in_minutes: Option<f64>,
    pub task_completion_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

#[derive(ToSchema)]
pub struct MetricDepartment {
    pub counts: DepartmentCounts,
    pub rates: DepartmentRates,
}

/// The event metrics of a place and period.
#[derive(ToSchema)]
pub struct Dashboard {
    pub place: PlaceRef,
    pub ancestors: Vec<PlaceRef>,
    pub from_ms: i64,
    pub to_ms: i64,
    /// `rollup` or `events`: where the counts came from.
    pub counted_from: String,
    pub counts: MetricCounts,
    pub rates: MetricRates,
    pub by_month: Vec<MetricMonth>,
    pub by_category: Vec<MetricCategory>,
    pub by_child: Vec<MetricChild>,
    pub departments: Vec<MetricDepartment>,
}

// ---------------------------------------------------------------------------------------------
// Rounds (docs/rounds.md)

/// A place of the tree, as the rounds answers carry it.
#[derive(ToSchema)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: i32,
    /// GeoJSON geometry (a Polygon), for areas.
    pub boundary: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub units: Option<i32>,
    pub floors: Option<i32>,
}

/// A post: the buildings of one grid a steward or grid worker looks after.
#[derive(ToSchema)]
pub struct Post {
    pub id: i64,
    pub kind: PostKind,
    pub user_id: Option<i64>,
    pub holder_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub path: String,
    /// Number of buildings.
    pub buildings: i64,
    pub updated_at: i64,
}

/// A building of a grid with the posts that hold it (`[post id, holder]`).
#[derive(ToSchema)]
pub struct GridBuilding {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    pub households: i64,
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    pub steward_post: Option<(i64, String)>,
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    pub grid_worker_post: Option<(i64, String)>,
}

/// A post with its grid and buildings.
#[derive(ToSchema)]
pub struct PostView {
    pub post: Post,
    pub grid: Place,
    pub buildings: Vec<GridBuilding>,
    pub households: i64,
}

#[derive(ToSchema)]
pub struct PostPage {
    pub items: Vec<Post>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// Something a visit found; `event_id` once it was reported as an event.
#[derive(ToSchema)]
pub struct Finding {
    pub id: i64,
    pub visit_id: i64,
    pub path: String,
    pub kind: FindingKind,
    pub text: String,
    pub event_id: Option<i64>,
}

/// A visit (民情日志) to a household.
#[derive(ToSchema)]
pub struct Visit {
    pub id: i64,
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    pub post_id: Option<i64>,
    pub path: String,
    pub visitor_user_id: Option<i64>,
    pub visitor_name: String,
    pub visited_at: i64,
    pub note: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(ToSchema)]
pub struct VisitPage {
    pub items: Vec<Visit>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// Coverage of a grid.
#[derive(ToSchema)]
pub struct CoverageRow {
    pub id: i64,
    pub name: String,
    pub households: i64,
    pub covered: i64,
}

#[derive(ToSchema)]
pub struct CoverageRowPage {
    pub items: Vec<CoverageRow>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// Posts with their coverage: each item is `[post, households, covered]`.
#[derive(ToSchema)]
pub struct PostCoveragePage {
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub items: Vec<Vec<()>>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// Visit coverage below a place over the last `days` days.
#[derive(ToSchema)]
pub struct Coverage {
    pub node: Place,
    pub days: i64,
    /// Visits since this instant count.
    pub cutoff: i64,
    pub households: i64,
    pub covered: i64,
    pub uncovered: i64,
    pub grids: CoverageRowPage,
    pub posts: PostCoveragePage,
}

/// A household not visited in the period.
#[derive(ToSchema)]
pub struct UncoveredHousehold {
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    /// The last visit ever, if any.
    pub last_at: Option<i64>,
}

#[derive(ToSchema)]
pub struct UncoveredPage {
    pub items: Vec<UncoveredHousehold>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// A grid service specialist (双报到).
#[derive(ToSchema)]
pub struct Specialist {
    pub id: i64,
    pub grid_id: i64,
    pub grid_name: String,
    pub path: String,
    pub name: String,
    pub department: String,
    pub party_org: String,
    /// The phone number, masked.
    pub phone_mask: Option<String>,
    pub user_id: Option<i64>,
    /// `YYYY-MM`
    pub since: String,
    /// `YYYY-MM`; absent while serving.
    pub until: Option<String>,
}

#[derive(ToSchema)]
pub struct SpecialistPage {
    pub items: Vec<Specialist>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// A service a specialist logged for a month.
#[derive(ToSchema)]
pub struct Service {
    pub id: i64,
    pub specialist_id: i64,
    /// `YYYY-MM`
    pub month: String,
    pub content: String,
    pub logged_by_name: String,
    pub created_at: i64,
}

#[derive(ToSchema)]
pub struct ComplianceRow {
    pub specialist: Specialist,
    /// One per month of `months`.
    pub months: Vec<MonthStatus>,
    /// The months missed (`YYYY-MM`).
    pub missed: Vec<String>,
}

/// Monthly service compliance of specialists.
#[derive(ToSchema)]
pub struct Compliance {
    pub from: String,
    pub to: String,
    pub current: String,
    pub months: Vec<String>,
    pub rows: Vec<ComplianceRow>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

// ---------------------------------------------------------------------------------------------
// Communities of the right size (docs/districting.md)

enum_schema!(
    /// Where a redistricting plan stands.
    PlanStatus,
    [
        jingzhi_domain::districting::approval::Status::Draft,
        jingzhi_domain::districting::approval::Status::InReview,
        jingzhi_domain::districting::approval::Status::Approved,
        jingzhi_domain::districting::approval::Status::Rejected,
        jingzhi_domain::districting::approval::Status::Applied,
    ]
);
enum_schema!(
    /// A step of the approval procedure.
    ApprovalStep,
    jingzhi_domain::districting::approval::Step::ALL
);
enum_schema!(
    /// `split`: split oversized communities; `street`: redraw a whole street.
    PlanMode,
    [
        jingzhi_domain::districting::Mode::Split,
        jingzhi_domain::districting::Mode::Street,
    ]
);

/// A community above the cap.
#[derive(ToSchema)]
pub struct Oversized {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    pub street_id: Option<i64>,
    pub street_code: Option<String>,
    pub street_name: Option<String>,
    pub households: i64,
    pub residents: i64,
}

/// A building of the graph.
#[derive(ToSchema)]
pub struct GraphNode {
    /// The building's unified code.
    pub id: String,
    #[schema(minimum = 0)]
    pub households: u32,
    pub compound: String,
    pub community: String,
    pub grid: String,
    pub x: f64,
    pub y: f64,
}

/// The building graph (`jingzhi redistrict export-graph`); each edge is `[code, code]`.
#[derive(ToSchema)]
pub struct Graph {
    #[schema(minimum = 0)]
    pub cap: u32,
    #[schema(minimum = 0)]
    pub min: u32,
    pub nodes: Vec<GraphNode>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub edges: Vec<(String, String)>,
}

/// A community of a plan with its buildings.
#[derive(ToSchema)]
pub struct PlanPart {
    pub community: String,
    pub buildings: Vec<String>,
    #[schema(minimum = 0)]
    pub households: u32,
    pub new: bool,
    pub kept: bool,
}

/// Why no valid plan exists for some units: `kind` is `compound_over_cap piece_too_small
/// no_part_count bad_bounds not_found`; the other fields depend on it.
#[derive(ToSchema)]
pub struct Infeasible {
    pub kind: String,
    pub compound: Option<String>,
    pub households: Option<u32>,
    pub min: Option<u32>,
    pub cap: Option<u32>,
    pub units: Option<Vec<String>>,
}

/// A plan (`jingzhi redistrict plan`).
#[derive(ToSchema)]
pub struct PlanOutput {
    pub parts: Vec<PlanPart>,
    /// The plan's measures (docs/districting.md).
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
    pub infeasible: Vec<Infeasible>,
    pub mode: Option<PlanMode>,
    pub seed: Option<u64>,
    /// Each building's community before the plan.
    pub before: std::collections::BTreeMap<String, String>,
}

/// A saved plan.
#[derive(ToSchema)]
pub struct PlanRow {
    pub id: i64,
    pub scope_node_id: i64,
    pub scope_code: String,
    pub path: String,
    pub mode: String,
    pub seed: i64,
    pub cap: i64,
    pub min_households: i64,
    pub status: String,
    pub title: String,
    /// The plan (JSON text).
    pub plan_json: String,
    pub metrics_json: String,
    pub departments_json: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub decided_at: Option<i64>,
    pub applied_at: Option<i64>,
}

#[derive(ToSchema)]
pub struct PlanStepRow {
    pub id: i64,
    pub step: String,
    pub seq: i64,
    pub record: String,
    pub documents: Vec<String>,
    pub decision: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

#[derive(ToSchema)]
pub struct PlanComment {
    pub id: i64,
    pub body: String,
    pub author_name: String,
    pub at: i64,
}

#[derive(ToSchema)]
pub struct PlanVote {
    pub id: i64,
    pub department: String,
    pub vote: String,
    pub note: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

/// A place moved by an applied plan.
#[derive(ToSchema)]
pub struct NodeMove {
    pub id: i64,
    pub plan_id: i64,
    pub node_id: i64,
    pub node_kind: String,
    pub node_code: String,
    pub node_name: String,
    pub from_parent_id: i64,
    pub from_parent_name: String,
    pub to_parent_id: i64,
    pub to_parent_name: String,
    pub from_path: String,
    pub to_path: String,
    pub at: i64,
}

/// A saved plan with its approval record.
#[derive(ToSchema)]
pub struct PlanView {
    pub plan: PlanRow,
    pub status: PlanStatus,
    pub output: PlanOutput,
    pub departments: Vec<String>,
    pub steps: Vec<PlanStepRow>,
    pub next_step: Option<ApprovalStep>,
    pub comments: Vec<PlanComment>,
    pub votes: Vec<PlanVote>,
    pub moves: Vec<NodeMove>,
}

/// What applying a plan created and moved.
#[derive(ToSchema)]
pub struct ApplyReport {
    pub communities_created: Vec<String>,
    pub grids_created: Vec<String>,
    #[schema(minimum = 0)]
    pub nodes_moved: usize,
    #[schema(minimum = 0)]
    pub households_moved: u64,
}

/// A hand correction of the graph, as recorded.
#[derive(ToSchema)]
pub struct EdgeRecorded {
    pub id: i64,
}
