//! Reads the configuration back exactly as the chart delivers it.
//!
//! Layers, lowest first: the struct's defaults, a config file (the chart
//! mounts one in file delivery, JSON, its path in `<PREFIX>CONFIG_FILE`; a
//! file of the user's may be YAML, unless its name ends in `.json`),
//! environment variables, then overrides the app sets (from its flags, say).
//! Every layer may set any subset of keys. Secrets come from their env var
//! or, in file delivery, from `<PREFIX>SECRETS_DIR/<key>`. The result is
//! checked against the same schema values.schema.json carries, so start-up
//! and `helm install` give the same verdict, and every problem is reported
//! at once with where the bad value came from.

use crate::GitOps;
use gitops_model::tree::{self, ConfigTree, Item, Leaf, LeafKind};
use gitops_model::{naming, schema, service_link};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `T::default()`.
    Default,
    /// The config file, at this key.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// A file of the secrets directory.
    SecretFile(PathBuf),
    /// [`Loader::set`].
    Override,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default"),
            Source::File(path) => write!(f, "config file {}", path.display()),
            Source::Env(var) => write!(f, "env var {var}"),
            Source::SecretFile(path) => write!(f, "secret file {}", path.display()),
            Source::Override => write!(f, "an override"),
        }
    }
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the bad value came from.
    pub source: Source,
    /// The dotted config key (`tracing.sampleRatio`), empty when the
    /// problem is not about one key.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{} (key `{}`): {}", self.source, self.key, self.message)
        }
    }
}

/// Every problem found, in the order of the layers. Its `Debug` is its
/// `Display`, so `fn main() -> Result<(), Box<dyn Error>>` with `load()?`
/// prints the readable list.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    pub problems: Vec<Problem>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration ({} problem", self.problems.len())?;
        if self.problems.len() != 1 {
            write!(f, "s")?;
        }
        write!(f, "):")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// Loads `T` from the process environment (and the files it names).
pub fn load<T>() -> Result<T, Error>
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    Loader::from_env().load()
}

/// The layers to load `T` from; [`load`] is `Loader::from_env().load()`.
pub struct Loader<T> {
    vars: BTreeMap<String, String>,
    /// Env vars that are not UTF-8, by their lossy name.
    unreadable: Vec<String>,
    file: Option<PathBuf>,
    overrides: Vec<(String, Value)>,
    config: PhantomData<fn() -> T>,
}

impl<T> Loader<T>
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    /// The process environment.
    pub fn from_env() -> Self {
        let mut vars = BTreeMap::new();
        let mut unreadable = Vec::new();
        for (name, value) in std::env::vars_os() {
            match (name.into_string(), value.into_string()) {
                (Ok(name), Ok(value)) => {
                    vars.insert(name, value);
                }
                (name, _) => unreadable.push(match name {
                    Ok(name) => name,
                    Err(name) => name.to_string_lossy().into_owned(),
                }),
            }
        }
        Loader { vars, unreadable, file: None, overrides: Vec::new(), config: PhantomData }
    }

    /// These variables instead of the process environment (for tests and
    /// tools that build a pod's environment).
    pub fn with_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Loader {
            vars,
            unreadable: Vec::new(),
            file: None,
            overrides: Vec::new(),
            config: PhantomData,
        }
    }

    /// Reads this config file, whatever `<PREFIX>CONFIG_FILE` says.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Sets the value at the dotted `key` (`tracing.sampleRatio`) over every
    /// other layer.
    pub fn set(mut self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.overrides.push((key.to_owned(), value));
        self
    }

    pub fn load(self) -> Result<T, Error> {
        let describe = T::describe();
        let default = serde_json::to_value(T::default()).map_err(|e| Error {
            problems: vec![problem(Source::Default, "", format!("cannot serialize: {e}"))],
        })?;
        let tree =
            tree::config_tree(&describe, &schema::of::<T>(), &default).map_err(|found| Error {
                problems: found
                    .into_iter()
                    .map(|p| problem(Source::Default, "", p.message))
                    .collect(),
            })?;
        let prefix = describe.env_prefix.unwrap_or("");
        let mut cx = Layers { config: default, sources: BTreeMap::new(), problems: Vec::new() };
        cx.file(
            &tree,
            self.file
                .or_else(|| self.vars.get(&naming::config_file_var(prefix)).map(PathBuf::from)),
        );
        cx.env(&tree, &self.vars, prefix);
        cx.unknown_vars(&tree, &self.vars, &self.unreadable, prefix);
        for (key, value) in self.overrides {
            cx.override_key(&tree, &key, value);
        }
        cx.validate(&tree);
        if !cx.problems.is_empty() {
            return Err(Error { problems: cx.problems });
        }
        serde_json::from_value(cx.config).map_err(|e| Error {
            problems: vec![problem(Source::Default, "", format!("does not deserialize: {e}"))],
        })
    }
}

fn problem(source: Source, key: &str, message: impl Into<String>) -> Problem {
    Problem { source, key: key.to_owned(), message: message.into() }
}

/// The config as the layers build it, with where each leaf's value came from.
struct Layers {
    config: Value,
    sources: BTreeMap<String, Source>,
    problems: Vec<Problem>,
}

impl Layers {
    fn set(&mut self, leaf: &Leaf, value: Value, source: Source) {
        tree::set_at(&mut self.config, &leaf.path, value);
        self.sources.insert(leaf.key(), source);
    }

    /// The config file: YAML (JSON is YAML too), keys as in values.yaml's
    /// `config:`. Unknown keys are problems, like in the values schema.
    fn file(&mut self, tree: &ConfigTree, path: Option<PathBuf>) {
        let Some(path) = path else { return };
        let source = Source::File(path.clone());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                self.problems.push(problem(source, "", format!("cannot read: {e}")));
                return;
            }
        };
        // The chart mounts JSON; a file of the user's may be YAML.
        let json = path.extension().is_some_and(|e| e == "json");
        let parsed = if json {
            serde_json::from_str::<Value>(&text).map_err(|e| format!("not valid JSON: {e}"))
        } else {
            yaml_serde::from_str::<Option<Value>>(&text)
                .map(|v| v.unwrap_or(Value::Object(Map::new())))
                .map_err(|e| format!("not valid YAML: {e}"))
        };
        let parsed = match parsed {
            Ok(value) => value,
            Err(message) => {
                self.problems.push(problem(source, "", message));
                return;
            }
        };
        self.file_items(&tree.items, &parsed, &mut Vec::new(), &path);
    }

    fn file_items(&mut self, items: &[Item], value: &Value, at: &mut Vec<String>, path: &PathBuf) {
        let Value::Object(map) = value else {
            let key = at.join(".");
            let expected = if key.is_empty() { "a map of config keys" } else { "a map of keys" };
            self.problems.push(problem(
                Source::File(path.clone()),
                &key,
                format!("expected {expected}, found {value}"),
            ));
            return;
        };
        for (key, value) in map {
            at.push(key.clone());
            let dotted = at.join(".");
            match items.iter().find(|item| item_key(item) == key) {
                Some(Item::Section { items, .. }) => self.file_items(items, value, at, path),
                Some(Item::Leaf(leaf)) if leaf.kind == LeafKind::Secret => {
                    self.problems.push(problem(
                        Source::File(path.clone()),
                        &dotted,
                        "a secret comes from its env var or the secrets directory, never from the config file",
                    ));
                }
                Some(Item::Leaf(leaf)) => self.set(leaf, value.clone(), Source::File(path.clone())),
                None => {
                    let message = format!("unknown key{}", hint(key, items.iter().map(item_key)));
                    self.problems.push(problem(Source::File(path.clone()), &dotted, message))
                }
            }
            at.pop();
        }
    }

    /// Env vars, by the chart's naming rule: strings raw, the rest JSON; a
    /// secret from its env var, else from the secrets directory.
    fn env(&mut self, tree: &ConfigTree, vars: &BTreeMap<String, String>, prefix: &str) {
        let secrets_dir = vars.get(&naming::secrets_dir_var(prefix)).map(PathBuf::from);
        for leaf in tree.leaves() {
            let key = leaf.key();
            // A service link under a key's name is the kubelet's, never the
            // key's own value (generation refuses keys where it could be).
            let raw = vars.get(&leaf.env).filter(|v| !service_link::is_service_link(&leaf.env, v));
            let secret = leaf.kind == LeafKind::Secret;
            if let Some(raw) = raw {
                let raw = if secret { without_final_line_ending(raw) } else { raw };
                let source = Source::Env(leaf.env.clone());
                match parse_text(tree, leaf, raw) {
                    Ok(value) => self.set(leaf, value, source),
                    Err(message) => self.problems.push(problem(source, &key, message)),
                }
            } else if secret {
                let file = secrets_dir.as_ref().map(|dir| dir.join(&key));
                match file.as_ref().map(std::fs::read_to_string) {
                    Some(Ok(text)) => self.set(
                        leaf,
                        Value::String(without_final_line_ending(&text).to_owned()),
                        Source::SecretFile(file.unwrap_or_default()),
                    ),
                    Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                        let file = file.unwrap_or_default();
                        self.problems.push(problem(
                            Source::SecretFile(file),
                            &key,
                            format!("cannot read: {e}"),
                        ));
                    }
                    _ if leaf.optional => {}
                    _ => {
                        let mut message = format!("required secret is not set: set {}", leaf.env);
                        if let Some(file) = &file {
                            message.push_str(&format!(" or create {}", file.display()));
                        }
                        self.problems.push(problem(Source::Env(leaf.env.clone()), &key, message));
                    }
                }
            }
        }
    }

    /// A variable with the app's prefix that names no key is a typo waiting
    /// to be missed: report it. (With `env_prefix = ""`, ours are not told
    /// apart; a root without `env_prefix` is refused by the tree.)
    fn unknown_vars(
        &mut self,
        tree: &ConfigTree,
        vars: &BTreeMap<String, String>,
        unreadable: &[String],
        prefix: &str,
    ) {
        if prefix.is_empty() {
            return;
        }
        let leaves = tree.leaves();
        let reserved = [naming::config_file_var(prefix), naming::secrets_dir_var(prefix)];
        let ours = |name: &str| {
            reserved.iter().any(|r| r == name) || leaves.iter().any(|leaf| leaf.env == name)
        };
        // The kubelet's service links share the prefix when a Service is
        // named like the app: they are not the app's to reject.
        let set = vars.iter().filter(|(name, value)| !service_link::is_service_link(name, value));
        for name in set.map(|(name, _)| name).chain(unreadable) {
            if name.starts_with(prefix) && !ours(name) {
                let envs = leaves.iter().map(|leaf| leaf.env.as_str());
                let message = format!(
                    "no config key reads this variable{}",
                    hint(name, envs.chain(reserved.iter().map(String::as_str)))
                );
                self.problems.push(problem(Source::Env(name.clone()), "", message));
            }
        }
        for name in unreadable.iter().filter(|n| leaves.iter().any(|leaf| &&leaf.env == n)) {
            self.problems.push(problem(Source::Env(name.clone()), "", "the value is not UTF-8"));
        }
    }

    fn override_key(&mut self, tree: &ConfigTree, key: &str, value: Value) {
        match tree.leaves().into_iter().find(|leaf| leaf.key() == key) {
            Some(leaf) => self.set(leaf, value, Source::Override),
            None => self.problems.push(problem(Source::Override, key, "unknown key")),
        }
    }

    /// The config against the `config` schema, as Helm checks values, each
    /// problem blamed on the layer its leaf's value came from.
    fn validate(&mut self, tree: &ConfigTree) {
        let validator = match tree.validator() {
            Ok(validator) => validator,
            Err(message) => return self.problems.push(problem(Source::Default, "", message)),
        };
        for violation in validator.violations(&tree.values_of(&self.config)) {
            let key = tree.leaf_at(&violation.at).map_or(violation.at.join("."), Leaf::key);
            let source = self.sources.get(&key).cloned().unwrap_or(Source::Default);
            self.problems.push(problem(source, &key, tree::inside(tree, &violation)));
        }
    }
}

/// " (did you mean `X`?)" for the one of `known` a typo likely meant
/// ([`naming::nearest`]; `_` for `__` between sections is one edit), else
/// " (a typo?)".
fn hint<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    match naming::nearest(name, known) {
        Some(k) => format!(" (did you mean `{k}`?)"),
        None => " (a typo?)".to_owned(),
    }
}

fn item_key(item: &Item) -> &str {
    match item {
        Item::Leaf(leaf) => leaf.path.last().map(String::as_str).unwrap_or(""),
        Item::Section { key, .. } => key,
    }
}

/// A secret's value without the one line ending that ends it, if any.
/// `echo pw > file` and `kubectl create secret --from-file` leave one, which
/// no password or token means (and PEM reads the same without it); kept, it
/// fails a login with nothing to show why. Env var and file alike, so both
/// deliveries of one Secret load the same value. Decision in docs/decisions.md.
fn without_final_line_ending(raw: &str) -> &str {
    raw.strip_suffix("\r\n").or_else(|| raw.strip_suffix('\n')).unwrap_or(raw)
}

/// A variable's text as the leaf's value: the string itself for a string
/// leaf, JSON otherwise (as the chart writes it). Text that is not JSON is
/// answered with what the key takes, not with the parser's complaint.
fn parse_text(tree: &ConfigTree, leaf: &Leaf, raw: &str) -> Result<Value, String> {
    if leaf.text {
        return Ok(Value::String(raw.to_owned()));
    }
    serde_json::from_str(raw).map_err(|_| {
        let expected = tree.leaf_schema(leaf).map_or("JSON".to_owned(), schema::describe);
        format!("expected {expected}, found {raw:?}")
    })
}
