//! Image pins per environment: `chart/pins/<env>.yaml`, a small file the
//! user (or CI) owns, holding `image.tag` and `image.digest`. The generated
//! `values-<env>.yaml` must not be edited by hand; the pin file is read
//! after it (Argo CD's `valueFiles`, Flux's `valuesFrom`), so it wins.
//!
//! Here: a new pin file's text (a build creates each environment's once)
//! and the check of a pin against the chart's schema with the environment's
//! values under it, which needs Helm's coalescing and the chart's verdicts
//! (a build checks the pins it lists through the environments' check).
//! Reading, editing (`release`, `promote`) and the history of pins are
//! release tooling, in the `gitops-release` crate, which an app's build
//! never compiles.

use crate::foundation::error::{Error, Problem, ProblemKind};
use crate::foundation::layout;
use crate::helm::coalesce::coalesce;
use crate::helm::verdict::refusals;
use serde_json::Value;
use std::path::Path;

/// What a new pin file starts as: comments only.
pub fn new_file(environment: &str) -> String {
    format!(
        "# The image environment `{environment}` runs, after values-{environment}.yaml.\n\
         # Yours, not generated: set by `release`/`promote` (`cargo gitops`) or by hand;\n\
         # roll back by reverting its commit.\n"
    )
}

/// The values Helm reads for the environment (values.yaml, then
/// `values-<env>.yaml`, then `pin`) against the chart's schema.
pub fn check(chart_dir: &Path, environment: &str, path: &Path, pin: &str) -> Result<(), Error> {
    let load = |name: &str| -> Result<String, Error> {
        let file = chart_dir.join(name);
        std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))
    };
    let parse = |name: &str, text: &str| -> Result<Value, Error> {
        match yaml_serde::from_str::<Value>(text) {
            Ok(Value::Null) => Ok(Value::Object(Default::default())),
            Ok(v) => Ok(v),
            Err(e) => Err(Error::PinInput(Box::new(
                Problem::new(ProblemKind::NotValues, format!("{name}: not valid YAML: {e}"))
                    .file(name)
                    .line(e.location().map(|l| l.line())),
            ))),
        }
    };
    let schema = parse(layout::VALUES_SCHEMA, &load(layout::VALUES_SCHEMA)?)?;
    let mut values = parse(layout::VALUES_YAML, &load(layout::VALUES_YAML)?)?;
    let env_file = layout::values_file(environment);
    coalesce(&mut values, &parse(&env_file, &load(&env_file)?)?);
    coalesce(&mut values, &parse(&path.display().to_string(), pin)?);
    let validator = gitops_model::schema::Validator::new(&schema).map_err(|e| {
        Error::PinInput(Box::new(
            Problem::new(ProblemKind::NotValues, e).file(layout::VALUES_SCHEMA),
        ))
    })?;
    let file = path.display().to_string();
    let problems: Vec<Problem> = refusals(&validator, &values)
        .into_iter()
        .map(|r| {
            let problem = Problem::new(ProblemKind::Refused, r.text).file(&file).key(r.key);
            problem.environment(environment)
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Pin { file: path.to_owned(), problems })
    }
}
