//! How `cargo gitops` asks a crate's build script (`ask`), and `cargo gitops
//! env`; `check`, `render` and `diff` ask it too. They need the crate's own
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

use crate::manifest::{self, Find};
use crate::Error;
use gitops_gen::build_script as gen_vars;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `cargo gitops env`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct EnvArgs {
    #[command(flatten)]
    krate: Crate,
    /// Where to write the file [default: .env.example beside the crate's Cargo.toml]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Which crate: the options of every command that runs its build script.
#[derive(Debug, clap::Args)]
pub(crate) struct Crate {
    /// The package whose build script answers, by name [default: the crate's own]
    #[arg(short, long, value_name = "PACKAGE", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    package: Option<String>,
    /// The crate's (or its workspace's) Cargo.toml [default: the nearest
    /// from the current directory upward]
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
}

/// Runs `env`.
pub(crate) fn env(args: EnvArgs) -> Result<(), Error> {
    let (package, manifest) = args.krate.resolve("env")?;
    let env_out =
        args.out.map(|out| (gen_vars::ENV_OUT, manifest::absolute(&out).into_os_string()));
    println!("{}", ask("env", &package, manifest.as_deref(), env_out.as_slice())?);
    Ok(())
}

impl Crate {
    /// The package whose build script answers (`-p`, else the crate's own)
    /// and the `--manifest-path` to give cargo, if any.
    pub(crate) fn resolve(self, command: &'static str) -> Result<(String, Option<PathBuf>), Error> {
        let manifest = match self.manifest_path {
            Some(given) => Some(manifest::manifest_path(Some(&given), Find::Upward)?),
            None => None,
        };
        let package = match self.package {
            Some(package) => check_package_name(command, &package)?,
            None => {
                let path = match &manifest {
                    Some(path) => path.clone(),
                    None => manifest::manifest_path(None, Find::Upward)?,
                };
                manifest::package_name(
                    &manifest::read_manifest(&path)?,
                    &path,
                    "name the package with -p, or run this in its directory",
                )?
            }
        };
        Ok((package, manifest))
    }
}

/// Runs `cargo check` for `package` (a name, which the build script
/// compares with its `CARGO_PKG_NAME`) with the build script asked to do
/// `mode`, `vars` set for it (gitops-gen's other variables are unset); its
/// receipt's message, or why there is none or why cargo failed.
pub(crate) fn ask(
    mode: &'static str,
    package: &str,
    manifest: Option<&Path>,
    vars: &[(&str, std::ffi::OsString)],
) -> Result<String, Error> {
    let receipt = tempfile::Builder::new()
        .prefix("cargo-gitops-receipt.")
        .tempfile()
        .map_err(|source| Error::Receipt { command: mode, source })?;
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
        .env(gen_vars::MODE, mode)
        .env(gen_vars::PACKAGE, package)
        .env(gen_vars::NONCE, nonce)
        .env(gen_vars::RECEIPT, receipt.path());
    for var in [gen_vars::ENV_OUT, gen_vars::RENDER] {
        command.env_remove(var);
    }
    command.envs(vars.iter().map(|(k, v)| (k, v)));
    let task = match mode {
        "env" => "writes .env.example",
        "render" => "renders the chart",
        _ => "checks the chart",
    };
    eprintln!("cargo gitops {mode}: running `cargo check -p {package}`; its build script {task}");
    let output = command.output().map_err(|source| Error::RunCargo {
        command: mode,
        cargo: cargo.clone(),
        source,
    })?;
    let text = std::fs::read_to_string(receipt.path()).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&output.stderr);
    match text.split_once('\n') {
        Some(("ok", message)) if output.status.success() => Ok(message.trim_end().to_owned()),
        // The build script answered, then the crate's own code failed.
        Some(("ok", message)) => Err(Error::CrateFailed {
            command: mode,
            package: package.to_owned(),
            answer: message.trim_end().to_owned(),
            stderr: stderr.trim_end().to_owned(),
        }),
        Some(("error", message)) => Err(Error::BuildScript {
            command: mode,
            package: package.to_owned(),
            message: message.trim_end().to_owned(),
        }),
        _ if !output.status.success() => Err(Error::CargoFailed {
            command: mode,
            package: package.to_owned(),
            stderr: stderr.trim_end().to_owned(),
        }),
        _ => Err(Error::NoAnswer { command: mode, package: package.to_owned() }),
    }
}

/// `-p`'s value when it is a package's name. A package spec (`name@1.0`,
/// a URL) is refused: the build script answers only when the name asked
/// equals its own `CARGO_PKG_NAME`, so a spec would never match and would be
/// misreported as a build script that does not call the entry point.
fn check_package_name(command: &'static str, package: &str) -> Result<String, Error> {
    let is_name = |text: &str| {
        !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    if is_name(package) {
        return Ok(package.to_owned());
    }
    let name = package.split_once('@').map(|(name, _)| name).filter(|name| is_name(name));
    Err(Error::PackageSpec { command, spec: package.to_owned(), name: name.map(str::to_owned) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_specs_are_refused() {
        assert_eq!(check_package_name("check", "orders_2-x").unwrap(), "orders_2-x");
        let err = check_package_name("check", "orders@1.0.0").unwrap_err().to_string();
        assert!(
            err.contains("check -p orders@1.0.0: give the package's name only (`-p orders`)"),
            "{err}"
        );
        assert!(check_package_name("env", "orders*").is_err());
        assert!(check_package_name("env", "path+file:///x#orders").is_err());
    }
}
