//! The render layer: pure functions from a `ConfigTree` to file contents,
//! no I/O, same input, same bytes. This file assembles the chart directory;
//! one file each for the values table ([`values`]), values.yaml
//! ([`values_yaml`]), the schema ([`schema`]), `contract.json`
//! ([`contract`]), the chart's README ([`readme`]), `.env.example`
//! ([`env_example`]), the templates ([`templates`]) and Chart.yaml's
//! version ([`version`]).

pub mod contract;
pub mod env_example;
pub mod readme;
pub mod schema;
pub mod templates;
pub mod values;
pub mod values_yaml;
pub mod version;

use crate::foundation::layout::{self, Files, MANIFEST};
use crate::foundation::template::Document;
use crate::foundation::yaml;
use gitops_model::tree::ConfigTree;
use templates::Names;

/// The settings from [`crate::Chart`].
pub struct ChartInfo<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub app_version: &'a str,
    pub image: &'a str,
    pub description: Option<&'a str>,
    /// [`crate::Chart::migration`]: `templates/migration.yaml` only with one.
    pub migration: Option<&'a templates::Migration>,
    /// [`crate::Chart::canary`]: `templates/rollout.yaml` only with one.
    pub canary: Option<&'a templates::Canary>,
    /// [`crate::Chart::rbac`]: `templates/rbac.yaml` only with one.
    pub rbac: Option<&'a templates::Rbac>,
    /// Flux deploys it: Chart.yaml's version carries the chart's digest
    /// ([`version`]).
    pub versioned_by_content: bool,
}

impl ChartInfo<'_> {
    /// What the values table has beside the config's and the standard keys.
    pub fn extras(&self) -> values::Extras<'_> {
        values::Extras { canary: self.canary, rbac: self.rbac }
    }
}

pub fn chart(info: &ChartInfo, mut tree: ConfigTree) -> Files {
    // The config schema moves into values.schema.json rather than being copied.
    let config_schema = std::mem::take(&mut tree.schema);
    let definitions = tree.definitions.take();
    let tree = &tree;
    let names = Names { chart: info.name };
    let header = layout::header(&tree.rust_name);

    let mut files = Files::new();
    let description = description(info, tree);
    let values = values::table(tree, info.image, info.extras());
    files.insert(layout::CHART_README.into(), readme::readme(info, tree, &values, &description));
    files.insert(layout::VALUES_YAML.into(), values_yaml::values_yaml(&values, tree, &header));
    files.insert(layout::CONTRACT.into(), contract::contract_json(tree));
    let schema =
        schema::values_schema(&tree.rust_name, &values, config_schema, definitions.as_ref());
    files.insert(layout::VALUES_SCHEMA.into(), schema::to_text(schema));
    // Pins are each environment's, the clusters' values each fleet
    // cluster's, read from Git beside the chart: a packaged chart does not
    // carry them.
    files.insert(
        layout::HELMIGNORE.into(),
        format!(
            "{header}{MANIFEST}\n{}/\n{}/\n.git/\n*.swp\n*.tmp\n*~\n",
            layout::PINS_DIR,
            layout::CLUSTERS_DIR
        ),
    );
    // A Go-template comment: helpers and NOTES are not YAML.
    let tpl_header = layout::template_header(&tree.rust_name);
    let yaml = |template: Document| template.emit(&header);
    // Which templates a config gets: a Service and its routes only with a
    // port, a ConfigMap only with values, monitors only with a metrics port,
    // an ExternalSecret only with secrets.
    let mut chart_templates = vec![
        ("_helpers.tpl", templates::helpers(&names, tree, &tpl_header)),
        ("NOTES.txt", templates::notes(&names, tree, &tpl_header)),
        ("deployment.yaml", yaml(templates::deployment(&names, tree, info.canary.is_some()))),
        ("serviceaccount.yaml", yaml(templates::service_account(&names))),
        ("networkpolicy.yaml", yaml(templates::network_policy(&names, tree))),
        ("pdb.yaml", yaml(templates::pod_disruption_budget(&names))),
        ("hpa.yaml", yaml(templates::autoscaler(&names, info.canary.is_some()))),
    ];
    if tree.has_values() {
        chart_templates.push((templates::CONFIGMAP_FILE, yaml(templates::configmap(&names, tree))));
    }
    if !tree.ports().is_empty() {
        chart_templates.extend([
            ("service.yaml", yaml(templates::service(&names, tree))),
            ("ingress.yaml", yaml(templates::ingress(&names))),
            ("httproute.yaml", yaml(templates::http_route(&names, info.canary.is_some()))),
            ("tests/test-connection.yaml", yaml(templates::test_connection(&names, tree))),
        ]);
    }
    if !tree.metrics_ports().is_empty() {
        chart_templates.extend([
            ("servicemonitor.yaml", yaml(templates::service_monitor(&names, tree))),
            ("podmonitor.yaml", yaml(templates::pod_monitor(&names, tree))),
        ]);
    }
    if !tree.secrets().is_empty() {
        chart_templates
            .push(("externalsecret.yaml", yaml(templates::external_secret(&names, tree))));
        chart_templates.push(("sealedsecret.yaml", yaml(templates::sealed_secret(&names))));
    }
    if let Some(canary) = info.canary {
        chart_templates
            .push((templates::ROLLOUT_FILE, templates::rollout(&names, tree, canary, &header)));
    }
    if let Some(rbac) = info.rbac {
        chart_templates.push((templates::RBAC_FILE, templates::rbac(&names, rbac, &header)));
    }
    if let Some(migration) = info.migration {
        let text = templates::migration(&names, tree, migration, &header);
        chart_templates.push((templates::MIGRATION_FILE, text));
    }
    for (file, text) in chart_templates {
        files.insert(layout::template(file), text);
    }
    let version = match info.versioned_by_content {
        true => version::with_digest(info.version, info.name, info.app_version, &files),
        false => info.version.to_owned(),
    };
    files.insert(layout::CHART_YAML.into(), chart_yaml(info, &version, &description, &header));
    layout::list_files(&mut files, &header);
    files
}

/// `.description(...)`, else the struct doc's first paragraph.
fn description(info: &ChartInfo, tree: &ConfigTree) -> String {
    let first_paragraph = tree.doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
    match info.description {
        Some(d) => d.to_owned(),
        None if !first_paragraph.is_empty() => first_paragraph,
        None => format!("{}, configured by its `{}` struct", info.name, tree.rust_name),
    }
}

fn chart_yaml(info: &ChartInfo, version: &str, description: &str, header: &str) -> String {
    let mut out = header.to_owned();
    for (key, value) in [
        ("apiVersion", "v2"),
        ("name", info.name),
        ("description", description),
        ("type", "application"),
        ("version", version),
        ("appVersion", info.app_version),
    ] {
        out.push_str(&format!("{key}: {}\n", yaml::string(value)));
    }
    out
}
