//! What [`Chart::config`](crate::Chart::config) asks of the config struct,
//! one trait per requirement. Each is implemented for every type that meets
//! it, so none is ever implemented by hand; their purpose is the compile
//! error when one is missing, which says what the chart needs it for
//! instead of a bare "trait bound not satisfied".

/// `Default`: the defaults of values.yaml.
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs `Default`: the defaults of values.yaml are `{Self}::default()`",
    label = "`{Self}` does not implement `Default`",
    note = "derive `Default` or implement it: values.yaml's `config:` is `{Self}::default()` serialized, and the loader starts from it too"
)]
pub trait ConfigDefault: Default {}

impl<T: Default> ConfigDefault for T {}

/// `schemars::JsonSchema`: values.schema.json's `config`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs `schemars::JsonSchema`: values.schema.json is generated from its schema",
    label = "`{Self}` does not implement `JsonSchema`",
    note = "derive `schemars::JsonSchema` (schemars 1): its schema, with the ranges, lengths and patterns of `#[schemars(...)]`, is what `helm install` and the loader check values against"
)]
pub trait ConfigSchema: schemars::JsonSchema {}

impl<T: schemars::JsonSchema> ConfigSchema for T {}

/// `serde::Serialize`: values.yaml's `config`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs `serde::Serialize`: values.yaml is the serialized default",
    label = "`{Self}` does not implement `Serialize`",
    note = "derive `serde::Serialize` beside `Deserialize`: values.yaml's `config:` is `{Self}::default()` serialized, under the keys serde writes"
)]
pub trait ConfigSerialize: serde::Serialize {}

impl<T: serde::Serialize> ConfigSerialize for T {}
