//! The compatibility check's verdict: a typed problem like those of
//! [`error`](super::error) (it is what [`Error::Incompatible`](super::error::Error::Incompatible)
//! carries), computed by the release layer's compatibility check.

use std::fmt;

/// How a change affects the users of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// A values file, an environment or a running pod that worked may not.
    Breaking,
    /// Something new that nothing relied on before.
    Addition,
    /// A default changed: nothing breaks, behaviour does.
    Default,
}

/// One change, at its values path (`config.httpPort`, `resources.limits`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub impact: Impact,
    pub path: String,
    pub what: String,
}

/// The SemVer bump a set of changes needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

/// The changes from the baseline and what the new version must be.
#[derive(Debug, Clone)]
pub struct Report {
    pub baseline: String,
    pub old_version: semver::Version,
    pub new_version: semver::Version,
    /// Breaking first, then additions, then defaults; by path within each.
    pub changes: Vec<Change>,
    /// What the changes need.
    pub bump: Bump,
    /// The smallest version that bump allows.
    pub expected: semver::Version,
    /// Whether the new version is at least `expected`.
    pub ok: bool,
    /// What could not be compared (a baseline without `contract.json`).
    pub notes: Vec<String>,
}

impl Report {
    /// The report as Markdown, for a pull request: the verdict, then the
    /// breaking changes, the additions and the changed defaults.
    pub fn markdown(&self) -> String {
        let mut out = String::from("## Chart compatibility\n\n");
        let verdict = if self.ok { "ok" } else { "**version too low**" };
        out.push_str(&format!(
            "Baseline `{}` at {}; this chart {}: {verdict}. The changes need a {} bump: at least {}.\n",
            self.baseline,
            self.old_version,
            self.new_version,
            match self.bump {
                Bump::None => "no",
                Bump::Patch => "patch",
                Bump::Minor => "minor",
                Bump::Major => "major",
            },
            self.expected
        ));
        for (impact, title) in [
            (Impact::Breaking, "Breaking"),
            (Impact::Addition, "Added"),
            (Impact::Default, "Defaults changed"),
        ] {
            let changes: Vec<&Change> =
                self.changes.iter().filter(|c| c.impact == impact).collect();
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {title}\n\n"));
            for change in changes {
                out.push_str(&format!("- `{}`: {}\n", change.path, change.what));
            }
        }
        for note in &self.notes {
            out.push_str(&format!("\n_{note}_\n"));
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.markdown())
    }
}
