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
    pub env: Option<LitStr>,
    /// The `secret` word itself, for spans.
    pub secret: Option<syn::Path>,
    pub skip: Option<syn::Path>,
    /// `shutdown_timeout`: the field's seconds also size the pod's grace period.
    pub shutdown_timeout: Option<syn::Path>,
}

impl FieldAttrs {
    pub fn is_empty(&self) -> bool {
        self.port.is_none()
            && self.env.is_none()
            && self.secret.is_none()
            && self.skip.is_none()
            && self.shutdown_timeout.is_none()
    }
}

const CONTAINER_KEYS: &str = "`env_prefix`, `liveness`, `readiness`, `startup`, `delivery`";
const FIELD_KEYS: &str = "`port`, `secret`, `env`, `skip`, `shutdown_timeout`";

pub fn container_attrs(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for_each_gitops_meta(cx, attrs, |meta| {
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
        if meta.path.is_ident("port") {
            set_once(cx, &meta, &mut out.port, string_value(&meta)?);
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
    meta.error(format!("unknown `gitops` key `{key}` on a {place}; expected one of {known}"))
}
