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
//!   [`run`] writes each file only where none exists, and removes what it
//!   wrote when a later write fails.

pub mod chart_keys;
pub mod convert;
pub mod emit;
pub mod infer;
pub mod names;
pub mod read;
pub mod report;
pub mod templates;

use read::{Entry, Node};
use report::{Report, ValuesFile};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// Choices the chart cannot tell.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The root struct's env prefix; by default the chart name in upper snake case and `_`.
    pub env_prefix: Option<String>,
}

/// The import's results; nothing is written yet.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The Rust module (printed by prettyplease).
    pub rust: String,
    /// Each `values-*.yaml`/`values-*.yml` (file name, converted text).
    pub values_files: Vec<(String, String)>,
    pub report: Report,
}

/// Why a chart could not be imported.
#[derive(Debug)]
pub struct ImportError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ImportError {}

fn fail(path: &Path, message: impl Into<String>) -> ImportError {
    ImportError { path: path.to_owned(), message: message.into() }
}

fn read_text(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|e| fail(path, e.to_string()))
}

/// Imports the chart in `chart_dir`.
pub fn import(chart_dir: &Path, options: &Options) -> Result<Imported, ImportError> {
    let chart_yaml = chart_dir.join("Chart.yaml");
    let chart = read::values(&read_text(&chart_yaml)?).map_err(|e| fail(&chart_yaml, e))?.to_json();
    let name = chart["name"].as_str().ok_or_else(|| fail(&chart_yaml, "no `name`"))?.to_owned();
    let description = chart["description"].as_str().unwrap_or("").trim().to_owned();

    let values_path = chart_dir.join("values.yaml");
    let values = read::values(&read_text(&values_path)?).map_err(|e| fail(&values_path, e))?;
    let schema_path = chart_dir.join("values.schema.json");
    let schema = match schema_path.exists() {
        true => Some(
            read::Schema::parse(&read_text(&schema_path)?).map_err(|e| fail(&schema_path, e))?,
        ),
        false => None,
    };

    let mut environments = Vec::new();
    for (file, path) in values_files(chart_dir)? {
        let text = read_text(&path)?;
        let tree = read::values(&text).map_err(|e| fail(&path, e))?;
        environments.push((file, path, text, tree));
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
            .map(|(file, _, _, tree)| (file.clone(), app_of(tree)))
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
    let has_port = model.structs.iter().flat_map(|s| &s.fields).any(|f| f.port);
    let generated = chart_keys::generated_defaults(repository, has_port, &model.probes);
    let mut notes = model.notes.clone();
    notes.extend(chart_keys::repository_problem(repository));
    let scanned =
        templates::scan_dir(&chart_dir.join("templates")).map_err(|e| fail(chart_dir, e))?;

    let mut report = Report {
        image: repository.to_owned(),
        chart: name,
        env_prefix,
        structs: model.structs.len(),
        enums: model.enums.len(),
        helm_create_keys: chart_entries.iter().map(|e| e.key.clone()).collect(),
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
    for (file, _, text, tree) in &environments {
        let not_carried = chart_keys::not_carried(&tree.to_json(), &generated);
        match convert::convert(text) {
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
    Ok(Imported { rust, values_files: converted_files, report })
}

/// The chart's `values-*.yaml` and `values-*.yml`, by name.
fn values_files(chart_dir: &Path) -> Result<Vec<(String, PathBuf)>, ImportError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(chart_dir).map_err(|e| fail(chart_dir, e.to_string()))? {
        let path = entry.map_err(|e| fail(chart_dir, e.to_string()))?.path();
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

pub const USAGE: &str =
    "cargo gitops import CHART_DIR --out FILE [--values-out DIR] [--env-prefix PREFIX]";

/// `cargo gitops import CHART_DIR --out FILE [--values-out DIR] [--env-prefix PREFIX]`:
/// writes the module (and the converted values files), refusing to
/// overwrite anything, and prints the report.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut chart = None;
    let mut out = None;
    let mut values_out = None;
    let mut options = Options::default();
    let mut parsed = crate::args::Args::new("import", args);
    while let Some((arg, inline)) = parsed.next_option() {
        match arg {
            "--out" => out = Some(PathBuf::from(parsed.value(arg, inline)?)),
            "--values-out" => values_out = Some(PathBuf::from(parsed.value(arg, inline)?)),
            "--env-prefix" => options.env_prefix = Some(parsed.value(arg, inline)?.to_owned()),
            flag if flag.starts_with('-') => return Err(parsed.unknown(flag, USAGE)),
            dir if chart.is_none() => chart = Some(PathBuf::from(dir)),
            extra => return Err(format!("import: unexpected argument `{extra}`\nusage: {USAGE}")),
        }
    }
    let chart = chart.ok_or(format!("import: which chart? give its directory\nusage: {USAGE}"))?;
    let out = out.ok_or(format!("import: `--out FILE` is required\nusage: {USAGE}"))?;
    let imported = import(&chart, &options).map_err(|e| e.to_string())?;

    let mut writes = vec![(out, imported.rust.clone())];
    if let Some(dir) = &values_out {
        writes.extend(
            imported.values_files.iter().map(|(name, text)| (dir.join(name), text.clone())),
        );
    }
    write_all(&writes)?;
    print!("{}", imported.report);
    for (path, _) in &writes {
        println!("wrote {}", path.display());
    }
    if values_out.is_none() && !imported.values_files.is_empty() {
        println!("(pass --values-out DIR to write the converted values files)");
    }
    Ok(())
}

/// Writes one new file, creating its missing directories (added to `created_dirs`, outermost first).
fn write_one(path: &Path, text: &str, created_dirs: &mut Vec<PathBuf>) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && a.symlink_metadata().is_err())
            .map(Path::to_owned)
            .collect();
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        created_dirs.extend(missing.into_iter().rev());
    }
    crate::files::create_new(path, text)
}

/// `path` made absolute and `.`/`..` resolved by its text, so that two
/// spellings of one target compare equal.
fn normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes every file or none: two targets that are one path and an
/// existing target are refused before anything is written; each file is
/// created only where none exists ([`crate::files::create_new`], so a file
/// that appears meanwhile is never replaced); when a write fails, the files
/// and directories this call created are removed again.
fn write_all(writes: &[(PathBuf, String)]) -> Result<(), String> {
    let mut seen = std::collections::HashMap::new();
    for (path, _) in writes {
        if let Some(first) = seen.insert(normalized(path), path) {
            return Err(format!(
                "{} and {} are the same file; choose another `--out` or `--values-out`; nothing written",
                first.display(),
                path.display()
            ));
        }
    }
    let existing: Vec<String> = writes
        .iter()
        .filter(|(p, _)| p.symlink_metadata().is_ok())
        .map(|(p, _)| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(format!("refusing to overwrite {}; nothing written", existing.join(", ")));
    }
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut created_files: Vec<&Path> = Vec::new();
    for (path, text) in writes {
        if let Err(error) = write_one(path, text, &mut created_dirs) {
            for file in created_files.iter().rev() {
                let _ = std::fs::remove_file(file);
            }
            for dir in created_dirs.iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(format!("{error}; nothing written"));
        }
        created_files.push(path);
    }
    Ok(())
}
