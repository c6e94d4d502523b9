//! One error type for the API. Every error leaves as JSON `{error, message, details}` with the
//! right status; internal failures are logged and their text is kept from clients.

use std::borrow::Cow;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `invalid_credentials`.
    pub code: Cow<'static, str>,
    /// Human text saying what is wrong.
    pub message: String,
    /// Optional structured details (fields, limits, retry time).
    pub details: Option<Value>,
    /// Seconds after which a retry makes sense (sets `Retry-After`).
    pub retry_after: Option<u64>,
    /// The internal cause, logged but never sent.
    pub source: Option<anyhow::Error>,
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

/// The JSON body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub error: String,
    /// Human text saying what is wrong.
    pub message: String,
    /// Structured details, if any (null when there are none).
    #[schema(value_type = Option<Object>)]
    pub details: Value,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), details: None, retry_after: None, source: None }
    }
    /// 400: the request is malformed.
    pub fn bad_request(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 401: no valid credentials.
    pub fn unauthenticated(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    /// 403: credentials are fine but the role or record does not allow this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    /// 404: no such record.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    /// 409: the request conflicts with the record's state.
    pub fn conflict(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// 422: well-formed but invalid content.
    pub fn invalid(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    /// 422 about one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid("invalid_field", message).with_details(json!({ "field": field }))
    }
    /// 503: a dependency (the database) is unreachable; the client should retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
        error.retry_after = Some(5);
        error
    }
    /// 500, with the cause kept for the log.
    pub fn internal(source: anyhow::Error) -> Self {
        let mut error =
            Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error, logged on the server");
        error.source = Some(source);
        error
    }
    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
    /// Sets the Retry-After hint.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self.details = Some(json!({ "retry_after_seconds": seconds }));
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => tracing::error!(status = %self.status, error = ?source, "request failed"),
                None => tracing::warn!(status = %self.status, message = %self.message, "request failed"),
            }
        }
        let body = ErrorBody {
            error: self.code.into_owned(),
            message: self.message,
            details: self.details.unwrap_or(Value::Null),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Whether a database error means the database could not be reached (as opposed to a bug).
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_))
        || matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if is_unreachable(&error) {
            let mut api = Self::unavailable("the database is unreachable; try again shortly");
            api.source = Some(error.into());
            tracing::warn!(error = ?api.source, "database unreachable");
            return api;
        }
        // Two requests that changed the same rows at once: one was aborted, and trying again works.
        if matches!(&error, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001"))) {
            tracing::warn!(?error, "a request lost a race for the same rows");
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "conflict_retry",
                "someone changed the same thing at this moment; try again",
            )
            .with_retry_after(1);
        }
        Self::internal(anyhow::Error::new(error).context("while querying the database"))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<sqlx::Error>() {
            Ok(sqlx) => sqlx.into(),
            Err(other) => Self::internal(other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json",
            ),
            JsonRejection::JsonSyntaxError(e) => {
                Self::bad_request("malformed_json", format!("the body is not valid JSON: {}", e.body_text()))
            }
            JsonRejection::JsonDataError(e) => {
                Self::invalid("invalid_body", format!("the JSON does not have the expected shape: {}", e.body_text()))
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than this endpoint accepts",
            ),
            other => Self::new(other.status(), "bad_body", other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request("invalid_path", format!("the address is not valid: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request("invalid_query", format!("the query string is not valid: {}", rejection.body_text()))
    }
}

/// `axum::Json` whose rejections are JSON errors, and which refuses text with a NUL character
/// (`\u0000`), which PostgreSQL cannot store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// Whether JSON text holds an escaped NUL character (`\u0000`, not an escaped backslash
/// followed by "u0000").
pub fn has_escaped_nul(body: &[u8]) -> bool {
    let needle = b"u0000";
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body[i + 1..].starts_with(needle) {
                return true;
            }
            // Skip the escaped character: `\\u0000` (an escaped backslash, then "u0000") is not one.
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"));
        if !is_json {
            return Err(JsonRejection::MissingJsonContentType(Default::default()).into());
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the body is larger than this endpoint accepts",
                )
            } else {
                ApiError::new(e.status(), "bad_body", e.body_text())
            }
        })?;
        if has_escaped_nul(&bytes) {
            return Err(ApiError::invalid("nul_character", "text may not contain the NUL character (\\u0000)"));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` whose rejections are JSON errors, refusing an encoded NUL (`%00`).
#[derive(Debug)]
pub struct Path<T>(pub T);

/// `axum::extract::Query` whose rejections are JSON errors, refusing an encoded NUL (`%00`).
#[derive(Debug)]
pub struct Query<T>(pub T);

/// Whether a percent-encoded address part holds a NUL character.
fn has_encoded_nul(text: &str) -> bool {
    text.contains("%00")
}

fn nul_in_address() -> ApiError {
    ApiError::bad_request("nul_character", "the address may not contain the NUL character (%00)")
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(nul_in_address());
        }
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        if parts.uri.query().is_some_and(has_encoded_nul) {
            return Err(nul_in_address());
        }
        let axum::extract::Query(value) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

/// Turns a unique-constraint violation into a 409 that names the field.
pub trait ResultExt<T> {
    /// Maps a violation of `constraint` to a conflict error about `field`.
    fn on_constraint(self, constraint: &str, field: &str, message: &str) -> ApiResult<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: &str, field: &str, message: &str) -> ApiResult<T> {
        self.map_err(|error| match &error {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => {
                ApiError::conflict("already_exists", message).with_details(json!({ "field": field }))
            }
            _ => error.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn an_escaped_nul_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(has_escaped_nul(br#"{"name": "a\u0000b"}"#));
        assert!(!has_escaped_nul(br#"{"name": "a\\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"name": "a\\\u0000b"}"#));
        assert!(!has_escaped_nul(br#"{"name": "\u00e9"}"#));
        assert!(!has_escaped_nul(br#"{"name": "ends with \"#));
    }
}
