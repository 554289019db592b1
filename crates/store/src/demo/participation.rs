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
