//! Placeholder until the command is built.

/// Runs `check` or `env` with the arguments after its name.
pub fn run(_command: &str, _args: &[String]) -> Result<(), String> {
    Err("not built yet".into())
}
