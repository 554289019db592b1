//! Group commit: concurrent writes of one kind committed together on SQLite.
//!
//! SQLite has one writer at a time, and what a write transaction costs is mostly its round trips
//! and its commit, not its rows. A [`GroupCommit`] queues concurrent writes in memory: a write
//! joins the queue and waits for its answer; if no writer is running it starts one. The writer
//! (a task of its own, so a caller that goes away cannot cancel the others' writes) takes
//! everything queued (up to `max`), writes it in one transaction with the write function,
//! answers each caller, and goes on until the queue is empty. If a group's transaction fails,
//! each write in it is tried again alone, so one bad write fails only itself. Whether a writer
//! runs is decided under the queue's lock, so a write is never left queued without one.
//!
//! On PostgreSQL, which takes concurrent writers as they come, each write is its own
//! transaction, written by its caller.
//!
//! A write path uses it by giving the function that writes a batch of its jobs in a
//! transaction (one answer per job, in order) and calling [`GroupCommit::submit`].

use crate::{Backend, Conn, Store};
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Writes a batch of jobs in the transaction it is given; one answer per job, in order.
pub type WriteFn<J, R, E> =
    Arc<dyn for<'c> Fn(&'c mut Conn, &'c [J]) -> BoxFuture<'c, Result<Vec<R>, E>> + Send + Sync>;

/// A queue of writes of one kind, committed in groups on SQLite. Cheap to clone (shared).
pub struct GroupCommit<J, R, E> {
    inner: Arc<Inner<J, R, E>>,
}

impl<J, R, E> Clone for GroupCommit<J, R, E> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<J, R, E> std::fmt::Debug for GroupCommit<J, R, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (writes, transactions) = (
            self.inner.writes.load(Relaxed),
            self.inner.transactions.load(Relaxed),
        );
        f.debug_struct("GroupCommit")
            .field("max", &self.inner.max)
            .field("writes", &writes)
            .field("transactions", &transactions)
            .finish()
    }
}

type Reply<R, E> = oneshot::Sender<Result<R, E>>;

struct Inner<J, R, E> {
    write: WriteFn<J, R, E>,
    max: usize,
    queue: Mutex<Queue<J, R, E>>,
    /// Writes committed so far, and the transactions they took.
    writes: AtomicU64,
    transactions: AtomicU64,
}

struct Queue<J, R, E> {
    jobs: Vec<(J, Reply<R, E>)>,
    writing: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<J, R, E> GroupCommit<J, R, E>
where
    J: Send + Sync + 'static,
    R: Send + 'static,
    E: From<crate::Error> + Send + 'static,
{
    /// A queue whose groups hold at most `max` writes, written by `write`.
    pub fn new(max: usize, write: WriteFn<J, R, E>) -> Self {
        Self {
            inner: Arc::new(Inner {
                write,
                max: max.max(1),
                queue: Mutex::new(Queue {
                    jobs: Vec::new(),
                    writing: false,
                }),
                writes: AtomicU64::new(0),
                transactions: AtomicU64::new(0),
            }),
        }
    }

    /// Writes committed by this process so far, and the transactions they took (fewer than
    /// the writes when groups formed).
    pub fn counts(&self) -> (u64, u64) {
        (
            self.inner.writes.load(Relaxed),
            self.inner.transactions.load(Relaxed),
        )
    }

    /// Write one job: queued and committed with the others waiting on SQLite, alone on
    /// PostgreSQL. Its answer once committed.
    pub async fn submit(&self, store: &Store, job: J) -> Result<R, E> {
        if store.backend == Backend::Postgres {
            let mut out = self.write(store, std::slice::from_ref(&job)).await?;
            return Ok(out.remove(0));
        }
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut q = lock(&self.inner.queue);
            q.jobs.push((job, tx));
            !std::mem::replace(&mut q.writing, true)
        };
        if start {
            let (me, store) = (self.clone(), store.clone());
            tokio::spawn(async move { me.writer(&store).await });
        }
        rx.await.unwrap_or_else(|_| {
            Err(crate::Error::Aborted("the group writer stopped before answering".into()).into())
        })
    }

    /// Write jobs as one group now, and answer each (a batch that arrived together).
    pub async fn write_group(&self, store: &Store, jobs: Vec<J>) -> Vec<Result<R, E>> {
        let mut replies = Vec::with_capacity(jobs.len());
        let group: Vec<_> = jobs
            .into_iter()
            .map(|j| {
                let (tx, rx) = oneshot::channel();
                replies.push(rx);
                (j, tx)
            })
            .collect();
        self.write_answering(store, group).await;
        let mut out = Vec::with_capacity(replies.len());
        for rx in replies {
            out.push(rx.await.unwrap_or_else(|_| {
                Err(crate::Error::Aborted("the group was not answered".into()).into())
            }));
        }
        out
    }

    /// The writer: groups until the queue is empty.
    async fn writer(&self, store: &Store) {
        /// If the writer panics, the writes still queued are answered with an error (their
        /// senders dropped) and the next write starts a new writer, instead of waiting forever.
        struct Armed<'a, J, R, E>(&'a Mutex<Queue<J, R, E>>, bool);
        impl<J, R, E> Drop for Armed<'_, J, R, E> {
            fn drop(&mut self) {
                if self.1 {
                    let mut q = lock(self.0);
                    q.writing = false;
                    q.jobs.clear();
                }
            }
        }
        let mut armed = Armed(&self.inner.queue, true);
        loop {
            let group: Vec<_> = {
                let mut q = lock(&self.inner.queue);
                if q.jobs.is_empty() {
                    q.writing = false;
                    armed.1 = false;
                    return;
                }
                let n = q.jobs.len().min(self.inner.max);
                q.jobs.drain(..n).collect()
            };
            self.write_answering(store, group).await;
        }
    }

    /// Write a group and answer each write in it; if the group's transaction fails, each write
    /// is tried again alone.
    async fn write_answering(&self, store: &Store, group: Vec<(J, Reply<R, E>)>) {
        let (jobs, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let started = std::time::Instant::now();
        match self.write(store, &jobs).await {
            Ok(out) => {
                tracing::debug!(
                    n = jobs.len(),
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "group written"
                );
                for (reply, r) in replies.into_iter().zip(out) {
                    let _ = reply.send(Ok(r));
                }
            }
            Err(e) if jobs.len() == 1 => {
                let _ = replies.into_iter().next().map(|r| r.send(Err(e)));
            }
            Err(_) => {
                tracing::warn!(n = jobs.len(), "group write failed; writing one by one");
                for (job, reply) in jobs.iter().zip(replies) {
                    let one = self.write(store, std::slice::from_ref(job)).await;
                    let _ = reply.send(one.map(|mut out| out.remove(0)));
                }
            }
        }
    }

    /// One transaction for `jobs`; the write function must answer once per job.
    async fn write(&self, store: &Store, jobs: &[J]) -> Result<Vec<R>, E> {
        let mut tx = store.begin().await?;
        let out = (self.inner.write)(&mut tx, jobs).await?;
        if out.len() != jobs.len() {
            return Err(crate::Error::Aborted(format!(
                "the write function answered {} times for {} writes",
                out.len(),
                jobs.len()
            ))
            .into());
        }
        crate::commit(tx).await?;
        self.inner.writes.fetch_add(jobs.len() as u64, Relaxed);
        self.inner.transactions.fetch_add(1, Relaxed);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    /// Notes written in groups: a note `fail` makes its group's transaction fail.
    fn notes() -> GroupCommit<String, i64, crate::Error> {
        GroupCommit::new(
            64,
            Arc::new(|tx: &mut Conn, jobs: &[String]| {
                Box::pin(async move {
                    let mut ids = Vec::new();
                    for j in jobs {
                        if j == "fail" {
                            return Err(crate::Error::Conflict("note".into()));
                        }
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO group_test (note) VALUES ($1) RETURNING id",
                        )
                        .bind(j)
                        .fetch_one(&mut *tx)
                        .await?;
                        ids.push(id);
                    }
                    Ok(ids)
                })
            }),
        )
    }

    async fn table(db: &TestDb) {
        let mut c = db.store.acquire().await.unwrap();
        let id = match db.store.backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY",
            Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        };
        sqlx::query(&format!(
            "CREATE TABLE group_test (id {id}, note TEXT NOT NULL)"
        ))
        .execute(&mut *c)
        .await
        .unwrap();
    }

    async fn count(db: &TestDb) -> i64 {
        let mut c = db.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM group_test")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    }

    /// A write that fails fails alone: the others of its group are written whole.
    #[tokio::test]
    async fn a_failing_write_fails_only_itself() {
        let db = TestDb::new().await;
        table(&db).await;
        let g = notes();
        let out = g
            .write_group(&db.store, ["x", "y", "z"].map(String::from).to_vec())
            .await;
        assert!(out.iter().all(|r| r.is_ok()));
        assert_eq!(g.counts(), (3, 1), "one transaction for the group");
        let out = g
            .write_group(
                &db.store,
                ["a", "b", "fail", "c"].map(String::from).to_vec(),
            )
            .await;
        assert!(out[2].is_err(), "{:?}", out[2]);
        assert!(out.iter().enumerate().all(|(i, r)| i == 2 || r.is_ok()));
        // One failed group transaction, then four alone of which three committed.
        assert_eq!(g.counts(), (6, 4));
        assert_eq!(count(&db).await, 6);
    }

    /// Concurrent writes all land, each answered with its own id, in fewer transactions than
    /// writes on SQLite (one each on PostgreSQL).
    #[tokio::test]
    async fn concurrent_writes_are_committed_and_answered() {
        let db = TestDb::new().await;
        table(&db).await;
        let g = notes();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let (g, store) = (g.clone(), db.store.clone());
                tokio::spawn(async move { g.submit(&store, format!("n{i}")).await })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap().unwrap());
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        assert_eq!(count(&db).await, 50);
        let (writes, transactions) = g.counts();
        assert_eq!(writes, 50);
        match db.store.backend {
            Backend::Postgres => assert_eq!(transactions, 50),
            Backend::Sqlite => assert!((1..=50).contains(&transactions)),
        }
        assert!(g.submit(&db.store, "fail".into()).await.is_err());
        assert_eq!(count(&db).await, 50);
    }
}
