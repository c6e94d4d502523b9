//! Search areas of an operation and their grids of squares, over HTTP.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::grid::{self, Grid, DEFAULT_CELL_SIZE_M};
use super::policy::{ManageOperations, ReadOperationalMap};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::state::AppState;

/// A new search area.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArea {
    /// Its name ("Forest north of the road").
    pub name: String,
    /// A GeoJSON Polygon in WGS 84 (longitude, latitude).
    #[schema(value_type = Object)]
    pub geometry: Value,
}

/// A search area.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct Area {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its size, square metres.
    pub area_m2: f64,
}

/// Largest area a search is split into squares over: 2,500 km² (50 × 50 km).
const MAX_AREA_M2: f64 = 2.5e9;

/// Adds a search area to an operation (shown on the map; squares are drawn next).
#[utoipa::path(post, path = "/api/operations/{id}/areas", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = NewArea,
    responses((status = 201, body = Area), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
    Json(request): Json<NewArea>,
) -> ApiResult<(StatusCode, Json<Area>)> {
    let mut tx = state.db.begin().await?;
    let created = insert(&mut tx, operation, &request.name, &request.geometry, auth.principal.user_id).await?;
    area_added(&mut tx, &auth.principal, address, operation, &created).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Adds an area to an operation: a valid GeoJSON Polygon of at most 2,500 km².
async fn insert(
    conn: &mut sqlx::PgConnection,
    operation: Uuid,
    name: &str,
    geometry: &Value,
    by: Uuid,
) -> ApiResult<Area> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid_field("name", "a name has 1 to 200 characters"));
    }
    let case: Option<Uuid> =
        sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1 AND status <> 'finished'")
            .bind(operation)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(case) = case else { return Err(ApiError::not_found("operation")) };
    check_outline(&mut *conn, geometry).await?;
    Ok(sqlx::query_as(
        "INSERT INTO search_areas (case_id, operation_id, name, geom, created_by)
         VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5)
         RETURNING id, name, ST_Area(geom::geography) AS area_m2",
    )
    .bind(case)
    .bind(operation)
    .bind(name)
    .bind(geometry.to_string())
    .bind(by)
    .fetch_one(&mut *conn)
    .await?)
}

/// Checks an outline: a GeoJSON Polygon PostGIS reads as valid, on Earth, at most 2,500 km².
async fn check_outline(conn: &mut sqlx::PgConnection, geometry: &Value) -> ApiResult<()> {
    if geometry.get("type").and_then(Value::as_str) != Some("Polygon") {
        return Err(ApiError::invalid_field("geometry", "a GeoJSON Polygon"));
    }
    // Checked in SQL first, so a shape PostGIS cannot read is a 422, not a failed insert.
    let (readable, valid, area_m2): (bool, bool, f64) = sqlx::query_as(
        "WITH g AS (SELECT CASE WHEN ST_GeomFromGeoJSON($1::text) IS NULL THEN NULL
                                ELSE ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) END AS geom)
         SELECT geom IS NOT NULL, coalesce(ST_IsValid(geom) AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180
                                           AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90, false),
                coalesce(ST_Area(geom::geography), 0)
         FROM g",
    )
    .bind(geometry.to_string())
    .fetch_one(&mut *conn)
    .await
    .map_err(|error| match error {
        sqlx::Error::Database(_) => {
            ApiError::invalid_field("geometry", "this is not a GeoJSON Polygon PostGIS can read")
        }
        other => other.into(),
    })?;
    if !readable || !valid {
        return Err(ApiError::invalid_field(
            "geometry",
            "the polygon is not valid: its ring must close and must not cross itself, on Earth",
        ));
    }
    if area_m2 > MAX_AREA_M2 {
        return Err(ApiError::invalid_field("geometry", "an area is at most 2,500 km²: split it"));
    }
    Ok(())
}

async fn area_added(
    conn: &mut sqlx::PgConnection,
    principal: &crate::auth::Principal,
    address: Option<std::net::IpAddr>,
    operation: Uuid,
    area: &Area,
) -> ApiResult<()> {
    AuditEvent::new("operation.area")
        .on("operation", operation)
        .details(json!({ "area": area.id, "name": area.name }))
        .write(&mut *conn, &principal.actor(), address)
        .await?;
    crate::realtime::announce(&mut *conn, &crate::realtime::Notice::OperationChanged { operation_id: operation })
        .await?;
    Ok(())
}

/// The name of an imported area.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Its name (default: the file's, else "Area").
    pub name: Option<String>,
}

/// Imports an area from a file: KML (the first Polygon, or a closed LineString) or GPX (the
/// first route, else the first track segment, closed into a polygon); the body is the file.
#[utoipa::path(post, path = "/api/operations/{id}/areas/import", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ImportQuery),
    request_body(content = String, content_type = "application/vnd.google-earth.kml+xml"),
    responses((status = 201, body = Area), (status = 404, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
    Query(query): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Area>)> {
    // An XML type, never one a form on another site can send with the console's cookie.
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let xml_types = ["application/vnd.google-earth.kml+xml", "application/gpx+xml", "application/xml", "text/xml"];
    if !xml_types.contains(&essence.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the KML or GPX file as the body, with its XML Content-Type",
        ));
    }
    let outline = super::outline::read(&body).map_err(|problem| ApiError::invalid("invalid_file", problem))?;
    let name = query.name.or(outline.name).unwrap_or_else(|| "Area".to_string());
    let ring: Vec<[f64; 2]> = outline.ring;
    let geometry = json!({ "type": "Polygon", "coordinates": [ring] });
    let mut tx = state.db.begin().await?;
    let created = insert(&mut tx, operation, &name, &geometry, auth.principal.user_id).await?;
    area_added(&mut tx, &auth.principal, address, operation, &created).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The size of the squares.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct GridRequest {
    /// A square's side, metres (50 to 2,000; default 250).
    pub cell_size_m: Option<i32>,
}

/// Draws the area's squares (or redraws them: the same size keeps every square's label).
#[utoipa::path(post, path = "/api/areas/{id}/grid", tag = "operations", params(("id" = Uuid, Path, description = "Area id")),
    request_body = GridRequest,
    responses((status = 200, body = Grid), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn grid(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(area): Path<Uuid>,
    Json(request): Json<GridRequest>,
) -> ApiResult<Json<Grid>> {
    let size = request.cell_size_m.unwrap_or(DEFAULT_CELL_SIZE_M);
    let mut tx = state.db.begin().await?;
    let grid = grid::generate(&mut tx, area, size, Some(auth.principal.user_id)).await?;
    let operation: Option<Uuid> = sqlx::query_scalar("SELECT operation_id FROM search_areas WHERE id = $1")
        .bind(area)
        .fetch_one(&mut *tx)
        .await?;
    AuditEvent::new("operation.grid")
        .on("area", area)
        .details(json!({ "grid": grid.id, "cell_size_m": size, "squares": grid.squares }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    if let Some(operation) = operation {
        crate::realtime::announce(&mut *tx, &crate::realtime::Notice::OperationChanged { operation_id: operation })
            .await?;
    }
    tx.commit().await?;
    Ok(Json(grid))
}

/// The language of the labels.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SquaresQuery {
    /// `ru` or `en` (default: the caller's).
    pub language: Option<String>,
}

/// The operation's squares as GeoJSON, each with its label («Б-7»), row, column and area.
#[utoipa::path(get, path = "/api/operations/{id}/squares", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), SquaresQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection", body = Object), (status = 404, body = crate::error::ErrorBody)))]
pub async fn squares(
    State(state): State<AppState>,
    auth: Authorized<ReadOperationalMap>,
    Path(operation): Path<Uuid>,
    Query(query): Query<SquaresQuery>,
) -> ApiResult<axum::response::Response> {
    let language = match query.language.as_deref() {
        None => auth.principal.language.clone(),
        Some(language @ ("ru" | "en")) => language.to_string(),
        Some(_) => return Err(ApiError::bad_request("invalid_language", "language is ru or en")),
    };
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    let squares = grid::squares(&mut conn, operation, &language).await?;
    let body = serde_json::to_string(&squares).map_err(|error| ApiError::internal(error.into()))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// What a full recompute found.
#[derive(Serialize, ToSchema)]
pub struct Recomputed {
    /// Squares of the operation.
    pub squares: i64,
    /// Squares with some coverage.
    pub covered: i64,
}

/// Computes the coverage of every square of the operation again from all its members' tracks.
#[utoipa::path(post, path = "/api/operations/{id}/coverage/recompute", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id")),
    responses((status = 200, body = Recomputed), (status = 404, body = crate::error::ErrorBody)))]
pub async fn recompute(
    State(state): State<AppState>,
    _auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
) -> ApiResult<Json<Recomputed>> {
    let mut tx = state.db.begin().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    super::coverage::recompute(&mut tx, operation).await?;
    let counts: Recomputed = {
        let (squares, covered): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(sc.cell_id)
             FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
             LEFT JOIN square_coverage sc ON sc.cell_id = c.id
             WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL",
        )
        .bind(operation)
        .fetch_one(&mut *tx)
        .await?;
        Recomputed { squares, covered }
    };
    crate::realtime::announce(&mut *tx, &crate::realtime::Notice::OperationChanged { operation_id: operation }).await?;
    tx.commit().await?;
    Ok(Json(counts))
}

/// Initial probabilities of area set by hand.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoaByHand {
    /// Weights of squares (scaled to add up to 1; squares not listed get 0).
    pub squares: Vec<super::probability::SquareWeight>,
}

/// Sets each square's probability of area before searching, by hand.
#[utoipa::path(put, path = "/api/operations/{id}/poa", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = PoaByHand,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn poa_by_hand(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
    Json(request): Json<PoaByHand>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    super::probability::set_by_hand(&mut tx, operation, &request.squares, auth.principal.user_id).await?;
    poa_changed(&mut tx, &auth.principal, address, operation, json!({ "method": "manual" })).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Distance rings for the initial probabilities of area.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PoaByRings {
    /// The distances (metres) within which 25%, 50%, 75% and 95% of people like the missing
    /// person are found (default: lost-person-behaviour figures for the case's category).
    pub rings_m: Option<[f64; 4]>,
}

/// Sets each square's probability of area by distance rings around the last-seen point.
#[utoipa::path(post, path = "/api/operations/{id}/poa/rings", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = PoaByRings,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn poa_by_rings(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
    Json(request): Json<PoaByRings>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    super::probability::set_by_rings(&mut tx, operation, request.rings_m, auth.principal.user_id).await?;
    poa_changed(&mut tx, &auth.principal, address, operation, json!({ "method": "rings", "rings_m": request.rings_m }))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn poa_changed(
    conn: &mut sqlx::PgConnection,
    principal: &crate::auth::Principal,
    address: Option<std::net::IpAddr>,
    operation: Uuid,
    details: Value,
) -> ApiResult<()> {
    let case: Uuid = sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    let mut entry_details = details.clone();
    entry_details["event"] = json!("poa_set");
    entry_details["operation"] = json!(operation);
    let author = crate::cases::journal::Author::person(principal);
    let entry =
        crate::cases::journal::NewEntry::system(crate::cases::journal::EntryKind::Operation, "POA", entry_details);
    crate::cases::journal::append(&mut *conn, case, &author, entry).await?;
    AuditEvent::new("operation.poa")
        .on("operation", operation)
        .details(details)
        .write(&mut *conn, &principal.actor(), address)
        .await?;
    crate::realtime::announce(&mut *conn, &crate::realtime::Notice::CoverageChanged { operation_id: operation })
        .await?;
    Ok(())
}

/// A search area with its squares.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct AreaView {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its size, square metres.
    pub area_m2: f64,
    /// Its outline (GeoJSON Polygon).
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// The side of its squares, metres (none drawn yet: null).
    pub cell_size_m: Option<i32>,
    /// How many squares it has.
    pub squares: i64,
    /// The part of it swept so far, square metres.
    pub swept_m2: f64,
}

/// The operation's search areas, oldest first, with their squares' size and how much is swept.
#[utoipa::path(get, path = "/api/operations/{id}/areas", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    responses((status = 200, body = Vec<AreaView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
    Path(operation): Path<Uuid>,
) -> ApiResult<Json<Vec<AreaView>>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    let areas: Vec<AreaView> = sqlx::query_as(
        "SELECT a.id, a.name, ST_Area(a.geom::geography) AS area_m2, ST_AsGeoJSON(a.geom, 7)::jsonb AS geometry,
                g.cell_size_m, count(c.id) AS squares,
                coalesce(sum(c.area_m2 * coalesce(sc.geometric, 0)), 0)::float8 AS swept_m2
         FROM search_areas a
         LEFT JOIN grids g ON g.area_id = a.id AND g.replaced_at IS NULL
         LEFT JOIN grid_cells c ON c.grid_id = g.id AND c.retired_at IS NULL
         LEFT JOIN square_coverage sc ON sc.cell_id = c.id
         WHERE a.operation_id = $1
         GROUP BY a.id, g.cell_size_m ORDER BY a.created_at",
    )
    .bind(operation)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(areas))
}

/// A change to an area.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new outline (GeoJSON Polygon): only until any of its squares has been searched.
    #[schema(value_type = Object)]
    pub geometry: Option<Value>,
}

/// Renames an area, or redraws its outline while none of its squares has been searched (its
/// squares are drawn again at the same size: those still inside keep their labels).
#[utoipa::path(patch, path = "/api/areas/{id}", tag = "operations", params(("id" = Uuid, Path, description = "Area id")),
    request_body = AreaPatch,
    responses((status = 200, body = Area), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(area): Path<Uuid>,
    Json(patch): Json<AreaPatch>,
) -> ApiResult<Json<Area>> {
    let mut tx = state.db.begin().await?;
    let row: Option<(Option<Uuid>, String)> =
        sqlx::query_as("SELECT operation_id, name FROM search_areas WHERE id = $1 FOR UPDATE")
            .bind(area)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((Some(operation), old_name)) = row else { return Err(ApiError::not_found("area")) };
    let name = patch.name.as_deref().unwrap_or(&old_name).to_string();
    if let Some(geometry) = &patch.geometry {
        let searched: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM grids g JOIN grid_cells c ON c.grid_id = g.id
                            WHERE g.area_id = $1 AND (EXISTS (SELECT 1 FROM square_sorties s WHERE s.cell_id = c.id)
                                                      OR EXISTS (SELECT 1 FROM square_coverage v WHERE v.cell_id = c.id)))",
        )
        .bind(area)
        .fetch_one(&mut *tx)
        .await?;
        if searched {
            return Err(ApiError::conflict(
                "area_searched",
                "squares of this area have been searched: its outline stays; add another area instead",
            ));
        }
        check_outline(&mut tx, geometry).await?;
        sqlx::query("UPDATE search_areas SET geom = ST_SetSRID(ST_GeomFromGeoJSON($2::text), 4326) WHERE id = $1")
            .bind(area)
            .bind(geometry.to_string())
            .execute(&mut *tx)
            .await?;
        let size: Option<i32> =
            sqlx::query_scalar("SELECT cell_size_m FROM grids WHERE area_id = $1 AND replaced_at IS NULL")
                .bind(area)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(size) = size {
            // Nothing searched yet: the squares are drawn afresh, lettered from the new top-left.
            sqlx::query("UPDATE grids SET replaced_at = now() WHERE area_id = $1 AND replaced_at IS NULL")
                .bind(area)
                .execute(&mut *tx)
                .await?;
            grid::generate(&mut tx, area, size, Some(auth.principal.user_id)).await?;
        }
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid_field("name", "a name has 1 to 200 characters"));
    }
    let updated: Area = sqlx::query_as(
        "UPDATE search_areas SET name = $2 WHERE id = $1 RETURNING id, name, ST_Area(geom::geography) AS area_m2",
    )
    .bind(area)
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    AuditEvent::new("operation.area_change")
        .on("area", area)
        .details(json!({ "name": name, "outline": patch.geometry.is_some() }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    crate::realtime::announce(&mut *tx, &crate::realtime::Notice::OperationChanged { operation_id: operation }).await?;
    tx.commit().await?;
    Ok(Json(updated))
}

/// One sortie over a square: who searched it, when, and how much.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct SquareSortie {
    /// `task:…`, `group:…` or `volunteer:…`.
    pub sortie: String,
    /// The task's number and title, for a task's sortie.
    pub task: Option<String>,
    /// The group.
    pub group_name: Option<String>,
    /// The volunteer (outside a group).
    pub volunteer_name: Option<String>,
    /// Track length inside the square, metres.
    pub length_m: f64,
    /// Sweep width used, metres.
    pub sweep_width_m: f32,
    /// Effort coverage C = W × L ÷ A.
    pub effort: f64,
    /// First and last counted fix inside.
    pub first_at: chrono::DateTime<chrono::Utc>,
    /// Last counted fix.
    pub last_at: chrono::DateTime<chrono::Utc>,
}

/// Who searched a square, when, and how much (its sorties, oldest first).
#[utoipa::path(get, path = "/api/squares/{id}/sorties", tag = "operations", params(("id" = i64, Path, description = "Square id")),
    responses((status = 200, body = Vec<SquareSortie>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sorties(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
    Path(square): Path<i64>,
) -> ApiResult<Json<Vec<SquareSortie>>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM grid_cells WHERE id = $1)")
        .bind(square)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("square"));
    }
    let list: Vec<SquareSortie> = sqlx::query_as(
        "SELECT s.sortie, t.number || '. ' || t.title AS task, g.name AS group_name, v.display_name AS volunteer_name,
                s.length_m, s.sweep_width_m, s.sweep_width_m * s.length_m / c.area_m2 AS effort, s.first_at, s.last_at
         FROM square_sorties s JOIN grid_cells c ON c.id = s.cell_id
         LEFT JOIN tasks t ON s.sortie = 'task:' || t.id::text
         LEFT JOIN operation_groups g ON g.id = coalesce(s.group_id, t.group_id)
         LEFT JOIN users v ON v.id = s.volunteer_id
         WHERE s.cell_id = $1 ORDER BY s.first_at",
    )
    .bind(square)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(list))
}
