//! A stand-in worker: it shows the configuration it would run with. The point
//! of this example is the build set-up (see `build.rs` and `worker-config`).

fn main() {
    let config = worker_config::Config::default();
    println!(
        "worker: queue {:?}, {} at once, {} s per job",
        config.queue, config.concurrency, config.job_timeout_seconds
    );
}
