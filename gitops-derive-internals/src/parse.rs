//! Stage 1: the raw `#[gitops(...)]` attributes, each value with its span.
//! Meaning (is this a valid prefix? may this type be a port?) is `check`'s job.

use serde_derive_internals::Ctxt;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

/// `#[gitops(...)]` on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    pub env_prefix: Option<LitStr>,
    pub liveness: Option<LitStr>,
    pub readiness: Option<LitStr>,
    pub startup: Option<LitStr>,
    pub delivery: Option<LitStr>,
    /// `crate = "..."`: where the expansion finds gitops-types, for crates
    /// that reach it through a re-export. Its tokens carry the string's span.
    pub crate_path: Option<syn::Path>,
    /// Every key written, its value valid or not: a rule about a key that
    /// is missing must not fire when the key is there but malformed.
    pub written: Written,
}

impl ContainerAttrs {
    /// The probe paths that are set, with their keys.
    pub fn probes(&self) -> impl Iterator<Item = (&'static str, &LitStr)> {
        [("liveness", &self.liveness), ("readiness", &self.readiness), ("startup", &self.startup)]
            .into_iter()
            .filter_map(|(key, path)| path.as_ref().map(|p| (key, p)))
    }
}

/// `#[gitops(...)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    pub port: Option<LitStr>,
    /// `metrics = "/path"` beside `port`: Prometheus scrapes the port there.
    pub metrics: Option<LitStr>,
    pub env: Option<LitStr>,
    /// The `secret` word itself, for spans.
    pub secret: Option<syn::Path>,
    pub skip: Option<syn::Path>,
    /// `shutdown_timeout`: the field's seconds also size the pod's grace period.
    pub shutdown_timeout: Option<syn::Path>,
    /// `json`: one value, read as JSON, never a section, even when the
    /// type is a struct.
    pub json: Option<syn::Path>,
    /// Every key written, its value valid or not (see [`ContainerAttrs::written`]).
    pub written: Written,
}

impl FieldAttrs {
    pub fn is_empty(&self) -> bool {
        self.port.is_none()
            && self.metrics.is_none()
            && self.env.is_none()
            && self.secret.is_none()
            && self.skip.is_none()
            && self.shutdown_timeout.is_none()
            && self.json.is_none()
    }
}

/// The keys written in `#[gitops(...)]`, known or not, whether or not their
/// value could be read. A malformed `#[gitops(port)]` fails to parse, but the
/// field is still meant to be a port: the probes must not say there is none.
#[derive(Default)]
pub struct Written(Vec<String>);

impl Written {
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|k| k == key)
    }

    fn record(&mut self, meta: &ParseNestedMeta) {
        if let Some(key) = meta.path.get_ident() {
            self.0.push(key.to_string());
        }
    }
}

const CONTAINER_KEYS: &str =
    "`env_prefix`, `liveness`, `readiness`, `startup`, `delivery`, `crate`";
const FIELD_KEYS: &str = "`port`, `metrics`, `secret`, `env`, `skip`, `shutdown_timeout`, `json`";

pub fn container_attrs(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for_each_gitops_meta(cx, attrs, |meta| {
        out.written.record(&meta);
        if meta.path.is_ident("env_prefix") {
            set_once(cx, &meta, &mut out.env_prefix, string_value(&meta)?);
        } else if meta.path.is_ident("liveness") {
            set_once(cx, &meta, &mut out.liveness, string_value(&meta)?);
        } else if meta.path.is_ident("readiness") {
            set_once(cx, &meta, &mut out.readiness, string_value(&meta)?);
        } else if meta.path.is_ident("startup") {
            set_once(cx, &meta, &mut out.startup, string_value(&meta)?);
        } else if meta.path.is_ident("delivery") {
            set_once(cx, &meta, &mut out.delivery, string_value(&meta)?);
        } else if meta.path.is_ident("crate") {
            // The value is consumed either way, so the attribute's other
            // keys are still read.
            match path_value(&string_value(&meta)?) {
                Ok(path) => set_once(cx, &meta, &mut out.crate_path, path),
                Err(err) => cx.syn_error(err),
            }
        } else {
            return Err(unknown_key(&meta, "struct", CONTAINER_KEYS));
        }
        Ok(())
    });
    out
}

pub fn field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_gitops_meta(cx, attrs, |meta| {
        out.written.record(&meta);
        if meta.path.is_ident("port") {
            set_once(cx, &meta, &mut out.port, string_value(&meta)?);
        } else if meta.path.is_ident("metrics") {
            // A bare `metrics` is the likely mistake: say what the value is.
            if !meta.input.peek(syn::Token![=]) {
                return Err(meta.error(
                    "`metrics` takes the HTTP path Prometheus scrapes on this port: \
                     `#[gitops(port = \"metrics\", metrics = \"/metrics\")]`",
                ));
            }
            set_once(cx, &meta, &mut out.metrics, string_value(&meta)?);
        } else if meta.path.is_ident("env") {
            set_once(cx, &meta, &mut out.env, string_value(&meta)?);
        } else if meta.path.is_ident("secret") {
            flag(&meta)?;
            set_once(cx, &meta, &mut out.secret, meta.path.clone());
        } else if meta.path.is_ident("skip") {
            flag(&meta)?;
            set_once(cx, &meta, &mut out.skip, meta.path.clone());
        } else if meta.path.is_ident("shutdown_timeout") {
            flag(&meta)?;
            set_once(cx, &meta, &mut out.shutdown_timeout, meta.path.clone());
        } else if meta.path.is_ident("json") {
            flag(&meta)?;
            set_once(cx, &meta, &mut out.json, meta.path.clone());
        } else {
            return Err(unknown_key(&meta, "field", FIELD_KEYS));
        }
        Ok(())
    });
    out
}

/// Calls `f` for every `key` or `key = value` inside every `#[gitops(...)]`,
/// collecting errors instead of stopping at the first.
fn for_each_gitops_meta(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("gitops")) {
        if let syn::Meta::Path(_) = attr.meta {
            cx.error_spanned_by(attr, "expected `#[gitops(...)]` with at least one key");
            continue;
        }
        if let Err(err) = attr.parse_nested_meta(&mut f) {
            cx.syn_error(err);
        }
    }
}

fn set_once<T>(cx: &Ctxt, meta: &ParseNestedMeta, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        cx.error_spanned_by(&meta.path, format!("duplicate `gitops` key `{key}`"));
    } else {
        *slot = Some(value);
    }
}

fn string_value(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    let expr: syn::Expr = meta
        .value()
        .map_err(|_| meta.error(format!("`{key}` takes a string: `{key} = \"...\"`")))?
        .parse()?;
    // A literal passed through a `macro_rules!` fragment arrives in an
    // invisible group.
    let mut expr = expr;
    while let syn::Expr::Group(group) = expr {
        expr = *group.expr;
    }
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes a string: `{key} = \"...\"`"),
        )),
    }
}

/// A `crate` value: a plain module path such as `platform::gitops`; generic
/// arguments make no sense for a crate, so they are refused too.
fn path_value(lit: &LitStr) -> syn::Result<syn::Path> {
    lit.parse_with(syn::Path::parse_mod_style).map_err(|err| {
        syn::Error::new(
            lit.span(),
            format!(
                "`crate` takes the path of gitops-types as this crate reaches it, \
                 e.g. `crate = \"platform::gitops\"`; {:?} is not a path ({err})",
                lit.value()
            ),
        )
    })
}

fn flag(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        return Err(meta.error(format!("`{key}` takes no value: write `#[gitops({key})]`")));
    }
    Ok(())
}

fn unknown_key(meta: &ParseNestedMeta, place: &str, known: &str) -> syn::Error {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| "?".into());
    // Skip a value so the rest of the attribute still parses.
    if meta.input.peek(syn::Token![=]) {
        let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
    }
    meta.error(match nearest(&key, known) {
        Some(near) => format!(
            "unknown `gitops` key `{key}` on a {place}: did you mean `{near}`? (expected one of {known})"
        ),
        None => format!("unknown `gitops` key `{key}` on a {place}; expected one of {known}"),
    })
}

/// The key of `known` (a list like "`port`, `secret`") that `key` likely
/// meant ([`gitops_model::naming::nearest`]).
fn nearest<'a>(key: &str, known: &'a str) -> Option<&'a str> {
    gitops_model::naming::nearest(key, known.split(", ").map(|k| k.trim_matches('`')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_the_key_it_meant() {
        assert_eq!(nearest("secrte", FIELD_KEYS), Some("secret"));
        assert_eq!(nearest("secrets", FIELD_KEYS), Some("secret"));
        assert_eq!(nearest("env_prefx", CONTAINER_KEYS), Some("env_prefix"));
        assert_eq!(nearest("password", FIELD_KEYS), None);
    }
    use quote::ToTokens;

    /// The struct's attributes, and the messages of every error they raised.
    fn container(attrs: &str) -> (ContainerAttrs, Vec<String>) {
        let item: syn::DeriveInput = syn::parse_str(&format!("{attrs} struct S;")).unwrap();
        let cx = Ctxt::new();
        let out = container_attrs(&cx, &item.attrs);
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        };
        (out, errors)
    }

    fn crate_path(attrs: &str) -> Option<String> {
        let (out, errors) = container(attrs);
        assert_eq!(errors, Vec::<String>::new());
        out.crate_path.map(|p| p.to_token_stream().to_string())
    }

    #[test]
    fn crate_is_a_path() {
        assert_eq!(crate_path(r#"#[gitops(env_prefix = "A_")]"#), None);
        assert_eq!(
            crate_path(r#"#[gitops(crate = "platform::gitops")]"#).unwrap(),
            "platform :: gitops"
        );
        assert_eq!(
            crate_path(r#"#[gitops(crate = "::platform::gitops")]"#).unwrap(),
            ":: platform :: gitops"
        );
        assert_eq!(
            crate_path(r#"#[gitops(crate = "crate::platform::gitops")]"#).unwrap(),
            "crate :: platform :: gitops"
        );
        assert_eq!(crate_path(r#"#[gitops(crate = " gitops ")]"#).unwrap(), "gitops");
    }

    #[test]
    fn crate_that_is_not_a_path_is_an_error() {
        for bad in
            ["", "platform gitops", "my-platform", "platform::", "gitops::<T>", "fn", "a::b;"]
        {
            let (out, errors) = container(&format!("#[gitops(crate = {bad:?})]"));
            assert!(out.crate_path.is_none(), "{bad:?}");
            assert_eq!(errors.len(), 1, "{bad:?}: {errors:?}");
            assert!(errors[0].starts_with("`crate` takes the path of gitops-types"), "{errors:?}");
            assert!(errors[0].contains(&format!("{bad:?} is not a path")), "{errors:?}");
        }
    }

    #[test]
    fn crate_errors_keep_the_other_keys() {
        let (out, errors) =
            container(r#"#[gitops(crate = "a b", env_prefix = "A_", crate = gitops)]"#);
        assert_eq!(out.env_prefix.map(|p| p.value()).as_deref(), Some("A_"));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].starts_with("`crate` takes a string"), "{errors:?}");
    }

    #[test]
    fn crate_twice_is_a_duplicate() {
        let (out, errors) =
            container(r#"#[gitops(crate = "platform::gitops")] #[gitops(crate = "other")]"#);
        assert_eq!(errors, ["duplicate `gitops` key `crate`"]);
        assert_eq!(out.crate_path.unwrap().to_token_stream().to_string(), "platform :: gitops");
    }

    #[test]
    fn a_malformed_key_is_still_written() {
        let item: syn::DeriveInput = syn::parse_str(
            r#"struct S { #[gitops(port)] a: u16, #[gitops(port = 80, json)] b: u16 }"#,
        )
        .unwrap();
        let syn::Data::Struct(data) = &item.data else { unreachable!() };
        let cx = Ctxt::new();
        let attrs: Vec<_> = data.fields.iter().map(|f| field_attrs(&cx, &f.attrs)).collect();
        assert_eq!(cx.check().map_err(|e| e.into_iter().count()), Err(2));
        for a in &attrs {
            assert!(a.port.is_none() && a.written.has("port") && !a.written.has("secret"));
        }
        // The attribute's parse stops at its first error: `json` is never read.
        assert!(attrs[1].json.is_none() && !attrs[1].written.has("json"));
        let (out, errors) = container(r#"#[gitops(env_prefix = ORDERS_)]"#);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(out.env_prefix.is_none() && out.written.has("env_prefix"));
    }

    #[test]
    fn crate_is_no_field_key() {
        let item: syn::DeriveInput =
            syn::parse_str(r#"struct S { #[gitops(crate = "gitops")] a: u8 }"#).unwrap();
        let syn::Data::Struct(data) = &item.data else { unreachable!() };
        let cx = Ctxt::new();
        field_attrs(&cx, &data.fields.iter().next().unwrap().attrs);
        let err = cx.check().unwrap_err().to_string();
        assert!(err.starts_with("unknown `gitops` key `crate` on a field"), "{err}");
    }
}
