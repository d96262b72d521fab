//! The compatibility check between the chart being generated and a baseline
//! (the last release): every change of the values schema, the defaults and
//! the app's contract (env vars, Secret keys, ports), classified, with the
//! SemVer bump it needs.
//!
//! Written here rather than with a general JSON Schema differ: the schema is
//! ours (draft-07, closed objects, `anyOf [T, null]` for optional keys,
//! `$ref`s into bundled definitions), so walking the two side by side is short
//! and exact, and it knows what a general tool cannot: which keys have a
//! default in values.yaml, and what the app reads (`contract.json`).

use crate::foundation::error::Error;
use crate::foundation::git::{Git, GitError};
use crate::foundation::layout::{self, Files};
pub use crate::foundation::report::{Bump, Change, Impact, Report};
use crate::render::version::without_digest;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::process::Command;

/// Where the previous version of the chart is read from. Nothing is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// A chart directory.
    Dir(PathBuf),
    /// A chart packaged by `helm package` (`.tgz`), read with `tar`.
    Packaged(PathBuf),
    /// The chart directory `path` (from the repository root) at `rev` of the
    /// Git repository at `repo`, read with `git show`.
    Git { repo: PathBuf, rev: String, path: String },
    /// The chart at its last release: the highest tag `<tag_prefix><version>`
    /// reachable from `HEAD` in the chart directory's Git repository; without
    /// a prefix `<chart>-v<version>`, else `v<version>`. The default (see
    /// [`last_release`](super::last_release)).
    LastRelease { tag_prefix: Option<String> },
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline::LastRelease { tag_prefix: None }
    }
}

impl Baseline {
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        Baseline::Dir(dir.into())
    }

    pub fn packaged(file: impl Into<PathBuf>) -> Self {
        Baseline::Packaged(file.into())
    }

    pub fn git(repo: impl Into<PathBuf>, rev: impl Into<String>, path: impl Into<String>) -> Self {
        Baseline::Git { repo: repo.into(), rev: rev.into(), path: path.into() }
    }

    /// The last release, tagged `<prefix><version>` (say `release-` for
    /// `release-1.4.2`) instead of the default `<chart>-v<version>` or
    /// `v<version>`.
    pub fn tagged(prefix: impl Into<String>) -> Self {
        Baseline::LastRelease { tag_prefix: Some(prefix.into()) }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Baseline::LastRelease { tag_prefix: None } => "the last release".into(),
            Baseline::LastRelease { tag_prefix: Some(prefix) } => {
                format!("the last release ({prefix}<version>)")
            }
            Baseline::Dir(dir) => dir.display().to_string(),
            Baseline::Packaged(file) => file.display().to_string(),
            Baseline::Git { rev, path, .. } => format!("{rev}:{path}"),
        }
    }

    /// One file of the baseline chart, `None` when it has none.
    fn read(&self, name: &str) -> Result<Option<String>, Error> {
        let failed = |what: String| Error::Baseline { baseline: self.describe(), problem: what };
        match self {
            // Resolved to a tag before anything is read.
            Baseline::LastRelease { .. } => Err(failed(
                "found from the chart's directory by `Chart::check`; give `compare` the tag (`Baseline::git`)".into(),
            )),
            Baseline::Dir(dir) => match std::fs::read_to_string(dir.join(name)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(failed(format!("{name}: {e}"))),
            },
            Baseline::Git { repo, rev, path } => {
                let file = format!("{}/{name}", path.trim_end_matches('/'));
                Git::new().show(repo, rev, &file).map_err(|e| match e {
                    GitError::Failed { args, stderr, .. } => {
                        failed(format!("git {args}: {stderr}"))
                    }
                    e => failed(e.to_string()),
                })
            }
            Baseline::Packaged(file) => {
                let tar = |args: &[&str]| {
                    Command::new("tar")
                        .args(args)
                        .arg(file)
                        .output()
                        .map_err(|e| failed(format!("cannot run tar: {e}")))
                };
                let listing = tar(&["-tzf"])?;
                if !listing.status.success() {
                    return Err(failed(format!(
                        "not a packaged chart: {}",
                        String::from_utf8_lossy(&listing.stderr).trim()
                    )));
                }
                let listing = String::from_utf8_lossy(&listing.stdout);
                let Some(root) = listing.lines().find_map(|l| l.strip_suffix("/Chart.yaml")) else {
                    return Err(failed("no Chart.yaml inside".into()));
                };
                let member = format!("{root}/{name}");
                if !listing.lines().any(|l| l == member) {
                    return Ok(None);
                }
                let out = Command::new("tar")
                    .arg("-xzOf")
                    .arg(file)
                    .arg(&member)
                    .output()
                    .map_err(|e| failed(format!("cannot run tar: {e}")))?;
                if !out.status.success() {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    return Err(failed(format!("tar -xzOf {member}: {}", stderr.trim())));
                }
                Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
            }
        }
    }
}

/// What the check reads of one version of the chart.
pub(crate) struct Version {
    pub version: semver::Version,
    pub schema: Value,
    pub values: Value,
    /// `contract.json`; older charts have none.
    pub contract: Option<Value>,
}

impl Version {
    /// Reads a chart's files through `read` (a baseline, or files in memory).
    pub(crate) fn from_files(
        read: impl Fn(&str) -> Result<Option<String>, Error>,
        culprit: &str,
    ) -> Result<Self, Error> {
        let failed = |problem: String| Error::Baseline { baseline: culprit.into(), problem };
        let need = |name: &str| read(name)?.ok_or_else(|| failed(format!("no {name}")));
        let chart: Value = yaml_serde::from_str(&need(layout::CHART_YAML)?)
            .map_err(|e| failed(format!("Chart.yaml: {e}")))?;
        // As it was given: the digest is gitops-gen's.
        let version = without_digest(chart["version"].as_str().unwrap_or_default());
        let version = semver::Version::parse(version)
            .map_err(|e| failed(format!("Chart.yaml: version {version:?}: {e}")))?;
        let schema = serde_json::from_str(&need(layout::VALUES_SCHEMA)?)
            .map_err(|e| failed(format!("values.schema.json: {e}")))?;
        let values = yaml_serde::from_str(&need(layout::VALUES_YAML)?)
            .map_err(|e| failed(format!("values.yaml: {e}")))?;
        let contract = match read(layout::CONTRACT)? {
            Some(text) => Some(
                serde_json::from_str(&text).map_err(|e| failed(format!("contract.json: {e}")))?,
            ),
            None => None,
        };
        Ok(Version { version, schema, values, contract })
    }

    pub(crate) fn read(baseline: &Baseline) -> Result<Self, Error> {
        Version::from_files(|name| baseline.read(name), &baseline.describe())
    }
}

/// Every change from `old` to `new`, classified, and the version verdict.
pub(crate) fn report(baseline: String, old: &Version, new: &Version) -> Report {
    let mut changes = Vec::new();
    let mut walk = Walk {
        old_root: &old.schema,
        new_root: &new.schema,
        seen: BTreeSet::new(),
        out: &mut changes,
    };
    walk.schema("", &old.schema, &new.schema, Some(&new.values));
    defaults("", &old.values, &new.values, &mut changes);
    let mut notes = Vec::new();
    match (&old.contract, &new.contract) {
        (Some(old), Some(new)) => contract(old, new, &mut changes),
        _ => notes.push(
            "The baseline has no contract.json (it predates it): env vars, Secret keys and ports were not compared."
                .to_owned(),
        ),
    }
    changes.sort();
    changes.dedup();
    let bump = changes
        .iter()
        .map(|c| match c.impact {
            Impact::Breaking => Bump::Major,
            Impact::Addition => Bump::Minor,
            Impact::Default => Bump::Patch,
        })
        .max()
        .unwrap_or(Bump::None);
    let expected = expected(&old.version, bump);
    // A pre-release of the expected version (2.0.0-rc.1) counts as it.
    let release = semver::Version::new(new.version.major, new.version.minor, new.version.patch);
    let ok = release >= expected;
    Report {
        baseline,
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        changes,
        bump,
        expected,
        ok,
        notes,
    }
}

/// The smallest version after `old` that `bump` allows. Before 1.0.0 the
/// minor number is the major one and the patch number the minor one, as
/// Cargo reads them: a breaking change of 0.4.2 needs 0.5.0, an addition
/// 0.4.3.
pub fn expected(old: &semver::Version, bump: Bump) -> semver::Version {
    let (major, minor, patch) = (old.major, old.minor, old.patch);
    let (major, minor, patch) = match (bump, major) {
        (Bump::None, _) => return old.clone(),
        (Bump::Major, 0) => (0, minor + 1, 0),
        (Bump::Major, _) => (major + 1, 0, 0),
        (Bump::Minor, 0) | (Bump::Patch, _) => (major, minor, patch + 1),
        (Bump::Minor, _) => (major, minor + 1, 0),
    };
    semver::Version::new(major, minor, patch)
}

struct Walk<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    /// `$ref` pairs already compared (recursive definitions).
    seen: BTreeSet<(String, String)>,
    out: &'a mut Vec<Change>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn push(out: &mut Vec<Change>, impact: Impact, path: &str, what: String) {
    let path = if path.is_empty() { "(root)".to_owned() } else { path.to_owned() };
    out.push(Change { impact, path, what });
}

/// The JSON types a schema accepts (`number` includes `integer`); `None`
/// when it does not say.
fn types(schema: &Value) -> Option<BTreeSet<String>> {
    if let Some(t) = schema.get("type") {
        let list: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        return Some(list.into_iter().map(str::to_owned).collect());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            let mut all = BTreeSet::new();
            for branch in branches {
                all.extend(types(branch)?);
            }
            return Some(all);
        }
    }
    None
}

impl Walk<'_> {
    /// Follows a `$ref` into the root's definitions.
    fn resolve<'v>(root: &'v Value, schema: &'v Value) -> &'v Value {
        let mut schema = schema;
        for _ in 0..8 {
            let Some(name) = schema.get("$ref").and_then(Value::as_str) else { break };
            let Some(target) = name.strip_prefix("#").and_then(|p| root.pointer(p)) else { break };
            schema = target;
        }
        schema
    }

    /// The non-null branch of `anyOf: [T, null]`, which optional keys use.
    fn non_null(schema: &Value) -> &Value {
        gitops_model::schema::non_null_branch(schema).unwrap_or(schema)
    }

    fn schema(&mut self, path: &str, old: &Value, new: &Value, new_defaults: Option<&Value>) {
        let refs = (
            old.get("$ref").and_then(Value::as_str).map(str::to_owned),
            new.get("$ref").and_then(Value::as_str).map(str::to_owned),
        );
        // A definition shared by several keys is compared at each of them;
        // only a recursion back into one being compared stops.
        let entered = match refs {
            (Some(a), Some(b)) => {
                let pair = (a, b);
                if !self.seen.insert(pair.clone()) {
                    return;
                }
                Some(pair)
            }
            _ => None,
        };
        self.compare(path, old, new, new_defaults);
        if let Some(pair) = entered {
            self.seen.remove(&pair);
        }
    }

    fn compare(&mut self, path: &str, old: &Value, new: &Value, new_defaults: Option<&Value>) {
        let old = Self::resolve(self.old_root, old);
        let new = Self::resolve(self.new_root, new);
        if let (Some(old_types), Some(new_types)) = (types(old), types(new)) {
            let number = |set: &BTreeSet<String>, t: &str| {
                set.contains(t) || (t == "integer" && set.contains("number"))
            };
            let lost: Vec<&String> = old_types.iter().filter(|t| !number(&new_types, t)).collect();
            let gained: Vec<&String> =
                new_types.iter().filter(|t| !number(&old_types, t)).collect();
            if !lost.is_empty() {
                push(self.out, Impact::Breaking, path, format!("no longer takes {}", list(&lost)));
            }
            if !gained.is_empty() {
                push(self.out, Impact::Addition, path, format!("now also takes {}", list(&gained)));
            }
        }
        let (old_inner, new_inner) = (Self::non_null(old), Self::non_null(new));
        if !std::ptr::eq(old_inner, old) || !std::ptr::eq(new_inner, new) {
            return self.schema(path, old_inner, new_inner, new_defaults);
        }
        self.bounds(path, old, new);
        self.properties(path, old, new, new_defaults);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(&format!("{path}[]"), a, b, None);
        }
        match (old.get("additionalProperties"), new.get("additionalProperties")) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let (a, b) = (Value::Object(a.clone()), Value::Object(b.clone()));
                self.schema(&join(path, "*"), &a, &b, None);
            }
            (None | Some(Value::Bool(true)) | Some(Value::Object(_)), Some(Value::Bool(false))) => {
                push(
                    self.out,
                    Impact::Breaking,
                    path,
                    "no longer takes keys it does not list".into(),
                )
            }
            (Some(Value::Bool(false)), None | Some(Value::Bool(true)) | Some(Value::Object(_))) => {
                push(self.out, Impact::Addition, path, "now takes keys it does not list".into())
            }
            (None | Some(Value::Bool(true)), Some(Value::Object(_))) => push(
                self.out,
                Impact::Breaking,
                path,
                "keys it does not list must now match a schema".into(),
            ),
            (Some(Value::Object(_)), None | Some(Value::Bool(true))) => push(
                self.out,
                Impact::Addition,
                path,
                "keys it does not list may now be anything".into(),
            ),
            _ => {}
        }
        if let (Some(a), Some(b)) = (old.get("propertyNames"), new.get("propertyNames")) {
            self.bounds(&join(path, "(key names)"), a, b);
        }
    }

    fn properties(&mut self, path: &str, old: &Value, new: &Value, new_defaults: Option<&Value>) {
        let empty = Map::new();
        let old_props = old.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let new_props = new.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required = |schema: &Value| -> BTreeSet<String> {
            let list = schema.get("required").and_then(Value::as_array);
            list.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let (old_required, new_required) = (required(old), required(new));
        for (key, old_schema) in old_props {
            let at = join(path, key);
            let default = new_defaults.and_then(|d| d.get(key));
            match new_props.get(key) {
                None => push(
                    self.out,
                    Impact::Breaking,
                    &at,
                    "removed (or renamed): values files that set it are refused".into(),
                ),
                Some(new_schema) => {
                    if new_required.contains(key)
                        && !old_required.contains(key)
                        && default.is_none()
                    {
                        push(
                            self.out,
                            Impact::Breaking,
                            &at,
                            "now required, without a default".into(),
                        );
                    }
                    self.schema(&at, old_schema, new_schema, default);
                }
            }
        }
        for key in new_props.keys().filter(|k| !old_props.contains_key(*k)) {
            let at = join(path, key);
            let has_default = new_defaults.is_some_and(|d| d.get(key).is_some());
            if new_required.contains(key) && !has_default {
                push(self.out, Impact::Breaking, &at, "added, required, without a default".into());
            } else {
                push(self.out, Impact::Addition, &at, "added".into());
            }
        }
    }

    /// Bounds, lengths, patterns, enums and formats: tightened is breaking,
    /// loosened an addition.
    fn bounds(&mut self, path: &str, old: &Value, new: &Value) {
        let n = |s: &Value, k: &str| s.get(k).and_then(Value::as_f64);
        for (key, lower) in [
            ("minimum", true),
            ("exclusiveMinimum", true),
            ("minLength", true),
            ("minItems", true),
            ("minProperties", true),
            ("maximum", false),
            ("exclusiveMaximum", false),
            ("maxLength", false),
            ("maxItems", false),
            ("maxProperties", false),
        ] {
            let tighter = match (n(old, key), n(new, key)) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) if a != b => (b > a) == lower,
                _ => continue,
            };
            let shown = |v: Option<f64>| v.map_or("none".to_owned(), |v| v.to_string());
            let what = format!("{key} {} → {}", shown(n(old, key)), shown(n(new, key)));
            let impact = if tighter { Impact::Breaking } else { Impact::Addition };
            push(self.out, impact, path, what);
        }
        for key in ["pattern", "format"] {
            match (old.get(key), new.get(key)) {
                (a, b) if a == b => {}
                (_, Some(b)) => push(self.out, Impact::Breaking, path, format!("{key} now {b}")),
                (Some(a), None) => {
                    push(self.out, Impact::Addition, path, format!("{key} {a} dropped"))
                }
                _ => {}
            }
        }
        let values = enum_values;
        match (values(old), values(new)) {
            (Some(a), Some(b)) => {
                let removed: Vec<&Value> = a.iter().filter(|v| !b.contains(v)).collect();
                let added: Vec<&Value> = b.iter().filter(|v| !a.contains(v)).collect();
                if !removed.is_empty() {
                    push(
                        self.out,
                        Impact::Breaking,
                        path,
                        format!("no longer takes {}", list(&removed)),
                    );
                }
                if !added.is_empty() {
                    push(
                        self.out,
                        Impact::Addition,
                        path,
                        format!("now also takes {}", list(&added)),
                    );
                }
            }
            (None, Some(b)) => push(
                self.out,
                Impact::Breaking,
                path,
                format!("now only takes {}", list(&b.iter().collect::<Vec<_>>())),
            ),
            (Some(_), None) => {
                push(self.out, Impact::Addition, path, "takes any value, not a list".into())
            }
            (None, None) => {}
        }
    }
}

/// The values a schema allows, when it lists them: `enum`, `const`, or
/// `oneOf`/`anyOf` branches that are each a `const` (schemars writes an enum
/// with documented variants that way).
fn enum_values(schema: &Value) -> Option<Vec<Value>> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return Some(values.clone());
    }
    if let Some(value) = schema.get("const") {
        return Some(vec![value.clone()]);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(enum_values(branch)?);
            }
            return Some(all);
        }
    }
    None
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// Changed defaults of values.yaml, leaf by leaf (a list is one leaf).
fn defaults(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, old) in a {
                if let Some(new) = b.get(key) {
                    defaults(&join(path, key), old, new, out);
                }
            }
        }
        (a, b) if a != b => push(out, Impact::Default, path, format!("default {a} → {b}")),
        _ => {}
    }
}

/// The app's contract: env vars by values path, the Secret's keys, ports.
fn contract(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let map = |c: &Value, key: &str| -> BTreeMap<String, String> {
        let entries = c.get(key).and_then(Value::as_object).cloned().unwrap_or_default();
        entries.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))).collect()
    };
    let (old_env, new_env) = (map(old, "envVars"), map(new, "envVars"));
    for (path, var) in &old_env {
        match new_env.get(path) {
            Some(new) if new != var => push(
                out,
                Impact::Breaking,
                path,
                format!("env var `{var}` renamed to `{new}`: the app's contract"),
            ),
            None if !new_env.values().any(|v| v == var) => push(
                out,
                Impact::Breaking,
                path,
                format!("env var `{var}` removed: the app's contract"),
            ),
            _ => {}
        }
    }
    // Secret keys: key → optional (older contracts held only the env var).
    let secrets = |c: &Value| -> BTreeMap<String, bool> {
        let entries = c.get("secretKeys").and_then(Value::as_object).cloned().unwrap_or_default();
        entries.into_iter().map(|(k, v)| (k, v["optional"] == Value::Bool(true))).collect()
    };
    let (old_secrets, new_secrets) = (secrets(old), secrets(new));
    for key in old_secrets.keys().filter(|k| !new_secrets.contains_key(*k)) {
        push(
            out,
            Impact::Breaking,
            &format!("Secret {key}"),
            "key removed or renamed: existing Secrets no longer match".into(),
        );
    }
    for (key, optional) in &new_secrets {
        let at = format!("Secret {key}");
        match (old_secrets.get(key), optional) {
            (None, true) => push(out, Impact::Addition, &at, "optional key added".into()),
            (None, false) => push(
                out,
                Impact::Breaking,
                &at,
                "required key added: pods whose Secret lacks it cannot start".into(),
            ),
            (Some(true), false) => push(
                out,
                Impact::Breaking,
                &at,
                "now required: pods whose Secret lacks it cannot start".into(),
            ),
            _ => {}
        }
    }
    let (old_ports, new_ports) = (map(old, "ports"), map(new, "ports"));
    for name in old_ports.keys().filter(|k| !new_ports.contains_key(*k)) {
        push(
            out,
            Impact::Breaking,
            &format!("port {name}"),
            "removed or renamed: Services, probes and NetworkPolicies name it".into(),
        );
    }
    for name in new_ports.keys().filter(|k| !old_ports.contains_key(*k)) {
        push(out, Impact::Addition, &format!("port {name}"), "added".into());
    }
}

/// Reads a chart from files in memory, for the chart being generated.
pub(crate) fn from_memory(files: &Files) -> Result<Version, Error> {
    Version::from_files(|name| Ok(files.get(name).cloned()), "the generated chart")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(schema: Value, values: Value) -> Version {
        Version { version: semver::Version::new(1, 0, 0), schema, values, contract: None }
    }

    /// Changes a generated chart cannot make on its own (every required key
    /// has a default there), on hand-written schemas.
    #[test]
    fn schema_changes_beyond_the_generators() {
        use serde_json::json;
        let old = version(
            json!({"type": "object", "additionalProperties": false, "properties": {
                "a": {"type": "string"},
                "b": {"type": "integer", "pattern": "^x"},
                "c": {"type": "object", "properties": {}},
                "d": {"$ref": "#/definitions/Node"},
            }, "definitions": {"Node": {"type": "object", "properties": {
                "next": {"$ref": "#/definitions/Node"}, "n": {"type": "integer", "maximum": 5}}}}}),
            json!({"a": "x"}),
        );
        let new = version(
            json!({"type": "object", "required": ["a", "e"], "properties": {
                "a": {"type": ["string", "null"], "enum": ["x", "y"]},
                "b": {"type": "number"},
                "c": {"type": "object", "properties": {}, "additionalProperties": false},
                "d": {"$ref": "#/definitions/Node"},
                "e": {"type": "string"},
            }, "definitions": {"Node": {"type": "object", "properties": {
                "next": {"$ref": "#/definitions/Node"}, "n": {"type": "integer", "maximum": 3}}}}}),
            json!({"a": "x"}),
        );
        let found: Vec<String> = report("old".into(), &old, &new)
            .changes
            .iter()
            .map(|c| format!("{:?} {}: {}", c.impact, c.path, c.what))
            .collect();
        assert_eq!(
            found,
            [
                "Breaking a: now only takes `\"x\"`, `\"y\"`",
                "Breaking c: no longer takes keys it does not list",
                "Breaking d.n: maximum 5 → 3",
                "Breaking e: added, required, without a default",
                "Addition (root): now takes keys it does not list",
                "Addition a: now also takes `null`",
                "Addition b: now also takes `number`",
                "Addition b: pattern \"^x\" dropped",
            ]
        );
    }

    /// A definition several keys share is compared, and reported, at each.
    #[test]
    fn a_shared_definition_is_reported_at_every_key() {
        use serde_json::json;
        let schema = |max: u64| {
            json!({"type": "object", "properties": {
                "a": {"$ref": "#/definitions/P"}, "b": {"$ref": "#/definitions/P"}},
                "definitions": {"P": {"type": "integer", "maximum": max}}})
        };
        let (old, new) = (version(schema(5), json!({})), version(schema(3), json!({})));
        let paths: Vec<String> =
            report("old".into(), &old, &new).changes.iter().map(|c| c.path.clone()).collect();
        assert_eq!(paths, ["a", "b"]);
    }

    #[test]
    fn the_expected_version_follows_semver_and_cargos_0x_rule() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        assert_eq!(expected(&v("1.4.2"), Bump::Major), v("2.0.0"));
        assert_eq!(expected(&v("1.4.2"), Bump::Minor), v("1.5.0"));
        assert_eq!(expected(&v("1.4.2"), Bump::Patch), v("1.4.3"));
        assert_eq!(expected(&v("1.4.2"), Bump::None), v("1.4.2"));
        assert_eq!(expected(&v("0.4.2"), Bump::Major), v("0.5.0"));
        assert_eq!(expected(&v("0.4.2"), Bump::Minor), v("0.4.3"));
        assert_eq!(expected(&v("0.4.2"), Bump::Patch), v("0.4.3"));
    }
}
