//! People's accounts and their roles.

pub mod accounts;
mod handlers;
pub mod policy;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use accounts::{set_password, Account, AccountChange, NewAccount};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list, handlers::create))
        .routes(routes!(handlers::get, handlers::update))
        .routes(routes!(handlers::reset_password))
}
