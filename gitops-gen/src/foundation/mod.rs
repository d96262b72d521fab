//! The bottom layer: what every other layer may use and which uses nothing
//! above it. Typed problems ([`error`], [`report`]), the file names ([`layout`]), the
//! YAML and Go-template text emitters ([`yaml`], [`template`]), Kubernetes'
//! names, durations and bundled schemas ([`k8s`]), files on disk ([`fs`])
//! and the one way git is run ([`git`]).

pub mod error;
pub mod fs;
pub mod git;
pub mod k8s;
pub mod layout;
pub mod report;
pub mod template;
pub mod yaml;
