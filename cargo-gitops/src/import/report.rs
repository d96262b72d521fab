//! Stage 5: what the import did and what it left to a person, as Markdown.

use super::chart_keys::Difference;
use super::infer::Probes;
use super::relocate::Relocation;
use super::templates::Template;
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub chart: String,
    /// The original `image.repository`, for the next steps (empty if none).
    pub image: String,
    /// Chart.yaml's `appVersion` (empty if none): the generated chart's too.
    pub app_version: String,
    /// The CRD files of the chart's `crds/`, by name.
    pub crds: Vec<String>,
    pub env_prefix: String,
    /// Structs and enums written.
    pub structs: usize,
    pub enums: usize,
    /// Chart keys found in values.yaml, which the generated chart owns.
    pub helm_create_keys: Vec<String>,
    /// The chart's Kubernetes settings moved to the generated chart's keys
    /// (and its ports under `service` to the config's root).
    pub relocations: Vec<Relocation>,
    /// Keys left where they were because the target was taken, each as
    /// Markdown (`` `key` ``, with why or the values file).
    pub kept_in_place: Vec<String>,
    /// Their values the generated chart's defaults do not reproduce.
    pub differences: Vec<Difference>,
    /// App keys named like one of the generated chart's app-named keys
    /// (`test`, `secrets`), which stay config.
    pub chart_key_names: Vec<String>,
    /// Config keys added by the import.
    pub added: Vec<String>,
    pub probes: Probes,
    pub notes: Vec<String>,
    pub needs_serde_json: bool,
    pub values_files: Vec<ValuesFile>,
    pub templates: Vec<Template>,
    /// Symbolic links to directories under `templates/`, not followed.
    pub skipped_template_links: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ValuesFile {
    pub name: String,
    /// Top-level keys moved under `config:`.
    pub moved: Vec<String>,
    /// Keys the generated chart does not have (its schema rejects them).
    pub not_carried: Vec<String>,
    /// Why the file could not be converted.
    pub error: Option<String>,
}

fn json(v: &Value) -> String {
    if v.is_null() {
        "(absent)".into()
    } else {
        format!("`{}`", serde_json::to_string(v).unwrap_or_default())
    }
}

fn list(items: &[String]) -> String {
    items.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "# Import of chart `{}`\n", self.chart)?;
        writeln!(
            f,
            "Rust: {} struct(s), {} enum(s); env prefix `{}`.{}\n",
            self.structs,
            self.enums,
            self.env_prefix,
            if self.needs_serde_json {
                " Some values are `serde_json::Value`: the crate needs `serde_json`."
            } else {
                ""
            }
        )?;

        writeln!(f, "## Next steps\n")?;
        let image = if self.image.is_empty() { "registry.example.com/app" } else { &self.image };
        let mut init = format!("cargo gitops init --chart-name {} --image {image}", self.chart);
        if !self.app_version.is_empty() {
            init.push_str(&format!(" --app-version {}", self.app_version));
        }
        writeln!(
            f,
            "1. In the crate that will own the chart, `{init}`: it keeps this module as `src/config.rs`, adds the dependencies{} and writes a `build.rs` with the chart's name, image and appVersion, so release and resource names stay as they are.",
            if self.needs_serde_json { " (`serde_json` too, which this module needs)" } else { "" }
        )?;
        if self.crds.is_empty() {
            writeln!(f, "2. Nothing more for the chart itself: it has no `crds/`.")?;
        } else {
            writeln!(
                f,
                "2. The chart's CRDs ({}): `--crds-out crds` writes them to `crds/` beside Cargo.toml, where `cargo gitops init` finds them and has the build script carry them (`.crds(\"crds\")`) into the generated chart's `crds/`, which Helm installs before anything else.",
                list(&self.crds)
            )?;
        }
        writeln!(f, "3. Put the converted values files in the generated chart's directory (or declare them as environments), `cargo build`, and compare the new chart's render with the old one's before pointing Argo CD or Flux at it.\n")?;

        writeln!(f, "## Keys the generated chart owns\n")?;
        if self.helm_create_keys.is_empty() {
            writeln!(f, "None of the chart keys (`helm create`'s and the generated chart's).\n")?;
        } else {
            writeln!(
                f,
                "These keys stay chart keys, not config: {}.\n",
                list(&self.helm_create_keys)
            )?;
        }
        if !self.relocations.is_empty() {
            writeln!(f, "Kubernetes settings found under other names or in a section of the chart's own, moved to the generated chart's keys in values.yaml and every values file:\n")?;
            for r in &self.relocations {
                writeln!(f, "- `{}` → `{}`", r.from, r.to)?;
            }
            writeln!(f)?;
        }
        if !self.kept_in_place.is_empty() {
            writeln!(
                f,
                "Left where they were, because the generated chart's key was set already: {}.\n",
                self.kept_in_place.join(", ")
            )?;
        }
        let probes: Vec<String> = [
            ("liveness", &self.probes.liveness),
            ("readiness", &self.probes.readiness),
            ("startup", &self.probes.startup),
        ]
        .iter()
        .filter_map(|(k, p)| p.as_ref().map(|p| format!("{k} = \"{p}\"")))
        .collect();
        if !probes.is_empty() {
            writeln!(
                f,
                "The original probes' HTTP paths are on the root struct: `#[gitops({})]`.\n",
                probes.join(", ")
            )?;
        }
        let (values, not_carried): (Vec<&Difference>, Vec<&Difference>) =
            self.differences.iter().partition(|d| matches!(d, Difference::Value { .. }));
        if !values.is_empty() {
            writeln!(f, "Defaults that differ from the generated chart's (keep the original ones in your environments' values files if you need them):\n")?;
            writeln!(f, "| key | original | generated |\n|---|---|---|")?;
            for d in values {
                if let Difference::Value { path, original, generated } = d {
                    writeln!(f, "| `{path}` | {} | {} |", json(original), json(generated))?;
                }
            }
            writeln!(f)?;
        }
        if !not_carried.is_empty() {
            writeln!(f, "Not carried by the generated chart (its schema rejects them; template logic of your own would be needed):\n")?;
            for d in not_carried {
                if let Difference::NotCarried { path, original } = d {
                    writeln!(f, "- `{path}`: {}", json(original))?;
                }
            }
            writeln!(f)?;
        }
        if !self.chart_key_names.is_empty() {
            writeln!(
                f,
                "App keys named like keys of the generated chart, moved under `config:` like the rest (the generated chart's keys of these names are its own `helm test` pod and Secret delivery): {}.\n",
                list(&self.chart_key_names)
            )?;
        }

        writeln!(f, "## Decisions to review\n")?;
        if self.notes.is_empty() {
            writeln!(f, "None.\n")?;
        } else {
            for note in &self.notes {
                writeln!(f, "- {note}")?;
            }
            writeln!(f)?;
        }

        writeln!(f, "## Values files\n")?;
        if self.values_files.is_empty() {
            writeln!(f, "No `values-*.yaml` files.\n")?;
        }
        for file in &self.values_files {
            match &file.error {
                Some(error) => writeln!(f, "- `{}`: not converted: {error}", file.name)?,
                None if file.moved.is_empty() => {
                    writeln!(f, "- `{}`: unchanged (chart keys only)", file.name)?
                }
                None => {
                    writeln!(f, "- `{}`: moved under `config:`: {}", file.name, list(&file.moved))?
                }
            }
            if !file.not_carried.is_empty() {
                writeln!(
                    f,
                    "  - the generated chart rejects, so commented out at the file's end: {}",
                    list(&file.not_carried)
                )?;
            }
        }
        if !self.values_files.is_empty() {
            writeln!(f)?;
        }

        writeln!(f, "## Templates (not imported: carry their logic over by hand)\n")?;
        if self.templates.is_empty() {
            writeln!(f, "No templates.")?;
        }
        for link in &self.skipped_template_links {
            writeln!(f, "- `templates/{link}`: a symbolic link to a directory, not followed\n")?;
        }
        for t in &self.templates {
            let replaced =
                if t.generated_has { " (the generated chart writes its own)" } else { "" };
            writeln!(f, "### `templates/{}`{replaced}\n", t.file)?;
            if t.values.is_empty() {
                writeln!(f, "- reads no `.Values`")?;
            } else {
                let paths: Vec<String> = t
                    .values
                    .iter()
                    .map(|(old, new)| {
                        let old = if old.is_empty() {
                            ".Values".to_owned()
                        } else {
                            format!(".Values.{old}")
                        };
                        if new != old.trim_start_matches(".Values.") {
                            format!("`{old}` (now `.Values.{new}`)")
                        } else {
                            format!("`{old}`")
                        }
                    })
                    .collect();
                writeln!(f, "- reads: {}", paths.join(", "))?;
            }
            if t.logic.is_empty() {
                writeln!(f, "- logic: none")?;
            } else {
                let logic: Vec<String> =
                    t.logic.iter().map(|(k, n)| format!("`{k}` ×{n}")).collect();
                writeln!(f, "- logic: {}", logic.join(", "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
