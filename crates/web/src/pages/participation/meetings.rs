//! `/meetings`: deliberation meetings at the desk (staff hold them, invite parties, record
//! attendance, put items on the agenda, record rounds and decisions, write the minutes) and on
//! a phone (residents read their community's meetings; attendees amend the minutes while they
//! are open). See docs/participation.md.

use super::{local_time, shown_refusal, PlaceOption};
use crate::i18n::Lang;
use crate::pages::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::participation::decisions::DecisionInput;
use jingzhi_app::participation::meetings::{
    ItemInput, MeetingChoices, MeetingView, NewMeetingInput, PartyInput, RoundInput,
};
use jingzhi_app::AppError;
use jingzhi_domain::participation::decisions::Figure;
use jingzhi_domain::participation::meetings::{Kind, MinutesPhase, PartyRole, Position};
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list))
        .route("/meetings/new", get(new_form).post(create))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/parties", post(add_party))
        .route("/meetings/{id}/attendance", post(attendance))
        .route("/meetings/{id}/items", post(add_item))
        .route("/meetings/{id}/minutes", post(write_minutes))
        .route("/meetings/{id}/minutes/open", post(open_minutes))
        .route("/meetings/{id}/minutes/amend", post(amend_minutes))
        .route("/meetings/{id}/minutes/lock", post(lock_minutes))
        .route("/agenda-items/{id}/rounds", post(add_round))
        .route("/agenda-items/{id}/decision", post(decide))
}

pub fn kind_key(k: Kind) -> &'static str {
    match k {
        Kind::TopicGathering => "meetings.kind.topic_gathering",
        Kind::Deliberation => "meetings.kind.deliberation",
        Kind::Evaluation => "meetings.kind.evaluation",
    }
}

fn role_key(r: PartyRole) -> &'static str {
    match r {
        PartyRole::Representative => "meetings.role.representative",
        PartyRole::Resident => "meetings.role.resident",
        PartyRole::Community => "meetings.role.community",
        PartyRole::Property => "meetings.role.property",
        PartyRole::Department => "meetings.role.department",
        PartyRole::Steward => "meetings.role.steward",
        PartyRole::Lawyer => "meetings.role.lawyer",
        PartyRole::Merchant => "meetings.role.merchant",
        PartyRole::Other => "meetings.role.other",
    }
}

fn minutes_key(p: MinutesPhase) -> &'static str {
    match p {
        MinutesPhase::Empty => "meetings.minutes.empty",
        MinutesPhase::Draft => "meetings.minutes.draft",
        MinutesPhase::Amending => "meetings.minutes.amending",
        MinutesPhase::Locked => "meetings.minutes.locked",
    }
}

pub struct MeetingRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub venue: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "meetings.html")]
pub struct MeetingsPage {
    pub c: Chrome,
    pub rows: Vec<MeetingRow>,
    pub may_hold: bool,
}

pub async fn list(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let list = s.app.participation().meetings(&c.actor).await?;
    Ok(render(&MeetingsPage {
        c: Chrome::new(&c, lang, "meetings"),
        rows: list
            .into_iter()
            .map(|m| MeetingRow {
                id: m.id,
                kind: kind_key(m.kind),
                when: format_ms(m.held_at),
                venue: m.venue,
                place: m.node_name,
                title: m.title,
            })
            .collect(),
        may_hold: c.actor.user.role.is_manager(),
    }))
}

#[derive(Template)]
#[template(path = "meeting_new.html")]
pub struct NewMeetingPage {
    pub c: Chrome,
    pub places: Vec<PlaceOption>,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub errors: Vec<String>,
    pub title: String,
    pub held_at: String,
    pub venue: String,
}

async fn new_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    f: &FormData,
    errors: Vec<String>,
) -> Result<NewMeetingPage, PageError> {
    let places = s.app.participation().vote_places(&c.actor).await?;
    let chosen: i64 = f
        .get("node_id")
        .parse()
        .unwrap_or(c.actor.user.scope_node_id);
    let kind = f.opt("kind").unwrap_or_else(|| "deliberation".into());
    Ok(NewMeetingPage {
        c: Chrome::new(c, lang, "meetings"),
        places: places
            .into_iter()
            .map(|n| PlaceOption {
                id: n.id,
                label: format!("{} · {}", n.name, crate::pages::kind_label(lang, n.kind)),
                selected: n.id == chosen,
            })
            .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k), k.as_str() == kind))
            .collect(),
        errors,
        title: f.get("title").to_string(),
        held_at: f.get("held_at").to_string(),
        venue: f.get("venue").to_string(),
    })
}

pub async fn new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    if !c.actor.user.role.is_manager() {
        return Err(AppError::Forbidden.into());
    }
    Ok(render(
        &new_page(&s, &c, lang, &FormData::default(), vec![]).await?,
    ))
}

pub async fn create(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewMeetingInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        kind: f.get("kind").to_string(),
        title: f.get("title").to_string(),
        held_at: local_time(f.get("held_at")),
        venue: f.get("venue").to_string(),
    };
    match s.app.participation().create_meeting(&c.actor, &input).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = fields.into_iter().map(|e| e.reason).collect();
            let page = new_page(&s, &c, lang, &f, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct PartyRow {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub attended: bool,
}

pub struct RoundRow {
    pub n: i64,
    pub at: String,
    pub positions: Vec<Position>,
    pub changes: String,
    pub open_points: String,
    pub by: String,
}

pub struct ItemRow {
    pub id: i64,
    pub seq: i64,
    pub title: String,
    /// ("proposals" | "events" | "decisions", id) it is about.
    pub about: Option<(&'static str, i64)>,
    pub rounds: Vec<RoundRow>,
    pub decision_id: Option<i64>,
}

pub struct AmendmentRow {
    pub by: String,
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "meeting.html")]
pub struct MeetingPage {
    pub c: Chrome,
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub venue: String,
    pub place: String,
    pub organiser: String,
    pub parties: Vec<PartyRow>,
    pub attended: usize,
    pub items: Vec<ItemRow>,
    pub minutes: Option<String>,
    pub minutes_phase: &'static str,
    pub amend_until: Option<String>,
    pub locked_at: Option<String>,
    pub digest: Option<String>,
    pub digest_verified: Option<bool>,
    pub amendments: Vec<AmendmentRow>,
    pub may_edit: bool,
    pub is_organiser: bool,
    pub may_amend: bool,
    /// The organiser may still write (draft or amending).
    pub may_write: bool,
    pub may_open: bool,
    pub is_evaluation: bool,
    /// The locked minutes' index in the public transparency log, once logged.
    pub log_index: Option<u64>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub choices: MeetingChoices,
    /// Closed votes of the place a decision may rest on: (id, question).
    pub votes: Vec<(i64, String)>,
    pub message: Option<String>,
}

async fn meeting_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<MeetingPage, PageError> {
    let v: MeetingView = s.app.participation().meeting_view(&c.actor, id).await?;
    let log_index = s
        .app
        .transparency()
        .index_of(jingzhi_domain::transparency::EntryKind::Minutes, id)
        .await?;
    let (choices, votes) = if v.may_edit {
        let votes = s
            .app
            .participation()
            .votes(&c.actor, Some(v.meeting.node_id))
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|x| x.closed_at.is_some() || x.closes_at < jingzhi_domain::time_fmt::now_ms())
            .map(|x| (x.id, x.question))
            .collect();
        (
            s.app.participation().meeting_choices(&c.actor, id).await?,
            votes,
        )
    } else {
        (MeetingChoices::default(), vec![])
    };
    let m = &v.meeting;
    let items = v
        .items
        .iter()
        .map(|i| ItemRow {
            id: i.id,
            seq: i.seq,
            title: i.title.clone(),
            about: match (i.proposal_id, i.event_id, i.evaluates_decision_id) {
                (Some(p), _, _) => Some(("proposals", p)),
                (_, Some(e), _) => Some(("events", e)),
                (_, _, Some(d)) => Some(("decisions", d)),
                _ => None,
            },
            rounds: v
                .rounds
                .iter()
                .filter(|r| r.item_id == i.id)
                .map(|r| RoundRow {
                    n: r.n,
                    at: format_ms(r.at),
                    positions: r.positions.clone(),
                    changes: r.changes.clone(),
                    open_points: r.open_points.clone(),
                    by: r.recorded_by_name.clone(),
                })
                .collect(),
            decision_id: i.decision_id,
        })
        .collect();
    let phase = v.minutes_phase;
    Ok(MeetingPage {
        log_index,
        c: Chrome::new(c, lang, "meetings"),
        id: m.id,
        title: m.title.clone(),
        kind: kind_key(m.kind),
        when: format_ms(m.held_at),
        venue: m.venue.clone(),
        place: m.node_name.clone(),
        organiser: m.organiser_name.clone(),
        attended: v.parties.iter().filter(|p| p.attended).count(),
        parties: v
            .parties
            .iter()
            .map(|p| PartyRow {
                id: p.id,
                name: p.name.clone(),
                role: role_key(p.role),
                attended: p.attended,
            })
            .collect(),
        items,
        minutes: m.minutes.clone(),
        minutes_phase: minutes_key(phase),
        amend_until: m.amend_until.map(format_ms),
        locked_at: m.locked_at.map(format_ms),
        digest: m.minutes_hash.clone(),
        digest_verified: v.digest_verified,
        amendments: v
            .amendments
            .iter()
            .map(|a| AmendmentRow {
                by: a.author_name.clone(),
                at: format_ms(a.at),
                text: a.body.clone(),
            })
            .collect(),
        may_edit: v.may_edit,
        is_organiser: v.is_organiser,
        may_amend: v.may_amend,
        may_write: v.is_organiser
            && matches!(
                phase,
                MinutesPhase::Empty | MinutesPhase::Draft | MinutesPhase::Amending
            ),
        may_open: v.is_organiser && phase == MinutesPhase::Draft,
        is_evaluation: m.kind == Kind::Evaluation,
        roles: PartyRole::ALL
            .iter()
            .map(|r| (r.as_str(), role_key(*r)))
            .collect(),
        choices,
        votes,
        message,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&meeting_page(&s, &c, lang, id, None).await?))
}

/// After an action on a meeting: back to it (at `anchor`), or its page with the reason.
async fn after<T>(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    anchor: &str,
    r: jingzhi_app::AppResult<T>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}#{anchor}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            let page = meeting_page(s, c, lang, id, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

fn id_opt(f: &FormData, k: &str) -> Option<i64> {
    f.get(k).trim().parse().ok()
}

pub async fn add_party(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = PartyInput {
        name: f.get("name").to_string(),
        role: f.get("role").to_string(),
        resident_id: id_opt(&f, "resident_id"),
        user_id: id_opt(&f, "user_id"),
        department_code: f.opt("department_code"),
        attended: f.checked("attended"),
    };
    let r = s.app.participation().add_party(&c.actor, id, &input).await;
    after(&s, &c, lang, id, "parties", r).await
}

pub async fn attendance(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let present: Vec<i64> =
        f.0.iter()
            .filter(|(k, _)| k == "present")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
    let r = s
        .app
        .participation()
        .set_attendance(&c.actor, id, &present)
        .await;
    after(&s, &c, lang, id, "parties", r).await
}

pub async fn add_item(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    // One select "subject" holds "proposal:12", "event:7", "decision:3" or "" (a free topic).
    let subject = f.get("subject");
    let pick = |prefix: &str| subject.strip_prefix(prefix).and_then(|v| v.parse().ok());
    let input = ItemInput {
        title: f.get("title").to_string(),
        proposal_id: pick("proposal:"),
        event_id: pick("event:"),
        decision_id: pick("decision:"),
    };
    let r = s.app.participation().add_item(&c.actor, id, &input).await;
    after(&s, &c, lang, id, "agenda", r).await
}

/// The meeting an agenda item belongs to, for the redirect (the caller must see it).
async fn meeting_of_item(s: &AppState, c: &Caller, item_id: i64) -> Result<i64, PageError> {
    Ok(s.app
        .participation()
        .agenda_item(&c.actor, item_id)
        .await?
        .meeting_id)
}

pub async fn add_round(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(item_id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let meeting = meeting_of_item(&s, &c, item_id).await?;
    let whos: Vec<&String> =
        f.0.iter()
            .filter(|(k, _)| k == "who")
            .map(|(_, v)| v)
            .collect();
    let whats: Vec<&String> =
        f.0.iter()
            .filter(|(k, _)| k == "what")
            .map(|(_, v)| v)
            .collect();
    let positions = whos
        .iter()
        .zip(whats.iter())
        .map(|(w, x)| Position {
            who: w.to_string(),
            what: x.to_string(),
        })
        .collect();
    let input = RoundInput {
        positions,
        changes: f.get("changes").to_string(),
        open_points: f.get("open_points").to_string(),
    };
    let r = s
        .app
        .participation()
        .add_round(&c.actor, item_id, &input)
        .await;
    after(&s, &c, lang, meeting, &format!("item-{item_id}"), r).await
}

pub async fn decide(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(item_id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let meeting = meeting_of_item(&s, &c, item_id).await?;
    let labels: Vec<&String> =
        f.0.iter()
            .filter(|(k, _)| k == "figure_label")
            .map(|(_, v)| v)
            .collect();
    let values: Vec<&String> =
        f.0.iter()
            .filter(|(k, _)| k == "figure_value")
            .map(|(_, v)| v)
            .collect();
    let units: Vec<&String> =
        f.0.iter()
            .filter(|(k, _)| k == "figure_unit")
            .map(|(_, v)| v)
            .collect();
    let mut figures = vec![];
    for (i, l) in labels.iter().enumerate() {
        let v = values.get(i).map(|s| s.trim()).unwrap_or("");
        if l.trim().is_empty() && v.is_empty() {
            continue;
        }
        let Ok(value) = v.parse::<i64>() else {
            let page = meeting_page(
                &s,
                &c,
                lang,
                meeting,
                Some(format!("“{}”的数值应为整数", l.trim())),
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        };
        figures.push(Figure {
            label: l.to_string(),
            value,
            unit: units.get(i).map(|s| s.to_string()).unwrap_or_default(),
        });
    }
    let input = DecisionInput {
        item_id: Some(item_id),
        vote_id: id_opt(&f, "vote_id"),
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        figures,
    };
    match s.app.participation().decide(&c.actor, &input).await {
        Ok(d) => Ok(Redirect::to(&format!("/decisions/{}", d.id)).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            let page = meeting_page(&s, &c, lang, meeting, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub async fn write_minutes(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .participation()
        .write_minutes(&c.actor, id, f.get("text"))
        .await;
    after(&s, &c, lang, id, "minutes", r).await
}

pub async fn open_minutes(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let days = f.get("days").trim().parse().unwrap_or(0);
    let r = s.app.participation().open_minutes(&c.actor, id, days).await;
    after(&s, &c, lang, id, "minutes", r).await
}

pub async fn amend_minutes(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let r = s
        .app
        .participation()
        .amend_minutes(&c.actor, id, f.get("text"))
        .await;
    after(&s, &c, lang, id, "minutes", r).await
}

pub async fn lock_minutes(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    c.check_csrf(FormData(f).get("csrf"))?;
    let r = s.app.participation().lock_minutes(&c.actor, id).await;
    after(&s, &c, lang, id, "minutes", r).await
}
