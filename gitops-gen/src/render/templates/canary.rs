//! `templates/rollout.yaml` (`Chart::canary`): with `canary.enabled`, an
//! Argo Rollouts Rollout in place of the Deployment, with the same pod
//! template, replicas and selector, released by the builder's canary steps;
//! with `httpRoute.enabled` too, traffic is shifted by the HTTPRoute (Argo
//! Rollouts' Gateway API plugin) between the Service (stable) and a canary
//! Service; with `canary.analysis.enabled` (a metrics port only), an
//! AnalysisTemplate on a Prometheus query judges the canary in the
//! background. The steps' problems are found here, at generation.

use super::{deployment, join_documents, labelled_resource, service, Names};
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The file the Rollout, the canary Service and the AnalysisTemplate go to.
pub const ROLLOUT_FILE: &str = "rollout.yaml";

/// The Gateway API traffic router's name in a Rollout's `trafficRouting.plugins`.
const GATEWAY_API_PLUGIN: &str = "argoproj-labs/gatewayAPI";

#[derive(Debug, Clone, PartialEq, Eq)]
enum CanaryStep {
    SetWeight(u32),
    /// `None`: until someone promotes the rollout.
    Pause(Option<String>),
}

/// A canary release by Argo Rollouts: the steps a new version goes
/// through, each a share of the traffic (or of the replicas, without an
/// HTTPRoute) or a pause. After the last step the new version takes all.
///
/// ```
/// use gitops_gen::Canary;
/// let canary = Canary::new()
///     .set_weight(10)
///     .pause("5m")
///     .set_weight(50)
///     .pause_until_promoted();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Canary {
    steps: Vec<CanaryStep>,
}

impl Canary {
    /// A canary without steps yet (steps are required).
    pub fn new() -> Self {
        Canary::default()
    }

    /// Send `percent` of the traffic to the new version (1 to 100; each
    /// weight above the one before).
    pub fn set_weight(mut self, percent: u32) -> Self {
        self.steps.push(CanaryStep::SetWeight(percent));
        self
    }

    /// Wait `duration` (`30s`, `5m`, `1h`), then go on.
    pub fn pause(mut self, duration: impl Into<String>) -> Self {
        self.steps.push(CanaryStep::Pause(Some(duration.into())));
        self
    }

    /// Wait until the rollout is promoted (`kubectl argo rollouts promote`).
    pub fn pause_until_promoted(mut self) -> Self {
        self.steps.push(CanaryStep::Pause(None));
        self
    }

    /// The steps as the values table's doc lists them.
    pub fn describe(&self) -> String {
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|step| match step {
                CanaryStep::SetWeight(weight) => format!("{weight}%"),
                CanaryStep::Pause(Some(duration)) => format!("pause {duration}"),
                CanaryStep::Pause(None) => "pause until promoted".into(),
            })
            .collect();
        steps.join(" → ")
    }

    /// Every problem, each naming `Canary`: no weight below 100, a weight
    /// outside 1..=100 or not above the one before, a pause Argo Rollouts
    /// could not read. Argo Rollouts itself takes a Rollout without steps
    /// (it goes straight to 100%) and weights in any order
    /// (`validation.go`), which is never what a canary means.
    pub fn problems(&self) -> Vec<Problem> {
        let problem = |kind, message: String| Problem::new(kind, message).key("Canary");
        let mut problems = Vec::new();
        if !self.steps.iter().any(|s| matches!(s, CanaryStep::SetWeight(1..=99))) {
            problems.push(problem(
                ProblemKind::Missing,
                "the canary has no step with a weight below 100: without one Argo Rollouts sends all traffic to the new version at once; \
                 add e.g. `.set_weight(20).pause(\"5m\")`".into(),
            ));
        }
        let mut previous: Option<u32> = None;
        for step in &self.steps {
            match step {
                CanaryStep::SetWeight(weight) if !(1..=100).contains(weight) => {
                    problems.push(problem(
                        ProblemKind::InvalidSetting,
                        format!("canary weight {weight} is not a share of traffic from 1 to 100"),
                    ));
                }
                CanaryStep::SetWeight(weight) => {
                    if let Some(before) = previous.filter(|before| weight <= before) {
                        problems.push(problem(
                            ProblemKind::InvalidSetting,
                            format!(
                                "canary weights must increase: {weight} comes after {before} (steps: {})",
                                self.describe()
                            ),
                        ));
                    }
                    previous = Some(*weight);
                }
                CanaryStep::Pause(Some(duration)) if !is_duration(duration) => {
                    problems.push(problem(
                        ProblemKind::InvalidSetting,
                        format!("canary pause {duration:?} is not a duration such as \"30s\", \"5m\" or \"1h\""),
                    ));
                }
                CanaryStep::Pause(_) => {}
            }
        }
        problems
    }

    /// The index of the first weighted step: where the analysis starts,
    /// as the canary gets its first traffic.
    fn first_weight(&self) -> usize {
        self.steps.iter().position(|s| matches!(s, CanaryStep::SetWeight(_))).unwrap_or(0)
    }

    fn steps(&self) -> Node {
        seq(self
            .steps
            .iter()
            .map(|step| {
                Part::Item(map(vec![match step {
                    CanaryStep::SetWeight(weight) => {
                        entry("setWeight", Node::Int((*weight).into()))
                    }
                    CanaryStep::Pause(Some(duration)) => {
                        entry("pause", map(vec![entry("duration", str(duration.as_str()))]))
                    }
                    CanaryStep::Pause(None) => entry("pause", map(vec![])),
                }]))
            })
            .collect())
    }
}

/// A whole number of seconds, minutes or hours: what Argo Rollouts parses
/// (a Go duration) and a reviewer reads at a glance.
fn is_duration(text: &str) -> bool {
    let Some(number) = text.strip_suffix(['s', 'm', 'h']) else { return false };
    !number.is_empty() && !number.starts_with('0') && number.bytes().all(|b| b.is_ascii_digit())
}

/// The canary Service's name, `<fullname>-canary`: the full name cut to 56
/// characters first, so the suffix survives and the name stays a DNS label
/// distinct from the stable Service's, with the chart's context `ctx` (`$`
/// inside a `range`).
pub(super) fn canary_service_name(names: &Names, ctx: &str) -> Node {
    expr(format!(
        "printf \"%s-canary\" ({} | trunc 56 | trimSuffix \"-\")",
        names.include_text("fullname", ctx)
    ))
}

/// `rollout.yaml`: the Rollout; the canary Service (with an HTTPRoute); the
/// AnalysisTemplate (with `canary.analysis.enabled`).
pub fn rollout(names: &Names, tree: &ConfigTree, canary: &Canary, header: &str) -> String {
    let has_analysis = !tree.metrics_ports().is_empty();
    // Without a port there is no Service and no HTTPRoute: replicas only.
    let has_route = !tree.ports().is_empty();
    let mut strategy = Vec::new();
    strategy.extend(has_route.then(|| {
        Part::If(
            k::HTTP_ROUTE_ENABLED.to_string(),
            vec![
                entry("canaryService", canary_service_name(names, ".")),
                entry("stableService", names.include("fullname")),
                entry(
                    "trafficRouting",
                    map(vec![entry(
                        "plugins",
                        map(vec![entry(
                            GATEWAY_API_PLUGIN,
                            map(vec![
                                entry("httpRoute", names.include("fullname")),
                                entry("namespace", expr(".Release.Namespace")),
                            ]),
                        )]),
                    )]),
                ),
            ],
            vec![],
        )
    }));
    if has_analysis {
        strategy.push(Part::If(
            k::CANARY_ANALYSIS_ENABLED.to_string(),
            vec![entry(
                "analysis",
                map(vec![
                    entry(
                        "templates",
                        seq(vec![Part::Item(map(vec![entry(
                            "templateName",
                            names.include("fullname"),
                        )]))]),
                    ),
                    // From the first weight on: before it, the canary has no traffic to judge.
                    entry("startingStep", Node::Int(canary.first_weight() as i64)),
                    entry(
                        "args",
                        seq(analysis_args()
                            .into_iter()
                            .map(|(name, value)| {
                                Part::Item(map(vec![entry("name", str(name)), value]))
                            })
                            .collect()),
                    ),
                ]),
            )],
            vec![],
        ));
    }
    strategy.push(entry("steps", canary.steps()));
    let mut spec = deployment::workload_spec(names, tree);
    spec.push(entry("strategy", map(vec![entry("canary", map(strategy))])));
    let rollout = labelled_resource(
        names,
        Some(k::CANARY_ENABLED),
        "argoproj.io/v1alpha1",
        "Rollout",
        None,
        None,
        vec![entry("spec", map(spec))],
    );
    let mut documents = vec![rollout];
    if has_route {
        let mut canary_service =
            service::canary_service(names, tree, canary_service_name(names, "."));
        canary_service.guard = Some(format!("and {} {}", k::CANARY_ENABLED, k::HTTP_ROUTE_ENABLED));
        documents.push(canary_service);
    }
    if has_analysis {
        documents.push(analysis_template(names));
    }
    join_documents(header, &documents)
}

/// The AnalysisTemplate's arguments, each with what the Rollout passes for
/// it: the release's namespace, and the new pods' template hash.
fn analysis_args() -> [(&'static str, Part<(String, Node)>); 2] {
    [
        ("namespace", entry("value", expr(".Release.Namespace"))),
        (
            "canary-hash",
            entry("valueFrom", map(vec![entry("podTemplateHashValue", str("Latest"))])),
        ),
    ]
}

/// The AnalysisTemplate: `canary.analysis.query` (PromQL, which may use
/// `{{args.namespace}}` and `{{args.canary-hash}}`, the new pods' template
/// hash) every `interval`, judged by `successCondition`, the rollout
/// aborted after `failureLimit` failures.
fn analysis_template(names: &Names) -> Document {
    let query = expr(format!(
        "required {} {} | quote",
        go_quote(&format!(
            "{} is empty: the canary analysis needs the PromQL of the success rate",
            k::CANARY_ANALYSIS_QUERY.path()
        )),
        k::CANARY_ANALYSIS_QUERY
    ));
    let mut document = labelled_resource(
        names,
        None,
        "argoproj.io/v1alpha1",
        "AnalysisTemplate",
        None,
        None,
        vec![entry(
            "spec",
            map(vec![
                entry(
                    "args",
                    seq(analysis_args()
                        .into_iter()
                        .map(|(name, _)| Part::Item(map(vec![entry("name", str(name))])))
                        .collect()),
                ),
                entry(
                    "metrics",
                    seq(vec![Part::Item(map(vec![
                        entry("name", str("success-rate")),
                        entry("interval", expr(format!("{} | quote", k::CANARY_ANALYSIS_INTERVAL))),
                        entry(
                            "failureLimit",
                            expr(format!("{} | int", k::CANARY_ANALYSIS_FAILURE_LIMIT)),
                        ),
                        entry(
                            "successCondition",
                            expr(format!("{} | quote", k::CANARY_ANALYSIS_SUCCESS_CONDITION)),
                        ),
                        entry(
                            "provider",
                            map(vec![entry(
                                "prometheus",
                                map(vec![
                                    entry(
                                        "address",
                                        expr(format!(
                                            "{} | quote",
                                            k::CANARY_ANALYSIS_PROMETHEUS_ADDRESS
                                        )),
                                    ),
                                    entry("query", query),
                                ]),
                            )]),
                        ),
                    ]))]),
                ),
            ]),
        )],
    );
    document.guard = Some(format!("and {} {}", k::CANARY_ENABLED, k::CANARY_ANALYSIS_ENABLED));
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(canary: Canary) -> Vec<String> {
        canary.problems().into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn steps_are_refused_when_they_are_no_canary() {
        for all_at_once in [Canary::new(), Canary::new().pause("5m"), Canary::new().set_weight(100)]
        {
            assert!(messages(all_at_once)[0].contains("no step with a weight below 100"));
        }
        let down = messages(Canary::new().set_weight(50).pause("1m").set_weight(20));
        assert_eq!(down.len(), 1);
        assert!(down[0].contains("must increase: 20 comes after 50"), "{down:?}");
        assert!(
            messages(Canary::new().set_weight(20).set_weight(20))[0].contains("20 comes after 20")
        );
        assert_eq!(
            messages(Canary::new().set_weight(0).set_weight(10)),
            ["canary weight 0 is not a share of traffic from 1 to 100"]
        );
        assert!(messages(Canary::new().set_weight(10).set_weight(101))[0].contains("from 1 to 100"));
        for bad in ["5", "5 m", "1d", "05m", "m", "1.5h", ""] {
            let found = messages(Canary::new().set_weight(10).pause(bad));
            assert!(found[0].contains("not a duration"), "{bad}: {found:?}");
        }
        let fine = Canary::new()
            .set_weight(10)
            .pause("30s")
            .set_weight(50)
            .pause("1h")
            .pause_until_promoted()
            .set_weight(100);
        assert!(fine.problems().is_empty());
        assert_eq!(fine.first_weight(), 0);
        assert_eq!(Canary::new().pause("1m").set_weight(5).first_weight(), 1);
        assert_eq!(
            fine.describe(),
            "10% → pause 30s → 50% → pause 1h → pause until promoted → 100%"
        );
    }
}
