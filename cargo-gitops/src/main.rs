//! `cargo gitops`: see the README's "The cargo gitops command".

use std::process::ExitCode;

const USAGE: &str = "\
usage:
  cargo gitops init   [--path DIR] [--manifest-path FILE]
                      add gitops-rs to the crate in the current directory (DIR: a gitops-rs checkout)
  cargo gitops check  [-p PACKAGE] [--manifest-path FILE]
                      check the chart, its environments and manifests (runs the build script)
  cargo gitops env    [-p PACKAGE] [--manifest-path FILE] [--out FILE]
                      write .env.example from the config struct (runs the build script)
  cargo gitops import CHART_DIR --out FILE [--values-out DIR] [--env-prefix PREFIX]
                      an existing chart's values as a Rust config module, its values files converted
  cargo gitops release --chart DIR --env ENV --tag TAG [--digest sha256:HEX]
  cargo gitops promote --chart DIR --from ENV --to ENV
  cargo gitops history --chart DIR --env ENV [--repo DIR]
                      image pins per environment (pins/<env>.yaml): set, copy, list over git history";

fn main() -> ExitCode {
    // Run as `cargo gitops …`, cargo passes `gitops` first; run directly, it does not.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("gitops") {
        args.remove(0);
    }
    let wants_help = |rest: &[String]| rest.iter().any(|a| a == "-h" || a == "--help");
    let result = match args.split_first() {
        Some((_, rest)) if wants_help(rest) => {
            println!("{USAGE}");
            Ok(())
        }
        Some((command, rest)) => match command.as_str() {
            "init" => cargo_gitops::init::run(rest),
            "check" | "env" => cargo_gitops::build_command::run(command, rest),
            "import" => cargo_gitops::import::run(rest),
            "release" | "promote" | "history" => cargo_gitops::pin_command::run(command, rest),
            "help" | "-h" | "--help" => {
                println!("{USAGE}");
                Ok(())
            }
            other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        },
        None => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cargo gitops: {message}");
            ExitCode::FAILURE
        }
    }
}
