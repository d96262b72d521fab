//! The deploy layer: where the chart goes. Each [`environment`]'s values
//! file (only what differs from values.yaml, checked by the chart's schema)
//! and the GitOps [`controllers`]' manifests that deploy them.

pub mod controllers;
pub mod environment;
