//! The demo city's rounds, in bulk: posts, visits, findings, specialists and their services
//! (see [`demo_seed`]).

use crate::rounds::{specialist_values, NewSpecialist, SPECIALIST_COLS};
use crate::sql::{insert_many, V};
use crate::{Conn, Result};
use jingzhi_domain::rounds::{Month, PostKind};
use serde::Serialize;
use sqlx::Row;

/// A demo account that holds a post or a specialist's place.
#[derive(Debug, Clone)]
pub struct DemoHolder {
    pub user_id: i64,
    pub display_name: String,
    pub scope_path: String,
}

#[derive(Debug, Clone, Default)]
pub struct DemoHolders {
    pub grid_worker: Option<DemoHolder>,
    pub steward: Option<DemoHolder>,
    pub department: Option<DemoHolder>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoCounts {
    pub posts: u64,
    pub visits: u64,
    pub findings: u64,
    pub specialists: u64,
    pub services: u64,
}

/// `(x * 2654435761 + salt) mod 1000003`: a pseudo-random number per row, in SQL both
/// backends compute alike (no overflow below 3.4 billion ids).
fn sql_hash(col: &str, salt: u64) -> String {
    format!("(({col} * 2654435761 + {salt}) % 1000003)")
}

/// Rounds for the demo city, in bulk: a grid-worker post over every grid and a steward post over
/// the first half of its buildings (the demo accounts hold those of 东北村's first grid), visits
/// over the last 60 days (about three households in four visited in the last 30 days), a
/// finding on one visit in eleven, one or two specialists per grid with a service in most
/// months (about one month in ten missed).
pub async fn demo_seed(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    holders: &DemoHolders,
    seed: u64,
    now: i64,
) -> Result<DemoCounts> {
    use jingzhi_domain::demo::rounds as dd;
    const DAY_S: i64 = 24 * 3600;
    let mut counts = DemoCounts::default();
    let grids: Vec<(i64, String)> =
        sqlx::query("SELECT id, path FROM nodes WHERE kind = 'grid' ORDER BY path")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
            .collect::<Result<_>>()?;
    let buildings: Vec<(i64, String)> =
        sqlx::query("SELECT id, path FROM nodes WHERE kind = 'building' ORDER BY path")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
            .collect::<Result<_>>()?;
    // Buildings by grid (both lists are in path order).
    let mut by_grid: Vec<Vec<(i64, String)>> = vec![vec![]; grids.len()];
    let mut gi = 0;
    for b in buildings {
        while gi < grids.len() && !b.1.starts_with(&grids[gi].1) {
            gi += 1;
        }
        if gi == grids.len() {
            break;
        }
        by_grid[gi].push(b);
    }
    let gw_grid = holders
        .grid_worker
        .as_ref()
        .and_then(|h| grids.iter().position(|g| g.1.starts_with(&h.scope_path)));
    let st_grid = holders
        .steward
        .as_ref()
        .and_then(|h| grids.iter().position(|g| g.1.starts_with(&h.scope_path)));

    // Posts.
    let mut rows = vec![];
    for (i, (gid, gpath)) in grids.iter().enumerate() {
        if by_grid[i].is_empty() {
            continue;
        }
        for kind in [PostKind::GridWorker, PostKind::Steward] {
            let holder = match kind {
                PostKind::GridWorker if gw_grid == Some(i) => holders.grid_worker.as_ref(),
                PostKind::Steward if st_grid == Some(i) => holders.steward.as_ref(),
                _ => None,
            };
            let name = match holder {
                Some(h) => h.display_name.clone(),
                None => dd::person_name(seed, (i as u64) * 2 + (kind == PostKind::Steward) as u64),
            };
            rows.push(vec![
                V::T(kind.as_str().into()),
                V::OI(holder.map(|h| h.user_id)),
                V::T(name),
                V::I(*gid),
                V::T(gpath.clone()),
                V::I(now),
                V::I(now),
            ]);
        }
    }
    counts.posts = insert_many(
        conn,
        "rounds_posts",
        &[
            "kind",
            "user_id",
            "holder_name",
            "grid_id",
            "path",
            "created_at",
            "updated_at",
        ],
        &rows,
    )
    .await?;
    let posts: Vec<(i64, i64, String)> =
        sqlx::query("SELECT id, grid_id, kind FROM rounds_posts ORDER BY id")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("grid_id")?, r.try_get("kind")?)))
            .collect::<Result<_>>()?;
    let grid_index: std::collections::HashMap<i64, usize> =
        grids.iter().enumerate().map(|(i, g)| (g.0, i)).collect();
    let mut rows = vec![];
    for (pid, gid, kind) in &posts {
        let Some(&i) = grid_index.get(gid) else {
            continue;
        };
        let bs = &by_grid[i];
        let take = if kind == "steward" {
            bs.len().div_ceil(2)
        } else {
            bs.len()
        };
        for (bid, bpath) in &bs[..take] {
            rows.push(vec![
                V::I(*pid),
                V::I(*bid),
                V::T(kind.clone()),
                V::T(bpath.clone()),
            ]);
        }
    }
    insert_many(
        conn,
        "rounds_post_buildings",
        &["post_id", "building_id", "kind", "path"],
        &rows,
    )
    .await?;

    // The secondary indexes of the visit tables are built once after the bulk inserts (the
    // same definitions as in 0008_rounds.sql).
    const BULK_INDEXES: &[(&str, &str)] = &[
        (
            "rounds_visits_household",
            "rounds_visits(household_id, visited_at)",
        ),
        (
            "rounds_visits_visitor",
            "rounds_visits(visitor_user_id, visited_at)",
        ),
        ("rounds_visits_post", "rounds_visits(post_id, visited_at)"),
        ("rounds_visits_path", "rounds_visits(path, visited_at)"),
        (
            "rounds_last_visits_grid",
            "rounds_last_visits(grid_id, last_at)",
        ),
        (
            "rounds_last_visits_building",
            "rounds_last_visits(building_id, last_at)",
        ),
        (
            "rounds_last_visits_path",
            "rounds_last_visits(path, last_at)",
        ),
    ];
    for (name, _) in BULK_INDEXES {
        sqlx::query(&format!("DROP INDEX IF EXISTS {name}"))
            .execute(&mut *conn)
            .await?;
    }
    // Visits: (post kind, salt, share of households in percent, oldest and newest day ago).
    let notes = dd::NOTES
        .iter()
        .enumerate()
        .map(|(i, n)| format!("WHEN {i} THEN '{n}'"))
        .collect::<Vec<_>>()
        .join(" ");
    for (kind, salt, pct, from_day, to_day) in [
        ("grid_worker", seed % 1000 + 11, 72, 0i64, 30i64),
        ("grid_worker", seed % 1000 + 23, 30, 30, 60),
        ("steward", seed % 1000 + 37, 35, 0, 45),
    ] {
        let h = sql_hash("h.id", salt);
        let span = (to_day - from_day) * DAY_S;
        let sql = format!(
            "INSERT INTO rounds_visits (household_id, post_id, path, visitor_user_id, visitor_name, visited_at, note, created_at) \
             SELECT h.id, p.id, h.path, p.user_id, p.holder_name, \
             $1 - ({from} + ({h} * 7919) % {span}) * 1000, \
             CASE {h} % 13 {notes} ELSE NULL END, $1 \
             FROM households h JOIN rounds_post_buildings pb ON pb.building_id = h.building_id AND pb.kind = '{kind}' \
             JOIN rounds_posts p ON p.id = pb.post_id WHERE {h} % 100 < {pct}",
            from = from_day * DAY_S,
        );
        counts.visits += sqlx::query(&sql)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    let kinds = dd::FINDINGS
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("WHEN {i} THEN '{k}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let texts = dd::FINDINGS
        .iter()
        .enumerate()
        .map(|(i, (_, t))| format!("WHEN {i} THEN '{t}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let n = dd::FINDINGS.len();
    counts.findings = sqlx::query(&format!(
        "INSERT INTO rounds_findings (visit_id, path, kind, text, created_at) \
         SELECT v.id, v.path, CASE (v.id / 11) % {n} {kinds} END, CASE (v.id / 11) % {n} {texts} END, v.visited_at \
         FROM rounds_visits v WHERE v.id % 11 = 0"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO rounds_last_visits (household_id, building_id, grid_id, path, last_at) \
         SELECT v.household_id, MAX(h.building_id), MAX(p.grid_id), MAX(v.path), MAX(v.visited_at) \
         FROM rounds_visits v JOIN households h ON h.id = v.household_id JOIN rounds_posts p ON p.id = v.post_id \
         GROUP BY v.household_id",
    )
    .execute(&mut *conn)
    .await?;
    for (name, def) in BULK_INDEXES {
        sqlx::query(&format!("CREATE INDEX {name} ON {def}"))
            .execute(&mut *conn)
            .await?;
    }

    // Specialists: one per grid, two in every third; since 6 to 14 months ago.
    let current = Month::of_ms(now);
    let mut rows = vec![];
    for (i, (gid, gpath)) in grids.iter().enumerate() {
        let n = if i % 3 == 0 { 2 } else { 1 };
        for k in 0..n {
            let h = dd::mix(seed ^ (i as u64 * 4 + k) ^ 0x5eed);
            let dept = dd::DEPARTMENTS[(h % dd::DEPARTMENTS.len() as u64) as usize];
            let phone = jingzhi_domain::registry::Phone::parse(&format!(
                "13{}{:08}",
                5 + h % 5,
                (h >> 8) % 100_000_000
            ))
            .ok();
            let name = dd::person_name(seed ^ 0x5eed, i as u64 * 4 + k);
            let party_org = format!("{dept}机关党支部");
            let user = holders
                .department
                .as_ref()
                .filter(|d| gw_grid == Some(i) && k == 0 && gpath.starts_with(&d.scope_path));
            rows.push(specialist_values(
                cipher,
                &NewSpecialist {
                    grid_id: *gid,
                    path: gpath,
                    name: &name,
                    department: dept,
                    party_org: &party_org,
                    phone: phone.as_ref(),
                    user_id: user.map(|u| u.user_id),
                    since: Month(current.0 - 6 - ((h >> 40) % 9) as i64),
                },
                now,
            ));
        }
    }
    counts.specialists = insert_many(conn, "rounds_specialists", &SPECIALIST_COLS, &rows).await?;
    let specs: Vec<(i64, String, String, i64)> =
        sqlx::query("SELECT id, path, name, since_month FROM rounds_specialists ORDER BY id")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("path")?,
                    r.try_get("name")?,
                    r.try_get("since_month")?,
                ))
            })
            .collect::<Result<_>>()?;
    let mut rows = vec![];
    for (id, path, name, since) in &specs {
        for m in *since..=current.0 {
            let h = dd::mix(seed ^ ((*id as u64) << 16) ^ m as u64);
            // About one past month in ten missed; this month logged by four in ten so far.
            let served = if m == current.0 {
                h % 10 < 4
            } else {
                h % 10 != 0
            };
            if !served {
                continue;
            }
            let month_start = {
                let y = m.div_euclid(12) as i32;
                let mo = (m.rem_euclid(12) + 1) as u8;
                time::Date::from_calendar_date(
                    y,
                    time::Month::try_from(mo).unwrap_or(time::Month::January),
                    1,
                )
                .ok()
                .and_then(|d| d.with_hms(2, 0, 0).ok())
                .map(|d| d.assume_utc().unix_timestamp() * 1000)
                .unwrap_or(now)
            };
            let at = (month_start + ((h >> 12) % 25) as i64 * 24 * 3600 * 1000).min(now);
            rows.push(vec![
                V::I(*id),
                V::T(path.clone()),
                V::I(m),
                V::T(dd::SERVICES[((h >> 32) % dd::SERVICES.len() as u64) as usize].into()),
                V::OI(None),
                V::T(name.clone()),
                V::I(at),
            ]);
        }
    }
    counts.services = insert_many(
        conn,
        "rounds_services",
        &[
            "specialist_id",
            "path",
            "month",
            "content",
            "logged_by_id",
            "logged_by_name",
            "created_at",
        ],
        &rows,
    )
    .await?;
    Ok(counts)
}
