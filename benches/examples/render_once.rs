//! Native renders (the templates' text) of the orders example's prod release, for profilers
//! (`valgrind --tool=callgrind target/release/examples/render_once [N]`).

use gitops_gen::{RenderOptions, Renderer};
use gitops_tests::differential::chart_files;

fn main() {
    let rounds: usize =
        std::env::args().nth(1).map_or(1, |n| n.parse().expect("a number of rounds"));
    let files = chart_files(&gitops_tests::workspace().join("examples/orders/chart"));
    let values: Vec<(&str, &str)> =
        ["values-prod.yaml", "clusters/prod-beijing.yaml", "pins/prod.yaml"]
            .iter()
            .map(|f| (*f, files[*f].as_str()))
            .collect();
    let options = RenderOptions::new("release", "shop");
    let renderer = Renderer::new(&files).expect("the chart parses");
    for _ in 0..rounds {
        std::hint::black_box(renderer.render_files(&values, &options).expect("renders"));
    }
}
