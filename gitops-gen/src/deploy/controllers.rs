//! The GitOps controllers' manifests, one set per environment: Argo CD
//! Applications (or one ApplicationSet, an AppProject as an option) and Flux
//! HelmReleases with their GitRepository. They are written to a directory of
//! their own (`Outputs::controllers`), not into the chart: the
//! controllers read the chart and the environments' values files from Git.

use super::environment::{Cluster, Environment};
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::k8s::{is_dns_label, is_dns_subdomain, is_flux_duration, IN_CLUSTER};
use crate::foundation::layout::{self, Files};
use crate::foundation::yaml;
use serde_json::{json, Map, Value};

/// The GitOps controllers that deploy a chart's environments, and the Git
/// repository they fetch it from: one value, so a chart has all of them or
/// none.
///
/// ```
/// use gitops_gen::{ArgoCd, Controllers, Flux, GitRepository};
///
/// let controllers = Controllers::new(GitRepository::new(
///     "https://git.example.com/acme/orders.git",
///     "deploy/chart",
/// ))
/// .argo_cd(ArgoCd::new().application_set())
/// .flux(Flux::new());
/// ```
#[derive(Debug, Clone)]
pub struct Controllers {
    pub(crate) repository: GitRepository,
    pub(crate) argo_cd: Option<ArgoCd>,
    pub(crate) flux: Option<Flux>,
}

impl Controllers {
    /// Controllers that fetch the chart from `repository`; add at least one
    /// of [`argo_cd`](Controllers::argo_cd) and [`flux`](Controllers::flux).
    pub fn new(repository: GitRepository) -> Self {
        Controllers { repository, argo_cd: None, flux: None }
    }

    /// Argo CD Applications (or an ApplicationSet) for the environments.
    pub fn argo_cd(mut self, argo_cd: ArgoCd) -> Self {
        self.argo_cd = Some(argo_cd);
        self
    }

    /// Flux GitRepository and HelmRelease objects per environment.
    pub fn flux(mut self, flux: Flux) -> Self {
        self.flux = Some(flux);
        self
    }
}

/// Where the chart lives in Git: what the controllers fetch.
#[derive(Debug, Clone)]
pub struct GitRepository {
    pub(crate) url: String,
    pub(crate) path: String,
    pub(crate) reference: GitRef,
    /// Flux's Secret with the credentials of a private repository.
    pub(crate) secret: Option<String>,
}

/// What the controllers follow in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitRef {
    Branch(String),
    Tag(String),
    /// A full 40-hex-digit commit SHA.
    Commit(String),
}

impl GitRepository {
    /// The repository at `url` (as the controller clones it), holding the
    /// chart directory at `path` (from the repository root, e.g.
    /// `deploy/chart`: where `Chart::write` writes it); branch `main`.
    pub fn new(url: impl Into<String>, path: impl Into<String>) -> Self {
        GitRepository {
            url: url.into(),
            path: path.into(),
            reference: GitRef::Branch("main".into()),
            secret: None,
        }
    }

    /// A private repository: Flux reads its credentials from this Secret
    /// in Flux's namespace (`spec.secretRef`; keys `username`/`password`
    /// for HTTPS, `identity`/`known_hosts` for SSH). Argo CD reads its own
    /// repository Secret, which you create in Argo CD's namespace; neither
    /// is generated (docs/environments.md, "Private repositories").
    pub fn secret(mut self, name: impl Into<String>) -> Self {
        self.secret = Some(name.into());
        self
    }

    /// Follow this branch.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.reference = GitRef::Branch(branch.into());
        self
    }

    /// Follow this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.reference = GitRef::Tag(tag.into());
        self
    }

    /// Pin this commit (its full SHA).
    pub fn commit(mut self, sha: impl Into<String>) -> Self {
        self.reference = GitRef::Commit(sha.into());
        self
    }

    /// Argo CD's `targetRevision`.
    fn revision(&self) -> &str {
        match &self.reference {
            GitRef::Branch(r) | GitRef::Tag(r) | GitRef::Commit(r) => r,
        }
    }

    /// Flux's `ref`.
    fn flux_ref(&self) -> Value {
        match &self.reference {
            GitRef::Branch(r) => json!({"branch": r}),
            GitRef::Tag(r) => json!({"tag": r}),
            GitRef::Commit(r) => json!({"commit": r}),
        }
    }

    /// The chart's directory without a trailing `/`.
    fn chart_dir(&self) -> &str {
        self.path.trim_end_matches('/')
    }

    /// Every problem of the repository named `what`, its settings' keys
    /// under `key` (`GitRepository`, `ArgoCd.values_from`).
    fn problems(&self, what: &str, key: &str, out: &mut Vec<Problem>) {
        let mut push = |kind, field: &str, message: String| {
            out.push(Problem::new(kind, message).key(format!("{key}.{field}")));
        };
        if self.url.trim().is_empty() {
            push(
                ProblemKind::Missing,
                "url",
                format!("{what} has no URL (repoURL): `GitRepository::new(url, path)`"),
            );
        }
        let path = self.chart_dir();
        let relative = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
        if !relative {
            push(ProblemKind::InvalidSetting, "path", format!("{what}: path {:?} must be a directory relative to the repository root, without `.` or `..` (e.g. `deploy/chart`)", self.path));
        }
        match &self.reference {
            GitRef::Branch(r) | GitRef::Tag(r) if r.trim().is_empty() => {
                push(
                    ProblemKind::Missing,
                    "reference",
                    format!("{what}: the branch or tag is empty"),
                );
            }
            GitRef::Commit(sha)
                if sha.len() != 40 || !sha.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                push(
                    ProblemKind::InvalidSetting,
                    "reference",
                    format!("{what}: commit {sha:?} is not a full 40-hex-digit SHA"),
                );
            }
            _ => {}
        }
    }
}

/// Argo CD's manifests.
#[derive(Debug, Clone)]
pub struct ArgoCd {
    pub(crate) namespace: String,
    pub(crate) project: Project,
    pub(crate) values_from: Option<GitRepository>,
    pub(crate) application_set: bool,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: "argocd".into(),
            project: Project::OfTheChart,
            values_from: None,
            application_set: false,
        }
    }
}

/// The AppProject the Applications belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Project {
    /// One named after the chart, written beside the Applications.
    OfTheChart,
    /// One with this name, written beside the Applications.
    Named(String),
    /// Argo CD's own `default`, which allows any repository and destination.
    ArgoDefault,
}

impl ArgoCd {
    /// Applications in Argo CD's namespace `argocd`, in an AppProject named
    /// after the chart (`project.yaml`): only the chart's repository, only
    /// the environments' destinations, no cluster-scoped kind but the
    /// Namespaces the sync creates.
    pub fn new() -> Self {
        ArgoCd::default()
    }

    /// The namespace Argo CD watches for Applications.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The AppProject is named `name` instead of after the chart.
    pub fn project(mut self, name: impl Into<String>) -> Self {
        self.project = Project::Named(name.into());
        self
    }

    /// The Applications go into Argo CD's `default` project, which allows
    /// any source repository and any destination; no AppProject is written.
    /// An explicit choice: the restricted project is the default.
    pub fn default_project(mut self) -> Self {
        self.project = Project::ArgoDefault;
        self
    }

    /// One ApplicationSet (`argocd/applicationset.yaml`) in place of the
    /// per-environment Applications (`argocd/applications/`): it makes the
    /// same Applications, so only one of the two is written.
    pub fn application_set(mut self) -> Self {
        self.application_set = true;
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

/// Every problem with the controllers' settings, each naming the setting.
pub(crate) fn problems(controllers: &Controllers, environments: &[Environment]) -> Vec<Problem> {
    let (argo, flux) = (controllers.argo_cd.as_ref(), controllers.flux.as_ref());
    let mut out = Vec::new();
    let setting = |kind, key: &str, message: String| Problem::new(kind, message).key(key);
    if argo.is_none() && flux.is_none() {
        out.push(setting(
            ProblemKind::Missing,
            "Controllers",
            "no GitOps controller: call `.argo_cd(ArgoCd::new())` or `.flux(Flux::new())` on `Controllers`".into(),
        ));
    }
    if environments.is_empty() {
        out.push(setting(
            ProblemKind::Missing,
            "Chart.environment",
            "no environment: add one with `.environment(Environment::new(\"dev\"))`".into(),
        ));
    }
    controllers.repository.problems("the Git repository", "GitRepository", &mut out);
    if let Some(argo) = argo {
        if !is_dns_label(&argo.namespace) {
            out.push(setting(
                ProblemKind::InvalidName,
                "ArgoCd.namespace",
                format!("Argo CD's namespace {:?} is not a DNS label", argo.namespace),
            ));
        }
        if let Project::Named(project) = &argo.project {
            if !is_dns_subdomain(project) {
                out.push(setting(ProblemKind::InvalidName, "ArgoCd.project", format!("Argo CD project {project:?} is not a valid name (lower case letters, digits, `-` and `.`)")));
            }
        }
        if let Some(values) = &argo.values_from {
            let what = "the values repository (`ArgoCd::values_from`)";
            values.problems(what, "ArgoCd.values_from", &mut out);
            // Flux's HelmRelease reads its valuesFiles from the chart's own
            // source: the two controllers would deploy different values.
            if flux.is_some() {
                out.push(setting(
                    ProblemKind::InvalidSetting,
                    "ArgoCd.values_from",
                    "`ArgoCd::values_from` takes the values from another repository, which Flux cannot: its HelmRelease reads valuesFiles from the chart's own source. Keep the values beside the chart, or deploy with Argo CD only".into(),
                ));
            }
        }
    }
    if let Some(flux) = flux {
        let url = &controllers.repository.url;
        // source-controller's CRD: `^(http|https|ssh)://.*$`
        // (api/v1/gitrepository_types.go); an scp-style `git@host:org/repo`
        // that Argo CD takes is refused by the API server.
        let scheme_ok = ["http://", "https://", "ssh://"].iter().any(|s| url.starts_with(s));
        if !url.trim().is_empty() && !scheme_ok {
            out.push(setting(
                ProblemKind::InvalidSetting,
                "GitRepository.url",
                format!("the Git repository's URL {url:?} is not one Flux takes: write it as `https://…` or `ssh://git@host/org/repo.git`"),
            ));
        }
        if let Some(secret) =
            controllers.repository.secret.as_deref().filter(|s| !is_dns_subdomain(s))
        {
            out.push(setting(
                ProblemKind::InvalidName,
                "GitRepository.secret",
                format!("the Git repository's Secret {secret:?} is not a valid name (lower case letters, digits, `-` and `.`)"),
            ));
        }
        if !is_dns_label(&flux.namespace) {
            out.push(setting(
                ProblemKind::InvalidName,
                "Flux.namespace",
                format!("Flux's namespace {:?} is not a DNS label", flux.namespace),
            ));
        }
        if !is_flux_duration(&flux.interval) {
            out.push(setting(
                ProblemKind::InvalidSetting,
                "Flux.interval",
                format!(
                    "Flux's interval {:?} is not a duration Flux takes, such as `10m`, `1h30m` or `1.5h`",
                    flux.interval
                ),
            ));
        }
    }
    out
}

/// Every manifest of `controllers` for the chart's environments, by path
/// inside the controllers' directory.
pub(crate) fn manifests(
    controllers: &Controllers,
    chart: &str,
    environments: &[Environment],
    header: &str,
) -> Files {
    let d = Manifests { chart, repository: &controllers.repository, environments, header };
    let mut files = Files::new();
    if let Some(argo) = &controllers.argo_cd {
        files.extend(argo_cd(argo, &d));
    }
    if let Some(flux) = &controllers.flux {
        files.extend(self::flux(flux, &d));
    }
    files
}

/// What every manifest needs to know.
struct Manifests<'a> {
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

/// An environment's cluster as Argo CD's destination names it: `server` with
/// a URL, or `name`.
fn cluster_field(cluster: &Cluster) -> (&'static str, &str) {
    match cluster {
        Cluster::InCluster => ("server", IN_CLUSTER),
        Cluster::Server(url) => ("server", url),
        Cluster::Name(name) => ("name", name),
    }
}

fn destination(env: &Environment, chart: &str) -> Value {
    let (key, cluster) = cluster_field(&env.cluster);
    json!({ key: cluster, "namespace": env.namespace_for(chart) })
}

/// `syncPolicy`: automated (prune, self-heal) or not, the namespace created
/// and labelled, retries with backoff.
fn sync_policy(automated: bool, server_side_apply: bool) -> Value {
    let mut options = vec![json!("CreateNamespace=true")];
    if server_side_apply {
        options.push(json!("ServerSideApply=true"));
    }
    let mut policy = json!({
        "syncOptions": options,
        "managedNamespaceMetadata": {"labels": restricted_labels()},
        // `refresh`: a retry takes the latest revision, so a revert of a
        // broken commit is applied at once, not after the retries run out.
        "retry": {
            "limit": 5,
            "refresh": true,
            "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}
        }
    });
    if automated {
        policy["automated"] = json!({"prune": true, "selfHeal": true});
    }
    policy
}

/// The environment's values file as Argo CD reads it: relative to the
/// chart's path, or in the values repository (`$values/...`).
fn value_file(argo: &ArgoCd, env: &Environment) -> String {
    in_values_repository(argo, env.values_file())
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

/// The Application's sources: the chart from Git with values.yaml,
/// `value_file` and `pin_file`, plus the values repository (`ref: values`)
/// when there is one. Every file must exist (`Chart::write` creates a pin
/// file that is missing), so a wrong path fails the sync instead of quietly
/// deploying the chart's defaults.
fn argo_sources(
    argo: &ArgoCd,
    d: &Manifests,
    value_file: &str,
    pin_file: &str,
) -> (&'static str, Value) {
    let chart = json!({
        "repoURL": d.repository.url,
        "path": d.repository.path,
        "targetRevision": d.repository.revision(),
        "helm": {
            "releaseName": d.chart,
            "valueFiles": [layout::VALUES_YAML, value_file, pin_file],
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

fn project_name<'a>(argo: &'a ArgoCd, chart: &'a str) -> &'a str {
    match &argo.project {
        Project::OfTheChart => chart,
        Project::Named(name) => name,
        Project::ArgoDefault => "default",
    }
}

/// Argo CD: `applications/<env>.yaml`, or when asked `applicationset.yaml`
/// (the same Applications from one object); and `project.yaml`.
fn argo_cd(argo: &ArgoCd, d: &Manifests) -> Files {
    let mut files = Files::new();
    // One source of Applications only: the ApplicationSet makes the same
    // Applications, and both in one tree would fight over them.
    let environments = if argo.application_set { &[][..] } else { d.environments };
    for env in environments {
        let (key, sources) = argo_sources(argo, d, &value_file(argo, env), &pin_file(argo, env));
        let mut spec = Map::new();
        spec.insert("project".into(), json!(project_name(argo, d.chart)));
        spec.insert(key.into(), sources);
        spec.insert("destination".into(), destination(env, d.chart));
        spec.insert("syncPolicy".into(), sync_policy(env.automated, env.server_side_apply));
        let app = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": format!("{}-{}", d.chart, env.name),
                "namespace": argo.namespace,
                // No `resources-finalizer`: removing the Application (a
                // parent's prune, a changed tree) leaves the workloads;
                // `argocd app delete --cascade` deletes them on purpose.
                "labels": {"app.kubernetes.io/name": d.chart, "environment": env.name},
            },
            "spec": spec,
        });
        files.insert(
            format!("{}/applications/{}.yaml", layout::ARGO_CD_DIR, env.name),
            document(d.header, &app),
        );
    }
    if argo.application_set {
        // `spec` is the last key written, `templatePatch` the last of spec's.
        let mut set = document(d.header, &application_set(argo, d));
        set.push_str("  templatePatch: |\n");
        for line in TEMPLATE_PATCH.lines() {
            set.push_str(&format!("    {line}\n"));
        }
        files.insert(format!("{}/applicationset.yaml", layout::ARGO_CD_DIR), set);
    }
    if argo.project != Project::ArgoDefault {
        let name = project_name(argo, d.chart);
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
        files.insert(format!("{}/project.yaml", layout::ARGO_CD_DIR), document(d.header, &project));
    }
    files
}

/// One ApplicationSet over the environments: a list generator, Go templates
/// that fail on a missing key. Templates fill only string fields, so what
/// differs in shape per environment (automated sync, a cluster by server or
/// by name, server-side apply) comes from `templatePatch`.
fn application_set(argo: &ArgoCd, d: &Manifests) -> Value {
    let elements: Vec<Value> = d
        .environments
        .iter()
        .map(|env| {
            // Both keys in every element: `missingkey=error` rejects a missing one.
            let (key, cluster) = cluster_field(&env.cluster);
            let (server, name) = if key == "server" { (cluster, "") } else { ("", cluster) };
            json!({
                "environment": env.name,
                "namespace": env.namespace_for(d.chart),
                "server": server,
                "clusterName": name,
                "valueFile": value_file(argo, env),
                "pinFile": pin_file(argo, env),
                "automated": env.automated.to_string(),
                "serverSideApply": env.server_side_apply.to_string(),
            })
        })
        .collect();
    let (key, sources) = argo_sources(argo, d, "{{ .valueFile }}", "{{ .pinFile }}");
    // Automated sync and the sync options come from `templatePatch` only:
    // its list would replace the template's whole (a strategic merge of a
    // list without a patch strategy), so one written in both places would
    // silently lose what only the template said.
    let mut policy = sync_policy(false, false);
    policy.as_object_mut().expect("a map").remove("syncOptions");
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": d.chart, "namespace": argo.namespace},
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"list": {"elements": elements}}],
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
fn flux(flux: &Flux, d: &Manifests) -> Files {
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
        let kustomization = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["namespace.yaml", "gitrepository.yaml", "helmrelease.yaml"],
        });
        files.insert(format!("{dir}/kustomization.yaml"), document(d.header, &kustomization));
    }
    files
}
