//! [`Chart::render`]: what Helm would apply for a values file, without
//! Helm. The chart's own files (the same templates Helm reads, from the
//! same `ConfigTree`, values table and `ValuesKey`s) rendered by
//! `helm::engine`; the values merged and coalesced as Helm does
//! (`helm::coalesce`) and judged by the chart's values.schema.json with the
//! model's `Validator`, the one every other check of values uses.

use crate::chart::Chart;
use crate::foundation::error::Error;
use crate::foundation::layout::{self, Files};
use crate::helm::coalesce::{coalesce, merge_files};
use crate::helm::engine::{Engine, Release};
use gitops_model::Validator;
use serde_json::Value;

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
        self.engine.render(&values, &options.release).map_err(|e| Error::Render(e.to_string()))
    }
}

impl Chart {
    /// The manifests Helm would render for `values_yaml` on top of the
    /// chart's defaults, as one YAML stream in `helm template`'s order.
    /// Values Helm would refuse are refused (every refusal, naming its key).
    pub fn render(&self, values_yaml: &str, options: &RenderOptions) -> Result<String, Error> {
        Ok(self.render_objects(&[("values", values_yaml)], options)?.stream())
    }

    /// [`Chart::render`] for several values files, as objects.
    pub fn render_objects(
        &self,
        values_files: &[(&str, &str)],
        options: &RenderOptions,
    ) -> Result<Rendered, Error> {
        let chart = self.generate()?.chart;
        Renderer::new(&chart)?.render(values_files, options)
    }
}
