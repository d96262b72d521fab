//! `cargo gitops import`, round trip: three charts (`helm create`'s own,
//! from Helm's SDK at test time, and the fixtures `billing`, with a schema,
//! and `search`, without) are imported; the modules are built, untouched,
//! as one scratch library crate (its doc tests run, so no comment becomes a
//! failing doctest) whose binary writes a chart from each; then real Helm
//! must accept each converted values file on the generated chart and render
//! the same effective values as the original chart did, with and without
//! that file. Beside it: read.rs's scalars against Helm's own reading, and
//! the command's all-or-nothing writes.

use cargo_gitops::import::{self, chart_keys, chart_keys::Difference, Imported, Options};
use gitops_tests::effective_values::{at, effective, leaves, render, values_dumper};
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
        "#[gitops(\n    env_prefix = \"BILLING_\",\n    liveness = \"/healthz\",\n    readiness = \"/readyz\",\n    startup = \"/startup\"\n)]",
        "    #[gitops(json)]\n    pub provider_tls: Option<ProviderTls>,",
        "#[serde(rename = \"self\")]\n    Self_,",
        "    /// ```text\n    /// invoiceSigner: provider\n    /// ```",
        "    /// ```text\n    /// invoiceSigner: self\n    /// ```",
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
    // `startupProbe` is a chart key, not a config section.
    assert!(!billing.rust.contains("StartupProbe"), "{}", billing.rust);
    let search = &cases[2].imported;
    for expected in [
        "pub min_score: Option<f64>,",
        "pub r#type: String,",
        "#[serde(rename = \"fuzzy-matching\")]\n    pub fuzzy_matching: bool,",
        "pub synonyms: BTreeMap<String, String>,",
        "    /// Name of the index the service queries.\n    pub index: String,",
        "pub aliases: Vec<AliasesItem>,",
        "#[gitops(env_prefix = \"SEARCH_\")]",
    ] {
        assert!(search.rust.contains(expected), "search lacks {expected:?}:\n{}", search.rust);
    }
    // Neither `queriesPerReport` nor a section's `cache.redis.port` is the app's port.
    assert_eq!(search.report.added, ["httpPort"]);
    let search_report = search.report.to_string();
    for expected in [
        "Added `httpPort` (8080, from `service.port`)",
        "`livenessProbe.httpGet.path` \"healthz\" is not an HTTP path",
    ] {
        assert!(
            search_report.contains(expected),
            "search report lacks {expected:?}:\n{search_report}"
        );
    }
    assert!(billing
        .report
        .to_string()
        .contains("The config's ports, typed `u16`: `httpPort` (`#[gitops(port = \"http\")]`)"));
    let billing_report = billing.report.to_string();
    for expected in [
        "`templates/cronjob.yaml`",
        "`.Values.paymentRun.schedule` (now `.Values.config.paymentRun.schedule`)",
        "- `values-prod.yaml`: moved under `config:`: `logLevel`, `taxRate`, `httpProxy`, `database`, `providers`, `providerTls`, `paymentRun`",
        "| `replicaCount` | `2` | `1` |",
        "`cargo gitops init --chart-name billing --image ghcr.io/acme/billing --app-version 1.4.0`",
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
    let mut lib = String::from("//! The imported modules.\n\n");
    let mut calls = String::new();
    for (i, case) in cases.iter().enumerate() {
        krate.write(&format!("src/{}.rs", case.module), &case.imported.rust);
        let defaults = import::read::values(
            &std::fs::read_to_string(case.original.join("values.yaml")).unwrap(),
        )
        .unwrap()
        .to_json();
        let image = defaults["image"]["repository"].as_str().unwrap();
        lib.push_str(&format!("pub mod {};\n", case.module));
        calls.push_str(&format!(
            "    gitops_gen::Chart::new({name:?}).image({image:?}).config::<imported_charts::{module}::Config>().write(&gitops_gen::Outputs::chart(&dirs[{i}])).expect({name:?});\n",
            name = case.imported.report.chart,
            module = case.module,
        ));
    }
    krate.write("src/lib.rs", &lib);
    krate.write(
        "src/main.rs",
        &format!(
            "fn main() {{\n    let dirs: Vec<String> = std::env::args().skip(1).collect();\n{calls}}}\n"
        ),
    );
    let mut args = vec!["run", "--quiet", "--"];
    let dirs: Vec<String> = cases.iter().map(|c| path_text(&c.generated)).collect();
    args.extend(dirs.iter().map(String::as_str));
    let built = krate.cargo(&args);
    assert_success("the imported modules' crate", &built);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(!stderr.contains("warning"), "the imported modules compile with warnings:\n{stderr}");
    // A library's doc comments are doc tests: the charts' comments must not fail as code.
    let doc_tests = krate.cargo(&["test", "--doc", "--quiet"]);
    assert_success("the imported modules' doc tests", &doc_tests);

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
            app.retain(|k, _| !chart_keys::is_chart_key(k));
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
            for key in chart_keys::chart_keys() {
                if let Some(v) = original.get(key) {
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

/// `cargo gitops import ARGS`: its exit status and what it printed.
fn import_command(args: &[String]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-gitops"))
        .args(["gitops", "import"])
        .args(args)
        .output()
        .expect("run cargo-gitops");
    (out.status.code(), gitops_tests::scratch_crate::output_text(&out))
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
    let (code, said) = import_command(&args(&out));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("refusing to overwrite") && said.contains("values-prod.yaml"), "{said}");
    assert!(!out.exists(), "nothing is written when one file exists");
    std::fs::remove_file(dir.join("values/values-prod.yaml")).unwrap();
    let (code, said) = import_command(&args(&out));
    assert_eq!(code, Some(0), "{said}");
    assert!(std::fs::read_to_string(&out).unwrap().contains("pub struct Config"));
    assert!(std::fs::read_to_string(dir.join("values/values-prod.yaml"))
        .unwrap()
        .contains("config:\n"));

    // Usage mistakes (clap's messages), exit status 1, the argument named.
    let (code, said) = import_command(&[chart.display().to_string()]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("--out <FILE>"), "{said}");
    let (code, said) = import_command(&[chart.display().to_string(), "--bogus".into()]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("unexpected argument '--bogus'"), "{said}");

    // Two targets that are one file (given as `--name=VALUE`): refused
    // before anything is written.
    let again = dir.join("again");
    let same = vec![
        chart.display().to_string(),
        format!("--out={}", again.join("values-prod.yaml").display()),
        format!("--values-out={}", again.join(".").display()),
    ];
    let (code, said) = import_command(&same);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("are the same file") && said.contains("nothing written"), "{said}");
    assert!(!again.exists(), "nothing is written, not even a directory");

    // A write that fails after another succeeded: what this run wrote is removed.
    std::fs::write(dir.join("blocker"), "a file, not a directory\n").unwrap();
    let late = dir.join("late/config.rs");
    let failing = vec![
        chart.display().to_string(),
        "--out".into(),
        late.display().to_string(),
        "--values-out".into(),
        dir.join("blocker/values").display().to_string(),
    ];
    let (code, said) = import_command(&failing);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("nothing written"), "{said}");
    assert!(
        !late.exists() && !dir.join("late").exists(),
        "the module and its directory are removed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_chart_is_named_in_one_line_and_nothing_is_written() {
    let dir = gitops_tests::scratch_dir("import-bad-chart");
    let chart = dir.join("chart");
    std::fs::create_dir_all(&chart).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: bad\nversion: 0.1.0\n")
        .unwrap();
    let out = dir.join("config.rs");
    let args = || vec![chart.display().to_string(), "--out".into(), out.display().to_string()];
    let one_line = |said: &str, expected: &str| {
        let lines: Vec<&str> = said.lines().collect();
        assert_eq!(lines.len(), 1, "{said}");
        assert!(lines[0].contains(expected), "{said}");
    };
    let (code, said) = import_command(&args());
    assert_eq!(code, Some(1));
    one_line(&said, &format!("{}: missing:", chart.join("values.yaml").display()));
    std::fs::write(chart.join("values.yaml"), "a: [1\n").unwrap();
    let (_, said) = import_command(&args());
    one_line(&said, &format!("{}: not valid YAML:", chart.join("values.yaml").display()));
    std::fs::write(chart.join("values.yaml"), "a: 1\n").unwrap();
    std::fs::write(chart.join("values-prod.yaml"), "b: {\n").unwrap();
    let (_, said) = import_command(&args());
    one_line(&said, &format!("{}: not valid YAML:", chart.join("values-prod.yaml").display()));
    assert!(!out.exists());
}

/// Tricky plain scalars, each read by read.rs and by Helm (`values_from_yaml`
/// returns values exactly as Helm reads a `-f` file): the same value, or an
/// error from both. Numbers compare as float64, which is what Helm has.
#[test]
fn scalars_are_read_as_helm_reads_them() {
    let scalars = [
        "0X1F",
        "0x1f",
        "-0x1F",
        "+0x1F",
        "0o17",
        "0O17",
        "0b101",
        "0B101",
        "-0b101",
        "017",
        "0777",
        "-017",
        "08",
        "09",
        "00",
        "0_17",
        "0x_1F",
        "0b_1",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "0777_",
        "+12",
        "+0",
        "-0",
        "1e3",
        "1E3",
        "1e+3",
        "+1e3",
        "1.0e3",
        "1.e3",
        "1.5e-3",
        "5e-1",
        ".5",
        "5.",
        "+.5",
        "-.5",
        "-.5e2",
        "0.",
        "0.0",
        "-0.0",
        "1e1_0",
        "1_000.5",
        "1e400",
        "1e-400",
        "1e21",
        "4.9e-324",
        "0x",
        "0b",
        "0o",
        "0b2",
        "0o8",
        "0xG",
        "0x1F.5",
        "0.5e",
        "1e",
        "e1",
        "+",
        ".",
        "1:30",
        "-1:30",
        "190:20:30",
        "1.2.3",
        "1,000",
        "NaN",
        "yes",
        "Yes",
        "YES",
        "yEs",
        "y",
        "Y",
        "n",
        "N",
        "on",
        "ON",
        "Off",
        "true",
        "True",
        "tRue",
        "null",
        "Null",
        "~",
        "nUll",
        "2024-01-01",
        "2024-01-01T10:00:00Z",
        "9007199254740993",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "100000000000000000000",
        "123456789012345678901234567890",
        "0x8000000000000000",
        "0xFFFFFFFFFFFFFFFF",
        "0x10000000000000000",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
    ];
    let ops = scalars
        .iter()
        .map(|s| json!({"op": "values_from_yaml", "yaml": format!("k: {s}\n")}))
        .collect();
    let answers = oracle::run(ops);
    fn same(ours: &Value, helm: &Value) -> bool {
        match (ours, helm) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            _ => ours == helm,
        }
    }
    let mut wrong = Vec::new();
    for (scalar, answer) in scalars.iter().zip(&answers) {
        let ours =
            import::read::values(&format!("k: {scalar}\n")).map(|t| t.to_json()["k"].clone());
        let helm = (answer["ok"] == json!(true)).then(|| answer["values"]["k"].clone());
        let agree = match (&ours, &helm) {
            (Ok(o), Some(h)) => same(o, h),
            (Err(_), None) => true,
            _ => false,
        };
        if !agree {
            wrong.push(format!("{scalar}: read.rs {ours:?}, Helm {answer}"));
        }
    }
    assert!(wrong.is_empty(), "read.rs and Helm disagree:\n{}", wrong.join("\n"));
}
