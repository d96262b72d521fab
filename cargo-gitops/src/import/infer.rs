//! Stage 2: the Rust model of a chart's app settings: structs, fields,
//! their Rust types, bounds and defaults, inferred from values.yaml, the
//! environments' values files and values.schema.json.
//!
//! Rules, in order: the schema decides when it says (`type`, `enum`,
//! bounds, `additionalProperties`); otherwise the values do, every file's
//! value of the key counted, so a key that is `1` by default and `1.5` in
//! production is an `f64`. A map whose keys are all field-like becomes a
//! struct (a section deriving `GitOps` in the config, a plain struct inside
//! a list); any other map is a `BTreeMap`. A `null` anywhere makes the
//! type an `Option`.

use super::names;
use super::read::{Entry, Node, Schema};
use gitops_model::{naming, service_link};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Rust integer types the import picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int {
    U16,
    U32,
    U64,
    I32,
    I64,
}

impl Int {
    pub fn name(self) -> &'static str {
        match self {
            Int::U16 => "u16",
            Int::U32 => "u32",
            Int::U64 => "u64",
            Int::I32 => "i32",
            Int::I64 => "i64",
        }
    }
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Int::U16 => (0.0, u16::MAX as f64),
            Int::U32 => (0.0, u32::MAX as f64),
            Int::U64 => (0.0, u64::MAX as f64),
            Int::I32 => (i32::MIN as f64, i32::MAX as f64),
            Int::I64 => (i64::MIN as f64, i64::MAX as f64),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    Int(Int),
    Float,
    String,
    /// Anything else, as `serde_json::Value`.
    Json,
    Enum(String),
    Struct(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Option(Box<Ty>),
}

impl Ty {
    /// Whether the chart hands this value over as raw text (strings, enums).
    pub fn is_text(&self) -> bool {
        match self {
            Ty::String | Ty::Enum(_) => true,
            Ty::Option(inner) => inner.is_text(),
            _ => false,
        }
    }
}

/// `#[schemars(...)]` bounds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    pub min: Option<Value>,
    pub max: Option<Value>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The YAML key, byte for byte.
    pub key: String,
    /// Its dotted path from the root (`database.port`, `providers[].name`).
    pub path: String,
    pub ident: String,
    /// `#[serde(rename)]`, when the struct's renaming does not give the key.
    pub rename: Option<String>,
    pub doc: String,
    pub ty: Ty,
    pub bounds: Bounds,
    /// The default (values.yaml's value).
    pub default: Value,
    /// Absent from some list items: `#[serde(default, skip_serializing_if)]`.
    pub omitted_when_none: bool,
    /// `#[gitops(port = "NAME")]`: the container port's name.
    pub port: Option<String>,
    /// `#[gitops(json)]`: a section's field whose type is a plain struct
    /// (or an `Option` of one), carried as one JSON value.
    pub json: bool,
    /// `#[gitops(env = "...")]`, when the naming rule's variable cannot be used.
    pub env: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub name: String,
    pub doc: String,
    /// A config section (derives `GitOps`, has `impl Default`), else a plain
    /// struct of list items or map values.
    pub section: bool,
    pub camel_case: bool,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub doc: String,
    /// (variant identifier, the string it stands for).
    pub variants: Vec<(String, String)>,
}

/// HTTP paths of the original probes, which the root struct declares.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
    pub startup: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Model {
    /// The root struct is `structs[0]`.
    pub structs: Vec<Struct>,
    pub enums: Vec<Enum>,
    pub env_prefix: String,
    pub probes: Probes,
    /// Whether any type is `serde_json::Value`.
    pub uses_json: bool,
    pub uses_map: bool,
    /// Assumptions a reviewer should check, one sentence each.
    pub notes: Vec<String>,
    /// Keys a values file sets that values.yaml has no default for, so the
    /// config does not have them: (file, dotted path).
    pub unknown_in_files: Vec<(String, String)>,
    /// Config keys the import added (not in the original chart), by path.
    pub added: Vec<String>,
}

/// Input of the inference: the app's keys of values.yaml (in file order)
/// and of each environment's values file, and the schema.
pub struct Input<'a> {
    pub app: Vec<&'a Entry>,
    pub environments: Vec<(String, Map<String, Value>)>,
    pub schema: Option<&'a Schema>,
    pub root_doc: String,
    pub env_prefix: String,
    /// `service.port` when the chart has a Service: the config then needs a port field.
    pub service_port: Option<Value>,
    pub probes: Probes,
}

pub fn infer(input: Input) -> Model {
    let mut builder = Builder {
        schema: input.schema,
        structs: Vec::new(),
        enums: Vec::new(),
        names: [
            "Config",
            "Default",
            "String",
            "Vec",
            "Option",
            "BTreeMap",
            "Serialize",
            "Deserialize",
            "JsonSchema",
            "GitOps",
            "Result",
            "Box",
            "Some",
            "None",
            "Ok",
            "Err",
            "Self",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        notes: Vec::new(),
        unknown_in_files: Vec::new(),
        uses_json: false,
        uses_map: false,
    };
    builder.structs.push(Struct {
        name: "Config".into(),
        doc: input.root_doc.clone(),
        section: true,
        camel_case: false,
        fields: Vec::new(),
    });
    let environments: Vec<(&str, &Map<String, Value>)> =
        input.environments.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let schema_root = input.schema.map(Schema::root);
    builder.fill_section(0, &[], &input.app, &environments, schema_root);

    let mut model = Model {
        structs: builder.structs,
        enums: builder.enums,
        env_prefix: input.env_prefix,
        probes: input.probes,
        uses_json: builder.uses_json,
        uses_map: builder.uses_map,
        notes: builder.notes,
        unknown_in_files: builder.unknown_in_files,
        added: Vec::new(),
    };
    if let Some(service_port) = input.service_port {
        choose_ports(&mut model, &service_port);
    }
    for (name, path) in [
        ("livenessProbe", &mut model.probes.liveness),
        ("readinessProbe", &mut model.probes.readiness),
        ("startupProbe", &mut model.probes.startup),
    ] {
        if let Some(p) = path.take() {
            if is_probe_path(&p) {
                *path = Some(p);
            } else {
                model.notes.push(format!(
                    "`{name}.httpGet.path` {p:?} is not an HTTP path the derive takes (it starts with `/` and has no spaces or control characters): left out."
                ));
            }
        }
    }
    let has_probe_paths = model.probes.liveness.is_some()
        || model.probes.readiness.is_some()
        || model.probes.startup.is_some();
    if has_probe_paths && !model.structs.iter().flat_map(|s| &s.fields).any(|f| f.port.is_some()) {
        model.notes.push("The original probes' HTTP paths need a port field; the chart has none, so they were left out.".into());
        model.probes = Probes::default();
    }
    null_or_absent(&mut model);
    fix_env_vars(&mut model);
    model
}

/// How values.yaml's entries of a list-item (or map-value) struct write a
/// missing value: each `Option` field of such a struct is left out when
/// `None` (`skip_serializing_if`), unless values.yaml's entries write it as
/// an explicit `null` (and never leave it out): then `None` is written as
/// `null`, so the generated values.yaml holds what the original did. Entries
/// that do both cannot both be reproduced: a note says so.
fn null_or_absent(model: &mut Model) {
    // (struct, key) → (an entry has `key: null`, an entry leaves it out).
    let mut seen: HashMap<(String, String), (bool, bool)> = HashMap::new();
    fn walk(model: &Model, ty: &Ty, v: &Value, seen: &mut HashMap<(String, String), (bool, bool)>) {
        match (ty, v) {
            (Ty::Option(inner), v) if !v.is_null() => walk(model, inner, v, seen),
            (Ty::Vec(inner), Value::Array(items)) => {
                items.iter().for_each(|item| walk(model, inner, item, seen))
            }
            (Ty::Map(inner), Value::Object(map)) => {
                map.values().for_each(|item| walk(model, inner, item, seen))
            }
            (Ty::Struct(name), Value::Object(map)) => {
                let Some(s) = model.structs.iter().find(|s| &s.name == name && !s.section) else {
                    return;
                };
                for f in &s.fields {
                    let entry = seen.entry((name.clone(), f.key.clone())).or_default();
                    match map.get(&f.key) {
                        Some(Value::Null) => entry.0 = true,
                        None => entry.1 = true,
                        Some(inner) => walk(model, &f.ty, inner, seen),
                    }
                }
            }
            _ => {}
        }
    }
    for s in model.structs.iter().filter(|s| s.section) {
        for f in &s.fields {
            walk(model, &f.ty, &f.default, &mut seen);
        }
    }
    for s in model.structs.iter_mut().filter(|s| !s.section) {
        for f in s.fields.iter_mut().filter(|f| matches!(f.ty, Ty::Option(_))) {
            let (null, absent) =
                seen.get(&(s.name.clone(), f.key.clone())).copied().unwrap_or_default();
            f.omitted_when_none = !null || absent;
            if null && absent {
                model.notes.push(format!(
                    "`{}` is `null` in some entries of values.yaml and absent in others: the generated values.yaml leaves it out of every entry without a value.",
                    f.path
                ));
            }
        }
    }
}

/// The derive's rule for a probe's path (gitops-derive-internals' `check_probes`).
fn is_probe_path(path: &str) -> bool {
    path.starts_with('/') && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

struct Builder<'a> {
    schema: Option<&'a Schema>,
    structs: Vec<Struct>,
    enums: Vec<Enum>,
    names: HashSet<String>,
    notes: Vec<String>,
    unknown_in_files: Vec<(String, String)>,
    uses_json: bool,
    uses_map: bool,
}

/// `providers`, `[]`, `name` → `providers[].name`.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if !out.is_empty() && segment != "[]" {
            out.push('.');
        }
        out.push_str(segment);
    }
    out
}

impl<'a> Builder<'a> {
    /// A type name from `key` (and its parent's name when taken).
    fn type_name(&mut self, parent: &str, key: &str, suffix: &str) -> String {
        let base = format!("{}{suffix}", names::upper_camel(key));
        let mut name = base.clone();
        if self.names.contains(&name) {
            name = format!("{parent}{base}");
        }
        // The set is finite, so a free numbered name always comes.
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{parent}{base}{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// The fields of section `index` from its values.yaml entries, with
    /// `environments`' maps at the same path.
    fn fill_section(
        &mut self,
        index: usize,
        path: &[String],
        entries: &[&Entry],
        environments: &[(&str, &Map<String, Value>)],
        schema: Option<&'a Value>,
    ) {
        let parent = self.structs[index].name.clone();
        let mut fields = Vec::new();
        for entry in entries {
            let mut field_path = path.to_vec();
            field_path.push(entry.key.clone());
            let field_schema = match (self.schema, schema) {
                (Some(s), Some(parent_schema)) => s.property(parent_schema, &entry.key),
                _ => None,
            };
            let env_values: Vec<(&str, &Value)> = environments
                .iter()
                .filter_map(|(n, m)| m.get(&entry.key).map(|v| (*n, v)))
                .collect();
            let mut doc = entry.doc.clone();
            if doc.is_empty() {
                if let Some(description) =
                    field_schema.and_then(|s| s.get("description")).and_then(Value::as_str)
                {
                    doc = description.to_owned();
                }
            }
            let default = entry.node.to_json();
            let section = match &entry.node {
                Node::Map(inner) if !inner.is_empty() => {
                    inner.iter().all(|e| names::is_field_like(&e.key))
                        && !field_schema.is_some_and(|s| self.is_map_schema(s))
                        && env_values.iter().all(|(_, v)| v.is_object())
                }
                _ => false,
            };
            let (ty, bounds) = if section {
                let name = self.type_name(&parent, &entry.key, "");
                self.structs.push(Struct {
                    name: name.clone(),
                    doc: if doc.is_empty() {
                        format!("`{}`.", dotted(&field_path))
                    } else {
                        doc.clone()
                    },
                    section: true,
                    camel_case: false,
                    fields: Vec::new(),
                });
                let at = self.structs.len() - 1;
                let inner: Vec<&Entry> = entry.node.entries().iter().collect();
                let env_maps: Vec<(&str, &Map<String, Value>)> =
                    env_values.iter().filter_map(|(n, v)| v.as_object().map(|m| (*n, m))).collect();
                self.fill_section(at, &field_path, &inner, &env_maps, field_schema);
                (Ty::Struct(name), Bounds::default())
            } else {
                let mut values = vec![&default];
                values.extend(env_values.iter().map(|(_, v)| *v));
                self.value_type(&parent, &entry.key, &field_path, &values, field_schema)
            };
            fields.push(Field {
                key: entry.key.clone(),
                path: dotted(&field_path),
                ident: String::new(),
                rename: None,
                doc,
                ty,
                bounds,
                default,
                omitted_when_none: false,
                port: None,
                json: false,
                env: None,
            });
        }
        // A plain struct in a section is one JSON value (the tree refuses it
        // otherwise): only a type whose schema is an object with fixed keys,
        // not a list or a map of them.
        for field in &mut fields {
            let inner = match &field.ty {
                Ty::Option(inner) => inner.as_ref(),
                ty => ty,
            };
            if let Ty::Struct(name) = inner {
                field.json = self.structs.iter().any(|s| &s.name == name && !s.section);
            }
        }
        // Keys only an environment sets: Helm would take them, the new schema will not.
        for (name, map) in environments {
            for key in map.keys() {
                if !entries.iter().any(|e| &e.key == key) {
                    let mut p = path.to_vec();
                    p.push(key.clone());
                    self.notes.push(format!(
                        "`{}` is set in {name} but has no default in values.yaml: not imported (the generated schema rejects it, so the converted file has it commented out); add it to the struct by hand.",
                        dotted(&p)
                    ));
                    self.unknown_in_files.push((name.to_string(), dotted(&p)));
                }
            }
        }
        let camel_case = name_fields(&mut fields);
        self.structs[index].fields = fields;
        self.structs[index].camel_case = camel_case;
    }

    /// Whether `schema` describes a map (free keys) rather than fixed fields.
    fn is_map_schema(&self, schema: &Value) -> bool {
        let schema = self.non_null(schema);
        let additional = schema.get("additionalProperties");
        schema.get("properties").is_none()
            && (additional.is_some_and(|a| a.is_object() || a == &Value::Bool(true))
                || schema.get("patternProperties").is_some())
    }

    /// `schema` without its `null` alternative.
    fn non_null(&self, schema: &'a Value) -> &'a Value {
        let Some(s) = self.schema else { return schema };
        let schema = s.resolve(schema);
        let alternatives: Vec<&Value> = s
            .alternatives(schema)
            .into_iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .collect();
        if alternatives.len() == 1 && schema.get("type").is_none() {
            alternatives[0]
        } else {
            schema
        }
    }

    fn nullable(&self, schema: &Value) -> bool {
        let Some(s) = self.schema else { return false };
        let schema = s.resolve(schema);
        let types_null = match schema.get("type") {
            Some(Value::String(t)) => t == "null",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
            _ => false,
        };
        types_null
            || s.alternatives(schema).iter().any(|a| a.get("type") == Some(&Value::from("null")))
            || schema
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.contains(&Value::Null))
    }

    /// The schema's type names, `null` left out.
    fn schema_types(schema: &Value) -> Vec<&str> {
        match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => {
                ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect()
            }
            _ => Vec::new(),
        }
    }

    /// The type of a value that every one of `values` must fit.
    fn value_type(
        &mut self,
        parent: &str,
        name_key: &str,
        path: &[String],
        values: &[&Value],
        schema: Option<&'a Value>,
    ) -> (Ty, Bounds) {
        let key = name_key;
        let present: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
        let nullable = present.len() < values.len() || schema.is_some_and(|s| self.nullable(s));
        let schema = schema.map(|s| self.non_null(s));
        let mut bounds = Bounds::default();
        let types = schema.map(Self::schema_types).unwrap_or_default();
        let strings: Option<Vec<String>> = schema
            .and_then(|s| s.get("enum"))
            .and_then(Value::as_array)
            .map(|e| {
                e.iter()
                    .filter(|v| !v.is_null())
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or(None);
        let kind = if strings.is_some_and(|v| !v.is_empty()) {
            "enum"
        } else if types.len() == 1 {
            match types[0] {
                "boolean" => "bool",
                "integer" => "int",
                "number"
                    if present.iter().all(|v| v.is_i64() || v.is_u64())
                        && schema.is_some_and(|s| s.get("multipleOf") == Some(&Value::from(1))) =>
                {
                    "int"
                }
                "number" => "float",
                "string" => "string",
                "array" => "array",
                "object" => "object",
                _ => "values",
            }
        } else if types.len() > 1 {
            self.notes.push(format!(
                "`{}`: the schema allows several types ({}); typed as JSON.",
                dotted(path),
                types.join(", ")
            ));
            "json"
        } else {
            "values"
        };
        let kind = if kind == "values" { Self::kind_of(&present) } else { kind };
        let ty = match kind {
            "bool" => Ty::Bool,
            "enum" => {
                let variants: Vec<String> = schema
                    .and_then(|s| s.get("enum"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                let name = self.type_name(parent, key, "");
                let mut idents = BTreeSet::new();
                let variants = variants
                    .into_iter()
                    .map(|v| {
                        let mut ident = names::upper_camel(&v);
                        while !idents.insert(ident.clone()) {
                            ident.push('_');
                        }
                        (ident, v)
                    })
                    .collect();
                let doc = format!("The values `{}` takes.", dotted(path));
                self.enums.push(Enum { name: name.clone(), doc, variants });
                Ty::Enum(name)
            }
            "int" => {
                let s = schema.cloned().unwrap_or(Value::Null);
                let int = integer_type(&s, &present);
                let (lo, hi) = int.bounds();
                let (min, max) = integer_bounds(&s);
                bounds.min = min.filter(|m| *m > lo).map(|m| Value::from(m as i64));
                bounds.max = max.filter(|m| *m < hi).map(|m| Value::from(m as i64));
                for v in &present {
                    let magnitude = v.as_i64().map(|i| i.unsigned_abs()).or(v.as_u64());
                    if magnitude.is_some_and(|n| n > MAX_SAFE_INTEGER) {
                        self.notes.push(format!(
                            "`{}`: {v} is beyond 2^53 − 1; Helm stores numbers as float64 and reads it as {} (gitops-gen refuses such a default).",
                            dotted(path),
                            v.as_f64().unwrap_or_default()
                        ));
                    }
                }
                Ty::Int(int)
            }
            "float" => {
                let s = schema.cloned().unwrap_or(Value::Null);
                bounds.min = number_bound(&s, "minimum", "exclusiveMinimum", true).map(Value::from);
                bounds.max =
                    number_bound(&s, "maximum", "exclusiveMaximum", false).map(Value::from);
                if s.get("exclusiveMinimum").is_some() || s.get("exclusiveMaximum").is_some() {
                    self.notes.push(format!(
                        "`{}`: an exclusive bound became an inclusive one.",
                        dotted(path)
                    ));
                }
                Ty::Float
            }
            "string" => {
                if let Some(s) = schema {
                    bounds.min_length = s.get("minLength").and_then(Value::as_u64);
                    bounds.max_length = s.get("maxLength").and_then(Value::as_u64);
                    bounds.pattern = s.get("pattern").and_then(Value::as_str).map(str::to_owned);
                    if s.get("format").is_some() {
                        self.notes.push(format!(
                            "`{}`: the schema's `format` was not imported.",
                            dotted(path)
                        ));
                    }
                }
                if present.is_empty() && schema.is_none() {
                    self.notes.push(format!(
                        "`{}` is null everywhere and has no schema: typed `Option<String>`.",
                        dotted(path)
                    ));
                }
                Ty::String
            }
            "array" => {
                if let Some(s) = schema {
                    bounds.min_length = s.get("minItems").and_then(Value::as_u64);
                    bounds.max_length = s.get("maxItems").and_then(Value::as_u64);
                }
                let items: Vec<&Value> =
                    present.iter().filter_map(|v| v.as_array()).flatten().collect();
                let item_schema = match (self.schema, schema) {
                    (Some(s), Some(list)) => s.items(list),
                    _ => None,
                };
                if items.is_empty() && item_schema.is_none() {
                    self.notes.push(format!(
                        "`{}` is an empty list without a schema: typed `Vec<String>`.",
                        dotted(path)
                    ));
                    Ty::Vec(Box::new(Ty::String))
                } else {
                    let mut item_path = path.to_vec();
                    item_path.push("[]".into());
                    let item = self.element_type(parent, key, &item_path, &items, item_schema);
                    Ty::Vec(Box::new(item))
                }
            }
            "object" => self.object_type(parent, key, path, &present, schema),
            "json" => {
                self.uses_json = true;
                Ty::Json
            }
            _ => {
                self.uses_json = true;
                self.notes.push(format!(
                    "`{}` holds values of different types: typed `serde_json::Value`.",
                    dotted(path)
                ));
                Ty::Json
            }
        };
        if nullable {
            (Ty::Option(Box::new(ty)), bounds)
        } else {
            (ty, bounds)
        }
    }

    /// The type of list items or map values, named after `key` in the singular.
    fn element_type(
        &mut self,
        parent: &str,
        key: &str,
        path: &[String],
        items: &[&Value],
        schema: Option<&'a Value>,
    ) -> Ty {
        let singular = singular(key).map_or_else(|| format!("{key}Item"), str::to_owned);
        self.value_type(parent, &singular, path, items, schema).0
    }

    /// A map value: a plain struct when its keys are fixed fields, else a `BTreeMap`.
    fn object_type(
        &mut self,
        parent: &str,
        key: &str,
        path: &[String],
        present: &[&Value],
        schema: Option<&'a Value>,
    ) -> Ty {
        let maps: Vec<&Map<String, Value>> = present.iter().filter_map(|v| v.as_object()).collect();
        let schema_map = schema.is_some_and(|s| self.is_map_schema(s));
        let keys: Vec<&String> = {
            let mut seen = Vec::new();
            for m in &maps {
                for k in m.keys() {
                    if !seen.contains(&k) {
                        seen.push(k);
                    }
                }
            }
            seen
        };
        // Field-like keys make a struct (list items, a fixed value); an
        // empty default (`labels: {}`) is a map to fill, whatever keys the
        // environments put in it.
        let empty_default = maps.first().is_some_and(|m| m.is_empty());
        let fixed = !schema_map
            && !empty_default
            && !keys.is_empty()
            && keys.iter().all(|k| names::is_field_like(k));
        if fixed {
            let name = self.type_name(parent, key, "");
            self.structs.push(Struct {
                name: name.clone(),
                doc: match path.split_last() {
                    Some((last, parent)) if last == "[]" || last == "*" => {
                        format!("An entry of `{}`.", dotted(parent))
                    }
                    _ => format!("The `{}` value.", dotted(path)),
                },
                section: false,
                camel_case: false,
                fields: Vec::new(),
            });
            let index = self.structs.len() - 1;
            let mut fields = Vec::new();
            for k in keys {
                let values: Vec<&Value> = maps.iter().filter_map(|m| m.get(k.as_str())).collect();
                let always = values.len() == maps.len() && values.iter().all(|v| !v.is_null());
                let field_schema = match (self.schema, schema) {
                    (Some(s), Some(p)) => s.property(p, k),
                    _ => None,
                };
                let mut field_path = path.to_vec();
                field_path.push(k.clone());
                let (mut ty, bounds) =
                    self.value_type(&name, k, &field_path, &values, field_schema);
                if !always && !matches!(ty, Ty::Option(_)) {
                    ty = Ty::Option(Box::new(ty));
                }
                let doc = field_schema
                    .and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                fields.push(Field {
                    key: k.clone(),
                    path: dotted(&field_path),
                    ident: String::new(),
                    rename: None,
                    doc,
                    ty,
                    bounds,
                    default: Value::Null,
                    // Settled by `null_or_absent` from values.yaml's entries.
                    omitted_when_none: !always,
                    port: None,
                    json: false,
                    env: None,
                });
            }
            let camel_case = name_fields(&mut fields);
            self.structs[index].fields = fields;
            self.structs[index].camel_case = camel_case;
            return Ty::Struct(name);
        }
        self.uses_map = true;
        let values: Vec<&Value> = maps.iter().flat_map(|m| m.values()).collect();
        let value_schema =
            schema.and_then(|s| s.get("additionalProperties")).filter(|a| a.is_object());
        if values.is_empty() && value_schema.is_none() {
            self.notes.push(format!(
                "`{}` is an empty map without a schema: typed `BTreeMap<String, String>`.",
                dotted(path)
            ));
            return Ty::Map(Box::new(Ty::String));
        }
        let mut value_path = path.to_vec();
        value_path.push("*".into());
        let value = self.element_type(parent, key, &value_path, &values, value_schema);
        Ty::Map(Box::new(value))
    }

    /// What the values say when the schema does not.
    fn kind_of(present: &[&Value]) -> &'static str {
        if present.is_empty() {
            "string"
        } else if present.iter().all(|v| v.is_boolean()) {
            "bool"
        } else if present.iter().all(|v| v.is_i64() || v.is_u64()) {
            "int"
        } else if present.iter().all(|v| v.is_number()) {
            "float"
        } else if present.iter().all(|v| v.is_string()) {
            "string"
        } else if present.iter().all(|v| v.is_array()) {
            "array"
        } else if present.iter().all(|v| v.is_object()) {
            "object"
        } else {
            "mixed"
        }
    }
}

/// A bound of a number's schema, the tighter of the inclusive and the
/// exclusive one (which becomes inclusive).
fn number_bound(schema: &Value, inclusive: &str, exclusive: &str, lower: bool) -> Option<f64> {
    let get = |k: &str| schema.get(k).and_then(Value::as_f64);
    [get(inclusive), get(exclusive)].into_iter().flatten().reduce(|a, b| {
        if lower {
            a.max(b)
        } else {
            a.min(b)
        }
    })
}

/// The schema's bounds on an integer: the smallest and the largest whole
/// number allowed (a fractional `minimum` rounds up, `maximum` down; an
/// exclusive bound moves to the next whole number inside).
fn integer_bounds(schema: &Value) -> (Option<f64>, Option<f64>) {
    let get = |k: &str| schema.get(k).and_then(Value::as_f64);
    let min = [get("minimum").map(f64::ceil), get("exclusiveMinimum").map(|b| b.floor() + 1.0)]
        .into_iter()
        .flatten()
        .reduce(f64::max);
    let max = [get("maximum").map(f64::floor), get("exclusiveMaximum").map(|b| b.ceil() - 1.0)]
        .into_iter()
        .flatten()
        .reduce(f64::min);
    (min, max)
}

/// The singular of a list's key when it is a plural one can tell
/// (`providers`, `queues`, `keys`), else `None` (`status`, `aliases`,
/// `policies`, `caches`: their `s` is not a plain plural ending).
fn singular(key: &str) -> Option<&str> {
    let stem = key.strip_suffix('s')?;
    let plain = stem.len() > 2
        && !stem.ends_with(['s', 'u', 'i'])
        && !stem.ends_with("ie")
        && !["se", "xe", "ze", "che", "she"].iter().any(|e| stem.ends_with(e));
    plain.then_some(stem)
}

/// The largest integer gitops-gen takes as a default: 2^53 − 1, below which
/// a float64 (Helm's number) holds every integer exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The narrowest of u16/u32/u64/i32/i64 that the schema's bounds and every value fit.
fn integer_type(schema: &Value, values: &[&Value]) -> Int {
    let (min, max) = integer_bounds(schema);
    let lowest = values.iter().filter_map(|v| v.as_f64()).fold(min.unwrap_or(0.0), f64::min);
    let highest = values.iter().filter_map(|v| v.as_f64()).fold(max.unwrap_or(0.0), f64::max);
    let non_negative = min.map_or(lowest >= 0.0, |m| m >= 0.0 && lowest >= 0.0);
    if non_negative {
        match max {
            Some(m) if m <= u16::MAX as f64 => Int::U16,
            _ if highest <= u32::MAX as f64 && max.is_none_or(|m| m <= u32::MAX as f64) => Int::U32,
            _ => Int::U64,
        }
    } else if lowest >= i32::MIN as f64
        && highest <= i32::MAX as f64
        && min.is_some_and(|m| m >= i32::MIN as f64)
        && max.is_some_and(|m| m <= i32::MAX as f64)
    {
        Int::I32
    } else {
        Int::I64
    }
}

/// Sets each field's identifier and renaming; returns whether the struct
/// takes `rename_all = "camelCase"` (when some key needs it).
fn name_fields(fields: &mut [Field]) -> bool {
    let mut taken = HashSet::new();
    for field in fields.iter_mut() {
        let mut ident = names::field_ident(&names::snake_case(&field.key));
        while !taken.insert(ident.clone()) {
            ident = format!("{}_", ident.trim_start_matches("r#"));
        }
        field.ident = ident;
    }
    let camel = fields
        .iter()
        .any(|f| names::serde_camel(&f.ident) == f.key && names::serde_plain(&f.ident) != f.key);
    for field in fields.iter_mut() {
        let serde_key =
            if camel { names::serde_camel(&field.ident) } else { names::serde_plain(&field.ident) };
        if serde_key != field.key {
            field.rename = Some(field.key.clone());
        }
    }
    camel
}

/// Whether `key` names a port: `port`, or a word `Port` / `_port` / `-port`
/// at its end (`httpPort`, `metrics_port`), never `report` or `support`.
fn is_port_key(key: &str) -> bool {
    let after_word = |stem: &str| stem.ends_with(|c: char| c.is_ascii_alphanumeric());
    key == "port"
        || key.strip_suffix("Port").is_some_and(|stem| {
            stem.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        || ["_port", "-port"].iter().any(|end| key.strip_suffix(end).is_some_and(after_word))
}

/// Marks the config's ports: every integer field of the root named like a
/// port (see [`is_port_key`]) whose default is a port number, each a named
/// container port (`httpPort` → `http`, `metricsPort` → `metrics`; a bare
/// `port` or `containerPort` → `http`). The `http` one, else the first,
/// moves to the front: the generated chart's Service forwards `service.port`
/// to the first port and exposes the others by their own numbers. Without
/// one, a new `httpPort` defaulting to the original `service.port` (the
/// starter's Deployment listens on that number). A section's `port`
/// (`database.port`) is some other server's, never the app's.
fn choose_ports(model: &mut Model, service_port: &Value) {
    let root = &mut model.structs[0];
    let mut names: Vec<String> = Vec::new();
    for field in root.fields.iter_mut().filter(|f| {
        matches!(f.ty, Ty::Int(_))
            && is_port_key(&f.key)
            && !is_client_port(&f.key)
            && f.default.as_u64().is_some_and(|p| (1..=65535).contains(&p))
    }) {
        let name = port_name(&field.key, &names);
        field.port = Some(name.clone());
        field.ty = Ty::Int(Int::U16);
        // Bounds beyond a u16's are the type's own.
        field.bounds.min = field.bounds.min.take().filter(|m| m.as_f64() > Some(0.0));
        field.bounds.max = field.bounds.max.take().filter(|m| m.as_f64() < Some(65535.0));
        names.push(name);
    }
    if !names.is_empty() {
        let main = root.fields.iter().position(|f| f.port.as_deref() == Some("http"));
        let main = main.or_else(|| root.fields.iter().position(|f| f.port.is_some()));
        if let Some(at) = main {
            let field = root.fields.remove(at);
            root.fields.insert(0, field);
        }
        let ports: Vec<String> = root
            .fields
            .iter()
            .filter_map(|f| {
                f.port.as_ref().map(|name| format!("`{}` (`#[gitops(port = \"{name}\")]`)", f.key))
            })
            .collect();
        model.notes.push(format!(
            "The config's ports, typed `u16`: {}. The generated chart's Service forwards `service.port` to the first and exposes the others by their own numbers.",
            ports.join(", ")
        ));
        return;
    }
    let mut key = "httpPort".to_owned();
    let mut n = 2;
    while root.fields.iter().any(|f| f.key == key) {
        key = format!("httpPort{n}");
        n += 1;
    }
    let default = service_port.as_u64().filter(|p| (1..=65535).contains(p)).unwrap_or(8080);
    root.fields.push(Field {
        key: key.clone(),
        path: key.clone(),
        ident: String::new(),
        rename: None,
        doc: "Port the app listens on; the chart's Service forwards `service.port` to it.".into(),
        ty: Ty::Int(Int::U16),
        bounds: Bounds::default(),
        default: Value::from(default),
        omitted_when_none: false,
        port: Some("http".into()),
        json: false,
        env: None,
    });
    let camel = name_fields(&mut root.fields);
    root.camel_case = camel;
    model.notes.push(format!(
        "Added `{key}` ({default}, from `service.port`) as the config's port: the generated chart names the container port from a config field, the original Deployment listened on `service.port`, and no root key is named like a port."
    ));
    model.added.push(key);
}

/// Whether the port key `key` names a server the app connects to (its
/// database's, its cache's) rather than one it listens on: such a port is
/// config, never a container port the Service exposes.
fn is_client_port(key: &str) -> bool {
    const SERVERS: &[&str] = &[
        "db",
        "database",
        "postgres",
        "postgresql",
        "pg",
        "mysql",
        "mariadb",
        "mongo",
        "mongodb",
        "redis",
        "memcached",
        "cache",
        "kafka",
        "nats",
        "amqp",
        "rabbitmq",
        "smtp",
        "mail",
        "ldap",
        "elasticsearch",
        "opensearch",
        "statsd",
        "syslog",
        "jaeger",
        "zipkin",
        "otlp",
        "upstream",
        "backend",
    ];
    let stem =
        ["Port", "_port", "-port"].iter().find_map(|end| key.strip_suffix(end)).unwrap_or("");
    let stem = stem.to_ascii_lowercase().replace(['_', '-'], "");
    SERVERS.iter().any(|server| stem == *server || stem.ends_with(server))
}

/// A container port's name for the port key `key` (an IANA service name:
/// lower case letters, digits and `-`, at most 15), not one of `taken`.
fn port_name(key: &str, taken: &[String]) -> String {
    let stem =
        ["Port", "_port", "-port"].iter().find_map(|end| key.strip_suffix(end)).unwrap_or("");
    let mut name = String::new();
    for c in stem.chars() {
        if c.is_ascii_uppercase() && !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
        match c {
            c if c.is_ascii_alphanumeric() => name.push(c.to_ascii_lowercase()),
            _ if !name.is_empty() && !name.ends_with('-') => name.push('-'),
            _ => {}
        }
    }
    name.truncate(15);
    let name = name.trim_matches('-').to_owned();
    let generic = ["", "container", "app", "server", "service", "listen"].contains(&name.as_str());
    let base = if generic || !name.chars().any(|c| c.is_ascii_lowercase()) {
        "http".to_owned()
    } else {
        name
    };
    let mut unique = base.clone();
    let mut n = 2;
    while taken.contains(&unique) {
        let suffix = format!("-{n}");
        let stem = base[..base.len().min(15 - suffix.len())].trim_end_matches('-');
        unique = format!("{stem}{suffix}");
        n += 1;
    }
    unique
}

/// Gives `#[gitops(env = …)]` to leaves whose variable the naming rule
/// cannot use: two keys of a struct with the same variable, the reserved
/// `CONFIG_FILE`/`SECRETS_DIR`, or a name a service link could fill.
fn fix_env_vars(model: &mut Model) {
    let prefix = model.env_prefix.clone();
    let mut taken: HashSet<String> =
        [naming::config_file_var(&prefix), naming::secrets_dir_var(&prefix)].into_iter().collect();
    let mut notes = Vec::new();
    fn walk(
        model: &mut Model,
        index: usize,
        path: Vec<String>,
        prefix: &str,
        taken: &mut HashSet<String>,
        notes: &mut Vec<String>,
    ) {
        for f in 0..model.structs[index].fields.len() {
            let field = &model.structs[index].fields[f];
            let mut p = path.clone();
            p.push(field.key.clone());
            if let Ty::Struct(name) = &field.ty {
                let name = name.clone();
                if let Some(i) = model.structs.iter().position(|s| s.name == name && s.section) {
                    walk(model, i, p, prefix, taken, notes);
                    continue;
                }
            }
            let natural = naming::env_var(prefix, &p);
            let text = field.ty.is_text();
            let usable = |name: &str, taken: &HashSet<String>| {
                !taken.contains(name) && service_link::ambiguous(name, text).is_none()
            };
            if usable(&natural, taken) {
                taken.insert(natural);
                continue;
            }
            let base = natural.replace("_SERVICE_", "_SVC_").replace("_PORT", "_PRT");
            let chosen = [format!("{natural}_VALUE"), base.clone(), format!("{base}_VALUE")]
                .into_iter()
                .chain((2..20).map(|n| format!("{natural}_{n}")))
                .find(|c| usable(c, taken));
            if let Some(chosen) = chosen {
                notes.push(format!(
                    "`{}` reads `{chosen}`: `{natural}` is taken or could be a service link.",
                    p.join(".")
                ));
                taken.insert(chosen.clone());
                model.structs[index].fields[f].env = Some(chosen);
            }
        }
    }
    walk(model, 0, Vec::new(), &prefix, &mut taken, &mut notes);
    model.notes.extend(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read;
    use serde_json::json;

    fn model(yaml: &str, schema: Option<&str>, env: Value) -> Model {
        let tree = read::values(yaml).unwrap();
        let schema = schema.map(|s| Schema::parse(s).unwrap());
        let app: Vec<&Entry> = tree.entries().iter().collect();
        infer(Input {
            app,
            environments: vec![("values-prod.yaml".into(), env.as_object().unwrap().clone())],
            schema: schema.as_ref(),
            root_doc: String::new(),
            env_prefix: "APP_".into(),
            service_port: None,
            probes: Probes::default(),
        })
    }

    fn field<'m>(m: &'m Model, s: &str, key: &str) -> &'m Field {
        m.structs
            .iter()
            .find(|x| x.name == s)
            .unwrap()
            .fields
            .iter()
            .find(|f| f.key == key)
            .unwrap()
    }

    #[test]
    fn types_come_from_every_file_and_the_schema() {
        let m = model(
            "workers: 4\nratio: 1\nname: shop\nproxy: null\nlevel: info\nserver:\n  readTimeout: 30\nlabels: {}\nhosts: [a, b]\n",
            Some(r#"{"properties": {"level": {"type": "string", "enum": ["debug", "info"]},
                     "workers": {"type": "integer", "minimum": 1, "maximum": 64}}}"#),
            json!({"ratio": 1.5, "proxy": "http://p", "server": {"readTimeout": 60}}),
        );
        assert_eq!(field(&m, "Config", "workers").ty, Ty::Int(Int::U16));
        assert_eq!(field(&m, "Config", "workers").bounds.min, Some(json!(1)));
        assert_eq!(field(&m, "Config", "ratio").ty, Ty::Float);
        assert_eq!(field(&m, "Config", "proxy").ty, Ty::Option(Box::new(Ty::String)));
        assert_eq!(field(&m, "Config", "level").ty, Ty::Enum("Level".into()));
        assert_eq!(field(&m, "Config", "server").ty, Ty::Struct("Server".into()));
        assert_eq!(field(&m, "Server", "readTimeout").ident, "read_timeout");
        assert_eq!(field(&m, "Config", "labels").ty, Ty::Map(Box::new(Ty::String)));
        assert_eq!(field(&m, "Config", "hosts").ty, Ty::Vec(Box::new(Ty::String)));
        assert!(m.structs.iter().find(|s| s.name == "Server").unwrap().camel_case);
        assert!(m.notes.iter().any(|n| n.contains("`labels` is an empty map")));
    }

    #[test]
    fn list_items_become_structs_with_optional_fields() {
        let m = model("queues:\n  - name: a\n    weight: 2\n  - name: b\n", None, json!({}));
        let Ty::Vec(item) = &field(&m, "Config", "queues").ty else { panic!() };
        let Ty::Struct(name) = item.as_ref() else { panic!("{item:?}") };
        let weight = field(&m, name, "weight");
        assert_eq!(weight.ty, Ty::Option(Box::new(Ty::Int(Int::U32))));
        assert!(weight.omitted_when_none);
    }

    #[test]
    fn keys_that_do_not_round_trip_are_renamed_and_env_vars_kept_apart() {
        let m = model(
            "targetCPU: 1\nlog_level: a\nlogLevel: b\ntype: x\nconfigFile: f\n",
            None,
            json!({}),
        );
        assert_eq!(field(&m, "Config", "targetCPU").rename.as_deref(), Some("targetCPU"));
        assert_eq!(field(&m, "Config", "log_level").rename.as_deref(), Some("log_level"));
        assert_eq!(field(&m, "Config", "type").ident, "r#type");
        assert_eq!(field(&m, "Config", "logLevel").env.as_deref(), Some("APP_LOG_LEVEL_VALUE"));
        assert_eq!(field(&m, "Config", "configFile").env.as_deref(), Some("APP_CONFIG_FILE_VALUE"));
    }

    #[test]
    fn a_plain_struct_in_a_section_is_json() {
        let m = model(
            "tls: null\nqueues: [{name: a}]\nserver: {port: 1}\n",
            None,
            json!({"tls": {"cert": "x"}}),
        );
        let tls = field(&m, "Config", "tls");
        assert_eq!(tls.ty, Ty::Option(Box::new(Ty::Struct("Tls".into()))));
        assert!(tls.json);
        assert!(!field(&m, "Config", "queues").json && !field(&m, "Config", "server").json);
    }

    #[test]
    fn list_item_names_come_from_plain_plurals_only() {
        for (key, name) in [
            ("providers", Some("provider")),
            ("queues", Some("queue")),
            ("keys", Some("key")),
            ("status", None),
            ("aliases", None),
            ("policies", None),
            ("caches", None),
            ("analysis", None),
            ("ids", None),
        ] {
            assert_eq!(singular(key), name, "{key}");
        }
        let m = model("aliases:\n  - name: a\n", None, json!({}));
        assert_eq!(
            field(&m, "Config", "aliases").ty,
            Ty::Vec(Box::new(Ty::Struct("AliasesItem".into())))
        );
    }

    #[test]
    fn explicit_nulls_in_list_items_are_kept() {
        let m = model(
            "a:\n  - {name: x, region: null}\n  - {name: y, region: eu}\nb:\n  - {name: x, region: null}\n  - {name: y}\n",
            None,
            json!({}),
        );
        let a = field(&m, "AItem", "region");
        assert_eq!(a.ty, Ty::Option(Box::new(Ty::String)));
        assert!(!a.omitted_when_none, "an explicit null is written as null");
        assert!(field(&m, "BItem", "region").omitted_when_none);
        assert!(m.notes.iter().any(|n| n.starts_with("`b[].region` is `null` in some entries")));
        // An environment's entries do not matter: only values.yaml's are written by `Default`.
        let m = model("a:\n  - {name: x, region: null}\n", None, json!({"a": [{"name": "y"}]}));
        assert!(!field(&m, "AItem", "region").omitted_when_none);
        assert!(m.notes.iter().all(|n| !n.contains("absent in others")));
    }

    #[test]
    fn fractional_bounds_round_inwards() {
        let m = model(
            "a: 2\nb: 2\n",
            Some(
                r#"{"properties": {"a": {"type": "integer", "minimum": 1.5, "maximum": 9.5},
                     "b": {"type": "integer", "exclusiveMinimum": 0.5, "exclusiveMaximum": 10}}}"#,
            ),
            json!({}),
        );
        assert_eq!(
            (
                field(&m, "Config", "a").bounds.min.clone(),
                field(&m, "Config", "a").bounds.max.clone()
            ),
            (Some(json!(2)), Some(json!(9)))
        );
        assert_eq!(
            (
                field(&m, "Config", "b").bounds.min.clone(),
                field(&m, "Config", "b").bounds.max.clone()
            ),
            (Some(json!(1)), Some(json!(9)))
        );
    }

    /// The model of `tree`'s keys for a chart with a Service on port 80.
    fn served(tree: &read::Node, probes: Probes) -> Model {
        infer(Input {
            app: tree.entries().iter().collect(),
            environments: vec![],
            schema: None,
            root_doc: String::new(),
            env_prefix: "APP_".into(),
            service_port: Some(json!(80)),
            probes,
        })
    }

    #[test]
    fn big_integers_and_bad_probe_paths_are_reported() {
        let m = model("id: 9007199254740993\n", None, json!({}));
        assert!(
            m.notes.iter().any(|n| n.contains("reads it as 9007199254740992")),
            "{:?}",
            m.notes
        );
        let tree = read::values("httpPort: 8080\n").unwrap();
        let m = served(
            &tree,
            Probes {
                liveness: Some("/ok".into()),
                readiness: Some("health check".into()),
                startup: Some("/a b".into()),
            },
        );
        assert_eq!(m.probes.liveness.as_deref(), Some("/ok"));
        assert!(m.probes.readiness.is_none() && m.probes.startup.is_none());
        assert!(m
            .notes
            .iter()
            .any(|n| n.starts_with("`readinessProbe.httpGet.path` \"health check\"")));
    }

    #[test]
    fn several_ports_each_named_the_http_one_first() {
        let tree = read::values(
            "metricsPort: 9090\nlogLevel: info\nhttpPort: 8080\ngrpc_port: 9000\nredisPort: 6379\n",
        )
        .unwrap();
        let m = served(&tree, Probes::default());
        let ports: Vec<(&str, Option<&str>)> =
            m.structs[0].fields.iter().map(|f| (f.key.as_str(), f.port.as_deref())).collect();
        assert_eq!(
            ports,
            [
                ("httpPort", Some("http")),
                ("metricsPort", Some("metrics")),
                ("logLevel", None),
                ("grpc_port", Some("grpc")),
                ("redisPort", None)
            ]
        );
        assert!(m.added.is_empty());
        for (key, taken, name) in [
            ("port", &[][..], "http"),
            ("containerPort", &[], "http"),
            ("adminApiPort", &[], "admin-api"),
            ("port", &["http".to_owned()][..], "http-2"),
            ("aVeryLongServiceNamePort", &[], "a-very-long-ser"),
            ("abcdefghijklMnPort", &["abcdefghijkl-mn".to_owned()][..], "abcdefghijkl-2"),
        ] {
            assert_eq!(port_name(key, taken), name, "{key}");
        }
    }

    #[test]
    fn a_service_needs_a_port_field() {
        let tree = read::values("server:\n  port: 8080\n").unwrap();
        let app: Vec<&Entry> = tree.entries().iter().collect();
        let input = |app| Input {
            app,
            environments: vec![],
            schema: None,
            root_doc: String::new(),
            env_prefix: "APP_".into(),
            service_port: Some(json!(80)),
            probes: Probes::default(),
        };
        // A section's `port` is another server's: the app gets `httpPort`.
        let m = infer(input(app));
        assert!(field(&m, "Server", "port").port.is_none());
        assert!(field(&m, "Config", "httpPort").port.is_some());
        assert_eq!(field(&m, "Config", "httpPort").default, json!(80));
        assert_eq!(m.added, ["httpPort"]);
        let m = infer(input(vec![]));
        assert!(field(&m, "Config", "httpPort").port.is_some());
        // `report` and `support` are no ports; a root `metricsPort` is.
        let tree = read::values("report: 8080\nsupport: 8081\nmetricsPort: 9090\n").unwrap();
        let m = infer(input(tree.entries().iter().collect()));
        assert!(
            field(&m, "Config", "report").port.is_none()
                && field(&m, "Config", "support").port.is_none()
        );
        assert_eq!(field(&m, "Config", "metricsPort").port.as_deref(), Some("metrics"));
        assert!(m.added.is_empty());
        assert!(m.notes.iter().any(|n| n.starts_with(
            "The config's ports, typed `u16`: `metricsPort` (`#[gitops(port = \"metrics\")]`)"
        )));
        for (key, port) in [
            ("port", true),
            ("http_port", true),
            ("http-port", true),
            ("passport", false),
            ("export", false),
            ("Port", false),
            ("_port", false),
        ] {
            assert_eq!(is_port_key(key), port, "{key}");
        }
    }
}
