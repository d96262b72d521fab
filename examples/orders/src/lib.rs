//! The orders service: an HTTP API whose Helm chart is generated from
//! [`Config`] at build time.
//!
//! Endpoints:
//! - `GET /healthz`: 200 `ok` while the process serves requests (liveness).
//! - `GET /readyz`: 200 `ready` once the listener is bound, 503 once shutdown began (readiness).
//! - `GET /`: the configured greeting.
//! - `GET /version`: the build's provenance as JSON, `{"version", "commit",
//!   "dirty", "builtAt"}` ([`BUILD`]; `null` for what the build did not know).
//! - `GET /admin/status`: 200 with `Authorization: Bearer <adminApiKey>`, 401 without it,
//!   404 when no admin key is configured.
//!
//! A browser request whose `Origin` is in `allowedOrigins` gets it back in
//! `Access-Control-Allow-Origin`.
//!
//! On `metricsPort`, `GET /metrics` serves the request count in Prometheus's
//! text format (the path the config struct declares, which the chart's
//! scrape annotations or ServiceMonitor name).

pub mod config;

pub use config::{Config, LogLevel, Tracing};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::future::{Future, IntoFuture};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// This binary's provenance: crate version, git commit, dirty flag and
/// source date, set by `build.rs` through `gitops_gen::build_info::emit()`.
pub const BUILD: gitops_types::BuildInfo = gitops_types::build_info!();

/// Whether the service takes new traffic: what `GET /readyz` answers.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Not ready yet.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The status classes `GET /metrics` counts responses by.
const CODES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// What `GET /metrics` reports: requests the API has answered, by status
/// class (the canary analysis's success rate is the share without `5xx`);
/// the probes are not counted.
#[derive(Debug, Clone, Default)]
pub struct Metrics(Arc<[AtomicU64; 5]>);

impl Metrics {
    fn count(&self, status: StatusCode) {
        let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
        self.0[class].fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of the counters.
    pub fn exposition(&self) -> String {
        let mut out = String::from(
            "# HELP orders_http_requests_total Requests the API has answered, by status class.\n\
             # TYPE orders_http_requests_total counter\n",
        );
        for (code, count) in CODES.iter().zip(self.0.iter()) {
            let count = count.load(Ordering::Relaxed);
            out.push_str(&format!("orders_http_requests_total{{code=\"{code}\"}} {count}\n"));
        }
        out
    }
}

/// The metrics port's routes.
pub fn metrics_router(metrics: Metrics) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(metrics): State<Metrics>| async move {
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.exposition())
            }),
        )
        .with_state(metrics)
}

#[derive(Clone)]
struct AppState {
    config: Arc<Config>,
    readiness: Readiness,
    metrics: Metrics,
}

/// The service's routes, reporting ready at once (for tests and embedding).
pub fn router(config: Arc<Config>) -> Router {
    let readiness = Readiness::new();
    readiness.set(true);
    router_with_readiness(config, readiness)
}

/// The service's routes; `GET /readyz` follows `readiness`.
pub fn router_with_readiness(config: Arc<Config>, readiness: Readiness) -> Router {
    router_with(config, readiness, Metrics::default())
}

fn router_with(config: Arc<Config>, readiness: Readiness, metrics: Metrics) -> Router {
    let state = AppState { config, readiness, metrics };
    Router::new()
        .route("/", get(greeting))
        .route("/version", get(version))
        .route("/admin/status", get(admin_status))
        // Only what clients ask is counted: the kubelet's probes would
        // lift the success rate the canary analysis judges.
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .with_state(state)
}

async fn greeting(State(state): State<AppState>) -> String {
    state.config.greeting.clone()
}

async fn version() -> Response {
    match serde_json::to_string(&BUILD) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.readiness.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

async fn admin_status(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(key) = state.config.admin_api_key.as_deref().filter(|k| !k.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented.is_some_and(|p| constant_time_eq(p.as_bytes(), key.as_bytes())) {
        format!("admin ok; log level {:?}", state.config.log_level).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response()
    }
}

/// Compares without stopping at the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.metrics.count(response.status());
    response
}

/// Echoes an allowed `Origin` back; other origins get no CORS headers, so the
/// browser blocks them.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        let allowed =
            origin.to_str().is_ok_and(|o| state.config.allowed_origins.iter().any(|a| a == o));
        if allowed {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
    response
}

/// Whether a message at `level` passes the configured filter.
pub fn log_enabled(config: &Config, level: LogLevel) -> bool {
    level <= config.log_level
}

/// The schema migrations `orders migrate` applies, in order.
pub const MIGRATIONS: &[&str] = &["0001_create_orders", "0002_add_order_status"];

/// What `orders migrate` does, which the chart's migration Job runs before
/// each install and upgrade (`deploy.rs`): the config is loaded exactly as
/// the service loads it, and the database URL must be a Postgres one. This
/// example ships no database driver, so it stops there and returns the
/// migrations a real service would apply; the Job proves the delivery.
pub fn migrate(config: &Config) -> Result<&'static [&'static str], String> {
    let url = config.database_url.as_str();
    if url.is_empty() {
        return Err("databaseUrl is empty: the migration needs the database (the Secret's `databaseUrl` key)".into());
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("databaseUrl is not a postgres:// URL".into());
    }
    Ok(MIGRATIONS)
}

/// Serves the API on `listener` until `shutdown` completes, then lets
/// in-flight requests finish for at most `shutdown_timeout_seconds`.
/// Readiness turns true once serving and false as soon as shutdown begins.
/// The metrics on `metrics_listener` are served until the API stops.
pub async fn serve(
    listener: TcpListener,
    metrics_listener: TcpListener,
    config: Arc<Config>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let readiness = Readiness::new();
    let metrics = Metrics::default();
    let app = router_with(config.clone(), readiness.clone(), metrics.clone());
    let metrics_server =
        tokio::spawn(axum::serve(metrics_listener, metrics_router(metrics)).into_future());
    let _stop_metrics = AbortOnDrop(metrics_server);
    let grace = Duration::from_secs(config.shutdown_timeout_seconds.into());

    let (began_tx, began_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = {
        let readiness = readiness.clone();
        async move {
            shutdown.await;
            readiness.set(false);
            let _ = began_tx.send(());
        }
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(signal).into_future();
    readiness.set(true);

    let deadline = async move {
        match began_rx.await {
            Ok(()) => tokio::time::sleep(grace).await,
            // The server ended without a shutdown signal: its result decides.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "requests still in flight {}s after shutdown began (shutdownTimeoutSeconds); stopping anyway",
                grace.as_secs()
            ),
        )),
    }
}

/// Stops a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<io::Result<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::Request;
    use std::io::{Read, Write};
    use tower::ServiceExt;

    async fn get(
        app: Router,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    fn config() -> Arc<Config> {
        Arc::new(Config {
            greeting: "hi there".to_owned(),
            allowed_origins: vec!["https://shop.example".to_owned()],
            admin_api_key: Some("s3cret".to_owned()),
            ..Config::default()
        })
    }

    #[tokio::test]
    async fn healthz_and_greeting() {
        let (status, _, body) = get(router(config()), "/healthz", &[]).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
        let (status, _, body) = get(router(config()), "/", &[]).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "hi there"));
    }

    #[tokio::test]
    async fn version_is_the_build_info() {
        let (status, headers, body) = get(router(config()), "/version", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/json");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json, serde_json::to_value(BUILD).unwrap());
        // build.rs ran the emitter: each variable is set, if only to "" (unknown).
        assert!(option_env!("GITOPS_BUILD_COMMIT").is_some(), "build.rs calls build_info::emit()");
        assert_eq!(json["commit"].is_string(), !env!("GITOPS_BUILD_COMMIT").is_empty());
        assert_eq!(json["builtAt"].is_string(), !env!("GITOPS_BUILD_TIME").is_empty());
    }

    #[tokio::test]
    async fn readyz_follows_readiness() {
        let readiness = Readiness::new();
        let app = router_with_readiness(config(), readiness.clone());
        let (status, _, _) = get(app.clone(), "/readyz", &[]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        readiness.set(true);
        let (status, _, body) = get(app, "/readyz", &[]).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
    }

    #[tokio::test]
    async fn cors_echoes_only_allowed_origins() {
        let (_, headers, _) =
            get(router(config()), "/", &[("origin", "https://shop.example")]).await;
        assert_eq!(headers["access-control-allow-origin"], "https://shop.example");
        let (_, headers, _) =
            get(router(config()), "/", &[("origin", "https://evil.example")]).await;
        assert!(!headers.contains_key("access-control-allow-origin"));
    }

    #[tokio::test]
    async fn admin_needs_the_key() {
        let (status, _, _) = get(router(config()), "/admin/status", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) =
            get(router(config()), "/admin/status", &[("authorization", "Bearer nope")]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) =
            get(router(config()), "/admin/status", &[("authorization", "Bearer s3cret")]).await;
        assert_eq!(status, StatusCode::OK);
        let no_key = Arc::new(Config::default());
        let (status, _, _) = get(router(no_key), "/admin/status", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn log_levels_filter_from_error_to_trace() {
        let config = Config { log_level: LogLevel::Warn, ..Config::default() };
        assert!(log_enabled(&config, LogLevel::Error));
        assert!(log_enabled(&config, LogLevel::Warn));
        assert!(!log_enabled(&config, LogLevel::Info));
    }

    fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    /// The real server over real sockets: answers, counts the request on the
    /// metrics port, then shuts down gracefully.
    #[test]
    fn serves_over_tcp_and_shuts_down() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let metrics_listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let (addr, metrics_addr) =
            (listener.local_addr().unwrap(), metrics_listener.local_addr().unwrap());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            runtime.block_on(serve(listener, metrics_listener, config(), async {
                let _ = stop_rx.await;
            }))
        });

        let response = http_get(addr, "/");
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("\r\n\r\nhi there"), "{response}");
        let metrics = http_get(metrics_addr, "/metrics");
        assert!(metrics.contains("\norders_http_requests_total{code=\"2xx\"} 1\n"), "{metrics}");
        assert!(metrics.contains("\norders_http_requests_total{code=\"5xx\"} 0\n"), "{metrics}");
        assert!(http_get(addr, "/metrics").starts_with("HTTP/1.1 404"), "not on the API port");

        stop_tx.send(()).unwrap();
        server.join().unwrap().expect("graceful shutdown");
    }

    /// A request still in flight when the grace period ends does not hold the
    /// process: `serve` gives up after `shutdown_timeout_seconds`.
    #[test]
    fn shutdown_is_bounded_by_the_timeout() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let metrics_listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Arc::new(Config { shutdown_timeout_seconds: 1, ..Config::default() });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            runtime.block_on(serve(listener, metrics_listener, config, async {
                let _ = stop_rx.await;
            }))
        });

        // Half a request: the server waits for the rest.
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let started = std::time::Instant::now();
        stop_tx.send(()).unwrap();
        let err = server.join().unwrap().expect_err("the grace period ran out");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
