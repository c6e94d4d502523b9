//! Photos of the missing person: JPEG or PNG, checked by decoding, stored in the database
//! (every instance serves them) with a SHA-256 and a small JPEG thumbnail. The same photo
//! uploaded twice is stored once. A photo is withdrawn, never deleted.

use std::io::Cursor;

use chrono::{DateTime, Utc};
use image::{ImageFormat, ImageReader};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Largest photo accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest side accepted, in pixels (decoding a bigger one would cost too much memory).
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels in a photo (a 50-megapixel camera's): a small file can decode to a huge image.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Photos decoded at once: each may take a few hundred megabytes while decoded.
const DECODES_AT_ONCE: usize = 2;
/// Thumbnails fit in a square of this side.
pub const THUMBNAIL_SIDE: u32 = 320;

/// A photo as listed on a card.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Photo {
    /// Photo id.
    pub id: Uuid,
    /// image/jpeg or image/png.
    pub content_type: String,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// When it was uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// Who uploaded it.
    pub uploaded_by_name: Option<String>,
}

/// A checked upload, ready to store.
#[derive(Debug)]
pub struct Checked {
    /// image/jpeg or image/png.
    pub content_type: &'static str,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Of the file.
    pub sha256: Vec<u8>,
    /// A JPEG at most 320 pixels a side.
    pub thumbnail: Vec<u8>,
}

/// [`check`] off the async threads, a few at a time.
pub async fn check_in_background(content_type: Option<String>, bytes: axum::body::Bytes) -> ApiResult<Checked> {
    static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODES_AT_ONCE);
    let _permit = DECODES.acquire().await.map_err(|e| ApiError::internal(anyhow::anyhow!("photo decoding: {e}")))?;
    tokio::task::spawn_blocking(move || check(content_type.as_deref(), &bytes))
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("while checking a photo: {e}")))?
}

/// Decodes the upload to prove it is the image it claims to be, and makes its thumbnail.
pub fn check(content_type: Option<&str>, bytes: &[u8]) -> ApiResult<Checked> {
    let declared = match content_type.map(|c| c.split(';').next().unwrap_or_default().trim()) {
        Some("image/jpeg") => ImageFormat::Jpeg,
        Some("image/png") => ImageFormat::Png,
        _ => {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the photo as the body, with Content-Type image/jpeg or image/png",
            ))
        }
    };
    if bytes.is_empty() {
        return Err(ApiError::invalid("empty_photo", "the body is empty"));
    }
    let guessed = image::guess_format(bytes).ok();
    if guessed != Some(declared) {
        return Err(ApiError::invalid("not_an_image", "the body is not the JPEG or PNG image its Content-Type says"));
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), declared);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ApiError::invalid("not_an_image", format!("the image cannot be read: {e}")))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ApiError::invalid(
            "photo_too_large",
            format!("the photo is {width}×{height}; at most {MAX_SIDE} pixels a side and 50 megapixels"),
        ));
    }
    let decoded = ImageReader::with_format(Cursor::new(bytes), declared)
        .decode()
        .map_err(|e| ApiError::invalid("not_an_image", format!("the image cannot be decoded: {e}")))?;
    let thumbnail = decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).into_rgb8();
    let mut encoded = Cursor::new(Vec::new());
    thumbnail
        .write_to(&mut encoded, ImageFormat::Jpeg)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("while making a thumbnail: {e}")))?;
    let content_type = if declared == ImageFormat::Jpeg { "image/jpeg" } else { "image/png" };
    Ok(Checked { content_type, width, height, sha256: Sha256::digest(bytes).to_vec(), thumbnail: encoded.into_inner() })
}

const SELECT_PHOTO: &str =
    "SELECT p.id, p.content_type, p.width, p.height, encode(p.sha256, 'hex') AS sha256, p.uploaded_at,
        u.display_name AS uploaded_by_name
 FROM case_photos p LEFT JOIN users u ON u.id = p.uploaded_by";

/// Stores a checked photo; the same file again returns the stored one (and brings it back if
/// it was withdrawn). Returns it and whether it is new (or back).
pub async fn store(
    conn: &mut PgConnection,
    case_id: Uuid,
    bytes: &[u8],
    checked: Checked,
    by: Uuid,
) -> ApiResult<(Photo, bool)> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO case_photos (case_id, content_type, bytes, thumbnail, sha256, width, height, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (case_id, sha256) DO UPDATE SET withdrawn_at = NULL, withdrawn_by = NULL
             WHERE case_photos.withdrawn_at IS NOT NULL
         RETURNING id",
    )
    .bind(case_id)
    .bind(checked.content_type)
    .bind(bytes)
    .bind(&checked.thumbnail)
    .bind(&checked.sha256)
    .bind(checked.width as i32)
    .bind(checked.height as i32)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    let photo: Photo = sqlx::query_as(&format!("{SELECT_PHOTO} WHERE p.case_id = $1 AND p.sha256 = $2"))
        .bind(case_id)
        .bind(&checked.sha256)
        .fetch_one(conn)
        .await?;
    Ok((photo, inserted.is_some()))
}

/// A case's photos that are not withdrawn, oldest first.
pub async fn of_case(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<Photo>> {
    sqlx::query_as(&format!("{SELECT_PHOTO} WHERE p.case_id = $1 AND p.withdrawn_at IS NULL ORDER BY p.uploaded_at"))
        .bind(case_id)
        .fetch_all(conn)
        .await
}

/// Which photos of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoKind {
    /// The card's: the missing person (withdrawn ones are not served).
    Card,
    /// Sent by volunteers from the field, each with its log entry.
    Field,
}

/// The stored file or its thumbnail, with its content type.
pub async fn content(
    conn: &mut PgConnection,
    kind: PhotoKind,
    case_id: Uuid,
    id: Uuid,
    thumbnail: bool,
) -> ApiResult<(String, Vec<u8>)> {
    let column = if thumbnail { "thumbnail, 'image/jpeg'" } else { "bytes, content_type" };
    let from = match kind {
        PhotoKind::Card => "case_photos WHERE withdrawn_at IS NULL AND",
        PhotoKind::Field => "field_photos WHERE",
    };
    let row: Option<(Vec<u8>, String)> =
        sqlx::query_as(&format!("SELECT {column} FROM {from} id = $1 AND case_id = $2"))
            .bind(id)
            .bind(case_id)
            .fetch_optional(conn)
            .await?;
    let (bytes, content_type) = row.ok_or_else(|| ApiError::not_found("photo"))?;
    Ok((content_type, bytes))
}

/// Withdraws a photo: it no longer shows, its record and bytes stay.
pub async fn withdraw(conn: &mut PgConnection, case_id: Uuid, id: Uuid, by: Uuid) -> ApiResult<()> {
    let changed = sqlx::query("UPDATE case_photos SET withdrawn_at = now(), withdrawn_by = $3 WHERE id = $1 AND case_id = $2 AND withdrawn_at IS NULL")
        .bind(id)
        .bind(case_id)
        .bind(by)
        .execute(conn)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(ApiError::not_found("photo"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_real_png_gets_its_size_checksum_and_a_small_jpeg_thumbnail() {
        let bytes = png(800, 600);
        let checked = check(Some("image/png"), &bytes).unwrap();
        assert_eq!((checked.width, checked.height), (800, 600));
        assert_eq!(checked.sha256, Sha256::digest(&bytes).to_vec());
        let thumb = image::load_from_memory(&checked.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
        assert_eq!(image::guess_format(&checked.thumbnail).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn a_body_that_is_not_what_it_claims_is_refused() {
        let bytes = png(10, 10);
        assert_eq!(check(Some("image/jpeg"), &bytes).unwrap_err().code, "not_an_image");
        assert_eq!(check(Some("image/png"), b"GIF89a...").unwrap_err().code, "not_an_image");
        assert_eq!(check(Some("image/gif"), &bytes).unwrap_err().code, "unsupported_media_type");
        assert_eq!(check(None, &bytes).unwrap_err().code, "unsupported_media_type");
        let mut truncated = bytes.clone();
        truncated.truncate(bytes.len() / 2);
        assert_eq!(check(Some("image/png"), &truncated).unwrap_err().code, "not_an_image");
    }
}
