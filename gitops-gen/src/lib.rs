//! Writes a Helm chart from a `#[derive(GitOps)]` config struct.
//!
//! ```no_run
//! # #[derive(Default, serde::Serialize, schemars::JsonSchema, gitops_types::GitOps)]
//! # #[gitops(env_prefix = "ORDERS_")]
//! # struct Config { port: u16 }
//! use gitops_gen::{Chart, Outputs};
//!
//! Chart::new("orders")
//!     .image("ghcr.io/acme/orders")
//!     .config::<Config>()
//!     .write(&Outputs::chart("chart"))?;
//! # Ok::<(), gitops_gen::Error>(())
//! ```
//!
//! In layers, each using only the layers below it (ARCHITECTURE.md draws
//! them; `tests/tests/layers.rs` enforces them):
//! - [`foundation`]: typed problems, the file names ([`layout`]), the YAML
//!   and Go-template emitters ([`template`]), Kubernetes names and schemas,
//!   files on disk, git;
//! - `helm`: how values files combine, what Helm or the API server refuses,
//!   the chart's values keys;
//! - `render`: the chart's files from the config tree ([`build`]), `.env.example`;
//! - `deploy`: each [`Environment`]'s values file, the [`Controllers`]' manifests;
//! - `release`: the compatibility check ([`Chart::compare`]), the image
//!   [`pins`] a build checks, [`build_info`];
//! - on top: [`Chart`] and [`Outputs`], [`build_script`](mod@build_script)
//!   (the one call a build.rs makes, which `cargo gitops` drives), and
//!   [`requires`] (what `Chart::config` asks of the struct).
//!
//! This file only re-exports.

pub mod build_script;
mod chart;
mod deploy;
pub mod foundation;
mod helm;
mod native_render;
mod release;
mod render;
pub mod requires;
#[cfg(feature = "typed")]
pub mod typed;

/// The config tree the chart is written from (it lives in gitops-model,
/// which the loader shares).
pub use gitops_model::tree as build;

pub use chart::{Chart, Checked, Generated, Outputs, Written};
pub use deploy::controllers::{ArgoCd, Controllers, DriftDetection, Flux, GitRef, GitRepository};
pub use deploy::environment::{Controller, Environment};
pub use deploy::fleet::{Cluster, Selector};
pub use deploy::notifications::{Notification, Service, Trigger};
pub use deploy::rollout::{MaxUpdate, RollingSync, Step};
pub use foundation::error::{Error, Problem, ProblemKind};
pub use foundation::fs::WriteReport;
pub use foundation::layout::{self, Files};
pub use foundation::template;
/// Helm's coalescing of a values file onto a chart's values (maps merged
/// key by key, `null` deletes, anything else replaces).
pub use helm::coalesce::coalesce;
pub use native_render::{EnvironmentRender, RenderOptions, Rendered, RenderedObject, Renderer};
pub use release::build_info;
pub use release::compat::{Baseline, Bump, Change, Impact, Report};
pub use release::last_release::release_tag;
pub use release::pins;
pub use render::templates::{Canary, Migration, Rbac, Rule};
