//! Placeholder until the command is built.

/// Runs the command with the arguments after its name.
pub fn run(_args: &[String]) -> Result<(), String> {
    Err("not built yet".into())
}
