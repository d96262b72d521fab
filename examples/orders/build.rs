//! Writes the Helm chart and its environments' values files into `chart/`,
//! and the GitOps controllers' manifests into `gitops/`, from `deploy.rs`
//! (which reads `src/config.rs`). gitops-gen writes only the files whose
//! content changed, so a build with nothing changed leaves the committed
//! files untouched (`cargo xtask test` checks that). Also hands the build's
//! provenance to the compiler (`gitops_gen::build_info`).

#[path = "src/config.rs"]
mod config;
#[path = "deploy.rs"]
mod deploy;

use std::path::PathBuf;

fn main() {
    // The commit, dirty flag and source date for `gitops_types::build_info!()`
    // (the `GET /version` endpoint and the start-up log line).
    gitops_gen::build_info::emit();
    for input in ["src/config.rs", "deploy.rs", "build.rs"] {
        println!("cargo:rerun-if-changed={input}");
    }
    // Also when a generated file was edited or deleted by hand: the build
    // puts it back. (A hand-written values-*.yaml in chart/ is checked too.)
    println!("cargo:rerun-if-changed=chart");
    println!("cargo:rerun-if-changed=gitops");

    // Cargo's run-time value, not `env!`: this binary may be reused by
    // another checkout sharing the target dir.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let chart = deploy::chart();
    let (chart_dir, gitops_dir) = (manifest_dir.join("chart"), manifest_dir.join("gitops"));
    let written = chart.write(&chart_dir).and_then(|_| chart.write_controllers(&gitops_dir));
    if let Err(err) = written {
        eprintln!("error: gitops-gen could not write the chart or its GitOps manifests: {err}");
        eprintln!("hint: fix src/config.rs or deploy.rs (the files are generated from them), then build again");
        std::process::exit(1);
    }
}
