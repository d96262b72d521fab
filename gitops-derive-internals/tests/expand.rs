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
            #[gitops(port = "metrics", metrics = "/metrics")]
            pub metrics_port: u16,
            #[gitops(secret, env = "DATABASE_URL")]
            pub database_url: String,
            pub api_key: Option<String>,
            #[gitops(skip)]
            pub build: String,
            #[serde(skip)]
            pub cache: u8,
            pub tracing: Tracing,
            #[gitops(json)]
            pub upstream: Upstream,
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

#[test]
fn custom_crate_path() {
    let out = expand(quote! {
        #[gitops(crate = "crate::platform::gitops", env_prefix = "ORDERS_")]
        pub struct Config {
            #[gitops(port = "http")]
            pub http_port: u16,
            pub tracing: Tracing,
        }
    });
    assert!(!out.contains("gitops_types"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn custom_crate_path_in_the_stub() {
    let out = expand(quote! {
        #[gitops(crate = "platform::gitops")]
        struct Config {
            #[gitops(port = "http")]
            name: String,
        }
    });
    assert!(!out.contains("gitops_types"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn custom_crate_path_when_serde_attributes_are_malformed() {
    // serde reports its own attribute; the stub alone must still resolve.
    let out = expand(quote! {
        #[serde(rename_all = "no-such-case")]
        #[gitops(crate = "platform::gitops")]
        struct Config {
            http_port: u16,
        }
    });
    assert!(out.contains("impl platform::gitops::GitOps for Config"), "{out}");
    assert!(!out.contains("gitops_types"), "{out}");
}
