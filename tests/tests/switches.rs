//! Every switch of the chart, alone and all together, with real Helm: it
//! lints strictly, every manifest validates (built-in kinds with
//! kubernetes-validate, custom resources against their CRD schemas), and it
//! turns on exactly its resources. Then what each switch renders.

use gitops_gen::Outputs;
use gitops_gen::{Chart, Environment};
use gitops_tests::fixtures::{Relay, SecretsOnly, Shop, Worker};
use gitops_tests::oracle::{self, object};
use gitops_tests::scratch_dir;
use gitops_tests::switches::{
    all as switches, canary as canary_switches, combine, joined, joins_together,
    portless as portless_switches, Switch,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn orders() -> PathBuf {
    gitops_tests::workspace().join("examples/orders/chart")
}

fn worker() -> PathBuf {
    gitops_tests::workspace().join("examples/worker/chart")
}

fn sorted(mut kinds: Vec<String>) -> Vec<String> {
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
fn combined_values_set_each_top_level_key_once() {
    let one = "secrets:\n  externalSecret:\n    enabled: true\nreplicaCount: 2\n";
    assert_eq!(
        combine([one, "secrets:\n  envVars: true\n", "x: [a]\n"].into_iter()),
        "secrets:\n  externalSecret:\n    enabled: true\n  envVars: true\nreplicaCount: 2\nx: [a]\n"
    );
}

/// Lints and renders `chart` with each switch alone and all together,
/// checking validity and the kinds each switch adds or removes.
fn check_matrix(chart: &Path, switches: Vec<Switch>) {
    let all = joined(&switches);
    let mut ops = vec![oracle::render_validate(chart, None)];
    for values in switches.iter().map(|(_, v, ..)| v.as_str()).chain([all.as_str()]) {
        ops.push(oracle::lint(chart, Some(values)));
        ops.push(oracle::render_validate(chart, Some(values)));
    }
    let results = oracle::run(ops);
    let defaults = sorted(oracle::kinds(&results[0]));
    let mut all_kinds = defaults.clone();
    let names = switches.iter().map(|(name, ..)| *name).chain(["all together"]);
    for (i, name) in names.enumerate() {
        let (lint, render) = (&results[1 + 2 * i], &results[2 + 2 * i]);
        assert_eq!(lint["ok"], true, "{name}: lint --strict: {lint:#}");
        assert!(
            lint["messages"].as_array().unwrap().iter().all(|m| m["severity"] == "info"),
            "{name}: lint warnings: {lint:#}"
        );
        assert_eq!(render["ok"], true, "{name}: render/validate: {render:#}");
        let mut expected = defaults.clone();
        if let Some(switch @ (_, _, adds, removes)) = switches.get(i) {
            expected.extend(adds.iter().map(|k| k.to_string()));
            expected.retain(|k| !removes.contains(&k.as_str()));
            if joins_together(switch) {
                all_kinds.extend(adds.iter().map(|k| k.to_string()));
                all_kinds.retain(|k| !removes.contains(&k.as_str()));
            }
        } else {
            expected = all_kinds.clone();
        }
        assert_eq!(sorted(oracle::kinds(render)), sorted(expected), "{name}: kinds");
    }
}

#[test]
fn every_switch_alone_and_together_on_the_example() {
    check_matrix(&orders(), switches().into_iter().chain(canary_switches()).collect());
}

#[test]
fn every_switch_alone_and_together_on_a_worker() {
    check_matrix(&worker(), portless_switches());
}

#[test]
fn every_switch_alone_and_together_on_a_config_of_secrets_only() {
    let dir = scratch_dir("switches-secrets-only");
    Chart::new("vault")
        .image("registry.local/vault")
        .config::<SecretsOnly>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    check_matrix(&dir, portless_switches());
}

#[test]
fn every_switch_alone_and_together_on_a_fixture() {
    let dir = scratch_dir("switches-shop");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    check_matrix(&dir, switches());
}

/// A chart without a port has no Service: values that would expose it are
/// a mistake the schema names, not something to ignore.
#[test]
fn a_chart_without_a_port_refuses_exposure_switches() {
    let dir = scratch_dir("switches-worker");
    Chart::new("worker")
        .image("registry.local/worker")
        .config::<Worker>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    for (values, key) in [
        ("ingress:\n  enabled: true\n", "ingress"),
        ("httpRoute:\n  enabled: true\n", "httpRoute"),
        ("service:\n  port: 8080\n", "service"),
        ("test:\n  image: busybox\n", "test"),
    ] {
        let result = oracle::one(oracle::render_validate(&dir, Some(values)));
        assert_eq!(result["ok"], false, "{values}: {result:#}");
        let error = result["error"].as_str().unwrap();
        assert!(error.contains(key), "{values}: error should name `{key}`: {error}");
    }
    // The switches that make sense for it work.
    let result = oracle::one(oracle::render_validate(
        &dir,
        Some("autoscaling:\n  enabled: true\npodDisruptionBudget:\n  enabled: true\n"),
    ));
    assert_eq!(result["ok"], true, "{result:#}");
    let policy = object(&result, "NetworkPolicy");
    assert_eq!(policy["spec"]["ingress"], json!([]), "no port: no ingress at all");
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress"]));
}

/// `helm create`'s own values file, taken from the Helm SDK at test time, is
/// accepted unchanged by the generated chart, and with its switches on it
/// turns on the same resources as in Helm's starter chart.
#[test]
fn the_helm_create_values_file_works_unchanged() {
    let dir = scratch_dir("switches-starter");
    let starter = oracle::one(json!({"op": "create_starter", "name": "starter", "dir": dir}));
    assert_eq!(starter["ok"], true, "{starter:#}");
    let starter_chart = PathBuf::from(starter["chart"].as_str().unwrap());
    let values = starter["values_yaml"].as_str().unwrap().to_owned();
    // Each switch of the starter file, as written there.
    let mut switched = values.clone();
    for key in ["ingress", "httpRoute", "autoscaling"] {
        let at =
            switched.find(&format!("\n{key}:\n")).unwrap_or_else(|| panic!("{key} in starter"));
        let off = at + switched[at..].find("enabled: false").expect("switch off by default");
        switched.replace_range(off..off + "enabled: false".len(), "enabled: true");
    }

    // A chart whose liveness default is a TCP connect (no path declared).
    let relay = scratch_dir("switches-starter-relay");
    Chart::new("relay")
        .image("registry.local/relay")
        .config::<Relay>()
        .write(&Outputs::chart(&relay))
        .unwrap();
    let results = oracle::run(vec![
        oracle::render_validate(&relay, Some(&values)),
        oracle::lint(&orders(), Some(&values)),
        oracle::render_validate(&orders(), Some(&values)),
        oracle::lint(&orders(), Some(&switched)),
        oracle::render_validate(&orders(), Some(&switched)),
        json!({"op": "render", "chart": starter_chart, "values_yaml": switched, "name": "release", "namespace": "shop"}),
    ]);
    assert_eq!(results[0]["ok"], true, "relay: {:#}", results[0]);
    let relay_probe = &object(&results[0], "Deployment")["spec"]["template"]["spec"]["containers"]
        [0]["livenessProbe"];
    assert_eq!(
        relay_probe,
        &json!({"httpGet": {"path": "/", "port": "http"}}),
        "the starter's probe replaces the TCP default, not beside it"
    );
    let results = &results[1..];
    for (i, what) in
        ["lint", "render", "lint switched", "render switched", "starter"].iter().enumerate()
    {
        assert_eq!(results[i]["ok"], true, "{what}: {:#}", results[i]);
    }
    let ours = sorted(oracle::kinds(&results[3]));
    let theirs = sorted(oracle::kinds(&results[4]));
    for kind in &theirs {
        assert!(
            ours.contains(kind),
            "helm create renders {kind}, the generated chart does not: {ours:?}"
        );
    }
    for kind in ["Ingress", "HTTPRoute", "HorizontalPodAutoscaler"] {
        assert!(ours.contains(&kind.to_string()), "{kind}: {ours:?}");
    }
    // Same meaning: the starter's image, service port and probes.
    let deployment = object(&results[1], "Deployment");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert!(container["image"].as_str().unwrap().starts_with("nginx:"), "{container}");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/");
    assert_eq!(object(&results[1], "Service")["spec"]["ports"][0]["port"], 80);
    assert_eq!(deployment["spec"]["template"]["spec"]["automountServiceAccountToken"], true);
}

#[test]
fn autoscaling_takes_the_replica_count_over() {
    let on = oracle::rendered(&orders(), "replicaCount: 3\nautoscaling:\n  enabled: true\n  minReplicas: 2\n  maxReplicas: 9\n  targetCPUUtilizationPercentage: 0\n  targetMemoryUtilizationPercentage: 0\n");
    assert!(object(&on, "Deployment")["spec"].get("replicas").is_none(), "the HPA owns replicas");
    let hpa = &object(&on, "HorizontalPodAutoscaler")["spec"];
    assert_eq!(
        hpa["scaleTargetRef"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "release-orders"})
    );
    assert_eq!((hpa["minReplicas"].clone(), hpa["maxReplicas"].clone()), (json!(2), json!(9)));
    assert!(hpa.get("metrics").is_none(), "no target: the HPA's own default applies");

    let both = oracle::rendered(
        &orders(),
        "autoscaling:\n  enabled: true\n  targetMemoryUtilizationPercentage: 70\n",
    );
    let metrics = &object(&both, "HorizontalPodAutoscaler")["spec"]["metrics"];
    assert_eq!(metrics[0]["resource"]["name"], "cpu");
    assert_eq!(metrics[0]["resource"]["target"]["averageUtilization"], 80);
    assert_eq!(metrics[1]["resource"]["name"], "memory");
    assert_eq!(metrics[1]["resource"]["target"]["averageUtilization"], 70);

    let off = oracle::rendered(&orders(), "replicaCount: 3\n");
    assert_eq!(object(&off, "Deployment")["spec"]["replicas"], 3);
}

#[test]
fn ingress_and_http_route_send_traffic_to_the_service_port() {
    let result = oracle::rendered(
        &orders(),
        "service:\n  port: 8081\ningress:\n  enabled: true\n  className: nginx\n  annotations: {a: b}\n  hosts:\n    - host: orders.example\n      paths: [{path: /api, pathType: Prefix}, {path: /, pathType: Exact}]\n  tls: [{hosts: [orders.example], secretName: orders-tls}]\nhttpRoute:\n  enabled: true\n  hostnames: [orders.example]\n  rules: [{matches: [{path: {type: PathPrefix, value: /api}}]}, {filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-via, value: edge}]}}]}]\n",
    );
    let ingress = object(&result, "Ingress");
    assert_eq!(ingress["metadata"]["annotations"]["a"], "b");
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "orders-tls");
    let paths = &ingress["spec"]["rules"][0]["http"]["paths"];
    assert_eq!(paths[1]["path"], "/");
    assert_eq!(paths[1]["pathType"], "Exact");
    assert_eq!(
        paths[0]["backend"]["service"],
        json!({"name": "release-orders", "port": {"number": 8081}})
    );
    let route = &object(&result, "HTTPRoute")["spec"];
    assert_eq!(route["hostnames"], json!(["orders.example"]));
    assert_eq!(
        route["rules"][0]["backendRefs"][0],
        json!({"name": "release-orders", "port": 8081, "weight": 1})
    );
    assert_eq!(route["rules"][0]["matches"][0]["path"]["value"], "/api");
    assert!(route["rules"][1].get("matches").is_none());
    assert_eq!(route["rules"][1]["filters"][0]["type"], "RequestHeaderModifier");
}

#[test]
fn the_network_policy_admits_only_the_declared_ports() {
    let default = oracle::rendered(&orders(), "");
    let spec = &object(&default, "NetworkPolicy")["spec"];
    assert_eq!(
        spec["podSelector"]["matchLabels"],
        object(&default, "Deployment")["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(spec["policyTypes"], json!(["Ingress"]));
    assert_eq!(
        spec["ingress"],
        json!([
            {"ports": [{"port": "http", "protocol": "TCP"}]},
            {"ports": [{"port": "metrics", "protocol": "TCP"}], "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]},
        ])
    );
    assert!(spec.get("egress").is_none());

    let shop_dir = scratch_dir("switches-netpol-shop");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .write(&Outputs::chart(&shop_dir))
        .unwrap();
    let shop = oracle::rendered(&shop_dir, "networkPolicy:\n  from: [{podSelector: {matchLabels: {role: edge}}}]\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n");
    let spec = &object(&shop, "NetworkPolicy")["spec"];
    assert_eq!(spec["policyTypes"], json!(["Ingress", "Egress"]));
    // The app's port from `from`, the metrics port from `metricsFrom`: by
    // default the namespace `monitoring`, as Kubernetes labels every namespace.
    assert_eq!(
        spec["ingress"],
        json!([
            {"ports": [{"port": "http", "protocol": "TCP"}], "from": [{"podSelector": {"matchLabels": {"role": "edge"}}}]},
            {"ports": [{"port": "metrics", "protocol": "TCP"}], "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]},
        ])
    );
    assert_eq!(spec["egress"][0]["to"][0]["ipBlock"]["cidr"], "10.0.0.0/8");
    let open = oracle::rendered(&shop_dir, "networkPolicy:\n  metricsFrom: []\n");
    let spec = &object(&open, "NetworkPolicy")["spec"];
    assert!(spec["ingress"][1].get("from").is_none(), "empty: from anywhere: {spec}");
}

/// Prometheus finds the metrics port the config struct marks as
/// `metrics.scrape` says: pod annotations by default, else a ServiceMonitor
/// whose selector and port match the Service, or a PodMonitor whose
/// selector and port match the pods; `none` renders neither.
#[test]
fn metrics_are_scraped_as_metrics_scrape_says() {
    let annotated = oracle::rendered(&orders(), "");
    let pod = &object(&annotated, "Deployment")["spec"]["template"];
    let annotations = &pod["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"], "true");
    assert_eq!(annotations["prometheus.io/port"], "9090");
    assert_eq!(annotations["prometheus.io/path"], "/metrics");
    let container = &pod["spec"]["containers"][0];
    assert!(has_named(&container["ports"], "metrics"));
    assert_eq!(named(&container["ports"], "metrics")["containerPort"], 9090);
    let kinds = oracle::kinds(&annotated);
    assert!(!kinds.iter().any(|k| k.ends_with("Monitor")), "{kinds:?}");

    let subset = |selector: &Value, labels: &Value| {
        selector.as_object().unwrap().iter().all(|(k, v)| &labels[k] == v)
    };
    let values = "metrics:\n  scrape: serviceMonitor\n  interval: 15s\n  labels: {release: prom}\n";
    let monitored = oracle::rendered(&orders(), values);
    let monitor = object(&monitored, "ServiceMonitor");
    let service = object(&monitored, "Service");
    assert_eq!(monitor["metadata"]["labels"]["release"], "prom");
    assert!(subset(&monitor["spec"]["selector"]["matchLabels"], &service["metadata"]["labels"]));
    assert_eq!(
        monitor["spec"]["endpoints"],
        json!([{"port": "metrics", "path": "/metrics", "interval": "15s"}])
    );
    assert!(has_named(&service["spec"]["ports"], "metrics"), "the port the monitor names");
    let pod = &object(&monitored, "Deployment")["spec"]["template"]["metadata"];
    assert!(pod["annotations"].get("prometheus.io/scrape").is_none());

    let monitored = oracle::rendered(&orders(), "metrics:\n  scrape: podMonitor\n");
    let monitor = object(&monitored, "PodMonitor");
    let pod = &object(&monitored, "Deployment")["spec"]["template"]["metadata"];
    assert!(subset(&monitor["spec"]["selector"]["matchLabels"], &pod["labels"]));
    assert_eq!(
        monitor["spec"]["podMetricsEndpoints"],
        json!([{"port": "metrics", "path": "/metrics"}])
    );

    let none = oracle::rendered(&orders(), "metrics:\n  scrape: none\n");
    let pod = &object(&none, "Deployment")["spec"]["template"]["metadata"];
    assert!(pod["annotations"].get("prometheus.io/scrape").is_none());
    assert!(!oracle::kinds(&none).iter().any(|k| k.ends_with("Monitor")));
}

#[test]
fn the_external_secret_fills_the_secret_the_pods_read() {
    let on = "secrets:\n  existingSecret: orders-credentials\n  externalSecret:\n    enabled: true\n    secretStoreRef: {kind: SecretStore, name: vault}\n    refreshInterval: 15m\n    remoteKey: prod/orders\n";
    let result = oracle::rendered(&orders(), on);
    let spec = &object(&result, "ExternalSecret")["spec"];
    assert_eq!(spec["secretStoreRef"], json!({"kind": "SecretStore", "name": "vault"}));
    assert_eq!(spec["refreshInterval"], "15m");
    assert_eq!(spec["target"]["name"], "orders-credentials");
    let volumes = &object(&result, "Deployment")["spec"]["template"]["spec"]["volumes"];
    let secret = &named(volumes, "secret-files")["secret"];
    assert_eq!(secret["secretName"], spec["target"]["name"], "the pods read the Secret it fills");
    // The required key from the shared remote key; the optional one is left out.
    assert_eq!(
        spec["data"],
        json!([{"secretKey": "databaseUrl", "remoteRef": {"key": "prod/orders", "property": "databaseUrl"}}])
    );

    let with_refs = format!("{on}    remoteRefs:\n      adminApiKey: {{key: prod/admin, property: token}}\n      databaseUrl: {{key: prod/db, version: \"3\"}}\n");
    let data =
        object(&oracle::rendered(&orders(), &with_refs), "ExternalSecret")["spec"]["data"].clone();
    assert_eq!(data[0]["remoteRef"], json!({"key": "prod/db", "version": "3"}));
    assert_eq!(
        data[1],
        json!({"secretKey": "adminApiKey", "remoteRef": {"key": "prod/admin", "property": "token"}})
    );

    // Missing store or remote key: Helm fails naming the value to set.
    for (values, key) in [
        (
            "secrets:\n  externalSecret:\n    enabled: true\n    remoteKey: prod/orders\n",
            "secrets.externalSecret.secretStoreRef.name",
        ),
        (
            "secrets:\n  externalSecret:\n    enabled: true\n    secretStoreRef: {name: vault}\n",
            "secrets.externalSecret.remoteKey",
        ),
        (
            "secrets:\n  externalSecret:\n    enabled: true\n    refreshInterval: soon\n",
            "refreshInterval",
        ),
    ] {
        let result = oracle::one(oracle::render_validate(&orders(), Some(values)));
        assert_eq!(result["ok"], false, "{values}");
        assert!(result["error"].as_str().unwrap().contains(key), "{key}: {result:#}");
    }
}

/// The entry of a list of named objects (env, volumes, mounts) called `name`.
fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list:#}"))
}

fn has_named(list: &Value, name: &str) -> bool {
    list.as_array().is_some_and(|l| l.iter().any(|e| e["name"] == name))
}

/// By default the Secret is mounted as files (mode 0440, read-only) and its
/// directory is in `<PREFIX>SECRETS_DIR`, with no `secretKeyRef`, in env
/// delivery (orders) and file delivery (the worker) alike; with
/// `secrets.envVars: true`, the opposite.
#[test]
fn secrets_arrive_as_files_unless_env_vars_are_asked_for() {
    let cases = [
        (
            orders(),
            "orders",
            "ORDERS_",
            vec![
                ("ORDERS_DATABASE_URL", "databaseUrl", false),
                ("ORDERS_ADMIN_API_KEY", "adminApiKey", true),
            ],
        ),
        (worker(), "worker", "WORKER_", vec![("BROKER_URL", "brokerUrl", false)]),
    ];
    for (chart, name, prefix, secrets) in cases {
        let dir = format!("/var/run/secrets/{name}");
        let pod = |values: &str| {
            object(&oracle::rendered(&chart, values), "Deployment")["spec"]["template"]["spec"]
                .clone()
        };
        let is_secret_ref = |e: &Value| e["valueFrom"].get("secretKeyRef").is_some();

        let files = pod("");
        let container = &files["containers"][0];
        assert_eq!(
            named(&files["volumes"], "secret-files")["secret"],
            json!({"secretName": format!("release-{name}"), "defaultMode": 288}),
            "{name}: 0440 is 288"
        );
        assert_eq!(
            named(&container["volumeMounts"], "secret-files"),
            &json!({"name": "secret-files", "mountPath": dir, "readOnly": true}),
            "{name}"
        );
        let secrets_dir = format!("{prefix}SECRETS_DIR");
        assert_eq!(named(&container["env"], &secrets_dir)["value"], dir, "{name}");
        assert!(
            !container["env"].as_array().unwrap().iter().any(is_secret_ref),
            "{name}: {container:#}"
        );

        let env_vars = pod("secrets:\n  envVars: true\n");
        let container = &env_vars["containers"][0];
        assert!(!has_named(&env_vars["volumes"], "secret-files"), "{name}: {env_vars:#}");
        assert!(!has_named(&container["volumeMounts"], "secret-files"), "{name}");
        assert!(!has_named(&container["env"], &secrets_dir), "{name}");
        for (var, key, optional) in secrets {
            let mut expected = json!({"name": format!("release-{name}"), "key": key});
            if optional {
                expected["optional"] = json!(true);
            }
            assert_eq!(named(&container["env"], var)["valueFrom"]["secretKeyRef"], expected);
        }
    }
}

#[test]
fn the_grace_period_follows_the_apps_shutdown_timeout() {
    let pod = |values: &str| {
        object(&oracle::rendered(&orders(), values), "Deployment")["spec"]["template"]["spec"]
            .clone()
    };
    // preStop sleep 5 + `config.shutdownTimeoutSeconds` 20 + 5 to exit.
    let default = pod("");
    assert_eq!(default["terminationGracePeriodSeconds"], 30);
    assert_eq!(default["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"], 5);
    let env = pod("config:\n  shutdownTimeoutSeconds: 60\n");
    assert_eq!(env["terminationGracePeriodSeconds"], 70, "one value sizes both");
    let no_sleep = pod("preStopSleepSeconds: 0\n");
    assert_eq!(no_sleep["terminationGracePeriodSeconds"], 25);
    assert!(no_sleep["containers"][0].get("lifecycle").is_none());

    // Without a `shutdown_timeout` field the grace period is a value of its own;
    // a chart that declares one has no such key to disagree with it.
    let worker_pod =
        object(&oracle::rendered(&worker(), "terminationGracePeriodSeconds: 45\n"), "Deployment")
            ["spec"]["template"]["spec"]
            .clone();
    assert_eq!(worker_pod["terminationGracePeriodSeconds"], 45);
    assert!(worker_pod["containers"][0].get("lifecycle").is_none(), "no port: no preStop delay");
    let refused = oracle::one(oracle::render_validate(
        &orders(),
        Some("terminationGracePeriodSeconds: 45\n"),
    ));
    assert_eq!(refused["ok"], false);
    assert!(
        refused["error"].as_str().unwrap().contains("terminationGracePeriodSeconds"),
        "{refused:#}"
    );
}

#[test]
fn the_test_pod_fetches_the_readiness_path_through_the_service() {
    let result = oracle::rendered(
        &orders(),
        "service:\n  port: 8081\ntest:\n  image: registry.local/busybox:1\n",
    );
    let pod = object(&result, "Pod");
    assert_eq!(pod["metadata"]["annotations"]["helm.sh/hook"], "test");
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.local/busybox:1");
    assert_eq!(
        container["args"].as_array().unwrap().last().unwrap(),
        "http://release-orders:8081/readyz"
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);
}

/// A SealedSecret: the values' ciphertexts, unsealed by the controller into
/// the very Secret the pods mount (one name, strictly valid against the
/// sealed-secrets CRD); its scope as the controller's annotation. With a
/// migration Job (the orders example), a hook copy unsealed into the Job's
/// own Secret, which `strict` ciphertexts cannot be (refused, saying how to
/// seal). Refused with an ExternalSecret beside it, for a key the config has
/// no secret for, and for text that is not a ciphertext; and at generation,
/// an environment that turns both on.
#[test]
fn the_sealed_secret_fills_the_secret_the_pods_read() {
    let sealed = |scope: &str, data: &str| {
        format!("secrets:\n  sealedSecret:\n    enabled: true\n    scope: {scope}\n    encryptedData: {data}\n")
    };
    let ciphertext = "{databaseUrl: AgBy3i4OJSWK+PiTySYZZA1rO43cGDEq==}";
    let results = oracle::run(vec![
        oracle::render_validate(&worker(), Some(&sealed("strict", "{brokerUrl: AgB+/w==}"))),
        oracle::render_validate(&orders(), Some(&sealed("namespace-wide", ciphertext))),
        oracle::render_validate(&orders(), Some(&sealed("strict", ciphertext))),
        oracle::render_validate(
            &orders(),
            Some(&format!("{}  externalSecret:\n    enabled: true\n    secretStoreRef: {{name: vault}}\n    remoteKey: prod/orders\n", sealed("namespace-wide", ciphertext))),
        ),
        oracle::render_validate(&orders(), Some(&sealed("namespace-wide", "{notASecret: AgB=}"))),
        oracle::render_validate(&orders(), Some(&sealed("namespace-wide", "{databaseUrl: \"postgres://plain\"}"))),
    ]);
    let mounted = |result: &Value, kind: &str| {
        let volumes = &object(result, kind)["spec"]["template"]["spec"]["volumes"];
        volumes
            .as_array()
            .unwrap()
            .iter()
            .find_map(|v| v["secret"]["secretName"].as_str())
            .map(str::to_owned)
    };
    // The worker (no migration), strict scope: no annotation.
    assert_eq!(results[0]["ok"], true, "{:#}", results[0]);
    let sealed_secret = object(&results[0], "SealedSecret");
    assert_eq!(
        sealed_secret["metadata"]["name"].as_str(),
        mounted(&results[0], "Deployment").as_deref()
    );
    assert_eq!(
        sealed_secret["spec"]["template"]["metadata"]["name"],
        sealed_secret["metadata"]["name"]
    );
    assert_eq!(sealed_secret["spec"]["encryptedData"], json!({"brokerUrl": "AgB+/w=="}));
    assert!(sealed_secret["metadata"].get("annotations").is_none(), "strict needs no annotation");
    // The orders example: the app's and the Job's, each into its own Secret.
    assert_eq!(results[1]["ok"], true, "{:#}", results[1]);
    let app = object(&results[1], "SealedSecret");
    assert_eq!(app["metadata"]["name"].as_str(), mounted(&results[1], "Deployment").as_deref());
    assert_eq!(
        app["metadata"]["annotations"],
        json!({"sealedsecrets.bitnami.com/namespace-wide": "true"})
    );
    let objects = results[1]["objects"].as_array().unwrap();
    let copy = &objects
        .iter()
        .find(|o| {
            o["object"]["kind"] == "SealedSecret"
                && o["template"].as_str().unwrap().ends_with("/migration.yaml")
        })
        .expect("the migration Job's copy")["object"];
    assert_eq!(
        copy["spec"]["template"]["metadata"]["name"].as_str(),
        mounted(&results[1], "Job").as_deref()
    );
    assert_eq!(copy["spec"]["encryptedData"], app["spec"]["encryptedData"]);
    assert_eq!(copy["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"], "true");
    let error = |i: usize| results[i]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error(2).contains("seal them with --scope namespace-wide"), "{}", error(2));
    assert!(error(3).contains("secrets.sealedSecret.enabled and secrets.externalSecret.enabled both fill the Secret: enable one"), "{}", error(3));
    assert!(error(4).contains("notASecret"), "{}", error(4));
    assert!(error(5).contains("encryptedData") && error(5).contains("databaseUrl"), "{}", error(5));

    // At generation: an environment that turns both on is refused, named.
    let both = Environment::new("prod")
        .set("secrets.sealedSecret.enabled", true)
        .set("secrets.externalSecret.enabled", true);
    let refused =
        Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>().environment(both).generate();
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("environment `prod`: secrets.sealedSecret.enabled and secrets.externalSecret.enabled both fill the Secret: enable one"),
        "{message}"
    );
    // And a `strict` SealedSecret beside a migration Job, whose copy could
    // not be unsealed; `namespace-wide` passes.
    let sealed = |scope: &str| {
        let env = Environment::new("prod")
            .set("secrets.sealedSecret.enabled", true)
            .set("secrets.sealedSecret.scope", scope);
        Chart::new("shop")
            .image("ghcr.io/acme/shop")
            .config::<Shop>()
            .migration(gitops_gen::Migration::new().command(["/app"]).args(["migrate"]))
            .environment(env)
            .generate()
    };
    let message = sealed("strict").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains(
            "environment `prod`: a `strict` SealedSecret is sealed for the Secret's name alone"
        ),
        "{message}"
    );
    sealed("namespace-wide").expect("a namespace-wide SealedSecret is copied for the Job");
}

/// The custom-resource oracle has teeth: it rejects what the CRDs reject.
#[test]
fn the_crd_oracle_rejects_invalid_custom_resources() {
    let objects = json!([
        {"template": "t", "object": {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"},
            "spec": {"parentRefs": [{"name": "g"}], "rules": [{"backendRefs": [{"name": "s", "port": "http"}]}]}}},
        {"template": "t", "object": {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "e"},
            "spec": {"secretStoreRef": {"name": "s", "kind": "Vault"}, "data": [{"secretKey": "a"}]}}},
        {"template": "t", "object": {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "ok"},
            "spec": {"secretStoreRef": {"name": "s", "kind": "SecretStore"}, "data": [{"secretKey": "a", "remoteRef": {"key": "k"}}]}}},
        {"template": "t", "object": {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "s"},
            "spec": {"encryptedData": {"a": 1}}}},
        {"template": "t", "object": {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "sm"},
            "spec": {"selector": {}, "endpoints": [{"port": "metrics", "interval": "30 seconds"}]}}},
        {"template": "t", "object": {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "pm"},
            "spec": {"selector": {}, "podMetricsEndpoints": [{"port": 9090}]}}},
        {"template": "t", "object": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "ro"},
            "spec": {"selector": {}, "template": {}, "strategy": {"canary": {"steps": [{"setWeight": "ten"}]}}}}},
        {"template": "t", "object": {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "at"},
            "spec": {"metrics": [{"provider": {"prometheus": {"query": "up"}}}]}}},
    ]);
    let result = oracle::one(
        json!({"op": "validate_k8s", "objects": objects, "version": oracle::KUBE_VERSION}),
    );
    assert_eq!(result["ok"], false);
    let errors: Vec<&str> =
        result["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert_eq!(errors.len(), 7, "{errors:#?}");
    assert!(errors[5].contains("Rollout/ro") && errors[5].contains("setWeight"), "{}", errors[5]);
    assert!(
        errors[6].contains("AnalysisTemplate/at") && errors[6].contains("name"),
        "{}",
        errors[6]
    );
    assert!(
        errors[3].contains("ServiceMonitor/sm") && errors[3].contains("interval"),
        "{}",
        errors[3]
    );
    assert!(errors[4].contains("PodMonitor/pm") && errors[4].contains("port"), "{}", errors[4]);
    assert!(
        errors[2].contains("SealedSecret/s") && errors[2].contains("encryptedData"),
        "{}",
        errors[2]
    );
    assert!(errors[0].contains("HTTPRoute/r") && errors[0].contains("port"), "{}", errors[0]);
    assert!(
        errors[1].contains("ExternalSecret/e") && errors[1].contains("remoteRef"),
        "{}",
        errors[1]
    );
}
