//! `cargo gitops`: the commands a team runs by hand, beside the build script.
//!
//! The commands are private modules, each with its arguments (clap's derive)
//! and its `run`:
//! - `init`: add gitops-rs to an existing crate (Cargo.toml edited with
//!   `toml_edit`, `src/config.rs` and `build.rs` written, nothing overwritten),
//!   and with `--ci` a pipeline (`ci`: GitHub Actions or GitLab CI);
//! - `build_command`: how a command asks the crate's build script (which
//!   alone can name the config type) through cargo, and `env`;
//! - `check_command`: `check`, and `--policy`'s Rego policies;
//! - [`policy`]: Rego policies (regorus) over the rendered releases, for
//!   `check --policy`; the default policy set;
//! - `render_command`: `render` and `diff`, the releases rendered natively
//!   by the build script, printed or compared with a base revision;
//! - `import_command`: [`import`], an existing chart's values as a Rust
//!   config module, written to files;
//! - `pin_command`: `release`, `promote` and `history` of the environments'
//!   image pins;
//! - `tag_command`: `tag`, the release tag the release gate compares with.
//!
//! Public: [`main`] for the binary, [`import`] (the chart import, which the
//! round-trip test drives directly), [`policy`] (which the policy tests
//! drive on renders of their own) and [`Error`].

mod build_command;
mod check_command;
mod ci;
mod error;
mod files;
pub mod import;
mod import_command;
mod init;
mod manifest;
mod pin_command;
pub mod policy;
mod render_command;
mod tag_command;

pub use error::Error;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The command line as cargo passes it: `cargo gitops init` runs
/// `cargo-gitops gitops init`, so the binary parses itself as `cargo` with
/// one subcommand, `gitops`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Set a crate up for gitops-rs, check its chart, write its .env.example,
    /// import an existing Helm chart, pin images per environment
    #[command(subcommand)]
    Gitops(Command),
}

/// `cargo gitops`'s commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Add gitops-rs to the crate in the current directory
    Init(init::Args),
    /// Check the chart, its environments and manifests (runs the build script)
    Check(check_command::CheckArgs),
    /// Write .env.example from the config struct (runs the build script)
    Env(build_command::EnvArgs),
    /// Print what would be applied, rendered without Helm (runs the build script)
    Render(render_command::RenderArgs),
    /// What a change does to each environment's releases, against a base revision
    Diff(render_command::DiffArgs),
    /// An existing chart's values as a Rust config module, its values files converted
    Import(import_command::Args),
    /// Pin an environment's image (pins/<env>.yaml)
    Release(pin_command::ReleaseArgs),
    /// Copy one environment's pin to another
    Promote(pin_command::PromoteArgs),
    /// An environment's pins over the Git history
    History(pin_command::HistoryArgs),
    /// Tag HEAD as the chart's release (<chart>-v<version>), the release gate's next baseline
    Tag(tag_command::TagArgs),
}

impl Command {
    fn run(self) -> Result<ExitCode, Error> {
        let done = |result: Result<(), Error>| result.map(|()| ExitCode::SUCCESS);
        match self {
            Command::Init(args) => done(init::run(args)),
            Command::Check(args) => done(check_command::check(args)),
            Command::Env(args) => done(build_command::env(args)),
            Command::Render(args) => done(render_command::run_render(args)),
            Command::Diff(args) => render_command::run_diff(args),
            Command::Import(args) => done(import_command::run(args)),
            Command::Release(args) => done(pin_command::release(args)),
            Command::Promote(args) => done(pin_command::promote(args)),
            Command::History(args) => done(pin_command::history(args)),
            Command::Tag(args) => done(tag_command::run(args)),
        }
    }
}

/// The `cargo-gitops` binary: parses the arguments, runs the command and
/// prints its error as `cargo gitops: …`. Exit status 0 on success and for
/// `--help`, 1 for a usage mistake (clap's message and usage) or a failed
/// command, 2 from `diff` when a production release changes.
pub fn main() -> ExitCode {
    let Cargo::Gitops(command) = match Cargo::try_parse() {
        Ok(cargo) => cargo,
        Err(usage) => {
            let _ = usage.print();
            return if usage.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    match command.run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cargo gitops: {error}");
            ExitCode::FAILURE
        }
    }
}
