//! Every relative link in README.md, ARCHITECTURE.md, BENCHMARKS.md and
//! docs/*.md resolves: the file (or
//! directory) exists, and a `#anchor` names a heading of the target Markdown
//! file by its GitHub slug. Links to other sites (http, https, mailto) are not
//! followed: tests never use the network. Also: every chapter in docs/ is
//! linked from README.md, so none is unreachable.
//!
//! Markdown is parsed as CommonMark with GitHub's tables by pulldown-cmark,
//! so a heading inside a fenced block is no heading and a link inside a code
//! span is no link.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// A link of a Markdown file: its destination and the line it is on.
#[derive(Debug, PartialEq)]
struct Link {
    dest: String,
    line: usize,
}

/// What a Markdown file offers and asks: its headings' slugs, its links.
#[derive(Debug, Default)]
struct Doc {
    slugs: BTreeSet<String>,
    links: Vec<Link>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// GitHub's anchor for a heading's text: lower case; every character but
/// letters, digits, `-`, `_` and spaces removed; spaces become `-`.
fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn parse(text: &str) -> Doc {
    let mut doc = Doc::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading: Option<String> = None;
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                // Duplicates get `-1`, `-2`, … in document order.
                let count = seen.entry(base.clone()).or_insert(0);
                let unique = if *count == 0 { base.clone() } else { format!("{base}-{count}") };
                *count += 1;
                doc.slugs.insert(unique);
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                doc.links.push(Link { dest: dest_url.into_string(), line: line_of(range.start) })
            }
            _ => {}
        }
    }
    doc
}

fn is_external(dest: &str) -> bool {
    ["http://", "https://", "mailto:"].iter().any(|scheme| dest.starts_with(scheme))
}

/// `a/../b` → `b`, without touching the file system (a missing file must
/// still get a readable path in the message).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if out.as_os_str().is_empty() || out.ends_with("..") {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every broken link of `file` (relative to `root`), one message each,
/// naming the file, the line, the link and why. `read` returns a Markdown
/// file's text by its path relative to `root`, `None` when there is none;
/// `exists` says whether any file or directory is there.
fn broken_links(
    root: &Path,
    file: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<String> {
    let text = read(file).unwrap_or_else(|| panic!("{} cannot be read", file.display()));
    let doc = parse(&text);
    let mut problems = Vec::new();
    for Link { dest, line } in &doc.links {
        if is_external(dest) {
            continue;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (dest.as_str(), None),
        };
        let said = |why: String| format!("{}:{line}: link `{dest}`: {why}", file.display());
        if path.is_empty() && anchor.is_none() {
            problems.push(said("empty link".into()));
            continue;
        }
        if path.starts_with('/') || path.contains(':') {
            problems.push(said("not a relative path (write it relative to this file)".into()));
            continue;
        }
        let target = if path.is_empty() {
            file.to_owned()
        } else {
            normalize(&file.parent().unwrap_or(Path::new("")).join(path))
        };
        if target.as_os_str().is_empty() || target.starts_with("..") {
            problems.push(said(format!("leaves the repository ({})", root.display())));
            continue;
        }
        if !exists(&target) {
            problems.push(said(format!("{} does not exist", target.display())));
            continue;
        }
        let Some(anchor) = anchor else { continue };
        if target.extension().and_then(|e| e.to_str()) != Some("md") {
            problems.push(said(format!(
                "an anchor into {}, which is not Markdown, cannot be checked",
                target.display()
            )));
            continue;
        }
        let Some(target_text) = read(&target) else {
            problems.push(said(format!("{} cannot be read", target.display())));
            continue;
        };
        if !parse(&target_text).slugs.contains(anchor) {
            problems.push(said(format!(
                "{} has no heading whose anchor is `#{anchor}`",
                target.display()
            )));
        }
    }
    problems
}

/// README.md, ARCHITECTURE.md, BENCHMARKS.md and every docs/*.md,
/// relative to the workspace root.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"].into_iter().map(PathBuf::from).collect();
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("read docs/").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("md"))
        .map(|path| path.strip_prefix(root).expect("under the root").to_owned())
        .collect();
    chapters.sort();
    files.extend(chapters);
    files
}

#[test]
fn every_relative_link_and_anchor_in_the_docs_resolves() {
    let root = gitops_tests::workspace();
    let read = |path: &Path| std::fs::read_to_string(root.join(path)).ok();
    let exists = |path: &Path| root.join(path).exists();
    let files = documents(&root);
    assert!(files.len() > 3, "docs/ has no chapters");
    let problems: Vec<String> =
        files.iter().flat_map(|file| broken_links(&root, file, &read, &exists)).collect();
    assert!(problems.is_empty(), "broken links in the docs:\n{}", problems.join("\n"));
}

#[test]
fn every_chapter_is_linked_from_the_readme() {
    let root = gitops_tests::workspace();
    let readme = parse(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let linked: BTreeSet<PathBuf> = readme
        .links
        .iter()
        .filter(|link| !is_external(&link.dest))
        .map(|link| normalize(Path::new(link.dest.split('#').next().unwrap_or_default())))
        .collect();
    let unlinked: Vec<String> = documents(&root)
        .into_iter()
        .skip(1)
        .filter(|chapter| !linked.contains(chapter))
        .map(|chapter| chapter.display().to_string())
        .collect();
    assert!(unlinked.is_empty(), "chapters README.md does not link to: {unlinked:?}");
}

// The checker itself, on small documents: it must be able to fail.

fn check(files: &[(&str, &str)], file: &str) -> Vec<String> {
    let files: BTreeMap<PathBuf, String> =
        files.iter().map(|(path, text)| (PathBuf::from(path), text.to_string())).collect();
    let read = |path: &Path| files.get(path).cloned();
    let exists = |path: &Path| {
        files.contains_key(path) || files.keys().any(|f| f.starts_with(path) && f != path)
    };
    broken_links(Path::new("/repo"), Path::new(file), &read, &exists)
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug("What a change breaks: the compatibility check"),
        "what-a-change-breaks-the-compatibility-check"
    );
    assert_eq!(slug("release, promote, history"), "release-promote-history");
    assert_eq!(
        slug("Provenance: from a pod back to its commit"),
        "provenance-from-a-pod-back-to-its-commit"
    );
    assert_eq!(slug("`build.rs` and `cargo gitops`"), "buildrs-and-cargo-gitops");
    assert_eq!(slug("snake_case and kebab-case"), "snake_case-and-kebab-case");
    assert_eq!(slug("Quick start (5 minutes)"), "quick-start-5-minutes");
    let doc = parse("# A\n\n## `code` *in* it\n\n# A\n\n```\n# Not a heading\n```\n\n# A\n");
    let slugs: Vec<&str> = doc.slugs.iter().map(String::as_str).collect();
    assert_eq!(slugs, ["a", "a-1", "a-2", "code-in-it"]);
}

#[test]
fn links_in_code_are_not_links() {
    let doc = parse(
        "See [b](b.md), `[c](c.md)`, ![i](i.png) and\n\n```\n[d](d.md)\n```\n\n| t |\n|---|\n| [e](e.md#x) |\n",
    );
    let dests: Vec<&str> = doc.links.iter().map(|l| l.dest.as_str()).collect();
    assert_eq!(dests, ["b.md", "i.png", "e.md#x"]);
    assert_eq!(doc.links[2].line, 9);
}

#[test]
fn a_broken_link_or_anchor_is_named_with_its_file_and_reason() {
    let files = [
        ("README.md", "# Top\n\n[ok](docs/a.md#part-two) [self](#top) [dir](docs)\n[web](https://example.com/x#y)\n"),
        ("docs/a.md", "# Part\n\n## Part two\n\n[up](../README.md#top) [missing](b.md) [anchor](../README.md#nowhere)\n[bad](#part-three) [code](../src/lib.rs#L1) [out](../../x.md)\n"),
        ("src/lib.rs", ""),
    ];
    assert_eq!(check(&files, "README.md"), Vec::<String>::new());
    assert_eq!(
        check(&files, "docs/a.md"),
        [
            "docs/a.md:5: link `b.md`: docs/b.md does not exist",
            "docs/a.md:5: link `../README.md#nowhere`: README.md has no heading whose anchor is `#nowhere`",
            "docs/a.md:6: link `#part-three`: docs/a.md has no heading whose anchor is `#part-three`",
            "docs/a.md:6: link `../src/lib.rs#L1`: an anchor into src/lib.rs, which is not Markdown, cannot be checked",
            "docs/a.md:6: link `../../x.md`: leaves the repository (/repo)",
        ]
    );
}
