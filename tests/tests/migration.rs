//! The migration Job (`Chart::migration`): opt-in (a chart without one
//! generates what it did before), linted and rendered by Helm's SDK,
//! validated strictly (kubernetes-validate, the ExternalSecret's CRD), run at
//! the first install with only what exists then, and given exactly the
//! Deployment's config and secrets, read back by the loader. Bad settings
//! are refused by name with nothing written. What Helm and Argo CD do with
//! its hook annotations is in `controller_rules.rs`.

use gitops_gen::{Chart, Error, Migration, Outputs, ProblemKind};
use gitops_tests::fixtures::{Gateway, SecretsOnly, Shop, Worker};
use gitops_tests::{oracle, pod, scratch_dir};
use gitops_types::{GitOps, Loader};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

fn migration() -> Migration {
    Migration::new().command(["/app/bin", "--verbose"]).args(["migrate", "{{ not a template }}"])
}

/// Values that take every other branch: secrets as env vars from an
/// ExternalSecret, a ServiceAccount of the user's, the user's extra env var
/// and volume.
const OTHER_BRANCHES: &str = "serviceAccount: {create: false, name: ops}\nextraEnv: [{name: MIGRATION_TEST_EXTRA, value: '1'}]\nvolumes: [{name: cache, emptyDir: {}}]\nvolumeMounts: [{name: cache, mountPath: /cache}]\nsecrets:\n  envVars: true\n  externalSecret: {enabled: true, secretStoreRef: {name: vault}, remoteKey: app}\n";
const OTHER_BRANCHES_NO_SECRETS: &str = "serviceAccount: {create: false, name: ops}\nextraEnv: [{name: MIGRATION_TEST_EXTRA, value: '1'}]\n";

/// The four fixture shapes: env delivery with secrets, file delivery with
/// secrets, values without secrets (no port), secrets without values (no
/// ConfigMap).
fn charts() -> Vec<(&'static str, Chart)> {
    let chart = |name: &str| Chart::new(name).image("registry.local/app");
    vec![
        ("shop", chart("shop").config::<Shop>()),
        ("gateway", chart("gateway").config::<Gateway>()),
        ("worker", chart("worker").config::<Worker>()),
        ("vault", chart("vault").config::<SecretsOnly>()),
    ]
}

fn objects(render: &Value) -> Vec<Value> {
    assert_eq!(render["ok"], true, "render: {render:#}");
    render["objects"].as_array().unwrap().iter().map(|o| o["object"].clone()).collect()
}

fn annotation<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object["metadata"]["annotations"][name].as_str()
}

/// A chart without a migration is what it was; with one, the only new file
/// is `templates/migration.yaml` (and its line in the file list): no values
/// key, no schema, README or other template changes.
#[test]
fn opt_in_adds_one_template_and_nothing_else() {
    for (name, chart) in charts() {
        let before = chart.clone().generate().expect("generates").chart;
        let after = chart.migration(migration()).generate().expect("generates").chart;
        assert!(!before.contains_key("templates/migration.yaml"), "{name}");
        for (file, text) in &after {
            match file.as_str() {
                "templates/migration.yaml" => {}
                ".gitops-gen-files" => {
                    let added: Vec<&str> = text
                        .lines()
                        .filter(|line| !before[file].lines().any(|old| old == *line))
                        .collect();
                    assert_eq!(added, ["templates/migration.yaml"], "{name}");
                }
                _ => assert_eq!(Some(text), before.get(file), "{name}: {file} changed"),
            }
        }
        assert_eq!(after.len(), before.len() + 1, "{name}");
    }
}

/// Strict lint, and every object of the render valid on Kubernetes 1.33
/// (the ExternalSecret copy against its CRD), in both branches.
#[test]
fn lints_renders_and_validates_strictly() {
    let mut ops = Vec::new();
    let mut cases = Vec::new();
    for (name, chart) in charts() {
        let dir = scratch_dir(&format!("migration-validate-{name}"));
        chart.migration(migration()).write(&Outputs::chart(&dir)).expect("writes");
        let other = if dir.join("templates/externalsecret.yaml").exists() {
            OTHER_BRANCHES
        } else {
            OTHER_BRANCHES_NO_SECRETS
        };
        for values in [None, Some(other)] {
            ops.push(oracle::lint(&dir, values));
            let mut op = oracle::render_validate(&dir, values);
            op["version"] = json!(oracle::KUBE_VERSION);
            ops.push(op);
            cases.push(format!("{name} {values:?}"));
        }
    }
    let results = oracle::run(ops);
    for (case, pair) in cases.iter().zip(results.chunks(2)) {
        assert_eq!(pair[0]["ok"], true, "{case}: lint {:#}", pair[0]);
        assert_eq!(pair[1]["ok"], true, "{case}: {:#}", pair[1]);
        let jobs = pair[1]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["object"]["kind"] == "Job")
            .count();
        assert_eq!(jobs, 1, "{case}");
    }
}

/// The Secret an operator made (or External Secrets filled) under `name`,
/// with each key of the chart's contract set to `secret-<key>`.
fn secret_for(chart: &Path, name: &str) -> Value {
    let contract: Value =
        serde_json::from_str(&std::fs::read_to_string(chart.join("contract.json")).unwrap())
            .unwrap();
    let data: serde_json::Map<String, Value> = contract["secretKeys"]
        .as_object()
        .unwrap()
        .keys()
        .map(|key| (key.clone(), json!(format!("secret-{key}"))))
        .collect();
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": data})
}

/// What the pod of `kind` reads, loaded; the pod itself for comparison.
fn load<T>(objects: &[Value], extra: &[Value], kind: &str, scratch: &str) -> (pod::Pod, Value)
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    let pod = pod::simulate_kind(objects, extra, kind).unwrap_or_else(|e| panic!("{scratch}: {e}"));
    let env = pod.materialize(&scratch_dir(scratch));
    let config = Loader::<T>::with_vars(env).load().unwrap_or_else(|e| panic!("{scratch}: {e}"));
    (pod, serde_json::to_value(config).unwrap())
}

/// The first install, as Helm runs it: only the `pre-install` hooks exist
/// when the Job starts (helm `pkg/action/install.go` runs them before it
/// creates the release's resources; Argo CD's PreSync phase likewise comes
/// before its Sync phase, gitops-engine `pkg/sync/sync_phase.go`). With
/// those alone, plus what the user made before (their Secret, or the one
/// External Secrets fills from the hook's ExternalSecret), the Job's pod
/// starts, and its container gets exactly the Deployment's environment and
/// files, which the loader reads as the same config. The Deployment's pod,
/// given the same hooks only, would not start: the copies are what makes
/// the first install work.
fn first_install<T>(name: &str, chart: Chart)
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    let dir = scratch_dir(&format!("migration-install-{name}"));
    chart.migration(migration()).write(&Outputs::chart(&dir)).expect("writes");
    let has_secrets = dir.join("templates/externalsecret.yaml").exists();
    let mut values = vec![None];
    values.push(Some(if has_secrets { OTHER_BRANCHES } else { OTHER_BRANCHES_NO_SECRETS }));
    let ops = values
        .iter()
        .map(|values| {
            json!({"op": "render", "chart": dir, "values_yaml": values, "name": "release", "namespace": "shop"})
        })
        .collect();
    for (i, render) in oracle::run(ops).iter().enumerate() {
        let case = format!("{name} {:?}", values[i]);
        let all = objects(render);
        let is_pre_install = |o: &Value| {
            annotation(o, "helm.sh/hook").is_some_and(|h| h.split(',').any(|e| e == "pre-install"))
        };
        let hooks: Vec<Value> = all.iter().filter(|o| is_pre_install(o)).cloned().collect();
        let release: Vec<Value> = all.iter().filter(|o| !is_pre_install(o)).cloned().collect();
        assert!(hooks.iter().any(|o| o["kind"] == "Job"), "{case}: the Job is a pre-install hook");
        // Each ExternalSecret's Secret, as the operator fills it.
        let filled = |objects: &[Value]| -> Vec<Value> {
            let mut secrets: Vec<Value> = objects
                .iter()
                .filter(|o| o["kind"] == "ExternalSecret")
                .map(|o| secret_for(&dir, o["spec"]["target"]["name"].as_str().unwrap()))
                .collect();
            if secrets.is_empty() && has_secrets {
                // No ExternalSecret: the user's own Secret, made before the release.
                secrets.push(secret_for(&dir, &format!("release-{name}")));
            }
            secrets
        };
        let job = hooks.iter().find(|o| o["kind"] == "Job").unwrap();
        let job_spec = &job["spec"]["template"]["spec"];
        // Its ServiceAccount is a hook too, or the user's own.
        let account = job_spec["serviceAccountName"].as_str().unwrap();
        let hook_account =
            hooks.iter().any(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == account);
        assert!(hook_account || account == "ops", "{case}: ServiceAccount {account} missing");
        assert!(
            !release.iter().any(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == account),
            "{case}: the Job runs as the release's ServiceAccount, which the first install has not made yet"
        );

        let (job_pod, job_config) =
            load::<T>(&hooks, &filled(&hooks), "Job", &format!("migration-job-{name}-{i}"));
        let (app_pod, app_config) =
            load::<T>(&all, &filled(&release), "Deployment", &format!("migration-app-{name}-{i}"));
        assert_eq!(job_pod, app_pod, "{case}: the Job's container differs from the app's");
        if values[i].is_some() {
            assert_eq!(job_pod.env.get("MIGRATION_TEST_EXTRA").map(String::as_str), Some("1"));
        }
        assert_eq!(job_config, app_config, "{case}");
        if dir.join("templates/configmap.yaml").exists() {
            // The control: the app's own ConfigMap is not there yet (its
            // Secret may be, made by the user).
            let mut deployment_first = hooks.clone();
            deployment_first.extend(all.iter().filter(|o| o["kind"] == "Deployment").cloned());
            let err = pod::simulate(&deployment_first, &filled(&all)).unwrap_err();
            assert!(err.contains("ConfigMap") && err.contains("does not exist"), "{case}: {err}");
        }
        // The same pod-level settings as the app's, and a Job's own.
        let app = all.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let app_spec = &app["spec"]["template"]["spec"];
        for key in ["securityContext", "enableServiceLinks", "automountServiceAccountToken"] {
            assert_eq!(job_spec[key], app_spec[key], "{case}: {key}");
        }
        for key in ["securityContext", "resources", "imagePullPolicy", "image"] {
            let (a, b) = (&job_spec["containers"][0][key], &app_spec["containers"][0][key]);
            assert_eq!(a, b, "{case}: container {key}");
        }
        assert_eq!(job_spec["restartPolicy"], "Never", "{case}");
        assert_eq!(job["spec"]["backoffLimit"], 2, "{case}");
        assert_eq!(job["spec"]["activeDeadlineSeconds"], 300, "{case}");
        assert!(job["spec"].get("ttlSecondsAfterFinished").is_none(), "{case}");
        let container = &job_spec["containers"][0];
        assert_eq!(container["command"], json!(["/app/bin", "--verbose"]), "{case}");
        assert_eq!(container["args"], json!(["migrate", "{{ not a template }}"]), "{case}");
        // Not one of the app's pods to its Service, PDB or NetworkPolicy;
        // its own NetworkPolicy (a hook) admits nothing.
        let labels = job["spec"]["template"]["metadata"]["labels"].as_object().unwrap();
        let selected = |selector: &Value| {
            selector.as_object().is_some_and(|s| s.iter().all(|(k, v)| labels.get(k) == Some(v)))
        };
        if values[i].is_none() {
            let own = hooks.iter().find(|o| o["kind"] == "NetworkPolicy").expect("its policy");
            assert!(selected(&own["spec"]["podSelector"]["matchLabels"]), "{case}");
            assert_eq!(own["spec"]["ingress"], json!([]), "{case}");
        }
        for object in &release {
            let selector = match object["kind"].as_str() {
                Some("Service") => &object["spec"]["selector"],
                Some("NetworkPolicy") => &object["spec"]["podSelector"]["matchLabels"],
                Some("Deployment" | "PodDisruptionBudget") => {
                    &object["spec"]["selector"]["matchLabels"]
                }
                _ => continue,
            };
            assert!(!selected(selector), "{case}: the {} selects the Job's pod", object["kind"]);
        }
    }
}

#[test]
fn first_install_env_delivery_with_secrets() {
    first_install::<Shop>("shop", Chart::new("shop").image("registry.local/app").config::<Shop>());
}

#[test]
fn first_install_file_delivery_with_secrets() {
    first_install::<Gateway>(
        "gateway",
        Chart::new("gateway").image("registry.local/app").config::<Gateway>(),
    );
}

#[test]
fn first_install_without_secrets_or_without_values() {
    first_install::<Worker>(
        "worker",
        Chart::new("worker").image("registry.local/app").config::<Worker>(),
    );
    first_install::<SecretsOnly>(
        "vault",
        Chart::new("vault").image("registry.local/app").config::<SecretsOnly>(),
    );
}

/// A 63-character full name ending in `-migration` would give the copies
/// the originals' names: the render fails, naming the fix.
#[test]
fn a_full_name_the_copies_would_share_is_refused() {
    let dir = scratch_dir("migration-name-clash");
    Chart::new("shop")
        .image("registry.local/app")
        .config::<Shop>()
        .migration(migration())
        .write(&Outputs::chart(&dir))
        .expect("writes");
    let clash = format!("fullnameOverride: {}-migration\n", "a".repeat(53));
    let fine = format!("fullnameOverride: {}-migratio\n", "a".repeat(54));
    let results = oracle::run(vec![
        json!({"op": "render", "chart": dir, "values_yaml": clash, "name": "r", "namespace": "shop"}),
        json!({"op": "render", "chart": dir, "values_yaml": fine, "name": "r", "namespace": "shop"}),
    ]);
    assert_eq!(results[0]["ok"], false);
    let error = results[0]["error"].as_str().unwrap();
    assert!(error.contains("fullnameOverride") && error.contains("-migration"), "{error}");
    let names: Vec<Value> =
        objects(&results[1]).iter().map(|o| o["metadata"]["name"].clone()).collect();
    assert!(names.contains(&json!(format!("{}-migration", "a".repeat(53)))), "{names:?}");
}

/// Each bad setting is one error naming it (`Migration.command`, …), and
/// nothing is written.
#[test]
fn bad_settings_are_refused_by_name_with_nothing_written() {
    let cases: Vec<(Migration, &str, ProblemKind, &str)> = vec![
        (
            Migration::new().args(["migrate"]),
            "Migration.command",
            ProblemKind::Missing,
            "no command",
        ),
        (
            Migration::new().command(["", "migrate"]),
            "Migration.command",
            ProblemKind::InvalidSetting,
            "first word",
        ),
        (
            migration().phases(["pre-instal"]),
            "Migration.phases",
            ProblemKind::InvalidSetting,
            "unknown hook phase \"pre-instal\" (did you mean \"pre-install\"?)",
        ),
        (
            migration().phases(["pre-delete"]),
            "Migration.phases",
            ProblemKind::InvalidSetting,
            "unknown hook phase \"pre-delete\"",
        ),
        (
            migration().phases(Vec::<String>::new()),
            "Migration.phases",
            ProblemKind::Missing,
            "no hook phase",
        ),
        (
            migration().phases(["pre-install", "post-upgrade"]),
            "Migration.phases",
            ProblemKind::InvalidSetting,
            "PreSync and PostSync",
        ),
        (
            migration().phases(["pre-upgrade", "pre-upgrade"]),
            "Migration.phases",
            ProblemKind::InvalidSetting,
            "twice",
        ),
        (
            migration().active_deadline_seconds(0),
            "Migration.active_deadline_seconds",
            ProblemKind::InvalidSetting,
            "0 seconds",
        ),
    ];
    for (i, (migration, key, kind, text)) in cases.into_iter().enumerate() {
        let dir = scratch_dir(&format!("migration-refused-{i}")).join("chart");
        let chart =
            Chart::new("shop").image("registry.local/app").config::<Shop>().migration(migration);
        let err = chart.write(&Outputs::chart(&dir)).unwrap_err();
        let Error::InvalidChart(problem) = &err else { panic!("{key}: {err}") };
        assert_eq!(problem.key.as_deref(), Some(key), "{err}");
        assert_eq!(problem.kind, kind, "{err}");
        assert!(err.to_string().contains(text), "{key}: {err}");
        assert!(!dir.exists(), "{key}: something was written");
    }
}

/// `post-` phases make a PostSync hook for Argo CD; the settings reach the Job.
#[test]
fn post_phases_and_job_settings() {
    let generated = Chart::new("shop")
        .image("registry.local/app")
        .config::<Shop>()
        .migration(
            migration()
                .phases(["post-install", "post-upgrade"])
                .backoff_limit(0)
                .active_deadline_seconds(900),
        )
        .generate()
        .expect("generates");
    let text = &generated.chart["templates/migration.yaml"];
    assert!(text.contains("helm.sh/hook: \"post-install,post-upgrade\""), "{text}");
    assert!(text.contains("argocd.argoproj.io/hook: PostSync"), "{text}");
    assert!(!text.contains("PreSync"), "{text}");
    assert!(text.contains("backoffLimit: 0\n") && text.contains("activeDeadlineSeconds: 900\n"));
}
