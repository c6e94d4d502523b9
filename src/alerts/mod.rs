//! Alerts and messages to volunteers in the field: sent to an operation, one of its groups or
//! chosen members, delivered over the phone protocol (again after every reconnect until read
//! and, when asked, answered), with read receipts and "going / can't" answers shown live.
//! Call-outs to the whole registry by e-mail and SMS build on these.

pub mod alert;
pub mod callout;
pub mod escalation;
mod handlers;
pub mod links;
pub mod orientation;
pub mod policy;

use std::sync::Arc;

use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::realtime::{Audience, PhoneEvent};
use crate::state::AppState;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::send, handlers::list))
        .routes(routes!(handlers::preview))
        .routes(routes!(handlers::create_callout, handlers::list_callouts))
        .routes(routes!(handlers::get))
        .routes(routes!(handlers::answer_for))
        .routes(routes!(handlers::close))
        .routes(routes!(handlers::orientation))
        .routes(routes!(links::show, links::answer))
        .routes(routes!(links::preferences))
        .routes(routes!(links::photo))
}

/// An alert was sent: hand it to the phones of its recipients on this instance, and tell the
/// consoles.
pub async fn deliver(state: &AppState, alert_id: Uuid) -> sqlx::Result<bool> {
    let mut conn = state.db.acquire().await?;
    let Some((alert, recipients)) = alert::for_phones(&mut conn, alert_id).await? else { return Ok(true) };
    let operation = alert::operation_of(&mut conn, alert_id).await?;
    drop(conn);
    state.hub.publish_phone(PhoneEvent::Alert {
        alert: Arc::new(alert),
        recipients: Arc::new(recipients.into_iter().collect()),
    });
    state
        .hub
        .publish(Audience::Staff, json!({ "type": "alert.sent", "alert_id": alert_id, "operation_id": operation }));
    Ok(true)
}

/// A volunteer read or answered an alert: tell the consoles.
pub async fn deliver_answer(state: &AppState, alert_id: Uuid, volunteer: Uuid) -> sqlx::Result<bool> {
    let mut conn = state.db.acquire().await?;
    if let Some(recipient) = alert::recipient(&mut conn, alert_id, volunteer).await? {
        state
            .hub
            .publish(Audience::Staff, json!({ "type": "alert.answer", "alert_id": alert_id, "recipient": recipient }));
    }
    Ok(true)
}
