//! Image pins (`gitops_release`): the surgical edit on hostile files, read
//! back by Helm's own YAML parser; release, promote, history and rollback in
//! a temporary Git repository; every refusal by its message.

use gitops_release::{self as pin, Error, NoPin, PinAt};
use gitops_tests::{git, oracle, scratch_dir, workspace};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use std::path::{Path, PathBuf};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A pin file in pieces: `before` + the tag's scalar + `between` + the
/// digest's scalar (when there is one) + `after`, so the bytes the edit
/// may change are known.
#[derive(Debug, Clone)]
struct Case {
    before: String,
    tag: String,
    between: String,
    digest: Option<String>,
    after: String,
    new_tag: String,
    new_digest: String,
}

impl Case {
    fn text(&self) -> String {
        let digest = self.digest.as_deref().unwrap_or("");
        format!("{}{}{}{digest}{}", self.before, self.tag, self.between, self.after)
    }
}

fn quote(style: u8, value: &str) -> String {
    match style {
        0 => value.to_owned(),
        1 => format!("'{value}'"),
        _ => format!("\"{value}\""),
    }
}

fn cases() -> impl Strategy<Value = Case> {
    let nl = prop_oneof![Just("\n"), Just("\r\n")];
    let comments = prop::collection::vec("[ a-z:#-]{0,12}", 0..3);
    let tag_value = "[a-z][a-z0-9.]{0,8}";
    let new_tag = prop_oneof![
        "[A-Za-z0-9_][A-Za-z0-9._-]{0,20}",
        Just("1.0".to_owned()),
        Just("on".to_owned()),
        Just("1e3".to_owned()),
        Just("0777".to_owned()),
        Just("true".to_owned()),
    ];
    let new_digest =
        prop_oneof![Just(String::new()), "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}"))];
    (
        (nl, comments, any::<bool>(), any::<bool>(), any::<bool>()),
        (any::<bool>(), tag_value, 0u8..3, any::<bool>(), prop::option::of(0u8..3), any::<bool>()),
        (new_tag, new_digest),
    )
        .prop_map(|(layout, image, new)| {
            let (nl, comments, anchors, test_tag, after_keys) = layout;
            let (flow, old_tag, tag_style, repository, digest_style, tag_comment) = image;
            let (new_tag, new_digest) = new;
            let mut before = String::new();
            for c in &comments {
                before.push_str(&format!("#{c}{nl}"));
            }
            if anchors {
                before.push_str(&format!(
                    "common: &common{nl}  a: 1 # anchored{nl}uses: *common{nl}"
                ));
            }
            if test_tag {
                before.push_str(&format!("test:{nl}  tag: keep-me{nl}  image: {{tag: other}}{nl}"));
            }
            let mut after = String::new();
            if after_keys {
                after.push_str(&format!("replicas: 3 # three{nl}tag: top-level{nl}"));
            }
            let tag = quote(tag_style, &old_tag);
            let digest = digest_style.map(|s| quote(s, if s == 0 { DIGEST } else { "" }));
            let (between, after) = if flow {
                before.push_str("image: {");
                if repository {
                    before.push_str("repository: \"ghcr.io/acme/x\", ");
                }
                before.push_str("tag: ");
                let between =
                    if digest.is_some() { ", digest: ".to_owned() } else { String::new() };
                (between, format!("}}{nl}{after}"))
            } else {
                before.push_str(&format!("image:{nl}"));
                if repository {
                    before.push_str(&format!(
                        "  # -- the repository{nl}  repository: ghcr.io/acme/x{nl}"
                    ));
                }
                before.push_str("  tag: ");
                let comment = if tag_comment { " # the tag" } else { "" };
                match digest {
                    Some(_) => (format!("{comment}{nl}  digest: "), format!("{nl}{after}")),
                    None => (String::new(), format!("{comment}{nl}{after}")),
                }
            };
            Case { before, tag, between, digest, after, new_tag, new_digest }
        })
}

/// A scalar's text as the string it holds (the edit writes no escapes).
fn unquote(text: &str) -> &str {
    let t = text.trim_matches('"');
    if t.len() != text.len() {
        return t;
    }
    text.trim_matches('\'')
}

/// `longer` is `shorter` with one insertion.
fn is_insertion(shorter: &str, longer: &str) -> bool {
    let prefix = shorter.bytes().zip(longer.bytes()).take_while(|(a, b)| a == b).count();
    let suffix =
        shorter.bytes().rev().zip(longer.bytes().rev()).take_while(|(a, b)| a == b).count();
    prefix + suffix >= shorter.len() && longer.len() >= shorter.len()
}

#[test]
fn only_the_pin_changes_and_helm_reads_the_rest_the_same() {
    // A fixed seed: the same 200 files on every run, so a failure repeats.
    let mut runner = TestRunner::new_with_rng(
        Config { cases: 200, ..Config::default() },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = cases();
    let mut checked = Vec::new();
    for _ in 0..200 {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let text = case.text();
        let out = pin::edit(&text, &case.new_tag, &case.new_digest)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        // The bytes outside the edited scalars are the original's.
        let middle = out
            .strip_prefix(&case.before)
            .unwrap_or_else(|| panic!("the text before the tag changed:\n{text}\n---\n{out}"));
        let tag_end = middle.find([' ', ',', '}', '\r', '\n']).unwrap_or(middle.len());
        assert_eq!(unquote(&middle[..tag_end]), case.new_tag, "{text}\n---\n{out}");
        let rest = &middle[tag_end..];
        match &case.digest {
            Some(_) => {
                let rest = rest.strip_prefix(&case.between).unwrap_or_else(|| {
                    panic!("the text between tag and digest changed:\n{text}\n---\n{out:?}")
                });
                let digest_end = rest.len() - case.after.len();
                assert_eq!(&rest[digest_end..], case.after, "{text}\n---\n{out}");
                assert_eq!(unquote(&rest[..digest_end]), case.new_digest, "{text}\n---\n{out}");
            }
            // The digest is inserted: the rest is the original's with one insertion.
            None => assert!(
                is_insertion(&format!("{}{}", case.between, case.after), rest),
                "{text}\n---\n{out}"
            ),
        }
        checked.push((text, out, case));
    }
    let ops = checked
        .iter()
        .flat_map(|(text, out, _)| {
            [
                json!({"op": "values_from_yaml", "yaml": text}),
                json!({"op": "values_from_yaml", "yaml": out}),
            ]
        })
        .collect();
    let results = oracle::run(ops);
    for ((text, out, case), pair) in checked.iter().zip(results.chunks(2)) {
        assert_eq!(pair[0]["ok"], true, "Helm reads the original:\n{text}\n{:#}", pair[0]);
        assert_eq!(pair[1]["ok"], true, "Helm reads the edit:\n{out}\n{:#}", pair[1]);
        let mut expected = pair[0]["values"].clone();
        expected["image"]["tag"] = json!(case.new_tag);
        expected["image"]["digest"] = json!(case.new_digest);
        assert_eq!(pair[1]["values"], expected, "{text}\n---\n{out}");
    }
}

/// A chart directory with the orders example's values, schema and
/// environments, inside a new Git repository.
fn repository(name: &str) -> (PathBuf, PathBuf) {
    let repo = scratch_dir(name);
    let chart = repo.join("deploy/chart");
    std::fs::create_dir_all(&chart).expect("mkdir");
    let example = workspace().join("examples/orders/chart");
    for file in [
        "values.yaml",
        "values.schema.json",
        "values-dev.yaml",
        "values-staging.yaml",
        "values-prod.yaml",
    ] {
        std::fs::copy(example.join(file), chart.join(file)).expect("copy");
    }
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.name", "Pin Test"]);
    git(&repo, &["config", "user.email", "pins@example.com"]);
    git(&repo, &["config", "commit.gpgsign", "false"]);
    commit(&repo, "chart");
    (repo, chart)
}

fn commit(repo: &Path, message: &str) -> String {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"]).trim().to_owned()
}

fn pins(history: &[PinAt]) -> Vec<(String, Option<String>, Option<String>)> {
    history.iter().map(|p| (p.commit.clone(), p.tag.clone(), p.digest.clone())).collect()
}

#[test]
fn release_promote_history_and_rollback_in_git() {
    let (repo, chart) = repository("pins-git");
    assert_eq!(pin::history(&repo, &chart, "prod").unwrap(), vec![]);

    let staging = pin::release(&chart, "staging", "1.4.2", Some(DIGEST)).unwrap();
    assert_eq!(staging, chart.join("pins/staging.yaml"));
    let first = commit(&repo, "release 1.4.2 to staging");
    pin::promote(&chart, "staging", "prod").unwrap();
    let promoted = commit(&repo, "promote staging to prod");
    // A hand-written comment survives the next release byte for byte.
    let prod = chart.join("pins/prod.yaml");
    let text = std::fs::read_to_string(&prod).unwrap().replace("  tag:", "  # keep me\n  tag:");
    std::fs::write(&prod, &text).unwrap();
    commit(&repo, "a comment");
    pin::release(&chart, "prod", "1.5.0", None).unwrap();
    let bad = commit(&repo, "release 1.5.0 to prod");
    let after = std::fs::read_to_string(&prod).unwrap();
    assert_eq!(
        after,
        text.replace("\"1.4.2\"", "\"1.5.0\"").replace(&format!("\"{DIGEST}\""), "\"\"")
    );
    // Rollback: revert the release's commit.
    git(&repo, &["revert", "--no-edit", &bad]);
    let reverted = git(&repo, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(std::fs::read_to_string(&prod).unwrap(), text);

    let history = pin::history(&repo, &chart, "prod").unwrap();
    let d = Some(DIGEST.to_owned());
    let tag = |t: &str| Some(t.to_owned());
    let comment = history[2].commit.clone();
    assert_eq!(
        pins(&history),
        vec![
            (reverted, tag("1.4.2"), d.clone()),
            (bad, tag("1.5.0"), None),
            (comment, tag("1.4.2"), d.clone()),
            (promoted, tag("1.4.2"), d.clone()),
        ]
    );
    assert!(history.iter().all(|p| p.date.len() >= 20 && p.date.contains('T')), "{history:?}");
    let staging_history = pin::history(&repo, &chart, "staging").unwrap();
    assert_eq!(pins(&staging_history), vec![(first, tag("1.4.2"), d)]);
    // A path relative to the repository works as well as an absolute one.
    assert_eq!(pin::history(&repo, "deploy/chart", "staging").unwrap(), staging_history);
}

#[test]
fn bad_inputs_are_refused_by_name_and_nothing_is_written() {
    let (_repo, chart) = repository("pins-refused");
    let shown = chart.display();
    let message = |r: Result<PathBuf, Error>| r.unwrap_err().to_string();
    let known = vec!["dev".to_owned(), "prod".to_owned(), "staging".to_owned()];
    // The whole text once; then kinds and culprits.
    assert_eq!(
        message(pin::release(&chart, "qa", "1.0", None)),
        format!(
            "image pin: no environment `qa` in {shown}: its environments are dev, prod, staging"
        )
    );
    match pin::release(&chart, "dev", "-1.0", None) {
        Err(Error::InvalidTag { tag }) => assert_eq!(tag, "-1.0"),
        other => panic!("{other:?}"),
    }
    match pin::release(&chart, "dev", "1.0", Some("sha256:ABC")) {
        Err(Error::InvalidDigest { digest }) => assert_eq!(digest, "sha256:ABC"),
        other => panic!("{other:?}"),
    }
    match pin::promote(&chart, "staging", "prod") {
        Err(Error::NoPin { environment, file, why: NoPin::NoFile }) => {
            assert_eq!((environment.as_str(), file), ("staging", chart.join("pins/staging.yaml")))
        }
        other => panic!("{other:?}"),
    }
    match pin::promote(&chart, "nope", "prod") {
        Err(Error::UnknownEnvironment { environment, chart_dir, known: listed }) => {
            assert_eq!((environment.as_str(), chart_dir, listed), ("nope", chart.clone(), known))
        }
        other => panic!("{other:?}"),
    }
    std::fs::create_dir_all(chart.join("pins")).unwrap();
    let cases = [
        (
            "base: &b {tag: a}\nimage: *b\n",
            "`image` is an alias (`*…`): write the image map out to pin it",
        ),
        ("image: {tag: a}\nreplicas: many\n", "would not pass the chart's schema: `replicas`: "),
        ("# only comments\n", ""),
    ];
    for (text, problem) in cases {
        let file = chart.join("pins/dev.yaml");
        std::fs::write(&file, text).unwrap();
        let result = pin::release(&chart, "dev", "2.0", None);
        if problem.is_empty() {
            result.unwrap();
            assert_eq!(
                std::fs::read_to_string(&file).unwrap(),
                format!("{text}image:\n  tag: \"2.0\"\n  digest: \"\"\n")
            );
            continue;
        }
        let err = message(result);
        assert!(err.starts_with(&format!("image pin: {}", file.display())), "{err}");
        assert!(err.contains(problem), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "nothing written");
    }
    std::fs::write(chart.join("pins/prod.yaml"), "image:\n  repository: x\n").unwrap();
    assert_eq!(
        message(pin::promote(&chart, "prod", "dev")),
        format!("image pin: environment `prod` has no pin to promote: {shown}/pins/prod.yaml sets no `image.tag`")
    );
    assert!(matches!(
        pin::promote(&chart, "prod", "dev"),
        Err(Error::NoPin { why: NoPin::NoTag, .. })
    ));
    // Not a Git repository.
    let outside = std::env::temp_dir().join(format!("gitops-pins-no-git-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    let err = pin::history(&outside, &outside, "prod").unwrap_err();
    assert!(matches!(err, Error::UnknownEnvironment { .. }), "{err}");
    std::fs::copy(chart.join("values-prod.yaml"), outside.join("values-prod.yaml")).unwrap();
    let err = pin::history(&outside, &outside, "prod").unwrap_err();
    assert!(
        matches!(&err, Error::Git(gitops_gen::foundation::git::GitError::Failed { args, .. }) if args.starts_with("log ")),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("image pin: `git log --format=%H %cI -- "), "{err}");
    let _ = std::fs::remove_dir_all(&outside);
}

/// A problem of an environment's own values is reported once, as the
/// environment's: its pin, read over those values, is blamed only for what
/// the pin adds.
#[test]
fn an_environments_problem_is_not_blamed_on_its_pin_again() {
    use gitops_gen::{Chart, Environment, Outputs};
    use gitops_tests::fixtures::Shop;
    let dir = scratch_dir("pins-blame");
    let chart =
        |env: Environment| Chart::new("shop").image("x/y").config::<Shop>().environment(env);
    chart(Environment::new("dev")).write(&Outputs::chart(&dir)).unwrap();
    std::fs::write(dir.join("pins/dev.yaml"), "image:\n  tag: \"1.0\"\n  bogus: 1\n").unwrap();
    let err = chart(Environment::new("dev").set("unknownKey", 1))
        .write(&Outputs::chart(&dir))
        .unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "  - environment `dev`: `unknownKey`: unknown key",
            "  - file `pins/dev.yaml`: `image.bogus`: unknown key",
        ],
        "{text}"
    );
}
