//! Configs the chart cannot carry faithfully are refused when the chart is
//! generated, with every problem named at once.

use gitops_gen::{Chart, Error};
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn problems<T: GitOps + JsonSchema + Serialize + Default>() -> Vec<String> {
    match Chart::new("app").image("app").config::<T>().generate().map(|g| g.chart) {
        Err(Error::Config { problems, .. }) => problems.into_iter().map(|p| p.message).collect(),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
#[gitops(env_prefix = "")]
struct Numbers {
    /// float64 cannot hold it.
    big: u64,
    /// A port no container can open.
    #[gitops(port = "http")]
    port: u16,
    /// NaN serializes as null.
    ratio: f64,
}

impl Default for Numbers {
    fn default() -> Self {
        Numbers { big: (1 << 53) + 1, port: 0, ratio: f64::NAN }
    }
}

#[test]
fn numbers_helm_cannot_carry_are_refused() {
    let p = problems::<Numbers>();
    assert_eq!(p.len(), 3, "{p:#?}");
    assert!(p[0].contains("`big`") && p[0].contains("9007199254740993"), "{}", p[0]);
    assert!(p[1].contains("`port`") && p[1].contains("1..=65535"), "{}", p[1]);
    assert!(p[2].contains("`ratio`") && p[2].contains("null"), "{}", p[2]);
}

/// Deserialized from a string by serde, but its schema is an object.
#[derive(Serialize, Deserialize, JsonSchema, Default)]
struct Credentials {
    user: String,
    password: String,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "")]
struct SecretObject {
    #[gitops(secret)]
    credentials: Credentials,
}

#[test]
fn a_secret_must_be_text() {
    let p = problems::<SecretObject>();
    assert!(p.iter().any(|m| m.contains("`credentials`") && m.contains("not a string")), "{p:#?}");
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "APP_")]
struct Outer {
    db: Inner,
    #[gitops(env = "APP_DB__HOST")]
    host_override: String,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
struct Inner {
    host: String,
}

#[test]
fn env_vars_colliding_across_sections_are_refused() {
    let p = problems::<Outer>();
    assert!(
        p.iter().any(|m| m.contains("APP_DB__HOST")
            && m.contains("`db.host`")
            && m.contains("`host_override`")),
        "{p:#?}"
    );
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "")]
struct NoPrefix {
    #[serde(rename = "1st")]
    first: String,
}

#[test]
fn env_names_must_be_valid() {
    let p = problems::<NoPrefix>();
    assert!(p.iter().any(|m| m.contains("`1ST`") && m.contains("not a valid name")), "{p:#?}");
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "")]
struct DefaultBreaksSchema {
    /// `u8::default()` is 0, below the minimum.
    #[schemars(range(min = 1, max = 64))]
    concurrency: u8,
    #[schemars(length(min = 1))]
    queue: String,
}

#[test]
fn a_default_that_breaks_its_own_schema_is_refused() {
    let p = problems::<DefaultBreaksSchema>();
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(p[0].contains("`concurrency`") && p[0].contains("minimum"), "{}", p[0]);
    assert!(p[1].contains("`queue`") && p[1].contains("short"), "{}", p[1]);
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
struct Drain {
    #[gitops(shutdown_timeout)]
    seconds: u32,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "")]
struct TwoGracePeriods {
    #[gitops(shutdown_timeout)]
    shutdown_seconds: u32,
    jobs: Drain,
}

#[test]
fn one_shutdown_timeout_per_pod_across_sections() {
    let p = problems::<TwoGracePeriods>();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("`jobs.seconds`")
            && p[0].contains("`shutdown_seconds`")
            && p[0].contains("one grace period"),
        "{}",
        p[0]
    );
}

/// Keys whose env vars a kubelet service link could also set, with a value
/// the key would take as its own.
#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "APP_")]
struct LinkLookalikes {
    /// `APP_SERVICE_PORT`: a link of Service `app` holds a port number.
    service_port: u16,
    /// `APP_UPSTREAM_PORT`: Service `app-upstream` sets it to a URL, which is text.
    upstream_port: String,
    /// `APP_PORT`: a link holds `tcp://…`, never JSON: told apart by its value.
    port: u16,
    /// `APP_DB__PORT`: no Service name has `__`.
    db: Db,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
struct Db {
    port: String,
}

#[test]
fn keys_a_service_link_could_pass_for_are_refused() {
    let p = problems::<LinkLookalikes>();
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(
        p[0].contains("`service_port`")
            && p[0].contains("APP_SERVICE_PORT")
            && p[0].contains("service link")
            && p[0].contains("port number"),
        "{}",
        p[0]
    );
    assert!(p[1].contains("`upstream_port`") && p[1].contains("text"), "{}", p[1]);
}

/// A root without `env_prefix`: the derive cannot know it is the root
/// (nested structs need no prefix), generation can.
#[derive(Debug, Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
struct Unprefixed {
    queue: String,
}

#[test]
fn a_root_without_env_prefix_is_refused() {
    let p = problems::<Unprefixed>();
    assert_eq!(
        p,
        ["`Unprefixed` is the root config but has no `env_prefix`: add e.g. \
          `#[gitops(env_prefix = \"APP_\")]` to `Unprefixed` (every variable then starts with it, \
          and the loader rejects a misspelt one), or `#[gitops(env_prefix = \"\")]` for variables \
          without a prefix, which turns that check off"]
    );
    // The loader refuses it too, before reading anything.
    let err =
        gitops_types::Loader::<Unprefixed>::with_vars([("QUEUE", "jobs")]).load().unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert!(err.problems[0].message.contains("has no `env_prefix`"), "{err}");
}

/// Looks like a section, but derives no `GitOps`.
#[derive(Serialize, Deserialize, JsonSchema, Default)]
struct Upstream {
    host: String,
    port: u16,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps, Default)]
#[serde(default)]
#[gitops(env_prefix = "APP_")]
struct StructLeaves {
    upstream: Upstream,
    fallback: Option<Upstream>,
    /// Maps and lists of structs are values by nature.
    by_region: std::collections::BTreeMap<String, Upstream>,
    mirrors: Vec<Upstream>,
    #[gitops(json)]
    kept: Upstream,
    /// schemars describes it as a struct, `{secs, nanos}`.
    timeout: std::time::Duration,
}

#[test]
fn a_struct_without_gitops_is_refused_unless_marked_json() {
    let p = problems::<StructLeaves>();
    assert_eq!(
        p,
        [
            "`upstream` (StructLeaves.upstream): its type is a struct (keys `host`, `port`) that \
             does not derive `GitOps`, so the chart would carry it as one JSON value in one env \
             var, `APP_UPSTREAM`; derive `GitOps` on the type for a section with a variable per \
             key, or mark the field `#[gitops(json)]` to keep it one JSON value",
            "`fallback` (StructLeaves.fallback): its type is a struct (keys `host`, `port`) that \
             does not derive `GitOps`, so the chart would carry it as one JSON value in one env \
             var, `APP_FALLBACK`; derive `GitOps` on the type for a section with a variable per \
             key, or mark the field `#[gitops(json)]` to keep it one JSON value",
            "`timeout` (StructLeaves.timeout): its type is a struct (keys `nanos`, `secs`) that \
             does not derive `GitOps`, so the chart would carry it as one JSON value in one env \
             var, `APP_TIMEOUT`; derive `GitOps` on the type for a section with a variable per \
             key, or mark the field `#[gitops(json)]` to keep it one JSON value",
        ]
    );
}
