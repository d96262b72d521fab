//! One whole generation of `Big`'s chart, for instruction counts that do not
//! move with the machine's load:
//! `valgrind --tool=callgrind target/debug/examples/generate_once`.
//! An argument `tree` stops after `config_tree` (the defaults' check included);
//! `flux` adds Flux, whose chart's version carries a digest of the chart.

use gitops_benches::Big;
use gitops_types::GitOps;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("tree") {
        let default = serde_json::to_value(Big::default()).unwrap();
        let schema = gitops_types::model::schema::of::<Big>();
        let tree = gitops_gen::build::config_tree(&Big::describe(), &schema, &default).unwrap();
        assert_eq!(tree.leaves().len(), 1000);
        return;
    }
    let mut chart = gitops_benches::big_chart();
    if std::env::args().nth(1).as_deref() == Some("flux") {
        let repository = gitops_gen::GitRepository::new("https://git.example/big.git", "chart");
        chart = chart
            .environment(gitops_gen::Environment::new("dev"))
            .controllers(gitops_gen::Controllers::new(repository).flux(gitops_gen::Flux::new()));
    }
    let files = chart.generate().unwrap().chart;
    assert!(files["templates/configmap.yaml"].len() > 1000);
}
