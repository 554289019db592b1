//! The [`Channel`] trait, the message every channel delivers ([`Payload`]), and the delivery
//! worker ([`Notifier`]) that drains the outbox.
//!
//! A deployment adds a channel (SMS, WeChat, …) by implementing [`Channel`] and handing it to
//! [`Notifier::new`] with the others, and by listing its name among the channels in use
//! ([`crate::notify::Notify::set_channels`]) so that changes of events write rows for it.

use crate::AppResult;
use jingzhi_domain::notify::{AfterFailure, RetryPolicy};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::notify as sn;
use jingzhi_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an outbox row carries: the JSON a webhook receives as its body, and what every other
/// channel turns into its own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The event that changed.
    pub event_id: i64,
    /// The recipient's own event (differs from `event_id` when it was merged into it).
    pub own_event_id: i64,
    pub status: String,
    pub status_zh: String,
    pub command: String,
    pub title: String,
    pub body: String,
    /// When the change happened (ms since the epoch, UTC).
    pub at: i64,
    /// The reporter: a user (id) or not (hotline, Open311), by name, with an e-mail address if
    /// they gave one.
    pub user_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
}

/// One message to deliver: an outbox row.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The outbox row's id: the same on every retry, so a receiver can drop a repeat.
    pub id: i64,
    /// The address for this channel (an e-mail address for SMTP; empty for a webhook).
    pub recipient: String,
    /// The payload exactly as stored (JSON of [`Payload`]).
    pub json: String,
    pub payload: Payload,
}

/// Why a delivery failed: kept on the outbox row (never shown to residents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError(pub String);

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An external channel. `deliver` resolves to `Ok` only once the other side accepted the
/// message (HTTP 2xx, SMTP 250); anything else is retried with backoff.
pub trait Channel: Send + Sync {
    /// The name outbox rows carry (`webhook`, `smtp`, `sms`, …).
    fn name(&self) -> &str;
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>>;
}

/// What one run of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u64,
    /// Failed, to be tried again later.
    pub retried: u64,
    /// Failed for the last time: marked failed.
    pub failed: u64,
}

/// The delivery worker: claims due outbox rows of its channels, delivers them, and marks each
/// sent, due again later (exponential backoff), or failed after the last attempt.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    channels: BTreeMap<String, Arc<dyn Channel>>,
    pub retry: RetryPolicy,
    /// How long a claimed row stays with its worker before another may take it over (a worker
    /// that died mid-delivery). Longer than any delivery's timeout.
    pub lease_ms: i64,
    /// Rows claimed (and delivered concurrently) at a time.
    pub batch: i64,
}

impl Notifier {
    pub fn new(store: Store, channels: Vec<Arc<dyn Channel>>, retry: RetryPolicy) -> Self {
        Self {
            store,
            channels: channels
                .into_iter()
                .map(|c| (c.name().to_string(), c))
                .collect(),
            retry,
            lease_ms: 5 * 60_000,
            batch: 32,
        }
    }

    pub fn channel_names(&self) -> Vec<&str> {
        self.channels.keys().map(String::as_str).collect()
    }

    /// Deliver everything due now.
    pub async fn run_once(&self) -> AppResult<DeliveryReport> {
        self.run_once_at(now_ms()).await
    }

    /// Deliver everything due at `now` (the time is given for tests; rows that fail become due
    /// again later than `now`, so a run ends).
    pub async fn run_once_at(&self, now: i64) -> AppResult<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let names = self.channel_names();
        loop {
            let claimed = {
                let mut tx = self.store.begin().await?;
                let rows = sn::claim_due(&mut tx, &names, now, self.lease_ms, self.batch).await?;
                jingzhi_store::commit(tx).await?;
                rows
            };
            if claimed.is_empty() {
                return Ok(report);
            }
            let mut set = tokio::task::JoinSet::new();
            for row in claimed {
                let ch = self.channels.get(&row.channel).cloned();
                set.spawn(async move {
                    let result = match (ch, serde_json::from_str::<Payload>(&row.payload)) {
                        (None, _) => Err(DeliveryError(format!("no channel {}", row.channel))),
                        (_, Err(e)) => Err(DeliveryError(format!("bad payload: {e}"))),
                        (Some(ch), Ok(payload)) => {
                            let d = Delivery {
                                id: row.id,
                                recipient: row.recipient.clone(),
                                json: row.payload.clone(),
                                payload,
                            };
                            ch.deliver(&d).await
                        }
                    };
                    (row, result)
                });
            }
            while let Some(joined) = set.join_next().await {
                let Ok((row, result)) = joined else {
                    // A panicking channel: its row stays claimed until the lease runs out.
                    continue;
                };
                let mut conn = self.store.acquire().await?;
                match result {
                    Ok(()) => {
                        sn::mark_sent(&mut conn, row.id, now).await?;
                        report.sent += 1;
                    }
                    Err(e) => {
                        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                        match self.retry.after_failure(attempts, now) {
                            AfterFailure::RetryAt(t) => {
                                tracing::warn!(outbox = row.id, channel = %row.channel, attempts, error = %e, "delivery failed; will retry");
                                sn::mark_failed_attempt(&mut conn, row.id, Some(t), &e.0).await?;
                                report.retried += 1;
                            }
                            AfterFailure::GiveUp => {
                                tracing::error!(outbox = row.id, channel = %row.channel, attempts, error = %e, "delivery failed; giving up");
                                sn::mark_failed_attempt(&mut conn, row.id, None, &e.0).await?;
                                report.failed += 1;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Deliver what is due every `every` until the task is dropped (inside `jingzhi serve`).
    pub async fn run_forever(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.run_once().await {
                Ok(r) if r != DeliveryReport::default() => {
                    tracing::info!(
                        sent = r.sent,
                        retried = r.retried,
                        failed = r.failed,
                        "notifications delivered"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "notification delivery run failed"),
            }
        }
    }
}
