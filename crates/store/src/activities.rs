//! Community activities and their sign-ups (docs/activities.md). Activities carry their place's
//! path: staff read those in their scope, residents those of their community or above it, each
//! confined in the query. `signed`/`attended` on the activity move with every sign-up, so the
//! last place is taken by one conditional UPDATE.

use crate::emergency::ancestor_paths;
use crate::sql::{bind, get_bool, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::activities::Category;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub node_id: i64,
    pub node_name: String,
    pub path: String,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub signed: i64,
    pub attended: i64,
    pub organiser_name: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

const ACTIVITY_SQL: &str = "SELECT a.id, a.node_id, n.name AS node_name, a.path, a.category, \
    a.title, a.description, a.venue, a.starts_at, a.ends_at, a.capacity, a.signed, a.attended, \
    a.organiser_name, a.created_at, a.cancelled_at, a.cancel_reason \
    FROM activities a JOIN nodes n ON n.id = a.node_id";

fn activity_from(r: &AnyRow) -> Result<Activity> {
    let c: String = r.try_get("category")?;
    Ok(Activity {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        path: r.try_get("path")?,
        category: Category::parse(&c)
            .ok_or_else(|| Error::Db(sqlx::Error::Decode(format!("bad category {c}").into())))?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        venue: r.try_get("venue")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        capacity: r.try_get("capacity")?,
        signed: r.try_get("signed")?,
        attended: r.try_get("attended")?,
        organiser_name: r.try_get("organiser_name")?,
        created_at: r.try_get("created_at")?,
        cancelled_at: r.try_get("cancelled_at")?,
        cancel_reason: r.try_get("cancel_reason")?,
    })
}

pub struct NewActivity<'a> {
    pub node_id: i64,
    pub path: &'a str,
    pub category: Category,
    pub title: &'a str,
    pub description: &'a str,
    pub venue: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub organiser_id: Option<i64>,
    pub organiser_name: &'a str,
    pub now: i64,
}

pub async fn insert(conn: &mut Conn, a: &NewActivity<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO activities (node_id, path, category, title, description, venue, starts_at, \
         ends_at, capacity, organiser_id, organiser_name, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(a.node_id)
    .bind(a.path)
    .bind(a.category.as_str())
    .bind(a.title)
    .bind(a.description)
    .bind(a.venue)
    .bind(a.starts_at)
    .bind(a.ends_at)
    .bind(a.capacity)
    .bind(a.organiser_id)
    .bind(a.organiser_name)
    .bind(a.now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Who is reading: staff read their scope and the places above it; a resident reads their
/// community and the places above it (a street's activities are open to its communities).
pub enum Reader<'a> {
    Staff(&'a Scope),
    Community(&'a str),
}

/// `a.path` is `path` or one of its ancestors'.
fn at_or_above(p: &mut Params, path: &str) -> String {
    let list: Vec<String> = ancestor_paths(path)
        .into_iter()
        .map(|a| p.push(V::T(a)))
        .collect();
    format!("a.path IN ({})", list.join(","))
}

fn reader_clause(p: &mut Params, reader: &Reader<'_>) -> String {
    match reader {
        Reader::Staff(s) => {
            let inside = p.range("a.path", &s.path);
            format!("({inside} OR {})", at_or_above(p, &s.path))
        }
        Reader::Community(path) => at_or_above(p, path),
    }
}

/// An activity the reader may see.
pub async fn get(conn: &mut Conn, reader: &Reader<'_>, id: i64) -> Result<Activity> {
    let mut p = Params::default();
    let sql = format!(
        "{ACTIVITY_SQL} WHERE a.id = {} AND {}",
        p.push(V::I(id)),
        reader_clause(&mut p, reader)
    );
    let r = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
    activity_from(&r)
}

/// Activities the reader may see: those ending after `since`, soonest first (upcoming), or
/// with `past`, those that ended before `since`, latest first.
pub async fn list(
    conn: &mut Conn,
    reader: &Reader<'_>,
    since: i64,
    past: bool,
    limit: i64,
) -> Result<Vec<Activity>> {
    let mut p = Params::default();
    let when = if past {
        format!(
            "a.ends_at <= {} ORDER BY a.starts_at DESC, a.id DESC",
            p.push(V::I(since))
        )
    } else {
        format!(
            "a.ends_at > {} ORDER BY a.starts_at, a.id",
            p.push(V::I(since))
        )
    };
    let who = reader_clause(&mut p, reader);
    let sql = format!(
        "{ACTIVITY_SQL} WHERE {who} AND {when} LIMIT {}",
        p.push(V::I(limit))
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(activity_from)
        .collect()
}

pub async fn cancel(conn: &mut Conn, id: i64, reason: &str, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE activities SET cancelled_at = $1, cancel_reason = $2 \
         WHERE id = $3 AND cancelled_at IS NULL AND starts_at > $1",
    )
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub resident_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub signed_at: i64,
    pub cancelled_at: Option<i64>,
    pub attended: bool,
    pub marked_by_name: Option<String>,
    pub marked_at: Option<i64>,
}

fn signup_from(r: &AnyRow) -> Result<Signup> {
    Ok(Signup {
        id: r.try_get("id")?,
        activity_id: r.try_get("activity_id")?,
        resident_id: r.try_get("resident_id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        signed_at: r.try_get("signed_at")?,
        cancelled_at: r.try_get("cancelled_at")?,
        attended: get_bool(r, "attended"),
        marked_by_name: r.try_get("marked_by_name")?,
        marked_at: r.try_get("marked_at")?,
    })
}

const SIGNUP_SQL: &str = "SELECT id, activity_id, resident_id, user_id, name, signed_at, \
    cancelled_at, attended, marked_by_name, marked_at FROM activity_signups";

/// Take a place: one conditional UPDATE, so two people never take the last one. False when the
/// activity is full, cancelled or has started.
pub async fn take_place(conn: &mut Conn, id: i64, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE activities SET signed = signed + 1 WHERE id = $1 AND cancelled_at IS NULL \
         AND starts_at > $2 AND (capacity IS NULL OR signed < capacity)",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Sign a resident up (or back up after withdrawing). False when they are signed up already.
pub async fn sign_up(
    conn: &mut Conn,
    activity_id: i64,
    resident_id: i64,
    user_id: Option<i64>,
    name: &str,
    path: &str,
    now: i64,
) -> Result<bool> {
    let existing: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, cancelled_at FROM activity_signups WHERE activity_id = $1 AND resident_id = $2",
    )
    .bind(activity_id)
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await?;
    match existing {
        Some((_, None)) => Ok(false),
        Some((sid, Some(_))) => {
            sqlx::query(
                "UPDATE activity_signups SET cancelled_at = NULL, signed_at = $1, user_id = $2 \
                 WHERE id = $3",
            )
            .bind(now)
            .bind(user_id)
            .bind(sid)
            .execute(&mut *conn)
            .await?;
            Ok(true)
        }
        None => {
            sqlx::query(
                "INSERT INTO activity_signups (activity_id, resident_id, user_id, name, path, \
                 signed_at) VALUES ($1,$2,$3,$4,$5,$6)",
            )
            .bind(activity_id)
            .bind(resident_id)
            .bind(user_id)
            .bind(name)
            .bind(path)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::from_db(e, "activity_id"))?;
            Ok(true)
        }
    }
}

/// Withdraw a resident's sign-up before the activity starts and give the place back. False when
/// there was none to withdraw.
pub async fn withdraw(
    conn: &mut Conn,
    activity_id: i64,
    resident_id: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE activity_signups SET cancelled_at = $1 WHERE activity_id = $2 AND resident_id = $3 \
         AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(activity_id)
    .bind(resident_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        sqlx::query("UPDATE activities SET signed = signed - 1 WHERE id = $1 AND signed > 0")
            .bind(activity_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n == 1)
}

/// The sign-ups of an activity (withdrawn ones included), in order of signing.
pub async fn signups(conn: &mut Conn, activity_id: i64) -> Result<Vec<Signup>> {
    let sql = format!("{SIGNUP_SQL} WHERE activity_id = $1 ORDER BY signed_at, id");
    sqlx::query(&sql)
        .bind(activity_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(signup_from)
        .collect()
}

/// A resident's live sign-ups among `ids`.
pub async fn signed_of(conn: &mut Conn, resident_id: i64, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut p = Params::default();
    let r = p.push(V::I(resident_id));
    let list: Vec<String> = ids.iter().map(|i| p.push(V::I(*i))).collect();
    let sql = format!(
        "SELECT activity_id FROM activity_signups WHERE resident_id = {r} AND cancelled_at IS NULL \
         AND activity_id IN ({})",
        list.join(",")
    );
    bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>("activity_id")?))
        .collect()
}

/// Mark who came: `present` are the sign-up ids that attended; every other live sign-up of the
/// activity is marked absent. Keeps `attended` on the activity. Returns the number present.
pub async fn mark_attendance(
    conn: &mut Conn,
    activity_id: i64,
    present: &[i64],
    by: &str,
    now: i64,
) -> Result<i64> {
    sqlx::query(
        "UPDATE activity_signups SET attended = FALSE, marked_by_name = $1, marked_at = $2 \
         WHERE activity_id = $3 AND cancelled_at IS NULL",
    )
    .bind(by)
    .bind(now)
    .bind(activity_id)
    .execute(&mut *conn)
    .await?;
    if !present.is_empty() {
        let mut p = Params::default();
        let a = p.push(V::I(activity_id));
        let list: Vec<String> = present.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "UPDATE activity_signups SET attended = TRUE WHERE activity_id = {a} \
             AND cancelled_at IS NULL AND id IN ({})",
            list.join(",")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND cancelled_at IS NULL \
         AND attended = TRUE",
    )
    .bind(activity_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE activities SET attended = $1 WHERE id = $2")
        .bind(n)
        .bind(activity_id)
        .execute(&mut *conn)
        .await?;
    Ok(n)
}

/// Numbers of a place since `since`: activities held (ended, not cancelled), places signed up
/// and attended, per category.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Numbers {
    pub held: i64,
    pub signed: i64,
    pub attended: i64,
    pub upcoming: i64,
}

pub async fn numbers(
    conn: &mut Conn,
    path: &str,
    since: i64,
    now: i64,
) -> Result<Vec<(Category, Numbers)>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT category, \
         COUNT(CASE WHEN ends_at <= {now} THEN 1 END) AS held, \
         COUNT(CASE WHEN ends_at > {now} THEN 1 END) AS upcoming, \
         CAST(SUM(CASE WHEN ends_at <= {now} THEN signed ELSE 0 END) AS BIGINT) AS signed, \
         CAST(SUM(CASE WHEN ends_at <= {now} THEN attended ELSE 0 END) AS BIGINT) AS attended \
         FROM activities a WHERE {} AND a.cancelled_at IS NULL AND a.starts_at >= {} \
         GROUP BY category",
        p.range("a.path", path),
        p.push(V::I(since)),
        now = p.push(V::I(now)),
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c: String = r.try_get("category")?;
        let Some(c) = Category::parse(&c) else {
            continue;
        };
        out.push((
            c,
            Numbers {
                held: r.try_get("held")?,
                upcoming: r.try_get("upcoming")?,
                signed: r.try_get::<Option<i64>, _>("signed")?.unwrap_or(0),
                attended: r.try_get::<Option<i64>, _>("attended")?.unwrap_or(0),
            },
        ));
    }
    out.sort_by_key(|(c, _)| Category::ALL.iter().position(|x| x == c));
    Ok(out)
}

/// One sign-up of a bulk load (the demo's past year): withdrawn ones are not loaded.
pub struct BulkSignup {
    pub activity_id: i64,
    pub resident_id: i64,
    pub name: String,
    pub path: String,
    pub signed_at: i64,
    pub attended: bool,
}

/// Load sign-ups in multi-row INSERTs (the demo), then [`recount`] the activities they touch.
pub async fn insert_signups(conn: &mut Conn, rows: &[BulkSignup]) -> Result<()> {
    for chunk in rows.chunks(400) {
        let mut p = Params::default();
        let values: Vec<String> = chunk
            .iter()
            .map(|s| {
                format!(
                    "({},{},{},{},{},{})",
                    p.push(V::I(s.activity_id)),
                    p.push(V::I(s.resident_id)),
                    p.push(V::T(s.name.clone())),
                    p.push(V::T(s.path.clone())),
                    p.push(V::I(s.signed_at)),
                    p.push(V::Bool(s.attended)),
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO activity_signups (activity_id, resident_id, name, path, signed_at, \
             attended) VALUES {}",
            values.join(",")
        );
        bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Set every activity's `signed` and `attended` under `path` from its sign-ups.
pub async fn recount(conn: &mut Conn, path: &str) -> Result<()> {
    let mut p = Params::default();
    let sql = format!(
        "UPDATE activities SET \
         signed = (SELECT COUNT(*) FROM activity_signups s \
                   WHERE s.activity_id = activities.id AND s.cancelled_at IS NULL), \
         attended = (SELECT COUNT(*) FROM activity_signups s \
                   WHERE s.activity_id = activities.id AND s.cancelled_at IS NULL \
                   AND s.attended = TRUE) \
         WHERE {}",
        p.range("path", path)
    );
    bind(sqlx::query(&sql), &p.vals).execute(&mut *conn).await?;
    Ok(())
}
