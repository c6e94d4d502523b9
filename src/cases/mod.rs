//! Missing-person cases (карточки): the list for the console. The card, its log, checklists
//! and the police liaison's view grow here.

mod handlers;
pub mod policy;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use handlers::{CaseList, CaseSummary};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(handlers::list))
}
