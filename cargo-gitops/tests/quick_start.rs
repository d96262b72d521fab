//! The README's quick start, as written: each block marked
//! `<!-- quick-start: FILE -->` becomes that file of a fresh crate outside
//! the workspace (the `…/` paths pointing at this checkout), which builds
//! offline and writes its chart. Real Helm lints it strictly and renders it
//! (every manifest validated); `cargo gitops env` writes `.env.example`; the
//! binary, run by `sh` after sourcing that file as "Run it locally" says,
//! stops with the README's exact message without the secret and starts
//! with it.

use gitops_tests::oracle;
use gitops_tests::scratch_crate::{assert_success, target_dir, ScratchCrate};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

/// The fenced block right after `<!-- quick-start: name -->`; panics when
/// the marker or its block is missing.
fn block(readme: &str, name: &str) -> String {
    let marker = format!("<!-- quick-start: {name} -->");
    let at = readme.find(&marker).unwrap_or_else(|| panic!("README has no {marker}"));
    let mut lines = readme[at + marker.len()..].lines().skip(1);
    let fence = lines.next().unwrap_or_default();
    let indent = fence.len() - fence.trim_start().len();
    assert!(
        fence.trim_start().starts_with("```"),
        "{marker} is not followed by a code block: {fence:?}"
    );
    let mut out = String::new();
    for line in lines {
        if line.trim_start().starts_with("```") {
            return out;
        }
        out.push_str(line.get(indent..).unwrap_or(line.trim_start()));
        out.push('\n');
    }
    panic!("{marker}: the code block does not end");
}

/// Runs the quick start's binary from `sh` after sourcing `.env.example`
/// (then `local.env`, when `local`), with `extra` exported first (an empty
/// environment otherwise).
fn run_app(krate: &ScratchCrate, extra: &[(&str, &str)], local: bool) -> Output {
    let binary = target_dir().join("debug").join("quick-start-orders");
    let script = if local {
        "set -a; . ./.env.example; . ./local.env; set +a; exec \"$0\""
    } else {
        "set -a; . ./.env.example; set +a; exec \"$0\""
    };
    let mut command = Command::new("sh");
    command
        .args(["-c", script])
        .arg(&binary)
        .current_dir(&krate.dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (name, value) in extra {
        command.env(name, value);
    }
    command.output().expect("run the quick start's binary")
}

#[test]
fn the_readme_quick_start_builds_renders_and_runs_locally() {
    let readme = std::fs::read_to_string(gitops_tests::workspace().join("README.md")).unwrap();
    let checkout =
        format!("{}/", gitops_tests::scratch_crate::path_text(&gitops_tests::workspace()));
    let krate = ScratchCrate::new("quick-start");
    krate.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"quick-start-orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n{}",
            block(&readme, "Cargo.toml").replace("…/", &checkout)
        ),
    );
    for file in ["src/config.rs", "build.rs", "src/main.rs"] {
        krate.write(file, &block(&readme, file));
    }
    let out = krate.cargo(&["build", "--quiet"]);
    assert_success("cargo build of the quick start", &out);
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(!warnings.contains("warning"), "the quick start builds with warnings:\n{warnings}");

    // The chart: the quick start's keys, and real Helm's verdict.
    let chart = krate.dir.join("chart");
    assert!(krate.read("chart/Chart.yaml").contains("name: orders"));
    let values = krate.read("chart/values.yaml");
    for key in [
        "httpPort: 8080",
        "allowedOrigins:",
        "- \"https://shop.example\"",
        "tracing:",
        "sampleRatio: 0.1",
    ] {
        assert!(values.contains(key), "values.yaml lacks {key:?}:\n{values}");
    }
    assert!(krate.read("chart/README.md").contains("databaseUrl"));
    let results =
        oracle::run(vec![oracle::lint(&chart, None), oracle::render_validate(&chart, None)]);
    assert_eq!(results[0]["ok"], true, "helm lint --strict: {}", results[0]);
    assert_eq!(results[1]["ok"], true, "render and validate: {}", results[1]);
    assert!(oracle::kinds(&results[1]).contains(&"Service".to_owned()));
    let deployment = oracle::object(&results[1], "Deployment").to_string();
    assert!(deployment.contains("ghcr.io/acme/orders"), "{deployment}");

    // Run it locally: .env.example from `cargo gitops env`, sourced by sh.
    assert_success("cargo gitops env", &krate.run(BIN, &["gitops", "env"]));
    let env = krate.read(".env.example");
    assert!(env.contains("ORDERS_ALLOWED_ORIGINS='[\"https://shop.example\"]'\n"), "{env}");
    assert!(env.contains("# ORDERS_DATABASE_URL=''\n"), "{env}");

    // Without the secret: exit status 2 and the README's message, exactly.
    let out = run_app(&krate, &[], false);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), block(&readme, "missing-secret.txt"));

    // With it: the defaults, and the README's examples of each form.
    let secret = ("ORDERS_DATABASE_URL", "postgres://localhost/orders");
    let out = run_app(&krate, &[secret], false);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "orders: listening on port 8080\n");
    // Variables set after sourcing win (the file is sourced first here, so
    // these go through a file of their own).
    krate.write(
        "local.env",
        "ORDERS_HTTP_PORT=9000\nORDERS_ALLOWED_ORIGINS='[\"http://localhost:3000\"]'\nORDERS_TRACING__SAMPLE_RATIO=1\n",
    );
    let out = run_app(&krate, &[secret], true);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "orders: listening on port 9000\n", "{out:?}");
    // A list written as plain text, and a typo: both named.
    krate.write(
        "local.env",
        "ORDERS_ALLOWED_ORIGINS=http://localhost:3000\nORDERS_HTTP_PROT=9000\n",
    );
    let out = run_app(&krate, &[secret], true);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("ORDERS_ALLOWED_ORIGINS (key `allowedOrigins`): expected a JSON array"),
        "{said}"
    );
    assert!(said.contains("did you mean `ORDERS_HTTP_PORT`"), "{said}");
}
