//! `cargo gitops import`, round trip: three charts (`helm create`'s own,
//! from Helm's SDK at test time, and the fixtures `billing`, with a schema,
//! and `search`, without) are imported; the modules are built, untouched,
//! in one scratch crate whose binary writes a chart from each; then real
//! Helm must accept each converted values file on the generated chart and
//! render the same effective values as the original chart did, with and
//! without that file.

use cargo_gitops::import::{self, chart_keys, chart_keys::Difference, Imported, Options};
use gitops_tests::oracle;
use gitops_tests::scratch_crate::{assert_success, path_text, ScratchCrate};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

struct Case {
    /// Rust module name in the scratch crate.
    module: &'static str,
    original: PathBuf,
    imported: Imported,
    generated: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A copy of `chart` whose only template prints `.Values` as JSON.
fn values_dumper(chart: &Path, into: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(into);
    copy_dir(chart, into);
    std::fs::remove_dir_all(into.join("templates")).unwrap();
    std::fs::create_dir_all(into.join("templates")).unwrap();
    std::fs::write(
        into.join("templates/values.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  values: {{ .Values | toJson | quote }}\n",
    )
    .unwrap();
    into.to_owned()
}

/// The effective values Helm renders for `chart` with `values_yaml`.
fn effective(result: &Value) -> Value {
    assert_eq!(result["ok"], json!(true), "render failed: {result}");
    let text =
        oracle::object(result, "ConfigMap")["data"]["values"].as_str().expect("values").to_owned();
    serde_json::from_str(&text).expect("JSON values")
}

fn render(chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({"op": "render", "chart": chart, "values_yaml": values_yaml, "name": "release", "namespace": "shop"})
}

/// Every leaf (a non-object, or an empty object) of `value` with its dotted path.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value.as_object() {
        Some(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(&path, v, out);
            }
        }
        _ => out.push((prefix.to_owned(), value.clone())),
    }
}

fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}

fn covered(path: &str, reported: &[Difference]) -> bool {
    reported.iter().any(|d| path == d.path() || path.starts_with(&format!("{}.", d.path())))
}

#[test]
fn imported_charts_build_and_render_the_same_values() {
    let work = std::env::temp_dir().join(format!("gitops-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let created = oracle::one(oracle::create_starter("starter", &work));
    assert_eq!(created["ok"], json!(true), "{created}");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import");

    let mut cases: Vec<Case> = [
        ("starter", work.join("starter")),
        ("billing", fixtures.join("billing")),
        ("search", fixtures.join("search")),
    ]
    .into_iter()
    .map(|(module, original)| {
        let imported = import::import(&original, &Options::default())
            .unwrap_or_else(|e| panic!("import {module}: {e}"));
        Case { module, original, imported, generated: work.join("generated").join(module) }
    })
    .collect();

    // What the import must have seen in each chart.
    let billing = &cases[1].imported;
    for expected in [
        "#[gitops(env_prefix = \"BILLING_\", liveness = \"/healthz\", readiness = \"/readyz\")]",
        "#[schemars(range(min = 1024))]\n    #[gitops(port = \"http\")]\n    pub http_port: u16,",
        "    /// Currency invoices are issued in\n    /// when the customer has none.\n    #[schemars(regex(pattern = \"^[A-Z]{3}$\"))]\n    pub default_currency: String,",
        "#[schemars(range(min = 0.0, max = 1.0))]\n    pub tax_rate: f64,",
        "pub http_proxy: Option<String>,",
        "pub invoice_labels: BTreeMap<String, String>,",
        "pub providers: Vec<Provider>,",
        "pub enum SslMode {",
        "#[serde(rename = \"verify-full\")]\n    VerifyFull,",
        "pub connect_timeout_seconds: f64,",
        "pub retry_delays: Vec<u32>,",
    ] {
        assert!(billing.rust.contains(expected), "billing lacks {expected:?}:\n{}", billing.rust);
    }
    let search = &cases[2].imported;
    for expected in [
        "pub min_score: Option<f64>,",
        "pub r#type: String,",
        "#[serde(rename = \"fuzzy-matching\")]\n    pub fuzzy_matching: bool,",
        "pub synonyms: BTreeMap<String, String>,",
        "    /// Name of the index the service queries.\n    pub index: String,",
    ] {
        assert!(search.rust.contains(expected), "search lacks {expected:?}:\n{}", search.rust);
    }
    assert_eq!(search.report.added, ["httpPort"]);
    let billing_report = billing.report.to_string();
    for expected in [
        "`templates/cronjob.yaml`",
        "`.Values.paymentRun.schedule` (now `.Values.config.paymentRun.schedule`)",
        "- `values-prod.yaml`: moved under `config:`: `logLevel`, `taxRate`, `httpProxy`, `database`, `providers`, `paymentRun`",
        "| `replicaCount` | `2` | `1` |",
    ] {
        assert!(billing_report.contains(expected), "billing report lacks {expected:?}:\n{billing_report}");
    }
    assert!(search.report.to_string().contains("`tpl` ×1"));

    // One scratch crate builds all three modules and writes their charts.
    let krate = ScratchCrate::new("imported-charts");
    let workspace = gitops_tests::workspace();
    krate.write(
        "Cargo.toml",
        &format!(
            r#"[package]
name = "imported-charts"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
gitops-types = {{ path = "{types}" }}
gitops-gen = {{ path = "{gen}" }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
serde_json = "1"

[workspace]
"#,
            types = path_text(&workspace.join("gitops-types")),
            gen = path_text(&workspace.join("gitops-gen")),
        ),
    );
    let mut main = String::new();
    let mut calls = String::new();
    for (i, case) in cases.iter().enumerate() {
        krate.write(&format!("src/{}.rs", case.module), &case.imported.rust);
        let defaults = import::read::values(
            &std::fs::read_to_string(case.original.join("values.yaml")).unwrap(),
        )
        .unwrap()
        .to_json();
        let image = defaults["image"]["repository"].as_str().unwrap();
        main.push_str(&format!("mod {};\n", case.module));
        calls.push_str(&format!(
            "    gitops_gen::Chart::new({name:?}).image({image:?}).config::<{module}::Config>().write(&dirs[{i}]).expect({name:?});\n",
            name = case.imported.report.chart,
            module = case.module,
        ));
    }
    main.push_str(&format!(
        "\nfn main() {{\n    let dirs: Vec<String> = std::env::args().skip(1).collect();\n{calls}}}\n"
    ));
    krate.write("src/main.rs", &main);
    let mut args = vec!["run", "--quiet", "--"];
    let dirs: Vec<String> = cases.iter().map(|c| path_text(&c.generated)).collect();
    args.extend(dirs.iter().map(String::as_str));
    let built = krate.cargo(&args);
    assert_success("the imported modules' crate", &built);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(!stderr.contains("warning"), "the imported modules compile with warnings:\n{stderr}");

    for case in &mut cases {
        let name = case.module;
        let mut files: Vec<(Option<String>, Option<String>)> = vec![(None, None)];
        for (file, converted) in &case.imported.values_files {
            let original = std::fs::read_to_string(case.original.join(file)).unwrap();
            files.push((Some(original), Some(converted.clone())));
        }
        if name != "starter" {
            assert_eq!(files.len(), 2, "{name} has a values-prod.yaml");
        }
        // The generated chart takes each converted file: lint and a full render.
        let mut ops = Vec::new();
        for (_, converted) in &files {
            ops.push(oracle::lint(&case.generated, converted.as_deref()));
            ops.push(oracle::render_validate(&case.generated, converted.as_deref()));
        }
        let original_dump = values_dumper(&case.original, &work.join("dump-original").join(name));
        let generated_dump =
            values_dumper(&case.generated, &work.join("dump-generated").join(name));
        for (original, converted) in &files {
            ops.push(render(&original_dump, original.as_deref()));
            ops.push(render(&generated_dump, converted.as_deref()));
        }
        let results = oracle::run(ops);
        let (checks, renders) = results.split_at(files.len() * 2);
        for (i, result) in checks.iter().enumerate() {
            assert_eq!(result["ok"], json!(true), "{name}, values file #{}: {result}", i / 2);
        }
        let reported = &case.imported.report.differences;
        for (i, pair) in renders.chunks(2).enumerate() {
            let (original, generated) = (effective(&pair[0]), effective(&pair[1]));
            // App keys: the original's top level is the generated chart's `config`.
            let mut app = original.as_object().unwrap().clone();
            app.retain(|k, _| !chart_keys::is_helm_create_key(k));
            let mut config = generated["config"].as_object().cloned().unwrap_or_default();
            for added in &case.imported.report.added {
                config.remove(added);
            }
            assert_eq!(
                Value::Object(config),
                Value::Object(app),
                "{name}, values file #{i}: config"
            );
            // helm-create keys: equal wherever the report does not say they differ.
            let mut original_leaves = Vec::new();
            for key in chart_keys::HELM_CREATE_KEYS {
                if let Some(v) = original.get(*key) {
                    leaves(key, v, &mut original_leaves);
                }
            }
            for (path, value) in &original_leaves {
                if at(&generated, path) != Some(value) {
                    assert!(covered(path, reported), "{name}, values file #{i}: `{path}` differs ({value} vs {:?}) and the report does not say so", at(&generated, path));
                }
            }
            // And for the defaults alone, every reported difference is real.
            if i == 0 {
                for d in reported {
                    if let Difference::Value { path, .. } = d {
                        assert_ne!(
                            at(&original, path),
                            at(&generated, path),
                            "{name}: `{path}` is reported but equal"
                        );
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_command_refuses_to_overwrite_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("gitops-import-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("values")).unwrap();
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/billing");
    let out = dir.join("config.rs");
    std::fs::write(dir.join("values/values-prod.yaml"), "kept: true\n").unwrap();
    let args = |out: &Path| {
        vec![
            chart.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--values-out".into(),
            dir.join("values").display().to_string(),
        ]
    };
    let error = import::run(&args(&out)).unwrap_err();
    assert!(
        error.contains("refusing to overwrite") && error.contains("values-prod.yaml"),
        "{error}"
    );
    assert!(!out.exists(), "nothing is written when one file exists");
    std::fs::remove_file(dir.join("values/values-prod.yaml")).unwrap();
    import::run(&args(&out)).unwrap();
    assert!(std::fs::read_to_string(&out).unwrap().contains("pub struct Config"));
    assert!(std::fs::read_to_string(dir.join("values/values-prod.yaml"))
        .unwrap()
        .contains("config:\n"));
    assert!(import::run(&[chart.display().to_string()]).unwrap_err().contains("--out"));
    let _ = std::fs::remove_dir_all(&dir);
}
