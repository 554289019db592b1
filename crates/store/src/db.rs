//! Opening the database: SQLite (a file, WAL, foreign keys on, a busy timeout) or PostgreSQL.

use crate::{Cipher, Result};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database and the PII cipher. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    pub cipher: Cipher,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(crate::Error::Config(format!(
                "unsupported database URL (use sqlite:… or postgres://…): {}",
                redact_url(url)
            )))
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}://{}:***{}", &url[..s], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The SQLite URL of a database file in a data directory.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// How a long-running process (the server) wants its SQLite database looked after.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Move WAL checkpoints off the commit path: no commit checkpoints (`wal_autocheckpoint
    /// = 0`); a task of the store's own checkpoints every [`CHECKPOINT_EVERY`] instead. A
    /// checkpoint run by a commit copies the WAL into the database file and syncs it while
    /// every other writer waits (measured: 135–385 ms stalls every few seconds under a stream
    /// of Open311 creates); a passive checkpoint on another connection lets writers go on.
    /// Ignored on PostgreSQL.
    pub background_checkpoints: bool,
}

/// How often the background checkpoint runs (see [`Options::background_checkpoints`]).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// How often a serving SQLite store refreshes the planner's statistics (`PRAGMA optimize`).
pub const OPTIMIZE_EVERY: Duration = Duration::from_secs(60);

async fn optimize(pool: &AnyPool, sql: &str) {
    use sqlx::Executor;
    if let Err(e) = pool.execute(sql).await {
        if !pool.is_closed() {
            tracing::warn!(error = %e, "PRAGMA optimize failed");
        }
    }
}

/// WAL frames (pages) past which the background checkpoint also restarts the WAL: 4 GiB of
/// 4 KiB pages. A restart holds writers back for up to half a second (measured with a limit
/// of 1 GiB under a stream of Open311 creates: three stalls of ≈490 ms in 20 s, p99 430 ms;
/// with 32,768 frames a stall every second or two). A WAL only gets this large under writes
/// at full speed without a pause (Open311 creates at full speed: ≈150 MB/s, so half a
/// minute): at the first lull a passive checkpoint catches up and the next writer starts the
/// WAL from the beginning (cut back to `journal_size_limit`).
pub const RESTART_FRAMES: i64 = 1 << 20;

/// The background checkpoint: a passive checkpoint (copy what no reader still needs, never
/// wait for anyone) every [`CHECKPOINT_EVERY`]. Under a steady stream of writes a passive
/// checkpoint never catches up with the newest frames, so the WAL is not started again and
/// grows (measured: 3 GB in 20 s of Open311 creates at full speed); past [`RESTART_FRAMES`]
/// a restarting checkpoint waits for the writer of the moment, holds new writers back while
/// it copies what the passive ones left, and lets the next writer start the WAL again.
///
/// Every [`OPTIMIZE_EVERY`] (and once at the start) it also runs `PRAGMA optimize`, which
/// re-analyses the tables whose size changed a lot since their statistics were taken: the demo
/// analyses a city whose funds and logs are small, and a planner working from those figures
/// once they hold tens of thousands of rows walks whole tables instead of looking rows up by id
/// (measured on a fund of 10,000 entries: a page's fifty rows 1.2 ms instead of 0.04 ms).
async fn checkpoint_forever(pool: AnyPool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let every = (OPTIMIZE_EVERY.as_millis() / CHECKPOINT_EVERY.as_millis()).max(1);
    let mut ticks: u128 = 0;
    optimize(&pool, "PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002").await;
    while !pool.is_closed() {
        tick.tick().await;
        ticks += 1;
        if ticks % every == 0 {
            optimize(&pool, "PRAGMA analysis_limit=1000; PRAGMA optimize").await;
        }
        let frames = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        let r = match frames {
            Ok((_, log, _)) if log > RESTART_FRAMES => {
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await
                    .map(|_| ())
            }
            other => other.map(|_| ()),
        };
        if let Err(e) = r {
            if !pool.is_closed() {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }
}

impl Store {
    /// Connect (creating a SQLite file when needed) without migrating.
    pub async fn connect(url: &str, cipher: Cipher) -> Result<Self> {
        Self::connect_with(url, cipher, Options::default()).await
    }

    /// [`Store::connect`] with [`Options`].
    pub async fn connect_with(url: &str, cipher: Cipher, options: Options) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            if let Some(path) = url
                .strip_prefix("sqlite://")
                .map(|p| p.split('?').next().unwrap_or(p))
            {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| crate::Error::Config(format!("{}: {e}", dir.display())))?;
                    }
                }
            }
        }
        let max = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let background = options.background_checkpoints && backend == Backend::Sqlite;
        // Past a checkpoint, the WAL file is cut back to this size (it keeps its largest size
        // otherwise).
        let wal = if background {
            "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
        } else {
            "PRAGMA journal_size_limit=67108864;"
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; \
                             PRAGMA busy_timeout=15000; PRAGMA synchronous=NORMAL; \
                             PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
                        )
                        .await?;
                        conn.execute(wal).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if background {
            tokio::spawn(checkpoint_forever(pool.clone()));
        }
        Ok(Self {
            pool,
            backend,
            cipher,
        })
    }

    /// Connect and bring the schema up to date.
    pub async fn open(url: &str, cipher: Cipher) -> Result<Self> {
        Self::open_with(url, cipher, Options::default()).await
    }

    /// [`Store::open`] with [`Options`].
    pub async fn open_with(url: &str, cipher: Cipher, options: Options) -> Result<Self> {
        let s = Self::connect_with(url, cipher, options).await?;
        crate::migrate::run(&s).await?;
        Ok(s)
    }

    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begin a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout): a deferred transaction that reads first and writes later
    /// cannot wait for another writer and fails with "database is locked" instead.
    pub async fn begin(&self) -> Result<crate::Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// After rows were inserted with explicit ids (bulk loads), move PostgreSQL's identity
    /// sequences past them. SQLite needs nothing.
    pub async fn reset_sequences(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            for t in crate::migrate::ID_TABLES {
                let q = format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                     GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
                );
                sqlx::query(&q).execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// Let the database refresh its planner statistics (after bulk loads).
    pub async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            super::redact_url("sqlite://data/x.db"),
            "sqlite://data/x.db"
        );
    }

    /// A serving store checkpoints in the background: rows written (and committed) reach the
    /// database file itself within moments, though no commit checkpoints. Without the option
    /// the same writes stay in the WAL (below SQLite's own 1,000-page commit checkpoint).
    #[tokio::test]
    async fn background_checkpoints_copy_the_wal_into_the_database_file() {
        use super::{Options, Store, CHECKPOINT_EVERY};
        let dir = std::env::temp_dir().join(format!(
            "jz-ckpt-{}-{}",
            std::process::id(),
            jingzhi_domain::time_fmt::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut grown = Vec::new();
        for background in [false, true] {
            let file = dir.join(format!("{background}.db"));
            let url = super::sqlite_url(&file);
            let store = Store::connect_with(
                &url,
                crate::testing::test_cipher(),
                Options {
                    background_checkpoints: background,
                },
            )
            .await
            .unwrap();
            sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&store.pool)
                .await
                .unwrap();
            let before = std::fs::metadata(&file).unwrap().len();
            // About 400 pages of rows, in one transaction.
            let mut tx = store.begin().await.unwrap();
            for i in 0..400 {
                sqlx::query("INSERT INTO t (body) VALUES ($1)")
                    .bind(format!("{i:04}").repeat(1000))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            crate::commit(tx).await.unwrap();
            tokio::time::sleep(CHECKPOINT_EVERY * 6).await;
            let after = std::fs::metadata(&file).unwrap().len();
            grown.push(after > before + 1_000_000);
            store.close().await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(grown, [false, true]);
    }
}
