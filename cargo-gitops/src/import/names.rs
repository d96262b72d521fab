//! Rust names for YAML keys, and whether serde's renaming brings them back.

use gitops_model::naming;

/// Keywords that cannot name a field as they are (strict, reserved and
/// edition-2024 ones); all but those in [`NOT_RAW`] can be written raw
/// (`r#type`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];
/// Keywords no raw identifier can spell: they get a trailing `_`.
const NOT_RAW: &[&str] = &["crate", "self", "super", "Self", "_"];

/// `httpPort`, `http-port`, `HTTPPort` → `http_port`: the env-var rule's
/// segment ([`naming::env_segment`]) in lower case, so a field's name and its
/// variable always agree; never empty, never starting with a digit.
pub fn snake_case(key: &str) -> String {
    let out = naming::env_segment(key).to_ascii_lowercase();
    if out.is_empty() {
        "field".into()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{out}")
    } else {
        out
    }
}

/// The field's identifier as written in Rust (`r#type` for a keyword).
pub fn field_ident(snake: &str) -> String {
    if NOT_RAW.contains(&snake) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake) {
        format!("r#{snake}")
    } else {
        snake.to_owned()
    }
}

/// What serde's `rename_all = "camelCase"` makes of a field identifier.
pub fn serde_camel(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let mut pascal = String::new();
    let mut capitalize = true;
    for c in ident.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(c);
        }
    }
    match pascal.chars().next() {
        Some(first) => format!("{}{}", first.to_ascii_lowercase(), &pascal[first.len_utf8()..]),
        None => pascal,
    }
}

/// The key serde reads for `ident` without renaming.
pub fn serde_plain(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_owned()
}

/// `billing-api` → `BillingApi`, `pullPolicy` → `PullPolicy`; a leading
/// digit gets `V`, and `Self` (the one keyword upper camel case can spell)
/// becomes `Self_`.
pub fn upper_camel(text: &str) -> String {
    let mut out = String::new();
    let mut capitalize = true;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        "Empty".into()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else if NOT_RAW.contains(&out.as_str()) || KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// Whether a map with these keys reads as a struct's fields (rather than
/// data such as labels, hosts or file names): every key starts with a
/// letter and holds only letters, digits, `_` and `-`.
pub fn is_field_like(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_fields_that_serde_renames_back() {
        for key in ["httpPort", "logLevel", "a", "maxItemsPerPage"] {
            assert_eq!(serde_camel(&field_ident(&snake_case(key))), key);
        }
        assert_eq!(
            snake_case("targetCPUUtilizationPercentage"),
            "target_cpu_utilization_percentage"
        );
        assert_ne!(
            serde_camel("target_cpu_utilization_percentage"),
            "targetCPUUtilizationPercentage"
        );
        assert_eq!(snake_case("http-port"), "http_port");
        assert_eq!(snake_case("2fa"), "key_2fa");
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(serde_camel("r#type"), "type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(upper_camel("billing-api"), "BillingApi");
        assert_eq!(upper_camel("3ds"), "V3ds");
        assert_eq!(upper_camel("self"), "Self_");
        for keyword in ["crate", "super", "self", "Self", "_", "type", "gen"] {
            let ident = field_ident(&snake_case(keyword));
            assert!(syn::parse_str::<syn::Ident>(&ident).is_ok(), "{keyword} → {ident}");
        }
        assert_eq!(snake_case("_"), "field");
        assert_eq!(snake_case("HTTPPort"), "http_port");
        assert!(is_field_like("maxSize") && !is_field_like("app.kubernetes.io/name"));
    }
}
