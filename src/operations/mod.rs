//! Search operations: areas, meeting points, and (to come) grid squares, tasks and coverage.

mod map;
pub mod policy;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(map::features))
}
