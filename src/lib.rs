//! Sweep: dispatch and volunteer coordination for search-and-rescue teams.
//!
//! [`app`] builds the whole HTTP application from the capabilities' routers; [`serve`] runs it
//! on a listener until a shutdown signal. `main.rs` and the tests start the server the same way.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod cases;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod health;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod operations;
pub mod outbox;
pub mod realtime;
pub mod registry;
pub mod state;
pub mod tracking;
pub mod users;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use config::Config;
pub use state::AppState;

/// The API description's fixed parts; paths are added by each capability's router.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sweep API", description = "Dispatch and volunteer coordination for search-and-rescue teams."),
    components(schemas(error::ErrorBody)),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new()),
        ]);
    }
}

/// Every capability's routes with their API description.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(web::router())
        .routes(utoipa_axum::routes!(api_description))
        .merge(auth::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(cases::router())
        .merge(operations::router())
        .merge(alerts::router())
        .merge(registry::router())
        .merge(realtime::router())
        .merge(tracking::router())
}

/// The API description (OpenAPI 3.1) of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// This API description, generated from the code.
#[utoipa::path(get, path = "/api/openapi.json", tag = "web", security(()),
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
async fn api_description() -> axum::Json<&'static utoipa::openapi::OpenApi> {
    static DESCRIPTION: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    axum::Json(DESCRIPTION.get_or_init(openapi))
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes().split_for_parts();
    let csp = web::content_security_policy(state.config.tile_url.as_deref());
    router
        .fallback(web::fallback)
        // Innermost first: a panic or a timeout still becomes a JSON error that is counted,
        // traced and carries the security headers.
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a request handler panicked");
            error::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error, logged on the server")
                .into_response()
        }))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(axum::middleware::from_fn(web::json_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("the policy is ASCII"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Chooses rustls' crypto backend for the process (two are linked in through dependencies, so
/// rustls cannot pick one by itself). Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the
/// requests in flight. The background work (live updates, checklist escalation) runs as long.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = [
        tokio::spawn(realtime::listen(state.clone(), state.shutdown.subscribe())),
        tokio::spawn(cases::run_escalation(state.clone(), state.shutdown.subscribe())),
        tokio::spawn(operations::coverage::run(state.clone(), state.shutdown.subscribe())),
        tokio::spawn(operations::field_alerts::run(state.clone(), state.shutdown.subscribe())),
        tokio::spawn(outbox::run(state.clone(), state.shutdown.subscribe())),
        tokio::spawn(tracking::writer::run(state.clone(), state.shutdown.subscribe())),
    ];
    let stop = state.shutdown.clone();
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    for task in background {
        let _ = task.await;
    }
    result
}
