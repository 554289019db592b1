//! The transparency log's rows: entries (exact bytes and leaf hash), the complete subtrees above
//! them, signed checkpoints, witnesses and their cosignatures. The log is public, so nothing here
//! takes a scope: an entry holds no personal data by construction (docs/transparency.md), and
//! what a place's page lists is chosen by `path`.
//!
//! Appends are serialised by moving `transparency_head.size` first, in the caller's transaction.

use crate::sql::{bind, insert_many, Params, V};
use crate::{Conn, Error, Result};
use futures::TryStreamExt;
use jingzhi_domain::transparency::merkle::{Frontier, Hash, NodeId};
use jingzhi_domain::transparency::EntryKind;
use sqlx::Row;
use std::collections::HashMap;

fn hash_of(v: Vec<u8>) -> Result<Hash> {
    <Hash>::try_from(v)
        .map_err(|_| Error::Db(sqlx::Error::Decode("a stored hash is not 32 bytes".into())))
}

/// A record to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub subject_id: i64,
    pub path: String,
    /// Canonical JSON bytes.
    pub entry: Vec<u8>,
}

/// The log's size as committed.
pub async fn size(conn: &mut Conn) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT size FROM transparency_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n as u64)
}

/// Append entries in order; gives the index of the first. Runs inside the caller's transaction.
pub async fn append(conn: &mut Conn, entries: &[NewEntry], now: i64) -> Result<u64> {
    let count = entries.len() as i64;
    let new_size: i64 = sqlx::query_scalar(
        "UPDATE transparency_head SET size = size + $1 WHERE id = 1 RETURNING size",
    )
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    let first = (new_size - count) as u64;
    if entries.is_empty() {
        return Ok(first);
    }
    let nodes = load_nodes(conn, &Frontier::ids(first)).await?;
    let mut frontier = Frontier::from_nodes(first, &nodes).ok_or_else(|| {
        Error::Db(sqlx::Error::Decode(
            "transparency log: a subtree of the frontier is missing".into(),
        ))
    })?;
    let mut entry_rows = Vec::with_capacity(entries.len());
    let mut node_rows = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let leaf = jingzhi_domain::transparency::merkle::leaf_hash(&e.entry);
        for (id, h) in frontier.push(leaf) {
            if id.level > 0 {
                node_rows.push(vec![
                    V::I(i64::from(id.level)),
                    V::I(id.index as i64),
                    V::B(h.to_vec()),
                ]);
            }
        }
        entry_rows.push(vec![
            V::I((first + i as u64) as i64),
            V::T(e.kind.as_str().into()),
            V::I(e.subject_id),
            V::T(e.path.clone()),
            V::B(e.entry.clone()),
            V::B(leaf.to_vec()),
            V::I(now),
        ]);
    }
    insert_many(
        conn,
        "transparency_entries",
        &[
            "idx",
            "kind",
            "subject_id",
            "path",
            "entry",
            "leaf_hash",
            "logged_at",
        ],
        &entry_rows,
    )
    .await?;
    insert_many(
        conn,
        "transparency_nodes",
        &["level", "idx", "hash"],
        &node_rows,
    )
    .await?;
    Ok(first)
}

/// The hashes of the given complete subtrees (leaves from the entries, the rest from the
/// nodes); a missing one is simply absent from the map.
pub async fn load_nodes(conn: &mut Conn, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let mut out = HashMap::with_capacity(ids.len());
    let leaves: Vec<i64> = ids
        .iter()
        .filter(|i| i.level == 0)
        .map(|i| i.index as i64)
        .collect();
    for chunk in leaves.chunks(500) {
        let mut p = Params::default();
        let list: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "SELECT idx, leaf_hash FROM transparency_entries WHERE idx IN ({})",
            list.join(",")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let idx: i64 = r.try_get("idx")?;
            out.insert(
                NodeId {
                    level: 0,
                    index: idx as u64,
                },
                hash_of(r.try_get("leaf_hash")?)?,
            );
        }
    }
    let inner: Vec<&NodeId> = ids.iter().filter(|i| i.level > 0).collect();
    for chunk in inner.chunks(250) {
        let mut p = Params::default();
        let conds: Vec<String> = chunk
            .iter()
            .map(|i| {
                let l = p.push(V::I(i64::from(i.level)));
                let x = p.push(V::I(i.index as i64));
                format!("(level = {l} AND idx = {x})")
            })
            .collect();
        let sql = format!(
            "SELECT level, idx, hash FROM transparency_nodes WHERE {}",
            conds.join(" OR ")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let level: i64 = r.try_get("level")?;
            let idx: i64 = r.try_get("idx")?;
            out.insert(
                NodeId {
                    level: level as u8,
                    index: idx as u64,
                },
                hash_of(r.try_get("hash")?)?,
            );
        }
    }
    Ok(out)
}

/// One entry's exact bytes.
pub async fn entry(conn: &mut Conn, index: u64) -> Result<Vec<u8>> {
    sqlx::query_scalar("SELECT entry FROM transparency_entries WHERE idx = $1")
        .bind(index as i64)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The entry of a record, if it is logged: its index and bytes.
pub async fn entry_of(
    conn: &mut Conn,
    kind: EntryKind,
    subject_id: i64,
) -> Result<Option<(u64, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT idx, entry FROM transparency_entries WHERE kind = $1 AND subject_id = $2",
    )
    .bind(kind.as_str())
    .bind(subject_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| -> Result<(u64, Vec<u8>)> {
        let idx: i64 = r.try_get("idx")?;
        Ok((idx as u64, r.try_get("entry")?))
    })
    .transpose()
}

/// Where these records of a kind sit in the log: (record id, index), for those logged.
pub async fn indexes_of(conn: &mut Conn, kind: EntryKind, ids: &[i64]) -> Result<Vec<(i64, u64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut p = Params::default();
        let k = p.push(V::T(kind.as_str().into()));
        let list: Vec<String> = chunk.iter().map(|i| p.push(V::I(*i))).collect();
        let sql = format!(
            "SELECT subject_id, idx FROM transparency_entries WHERE kind = {k} AND subject_id IN ({})",
            list.join(",")
        );
        let rows = bind(sqlx::query(&sql), &p.vals)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let idx: i64 = r.try_get("idx")?;
            out.push((r.try_get("subject_id")?, idx as u64));
        }
    }
    Ok(out)
}

/// Every entry in index order, handed to `f` one at a time (`transparency verify`: the log is
/// never held in memory).
pub async fn each_entry(conn: &mut Conn, mut f: impl FnMut(u64, &[u8], &[u8])) -> Result<u64> {
    let mut rows =
        sqlx::query("SELECT idx, entry, leaf_hash FROM transparency_entries ORDER BY idx")
            .fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        let idx: i64 = r.try_get("idx")?;
        let entry: Vec<u8> = r.try_get("entry")?;
        let leaf: Vec<u8> = r.try_get("leaf_hash")?;
        f(idx as u64, &entry, &leaf);
        n += 1;
    }
    Ok(n)
}

/// Closed votes whose result is not logged yet (oldest first).
pub async fn unlogged_vote_results(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT v.id FROM votes v LEFT JOIN transparency_entries t \
         ON t.kind = 'vote_result' AND t.subject_id = v.id \
         WHERE t.idx IS NULL AND (v.closed_at IS NOT NULL OR v.closes_at <= $1) \
         ORDER BY v.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Meetings whose minutes are locked but not logged yet (oldest first).
pub async fn unlogged_minutes(conn: &mut Conn, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT m.id FROM meetings m LEFT JOIN transparency_entries t \
         ON t.kind = 'minutes' AND t.subject_id = m.id \
         WHERE t.idx IS NULL AND m.locked_at IS NOT NULL AND m.minutes_hash IS NOT NULL \
         ORDER BY m.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub root: Hash,
    /// The signed note (the log's signature only; cosignatures are kept apart).
    pub note: String,
    pub signed_at: i64,
}

fn checkpoint_from(r: &sqlx::any::AnyRow) -> Result<StoredCheckpoint> {
    let size: i64 = r.try_get("tree_size")?;
    Ok(StoredCheckpoint {
        tree_size: size as u64,
        root: hash_of(r.try_get("root_hash")?)?,
        note: r.try_get("note")?,
        signed_at: r.try_get("signed_at")?,
    })
}

pub async fn latest_checkpoint(conn: &mut Conn) -> Result<Option<StoredCheckpoint>> {
    let r = sqlx::query(
        "SELECT tree_size, root_hash, note, signed_at FROM transparency_checkpoints \
         ORDER BY tree_size DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(checkpoint_from).transpose()
}

pub async fn checkpoint_at(conn: &mut Conn, tree_size: u64) -> Result<Option<StoredCheckpoint>> {
    let r = sqlx::query(
        "SELECT tree_size, root_hash, note, signed_at FROM transparency_checkpoints \
         WHERE tree_size = $1",
    )
    .bind(tree_size as i64)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(checkpoint_from).transpose()
}

/// Every checkpoint, smallest first.
pub async fn checkpoints(conn: &mut Conn) -> Result<Vec<StoredCheckpoint>> {
    let rows = sqlx::query(
        "SELECT tree_size, root_hash, note, signed_at FROM transparency_checkpoints \
         ORDER BY tree_size",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(checkpoint_from).collect()
}

/// Keep a signed checkpoint (a second one of the same size is ignored: false).
pub async fn insert_checkpoint(
    conn: &mut Conn,
    tree_size: u64,
    root: &Hash,
    note: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO transparency_checkpoints (tree_size, root_hash, note, signed_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(tree_size as i64)
    .bind(root.as_slice())
    .bind(note)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    pub name: String,
    pub verifier_key: String,
    pub added_by_name: String,
    pub added_at: i64,
}

pub async fn witnesses(conn: &mut Conn) -> Result<Vec<Witness>> {
    let rows = sqlx::query(
        "SELECT name, verifier_key, added_by_name, added_at FROM transparency_witnesses \
         ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Witness {
                name: r.try_get("name")?,
                verifier_key: r.try_get("verifier_key")?,
                added_by_name: r.try_get("added_by_name")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
}

/// Register a witness; false when the name is taken.
pub async fn add_witness(conn: &mut Conn, w: &Witness) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO transparency_witnesses (name, verifier_key, added_by_name, added_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&w.name)
    .bind(&w.verifier_key)
    .bind(&w.added_by_name)
    .bind(w.added_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Keep a witness's cosignature of a checkpoint (the newest one per witness and size wins).
pub async fn put_cosignature(
    conn: &mut Conn,
    tree_size: u64,
    witness: &str,
    line: &str,
    cosigned_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO transparency_cosignatures (tree_size, witness, line, cosigned_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size, witness) \
         DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at",
    )
    .bind(tree_size as i64)
    .bind(witness)
    .bind(line)
    .bind(cosigned_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The cosignature lines of a checkpoint, by witness name.
pub async fn cosignatures(conn: &mut Conn, tree_size: u64) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT witness, line, cosigned_at FROM transparency_cosignatures WHERE tree_size = $1 \
         ORDER BY witness",
    )
    .bind(tree_size as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("witness")?,
                r.try_get("line")?,
                r.try_get("cosigned_at")?,
            ))
        })
        .collect()
}

/// A logged entry as the public list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedEntry {
    pub index: u64,
    pub kind: EntryKind,
    pub subject_id: i64,
    pub logged_at: i64,
    pub entry: Vec<u8>,
}

/// Entries of a place (its path range), newest first: the public list.
pub async fn entries_under(conn: &mut Conn, path: &str, limit: i64) -> Result<Vec<ListedEntry>> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT idx, kind, subject_id, logged_at, entry FROM transparency_entries WHERE {} \
         ORDER BY idx DESC LIMIT {}",
        p.range("path", path),
        p.push(V::I(limit))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let idx: i64 = r.try_get("idx")?;
            let kind: String = r.try_get("kind")?;
            Ok(ListedEntry {
                index: idx as u64,
                kind: EntryKind::parse(&kind).ok_or_else(|| {
                    Error::Db(sqlx::Error::Decode(format!("bad entry kind {kind}").into()))
                })?,
                subject_id: r.try_get("subject_id")?,
                logged_at: r.try_get("logged_at")?,
                entry: r.try_get("entry")?,
            })
        })
        .collect()
}
