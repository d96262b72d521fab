//! The entry point of `#[derive(GitOps)]`; every stage lives in
//! `gitops-derive-internals`, where unit tests can reach it.

use proc_macro::TokenStream;

/// Describes a config struct for `gitops-gen`. See the `gitops-types` docs
/// for the `#[gitops(...)]` attributes.
#[proc_macro_derive(GitOps, attributes(gitops))]
pub fn derive_gitops(input: TokenStream) -> TokenStream {
    gitops_derive_internals::derive(input.into()).into()
}
