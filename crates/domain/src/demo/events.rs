//! A year of plausible event history for the demo city: about 0.3 events per household per year
//! (≈ 270,000 at scale 1), across every category (parking, e-bike charging and clutter most
//! common), source (resident, staff, `hotline` ≈ 30 %, `round`, `open311`), urgency and
//! lifecycle state, with the timeline, handlers, ratings and whistles (吹哨报到) that go with
//! them.
//!
//! Every event is driven through the real state machines ([`lifecycle::transition`] and
//! [`Whistle`]): a step is taken only if the machine allows it, and the timestamps follow the
//! same rules as the use-cases (`responded_at` on the first response, `first_resolved_at` on the
//! first resolution, a reopen clears the resolution and restarts the deadline). Steps that would
//! fall after `now` are not taken, so recent events are still open and some are overdue.
//!
//! Pure and deterministic: the same `(seed, community, now)` gives the same history.

use super::names;
use super::{rng_for, CommunityBatch};
use crate::auth::Role;
use crate::events::category::default_categories;
use crate::events::lifecycle::{
    self as lc, Command, Dispatch, EventState, Handler, Rating, Status,
};
use crate::events::whistle::Whistle;
use crate::events::{DeadlinePolicy, HandlerKind, Urgency};
use crate::registry::NodeKind;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// Events per household per year.
pub const EVENTS_PER_HOUSEHOLD: f64 = 0.3;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;

/// A building events can be reported at.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: i64,
    pub path: String,
    pub name: String,
    pub x: f64,
    pub y: f64,
    /// Index into [`CommunityPlaces::grids`].
    pub grid: usize,
}

/// What the event generator needs of one community (kept while the register is generated, so
/// the households need not be generated twice).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommunityPlaces {
    pub community_id: i64,
    pub community_name: String,
    /// The first six digits of the community's unified code: its district's, which names the
    /// district's departments ([`crate::departments::district_code`]).
    pub district_prefix: String,
    pub households: u32,
    /// Grid names.
    pub grids: Vec<String>,
    pub buildings: Vec<Place>,
}

impl CommunityPlaces {
    pub fn from_batch(community_name: &str, b: &CommunityBatch) -> Self {
        let district_prefix: String = b
            .nodes
            .first()
            .map(|n| n.code.as_str().chars().take(6).collect())
            .unwrap_or_default();
        let mut grids = vec![];
        let mut grid_paths: Vec<&str> = vec![];
        let mut buildings = vec![];
        for n in &b.nodes {
            match n.kind {
                NodeKind::Grid => {
                    grids.push(n.name.clone());
                    grid_paths.push(n.path.as_str());
                }
                NodeKind::Building => {
                    let grid = grid_paths
                        .iter()
                        .position(|g| n.path.starts_with(g))
                        .unwrap_or(0);
                    buildings.push(Place {
                        id: n.id,
                        path: n.path.clone(),
                        name: n.name.clone(),
                        x: n.x.unwrap_or(0.0),
                        y: n.y.unwrap_or(0.0),
                        grid,
                    });
                }
                _ => {}
            }
        }
        CommunityPlaces {
            community_id: b.community_id,
            community_name: community_name.to_string(),
            district_prefix,
            households: b.households.len() as u32,
            grids,
            buildings,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenEvent {
    pub id: i64,
    pub path: String,
    pub node_id: i64,
    pub category_code: &'static str,
    pub urgency: Urgency,
    pub status: Status,
    pub reopened: u32,
    pub escalations: u32,
    pub source: &'static str,
    pub reporter_name: String,
    pub description: String,
    pub answers_json: Option<String>,
    pub x: f64,
    pub y: f64,
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

#[derive(Debug, Clone, PartialEq)]
pub struct GenTransition {
    pub event_id: i64,
    pub path: String,
    pub at: i64,
    pub actor_name: String,
    pub command: &'static str,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenAssignment {
    pub event_id: i64,
    pub path: String,
    pub role: &'static str,
    pub handler_kind: HandlerKind,
    pub handler_name: String,
    /// A department handler's registry code.
    pub handler_code: Option<String>,
    pub assigned_at: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenRating {
    pub event_id: i64,
    pub path: String,
    pub at: i64,
    pub rating: Rating,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenWhistle {
    pub id: i64,
    pub event_id: i64,
    pub path: String,
    pub reason: String,
    pub blown_by: String,
    pub inspection: Option<(i64, String, String, String)>,
    pub done_at: Option<i64>,
    pub updated_at: i64,
    pub whistle: Whistle,
}

/// One community's history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventBatch {
    pub events: Vec<GenEvent>,
    pub transitions: Vec<GenTransition>,
    pub assignments: Vec<GenAssignment>,
    pub ratings: Vec<GenRating>,
    pub whistles: Vec<GenWhistle>,
}

impl EventBatch {
    pub fn rows(&self) -> usize {
        self.events.len()
            + self.transitions.len()
            + self.assignments.len()
            + self.ratings.len()
            + self.whistles.len()
            + self
                .whistles
                .iter()
                .map(|w| w.whistle.departments.len())
                .sum::<usize>()
    }
}

/// (code, weight, descriptions). `{b}` is the building's name.
const CATEGORIES: &[(&str, u32, &[&str])] = &[
    (
        "parking",
        20,
        &[
            "{b}楼下有车辆长期占用消防通道",
            "{b}门口乱停车，堵住了单元出入口",
            "外来车辆占用{b}旁的固定车位",
            "{b}附近僵尸车停放半年无人挪走",
        ],
    ),
    (
        "ebike_charging",
        16,
        &[
            "{b}有居民从窗户飞线给电动车充电",
            "{b}楼道里有电动车在充电，存在火灾隐患",
            "{b}电动车推进电梯上楼充电",
        ],
    ),
    (
        "stairwell_clutter",
        15,
        &[
            "{b}楼道堆放杂物，影响通行",
            "{b}楼梯间堆满纸箱和旧家具",
            "{b}消防通道堆放杂物无人清理",
        ],
    ),
    (
        "neighbour_dispute",
        8,
        &[
            "{b}楼上漏水到楼下，双方协商不成",
            "{b}邻居占用公共空间，发生纠纷",
        ],
    ),
    (
        "market_order",
        4,
        &["{b}附近有流动摊贩占道经营", "{b}旁的商户店外经营、噪音扰民"],
    ),
    (
        "property_service",
        10,
        &[
            "{b}电梯经常故障，物业维修不及时",
            "{b}物业费收费标准不透明",
            "{b}单元门禁损坏，物业迟迟不修",
        ],
    ),
    (
        "road_facility",
        8,
        &[
            "{b}门前路灯不亮",
            "{b}旁的井盖松动，行人易绊倒",
            "{b}附近道路坑洼积水",
        ],
    ),
    (
        "sanitation",
        9,
        &["{b}旁的垃圾桶满溢无人清运", "{b}周边绿化带内垃圾较多"],
    ),
    (
        "noise",
        6,
        &["{b}夜间装修噪音扰民", "{b}楼下广场舞音响声音过大"],
    ),
    (
        "fire_safety",
        2,
        &["{b}消防栓损坏无水", "{b}楼道灭火器过期"],
    ),
    ("other", 2, &["{b}居民反映的其他问题"]),
];

/// (source, weight): the 12345 hotline about 30 %.
const SOURCES: &[(&str, u32)] = &[
    ("resident", 32),
    ("hotline", 30),
    ("staff", 15),
    ("round", 18),
    ("open311", 5),
];

/// The district departments whistles summon, by their slug in
/// [`crate::departments::DISTRICT_DEPARTMENTS`] (住建局 is the demo department account's).
const DEPARTMENTS: &[&str] = &[
    "zhujian",
    "zhifa",
    "shichangjianguan",
    "gongan",
    "xiaofang",
    "jiaojing",
    "shengtai",
    "gongdian",
];

/// A district department of the community's district as a handler: its code, and its short
/// name (pages show the registry's full name).
fn district_department(c: &CommunityPlaces, slug: &str) -> Handler {
    let short = crate::departments::DISTRICT_DEPARTMENTS
        .iter()
        .find(|d| d.0 == slug)
        .map(|d| d.2)
        .unwrap_or(slug);
    Handler {
        kind: HandlerKind::Department,
        name: short.to_string(),
        code: Some(crate::departments::district_code(&c.district_prefix, slug)),
    }
}

const PROPERTY_COMPANIES: &[&str] = &["红色物业服务中心", "威海安居物业", "海之韵物业", "鑫诚物业"];

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (t, w) in items {
        if x < *w {
            return *t;
        }
        x -= w;
    }
    items[0].0
}

/// Generates event history community by community, numbering events and whistles from 1.
#[derive(Debug, Clone)]
pub struct EventGenerator {
    pub seed: u64,
    pub now: i64,
    pub policy: DeadlinePolicy,
    next_event: i64,
    next_whistle: i64,
}

/// One event being driven through its lifecycle.
struct Sim {
    e: GenEvent,
    state: EventState,
    t: i64,
    now: i64,
    out: EventBatch,
    staff: String,
}

impl Sim {
    /// Hand the event and its rows over to the community's batch.
    fn push_to(mut self, out: &mut EventBatch) {
        // Whistle steps interleave with the lifecycle: the timeline in time order, each whistle
        // note carrying the status the event had then.
        let tl = &mut self.out.transitions;
        tl.sort_by_key(|t| t.at);
        let mut cur = Status::Reported;
        for t in tl.iter_mut() {
            if t.command == "whistle" {
                t.from_status = Some(cur);
                t.to_status = cur;
            } else {
                cur = t.to_status;
            }
        }
        if let Some(last) = tl.last() {
            self.e.updated_at = self.e.updated_at.max(last.at);
        }
        out.events.push(self.e);
        out.transitions.extend(self.out.transitions);
        out.assignments.extend(self.out.assignments);
        out.ratings.extend(self.out.ratings);
        out.whistles.extend(self.out.whistles);
    }

    /// Take a step `delay` after the previous one, if it falls before `now` and the machine
    /// allows it. Returns whether it was taken.
    fn step(
        &mut self,
        delay: i64,
        cmd: Command,
        role: Role,
        actor: &str,
        note: Option<String>,
    ) -> bool {
        let at = self.t + delay.max(60_000);
        if at > self.now {
            return false;
        }
        let Ok((next, effects)) = lc::transition(self.state, &cmd, role, at) else {
            return false;
        };
        let before = self.state.status;
        self.t = at;
        self.state = next;
        let e = &mut self.e;
        e.status = next.status;
        e.reopened = next.reopened;
        e.escalations = next.escalations;
        e.updated_at = at;
        match &cmd {
            Command::Invalidate { reason } => e.invalid_reason = Some(reason.clone()),
            Command::Resolve { result } => e.result = Some(result.clone()),
            _ => {}
        }
        let m = crate::events::record::Milestones {
            responded_at: e.responded_at,
            first_resolved_at: e.first_resolved_at,
            resolved_at: e.resolved_at,
            closed_at: e.closed_at,
            rated_at: e.rated_at,
        }
        .after(before, e.status, at);
        e.responded_at = m.responded_at;
        e.first_resolved_at = m.first_resolved_at;
        e.resolved_at = m.resolved_at;
        e.closed_at = m.closed_at;
        e.rated_at = m.rated_at;
        for fx in &effects {
            match fx {
                lc::Effect::Assign(d) => {
                    for a in self
                        .out
                        .assignments
                        .iter_mut()
                        .filter(|a| a.event_id == e.id)
                    {
                        a.active = false;
                    }
                    let all = std::iter::once(("lead", &d.lead))
                        .chain(d.co_handlers.iter().map(|h| ("co_handler", h)))
                        .chain(d.notified.iter().map(|h| ("notified", h)));
                    for (role, h) in all {
                        self.out.assignments.push(GenAssignment {
                            event_id: e.id,
                            path: e.path.clone(),
                            role,
                            handler_kind: h.kind,
                            handler_name: h.name.clone(),
                            handler_code: h.code.clone(),
                            assigned_at: at,
                            active: true,
                        });
                    }
                }
                lc::Effect::RecordRating(r) => {
                    e.rating = Some(*r);
                    self.out.ratings.push(GenRating {
                        event_id: e.id,
                        path: e.path.clone(),
                        at,
                        rating: *r,
                        comment: None,
                    });
                }
                lc::Effect::RestartDeadline => {
                    e.deadline_at = DeadlinePolicy::default().deadline(e.urgency, at)
                }
                lc::Effect::MergeInto(into) => e.merged_into = Some(*into),
                lc::Effect::EscalateOneLevel | lc::Effect::NotifyReporter => {}
            }
        }
        let kind = cmd.kind();
        let note = match (&cmd, note) {
            (Command::Rate(r), _) => Some(r.label_zh().to_string()),
            (Command::Merge { into }, _) => Some(format!("合并到事件#{into}")),
            (Command::Dispatch(d), _) => Some(format!("主办：{}", d.lead.name)),
            (
                Command::Invalidate { reason }
                | Command::SendBack { reason }
                | Command::Escalate { reason },
                _,
            ) => Some(reason.clone()),
            (Command::Resolve { result }, _) => Some(result.clone()),
            (_, n) => n,
        };
        self.out.transitions.push(GenTransition {
            event_id: e.id,
            path: e.path.clone(),
            at,
            actor_name: actor.to_string(),
            command: kind.as_str(),
            from_status: Some(before),
            to_status: next.status,
            note,
        });
        true
    }

    fn note(&mut self, at: i64, what: String) {
        self.out.transitions.push(GenTransition {
            event_id: self.e.id,
            path: self.e.path.clone(),
            at,
            actor_name: self.staff.clone(),
            command: "whistle",
            from_status: Some(self.e.status),
            to_status: self.e.status,
            note: Some(what),
        });
    }
}

/// A delay of about `mean` (exponential), at least a minute.
fn about(rng: &mut ChaCha8Rng, mean: i64) -> i64 {
    let u: f64 = rng.gen_range(1e-6..1.0);
    ((-u.ln()) * mean as f64) as i64 + 60_000
}

impl EventGenerator {
    pub fn new(seed: u64, now: i64) -> Self {
        Self {
            seed,
            now,
            policy: DeadlinePolicy::default(),
            next_event: 1,
            next_whistle: 1,
        }
    }

    /// Events reported in one community over the year before `now`, in report order.
    pub fn community(&mut self, c: &CommunityPlaces) -> EventBatch {
        let mut out = EventBatch::default();
        if c.buildings.is_empty() {
            return out;
        }
        let mut rng = rng_for(self.seed, 3_000_000 + c.community_id as u64);
        let expected = c.households as f64 * EVENTS_PER_HOUSEHOLD;
        let n = (expected * rng.gen_range(0.8..1.2)).round() as usize;
        let cats = default_categories();
        let weights: Vec<(usize, u32)> = CATEGORIES
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.1))
            .collect();
        // Report times: a year back from now, more in summer, mostly by day.
        let mut times: Vec<i64> = (0..n)
            .map(|_| loop {
                let day = rng.gen_range(0..365);
                let t0 = self.now - YEAR + day * DAY;
                let season = 1.0 + 0.25 * ((day as f64 / 365.0) * std::f64::consts::TAU).sin();
                if rng.gen_range(0.0..1.25) > season {
                    continue;
                }
                let hour = if rng.gen_bool(0.85) {
                    rng.gen_range(0..12) // 08–20 CST is 00–12 UTC
                } else {
                    rng.gen_range(12..24)
                };
                let t = t0 - t0.rem_euclid(DAY) + hour * HOUR + rng.gen_range(0..HOUR);
                if t < self.now {
                    break t;
                }
            })
            .collect();
        times.sort_unstable();
        let staff = format!("{}工作人员", c.community_name);
        // The last valid event of each category, for merges.
        let mut last_of: Vec<Option<(i64, i64)>> = vec![None; CATEGORIES.len()];
        for reported_at in times {
            let ci = weighted(&mut rng, &weights);
            let (code, _, texts) = CATEGORIES[ci];
            let cat = cats
                .iter()
                .find(|k| k.code == code)
                .expect("a default category");
            let place = &c.buildings[rng.gen_range(0..c.buildings.len())];
            let source = weighted(&mut rng, SOURCES);
            let urgency = match (code, rng.gen_range(0..100)) {
                ("fire_safety", 0..=39) => Urgency::Emergency,
                (_, 0..=2) => Urgency::Emergency,
                (_, 3..=17) => Urgency::Urgent,
                (_, 18..=89) => Urgency::Ordinary,
                _ => Urgency::Complex,
            };
            // Answers to the required questions with choices, as JSON (codes and choices are
            // our own plain words: nothing to escape).
            let answers: Vec<String> = cat
                .questions
                .iter()
                .filter(|q| q.required && !q.choices.is_empty())
                .map(|q| {
                    let a = &q.choices[rng.gen_range(0..q.choices.len())];
                    debug_assert!(!a.contains(['"', '\\']) && !q.code.contains(['"', '\\']));
                    format!("\"{}\":\"{}\"", q.code, a)
                })
                .collect();
            let surname = names::surname(&mut rng);
            let reporter_name = match source {
                "hotline" => format!(
                    "{surname}{}",
                    if rng.gen_bool(0.5) {
                        "先生"
                    } else {
                        "女士"
                    }
                ),
                "staff" | "round" => format!("{}网格员", c.grids[place.grid]),
                _ => {
                    let male = rng.gen_bool(0.5);
                    format!("{surname}{}", names::given_name(&mut rng, male, 1970))
                }
            };
            let id = self.next_event;
            self.next_event += 1;
            let e = GenEvent {
                id,
                path: place.path.clone(),
                node_id: place.id,
                category_code: code,
                urgency,
                status: Status::Reported,
                reopened: 0,
                escalations: 0,
                source,
                reporter_name,
                description: texts[rng.gen_range(0..texts.len())].replace("{b}", &place.name),
                answers_json: (!answers.is_empty()).then(|| format!("{{{}}}", answers.join(","))),
                x: place.x + rng.gen_range(-0.0002..0.0002),
                y: place.y + rng.gen_range(-0.0002..0.0002),
                merged_into: None,
                invalid_reason: None,
                result: None,
                rating: None,
                reported_at,
                deadline_at: self.policy.deadline(urgency, reported_at),
                responded_at: None,
                first_resolved_at: None,
                resolved_at: None,
                closed_at: None,
                rated_at: None,
                whistled: false,
                updated_at: reported_at,
            };
            let first = GenTransition {
                event_id: id,
                path: e.path.clone(),
                at: reported_at,
                actor_name: e.reporter_name.clone(),
                command: "report",
                from_status: None,
                to_status: Status::Reported,
                note: None,
            };
            let mut sim = Sim {
                e,
                state: EventState::new(),
                t: reported_at,
                now: self.now,
                out: EventBatch::default(),
                staff: staff.clone(),
            };
            sim.out.transitions.push(first);
            let lead = match cat.handler {
                HandlerKind::GridWorker => Handler {
                    kind: HandlerKind::GridWorker,
                    name: format!("{}网格员", c.grids[place.grid]),
                    code: None,
                },
                HandlerKind::Community => Handler {
                    kind: HandlerKind::Community,
                    name: c.community_name.clone(),
                    code: None,
                },
                HandlerKind::PropertyCompany => Handler {
                    kind: HandlerKind::PropertyCompany,
                    name: names::pick(&mut rng, PROPERTY_COMPANIES).to_string(),
                    code: None,
                },
                // The district's department of the category's city department.
                HandlerKind::Department => {
                    district_department(c, cat.department.as_deref().unwrap_or("zhujian"))
                }
            };
            let response = if rng.gen_bool(0.9) {
                about(&mut rng, 35 * 60_000).min(2 * HOUR - 60_000)
            } else {
                2 * HOUR + about(&mut rng, 6 * HOUR)
            };
            let fate = rng.gen_range(0..1000);
            if fate < 30 {
                sim.step(
                    response,
                    Command::Invalidate {
                        reason: "经核实不属实".into(),
                    },
                    Role::CommunityWorker,
                    &staff,
                    None,
                );
                sim.push_to(&mut out);
                continue;
            }
            if fate < 55 {
                if let Some((into, at)) = last_of[ci] {
                    if reported_at - at < 7 * DAY {
                        sim.step(
                            response,
                            Command::Merge { into },
                            Role::CommunityWorker,
                            &staff,
                            None,
                        );
                        sim.push_to(&mut out);
                        continue;
                    }
                }
            }
            last_of[ci] = Some((id, reported_at));
            if !sim.step(
                response,
                Command::Accept,
                Role::CommunityWorker,
                &staff,
                None,
            ) {
                sim.push_to(&mut out);
                continue;
            }
            let co = if rng.gen_bool(0.3) {
                vec![Handler {
                    kind: HandlerKind::Community,
                    name: c.community_name.clone(),
                    code: None,
                }]
            } else {
                vec![]
            };
            let co = co.into_iter().filter(|h| *h != lead).collect();
            let d = Dispatch {
                lead: lead.clone(),
                co_handlers: co,
                notified: vec![],
            };
            let dur = self.policy.duration_ms(urgency);
            if !sim.step(
                about(&mut rng, dur / 20),
                Command::Dispatch(d.clone()),
                Role::CommunityWorker,
                &staff,
                None,
            ) {
                sim.push_to(&mut out);
                continue;
            }
            // A few events are blown a whistle on: departments summoned to solve them jointly.
            let whistle = rng.gen_bool(if cat.handler == HandlerKind::Department {
                0.08
            } else {
                0.025
            });
            let mut ready_at = None;
            if whistle {
                let at = sim.t + about(&mut rng, 3 * HOUR);
                if at <= self.now {
                    ready_at = Some(self.whistle(&mut rng, &mut sim, c, at, &staff));
                } else {
                    sim.push_to(&mut out);
                    continue;
                }
            }
            if !sim.step(
                about(&mut rng, dur / 15),
                Command::Start,
                Role::GridWorker,
                &lead.name,
                None,
            ) {
                sim.push_to(&mut out);
                continue;
            }
            // Rarely, an event stalls and is escalated one level up, then dispatched again.
            if rng.gen_bool(0.02) {
                let r = Command::Escalate {
                    reason: "超期未办结，升级处理".into(),
                };
                if !sim.step(
                    dur + about(&mut rng, dur / 4),
                    r,
                    Role::CommunityWorker,
                    "系统",
                    None,
                ) || !sim.step(
                    about(&mut rng, 4 * HOUR),
                    Command::Dispatch(d.clone()),
                    Role::StreetOfficer,
                    "街道办事处",
                    None,
                ) || !sim.step(
                    about(&mut rng, 6 * HOUR),
                    Command::Start,
                    Role::GridWorker,
                    &lead.name,
                    None,
                ) {
                    sim.push_to(&mut out);
                    continue;
                }
            }
            // Resolution: mostly well within the deadline, some late, a few stuck for long.
            let mut resolve_in = match rng.gen_range(0..100) {
                0..=84 => (dur as f64 * rng.gen_range(0.1..0.8)) as i64,
                85..=96 => (dur as f64 * rng.gen_range(0.8..1.5)) as i64,
                _ => (dur as f64 * rng.gen_range(2.0..8.0)) as i64,
            };
            if let Some(r) = ready_at {
                resolve_in = resolve_in.max(r - sim.t + about(&mut rng, 6 * HOUR));
            }
            let result = "已处理完毕，现场恢复正常".to_string();
            if !self.finish(&mut rng, &mut sim, resolve_in, &result, &lead.name, &staff) {
                sim.push_to(&mut out);
                continue;
            }
            // The return visit (回访): mostly satisfied; a 不满意 reopens once, a second escalates.
            let mut rounds = 0;
            loop {
                rounds += 1;
                if rng.gen_bool(0.08) && rounds == 1 {
                    break; // not reached for the return visit yet
                }
                let rating = match (rounds, rng.gen_range(0..100)) {
                    (1, 0..=84) | (2.., 0..=79) => Rating::Satisfied,
                    (1, 85..=94) | (2.., 80..=91) => Rating::FairlySatisfied,
                    (3.., _) => Rating::Satisfied,
                    _ => Rating::Dissatisfied,
                };
                let rater = if source == "hotline" {
                    "12345回访".to_string()
                } else {
                    sim.e.reporter_name.clone()
                };
                let role = if source == "hotline" {
                    Role::CommunityWorker
                } else {
                    Role::Resident
                };
                if !sim.step(
                    about(&mut rng, 30 * HOUR),
                    Command::Rate(rating),
                    role,
                    &rater,
                    None,
                ) {
                    break;
                }
                match sim.e.status {
                    Status::Rated => break,
                    Status::InProgress => {
                        let redo = (dur as f64 * rng.gen_range(0.1..0.7)) as i64;
                        if !self.finish(&mut rng, &mut sim, redo, "已重新处理", &lead.name, &staff)
                        {
                            break;
                        }
                    }
                    Status::Escalated => {
                        if !sim.step(
                            about(&mut rng, 6 * HOUR),
                            Command::Dispatch(d.clone()),
                            Role::StreetOfficer,
                            "街道办事处",
                            None,
                        ) || !sim.step(
                            about(&mut rng, 6 * HOUR),
                            Command::Start,
                            Role::GridWorker,
                            &lead.name,
                            None,
                        ) {
                            break;
                        }
                        let redo = (dur as f64 * rng.gen_range(0.1..0.7)) as i64;
                        if !self.finish(
                            &mut rng,
                            &mut sim,
                            redo,
                            "街道协调后处理完毕",
                            &lead.name,
                            &staff,
                        ) {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            sim.push_to(&mut out);
        }
        out
    }

    /// Resolve (sometimes sent back once), verify and close. Returns whether it got to closed.
    fn finish(
        &self,
        rng: &mut ChaCha8Rng,
        sim: &mut Sim,
        resolve_in: i64,
        result: &str,
        lead: &str,
        staff: &str,
    ) -> bool {
        let resolve = |r: &str| Command::Resolve {
            result: r.to_string(),
        };
        if !sim.step(resolve_in, resolve(result), Role::GridWorker, lead, None) {
            return false;
        }
        if rng.gen_bool(0.05) {
            let back = Command::SendBack {
                reason: "现场核查未整改到位".into(),
            };
            if !sim.step(
                about(rng, 8 * HOUR),
                back,
                Role::CommunityWorker,
                staff,
                None,
            ) || !sim.step(
                about(rng, DAY),
                resolve("已按要求整改"),
                Role::GridWorker,
                lead,
                None,
            ) {
                return false;
            }
        }
        sim.step(
            about(rng, 10 * HOUR),
            Command::Verify,
            Role::CommunityWorker,
            staff,
            None,
        ) && sim.step(
            about(rng, 8 * HOUR),
            Command::Close,
            Role::CommunityWorker,
            staff,
            None,
        )
    }

    /// Blow a whistle at `at` and take its steps up to now. Returns when its tasks were done (or
    /// `now` when they are not all done yet).
    fn whistle(
        &mut self,
        rng: &mut ChaCha8Rng,
        sim: &mut Sim,
        c: &CommunityPlaces,
        at: i64,
        staff: &str,
    ) -> i64 {
        let n = rng.gen_range(1..=3usize);
        let mut depts: Vec<String> = vec![];
        // Timeline notes name departments as people read them.
        let mut names_of: HashMap<String, String> = HashMap::new();
        while depts.len() < n {
            let h = district_department(c, names::pick(rng, DEPARTMENTS));
            let d = h.code.unwrap_or_default();
            if !depts.contains(&d) {
                names_of.insert(d.clone(), h.name);
                depts.push(d);
            }
        }
        let name = |d: &str| names_of.get(d).cloned().unwrap_or_else(|| d.to_string());
        let now = self.now;
        let mut w =
            Whistle::blow(&depts, sim.e.urgency, at, &self.policy).expect("valid departments");
        sim.e.whistled = true;
        sim.e.updated_at = at;
        sim.note(
            at,
            format!(
                "召集：{}；原因：需多部门联合处置",
                depts.iter().map(|d| name(d)).collect::<Vec<_>>().join("、")
            ),
        );
        let window = w.report_in_deadline - at;
        let mut last_in = at;
        for d in &depts {
            let t = if rng.gen_bool(0.85) {
                at + (window as f64 * rng.gen_range(0.05..0.9)) as i64
            } else {
                w.report_in_deadline + about(rng, window / 2)
            };
            if t <= now {
                let on_time = w.report_in(d, t).expect("summoned");
                sim.note(
                    t,
                    format!("{}报到{}", name(d), if on_time { "" } else { "（超时）" }),
                );
                last_in = last_in.max(t);
            }
        }
        let mut g = GenWhistle {
            id: self.next_whistle,
            event_id: sim.e.id,
            path: sim.e.path.clone(),
            reason: "需多部门联合处置".into(),
            blown_by: staff.to_string(),
            inspection: None,
            done_at: None,
            updated_at: at,
            whistle: w.clone(),
        };
        self.next_whistle += 1;
        let mut done = now;
        let ins_at = last_in + about(rng, 8 * HOUR);
        let all_in = w.departments.iter().all(|d| d.reported_in_at.is_some());
        if all_in && ins_at <= now {
            let tasks: Vec<(String, String)> = depts
                .iter()
                .map(|d| (d.clone(), format!("{}负责落实整改", name(d))))
                .collect();
            w.record_inspection(&tasks)
                .expect("every department reported in");
            g.inspection = Some((
                ins_at,
                depts.iter().map(|d| name(d)).collect::<Vec<_>>().join("、"),
                "现场问题属实，需联合处置".into(),
                "各部门按分工限期整改".into(),
            ));
            sim.note(ins_at, "商定方案：各部门按分工限期整改".into());
            g.updated_at = ins_at;
            let mut last = ins_at;
            for d in &depts {
                let t = ins_at + about(rng, 3 * DAY);
                if t <= now {
                    w.complete_task(d, t).expect("assigned");
                    sim.note(t, format!("{}完成任务", name(d)));
                    last = last.max(t);
                    g.updated_at = g.updated_at.max(t);
                }
            }
            if w.status == crate::events::whistle::WhistleStatus::Done {
                done = last;
                g.done_at = Some(last);
                let rate_at = last + about(rng, DAY);
                if rate_at <= now {
                    for d in &depts {
                        let r = match rng.gen_range(0..100) {
                            0..=79 => Rating::Satisfied,
                            80..=93 => Rating::FairlySatisfied,
                            _ => Rating::Dissatisfied,
                        };
                        w.rate(d, r).expect("done");
                    }
                    sim.note(rate_at, "社区评价各部门响应".into());
                    g.updated_at = rate_at;
                }
            }
        }
        g.whistle = w;
        sim.t = sim.t.max(at);
        sim.out.whistles.push(g);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::CityPlan;
    use crate::events::metrics::{contribution, Counts, EventFacts};

    fn history(scale: f64) -> (Vec<EventBatch>, u32) {
        let plan = CityPlan::new(scale, 7).unwrap();
        let now = 1_795_000_000_000;
        let mut g = EventGenerator::new(7, now);
        let mut households = 0;
        let mut out = vec![];
        for b in plan.batches() {
            let name = &plan.nodes[(b.community_id - 1) as usize].name;
            let places = CommunityPlaces::from_batch(name, &b);
            households += places.households;
            out.push(g.community(&places));
        }
        (out, households)
    }

    #[test]
    fn a_plausible_consistent_year() {
        let (batches, households) = history(0.01);
        let now = 1_795_000_000_000;
        let events: Vec<&GenEvent> = batches.iter().flat_map(|b| &b.events).collect();
        let n = events.len() as f64;
        assert!(
            (n / households as f64 - EVENTS_PER_HOUSEHOLD).abs() < 0.06,
            "{n} for {households}"
        );
        let share =
            |f: &dyn Fn(&GenEvent) -> bool| events.iter().filter(|e| f(e)).count() as f64 / n;
        let hotline = share(&|e| e.source == "hotline");
        assert!((0.25..0.35).contains(&hotline), "{hotline}");
        let rated = share(&|e| e.status == Status::Rated);
        assert!(rated > 0.6, "{rated}");
        for s in [
            Status::Invalid,
            Status::Merged,
            Status::Closed,
            Status::InProgress,
            Status::Dispatched,
        ] {
            assert!(events.iter().any(|e| e.status == s), "no event is {s:?}");
        }
        assert!(events
            .iter()
            .any(|e| lc::is_overdue(e.status, e.deadline_at, now)));
        assert!(events.iter().any(|e| e.reopened == 1));
        assert!(share(&|e| e.whistled) > 0.01);
        // Parking, e-bikes and clutter are the most common.
        let count = |c: &str| events.iter().filter(|e| e.category_code == c).count();
        assert!(
            count("parking") > count("noise") && count("stairwell_clutter") > count("fire_safety")
        );
        let mut ids = std::collections::HashSet::new();
        for b in &batches {
            for e in &b.events {
                assert!(ids.insert(e.id));
                assert!(e.reported_at < now && e.reported_at >= now - YEAR - DAY);
                assert!(e.updated_at <= now);
                // Timestamps in order, and only where the status says so.
                if let Some(r) = e.responded_at {
                    assert!(r >= e.reported_at);
                }
                if let Some(r) = e.first_resolved_at {
                    assert!(r >= e.responded_at.unwrap());
                }
                assert_eq!(
                    e.rated_at.is_some() && e.status == Status::Rated,
                    e.status == Status::Rated
                );
                assert_eq!(e.merged_into.is_some(), e.status == Status::Merged);
                assert_eq!(
                    e.rating.is_some(),
                    b.ratings.iter().any(|r| r.event_id == e.id)
                );
                // The timeline ends where the event is.
                let tl: Vec<&GenTransition> = b
                    .transitions
                    .iter()
                    .filter(|t| t.event_id == e.id)
                    .collect();
                assert_eq!(tl[0].command, "report");
                assert_eq!(tl.last().unwrap().to_status, e.status);
                assert!(tl.windows(2).all(|w| w[0].at <= w[1].at));
                if let Some(into) = e.merged_into {
                    assert!(into < e.id);
                }
            }
            for w in &b.whistles {
                assert!(w.whistle.is_consistent());
                assert!(b.events.iter().any(|e| e.id == w.event_id && e.whistled));
            }
        }
        // The rates come out as a city's would.
        let mut c = Counts::default();
        for e in &events {
            c.add(
                &contribution(&EventFacts {
                    status: e.status,
                    hotline: e.source == "hotline",
                    reported_at: e.reported_at,
                    deadline_at: e.deadline_at,
                    responded_at: e.responded_at,
                    first_resolved_at: e.first_resolved_at,
                    rating: e.rating,
                    whistled: e.whistled,
                }),
                1,
            );
        }
        let r = crate::events::metrics::rates(&c);
        assert!(r.response_rate.unwrap() > 0.8, "{r:?}");
        assert!(r.satisfaction_rate.unwrap() > 0.85, "{r:?}");
        assert!((0.75..0.99).contains(&r.on_time_rate.unwrap()), "{r:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_history() {
        assert_eq!(history(0.003).0, history(0.003).0);
    }
}
