//! Signing in and out: passwords (argon2, hashed off the async threads), throttled failed logins,
//! server-side sessions (so several servers share them), API tokens, and user administration.

use crate::{Actor, App, AppError, AppResult, User};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{
    address_key, check_department, check_display_name, check_password, check_username, lockout_ms,
    AddressFailures, Permission, Role, ADDRESS_WINDOW_MS,
};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::{audit, auth as sa, registry as sr};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

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

/// Auth: signing in and out, sessions, API tokens and user administration. Reached as `app.auth()`.
#[derive(Clone, Copy)]
pub struct Auth<'a> {
    app: &'a App,
}

impl App {
    /// See [`Auth`].
    pub fn auth(&self) -> Auth<'_> {
        Auth { app: self }
    }
}

impl Auth<'_> {
    /// Check a username and password (no client address: the command line and the tests). The
    /// web calls [`Auth::login_from`] with the caller's address.
    pub async fn login(&self, username: &str, password: &str) -> AppResult<User> {
        self.login_from(username, password, None).await
    }

    /// Check a username and password from a client address. Failed attempts are counted per
    /// account (after [`jingzhi_domain::auth::MAX_FAILED_LOGINS`] the account is locked for a
    /// growing while) and per address (see [`AddressFailures`]). Every refusal — unknown user,
    /// wrong password, locked or disabled account, refused address — is the same
    /// [`AppError::Unauthorized`] after the same argon2 work, so that nobody can learn which
    /// usernames exist or which accounts are locked.
    pub async fn login_from(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> AppResult<User> {
        let now = now_ms();
        let key = address.and_then(address_key);
        let mut conn = self.app.store.acquire().await?;
        let prev = match &key {
            Some(k) => sa::address_failures(&mut conn, k).await?,
            None => None,
        };
        if prev.is_some_and(|p| p.locked(now)) {
            verify_password(password, &dummy_hash().await).await;
            return Err(AppError::Unauthorized);
        }
        let user = sa::user_by_username(&mut conn, username.trim()).await?;
        drop(conn);
        let refused = |user: Option<&User>| {
            let u = user?;
            if u.disabled {
                Some("账号已停用")
            } else if u.locked_until > now {
                Some("账号已锁定")
            } else {
                None
            }
        };
        let why_refused = refused(user.as_ref());
        let ok = match (&user, why_refused) {
            (Some(u), None) => verify_password(password, &u.password_hash).await,
            _ => {
                verify_password(password, &dummy_hash().await).await;
                false
            }
        };
        let mut tx = self.app.store.begin().await?;
        if !ok {
            if let Some(k) = &key {
                let next = AddressFailures::after_failure(prev, now);
                sa::put_address_failures(&mut tx, k, &next, now - ADDRESS_WINDOW_MS).await?;
            }
        }
        let Some(user) = user else {
            jingzhi_store::commit(tx).await?;
            return Err(AppError::Unauthorized);
        };
        if ok {
            sa::record_login(&mut tx, user.id, true, 0, 0).await?;
        } else if why_refused.is_none() {
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
                summary: match (ok, why_refused) {
                    (true, _) => "登录".into(),
                    (false, Some(why)) => why.into(),
                    (false, None) => "密码错误".into(),
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
        let mut conn = self.app.store.acquire().await?;
        sa::insert_session(
            &mut conn,
            &secret_hash(&secret),
            user.id,
            &csrf,
            now_ms() + self.app.settings.session_ttl_ms,
        )
        .await?;
        Ok((secret, csrf))
    }

    /// The user behind a session secret, and the session's CSRF token.
    pub async fn session(&self, secret: &str) -> AppResult<Option<(Actor, String)>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sa::session_user(&mut conn, &secret_hash(secret))
            .await?
            .map(|(u, c)| (Actor::new(u), c)))
    }

    pub async fn logout(&self, secret: &str) -> AppResult<()> {
        let mut conn = self.app.store.acquire().await?;
        sa::delete_session(&mut conn, &secret_hash(secret)).await?;
        Ok(())
    }

    /// A new API token for the user (shown once; only its hash is kept).
    pub async fn create_token(&self, user: &User, name: &str) -> AppResult<String> {
        let token = format!("jz_{}", random_secret());
        let mut tx = self.app.store.begin().await?;
        let id = sa::insert_token(
            &mut tx,
            user.id,
            &secret_hash(&token),
            name,
            now_ms() + self.app.settings.token_ttl_ms,
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
        let mut conn = self.app.store.acquire().await?;
        Ok(sa::token_user(&mut conn, &secret_hash(token))
            .await?
            .map(Actor::new))
    }

    pub async fn revoke_token(&self, actor: &Actor, token: &str) -> AppResult<()> {
        let mut conn = self.app.store.acquire().await?;
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
        if let Some(d) = &new.display_name {
            if let Err(e) = check_display_name(d.trim()) {
                errors.push(e);
            }
        }
        if let Some(d) = &new.department {
            if let Err(e) = check_department(d.trim()) {
                errors.push(e);
            }
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
        let mut tx = self.app.store.begin().await?;
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
        // Department staff belong to a registry department whose jurisdiction holds their scope.
        let department = match (
            role,
            new.department
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
        ) {
            (Role::DepartmentStaff, None) => {
                return Err(AppError::invalid(
                    "department",
                    "部门工作人员须指定所属部门（部门编码）",
                ))
            }
            (Role::DepartmentStaff, Some(code)) => {
                let d = jingzhi_store::departments::get_by_code(&mut tx, code)
                    .await
                    .map_err(|e| match e {
                        jingzhi_store::Error::NotFound => {
                            AppError::invalid("department", format!("找不到编码为“{code}”的部门"))
                        }
                        e => e.into(),
                    })?;
                if !jingzhi_domain::departments::serves(&d.node_path, &node.path) {
                    return Err(AppError::invalid(
                        "scope",
                        format!("账号的管辖范围应在{}的辖区（{}）之内", d.name, d.node_name),
                    ));
                }
                Some(d.code)
            }
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "department",
                    "只有部门工作人员可指定所属部门",
                ))
            }
            (_, None) => None,
        };
        let display = new
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&new.username)
            .to_string();
        let id = sa::insert_user(
            &mut tx,
            &sa::NewUser {
                username: &new.username,
                display_name: &display,
                password_hash: &hash,
                role,
                scope_node_id: node.id,
                resident_id: new.resident_id,
                department: department.as_deref(),
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
        let mut tx = self.app.store.begin().await?;
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
        // A new password ends every session and token made with the old one.
        let (sessions, tokens) = sa::end_sessions_and_tokens(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: by.and_then(|a| a.audit_id()),
                actor_name: by.map(|a| a.name()).unwrap_or("命令行"),
                action: Action::UserPassword,
                entity: "user",
                entity_id: Some(user.id),
                path: &user.scope_path,
                summary: format!(
                    "修改用户 {} 的密码，结束其 {sessions} 个会话、{tokens} 个令牌",
                    user.username
                ),
                before: None,
                after: Some(
                    serde_json::json!({"sessions_ended": sessions, "tokens_revoked": tokens}),
                ),
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
        let mut conn = self.app.store.acquire().await?;
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
        let mut conn = self.app.store.acquire().await?;
        Ok(sa::get_user_in_scope(&mut conn, &actor.scope(), id).await?)
    }
    /// The user an administrative action is about: `by` needs [`Permission::ManageUsers`] and
    /// the user's scope must lie inside `by`'s (otherwise "not found"); `None` is the command
    /// line's operator.
    async fn managed_user(
        &self,
        conn: &mut jingzhi_store::Conn,
        by: Option<&Actor>,
        who: UserRef<'_>,
    ) -> AppResult<User> {
        if let Some(a) = by {
            a.require(Permission::ManageUsers)?;
        }
        let user = match (by, who) {
            (Some(a), UserRef::Id(id)) => sa::get_user_in_scope(conn, &a.scope(), id).await?,
            (None, UserRef::Id(id)) => sa::user_by_id(conn, id).await?.ok_or(AppError::NotFound)?,
            (_, UserRef::Username(u)) => sa::user_by_username(conn, u.trim())
                .await?
                .ok_or(AppError::NotFound)?,
        };
        if let Some(a) = by {
            if !a.scope().contains(&user.scope_path) {
                return Err(AppError::NotFound);
            }
        }
        Ok(user)
    }

    /// Disable an account: it can no longer sign in, and every session and API token it has
    /// stops working at once. An administrator cannot disable their own account.
    pub async fn disable_user(&self, by: Option<&Actor>, who: UserRef<'_>) -> AppResult<User> {
        let mut tx = self.app.store.begin().await?;
        let user = self.managed_user(&mut tx, by, who).await?;
        if by.is_some_and(|a| a.id() == user.id) {
            return Err(AppError::invalid("user", "不能停用自己的账号"));
        }
        sa::set_disabled(&mut tx, user.id, true).await?;
        let (sessions, tokens) = sa::end_sessions_and_tokens(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"disabled": user.disabled})),
                after: Some(serde_json::json!({"disabled": true, "sessions_ended": sessions, "tokens_revoked": tokens})),
                ..admin_audit(by, Action::UserDisable, &user, format!(
                    "停用用户 {}，结束其 {sessions} 个会话、{tokens} 个令牌",
                    user.username
                ))
            },
        )
        .await?;
        let user = sa::user_by_id(&mut tx, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(user)
    }

    /// Enable a disabled account again (it signs in afresh; nothing of before comes back).
    pub async fn enable_user(&self, by: Option<&Actor>, who: UserRef<'_>) -> AppResult<User> {
        let mut tx = self.app.store.begin().await?;
        let user = self.managed_user(&mut tx, by, who).await?;
        sa::set_disabled(&mut tx, user.id, false).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"disabled": user.disabled})),
                after: Some(serde_json::json!({"disabled": false})),
                ..admin_audit(
                    by,
                    Action::UserEnable,
                    &user,
                    format!("启用用户 {}", user.username),
                )
            },
        )
        .await?;
        let user = sa::user_by_id(&mut tx, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(user)
    }

    /// Sign a user out everywhere: end every browser session and revoke every API token.
    /// Returns how many sessions and tokens were live.
    pub async fn sign_out_everywhere(
        &self,
        by: Option<&Actor>,
        who: UserRef<'_>,
    ) -> AppResult<(u64, u64)> {
        let mut tx = self.app.store.begin().await?;
        let user = self.managed_user(&mut tx, by, who).await?;
        let (sessions, tokens) = sa::end_sessions_and_tokens(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(
                    serde_json::json!({"sessions_ended": sessions, "tokens_revoked": tokens}),
                ),
                ..admin_audit(
                    by,
                    Action::UserSignOut,
                    &user,
                    format!(
                        "强制用户 {} 下线：结束 {sessions} 个会话、{tokens} 个令牌",
                        user.username
                    ),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok((sessions, tokens))
    }

    /// Lift the lock that failed logins put on an account, and forget the failures.
    pub async fn unlock_user(&self, by: Option<&Actor>, who: UserRef<'_>) -> AppResult<User> {
        let mut tx = self.app.store.begin().await?;
        let user = self.managed_user(&mut tx, by, who).await?;
        sa::unlock(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"failed_logins": user.failed_logins, "locked_until": user.locked_until})),
                after: Some(serde_json::json!({"failed_logins": 0, "locked_until": 0})),
                ..admin_audit(by, Action::UserUnlock, &user, format!("解除用户 {} 的登录锁定", user.username))
            },
        )
        .await?;
        let user = sa::user_by_id(&mut tx, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(user)
    }
}

/// Which user an administrative action is about: by id (the API and pages) or by username
/// (the command line).
#[derive(Debug, Clone, Copy)]
pub enum UserRef<'a> {
    Id(i64),
    Username(&'a str),
}

/// The audit record of an administrative action on `user` by `by` (or the command line).
fn admin_audit<'a>(
    by: Option<&'a Actor>,
    action: Action,
    user: &'a User,
    summary: String,
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: by.and_then(|a| a.audit_id()),
        actor_name: by.map(|a| a.name()).unwrap_or("命令行"),
        action,
        entity: "user",
        entity_id: Some(user.id),
        path: &user.scope_path,
        summary,
        before: None,
        after: None,
        reason: None,
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

/// What a resident gives to open their own account (issue 11 §1).
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub username: String,
    pub password: String,
}

/// The one answer to a sign-up that does not match the register: it does not say which of the
/// three did not match, nor whether the ID number is registered at all.
pub const SIGNUP_NO_MATCH: &str =
    "姓名、身份证号和手机号与社区登记的信息不一致。请核对后重试，或带身份证到社区服务站办理";

/// The answer when sign-ups from this client or for this ID number are paused.
pub const SIGNUP_PAUSED: &str = "尝试次数过多，请15分钟后再试，或到社区服务站办理";

impl Auth<'_> {
    pub async fn sign_up(&self, input: &SignUpInput, address: Option<IpAddr>) -> AppResult<User> {
        self.sign_up_at(input, address, now_ms()).await
    }

    /// A resident opens their own account: name, ID number and mobile number are matched against
    /// the register (by the keyed hashes of the numbers; nothing is decrypted), and a match
    /// creates a `resident` account linked to them, scoped to their community. A mismatch gets
    /// [`SIGNUP_NO_MATCH`] and counts against the client address and the ID number (after
    /// [`jingzhi_domain::auth::MAX_SIGNUP_FAILURES_PER_CLIENT`] or
    /// [`jingzhi_domain::auth::MAX_SIGNUP_FAILURES_PER_ID`] in 15 minutes: [`SIGNUP_PAUSED`]).
    /// Every attempt is audited (the number masked).
    pub async fn sign_up_at(
        &self,
        input: &SignUpInput,
        address: Option<IpAddr>,
        now: i64,
    ) -> AppResult<User> {
        use jingzhi_domain::auth::{MAX_SIGNUP_FAILURES_PER_CLIENT, MAX_SIGNUP_FAILURES_PER_ID};
        use jingzhi_domain::registry::{IdNumber, PersonName, Phone};
        let mut errors = vec![];
        let name = PersonName::parse(&input.name)
            .map_err(|e| errors.push(e))
            .ok();
        let id = IdNumber::parse(&input.id_number)
            .map_err(|e| errors.push(e))
            .ok();
        let phone = Phone::parse(&input.phone).map_err(|e| errors.push(e)).ok();
        let username = input.username.trim();
        if let Err(e) = check_username(username) {
            errors.push(e);
        }
        if let Err(e) = check_password(&input.password) {
            errors.push(e);
        }
        let (Some(name), Some(id), Some(phone)) = (name, id, phone) else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let cipher = &self.app.store.cipher;
        let id_key = format!("signup-id:{}", cipher.lookup_hash(id.as_str()));
        let client_key = address.and_then(address_key).map(|k| format!("signup:{k}"));
        let masked = id.masked();
        // The password is hashed whatever comes next, so a refusal takes as long as a success.
        let hash = hash_password(&input.password).await?;
        let mut tx = self.app.store.begin().await?;
        let prev_id = sa::address_failures(&mut tx, &id_key).await?;
        let prev_client = match &client_key {
            Some(k) => sa::address_failures(&mut tx, k).await?,
            None => None,
        };
        let paused =
            prev_id.is_some_and(|p| p.locked(now)) || prev_client.is_some_and(|p| p.locked(now));
        let found = if paused {
            None
        } else {
            sa::resident_for_signup(&mut tx, cipher, id.as_str(), phone.as_str()).await?
        };
        let matched = found.filter(|m| m.name.trim() == name.as_str());
        let Some(m) = matched else {
            // Refused: count it against the number and the client, audit it, one answer.
            let next = AddressFailures::after_failure_of(prev_id, now, MAX_SIGNUP_FAILURES_PER_ID);
            sa::put_address_failures(&mut tx, &id_key, &next, now - ADDRESS_WINDOW_MS).await?;
            if let Some(k) = &client_key {
                let next = AddressFailures::after_failure_of(
                    prev_client,
                    now,
                    MAX_SIGNUP_FAILURES_PER_CLIENT,
                );
                sa::put_address_failures(&mut tx, k, &next, now - ADDRESS_WINDOW_MS).await?;
            }
            let root = sr::root(&mut tx).await?.ok_or(AppError::NotFound)?;
            audit::record(
                &mut tx,
                audit::Entry {
                    actor_id: None,
                    actor_name: "居民自助注册",
                    action: Action::SignUpRefused,
                    entity: "user",
                    entity_id: None,
                    path: &root.path,
                    summary: format!(
                        "注册未通过：{masked}{}",
                        if paused {
                            "（尝试过多，暂停中）"
                        } else {
                            ""
                        }
                    ),
                    before: None,
                    after: None,
                    reason: None,
                },
            )
            .await?;
            jingzhi_store::commit(tx).await?;
            return Err(if paused {
                AppError::Conflict {
                    field: "signup".into(),
                    reason: SIGNUP_PAUSED.into(),
                }
            } else {
                AppError::Invalid(vec![jingzhi_domain::FieldError::new(
                    "identity",
                    SIGNUP_NO_MATCH,
                )])
            });
        };
        if m.user_id.is_some() {
            return Err(AppError::Conflict {
                field: "resident".into(),
                reason: "您已开通账号，请直接登录；忘记用户名或密码请到社区服务站办理".into(),
            });
        }
        let Some(&community) = jingzhi_domain::scope::path_ids(&m.path).get(3) else {
            return Err(AppError::Internal(format!(
                "resident {} has no community in its path",
                m.resident_id
            )));
        };
        let uid = sa::insert_user(
            &mut tx,
            &sa::NewUser {
                username,
                display_name: name.as_str(),
                password_hash: &hash,
                role: Role::Resident,
                scope_node_id: community,
                resident_id: Some(m.resident_id),
                department: None,
            },
        )
        .await?;
        let user = sa::user_by_id(&mut tx, uid)
            .await?
            .ok_or(AppError::NotFound)?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(uid),
                actor_name: username,
                action: Action::SignUp,
                entity: "user",
                entity_id: Some(uid),
                path: &user.scope_path,
                summary: format!("居民自助注册：{username}（{masked}）"),
                before: None,
                after: Some(serde_json::json!({
                    "username": username,
                    "role": Role::Resident.as_str(),
                    "scope": user.scope_name,
                })),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(user)
    }
}
