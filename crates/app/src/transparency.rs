//! The transparency log's use-cases (issue 12 §3; docs/transparency.md): append the public
//! records not yet logged, sign checkpoints, serve entries and proofs, take witnesses'
//! cosignatures, and verify the whole log from its stored entries.
//!
//! Records reach the log through [`Transparency::publish_at`], a job of `jingzhi serve` (every
//! 30 s) and of `jingzhi transparency publish`: it finds closed votes and locked minutes that have
//! no entry yet, appends them, and signs a checkpoint when the log grew. A record is logged once
//! (a unique index on kind and record id), so two servers running the job cannot log it twice.

use crate::participation::votes::{final_result, Vote};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_domain::transparency::merkle::{self, Frontier, Hash};
use jingzhi_domain::transparency::note::{self, Checkpoint, Note, Signer, Verifier};
use jingzhi_domain::transparency::{
    entry_bytes, Audit, AuditReport, EntryKind, ProofFile, StoredCheckpoint, PROOF_FORMAT,
};
use jingzhi_store::participation::meetings::{self as sm, Meeting};
use jingzhi_store::participation::votes as sv;
use jingzhi_store::transparency::{self as st, NewEntry};
use jingzhi_store::{audit, Conn};
use serde_json::json;

/// The log's signing key, named by its origin line (a field of [`App`]).
#[derive(Clone, Debug)]
pub struct LogKey {
    signer: Signer,
}

impl LogKey {
    /// The key for `origin` from the seed the store's master key derives.
    pub fn new(origin: &str, seed: &[u8; 32]) -> AppResult<Self> {
        let signer = Signer::from_seed(origin, note::ALG_ED25519, seed)
            .map_err(|e| AppError::invalid("transparency_origin", e.0))?;
        Ok(Self { signer })
    }

    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    pub fn verifier(&self) -> Verifier {
        self.signer.verifier()
    }
}

/// What one publishing run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Published {
    pub appended: u64,
    pub size: u64,
    /// A new checkpoint was signed.
    pub signed: bool,
}

/// A checkpoint as the public page shows it: size, root, when, and who cosigned.
#[derive(Debug, Clone)]
pub struct CheckpointView {
    pub tree_size: u64,
    pub root: Hash,
    pub signed_at: i64,
    /// The signed note with every cosignature line.
    pub note: String,
    /// (witness, when it cosigned, ms)
    pub cosigned_by: Vec<(String, i64)>,
}

pub struct Transparency<'a> {
    app: &'a App,
}

impl App {
    pub fn transparency(&self) -> Transparency<'_> {
        Transparency { app: self }
    }
}

/// A log's request that cannot be answered as asked (the web answers 400).
fn bad(field: &'static str, reason: &str) -> AppError {
    AppError::invalid(field, reason)
}

impl Transparency<'_> {
    /// The verifier key (`name+hash+base64`).
    pub fn key(&self) -> String {
        self.app.log_key.verifier().encode()
    }

    pub fn origin(&self) -> &str {
        self.app.log_key.origin()
    }

    pub async fn publish(&self) -> AppResult<Published> {
        self.publish_at(now_ms()).await
    }

    /// Append every public record not yet logged, then sign a checkpoint if the log grew since
    /// the last one (or none exists yet).
    pub async fn publish_at(&self, now: i64) -> AppResult<Published> {
        self.app.participation().lock_due_minutes_at(now).await?;
        let mut appended = 0;
        loop {
            let n = self.append_pending(now).await?;
            if n == 0 {
                break;
            }
            appended += n;
        }
        let (size, signed) = self.sign_at(now).await?;
        Ok(Published {
            appended,
            size,
            signed,
        })
    }

    /// One transaction: up to 200 vote results and 200 minutes.
    async fn append_pending(&self, now: i64) -> AppResult<u64> {
        let mut tx = self.app.store.begin().await?;
        let all = crate::participation::everywhere();
        let mut entries = Vec::new();
        for id in st::unlogged_vote_results(&mut tx, now, 200).await? {
            let v = sv::get(&mut tx, &all, id).await?;
            entries.push(vote_entry(&mut tx, &v, now).await?);
        }
        for id in st::unlogged_minutes(&mut tx, 200).await? {
            let m = sm::get(&mut tx, &all, id).await?;
            entries.push(minutes_entry(&m)?);
        }
        if entries.is_empty() {
            return Ok(0);
        }
        st::append(&mut tx, &entries, now).await?;
        jingzhi_store::commit(tx).await?;
        Ok(entries.len() as u64)
    }

    /// Sign a checkpoint of the committed log when it is larger than the newest checkpoint.
    async fn sign_at(&self, now: i64) -> AppResult<(u64, bool)> {
        let mut tx = self.app.store.begin().await?;
        let size = st::size(&mut tx).await?;
        let latest = st::latest_checkpoint(&mut tx).await?;
        if latest.as_ref().is_some_and(|c| c.tree_size >= size) {
            return Ok((size, false));
        }
        let root = root_of(&mut tx, size).await?;
        let cp = Checkpoint {
            origin: self.origin().to_string(),
            size,
            root,
        };
        let note = self.app.log_key.signer.sign_checkpoint(&cp);
        let signed = st::insert_checkpoint(&mut tx, size, &root, &note, now).await?;
        jingzhi_store::commit(tx).await?;
        Ok((size, signed))
    }

    /// Publish every 30 s until dropped (inside `jingzhi serve`): the checkpoint of a growing log
    /// is never more than a minute old.
    pub async fn run_publisher_forever(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.publish().await {
                Ok(p) if p.appended > 0 || p.signed => tracing::info!(
                    appended = p.appended,
                    size = p.size,
                    signed = p.signed,
                    "transparency log published"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "transparency publishing failed"),
            }
        }
    }

    /// The newest checkpoint as a signed note with the witnesses' cosignature lines.
    pub async fn checkpoint(&self) -> AppResult<CheckpointView> {
        let mut conn = self.app.store.acquire().await?;
        let cp = st::latest_checkpoint(&mut conn)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(&mut conn, cp).await
    }

    async fn view(&self, conn: &mut Conn, cp: st::StoredCheckpoint) -> AppResult<CheckpointView> {
        let cosigs = st::cosignatures(conn, cp.tree_size).await?;
        let mut note = cp.note.clone();
        for (_, line, _) in &cosigs {
            note.push_str(line);
        }
        Ok(CheckpointView {
            tree_size: cp.tree_size,
            root: cp.root,
            signed_at: cp.signed_at,
            note,
            cosigned_by: cosigs.into_iter().map(|(w, _, at)| (w, at)).collect(),
        })
    }

    /// An entry's exact bytes.
    pub async fn entry(&self, index: u64) -> AppResult<Vec<u8>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(st::entry(&mut conn, index).await?)
    }

    /// The inclusion proof of the entry at `index` in the tree of `tree_size` entries.
    pub async fn inclusion(&self, index: u64, tree_size: u64) -> AppResult<Vec<Hash>> {
        let mut conn = self.app.store.acquire().await?;
        let size = st::size(&mut conn).await?;
        if tree_size > size {
            return Err(bad("tree_size", "beyond the log's size"));
        }
        if index >= tree_size {
            return Err(bad("index", "beyond the tree size"));
        }
        proof(&mut conn, &merkle::inclusion_ranges(index, tree_size)).await
    }

    /// The consistency proof between the trees of `from` and `to` entries.
    pub async fn consistency(&self, from: u64, to: u64) -> AppResult<Vec<Hash>> {
        if from == 0 {
            return Err(bad("from", "must be at least 1"));
        }
        if from > to {
            return Err(bad("from", "larger than to"));
        }
        let mut conn = self.app.store.acquire().await?;
        if to > st::size(&mut conn).await? {
            return Err(bad("to", "beyond the log's size"));
        }
        proof(&mut conn, &merkle::consistency_ranges(from, to)).await
    }

    /// The proof file of the entry at `index` against the newest checkpoint that covers it
    /// (`None` until a checkpoint does).
    pub async fn proof_file(&self, index: u64) -> AppResult<Option<ProofFile>> {
        let mut conn = self.app.store.acquire().await?;
        let entry = st::entry(&mut conn, index).await?;
        let Some(cp) = st::latest_checkpoint(&mut conn).await? else {
            return Ok(None);
        };
        if cp.tree_size <= index {
            return Ok(None);
        }
        let hashes = proof(&mut conn, &merkle::inclusion_ranges(index, cp.tree_size)).await?;
        let view = self.view(&mut conn, cp).await?;
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        Ok(Some(ProofFile {
            format: PROOF_FORMAT.into(),
            log_key: self.key(),
            checkpoint: view.note,
            index,
            tree_size: view.tree_size,
            entry: String::from_utf8(entry)
                .map_err(|_| AppError::Internal("a log entry is not UTF-8".into()))?,
            hashes: hashes.iter().map(|h| b64.encode(h)).collect(),
        }))
    }

    /// The newest entries, newest first.
    pub async fn recent(&self, limit: i64) -> AppResult<Vec<st::ListedEntry>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(st::entries_under(&mut conn, "/", limit).await?)
    }

    /// The log index of a record, once it is logged.
    pub async fn index_of(&self, kind: EntryKind, subject_id: i64) -> AppResult<Option<u64>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(st::entry_of(&mut conn, kind, subject_id)
            .await?
            .map(|(i, _)| i))
    }

    /// Register a witness by its verifier key (city administrators; audited).
    pub async fn add_witness(&self, actor: &Actor, verifier_key: &str) -> AppResult<String> {
        actor.require(Permission::ManageUsers)?;
        let v = Verifier::parse(verifier_key).map_err(|e| AppError::invalid("key", e.0))?;
        if v.encode() == self.key() {
            return Err(AppError::invalid(
                "key",
                "the log's own key cannot be its witness",
            ));
        }
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let w = st::Witness {
            name: v.name().to_string(),
            verifier_key: v.encode(),
            added_by_name: actor.user.display_name.clone(),
            added_at: now,
        };
        if !st::add_witness(&mut tx, &w).await? {
            return Err(AppError::Conflict {
                field: "key".into(),
                reason: "这个见证方名称已登记".into(),
            });
        }
        let root = crate::participation::everywhere();
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "transparency_witness",
                None,
                &root.path,
                format!("登记透明日志见证方：{}", w.name),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(w.name)
    }

    /// Take a witness's cosignature: `body` is the checkpoint note as the log signed it with the
    /// witness's cosignature line(s) after it. Every line from a registered witness that verifies
    /// over a checkpoint this log signed is kept; none at all is 422.
    pub async fn cosign(&self, body: &str) -> AppResult<Vec<String>> {
        let note = Note::parse(body).map_err(|e| AppError::invalid("note", e.0))?;
        let cp = Checkpoint::parse(&note.text).map_err(|e| AppError::invalid("note", e.0))?;
        let mut tx = self.app.store.begin().await?;
        let stored = st::checkpoint_at(&mut tx, cp.size)
            .await?
            .filter(|s| s.note.starts_with(&note.text) && s.root == cp.root)
            .ok_or_else(|| AppError::invalid("note", "this log signed no such checkpoint"))?;
        let witnesses = st::witnesses(&mut tx).await?;
        let mut kept = Vec::new();
        for line in &note.signatures {
            for w in &witnesses {
                let Ok(v) = Verifier::parse(&w.verifier_key) else {
                    continue;
                };
                if let Some(time) = v.cosigned(&note.text, line) {
                    let at = i64::try_from(time).unwrap_or(i64::MAX / 1000) * 1000;
                    st::put_cosignature(&mut tx, stored.tree_size, &w.name, &line.encode(), at)
                        .await?;
                    kept.push(w.name.clone());
                }
            }
        }
        if kept.is_empty() {
            return Err(AppError::invalid(
                "note",
                "no cosignature from a registered witness verifies",
            ));
        }
        jingzhi_store::commit(tx).await?;
        Ok(kept)
    }

    /// Recompute the tree from the stored entries and check every stored checkpoint against it
    /// and against the log's key (`jingzhi transparency verify`).
    pub async fn verify(&self) -> AppResult<AuditReport> {
        let mut conn = self.app.store.acquire().await?;
        let key = self.app.log_key.verifier();
        let stored = st::checkpoints(&mut conn).await?;
        let checks = stored
            .iter()
            .map(|c| {
                let root = Note::parse(&c.note)
                    .ok()
                    .and_then(|n| n.verified_by(&key).map(str::to_string))
                    .and_then(|t| Checkpoint::parse(&t).ok())
                    .filter(|cp| cp.size == c.tree_size && cp.origin == key.name())
                    .map(|cp| cp.root);
                StoredCheckpoint {
                    size: c.tree_size,
                    root,
                }
            })
            .collect();
        let mut audit = Audit::new(checks);
        st::each_entry(&mut conn, |i, e, l| audit.push(i, e, l)).await?;
        Ok(audit.finish())
    }

    /// Append `count` synthetic entries in batches (the benchmark, on a scratch database).
    pub async fn append_synthetic(&self, count: u64, batch: u64) -> AppResult<u64> {
        let mut done = 0;
        while done < count {
            let n = batch.min(count - done);
            let mut tx = self.app.store.begin().await?;
            let first = st::size(&mut tx).await?;
            let entries: Vec<NewEntry> = (0..n)
                .map(|i| {
                    let id = (first + i) as i64 + 1_000_000_000_000;
                    let bytes = entry_bytes(
                        EntryKind::VoteResult,
                        json!({"vote_id": id, "question": "基准测试", "cast": i, "eligible": n}),
                    )
                    .expect("integers and strings");
                    NewEntry {
                        kind: EntryKind::VoteResult,
                        subject_id: id,
                        path: "/".into(),
                        entry: bytes,
                    }
                })
                .collect();
            st::append(&mut tx, &entries, now_ms()).await?;
            jingzhi_store::commit(tx).await?;
            done += n;
        }
        Ok(done)
    }
}

/// The hashes of `ranges` from the stored subtrees.
async fn proof(conn: &mut Conn, ranges: &[(u64, u64)]) -> AppResult<Vec<Hash>> {
    let nodes = st::load_nodes(conn, &merkle::nodes_for(ranges)).await?;
    merkle::hashes_for(ranges, &nodes)
        .ok_or_else(|| AppError::Internal("transparency log: a stored subtree is missing".into()))
}

async fn root_of(conn: &mut Conn, size: u64) -> AppResult<Hash> {
    let nodes = st::load_nodes(conn, &Frontier::ids(size)).await?;
    Frontier::from_nodes(size, &nodes)
        .map(|f| f.root())
        .ok_or_else(|| AppError::Internal("transparency log: a stored subtree is missing".into()))
}

fn canonical(kind: EntryKind, v: serde_json::Value) -> AppResult<Vec<u8>> {
    entry_bytes(kind, v).map_err(|e| AppError::Internal(e.to_string()))
}

/// A closed vote's result as its log entry: the question, the rules, the counts and the
/// outcome; nobody's ballot.
async fn vote_entry(conn: &mut Conn, v: &Vote, now: i64) -> AppResult<NewEntry> {
    let r = final_result(conn, v, now).await?;
    let counts: serde_json::Map<String, serde_json::Value> = r
        .counts
        .iter()
        .map(|(o, n)| (o.clone(), json!(n)))
        .collect();
    let record = json!({
        "vote_id": v.id,
        "node_id": v.node_id,
        "place": v.node_name,
        "question": v.question,
        "options": v.options,
        "unit": v.unit.as_str(),
        "quorum_percent": v.quorum_percent,
        "majority": v.majority.as_str(),
        "majority_of": v.majority_of.as_str(),
        "opens_at": v.opens_at,
        "closed_at": v.closed_at.unwrap_or(v.closes_at),
        "eligible": r.eligible,
        "cast": r.cast,
        "counts": counts,
        "quorum_met": r.quorum_met,
        "outcome": r.outcome,
    });
    Ok(NewEntry {
        kind: EntryKind::VoteResult,
        subject_id: v.id,
        path: v.path.clone(),
        entry: canonical(EntryKind::VoteResult, record)?,
    })
}

/// Locked minutes as their log entry: which meeting, and the SHA-256 of the minutes' canonical
/// text (the meeting's page shows the text and checks it against this).
fn minutes_entry(m: &Meeting) -> AppResult<NewEntry> {
    let record = json!({
        "meeting_id": m.id,
        "node_id": m.node_id,
        "place": m.node_name,
        "kind": m.kind.as_str(),
        "title": m.title,
        "held_at": m.held_at,
        "locked_at": m.locked_at,
        "minutes_sha256": m.minutes_hash,
    });
    Ok(NewEntry {
        kind: EntryKind::Minutes,
        subject_id: m.id,
        path: m.path.clone(),
        entry: canonical(EntryKind::Minutes, record)?,
    })
}
