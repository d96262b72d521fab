//! The service's configuration: the single source of truth for the Helm chart
//! in `chart/` (written by `build.rs`, which includes this file) and for what
//! the service reads at start-up.
//!
//! Keep this module free of anything but serde, schemars and gitops-types:
//! `build.rs` compiles it on its own.

use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Orders service: takes and lists customer orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "ORDERS_", liveness = "/healthz", readiness = "/readyz")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    #[schemars(range(min = 1024, max = 65535))]
    pub http_port: u16,
    /// Port of the Prometheus metrics endpoint, apart from the API so the
    /// ingress never exposes it.
    #[gitops(port = "metrics", metrics = "/metrics")]
    #[schemars(range(min = 1024, max = 65535))]
    pub metrics_port: u16,
    /// Postgres connection string.
    #[gitops(secret)]
    pub database_url: String,
    /// Greeting returned by `GET /`.
    #[schemars(length(min = 1, max = 200))]
    pub greeting: String,
    /// Seconds to wait for in-flight requests after SIGTERM.
    #[gitops(shutdown_timeout)]
    #[schemars(range(min = 1, max = 300))]
    pub shutdown_timeout_seconds: u32,
    /// Log level filter.
    pub log_level: LogLevel,
    /// Origins allowed to call the API from a browser (CORS); empty allows none.
    pub allowed_origins: Vec<String>,
    /// API key for the admin endpoints; without one they are disabled.
    #[gitops(secret)]
    pub admin_api_key: Option<String>,
    /// Export of traces to an OpenTelemetry collector.
    pub tracing: Tracing,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http_port: 8080,
            metrics_port: 9090,
            database_url: String::new(),
            greeting: "hello from orders".to_owned(),
            shutdown_timeout_seconds: 20,
            log_level: LogLevel::default(),
            allowed_origins: Vec::new(),
            admin_api_key: None,
            tracing: Tracing::default(),
        }
    }
}

/// How much the service logs, from least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

/// Trace export settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
pub struct Tracing {
    /// Export traces at all.
    pub enabled: bool,
    /// OTLP/HTTP endpoint of the collector.
    #[schemars(regex(pattern = r"^https?://"))]
    pub otlp_endpoint: String,
    /// Fraction of requests traced, from 0.0 (none) to 1.0 (all).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sample_ratio: f64,
}

impl Default for Tracing {
    fn default() -> Self {
        Tracing {
            enabled: false,
            otlp_endpoint: "http://localhost:4318".to_owned(),
            sample_ratio: 0.1,
        }
    }
}
