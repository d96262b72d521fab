//! The surgical edit of a pin file: only the bytes of the pinned scalars
//! change (or the missing keys are inserted); comments, quoting, line endings
//! and every other key stay byte for byte. The file is located with a YAML
//! event parser's spans (`saphyr-parser`), never re-serialized; what it
//! cannot edit safely (an anchored or aliased `image`, a merge key, a block
//! scalar, two documents) it refuses.

use gitops_gen::foundation::yaml;
use saphyr_parser::{Event, Parser, ScalarStyle};

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
    use crate::read;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

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
}
