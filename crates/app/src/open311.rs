//! Open311 GeoReport v2 use-cases (see `docs/open311.md`): API keys, the services (event
//! categories), creating a request (an event reported with `source = open311`), and the public
//! read model of requests and their updates.
//!
//! - A key is a random 256-bit secret; the database keeps its SHA-256 (a fast hash is right for
//!   a high-entropy key checked on every POST). Verified keys are remembered in memory for
//!   [`KEY_TTL`], so a revocation from another process (the CLI) takes effect within that time;
//!   a revocation through this process takes effect at once.
//! - A key acts as a system actor for the whole city, named `open311:NAME` in the timeline and
//!   the audit log.
//! - Reads need no key and return no personal data (no reporter name, phone or email).
//! - On SQLite, concurrent creates queue in memory and are committed in groups (one
//!   transaction for all that waited, [`jingzhi_store::group`]) instead of one transaction
//!   each behind SQLite's sleeping busy handler.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::events::Urgency;
use jingzhi_domain::open311::{ContactName, ContactPhone, Email, MediaUrl};
use jingzhi_domain::open311::{RequestFilter, UpdateFilter};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit;
use jingzhi_store::events::{self as se, CategoryRow};
use jingzhi_store::group::GroupCommit;
use jingzhi_store::open311::{self as so, KeyRow, UpdateRow};
use jingzhi_store::registry::{self as sr, Node};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::open311::RequestRow;

/// How long a verified key (and the category list) is trusted without asking the database.
pub const KEY_TTL: Duration = Duration::from_secs(5);

/// In-memory state of the Open311 surface: verified keys, categories, the city, and the write
/// lock. Cheap to clone (shared).
#[derive(Debug, Default, Clone)]
pub struct Open311Cache(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    keys: Mutex<HashMap<String, (Instant, KeyRow)>>,
    categories: Mutex<Option<(Instant, Arc<Vec<CategoryRow>>)>>,
    city: Mutex<Option<Node>>,
    /// Creates, committed in groups on SQLite (`jingzhi_store::group`).
    writes: Writes,
    /// Rendered public lists by request (format and query), with the write generation and time
    /// they were made at (see [`Open311::cached`]).
    reads: Mutex<HashMap<String, Cached>>,
    generation: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Cached {
    at: Instant,
    generation: u64,
    body: Arc<str>,
    /// One request is already making the next one: others serve this one meanwhile.
    refreshing: bool,
}

/// How long a rendered public list is served again without asking the database.
pub const READ_TTL: Duration = Duration::from_secs(1);

impl Open311Cache {
    /// Forget remembered keys and categories (they are read again on next use).
    pub fn clear(&self) {
        lock(&self.0.keys).clear();
        *lock(&self.0.categories) = None;
        lock(&self.0.reads).clear();
    }

    /// Creates committed by this process so far, and the transactions they took (fewer than
    /// the creates when groups formed, see [`Open311::create`]).
    pub fn write_counts(&self) -> (u64, u64) {
        self.0.writes.0.counts()
    }

    /// Something was written through Open311: forget every rendered list.
    fn written(&self) {
        self.0
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The most creates written in one transaction.
pub const MAX_GROUP: usize = 256;

/// The creates' group commit (a newtype, so that the cache can be made by `Default`).
#[derive(Debug, Clone)]
struct Writes(GroupCommit<PendingCreate, i64, AppError>);

impl Default for Writes {
    fn default() -> Self {
        Writes(GroupCommit::new(
            MAX_GROUP,
            Arc::new(|tx: &mut jingzhi_store::Conn, jobs: &[PendingCreate]| {
                Box::pin(write_creates(tx, jobs))
            }),
        ))
    }
}

/// A checked create, waiting to be written.
#[derive(Debug)]
struct PendingCreate {
    actor: Actor,
    key_id: i64,
    key_name: String,
    path: String,
    node_id: i64,
    category_code: String,
    urgency: Urgency,
    reporter: String,
    description: String,
    answers: Option<serde_json::Value>,
    x: Option<f64>,
    y: Option<f64>,
    reported_at: i64,
    deadline_at: i64,
    email_enc: Option<Vec<u8>>,
    phone_enc: Option<Vec<u8>>,
    device_id: Option<String>,
    account_id: Option<String>,
    address_string: Option<String>,
    media_url: Option<String>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A verified key: who is writing.
#[derive(Debug, Clone)]
pub struct Client {
    pub key: KeyRow,
    pub actor: Actor,
}

/// A new key: its name and the secret (shown once).
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub api_key: String,
}

/// `POST requests` as the client sent it (already split from the form).
#[derive(Debug, Clone, Default)]
pub struct CreateInput {
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    /// `attribute[code]=value`, in order.
    pub attributes: Vec<(String, String)>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
}

/// What `POST requests` answers.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: i64,
    pub service_notice: String,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn plain(field: &'static str, what: &str, s: &str, max: usize) -> AppResult<()> {
    if s.chars().count() > max {
        return Err(AppError::invalid(field, format!("{what}不能超过{max}字")));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::invalid(
            field,
            format!("{what}含有不可见控制字符"),
        ));
    }
    Ok(())
}

fn coordinate(field: &'static str, s: &str) -> AppResult<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| AppError::invalid(field, format!("坐标“{s}”不是数字")))
}

/// `service_notice`: when it should be done.
pub fn service_notice(urgency: Urgency, deadline_at: i64) -> String {
    format!(
        "按“{}”办理时限，预计{}前办结",
        urgency.label_zh(),
        jingzhi_domain::time_fmt::format_ms(deadline_at)
    )
}

/// Open311: GeoReport v2 keys, services, requests and updates. Reached as `app.open311()`.
#[derive(Clone, Copy)]
pub struct Open311<'a> {
    app: &'a App,
}

impl App {
    /// See [`Open311`].
    pub fn open311(&self) -> Open311<'_> {
        Open311 { app: self }
    }
}

impl Open311<'_> {
    /// The city (root node), remembered.
    async fn city(&self) -> AppResult<Node> {
        if let Some(n) = lock(&self.app.open311_cache.0.city).as_ref() {
            return Ok(n.clone());
        }
        let actor = self.app.system_actor().await?;
        let mut conn = self.app.store.acquire().await?;
        let n = sr::get_node_unscoped(&mut conn, actor.user.scope_node_id).await?;
        *lock(&self.app.open311_cache.0.city) = Some(n.clone());
        Ok(n)
    }

    /// The reader of the public surface: the whole city, no user.
    pub async fn reader(&self) -> AppResult<Actor> {
        Ok(Actor::system(&self.city().await?))
    }

    /// Active categories (the Open311 services), in display order; remembered for [`KEY_TTL`].
    pub async fn services(&self) -> AppResult<Arc<Vec<CategoryRow>>> {
        if let Some((at, c)) = lock(&self.app.open311_cache.0.categories).as_ref() {
            if at.elapsed() < KEY_TTL {
                return Ok(c.clone());
            }
        }
        let mut conn = self.app.store.acquire().await?;
        let all: Vec<CategoryRow> = se::categories(&mut conn)
            .await?
            .into_iter()
            .filter(|c| c.active)
            .collect();
        let all = Arc::new(all);
        *lock(&self.app.open311_cache.0.categories) = Some((Instant::now(), all.clone()));
        Ok(all)
    }

    /// One active service, or `None`.
    pub async fn service(&self, code: &str) -> AppResult<Option<CategoryRow>> {
        Ok(self
            .services()
            .await?
            .iter()
            .find(|c| c.category.code == code)
            .cloned())
    }

    // -----------------------------------------------------------------------------------------
    // Keys

    /// Add a key (the command line: `jingzhi open311 key add --name NAME`). Audited.
    pub async fn add_key(&self, actor: &Actor, name: &str) -> AppResult<NewKey> {
        actor.require(jingzhi_domain::auth::Permission::ManageUsers)?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > 64
            || name.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(AppError::invalid(
                "name",
                "名称应为 1 到 64 个字符，不含空白",
            ));
        }
        let api_key = crate::auth::random_secret();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let id = so::insert_key(&mut tx, name, &crate::auth::secret_hash(&api_key), now)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                    field: "name".into(),
                    reason: format!("已有名为“{name}”的 Open311 密钥"),
                },
                e => e.into(),
            })?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "open311_key",
                Some(id),
                &actor.user.scope_path,
                format!("新建 Open311 密钥“{name}”"),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(NewKey {
            name: name.to_string(),
            api_key,
        })
    }

    pub async fn keys(&self, actor: &Actor) -> AppResult<Vec<KeyRow>> {
        actor.require(jingzhi_domain::auth::Permission::ManageUsers)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(so::keys(&mut conn).await?)
    }

    /// Revoke a key by name. Takes effect at once in this process, within [`KEY_TTL`] in others.
    pub async fn revoke_key(&self, actor: &Actor, name: &str) -> AppResult<KeyRow> {
        actor.require(jingzhi_domain::auth::Permission::ManageUsers)?;
        let mut tx = self.app.store.begin().await?;
        let k = so::revoke_key(&mut tx, name.trim(), now_ms()).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "open311_key",
                Some(k.id),
                &actor.user.scope_path,
                format!("吊销 Open311 密钥“{}”", k.name),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        lock(&self.app.open311_cache.0.keys).retain(|_, (_, row)| row.id != k.id);
        Ok(k)
    }

    /// Check an `api_key`: missing, unknown or revoked is [`AppError::Forbidden`].
    pub async fn client(&self, api_key: Option<&str>) -> AppResult<Client> {
        let key = api_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(AppError::Forbidden)?;
        if key.len() > 256 {
            return Err(AppError::Forbidden);
        }
        let hash = crate::auth::secret_hash(key);
        let cached = lock(&self.app.open311_cache.0.keys)
            .get(&hash)
            .filter(|(at, _)| at.elapsed() < KEY_TTL)
            .map(|(_, k)| k.clone());
        let row = match cached {
            Some(k) => k,
            None => {
                let mut conn = self.app.store.acquire().await?;
                let k = so::live_key(&mut conn, &hash)
                    .await?
                    .ok_or(AppError::Forbidden)?;
                let mut keys = lock(&self.app.open311_cache.0.keys);
                if keys.len() > 10_000 {
                    keys.clear();
                }
                keys.insert(hash, (Instant::now(), k.clone()));
                k
            }
        };
        let mut actor = self.reader().await?;
        actor.user.username = format!("open311:{}", row.name);
        actor.user.display_name = format!("Open311：{}", row.name);
        Ok(Client { key: row, actor })
    }

    // -----------------------------------------------------------------------------------------
    // Create

    /// `POST requests`: check everything, then write the event, its first timeline row, the
    /// audit record and the Open311 details in one transaction (on SQLite shared with the
    /// creates that arrived meanwhile, see `jingzhi_store::group`). Nothing is written on
    /// any error.
    pub async fn create(&self, client: &Client, input: &CreateInput) -> AppResult<Created> {
        let now = now_ms();
        let actor = &client.actor;
        let code = input.service_code.trim();
        if code.is_empty() {
            return Err(AppError::invalid("service_code", "缺少 service_code"));
        }
        let cat = self
            .service(code)
            .await?
            .ok_or_else(|| AppError::invalid("service_code", format!("未知的服务类型“{code}”")))?;
        // Answers to the category's questions.
        let mut answers = serde_json::Map::new();
        for (k, v) in &input.attributes {
            if answers
                .insert(k.clone(), serde_json::Value::String(v.trim().to_string()))
                .is_some()
            {
                return Err(AppError::invalid("attribute", format!("属性“{k}”重复")));
            }
        }
        crate::events::check_answers(&cat, Some(&answers))?;
        let description = input.description.as_deref().unwrap_or("").trim();
        plain(
            "description",
            "问题描述",
            description,
            jingzhi_domain::open311::MAX_DESCRIPTION,
        )?;
        // The reporter's details, each read into its value type (the error names the field).
        let first_name = blank(&input.first_name)
            .map(ContactName::first)
            .transpose()?;
        let last_name = blank(&input.last_name).map(ContactName::last).transpose()?;
        for (field, what, v, max) in [
            ("device_id", "设备编号", &input.device_id, 128),
            ("account_id", "账号", &input.account_id, 128),
            ("address_string", "地址", &input.address_string, 256),
        ] {
            if let Some(s) = blank(v) {
                plain(field, what, s, max)?;
            }
        }
        let email = blank(&input.email).map(Email::parse).transpose()?;
        let phone = blank(&input.phone).map(ContactPhone::parse).transpose()?;
        let media_url = blank(&input.media_url).map(MediaUrl::parse).transpose()?;
        // Where: a point (placed into its grid), or a building by its unified code.
        let (node, point) = match (blank(&input.lat), blank(&input.long)) {
            (Some(lat), Some(long)) => {
                let (y, x) = (coordinate("lat", lat)?, coordinate("long", long)?);
                (
                    self.app.geo().locate_point(actor, (x, y), "lat").await?,
                    Some((x, y)),
                )
            }
            (Some(_), None) => return Err(AppError::invalid("long", "缺少经度 long")),
            (None, Some(_)) => return Err(AppError::invalid("lat", "缺少纬度 lat")),
            (None, None) => match blank(&input.address_id) {
                Some(code) => {
                    let mut conn = self.app.store.acquire().await?;
                    let n = sr::get_node_by_code(&mut conn, &actor.scope(), code)
                        .await
                        .ok()
                        .filter(|n| matches!(n.kind, NodeKind::Building | NodeKind::Grid))
                        .ok_or_else(|| {
                            AppError::invalid("address_id", format!("找不到编码为“{code}”的楼宇"))
                        })?;
                    (n, None)
                }
                None if blank(&input.address_string).is_some() => {
                    return Err(AppError::invalid(
                        "address_string",
                        "暂不支持按地址文字定位，请提供坐标（lat、long）或楼宇编码（address_id）",
                    ))
                }
                None => {
                    return Err(AppError::invalid(
                        "lat",
                        "缺少位置：请提供坐标（lat、long）或楼宇编码（address_id）",
                    ))
                }
            },
        };
        let reporter = match (&last_name, &first_name) {
            (None, None) => format!("Open311：{}", client.key.name),
            (l, f) => format!(
                "{}{}",
                l.as_ref().map_or("", ContactName::as_str),
                f.as_ref().map_or("", ContactName::as_str)
            ),
        };
        let urgency = Urgency::Ordinary;
        let deadline_at = self.app.events().deadline_policy().deadline(urgency, now);
        let answers = (!answers.is_empty()).then_some(serde_json::Value::Object(answers));
        let job = PendingCreate {
            actor: actor.clone(),
            key_id: client.key.id,
            key_name: client.key.name.clone(),
            path: node.path,
            node_id: node.id,
            category_code: cat.category.code.clone(),
            urgency,
            reporter,
            description: description.to_string(),
            answers,
            x: point.map(|p| p.0).or(node.x),
            y: point.map(|p| p.1).or(node.y),
            reported_at: now,
            deadline_at,
            email_enc: email.map(|e| self.app.store.cipher.seal(e.as_str())),
            phone_enc: phone.map(|p| self.app.store.cipher.seal(p.as_str())),
            device_id: blank(&input.device_id).map(str::to_string),
            account_id: blank(&input.account_id).map(str::to_string),
            address_string: blank(&input.address_string).map(str::to_string),
            media_url: media_url.map(|u| u.as_str().to_string()),
        };
        let id = self
            .app
            .open311_cache
            .0
            .writes
            .0
            .submit(&self.app.store, job)
            .await?;
        self.app.open311_cache.written();
        Ok(Created {
            id,
            service_notice: service_notice(urgency, deadline_at),
        })
    }

    // -----------------------------------------------------------------------------------------
    // Reads (public, the whole city, no personal data)

    /// A public list, rendered by `make`, served again for up to [`READ_TTL`] to requests with
    /// the same `key` (format and query). A create through Open311 in this process forgets
    /// them at once, so a client reads its own writes; other changes (staff moving an event)
    /// show within a second.
    pub async fn cached<Fut>(&self, key: &str, make: Fut) -> AppResult<Arc<str>>
    where
        Fut: std::future::Future<Output = AppResult<String>>,
    {
        use std::sync::atomic::Ordering;
        let gen = self.app.open311_cache.0.generation.load(Ordering::SeqCst);
        {
            let mut reads = lock(&self.app.open311_cache.0.reads);
            if let Some(c) = reads.get_mut(key) {
                if c.generation == gen {
                    if c.at.elapsed() < READ_TTL || c.refreshing {
                        // Fresh, or expired with a refresh under way: no stampede on the
                        // database when a popular list expires.
                        return Ok(c.body.clone());
                    }
                    c.refreshing = true;
                }
            }
        }
        let started = Instant::now();
        let made = make.await;
        let mut reads = lock(&self.app.open311_cache.0.reads);
        let body: Arc<str> = match made {
            Ok(b) => b.into(),
            Err(e) => {
                if let Some(c) = reads.get_mut(key) {
                    c.refreshing = false;
                }
                return Err(e);
            }
        };
        if reads.len() > 1000 {
            reads.retain(|_, c| c.at.elapsed() < READ_TTL);
            if reads.len() > 1000 {
                reads.clear();
            }
        }
        reads.insert(
            key.to_string(),
            Cached {
                at: started,
                generation: gen,
                body: body.clone(),
                refreshing: false,
            },
        );
        Ok(body)
    }

    pub async fn requests(
        &self,
        f: &RequestFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<RequestRow>> {
        let city = self.city().await?;
        let scope = jingzhi_domain::scope::Scope::new(city.id, city.path);
        let mut conn = self.app.store.acquire().await?;
        Ok(so::list_requests(&mut conn, &scope, f, limit, offset).await?)
    }

    pub async fn updates(
        &self,
        f: &UpdateFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<UpdateRow>> {
        let city = self.city().await?;
        let scope = jingzhi_domain::scope::Scope::new(city.id, city.path);
        let mut conn = self.app.store.acquire().await?;
        Ok(so::list_updates(&mut conn, &scope, f, limit, offset).await?)
    }
}

/// Write creates in the transaction given (a group of the commit queue): the events as every new event is written
/// ([`crate::events::create`]: rows, monthly counts, first timeline rows, audit records, in
/// multi-row statements) and their Open311 details. Returns the new events' ids, in order.
async fn write_creates(
    tx: &mut jingzhi_store::Conn,
    jobs: &[PendingCreate],
) -> AppResult<Vec<i64>> {
    let reports: Vec<_> = jobs
        .iter()
        .map(|j| crate::events::create::NewReport {
            actor: &j.actor,
            event: se::NewEvent {
                path: &j.path,
                node_id: j.node_id,
                category_code: &j.category_code,
                urgency: j.urgency,
                source: crate::events::Source::Open311.as_str(),
                reporter_user_id: None,
                reporter_name: &j.reporter,
                description: &j.description,
                answers: j.answers.clone(),
                x: j.x,
                y: j.y,
                reported_at: j.reported_at,
                deadline_at: j.deadline_at,
            },
            note: None,
            via: Some(format!("Open311：{}", j.key_name)),
        })
        .collect();
    let ids = crate::events::create::create(&mut *tx, &reports).await?;
    let requests: Vec<_> = jobs
        .iter()
        .zip(&ids)
        .map(|(j, &id)| so::NewRequest {
            event_id: id,
            path: &j.path,
            key_id: j.key_id,
            email_enc: j.email_enc.clone(),
            phone_enc: j.phone_enc.clone(),
            device_id: j.device_id.as_deref(),
            account_id: j.account_id.as_deref(),
            address_string: j.address_string.as_deref(),
            media_url: j.media_url.as_deref(),
        })
        .collect();
    so::insert_requests(&mut *tx, &requests).await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhi_store::registry::NewNode;
    use jingzhi_store::testing::TestDb;

    fn job(client: &Client, node: &Node, description: &str) -> PendingCreate {
        PendingCreate {
            actor: client.actor.clone(),
            key_id: client.key.id,
            key_name: client.key.name.clone(),
            path: node.path.clone(),
            node_id: node.id,
            category_code: "other".into(),
            urgency: Urgency::Ordinary,
            reporter: "测试".into(),
            description: description.into(),
            answers: None,
            x: None,
            y: None,
            reported_at: now_ms(),
            deadline_at: now_ms() + 1,
            email_enc: None,
            phone_enc: None,
            device_id: None,
            account_id: None,
            address_string: None,
            media_url: Some("https://img.example.cn/1.jpg".into()),
        }
    }

    /// A create that cannot be written (its place vanished after it was checked) fails alone:
    /// the others of its group are written whole, and the failed one leaves nothing behind.
    #[tokio::test]
    async fn a_failing_create_fails_only_itself() {
        let db = TestDb::new().await;
        let app = App::new(db.store.clone());
        let mut c = db.store.acquire().await.unwrap();
        let city = sr::insert_node(
            &mut c,
            None,
            &NewNode {
                kind: Some(NodeKind::City),
                code: "371000000000".into(),
                name: "威海市".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        drop(c);
        let key = app
            .open311()
            .add_key(&Actor::system(&city), "group-test")
            .await
            .unwrap();
        let client = app.open311().client(Some(&key.api_key)).await.unwrap();
        let gone = Node {
            id: city.id + 1000,
            ..city.clone()
        };
        let jobs = [&city, &city, &gone, &city]
            .into_iter()
            .enumerate()
            .map(|(i, node)| job(&client, node, &format!("第{i}件")))
            .collect();
        let results = app
            .open311_cache
            .0
            .writes
            .0
            .write_group(&app.store, jobs)
            .await;
        assert!(results[2].is_err(), "{:?}", results[2]);
        let ids: Vec<i64> = [0, 1, 3]
            .iter()
            .map(|&i| *results[i].as_ref().unwrap())
            .collect();
        // One failed group transaction, then four alone of which three committed.
        assert_eq!(app.open311_cache.write_counts(), (3, 3));
        let mut c = db.store.acquire().await.unwrap();
        for (table, col) in [
            ("events", "id"),
            ("event_transitions", "event_id"),
            ("open311_requests", "event_id"),
            // The audit log also records the key's creation (another kind of entity).
            ("audit_log", "entity = 'event' AND entity_id"),
        ] {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {col} IN ($1, $2, $3)"
            ))
            .bind(ids[0])
            .bind(ids[1])
            .bind(ids[2])
            .fetch_one(&mut *c)
            .await
            .unwrap();
            assert_eq!(n, 3, "{table}");
        }
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(total, 3);
        let reported: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(reported), 0) AS BIGINT) FROM event_rollup",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(reported, 3);
        let by_category: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(reported), 0) AS BIGINT) FROM event_rollup_category WHERE category_code = 'other'",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(by_category, 3);
    }
}
