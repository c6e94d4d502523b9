//! Live updates for consoles. A change is announced with `pg_notify` inside the transaction
//! that makes it, so it is heard only once committed, by every `sweep` instance on the
//! database (this one included). Each instance's listener turns the small notice (ids only)
//! into the full message once and hands it to its consoles over `/api/live`.

mod hub;
mod live;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use hub::{announce, listen, Audience, Hub, LiveMessage, Notice, PhoneEvent, PositionUpdate};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live::live))
}
