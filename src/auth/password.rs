//! Password hashing with argon2id, off the async threads.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 8;
/// Longest password accepted (argon2 does not need more, and it bounds the work).
pub const MAX_LENGTH: usize = 256;

/// Checks a new password's length; says what is wrong.
pub fn check_new(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(ApiError::invalid_field(
            "password",
            format!("the password must have at least {MIN_LENGTH} characters"),
        ));
    }
    if chars > MAX_LENGTH {
        return Err(ApiError::invalid_field(
            "password",
            format!("the password must have at most {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Argon2 takes ~19 MiB and a core for a few tens of milliseconds: at most this many run at
/// once, the rest wait, so a flood of logins cannot exhaust memory.
const AT_ONCE: usize = 4;

async fn permit() -> tokio::sync::SemaphorePermit<'static> {
    static GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);
    GATE.acquire().await.expect("the semaphore is never closed")
}

/// The argon2id PHC string of `password`.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = permit().await;
    tokio::task::spawn_blocking(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches `phc`. With no stored hash the work is still done against a
/// dummy one, so a login that does not exist takes as long as a wrong password.
pub async fn verify(password: String, phc: Option<String>) -> anyhow::Result<bool> {
    let _permit = permit().await;
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| dummy_hash().to_string());
        let parsed =
            PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("{e}")).context("a stored password hash is corrupt")?;
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("not a password anyone has").expect("hashing a constant works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let phc = hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(phc.clone())).await.unwrap());
        assert!(!verify("wrong horse".into(), Some(phc)).await.unwrap());
        assert!(!verify("not a password anyone has".into(), None).await.unwrap());
    }

    #[test]
    fn short_and_long_passwords_are_refused() {
        assert!(check_new("1234567").is_err());
        assert!(check_new("12345678").is_ok());
        assert!(check_new(&"x".repeat(MAX_LENGTH + 1)).is_err());
    }
}
