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
    validator: Validator,
    defaults: Value,
}

impl Renderer {
    /// From a chart directory's files (as generated, or read from disk).
    pub fn new(chart: &Files) -> Result<Renderer, Error> {
        let text = |name: &str| {
            chart.get(name).ok_or_else(|| Error::Render(format!("the chart has no {name}")))
        };
        let read = |name: &str| -> Result<Value, Error> {
            yaml_serde::from_str(text(name)?).map_err(|e| Error::Render(format!("{name}: {e}")))
        };
        let schema: Value = serde_json::from_str(text(layout::VALUES_SCHEMA)?)
            .map_err(|e| Error::Render(format!("{}: {e}", layout::VALUES_SCHEMA)))?;
        let validator = Validator::by_parts(&schema)
            .map_err(|e| Error::Render(format!("{}: {e}", layout::VALUES_SCHEMA)))?;
        let defaults = match read(layout::VALUES_YAML)? {
            Value::Null => Value::Object(Default::default()),
            values => values,
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
            .violations(&values)
            .into_iter()
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
    release: &str,
    environments: &[Environment],
    clusters: &[Cluster],
    chart: &Files,
    chart_dir: &Path,
) -> Result<Vec<EnvironmentRender>, Error> {
    let renderer = Renderer::new(chart)?;
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
