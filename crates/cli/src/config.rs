//! Configuration: defaults → `jingzhi.toml` → `JINGZHI_*` environment → flags.

use crate::Global;
use jingzhi_store::{Cipher, Store};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
    key: Option<String>,
    key_file: Option<PathBuf>,
    secure_cookies: Option<bool>,
    transparency_origin: Option<String>,
    notify: Option<NotifyFile>,
}

/// `[notify]` in `jingzhi.toml` (docs/notifications.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    smtp_hello: Option<String>,
    max_attempts: Option<u32>,
    retry_base_seconds: Option<i64>,
    poll_seconds: Option<u64>,
    escalate_every_seconds: Option<u64>,
}

/// Notification channels and the periodic jobs of `jingzhi serve`.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub webhook: Option<jingzhi_app::notify::webhook::WebhookConfig>,
    pub smtp: Option<jingzhi_app::notify::smtp::SmtpConfig>,
    pub retry: jingzhi_domain::notify::RetryPolicy,
    /// How often the delivery worker looks at the outbox.
    pub poll: std::time::Duration,
    /// How often overdue events are escalated (0: never, inside `serve`).
    pub escalate_every: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub listen: String,
    /// The PII master key as hex, when given directly.
    key: Option<String>,
    pub key_file: PathBuf,
    pub secure_cookies: bool,
    /// The transparency log's origin line and key name (docs/transparency.md).
    pub transparency_origin: String,
    pub notify: NotifyConfig,
}

/// `JINGZHI_<NAME>`, or the content of the file named by `JINGZHI_<NAME>_FILE`.
fn env(name: &str) -> Result<Option<String>, String> {
    if let Ok(v) = std::env::var(format!("JINGZHI_{name}")) {
        if !v.is_empty() {
            return Ok(Some(v));
        }
    }
    if let Ok(path) = std::env::var(format!("JINGZHI_{name}_FILE")) {
        if !path.is_empty() && name != "KEY" {
            return std::fs::read_to_string(&path)
                .map(|s| Some(s.trim().to_string()))
                .map_err(|e| format!("JINGZHI_{name}_FILE {path}: {e}"));
        }
    }
    Ok(None)
}

fn num<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<Option<T>, String> {
    v.map(|v| {
        v.trim()
            .parse()
            .map_err(|_| format!("JINGZHI_{name}: not a number: {v}"))
    })
    .transpose()
}

/// `[notify]` with `JINGZHI_NOTIFY_*` over it. A channel is on when its URL / host is set.
fn notify_config(f: NotifyFile) -> Result<NotifyConfig, String> {
    use jingzhi_app::notify::{smtp, webhook};
    let timeout = std::time::Duration::from_secs(15);
    let webhook = match env("NOTIFY_WEBHOOK_URL")?.or(f.webhook_url) {
        Some(url) => Some(webhook::WebhookConfig {
            url,
            secret: env("NOTIFY_WEBHOOK_SECRET")?
                .or(f.webhook_secret)
                .ok_or("notify: webhook_url is set but webhook_secret is not")?,
            timeout,
        }),
        None => None,
    };
    let smtp = match env("NOTIFY_SMTP_HOST")?.or(f.smtp_host) {
        Some(host) => {
            let tls_s = env("NOTIFY_SMTP_TLS")?
                .or(f.smtp_tls)
                .unwrap_or_else(|| "starttls".into());
            let tls = smtp::SmtpTls::parse(&tls_s).ok_or_else(|| {
                format!("notify: smtp_tls must be starttls, tls or none: {tls_s}")
            })?;
            let port = num("NOTIFY_SMTP_PORT", env("NOTIFY_SMTP_PORT")?)?
                .or(f.smtp_port)
                .unwrap_or(match tls {
                    smtp::SmtpTls::Tls => 465,
                    smtp::SmtpTls::StartTls => 587,
                    smtp::SmtpTls::None => 25,
                });
            Some(smtp::SmtpConfig {
                host,
                port,
                tls,
                username: env("NOTIFY_SMTP_USERNAME")?.or(f.smtp_username),
                password: env("NOTIFY_SMTP_PASSWORD")?.or(f.smtp_password),
                from: env("NOTIFY_SMTP_FROM")?
                    .or(f.smtp_from)
                    .ok_or("notify: smtp_host is set but smtp_from is not")?,
                hello_name: env("NOTIFY_SMTP_HELLO")?
                    .or(f.smtp_hello)
                    .unwrap_or_else(|| "localhost".into()),
                timeout,
            })
        }
        None => None,
    };
    let d = jingzhi_domain::notify::RetryPolicy::default();
    let retry = jingzhi_domain::notify::RetryPolicy {
        max_attempts: num("NOTIFY_MAX_ATTEMPTS", env("NOTIFY_MAX_ATTEMPTS")?)?
            .or(f.max_attempts)
            .unwrap_or(d.max_attempts),
        base_ms: num::<i64>(
            "NOTIFY_RETRY_BASE_SECONDS",
            env("NOTIFY_RETRY_BASE_SECONDS")?,
        )?
        .or(f.retry_base_seconds)
        .map(|s| s.saturating_mul(1000))
        .unwrap_or(d.base_ms),
        max_delay_ms: d.max_delay_ms,
    };
    retry
        .check()
        .map_err(|e| format!("notify: {}: {}", e.field, e.reason))?;
    let poll = num("NOTIFY_POLL_SECONDS", env("NOTIFY_POLL_SECONDS")?)?
        .or(f.poll_seconds)
        .unwrap_or(5u64)
        .max(1);
    let escalate = num("ESCALATE_EVERY_SECONDS", env("ESCALATE_EVERY_SECONDS")?)?
        .or(f.escalate_every_seconds)
        .unwrap_or(60u64);
    Ok(NotifyConfig {
        webhook,
        smtp,
        retry,
        poll: std::time::Duration::from_secs(poll),
        escalate_every: std::time::Duration::from_secs(escalate),
    })
}

impl NotifyConfig {
    /// The channels configured, ready to deliver.
    pub fn channels(
        &self,
    ) -> Result<Vec<std::sync::Arc<dyn jingzhi_app::notify::Channel>>, String> {
        use jingzhi_app::notify::{smtp, webhook, Channel};
        let mut out: Vec<std::sync::Arc<dyn Channel>> = vec![];
        if let Some(w) = &self.webhook {
            out.push(std::sync::Arc::new(webhook::Webhook::new(w.clone())?));
        }
        if let Some(s) = &self.smtp {
            out.push(std::sync::Arc::new(smtp::Smtp::new(s.clone())?));
        }
        Ok(out)
    }
}

impl Config {
    pub fn load(g: &Global) -> Result<Config, String> {
        let path = g.config.clone().or_else(|| {
            let p = PathBuf::from("jingzhi.toml");
            p.exists().then_some(p)
        });
        let file: FileConfig = match &path {
            Some(p) => {
                let s = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                toml::from_str(&s).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = g
            .data
            .clone()
            .or(env("DATA")?.map(PathBuf::from))
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = g
            .database_url
            .clone()
            .or(env("DATABASE_URL")?)
            .or(file.database_url);
        let listen = env("LISTEN")?
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let key = env("KEY")?.or(file.key);
        let key_file = env("KEY_FILE")?
            .map(PathBuf::from)
            .or(file.key_file)
            .unwrap_or_else(|| data_dir.join("jingzhi.key"));
        let secure_cookies = match env("SECURE_COOKIES")? {
            Some(v) => jingzhi_domain::registry::parse_bool(&v)
                .ok_or("JINGZHI_SECURE_COOKIES: true or false")?,
            None => file.secure_cookies.unwrap_or(false),
        };
        let notify = notify_config(file.notify.unwrap_or_default())?;
        let transparency_origin = env("TRANSPARENCY_ORIGIN")?
            .or(file.transparency_origin)
            .unwrap_or_else(|| jingzhi_domain::transparency::DEFAULT_ORIGIN.into());
        Ok(Config {
            transparency_origin,
            notify,
            data_dir,
            database_url,
            listen,
            key,
            key_file,
            secure_cookies,
        })
    }

    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| jingzhi_store::db::sqlite_url(&self.data_dir.join("jingzhi.db")))
    }

    pub fn describe_db(&self) -> String {
        jingzhi_store::db::redact_url(&self.url())
    }

    /// Open (and migrate) the database, with the PII key. A serving process checkpoints its
    /// SQLite WAL in the background (see `jingzhi_store::db::Options`).
    pub async fn open_store(&self, serving: bool) -> Result<Store, String> {
        let cipher = match &self.key {
            Some(hex) => Cipher::from_hex(hex).map_err(|e| e.to_string())?,
            None => Cipher::load_or_create(&self.key_file).map_err(|e| e.to_string())?,
        };
        let options = jingzhi_store::db::Options {
            background_checkpoints: serving,
        };
        Store::open_with(&self.url(), cipher, options)
            .await
            .map_err(|e| format!("{}: {e}", self.describe_db()))
    }
}
