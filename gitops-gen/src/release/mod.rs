//! The release layer: what a release needs that a render does not. The
//! [`compat`]ibility check against a baseline (by default the
//! [`last_release`]), the image [`pins`] a build
//! checks, and the build's provenance ([`build_info`]). Editing pins and
//! their history is release tooling in the `gitops-release` crate.

pub mod build_info;
pub mod compat;
pub mod last_release;
pub mod pins;
