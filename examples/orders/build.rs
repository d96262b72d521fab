//! Writes the Helm chart in `chart/` from `src/config.rs`. gitops-gen writes
//! only the files whose content changed, so a build with an unchanged config
//! leaves the committed chart untouched (`cargo xtask test` checks that).

#[path = "src/config.rs"]
mod config;

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/config.rs");
    println!("cargo:rerun-if-changed=build.rs");
    // Also when a chart file was edited or deleted by hand: the build puts it back.
    println!("cargo:rerun-if-changed=chart");

    // Cargo's run-time value, not `env!`: this binary may be reused by
    // another checkout sharing the target dir.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let dir = manifest_dir.join("chart");
    let written = gitops_gen::Chart::new("orders")
        .image("ghcr.io/acme/orders")
        .version(env!("CARGO_PKG_VERSION"))
        .config::<config::Config>()
        .write(&dir);
    if let Err(err) = written {
        eprintln!("error: gitops-gen could not write the Helm chart to {}: {err}", dir.display());
        eprintln!("hint: fix src/config.rs (the chart is generated from it), then build again");
        std::process::exit(1);
    }
}
