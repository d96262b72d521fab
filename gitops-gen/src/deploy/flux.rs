//! Flux's manifests: per environment, a directory its cluster's Flux applies.

use super::controllers::{document, restricted_labels, DriftDetection, Flux, Manifests};
use super::notifications;
use crate::foundation::layout::{self, Files};
use serde_json::json;

/// Flux: per environment, `flux/<env>/` with the release's Namespace, the
/// GitRepository, the HelmRelease and a kustomization.yaml listing them, for
/// the Flux of that environment's cluster to apply (a Flux Kustomization
/// pointing at the directory): Flux runs in each cluster it deploys to.
pub(crate) fn files(flux: &Flux, d: &Manifests) -> Files {
    let mut files = Files::new();
    let chart_dir = d.repository.chart_dir();
    for env in d.environments {
        let dir = format!("{}/{}", layout::FLUX_DIR, env.name);
        // One per environment: two environments' Flux Kustomizations in one
        // cluster must not own the same object.
        let name = format!("{}-{}", d.chart, env.name);
        let source = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": name, "namespace": flux.namespace},
            "spec": {
                "interval": flux.interval,
                "url": d.repository.url,
                "ref": d.repository.flux_ref(),
            },
        });
        let mut source = source;
        if let Some(secret) = &d.repository.secret {
            source["spec"]["secretRef"] = json!({"name": secret});
        }
        let drift = match flux.drift_detection {
            DriftDetection::Enabled => "enabled",
            DriftDetection::Warn => "warn",
            DriftDetection::Disabled => "disabled",
        };
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
                    "reconcileStrategy": "Revision",
                    "sourceRef": {"kind": "GitRepository", "name": name, "namespace": flux.namespace},
                    // Flux reads only the files listed, values.yaml included;
                    // the pin file last.
                    "valuesFiles": [
                        format!("./{chart_dir}/values.yaml"),
                        format!("./{chart_dir}/{}", env.values_file()),
                        format!("./{chart_dir}/{}", layout::pin_file(&env.name)),
                    ],
                }},
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
        files.insert(format!("{dir}/helmrelease.yaml"), document(d.header, &release));
        let mut resources = vec![
            "namespace.yaml".to_owned(),
            "gitrepository.yaml".into(),
            "helmrelease.yaml".into(),
        ];
        // The environment's Providers and Alerts, when it has notifications.
        for (file, object) in
            notifications::flux_objects(&env.notifications, &env.name, &flux.namespace, &name)
        {
            files.insert(format!("{dir}/{file}"), document(d.header, &object));
            resources.push(file);
        }
        let kustomization = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": resources,
        });
        files.insert(format!("{dir}/kustomization.yaml"), document(d.header, &kustomization));
    }
    files
}
