//! What Argo CD and Flux do with the manifests gitops-gen writes, each rule
//! read in the controller's own source and named here, applied to the
//! generated manifests. A CRD schema only says a field is well formed;
//! these say what the controller then does with it.

use gitops_gen::Outputs;
use gitops_gen::{
    ArgoCd, Canary, Chart, Cluster, Controller, Controllers, Environment, Error, Flux,
    GitRepository, MaxUpdate, Migration, Notification, ProblemKind, RollingSync, Selector, Service,
    Step, Trigger,
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

/// gitops-engine `pkg/sync/sync_context.go` (`getSyncTasks`): with
/// `PruneLast=true` every prune task's wave is moved past the last sync
/// wave, and a sync of several waves waits for the applied resources'
/// healthy state before the next (`setRunningPhase`: "waiting for healthy
/// state of"). Turning `canary.enabled` on swaps the Deployment for a
/// Rollout in one sync, so with a canary the Deployment is deleted only once
/// the Rollout serves; without one nothing changes.
#[test]
fn a_chart_with_a_canary_prunes_last() {
    let canary = Canary::new().set_weight(25).pause("5m");
    let generate = |controllers: Controllers, canary: Option<Canary>| {
        let chart = chart(controllers);
        let chart = match canary {
            Some(canary) => chart.canary(canary),
            None => chart,
        };
        parse(&chart.generate().expect("generates").controllers.expect("manifests"))
    };
    let options = |app: &Value| -> Vec<String> {
        app["spec"]["syncPolicy"]["syncOptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_owned())
            .collect()
    };
    let argo_cd = || Controllers::new(repository()).argo_cd(ArgoCd::new());
    let with_canary = generate(argo_cd(), Some(canary.clone()));
    let apps = environment_apps(&with_canary);
    assert_eq!(apps.len(), 2);
    for app in apps {
        assert!(options(app).contains(&"PruneLast=true".to_owned()), "{app}");
    }
    for app in environment_apps(&generate(argo_cd(), None)) {
        assert!(!options(app).contains(&"PruneLast=true".to_owned()), "{app}");
    }
    let set = generate(with_set(), Some(canary));
    let patch = of_kind(&set, "ApplicationSet")[0]["spec"]["templatePatch"].as_str().unwrap();
    assert!(patch.contains("\n      - PruneLast=true\n"), "{patch}");
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
            environments::merge_maps(&mut values, &read);
        }
    }
    (version, values)
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

// ---------------------------------------------------------------- rollout

/// dev, then prod (synced by hand), as `chart` declares them.
fn rolling(rollout: RollingSync) -> Controllers {
    Controllers::new(repository()).argo_cd(ArgoCd::new().application_set().rolling_sync(rollout))
}

fn application_set(controllers: Controllers) -> Value {
    let all = manifests(controllers);
    of_kind(&all, "ApplicationSet")[0].clone()
}

/// argo-cd `applicationset/progressivesync/progressive_sync.go`,
/// `buildAppDependencyList` and `labelMatchedExpression`: an Application is
/// in a step when every `In` expression has its label's value among the
/// values; in none, `getAppStep` gives it step -1 and `getAppsToSync` never
/// syncs it (`docs/operator-manual/applicationset/Progressive-Syncs.md`:
/// "excluded from the rolling sync").
fn steps_of(strategy: &Value, labels: &Value) -> Vec<usize> {
    let steps = strategy["rollingSync"]["steps"].as_array().expect("steps");
    (0..steps.len())
        .filter(|&i| {
            steps[i]["matchExpressions"].as_array().expect("expressions").iter().all(|e| {
                assert_eq!(e["operator"], "In", "{e}");
                let value = &labels[e["key"].as_str().expect("a key")];
                e["values"].as_array().expect("values").contains(value)
            })
        })
        .collect()
}

/// progressive_sync.go, `UpdateApplicationSetApplicationStatusProgress`:
/// how many of a step's `total` Applications the controller syncs at once.
/// No `maxUpdate`: all; an integer: that many; a percentage: scaled and
/// rounded down, but at least one unless it is `0%`.
fn synced_at_once(max_update: &Value, total: u64) -> u64 {
    match max_update {
        Value::Null => total,
        Value::Number(n) => n.as_u64().expect("a count"),
        Value::String(p) => {
            let percent: u64 =
                p.strip_suffix('%').expect("a percentage").parse().expect("a number");
            let scaled = total * percent / 100;
            if percent > 0 {
                scaled.max(1)
            } else {
                0
            }
        }
        other => panic!("maxUpdate {other}"),
    }
}

/// Under RollingSync the controller syncs each step's Applications itself,
/// in step order; every environment is in exactly one step, so none is left
/// out of the rollout nor selected twice (progressive_sync.go records a
/// duplicate selection as an invalid rollout).
#[test]
fn every_environment_is_in_one_step_in_the_declared_order() {
    let set = application_set(rolling(RollingSync::by_environment()));
    let strategy = &set["spec"]["strategy"];
    assert_eq!(strategy["type"], "RollingSync");
    let elements = set["spec"]["generators"][0]["list"]["elements"].as_array().unwrap().clone();
    let template_labels = &set["spec"]["template"]["metadata"]["labels"];
    assert_eq!(template_labels["environment"], "{{ .environment }}");
    let mut order = Vec::new();
    for element in &elements {
        // The label as the template fills it for this element.
        let labels = serde_json::json!({"environment": element["environment"]});
        let steps = steps_of(strategy, &labels);
        assert_eq!(steps.len(), 1, "{element}: in steps {steps:?}");
        order.push((steps[0], element["environment"].as_str().unwrap().to_owned()));
    }
    order.sort();
    assert_eq!(order, [(0, "dev".to_owned()), (1, "prod".to_owned())]);
}

/// progressive_sync.go, `SyncDesiredApplications`: the controller turns the
/// Applications' automated sync off (`disableAutomatedSync`) and triggers
/// their syncs itself (`syncApplication`), pruning only when the
/// Application's automated policy says `prune`. So an automated
/// environment keeps `automated.prune` in what the ApplicationSet makes
/// (its sync still prunes), and one synced by hand gets `maxUpdate: 0`:
/// the controller syncs none of it, the rollout waits for its manual sync.
#[test]
fn the_rollout_prunes_automated_environments_and_waits_for_manual_ones() {
    let set =
        application_set(rolling(RollingSync::by_environment().max_update(MaxUpdate::Percent(10))));
    let strategy = &set["spec"]["strategy"];
    // The per-environment Applications are what the ApplicationSet makes
    // (tests/src/environments.rs checks its expansion against them).
    let apps = manifests(Controllers::new(repository()).argo_cd(ArgoCd::new()));
    let mut seen = 0;
    for app in environment_apps(&apps) {
        let steps = steps_of(strategy, &app["metadata"]["labels"]);
        let step = &strategy["rollingSync"]["steps"][steps[0]];
        let at_once = synced_at_once(&step["maxUpdate"], 1);
        match app["metadata"]["labels"]["environment"].as_str() {
            Some("dev") => {
                assert_eq!(app["spec"]["syncPolicy"]["automated"]["prune"], true, "{app}");
                assert_eq!(at_once, 1, "10% of one is rounded up to one: {step}");
            }
            Some("prod") => {
                assert!(app["spec"]["syncPolicy"].get("automated").is_none(), "{app}");
                assert_eq!(at_once, 0, "{step}");
            }
            other => panic!("{other:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

/// argo-cd `applicationset/controllers/applicationset_controller.go`: a
/// RollingSync without steps is an error condition ("No steps defined for
/// rollout"), and progressive syncs run only with the controller's
/// `--enable-progressive-syncs` (`cmd/argocd-applicationset-controller/
/// commands/applicationset_controller.go`, default false;
/// `applicationsetcontroller.enable.progressive.syncs` in
/// `argocd-cmd-params-cm`): the chapter says so.
#[test]
fn a_rollout_needs_steps_and_the_controller_setting() {
    assert_eq!(
        setting_problems(rolling(RollingSync::steps([]))),
        [
            (ProblemKind::Missing, "ArgoCd.rolling_sync".to_owned()),
            (ProblemKind::Missing, "ArgoCd.rolling_sync".to_owned()),
            (ProblemKind::Missing, "ArgoCd.rolling_sync".to_owned()),
        ],
        "no step, and neither environment in one"
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/environments.md"),
    )
    .unwrap();
    assert!(docs.contains("applicationsetcontroller.enable.progressive.syncs: \"true\""));
}

/// Bad rollouts, each refused naming `ArgoCd.rolling_sync`.
#[test]
fn bad_rollouts_are_refused() {
    let key = || "ArgoCd.rolling_sync".to_owned();
    // Only an ApplicationSet has a rollout.
    let plain = Controllers::new(repository())
        .argo_cd(ArgoCd::new().rolling_sync(RollingSync::by_environment()));
    assert_eq!(setting_problems(plain), [(ProblemKind::InvalidSetting, key())]);
    // A step whose label matches no environment.
    let unknown = RollingSync::steps([Step::new(["dev"]), Step::new(["qa"]), Step::new(["prod"])]);
    assert_eq!(setting_problems(rolling(unknown)), [(ProblemKind::UnknownEnvironment, key())]);
    // An environment in no step.
    let left_out = RollingSync::steps([Step::new(["dev"])]);
    assert_eq!(setting_problems(rolling(left_out)), [(ProblemKind::Missing, key())]);
    // An environment in two steps.
    let twice = RollingSync::steps([Step::new(["dev"]), Step::new(["dev", "prod"])]);
    let problems = setting_problems(rolling(twice));
    assert!(problems.contains(&(ProblemKind::Clash, key())), "{problems:?}");
    // A step mixing automated and manual environments, and a manual one
    // given a maxUpdate: prod's gate would go.
    let mixed = RollingSync::steps([Step::new(["dev", "prod"])]);
    assert_eq!(setting_problems(rolling(mixed)), [(ProblemKind::InvalidSetting, key())]);
    let opened = RollingSync::steps([
        Step::new(["dev"]),
        Step::new(["prod"]).max_update(MaxUpdate::Count(1)),
    ]);
    assert_eq!(setting_problems(rolling(opened)), [(ProblemKind::InvalidSetting, key())]);
    let over = RollingSync::by_environment().max_update(MaxUpdate::Percent(150));
    assert_eq!(setting_problems(rolling(over)), [(ProblemKind::InvalidSetting, key())]);
}

// ---------------------------------------------------------------- notifications

/// Prod notifies Slack of failures, and a webhook of deployments.
fn notifying(controllers: Controllers) -> Chart {
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev"))
        .environment(
            Environment::production("prod")
                .namespace("shop")
                .notify(
                    Notification::on([Trigger::SyncFailed, Trigger::HealthDegraded])
                        .to(Service::slack("shop-prod").secret("shop-slack"))
                        .to(Service::slack("C024BE91L").secret("shop-slack")),
                )
                .notify(
                    Notification::on([Trigger::Deployed])
                        .to(Service::webhook("deploys").secret("shop-deploys")),
                ),
        )
        .controllers(controllers)
}

fn notifying_manifests(controllers: Controllers) -> Vec<(String, Value)> {
    parse(&notifying(controllers).generate().expect("generates").controllers.unwrap())
}

/// argo-cd `notifications_catalog/triggers/`: the catalog's trigger names,
/// one file each; `Trigger` names exactly those.
#[test]
fn triggers_are_the_catalogs() {
    let catalog = [
        "on-created",
        "on-deleted",
        "on-deployed",
        "on-health-degraded",
        "on-sync-failed",
        "on-sync-running",
        "on-sync-status-unknown",
        "on-sync-succeeded",
    ];
    let ours: Vec<&str> = Trigger::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(ours, catalog);
}

/// notifications-engine `pkg/subscriptions/annotations.go` (`iterate`,
/// `parseRecipients`), which Argo CD's notifications controller reads the
/// annotations with: after `notifications.argoproj.io/subscribe.`, the key
/// splits on `.` into the trigger (first part) and the service (second);
/// the value splits on `;` into recipients, each trimmed, empty ones
/// dropped (an empty value: one empty recipient, a webhook's).
fn subscriptions(annotations: &Value) -> Vec<(String, String, Vec<String>)> {
    let prefix = "notifications.argoproj.io/subscribe.";
    let mut out = Vec::new();
    for (key, value) in annotations.as_object().into_iter().flatten() {
        let Some(rest) = key.strip_prefix(prefix) else { continue };
        let parts: Vec<&str> = rest.split('.').collect();
        let (trigger, service) = match parts[..] {
            [only] => ("", only),
            [trigger, service, ..] => (trigger, service),
            [] => unreachable!(),
        };
        let value = value.as_str().expect("a string");
        let recipients = if value.is_empty() {
            vec![String::new()]
        } else {
            value.split(';').map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect()
        };
        out.push((trigger.to_owned(), service.to_owned(), recipients));
    }
    out.sort();
    out
}

#[test]
fn argo_cd_reads_each_subscription_as_declared() {
    let all = notifying_manifests(Controllers::new(repository()).argo_cd(ArgoCd::new()));
    let apps = of_kind(&all, "Application");
    let read = |env: &str| {
        let app = apps.iter().find(|a| a["metadata"]["labels"]["environment"] == env).unwrap();
        subscriptions(&app["metadata"]["annotations"])
    };
    assert!(read("dev").is_empty());
    let slack = || vec!["shop-prod".to_owned(), "C024BE91L".to_owned()];
    assert_eq!(
        read("prod"),
        [
            ("on-deployed".to_owned(), "deploys".to_owned(), vec![String::new()]),
            ("on-health-degraded".to_owned(), "slack".to_owned(), slack()),
            ("on-sync-failed".to_owned(), "slack".to_owned(), slack()),
        ]
    );
    // The ApplicationSet's elements carry the same annotations.
    let all = notifying_manifests(
        Controllers::new(repository()).argo_cd(ArgoCd::new().application_set()),
    );
    let set = of_kind(&all, "ApplicationSet")[0];
    let elements = set["spec"]["generators"][0]["list"]["elements"].as_array().unwrap();
    let prod = elements.iter().find(|e| e["environment"] == "prod").unwrap();
    let app = apps.iter().find(|a| a["metadata"]["labels"]["environment"] == "prod").unwrap();
    assert_eq!(prod["notifications"], app["metadata"]["annotations"]);
}

/// What notifications-engine would misread is refused: a service name with
/// `.` (the key splits on it), a recipient list's `;` in a channel, an
/// annotation key Kubernetes refuses (more than 63 after the `/`).
#[test]
fn names_argo_cd_would_misread_are_refused() {
    let argo = || Controllers::new(repository()).argo_cd(ArgoCd::new());
    for (service, kind) in [
        (Service::slack("a;b"), ProblemKind::InvalidSetting),
        (Service::slack("#prod"), ProblemKind::InvalidSetting),
        (Service::slack("prod").argo_cd_service("slack.prod"), ProblemKind::InvalidName),
        (Service::webhook("w".repeat(40)), ProblemKind::InvalidName),
        (Service::email("oncall@example.com;boss@example.com"), ProblemKind::InvalidSetting),
        (Service::teams("release notes"), ProblemKind::InvalidSetting),
    ] {
        let chart = Chart::new("shop")
            .image("ghcr.io/acme/shop")
            .config::<Shop>()
            .environment(
                Environment::new("prod")
                    .notify(Notification::on([Trigger::SyncStatusUnknown]).to(service.clone())),
            )
            .controllers(argo());
        match chart.generate() {
            Err(Error::Deployment { problems }) => {
                assert_eq!(problems.len(), 1, "{service:?}: {problems:?}");
                assert_eq!(problems[0].kind, kind, "{service:?}");
                assert_eq!(problems[0].key.as_deref(), Some("Environment.notify[0]"));
                assert_eq!(problems[0].environment.as_deref(), Some("prod"));
            }
            other => panic!("{service:?}: {other:?}"),
        }
    }
}

/// A notification without a service, or without a trigger; email with
/// Flux (it has no email provider: notification-controller
/// `api/v1beta3/provider_types.go`, the `Type` enum); a Flux Provider
/// without the Secret holding its address.
#[test]
fn incomplete_notifications_are_refused_by_name() {
    let refused = |notification: Notification, controllers: Controllers| {
        let chart = Chart::new("shop")
            .image("ghcr.io/acme/shop")
            .config::<Shop>()
            .environment(Environment::new("dev"))
            .environment(Environment::new("prod").notify(notification))
            .controllers(controllers);
        match chart.generate() {
            Err(Error::Deployment { problems }) => problems
                .into_iter()
                .map(|p| {
                    assert_eq!(p.environment.as_deref(), Some("prod"), "{p}");
                    (p.kind, p.key.unwrap_or_default(), p.message)
                })
                .collect::<Vec<_>>(),
            other => panic!("expected problems, got {other:?}"),
        }
    };
    let problems = refused(Notification::on([Trigger::SyncFailed]), flux());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].0, problems[0].1.as_str()),
        (ProblemKind::Missing, "Environment.notify[0]")
    );
    assert!(problems[0].2.contains("on-sync-failed has no service"), "{}", problems[0].2);
    let problems = refused(
        Notification::on([]).to(Service::slack("prod")),
        Controllers::new(repository()).argo_cd(ArgoCd::new()),
    );
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [ProblemKind::Missing]);
    let email = Notification::on([Trigger::SyncFailed]).to(Service::email("oncall@example.com"));
    let problems = refused(email.clone(), flux());
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [ProblemKind::Unsupported]);
    assert!(chart(Controllers::new(repository()).argo_cd(ArgoCd::new()))
        .environment(Environment::new("qa").notify(email))
        .generate()
        .is_ok());
    let no_secret = Notification::on([Trigger::SyncFailed]).to(Service::slack("prod"));
    let problems = refused(no_secret, flux());
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [ProblemKind::Missing]);
    let bad_secret =
        Notification::on([Trigger::SyncFailed]).to(Service::slack("prod").secret("Slack Hook"));
    let problems = refused(bad_secret, flux());
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [ProblemKind::InvalidName]);
}

/// notification-controller `internal/server/event_handlers.go`,
/// `eventMatchesAlertSources` and `eventMatchesAlertSource`: a source
/// without a namespace is in the Alert's; an event matches when its
/// involved object has the source's namespace, kind and name, and its
/// severity is the Alert's or the Alert's is `info` (which passes every
/// event).
fn alert_passes(alert: &Value, kind: &str, namespace: &str, name: &str, severity: &str) -> bool {
    let own = alert["spec"]["eventSeverity"].as_str().unwrap_or("info");
    let sources = alert["spec"]["eventSources"].as_array().expect("eventSources");
    sources.iter().any(|source| {
        let source_namespace = source["namespace"]
            .as_str()
            .or(alert["metadata"]["namespace"].as_str())
            .expect("a namespace");
        source_namespace == namespace
            && source["kind"] == kind
            && (severity == own || own == "info")
            && (source["name"] == "*" || source["name"] == name)
    })
}

#[test]
fn flux_alerts_hear_the_release_at_the_triggers_severity() {
    let all = notifying_manifests(flux());
    let release = of_kind(&all, "HelmRelease")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "shop-prod")
        .unwrap()
        .clone();
    let namespace = release["metadata"]["namespace"].as_str().unwrap();
    let alerts = of_kind(&all, "Alert");
    // One per service: Slack (both channels are one Provider each) and the webhook.
    let mut names: Vec<&str> =
        alerts.iter().filter_map(|a| a["metadata"]["name"].as_str()).collect();
    names.sort();
    assert_eq!(names, ["shop-prod-slack", "shop-prod-slack-2", "shop-prod-webhook"]);
    for alert in &alerts {
        let failures_only = alert["metadata"]["name"] != "shop-prod-webhook";
        for kind in ["HelmRelease", "GitRepository"] {
            assert!(alert_passes(alert, kind, namespace, "shop-prod", "error"), "{alert}");
            assert_eq!(
                alert_passes(alert, kind, namespace, "shop-prod", "info"),
                !failures_only,
                "{alert}"
            );
            assert!(!alert_passes(alert, kind, namespace, "shop-dev", "error"), "{alert}");
        }
    }
    // dev has no notifications.
    assert!(all.iter().all(|(path, _)| !path.starts_with("flux/dev/alert")));
}

/// notification-controller `api/v1beta3/alert_types.go`: `providerRef` is
/// a `meta.LocalObjectReference`, a Provider in the Alert's namespace; and
/// `internal/server/event_handlers.go` (`extractAuthFromSecret`) reads the
/// address from the key `address` of the Provider's `secretRef`, so the
/// Provider names the Secret and never holds an address itself.
#[test]
fn flux_providers_are_beside_their_alerts_and_hold_no_address() {
    let all = notifying_manifests(flux());
    let providers = of_kind(&all, "Provider");
    assert_eq!(providers.len(), 3);
    for alert in of_kind(&all, "Alert") {
        let provider = providers
            .iter()
            .find(|p| p["metadata"]["name"] == alert["spec"]["providerRef"]["name"])
            .unwrap_or_else(|| panic!("{alert}: no Provider"));
        assert_eq!(provider["metadata"]["namespace"], alert["metadata"]["namespace"]);
        assert!(provider["spec"].get("address").is_none(), "{provider}");
        let expected = match provider["spec"]["type"].as_str() {
            Some("slack") => "shop-slack",
            Some("generic") => "shop-deploys",
            other => panic!("{other:?}"),
        };
        assert_eq!(provider["spec"]["secretRef"]["name"], expected, "{provider}");
    }
    // Listed in the environment's kustomization.
    let kustomization = &all.iter().find(|(p, _)| p == "flux/prod/kustomization.yaml").unwrap().1;
    let resources = kustomization["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 3 + 6, "{resources:?}");
}

// The migration Job's hooks (`Chart::migration`): what Helm and Argo CD do
// with their annotations, applied to Helm's render of a chart with every
// copy (ServiceAccount, ConfigMap, ExternalSecret) and the Job.

/// The objects of `templates/migration.yaml`, rendered by Helm's SDK: once
/// for every test that reads them (they would share, and clear, one
/// scratch directory).
fn migration_hooks() -> Vec<Value> {
    static HOOKS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    HOOKS.get_or_init(render_migration_hooks).clone()
}

fn render_migration_hooks() -> Vec<Value> {
    let dir = gitops_tests::scratch_dir("controller-rules-migration");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .migration(Migration::new().command(["/app/shop"]).args(["migrate"]))
        .write(&Outputs::chart(&dir))
        .expect("writes");
    let values = "secrets:\n  externalSecret: {enabled: true, secretStoreRef: {name: vault}, remoteKey: shop}\n";
    let render = gitops_tests::oracle::one(serde_json::json!({
        "op": "render", "chart": dir, "values_yaml": values, "name": "shop", "namespace": "shop",
    }));
    assert_eq!(render["ok"], true, "{render:#}");
    let hooks: Vec<Value> = render["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["template"].as_str().unwrap().ends_with("templates/migration.yaml"))
        .map(|o| o["object"].clone())
        .collect();
    let kinds: Vec<&str> = hooks.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ServiceAccount", "ConfigMap", "ExternalSecret", "NetworkPolicy", "Job"]);
    hooks
}

fn annotation<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object["metadata"]["annotations"][name].as_str()
}

/// An annotation's comma-separated values, trimmed (gitops-engine
/// `pkg/sync/resource`'s `GetAnnotationCSVs`; Helm's `operateAnnotationValues`
/// also lower-cases them).
fn csv(object: &Value, name: &str) -> Vec<String> {
    annotation(object, name)
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// Argo CD's hook types of an object: its own `argocd.argoproj.io/hook`
/// when that names any type, and only then Helm's `helm.sh/hook`, mapped
/// `pre-install`/`pre-upgrade` → PreSync, `post-install`/`post-upgrade` →
/// PostSync, any other Helm event ignored (gitops-engine
/// `pkg/sync/hook/hook.go` `Types`, `pkg/sync/hook/helm/type.go`).
fn argo_cd_hook_types(object: &Value) -> Vec<String> {
    let own: Vec<String> = csv(object, "argocd.argoproj.io/hook")
        .into_iter()
        .filter(|t| {
            ["PreSync", "Sync", "PostSync", "SyncFail", "PostDelete", "Skip"].contains(&t.as_str())
        })
        .collect();
    if !own.is_empty() {
        return own;
    }
    csv(object, "helm.sh/hook")
        .iter()
        .filter_map(|event| match event.as_str() {
            "pre-install" | "pre-upgrade" => Some("PreSync".to_owned()),
            "post-install" | "post-upgrade" => Some("PostSync".to_owned()),
            _ => None,
        })
        .collect()
}

/// Argo CD's delete policies: the union of its own annotation and Helm's
/// (`before-hook-creation` → BeforeHookCreation, `hook-succeeded` →
/// HookSucceeded, `hook-failed` → HookFailed), BeforeHookCreation when
/// neither names one (gitops-engine `pkg/sync/hook/delete_policy.go`,
/// `pkg/sync/hook/helm/delete_policy.go`).
fn argo_cd_delete_policies(object: &Value) -> std::collections::BTreeSet<String> {
    let mut policies: std::collections::BTreeSet<String> =
        csv(object, "argocd.argoproj.io/hook-delete-policy").into_iter().collect();
    for helm in csv(object, "helm.sh/hook-delete-policy") {
        let argo = match helm.as_str() {
            "before-hook-creation" => "BeforeHookCreation",
            "hook-succeeded" => "HookSucceeded",
            "hook-failed" => "HookFailed",
            _ => continue,
        };
        policies.insert(argo.to_owned());
    }
    if policies.is_empty() {
        policies.insert("BeforeHookCreation".to_owned());
    }
    policies
}

/// Argo CD's wave: `argocd.argoproj.io/sync-wave` when it parses as an
/// integer, else `helm.sh/hook-weight`, else 0 (gitops-engine
/// `pkg/sync/syncwaves/waves.go`, `pkg/sync/hook/helm/weight.go`).
fn argo_cd_wave(object: &Value) -> i64 {
    annotation(object, "argocd.argoproj.io/sync-wave")
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| helm_weight(object))
}

/// Helm's weight: `helm.sh/hook-weight` as an integer, else 0 (helm
/// `pkg/release/v1/util/manifest_sorter.go`, `calculateHookWeight`).
fn helm_weight(object: &Value) -> i64 {
    annotation(object, "helm.sh/hook-weight").and_then(|w| w.parse().ok()).unwrap_or(0)
}

/// Both controllers read the same hook from each object: Argo CD's own
/// annotation (which makes it ignore Helm's) says what Argo CD would have
/// made of Helm's, so a chart rendered by either runs the migration in the
/// same phase. Helm skips, without an error, a resource whose
/// `helm.sh/hook` names an event it does not know (helm
/// `pkg/release/v1/util/manifest_sorter.go`, `events`): an unknown phase
/// is refused at generation instead (`Migration.phases`).
#[test]
fn migration_hooks_mean_the_same_to_helm_and_argo_cd() {
    let helm_events = ["pre-install", "pre-upgrade", "post-install", "post-upgrade"];
    for hook in migration_hooks() {
        let helm = csv(&hook, "helm.sh/hook");
        assert_eq!(helm, ["pre-install", "pre-upgrade"], "{hook}");
        assert!(helm.iter().all(|e| helm_events.contains(&e.as_str())));
        let mut helm_only = hook.clone();
        helm_only["metadata"]["annotations"]
            .as_object_mut()
            .unwrap()
            .retain(|k, _| k.starts_with("helm.sh/"));
        assert_eq!(argo_cd_hook_types(&hook), ["PreSync"], "{hook}");
        // The phases, each once (gitops-engine `pkg/sync/sync_phase.go`).
        let phases = |o: &Value| {
            argo_cd_hook_types(o).into_iter().collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(phases(&hook), phases(&helm_only), "{hook}");
        assert_eq!(argo_cd_delete_policies(&hook), argo_cd_delete_policies(&helm_only), "{hook}");
        assert_eq!(argo_cd_wave(&hook), argo_cd_wave(&helm_only), "{hook}");
    }
}

/// Order: Helm runs one event's hooks sorted by weight, then name (helm
/// `pkg/action/hooks.go`, `hookByWeight`), each created and, for a Job,
/// waited for before the next; Argo CD applies a phase wave by wave
/// (gitops-engine `pkg/sync/sync_context.go`). Every copy comes before the
/// Job in both.
#[test]
fn migration_copies_come_before_the_job() {
    let hooks = migration_hooks();
    let job = hooks.iter().find(|o| o["kind"] == "Job").unwrap();
    for copy in hooks.iter().filter(|o| o["kind"] != "Job") {
        assert!(helm_weight(copy) < helm_weight(job), "{copy}");
        assert!(argo_cd_wave(copy) < argo_cd_wave(job), "{copy}");
    }
    let mut helm_order: Vec<&Value> = hooks.iter().collect();
    helm_order
        .sort_by_key(|o| (helm_weight(o), o["metadata"]["name"].as_str().unwrap().to_owned()));
    assert_eq!(helm_order.last().unwrap()["kind"], "Job");
}

/// Deletion: every hook is deleted before it is created again, and once
/// the run succeeded. Helm deletes `hook-succeeded` hooks only after every
/// hook of the event succeeded, in reverse order, and on a failure deletes
/// the ones that had succeeded, leaving the failed Job (helm
/// `pkg/action/hooks.go`, `execHookWithDelayedShutdown`); Argo CD deletes
/// HookSucceeded hooks when the whole operation has succeeded
/// (gitops-engine `pkg/sync/sync_context.go`, `hooksPendingDeletionSuccessful`),
/// so the copies outlive the Job in both. A TTL would delete the Job under
/// the controllers' watch, which Argo CD reports as a missing resource
/// (the same file: "is missing, it might have been deleted"): none is set.
#[test]
fn migration_hooks_are_deleted_after_the_run_and_before_the_next() {
    for hook in migration_hooks() {
        assert_eq!(
            argo_cd_delete_policies(&hook).into_iter().collect::<Vec<_>>(),
            ["BeforeHookCreation", "HookSucceeded"],
            "{hook}"
        );
        assert_eq!(
            csv(&hook, "helm.sh/hook-delete-policy"),
            ["before-hook-creation", "hook-succeeded"]
        );
        assert!(hook["spec"].get("ttlSecondsAfterFinished").is_none(), "{hook}");
    }
}

// ---------------------------------------------------------------- fleet

/// A fleet's declarations, each mistake refused with the culprit named and
/// nothing generated: a selector that matches no declared cluster, two
/// clusters of one name, a cluster in two regions, a registry that is not a
/// host, a cluster's value the schema refuses for an environment on it, and
/// two releases whose controller objects would share a name.
#[test]
fn fleet_mistakes_are_refused_by_name() {
    let fleet = |clusters: Vec<Cluster>, selector: Selector| {
        let mut chart = Chart::new("shop")
            .image("ghcr.io/acme/shop")
            .config::<Shop>()
            .environment(Environment::production("prod").clusters(selector))
            .controllers(argo());
        for cluster in clusters {
            chart = chart.cluster(cluster);
        }
        match chart.generate() {
            Err(Error::Deployment { problems }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    };
    let bj = || Cluster::new("bj", "https://bj.example:6443").region("beijing");
    let by_region = || Selector::new().label_in("region", ["beijing"]);

    let none = fleet(vec![bj()], Selector::new().label("region", "mars"));
    assert_eq!(none.len(), 1, "{none:#?}");
    assert_eq!(none[0].key.as_deref(), Some("Environment.clusters"));
    assert_eq!(none[0].environment.as_deref(), Some("prod"));
    assert!(none[0].message.contains("matches none of the declared clusters (bj)"), "{}", none[0]);

    let twice = fleet(vec![bj(), bj()], by_region());
    assert!(
        twice
            .iter()
            .any(|p| p.kind == ProblemKind::Clash && p.message == "cluster `bj`: declared twice"),
        "{twice:#?}"
    );

    let two_regions = fleet(vec![bj().region("shanghai")], by_region());
    assert_eq!(two_regions[0].key.as_deref(), Some("Cluster.region"), "{two_regions:#?}");
    assert!(
        two_regions[0].message.contains("in two regions (beijing, shanghai)"),
        "{}",
        two_regions[0]
    );

    for registry in ["https://registry.example.com", "registry.example.com/acme", "Registry"] {
        let bad = fleet(vec![bj().registry(registry)], by_region());
        assert_eq!(bad.len(), 1, "{registry}: {bad:#?}");
        assert_eq!(bad[0].key.as_deref(), Some("Cluster.registry"));
        assert!(bad[0].message.contains("is not a host"), "{}", bad[0]);
    }

    // argo-cd applicationset/generators/cluster.go: no label in the
    // selector takes every cluster, Argo CD's own included.
    let everything = fleet(vec![bj()], Selector::new());
    assert_eq!(everything.len(), 1, "{everything:#?}");
    assert!(everything[0].message.contains("names no label"), "{}", everything[0]);

    let same_server =
        fleet(vec![bj(), Cluster::new("bj2", "https://bj.example:6443/")], by_region());
    assert!(same_server.iter().any(|p| p.key.as_deref() == Some("Cluster.server") && p.message.contains("`bj`'s too")), "{same_server:#?}");

    let both = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .cluster(bj().registry("registry.beijing.example.com"))
        .environment(
            Environment::production("prod")
                .clusters(by_region())
                .set("image.repository", "mirror.example.com/shop"),
        )
        .controllers(argo());
    let found = match both.generate() {
        Err(Error::Deployment { problems }) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].kind, found[0].key.as_deref()),
        (ProblemKind::Clash, Some("image.repository"))
    );

    let refused = fleet(vec![bj().set("replicaCount", "three")], by_region());
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0].kind, ProblemKind::Refused);
    assert_eq!(refused[0].key.as_deref(), Some("replicaCount"));
    assert!(
        refused[0].message.starts_with("environment `prod` on cluster `bj`: "),
        "{}",
        refused[0]
    );

    let clash = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .cluster(Cluster::new("eu", "https://eu.example:6443").region("eu"))
        .environment(
            Environment::production("prod").clusters(Selector::new().label("region", "eu")),
        )
        .environment(Environment::new("prod-eu").namespace("other"))
        .controllers(argo());
    let found = problems_of(clash.generate());
    assert_eq!(found, [(ProblemKind::Clash, String::new())], "two objects named shop-prod-eu");
}

/// argo-cd `applicationset/generators/cluster.go`: a cluster generator
/// gives each cluster Secret its selector matches as `name` and `server`,
/// and `applicationset/generators/matrix.go` crosses it with the
/// environment's element. What the fleet's Applications read comes from
/// those two: the Application's name and labels, its destination, and its
/// cluster's values file between the environment's and its pin.
#[test]
fn a_fleet_environment_is_one_application_per_cluster() {
    let chart = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .cluster(Cluster::new("bj", "https://bj.example:6443").region("beijing"))
        .cluster(Cluster::new("sg", "https://sg.example:6443").region("singapore"))
        .cluster(Cluster::new("lab", "https://lab.example:6443"))
        .environment(
            Environment::production("prod")
                .clusters(Selector::new().label_in("region", ["beijing", "singapore"])),
        );
    let all = parse(&chart.clone().controllers(argo()).generate().unwrap().controllers.unwrap());
    let apps = environment_apps(&all);
    let mut seen: Vec<(String, String, Value)> = apps
        .iter()
        .map(|app| {
            (
                app["metadata"]["name"].as_str().unwrap().to_owned(),
                app["spec"]["destination"]["server"].as_str().unwrap().to_owned(),
                app["spec"]["source"]["helm"]["valueFiles"].clone(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let files = |cluster: &str| {
        serde_json::json!([
            "values.yaml",
            "values-prod.yaml",
            format!("clusters/{cluster}.yaml"),
            "pins/prod.yaml"
        ])
    };
    assert_eq!(
        seen,
        [
            ("shop-prod-bj".to_owned(), "https://bj.example:6443".to_owned(), files("bj")),
            ("shop-prod-sg".to_owned(), "https://sg.example:6443".to_owned(), files("sg")),
        ]
    );
    let set = parse(&chart.controllers(with_set()).generate().unwrap().controllers.unwrap());
    let set = of_kind(&set, "ApplicationSet")[0];
    let matrix = &set["spec"]["generators"][0]["matrix"]["generators"];
    assert_eq!(matrix[0]["list"]["elements"][0]["environment"], "prod");
    assert!(
        matrix[0]["list"]["elements"][0].get("server").is_none(),
        "the cluster's wins only if the list has none"
    );
    assert_eq!(
        matrix[1]["clusters"]["selector"],
        serde_json::json!({"matchExpressions": [{"key": "region", "operator": "In", "values": ["beijing", "singapore"]}]})
    );
}

/// Every object in `all` valid against its CRD's schema (or Kubernetes').
fn assert_valid(all: &[(String, Value)]) {
    let objects: Vec<Value> =
        all.iter().map(|(path, o)| serde_json::json!({"template": path, "object": o})).collect();
    let checked = gitops_tests::oracle::one(serde_json::json!({
        "op": "validate_k8s", "objects": objects, "version": gitops_tests::oracle::KUBE_VERSION,
    }));
    assert_eq!(checked["ok"], true, "{checked:#}");
}

/// A chart whose controllers deploy its rendered manifests, written as in a
/// repository (`deploy/chart`, `deploy/gitops`, `deploy/rendered`) under `root`.
fn write_rendered_repository(root: &std::path::Path, controllers: Controllers) {
    let outputs = Outputs::chart(root.join("deploy/chart"))
        .controllers(root.join("deploy/gitops"))
        .rendered(root.join("deploy/rendered"));
    chart(controllers.rendered("deploy/rendered")).write(&outputs).expect("writes");
}

/// With `Controllers::rendered`, Argo CD applies each release's directory
/// of rendered manifests, and only its files: argo-cd
/// `reposerver/repository/repository.go` (`getPotentiallyValidManifests`)
/// skips every subdirectory unless `directory.recurse`, so `rendered/prod`
/// would not pick up a fleet's `rendered/prod/<cluster>` by mistake. No
/// Helm source is left, and the ApplicationSet templates the same path.
#[test]
fn argo_cd_applies_each_releases_rendered_directory() {
    let root = scratch_dir("rules-rendered-argo");
    write_rendered_repository(&root, argo());
    let generated = chart(argo().rendered("deploy/rendered")).generate().unwrap();
    let all = parse(&generated.controllers.unwrap());
    assert_valid(&all);
    let apps = environment_apps(&all);
    assert_eq!(apps.len(), 2);
    for app in apps {
        let source = &app["spec"]["source"];
        assert!(source.get("helm").is_none(), "{source}");
        assert_eq!(source["directory"]["recurse"], false);
        let dir = root.join(source["path"].as_str().unwrap());
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(files.iter().any(|f| f.ends_with("deployment-shop.yaml")), "{}", dir.display());
        assert!(files.iter().all(|f| f.is_file()), "{}: a subdirectory", dir.display());
    }
    assert_valid(&manifests(with_set().rendered("deploy/rendered")));
    let set = application_set(with_set().rendered("deploy/rendered"));
    let source = &set["spec"]["template"]["spec"]["source"];
    assert_eq!(source["path"], "deploy/rendered/{{ .environment }}");
    assert_eq!(source["directory"]["recurse"], false);
}

/// With `Controllers::rendered`, Flux applies each release's directory with
/// a Kustomization of its own in place of the HelmRelease: named apart
/// from the bootstrap's Kustomization of the environment (one name, one
/// object), `prune` so an object gone from Git goes from the cluster,
/// `force` so a changed migration Job (a plain Job here, its template
/// immutable) is recreated, not stuck (kustomize-controller
/// `api/v1/kustomization_types.go`, `Force`). The directory builds with
/// Kustomize, and its path is in the repository.
#[test]
fn flux_applies_each_releases_rendered_directory() {
    let root = scratch_dir("rules-rendered-flux");
    write_rendered_repository(&root, flux());
    for env in ["dev", "prod"] {
        let built = environments::build_as_flux_does(&root.join("deploy/gitops/flux").join(env));
        assert!(built.iter().all(|o| o["kind"] != "HelmRelease" && o["kind"] != "ConfigMap"));
        let release = built
            .iter()
            .find(|o| {
                o["kind"] == "Kustomization"
                    && o["metadata"]["name"] == format!("shop-{env}-release")
            })
            .expect("the release's Kustomization");
        let spec = &release["spec"];
        assert_eq!(
            (spec["prune"].clone(), spec["force"].clone()),
            (Value::Bool(true), Value::Bool(true))
        );
        assert_eq!(spec["sourceRef"]["name"], format!("shop-{env}"));
        let path = spec["path"].as_str().unwrap().trim_start_matches("./");
        assert!(root.join(path).join("deployment-shop.yaml").is_file(), "{path}");
        let built: Vec<(String, Value)> = built.into_iter().map(|o| (env.to_owned(), o)).collect();
        assert_valid(&built);
    }
}

#[test]
fn rendered_manifests_are_where_the_controllers_read_them() {
    let root = scratch_dir("rules-rendered-refused");
    let outputs = Outputs::chart(root.join("deploy/chart")).controllers(root.join("deploy/gitops"));
    let err = chart(flux().rendered("deploy/rendered")).write(&outputs).unwrap_err();
    assert!(err.to_string().contains("add `.rendered(\"rendered\")`"), "{err}");
    let elsewhere = outputs.clone().rendered(root.join("deploy/manifests"));
    let err = chart(flux().rendered("deploy/rendered")).write(&elsewhere).unwrap_err();
    assert!(err.to_string().contains("set `Controllers::rendered`"), "{err}");
    let argo = ArgoCd::new()
        .values_from(GitRepository::new("https://git.example/acme/values.git", "values"));
    let controllers = Controllers::new(repository()).argo_cd(argo).rendered("deploy/rendered");
    let err = chart(controllers).generate().unwrap_err().to_string();
    assert!(err.contains("ArgoCd") && err.contains("reads no values"), "{err}");
    assert!(!root.join("deploy/chart").exists(), "nothing written");
}
