//! The audit log: who did what to which record, when and from where. Append-only and
//! hash-chained in the database (see `migrations/0001_foundation.sql`); [`chain::verify`]
//! proves it untouched.

pub mod chain;
mod handlers;
pub mod policy;

use std::net::IpAddr;

use serde_json::Value;
use sqlx::PgExecutor;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::state::AppState;

pub use chain::{verify, ChainReport};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(handlers::list)).routes(routes!(handlers::verify))
}

/// Who did something.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A person logged in to the console.
    User {
        /// Their account.
        id: Uuid,
        /// Their login.
        label: String,
    },
    /// A request with an API token.
    Token {
        /// The token.
        id: Uuid,
        /// The token's owner.
        user: Uuid,
        /// The login of the token's owner.
        label: String,
    },
    /// A read-only share link.
    ShareLink {
        /// The link.
        id: Uuid,
        /// Whom it was made for.
        label: String,
    },
    /// Sweep itself (scheduled work, escalation).
    System,
    /// The `sweep` command on the server, run by an operating-system user.
    Cli {
        /// The operating-system user.
        os_user: String,
    },
}

impl Actor {
    /// The actor for the `sweep` command run by the current operating-system user.
    pub fn cli() -> Self {
        let os_user = nix::unistd::User::from_uid(nix::unistd::Uid::current())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| nix::unistd::Uid::current().to_string());
        Actor::Cli { os_user }
    }

    /// The account acting, for a person (with a session or a token).
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::User { id, .. } | Actor::Token { user: id, .. } => Some(*id),
            _ => None,
        }
    }

    fn columns(&self) -> (&'static str, Option<String>, Option<String>) {
        match self {
            Actor::User { id, label } => ("user", Some(id.to_string()), Some(label.clone())),
            Actor::Token { id, label, .. } => ("token", Some(id.to_string()), Some(label.clone())),
            Actor::ShareLink { id, label } => ("share_link", Some(id.to_string()), Some(label.clone())),
            Actor::System => ("system", None, None),
            Actor::Cli { os_user } => ("cli", None, Some(os_user.clone())),
        }
    }
}

/// One thing that happened, to be written to the audit log.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    action: &'static str,
    record_type: Option<&'static str>,
    record_id: Option<String>,
    details: Value,
}

impl AuditEvent {
    /// An event named like `user.create` or `case.read`.
    pub fn new(action: &'static str) -> Self {
        Self { action, record_type: None, record_id: None, details: Value::Object(Default::default()) }
    }

    /// The record it concerns.
    pub fn on(mut self, record_type: &'static str, record_id: impl ToString) -> Self {
        self.record_type = Some(record_type);
        self.record_id = Some(record_id.to_string());
        self
    }

    /// What else is worth keeping (never a secret).
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Appends the event. Write it last in a transaction: writers take turns on the chain.
    pub async fn write<'e>(
        self,
        executor: impl PgExecutor<'e>,
        actor: &Actor,
        address: Option<IpAddr>,
    ) -> sqlx::Result<()> {
        let (kind, actor_id, actor_label) = actor.columns();
        sqlx::query(
            // id, time and hashes are filled by the chaining trigger.
            "INSERT INTO audit_log (actor_kind, actor_id, actor_label, action, record_type, record_id, address, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7::inet, $8)",
        )
        .bind(kind)
        .bind(actor_id)
        .bind(actor_label)
        .bind(self.action)
        .bind(self.record_type)
        .bind(self.record_id)
        .bind(address.map(|a| a.to_string()))
        .bind(self.details)
        .execute(executor)
        .await?;
        Ok(())
    }
}
