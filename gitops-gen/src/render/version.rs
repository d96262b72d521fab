//! Chart.yaml's version when Flux deploys the chart: the one it was given,
//! with a digest of what the chart deploys as SemVer build metadata
//! (`0.1.0+d.3f9a0c1b2e4d5f60`).
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
use memchr::{memchr, memchr_iter, memmem, memrchr};
use xxhash_rust::xxh3::Xxh3;

/// The build-metadata identifier that marks the digest.
const MARK: &str = "d";

/// `version` with the digest of `files` (the chart's, Chart.yaml aside) and
/// of the Chart.yaml fields Helm deploys from (`name`, `app_version`).
///
/// Docs are left out line by line, which the generated files allow:
/// values.yaml's comments are whole lines, and values.schema.json is printed
/// one key per line, so a line holding `"description": "…"` or
/// `"title": "…"` is an annotation (a property so named holds a schema,
/// `{`, and stays). Cheaper than parsing both: a build script runs this
/// unoptimized.
pub fn with_digest(version: &str, name: &str, app_version: &str, files: &Files) -> String {
    let mut hash = Xxh3::new();
    // Each part length-prefixed, each line ended: no two inputs run
    // together the same way.
    let mut part = |bytes: &[u8]| {
        hash.update(&(bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(name.as_bytes());
    part(app_version.as_bytes());
    for (path, text) in files {
        let text = text.as_bytes();
        if path.starts_with(&format!("{}/", layout::TEMPLATES_DIR)) {
            part(path.as_bytes());
            part(text);
        } else if path == layout::VALUES_YAML {
            part(path.as_bytes());
            part(&without_comments(text));
        } else if path == layout::VALUES_SCHEMA {
            part(path.as_bytes());
            part(&without_lines(text, &[b"\"description\": \"", b"\"title\": \""], true));
        }
    }
    let digest = format!("{:016x}", hash.digest());
    // A version's own build metadata is kept, the digest appended to it.
    let separator = if version.contains('+') { '.' } else { '+' };
    format!("{version}{separator}{MARK}.{digest}")
}

/// values.yaml without its comment lines: every scalar gitops-gen writes is
/// on one line, so a line starting (after spaces) with `#` is a comment.
fn without_comments(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut kept_from = 0;
    for at in memchr_iter(b'#', text) {
        let line = memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
        if line < kept_from || !text[line..at].iter().all(|&b| b == b' ') {
            continue;
        }
        out.extend_from_slice(&text[kept_from..line]);
        kept_from = memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i + 1);
    }
    out.extend_from_slice(&text[kept_from..]);
    out
}

/// `text` without the lines that start (after spaces) with one of
/// `starts`; with `json`, a line so removed that ended its object takes the
/// comma off the line before, as the printer would have. Found with
/// `memchr`, not line by line: a build script runs this unoptimized, where
/// a loop over every byte costs ten times as much.
fn without_lines(text: &[u8], starts: &[&[u8]], json: bool) -> Vec<u8> {
    let mut cuts = Vec::new();
    for start in starts {
        for at in memmem::find_iter(text, start) {
            let line = memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
            if !text[line..at].iter().all(|&b| b == b' ') {
                continue;
            }
            let end = memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i + 1);
            let closes = text[end..].iter().find(|&&b| b != b' ') == Some(&b'}');
            if json && closes && line >= 2 && text[line - 2] == b',' {
                cuts.push((line - 2, line - 1));
            }
            cuts.push((line, end));
        }
    }
    cuts.sort_unstable();
    let mut out = Vec::with_capacity(text.len());
    let mut kept_from = 0;
    for (start, end) in cuts {
        if start > kept_from {
            out.extend_from_slice(&text[kept_from..start]);
        }
        kept_from = kept_from.max(end);
    }
    out.extend_from_slice(&text[kept_from.min(text.len())..]);
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn files(template: &str, values: &str, schema: &Value) -> Files {
        Files::from([
            ("templates/deployment.yaml".to_owned(), template.to_owned()),
            ("values.yaml".to_owned(), values.to_owned()),
            ("values.schema.json".to_owned(), serde_json::to_string_pretty(schema).unwrap()),
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
        docs.insert(
            "values.schema.json".into(),
            serde_json::to_string_pretty(&redocumented).unwrap(),
        );
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
