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
        Ok(Config {
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

    /// Open (and migrate) the database, with the PII key.
    pub async fn open_store(&self) -> Result<Store, String> {
        let cipher = match &self.key {
            Some(hex) => Cipher::from_hex(hex).map_err(|e| e.to_string())?,
            None => Cipher::load_or_create(&self.key_file).map_err(|e| e.to_string())?,
        };
        Store::open(&self.url(), cipher)
            .await
            .map_err(|e| format!("{}: {e}", self.describe_db()))
    }
}
