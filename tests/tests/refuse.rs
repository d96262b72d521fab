//! Configs the chart cannot carry faithfully are refused when the chart is
//! generated, with every problem named at once.

use gitops_gen::{Chart, Error, Problem, ProblemKind};
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn problems<T: GitOps + JsonSchema + Serialize + Default>() -> Vec<String> {
    typed_problems::<T>().into_iter().map(|p| p.message).collect()
}

fn typed_problems<T: GitOps + JsonSchema + Serialize + Default>() -> Vec<Problem> {
    match Chart::new("app").image("app").config::<T>().generate() {
        Err(Error::Config { problems, .. }) => problems,
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
    // Each problem names its config key, as a field of its own.
    let typed = typed_problems::<Numbers>();
    let culprits: Vec<_> = typed.iter().map(|p| (p.kind, p.key.as_deref())).collect();
    assert_eq!(
        culprits,
        [
            (ProblemKind::Unsupported, Some("big")),
            (ProblemKind::Refused, Some("port")),
            (ProblemKind::Missing, Some("ratio")),
        ]
    );
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

#[derive(Serialize, Deserialize, JsonSchema, Default)]
enum Level {
    #[default]
    Info,
    Debug,
}

/// A struct kept as one JSON value, whose own field has a bound.
#[derive(Serialize, Deserialize, JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
struct Window {
    #[schemars(range(min = 1))]
    size: u32,
}

#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
struct Limits {
    /// In a section: the path names it.
    #[schemars(range(max = 10))]
    burst: u32,
    /// Within range: not reported.
    #[schemars(range(min = 1, max = 10))]
    rate: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { burst: 11, rate: 5 }
    }
}

/// One default outside each kind of constraint a schema can state; the
/// fields whose defaults fit are not reported.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(default)]
#[gitops(env_prefix = "APP_")]
struct EveryRefusal {
    #[schemars(range(min = 1, max = 64))]
    above_range: u8,
    #[schemars(range(min = 1.5))]
    below_float: f64,
    #[schemars(length(max = 3))]
    too_long: String,
    #[schemars(length(min = 2))]
    too_few: Vec<String>,
    #[schemars(regex(pattern = r"^[a-z]+$"))]
    not_matching: String,
    /// A text field whose schema is an enum's: the default is no variant.
    #[schemars(with = "Level")]
    not_a_variant: String,
    /// Its schema is `u8`'s: the integer bound of the narrower type.
    #[schemars(with = "u8")]
    beyond_u8: u16,
    /// An integer schema for a number the Rust type lets be fractional.
    #[schemars(with = "u32")]
    fraction: f64,
    /// Items of a list, each checked.
    #[schemars(inner(regex(pattern = r"^\d+$")))]
    items: Vec<String>,
    /// `Option` defaulting to `Some`: its value's own problem.
    #[schemars(length(min = 4))]
    some_short: Option<String>,
    /// `None` is not checked against the value's schema.
    #[schemars(length(min = 4))]
    none_short: Option<String>,
    /// A struct kept as one JSON value: a key inside it.
    #[gitops(json)]
    window: Window,
    limits: Limits,
    /// Fits: not reported.
    #[schemars(range(min = 1, max = 64))]
    fine: u8,
    level: Level,
}

impl Default for EveryRefusal {
    fn default() -> Self {
        EveryRefusal {
            above_range: 65,
            below_float: 1.0,
            too_long: "four".into(),
            too_few: vec!["a".into()],
            not_matching: "ABC".into(),
            not_a_variant: "Trace".into(),
            beyond_u8: 256,
            fraction: 0.5,
            items: vec!["1".into(), "x".into()],
            some_short: Some("abc".into()),
            none_short: None,
            window: Window { size: 0 },
            limits: Limits::default(),
            fine: 8,
            level: Level::Debug,
        }
    }
}

#[test]
fn every_kind_of_constraint_a_default_breaks_is_reported_with_its_message() {
    let p = problems::<EveryRefusal>();
    let breaks = |key: &str, why: &str| {
        format!("`{key}`: the default breaks the field's own schema ({why}), so the chart's values.yaml would fail `helm install`")
    };
    assert_eq!(
        p,
        [
            breaks("above_range", "65 is above the maximum 64"),
            breaks("below_float", "1.0 is below the minimum 1.5"),
            breaks("beyond_u8", "256 is above the maximum 255"),
            breaks("fraction", "expected an integer from 0 to 4294967295, found 0.5"),
            breaks("items", r#"item 1: "x" does not match the pattern ^\d+$"#),
            breaks("limits.burst", "11 is above the maximum 10"),
            breaks("not_a_variant", r#""Trace" is not one of "Info", "Debug""#),
            breaks("not_matching", r#""ABC" does not match the pattern ^[a-z]+$"#),
            breaks("some_short", r#""abc" is too short: at least 4 characters"#),
            breaks("too_few", r#"["a"] is too short: at least 2 items"#),
            breaks("too_long", r#""four" is too long: at most 3 characters"#),
            breaks("window", "key `size`: 0 is below the minimum 1"),
        ]
    );
}
