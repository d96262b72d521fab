//! Notifications of an environment's deployments: what to tell (a
//! [`Trigger`]), to whom (a [`Service`] and its recipient), declared on the
//! environment with [`Environment::notify`](super::environment::Environment::notify).
//!
//! Argo CD reads them as subscription annotations on the environment's
//! Application (`notifications.argoproj.io/subscribe.<trigger>.<service>:
//! <recipients>`), from the ApplicationSet's `templatePatch` when there is
//! one. Flux reads them as a `Provider` (the service, its channel, and a
//! Secret of the user's holding the address) and an `Alert` (the
//! environment's HelmRelease and GitRepository, at the severity the triggers
//! need) per service, in the environment's directory. Nothing here writes a
//! credential: the Secrets are the user's.

use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::k8s::{is_dns_subdomain, is_qualified_name};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// When to notify: Argo CD's catalog triggers (its `notifications_catalog`),
/// each with the severity of the Flux events that say the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// `on-created`: the Application is created.
    Created,
    /// `on-deleted`: the Application is deleted.
    Deleted,
    /// `on-deployed`: synced and healthy, once per commit.
    Deployed,
    /// `on-health-degraded`: the Application's health is Degraded.
    HealthDegraded,
    /// `on-sync-failed`: a sync ended in Error or Failed.
    SyncFailed,
    /// `on-sync-running`: a sync is running.
    SyncRunning,
    /// `on-sync-status-unknown`: the sync status is Unknown.
    SyncStatusUnknown,
    /// `on-sync-succeeded`: a sync succeeded.
    SyncSucceeded,
}

impl Trigger {
    /// Every trigger, in the catalog's order.
    pub const ALL: [Trigger; 8] = [
        Trigger::Created,
        Trigger::Deleted,
        Trigger::Deployed,
        Trigger::HealthDegraded,
        Trigger::SyncFailed,
        Trigger::SyncRunning,
        Trigger::SyncStatusUnknown,
        Trigger::SyncSucceeded,
    ];

    /// The trigger's name in Argo CD's catalog (`on-sync-failed`).
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Created => "on-created",
            Trigger::Deleted => "on-deleted",
            Trigger::Deployed => "on-deployed",
            Trigger::HealthDegraded => "on-health-degraded",
            Trigger::SyncFailed => "on-sync-failed",
            Trigger::SyncRunning => "on-sync-running",
            Trigger::SyncStatusUnknown => "on-sync-status-unknown",
            Trigger::SyncSucceeded => "on-sync-succeeded",
        }
    }

    /// Whether it reports a failure: Flux sends those as `error` events;
    /// everything else is `info`.
    pub fn is_failure(self) -> bool {
        matches!(self, Trigger::HealthDegraded | Trigger::SyncFailed | Trigger::SyncStatusUnknown)
    }
}

/// Where a notification goes: the service, its recipient, and the Secret
/// Flux reads the service's address from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    kind: ServiceKind,
    /// Argo CD's name of the service (`service.<type>.<name>` in
    /// `argocd-notifications-cm`); default the type's (`slack`, `teams`,
    /// `email`; a webhook's own name).
    argo_cd_name: Option<String>,
    /// Flux's Provider `secretRef`: the Secret with the key `address`.
    secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ServiceKind {
    Slack { channel: String },
    Teams { channel: String },
    Webhook { name: String },
    Email { address: String },
}

impl Service {
    /// A Slack channel by name (`prod-alerts`, without `#`) or by ID
    /// (`C024BE91L`). Argo CD's service `slack`; Flux's Provider type
    /// `slack` with `channel`.
    pub fn slack(channel: impl Into<String>) -> Self {
        Service::of(ServiceKind::Slack { channel: channel.into() })
    }

    /// A Microsoft Teams channel: for Argo CD, the name of its webhook in the
    /// service's `recipientUrls`; Flux's Provider type `msteams` posts to the
    /// address in the Secret.
    pub fn teams(channel: impl Into<String>) -> Self {
        Service::of(ServiceKind::Teams { channel: channel.into() })
    }

    /// A webhook: for Argo CD, the service `service.webhook.<name>`; Flux's
    /// Provider type `generic` posts each event as JSON to the address in
    /// the Secret.
    pub fn webhook(name: impl Into<String>) -> Self {
        Service::of(ServiceKind::Webhook { name: name.into() })
    }

    /// An email address, through Argo CD's `email` service. Flux has no
    /// email provider: refused with Flux.
    pub fn email(address: impl Into<String>) -> Self {
        Service::of(ServiceKind::Email { address: address.into() })
    }

    fn of(kind: ServiceKind) -> Self {
        Service { kind, argo_cd_name: None, secret: None }
    }

    /// The Secret (in Flux's namespace, yours: never generated) whose key
    /// `address` holds the webhook URL Flux posts to (for Slack, a
    /// `token` key with `https://slack.com/api/chat.postMessage` as the
    /// address works too). Needed with Flux.
    pub fn secret(mut self, name: impl Into<String>) -> Self {
        self.secret = Some(name.into());
        self
    }

    /// The service's name in `argocd-notifications-cm` when it is not the
    /// type's own (`service.slack.<name>`).
    pub fn argo_cd_service(mut self, name: impl Into<String>) -> Self {
        self.argo_cd_name = Some(name.into());
        self
    }

    /// The service's type name, as this project's docs and file names say it.
    fn type_name(&self) -> &'static str {
        match self.kind {
            ServiceKind::Slack { .. } => "slack",
            ServiceKind::Teams { .. } => "teams",
            ServiceKind::Webhook { .. } => "webhook",
            ServiceKind::Email { .. } => "email",
        }
    }

    /// Argo CD's service name, the last part of the annotation key.
    fn argo_cd_name(&self) -> &str {
        if let Some(name) = &self.argo_cd_name {
            return name;
        }
        match &self.kind {
            ServiceKind::Webhook { name } => name,
            _ => self.type_name(),
        }
    }

    /// Argo CD's recipient: the annotation's value (a webhook has none).
    fn recipient(&self) -> &str {
        match &self.kind {
            ServiceKind::Slack { channel } | ServiceKind::Teams { channel } => channel,
            ServiceKind::Email { address } => address,
            ServiceKind::Webhook { .. } => "",
        }
    }
}

/// Notify `services` when any of `triggers` fires. One environment can
/// have several.
///
/// ```
/// use gitops_gen::{Environment, Notification, Service, Trigger};
///
/// let prod = Environment::production("prod").notify(
///     Notification::on([Trigger::SyncFailed, Trigger::HealthDegraded])
///         .to(Service::slack("prod-alerts").secret("slack-webhook")),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    triggers: Vec<Trigger>,
    services: Vec<Service>,
}

impl Notification {
    /// A notification on these triggers; give it a service with
    /// [`to`](Notification::to).
    pub fn on(triggers: impl IntoIterator<Item = Trigger>) -> Self {
        Notification { triggers: triggers.into_iter().collect(), services: Vec::new() }
    }

    /// Send it to `service` too.
    pub fn to(mut self, service: Service) -> Self {
        self.services.push(service);
        self
    }
}

/// A name of the service (Argo CD's service name): a qualified name without
/// `.`, which the subscription key uses to separate trigger and service.
fn is_service_name(s: &str) -> bool {
    is_qualified_name(s) && !s.contains('.')
}

/// A Slack channel's name (lower case letters, digits, `-`, `_`; at most
/// 80) or its ID (upper case letters and digits).
fn is_slack_channel(s: &str) -> bool {
    let name = s.len() <= 80
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    let id = s.len() >= 9 && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    !s.is_empty() && (name || id)
}

/// An email address as a recipient: one `@`, a dotted domain, nothing a
/// list of recipients would split on.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '@' | ';' | ',' | '<' | '>'))
    };
    plain(local)
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The prefix of Argo CD's subscription annotations.
const PREFIX: &str = "notifications.argoproj.io";

/// Every problem of an environment's notifications, each naming the
/// environment and the notification (`Environment.notify[0]`); `argo_cd`
/// and `flux`: the controllers that read them.
pub(crate) fn problems(
    environment: &str,
    notifications: &[Notification],
    argo_cd: bool,
    flux: bool,
    out: &mut Vec<Problem>,
) {
    for (i, notification) in notifications.iter().enumerate() {
        let key = format!("Environment.notify[{i}]");
        let mut push = |kind, message: String| {
            out.push(
                Problem::new(kind, format!("environment `{environment}`: {message}"))
                    .environment(environment)
                    .key(&key),
            );
        };
        if notification.triggers.is_empty() {
            push(
                ProblemKind::Missing,
                "a notification has no trigger: `Notification::on([Trigger::SyncFailed])`".into(),
            );
        }
        if notification.services.is_empty() {
            let names: Vec<&str> = notification.triggers.iter().map(|t| t.name()).collect();
            push(
                ProblemKind::Missing,
                format!(
                    "the notification on {} has no service: add `.to(Service::slack(\"channel\"))`",
                    names.join(", ")
                ),
            );
        }
        for service in &notification.services {
            match &service.kind {
                    ServiceKind::Slack { channel } if !is_slack_channel(channel) => push(
                        ProblemKind::InvalidSetting,
                        format!("Slack channel {channel:?} is not a channel name (lower case letters, digits, `-` and `_`, without `#`) nor a channel ID"),
                    ),
                    ServiceKind::Teams { channel } if !is_service_name(channel) => push(
                        ProblemKind::InvalidSetting,
                        format!("Teams channel {channel:?} is not a name Argo CD's `recipientUrls` can key (letters, digits, `-` and `_`)"),
                    ),
                    ServiceKind::Email { address } if !is_email(address) => push(
                        ProblemKind::InvalidSetting,
                        format!("{address:?} is not an email address"),
                    ),
                    _ => {}
                }
            let name = service.argo_cd_name();
            if argo_cd && !is_service_name(name) {
                push(ProblemKind::InvalidName, format!("{name:?} is not a name Argo CD can subscribe to: letters, digits, `-` and `_`, at most 63, without `.` (the subscription annotation splits on it)"));
            } else if argo_cd {
                for trigger in &notification.triggers {
                    let part = format!("subscribe.{}.{name}", trigger.name());
                    if !is_qualified_name(&part) {
                        push(ProblemKind::InvalidName, format!("the annotation `{PREFIX}/{part}` is longer than Kubernetes takes (63 after the `/`): shorten the service name {name:?}"));
                    }
                }
            }
            if flux {
                if let ServiceKind::Email { .. } = service.kind {
                    push(ProblemKind::Unsupported, "Flux has no email provider: notify by email with Argo CD only, or choose Slack, Teams or a webhook".into());
                } else {
                    match &service.secret {
                            None => push(ProblemKind::Missing, format!("Flux's {} Provider needs the Secret holding its address: `.secret(\"name\")` (yours, in Flux's namespace, key `address`)", service.type_name())),
                            Some(secret) if !is_dns_subdomain(secret) => push(ProblemKind::InvalidName, format!("the Secret {secret:?} is not a valid name (lower case letters, digits, `-` and `.`)")),
                            Some(_) => {}
                        }
                }
            }
        }
    }
}

/// The environment's subscription annotations for Argo CD: one key per
/// trigger and service, the recipients joined by `;` (empty for a
/// webhook).
pub(crate) fn annotations(notifications: &[Notification]) -> Map<String, Value> {
    let mut recipients: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for notification in notifications {
        for trigger in &notification.triggers {
            for service in &notification.services {
                let key =
                    format!("{PREFIX}/subscribe.{}.{}", trigger.name(), service.argo_cd_name());
                let list = recipients.entry(key).or_default();
                let recipient = service.recipient();
                if !recipient.is_empty() && !list.contains(&recipient) {
                    list.push(recipient);
                }
            }
        }
    }
    recipients.into_iter().map(|(key, list)| (key, json!(list.join(";")))).collect()
}

/// The element's `notifications` map as the Application's annotations, in
/// the ApplicationSet's `templatePatch` under `metadata:` (nothing for an
/// element without).
pub(crate) const TEMPLATE_PATCH_ANNOTATIONS: &str = r#"{{- if .notifications }}
  annotations:
  {{- range $key, $value := .notifications }}
    {{ $key | quote }}: {{ $value | quote }}
  {{- end }}
{{- end }}
"#;

/// Flux's Provider and Alert per service of an environment's
/// notifications, by file name in its directory (`provider-<service>.yaml`,
/// `alert-<service>.yaml`), named `<release>-<service>`: `release` is the
/// environment's GitRepository's name, in Flux's `namespace` like it; the
/// events watched are the GitRepository's and those of `applier`, the
/// object that applies the release (kind, name: its HelmRelease, or the
/// Kustomization of its rendered manifests).
pub(crate) fn flux_objects(
    notifications: &[Notification],
    environment: &str,
    namespace: &str,
    release: &str,
    applier: (&str, &str),
) -> Vec<(String, Value)> {
    // One Provider per service, whichever notifications name it.
    let mut services: Vec<(&Service, Vec<Trigger>)> = Vec::new();
    for notification in notifications {
        for service in &notification.services {
            let index = match services.iter().position(|(s, _)| *s == service) {
                Some(index) => index,
                None => {
                    services.push((service, Vec::new()));
                    services.len() - 1
                }
            };
            services[index].1.extend(&notification.triggers);
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut files = Vec::new();
    for (service, triggers) in services {
        let failures_only = triggers.iter().all(|t| t.is_failure());
        let count = counts.entry(service.type_name()).or_default();
        *count += 1;
        let suffix = match *count {
            1 => service.type_name().to_owned(),
            n => format!("{}-{n}", service.type_name()),
        };
        let name = format!("{release}-{suffix}");
        let mut spec = Map::new();
        let provider_type = match &service.kind {
            ServiceKind::Slack { channel } => {
                spec.insert("channel".into(), json!(channel));
                "slack"
            }
            ServiceKind::Teams { .. } => "msteams",
            ServiceKind::Webhook { .. } => "generic",
            // Refused with Flux (`problems`).
            ServiceKind::Email { .. } => continue,
        };
        spec.insert("type".into(), json!(provider_type));
        if let Some(secret) = &service.secret {
            spec.insert("secretRef".into(), json!({"name": secret}));
        }
        let provider = json!({
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Provider",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        });
        // `error` passes only error events; `info` passes every event.
        let severity = if failures_only { "error" } else { "info" };
        let alert = json!({
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Alert",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "providerRef": {"name": name},
                "eventSeverity": severity,
                // In the Alert's namespace, as the applier and the
                // GitRepository are.
                "eventSources": [
                    {"kind": applier.0, "name": applier.1},
                    {"kind": "GitRepository", "name": release},
                ],
                "eventMetadata": {"environment": environment},
            },
        });
        files.push((format!("provider-{suffix}.yaml"), provider));
        files.push((format!("alert-{suffix}.yaml"), alert));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_qualified_name("subscribe.on-sync-failed.slack"));
        assert!(!is_qualified_name(&"a".repeat(64)));
        assert!(!is_service_name("slack.prod"));
        assert!(is_slack_channel("prod-alerts"));
        assert!(is_slack_channel("C024BE91L"));
        assert!(!is_slack_channel("#prod"));
        assert!(!is_slack_channel("Prod Alerts"));
        assert!(!is_slack_channel("a;b"));
        assert!(is_email("oncall@example.com"));
        for bad in ["oncall", "a@b", "a@b.com;c@d.com", "a b@c.com", "@c.com", "a@.com"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
