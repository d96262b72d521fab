//! Stage 3: every rule the chart needs, each a compile error on the tokens
//! at fault. All rules run, so one build shows every mistake.

use crate::model::{self, Field, Input, Shape};
use gitops_model::naming;
use serde_derive_internals::Ctxt;
use std::collections::BTreeMap;

pub fn check(cx: &Ctxt, input: &Input) {
    if !input.original.generics.params.is_empty() {
        // The chart is written for one concrete type; a generic struct has none.
        cx.error_spanned_by(
            &input.original.generics,
            "`#[derive(GitOps)]` needs a concrete struct: generic parameters are not supported",
        );
    }
    if let Some(prefix) = &input.attrs.env_prefix {
        // "" is the explicit choice of unprefixed variables.
        let prefix_value = prefix.value();
        if !prefix_value.is_empty() && !naming::is_valid_env_prefix(&prefix_value) {
            cx.error_spanned_by(
                prefix,
                "`env_prefix` must be upper case letters, digits and `_`, starting with a letter, e.g. \"ORDERS_\" \
                 (or \"\" for variables without a prefix)",
            );
        }
    }
    check_root_has_prefix(cx, input);
    if let Some(delivery) = &input.attrs.delivery {
        if !matches!(delivery.value().as_str(), "env" | "file") {
            cx.error_spanned_by(
                delivery,
                "`delivery` is \"env\" (one env var per key, the default) or \"file\" (the config as a mounted file)",
            );
        }
    }
    let fields = match &input.shape {
        Shape::Struct(fields) => fields,
        Shape::NotKeyed(what) => {
            cx.error_spanned_by(
                input.ident,
                format!(
                    "`#[derive(GitOps)]` describes a struct with named fields, not {what}; \
                     use such a type as a field's type instead (it becomes one value)"
                ),
            );
            return;
        }
    };
    for field in fields {
        check_field(cx, field);
    }
    check_probes(cx, input, fields);
    check_unique_ports(cx, fields);
    check_one_shutdown_timeout(cx, fields);
    check_unique_env_vars(cx, input, fields);
}

fn check_field(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    if field.flatten {
        // A flattened struct's keys land beside this struct's: the chart
        // could not tell which struct owns which key.
        cx.error_spanned_by(
            serde_attr_with(field, "flatten"),
            "`#[serde(flatten)]` is not supported by `#[derive(GitOps)]`; \
             hint: drop `flatten` and keep the nested struct under its own key",
        );
    }
    if field.serde_skipped {
        let gitops = field.original.attrs.iter().find(|attr| attr.path().is_ident("gitops"));
        if let Some(gitops) = gitops.filter(|_| !a.is_empty()) {
            cx.error_spanned_by(
                gitops,
                "serde skips this field, so the chart cannot deliver it; \
                 remove its `#[gitops(...)]`, or let serde read the field",
            );
        }
        return;
    }
    if let Some(ser) = &field.serialize_key {
        cx.error_spanned_by(
            serde_attr_with(field, "rename"),
            format!(
                "serde writes this field as `{ser}` but reads it as `{}`; \
                 the chart needs one key: use a plain `#[serde(rename = \"...\")]`",
                field.key
            ),
        );
    }
    // While the roles conflict, the field's type cannot be judged: `u16` is
    // right for a port and wrong for a secret, so the type checks wait.
    let mut roles_conflict = false;
    if let Some(skip) = &a.skip {
        if a.port.is_some()
            || a.secret.is_some()
            || a.env.is_some()
            || a.shutdown_timeout.is_some()
            || a.json.is_some()
        {
            cx.error_spanned_by(
                skip,
                "`skip` cannot be combined with `port`, `secret`, `env`, `shutdown_timeout` or `json`",
            );
            roles_conflict = true;
        }
    }
    if let Some(json) = a.json.as_ref().filter(|_| a.skip.is_none()) {
        if a.port.is_some() || a.secret.is_some() || a.shutdown_timeout.is_some() {
            cx.error_spanned_by(
                json,
                "`json` cannot be combined with `port`, `secret` or `shutdown_timeout`: \
                 it keeps a plain value (a struct without `GitOps`, say) as one JSON value",
            );
            roles_conflict = true;
        }
    }
    if let (Some(secret), Some(_)) = (&a.secret, &a.port) {
        cx.error_spanned_by(secret, "a field cannot be both `secret` and `port`");
        roles_conflict = true;
    }
    if let Some(timeout) = &a.shutdown_timeout {
        if a.secret.is_some() || a.port.is_some() {
            cx.error_spanned_by(
                timeout,
                "`shutdown_timeout` cannot be combined with `secret` or `port`: the chart reads it from values",
            );
        } else if !roles_conflict && !model::is_integer(field.ty) {
            cx.error_spanned_by(
                field.ty,
                "`shutdown_timeout` needs an integer field of seconds such as `u32` (not `Option`): \
                 it sets the pod's terminationGracePeriodSeconds",
            );
        }
    }
    if let Some(metrics) = &a.metrics {
        if a.port.is_none() && !a.written.has("port") {
            cx.error_spanned_by(
                metrics,
                "`metrics` is the path Prometheus scrapes on this field's port, and the field has no \
                 `port`: write `#[gitops(port = \"metrics\", metrics = \"/metrics\")]`",
            );
        }
        if !is_http_path(&metrics.value()) {
            cx.error_spanned_by(
                metrics,
                "`metrics` is the HTTP path Prometheus scrapes: it starts with `/` and has no spaces, e.g. \"/metrics\"",
            );
        }
    }
    if let Some(port) = &a.port {
        if !roles_conflict && !model::is_integer(field.ty) {
            cx.error_spanned_by(
                field.ty,
                "`port` needs an integer field such as `u16` (not `Option`): it becomes a containerPort",
            );
        }
        if !naming::is_valid_port_name(&port.value()) {
            cx.error_spanned_by(
                port,
                "a port name is at most 15 characters of a-z, 0-9 and `-`, with at least one letter \
                 and no `-` at either end or twice in a row (e.g. \"http\", \"grpc-admin\")",
            );
        }
    }
    if a.secret.is_some() && !roles_conflict {
        let inner = field.option_inner().unwrap_or(field.ty);
        if model::is_never_string(inner) {
            cx.error_spanned_by(
                field.ty,
                "`secret` needs a type read from a string, such as `String` or `Option<String>`: a Secret's value reaches the app as text",
            );
        }
    }
    if let Some(env) = &a.env {
        if !naming::is_valid_env_name(&env.value()) {
            cx.error_spanned_by(
                env,
                "`env` must be a valid variable name: letters, digits and `_`, not starting with a digit",
            );
        }
    }
}

fn check_unique_ports(cx: &Ctxt, fields: &[Field]) {
    let mut seen = BTreeMap::new();
    for field in fields {
        let Some(port) = &field.attrs.port else { continue };
        if let Some(first) = seen.insert(port.value(), field.ident) {
            cx.error_spanned_by(
                port,
                format!("port name \"{}\" is already used by field `{first}`", port.value()),
            );
        }
    }
}

/// One grace period per pod. Fields in nested structs are compared when the
/// chart is generated.
fn check_one_shutdown_timeout(cx: &Ctxt, fields: &[Field]) {
    let mut marked =
        fields.iter().filter_map(|f| f.attrs.shutdown_timeout.as_ref().map(|t| (f, t)));
    if let Some((first, _)) = marked.next() {
        for (_, again) in marked {
            cx.error_spanned_by(
                again,
                format!(
                    "`shutdown_timeout` is already on field `{}`: a pod has one grace period",
                    first.ident
                ),
            );
        }
    }
}

/// Two fields of this struct that would read one env var. Fields in nested
/// structs are compared when the chart is generated, where the whole tree is known.
fn check_unique_env_vars(cx: &Ctxt, input: &Input, fields: &[Field]) {
    let prefix = input.attrs.env_prefix.as_ref().map(|p| p.value()).unwrap_or_default();
    let mut seen: BTreeMap<String, &syn::Ident> = BTreeMap::new();
    for field in fields {
        // A malformed `env` names a variable this check cannot know.
        let env_unread = field.attrs.env.is_none() && field.attrs.written.has("env");
        if field.serde_skipped || field.attrs.skip.is_some() || env_unread {
            continue;
        }
        let name = match &field.attrs.env {
            Some(env) => env.value(),
            None => naming::env_var(&prefix, &[&field.key]),
        };
        if let Some(first) = seen.insert(name.clone(), field.ident) {
            match &field.attrs.env {
                Some(env) => cx.error_spanned_by(
                    env,
                    format!("env var `{name}` is already read by field `{first}`; choose another `env` name"),
                ),
                None => cx.error_spanned_by(
                    field.ident,
                    format!(
                        "env var `{name}` (from key `{}`) is already read by field `{first}`; \
                         rename one key or set `#[gitops(env = \"...\")]` on one field",
                        field.key
                    ),
                ),
            }
        }
    }
}

/// The field's `#[serde(...)]` attribute that mentions `word`, to point at
/// the serde setting at fault; the field's name when the setting comes from
/// elsewhere (e.g. the struct's `rename_all`).
fn serde_attr_with<'a>(field: &'a Field, word: &str) -> &'a dyn quote::ToTokens {
    fn mentions(tokens: proc_macro2::TokenStream, word: &str) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == word,
            proc_macro2::TokenTree::Group(g) => mentions(g.stream(), word),
            _ => false,
        })
    }
    field
        .original
        .attrs
        .iter()
        .find(|a| {
            a.path().is_ident("serde") && mentions(quote::ToTokens::to_token_stream(&a.meta), word)
        })
        .map_or(field.ident as &dyn quote::ToTokens, |a| a as &dyn quote::ToTokens)
}

/// Probes are HTTP GETs on the struct's first port, so they need one, and a
/// path Kubernetes accepts.
fn check_probes(cx: &Ctxt, input: &Input, fields: &[Field]) {
    // A `port` whose value is malformed has its own error already; the
    // field is still meant to be the port, so the probes have one.
    let has_port = fields.iter().any(|f| f.attrs.written.has("port") && !f.serde_skipped);
    for (key, path) in input.attrs.probes() {
        if !is_http_path(&path.value()) {
            cx.error_spanned_by(
                path,
                format!("`{key}` is the HTTP path of the probe: it starts with `/` and has no spaces, e.g. \"/healthz\""),
            );
        }
        if !has_port {
            cx.error_spanned_by(
                path,
                format!("`{key}` probes the first `#[gitops(port = \"...\")]` field, and this struct has none"),
            );
        }
    }
}

/// A path Kubernetes accepts in an HTTP probe and Prometheus in a scrape
/// config: absolute, without spaces or control characters.
fn is_http_path(path: &str) -> bool {
    path.starts_with('/') && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Only a root struct's prefix is used and the derive cannot tell which
/// struct is the root, so generation and the loader refuse a root without
/// `env_prefix`. The root-only keys make the mistake visible here already.
fn check_root_has_prefix(cx: &Ctxt, input: &Input) {
    let written = &input.attrs.written;
    if written.has("env_prefix") {
        return;
    }
    let Some(root_key) =
        ["liveness", "readiness", "startup", "delivery"].into_iter().find(|key| written.has(key))
    else {
        return;
    };
    cx.error_spanned_by(
        input.ident,
        format!(
            "`{}` sets `{root_key}`, so it is the root config, but it has no `env_prefix`: \
             add e.g. `#[gitops(env_prefix = \"ORDERS_\")]` (the loader then rejects a misspelt \
             variable with that prefix), or `#[gitops(env_prefix = \"\")]` for variables \
             without a prefix, which turns that check off",
            input.ident
        ),
    );
}
