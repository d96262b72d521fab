//! Config structs for the tests, each covering shapes a real app has.

use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A web service: ports, secrets, nested sections, lists, maps and enums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "SHOP_", liveness = "/healthz", readiness = "/readyz")]
pub struct Shop {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    #[schemars(range(min = 1024, max = 65535))]
    pub http_port: u16,
    /// Port of the metrics endpoint, which Prometheus scrapes.
    #[gitops(port = "metrics", metrics = "/metrics")]
    pub metrics_port: u16,
    /// Postgres connection string.
    #[gitops(secret)]
    pub database_url: String,
    /// Key for the admin API; the admin API is off without it.
    #[gitops(secret, env = "SHOP_ADMIN_KEY")]
    pub admin_api_key: Option<String>,
    /// Name shown on the storefront.
    #[schemars(length(min = 1, max = 64))]
    pub store_name: String,
    /// Log verbosity.
    pub log_level: LogLevel,
    /// Upper bound of a request body, in bytes.
    pub max_body_bytes: u64,
    /// Share of requests traced, 0 to 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sample_ratio: f64,
    /// Origins allowed to call the API.
    pub allowed_origins: Vec<String>,
    /// Extra response headers.
    pub extra_headers: BTreeMap<String, String>,
    /// Contact address shown in error pages; none by default.
    #[schemars(regex(pattern = r"^[^@\s]+@[^@\s]+$"))]
    pub support_email: Option<String>,
    /// Wire name differs from the Rust name.
    #[serde(rename = "region")]
    pub deployment_region: String,
    /// YAML 1.1 reads a bare `on` as true; the key must stay a string.
    pub on: bool,
    /// Kept in memory only; never configured.
    #[serde(skip)]
    pub started: bool,
    /// serde reads it, the chart leaves it alone.
    #[gitops(skip)]
    pub build_info: String,
    /// Payment provider settings.
    pub payments: Payments,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
}

/// Payment provider settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "kebab-case", default)]
pub struct Payments {
    /// Base URL of the provider's API.
    #[schemars(regex(pattern = r"^https://"))]
    pub api_url: String,
    /// Timeout of one call, in milliseconds.
    pub timeout_ms: u32,
    /// Retries before a payment fails; the provider's default when unset.
    pub retries: Option<u8>,
    /// Signs the provider's webhooks.
    #[gitops(secret)]
    pub webhook_secret: String,
}

impl Default for Payments {
    fn default() -> Self {
        Payments {
            api_url: "https://pay.example/v2".into(),
            timeout_ms: 2500,
            retries: None,
            webhook_secret: String::new(),
        }
    }
}

/// The smallest useful config: a worker with no port and no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
// Unprefixed variables (`CONCURRENCY`, `QUEUE`), by choice.
#[gitops(env_prefix = "")]
pub struct Worker {
    /// Jobs processed at once.
    #[schemars(range(min = 1, max = 64))]
    pub concurrency: u8,
    /// Queue to read jobs from.
    pub queue: String,
}

impl Default for Shop {
    fn default() -> Self {
        Shop {
            http_port: 8080,
            metrics_port: 9090,
            database_url: String::new(),
            admin_api_key: None,
            store_name: "Corner Shop".into(),
            log_level: LogLevel::Info,
            max_body_bytes: 104_857_600,
            sample_ratio: 0.1,
            allowed_origins: vec!["https://shop.example".into()],
            extra_headers: BTreeMap::new(),
            support_email: None,
            deployment_region: "eu-west-1".into(),
            on: true,
            started: false,
            build_info: String::new(),
            payments: Payments::default(),
        }
    }
}

impl Default for Worker {
    fn default() -> Self {
        Worker { concurrency: 4, queue: "jobs".into() }
    }
}

/// Only secrets: no ConfigMap, no port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "VAULT_")]
pub struct SecretsOnly {
    /// Token of the upstream API.
    #[gitops(secret)]
    pub api_token: String,
    /// Database credentials.
    pub database: Database,
}

/// Database credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Database {
    /// Password of the app's user.
    #[gitops(secret)]
    pub password: Option<String>,
}

/// A service with one port and no probe paths: the chart probes it with
/// TCP connects. Env delivery, no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "ECHO_")]
pub struct Echo {
    /// Port the echo server listens on.
    #[gitops(port = "web")]
    pub port: u16,
    /// Prefix of every reply.
    pub reply_prefix: String,
}

impl Default for Echo {
    fn default() -> Self {
        Echo { port: 7000, reply_prefix: "echo: ".into() }
    }
}

/// File delivery, two ports, a liveness path but no readiness path (that
/// probe is a TCP connect), a required and an optional secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "GW_", delivery = "file", liveness = "/livez")]
pub struct Gateway {
    /// Port of the proxied traffic.
    #[gitops(port = "proxy")]
    pub proxy_port: u16,
    /// Port of the admin API.
    #[gitops(port = "admin")]
    pub admin_port: u16,
    /// Where requests go.
    pub upstream: String,
    /// Private key of the TLS certificate.
    #[gitops(secret)]
    pub tls_key: String,
    /// Token of the admin API; the admin API is off without it.
    #[gitops(secret)]
    pub admin_token: Option<String>,
}

impl Default for Gateway {
    fn default() -> Self {
        Gateway {
            proxy_port: 8443,
            admin_port: 9901,
            upstream: "http://backend:8080".into(),
            tls_key: String::new(),
            admin_token: None,
        }
    }
}

/// Env delivery, a readiness path but no liveness path (that probe is a TCP
/// connect), and only an optional secret: the pods start without the Secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "RELAY_", readiness = "/ready")]
pub struct Relay {
    /// Port the relay listens on.
    #[gitops(port = "http")]
    pub port: u16,
    /// Token presented upstream; anonymous without it.
    #[gitops(secret)]
    pub upstream_token: Option<String>,
    /// Where messages are relayed.
    pub target: String,
}

impl Default for Relay {
    fn default() -> Self {
        Relay { port: 8000, upstream_token: None, target: "nats://nats:4222".into() }
    }
}

/// Strings that YAML 1.1, Go templates or shells would change if written
/// carelessly; used as keys and values of [`Hostile`]'s defaults.
pub const HOSTILE_STRINGS: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "null",
    "~",
    "",
    " lead",
    "trail ",
    "0777",
    "0x1F",
    "1e3",
    "1_000",
    "12:30",
    "-",
    "- a",
    "? q",
    ": c",
    "a: b",
    "a #b",
    "#c",
    "'q'",
    "\"dq\"",
    "{{ .Values }}",
    "{a}",
    "[b]",
    "&anchor",
    "*alias",
    "!tag",
    "%dir",
    "@at",
    "`tick`",
    "|",
    "> fold",
    "multi\nline",
    "tab\there",
    "unicode é ✓",
    "\u{85}",
    "2001-01-01",
    ".inf",
    ".NaN",
    "<<",
    "=",
    "\\back",
];

/// Defaults made of [`HOSTILE_STRINGS`], to prove values.yaml keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
#[gitops(env_prefix = "")]
pub struct Hostile {
    /// Each hostile string as a key and as a value.
    pub entries: BTreeMap<String, String>,
    /// Each hostile string in a list.
    pub list: Vec<String>,
    /// One hostile string as a plain string leaf.
    pub word: String,
}

impl Default for Hostile {
    fn default() -> Self {
        Hostile {
            entries: HOSTILE_STRINGS.iter().map(|s| (s.to_string(), s.to_string())).collect(),
            list: HOSTILE_STRINGS.iter().map(|s| s.to_string()).collect(),
            word: "yes".into(),
        }
    }
}

/// Declares a config struct of every value type a round trip must carry,
/// with the given delivery mode: the same fields in both modes.
macro_rules! round_trip_config {
    ($(#[$doc:meta])* $name:ident, $delivery:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
        #[serde(rename_all = "camelCase", default)]
        #[gitops(env_prefix = "RT_", delivery = $delivery)]
        pub struct $name {
            pub text: String,
            pub maybe_text: Option<String>,
            /// `Some` by default: a values file can set it to `null`.
            pub timeout: Option<u32>,
            /// Text, `Some` by default.
            pub greeting: Option<String>,
            pub count: u32,
            pub big: u64,
            pub signed: i64,
            pub ratio: f64,
            pub small_ratio: f32,
            pub flag: bool,
            pub maybe_flag: Option<bool>,
            pub words: Vec<String>,
            pub labels: BTreeMap<String, String>,
            pub level: LogLevel,
            #[gitops(secret)]
            pub token: String,
            #[gitops(secret)]
            pub maybe_token: Option<String>,
            pub limits: Limits,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    text: String::new(),
                    maybe_text: None,
                    timeout: Some(30),
                    greeting: Some("hello".into()),
                    count: 0,
                    big: 0,
                    signed: 0,
                    ratio: 0.0,
                    small_ratio: 0.0,
                    flag: false,
                    maybe_flag: None,
                    words: Vec::new(),
                    labels: BTreeMap::new(),
                    level: LogLevel::default(),
                    token: String::new(),
                    maybe_token: None,
                    limits: Limits::default(),
                }
            }
        }
    };
}

round_trip_config!(
    /// Every value type, delivered as env vars.
    RoundTripEnv,
    "env"
);
round_trip_config!(
    /// Every value type, delivered as a mounted file.
    RoundTripFile,
    "file"
);

/// A nested section of the round-trip configs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    pub per_minute: Option<u32>,
    pub ports: Vec<u16>,
    pub nested_text: String,
    /// `Some` by default, in a section.
    pub burst: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_minute: None, ports: Vec::new(), nested_text: String::new(), burst: Some(5) }
    }
}

/// Every kind of leaf and section a values file can get wrong, for the
/// Helm-vs-loader verdict test: bounds, lengths, a pattern, an enum, an
/// `Option`, a bounded list, a map, an object leaf that rejects unknown
/// keys, and a nested section with required keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "V_")]
pub struct Verdicts {
    #[gitops(port = "http")]
    #[schemars(range(min = 1024, max = 65535))]
    pub port: u16,
    pub signed: i64,
    #[schemars(range(min = 0.0, max = 1.0))]
    pub ratio: f64,
    pub flag: bool,
    #[schemars(length(min = 1, max = 8))]
    #[schemars(regex(pattern = r"^[a-z]+$"))]
    pub name: String,
    pub level: LogLevel,
    pub retries: Option<u8>,
    #[schemars(length(max = 3))]
    pub tags: Vec<String>,
    pub weights: BTreeMap<String, u32>,
    // A struct without `GitOps`: one JSON value, by choice.
    #[gitops(json)]
    pub endpoint: Option<Endpoint>,
    pub limits: VerdictLimits,
}

impl Default for Verdicts {
    fn default() -> Self {
        Verdicts {
            port: 8080,
            signed: 0,
            ratio: 0.5,
            flag: false,
            name: "shop".into(),
            level: LogLevel::Info,
            retries: None,
            tags: Vec::new(),
            weights: BTreeMap::new(),
            endpoint: None,
            limits: VerdictLimits::default(),
        }
    }
}

/// A value that is an object, not a section: its schema is schemars' own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// A nested section of [`Verdicts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
pub struct VerdictLimits {
    #[schemars(range(min = 1))]
    pub per_second: u32,
    pub burst: Option<u32>,
}

impl Default for VerdictLimits {
    fn default() -> Self {
        VerdictLimits { per_second: 10, burst: Some(20) }
    }
}

/// A recursive value type: schemars keeps it in `definitions` even with
/// subschemas inlined, so the chart's schema and the loader's reach it by
/// `$ref`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
#[gitops(env_prefix = "MENU_")]
pub struct Menu {
    /// The menu's top entries.
    pub entries: Vec<MenuEntry>,
}

impl Default for Menu {
    fn default() -> Self {
        let leaf = MenuEntry { label: "about".into(), weight: 2, children: Vec::new() };
        Menu { entries: vec![MenuEntry { label: "home".into(), weight: 1, children: vec![leaf] }] }
    }
}

/// One entry of [`Menu`], holding entries of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuEntry {
    pub label: String,
    pub weight: u64,
    pub children: Vec<MenuEntry>,
}

/// An operator: it reconciles `Cart`s cluster-wide, elects a leader in its
/// own namespace, and serves health and metrics on one port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "CARTS_", liveness = "/healthz", readiness = "/readyz")]
pub struct CartOperator {
    /// Port of the health and metrics endpoints.
    #[gitops(port = "http", metrics = "/metrics")]
    pub http_port: u16,
    /// Seconds between two reconciliations of an unchanged cart.
    pub resync_seconds: u32,
    /// Name of the Lease the replicas elect their leader with.
    pub leader_lease: String,
}

impl Default for CartOperator {
    fn default() -> Self {
        CartOperator { http_port: 8080, resync_seconds: 300, leader_lease: "carts-leader".into() }
    }
}
