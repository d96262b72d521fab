//! `cargo gitops`: the commands a team runs by hand, beside the build script.
//!
//! - [`init`]: add gitops-rs to an existing crate (Cargo.toml edited with
//!   `toml_edit`, `src/config.rs` and `build.rs` written, nothing overwritten);
//! - [`build_command`]: `check` and `env`, which need the crate's own config
//!   type and so run its build script through cargo;
//! - [`import`]: an existing chart's values into a Rust config module;
//! - [`pin_command`]: `release`, `promote` and `history` of the
//!   environments' image pins.

pub mod args;
pub mod build_command;
pub mod files;
pub mod import;
pub mod init;
pub mod pin_command;
