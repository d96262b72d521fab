//! Snapshots of every generated file for the fixture configs, so a change in
//! the output is a reviewed diff. Their meaning is checked by `helm.rs`,
//! which lints and renders these same charts with real Helm.

use gitops_gen::Chart;
use gitops_tests::fixtures::{Gateway, Shop, Worker};

fn snapshot_chart(chart: Chart, prefix: &str) {
    for (path, content) in chart.generate().map(|g| g.chart).expect("generate") {
        let name = format!("{prefix}__{}", path.trim_start_matches('.').replace('/', "__"));
        insta::assert_snapshot!(name, content);
    }
}

#[test]
fn shop_chart() {
    snapshot_chart(Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>(), "shop");
}

#[test]
fn worker_chart() {
    snapshot_chart(
        Chart::new("worker")
            .image("registry.local/worker")
            .version("2.1.0")
            .app_version("v2.1.0-rc.1")
            .config::<Worker>(),
        "worker",
    );
}

/// File delivery and a liveness path only: the readiness probe's default is
/// a TCP connect.
#[test]
fn gateway_chart() {
    snapshot_chart(
        Chart::new("gateway").image("ghcr.io/acme/gateway").config::<Gateway>(),
        "gateway",
    );
}
