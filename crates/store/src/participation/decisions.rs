//! Decisions and the tasks that carry them out, with each task's progress steps. Staff reach
//! them through their scope; a department's staff reach the tasks sent to their department.

use crate::sql::{bind, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::participation::decisions::{Figure, OwnerKind, Step};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

fn decode(what: &str, v: &str) -> Error {
    Error::Db(sqlx::Error::Decode(format!("bad {what}: {v}").into()))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Decision {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub title: String,
    pub body: String,
    pub figures: Vec<Figure>,
    pub item_id: Option<i64>,
    /// The meeting of the agenda item it was taken on.
    pub meeting_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub decided_at: i64,
    pub decided_by_name: String,
    pub rating: Option<i64>,
    pub rating_note: Option<String>,
    pub rated_in_meeting_id: Option<i64>,
    pub rated_at: Option<i64>,
    /// Tasks, and how many are done.
    pub tasks: i64,
    pub tasks_done: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Task {
    pub id: i64,
    pub decision_id: i64,
    pub decision_title: String,
    pub path: String,
    pub title: String,
    pub owner_kind: OwnerKind,
    pub owner_name: String,
    pub department_id: Option<i64>,
    pub event_id: Option<i64>,
    pub due_at: i64,
    pub step: Step,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Progress {
    pub task_id: i64,
    pub step: Step,
    pub at: i64,
    pub by_name: String,
    pub note: Option<String>,
}

pub struct NewDecision<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub figures: &'a [Figure],
    pub item_id: Option<i64>,
    pub vote_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub decided_at: i64,
    pub decided_by_name: &'a str,
}

const COLS: &str = "d.id, d.node_id, n.name AS node_name, d.path, d.title, d.body, \
    d.figures_json, d.item_id, (SELECT i.meeting_id FROM agenda_items i WHERE i.id = d.item_id) \
    AS meeting_id, d.vote_id, d.proposal_id, d.decided_at, d.decided_by_name, d.rating, \
    d.rating_note, d.rated_in_meeting_id, d.rated_at, \
    (SELECT COUNT(*) FROM decision_tasks t WHERE t.decision_id = d.id) AS tasks, \
    (SELECT COUNT(*) FROM decision_tasks t WHERE t.decision_id = d.id AND t.step = 'done') \
    AS tasks_done";

fn decision_from(r: &AnyRow) -> Result<Decision> {
    let figures: String = r.try_get("figures_json")?;
    Ok(Decision {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        figures: serde_json::from_str(&figures).map_err(|_| decode("figures", &figures))?,
        item_id: r.try_get("item_id")?,
        meeting_id: r.try_get("meeting_id")?,
        vote_id: r.try_get("vote_id")?,
        proposal_id: r.try_get("proposal_id")?,
        decided_at: r.try_get("decided_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        rating: r.try_get("rating")?,
        rating_note: r.try_get("rating_note")?,
        rated_in_meeting_id: r.try_get("rated_in_meeting_id")?,
        rated_at: r.try_get("rated_at")?,
        tasks: r.try_get("tasks")?,
        tasks_done: r.try_get("tasks_done")?,
    })
}

/// Insert a decision; a second decision on the same agenda item is a conflict.
pub async fn insert(conn: &mut Conn, d: &NewDecision<'_>) -> Result<i64> {
    let figures = serde_json::to_string(d.figures).unwrap_or_else(|_| "[]".into());
    sqlx::query_scalar(
        "INSERT INTO decisions (node_id, path, title, body, figures_json, item_id, vote_id, \
         proposal_id, decided_at, decided_by_name) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
         RETURNING id",
    )
    .bind(d.node_id)
    .bind(d.path)
    .bind(d.title)
    .bind(d.body)
    .bind(figures)
    .bind(d.item_id)
    .bind(d.vote_id)
    .bind(d.proposal_id)
    .bind(d.decided_at)
    .bind(d.decided_by_name)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "decision"))
}

/// A decision whose place is in the scope.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Decision> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM decisions d JOIN nodes n ON n.id = d.node_id WHERE d.id = {} AND {}",
        p.push(V::I(id)),
        p.range("d.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(decision_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Decisions of places below `under` (inside the scope), latest first.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    under: &str,
    limit: i64,
) -> Result<Vec<Decision>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT {COLS} FROM decisions d JOIN nodes n ON n.id = d.node_id WHERE {} AND {} \
         ORDER BY d.decided_at DESC, d.id DESC LIMIT {}",
        p.range("d.path", &scope.path),
        p.range("d.path", under),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(decision_from).collect()
}

/// Decisions taken on a proposal (through an agenda item about it), oldest first.
pub async fn of_proposal(conn: &mut Conn, proposal_id: i64) -> Result<Vec<Decision>> {
    let sql = format!(
        "SELECT {COLS} FROM decisions d JOIN nodes n ON n.id = d.node_id \
         WHERE d.proposal_id = $1 ORDER BY d.decided_at, d.id"
    );
    let rows = sqlx::query(&sql)
        .bind(proposal_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(decision_from).collect()
}

/// Record an evaluation meeting's rating.
pub async fn rate(
    conn: &mut Conn,
    id: i64,
    rating: i64,
    note: Option<&str>,
    meeting_id: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE decisions SET rating = $1, rating_note = $2, rated_in_meeting_id = $3, \
         rated_at = $4 WHERE id = $5",
    )
    .bind(rating)
    .bind(note)
    .bind(meeting_id)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub struct NewTask<'a> {
    pub decision_id: i64,
    pub path: &'a str,
    pub title: &'a str,
    pub owner_kind: OwnerKind,
    pub owner_name: &'a str,
    pub department_id: Option<i64>,
    pub event_id: Option<i64>,
    pub due_at: i64,
    pub now: i64,
}

pub async fn insert_task(conn: &mut Conn, t: &NewTask<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO decision_tasks (decision_id, path, title, owner_kind, owner_name, \
         department_id, event_id, due_at, step, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(t.decision_id)
    .bind(t.path)
    .bind(t.title)
    .bind(t.owner_kind.as_str())
    .bind(t.owner_name)
    .bind(t.department_id)
    .bind(t.event_id)
    .bind(t.due_at)
    .bind(Step::NotStarted.as_str())
    .bind(t.now)
    .fetch_one(&mut *conn)
    .await?)
}

const TASK_COLS: &str = "t.id, t.decision_id, d.title AS decision_title, t.path, t.title, \
    t.owner_kind, t.owner_name, t.department_id, t.event_id, t.due_at, t.step, t.updated_at";

fn task_from(r: &AnyRow) -> Result<Task> {
    let kind: String = r.try_get("owner_kind")?;
    let step: String = r.try_get("step")?;
    Ok(Task {
        id: r.try_get("id")?,
        decision_id: r.try_get("decision_id")?,
        decision_title: r.try_get("decision_title")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        owner_kind: OwnerKind::parse(&kind).ok_or_else(|| decode("owner_kind", &kind))?,
        owner_name: r.try_get("owner_name")?,
        department_id: r.try_get("department_id")?,
        event_id: r.try_get("event_id")?,
        due_at: r.try_get("due_at")?,
        step: Step::parse(&step).ok_or_else(|| decode("step", &step))?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn tasks(conn: &mut Conn, decision_id: i64) -> Result<Vec<Task>> {
    let sql = format!(
        "SELECT {TASK_COLS} FROM decision_tasks t JOIN decisions d ON d.id = t.decision_id \
         WHERE t.decision_id = $1 ORDER BY t.id"
    );
    let rows = sqlx::query(&sql)
        .bind(decision_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(task_from).collect()
}

/// A task in the scope, or (a department's staff) one sent to `department_id`.
pub async fn get_task(
    conn: &mut Conn,
    scope: &Scope,
    department_id: Option<i64>,
    id: i64,
) -> Result<Task> {
    let mut p = Params::default();
    let id_ = p.push(V::I(id));
    let filter = match department_id {
        Some(d) => format!("t.department_id = {}", p.push(V::I(d))),
        None => p.range("t.path", &scope.path),
    };
    let sql = format!(
        "SELECT {TASK_COLS} FROM decision_tasks t JOIN decisions d ON d.id = t.decision_id \
         WHERE t.id = {id_} AND {filter}"
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(task_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// Tasks sent to a department, open ones first, by due date.
pub async fn tasks_of_department(conn: &mut Conn, department_id: i64) -> Result<Vec<Task>> {
    let sql = format!(
        "SELECT {TASK_COLS} FROM decision_tasks t JOIN decisions d ON d.id = t.decision_id \
         WHERE t.department_id = $1 ORDER BY CASE WHEN t.step = 'done' THEN 1 ELSE 0 END, \
         t.due_at, t.id LIMIT 200"
    );
    let rows = sqlx::query(&sql)
        .bind(department_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(task_from).collect()
}

/// Move a task's step if it is still `was`; false if someone moved it first.
pub async fn set_step(conn: &mut Conn, id: i64, was: Step, to: Step, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE decision_tasks SET step = $1, updated_at = $2 WHERE id = $3 AND step = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(was.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn add_progress(
    conn: &mut Conn,
    task_id: i64,
    step: Step,
    at: i64,
    by_name: &str,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_progress (task_id, step, at, by_name, note) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(task_id)
    .bind(step.as_str())
    .bind(at)
    .bind(by_name)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The progress steps of the tasks of a decision, in time order.
pub async fn progress(conn: &mut Conn, decision_id: i64) -> Result<Vec<Progress>> {
    let rows = sqlx::query(
        "SELECT p.task_id, p.step, p.at, p.by_name, p.note FROM task_progress p \
         JOIN decision_tasks t ON t.id = p.task_id WHERE t.decision_id = $1 ORDER BY p.at, p.id",
    )
    .bind(decision_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let step: String = r.try_get("step")?;
            Ok(Progress {
                task_id: r.try_get("task_id")?,
                step: Step::parse(&step).ok_or_else(|| decode("step", &step))?,
                at: r.try_get("at")?,
                by_name: r.try_get("by_name")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}
