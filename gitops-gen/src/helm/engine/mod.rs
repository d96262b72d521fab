//! Helm's template engine, natively: a chart's files (as gitops-gen
//! writes them) rendered for coalesced values exactly as Helm 4 renders
//! them, so that a chart can be rendered, diffed and checked without Helm.
//! [`parse`] reads Go's template syntax, [`exec`] runs it with Helm's
//! settings, [`funcs`] are the functions (Go's and sprig's), [`go_text`]
//! Go's printing, [`value`] Go's values. `tests/tests/native_render.rs`
//! proves the result equal to real Helm's.

pub mod exec;
pub mod funcs;
pub mod go_text;
pub mod parse;
pub mod value;

use crate::foundation::layout::{Files, CHART_YAML};
use exec::Templates;
use std::collections::BTreeMap;
use std::fmt;
use value::{Map, Value};

/// The directory Helm reads templates from.
const TEMPLATES_DIR: &str = "templates/";

/// Helm's annotation that makes an object a hook.
const HOOK_ANNOTATION: &str = "helm.sh/hook";

/// Why a chart did not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// Chart.yaml is missing or unreadable.
    Chart(String),
    /// A template that does not parse: its file and why.
    Parse { template: String, error: parse::ParseError },
    /// A template that fails while rendering (`required`, `fail`, a nil field).
    Exec(exec::ExecError),
    /// Rendered text that is not YAML: its file and why.
    Yaml { template: String, message: String },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Chart(m) => write!(f, "Chart.yaml: {m}"),
            EngineError::Parse { template, error } => write!(f, "{template}: {error}"),
            EngineError::Exec(e) => write!(f, "{e}"),
            EngineError::Yaml { template, message } => {
                write!(f, "{template}: the rendered text is not YAML: {message}")
            }
        }
    }
}

impl std::error::Error for EngineError {}

/// Whom a render is for: `.Release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub name: String,
    pub namespace: String,
}

/// A chart's templates, parsed once, ready to render any values.
pub struct Engine {
    templates: Templates,
    /// The files Helm renders (not partials), by name (`<chart>/templates/…`).
    files: Vec<String>,
    chart: Value,
    base_path: String,
}

/// One rendered object, with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub template: String,
    pub object: serde_json::Value,
    /// The document's text as rendered.
    pub text: String,
}

impl Object {
    /// A `helm test` hook.
    /// A `helm test` hook: `test` (or its alias `test-success`) among its
    /// hook events, read as Helm reads them (trimmed, any case).
    pub fn is_test_hook(&self) -> bool {
        hook_events(&self.object).is_some_and(|hooks| {
            hooks
                .split(',')
                .any(|h| matches!(h.trim().to_ascii_lowercase().as_str(), "test" | "test-success"))
        })
    }
}

/// A render: each file's text, and the objects in `helm template`'s order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Each rendered file's text (NOTES.txt included), by name.
    pub files: BTreeMap<String, String>,
    /// The objects Helm applies, in install order, then its hooks.
    pub manifests: Vec<Object>,
    pub hooks: Vec<Object>,
}

impl Engine {
    /// Parses a chart's Chart.yaml and every file under `templates/`.
    pub fn new(chart: &Files) -> Result<Engine, EngineError> {
        let meta = chart
            .get(CHART_YAML)
            .ok_or_else(|| EngineError::Chart("missing".into()))
            .and_then(|text| {
                yaml_serde::from_str::<serde_json::Value>(text)
                    .map_err(|e| EngineError::Chart(e.to_string()))
            })?;
        let field =
            |key: &str| Value::str(meta.get(key).and_then(|v| v.as_str()).unwrap_or_default());
        let name = meta.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        // `.Chart` is Helm's Metadata, by its Go field names.
        let chart_value = Value::map(Map::from([
            ("Name".into(), field("name")),
            ("Version".into(), field("version")),
            ("AppVersion".into(), field("appVersion")),
            ("Description".into(), field("description")),
            ("APIVersion".into(), field("apiVersion")),
            ("Type".into(), field("type")),
        ]));
        // Parsed in Helm's order (deepest path first, then names in reverse,
        // helm pkg/engine/engine.go `sortTemplates`): a later `define` of a
        // name replaces an earlier one, unless its body is empty (Go's
        // text/template keeps the non-empty one).
        let mut paths: Vec<&String> =
            chart.keys().filter(|path| path.starts_with(TEMPLATES_DIR)).collect();
        paths.sort_by(|a, b| b.matches('/').count().cmp(&a.matches('/').count()).then(b.cmp(a)));
        let mut templates = Templates::default();
        let mut files = Vec::new();
        for path in paths {
            let template = format!("{name}/{path}");
            let parse_error = |error| EngineError::Parse { template: template.clone(), error };
            let parsed = parse::parse(&chart[path]).map_err(parse_error)?;
            for nodes in
                std::iter::once(&parsed.root).chain(parsed.defines.iter().map(|(_, body)| body))
            {
                if let Some((line, function)) = undefined_function(nodes) {
                    let message = format!("function {function:?} not defined");
                    return Err(parse_error(parse::ParseError { line, message }));
                }
            }
            for (define, body) in parsed.defines {
                let blank =
                    body.iter().all(|n| matches!(n, parse::Node::Text(t) if t.trim().is_empty()));
                if !(blank && templates.named.contains_key(&define)) {
                    templates.named.insert(define, (template.clone(), body));
                }
            }
            let partial = path.rsplit('/').next().is_some_and(|base| base.starts_with('_'));
            if !partial {
                files.push(template.clone());
            }
            templates.named.insert(template.clone(), (template, parsed.root));
        }
        files.sort();
        Ok(Engine { templates, files, chart: chart_value, base_path: format!("{name}/templates") })
    }

    /// Renders every file for `values` (already coalesced with the chart's
    /// defaults and validated), and reads the objects from them.
    pub fn render(
        &self,
        values: &serde_json::Value,
        release: &Release,
    ) -> Result<Rendered, EngineError> {
        let files = self.render_files(values, release)?;
        let (manifests, hooks) = sort_manifests(&files)?;
        Ok(Rendered { files, manifests, hooks })
    }

    /// Each file's text (NOTES.txt included), by name: what Helm's engine
    /// returns, before its objects are read.
    pub fn render_files(
        &self,
        values: &serde_json::Value,
        release: &Release,
    ) -> Result<BTreeMap<String, String>, EngineError> {
        let release_value = Value::map(Map::from([
            ("Name".into(), Value::str(&release.name)),
            ("Namespace".into(), Value::str(&release.namespace)),
            ("Service".into(), Value::str("Helm")),
            ("IsInstall".into(), Value::Bool(true)),
            ("IsUpgrade".into(), Value::Bool(false)),
            ("Revision".into(), Value::Int(1)),
        ]));
        let mut top = Map::from([
            ("Values".into(), Value::from_json(values)),
            ("Release".into(), release_value),
            ("Chart".into(), self.chart.clone()),
            ("Files".into(), Value::map(Map::new())),
            ("Subcharts".into(), Value::map(Map::new())),
        ]);
        let mut files = BTreeMap::new();
        for name in &self.files {
            top.insert(
                "Template".into(),
                Value::map(Map::from([
                    ("Name".into(), Value::str(name)),
                    ("BasePath".into(), Value::str(&self.base_path)),
                ])),
            );
            let text = self
                .templates
                .execute(name, &Value::map(top.clone()))
                .map_err(EngineError::Exec)?;
            files.insert(name.clone(), text.replace("<no value>", ""));
        }
        Ok(files)
    }
}

/// An object's `helm.sh/hook` annotation: its hook events.
fn hook_events(object: &serde_json::Value) -> Option<&str> {
    object.pointer("/metadata/annotations")?.get(HOOK_ANNOTATION)?.as_str()
}

/// The first function `nodes` call that the engine does not know, with its
/// line: Go refuses such a template when it is parsed, whether or not the
/// call would run.
fn undefined_function(nodes: &[parse::Node]) -> Option<(usize, String)> {
    fn in_pipe(pipe: &parse::Pipeline) -> Option<(usize, String)> {
        pipe.commands.iter().flat_map(|c| &c.args).find_map(|arg| match arg {
            parse::Arg::Function(f) if !funcs::NAMES.contains(&f.as_str()) => {
                Some((pipe.line, f.clone()))
            }
            parse::Arg::Pipe(inner, _) => in_pipe(inner),
            _ => None,
        })
    }
    nodes.iter().find_map(|node| match node {
        parse::Node::Text(_) => None,
        parse::Node::Action(pipe) => in_pipe(pipe),
        parse::Node::If(b) | parse::Node::With(b) | parse::Node::Range(b) => in_pipe(&b.pipe)
            .or_else(|| undefined_function(&b.body))
            .or_else(|| undefined_function(&b.otherwise)),
    })
}

/// Helm's `SortManifests`: files in name order, documents in file order,
/// hooks apart; then each group stably by kind in install order (unknown
/// kinds last, by kind name).
fn sort_manifests(
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Object>, Vec<Object>), EngineError> {
    let mut manifests = Vec::new();
    let mut hooks = Vec::new();
    for (template, text) in files {
        if template.ends_with("NOTES.txt") {
            continue;
        }
        for doc in split_documents(text) {
            let object: serde_json::Value = yaml_serde::from_str(&doc).map_err(|e| {
                EngineError::Yaml { template: template.clone(), message: e.to_string() }
            })?;
            if object.is_null() {
                continue;
            }
            let hook = hook_events(&object).is_some();
            let entry = Object { template: template.clone(), object, text: doc };
            if hook {
                hooks.push(entry);
            } else {
                manifests.push(entry);
            }
        }
    }
    let rank = |o: &Object| {
        let kind = o.object.get("kind").and_then(|k| k.as_str()).unwrap_or_default().to_owned();
        match INSTALL_ORDER.iter().position(|k| *k == kind) {
            Some(i) => (i, String::new()),
            None => (INSTALL_ORDER.len(), kind),
        }
    };
    manifests.sort_by_key(rank);
    hooks.sort_by_key(rank);
    Ok((manifests, hooks))
}

/// Helm's `SplitManifests`: documents split at lines starting `---`,
/// leading whitespace trimmed, blank ones dropped.
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("---")
            && line[3..].trim_start_matches([' ', '\t']).trim_end().is_empty()
        {
            docs.push(std::mem::take(&mut current));
            continue;
        }
        current.push_str(line);
    }
    docs.push(current);
    docs.into_iter().map(|d| d.trim_start().to_owned()).filter(|d| !d.trim().is_empty()).collect()
}

/// Helm's install order of kinds (`releaseutil.InstallOrder`).
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

impl Rendered {
    /// What a controller applies: the manifests, then the hooks but
    /// `helm test`'s (`helm.sh/hook: test`), which only `helm test` runs.
    pub fn applied(&self) -> impl Iterator<Item = &Object> {
        self.manifests.iter().chain(self.hooks.iter().filter(|o| !o.is_test_hook()))
    }

    /// The stream `helm template` prints: the manifests, then the hooks,
    /// each after `---` and a `# Source:` line.
    pub fn stream(&self) -> String {
        let mut manifests = String::new();
        for o in &self.manifests {
            manifests.push_str(&format!("---\n# Source: {}\n{}\n", o.template, o.text));
        }
        let mut out = format!("{}\n", manifests.trim());
        for o in &self.hooks {
            out.push_str(&format!("---\n# Source: {}\n{}\n", o.template, o.text));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(templates: &[(&str, &str)]) -> Files {
        let mut files = Files::new();
        files.insert(CHART_YAML.into(), "name: c\nversion: 0.1.0\n".into());
        for (path, text) in templates {
            files.insert(format!("templates/{path}"), (*text).to_owned());
        }
        files
    }

    fn render(
        templates: &[(&str, &str)],
        values: serde_json::Value,
    ) -> Result<String, EngineError> {
        let release = Release { name: "r".into(), namespace: "n".into() };
        let files = Engine::new(&chart(templates))?.render_files(&values, &release)?;
        Ok(files["c/templates/t.txt"].clone())
    }

    #[test]
    fn an_unknown_function_is_refused_even_where_it_never_runs() {
        let err =
            render(&[("t.txt", "{{ if false }}{{ upper . }}{{ end }}")], serde_json::json!({}))
                .unwrap_err();
        assert!(err.to_string().contains("function \"upper\" not defined"), "{err}");
    }

    #[test]
    fn the_shallowest_alphabetically_first_define_wins_and_an_empty_one_is_ignored() {
        let templates = [
            ("t.txt", "{{ include \"x\" . }}"),
            ("_a.tpl", "{{ define \"x\" }}a{{ end }}"),
            ("_b.tpl", "{{ define \"x\" }}b{{ end }}"),
            ("sub/_c.tpl", "{{ define \"x\" }}c{{ end }}"),
            ("_z.tpl", "{{ define \"x\" }}{{ end }}"),
        ];
        assert_eq!(render(&templates, serde_json::json!({})).unwrap(), "a");
    }

    #[test]
    fn set_changes_a_deep_copy_in_the_variable_twice() {
        let copy = "{{- $c := deepCopy .Values.m }}{{- $_ := set $c \"k\" 2 }}{{- $_ := set $c \"j\" 3 }}{{ toJson $c }} {{ toJson .Values.m }}";
        assert_eq!(
            render(&[("t.txt", copy)], serde_json::json!({"m": {"k": 1}})).unwrap(),
            "{\"j\":3,\"k\":2} {\"k\":1}"
        );
    }

    #[test]
    fn eq_with_nothing_is_false_not_an_error() {
        let t = "{{ eq .Values.missing \"x\" }} {{ eq .Values.missing nil }} {{ ne \"a\" \"b\" \"a\" }}";
        assert_eq!(render(&[("t.txt", t)], serde_json::json!({})).unwrap(), "false true false");
    }
}
