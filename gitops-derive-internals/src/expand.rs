//! Stage 4: the `impl GitOps`. The generated code only builds a
//! `gitops_model::ConfigStruct` value; all logic lives in normal crates.

use crate::model::{Field, Input, Shape};
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(input: &Input) -> TokenStream {
    let krate = crate_path(input.attrs.crate_path.as_ref());
    let fields = match &input.shape {
        Shape::Struct(fields) => {
            fields.iter().filter(|f| !f.serde_skipped).map(|f| field(&krate, f)).collect()
        }
        Shape::NotKeyed(_) => Vec::new(),
    };
    let rust_name = input.ident.to_string();
    let doc = &input.doc;
    let env_prefix = option(input.attrs.env_prefix.as_ref().map(|p| quote!(#p)));
    let liveness = option(input.attrs.liveness.as_ref().map(|p| quote!(#p)));
    let readiness = option(input.attrs.readiness.as_ref().map(|p| quote!(#p)));
    let startup = option(input.attrs.startup.as_ref().map(|p| quote!(#p)));
    let delivery = match input.attrs.delivery.as_ref().map(|d| d.value()).as_deref() {
        Some("file") => quote!(File),
        _ => quote!(Env),
    };
    impl_block(
        input.original,
        &krate,
        quote! {
            use #krate::__private::{NestedViaGitOps as _, NestedViaLeaf as _};
            #krate::model::ConfigStruct {
                rust_name: #rust_name,
                doc: #doc,
                env_prefix: #env_prefix,
                probes: #krate::model::Probes {
                    liveness: #liveness,
                    readiness: #readiness,
                    startup: #startup,
                },
                delivery: #krate::model::Delivery::#delivery,
                fields: ::std::vec::Vec::from([#(#fields),*]),
            }
        },
    )
}

/// What is emitted when the input has errors: an impl that type-checks, so
/// the user sees the errors and no cascade of "trait not implemented".
/// `custom` is the `crate = "..."` value when it parsed.
pub fn stub(input: &syn::DeriveInput, custom: Option<&syn::Path>) -> TokenStream {
    impl_block(input, &crate_path(custom), quote!(::core::unreachable!()))
}

/// `crate = "..."`, or gitops-types under its own name.
fn crate_path(custom: Option<&syn::Path>) -> syn::Path {
    custom.cloned().unwrap_or_else(|| syn::parse_quote!(::gitops_types))
}

fn impl_block(input: &syn::DeriveInput, krate: &syn::Path, body: TokenStream) -> TokenStream {
    let ident = &input.ident;
    // Generics only reach here in the stub: `check` rejects them.
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::GitOps for #ident #ty_generics #where_clause {
                fn describe() -> #krate::model::ConfigStruct {
                    #body
                }
            }
        };
    }
}

fn field(krate: &syn::Path, f: &Field) -> TokenStream {
    let rust_name = f.ident.to_string();
    let key = &f.key;
    let doc = &f.doc;
    let a = &f.attrs;
    let role = if a.skip.is_some() {
        quote!(Skip)
    } else if a.secret.is_some() {
        quote!(Secret)
    } else if let Some(port) = &a.port {
        let metrics = option(a.metrics.as_ref().map(|m| quote!(#m)));
        quote!(Port { name: #port, metrics: #metrics })
    } else if a.shutdown_timeout.is_some() {
        quote!(ShutdownTimeout)
    } else if a.json.is_some() {
        quote!(Json)
    } else {
        quote!(Value)
    };
    let env = option(a.env.as_ref().map(|e| quote!(#e)));
    let optional = f.option_inner().is_some();
    let ty = f.ty;
    quote! {
        #krate::__private::field(
            #rust_name,
            #key,
            #doc,
            #krate::model::Role::#role,
            #env,
            #optional,
            (&#krate::__private::Probe::<#ty>::new()).nested(),
        )
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}
