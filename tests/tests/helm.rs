//! Real Helm in the loop: the generated charts lint strictly, render with
//! default and non-default values, every manifest validates against
//! Kubernetes' schemas, and bad values are rejected by Helm with a path.

use gitops_gen::Chart;
use gitops_gen::Outputs;
use gitops_tests::fixtures::{Echo, Gateway, Hostile, Relay, SecretsOnly, Shop, Worker};
use gitops_tests::oracle::{self, object};
use gitops_tests::scratch_dir;
use serde_json::{json, Value};
use std::path::PathBuf;

fn shop_chart(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .write(&Outputs::chart(&dir))
        .expect("write chart");
    dir
}

fn assert_ok(result: &Value, what: &str) {
    assert_eq!(result["ok"], true, "{what}: {result:#}");
}

fn config_data(result: &Value) -> &serde_json::Map<String, Value> {
    object(result, "ConfigMap")["data"].as_object().expect("ConfigMap data")
}

#[test]
fn charts_lint_strict_and_render_valid_manifests_with_defaults() {
    let shop = shop_chart("helm-defaults-shop");
    let worker = scratch_dir("helm-defaults-worker");
    Chart::new("worker")
        .image("registry.local/worker")
        .config::<Worker>()
        .write(&Outputs::chart(&worker))
        .unwrap();

    let results = oracle::run(vec![
        oracle::lint(&shop, None),
        oracle::render_validate(&shop, None),
        oracle::lint(&worker, None),
        oracle::render_validate(&worker, None),
        oracle::render_validate(&shop, Some("secrets:\n  envVars: true\n")),
    ]);
    for (i, what) in
        ["lint shop", "render shop", "lint worker", "render worker", "render shop, env-var secrets"]
            .iter()
            .enumerate()
    {
        assert_ok(&results[i], what);
    }
    assert!(results[0]["messages"].as_array().unwrap().iter().all(|m| m["severity"] == "info"));

    let rendered = &results[1];
    let data = config_data(rendered);
    assert_eq!(data["SHOP_HTTP_PORT"], "8080");
    assert_eq!(data["SHOP_MAX_BODY_BYTES"], "104857600", "large numbers arrive whole");
    assert_eq!(data["SHOP_SAMPLE_RATIO"], "0.1");
    assert_eq!(data["SHOP_ON"], "true");
    assert_eq!(data["SHOP_STORE_NAME"], "Corner Shop");
    assert_eq!(data["SHOP_LOG_LEVEL"], "info");
    assert_eq!(data["SHOP_ALLOWED_ORIGINS"], r#"["https://shop.example"]"#);
    assert_eq!(data["SHOP_EXTRA_HEADERS"], "{}");
    assert_eq!(data["SHOP_PAYMENTS__API_URL"], "https://pay.example/v2");
    assert!(!data.contains_key("SHOP_SUPPORT_EMAIL"), "a text `None` sets no variable");
    assert_eq!(data["SHOP_PAYMENTS__RETRIES"], "null", "a JSON `Option` is always set");
    assert!(!data.contains_key("SHOP_DATABASE_URL"), "secrets never go into the ConfigMap");
    assert!(!data.contains_key("SHOP_BUILD_INFO"), "#[gitops(skip)]");
    assert!(!data.contains_key("SHOP_STARTED"), "#[serde(skip)]");

    let deployment = object(rendered, "Deployment");
    let pod = &deployment["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/shop:0.1.0");
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    assert_eq!(container["ports"][1]["name"], "metrics");
    assert_eq!(container["envFrom"][0]["configMapRef"]["name"], "release-shop");
    // The Secret as files by default, their directory for the loader.
    assert_eq!(
        container["env"],
        json!([{"name": "SHOP_SECRETS_DIR", "value": "/var/run/secrets/shop"}])
    );
    assert_eq!(pod["spec"]["volumes"][1]["secret"]["secretName"], "release-shop");
    // As env vars with `secrets.envVars`, each from its key.
    let container = &object(&results[4], "Deployment")["spec"]["template"]["spec"]["containers"][0];
    let env = container["env"].as_array().unwrap();
    let secret_ref =
        |name: &str| &env.iter().find(|e| e["name"] == name).unwrap()["valueFrom"]["secretKeyRef"];
    assert_eq!(secret_ref("SHOP_DATABASE_URL")["name"], "release-shop");
    assert_eq!(secret_ref("SHOP_DATABASE_URL")["key"], "databaseUrl");
    assert_eq!(secret_ref("SHOP_ADMIN_KEY")["optional"], true);
    assert_eq!(secret_ref("SHOP_PAYMENTS__WEBHOOK_SECRET")["key"], "payments.webhook-secret");
    let checksum = pod["metadata"]["annotations"]["checksum/config"].as_str().unwrap();
    assert_eq!(checksum.len(), 64);
    assert_eq!(deployment["metadata"]["namespace"], "shop");

    let service = object(rendered, "Service");
    assert_eq!(service["spec"]["ports"][0]["port"], 80);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
    assert_eq!(service["spec"]["ports"][1]["port"], 9090);

    let worker_kinds = oracle::kinds(&results[3]);
    assert_eq!(
        worker_kinds,
        ["ConfigMap", "Deployment", "NetworkPolicy", "ServiceAccount"],
        "no port, no Service"
    );
}

/// Values that YAML 1.1, float64 or `{{ }}` would change reach the container
/// exactly as written.
#[test]
fn non_default_values_reach_the_container_unchanged() {
    let shop = shop_chart("helm-values-shop");
    let values = r#"
replicaCount: 3
image:
  tag: "2.0"
podAnnotations:
  team: payments
config:
  httpPort: 10000
  storeName: "yes"
  region: "0777"
  maxBodyBytes: 9007199254740991
  sampleRatio: 1e-3
  allowedOrigins: []
  extraHeaders:
    "on": "1e3"
    x-quote: "say \"hi\": {{ not a template }}"
  supportEmail: ops@shop.example
  payments:
    retries: 0
secrets:
  existingSecret: shop-credentials
volumes:
  - name: cache
    emptyDir: {}
volumeMounts:
  - name: cache
    mountPath: /var/cache/shop
priorityClassName: high
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        app.kubernetes.io/name: shop
extraEnv:
  - name: RUST_LOG
    value: debug
extraEnvFrom:
  - secretRef:
      name: shop-extra
"#;
    let result = oracle::one(oracle::render_validate(&shop, Some(values)));
    assert_ok(&result, "render with values");
    let data = config_data(&result);
    assert_eq!(data["SHOP_HTTP_PORT"], "10000");
    assert_eq!(data["SHOP_STORE_NAME"], "yes");
    assert_eq!(data["SHOP_REGION"], "0777");
    assert_eq!(data["SHOP_MAX_BODY_BYTES"], "9007199254740991");
    assert_eq!(data["SHOP_SAMPLE_RATIO"], "0.001");
    assert_eq!(data["SHOP_ALLOWED_ORIGINS"], "[]");
    let headers: Value =
        serde_json::from_str(data["SHOP_EXTRA_HEADERS"].as_str().unwrap()).unwrap();
    assert_eq!(headers["on"], "1e3");
    assert_eq!(headers["x-quote"], "say \"hi\": {{ not a template }}");
    assert_eq!(data["SHOP_SUPPORT_EMAIL"], "ops@shop.example");
    assert_eq!(data["SHOP_PAYMENTS__RETRIES"], "0", "Some(0) is not None");

    let deployment = object(&result, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 3);
    let pod = &deployment["spec"]["template"];
    assert_eq!(pod["metadata"]["annotations"]["team"], "payments");
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/shop:2.0");
    assert_eq!(container["ports"][0]["containerPort"], 10000, "no 1e+04");
    assert_eq!(pod["spec"]["volumes"][1]["secret"]["secretName"], "shop-credentials");
    assert_eq!(container["volumeMounts"][2]["mountPath"], "/var/cache/shop");
    assert_eq!(pod["spec"]["priorityClassName"], "high");
    assert_eq!(pod["spec"]["topologySpreadConstraints"][0]["maxSkew"], 1);
    let env = container["env"].as_array().unwrap();
    assert_eq!(env.last().unwrap()["name"], "RUST_LOG", "extra env after the generated");
    assert_eq!(env.len(), 2);
    assert_eq!(container["envFrom"][0]["configMapRef"]["name"], "release-shop");
    assert_eq!(container["envFrom"][1]["secretRef"]["name"], "shop-extra");
    assert_eq!(pod["spec"]["volumes"][2]["name"], "cache");
}

#[test]
fn a_config_change_changes_the_pod_checksum() {
    let shop = shop_chart("helm-checksum-shop");
    let results = oracle::run(vec![
        oracle::render_validate(&shop, None),
        oracle::render_validate(&shop, Some("config:\n  storeName: Other\n")),
    ]);
    let checksum = |r: &Value| {
        object(r, "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            .clone()
    };
    assert_ne!(checksum(&results[0]), checksum(&results[1]));
}

/// Each bad values file is rejected by Helm, and the message names the key.
#[test]
fn helm_rejects_bad_values_with_a_path() {
    let shop = shop_chart("helm-bad-values-shop");
    let cases: &[(&str, &str)] = &[
        ("config:\n  httpPort: eighty\n", "httpPort"),
        ("config:\n  httpPort: 80\n", "httpPort"),
        ("config:\n  httpPort: 70000\n", "httpPort"),
        ("config:\n  storeName: \"\"\n", "storeName"),
        ("config:\n  logLevel: verbose\n", "logLevel"),
        ("config:\n  sampleRatio: 2\n", "sampleRatio"),
        ("config:\n  maxBodyBytes: 9007199254740993\n", "maxBodyBytes"),
        ("config:\n  supportEmail: not-an-address\n", "supportEmail"),
        ("config:\n  typo: 1\n", "typo"),
        ("config:\n  databaseUrl: postgres://u:p@db/shop\n", "databaseUrl"),
        ("config:\n  payments:\n    webhook-secret: s3cret\n", "webhook-secret"),
        ("config:\n  payments:\n    api-url: http://plain\n", "api-url"),
        ("config:\n  storeName: null\n", "storeName"),
        ("config:\n  \"on\": yes please\n", "on"),
        ("replicaCount: many\n", "replicaCount"),
        ("image:\n  pullPolicy: Sometimes\n", "pullPolicy"),
        ("service:\n  port: 0\n", "port"),
        ("podAnnotations:\n  a: 1\n", "podAnnotations"),
        ("unknownTopLevel: true\n", "unknownTopLevel"),
        ("secrets:\n  databaseUrl: inline\n", "databaseUrl"),
        ("secrets:\n  envVars: sometimes\n", "envVars"),
        // Kubernetes-shaped keys, checked against Kubernetes' own schemas.
        ("resources:\n  limits:\n    cpu: \"500 m\"\n", "cpu"),
        ("resources:\n  requests:\n    cpu: {}\n", "cpu"),
        ("resources:\n  limits:\n    memory: lots\n", "memory"),
        ("resources:\n  limit:\n    cpu: 1\n", "limit"),
        ("securityContext:\n  runAsUsr: 1\n", "runAsUsr"),
        ("podSecurityContext:\n  runAsUser: root\n", "runAsUser"),
        ("tolerations:\n  - effect: 3\n", "effect"),
        ("volumeMounts:\n  - name: a\n", "mountPath"),
        ("extraEnv:\n  - value: x\n", "name"),
        ("extraEnv:\n  - name: A\n    valueFrom:\n      secretKeyRef: {name: s, key: 3}\n", "key"),
        ("imagePullSecrets:\n  - regcred\n", "imagePullSecrets"),
        ("securityContext:\n  capabilities:\n    drop: ALL\n", "drop"),
        ("tolerations:\n  - tolerationSeconds: soon\n", "tolerationSeconds"),
        // Checked shallowly (field names, required fields): the API server checks the rest.
        ("affinity:\n  nodeAfinity: {}\n", "nodeAfinity"),
        ("volumes:\n  - name: a\n    emptyDir: {}\n    bogus: 1\n", "bogus"),
        ("volumes:\n  - emptyDir: {}\n", "name"),
        ("extraEnvFrom:\n  - secret:\n      name: s\n", "secret"),
        ("topologySpreadConstraints:\n  - maxSkew: 1\n", "topologyKey"),
        // HTTPGetAction requires only `port` (the path is optional).
        ("startupProbe:\n  httpGet:\n    path: /started\n", "port"),
        ("livenessProbe:\n  periodSeconds: 3000000000\n", "periodSeconds"),
    ];
    let ops =
        cases.iter().map(|(values, _)| oracle::render_validate(&shop, Some(values))).collect();
    for ((values, path), result) in cases.iter().zip(oracle::run(ops)) {
        assert_eq!(result["ok"], false, "Helm accepted {values:?}: {result:#}");
        let error = result["error"].as_str().unwrap_or_default();
        assert!(error.contains(path), "the error for {values:?} should name {path:?}: {error}");
    }
}

/// What values.schema.json checks only shallowly (docs/chart.md, "What Helm
/// checks and what the API server checks"): Helm renders these values, and
/// Kubernetes' own schemas (kubernetes-validate, strict, as the API server
/// decodes) reject the manifest, naming the field.
#[test]
fn the_api_server_rejects_what_helm_checks_shallowly() {
    let shop = shop_chart("helm-shallow-shop");
    let cases: &[(&str, &str)] = &[
        (
            "topologySpreadConstraints:\n  - {maxSkew: one, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n",
            "maxSkew",
        ),
        ("volumes:\n  - name: a\n    emptyDir: {sizeLimit: {}}\n", "sizeLimit"),
        ("volumes:\n  - name: a\n    configMap: {nme: settings}\n", "nme"),
        ("affinity:\n  nodeAffinity: {preferred: []}\n", "preferred"),
        ("extraEnvFrom:\n  - secretRef: {name: 3}\n", "name"),
        ("networkPolicy:\n  from: [{podSelector: {matchLabel: {a: b}}}]\n", "matchLabel"),
        ("networkPolicy:\n  egress: [{ports: [{prot: 53}]}]\n", "prot"),
        ("ingress:\n  enabled: true\n  tls: [{hosts: shop.example}]\n", "hosts"),
    ];
    let ops =
        cases.iter().map(|(values, _)| oracle::render_validate(&shop, Some(values))).collect();
    for ((values, field), result) in cases.iter().zip(oracle::run(ops)) {
        assert_eq!(result["error"], Value::Null, "Helm should render {values:?}: {result:#}");
        assert_eq!(result["ok"], false, "Kubernetes accepted {values:?}: {result:#}");
        let errors = result["errors"].to_string();
        assert!(errors.contains(field), "the error for {values:?} should name {field:?}: {errors}");
    }
}

#[test]
fn optional_keys_accept_null_and_global_is_allowed() {
    let shop = shop_chart("helm-null-shop");
    let values =
        "global:\n  anything: 1\nconfig:\n  supportEmail: null\n  payments:\n    retries: null\n\
        imagePullSecrets: null\nnameOverride: null\nfullnameOverride: null\npodAnnotations: null\n\
        podLabels: null\npodSecurityContext: null\nsecurityContext: null\nresources: null\n\
        nodeSelector: null\ntolerations: null\naffinity: null\nsecrets:\n  existingSecret: null\n\
        volumes: null\nvolumeMounts: null\nextraEnv: null\nextraEnvFrom: null\n\
        topologySpreadConstraints: null\nlivenessProbe: null\nreadinessProbe: null\nstartupProbe: null\n";
    let result = oracle::one(oracle::render_validate(&shop, Some(values)));
    assert_ok(&result, "null for optional keys");
    assert!(!config_data(&result).contains_key("SHOP_SUPPORT_EMAIL"));
    let container = &object(&result, "Deployment")["spec"]["template"]["spec"]["containers"][0];
    assert!(container.get("livenessProbe").is_none(), "null removes the default probe");
}

/// The Kubernetes-shaped keys take what Kubernetes takes: quantities as
/// numbers or strings, realistic scheduling, volumes and probes, `{}` and
/// `null`; Helm accepts them and the render is valid for Kubernetes 1.33.
#[test]
fn kubernetes_shaped_values_pass_and_render_valid_manifests() {
    let shop = shop_chart("helm-kube-values-shop");
    let realistic = r#"
resources:
  limits:
    cpu: 1
    memory: 128Mi
  requests:
    cpu: "500m"
    memory: 64Mi
tolerations:
  - key: dedicated
    operator: Equal
    value: shop
    effect: NoSchedule
  - key: node.kubernetes.io/unreachable
    operator: Exists
    effect: NoExecute
    tolerationSeconds: 300
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/arch
              operator: In
              values: [amd64, arm64]
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: shop
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels:
        app.kubernetes.io/name: shop
volumes:
  - name: cache
    emptyDir:
      sizeLimit: 1Gi
  - name: settings
    configMap:
      name: shop-settings
      items:
        - key: settings.toml
          path: settings.toml
volumeMounts:
  - name: cache
    mountPath: /var/cache/shop
  - name: settings
    mountPath: /etc/shop
    readOnly: true
readinessProbe:
  httpGet:
    path: /ready
    port: 8080
  periodSeconds: 5
startupProbe:
  tcpSocket:
    port: http
  failureThreshold: 30
extraEnv:
  - name: POD_NAME
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
extraEnvFrom:
  - configMapRef:
      name: shop-extra
    prefix: EXTRA_
imagePullSecrets:
  - name: regcred
"#;
    let empty = "securityContext: {}
resources: {}
livenessProbe: {}
affinity: null
";
    let results = oracle::run(vec![
        oracle::lint(&shop, Some(realistic)),
        oracle::render_validate(&shop, Some(realistic)),
        oracle::render_validate(&shop, Some("resources:\n  limits:\n    cpu: 0.5\n")),
        oracle::render_validate(&shop, Some(empty)),
    ]);
    assert_ok(&results[0], "lint with realistic values");
    assert_ok(&results[1], "render with realistic values");
    let pod = &object(&results[1], "Deployment")["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["resources"]["limits"]["cpu"], 1);
    assert_eq!(container["resources"]["requests"]["cpu"], "500m");
    assert_eq!(container["resources"]["limits"]["memory"], "128Mi");
    assert_eq!(pod["tolerations"][1]["tolerationSeconds"], 300);
    assert_eq!(
        pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
            ["weight"],
        100
    );
    assert_eq!(pod["volumes"][3]["configMap"]["name"], "shop-settings");
    assert_eq!(container["volumeMounts"][3]["readOnly"], true);
    assert_eq!(container["startupProbe"]["tcpSocket"]["port"], "http");
    assert_eq!(container["readinessProbe"]["httpGet"]["port"], 8080);
    assert_eq!(pod["imagePullSecrets"][0]["name"], "regcred");

    assert_ok(&results[2], "render with cpu: 0.5");
    let container = &object(&results[2], "Deployment")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["limits"]["cpu"], 0.5);

    assert_ok(&results[3], "render with {} and null");
    let pod = &object(&results[3], "Deployment")["spec"]["template"]["spec"];
    assert!(pod.get("affinity").is_none());
    assert_eq!(
        pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"], true,
        "{{}} keeps the defaults"
    );
}

#[test]
fn values_yaml_validates_against_its_own_schema() {
    let shop = shop_chart("helm-self-schema-shop");
    let values = std::fs::read_to_string(shop.join("values.yaml")).unwrap();
    let results = oracle::run(vec![
        oracle::jsonschema(&shop.join("values.schema.json"), &values),
        oracle::jsonschema(&shop.join("values.schema.json"), "config:\n  httpPort: 1\n"),
    ]);
    assert_ok(&results[0], "values.yaml against values.schema.json (draft-07)");
    assert_eq!(results[1]["ok"], false, "the independent validator also rejects bad values");
}

/// The committed example charts, as a user's GitOps repo would hold them.
#[test]
fn the_example_charts_lint_and_render() {
    let orders = gitops_tests::workspace().join("examples/orders/chart");
    let worker = gitops_tests::workspace().join("examples/worker/chart");
    let results = oracle::run(vec![
        oracle::lint(&orders, None),
        oracle::render_validate(&orders, None),
        oracle::render_validate(&orders, Some("config:\n  httpPort: 80\n")),
        oracle::lint(&worker, None),
        oracle::render_validate(&worker, None),
    ]);
    assert_ok(&results[0], "lint orders");
    assert_ok(&results[1], "render orders");
    assert_eq!(config_data(&results[1])["ORDERS_TRACING__OTLP_ENDPOINT"], "http://localhost:4318");
    assert_eq!(results[2]["ok"], false, "httpPort below its declared range");
    assert_ok(&results[3], "lint worker");
    assert_ok(&results[4], "render worker");
    // File delivery: the config file and the Secret's files, their paths in env vars.
    let pod = &object(&results[4], "Deployment")["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["env"][0]["name"], "WORKER_CONFIG_FILE");
    assert_eq!(container["env"][0]["value"], "/etc/worker/config.json");
    assert_eq!(container["env"][1]["value"], "/var/run/secrets/worker");
    assert!(container.get("envFrom").is_none(), "no per-key env vars");
    assert_eq!(pod["volumes"][2]["secret"]["secretName"], "release-worker");
    let file = config_data(&results[4])["config.json"].as_str().unwrap();
    let file: serde_json::Value = serde_json::from_str(file).unwrap();
    assert_eq!(file["queue"], "jobs");
}

/// A config of secrets only: no ConfigMap, no checksum, still valid.
#[test]
fn a_config_of_secrets_only_renders_valid_manifests() {
    let dir = scratch_dir("helm-secrets-only");
    Chart::new("vault")
        .image("registry.local/vault")
        .config::<SecretsOnly>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    let results = oracle::run(vec![
        oracle::lint(&dir, None),
        oracle::render_validate(&dir, None),
        oracle::render_validate(&dir, Some("podAnnotations:\n  a: b\nsecrets:\n  envVars: true\n")),
    ]);
    assert_ok(&results[0], "lint");
    assert_ok(&results[1], "render");
    assert_ok(&results[2], "render with annotations and env-var secrets");
    assert_eq!(oracle::kinds(&results[1]), ["Deployment", "NetworkPolicy", "ServiceAccount"]);
    let pod = &object(&results[2], "Deployment")["spec"]["template"];
    assert_eq!(pod["metadata"]["annotations"]["a"], "b");
    let files = &object(&results[1], "Deployment")["spec"]["template"]["spec"];
    assert_eq!(files["containers"][0]["env"][0]["name"], "VAULT_SECRETS_DIR");
    assert_eq!(files["volumes"][1]["secret"]["secretName"], "release-vault");
    let env = &pod["spec"]["containers"][0]["env"];
    assert_eq!(env[1]["name"], "VAULT_DATABASE__PASSWORD");
    assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["key"], "database.password");
}

/// values.yaml keeps every hostile default as written: Helm's YAML 1.1
/// parser reads back the exact keys and strings, through to the container.
#[test]
fn hostile_defaults_survive_helms_yaml_parser() {
    let dir = scratch_dir("helm-hostile");
    Chart::new("hostile")
        .image("registry.local/hostile")
        .config::<Hostile>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    let result = oracle::one(oracle::render_validate(&dir, None));
    assert_ok(&result, "render");
    let data = config_data(&result);
    let expected = Hostile::default();
    let entries: std::collections::BTreeMap<String, String> =
        serde_json::from_str(data["ENTRIES"].as_str().unwrap()).unwrap();
    assert_eq!(entries, expected.entries);
    let list: Vec<String> = serde_json::from_str(data["LIST"].as_str().unwrap()).unwrap();
    assert_eq!(list, expected.list);
    assert_eq!(data["WORD"], "yes");
}

/// A hostile string set by the user reaches the container unchanged through
/// the `quote` a string leaf is rendered with.
#[test]
fn hostile_strings_in_user_values_reach_the_container() {
    let dir = scratch_dir("helm-hostile-values");
    Chart::new("hostile")
        .image("registry.local/hostile")
        .config::<Hostile>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    // A double-quoted YAML string with everything outside printable ASCII escaped.
    let yaml_quoted = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                _ => out.push_str(&format!("\\u{:04X}", c as u32)),
            }
        }
        out.push('"');
        out
    };
    let strings = gitops_tests::fixtures::HOSTILE_STRINGS;
    let ops = strings
        .iter()
        .map(|s| {
            oracle::render_validate(&dir, Some(&format!("config:\n  word: {}\n", yaml_quoted(s))))
        })
        .collect();
    for (s, result) in strings.iter().zip(oracle::run(ops)) {
        assert_ok(&result, &format!("render with word {s:?}"));
        assert_eq!(config_data(&result)["WORD"], *s, "word {s:?}");
    }
}

/// The default render meets the Pod Security Standards' "restricted"
/// profile, and each control can be loosened through values.
#[test]
fn the_default_render_is_restricted_and_values_can_loosen_it() {
    let shop = shop_chart("helm-restricted-shop");
    let loosened = "podSecurityContext:\n  runAsNonRoot: false\nsecurityContext:\n  readOnlyRootFilesystem: false\n\
        serviceAccount:\n  create: false\n  automount: true\n";
    let results = oracle::run(vec![
        oracle::render_validate(&shop, None),
        oracle::render_validate(&shop, Some(loosened)),
    ]);
    assert_ok(&results[0], "default render");
    let pod = &object(&results[0], "Deployment")["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let (pod_sc, sc) = (&pod["securityContext"], &container["securityContext"]);
    assert_eq!(pod_sc["runAsNonRoot"], true);
    assert!(pod_sc["runAsUser"].as_u64().unwrap() > 0, "a non-root UID");
    assert_eq!(pod_sc["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(container["volumeMounts"][0]["mountPath"], "/tmp");
    assert_eq!(
        container["livenessProbe"]["httpGet"],
        serde_json::json!({"path": "/healthz", "port": "http"})
    );
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert!(container.get("startupProbe").is_none(), "not declared, not rendered");
    assert_eq!(pod["volumes"][0]["name"], container["volumeMounts"][0]["name"]);
    assert!(pod["volumes"][0]["emptyDir"].is_object(), "/tmp is an emptyDir");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["serviceAccountName"], "release-shop");
    // Requests for both, a memory limit, no CPU limit (it would throttle).
    for (kind, resource) in [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")] {
        assert!(container["resources"][kind][resource].is_string(), "{kind}.{resource} set");
    }
    assert!(container["resources"]["limits"].get("cpu").is_none(), "no CPU limit by default");
    let account = object(&results[0], "ServiceAccount");
    assert_eq!(account["automountServiceAccountToken"], false);

    assert_ok(&results[1], "loosened render");
    let pod = &object(&results[1], "Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], false);
    assert_eq!(pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"], false);
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert_eq!(pod["serviceAccountName"], "default");
    assert!(!oracle::kinds(&results[1]).contains(&"ServiceAccount".to_owned()));
}

/// `image.digest` pins the image by digest; a malformed digest is rejected.
#[test]
fn an_image_digest_pins_the_image() {
    let shop = shop_chart("helm-digest-shop");
    let digest = format!("sha256:{}", "ab".repeat(32));
    let results = oracle::run(vec![
        oracle::render_validate(
            &shop,
            Some(&format!("image:\n  tag: \"1.0\"\n  digest: {digest}\n")),
        ),
        oracle::render_validate(&shop, Some("image:\n  digest: latest\n")),
    ]);
    assert_ok(&results[0], "render with digest");
    let container = &object(&results[0], "Deployment")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], format!("ghcr.io/acme/shop@{digest}"));
    assert_eq!(results[1]["ok"], false, "a digest that is not sha256:<64 hex>");
    assert!(results[1]["error"].as_str().unwrap().contains("digest"), "{:#}", results[1]);
}

/// Whether `value` is a valid label value: 63 characters at most, letters,
/// digits, `-`, `_`, `.`, beginning and ending with a letter or digit.
fn is_label_value(value: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && (value.is_empty() || (alnum(value.chars().next()) && alnum(value.chars().last())))
}

/// Every object's `app.kubernetes.io/version` label, and the pod template's.
fn version_labels(result: &Value) -> Vec<Value> {
    let mut labels: Vec<Value> = result["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["object"]["metadata"]["labels"]["app.kubernetes.io/version"].clone())
        .collect();
    labels.push(
        object(result, "Deployment")["spec"]["template"]["metadata"]["labels"]
            ["app.kubernetes.io/version"]
            .clone(),
    );
    labels
}

/// The pods carry what they run: `app.kubernetes.io/version` is image.tag
/// (else appVersion) on every object, made a valid label value; the pod
/// template's annotations hold the image's tag and, when pinned, its digest.
#[test]
fn the_pods_carry_their_version_tag_and_digest() {
    let shop = shop_chart("helm-version-shop");
    let digest = format!("sha256:{}", "cd".repeat(32));
    let pinned = format!("image:\n  tag: \"1.4.2\"\n  digest: {digest}\n");
    let long = format!("{}-{}", "a".repeat(62), "b".repeat(40));
    let cases: [(&str, &str); 5] = [
        ("_build.7-", "build.7"),
        ("1.0+meta", "1.0_meta"),
        ("___", ""),
        (&long, &"a".repeat(62)),
        ("v2", "v2"),
    ];
    let mut ops = vec![
        oracle::render_validate(&shop, None),
        oracle::render_validate(&shop, Some(&pinned)),
        oracle::lint(&shop, Some(&pinned)),
    ];
    for (tag, _) in &cases {
        ops.push(oracle::render_validate(&shop, Some(&format!("image:\n  tag: {tag:?}\n"))));
    }
    let results = oracle::run(ops);

    assert_ok(&results[0], "defaults");
    assert!(version_labels(&results[0]).iter().all(|v| v == "0.1.0"), "appVersion by default");
    let pod = &object(&results[0], "Deployment")["spec"]["template"]["metadata"];
    assert_eq!(pod["annotations"]["gitops-rs.io/image-tag"], "0.1.0");
    assert!(pod["annotations"].get("gitops-rs.io/image-digest").is_none(), "{pod:#}");

    assert_ok(&results[1], "a pinned image");
    assert!(version_labels(&results[1]).iter().all(|v| v == "1.4.2"), "the tag, everywhere");
    let pod = &object(&results[1], "Deployment")["spec"]["template"]["metadata"];
    assert_eq!(pod["annotations"]["gitops-rs.io/image-tag"], "1.4.2");
    assert_eq!(pod["annotations"]["gitops-rs.io/image-digest"], digest.as_str());
    assert!(pod["annotations"]["checksum/config"].is_string(), "the checksum stays: {pod:#}");
    assert_ok(&results[2], "lint --strict with a pinned image");

    for ((tag, label), result) in cases.iter().zip(&results[3..]) {
        assert_ok(result, tag);
        for value in version_labels(result) {
            if label.is_empty() {
                assert!(value.is_null(), "no label from {tag:?}: {value}");
            } else {
                assert_eq!(value, *label, "{tag:?}");
                assert!(is_label_value(value.as_str().unwrap()), "{value}");
            }
        }
        let pod = &object(result, "Deployment")["spec"]["template"]["metadata"];
        assert_eq!(pod["annotations"]["gitops-rs.io/image-tag"], *tag, "the tag itself");
    }
}

#[test]
fn the_label_value_check_refuses_what_kubernetes_refuses() {
    for good in ["", "a", "1.0_meta", "v2-rc.1", &"a".repeat(63)] {
        assert!(is_label_value(good), "{good}");
    }
    for bad in ["_a", "a-", "a+b", "a:b", &"a".repeat(64)] {
        assert!(!is_label_value(bad), "{bad}");
    }
}

/// NOTES.txt tells the installer how to reach the app, which Secret keys it
/// needs and how the pods wait for them: as files (ContainerCreating) by
/// default, as env vars (CreateContainerConfigError) with `secrets.envVars`,
/// not at all when every key is optional.
#[test]
fn notes_name_the_port_forward_and_the_secret_keys() {
    let shop = shop_chart("helm-notes-shop");
    let relay = scratch_dir("helm-notes-relay");
    Chart::new("relay")
        .image("registry.local/relay")
        .config::<Relay>()
        .write(&Outputs::chart(&relay))
        .unwrap();
    let render = |chart: &PathBuf, values: Option<&str>| json!({"op": "render", "chart": chart, "values_yaml": values, "name": "release", "namespace": "shop"});
    let results = oracle::run(vec![
        render(&shop, None),
        render(&shop, Some("secrets:\n  envVars: true\n")),
        render(&relay, None),
        render(&relay, Some("secrets:\n  envVars: true\n")),
    ]);
    let notes: Vec<&str> = results
        .iter()
        .map(|r| {
            assert_ok(r, "render");
            let (name, manifests) = r["manifests"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(k, _)| k.ends_with("/NOTES.txt"))
                .expect("NOTES.txt rendered");
            manifests.as_str().unwrap_or_else(|| panic!("{name}"))
        })
        .collect();
    let files = notes[0];
    assert!(files.starts_with("release-shop is deployed to namespace shop."), "{files}");
    assert!(files.contains("port-forward service/release-shop 8080:80"), "{files}");
    assert!(files.contains("Secret release-shop"), "{files}");
    for key in ["databaseUrl", "adminApiKey (optional)", "payments.webhook-secret"] {
        assert!(files.contains(key), "{key} in {files}");
    }
    assert!(files.ends_with("They arrive as files in /var/run/secrets/shop: pods stay in ContainerCreating until it exists; a\nrequired key missing from it stops the app at start-up with an error naming the key.\n"), "{files}");
    assert!(notes[1].ends_with("They arrive as env vars (secrets.envVars): pods stay in CreateContainerConfigError until it exists\nwith every required key.\n"), "{}", notes[1]);
    assert!(notes[2].ends_with("  upstreamToken (optional)\nEvery key is optional: the pods start without it.\nThey arrive as files in /var/run/secrets/relay.\n"), "{}", notes[2]);
    assert!(
        notes[3]
            .ends_with("the pods start without it.\nThey arrive as env vars (secrets.envVars).\n"),
        "{}",
        notes[3]
    );
}

/// Where the struct declares no HTTP path, liveness and readiness are TCP
/// connects to the first port, so every app with a port is probed; a path
/// for one probe leaves the other a TCP connect. A handler in values
/// replaces the default's (Helm would otherwise merge the two, which
/// Kubernetes refuses), other settings merge into it, and `null` turns a
/// probe off.
#[test]
fn probes_default_to_tcp_connects_where_no_path_is_declared() {
    let write = |name: &str, chart: Chart| {
        let dir = scratch_dir(&format!("helm-probes-{name}"));
        chart.image("registry.local/app").write(&Outputs::chart(&dir)).unwrap();
        dir
    };
    let echo = write("echo", Chart::new("echo").config::<Echo>());
    let gateway = write("gateway", Chart::new("gateway").config::<Gateway>());
    let relay = write("relay", Chart::new("relay").config::<Relay>());
    let replaced = "livenessProbe:\n  httpGet:\n    path: /health\n    port: web\n  periodSeconds: 3\nreadinessProbe:\n  exec:\n    command: [cat, /tmp/ready]\n";
    let results = oracle::run(vec![
        oracle::render_validate(&echo, None),
        oracle::render_validate(&gateway, None),
        oracle::render_validate(&relay, None),
        oracle::lint(&echo, Some(replaced)),
        oracle::render_validate(&echo, Some(replaced)),
        oracle::render_validate(
            &echo,
            Some("livenessProbe: null\nreadinessProbe:\n  periodSeconds: 2\n"),
        ),
        oracle::render_validate(&gateway, Some("livenessProbe:\n  tcpSocket:\n    port: admin\n")),
    ]);
    let probes = |i: usize| {
        assert_ok(&results[i], &format!("render {i}"));
        let c = &object(&results[i], "Deployment")["spec"]["template"]["spec"]["containers"][0];
        (
            c.get("livenessProbe").cloned(),
            c.get("readinessProbe").cloned(),
            c.get("startupProbe").cloned(),
        )
    };
    let tcp = |port: &str| Some(json!({"tcpSocket": {"port": port}}));
    let http = |path: &str, port: &str| Some(json!({"httpGet": {"path": path, "port": port}}));
    assert_eq!(probes(0), (tcp("web"), tcp("web"), None), "no path: TCP connects");
    assert_eq!(probes(1), (http("/livez", "proxy"), tcp("proxy"), None), "liveness path only");
    assert_eq!(probes(2), (tcp("http"), http("/ready", "http"), None), "readiness path only");
    assert_ok(&results[3], "lint with replaced probes");
    assert_eq!(
        probes(4),
        (
            Some(json!({"httpGet": {"path": "/health", "port": "web"}, "periodSeconds": 3})),
            Some(json!({"exec": {"command": ["cat", "/tmp/ready"]}})),
            None
        ),
        "a handler from values replaces the default's"
    );
    assert_eq!(
        probes(5),
        (None, Some(json!({"tcpSocket": {"port": "web"}, "periodSeconds": 2})), None),
        "null turns a probe off; settings merge into the default"
    );
    assert_eq!(probes(6).0, tcp("admin"), "an HTTP default gives way too");
}

/// Without generated entries, `env`/`envFrom` appear only when the user adds some.
#[test]
fn extra_env_lists_appear_only_when_set() {
    let dir = scratch_dir("helm-extra-env");
    Chart::new("vault")
        .image("registry.local/vault")
        .config::<SecretsOnly>()
        .write(&Outputs::chart(&dir))
        .unwrap();
    let worker = scratch_dir("helm-extra-env-worker");
    Chart::new("worker")
        .image("registry.local/worker")
        .config::<Worker>()
        .write(&Outputs::chart(&worker))
        .unwrap();
    let extra = "extraEnv:\n  - name: A\n    value: b\nextraEnvFrom:\n  - configMapRef:\n      name: more\n";
    let results = oracle::run(vec![
        oracle::render_validate(&dir, None),
        oracle::render_validate(&dir, Some(extra)),
        oracle::render_validate(&worker, None),
        oracle::render_validate(&worker, Some(extra)),
    ]);
    let container =
        |r: &Value| object(r, "Deployment")["spec"]["template"]["spec"]["containers"][0].clone();
    for r in &results {
        assert_ok(r, "render");
    }
    assert!(container(&results[0]).get("envFrom").is_none(), "secrets only: no ConfigMap");
    assert_eq!(container(&results[1])["envFrom"][0]["configMapRef"]["name"], "more");
    assert!(container(&results[2]).get("env").is_none(), "worker: no secrets");
    assert_eq!(container(&results[3])["env"][0]["name"], "A");
    assert_eq!(container(&results[3])["envFrom"].as_array().unwrap().len(), 2);
}

/// The PodDisruptionBudget: off by default, valid when on, either bound.
#[test]
fn a_pod_disruption_budget_renders_when_enabled() {
    let shop = shop_chart("helm-pdb-shop");
    let results = oracle::run(vec![
        oracle::render_validate(&shop, None),
        oracle::render_validate(&shop, Some("podDisruptionBudget:\n  enabled: true\n")),
        oracle::render_validate(
            &shop,
            Some("podDisruptionBudget:\n  enabled: true\n  maxUnavailable: 25%\n"),
        ),
        oracle::render_validate(
            &shop,
            Some("podDisruptionBudget:\n  enabled: true\n  minAvailable: most\n"),
        ),
        oracle::render_validate(
            &shop,
            Some("podDisruptionBudget:\n  enabled: true\n  maxUnavailable: 0\n"),
        ),
    ]);
    for r in &results[..3] {
        assert_ok(r, "render");
    }
    assert!(
        !oracle::kinds(&results[0]).contains(&"PodDisruptionBudget".to_owned()),
        "off by default"
    );
    let spec = &object(&results[1], "PodDisruptionBudget")["spec"];
    assert_eq!(spec["minAvailable"], 1);
    assert!(spec.get("maxUnavailable").is_none());
    assert_eq!(spec["selector"]["matchLabels"]["app.kubernetes.io/instance"], "release");
    let spec = &object(&results[2], "PodDisruptionBudget")["spec"];
    assert_eq!(spec["maxUnavailable"], "25%");
    assert!(spec.get("minAvailable").is_none());
    assert_eq!(
        object(&results[4], "PodDisruptionBudget")["spec"]["maxUnavailable"],
        0,
        "0 is a bound too"
    );
    assert_eq!(results[3]["ok"], false, "minAvailable must be a number or a percentage");
    assert!(results[3]["error"].as_str().unwrap().contains("minAvailable"), "{:#}", results[3]);
}
