//! The orders service binary: reads its config, serves until SIGTERM or
//! Ctrl-C. `orders migrate` (the chart's migration Job) reads the same
//! config and migrates the database instead.

use orders::{log_enabled, Config, LogLevel, BUILD};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // The configuration exactly as the chart delivers it; every problem at
    // once, naming the variable or file it came from.
    let migrate = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("migrate") if std::env::args().count() == 2 => true,
        Some(_) => {
            eprintln!("usage: orders [migrate]");
            return ExitCode::from(2);
        }
    };
    let config = match gitops_types::load::<Config>() {
        Ok(config) => Arc::new(config),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    if migrate {
        return match orders::migrate(&config) {
            Ok(migrations) => {
                eprintln!("orders: version {BUILD}");
                for migration in migrations {
                    eprintln!("orders: migration {migration}: up to date");
                }
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: migrate: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let (listener, metrics_listener) =
        match (bind(config.http_port).await, bind(config.metrics_port).await) {
            (Ok(listener), Ok(metrics_listener)) => (listener, metrics_listener),
            (Err(err), _) | (_, Err(err)) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        };
    if log_enabled(&config, LogLevel::Info) {
        // Which build is running: version, commit, dirty, source date.
        eprintln!("orders: version {BUILD}");
        eprintln!(
            "orders: listening on port {}, metrics on port {}",
            config.http_port, config.metrics_port
        );
    }
    let shutdown = {
        let config = config.clone();
        async move {
            shutdown_signal().await;
            if log_enabled(&config, LogLevel::Info) {
                eprintln!("orders: shutting down, draining in-flight requests");
            }
        }
    };
    match orders::serve(listener, metrics_listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, String> {
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|err| format!("cannot listen on {addr}: {err}"))
}

/// Resolves on SIGTERM (what Kubernetes sends) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
