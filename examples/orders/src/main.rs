//! The orders service binary: reads its config, serves until SIGTERM or Ctrl-C.

use orders::{log_enabled, Config, LogLevel};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let config = match config_from_env(|name| std::env::var(name)) {
        Ok(config) => Arc::new(config),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.http_port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    if log_enabled(&config, LogLevel::Info) {
        eprintln!("orders: listening on {addr}");
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
    match orders::serve(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A stop-gap until the real loader (`gitops_types::load`) replaces it: the
/// defaults plus `ORDERS_HTTP_PORT` and `ORDERS_GREETING`.
fn config_from_env(
    var: impl Fn(&str) -> Result<String, std::env::VarError>,
) -> Result<Config, String> {
    let read = |name: &str| match var(name) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(err) => Err(format!("{name}: {err}")),
    };
    let mut config = Config::default();
    if let Some(port) = read("ORDERS_HTTP_PORT")? {
        config.http_port = port.trim().parse().map_err(|err| {
            format!("ORDERS_HTTP_PORT: {err} (got {port:?}, expected a port number)")
        })?;
    }
    if let Some(greeting) = read("ORDERS_GREETING")? {
        config.greeting = greeting;
    }
    Ok(config)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::env::VarError;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Result<String, VarError> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .ok_or(VarError::NotPresent)
        }
    }

    #[test]
    fn defaults_without_env() {
        assert_eq!(config_from_env(env(&[])).unwrap(), Config::default());
    }

    #[test]
    fn reads_port_and_greeting() {
        let config =
            config_from_env(env(&[("ORDERS_HTTP_PORT", "9090"), ("ORDERS_GREETING", "hej")]))
                .unwrap();
        assert_eq!((config.http_port, config.greeting.as_str()), (9090, "hej"));
    }

    #[test]
    fn rejects_a_bad_port() {
        let err = config_from_env(env(&[("ORDERS_HTTP_PORT", "80a")])).unwrap_err();
        assert!(err.starts_with("ORDERS_HTTP_PORT: invalid digit"), "{err}");
        let err = config_from_env(env(&[("ORDERS_HTTP_PORT", "70000")])).unwrap_err();
        assert!(err.starts_with("ORDERS_HTTP_PORT: number too large"), "{err}");
    }
}
