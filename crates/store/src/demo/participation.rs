//! The demo's ballots, written in bulk (paper ballots entered at the community's desk).

use crate::sql::{insert_many, V};
use crate::{Conn, Result};

/// The units eligible for a vote (taken at its opening), in id order.
pub async fn units(conn: &mut Conn, vote_id: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT unit_id FROM vote_units WHERE vote_id = $1 ORDER BY unit_id")
            .bind(vote_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Paper ballots `(unit, option index)` at `at`, recorded by nobody (the command line).
pub async fn ballots(conn: &mut Conn, vote_id: i64, rows: &[(i64, usize)], at: i64) -> Result<u64> {
    let rows: Vec<Vec<V>> = rows
        .iter()
        .map(|(u, o)| {
            vec![
                V::I(vote_id),
                V::I(*u),
                V::I(*o as i64),
                V::T("paper".into()),
                V::I(at),
            ]
        })
        .collect();
    insert_many(
        conn,
        "ballots",
        &["vote_id", "unit_id", "option_index", "channel", "at"],
        &rows,
    )
    .await
}

/// Residents of a place (adults first by id), for the demo's authors and supporters.
pub async fn residents_of(conn: &mut Conn, path: &str, limit: i64) -> Result<Vec<i64>> {
    let (lo, hi) = jingzhi_domain::scope::path_range(path);
    Ok(sqlx::query_scalar(
        "SELECT id FROM residents WHERE path >= $1 AND path < $2 AND birth_date <= '2006-01-01' \
         ORDER BY id LIMIT $3",
    )
    .bind(lo)
    .bind(hi)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Supports of a proposal by these residents at `at`, in bulk; the proposal's count follows.
pub async fn supports(
    conn: &mut Conn,
    proposal_id: i64,
    residents: &[i64],
    at: i64,
) -> Result<u64> {
    let rows: Vec<Vec<V>> = residents
        .iter()
        .map(|r| vec![V::I(proposal_id), V::I(*r), V::I(at)])
        .collect();
    let n = insert_many(
        conn,
        "proposal_supports",
        &["proposal_id", "resident_id", "at"],
        &rows,
    )
    .await?;
    sqlx::query(
        "UPDATE proposals SET supports = (SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = $1) \
         WHERE id = $1",
    )
    .bind(proposal_id)
    .execute(&mut *conn)
    .await?;
    Ok(n)
}

/// A community's year of demo proposals (`domain::demo::participation::year_of_proposals`):
/// the rows, their supports and their timelines, in bulk, filed by the community's stewards
/// (`filed_by_name`) for their authors. Returns how many proposals.
pub async fn city_proposals(
    conn: &mut Conn,
    community_id: i64,
    community_path: &str,
    rows: &[jingzhi_domain::demo::participation::DemoProposal],
    filed_by_name: &str,
) -> Result<u64> {
    use jingzhi_domain::participation::proposals::{Phase, ANSWER_DAYS};
    const DAY: i64 = 24 * 3600 * 1000;
    let mut supports: Vec<Vec<V>> = vec![];
    let mut timeline: Vec<Vec<V>> = vec![];
    for p in rows {
        let answer_due = p.reached_at.map(|r| r + ANSWER_DAYS * DAY);
        let updated = p
            .answer
            .map(|(_, at)| at)
            .or(p.reached_at)
            .unwrap_or(p.filed_at);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO proposals (node_id, path, community_id, title, body, author_resident_id, \
             author_name, filed_by, filed_by_name, phase, supports, awaiting_since, answer_due, \
             answer, created_at, updated_at) VALUES ($1,$2,$1,$3,$4,$5, \
             (SELECT name FROM residents WHERE id = $5),NULL,$6,$7,$8,$9,$10,$11,$12,$13) \
             RETURNING id",
        )
        .bind(community_id)
        .bind(community_path)
        .bind(p.title)
        .bind(p.body)
        .bind(p.author)
        .bind(filed_by_name)
        .bind(p.phase)
        .bind(p.supporters.len() as i64)
        .bind(p.reached_at)
        .bind(answer_due)
        .bind(p.answer.map(|a| a.0))
        .bind(p.filed_at)
        .bind(updated)
        .fetch_one(&mut *conn)
        .await?;
        let span = p.reached_at.unwrap_or(p.filed_at + 20 * DAY) - p.filed_at;
        for (i, r) in p.supporters.iter().enumerate() {
            let at = p.filed_at + span * (i as i64 + 1) / (p.supporters.len() as i64 + 1);
            supports.push(vec![V::I(id), V::I(*r), V::I(at)]);
        }
        let mut step = |at: i64, phase: Phase, by: &str, note: Option<&str>| {
            timeline.push(vec![
                V::I(id),
                V::I(at),
                V::T(phase.as_str().into()),
                V::T(by.into()),
                V::OT(note.map(str::to_string)),
            ]);
        };
        step(
            p.filed_at,
            Phase::Collecting,
            filed_by_name,
            Some("楼道管家入户收集，代居民提交"),
        );
        if let Some(at) = p.reached_at {
            step(at, Phase::AwaitingAnswer, "附议达到人数", None);
        }
        match (p.phase, p.answer) {
            ("taken_up", Some((note, at))) => step(at, Phase::TakenUp, "社区", Some(note)),
            ("declined", Some((note, at))) => step(at, Phase::Declined, "社区", Some(note)),
            ("withdrawn", _) => step(p.filed_at + 30 * DAY, Phase::Withdrawn, "提案人", None),
            _ => {}
        }
    }
    insert_many(
        conn,
        "proposal_supports",
        &["proposal_id", "resident_id", "at"],
        &supports,
    )
    .await?;
    insert_many(
        conn,
        "proposal_timeline",
        &["proposal_id", "at", "phase", "actor_name", "note"],
        &timeline,
    )
    .await?;
    Ok(rows.len() as u64)
}
