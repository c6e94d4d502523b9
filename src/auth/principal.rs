//! Who is making a request: found from the session cookie or a bearer token.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::{header, request::Parts};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::role::Role;
use super::secret::hash_secret;
use crate::audit::Actor;
use crate::error::ApiError;
use crate::state::AppState;

/// Name of the console's session cookie.
pub const SESSION_COOKIE: &str = "sweep_session";

/// How the request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A console session (cookie).
    Session(Uuid),
    /// A bearer API token.
    Token(Uuid),
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Everything its owner may do (except managing accounts and issuing tokens).
    #[default]
    Full,
    /// Only announcing incoming calls (a telephone exchange).
    Calls,
}

/// The person behind a request.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Their account.
    pub user_id: Uuid,
    /// Their login name.
    pub login: String,
    /// Their name as shown to others.
    pub display_name: String,
    /// Their role.
    pub role: Role,
    /// Their interface language.
    pub language: String,
    /// How they proved it.
    pub credential: Credential,
    /// For a token: what it may do.
    pub scope: TokenScope,
}

/// An account as the API shows it to its owner.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Account id.
    pub id: Uuid,
    /// Login name.
    pub login: String,
    /// Name as shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Interface language (`ru` or `en`).
    pub language: String,
}

impl Principal {
    /// The audit actor for what this principal does.
    pub fn actor(&self) -> Actor {
        match self.credential {
            Credential::Session(_) => Actor::User { id: self.user_id, label: self.login.clone() },
            Credential::Token(token) => Actor::Token { id: token, user: self.user_id, label: self.login.clone() },
        }
    }

    /// The account as shown to its owner.
    pub fn me(&self) -> Me {
        Me {
            id: self.user_id,
            login: self.login.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            language: self.language.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    credential_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    login: String,
    display_name: String,
    role: Role,
    language: String,
    disabled_at: Option<DateTime<Utc>>,
    scope: Option<String>,
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        <Principal as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await?.ok_or_else(|| {
            ApiError::unauthenticated(
                "unauthenticated",
                "log in first, or send an API token as Authorization: Bearer …",
            )
        })
    }
}

impl OptionalFromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, ApiError> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Some(principal.clone()));
        }
        // A proxy's own Basic authentication is not ours: only a Bearer header is read.
        let bearer = parts.headers.get(header::AUTHORIZATION).filter(|v| {
            let text = v.to_str().unwrap_or_default();
            !(text.starts_with("Basic ") || text.starts_with("basic "))
        });
        let principal = if let Some(value) = bearer {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::unauthenticated(
                        "invalid_authorization",
                        "the Authorization header must be \"Bearer <token>\"",
                    )
                })?;
            Some(from_token(state, token).await?)
        } else {
            let jar = CookieJar::from_headers(&parts.headers);
            match jar.get(SESSION_COOKIE) {
                Some(cookie) => Some(from_session(state, cookie.value()).await?),
                None => None,
            }
        };
        if let Some(principal) = &principal {
            parts.extensions.insert(principal.clone());
        }
        Ok(principal)
    }
}

async fn from_session(state: &AppState, secret: &str) -> Result<Principal, ApiError> {
    let row: Option<CredentialRow> = sqlx::query_as(
        "SELECT s.id AS credential_id, s.expires_at, s.revoked_at, s.last_seen_at AS last_used_at,
                u.id AS user_id, u.login, u.display_name, u.role, u.language, u.disabled_at, NULL::text AS scope
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&state.db)
    .await?;
    let row =
        row.ok_or_else(|| ApiError::unauthenticated("session_unknown", "this session is not known; log in again"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::unauthenticated("session_revoked", "this session was ended; log in again"));
    }
    check_live(&row, "session_expired", "your session has expired; log in again")?;
    if is_stale(row.last_used_at) {
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE id = $1")
            .bind(row.credential_id)
            .execute(&state.db)
            .await?;
    }
    Ok(principal(row, Credential::Session))
}

async fn from_token(state: &AppState, secret: &str) -> Result<Principal, ApiError> {
    let row: Option<CredentialRow> = sqlx::query_as(
        "SELECT t.id AS credential_id, t.expires_at, t.revoked_at, t.last_used_at,
                u.id AS user_id, u.login, u.display_name, u.role, u.language, u.disabled_at, t.scope
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&state.db)
    .await?;
    let row = row.ok_or_else(|| ApiError::unauthenticated("token_unknown", "this API token is not known"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::unauthenticated("token_revoked", "this API token was revoked"));
    }
    check_live(&row, "token_expired", "this API token has expired")?;
    if is_stale(row.last_used_at) {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
            .bind(row.credential_id)
            .execute(&state.db)
            .await?;
    }
    Ok(principal(row, Credential::Token))
}

fn check_live(row: &CredentialRow, expired_code: &'static str, expired_message: &str) -> Result<(), ApiError> {
    if row.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::unauthenticated(expired_code, expired_message));
    }
    if row.disabled_at.is_some() {
        return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "account_disabled", "this account is disabled"));
    }
    Ok(())
}

/// Last-use times are written at most once a minute, not on every request.
fn is_stale(last: Option<DateTime<Utc>>) -> bool {
    last.is_none_or(|at| Utc::now() - at > chrono::Duration::seconds(60))
}

fn principal(row: CredentialRow, credential: fn(Uuid) -> Credential) -> Principal {
    Principal {
        user_id: row.user_id,
        login: row.login,
        display_name: row.display_name,
        role: row.role,
        language: row.language,
        credential: credential(row.credential_id),
        scope: if row.scope.as_deref() == Some("calls") { TokenScope::Calls } else { TokenScope::Full },
    }
}

/// Whether the credential `principal` came with still works (not revoked or expired, the
/// account not disabled, its role unchanged): long-lived connections ask this now and then.
pub async fn still_valid(state: &AppState, principal: &Principal) -> bool {
    let query = match principal.credential {
        Credential::Session(id) => sqlx::query_scalar::<_, bool>(
            "SELECT s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL AND u.role = $2
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
        )
        .bind(id),
        Credential::Token(id) => sqlx::query_scalar::<_, bool>(
            "SELECT t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL AND u.role = $2
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        )
        .bind(id),
    };
    let query = query.bind(principal.role);
    // A database outage is not the credential's fault: keep the connection.
    query.fetch_optional(&state.db).await.map(|valid| valid.unwrap_or(false)).unwrap_or(true)
}

/// The client's address: the peer, or, behind one trusted reverse proxy, the last
/// X-Forwarded-For entry (the one that proxy appended).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy {
            // The proxy appends the address it saw, to the last header line; earlier entries
            // and lines come from the client.
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return Ok(Self(forwarded));
            }
        }
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}
