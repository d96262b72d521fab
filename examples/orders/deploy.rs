//! How the service is deployed: its chart (from `src/config.rs`), its three
//! environments and the GitOps controllers' manifests. `build.rs` writes them
//! (the chart and each `values-<env>.yaml` into `chart/`, the Argo CD and Flux
//! manifests into `gitops/`); `tests/environments.rs` checks what was written
//! with the same edits. Both include this file, and the config module as
//! `crate::config`.

use crate::config::{Config, LogLevel};
use gitops_gen::{
    ArgoCd, Canary, Chart, Cluster, Controller, Controllers, Environment, Flux, GitRepository,
    Migration, Notification, Outputs, RollingSync, Selector, Service, Trigger,
};

/// Development: everything logged.
pub fn dev(config: &mut Config) {
    config.log_level = LogLevel::Debug;
}

/// Staging: traces every request to the cluster's collector.
pub fn staging(config: &mut Config) {
    config.tracing.enabled = true;
    config.tracing.otlp_endpoint = "http://otel-collector.observability:4318".into();
    config.tracing.sample_ratio = 1.0;
}

/// Production: a sample of traces, and the shop's front end may call it.
pub fn prod(config: &mut Config) {
    staging(config);
    config.tracing.sample_ratio = 0.05;
    config.allowed_origins = vec!["https://shop.example.com".into()];
    config.log_level = LogLevel::Warn;
}

/// The canary's success rate: the share of the new pods' responses that
/// are not 5xx, over two minutes (`{{args.*}}` are Argo Rollouts' arguments).
pub const SUCCESS_RATE: &str = concat!(
    r#"sum(rate(orders_http_requests_total{namespace="{{args.namespace}}",pod=~".*-{{args.canary-hash}}-.*",code!="5xx"}[2m]))"#,
    r#" / sum(rate(orders_http_requests_total{namespace="{{args.namespace}}",pod=~".*-{{args.canary-hash}}-.*"}[2m]))"#,
);

/// Production's regions: a cluster in each, pulling from its own region's
/// registry with its own pull secret.
pub const REGIONS: [&str; 3] = ["beijing", "guangzhou", "singapore"];

/// The cluster of `region` (Argo CD knows it as `prod-<region>`, its
/// cluster Secret labelled `region: <region>`).
pub fn regional_cluster(region: &str) -> Cluster {
    Cluster::new(format!("prod-{region}"), format!("https://{region}.k8s.example.com:6443"))
        .region(region)
        .registry(format!("registry.{region}.example.com"))
        .image_pull_secret(format!("registry-{region}"))
}

/// Where the build writes: the chart, the controllers' manifests, every
/// environment's rendered manifests (what each cluster gets, reviewed in
/// pull requests) and the same as Kustomize overlays of one base.
pub fn outputs() -> Outputs {
    Outputs::chart("chart").controllers("gitops").rendered("rendered").kustomize("kustomize")
}

/// The chart, its environments and its controllers: Flux deploys dev,
/// Argo CD (Applications from one ApplicationSet) staging and prod, rolled
/// out staging, then prod (which waits for someone to sync it). Each
/// environment has one controller: two would be two owners of one release.
pub fn chart() -> Chart {
    chart_with(ArgoCd::new().application_set().rolling_sync(RollingSync::by_environment()))
}

/// The same with these Argo CD settings (the tests compare the
/// ApplicationSet's Applications with the per-environment ones).
pub fn chart_with(argo_cd: ArgoCd) -> Chart {
    Chart::new("orders")
        .image("ghcr.io/acme/orders")
        .version(env!("CARGO_PKG_VERSION"))
        .config::<Config>()
        .cluster(regional_cluster(REGIONS[0]))
        .cluster(regional_cluster(REGIONS[1]))
        .cluster(regional_cluster(REGIONS[2]))
        // `orders migrate` before each install and upgrade, with the
        // service's own config and secrets; the image installs the binary
        // at /usr/local/bin/orders.
        .migration(Migration::new().command(["/usr/local/bin/orders"]).args(["migrate"]))
        // A new version takes a third, then two thirds of the pods (prod has
        // three), ten minutes each, while its success rate is watched.
        .canary(Canary::new().set_weight(33).pause("10m").set_weight(66).pause("10m"))
        .environment(Environment::new("dev").controller(Controller::Flux).config(dev))
        .environment(
            Environment::new("staging").controller(Controller::ArgoCd).replicas(2).config(staging),
        )
        .environment(
            Environment::production("prod")
                .controller(Controller::ArgoCd)
                .namespace("orders")
                .clusters(Selector::new().label_in("region", REGIONS))
                .replicas(3)
                .resources("500m", "256Mi")
                .pod_disruption_budget(2)
                // The clusters run the Prometheus Operator (kube-prometheus-stack),
                // whose Prometheus selects monitors by this label.
                .set("metrics.scrape", "serviceMonitor")
                .set("metrics.labels.release", "kube-prometheus-stack")
                // The clusters run Argo Rollouts: prod releases by canary.
                .set("canary.enabled", true)
                .set("canary.analysis.enabled", true)
                .set("canary.analysis.query", SUCCESS_RATE)
                .config(prod)
                // The on-call channel hears of a failed sync or a degraded
                // release, through Argo CD's Slack service.
                .notify(
                    Notification::on([Trigger::SyncFailed, Trigger::HealthDegraded])
                        .to(Service::slack("orders-prod")),
                ),
        )
        .controllers(
            // A private repository: Flux reads its credentials from the
            // Secret `orders-git` in flux-system (Argo CD from its own
            // repository Secret); neither is generated.
            Controllers::new(
                GitRepository::new(
                    "https://git.example.com/acme/orders.git",
                    "examples/orders/chart",
                )
                .secret("orders-git"),
            )
            .argo_cd(argo_cd)
            .flux(Flux::new()),
        )
}
