//! A fresh, migrated database for each test: a temporary SQLite file by default, or a new
//! PostgreSQL database when `JINGZHI_TEST_DATABASE_URL` names a server (the database in that URL
//! is used only to create the test's own, named `jz_t_<pid>_<n>_<random>`).

use crate::{Cipher, Store};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Keeps a test database alive; SQLite files are removed on drop.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    dir: Option<std::path::PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A fixed key for tests: tests check that plain values never reach the database file.
pub fn test_cipher() -> Cipher {
    Cipher::from_master(&[42u8; 32])
}

impl TestDb {
    pub async fn new() -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{}_{}_{:08x}", std::process::id(), n, rand::random::<u32>());
        match std::env::var("JINGZHI_TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(admin) if admin.starts_with("postgres") => {
                sqlx::any::install_default_drivers();
                let name = format!("jz_t_{tag}");
                let admin_pool = sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin)
                    .await
                    .expect("connect to JINGZHI_TEST_DATABASE_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin_pool)
                    .await
                    .expect("create test database");
                admin_pool.close().await;
                let url = replace_db_name(&admin, &name);
                let store = Store::open(&url, test_cipher())
                    .await
                    .expect("open test database");
                TestDb {
                    store,
                    url,
                    dir: None,
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("jz_t_{tag}"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = crate::db::sqlite_url(&dir.join("test.db"));
                let store = Store::open(&url, test_cipher())
                    .await
                    .expect("open test database");
                TestDb {
                    store,
                    url,
                    dir: Some(dir),
                }
            }
        }
    }

    /// The SQLite file, when the test runs on SQLite.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|d| d.join("test.db"))
    }
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn db_name_replaced() {
        assert_eq!(
            super::replace_db_name("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_db_name("postgres://127.0.0.1/test?sslmode=disable", "x"),
            "postgres://127.0.0.1/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://h", "x"),
            "postgres://h/x"
        );
    }
}

/// Every text and blob value of the register's tables as one string (lossy UTF-8), to check that
/// no plain PII is stored.
pub async fn dump_text(conn: &mut crate::Conn) -> String {
    use sqlx::Row;
    let mut out = String::new();
    for t in ["residents", "households", "audit_log", "nodes", "users"] {
        let rows = sqlx::query(&format!("SELECT * FROM {t}"))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        for r in rows {
            for i in 0..r.columns().len() {
                if let Ok(Some(s)) = r.try_get::<Option<String>, _>(i) {
                    out.push_str(&s);
                } else if let Ok(Some(b)) = r.try_get::<Option<Vec<u8>>, _>(i) {
                    out.push_str(&String::from_utf8_lossy(&b));
                }
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}

/// The departments of the test cities: (code, name, jurisdiction `city` or `district`).
/// Names equal short names, so tests read as the timeline does.
pub const TEST_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("zhujian", "住建局", "city"),
    ("chengguan", "城管局", "city"),
    ("minzheng", "民政局", "city"),
    ("jiaojing", "交警大队", "district"),
];

/// Put [`TEST_DEPARTMENTS`] into the registry, the city's at `city`, the district's at
/// `district` (node ids).
pub async fn seed_departments(conn: &mut crate::Conn, city: i64, district: i64) {
    for (i, (code, name, level)) in TEST_DEPARTMENTS.iter().enumerate() {
        let (node_id, level) = match *level {
            "city" => (city, jingzhi_domain::departments::Level::City),
            _ => (district, jingzhi_domain::departments::Level::District),
        };
        crate::departments::insert(
            conn,
            &crate::departments::NewDepartment {
                code,
                name,
                short_name: name,
                level,
                node_id,
                parent_id: None,
                contact: None,
                joint_meeting: false,
                sort_order: i as i64,
                now: 0,
            },
        )
        .await
        .expect("seed a test department");
    }
}
