//! Field tracking: volunteers' devices, the phone protocol over WebSocket, and the storage of
//! their fixes as chunks (one row per batch, exactly once), with each volunteer's last position.

pub mod devices;
mod handlers;
mod phone;
pub mod policy;
pub mod store;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(phone::phone_socket))
        .routes(routes!(handlers::list, handlers::issue))
        .routes(routes!(handlers::revoke))
}
