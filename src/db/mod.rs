//! The database: the connection pool, migrations, the PostGIS check and the embedded cluster.

pub mod embedded;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Config;
use embedded::{EmbeddedCluster, ServerClaim};

/// The oldest PostGIS Sweep runs on.
pub const MIN_POSTGIS: (u32, u32) = (3, 1);

/// Tables that only ever grow: history that must not be rewritten.
pub const APPEND_ONLY: [&str; 3] = ["audit_log", "journal_entries", "case_transitions"];

/// The migrations under `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open database: the pool, and the embedded cluster behind it if there is one.
pub struct Database {
    /// Connections for the application.
    pub pool: PgPool,
    /// The embedded cluster, when no database URL was configured.
    pub cluster: Option<EmbeddedCluster>,
    data_dir: PathBuf,
    server_claim: Option<ServerClaim>,
}

/// What a process opens the database for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A server: it claims the embedded cluster (adopting one a killed server left running)
    /// and stops it when it stops.
    Server,
    /// A one-off command: it stops the cluster afterwards only if it started it and no server
    /// is using it.
    Command,
}

impl Database {
    /// Opens the configured database (starting the embedded cluster if no URL is set), checks
    /// PostGIS and applies pending migrations.
    pub async fn open(config: &Config, usage: Usage) -> anyhow::Result<Self> {
        let data_dir = config.data_dir.clone();
        let mut server_claim = None;
        let (options, cluster) = match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            None => {
                if usage == Usage::Server {
                    server_claim = Some(embedded::claim_for_server(&data_dir)?);
                }
                let bin = config.pg_bin.clone();
                let dir = data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir, &bin)).await??;
                cluster.bootstrap().await?;
                // The schema belongs to the superuser; the application's role only gets grants.
                let owner = connect(cluster.connect_options(embedded::APP_DATABASE, embedded::SUPERUSER)).await?;
                let prepared = prepare(&owner, Some(embedded::APP_ROLE)).await;
                owner.close().await;
                prepared?;
                let options = cluster.connect_options(embedded::APP_DATABASE, embedded::APP_ROLE);
                (options, Some(cluster))
            }
        };
        let pool = connect(options).await?;
        if cluster.is_none() {
            prepare(&pool, None).await?;
        }
        Ok(Self { pool, cluster, data_dir, server_claim })
    }

    /// Closes the pool and stops the embedded cluster when it is this process's to stop.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            let ours =
                self.server_claim.is_some() || (cluster.started_here() && !embedded::server_is_running(&self.data_dir));
            if ours {
                match tokio::task::spawn_blocking(move || cluster.stop()).await {
                    Ok(Ok(())) => tracing::info!("embedded PostgreSQL stopped"),
                    Ok(Err(error)) => tracing::error!(?error, "could not stop the embedded PostgreSQL"),
                    Err(error) => tracing::error!(?error, "could not stop the embedded PostgreSQL"),
                }
            }
        }
    }
}

/// A pool for the application with sensible timeouts.
pub async fn connect(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    // Dates cast from timestamps (statistics by day, case numbers by year) are UTC days,
    // whatever time zone the database server was set up with.
    // JIT compilation pays off for long analytical queries, not ours: measured on the live map's
    // snapshot of 500 volunteers, it spent 420 ms compiling a query that runs in 300 ms.
    let options = options.options([("timezone", "UTC"), ("jit", "off")]);
    // One plain connection first: a pool that cannot connect only says it timed out, while
    // this says why (refused, unknown host, wrong password).
    use sqlx::Connection;
    let probe = tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect_with(&options)).await;
    match probe {
        Ok(Ok(connection)) => connection.close().await?,
        Ok(Err(error)) => anyhow::bail!("cannot connect to PostgreSQL: {error}"),
        Err(_) => anyhow::bail!("cannot connect to PostgreSQL: no answer within 10 seconds"),
    }
    PgPoolOptions::new()
        .max_connections(20)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .context("while connecting to PostgreSQL")
}

/// Refuses to run on a database without PostGIS, or with one older than [`MIN_POSTGIS`].
pub async fn check_postgis(pool: &PgPool) -> anyhow::Result<()> {
    let installed: Option<String> = sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        .fetch_optional(pool)
        .await?;
    if installed.is_none() {
        let available: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')")
                .fetch_one(pool)
                .await?;
        if !available {
            bail!(
                "PostGIS is not installed on the database server; on Debian install postgresql-15-postgis-3 \
                 (or the package for your PostgreSQL version), then run CREATE EXTENSION postgis in the database"
            );
        }
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(pool).await.context(
            "PostGIS is available but not enabled in this database, and this role may not enable it: \
             ask a superuser to run CREATE EXTENSION postgis in it",
        )?;
    }
    let version: String = sqlx::query_scalar("SELECT postgis_lib_version()").fetch_one(pool).await?;
    if !version_at_least(&version, MIN_POSTGIS) {
        bail!(
            "PostGIS {version} is too old: Sweep needs {}.{} or newer (Debian 12: postgresql-15-postgis-3)",
            MIN_POSTGIS.0,
            MIN_POSTGIS.1
        );
    }
    Ok(())
}

/// Checks PostGIS and applies pending migrations as the schema's owner; then, if the
/// application connects as another role, grants it what it needs and no more: no UPDATE,
/// DELETE or TRUNCATE on the [`APPEND_ONLY`] tables, and, owning nothing, no way to grant itself those.
pub async fn prepare(owner: &PgPool, app_role: Option<&str>) -> anyhow::Result<()> {
    check_postgis(owner).await?;
    migrate(owner).await?;
    if let Some(role) = app_role {
        let role = format!("\"{}\"", role.replace('"', "\"\""));
        for statement in [
            format!("GRANT USAGE ON SCHEMA public TO {role}"),
            format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
            format!("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"),
            format!("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {role}", APPEND_ONLY.join(", ")),
            format!("REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations, spatial_ref_sys FROM {role}"),
        ] {
            sqlx::query(&statement).execute(owner).await.with_context(|| format!("while running {statement}"))?;
        }
    }
    Ok(())
}

/// Applies the migrations that have not run yet. When none is pending nothing is touched, so
/// a role that may not create tables (the schema has another owner) still starts.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    let pending =
        MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()).any(|m| !applied.contains(&m.version));
    if !pending {
        return Ok(());
    }
    MIGRATOR.run(pool).await.context(
        "while applying database migrations (they need a role that owns the schema; see docs/operations.md)",
    )?;
    Ok(())
}

fn version_at_least(version: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = version.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty());
    let got_major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let got_minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (got_major, got_minor) >= (major, minor)
}

#[cfg(test)]
mod tests {
    use super::version_at_least;

    #[test]
    fn postgis_versions_are_compared_by_number() {
        assert!(version_at_least("3.3.2", (3, 1)));
        assert!(version_at_least("3.10.0dev", (3, 1)));
        assert!(version_at_least("4.0", (3, 1)));
        assert!(!version_at_least("3.0.5", (3, 1)));
        assert!(!version_at_least("2.5.8", (3, 1)));
    }
}
