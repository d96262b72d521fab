//! What cannot be imported: the chart's own templates. Each file under
//! `templates/` is scanned for the `.Values` paths it reads and the
//! template logic it holds, so a reviewer knows what to carry over by hand.
//! A scan of the actions' text, not a Go template parser: enough to list,
//! not to translate.

use super::chart_keys::is_chart_key;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Control structures and functions worth a reviewer's eye.
const LOGIC: &[&str] = &[
    "if", "else", "range", "with", "define", "block", "template", "include", "tpl", "lookup",
    "required", "fail", "toYaml", "toJson", "fromYaml", "fromJson", "default", "ternary", "printf",
];

/// Templates the generated chart writes itself (under the same name).
const GENERATED: &[&str] = &[
    "_helpers.tpl",
    "deployment.yaml",
    "service.yaml",
    "serviceaccount.yaml",
    "ingress.yaml",
    "httproute.yaml",
    "hpa.yaml",
    "NOTES.txt",
    "tests/test-connection.yaml",
    "configmap.yaml",
    "networkpolicy.yaml",
    "pdb.yaml",
    "externalsecret.yaml",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Relative to `templates/`, with `/`.
    pub file: String,
    /// `.Values` paths read, each with its path in the generated chart
    /// (under `config.` for app keys).
    pub values: BTreeSet<(String, String)>,
    /// Keyword or function → how often.
    pub logic: BTreeMap<String, usize>,
    /// Whether the generated chart writes a template of the same name.
    pub generated_has: bool,
}

/// The templates found under a chart's `templates/`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    /// Every file, sorted by path.
    pub templates: Vec<Template>,
    /// Symbolic links to directories (relative to `templates/`), not
    /// followed: a link can loop back to one of its parents.
    pub skipped_links: Vec<String>,
}

/// Every file under `dir` (the chart's `templates/`), sorted; symbolic
/// links to files are read, to directories skipped.
pub fn scan_dir(dir: &Path) -> Result<Scanned, String> {
    let mut files = Vec::new();
    let mut scanned = Scanned::default();
    collect(dir, dir, &mut files, &mut scanned.skipped_links)?;
    files.sort();
    scanned.skipped_links.sort();
    for (rel, path) in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        scanned.templates.push(scan(&rel, &text));
    }
    Ok(scanned)
}

fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf)>,
    skipped: &mut Vec<String>,
) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .map_err(|_| format!("{}: not under {}", path.display(), root.display()))?
            .to_string_lossy()
            .replace('\\', "/");
        // `file_type` does not follow a link; `is_dir` on the path does.
        let kind = entry.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
        if kind.is_dir() {
            collect(root, &path, out, skipped)?;
        } else if path.is_dir() {
            skipped.push(rel);
        } else {
            out.push((rel, path));
        }
    }
    Ok(())
}

/// One template's values paths and logic.
pub fn scan(file: &str, text: &str) -> Template {
    let mut values = BTreeSet::new();
    let mut logic = BTreeMap::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let action = after[..close].trim_matches('-').trim();
        rest = &after[close + 2..];
        if action.starts_with("/*") {
            continue;
        }
        for word in words(action) {
            if LOGIC.contains(&word) {
                *logic.entry(word.to_owned()).or_insert(0) += 1;
            }
        }
        let mut search = action;
        while let Some(at) = search.find(".Values") {
            let tail = &search[at + ".Values".len()..];
            let path: String = tail
                .strip_prefix('.')
                .map(|t| {
                    t.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                        .collect()
                })
                .unwrap_or_default();
            let path = path.trim_end_matches('.').to_owned();
            let new = match path.split('.').next() {
                Some(root) if !root.is_empty() && !is_chart_key(root) => {
                    format!("config.{path}")
                }
                _ => path.clone(),
            };
            values.insert((path, new));
            search = tail;
        }
    }
    Template { file: file.into(), values, logic, generated_has: GENERATED.contains(&file) }
}

fn words(action: &str) -> impl Iterator<Item = &str> {
    let mut in_string = false;
    let mut parts = Vec::new();
    let mut start = None;
    for (i, c) in action.char_indices() {
        if c == '"' {
            in_string = !in_string;
        }
        let word_char = !in_string && (c.is_ascii_alphanumeric() || c == '_');
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                parts.push(&action[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        parts.push(&action[s..]);
    }
    // A word right after `.` is a field (`.Values.if`), not a keyword.
    parts.into_iter().filter(move |w| {
        let at = w.as_ptr() as usize - action.as_ptr() as usize;
        at == 0 || !action[..at].ends_with('.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_values_paths_and_logic() {
        let t = scan(
            "cronjob.yaml",
            r#"{{- if .Values.cleanup.enabled }}
schedule: {{ .Values.cleanup.schedule | quote }}
{{- range $q := .Values.queues }}
- {{ include "x.name" $ }}-{{ $q.name }} {{ $.Values.replicaCount }} {{ "if" }}
{{- end }}
{{- end }}
{{/* .Values.ignored */}}"#,
        );
        let values: Vec<(&str, &str)> =
            t.values.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            values,
            [
                ("cleanup.enabled", "config.cleanup.enabled"),
                ("cleanup.schedule", "config.cleanup.schedule"),
                ("queues", "config.queues"),
                ("replicaCount", "replicaCount"),
            ]
        );
        assert_eq!(t.logic.get("if"), Some(&1));
        assert_eq!(t.logic.get("range"), Some(&1));
        assert_eq!(t.logic.get("include"), Some(&1));
        assert!(!t.generated_has);
        assert!(scan("deployment.yaml", "").generated_has);
    }
}

#[cfg(all(test, unix))]
mod link_tests {
    use super::*;

    #[test]
    fn a_directory_link_is_listed_not_followed() {
        let dir = std::env::temp_dir().join(format!("gitops-import-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.yaml"), "{{ .Values.a }}").unwrap();
        // A link back to its parent: following it would never end.
        std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
        let scanned = scan_dir(&dir).unwrap();
        let files: Vec<&str> = scanned.templates.iter().map(|t| t.file.as_str()).collect();
        assert_eq!(files, ["sub/a.yaml"]);
        assert_eq!(scanned.skipped_links, ["sub/loop"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
