//! `cargo gitops check` and `env` on the orders example (its build.rs calls
//! the entry point with the controllers' directory) and on a crate whose
//! build script does not call it (reported, never a pass); the variable
//! names match gitops-gen's; bad arguments are named.

use gitops_tests::scratch_crate::{self, assert_success, ScratchCrate};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

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
fn the_variable_names_are_gitops_gens() {
    use cargo_gitops::build_command::vars;
    use gitops_gen::build_script as gen;
    assert_eq!(
        [vars::MODE, vars::PACKAGE, vars::ENV_OUT, vars::NONCE, vars::RECEIPT],
        [gen::MODE, gen::PACKAGE, gen::ENV_OUT, gen::NONCE, gen::RECEIPT]
    );
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

#[test]
fn bad_arguments_are_named() {
    let krate = ScratchCrate::new("check-args");
    let out = krate.run(BIN, &["gitops", "check"]);
    assert!(text(&out).contains("no Cargo.toml in"), "{}", text(&out));
    let out = krate.run(BIN, &["gitops", "check", "--out", "x"]);
    assert!(text(&out).contains("check: unknown argument `--out`"), "{}", text(&out));
    let out = krate.run(BIN, &["gitops", "env", "-p"]);
    assert!(text(&out).contains("env -p: expected a value"), "{}", text(&out));
    let out = krate.run(BIN, &["gitops", "check", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert!(
        text(&out).contains("--manifest-path /nonexistent/Cargo.toml: no such file"),
        "{}",
        text(&out)
    );
    let out = krate.run(BIN, &["gitops", "frobnicate"]);
    assert!(text(&out).contains("unknown command `frobnicate`"), "{}", text(&out));
    // A virtual manifest without -p.
    krate.write("Cargo.toml", "[workspace]\nmembers = []\n");
    let out = krate.run(BIN, &["gitops", "env"]);
    assert!(text(&out).contains("has no [package] name"), "{}", text(&out));
}
