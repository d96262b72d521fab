//! The env var naming rule: prefix + one segment per key on the path, joined
//! by `__`, each segment the key in SCREAMING_SNAKE_CASE.
//!
//! `__` between levels keeps `tracing.level` (`TRACING__LEVEL`) apart from a
//! key `tracingLevel` (`TRACING_LEVEL`), the convention of Rust config
//! loaders that read nested keys from the environment.

/// Separator between the segments of nested keys.
pub const LEVEL_SEPARATOR: &str = "__";

/// One key as an env var segment: `httpPort`, `http-port` and `http_port`
/// all become `HTTP_PORT`; `HTTPPort` becomes `HTTP_PORT`.
pub fn env_segment(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.is_empty() && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The env var of the leaf at `path` (serde keys from the root struct).
pub fn env_var<S: AsRef<str>>(prefix: &str, path: &[S]) -> String {
    match path.split_last() {
        Some((leaf, sections)) => {
            let base = sections
                .iter()
                .fold(prefix.to_owned(), |base, key| section_prefix(&base, key.as_ref()));
            format!("{base}{}", env_segment(leaf.as_ref()))
        }
        None => prefix.to_owned(),
    }
}

/// The prefix of every env var inside the section `key` of a struct whose
/// env vars start with `parent`: walking a tree, each level costs one call.
pub fn section_prefix(parent: &str, key: &str) -> String {
    format!("{parent}{}{LEVEL_SEPARATOR}", env_segment(key))
}

/// The env var holding the path of the config file (file delivery), e.g.
/// `ORDERS_CONFIG_FILE`. Reserved: no field may read it.
pub fn config_file_var(prefix: &str) -> String {
    format!("{prefix}CONFIG_FILE")
}

/// The env var holding the directory of secret files, one file per Secret
/// key (file delivery of secrets), e.g. `ORDERS_SECRETS_DIR`. Reserved too.
pub fn secrets_dir_var(prefix: &str) -> String {
    format!("{prefix}SECRETS_DIR")
}

/// The env prefix a crate or chart called `name` gets when none is chosen:
/// its words in SCREAMING_SNAKE_CASE and `_` (`billing-api` → `BILLING_API_`),
/// after `APP_` when it does not start with a letter (`9lives` → `APP_9LIVES_`).
/// Always a valid prefix ([`is_valid_env_prefix`]) without `__`, the level separator.
pub fn default_env_prefix(name: &str) -> String {
    let segment = env_segment(name);
    if segment.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("{segment}_")
    } else if segment.is_empty() {
        "APP_".to_owned()
    } else {
        format!("APP_{segment}_")
    }
}

/// The one of `known` within two edits of `name` (a swap of neighbours is
/// one) and no more than one edit per three characters, the closest first:
/// what a misspelt key or variable likely meant (`host` is no typo of `port`).
pub fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = (name.chars().count() / 3).min(2);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, _)| *distance <= most)
        .min()
        .map(|(_, k)| k)
}

/// Whether `name` is a portable env var name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_valid_env_name(name: &str) -> bool {
    // Bytes: a non-ASCII character's are none of these.
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `name` can be an env prefix: upper case, digits and `_`,
/// starting with a letter (empty is allowed and means no prefix).
pub fn is_valid_env_prefix(name: &str) -> bool {
    name.is_empty()
        || (name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
}

/// Whether `name` is a Kubernetes port name (IANA_SVC_NAME): at most 15
/// characters of `a-z`, `0-9` and `-`, at least one letter, no `-` at either
/// end or twice in a row.
pub fn is_valid_port_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_key_within_two_edits() {
        let known = ["replicaCount", "image", "logLevel"];
        assert_eq!(nearest("replicaCont", known), Some("replicaCount"));
        assert_eq!(nearest("logLevle", known), Some("logLevel"));
        assert_eq!(nearest("imgae", known), Some("image"));
        assert_eq!(nearest("tolerations", known), None);
        assert_eq!(nearest("host", ["port"]), None);
        assert_eq!(nearest("m", ["n"]), None);
    }

    #[test]
    fn default_env_prefixes_are_valid_and_have_no_level_separator() {
        for (name, prefix) in [
            ("orders", "ORDERS_"),
            ("billing-api", "BILLING_API_"),
            ("my--app", "MY_APP_"),
            ("my_app", "MY_APP_"),
            ("9lives", "APP_9LIVES_"),
            ("_9lives", "APP_9LIVES_"),
            ("--", "APP_"),
        ] {
            assert_eq!(default_env_prefix(name), prefix, "{name}");
            assert!(is_valid_env_prefix(prefix) && !prefix.contains(LEVEL_SEPARATOR), "{prefix}");
        }
    }

    #[test]
    fn segments_follow_serde_spellings() {
        assert_eq!(env_segment("httpPort"), "HTTP_PORT");
        assert_eq!(env_segment("http-port"), "HTTP_PORT");
        assert_eq!(env_segment("http_port"), "HTTP_PORT");
        assert_eq!(env_segment("HTTP_PORT"), "HTTP_PORT");
        assert_eq!(env_segment("HTTPPort"), "HTTP_PORT");
        assert_eq!(env_segment("ipv4Addr"), "IPV4_ADDR");
        assert_eq!(env_segment("a.b"), "A_B");
        assert_eq!(env_segment("x"), "X");
    }

    #[test]
    fn nested_keys_join_with_double_underscore() {
        assert_eq!(
            env_var("ORDERS_", &["tracing", "otlpEndpoint"]),
            "ORDERS_TRACING__OTLP_ENDPOINT"
        );
        assert_eq!(env_var("", &["port"]), "PORT");
        assert_eq!(env_var("A_", &["x", "y", "zKey"]), "A_X__Y__Z_KEY");
    }

    #[test]
    fn section_prefixes_build_the_same_names() {
        let base = section_prefix(&section_prefix("A_", "x"), "y");
        assert_eq!(format!("{base}{}", env_segment("zKey")), env_var("A_", &["x", "y", "zKey"]));
    }

    #[test]
    fn env_names_and_prefixes() {
        assert!(is_valid_env_name("DATABASE_URL"));
        assert!(is_valid_env_name("_X1"));
        assert!(!is_valid_env_name("1X"));
        assert!(!is_valid_env_name("A-B"));
        assert!(!is_valid_env_name(""));
        assert!(is_valid_env_prefix("ORDERS_"));
        assert!(is_valid_env_prefix(""));
        assert!(!is_valid_env_prefix("orders_"));
        assert!(!is_valid_env_prefix("_X"));
    }

    #[test]
    fn port_names() {
        assert!(is_valid_port_name("http"));
        assert!(is_valid_port_name("grpc-web"));
        assert!(!is_valid_port_name("HTTP"));
        assert!(!is_valid_port_name("1234"));
        assert!(!is_valid_port_name("-http"));
        assert!(!is_valid_port_name("a--b"));
        assert!(!is_valid_port_name("a-very-long-port-name"));
    }
}
