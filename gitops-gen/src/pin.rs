//! Image pins per environment: `chart/pins/<env>.yaml`, a small file the
//! user (or CI) owns, holding `image.tag` and `image.digest`. The generated
//! `values-<env>.yaml` must not be edited by hand; the pin file is listed
//! after it in the environment's Argo CD `valueFiles` and Flux
//! `valuesFiles`, so it wins.
//!
//! [`release`] sets an environment's pin, [`promote`] copies one
//! environment's pin to another, [`history`] lists an environment's pins over
//! Git history; a rollback is `git revert` of the pin file's commit.
//!
//! An edit changes only the bytes of the pinned scalars (or inserts the
//! missing keys): comments, quoting, line endings and every other key stay
//! byte for byte. The file is located with a YAML event parser's spans
//! (`saphyr-parser`), never re-serialized; what it cannot edit safely (an
//! anchored or aliased `image`, a merge key, a block scalar, two documents)
//! it refuses. The result is parsed again, checked against the chart's
//! values.schema.json with the environment's values under it, and written
//! atomically.

use crate::environment::coalesce;
use crate::write::write_atomic;
use crate::{yaml, Error};
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory, inside the chart directory, of the pin files.
pub const DIR: &str = "pins";

/// The pin file of `environment`, relative to the chart directory.
pub fn file_name(environment: &str) -> String {
    format!("{DIR}/{environment}.yaml")
}

/// What a pin file says: `image.tag` and `image.digest` (`None` when absent
/// or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// An environment's pin at one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinAt {
    /// The full commit SHA.
    pub commit: String,
    /// The committer date, strict ISO 8601.
    pub date: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Whether `tag` is a valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether `digest` is a digest the chart's schema takes: `sha256:` and 64
/// lower-case hex digits.
pub fn is_valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Sets `environment`'s pin to `tag` and `digest` (none: `digest: ""`, so
/// the tag decides) in `chart_dir/pins/<environment>.yaml`, creating the
/// file if needed. Returns the file's path.
pub fn release(
    chart_dir: impl AsRef<Path>,
    environment: &str,
    tag: &str,
    digest: Option<&str>,
) -> Result<PathBuf, Error> {
    let chart_dir = chart_dir.as_ref();
    check_environment(chart_dir, environment)?;
    if !is_valid_tag(tag) {
        return Err(Error::Pin(format!(
            "tag {tag:?} is not a valid image tag: 1 to 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        )));
    }
    if let Some(digest) = digest.filter(|d| !is_valid_digest(d)) {
        return Err(Error::Pin(format!(
            "digest {digest:?} is not `sha256:` followed by 64 lower-case hex digits"
        )));
    }
    let path = chart_dir.join(file_name(environment));
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_file(environment),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let new = edit(&old, tag, digest.unwrap_or(""))
        .map_err(|problem| Error::Pin(format!("{}: {problem}", path.display())))?;
    check_values(chart_dir, environment, &path, &new)?;
    write_atomic(&path, new.as_bytes())?;
    Ok(path)
}

/// Copies `from`'s pin (tag and digest) to `to`. Returns `to`'s file.
pub fn promote(chart_dir: impl AsRef<Path>, from: &str, to: &str) -> Result<PathBuf, Error> {
    let chart_dir = chart_dir.as_ref();
    check_environment(chart_dir, from)?;
    let path = chart_dir.join(file_name(from));
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Pin(format!(
            "environment `{from}` has no pin to promote: {} does not exist",
            path.display()
        )),
        _ => Error::io(&path, e),
    })?;
    let pin = read(&text).map_err(|p| Error::Pin(format!("{}: {p}", path.display())))?;
    let Some(tag) = pin.tag else {
        return Err(Error::Pin(format!(
            "environment `{from}` has no pin to promote: {} sets no `image.tag`",
            path.display()
        )));
    };
    release(chart_dir, to, &tag, pin.digest.as_deref())
}

/// `environment`'s pins over the Git history of `repo` (the work tree
/// holding `chart_dir`), newest first: one per commit that changed the pin
/// file. A commit that deleted it, or left it unreadable, has no tag.
pub fn history(
    repo: impl AsRef<Path>,
    chart_dir: impl AsRef<Path>,
    environment: &str,
) -> Result<Vec<PinAt>, Error> {
    let repo = repo.as_ref();
    let chart_dir = chart_dir.as_ref();
    let on_disk = if chart_dir.is_absolute() { chart_dir.to_owned() } else { repo.join(chart_dir) };
    check_environment(&on_disk, environment)?;
    let chart_dir = chart_dir.strip_prefix(repo).unwrap_or(chart_dir);
    let file = chart_dir.join(file_name(environment));
    let file = file.to_string_lossy().replace('\\', "/");
    let log = git(repo, &["log", "--format=%H %cI", "--", &file])?;
    let mut out = Vec::new();
    for line in log.lines() {
        let Some((commit, date)) = line.split_once(' ') else { continue };
        // `./`: relative to `repo`, as `git log` read it, not to the
        // repository's root. A commit that deleted the file has none.
        let pin = match git(repo, &["show", &format!("{commit}:./{file}")]) {
            Ok(text) => read(&text).unwrap_or(Pin { tag: None, digest: None }),
            Err(Error::Pin(e)) if e.contains("does not exist in") => {
                Pin { tag: None, digest: None }
            }
            Err(e) => return Err(e),
        };
        out.push(PinAt {
            commit: commit.into(),
            date: date.into(),
            tag: pin.tag,
            digest: pin.digest,
        });
    }
    Ok(out)
}

fn git(repo: &Path, args: &[&str]) -> Result<String, Error> {
    // English messages whatever the locale: a deleted file is told by them.
    let out = Command::new("git")
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| Error::Pin(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Pin(format!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout).map_err(|e| Error::Pin(format!("git's output: {e}")))
}

/// The environments of the chart in `chart_dir`: its generated
/// `values-<env>.yaml` files.
pub fn environments(chart_dir: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(chart_dir).map_err(|e| Error::io(chart_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(chart_dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(env) = name.strip_prefix("values-").and_then(|n| n.strip_suffix(".yaml")) else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if crate::write::has_marker(&text) {
            out.push(env.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

fn check_environment(chart_dir: &Path, environment: &str) -> Result<(), Error> {
    let known = environments(chart_dir)?;
    if known.iter().any(|e| e == environment) {
        return Ok(());
    }
    Err(Error::Pin(format!(
        "no environment `{environment}` in {}: its environments are {}",
        chart_dir.display(),
        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
    )))
}

/// What a new pin file starts as: comments only.
pub(crate) fn new_file(environment: &str) -> String {
    format!(
        "# The image environment `{environment}` runs, after values-{environment}.yaml.\n\
         # Yours, not generated: set by `release`/`promote` (gitops_gen::pin) or by hand;\n\
         # roll back by reverting its commit.\n"
    )
}

/// The values Helm reads for the environment (values.yaml, then
/// `values-<env>.yaml`, then `pin`) against the chart's schema.
fn check_values(chart_dir: &Path, environment: &str, path: &Path, pin: &str) -> Result<(), Error> {
    let load = |name: &str| -> Result<String, Error> {
        let file = chart_dir.join(name);
        std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))
    };
    let parse = |name: &str, text: &str| -> Result<Value, Error> {
        match yaml_serde::from_str::<Value>(text) {
            Ok(Value::Null) => Ok(Value::Object(Default::default())),
            Ok(v) => Ok(v),
            Err(e) => Err(Error::Pin(format!("{name}: not valid YAML: {e}"))),
        }
    };
    let schema = parse("values.schema.json", &load("values.schema.json")?)?;
    let mut values = parse("values.yaml", &load("values.yaml")?)?;
    let env_file = format!("values-{environment}.yaml");
    coalesce(&mut values, &parse(&env_file, &load(&env_file)?)?);
    coalesce(&mut values, &parse(&path.display().to_string(), pin)?);
    let validator = gitops_model::schema::Validator::new(&schema).map_err(Error::Pin)?;
    let problems = crate::environment::refusals(&validator, &values);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Pin(format!(
            "{} would not pass the chart's schema: {}",
            path.display(),
            problems.join("; ")
        )))
    }
}

/// The pin a pin file's text holds.
pub fn read(text: &str) -> Result<Pin, String> {
    let value: Value = match yaml_serde::from_str(text) {
        Ok(Value::Null) => return Ok(Pin { tag: None, digest: None }),
        Ok(v) => v,
        Err(e) => return Err(format!("not valid YAML: {e}")),
    };
    let get = |key: &str| value["image"][key].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Pin { tag: get("tag"), digest: get("digest") })
}

// --- The surgical edit -----------------------------------------------------

/// A node of the parsed file, with byte ranges into the text.
#[derive(Debug)]
enum Node {
    Scalar { value: String, style: ScalarStyle, start: usize, end: usize, marked: bool },
    Map { flow: bool, end: usize, entries: Vec<(Node, Node)>, marked: bool },
    Seq,
    Alias,
}

impl Node {
    fn key(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The file's documents as trees. `marked`: the node has an anchor or a tag.
fn parse(text: &str) -> Result<Vec<Node>, String> {
    // Spans count characters; edits need bytes.
    let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    bytes.push(text.len());
    let at = |index: usize| bytes.get(index).copied().unwrap_or(text.len());
    let mut events = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| format!("not valid YAML: {e}"))?;
        events.push((event, at(span.start.index()), at(span.end.index())));
    }
    let mut events = events.into_iter().peekable();
    let mut docs = Vec::new();
    while let Some((event, ..)) = events.next() {
        if let Event::DocumentStart(_) = event {
            docs.push(node(&mut events, text)?);
        }
    }
    Ok(docs)
}

type Events<'a> = std::iter::Peekable<std::vec::IntoIter<(Event<'a>, usize, usize)>>;

fn node(events: &mut Events, text: &str) -> Result<Node, String> {
    let Some((event, start, end)) = events.next() else {
        return Err("unexpected end of YAML".into());
    };
    Ok(match event {
        Event::Scalar(value, style, anchor, tag) => Node::Scalar {
            value: value.into_owned(),
            style,
            start,
            end: quoted_end(text, start, style).unwrap_or(end),
            marked: anchor != 0 || tag.is_some(),
        },
        Event::Alias(_) => Node::Alias,
        Event::SequenceStart(..) => {
            let mut depth = 1;
            while depth > 0 {
                match events.next().map(|e| e.0) {
                    Some(Event::SequenceStart(..) | Event::MappingStart(..)) => depth += 1,
                    Some(Event::SequenceEnd | Event::MappingEnd) => depth -= 1,
                    Some(_) => {}
                    None => return Err("unexpected end of YAML".into()),
                }
            }
            Node::Seq
        }
        Event::MappingStart(anchor, tag) => {
            let flow = text[start..].starts_with('{');
            let mut entries = Vec::new();
            loop {
                if let Some((Event::MappingEnd, end_start, _)) = events.peek() {
                    let end = *end_start;
                    events.next();
                    return Ok(Node::Map {
                        flow,
                        end,
                        entries,
                        marked: anchor != 0 || tag.is_some(),
                    });
                }
                let key = node(events, text)?;
                let value = node(events, text)?;
                entries.push((key, value));
            }
        }
        other => return Err(format!("unexpected YAML event {other:?}")),
    })
}

/// Where a quoted scalar starting at `start` ends, after its closing quote:
/// the parser's span of a quoted scalar can run on over a comment after it.
fn quoted_end(text: &str, start: usize, style: ScalarStyle) -> Option<usize> {
    let quote = match style {
        ScalarStyle::SingleQuoted => b'\'',
        ScalarStyle::DoubleQuoted => b'"',
        _ => return None,
    };
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&quote) {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            // `''` is a quote inside single quotes; `\x` an escape inside double.
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// One replacement of a byte range.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// `text` with `image.tag` set to `tag` and `image.digest` to `digest`,
/// every other byte unchanged; or why it cannot be edited safely.
pub fn edit(text: &str, tag: &str, digest: &str) -> Result<String, String> {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let docs = parse(text)?;
    let mut edits = Vec::new();
    match docs.as_slice() {
        [] => {
            // Comments only: the keys go at the end.
            let mut add = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                add.push_str(nl);
            }
            add.push_str(&format!(
                "image:{nl}  tag: {}{nl}  digest: {}{nl}",
                quoted(tag),
                quoted(digest)
            ));
            edits.push(Edit { start: text.len(), end: text.len(), text: add });
        }
        [Node::Scalar { value, style: ScalarStyle::Plain, .. }]
            if value.is_empty() || value == "~" || value == "null" =>
        {
            return Err("the document is empty (`---` or `null`): remove it or write `image:` with `tag:` and `digest:` under it".into());
        }
        [root @ Node::Map { .. }] => edit_root(text, root, tag, digest, nl, &mut edits)?,
        [_] => return Err("the file is not a map of values".into()),
        _ => return Err("the file holds more than one YAML document".into()),
    }
    edits.sort_by_key(|e| e.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in &edits {
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    // What a reader finds must be the pin, in the same place.
    match parse(&out)?.as_slice() {
        [root] => {
            let image = lookup(root, "image").ok_or("the edit lost `image`")?;
            for (key, want) in [("tag", tag), ("digest", digest)] {
                match lookup(image, key) {
                    Some(Node::Scalar { value, style, .. })
                        if value == want
                            && (*style != ScalarStyle::Plain || yaml::is_plain_safe(want)) => {}
                    _ => {
                        return Err(format!("the edit did not read back as `image.{key}: {want}`"))
                    }
                }
            }
        }
        _ => return Err("the edit did not read back as one document".into()),
    }
    Ok(out)
}

fn lookup<'a>(map: &'a Node, key: &str) -> Option<&'a Node> {
    match map {
        Node::Map { entries, .. } => {
            entries.iter().find(|(k, _)| k.key() == Some(key)).map(|e| &e.1)
        }
        _ => None,
    }
}

/// The entries of `map` under `key`; two of them, or a merge key `<<` that
/// could bring one in, are refused.
fn entry<'a>(map: &'a Node, key: &str, at: &str) -> Result<Option<&'a Node>, String> {
    let Node::Map { entries, .. } = map else { return Ok(None) };
    if entries.iter().any(|(k, _)| k.key() == Some("<<")) {
        return Err(format!("{at} has a merge key `<<`, which the editor cannot follow"));
    }
    let mut found = entries.iter().filter(|(k, _)| k.key() == Some(key)).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(format!("{at} has `{key}` twice"));
    }
    Ok(first)
}

fn edit_root(
    text: &str,
    root: &Node,
    tag: &str,
    digest: &str,
    nl: &str,
    edits: &mut Vec<Edit>,
) -> Result<(), String> {
    match entry(root, "image", "the file")? {
        None => {
            let value = format!("{{tag: {}, digest: {}}}", quoted(tag), quoted(digest));
            let block = |indent: &str| {
                let inner = format!("{indent}  ");
                format!(
                    "image:{nl}{inner}tag: {}{nl}{inner}digest: {}{nl}",
                    quoted(tag),
                    quoted(digest)
                )
            };
            insert(text, root, &[("image", value)], block, nl, edits)
        }
        Some(Node::Alias) => {
            Err("`image` is an alias (`*…`): write the image map out to pin it".into())
        }
        Some(Node::Map { marked: true, .. }) => {
            Err("`image` has an anchor or a tag: editing it would change what its aliases say too"
                .into())
        }
        Some(image @ Node::Map { .. }) => {
            let mut missing = Vec::new();
            for (key, want) in [("tag", tag), ("digest", digest)] {
                match entry(image, key, "`image`")? {
                    None => missing.push((key, quoted(want))),
                    Some(Node::Scalar {
                        style: ScalarStyle::Literal | ScalarStyle::Folded,
                        ..
                    }) => {
                        return Err(format!(
                            "`image.{key}` is a block scalar (`|` or `>`): write it on one line"
                        ));
                    }
                    Some(Node::Scalar { marked: true, .. }) => {
                        return Err(format!(
                            "`image.{key}` has an anchor or a tag: remove it to pin"
                        ));
                    }
                    Some(Node::Scalar { style, start, end, .. }) => {
                        let flow = matches!(image, Node::Map { flow: true, .. });
                        let value = scalar(want, *style, flow);
                        // An empty value (`tag:`) has an empty span at its
                        // key's `:`; the value goes after the colon.
                        let colon = (start == end)
                            .then(|| text[*start..].find(':').map(|i| start + i + 1))
                            .flatten();
                        edits.push(match colon {
                            Some(at) => Edit { start: at, end: at, text: format!(" {value}") },
                            None => Edit { start: *start, end: *end, text: value },
                        });
                    }
                    Some(_) => return Err(format!("`image.{key}` is not a scalar")),
                }
            }
            let block = |_: &str| String::new();
            insert(text, image, &missing, block, nl, edits)
        }
        Some(_) => Err("`image` is not a map".into()),
    }
}

/// Inserts `keys` (key, value text) into `map`: in a flow map before its
/// `}`; in a block map as lines after its last entry (or before its first),
/// at its keys' indentation. `block` writes a top-level key whose value is
/// itself a block (given the indentation); empty: the keys go one a line.
fn insert(
    text: &str,
    map: &Node,
    keys: &[(&str, String)],
    block: impl Fn(&str) -> String,
    nl: &str,
    edits: &mut Vec<Edit>,
) -> Result<(), String> {
    let Node::Map { flow, end, entries, .. } = map else { return Ok(()) };
    if keys.is_empty() {
        return Ok(());
    }
    if *flow {
        let before = text[..*end].trim_end();
        let sep = if entries.is_empty() || before.ends_with(',') { "" } else { ", " };
        let pairs: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let lead = if before.ends_with(',') { " " } else { sep };
        edits.push(Edit { start: *end, end: *end, text: format!("{lead}{}", pairs.join(", ")) });
        return Ok(());
    }
    let Some((Node::Scalar { start: first, .. }, _)) = entries.first() else {
        return Err("a map whose first key is not a plain key".into());
    };
    let line_start = text[..*first].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..*first];
    if !indent.bytes().all(|b| b == b' ') {
        return Err("a map that does not start on a line of its own".into());
    }
    let lines = match block(indent) {
        b if b.is_empty() => keys.iter().map(|(k, v)| format!("{indent}{k}: {v}{nl}")).collect(),
        b => b,
    };
    // After the last entry when it ends on its line (a scalar or a flow
    // collection), else before the first.
    let last_end = match entries.last().map(|e| &e.1) {
        Some(Node::Scalar { style, end, .. })
            if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) =>
        {
            Some(*end)
        }
        Some(Node::Map { flow: true, end, .. }) => Some(end + 1),
        _ => None,
    };
    match last_end {
        Some(end) => {
            let at = text[end..].find('\n').map(|i| end + i + 1);
            match at {
                Some(at) => edits.push(Edit { start: at, end: at, text: lines }),
                None => edits.push(Edit {
                    start: text.len(),
                    end: text.len(),
                    text: format!("{nl}{lines}"),
                }),
            }
        }
        None => edits.push(Edit { start: line_start, end: line_start, text: lines }),
    }
    Ok(())
}

/// `value` as a scalar for `image.tag` or `image.digest` (letters, digits,
/// `.`, `_`, `-`, `:`), keeping the old scalar's quotes; plain only in a
/// block map where YAML 1.1 reads it back as this string.
fn scalar(value: &str, old: ScalarStyle, flow: bool) -> String {
    match old {
        ScalarStyle::SingleQuoted => format!("'{value}'"),
        ScalarStyle::Plain if !flow && yaml::is_plain_safe(value) => value.to_owned(),
        _ => quoted(value),
    }
}

fn quoted(value: &str) -> String {
    format!("\"{value}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// Empty and null values are values to replace, in block and flow maps.
    #[test]
    fn empty_and_null_values_are_replaced() {
        for text in [
            "image:\n  tag:\n  digest:\n",
            "image:\n  tag: ~\n  digest: null\n",
            "image: {tag: , digest: }\n",
            "image:\n  tag: # none yet\n  digest: \"\"\n",
        ] {
            let edited = edit(text, "1.4.2", DIGEST).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let pin = read(&edited).unwrap_or_else(|e| panic!("{edited:?}: {e}"));
            assert_eq!(pin.tag.as_deref(), Some("1.4.2"), "{edited:?}");
            assert_eq!(pin.digest.as_deref(), Some(DIGEST), "{edited:?}");
        }
    }

    #[test]
    fn tags_and_digests() {
        for ok in ["1.4.2", "v1", "_x", "latest", "A-b_c.9", &"a".repeat(128)] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["", ".x", "-x", "a b", "a:b", "a/b", "é", &"a".repeat(129)] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        assert!(is_valid_digest(DIGEST));
        for bad in
            ["", "sha256:", &DIGEST.to_uppercase(), &DIGEST[..70], "md5:00", &format!("{DIGEST}0")]
        {
            assert!(!is_valid_digest(bad), "{bad}");
        }
    }

    #[test]
    fn replaces_only_the_scalars() {
        let text = "# pin\nimage:\n  tag: 1.0.0 # old\n  digest: ''\ntest:\n  tag: keep\n";
        let out = edit(text, "1.4.2", DIGEST).unwrap();
        assert_eq!(
            out,
            format!(
                "# pin\nimage:\n  tag: \"1.4.2\" # old\n  digest: '{DIGEST}'\ntest:\n  tag: keep\n"
            )
        );
        // A comment after a quoted scalar stays.
        let out = edit("image:\n  tag: 'a''b' # c\n  digest: \"\\\"\" # d\n", "v2", "").unwrap();
        assert_eq!(out, "image:\n  tag: 'v2' # c\n  digest: \"\" # d\n");
        // A plain tag that YAML 1.1 reads as a string stays plain.
        let out = edit("image:\n  tag: old\n  digest: \"\"\n", "v2", "").unwrap();
        assert_eq!(out, "image:\n  tag: v2\n  digest: \"\"\n");
    }

    #[test]
    fn inserts_what_is_missing() {
        assert_eq!(edit("", "1.0", "").unwrap(), "image:\n  tag: \"1.0\"\n  digest: \"\"\n");
        assert_eq!(
            edit("# c\r\nreplicas: 2\r\n", "1.0", "").unwrap(),
            "# c\r\nreplicas: 2\r\nimage:\r\n  tag: \"1.0\"\r\n  digest: \"\"\r\n"
        );
        assert_eq!(
            edit("image:\n  tag: a # c\nx: 1\n", "b", "").unwrap(),
            "image:\n  tag: b # c\n  digest: \"\"\nx: 1\n"
        );
        assert_eq!(edit("image: {}\n", "b", "").unwrap(), "image: {tag: \"b\", digest: \"\"}\n");
        assert_eq!(
            edit("image: {tag: a}\n", "b", "").unwrap(),
            "image: {tag: \"b\", digest: \"\"}\n"
        );
        assert_eq!(edit("{x: 1}", "b", "").unwrap(), "{x: 1, image: {tag: \"b\", digest: \"\"}}");
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        let cases = [
            ("base: &b {tag: a}\nimage: *b\n", "`image` is an alias (`*…`): write the image map out to pin it"),
            ("image: &i\n  tag: a\nother: *i\n", "`image` has an anchor or a tag: editing it would change what its aliases say too"),
            ("image:\n  tag: &t a\n", "`image.tag` has an anchor or a tag: remove it to pin"),
            ("image:\n  tag: |\n    a\n", "`image.tag` is a block scalar (`|` or `>`): write it on one line"),
            ("image:\n  <<: {tag: a}\n", "`image` has a merge key `<<`, which the editor cannot follow"),
            ("<<: {image: {tag: a}}\n", "the file has a merge key `<<`, which the editor cannot follow"),
            ("image:\n  tag: a\n  tag: b\n", "`image` has `tag` twice"),
            ("image: x\n", "`image` is not a map"),
            ("image:\n  tag: [a]\n", "`image.tag` is not a scalar"),
            ("a: 1\n---\nb: 2\n", "the file holds more than one YAML document"),
            ("- a\n", "the file is not a map of values"),
            ("---\n", "the document is empty (`---` or `null`): remove it or write `image:` with `tag:` and `digest:` under it"),
        ];
        for (text, message) in cases {
            assert_eq!(edit(text, "1.0", "").unwrap_err(), message, "{text}");
        }
        assert!(edit("image: [", "1.0", "").unwrap_err().starts_with("not valid YAML: "));
    }

    #[test]
    fn reads_pins() {
        assert_eq!(read("").unwrap(), Pin { tag: None, digest: None });
        assert_eq!(
            read("image: {tag: \"1.0\", digest: \"\"}").unwrap(),
            Pin { tag: Some("1.0".into()), digest: None }
        );
    }
}
