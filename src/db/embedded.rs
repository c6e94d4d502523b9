//! The embedded default database: a private PostgreSQL 15 + PostGIS cluster run from the
//! system's binaries in the data folder, reachable only through a Unix socket.
//!
//! `initdb` refuses to run as root, so when Sweep runs as root the server binaries run as the
//! `postgres` system user (through `runuser`). If that user cannot reach the data folder (a
//! checkout under `/root`, mode 0700), the cluster lives under `/var/lib/sweep/` and the data
//! folder holds a symbolic link to it.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use nix::unistd::{Uid, User};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

/// Database and role the application uses inside the embedded cluster.
pub const APP_DATABASE: &str = "sweep";
/// The application's role: owns its database, is not a superuser.
pub const APP_ROLE: &str = "sweep";
/// The cluster's superuser.
pub const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;
const INSTALL_HINT: &str = "install them with: sudo apt-get install postgresql-15 postgresql-15-postgis-3";

/// A running (or reused) embedded cluster.
#[derive(Debug)]
pub struct EmbeddedCluster {
    dir: PathBuf,
    socket_dir: PathBuf,
    bin: PathBuf,
    run_as: Option<User>,
    started_here: bool,
}

impl EmbeddedCluster {
    /// Starts the cluster in `<data_dir>/postgres`, creating it on first use; reuses one that
    /// is already running there.
    pub fn start(data_dir: &Path, bin: &Path) -> anyhow::Result<Self> {
        check_binaries(bin)?;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("while creating the data folder {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        let run_as = server_user(&data_dir)?;
        let dir = cluster_dir(&data_dir, run_as.as_ref())?;
        let socket_dir = socket_dir(&dir, run_as.as_ref())?;
        let mut cluster = Self { dir, socket_dir, bin: bin.to_path_buf(), run_as, started_here: false };
        if !cluster.dir.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        cluster.write_settings()?;
        if cluster.is_running() {
            tracing::info!(dir = %cluster.dir.display(), "reusing the embedded PostgreSQL that is already running");
        } else {
            cluster.pg_ctl_start()?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// The cluster's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this process started the server (and so should stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Connection options for `database` as `role`, over the cluster's socket.
    pub fn connect_options(&self, database: &str, role: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(role)
            .database(database)
            .ssl_mode(PgSslMode::Disable)
            .application_name("sweep")
    }

    /// A `postgres://` URL for `database` as `role` over the cluster's socket.
    pub fn url(&self, database: &str, role: &str) -> String {
        format!("postgres://{role}@localhost:{PORT}/{database}?host={}&sslmode=disable", self.socket_dir.display())
    }

    /// Creates the application role, its database and the PostGIS extension, if missing.
    pub async fn bootstrap(&self) -> anyhow::Result<()> {
        use sqlx::{Connection, PgConnection};
        let mut admin = PgConnection::connect_with(&self.connect_options("postgres", SUPERUSER))
            .await
            .context("while connecting to the embedded PostgreSQL as its superuser")?;
        let role_exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(APP_ROLE)
            .fetch_one(&mut admin)
            .await?;
        if !role_exists {
            sqlx::query(&format!("CREATE ROLE {APP_ROLE} LOGIN")).execute(&mut admin).await?;
        }
        create_database(&mut admin, APP_DATABASE, APP_ROLE, None).await?;
        admin.close().await?;
        let mut in_app_db = PgConnection::connect_with(&self.connect_options(APP_DATABASE, SUPERUSER)).await?;
        create_postgis(&mut in_app_db).await?;
        in_app_db.close().await?;
        Ok(())
    }

    /// Stops the server (fast shutdown: open transactions are rolled back, committed data stays).
    pub fn stop(&self) -> anyhow::Result<()> {
        let status = self.command("pg_ctl").args(["stop", "-s", "-w", "-m", "fast", "-D"]).arg(&self.dir).status()?;
        if !status.success() && self.is_running() {
            bail!("pg_ctl could not stop the embedded PostgreSQL in {}", self.dir.display());
        }
        Ok(())
    }

    /// Stops the cluster, and removes its folder if `remove` is set, once process `pid` has
    /// exited, however it exits. Test harnesses use this so no server outlives them.
    pub fn stop_when_process_exits(&self, pid: u32, remove: Option<&Path>) -> anyhow::Result<()> {
        let pg_ctl = self.bin.join("pg_ctl");
        let prefix = match &self.run_as {
            Some(user) => format!("runuser -u {} -- ", user.name),
            None => String::new(),
        };
        let remove = remove.map(|p| format!("; rm -rf '{}'", p.display())).unwrap_or_default();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {prefix}'{}' stop -s -m immediate -D '{}' >/dev/null 2>&1{remove}",
            pg_ctl.display(),
            self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("while starting the cluster's watchdog")?;
        Ok(())
    }

    fn is_running(&self) -> bool {
        self.command("pg_ctl")
            .args(["status", "-D"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn init(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.dir.display(), "creating the embedded PostgreSQL cluster");
        let output = self
            .command("initdb")
            .args(["-D"])
            .arg(&self.dir)
            .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
            .output()
            .context("while running initdb")?;
        if !output.status.success() {
            bail!("initdb failed in {}: {}", self.dir.display(), String::from_utf8_lossy(&output.stderr).trim());
        }
        Ok(())
    }

    /// Our settings live in their own file, included from postgresql.conf, and are rewritten at
    /// every start so a moved folder or a new socket path takes effect.
    fn write_settings(&self) -> anyhow::Result<()> {
        let settings = format!(
            "# Written by sweep at every start; edit postgresql.conf for your own settings.\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n\
             port = {PORT}\n\
             max_connections = 300\n\
             shared_buffers = 256MB\n\
             logging_collector = off\n\
             log_min_messages = warning\n",
            self.socket_dir.display()
        );
        let path = self.dir.join("sweep.conf");
        self.write_as_owner(&path, &settings)?;
        let main_conf = self.dir.join("postgresql.conf");
        let text =
            std::fs::read_to_string(&main_conf).with_context(|| format!("while reading {}", main_conf.display()))?;
        if !text.contains("include_if_exists = 'sweep.conf'") {
            self.write_as_owner(&main_conf, &format!("{text}\ninclude_if_exists = 'sweep.conf'\n"))?;
        }
        Ok(())
    }

    fn write_as_owner(&self, path: &Path, text: &str) -> anyhow::Result<()> {
        std::fs::write(path, text).with_context(|| format!("while writing {}", path.display()))?;
        if let Some(user) = &self.run_as {
            nix::unistd::chown(path, Some(user.uid), Some(user.gid))?;
        }
        Ok(())
    }

    fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let log = self.dir.join("server.log");
        let output = self
            .command("pg_ctl")
            .args(["start", "-s", "-w", "-t", "120", "-D"])
            .arg(&self.dir)
            .arg("-l")
            .arg(&log)
            .output()
            .context("while running pg_ctl start")?;
        if !output.status.success() {
            // Another sweep process may have started it a moment ago.
            if self.is_running() {
                return Ok(());
            }
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "the embedded PostgreSQL did not start in {}: {}\n{}",
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr).trim(),
                tail.join("\n")
            );
        }
        tracing::info!(dir = %self.dir.display(), "embedded PostgreSQL started");
        Ok(())
    }

    /// A command for one of the server binaries, as the right system user, in its own process
    /// group so a Ctrl-C in the terminal reaches `sweep` (which then stops the cluster) and not
    /// the database directly.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", &user.name, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        command.current_dir("/").stdin(Stdio::null()).process_group(0).env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
        command
    }
}

/// Whom the database server runs as: as root, the owner of an existing cluster (a normal user
/// may have made it) or else `postgres`; as a normal user, that user, who must own the cluster.
fn server_user(data_dir: &Path) -> anyhow::Result<Option<User>> {
    // The folder itself: a file inside it cannot be looked at by anyone but its owner.
    let existing_owner =
        std::fs::metadata(data_dir.join("postgres")).ok().map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    let me = Uid::effective();
    if !me.is_root() {
        if let Some(owner) = existing_owner.filter(|owner| *owner != me.as_raw()) {
            let name = User::from_uid(Uid::from_raw(owner))?.map(|u| u.name).unwrap_or_else(|| owner.to_string());
            bail!(
                "the database in {} belongs to the user {name}: run sweep as {name} or as root, or use another --data-dir",
                data_dir.display()
            );
        }
        return Ok(None);
    }
    if let Some(owner) = existing_owner.filter(|owner| *owner != 0) {
        return Ok(User::from_uid(Uid::from_raw(owner))?);
    }
    Ok(Some(User::from_name("postgres")?.context(
        "running as root, the embedded PostgreSQL must run as the system user `postgres`, which does not exist; \
         install the Debian package postgresql-15 (it creates that user)",
    )?))
}

/// Held by a serving `sweep` for its lifetime: one server per data folder, and commands run
/// meanwhile leave the cluster running.
pub struct ServerClaim {
    _lock: nix::fcntl::Flock<std::fs::File>,
}

const SERVER_LOCK: &str = "sweep-serve.lock";

/// Claims the data folder for a serving process; fails if another one holds it.
pub fn claim_for_server(data_dir: &Path) -> anyhow::Result<ServerClaim> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("while creating the data folder {}", data_dir.display()))?;
    let path = data_dir.join(SERVER_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("while opening the server lock {}", path.display()))?;
    match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(ServerClaim { _lock: lock }),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => bail!(
            "another `sweep serve` already uses the data folder {}; several servers share one database through \
             DATABASE_URL (see docs/operations.md)",
            data_dir.display()
        ),
        Err((_, errno)) => Err(anyhow::Error::new(errno).context(format!("while locking {}", path.display()))),
    }
}

/// Whether a serving process holds the data folder.
pub fn server_is_running(data_dir: &Path) -> bool {
    let Ok(file) = std::fs::File::open(data_dir.join(SERVER_LOCK)) else { return false };
    matches!(
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockSharedNonblock),
        Err((_, nix::errno::Errno::EWOULDBLOCK))
    )
}

/// Creates `name` if it does not exist (owned by the superuser, `user` may connect),
/// optionally from a template.
pub async fn create_database(
    admin: &mut sqlx::PgConnection,
    name: &str,
    user: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut *admin)
        .await?;
    if !exists {
        // The superuser owns the database and so its `public` schema: a schema's owner may drop
        // any table in it, and the application's role must not be able to drop the audit log.
        let template = template.map(|t| format!(" TEMPLATE \"{t}\"")).unwrap_or_default();
        sqlx::query(&format!("CREATE DATABASE \"{name}\" OWNER \"{SUPERUSER}\"{template}"))
            .execute(&mut *admin)
            .await?;
        sqlx::query(&format!("GRANT CONNECT, TEMPORARY ON DATABASE \"{name}\" TO \"{user}\""))
            .execute(&mut *admin)
            .await?;
    }
    Ok(())
}

/// Creates the PostGIS extension in the connected database (needs a superuser).
pub async fn create_postgis(conn: &mut sqlx::PgConnection) -> anyhow::Result<()> {
    sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(&mut *conn).await.context(
        "while creating the PostGIS extension; if it is not installed: sudo apt-get install postgresql-15-postgis-3",
    )?;
    Ok(())
}

fn check_binaries(bin: &Path) -> anyhow::Result<()> {
    for program in ["initdb", "pg_ctl", "postgres"] {
        if !bin.join(program).exists() {
            bail!(
                "PostgreSQL 15 server programs were not found in {} (no {program}); {INSTALL_HINT}; \
                 or set DATABASE_URL to use an existing PostgreSQL + PostGIS database",
                bin.display()
            );
        }
    }
    let sharedir = Command::new(bin.join("pg_config")).arg("--sharedir").output().ok().filter(|o| o.status.success());
    let sharedir = match sharedir {
        Some(out) => PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
        None => PathBuf::from("/usr/share/postgresql/15"),
    };
    if !sharedir.join("extension/postgis.control").exists() {
        bail!(
            "PostGIS is not installed for the PostgreSQL in {} (no {}); {INSTALL_HINT}",
            bin.display(),
            sharedir.join("extension/postgis.control").display()
        );
    }
    Ok(())
}

/// The cluster folder: `<data>/postgres`, or, when the `postgres` user cannot reach the data
/// folder, a folder under `/var/lib/sweep` linked from `<data>/postgres`.
fn cluster_dir(data_dir: &Path, run_as: Option<&User>) -> anyhow::Result<PathBuf> {
    let link = data_dir.join("postgres");
    let Some(user) = run_as else {
        create_private_dir(&link, None)?;
        return Ok(link);
    };
    if link.is_symlink() {
        let target = std::fs::read_link(&link)?;
        create_private_dir(&target, Some(user))?;
        return Ok(target);
    }
    if user_can_enter(user, data_dir) {
        create_private_dir(&link, Some(user))?;
        return Ok(link);
    }
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    let target = PathBuf::from("/var/lib/sweep").join(format!("postgres-{}", &hex::encode(digest)[..16]));
    tracing::warn!(
        data_dir = %data_dir.display(),
        cluster = %target.display(),
        "the postgres user cannot reach the data folder; keeping the cluster in /var/lib/sweep, linked from the data folder"
    );
    std::fs::create_dir_all("/var/lib/sweep")?;
    create_private_dir(&target, Some(user))?;
    symlink(&target, &link).with_context(|| format!("while linking {} to {}", link.display(), target.display()))?;
    Ok(target)
}

/// The socket folder: the cluster folder when its path is short enough for a Unix socket
/// address (108 bytes), else a private folder under /tmp.
fn socket_dir(cluster_dir: &Path, run_as: Option<&User>) -> anyhow::Result<PathBuf> {
    if cluster_dir.as_os_str().len() + "/.s.PGSQL.5432.lock".len() < 100 {
        return Ok(cluster_dir.to_path_buf());
    }
    let digest = Sha256::digest(cluster_dir.as_os_str().as_encoded_bytes());
    let dir = PathBuf::from(format!("/tmp/sweep-pg-{}", &hex::encode(digest)[..16]));
    create_private_dir(&dir, run_as)?;
    Ok(dir)
}

fn create_private_dir(dir: &Path, owner: Option<&User>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("while creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    if let Some(user) = owner {
        nix::unistd::chown(dir, Some(user.uid), Some(user.gid))
            .with_context(|| format!("while giving {} to the postgres user", dir.display()))?;
    }
    Ok(())
}

fn user_can_enter(user: &User, dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", &user.name, "--", "test", "-x"])
        .arg(dir)
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}
