//! Flux's manifests. Per environment Flux deploys, `flux/<env>/` (a fleet's:
//! `flux/<env>/<cluster>/`, one per cluster, each read by its Flux): the
//! release's Namespace, the GitRepository, the HelmRelease, and a
//! kustomization.yaml that turns the environment's values file and pin into
//! a ConfigMap named by a hash of its content; and `bootstrap/flux/<env>.yaml`,
//! the Kustomization that makes the cluster's Flux apply that directory.
//!
//! Why the values travel in a ConfigMap: helm-controller upgrades a release
//! when its chart's version or its values change
//! (helm-controller `internal/action/verify.go`). Read from the chart's
//! directory (`valuesFiles`), values are baked into the chart, which Flux
//! then rebuilds on every commit (`reconcileStrategy: Revision`: every
//! release upgraded by a README commit) or only on a new version
//! (`ChartVersion`: a values change never deployed). So the chart is built
//! per version (Chart.yaml's version carries a digest of what it deploys,
//! `render::version`), and each environment's values reach its release
//! through `valuesFrom`, from a ConfigMap whose name changes exactly when
//! the values do.

use super::controllers::{
    document, restricted_labels, Deployment, DriftDetection, Flux, Manifests,
};
use super::environment::{Controller, Destination, Environment};
use super::notifications;
use crate::foundation::k8s::IN_CLUSTER;
use crate::foundation::layout::{self, Files};
use serde_json::{json, Value};

/// The keys of the values ConfigMap, in the order the HelmRelease reads them.
const VALUES_KEY: &str = "values.yaml";
const CLUSTER_KEY: &str = "cluster.yaml";
const PIN_KEY: &str = "pin.yaml";

pub(crate) fn files(flux: &Flux, d: &Manifests) -> Files {
    let mut files = Files::new();
    let chart_dir = d.controllers.repository.chart_dir();
    let deployments = d.deployments(Controller::Flux);
    for (index, deployment) in deployments.iter().enumerate() {
        let env = deployment.env;
        // A fleet's: one directory per cluster, for that cluster's Flux.
        let dir = format!("{}/{}", layout::FLUX_DIR, deployment.path());
        // One per environment: two environments' Flux Kustomizations in one
        // cluster must not own the same object.
        let name = format!("{}-{}", d.chart, env.name);
        let values = format!("{name}-values");
        let mut source = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": name, "namespace": flux.namespace},
            "spec": {
                "interval": flux.interval,
                "url": d.controllers.repository.url,
                "ref": d.controllers.repository.flux_ref(),
            },
        });
        if let Some(secret) = &d.controllers.repository.secret {
            source["spec"]["secretRef"] = json!({"name": secret});
        }
        let drift = match flux.drift_detection {
            DriftDetection::Enabled => "enabled",
            DriftDetection::Warn => "warn",
            DriftDetection::Disabled => "disabled",
        };
        let values_from =
            |key: &str| json!({"kind": "ConfigMap", "name": values, "valuesKey": key});
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": flux.namespace},
            "spec": {
                "interval": flux.interval,
                "releaseName": d.chart,
                "targetNamespace": env.namespace_for(d.chart),
                "storageNamespace": env.namespace_for(d.chart),
                "chart": {"spec": {
                    "chart": format!("./{chart_dir}"),
                    // Built again only for a new version: no valuesFiles,
                    // which would be baked into the chart.
                    "reconcileStrategy": "ChartVersion",
                    "sourceRef": {"kind": "GitRepository", "name": name, "namespace": flux.namespace},
                }},
                // The user values, as Argo CD's valueFiles after values.yaml:
                // merged in order, then coalesced with the chart's defaults
                // (a `null` removes one).
                "valuesFrom": valued_keys(deployment).map(values_from).collect::<Vec<_>>(),
                // The namespace is namespace.yaml's, labelled for Pod Security.
                "install": {"remediation": {"retries": 3}},
                "upgrade": {
                    "cleanupOnFail": true,
                    // The last failure is remediated when retries > 0 (the default).
                    "remediation": {"retries": 3},
                },
                "driftDetection": {"mode": drift},
                "suspend": false,
            },
        });
        // Never pruned: removing the environment (its directory) must not
        // delete the namespace and everything in it, data included.
        let namespace = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": env.namespace_for(d.chart),
                "labels": restricted_labels(),
                "annotations": {"kustomize.toolkit.fluxcd.io/prune": "disabled"},
            },
        });
        files.insert(format!("{dir}/namespace.yaml"), document(d.header, &namespace));
        files.insert(format!("{dir}/gitrepository.yaml"), document(d.header, &source));
        let mut resources = vec!["namespace.yaml".to_owned(), "gitrepository.yaml".into()];
        let applier = match d.controllers.rendered_dir() {
            None => {
                files.insert(format!("{dir}/helmrelease.yaml"), document(d.header, &release));
                resources.push("helmrelease.yaml".into());
                ("HelmRelease", name.clone())
            }
            Some(rendered) => {
                let applier = rendered_release(flux, &name, &rendered, deployment);
                files.insert(format!("{dir}/{RENDERED_RELEASE}"), document(d.header, &applier));
                resources.push(RENDERED_RELEASE.into());
                (
                    "Kustomization",
                    applier["metadata"]["name"].as_str().unwrap_or_default().to_owned(),
                )
            }
        };
        // The environment's Providers and Alerts, when it has notifications.
        for (file, object) in notifications::flux_objects(
            &env.notifications,
            &env.name,
            &flux.namespace,
            &name,
            (applier.0, &applier.1),
        ) {
            files.insert(format!("{dir}/{file}"), document(d.header, &object));
            resources.push(file);
        }
        let kustomization = match d.controllers.rendered_dir() {
            Some(_) => json!({
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
            }),
            None => {
                // The files are read from the chart's directory, outside this
                // one: Flux builds with no load restriction inside the
                // repository (fluxcd/pkg `kustomize/kustomize_generator.go`).
                let to_chart =
                    layout::relative(&format!("{}/{dir}", d.controllers.dir()), chart_dir);
                let mut sources = vec![(VALUES_KEY, env.values_file())];
                sources.extend(
                    deployment.cluster.map(|c| (CLUSTER_KEY, layout::cluster_file(&c.name))),
                );
                sources.push((PIN_KEY, layout::pin_file(&env.name)));
                // Kustomize renames the ConfigMap (`-<hash>`) and, told here,
                // the HelmRelease's reference to it.
                let config = json!({
                    "nameReference": [{
                        "kind": "ConfigMap",
                        "version": "v1",
                        "fieldSpecs": [{"path": "spec/valuesFrom/name", "kind": "HelmRelease"}],
                    }],
                });
                files.insert(format!("{dir}/{KUSTOMIZE_CONFIG}"), document(d.header, &config));
                json!({
                    "apiVersion": "kustomize.config.k8s.io/v1beta1",
                    "kind": "Kustomization",
                    "resources": resources,
                    "configMapGenerator": [{
                        "name": values,
                        "namespace": flux.namespace,
                        "files": sources
                            .iter()
                            .map(|(key, file)| format!("{key}={to_chart}/{file}"))
                            .collect::<Vec<_>>(),
                    }],
                    "configurations": [KUSTOMIZE_CONFIG],
                })
            }
        };
        files.insert(format!("{dir}/kustomization.yaml"), document(d.header, &kustomization));
        let earlier = deployments[..index].iter().rev().find(|e| place(e) == place(deployment));
        let bootstrap = bootstrap(flux, d, env, &dir, earlier.map(|e| e.env));
        let text = format!("{}---\n{}", document(d.header, &source), document("", &bootstrap));
        let file =
            format!("{}/{}/{}.yaml", layout::BOOTSTRAP_DIR, layout::FLUX_DIR, deployment.path());
        files.insert(file, text);
    }
    files
}

const KUSTOMIZE_CONFIG: &str = "kustomizeconfig.yaml";

/// With `Controllers::rendered`: the Kustomization that applies the
/// release's rendered manifests, in place of the HelmRelease.
const RENDERED_RELEASE: &str = "release.yaml";

/// The Kustomization of a release's rendered manifests (`rendered/<env>`,
/// or `rendered/<env>/<cluster>`), named apart from the bootstrap's
/// Kustomization of the environment. Like the HelmRelease it replaces: an
/// object gone from the directory is deleted (`prune`), and so is every
/// object when the Kustomization is removed with the environment (the
/// default deletion policy mirrors `prune`). `force`: the migration Job is
/// applied as a plain Job, whose template cannot change, so a change
/// recreates it (kustomize-controller `api/v1/kustomization_types.go`,
/// `Force`).
fn rendered_release(flux: &Flux, name: &str, rendered: &str, deployment: &Deployment) -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": format!("{name}-release"), "namespace": flux.namespace},
        "spec": {
            "interval": flux.interval,
            "path": format!("./{rendered}/{}", deployment.path()),
            "sourceRef": {"kind": "GitRepository", "name": name},
            "prune": true,
            "wait": true,
            "timeout": "10m",
            "force": true,
        },
    })
}

/// The Flux Kustomization that applies the environment's directory, for the
/// environment's cluster: applied once by hand (or from the fleet's own
/// repository) beside the GitRepository, which the directory then keeps up
/// to date.
fn bootstrap(
    flux: &Flux,
    d: &Manifests,
    env: &Environment,
    dir: &str,
    after: Option<&Environment>,
) -> Value {
    let name = format!("{}-{}", d.chart, env.name);
    let mut spec = json!({
        "interval": flux.interval,
        "path": format!("./{}/{dir}", d.controllers.dir()),
        "sourceRef": {"kind": "GitRepository", "name": name},
        // Objects gone from the directory are deleted (the Namespace
        // excepted), and the Kustomization is ready only once they are.
        "prune": true,
        "wait": true,
        "timeout": "10m",
        // Deleting the Kustomization itself leaves what it applied: with
        // `prune` the default (`MirrorPrune`) would delete the HelmRelease
        // and so uninstall the release (kustomize-controller
        // `internal/controller/kustomization_controller.go`,
        // finalizerShouldDeleteResources).
        "deletionPolicy": "Orphan",
    });
    // Staged: in one cluster, an environment waits for the one before it
    // to be ready.
    if let Some(before) = after {
        spec["dependsOn"] = json!([{"name": format!("{}-{}", d.chart, before.name)}]);
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": flux.namespace},
        "spec": spec,
    })
}

/// The cluster a deployment runs in: two with one place have one Flux.
fn place(deployment: &Deployment) -> String {
    match (deployment.cluster, &deployment.env.cluster) {
        (Some(cluster), _) => cluster.server.trim_end_matches('/').to_owned(),
        (None, Destination::Server(url)) => url.trim_end_matches('/').to_owned(),
        (None, Destination::Name(name)) => format!("name:{name}"),
        // A fleet's deployments carry their cluster.
        (None, Destination::InCluster | Destination::Fleet(_)) => IN_CLUSTER.to_owned(),
    }
}

/// The values ConfigMap's keys in the order the HelmRelease reads them:
/// the environment's values file, its cluster's, its pin.
fn valued_keys(deployment: &Deployment) -> impl Iterator<Item = &'static str> {
    let cluster = deployment.cluster.map(|_| CLUSTER_KEY);
    [Some(VALUES_KEY), cluster, Some(PIN_KEY)].into_iter().flatten()
}
