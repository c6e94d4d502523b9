//! A phone-protocol client: connects to a Sweep server, says `hello`, sends the fixes it is
//! given in numbered batches and keeps each batch until it is acknowledged, across dropped
//! connections, signal gaps and reconnects. The simulator, tests and Rust clients use it.
//!
//! ```no_run
//! # async fn example() -> Result<(), mobile_api::client::ClientError> {
//! use mobile_api::client::{Client, ClientConfig, Event};
//! let (client, mut events) = Client::start(ClientConfig::new("http://127.0.0.1:8080", "dev_A"))?;
//! while let Some(event) = events.recv().await {
//!     if let Event::Connected(welcome) = event {
//!         println!("connected as {}", welcome.volunteer.name);
//!         break;
//!     }
//! }
//! let fix = mobile_api::Fix {
//!     time: chrono::Utc::now(),
//!     lat: 56.1,
//!     lon: 36.8,
//!     accuracy: Some(5.0),
//!     altitude: None,
//!     speed: Some(1.2),
//!     heading: None,
//!     battery: Some(80.0),
//! };
//! client.push(fix);
//! client.wait_acknowledged().await.ok();
//! client.close().await;
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::{
    Alert, AlertAnswer, Answer, ClientMessage, FieldReport, Fix, Hello, PositionBatch, ProtocolError, ServerMessage,
    Task, Welcome, MAX_FIXES_PER_BATCH, PROTOCOL_VERSION, WEBSOCKET_PATH,
};

/// Fatal refusals that a retry cannot cure; any other fatal error is followed by a reconnect.
pub const PERMANENT_REFUSALS: [&str; 4] =
    ["device_unknown", "device_revoked", "account_disabled", "unsupported_protocol"];

/// The refusal that means "not now": the batch or report is kept and sent again.
const STORAGE_UNAVAILABLE: &str = "storage_unavailable";

/// How a client connects and paces itself.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The server's base URL (`http://127.0.0.1:8080`, `https://sweep.example`); `ws(s)://` works too.
    pub server: String,
    /// The device token from the dispatcher's link or QR code.
    pub device_token: String,
    /// The app and its version, sent in `hello` for the server's logs.
    pub app: String,
    /// Most fixes in one batch (also capped by [`MAX_FIXES_PER_BATCH`] and the server's `welcome`).
    pub max_fixes_per_batch: usize,
    /// How often the fixes pushed since the last batch are sent as a new batch.
    pub batch_every: Duration,
    /// How often to ping; a ping unanswered until the next one drops the connection.
    pub ping_every: Duration,
    /// The first batch's number; see [`first_seq_now`].
    pub first_seq: u64,
    /// Shortest wait before a reconnect.
    pub reconnect_min: Duration,
    /// Longest wait before a reconnect.
    pub reconnect_max: Duration,
    /// How long connecting and the `hello`/`welcome` exchange may take.
    pub connect_timeout: Duration,
}

impl ClientConfig {
    /// A config with the usual pacing: batches every 5 s, pings every 25 s, reconnects after 1 to 30 s.
    pub fn new(server: impl Into<String>, device_token: impl Into<String>) -> Self {
        Self {
            server: server.into(),
            device_token: device_token.into(),
            app: concat!("mobile-api-client ", env!("CARGO_PKG_VERSION")).into(),
            max_fixes_per_batch: MAX_FIXES_PER_BATCH,
            batch_every: Duration::from_secs(5),
            ping_every: Duration::from_secs(25),
            first_seq: first_seq_now(),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

/// The first batch number for a client that keeps no counter across restarts: the current Unix
/// time in milliseconds, so a restarted client does not reuse its own earlier numbers.
pub fn first_seq_now() -> u64 {
    Utc::now().timestamp_millis().max(1) as u64
}

/// The WebSocket URL for a server's base URL: `http` becomes `ws`, `https` becomes `wss`.
pub fn websocket_url(server: &str) -> Result<String, ClientError> {
    let server = server.trim().trim_end_matches('/');
    let (scheme, rest) = server.split_once("://").ok_or_else(|| ClientError::InvalidUrl(server.into()))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(ClientError::InvalidUrl(server.into())),
    };
    if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#']) {
        return Err(ClientError::InvalidUrl(server.into()));
    }
    Ok(format!("{scheme}://{rest}{WEBSOCKET_PATH}"))
}

/// Why a client could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The server URL is not an `http(s)://` or `ws(s)://` base URL.
    InvalidUrl(String),
    /// TLS could not be set up (no root certificates found, for example).
    Tls(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(url) => write!(f, "{url:?} is not a server URL such as http://127.0.0.1:8080"),
            Self::Tls(why) => write!(f, "cannot set up TLS: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// What happens to a client, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The server accepted the `hello`.
    Connected(Welcome),
    /// A connection attempt failed; the client tries again after a pause.
    ConnectFailed(String),
    /// The volunteer's current task (`None`: no task).
    Task(Option<Task>),
    /// An alert or message for the volunteer (possibly again, after a reconnect).
    Alert(Alert),
    /// Batch `seq` is stored by the server.
    Acked(u64),
    /// The server refused something; a batch or report it names is dropped unless the code is
    /// `storage_unavailable`, in which case it is kept and sent again.
    Refused(ProtocolError),
    /// Report `id` is stored.
    ReportAcked(Uuid),
    /// The answer to alert `id` is stored.
    AnswerAcked(Uuid),
    /// The connection is gone (dropped, or [`Client::set_offline`]); the client reconnects unless offline.
    Disconnected,
    /// The client has stopped for good.
    Stopped(StopReason),
}

/// Why a client stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// The server refused the device for good (one of [`PERMANENT_REFUSALS`]).
    Refused(ProtocolError),
    /// [`Client::close`] was called or the client was dropped.
    Closed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(e) => write!(f, "refused by the server: {} ({})", e.code, e.message),
            Self::Closed => f.write_str("closed"),
        }
    }
}

/// A snapshot of what a client holds and has done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Whether a connection is open and welcomed.
    pub connected: bool,
    /// Whether [`Client::set_offline`] holds the client offline.
    pub offline: bool,
    /// Fixes pushed, in all.
    pub recorded_fixes: u64,
    /// Fixes not acknowledged yet (in a batch or waiting for one).
    pub pending_fixes: usize,
    /// Numbered batches not acknowledged yet.
    pub pending_batches: usize,
    /// Reports not acknowledged yet.
    pub pending_reports: usize,
    /// Alert answers not acknowledged yet.
    pub pending_answers: usize,
    /// Fixes in acknowledged batches.
    pub acked_fixes: u64,
    /// Batches acknowledged.
    pub acked_batches: u64,
    /// Fixes in batches the server refused (and the client dropped).
    pub refused_fixes: u64,
    /// The number the next batch gets.
    pub next_seq: u64,
    /// Set once the client has stopped.
    pub stopped: Option<StopReason>,
}

/// Something kept until the server acknowledges it.
#[derive(Debug)]
struct Outgoing<T> {
    item: T,
    /// Sent on this connection.
    sent: bool,
    /// The server could not store it: wait for the next batch interval before sending it again.
    held: bool,
}

impl<T> Outgoing<T> {
    fn new(item: T) -> Self {
        Self { item, sent: false, held: false }
    }

    /// Marks it sent if it is due now.
    fn due(&mut self, interval: bool) -> bool {
        let due = !self.sent && (interval || !self.held);
        if due {
            self.sent = true;
            self.held = false;
        }
        due
    }
}

/// Everything the handle and the connection task share.
#[derive(Debug, Default)]
struct State {
    unbatched: Vec<Fix>,
    batches: VecDeque<Outgoing<PositionBatch>>,
    reports: Vec<Outgoing<FieldReport>>,
    answers: Vec<Outgoing<AlertAnswer>>,
    reads: Vec<Uuid>,
    next_seq: u64,
    offline: bool,
    flush_asked: bool,
    closing: bool,
    connected: bool,
    stopped: Option<StopReason>,
    recorded_fixes: u64,
    acked_fixes: u64,
    acked_batches: u64,
    refused_fixes: u64,
}

impl State {
    fn pending_fixes(&self) -> usize {
        self.unbatched.len() + self.batches.iter().map(|b| b.item.fixes.len()).sum::<usize>()
    }

    fn settled(&self) -> bool {
        self.unbatched.is_empty()
            && self.batches.is_empty()
            && self.reports.is_empty()
            && self.answers.is_empty()
            && self.reads.is_empty()
    }

    fn status(&self) -> Status {
        Status {
            connected: self.connected,
            offline: self.offline,
            recorded_fixes: self.recorded_fixes,
            pending_fixes: self.pending_fixes(),
            pending_batches: self.batches.len(),
            pending_reports: self.reports.len(),
            pending_answers: self.answers.len(),
            acked_fixes: self.acked_fixes,
            acked_batches: self.acked_batches,
            refused_fixes: self.refused_fixes,
            next_seq: self.next_seq,
            stopped: self.stopped.clone(),
        }
    }

    /// Turns the fixes waiting for a batch into numbered batches.
    fn seal(&mut self, limit: usize) -> bool {
        let sealed = !self.unbatched.is_empty();
        while !self.unbatched.is_empty() {
            let count = limit.min(self.unbatched.len());
            let fixes: Vec<Fix> = self.unbatched.drain(..count).collect();
            let seq = self.next_seq;
            self.next_seq += 1;
            self.batches.push_back(Outgoing::new(PositionBatch { seq, fixes }));
        }
        sealed
    }

    /// What is due on this connection, marked sent: reports, answers and read receipts, and the
    /// batches too when `batches` (oldest first, after sealing the waiting fixes).
    fn take_due(&mut self, batches: bool, limit: usize) -> (Vec<ClientMessage>, bool) {
        let mut due = Vec::new();
        let mut modified = false;
        if batches {
            modified |= self.seal(limit);
            modified |= std::mem::take(&mut self.flush_asked);
            for batch in &mut self.batches {
                if batch.due(true) {
                    due.push(ClientMessage::Positions(batch.item.clone()));
                }
            }
        }
        for report in &mut self.reports {
            if report.due(batches) {
                due.push(ClientMessage::Report(report.item.clone()));
            }
        }
        for answer in &mut self.answers {
            if answer.due(batches) {
                due.push(ClientMessage::AlertAnswer(answer.item.clone()));
            }
        }
        due.extend(self.reads.drain(..).map(|alert_id| ClientMessage::AlertRead { alert_id }));
        modified |= !due.is_empty();
        (due, modified)
    }

    /// A new connection has been sent nothing yet.
    fn unsend_all(&mut self) {
        self.batches.iter_mut().for_each(|b| b.sent = false);
        self.reports.iter_mut().for_each(|r| r.sent = false);
        self.answers.iter_mut().for_each(|a| a.sent = false);
    }
}

/// A running client; cheap calls that only record what to do, a background task does it.
#[derive(Debug)]
pub struct Client {
    shared: watch::Sender<State>,
}

impl Client {
    /// Starts the client in the background (inside a tokio runtime); its events come on the receiver.
    pub fn start(config: ClientConfig) -> Result<(Client, mpsc::UnboundedReceiver<Event>), ClientError> {
        let url = websocket_url(&config.server)?;
        let tls = if url.starts_with("wss://") { Some(tls_connector()?) } else { None };
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = watch::Sender::new(State { next_seq: config.first_seq.max(1), ..State::default() });
        let worker = Worker { wake: shared.subscribe(), shared: shared.clone(), config, url, tls, events, pings: 0 };
        tokio::spawn(worker.run());
        Ok((Client { shared }, receiver))
    }

    /// Records a fix; it goes out in the next batch.
    pub fn push(&self, fix: Fix) {
        self.shared.send_if_modified(|state| {
            if state.stopped.is_some() {
                return false;
            }
            state.unbatched.push(fix);
            state.recorded_fixes += 1;
            true
        });
    }

    /// Sends the fixes pushed so far as a batch now, without waiting for the next interval.
    pub fn flush(&self) {
        self.shared.send_modify(|state| state.flush_asked = true);
    }

    /// Sends a report to the case log, and again after each reconnect until it is acknowledged.
    pub fn send_report(&self, report: FieldReport) {
        self.shared.send_modify(|state| state.reports.push(Outgoing::new(report)));
    }

    /// Answers an alert, and again after each reconnect until the answer is acknowledged.
    pub fn answer_alert(&self, alert_id: Uuid, answer: Answer, eta: Option<DateTime<Utc>>) {
        self.shared.send_modify(|state| {
            // A later answer replaces the earlier one, on the server and here.
            state.answers.retain(|a| a.item.alert_id != alert_id);
            state.answers.push(Outgoing::new(AlertAnswer { alert_id, answer, eta }));
        });
    }

    /// Sends a read receipt for an alert (once, on this or the next connection).
    pub fn mark_read(&self, alert_id: Uuid) {
        self.shared.send_modify(|state| state.reads.push(alert_id));
    }

    /// Simulates losing the signal (`true`: close the connection and keep queuing) or regaining
    /// it (`false`: reconnect at once and send what is queued).
    pub fn set_offline(&self, offline: bool) {
        self.shared.send_if_modified(|state| std::mem::replace(&mut state.offline, offline) != offline);
    }

    /// What the client holds and has done so far.
    pub fn status(&self) -> Status {
        self.shared.borrow().status()
    }

    /// Flushes, then waits until every fix, batch, report and answer is acknowledged (forever, if
    /// the server never answers: wrap it in a timeout); fails if the client stops first.
    pub async fn wait_acknowledged(&self) -> Result<(), StopReason> {
        self.flush();
        let mut watcher = self.shared.subscribe();
        let state =
            watcher.wait_for(|s| s.settled() || s.stopped.is_some()).await.expect("the client holds the sender");
        match &state.stopped {
            Some(reason) if !state.settled() => Err(reason.clone()),
            _ => Ok(()),
        }
    }

    /// Closes the connection and stops the client; what is not acknowledged is lost.
    pub async fn close(&self) {
        self.shared.send_modify(|state| state.closing = true);
        let mut watcher = self.shared.subscribe();
        let _ = watcher.wait_for(|s| s.stopped.is_some()).await;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shared.send_modify(|state| state.closing = true);
    }
}

/// TLS with the system's root certificates and the ring provider, chosen explicitly (see Cargo.toml).
fn tls_connector() -> Result<Connector, ClientError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(ClientError::Tls(format!("no root certificates found on this system ({:?})", found.errors)));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Connector::Rustls(Arc::new(config)))
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a connection, or an attempt at one, ended.
enum Ending {
    /// Dropped, refused for now, or never made: reconnect after a pause.
    Dropped,
    /// The caller set the client offline.
    Offline,
    /// The caller closed the client.
    Closing,
    /// A permanent refusal: stop.
    Refused(ProtocolError),
}

/// The background task that owns the connection.
struct Worker {
    shared: watch::Sender<State>,
    wake: watch::Receiver<State>,
    config: ClientConfig,
    url: String,
    tls: Option<Connector>,
    events: mpsc::UnboundedSender<Event>,
    pings: u64,
}

impl Worker {
    async fn run(mut self) {
        let mut failures = 0u32;
        let reason = loop {
            if !until_online(&mut self.wake).await {
                break StopReason::Closed;
            }
            match self.connection(&mut failures).await {
                Ending::Closing => break StopReason::Closed,
                Ending::Refused(error) => break StopReason::Refused(error),
                Ending::Offline => continue,
                Ending::Dropped => {}
            }
            let pause = backoff(&self.config, failures);
            failures = failures.saturating_add(1);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                ending = interruption(&mut self.wake) => if let Ending::Closing = ending { break StopReason::Closed },
            }
        };
        self.shared.send_modify(|state| {
            state.connected = false;
            state.stopped = Some(reason.clone());
        });
        self.emit(Event::Stopped(reason));
    }

    fn emit(&self, event: Event) {
        // Nobody listening is fine: the caller may not care about events.
        let _ = self.events.send(event);
    }

    /// One connection: connect and greet, then exchange messages until it ends.
    async fn connection(&mut self, failures: &mut u32) -> Ending {
        let hello = ClientMessage::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            device_token: self.config.device_token.clone(),
            app: Some(self.config.app.clone()),
        });
        let opening = tokio::time::timeout(self.config.connect_timeout, open(&self.url, self.tls.clone(), &hello));
        let (mut socket, welcome) = tokio::select! {
            opened = opening => match opened {
                Ok(Ok(opened)) => opened,
                Ok(Err(Opening::Refused(error))) if PERMANENT_REFUSALS.contains(&error.code.as_str()) => {
                    return Ending::Refused(error)
                }
                Ok(Err(Opening::Refused(error))) => {
                    self.emit(Event::ConnectFailed(format!("{}: {}", error.code, error.message)));
                    return Ending::Dropped;
                }
                Ok(Err(Opening::Failed(why))) => {
                    self.emit(Event::ConnectFailed(why));
                    return Ending::Dropped;
                }
                Err(_) => {
                    self.emit(Event::ConnectFailed("no welcome in time".into()));
                    return Ending::Dropped;
                }
            },
            ending = interruption(&mut self.wake) => return ending,
        };
        *failures = 0;
        let limit = self.config.max_fixes_per_batch.min(welcome.max_fixes_per_batch).clamp(1, MAX_FIXES_PER_BATCH);
        self.shared.send_modify(|state| {
            state.connected = true;
            state.unsend_all();
        });
        self.emit(Event::Connected(welcome));
        let ending = self.exchange(&mut socket, limit).await;
        // A polite close when we leave; the server may already be gone.
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
        self.shared.send_modify(|state| state.connected = false);
        self.emit(Event::Disconnected);
        ending
    }

    /// Sends what is due and handles what arrives, until the connection ends.
    async fn exchange(&mut self, socket: &mut Socket, limit: usize) -> Ending {
        // The first tick is immediate: what waited for this connection goes out at once.
        let mut batch_tick = tokio::time::interval(self.config.batch_every);
        batch_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut ping_tick = tokio::time::interval_at(Instant::now() + self.config.ping_every, self.config.ping_every);
        ping_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut heard = true;
        loop {
            let batches = tokio::select! {
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        heard = true;
                        match serde_json::from_str::<ServerMessage>(&text) {
                            Ok(message) => match self.handle(message) {
                                Some(ending) => return ending,
                                None => continue,
                            },
                            // A newer server may send messages this client does not know.
                            Err(_) => continue,
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ending::Dropped,
                    Some(Ok(_)) => {
                        heard = true;
                        continue;
                    }
                },
                _ = batch_tick.tick() => true,
                _ = ping_tick.tick() => {
                    if !heard {
                        return Ending::Dropped;
                    }
                    heard = false;
                    self.pings += 1;
                    if !send(socket, &ClientMessage::Ping { id: Some(self.pings) }).await {
                        return Ending::Dropped;
                    }
                    continue;
                }
                changed = self.wake.changed() => {
                    if changed.is_err() {
                        return Ending::Closing;
                    }
                    let state = self.wake.borrow_and_update();
                    if state.closing {
                        return Ending::Closing;
                    }
                    if state.offline {
                        return Ending::Offline;
                    }
                    state.flush_asked
                }
            };
            let mut due = Vec::new();
            self.shared.send_if_modified(|state| {
                let (taken, modified) = state.take_due(batches, limit);
                due = taken;
                modified
            });
            for message in &due {
                if !send(socket, message).await {
                    return Ending::Dropped;
                }
            }
        }
    }

    /// Applies one server message; `Some` when it ends the connection.
    fn handle(&mut self, message: ServerMessage) -> Option<Ending> {
        match message {
            ServerMessage::Ack { seq } => {
                let found = self.shared.send_if_modified(|state| {
                    let Some(at) = state.batches.iter().position(|b| b.item.seq == seq) else { return false };
                    let batch = state.batches.remove(at).expect("found above");
                    state.acked_fixes += batch.item.fixes.len() as u64;
                    state.acked_batches += 1;
                    true
                });
                if found {
                    self.emit(Event::Acked(seq));
                }
            }
            ServerMessage::ReportAck { id } => {
                self.shared.send_if_modified(|state| remove_where(&mut state.reports, |r| r.id == id));
                self.emit(Event::ReportAcked(id));
            }
            ServerMessage::AnswerAck { alert_id } => {
                self.shared.send_if_modified(|state| remove_where(&mut state.answers, |a| a.alert_id == alert_id));
                self.emit(Event::AnswerAcked(alert_id));
            }
            ServerMessage::Task { task } => self.emit(Event::Task(task.map(|t| *t))),
            ServerMessage::Alert(alert) => self.emit(Event::Alert(alert)),
            // This client does not report task progress.
            ServerMessage::Welcome(_) | ServerMessage::Pong { .. } | ServerMessage::TaskStatusAck { .. } => {}
            ServerMessage::Error(error) => return self.refused(error),
        }
        None
    }

    fn refused(&mut self, error: ProtocolError) -> Option<Ending> {
        if error.fatal && PERMANENT_REFUSALS.contains(&error.code.as_str()) {
            return Some(Ending::Refused(error));
        }
        let keep = error.code == STORAGE_UNAVAILABLE;
        self.shared.send_if_modified(|state| {
            let mut modified = false;
            if let Some(seq) = error.seq {
                if let Some(at) = state.batches.iter().position(|b| b.item.seq == seq) {
                    modified = true;
                    if keep {
                        // Sent again with the next batches, under the same number.
                        state.batches[at].sent = false;
                    } else {
                        let batch = state.batches.remove(at).expect("found above");
                        state.refused_fixes += batch.item.fixes.len() as u64;
                    }
                }
            }
            if let Some(id) = error.id {
                if keep {
                    for report in state.reports.iter_mut().filter(|r| r.item.id == id) {
                        (report.sent, report.held) = (false, true);
                        modified = true;
                    }
                } else {
                    modified |= remove_where(&mut state.reports, |r| r.id == id);
                    modified |= remove_where(&mut state.answers, |a| a.alert_id == id);
                }
            }
            modified
        });
        let fatal = error.fatal;
        self.emit(Event::Refused(error));
        fatal.then_some(Ending::Dropped)
    }
}

fn remove_where<T>(items: &mut Vec<Outgoing<T>>, matches: impl Fn(&T) -> bool) -> bool {
    let before = items.len();
    items.retain(|o| !matches(&o.item));
    items.len() != before
}

/// The pause before reconnect attempt `failures + 1`: exponential, with jitter so that many
/// phones dropped at once do not come back at once, between the configured bounds.
fn backoff(config: &ClientConfig, failures: u32) -> Duration {
    let low = config.reconnect_min.as_secs_f64();
    let high = (low * 2f64.powi(failures.min(30) as i32 + 1)).min(config.reconnect_max.as_secs_f64()).max(low);
    Duration::from_secs_f64(low + rand::random::<f64>() * (high - low))
}

/// Resolves when the caller closes the client or sets it offline.
async fn interruption(wake: &mut watch::Receiver<State>) -> Ending {
    loop {
        {
            let state = wake.borrow_and_update();
            if state.closing {
                return Ending::Closing;
            }
            if state.offline {
                return Ending::Offline;
            }
        }
        if wake.changed().await.is_err() {
            return Ending::Closing;
        }
    }
}

/// Waits while the client is offline; `false` if it is closed meanwhile.
async fn until_online(wake: &mut watch::Receiver<State>) -> bool {
    loop {
        {
            let state = wake.borrow_and_update();
            if state.closing {
                return false;
            }
            if !state.offline {
                return true;
            }
        }
        if wake.changed().await.is_err() {
            return false;
        }
    }
}

/// Why opening a connection failed.
enum Opening {
    Failed(String),
    Refused(ProtocolError),
}

/// Connects, says `hello` and waits for `welcome`.
fn open(
    url: &str,
    tls: Option<Connector>,
    hello: &ClientMessage,
) -> impl Future<Output = Result<(Socket, Welcome), Opening>> {
    let url = url.to_owned();
    let hello = hello.clone();
    async move {
        let (mut socket, _) = tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, tls)
            .await
            .map_err(|e| Opening::Failed(format!("cannot connect to {url}: {e}")))?;
        if !send(&mut socket, &hello).await {
            return Err(Opening::Failed("the connection closed before hello".into()));
        }
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ServerMessage>(&text) {
                    Ok(ServerMessage::Welcome(welcome)) => return Ok((socket, welcome)),
                    Ok(ServerMessage::Error(error)) => return Err(Opening::Refused(error)),
                    _ => return Err(Opening::Failed(format!("expected welcome, got {text}"))),
                },
                Some(Ok(Message::Close(_))) | None => return Err(Opening::Failed("closed before welcome".into())),
                Some(Err(e)) => return Err(Opening::Failed(format!("before welcome: {e}"))),
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn send(socket: &mut Socket, message: &ClientMessage) -> bool {
    let text = serde_json::to_string(message).expect("client messages serialise");
    socket.send(Message::Text(text.into())).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stand_in::{answer_all, Reply, StandIn};
    use std::sync::Mutex;

    fn fix(lat: f64) -> Fix {
        Fix {
            time: Utc::now(),
            lat,
            lon: 36.8,
            accuracy: Some(5.0),
            altitude: None,
            speed: Some(1.2),
            heading: Some(90.0),
            battery: Some(80.0),
        }
    }

    fn config(server: &StandIn) -> ClientConfig {
        ClientConfig {
            batch_every: Duration::from_millis(50),
            first_seq: 1,
            reconnect_min: Duration::from_millis(20),
            reconnect_max: Duration::from_millis(50),
            ..ClientConfig::new(&server.url, "dev_test")
        }
    }

    async fn next_event(events: &mut mpsc::UnboundedReceiver<Event>, wanted: impl Fn(&Event) -> bool) -> Event {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let event = events.recv().await.expect("the client is running");
                if wanted(&event) {
                    return event;
                }
            }
        })
        .await
        .expect("the event in time")
    }

    async fn settled(client: &Client) {
        tokio::time::timeout(Duration::from_secs(5), client.wait_acknowledged()).await.unwrap().unwrap();
    }

    #[test]
    fn base_urls_map_to_the_websocket_endpoint() {
        assert_eq!(websocket_url("http://127.0.0.1:8080").unwrap(), "ws://127.0.0.1:8080/mobile/v1/ws");
        assert_eq!(websocket_url("https://sweep.example/").unwrap(), "wss://sweep.example/mobile/v1/ws");
        assert_eq!(websocket_url("wss://sweep.example").unwrap(), "wss://sweep.example/mobile/v1/ws");
        assert!(websocket_url("127.0.0.1:8080").is_err());
        assert!(websocket_url("ftp://x").is_err());
    }

    #[test]
    fn batch_numbers_start_at_the_unix_time_in_milliseconds() {
        let before = Utc::now().timestamp_millis() as u64;
        let first = ClientConfig::new("http://x", "t").first_seq;
        assert!(first >= before && first <= Utc::now().timestamp_millis() as u64);
    }

    #[test]
    fn reconnect_pauses_grow_and_stay_between_the_bounds() {
        let config = ClientConfig::new("http://x", "t");
        for failures in 0..40 {
            let pause = backoff(&config, failures);
            assert!(pause >= Duration::from_secs(1) && pause <= Duration::from_secs(30), "{pause:?}");
        }
        assert!(backoff(&config, 0) <= Duration::from_secs(2));
    }

    #[tokio::test]
    async fn unacknowledged_batches_are_resent_after_a_reconnect_with_their_number_and_fixes() {
        let server = StandIn::start(Arc::new(|n, message| match (n, message) {
            // The first connection acknowledges batch 1 and is lost right after receiving batch 2.
            (0, ClientMessage::Positions(batch)) if batch.seq == 2 => Reply::Hang,
            (_, message) => answer_all(message),
        }))
        .await;
        let (client, mut events) = Client::start(config(&server)).unwrap();
        client.push(fix(56.1));
        client.flush();
        next_event(&mut events, |e| *e == Event::Acked(1)).await;
        client.push(fix(56.2));
        client.push(fix(56.3));
        client.flush();
        next_event(&mut events, |e| *e == Event::Disconnected).await;
        next_event(&mut events, |e| *e == Event::Acked(2)).await;
        settled(&client).await;

        let batches = server.batches();
        let lats = |b: &PositionBatch| b.fixes.iter().map(|f| f.lat).collect::<Vec<_>>();
        let first: Vec<_> = batches.iter().filter(|(n, _)| *n == 0).map(|(_, b)| (b.seq, lats(b))).collect();
        let second: Vec<_> = batches.iter().filter(|(n, _)| *n == 1).map(|(_, b)| (b.seq, lats(b))).collect();
        assert_eq!(first, vec![(1, vec![56.1]), (2, vec![56.2, 56.3])]);
        assert_eq!(second, vec![(2, vec![56.2, 56.3])], "only the unacknowledged batch, unchanged");
        let status = client.status();
        assert_eq!((status.pending_fixes, status.acked_fixes, status.acked_batches), (0, 3, 2));
        client.close().await;
    }

    #[tokio::test]
    async fn an_offline_client_queues_and_sends_everything_when_back() {
        let server = StandIn::start(Arc::new(|_, message| answer_all(message))).await;
        let (client, mut events) = Client::start(config(&server)).unwrap();
        next_event(&mut events, |e| matches!(e, Event::Connected(_))).await;
        client.set_offline(true);
        next_event(&mut events, |e| *e == Event::Disconnected).await;
        for lat in [56.1, 56.2, 56.3] {
            client.push(fix(lat));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(server.batches().is_empty());
        let status = client.status();
        assert_eq!((status.connected, status.offline, status.pending_fixes), (false, true, 3));

        client.set_offline(false);
        settled(&client).await;
        let batches = server.batches();
        assert_eq!(batches.len(), 1);
        assert_eq!((batches[0].0, batches[0].1.fixes.len()), (1, 3), "one batch on the second connection");
        assert_eq!(client.status().acked_fixes, 3);
        client.close().await;
    }

    #[tokio::test]
    async fn a_fatal_refusal_stops_the_client_without_reconnecting() {
        let server = StandIn::start(Arc::new(|_, message| match message {
            ClientMessage::Hello(_) => Reply::Send(ServerMessage::Error(ProtocolError {
                code: "device_revoked".into(),
                message: "this device was revoked".into(),
                seq: None,
                id: None,
                fatal: true,
            })),
            _ => Reply::Nothing,
        }))
        .await;
        let (client, mut events) = Client::start(config(&server)).unwrap();
        client.push(fix(56.1));
        let Event::Stopped(StopReason::Refused(error)) =
            next_event(&mut events, |e| matches!(e, Event::Stopped(_))).await
        else {
            unreachable!()
        };
        assert_eq!(error.code, "device_revoked");
        assert!(matches!(client.wait_acknowledged().await, Err(StopReason::Refused(_))));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(server.connections(), 1);
        assert!(client.status().stopped.is_some());
    }

    #[tokio::test]
    async fn a_refused_batch_is_dropped_but_one_the_server_could_not_store_is_sent_again() {
        let tries = Arc::new(Mutex::new(0));
        let server = StandIn::start(Arc::new(move |_, message| match message {
            ClientMessage::Positions(batch) if batch.seq == 1 => {
                let mut tries = tries.lock().unwrap();
                *tries += 1;
                if *tries == 1 {
                    refusal(STORAGE_UNAVAILABLE, 1)
                } else {
                    Reply::Send(ServerMessage::Ack { seq: 1 })
                }
            }
            ClientMessage::Positions(batch) => refusal("impossible_coordinates", batch.seq),
            message => answer_all(message),
        }))
        .await;
        let (client, mut events) = Client::start(config(&server)).unwrap();
        client.push(fix(56.1));
        client.flush();
        next_event(&mut events, |e| *e == Event::Acked(1)).await;
        client.push(fix(95.0));
        client.flush();
        let refused = next_event(&mut events, |e| matches!(e, Event::Refused(r) if r.seq == Some(2))).await;
        assert!(matches!(refused, Event::Refused(r) if r.code == "impossible_coordinates"));
        settled(&client).await;
        let status = client.status();
        assert_eq!((status.acked_fixes, status.refused_fixes, status.pending_batches), (1, 1, 0));
        assert_eq!(server.batches().iter().filter(|(_, b)| b.seq == 1).count(), 2);
        assert_eq!(server.batches().iter().filter(|(_, b)| b.seq == 2).count(), 1);
        client.close().await;
    }

    fn refusal(code: &str, seq: u64) -> Reply {
        Reply::Send(ServerMessage::Error(ProtocolError {
            code: code.into(),
            message: code.into(),
            seq: Some(seq),
            id: None,
            fatal: false,
        }))
    }

    #[tokio::test]
    async fn an_unacknowledged_report_is_sent_again_after_a_reconnect() {
        let server = StandIn::start(Arc::new(|n, message| match (n, message) {
            (0, ClientMessage::Report(_)) => Reply::Hang,
            (_, message) => answer_all(message),
        }))
        .await;
        let (client, mut events) = Client::start(config(&server)).unwrap();
        let report = FieldReport {
            id: Uuid::new_v4(),
            case_id: None,
            kind: crate::ReportKind::Clue,
            text: "Следы у ручья".into(),
            location: None,
            time: Utc::now(),
        };
        client.send_report(report.clone());
        next_event(&mut events, |e| *e == Event::ReportAcked(report.id)).await;
        let log = server.log.lock().unwrap().clone();
        let sent: Vec<usize> =
            log.iter().filter(|(_, m)| *m == ClientMessage::Report(report.clone())).map(|(n, _)| *n).collect();
        assert_eq!(sent, vec![0, 1]);
        client.close().await;
    }
}
