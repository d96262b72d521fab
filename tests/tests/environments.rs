//! Environments: typed overlays written as values files that hold only what
//! differs, checked at generation; each one rendered, linted, validated and
//! read back by the loader through real Helm; the Argo CD and Flux manifests
//! against their CRD schemas, Kustomize and the repository layout.

use gitops_gen::{
    ArgoCd, Chart, Controller, Controllers, Environment, Error, Flux, GitRepository, Outputs,
};
use gitops_gen::{Cluster, MaxUpdate, Notification, RollingSync, Selector, Service, Step, Trigger};
use gitops_gen::{Problem, ProblemKind};
use gitops_tests::environments::{check_controllers, check_environments, Expected};
use gitops_tests::fixtures::{LogLevel, Shop, Worker};
use gitops_tests::{oracle, scratch_dir};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn dev(c: &mut Shop) {
    c.log_level = LogLevel::Debug;
}

fn staging(c: &mut Shop) {
    c.support_email = Some("ops@shop.example".into());
}

fn prod(c: &mut Shop) {
    c.allowed_origins = vec!["https://shop.example".into(), "https://www.shop.example".into()];
    c.payments.retries = Some(3);
    c.sample_ratio = 0.01;
}

/// An environment's edit of the config.
type Edit = fn(&mut Shop);

/// Each release: its environment, its fleet cluster if any, its edit.
const ENVIRONMENTS: [(&str, Option<&str>, Edit); 7] = [
    ("dev", None, dev),
    ("staging", None, staging),
    ("prod", None, prod),
    ("prod-eu", None, prod),
    ("prod-edge", Some("edge-north"), prod),
    ("prod-edge", Some("edge-south"), prod),
    ("canary", Some("edge-north"), staging),
];

/// The fleet: two regional edge clusters, each pulling from its region's
/// registry, and a lab cluster no production selector takes.
fn clusters() -> [Cluster; 3] {
    [
        Cluster::new("edge-north", "https://edge-north.k8s.example:6443")
            .region("north")
            .label("tier", "edge")
            .registry("registry.north.example.com")
            .image_pull_secret("registry-north"),
        Cluster::new("edge-south", "https://edge-south.k8s.example:6443")
            .region("south")
            .label("tier", "edge")
            .registry("registry.south.example.com:5000")
            .set("podAnnotations", json!({"region": "south"})),
        Cluster::new("lab", "https://lab.k8s.example:6443").label("tier", "lab"),
    ]
}

fn shop() -> Chart {
    shop_without_controllers().controllers(shop_controllers())
}

/// Argo CD (an ApplicationSet rolled out in steps of its own order, a
/// project) and Flux, from the shop's repository: Flux deploys dev and
/// staging, Argo CD the production ones.
fn shop_controllers() -> Controllers {
    let rollout = RollingSync::steps([
        Step::new(["prod-eu"]).max_update(MaxUpdate::Percent(50)),
        Step::new(["prod", "prod-edge"]),
    ]);
    Controllers::new(GitRepository::new("https://git.example/acme/shop.git", "deploy/chart"))
        .argo_cd(ArgoCd::new().project("shop").application_set().rolling_sync(rollout))
        .flux(Flux::new())
}

/// Prod's notifications: failures to Slack and to a webhook, deployments
/// to Teams.
fn prod_notifications(env: Environment) -> Environment {
    env.notify(
        Notification::on([Trigger::SyncFailed, Trigger::HealthDegraded])
            .to(Service::slack("shop-prod").secret("shop-slack"))
            .to(Service::webhook("pager").secret("shop-pager")),
    )
    .notify(
        Notification::on([Trigger::Deployed])
            .to(Service::teams("releases").secret("shop-teams"))
            .to(Service::slack("shop-prod").secret("shop-slack")),
    )
}

fn shop_without_controllers() -> Chart {
    let [north, south, lab] = clusters();
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .cluster(north)
        .cluster(south)
        .cluster(lab)
        .environment(Environment::new("dev").controller(Controller::Flux).config(dev))
        .environment(
            Environment::new("staging")
                .controller(Controller::Flux)
                .replicas(2)
                .config(staging)
                .notify(
                    Notification::on([Trigger::SyncFailed])
                        .to(Service::slack("shop-staging").secret("shop-slack")),
                ),
        )
        .environment(prod_notifications(
            Environment::production("prod")
                .controller(Controller::ArgoCd)
                .namespace("shop")
                .cluster_server("https://prod.k8s.example:6443")
                .replicas(3)
                .resources("500m", "512Mi")
                .ingress("shop.example", Some("shop-tls"))
                .pod_disruption_budget(2)
                .config(prod),
        ))
        // A cluster known by name, server-side apply, production synced
        // automatically: the other shapes of the manifests.
        .environment(
            Environment::production("prod-eu")
                .controller(Controller::ArgoCd)
                .namespace("shop")
                .cluster_name("prod-eu")
                .server_side_apply(true)
                .automated(true)
                .config(prod),
        )
        // Fleets: Argo CD's on every edge cluster, by region; Flux's on the
        // north one.
        .environment(
            Environment::production("prod-edge")
                .controller(Controller::ArgoCd)
                .namespace("shop")
                .clusters(
                    Selector::new().label("tier", "edge").label_in("region", ["north", "south"]),
                )
                .config(prod),
        )
        .environment(
            Environment::new("canary")
                .controller(Controller::Flux)
                .clusters(Selector::new().label("region", "north"))
                .config(staging),
        )
}

/// Where [`layout`] puts the chart and the controllers' manifests.
fn outputs(root: &std::path::Path) -> Outputs {
    Outputs::chart(root.join("deploy/chart")).controllers(root.join("deploy/gitops"))
}

/// The repository layout the manifests claim: the chart at `deploy/chart`,
/// the controllers' manifests at `deploy/gitops`.
fn layout(name: &str) -> PathBuf {
    let root = scratch_dir(name);
    let chart = shop();
    chart.write(&outputs(&root)).expect("chart and controllers");
    root
}

fn problems<T: std::fmt::Debug>(result: Result<T, Error>) -> Vec<String> {
    deployment_problems(result).into_iter().map(|p| p.message).collect()
}

fn deployment_problems<T: std::fmt::Debug>(result: Result<T, Error>) -> Vec<Problem> {
    match result {
        Err(Error::Deployment { problems }) => problems,
        other => panic!("expected environment problems, got {other:?}"),
    }
}

/// The secrets the pod gets from its Secret, as the round trip gives them.
fn secret() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "release-shop"},
        "stringData": {"databaseUrl": "postgres://shop@db/shop", "payments.webhook-secret": "whsec"},
    })
}

#[test]
fn an_environment_file_holds_only_what_differs() {
    let files = shop().generate().unwrap().chart;
    assert_eq!(
        files["values-dev.yaml"],
        "# Code generated by gitops-gen from `Shop`. DO NOT EDIT.
# Environment `dev`: only what differs from values.yaml. Helm reads values.yaml, then this file.
config:
  # -- Log verbosity.
  # Env var: `SHOP_LOG_LEVEL`.
  logLevel: debug
"
    );
    assert_eq!(
        files["values-staging.yaml"],
        "# Code generated by gitops-gen from `Shop`. DO NOT EDIT.
# Environment `staging`: only what differs from values.yaml. Helm reads values.yaml, then this file.
config:
  # -- Contact address shown in error pages; none by default.
  # Env var: `SHOP_SUPPORT_EMAIL`.
  supportEmail: \"ops@shop.example\"
# -- Number of pod replicas (ignored while autoscaling is on).
replicaCount: 2
"
    );
    // An environment without changes says so.
    let same = Chart::new("worker")
        .image("ghcr.io/acme/worker")
        .config::<Worker>()
        .environment(Environment::new("qa"))
        .generate()
        .map(|g| g.chart)
        .unwrap();
    assert!(
        same["values-qa.yaml"].ends_with("then this file.\n{}\n"),
        "{}",
        same["values-qa.yaml"]
    );
    assert!(files[".gitops-gen-files"].contains("\nvalues-prod.yaml\n"));
}

/// Requests and limits apart: `resources` sets the requests and the memory
/// limit, never a CPU limit; `cpu_limit` and `memory_limit` each set one;
/// the chart's defaults have none for CPU. Read as Helm reads the files
/// (values.yaml, then the environment's, coalesced).
#[test]
fn resources_set_requests_and_limits_apart() {
    let files = Chart::new("worker")
        .image("ghcr.io/acme/worker")
        .config::<Worker>()
        .environment(Environment::new("burstable").resources("250m", "512Mi"))
        .environment(Environment::new("capped").resources("250m", "512Mi").cpu_limit("1"))
        .environment(Environment::new("guaranteed").resources("1", "1Gi").cpu_limit("1"))
        .environment(Environment::new("roomy").memory_limit("2Gi"))
        .generate()
        .unwrap()
        .chart;
    let yaml = |name: &str| -> Value { yaml_serde::from_str(&files[name]).unwrap() };
    let effective = |env: &str| {
        let mut values = yaml("values.yaml");
        gitops_gen::coalesce(&mut values, &yaml(&format!("values-{env}.yaml")));
        values["resources"].clone()
    };
    assert_eq!(
        yaml("values.yaml")["resources"],
        json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}})
    );
    assert_eq!(
        effective("burstable"),
        json!({"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}})
    );
    assert_eq!(effective("capped")["limits"], json!({"cpu": "1", "memory": "512Mi"}));
    assert_eq!(effective("guaranteed")["limits"], effective("guaranteed")["requests"]);
    assert_eq!(
        effective("roomy"),
        json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "2Gi"}})
    );
}

fn expected() -> Vec<Expected<Shop>> {
    ENVIRONMENTS
        .iter()
        .map(|(name, cluster, edit)| {
            let mut config =
                Shop { database_url: "postgres://shop@db/shop".into(), ..Shop::default() };
            config.payments.webhook_secret = "whsec".into();
            edit(&mut config);
            Expected { name, cluster: *cluster, config }
        })
        .collect()
}

/// Each environment through real Helm, kubernetes-validate, checkov, the
/// pod simulation and the loader; what only prod turns on is in prod's
/// render alone.
#[test]
fn each_environment_renders_lints_validates_and_reads_back() {
    let root = layout("environments-helm");
    let rendered =
        check_environments(&root.join("deploy/chart"), "release", &[secret()], &expected());
    for (i, ((name, cluster, _), objects)) in ENVIRONMENTS.iter().zip(&rendered).enumerate() {
        let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
        assert_eq!(
            deployment["spec"]["replicas"].as_u64(),
            Some([1, 2, 3, 1, 1, 1, 1][i]),
            "{name}"
        );
        // Each fleet cluster pulls from its region's registry.
        let pod = &deployment["spec"]["template"]["spec"];
        let image = pod["containers"][0]["image"].as_str().unwrap();
        let (registry, secrets) = match cluster {
            None => ("ghcr.io/acme/shop", json!(null)),
            Some("edge-north") => {
                ("registry.north.example.com/acme/shop", json!([{"name": "registry-north"}]))
            }
            Some(_) => ("registry.south.example.com:5000/acme/shop", json!(null)),
        };
        assert!(image.starts_with(&format!("{registry}:")), "{name} on {cluster:?}: {image}");
        assert_eq!(pod["imagePullSecrets"], secrets, "{name} on {cluster:?}");
        let south = deployment["spec"]["template"]["metadata"]["annotations"]["region"] == "south";
        assert_eq!(south, *cluster == Some("edge-south"), "{name} on {cluster:?}");
        let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        let prod_only = ["Ingress", "PodDisruptionBudget"];
        assert_eq!(
            prod_only.iter().all(|k| kinds.contains(k)),
            *name == "prod",
            "{name}: {kinds:?}"
        );
    }
}

/// The manifests against their CRD schemas, the repository layout, Kustomize
/// and the ApplicationSet's expansion; and the CRD schemas do reject a
/// wrong type in each kind, so that check can fail.
#[test]
fn the_controllers_manifests_are_valid_and_point_at_real_files() {
    let root = layout("environments-controllers");
    // What the ApplicationSet must make: the per-environment Applications.
    let argo = ArgoCd::new().project("shop");
    let per_environment = shop_controllers().argo_cd(argo);
    let generated = shop_without_controllers().controllers(per_environment).generate().unwrap();
    let applications = generated.controllers.unwrap();
    let objects = check_controllers(&root, &root.join("deploy/gitops"), &applications, &clusters());
    let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    // The ApplicationSet alone: its Applications are not written beside it
    // (the one Application is the root, in bootstrap/); Flux's values
    // ConfigMap as kustomize builds it.
    let expected: BTreeSet<&str> = [
        "Alert",
        "AppProject",
        "Application",
        "ApplicationSet",
        "ConfigMap",
        "GitRepository",
        "HelmRelease",
        "Kustomization",
        "Namespace",
        "Provider",
    ]
    .into();
    assert_eq!(kinds, expected);
    let mut objects = objects;
    objects.extend(
        applications
            .iter()
            .filter(|(path, _)| path.starts_with("argocd/applications/"))
            .map(|(_, text)| yaml_serde::from_str::<Value>(text).unwrap()),
    );
    for (kind, pointer) in [
        ("Application", "/spec/syncPolicy/retry/limit"),
        ("ApplicationSet", "/spec/goTemplate"),
        ("AppProject", "/spec/sourceRepos"),
        ("HelmRelease", "/spec/install/remediation/retries"),
        ("GitRepository", "/spec/ref"),
        ("Kustomization", "/spec/prune"),
        ("ApplicationSet", "/spec/strategy/rollingSync/steps/0/matchExpressions"),
        ("Alert", "/spec/eventSeverity"),
        ("Provider", "/spec/type"),
    ] {
        let mut broken = objects.iter().find(|o| o["kind"] == kind).unwrap().clone();
        *broken.pointer_mut(pointer).unwrap_or_else(|| panic!("{kind} {pointer}")) = json!("x");
        let checked = oracle::one(json!({
            "op": "validate_k8s", "objects": [{"template": kind, "object": broken}],
            "version": oracle::KUBE_VERSION,
        }));
        assert_eq!(checked["ok"], false, "{kind} with {pointer} = \"x\": {checked:#}");
    }
}

/// Values from another repository: Argo CD's multi-source.
#[test]
fn values_from_another_repository_use_multi_source() {
    let values = GitRepository::new("https://git.example/acme/environments.git", "shop/");
    // Argo CD only: Flux cannot read values from another repository.
    let argo = ArgoCd::new().project("shop").values_from(values);
    let controllers =
        Controllers::new(GitRepository::new("https://git.example/acme/shop.git", "deploy/chart"))
            .argo_cd(argo);
    let prod = Environment::production("prod").namespace("shop").config(prod);
    let chart = Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>().environment(prod);
    let files = chart.controllers(controllers).generate().unwrap().controllers.unwrap();
    let app: Value = yaml_serde::from_str(&files["argocd/applications/prod.yaml"]).unwrap();
    let sources = &app["spec"]["sources"];
    assert_eq!(
        sources[0]["helm"]["valueFiles"],
        json!(["values.yaml", "$values/shop/values-prod.yaml", "$values/shop/pins/prod.yaml"])
    );
    assert_eq!(
        sources[1],
        json!({"repoURL": "https://git.example/acme/environments.git", "targetRevision": "main", "ref": "values"})
    );
    assert!(app["spec"].get("source").is_none());
    assert!(!files.contains_key("argocd/applicationset.yaml"), "an ApplicationSet only when asked");
    let objects: Vec<Value> = files
        .iter()
        .filter(|(path, _)| path.starts_with("argocd/"))
        .map(|(path, text)| json!({"template": path, "object": yaml_serde::from_str::<Value>(text).unwrap()}))
        .collect();
    let checked = oracle::one(
        json!({"op": "validate_k8s", "objects": objects, "version": oracle::KUBE_VERSION}),
    );
    assert_eq!(checked["ok"], true, "{checked:#}");
}

/// Every problem of every environment at once, each naming the environment
/// and the key; nothing written.
#[test]
fn bad_environments_are_refused_with_every_problem_named() {
    let chart = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev").set("replicaCont", 3).set("ingress.enabled", "yes"))
        .environment(Environment::new("qa").config(|c: &mut Shop| c.sample_ratio = 2.0))
        .environment(Environment::new("dev"))
        .environment(Environment::new("Prod_1"))
        .environment(Environment::new("eu").namespace("shop"))
        .environment(Environment::new("us").namespace("shop"))
        .environment(Environment::new("other").config(|c: &mut Worker| c.concurrency = 2))
        .environment(Environment::new("far").cluster_name(" "))
        .environment(Environment::new("hpa").autoscaling(5, 2))
        .environment(Environment::new("leak").config(|c: &mut Shop| {
            c.database_url = "postgres://prod".into();
            c.build_info = "dirty".into();
        }));
    let dir = scratch_dir("environments-refused").join("chart");
    let err = chart.write(&Outputs::chart(&dir)).unwrap_err();
    assert!(!dir.exists(), "nothing is written");
    let found = match &err {
        Error::Deployment { problems } => problems.clone(),
        other => panic!("{other:?}"),
    };
    // (kind, environment, key): each problem names its culprit.
    use ProblemKind::*;
    let expected = [
        (Clash, "dev", None),
        (InvalidName, "Prod_1", None),
        (Clash, "us", None),
        (Refused, "dev", Some("replicaCont")),
        (Refused, "dev", Some("ingress.enabled")),
        (Refused, "qa", Some("config.sampleRatio")),
        (InvalidEdit, "other", None),
        (Missing, "far", None),
        (Refused, "hpa", Some("autoscaling.minReplicas")),
        (InvalidEdit, "leak", Some("config.buildInfo")),
        (InvalidEdit, "leak", Some("config.databaseUrl")),
    ];
    let culprits: Vec<_> = found
        .iter()
        .map(|p| (p.kind, p.environment.as_deref().unwrap(), p.key.as_deref()))
        .collect();
    for want in expected {
        assert!(culprits.contains(&want), "missing {want:?} in {found:#?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    assert!(found.iter().all(|p| p.file.is_none()), "{found:#?}");
    // The whole text, once.
    let text = err.to_string();
    let lines = [
        "the environments, values files or GitOps settings have problems:",
        "  - environment `dev` is declared twice",
        "  - environment \"Prod_1\": the name must be a DNS label (lower case letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit): it names `values-Prod_1.yaml` and the controller's resources",
        "  - environments `eu` and `us` both deploy to namespace `shop` in the controller's own cluster: their releases would overwrite each other",
        "  - environment `far`: the cluster's name is empty",
        "  - environment `dev`: `ingress.enabled`: expected true or false, found \"yes\"",
        "  - environment `dev`: `replicaCont`: unknown key (did you mean `replicaCount`?)",
        "  - environment `qa`: `config.sampleRatio`: 2.0 is above the maximum 1.0",
        "  - environment `other` edits a `gitops_tests::fixtures::Worker`, but the chart's config is `gitops_tests::fixtures::Shop`",
        "  - environment `hpa`: `autoscaling.minReplicas` (5) is above `autoscaling.maxReplicas` (2)",
        "  - environment `leak` sets `buildInfo`: not in the chart (`#[gitops(skip)]` or `#[serde(skip)]`)",
        "  - environment `leak` sets `databaseUrl`: a secret, which comes from the Secret, not from values",
    ];
    assert_eq!(text, lines.join("\n"));
}

#[test]
fn controllers_need_a_repository_and_an_environment() {
    let bare = Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>();
    let repository = || GitRepository::new("https://git.example/acme/shop.git", "chart");
    assert_eq!(
        problems(
            bare.clone()
                .controllers(Controllers::new(repository()).argo_cd(ArgoCd::new()))
                .generate()
        ),
        ["no environment: add one with `.environment(Environment::new(\"dev\"))`"]
    );
    let no_url = bare
        .clone()
        .environment(Environment::new("dev"))
        .controllers(Controllers::new(GitRepository::new(" ", "chart")).flux(Flux::new()));
    assert_eq!(
        problems(no_url.generate()),
        ["the Git repository has no URL (repoURL): `GitRepository::new(url, path)`"]
    );
    let bad_settings =
        bare.clone().environment(Environment::new("dev").controller(Controller::Flux)).controllers(
            Controllers::new(
                GitRepository::new("https://git.example/acme/shop.git", "../chart")
                    .commit("abc123"),
            )
            .argo_cd(
                ArgoCd::new()
                    .namespace("Argo CD")
                    .project("")
                    .values_from(GitRepository::new("", "envs").tag("")),
            )
            .flux(Flux::new().interval("10 minutes")),
        );
    assert_eq!(
        problems(bad_settings.generate()),
        [
            "the Git repository: path \"../chart\" must be a directory relative to the repository root, without `.` or `..` (e.g. `deploy/chart`)",
            "the Git repository: commit \"abc123\" is not a full 40-hex-digit SHA",
            "Argo CD's namespace \"Argo CD\" is not a DNS label",
            "Argo CD project \"\" is not a valid name (lower case letters, digits, `-` and `.`)",
            "the values repository (`ArgoCd::values_from`) has no URL (repoURL): `GitRepository::new(url, path)`",
            "the values repository (`ArgoCd::values_from`): the branch or tag is empty",
            "`ArgoCd::values_from` takes the values from another repository, which Flux cannot: its values come from a ConfigMap that kustomize builds of this repository's files. Keep the values beside the chart, or deploy with Argo CD only",
            "Flux's interval \"10 minutes\" is not a duration Flux takes, such as `10m`, `1h30m` or `1.5h`",
        ]
    );
    let keys: Vec<_> = deployment_problems(bad_settings.generate())
        .into_iter()
        .map(|p| (p.kind, p.key.unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            (ProblemKind::InvalidSetting, "GitRepository.path".to_owned()),
            (ProblemKind::InvalidSetting, "GitRepository.reference".into()),
            (ProblemKind::InvalidName, "ArgoCd.namespace".into()),
            (ProblemKind::InvalidName, "ArgoCd.project".into()),
            (ProblemKind::Missing, "ArgoCd.values_from.url".into()),
            (ProblemKind::Missing, "ArgoCd.values_from.reference".into()),
            (ProblemKind::InvalidSetting, "ArgoCd.values_from".into()),
            (ProblemKind::InvalidSetting, "Flux.interval".into()),
        ]
    );
    let no_controller =
        bare.environment(Environment::new("dev")).controllers(Controllers::new(repository()));
    assert_eq!(
        problems(no_controller.generate()),
        ["no GitOps controller: call `.argo_cd(ArgoCd::new())` or `.flux(Flux::new())` on `Controllers`"]
    );
}

/// Your own values files beside the chart are checked too, as Helm reads
/// them after values.yaml; a YAML error names its line.
#[test]
fn hand_written_values_files_are_checked() {
    let dir = scratch_dir("environments-hand-written");
    let chart = Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>();
    chart.write(&Outputs::chart(&dir)).unwrap();
    let good = "replicaCount: 4\nconfig:\n  logLevel: warn\n";
    std::fs::write(dir.join("values-qa.yaml"), good).unwrap();
    chart.check(&Outputs::chart(&dir)).unwrap();
    chart.write(&Outputs::chart(&dir)).unwrap();

    std::fs::write(dir.join("values-qa.yaml"), "config:\n  logLevle: warn\n  httpPort: 80\n")
        .unwrap();
    std::fs::write(dir.join("values-eu.yml"), "config:\n  storeName: [unclosed\n").unwrap();
    // A new version would rewrite Chart.yaml: the refusal leaves it alone.
    let before = std::fs::read_to_string(dir.join("Chart.yaml")).unwrap();
    let found = match chart.clone().version("0.2.0").write(&Outputs::chart(&dir)) {
        Err(Error::Deployment { problems }) => problems,
        other => panic!("{other:?}"),
    };
    assert_eq!(found.len(), 3, "{found:#?}");
    let culprit = |p: &Problem| (p.kind, p.file.clone().unwrap(), p.line, p.key.clone());
    // The parser stops at the end of the file (line 3), the sequence opened on line 2.
    assert_eq!(culprit(&found[0]), (ProblemKind::NotValues, "values-eu.yml".into(), Some(3), None));
    assert!(
        found[0].message.starts_with("file `values-eu.yml`: not valid YAML: ")
            && found[0].message.contains("line 3")
            && found[0].message.contains("line 2"),
        "{found:#?}"
    );
    assert_eq!(
        culprit(&found[1]),
        (ProblemKind::Refused, "values-qa.yaml".into(), None, Some("config.httpPort".into()))
    );
    assert_eq!(
        found[1].message,
        "file `values-qa.yaml`: `config.httpPort`: 80 is below the minimum 1024"
    );
    assert_eq!(
        culprit(&found[2]),
        (ProblemKind::Refused, "values-qa.yaml".into(), None, Some("config.logLevle".into()))
    );
    assert_eq!(std::fs::read_to_string(dir.join("Chart.yaml")).unwrap(), before);
    // The same check by name, for files kept elsewhere.
    let err = chart.check_values_files([dir.join("values-qa.yaml")]).unwrap_err();
    assert!(err.to_string().contains("`config.logLevle`: unknown key"), "{err}");
    // And Helm agrees with each verdict.
    let helm = oracle::run(vec![
        oracle::render_validate(&dir, Some(good)),
        oracle::render_validate(
            &dir,
            Some(&std::fs::read_to_string(dir.join("values-qa.yaml")).unwrap()),
        ),
    ]);
    assert_eq!(helm[0]["ok"], true, "{:#}", helm[0]);
    assert_eq!(helm[1]["ok"], false, "{:#}", helm[1]);
}

#[test]
fn pin_files_are_checked_on_top_of_their_environment() {
    let root = scratch_dir("environments-pins");
    let dir = root.join("chart");
    let out = Outputs::chart(&dir).controllers(root.join("gitops"));
    let chart = shop();
    chart.write(&out).unwrap();
    // `write` gives each environment its pin file, comments only.
    let dev = std::fs::read_to_string(dir.join("pins/dev.yaml")).unwrap();
    assert!(dev.lines().all(|l| l.starts_with('#')), "{dev}");
    std::fs::remove_file(dir.join("pins/staging.yaml")).unwrap();
    let missing = deployment_problems(chart.check(&out));
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(
        (missing[0].kind, missing[0].file.as_deref(), missing[0].environment.as_deref()),
        (ProblemKind::Missing, Some("pins/staging.yaml"), Some("staging"))
    );
    assert_eq!(
        missing[0].message,
        "pins/staging.yaml is missing: the controllers read it; `write` creates it"
    );
    std::fs::write(dir.join("pins/prod.yaml"), "# mine\nimage: {tag: \"1.0\", digest: \"\"}\n")
        .unwrap();
    chart.write(&out).unwrap();
    chart.check(&out).unwrap();
    assert!(std::fs::read_to_string(dir.join("pins/prod.yaml")).unwrap().starts_with("# mine"));

    std::fs::write(dir.join("pins/dev.yaml"), "image:\n  digest: sha256:XYZ\n").unwrap();
    std::fs::write(dir.join("pins/qa.yaml"), "image:\n  tag: \"1.0\"\n").unwrap();
    let found = match chart.check(&out) {
        Err(Error::Deployment { problems }) => problems,
        other => panic!("{other:?}"),
    };
    assert_eq!(found.len(), 2, "{found:#?}");
    let culprit = |p: &Problem| (p.kind, p.file.clone(), p.environment.clone(), p.key.clone());
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        culprit(&found[0]),
        (ProblemKind::Refused, some("pins/dev.yaml"), some("dev"), some("image.digest"))
    );
    assert_eq!(
        culprit(&found[1]),
        (ProblemKind::UnknownEnvironment, some("pins/qa.yaml"), some("qa"), None)
    );
    assert_eq!(
        found[1].message,
        "file `pins/qa.yaml`: no environment `qa` to pin (remove the file, or declare the environment)"
    );
    // Written by neither `write` nor removed by it: the files are the user's.
    assert!(chart.write(&out).is_err());
    assert!(dir.join("pins/qa.yaml").is_file());
}

/// An environment that removes a key writes `null`, which Helm reads from a
/// user values file as "delete". Flux passes the environment's file as user
/// values too (`valuesFrom`, not `valuesFiles`, which it would merge into
/// the chart's defaults, `null` kept as a value): the Deployment Helm
/// renders from the ConfigMap kustomize builds has no limits.
#[test]
fn a_removal_reaches_flux_as_a_removal() {
    let root = scratch_dir("environments-flux-removal");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .environment(Environment::new("dev").set("resources.limits", Value::Null))
        .controllers(
            Controllers::new(GitRepository::new(
                "https://git.example/acme/shop.git",
                "deploy/chart",
            ))
            .flux(Flux::new()),
        )
        .write(&outputs(&root))
        .expect("written");
    let built =
        gitops_tests::environments::build_as_flux_does(&root.join("deploy/gitops/flux/dev"));
    let config_map = built.iter().find(|o| o["kind"] == "ConfigMap").expect("the values ConfigMap");
    let values = config_map["data"]["values.yaml"].as_str().expect("values.yaml");
    assert!(values.contains("  limits: null\n"), "{values}");
    let rendered = oracle::one(oracle::render_validate(&root.join("deploy/chart"), Some(values)));
    assert_eq!(rendered["ok"], true, "{rendered:#}");
    let deployment = rendered["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["object"])
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    let resources = &deployment["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert!(
        resources.get("limits").is_none() && resources.get("requests").is_some(),
        "{resources}"
    );
}

/// The chart and the controllers' manifests each need a directory of their
/// own (each write removes what the other listed).
#[test]
fn chart_and_manifests_do_not_share_a_directory() {
    let root = layout("environments-shared-dir");
    let chart = shop();
    let into_chart =
        Outputs::chart(root.join("deploy/chart")).controllers(root.join("deploy/chart"));
    let err = chart.write(&into_chart).unwrap_err();
    assert!(err.to_string().contains("holds a chart"), "{err}");
    let into_gitops =
        Outputs::chart(root.join("deploy/gitops")).controllers(root.join("deploy/gitops2"));
    let err = chart.write(&into_gitops).unwrap_err();
    assert!(err.to_string().contains("holds GitOps controllers' manifests"), "{err}");
    // The outputs and the chart must agree on the controllers.
    let err = chart.write(&Outputs::chart(root.join("deploy/chart"))).unwrap_err();
    assert!(err.to_string().contains("no directory for their manifests"), "{err}");
    let culprit = |err: &Error| match err {
        Error::InvalidChart(p) => (p.kind, p.key.clone().unwrap()),
        other => panic!("{other:?}"),
    };
    assert_eq!(culprit(&err), (ProblemKind::Missing, "Outputs.controllers".into()));
    let err = shop_without_controllers().write(&outputs(&root)).unwrap_err();
    assert!(err.to_string().contains("the chart has none"), "{err}");
    assert_eq!(culprit(&err), (ProblemKind::Missing, "Chart.controllers".into()));
    chart.check(&outputs(&root)).unwrap();
    // The same directory spelt another way, before anything exists there.
    let fresh = scratch_dir("environments-one-dir-two-names");
    let twice =
        Outputs::chart(fresh.join("deploy/chart")).controllers(fresh.join("deploy/x/../chart"));
    let err = chart.write(&twice).unwrap_err();
    assert_eq!(culprit(&err), (ProblemKind::InvalidSetting, "Outputs.controllers".into()));
    assert!(!fresh.join("deploy").exists(), "nothing written");
    // A file of the user's where a manifest goes: refused before the chart
    // is written.
    // (Unlisted: without the directory's list of files it wrote, gitops-gen
    // owns only what carries its marker.)
    std::fs::remove_file(root.join("deploy/gitops/.gitops-gen-files")).unwrap();
    let project = root.join("deploy/gitops/flux/dev/namespace.yaml");
    std::fs::write(&project, "# mine\n").unwrap();
    std::fs::remove_file(root.join("deploy/chart/Chart.yaml")).unwrap();
    let err = chart.write(&outputs(&root)).unwrap_err();
    assert!(
        matches!(&err, Error::NotGenerated { paths } if paths == std::slice::from_ref(&project)),
        "{err}"
    );
    assert!(!root.join("deploy/chart/Chart.yaml").exists(), "the chart was written first");
}
