//! Bearer API tokens for phones and integrations: issued, listed, revoked. The secret is shown
//! once, when issued; only its hash is stored.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::principal::{ClientAddress, Credential, Principal};
use super::role::Role;
use super::secret::{hash_secret, new_secret};
use super::{Authorized, Policy};
use crate::audit::AuditEvent;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// Prefix of every API token, so one pasted in the wrong place is recognisable.
pub const TOKEN_PREFIX: &str = "swp_";

/// Issuing, listing and revoking tokens: everyone for their own, administrators for anyone's.
pub struct ManageTokens;

impl Policy for ManageTokens {
    const ACTION: &'static str = "manage API tokens";
    fn allows(_: &Principal) -> bool {
        true
    }
}

/// Issuing a token: from a console session only. A token cannot mint tokens, so a leaked one
/// cannot outlive its own revocation.
pub struct IssueTokens;

impl Policy for IssueTokens {
    const ACTION: &'static str = "issue API tokens";
    fn allows(principal: &Principal) -> bool {
        matches!(principal.credential, Credential::Session(_))
    }
    fn refusal(_: &Principal) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "API tokens are issued from a console session, not with another token",
        )
    }
}

fn may_manage_for(principal: &Principal, owner: Uuid) -> bool {
    principal.role == Role::Admin || principal.user_id == owner
}

/// A token as listed (never with its secret).
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct ApiToken {
    /// Token id.
    pub id: Uuid,
    /// Whose it is.
    pub user_id: Uuid,
    /// Login of its owner.
    pub user_login: String,
    /// What it is for ("Ivan's phone", "PBX").
    pub name: String,
    /// The first characters of the secret.
    pub prefix: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// full or calls.
    pub scope: String,
}

/// Tokens list.
#[derive(Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub tokens: Vec<ApiToken>,
}

/// A request to issue a token.
#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What it is for.
    pub name: String,
    /// For whom (administrators only; default: the caller).
    pub user_id: Option<Uuid>,
    /// Days until it expires (1 to 3650; default: never).
    pub expires_in_days: Option<i64>,
    /// `full` (default: acts as its owner) or `calls` (only announces incoming calls: for a
    /// telephone exchange).
    #[serde(default)]
    pub scope: super::TokenScope,
}

/// A newly issued token: the only time its secret is shown.
#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    /// The token's record.
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

const SELECT_TOKEN: &str =
    "SELECT t.id, t.user_id, u.login AS user_login, t.name, t.prefix, t.created_at, t.expires_at,
                                   t.last_used_at, t.revoked_at, t.scope
                            FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// The caller's tokens (an administrator's list has everyone's).
#[utoipa::path(get, path = "/api/tokens", tag = "auth", responses((status = 200, body = TokenList)))]
pub async fn list(State(state): State<AppState>, auth: Authorized<ManageTokens>) -> ApiResult<Json<TokenList>> {
    let all = auth.principal.role == Role::Admin;
    let tokens =
        sqlx::query_as::<_, ApiToken>(&format!("{SELECT_TOKEN} WHERE $1 OR t.user_id = $2 ORDER BY t.created_at DESC"))
            .bind(all)
            .bind(auth.principal.user_id)
            .fetch_all(&state.db)
            .await?;
    Ok(Json(TokenList { tokens }))
}

/// Issues a token (from a console session only); the answer holds the secret, shown this once.
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<IssueTokens>,
    Json(request): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    let principal = &auth.principal;
    let owner = request.user_id.unwrap_or(principal.user_id);
    if !may_manage_for(principal, owner) {
        return Err(ApiError::forbidden("only an administrator may issue a token for someone else"));
    }
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid_field("name", "the name must have 1 to 100 characters"));
    }
    if let Some(days) = request.expires_in_days {
        if !(1..=3650).contains(&days) {
            return Err(ApiError::invalid_field("expires_in_days", "expires_in_days must be between 1 and 3650"));
        }
    }
    let secret = new_secret(TOKEN_PREFIX);
    let mut tx = state.db.begin().await?;
    let disabled: Option<bool> = sqlx::query_scalar("SELECT disabled_at IS NOT NULL FROM users WHERE id = $1")
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
    match disabled {
        None => return Err(ApiError::invalid_field("user_id", "there is no such user")),
        // Enabling an account must not bring to life a credential made while it was disabled.
        Some(true) => return Err(ApiError::invalid_field("user_id", "this account is disabled")),
        Some(false) => {}
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_by, expires_at, scope)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6), $7) RETURNING id",
    )
    .bind(owner)
    .bind(name)
    .bind(hash_secret(&secret))
    .bind(&secret[..TOKEN_PREFIX.len() + 6])
    .bind(principal.user_id)
    .bind(request.expires_in_days.map(|d| d as i32))
    .bind(match request.scope {
        super::TokenScope::Full => "full",
        super::TokenScope::Calls => "calls",
    })
    .fetch_one(&mut *tx)
    .await?;
    let token =
        sqlx::query_as::<_, ApiToken>(&format!("{SELECT_TOKEN} WHERE t.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    AuditEvent::new("token.issue")
        .on("api_token", id)
        .details(json!({ "user": owner, "name": name }))
        .write(&mut *tx, &principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { token, secret })))
}

/// Revokes a token: it stops working at once; its record stays.
#[utoipa::path(post, path = "/api/tokens/{id}/revoke", tag = "auth", params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageTokens>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let principal = &auth.principal;
    let mut tx = state.db.begin().await?;
    let owner: Option<Uuid> = sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    // Someone else's token is "not found" to a non-administrator: no probing for ids.
    let owner = owner.filter(|o| may_manage_for(principal, *o)).ok_or_else(|| ApiError::not_found("API token"))?;
    let changed =
        sqlx::query("UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(principal.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 1 {
        AuditEvent::new("token.revoke")
            .on("api_token", id)
            .details(json!({ "user": owner }))
            .write(&mut *tx, &principal.actor(), address)
            .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
