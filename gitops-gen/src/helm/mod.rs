//! Helm's semantics, below everything that writes files: how values files
//! combine ([`coalesce`]), which values Helm or the API server would refuse
//! ([`verdict`]), and the chart's own values keys by path ([`keys`]).

pub mod coalesce;
pub mod keys;
pub mod verdict;
