//! `cargo gitops`: every command is listed in docs/reference.md, "Commands",
//! and `cargo gitops --help` describes each.

fn main() -> std::process::ExitCode {
    cargo_gitops::main()
}
