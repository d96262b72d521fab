//! Writes the Helm chart in `chart/` from the `worker-config` crate, which
//! this build script depends on like any other crate.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=chart");
    let dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("chart");
    let written = gitops_gen::Chart::new("worker")
        .image("ghcr.io/acme/worker")
        .version(env!("CARGO_PKG_VERSION"))
        .config::<worker_config::Config>()
        .write(&dir);
    if let Err(err) = written {
        eprintln!("error: gitops-gen could not write the Helm chart to {}: {err}", dir.display());
        std::process::exit(1);
    }
}
