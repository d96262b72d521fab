//! The native render (`Chart::render`, `gitops_gen::Renderer`) equals real
//! Helm's: every fixture chart and both examples' charts, with their
//! defaults, every switch, all switches at once, and hostile values; every
//! environment (and fleet cluster) of both examples. Same verdict; when
//! both render, the same objects from the same templates, compared exactly
//! (the `checksum/config` annotation included, which hashes the ConfigMap
//! template's text). `round_trip.rs` and `verdicts.rs` compare their
//! generated values files the same way.

use gitops_gen::{Chart, Outputs, Renderer};
use gitops_tests::differential::{chart_files, compare};
use gitops_tests::fixtures::{Echo, Gateway, Hostile, Relay, SecretsOnly, Shop, Worker};
use gitops_tests::{oracle, scratch_dir};
use serde_json::json;
use std::path::PathBuf;

fn write(name: &str, chart: Chart) -> PathBuf {
    let dir = scratch_dir(&format!("native-render-{name}"));
    chart
        .image(format!("registry.local/{name}"))
        .write(&Outputs::chart(&dir))
        .expect("write chart");
    dir
}

fn charts() -> Vec<PathBuf> {
    let examples = gitops_tests::workspace().join("examples");
    vec![
        write("shop", Chart::new("shop").config::<Shop>()),
        write("worker", Chart::new("worker").config::<Worker>()),
        write("vault", Chart::new("vault").config::<SecretsOnly>()),
        write("hostile", Chart::new("hostile").config::<Hostile>()),
        write("echo", Chart::new("echo").config::<Echo>()),
        write("gateway", Chart::new("gateway").config::<Gateway>()),
        write("relay", Chart::new("relay").config::<Relay>()),
        examples.join("orders/chart"),
        examples.join("worker/chart"),
    ]
}

/// Values files every chart is rendered with: each switch, all at once,
/// values Helm refuses, values a template refuses.
fn values_files() -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None];
    out.extend(gitops_tests::switches::all().into_iter().map(|(_, v, _, _)| Some(v)));
    out.push(Some(gitops_tests::switches::together()));
    out.extend(gitops_tests::switches::canary().into_iter().map(|(_, v, _, _)| Some(v)));
    out.push(Some(gitops_tests::switches::together_with_canary()));
    out.extend(
        [
            "replicaCount: -1\n",
            "image:\n  tag: \"1.2.3+build.7\"\n  digest: null\n",
            "nameOverride: \"a-very-long-name-override-that-is-far-longer-than-sixty-three-chars\"\n",
            "fullnameOverride: release-shop-\n",
            "podAnnotations:\n  a: \"<&>\"\n  b: \"\\u2028\"\n",
            "resources: null\n",
            "securityContext: null\n",
            "config: null\n",
            "unknownKey: 1\n",
            "strategy: {rollingUpdat: {maxSurge: 1}}\n",
            "dnsPolicy: Cluster\n",
            "initContainers: [{image: busybox}]\n",
            "revisionHistoryLimit: null\n",
            "secrets:\n  sealedSecret:\n    enabled: true\n    scope: cluster-wide\n    encryptedData: {databaseUrl: AgB+/x==}\n",
            "secrets:\n  sealedSecret: {enabled: true}\n  externalSecret: {enabled: true, secretStoreRef: {name: v}, remoteKey: k}\n",
        ]
        .map(|v| Some(v.to_owned())),
    );
    out
}

#[test]
fn every_chart_and_switch_renders_as_helm_does() {
    let charts = charts();
    let values = values_files();
    let mut ops = Vec::new();
    for chart in &charts {
        for v in &values {
            ops.push(json!({"op": "render", "chart": chart, "values_yaml": v, "name": "release", "namespace": "shop"}));
        }
    }
    let results = oracle::run(ops);
    // Both verdicts occur often enough for the comparison to mean something.
    let rendered = results.iter().filter(|r| r["ok"] == true).count();
    assert!(
        rendered > results.len() / 2 && rendered < results.len(),
        "Helm rendered {rendered} of {}",
        results.len()
    );
    let mut failures = Vec::new();
    let mut results = results.iter();
    for chart in &charts {
        let renderer = Renderer::new(&chart_files(chart)).expect("the chart parses");
        for v in &values {
            let helm = results.next().expect("a result per op");
            if let Err(e) = compare(&renderer, v.as_deref(), helm) {
                failures.push(format!("{} with {v:?}: {e}", chart.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} renders differ; the first:\n{}",
        failures.len(),
        charts.len() * values.len(),
        failures.first().map(String::as_str).unwrap_or("")
    );
}

/// Go's printing of every kind of value, byte for byte against Helm: `{{ }}`
/// (fmt's %v), `toString`, `printf`, `print`, `toJson`, `quote`, `int` and
/// `kindIs`, on floats at every exponent, strings, booleans, nil, a list
/// and a map, in a chart of its own (no schema: Helm then checks nothing).
#[test]
fn go_prints_values_as_helm_does() {
    let dir = scratch_dir("native-render-go-printing");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: printing\nversion: 0.1.0\n")
        .unwrap();
    // Comments only: the text is compared, and YAML sees no object.
    std::fs::write(
        dir.join("templates/printing.yaml"),
        "{{- range $i, $v := .Values.items }}\n# {{ $i }}: {{ $v }} | {{ toString $v }} | {{ printf \"%v %s %d\" $v $v $v }} | {{ print $v 1 $v }} | {{ toJson $v }} | {{ quote $v }} | {{ int $v }} | {{ kindIs \"float64\" $v }}\n{{- end }}\n",
    )
    .unwrap();
    let values = json!({"items": [
        0, -0.0, 1, 1.5, -2.25, 100000, 123456, 1000000, 1234567, 1e20, 1e21, 1.5e300,
        0.0001, 0.00001, 1e-7, -2.5e-300, std::f64::consts::PI, 9007199254740993u64, 0.1,
        "a", "", "yes", "8080", "0x1F", "é✓日🦀", "\u{a0}\u{200b}", "tab\there", "<&>",
        true, false, null, [1, "a", null], {"b": 1, "a": [true]},
    ]});
    let values_yaml = values.to_string();
    let helm = oracle::one(
        json!({"op": "render", "chart": dir, "values_yaml": values_yaml, "name": "release", "namespace": "shop"}),
    );
    assert_eq!(helm["ok"], true, "{helm:#}");
    let native = Renderer::new(&chart_files(&dir))
        .and_then(|r| {
            r.render_files(&[("values.yaml", &values_yaml)], &gitops_tests::differential::options())
        })
        .expect("renders");
    let template = "printing/templates/printing.yaml";
    let helm_text = helm["manifests"][template].as_str().expect("Helm's text");
    for (h, n) in helm_text.lines().zip(native[template].lines()) {
        assert_eq!(n, h, "native against Helm");
    }
    assert_eq!(native[template], helm_text);
}
