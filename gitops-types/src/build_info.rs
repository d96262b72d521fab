//! What a binary knows about its own build: the crate version, the git
//! commit, whether the tree had uncommitted changes, and the build's source
//! date. Read with [`build_info!`](crate::build_info!) in the app; the values
//! are set at compile time by `gitops_gen::build_info::emit()` in the app's
//! `build.rs`. Without that call every value but the version is unknown.
//!
//! No dependency and no code at run time: the macro reads `env!` and
//! `option_env!` of the crate it expands in.

use serde::Serialize;

/// The variable with the full commit id (empty when unknown).
pub const COMMIT_VAR: &str = "GITOPS_BUILD_COMMIT";
/// The variable with `true` or `false` (empty when unknown).
pub const DIRTY_VAR: &str = "GITOPS_BUILD_DIRTY";
/// The variable with the source date as RFC 3339 UTC (empty when unknown).
pub const BUILT_AT_VAR: &str = "GITOPS_BUILD_TIME";

/// A binary's provenance; serialised as `{"version", "commit", "dirty",
/// "builtAt"}` (unknown values are `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuildInfo {
    /// The crate's version, `CARGO_PKG_VERSION`.
    pub version: &'static str,
    /// The full git commit id the binary was built from; `None` outside a
    /// git checkout or without git.
    pub commit: Option<&'static str>,
    /// Whether tracked files differed from the commit when the build script
    /// last ran (untracked files do not count). `false` when unknown.
    pub dirty: bool,
    /// The source date, RFC 3339 in UTC: `SOURCE_DATE_EPOCH` when set, else
    /// the commit's committer date. Never the wall clock, so two builds of
    /// one commit are identical. `None` when neither is known.
    pub built_at: Option<&'static str>,
}

impl BuildInfo {
    /// Used by [`build_info!`](crate::build_info!). Not public API.
    #[doc(hidden)]
    pub const fn __from_env(
        version: &'static str,
        commit: Option<&'static str>,
        dirty: Option<&'static str>,
        built_at: Option<&'static str>,
    ) -> Self {
        BuildInfo {
            version,
            commit: non_empty(commit),
            dirty: matches!(dirty, Some(d) if matches!(d.as_bytes(), b"true")),
            built_at: non_empty(built_at),
        }
    }
}

const fn non_empty(value: Option<&'static str>) -> Option<&'static str> {
    match value {
        Some(v) if !v.is_empty() => Some(v),
        _ => None,
    }
}

impl core::fmt::Display for BuildInfo {
    /// `0.1.0 (commit 4b11bb0…, dirty, built 2026-12-02T16:49:41Z)`, with
    /// `unknown` for what is not known.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} (commit {}", self.version, self.commit.unwrap_or("unknown"))?;
        if self.dirty {
            f.write_str(", dirty")?;
        }
        write!(f, ", built {})", self.built_at.unwrap_or("unknown"))
    }
}

/// The [`BuildInfo`] of the crate this expands in: its version, and the
/// commit, dirty flag and source date that `gitops_gen::build_info::emit()`
/// set from its `build.rs`.
///
/// ```
/// let info = gitops_types::build_info!();
/// assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
/// ```
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::build_info::BuildInfo::__from_env(
            ::core::env!("CARGO_PKG_VERSION"),
            ::core::option_env!("GITOPS_BUILD_COMMIT"),
            ::core::option_env!("GITOPS_BUILD_DIRTY"),
            ::core::option_env!("GITOPS_BUILD_TIME"),
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_unknown() {
        let info = BuildInfo::__from_env("1.2.3", Some(""), Some(""), Some(""));
        assert_eq!(
            info,
            BuildInfo { version: "1.2.3", commit: None, dirty: false, built_at: None }
        );
        assert_eq!(info.to_string(), "1.2.3 (commit unknown, built unknown)");
    }

    #[test]
    fn known_values_and_their_json() {
        let info = BuildInfo::__from_env(
            "0.1.0",
            Some("0123456789abcdef0123456789abcdef01234567"),
            Some("true"),
            Some("2026-12-02T16:49:41Z"),
        );
        assert!(info.dirty);
        assert_eq!(
            info.to_string(),
            "0.1.0 (commit 0123456789abcdef0123456789abcdef01234567, dirty, built 2026-12-02T16:49:41Z)"
        );
        assert_eq!(
            serde_json::to_value(info).unwrap(),
            serde_json::json!({
                "version": "0.1.0",
                "commit": "0123456789abcdef0123456789abcdef01234567",
                "dirty": true,
                "builtAt": "2026-12-02T16:49:41Z",
            })
        );
        // Only `true` is dirty.
        assert!(!BuildInfo::__from_env("0.1.0", None, Some("false"), None).dirty);
        assert!(!BuildInfo::__from_env("0.1.0", None, Some("yes"), None).dirty);
    }

    #[test]
    fn the_macro_reads_this_crates_version() {
        // gitops-types has no build script, so only the version is known.
        let info = crate::build_info!();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        // gitops-types has no build script: nothing sets the commit.
        assert_eq!(info.commit, None);
        assert!(!info.dirty);
    }

    #[test]
    fn the_macro_names_the_published_variables() {
        let source = include_str!("build_info.rs");
        for var in [COMMIT_VAR, DIRTY_VAR, BUILT_AT_VAR] {
            assert!(source.contains(&format!("option_env!(\"{var}\")")), "{var}");
        }
    }
}
