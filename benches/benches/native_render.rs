//! The native render (`gitops_gen::Renderer`) against Helm's render of the
//! same chart and values, per release of the orders example (each
//! environment, each fleet cluster), in one run:
//!
//! - Helm: v4's Go SDK in the oracle process, each render timed there
//!   (`perf_counter`; the chart loaded once, the values read once; Helm
//!   parses the templates and compiles values.schema.json inside every render);
//! - native, cold: `Renderer::new` (templates parsed, schema compiled) and
//!   one `render_files` (each template's text, what Helm's SDK returns), as
//!   a one-off render pays it;
//! - native, warm: one `render_files` on a `Renderer` made once, as `diff`,
//!   `check --policy` and `Outputs::rendered` pay it for each release;
//! - native, warm, objects: `render`, the text and every object read from it
//!   (a YAML parse of each document, which Helm's render does not do).
//!
//! `cargo bench -p gitops-benches --bench native_render` (`RENDER_ROUNDS`,
//! default 200). Under `cargo test` it runs 2 rounds, to show it works; it
//! never judges a time. It needs the oracle venv that `cargo xtask test` creates.

use gitops_gen::{RenderOptions, Renderer};
use gitops_tests::differential::chart_files;
use gitops_tests::environments::merge_maps;
use gitops_tests::{oracle, workspace};
use serde_json::{json, Value};
use std::time::Instant;

/// The orders example's releases: (name, values files in Helm's order).
/// `big` is the chart of the 1,000-leaf `Big` config with its defaults (no
/// values file), for how the time grows with values.
fn releases() -> Vec<(String, Vec<String>)> {
    let mut out = vec![
        ("dev".to_owned(), vec!["values-dev.yaml".to_owned(), "pins/dev.yaml".to_owned()]),
        (
            "staging".to_owned(),
            vec!["values-staging.yaml".to_owned(), "pins/staging.yaml".to_owned()],
        ),
    ];
    for region in ["beijing", "guangzhou", "singapore"] {
        out.push((
            format!("prod on prod-{region}"),
            vec![
                "values-prod.yaml".into(),
                format!("clusters/prod-{region}.yaml"),
                "pins/prod.yaml".into(),
            ],
        ));
    }
    out
}

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds: usize = match std::env::var("RENDER_ROUNDS") {
        Ok(n) => n.parse().expect("RENDER_ROUNDS is a number of rounds"),
        Err(_) if bench => 200,
        Err(_) => 2,
    };
    let dir = workspace().join("examples/orders/chart");
    let files = chart_files(&dir);
    let tmp = gitops_benches::TempDir::new("native-render-bench");
    let big_dir = tmp.path().join("big");
    gitops_benches::big_chart()
        .write(&gitops_gen::Outputs::chart(&big_dir))
        .expect("write the chart of Big");
    let big_files = chart_files(&big_dir);
    let options = RenderOptions::new("release", "shop");
    let mut charts = Vec::new();
    let mut inputs = Vec::new();
    for (name, values) in releases() {
        let texts: Vec<(String, String)> =
            values.iter().map(|f| (f.clone(), files.get(f).cloned().unwrap_or_default())).collect();
        // Helm takes the files merged as one (its own merge of -f files).
        let mut merged = json!({});
        for (_, text) in &texts {
            let value: Value = yaml_serde::from_str(text).expect("a values file");
            if value.is_object() {
                merge_maps(&mut merged, &value);
            }
        }
        charts.push(json!({"name": name, "chart": dir, "values_yaml": merged.to_string()}));
        inputs.push((name, texts));
    }
    charts.push(json!({"name": "big", "chart": big_dir}));
    inputs.push(("big".to_owned(), Vec::new()));
    let helm = oracle::one(json!({"op": "render_bench", "charts": charts, "rounds": rounds}));
    assert_eq!(helm["ok"], true, "render bench: {helm}");

    println!("release | Helm | native cold | native warm | warm, objects | Helm / cold | Helm / warm | Helm / objects");
    println!("--- | --- | --- | --- | --- | --- | --- | ---");
    for (name, texts) in &inputs {
        let files = if name == "big" { &big_files } else { &files };
        let warm_renderer = Renderer::new(files).expect("the chart parses");
        let values: Vec<(&str, &str)> =
            texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let (mut cold, mut warm, mut objects) = (Vec::new(), Vec::new(), Vec::new());
        let ms = |start: Instant| start.elapsed().as_secs_f64() * 1000.0;
        for _ in 0..rounds {
            let start = Instant::now();
            let rendered = Renderer::new(files).and_then(|r| r.render_files(&values, &options));
            cold.push(ms(start));
            std::hint::black_box(rendered.expect("renders"));
            let start = Instant::now();
            let rendered = warm_renderer.render_files(&values, &options);
            warm.push(ms(start));
            std::hint::black_box(rendered.expect("renders"));
            let start = Instant::now();
            let rendered = warm_renderer.render(&values, &options);
            objects.push(ms(start));
            std::hint::black_box(rendered.expect("renders"));
        }
        let helm_ms: Vec<f64> =
            helm["ms"][name].as_array().expect("ms").iter().map(|v| v.as_f64().unwrap()).collect();
        let (h, c, w, o) = (median(helm_ms), median(cold), median(warm), median(objects));
        println!(
            "{name} | {h:.3} ms | {c:.3} ms | {w:.3} ms | {o:.3} ms | {:.1}× | {:.1}× | {:.1}×",
            h / c,
            h / w,
            h / o
        );
    }
    println!("({rounds} rounds; {})", helm["helm"]);
}
