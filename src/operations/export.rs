//! An operation exported for other tools and for the record: its areas, its squares with their
//! coverage, POD and POA, its tasks' routes, and its members' tracks while they were in it, as
//! GeoJSON, KML (Google Earth, CalTopo) or GPX (navigators: tracks and routes; areas as closed
//! tracks).

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;
use uuid::Uuid;

use super::policy::ReadOperationalMap;
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::error::{ApiError, ApiResult, Path, Query};
use crate::state::AppState;
use crate::tracking::export::{gpx_with, time_of, tracks, xml_escape, VolunteerTrack};

/// Which file.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `geojson` (default), `kml` or `gpx`.
    pub format: Option<String>,
    /// Labels in `ru` or `en` (default: the caller's).
    pub language: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Outline {
    name: String,
    geometry: Value,
}

fn ring(geometry: &Value) -> Vec<(f64, f64)> {
    let first = match geometry["type"].as_str() {
        Some("MultiPolygon") => &geometry["coordinates"][0][0],
        _ => &geometry["coordinates"][0],
    };
    first
        .as_array()
        .map(|points| points.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect())
        .unwrap_or_default()
}

fn kml_coordinates(points: &[(f64, f64)]) -> String {
    points.iter().map(|(lon, lat)| format!("{lon:.7},{lat:.7}")).collect::<Vec<_>>().join(" ")
}

fn percent(value: &Value) -> String {
    value.as_f64().map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

/// Exports the operation as GeoJSON, KML or GPX (audited: it holds volunteers' tracks).
#[utoipa::path(get, path = "/api/operations/{id}/export", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ExportFormat),
    responses((status = 200, description = "GeoJSON, KML or GPX"), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadOperationalMap>,
    Path(operation): Path<Uuid>,
    Query(request): Query<ExportFormat>,
) -> ApiResult<Response> {
    let format = request.format.unwrap_or_else(|| "geojson".into());
    if !["geojson", "kml", "gpx"].contains(&format.as_str()) {
        return Err(ApiError::bad_request("invalid_format", format!("format {format}: use geojson, kml or gpx")));
    }
    let language = match request.language.as_deref() {
        None => auth.principal.language.clone(),
        Some(language @ ("ru" | "en")) => language.to_string(),
        Some(_) => return Err(ApiError::bad_request("invalid_language", "language is ru or en")),
    };
    let mut conn = state.db.acquire().await?;
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_optional(&mut *conn)
        .await?;
    let name = name.ok_or_else(|| ApiError::not_found("operation"))?;
    let areas: Vec<Outline> = sqlx::query_as(
        "SELECT name, ST_AsGeoJSON(geom, 7)::jsonb AS geometry FROM search_areas WHERE operation_id = $1 ORDER BY created_at",
    )
    .bind(operation)
    .fetch_all(&mut *conn)
    .await?;
    let routes: Vec<Outline> = sqlx::query_as(
        "SELECT number || '. ' || title AS name, ST_AsGeoJSON(route, 7)::jsonb AS geometry
         FROM tasks WHERE operation_id = $1 AND route IS NOT NULL ORDER BY number",
    )
    .bind(operation)
    .fetch_all(&mut *conn)
    .await?;
    let squares = super::grid::squares(&mut conn, operation, &language).await?;
    let squares = serde_json::to_value(&squares).map_err(|error| ApiError::internal(error.into()))?;
    let scope = "SELECT volunteer_id, joined_at AS since, coalesce(left_at, 'infinity') AS until
                 FROM operation_members WHERE operation_id = $1";
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    let walked: Vec<VolunteerTrack> = tracks(&mut conn, scope, operation, mobile_api::earliest(), far).await?;
    AuditEvent::new("operation.export")
        .on("operation", operation)
        .details(json!({ "format": format, "volunteers": walked.len() }))
        .write(&mut *conn, &auth.principal.actor(), address)
        .await?;
    let (content_type, body) = match format.as_str() {
        "kml" => ("application/vnd.google-earth.kml+xml", kml(&name, &areas, &squares, &routes, &walked)),
        "gpx" => ("application/gpx+xml", gpx(&name, &areas, &routes, &walked)),
        _ => ("application/geo+json", geojson(&areas, &squares, &routes, &walked).to_string()),
    };
    let disposition = format!("attachment; filename=\"sweep-operation-{}.{format}\"", &operation.to_string()[..8]);
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

fn geojson(areas: &[Outline], squares: &Value, routes: &[Outline], walked: &[VolunteerTrack]) -> Value {
    let mut features: Vec<Value> = areas
        .iter()
        .map(|a| json!({"type": "Feature", "geometry": a.geometry, "properties": {"kind": "area", "name": a.name}}))
        .collect();
    features.extend(squares["features"].as_array().cloned().unwrap_or_default());
    features.extend(
        routes.iter().map(
            |r| json!({"type": "Feature", "geometry": r.geometry, "properties": {"kind": "route", "name": r.name}}),
        ),
    );
    for mut track in crate::tracking::export::geojson(walked)["features"].as_array().cloned().unwrap_or_default() {
        track["properties"]["kind"] = json!("track");
        features.push(track);
    }
    json!({ "type": "FeatureCollection", "features": features })
}

fn kml(name: &str, areas: &[Outline], squares: &Value, routes: &[Outline], walked: &[VolunteerTrack]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\n",
    );
    let _ = writeln!(out, "<name>{}</name>", xml_escape(name));
    out.push_str("<Folder><name>Areas</name>\n");
    for area in areas {
        let _ = writeln!(
            out,
            "<Placemark><name>{}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>",
            xml_escape(&area.name),
            kml_coordinates(&ring(&area.geometry))
        );
    }
    out.push_str("</Folder>\n<Folder><name>Squares</name>\n");
    for square in squares["features"].as_array().into_iter().flatten() {
        let p = &square["properties"];
        let _ = writeln!(
            out,
            "<Placemark><name>{}</name><description>coverage {}, POD {}, POA {}</description><ExtendedData>\
             <Data name=\"coverage\"><value>{}</value></Data><Data name=\"pod\"><value>{}</value></Data>\
             <Data name=\"poa\"><value>{}</value></Data><Data name=\"sorties\"><value>{}</value></Data></ExtendedData>\
             <Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>",
            xml_escape(p["label"].as_str().unwrap_or_default()),
            percent(&p["geometric"]),
            percent(&p["pod"]),
            percent(&p["poa"]),
            p["geometric"],
            p["pod"],
            p["poa"],
            p["sorties"],
            kml_coordinates(&ring(&square["geometry"]))
        );
    }
    out.push_str("</Folder>\n<Folder><name>Routes</name>\n");
    for route in routes {
        let points: Vec<(f64, f64)> = route.geometry["coordinates"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<Placemark><name>{}</name><LineString><coordinates>{}</coordinates></LineString></Placemark>",
            xml_escape(&route.name),
            kml_coordinates(&points)
        );
    }
    out.push_str("</Folder>\n<Folder><name>Tracks</name>\n");
    for track in walked {
        let _ = write!(out, "<Placemark><name>{}</name><MultiGeometry>", xml_escape(&track.name));
        for segment in track.segments() {
            let points: Vec<(f64, f64)> = segment.clone().map(|i| (track.lons[i], track.lats[i])).collect();
            let _ = write!(out, "<LineString><coordinates>{}</coordinates></LineString>", kml_coordinates(&points));
        }
        let first = track.times.first().map(|t| time_of(*t).to_rfc3339()).unwrap_or_default();
        let last = track.times.last().map(|t| time_of(*t).to_rfc3339()).unwrap_or_default();
        let _ =
            writeln!(out, "</MultiGeometry><TimeSpan><begin>{first}</begin><end>{last}</end></TimeSpan></Placemark>");
    }
    out.push_str("</Folder>\n</Document></kml>\n");
    out
}

fn gpx(name: &str, areas: &[Outline], routes: &[Outline], walked: &[VolunteerTrack]) -> String {
    let mut rte = String::new();
    for route in routes {
        let _ = writeln!(rte, "  <rte><name>{}</name>", xml_escape(&route.name));
        for point in route.geometry["coordinates"].as_array().into_iter().flatten() {
            if let (Some(lon), Some(lat)) = (point[0].as_f64(), point[1].as_f64()) {
                let _ = writeln!(rte, "    <rtept lat=\"{lat:.7}\" lon=\"{lon:.7}\"/>");
            }
        }
        rte.push_str("  </rte>\n");
    }
    let mut outlines = String::new();
    for area in areas {
        let _ = writeln!(outlines, "  <trk><name>{}</name><type>area</type><trkseg>", xml_escape(&area.name));
        for (lon, lat) in ring(&area.geometry) {
            let _ = writeln!(outlines, "    <trkpt lat=\"{lat:.7}\" lon=\"{lon:.7}\"/>");
        }
        outlines.push_str("  </trkseg></trk>\n");
    }
    gpx_with(name, &rte, walked, &outlines)
}
