//! Image pins per environment: `chart/pins/<env>.yaml`, a small file the
//! user (or CI) owns, holding `image.tag` and `image.digest`. The generated
//! `values-<env>.yaml` must not be edited by hand; the pin file is listed
//! after it in the environment's Argo CD `valueFiles` and Flux
//! `valuesFiles`, so it wins.
//!
//! What a build needs of them lives here: reading a pin, the chart's
//! environments, a new pin file's text, and the check of a pin against the
//! chart's schema with the environment's values under it. Editing pins
//! (`release`, `promote`) and their history are release tooling, in the
//! `gitops-release` crate, which an app's build never compiles.

use crate::foundation::error::{Error, Problem, ProblemKind};
use crate::foundation::layout::{self, has_marker};
use crate::helm::coalesce::coalesce;
use crate::helm::verdict::refusals;
use serde_json::Value;
use std::path::Path;

/// What a pin file says: `image.tag` and `image.digest` (`None` when absent
/// or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Whether `tag` is a valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether `digest` is a digest the chart's schema takes: `sha256:` and 64
/// lower-case hex digits.
pub fn is_valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The environments of the chart in `chart_dir`: its generated
/// `values-<env>.yaml` files.
pub fn environments(chart_dir: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(chart_dir).map_err(|e| Error::io(chart_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(chart_dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(env) = layout::values_file_environment(&name).filter(|_| name.ends_with(".yaml"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if has_marker(&text) {
            out.push(env.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

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

/// The pin a pin file's text holds.
pub fn read(text: &str) -> Result<Pin, String> {
    let value: Value = match yaml_serde::from_str(text) {
        Ok(Value::Null) => return Ok(Pin { tag: None, digest: None }),
        Ok(v) => v,
        Err(e) => return Err(format!("not valid YAML: {e}")),
    };
    let get = |key: &str| value["image"][key].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Pin { tag: get("tag"), digest: get("digest") })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn tags_and_digests() {
        for ok in ["1.4.2", "v1", "_x", "latest", "A-b_c.9", &"a".repeat(128)] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["", ".x", "-x", "a b", "a:b", "a/b", "é", &"a".repeat(129)] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        assert!(is_valid_digest(DIGEST));
        for bad in
            ["", "sha256:", &DIGEST.to_uppercase(), &DIGEST[..70], "md5:00", &format!("{DIGEST}0")]
        {
            assert!(!is_valid_digest(bad), "{bad}");
        }
    }

    #[test]
    fn reads_pins() {
        assert_eq!(read("").unwrap(), Pin { tag: None, digest: None });
        assert_eq!(
            read("image: {tag: \"1.0\", digest: \"\"}").unwrap(),
            Pin { tag: Some("1.0".into()), digest: None }
        );
    }
}
