//! Outgoing e-mail over SMTP (lettre): the relay from `--smtp-url`, the sender from
//! `--smtp-from`.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// No relay is configured.
    #[error("no SMTP relay is configured (set SWEEP_SMTP_URL)")]
    NotConfigured,
    /// An address or the relay URL is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The relay refused the message or could not be reached.
    #[error("the SMTP relay did not accept the message: {0}")]
    Relay(String),
}

/// Sends one plain-text message to `to`.
pub async fn send(config: &Config, to: &str, subject: &str, body: String) -> Result<(), MailError> {
    let url = config.smtp_url.as_deref().ok_or(MailError::NotConfigured)?;
    let from: Mailbox =
        config.smtp_from.parse().map_err(|e| MailError::Invalid(format!("the sender address is invalid: {e}")))?;
    let to: Mailbox = to.parse().map_err(|e| MailError::Invalid(format!("the address {to:?} is invalid: {e}")))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| MailError::Invalid(e.to_string()))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| MailError::Invalid(format!("SWEEP_SMTP_URL is invalid: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    transport.send(message).await.map_err(|e| MailError::Relay(e.to_string()))?;
    Ok(())
}
