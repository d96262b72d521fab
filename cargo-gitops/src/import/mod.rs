//! `cargo gitops import`: an existing chart's values as a Rust config module.
//!
//! Stages, one file each: [`read`] (values.yaml with each key's comment,
//! scalars as Helm reads them, values.schema.json) → [`infer`] (structs,
//! fields, Rust types, bounds, defaults) → [`emit`] (Rust through `quote`
//! and `prettyplease`); beside them [`convert`] (each `values-*.yaml` in the
//! generated layout), [`chart_keys`] (the `helm create` keys the generated
//! chart owns, compared with gitops-gen's own defaults), [`templates`] (what
//! the chart's templates read and do) and [`report`].
//!
//! Decisions:
//! - The chart keys ([`chart_keys::chart_keys`]: `helm create`'s and the
//!   generated chart's own Kubernetes keys) never become config: the
//!   generated chart owns them. Every other top-level key becomes a field
//!   of the root `Config` and moves under `config:` in values files.
//! - A chart with a `service` gets a port field, because the generated
//!   chart's Service forwards to a named container port declared by the
//!   config: a root integer field named `port`, `…Port`, `…_port` or
//!   `…-port` (never a section's, such as `database.port`), else a new
//!   `httpPort` with the original `service.port` (where `helm create`'s
//!   Deployment listens); the report names the one chosen or added. HTTP
//!   probe paths the derive accepts become the root's `liveness`/
//!   `readiness`/`startup`.
//! - Keys stay byte-identical: `rename_all = "camelCase"` when a key needs
//!   it, `rename` for any key it does not give back.
//! - Types: the schema first, then every file's values of the key (so a
//!   key that is `1` by default and `1.5` in production is `f64`).
//!   Unknowable cases are typed the simplest way and listed in the report.
//! - Only the chart directory is read; nothing is written by [`import`].
//!   The command (`import_command`) writes each file only where none
//!   exists, and removes what it wrote when a later write fails.

pub mod chart_keys;
mod convert;
mod emit;
mod infer;
mod names;
pub mod read;
pub mod relocate;
pub mod report;
mod templates;

use crate::Error;
use read::{Entry, Node};
use report::{Report, ValuesFile};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Choices the chart cannot tell.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The root struct's env prefix; by default the chart name in upper snake case and `_`.
    pub env_prefix: Option<String>,
    /// Values files to convert beside the chart's own `values-*.yaml` (its
    /// CI values under `ci/`, an environment's file kept elsewhere).
    pub values: Vec<PathBuf>,
}

/// The import's results; nothing is written yet.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The Rust module (printed by prettyplease).
    pub rust: String,
    /// Each `values-*.yaml`/`values-*.yml` (file name, converted text).
    pub values_files: Vec<(String, String)>,
    /// The chart's `crds/` files (file name, text as it is).
    pub crds: Vec<(String, String)>,
    pub report: Report,
}

/// What the import found wrong in the chart's file `path`.
fn fail(path: &Path, message: impl Into<String>) -> Error {
    Error::Chart { path: path.to_owned(), message: message.into() }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(io(path))
}

/// Imports the chart in `chart_dir`.
pub fn import(chart_dir: &Path, options: &Options) -> Result<Imported, Error> {
    let chart_yaml = chart_dir.join("Chart.yaml");
    let chart = read::values(&read_text(&chart_yaml)?).map_err(|e| fail(&chart_yaml, e))?.to_json();
    let name = chart["name"].as_str().ok_or_else(|| fail(&chart_yaml, "no `name`"))?.to_owned();
    let description = chart["description"].as_str().unwrap_or("").trim().to_owned();
    let app_version = match &chart["appVersion"] {
        Value::String(v) => v.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let (crds, not_yaml) = crd_files(&chart_dir.join("crds"))?;

    let values_path = chart_dir.join("values.yaml");
    if !values_path.is_file() {
        return Err(fail(
            &values_path,
            "missing: the import reads the chart's keys and their defaults from it",
        ));
    }
    let mut values = read::values(&read_text(&values_path)?).map_err(|e| fail(&values_path, e))?;
    let schema_path = chart_dir.join("values.schema.json");
    let schema = match schema_path.exists() {
        true => Some(
            read::Schema::parse(&read_text(&schema_path)?).map_err(|e| fail(&schema_path, e))?,
        ),
        false => None,
    };

    // The chart's Kubernetes settings where the generated chart keeps them,
    // in values.yaml and every values file alike.
    let relocate::Found { relocations, blocked } =
        relocate::find(&values, schema.as_ref(), chart_keys::is_chart_key);
    let mut kept_in_place = blocked;
    kept_in_place
        .extend(relocate::apply(&mut values, &relocations).into_iter().map(|k| format!("`{k}`")));
    let mut environments = Vec::new();
    let mut files = values_files(chart_dir)?;
    for path in &options.values {
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            return Err(fail(path, "not a file name"));
        };
        if files.iter().any(|(name, _)| name == file) {
            return Err(fail(path, format!("a second values file named `{file}`: the converted files are written side by side")));
        }
        files.push((file.to_owned(), path.clone()));
    }
    for (file, path) in files {
        let text = read_text(&path)?;
        let mut tree = read::values(&text).map_err(|e| fail(&path, e))?;
        let original = tree.clone();
        kept_in_place.extend(
            relocate::apply(&mut tree, &relocations).into_iter().map(|k| format!("`{k}` ({file})")),
        );
        let relocated = tree != original;
        environments.push((file, path, text, tree, relocated));
    }

    let (chart_entries, app): (Vec<&Entry>, Vec<&Entry>) =
        values.entries().iter().partition(|e| chart_keys::is_chart_key(&e.key));
    let defaults = values.to_json();
    let service_port = chart_entries
        .iter()
        .any(|e| e.key == "service")
        .then(|| defaults["service"].get("port").cloned().unwrap_or(Value::from(80)));
    let probe_path = |key: &str| {
        defaults.get(key).and_then(|p| p["httpGet"]["path"].as_str()).map(str::to_owned)
    };
    let probes = infer::Probes {
        liveness: probe_path("livenessProbe"),
        readiness: probe_path("readinessProbe"),
        startup: probe_path("startupProbe"),
    };
    let env_prefix = options
        .env_prefix
        .clone()
        .unwrap_or_else(|| gitops_model::naming::default_env_prefix(&name));
    if !gitops_model::naming::is_valid_env_prefix(&env_prefix) {
        return Err(fail(
            chart_dir,
            format!("`{env_prefix}` cannot be an env prefix (upper case, digits and `_`)"),
        ));
    }
    let app_of = |tree: &Node| -> Map<String, Value> {
        tree.entries()
            .iter()
            .filter(|e| !chart_keys::is_chart_key(&e.key))
            .map(|e| (e.key.clone(), e.node.to_json()))
            .collect()
    };
    let model = infer::infer(infer::Input {
        app: app.clone(),
        environments: environments
            .iter()
            .map(|(file, _, _, tree, _)| (file.clone(), app_of(tree)))
            .collect(),
        schema: schema.as_ref(),
        root_doc: if description.is_empty() {
            format!("Configuration of `{name}`.")
        } else {
            description
        },
        env_prefix: env_prefix.clone(),
        service_port,
        probes,
    });
    let module_doc = format!(
        "Configuration of chart `{name}`, imported by `cargo gitops import` from its values.yaml{}.\n\
         The chart's `helm create` keys stay chart keys; see the import report for what was left out.",
        if schema.is_some() { " and values.schema.json" } else { "" }
    );
    let rust = emit::rust(&model, &module_doc).map_err(|e| fail(chart_dir, e))?;

    let repository = defaults["image"]["repository"].as_str().unwrap_or("");
    let has_port = model.structs.iter().flat_map(|s| &s.fields).any(|f| f.port.is_some());
    let generated = chart_keys::generated_defaults(repository, has_port, &model.probes);
    let mut notes = model.notes.clone();
    notes.extend(chart_keys::repository_problem(repository));
    notes.extend(not_yaml.iter().map(|name| {
        format!("`crds/{name}` is not carried: the generated chart takes CRDs as YAML (`.yaml`, `.yml`); convert it and put it beside the others.")
    }));
    let mut scanned =
        templates::scan_dir(&chart_dir.join("templates")).map_err(|e| fail(chart_dir, e))?;
    for template in &mut scanned.templates {
        template.values = std::mem::take(&mut template.values)
            .into_iter()
            .map(|(old, new)| {
                let moved = relocations.iter().find_map(|r| r.moved(&old));
                match moved {
                    Some(to) if chart_keys::is_chart_key(to.split('.').next().unwrap_or("")) => {
                        (old, to)
                    }
                    Some(to) => (old, format!("config.{to}")),
                    None => (old, new),
                }
            })
            .collect();
    }

    let mut report = Report {
        image: repository.to_owned(),
        app_version,
        crds: crds.iter().map(|(name, _)| name.clone()).collect(),
        chart: name,
        env_prefix,
        structs: model.structs.len(),
        enums: model.enums.len(),
        helm_create_keys: chart_entries.iter().map(|e| e.key.clone()).collect(),
        relocations: relocations.clone(),
        kept_in_place,
        differences: chart_keys::differences(&defaults, &generated),
        chart_key_names: app
            .iter()
            .filter(|e| chart_keys::APP_NAMED_KEYS.contains(&e.key.as_str()))
            .map(|e| e.key.clone())
            .collect(),
        added: model.added.clone(),
        probes: model.probes.clone(),
        notes,
        needs_serde_json: model.uses_json,
        values_files: Vec::new(),
        templates: scanned.templates,
        skipped_template_links: scanned.skipped_links,
    };
    let mut converted_files = Vec::new();
    for (file, _, text, tree, relocated) in &environments {
        let mut not_carried = chart_keys::not_carried(&tree.to_json(), &generated);
        // A list's items are `[]` in the model's paths: the whole list goes.
        not_carried.extend(model.unknown_in_files.iter().filter(|(name, _)| name == file).map(
            |(_, path)| path.split("[]").next().unwrap_or(path).trim_end_matches('.').to_owned(),
        ));
        match convert::convert(text, tree, *relocated, &not_carried) {
            Ok(converted) => {
                report.values_files.push(ValuesFile {
                    name: file.clone(),
                    moved: converted.moved,
                    not_carried,
                    error: None,
                });
                converted_files.push((file.clone(), converted.text));
            }
            Err(error) => report.values_files.push(ValuesFile {
                name: file.clone(),
                moved: Vec::new(),
                not_carried,
                error: Some(error),
            }),
        }
    }
    Ok(Imported { rust, values_files: converted_files, crds, report })
}

/// A chart's CRD files: (name, text) of each YAML one, names of the others.
type CrdFiles = (Vec<(String, String)>, Vec<String>);

/// The YAML files of a chart's `crds/`, by name, and the names of its
/// other files; nothing without the directory. Helm does not template
/// them, so they are carried as they are; `Chart::crds` takes YAML only.
fn crd_files(dir: &Path) -> Result<CrdFiles, Error> {
    let (mut yaml, mut other) = (Vec::new(), Vec::new());
    if !dir.is_dir() {
        return Ok((yaml, other));
    }
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        if !path.is_file() {
            continue;
        }
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            yaml.push((name, read_text(&path)?));
        } else {
            other.push(name);
        }
    }
    yaml.sort();
    other.sort();
    Ok((yaml, other))
}

/// The chart's `values-*.yaml` and `values-*.yml`, by name.
fn values_files(chart_dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(chart_dir).map_err(io(chart_dir))? {
        let path = entry.map_err(io(chart_dir))?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if file.starts_with("values-")
            && (file.ends_with(".yaml") || file.ends_with(".yml"))
            && path.is_file()
        {
            out.push((file, path));
        }
    }
    out.sort();
    Ok(out)
}
