//! The committed environments and controller manifests of the example pass
//! every check with the real tools (`gitops_tests::environments`): each
//! environment linted, rendered, validated on Kubernetes 1.33 and 1.37, given
//! checkov's default verdict and read back by the loader as the config its
//! edit makes; the manifests valid against their CRDs, pointing at files
//! that exist, building with Kustomize.

#[path = "../src/config.rs"]
mod config;
#[path = "../deploy.rs"]
mod deploy;

use config::Config;
use gitops_tests::environments::{check_controllers, check_environments, Expected};
use gitops_tests::workspace;
use serde_json::json;
use std::path::Path;

/// An environment's edit of the config, from deploy.rs.
type Edit = fn(&mut Config);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_environments_pass_every_check() {
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "orders"},
        "stringData": {"databaseUrl": "postgres://orders@db/orders"},
    });
    let edits: [(&str, Edit); 3] =
        [("dev", deploy::dev), ("staging", deploy::staging), ("prod", deploy::prod)];
    // prod on each regional cluster.
    let releases = [
        ("dev", None),
        ("staging", None),
        ("prod", Some("prod-beijing")),
        ("prod", Some("prod-guangzhou")),
        ("prod", Some("prod-singapore")),
    ];
    let expected: Vec<Expected<Config>> = releases
        .into_iter()
        .map(|(name, cluster)| {
            let mut config =
                Config { database_url: "postgres://orders@db/orders".into(), ..Config::default() };
            let edit = edits.iter().find(|(env, _)| *env == name).unwrap().1;
            edit(&mut config);
            Expected { name, cluster, config }
        })
        .collect();
    // Every environment the build wrote is one of these.
    let written: Vec<String> = std::fs::read_dir(manifest_dir().join("chart"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|n| Some(n.strip_prefix("values-")?.strip_suffix(".yaml")?.to_owned()))
        .collect();
    let mut listed: Vec<String> = edits.iter().map(|(name, _)| name.to_string()).collect();
    let mut written = written;
    written.sort();
    listed.sort();
    assert_eq!(written, listed, "add the new environment's edit here");
    let rendered =
        check_environments(&manifest_dir().join("chart"), "orders", &[secret], &expected);
    // Each region's release pulls from its region's registry; prod releases
    // by canary (deploy.rs), so its pods are a Rollout's.
    for (release, objects) in expected.iter().zip(&rendered) {
        let kind = if release.name == "prod" { "Rollout" } else { "Deployment" };
        let deployment = objects.iter().find(|o| o["kind"] == kind).unwrap();
        let pod = &deployment["spec"]["template"]["spec"];
        let image = pod["containers"][0]["image"].as_str().unwrap();
        match release.cluster.and_then(|c| c.strip_prefix("prod-")) {
            Some(region) => {
                assert!(
                    image.starts_with(&format!("registry.{region}.example.com/acme/orders")),
                    "{image}"
                );
                assert_eq!(
                    pod["imagePullSecrets"],
                    json!([{"name": format!("registry-{region}")}])
                );
            }
            None => assert!(image.starts_with("ghcr.io/acme/orders"), "{image}"),
        }
    }
}

#[test]
fn the_committed_controller_manifests_pass_every_check() {
    // What the ApplicationSet must make: the per-environment Applications.
    let generated = deploy::chart_with(gitops_gen::ArgoCd::new()).generate().unwrap();
    let applications = generated.controllers.unwrap();
    let clusters = deploy::chart().clusters().to_vec();
    let objects =
        check_controllers(&workspace(), &manifest_dir().join("gitops"), &applications, &clusters);
    assert!(objects.iter().any(|o| o["kind"] == "ApplicationSet"));
    assert!(objects.iter().any(|o| o["kind"] == "HelmRelease"));
}

#[test]
fn every_environment_has_its_committed_image_pin() {
    let chart = manifest_dir().join("chart");
    for env in ["dev", "staging", "prod"] {
        let file = chart.join(gitops_gen::layout::pin_file(env));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let pin = gitops_release::read(&text).unwrap();
        assert!(pin.tag.is_some(), "{}: no image.tag", file.display());
        assert!(!text.contains("Code generated"), "{}: a pin file is the user's", file.display());
    }
}

/// Each committed overlay builds, with real Kustomize, exactly what the
/// native render of its release holds (itself equal to Helm's render).
#[test]
fn each_kustomize_overlay_builds_its_release() {
    let renders = deploy::chart().render_environments(&manifest_dir().join("chart")).unwrap();
    assert_eq!(renders.len(), 5);
    gitops_tests::environments::check_kustomize(&manifest_dir().join("kustomize"), &renders)
        .unwrap();
}

#[test]
fn the_committed_files_are_what_the_build_writes() {
    let chart = deploy::chart();
    let dir = manifest_dir();
    chart.check(&deploy::outputs().under(dir)).unwrap();
}
