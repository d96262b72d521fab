//! Argo CD's manifests: an Application per environment Argo CD deploys, or
//! one ApplicationSet in their place, and the AppProject they belong to, all
//! in `argocd/`; and `bootstrap/argocd.yaml`, the root Application that
//! applies that directory (app of apps) with an AppProject of its own.

use super::controllers::{document, restricted_labels, ArgoCd, Deployment, Manifests, Project};
use super::environment::{Controller, Destination, Environment};
use super::{notifications, rollout};
use crate::foundation::k8s::IN_CLUSTER;
use crate::foundation::layout::{self, Files};
use crate::foundation::yaml;
use serde_json::{json, Map, Value};

/// An environment's cluster as Argo CD's destination names it: `server` with
/// a URL, or `name`.
fn cluster_field<'a>(deployment: &Deployment<'a>) -> (&'static str, &'a str) {
    match (deployment.cluster, &deployment.env.cluster) {
        (Some(cluster), _) => ("server", &cluster.server),
        (None, Destination::Server(url)) => ("server", url),
        (None, Destination::Name(name)) => ("name", name),
        // A fleet's deployments carry their cluster.
        (None, Destination::InCluster | Destination::Fleet(_)) => ("server", IN_CLUSTER),
    }
}

fn destination(deployment: &Deployment, chart: &str) -> Value {
    let (key, cluster) = cluster_field(deployment);
    json!({ key: cluster, "namespace": deployment.env.namespace_for(chart) })
}

/// An environment's `syncPolicy`: automated (prune, self-heal) or not, the
/// namespace created and labelled, retries with backoff; with a canary,
/// prunes last ([`PRUNE_LAST`]).
fn sync_policy(automated: bool, server_side_apply: bool, prune_last: bool) -> Value {
    let mut options = vec![json!("CreateNamespace=true")];
    if server_side_apply {
        options.push(json!("ServerSideApply=true"));
    }
    if prune_last {
        options.push(json!(PRUNE_LAST));
    }
    let mut policy = namespace_and_retry();
    policy["syncOptions"] = Value::Array(options);
    if automated {
        policy["automated"] = auto_sync();
    }
    policy
}

/// What every environment's sync policy has, in shape too: the created
/// namespace's labels and the retries.
fn namespace_and_retry() -> Value {
    json!({
        "managedNamespaceMetadata": {"labels": restricted_labels()},
        "retry": retry(),
    })
}

/// Retries with backoff; `refresh`: a retry takes the latest revision, so
/// a revert of a broken commit is applied at once, not after the retries
/// run out.
fn retry() -> Value {
    json!({
        "limit": 5,
        "refresh": true,
        "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}
    })
}

/// Automated sync that prunes and heals.
fn auto_sync() -> Value {
    json!({"prune": true, "selfHeal": true})
}

/// The environment's values file as Argo CD reads it: relative to the
/// chart's path, or in the values repository (`$values/...`).
fn value_file(argo: &ArgoCd, env: &Environment) -> String {
    in_values_repository(argo, env.values_file())
}

/// A fleet cluster's values file (`clusters/<name>.yaml`), like
/// [`value_file`].
fn cluster_file(argo: &ArgoCd, cluster: &str) -> String {
    in_values_repository(argo, layout::cluster_file(cluster))
}

/// What Helm reads after values.yaml, in order: the environment's values
/// file, its cluster's, its pin.
fn value_files(argo: &ArgoCd, deployment: &Deployment) -> Vec<String> {
    let mut files = vec![value_file(argo, deployment.env)];
    files.extend(deployment.cluster.map(|c| cluster_file(argo, &c.name)));
    files.push(pin_file(argo, deployment.env));
    files
}

/// The environment's image pin (`pins/<env>.yaml`, the user's), where Argo
/// CD reads it, like [`value_file`].
fn pin_file(argo: &ArgoCd, env: &Environment) -> String {
    in_values_repository(argo, layout::pin_file(&env.name))
}

fn in_values_repository(argo: &ArgoCd, file: String) -> String {
    match &argo.values_from {
        None => file,
        Some(values) => format!("$values/{}/{file}", values.chart_dir()),
    }
}

/// The Application's sources: the chart from Git with values.yaml, then
/// `files`, plus the values repository (`ref: values`) when there is one.
/// Every file must exist (`Chart::write` creates a pin file that is
/// missing), so a wrong path fails the sync instead of quietly deploying the
/// chart's defaults.
///
/// With [`Controllers::rendered`](crate::Controllers::rendered): the
/// release's rendered manifests instead, `release` being its directory
/// under them (or a template of it, in an ApplicationSet).
fn argo_sources(
    argo: &ArgoCd,
    d: &Manifests,
    files: &[String],
    release: &str,
) -> (&'static str, Value) {
    if let Some(rendered) = d.controllers.rendered_dir() {
        return ("source", rendered_source(d, &rendered, release));
    }
    let mut value_files = vec![layout::VALUES_YAML.to_owned()];
    value_files.extend_from_slice(files);
    let chart = json!({
        "repoURL": d.controllers.repository.url,
        "path": d.controllers.repository.path,
        "targetRevision": d.controllers.repository.revision(),
        "helm": {
            "releaseName": d.chart,
            "valueFiles": value_files,
        },
    });
    match &argo.values_from {
        None => ("source", chart),
        Some(values) => {
            let values = json!({"repoURL": values.url, "targetRevision": values.revision(), "ref": "values"});
            ("sources", json!([chart, values]))
        }
    }
}

/// A directory source of one release's rendered manifests: its files only,
/// not what is below (argo-cd `reposerver/repository/repository.go`,
/// `findManifests`, walks subdirectories only with `directory.recurse`).
/// `release` is the release's directory under `rendered`, or a template
/// of it in an ApplicationSet.
fn rendered_source(d: &Manifests, rendered: &str, release: &str) -> Value {
    json!({
        "repoURL": d.controllers.repository.url,
        "path": format!("{rendered}/{release}"),
        "targetRevision": d.controllers.repository.revision(),
        "directory": {"recurse": false},
    })
}

fn project_name<'a>(argo: &'a ArgoCd, chart: &'a str) -> &'a str {
    match &argo.project {
        Project::OfTheChart => chart,
        Project::Named(name) => name,
        Project::ArgoDefault => "default",
    }
}

/// Argo CD: `applications/<env>.yaml`, or when asked `applicationset.yaml`
/// (the same Applications from one object); and `project.yaml`.
pub(crate) fn files(argo: &ArgoCd, d: &Manifests) -> Files {
    let mut files = Files::new();
    let environments = d.controllers.deployed_by(Controller::ArgoCd, d.environments);
    if environments.is_empty() {
        return files;
    }
    let deployments = d.deployments(Controller::ArgoCd);
    // One source of Applications only: the ApplicationSet makes the same
    // Applications, and both in one tree would fight over them.
    let applications = if argo.application_set { &[][..] } else { &deployments[..] };
    for deployment in applications {
        let env = deployment.env;
        let (key, sources) =
            argo_sources(argo, d, &value_files(argo, deployment), &deployment.path());
        let mut spec = Map::new();
        spec.insert("project".into(), json!(project_name(argo, d.chart)));
        spec.insert(key.into(), sources);
        spec.insert("destination".into(), destination(deployment, d.chart));
        let policy = sync_policy(env.automated, env.server_side_apply, d.has_canary);
        spec.insert("syncPolicy".into(), policy);
        let mut labels = json!({"app.kubernetes.io/name": d.chart, "environment": env.name});
        if let Some(cluster) = deployment.cluster {
            labels["cluster"] = json!(cluster.name);
        }
        let mut app = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": format!("{}-{}", d.chart, deployment.name()),
                "namespace": argo.namespace,
                // No `resources-finalizer`: removing the Application (a
                // parent's prune, a changed tree) leaves the workloads;
                // `argocd app delete --cascade` deletes them on purpose.
                "labels": labels,
            },
            "spec": spec,
        });
        let subscriptions = notifications::annotations(&env.notifications);
        if !subscriptions.is_empty() {
            app["metadata"]["annotations"] = Value::Object(subscriptions);
        }
        files.insert(
            format!("{}/applications/{}.yaml", layout::ARGO_CD_DIR, deployment.path()),
            document(d.header, &app),
        );
    }
    if argo.application_set {
        // `spec` is the last key written, `templatePatch` the last of spec's.
        let mut set = document(d.header, &application_set(argo, d, &environments));
        set.push_str("  templatePatch: |\n");
        for line in template_patch(argo, d, &environments).lines() {
            set.push_str(&format!("    {line}\n"));
        }
        files.insert(format!("{}/applicationset.yaml", layout::ARGO_CD_DIR), set);
    }
    if argo.project != Project::ArgoDefault {
        let name = project_name(argo, d.chart);
        let mut repos = vec![json!(d.controllers.repository.url)];
        if let Some(values) = &argo.values_from {
            repos.push(json!(values.url));
        }
        let destinations: Vec<Value> =
            deployments.iter().map(|e| destination(e, d.chart)).collect();
        let project = app_project(
            argo,
            name,
            json!({
                "description": format!("{}: its environments, from its repository only", d.chart),
                "sourceRepos": repos,
                "destinations": destinations,
                // Namespaces are created by the sync (CreateNamespace=true).
                "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            }),
        );
        files.insert(format!("{}/project.yaml", layout::ARGO_CD_DIR), document(d.header, &project));
    }
    files.insert(format!("{}/argocd.yaml", layout::BOOTSTRAP_DIR), bootstrap(argo, d));
    files
}

/// An AppProject `name` in Argo CD's namespace.
fn app_project(argo: &ArgoCd, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": argo.namespace},
        "spec": spec,
    })
}

/// The root Application (app of apps) over `argocd/`, which holds exactly
/// one source of Applications, and the AppProject it runs in: only this
/// repository, only Argo CD's own namespace in its own cluster, only Argo
/// CD's kinds. Applied once by hand (`kubectl apply -n argocd -f`).
fn bootstrap(argo: &ArgoCd, d: &Manifests) -> String {
    let project = format!("{}-bootstrap", d.chart);
    let here = json!({"server": IN_CLUSTER, "namespace": argo.namespace});
    let kinds: Vec<Value> = ["Application", "ApplicationSet", "AppProject"]
        .iter()
        .map(|kind| json!({"group": "argoproj.io", "kind": kind}))
        .collect();
    let app_project = app_project(
        argo,
        &project,
        json!({
            "description": format!("{}: the root Application, which applies its Argo CD manifests", d.chart),
            "sourceRepos": [d.controllers.repository.url],
            "destinations": [here],
            "clusterResourceWhitelist": [],
            "namespaceResourceWhitelist": kinds,
        }),
    );
    // Pruning removes an environment's Application with its file; having no
    // finalizer, the Application leaves the workloads in place.
    let policy = json!({"automated": auto_sync(), "retry": retry()});
    let root = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            // Never an environment's (`<chart>-<env>`).
            "name": d.chart,
            "namespace": argo.namespace,
            "labels": {"app.kubernetes.io/name": d.chart},
        },
        "spec": {
            "project": project,
            "source": {
                "repoURL": d.controllers.repository.url,
                "targetRevision": d.controllers.repository.revision(),
                "path": format!("{}/{}", d.controllers.dir(), layout::ARGO_CD_DIR),
                "directory": {"recurse": true},
            },
            "destination": here,
            "syncPolicy": policy,
        },
    });
    format!("{}---\n{}", document(d.header, &app_project), document("", &root))
}

/// One ApplicationSet over the environments: a list generator, Go templates
/// that fail on a missing key. Templates fill only string fields, so what
/// differs in shape per environment (automated sync, a cluster by server or
/// by name, server-side apply) comes from `templatePatch`.
fn application_set(argo: &ArgoCd, d: &Manifests, environments: &[&Environment]) -> Value {
    let Shapes { fleet: with_fleet, notifications: with_notifications } = Shapes::of(environments);
    let element = |env: &Environment| {
        let mut element = json!({
            "environment": env.name,
            "namespace": env.namespace_for(d.chart),
            "valueFile": value_file(argo, env),
            "pinFile": pin_file(argo, env),
            "automated": env.automated.to_string(),
            "serverSideApply": env.server_side_apply.to_string(),
        });
        if !is_fleet(env) {
            // Both keys in every element: `missingkey=error` rejects a
            // missing one. A fleet's come from the cluster generator
            // (`name`, `server`), and the list's would override them
            // (applicationset/generators/matrix.go).
            let (key, cluster) = cluster_field(&Deployment { env, cluster: None });
            let (server, name) = if key == "server" { (cluster, "") } else { ("", cluster) };
            element["server"] = json!(server);
            element["clusterName"] = json!(name);
        }
        if with_fleet {
            element["fleet"] = json!(is_fleet(env).to_string());
        }
        if with_notifications {
            element["notifications"] =
                Value::Object(notifications::annotations(&env.notifications));
        }
        element
    };
    // The environments on one cluster from a list; each fleet's from a
    // matrix of its element and the clusters its selector matches.
    let mut generators = Vec::new();
    let plain: Vec<Value> =
        environments.iter().filter(|e| !is_fleet(e)).map(|e| element(e)).collect();
    if !plain.is_empty() {
        generators.push(json!({"list": {"elements": plain}}));
    }
    for env in environments {
        if let Destination::Fleet(selector) = &env.cluster {
            generators.push(json!({"matrix": {"generators": [
                {"list": {"elements": [element(env)]}},
                {"clusters": {"selector": selector.to_k8s()}},
            ]}}));
        }
    }
    let files = ["{{ .valueFile }}".to_owned(), "{{ .pinFile }}".to_owned()];
    let (key, sources) = argo_sources(argo, d, &files, "{{ .environment }}");
    // Automated sync and the sync options come from `templatePatch` only:
    // its list would replace the template's whole (a strategic merge of a
    // list without a patch strategy), so one written in both places would
    // silently lose what only the template said.
    let policy = namespace_and_retry();
    let mut set = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": d.chart, "namespace": argo.namespace},
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            "generators": generators,
            "syncPolicy": {"preserveResourcesOnDeletion": true},
            "template": {
                // No finalizer: with `preserveResourcesOnDeletion` the
                // controller adds none, and one written here would never be
                // removed, so deleting the ApplicationSet would delete every
                // environment's workloads.
                "metadata": {
                    "name": format!("{}-{{{{ .environment }}}}", d.chart),
                    "labels": {"app.kubernetes.io/name": d.chart, "environment": "{{ .environment }}"},
                },
                "spec": {
                    "project": project_name(argo, d.chart),
                    key: sources,
                    "destination": {"namespace": "{{ .namespace }}"},
                    "syncPolicy": policy,
                },
            },
        },
    });
    if let Some(rolling) = &argo.rolling_sync {
        set["spec"]["strategy"] = rollout::strategy(rolling, environments);
    }
    set
}

/// What the ApplicationSet's elements may differ in beyond strings, which
/// its elements and `templatePatch` must then carry.
struct Shapes {
    /// An environment on a fleet.
    fleet: bool,
    /// An environment with notifications.
    notifications: bool,
}

impl Shapes {
    fn of(environments: &[&Environment]) -> Shapes {
        Shapes {
            fleet: environments.iter().any(|e| is_fleet(e)),
            notifications: environments.iter().any(|e| !e.notifications.is_empty()),
        }
    }
}

fn is_fleet(env: &Environment) -> bool {
    matches!(env.cluster, Destination::Fleet(_))
}

/// The ApplicationSet's `templatePatch`, a Go template of YAML; written as a
/// block so a reviewer reads it as it runs. With a fleet, its elements'
/// Applications get the cluster in their name and labels, its values file,
/// and its server, all from the cluster generator's `name` and `server`.
fn template_patch(argo: &ArgoCd, d: &Manifests, environments: &[&Environment]) -> String {
    let Shapes { fleet: with_fleet, notifications: with_notifications } = Shapes::of(environments);
    let chart = d.chart;
    let mut patch = String::new();
    if with_fleet {
        // Never empty: a `metadata:` without keys would remove the metadata.
        patch.push_str(&format!(
            r#"metadata:
  name: "{chart}-{{{{ .environment }}}}{{{{ if eq .fleet "true" }}}}-{{{{ .name }}}}{{{{ end }}}}"
  labels:
    app.kubernetes.io/name: {chart}
    environment: {{{{ .environment | quote }}}}
  {{{{- if eq .fleet "true" }}}}
    cluster: {{{{ .name | quote }}}}
  {{{{- end }}}}
"#
        ));
    } else if with_notifications {
        patch.push_str("{{- if .notifications }}\nmetadata:\n{{- end }}\n");
    }
    if with_notifications {
        patch.push_str(notifications::TEMPLATE_PATCH_ANNOTATIONS);
    }
    patch.push_str("spec:\n");
    if with_fleet {
        // The sources whole: a strategic merge replaces a list (valueFiles,
        // multi-source `sources`) whole.
        let files = [
            "{{ .valueFile }}".to_owned(),
            cluster_file(argo, "{{ .name }}"),
            "{{ .pinFile }}".to_owned(),
        ];
        let (key, sources) = argo_sources(argo, d, &files, "{{ .environment }}/{{ .name }}");
        patch.push_str("{{- if eq .fleet \"true\" }}\n");
        yaml::write_value(&mut patch, 2, &json!({ key: sources }));
        patch.push_str("{{- end }}\n");
    }
    // A fleet's element has the cluster generator's `server`, never empty.
    patch.push_str(DESTINATION_PATCH);
    patch.push_str(SYNC_POLICY_PATCH);
    if d.has_canary {
        patch.push_str(&format!("      - {PRUNE_LAST}\n"));
    }
    patch.push_str(AUTOMATED_PATCH);
    patch
}

/// Prune after everything else is applied and healthy: a sync that turns
/// `canary.enabled` on deletes the Deployment only once the Rollout that
/// replaces it serves, not in the same breath (gitops-engine moves the
/// prune to a wave of its own, and a sync of several waves waits for each).
const PRUNE_LAST: &str = "PruneLast=true";

/// The destination of an element on one cluster: by name or by server.
const DESTINATION_PATCH: &str = r#"  destination:
  {{- if eq .server "" }}
    name: {{ .clusterName | quote }}
  {{- else }}
    server: {{ .server | quote }}
  {{- end }}
"#;

/// The sync options, which differ in shape per element (then [`PRUNE_LAST`]
/// for every element with a canary, and [`AUTOMATED_PATCH`]).
const SYNC_POLICY_PATCH: &str = r#"  syncPolicy:
    syncOptions:
      - CreateNamespace=true
    {{- if eq .serverSideApply "true" }}
      - ServerSideApply=true
    {{- end }}
"#;

/// Automated sync, per element.
const AUTOMATED_PATCH: &str = r#"    {{- if eq .automated "true" }}
    automated:
      prune: true
      selfHeal: true
    {{- end }}
"#;
