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
    /// The relay refused the message or could not be reached: it did not leave.
    #[error("the SMTP relay did not accept the message: {0}")]
    Relay(String),
    /// The connection failed mid-way (a timeout, a dropped connection): the relay may have
    /// taken the message, so sending it again could send it twice.
    #[error("the connection to the SMTP relay failed while sending; the message may have left: {0}")]
    Uncertain(String),
}

/// Whether an SMTP error means the message certainly did not leave: the relay answered with an
/// error code, or the connection could not be opened at all.
fn certainly_not_sent(error: &lettre::transport::smtp::Error) -> bool {
    if error.is_response() || error.is_transient() || error.is_permanent() {
        return true;
    }
    if error.is_timeout() {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(
                io.kind(),
                ConnectionRefused | NotFound | AddrNotAvailable | HostUnreachable | NetworkUnreachable
            );
        }
        source = cause.source();
    }
    false
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
    transport.send(message).await.map_err(|e| {
        if certainly_not_sent(&e) {
            MailError::Relay(e.to_string())
        } else {
            MailError::Uncertain(e.to_string())
        }
    })?;
    Ok(())
}
