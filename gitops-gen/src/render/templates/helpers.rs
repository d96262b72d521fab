//! `templates/_helpers.tpl`: the fixed helpers from `helpers.tpl`, then the
//! ones a config needs.

use super::Names;
use crate::foundation::template::{go_quote, trimmed};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;
use gitops_model::Delivery;

/// The naming and labelling conventions every Helm chart shares, so
/// resources are named and selected as users expect.
const HELPERS: &str = include_str!("helpers.tpl");
/// `CHART.secretName`, when the config has secrets.
const SECRET_NAME: &str = include_str!("helpers_secret_name.tpl");

/// `_helpers.tpl`: the header, the fixed helpers, `configJson` (file
/// delivery), `secretName` (secrets), each after a blank line.
pub fn helpers(names: &Names, tree: &ConfigTree, header: &str) -> String {
    let mut out = format!("{header}\n");
    out.push_str(&names.fill(HELPERS));
    if tree.delivery == Delivery::File {
        out.push('\n');
        out.push_str(&config_json(names, tree));
    }
    if !tree.secrets().is_empty() {
        out.push('\n');
        out.push_str(&names.fill(SECRET_NAME));
    }
    out
}

/// The `configJson` helper (file delivery): `.Values.config` as JSON with
/// every `Option` key present, `null` where a values file unset it. Helm
/// deletes a key set to null, and a key missing from the file would leave
/// the app's default (`Some`) in place.
fn config_json(names: &Names, tree: &ConfigTree) -> String {
    let mut out = String::from(
        "{{/*\nThe config file: the config values as JSON, each optional key present (null when unset).\n*/}}\n",
    );
    out.push_str(&["{{- define ", &go_quote(&names.helper("configJson")), " -}}\n"].concat());
    let mut line = |action: String| {
        out.push_str(&trimmed(&action));
        out.push('\n');
    };
    line(format!("$config := deepCopy {}", k::CONFIG));
    let quoted =
        |keys: &[String]| -> String { keys.iter().map(|k| format!(" {}", go_quote(k))).collect() };
    for leaf in tree.value_leaves().into_iter().filter(|l| l.optional) {
        let (last, sections) = leaf.path.split_last().expect("a leaf has a key");
        let section = if sections.is_empty() {
            "$config".to_owned()
        } else {
            format!("(index $config{})", quoted(sections))
        };
        // `index` of a missing key is nil: the key is set to itself, or to null.
        line(format!(
            "$_ := set {section}{} (index $config{})",
            quoted(std::slice::from_ref(last)),
            quoted(&leaf.path)
        ));
    }
    line("toJson $config".into());
    line("end".into());
    out
}
