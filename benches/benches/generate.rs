//! Chart generation for `Big`, a config of 1,000 leaves (see `build.rs`).
//!
//! `cargo bench -p gitops-benches` (release) and
//! `cargo bench -p gitops-benches --profile dev` (unoptimised, as build
//! scripts run). Under `cargo test --all-targets` each bench runs once.

use divan::Bencher;
use gitops_benches::{big_chart, Big, TempDir};
use gitops_types::GitOps;

fn main() {
    divan::main();
}

/// `.generate().map(|g| g.chart)` on a chart whose config is already set: tree + emission.
#[divan::bench]
fn files(bencher: Bencher) {
    let chart = big_chart();
    bencher.bench_local(|| chart.generate().unwrap().chart);
}

/// The whole pipeline: `Chart::new(..).image(..).config::<Big>().generate().map(|g| g.chart)`,
/// schema generation included.
#[divan::bench]
fn config_and_files() -> gitops_gen::Files {
    gitops_gen::Chart::new("big")
        .image("ghcr.io/acme/big")
        .config::<Big>()
        .generate()
        .unwrap()
        .chart
}

/// `.write(&gitops_gen::Outputs::chart(dir))` on a directory that already holds the chart: generation,
/// reading and comparing every file, writing none.
#[divan::bench]
fn write_noop(bencher: Bencher) {
    let tmp = TempDir::new("write-noop-bench");
    let chart = big_chart();
    chart.write(&gitops_gen::Outputs::chart(tmp.path())).unwrap();
    bencher.bench_local(|| {
        let report = chart.write(&gitops_gen::Outputs::chart(tmp.path())).unwrap().chart;
        debug_assert!(report.written.is_empty());
        report
    });
}

/// Where `config::<Big>().generate().map(|g| g.chart)` spends its time, stage by stage.
mod stages {
    use super::*;

    /// `Big::describe()`: the derive's model of the struct tree.
    #[divan::bench]
    fn describe() -> gitops_types::model::ConfigStruct {
        Big::describe()
    }

    /// schemars: the draft-07 schema with subschemas inlined.
    #[divan::bench]
    fn schema() -> serde_json::Value {
        gitops_types::model::schema::of::<Big>()
    }

    /// `Big::default()` to a JSON value.
    #[divan::bench]
    fn default_to_json() -> serde_json::Value {
        serde_json::to_value(Big::default()).unwrap()
    }

    /// Pretty-printing the whole values.schema.json (serde_json's
    /// `to_string_pretty`, as emission does). The Value is the generated file
    /// read back.
    #[divan::bench]
    fn values_schema_to_pretty_json(bencher: Bencher) {
        let files = big_chart().generate().unwrap().chart;
        let schema: serde_json::Value = serde_json::from_str(&files["values.schema.json"]).unwrap();
        bencher.bench_local(|| serde_json::to_string_pretty(&schema).unwrap());
    }

    /// `gitops_gen::build::config_tree`: description + schema + default → tree.
    #[divan::bench]
    fn config_tree(bencher: Bencher) {
        let (desc, schema, default) = (
            Big::describe(),
            gitops_types::model::schema::of::<Big>(),
            serde_json::to_value(Big::default()).unwrap(),
        );
        bencher.bench_local(|| gitops_gen::build::config_tree(&desc, &schema, &default).unwrap());
    }

    /// Part of `config_tree`: boon compiling the `config` schema and checking
    /// the defaults with it (values.yaml must pass Helm's validator).
    #[divan::bench]
    fn validate_defaults(bencher: Bencher) {
        let default = serde_json::to_value(Big::default()).unwrap();
        let tree = gitops_gen::build::config_tree(
            &Big::describe(),
            &gitops_types::model::schema::of::<Big>(),
            &default,
        )
        .unwrap();
        let values = tree.values_of(&default);
        bencher.bench_local(|| tree.validator().unwrap().violations(&values));
    }
}
