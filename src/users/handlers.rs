//! The accounts API (administrators).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::accounts::{self, Account, AccountChange, NewAccount};
use super::policy::ManageUsers;
use crate::auth::{Authorized, ClientAddress, Role};
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// Accounts list.
#[derive(Serialize, ToSchema)]
pub struct AccountList {
    /// By login.
    pub users: Vec<Account>,
}

/// A new account.
#[derive(Deserialize, ToSchema)]
pub struct NewAccountRequest {
    /// Login name.
    pub login: String,
    /// Name as shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Initial password (at least 8 characters); without one the account uses tokens only.
    pub password: Option<String>,
    /// `ru` (default) or `en`.
    pub language: Option<String>,
    /// A police liaison's unit.
    pub police_unit: Option<String>,
}

/// Changes to an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChangeRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New language.
    pub language: Option<String>,
    /// `true` disables the account (its sessions end, its API tokens are revoked), `false` enables it.
    pub disabled: Option<bool>,
    /// Why it is disabled.
    pub disabled_reason: Option<String>,
    /// A police liaison's unit; an empty text clears it.
    pub police_unit: Option<String>,
}

/// A new password set by an administrator.
#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The new password (at least 8 characters).
    pub password: String,
}

/// Every account.
#[utoipa::path(get, path = "/api/users", tag = "users", responses((status = 200, body = AccountList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, _auth: Authorized<ManageUsers>) -> ApiResult<Json<AccountList>> {
    Ok(Json(AccountList { users: accounts::list(&state.db).await? }))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = NewAccountRequest,
    responses((status = 201, body = Account), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageUsers>,
    Json(request): Json<NewAccountRequest>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let new = NewAccount {
        login: request.login.trim().to_string(),
        display_name: request.display_name,
        role: request.role,
        password: request.password,
        language: request.language.unwrap_or_else(|| "ru".into()),
        police_unit: request.police_unit,
    };
    let account = accounts::create(&state.db, new, &auth.principal.actor(), address).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// One account.
#[utoipa::path(get, path = "/api/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, body = Account), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<ManageUsers>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Account>> {
    accounts::find(&state.db, id).await?.map(Json).ok_or_else(|| ApiError::not_found("account"))
}

/// Changes an account: name, role, language, disabled.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "Account id")),
    request_body = AccountChangeRequest,
    responses((status = 200, body = Account), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageUsers>,
    Path(id): Path<Uuid>,
    Json(request): Json<AccountChangeRequest>,
) -> ApiResult<Json<Account>> {
    let change = AccountChange {
        display_name: request.display_name,
        role: request.role,
        language: request.language,
        disabled: request.disabled,
        disabled_reason: request.disabled_reason,
        police_unit: request.police_unit,
    };
    Ok(Json(accounts::update(&state.db, id, change, &auth.principal.actor(), address).await?))
}

/// Sets a new password for someone; their sessions end.
#[utoipa::path(post, path = "/api/users/{id}/password", tag = "users", params(("id" = Uuid, Path, description = "Account id")),
    request_body = PasswordReset,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageUsers>,
    Path(id): Path<Uuid>,
    Json(request): Json<PasswordReset>,
) -> ApiResult<StatusCode> {
    accounts::set_password(&state.db, id, request.password, None, &auth.principal.actor(), address).await?;
    Ok(StatusCode::NO_CONTENT)
}
