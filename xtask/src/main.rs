//! `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! - `gen`: rebuilds the examples, whose build.rs writes their Helm charts,
//!   and lists the chart files.
//! - `test [ARGS...]`: the whole suite on a fresh machine: installs the test
//!   oracles into `target/oracle-venv` (Python) and `target/oracle-node`
//!   (Node.js, for custom resources), runs every test of the workspace
//!   (`ARGS` go to `cargo test`), packages every publishable crate, checks
//!   that the committed example charts match what the build generated, and
//!   runs `cargo gitops check` on each example (its release gate included).
//! - `release --env ENV --tag TAG [--digest sha256:…]`, `promote --from ENV
//!   --to ENV`, `history --env ENV`: the orders example's image pins
//!   (`examples/orders/chart/pins/<env>.yaml`), by `cargo gitops` (crate cargo-gitops).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// What the examples' build.rs write: (cargo package, directory), a chart
/// or a GitOps controllers' manifests.
const EXAMPLES: &[(&str, &str)] = &[
    ("orders", "examples/orders/chart"),
    ("orders", "examples/orders/gitops"),
    ("orders", "examples/orders/rendered"),
    ("orders", "examples/orders/kustomize"),
    ("worker", "examples/worker/chart"),
];
/// Every generated file of every example, as git pathspecs. Not
/// `examples/*/chart`: a wildcard pathspec matches paths, not the files
/// under a matched directory, so that one matches nothing.
const GENERATED_PATHSPECS: &[&str] = &[
    "examples/*/chart/*",
    "examples/*/gitops/*",
    "examples/*/rendered/*",
    "examples/*/kustomize/*",
];
const REQUIREMENTS: &str = "tests/oracle/requirements.txt";
const VENV: &str = "target/oracle-venv";
const STAMP: &str = ".requirements.sha";
/// The Node.js oracle for custom resources: its package files and where
/// `npm ci` installs them.
const NODE_PACKAGE: &str = "tests/oracle/crd";
const NODE_ORACLE: &str = "target/oracle-node";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  gen            rebuild the examples, regenerating their Helm charts and GitOps manifests
                 (examples/*/chart, examples/*/gitops)
  test [ARGS]    run the whole suite: oracle venv, `cargo test --workspace --all-targets [ARGS]`,
                 doc tests, `cargo package` of the publishable crates, then check the committed
                 example charts and GitOps manifests are up to date and pass `cargo gitops check`
  package        `cargo package` of every publishable crate, each built from its package
                 (a publish dry run; part of `test`)
  release --env ENV --tag TAG [--digest sha256:HEX]
                 pin the orders example's image in ENV (examples/orders/chart/pins/ENV.yaml)
  promote --from ENV --to ENV
                 copy one environment's pin to another
  history --env ENV
                 the environment's pins over Git history: commit, date, tag, digest";

/// The chart whose pins `release`, `promote` and `history` edit.
const PINNED_CHART: &str = "examples/orders/chart";

/// A failed step: what to print and the exit code to leave with.
struct Failure {
    step: &'static str,
    message: String,
    code: u8,
}

impl Failure {
    fn new(step: &'static str, message: impl Into<String>) -> Self {
        Failure { step, message: message.into(), code: 1 }
    }
}

type Result<T = ()> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        "gen" if rest.is_empty() => gen(),
        "test" => test(rest),
        "package" if rest.is_empty() => package_dry_run(&root()),
        "release" | "promote" | "history" => pin(command, rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("xtask: unknown command `{}`\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask {command}: step `{}` failed: {}", failure.step, failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// `release`, `promote`, `history` on the orders example, by `cargo gitops`
/// (xtask itself stays std only).
fn pin(command: &str, args: &[String]) -> Result {
    let root = root();
    let mut pin = cargo();
    pin.args(["run", "--quiet", "-p", "cargo-gitops", "--", "gitops", command]);
    pin.arg("--chart").arg(root.join(PINNED_CHART)).args(args);
    if command == "history" {
        pin.arg("--repo").arg(&root);
    }
    run("cargo gitops", &mut pin)
}

/// The workspace root: xtask lives one level below it. Read at run time
/// (`cargo run` sets `CARGO_MANIFEST_DIR`): a binary built in another
/// checkout that shares this target dir must not work on that checkout.
fn root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = manifest_dir.parent().unwrap_or(Path::new(".")).to_path_buf();
    root.canonicalize().unwrap_or(root)
}

/// The cargo that runs us (`cargo xtask` sets `CARGO`), so the same toolchain builds.
fn cargo() -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")));
    command.current_dir(root());
    command
}

/// Runs `command`; a non-zero exit becomes a failure of `step` with the same code.
fn run(step: &'static str, command: &mut Command) -> Result {
    eprintln!("xtask: {}", display(command));
    let status = command.status().map_err(|err| {
        Failure::new(step, format!("could not start `{}`: {err}", display(command)))
    })?;
    if status.success() {
        return Ok(());
    }
    Err(Failure {
        step,
        message: format!("`{}` exited with {status}", display(command)),
        code: status.code().and_then(|c| u8::try_from(c).ok()).filter(|&c| c != 0).unwrap_or(1),
    })
}

/// Runs `command` and returns its stdout; for small queries such as git's.
fn output(step: &'static str, command: &mut Command) -> Result<String> {
    let out = command.output().map_err(|err| {
        Failure::new(step, format!("could not start `{}`: {err}", display(command)))
    })?;
    if !out.status.success() {
        return Err(Failure::new(
            step,
            format!(
                "`{}` exited with {}: {}",
                display(command),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn display(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(program)
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- gen

fn gen() -> Result {
    let mut build = cargo();
    build.arg("build");
    let mut packages: Vec<&str> = EXAMPLES.iter().map(|(package, _)| *package).collect();
    packages.sort_unstable();
    packages.dedup();
    for package in packages {
        build.args(["--package", package]);
    }
    run("build examples", &mut build)?;

    let root = root();
    let changed = git_status(&root).unwrap_or_default();
    for (package, dir) in EXAMPLES {
        let mut files = Vec::new();
        list_files(&root.join(dir), &mut files)
            .map_err(|err| Failure::new("list charts", format!("{dir}: {err}")))?;
        files.sort();
        println!("{package}: {} files in {dir}/", files.len());
        for file in files {
            let relative = file.strip_prefix(&root).unwrap_or(&file).to_string_lossy().into_owned();
            let mark = changed
                .iter()
                .find(|(_, path)| relative == *path || relative.starts_with(path.as_str()))
                .map_or("  ", |(status, _)| status.as_str());
            println!("  {mark} {relative}");
        }
    }
    // Files the build removed no longer exist to be listed above.
    for (status, path) in changed.iter().filter(|(status, _)| status.contains('D')) {
        println!("  {status} {path}");
    }
    if !changed.is_empty() {
        println!("(marked: new or changed since the last commit; review and commit them)");
    }
    Ok(())
}

/// `git status --porcelain` of the example charts as (status, path) pairs;
/// `None` when git is not available here.
fn git_status(root: &Path) -> Option<Vec<(String, String)>> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["status", "--porcelain", "--untracked-files=all", "--"])
        .args(GENERATED_PATHSPECS)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter(|line| line.len() > 3)
            .map(|line| (line[..2].to_owned(), line[3..].to_owned()))
            .collect(),
    )
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- test

fn test(cargo_args: &[String]) -> Result {
    let root = root();
    let python = oracle_venv(&root)?;
    let node_modules = oracle_node(&root)?;

    let mut tests = cargo();
    tests
        .args(["test", "--workspace", "--all-targets"])
        .args(cargo_args)
        .env("GITOPS_ORACLE_PYTHON", &python)
        .env("GITOPS_ORACLE_NODE_MODULES", &node_modules);
    run("cargo test", &mut tests)?;

    // Doc tests: `--all-targets` leaves them out, so they get their own run.
    // Cheap: the libraries are already built by the run above, and each doc
    // example is one small compile (the whole run took under a second when
    // this was written, with one doc example). The crate docs' examples are
    // the first code a user copies, so one that no longer compiles is a bug.
    // Extra ARGS are not passed: they are meant for the main run (a test
    // name filter would match no doc test and flags may not apply).
    let mut doc = cargo();
    doc.args(["test", "--workspace", "--doc"]);
    run("cargo test --doc", &mut doc)?;

    package_dry_run(&root)?;
    charts_up_to_date(&root)?;
    examples_pass_cargo_gitops_check()
}

/// `cargo gitops check -p <example>` for each example, as a user's CI runs
/// it: besides the files (compared already), each example's release gate
/// against its last release tag (`orders-v…`, `worker-v…`), so a change
/// that needs a new chart version fails here until the version is bumped.
fn examples_pass_cargo_gitops_check() -> Result {
    let mut packages: Vec<&str> = EXAMPLES.iter().map(|(package, _)| *package).collect();
    packages.dedup();
    for package in packages {
        let mut check = cargo();
        check.args([
            "run",
            "--quiet",
            "-p",
            "cargo-gitops",
            "--",
            "gitops",
            "check",
            "-p",
            package,
        ]);
        run("cargo gitops check", &mut check)?;
    }
    Ok(())
}

/// `cargo package` for every crate a user's build depends on (each member
/// without `publish = false`): what `cargo publish` would upload, each built
/// from its own package against the others' packages. Catches what a path
/// build hides: a file outside the crate that the code includes, missing
/// metadata, a path dependency without a version. Offline: every crate it
/// needs was fetched by the test run. A dirty tree is allowed, so it runs
/// on work in progress too.
fn package_dry_run(root: &Path) -> Result {
    const STEP: &str = "cargo package";
    let names = publishable_members(root).map_err(|message| Failure::new(STEP, message))?;
    // Its own target directory: cargo builds the packages as registry
    // crates, and the workspace's builds of the same names stay untouched.
    let target = root.join("target").join("package-verify");
    forget_earlier_packages(&target, &names);
    let mut package = cargo();
    package
        .args(["package", "--offline", "--allow-dirty", "--quiet"])
        .env("CARGO_TARGET_DIR", &target);
    for name in &names {
        package.args(["-p", name]);
    }
    run(STEP, &mut package)
}

/// Cargo takes a registry crate as immutable: a name and version it has
/// unpacked or built once is never read again. The packages keep their
/// version from one run to the next, so what earlier runs unpacked (under
/// cargo's registry sources, in the directory of `cargo package`'s local
/// registry, not crates.io's) and built (in `target`) is removed first;
/// otherwise a crate is verified against its dependencies as they were.
fn forget_earlier_packages(target: &Path, names: &[String]) {
    let remove_named = |dir: &Path, prefixes: &[String]| {
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if prefixes.iter().any(|p| file.starts_with(p.as_str())) {
                let path = entry.path();
                let _ =
                    if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
            }
        }
    };
    let builds: Vec<String> = names
        .iter()
        .flat_map(|n| {
            let snake = n.replace('-', "_");
            [format!("{n}-"), format!("{snake}-"), format!("lib{snake}-")]
        })
        .collect();
    for dir in [".fingerprint", "build", "deps"] {
        remove_named(&target.join("debug").join(dir), &builds);
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let sources: Vec<String> = names.iter().map(|n| format!("{n}-")).collect();
    for registry in cargo_home.map(|h| h.join("registry").join("src")).iter() {
        for entry in fs::read_dir(registry).into_iter().flatten().flatten() {
            if !entry.file_name().to_string_lossy().starts_with("index.crates.io-") {
                remove_named(&entry.path(), &sources);
            }
        }
    }
}

/// The package names of the workspace's members that may be published, read
/// from the root Cargo.toml's `members` and each member's `[package]`.
fn publishable_members(root: &Path) -> std::result::Result<Vec<String>, String> {
    let read = |path: PathBuf| {
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let workspace = read(root.join("Cargo.toml"))?;
    let members = workspace
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .ok_or("the root Cargo.toml has no `members = [...]` list")?;
    let mut names = Vec::new();
    for member in members.split(',').map(|m| m.trim().trim_matches('"')).filter(|m| !m.is_empty()) {
        let manifest = read(root.join(member).join("Cargo.toml"))?;
        let field = |key: &str| {
            manifest.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        if field("publish").as_deref() == Some("false") {
            continue;
        }
        names.push(field("name").ok_or(format!("{member}/Cargo.toml has no package name"))?);
    }
    Ok(names)
}

/// Makes `target/oracle-venv` with the packages of requirements.txt, and
/// returns its python. pip runs only when requirements.txt changed since the
/// last install (a hash of it is kept in the venv).
fn oracle_venv(root: &Path) -> Result<PathBuf> {
    const STEP: &str = "oracle venv";
    let requirements_path = root.join(REQUIREMENTS);
    let venv = root.join(VENV);
    let python = venv_python(&venv);
    let stamp = Stamp::of(STEP, &requirements_path, REQUIREMENTS, &venv)?;
    if python.is_file() && stamp.is_current() {
        eprintln!("xtask: {VENV} is up to date with {REQUIREMENTS}");
        return Ok(python);
    }

    if !python.is_file() {
        let python3 = if cfg!(windows) { "python" } else { "python3" };
        let created = run(STEP, Command::new(python3).arg("-m").arg("venv").arg(&venv));
        if let Err(failure) = created {
            // A half-made venv (e.g. ensurepip missing) would be taken as
            // made next time: remove it.
            let _ = fs::remove_dir_all(&venv);
            return Err(Failure {
                message: format!(
                    "{}\nthe test oracles need Python 3 with venv and pip: install them \
                     (Debian/Ubuntu: `apt-get install python3 python3-venv python3-pip`)",
                    failure.message
                ),
                ..failure
            });
        }
    }

    stamp.clear();
    let installed = run(
        STEP,
        Command::new(&python)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r"])
            .arg(&requirements_path),
    );
    if let Err(failure) = installed {
        return Err(Failure {
            message: format!(
                "{}\npip could not install {REQUIREMENTS} into {VENV}: see pip's messages above \
                 (it needs PyPI; if pip itself is missing, install python3-pip and python3-venv, \
                 then delete {VENV})",
                failure.message
            ),
            ..failure
        });
    }
    stamp.write(STEP)?;
    Ok(python)
}

/// Installs the custom-resource validators pinned by
/// `tests/oracle/crd/package-lock.json` into `target/oracle-node` with
/// `npm ci`, unless the lock file is unchanged since the last install, and
/// returns the `node_modules` directory.
fn oracle_node(root: &Path) -> Result<PathBuf> {
    const STEP: &str = "oracle node";
    let package = root.join(NODE_PACKAGE);
    let dir = root.join(NODE_ORACLE);
    let node_modules = dir.join("node_modules");
    let lock = format!("{NODE_PACKAGE}/package-lock.json");
    let stamp = Stamp::of(STEP, &package.join("package-lock.json"), &lock, &dir)?;
    if node_modules.is_dir() && stamp.is_current() {
        eprintln!("xtask: {NODE_ORACLE} is up to date with {lock}");
        return Ok(node_modules);
    }
    stamp.clear();
    fs::create_dir_all(&dir)
        .map_err(|err| Failure::new(STEP, format!("cannot create {NODE_ORACLE}: {err}")))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(package.join(file), dir.join(file)).map_err(|err| {
            Failure::new(STEP, format!("cannot copy {NODE_PACKAGE}/{file}: {err}"))
        })?;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let installed = run(
        STEP,
        Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
            .current_dir(&dir),
    );
    if let Err(failure) = installed {
        return Err(Failure {
            message: format!(
                "{}\nnpm could not install {NODE_PACKAGE}/package-lock.json into {NODE_ORACLE}: \
                 the custom-resource oracle needs Node.js 20 or later with npm, and the npm registry",
                failure.message
            ),
            ..failure
        });
    }
    stamp.write(STEP)?;
    Ok(node_modules)
}

/// Which input file an install in `dir` was made from (a hash of it in
/// `dir/STAMP`), so an unchanged input skips the install.
struct Stamp {
    path: PathBuf,
    hash: String,
}

impl Stamp {
    fn of(step: &'static str, input: &Path, shown: &str, dir: &Path) -> Result<Stamp> {
        let bytes = fs::read(input)
            .map_err(|err| Failure::new(step, format!("cannot read {shown}: {err}")))?;
        let hash = format!("fnv1a64:{:016x}\n", fnv1a64(&bytes));
        Ok(Stamp { path: dir.join(STAMP), hash })
    }

    fn is_current(&self) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|s| s == self.hash)
    }

    /// Before installing: a failed install must not leave a stamp that says
    /// it succeeded.
    fn clear(&self) {
        let _ = fs::remove_file(&self.path);
    }

    fn write(&self, step: &'static str) -> Result {
        fs::write(&self.path, &self.hash).map_err(|err| {
            Failure::new(step, format!("cannot write {}: {err}", self.path.display()))
        })
    }
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// 64-bit FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The build just rewrote every example chart from its config; any
/// difference from git means the committed chart is stale.
fn charts_up_to_date(root: &Path) -> Result {
    const STEP: &str = "chart drift check";
    let git = |args: &[&str]| {
        let mut command = Command::new("git");
        command.current_dir(root).args(args).arg("--").args(GENERATED_PATHSPECS);
        output(STEP, &mut command)
    };
    let status = git(&["status", "--porcelain", "--untracked-files=all"])?;
    if status.trim().is_empty() {
        eprintln!("xtask: the committed example charts and GitOps manifests are up to date");
        return Ok(());
    }
    let diff = git(&["diff"])?;
    eprintln!("git status --porcelain -- {}:\n{status}", GENERATED_PATHSPECS.join(" "));
    if status.lines().any(|line| line.starts_with("??")) {
        eprintln!("(`??`: the build generated a file that is not committed)\n");
    }
    if !diff.trim().is_empty() {
        eprintln!("{diff}");
    }
    let stale: Vec<&str> = EXAMPLES
        .iter()
        .map(|(_, dir)| *dir)
        .filter(|dir| status.lines().any(|line| line.get(3..).is_some_and(|p| p.starts_with(dir))))
        .collect();
    let which = if stale.is_empty() { GENERATED_PATHSPECS.join(", ") } else { stale.join(", ") };
    Err(Failure::new(STEP, format!("{which} is stale: run `cargo xtask gen` and commit")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn display_names_the_program_and_its_args() {
        let mut command = Command::new("/usr/bin/git");
        command.args(["status", "--porcelain"]);
        assert_eq!(display(&command), "git status --porcelain");
    }
}
