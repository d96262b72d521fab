//! What Argo CD and Flux do with the manifests gitops-gen writes, each rule
//! read in the controller's own source and named here, applied to the
//! generated manifests. A CRD schema only says a field is well formed;
//! these say what the controller then does with it.

use gitops_gen::{
    ArgoCd, Chart, Controllers, Environment, Error, Flux, GitRepository, Migration, Outputs,
    ProblemKind,
};
use gitops_tests::fixtures::Shop;
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

/// The controllers' manifests, each parsed, by path.
fn manifests(controllers: Controllers) -> Vec<(String, Value)> {
    let generated = chart(controllers).generate().expect("generates");
    let files = generated.controllers.expect("controllers' manifests");
    files
        .iter()
        .filter(|(path, _)| path.ends_with(".yaml"))
        .map(|(path, text)| (path.clone(), yaml_serde::from_str(text).expect(path)))
        .collect()
}

/// Argo CD's per-environment Applications, and Flux.
fn both() -> Controllers {
    Controllers::new(repository()).argo_cd(ArgoCd::new()).flux(Flux::new())
}

/// Argo CD's Applications from one ApplicationSet, and Flux.
fn with_set() -> Controllers {
    Controllers::new(repository()).argo_cd(ArgoCd::new().application_set()).flux(Flux::new())
}

/// An ApplicationSet adopts Applications of the same names and rewrites
/// them (argo-cd `applicationset/controllers/applicationset_controller.go`,
/// `createOrUpdateInCluster`), while whatever applied the per-environment
/// files keeps re-applying its own: one tree holds one source only.
#[test]
fn one_source_of_applications() {
    let set = manifests(with_set());
    assert_eq!(of_kind(&set, "ApplicationSet").len(), 1);
    assert!(of_kind(&set, "Application").is_empty());
    let apps = manifests(both());
    assert_eq!(of_kind(&apps, "Application").len(), 2);
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
    let all = manifests(both());
    let apps = of_kind(&all, "Application");
    assert_eq!(apps.len(), 2);
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
    let all = manifests(both());
    let mut policies: Vec<&Value> =
        of_kind(&all, "Application").iter().map(|app| &app["spec"]["syncPolicy"]).collect();
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
    let all = manifests(both());
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
    match chart(controllers).generate() {
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
    assert_eq!(sources.len(), 2);
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
    let all = manifests(both());
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
    let all = manifests(both());
    let projects = of_kind(&all, "AppProject");
    assert_eq!(projects.len(), 1);
    let spec = &projects[0]["spec"];
    assert_eq!(projects[0]["metadata"]["name"], "shop");
    assert_eq!(spec["sourceRepos"], serde_json::json!(["https://git.example/acme/shop.git"]));
    assert_eq!(spec["destinations"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        spec["clusterResourceWhitelist"],
        serde_json::json!([{"group": "", "kind": "Namespace"}])
    );
    for app in of_kind(&all, "Application") {
        assert_eq!(app["spec"]["project"], "shop", "{app}");
    }
    let open = manifests(Controllers::new(repository()).argo_cd(ArgoCd::new().default_project()));
    assert!(of_kind(&open, "AppProject").is_empty());
    assert!(of_kind(&open, "Application").iter().all(|app| app["spec"]["project"] == "default"));
}

/// helm-controller's HelmRelease reads `valuesFiles` from the chart's own
/// source (`api/v2/helmrelease_types.go`, `ValuesFiles`: "a relative path in
/// the SourceRef"): values kept in another repository reach
/// Argo CD only, so the two controllers would deploy different values.
#[test]
fn values_from_another_repository_is_refused_with_flux() {
    let values = GitRepository::new("https://git.example/acme/environments.git", "shop/");
    let argo = ArgoCd::new().values_from(values);
    let with_flux = Controllers::new(repository()).argo_cd(argo.clone()).flux(Flux::new());
    assert_eq!(
        setting_problems(with_flux),
        [(ProblemKind::InvalidSetting, "ArgoCd.values_from".to_owned())]
    );
    assert!(chart(Controllers::new(repository()).argo_cd(argo)).generate().is_ok());
}

// The migration Job's hooks (`Chart::migration`): what Helm and Argo CD do
// with their annotations, applied to Helm's render of a chart with every
// copy (ServiceAccount, ConfigMap, ExternalSecret) and the Job.

/// The objects of `templates/migration.yaml`, rendered by Helm's SDK.
fn migration_hooks() -> Vec<Value> {
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
