//! `/ingest/osmand` and `/ingest/owntracks`: tracker apps' own protocols. A fix is stored as a
//! one-point chunk, once per device and fix time (a retried request is stored once).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::Utc;
use mobile_api::Fix;

use super::devices::{self, TokenRefusal};
use super::live;
use super::store::{self, Origin, Source, Stored};
use super::trackers::{self, Unreadable};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn unreadable(problem: Unreadable) -> ApiError {
    ApiError::bad_request("unreadable_fix", problem.0)
}

/// Checks the token and the fix, and stores it.
async fn accept(state: &AppState, token: &str, fix: Fix, source: Source) -> ApiResult<()> {
    if let Err(problem) = fix.check(Utc::now()) {
        return Err(ApiError::bad_request(problem.code, problem.message));
    }
    let mut tx = state.db.begin().await?;
    let owner = match devices::authenticate(&mut tx, token).await? {
        Ok(owner) => owner,
        Err(TokenRefusal::Unknown) => {
            return Err(ApiError::unauthenticated("device_unknown", "this device id (token) is not known"))
        }
        Err(TokenRefusal::Revoked) => {
            return Err(ApiError::unauthenticated("device_revoked", "this device was revoked"))
        }
        Err(TokenRefusal::AccountDisabled) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "account_disabled",
                "this volunteer's account is disabled",
            ))
        }
    };
    if crate::registry::profile::tracking_withdrawn(&mut tx, owner.volunteer_id).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "tracking_consent_withdrawn",
            "this volunteer withdrew consent to location tracking: positions are not accepted until it is given again",
        ));
    }
    let fixes = std::slice::from_ref(&fix);
    let stored =
        store::store(&mut tx, owner.volunteer_id, Origin::Device(owner.device_id), source, None, fixes).await?;
    let back = match &stored {
        Stored::New(chunk) => live::announce_batch(&mut tx, state, chunk, fixes).await?,
        Stored::Replay => false,
    };
    tx.commit().await?;
    if let Stored::New(chunk) = &stored {
        live::publish(state, owner.volunteer_id, &owner.name, fixes, chunk, source, back);
    }
    Ok(())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}

/// OsmAnd and Traccar Client: a fix in the query string (GET or POST), a form body, or the JSON
/// newer Traccar Client versions send. The device id is the device token. Answers 200.
#[utoipa::path(get, path = "/ingest/osmand", tag = "tracking", security(()),
    params(("id" = String, Query, description = "The device token (also `deviceid`)"),
           ("lat" = f64, Query, description = "Latitude"), ("lon" = f64, Query, description = "Longitude"),
           ("timestamp" = Option<String>, Query, description = "Unix seconds or milliseconds, or ISO 8601")),
    responses((status = 200, description = "stored"), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn osmand_get(state: State<AppState>, query: axum::extract::RawQuery) -> ApiResult<StatusCode> {
    osmand(state, query, HeaderMap::new(), Bytes::new()).await
}

/// The same as GET, for apps that POST (form or Traccar JSON).
#[utoipa::path(post, path = "/ingest/osmand", tag = "tracking", security(()),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "The same parameters as GET, or Traccar Client's JSON"),
    responses((status = 200, description = "stored"), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn osmand_post(
    state: State<AppState>,
    query: axum::extract::RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    osmand(state, query, headers, body).await
}

/// Reads an OsmAnd or Traccar request, whichever way it was sent, and stores its fix.
pub async fn osmand(
    State(state): State<AppState>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let now = Utc::now();
    let found = if is_json(&headers) {
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}")))?;
        trackers::from_traccar_json(&json, now).map_err(unreadable)?
    } else {
        let mut params: HashMap<String, String> = serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
            .map_err(|e| ApiError::bad_request("unreadable_fix", format!("the query string is not readable: {e}")))?;
        if !body.is_empty() {
            let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| ApiError::bad_request("unreadable_fix", format!("the form body is not readable: {e}")))?;
            params.extend(form);
        }
        trackers::from_osmand_params(&params, now).map_err(unreadable)?
    };
    accept(&state, &found.token, found.fix, Source::OsmAnd).await?;
    Ok(StatusCode::OK)
}

/// The device token of an OwnTracks request: the Basic-auth password (or user name), else the
/// X-Limit-D or X-Limit-U header.
fn owntracks_token(headers: &HeaderMap) -> Option<String> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (user, password) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
            [password, user].into_iter().find(|t| !t.is_empty()).map(str::to_string)
        });
    basic.or_else(|| {
        ["x-limit-d", "x-limit-u"]
            .iter()
            .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()).map(str::to_string))
    })
}

/// OwnTracks in HTTP mode: a JSON message; locations are stored, other kinds are answered and
/// ignored. Answers `200 []` for anything stored (OwnTracks drops a message it gets an error for).
#[utoipa::path(post, path = "/ingest/owntracks", tag = "tracking", security(()),
    request_body(content = Object, content_type = "application/json", description = "An OwnTracks message"),
    responses((status = 200, description = "stored (body `[]`)"), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn owntracks(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let token = owntracks_token(&headers).ok_or_else(|| {
        ApiError::unauthenticated("device_unknown", "send the device token as the password (HTTP Basic authentication)")
    })?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}")))?;
    if let Some(fix) = trackers::from_owntracks(&json).map_err(unreadable)? {
        accept(&state, &token, fix, Source::OwnTracks).await?;
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], "[]").into_response())
}
