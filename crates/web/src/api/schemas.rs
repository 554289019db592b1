//! The API's contract for events, whistles, duplicates, metrics, rounds and districting: the
//! DTOs those handlers answer (the register's, audit's, users' and import's are in
//! [`super::dto`]; a module with one or two answers keeps its `…Dto` beside its handlers). Each
//! DTO is converted from the app's or the store's type with `From` (`dto_from!` names every
//! field of the source, so a field added or renamed below fails to compile here instead of
//! changing the public JSON); the field names, types and presence are those the API answered
//! when it serialised the source types directly. The enums stay the domain's own (serialised by
//! serde, documented with `value_type`); their schemas are built from the domain's lists
//! (`Status::ALL`, …) through serde, so they cannot drift. The graph and plan of districting are
//! the command line's file formats, converted here too; a plan's `infeasible` reasons and
//! `metrics` stay the domain's (docs/districting.md). tests/api_answers.rs fails when a handler
//! answers anything but a DTO of this crate; CI's schemathesis run (`e2e/schemathesis.sh`)
//! checks real answers against these schemas.
#![allow(dead_code)]

use jingzhi_app::events as se;
use jingzhi_domain::events::category::{Category as DCategory, Question as DQuestion};
use jingzhi_domain::events::duplicates::Score as DScore;
use jingzhi_domain::events::lifecycle::{Rating as DRating, Status};
use jingzhi_domain::events::whistle::{
    DeptStatus, Summons as DSummons, Whistle as DWhistle, WhistleStatus as DWhistleStatus,
};
use jingzhi_domain::events::{HandlerKind as DHandlerKind, Urgency as DUrgency};
use jingzhi_domain::registry::NodeKind as DNodeKind;
use jingzhi_domain::rounds::{
    FindingKind as DFindingKind, MonthStatus as DMonthStatus, PostKind as DPostKind,
};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// `impl From<Source> for Dto`, naming every field of the source without `..`: a field added to
/// (or renamed in) the app's or the store's type stops this from compiling until the answer
/// decides about it, and the JSON name of every answered field is the DTO's own. Plain fields
/// are moved; those under `into` converted with `Into`, `opt` inside an `Option`, `vec` element
/// by element.
macro_rules! dto_from {
    ($($src:ident)::+ => $dst:ident { $($f:ident),* $(,)? }
        $(into { $($i:ident),* $(,)? })?
        $(opt { $($o:ident),* $(,)? })?
        $(vec { $($v:ident),* $(,)? })?) => {
        impl From<$($src)::+> for $dst {
            fn from(s: $($src)::+) -> Self {
                let $($src)::+ { $($f,)* $($($i,)*)? $($($o,)*)? $($($v,)*)? } = s;
                Self {
                    $($f,)*
                    $($($i: $i.into(),)*)?
                    $($($o: $o.map(Into::into),)*)?
                    $($($v: $v.into_iter().map(Into::into).collect(),)*)?
                }
            }
        }
    };
}

/// `From<Page<Source>> for DtoPage`: `{items, page, per_page, has_more}`.
macro_rules! page_from {
    ($src:ty => $dst:ident) => {
        impl From<jingzhi_domain::paging::Page<$src>> for $dst {
            fn from(p: jingzhi_domain::paging::Page<$src>) -> Self {
                let jingzhi_domain::paging::Page {
                    items,
                    page,
                    per_page,
                    has_more,
                } = p;
                Self {
                    items: items.into_iter().map(Into::into).collect(),
                    page,
                    per_page,
                    has_more,
                }
            }
        }
    };
}

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
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    /// Path of the place (building or grid) it is located in.
    pub path: String,
    pub node_id: i64,
    pub category_code: String,
    pub category_name: String,
    #[schema(value_type = Urgency)]
    pub urgency: DUrgency,
    #[schema(value_type = EventStatus)]
    pub status: Status,
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
    #[schema(value_type = Option<Rating>)]
    pub rating: Option<DRating>,
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

impl From<se::Event> for Event {
    fn from(e: se::Event) -> Self {
        let se::Event {
            id,
            path,
            node_id,
            category_code,
            category_name,
            urgency,
            status,
            reopened,
            escalations,
            source,
            reporter_user_id,
            reporter_name,
            description,
            answers,
            x,
            y,
            merged_into,
            invalid_reason,
            result,
            rating,
            reported_at,
            deadline_at,
            responded_at,
            first_resolved_at,
            resolved_at,
            closed_at,
            rated_at,
            whistled,
            updated_at,
        } = e;
        Self {
            id,
            path,
            node_id,
            category_code,
            category_name,
            urgency,
            status,
            reopened,
            escalations,
            source,
            reporter_user_id,
            reporter_name,
            description,
            answers,
            x,
            y,
            merged_into,
            invalid_reason,
            result,
            rating,
            reported_at,
            deadline_at,
            responded_at,
            first_resolved_at,
            resolved_at,
            closed_at,
            rated_at,
            whistled,
            updated_at,
        }
    }
}

/// A step of an event's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    pub id: i64,
    pub event_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// The actor's role (`community_worker`, …), when the actor is a user.
    pub actor_role: Option<String>,
    /// A note residents do not see (内部备注).
    pub internal: bool,
    /// `report`, `whistle` or a lifecycle command (`accept`, `dispatch`, …).
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

impl From<se::Transition> for Transition {
    fn from(t: se::Transition) -> Self {
        let se::Transition {
            id,
            event_id,
            at,
            actor_id,
            actor_name,
            actor_role,
            internal,
            command,
            from_status,
            to_status,
            note,
        } = t;
        Self {
            id,
            event_id,
            at,
            actor_id,
            actor_name,
            actor_role,
            internal,
            command,
            from_status,
            to_status,
            note,
        }
    }
}

/// A handler of the current dispatch.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    /// `lead co_handler notified`
    pub role: String,
    /// `grid_worker community property_company department`
    pub handler_kind: String,
    pub handler_name: String,
    /// A department handler's registry code.
    pub handler_code: Option<String>,
    pub assigned_at: i64,
}

impl From<se::Assignment> for Assignment {
    fn from(a: se::Assignment) -> Self {
        let se::Assignment {
            role,
            handler_kind,
            handler_name,
            handler_code,
            assigned_at,
        } = a;
        Self {
            role,
            handler_kind,
            handler_name,
            handler_code,
            assigned_at,
        }
    }
}

/// A photo of an event, without its bytes (`GET …/attachments/{attachment_id}` serves them).
#[derive(Debug, Serialize, ToSchema)]
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

impl From<se::AttachmentMeta> for Attachment {
    fn from(a: se::AttachmentMeta) -> Self {
        let se::AttachmentMeta {
            id,
            event_id,
            transition_id,
            file_name,
            content_type,
            size_bytes,
            width,
            height,
            sha256,
            uploaded_at,
        } = a;
        Self {
            id,
            event_id,
            transition_id,
            file_name,
            content_type,
            size_bytes,
            width,
            height,
            sha256,
            uploaded_at,
        }
    }
}

/// The joint on-site inspection (联合踏勘) of a whistle.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inspection {
    pub at: i64,
    pub participants: String,
    pub findings: String,
    pub solution: String,
}

impl From<se::Inspection> for Inspection {
    fn from(i: se::Inspection) -> Self {
        let se::Inspection {
            at,
            participants,
            findings,
            solution,
        } = i;
        Self {
            at,
            participants,
            findings,
            solution,
        }
    }
}

/// One summoned department of a whistle.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summons {
    pub department: String,
    #[schema(value_type = DepartmentStatus)]
    pub status: DeptStatus,
    pub reported_in_at: Option<i64>,
    pub task: Option<String>,
    pub task_done_at: Option<i64>,
    #[schema(value_type = Option<Rating>)]
    pub rating: Option<DRating>,
}

impl From<DSummons> for Summons {
    fn from(s: DSummons) -> Self {
        let DSummons {
            department,
            status,
            reported_in_at,
            task,
            task_done_at,
            rating,
        } = s;
        Self {
            department,
            status,
            reported_in_at,
            task,
            task_done_at,
            rating,
        }
    }
}

/// The state of a whistle.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhistleState {
    #[schema(value_type = WhistleStatus)]
    pub status: DWhistleStatus,
    #[schema(value_type = Urgency)]
    pub urgency: DUrgency,
    pub blown_at: i64,
    /// When every department must have reported in.
    pub report_in_deadline: i64,
    pub departments: Vec<Summons>,
}

impl From<DWhistle> for WhistleState {
    fn from(w: DWhistle) -> Self {
        let DWhistle {
            status,
            urgency,
            blown_at,
            report_in_deadline,
            departments,
        } = w;
        Self {
            status,
            urgency,
            blown_at,
            report_in_deadline,
            departments: departments.into_iter().map(Into::into).collect(),
        }
    }
}

/// A whistle (吹哨报到) on an event.
#[derive(Debug, Serialize, ToSchema)]
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

impl From<se::WhistleRow> for Whistle {
    fn from(w: se::WhistleRow) -> Self {
        let se::WhistleRow {
            id,
            event_id,
            path,
            reason,
            blown_by,
            inspection,
            done_at,
            whistle,
        } = w;
        Self {
            id,
            event_id,
            path,
            reason,
            blown_by,
            inspection: inspection.map(Into::into),
            done_at,
            whistle: whistle.into(),
        }
    }
}

/// An event with its timeline, handlers, whistles and photos.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub event: Event,
    /// Open and past its deadline.
    pub overdue: bool,
    pub timeline: Vec<Transition>,
    pub handlers: Vec<Assignment>,
    pub whistles: Vec<Whistle>,
    /// Photos of the report and of the transitions (`transition_id` ties them to the timeline).
    pub attachments: Vec<Attachment>,
    /// Residents who said "我也遇到了".
    pub supporters: i64,
}

impl From<jingzhi_app::events::EventView> for EventView {
    fn from(v: jingzhi_app::events::EventView) -> Self {
        let jingzhi_app::events::EventView {
            event,
            overdue,
            timeline,
            handlers,
            whistles,
            attachments,
            supporters,
        } = v;
        Self {
            event: event.into(),
            overdue,
            timeline: timeline.into_iter().map(Into::into).collect(),
            handlers: handlers.into_iter().map(Into::into).collect(),
            whistles: whistles.into_iter().map(Into::into).collect(),
            attachments: attachments.into_iter().map(Into::into).collect(),
            supporters,
        }
    }
}

/// An extra question of a category (an Open311 service attribute).
#[derive(Debug, Serialize, ToSchema)]
pub struct Question {
    pub code: String,
    pub text: String,
    pub required: bool,
    /// Allowed answers; empty means free text.
    pub choices: Vec<String>,
}

impl From<DQuestion> for Question {
    fn from(q: DQuestion) -> Self {
        let DQuestion {
            code,
            text,
            required,
            choices,
        } = q;
        Self {
            code,
            text,
            required,
            choices,
        }
    }
}

/// A category of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct Category {
    /// Stable code, `[a-z0-9_]` (the Open311 `service_code`).
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    #[schema(value_type = HandlerKind)]
    pub handler: DHandlerKind,
    /// For `department`: which department by default.
    pub department: Option<String>,
    pub questions: Vec<Question>,
}

impl From<DCategory> for Category {
    fn from(c: DCategory) -> Self {
        let DCategory {
            code,
            name,
            parent_code,
            handler,
            department,
            questions,
        } = c;
        Self {
            code,
            name,
            parent_code,
            handler,
            department,
            questions: questions.into_iter().map(Into::into).collect(),
        }
    }
}

/// A category with its place in the list and whether it is still offered.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryEntry {
    pub category: Category,
    pub sort_order: i32,
    pub active: bool,
}

impl From<se::CategoryRow> for CategoryEntry {
    fn from(c: se::CategoryRow) -> Self {
        let se::CategoryRow {
            category,
            sort_order,
            active,
        } = c;
        Self {
            category: category.into(),
            sort_order,
            active,
        }
    }
}

/// An event that is likely the same problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub id: i64,
    pub path: String,
    pub category_code: String,
    pub category_name: String,
    #[schema(value_type = EventStatus)]
    pub status: Status,
    pub description: String,
    pub reporter_name: String,
    pub x: f64,
    pub y: f64,
    pub reported_at: i64,
}

impl From<jingzhi_app::duplicates::Candidate> for DuplicateCandidate {
    fn from(c: jingzhi_app::duplicates::Candidate) -> Self {
        let jingzhi_app::duplicates::Candidate {
            id,
            path,
            category_code,
            category_name,
            status,
            description,
            reporter_name,
            x,
            y,
            reported_at,
        } = c;
        Self {
            id,
            path,
            category_code,
            category_name,
            status,
            description,
            reporter_name,
            x,
            y,
            reported_at,
        }
    }
}

/// How alike two events are.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateScore {
    /// 0–1: 0.5 × text similarity + 0.3 × closeness + 0.2 × recency.
    pub score: f64,
    pub distance_m: f64,
    pub hours_apart: f64,
    pub text_similarity: f64,
}

impl From<DScore> for DuplicateScore {
    fn from(s: DScore) -> Self {
        let DScore {
            score,
            distance_m,
            hours_apart,
            text_similarity,
        } = s;
        Self {
            score,
            distance_m,
            hours_apart,
            text_similarity,
        }
    }
}

/// A duplicate suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateSuggestion {
    pub event: DuplicateCandidate,
    pub score: DuplicateScore,
}

impl From<jingzhi_app::duplicates::Suggestion> for DuplicateSuggestion {
    fn from(s: jingzhi_app::duplicates::Suggestion) -> Self {
        let jingzhi_app::duplicates::Suggestion { event, score } = s;
        Self {
            event: event.into(),
            score: score.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics (docs/metrics.md)

/// A place named in the metrics.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceRef {
    pub id: i64,
    pub name: String,
    #[schema(value_type = NodeKind)]
    pub kind: DNodeKind,
}

dto_from!(jingzhi_app::metrics::PlaceRef => PlaceRef { id, name, kind });

/// Event counts of a place and period.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_domain::events::metrics::Counts => MetricCounts {
    reported, responded_in_time, valid, resolved, resolved_on_time, satisfied,
    fairly_satisfied, dissatisfied, whistled, hotline,
});

/// Rates (0–1; null when there is nothing to divide by).
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricRates {
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub whistle_rate: Option<f64>,
}

dto_from!(jingzhi_domain::events::metrics::Rates => MetricRates {
    response_rate, resolution_rate, satisfaction_rate, on_time_rate, whistle_rate,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricMonth {
    /// `YYYYMM`
    pub month: i32,
    /// `YYYY-MM`
    pub label: String,
    pub counts: MetricCounts,
    pub rates: MetricRates,
}

dto_from!(jingzhi_app::metrics::MonthRow => MetricMonth { month, label } into { counts, rates });

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricCategory {
    pub code: String,
    pub name: String,
    pub events: i64,
}

dto_from!(jingzhi_app::metrics::CategoryRow => MetricCategory { code, name, events });

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricChild {
    pub place: PlaceRef,
    pub counts: MetricCounts,
    pub rates: MetricRates,
    /// 12345 calls per month of the period.
    pub hotline_by_month: Vec<i64>,
}

dto_from!(jingzhi_app::metrics::ChildRow => MetricChild { hotline_by_month } into { place, counts, rates });

#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_domain::events::metrics::DepartmentCounts => DepartmentCounts {
    department, summoned, reported_in, reported_in_on_time, report_in_ms_total, tasks,
    tasks_done, satisfied, fairly_satisfied, dissatisfied,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentRates {
    pub on_time_report_in_rate: Option<f64>,
    pub mean_report_in_minutes: Option<f64>,
    pub task_completion_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

dto_from!(jingzhi_domain::events::metrics::DepartmentRates => DepartmentRates {
    on_time_report_in_rate, mean_report_in_minutes, task_completion_rate, satisfaction_rate,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricDepartment {
    /// The department's registry code.
    pub code: String,
    pub counts: DepartmentCounts,
    pub rates: DepartmentRates,
}

dto_from!(jingzhi_app::metrics::DepartmentRow => MetricDepartment { code } into { counts, rates });

/// The event metrics of a place and period.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::metrics::Dashboard => Dashboard { from_ms, to_ms }
    into { place, counted_from, counts, rates }
    vec { ancestors, by_month, by_category, by_child, departments });

// ---------------------------------------------------------------------------------------------
// Rounds (docs/rounds.md)

/// A place of the tree, as the rounds answers carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    #[schema(value_type = NodeKind)]
    pub kind: DNodeKind,
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

dto_from!(jingzhi_app::registry::Node => Place {
    id, parent_id, kind, code, name, path, depth, boundary, x, y, units, floors,
});

/// A post: the buildings of one grid a steward or grid worker looks after.
#[derive(Debug, Serialize, ToSchema)]
pub struct Post {
    pub id: i64,
    #[schema(value_type = PostKind)]
    pub kind: DPostKind,
    pub user_id: Option<i64>,
    pub holder_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub path: String,
    /// Number of buildings.
    pub buildings: i64,
    pub updated_at: i64,
}

dto_from!(jingzhi_app::rounds::Post => Post {
    id, kind, user_id, holder_name, grid_id, grid_name, path, buildings, updated_at,
});

/// A building of a grid with the posts that hold it (`[post id, holder]`).
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::rounds::GridBuilding => GridBuilding {
    id, code, name, path, households, steward_post, grid_worker_post,
});

/// A post with its grid and buildings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostView {
    pub post: Post,
    pub grid: Place,
    pub buildings: Vec<GridBuilding>,
    pub households: i64,
}

dto_from!(jingzhi_app::rounds::PostView => PostView { households } into { post, grid } vec { buildings });

#[derive(Debug, Serialize, ToSchema)]
pub struct PostPage {
    pub items: Vec<Post>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

page_from!(jingzhi_app::rounds::Post => PostPage);

/// Something a visit found; `event_id` once it was reported as an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    pub id: i64,
    pub visit_id: i64,
    pub path: String,
    #[schema(value_type = FindingKind)]
    pub kind: DFindingKind,
    pub text: String,
    pub event_id: Option<i64>,
}

dto_from!(jingzhi_app::rounds::FindingRow => Finding { id, visit_id, path, kind, text, event_id });

/// A visit (民情日志) to a household.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::rounds::Visit => Visit {
    id, household_id, address, building_id, post_id, path, visitor_user_id, visitor_name,
    visited_at, note,
} vec { findings });

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    pub items: Vec<Visit>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

page_from!(jingzhi_app::rounds::Visit => VisitPage);

/// Coverage of a grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageRow {
    pub id: i64,
    pub name: String,
    pub households: i64,
    pub covered: i64,
}

dto_from!(jingzhi_app::rounds::CoverageRow => CoverageRow { id, name, households, covered });

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageRowPage {
    pub items: Vec<CoverageRow>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

page_from!(jingzhi_app::rounds::CoverageRow => CoverageRowPage);

/// Posts with their coverage: each item is `[post, households, covered]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostCoveragePage {
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub items: Vec<(Post, i64, i64)>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

impl From<jingzhi_domain::paging::Page<(jingzhi_app::rounds::Post, i64, i64)>>
    for PostCoveragePage
{
    fn from(p: jingzhi_domain::paging::Page<(jingzhi_app::rounds::Post, i64, i64)>) -> Self {
        let jingzhi_domain::paging::Page {
            items,
            page,
            per_page,
            has_more,
        } = p;
        Self {
            items: items
                .into_iter()
                .map(|(post, households, covered)| (post.into(), households, covered))
                .collect(),
            page,
            per_page,
            has_more,
        }
    }
}

/// Visit coverage below a place over the last `days` days.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::rounds::CoverageView => Coverage {
    days, cutoff, households, covered, uncovered,
} into { node, grids, posts });

/// A household not visited in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredHousehold {
    pub household_id: i64,
    pub address: String,
    pub building_id: i64,
    /// The last visit ever, if any.
    pub last_at: Option<i64>,
}

dto_from!(jingzhi_app::rounds::Uncovered => UncoveredHousehold {
    household_id, address, building_id, last_at,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredPage {
    pub items: Vec<UncoveredHousehold>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

page_from!(jingzhi_app::rounds::Uncovered => UncoveredPage);

/// A grid service specialist (双报到).
#[derive(Debug, Serialize, ToSchema)]
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

impl From<jingzhi_app::rounds::Specialist> for Specialist {
    fn from(s: jingzhi_app::rounds::Specialist) -> Self {
        let jingzhi_app::rounds::Specialist {
            id,
            grid_id,
            grid_name,
            path,
            name,
            department,
            party_org,
            phone_mask,
            user_id,
            since,
            until,
        } = s;
        Self {
            id,
            grid_id,
            grid_name,
            path,
            name,
            department,
            party_org,
            phone_mask,
            user_id,
            since: since.to_string(),
            until: until.map(|m| m.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecialistPage {
    pub items: Vec<Specialist>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

page_from!(jingzhi_app::rounds::Specialist => SpecialistPage);

/// A service a specialist logged for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    pub id: i64,
    pub specialist_id: i64,
    /// `YYYY-MM`
    pub month: String,
    pub content: String,
    pub logged_by_name: String,
    pub created_at: i64,
}

impl From<jingzhi_app::rounds::Service> for Service {
    fn from(s: jingzhi_app::rounds::Service) -> Self {
        let jingzhi_app::rounds::Service {
            id,
            specialist_id,
            month,
            content,
            logged_by_name,
            created_at,
        } = s;
        Self {
            id,
            specialist_id,
            month: month.to_string(),
            content,
            logged_by_name,
            created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceRow {
    pub specialist: Specialist,
    /// One per month of `months`.
    #[schema(value_type = Vec<MonthStatus>)]
    pub months: Vec<DMonthStatus>,
    /// The months missed (`YYYY-MM`).
    pub missed: Vec<String>,
}

impl From<jingzhi_app::rounds::ComplianceRow> for ComplianceRow {
    fn from(r: jingzhi_app::rounds::ComplianceRow) -> Self {
        let jingzhi_app::rounds::ComplianceRow {
            specialist,
            months,
            missed,
        } = r;
        Self {
            specialist: specialist.into(),
            months,
            missed: missed.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Monthly service compliance of specialists.
#[derive(Debug, Serialize, ToSchema)]
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

impl From<jingzhi_app::rounds::ComplianceView> for Compliance {
    fn from(v: jingzhi_app::rounds::ComplianceView) -> Self {
        let jingzhi_app::rounds::ComplianceView {
            from,
            to,
            current,
            months,
            rows,
            page,
            per_page,
            has_more,
        } = v;
        Self {
            from: from.to_string(),
            to: to.to_string(),
            current: current.to_string(),
            months: months.iter().map(ToString::to_string).collect(),
            rows: rows.into_iter().map(Into::into).collect(),
            page,
            per_page,
            has_more,
        }
    }
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
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::districting::Oversized => Oversized {
    id, code, name, path, street_id, street_code, street_name, households, residents,
});

/// A building of the graph.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::districting::GraphNode => GraphNode {
    id, households, compound, community, grid, x, y,
});

/// The building graph (`jingzhi redistrict export-graph`); each edge is `[code, code]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Graph {
    #[schema(minimum = 0)]
    pub cap: u32,
    #[schema(minimum = 0)]
    pub min: u32,
    pub nodes: Vec<GraphNode>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub edges: Vec<(String, String)>,
}

dto_from!(jingzhi_app::districting::Graph => Graph { cap, min, edges } vec { nodes });

/// A community of a plan with its buildings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanPart {
    pub community: String,
    pub buildings: Vec<String>,
    #[schema(minimum = 0)]
    pub households: u32,
    pub new: bool,
    pub kept: bool,
}

dto_from!(jingzhi_app::districting::PlanPart => PlanPart { community, buildings, households, new, kept });

/// Why no valid plan exists for some units: `kind` is `compound_over_cap piece_too_small
/// no_part_count bad_bounds not_found`; the other fields depend on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Infeasible {
    pub kind: String,
    pub compound: Option<String>,
    pub households: Option<u32>,
    pub min: Option<u32>,
    pub cap: Option<u32>,
    pub units: Option<Vec<String>>,
}

/// A plan (`jingzhi redistrict plan`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOutput {
    pub parts: Vec<PlanPart>,
    /// The plan's measures (docs/districting.md).
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
    /// The domain's reasons, as the command line's plan file writes them.
    #[schema(value_type = Vec<Infeasible>)]
    pub infeasible: Vec<jingzhi_domain::districting::Infeasible>,
    #[schema(value_type = Option<PlanMode>)]
    pub mode: Option<jingzhi_domain::districting::Mode>,
    pub seed: Option<u64>,
    /// Each building's community before the plan.
    pub before: std::collections::BTreeMap<String, String>,
}

dto_from!(jingzhi_app::districting::PlanOutput => PlanOutput {
    metrics, infeasible, mode, seed, before,
} vec { parts });

/// A saved plan.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::districting::PlanRow => PlanRow {
    id, scope_node_id, scope_code, path, mode, seed, cap, min_households, status, title,
    plan_json, metrics_json, departments_json, created_by, created_by_name, created_at,
    updated_at, decided_at, applied_at,
});

#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::districting::StepRow => PlanStepRow {
    id, step, seq, record, documents, decision, actor_name, at,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanComment {
    pub id: i64,
    pub body: String,
    pub author_name: String,
    pub at: i64,
}

dto_from!(jingzhi_app::districting::CommentRow => PlanComment { id, body, author_name, at });

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVote {
    pub id: i64,
    pub department: String,
    pub vote: String,
    pub note: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

dto_from!(jingzhi_app::districting::VoteRow => PlanVote { id, department, vote, note, actor_name, at });

/// A place moved by an applied plan.
#[derive(Debug, Serialize, ToSchema)]
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

dto_from!(jingzhi_app::districting::NodeMove => NodeMove {
    id, plan_id, node_id, node_kind, node_code, node_name, from_parent_id, from_parent_name,
    to_parent_id, to_parent_name, from_path, to_path, at,
});

/// A saved plan with its approval record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub plan: PlanRow,
    #[schema(value_type = PlanStatus)]
    pub status: jingzhi_domain::districting::approval::Status,
    pub output: PlanOutput,
    pub departments: Vec<String>,
    pub steps: Vec<PlanStepRow>,
    #[schema(value_type = Option<ApprovalStep>)]
    pub next_step: Option<jingzhi_domain::districting::approval::Step>,
    pub comments: Vec<PlanComment>,
    pub votes: Vec<PlanVote>,
    pub moves: Vec<NodeMove>,
}

dto_from!(jingzhi_app::districting::PlanView => PlanView {
    status, departments, next_step,
} into { plan, output } vec { steps, comments, votes, moves });

/// What applying a plan created and moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplyReport {
    pub communities_created: Vec<String>,
    pub grids_created: Vec<String>,
    #[schema(minimum = 0)]
    pub nodes_moved: usize,
    #[schema(minimum = 0)]
    pub households_moved: u64,
}

dto_from!(jingzhi_app::districting::ApplyReport => ApplyReport {
    communities_created, grids_created, nodes_moved, households_moved,
});

/// A hand correction of the graph, as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct EdgeRecorded {
    pub id: i64,
}
