//! Who may manage accounts.

use axum::http::StatusCode;

use crate::auth::{role_in, Credential, Policy, Principal, Role};
use crate::error::ApiError;

/// Creating, changing and disabling accounts, and resetting passwords: administrators, in a
/// console session. Not with a token: a leaked token must not be able to make itself an
/// account (and so outlive its revocation).
pub struct ManageUsers;

impl Policy for ManageUsers {
    const ACTION: &'static str = "manage user accounts";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin]) && matches!(principal.credential, Credential::Session(_))
    }
    fn refusal(principal: &Principal) -> ApiError {
        if principal.role == Role::Admin {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "session_required",
                "accounts are managed from a console session, not with a token",
            )
        } else {
            ApiError::forbidden(format!("the role {} may not manage user accounts", principal.role))
        }
    }
}
