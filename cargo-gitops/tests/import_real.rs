//! Real public charts (`tests/import-real/`, see its README) through the
//! whole path a team takes: `cargo gitops import` (module, converted values
//! files, CRDs), the `cargo gitops init` command its report prints, a
//! `cargo build` of the crate, then real Helm: `lint --strict` and a render
//! validated strictly against Kubernetes' schemas, for the defaults and for
//! every converted values file (the charts' own CI values where they ship
//! any). Then, for each values file, every key it sets that the report says
//! is carried has the same effective value in the generated chart (at its
//! new path) as in the original; every key the report says is not carried
//! is commented out in the converted file, never set.

use cargo_gitops::import::{self, chart_keys, Options};
use gitops_tests::effective_values::{at, effective, leaves, render, values_dumper};
use gitops_tests::oracle;
use gitops_tests::scratch_crate::{assert_success, output_text, ScratchCrate};
use serde_json::json;
use std::path::{Path, PathBuf};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

struct RealChart {
    name: &'static str,
    /// Values files converted beside the chart's own `values-*.yaml`.
    values: &'static [&'static str],
}

const CHARTS: &[RealChart] = &[
    RealChart { name: "external-dns", values: &["external-dns/ci/ci-values.yaml"] },
    RealChart { name: "reloader", values: &["reloader-ours-values.yaml"] },
    RealChart { name: "nginx", values: &["nginx-ours-values.yaml"] },
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import-real")
}

/// `value` with every `null` map entry removed, as Helm reads values.yaml.
fn without_nulls(value: &mut serde_json::Value) {
    if let Some(map) = value.as_object_mut() {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(without_nulls);
    }
}

/// `path` with the first relocation that covers it applied.
fn moved(path: &str, relocations: &[import::relocate::Relocation]) -> String {
    relocations.iter().find_map(|r| r.moved(path)).unwrap_or_else(|| path.to_owned())
}

#[test]
fn real_charts_import_build_and_render_strictly_valid() {
    let workspace = gitops_tests::workspace();
    let work = gitops_tests::scratch_dir("import-real");
    for chart in CHARTS {
        let original = fixtures().join(chart.name);
        let extra: Vec<PathBuf> = chart.values.iter().map(|v| fixtures().join(v)).collect();
        let krate = ScratchCrate::new(&format!("real-{}", chart.name));
        krate.write(
            "Cargo.toml",
            &format!("[package]\nname = \"{}-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n", chart.name),
        );
        krate.write("src/main.rs", "#![allow(dead_code)]\nmod config;\n\nfn main() {\n    let _config: Result<config::Config, _> = gitops_types::load();\n}\n");

        // import, as a user runs it in the crate.
        let mut args: Vec<String> = ["gitops", "import"].map(String::from).to_vec();
        args.push(original.display().to_string());
        args.extend(
            ["--out", "src/config.rs", "--values-out", "values", "--crds-out", "crds"]
                .map(String::from),
        );
        for file in &extra {
            args.extend(["--values".to_owned(), file.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = krate.run(BIN, &args);
        assert_success(&format!("import {}", chart.name), &out);
        let report = output_text(&out);

        // The init command the report prints, pointed at this checkout.
        let init = report
            .lines()
            .find_map(|l| l.split('`').find(|part| part.starts_with("cargo gitops init ")))
            .unwrap_or_else(|| panic!("{}: no init command in the report:\n{report}", chart.name));
        let mut init_args: Vec<&str> = init.split_whitespace().skip(1).collect();
        let checkout = workspace.to_str().expect("UTF-8 path");
        init_args.extend(["--path", checkout]);
        let out = krate.run(BIN, &init_args);
        assert_success(&format!("{init} ({})", chart.name), &out);

        // The crate's first build writes the chart.
        assert_success(
            &format!("cargo build ({})", chart.name),
            &krate.cargo(&["build", "--quiet"]),
        );
        let chart_yaml = |text: &str| import::read::values(text).unwrap().to_json();
        let original_chart =
            chart_yaml(&std::fs::read_to_string(original.join("Chart.yaml")).unwrap());
        let generated_chart = chart_yaml(&krate.read("chart/Chart.yaml"));
        for key in ["name", "appVersion"] {
            assert_eq!(
                generated_chart[key], original_chart[key],
                "{}: the chart's {key}",
                chart.name
            );
        }
        // CRDs ride along as they are, after the generated header.
        for entry in std::fs::read_dir(original.join("crds")).into_iter().flatten() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let carried = krate.read(&format!("chart/crds/{name}"));
            let (header, body) = carried.split_once('\n').unwrap();
            assert!(header.contains("Code generated by gitops-gen"), "{header}");
            assert_eq!(
                body,
                std::fs::read_to_string(&path).unwrap(),
                "{}: crds/{name}",
                chart.name
            );
        }

        // What the import decided, from the library (the command printed the same).
        let imported =
            import::import(&original, &Options { values: extra.clone(), ..Options::default() })
                .unwrap_or_else(|e| panic!("import {}: {e}", chart.name));
        let generated = krate.dir.join("chart");
        let mut files: Vec<(String, Option<String>, Option<String>)> =
            vec![("defaults".into(), None, None)];
        for (name, converted) in &imported.values_files {
            let source = extra
                .iter()
                .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(name))
                .cloned()
                .unwrap_or_else(|| original.join(name));
            assert_eq!(&krate.read(&format!("values/{name}")), converted, "{name} as written");
            files.push((
                name.clone(),
                Some(std::fs::read_to_string(source).unwrap()),
                Some(converted.clone()),
            ));
        }
        assert_eq!(
            files.len(),
            1 + chart.values.len(),
            "{}: every values file converted",
            chart.name
        );

        let mut ops = Vec::new();
        for (_, _, converted) in &files {
            ops.push(oracle::lint(&generated, converted.as_deref()));
            ops.push(oracle::render_validate(&generated, converted.as_deref()));
        }
        let original_dump = values_dumper(&original, &work.join("original").join(chart.name));
        let generated_dump = values_dumper(&generated, &work.join("generated").join(chart.name));
        // The generated chart's effective values for each file; the
        // original's for each values file (its defaults are read, not
        // rendered: see below).
        for (_, _, converted) in &files {
            ops.push(render(&generated_dump, converted.as_deref()));
        }
        for (_, source, _) in &files[1..] {
            ops.push(render(&original_dump, source.as_deref()));
        }
        let results = oracle::run(ops);
        let (checks, renders) = results.split_at(files.len() * 2);
        let (generated_renders, original_renders) = renders.split_at(files.len());
        for (i, result) in checks.iter().enumerate() {
            assert_eq!(
                result["ok"],
                json!(true),
                "{}, {} ({}): {result}",
                chart.name,
                files[i / 2].0,
                if i % 2 == 0 { "lint --strict" } else { "render, validated strictly" }
            );
        }
        for (i, (name, source, converted)) in files.iter().enumerate() {
            let after = effective(&generated_renders[i]);
            // The defaults: values.yaml's app keys only (the generated chart's
            // own defaults are its own; the report lists where they differ),
            // read as Helm reads them (a `null` is no key), not rendered:
            // external-dns's own defaults fail its own schema under Helm 4
            // (`policy:` is empty and required).
            let defaults = converted.is_none();
            let source = match source {
                Some(text) => text.clone(),
                None => std::fs::read_to_string(original.join("values.yaml")).unwrap(),
            };
            let before = if defaults {
                let mut read = import::read::values(&source).unwrap().to_json();
                without_nulls(&mut read);
                read
            } else {
                effective(&original_renders[i - 1])
            };
            let converted_values = converted
                .as_deref()
                .map(|text| import::read::values(text).unwrap().to_json())
                .unwrap_or_default();
            let not_carried: &[String] =
                match imported.report.values_files.iter().find(|f| &f.name == name) {
                    Some(file) => &file.not_carried,
                    None => &[],
                };
            let set = import::read::values(&source).unwrap().to_json();
            let mut set_leaves = Vec::new();
            leaves("", &set, &mut set_leaves);
            let mut compared = 0;
            for (path, _) in &set_leaves {
                let target = moved(path, &imported.report.relocations);
                let first = target.split('.').next().unwrap();
                let new = if chart_keys::is_chart_key(first) {
                    target.clone()
                } else {
                    format!("config.{target}")
                };
                if let Some(rejected) = not_carried
                    .iter()
                    .find(|r| target == **r || target.starts_with(&format!("{r}.")))
                {
                    // Commented out with its value, and not set.
                    let converted = converted.as_deref().unwrap();
                    assert!(
                        converted.lines().any(|l| l.starts_with(&format!("# {rejected}: "))),
                        "{}, {name}: `{rejected}` is not carried but not commented out:\n{converted}",
                        chart.name
                    );
                    assert_eq!(
                        at(&converted_values, &new),
                        None,
                        "{}, {name}: `{new}` is set",
                        chart.name
                    );
                    continue;
                }
                if defaults
                    && (chart_keys::is_chart_key(first) || imported.report.added.contains(&target))
                {
                    continue;
                }
                assert_eq!(
                    at(&after, &new),
                    at(&before, path),
                    "{}, {name}: `{path}` (now `{new}`) has another effective value",
                    chart.name
                );
                compared += 1;
            }
            assert!(compared > 0, "{}, {name}: nothing compared", chart.name);
        }
    }
}
