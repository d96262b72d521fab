//! Everything the derive, the chart generator and the run-time loader must
//! agree on, in one place:
//! - [`ConfigStruct`]: what `#[derive(GitOps)]` says about a config struct;
//! - [`problem`]: one problem with its kind and culprit, which the walk
//!   and the generator report;
//! - [`naming`]: the env-var rule and name validity (the derive rejects
//!   colliding env vars with it at compile time);
//! - [`service_link`]: the kubelet's service-link variables;
//! - [`tree`]: description + schema + default walked into one [`ConfigTree`],
//!   which the generator writes the chart from and the loader reads by;
//! - [`schema`]: the config-schema rules and the [`Validator`] both use, so
//!   `helm install` and start-up give the same verdict.
//!
//! Both gitops-gen and gitops-types' loader start from a `ConfigTree` and
//! never change it.

pub mod naming;
pub mod problem;
pub mod schema;
pub mod service_link;
pub mod tree;

pub use schema::Validator;
pub use tree::ConfigTree;

/// One config struct, as described by its `#[derive(GitOps)]`.
#[derive(Debug, Clone)]
pub struct ConfigStruct {
    /// The Rust type name, for messages.
    pub rust_name: &'static str,
    /// The struct's doc comment, trimmed; empty when it has none.
    pub doc: &'static str,
    /// `#[gitops(env_prefix = "...")]`; only the root struct's prefix is
    /// used. A root must set one: `Some("")` is the explicit choice of
    /// unprefixed variables, `None` an omission [`tree::config_tree`] refuses.
    pub env_prefix: Option<&'static str>,
    /// HTTP paths of the container's probes, served on the first port
    /// (root struct only).
    pub probes: Probes,
    /// `#[gitops(delivery = "...")]`: how the chart hands the config to the
    /// app (root struct only).
    pub delivery: Delivery,
    /// The fields serde reads, in declaration order (`#[serde(skip)]` fields
    /// are left out by the derive).
    pub fields: Vec<Field>,
}

/// How the chart hands the config values to the app. The loader reads both,
/// and env vars override a file in either. Secrets are the same in both:
/// files of the Secret, mounted read-only, their directory in
/// `<PREFIX>SECRETS_DIR`, or env vars when the chart's `secrets.envVars` is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// One env var per key, from a ConfigMap.
    #[default]
    Env,
    /// The `config` values as a JSON file (YAML 1.2 reads it too) from a ConfigMap, mounted
    /// read-only, its path in `<PREFIX>CONFIG_FILE`.
    File,
}

/// `#[gitops(liveness = "/healthz", readiness = "/readyz", startup = "...")]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probes {
    pub liveness: Option<&'static str>,
    pub readiness: Option<&'static str>,
    pub startup: Option<&'static str>,
}

/// One field of a [`ConfigStruct`].
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust field name, for messages.
    pub rust_name: &'static str,
    /// The key serde reads, after `rename` and `rename_all`.
    pub key: &'static str,
    /// The field's doc comment, trimmed; empty when it has none.
    pub doc: &'static str,
    /// What the chart does with the field.
    pub role: Role,
    /// `#[gitops(env = "NAME")]`: the exact env var name, prefix not applied.
    pub env: Option<&'static str>,
    /// The field's type is `Option<_>`: absent means `None`.
    pub optional: bool,
    /// Set when the field's type itself derives `GitOps`: a nested section.
    pub nested: Option<fn() -> ConfigStruct>,
}

/// How the chart delivers a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A value under `config:` in values.yaml; a section when the field's
    /// type derives `GitOps`.
    Value,
    /// `#[gitops(json)]`: one value under `config:`, its env var JSON text,
    /// never a section, even when the type is a struct.
    Json,
    /// A value under `config:` that is also a named container port;
    /// `metrics` is the HTTP path Prometheus scrapes on it, if any.
    Port { name: &'static str, metrics: Option<&'static str> },
    /// `#[gitops(shutdown_timeout)]`: a value under `config:` (seconds) that
    /// also sizes the pod's `terminationGracePeriodSeconds`.
    ShutdownTimeout,
    /// Read from a Kubernetes Secret; never has a value in values.yaml.
    Secret,
    /// `#[gitops(skip)]`: serde reads it, the chart never sets it.
    Skip,
}

impl Field {
    /// The nested struct's description, when the field is a section.
    pub fn nested(&self) -> Option<ConfigStruct> {
        self.nested.map(|describe| describe())
    }
}
