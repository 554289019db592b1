//! The public, append-only transparency log (issue 12 §3), built as Certificate Transparency
//! builds one: every public record (a vote's result, locked minutes, and as they land fund
//! entries, integrity records and appeal outcomes) is appended as its canonical JSON
//! ([`canonical`]) to one RFC 6962 Merkle tree ([`merkle`]); signed checkpoints ([`note`]) let
//! anyone check, without trusting the server, that an entry is in the log and that the log only
//! grew.
//!
//! Pure: the store keeps entries and subtree hashes, the app signs and publishes, the web serves
//! the exact endpoints, the CLI verifies. This module holds the rules all of them share.

pub mod canonical;
pub mod merkle;
pub mod note;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use merkle::{Frontier, Hash};
use serde::{Deserialize, Serialize};

/// What kind of public record an entry is (its `type` member).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A closed vote's result.
    VoteResult,
    /// A meeting's locked minutes (their hash).
    Minutes,
    /// A posted entry of a community fund's ledger.
    FundEntry,
    /// A record of the integrity index (诚信指数).
    IntegrityRecord,
    /// The outcome of an appeal against an integrity record.
    IntegrityAppeal,
}

impl EntryKind {
    pub const ALL: [EntryKind; 5] = [
        EntryKind::VoteResult,
        EntryKind::Minutes,
        EntryKind::FundEntry,
        EntryKind::IntegrityRecord,
        EntryKind::IntegrityAppeal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::VoteResult => "vote_result",
            EntryKind::Minutes => "minutes",
            EntryKind::FundEntry => "fund_entry",
            EntryKind::IntegrityRecord => "integrity_record",
            EntryKind::IntegrityAppeal => "integrity_appeal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The canonical bytes of a record: its members plus `"type"`. `record` must be a JSON object
/// of strings, integers, booleans, arrays and objects (no fractions).
pub fn entry_bytes(
    kind: EntryKind,
    record: serde_json::Value,
) -> Result<Vec<u8>, canonical::CanonicalError> {
    let serde_json::Value::Object(mut m) = record else {
        return Err(canonical::CanonicalError(
            "a log entry is a JSON object".into(),
        ));
    };
    m.insert("type".into(), kind.as_str().into());
    canonical::to_vec(&serde_json::Value::Object(m))
}

/// The default origin line (and key name) when the operator names none.
pub const DEFAULT_ORIGIN: &str = "jingzhi.example/transparency";

/// A proof a resident keeps: an entry, its inclusion proof, and the signed checkpoint it leads
/// to (with the log's key, so the file checks on its own; a verifier may pin the key instead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    pub format: String,
    pub log_key: String,
    pub checkpoint: String,
    pub index: u64,
    pub tree_size: u64,
    /// The entry's exact bytes (canonical JSON, so UTF-8 text).
    pub entry: String,
    /// The inclusion proof, standard base64, from the leaf up.
    pub hashes: Vec<String>,
}

pub const PROOF_FORMAT: &str = "jingzhi-inclusion-proof/v1";

impl ProofFile {
    /// Check the file: the checkpoint is signed by the log's key (the pinned one when given),
    /// its size is the proof's, and the proof leads from the entry to its root. Gives the
    /// checkpoint on success, the first reason it fails otherwise.
    pub fn verify(&self, pinned: Option<&note::Verifier>) -> Result<note::Checkpoint, String> {
        if self.format != PROOF_FORMAT {
            return Err(format!("not a {PROOF_FORMAT} file"));
        }
        let key = note::Verifier::parse(&self.log_key).map_err(|e| e.0)?;
        if let Some(p) = pinned {
            if p != &key {
                return Err("the file's log key is not the key you trust".into());
            }
        }
        let n = note::Note::parse(&self.checkpoint).map_err(|e| e.0)?;
        let text = n
            .verified_by(&key)
            .ok_or("the checkpoint's signature does not verify")?;
        let cp = note::Checkpoint::parse(text).map_err(|e| e.0)?;
        if cp.origin != key.name() {
            return Err("the checkpoint's origin is not the key's name".into());
        }
        if cp.size != self.tree_size {
            return Err("the proof's tree size is not the checkpoint's".into());
        }
        let hashes = self
            .hashes
            .iter()
            .map(|h| {
                B64.decode(h)
                    .ok()
                    .and_then(|b| <Hash>::try_from(b).ok())
                    .ok_or("a proof hash is not 32 bytes of base64")
            })
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = merkle::leaf_hash(self.entry.as_bytes());
        if !merkle::verify_inclusion(self.index, self.tree_size, &leaf, &hashes, &cp.root) {
            return Err("the inclusion proof does not lead to the checkpoint's root".into());
        }
        Ok(cp)
    }
}

/// A stored checkpoint as `transparency verify` checks it.
#[derive(Clone, Debug)]
pub struct StoredCheckpoint {
    pub size: u64,
    /// Whether its signature verifies under the log's key and its body parses with this size.
    pub root: Option<Hash>,
}

/// Recomputes the tree from the stored entries, in index order, and checks every stored
/// checkpoint against it (`transparency verify`).
#[derive(Debug)]
pub struct Audit {
    frontier: Frontier,
    checkpoints: Vec<StoredCheckpoint>,
    next: usize,
    last_good: u64,
    first_bad: Option<u64>,
    pub problems: Vec<String>,
    pub checkpoints_checked: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    pub checkpoints: usize,
    pub root: Hash,
    /// The first entry that cannot be trusted: changed, missing, or not covered by a checkpoint
    /// that still matches.
    pub first_bad_index: Option<u64>,
    pub problems: Vec<String>,
}

impl Audit {
    pub fn new(mut checkpoints: Vec<StoredCheckpoint>) -> Self {
        checkpoints.sort_by_key(|c| c.size);
        let mut a = Self {
            frontier: Frontier::default(),
            checkpoints,
            next: 0,
            last_good: 0,
            first_bad: None,
            problems: Vec::new(),
            checkpoints_checked: 0,
        };
        a.check_checkpoints();
        a
    }

    fn bad(&mut self, index: u64, why: String) {
        if self.first_bad.is_none_or(|b| index < b) {
            self.first_bad = Some(index);
        }
        if self.problems.len() < 20 {
            self.problems.push(why);
        }
    }

    fn check_checkpoints(&mut self) {
        while let Some(c) = self.checkpoints.get(self.next) {
            if c.size != self.frontier.size() {
                break;
            }
            let (size, root) = (c.size, c.root);
            self.next += 1;
            self.checkpoints_checked += 1;
            // A changed entry found since the last good checkpoint explains a root that no longer
            // matches: the index stays the precise one.
            let known = self
                .first_bad
                .filter(|b| *b >= self.last_good && *b < size)
                .unwrap_or(self.last_good);
            match root {
                None => self.bad(
                    self.last_good,
                    format!("checkpoint at tree size {size}: signature or body does not verify"),
                ),
                Some(r) if r != self.frontier.root() => self.bad(
                    known,
                    format!("checkpoint at tree size {size}: root does not match the entries"),
                ),
                Some(_) => self.last_good = size,
            }
        }
    }

    /// The next stored entry (`index` as stored, its bytes, its stored leaf hash).
    pub fn push(&mut self, index: u64, entry: &[u8], stored_leaf: &[u8]) {
        let expected = self.frontier.size();
        if index != expected {
            self.bad(
                expected,
                format!("entry {expected} is missing (next stored: {index})"),
            );
        }
        let leaf = merkle::leaf_hash(entry);
        if stored_leaf != leaf {
            self.bad(
                expected,
                format!("entry {expected} was changed after it was logged"),
            );
        }
        self.frontier.push(leaf);
        self.check_checkpoints();
    }

    pub fn finish(mut self) -> AuditReport {
        let size = self.frontier.size();
        if self.next < self.checkpoints.len() {
            let beyond = self.checkpoints[self.next].size;
            self.bad(
                size,
                format!("checkpoint at tree size {beyond} is beyond the {size} stored entries"),
            );
        }
        AuditReport {
            entries: size,
            checkpoints: self.checkpoints.len(),
            root: self.frontier.root(),
            first_bad_index: self.first_bad,
            problems: self.problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use merkle::Tree;
    use note::{Checkpoint, Signer, ALG_ED25519};

    fn signer() -> Signer {
        Signer::from_seed(DEFAULT_ORIGIN, ALG_ED25519, &[5u8; 32]).unwrap()
    }

    fn log(n: u64) -> (Vec<Vec<u8>>, Tree) {
        let mut t = Tree::new();
        let es: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                entry_bytes(
                    EntryKind::VoteResult,
                    serde_json::json!({"id": i, "cast": i * 3}),
                )
                .unwrap()
            })
            .collect();
        for e in &es {
            t.push(e);
        }
        (es, t)
    }

    #[test]
    fn entries_carry_their_type() {
        let b = entry_bytes(
            EntryKind::Minutes,
            serde_json::json!({"meeting_id": 4, "sha256": "ab"}),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"meeting_id":4,"sha256":"ab","type":"minutes"}"#
        );
        assert!(entry_bytes(EntryKind::Minutes, serde_json::json!([1])).is_err());
    }

    #[test]
    fn a_proof_file_verifies_and_a_changed_one_does_not() {
        let s = signer();
        let (es, t) = log(11);
        let cp = Checkpoint {
            origin: DEFAULT_ORIGIN.into(),
            size: 11,
            root: t.root_at(11).unwrap(),
        };
        let file = ProofFile {
            format: PROOF_FORMAT.into(),
            log_key: s.verifier().encode(),
            checkpoint: s.sign_checkpoint(&cp),
            index: 6,
            tree_size: 11,
            entry: String::from_utf8(es[6].clone()).unwrap(),
            hashes: t
                .inclusion_proof(6, 11)
                .unwrap()
                .iter()
                .map(|h| B64.encode(h))
                .collect(),
        };
        assert_eq!(file.verify(Some(&s.verifier())).unwrap(), cp);
        let mut f = file.clone();
        f.entry = f.entry.replace("18", "19");
        assert!(f.verify(None).unwrap_err().contains("inclusion"));
        let mut f = file.clone();
        f.tree_size = 12;
        assert!(f.verify(None).is_err());
        let other = Signer::from_seed(DEFAULT_ORIGIN, ALG_ED25519, &[6u8; 32]).unwrap();
        assert!(file.verify(Some(&other.verifier())).is_err());
        let mut f = file.clone();
        f.checkpoint = other.sign_checkpoint(&cp);
        assert!(f.verify(None).unwrap_err().contains("signature"));
    }

    fn audit(es: &[Vec<u8>], leaves: &[merkle::Hash], cps: Vec<StoredCheckpoint>) -> AuditReport {
        let mut a = Audit::new(cps);
        for (i, e) in es.iter().enumerate() {
            a.push(i as u64, e, &leaves[i]);
        }
        a.finish()
    }

    #[test]
    fn audit_finds_the_first_bad_index() {
        let (es, t) = log(20);
        let leaves: Vec<_> = es.iter().map(|e| merkle::leaf_hash(e)).collect();
        let cps = |sizes: &[u64]| {
            sizes
                .iter()
                .map(|&s| StoredCheckpoint {
                    size: s,
                    root: t.root_at(s),
                })
                .collect::<Vec<_>>()
        };
        let ok = audit(&es, &leaves, cps(&[1, 8, 20]));
        assert_eq!(ok.first_bad_index, None, "{:?}", ok.problems);
        assert_eq!(ok.root, t.root_at(20).unwrap());

        // An entry changed behind the log's back (its stored leaf hash left alone).
        let mut changed = es.clone();
        changed[13] = b"{}".to_vec();
        let r = audit(&changed, &leaves, cps(&[8, 20]));
        assert_eq!(r.first_bad_index, Some(13));

        // Entry and leaf hash both changed: only the checkpoint after it notices.
        let mut leaves2 = leaves.clone();
        leaves2[13] = merkle::leaf_hash(b"{}");
        let r = audit(&changed, &leaves2, cps(&[8, 20]));
        assert_eq!(r.first_bad_index, Some(8));

        // A checkpoint whose signature failed.
        let mut c = cps(&[8, 12, 20]);
        c[1].root = None;
        assert_eq!(audit(&es, &leaves, c).first_bad_index, Some(8));

        // The last entries removed.
        let r = audit(&es[..18], &leaves, cps(&[8, 20]));
        assert_eq!(r.first_bad_index, Some(18));
    }
}
