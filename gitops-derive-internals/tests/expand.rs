//! What `#[derive(GitOps)]` expands to, pretty-printed, for review.

use quote::quote;

fn expand(input: proc_macro2::TokenStream) -> String {
    let tokens = gitops_derive_internals::derive(input);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
    prettyplease::unparse(&file)
}

#[test]
fn struct_with_every_attribute() {
    insta::assert_snapshot!(expand(quote! {
        /// Orders service.
        #[serde(rename_all = "camelCase", default)]
        #[gitops(env_prefix = "ORDERS_")]
        pub struct Config {
            /// Port the HTTP server listens on.
            #[gitops(port = "http")]
            pub http_port: u16,
            #[gitops(secret, env = "DATABASE_URL")]
            pub database_url: String,
            pub api_key: Option<String>,
            #[gitops(skip)]
            pub build: String,
            #[serde(skip)]
            pub cache: u8,
            pub tracing: Tracing,
        }
    }));
}

#[test]
fn errors_come_with_a_stub_impl() {
    insta::assert_snapshot!(expand(quote! {
        struct Config {
            #[gitops(port = "http")]
            name: String,
        }
    }));
}
