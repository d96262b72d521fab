//! The compatibility check: a v1 → v2 pair of configs with one change of
//! every kind, classified exactly; the SemVer gate on `check`; environment
//! and hand-written values files the new schema refuses; baselines from a
//! directory, a packaged chart and a Git ref.

use gitops_gen::Outputs;
use gitops_gen::{Baseline, Bump, Chart, Environment, Error, Impact};
use gitops_tests::{git, scratch_dir};
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::process::Command;

mod v1 {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "lowercase")]
    pub enum Level {
        #[default]
        Info,
        Debug,
        Trace,
    }

    /// Documented variants: schemars writes `oneOf` of `const`s.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "lowercase")]
    pub enum Mode {
        /// Quick.
        #[default]
        Fast,
        /// Careful.
        Safe,
        /// The old way.
        Legacy,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
    #[serde(rename_all = "camelCase", default)]
    #[gitops(env_prefix = "APP_")]
    pub struct Config {
        pub mode: Mode,
        #[gitops(port = "http")]
        pub http_port: u16,
        #[gitops(secret)]
        pub api_token: String,
        #[schemars(range(min = 1, max = 100))]
        pub workers: u32,
        #[schemars(length(max = 64))]
        pub name: String,
        pub level: Level,
        pub ratio: f64,
        pub removed: bool,
        #[gitops(env = "LEGACY_URL")]
        pub legacy: String,
        pub greeting: String,
        pub email: String,
    }

    impl Default for Config {
        fn default() -> Self {
            Config {
                mode: Mode::Fast,
                http_port: 8080,
                api_token: String::new(),
                workers: 4,
                name: "app".into(),
                level: Level::Info,
                ratio: 0.5,
                removed: false,
                legacy: "http://legacy".into(),
                greeting: "hi".into(),
                email: "ops@example.com".into(),
            }
        }
    }
}

mod v2 {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "lowercase")]
    pub enum Level {
        #[default]
        Info,
        Debug,
    }

    /// One documented variant fewer.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "lowercase")]
    pub enum Mode {
        /// Quick.
        #[default]
        Fast,
        /// Careful.
        Safe,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
    #[serde(rename_all = "camelCase", default)]
    #[gitops(env_prefix = "APP_")]
    pub struct Config {
        pub mode: Mode,
        #[gitops(port = "web")]
        pub http_port: u16,
        #[gitops(secret)]
        pub token: String,
        #[schemars(range(min = 1, max = 50))]
        pub workers: u32,
        #[schemars(length(max = 128))]
        pub name: String,
        pub level: Level,
        pub ratio: u32,
        #[gitops(env = "LEGACY_ENDPOINT")]
        pub legacy: String,
        pub greeting: String,
        #[schemars(regex(pattern = r"^[^@]+@[^@]+$"))]
        pub email: String,
        pub timeout: Option<u32>,
    }

    impl Default for Config {
        fn default() -> Self {
            Config {
                mode: Mode::Fast,
                http_port: 8080,
                token: String::new(),
                workers: 4,
                name: "app".into(),
                level: Level::Info,
                ratio: 1,
                legacy: "http://legacy".into(),
                greeting: "hello".into(),
                email: "ops@example.com".into(),
                timeout: None,
            }
        }
    }
}

fn v1_chart(version: &str) -> Chart {
    Chart::new("app").image("ghcr.io/acme/app").version(version).config::<v1::Config>()
}

fn v2_chart(version: &str) -> Chart {
    Chart::new("app").image("ghcr.io/acme/app").version(version).config::<v2::Config>()
}

#[test]
fn every_change_is_classified_exactly() {
    let dir = scratch_dir("compat-classified");
    v1_chart("1.0.0").write(&Outputs::chart(&dir)).unwrap();
    let report = v2_chart("1.0.0").compare(&Baseline::dir(&dir)).unwrap();
    let found: Vec<(Impact, String, String)> =
        report.changes.iter().map(|c| (c.impact, c.path.clone(), c.what.clone())).collect();
    let expected: Vec<(Impact, &str, &str)> = vec![
        (
            Impact::Breaking,
            "Secret apiToken",
            "key removed or renamed: existing Secrets no longer match",
        ),
        (
            Impact::Breaking,
            "Secret token",
            "required key added: pods whose Secret lacks it cannot start",
        ),
        (Impact::Breaking, "config.email", "pattern now \"^[^@]+@[^@]+$\""),
        (
            Impact::Breaking,
            "config.legacy",
            "env var `LEGACY_URL` renamed to `LEGACY_ENDPOINT`: the app's contract",
        ),
        (Impact::Breaking, "config.level", "no longer takes `\"trace\"`"),
        (Impact::Breaking, "config.mode", "no longer takes `\"legacy\"`"),
        // f64 → u32: an integer, and within u32's range.
        (Impact::Breaking, "config.ratio", "maximum none → 4294967295"),
        (Impact::Breaking, "config.ratio", "minimum none → 0"),
        (Impact::Breaking, "config.ratio", "no longer takes `number`"),
        (Impact::Breaking, "config.removed", "env var `APP_REMOVED` removed: the app's contract"),
        (
            Impact::Breaking,
            "config.removed",
            "removed (or renamed): values files that set it are refused",
        ),
        (Impact::Breaking, "config.workers", "maximum 100 → 50"),
        (
            Impact::Breaking,
            "port http",
            "removed or renamed: Services, probes and NetworkPolicies name it",
        ),
        // The SealedSecret's ciphertexts are keyed by the Secret's keys.
        (
            Impact::Breaking,
            "secrets.sealedSecret.encryptedData.(key names)",
            "no longer takes `\"apiToken\"`",
        ),
        (Impact::Addition, "config.name", "maxLength 64 → 128"),
        (Impact::Addition, "config.timeout", "added"),
        (Impact::Addition, "port web", "added"),
        (
            Impact::Addition,
            "secrets.sealedSecret.encryptedData.(key names)",
            "now also takes `\"token\"`",
        ),
        (Impact::Default, "config.greeting", "default \"hi\" → \"hello\""),
        (Impact::Default, "config.ratio", "default 0.5 → 1"),
        // The probes follow the renamed port.
        (Impact::Default, "livenessProbe.tcpSocket.port", "default \"http\" → \"web\""),
        (Impact::Default, "readinessProbe.tcpSocket.port", "default \"http\" → \"web\""),
    ];
    let shown = |list: &[(Impact, String, String)]| {
        list.iter().map(|(i, p, w)| format!("{i:?} {p}: {w}")).collect::<Vec<_>>().join("\n")
    };
    let expected: Vec<(Impact, String, String)> =
        expected.into_iter().map(|(i, p, w)| (i, p.to_owned(), w.to_owned())).collect();
    assert_eq!(shown(&found), shown(&expected), "expected vs found, one change per line");
    assert_eq!(report.bump, Bump::Major);
    assert_eq!(report.expected.to_string(), "2.0.0");
    assert!(!report.ok);
    let markdown = report.markdown();
    let breaking = markdown.find("### Breaking").unwrap();
    assert!(breaking < markdown.find("### Added").unwrap(), "breaking changes first:\n{markdown}");
    assert!(markdown.contains("- `config.workers`: maximum 100 → 50\n"), "{markdown}");
}

#[test]
fn check_fails_a_breaking_change_without_a_major_bump() {
    let (old, new) = (scratch_dir("compat-gate-old"), scratch_dir("compat-gate-new"));
    v1_chart("1.3.2").write(&Outputs::chart(&old)).unwrap();
    let too_low = v2_chart("1.4.0").baseline(Baseline::dir(&old));
    too_low.write(&Outputs::chart(&new)).unwrap();
    let err = too_low.check(&Outputs::chart(&new)).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Incompatible(_)), "{err:?}");
    assert!(text.starts_with("chart version 1.4.0 is too low for its changes since "), "{text}");
    assert!(text.contains("expected at least 2.0.0"), "{text}");
    assert!(text.contains("`config.workers`: maximum 100 → 50"), "{text}");
    let bumped = v2_chart("2.0.0").baseline(Baseline::dir(&old));
    bumped.write(&Outputs::chart(&new)).unwrap();
    bumped.check(&Outputs::chart(&new)).unwrap();
    // 0.x: a breaking change needs the next minor, an addition a patch.
    let zero = scratch_dir("compat-gate-zero");
    v1_chart("0.4.2").write(&Outputs::chart(&zero)).unwrap();
    let report = v2_chart("0.4.3").compare(&Baseline::dir(&zero)).unwrap();
    assert_eq!((report.expected.to_string(), report.ok), ("0.5.0".to_owned(), false));
    // Nothing changed: the same version passes.
    let same = v1_chart("0.4.2").compare(&Baseline::dir(&zero)).unwrap();
    assert!(same.changes.is_empty() && same.ok && same.bump == Bump::None, "{same}");
}

#[test]
fn values_files_the_new_schema_refuses_are_named() {
    let old = scratch_dir("compat-values-old");
    let chart = v1_chart("1.0.0")
        .environment(Environment::new("prod").config(|c: &mut v1::Config| c.workers = 80));
    chart.write(&Outputs::chart(&old)).unwrap();
    std::fs::write(old.join("values-qa.yaml"), "config:\n  workers: 90\n").unwrap();
    chart.write(&Outputs::chart(&old)).unwrap();
    // v2 with the same environment edit and the same hand-written file.
    let new = v2_chart("2.0.0")
        .environment(Environment::new("prod").config(|c: &mut v2::Config| c.workers = 80));
    let new_dir = scratch_dir("compat-values-new");
    std::fs::copy(old.join("values-qa.yaml"), new_dir.join("values-qa.yaml")).unwrap();
    let err = new.write(&Outputs::chart(&new_dir)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("environment `prod`: `config.workers`: 80 is above the maximum 50"),
        "{text}"
    );
    assert!(
        text.contains("file `values-qa.yaml`: `config.workers`: 90 is above the maximum 50"),
        "{text}"
    );
}

#[test]
fn baselines_from_a_git_ref_and_a_packaged_chart() {
    let repo = scratch_dir("compat-git");
    git(&repo, &["init", "-q"]);
    git(&repo, &["config", "user.email", "ci@example.com"]);
    git(&repo, &["config", "user.name", "CI"]);
    v1_chart("1.0.0").write(&Outputs::chart(repo.join("deploy/chart"))).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    git(&repo, &["tag", "v1.0.0"]);
    v2_chart("2.0.0").write(&Outputs::chart(repo.join("deploy/chart"))).unwrap();
    let from_git =
        v2_chart("2.0.0").compare(&Baseline::git(&repo, "v1.0.0", "deploy/chart")).unwrap();
    assert!(from_git.ok && from_git.bump == Bump::Major, "{from_git}");
    assert_eq!(from_git.baseline, "v1.0.0:deploy/chart");

    let packaged = scratch_dir("compat-packaged");
    v1_chart("1.0.0").write(&Outputs::chart(packaged.join("app"))).unwrap();
    let tgz = packaged.join("app-1.0.0.tgz");
    let out = Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(&packaged)
        .arg("app")
        .output()
        .unwrap();
    assert!(out.status.success());
    let from_tgz = v2_chart("1.9.0").compare(&Baseline::packaged(&tgz)).unwrap();
    assert_eq!(from_tgz.changes, from_git.changes);
    assert!(!from_tgz.ok);

    // A baseline that is not there is named.
    let err = v2_chart("2.0.0").compare(&Baseline::git(&repo, "v9", "deploy/chart")).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "cannot read the baseline chart v9:deploy/chart: git show v9:deploy/chart/Chart.yaml"
        ),
        "{err}"
    );
    let err = v2_chart("2.0.0").compare(&Baseline::dir(repo.join("nowhere"))).unwrap_err();
    assert!(err.to_string().ends_with("nowhere: no Chart.yaml"), "{err}");
}
