//! `cargo gitops`: every command is listed in docs/reference.md, "Commands".

use std::process::ExitCode;

/// Every command's usage line (each module's own) and what it does.
fn usage() -> String {
    use cargo_gitops::{build_command, import, init, pin_command};
    let commands = [
        (init::USAGE, "add gitops-rs to the crate in the current directory"),
        (
            build_command::CHECK_USAGE,
            "check the chart, its environments and manifests (runs the build script)",
        ),
        (
            build_command::ENV_USAGE,
            "write .env.example from the config struct (runs the build script)",
        ),
        (
            import::USAGE,
            "an existing chart's values as a Rust config module, its values files converted",
        ),
        (pin_command::RELEASE_USAGE, "pin an environment's image (pins/<env>.yaml)"),
        (pin_command::PROMOTE_USAGE, "copy one environment's pin to another"),
        (pin_command::HISTORY_USAGE, "an environment's pins over the Git history"),
    ];
    let mut out = String::from("usage:");
    for (line, what) in commands {
        out.push_str(&format!("\n  {line}\n      {what}"));
    }
    out
}

const COMMANDS: &[&str] = &["init", "check", "env", "import", "release", "promote", "history"];

/// `-h`/`--help` where an option's name goes (not as the value of the
/// option before it, `--tag -h`).
fn wants_help(rest: &[String]) -> bool {
    rest.iter().enumerate().any(|(i, arg)| {
        let value_of_previous = i > 0 && {
            let previous = &rest[i - 1];
            previous.starts_with('-') && !previous.contains('=')
        };
        (arg == "-h" || arg == "--help") && !value_of_previous
    })
}

fn main() -> ExitCode {
    // Run as `cargo gitops …`, cargo passes `gitops` first; run directly, it does not.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("gitops") {
        args.remove(0);
    }
    let result = match args.split_first() {
        Some((command, rest)) if COMMANDS.contains(&command.as_str()) && wants_help(rest) => {
            println!("{}", usage());
            Ok(())
        }
        Some((command, rest)) => match command.as_str() {
            "init" => cargo_gitops::init::run(rest),
            "check" | "env" => cargo_gitops::build_command::run(command, rest),
            "import" => cargo_gitops::import::run(rest),
            "release" | "promote" | "history" => cargo_gitops::pin_command::run(command, rest),
            "help" | "-h" | "--help" => {
                println!("{}", usage());
                Ok(())
            }
            other => Err(format!("unknown command `{other}`\n\n{}", usage())),
        },
        None => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cargo gitops: {message}");
            ExitCode::FAILURE
        }
    }
}
