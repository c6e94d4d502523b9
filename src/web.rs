//! The console and phone app as static files, Leaflet from `web/node_modules`, the client's
//! configuration, and JSON answers for everything that falls through.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower::ServiceExt;
use tower_http::services::ServeDir;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, Json};
use crate::state::AppState;

/// The routes of this capability that belong in the API description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(client_config))
}

/// What the console needs to know before anyone logs in.
#[derive(Serialize, ToSchema)]
pub struct ClientConfig {
    /// Raster tile URL template, if a tile server is configured.
    pub tile_url: Option<String>,
    /// Attribution for the tiles.
    pub tile_attribution: Option<String>,
    /// Where the map opens, [lat, lon].
    pub map_center: [f64; 2],
    /// Initial zoom.
    pub map_zoom: u8,
    /// Team name for the login page.
    pub team_name: String,
    /// The team's hotline, for flyers.
    pub hotline: Option<String>,
    /// Server version.
    pub version: &'static str,
}

/// The console's configuration (public).
#[utoipa::path(get, path = "/api/config", tag = "web", security(()), responses((status = 200, body = ClientConfig)))]
pub async fn client_config(State(state): State<AppState>) -> Json<ClientConfig> {
    let config = &state.config;
    Json(ClientConfig {
        tile_url: config.tile_url.clone(),
        tile_attribution: config.tile_attribution.clone(),
        map_center: [config.map_center.0, config.map_center.1],
        map_zoom: 11,
        team_name: config.team_name.clone(),
        hotline: config.hotline.clone(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Paths that belong to machines: a miss there is a JSON 404, never a page.
const API_PREFIXES: [&str; 3] = ["/api/", "/mobile/", "/ingest/"];

/// Answers what no route matched: static files from the web folder (Leaflet from its npm
/// package under `/vendor/leaflet/`), or a JSON 404.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if API_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("there is no {path}")).into_response();
    }
    let web_dir = state.config.web_dir();
    let (root, request) = match path.strip_prefix("/vendor/leaflet/") {
        Some(rest) => {
            let rest = format!("/{rest}");
            let mut request = request;
            *request.uri_mut() = rest.parse().unwrap_or_default();
            (web_dir.join("node_modules/leaflet/dist"), request)
        }
        // Only the app itself is public, not its packaging and tests.
        None if ["/node_modules/", "/tests/", "/package.json", "/package-lock.json"]
            .iter()
            .any(|p| path.starts_with(p)) =>
        {
            return ApiError::not_found("file").into_response();
        }
        // An answer link from an e-mail or SMS: the answer page (it reads its token from the path).
        None if path.starts_with("/r/") => {
            let mut request = request;
            *request.uri_mut() = "/answer.html".parse().expect("a valid path");
            (web_dir, request)
        }
        None => (web_dir, request),
    };
    serve_dir(root, request).await
}

async fn serve_dir(root: PathBuf, request: Request) -> Response {
    match ServeDir::new(root).append_index_html_on_directories(true).oneshot(request).await {
        Ok(response) => {
            let mut response = response.map(Body::new);
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => ApiError::internal(anyhow::anyhow!("while serving a file: {error}")).into_response(),
    }
}

/// Makes every error answer JSON, whoever produced it (the router's 405, a body limit, a
/// timeout), so clients always get `{error, message}`.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "there is nothing at this address"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this address does not accept this method"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the body is larger than this endpoint accepts"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "this content type is not accepted here"),
        s if s.is_server_error() => ("internal", "internal error, logged on the server"),
        _ => ("bad_request", "the request was not accepted"),
    };
    ApiError::new(status, code, message).into_response()
}

/// The Content-Security-Policy for the pages: nothing from other sites but the configured tiles.
pub fn content_security_policy(tile_url: Option<&str>) -> String {
    let tiles = tile_url.and_then(tile_origin).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// `https://{s}.tile.example.org/{z}/{x}/{y}.png` → `https://*.tile.example.org`.
fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{}", host.replace("{s}", "*")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_servers_are_allowed_in_the_policy_by_origin() {
        assert_eq!(
            tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tile.example.org")
        );
        assert!(content_security_policy(Some("http://tiles.local:8081/{z}/{x}/{y}.png"))
            .contains("img-src 'self' data: blob: http://tiles.local:8081;"));
        assert!(content_security_policy(None).contains("img-src 'self' data: blob:;"));
    }
}
