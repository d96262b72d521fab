//! The GitOps controllers' manifests, one set per environment: Argo CD
//! Applications (or one ApplicationSet, an AppProject as an option) and Flux
//! HelmReleases with their GitRepository. They are written to a directory of
//! their own ([`crate::Chart::write_controllers`]), not into the chart: the
//! controllers read the chart and the environments' values files from Git.

use crate::environment::{Cluster, Environment};
use crate::yaml;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Where the chart lives in Git: what the controllers fetch.
#[derive(Debug, Clone)]
pub struct GitRepository {
    pub(crate) url: String,
    pub(crate) path: String,
    pub(crate) revision: String,
}

impl GitRepository {
    /// The repository at `url` (as the controller clones it), holding the
    /// chart directory at `path` (from the repository root, e.g.
    /// `deploy/chart`); revision `main`.
    pub fn new(url: impl Into<String>, path: impl Into<String>) -> Self {
        GitRepository { url: url.into(), path: path.into(), revision: "main".into() }
    }

    /// The branch, tag or commit to follow.
    pub fn revision(mut self, revision: impl Into<String>) -> Self {
        self.revision = revision.into();
        self
    }
}

/// Argo CD's manifests.
#[derive(Debug, Clone)]
pub struct ArgoCd {
    pub(crate) namespace: String,
    pub(crate) project: Option<String>,
    pub(crate) values_from: Option<GitRepository>,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd { namespace: "argocd".into(), project: None, values_from: None }
    }
}

impl ArgoCd {
    /// Applications in Argo CD's namespace `argocd`, in the `default` project.
    pub fn new() -> Self {
        ArgoCd::default()
    }

    /// The namespace Argo CD watches for Applications.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// An AppProject named `name`, limited to the chart's repository and the
    /// environments' destinations, written beside the Applications.
    pub fn project(mut self, name: impl Into<String>) -> Self {
        self.project = Some(name.into());
        self
    }

    /// The environments' values files come from another repository (Argo
    /// CD's multi-source: `ref: values`, `$values/...`), at `path` there.
    pub fn values_from(mut self, repository: GitRepository) -> Self {
        self.values_from = Some(repository);
        self
    }
}

/// Flux's manifests.
#[derive(Debug, Clone)]
pub struct Flux {
    pub(crate) namespace: String,
    pub(crate) interval: String,
    pub(crate) drift_detection: DriftDetection,
}

/// What Flux's helm-controller does when the cluster drifts from the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftDetection {
    /// Puts the cluster back (the default here: GitOps means Git wins).
    Enabled,
    /// Reports drift in events and status, changes nothing.
    Warn,
    /// Does not look.
    Disabled,
}

impl Default for Flux {
    fn default() -> Self {
        Flux {
            namespace: "flux-system".into(),
            interval: "10m".into(),
            drift_detection: DriftDetection::Enabled,
        }
    }
}

impl Flux {
    /// A GitRepository and a HelmRelease per environment in Flux's namespace
    /// `flux-system`, reconciled every 10 minutes, drift corrected.
    pub fn new() -> Self {
        Flux::default()
    }

    /// The namespace of the GitRepository and HelmRelease objects.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// How often Flux reconciles (a Go duration, e.g. `5m`).
    pub fn interval(mut self, interval: impl Into<String>) -> Self {
        self.interval = interval.into();
        self
    }

    /// What to do about drift.
    pub fn drift_detection(mut self, mode: DriftDetection) -> Self {
        self.drift_detection = mode;
        self
    }
}

/// What every manifest needs to know.
pub(crate) struct Deployment<'a> {
    pub chart: &'a str,
    pub repository: &'a GitRepository,
    pub environments: &'a [Environment],
    pub header: &'a str,
}

/// Pod Security's `restricted` level, which the chart's pods meet: the
/// namespaces the controllers create are labelled with it.
fn restricted_labels() -> Value {
    json!({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest"
    })
}

fn document(header: &str, object: &Value) -> String {
    let mut out = header.to_owned();
    yaml::write_value(&mut out, 0, object);
    out
}

fn destination(env: &Environment, chart: &str) -> Value {
    let mut out = Map::new();
    match &env.cluster {
        Cluster::InCluster => out.insert("server".into(), json!("https://kubernetes.default.svc")),
        Cluster::Server(url) => out.insert("server".into(), json!(url)),
        Cluster::Name(name) => out.insert("name".into(), json!(name)),
    };
    out.insert("namespace".into(), json!(env.namespace_for(chart)));
    Value::Object(out)
}

/// `syncPolicy`: automated (prune, self-heal) or not, the namespace created
/// and labelled, retries with backoff.
fn sync_policy(env: &Environment) -> Value {
    let mut options = vec![json!("CreateNamespace=true")];
    if env.server_side_apply {
        options.push(json!("ServerSideApply=true"));
    }
    let mut policy = json!({
        "syncOptions": options,
        "managedNamespaceMetadata": {"labels": restricted_labels()},
        "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}}
    });
    if env.automated {
        policy["automated"] = json!({"prune": true, "selfHeal": true});
    }
    policy
}

/// The Application's sources: the chart from Git, its values files beside
/// it, or from another repository (`ref: values`).
fn argo_sources(argo: &ArgoCd, d: &Deployment, env: &Environment) -> (String, Value) {
    let helm =
        |value_files: Vec<String>| json!({"releaseName": d.chart, "valueFiles": value_files});
    let chart_source = |value_files| {
        json!({
            "repoURL": d.repository.url,
            "path": d.repository.path,
            "targetRevision": d.repository.revision,
            "helm": helm(value_files),
        })
    };
    match &argo.values_from {
        None => ("source".into(), chart_source(vec!["values.yaml".into(), env.values_file()])),
        Some(values) => {
            let file =
                format!("$values/{}/{}", values.path.trim_end_matches('/'), env.values_file());
            let chart = chart_source(vec!["values.yaml".into(), file]);
            let values =
                json!({"repoURL": values.url, "targetRevision": values.revision, "ref": "values"});
            ("sources".into(), json!([chart, values]))
        }
    }
}

fn project_name(argo: &ArgoCd) -> &str {
    argo.project.as_deref().unwrap_or("default")
}

/// Argo CD: `applications/<env>.yaml`, `applicationset.yaml` (use one or the
/// other) and `project.yaml` when asked.
pub(crate) fn argo_cd(argo: &ArgoCd, d: &Deployment) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for env in d.environments {
        let (key, sources) = argo_sources(argo, d, env);
        let mut spec = Map::new();
        spec.insert("project".into(), json!(project_name(argo)));
        spec.insert(key, sources);
        spec.insert("destination".into(), destination(env, d.chart));
        spec.insert("syncPolicy".into(), sync_policy(env));
        let app = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": format!("{}-{}", d.chart, env.name),
                "namespace": argo.namespace,
                // Deleting the Application deletes what it deployed.
                "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                "labels": {"app.kubernetes.io/name": d.chart, "environment": env.name},
            },
            "spec": spec,
        });
        files.insert(format!("argocd/applications/{}.yaml", env.name), document(d.header, &app));
    }
    // `spec` is the last key written, `templatePatch` the last of spec's.
    let mut set = document(d.header, &application_set(argo, d));
    set.push_str("  templatePatch: |\n");
    for line in TEMPLATE_PATCH.lines() {
        set.push_str(&format!("    {line}\n"));
    }
    files.insert("argocd/applicationset.yaml".into(), set);
    if let Some(name) = &argo.project {
        let mut repos = vec![json!(d.repository.url)];
        if let Some(values) = &argo.values_from {
            repos.push(json!(values.url));
        }
        let destinations: Vec<Value> =
            d.environments.iter().map(|e| destination(e, d.chart)).collect();
        let project = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": name, "namespace": argo.namespace},
            "spec": {
                "description": format!("{}: its environments, from its repository only", d.chart),
                "sourceRepos": repos,
                "destinations": destinations,
                // Namespaces are created by the sync (CreateNamespace=true).
                "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            },
        });
        files.insert("argocd/project.yaml".into(), document(d.header, &project));
    }
    files
}

/// One ApplicationSet over the environments: a list generator, Go templates
/// that fail on a missing key. Templates fill only string fields, so what
/// differs in shape per environment (automated sync, a cluster by server or
/// by name, server-side apply) comes from `templatePatch`.
fn application_set(argo: &ArgoCd, d: &Deployment) -> Value {
    let elements: Vec<Value> = d
        .environments
        .iter()
        .map(|env| {
            let (server, name) = match &env.cluster {
                Cluster::InCluster => ("https://kubernetes.default.svc".to_owned(), String::new()),
                Cluster::Server(url) => (url.clone(), String::new()),
                Cluster::Name(n) => (String::new(), n.clone()),
            };
            let value_file = match &argo.values_from {
                None => env.values_file(),
                Some(values) => {
                    format!("$values/{}/{}", values.path.trim_end_matches('/'), env.values_file())
                }
            };
            json!({
                "environment": env.name,
                "namespace": env.namespace_for(d.chart),
                "server": server,
                "clusterName": name,
                "valueFile": value_file,
                "automated": env.automated.to_string(),
                "serverSideApply": env.server_side_apply.to_string(),
            })
        })
        .collect();
    let env = Environment::new("{{ .environment }}").namespace("{{ .namespace }}").automated(false);
    let (key, mut sources) = argo_sources(argo, d, &env);
    // The file name comes from the element (it may point at another repo).
    let files = json!(["values.yaml", "{{ .valueFile }}"]);
    match sources.as_array_mut() {
        Some(list) => list[0]["helm"]["valueFiles"] = files,
        None => sources["helm"]["valueFiles"] = files,
    }
    let mut policy = sync_policy(&env);
    policy["syncOptions"] = json!(["CreateNamespace=true"]);
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": d.chart, "namespace": argo.namespace},
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"list": {"elements": elements}}],
            "template": {
                "metadata": {
                    "name": format!("{}-{{{{ .environment }}}}", d.chart),
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                    "labels": {"app.kubernetes.io/name": d.chart, "environment": "{{ .environment }}"},
                },
                "spec": {
                    "project": project_name(argo),
                    key: sources,
                    "destination": {"namespace": "{{ .namespace }}"},
                    "syncPolicy": policy,
                },
            },
        },
    })
}

/// The ApplicationSet's `templatePatch`, a Go template of YAML; written as a
/// block so a reviewer reads it as it runs.
const TEMPLATE_PATCH: &str = r#"spec:
  destination:
  {{- if eq .server "" }}
    name: {{ .clusterName | quote }}
  {{- else }}
    server: {{ .server | quote }}
  {{- end }}
  syncPolicy:
    syncOptions:
      - CreateNamespace=true
    {{- if eq .serverSideApply "true" }}
      - ServerSideApply=true
    {{- end }}
    {{- if eq .automated "true" }}
    automated:
      prune: true
      selfHeal: true
    {{- end }}
"#;

/// Flux: per environment, `flux/<env>/` with the release's Namespace, the
/// GitRepository, the HelmRelease and a kustomization.yaml listing them, for
/// the Flux of that environment's cluster to apply (a Flux Kustomization
/// pointing at the directory): Flux runs in each cluster it deploys to.
pub(crate) fn flux(flux: &Flux, d: &Deployment) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let chart_dir = d.repository.path.trim_end_matches('/');
    for env in d.environments {
        let dir = format!("flux/{}", env.name);
        let source = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": d.chart, "namespace": flux.namespace},
            "spec": {
                "interval": flux.interval,
                "url": d.repository.url,
                "ref": git_ref(&d.repository.revision),
            },
        });
        let drift = match flux.drift_detection {
            DriftDetection::Enabled => "enabled",
            DriftDetection::Warn => "warn",
            DriftDetection::Disabled => "disabled",
        };
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": format!("{}-{}", d.chart, env.name), "namespace": flux.namespace},
            "spec": {
                "interval": flux.interval,
                "releaseName": d.chart,
                "targetNamespace": env.namespace_for(d.chart),
                "storageNamespace": env.namespace_for(d.chart),
                "chart": {"spec": {
                    "chart": format!("./{chart_dir}"),
                    "reconcileStrategy": "Revision",
                    "sourceRef": {"kind": "GitRepository", "name": d.chart, "namespace": flux.namespace},
                    // Flux reads only the files listed, values.yaml included.
                    "valuesFiles": [
                        format!("./{chart_dir}/values.yaml"),
                        format!("./{chart_dir}/{}", env.values_file()),
                    ],
                }},
                // The namespace is namespace.yaml's, labelled for Pod Security.
                "install": {"remediation": {"retries": 3}},
                "upgrade": {
                    "cleanupOnFail": true,
                    "remediation": {"retries": 3, "remediateLastFailure": true},
                },
                "driftDetection": {"mode": drift},
                "suspend": false,
            },
        });
        let namespace = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": env.namespace_for(d.chart), "labels": restricted_labels()},
        });
        files.insert(format!("{dir}/namespace.yaml"), document(d.header, &namespace));
        files.insert(format!("{dir}/gitrepository.yaml"), document(d.header, &source));
        files.insert(format!("{dir}/helmrelease.yaml"), document(d.header, &release));
        let kustomization = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["namespace.yaml", "gitrepository.yaml", "helmrelease.yaml"],
        });
        files.insert(format!("{dir}/kustomization.yaml"), document(d.header, &kustomization));
    }
    files
}

/// Flux's `ref`: a commit SHA, a tag (`v1.2.3`, a SemVer) or a branch.
fn git_ref(revision: &str) -> Value {
    if revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit()) {
        json!({"commit": revision})
    } else if semver::Version::parse(revision.trim_start_matches('v')).is_ok() {
        json!({"tag": revision})
    } else {
        json!({"branch": revision})
    }
}
