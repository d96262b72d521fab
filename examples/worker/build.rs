//! Writes the Helm chart in `chart/` from the `worker-config` crate, which
//! this build script depends on like any other crate, through gitops-gen's
//! build-script entry point (which also answers `cargo gitops check -p
//! worker` and `cargo gitops env -p worker`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    gitops_gen::Chart::new("worker")
        .image("ghcr.io/acme/worker")
        .version(env!("CARGO_PKG_VERSION"))
        .config::<worker_config::Config>()
        .build_script(gitops_gen::Outputs::chart("chart"));
}
