//! `cargo gitops check` and `cargo gitops env`: both need the crate's own
//! config type, which only its build script can name. So they run `cargo
//! check` with gitops-gen's control variables set (see
//! `gitops_gen::build_script`), and the build script, calling
//! `Chart::build_script`, does the work and leaves a receipt saying what
//! happened.
//!
//! `cargo check`, not `cargo build`: build scripts are compiled and run the
//! same way by both, and check skips generating the crate's own code, the
//! slow part. A fresh nonce each run makes cargo rerun the build script even
//! when nothing else changed. No receipt after a successful `cargo check`
//! means the build script does not call the entry point: that is reported,
//! never taken for a pass.

use crate::args::{self, Args};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variables `gitops_gen::build_script` reads (the same names; a test
/// compares them).
pub mod vars {
    pub const MODE: &str = "GITOPS_GEN";
    pub const PACKAGE: &str = "GITOPS_GEN_PACKAGE";
    pub const ENV_OUT: &str = "GITOPS_GEN_ENV_OUT";
    pub const NONCE: &str = "GITOPS_GEN_NONCE";
    pub const RECEIPT: &str = "GITOPS_GEN_RECEIPT";
}

const CHECK_USAGE: &str = "cargo gitops check [-p PACKAGE] [--manifest-path Cargo.toml]";
const ENV_USAGE: &str = "cargo gitops env [-p PACKAGE] [--manifest-path Cargo.toml] [--out FILE]";

/// Runs `check` or `env` with the arguments after its name.
pub fn run(command: &str, args: &[String]) -> Result<(), String> {
    let usage = if command == "env" { ENV_USAGE } else { CHECK_USAGE };
    let mut parsed = Args::new(command, args);
    let (mut package, mut manifest, mut out) = (None, None, None);
    while let Some((arg, inline)) = parsed.next_option() {
        match arg {
            "-p" | "--package" => package = Some(parsed.value(arg, inline)?.to_owned()),
            "--manifest-path" => manifest = Some(parsed.value(arg, inline)?),
            "--out" if command == "env" => {
                out = Some(args::absolute(Path::new(parsed.value(arg, inline)?)))
            }
            _ => return Err(parsed.unknown(arg, usage)),
        }
    }
    let manifest = match manifest {
        Some(given) => Some(args::manifest_path(Some(given))?),
        None => None,
    };
    // The package whose build script answers: -p, else the crate's own.
    let package = match package {
        Some(package) => package,
        None => {
            let path = match &manifest {
                Some(path) => path.clone(),
                None => args::manifest_path(None)?,
            };
            args::package_name(&path)?
        }
    };
    let message = ask(command, &package, manifest.as_deref(), out.as_deref())?;
    println!("{message}");
    Ok(())
}

/// Runs `cargo check` for `package` with the build script asked to do
/// `mode`; its receipt's message, or why there is none.
pub fn ask(
    mode: &str,
    package: &str,
    manifest: Option<&Path>,
    env_out: Option<&Path>,
) -> Result<String, String> {
    let receipt =
        tempfile::Builder::new().prefix("cargo-gitops-receipt.").tempfile().map_err(|e| {
            format!("{mode}: cannot create a receipt file in the temporary directory: {e}")
        })?;
    let nonce = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let cargo = std::env::var_os("CARGO").map(PathBuf::from).unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command.args(["check", "--quiet", "-p", package]);
    if let Some(manifest) = manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    command
        .env(vars::MODE, mode)
        .env(vars::PACKAGE, package)
        .env(vars::NONCE, nonce)
        .env(vars::RECEIPT, receipt.path());
    match env_out {
        Some(out) => command.env(vars::ENV_OUT, out),
        None => command.env_remove(vars::ENV_OUT),
    };
    eprintln!(
        "cargo gitops {mode}: running `cargo check -p {package}`; its build script does the {mode}"
    );
    let output =
        command.output().map_err(|e| format!("{mode}: cannot run {}: {e}", cargo.display()))?;
    let text = std::fs::read_to_string(receipt.path()).unwrap_or_default();
    match text.split_once('\n') {
        Some(("ok", message)) => Ok(message.trim_end().to_owned()),
        Some(("error", message)) => {
            Err(format!("{mode} failed for `{package}`:\n{}", message.trim_end()))
        }
        _ if !output.status.success() => Err(format!(
            "{mode}: `cargo check -p {package}` failed before its build script answered:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        )),
        _ => Err(format!(
            "{mode}: the build script of `{package}` did not answer: it does not call \
             `gitops_gen::Chart::build_script` (or `build_script_with_controllers`), or the \
             package has no build script, so nothing was {}. Call it in build.rs in place of \
             `Chart::write` (see the README, \"The cargo gitops command\")",
            if mode == "env" { "written" } else { "checked" }
        )),
    }
}
