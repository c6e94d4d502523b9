//! Search operations: the operation under a case with its groups and members, areas and
//! meeting points on the map, and (to come) grid squares, tasks and coverage.

mod areas;
pub mod coverage;
pub mod equipment;
mod export;
mod field_alert_handlers;
pub mod field_alerts;
pub mod grid;
mod handlers;
mod map;
pub mod operation;
pub mod outline;
pub mod policy;
pub mod probability;
mod task_handlers;
pub mod tasks;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(map::features))
        .routes(routes!(handlers::create, handlers::of_case))
        .routes(routes!(handlers::current))
        .routes(routes!(handlers::read, handlers::update))
        .routes(routes!(handlers::add_group))
        .routes(routes!(handlers::update_group))
        .routes(routes!(handlers::join))
        .routes(routes!(handlers::leave))
        .routes(routes!(handlers::issue_equipment))
        .routes(routes!(handlers::return_equipment))
        .routes(routes!(handlers::volunteers))
        .routes(routes!(areas::add, areas::list))
        .routes(routes!(areas::import))
        .routes(routes!(areas::update))
        .routes(routes!(areas::sorties))
        .routes(routes!(export::export))
        .routes(routes!(areas::grid))
        .routes(routes!(areas::squares))
        .routes(routes!(areas::recompute))
        .routes(routes!(areas::poa_by_hand))
        .routes(routes!(areas::poa_by_rings))
        .routes(routes!(task_handlers::list, task_handlers::create))
        .routes(routes!(task_handlers::update))
        .routes(routes!(task_handlers::status))
        .routes(routes!(field_alert_handlers::list))
        .routes(routes!(field_alert_handlers::open))
        .routes(routes!(field_alert_handlers::acknowledge))
}
