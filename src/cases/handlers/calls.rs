//! The telephony hook.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::calls::{self, Call, CallEvent, Match};
use crate::cases::policy::AnnounceCalls;
use crate::error::{ApiResult, Json};
use crate::state::AppState;

/// A recorded call and what shares its number.
#[derive(Serialize, ToSchema)]
pub struct CallAnnounced {
    /// The call.
    pub call: Call,
    /// Earlier reports and cases with the same number.
    pub matches: Vec<Match>,
}

/// A PBX announces an incoming call: every dispatcher console shows it within a second.
/// The same `call_id` again is answered the same and shown once.
#[utoipa::path(post, path = "/api/intake/calls", tag = "reports", request_body = CallEvent,
    responses((status = 202, body = CallAnnounced), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn announce(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<AnnounceCalls>,
    Json(event): Json<CallEvent>,
) -> ApiResult<(StatusCode, Json<CallAnnounced>)> {
    let mut tx = state.db.begin().await?;
    let (call, new) = calls::record(&mut tx, event, auth.principal.user_id).await?;
    let matches = calls::matches(&mut tx, &call.caller_number).await?;
    if new {
        AuditEvent::new("call.receive").on("call", call.id).write(&mut *tx, &auth.principal.actor(), address).await?;
    }
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(CallAnnounced { call, matches })))
}
