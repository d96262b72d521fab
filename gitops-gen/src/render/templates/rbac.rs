//! `templates/rbac.yaml` (`Chart::rbac`): what the app may do with the
//! Kubernetes API, as typed rules, rendered as a Role and RoleBinding for
//! the release's namespace and a ClusterRole and ClusterRoleBinding for the
//! whole cluster, each only when it has rules, all bound to the app's
//! ServiceAccount. The rules' problems are found here, at generation.

use super::{join_documents, object, Metadata, Names};
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::template::{entry, expr, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::naming;

/// The file the Role, ClusterRole and their bindings go to.
pub const RBAC_FILE: &str = "rbac.yaml";

/// The verbs the Kubernetes API authorizes (`*` is all of them). An unknown
/// verb is not an error to the API server: the rule would silently grant
/// nothing, so generation refuses it.
const VERBS: [&str; 16] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "bind",
    "escalate",
    "use",
    "approve",
    "sign",
    "attest",
    "*",
];

/// One RBAC rule: `verbs` on `resources` of `api_groups` (`""` is the core
/// group), optionally only the objects named.
///
/// ```
/// use gitops_gen::Rule;
/// let read_config_maps = Rule::new([""], ["configmaps"], ["get", "list", "watch"]);
/// let own_lease = Rule::new(["coordination.k8s.io"], ["leases"], ["get", "update"])
///     .resource_names(["orders-leader"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    resource_names: Vec<String>,
}

impl Rule {
    pub fn new<G, R, V>(
        api_groups: impl IntoIterator<Item = G>,
        resources: impl IntoIterator<Item = R>,
        verbs: impl IntoIterator<Item = V>,
    ) -> Self
    where
        G: Into<String>,
        R: Into<String>,
        V: Into<String>,
    {
        Rule {
            api_groups: api_groups.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
            verbs: verbs.into_iter().map(Into::into).collect(),
            resource_names: Vec::new(),
        }
    }

    /// Only these objects of the resources.
    pub fn resource_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.resource_names = names.into_iter().map(Into::into).collect();
        self
    }

    fn node(&self) -> Part<Node> {
        let list =
            |values: &[String]| seq(values.iter().map(|v| Part::Item(str(v.as_str()))).collect());
        let mut rule = vec![
            entry("apiGroups", list(&self.api_groups)),
            entry("resources", list(&self.resources)),
        ];
        if !self.resource_names.is_empty() {
            rule.push(entry("resourceNames", list(&self.resource_names)));
        }
        rule.push(entry("verbs", list(&self.verbs)));
        Part::Item(map(rule))
    }
}

/// The app's access to the Kubernetes API, held by `Chart::rbac`: rules in
/// its release's namespace (a Role) and rules across the cluster (a
/// ClusterRole, e.g. an operator watching its custom resources everywhere).
/// With any rule, the ServiceAccount's token is mounted by default
/// (`serviceAccount.automount`), since the app then calls the API.
///
/// ```
/// use gitops_gen::{Rbac, Rule};
/// let rbac = Rbac::new()
///     .cluster_rule(Rule::new(["shop.example.com"], ["carts", "carts/status"], ["get", "list", "watch", "patch"]))
///     .rule(Rule::new(["coordination.k8s.io"], ["leases"], ["get", "create", "update"]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rbac {
    namespaced: Vec<Rule>,
    cluster: Vec<Rule>,
}

impl Rbac {
    pub fn new() -> Self {
        Rbac::default()
    }

    /// A rule in the release's namespace (Role, RoleBinding).
    pub fn rule(mut self, rule: Rule) -> Self {
        self.namespaced.push(rule);
        self
    }

    /// A rule across the cluster (ClusterRole, ClusterRoleBinding).
    pub fn cluster_rule(mut self, rule: Rule) -> Self {
        self.cluster.push(rule);
        self
    }

    /// Whether any rule is given.
    pub fn has_rules(&self) -> bool {
        !(self.namespaced.is_empty() && self.cluster.is_empty())
    }

    /// Every problem, each naming its rule (`Rbac.rule[0]`,
    /// `Rbac.cluster_rule[1]`): no rule at all, an empty list, a resource
    /// name with spaces, an unknown verb.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if !self.has_rules() {
            problems.push(Problem::new(
                ProblemKind::Missing,
                "`Chart::rbac` has no rule: add one with `Rbac::rule` or `Rbac::cluster_rule`, or leave RBAC out",
            ).key("Rbac"));
        }
        let rules = (self
            .namespaced
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("Rbac.rule[{i}]"), r)))
        .chain(
            self.cluster.iter().enumerate().map(|(i, r)| (format!("Rbac.cluster_rule[{i}]"), r)),
        );
        for (key, rule) in rules {
            let mut problem = |kind, message: String| {
                problems.push(Problem::new(kind, message).key(key.clone()));
            };
            for (what, list) in [
                ("API group", &rule.api_groups),
                ("resource", &rule.resources),
                ("verb", &rule.verbs),
            ] {
                if list.is_empty() {
                    problem(
                        ProblemKind::Missing,
                        format!("`{key}` has no {what}: a rule needs at least one (`\"\"` is the core API group, `*` every one)"),
                    );
                }
            }
            for resource in
                rule.resources.iter().filter(|r| r.is_empty() || r.contains(char::is_whitespace))
            {
                problem(ProblemKind::InvalidSetting, format!("`{key}`: {resource:?} is not a resource name such as \"configmaps\" or \"deployments/scale\""));
            }
            for verb in rule.verbs.iter().filter(|v| !VERBS.contains(&v.as_str())) {
                let hint = match naming::nearest(verb, VERBS) {
                    Some(near) => format!(" (did you mean {near:?}?)"),
                    None => String::new(),
                };
                problem(
                    ProblemKind::InvalidSetting,
                    format!(
                        "`{key}`: unknown verb {verb:?}{hint}; the API server would grant nothing for it. Verbs are {}",
                        VERBS.join(", ")
                    ),
                );
            }
        }
        problems
    }
}

/// The Role and RoleBinding, the ClusterRole and ClusterRoleBinding, those
/// with rules, when `rbac.create` is set (the default). A ClusterRole's name
/// is cluster-wide, so it carries the release's namespace. Without a
/// ServiceAccount of the chart's or a name, the render fails: the rules
/// would go to the namespace's `default` account, so to every pod.
pub fn rbac(names: &Names, rbac: &Rbac, header: &str) -> String {
    let head = format!(
        "{header}{{{{- if and {} (not {}) (not {}) }}}}\n{{{{- fail {} }}}}\n{{{{- end }}}}\n",
        k::RBAC_CREATE,
        k::SERVICE_ACCOUNT_CREATE,
        k::SERVICE_ACCOUNT_NAME,
        crate::foundation::template::go_quote(&format!(
            "{} is on but {} is off and {} is empty: the rules would bind the namespace's `default` account; name the account to bind",
            k::RBAC_CREATE.path(),
            k::SERVICE_ACCOUNT_CREATE.path(),
            k::SERVICE_ACCOUNT_NAME.path()
        ))
    );
    let subject = map(vec![
        entry("kind", str("ServiceAccount")),
        entry("name", names.include("serviceAccountName")),
        entry("namespace", expr(".Release.Namespace")),
    ]);
    let mut documents = Vec::new();
    for (rules, role, binding) in [
        (&rbac.namespaced, "Role", "RoleBinding"),
        (&rbac.cluster, "ClusterRole", "ClusterRoleBinding"),
    ] {
        if rules.is_empty() {
            continue;
        }
        let cluster = role == "ClusterRole";
        let rules = seq(rules.iter().map(Rule::node).collect());
        documents.push(named(names, role, cluster, vec![entry("rules", rules)]));
        documents.push(named(
            names,
            binding,
            cluster,
            vec![
                entry(
                    "roleRef",
                    map(vec![
                        entry("apiGroup", str("rbac.authorization.k8s.io")),
                        entry("kind", str(role)),
                        entry("name", role_name(names, cluster)),
                    ]),
                ),
                entry("subjects", seq(vec![Part::Item(subject.clone())])),
            ],
        ));
    }
    join_documents(&head, &documents)
}

fn role_name(names: &Names, cluster: bool) -> Node {
    if cluster {
        let fullname = names.include_text("fullname", ".");
        expr(format!("printf \"%s-%s\" .Release.Namespace ({fullname}) | quote"))
    } else {
        names.include("fullname")
    }
}

/// An RBAC object named for the release (cluster-wide ones for its
/// namespace too, and without one), guarded by `rbac.create`.
fn named(names: &Names, kind: &str, cluster: bool, body: Vec<Part<(String, Node)>>) -> Document {
    let metadata =
        Metadata { name: role_name(names, cluster), namespaced: !cluster, ..Metadata::of(names) };
    object(names, Some(k::RBAC_CREATE), "rbac.authorization.k8s.io/v1", kind, metadata, body)
}
