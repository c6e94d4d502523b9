//! The volunteer registry: profiles (contacts, home, skills, vehicles, equipment), vetting,
//! consent to tracking, notification preferences, CSV import, and choosing whom a call-out
//! reaches. Volunteers edit their own profile from the phone app.

mod handlers;
pub mod import;
pub mod policy;
pub mod profile;
pub mod target;

use sqlx::PgConnection;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use profile::{Editor, ProfilePatch};

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list, handlers::create))
        .routes(routes!(handlers::get, handlers::update))
        .routes(routes!(handlers::vetting))
        .routes(routes!(handlers::import))
        .routes(routes!(handlers::my_profile, handlers::update_my_profile))
}

/// Creates a volunteer: an account without a password (they use the phone app's device link)
/// and a pending profile. Returns the id.
pub async fn create(conn: &mut PgConnection, name: &str, mut patch: ProfilePatch) -> ApiResult<Uuid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid_field("name", "the name has 1 to 200 characters"));
    }
    let login = format!("v-{}", &Uuid::new_v4().simple().to_string()[..10]);
    let id: Uuid =
        sqlx::query_scalar("INSERT INTO users (login, display_name, role) VALUES ($1, $2, 'volunteer') RETURNING id")
            .bind(&login)
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("INSERT INTO volunteer_profiles (user_id) VALUES ($1)").bind(id).execute(&mut *conn).await?;
    patch.name = None;
    profile::update(conn, id, patch, Editor::Staff).await?;
    Ok(id)
}
