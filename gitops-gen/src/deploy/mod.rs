//! The deploy layer: where the chart goes. Each [`environment`]'s values
//! file (only what differs from values.yaml, checked by the chart's schema)
//! and the GitOps [`controllers`]' manifests that deploy them: [`argo_cd`]'s
//! and [`flux`]'s, with the environments' [`notifications`] and Argo CD's
//! staged [`rollout`].

pub mod argo_cd;
pub mod controllers;
pub mod environment;
pub mod fleet;
pub mod flux;
pub mod notifications;
pub mod rollout;
