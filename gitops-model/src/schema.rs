//! The config schema as both the chart and the loader enforce it: schemars'
//! schema of the struct, rewritten where Helm needs it (integers bounded to
//! what a float64 holds, formats Helm's validator does not know removed),
//! and [`Validator`], boon's draft-07 validator with messages that say what
//! was expected. `gitops-gen` writes the schema into values.schema.json;
//! gitops-types' loader checks values against it, so `helm install` and start-up
//! give the same verdict.

use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The largest integer a float64 holds exactly: Helm keeps every number
/// from a values file as a float64.
pub(crate) const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Formats draft-07 defines; schemars' own (`uint16`, `double`, ...) go.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The struct's schema with all subschemas inlined, as [`crate::tree`] walks it.
pub fn of<T: schemars::JsonSchema>() -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    settings.into_generator().into_root_schema_for::<T>().to_value()
}

/// The one branch of `anyOf: [T, {"type": "null"}]` that is not null: `T`,
/// the schema of an `Option<T>`'s value. `None` for any other schema.
pub fn non_null_branch(schema: &Value) -> Option<&Value> {
    let Some(Value::Array(branches)) = schema.get("anyOf") else { return None };
    let is_null = |b: &&Value| b.get("type").and_then(Value::as_str) == Some("null");
    match branches.iter().filter(|b| !is_null(b)).collect::<Vec<_>>().as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// Whether values of this schema are strings (or null): those reach the app
/// as their raw text, everything else as JSON.
pub(crate) fn is_text(schema: &Value) -> bool {
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    if let Some(t) = schema.get("type") {
        return match t {
            Value::String(t) => t == "string",
            Value::Array(ts) => {
                ts.iter().any(|t| t == "string") && ts.iter().all(|t| t == "string" || t == "null")
            }
            _ => false,
        };
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.iter().any(Value::is_string)
            && values.iter().all(|v| v.is_string() || v.is_null());
    }
    if let Some(c) = schema.get("const") {
        return c.is_string();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            return branches.iter().any(is_text)
                && branches.iter().all(|b| is_text(b) || is_null(b));
        }
    }
    false
}

/// A leaf's schema as values.schema.json states it.
pub fn leaf(schema: &Value) -> Value {
    let mut out = schema.clone();
    visit(&mut out, &mut |node| {
        bound_integers(node);
        if let Some(Value::String(f)) = node.get("format") {
            if !STANDARD_FORMATS.contains(&f.as_str()) {
                node.remove("format");
            }
        }
    });
    out
}

/// One struct as an object schema with exactly `props`.
pub(crate) fn section(original: &Value, props: Map<String, Value>, required: Vec<Value>) -> Value {
    let mut out = Map::new();
    if let Some(d) = original.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    out.insert("additionalProperties".into(), json!(false));
    Value::Object(out)
}

/// Where the compiled schema lives for boon; added as a resource, never fetched.
const SCHEMA_URL: &str = "file:///gitops/config.schema.json";

/// The config schema compiled by boon, the Rust sibling of the validator
/// Helm 4 runs on values.schema.json (same author, same draft-07 rules), so
/// the loader and the generator's default check give Helm's verdicts.
pub struct Validator {
    schemas: boon::Schemas,
    /// The document compiled: the schema itself, or for
    /// [`Validator::by_parts`] the parts it was split into.
    schema: Value,
    root: Part,
}

/// A compiled schema, and the properties validated apart from it: in its
/// compiled form their schemas are `true`.
struct Part {
    index: boon::SchemaIndex,
    properties: Vec<(String, Part)>,
}

/// [`Part`] before compiling: the name of its schema in the parts document.
struct Plan {
    name: String,
    properties: Vec<(String, Plan)>,
}

/// One thing wrong with an instance: where (the keys from the instance's
/// root; an array index as its decimal) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub at: Vec<String>,
    pub message: String,
}

impl Validator {
    /// Compiles `schema` (draft-07; `$ref`s point into its own `definitions`).
    pub fn new(schema: &Value) -> Result<Self, String> {
        let (mut compiler, mut schemas) = compiler(schema.clone())?;
        let index = compiler.compile(SCHEMA_URL, &mut schemas).map_err(not_compiled)?;
        let root = Part { index, properties: Vec::new() };
        Ok(Validator { schemas, schema: schema.clone(), root })
    }

    /// The same validator as [`Validator::new`], giving the same violations
    /// for every instance, compiled in parts: much less for boon to compile
    /// when the schema has many properties sharing a few schemas (a config's
    /// leaves). Each object schema on a chain of `properties` from the root
    /// is compiled with its properties' schemas replaced by `true`, and each
    /// property present in an instance is validated apart against its own
    /// schema, at its location. That is what `properties` means in draft-07
    /// (no keyword there looks at which properties another evaluated), so the
    /// violations are the same, and so are their messages, which read only
    /// validating keywords and property names. Skeletons and the other
    /// schemas (the leaves) are compiled once per distinct schema,
    /// annotations (`description`, `title`, `default`) aside: sections of
    /// the same keys share a skeleton. A schema with a `$ref`
    /// outside `#/definitions/` or an `$id`, whose meaning could depend on
    /// where it sits, is compiled whole.
    pub fn by_parts(schema: &Value) -> Result<Self, String> {
        let mut definitions = match schema.get("definitions") {
            None => Map::new(),
            Some(Value::Object(definitions)) if !definitions.contains_key(PARTS) => {
                definitions.clone()
            }
            Some(_) => return Self::new(schema),
        };
        if !refs_into_definitions_only(schema) {
            return Self::new(schema);
        }
        let mut parts = Map::new();
        let plan = split(schema, &mut parts, &mut HashMap::new());
        definitions.insert(PARTS.into(), json!({ "definitions": parts }));
        let doc = json!({ "definitions": definitions });
        let (mut compiler, mut schemas) = compiler(doc.clone())?;
        let mut compiled = HashMap::new();
        let root = compile(&plan, &mut compiler, &mut schemas, &mut compiled)?;
        Ok(Validator { schemas, schema: doc, root })
    }

    /// Every violation in `instance`, by location; empty when valid.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(&self.root, instance, &mut Vec::new(), &mut out);
        out.sort_by(|a, b| a.at.cmp(&b.at));
        out
    }

    /// `instance`, found at `at`, against `part` and its properties apart.
    fn check(&self, part: &Part, instance: &Value, at: &mut Vec<String>, out: &mut Vec<Violation>) {
        if let Err(error) = self.schemas.validate(instance, part.index) {
            self.collect(&error, instance, at, out);
        }
        if let Value::Object(map) = instance {
            for (key, property) in &part.properties {
                if let Some(value) = map.get(key) {
                    at.push(key.clone());
                    self.check(property, value, at, out);
                    at.pop();
                }
            }
        }
    }

    /// The violations in `error`, whose instance is `instance`, found at `base`.
    fn collect(
        &self,
        error: &boon::ValidationError,
        instance: &Value,
        base: &[String],
        out: &mut Vec<Violation>,
    ) {
        use boon::ErrorKind as K;
        let inner: Vec<String> = error
            .instance_location
            .tokens
            .iter()
            .map(|token| match token {
                boon::InstanceToken::Prop(key) => key.to_string(),
                boon::InstanceToken::Item(index) => index.to_string(),
            })
            .collect();
        let value = pointer(instance, &inner);
        let at = [base, &inner].concat();
        let shown = value.map_or_else(|| "null".to_owned(), Value::to_string);
        let mut push = |at: Vec<String>, message: String| out.push(Violation { at, message });
        let message = match &error.kind {
            K::Group | K::Schema { .. } | K::Reference { .. } | K::AllOf => {
                for cause in &error.causes {
                    self.collect(cause, instance, base, out);
                }
                return;
            }
            K::AnyOf | K::OneOf(None) => {
                // `Option<T>` is `anyOf: [T, null]`: T's own errors say more
                // than "none matched".
                let real: Vec<_> = error.causes.iter().filter(|c| !only_null_expected(c)).collect();
                if let [cause] = real.as_slice() {
                    self.collect(cause, instance, base, out);
                    return;
                }
                format!("expected {}, found {shown}", describe(self.subschema(error)))
            }
            K::OneOf(Some(_)) => format!("{shown} matches more than one of the allowed forms"),
            K::Type { .. } => {
                format!("expected {}, found {shown}", describe(self.subschema(error)))
            }
            K::Enum { want } => format!("{shown} is not one of {}", list(want.iter())),
            K::Const { want } => format!("{shown} is not {want}"),
            K::Required { want } => {
                for key in want {
                    push(child(&at, key), "a value is required".to_owned());
                }
                return;
            }
            K::AdditionalProperties { got } => {
                let known = self.subschema(error).get("properties").and_then(Value::as_object);
                for key in got {
                    let near = known
                        .and_then(|k| crate::naming::nearest(key, k.keys().map(String::as_str)));
                    let message = match near {
                        Some(near) => format!("unknown key (did you mean `{near}`?)"),
                        None => "unknown key".to_owned(),
                    };
                    push(child(&at, key), message);
                }
                return;
            }
            K::FalseSchema => "not allowed here".to_owned(),
            K::Minimum { want, .. } => format!("{shown} is below the minimum {want}"),
            K::Maximum { want, .. } => format!("{shown} is above the maximum {want}"),
            K::ExclusiveMinimum { want, .. } => format!("{shown} is not above {want}"),
            K::ExclusiveMaximum { want, .. } => format!("{shown} is not below {want}"),
            K::MultipleOf { want, .. } => format!("{shown} is not a multiple of {want}"),
            K::MinLength { want, .. } => {
                format!("{shown} is too short: at least {want} characters")
            }
            K::MaxLength { want, .. } => format!("{shown} is too long: at most {want} characters"),
            K::MinItems { want, .. } => format!("{shown} is too short: at least {want} items"),
            K::MaxItems { want, .. } => format!("{shown} is too long: at most {want} items"),
            K::MinProperties { want, .. } => format!("{shown} has fewer than {want} keys"),
            K::MaxProperties { want, .. } => format!("{shown} has more than {want} keys"),
            K::UniqueItems { got: [a, b] } => format!("items {a} and {b} are equal"),
            // The schema's own pattern: boon's `want` is its translation for the regex crate.
            K::Pattern { want, .. } => {
                let pattern = self.subschema(error).get("pattern").and_then(Value::as_str);
                format!("{shown} does not match the pattern {}", pattern.unwrap_or(want))
            }
            K::Format { want, .. } => format!("{shown} is not a valid {want}"),
            other => format!("{shown}: {other}"),
        };
        push(at, message);
    }

    /// The subschema whose keyword an error is about, from its location.
    fn subschema(&self, error: &boon::ValidationError) -> &Value {
        let fragment = error.schema_url.split_once('#').map_or("", |(_, f)| f);
        // boon percent-encodes the JSON pointer in the fragment.
        let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        self.schema.pointer(&pointer).unwrap_or(&Value::Null)
    }
}

/// Where [`Validator::by_parts`] puts the parts: among the definitions, as
/// those are compiled only where referred to (the document's root is
/// compiled with every schema, and so with everything under its own
/// keywords), and in a definition of their own, apart from the schema's.
const PARTS: &str = "gitops-parts";

/// A compiler holding `doc` as the resource at [`SCHEMA_URL`], and where to
/// compile into.
fn compiler(doc: Value) -> Result<(boon::Compiler, boon::Schemas), String> {
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V7);
    compiler.add_resource(SCHEMA_URL, doc).map_err(not_compiled)?;
    Ok((compiler, boon::Schemas::new()))
}

fn not_compiled(e: boon::CompileError) -> String {
    format!("the config schema does not compile: {e:#}")
}

/// Whether every `$ref` in `schema` points into its `#/definitions/` and
/// nothing sets an `$id`: then each subschema means the same wherever it is
/// put in a document with those definitions.
fn refs_into_definitions_only(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.iter().all(|(key, value)| match key.as_str() {
            "$ref" => value.as_str().is_some_and(|r| r.starts_with("#/definitions/")),
            "$id" => false,
            _ => refs_into_definitions_only(value),
        }),
        Value::Array(items) => items.iter().all(refs_into_definitions_only),
        _ => true,
    }
}

/// Splits `schema` for [`Validator::by_parts`]: an object schema with
/// `properties` (and no `$ref`, which in draft-07 makes its siblings
/// ignored) becomes its skeleton, the properties' schemas `true`, and each
/// property is split in turn; anything else is a leaf. Skeletons and leaves
/// are stored once per distinct schema, annotations aside: sections of the
/// same keys share one skeleton, leaves of the same type one leaf. The parts
/// go into `parts`, named by their number; `seen` maps each part's shape to
/// its name.
fn split<'a>(
    schema: &'a Value,
    parts: &mut Map<String, Value>,
    seen: &mut HashMap<Shape<'a>, String>,
) -> Plan {
    let object = schema.as_object().filter(|o| !o.contains_key("$ref"));
    let properties =
        object.and_then(|o| o.get("properties")?.as_object()).filter(|p| !p.is_empty());
    if let (Some(object), Some(properties)) = (object, properties) {
        let plans: Vec<(String, Plan)> =
            properties.iter().map(|(key, s)| (key.clone(), split(s, parts, seen))).collect();
        let keywords =
            object.iter().filter(|(key, value)| *key != "properties" && validates(key, value));
        let shape = Shape::Skeleton(keywords.collect(), properties.keys().collect());
        return Plan { name: store(shape, parts, seen), properties: plans };
    }
    let shape = match schema {
        Value::Object(map) => {
            Shape::Leaf(map.iter().filter(|(key, value)| validates(key, value)).collect())
        }
        other => Shape::Other(other),
    };
    Plan { name: store(shape, parts, seen), properties: Vec::new() }
}

/// A part as [`split`] finds it, borrowed from the schema: equal shapes
/// are one part, built and stored only the first time.
#[derive(PartialEq, Eq, Hash)]
enum Shape<'a> {
    /// An object schema's validating keywords.
    Leaf(Vec<(&'a String, &'a Value)>),
    /// A schema that is no object (`true`, `false`).
    Other(&'a Value),
    /// A skeleton: the validating keywords but `properties`, and the
    /// properties' names (their schemas `true`).
    Skeleton(Vec<(&'a String, &'a Value)>, Vec<&'a String>),
}

impl Shape<'_> {
    fn part(&self) -> Value {
        let keywords = |keywords: &[(&String, &Value)]| -> Map<String, Value> {
            keywords.iter().map(|(key, value)| ((*key).clone(), (*value).clone())).collect()
        };
        match self {
            Shape::Leaf(kept) => Value::Object(keywords(kept)),
            Shape::Other(schema) => (*schema).clone(),
            Shape::Skeleton(kept, names) => {
                let mut skeleton = keywords(kept);
                let open = names.iter().map(|name| ((*name).clone(), Value::Bool(true)));
                skeleton.insert("properties".into(), Value::Object(open.collect()));
                Value::Object(skeleton)
            }
        }
    }
}

/// Whether a schema's keyword takes part in validation: annotations
/// (`description`, `title`, `default`) do not, so parts differing only in
/// them are one.
fn validates(key: &str, value: &Value) -> bool {
    match key {
        "description" | "title" => !value.is_string(),
        "default" => false,
        _ => true,
    }
}

/// The name of `shape`'s part in `parts`, stored there unless an equal
/// one is.
fn store<'a>(
    shape: Shape<'a>,
    parts: &mut Map<String, Value>,
    seen: &mut HashMap<Shape<'a>, String>,
) -> String {
    if let Some(name) = seen.get(&shape) {
        return name.clone();
    }
    let name = parts.len().to_string();
    parts.insert(name.clone(), shape.part());
    seen.insert(shape, name.clone());
    name
}

/// Compiles the parts `plan` names, each once.
fn compile(
    plan: &Plan,
    compiler: &mut boon::Compiler,
    schemas: &mut boon::Schemas,
    compiled: &mut HashMap<String, boon::SchemaIndex>,
) -> Result<Part, String> {
    let index = match compiled.get(&plan.name) {
        Some(index) => *index,
        None => {
            let location = format!("{SCHEMA_URL}#/definitions/{PARTS}/definitions/{}", plan.name);
            let index = compiler.compile(&location, schemas).map_err(not_compiled)?;
            compiled.insert(plan.name.clone(), index);
            index
        }
    };
    let properties = plan
        .properties
        .iter()
        .map(|(key, property)| Ok((key.clone(), compile(property, compiler, schemas, compiled)?)))
        .collect::<Result<_, String>>()?;
    Ok(Part { index, properties })
}

/// An anyOf branch that failed only because the value is not null.
fn only_null_expected(error: &boon::ValidationError) -> bool {
    match &error.kind {
        boon::ErrorKind::Type { want, .. } => want.iter().all(|t| t == boon::Type::Null),
        boon::ErrorKind::Group | boon::ErrorKind::Schema { .. } => {
            error.causes.iter().all(only_null_expected)
        }
        _ => false,
    }
}

fn child(at: &[String], key: &str) -> Vec<String> {
    let mut at = at.to_vec();
    at.push(key.to_owned());
    at
}

fn pointer<'a>(value: &'a Value, at: &[String]) -> Option<&'a Value> {
    at.iter().try_fold(value, |v, key| match v {
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => v.get(key),
    })
}

fn list<'a>(values: impl Iterator<Item = &'a Value>) -> String {
    values.map(Value::to_string).collect::<Vec<_>>().join(", ")
}

/// What `schema` accepts, in words an operator can act on: `an integer
/// from 1024 to 65535`, `a JSON array of strings, e.g. ["a","b"]`.
pub fn describe(schema: &Value) -> String {
    let consts: Option<Vec<&Value>> = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))
        .and_then(|branches| branches.iter().map(|b| b.get("const")).collect());
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return format!("one of {}", list(values.iter()));
    }
    if let Some(values) = consts {
        return format!("one of {}", list(values.into_iter()));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let forms: Vec<String> = branches.iter().map(describe).collect();
            return forms.join(" or ");
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let forms: Vec<String> = types.iter().map(|t| describe_type(schema, t)).collect();
    if forms.is_empty() {
        "a value of the declared form".to_owned()
    } else {
        forms.join(" or ")
    }
}

fn describe_type(schema: &Value, t: &str) -> String {
    let bound = |k: &str| schema.get(k).filter(|b| b.is_number());
    let range = match (bound("minimum"), bound("maximum")) {
        (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
        (Some(lo), None) => format!(" of at least {lo}"),
        (None, Some(hi)) => format!(" of at most {hi}"),
        (None, None) => String::new(),
    };
    match t {
        "integer" => format!("an integer{range}"),
        "number" => format!("a number{range}"),
        "boolean" => "true or false".to_owned(),
        "string" => "a string".to_owned(),
        "null" => "null".to_owned(),
        "array" => {
            let (items, [a, b]) = plural(schema.get("items").unwrap_or(&Value::Null));
            format!("a JSON array of {items}, e.g. [{a},{b}]")
        }
        "object" if schema.get("properties").is_some() => {
            let keys: Option<Vec<String>> =
                schema["properties"].as_object().map(|p| p.keys().cloned().collect());
            format!("a JSON object with keys {}", keys.unwrap_or_default().join(", "))
        }
        "object" => {
            let (values, [a, _]) =
                plural(schema.get("additionalProperties").unwrap_or(&Value::Null));
            format!("a JSON map of {values}, e.g. {{\"key\":{a}}}")
        }
        other => format!("a value of type {other}"),
    }
}

/// Items of this schema in the plural, and two examples.
fn plural(items: &Value) -> (String, [&'static str; 2]) {
    match items.get("type").and_then(Value::as_str) {
        Some("string") => ("strings".to_owned(), ["\"a\"", "\"b\""]),
        Some("integer") => ("integers".to_owned(), ["1", "2"]),
        Some("number") => ("numbers".to_owned(), ["1.5", "2"]),
        Some("boolean") => ("booleans".to_owned(), ["true", "false"]),
        _ => (format!("values ({})", describe(items)), ["{}", "{}"]),
    }
}

/// Tightens `minimum`/`maximum` of an integer schema to `lo..=hi`.
pub(crate) fn narrow_range(schema: &mut Value, lo: i64, hi: i64) {
    if let Value::Object(node) = schema {
        let min =
            node.get("minimum").and_then(Value::as_f64).map_or(lo as f64, |m| m.max(lo as f64));
        let max =
            node.get("maximum").and_then(Value::as_f64).map_or(hi as f64, |m| m.min(hi as f64));
        node.insert("minimum".into(), number(min));
        node.insert("maximum".into(), number(max));
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// Integer schemas get the bounds of their Rust type (from schemars'
/// `format`), never wider than float64 holds exactly.
fn bound_integers(node: &mut Map<String, Value>) {
    let is_integer = match node.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        return;
    }
    let safe = MAX_SAFE_INTEGER;
    let (lo, hi) = match node.get("format").and_then(Value::as_str) {
        Some("int8") => (i8::MIN as i64, i8::MAX as i64),
        Some("int16") => (i16::MIN as i64, i16::MAX as i64),
        Some("int32") => (i32::MIN as i64, i32::MAX as i64),
        Some("uint8") => (0, u8::MAX as i64),
        Some("uint16") => (0, u16::MAX as i64),
        Some("uint32") => (0, u32::MAX as i64),
        Some(f) if f.starts_with("uint") => (0, safe),
        _ => (-safe, safe),
    };
    let mut v = Value::Object(std::mem::take(node));
    narrow_range(&mut v, lo, hi);
    if let Value::Object(m) = v {
        *node = m;
    }
}

/// Calls `f` on every schema object inside `schema`, itself included.
pub fn visit(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Value::Object(node) = schema else { return };
    f(node);
    for (key, child) in node.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(|c| visit(c, f));
                }
            }
            "items" | "anyOf" | "oneOf" | "allOf" | "prefixItems" => match child {
                Value::Array(children) => children.iter_mut().for_each(|c| visit(c, f)),
                other => visit(other, f),
            },
            "additionalProperties"
            | "additionalItems"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames" => visit(child, f),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_schemas() {
        assert!(is_text(&json!({"type": "string"})));
        assert!(is_text(&json!({"type": ["string", "null"]})));
        assert!(is_text(&json!({"enum": ["a", "b"]})));
        assert!(is_text(&json!({"oneOf": [{"const": "a"}, {"const": "b"}]})));
        assert!(is_text(&json!({"anyOf": [{"type": "string"}, {"type": "null"}]})));
        assert!(!is_text(&json!({"type": "integer"})));
        assert!(!is_text(&json!({"type": ["integer", "string"]})));
        assert!(!is_text(&json!({"type": "array", "items": {"type": "string"}})));
    }

    #[test]
    fn integers_get_type_bounds_and_formats_go() {
        let s = leaf(&json!({"type": "integer", "format": "uint64", "minimum": 0}));
        assert_eq!(s, json!({"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER}));
        let s = leaf(&json!({"type": ["integer", "null"], "format": "int32"}));
        assert_eq!(
            s,
            json!({"type": ["integer", "null"], "minimum": i32::MIN, "maximum": i32::MAX})
        );
        let s = leaf(&json!({"type": "number", "format": "double"}));
        assert_eq!(s, json!({"type": "number"}));
        let s = leaf(&json!({"type": "string", "format": "uri"}));
        assert_eq!(s, json!({"type": "string", "format": "uri"}));
    }

    #[test]
    fn nested_schemas_are_visited_but_property_names_are_not() {
        let s = leaf(
            &json!({"type": "object", "properties": {"format": {"type": "integer", "format": "uint8"}}}),
        );
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"format": {"type": "integer", "minimum": 0, "maximum": 255}}})
        );
    }

    fn violations(schema: Value, value: Value) -> Vec<(String, String)> {
        let validator = Validator::new(&schema).unwrap();
        validator.violations(&value).into_iter().map(|v| (v.at.join("/"), v.message)).collect()
    }

    fn one(schema: Value, value: Value) -> String {
        let found = violations(schema, value);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1.clone()
    }

    #[test]
    fn messages_say_what_was_expected() {
        let port = json!({"type": "integer", "minimum": 1024, "maximum": 65535});
        assert_eq!(violations(port.clone(), json!(8080)), []);
        assert_eq!(one(port.clone(), json!(80)), "80 is below the minimum 1024");
        assert_eq!(one(port, json!("80")), r#"expected an integer from 1024 to 65535, found "80""#);
        let name = json!({"type": "string", "maxLength": 2});
        assert_eq!(one(name, json!("abc")), r#""abc" is too long: at most 2 characters"#);
        let level = json!({"oneOf": [{"const": "info"}, {"const": "debug"}]});
        assert_eq!(one(level, json!("trace")), r#"expected one of "info", "debug", found "trace""#);
        let words = json!({"type": "array", "items": {"type": "string"}});
        assert_eq!(
            one(words, json!("a,b")),
            r#"expected a JSON array of strings, e.g. ["a","b"], found "a,b""#
        );
        // The schema is found under a key boon percent-encodes in its location.
        let spaced =
            json!({"properties": {"a b/ä": {"type": "integer", "minimum": 1, "maximum": 2}}});
        assert_eq!(
            one(spaced, json!({"a b/ä": "x"})),
            r#"expected an integer from 1 to 2, found "x""#
        );
    }

    #[test]
    fn what_the_hand_written_validator_missed() {
        // required, additionalProperties: false, $ref, and oneOf (exactly one).
        let schema = json!({
            "type": "object",
            "properties": {
                "db": {"$ref": "#/definitions/Db"},
                "either": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            },
            "required": ["db"],
            "additionalProperties": false,
            "definitions": {"Db": {
                "type": "object",
                "properties": {"port": {"type": "integer", "maximum": 10}},
                "required": ["port"],
                "additionalProperties": false,
            }},
        });
        assert_eq!(violations(schema.clone(), json!({"db": {"port": 1}})), []);
        assert_eq!(
            violations(schema.clone(), json!({"extra": 1})),
            [
                ("db".to_owned(), "a value is required".to_owned()),
                ("extra".to_owned(), "unknown key".to_owned()),
            ]
        );
        assert_eq!(
            violations(schema.clone(), json!({"db": {"port": 11, "host": "x"}})),
            [
                ("db/host".to_owned(), "unknown key".to_owned()),
                ("db/port".to_owned(), "11 is above the maximum 10".to_owned()),
            ]
        );
        assert_eq!(
            one(schema, json!({"db": {"port": 1}, "either": 2})),
            "2 matches more than one of the allowed forms"
        );
    }

    #[test]
    fn an_unknown_key_names_the_key_it_likely_meant() {
        let schema = json!({
            "type": "object",
            "properties": {"replicaCount": {"type": "integer"}, "image": {"type": "string"}},
            "additionalProperties": false,
        });
        assert_eq!(
            violations(schema, json!({"replicaCont": 1, "tolerations": []})),
            [
                ("replicaCont".to_owned(), "unknown key (did you mean `replicaCount`?)".to_owned()),
                ("tolerations".to_owned(), "unknown key".to_owned()),
            ]
        );
    }

    #[test]
    fn an_option_reports_its_value_s_own_problem() {
        let schema = json!({"anyOf": [
            {"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": false},
            {"type": "null"},
        ]});
        assert_eq!(violations(schema.clone(), json!(null)), []);
        assert_eq!(
            violations(schema, json!({"m": 1})),
            [("m".to_owned(), "unknown key".to_owned())]
        );
    }

    /// A config-like schema: sections (one nested, one closed by a
    /// `patternProperties`), leaves that share a schema but for their
    /// description, a `$ref`, an `Option`, an enum, a list, a JSON struct.
    fn sectioned() -> Value {
        let port = |doc: &str| json!({"description": doc, "type": "integer", "minimum": 1, "maximum": 65535});
        json!({
            "type": "object",
            "properties": {
                "http": port("The HTTP port."),
                "admin": port("The admin port."),
                "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$", "title": "Name", "default": "ab"},
                "level": {"oneOf": [{"const": "info"}, {"const": "debug"}]},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                "peer": {"$ref": "#/definitions/Peer"},
                "note": {"anyOf": [{"type": "string", "minLength": 4}, {"type": "null"}]},
                "window": {"type": ["object", "null"], "properties": {"size": {"type": "integer", "minimum": 1}}, "additionalProperties": false},
                "db": {
                    "description": "The database.",
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "pool": {"type": "object", "properties": {"size": port("Pool size.")}, "required": ["size"], "additionalProperties": false},
                    },
                    "required": ["url", "pool"],
                    "additionalProperties": false,
                },
                "labels": {"type": "object", "properties": {"team": {"type": "string"}}, "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": false},
                // Sections of the same keys: primary and replica share a
                // skeleton (their descriptions aside), standby's `required`
                // gives it its own.
                "primary": {"description": "The primary.", "type": "object", "properties": {"host": {"type": "string"}, "port": port("Its port.")}, "additionalProperties": false},
                "replica": {"description": "A replica.", "type": "object", "properties": {"host": {"type": "string", "minLength": 3}, "port": port("Its port.")}, "additionalProperties": false, "default": {"host": "abc"}},
                "standby": {"type": "object", "properties": {"host": {"type": "string"}, "port": port("Its port.")}, "required": ["host"], "additionalProperties": false},
            },
            "required": ["http", "admin", "name", "db"],
            "additionalProperties": false,
            "definitions": {"Peer": {"type": "object", "properties": {"host": {"type": "string"}, "next": {"anyOf": [{"$ref": "#/definitions/Peer"}, {"type": "null"}]}}, "required": ["host"], "additionalProperties": false}},
        })
    }

    /// `valid`, and for every location in it: the key removed, and its value
    /// replaced by each of a set of wrong ones, an unknown key added to each object.
    fn mutations(valid: &Value) -> Vec<Value> {
        fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            out.push(at.clone());
            if let Value::Object(map) = v {
                for (k, child) in map {
                    at.push(k.clone());
                    paths(child, at, out);
                    at.pop();
                }
            }
        }
        fn at_mut<'a>(v: &'a mut Value, at: &[String]) -> &'a mut Value {
            at.iter().fold(v, |v, k| &mut v[k.as_str()])
        }
        let wrong = [
            json!(null),
            json!(0),
            json!(-1),
            json!(70000),
            json!(1.5),
            json!("x"),
            json!("abcde"),
            json!("DEBUG"),
            json!(true),
            json!([]),
            json!(["a", "abcd", 1]),
            json!({}),
            json!({"size": 0, "extra": 1}),
            json!({"host": 1, "next": {"host": 2}}),
        ];
        let mut all = Vec::new();
        let mut locations = Vec::new();
        paths(valid, &mut Vec::new(), &mut locations);
        for at in locations {
            for w in &wrong {
                let mut v = valid.clone();
                *at_mut(&mut v, &at) = w.clone();
                all.push(v);
            }
            if let Some((last, parent)) = at.split_last() {
                let mut v = valid.clone();
                at_mut(&mut v, parent).as_object_mut().unwrap().remove(last);
                all.push(v);
            }
            let mut v = valid.clone();
            if let Value::Object(map) = at_mut(&mut v, &at) {
                map.insert("htpp".into(), json!(1));
                map.insert("x-n".into(), json!("s"));
                all.push(v);
            }
        }
        all
    }

    #[test]
    fn by_parts_gives_the_whole_schema_s_violations_for_every_instance() {
        let schema = sectioned();
        let whole = Validator::new(&schema).unwrap();
        let parts = Validator::by_parts(&schema).unwrap();
        assert_eq!(
            parts.root.properties.len(),
            schema["properties"].as_object().unwrap().len(),
            "the root's properties are validated apart"
        );
        assert_eq!(
            parts.schema["definitions"][PARTS]["definitions"].as_object().unwrap().len(),
            // http, admin and the sections' ports share a part, as do
            // labels.team and the sections' hosts but replica's; window, db,
            // db.pool, labels, the root, primary and replica, standby are
            // skeletons.
            17,
            "{:#}",
            parts.schema
        );
        let valid = json!({
            "http": 8080, "admin": 9090, "name": "ab", "level": "info", "tags": ["a"],
            "peer": {"host": "p", "next": {"host": "q", "next": null}}, "note": null,
            "window": {"size": 2}, "db": {"url": "postgres://db", "pool": {"size": 5}},
            "labels": {"team": "a", "x-a": 1},
            "primary": {"host": "h", "port": 1}, "replica": {"host": "abc", "port": 2},
            "standby": {"host": "s"},
        });
        assert_eq!(whole.violations(&valid), []);
        let instances = mutations(&valid);
        assert!(instances.len() > 300, "{}", instances.len());
        let mut reported = 0;
        for instance in instances {
            let expected = whole.violations(&instance);
            reported += expected.len();
            assert_eq!(parts.violations(&instance), expected, "{instance}");
        }
        assert!(reported > 300, "the mutations break the schema: {reported}");
    }

    #[test]
    fn a_ref_outside_the_definitions_compiles_the_whole_schema() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "integer"},
            "child": {"anyOf": [{"$ref": "#"}, {"type": "null"}]},
        }, "additionalProperties": false});
        let parts = Validator::by_parts(&schema).unwrap();
        assert!(parts.root.properties.is_empty(), "compiled whole");
        let bad = json!({"a": 1, "child": {"a": "x", "b": 2}});
        let whole = Validator::new(&schema).unwrap();
        assert_eq!(parts.violations(&bad), whole.violations(&bad));
        assert_eq!(parts.violations(&bad).len(), 2);
    }

    #[test]
    fn ranges_only_narrow() {
        let mut s = json!({"type": "integer", "minimum": 1024, "maximum": 70000});
        narrow_range(&mut s, 1, 65535);
        assert_eq!(s, json!({"type": "integer", "minimum": 1024, "maximum": 65535}));
    }
}
