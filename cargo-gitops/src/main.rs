//! `cargo gitops`: see the README's "The cargo gitops command", or
//! `cargo gitops --help`.

fn main() -> std::process::ExitCode {
    cargo_gitops::main()
}
