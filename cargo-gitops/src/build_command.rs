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
//! never taken for a pass. A receipt does not make a failed `cargo check`
//! a success: when the crate's own code does not compile after the build
//! script answered, the command fails with cargo's errors.

use crate::args::{self, Args, Find};
use gitops_gen::build_script as vars;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const CHECK_USAGE: &str = "cargo gitops check [-p PACKAGE] [--manifest-path Cargo.toml]";
pub const ENV_USAGE: &str =
    "cargo gitops env [-p PACKAGE] [--manifest-path Cargo.toml] [--out FILE]";

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
        Some(given) => Some(args::manifest_path(Some(given), Find::Upward)?),
        None => None,
    };
    // The package whose build script answers: -p, else the crate's own.
    let package = match package {
        Some(package) => check_package_name(command, &package)?,
        None => {
            let path = match &manifest {
                Some(path) => path.clone(),
                None => args::manifest_path(None, Find::Upward)?,
            };
            args::package_name(
                &args::read_manifest(&path)?,
                &path,
                "name the package with -p, or run this in its directory",
            )?
        }
    };
    let message = ask(command, &package, manifest.as_deref(), out.as_deref())?;
    println!("{message}");
    Ok(())
}

/// Runs `cargo check` for `package` (a name, which the build script
/// compares with its `CARGO_PKG_NAME`) with the build script asked to do
/// `mode`; its receipt's message, or why there is none or why cargo failed.
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
        "cargo gitops {mode}: running `cargo check -p {package}`; its build script {}",
        if mode == "env" { "writes .env.example" } else { "checks the chart" }
    );
    let output =
        command.output().map_err(|e| format!("{mode}: cannot run {}: {e}", cargo.display()))?;
    let text = std::fs::read_to_string(receipt.path()).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&output.stderr);
    match text.split_once('\n') {
        Some(("ok", message)) if output.status.success() => Ok(message.trim_end().to_owned()),
        // The build script answered, then the crate's own code failed.
        Some(("ok", message)) => Err(format!(
            "{mode}: {} ({}), but `cargo check -p {package}` failed:\n{}",
            if mode == "check" { "the chart check passed" } else { "the build script answered" },
            message.trim_end(),
            stderr.trim_end()
        )),
        Some(("error", message)) => {
            Err(format!("{mode} failed for `{package}`:\n{}", message.trim_end()))
        }
        _ if !output.status.success() => Err(format!(
            "{mode}: `cargo check -p {package}` failed before its build script answered:\n{}",
            stderr.trim_end()
        )),
        _ => Err(format!(
            "{mode}: the build script of `{package}` did not answer, so nothing was {}: \
             the package has no build script (`cargo gitops init` sets one up), or its \
             build script does not call `gitops_gen::Chart::build_script` (or \
             `build_script_with_controllers`): call it in place of `Chart::write` (see \
             gitops-rs's docs/getting-started.md, \"The build script\")",
            if mode == "env" { "written" } else { "checked" }
        )),
    }
}

/// `-p`'s value when it is a package's name. A package spec (`name@1.0`,
/// a URL) is refused: the build script answers only when the name asked
/// equals its own `CARGO_PKG_NAME`, so a spec would never match and would be
/// misreported as a build script that does not call the entry point.
fn check_package_name(command: &str, package: &str) -> Result<String, String> {
    let is_name = |text: &str| {
        !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    if is_name(package) {
        return Ok(package.to_owned());
    }
    let example = match package.split_once('@') {
        Some((name, _)) if is_name(name) => format!(" (`-p {name}`)"),
        _ => String::new(),
    };
    Err(format!(
        "{command} -p {package}: give the package's name only{example}: a package spec \
         (`name@version`, a URL, a pattern) is not supported"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_specs_are_refused() {
        assert_eq!(check_package_name("check", "orders_2-x").unwrap(), "orders_2-x");
        let err = check_package_name("check", "orders@1.0.0").unwrap_err();
        assert!(
            err.contains("check -p orders@1.0.0: give the package's name only (`-p orders`)"),
            "{err}"
        );
        assert!(check_package_name("env", "orders*").is_err());
        assert!(check_package_name("env", "path+file:///x#orders").is_err());
    }
}
