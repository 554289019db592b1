//! PII at rest: ID-card and phone numbers are sealed with AES-256-GCM (random 96-bit nonce stored
//! before the ciphertext) and looked up by a keyed hash (HMAC-SHA-256). Both keys are derived from
//! one 32-byte master key kept outside the database (a key file, or `JINGZHI_KEY`).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    mac_key: [u8; 32],
    log_seed: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
    m.update(label);
    m.finalize().into_bytes().into()
}

impl Cipher {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let enc = derive(master, b"jingzhi pii encryption v1");
        Self {
            aead: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            mac_key: derive(master, b"jingzhi pii lookup v1"),
            log_seed: derive(master, b"jingzhi transparency log signing v1"),
        }
    }

    /// Parse a master key given as 64 hex digits.
    pub fn from_hex(s: &str) -> crate::Result<Self> {
        let bytes = hex::decode(s.trim())
            .map_err(|_| crate::Error::Config("key must be 64 hex digits".into()))?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| crate::Error::Config("key must be 64 hex digits".into()))?;
        Ok(Self::from_master(&master))
    }

    /// Load the key file, creating it (mode 0600) with a fresh random key when it does not exist.
    pub fn load_or_create(path: &Path) -> crate::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(s) => Self::from_hex(&s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut master = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut master);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| crate::Error::Config(format!("{}: {e}", dir.display())))?;
                }
                write_private(path, &hex::encode(master))
                    .map_err(|e| crate::Error::Config(format!("{}: {e}", path.display())))?;
                Ok(Self::from_master(&master))
            }
            Err(e) => Err(crate::Error::Config(format!("{}: {e}", path.display()))),
        }
    }

    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption cannot fail for short inputs");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> crate::Result<String> {
        if sealed.len() < 12 + 16 {
            return Err(crate::Error::Crypto("sealed value too short".into()));
        }
        let (nonce, ct) = sealed.split_at(12);
        let pt = self
            .aead
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| crate::Error::Crypto("cannot decrypt (wrong key?)".into()))?;
        String::from_utf8(pt).map_err(|_| crate::Error::Crypto("not UTF-8".into()))
    }

    /// The seed of the transparency log's Ed25519 signing key, derived from the same master key
    /// (one secret to keep; see docs/transparency.md).
    pub fn log_seed(&self) -> [u8; 32] {
        self.log_seed
    }

    /// The lookup hash of a normalised value (hex).
    pub fn lookup_hash(&self, plain: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("any key length");
        m.update(plain.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..20])
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_nonces_differ() {
        let c = Cipher::from_master(&[7u8; 32]);
        let a = c.seal("11010519491231002X");
        let b = c.seal("11010519491231002X");
        assert_ne!(a, b, "random nonce");
        assert_eq!(c.open(&a).unwrap(), "11010519491231002X");
        assert!(
            !a.windows(6).any(|w| w == b"110105"),
            "no plain text inside"
        );
        let other = Cipher::from_master(&[8u8; 32]);
        assert!(other.open(&a).is_err());
        assert_eq!(c.lookup_hash("x"), c.lookup_hash("x"));
        assert_ne!(c.lookup_hash("x"), other.lookup_hash("x"));
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = std::env::temp_dir().join(format!("jz-key-{}", std::process::id()));
        let path = dir.join("k");
        let _ = std::fs::remove_file(&path);
        let a = Cipher::load_or_create(&path).unwrap();
        let b = Cipher::load_or_create(&path).unwrap();
        assert_eq!(b.open(&a.seal("13812345678")).unwrap(), "13812345678");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
