//! What Argo CD and Flux do with the manifests gitops-gen writes, each rule
//! read in the controller's own source and named here, applied to the
//! generated manifests. A CRD schema only says a field is well formed;
//! these say what the controller then does with it.

use gitops_gen::Outputs;
use gitops_gen::{
    ArgoCd, Chart, Controller, Controllers, Environment, Error, Flux, GitRepository, ProblemKind,
};
use gitops_tests::environments;
use gitops_tests::fixtures::Shop;
use gitops_tests::scratch_dir;
use serde_json::Value;

fn repository() -> GitRepository {
    GitRepository::new("https://git.example/acme/shop.git", "deploy/chart")
}

fn chart(controllers: Controllers) -> Chart {
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev"))
        .environment(Environment::production("prod").namespace("shop"))
        .controllers(controllers)
}

/// The controllers' manifests, each object parsed (a file may hold several,
/// split at `---`), by path.
fn manifests(controllers: Controllers) -> Vec<(String, Value)> {
    let generated = chart(controllers).generate().expect("generates");
    parse(&generated.controllers.expect("controllers' manifests"))
}

fn parse(files: &gitops_gen::Files) -> Vec<(String, Value)> {
    let yaml = files.iter().filter(|(path, _)| path.ends_with(".yaml"));
    yaml.flat_map(|(path, text)| {
        text.split("\n---\n")
            .map(|doc| (path.clone(), yaml_serde::from_str(doc).expect(path)))
            .collect::<Vec<_>>()
    })
    .collect()
}

/// Argo CD's per-environment Applications.
fn argo() -> Controllers {
    Controllers::new(repository()).argo_cd(ArgoCd::new())
}

/// Argo CD's Applications from one ApplicationSet.
fn with_set() -> Controllers {
    Controllers::new(repository()).argo_cd(ArgoCd::new().application_set())
}

fn flux() -> Controllers {
    Controllers::new(repository()).flux(Flux::new())
}

/// The environments' Applications (the root Application has no environment).
fn environment_apps(all: &[(String, Value)]) -> Vec<&Value> {
    of_kind(all, "Application")
        .into_iter()
        .filter(|app| app["metadata"]["labels"].get("environment").is_some())
        .collect()
}

/// An ApplicationSet adopts Applications of the same names and rewrites
/// them (argo-cd `applicationset/controllers/applicationset_controller.go`,
/// `createOrUpdateInCluster`), while whatever applied the per-environment
/// files keeps re-applying its own: one tree holds one source only.
#[test]
fn one_source_of_applications() {
    let set = manifests(with_set());
    assert_eq!(of_kind(&set, "ApplicationSet").len(), 1);
    assert!(environment_apps(&set).is_empty());
    let apps = manifests(argo());
    assert_eq!(environment_apps(&apps).len(), 2);
    assert!(of_kind(&apps, "ApplicationSet").is_empty());
}

fn of_kind<'a>(all: &'a [(String, Value)], kind: &str) -> Vec<&'a Value> {
    all.iter().map(|(_, v)| v).filter(|v| v["kind"] == kind).collect()
}

/// argo-cd `applicationset/utils/utils.go` (`RenderTemplateParams`): the
/// controller gives an Application the `resources-finalizer` only when its
/// template has no finalizers and the ApplicationSet does not set
/// `syncPolicy.preserveResourcesOnDeletion`; a finalizer the template writes
/// is kept whatever the policy says. With the finalizer, deleting the
/// ApplicationSet deletes every environment's workloads
/// (`docs/operator-manual/applicationset/Application-Deletion.md`).
fn finalizers_the_controller_gives(template: &Value, preserve: bool) -> Vec<String> {
    let written: Vec<String> = template["metadata"]["finalizers"]
        .as_array()
        .map(|f| f.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    if !preserve && written.is_empty() {
        vec!["resources-finalizer.argocd.argoproj.io".to_owned()]
    } else {
        written
    }
}

/// argo-cd `docs/user-guide/app_deletion.md`, "About The Deletion
/// Finalizer": only an Application with the `resources-finalizer` has its
/// resources deleted with it. Neither source of Applications writes it, so
/// both make the same Applications and removing one leaves its workloads.
#[test]
fn no_application_deletes_its_workloads_when_removed() {
    let all = manifests(argo());
    let apps = of_kind(&all, "Application");
    assert_eq!(apps.len(), 3, "two environments' and the root");
    for app in apps {
        assert!(app["metadata"].get("finalizers").is_none(), "{app}");
    }
}

#[test]
fn deleting_the_application_set_leaves_the_workloads() {
    let all = manifests(with_set());
    let sets = of_kind(&all, "ApplicationSet");
    assert_eq!(sets.len(), 1);
    let spec = &sets[0]["spec"];
    let preserve = spec["syncPolicy"]["preserveResourcesOnDeletion"] == Value::Bool(true);
    let finalizers = finalizers_the_controller_gives(&spec["template"], preserve);
    assert!(finalizers.is_empty(), "the generated Applications get {finalizers:?}");
}

/// argo-cd `pkg/apis/application/v1alpha1/types.go`, `RetryStrategy.Refresh`:
/// "Refresh indicates if the latest revision should be used on retry
/// instead of the initial one (default: false)". Without it a revert of a
/// broken commit waits for the broken commit's retries to run out.
#[test]
fn a_retry_takes_the_latest_revision() {
    let all = manifests(argo());
    let mut policies: Vec<&Value> =
        environment_apps(&all).iter().map(|app| &app["spec"]["syncPolicy"]).collect();
    let set = manifests(with_set());
    for set in of_kind(&set, "ApplicationSet") {
        policies.push(&set["spec"]["template"]["spec"]["syncPolicy"]);
    }
    assert_eq!(policies.len(), 3, "two Applications and the ApplicationSet's template");
    for policy in policies {
        assert_eq!(policy["retry"]["refresh"], Value::Bool(true), "{policy}");
    }
}

/// helm-controller `api/v2/helmrelease_types.go`,
/// `UpgradeRemediation.MustRemediateLastFailure`: unset, it is
/// `Retries > 0`. So the generated release remediates its last failure
/// without saying so, and says nothing that could drift from the default.
#[test]
fn the_last_failed_upgrade_is_remediated_by_the_default() {
    let all = manifests(flux());
    let releases = of_kind(&all, "HelmRelease");
    assert_eq!(releases.len(), 2);
    for release in releases {
        let remediation = &release["spec"]["upgrade"]["remediation"];
        let retries = remediation["retries"].as_i64().unwrap_or(0);
        let remediates = match &remediation["remediateLastFailure"] {
            Value::Bool(set) => *set,
            _ => retries > 0,
        };
        assert!(remediates, "{remediation}");
        assert!(remediation.get("remediateLastFailure").is_none(), "{remediation}");
    }
}

fn setting_problems(controllers: Controllers) -> Vec<(ProblemKind, String)> {
    problems_of(chart(controllers).generate())
}

fn problems_of(generated: Result<gitops_gen::Generated, Error>) -> Vec<(ProblemKind, String)> {
    match generated {
        Err(Error::Deployment { problems }) => {
            problems.into_iter().map(|p| (p.kind, p.key.unwrap_or_default())).collect()
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

/// helm-controller `api/v2/helmrelease_types.go` and source-controller
/// `api/v1/gitrepository_types.go`: `interval` is
/// `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`, narrower than Go's durations.
#[test]
fn flux_intervals_are_what_its_crds_take() {
    for interval in ["10ns", "5us", ".5m", "1.m", "1d"] {
        let flux = Controllers::new(repository()).flux(Flux::new().interval(interval));
        assert_eq!(
            setting_problems(flux),
            [(ProblemKind::InvalidSetting, "Flux.interval".to_owned())],
            "{interval}"
        );
    }
    for interval in ["1.5h", "1h30m", "300ms"] {
        let flux = Controllers::new(repository()).flux(Flux::new().interval(interval));
        let all = manifests(flux);
        assert_eq!(of_kind(&all, "GitRepository")[0]["spec"]["interval"], interval);
    }
}

/// source-controller `api/v1/gitrepository_types.go`: `url` is
/// `^(http|https|ssh)://.*$`; Argo CD takes scp-style `git@host:org/repo`
/// too, so the rule applies with Flux only.
#[test]
fn flux_takes_only_http_https_and_ssh_urls() {
    let scp = || GitRepository::new("git@git.example:acme/shop.git", "deploy/chart");
    assert_eq!(
        setting_problems(Controllers::new(scp()).flux(Flux::new())),
        [(ProblemKind::InvalidSetting, "GitRepository.url".to_owned())]
    );
    assert!(chart(Controllers::new(scp()).argo_cd(ArgoCd::new())).generate().is_ok());
    let ssh = GitRepository::new("ssh://git@git.example/acme/shop.git", "deploy/chart");
    assert!(chart(Controllers::new(ssh).flux(Flux::new())).generate().is_ok());
}

/// source-controller `api/v1/gitrepository_types.go`, `SecretRef`: the
/// Secret, in the GitRepository's namespace, with the credentials of a
/// private repository; without it the fetch fails.
#[test]
fn a_private_repository_gives_flux_its_secret() {
    let private = Controllers::new(repository().secret("shop-git")).flux(Flux::new());
    let all = manifests(private);
    let sources = of_kind(&all, "GitRepository");
    assert_eq!(sources.len(), 4, "each environment's, in its directory and its bootstrap");
    for source in sources {
        assert_eq!(source["spec"]["secretRef"]["name"], "shop-git", "{source}");
    }
    let bad = Controllers::new(repository().secret("Shop Git")).flux(Flux::new());
    assert_eq!(
        setting_problems(bad),
        [(ProblemKind::InvalidName, "GitRepository.secret".to_owned())]
    );
}

/// argo-cd `applicationset/controllers/template/patch.go`: `templatePatch`
/// is a strategic merge (`strategicpatch.StrategicMergePatch`) onto the
/// Application, and `pkg/apis/application/v1alpha1/types.go`'s
/// `SyncOptions []string` has no patch strategy, so the patch's list replaces
/// the template's whole. The sync options are written in the patch only.
#[test]
fn sync_options_are_written_in_one_place() {
    let all = manifests(with_set());
    let set = of_kind(&all, "ApplicationSet")[0];
    let template_policy = &set["spec"]["template"]["spec"]["syncPolicy"];
    assert!(template_policy.get("syncOptions").is_none(), "{template_policy}");
    let patch = set["spec"]["templatePatch"].as_str().expect("a templatePatch");
    assert!(patch.contains("syncOptions:") && patch.contains("CreateNamespace=true"), "{patch}");
}

/// kustomize-controller `docs/spec/v1/kustomizations.md` (`.spec.prune`):
/// objects missing from the source are deleted, unless labelled or annotated
/// `kustomize.toolkit.fluxcd.io/prune: disabled`. Removing an environment's
/// directory must not delete its namespace and everything in it.
#[test]
fn removing_a_flux_environment_keeps_its_namespace() {
    let all = manifests(flux());
    let namespaces = of_kind(&all, "Namespace");
    assert_eq!(namespaces.len(), 2);
    for namespace in namespaces {
        let annotations = &namespace["metadata"]["annotations"];
        assert_eq!(annotations["kustomize.toolkit.fluxcd.io/prune"], "disabled", "{namespace}");
    }
}

/// argo-cd `docs/user-guide/projects.md`, "The Default Project": it
/// "permits deployments from any source repo, to any cluster, and all
/// resource Kinds". The
/// Applications get a project of the chart's own, limited to its repository
/// and its environments' destinations; `default` is an explicit choice.
#[test]
fn applications_run_in_a_restricted_project_unless_told_otherwise() {
    let all = manifests(argo());
    let projects: Vec<&Value> = of_kind(&all, "AppProject")
        .into_iter()
        .filter(|p| p["metadata"]["name"] != "shop-bootstrap")
        .collect();
    assert_eq!(projects.len(), 1);
    let spec = &projects[0]["spec"];
    assert_eq!(projects[0]["metadata"]["name"], "shop");
    assert_eq!(spec["sourceRepos"], serde_json::json!(["https://git.example/acme/shop.git"]));
    assert_eq!(spec["destinations"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        spec["clusterResourceWhitelist"],
        serde_json::json!([{"group": "", "kind": "Namespace"}])
    );
    for app in environment_apps(&all) {
        assert_eq!(app["spec"]["project"], "shop", "{app}");
    }
    let open = manifests(Controllers::new(repository()).argo_cd(ArgoCd::new().default_project()));
    assert!(of_kind(&open, "AppProject").iter().all(|p| p["metadata"]["name"] == "shop-bootstrap"));
    assert!(environment_apps(&open).iter().all(|app| app["spec"]["project"] == "default"));
}

/// Flux's values reach the release from a ConfigMap that kustomize builds
/// of files in the same source (fluxcd/pkg `kustomize/kustomize_generator.go`
/// builds on a file system rooted at the source's root): values kept in
/// another repository reach Argo CD only, so the chart's environments would
/// be deployed from two places.
#[test]
fn values_from_another_repository_is_refused_with_flux() {
    let values = GitRepository::new("https://git.example/acme/environments.git", "shop/");
    let argo = ArgoCd::new().values_from(values);
    let with_flux = Controllers::new(repository()).argo_cd(argo.clone()).flux(Flux::new());
    let split = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev").controller(Controller::Flux))
        .environment(Environment::production("prod").controller(Controller::ArgoCd))
        .controllers(with_flux);
    assert_eq!(
        problems_of(split.generate()),
        [(ProblemKind::InvalidSetting, "ArgoCd.values_from".to_owned())]
    );
    assert!(chart(Controllers::new(repository()).argo_cd(argo)).generate().is_ok());
}

/// A chart deployed by Flux, written as in a repository (`deploy/chart`,
/// `deploy/gitops`) under `root`.
fn write_repository(root: &std::path::Path, chart: &Chart) {
    let outputs = Outputs::chart(root.join("deploy/chart")).controllers(root.join("deploy/gitops"));
    chart.write(&outputs).expect("writes");
}

/// The version of the chart Flux builds from a Git source, and its values:
/// source-controller `internal/controller/helmchart_controller.go`
/// (`buildFromTarballArtifact`) sets the build metadata to the source's
/// revision under `reconcileStrategy: Revision`, then appends the HelmChart's
/// generation when it lists `valuesFiles`; `internal/helm/chart/builder_local.go`
/// reuses a chart already built at that version. The values are the
/// `valuesFrom` keys merged in order (fluxcd/pkg `chartutil/values.go`,
/// `ChartValuesFromReferences`).
fn what_flux_deploys(repo: &std::path::Path, environment: &str, revision: &str) -> (String, Value) {
    let built =
        environments::build_as_flux_does(&repo.join("deploy/gitops/flux").join(environment));
    let release = built.iter().find(|o| o["kind"] == "HelmRelease").expect("a HelmRelease");
    let spec = &release["spec"]["chart"]["spec"];
    let chart_yaml: Value = yaml_serde::from_str(
        &std::fs::read_to_string(repo.join(spec["chart"].as_str().unwrap()).join("Chart.yaml"))
            .unwrap(),
    )
    .unwrap();
    let mut metadata = Vec::new();
    if spec["reconcileStrategy"] == "Revision" {
        metadata.push(revision.to_owned());
    }
    if spec["valuesFiles"].as_array().is_some_and(|files| !files.is_empty()) {
        // The generation grows with every change of the HelmRelease's chart spec.
        metadata.push(format!("generation-of-{}", spec));
    }
    let mut version = chart_yaml["version"].as_str().unwrap().to_owned();
    if !metadata.is_empty() {
        version = format!("{}+{}", version.split('+').next().unwrap(), metadata.join("."));
    }
    let mut values = serde_json::json!({});
    for reference in release["spec"]["valuesFrom"].as_array().into_iter().flatten() {
        let config_map = built
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == reference["name"])
            .expect("the ConfigMap valuesFrom names");
        let text = config_map["data"][reference["valuesKey"].as_str().unwrap()].as_str().unwrap();
        // A file of comments only is no values (Helm's `ReadValues`).
        let read: Value = yaml_serde::from_str(text).unwrap();
        if !read.is_null() {
            merge_maps(&mut values, &read);
        }
    }
    (version, values)
}

fn merge_maps(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(old) if old.is_object() && value.is_object() => merge_maps(old, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// helm-controller `internal/action/verify.go` (`VerifyReleaseObject`): a
/// release is upgraded when its chart's version (`ErrChartChanged`) or its
/// values (`ErrConfigDigest`) differ from the last release's. So a commit
/// that changes only dev's values upgrades dev only, and one that changes
/// what the chart deploys upgrades every environment.
#[test]
fn a_commit_upgrades_only_the_releases_it_changes() {
    let two = |dev: Environment, image: &str| {
        Chart::new("shop")
            .image(image)
            .config::<Shop>()
            .environment(dev)
            .environment(Environment::production("prod").namespace("shop").replicas(3))
            .controllers(flux())
    };
    let base = scratch_dir("flux-upgrades-base");
    write_repository(&base, &two(Environment::new("dev"), "ghcr.io/acme/shop"));
    let dev_only = scratch_dir("flux-upgrades-dev-only");
    write_repository(&dev_only, &two(Environment::new("dev").replicas(2), "ghcr.io/acme/shop"));
    let chart_changed = scratch_dir("flux-upgrades-chart");
    write_repository(&chart_changed, &two(Environment::new("dev"), "ghcr.io/acme/shop-v2"));

    let before = |env| what_flux_deploys(&base, env, "main@sha1:1111");
    let dev_commit = |env| what_flux_deploys(&dev_only, env, "main@sha1:2222");
    let chart_commit = |env| what_flux_deploys(&chart_changed, env, "main@sha1:3333");
    assert_eq!(dev_commit("prod"), before("prod"), "prod is not upgraded by dev's change");
    let (dev_version, dev_values) = dev_commit("dev");
    assert_eq!(dev_version, before("dev").0, "the same chart");
    assert_ne!(dev_values, before("dev").1, "dev's values changed");
    assert_eq!(dev_values["replicaCount"], 2);
    for env in ["dev", "prod"] {
        assert_ne!(chart_commit(env).0, before(env).0, "{env}: the chart changed");
    }
}

/// kustomize-controller `internal/controller/kustomization_controller.go`
/// (`finalizerShouldDeleteResources`): deleting a Kustomization deletes what
/// it applied under `deletionPolicy` `Delete` or `WaitForTermination`, or
/// `MirrorPrune` (the default) with `prune: true`. Deleting the bootstrap
/// Kustomization would delete the HelmRelease, and helm-controller would
/// uninstall the release; it must orphan them instead.
#[test]
fn deleting_a_flux_kustomization_leaves_the_release() {
    let all = manifests(flux());
    let kustomizations: Vec<&Value> = of_kind(&all, "Kustomization")
        .into_iter()
        .filter(|k| k["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1")
        .collect();
    assert_eq!(kustomizations.len(), 2, "one per environment");
    for kustomization in kustomizations {
        let spec = &kustomization["spec"];
        let deletes = match spec["deletionPolicy"].as_str().unwrap_or("MirrorPrune") {
            "MirrorPrune" => spec["prune"] == Value::Bool(true),
            "Delete" | "WaitForTermination" => true,
            _ => false,
        };
        assert!(!deletes, "{kustomization}");
        assert_eq!(spec["prune"], Value::Bool(true), "objects gone from Git are still removed");
    }
}

/// kustomize-controller `api/v1/kustomization_types.go` (`DependsOn`):
/// Kustomizations "that must be ready before this Kustomization can be
/// reconciled". In one cluster the environments go in their declared order;
/// in different clusters (different Flux instances) nothing can be waited for.
#[test]
fn flux_environments_in_one_cluster_wait_for_the_one_before() {
    let depends_on = |chart: Chart| -> Vec<Value> {
        let files = chart.generate().unwrap().controllers.unwrap();
        let all = parse(&files);
        of_kind(&all, "Kustomization")
            .into_iter()
            .filter(|k| k["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1")
            .map(|k| k["spec"]["dependsOn"].clone())
            .collect()
    };
    let one_cluster = chart(flux());
    assert_eq!(depends_on(one_cluster), [Value::Null, serde_json::json!([{"name": "shop-dev"}])]);
    let apart = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev"))
        .environment(Environment::production("prod").cluster_server("https://prod.example:6443"))
        .controllers(flux());
    assert_eq!(depends_on(apart), [Value::Null, Value::Null]);
}

/// argo-cd `reposerver/repository/repository.go`
/// (`getPotentiallyValidManifests`): a directory source with `recurse` applies
/// every manifest under its path. The root Application's path is `argocd/`,
/// which holds exactly one source of Applications and nothing of the
/// user's; the root itself lives outside it, in `bootstrap/`.
#[test]
fn the_root_application_applies_one_source_of_applications() {
    for (controllers, expected) in [
        (argo(), ["AppProject", "Application", "Application"].as_slice()),
        (with_set(), &["AppProject", "ApplicationSet"]),
    ] {
        let all = manifests(controllers);
        let roots: Vec<&(String, Value)> = all
            .iter()
            .filter(|(_, o)| {
                o["kind"] == "Application" && o["spec"]["source"].get("directory").is_some()
            })
            .collect();
        assert_eq!(roots.len(), 1);
        let (root_file, root) = roots[0];
        assert!(root_file.starts_with("bootstrap/"), "{root_file}");
        assert!(root["metadata"].get("finalizers").is_none(), "{root}");
        let source = &root["spec"]["source"];
        assert_eq!(source["path"], "deploy/gitops/argocd");
        assert_eq!(source["directory"]["recurse"], true);
        let mut applied: Vec<&str> = all
            .iter()
            .filter(|(path, _)| path.starts_with("argocd/"))
            .filter_map(|(_, o)| o["kind"].as_str())
            .collect();
        applied.sort();
        assert_eq!(applied, expected);
    }
}

/// A file of the user's under `argocd/` would be applied by the root beside
/// the generated Applications (a second source of them): refused, nothing
/// written.
#[test]
fn a_file_of_the_users_under_the_roots_directory_is_refused() {
    let root = scratch_dir("root-foreign-file");
    let argocd = root.join("deploy/gitops/argocd");
    std::fs::create_dir_all(&argocd).unwrap();
    std::fs::write(argocd.join("extra.yaml"), "kind: Application\n").unwrap();
    let outputs = Outputs::chart(root.join("deploy/chart")).controllers(root.join("deploy/gitops"));
    match chart(argo()).write(&outputs) {
        Err(Error::Deployment { problems }) => {
            assert_eq!(problems.len(), 1, "{problems:#?}");
            assert_eq!(problems[0].kind, ProblemKind::Clash);
            assert!(problems[0].message.contains("extra.yaml"), "{}", problems[0].message);
        }
        other => panic!("expected the user's file refused, got {other:?}"),
    }
    assert!(!root.join("deploy/chart").exists(), "nothing written");
    assert!(!root.join("deploy/gitops/bootstrap").exists(), "nothing written");
}

/// The bootstrap manifests and Flux's Kustomizations name the controllers'
/// directory by its place in the repository: writing it elsewhere is refused.
#[test]
fn the_controllers_directory_is_where_the_repository_has_it() {
    let root = scratch_dir("controllers-path");
    let outputs = Outputs::chart(root.join("deploy/chart")).controllers(root.join("ops/gitops"));
    match chart(flux()).write(&outputs) {
        Err(Error::InvalidChart(problem)) => {
            assert_eq!(problem.key.as_deref(), Some("Controllers.path"), "{problem:?}");
            assert!(problem.message.contains("deploy/gitops"), "{}", problem.message);
        }
        other => panic!("expected Controllers.path refused, got {other:?}"),
    }
    assert!(!root.join("deploy").exists() && !root.join("ops").exists(), "nothing written");
    let told = Controllers::new(repository()).path("ops/gitops").flux(Flux::new());
    chart(told).write(&outputs).expect("written where the repository has it");
}

/// Each environment has one controller: with both, two would deploy one
/// release into one namespace, each undoing the other.
#[test]
fn an_environment_has_one_controller() {
    let both = || Controllers::new(repository()).argo_cd(ArgoCd::new()).flux(Flux::new());
    let missing = (ProblemKind::Missing, "Environment.controller".to_owned());
    assert_eq!(setting_problems(both()), [missing.clone(), missing.clone()]);
    let chosen = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev").controller(Controller::Flux))
        .environment(Environment::production("prod").controller(Controller::ArgoCd));
    let files = chosen.clone().controllers(both()).generate().unwrap().controllers.unwrap();
    assert!(
        files.contains_key("flux/dev/helmrelease.yaml")
            && !files.contains_key("flux/prod/helmrelease.yaml")
    );
    assert!(
        files.contains_key("argocd/applications/prod.yaml")
            && !files.contains_key("argocd/applications/dev.yaml")
    );
    assert_eq!(problems_of(chosen.controllers(argo()).generate()), [missing]);
}
