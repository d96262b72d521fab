//! What a production service needs beside its Deployment, with real Helm
//! and the controllers' own rules (each test names the upstream file it
//! comes from): the canary Rollout (Argo Rollouts and its Gateway API
//! plugin), an operator's CRDs (Helm's install) and RBAC (Kubernetes).

use gitops_gen::{Canary, Chart, Outputs, Rbac, Rule};
use gitops_tests::fixtures::{CartOperator, Shop, Worker};
use gitops_tests::oracle::{self, object};
use gitops_tests::{pod, scratch_dir};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionSpec,
    CustomResourceDefinitionVersion, CustomResourceSubresourceStatus, CustomResourceSubresources,
    CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn orders() -> PathBuf {
    gitops_tests::workspace().join("examples/orders/chart")
}

/// The Secret an operator would have created, for the pod simulation.
fn secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "release-orders"},
        "stringData": {"databaseUrl": "postgres://orders@db/orders"}})
}

#[test]
fn the_canary_rollout_runs_the_deployments_pod() {
    let deployed = oracle::rendered(&orders(), "");
    let released = oracle::rendered(&orders(), "canary:\n  enabled: true\n");
    assert!(oracle::objects(&released, "Deployment").is_empty(), "the Rollout replaces it");
    let (deployment, rollout) = (object(&deployed, "Deployment"), object(&released, "Rollout"));
    for field in ["replicas", "revisionHistoryLimit", "selector", "template"] {
        assert_eq!(rollout["spec"][field], deployment["spec"][field], "spec.{field}");
    }
    // What the kubelet makes of each pod template: the same environment and files.
    let objects = |result: &Value| -> Vec<Value> {
        result["objects"].as_array().unwrap().iter().map(|o| o["object"].clone()).collect()
    };
    let deployment_pod = pod::simulate_kind(&objects(&deployed), &[secret()], "Deployment");
    let rollout_pod = pod::simulate_kind(&objects(&released), &[secret()], "Rollout");
    assert_eq!(rollout_pod.expect("the canary pod starts"), deployment_pod.unwrap());
    // By replicas: no HTTPRoute, so no canary Service and no traffic routing.
    let canary = &rollout["spec"]["strategy"]["canary"];
    assert!(canary.get("trafficRouting").is_none() && canary.get("canaryService").is_none());
    assert_eq!(oracle::objects(&released, "Service").len(), 1);
    assert_eq!(
        canary["steps"],
        json!([{"setWeight": 33}, {"pause": {"duration": "10m"}}, {"setWeight": 66}, {"pause": {"duration": "10m"}}]),
        "the steps of deploy.rs"
    );
    // The autoscaler scales what runs the pods.
    let scaled =
        oracle::rendered(&orders(), "canary:\n  enabled: true\nautoscaling:\n  enabled: true\n");
    let target = &object(&scaled, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"];
    assert_eq!(
        *target,
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "release-orders"})
    );
    assert!(object(&scaled, "Rollout")["spec"].get("replicas").is_none());
}

/// The canary by HTTPRoute, against the rules Argo Rollouts and its
/// Gateway API plugin enforce.
#[test]
fn the_canary_meets_argo_rollouts_rules() {
    let values = "canary:\n  enabled: true\n  analysis:\n    enabled: true\n    query: 'sum(rate(x{pod=~\".*-{{args.canary-hash}}-.*\"}[2m]))'\nhttpRoute:\n  enabled: true\n  rules: [{matches: [{path: {type: PathPrefix, value: /api}}]}, {}]\nmetrics:\n  scrape: serviceMonitor\n";
    let result = oracle::rendered(&orders(), values);
    let rollout = object(&result, "Rollout");
    let spec = &rollout["spec"];
    let canary = &spec["strategy"]["canary"];
    let services = oracle::objects(&result, "Service");
    let named = |name: &Value| {
        *services
            .iter()
            .find(|s| s["metadata"]["name"] == *name)
            .unwrap_or_else(|| panic!("no Service {name}"))
    };
    let (stable, canary_service) =
        (named(&canary["stableService"]), named(&canary["canaryService"]));

    // argo-rollouts pkg/apis/rollouts/validation/validation.go
    // (ValidateRolloutStrategyCanary): the two Services differ.
    assert_ne!(canary["stableService"], canary["canaryService"]);
    // validation.go (ValidateRolloutSpec, then Kubernetes'
    // ValidatePodTemplateSpecForReplicaSet): a selector that the pod
    // template's labels match.
    let labels = &spec["template"]["metadata"]["labels"];
    let selected = |selector: &Value| {
        selector.as_object().unwrap().iter().all(|(key, value)| &labels[key] == value)
    };
    assert!(selected(&spec["selector"]["matchLabels"]));
    // validation_references.go (ValidateService): every key of each
    // Service's selector (but the hash the controller adds) is a pod label.
    // rollout/service.go (ensureSVCTargets) only adds that hash: the
    // controller never creates a Service, so both are rendered.
    assert!(selected(&stable["spec"]["selector"]) && selected(&canary_service["spec"]["selector"]));
    assert_eq!(stable["spec"]["ports"], canary_service["spec"]["ports"]);
    // The canary's Service is in-cluster only, whatever the Service's type.
    assert_eq!(canary_service["spec"]["type"], "ClusterIP");
    assert_eq!(canary_service["metadata"]["labels"]["app.kubernetes.io/component"], "canary");

    // rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/plugin.go reads
    // the plugin's settings under `argoproj-labs/gatewayAPI`; httproute.go
    // (setHTTPRouteWeight) fails unless each rule sends to both Services by
    // name, and sets their weights itself.
    let route = object(&result, "HTTPRoute");
    let plugin = &canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"];
    assert_eq!(plugin["httpRoute"], route["metadata"]["name"]);
    assert_eq!(plugin["namespace"], route["metadata"]["namespace"]);
    let rules = route["spec"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    for rule in rules {
        let backends: Vec<&Value> =
            rule["backendRefs"].as_array().unwrap().iter().map(|b| &b["name"]).collect();
        assert_eq!(backends, [&canary["stableService"], &canary["canaryService"]]);
        assert!(
            rule["backendRefs"].as_array().unwrap().iter().all(|b| b.get("weight").is_none()),
            "weights are the plugin's: {rule}"
        );
    }

    // validation_references.go (ValidateAnalysisTemplateWithType): every
    // argument of the template without a value is one the Rollout passes.
    let template = object(&result, "AnalysisTemplate");
    let analysis = &canary["analysis"];
    assert_eq!(analysis["templates"], json!([{"templateName": template["metadata"]["name"]}]));
    let names = |args: &Value| -> Vec<Value> {
        args.as_array().unwrap().iter().map(|a| a["name"].clone()).collect()
    };
    assert_eq!(names(&template["spec"]["args"]), names(&analysis["args"]));
    // rollout/analysis.go (reconcileBackgroundAnalysisRun) starts the run at
    // `startingStep`: the first weighted step, as the canary gets traffic.
    assert_eq!(analysis["startingStep"], 0);
    assert_eq!(spec["strategy"]["canary"]["steps"][0], json!({"setWeight": 33}));
    // utils/analysis/factory.go (ValidateMetric): a metric without `count`
    // runs until the rollout ends, once per interval.
    let metric = &template["spec"]["metrics"][0];
    assert!(metric.get("count").is_none());
    assert_eq!(metric["interval"], "1m");

    // While the canary runs, rollout/service.go (ensureSVCTargets) points the
    // stable Service at the stable pods alone and the canary's at its own:
    // the ServiceMonitor selects both Services, so the canary's pods are
    // scraped and the analysis has series to judge.
    let monitor = &object(&result, "ServiceMonitor")["spec"]["selector"];
    for service in [stable, canary_service] {
        let labels = &service["metadata"]["labels"];
        assert!(
            monitor["matchLabels"].as_object().unwrap().iter().all(|(k, v)| &labels[k] == v),
            "{service}"
        );
    }
    assert!(monitor.get("matchExpressions").is_none());

    // No query: the render fails naming the key, not at the first analysis.
    let refused = oracle::one(oracle::render_validate(
        &orders(),
        Some("canary:\n  enabled: true\n  analysis:\n    enabled: true\n"),
    ));
    assert_eq!(refused["ok"], false);
    assert!(
        refused["error"].as_str().unwrap().contains("canary.analysis.query is empty"),
        "{refused}"
    );
}

/// The canary Service's name stays a distinct DNS label however long the
/// full name; a config without a port releases by replicas alone.
#[test]
fn the_canary_fits_any_name_and_any_config() {
    let long = "a".repeat(63);
    let values = format!(
        "fullnameOverride: {long}\ncanary:\n  enabled: true\nhttpRoute:\n  enabled: true\n"
    );
    let result = oracle::rendered(&orders(), &values);
    let mut names: Vec<&str> = oracle::objects(&result, "Service")
        .iter()
        .map(|s| s["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{}-canary", "a".repeat(56)).as_str(), &long]);

    let dir = scratch_dir("production-canary-worker");
    Chart::new("worker")
        .image("ghcr.io/acme/worker")
        .config::<Worker>()
        .canary(Canary::new().pause("1m").set_weight(50).pause("10m"))
        .write(&Outputs::chart(&dir))
        .unwrap();
    let results = oracle::run(vec![
        oracle::lint(&dir, Some("canary:\n  enabled: true\n")),
        oracle::render_validate(&dir, Some("canary:\n  enabled: true\n")),
        oracle::render_validate(&dir, Some("httpRoute:\n  enabled: true\n")),
    ]);
    assert_eq!(results[0]["ok"], true, "{:#}", results[0]);
    assert_eq!(results[1]["ok"], true, "{:#}", results[1]);
    let canary = &object(&results[1], "Rollout")["spec"]["strategy"]["canary"];
    assert_eq!(
        *canary,
        json!({"steps": [{"pause": {"duration": "1m"}}, {"setWeight": 50}, {"pause": {"duration": "10m"}}]})
    );
    assert!(oracle::objects(&results[1], "Service").is_empty());
    assert_eq!(results[2]["ok"], false, "no port, no HTTPRoute key");
}

/// The CRD kube's `CustomResource::crd()` would give for a `Cart`, built
/// with the same k8s-openapi type.
fn cart_crd() -> CustomResourceDefinition {
    let string = || JSONSchemaProps { type_: Some("string".into()), ..Default::default() };
    let properties = |pairs: Vec<(&str, JSONSchemaProps)>| {
        Some(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<BTreeMap<_, _>>())
    };
    let object = |props| JSONSchemaProps {
        type_: Some("object".into()),
        properties: props,
        ..Default::default()
    };
    CustomResourceDefinition {
        metadata: ObjectMeta { name: Some("carts.shop.example.com".into()), ..Default::default() },
        spec: CustomResourceDefinitionSpec {
            group: "shop.example.com".into(),
            names: CustomResourceDefinitionNames {
                kind: "Cart".into(),
                plural: "carts".into(),
                singular: Some("cart".into()),
                list_kind: Some("CartList".into()),
                ..Default::default()
            },
            scope: "Namespaced".into(),
            versions: vec![CustomResourceDefinitionVersion {
                name: "v1".into(),
                served: true,
                storage: true,
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(object(properties(vec![
                        ("spec", object(properties(vec![("customer", string())]))),
                        ("status", object(properties(vec![("phase", string())]))),
                    ]))),
                }),
                subresources: Some(CustomResourceSubresources {
                    status: Some(CustomResourceSubresourceStatus(json!({}))),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    }
}

fn cart_rbac() -> Rbac {
    Rbac::new()
        .cluster_rule(Rule::new(["shop.example.com"], ["carts"], ["get", "list", "watch"]))
        .cluster_rule(Rule::new(["shop.example.com"], ["carts/status"], ["get", "patch", "update"]))
        .rule(
            Rule::new(["coordination.k8s.io"], ["leases"], ["get", "create", "update"])
                .resource_names(["carts-leader"]),
        )
}

fn operator() -> Chart {
    Chart::new("carts")
        .image("ghcr.io/acme/carts")
        .config::<CartOperator>()
        .crd(cart_crd())
        .rbac(cart_rbac())
}

#[test]
fn the_operator_ships_its_crd_and_rbac() {
    let dir = scratch_dir("production-operator");
    operator().write(&Outputs::chart(&dir)).unwrap();
    assert!(dir.join("crds/carts.shop.example.com.yaml").is_file());
    let bare = scratch_dir("production-operator-bare");
    Chart::new("carts")
        .image("ghcr.io/acme/carts")
        .config::<CartOperator>()
        .write(&Outputs::chart(&bare))
        .unwrap();
    let results = oracle::run(vec![
        oracle::lint(&dir, None),
        oracle::render_validate(&dir, None),
        json!({"op": "crds", "chart": dir, "version": oracle::KUBE_VERSION}),
        oracle::render_validate(&dir, Some("rbac:\n  create: false\n")),
        oracle::render_validate(&bare, None),
        oracle::render_validate(&dir, Some("serviceAccount:\n  create: false\n")),
        oracle::render_validate(
            &dir,
            Some("serviceAccount:\n  create: false\n  name: carts-operator\n"),
        ),
    ]);
    let [lint, rendered, crds, no_rbac, without_rules, unnamed, named] = &results[..] else {
        unreachable!()
    };
    // Without an account of the chart's, the rules would bind `default`,
    // and so every pod of the namespace: refused, naming the keys.
    assert_eq!(unnamed["ok"], false);
    assert!(
        unnamed["error"].as_str().unwrap().contains("serviceAccount.name is empty"),
        "{unnamed}"
    );
    assert_eq!(object(named, "RoleBinding")["subjects"][0]["name"], "carts-operator");
    assert_eq!(lint["ok"], true, "{lint:#}");
    assert_eq!(rendered["ok"], true, "{rendered:#}");

    // helm pkg/action/install.go (Install.RunWithContext, installCRDs): the
    // chart's CRDObjects are created before any template is rendered, and
    // they are never templated; the CRD is valid as Kubernetes reads it and
    // is the very value the Rust type serialized.
    assert_eq!(crds["ok"], true, "{crds:#}");
    let installed: Vec<&Value> =
        crds["objects"].as_array().unwrap().iter().map(|o| &o["object"]).collect();
    assert_eq!(installed, [&serde_json::to_value(cart_crd()).unwrap()]);
    assert!(oracle::objects(rendered, "CustomResourceDefinition").is_empty());

    // Each binding binds its role to the pods' ServiceAccount; the
    // ClusterRole's name, shared by the whole cluster, carries the namespace.
    let account = &object(rendered, "ServiceAccount")["metadata"];
    let subject = json!([{"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}]);
    for (role, binding) in [("Role", "RoleBinding"), ("ClusterRole", "ClusterRoleBinding")] {
        let (role, binding) = (object(rendered, role), object(rendered, binding));
        assert_eq!(binding["subjects"], subject, "{binding}");
        assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
        assert_eq!(binding["roleRef"]["kind"], role["kind"]);
    }
    let cluster_role = &object(rendered, "ClusterRole")["metadata"];
    assert_eq!(cluster_role["name"], "shop-release-carts");
    assert!(cluster_role.get("namespace").is_none());
    assert_eq!(
        object(rendered, "Role")["rules"],
        json!([{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["carts-leader"], "verbs": ["get", "create", "update"]}])
    );
    assert_eq!(object(rendered, "ClusterRole")["rules"][1]["resources"], json!(["carts/status"]));

    // Its one port serves both the health checks and the metrics: the
    // NetworkPolicy admits `from` (anywhere by default) and `metricsFrom`.
    assert_eq!(
        object(rendered, "NetworkPolicy")["spec"]["ingress"],
        json!([
            {"ports": [{"port": "http", "protocol": "TCP"}]},
            {"ports": [{"port": "http", "protocol": "TCP"}], "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]},
        ])
    );

    // The token is mounted because the app calls the API; without rules it is not.
    let token = |result: &Value| {
        object(result, "Deployment")["spec"]["template"]["spec"]["automountServiceAccountToken"]
            .clone()
    };
    assert_eq!(token(rendered), true);
    assert_eq!(without_rules["ok"], true);
    assert_eq!(token(without_rules), false);
    assert!(oracle::objects(without_rules, "Role").is_empty());
    for kind in ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"] {
        assert!(oracle::objects(no_rbac, kind).is_empty(), "rbac.create: false leaves out {kind}");
    }
}

/// Each builder mistake fails generation naming its setting, and nothing is
/// written.
#[test]
fn bad_builder_input_is_refused_by_name_and_nothing_is_written() {
    let mut regrouped = cart_crd();
    regrouped.spec.group = "shop.example.org".into();
    let mut config_map = serde_json::to_value(cart_crd()).unwrap();
    config_map["kind"] = json!("ConfigMap");
    let shop = || Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>();
    // The same CRD as a file of a `Chart::crds` directory, under another name.
    let crds_dir = scratch_dir("production-crds-dir");
    let yaml = yaml_serde::to_string(&cart_crd()).unwrap();
    std::fs::write(crds_dir.join("cart.yaml"), yaml).unwrap();
    let cases: Vec<(&str, Chart, &str, &[&str])> = vec![
        (
            "crd group",
            operator().crd(regrouped),
            "Chart.crd",
            &["carts.shop.example.com", "carts.shop.example.org"],
        ),
        (
            "not a crd",
            operator().crd(config_map),
            "Chart.crd",
            &["not an apiextensions.k8s.io/v1 CustomResourceDefinition"],
        ),
        (
            "same crd twice",
            operator().crd(cart_crd()),
            "Chart.crd",
            &["CRD \"carts.shop.example.com\" is defined twice"],
        ),
        (
            "a crd also in crds/",
            operator().crds(&crds_dir),
            "Chart.crd",
            &["defined twice (crds/cart.yaml and crds/carts.shop.example.com.yaml)"],
        ),
        (
            "unknown verb",
            operator().rbac(Rbac::new().rule(Rule::new([""], ["configmaps"], ["get", "lsit"]))),
            "Rbac.rule[0]",
            &["unknown verb \"lsit\" (did you mean \"list\"?)"],
        ),
        (
            "empty rule",
            operator().rbac(Rbac::new().cluster_rule(Rule::new(
                [""],
                Vec::<String>::new(),
                ["get"],
            ))),
            "Rbac.cluster_rule[0]",
            &["no resource"],
        ),
        ("no rules", operator().rbac(Rbac::new()), "Rbac", &["no rule"]),
        (
            "canary without steps",
            shop().canary(Canary::new()),
            "Canary",
            &["no step with a weight below 100"],
        ),
        (
            "all at once",
            shop().canary(Canary::new().set_weight(100)),
            "Canary",
            &["no step with a weight below 100"],
        ),
        (
            "weights down",
            shop().canary(Canary::new().set_weight(50).pause("5m").set_weight(25)),
            "Canary",
            &["weights must increase: 25 comes after 50"],
        ),
        (
            "bad pause",
            shop().canary(Canary::new().set_weight(50).pause("5 minutes")),
            "Canary",
            &["\"5 minutes\""],
        ),
    ];
    for (case, chart, key, expected) in cases {
        let dir = scratch_dir("production-refused").join(case.replace(' ', "-"));
        let err = chart.write(&Outputs::chart(&dir)).expect_err(case);
        let gitops_gen::Error::InvalidChart(problem) = &err else { panic!("{case}: {err:?}") };
        assert_eq!(problem.key.as_deref(), Some(key), "{case}: {err}");
        for text in expected {
            assert!(err.to_string().contains(text), "{case}: {text:?} not in: {err}");
        }
        assert!(!dir.exists(), "{case}: nothing is written");
    }
}
