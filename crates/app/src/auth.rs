//! Signing in and out: passwords (argon2, hashed off the async threads), throttled failed logins,
//! server-side sessions (so several servers share them), API tokens, and user administration.

use crate::{Actor, App, AppError, AppResult, User};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{check_password, check_username, lockout_ms, Permission, Role};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::{audit, auth as sa, registry as sr};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// argon2id with the crate's defaults (19 MiB, 2 passes).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let p = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(p.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (p, h) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&h)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(p.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A random secret as hex (sessions, tokens, CSRF).
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a secret, hex: what the database keeps of session ids and tokens.
pub fn secret_hash(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A real hash to check unknown usernames against, so that they take as long as known ones.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash_password("jingzhi-dummy-password")
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}

impl App {
    /// Check a username and password. Failed attempts are counted per account; after
    /// [`jingzhi_domain::auth::MAX_FAILED_LOGINS`] the account is locked for a growing while.
    pub async fn login(&self, username: &str, password: &str) -> AppResult<User> {
        let mut conn = self.store.acquire().await?;
        let user = sa::user_by_username(&mut conn, username.trim()).await?;
        let Some(user) = user else {
            verify_password(password, &dummy_hash().await).await;
            return Err(AppError::Unauthorized);
        };
        let now = now_ms();
        if user.locked_until > now {
            return Err(AppError::Locked {
                until_ms: user.locked_until,
            });
        }
        let ok = !user.disabled && verify_password(password, &user.password_hash).await;
        let mut tx = self.store.begin().await?;
        if ok {
            sa::record_login(&mut tx, user.id, true, 0, 0).await?;
        } else {
            let failures = user.failed_logins + 1;
            let until = lockout_ms(failures).map(|ms| now + ms).unwrap_or(0);
            sa::record_login(&mut tx, user.id, false, failures, until).await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(user.id),
                actor_name: &user.username,
                action: if ok {
                    Action::Login
                } else {
                    Action::LoginFailed
                },
                entity: "user",
                entity_id: Some(user.id),
                path: &user.scope_path,
                summary: if ok {
                    "登录".into()
                } else {
                    "密码错误".into()
                },
                before: None,
                after: None,
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        if ok {
            Ok(user)
        } else {
            Err(AppError::Unauthorized)
        }
    }

    /// Open a session; returns the session secret (for the cookie) and its CSRF token.
    pub async fn create_session(&self, user: &User) -> AppResult<(String, String)> {
        let secret = random_secret();
        let csrf = random_secret();
        let mut conn = self.store.acquire().await?;
        sa::insert_session(
            &mut conn,
            &secret_hash(&secret),
            user.id,
            &csrf,
            now_ms() + self.settings.session_ttl_ms,
        )
        .await?;
        Ok((secret, csrf))
    }

    /// The user behind a session secret, and the session's CSRF token.
    pub async fn session(&self, secret: &str) -> AppResult<Option<(Actor, String)>> {
        let mut conn = self.store.acquire().await?;
        Ok(sa::session_user(&mut conn, &secret_hash(secret))
            .await?
            .map(|(u, c)| (Actor::new(u), c)))
    }

    pub async fn logout(&self, secret: &str) -> AppResult<()> {
        let mut conn = self.store.acquire().await?;
        sa::delete_session(&mut conn, &secret_hash(secret)).await?;
        Ok(())
    }

    /// A new API token for the user (shown once; only its hash is kept).
    pub async fn create_token(&self, user: &User, name: &str) -> AppResult<String> {
        let token = format!("jz_{}", random_secret());
        let mut tx = self.store.begin().await?;
        let id = sa::insert_token(
            &mut tx,
            user.id,
            &secret_hash(&token),
            name,
            now_ms() + self.settings.token_ttl_ms,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(user.id),
                actor_name: &user.username,
                action: Action::TokenCreate,
                entity: "api_token",
                entity_id: Some(id),
                path: &user.scope_path,
                summary: format!("API令牌 {name}"),
                before: None,
                after: None,
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(token)
    }

    pub async fn token(&self, token: &str) -> AppResult<Option<Actor>> {
        let mut conn = self.store.acquire().await?;
        Ok(sa::token_user(&mut conn, &secret_hash(token))
            .await?
            .map(Actor::new))
    }

    pub async fn revoke_token(&self, actor: &Actor, token: &str) -> AppResult<()> {
        let mut conn = self.store.acquire().await?;
        sa::revoke_token(&mut conn, actor.id(), &secret_hash(token)).await?;
        Ok(())
    }

    /// Add a user. `by` is the admin doing it, or `None` for the command line (the operator of
    /// the machine). The scope is a node code; an admin may only create users inside their own
    /// scope.
    pub async fn add_user(&self, by: Option<&Actor>, new: &NewUserInput) -> AppResult<User> {
        let mut errors = vec![];
        if let Err(e) = check_username(&new.username) {
            errors.push(e);
        }
        if let Err(e) = check_password(&new.password) {
            errors.push(e);
        }
        let role = Role::parse(&new.role);
        if role.is_none() {
            errors.push(jingzhi_domain::FieldError::new(
                "role",
                format!("角色应为: {}", Role::ALL.map(|r| r.as_str()).join(" ")),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let role = role.expect("checked");
        if let Some(a) = by {
            a.require(Permission::ManageUsers)?;
        }
        let hash = hash_password(&new.password).await?;
        let mut tx = self.store.begin().await?;
        let node = match by {
            Some(a) => sr::get_node_by_code(&mut tx, &a.scope(), &new.scope_code).await,
            None => sr::get_node_by_code_unscoped(&mut tx, &new.scope_code).await,
        }
        .map_err(|e| match e {
            jingzhi_store::Error::NotFound => {
                AppError::invalid("scope", format!("找不到编码为 {} 的区域", new.scope_code))
            }
            e => e.into(),
        })?;
        if role == Role::Resident && new.resident_id.is_none() {
            return Err(AppError::invalid("resident_id", "居民账号须关联居民档案"));
        }
        if let Some(rid) = new.resident_id {
            sr::get_resident(&mut tx, &node_scope(&node), rid)
                .await
                .map_err(|_| AppError::invalid("resident_id", "居民档案不在该区域内"))?;
        }
        let display = new
            .display_name
            .clone()
            .unwrap_or_else(|| new.username.clone());
        let id = sa::insert_user(
            &mut tx,
            &sa::NewUser {
                username: &new.username,
                display_name: &display,
                password_hash: &hash,
                role,
                scope_node_id: node.id,
                resident_id: new.resident_id,
                department: new.department.as_deref(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: by.map(|a| a.id()),
                actor_name: by.map(|a| a.name()).unwrap_or("命令行"),
                action: Action::UserCreate,
                entity: "user",
                entity_id: Some(id),
                path: &node.path,
                summary: format!("新增用户 {} ({})", new.username, role.label_zh()),
                before: None,
                after: Some(serde_json::json!({"username": new.username, "role": role.as_str(), "scope": node.code})),
                reason: None,
            },
        )
        .await?;
        let user = sa::user_by_id(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(user)
    }

    /// Set a user's password (command line, or an admin within scope).
    pub async fn set_password(
        &self,
        by: Option<&Actor>,
        username: &str,
        password: &str,
    ) -> AppResult<()> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        let mut tx = self.store.begin().await?;
        let user = sa::user_by_username(&mut tx, username)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(a) = by {
            if a.id() != user.id {
                a.require(Permission::ManageUsers)?;
                if !a.scope().contains(&user.scope_path) {
                    return Err(AppError::NotFound);
                }
            }
        }
        sa::set_password(&mut tx, user.id, &hash).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: by.map(|a| a.id()),
                actor_name: by.map(|a| a.name()).unwrap_or("命令行"),
                action: Action::UserPassword,
                entity: "user",
                entity_id: Some(user.id),
                path: &user.scope_path,
                summary: format!("修改用户 {} 的密码", user.username),
                before: None,
                after: None,
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// Users inside the caller's scope.
    pub async fn list_users(
        &self,
        actor: &Actor,
        page: i64,
        per_page: i64,
    ) -> AppResult<Vec<User>> {
        actor.require(Permission::ManageUsers)?;
        let mut conn = self.store.acquire().await?;
        let per_page = per_page.clamp(1, 200);
        Ok(sa::list_users(
            &mut conn,
            &actor.scope(),
            per_page,
            jingzhi_domain::paging::offset(page, per_page),
        )
        .await?)
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> AppResult<User> {
        if actor.id() != id {
            actor.require(Permission::ManageUsers)?;
        }
        let mut conn = self.store.acquire().await?;
        Ok(sa::get_user_in_scope(&mut conn, &actor.scope(), id).await?)
    }
}

fn node_scope(n: &jingzhi_store::registry::Node) -> jingzhi_domain::scope::Scope {
    jingzhi_domain::scope::Scope::new(n.id, n.path.clone())
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewUserInput {
    pub username: String,
    pub password: String,
    pub role: String,
    /// The code of the node the user's scope is.
    pub scope_code: String,
    pub display_name: Option<String>,
    pub department: Option<String>,
    pub resident_id: Option<i64>,
}
