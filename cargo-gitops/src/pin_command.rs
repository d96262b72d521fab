//! `cargo gitops release|promote|history`: image pins per environment
//! (`<chart>/pins/<env>.yaml`), from CI or a shell, through
//! `gitops_release`. Each edit changes only the pinned scalars' bytes; the
//! commit that carries it is the deployment, and `git revert` the rollback.

use crate::args::Args;
use gitops_release as pin;

pub const RELEASE_USAGE: &str =
    "cargo gitops release --chart DIR --env ENV --tag TAG [--digest sha256:HEX]";
pub const PROMOTE_USAGE: &str = "cargo gitops promote --chart DIR --from ENV --to ENV";
pub const HISTORY_USAGE: &str = "cargo gitops history --chart DIR --env ENV [--repo DIR]";

/// Runs `release`, `promote` or `history` with the arguments after its name.
pub fn run(command: &str, args: &[String]) -> Result<(), String> {
    let (usage, allowed): (&str, &[&str]) = match command {
        "release" => (RELEASE_USAGE, &["--chart", "--env", "--tag", "--digest"]),
        "promote" => (PROMOTE_USAGE, &["--chart", "--from", "--to"]),
        _ => (HISTORY_USAGE, &["--chart", "--env", "--repo"]),
    };
    let mut parsed = Args::new(command, args);
    let mut given: Vec<(&str, &str)> = Vec::new();
    while let Some((arg, inline)) = parsed.next_option() {
        if !allowed.contains(&arg) {
            return Err(parsed.unknown(arg, usage));
        }
        if given.iter().any(|(name, _)| *name == arg) {
            return Err(format!("{command}: `{arg}` given twice\nusage: {usage}"));
        }
        given.push((arg, parsed.value(arg, inline)?));
    }
    let get = |name: &str| given.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let need = |name: &str| {
        get(name).ok_or_else(|| format!("{command}: `{name}` is required\nusage: {usage}"))
    };
    let chart = need("--chart")?;
    let failed = |e: gitops_release::Error| format!("{command}: {e}");
    match command {
        "release" => {
            let path = pin::release(chart, need("--env")?, need("--tag")?, get("--digest"))
                .map_err(failed)?;
            println!("pinned: {}", path.display());
        }
        "promote" => {
            let path = pin::promote(chart, need("--from")?, need("--to")?).map_err(failed)?;
            println!("pinned: {}", path.display());
        }
        _ => {
            let env = need("--env")?;
            let pins = pin::history(get("--repo").unwrap_or("."), chart, env).map_err(failed)?;
            if pins.is_empty() {
                println!("no pin of `{env}` in the history");
            }
            for p in pins {
                println!(
                    "{} {} tag={} digest={}",
                    p.commit.get(..12).unwrap_or(&p.commit),
                    p.date,
                    p.tag.as_deref().unwrap_or("-"),
                    p.digest.as_deref().unwrap_or("-"),
                );
            }
        }
    }
    Ok(())
}
