//! Handing a case to the ambulance or the police.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::casework;
use crate::cases::handoff::{self, Service};
use crate::cases::journal::Author;
use crate::cases::journal::{self, Entry, EntryKind, NewEntry};
use crate::cases::policy::WorkCases;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::i18n::{tr, Language};
use crate::mail::{self, MailError};
use crate::state::AppState;

/// A hand-off.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// ambulance or police.
    pub service: Service,
    /// The e-mail's language (default Russian).
    #[serde(default)]
    pub language: Language,
    /// Anything to add.
    pub note: Option<String>,
}

/// What was sent.
#[derive(Serialize, ToSchema)]
pub struct Handoff {
    /// The address it went to.
    pub sent_to: String,
    /// The log entry recording it.
    pub entry: Entry,
}

/// E-mails the card's essentials to the configured ambulance or police address and records
/// it in the log. 409 if no address or relay is configured; 502 if the relay refuses (the
/// failure is logged too).
#[utoipa::path(post, path = "/api/cases/{id}/handoff", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = HandoffRequest,
    responses((status = 200, body = Handoff), (status = 409, body = crate::error::ErrorBody), (status = 502, body = crate::error::ErrorBody)))]
pub async fn handoff(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(request): Json<HandoffRequest>,
) -> ApiResult<Json<Handoff>> {
    if request.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::invalid_field("note", "at most 2,000 characters"));
    }
    let service = request.service;
    let to = service.address(&state.config).ok_or_else(|| {
        ApiError::conflict(
            "handoff_not_configured",
            format!("no e-mail address is configured for this service (set {})", service.setting()),
        )
    })?;
    if state.config.smtp_url.is_none() {
        return Err(ApiError::conflict("smtp_not_configured", "no SMTP relay is configured (set SWEEP_SMTP_URL)"));
    }
    let case = casework::view(&mut *state.db.acquire().await?, id).await?;
    let config = &state.config;
    let contact = config.hotline.clone().unwrap_or_else(|| config.public_url());
    let (subject, body) = handoff::message(
        &case,
        request.language,
        &config.team_name,
        &contact,
        &auth.principal.display_name,
        request.note.as_deref(),
    );
    let service_name = service.name(Language::Ru);
    // Personal data is about to leave: the attempt is recorded (and committed) first, so that
    // even a crash right after the send leaves a trace of it.
    let attempt = json!({ "event": "handoff", "service": service, "to": to, "outcome": "sending" });
    let mut tx = state.db.begin().await?;
    let sending = tr(Language::Ru, "handoff.log_sending", &[("service", &service_name), ("address", to)]);
    journal::append(
        &mut tx,
        id,
        &Author::person(&auth.principal),
        NewEntry::system(EntryKind::Handoff, sending, attempt.clone()),
    )
    .await?;
    AuditEvent::new("case.handoff")
        .on("case", id)
        .details(attempt)
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    let sent = mail::send(config, to, &subject, body).await;
    let (text, outcome) = match &sent {
        Ok(()) => (tr(Language::Ru, "handoff.log", &[("service", &service_name), ("address", to)]), "sent"),
        Err(error) => (
            tr(
                Language::Ru,
                "handoff.log_failed",
                &[("service", &service_name), ("address", to), ("error", &error.to_string())],
            ),
            "failed",
        ),
    };
    let details = json!({ "event": "handoff", "service": service, "to": to, "outcome": outcome });
    let mut tx = state.db.begin().await?;
    let entry = journal::append(
        &mut tx,
        id,
        &Author::person(&auth.principal),
        NewEntry::system(EntryKind::Handoff, text, details.clone()),
    )
    .await?;
    AuditEvent::new("case.handoff_result")
        .on("case", id)
        .details(details)
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    match sent {
        Ok(()) => Ok(Json(Handoff { sent_to: to.to_string(), entry })),
        Err(error @ (MailError::Relay(_) | MailError::Uncertain(_))) => {
            Err(ApiError::new(StatusCode::BAD_GATEWAY, "smtp_failed", error.to_string()))
        }
        Err(error) => Err(ApiError::conflict("mail_misconfigured", error.to_string())),
    }
}
