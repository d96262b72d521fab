//! `go_quote` against Go's own template parser: real Helm renders a chart
//! whose template prints each quoted string, and the output must be the
//! original string, byte for byte.

use gitops_gen::template::go_quote;
use gitops_tests::fixtures::HOSTILE_STRINGS;
use gitops_tests::oracle;
use gitops_tests::scratch_dir;
use serde_json::json;

/// Between two printed strings; none of the strings contains it.
const SEPARATOR: &str = "\n=== next ===\n";

fn hostile() -> Vec<String> {
    let mut all: Vec<String> = HOSTILE_STRINGS.iter().map(|s| s.to_string()).collect();
    all.extend(
        [
            "\"",
            "\\",
            "\\\"",
            "\"\\",
            "a\"b\\c\\\"d",
            "\\n (not a newline)",
            "\\x41 \\u0041",
            "\n",
            "\r\n",
            "\t",
            "\0",
            "nul\0inside",
            "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{1f}",
            "del\u{7f}",
            "c1 \u{80}\u{85}\u{9f}",
            "\u{a0}nbsp",
            "line\u{2028}sep\u{2029}para",
            "bidi \u{202e}evil\u{202c} \u{2066}x\u{2069}",
            "zero\u{200b}width\u{200d}",
            "\u{feff}bom",
            "é ✓ 日本語",
            "🦀 \u{10ffff}",
            "}}",
            "{{",
            "{{/* c */}}",
            "{{- x -}}",
            "` raw `",
            "%s %d %%",
            "$ $x",
            ".Values",
            "'",
            "' \"",
            "printf \"%s\" \"x\"",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    // Every character below U+0100, in one string.
    all.push((0u32..0x100).filter_map(char::from_u32).collect());
    all
}

#[test]
fn helm_parses_every_go_quote_back_to_its_string() {
    let strings = hostile();
    for s in &strings {
        assert!(!s.contains(SEPARATOR.trim()), "{s:?} contains the separator");
    }
    let dir = scratch_dir("go-quote-chart");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: quote\nversion: 0.1.0\n")
        .unwrap();
    // NOTES.txt: rendered like every template, but never read as YAML.
    let printed: Vec<String> =
        strings.iter().map(|s| ["{{ ", &go_quote(s), " }}"].concat()).collect();
    let notes = format!("start{SEPARATOR}{}{SEPARATOR}end", printed.join(SEPARATOR));
    std::fs::write(dir.join("templates/NOTES.txt"), notes).unwrap();

    let result = oracle::one(json!({"op": "render", "chart": dir, "values_yaml": null}));
    assert_eq!(result["ok"], true, "{result:#}");
    let text = result["manifests"]["quote/templates/NOTES.txt"]
        .as_str()
        .unwrap_or_else(|| panic!("no NOTES.txt in {:#}", result["manifests"]));
    let parts: Vec<&str> = text.split(SEPARATOR).collect();
    assert_eq!(parts.len(), strings.len() + 2, "{text:?}");
    assert_eq!((parts[0], parts[parts.len() - 1]), ("start", "end"));
    for (original, rendered) in strings.iter().zip(&parts[1..]) {
        assert_eq!(rendered, original, "quoted as {}", go_quote(original));
    }
}
