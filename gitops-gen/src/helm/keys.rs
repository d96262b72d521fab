//! The chart's own values keys that templates and checks read, by path
//! (the probes' names come from the values table's `probes`; `_helpers.tpl`'s
//! keys are checked by scanning its text). The table itself, with each key's
//! doc, default and schema, is `render::values`.

/// A key of the table that templates read, by its dotted path; prints as
/// `.Values.PATH`. Templates name keys only through these constants, and
/// the `template_keys_are_in_the_table` test walks the table for each, so a
/// renamed key fails the tests instead of a user's render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValuesKey(pub &'static str);

impl ValuesKey {
    pub fn path(self) -> &'static str {
        self.0
    }
    /// `$.Values.PATH`, for inside a `range` or `with`.
    pub fn rooted(self) -> String {
        format!("$.Values.{}", self.0)
    }
}

impl std::fmt::Display for ValuesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, ".Values.{}", self.0)
    }
}

macro_rules! values_keys {
($($name:ident = $path:literal;)*) => {
    $(pub const $name: ValuesKey = ValuesKey($path);)*
    /// Every key above.
    #[cfg(test)]
    pub const ALL: &[ValuesKey] = &[$($name),*];
};
}

/// The app's own values, written beside the table (`config:`).
pub const CONFIG: ValuesKey = ValuesKey("config");

values_keys! {
    REPLICA_COUNT = "replicaCount";
    IMAGE_PULL_POLICY = "image.pullPolicy";
    IMAGE_TAG = "image.tag";
    IMAGE_DIGEST = "image.digest";
    IMAGE_PULL_SECRETS = "imagePullSecrets";
    POD_ANNOTATIONS = "podAnnotations";
    POD_LABELS = "podLabels";
    SERVICE_ACCOUNT_CREATE = "serviceAccount.create";
    SERVICE_ACCOUNT_AUTOMOUNT = "serviceAccount.automount";
    SERVICE_ACCOUNT_ANNOTATIONS = "serviceAccount.annotations";
    SERVICE_ACCOUNT_NAME = "serviceAccount.name";
    POD_SECURITY_CONTEXT = "podSecurityContext";
    SECURITY_CONTEXT = "securityContext";
    SERVICE_TYPE = "service.type";
    SERVICE_PORT = "service.port";
    SERVICE_ANNOTATIONS = "service.annotations";
    SERVICE_LABELS = "service.labels";
    INGRESS_ENABLED = "ingress.enabled";
    INGRESS_CLASS_NAME = "ingress.className";
    INGRESS_ANNOTATIONS = "ingress.annotations";
    INGRESS_HOSTS = "ingress.hosts";
    INGRESS_TLS = "ingress.tls";
    HTTP_ROUTE_ENABLED = "httpRoute.enabled";
    HTTP_ROUTE_ANNOTATIONS = "httpRoute.annotations";
    HTTP_ROUTE_PARENT_REFS = "httpRoute.parentRefs";
    HTTP_ROUTE_HOSTNAMES = "httpRoute.hostnames";
    HTTP_ROUTE_RULES = "httpRoute.rules";
    RESOURCES = "resources";
    ENABLE_SERVICE_LINKS = "enableServiceLinks";
    PRE_STOP_SLEEP_SECONDS = "preStopSleepSeconds";
    TERMINATION_GRACE_PERIOD_SECONDS = "terminationGracePeriodSeconds";
    AUTOSCALING_ENABLED = "autoscaling.enabled";
    AUTOSCALING_MIN_REPLICAS = "autoscaling.minReplicas";
    AUTOSCALING_MAX_REPLICAS = "autoscaling.maxReplicas";
    AUTOSCALING_TARGET_CPU = "autoscaling.targetCPUUtilizationPercentage";
    AUTOSCALING_TARGET_MEMORY = "autoscaling.targetMemoryUtilizationPercentage";
    POD_DISRUPTION_BUDGET_ENABLED = "podDisruptionBudget.enabled";
    POD_DISRUPTION_BUDGET_MIN_AVAILABLE = "podDisruptionBudget.minAvailable";
    POD_DISRUPTION_BUDGET_MAX_UNAVAILABLE = "podDisruptionBudget.maxUnavailable";
    NETWORK_POLICY_ENABLED = "networkPolicy.enabled";
    NETWORK_POLICY_FROM = "networkPolicy.from";
    NETWORK_POLICY_EGRESS = "networkPolicy.egress";
    NETWORK_POLICY_METRICS_FROM = "networkPolicy.metricsFrom";
    METRICS_SCRAPE = "metrics.scrape";
    METRICS_INTERVAL = "metrics.interval";
    METRICS_LABELS = "metrics.labels";
    CANARY_ENABLED = "canary.enabled";
    CANARY_ANALYSIS_ENABLED = "canary.analysis.enabled";
    CANARY_ANALYSIS_PROMETHEUS_ADDRESS = "canary.analysis.prometheusAddress";
    CANARY_ANALYSIS_QUERY = "canary.analysis.query";
    CANARY_ANALYSIS_SUCCESS_CONDITION = "canary.analysis.successCondition";
    CANARY_ANALYSIS_INTERVAL = "canary.analysis.interval";
    CANARY_ANALYSIS_FAILURE_LIMIT = "canary.analysis.failureLimit";
    RBAC_CREATE = "rbac.create";
    EXTRA_ENV = "extraEnv";
    EXTRA_ENV_FROM = "extraEnvFrom";
    VOLUMES = "volumes";
    VOLUME_MOUNTS = "volumeMounts";
    NODE_SELECTOR = "nodeSelector";
    TOLERATIONS = "tolerations";
    AFFINITY = "affinity";
    TOPOLOGY_SPREAD_CONSTRAINTS = "topologySpreadConstraints";
    PRIORITY_CLASS_NAME = "priorityClassName";
    REVISION_HISTORY_LIMIT = "revisionHistoryLimit";
    STRATEGY = "strategy";
    INIT_CONTAINERS = "initContainers";
    DNS_POLICY = "dnsPolicy";
    DNS_CONFIG = "dnsConfig";
    HOST_ALIASES = "hostAliases";
    TEST_IMAGE = "test.image";
    SECRETS_ENV_VARS = "secrets.envVars";
    EXTERNAL_SECRET_ENABLED = "secrets.externalSecret.enabled";
    EXTERNAL_SECRET_STORE_KIND = "secrets.externalSecret.secretStoreRef.kind";
    EXTERNAL_SECRET_STORE_NAME = "secrets.externalSecret.secretStoreRef.name";
    EXTERNAL_SECRET_REFRESH_INTERVAL = "secrets.externalSecret.refreshInterval";
    EXTERNAL_SECRET_REMOTE_KEY = "secrets.externalSecret.remoteKey";
    EXTERNAL_SECRET_REMOTE_REFS = "secrets.externalSecret.remoteRefs";
    SEALED_SECRET_ENABLED = "secrets.sealedSecret.enabled";
    SEALED_SECRET_SCOPE = "secrets.sealedSecret.scope";
    SEALED_SECRET_ENCRYPTED_DATA = "secrets.sealedSecret.encryptedData";
}
