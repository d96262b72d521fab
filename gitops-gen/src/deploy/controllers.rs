//! The GitOps controllers' settings: [`Controllers`] (the Git repository,
//! [`ArgoCd`], [`Flux`]), what each controller would refuse of them, and what
//! their manifests share. The manifests themselves are [`super::argo_cd`]'s
//! and [`super::flux`]'s. They are written to a directory of their own
//! (`Outputs::controllers`), not into the chart: the controllers read the
//! chart and the environments' values files from Git.

use super::environment::{Controller, Destination, Environment};
use super::fleet::{select, Cluster};
use super::rollout::RollingSync;
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::k8s::{is_dns_label, is_dns_subdomain, is_flux_duration};

use crate::foundation::yaml;
use serde_json::{json, Value};

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
    /// Where `Outputs::controllers` is in the repository; `None`: `gitops`
    /// beside the chart's directory.
    pub(crate) path: Option<String>,
    /// Where `Outputs::rendered` is in the repository, when the controllers
    /// deploy the rendered manifests instead of the chart.
    pub(crate) rendered: Option<String>,
    pub(crate) argo_cd: Option<ArgoCd>,
    pub(crate) flux: Option<Flux>,
}

impl Controllers {
    /// Controllers that fetch the chart from `repository`; add at least one
    /// of [`argo_cd`](Controllers::argo_cd) and [`flux`](Controllers::flux).
    pub fn new(repository: GitRepository) -> Self {
        Controllers { repository, path: None, rendered: None, argo_cd: None, flux: None }
    }

    /// The directory [`Outputs::controllers`](crate::Outputs::controllers)
    /// writes, from the repository root (e.g. `deploy/gitops`): what the
    /// bootstrap manifests and Flux's Kustomizations point at. Default:
    /// `gitops` beside the chart's directory (`deploy/chart` →
    /// `deploy/gitops`). Checked against the outputs when written.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Deploy the rendered manifests ([`Outputs::rendered`](crate::Outputs::rendered))
    /// at `path` in the repository (e.g. `deploy/rendered`) instead of the
    /// chart: each release's directory, applied as plain manifests, so no
    /// Helm runs at sync time. Argo CD's Applications get a directory
    /// source, Flux a Kustomization per release. Checked against the
    /// outputs when written.
    pub fn rendered(mut self, path: impl Into<String>) -> Self {
        self.rendered = Some(path.into());
        self
    }

    /// The rendered manifests' directory in the repository, without a
    /// trailing `/`, when the controllers deploy them.
    pub(crate) fn rendered_dir(&self) -> Option<String> {
        self.rendered.as_ref().map(|path| path.trim_end_matches('/').to_owned())
    }

    /// The controllers' directory in the repository, without a trailing `/`.
    pub(crate) fn dir(&self) -> String {
        match &self.path {
            Some(path) => path.trim_end_matches('/').to_owned(),
            None => match self.repository.chart_dir().rsplit_once('/') {
                Some((parent, _)) => format!("{parent}/gitops"),
                None => "gitops".to_owned(),
            },
        }
    }

    /// Which controller deploys `env`: its own choice, else the only one
    /// configured (both configured and no choice is a problem, reported by
    /// [`problems`]).
    pub(crate) fn of(&self, env: &Environment) -> Option<Controller> {
        match (env.controller, &self.argo_cd, &self.flux) {
            (Some(chosen), _, _) => Some(chosen),
            (None, Some(_), None) => Some(Controller::ArgoCd),
            (None, None, Some(_)) => Some(Controller::Flux),
            _ => None,
        }
    }

    /// The environments `controller` deploys, in their declared order.
    pub(crate) fn deployed_by<'e>(
        &self,
        controller: Controller,
        environments: &'e [Environment],
    ) -> Vec<&'e Environment> {
        environments.iter().filter(|env| self.of(env) == Some(controller)).collect()
    }

    /// Argo CD Applications (or an ApplicationSet) for the environments.
    pub fn argo_cd(mut self, argo_cd: ArgoCd) -> Self {
        self.argo_cd = Some(argo_cd);
        self
    }

    /// Flux's directory per environment it deploys (GitRepository,
    /// HelmRelease, the values ConfigMap's kustomization) and its bootstrap.
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
    pub(super) fn revision(&self) -> &str {
        match &self.reference {
            GitRef::Branch(r) | GitRef::Tag(r) | GitRef::Commit(r) => r,
        }
    }

    /// Flux's `ref`.
    pub(super) fn flux_ref(&self) -> Value {
        match &self.reference {
            GitRef::Branch(r) => json!({"branch": r}),
            GitRef::Tag(r) => json!({"tag": r}),
            GitRef::Commit(r) => json!({"commit": r}),
        }
    }

    /// The chart's directory without a trailing `/`.
    pub(crate) fn chart_dir(&self) -> &str {
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
        if !is_in_repository(self.chart_dir()) {
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

/// A directory relative to the repository root, without `.` or `..`.
fn is_in_repository(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Argo CD's manifests.
#[derive(Debug, Clone)]
pub struct ArgoCd {
    pub(crate) namespace: String,
    pub(crate) project: Project,
    pub(crate) values_from: Option<GitRepository>,
    pub(crate) application_set: bool,
    pub(crate) rolling_sync: Option<RollingSync>,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: "argocd".into(),
            project: Project::OfTheChart,
            values_from: None,
            application_set: false,
            rolling_sync: None,
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

    /// A staged rollout of the ApplicationSet's Applications (Progressive
    /// Syncs, `RollingSync`): with [`application_set`](ArgoCd::application_set)
    /// only. Argo CD's ApplicationSet controller needs
    /// `applicationsetcontroller.enable.progressive.syncs: "true"` in
    /// `argocd-cmd-params-cm` (docs/environments.md, "Staged rollout").
    pub fn rolling_sync(mut self, rolling_sync: RollingSync) -> Self {
        self.rolling_sync = Some(rolling_sync);
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
    /// Per environment Flux deploys, a GitRepository and a HelmRelease in
    /// Flux's namespace `flux-system`, reconciled every 10 minutes, drift
    /// corrected.
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
    // A default beside an invalid chart path is reported with that path.
    let dir = controllers.dir();
    if controllers.path.is_some() && !is_in_repository(&dir) {
        out.push(setting(ProblemKind::InvalidSetting, "Controllers.path", format!("the controllers' directory {dir:?} must be a directory relative to the repository root, without `.` or `..` (e.g. `deploy/gitops`)")));
    }
    if let Some(rendered) = controllers.rendered_dir() {
        if !is_in_repository(&rendered) {
            out.push(setting(ProblemKind::InvalidSetting, "Controllers.rendered", format!("the rendered manifests' directory {rendered:?} must be a directory relative to the repository root, without `.` or `..` (e.g. `deploy/rendered`)")));
        }
        if argo.is_some_and(|a| a.values_from.is_some()) {
            out.push(setting(ProblemKind::InvalidSetting, "ArgoCd.values_from", "`ArgoCd::values_from` reads values files from another repository for Helm, but with `Controllers::rendered` Argo CD applies rendered manifests and reads no values: remove one of the two".into()));
        }
    }
    for env in environments {
        let name = &env.name;
        match (env.controller, controllers.of(env)) {
            (None, None) if argo.is_some() && flux.is_some() => out.push(
                setting(ProblemKind::Missing, "Environment.controller", format!("environment `{name}` would be deployed by both Argo CD and Flux, two owners of one release: choose one with `.controller(Controller::ArgoCd)` or `.controller(Controller::Flux)`"))
                    .environment(name),
            ),
            (Some(chosen @ Controller::ArgoCd), _) if argo.is_none() => out.push(not_configured(name, chosen, "argo_cd(ArgoCd::new())")),
            (Some(chosen @ Controller::Flux), _) if flux.is_none() => out.push(not_configured(name, chosen, "flux(Flux::new())")),
            _ => {}
        }
        // What the environment's own controller can send.
        let deployed_by = controllers.of(env);
        super::notifications::problems(
            &env.name,
            &env.notifications,
            deployed_by == Some(Controller::ArgoCd),
            deployed_by == Some(Controller::Flux),
            &mut out,
        );
    }
    if let Some(argo) = argo {
        if let Some(rolling) = &argo.rolling_sync {
            let deployed = controllers.deployed_by(Controller::ArgoCd, environments);
            super::rollout::problems(rolling, argo.application_set, &deployed, &mut out);
        }
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
            // Flux's values come from a ConfigMap built of files in the
            // chart's own repository: the chart's environments would be
            // deployed from two places.
            if flux.is_some() {
                out.push(setting(
                    ProblemKind::InvalidSetting,
                    "ArgoCd.values_from",
                    "`ArgoCd::values_from` takes the values from another repository, which Flux cannot: its values come from a ConfigMap that kustomize builds of this repository's files. Keep the values beside the chart, or deploy with Argo CD only".into(),
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

fn not_configured(env: &str, chosen: Controller, call: &str) -> Problem {
    let controller = chosen.describe();
    let message = format!("environment `{env}` is deployed by {controller}, which the controllers do not include: add `.{call}` to `Controllers`");
    Problem::new(ProblemKind::Missing, message).key("Environment.controller").environment(env)
}

/// What every manifest needs to know.
pub(crate) struct Manifests<'a> {
    pub chart: &'a str,
    pub controllers: &'a Controllers,
    pub environments: &'a [Environment],
    /// The declared fleet clusters.
    pub clusters: &'a [Cluster],
    pub header: &'a str,
    /// `Chart::canary` is set: turning `canary.enabled` on replaces the
    /// Deployment by a Rollout in one sync.
    pub has_canary: bool,
}

/// One release a controller makes: an environment, on one of its fleet's
/// clusters when it has a fleet.
#[derive(Clone, Copy)]
pub(crate) struct Deployment<'a> {
    pub env: &'a Environment,
    pub cluster: Option<&'a Cluster>,
}

impl Deployment<'_> {
    /// `<env>` or `<env>-<cluster>`: the release's controller objects'
    /// suffix (unique: environment::declarations refuses a clash).
    pub fn name(&self) -> String {
        match self.cluster {
            None => self.env.name.clone(),
            Some(cluster) => format!("{}-{}", self.env.name, cluster.name),
        }
    }

    /// `<env>` or `<env>/<cluster>`: its files' place.
    pub fn path(&self) -> String {
        match self.cluster {
            None => self.env.name.clone(),
            Some(cluster) => format!("{}/{}", self.env.name, cluster.name),
        }
    }
}

impl<'a> Manifests<'a> {
    /// The releases `controller` makes, environment by environment in their
    /// declared order, each fleet environment's clusters in theirs.
    pub fn deployments(&self, controller: Controller) -> Vec<Deployment<'a>> {
        let mut out = Vec::new();
        for env in self.controllers.deployed_by(controller, self.environments) {
            match &env.cluster {
                // An empty selection was refused with the environments.
                Destination::Fleet(selector) => out.extend(
                    select(selector, self.clusters, &env.name)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|cluster| Deployment { env, cluster: Some(cluster) }),
                ),
                _ => out.push(Deployment { env, cluster: None }),
            }
        }
        out
    }
}

/// Pod Security's `restricted` level, which the chart's pods meet: the
/// namespaces the controllers create are labelled with it.
pub(super) fn restricted_labels() -> Value {
    json!({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest"
    })
}

/// One manifest: the header, then the object as YAML.
pub(super) fn document(header: &str, object: &Value) -> String {
    let mut out = header.to_owned();
    yaml::write_value(&mut out, 0, object);
    out
}
