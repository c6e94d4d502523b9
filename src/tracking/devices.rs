//! Devices: a volunteer's phone or tracker app, known by a token a dispatcher issues.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::secret::{hash_secret, new_secret};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};

/// Prefix of every device token.
pub const TOKEN_PREFIX: &str = "dev_";

/// A device as listed (never with its token).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Device {
    /// Device id.
    pub id: Uuid,
    /// Whose it is.
    pub user_id: Uuid,
    /// Their name.
    pub user_name: String,
    /// What it is ("Ilya's phone", "Garmin").
    pub label: String,
    /// The token's first characters.
    pub prefix: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it last connected or sent a fix.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A request for a device token.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// For whom (default: the caller).
    pub user_id: Option<Uuid>,
    /// What it is.
    pub label: String,
}

/// A device just issued: the only time its token is shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IssuedDevice {
    /// The device.
    pub device: Device,
    /// The token for the phone protocol's `hello`.
    pub token: String,
    /// The link, QR code and tracker-app settings for it.
    pub setup: Option<super::setup::DeviceSetup>,
}

const SELECT_DEVICE: &str =
    "SELECT d.id, d.user_id, u.display_name AS user_name, d.label, d.prefix, d.created_at, d.last_seen_at, d.revoked_at
 FROM devices d JOIN users u ON u.id = d.user_id";

/// Issues a device token for `owner`, a volunteer or staff member who is not disabled.
pub async fn issue(conn: &mut PgConnection, owner: Uuid, label: &str, by: Uuid) -> ApiResult<IssuedDevice> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError::invalid_field("label", "the label must have 1 to 100 characters"));
    }
    let account: Option<(Role, bool)> = sqlx::query_as("SELECT role, disabled_at IS NOT NULL FROM users WHERE id = $1")
        .bind(owner)
        .fetch_optional(&mut *conn)
        .await?;
    match account {
        None => return Err(ApiError::invalid_field("user_id", "there is no such user")),
        Some((_, true)) => return Err(ApiError::invalid_field("user_id", "this account is disabled")),
        Some((Role::PoliceLiaison, _)) => {
            return Err(ApiError::invalid_field("user_id", "police liaisons do not carry trackers"))
        }
        Some(_) => {}
    }
    let token = new_secret(TOKEN_PREFIX);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO devices (user_id, label, token_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(owner)
    .bind(label)
    .bind(hash_secret(&token))
    .bind(&token[..TOKEN_PREFIX.len() + 6])
    .bind(by)
    .fetch_one(&mut *conn)
    .await?;
    let device = sqlx::query_as(&format!("{SELECT_DEVICE} WHERE d.id = $1")).bind(id).fetch_one(conn).await?;
    Ok(IssuedDevice { device, token, setup: None })
}

/// Devices, of one person or everyone, newest first.
pub async fn list(conn: &mut PgConnection, user: Option<Uuid>) -> sqlx::Result<Vec<Device>> {
    sqlx::query_as(&format!("{SELECT_DEVICE} WHERE $1::uuid IS NULL OR d.user_id = $1 ORDER BY d.created_at DESC"))
        .bind(user)
        .fetch_all(conn)
        .await
}

/// The owner of a device, if it exists.
pub async fn owner(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT user_id FROM devices WHERE id = $1").bind(id).fetch_optional(conn).await
}

/// Revokes a device: its token stops working at once; its record and tracks stay.
pub async fn revoke(conn: &mut PgConnection, id: Uuid, by: Uuid) -> ApiResult<()> {
    let found = sqlx::query("UPDATE devices SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, $2) WHERE id = $1")
        .bind(id)
        .bind(by)
        .execute(conn)
        .await?
        .rows_affected();
    if found == 0 {
        return Err(ApiError::not_found("device"));
    }
    Ok(())
}

/// Who a device token belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeviceOwner {
    /// The device.
    pub device_id: Uuid,
    /// Its volunteer.
    pub volunteer_id: Uuid,
    /// Their name.
    pub name: String,
    /// When the device was last heard from before this request.
    pub seen_before: Option<chrono::DateTime<chrono::Utc>>,
    revoked: bool,
    disabled: bool,
}

/// Why a token is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a token Sweep issued.
    Unknown,
    /// Revoked.
    Revoked,
    /// The account is disabled.
    AccountDisabled,
}

impl DeviceOwner {
    /// The volunteer, as the author of what their phone writes into a case's log.
    pub fn author(&self) -> crate::cases::journal::Author {
        crate::cases::journal::Author { user_id: Some(self.volunteer_id), name: self.name.clone() }
    }
}

/// Finds the device a token belongs to, and notes that it was seen.
pub async fn authenticate(conn: &mut PgConnection, token: &str) -> sqlx::Result<Result<DeviceOwner, TokenRefusal>> {
    let found: Option<DeviceOwner> = sqlx::query_as(
        "SELECT d.id AS device_id, d.user_id AS volunteer_id, u.display_name AS name, d.last_seen_at AS seen_before,
                d.revoked_at IS NOT NULL AS revoked, u.disabled_at IS NOT NULL AS disabled
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
    )
    .bind(hash_secret(token.trim()))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(owner) = found else { return Ok(Err(TokenRefusal::Unknown)) };
    if owner.revoked {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if owner.disabled {
        return Ok(Err(TokenRefusal::AccountDisabled));
    }
    sqlx::query("UPDATE devices SET last_seen_at = now() WHERE id = $1").bind(owner.device_id).execute(conn).await?;
    Ok(Ok(owner))
}
