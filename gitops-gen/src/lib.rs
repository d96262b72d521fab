//! Writes a Helm chart from a `#[derive(GitOps)]` config struct.
//!
//! ```no_run
//! # #[derive(Default, serde::Serialize, schemars::JsonSchema, gitops_types::GitOps)]
//! # #[gitops(env_prefix = "ORDERS_")]
//! # struct Config { port: u16 }
//! gitops_gen::Chart::new("orders")
//!     .image("ghcr.io/acme/orders")
//!     .config::<Config>()
//!     .write("chart")?;
//! # Ok::<(), gitops_gen::Error>(())
//! ```
//!
//! The stages, one file each: [`build`] walks the struct's description, schema
//! and default into a tree and reports what Helm cannot carry; `emit` turns the
//! tree into file contents (`values` is the table of the chart's own values
//! keys, [`template`] the tree the templates are built as and
//! [`template::go_quote`], `templates` one file per chart template, `schema`
//! and `readme` the schema and README, `yaml` YAML 1.1-safe scalars);
//! `environment` writes each [`Environment`]'s values file and checks it and
//! the user's own values files against the schema; `controllers` writes the
//! Argo CD and Flux manifests; `write` puts them on disk or compares;
//! `env_example` writes `.env.example`; [`build_script`](mod@build_script) is
//! the one call a build.rs makes, which `cargo gitops` drives. Around
//! releases: [`compat`](Chart::compare) compares the chart with a
//! [`Baseline`], [`pin`] edits the environments' image pins, [`build_info`]
//! gives an app its commit.

/// The config tree the chart is written from (it lives in gitops-model,
/// which the loader shares).
pub use gitops_model::tree as build;
pub mod build_script;
mod compat;
mod controllers;
mod emit;
mod env_example;
mod environment;
mod error;
mod kube;
pub mod pin;
mod readme;
pub mod requires;
mod schema;
pub mod template;
mod templates;
mod values;
mod write;
mod yaml;

pub use compat::{Baseline, Bump, Change, Impact, Report};
pub use controllers::{ArgoCd, DriftDetection, Flux, GitRef, GitRepository};
pub use emit::Files;
pub use environment::{Cluster, Environment};
pub use error::Error;
pub use write::WriteReport;

/// For an app's `build.rs`: its commit, dirty flag and source date.
pub mod build_info;

use gitops_model::ConfigStruct;
use gitops_types::GitOps;
use serde_json::Value;
use std::path::Path;

/// A chart to generate. Build it, then [`write`](Chart::write) or
/// [`check`](Chart::check).
#[derive(Debug, Clone)]
pub struct Chart {
    name: String,
    image: Option<String>,
    version: String,
    app_version: Option<String>,
    description: Option<String>,
    config: Option<ConfigSource>,
    environments: Vec<Environment>,
    repository: Option<GitRepository>,
    argo_cd: Option<ArgoCd>,
    flux: Option<Flux>,
    baseline: Option<Baseline>,
}

#[derive(Debug, Clone)]
struct ConfigSource {
    type_name: &'static str,
    describe: ConfigStruct,
    schema: Value,
    default: Result<Value, String>,
}

impl Chart {
    /// A chart named `name`: lower case letters, digits and `-`, starting
    /// with a letter, at most 53 characters (it prefixes resource names).
    pub fn new(name: impl Into<String>) -> Self {
        Chart {
            name: name.into(),
            image: None,
            version: "0.1.0".into(),
            app_version: None,
            description: None,
            config: None,
            environments: Vec::new(),
            repository: None,
            argo_cd: None,
            flux: None,
            baseline: None,
        }
    }

    /// The container image repository, without a tag.
    pub fn image(mut self, repository: impl Into<String>) -> Self {
        self.image = Some(repository.into());
        self
    }

    /// The chart's SemVer 2.0 version (default `0.1.0`); also the appVersion
    /// unless [`app_version`](Chart::app_version) is set.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The app's version, the default image tag.
    pub fn app_version(mut self, version: impl Into<String>) -> Self {
        self.app_version = Some(version.into());
        self
    }

    /// Chart.yaml's description; defaults to the struct's doc comment.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The config struct the chart delivers; its `Default` gives values.yaml.
    /// It derives `GitOps`, `schemars::JsonSchema` and `serde::Serialize`
    /// and implements `Default` (the bounds are [`requires`]' traits, whose
    /// errors say what each is for).
    pub fn config<T>(mut self) -> Self
    where
        T: GitOps + requires::ConfigSchema + requires::ConfigSerialize + requires::ConfigDefault,
    {
        self.config = Some(ConfigSource {
            type_name: std::any::type_name::<T>(),
            describe: T::describe(),
            schema: gitops_model::schema::of::<T>(),
            default: serde_json::to_value(T::default()).map_err(|e| e.to_string()),
        });
        self
    }

    /// An environment the chart is deployed to: its values file
    /// (`values-<name>.yaml`, only what differs from values.yaml) is written
    /// with the chart, and the controllers' manifests name it.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environments.push(environment);
        self
    }

    /// Where the chart lives in Git, for the GitOps controllers' manifests.
    pub fn git_repository(mut self, repository: GitRepository) -> Self {
        self.repository = Some(repository);
        self
    }

    /// Writes Argo CD's manifests with [`write_controllers`](Chart::write_controllers).
    pub fn argo_cd(mut self, argo_cd: ArgoCd) -> Self {
        self.argo_cd = Some(argo_cd);
        self
    }

    /// Writes Flux's manifests with [`write_controllers`](Chart::write_controllers).
    pub fn flux(mut self, flux: Flux) -> Self {
        self.flux = Some(flux);
        self
    }

    /// The previous release of the chart: [`check`](Chart::check) then also
    /// fails when the chart's version is too low for what changed since
    /// (see [`compare`](Chart::compare)).
    pub fn baseline(mut self, baseline: Baseline) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// Every change from `baseline` to this chart (values schema, defaults,
    /// env vars, Secret keys, ports), classified, and the version it needs.
    /// Every environment's values file is checked against the new schema on
    /// the way, as in [`files`](Chart::files); your own values files and pins
    /// are checked by [`check`](Chart::check) on the chart's directory.
    pub fn compare(&self, baseline: &Baseline) -> Result<Report, Error> {
        let new = compat::from_memory(&self.files()?)?;
        let old = compat::Version::read(baseline)?;
        Ok(compat::report(baseline.describe(), &old, &new))
    }

    /// The chart's files in memory, keyed by path inside the chart directory.
    pub fn files(&self) -> Result<Files, Error> {
        self.generate(&[])
    }

    /// The chart's files, after checking the environments and the
    /// hand-written values files `(name, text)` against its schema.
    fn generate(&self, hand_written: &[(String, String)]) -> Result<Files, Error> {
        let (source, default, tree) = self.tree()?;
        let rust_name = source.describe.rust_name;
        let info = emit::ChartInfo {
            name: &self.name,
            version: &self.version,
            app_version: self.app_version.as_deref().unwrap_or(&self.version),
            image: self.image.as_deref().unwrap_or_default(),
            description: self.description.as_deref(),
        };
        let mut files = emit::chart(&info, tree.clone());
        if self.environments.is_empty() && hand_written.is_empty() {
            return Ok(files);
        }
        // Checked against the schema exactly as written for Helm.
        let schema: Value = serde_json::from_str(&files["values.schema.json"])
            .map_err(|e| Error::InvalidChart(format!("values.schema.json: {e}")))?;
        let values = values::table(&tree, info.image);
        let chart = environment::ChartValues {
            chart: &self.name,
            config_type: source.type_name,
            tree: &tree,
            values: &values,
            schema: &schema,
            default: &default,
        };
        let header = emit::header(rust_name);
        let environments = environment::generate(
            &self.environments,
            hand_written,
            &chart,
            &header,
            self.flux.is_some(),
        )
        .map_err(|problems| Error::Deployment { problems })?;
        files.extend(environments);
        emit::list_files(&mut files, &header);
        Ok(files)
    }

    /// The checked settings, the config's source, its default and its tree.
    fn tree(&self) -> Result<(&ConfigSource, Value, build::ConfigTree), Error> {
        self.validate()?;
        let source = self.config.as_ref().ok_or_else(|| {
            Error::InvalidChart("no config struct: call `.config::<YourConfig>()`".into())
        })?;
        let rust_name = source.describe.rust_name;
        let default = source.default.clone().map_err(|e| Error::Config {
            rust_name: rust_name.into(),
            problems: vec![format!("`{rust_name}::default()` does not serialize to JSON: {e}")],
        })?;
        let tree = build::config_tree(&source.describe, &source.schema, &default)
            .map_err(|problems| Error::Config { rust_name: rust_name.into(), problems })?;
        Ok((source, default, tree))
    }

    /// The text of `.env.example`: every environment variable the app
    /// reads, with its default, its doc and whether it is a secret (see
    /// docs/getting-started.md, "Run it locally").
    pub fn env_example(&self) -> Result<String, Error> {
        let (_, _, tree) = self.tree()?;
        Ok(env_example::env_example(&tree))
    }

    /// Writes [`env_example`](Chart::env_example) to `path` (e.g.
    /// `.env.example`) when its bytes change; `Ok(true)` when written. A file
    /// there without the generated-code marker on its first line is yours:
    /// it is refused, never overwritten. Where there is no file, it is
    /// created only if none has appeared meanwhile (`create_new`), so a file
    /// of yours made at the same moment is never replaced either; a file of
    /// gitops-gen's is replaced atomically (a temporary file and a rename).
    pub fn write_env_example(&self, path: impl AsRef<Path>) -> Result<bool, Error> {
        let path = path.as_ref();
        let text = self.env_example()?;
        let not_ours = || {
            Error::io(
                path,
                std::io::Error::other(
                    "exists and gitops-gen did not write it (no `Code generated by gitops-gen` first line): \
                     it is yours and is left alone; move it away or write to another file",
                ),
            )
        };
        match std::fs::read(path) {
            Ok(old) if old == text.as_bytes() => Ok(false),
            Ok(old) if !write::has_marker(&String::from_utf8_lossy(&old)) => Err(not_ours()),
            // Ours: replaced whole.
            Ok(_) => write::write_atomic(path, text.as_bytes()).map(|()| true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if write::create_new(path, text.as_bytes())? {
                    return Ok(true);
                }
                // A file appeared since the read: left as it is.
                match std::fs::read(path) {
                    Ok(now) if now == text.as_bytes() => Ok(false),
                    _ => Err(Error::io(
                        path,
                        std::io::Error::other(
                            "appeared while gitops-gen was writing it and is left alone; run again to check it",
                        ),
                    )),
                }
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// What a build script calls: writes the chart into `chart_dir` (relative
    /// to the crate's directory, `CARGO_MANIFEST_DIR`, unless absolute), or
    /// does what `cargo gitops check` or `cargo gitops env` asked for through
    /// environment variables (see [`build_script`](mod@build_script)). Prints
    /// the `cargo:rerun-if-…` lines for its variables and for `chart_dir`;
    /// list your own inputs (`src/config.rs`) yourself. On an error it prints
    /// `error: …` and exits with status 1, failing the build.
    pub fn build_script(&self, chart_dir: impl AsRef<Path>) {
        build_script::run(self, chart_dir.as_ref(), None);
    }

    /// [`build_script`](Chart::build_script), and the controllers' manifests
    /// in `controllers_dir` too ([`write_controllers`](Chart::write_controllers),
    /// [`check_controllers`](Chart::check_controllers)).
    pub fn build_script_with_controllers(
        &self,
        chart_dir: impl AsRef<Path>,
        controllers_dir: impl AsRef<Path>,
    ) {
        build_script::run(self, chart_dir.as_ref(), Some(controllers_dir.as_ref()));
    }

    /// Checks your own values files (e.g. `values-qa.yaml`, which gitops-gen
    /// did not write) against the chart's schema, each read after values.yaml
    /// as Helm reads it: every problem, naming the file, the key and, for a
    /// YAML syntax error, the line. [`write`](Chart::write) and
    /// [`check`](Chart::check) do this for the `values-*.yaml` files in the
    /// chart's directory.
    pub fn check_values_files<P: AsRef<Path>>(
        &self,
        paths: impl IntoIterator<Item = P>,
    ) -> Result<(), Error> {
        let mut hand_written = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            hand_written.push((path.display().to_string(), text));
        }
        self.generate(&hand_written).map(drop)
    }

    /// The GitOps controllers' manifests in memory, keyed by path inside
    /// their directory: `argocd/` and `flux/`, per environment.
    pub fn controller_files(&self) -> Result<Files, Error> {
        // The chart and every environment's values must generate first.
        self.files()?;
        let problems = controllers::problems(
            self.repository.as_ref(),
            self.argo_cd.as_ref(),
            self.flux.as_ref(),
            &self.environments,
        );
        let Some(repository) = self.repository.as_ref().filter(|_| problems.is_empty()) else {
            return Err(Error::Deployment { problems });
        };
        let rust_name = self.config.as_ref().map_or("", |c| c.describe.rust_name);
        let header = emit::header(rust_name);
        let deployment = controllers::Manifests {
            chart: &self.name,
            repository,
            environments: &self.environments,
            header: &header,
        };
        let mut files = Files::new();
        if let Some(argo) = &self.argo_cd {
            files.extend(controllers::argo_cd(argo, &deployment));
        }
        if let Some(flux) = &self.flux {
            files.extend(controllers::flux(flux, &deployment));
        }
        emit::list_files(&mut files, &header);
        Ok(files)
    }

    /// Writes the controllers' manifests into `dir` (not the chart's
    /// directory), with the same guarantees as [`write`](Chart::write).
    pub fn write_controllers(&self, dir: impl AsRef<Path>) -> Result<WriteReport, Error> {
        let dir = dir.as_ref();
        // Each write removes what the other listed: they must not share a directory.
        if dir.join("Chart.yaml").exists() {
            return Err(Error::InvalidChart(format!(
                "{} holds a chart: write the controllers' manifests to a directory of their own",
                dir.display()
            )));
        }
        write::write(dir, &self.controller_files()?)
    }

    /// `Ok` when `dir` holds exactly the controllers' manifests.
    pub fn check_controllers(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        write::check(dir.as_ref(), &self.controller_files()?)
    }

    /// Writes the chart into `dir`, creating it if needed. Only files whose
    /// bytes change are written; files gitops-gen did not write are never
    /// touched, and their presence where a chart file goes is an error.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<WriteReport, Error> {
        if ["argocd", "flux"].iter().any(|d| dir.as_ref().join(d).is_dir()) {
            return Err(Error::InvalidChart(format!(
                "{} holds GitOps controllers' manifests: write the chart to a directory of its own",
                dir.as_ref().display()
            )));
        }
        let hand_written = write::hand_written_values(dir.as_ref())?;
        let report = write::write(dir.as_ref(), &self.generate(&hand_written)?)?;
        // Each environment's pin file is the user's, listed in its value
        // files: created once, comments only, never rewritten.
        for env in &self.environments {
            let path = dir.as_ref().join(pin::file_name(&env.name));
            if !path.exists() {
                let pins = dir.as_ref().join(pin::DIR);
                std::fs::create_dir_all(&pins).map_err(|e| Error::io(&pins, e))?;
                write::write_atomic(&path, pin::new_file(&env.name).as_bytes())?;
            }
        }
        Ok(report)
    }

    /// `Ok` when `dir` holds exactly this chart; [`Error::Stale`] with a diff
    /// otherwise. For drift tests and CI.
    pub fn check(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let hand_written = write::hand_written_values(dir.as_ref())?;
        let files = self.generate(&hand_written)?;
        write::check(dir.as_ref(), &files)?;
        let missing: Vec<String> = self
            .environments
            .iter()
            .map(|env| pin::file_name(&env.name))
            .filter(|file| !dir.as_ref().join(file).exists())
            .map(|file| format!("{file} is missing: the controllers read it; `write` creates it"))
            .collect();
        if !missing.is_empty() {
            return Err(Error::Deployment { problems: missing });
        }
        if let Some(baseline) = &self.baseline {
            let report = compat::report(
                baseline.describe(),
                &compat::Version::read(baseline)?,
                &compat::from_memory(&files)?,
            );
            if !report.ok {
                return Err(Error::Incompatible(Box::new(report)));
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), Error> {
        let name_ok = self.name.len() <= 53
            && self.name.starts_with(|c: char| c.is_ascii_lowercase())
            && !self.name.ends_with('-')
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(Error::InvalidChart(format!(
                "chart name {:?}: use lower case letters, digits and `-`, starting with a letter, at most 53 characters",
                self.name
            )));
        }
        match &self.image {
            None => {
                return Err(Error::InvalidChart(
                    "no image: call `.image(\"registry/repository\")`".into(),
                ))
            }
            Some(image)
                if image.is_empty()
                    || image.contains(char::is_whitespace)
                    || image.contains("{{") =>
            {
                return Err(Error::InvalidChart(format!(
                    "image repository {image:?} is not a valid image reference"
                )));
            }
            Some(_) => {}
        }
        check_version(&self.version).map_err(Error::InvalidChart)
    }
}

/// The chart version must be SemVer 2.0: `MAJOR.MINOR.PATCH` with optional
/// `-pre` and `+build`.
fn check_version(version: &str) -> Result<(), String> {
    match semver::Version::parse(version) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "chart version {version:?} is not a SemVer 2.0 version (MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.2.3-rc.1): {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver() {
        for ok in ["0.1.0", "1.2.3-rc.1+build.5", "1.2.3+build", "10.20.30-alpha-1"] {
            assert_eq!(check_version(ok), Ok(()), "{ok}");
        }
        for bad in ["1.2.3-", "1.2.3+", "1.2", "01.2.3", "v1.2.3", "1.2.3-01", " 1.2.3", ""] {
            let err = check_version(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")) && err.contains("SemVer 2.0"), "{err}");
        }
    }
}
