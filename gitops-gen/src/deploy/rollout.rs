//! A staged rollout of the ApplicationSet's Applications: Argo CD's
//! Progressive Syncs, `spec.strategy.type: RollingSync`, with steps by the
//! Applications' `environment` label.
//!
//! Under RollingSync the ApplicationSet controller turns the Applications'
//! automated sync off and syncs them itself, step by step, each step once
//! the previous one is Healthy, at most `maxUpdate` at a time; its sync
//! prunes when the Application's automated policy says `prune`. An
//! Application no step selects is never synced by it. A manual environment
//! (`Environment::production`) keeps its gate: its step has `maxUpdate: 0`,
//! so the rollout waits there until someone syncs it.

use super::environment::Environment;
use crate::foundation::error::{Problem, ProblemKind};
use serde_json::{json, Value};

/// The label the steps select the Applications by (the ApplicationSet's
/// template writes it).
pub(crate) const LABEL: &str = "environment";

/// How many of a step's Applications the controller syncs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUpdate {
    /// At most this many (0: none; the step waits for a manual sync).
    Count(u32),
    /// At most this percentage (0 to 100), rounded down but at least one
    /// when above 0.
    Percent(u32),
}

impl MaxUpdate {
    fn value(self) -> Value {
        match self {
            MaxUpdate::Count(n) => json!(n),
            MaxUpdate::Percent(p) => json!(format!("{p}%")),
        }
    }
}

/// One step: the environments synced together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    environments: Vec<String>,
    max_update: Option<MaxUpdate>,
}

impl Step {
    /// The environments (by name) of one step.
    pub fn new<S: Into<String>>(environments: impl IntoIterator<Item = S>) -> Self {
        Step { environments: environments.into_iter().map(Into::into).collect(), max_update: None }
    }

    /// At most this many of the step's Applications at a time.
    pub fn max_update(mut self, max_update: MaxUpdate) -> Self {
        self.max_update = Some(max_update);
        self
    }
}

/// ApplicationSet Progressive Syncs (`RollingSync`): with
/// `ArgoCd::application_set()` only.
///
/// ```
/// use gitops_gen::{ArgoCd, RollingSync, Step};
///
/// // dev, then staging, then prod: the environments' declared order.
/// let argo = ArgoCd::new().application_set().rolling_sync(RollingSync::by_environment());
/// // Or an order of your own; dev and qa together.
/// let argo = ArgoCd::new()
///     .application_set()
///     .rolling_sync(RollingSync::steps([Step::new(["dev", "qa"]), Step::new(["prod"])]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingSync {
    steps: Option<Vec<Step>>,
    max_update: Option<MaxUpdate>,
}

impl RollingSync {
    /// One step per environment, in the order they are declared.
    pub fn by_environment() -> Self {
        RollingSync { steps: None, max_update: None }
    }

    /// These steps, in this order; every environment in exactly one.
    pub fn steps(steps: impl IntoIterator<Item = Step>) -> Self {
        RollingSync { steps: Some(steps.into_iter().collect()), max_update: None }
    }

    /// `maxUpdate` of every step of automated environments that sets none.
    pub fn max_update(mut self, max_update: MaxUpdate) -> Self {
        self.max_update = Some(max_update);
        self
    }

    fn resolved(&self, environments: &[&Environment]) -> Vec<Step> {
        match &self.steps {
            Some(steps) => steps.clone(),
            None => environments.iter().map(|env| Step::new([env.name.clone()])).collect(),
        }
    }
}

fn manual<'a>(step: &Step, environments: &[&'a Environment]) -> Vec<&'a Environment> {
    environments
        .iter()
        .copied()
        .filter(|env| step.environments.contains(&env.name) && !env.automated)
        .collect()
}

/// Every problem of the rollout, each naming `ArgoCd.rolling_sync`.
/// `application_set`: whether Argo CD writes an ApplicationSet.
pub(crate) fn problems(
    rolling: &RollingSync,
    application_set: bool,
    environments: &[&Environment],
    out: &mut Vec<Problem>,
) {
    let mut push = |kind, message: String| {
        out.push(Problem::new(kind, message).key("ArgoCd.rolling_sync"));
    };
    if !application_set {
        push(ProblemKind::InvalidSetting, "`ArgoCd::rolling_sync` stages the Applications of an ApplicationSet: add `.application_set()`".into());
        return;
    }
    if let Some(MaxUpdate::Percent(p @ 101..)) = rolling.max_update {
        push(
            ProblemKind::InvalidSetting,
            format!("the rolling sync's maxUpdate {p}% is above 100%"),
        );
    }
    let steps = rolling.resolved(environments);
    if steps.is_empty() {
        push(
            ProblemKind::Missing,
            "the rolling sync has no step: Argo CD refuses a RollingSync without steps".into(),
        );
    }
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        if step.environments.is_empty() {
            push(
                ProblemKind::Missing,
                format!("step {n} of the rolling sync names no environment"),
            );
        }
        for name in &step.environments {
            if !environments.iter().any(|env| &env.name == name) {
                push(ProblemKind::UnknownEnvironment, format!("step {n} of the rolling sync names `{name}`, which is no environment of the chart: its label matches no Application"));
            }
        }
        if let Some(MaxUpdate::Percent(p @ 101..)) = step.max_update {
            push(
                ProblemKind::InvalidSetting,
                format!("step {n} of the rolling sync: maxUpdate {p}% is above 100%"),
            );
        }
        let manual = manual(step, environments);
        let names = |envs: &[&Environment]| {
            envs.iter().map(|e| format!("`{}`", e.name)).collect::<Vec<_>>().join(", ")
        };
        if !manual.is_empty() && manual.len() != step.environments.len() {
            push(ProblemKind::InvalidSetting, format!("step {n} of the rolling sync mixes environments synced by hand ({}) with automated ones: put them in steps of their own", names(&manual)));
        } else if !manual.is_empty() && step.max_update.is_some_and(|m| m != MaxUpdate::Count(0)) {
            push(ProblemKind::InvalidSetting, format!("step {n} of the rolling sync gives a maxUpdate to {}, synced by hand (`Environment::production`): the rollout waits there for a manual sync; call `.automated(true)` on it to let the rollout sync it", names(&manual)));
        }
    }
    for env in environments {
        let count = steps.iter().filter(|s| s.environments.contains(&env.name)).count();
        if count == 0 {
            push(ProblemKind::Missing, format!("environment `{}` is in no step of the rolling sync: the controller would never sync it", env.name));
        } else if count > 1 {
            push(
                ProblemKind::Clash,
                format!(
                    "environment `{}` is in {count} steps of the rolling sync: Argo CD takes one",
                    env.name
                ),
            );
        }
    }
}

/// The ApplicationSet's `spec.strategy` (checked by [`problems`] first).
pub(crate) fn strategy(rolling: &RollingSync, environments: &[&Environment]) -> Value {
    let steps: Vec<Value> = rolling
        .resolved(environments)
        .iter()
        .map(|step| {
            let mut out = json!({"matchExpressions": [
                {"key": LABEL, "operator": "In", "values": step.environments}
            ]});
            // A manual environment's step waits for its manual sync.
            let max = if manual(step, environments).is_empty() {
                step.max_update.or(rolling.max_update)
            } else {
                Some(MaxUpdate::Count(0))
            };
            if let Some(max) = max {
                out["maxUpdate"] = max.value();
            }
            out
        })
        .collect();
    json!({"type": "RollingSync", "rollingSync": {"steps": steps}})
}
