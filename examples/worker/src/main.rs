//! A stand-in worker: it loads its configuration the way its chart delivers
//! it (file delivery: a mounted JSON file and the Secret's files) and shows
//! it. The point of this example is the build set-up (see `build.rs` and
//! `worker-config`) and the second delivery mode.

use std::process::ExitCode;

fn main() -> ExitCode {
    match gitops_types::load::<worker_config::Config>() {
        Ok(config) => {
            println!(
                "worker: queue {:?}, {} at once, {} s per job",
                config.queue, config.concurrency, config.job_timeout_seconds
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
