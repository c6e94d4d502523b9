//! The `sweep` command: its subcommands and what each does.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use crate::audit::Actor;
use crate::auth::Role;
use crate::config::{Config, LogFormat};
use crate::db::{Database, Usage};
use crate::users::{accounts, AccountChange, NewAccount};
use crate::AppState;

/// Sweep: dispatch and volunteer coordination for search-and-rescue teams.
///
/// With no DATABASE_URL, Sweep runs its own PostgreSQL + PostGIS cluster in the data folder
/// (Debian packages postgresql-15 and postgresql-15-postgis-3 must be installed).
#[derive(Parser, Debug)]
#[command(name = "sweep", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run the server with a demo data set: a forest search with an area, volunteers and a card.
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inspect the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Measure Sweep against baselines on this machine (use a database of its own).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// Benchmarks.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Fixes per second from many phones, against one INSERT per fix and against COPY.
    Ingest(crate::bench::IngestArgs),
    /// Phone → console time on the live map, against the acknowledgement and a polling map.
    Latency(crate::bench::LatencyArgs),
    /// Coverage of a large operation (full and incremental) against the straightforward query,
    /// and a console's start on it.
    Coverage(crate::bench::CoverageArgs),
}

/// Account subcommands.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        /// Login name.
        login: String,
        /// Role: admin, dispatcher, coordinator, volunteer or police_liaison.
        #[arg(long, value_enum)]
        role: Role,
        /// Name shown to others (default: the login).
        #[arg(long)]
        name: Option<String>,
        /// Interface language, ru or en.
        #[arg(long, default_value = "ru")]
        language: String,
        /// A police liaison's police unit (cases are shared with units).
        #[arg(long)]
        police_unit: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account: it can no longer log in, its sessions end and its API tokens are revoked.
    Disable {
        /// Login name.
        login: String,
        /// Why (kept with the account and in the audit log).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login name.
        login: String,
    },
    /// Set an account's password, read from standard input; its sessions end.
    Passwd {
        /// Login name.
        login: String,
    },
}

/// Audit subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; exits with status 1 and names the first broken row if
    /// it was altered.
    Verify,
}

/// Sets up logging as configured.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| {
        eprintln!("sweep: log level {:?} is not valid; using info,sqlx=warn", config.log_level);
        tracing_subscriber::EnvFilter::new("info,sqlx=warn")
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let config = cli.config;
    match cli.command {
        Command::Serve => serve(config, false).await.map(|_| 0),
        Command::Demo => serve(config, true).await.map(|_| 0),
        Command::Migrate => {
            let db = Database::open(&config, Usage::Command).await?;
            println!("migrations applied");
            db.close().await;
            Ok(0)
        }
        Command::User { command } => with_database(&config, |db| Box::pin(user(db, command))).await,
        Command::Audit { command: AuditCommand::Verify } => {
            with_database(&config, |db| Box::pin(audit_verify(db))).await
        }
        Command::Bench { command } => {
            use crate::bench::{coverage, ingest, latency, on_database};
            match command {
                BenchCommand::Ingest(args) => {
                    on_database(&config, async |db| ingest::ingest(db, &config, args).await).await
                }
                BenchCommand::Latency(args) => {
                    on_database(&config, async |db| latency::latency(db, &config, args).await).await
                }
                BenchCommand::Coverage(args) => {
                    on_database(&config, async |db| coverage::coverage(db, &config, args).await).await
                }
            }?;
            Ok(0)
        }
    }
}

type Job<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<i32>> + Send + 'a>>;

async fn with_database(config: &Config, job: impl for<'a> FnOnce(&'a sqlx::PgPool) -> Job<'a>) -> anyhow::Result<i32> {
    let db = Database::open(config, Usage::Command).await?;
    let result = job(&db.pool).await;
    db.close().await;
    result
}

/// Every phone and console is a socket: a team's server needs more than the usual 1024
/// descriptors, so the soft limit is raised to the hard one.
pub fn raise_file_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    raise_file_limit();
    if config.stale_after_s >= config.offline_after_s {
        bail!(
            "--stale-after-s ({}) must be shorter than --offline-after-s ({}): a volunteer is stale before offline",
            config.stale_after_s,
            config.offline_after_s
        );
    }
    let db = Database::open(&config, Usage::Server).await?;
    if demo {
        crate::demo::seed(&db.pool).await.context("while loading the demo data")?;
    }
    let web_dir = config.web_dir();
    if !web_dir.join("node_modules/leaflet/dist/leaflet.js").exists() {
        tracing::warn!(web_dir = %web_dir.display(), "Leaflet is missing: run `npm ci` in the web folder, or the map will not load");
    }
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            db.close().await;
            bail!("cannot listen on {}: {error} (set --listen or SWEEP_LISTEN)", config.listen);
        }
    };
    let mut config = config;
    if config.public_url.is_none() {
        // The real port, when asked to listen on port 0.
        config.public_url = Some(format!("http://{}", listener.local_addr()?));
    }
    let url = config.public_url();
    let state = AppState::new(db.pool.clone(), config);
    tracing::info!(%url, "sweep is listening");
    println!("Sweep is running at {url}");
    if demo {
        crate::demo::print_logins();
    }
    // Whoever reads our output (a terminal, a pipe in a test) sees this now, not at exit.
    std::io::Write::flush(&mut std::io::stdout())?;
    if let Some(address) = state.config.osmand_listen {
        let osmand = match TcpListener::bind(address).await {
            Ok(listener) => listener,
            Err(error) => {
                db.close().await;
                bail!("cannot listen on {address} for OsmAnd: {error} (set --osmand-listen or SWEEP_OSMAND_LISTEN)");
            }
        };
        tracing::info!(%address, "OsmAnd protocol listening");
        let mut stopping = state.shutdown.subscribe();
        let app = crate::tracking::osmand_root(state.clone());
        tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(osmand, service)
                .with_graceful_shutdown(async move {
                    let _ = stopping.changed().await;
                })
                .await;
        });
    }
    if demo {
        // The walkers speak to this server like phones do, over its loopback address.
        let mut address = listener.local_addr()?;
        if address.ip().is_unspecified() {
            address.set_ip(if address.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let (pool, mut stopping) = (db.pool.clone(), state.shutdown.subscribe());
        tokio::spawn(async move {
            let stop = async move {
                let _ = stopping.changed().await;
            };
            if let Err(error) = crate::demo::walk(&pool, format!("http://{address}"), stop).await {
                tracing::warn!(%error, "the demo volunteers stopped walking");
            }
        });
    }
    let result = crate::serve(listener, state, shutdown_signal()).await;
    tracing::info!("server stopped; closing the database");
    db.close().await;
    result.context("while serving")
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("installing a SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
}

async fn user(db: &sqlx::PgPool, command: UserCommand) -> anyhow::Result<i32> {
    let actor = Actor::cli();
    match command {
        UserCommand::Add { login, role, name, language, police_unit } => {
            let password = read_password(&format!("Password for {login}: "))?;
            let new = NewAccount {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                role,
                password: Some(password),
                language,
                police_unit,
            };
            let account = accounts::create(db, new, &actor, None).await.map_err(explain)?;
            println!("created {} ({}) with id {}", account.login, account.role, account.id);
        }
        UserCommand::List => {
            println!("{:<24} {:<15} {:<9} NAME", "LOGIN", "ROLE", "STATE");
            for account in accounts::list(db).await? {
                let state = if account.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{:<24} {:<15} {:<9} {}", account.login, account.role.as_str(), state, account.display_name);
            }
        }
        UserCommand::Disable { login, reason } => {
            let id = find_id(db, &login).await?;
            let change = AccountChange { disabled: Some(true), disabled_reason: reason, ..Default::default() };
            accounts::update(db, id, change, &actor, None).await.map_err(explain)?;
            println!("disabled {login}");
        }
        UserCommand::Enable { login } => {
            let id = find_id(db, &login).await?;
            accounts::update(db, id, AccountChange { disabled: Some(false), ..Default::default() }, &actor, None)
                .await
                .map_err(explain)?;
            println!("enabled {login}");
        }
        UserCommand::Passwd { login } => {
            let id = find_id(db, &login).await?;
            let password = read_password(&format!("New password for {login}: "))?;
            accounts::set_password(db, id, password, None, &actor, None).await.map_err(explain)?;
            println!("password of {login} changed; their sessions were ended");
        }
    }
    Ok(0)
}

async fn find_id(db: &sqlx::PgPool, login: &str) -> anyhow::Result<uuid::Uuid> {
    accounts::find_by_login(db, login).await?.map(|a| a.id).with_context(|| format!("there is no account {login:?}"))
}

fn explain(error: crate::error::ApiError) -> anyhow::Error {
    match error.source {
        Some(source) => source,
        None => anyhow::anyhow!("{}", error.message),
    }
}

/// Reads a password: twice without echo at a terminal, else the first line of standard input.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("while reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password on standard input (pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | sweep user add ...`)");
    }
    Ok(password)
}

async fn audit_verify(db: &sqlx::PgPool) -> anyhow::Result<i32> {
    let report = crate::audit::verify(db).await?;
    match (&report.first_broken, &report.head) {
        (Some(broken), _) => {
            println!("BROKEN: the audit log was tampered with at row {}: {}", broken.id, broken.problem);
            println!("{} rows checked", report.rows);
            Ok(1)
        }
        (None, Some(head)) => {
            println!("intact: {} rows, chain head row {} hash {}", report.rows, head.id, head.hash);
            Ok(0)
        }
        (None, None) => {
            println!("intact: the audit log is empty");
            Ok(0)
        }
    }
}
