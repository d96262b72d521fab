//! The chart's switches as values files (each switch alone, with what it
//! adds and removes), shared by `switches.rs` (real Helm lints and
//! validates each) and `native_render.rs` (the native render equals Helm's).

pub fn digest() -> String {
    format!("sha256:{}", "ab".repeat(32))
}

/// (name, values, kinds it adds, kinds it removes).
pub type Switch = (&'static str, String, &'static [&'static str], &'static [&'static str]);

/// Switches tried alone, not together: the "off" switches (they would
/// repeat a top-level key another switch sets) and those that choose
/// another value of a key a joining switch sets.
const ALONE: &[&str] =
    &["networkPolicy off", "no serviceAccount", "podMonitor", "canary by replicas"];

/// Whether the switch joins the others in one values file.
pub fn joins_together((name, ..): &Switch) -> bool {
    !ALONE.contains(name)
}

/// The switches of a chart with [`Canary`](gitops_gen::Canary) steps and
/// a metrics port (the orders example), beside [`all`]'s: a canary with
/// analysis (together with `httpRoute`, shifting requests), and one by
/// replicas alone.
pub fn canary() -> Vec<Switch> {
    vec![
        (
            "canary",
            "canary:\n  enabled: true\n  analysis:\n    enabled: true\n    query: 'sum(rate(orders_http_requests_total{code!=\"5xx\",pod=~\".*-{{args.canary-hash}}-.*\"}[2m]))'\n    interval: 30s\n".into(),
            &["Rollout", "AnalysisTemplate"],
            &["Deployment"],
        ),
        ("canary by replicas", "canary:\n  enabled: true\n".into(), &["Rollout"], &["Deployment"]),
    ]
}

/// The switches of a chart with a port, a metrics port and secrets.
pub fn all() -> Vec<Switch> {
    vec![
        (
            "ingress",
            "ingress:\n  enabled: true\n  className: nginx\n  tls: [{hosts: [orders.example], secretName: orders-tls}]\n".into(),
            &["Ingress"],
            &[],
        ),
        ("httpRoute", "httpRoute:\n  enabled: true\n".into(), &["HTTPRoute"], &[]),
        (
            "autoscaling",
            "autoscaling:\n  enabled: true\n  targetMemoryUtilizationPercentage: 75\n".into(),
            &["HorizontalPodAutoscaler"],
            &[],
        ),
        ("podDisruptionBudget", "podDisruptionBudget:\n  enabled: true\n".into(), &["PodDisruptionBudget"], &[]),
        ("networkPolicy off", "networkPolicy:\n  enabled: false\n".into(), &[], &["NetworkPolicy"]),
        (
            "networkPolicy rules",
            "networkPolicy:\n  from: [{namespaceSelector: {matchLabels: {team: edge}}}]\n  egress: [{ports: [{port: 53, protocol: UDP}]}]\n".into(),
            &[],
            &[],
        ),
        (
            "externalSecret",
            "secrets:\n  externalSecret:\n    enabled: true\n    secretStoreRef: {name: vault}\n    remoteKey: prod/app\n".into(),
            &["ExternalSecret"],
            &[],
        ),
        ("secrets as env vars", "secrets:\n  envVars: true\n".into(), &[], &[]),
        ("no serviceAccount", "serviceAccount:\n  create: false\n".into(), &[], &["ServiceAccount"]),
        ("digest", format!("image:\n  digest: {}\n", digest()), &[], &[]),
        (
            "extra env",
            "extraEnv: [{name: RUST_LOG, value: debug}]\nextraEnvFrom: [{secretRef: {name: extra}}]\n".into(),
            &[],
            &[],
        ),
        (
            "volumes",
            "volumes: [{name: cache, emptyDir: {sizeLimit: 1Gi}}]\nvolumeMounts: [{name: cache, mountPath: /cache}]\n".into(),
            &[],
            &[],
        ),
        ("no preStop", "preStopSleepSeconds: 0\n".into(), &[], &[]),
        (
            "rollout",
            "revisionHistoryLimit: 3\nstrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n".into(),
            &[],
            &[],
        ),
        (
            "init containers",
            format!(
                "initContainers:\n  - name: wait-for-db\n    image: busybox@{}\n    imagePullPolicy: Always\n    command: [sh, -c, 'until nc -z db 5432; do sleep 1; done']\n    securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, capabilities: {{drop: [ALL]}}, seccompProfile: {{type: RuntimeDefault}}}}\n    resources: {{requests: {{cpu: 10m, memory: 16Mi}}, limits: {{cpu: 100m, memory: 32Mi}}}}\n",
                digest()
            ),
            &[],
            &[],
        ),
        (
            "name resolution",
            "dnsPolicy: None\ndnsConfig: {nameservers: [10.0.0.10], searches: [svc.cluster.local], options: [{name: ndots, value: \"2\"}]}\nhostAliases: [{ip: 10.0.0.20, hostnames: [db.internal]}]\n".into(),
            &[],
            &[],
        ),
        (
            "serviceMonitor",
            "metrics:\n  scrape: serviceMonitor\n  interval: 30s\n  labels: {release: prometheus}\nnetworkPolicy:\n  metricsFrom: [{namespaceSelector: {matchLabels: {team: observability}}, podSelector: {matchLabels: {app: prometheus}}}]\n".into(),
            &["ServiceMonitor"],
            &[],
        ),
        ("podMonitor", "metrics:\n  scrape: podMonitor\n".into(), &["PodMonitor"], &[]),
        (
            "service metadata",
            "service:\n  annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"}\n  labels: {team: payments}\n".into(),
            &[],
            &[],
        ),
    ]
}

/// The switches of a chart with secrets but without a port: no Service, so
/// nothing exposes it, and no preStop delay or ingress sources.
pub fn portless() -> Vec<Switch> {
    let portless = |(name, ..): &Switch| {
        ![
            "ingress",
            "httpRoute",
            "networkPolicy rules",
            "no preStop",
            "service metadata",
            "serviceMonitor",
            "podMonitor",
        ]
        .contains(name)
    };
    let mut switches: Vec<Switch> = all().into_iter().filter(portless).collect();
    switches.push((
        "networkPolicy egress",
        "networkPolicy:\n  egress: [{ports: [{port: 5432, protocol: TCP}]}]\n".into(),
        &[],
        &[],
    ));
    switches.push(("grace period", "terminationGracePeriodSeconds: 120\n".into(), &[], &[]));
    switches
}

/// Values files as one: the blocks of a top-level key that several switches
/// set (`secrets:`) joined under that key, as YAML allows each key once.
pub fn combine<'a>(files: impl Iterator<Item = &'a str>) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut current = 0;
    for line in files.flat_map(str::lines) {
        if line.starts_with(' ') {
            blocks[current].1.push_str(&format!("{line}\n"));
        } else if let Some(at) =
            blocks.iter().position(|(head, _)| line.ends_with(':') && head == line)
        {
            current = at;
        } else {
            blocks.push((line.to_owned(), String::new()));
            current = blocks.len() - 1;
        }
    }
    blocks.into_iter().map(|(head, body)| format!("{head}\n{body}")).collect()
}

/// The switches of `switches` that [join the others](joins_together), as
/// one values file.
pub fn joined(switches: &[Switch]) -> String {
    combine(switches.iter().filter(|s| joins_together(s)).map(|(_, v, ..)| v.as_str()))
}

/// Every switch of [`all`] that joins, as one values file.
pub fn together() -> String {
    joined(&all())
}

/// [`together`] with the [`canary`] switches that join.
pub fn together_with_canary() -> String {
    joined(&[all(), canary()].concat())
}
