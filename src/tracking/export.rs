//! Tracks out: a volunteer's, a group's or an operation's, as GPX (for navigators and other
//! tools) or GeoJSON. An operation's and a group's tracks are their members' fixes while they
//! were in it.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use utoipa::IntoParams;
use uuid::Uuid;

use super::policy::{ExportTracks, TrackScope};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::error::{ApiError, ApiResult, Query};
use crate::state::AppState;

/// A pause longer than this starts a new segment (no straight line across a gap).
const SEGMENT_GAP_SECONDS: f64 = 300.0;

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// One volunteer's tracks (a volunteer may export their own).
    pub volunteer_id: Option<Uuid>,
    /// A group's members' tracks while in the group.
    pub group_id: Option<Uuid>,
    /// An operation's members' tracks while in it.
    pub operation_id: Option<Uuid>,
    /// `gpx` (default) or `geojson`.
    pub format: Option<String>,
    /// From (default: a volunteer's last 24 hours; an operation's or group's whole time).
    pub from: Option<DateTime<Utc>>,
    /// Until (default: now).
    pub to: Option<DateTime<Utc>>,
}

/// One volunteer's fixes, in time order.
#[derive(Debug, sqlx::FromRow)]
pub struct VolunteerTrack {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Their name.
    pub name: String,
    /// Longitudes.
    pub lons: Vec<f64>,
    /// Latitudes.
    pub lats: Vec<f64>,
    /// Unix seconds.
    pub times: Vec<f64>,
    /// Metres, if known.
    pub altitudes: Vec<Option<f32>>,
}

impl VolunteerTrack {
    /// Index ranges of the segments: split where the volunteer was silent for a while.
    pub fn segments(&self) -> Vec<std::ops::Range<usize>> {
        let mut segments = Vec::new();
        let mut start = 0;
        for i in 1..self.times.len() {
            if self.times[i] - self.times[i - 1] > SEGMENT_GAP_SECONDS {
                segments.push(start..i);
                start = i;
            }
        }
        if start < self.times.len() {
            segments.push(start..self.times.len());
        }
        segments
    }
}

/// The fixes of each volunteer in `scope` (rows of volunteer, from, to).
/// The fixes of each volunteer in `scope_sql` (rows of volunteer_id, since, until; $1 is `id`).
pub async fn tracks(
    conn: &mut PgConnection,
    scope_sql: &str,
    id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<VolunteerTrack>> {
    sqlx::query_as(&format!(
        "WITH scope AS ({scope_sql}),
         windows AS (SELECT volunteer_id, greatest(since, $2) AS since, least(until, $3) AS until FROM scope),
         points AS (
             SELECT w.volunteer_id, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, ST_M(d.geom) AS t,
                    c.altitude[coalesce(d.path[1], 1)] AS alt
             FROM windows w
             JOIN track_chunks c ON c.volunteer_id = w.volunteer_id AND c.last_at >= w.since AND c.first_at <= w.until,
                  ST_DumpPoints(c.fixes) d
             WHERE ST_M(d.geom) BETWEEN extract(epoch FROM w.since) AND extract(epoch FROM w.until))
         SELECT p.volunteer_id, u.display_name AS name, array_agg(p.lon ORDER BY p.t) AS lons,
                array_agg(p.lat ORDER BY p.t) AS lats, array_agg(p.t ORDER BY p.t) AS times,
                array_agg(p.alt ORDER BY p.t) AS altitudes
         FROM points p JOIN users u ON u.id = p.volunteer_id
         GROUP BY p.volunteer_id, u.display_name ORDER BY u.display_name"
    ))
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// Text safe inside XML.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A time from Unix seconds.
pub fn time_of(seconds: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros((seconds * 1e6).round() as i64).unwrap_or_default()
}

/// GPX 1.1: a track per volunteer, a segment per stretch without a long gap.
pub fn gpx(title: &str, tracks: &[VolunteerTrack]) -> String {
    gpx_with(title, "", tracks, "")
}

/// GPX 1.1 with routes (`<rte>`, before the tracks, as the schema orders them) and more tracks
/// (area outlines) after the volunteers'.
pub fn gpx_with(title: &str, routes: &str, tracks: &[VolunteerTrack], more_tracks: &str) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"Sweep\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    let _ = writeln!(out, "  <metadata><name>{}</name></metadata>", xml_escape(title));
    out.push_str(routes);
    for track in tracks {
        let _ = writeln!(out, "  <trk><name>{}</name>", xml_escape(&track.name));
        for segment in track.segments() {
            out.push_str("    <trkseg>\n");
            for i in segment {
                let _ = write!(out, "      <trkpt lat=\"{:.7}\" lon=\"{:.7}\">", track.lats[i], track.lons[i]);
                if let Some(ele) = track.altitudes.get(i).copied().flatten() {
                    let _ = write!(out, "<ele>{ele:.1}</ele>");
                }
                let time = time_of(track.times[i]).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                let _ = writeln!(out, "<time>{time}</time></trkpt>");
            }
            out.push_str("    </trkseg>\n");
        }
        out.push_str("  </trk>\n");
    }
    out.push_str(more_tracks);
    out.push_str("</gpx>\n");
    out
}

/// GeoJSON: a MultiLineString per volunteer, with the fix times in `coordTimes` (the
/// convention of togeojson and other tools).
pub fn geojson(tracks: &[VolunteerTrack]) -> serde_json::Value {
    let features: Vec<_> = tracks
        .iter()
        .map(|track| {
            let segments = track.segments();
            let coordinates: Vec<Vec<[f64; 2]>> =
                segments.iter().map(|s| s.clone().map(|i| [track.lons[i], track.lats[i]]).collect()).collect();
            let times: Vec<Vec<String>> = segments
                .iter()
                .map(|s| {
                    s.clone()
                        .map(|i| time_of(track.times[i]).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                        .collect()
                })
                .collect();
            json!({
                "type": "Feature",
                "geometry": { "type": "MultiLineString", "coordinates": coordinates },
                "properties": { "volunteer_id": track.volunteer_id, "name": track.name, "coordTimes": times,
                                "fixes": track.times.len() },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Exports tracks as GPX or GeoJSON: one volunteer's, a group's or an operation's (its
/// members' fixes while they were in it). Staff export anyone's; a volunteer their own.
#[utoipa::path(get, path = "/api/tracks/export", tag = "tracking", params(ExportRequest),
    responses((status = 200, description = "GPX (application/gpx+xml) or GeoJSON (application/geo+json)"),
              (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ExportTracks>,
    Query(request): Query<ExportRequest>,
) -> ApiResult<Response> {
    let geo = match request.format.as_deref() {
        None | Some("gpx") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(ApiError::bad_request("invalid_format", format!("format {other}: use gpx or geojson")))
        }
    };
    // Phones' clocks run a little ahead: fixes up to the allowed drift count as now.
    let latest = Utc::now() + chrono::Duration::seconds(mobile_api::MAX_CLOCK_AHEAD_SECONDS);
    let possible = |t: &DateTime<Utc>| *t >= mobile_api::earliest() && *t <= latest + chrono::Duration::days(1);
    if !request.from.iter().chain(request.to.iter()).all(possible) {
        return Err(ApiError::bad_request("invalid_period", "from and to must lie between the year 2000 and tomorrow"));
    }
    let to = request.to.unwrap_or(latest);
    let mut conn = state.db.acquire().await?;
    let (kind, id, scope, name, default_from) = match (request.volunteer_id, request.group_id, request.operation_id) {
        (Some(volunteer), None, None) => {
            if !ExportTracks::allows_scope(&auth.principal, TrackScope::Volunteer(volunteer)) {
                return Err(ApiError::forbidden("a volunteer exports their own tracks only"));
            }
            let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
                .bind(volunteer)
                .fetch_optional(&mut *conn)
                .await?;
            let name = name.ok_or_else(|| ApiError::not_found("volunteer"))?;
            let scope =
                "SELECT $1::uuid AS volunteer_id, '-infinity'::timestamptz AS since, 'infinity'::timestamptz AS until";
            ("volunteer", volunteer, scope, name, to.checked_sub_signed(chrono::Duration::hours(24)).unwrap_or(to))
        }
        (None, Some(group), None) => {
            if !ExportTracks::allows_scope(&auth.principal, TrackScope::Group) {
                return Err(ApiError::forbidden("only the team's staff export a group's tracks"));
            }
            let name: Option<String> = sqlx::query_scalar(
                "SELECT o.name || ' — ' || g.name FROM operation_groups g JOIN operations o ON o.id = g.operation_id WHERE g.id = $1",
            )
            .bind(group)
            .fetch_optional(&mut *conn)
            .await?;
            let name = name.ok_or_else(|| ApiError::not_found("group"))?;
            let scope = "SELECT volunteer_id, joined_at AS since, coalesce(left_at, 'infinity') AS until
                         FROM operation_members WHERE group_id = $1";
            ("group", group, scope, name, mobile_api::earliest())
        }
        (None, None, Some(operation)) => {
            if !ExportTracks::allows_scope(&auth.principal, TrackScope::Operation) {
                return Err(ApiError::forbidden("only the team's staff export an operation's tracks"));
            }
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM operations WHERE id = $1")
                .bind(operation)
                .fetch_optional(&mut *conn)
                .await?;
            let name = name.ok_or_else(|| ApiError::not_found("operation"))?;
            let scope = "SELECT volunteer_id, joined_at AS since, coalesce(left_at, 'infinity') AS until
                         FROM operation_members WHERE operation_id = $1";
            ("operation", operation, scope, name, mobile_api::earliest())
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_scope",
                "name exactly one of volunteer_id, group_id and operation_id",
            ))
        }
    };
    let from = request.from.unwrap_or(default_from);
    if from > to {
        return Err(ApiError::bad_request("invalid_period", "from is after to"));
    }
    let tracks = tracks(&mut conn, scope, id, from, to).await?;
    AuditEvent::new("tracks.export")
        .on(kind, id)
        .details(json!({ "format": if geo { "geojson" } else { "gpx" }, "volunteers": tracks.len() }))
        .write(&mut *conn, &auth.principal.actor(), address)
        .await?;
    let file = format!("sweep-{kind}-{}", &id.to_string()[..8]);
    let (content_type, extension, body) = if geo {
        ("application/geo+json", "geojson", geojson(&tracks).to_string())
    } else {
        ("application/gpx+xml", "gpx", gpx(&name, &tracks))
    };
    let disposition = format!("attachment; filename=\"{file}.{extension}\"");
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track() -> VolunteerTrack {
        VolunteerTrack {
            volunteer_id: Uuid::nil(),
            name: "Илья <Сокол> & co".into(),
            lons: vec![36.8, 36.801, 36.802, 36.9],
            lats: vec![56.1, 56.1005, 56.101, 56.2],
            times: vec![1_700_000_000.0, 1_700_000_005.0, 1_700_000_010.5, 1_700_001_000.0],
            altitudes: vec![Some(180.0), None, Some(181.5), None],
        }
    }

    #[test]
    fn a_long_silence_starts_a_new_segment() {
        assert_eq!(track().segments(), vec![0..3, 3..4]);
    }

    #[test]
    fn gpx_keeps_every_point_with_its_time_and_escapes_names() {
        let text = gpx("Op & day 2", &[track()]);
        assert_eq!(text.matches("<trkpt ").count(), 4);
        assert_eq!(text.matches("<trkseg>").count(), 2);
        assert!(text.contains("<name>Илья &lt;Сокол&gt; &amp; co</name>"));
        assert!(text.contains("<time>2023-11-14T22:13:30.500Z</time>"), "{text}");
        assert!(text.contains("<ele>180.0</ele>"));
        // It reads back with Sweep's own GPX parser.
        let parsed = crate::tracking::gpx::parse(text.as_bytes(), Utc::now()).expect("valid GPX");
        assert_eq!(parsed.segments.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 1]);
        assert_eq!(parsed.segments[0][2].time, time_of(1_700_000_010.5));
    }

    #[test]
    fn geojson_has_a_line_per_segment_and_the_times_beside_them() {
        let value = geojson(&[track()]);
        let feature = &value["features"][0];
        assert_eq!(feature["geometry"]["coordinates"].as_array().unwrap().len(), 2);
        assert_eq!(feature["geometry"]["coordinates"][0][2], json!([36.802, 56.101]));
        assert_eq!(feature["properties"]["coordTimes"][1][0], "2023-11-14T22:30:00Z");
    }
}
