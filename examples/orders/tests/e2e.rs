//! End to end: the orders binary runs with the environment and files that
//! Helm's render of its own chart gives the container (real Helm, then the
//! kubelet's part simulated by `gitops_tests::pod`), answers its probes and a
//! request that depends on a config value, and stops cleanly within the
//! rendered grace period on SIGTERM. A bad value makes it exit with status 1
//! and a message naming the variable. `GET /version` and the start-up log
//! name the commit git has checked out (the binary was built from it).

use gitops_tests::{oracle, pod, scratch_dir};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn chart() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chart")
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The container's environment for these values in release `orders` (the
/// most natural name, so the chart's own Service is `orders` and its links
/// share the app's prefix), with the Secret an operator would have created
/// and the app's database Service beside it; and the rendered Deployment.
fn pod_env(values: &str, scratch: &str) -> (BTreeMap<String, String>, Value) {
    let rendered = oracle::one(json!({
        "op": "render", "chart": chart(), "values_yaml": values, "name": "orders", "namespace": "shop",
    }));
    assert_eq!(rendered["ok"], true, "{rendered:#}");
    let objects: Vec<Value> =
        rendered["objects"].as_array().unwrap().iter().map(|o| o["object"].clone()).collect();
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "orders"},
        "stringData": {"databaseUrl": "postgres://orders@db/orders"},
    });
    let database = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "orders-db"},
        "spec": {"ports": [{"name": "postgres", "port": 5432}]},
    });
    let pod = pod::simulate(&objects, &[secret, database]).expect("the pod starts");
    let env = pod.materialize(&scratch_dir(scratch));
    let deployment = objects.into_iter().find(|o| o["kind"] == "Deployment").unwrap();
    (env, deployment)
}

fn start(env: &BTreeMap<String, String>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_orders"))
        .env_clear()
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start orders")
}

/// `GET path` over HTTP/1.1: (status, body).
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Ok((status, body))
}

#[test]
fn the_service_runs_on_what_its_chart_delivers() {
    let (port, metrics_port) = (free_port(), free_port());
    // Service links on, as a cluster without the chart's default has them.
    let values = format!(
        "enableServiceLinks: true\nconfig:\n  httpPort: {port}\n  metricsPort: {metrics_port}\n  greeting: \"yes: {{{{ hello }}}}\"\n  shutdownTimeoutSeconds: 3\n"
    );
    let (env, deployment) = pod_env(&values, "e2e-orders-runs");
    assert_eq!(env["ORDERS_HTTP_PORT"], port.to_string());
    for link in ["ORDERS_SERVICE_HOST", "ORDERS_PORT", "ORDERS_PORT_80_TCP_ADDR", "ORDERS_DB_PORT"]
    {
        assert!(env.contains_key(link), "the kubelet's link {link} is in the environment");
    }
    // The Secret arrives as files (the chart's default), their directory for the loader.
    assert!(!env.contains_key("ORDERS_DATABASE_URL"), "no secret in the environment");
    let secret_file = std::path::Path::new(&env["ORDERS_SECRETS_DIR"]).join("databaseUrl");
    assert_eq!(std::fs::read_to_string(secret_file).unwrap(), "postgres://orders@db/orders");
    let grace =
        deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert_eq!(grace, 5 + 3 + 5, "preStop sleep + shutdown timeout + slack");

    let mut child = start(&env);
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(port, "/healthz").is_err() {
        assert!(Instant::now() < deadline, "orders did not start listening");
        assert!(child.try_wait().unwrap().is_none(), "orders exited early");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(port, "/healthz").unwrap().0, 200);
    assert_eq!(get(port, "/readyz").unwrap().0, 200);
    let (status, body) = get(port, "/").unwrap();
    assert_eq!((status, body.as_str()), (200, "yes: {{ hello }}"), "the greeting from values");
    let (status, body) = get(port, "/version").unwrap();
    assert_eq!(status, 200, "{body}");
    let version: Value = serde_json::from_str(&body).unwrap();
    let head = git(&["rev-parse", "HEAD"]);
    assert_eq!(version["commit"], head, "the commit checked out: {version}");
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    assert!(version["dirty"].is_boolean(), "{version}");
    // Prometheus scrapes where the chart's annotations say: the app counted
    // the requests above (/ and /version, 2xx; the probes are not counted).
    let scrape = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(scrape["prometheus.io/scrape"], "true");
    assert_eq!(scrape["prometheus.io/port"], metrics_port.to_string());
    let (status, body) = get(metrics_port, scrape["prometheus.io/path"].as_str().unwrap()).unwrap();
    assert_eq!(status, 200, "{body}");
    let served: u64 = body
        .lines()
        .find_map(|line| line.strip_prefix("orders_http_requests_total{code=\"2xx\"} "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request counter: {body}"));
    assert_eq!(served, 2, "{body}");
    if std::env::var_os("SOURCE_DATE_EPOCH").is_none_or(|v| v.is_empty()) {
        // The commit's date in UTC, as git formats it.
        let date =
            git(&["show", "-s", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", "--format=%cd", "HEAD"]);
        assert_eq!(version["builtAt"], date, "the source date is the commit's: {version}");
    }

    // SIGTERM, as the kubelet sends it after the preStop sleep.
    let stopped_at = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(grace),
            "not stopped within the grace period"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "a clean exit: {status}");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let logged = format!("orders: version {} (commit {head}", env!("CARGO_PKG_VERSION"));
    assert!(stderr.contains(&logged), "the start-up log names the build: {stderr}");
}

/// `git ARGS` in this package's checkout, in UTC; the test fails without git.
fn git(args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TZ", "UTC")
        .output()
        .expect("git is needed to check the binary's provenance: install git");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_bad_value_stops_it_with_the_variable_named() {
    let (mut env, _) =
        pod_env("enableServiceLinks: true\nconfig:\n  httpPort: 8080\n", "e2e-orders-bad");
    env.insert("ORDERS_HTTP_PORT".into(), "eighty".into());
    env.insert("ORDERS_GREETNG".into(), "typo".into());
    env.insert("ORDERS_HTTP_PROT".into(), "8080".into());
    let output = start(&env).wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ORDERS_HTTP_PORT") && stderr.contains("httpPort"), "{stderr}");
    assert!(stderr.contains("ORDERS_GREETNG"), "the typo is reported too: {stderr}");
    assert!(stderr.contains("ORDERS_HTTP_PROT"), "a typo that looks like a link too: {stderr}");
    assert!(!stderr.contains("ORDERS_DB_") && !stderr.contains("ORDERS_SERVICE_HOST"), "{stderr}");
}

/// The migration Job's container, as Helm renders it and the kubelet fills
/// it from the pre-install hooks alone (the copies of the ConfigMap and
/// ServiceAccount) and the operator's Secret: its command is this binary,
/// and `orders migrate` with exactly those args loads the config and
/// succeeds; without the database URL it fails naming it.
#[test]
fn the_migration_job_runs_orders_migrate() {
    let rendered = oracle::one(json!({
        "op": "render", "chart": chart(), "values_yaml": null, "name": "orders", "namespace": "shop",
    }));
    assert_eq!(rendered["ok"], true, "{rendered:#}");
    let hooks: Vec<Value> = rendered["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["object"].clone())
        .filter(|o| {
            o["metadata"]["annotations"]["helm.sh/hook"]
                .as_str()
                .is_some_and(|h| h.split(',').any(|e| e == "pre-install"))
        })
        .collect();
    let job = hooks.iter().find(|o| o["kind"] == "Job").expect("a migration Job");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let command = container["command"].as_array().unwrap();
    assert_eq!(command.len(), 1, "{container}");
    let executable = std::path::Path::new(command[0].as_str().unwrap());
    assert_eq!(executable.file_name().unwrap(), "orders", "the Job runs this binary");
    let args: Vec<&str> =
        container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let run = |database_url: &str, scratch: &str| {
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "orders"},
            "stringData": {"databaseUrl": database_url},
        });
        let pod = pod::simulate_kind(&hooks, &[secret], "Job").expect("the Job's pod starts");
        let env = pod.materialize(&scratch_dir(scratch));
        let mut child = Command::new(env!("CARGO_BIN_EXE_orders"))
            .args(&args)
            .env_clear()
            .envs(env)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run orders migrate");
        // A binary that took `migrate` for the server would never return.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().expect("wait for orders migrate").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("`orders {}` still running after 60 s: is it the server?", args.join(" "));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        child.wait_with_output().expect("orders migrate's output")
    };
    let ok = run("postgres://orders@db/orders", "e2e-orders-migrate");
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{stderr}");
    assert!(stderr.contains("migration 0001_create_orders: up to date"), "{stderr}");
    let bad = run("", "e2e-orders-migrate-bad");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("databaseUrl is empty"), "{stderr}");
}
