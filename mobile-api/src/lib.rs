//! Sweep's phone wire protocol: the JSON messages a phone (the volunteer app, the `sweep-sim`
//! simulator, any client) and a Sweep server exchange over a WebSocket at
//! [`WEBSOCKET_PATH`]. Both ends use these types, and the same checks ([`Fix::check`],
//! [`PositionBatch::check`]), so they always agree. `README.md` beside this crate describes
//! the protocol with examples. With the `client` feature (on by default): [`client`], a client
//! for the protocol, and [`sim`], the simulated volunteers of `sweep-sim`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod sim;
#[cfg(all(test, feature = "client"))]
mod stand_in;

/// Version of the protocol described by this crate.
pub const PROTOCOL_VERSION: u32 = 1;

/// Path of the phone protocol's WebSocket endpoint on a Sweep server.
pub const WEBSOCKET_PATH: &str = "/mobile/v1/ws";

/// Largest message a server accepts, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Most fixes in one batch.
pub const MAX_FIXES_PER_BATCH: usize = 500;

/// How far in the future a fix's time may be (phone clocks drift), in seconds.
pub const MAX_CLOCK_AHEAD_SECONDS: i64 = 10 * 60;

/// The earliest fix time accepted (2000-01-01): older is a receiver without a fix on its clock.
pub fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).expect("a valid time")
}

/// What a phone sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First message on a connection: who this is.
    Hello(Hello),
    /// A batch of positions.
    Positions(PositionBatch),
    /// An answer to an alert.
    AlertAnswer(AlertAnswer),
    /// The volunteer has seen an alert (a read receipt).
    AlertRead {
        /// The alert.
        alert_id: Uuid,
    },
    /// A short report to a case's log.
    Report(FieldReport),
    /// The group leader reports the progress of the group's task.
    TaskStatus(TaskStatusReport),
    /// Keeps the connection alive; answered with `pong`.
    Ping {
        /// Echoed back.
        #[serde(default)]
        id: Option<u64>,
    },
}

/// The phone introduces itself with its device token (from the dispatcher's link or QR code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// The protocol version the phone speaks.
    pub protocol: u32,
    /// The device token.
    pub device_token: String,
    /// The app and its version, for the logs ("sweep-web 1.2", "sweep-sim").
    #[serde(default)]
    pub app: Option<String>,
}

/// Positions the phone recorded, in one numbered batch. Each device numbers its batches 1, 2,
/// 3…; a batch is resent, with the same number and fixes, until it is acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionBatch {
    /// The batch's number for this device (from 1).
    pub seq: u64,
    /// The fixes, oldest first.
    pub fixes: Vec<Fix>,
}

/// One GPS fix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// When the phone took it (the phone's clock), RFC 3339.
    pub time: DateTime<Utc>,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Horizontal accuracy, metres (68% radius).
    #[serde(default)]
    pub accuracy: Option<f32>,
    /// Altitude, metres above sea level.
    #[serde(default)]
    pub altitude: Option<f32>,
    /// Speed, metres per second.
    #[serde(default)]
    pub speed: Option<f32>,
    /// Heading, degrees clockwise from north (0..360).
    #[serde(default)]
    pub heading: Option<f32>,
    /// Battery, percent (0..100).
    #[serde(default)]
    pub battery: Option<f32>,
}

/// Why a fix or a batch is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Stable code (`impossible_coordinates`, `time_in_future`, ...).
    pub code: &'static str,
    /// Human text.
    pub message: String,
}

impl Problem {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl Fix {
    /// Checks the fix could have come from a real receiver at `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Problem> {
        if !(self.lat.is_finite() && self.lon.is_finite() && self.lat.abs() <= 90.0 && self.lon.abs() <= 180.0) {
            return Err(Problem::new(
                "impossible_coordinates",
                format!("({}, {}) is not on Earth", self.lat, self.lon),
            ));
        }
        if self.time < earliest() {
            return Err(Problem::new(
                "time_out_of_range",
                format!("the fix at {} is before 2000", self.time.to_rfc3339()),
            ));
        }
        if self.time > now + chrono::Duration::seconds(MAX_CLOCK_AHEAD_SECONDS) {
            return Err(Problem::new(
                "time_in_future",
                format!("the fix at {} is in the future", self.time.to_rfc3339()),
            ));
        }
        let ranged = [
            ("accuracy", self.accuracy, 0.0, 100_000.0),
            ("altitude", self.altitude, -1_000.0, 10_000.0),
            ("speed", self.speed, 0.0, 350.0),
            ("heading", self.heading, 0.0, 360.0),
            ("battery", self.battery, 0.0, 100.0),
        ];
        for (name, value, low, high) in ranged {
            if let Some(value) = value {
                if !value.is_finite() || value < low || value > high {
                    return Err(Problem::new("impossible_value", format!("{name} {value} is outside {low}..{high}")));
                }
            }
        }
        Ok(())
    }
}

impl PositionBatch {
    /// Checks the batch: numbered from 1, 1 to [`MAX_FIXES_PER_BATCH`] fixes, each possible.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Problem> {
        if self.seq == 0 || self.seq > i64::MAX as u64 {
            return Err(Problem::new("invalid_seq", "batches are numbered from 1"));
        }
        if self.fixes.is_empty() || self.fixes.len() > MAX_FIXES_PER_BATCH {
            return Err(Problem::new("invalid_batch", format!("a batch has 1 to {MAX_FIXES_PER_BATCH} fixes")));
        }
        for (i, fix) in self.fixes.iter().enumerate() {
            fix.check(now).map_err(|p| Problem::new(p.code, format!("fix {i}: {}", p.message)))?;
        }
        Ok(())
    }
}

/// An answer to an alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertAnswer {
    /// The alert.
    pub alert_id: Uuid,
    /// going or cant.
    pub answer: Answer,
    /// When the volunteer expects to arrive, with `going`.
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
}

/// Going or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// On the way.
    Going,
    /// Cannot come.
    Cant,
}

/// A short report from the field to a case's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldReport {
    /// Chosen by the phone; the same id again is the same report (stored once).
    pub id: Uuid,
    /// The case, if the volunteer knows it (else the case of their current task).
    #[serde(default)]
    pub case_id: Option<Uuid>,
    /// A note, or a clue found.
    #[serde(default)]
    pub kind: ReportKind,
    /// The text (1 to [`MAX_REPORT_CHARS`] characters).
    pub text: String,
    /// Where.
    #[serde(default)]
    pub location: Option<Point>,
    /// When it was written.
    pub time: DateTime<Utc>,
}

/// The group leader's word on the group's task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskStatusReport {
    /// The task (from the `task` message).
    pub task_id: Uuid,
    /// `in_progress`, `done` or `partly_done`.
    pub status: String,
    /// What was not done (required with `partly_done`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Most characters in a report's text.
pub const MAX_REPORT_CHARS: usize = 2_000;

/// What a report records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Something to note ("group 2 at the river, nothing found").
    #[default]
    Note,
    /// A clue found (a footprint, a piece of clothing).
    Clue,
}

impl FieldReport {
    /// Checks the report: a text of 1 to [`MAX_REPORT_CHARS`] characters, a place on Earth, a
    /// time that is not in the future.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Problem> {
        let chars = self.text.trim().chars().count();
        if chars == 0 || chars > MAX_REPORT_CHARS {
            return Err(Problem::new("invalid_report", format!("a report has 1 to {MAX_REPORT_CHARS} characters")));
        }
        if let Some(point) = self.location {
            if !(point.lat.is_finite() && point.lon.is_finite() && point.lat.abs() <= 90.0 && point.lon.abs() <= 180.0)
            {
                return Err(Problem::new(
                    "impossible_coordinates",
                    format!("({}, {}) is not on Earth", point.lat, point.lon),
                ));
            }
        }
        if self.time > now + chrono::Duration::seconds(MAX_CLOCK_AHEAD_SECONDS) || self.time < earliest() {
            return Err(Problem::new("time_out_of_range", format!("the report's time {} is impossible", self.time)));
        }
        Ok(())
    }
}

/// A place.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The hello was accepted.
    Welcome(Welcome),
    /// Batch `seq` is stored (committed); the phone may forget it.
    Ack {
        /// The batch.
        seq: u64,
    },
    /// Report `id` is stored.
    ReportAck {
        /// The report.
        id: Uuid,
    },
    /// The volunteer's current task, sent after `welcome` and whenever it changes; `null` when
    /// they have none.
    Task {
        /// The task, if any (boxed: it is the largest message).
        task: Option<Box<Task>>,
    },
    /// An alert or a message for this volunteer: sent when it is raised, and again after each
    /// `welcome` until the volunteer has read it (and answered it, if it asks for an answer).
    Alert(Alert),
    /// The answer to alert `alert_id` is stored.
    AnswerAck {
        /// The alert.
        alert_id: Uuid,
    },
    /// The group leader's report on task `task_id` is stored (a new `task` message follows).
    TaskStatusAck {
        /// The task.
        task_id: Uuid,
    },
    /// Something was refused. Unless `fatal`, the connection stays usable.
    Error(ProtocolError),
    /// Answer to a ping.
    Pong {
        /// The ping's id.
        #[serde(default)]
        id: Option<u64>,
    },
}

/// The server's greeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// The protocol version the server speaks.
    pub protocol: u32,
    /// Whose phone this is.
    pub volunteer: Volunteer,
    /// The server's clock, to spot a phone's clock that is far off.
    pub server_time: DateTime<Utc>,
    /// Most fixes in a batch.
    pub max_fixes_per_batch: usize,
    /// Largest message, bytes.
    pub max_message_bytes: usize,
}

/// What a volunteer is to do now: their place in a search operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// The operation.
    pub operation_id: Uuid,
    /// Its name ("Лес у Дубков, день 2").
    pub operation_name: String,
    /// The case it searches for.
    pub case_id: Uuid,
    /// The missing person's name, as on the orientation.
    pub case_name: String,
    /// The volunteer's group, if they are in one.
    #[serde(default)]
    pub group: Option<String>,
    /// What to do: the task's instructions, else the group's.
    #[serde(default)]
    pub instructions: Option<String>,
    /// The group's current task, if the coordinator gave it one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    /// Whether this volunteer leads the group (and reports the task's progress).
    #[serde(default)]
    pub leader: bool,
    /// The meeting point (headquarters), if set.
    #[serde(default)]
    pub meeting_point: Option<Point>,
    /// When any of this last changed.
    pub updated_at: DateTime<Utc>,
}

/// A group's task: what to search and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The task, to report its progress.
    pub task_id: Uuid,
    /// Its number in the operation.
    pub number: i32,
    /// Its title.
    pub title: String,
    /// `hasty`, `line`, `road_patrol` or `address_check`.
    pub search_type: String,
    /// `assigned` or `in_progress`.
    pub status: String,
    /// The squares to search, in order («Б-7»).
    #[serde(default)]
    pub squares: Vec<String>,
    /// The places to check (names and addresses).
    #[serde(default)]
    pub places: Vec<String>,
}

/// An alert or message from the coordinators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Its id, to answer or mark read.
    pub id: Uuid,
    /// The case it is about, if any.
    #[serde(default)]
    pub case_id: Option<Uuid>,
    /// The text.
    pub text: String,
    /// A place it points at ("check the shed here").
    #[serde(default)]
    pub location: Option<Point>,
    /// Urgent alerts sound even in quiet hours.
    pub urgent: bool,
    /// Whether the sender asks "going / can't".
    pub asks_answer: bool,
    /// Who sent it.
    pub from: String,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// The answer already given, if any.
    #[serde(default)]
    pub answer: Option<Answer>,
}

/// A volunteer as the phone shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Volunteer {
    /// Account id.
    pub id: Uuid,
    /// Name or call sign.
    pub name: String,
}

/// A refusal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtocolError {
    /// Stable code.
    pub code: String,
    /// Human text.
    pub message: String,
    /// The batch it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The report or alert it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Whether the server closes the connection after it.
    #[serde(default)]
    pub fatal: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix() -> Fix {
        Fix {
            time: Utc::now(),
            lat: 56.1,
            lon: 36.8,
            accuracy: Some(8.0),
            altitude: None,
            speed: Some(1.2),
            heading: Some(270.0),
            battery: Some(64.0),
        }
    }

    #[test]
    fn the_websocket_path_names_the_protocol_version() {
        assert!(WEBSOCKET_PATH.ends_with(&format!("/v{PROTOCOL_VERSION}/ws")));
    }

    #[test]
    fn messages_read_as_the_readme_writes_them() {
        let text = r#"{"type":"positions","seq":7,"fixes":[{"time":"2026-11-22T05:41:12Z","lat":56.10412,"lon":36.80133,"accuracy":6.5,"speed":1.3,"battery":71}]}"#;
        let message: ClientMessage = serde_json::from_str(text).unwrap();
        let ClientMessage::Positions(batch) = message else { panic!("{message:?}") };
        assert_eq!((batch.seq, batch.fixes.len(), batch.fixes[0].battery), (7, 1, Some(71.0)));
        let ack = serde_json::to_string(&ServerMessage::Ack { seq: 7 }).unwrap();
        assert_eq!(ack, r#"{"type":"ack","seq":7}"#);
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"positions","seq":1,"fixes":[],"extra":1}"#).is_err());
    }

    #[test]
    fn impossible_fixes_are_refused_with_a_code() {
        let now = Utc::now();
        assert_eq!(fix().check(now), Ok(()));
        assert_eq!(Fix { lat: 91.0, ..fix() }.check(now).unwrap_err().code, "impossible_coordinates");
        assert_eq!(Fix { lon: f64::NAN, ..fix() }.check(now).unwrap_err().code, "impossible_coordinates");
        assert_eq!(
            Fix { time: now + chrono::Duration::hours(1), ..fix() }.check(now).unwrap_err().code,
            "time_in_future"
        );
        assert_eq!(Fix { battery: Some(140.0), ..fix() }.check(now).unwrap_err().code, "impossible_value");
        assert_eq!(Fix { speed: Some(-1.0), ..fix() }.check(now).unwrap_err().code, "impossible_value");
        assert_eq!(
            Fix { time: DateTime::from_timestamp(0, 0).unwrap(), ..fix() }.check(now).unwrap_err().code,
            "time_out_of_range"
        );
        // Hours-old fixes from a phone that was offline are fine.
        assert_eq!(Fix { time: now - chrono::Duration::hours(9), ..fix() }.check(now), Ok(()));
    }

    #[test]
    fn a_batch_is_numbered_from_one_and_holds_one_to_five_hundred_fixes() {
        let now = Utc::now();
        assert!(PositionBatch { seq: 1, fixes: vec![fix()] }.check(now).is_ok());
        assert_eq!(PositionBatch { seq: 0, fixes: vec![fix()] }.check(now).unwrap_err().code, "invalid_seq");
        assert_eq!(PositionBatch { seq: 1, fixes: vec![] }.check(now).unwrap_err().code, "invalid_batch");
        assert_eq!(PositionBatch { seq: 1, fixes: vec![fix(); 501] }.check(now).unwrap_err().code, "invalid_batch");
        let bad = PositionBatch { seq: 2, fixes: vec![fix(), Fix { lat: 200.0, ..fix() }] }.check(now).unwrap_err();
        assert!(bad.message.starts_with("fix 1:"), "{bad:?}");
    }
}
