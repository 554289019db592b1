//! `jingzhi transparency …` as an operator, a resident and a street office's witness run it: the
//! real binary against a real database (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL)
//! and, for the witness, a real server on a loopback port. The tamper tests edit rows behind the
//! application's back.

use jingzhi_app::testing::World;
use jingzhi_domain::transparency::ProofFile;
use std::path::Path;

/// The test cipher's master key ([42; 32]) as the binary reads it.
const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run the binary in `dir` (no jingzhi.toml there), off the async runtime.
async fn jingzhi(dir: &Path, db_url: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jingzhi"));
    if let Some(u) = db_url {
        cmd.args(["--database-url", u]);
    }
    cmd.args(args)
        .env("JINGZHI_KEY", KEY)
        .env("JINGZHI_LOG", "warn")
        .env_remove("JINGZHI_DATABASE_URL")
        .env_remove("JINGZHI_TRANSPARENCY_ORIGIN")
        .current_dir(dir);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run jingzhi"))
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "jz_cli_{tag}_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_the_first_entry_changed_behind_the_applications_back() {
    let w = World::new().await;
    let dir = scratch("verify");
    let url = w.db.url.clone();
    let log = w.app.transparency();
    log.append_synthetic(30, 7).await.unwrap();
    log.publish().await.unwrap();
    log.append_synthetic(15, 15).await.unwrap();
    log.publish().await.unwrap();

    let ok = jingzhi(&dir, Some(&url), &["transparency", "verify"]).await;
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(
        ok.stdout.contains("entries: 45  checkpoints: 2"),
        "{}",
        ok.stdout
    );

    // A resident's proof file checks offline, and fails once a byte of it changes.
    let file = log.proof_file(17).await.unwrap().unwrap();
    let path = dir.join("proof.json");
    std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
    let r = jingzhi(&dir, None, &["transparency", "verify-proof", "proof.json"]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("entry 17"), "{}", r.stdout);
    let key = log.key();
    let r = jingzhi(
        &dir,
        None,
        &["transparency", "verify-proof", "proof.json", "--key", &key],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    let mut bad: ProofFile = file.clone();
    bad.entry = bad.entry.replacen("\"cast\":", "\"cast\":1", 1);
    std::fs::write(dir.join("bad.json"), serde_json::to_string(&bad).unwrap()).unwrap();
    let r = jingzhi(&dir, None, &["transparency", "verify-proof", "bad.json"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("does not verify"), "{}", r.stdout);

    // One entry's bytes changed in the database.
    let mut c = w.db.store.acquire().await.unwrap();
    let original: Vec<u8> =
        sqlx::query_scalar("SELECT entry FROM transparency_entries WHERE idx = 17")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    let mut changed = original.clone();
    let at = changed.len() - 3;
    changed[at] ^= 1;
    sqlx::query("UPDATE transparency_entries SET entry = $1 WHERE idx = 17")
        .bind(changed.as_slice())
        .execute(&mut *c)
        .await
        .unwrap();
    let r = jingzhi(&dir, Some(&url), &["transparency", "verify"]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("first bad index: 17"), "{}", r.stdout);

    // The entry and its stored leaf hash both rewritten: the checkpoint after it catches it.
    let leaf = jingzhi_domain::transparency::merkle::leaf_hash(&changed);
    sqlx::query("UPDATE transparency_entries SET leaf_hash = $1 WHERE idx = 17")
        .bind(leaf.as_slice())
        .execute(&mut *c)
        .await
        .unwrap();
    let r = jingzhi(&dir, Some(&url), &["transparency", "verify"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("first bad index: 0"), "{}", r.stdout);
    assert!(
        r.stderr.contains("checkpoint at tree size 30"),
        "{}",
        r.stderr
    );

    // Put it back: verifies again. Then a checkpoint's note altered.
    let leaf = jingzhi_domain::transparency::merkle::leaf_hash(&original);
    sqlx::query("UPDATE transparency_entries SET entry = $1, leaf_hash = $2 WHERE idx = 17")
        .bind(original.as_slice())
        .bind(leaf.as_slice())
        .execute(&mut *c)
        .await
        .unwrap();
    assert_eq!(
        jingzhi(&dir, Some(&url), &["transparency", "verify"])
            .await
            .code,
        0
    );
    sqlx::query("UPDATE transparency_checkpoints SET note = REPLACE(note, '\n45\n', '\n46\n') WHERE tree_size = 45")
        .execute(&mut *c)
        .await
        .unwrap();
    let r = jingzhi(&dir, Some(&url), &["transparency", "verify"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("first bad index: 30"), "{}", r.stdout);

    // The last entries removed.
    sqlx::query("UPDATE transparency_checkpoints SET note = REPLACE(note, '\n46\n', '\n45\n') WHERE tree_size = 45")
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query("DELETE FROM transparency_entries WHERE idx >= 40")
        .execute(&mut *c)
        .await
        .unwrap();
    let r = jingzhi(&dir, Some(&url), &["transparency", "verify"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("first bad index: 40"), "{}", r.stdout);
    drop(c);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_follows_the_log_cosigns_and_refuses_a_fork() {
    let w = World::new().await;
    let dir = scratch("witness");
    let url = w.db.url.clone();
    let log = w.app.transparency();
    log.append_synthetic(9, 9).await.unwrap();
    log.publish().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(jingzhi_web::serve(
        listener,
        w.app.clone(),
        jingzhi_web::WebConfig::default(),
        std::future::pending(),
    ));
    let base = format!("http://{addr}");

    let k = jingzhi(
        &dir,
        None,
        &[
            "transparency",
            "witness-key",
            "--name",
            "huancui.example/witness",
            "--out",
            "w.key",
        ],
    )
    .await;
    assert_eq!(k.code, 0, "{}", k.stderr);
    let vkey = k.stdout.trim().to_string();
    assert!(vkey.starts_with("huancui.example/witness+"), "{vkey}");
    // Not registered: the log refuses the cosignature.
    let r = jingzhi(
        &dir,
        None,
        &[
            "transparency",
            "witness",
            "--key",
            "w.key",
            "--url",
            &base,
            "--once",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("refused"), "{}", r.stderr);
    std::fs::remove_file(dir.join("w.key.state")).ok();

    let r = jingzhi(&dir, Some(&url), &["transparency", "add-witness", &vkey]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = jingzhi(
        &dir,
        None,
        &[
            "transparency",
            "witness",
            "--key",
            "w.key",
            "--url",
            &base,
            "--once",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("cosigned tree size 9"), "{}", r.stdout);
    let view = log.checkpoint().await.unwrap();
    assert_eq!(view.cosigned_by.len(), 1);
    assert_eq!(view.cosigned_by[0].0, "huancui.example/witness");

    // The log grows; the witness checks the consistency proof from 9 and cosigns 14.
    log.append_synthetic(5, 5).await.unwrap();
    log.publish().await.unwrap();
    let r = jingzhi(
        &dir,
        None,
        &[
            "transparency",
            "witness",
            "--key",
            "w.key",
            "--url",
            &base,
            "--once",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("cosigned tree size 14"), "{}", r.stdout);
    let served = reqwest_get(&format!("{base}/transparency/checkpoint")).await;
    assert!(served.contains("— huancui.example/witness "), "{served}");

    // What it remembers is a different tree of the same size: a fork, refused.
    let state_path = dir.join("w.key.state");
    let state = std::fs::read_to_string(&state_path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&state).unwrap();
    let cp = v["checkpoint"].as_str().unwrap().to_string();
    let mut lines: Vec<&str> = cp.lines().collect();
    let other_root = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string();
    lines[2] = &other_root;
    v["checkpoint"] = format!("{}\n", lines.join("\n")).into();
    std::fs::write(&state_path, v.to_string()).unwrap();
    let r = jingzhi(
        &dir,
        None,
        &[
            "transparency",
            "witness",
            "--key",
            "w.key",
            "--url",
            &base,
            "--once",
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("misbehaved"), "{}", r.stdout);
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

async fn reqwest_get(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}
