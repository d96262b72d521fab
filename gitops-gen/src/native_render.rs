//! What Helm would apply for a values file, without Helm (`Chart::render`,
//! `Chart::render_environments`, `Outputs::rendered`). The chart's own files (the same templates Helm reads, from the
//! same `ConfigTree`, values table and `ValuesKey`s) rendered by
//! `helm::engine`; the values merged and coalesced as Helm does
//! (`helm::coalesce`) and judged by the chart's values.schema.json with the
//! model's `Validator`, the one every other check of values uses.

use crate::deploy::environment::{Destination, Environment};
use crate::deploy::fleet::{select, Cluster};
use crate::foundation::error::Error;
use crate::foundation::layout::{self, Files};
use crate::helm::coalesce::{coalesce, merge_files};
use crate::helm::engine::{Engine, Release};
use gitops_model::Validator;
use serde_json::Value;
use std::path::Path;

pub use crate::helm::engine::{Object as RenderedObject, Rendered};

/// Whom a render is for, as `helm template RELEASE --namespace NAMESPACE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    release: Release,
}

impl RenderOptions {
    pub fn new(release: impl Into<String>, namespace: impl Into<String>) -> Self {
        RenderOptions { release: Release { name: release.into(), namespace: namespace.into() } }
    }
}

/// A chart ready to render any number of values files: its templates
/// parsed, its schema compiled, its defaults read, once.
pub struct Renderer {
    engine: Engine,
    /// None for a chart without values.schema.json, as Helm then checks nothing.
    validator: Option<Validator>,
    defaults: Value,
}

impl Renderer {
    /// From a chart directory's files (as generated, or read from disk).
    /// values.yaml and values.schema.json may be missing, as for Helm.
    pub fn new(chart: &Files) -> Result<Renderer, Error> {
        let failed = |name: &str, e: &dyn std::fmt::Display| Error::Render(format!("{name}: {e}"));
        let validator = match chart.get(layout::VALUES_SCHEMA) {
            None => None,
            Some(text) => {
                let schema: Value =
                    serde_json::from_str(text).map_err(|e| failed(layout::VALUES_SCHEMA, &e))?;
                Some(Validator::by_parts(&schema).map_err(|e| failed(layout::VALUES_SCHEMA, &e))?)
            }
        };
        let defaults = match chart.get(layout::VALUES_YAML).map(|t| yaml_serde::from_str(t)) {
            None | Some(Ok(Value::Null)) => Value::Object(Default::default()),
            Some(Ok(values)) => values,
            Some(Err(e)) => return Err(failed(layout::VALUES_YAML, &e)),
        };
        let engine = Engine::new(chart).map_err(|e| Error::Render(e.to_string()))?;
        Ok(Renderer { engine, validator, defaults })
    }

    /// Renders the values files `(name, text)`, merged in order as
    /// `helm template -f a -f b` merges them, onto the chart's defaults.
    pub fn render(
        &self,
        values_files: &[(&str, &str)],
        options: &RenderOptions,
    ) -> Result<Rendered, Error> {
        let values = self.values(values_files)?;
        self.engine.render(&values, &options.release).map_err(|e| Error::Render(e.to_string()))
    }

    /// Each template's rendered text, by name, as Helm's engine returns it
    /// (before the objects are read from it): [`Renderer::render`]'s first half.
    pub fn render_files(
        &self,
        values_files: &[(&str, &str)],
        options: &RenderOptions,
    ) -> Result<std::collections::BTreeMap<String, String>, Error> {
        let values = self.values(values_files)?;
        self.engine
            .render_files(&values, &options.release)
            .map_err(|e| Error::Render(e.to_string()))
    }

    /// The values files merged, coalesced onto the defaults and judged by the schema.
    fn values(&self, values_files: &[(&str, &str)]) -> Result<Value, Error> {
        let mut given = Value::Object(Default::default());
        for (name, text) in values_files {
            match yaml_serde::from_str::<Value>(text) {
                Ok(Value::Null) => {}
                Ok(file @ Value::Object(_)) => merge_files(&mut given, &file),
                Ok(other) => {
                    return Err(Error::Values {
                        source: (*name).to_owned(),
                        refusals: vec![format!("expected a map of values, found {other}")],
                    })
                }
                Err(e) => {
                    return Err(Error::Values {
                        source: (*name).to_owned(),
                        refusals: vec![format!("not valid YAML: {e}")],
                    })
                }
            }
        }
        let mut values = self.defaults.clone();
        coalesce(&mut values, &given);
        let refusals: Vec<String> = self
            .validator
            .iter()
            .flat_map(|validator| validator.violations(&values))
            .map(|v| format!("`{}`: {}", v.at.join("."), v.message))
            .collect();
        if !refusals.is_empty() {
            let source = values_files.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
            let source = if source.is_empty() { layout::VALUES_YAML.to_owned() } else { source };
            return Err(Error::Values { source, refusals });
        }
        Ok(values)
    }
}

/// One release of an environment (on one cluster of its fleet), rendered
/// as its controller renders it: values.yaml, `values-<env>.yaml`, the
/// cluster's `clusters/<name>.yaml`, then the environment's pin.
#[derive(Debug, Clone)]
pub struct EnvironmentRender {
    pub environment: String,
    /// The fleet cluster, for an environment deployed to a fleet.
    pub cluster: Option<String>,
    /// Made by [`Environment::production`](crate::Environment::production).
    pub production: bool,
    /// The release (the chart's name, as the controllers name it) and its namespace.
    pub release: String,
    pub namespace: String,
    pub rendered: Rendered,
}

impl EnvironmentRender {
    /// `env`, or `env/cluster`: where its rendered files go.
    pub fn path(&self) -> String {
        match &self.cluster {
            None => self.environment.clone(),
            Some(cluster) => format!("{}/{cluster}", self.environment),
        }
    }
}

/// Every environment's releases rendered, in declared order (a fleet
/// environment's in its clusters' order), from the chart's files: values.yaml,
/// `values-<env>.yaml`, the cluster's file, then the environment's pin,
/// read from `chart_dir/pins/` (the user's files; a missing one pins nothing).
pub(crate) fn render_environments(
    renderer: &Renderer,
    release: &str,
    environments: &[Environment],
    clusters: &[Cluster],
    chart: &Files,
    chart_dir: &Path,
) -> Result<Vec<EnvironmentRender>, Error> {
    let mut out = Vec::new();
    for env in environments {
        let targets = match &env.cluster {
            Destination::Fleet(selector) => select(selector, clusters, &env.name)
                .map_err(|problem| Error::Deployment { problems: vec![problem] })?
                .into_iter()
                .map(|c| Some(c.name.clone()))
                .collect(),
            _ => vec![None],
        };
        let pin_name = layout::pin_file(&env.name);
        let pin_path = chart_dir.join(&pin_name);
        let pin = match std::fs::read_to_string(&pin_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&pin_path, e)),
        };
        let values_file = layout::values_file(&env.name);
        let namespace = env.namespace_for(release);
        let options = RenderOptions::new(release, &namespace);
        let given = |name: &str| chart.get(name).map(String::as_str).unwrap_or_default();
        for cluster in targets {
            let cluster_file = cluster.as_deref().map(layout::cluster_file);
            let mut files: Vec<(&str, &str)> = vec![(&values_file, given(&values_file))];
            if let Some(file) = &cluster_file {
                files.push((file, given(file)));
            }
            if let Some(pin) = &pin {
                files.push((&pin_name, pin));
            }
            out.push(EnvironmentRender {
                environment: env.name.clone(),
                cluster,
                production: env.production,
                release: release.to_owned(),
                namespace: namespace.clone(),
                rendered: renderer.render(&files, &options)?,
            });
        }
    }
    Ok(out)
}

/// The files of [`Outputs::rendered`](crate::Outputs::rendered): each
/// release's objects, one per file, at `<env>[/<cluster>]/<kind>-<name>.yaml`
/// (kind in lower case), each marked generated with the template it came
/// from. Helm's test hooks are left out: nothing runs `helm test` on them.
pub(crate) fn rendered_files(renders: &[EnvironmentRender], header: &str) -> Result<Files, Error> {
    let mut files = Files::new();
    for render in renders {
        for object in render.rendered.applied() {
            let field = |pointer: &str| {
                object.object.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
            };
            let name = format!(
                "{}/{}-{}.yaml",
                render.path(),
                field("/kind").to_ascii_lowercase(),
                field("/metadata/name")
            );
            let body = object.text.strip_prefix(header).unwrap_or(&object.text);
            let text = format!("{header}# Source: {}\n{}\n", object.template, body.trim_end());
            if files.insert(name.clone(), text).is_some() {
                return Err(Error::Render(format!(
                    "{name}: two objects of one kind and name in one release"
                )));
            }
        }
    }
    layout::list_files(&mut files, header);
    Ok(files)
}

/// The files of [`Outputs::kustomize`](crate::Outputs::kustomize): `base/`,
/// the chart's defaults rendered (`base` rendered in namespace `default`,
/// which each overlay replaces), one object per file; and
/// `overlays/<env>[/<cluster>]/`, what each release changes: its namespace,
/// JSON patches (RFC 6902) of the objects that differ, `$patch: delete` of
/// the ones it does not have, and the ones only it has, whole.
pub(crate) fn kustomize_files(
    base: &Rendered,
    renders: &[EnvironmentRender],
    header: &str,
) -> Result<Files, Error> {
    let mut files = Files::new();
    let id = |o: &Value| {
        let text = |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or_default().to_owned();
        (text("/kind"), text("/metadata/name"), text("/apiVersion"))
    };
    let file_name = |(kind, name, _): &(String, String, String)| {
        format!("{}-{name}.yaml", kind.to_ascii_lowercase())
    };
    let base_objects: Vec<&Value> = base.applied().map(|o| &o.object).collect();
    let mut resources = Vec::new();
    let mut insert = |path: String, text: String| match files.insert(path.clone(), text) {
        Some(_) => Err(Error::Render(format!("{path}: two objects of one kind and name"))),
        None => Ok(()),
    };
    for object in &base_objects {
        let name = file_name(&id(object));
        insert(format!("base/{name}"), yaml_file(header, object))?;
        resources.push(Value::from(name));
    }
    insert(
        "base/kustomization.yaml".into(),
        yaml_file(header, &kustomization(resources, None, Vec::new())),
    )?;
    for render in renders {
        let dir = format!("overlays/{}", render.path());
        let up = "../".repeat(dir.split('/').count());
        let mut resources = vec![Value::from(format!("{up}base"))];
        let mut patches = Vec::new();
        let objects: Vec<&Value> = render.rendered.applied().map(|o| &o.object).collect();
        for object in &objects {
            let key = id(object);
            match base_objects.iter().find(|b| id(b) == key) {
                None => {
                    let name = file_name(&key);
                    insert(format!("{dir}/{name}"), yaml_file(header, object))?;
                    resources.push(Value::from(name));
                }
                Some(was) => {
                    // The namespace is the overlay's own setting.
                    let mut was = (*was).clone();
                    if let Some(ns) = object.pointer("/metadata/namespace") {
                        was["metadata"]["namespace"] = ns.clone();
                    }
                    let mut ops = Vec::new();
                    json_patch(&was, object, String::new(), &mut ops);
                    if !ops.is_empty() {
                        let name = format!("patches/{}", file_name(&key));
                        insert(format!("{dir}/{name}"), yaml_file(header, &Value::Array(ops)))?;
                        patches.push(serde_json::json!({"path": name, "target": target(&key)}));
                    }
                }
            }
        }
        for was in base_objects.iter().filter(|b| !objects.iter().any(|o| id(o) == id(b))) {
            let (kind, name, api_version) = id(was);
            let delete = serde_json::json!({"$patch": "delete", "apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
            let file = format!("patches/delete-{}", file_name(&id(was)));
            insert(format!("{dir}/{file}"), yaml_file(header, &delete))?;
            patches.push(serde_json::json!({"path": file}));
        }
        let overlay = kustomization(resources, Some(&render.namespace), patches);
        insert(format!("{dir}/kustomization.yaml"), yaml_file(header, &overlay))?;
    }
    layout::list_files(&mut files, header);
    Ok(files)
}

fn kustomization(resources: Vec<Value>, namespace: Option<&str>, patches: Vec<Value>) -> Value {
    let mut k = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
    });
    if let Some(ns) = namespace {
        k["namespace"] = Value::from(ns);
    }
    k["resources"] = Value::Array(resources);
    if !patches.is_empty() {
        k["patches"] = Value::Array(patches);
    }
    k
}

/// A patch's target: group, version, kind and name of one object.
fn target((kind, name, api_version): &(String, String, String)) -> Value {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    serde_json::json!({"group": group, "version": version, "kind": kind, "name": name})
}

/// `value` as a YAML file of ours.
fn yaml_file(header: &str, value: &Value) -> String {
    let mut out = String::from(header);
    crate::foundation::yaml::write_value(&mut out, 0, value);
    out
}

/// The RFC 6902 operations that turn `from` into `to`: maps key by key,
/// lists of one length item by item, anything else replaced whole.
fn json_patch(from: &Value, to: &Value, path: String, ops: &mut Vec<Value>) {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, old) in a {
                let at = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                match b.get(key) {
                    None => ops.push(serde_json::json!({"op": "remove", "path": at})),
                    Some(new) if new != old => json_patch(old, new, at, ops),
                    Some(_) => {}
                }
            }
            for (key, new) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                let at = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                ops.push(serde_json::json!({"op": "add", "path": at, "value": new}));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (old, new)) in a.iter().zip(b).enumerate() {
                if old != new {
                    json_patch(old, new, format!("{path}/{i}"), ops);
                }
            }
        }
        _ => ops.push(serde_json::json!({"op": "replace", "path": path, "value": to})),
    }
}
