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
