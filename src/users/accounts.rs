//! Accounts: create, change, disable, set passwords. Used by the API and the `sweep user` command.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, AuditEvent};
use crate::auth::{password, Role};
use crate::error::{ApiError, ApiResult, ResultExt};

/// An account as administrators see it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Account {
    /// Account id.
    pub id: Uuid,
    /// Login name.
    pub login: String,
    /// Name as shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Interface language.
    pub language: String,
    /// The police unit of a police liaison (cases are shared with units).
    pub police_unit: Option<String>,
    /// Whether a password is set.
    pub has_password: bool,
    /// When it was disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// What a new account needs.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// Login name: 2 to 64 letters, digits, `.`, `_`, `@`, `-`.
    pub login: String,
    /// Name as shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Password, if the account logs in with one.
    pub password: Option<String>,
    /// Interface language, `ru` or `en`.
    pub language: String,
    /// A police liaison's unit.
    pub police_unit: Option<String>,
}

pub(crate) const SELECT_ACCOUNT: &str =
    "SELECT u.id, u.login, u.display_name, u.role, u.language, u.police_unit, u.password_hash IS NOT NULL AS has_password,
        u.disabled_at, u.disabled_reason, u.created_at,
        (SELECT max(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS last_login_at
 FROM users u";

/// Checks a login name; says what is wrong.
pub fn check_login(login: &str) -> ApiResult<()> {
    let ok = (2..=64).contains(&login.len())
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field("login", "a login has 2 to 64 Latin letters, digits, '.', '_', '@' or '-'"))
    }
}

/// Checks a language code.
pub fn check_language(language: &str) -> ApiResult<()> {
    if matches!(language, "ru" | "en") {
        Ok(())
    } else {
        Err(ApiError::invalid_field("language", "the language must be \"ru\" or \"en\""))
    }
}

fn check_police_unit(unit: Option<&str>) -> ApiResult<()> {
    if unit.is_some_and(|u| u.trim().chars().count() > 200) {
        return Err(ApiError::invalid_field("police_unit", "the police unit has at most 200 characters"));
    }
    Ok(())
}

fn check_display_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid_field("display_name", "the name must have 1 to 200 characters"));
    }
    Ok(())
}

/// Creates an account.
pub async fn create(db: &PgPool, new: NewAccount, actor: &Actor, address: Option<IpAddr>) -> ApiResult<Account> {
    check_login(&new.login)?;
    check_display_name(&new.display_name)?;
    check_language(&new.language)?;
    check_police_unit(new.police_unit.as_deref())?;
    let hash = match new.password {
        Some(p) => {
            password::check_new(&p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let mut tx = db.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (login, display_name, role, password_hash, password_changed_at, language, police_unit)
         VALUES ($1, $2, $3, $4, CASE WHEN $4 IS NULL THEN NULL ELSE now() END, $5, $6) RETURNING id",
    )
    .bind(&new.login)
    .bind(new.display_name.trim())
    .bind(new.role)
    .bind(hash)
    .bind(&new.language)
    .bind(new.police_unit.as_deref().map(str::trim).filter(|u| !u.is_empty()))
    .fetch_one(&mut *tx)
    .await
    .on_constraint("users_login_key", "login", "an account with this login already exists")?;
    if new.role == Role::Volunteer {
        sqlx::query("INSERT INTO volunteer_profiles (user_id) VALUES ($1)").bind(id).execute(&mut *tx).await?;
    }
    AuditEvent::new("user.create")
        .on("user", id)
        .details(json!({ "login": new.login, "role": new.role }))
        .write(&mut *tx, actor, address)
        .await?;
    tx.commit().await?;
    find(db, id).await?.ok_or_else(|| ApiError::not_found("account"))
}

/// One account by id.
pub async fn find(db: &PgPool, id: Uuid) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!("{SELECT_ACCOUNT} WHERE u.id = $1")).bind(id).fetch_optional(db).await
}

/// One account by login (not case-sensitive).
pub async fn find_by_login(db: &PgPool, login: &str) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!("{SELECT_ACCOUNT} WHERE lower(u.login) = lower($1)")).bind(login).fetch_optional(db).await
}

/// Every account, by login.
pub async fn list(db: &PgPool) -> sqlx::Result<Vec<Account>> {
    sqlx::query_as(&format!("{SELECT_ACCOUNT} ORDER BY lower(u.login)")).fetch_all(db).await
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountChange {
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New language.
    pub language: Option<String>,
    /// Disable (`Some(true)`, with a reason) or enable (`Some(false)`).
    pub disabled: Option<bool>,
    /// Why it is disabled.
    pub disabled_reason: Option<String>,
    /// New police unit; an empty text clears it.
    pub police_unit: Option<String>,
}

/// Applies a change. An administrator cannot disable or demote themselves, and the last
/// active administrator cannot be disabled or demoted: someone must always be able to manage
/// the team.
pub async fn update(
    db: &PgPool,
    id: Uuid,
    change: AccountChange,
    actor: &Actor,
    address: Option<IpAddr>,
) -> ApiResult<Account> {
    if let Some(name) = &change.display_name {
        check_display_name(name)?;
    }
    if let Some(language) = &change.language {
        check_language(language)?;
    }
    check_police_unit(change.police_unit.as_deref())?;
    let mut tx = db.begin().await?;
    // Serialises changes of admin rights, so two administrators cannot demote each other at once.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sweep.users.admins'))").execute(&mut *tx).await?;
    let current: Option<(Role, bool)> =
        sqlx::query_as("SELECT role, disabled_at IS NOT NULL FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (role, disabled) = current.ok_or_else(|| ApiError::not_found("account"))?;
    let loses_admin = role == Role::Admin
        && !disabled
        && (change.disabled == Some(true) || change.role.is_some_and(|r| r != Role::Admin));
    if loses_admin {
        if actor.user_id() == Some(id) {
            return Err(ApiError::conflict(
                "own_admin_rights",
                "you cannot disable or demote your own administrator account",
            ));
        }
        let other_admins: i64 =
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if other_admins == 0 {
            return Err(ApiError::conflict(
                "last_admin",
                "this is the last active administrator; make another one first",
            ));
        }
    }
    sqlx::query(
        "UPDATE users SET
            display_name = coalesce($2, display_name),
            role = coalesce($3, role),
            language = coalesce($4, language),
            police_unit = CASE WHEN $7::text IS NULL THEN police_unit ELSE nullif(trim($7), '') END,
            disabled_at = CASE WHEN $5 IS NULL THEN disabled_at WHEN $5 THEN coalesce(disabled_at, now()) ELSE NULL END,
            disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason WHEN $5 THEN $6 ELSE NULL END,
            updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(change.display_name.as_deref().map(str::trim))
    .bind(change.role)
    .bind(&change.language)
    .bind(change.disabled)
    .bind(&change.disabled_reason)
    .bind(&change.police_unit)
    .execute(&mut *tx)
    .await?;
    if change.role == Some(Role::Volunteer) {
        sqlx::query("INSERT INTO volunteer_profiles (user_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let action = match change.disabled {
        Some(true) if !disabled => "user.disable",
        Some(false) if disabled => "user.enable",
        _ => "user.update",
    };
    // A disabled account's sessions end and its tokens and devices are revoked: enabling it again does not
    // bring back credentials that may have been handed on meanwhile.
    let (sessions_ended, tokens_revoked) = if action == "user.disable" {
        let sessions = sqlx::query("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let tokens = sqlx::query(
            "UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(actor.user_id())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE devices SET revoked_at = now(), revoked_by = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(actor.user_id())
            .execute(&mut *tx)
            .await?;
        (sessions, tokens)
    } else {
        (0, 0)
    };
    AuditEvent::new(action)
        .on("user", id)
        .details(json!({
            "display_name": change.display_name, "role": change.role, "language": change.language,
            "disabled_reason": change.disabled_reason, "sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked,
            "police_unit": change.police_unit,
        }))
        .write(&mut *tx, actor, address)
        .await?;
    tx.commit().await?;
    find(db, id).await?.ok_or_else(|| ApiError::not_found("account"))
}

/// Sets a password and ends every session of the account except `keep_session`.
pub async fn set_password(
    db: &PgPool,
    id: Uuid,
    new_password: String,
    keep_session: Option<Uuid>,
    actor: &Actor,
    address: Option<IpAddr>,
) -> ApiResult<()> {
    password::check_new(&new_password)?;
    let hash = password::hash(new_password).await?;
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(ApiError::not_found("account"));
    }
    let ended = sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
    )
    .bind(id)
    .bind(keep_session)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    AuditEvent::new("user.password")
        .on("user", id)
        .details(json!({ "sessions_ended": ended }))
        .write(&mut *tx, actor, address)
        .await?;
    tx.commit().await?;
    Ok(())
}
