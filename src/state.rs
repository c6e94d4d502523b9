//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::realtime::Hub;

/// Shared application state: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<App>);

/// What the application holds.
pub struct App {
    /// The database pool.
    pub db: PgPool,
    /// The configuration it was started with.
    pub config: Config,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Live updates for this instance's consoles.
    pub hub: Hub,
    /// Turns true when the server begins to shut down: long-lived work ends itself.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Wakes this instance's outbox senders (something was queued).
    pub outbox_wake: tokio::sync::Notify,
    /// Phones' batches waiting to be committed together.
    pub batches: crate::tracking::writer::Queue,
}

impl AppState {
    /// State for a server on `db` with `config`.
    pub fn new(db: PgPool, config: Config) -> Self {
        let shutdown = tokio::sync::watch::Sender::new(false);
        let hub = Hub::new(config.live_backlog);
        Self(Arc::new(App {
            db,
            config,
            metrics: Metrics::new(),
            hub,
            shutdown,
            outbox_wake: tokio::sync::Notify::new(),
            batches: Default::default(),
        }))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
