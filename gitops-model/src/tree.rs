//! The config struct's description, its JSON schema and its serialized
//! default, walked together into one [`ConfigTree`]: the generator writes the
//! chart from it and the loader reads the config by it. Everything the chart
//! cannot carry faithfully is reported here, all at once.

use crate::problem::{Problem, ProblemKind};
use crate::schema::{self, MAX_SAFE_INTEGER};
use crate::{naming, service_link};
use crate::{ConfigStruct, Delivery, Field, Probes, Role};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The config struct, ready to emit.
#[derive(Debug, Clone)]
pub struct ConfigTree {
    pub rust_name: String,
    pub doc: String,
    /// The root struct's probe paths.
    pub probes: Probes,
    /// The root struct's delivery mode.
    pub delivery: Delivery,
    /// The root struct's env prefix (may be empty).
    pub env_prefix: String,
    pub items: Vec<Item>,
    /// The `config` subtree of values.schema.json.
    pub schema: Value,
    /// The definitions its `$ref`s point to (schemars keeps recursive
    /// types there), rewritten by the same rules as `schema`;
    /// values.schema.json carries them at its root.
    pub definitions: Option<Value>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Leaf(Leaf),
    Section { key: String, doc: String, items: Vec<Item> },
}

/// One value the app reads.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// serde keys from the config root.
    pub path: Vec<String>,
    pub doc: String,
    pub env: String,
    pub kind: LeafKind,
    pub optional: bool,
    /// Delivered as the raw string (string-typed values, except an `Option`
    /// defaulting to `Some`) rather than as JSON.
    pub text: bool,
    /// The default from `T::default()`; `Null` for secrets.
    pub default: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafKind {
    Value,
    /// A named container port; `metrics`, the path Prometheus scrapes on it.
    Port {
        name: String,
        metrics: Option<String>,
    },
    /// Seconds the app takes to shut down; sizes the pod's grace period.
    ShutdownTimeout,
    Secret,
}

impl Item {
    /// Whether anything below this item has a value in values.yaml (secrets
    /// have none): a section without any is left out of values and schema.
    pub fn has_values(&self) -> bool {
        match self {
            Item::Leaf(l) => l.kind != LeafKind::Secret,
            Item::Section { items, .. } => items.iter().any(Item::has_values),
        }
    }
}

impl Leaf {
    /// The leaf's dotted path, e.g. `db.password`: its key in loader messages
    /// and overrides, and a secret's key in the Secret.
    pub fn key(&self) -> String {
        self.path.join(".")
    }
}

impl ConfigTree {
    /// The leaf's schema as values.schema.json states it; `None` for a
    /// secret, which values never carry.
    pub fn leaf_schema(&self, leaf: &Leaf) -> Option<&Value> {
        leaf.path.iter().try_fold(&self.schema, |schema, key| schema.get("properties")?.get(key))
    }

    /// The `config` schema standing alone, for validating a config.
    pub fn validator(&self) -> Result<schema::Validator, String> {
        match (&self.definitions, &self.schema) {
            (Some(definitions), Value::Object(map)) => {
                let mut standalone = map.clone();
                standalone.insert("definitions".into(), definitions.clone());
                schema::Validator::by_parts(&Value::Object(standalone))
            }
            _ => schema::Validator::by_parts(&self.schema),
        }
    }

    /// The config as values carry it: every non-secret leaf's value in
    /// `config` at its path, leaves without one (null) left out, as Helm
    /// deletes a key set to null. The section holding such a leaf stays,
    /// empty if nothing else is in it: Helm reads `env: {open: null}` as
    /// `env: {}`, not as no `env` (the oracle shows it).
    pub fn values_of(&self, config: &Value) -> Value {
        let mut out = Value::Object(Map::new());
        for leaf in self.value_leaves() {
            let value = leaf.path.iter().try_fold(config, |v, key| v.get(key));
            match value.filter(|v| !v.is_null()) {
                Some(value) => set_at(&mut out, &leaf.path, value.clone()),
                None => {
                    let sections = &leaf.path[..leaf.path.len().saturating_sub(1)];
                    let in_config = sections.iter().try_fold(config, |v, key| v.get(key));
                    let in_out = sections.iter().try_fold(&out, |v, key| v.get(key));
                    if !sections.is_empty()
                        && in_config.is_some_and(Value::is_object)
                        && in_out.is_none()
                    {
                        set_at(&mut out, sections, Value::Object(Map::new()));
                    }
                }
            }
        }
        out
    }

    /// The leaf at `at` (keys from the config root) or the one holding it.
    pub fn leaf_at(&self, at: &[String]) -> Option<&Leaf> {
        self.leaves().into_iter().find(|leaf| at.starts_with(&leaf.path))
    }

    /// The leaves values.yaml carries: all but the secrets.
    pub fn value_leaves(&self) -> Vec<&Leaf> {
        self.leaves().into_iter().filter(|l| l.kind != LeafKind::Secret).collect()
    }

    /// Whether values.yaml carries anything under `config` (a ConfigMap).
    pub fn has_values(&self) -> bool {
        self.items.iter().any(Item::has_values)
    }

    /// The leaves read from the Secret.
    pub fn secrets(&self) -> Vec<&Leaf> {
        self.leaves().into_iter().filter(|l| l.kind == LeafKind::Secret).collect()
    }

    /// The named container ports, in declaration order; the first one is the
    /// Service's and the probes'.
    pub fn ports(&self) -> Vec<(&str, &Leaf)> {
        let leaves = self.leaves().into_iter();
        leaves
            .filter_map(|l| match &l.kind {
                LeafKind::Port { name, .. } => Some((name.as_str(), l)),
                _ => None,
            })
            .collect()
    }

    /// The ports Prometheus scrapes, with their paths, in declaration order.
    pub fn metrics_ports(&self) -> Vec<(&str, &str)> {
        let leaves = self.leaves().into_iter();
        leaves
            .filter_map(|l| match &l.kind {
                LeafKind::Port { name, metrics: Some(path) } => {
                    Some((name.as_str(), path.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    /// The `#[gitops(shutdown_timeout)]` leaf, which sizes the grace period.
    pub fn shutdown_timeout(&self) -> Option<&Leaf> {
        self.leaves().into_iter().find(|l| l.kind == LeafKind::ShutdownTimeout)
    }

    /// Every leaf, depth first in declaration order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Leaf>) {
            for item in items {
                match item {
                    Item::Leaf(l) => out.push(l),
                    Item::Section { items, .. } => walk(items, out),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }
}

/// Walks `root` with its schema (all subschemas inlined) and default value.
pub fn config_tree(
    root: &ConfigStruct,
    schema: &Value,
    default: &Value,
) -> Result<ConfigTree, Vec<Problem>> {
    let prefix = root.env_prefix.unwrap_or("");
    let empty = Map::new();
    let mut cx = Walk {
        problems: Vec::new(),
        flagged: BTreeSet::new(),
        env_owners: BTreeMap::new(),
        shutdown_timeout: None,
        prefix,
        definitions: schema.get("definitions").and_then(Value::as_object).unwrap_or(&empty),
    };
    if root.env_prefix.is_none() {
        // Only the root's prefix counts, and only here is it known which
        // struct is the root: a missing one would silently turn off the
        // loader's check of unknown variables.
        cx.problems.push(Problem::new(ProblemKind::Missing, format!(
            "`{0}` is the root config but has no `env_prefix`: add e.g. `#[gitops(env_prefix = \"APP_\")]` \
             to `{0}` (every variable then starts with it, and the loader rejects a misspelt one), \
             or `#[gitops(env_prefix = \"\")]` for variables without a prefix, which turns that check off",
            root.rust_name
        )));
    }
    let (items, config_schema) = cx.section(root, schema, default, &[], prefix);
    let tree = ConfigTree {
        rust_name: root.rust_name.to_owned(),
        doc: root.doc.to_owned(),
        probes: root.probes.clone(),
        delivery: root.delivery,
        env_prefix: prefix.to_owned(),
        items,
        schema: config_schema,
        definitions: schema.get("definitions").and_then(Value::as_object).map(|definitions| {
            Value::Object(definitions.iter().map(|(k, d)| (k.clone(), schema::leaf(d))).collect())
        }),
    };
    // The defaults are values.yaml: checked by the validator Helm's is a
    // sibling of, once per field (a field reported above is not again).
    match tree.validator() {
        Ok(validator) => {
            for violation in validator.violations(&tree.values_of(default)) {
                let dotted = tree.leaf_at(&violation.at).map_or(violation.at.join("."), Leaf::key);
                if cx.flagged.insert(dotted.clone()) {
                    let message = format!(
                        "`{dotted}`: the default breaks the field's own schema ({}), so the chart's values.yaml would fail `helm install`",
                        inside(&tree, &violation)
                    );
                    cx.problems.push(Problem::new(ProblemKind::Refused, message).key(dotted));
                }
            }
        }
        Err(message) => cx.problems.push(Problem::new(ProblemKind::Unsupported, message)),
    }
    if !cx.problems.is_empty() {
        return Err(cx.problems);
    }
    Ok(tree)
}

/// A violation's message, prefixed with where inside its leaf's value it
/// is (`item 1: …`, ``key `a`: …``) when it is deeper than the leaf.
pub fn inside(tree: &ConfigTree, violation: &schema::Violation) -> String {
    let depth = tree.leaf_at(&violation.at).map_or(violation.at.len(), |l| l.path.len());
    let mut out = String::new();
    for key in &violation.at[depth.min(violation.at.len())..] {
        match key.parse::<usize>() {
            Ok(index) => out.push_str(&format!("item {index}: ")),
            Err(_) => out.push_str(&format!("key `{key}`: ")),
        }
    }
    out.push_str(&violation.message);
    out
}

/// Sets `new` at `path` inside `value`, making the maps on the way.
pub fn set_at(value: &mut Value, path: &[String], new: Value) {
    let Some((last, sections)) = path.split_last() else { return };
    let mut at = value;
    for key in sections {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        at = at.as_object_mut().expect("made an object").entry(key.clone()).or_insert(Value::Null);
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    at.as_object_mut().expect("made an object").insert(last.clone(), new);
}

struct Walk<'a> {
    problems: Vec<Problem>,
    /// The dotted paths of the fields `problems` names.
    flagged: BTreeSet<String>,
    /// env var → the dotted path that reads it, to find collisions.
    env_owners: BTreeMap<String, String>,
    /// The dotted path of the `shutdown_timeout` field, once seen.
    shutdown_timeout: Option<String>,
    /// The root's env prefix.
    prefix: &'a str,
    /// The root schema's definitions, where `$ref`s point.
    definitions: &'a Map<String, Value>,
}

impl Walk<'_> {
    /// A problem of the field at `key`.
    fn problem(&mut self, kind: ProblemKind, key: &str, message: String) {
        self.problems.push(Problem::new(kind, message).key(key));
    }

    /// Returns the items of one struct and its schema as values.schema.json
    /// states it: secrets and skipped fields removed, unknown keys rejected,
    /// every non-optional key required.
    fn section(
        &mut self,
        desc: &ConfigStruct,
        schema: &Value,
        default: &Value,
        path: &[String],
        env_base: &str,
    ) -> (Vec<Item>, Value) {
        let empty = Map::new();
        let props = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let defaults = default.as_object().unwrap_or(&empty);
        let mut items = Vec::new();
        let mut out_props = Map::new();
        let mut required = Vec::new();
        for field in desc.fields.iter().filter(|f| f.role != Role::Skip) {
            let mut field_path = path.to_vec();
            field_path.push(field.key.to_owned());
            let Some(prop) = props.get(field.key) else {
                let dotted = field_path.join(".");
                self.problem(ProblemKind::Unsupported, &dotted, format!(
                    "`{dotted}` ({}.{}): its JSON schema has no such property; is it `#[schemars(skip)]`?",
                    desc.rust_name, field.rust_name
                ));
                continue;
            };
            let field_default = defaults.get(field.key).unwrap_or(&Value::Null);
            let (item, field_schema) = match (field.nested(), &field.role) {
                (Some(nested), Role::Value) => {
                    if field.env.is_some() {
                        let dotted = field_path.join(".");
                        self.problem(ProblemKind::Unsupported, &dotted, format!(
                            "`{dotted}`: `env` names one variable, but this field is a section of keys"
                        ));
                    }
                    let child_env_base = naming::section_prefix(env_base, field.key);
                    let (children, child_schema) =
                        self.section(&nested, prop, field_default, &field_path, &child_env_base);
                    let section = Item::Section {
                        key: field.key.to_owned(),
                        doc: field.doc.to_owned(),
                        items: children,
                    };
                    // A section of secrets only has nothing to set in values.
                    let child_schema = section.has_values().then_some(child_schema);
                    (section, child_schema)
                }
                _ => {
                    let env = match field.env {
                        Some(env) => env.to_owned(),
                        None => format!("{env_base}{}", naming::env_segment(field.key)),
                    };
                    let (leaf, leaf_schema) =
                        self.leaf(desc, field, prop, field_path, env, field_default.clone());
                    (Item::Leaf(leaf), leaf_schema)
                }
            };
            if let Some(field_schema) = field_schema {
                out_props.insert(field.key.to_owned(), field_schema);
                if !field.optional {
                    required.push(Value::from(field.key));
                }
            }
            items.push(item);
        }
        (items, schema::section(schema, out_props, required))
    }

    /// One value: its env var, its default and its schema (none for a
    /// secret), with every problem Helm would have carrying it.
    fn leaf(
        &mut self,
        desc: &ConfigStruct,
        field: &Field,
        prop: &Value,
        path: Vec<String>,
        env: String,
        default: Value,
    ) -> (Leaf, Option<Value>) {
        let dotted = path.join(".");
        if !naming::is_valid_env_name(&env) {
            self.problem(ProblemKind::InvalidName, &dotted, format!("`{dotted}`: env var `{env}` is not a valid name; set `env_prefix` or `#[gitops(env = \"...\")]`"));
        }
        if env == naming::config_file_var(self.prefix)
            || env == naming::secrets_dir_var(self.prefix)
        {
            self.problem(ProblemKind::Clash, &dotted, format!("`{dotted}`: env var `{env}` is reserved: it names the config file or the secrets directory the chart mounts; rename the field or set `#[gitops(env = \"...\")]`"));
        }
        // An `Option` defaulting to `Some` must be able to say "none", which
        // raw text cannot: it reaches the app as JSON (`"text"` or `null`).
        let some_default = field.optional && !default.is_null() && field.role != Role::Secret;
        let text = schema::is_text(prop) && !some_default && field.role != Role::Json;
        if field.role == Role::Json && field.nested.is_some() {
            // Its secrets would land in values.yaml inside the one value.
            self.problem(ProblemKind::Unsupported, &dotted, format!(
                "`{dotted}` ({}.{}): `#[gitops(json)]` keeps a struct without `GitOps` as one value, \
                 but this field's type derives `GitOps` and is a section; remove `json`",
                desc.rust_name, field.rust_name
            ));
        }
        if field.role == Role::Value && field.nested.is_none() {
            if let Some(keys) = self.struct_keys(prop) {
                let keys = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                self.problem(ProblemKind::Unsupported, &dotted, format!(
                    "`{dotted}` ({}.{}): its type is a struct (keys {keys}) that does not derive `GitOps`, \
                     so the chart would carry it as one JSON value in one env var, `{env}`; \
                     derive `GitOps` on the type for a section with a variable per key, \
                     or mark the field `#[gitops(json)]` to keep it one JSON value",
                    desc.rust_name, field.rust_name
                ));
            }
        }
        if let Some(why) = service_link::ambiguous(&env, text || field.role == Role::Secret) {
            self.problem(ProblemKind::Clash, &dotted, format!("`{dotted}`: env var `{env}` could be a kubelet service link of a Service in the namespace, and the loader could not tell the link from the key's own value ({why}); rename the field or set `#[gitops(env = \"...\")]`"));
        }
        if let Some(owner) = self.env_owners.insert(env.clone(), dotted.clone()) {
            self.problem(ProblemKind::Clash, &dotted, format!("`{dotted}` and `{owner}` both read env var `{env}`; rename one or set `#[gitops(env = \"...\")]`"));
        }
        let kind = match &field.role {
            Role::Port { name, metrics } => {
                LeafKind::Port { name: (*name).to_owned(), metrics: metrics.map(str::to_owned) }
            }
            Role::Secret => LeafKind::Secret,
            Role::ShutdownTimeout => {
                if let Some(first) = self.shutdown_timeout.replace(dotted.clone()) {
                    self.problem(ProblemKind::Clash, &dotted, format!(
                        "`{dotted}` and `{first}` are both `shutdown_timeout`: a pod has one grace period"
                    ));
                }
                LeafKind::ShutdownTimeout
            }
            Role::Value | Role::Json | Role::Skip => LeafKind::Value,
        };
        let mut leaf = Leaf {
            path,
            doc: field.doc.to_owned(),
            env,
            kind,
            optional: field.optional,
            text,
            default,
        };
        if leaf.kind == LeafKind::Secret {
            if !text {
                self.problem(ProblemKind::Unsupported, &dotted, format!("`{dotted}` is `secret` but its schema is not a string: a Secret's value reaches the app as text"));
            }
            if !dotted.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                self.problem(
                    ProblemKind::InvalidName,
                    &dotted,
                    format!(
                        "`{dotted}` cannot be a Secret key: use letters, digits, `-`, `_` and `.`"
                    ),
                );
            }
            // A secret never has a value in values.yaml.
            leaf.default = Value::Null;
            return (leaf, None);
        }
        let reported = self.problems.len();
        if leaf.default.is_null() && !field.optional {
            self.problem(ProblemKind::Missing, &dotted, format!(
                "`{dotted}` has no default: `{}::default()` serializes it as null or leaves it out (NaN, infinity, `skip_serializing`?)",
                desc.rust_name
            ));
        }
        if let Some(n) = unsafe_integer(&leaf.default) {
            self.problem(ProblemKind::Unsupported, &dotted, format!(
                "`{dotted}`: default {n} is beyond ±2^53, which Helm cannot carry exactly (it stores numbers as float64)"
            ));
        }
        let mut leaf_schema = schema::leaf(prop);
        if let LeafKind::Port { .. } = leaf.kind {
            if !matches!(leaf.default.as_i64(), Some(1..=65535)) {
                self.problem(
                    ProblemKind::Refused,
                    &dotted,
                    format!(
                        "`{dotted}` is a port, but its default {} is not in 1..=65535",
                        leaf.default
                    ),
                );
            }
            schema::narrow_range(&mut leaf_schema, 1, 65535);
        }
        if leaf.kind == LeafKind::ShutdownTimeout {
            if !matches!(leaf.default.as_i64(), Some(0..)) {
                self.problem(ProblemKind::Refused, &dotted, format!(
                    "`{dotted}` is `shutdown_timeout`, but its default {} is not a number of seconds",
                    leaf.default
                ));
            }
            // Kubernetes adds it to the preStop delay in an int64; int32 keeps it sane.
            schema::narrow_range(&mut leaf_schema, 0, i32::MAX.into());
        }
        if self.problems.len() > reported {
            self.flagged.insert(dotted);
        }
        (leaf, Some(leaf_schema))
    }

    /// The keys of a struct's schema: an object with fixed properties,
    /// possibly `Option`al or behind a `$ref`. A map (`additionalProperties`
    /// only), a list or an enum of objects is no struct and gives `None`.
    fn struct_keys(&self, schema: &Value) -> Option<Vec<String>> {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            return self.struct_keys(self.definitions.get(name)?);
        }
        // `Option<T>`: `anyOf: [T, {"type": "null"}]`.
        if schema.get("anyOf").is_some() {
            return self.struct_keys(schema::non_null_branch(schema)?);
        }
        let object = match schema.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
            _ => false,
        };
        let props = schema.get("properties").and_then(Value::as_object)?;
        (object && !props.is_empty()).then(|| props.keys().cloned().collect())
    }
}

/// The first integer in `v` that a float64 cannot hold exactly.
fn unsafe_integer(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => {
            let fits = n
                .as_i64()
                .map(|i| i.abs() <= MAX_SAFE_INTEGER)
                .or_else(|| n.as_u64().map(|u| u <= MAX_SAFE_INTEGER as u64));
            (fits == Some(false)).then(|| n.to_string())
        }
        Value::Array(a) => a.iter().find_map(unsafe_integer),
        Value::Object(o) => o.values().find_map(unsafe_integer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(key: &'static str, role: Role, optional: bool) -> Field {
        Field { rust_name: key, key, doc: "", role, env: None, optional, nested: None }
    }

    fn db() -> ConfigStruct {
        ConfigStruct {
            rust_name: "Db",
            doc: "",
            env_prefix: None,
            probes: Probes::default(),
            delivery: Delivery::Env,
            fields: vec![field("url", Role::Value, false), field("password", Role::Secret, true)],
        }
    }

    fn app() -> ConfigStruct {
        let mut db_field = field("db", Role::Value, false);
        db_field.nested = Some(db);
        ConfigStruct {
            rust_name: "App",
            doc: "",
            env_prefix: Some("APP_"),
            probes: Probes::default(),
            delivery: Delivery::Env,
            fields: vec![
                field("http", Role::Port { name: "http", metrics: None }, false),
                field("admin", Role::Port { name: "admin", metrics: Some("/metrics") }, false),
                field("grace", Role::ShutdownTimeout, false),
                field("token", Role::Secret, false),
                field("note", Role::Value, true),
                db_field,
            ],
        }
    }

    fn app_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "http": {"type": "integer", "format": "uint16", "minimum": 0, "maximum": 65535},
                "admin": {"type": "integer", "format": "uint16", "minimum": 0, "maximum": 65535},
                "grace": {"type": "integer", "format": "uint64", "minimum": 0},
                "token": {"type": "string"},
                "note": {"type": ["string", "null"]},
                "db": {"type": "object", "properties": {
                    "url": {"type": "string"},
                    "password": {"type": ["string", "null"]}
                }},
            },
            "definitions": {"Count": {"type": "integer", "format": "uint64", "minimum": 0}}
        })
    }

    fn app_default() -> Value {
        json!({"http": 8080, "admin": 9090, "grace": 10, "token": "", "note": null, "db": {"url": "postgres://db", "password": null}})
    }

    #[test]
    fn the_tree_answers_what_the_chart_asks() {
        let tree = config_tree(&app(), &app_schema(), &app_default()).unwrap();
        let keys = |leaves: Vec<&Leaf>| leaves.iter().map(|l| l.key()).collect::<Vec<_>>();
        assert_eq!(
            keys(tree.leaves()),
            ["http", "admin", "grace", "token", "note", "db.url", "db.password"]
        );
        assert_eq!(keys(tree.secrets()), ["token", "db.password"]);
        assert_eq!(keys(tree.value_leaves()), ["http", "admin", "grace", "note", "db.url"]);
        let ports: Vec<_> = tree.ports().iter().map(|(name, l)| (*name, l.env.as_str())).collect();
        assert_eq!(ports, [("http", "APP_HTTP"), ("admin", "APP_ADMIN")]);
        assert_eq!(tree.metrics_ports(), [("admin", "/metrics")]);
        assert_eq!(tree.shutdown_timeout().map(Leaf::key).as_deref(), Some("grace"));
        assert!(tree.has_values());
        assert_eq!(
            tree.leaf_at(&["db".into(), "url".into()]).map(|l| l.env.as_str()),
            Some("APP_DB__URL")
        );
    }

    #[test]
    fn the_config_schema_and_its_definitions_are_rewritten_once_here() {
        let tree = config_tree(&app(), &app_schema(), &app_default()).unwrap();
        let schema = &tree.schema;
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["required"], json!(["http", "admin", "grace", "db"]));
        assert!(schema["properties"].get("token").is_none(), "a secret has no value");
        assert_eq!(schema["properties"]["db"]["properties"].as_object().unwrap().len(), 1);
        assert_eq!(schema["properties"]["http"]["minimum"], json!(1), "a port starts at 1");
        assert_eq!(schema["properties"]["grace"]["maximum"], json!(i32::MAX));
        assert!(
            schema["properties"]["http"].get("format").is_none(),
            "uint16 is no draft-07 format"
        );
        // The definitions get the same rewrite: what the chart and the loader
        // validate against is one schema.
        let count = &tree.definitions.as_ref().unwrap()["Count"];
        assert!(count.get("format").is_none());
        assert_eq!(count["maximum"], json!(MAX_SAFE_INTEGER));
    }

    #[test]
    fn values_leave_out_secrets_and_nulls() {
        let tree = config_tree(&app(), &app_schema(), &app_default()).unwrap();
        assert_eq!(
            tree.values_of(&app_default()),
            json!({"http": 8080, "admin": 9090, "grace": 10, "db": {"url": "postgres://db"}})
        );
    }

    #[test]
    fn a_section_of_nulls_stays_as_an_empty_map() {
        let tree = config_tree(&app(), &app_schema(), &app_default()).unwrap();
        let mut config = app_default();
        config["db"]["url"] = Value::Null;
        // As Helm reads `db: {url: null}`: `db: {}`; a null section itself goes.
        assert_eq!(tree.values_of(&config)["db"], json!({}));
        config["db"] = Value::Null;
        assert!(tree.values_of(&config).get("db").is_none());
    }

    #[test]
    fn a_config_of_secrets_only_has_no_values() {
        let mut only_secrets = db();
        only_secrets.fields.remove(0);
        only_secrets.env_prefix = Some("S_");
        let schema =
            json!({"type": "object", "properties": {"password": {"type": ["string", "null"]}}});
        let tree = config_tree(&only_secrets, &schema, &json!({"password": null})).unwrap();
        assert!(!tree.has_values());
        assert!(tree.ports().is_empty() && tree.shutdown_timeout().is_none());
    }

    #[test]
    fn a_root_without_env_prefix_is_refused_and_an_empty_one_is_a_choice() {
        let mut root = app();
        root.env_prefix = None;
        let problems = config_tree(&root, &app_schema(), &app_default()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0]
            .message
            .starts_with("`App` is the root config but has no `env_prefix`"));
        assert_eq!(problems[0].key, None);
        root.env_prefix = Some("");
        let tree = config_tree(&root, &app_schema(), &app_default()).unwrap();
        assert_eq!(tree.leaf_at(&["db".into(), "url".into()]).unwrap().env, "DB__URL");
    }

    /// A root with one field `key` of the given role and schema.
    fn one_field(role: Role, schema: Value) -> (ConfigStruct, Value) {
        let root = ConfigStruct {
            rust_name: "App",
            doc: "",
            env_prefix: Some("APP_"),
            probes: Probes::default(),
            delivery: Delivery::Env,
            fields: vec![field("peer", role, false)],
        };
        let mut schema = json!({"type": "object", "properties": {"peer": schema}});
        schema["definitions"] = json!({"Peer": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Peer"}}}});
        (root, schema)
    }

    #[test]
    fn a_struct_without_gitops_is_refused_unless_marked_json() {
        let object = json!({"type": "object", "properties": {"host": {"type": "string"}, "port": {"type": "integer"}}});
        let optional = json!({"anyOf": [object.clone(), {"type": "null"}]});
        let nullable =
            json!({"type": ["object", "null"], "properties": {"host": {"type": "string"}}});
        let recursive = json!({"$ref": "#/definitions/Peer"});
        for schema in [object.clone(), optional, nullable, recursive] {
            let (root, full) = one_field(Role::Value, schema.clone());
            let default = json!({"peer": {}});
            let problems = config_tree(&root, &full, &default).unwrap_err();
            assert_eq!(problems.len(), 1, "{schema}: {problems:?}");
            assert!(
                problems[0].message.starts_with("`peer` (App.peer): its type is a struct (keys `")
                    && problems[0].message.contains("`APP_PEER`")
                    && problems[0].message.contains("`#[gitops(json)]`")
                    && problems[0].key.as_deref() == Some("peer"),
                "{}",
                problems[0]
            );
            let (root, full) = one_field(Role::Json, schema.clone());
            let tree = config_tree(&root, &full, &default).unwrap();
            assert!(!tree.leaves()[0].text);
        }
        // Maps, lists, enums and text are values by nature.
        for schema in [
            json!({"type": "object", "additionalProperties": {"type": "integer"}}),
            json!({"type": "array", "items": object}),
            json!({"oneOf": [object, {"type": "string", "const": "none"}]}),
            json!({"type": "object", "properties": {}}),
            json!({"type": "string"}),
        ] {
            let (root, full) = one_field(Role::Value, schema.clone());
            let default =
                if schema["type"] == "string" { json!({"peer": ""}) } else { json!({"peer": {}}) };
            let result = config_tree(&root, &full, &default);
            assert!(
                result
                    .as_ref()
                    .err()
                    .is_none_or(|p| p.iter().all(|p| !p.message.contains("struct"))),
                "{schema}: {result:?}"
            );
        }
    }

    #[test]
    fn json_on_a_section_is_refused() {
        let (mut root, full) = one_field(
            Role::Json,
            json!({"type": "object", "properties": {"url": {"type": "string"}}}),
        );
        root.fields[0].nested = Some(db);
        let problems = config_tree(&root, &full, &json!({"peer": {"url": ""}})).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("derives `GitOps` and is a section; remove `json`"));
    }

    #[test]
    fn json_makes_text_json() {
        let (root, full) = one_field(Role::Json, json!({"type": "string"}));
        let tree = config_tree(&root, &full, &json!({"peer": "x"})).unwrap();
        assert!(!tree.leaves()[0].text, "`json` reads a string field as JSON too");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut default = app_default();
        default["http"] = json!(0);
        default["db"]["url"] = Value::Null;
        let problems = config_tree(&app(), &app_schema(), &default).unwrap_err();
        // Each names its key.
        let at = |key: &str| problems.iter().find(|p| p.key.as_deref() == Some(key));
        assert!(
            at("http").is_some_and(|p| p.message.contains("`http` is a port, but its default 0")),
            "{problems:?}"
        );
        assert!(
            at("db.url").is_some_and(|p| p.message.contains("`db.url` has no default")),
            "{problems:?}"
        );
    }
}
