//! The map's GeoJSON layers.

use axum::extract::State;
use serde_json::Value;

use super::policy::ReadOperationalMap;
use crate::auth::Authorized;
use crate::error::{ApiResult, Json};
use crate::state::AppState;

/// Search areas, last-seen points and meeting points of every case that is not closed, as one
/// GeoJSON FeatureCollection; `properties.kind` says which layer a feature belongs to.
#[utoipa::path(get, path = "/api/map/features", tag = "operations",
    responses((status = 200, description = "GeoJSON FeatureCollection", body = Object), (status = 403, body = crate::error::ErrorBody)))]
pub async fn features(State(state): State<AppState>, _auth: Authorized<ReadOperationalMap>) -> ApiResult<Json<Value>> {
    let collection: Value = sqlx::query_scalar(
        "WITH open_cases AS (SELECT * FROM cases WHERE status <> 'closed'),
         features AS (
             SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(a.geom, 6)::json,
                        'properties', json_build_object('kind', 'search_area', 'id', a.id, 'case_id', a.case_id,
                                                        'operation_id', a.operation_id, 'name', a.name)) AS f
             FROM search_areas a JOIN open_cases c ON c.id = a.case_id
             UNION ALL
             SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(c.last_seen_point, 6)::json,
                        'properties', json_build_object('kind', 'last_seen', 'id', c.id, 'case_id', c.id, 'name', c.full_name,
                                                        'label', to_char(c.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')))
             FROM open_cases c WHERE c.last_seen_point IS NOT NULL
             UNION ALL
             SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(m.point, 6)::json,
                        'properties', json_build_object('kind', 'meeting_point', 'id', m.id, 'case_id', m.case_id, 'name', m.name))
             FROM meeting_points m JOIN open_cases c ON c.id = m.case_id)
         SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))::jsonb FROM features",
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Json(collection))
}
