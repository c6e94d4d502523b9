//! Simulated volunteers for `sweep-sim`, `sweep demo` and tests: a line search (поиск цепью)
//! over a square, walked by one [`Client`] per device token, with GPS noise, signal gaps and a
//! draining battery.
//!
//! The walk itself ([`LineSearch`], [`Walker`], [`SimClock`]) is pure and reproducible from a
//! seed; [`run`] drives it against a server.
//!
//! Time: a fix's time is the sim clock, and the sim clock never runs ahead of the real clock.
//! With `speedup` > 1 and a duration, the sim clock starts `duration × (1 − 1/speedup)` in the
//! past, so the walk ends at the real "now". Without a duration there is no past to replay:
//! the walk goes at real speed whatever `speedup` says.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::client::{Client, ClientConfig, ClientError, Event, StopReason};
use crate::{Fix, Point};

/// Metres in a degree of latitude (and of longitude at the equator), on a sphere of mean radius.
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// A 2-D normal error of σ per axis falls within 1.51 σ in 68% of fixes: the radius a receiver
/// reports as its accuracy.
const ACCURACY_PER_SIGMA: f64 = 1.51;

/// How long a receiver's error takes to change (its errors are correlated, not white).
const ERROR_MEMORY_S: f64 = 30.0;

/// What to simulate and against which server.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The server's base URL.
    pub server: String,
    /// The centre of the square searched.
    pub center: Point,
    /// The side of the square, metres.
    pub square_m: f64,
    /// Distance between neighbours in the chain, metres.
    pub spacing_m: f64,
    /// Walking speed, metres per second.
    pub speed_mps: f64,
    /// A fix every this many seconds of sim time.
    pub fix_every_s: f64,
    /// A batch every this many seconds of sim time.
    pub batch_every_s: f64,
    /// GPS error, metres (the 68% radius; reported as the accuracy).
    pub noise_m: f64,
    /// Mean sim time between a volunteer's signal gaps, seconds (0: no gaps).
    pub gap_every_s: f64,
    /// Mean length of a signal gap, seconds of sim time.
    pub gap_length_s: f64,
    /// How many times faster than real time the sim clock runs.
    pub speedup: f64,
    /// How long to walk, seconds of sim time (0: until stopped).
    pub duration_s: f64,
    /// Seed for the walks: the same seed, tokens and options give the same fixes.
    pub seed: u64,
    /// How often progress is reported, real time.
    pub report_every: Duration,
    /// How long the final flush may wait for acknowledgements, real time.
    pub flush_timeout: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            server: "http://127.0.0.1:8080".into(),
            center: Point { lat: 56.10, lon: 36.80 },
            square_m: 500.0,
            spacing_m: 20.0,
            speed_mps: 1.2,
            fix_every_s: 1.0,
            batch_every_s: 5.0,
            noise_m: 4.0,
            gap_every_s: 300.0,
            gap_length_s: 60.0,
            speedup: 1.0,
            duration_s: 0.0,
            seed: 1,
            report_every: Duration::from_secs(10),
            flush_timeout: Duration::from_secs(30),
        }
    }
}

impl SimConfig {
    /// Checks the numbers make a walk.
    pub fn check(&self) -> Result<(), SimError> {
        let positive = [
            ("square", self.square_m),
            ("spacing", self.spacing_m),
            ("speed", self.speed_mps),
            ("fix interval", self.fix_every_s),
            ("batch interval", self.batch_every_s),
            ("speedup", self.speedup),
        ];
        let at_least_zero =
            [("noise", self.noise_m), ("gap interval", self.gap_every_s), ("gap length", self.gap_length_s)];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(SimError::Config(format!("the {name} must be above 0, not {value}")));
            }
        }
        for (name, value) in at_least_zero.into_iter().chain([("duration", self.duration_s)]) {
            if !(value.is_finite() && value >= 0.0) {
                return Err(SimError::Config(format!("the {name} must be 0 or more, not {value}")));
            }
        }
        if self.center.lat.abs() > 85.0 || self.center.lon.abs() > 180.0 {
            return Err(SimError::Config("the centre must be on Earth, away from the poles".into()));
        }
        if self.speed_mps > 50.0 {
            return Err(SimError::Config(format!("{} m/s is not walking", self.speed_mps)));
        }
        Ok(())
    }

    fn realism(&self) -> Realism {
        Realism { noise_m: self.noise_m, gap_every_s: self.gap_every_s, gap_length_s: self.gap_length_s }
    }
}

/// Why a simulation could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// The options do not make a walk.
    Config(String),
    /// A client could not start (a bad server URL, no TLS roots).
    Client(ClientError),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(why) => f.write_str(why),
            Self::Client(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SimError {}

impl From<ClientError> for SimError {
    fn from(error: ClientError) -> Self {
        Self::Client(error)
    }
}

/// A place in the square: metres east and north of its south-west corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Local {
    /// Metres east.
    pub east: f64,
    /// Metres north.
    pub north: f64,
}

impl Local {
    /// The straight-line distance to another place, metres.
    pub fn distance(self, other: Local) -> f64 {
        (self.east - other.east).hypot(self.north - other.north)
    }
}

/// A chain of volunteers abreast sweeping a square in strips: north up the first strip, a turn
/// east onto the next, south down it, and so on; at the last strip they sweep back the way they came.
#[derive(Clone, Debug)]
pub struct LineSearch {
    center: Point,
    side_m: f64,
    volunteers: usize,
    spacing_m: f64,
    /// The west edge of each strip, metres east of the square's west side.
    strips: Vec<f64>,
}

impl LineSearch {
    /// The search for `volunteers` people `spacing_m` apart; a chain wider than the square closes up to fit.
    pub fn new(center: Point, side_m: f64, volunteers: usize, spacing_m: f64) -> Self {
        let volunteers = volunteers.max(1);
        let spacing_m = spacing_m.min(side_m / volunteers as f64);
        let width = spacing_m * volunteers as f64;
        let count = ((side_m / width) - 1e-9).ceil().max(1.0) as usize;
        // The last strip is moved west to end at the square's east side, overlapping the one before.
        let strips = (0..count).map(|k| (k as f64 * width).min(side_m - width)).collect();
        Self { center, side_m, volunteers, spacing_m, strips }
    }

    /// The distance between neighbours, metres (less than asked when the chain had to close up).
    pub fn spacing_m(&self) -> f64 {
        self.spacing_m
    }

    /// The side of the square, metres.
    pub fn side_m(&self) -> f64 {
        self.side_m
    }

    /// The number of strips the chain sweeps.
    pub fn strips(&self) -> usize {
        self.strips.len()
    }

    /// The length of one pass over the whole square, metres.
    pub fn pass_m(&self) -> f64 {
        self.strips.len() as f64 * self.side_m + self.strips.last().copied().unwrap_or(0.0)
    }

    /// Where volunteer `volunteer` (from 0, west to east in the chain) is after walking
    /// `walked_m`, and their heading (degrees clockwise from north); without GPS error.
    pub fn position(&self, volunteer: usize, walked_m: f64) -> (Local, f64) {
        let pass = self.pass_m();
        let along = walked_m.max(0.0) % (2.0 * pass);
        let (mut left, back) = if along <= pass { (along, false) } else { (2.0 * pass - along, true) };
        let (mut east, mut north, mut heading) = (0.0, 0.0, 0.0);
        for (k, &west) in self.strips.iter().enumerate() {
            let northward = k % 2 == 0;
            (east, heading) = (west, if northward { 0.0 } else { 180.0 });
            if left <= self.side_m || k + 1 == self.strips.len() {
                let up = left.min(self.side_m);
                north = if northward { up } else { self.side_m - up };
                break;
            }
            left -= self.side_m;
            north = if northward { self.side_m } else { 0.0 };
            let turn = self.strips[k + 1] - west;
            if left <= turn {
                (east, heading) = (west + left, 90.0);
                break;
            }
            left -= turn;
        }
        if back {
            heading = (heading + 180.0) % 360.0;
        }
        let offset = (volunteer.min(self.volunteers - 1) as f64 + 0.5) * self.spacing_m;
        (Local { east: east + offset, north }, heading)
    }

    /// The place on Earth of a place in the square (a local flat projection: fine for a few km).
    pub fn to_point(&self, local: Local) -> Point {
        let half = self.side_m / 2.0;
        let lat = self.center.lat + (local.north - half) / METRES_PER_DEGREE;
        let lon = self.center.lon + (local.east - half) / (METRES_PER_DEGREE * self.center.lat.to_radians().cos());
        Point { lat, lon }
    }

    /// The place in the square of a place on Earth.
    pub fn to_local(&self, point: Point) -> Local {
        let half = self.side_m / 2.0;
        Local {
            east: half + (point.lon - self.center.lon) * METRES_PER_DEGREE * self.center.lat.to_radians().cos(),
            north: half + (point.lat - self.center.lat) * METRES_PER_DEGREE,
        }
    }
}

/// How real the fixes look.
#[derive(Clone, Copy, Debug)]
pub struct Realism {
    /// GPS error, metres (68% radius).
    pub noise_m: f64,
    /// Mean seconds between signal gaps (0: none).
    pub gap_every_s: f64,
    /// Mean length of a gap, seconds.
    pub gap_length_s: f64,
}

/// One simulated volunteer's phone: their place in the chain, their receiver's error, their
/// battery and their signal gaps. Ask for fixes in increasing sim time.
#[derive(Clone, Debug)]
pub struct Walker {
    search: LineSearch,
    volunteer: usize,
    speed_mps: f64,
    realism: Realism,
    rng: StdRng,
    last_s: Option<f64>,
    /// The receiver's current error, metres east and north.
    error: (f64, f64),
    /// Scales the error and the accuracy reported: a receiver has good and bad minutes.
    quality: f64,
    battery: f64,
    drain_per_s: f64,
    altitude: f64,
    gap: (f64, f64),
}

impl Walker {
    /// Volunteer `volunteer` of the chain, walking at `speed_mps`; `seed` makes the walk repeatable.
    pub fn new(search: LineSearch, volunteer: usize, speed_mps: f64, realism: Realism, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ (volunteer as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let battery = rng.gen_range(55.0..100.0);
        let drain_per_s = rng.gen_range(6.0..12.0) / 3600.0;
        let altitude = rng.gen_range(140.0..220.0);
        let mut walker = Self {
            search,
            volunteer,
            speed_mps,
            realism,
            rng,
            last_s: None,
            error: (0.0, 0.0),
            quality: 1.0,
            battery,
            drain_per_s,
            altitude,
            gap: (f64::INFINITY, f64::INFINITY),
        };
        if realism.gap_every_s > 0.0 {
            walker.gap = walker.next_gap(0.0);
        }
        walker
    }

    /// Where the volunteer really is at sim second `at_s`, and their heading.
    pub fn true_position(&self, at_s: f64) -> (Local, f64) {
        self.search.position(self.volunteer, self.speed_mps * at_s)
    }

    /// The fix the phone records at sim second `at_s`, stamped `time`.
    pub fn fix(&mut self, at_s: f64, time: DateTime<Utc>) -> Fix {
        let (place, heading) = self.true_position(at_s);
        let elapsed = self.last_s.map(|last| (at_s - last).max(0.0));
        self.last_s = Some(at_s);
        // Correlated (first-order Gauss-Markov) error: a receiver drifts, it does not jump
        // metres from one second to the next.
        let (keep_quality, keep_error) = match elapsed {
            Some(dt) => ((-dt / 120.0).exp(), (-dt / ERROR_MEMORY_S).exp()),
            None => (0.0, 0.0),
        };
        self.quality = (1.0
            + (self.quality - 1.0) * keep_quality
            + 0.15 * (1.0 - keep_quality * keep_quality).sqrt() * self.normal())
        .clamp(0.6, 1.6);
        let sigma = self.realism.noise_m * self.quality / ACCURACY_PER_SIGMA;
        let fresh = (1.0 - keep_error * keep_error).sqrt() * sigma;
        self.error =
            (self.error.0 * keep_error + fresh * self.normal(), self.error.1 * keep_error + fresh * self.normal());
        let seen = Local { east: place.east + self.error.0, north: place.north + self.error.1 };
        let point = self.search.to_point(seen);
        let accuracy = (self.realism.noise_m * self.quality).max(1.0);
        let speed = (self.speed_mps * (1.0 + 0.05 * self.normal())).max(0.0);
        let heading = (heading + 4.0 * self.normal()).rem_euclid(360.0);
        let terrain = 6.0 * (place.east / 90.0).sin() + 4.0 * (place.north / 70.0).cos();
        let altitude = self.altitude + terrain + 1.5 * self.normal();
        let battery = (self.battery - self.drain_per_s * at_s).max(1.0);
        Fix {
            time,
            lat: round(point.lat, 1e7),
            lon: round(point.lon, 1e7),
            accuracy: Some(round(accuracy, 10.0) as f32),
            altitude: Some(round(altitude, 10.0) as f32),
            speed: Some(round(speed, 100.0) as f32),
            heading: Some((round(heading, 10.0) % 360.0) as f32),
            battery: Some(battery.round() as f32),
        }
    }

    /// Whether the phone is in a signal gap at sim second `at_s` (ask in increasing time).
    pub fn in_gap(&mut self, at_s: f64) -> bool {
        while at_s >= self.gap.1 {
            self.gap = self.next_gap(self.gap.1);
        }
        at_s >= self.gap.0
    }

    fn next_gap(&mut self, after_s: f64) -> (f64, f64) {
        // Exponential waits: gaps come at random, on average every `gap_every_s`.
        let wait = -self.realism.gap_every_s * (1.0 - self.rng.gen::<f64>()).ln();
        let length = self.realism.gap_length_s * self.rng.gen_range(0.5..1.5);
        (after_s + wait, after_s + wait + length)
    }

    /// A standard normal deviate (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u: f64 = 1.0 - self.rng.gen::<f64>();
        let v: f64 = self.rng.gen();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn round(value: f64, per_unit: f64) -> f64 {
    (value * per_unit).round() / per_unit
}

/// The sim clock: runs `speedup` times faster than the real one, never ahead of it.
#[derive(Clone, Copy, Debug)]
pub struct SimClock {
    speedup: f64,
    started: DateTime<Utc>,
    sim_start: DateTime<Utc>,
}

impl SimClock {
    /// A clock started at real time `now`; with a duration and `speedup` > 1 it starts in the past
    /// so that the walk ends at `now` + duration / speedup, the real end.
    pub fn new(speedup: f64, duration_s: f64, now: DateTime<Utc>) -> Self {
        let backlog_s = if duration_s > 0.0 && speedup > 1.0 { duration_s * (1.0 - 1.0 / speedup) } else { 0.0 };
        Self { speedup, started: now, sim_start: now - seconds(backlog_s) }
    }

    /// The time of sim second `at_s`.
    pub fn time_at(&self, at_s: f64) -> DateTime<Utc> {
        self.sim_start + seconds(at_s)
    }

    /// How long after the start, in real time, sim second `at_s` comes: at `speedup`, but never
    /// before the real clock reaches [`Self::time_at`].
    pub fn real_offset(&self, at_s: f64) -> Duration {
        let by_speed = at_s / self.speedup;
        let by_clock = (self.time_at(at_s) - self.started).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
        Duration::from_secs_f64(by_speed.max(by_clock).max(0.0))
    }

    /// The sim second reached after `real` has passed.
    pub fn sim_seconds(&self, real: Duration) -> f64 {
        let backlog = (self.started - self.sim_start).num_milliseconds() as f64 / 1e3;
        (real.as_secs_f64() * self.speedup).min(real.as_secs_f64() + backlog)
    }
}

fn seconds(value: f64) -> chrono::Duration {
    chrono::Duration::microseconds((value * 1e6).round() as i64)
}

/// How a simulation is doing, reported every [`SimConfig::report_every`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Real time since the start.
    pub elapsed: Duration,
    /// Sim time walked, seconds.
    pub sim_seconds: f64,
    /// Volunteers walking.
    pub volunteers: usize,
    /// Volunteers connected now.
    pub connected: usize,
    /// Volunteers in a signal gap now.
    pub in_gap: usize,
    /// Volunteers whose device the server refused for good.
    pub stopped: usize,
    /// Fixes recorded, in all.
    pub fixes_recorded: u64,
    /// Fixes acknowledged by the server.
    pub fixes_acked: u64,
    /// Fixes the server refused.
    pub fixes_refused: u64,
    /// Fixes waiting for an acknowledgement.
    pub fixes_pending: usize,
    /// Batches waiting for an acknowledgement.
    pub batches_pending: usize,
    /// What happened since the last report ("volunteer 2: stopped: device_unknown ...").
    pub notices: Vec<String>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs();
        write!(
            f,
            "{}:{:02} (sim {}): {}/{} connected",
            secs / 60,
            secs % 60,
            clock_text(self.sim_seconds),
            self.connected,
            self.volunteers
        )?;
        if self.in_gap > 0 {
            write!(f, ", {} in a signal gap", self.in_gap)?;
        }
        if self.stopped > 0 {
            write!(f, ", {} refused", self.stopped)?;
        }
        write!(
            f,
            "; fixes: {} recorded, {} acknowledged; pending: {} fixes, {} batches",
            self.fixes_recorded, self.fixes_acked, self.fixes_pending, self.batches_pending
        )?;
        if self.fixes_refused > 0 {
            write!(f, ", {} refused", self.fixes_refused)?;
        }
        Ok(())
    }
}

fn clock_text(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// What a simulation did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// The last progress, after the final flush.
    pub last: Progress,
    /// Whether everything recorded was acknowledged (or refused) before the flush timed out.
    pub flushed: bool,
    /// Distance each volunteer walked, metres.
    pub walked_m: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.last;
        writeln!(
            f,
            "{} volunteers walked {:.0} m each in {} of sim time ({} s real)",
            p.volunteers,
            self.walked_m,
            clock_text(p.sim_seconds),
            p.elapsed.as_secs()
        )?;
        write!(f, "fixes: {} recorded, {} acknowledged", p.fixes_recorded, p.fixes_acked)?;
        if p.fixes_refused > 0 {
            write!(f, ", {} refused", p.fixes_refused)?;
        }
        if p.fixes_pending > 0 {
            write!(f, ", {} never acknowledged", p.fixes_pending)?;
        }
        if p.stopped > 0 {
            write!(f, "; {} devices refused by the server", p.stopped)?;
        }
        if !self.flushed {
            write!(f, "; the final flush timed out")?;
        }
        Ok(())
    }
}

/// Walks one volunteer per token until `stop` resolves or the duration is over, then flushes.
pub async fn run(config: SimConfig, tokens: Vec<String>, stop: impl Future<Output = ()>) -> Result<Summary, SimError> {
    run_reporting(config, tokens, stop, |_| {}).await
}

/// [`run`], calling `report` with the progress every [`SimConfig::report_every`].
pub async fn run_reporting(
    config: SimConfig,
    tokens: Vec<String>,
    stop: impl Future<Output = ()>,
    mut report: impl FnMut(&Progress),
) -> Result<Summary, SimError> {
    config.check()?;
    if tokens.is_empty() {
        return Err(SimError::Config("no device tokens: one volunteer walks per token".into()));
    }
    let started = Instant::now();
    let clock = SimClock::new(config.speedup, config.duration_s, Utc::now());
    let search = LineSearch::new(config.center, config.square_m, tokens.len(), config.spacing_m);
    let notices = Arc::new(Mutex::new(Vec::new()));
    let (halt, halted) = watch::channel(false);
    let batch_every = Duration::from_secs_f64(config.batch_every_s / config.speedup).max(Duration::from_millis(20));
    let mut clients = Vec::new();
    let mut walks = Vec::new();
    for (volunteer, token) in tokens.into_iter().enumerate() {
        let client_config = ClientConfig {
            app: concat!("sweep-sim ", env!("CARGO_PKG_VERSION")).into(),
            batch_every,
            ..ClientConfig::new(&config.server, token)
        };
        let (client, events) = Client::start(client_config)?;
        let client = Arc::new(client);
        tokio::spawn(note_events(volunteer, events, notices.clone()));
        let walker = Walker::new(search.clone(), volunteer, config.speed_mps, config.realism(), config.seed);
        let walk = Walk { walker, client: client.clone(), clock, started, every_s: config.fix_every_s };
        walks.push(tokio::spawn(walk.run(config.duration_s, halted.clone())));
        clients.push(client);
    }

    let progress = |in_gap: usize| {
        let mut progress = Progress {
            elapsed: started.elapsed(),
            sim_seconds: clock.sim_seconds(started.elapsed()),
            volunteers: clients.len(),
            in_gap,
            notices: std::mem::take(&mut *notices.lock().expect("notices")),
            ..Progress::default()
        };
        if config.duration_s > 0.0 {
            progress.sim_seconds = progress.sim_seconds.min(config.duration_s);
        }
        for status in clients.iter().map(|c| c.status()) {
            progress.connected += usize::from(status.connected);
            progress.stopped += usize::from(matches!(status.stopped, Some(StopReason::Refused(_))));
            progress.fixes_recorded += status.recorded_fixes;
            progress.fixes_acked += status.acked_fixes;
            progress.fixes_refused += status.refused_fixes;
            progress.fixes_pending += status.pending_fixes;
            progress.batches_pending += status.pending_batches;
        }
        progress
    };

    let mut ticker = tokio::time::interval_at(started + config.report_every, config.report_every);
    let mut walking = std::pin::pin!(join_all(walks));
    let mut stop = std::pin::pin!(stop);
    let walked_all = loop {
        tokio::select! {
            _ = &mut stop => break false,
            _ = &mut walking => break true,
            _ = ticker.tick() => {
                let in_gap = clients.iter().filter(|c| c.status().offline).count();
                report(&progress(in_gap));
            }
        }
    };
    let _ = halt.send(true);
    if !walked_all {
        walking.await;
    }
    let sim_seconds = clock.sim_seconds(started.elapsed());
    let sim_seconds = if config.duration_s > 0.0 { sim_seconds.min(config.duration_s) } else { sim_seconds };

    // The walkers have set every phone online again: what was queued goes out now.
    let flushing = join_all(clients.iter().map(|c| c.wait_acknowledged()));
    let flushed = tokio::time::timeout(config.flush_timeout, flushing).await.is_ok();
    let mut last = progress(0);
    last.sim_seconds = sim_seconds;
    join_all(clients.iter().map(|c| c.close())).await;
    last.notices.extend(std::mem::take(&mut *notices.lock().expect("notices")));
    Ok(Summary { last, flushed, walked_m: sim_seconds * config.speed_mps })
}

/// One volunteer's walk: a fix every `every_s` of sim time, pushed to their client.
struct Walk {
    walker: Walker,
    client: Arc<Client>,
    clock: SimClock,
    started: Instant,
    every_s: f64,
}

impl Walk {
    async fn run(mut self, duration_s: f64, mut halted: watch::Receiver<bool>) {
        let mut offline = false;
        for n in 0u64.. {
            let at_s = n as f64 * self.every_s;
            if duration_s > 0.0 && at_s > duration_s + 1e-9 {
                break;
            }
            let due = self.started + self.clock.real_offset(at_s);
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = halted.changed() => break,
            }
            if self.client.status().stopped.is_some() {
                break;
            }
            let gap = self.walker.in_gap(at_s);
            if gap != offline {
                offline = gap;
                self.client.set_offline(gap);
            }
            self.client.push(self.walker.fix(at_s, self.clock.time_at(at_s)));
        }
        self.client.set_offline(false);
    }
}

/// Turns a volunteer's client events into notices worth printing.
async fn note_events(volunteer: usize, mut events: mpsc::UnboundedReceiver<Event>, notices: Arc<Mutex<Vec<String>>>) {
    let mut who = format!("volunteer {}", volunteer + 1);
    let mut named = false;
    let mut failing = false;
    let note = |text: String| notices.lock().expect("notices").push(text);
    while let Some(event) = events.recv().await {
        match event {
            Event::Connected(welcome) => {
                if !named {
                    note(format!("{who} is {}", welcome.volunteer.name));
                    who = format!("{who} ({})", welcome.volunteer.name);
                    named = true;
                }
                failing = false;
            }
            // Once per outage, not once per retry.
            Event::ConnectFailed(why) if !failing => {
                failing = true;
                note(format!("{who}: cannot connect: {why}"));
            }
            Event::Refused(error) => {
                let what = error.seq.map(|seq| format!("batch {seq}")).unwrap_or_else(|| "a message".into());
                note(format!("{who}: {what} refused: {} ({})", error.code, error.message));
            }
            Event::Stopped(StopReason::Refused(error)) => {
                note(format!("{who}: stopped: {} ({})", error.code, error.message));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stand_in::{answer_all, StandIn};
    use crate::ClientMessage;

    const NO_REALISM: Realism = Realism { noise_m: 0.0, gap_every_s: 0.0, gap_length_s: 0.0 };
    const CENTER: Point = Point { lat: 56.10, lon: 36.80 };

    fn walkers(search: &LineSearch, volunteers: usize, realism: Realism) -> Vec<Walker> {
        (0..volunteers).map(|v| Walker::new(search.clone(), v, 1.2, realism, 7)).collect()
    }

    /// Every volunteer's fixes, once a second over `seconds`, as places in the square.
    fn tracks(search: &LineSearch, walkers: &mut [Walker], seconds: usize) -> Vec<Vec<Local>> {
        let start = Utc::now();
        walkers
            .iter_mut()
            .map(|w| {
                (0..=seconds)
                    .map(|s| {
                        let fix = w.fix(s as f64, start + chrono::Duration::seconds(s as i64));
                        search.to_local(Point { lat: fix.lat, lon: fix.lon })
                    })
                    .collect()
            })
            .collect()
    }

    fn one_pass_s(search: &LineSearch) -> usize {
        (search.pass_m() / 1.2) as usize
    }

    #[test]
    fn fixes_stay_inside_the_square_give_or_take_the_gps_error() {
        let search = LineSearch::new(CENTER, 300.0, 4, 20.0);
        let exact = tracks(&search, &mut walkers(&search, 4, NO_REALISM), 2 * one_pass_s(&search) + 100);
        let inside = |p: &Local, margin: f64| {
            (-margin..=300.0 + margin).contains(&p.east) && (-margin..=300.0 + margin).contains(&p.north)
        };
        assert!(exact.iter().flatten().all(|p| inside(p, 0.01)));
        let realism = Realism { noise_m: 4.0, ..NO_REALISM };
        let noisy = tracks(&search, &mut walkers(&search, 4, realism), 2 * one_pass_s(&search));
        assert!(noisy.iter().flatten().all(|p| inside(p, 25.0)));
        assert!(noisy.iter().flatten().any(|p| !inside(p, 0.5)), "the noise shows");
    }

    #[test]
    fn neighbours_in_the_chain_stay_the_spacing_apart() {
        let search = LineSearch::new(CENTER, 500.0, 5, 20.0);
        let exact = tracks(&search, &mut walkers(&search, 5, NO_REALISM), one_pass_s(&search));
        for pair in exact.windows(2) {
            for (a, b) in pair[0].iter().zip(&pair[1]) {
                assert!((a.distance(*b) - 20.0).abs() < 0.05, "{a:?} {b:?}");
            }
        }
        let noisy = tracks(&search, &mut walkers(&search, 5, Realism { noise_m: 4.0, ..NO_REALISM }), 3600);
        let gaps: Vec<f64> =
            noisy.windows(2).flat_map(|p| p[0].iter().zip(&p[1]).map(|(a, b)| a.distance(*b))).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean - 20.0).abs() < 3.0, "mean {mean}");
    }

    #[test]
    fn consecutive_fixes_are_the_walking_speed_times_the_interval_apart() {
        let search = LineSearch::new(CENTER, 500.0, 3, 20.0);
        let exact = tracks(&search, &mut walkers(&search, 3, NO_REALISM), one_pass_s(&search));
        for track in &exact {
            for step in track.windows(2).map(|w| w[0].distance(w[1])) {
                // Shorter only where a step cuts a corner at a turn; 1e-7° rounding is about a centimetre.
                assert!((0.84..=1.22).contains(&step), "{step}");
            }
        }
        let noisy = tracks(&search, &mut walkers(&search, 3, Realism { noise_m: 4.0, ..NO_REALISM }), 3600);
        let steps: Vec<f64> = noisy.iter().flat_map(|t| t.windows(2).map(|w| w[0].distance(w[1]))).collect();
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        assert!((1.0..2.0).contains(&mean), "mean step {mean}");
    }

    #[test]
    fn one_pass_of_the_chain_covers_the_whole_square() {
        for (side, volunteers) in [(200.0, 3), (500.0, 7), (100.0, 8)] {
            let search = LineSearch::new(CENTER, side, volunteers, 20.0);
            let exact = tracks(&search, &mut walkers(&search, volunteers, NO_REALISM), one_pass_s(&search));
            let seen = search.spacing_m() / 2.0 + 1.2;
            let steps = (side / 5.0) as usize;
            for i in 0..=steps {
                for j in 0..=steps {
                    let p = Local { east: i as f64 * 5.0, north: j as f64 * 5.0 };
                    assert!(
                        exact.iter().flatten().any(|f| f.distance(p) <= seen),
                        "{p:?} unseen ({side} m, {volunteers})"
                    );
                }
            }
        }
    }

    #[test]
    fn fixes_report_accuracy_heading_speed_and_a_slowly_draining_battery() {
        let search = LineSearch::new(CENTER, 500.0, 2, 20.0);
        let mut walker = Walker::new(search, 0, 1.2, Realism { noise_m: 4.0, ..NO_REALISM }, 3);
        let now = Utc::now();
        let first = walker.fix(0.0, now);
        let fixes: Vec<Fix> = (1..=3600).map(|s| walker.fix(s as f64, now)).collect();
        let last = fixes.last().unwrap();
        let accuracy: f32 = fixes.iter().map(|f| f.accuracy.unwrap()).sum::<f32>() / fixes.len() as f32;
        assert!((3.0..5.5).contains(&accuracy), "{accuracy}");
        assert_eq!(fixes[10].heading.map(|h| !(10.0..350.0).contains(&h)), Some(true), "heading north first");
        assert!(fixes.iter().all(|f| f.check(now).is_ok()));
        let drained = first.battery.unwrap() - last.battery.unwrap();
        assert!((5.0..=13.0).contains(&drained), "{drained}% in an hour");
    }

    #[test]
    fn the_same_seed_walks_the_same_way() {
        let search = LineSearch::new(CENTER, 500.0, 2, 20.0);
        let realism = Realism { noise_m: 4.0, gap_every_s: 300.0, gap_length_s: 60.0 };
        let mut a = Walker::new(search.clone(), 1, 1.2, realism, 42);
        let mut b = Walker::new(search.clone(), 1, 1.2, realism, 42);
        let mut c = Walker::new(search, 1, 1.2, realism, 43);
        let now = Utc::now();
        let (fa, fb, fc) = (a.fix(5.0, now), b.fix(5.0, now), c.fix(5.0, now));
        assert_eq!(fa, fb);
        assert_ne!(fa, fc);
    }

    #[test]
    fn signal_gaps_come_about_as_often_and_last_about_as_long_as_asked() {
        let search = LineSearch::new(CENTER, 500.0, 1, 20.0);
        let realism = Realism { noise_m: 4.0, gap_every_s: 300.0, gap_length_s: 60.0 };
        let mut walker = Walker::new(search, 0, 1.2, realism, 5);
        let hours = 50;
        let offline: Vec<bool> = (0..hours * 3600).map(|s| walker.in_gap(s as f64)).collect();
        let gaps = offline.windows(2).filter(|w| !w[0] && w[1]).count() as f64;
        let share = offline.iter().filter(|o| **o).count() as f64 / offline.len() as f64;
        let expected = (hours * 3600) as f64 / 360.0;
        assert!((gaps - expected).abs() < expected * 0.2, "{gaps} gaps");
        assert!((share - 60.0 / 360.0).abs() < 0.04, "offline {share}");
    }

    #[test]
    fn a_chain_wider_than_the_square_closes_up() {
        let search = LineSearch::new(CENTER, 100.0, 10, 20.0);
        assert_eq!((search.spacing_m(), search.strips()), (10.0, 1));
    }

    #[test]
    fn with_a_speedup_the_walk_ends_now_and_no_fix_is_from_the_future() {
        let now = Utc::now();
        let clock = SimClock::new(10.0, 3600.0, now);
        assert_eq!(clock.time_at(3600.0), now + chrono::Duration::seconds(360));
        assert_eq!(clock.real_offset(3600.0), Duration::from_secs(360));
        for at in (0..=3600).step_by(7) {
            let at = at as f64;
            let produced = now + chrono::Duration::from_std(clock.real_offset(at)).unwrap();
            assert!(clock.time_at(at) <= produced + chrono::Duration::milliseconds(1), "at {at}");
        }
        // Without a duration the walk cannot start in the past: it goes at real speed.
        let endless = SimClock::new(10.0, 0.0, now);
        assert_eq!(endless.real_offset(60.0), Duration::from_secs(60));
        assert_eq!(endless.sim_seconds(Duration::from_secs(60)), 60.0);
    }

    #[tokio::test]
    async fn a_run_walks_every_token_and_ends_with_everything_acknowledged() {
        let server = StandIn::start(Arc::new(|_, message| answer_all(message))).await;
        let config = SimConfig {
            server: server.url.clone(),
            speedup: 200.0,
            duration_s: 240.0,
            gap_every_s: 60.0,
            gap_length_s: 20.0,
            report_every: Duration::from_millis(300),
            flush_timeout: Duration::from_secs(10),
            ..SimConfig::default()
        };
        let mut reports = 0;
        let tokens = vec!["dev_A".to_string(), "dev_B".to_string()];
        let summary = run_reporting(config, tokens, std::future::pending(), |_| reports += 1).await.unwrap();
        assert!(summary.flushed, "{summary}");
        let last = &summary.last;
        assert_eq!((last.volunteers, last.fixes_recorded, last.fixes_acked, last.fixes_pending), (2, 482, 482, 0));
        assert!(reports >= 1);
        let log = server.log.lock().unwrap();
        let hellos = log.iter().filter(|(_, m)| matches!(m, ClientMessage::Hello(_))).count();
        assert!(hellos > 2, "signal gaps make the phones reconnect ({hellos} hellos)");
    }
}
