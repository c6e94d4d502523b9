//! Login throttling against password guessing, kept in the database so every instance agrees.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Failed attempts on one login, since its last success, before it is locked for a while.
pub const MAX_FAILURES_PER_LOGIN: i64 = 5;
/// Failed attempts from one address before it is locked for a while.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// How long failures count.
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// Seconds to wait before another attempt is allowed, or `None` if one is allowed now. The
/// attempt being made has been recorded already ([`begin`]) and is counted.
pub async fn retry_after(db: &PgPool, login: &str, address: Option<IpAddr>) -> sqlx::Result<Option<u64>> {
    let by_login: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT min(at) FROM (
             SELECT at FROM login_attempts
             WHERE lower(login) = lower($1) AND NOT succeeded
               AND at > now() - make_interval(secs => $2)
               AND at > coalesce((SELECT max(at) FROM login_attempts WHERE lower(login) = lower($1) AND succeeded), '-infinity')
             ORDER BY at DESC LIMIT $3) recent
         HAVING count(*) >= $3",
    )
    .bind(login)
    .bind(WINDOW_SECONDS as f64)
    .bind(MAX_FAILURES_PER_LOGIN + 1)
    .fetch_optional(db)
    .await?
    .flatten();
    let by_address: Option<DateTime<Utc>> = match address {
        None => None,
        Some(address) => sqlx::query_scalar(
            "SELECT min(at) FROM (
                 SELECT at FROM login_attempts
                 WHERE address = $1::inet AND NOT succeeded AND at > now() - make_interval(secs => $2)
                 ORDER BY at DESC LIMIT $3) recent
             HAVING count(*) >= $3",
        )
        .bind(address.to_string())
        .bind(WINDOW_SECONDS as f64)
        .bind(MAX_FAILURES_PER_ADDRESS + 1)
        .fetch_optional(db)
        .await?
        .flatten(),
    };
    // Locked until the oldest of the counted failures leaves the window.
    let oldest = [by_login, by_address].into_iter().flatten().max();
    Ok(oldest.map(|at| {
        let free_at = at + chrono::Duration::seconds(WINDOW_SECONDS);
        (free_at - Utc::now()).num_seconds().max(1) as u64
    }))
}

/// Records an attempt as failed before the password is checked, so that concurrent guesses
/// all count; returns its id for [`succeeded`].
pub async fn begin(db: &PgPool, login: &str, address: Option<IpAddr>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO login_attempts (login, address, succeeded) VALUES ($1, $2::inet, false) RETURNING id",
    )
    .bind(login)
    .bind(address.map(|a| a.to_string()))
    .fetch_one(db)
    .await
}

/// Marks an attempt begun with [`begin`] as a success.
pub async fn succeeded(db: &PgPool, attempt: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_attempts SET succeeded = true WHERE id = $1").bind(attempt).execute(db).await?;
    Ok(())
}
