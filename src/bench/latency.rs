//! `sweep bench latency`: the time from a phone sending a fix to a console receiving it on the
//! live map, with N phones sending one fix a second and M consoles watching the whole team.
//! Beside it, in the same run: the phone's own acknowledgement time (the floor: the fix is
//! committed before anyone is told), and a map that polls the database once a second (the way a
//! simple tracking page refreshes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{DateTime, Utc};
use futures::SinkExt;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::{
    connect_console, connect_phones, next_json, next_text, quantile, staff, volunteers, ServerProcess, Socket,
};
use crate::config::Config;
use crate::db::Database;

/// What `sweep bench latency` runs.
#[derive(clap::Args, Debug, Clone)]
pub struct LatencyArgs {
    /// Phones, each sending one fix a second.
    #[arg(long, default_value_t = 2000)]
    pub phones: usize,
    /// Consoles watching the team's live map.
    #[arg(long, default_value_t = 20)]
    pub consoles: usize,
    /// Seconds measured (after 5 s of warming up).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
}

/// Latencies collected, milliseconds.
#[derive(Default)]
struct Samples(Mutex<Vec<f64>>);

impl Samples {
    fn add(&self, values: &[f64]) {
        self.0.lock().expect("not poisoned").extend_from_slice(values);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut values = std::mem::take(&mut *self.0.lock().expect("not poisoned"));
        values.sort_by(f64::total_cmp);
        values
    }
}

/// Runs the latency benchmark and prints its figures.
pub async fn latency(db: &Database, config: &Config, args: LatencyArgs) -> anyhow::Result<()> {
    if args.phones == 0 || args.consoles == 0 || args.seconds == 0 {
        bail!("--phones, --consoles and --seconds must be at least 1");
    }
    let pool = db.pool.clone();
    println!("setting up {} volunteers and {} dispatchers…", args.phones, args.consoles);
    let volunteers = volunteers(&pool, args.phones).await?;
    let dispatchers = staff(&pool, "dispatcher", args.consoles).await?;
    let server = ServerProcess::start(db, config).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_idle = server.resident_mib();

    println!("connecting {} consoles and {} phones to {}…", args.consoles, args.phones, server.url);
    let mut consoles = Vec::new();
    for token in &dispatchers {
        let mut console = connect_console(&server, token).await?;
        let watch = serde_json::json!({ "type": "map.watch", "operation_id": null });
        console.send(Message::Text(watch.to_string().into())).await?;
        loop {
            if next_json(&mut console).await?["type"] == "map.snapshot" {
                break;
            }
        }
        consoles.push(console);
    }
    let tokens: Vec<&str> = volunteers.iter().map(|(_, t)| t.as_str()).collect();
    let phones = connect_phones(&server.ws_url(mobile_api::WEBSOCKET_PATH), &tokens).await?;

    let warm_until = Instant::now() + Duration::from_secs(5);
    let stop_at = warm_until + Duration::from_secs(args.seconds);
    let live = Arc::new(Samples::default());
    let acks = Arc::new(Samples::default());
    let polled = Arc::new(Samples::default());
    let lagged = Arc::new(std::sync::atomic::AtomicU64::new(0));
    println!("sending for {} s (5 s of warming up first)…", args.seconds);
    let console_tasks: Vec<_> = consoles
        .into_iter()
        .map(|console| {
            let (live, lagged) = (live.clone(), lagged.clone());
            tokio::spawn(async move { watch_map(console, warm_until, stop_at, &live, &lagged).await })
        })
        .collect();
    let phone_tasks: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, phone)| {
            let acks = acks.clone();
            let phones = args.phones;
            tokio::spawn(async move { send_every_second(phone, i, phones, warm_until, stop_at, &acks).await })
        })
        .collect();
    let poller = {
        let (pool, polled) = (pool.clone(), polled.clone());
        tokio::spawn(async move { poll_database(&pool, warm_until, stop_at, &polled).await })
    };
    let rss_sending = {
        tokio::time::sleep_until((warm_until + Duration::from_secs(args.seconds / 2)).into()).await;
        server.resident_mib()
    };
    let mut failures = 0;
    for task in phone_tasks.into_iter().chain(console_tasks).chain([poller]) {
        if let Err(error) = task.await? {
            failures += 1;
            if failures <= 3 {
                eprintln!("a phone or console failed: {error:#}");
            }
        }
    }
    let rss_peak = server.peak_mib();
    drop(server);

    let (live, acks, polled) = (live.sorted(), acks.sorted(), polled.sorted());
    let expected = args.phones as u64 * args.seconds * args.consoles as u64;
    let line = |values: &[f64]| {
        format!(
            "p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
            quantile(values, 0.5),
            quantile(values, 0.99),
            quantile(values, 1.0)
        )
    };
    println!();
    println!(
        "live latency: {} phones at 1 fix/s, {} consoles watching the team's map, {} s measured",
        args.phones, args.consoles, args.seconds
    );
    println!(
        "  sweep, phone → console (live channel)        {}   ({} deliveries of about {expected})",
        line(&live),
        live.len()
    );
    println!("  floor: phone → its acknowledgement (commit)  {}   ({} batches)", line(&acks), acks.len());
    println!(
        "  baseline: a map polling the database each 1 s {}   sweep's p99 is {:.1}× lower",
        line(&polled),
        quantile(&polled, 0.99) / quantile(&live, 0.99)
    );
    let mib = |m: Option<f64>| m.map_or("?".to_string(), |m| format!("{m:.0}"));
    println!(
        "  sweep serve's resident memory: {} MiB idle, {} MiB with {} phones sending and {} consoles, {} MiB at its peak",
        mib(rss_idle),
        mib(rss_sending),
        args.phones,
        args.consoles,
        mib(rss_peak)
    );
    let skipped = lagged.load(std::sync::atomic::Ordering::Relaxed);
    if skipped > 0 {
        println!("  consoles fell behind and got {skipped} fresh snapshots instead of positions");
    }
    if failures > 0 {
        bail!("{failures} phones or consoles failed (see above)");
    }
    Ok(())
}

/// A phone sending one fix a second, timed now; its acknowledgement times are collected.
async fn send_every_second(
    mut socket: Socket,
    index: usize,
    phones: usize,
    warm_until: Instant,
    stop_at: Instant,
    acks: &Samples,
) -> anyhow::Result<()> {
    // Spread over the second, as real phones are.
    let offset = Duration::from_micros((index as u64 * 1_000_000) / phones as u64);
    let mut tick = tokio::time::interval_at((Instant::now() + offset).into(), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent: HashMap<u64, Instant> = HashMap::new();
    let mut seq = 0u64;
    let mut mine = Vec::new();
    let lat = 56.0 + (index % 100) as f64 * 0.001;
    let lon = 37.0 + (index / 100) as f64 * 0.001;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if Instant::now() >= stop_at {
                    break;
                }
                seq += 1;
                let fix = serde_json::json!({ "time": Utc::now(), "lat": lat + seq as f64 * 1e-6, "lon": lon,
                                              "accuracy": 5.0, "speed": 1.2, "battery": 80.0 });
                let batch = serde_json::json!({ "type": "positions", "seq": seq, "fixes": [fix] });
                sent.insert(seq, Instant::now());
                socket.send(Message::Text(batch.to_string().into())).await?;
            }
            reply = next_json(&mut socket) => {
                let reply = reply?;
                match reply["type"].as_str() {
                    Some("ack") => {
                        let at = reply["seq"].as_u64().and_then(|s| sent.remove(&s));
                        if let Some(at) = at.filter(|at| *at >= warm_until) {
                            mine.push(at.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    Some("error") => bail!("the server refused a batch: {reply}"),
                    _ => {}
                }
            }
        }
    }
    // The last acknowledgements.
    let last = Instant::now() + Duration::from_secs(5);
    while !sent.is_empty() && Instant::now() < last {
        let Ok(reply) = tokio::time::timeout_at(last.into(), next_json(&mut socket)).await else { break };
        if let Some(at) = reply?["seq"].as_u64().and_then(|s| sent.remove(&s)) {
            if at >= warm_until {
                mine.push(at.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    acks.add(&mine);
    let _ = socket.close(None).await;
    Ok(())
}

#[derive(Deserialize)]
struct LiveMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    fixes: Vec<(f64, f64, f64, Option<f64>)>,
}

/// A console on the live map: for each `map.positions`, how long ago its fixes were sent (the
/// fix time is the moment the phone sent it, on this machine's clock).
async fn watch_map(
    mut socket: Socket,
    warm_until: Instant,
    stop_at: Instant,
    samples: &Samples,
    lagged: &std::sync::atomic::AtomicU64,
) -> anyhow::Result<()> {
    let mut mine = Vec::new();
    // Fixes sent after the warm-up count.
    let counted_from = Utc::now() + chrono::Duration::from_std(warm_until.saturating_duration_since(Instant::now()))?;
    let counted_from = counted_from.timestamp_micros() as f64 / 1e6;
    let until = stop_at + Duration::from_secs(2);
    loop {
        let Ok(text) = tokio::time::timeout_at(until.into(), next_text(&mut socket)).await else { break };
        let message: LiveMessage = serde_json::from_str(&text?)?;
        let now = Utc::now().timestamp_micros() as f64 / 1e6;
        match message.kind.as_str() {
            "map.positions" => {
                for (_, _, sent, _) in message.fixes {
                    if sent >= counted_from {
                        mine.push((now - sent) * 1000.0);
                    }
                }
            }
            "map.snapshot" => {
                lagged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            _ => {}
        }
    }
    samples.add(&mine);
    let _ = socket.close(None).await;
    Ok(())
}

/// The baseline: a map that asks the database for the latest positions once a second and
/// notes, for each position it sees first, how old it is.
async fn poll_database(
    pool: &sqlx::PgPool,
    warm_until: Instant,
    stop_at: Instant,
    samples: &Samples,
) -> anyhow::Result<()> {
    let mut seen: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut mine = Vec::new();
    while Instant::now() < stop_at {
        tick.tick().await;
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT volunteer_id, at FROM last_positions WHERE received_at > now() - interval '10 seconds'",
        )
        .fetch_all(pool)
        .await?;
        let now = Utc::now();
        for (volunteer, at) in rows {
            if seen.get(&volunteer).is_some_and(|before| *before >= at) {
                continue;
            }
            seen.insert(volunteer, at);
            if Instant::now() >= warm_until {
                mine.push((now - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
            }
        }
    }
    samples.add(&mine);
    Ok(())
}
