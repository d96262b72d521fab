use gitops_gen::Chart;
use gitops_tests::fixtures::{RoundTripEnv, RoundTripFile};
use gitops_tests::scratch_dir;

#[test]
fn explore() {
    let env = scratch_dir("null-values-explore/env");
    Chart::new("rt")
        .image("registry.local/rt")
        .config::<RoundTripEnv>()
        .write(&env)
        .expect("chart");
    let file = scratch_dir("null-values-explore/file");
    Chart::new("rt")
        .image("registry.local/rt")
        .config::<RoundTripFile>()
        .write(&file)
        .expect("chart");
}
