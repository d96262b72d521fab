//! Rego policies over every release's rendered objects, evaluated with
//! `regorus` (so no OPA binary is needed, and regorus stays out of an app's
//! build graph: only this tool links it).
//!
//! Conventions are conftest's: a policy is a `.rego` file in package `main`
//! with `deny` and/or `violation` rules, each a set of messages (strings, or
//! objects with a `msg`); `input` is one rendered object. Beyond conftest,
//! `data.gitops` describes the release the object is part of:
//! `environment`, `cluster` (`null` outside a fleet), `production`,
//! `release`, `namespace`, and `objects` (all of the release's objects, for
//! rules across objects such as a PodDisruptionBudget and its Deployment).
//!
//! Each file is compiled in an engine of its own, so every violation names
//! the file it comes from, and a file that does not compile, has no rule or
//! is in another package is refused by name.

use regorus::utils::limits::ExecutionTimerConfig;
use serde_json::{json, Value};
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The package evaluated, as conftest's default namespace.
pub const PACKAGE: &str = "main";
/// The rules evaluated, conftest's failing ones.
pub const RULES: [&str; 2] = ["deny", "violation"];
/// How long one rule may take on one object.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// The default policies this tool ships (`cargo-gitops/policies/`), by file name.
pub const DEFAULTS: [(&str, &str); 5] = [
    ("image_tags.rego", include_str!("../policies/image_tags.rego")),
    ("pdb_allows_drain.rego", include_str!("../policies/pdb_allows_drain.rego")),
    ("pod_security.rego", include_str!("../policies/pod_security.rego")),
    ("requests.rego", include_str!("../policies/requests.rego")),
    ("run_as_non_root.rego", include_str!("../policies/run_as_non_root.rego")),
];

/// Why the policies could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The directory cannot be read, or holds no `.rego` file.
    Directory { dir: PathBuf, message: String },
    /// A file that does not compile, is in another package or has no rule.
    Policy { file: String, message: String },
    /// A rule that failed on an object (a time limit, a runtime error).
    Evaluation { file: String, rule: String, release: String, object: String, message: String },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Directory { dir, message } => {
                write!(f, "--policy {}: {message}", dir.display())
            }
            PolicyError::Policy { file, message } => write!(f, "policy {file}: {message}"),
            PolicyError::Evaluation { file, rule, release, object, message } => {
                write!(f, "policy {file}: rule {rule} on {object} ({release}): {message}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// One message of a failing rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The policy's file.
    pub policy: String,
    /// `deny` or `violation`.
    pub rule: String,
    pub environment: Option<String>,
    pub cluster: Option<String>,
    /// `Kind/name`.
    pub object: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}: {}",
            self.policy,
            self.rule,
            self.release(),
            self.object,
            self.message
        )
    }
}

impl Violation {
    /// `env`, `env on cluster`, or `values`.
    pub fn release(&self) -> String {
        release_label(self.environment.as_deref(), self.cluster.as_deref())
    }
}

/// A release as the commands name it: `env`, `env on cluster`, or `values`
/// (a render of values files).
pub fn release_label(environment: Option<&str>, cluster: Option<&str>) -> String {
    match (environment, cluster) {
        (Some(env), Some(cluster)) => format!("{env} on {cluster}"),
        (Some(env), None) => env.to_owned(),
        _ => "values".into(),
    }
}

/// A release to check: its objects and what `data.gitops` says of it.
pub struct Release<'a> {
    pub environment: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub production: bool,
    pub release: &'a str,
    pub namespace: &'a str,
    pub objects: &'a [Value],
}

/// The compiled policies, one engine each.
pub struct Policies {
    policies: Vec<Compiled>,
}

struct Compiled {
    file: String,
    rules: Vec<&'static str>,
    engine: regorus::Engine,
}

impl Policies {
    /// Every `.rego` file in `dir` (not below it), in name order.
    pub fn load(dir: &Path) -> Result<Policies, PolicyError> {
        let fail = |message: String| PolicyError::Directory { dir: dir.to_owned(), message };
        let entries = std::fs::read_dir(dir).map_err(|e| fail(e.to_string()))?;
        let mut sources = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| fail(e.to_string()))?.path();
            if path.extension().is_some_and(|e| e == "rego") && path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| PolicyError::Policy {
                    file: path.display().to_string(),
                    message: e.to_string(),
                })?;
                sources.push((path.display().to_string(), text));
            }
        }
        if sources.is_empty() {
            return Err(fail("no .rego file in it".into()));
        }
        sources.sort();
        Policies::compile(&sources)
    }

    /// Policies from `(file name, text)`, each rule given [`TIME_LIMIT`] per object.
    pub fn compile(sources: &[(String, String)]) -> Result<Policies, PolicyError> {
        Policies::compile_with_limit(sources, TIME_LIMIT)
    }

    /// [`Policies::compile`] with another time limit per rule and object.
    pub fn compile_with_limit(
        sources: &[(String, String)],
        limit: Duration,
    ) -> Result<Policies, PolicyError> {
        let mut policies = Vec::new();
        for (file, text) in sources {
            let fail = |message: String| PolicyError::Policy { file: file.clone(), message };
            let mut engine = regorus::Engine::new();
            engine.set_execution_timer_config(ExecutionTimerConfig {
                limit,
                check_interval: NonZeroU32::new(64).expect("not zero"),
            });
            let package = engine
                .add_policy(file.clone(), text.clone())
                .map_err(|e| fail(format!("does not compile: {e}")))?;
            if package != format!("data.{PACKAGE}") {
                return Err(fail(format!(
                    "it is `package {}`, but the policies evaluated are `package {PACKAGE}` (conftest's default): write `package {PACKAGE}`",
                    package.trim_start_matches("data.")
                )));
            }
            let mut rules = Vec::new();
            for rule in RULES {
                if engine
                    .has_declared_rule_rooted_at(file, rule)
                    .map_err(|e| fail(e.to_string()))?
                {
                    rules.push(rule);
                }
            }
            if rules.is_empty() {
                return Err(fail(
                    "it has no `deny` or `violation` rule, so it could never fail".into(),
                ));
            }
            policies.push(Compiled { file: file.clone(), rules, engine });
        }
        Ok(Policies { policies })
    }

    /// Every violation in `release`, policy by policy, object by object.
    pub fn check(&mut self, release: &Release) -> Result<Vec<Violation>, PolicyError> {
        let data = json!({"gitops": {
            "environment": release.environment, "cluster": release.cluster,
            "production": release.production, "release": release.release,
            "namespace": release.namespace, "objects": release.objects,
        }});
        let label = release_label(release.environment, release.cluster);
        let mut out = Vec::new();
        for policy in &mut self.policies {
            policy.engine.clear_data();
            policy.engine.add_data(regorus::Value::from(data.clone())).map_err(|e| {
                PolicyError::Policy { file: policy.file.clone(), message: e.to_string() }
            })?;
            for object in release.objects {
                let id = object_id(object);
                policy.engine.set_input(regorus::Value::from(object.clone()));
                for rule in &policy.rules {
                    let failed = |message: String| PolicyError::Evaluation {
                        file: policy.file.clone(),
                        rule: format!("data.{PACKAGE}.{rule}"),
                        release: label.clone(),
                        object: id.clone(),
                        message,
                    };
                    let result =
                        policy.engine.eval_rule(format!("data.{PACKAGE}.{rule}")).map_err(|e| {
                            match e.downcast_ref::<regorus::utils::limits::LimitError>() {
                                Some(limit) => failed(format!("exceeded its limit: {limit}")),
                                None => failed(e.to_string()),
                            }
                        })?;
                    let result: Value = result
                        .to_json_str()
                        .map_err(|e| e.to_string())
                        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
                        .map_err(|e| failed(format!("its result cannot be read: {e}")))?;
                    for message in messages(&result) {
                        out.push(Violation {
                            policy: policy.file.clone(),
                            rule: (*rule).to_owned(),
                            environment: release.environment.map(str::to_owned),
                            cluster: release.cluster.map(str::to_owned),
                            object: id.clone(),
                            message,
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A rule's messages: a set (an array in JSON) of strings or of objects
/// with `msg`; anything else as its JSON. An undefined rule has none.
fn messages(result: &Value) -> Vec<String> {
    match result {
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                other => other
                    .get("msg")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| other.to_string()),
            })
            .collect(),
        Value::Null => Vec::new(),
        Value::Bool(false) => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// `Kind/name`.
pub fn object_id(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    format!("{}/{}", text("/kind"), text("/metadata/name"))
}

/// The output formats of `check --policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per violation.
    Text,
    /// A JSON array of violations.
    Json,
    /// GitHub Actions workflow commands: an error annotation each.
    Github,
}

/// The violations as `format` prints them.
pub fn report(violations: &[Violation], format: Format) -> String {
    match format {
        Format::Text => violations.iter().map(|v| format!("{v}\n")).collect(),
        Format::Json => format!("{:#}\n", serde_json::to_value(violations).unwrap_or_default()),
        Format::Github => violations
            .iter()
            .map(|v| {
                format!(
                    "::error file={},title={}::{}\n",
                    escape_property(&v.policy),
                    escape_property(&format!("{} {}", v.rule, v.object)),
                    escape_data(&format!("{}: {}", v.release(), v.message))
                )
            })
            .collect(),
    }
}

/// A workflow command's message: `%`, CR and LF escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
