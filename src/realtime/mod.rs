//! Live updates for consoles. A change is announced with `pg_notify` inside the transaction
//! that makes it, so it is heard only once committed, by every `sweep` instance on the
//! database (this one included). Each instance's listener turns the small notice (ids only)
//! into the full message once and hands it to its consoles over `/api/live`.

mod hub;
mod live;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// Each WebSocket's read and write buffers, bytes. The library's default (128 KiB each, the
/// read one allocated up front) would take a quarter of a gigabyte for 2,000 phones; messages
/// are small, and a bigger one grows its buffer while it is read.
pub const SOCKET_BUFFER_BYTES: usize = 8 * 1024;

pub use hub::{announce, announce_many, listen, Audience, Hub, LiveMessage, Notice, PhoneEvent, PositionUpdate};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live::live))
}
