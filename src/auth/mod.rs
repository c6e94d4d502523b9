//! Who is asking and what they may do: accounts log in with passwords (console sessions) or
//! bearer tokens (phones, integrations); each capability declares its policies and handlers
//! demand them through [`Authorized`].

pub mod password;
mod policy;
mod principal;
mod role;
pub mod secret;
mod sessions;
pub mod throttle;
pub mod tokens;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use policy::{role_in, AnyRole, Authorized, Policy};
pub use principal::{still_valid, ClientAddress, Credential, Me, Principal, TokenScope, SESSION_COOKIE};
pub use role::Role;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions::login))
        .routes(routes!(sessions::logout))
        .routes(routes!(sessions::me))
        .routes(routes!(sessions::change_password))
        .routes(routes!(tokens::list, tokens::issue))
        .routes(routes!(tokens::revoke))
}
