//! Chart.yaml's version: the one the chart was given, with a digest of what
//! the chart deploys as SemVer build metadata (`0.1.0+d.3f9a0c1b2e4d`).
//!
//! Flux builds a chart from Git once per version and reuses it until the
//! version changes (source-controller `internal/helm/chart/builder_local.go`,
//! with `reconcileStrategy: ChartVersion`), and helm-controller upgrades a
//! release only when the chart's version or the values change
//! (`internal/action/verify.go`). So the version must change exactly when
//! what the chart deploys does: a template, a default, a bound. Docs (the
//! README, values.yaml's comments, the schema's descriptions) and the
//! environments' values files (delivered apart) are left out, so a commit
//! touching only them upgrades nothing.

use crate::foundation::layout::{self, Files};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The build-metadata identifier that marks the digest.
const MARK: &str = "d";

/// `version` with the digest of `files` (the chart's, Chart.yaml aside) and
/// of the Chart.yaml fields Helm deploys from (`name`, `app_version`).
pub fn with_digest(version: &str, name: &str, app_version: &str, files: &Files) -> String {
    let mut hash = Sha256::new();
    let mut add = |label: &str, text: &str| {
        // Length-prefixed, so no two inputs run together the same way.
        for part in [label, text] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
    };
    add("name", name);
    add("appVersion", app_version);
    for (path, text) in files {
        if path.starts_with(&format!("{}/", layout::TEMPLATES_DIR)) {
            add(path, text);
        } else if path == layout::VALUES_YAML {
            // The values, not their comments.
            let values: Value = yaml_serde::from_str(text).unwrap_or(Value::Null);
            add(path, &values.to_string());
        } else if path == layout::VALUES_SCHEMA {
            let mut schema: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            strip_docs(&mut schema);
            add(path, &schema.to_string());
        }
    }
    let digest: String = hash.finalize()[..6].iter().map(|b| format!("{b:02x}")).collect();
    // A version's own build metadata is kept, the digest appended to it.
    let separator = if version.contains('+') { '.' } else { '+' };
    format!("{version}{separator}{MARK}.{digest}")
}

/// The version as it was given: `version` without the digest
/// [`with_digest`] appended (other build metadata kept).
pub fn without_digest(version: &str) -> &str {
    match version.rsplit_once(&format!("{MARK}.")) {
        Some((given, digest))
            if (given.ends_with('+') || given.ends_with('.'))
                && !digest.is_empty()
                && digest.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            &given[..given.len() - 1]
        }
        _ => version,
    }
}

/// Removes a JSON Schema's annotations, which validate nothing: under
/// `properties` and the like the keys are names (a property may be called
/// `description`), and `default`, `enum`, `const` hold data.
fn strip_docs(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for keyword in ["description", "title", "$comment", "examples"] {
                map.remove(keyword);
            }
            for (key, value) in map.iter_mut() {
                match key.as_str() {
                    "default" | "enum" | "const" => {}
                    "properties" | "patternProperties" | "definitions" | "$defs" => {
                        if let Value::Object(named) = value {
                            named.values_mut().for_each(strip_docs);
                        }
                    }
                    _ => strip_docs(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_docs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files(template: &str, values: &str, schema: &Value) -> Files {
        Files::from([
            ("templates/deployment.yaml".to_owned(), template.to_owned()),
            ("values.yaml".to_owned(), values.to_owned()),
            ("values.schema.json".to_owned(), schema.to_string()),
            ("README.md".to_owned(), "# readme".to_owned()),
            ("values-prod.yaml".to_owned(), "replicaCount: 3\n".to_owned()),
        ])
    }

    fn version(files: &Files) -> String {
        with_digest("1.2.3", "orders", "1.2.3", files)
    }

    #[test]
    fn changes_with_what_is_deployed_only() {
        let schema = json!({"properties": {"description": {"type": "string", "description": "a doc"}}, "description": "top"});
        let base = files("kind: Deployment\n", "# doc\nreplicaCount: 1\n", &schema);
        let v = version(&base);
        assert!(semver::Version::parse(&v).is_ok(), "{v}");
        assert!(v.starts_with("1.2.3+d."), "{v}");

        // Docs, the README and environments' files: same version.
        let mut docs = base.clone();
        docs.insert("values.yaml".into(), "# other doc\nreplicaCount: 1\n".into());
        docs.insert("README.md".into(), "# new readme".into());
        docs.insert("values-prod.yaml".into(), "replicaCount: 5\n".into());
        let redocumented = json!({"properties": {"description": {"type": "string", "description": "new"}}, "title": "t"});
        docs.insert("values.schema.json".into(), redocumented.to_string());
        assert_eq!(version(&docs), v);

        // A template, a default, a bound, a property named `description`: new version.
        let mut changed = Vec::new();
        changed.push(files("kind: Deployment\nx: 1\n", "replicaCount: 1\n", &schema));
        changed.push(files("kind: Deployment\n", "replicaCount: 2\n", &schema));
        let bound = json!({"properties": {"description": {"type": "string", "maxLength": 3}}});
        changed.push(files("kind: Deployment\n", "replicaCount: 1\n", &bound));
        let renamed = json!({"properties": {"summary": {"type": "string"}}});
        changed.push(files("kind: Deployment\n", "replicaCount: 1\n", &renamed));
        for other in &changed {
            assert_ne!(version(other), v);
        }
        assert_ne!(with_digest("1.2.3", "orders", "1.2.4", &base), v, "appVersion is deployed");
    }

    #[test]
    fn keeps_build_metadata_of_its_own() {
        let v = with_digest("1.2.3+build.5", "orders", "1.2.3", &Files::new());
        assert!(v.starts_with("1.2.3+build.5.d."), "{v}");
        assert!(semver::Version::parse(&v).is_ok(), "{v}");
        assert_eq!(without_digest(&v), "1.2.3+build.5");
        assert_eq!(without_digest(&with_digest("1.2.3", "a", "1", &Files::new())), "1.2.3");
        for given in ["1.2.3", "1.2.3+d.x1", "1.2.3+build.d", "1.2.3-d.5"] {
            assert_eq!(without_digest(given), given);
        }
    }
}
