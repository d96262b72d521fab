//! The stages behind `#[derive(GitOps)]`, one file each, in the order they run:
//! [`parse`] (raw `#[gitops]` attributes) → [`model`] (the struct as serde
//! reads it) → [`check`] (every rule, all errors at once) → [`expand`].
//!
//! `gitops-derive` is only the proc-macro entry point around [`derive()`].

pub mod check;
pub mod expand;
pub mod model;
pub mod parse;

use proc_macro2::TokenStream;
use serde_derive_internals::Ctxt;

/// `#[derive(GitOps)]`: the impl, or the errors plus a stub impl.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let cx = Ctxt::new();
    let Some(model) = model::from_ast(&cx, &input) else {
        // serde's derive reports its own malformed attributes; ours wait for
        // that to be fixed, but the stub must still name the right crate.
        let _ = cx.check();
        let quiet = Ctxt::new();
        let crate_path = parse::container_attrs(&quiet, &input.attrs).crate_path;
        let _ = quiet.check();
        return expand::stub(&input, crate_path.as_ref());
    };
    check::check(&cx, &model);
    match cx.check() {
        Ok(()) => expand::expand(&model),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(expand::stub(&input, model.attrs.crate_path.as_ref()));
            out
        }
    }
}
