//! `templates/migration.yaml`: the database-migration Job of
//! [`Chart::migration`](crate::Chart::migration), and the hook copies of what
//! its pod reads.
//!
//! A `pre-install`/`pre-upgrade` hook (Argo CD: `PreSync`) runs before the
//! release's ordinary resources are applied: on the first install the app's
//! ConfigMap, its ServiceAccount and the Secret its ExternalSecret fills do
//! not exist yet, and on an upgrade they still hold the previous release's
//! config. So the Job reads hook copies of them, named
//! `<fullname>-migration`, created one hook weight (and sync wave) before
//! it from the same values: the config the release is about to run with.
//! Each copy is created only where the app's original is (the ConfigMap
//! with values, the ServiceAccount with `serviceAccount.create`, the
//! ExternalSecret with `secrets.externalSecret.enabled`); otherwise the Job
//! uses what the app uses (the user's ServiceAccount, the user's Secret),
//! which exists before the release. A NetworkPolicy of its own admits no
//! connection to the Job's pod. All of them are deleted once the hooks
//! succeed and before they are created again.

use super::configmap::configmap_data;
use super::deployment::{config_delivery, name_resolution, scheduling, ConfigDelivery};
use super::externalsecret::external_secret_spec;
use super::networkpolicy::policy_types;
use super::sealedsecret::{scope_annotations, sealed_secret_spec};
use super::{join_documents, with_yaml, Names, ANNOTATION_PREFIX};
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::naming;
use gitops_model::tree::ConfigTree;

/// The Helm hook phases a migration may run in, with the Argo CD hook each
/// maps to (as Argo CD maps them: gitops-engine `pkg/sync/hook/helm/type.go`).
pub const PHASES: [(&str, &str); 4] = [
    ("pre-install", "PreSync"),
    ("pre-upgrade", "PreSync"),
    ("post-install", "PostSync"),
    ("post-upgrade", "PostSync"),
];

/// This template's file in `templates/`.
pub const MIGRATION_FILE: &str = "migration.yaml";

/// The suffix of the Job's and its copies' names.
const SUFFIX: &str = "-migration";

/// The hook weight and sync wave of the copies; the Job's is one higher.
pub const COPY_WEIGHT: i32 = -1;
pub const JOB_WEIGHT: i32 = 0;

/// Deleted before a new run creates them again, and once every hook of the
/// run has succeeded. A failed Job stays for `kubectl logs` until the next
/// run. No `ttlSecondsAfterFinished`: a Job the TTL controller removes
/// before Helm or Argo CD saw it finish is a failed hook to both.
pub const HELM_DELETE_POLICY: &str = "before-hook-creation,hook-succeeded";
pub const ARGO_CD_DELETE_POLICY: &str = "BeforeHookCreation,HookSucceeded";

/// A database-migration Job: the app's own image, run with `command` and
/// `args` before the release's resources are applied (Helm
/// `pre-install,pre-upgrade`, Argo CD `PreSync`), with the app's config and
/// secrets delivered exactly as to the app's container, so the loader reads
/// the same config inside it.
///
/// ```
/// let migration = gitops_gen::Migration::new()
///     .command(["/usr/local/bin/orders"])
///     .args(["migrate"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    command: Vec<String>,
    args: Vec<String>,
    phases: Vec<String>,
    backoff_limit: u16,
    active_deadline_seconds: u32,
}

impl Default for Migration {
    fn default() -> Self {
        Migration::new()
    }
}

impl Migration {
    /// A migration without a command yet (one is required): Helm
    /// `pre-install,pre-upgrade`, 2 retries, 300 seconds in all.
    pub fn new() -> Self {
        Migration {
            command: Vec::new(),
            args: Vec::new(),
            phases: vec!["pre-install".into(), "pre-upgrade".into()],
            backoff_limit: 2,
            active_deadline_seconds: 300,
        }
    }

    /// The container's `command`: the executable in the app's image and
    /// any leading arguments. Required: the image's entrypoint starts the
    /// app, not its migration.
    pub fn command<S: Into<String>>(mut self, command: impl IntoIterator<Item = S>) -> Self {
        self.command = command.into_iter().map(Into::into).collect();
        self
    }

    /// The container's `args`, after the command.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The Helm hook phases (default `pre-install`, `pre-upgrade`):
    /// `pre-install`, `pre-upgrade`, `post-install`, `post-upgrade`, all
    /// `pre-` or all `post-`; Argo CD runs `pre-` ones as `PreSync`, `post-`
    /// ones as `PostSync`.
    pub fn phases<S: Into<String>>(mut self, phases: impl IntoIterator<Item = S>) -> Self {
        self.phases = phases.into_iter().map(Into::into).collect();
        self
    }

    /// Retries of a failed pod before the Job fails (default 2).
    pub fn backoff_limit(mut self, retries: u16) -> Self {
        self.backoff_limit = retries;
        self
    }

    /// The Job's deadline, all retries included (default 300, Helm's
    /// default `--timeout` of 5 minutes; raise both together).
    pub fn active_deadline_seconds(mut self, seconds: u32) -> Self {
        self.active_deadline_seconds = seconds;
        self
    }

    /// Every problem, each naming its setting (`Migration.command`, …).
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let problem = |kind, key: &str, message: String| {
            Problem::new(kind, message).key(format!("Migration.{key}"))
        };
        match self.command.first() {
            None => problems.push(problem(
                ProblemKind::Missing,
                "command",
                "the migration Job has no command: the image's entrypoint starts the app, so name the migration's executable, e.g. `Migration::new().command([\"/usr/local/bin/app\"]).args([\"migrate\"])`".into(),
            )),
            Some(first) if first.trim().is_empty() => problems.push(problem(
                ProblemKind::InvalidSetting,
                "command",
                format!("the migration Job's command starts with {first:?}: the first word is the executable to run"),
            )),
            Some(_) => {}
        }
        let known = PHASES.map(|(phase, _)| phase);
        if self.phases.is_empty() {
            problems.push(problem(
                ProblemKind::Missing,
                "phases",
                format!(
                    "the migration Job has no hook phase: give one or more of {}",
                    known.join(", ")
                ),
            ));
        }
        for (i, phase) in self.phases.iter().enumerate() {
            if !known.contains(&phase.as_str()) {
                let hint = match naming::nearest(phase, known) {
                    Some(near) => format!(" (did you mean {near:?}?)"),
                    None => String::new(),
                };
                problems.push(problem(
                    ProblemKind::InvalidSetting,
                    "phases",
                    format!(
                        "unknown hook phase {phase:?}{hint}: a migration runs at {}",
                        known.join(", ")
                    ),
                ));
            } else if self.phases[..i].contains(phase) {
                problems.push(problem(
                    ProblemKind::InvalidSetting,
                    "phases",
                    format!("hook phase {phase:?} is given twice"),
                ));
            }
        }
        let argo_cd = self.argo_cd_hooks();
        if argo_cd.len() > 1 {
            problems.push(problem(
                ProblemKind::InvalidSetting,
                "phases",
                format!(
                    "hook phases {} mix `pre-` and `post-`: Argo CD would run the migration twice, as {}; choose one side",
                    self.phases.join(", "),
                    argo_cd.join(" and ")
                ),
            ));
        }
        if self.active_deadline_seconds == 0 {
            problems.push(problem(
                ProblemKind::InvalidSetting,
                "active_deadline_seconds",
                "the migration Job's deadline is 0 seconds: Kubernetes takes a positive number"
                    .into(),
            ));
        }
        problems
    }

    /// The Argo CD hooks the phases map to, each once, in order.
    fn argo_cd_hooks(&self) -> Vec<&'static str> {
        let mut hooks = Vec::new();
        for (_, hook) in PHASES.iter().filter(|(phase, _)| self.phases.iter().any(|p| p == phase)) {
            if !hooks.contains(hook) {
                hooks.push(*hook);
            }
        }
        hooks
    }

    /// The hook annotations of a resource with `weight`, for Helm and for
    /// Argo CD, which reads its own `hook` first and ignores Helm's then,
    /// takes the union of both delete policies, and reads `sync-wave` before
    /// `helm.sh/hook-weight` (gitops-engine `pkg/sync/hook/hook.go`,
    /// `delete_policy.go`, `pkg/sync/syncwaves/waves.go`): both say the same.
    fn hook_annotations(&self, weight: i32) -> Vec<Part<(String, Node)>> {
        vec![
            entry("helm.sh/hook", str(self.phases.join(","))),
            entry("helm.sh/hook-weight", str(weight.to_string())),
            entry("helm.sh/hook-delete-policy", str(HELM_DELETE_POLICY)),
            entry("argocd.argoproj.io/hook", str(self.argo_cd_hooks().join(","))),
            entry("argocd.argoproj.io/sync-wave", str(weight.to_string())),
            entry("argocd.argoproj.io/hook-delete-policy", str(ARGO_CD_DELETE_POLICY)),
        ]
    }
}

/// `<fullname>-migration`: the full name cut to leave room for the suffix.
fn name_text(names: &Names) -> String {
    format!(
        "printf {} ({} | trunc {} | trimSuffix \"-\")",
        go_quote(&format!("%s{SUFFIX}")),
        names.include_text("fullname", "."),
        63 - SUFFIX.len()
    )
}

fn name(names: &Names) -> Node {
    expr(name_text(names))
}

/// Metadata of a hook resource: the chart's labels and component
/// `migration`, the hook annotations and `extra` ones.
fn metadata(
    names: &Names,
    migration: &Migration,
    weight: i32,
    extra: Vec<Part<(String, Node)>>,
) -> Part<(String, Node)> {
    let mut annotations = migration.hook_annotations(weight);
    annotations.extend(extra);
    entry(
        "metadata",
        map(vec![
            entry("name", name(names)),
            entry("namespace", expr(".Release.Namespace")),
            entry(
                "labels",
                map(vec![
                    Part::Include(names.helper("labels")),
                    entry("app.kubernetes.io/component", str("migration")),
                ]),
            ),
            entry("annotations", map(annotations)),
        ]),
    )
}

fn head(api_version: &str, kind: &str) -> Vec<Part<(String, Node)>> {
    vec![entry("apiVersion", str(api_version)), entry("kind", str(kind))]
}

/// The labels that select the Job's pod: not the app's selector labels.
fn pod_selector() -> Vec<Part<(String, Node)>> {
    vec![
        entry("app.kubernetes.io/instance", expr(".Release.Name")),
        entry("app.kubernetes.io/component", str("migration")),
    ]
}

/// The whole `templates/migration.yaml`: the copies, then the Job.
pub fn migration(names: &Names, tree: &ConfigTree, migration: &Migration, header: &str) -> String {
    let mut documents = Vec::new();
    // A full name of 63 characters ending in `-migration` would give the
    // copies the originals' names, and deleting a copy would delete an
    // original.
    let name_check = format!(
        "{header}{{{{- if eq ({}) ({}) }}}}\n{{{{- fail {} }}}}\n{{{{- end }}}}\n",
        name_text(names),
        names.include_text("fullname", "."),
        go_quote(&format!(
            "the migration Job's name is the release's full name: use a shorter release name or fullnameOverride, not one ending in {SUFFIX}"
        ))
    );
    let service_account = {
        let mut body = head("v1", "ServiceAccount");
        body.push(metadata(
            names,
            migration,
            COPY_WEIGHT,
            vec![Part::With(
                k::SERVICE_ACCOUNT_ANNOTATIONS.to_string(),
                vec![Part::ToYaml(".".into())],
            )],
        ));
        body.push(entry(
            "automountServiceAccountToken",
            expr(k::SERVICE_ACCOUNT_AUTOMOUNT.to_string()),
        ));
        Document { guard: Some(k::SERVICE_ACCOUNT_CREATE.to_string()), body }
    };
    documents.push(service_account);
    if tree.has_values() {
        let mut body = head("v1", "ConfigMap");
        body.push(metadata(names, migration, COPY_WEIGHT, vec![]));
        body.push(configmap_data(names, tree));
        documents.push(Document { guard: None, body });
    }
    let secrets = !tree.secrets().is_empty();
    if secrets {
        let mut body = head("external-secrets.io/v1", "ExternalSecret");
        body.push(metadata(names, migration, COPY_WEIGHT, vec![]));
        body.push(external_secret_spec(tree, name(names)));
        documents.push(Document { guard: Some(k::EXTERNAL_SECRET_ENABLED.to_string()), body });
        // A SealedSecret is a release resource, made after the hooks: the
        // Job gets a copy, unsealed into its own Secret. Values sealed with
        // `strict` scope are bound to the app's Secret's name and cannot be.
        let strict = go_quote(&format!(
            "{} strict binds the ciphertexts to the app's Secret's name, and the migration Job needs a copy under its own: seal them with --scope namespace-wide and set the scope",
            k::SEALED_SECRET_SCOPE.path()
        ));
        let copy_name = expr(format!(
            "required {strict} (ternary \"\" ({}) (eq {} \"strict\"))",
            name_text(names),
            k::SEALED_SECRET_SCOPE
        ));
        let mut body = head("bitnami.com/v1alpha1", "SealedSecret");
        body.push(metadata(names, migration, COPY_WEIGHT, scope_annotations()));
        body.push(sealed_secret_spec(names, copy_name));
        documents.push(Document { guard: Some(k::SEALED_SECRET_ENABLED.to_string()), body });
    }
    // The Job's pod is none of the app's pods: a policy of its own, which
    // admits no connection and restricts egress as the app's does.
    let network_policy = {
        let mut body = head("networking.k8s.io/v1", "NetworkPolicy");
        body.push(metadata(names, migration, COPY_WEIGHT, vec![]));
        body.push(entry(
            "spec",
            map(vec![
                entry("podSelector", map(vec![entry("matchLabels", map(pod_selector()))])),
                policy_types(),
                entry("ingress", seq(vec![])),
                with_yaml(k::NETWORK_POLICY_EGRESS, "egress"),
            ]),
        ));
        Document { guard: Some(k::NETWORK_POLICY_ENABLED.to_string()), body }
    };
    documents.push(network_policy);
    documents.push(job(names, tree, migration));
    join_documents(&name_check, &documents)
}

fn job(names: &Names, tree: &ConfigTree, migration: &Migration) -> Document {
    let own = name_text(names);
    // The copies where the chart makes the originals; else the user's own,
    // which exist before the release does.
    let service_account = expr(format!(
        "ternary ({own}) ({}) {}",
        names.include_text("serviceAccountName", "."),
        k::SERVICE_ACCOUNT_CREATE
    ));
    let secret = expr(format!(
        "ternary ({own}) ({}) (or {} {})",
        names.include_text("secretName", "."),
        k::EXTERNAL_SECRET_ENABLED,
        k::SEALED_SECRET_ENABLED
    ));
    let ConfigDelivery { env_from, env, mounts, volumes } =
        config_delivery(names, tree, name(names), secret);
    let words = |words: &[String]| seq(words.iter().map(|w| Part::Item(str(w))).collect());
    let mut container = vec![
        entry("name", str("migration")),
        entry("securityContext", Node::ToYaml(k::SECURITY_CONTEXT.to_string())),
        entry("image", expr(format!("{} | quote", names.include_text("image", ".")))),
        entry("imagePullPolicy", expr(k::IMAGE_PULL_POLICY.to_string())),
        entry("command", words(&migration.command)),
    ];
    if !migration.args.is_empty() {
        container.push(entry("args", words(&migration.args)));
    }
    container.extend([
        env_from,
        env,
        mounts,
        entry("resources", Node::ToYaml(k::RESOURCES.to_string())),
    ]);
    // Not the selector labels: the Service, the PodDisruptionBudget and the
    // NetworkPolicy select the app's pods by them.
    let mut pod_labels = vec![entry("helm.sh/chart", names.include("chart"))];
    pod_labels.extend(pod_selector());
    pod_labels.push(entry("app.kubernetes.io/managed-by", expr(".Release.Service")));
    let pod_labels = map(pod_labels);
    let pod_annotations = map(vec![
        entry(
            &format!("{ANNOTATION_PREFIX}image-tag"),
            expr(format!("{} | default .Chart.AppVersion | quote", k::IMAGE_TAG)),
        ),
        Part::If(
            k::IMAGE_DIGEST.to_string(),
            vec![entry(
                &format!("{ANNOTATION_PREFIX}image-digest"),
                expr(format!("{} | quote", k::IMAGE_DIGEST)),
            )],
            vec![],
        ),
    ]);
    let mut pod_spec = vec![
        entry("restartPolicy", str("Never")),
        with_yaml(k::IMAGE_PULL_SECRETS, "imagePullSecrets"),
        entry("serviceAccountName", service_account),
        entry("automountServiceAccountToken", expr(k::SERVICE_ACCOUNT_AUTOMOUNT.to_string())),
        entry("securityContext", Node::ToYaml(k::POD_SECURITY_CONTEXT.to_string())),
        entry("enableServiceLinks", expr(k::ENABLE_SERVICE_LINKS.to_string())),
        entry("containers", seq(vec![Part::Item(map(container))])),
        volumes,
    ];
    pod_spec.extend(name_resolution());
    pod_spec.extend(scheduling(false));
    let mut body = head("batch/v1", "Job");
    body.push(metadata(names, migration, JOB_WEIGHT, vec![]));
    body.push(entry(
        "spec",
        map(vec![
            entry("backoffLimit", Node::Int(migration.backoff_limit.into())),
            entry("activeDeadlineSeconds", Node::Int(migration.active_deadline_seconds.into())),
            entry(
                "template",
                map(vec![
                    entry(
                        "metadata",
                        map(vec![
                            entry("labels", pod_labels),
                            entry("annotations", pod_annotations),
                        ]),
                    ),
                    entry("spec", map(pod_spec)),
                ]),
            ),
        ]),
    ));
    Document { guard: None, body }
}
