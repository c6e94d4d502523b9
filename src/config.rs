//! One `Config` for the whole server, from command-line flags and `SWEEP_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Everything a `sweep` process can be configured with. Each flag also reads an environment
/// variable; the flag wins.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(long, env = "SWEEP_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Folder for the embedded PostgreSQL cluster (photos and everything else live in the database).
    #[arg(long, env = "SWEEP_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// PostgreSQL + PostGIS database to use instead of the embedded cluster,
    /// e.g. postgres://sweep:secret@db.example.org/sweep.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder with the PostgreSQL server binaries used for the embedded cluster.
    #[arg(long, env = "SWEEP_PG_BIN", default_value = "/usr/lib/postgresql/15/bin", global = true)]
    pub pg_bin: PathBuf,

    /// Optional second address serving the OsmAnd/Traccar protocol at its root (like
    /// Traccar's port 5055), e.g. 0.0.0.0:5055.
    #[arg(long, env = "SWEEP_OSMAND_LISTEN", global = true)]
    pub osmand_listen: Option<SocketAddr>,

    /// Address people use to reach this server (for links in e-mails and QR codes);
    /// defaults to http://LISTEN.
    #[arg(long, env = "SWEEP_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Log filter: error, warn, info, debug, trace, or a tracing directive such as `sweep=debug`.
    #[arg(long, env = "SWEEP_LOG", default_value = "info,sqlx=warn", global = true)]
    pub log_level: String,

    /// Log line format.
    #[arg(long, env = "SWEEP_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// SMTP relay for outgoing e-mail: smtps://host:465 (TLS), smtp://host:587?tls=required
    /// (STARTTLS), smtp://host:25 (plain, only on a trusted network), with optional
    /// user:password@ before the host.
    #[arg(long, env = "SWEEP_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender address of outgoing e-mail.
    #[arg(long, env = "SWEEP_SMTP_FROM", default_value = "Sweep <sweep@localhost>", global = true)]
    pub smtp_from: String,

    /// SMS gateway: the URL template, with `{to}`, `{text}` and `{id}` (percent-encoded), e.g.
    /// https://sms.example/send?to={to}&text={text}. Without it, call-outs have no SMS channel.
    #[arg(long, env = "SWEEP_SMS_URL", global = true, hide_env_values = true)]
    pub sms_url: Option<String>,

    /// SMS gateway: the HTTP method.
    #[arg(long, env = "SWEEP_SMS_METHOD", default_value = "POST", global = true)]
    pub sms_method: String,

    /// SMS gateway: one header sent with each request, e.g. "Authorization: Bearer abc".
    #[arg(long, env = "SWEEP_SMS_AUTH_HEADER", global = true, hide_env_values = true)]
    pub sms_auth_header: Option<String>,

    /// SMS gateway: the body's content type; decides how `{to}` and `{text}` are escaped in the
    /// body (JSON-escaped for JSON, percent-encoded for forms, as they are otherwise).
    #[arg(long, env = "SWEEP_SMS_CONTENT_TYPE", default_value = "application/json", global = true)]
    pub sms_content_type: String,

    /// SMS gateway: the body template, e.g. {"to":"{to}","message":"{text}"} (none: no body).
    #[arg(long, env = "SWEEP_SMS_BODY", global = true)]
    pub sms_body: Option<String>,

    /// SMS gateway: the response statuses that mean "accepted", e.g. 200-299 or 200,202.
    #[arg(long, env = "SWEEP_SMS_ACCEPT_STATUS", default_value = "200-299", global = true)]
    pub sms_accept_status: String,

    /// SMS gateway: a regular expression the response body must match too to mean "accepted".
    #[arg(long, env = "SWEEP_SMS_ACCEPT_BODY", global = true)]
    pub sms_accept_body: Option<String>,

    /// Most e-mails sent per minute (over every instance).
    #[arg(long, env = "SWEEP_EMAIL_PER_MINUTE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub email_per_minute: u32,

    /// Most e-mails sent per day (24 hours, over every instance).
    #[arg(long, env = "SWEEP_EMAIL_DAILY_CAP", default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=10_000_000), global = true)]
    pub email_daily_cap: u32,

    /// Most SMS sent per minute (over every instance).
    #[arg(long, env = "SWEEP_SMS_PER_MINUTE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub sms_per_minute: u32,

    /// Most SMS sent per day (24 hours, over every instance).
    #[arg(long, env = "SWEEP_SMS_DAILY_CAP", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000_000), global = true)]
    pub sms_daily_cap: u32,

    /// How often the outbox and call-out escalations are checked, milliseconds (new messages
    /// on this instance wake the senders at once).
    #[arg(long, env = "SWEEP_OUTBOX_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(50..=60_000), global = true)]
    pub outbox_poll_ms: u32,

    /// Where "hand the card to the ambulance" sends it (e-mail address).
    #[arg(long, env = "SWEEP_HANDOFF_AMBULANCE_EMAIL", global = true)]
    pub handoff_ambulance_email: Option<String>,

    /// Where "hand the card to the police" sends it (e-mail address).
    #[arg(long, env = "SWEEP_HANDOFF_POLICE_EMAIL", global = true)]
    pub handoff_police_email: Option<String>,

    /// The team's hotline, printed on flyers and hand-offs.
    #[arg(long, env = "SWEEP_HOTLINE", global = true)]
    pub hotline: Option<String>,

    /// Folder with the console and phone app (static files, with node_modules from `npm ci`).
    #[arg(long, env = "SWEEP_WEB_DIR", global = true)]
    pub web_dir: Option<PathBuf>,

    /// Raster tile URL template for the map, e.g. https://tiles.example.org/{z}/{x}/{y}.png.
    /// Without it the map shows its layers on a plain background.
    #[arg(long, env = "SWEEP_TILE_URL", global = true)]
    pub tile_url: Option<String>,

    /// Attribution shown for the tiles.
    #[arg(long, env = "SWEEP_TILE_ATTRIBUTION", global = true)]
    pub tile_attribution: Option<String>,

    /// Team name shown on the login page.
    #[arg(long, env = "SWEEP_TEAM_NAME", default_value = "Sweep", global = true)]
    pub team_name: String,

    /// Where the map opens when there is nothing to show: "lat,lon".
    #[arg(long, env = "SWEEP_MAP_CENTER", default_value = "55.7558,37.6173", value_parser = parse_lat_lon, global = true)]
    pub map_center: (f64, f64),

    /// A volunteer without a new fix for this many seconds shows as stale on the live map.
    #[arg(long, env = "SWEEP_STALE_AFTER_S", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub stale_after_s: u32,

    /// A volunteer without a new fix for this many seconds shows as offline; their next fix, or
    /// their opening the phone app, is announced to the dispatchers.
    #[arg(long, env = "SWEEP_OFFLINE_AFTER_S", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub offline_after_s: u32,

    /// How many minutes of each volunteer's track the live map gets when it opens.
    #[arg(long, env = "SWEEP_LIVE_TRACK_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1440), global = true)]
    pub live_track_minutes: u32,

    /// How often the field is checked for volunteers off their task and silent groups, seconds.
    #[arg(long, env = "SWEEP_FIELD_ALERT_CHECK_S", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3600), global = true)]
    pub field_alert_check_s: u32,

    /// How many live messages a console may fall behind (a slow connection) before it is told to
    /// reload (sixteen times as many position batches before it gets a fresh map snapshot).
    #[arg(long, env = "SWEEP_LIVE_BACKLOG", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000), global = true)]
    pub live_backlog: u32,

    /// How long a console session lasts, in hours (a duty shift is 24 hours).
    #[arg(long, env = "SWEEP_SESSION_HOURS", default_value_t = 26, global = true)]
    pub session_hours: u32,

    /// Largest request body accepted by the JSON API, in bytes.
    #[arg(long, env = "SWEEP_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Take the client address from X-Forwarded-For (only behind a reverse proxy you run).
    #[arg(long, env = "SWEEP_TRUST_PROXY", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub trust_proxy: bool,
}

impl Config {
    /// The configuration with every default, as `sweep serve` with no flags would have it.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        <Only as clap::Parser>::parse_from(["sweep"]).config
    }

    /// The channels this server can send on: the app always, e-mail with a relay, SMS with a
    /// gateway.
    pub fn channels(&self) -> Vec<&'static str> {
        let mut channels = vec!["app"];
        if self.smtp_url.is_some() {
            channels.push("email");
        }
        if self.sms_url.is_some() {
            channels.push("sms");
        }
        channels
    }

    /// The address people use to reach the server, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether cookies must be marked Secure (the public address is HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// The web folder: the flag, else `web/` next to the sources this binary was built from,
    /// else `./web`.
    pub fn web_dir(&self) -> PathBuf {
        if let Some(dir) = &self.web_dir {
            return dir.clone();
        }
        let built_from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web");
        if built_from.join("index.html").exists() {
            built_from
        } else {
            PathBuf::from("web")
        }
    }
}

fn parse_lat_lon(text: &str) -> Result<(f64, f64), String> {
    let (lat, lon) = text.split_once(',').ok_or_else(|| "expected \"lat,lon\", e.g. 55.75,37.62".to_string())?;
    let lat: f64 = lat.trim().parse().map_err(|_| format!("latitude {lat:?} is not a number"))?;
    let lon: f64 = lon.trim().parse().map_err(|_| format!("longitude {lon:?} is not a number"))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err("latitude must be within ±90 and longitude within ±180".into());
    }
    Ok((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_center_rejects_out_of_range_coordinates() {
        assert_eq!(parse_lat_lon("55.5, 37.25"), Ok((55.5, 37.25)));
        assert!(parse_lat_lon("95,10").is_err());
        assert!(parse_lat_lon("55.5").is_err());
    }

    #[test]
    fn public_url_defaults_to_the_listen_address() {
        let config = Config::defaults();
        assert_eq!(config.public_url(), "http://127.0.0.1:8080");
        assert!(!config.secure_cookies());
    }
}
