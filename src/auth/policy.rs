//! Authorization: each capability states its policies here-shaped, and handlers ask for them
//! with the [`Authorized`] extractor, so a route cannot run without its policy being checked.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::principal::{Principal, TokenScope};
use super::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A rule saying who may do one kind of thing.
pub trait Policy: Send + Sync + 'static {
    /// What is being done, for the refusal message ("manage user accounts").
    const ACTION: &'static str;
    /// Whether a token limited to announcing calls may do it.
    const FOR_CALL_TOKENS: bool = false;
    /// Whether `principal` may do it.
    fn allows(principal: &Principal) -> bool;
    /// The answer when it may not (403 naming the role, unless a policy says more).
    fn refusal(principal: &Principal) -> ApiError {
        ApiError::forbidden(format!("the role {} may not {}", principal.role, Self::ACTION))
    }
}

/// A request whose principal passed policy `P`. Rejects with 401 when nobody is logged in and
/// 403 when the role does not allow it.
pub struct Authorized<P: Policy> {
    /// Who is asking.
    pub principal: Principal,
    policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = <Principal as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if principal.scope == TokenScope::Calls && !P::FOR_CALL_TOKENS {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "token_scope",
                "this token may only announce incoming calls",
            ));
        }
        if !P::allows(&principal) {
            return Err(P::refusal(&principal));
        }
        Ok(Self { principal, policy: PhantomData })
    }
}

/// Any logged-in person, whatever their role.
pub struct AnyRole;

impl Policy for AnyRole {
    const ACTION: &'static str = "use this";
    fn allows(_: &Principal) -> bool {
        true
    }
}

/// Whether `role` is one of `roles` (helper for role-based policies).
pub fn role_in(principal: &Principal, roles: &[Role]) -> bool {
    roles.contains(&principal.role)
}
