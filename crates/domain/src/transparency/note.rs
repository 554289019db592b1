//! Checkpoints and signed notes.
//!
//! - A checkpoint's body is C2SP `tlog-checkpoint`: the origin line, the tree size in decimal,
//!   the root hash in standard base64, each followed by a newline.
//! - It is published as a signed note in the format of Go's `golang.org/x/mod/sumdb/note`: the
//!   text, a blank line, then one line per signature, `— <name> <base64(key hash ‖ signature)>`,
//!   where the key hash is the first four bytes of SHA-256(name ‖ "\n" ‖ alg ‖ public key).
//! - Keys are written as that package writes them: a verifier key is
//!   `<name>+<8 hex digits of the key hash>+<base64(alg ‖ public key)>`, a signer key
//!   `PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>`. The log signs with Ed25519 (alg 0x01).
//! - Witnesses cosign as C2SP `tlog-cosignature` (alg 0x04): the signed message is
//!   `cosignature/v1\ntime <unix seconds>\n` followed by the checkpoint body, and the signature
//!   line carries key hash ‖ the time (8 bytes, big-endian) ‖ the Ed25519 signature.

use super::merkle::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

pub const ALG_ED25519: u8 = 0x01;
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoteError(pub String);

fn err(s: impl Into<String>) -> NoteError {
    NoteError(s.into())
}

/// A key name: non-empty, no whitespace, no `+` (the note format's rule).
pub fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(err(format!(
            "key name {name:?}: must be non-empty, without spaces or '+'"
        )));
    }
    Ok(())
}

pub fn key_hash(name: &str, alg: u8, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A signing key with its name (the log's, alg 0x01; or a witness's, alg 0x04).
#[derive(Clone)]
pub struct Signer {
    name: String,
    alg: u8,
    key: SigningKey,
    hash: u32,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.hash)
    }
}

impl Signer {
    pub fn from_seed(name: &str, alg: u8, seed: &[u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(err(format!("unknown key algorithm {alg}")));
        }
        let key = SigningKey::from_bytes(seed);
        let hash = key_hash(name, alg, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_string(),
            alg,
            key,
            hash,
        })
    }

    /// `PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>`.
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let bad = || err("not a signer key (PRIVATE+KEY+name+hash+key)");
        let rest = s.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let mut parts = rest.splitn(3, '+');
        let (name, hash, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let raw = B64.decode(key).map_err(|_| bad())?;
        if raw.len() != 33 {
            return Err(bad());
        }
        let seed: [u8; 32] = raw[1..].try_into().expect("32 bytes");
        let s = Self::from_seed(name, raw[0], &seed)?;
        if format!("{:08x}", s.hash) != hash {
            return Err(err("signer key: the hash does not match the key"));
        }
        Ok(s)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn encode(&self) -> String {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.hash,
            B64.encode(raw)
        )
    }

    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            alg: self.alg,
            key: self.key.verifying_key(),
            hash: self.hash,
        }
    }

    /// The signature line over `text` (alg 0x01).
    pub fn sign_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.hash.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("— {} {}\n", self.name, B64.encode(raw))
    }

    /// A checkpoint as a signed note with this key's signature.
    pub fn sign_checkpoint(&self, cp: &Checkpoint) -> String {
        let body = cp.body();
        format!("{body}\n{}", self.sign_line(&body))
    }

    /// A witness's cosignature line (tlog-cosignature v1) over a checkpoint body at `time`
    /// (unix seconds).
    pub fn cosign_line(&self, checkpoint_body: &str, time: u64) -> String {
        let msg = cosigned_message(checkpoint_body, time);
        let sig = self.key.sign(msg.as_bytes());
        let mut raw = self.hash.to_be_bytes().to_vec();
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("— {} {}\n", self.name, B64.encode(raw))
    }
}

fn cosigned_message(body: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// A public key with its name: checks signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    alg: u8,
    key: VerifyingKey,
    hash: u32,
}

impl Verifier {
    /// `<name>+<hash>+<base64(alg ‖ public key)>`.
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let bad = || err("not a verifier key (name+hash+key)");
        let mut parts = s.trim().splitn(3, '+');
        let (name, hash, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        check_name(name)?;
        let raw = B64.decode(key).map_err(|_| bad())?;
        if raw.len() != 33 || (raw[0] != ALG_ED25519 && raw[0] != ALG_COSIGNATURE_V1) {
            return Err(bad());
        }
        let public: [u8; 32] = raw[1..].try_into().expect("32 bytes");
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad())?;
        let h = key_hash(name, raw[0], &public);
        if format!("{h:08x}") != hash {
            return Err(err("verifier key: the hash does not match the key"));
        }
        Ok(Self {
            name: name.to_string(),
            alg: raw[0],
            key,
            hash: h,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn encode(&self) -> String {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.hash, B64.encode(raw))
    }

    /// Is `line` this key's valid signature over `text`? (alg 0x01)
    pub fn verifies(&self, text: &str, line: &SignatureLine) -> bool {
        if self.alg != ALG_ED25519 || line.name != self.name || line.raw.len() != 68 {
            return false;
        }
        if line.raw[..4] != self.hash.to_be_bytes() {
            return false;
        }
        let sig = Signature::from_bytes(line.raw[4..].try_into().expect("64 bytes"));
        self.key.verify(text.as_bytes(), &sig).is_ok()
    }

    /// Is `line` this witness's valid cosignature over the checkpoint body? Gives its time.
    pub fn cosigned(&self, checkpoint_body: &str, line: &SignatureLine) -> Option<u64> {
        if self.alg != ALG_COSIGNATURE_V1 || line.name != self.name || line.raw.len() != 76 {
            return None;
        }
        if line.raw[..4] != self.hash.to_be_bytes() {
            return None;
        }
        let time = u64::from_be_bytes(line.raw[4..12].try_into().expect("8 bytes"));
        let sig = Signature::from_bytes(line.raw[12..].try_into().expect("64 bytes"));
        let msg = cosigned_message(checkpoint_body, time);
        self.key.verify(msg.as_bytes(), &sig).ok().map(|_| time)
    }

    /// Does this line come from this key (name and key hash), whatever it says?
    pub fn owns(&self, line: &SignatureLine) -> bool {
        line.name == self.name && line.raw.len() >= 4 && line.raw[..4] == self.hash.to_be_bytes()
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureLine {
    pub name: String,
    /// key hash ‖ signature (‖ the time, for a cosignature)
    pub raw: Vec<u8>,
}

impl SignatureLine {
    pub fn parse(line: &str) -> Result<Self, NoteError> {
        let rest = line
            .strip_prefix("— ")
            .ok_or_else(|| err("a signature line starts with \"— \""))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| err("a signature line is \"— name signature\""))?;
        check_name(name)?;
        let raw = B64
            .decode(b64.trim_end())
            .map_err(|_| err("a signature is base64"))?;
        if raw.len() < 4 {
            return Err(err("a signature holds at least the key hash"));
        }
        Ok(Self {
            name: name.to_string(),
            raw,
        })
    }

    pub fn encode(&self) -> String {
        format!("— {} {}\n", self.name, B64.encode(&self.raw))
    }
}

/// A signed note split into its text and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<SignatureLine>,
}

impl Note {
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let i = s
            .rfind("\n\n")
            .ok_or_else(|| err("a signed note has a blank line before its signatures"))?;
        let text = &s[..i + 1];
        let sigs = &s[i + 2..];
        if !sigs.ends_with('\n') {
            return Err(err("a signed note ends with a newline"));
        }
        let signatures = sigs
            .lines()
            .map(SignatureLine::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(err("a signed note has at least one signature"));
        }
        Ok(Self {
            text: text.to_string(),
            signatures,
        })
    }

    pub fn encode(&self) -> String {
        let mut s = format!("{}\n", self.text);
        for l in &self.signatures {
            s.push_str(&l.encode());
        }
        s
    }

    /// The text, if `log` signed it.
    pub fn verified_by(&self, log: &Verifier) -> Option<&str> {
        self.signatures
            .iter()
            .any(|l| log.verifies(&self.text, l))
            .then_some(self.text.as_str())
    }
}

/// A C2SP tlog-checkpoint body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    pub fn parse(body: &str) -> Result<Self, NoteError> {
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty());
        let size = lines.next().and_then(|s| {
            (!s.starts_with('0') || s == "0")
                .then(|| s.parse::<u64>().ok())
                .flatten()
        });
        let root = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| <[u8; 32]>::try_from(r).ok());
        match (origin, size, root, body.ends_with('\n')) {
            (Some(origin), Some(size), Some(root), true) => Ok(Self {
                origin: origin.to_string(),
                size,
                root,
            }),
            _ => Err(err(
                "a checkpoint is the origin, the tree size and the base64 root, one per line",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Signer {
        Signer::from_seed("jingzhi.example/log", ALG_ED25519, &[7u8; 32]).unwrap()
    }

    #[test]
    fn keys_round_trip() {
        let s = log();
        let v = Verifier::parse(&s.verifier().encode()).unwrap();
        assert_eq!(v, s.verifier());
        let s2 = Signer::parse(&s.encode()).unwrap();
        assert_eq!(s2.verifier(), s.verifier());
        assert!(Verifier::parse("x+00000000+AAAA").is_err());
        assert!(Signer::from_seed("with space", ALG_ED25519, &[0; 32]).is_err());
        let enc = s.verifier().encode();
        let tampered = enc.replacen('+', "+f", 1);
        assert!(Verifier::parse(&tampered).is_err());
    }

    /// The example of Go's sumdb note package: signer key
    /// `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz` and
    /// verifier `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`; its signed
    /// text "If you think cryptography is the answer to your problem,\nthen you don't know what
    /// your problem is.\n" carries the signature below.
    #[test]
    fn go_sumdb_example() {
        let s = Signer::parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        )
        .unwrap();
        assert_eq!(
            s.verifier().encode(),
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        );
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        assert_eq!(
            s.sign_line(text),
            "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        );
    }

    #[test]
    fn checkpoints_sign_parse_and_refuse_changes() {
        let s = log();
        let cp = Checkpoint {
            origin: "jingzhi.example/log".into(),
            size: 12,
            root: [9u8; 32],
        };
        let signed = s.sign_checkpoint(&cp);
        let note = Note::parse(&signed).unwrap();
        assert_eq!(note.encode(), signed);
        let text = note.verified_by(&s.verifier()).unwrap();
        assert_eq!(Checkpoint::parse(text).unwrap(), cp);
        let changed = signed.replacen("\n12\n", "\n13\n", 1);
        assert!(Note::parse(&changed)
            .unwrap()
            .verified_by(&s.verifier())
            .is_none());
        assert!(Checkpoint::parse("o\n012\nAAAA\n").is_err());
        assert!(Checkpoint::parse("o\n12\n").is_err());
    }

    #[test]
    fn cosignatures() {
        let w =
            Signer::from_seed("street.example/witness", ALG_COSIGNATURE_V1, &[3u8; 32]).unwrap();
        let body = Checkpoint {
            origin: "o".into(),
            size: 3,
            root: [1u8; 32],
        }
        .body();
        let line = SignatureLine::parse(w.cosign_line(&body, 1_700_000_000).trim_end()).unwrap();
        assert_eq!(w.verifier().cosigned(&body, &line), Some(1_700_000_000));
        assert_eq!(w.verifier().cosigned(&body.replace('3', "4"), &line), None);
        assert!(!w.verifier().verifies(&body, &line));
        let v = Verifier::parse(&w.verifier().encode()).unwrap();
        assert!(v.owns(&line));
    }
}
