//! `jingzhi transparency`: the public log (docs/transparency.md).
//!
//! - `verify` recomputes the tree from the stored entries and checks every stored checkpoint;
//!   exit 1 with `first bad index: N` when anything was altered.
//! - `verify-proof FILE` checks a resident's proof file, offline (no database).
//! - `publish` logs what is due and signs a checkpoint (what `serve` does every 30 s).
//! - `witness-key` makes a witness's key; `add-witness` registers one with the log;
//!   `witness` runs a witness (elsewhere: no database) against a log's URL.

use crate::common::{actor_for, app_err};
use crate::Command;
use clap::Subcommand;
use jingzhi_app::App;
use jingzhi_domain::transparency::merkle;
use jingzhi_domain::transparency::note::{self, Checkpoint, Note, Signer, Verifier};
use jingzhi_domain::transparency::ProofFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TransparencyCmd {
    /// Recompute the log from its stored entries and check every stored checkpoint.
    Verify,
    /// Check a proof file (downloaded from a record's page) against its checkpoint, offline.
    VerifyProof {
        file: PathBuf,
        /// Trust only this log key (name+hash+base64); default: the key the file carries.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// Log the public records that are due and sign a checkpoint if the log grew.
    Publish,
    /// Print the log's verifier key.
    Key,
    /// Make a witness key (written to FILE, mode 0600) and print its verifier key.
    WitnessKey {
        /// The witness's name, e.g. huancui-street.example/witness.
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Register a witness by its verifier key, so the log keeps its cosignatures.
    AddWitness {
        key: String,
        /// Act as this user (a city administrator); default: the operator.
        #[arg(long)]
        user: Option<String>,
    },
    /// Run a witness: check each new checkpoint of the log at URL against the last one it saw
    /// (consistency proof), then cosign it and post the cosignature.
    Witness {
        /// The witness's key file (from `witness-key`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The log's address, e.g. https://jingzhi.example.
        #[arg(long)]
        url: String,
        /// The log's verifier key; default: the one the log served at the first run (kept).
        #[arg(long, value_name = "KEY")]
        log_key: Option<String>,
        /// Where the last checkpoint seen is kept. Default: FILE.state next to the key.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Check once and stop (default: every --every seconds until stopped).
        #[arg(long)]
        once: bool,
        #[arg(long, default_value_t = 60)]
        every: u64,
    },
    /// Append synthetic entries (benchmark; use a scratch database).
    #[command(hide = true)]
    AppendSynthetic {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 10_000)]
        batch: u64,
    },
}

/// The commands that need no database run here; anything else comes back.
pub async fn run_without_store(c: Command) -> Result<Result<ExitCode, String>, Box<Command>> {
    match c {
        Command::Transparency(TransparencyCmd::VerifyProof { file, key }) => {
            Ok(verify_proof(&file, key.as_deref()))
        }
        Command::Transparency(TransparencyCmd::WitnessKey { name, out }) => {
            Ok(witness_key(&name, &out))
        }
        Command::Transparency(TransparencyCmd::Witness {
            key,
            url,
            log_key,
            state,
            once,
            every,
        }) => {
            let state = state.unwrap_or_else(|| {
                let mut s = key.clone().into_os_string();
                s.push(".state");
                PathBuf::from(s)
            });
            Ok(witness(&key, &url, log_key.as_deref(), &state, once, every).await)
        }
        other => Err(Box::new(other)),
    }
}

pub async fn run(app: &App, cmd: TransparencyCmd) -> Result<ExitCode, String> {
    match cmd {
        TransparencyCmd::Verify => {
            let started = std::time::Instant::now();
            let r = app.transparency().verify().await.map_err(app_err)?;
            println!(
                "entries: {}  checkpoints: {}  root: {}  ({:.2} s)",
                r.entries,
                r.checkpoints,
                base64_of(&r.root),
                started.elapsed().as_secs_f64()
            );
            match r.first_bad_index {
                None => {
                    println!("透明日志完整 the log verifies");
                    Ok(ExitCode::SUCCESS)
                }
                Some(i) => {
                    for p in &r.problems {
                        eprintln!("{p}");
                    }
                    println!("first bad index: {i}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        TransparencyCmd::Publish => {
            let p = app.transparency().publish().await.map_err(app_err)?;
            println!(
                "appended: {}  tree size: {}  new checkpoint: {}",
                p.appended,
                p.size,
                if p.signed { "yes" } else { "no" }
            );
            Ok(ExitCode::SUCCESS)
        }
        TransparencyCmd::Key => {
            println!("{}", app.transparency().key());
            Ok(ExitCode::SUCCESS)
        }
        TransparencyCmd::AddWitness { key, user } => {
            let actor = actor_for(app, user.as_deref()).await?;
            let name = app
                .transparency()
                .add_witness(&actor, &key)
                .await
                .map_err(app_err)?;
            println!("见证方已登记 witness registered: {name}");
            Ok(ExitCode::SUCCESS)
        }
        TransparencyCmd::AppendSynthetic { count, batch } => {
            let started = std::time::Instant::now();
            let n = app
                .transparency()
                .append_synthetic(count, batch.max(1))
                .await
                .map_err(app_err)?;
            let s = started.elapsed().as_secs_f64();
            println!(
                "appended {n} entries in {s:.2} s: {:.0} entries/s",
                n as f64 / s
            );
            Ok(ExitCode::SUCCESS)
        }
        TransparencyCmd::VerifyProof { .. }
        | TransparencyCmd::WitnessKey { .. }
        | TransparencyCmd::Witness { .. } => unreachable!("run without a store"),
    }
}

fn base64_of(h: &merkle::Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}

fn verify_proof(file: &Path, key: Option<&str>) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let proof: ProofFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let pinned = key
        .map(Verifier::parse)
        .transpose()
        .map_err(|e| format!("--key: {}", e.0))?;
    match proof.verify(pinned.as_ref()) {
        Ok(cp) => {
            println!(
                "证明有效 the proof verifies: entry {} is in {} at tree size {} (root {})",
                proof.index,
                cp.origin,
                cp.size,
                base64_of(&cp.root)
            );
            println!("{}", proof.entry);
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            println!("证明无效 the proof does not verify: {why}");
            Ok(ExitCode::from(1))
        }
    }
}

fn witness_key(name: &str, out: &Path) -> Result<ExitCode, String> {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let s = Signer::from_seed(name, note::ALG_COSIGNATURE_V1, &seed).map_err(|e| e.0)?;
    write_new_private(out, &format!("{}\n", s.encode()))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("{}", s.verifier().encode());
    eprintln!(
        "见证方密钥已写入 witness key written to {}; register the line above on the log's machine: \
         jingzhi transparency add-witness <key>",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn write_new_private(path: &Path, content: &str) -> std::io::Result<()> {
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
fn write_new_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// What a witness keeps between runs.
#[derive(serde::Serialize, serde::Deserialize)]
struct WitnessState {
    log_key: String,
    /// The last checkpoint it cosigned (the signed note's text).
    checkpoint: Option<String>,
}

async fn witness(
    key: &Path,
    url: &str,
    log_key: Option<&str>,
    state: &Path,
    once: bool,
    every: u64,
) -> Result<ExitCode, String> {
    let k = std::fs::read_to_string(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let signer = Signer::parse(&k).map_err(|e| format!("{}: {}", key.display(), e.0))?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| e.to_string())?;
    let base = url.trim_end_matches('/').to_string();
    loop {
        match witness_round(&http, &base, &signer, log_key, state).await {
            Ok(msg) => println!("{msg}"),
            Err(WitnessError::Misbehaving(why)) => {
                println!("日志行为异常 the log misbehaved: {why}");
                return Ok(ExitCode::from(1));
            }
            Err(WitnessError::Other(why)) if once => return Err(why),
            Err(WitnessError::Other(why)) => eprintln!("{why}"),
        }
        if once {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(std::time::Duration::from_secs(every.max(1))).await;
    }
}

enum WitnessError {
    /// The log showed something a witness must refuse (a bad signature, a shrunk or forked tree).
    Misbehaving(String),
    /// The network, the files.
    Other(String),
}

async fn get_text(http: &reqwest::Client, url: &str) -> Result<String, WitnessError> {
    let r = http
        .get(url)
        .send()
        .await
        .map_err(|e| WitnessError::Other(format!("{url}: {e}")))?;
    if !r.status().is_success() {
        return Err(WitnessError::Other(format!("{url}: {}", r.status())));
    }
    r.text()
        .await
        .map_err(|e| WitnessError::Other(format!("{url}: {e}")))
}

async fn witness_round(
    http: &reqwest::Client,
    base: &str,
    signer: &Signer,
    log_key: Option<&str>,
    state_path: &Path,
) -> Result<String, WitnessError> {
    use WitnessError::{Misbehaving, Other};
    let saved: Option<WitnessState> = match std::fs::read_to_string(state_path) {
        Ok(s) => Some(
            serde_json::from_str(&s)
                .map_err(|e| Other(format!("{}: {e}", state_path.display())))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Other(format!("{}: {e}", state_path.display()))),
    };
    let key_text = match (log_key, &saved) {
        (Some(k), _) => k.to_string(),
        (None, Some(s)) => s.log_key.clone(),
        (None, None) => get_text(http, &format!("{base}/transparency/key")).await?,
    };
    let key = Verifier::parse(&key_text).map_err(|e| Other(format!("log key: {}", e.0)))?;
    if let Some(s) = &saved {
        if s.log_key != key.encode() {
            return Err(Misbehaving(
                "the log key is not the one this witness follows".into(),
            ));
        }
    }
    let served = get_text(http, &format!("{base}/transparency/checkpoint")).await?;
    let note = Note::parse(&served).map_err(|e| Misbehaving(format!("checkpoint: {}", e.0)))?;
    let text = note
        .verified_by(&key)
        .ok_or_else(|| Misbehaving("the checkpoint's signature does not verify".into()))?
        .to_string();
    let new = Checkpoint::parse(&text).map_err(|e| Misbehaving(format!("checkpoint: {}", e.0)))?;
    if new.origin != key.name() {
        return Err(Misbehaving(
            "the checkpoint's origin is not the key's name".into(),
        ));
    }
    let old = saved
        .as_ref()
        .and_then(|s| s.checkpoint.as_deref())
        .map(Checkpoint::parse)
        .transpose()
        .map_err(|e| Other(format!("{}: {}", state_path.display(), e.0)))?;
    if let Some(old) = &old {
        if new.size < old.size {
            return Err(Misbehaving(format!(
                "the tree shrank from {} to {}",
                old.size, new.size
            )));
        }
        if new.size == old.size && new.root != old.root {
            return Err(Misbehaving(format!("two roots for tree size {}", new.size)));
        }
        if old.size > 0 && new.size > old.size {
            let url = format!(
                "{base}/transparency/proof/consistency?from={}&to={}",
                old.size, new.size
            );
            let body = get_text(http, &url).await?;
            #[derive(serde::Deserialize)]
            struct P {
                hashes: Vec<String>,
            }
            let p: P = serde_json::from_str(&body).map_err(|e| Other(format!("{url}: {e}")))?;
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let hashes = p
                .hashes
                .iter()
                .map(|h| {
                    b64.decode(h)
                        .ok()
                        .and_then(|b| <merkle::Hash>::try_from(b).ok())
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Misbehaving("a consistency proof hash is not 32 bytes".into()))?;
            if !merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &hashes) {
                return Err(Misbehaving(format!(
                    "tree size {} is not an extension of tree size {}",
                    new.size, old.size
                )));
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut body = served.clone();
    body.push_str(&signer.cosign_line(&text, now));
    let r = http
        .post(format!("{base}/transparency/cosignatures"))
        .header("content-type", "text/plain; charset=utf-8")
        .body(body)
        .send()
        .await
        .map_err(|e| Other(format!("{base}/transparency/cosignatures: {e}")))?;
    if !r.status().is_success() {
        let status = r.status();
        let why = r.text().await.unwrap_or_default();
        return Err(Other(format!(
            "the log refused the cosignature ({status}): {why}"
        )));
    }
    let st = WitnessState {
        log_key: key.encode(),
        checkpoint: Some(text),
    };
    let tmp = state_path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&st).expect("plain data"))
        .and_then(|_| std::fs::rename(&tmp, state_path))
        .map_err(|e| Other(format!("{}: {e}", state_path.display())))?;
    Ok(format!(
        "已联署 cosigned tree size {} of {}",
        new.size, new.origin
    ))
}
