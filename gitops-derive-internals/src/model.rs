//! Stage 2: the struct as the chart sees it. serde's own attribute parser
//! (`serde_derive_internals`, as schemars uses it) supplies the keys, so
//! `rename`, `rename_all` and `skip` mean exactly what they mean to serde.

use crate::parse::{self, ContainerAttrs, FieldAttrs};
use proc_macro2::{Ident, Span};
use serde_derive_internals::{ast, Ctxt, Derive};
use syn::{Attribute, DeriveInput, Type};

/// A struct that derives `GitOps`.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub original: &'a DeriveInput,
    pub doc: String,
    pub attrs: ContainerAttrs,
    pub shape: Shape<'a>,
}

/// What serde makes of the item; only named-field structs have a chart shape.
pub enum Shape<'a> {
    Struct(Vec<Field<'a>>),
    /// An enum, a tuple, newtype or unit struct, or a `#[serde(transparent)]`
    /// struct: not a section of keys.
    NotKeyed(&'static str),
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub original: &'a syn::Field,
    pub ty: &'a Type,
    /// The key serde reads.
    pub key: String,
    /// The key serde writes, when it differs from `key`.
    pub serialize_key: Option<String>,
    pub doc: String,
    pub attrs: FieldAttrs,
    /// serde never reads this field (`skip`, `skip_deserializing`).
    pub serde_skipped: bool,
    pub flatten: bool,
}

impl Field<'_> {
    /// The type inside `Option<_>`, when the field is optional.
    pub fn option_inner(&self) -> Option<&Type> {
        option_inner(self.ty)
    }
}

/// Reads the item. `None` when serde's own attributes are malformed: serde's
/// derive reports those, so reporting them again would only add noise.
pub fn from_ast<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
    let serde_cx = Ctxt::new();
    let private = Ident::new("__private", Span::call_site());
    let container = ast::Container::from_ast(&serde_cx, input, Derive::Deserialize, &private);
    if serde_cx.check().is_err() {
        return None;
    }
    let container = container?;
    let attrs = parse::container_attrs(cx, &input.attrs);
    let shape = match &container.data {
        ast::Data::Enum(_) => Shape::NotKeyed("an enum"),
        ast::Data::Struct(_, _) if container.attrs.transparent() => {
            Shape::NotKeyed("a `#[serde(transparent)]` struct")
        }
        ast::Data::Struct(ast::Style::Struct, fields) => {
            Shape::Struct(fields.iter().map(|f| field(cx, f)).collect())
        }
        ast::Data::Struct(_, _) => Shape::NotKeyed("a tuple or unit struct"),
    };
    Some(Input {
        ident: &input.ident,
        original: input,
        doc: doc_comment(&input.attrs),
        attrs,
        shape,
    })
}

fn field<'a>(cx: &Ctxt, f: &ast::Field<'a>) -> Field<'a> {
    let name = f.attrs.name();
    let key = name.deserialize_name().value.clone();
    let ser = &name.serialize_name().value;
    Field {
        ident: f.original.ident.as_ref().expect("named field"),
        original: f.original,
        ty: f.ty,
        serialize_key: (*ser != key).then(|| ser.clone()),
        key,
        doc: doc_comment(&f.original.attrs),
        attrs: parse::field_attrs(cx, &f.original.attrs),
        serde_skipped: f.attrs.skip_deserializing(),
        flatten: f.attrs.flatten(),
    }
}

/// The `///` lines joined, each without the one space rustdoc strips.
pub fn doc_comment(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned())
        .collect();
    lines.join("\n").trim().to_owned()
}

/// The last path segment's name and its angle-bracketed arguments, for the
/// syntactic type checks serde and schemars also rely on.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn type_args(seg: &syn::PathSegment) -> Vec<&Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn option_inner(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty)?;
    match (seg.ident == "Option", type_args(seg).as_slice()) {
        (true, [inner]) => Some(inner),
        _ => None,
    }
}

const INTEGERS: &[&str] =
    &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize"];

/// `u16`, `i32`, ...: the types a port field may have.
pub fn is_integer(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.arguments.is_none() && INTEGERS.iter().any(|i| s.ident == i))
}

/// Types that can never be read from text alone: a Secret's value always
/// arrives as text. Unknown types (`Url`, newtypes) pass here and are checked
/// against their JSON schema when the chart is generated.
pub fn is_never_string(ty: &Type) -> bool {
    if is_integer(ty) {
        return true;
    }
    match ty {
        Type::Array(_) | Type::Slice(_) | Type::Tuple(_) => true,
        Type::Reference(r) => is_never_string(&r.elem),
        _ => last_segment(ty).is_some_and(|s| {
            [
                "bool", "f32", "f64", "Vec", "VecDeque", "HashMap", "BTreeMap", "HashSet",
                "BTreeSet", "IndexMap", "IndexSet", "Duration",
            ]
            .iter()
            .any(|n| s.ident == n)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Type {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn option_inner_finds_the_wrapped_type() {
        assert!(option_inner(&ty("Option<String>")).is_some());
        assert!(option_inner(&ty("std::option::Option<u16>")).is_some());
        assert!(option_inner(&ty("String")).is_none());
        assert!(option_inner(&ty("Vec<Option<u8>>")).is_none());
    }

    #[test]
    fn integers_and_never_strings() {
        assert!(is_integer(&ty("u16")));
        assert!(is_integer(&ty("core::primitive::i64")));
        assert!(!is_integer(&ty("String")));
        assert!(!is_integer(&ty("Option<u16>")));
        assert!(is_never_string(&ty("bool")));
        assert!(is_never_string(&ty("Vec<String>")));
        assert!(is_never_string(&ty("[u8; 4]")));
        assert!(!is_never_string(&ty("String")));
        assert!(!is_never_string(&ty("url::Url")));
    }

    #[test]
    fn doc_comments_lose_rustdoc_space_and_keep_lines() {
        let item: DeriveInput =
            syn::parse_str("/// First line.\n///\n///   indented\nstruct S;").unwrap();
        assert_eq!(doc_comment(&item.attrs), "First line.\n\n  indented");
    }
}
