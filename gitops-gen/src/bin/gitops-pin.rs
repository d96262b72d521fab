//! `gitops-pin`: image pins per environment from CI or a shell
//! (`cargo xtask release|promote|history` runs it on the orders example).
//!
//! ```text
//! gitops-pin release --chart DIR --env ENV --tag TAG [--digest sha256:…]
//! gitops-pin promote --chart DIR --from ENV --to ENV
//! gitops-pin history --chart DIR --env ENV [--repo DIR]
//! ```

use gitops_gen::pin;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  gitops-pin release --chart DIR --env ENV --tag TAG [--digest sha256:HEX]
  gitops-pin promote --chart DIR --from ENV --to ENV
  gitops-pin history --chart DIR --env ENV [--repo DIR]   (repo: default `.`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gitops-pin: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` pairs after the command; unknown or repeated names refused.
fn options<'a>(args: &'a [String], allowed: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    let mut rest = args.iter();
    while let Some(name) = rest.next() {
        let key = name.strip_prefix("--").filter(|k| allowed.contains(k));
        let Some(key) = key else { return Err(format!("unexpected argument `{name}`\n\n{USAGE}")) };
        let Some(value) = rest.next() else { return Err(format!("`{name}` needs a value")) };
        if out.iter().any(|(k, _)| *k == key) {
            return Err(format!("`{name}` given twice"));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn run(args: &[String]) -> Result<(), String> {
    let Some((command, rest)) = args.split_first() else { return Err(USAGE.into()) };
    let allowed: &[&str] = match command.as_str() {
        "release" => &["chart", "env", "tag", "digest"],
        "promote" => &["chart", "from", "to"],
        "history" => &["chart", "env", "repo"],
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            return Ok(());
        }
        other => return Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    let opts = options(rest, allowed)?;
    let get = |key: &str| opts.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let need =
        |key: &str| get(key).ok_or_else(|| format!("`{command}` needs `--{key}`\n\n{USAGE}"));
    let chart = need("chart")?;
    match command.as_str() {
        "release" => {
            let path = pin::release(chart, need("env")?, need("tag")?, get("digest"))
                .map_err(|e| e.to_string())?;
            println!("pinned: {}", path.display());
        }
        "promote" => {
            let path =
                pin::promote(chart, need("from")?, need("to")?).map_err(|e| e.to_string())?;
            println!("pinned: {}", path.display());
        }
        _ => {
            let env = need("env")?;
            let pins =
                pin::history(get("repo").unwrap_or("."), chart, env).map_err(|e| e.to_string())?;
            if pins.is_empty() {
                println!("no pin of `{env}` in the history");
            }
            for p in pins {
                println!(
                    "{} {} tag={} digest={}",
                    &p.commit[..p.commit.len().min(12)],
                    p.date,
                    p.tag.as_deref().unwrap_or("-"),
                    p.digest.as_deref().unwrap_or("-"),
                );
            }
        }
    }
    Ok(())
}
