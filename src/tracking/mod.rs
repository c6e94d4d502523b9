//! Field tracking: volunteers' devices, the phone protocol over WebSocket, and the storage of
//! their fixes as chunks (one row per batch, exactly once), with each volunteer's last position.

pub mod devices;
pub mod export;
pub mod field;
pub mod gpx;
mod handlers;
pub mod imports;
pub mod ingest;
pub mod live;
mod phone;
pub mod policy;
pub mod setup;
pub mod store;
pub mod trackers;
pub mod wkb;
pub mod writer;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(phone::phone_socket))
        .routes(routes!(handlers::list, handlers::issue))
        .routes(routes!(handlers::revoke))
        .routes(routes!(export::export))
        .routes(routes!(ingest::osmand_get, ingest::osmand_post))
        .routes(routes!(ingest::owntracks))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(field::upload_photo))
                .layer(axum::extract::DefaultBodyLimit::max(field::MAX_PHOTO_BYTES)),
        )
        .merge(
            // GPX files are bigger than the JSON API's bodies.
            OpenApiRouter::new()
                .routes(routes!(handlers::import_gpx))
                .layer(axum::extract::DefaultBodyLimit::max(imports::MAX_BYTES)),
        )
}

/// The OsmAnd protocol at the root of its own listener (`--osmand-listen`), like Traccar's port
/// 5055, for apps that let you set only a host and port.
pub fn osmand_root(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(ingest::osmand).post(ingest::osmand))
        .layer(axum::middleware::from_fn(crate::web::json_errors))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}
