//! Writes the Helm chart and its environments' values files into `chart/`,
//! the GitOps controllers' manifests into `gitops/`, every release rendered
//! into `rendered/` and as Kustomize overlays into `kustomize/`, from
//! `deploy.rs` (which reads `src/config.rs`), through gitops-gen's
//! build-script entry point, which also answers `cargo gitops check`,
//! `env`, `render` and `diff`. gitops-gen writes only the files whose content changed,
//! so a build with nothing changed leaves the committed files untouched
//! (`cargo xtask test` checks that). Also hands the build's provenance to
//! the compiler (`gitops_gen::build_info`).

#[path = "src/config.rs"]
mod config;
#[path = "deploy.rs"]
mod deploy;

fn main() {
    // The commit, dirty flag and source date for `gitops_types::build_info!()`
    // (the `GET /version` endpoint and the start-up log line).
    gitops_gen::build_info::emit();
    for input in ["src/config.rs", "deploy.rs", "build.rs"] {
        println!("cargo:rerun-if-changed={input}");
    }
    // Relative to this crate's directory. Also reruns when a generated file
    // was edited or deleted by hand: the build puts it back. (A hand-written
    // values-*.yaml in chart/ is checked too.) On an error, prints it and
    // fails the build: fix src/config.rs or deploy.rs, the files' source.
    deploy::chart().build_script(deploy::outputs());
}
