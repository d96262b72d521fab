//! Helm's semantics, below everything that writes files: how values files
//! combine ([`coalesce`]), which values Helm or the API server would refuse
//! ([`verdict`]), the chart's own values keys by path ([`keys`]), and its
//! template engine, natively ([`engine`]).

pub mod coalesce;
pub mod engine;
pub mod keys;
pub mod verdict;
