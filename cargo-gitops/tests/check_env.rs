//! `cargo gitops check` and `env` on the orders example (its build.rs calls
//! the entry point with the controllers' directory), on a crate of a user's
//! (a stale chart fails with a diff naming the file; a crate whose own code
//! does not compile fails even though its build script answered), and on a
//! crate whose build script does not call the entry point (reported, never a
//! pass); bad arguments are named.

use gitops_tests::scratch_crate::{self, assert_success, output_text as text, ScratchCrate};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

/// `cargo gitops ARGS` in the workspace, building in the scratch target
/// directory (the workspace's own is locked by the running `cargo test`).
fn in_workspace(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("gitops")
        .args(args)
        .current_dir(gitops_tests::workspace())
        .env("CARGO", scratch_crate::cargo())
        .env("CARGO_TARGET_DIR", scratch_crate::target_dir())
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("run cargo-gitops")
}

#[test]
fn check_and_env_on_the_orders_example() {
    let out = in_workspace(&["check", "-p", "orders"]);
    assert_success("cargo gitops check -p orders", &out);
    let said = text(&out);
    assert!(said.contains("examples/orders/chart is up to date"), "{said}");
    assert!(
        said.contains("3 environment(s)") && said.contains("examples/orders/gitops is up to date"),
        "{said}"
    );

    let dir = gitops_tests::scratch_dir("check-env-orders");
    let file = dir.join("orders.env");
    let out = in_workspace(&["env", "-p", "orders", "--out", file.to_str().unwrap()]);
    assert_success("cargo gitops env -p orders", &out);
    let env = std::fs::read_to_string(&file).expect(".env written");
    assert!(env.contains("ORDERS_HTTP_PORT='8080'\n"), "{env}");
    assert!(env.contains("# ORDERS_DATABASE_URL=''\n"), "{env}");
    // Nothing in the example changed: check and env write no chart file.
    let status = Command::new("git")
        .args(["status", "--porcelain", "--", "examples/orders/chart", "examples/orders/gitops"])
        .current_dir(gitops_tests::workspace())
        .output()
        .expect("git status");
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

#[test]
fn a_build_script_without_the_entry_point_is_reported() {
    let krate = ScratchCrate::new("no-entry-point");
    krate.write(
        "Cargo.toml",
        "[package]\nname = \"no-entry-point\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    krate.write("src/main.rs", "fn main() {}\n");
    krate.write("build.rs", "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n");
    for command in ["check", "env"] {
        let out = krate.run(BIN, &["gitops", command]);
        assert!(!out.status.success(), "{}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("the build script of `no-entry-point` did not answer")
                && said.contains("gitops_gen::Chart::build_script"),
            "{said}"
        );
    }
    assert!(!krate.dir.join(".env.example").exists());

    // A compile error is cargo's, shown as such.
    krate.write("build.rs", "fn main() { not_a_function(); }\n");
    let out = krate.run(BIN, &["gitops", "check"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("failed before its build script answered") && said.contains("not_a_function"),
        "{said}"
    );
}

/// A crate of a user's: its build script calls the entry point, its chart
/// in `chart/`.
fn user_crate(name: &str) -> ScratchCrate {
    let krate = ScratchCrate::new(name);
    let checkout = scratch_crate::path_text(&gitops_tests::workspace());
    krate.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ngitops-types = {{ path = \"{checkout}/gitops-types\" }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nschemars = \"1\"\n\n\
             [build-dependencies]\ngitops-gen = {{ path = \"{checkout}/gitops-gen\" }}\n\
             gitops-types = {{ path = \"{checkout}/gitops-types\" }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nschemars = \"1\"\n"
        ),
    );
    krate.write(
        "src/config.rs",
        "use gitops_types::GitOps;\nuse schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\n\n\
         /// A user's service.\n\
         #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]\n\
         #[serde(rename_all = \"camelCase\", default)]\n#[gitops(env_prefix = \"USER_\")]\n\
         pub struct Config {\n    /// Port the HTTP server listens on.\n    #[gitops(port = \"http\")]\n    pub http_port: u16,\n}\n\n\
         impl Default for Config {\n    fn default() -> Self {\n        Config { http_port: 8080 }\n    }\n}\n",
    );
    krate.write(
        "build.rs",
        "#[path = \"src/config.rs\"]\nmod config;\n\nfn main() {\n    println!(\"cargo:rerun-if-changed=src/config.rs\");\n\
         gitops_gen::Chart::new(\"user-service\")\n        .image(\"registry.example.com/user-service\")\n\
         .version(\"0.1.0\")\n        .config::<config::Config>()\n        .build_script(gitops_gen::Outputs::chart(\"chart\"));\n}\n",
    );
    krate.write(
        "src/main.rs",
        "mod config;\n\nfn main() {\n    let _ = config::Config::default();\n}\n",
    );
    krate
}

#[test]
fn a_stale_chart_fails_naming_the_file_and_a_compile_error_is_never_a_pass() {
    let krate = user_crate("check-stale");
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    assert_success("cargo gitops check", &krate.run(BIN, &["gitops", "check"]));

    // A hand edit of a generated file: check fails with a diff naming it.
    let values = krate.read("chart/values.yaml");
    let edited = values.replace("replicaCount: 1", "replicaCount: 2");
    assert_ne!(edited, values);
    krate.write("chart/values.yaml", &edited);
    let out = krate.run(BIN, &["gitops", "check"]);
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("check failed for `check-stale`")
            && said.contains("chart are out of date")
            && said.contains("--- values.yaml (on disk)")
            && said.contains("+++ values.yaml (generated)")
            && said.contains("-replicaCount: 2")
            && said.contains("+replicaCount: 1"),
        "{said}"
    );
    // Nothing written.
    assert_eq!(krate.read("chart/values.yaml"), edited);
    krate.write("chart/values.yaml", &values);

    // The build script answers, then the crate's own code fails to compile:
    // cargo's error, never a pass.
    krate.write("src/main.rs", "mod config;\n\nfn main() {\n    not_a_function();\n}\n");
    for (command, says) in [
        ("check", "check: the chart check passed ("),
        ("env", "env: the build script answered (wrote "),
    ] {
        let out = krate.run(BIN, &["gitops", command]);
        assert!(!out.status.success(), "{command}: {}", text(&out));
        let said = text(&out);
        assert!(
            said.contains(says)
                && said.contains("but `cargo check -p check-stale` failed:")
                && said.contains("not_a_function"),
            "{command}: {said}"
        );
    }
}

#[test]
fn bad_arguments_are_named() {
    let krate = ScratchCrate::new("check-args");
    // With no Cargo.toml here or above (where the temporary directory is
    // not inside some crate), the search upward is named.
    if !krate.dir.ancestors().any(|dir| dir.join("Cargo.toml").is_file()) {
        let out = krate.run(BIN, &["gitops", "check"]);
        assert!(
            text(&out).contains("no Cargo.toml in")
                && text(&out).contains("or any directory above it"),
            "{}",
            text(&out)
        );
    }
    // Usage mistakes are clap's: exit status 1 (as every failure), the argument named.
    let out = krate.run(BIN, &["gitops", "check", "--out", "x"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("unexpected argument '--out'"), "{}", text(&out));
    let out = krate.run(BIN, &["gitops", "env", "-p"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a value is required for '--package <PACKAGE>'"), "{}", text(&out));
    let out = krate.run(BIN, &["gitops", "check", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert!(
        text(&out).contains("--manifest-path /nonexistent/Cargo.toml: no such file"),
        "{}",
        text(&out)
    );
    // A package spec would never match the build script's package name.
    let out = krate.run(BIN, &["gitops", "check", "-p", "orders@0.1.0"]);
    assert!(
        text(&out).contains("check -p orders@0.1.0: give the package's name only (`-p orders`)"),
        "{}",
        text(&out)
    );
    let out = krate.run(BIN, &["gitops", "frobnicate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("unrecognized subcommand 'frobnicate'"), "{}", text(&out));
    // A virtual manifest without -p.
    krate.write("Cargo.toml", "[workspace]\nmembers = []\n");
    let out = krate.run(BIN, &["gitops", "env"]);
    assert!(text(&out).contains("has no [package] name"), "{}", text(&out));
}
