//! Users, server-side sessions and API tokens. Secrets are stored only as hashes: passwords by
//! argon2 (hashed in the app layer), session ids and API tokens by SHA-256.

use crate::sql::{bind, get_bool, Params, V};
use crate::{Conn, Error, Result, Scope};
use jingzhi_domain::auth::{AddressFailures, Role};
use jingzhi_domain::time_fmt::now_ms;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub scope_node_id: i64,
    pub scope_path: String,
    pub scope_code: String,
    pub scope_name: String,
    pub resident_id: Option<i64>,
    pub department: Option<String>,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: i64,
}

impl User {
    pub fn scope(&self) -> Scope {
        Scope::new(self.scope_node_id, self.scope_path.clone())
    }
}

const USER_SQL: &str = "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.scope_node_id, \
    n.path AS scope_path, n.code AS scope_code, n.name AS scope_name, u.resident_id, u.department, u.disabled, \
    u.failed_logins, u.locked_until FROM users u JOIN nodes n ON n.id = u.scope_node_id";

fn user_from(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        role: Role::parse(&role).ok_or_else(|| Error::Conflict(format!("bad role {role}")))?,
        scope_node_id: r.try_get("scope_node_id")?,
        scope_path: r.try_get("scope_path")?,
        scope_code: r.try_get("scope_code")?,
        scope_name: r.try_get("scope_name")?,
        resident_id: r.try_get("resident_id")?,
        department: r.try_get("department")?,
        disabled: get_bool(r, "disabled"),
        failed_logins: r
            .try_get::<i32, _>("failed_logins")
            .or_else(|_| r.try_get::<i64, _>("failed_logins").map(|v| v as i32))?,
        locked_until: r.try_get("locked_until")?,
    })
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub scope_node_id: i64,
    pub resident_id: Option<i64>,
    pub department: Option<&'a str>,
}

pub async fn insert_user(conn: &mut Conn, u: &NewUser<'_>) -> Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, scope_node_id, resident_id, department, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.role.as_str())
    .bind(u.scope_node_id)
    .bind(u.resident_id)
    .bind(u.department)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Error::from_db(e, "username"))
}

pub async fn user_by_username(conn: &mut Conn, username: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!("{USER_SQL} WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user_from).transpose()
}

pub async fn user_by_id(conn: &mut Conn, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(&format!("{USER_SQL} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user_from).transpose()
}

/// Users whose scope node lies inside `scope` (an admin sees the users below them).
pub async fn list_users(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> Result<Vec<User>> {
    let mut p = Params::default();
    let sql = format!(
        "{USER_SQL} WHERE {} ORDER BY u.id LIMIT {} OFFSET {}",
        p.range("n.path", &scope.path),
        p.push(V::I(limit)),
        p.push(V::I(offset))
    );
    let rows = bind(sqlx::query(&sql), &p.vals)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(user_from).collect()
}

pub async fn get_user_in_scope(conn: &mut Conn, scope: &Scope, id: i64) -> Result<User> {
    let mut p = Params::default();
    let sql = format!(
        "{USER_SQL} WHERE u.id = {} AND {}",
        p.push(V::I(id)),
        p.range("n.path", &scope.path)
    );
    let row = bind(sqlx::query(&sql), &p.vals)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(user_from)
        .transpose()?
        .ok_or(Error::NotFound)
}

pub async fn set_password(conn: &mut Conn, user_id: i64, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = 0, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Record the outcome of a login attempt: reset on success, count (and maybe lock) on failure.
pub async fn record_login(
    conn: &mut Conn,
    user_id: i64,
    ok: bool,
    failures: i32,
    locked_until: i64,
) -> Result<()> {
    let (f, l) = if ok { (0, 0) } else { (failures, locked_until) };
    sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
        .bind(f)
        .bind(l)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// --- sessions

pub async fn insert_session(
    conn: &mut Conn,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The live session's user and CSRF token.
pub async fn session_user(conn: &mut Conn, id_hash: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query(&format!(
        "{USER_SQL} JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE"
    ))
    .bind(id_hash)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let user = user_from(&r)?;
            let csrf: String =
                sqlx::query_scalar("SELECT csrf_token FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_one(&mut *conn)
                    .await?;
            Ok(Some((user, csrf)))
        }
    }
}

pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_at < $2")
        .bind(id_hash)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// --- API tokens

pub async fn insert_token(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &str,
    name: &str,
    expires_at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(name)
    .bind(now_ms())
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn token_user(conn: &mut Conn, token_hash: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "{USER_SQL} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled = FALSE"
    ))
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(user_from).transpose()
}

pub async fn revoke_token(conn: &mut Conn, user_id: i64, token_hash: &str) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND token_hash = $3")
        .bind(now_ms())
        .bind(user_id)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// --- stopping an account

/// End every session and revoke every API token of a user (sign out everywhere). Returns how
/// many sessions and tokens were live.
pub async fn end_sessions_and_tokens(conn: &mut Conn, user_id: i64) -> Result<(u64, u64)> {
    let now = now_ms();
    let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let tokens = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((sessions, tokens))
}

/// Disable or enable a user. A disabled user's sessions and tokens stop working at once (the
/// session and token look-ups require `disabled = FALSE`).
pub async fn set_disabled(conn: &mut Conn, user_id: i64, disabled: bool) -> Result<()> {
    let sql = if disabled {
        "UPDATE users SET disabled = TRUE, updated_at = $1 WHERE id = $2"
    } else {
        "UPDATE users SET disabled = FALSE, updated_at = $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forget a user's failed logins and lift the lock.
pub async fn unlock(conn: &mut Conn, user_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = 0, updated_at = $1 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The failed logins recorded for a client address.
pub async fn address_failures(conn: &mut Conn, address: &str) -> Result<Option<AddressFailures>> {
    let row = sqlx::query(
        "SELECT CAST(failures AS BIGINT) AS failures, window_start, locked_until FROM login_failures WHERE address = $1",
    )
    .bind(address)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(AddressFailures {
            failures: r.try_get::<i64, _>("failures")? as i32,
            window_start: r.try_get("window_start")?,
            locked_until: r.try_get("locked_until")?,
        })
    })
    .transpose()
}

/// Store an address's failed logins, and forget addresses whose window and lock are over.
pub async fn put_address_failures(
    conn: &mut Conn,
    address: &str,
    f: &AddressFailures,
    forget_before: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_failures (address, failures, window_start, locked_until) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (address) DO UPDATE SET failures = $2, window_start = $3, locked_until = $4",
    )
    .bind(address)
    .bind(f.failures)
    .bind(f.window_start)
    .bind(f.locked_until)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM login_failures WHERE window_start < $1 AND locked_until < $1 AND address <> $2",
    )
    .bind(forget_before)
    .bind(address)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Live sessions and tokens of a user (for the users page and the tests).
pub async fn live_sessions_and_tokens(conn: &mut Conn, user_id: i64) -> Result<(i64, i64)> {
    let now = now_ms();
    let s: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
    let t: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok((s, t))
}

/// A resident as a sign-up finds them: by the keyed hashes of their ID and phone numbers (no
/// decryption), with the name as registered and their place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpMatch {
    pub resident_id: i64,
    pub name: String,
    pub path: String,
    /// The account already linked to this resident, if any.
    pub user_id: Option<i64>,
}

/// The resident whose ID number and phone number are these, if one is registered.
pub async fn resident_for_signup(
    conn: &mut Conn,
    cipher: &crate::Cipher,
    id_number: &str,
    phone: &str,
) -> Result<Option<SignUpMatch>> {
    let row = sqlx::query(
        "SELECT r.id, r.name, r.path, (SELECT MIN(u.id) FROM users u WHERE u.resident_id = r.id) AS user_id \
         FROM residents r WHERE r.id_hash = $1 AND r.phone_hash = $2",
    )
    .bind(cipher.lookup_hash(id_number))
    .bind(cipher.lookup_hash(phone))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(SignUpMatch {
            resident_id: r.try_get("id")?,
            name: r.try_get("name")?,
            path: r.try_get("path")?,
            user_id: r.try_get("user_id")?,
        })
    })
    .transpose()
}

/// Move the resident accounts whose resident now lives outside the account's scope (a household
/// moved, or communities were redrawn below `under`, a path) to the community their resident
/// lives in (the fourth place of the path: city, district, street, community). An account whose
/// resident is still inside its scope keeps it. Returns the accounts moved.
pub async fn rescope_residents(conn: &mut Conn, under: &str) -> Result<u64> {
    let (lo, hi) = jingzhi_domain::scope::path_range(under);
    let rows = sqlx::query(
        "SELECT u.id, n.path AS scope_path, r.path FROM users u JOIN residents r ON r.id = u.resident_id \
         JOIN nodes n ON n.id = u.scope_node_id \
         WHERE u.role = 'resident' AND r.path >= $1 AND r.path < $2",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    let mut moved = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let (scope, path): (String, String) = (r.try_get("scope_path")?, r.try_get("path")?);
        if path.starts_with(&scope) {
            continue;
        }
        let Some(&community) = jingzhi_domain::scope::path_ids(&path).get(3) else {
            continue;
        };
        sqlx::query("UPDATE users SET scope_node_id = $1, updated_at = $2 WHERE id = $3")
            .bind(community)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        moved += 1;
    }
    Ok(moved)
}
