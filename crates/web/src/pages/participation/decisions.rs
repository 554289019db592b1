//! `/decisions`: decisions and the tasks that carry them out. Staff give a decision tasks and
//! move them forward; a department's staff see and move the tasks sent to their department;
//! residents follow the progress on their phones (docs/participation.md).

use super::shown_refusal;
use crate::i18n::Lang;
use crate::pages::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::participation::decisions::{EvaluationInput, TaskInput};
use jingzhi_domain::participation::decisions::{OwnerKind, Step};
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/decisions", get(list))
        .route("/decisions/{id}", get(detail))
        .route("/decisions/{id}/tasks", post(add_task))
        .route("/decisions/{id}/evaluation", post(evaluate))
        .route("/tasks/{id}/progress", post(progress))
}

pub fn step_key(s: Step) -> &'static str {
    match s {
        Step::NotStarted => "decisions.step.not_started",
        Step::Studying => "decisions.step.studying",
        Step::Started => "decisions.step.started",
        Step::HalfDone => "decisions.step.half_done",
        Step::Done => "decisions.step.done",
    }
}

fn owner_key(k: OwnerKind) -> &'static str {
    match k {
        OwnerKind::Community => "decisions.owner.community",
        OwnerKind::Property => "decisions.owner.property",
        OwnerKind::Department => "decisions.owner.department",
        OwnerKind::Event => "decisions.owner.event",
    }
}

pub struct DecisionRow {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub when: String,
    pub tasks: i64,
    pub done: i64,
    pub rating: Option<i64>,
}

pub struct TaskRow {
    pub id: i64,
    pub decision_id: i64,
    pub title: String,
    pub decision: String,
    pub owner_kind: &'static str,
    pub owner: String,
    pub due: String,
    pub step: &'static str,
    pub pct: u8,
    pub may_move: bool,
    /// Steps it may move to: (value, key).
    pub next: Vec<(&'static str, &'static str)>,
}

fn task_row(t: &jingzhi_app::participation::decisions::Task, may_move: bool) -> TaskRow {
    TaskRow {
        id: t.id,
        decision_id: t.decision_id,
        title: t.title.clone(),
        decision: t.decision_title.clone(),
        owner_kind: owner_key(t.owner_kind),
        owner: t.owner_name.clone(),
        due: format_ms(t.due_at),
        step: step_key(t.step),
        pct: t.step.percent(),
        may_move,
        next: Step::ALL
            .into_iter()
            .filter(|s| *s > t.step)
            .map(|s| (s.as_str(), step_key(s)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "decisions.html")]
pub struct DecisionsPage {
    pub c: Chrome,
    pub rows: Vec<DecisionRow>,
    /// A department's staff: the tasks sent to their department.
    pub tasks: Vec<TaskRow>,
}

pub async fn list(State(s): State<AppState>, PageCaller(c): PageCaller, lang: Lang) -> PageResult {
    let p = s.app.participation();
    let list = p.decisions(&c.actor).await?;
    let tasks = p.department_tasks(&c.actor).await?;
    Ok(render(&DecisionsPage {
        c: Chrome::new(&c, lang, "meetings"),
        rows: list
            .into_iter()
            .map(|d| DecisionRow {
                id: d.id,
                title: d.title,
                place: d.node_name,
                when: format_ms(d.decided_at),
                tasks: d.tasks,
                done: d.tasks_done,
                rating: d.rating,
            })
            .collect(),
        tasks: tasks
            .iter()
            .map(|t| task_row(t, t.step != Step::Done))
            .collect(),
    }))
}

pub struct StepRow {
    pub at: String,
    pub task: String,
    pub step: &'static str,
    pub by: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "decision.html")]
pub struct DecisionPage {
    pub c: Chrome,
    pub id: i64,
    pub title: String,
    pub body: String,
    pub place: String,
    pub when: String,
    pub by: String,
    pub figures: Vec<(String, i64, String)>,
    pub meeting_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub rating: Option<i64>,
    pub rating_note: Option<String>,
    pub tasks: Vec<TaskRow>,
    pub steps: Vec<StepRow>,
    pub may_edit: bool,
    pub owners: Vec<(&'static str, &'static str)>,
    pub departments: Vec<(String, String)>,
    pub evaluations: Vec<(i64, String)>,
    pub message: Option<String>,
}

async fn decision_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<DecisionPage, PageError> {
    let v = s.app.participation().decision_view(&c.actor, id).await?;
    let d = &v.decision;
    let departments = if v.may_edit {
        s.app
            .departments()
            .list(&c.actor, Some(d.node_id))
            .await?
            .into_iter()
            .map(|x| (x.code, x.name))
            .collect()
    } else {
        vec![]
    };
    Ok(DecisionPage {
        c: Chrome::new(c, lang, "meetings"),
        id: d.id,
        title: d.title.clone(),
        body: d.body.clone(),
        place: d.node_name.clone(),
        when: format_ms(d.decided_at),
        by: d.decided_by_name.clone(),
        figures: d
            .figures
            .iter()
            .map(|f| (f.label.clone(), f.value, f.unit.clone()))
            .collect(),
        meeting_id: d.meeting_id,
        vote_id: d.vote_id,
        proposal_id: d.proposal_id,
        rating: d.rating,
        rating_note: d.rating_note.clone(),
        tasks: v
            .tasks
            .iter()
            .map(|t| task_row(t, v.may_move.contains(&t.id)))
            .collect(),
        steps: v
            .progress
            .iter()
            .map(|p| StepRow {
                at: format_ms(p.at),
                task: v
                    .tasks
                    .iter()
                    .find(|t| t.id == p.task_id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default(),
                step: step_key(p.step),
                by: p.by_name.clone(),
                note: p.note.clone(),
            })
            .collect(),
        may_edit: v.may_edit,
        owners: OwnerKind::ALL
            .iter()
            .filter(|k| **k != OwnerKind::Event)
            .map(|k| (k.as_str(), owner_key(*k)))
            .collect(),
        departments,
        evaluations: v.evaluations.clone(),
        message,
    })
}

pub async fn detail(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&decision_page(&s, &c, lang, id, None).await?))
}

async fn after<T>(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    r: jingzhi_app::AppResult<T>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/decisions/{id}")).into_response()),
        Err(e) => {
            let (status, message) = shown_refusal(e)?;
            let page = decision_page(s, c, lang, id, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub async fn add_task(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let due = f.get("due_at").trim().to_string();
    let input = TaskInput {
        title: f.get("title").to_string(),
        owner_kind: f.get("owner_kind").to_string(),
        owner_name: f.opt("owner_name"),
        department_code: f.opt("department_code"),
        event_id: None,
        // A date picker gives a day: due at its end, China time.
        due_at: if due.len() == 10 {
            format!("{due}T23:59:59+08:00")
        } else {
            due
        },
    };
    let r = s.app.participation().add_task(&c.actor, id, &input).await;
    after(&s, &c, lang, id, r).await
}

pub async fn progress(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(task_id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let decision: i64 = f.get("decision_id").parse().unwrap_or(0);
    let r = s
        .app
        .participation()
        .progress_task(&c.actor, task_id, f.get("step"), f.opt("note").as_deref())
        .await;
    if f.get("back") == "list" && r.is_ok() {
        return Ok(Redirect::to("/decisions").into_response());
    }
    after(&s, &c, lang, decision, r).await
}

pub async fn evaluate(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = EvaluationInput {
        meeting_id: f.get("meeting_id").parse().unwrap_or(0),
        rating: f.get("rating").parse().unwrap_or(0),
        note: f.opt("note"),
    };
    let r = s.app.participation().evaluate(&c.actor, id, &input).await;
    after(&s, &c, lang, id, r).await
}
