//! The run-time side of gitops: the [`GitOps`] trait that `#[derive(GitOps)]`
//! implements, the description [`model`] that `gitops-gen` writes a Helm
//! chart from, and the [`load`]er that reads the configuration back.
//!
//! # Attributes
//! On the struct:
//! - `#[gitops(env_prefix = "ORDERS_")]`: prefix of every env var (root struct only).
//! - `#[gitops(liveness = "/healthz", readiness = "/readyz", startup = "/healthz")]`:
//!   HTTP probes on the first port (root struct only; each is optional; without
//!   a path, liveness and readiness are TCP connects to that port).
//! - `#[gitops(delivery = "env")]` or `"file"`: config values as env vars per
//!   key (default), or a mounted config file (root struct only). Secrets are
//!   the Secret's files in both.
//! - `#[gitops(crate = "platform::gitops")]`: the path to this crate, for a
//!   crate that reaches it only through a re-export (e.g. `pub use
//!   gitops_types as gitops;` in a shared platform crate); the default is
//!   `::gitops_types`. Allowed on any struct, root or nested: each derive
//!   writes its own impl, so set it on every struct that needs it.
//!
//! On a field:
//! - `#[gitops(port = "http")]`: the integer field is also a named container port.
//! - `#[gitops(secret)]`: read from a Kubernetes Secret, never from values.yaml.
//! - `#[gitops(env = "NAME")]`: the exact env var name for this field (no prefix).
//! - `#[gitops(skip)]`: serde reads the field, the chart never sets it.
//! - `#[gitops(shutdown_timeout)]`: the integer field is the app's shutdown
//!   timeout in seconds; the pod's grace period is computed from it.
//!
//! # Loading
//! [`load`] and [`Loader`] read the configuration back as the chart delivers
//! it, in both modes, validated against the chart's own schema.
//!
//! serde's attributes decide the keys: `rename`, `rename_all` and `skip` are
//! honoured exactly; `flatten` is rejected at compile time.

pub use gitops_derive::GitOps;
pub use gitops_model as model;

pub mod load;
pub mod schema;
pub mod tree;

pub use load::{load, Loader};

/// A config struct the chart generator can describe. Derive it; do not
/// implement it by hand.
pub trait GitOps {
    /// The struct's keys, docs and roles, as the derive read them.
    fn describe() -> model::ConfigStruct;
}

/// Support for the code `#[derive(GitOps)]` expands to. Not public API.
#[doc(hidden)]
pub mod __private {
    use crate::model::{ConfigStruct, Field, Role};
    use crate::GitOps;
    use core::marker::PhantomData;

    /// Builds one field; a call is fewer tokens to expand and compile than a
    /// struct literal per field.
    pub fn field(
        rust_name: &'static str,
        key: &'static str,
        doc: &'static str,
        role: Role,
        env: Option<&'static str>,
        optional: bool,
        nested: Option<fn() -> ConfigStruct>,
    ) -> Field {
        Field { rust_name, key, doc, role, env, optional, nested }
    }

    /// Asks, by method resolution, whether a field's type derives `GitOps`:
    /// `(&Probe::<T>::new()).nested()` finds [`NestedViaGitOps`] on
    /// `Probe<T>` first when `T: GitOps`, and otherwise goes one auto-ref
    /// further to [`NestedViaLeaf`] on `&Probe<T>`.
    pub struct Probe<T: ?Sized>(PhantomData<T>);

    impl<T: ?Sized> Probe<T> {
        #[allow(clippy::new_without_default)]
        pub const fn new() -> Self {
            Probe(PhantomData)
        }
    }

    pub trait NestedViaGitOps {
        fn nested(&self) -> Option<fn() -> ConfigStruct>;
    }

    impl<T: GitOps + ?Sized> NestedViaGitOps for Probe<T> {
        fn nested(&self) -> Option<fn() -> ConfigStruct> {
            Some(T::describe)
        }
    }

    pub trait NestedViaLeaf {
        fn nested(&self) -> Option<fn() -> ConfigStruct>;
    }

    impl<T: ?Sized> NestedViaLeaf for &Probe<T> {
        fn nested(&self) -> Option<fn() -> ConfigStruct> {
            None
        }
    }
}
