//! `cargo gitops init` on a crate outside the workspace whose Cargo.toml has
//! comments and odd formatting: every original line kept, the dependencies
//! added, the files written, a second run finding nothing to do; then
//! the crate builds (offline) and writes its chart, `cargo gitops check`
//! passes and then fails on a hand edit naming the file, and `cargo gitops
//! env` writes `.env.example` (which a plain build then keeps up to date)
//! and refuses a user's own.
//! Init in a directory inside a crate is refused; a checkout beside the
//! crate is named by a relative path.

use gitops_tests::scratch_crate::{assert_success, output_text as text, ScratchCrate};
use std::path::Path;
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

const ODD_MANIFEST: &str = "\
# Hand-formatted, with comments that must survive.
[package]
name    =   \"odd_service\"   # the crate's name
version = \"0.3.0\"
edition = \"2021\"
publish = false

[dependencies]
# serde the way I like it
serde = { version = \"1\", features = [\"derive\"] }   # mine

  [features]   # indented header
default = [ ]
";

/// `cargo gitops args…` in the crate. An `init` that names no source gets
/// `--path` this workspace: its default (the remote of the checkout the
/// binary was built from) depends on how the checkout was cloned, and the
/// tests must not fetch from it.
fn gitops(krate: &ScratchCrate, args: &[&str]) -> Output {
    let workspace = gitops_tests::workspace();
    let mut all = vec!["gitops"];
    all.extend_from_slice(args);
    if args.first() == Some(&"init") && !args.iter().any(|a| ["--path", "--git"].contains(a)) {
        all.extend(["--path", workspace.to_str().expect("UTF-8 path")]);
    }
    krate.run(BIN, &all)
}

/// Every line of `original` is in `new`, in order; the others are what init adds.
fn assert_only_added(original: &str, new: &str) {
    let mut original_lines = original.lines().peekable();
    let mut added = Vec::new();
    for line in new.lines() {
        if original_lines.peek() == Some(&line) {
            original_lines.next();
        } else {
            added.push(line);
        }
    }
    assert_eq!(original_lines.next(), None, "an original line was lost:\n{new}");
    for line in &added {
        let ok = line.is_empty()
            || *line == "[build-dependencies]"
            || ["gitops-types = ", "gitops-gen = ", "serde = ", "schemars = "]
                .iter()
                .any(|p| line.starts_with(p));
        assert!(ok, "unexpected line {line:?} in\n{new}");
    }
    assert!(new.ends_with('\n'));
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let rel = entry.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if rel == "Cargo.lock" || rel.starts_with("target") {
            continue;
        }
        out.push((rel, std::fs::read(&entry).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn init_then_build_check_and_env() {
    let krate = ScratchCrate::new("init-odd");
    krate.write("Cargo.toml", ODD_MANIFEST);
    krate.write("src/main.rs", "fn main() {}\n");

    let out = gitops(&krate, &["init"]);
    assert_success("cargo gitops init", &out);
    let said = text(&out);
    let manifest = krate.read("Cargo.toml");
    assert_only_added(ODD_MANIFEST, &manifest);
    let doc: toml_edit::DocumentMut = manifest.parse().expect("still TOML");
    let checkout = gitops_tests::workspace();
    for (table, name) in [
        ("dependencies", "gitops-types"),
        ("dependencies", "schemars"),
        ("build-dependencies", "gitops-gen"),
        ("build-dependencies", "gitops-types"),
        ("build-dependencies", "serde"),
        ("build-dependencies", "schemars"),
    ] {
        assert!(doc[table].get(name).is_some(), "{name} in [{table}]:\n{manifest}");
    }
    // The checkout by path: relative to the crate when they share a
    // directory below the root, else absolute.
    let path = doc["build-dependencies"]["gitops-gen"]["path"].as_str().expect("a path");
    assert_eq!(
        krate.dir.join(path).canonicalize().unwrap(),
        checkout.join("gitops-gen").canonicalize().unwrap(),
        "{path}"
    );
    assert!(said.contains("kept serde in [dependencies]"), "{said}");
    assert!(manifest.contains("serde = { version = \"1\", features = [\"derive\"] }   # mine"));
    let config = krate.read("src/config.rs");
    assert!(config.contains("#[gitops(env_prefix = \"ODD_SERVICE_\")]"), "{config}");
    assert!(krate.read("build.rs").contains("Chart::new(\"odd-service\")"));
    assert!(said.contains("mod config;") && said.contains("gitops_types::load()"), "{said}");

    // A second init finds the crate set up and changes nothing.
    let before = snapshot(&krate.dir);
    let out = gitops(&krate, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("set up for gitops-rs already; nothing changed"), "{}", text(&out));
    assert_eq!(snapshot(&krate.dir), before);

    // The next steps, applied: the crate builds and writes its chart.
    krate.write(
        "src/main.rs",
        "mod config;\n\nfn main() {\n    let config: config::Config = gitops_types::load().unwrap_or_else(|e| {\n        eprintln!(\"{e}\");\n        std::process::exit(2);\n    });\n    println!(\"port {}\", config.http_port);\n}\n",
    );
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    assert!(krate.read("chart/Chart.yaml").contains("name: odd-service"));

    let out = gitops(&krate, &["check"]);
    assert_success("cargo gitops check", &out);
    assert!(text(&out).contains("is up to date"), "{}", text(&out));

    // A hand edit of a generated file: check fails, naming it, with a diff.
    let values = krate.read("chart/values.yaml");
    krate.write("chart/values.yaml", &values.replace("replicaCount: 1", "replicaCount: 3"));
    let out = gitops(&krate, &["check"]);
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("values.yaml (on disk)") && said.contains("-replicaCount: 3"), "{said}");
    assert_eq!(
        krate.read("chart/values.yaml"),
        values.replace("replicaCount: 1", "replicaCount: 3")
    );
    // A plain build puts it back.
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    assert_eq!(krate.read("chart/values.yaml"), values);

    // env writes .env.example, which a second run leaves as it is.
    let out = gitops(&krate, &["env"]);
    assert_success("cargo gitops env", &out);
    let env = krate.read(".env.example");
    assert!(env.starts_with("# Code generated by gitops-gen"), "{env}");
    assert!(
        env.contains("ODD_SERVICE_HTTP_PORT='8080'\n")
            && env.contains("ODD_SERVICE_LOG_LEVEL='info'\n"),
        "{env}"
    );
    assert_success("cargo gitops env again", &gitops(&krate, &["env"]));
    assert_eq!(krate.read(".env.example"), env);
    // check compares it too: a stale one fails, naming it.
    assert_success("cargo gitops check with .env.example", &gitops(&krate, &["check"]));
    krate.write(".env.example", &env.replace("'8080'", "'9090'"));
    let out = gitops(&krate, &["check"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(".env.example is out of date: `cargo gitops env` rewrites it"),
        "{}",
        text(&out)
    );
    assert_success("cargo gitops env rewrites", &gitops(&krate, &["env"]));
    assert_eq!(krate.read(".env.example"), env);
    // A plain build keeps it up to date too, as it does the chart.
    krate.write(".env.example", &env.replace("'8080'", "'9090'"));
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    assert_eq!(krate.read(".env.example"), env);
    assert_success("cargo gitops check after a build", &gitops(&krate, &["check"]));
    // --out elsewhere.
    assert_success("cargo gitops env --out", &gitops(&krate, &["env", "--out", "local.env"]));
    assert_eq!(krate.read("local.env"), env);
    // A user's own .env.example is refused and left alone.
    let mine = "ODD_SERVICE_HTTP_PORT=9000\n";
    krate.write(".env.example", mine);
    let out = gitops(&krate, &["env"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains(".env.example") && said.contains("gitops-gen did not write it"),
        "{said}"
    );
    assert_eq!(krate.read(".env.example"), mine);
}

#[test]
fn init_reports_what_an_existing_dependency_lacks() {
    let krate = ScratchCrate::new("init-lacking");
    let manifest = "[package]\nname = \"lacking\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\nschemars = \"0.8\"\n";
    krate.write("Cargo.toml", manifest);
    let out = gitops(&krate, &["init"]);
    assert_success("cargo gitops init", &out);
    let said = text(&out);
    assert!(said.contains("serde in [dependencies]: has no `features = [\"derive\"]`"), "{said}");
    assert!(
        said.contains("schemars in [dependencies]: version \"0.8\": gitops-rs needs schemars 1"),
        "{said}"
    );
    // Kept as the user had them.
    let new = krate.read("Cargo.toml");
    assert!(new.starts_with(manifest), "{new}");
}

#[test]
fn init_errors_name_the_culprit() {
    // No Cargo.toml.
    let krate = ScratchCrate::new("init-empty");
    let out = gitops(&krate, &["init"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("init: no Cargo.toml in {}:", krate.dir.display())),
        "{}",
        text(&out)
    );

    // Bad arguments: clap's usage errors, exit status 1 as every failure, naming the argument.
    let out = gitops(&krate, &["init", "--bogus"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("unexpected argument '--bogus'"), "{}", text(&out));
    let out = gitops(&krate, &["init", "--path"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a value is required for '--path"), "{}", text(&out));
    // --help is generated for every command, on stdout, status 0.
    let out = gitops(&krate, &["init", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--path <GITOPS_RS_CHECKOUT>") && help.contains("--manifest-path"),
        "{help}"
    );
    let out = gitops(&krate, &["init", "--path", "/nonexistent/checkout"]);
    assert!(
        text(&out).contains("/nonexistent/checkout: not a gitops-rs checkout"),
        "{}",
        text(&out)
    );

    // Cannot write: `src` is a file. Nothing changes.
    let krate = ScratchCrate::new("init-unwritable");
    let manifest = "[package]\nname = \"blocked\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    krate.write("Cargo.toml", manifest);
    krate.write("src", "not a directory\n");
    let before = snapshot(&krate.dir);
    let out = gitops(&krate, &["init"]);
    assert!(!out.status.success());
    assert!(text(&out).contains(&krate.dir.join("src").display().to_string()), "{}", text(&out));
    assert_eq!(snapshot(&krate.dir), before);

    // Build scripts turned off: refused, nothing changed.
    let krate = ScratchCrate::new("init-build-off");
    let manifest = "[package]\nname = \"custom\"\nversion = \"0.1.0\"\nbuild = false\n";
    krate.write("Cargo.toml", manifest);
    let before = snapshot(&krate.dir);
    let out = gitops(&krate, &["init"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("sets `package.build = false`"), "{}", text(&out));
    assert_eq!(snapshot(&krate.dir), before);
}

#[test]
fn init_keeps_the_users_config_and_build_script() {
    // A build script of the user's (package.build) is kept; the lines to
    // add are printed; the dependencies are added and src/config.rs written.
    let krate = ScratchCrate::new("init-build-set");
    let manifest = "[package]\nname = \"custom\"\nversion = \"0.1.0\"\nbuild = \"gen.rs\"\n";
    krate.write("Cargo.toml", manifest);
    let script = "fn main() {\n    // compiles protobufs\n}\n";
    krate.write("gen.rs", script);
    let out = gitops(&krate, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("gen.rs (yours; not rewritten)"), "{said}");
    assert!(
        said.contains(".build_script(gitops_gen::Outputs::chart(\"chart\"));")
            && said.contains("#[path = \"src/config.rs\"]"),
        "{said}"
    );
    assert_eq!(krate.read("gen.rs"), script);
    assert!(krate.read("src/config.rs").contains("#[gitops(env_prefix = \"CUSTOM_\")]"));
    assert!(krate.read("Cargo.toml").contains("gitops-gen"));

    // A build script in a directory of its own, still to be written: its
    // `#[path]` climbs back to src/config.rs, and the crate builds.
    let krate = ScratchCrate::new("init-build-dir");
    krate.write(
        "Cargo.toml",
        "[package]\nname = \"nested\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build/main.rs\"\n",
    );
    krate.write("src/main.rs", "fn main() {}\n");
    let out = gitops(&krate, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    let script = krate.read("build/main.rs");
    assert!(
        script.contains("#[path = \"../src/config.rs\"]")
            && script.contains("cargo:rerun-if-changed=build/main.rs"),
        "{script}"
    );
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    assert!(krate.read("chart/values.yaml").contains("NESTED_HTTP_PORT"));

    // Every dependency there already, no files: both are written (the
    // crate is not "set up" until they exist).
    let krate = ScratchCrate::new("init-deps-only");
    krate.write(
        "Cargo.toml",
        "[package]\nname = \"deps-only\"\nversion = \"0.1.0\"\n\n[dependencies]\ngitops-types = \"0.1\"\nserde = { version = \"1\", features = [\"derive\"] }\nschemars = \"1\"\n\n[build-dependencies]\ngitops-gen = \"0.1\"\ngitops-types = \"0.1\"\nserde = { version = \"1\", features = [\"derive\"] }\nschemars = \"1\"\n",
    );
    let out = gitops(&krate, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("already"), "{}", text(&out));
    assert!(krate.dir.join("src/config.rs").is_file() && krate.dir.join("build.rs").is_file());

    // A config of the user's (as `cargo gitops import` writes one) is kept;
    // build.rs is written around it.
    let krate = ScratchCrate::new("init-after-import");
    krate.write("Cargo.toml", "[package]\nname = \"legacy\"\nversion = \"0.1.0\"\n");
    let config = "// imported\n#[derive(GitOps)]\npub struct Config {}\n";
    krate.write("src/config.rs", config);
    let out = gitops(&krate, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("config.rs as your config (not rewritten)"), "{}", text(&out));
    assert_eq!(krate.read("src/config.rs"), config);
    assert!(krate.read("build.rs").contains("Chart::new(\"legacy\")"));
}

#[test]
fn init_acts_on_the_crate_directory_only_and_writes_relative_paths() {
    let checkout = ScratchCrate::new("gitops-rs");
    checkout.write("gitops-types/Cargo.toml", "[package]\nname = \"gitops-types\"\n");
    checkout.write("gitops-gen/Cargo.toml", "[package]\nname = \"gitops-gen\"\n");
    let krate = ScratchCrate::new("init-relative");
    let manifest = "[package]\nname = \"relative\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    krate.write("Cargo.toml", manifest);
    krate.write("src/main.rs", "fn main() {}\n");
    let checkout_arg = checkout.dir.to_str().expect("UTF-8 path");

    // In a directory inside the crate: refused, the crate above untouched.
    let out = std::process::Command::new(BIN)
        .args(["gitops", "init", "--path", checkout_arg])
        .current_dir(krate.dir.join("src"))
        .output()
        .expect("run cargo-gitops");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out)
            .contains(&format!("init: no Cargo.toml in {}:", krate.dir.join("src").display())),
        "{}",
        text(&out)
    );
    assert_eq!(krate.read("Cargo.toml"), manifest);
    assert!(!krate.dir.join("build.rs").exists());

    // In the crate's directory, with a checkout beside it: `../gitops-rs/…`.
    let out = gitops(&krate, &["init", "--path", checkout_arg]);
    assert_success("cargo gitops init --path", &out);
    let doc: toml_edit::DocumentMut = krate.read("Cargo.toml").parse().expect("TOML");
    for (table, name) in [
        ("dependencies", "gitops-types"),
        ("build-dependencies", "gitops-gen"),
        ("build-dependencies", "gitops-types"),
    ] {
        assert_eq!(
            doc[table][name]["path"].as_str(),
            Some(format!("../gitops-rs/{name}").as_str()),
            "{name} in [{table}]"
        );
    }
}

/// A bare clone of this repository's HEAD with the tag `gitops-rs-test`, at
/// a fixed path (so cargo's Git cache of it is reused between runs).
fn bare_clone() -> std::path::PathBuf {
    let bare = gitops_tests::workspace().join("target/tests/gitops-rs.git");
    let _ = std::fs::remove_dir_all(&bare);
    let workspace = gitops_tests::workspace();
    gitops_tests::git(
        &workspace,
        &["clone", "--quiet", "--bare", ".", bare.to_str().expect("UTF-8 path")],
    );
    gitops_tests::git(&bare, &["tag", "gitops-rs-test", "HEAD"]);
    bare
}

#[test]
fn init_with_git_dependencies_builds_from_a_copy_elsewhere() {
    let bare = bare_clone();
    let url = format!("file://{}", bare.display());
    let krate = ScratchCrate::new("init-git");
    let manifest = "[package]\nname = \"from_git\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    krate.write("Cargo.toml", manifest);
    krate.write("src/main.rs", "mod config;\nfn main() {\n    let _config: config::Config = gitops_types::load().unwrap();\n}\n");

    // Refused before anything is written: a URL git cannot read, a tag the
    // repository lacks.
    let out = gitops(&krate, &["init", "--git", "file:///nonexistent/gitops-rs.git"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(
            "init --git file:///nonexistent/gitops-rs.git: git cannot read the repository ("
        ),
        "{}",
        text(&out)
    );
    let out = gitops(&krate, &["init", "--git", &url, "--tag", "no-such-tag"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("the repository has no refs/tags/no-such-tag"), "{}", text(&out));
    // `--tag` names a ref of `--git`: without it, clap says so.
    let out = krate.run(BIN, &["gitops", "init", "--tag", "x"]);
    assert!(
        text(&out).contains("the following required arguments were not provided"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("--git <URL>"), "{}", text(&out));
    let out = gitops(&krate, &["init", "--tag", "x"]);
    assert!(
        text(&out).contains("cannot be used with '--path"),
        "--tag with --path: {}",
        text(&out)
    );
    assert_eq!(krate.read("Cargo.toml"), manifest);
    assert!(!krate.dir.join("build.rs").exists() && !krate.dir.join("src/config.rs").exists());

    let out = gitops(&krate, &["init", "--git", &url, "--tag", "gitops-rs-test"]);
    assert_success("cargo gitops init --git", &out);
    assert!(
        text(&out).contains(&format!("git dependencies on {url}, tag gitops-rs-test")),
        "{}",
        text(&out)
    );
    let doc: toml_edit::DocumentMut = krate.read("Cargo.toml").parse().expect("TOML");
    for (table, name) in [
        ("dependencies", "gitops-types"),
        ("build-dependencies", "gitops-gen"),
        ("build-dependencies", "gitops-types"),
    ] {
        let entry = &doc[table][name];
        assert_eq!(entry["git"].as_str(), Some(url.as_str()), "{name} in [{table}]");
        assert_eq!(entry["tag"].as_str(), Some("gitops-rs-test"), "{name} in [{table}]");
        assert!(entry.get("path").is_none(), "{name} in [{table}]");
    }

    // A copy in another directory (a CI clone) builds: cargo fetches the
    // crates from the repository. HTTP goes to a dead local proxy, so
    // nothing but the file:// repository is reached.
    let copy = ScratchCrate::new("init-git-copy");
    // Cargo.lock too, as a binary crate commits it.
    for file in ["Cargo.toml", "Cargo.lock", "build.rs", "src/main.rs", "src/config.rs"] {
        copy.write(file, &krate.read(file));
    }
    drop(krate);
    let out = std::process::Command::new(gitops_tests::scratch_crate::cargo())
        .args(["build", "--quiet"])
        .current_dir(&copy.dir)
        .env("CARGO_TARGET_DIR", gitops_tests::scratch_crate::target_dir())
        .env("CARGO_NET_OFFLINE", "false")
        .env("CARGO_HTTP_PROXY", "http://127.0.0.1:9")
        .output()
        .expect("run cargo");
    assert_success("cargo build of the copy", &out);
    let lock = copy.read("Cargo.lock");
    assert!(lock.contains(&format!("source = \"git+{url}?tag=gitops-rs-test#")), "{lock}");
    assert!(copy.read("chart/Chart.yaml").contains("name: from-git"));
}
