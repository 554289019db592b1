//! Notifications, the outbox and its channels, and overdue escalation, on a real database
//! (SQLite, or PostgreSQL with JINGZHI_TEST_DATABASE_URL), against a real HTTP server and a real
//! SMTP listener started in the test.

mod common;

use common::World;
use jingzhi_app::events::{DispatchInput, HandlerInput, ReportInput};
use jingzhi_app::notify::smtp::{Smtp, SmtpConfig, SmtpTls};
use jingzhi_app::notify::webhook::{self, Webhook, WebhookConfig};
use jingzhi_app::notify::{Channel, Notifier, Payload};
use jingzhi_app::{Actor, App};
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::notify::RetryPolicy;
use jingzhi_store::notify as sn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "webhook-test-secret";

fn report(node_id: i64, description: &str) -> ReportInput {
    ReportInput {
        category: "sanitation".into(),
        node_id: Some(node_id),
        description: description.into(),
        ..Default::default()
    }
}

fn dispatch() -> DispatchInput {
    DispatchInput {
        lead: HandlerInput {
            kind: "property_company".into(),
            name: "红色物业".into(),
            code: None,
        },
        co_handlers: vec![],
        notified: vec![],
    }
}

/// A resident account living in building A (room `room`).
async fn resident(w: &World, worker: &Actor, username: &str, room: &str, id: &str) -> Actor {
    w.resident_at(worker, username, room, &format!("居民{room}"), id)
        .await
}

async fn outbox(app: &App, event_id: i64) -> Vec<sn::OutboxRow> {
    let mut c = app.store.acquire().await.unwrap();
    sn::outbox_of_event(&mut c, event_id).await.unwrap()
}

async fn all_outbox(app: &App) -> i64 {
    let mut c = app.store.acquire().await.unwrap();
    sn::outbox_counts(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn a_transition_notifies_the_reporter_in_its_own_transaction() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker, "res.a", "301", "11010519491231002X").await;
    w.app
        .notify()
        .set_channels(&["smtp", "webhook"])
        .await
        .unwrap();
    w.app
        .notify()
        .set_user_email(Some(&res), "res.a", Some("wang@example.org"))
        .await
        .unwrap();

    // Reporting one's own event tells nobody (the reporter is the actor).
    let e = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "楼下垃圾三天没人清"))
        .await
        .unwrap();
    assert!(w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(all_outbox(&w.app).await, 0);

    w.app.events().accept(&worker, e.id).await.unwrap();
    let list = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].event_id, Some(e.id));
    assert_eq!(list[0].status, "accepted");
    assert!(list[0].body.contains("已上报 → 已受理"), "{}", list[0].body);
    assert!(list[0].body.contains("前进小区1号楼"), "{}", list[0].body);
    assert_eq!(w.app.notify().unread(&res).await.unwrap(), 1);
    // The worker who acted is told nothing.
    assert!(w
        .app
        .notify()
        .notifications(&worker, None, None, 50)
        .await
        .unwrap()
        .is_empty());
    let rows = outbox(&w.app, e.id).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let smtp = rows.iter().find(|r| r.channel == "smtp").unwrap();
    assert_eq!(smtp.recipient, "wang@example.org");
    assert_eq!(smtp.status, "pending");
    let hook = rows.iter().find(|r| r.channel == "webhook").unwrap();
    let p: Payload = serde_json::from_str(&hook.payload).unwrap();
    assert_eq!(
        (p.event_id, p.own_event_id, p.status.as_str()),
        (e.id, e.id, "accepted")
    );
    assert_eq!(p.user_id, Some(res.id()));

    // A refused transition writes nothing.
    assert!(w.app.events().verify(&worker, e.id).await.is_err());
    assert_eq!(
        w.app
            .notify()
            .notifications(&res, None, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(outbox(&w.app, e.id).await.len(), 2);

    // A transition that fails after its notification was written leaves nothing either: the
    // outbox table is renamed away, so the outbox insert fails inside the transaction.
    {
        let mut c = w.app.store.acquire().await.unwrap();
        sqlx::query("ALTER TABLE notification_outbox RENAME TO notification_outbox_gone")
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let err = w.app.events().dispatch(&worker, e.id, &dispatch()).await;
    assert!(err.is_err());
    let view = w.app.events().view(&worker, e.id).await.unwrap();
    assert_eq!(view.event.status, Status::Accepted);
    assert_eq!(
        view.timeline.len(),
        2,
        "no timeline entry for the failed change"
    );
    assert_eq!(
        w.app
            .notify()
            .notifications(&res, None, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    {
        let mut c = w.app.store.acquire().await.unwrap();
        sqlx::query("ALTER TABLE notification_outbox_gone RENAME TO notification_outbox")
            .execute(&mut *c)
            .await
            .unwrap();
    }
    w.app
        .events()
        .dispatch(&worker, e.id, &dispatch())
        .await
        .unwrap();
    assert_eq!(w.app.notify().unread(&res).await.unwrap(), 2);

    // Marking read: only one's own.
    let n = w
        .app
        .notify()
        .notifications(&res, Some(true), None, 50)
        .await
        .unwrap();
    assert!(w.app.notify().mark_read(&worker, n[0].id).await.is_err());
    let read = w.app.notify().mark_read(&res, n[0].id).await.unwrap();
    assert!(read.read_at.is_some());
    assert_eq!(w.app.notify().unread(&res).await.unwrap(), 1);
    assert_eq!(w.app.notify().mark_all_read(&res).await.unwrap(), 1);
    assert_eq!(w.app.notify().unread(&res).await.unwrap(), 0);
}

#[tokio::test]
async fn merged_reporters_hear_of_the_target_s_changes() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    let res = resident(&w, &worker, "res.a", "301", "11010519491231002X").await;
    let target = w
        .app
        .events()
        .report(&grid, &report(w.building_a.id, "小区门口垃圾堆积"))
        .await
        .unwrap();
    let dup = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "门口垃圾没人管"))
        .await
        .unwrap();
    w.app
        .events()
        .merge(&worker, dup.id, target.id)
        .await
        .unwrap();
    // The resident is told their event was merged.
    let n = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(
        (n[0].event_id, n[0].status.as_str()),
        (Some(dup.id), "merged")
    );

    w.app.events().accept(&worker, target.id).await.unwrap();
    let n = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!(n[0].event_id, Some(target.id));
    assert!(
        n[0].title
            .contains(&format!("#{}（已并入#{}）", dup.id, target.id)),
        "{}",
        n[0].title
    );
    let g = w
        .app
        .notify()
        .notifications(&grid, None, None, 50)
        .await
        .unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].event_id, Some(target.id));
}

// ---------------------------------------------------------------------------------------------
// Channels

/// A webhook receiver on 127.0.0.1:0: records (delivery id, signature, body) and answers the
/// status `status(n)` for the n-th request (0-based).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(String, String, Vec<u8>)>>>,
    hits: Arc<AtomicUsize>,
}

async fn receiver(status: fn(usize) -> u16) -> Receiver {
    use axum::http::{HeaderMap, StatusCode};
    let got: Arc<Mutex<Vec<(String, String, Vec<u8>)>>> = Default::default();
    let hits = Arc::new(AtomicUsize::new(0));
    let (g, h) = (got.clone(), hits.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (g, h) = (g.clone(), h.clone());
            async move {
                let n = h.fetch_add(1, Ordering::SeqCst);
                let hv = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                g.lock().unwrap().push((
                    hv(webhook::DELIVERY_HEADER),
                    hv(webhook::SIGNATURE_HEADER),
                    body.to_vec(),
                ));
                StatusCode::from_u16(status(n)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url: format!("http://{addr}/hook"),
        got,
        hits,
    }
}

fn hook(url: &str) -> Arc<dyn Channel> {
    Arc::new(
        Webhook::new(WebhookConfig {
            url: url.into(),
            secret: SECRET.into(),
            timeout: Duration::from_secs(5),
        })
        .unwrap(),
    )
}

/// A reporter and a worker, the webhook channel in use, and one accepted event: one outbox row.
async fn one_change(w: &World) -> (Actor, i64) {
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(w, &worker, "res.a", "301", "11010519491231002X").await;
    let e = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "垃圾桶满了"))
        .await
        .unwrap();
    w.app.events().accept(&worker, e.id).await.unwrap();
    (worker, e.id)
}

#[tokio::test]
async fn the_webhook_posts_signed_json_to_a_real_server_once() {
    let w = World::new().await;
    w.app.notify().set_channels(&["webhook"]).await.unwrap();
    let (_, event_id) = one_change(&w).await;
    let rx = receiver(|_| 200).await;
    let n = Notifier::new(
        w.app.store.clone(),
        vec![hook(&rx.url)],
        RetryPolicy::default(),
    );
    let r = n.run_once().await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (1, 0, 0));
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (delivery, sig, body) = &got[0];
    assert!(webhook::verify(SECRET, body, sig), "signature {sig}");
    assert!(!webhook::verify("another-secret", body, sig));
    // Checked independently of the adapter's own helper too.
    {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body);
        assert_eq!(
            sig,
            &format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }
    let p: Payload = serde_json::from_slice(body).unwrap();
    assert_eq!((p.event_id, p.status.as_str()), (event_id, "accepted"));
    let rows = outbox(&w.app, event_id).await;
    assert_eq!(delivery, &rows[0].id.to_string());
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 1));
    // Delivered once: a rerun (even much later) sends nothing.
    let r = n.run_once_at(i64::MAX / 2).await.unwrap();
    assert_eq!(r.sent, 0);
    assert_eq!(rx.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_with_backoff_then_given_up() {
    let w = World::new().await;
    w.app.notify().set_channels(&["webhook"]).await.unwrap();
    let (_, event_id) = one_change(&w).await;
    let rx = receiver(|_| 500).await;
    let policy = RetryPolicy {
        max_attempts: 3,
        base_ms: 1_000,
        max_delay_ms: 60_000,
    };
    let n = Notifier::new(w.app.store.clone(), vec![hook(&rx.url)], policy);
    let t0 = jingzhi_domain::time_fmt::now_ms() + 1;
    let step = |at: i64| {
        let n = n.clone();
        async move { n.run_once_at(at).await.unwrap() }
    };
    let r = step(t0).await;
    assert_eq!((r.sent, r.retried, r.failed), (0, 1, 0));
    assert_eq!(
        outbox(&w.app, event_id).await[0].next_attempt_at,
        t0 + 1_000
    );
    assert_eq!(step(t0 + 999).await.retried, 0, "not due yet");
    assert_eq!(rx.hits.load(Ordering::SeqCst), 1);
    assert_eq!(step(t0 + 1_000).await.retried, 1);
    // The wait doubles: 2 s after the second attempt.
    assert_eq!(
        outbox(&w.app, event_id).await[0].next_attempt_at,
        t0 + 1_000 + 2_000
    );
    assert_eq!(step(t0 + 2_999).await.retried, 0);
    let r = step(t0 + 3_000).await;
    assert_eq!((r.retried, r.failed), (0, 1));
    let row = &outbox(&w.app, event_id).await[0];
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 3));
    assert!(row.last_error.as_deref().unwrap().contains("500"));
    assert_eq!(step(t0 + 1_000_000).await, Default::default());
    assert_eq!(rx.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_retried_delivery_that_succeeds_is_not_sent_again() {
    let w = World::new().await;
    w.app.notify().set_channels(&["webhook"]).await.unwrap();
    let (_, event_id) = one_change(&w).await;
    let rx = receiver(|n| if n == 0 { 503 } else { 204 }).await;
    let n = Notifier::new(
        w.app.store.clone(),
        vec![hook(&rx.url)],
        RetryPolicy::default(),
    );
    let t0 = jingzhi_domain::time_fmt::now_ms() + 1;
    assert_eq!(n.run_once_at(t0).await.unwrap().retried, 1);
    assert_eq!(n.run_once_at(t0 + 3_600_000).await.unwrap().sent, 1);
    assert_eq!(n.run_once_at(t0 + 7_200_000).await.unwrap().sent, 0);
    assert_eq!(rx.hits.load(Ordering::SeqCst), 2);
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got[0].0, got[1].0, "the same delivery id on the retry");
    assert_eq!(outbox(&w.app, event_id).await[0].status, "sent");
}

#[tokio::test]
async fn two_workers_never_deliver_a_row_twice() {
    let w = World::new().await;
    w.app.notify().set_channels(&["webhook"]).await.unwrap();
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let grid = w.user("grid.a", "grid-worker", &w.grid_a).await;
    for i in 0..12 {
        let e = w
            .app
            .events()
            .report(&grid, &report(w.building_a.id, &format!("第{i}处垃圾")))
            .await
            .unwrap();
        w.app.events().accept(&worker, e.id).await.unwrap();
    }
    assert_eq!(all_outbox(&w.app).await, 12);
    let rx = receiver(|_| 200).await;
    let mut a = Notifier::new(
        w.app.store.clone(),
        vec![hook(&rx.url)],
        RetryPolicy::default(),
    );
    a.batch = 2;
    let b = a.clone();
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 12, "{ra:?} {rb:?}");
    let mut ids: Vec<String> = rx.got.lock().unwrap().iter().map(|g| g.0.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert_eq!(rx.hits.load(Ordering::SeqCst), 12);
}

/// A small SMTP receiver speaking the protocol (RFC 5321: greeting, EHLO, MAIL, RCPT, DATA with
/// dot-unstuffing, QUIT) on 127.0.0.1:0; keeps (MAIL FROM, RCPT TO list, message) per mail.
async fn smtp_receiver() -> (u16, Arc<Mutex<Vec<(String, Vec<String>, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mails: Arc<Mutex<Vec<(String, Vec<String>, String)>>> = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let m = mails.clone();
    tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            let m = m.clone();
            tokio::spawn(async move {
                let (r, mut wr) = sock.into_split();
                let mut r = BufReader::new(r);
                wr.write_all(b"220 test.local ESMTP ready\r\n")
                    .await
                    .unwrap();
                let (mut from, mut to) = (String::new(), vec![]);
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if upper.starts_with("HELO") {
                        b"250 test.local\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        from = cmd[10..].trim().to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(cmd[8..].trim().to_string());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        wr.write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                            .await
                            .unwrap();
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            let l = line.strip_prefix('.').unwrap_or(&line);
                            data.push_str(l);
                        }
                        m.lock()
                            .unwrap()
                            .push((from.clone(), std::mem::take(&mut to), data));
                        b"250 OK queued\r\n"
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else if upper == "QUIT" {
                        wr.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"502 not implemented\r\n"
                    };
                    wr.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

#[tokio::test]
async fn smtp_delivers_to_a_real_smtp_listener() {
    use base64::Engine;
    let w = World::new().await;
    w.app
        .notify()
        .set_channels(&["smtp", "webhook"])
        .await
        .unwrap();
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker, "res.a", "301", "11010519491231002X").await;
    w.app
        .notify()
        .set_user_email(None, "res.a", Some("wang@example.org"))
        .await
        .unwrap();
    let e = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "垃圾清运不及时"))
        .await
        .unwrap();
    w.app.events().accept(&worker, e.id).await.unwrap();
    let (port, mails) = smtp_receiver().await;
    let smtp: Arc<dyn Channel> = Arc::new(
        Smtp::new(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "精致社区 <noreply@jingzhi.test>".into(),
            hello_name: "jingzhi.test".into(),
            timeout: Duration::from_secs(5),
        })
        .unwrap(),
    );
    // Only the SMTP channel here: the webhook row stays pending for a worker that has it.
    let n = Notifier::new(w.app.store.clone(), vec![smtp], RetryPolicy::default());
    let r = n.run_once().await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (1, 0, 0), "{r:?}");
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let (from, to, data) = &mails[0];
    assert_eq!(from, "<noreply@jingzhi.test>");
    assert_eq!(to, &vec!["<wang@example.org>".to_string()]);
    assert!(data.contains("Subject: =?utf-8?b?"), "{data}");
    assert!(data.contains("Content-Transfer-Encoding: base64"), "{data}");
    let (_, body) = data.split_once("\r\n\r\n").unwrap();
    let text = base64::engine::general_purpose::STANDARD
        .decode(body.replace("\r\n", "").trim())
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(&format!("您上报的事件#{}有新进展：受理", e.id)),
        "{text}"
    );
    let rows = outbox(&w.app, e.id).await;
    let by = |c: &str| rows.iter().find(|r| r.channel == c).unwrap().status.clone();
    assert_eq!(
        (by("smtp").as_str(), by("webhook").as_str()),
        ("sent", "pending")
    );
}

// ---------------------------------------------------------------------------------------------
// Overdue escalation

#[tokio::test]
async fn overdue_events_escalate_once_per_deadline() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let res = resident(&w, &worker, "res.a", "301", "11010519491231002X").await;
    let system = w.app.system_actor().await.unwrap();
    let e = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "路灯不亮"))
        .await
        .unwrap();
    let late = e.deadline_at + 1;
    w.app.events().accept(&worker, e.id).await.unwrap();
    w.app
        .events()
        .dispatch(&worker, e.id, &dispatch())
        .await
        .unwrap();
    let before = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap()
        .len();

    // Not yet overdue.
    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, e.deadline_at)
        .await
        .unwrap();
    assert_eq!(r.escalated, 0);
    // Another community's worker does not reach it.
    let r = w
        .app
        .events()
        .escalate_overdue_at(&other, late)
        .await
        .unwrap();
    assert_eq!(r.escalated, 0);

    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, late)
        .await
        .unwrap();
    assert_eq!(r.escalated, 1);
    let v = w.app.events().view(&worker, e.id).await.unwrap();
    assert_eq!(
        (v.event.status, v.event.escalations),
        (Status::Escalated, 1)
    );
    let policy = w.app.events().deadline_policy();
    assert_eq!(v.event.deadline_at, policy.deadline(v.event.urgency, late));
    let last = v.timeline.last().unwrap();
    assert_eq!(
        (last.command.as_str(), last.actor_name.as_str()),
        ("escalate", "命令行")
    );
    assert!(last.note.as_deref().unwrap().contains("自动升级"));
    let n = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap();
    assert_eq!(n.len(), before + 1);
    assert_eq!(n[0].status, "escalated");
    {
        let mut c = w.app.store.acquire().await.unwrap();
        let audits = jingzhi_store::audit::list(
            &mut c,
            &w.city_scope(),
            &jingzhi_domain::audit::Filter {
                entity: Some("event".into()),
                ..Default::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
        assert!(audits.iter().any(|a| a.entity_id == Some(e.id)
            && a.summary.contains("升级")
            && a.actor_name == "命令行"));
    }

    // Rerun: a no-op, however often, until the new deadline passes.
    for _ in 0..2 {
        let r = w
            .app
            .events()
            .escalate_overdue_at(&system, late + 60_000)
            .await
            .unwrap();
        assert_eq!(r.escalated, 0);
    }
    let v2 = w.app.events().view(&worker, e.id).await.unwrap();
    assert_eq!(v2.event.escalations, 1);
    assert_eq!(v2.timeline.len(), v.timeline.len());
    // Past the new deadline: one level further.
    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, v.event.deadline_at + 1)
        .await
        .unwrap();
    assert_eq!(r.escalated, 1);
    let v3 = w.app.events().view(&worker, e.id).await.unwrap();
    assert_eq!(v3.event.escalations, 2);

    // Reported and never accepted: it goes up a level too.
    let u = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "井盖缺失"))
        .await
        .unwrap();
    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, u.deadline_at + 1)
        .await
        .unwrap();
    assert_eq!(r.escalated, 1);
    let vu = w.app.events().view(&worker, u.id).await.unwrap();
    assert_eq!(
        (vu.event.status, vu.event.escalations),
        (Status::Escalated, 1)
    );
}

#[tokio::test]
async fn a_backlog_escalates_in_batches() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let system = w.app.system_actor().await.unwrap();
    let mut last_deadline = 0;
    for i in 0..230 {
        let e = w
            .app
            .events()
            .report(&worker, &report(w.building_a.id, &format!("积压{i}")))
            .await
            .unwrap();
        w.app.events().accept(&worker, e.id).await.unwrap();
        last_deadline = last_deadline.max(e.deadline_at);
    }
    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, last_deadline + 1)
        .await
        .unwrap();
    assert_eq!(r.escalated, 230);
    let r = w
        .app
        .events()
        .escalate_overdue_at(&system, last_deadline + 1)
        .await
        .unwrap();
    assert_eq!(r.escalated, 0);
}

#[tokio::test]
async fn whistle_steps_that_matter_are_told_the_others_are_not() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let res = resident(&w, &worker, "res.a", "301", "11010519491231002X").await;
    let e = w
        .app
        .events()
        .report(&res, &report(w.building_a.id, "违建占用消防通道"))
        .await
        .unwrap();
    w.app.events().accept(&worker, e.id).await.unwrap();
    let wh = w
        .app
        .events()
        .blow_whistle(&worker, e.id, &["zhujian".to_string()], "需联合执法")
        .await
        .unwrap();
    let n = w
        .app
        .notify()
        .notifications(&res, None, None, 50)
        .await
        .unwrap();
    assert_eq!(n.len(), 2);
    assert!(n[0].title.contains("吹哨"), "{}", n[0].title);
    assert!(n[0].body.contains("住建局"), "{}", n[0].body);
    // A department reporting in is internal.
    w.app
        .events()
        .report_in(&worker, wh.id, "zhujian")
        .await
        .unwrap();
    assert_eq!(
        w.app
            .notify()
            .notifications(&res, None, None, 50)
            .await
            .unwrap()
            .len(),
        2
    );
}
