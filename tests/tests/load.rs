//! The run-time loader: layers, secrets from env vars or files, and every
//! problem at once, each naming where the bad value came from.

use gitops_tests::fixtures::{LogLevel, Shop};
use gitops_tests::scratch_dir;
use gitops_types::load::{Error, Source};
use gitops_types::Loader;
use std::fs;

/// The required secrets, as the chart delivers them with `secrets.envVars`.
fn secrets() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SHOP_DATABASE_URL", "postgres://shop@db/shop"),
        ("SHOP_PAYMENTS__WEBHOOK_SECRET", "whsec"),
    ]
}

fn with_secrets(extra: &[(&str, &str)]) -> Loader<Shop> {
    Loader::with_vars(secrets().into_iter().chain(extra.iter().copied()))
}

fn expected() -> Shop {
    let mut shop = Shop { database_url: "postgres://shop@db/shop".into(), ..Shop::default() };
    shop.payments.webhook_secret = "whsec".into();
    shop
}

fn problems(result: Result<Shop, Error>) -> Vec<String> {
    let err = result.expect_err("the config must be refused");
    err.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn defaults_and_secrets_alone_give_the_default_config() {
    assert_eq!(with_secrets(&[]).load().unwrap(), expected());
}

#[test]
fn env_vars_set_values_by_the_charts_naming_rule() {
    let shop = with_secrets(&[
        ("SHOP_HTTP_PORT", "9000"),
        ("SHOP_LOG_LEVEL", "debug"),
        ("SHOP_STORE_NAME", "yes"),
        ("SHOP_ALLOWED_ORIGINS", r#"["https://a.example","https://b.example"]"#),
        ("SHOP_EXTRA_HEADERS", r#"{"x-a":"1"}"#),
        ("SHOP_SUPPORT_EMAIL", "ops@shop.example"),
        ("SHOP_PAYMENTS__RETRIES", "3"),
        ("SHOP_MAX_BODY_BYTES", "9007199254740991"),
        ("SHOP_ADMIN_KEY", ""),
        ("PATH", "/usr/bin"),
    ])
    .load()
    .unwrap();
    let mut want = expected();
    want.http_port = 9000;
    want.log_level = LogLevel::Debug;
    want.store_name = "yes".into();
    want.allowed_origins = vec!["https://a.example".into(), "https://b.example".into()];
    want.extra_headers.insert("x-a".into(), "1".into());
    want.support_email = Some("ops@shop.example".into());
    want.payments.retries = Some(3);
    want.max_body_bytes = 9_007_199_254_740_991;
    want.admin_api_key = Some(String::new());
    assert_eq!(shop, want);
}

#[test]
fn layers_apply_in_order_file_then_env_then_overrides() {
    let dir = scratch_dir("load-layers");
    let file = dir.join("config.yaml");
    fs::write(
        &file,
        "httpPort: 8100\nstoreName: from file\npayments:\n  timeout-ms: 100\n  retries: 2\nsupportEmail: null\n",
    )
    .unwrap();
    let shop = with_secrets(&[
        ("SHOP_CONFIG_FILE", file.to_str().unwrap()),
        ("SHOP_STORE_NAME", "from env"),
        ("SHOP_PAYMENTS__RETRIES", "4"),
    ])
    .set("payments.retries", 5)
    .load()
    .unwrap();
    assert_eq!(shop.http_port, 8100, "file");
    assert_eq!(shop.payments.timeout_ms, 100, "file, nested");
    assert_eq!(shop.store_name, "from env", "env over file");
    assert_eq!(shop.payments.retries, Some(5), "override over env");
    assert_eq!(shop.support_email, None);
}

#[test]
fn secrets_come_from_files_when_no_env_var_is_set() {
    let dir = scratch_dir("load-secret-files");
    fs::write(dir.join("databaseUrl"), "postgres://from-file").unwrap();
    fs::write(dir.join("payments.webhook-secret"), "whsec-file\n").unwrap();
    fs::write(dir.join("adminApiKey"), "k").unwrap();
    let shop =
        Loader::<Shop>::with_vars([("SHOP_SECRETS_DIR", dir.to_str().unwrap())]).load().unwrap();
    assert_eq!(shop.database_url, "postgres://from-file");
    assert_eq!(shop.payments.webhook_secret, "whsec-file", "the one final line ending dropped");
    assert_eq!(shop.admin_api_key.as_deref(), Some("k"));

    // One line ending, LF or CRLF, from a file or an env var alike; the rest
    // of the bytes exactly; a value's own strings (not secrets) untouched.
    fs::write(dir.join("databaseUrl"), "postgres://x\n\n").unwrap();
    fs::write(dir.join("payments.webhook-secret"), "a\r\nb\r\n").unwrap();
    let shop = Loader::<Shop>::with_vars([
        ("SHOP_SECRETS_DIR", dir.to_str().unwrap()),
        ("SHOP_ADMIN_KEY", "key\n"),
        ("SHOP_STORE_NAME", "line\n"),
    ])
    .load()
    .unwrap();
    assert_eq!(shop.database_url, "postgres://x\n");
    assert_eq!(shop.payments.webhook_secret, "a\r\nb");
    assert_eq!(shop.admin_api_key.as_deref(), Some("key"));
    assert_eq!(shop.store_name, "line\n");
}

#[test]
fn every_problem_is_reported_at_once_with_its_source() {
    let found = problems(
        Loader::<Shop>::with_vars([
            ("SHOP_HTTP_PORT", "80"),
            ("SHOP_SAMPLE_RATIO", "abc"),
            ("SHOP_LOG_LEVLE", "debug"),
            ("SHOP_STORE_NAME", ""),
            ("SHOP_SUPPORT_EMAIL", "not an address"),
            ("SHOP_LOG_LEVEL", "loud"),
            ("SHOP_PAYMENTS__WEBHOOK_SECRET", "whsec"),
        ])
        .load(),
    );
    let expect = [
        (
            "env var SHOP_SAMPLE_RATIO (key `sampleRatio`)",
            "expected a number from 0.0 to 1.0, found \"abc\"",
        ),
        ("env var SHOP_DATABASE_URL (key `databaseUrl`)", "required secret is not set"),
        ("env var SHOP_LOG_LEVLE", "no config key reads this variable"),
        ("env var SHOP_HTTP_PORT (key `httpPort`)", "below the minimum"),
        ("env var SHOP_STORE_NAME (key `storeName`)", "too short"),
        ("env var SHOP_LOG_LEVEL (key `logLevel`)", "\"loud\""),
        ("env var SHOP_SUPPORT_EMAIL (key `supportEmail`)", r"pattern ^[^@\s]+@[^@\s]+$"),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (source, text) in expect {
        assert!(
            found.iter().any(|p| p.starts_with(source) && p.contains(text)),
            "no problem from {source} saying {text}: {found:#?}"
        );
    }
}

/// What an operator reads when the pod does not start: the exact words.
#[test]
fn start_up_errors_say_what_to_write_instead() {
    let err = with_secrets(&[
        ("SHOP_HTTP_PORT", "eighty"),
        ("SHOP_ALLOWED_ORIGINS", "search,wishlist"),
        ("SHOP_EXTRA_HEADERS", "x-a=1"),
        ("SHOP_PAYMENTS_RETRIES", "3"),
        ("SHOP_PAYMENTS__TIMEOUT_MS", "-1"),
        ("SHOP_HTTP_PROT", "8080"),
        ("SHOP_NOTHING_LIKE_IT", "1"),
    ])
    .load()
    .expect_err("refused");
    let report = "invalid configuration (7 problems):
  - env var SHOP_HTTP_PORT (key `httpPort`): expected an integer from 1024 to 65535, found \"eighty\"
  - env var SHOP_ALLOWED_ORIGINS (key `allowedOrigins`): expected a JSON array of strings, e.g. [\"a\",\"b\"], found \"search,wishlist\"
  - env var SHOP_EXTRA_HEADERS (key `extraHeaders`): expected a JSON map of strings, e.g. {\"key\":\"a\"}, found \"x-a=1\"
  - env var SHOP_HTTP_PROT: no config key reads this variable (did you mean `SHOP_HTTP_PORT`?)
  - env var SHOP_NOTHING_LIKE_IT: no config key reads this variable (a typo?)
  - env var SHOP_PAYMENTS_RETRIES: no config key reads this variable (did you mean `SHOP_PAYMENTS__RETRIES`?)
  - env var SHOP_PAYMENTS__TIMEOUT_MS (key `payments.timeout-ms`): -1 is below the minimum 0";
    assert_eq!(err.to_string(), report);
    // `?` in `main` prints Debug: the same report, not the struct.
    assert_eq!(format!("{err:?}"), report);
}

/// The kubelet's service links share the prefix when a Service is named
/// like the app (release `shop`) or starts so (`shop-db`): never a problem,
/// with or without a key of the same name; a typo still is.
#[test]
fn service_links_are_not_the_apps_variables() {
    let links = [
        ("SHOP_SERVICE_HOST", "10.96.0.10"),
        ("SHOP_SERVICE_PORT", "80"),
        ("SHOP_SERVICE_PORT_HTTP", "80"),
        ("SHOP_PORT", "tcp://10.96.0.10:80"),
        ("SHOP_PORT_80_TCP", "tcp://10.96.0.10:80"),
        ("SHOP_PORT_80_TCP_PROTO", "tcp"),
        ("SHOP_PORT_80_TCP_PORT", "80"),
        ("SHOP_PORT_80_TCP_ADDR", "10.96.0.10"),
        ("SHOP_DB_SERVICE_HOST", "fd00::5"),
        ("SHOP_DB_PORT", "tcp://[fd00::5]:5432"),
        // Service `shop-metrics` links onto the key `metricsPort`'s variable.
        ("SHOP_METRICS_PORT", "tcp://10.96.0.11:9000"),
    ];
    assert_eq!(with_secrets(&links).load().unwrap(), expected());
    let mut with_typo = links.to_vec();
    with_typo.push(("SHOP_HTTP_PROT", "8080"));
    let found = problems(with_secrets(&with_typo).load());
    assert_eq!(
        found,
        ["env var SHOP_HTTP_PROT: no config key reads this variable (did you mean `SHOP_HTTP_PORT`?)"]
    );
}

#[test]
fn a_bad_config_file_is_named_with_its_keys() {
    let dir = scratch_dir("load-bad-file");
    let file = dir.join("config.yaml");
    fs::write(&file, "httpPort: 8100\nhttpPrt: 1\npayments:\n  retries: many\ndatabaseUrl: x\n")
        .unwrap();
    let found = problems(with_secrets(&[]).file(&file).load());
    let name = file.display().to_string();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found
        .iter()
        .any(|p| p.contains(&name) && p.contains("`httpPrt`") && p.contains("unknown key")));
    assert!(found.iter().any(|p| p.contains(&name) && p.contains("`payments.retries`")));
    assert!(found
        .iter()
        .any(|p| p.contains("`databaseUrl`") && p.contains("never from the config file")));

    fs::write(&file, "httpPort: [\n").unwrap();
    let found = problems(with_secrets(&[]).file(&file).load());
    assert!(found[0].contains(&name) && found[0].contains("not valid YAML"), "{found:#?}");
    let missing = dir.join("missing.yaml");
    let found = problems(with_secrets(&[]).file(&missing).load());
    assert!(found[0].contains("missing.yaml") && found[0].contains("cannot read"), "{found:#?}");
}

#[test]
fn overrides_of_unknown_keys_and_bad_values_are_problems() {
    let err = with_secrets(&[]).set("httpPrt", 1).set("httpPort", 70000).load().unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(err.problems.iter().all(|p| p.source == Source::Override), "{err}");
    assert!(err.to_string().contains("`httpPrt`") && err.to_string().contains("above the maximum"));
}

/// One declaration, one verdict: for each value, `helm install` (the values
/// schema) and the loader (the same leaf schemas) agree on accepting it or
/// not.
#[test]
fn helm_and_the_loader_give_the_same_verdict() {
    use gitops_gen::Chart;
    use gitops_tests::oracle;
    use serde_json::{json, Value};

    let dir = scratch_dir("load-same-verdict");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .write(&gitops_gen::Outputs::chart(&dir))
        .unwrap();
    let cases: Vec<(&str, Value, bool)> = vec![
        ("httpPort", json!(8443), true),
        ("httpPort", json!(80), false),
        ("httpPort", json!(70000), false),
        ("storeName", json!("Shop"), true),
        ("storeName", json!(""), false),
        ("storeName", json!("x".repeat(65)), false),
        ("supportEmail", json!("ops@shop.example"), true),
        ("supportEmail", json!("no at sign"), false),
        ("logLevel", json!("debug"), true),
        ("logLevel", json!("loud"), false),
        ("sampleRatio", json!(1.0), true),
        ("sampleRatio", json!(1.5), false),
        ("maxBodyBytes", json!(9_007_199_254_740_991u64), true),
        ("maxBodyBytes", json!(-1), false),
        ("payments.timeout-ms", json!(4_294_967_295u64), true),
        ("payments.timeout-ms", json!("soon"), false),
        ("payments.api-url", json!("http://plain"), false),
        ("allowedOrigins", json!(["a", "b"]), true),
        ("allowedOrigins", json!("a"), false),
    ];
    let ops = cases
        .iter()
        .map(|(key, value, _)| {
            let mut config = json!({});
            let mut at = &mut config;
            for part in key.split('.') {
                at = &mut at[part];
            }
            *at = value.clone();
            oracle::render_validate(&dir, Some(&json!({ "config": config }).to_string()))
        })
        .collect();
    let helm = oracle::run(ops);
    for ((key, value, valid), helm) in cases.iter().zip(helm) {
        let loader = with_secrets(&[]).set(key, value).load();
        assert_eq!(helm["ok"] == true, *valid, "helm on {key} = {value}: {helm:#}");
        assert_eq!(loader.is_ok(), *valid, "loader on {key} = {value}: {loader:?}");
    }
}

/// A recursive type's schema lives in `definitions`; the chart and the loader
/// both check it with the same rewrite as every other leaf (here: integers
/// bounded to what Helm's float64 holds), so they agree on its values too.
#[test]
fn recursive_types_are_checked_by_the_same_schema() {
    use gitops_gen::Chart;
    use gitops_tests::fixtures::Menu;
    use gitops_tests::oracle;
    use serde_json::{json, Value};

    let dir = scratch_dir("load-recursive");
    Chart::new("menu")
        .image("ghcr.io/acme/menu")
        .config::<Menu>()
        .write(&gitops_gen::Outputs::chart(&dir))
        .unwrap();
    let entry = |weight: Value, children: Value| json!([{"label": "a", "weight": weight, "children": children}]);
    let cases = [
        (entry(json!(3), entry(json!(9_007_199_254_740_991u64), json!([]))), true),
        (entry(json!(3), entry(json!(9_007_199_254_740_992u64), json!([]))), false),
        (entry(json!(3), entry(json!(-1), json!([]))), false),
        (entry(json!(3), json!([{"label": "b", "weight": 1, "children": [], "extra": 1}])), false),
    ];
    let ops = cases
        .iter()
        .map(|(entries, _)| {
            let values = json!({"config": {"entries": entries}}).to_string();
            oracle::render_validate(&dir, Some(&values))
        })
        .collect();
    for ((entries, valid), helm) in cases.iter().zip(oracle::run(ops)) {
        let loader = Loader::<Menu>::with_vars([("MENU_ENTRIES", entries.to_string())]).load();
        assert_eq!(helm["ok"] == true, *valid, "helm on {entries}: {helm:#}");
        assert_eq!(loader.is_ok(), *valid, "loader on {entries}: {loader:?}");
    }
}
