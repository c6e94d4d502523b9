//! Console sessions: log in, log out, who am I, change my password.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::principal::{ClientAddress, Credential, Me, Principal, SESSION_COOKIE};
use super::role::Role;
use super::secret::{hash_secret, new_secret};
use super::{password, throttle, AnyRole, Authorized};
use crate::audit::{Actor, AuditEvent};
use crate::error::{ApiError, ApiResult, Json};
use crate::state::AppState;

/// Login request.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name (not case-sensitive).
    pub login: String,
    /// Password.
    pub password: String,
}

/// The logged-in account.
#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// The account.
    pub user: Me,
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: Uuid,
    login: String,
    display_name: String,
    role: Role,
    language: String,
    password_hash: Option<String>,
    disabled: bool,
}

/// Logs in with a password and sets the session cookie.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Json(request): Json<LoginRequest>,
) -> ApiResult<(CookieJar, Json<MeResponse>)> {
    let login = request.login.trim().to_string();
    if login.is_empty()
        || login.len() > 64
        || request.password.is_empty()
        || request.password.len() > password::MAX_LENGTH * 4
    {
        return Err(ApiError::unauthenticated("invalid_credentials", "wrong login or password"));
    }
    let row: Option<LoginRow> = sqlx::query_as(
        "SELECT id, login, display_name, role, language, password_hash, disabled_at IS NOT NULL AS disabled
         FROM users WHERE lower(login) = lower($1)",
    )
    .bind(&login)
    .fetch_optional(&state.db)
    .await?;
    // Recorded before the check, so that a burst of concurrent guesses all count.
    let attempt = throttle::begin(&state.db, &login, address).await?;
    if let Some(seconds) = throttle::retry_after(&state.db, &login, address).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts; try again in {} minutes", seconds.div_ceil(60)),
        )
        .with_retry_after(seconds));
    }
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    let matches = password::verify(request.password, stored).await?;
    // A disabled account's right password is not a success: it must not reset the failure count.
    if matches && row.as_ref().is_some_and(|r| !r.disabled) {
        throttle::succeeded(&state.db, attempt).await?;
    }
    let row = match row {
        Some(row) if matches => row,
        _ => return Err(ApiError::unauthenticated("invalid_credentials", "wrong login or password")),
    };
    if row.disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "this account is disabled; ask an administrator",
        ));
    }

    let secret = new_secret("");
    let expires_at = Utc::now() + chrono::Duration::hours(i64::from(state.config.session_hours));
    let user_agent =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(300).collect::<String>());
    let mut tx = state.db.begin().await?;
    let session_id: Uuid = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, expires_at, address, user_agent) VALUES ($1, $2, $3, $4::inet, $5) RETURNING id",
    )
    .bind(hash_secret(&secret))
    .bind(row.id)
    .bind(expires_at)
    .bind(address.map(|a| a.to_string()))
    .bind(user_agent)
    .fetch_one(&mut *tx)
    .await?;
    AuditEvent::new("auth.login")
        .on("user", row.id)
        .details(json!({ "session": session_id }))
        .write(&mut *tx, &Actor::User { id: row.id, label: row.login.clone() }, address)
        .await?;
    tx.commit().await?;

    let cookie = Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .path("/")
        .max_age(time_duration(state.config.session_hours))
        .build();
    let me =
        Me { id: row.id, login: row.login, display_name: row.display_name, role: row.role, language: row.language };
    Ok((jar.add(cookie), Json(MeResponse { user: me })))
}

fn time_duration(hours: u32) -> cookie::time::Duration {
    cookie::time::Duration::hours(i64::from(hours))
}

/// Ends the current session (it cannot be used again) and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<AnyRole>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    let Credential::Session(session_id) = auth.principal.credential else {
        return Err(ApiError::bad_request(
            "not_a_session",
            "this request uses an API token; revoke it with POST /api/tokens/{id}/revoke",
        ));
    };
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    AuditEvent::new("auth.logout")
        .on("user", auth.principal.user_id)
        .details(json!({ "session": session_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), StatusCode::NO_CONTENT))
}

/// The logged-in account.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(auth: Authorized<AnyRole>) -> Json<MeResponse> {
    Json(MeResponse { user: auth.principal.me() })
}

/// Changing one's own password.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new password (at least 8 characters).
    pub new_password: String,
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(put, path = "/api/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<AnyRole>,
    Json(change): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    let principal: &Principal = &auth.principal;
    password::check_new(&change.new_password)?;
    let stored: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(principal.user_id)
        .fetch_one(&state.db)
        .await?;
    if !password::verify(change.current_password, stored).await? {
        return Err(ApiError::invalid_field("current_password", "the current password is wrong"));
    }
    let keep = match principal.credential {
        Credential::Session(id) => Some(id),
        Credential::Token(_) => None,
    };
    crate::users::set_password(&state.db, principal.user_id, change.new_password, keep, &principal.actor(), address)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
