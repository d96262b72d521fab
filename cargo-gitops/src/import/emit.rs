//! Stage 3: the model as Rust source, built with `quote` and printed by
//! `prettyplease`, so the output is formatted like `rustfmt` would and is
//! always syntactically valid.

use super::infer::{Bounds, Field, Model, Struct, Ty};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// The module's source. `module_doc` becomes its `//!` lines.
pub fn rust(model: &Model, module_doc: &str) -> Result<String, String> {
    let docs = inner_docs(module_doc);
    let map_use = model.uses_map.then(|| quote! { use std::collections::BTreeMap; });
    let structs = model
        .structs
        .iter()
        .enumerate()
        .map(|(i, s)| structure(model, s, i == 0))
        .collect::<Result<Vec<_>, String>>()?;
    let enums = model.enums.iter().map(|e| {
        let name = format_ident!("{}", e.name);
        let doc = docs_of(&e.doc);
        let variants = e.variants.iter().map(|(ident, value)| {
            let ident = format_ident!("{}", ident);
            quote! { #[serde(rename = #value)] #ident }
        });
        quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
            pub enum #name { #(#variants,)* }
        }
    });
    let tokens = quote! {
        #docs
        use gitops_types::GitOps;
        use schemars::JsonSchema;
        use serde::{Deserialize, Serialize};
        #map_use
        #(#structs)*
        #(#enums)*
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated Rust does not parse: {e}"))?;
    Ok(spaced(&prettyplease::unparse(&file)))
}

/// A blank line between items, which prettyplease leaves out.
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut previous = "";
    for line in text.lines() {
        let top = !line.starts_with(' ') && !line.is_empty();
        let after_item = previous == "}"
            || (previous.starts_with("use ") && !line.starts_with("use "))
            || (previous.starts_with("//!") && !line.starts_with("//!"));
        if top && after_item {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

fn inner_docs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #(#![doc = #lines])* }
}

fn docs_of(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #(#[doc = #lines])* }
}

fn structure(model: &Model, s: &Struct, root: bool) -> Result<TokenStream, String> {
    let name = format_ident!("{}", s.name);
    let doc = docs_of(&s.doc);
    let derive = if s.section {
        quote! { #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, GitOps)] }
    } else {
        quote! { #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)] }
    };
    let serde = match (s.camel_case, s.section) {
        (true, true) => quote! { #[serde(rename_all = "camelCase", default)] },
        (false, true) => quote! { #[serde(default)] },
        (true, false) => quote! { #[serde(rename_all = "camelCase")] },
        (false, false) => quote! {},
    };
    let gitops = root.then(|| {
        let prefix = &model.env_prefix;
        let probes = [
            ("liveness", &model.probes.liveness),
            ("readiness", &model.probes.readiness),
            ("startup", &model.probes.startup),
        ]
        .into_iter()
        .filter_map(|(k, path)| path.as_ref().map(|p| (format_ident!("{}", k), p)))
        .map(|(k, p)| quote! { , #k = #p });
        quote! { #[gitops(env_prefix = #prefix #(#probes)*)] }
    });
    let fields = s.fields.iter().map(field);
    let default = match s.section {
        true => {
            let values = s
                .fields
                .iter()
                .map(|f| {
                    let ident = ident(&f.ident);
                    let value = value(model, &f.ty, &f.default, &f.path)?;
                    Ok(quote! { #ident: #value })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Some(quote! {
                impl Default for #name {
                    fn default() -> Self {
                        Self { #(#values,)* }
                    }
                }
            })
        }
        false => None,
    };
    Ok(quote! {
        #doc
        #derive
        #serde
        #gitops
        pub struct #name { #(#fields,)* }
        #default
    })
}

fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

fn field(f: &Field) -> TokenStream {
    let doc = docs_of(&f.doc);
    let ident = ident(&f.ident);
    let ty = rust_type(&f.ty);
    let rename = f.rename.as_ref().map(|r| quote! { #[serde(rename = #r)] });
    let omitted = f
        .omitted_when_none
        .then(|| quote! { #[serde(default, skip_serializing_if = "Option::is_none")] });
    let bounds = bounds(&f.bounds);
    let port = f.port.as_ref().map(|name| quote! { #[gitops(port = #name)] });
    let json = f.json.then(|| quote! { #[gitops(json)] });
    let env = f.env.as_ref().map(|e| quote! { #[gitops(env = #e)] });
    quote! {
        #doc
        #rename
        #omitted
        #bounds
        #port
        #json
        #env
        pub #ident: #ty
    }
}

fn bounds(b: &Bounds) -> TokenStream {
    let mut out = TokenStream::new();
    let range: Vec<TokenStream> = [("min", &b.min), ("max", &b.max)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (format_ident!("{}", k), number(v, v.is_f64()))))
        .map(|(k, v)| quote! { #k = #v })
        .collect();
    if !range.is_empty() {
        out.extend(quote! { #[schemars(range(#(#range),*))] });
    }
    let length: Vec<TokenStream> = [("min", b.min_length), ("max", b.max_length)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (format_ident!("{}", k), Literal::u64_unsuffixed(v))))
        .map(|(k, v)| quote! { #k = #v })
        .collect();
    if !length.is_empty() {
        out.extend(quote! { #[schemars(length(#(#length),*))] });
    }
    if let Some(pattern) = &b.pattern {
        out.extend(quote! { #[schemars(regex(pattern = #pattern))] });
    }
    out
}

pub fn rust_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Bool => quote! { bool },
        Ty::Int(int) => {
            let name = format_ident!("{}", int.name());
            quote! { #name }
        }
        Ty::Float => quote! { f64 },
        Ty::String => quote! { String },
        Ty::Json => quote! { serde_json::Value },
        Ty::Enum(name) | Ty::Struct(name) => {
            let name = format_ident!("{}", name);
            quote! { #name }
        }
        Ty::Vec(inner) => {
            let inner = rust_type(inner);
            quote! { Vec<#inner> }
        }
        Ty::Map(inner) => {
            let inner = rust_type(inner);
            quote! { BTreeMap<String, #inner> }
        }
        Ty::Option(inner) => {
            let inner = rust_type(inner);
            quote! { Option<#inner> }
        }
    }
}

/// A number literal (`-` as its own token, as Rust writes negative numbers).
fn number(v: &Value, float: bool) -> TokenStream {
    let f = v.as_f64().unwrap_or(0.0);
    let negative = f < 0.0 || v.as_i64().is_some_and(|i| i < 0);
    let literal = if float {
        Literal::f64_unsuffixed(f.abs())
    } else if let Some(u) = v.as_u64() {
        Literal::u64_unsuffixed(u)
    } else if let Some(i) = v.as_i64() {
        Literal::u64_unsuffixed(i.unsigned_abs())
    } else {
        Literal::u64_unsuffixed(f.abs() as u64)
    };
    if negative {
        quote! { -#literal }
    } else {
        quote! { #literal }
    }
}

/// Why `v` cannot be the default of `path`, typed `what`.
fn mismatch(path: &str, v: &Value, what: &str) -> String {
    format!("`{path}`: the default {v} is not {what}; the Rust default would differ, so fix values.yaml or values.schema.json")
}

/// The expression of `value` as a `ty`, for `impl Default`; `path` (the
/// key's dotted path) names the key when `v` does not fit `ty`, so no
/// default is ever changed silently.
fn value(model: &Model, ty: &Ty, v: &Value, path: &str) -> Result<TokenStream, String> {
    Ok(match ty {
        Ty::Option(inner) => match v {
            Value::Null => quote! { None },
            v => {
                let inner = value(model, inner, v, path)?;
                quote! { Some(#inner) }
            }
        },
        Ty::Bool => {
            let b = v.as_bool().ok_or_else(|| mismatch(path, v, "a boolean"))?;
            quote! { #b }
        }
        Ty::Int(int) => {
            let (lo, hi) = int.bounds();
            let whole = v.as_i64().is_some()
                || v.as_u64().is_some()
                || v.as_f64().is_some_and(|f| f.fract() == 0.0);
            let f =
                v.as_f64().filter(|_| whole).ok_or_else(|| mismatch(path, v, "a whole number"))?;
            if !(lo..=hi).contains(&f) {
                return Err(mismatch(path, v, &format!("a `{}`", int.name())));
            }
            number(v, false)
        }
        Ty::Float => {
            if !v.is_number() {
                return Err(mismatch(path, v, "a number"));
            }
            number(v, true)
        }
        Ty::String => {
            let text = v.as_str().ok_or_else(|| mismatch(path, v, "a string"))?;
            if text.is_empty() {
                quote! { String::new() }
            } else {
                quote! { String::from(#text) }
            }
        }
        Ty::Json => {
            let json = json_tokens(v);
            quote! { serde_json::json!(#json) }
        }
        Ty::Enum(name) => {
            let e = model.enums.iter().find(|e| &e.name == name).expect("enum of the model");
            let Some((variant, _)) =
                e.variants.iter().find(|(_, s)| Some(s.as_str()) == v.as_str())
            else {
                let values: Vec<String> =
                    e.variants.iter().map(|(_, s)| format!("{s:?}")).collect();
                return Err(mismatch(
                    path,
                    v,
                    &format!("one of the schema's `enum` ({})", values.join(", ")),
                ));
            };
            let (name, variant) = (format_ident!("{}", name), format_ident!("{}", variant));
            quote! { #name::#variant }
        }
        Ty::Struct(name) => {
            let s = model.structs.iter().find(|s| &s.name == name).expect("struct of the model");
            let type_name = format_ident!("{}", name);
            if s.section {
                return Ok(quote! { #type_name::default() });
            }
            let map = v.as_object().ok_or_else(|| mismatch(path, v, "a map"))?;
            let fields = s
                .fields
                .iter()
                .map(|f| {
                    let ident = ident(&f.ident);
                    let inner = format!("{path}.{}", f.key);
                    let field_value =
                        value(model, &f.ty, map.get(&f.key).unwrap_or(&Value::Null), &inner)?;
                    Ok(quote! { #ident: #field_value })
                })
                .collect::<Result<Vec<_>, String>>()?;
            quote! { #type_name { #(#fields),* } }
        }
        Ty::Vec(inner) => {
            let items = v.as_array().ok_or_else(|| mismatch(path, v, "a list"))?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| value(model, inner, item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, String>>()?;
            if items.is_empty() {
                quote! { Vec::new() }
            } else {
                quote! { Vec::from([#(#items),*]) }
            }
        }
        Ty::Map(inner) => {
            let map = v.as_object().ok_or_else(|| mismatch(path, v, "a map"))?;
            let entries = map
                .iter()
                .map(|(k, item)| {
                    let item = value(model, inner, item, &format!("{path}.{k}"))?;
                    Ok(quote! { (String::from(#k), #item) })
                })
                .collect::<Result<Vec<_>, String>>()?;
            if entries.is_empty() {
                quote! { BTreeMap::new() }
            } else {
                quote! { BTreeMap::from([#(#entries),*]) }
            }
        }
    })
}

/// JSON as `serde_json::json!` input.
fn json_tokens(v: &Value) -> TokenStream {
    match v {
        Value::Null => quote! { null },
        Value::Bool(b) => quote! { #b },
        Value::Number(_) => number(v, v.is_f64()),
        Value::String(s) => quote! { #s },
        Value::Array(items) => {
            let items = items.iter().map(json_tokens);
            quote! { [#(#items),*] }
        }
        Value::Object(map) => {
            let entries = map.iter().map(|(k, v)| {
                let v = json_tokens(v);
                quote! { #k: #v }
            });
            quote! { { #(#entries),* } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::infer::{self, Input, Probes};
    use crate::import::read::{self, Entry};

    #[test]
    fn prints_structs_enums_and_defaults() {
        let tree = read::values(
            "# -- Log level.\nlogLevel: info\nratio: -0.5\nlabels:\n  team: a\nserver:\n  type: http\nqueues:\n  - name: a\n",
        )
        .unwrap();
        let schema = read::Schema::parse(r#"{"properties": {"logLevel": {"enum": ["info", "debug"]}, "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}"#).unwrap();
        let app: Vec<&Entry> = tree.entries().iter().collect();
        let model = infer::infer(Input {
            app,
            environments: vec![],
            schema: Some(&schema),
            root_doc: "The app.".into(),
            env_prefix: "APP_".into(),
            service_port: None,
            probes: Probes::default(),
        });
        let text = rust(&model, "Imported.").unwrap();
        for expected in [
            "//! Imported.",
            "/// The app.\n#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, GitOps)]\n#[serde(rename_all = \"camelCase\", default)]\n#[gitops(env_prefix = \"APP_\")]\npub struct Config {",
            "    /// Log level.\n    pub log_level: LogLevel,",
            "log_level: LogLevel::Info,",
            "ratio: -0.5,",
            "labels: BTreeMap::from([(String::from(\"team\"), String::from(\"a\"))]),",
            "pub r#type: String,",
            "queues: Vec::from([Queue { name: String::from(\"a\") }]),",
            "}\n\n/// `server`.\n",
            "    #[serde(rename = \"debug\")]\n    Debug,",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    fn emitted(yaml: &str, schema: &str) -> Result<String, String> {
        let tree = read::values(yaml).unwrap();
        let schema = read::Schema::parse(schema).unwrap();
        let model = infer::infer(Input {
            app: tree.entries().iter().collect(),
            environments: vec![],
            schema: Some(&schema),
            root_doc: String::new(),
            env_prefix: "APP_".into(),
            service_port: None,
            probes: Probes::default(),
        });
        rust(&model, "")
    }

    #[test]
    fn a_default_that_does_not_fit_its_type_is_an_error() {
        let enum_schema = r#"{"properties": {"mode": {"enum": ["self", "other"]}}}"#;
        let error = emitted("mode: trace\n", enum_schema).unwrap_err();
        assert!(error.starts_with("`mode`: the default \"trace\" is not one of"), "{error}");
        let text = emitted("mode: self\n", enum_schema).unwrap();
        assert!(text.contains("mode: Mode::Self_"), "{text}");
        for (yaml, schema, path) in [
            ("flag: \"yes\"\n", r#"{"properties": {"flag": {"type": "boolean"}}}"#, "`flag`"),
            ("count: 1.5\n", r#"{"properties": {"count": {"type": "integer"}}}"#, "`count`"),
            ("s: 8080\n", r#"{"properties": {"s": {"type": "string"}}}"#, "`s`"),
            ("l: [a, 1]\n", r#"{"properties": {"l": {"items": {"type": "string"}}}}"#, "`l[1]`"),
        ] {
            let error = emitted(yaml, schema).unwrap_err();
            assert!(error.starts_with(path), "{yaml}: {error}");
        }
        let text =
            emitted("count: 2.0\n", r#"{"properties": {"count": {"type": "integer"}}}"#).unwrap();
        assert!(text.contains("count: 2 }"), "{text}");
    }
}
