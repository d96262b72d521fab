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
    let structs = model.structs.iter().enumerate().map(|(i, s)| structure(model, s, i == 0));
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

fn structure(model: &Model, s: &Struct, root: bool) -> TokenStream {
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
    let default = s.section.then(|| {
        let values = s.fields.iter().map(|f| {
            let ident = ident(&f.ident);
            let value = value(model, &f.ty, &f.default);
            quote! { #ident: #value }
        });
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self { #(#values,)* }
                }
            }
        }
    });
    quote! {
        #doc
        #derive
        #serde
        #gitops
        pub struct #name { #(#fields,)* }
        #default
    }
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
    let port = f.port.then(|| quote! { #[gitops(port = "http")] });
    let env = f.env.as_ref().map(|e| quote! { #[gitops(env = #e)] });
    quote! {
        #doc
        #rename
        #omitted
        #bounds
        #port
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

/// The expression of `value` as a `ty`, for `impl Default`.
fn value(model: &Model, ty: &Ty, v: &Value) -> TokenStream {
    match ty {
        Ty::Option(inner) => match v {
            Value::Null => quote! { None },
            v => {
                let inner = value(model, inner, v);
                quote! { Some(#inner) }
            }
        },
        Ty::Bool => {
            let b = v.as_bool().unwrap_or(false);
            quote! { #b }
        }
        Ty::Int(_) => number(v, false),
        Ty::Float => number(v, true),
        Ty::String => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
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
            let wanted = v.as_str().unwrap_or_default();
            let (variant, _) =
                e.variants.iter().find(|(_, s)| s == wanted).unwrap_or(&e.variants[0]);
            let (name, variant) = (format_ident!("{}", name), format_ident!("{}", variant));
            quote! { #name::#variant }
        }
        Ty::Struct(name) => {
            let s = model.structs.iter().find(|s| &s.name == name).expect("struct of the model");
            let type_name = format_ident!("{}", name);
            if s.section {
                return quote! { #type_name::default() };
            }
            let fields = s.fields.iter().map(|f| {
                let ident = ident(&f.ident);
                let field_value = value(model, &f.ty, v.get(&f.key).unwrap_or(&Value::Null));
                quote! { #ident: #field_value }
            });
            quote! { #type_name { #(#fields),* } }
        }
        Ty::Vec(inner) => {
            let items: Vec<TokenStream> =
                v.as_array().into_iter().flatten().map(|item| value(model, inner, item)).collect();
            if items.is_empty() {
                quote! { Vec::new() }
            } else {
                quote! { Vec::from([#(#items),*]) }
            }
        }
        Ty::Map(inner) => {
            let entries: Vec<TokenStream> = v
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, item)| {
                    let item = value(model, inner, item);
                    quote! { (String::from(#k), #item) }
                })
                .collect();
            if entries.is_empty() {
                quote! { BTreeMap::new() }
            } else {
                quote! { BTreeMap::from([#(#entries),*]) }
            }
        }
    }
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
}
