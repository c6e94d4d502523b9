//! The database: the connection pool, migrations, the PostGIS check and the embedded cluster.

pub mod embedded;

use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Config;
use embedded::EmbeddedCluster;

/// The oldest PostGIS Sweep runs on.
pub const MIN_POSTGIS: (u32, u32) = (3, 1);

/// The migrations under `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open database: the pool, and the embedded cluster behind it if there is one.
pub struct Database {
    /// Connections for the application.
    pub pool: PgPool,
    /// The embedded cluster, when no database URL was configured.
    pub cluster: Option<EmbeddedCluster>,
}

impl Database {
    /// Opens the configured database (starting the embedded cluster if no URL is set), checks
    /// PostGIS and applies pending migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (options, cluster) = match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            None => {
                let data_dir = config.data_dir.clone();
                let bin = config.pg_bin.clone();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&data_dir, &bin)).await??;
                cluster.bootstrap().await?;
                let options = cluster.connect_options(embedded::APP_DATABASE, embedded::APP_ROLE);
                (options, Some(cluster))
            }
        };
        let pool = connect(options).await?;
        check_postgis(&pool).await?;
        migrate(&pool).await?;
        Ok(Self { pool, cluster })
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            if cluster.started_here() {
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

/// Applies the migrations that have not run yet.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("while applying database migrations")?;
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
