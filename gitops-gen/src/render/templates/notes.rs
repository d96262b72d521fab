//! `templates/NOTES.txt`, printed by `helm install`: how to reach the app
//! and which Secret it waits for. Fixed text from the `notes*.tpl` files.

use super::Names;
use gitops_model::tree::ConfigTree;

const DEPLOYED: &str = include_str!("notes.tpl");
const PORT_FORWARD: &str = include_str!("notes_port_forward.tpl");
const SECRETS: &str = include_str!("notes_secrets.tpl");
const OPTIONAL_SECRETS: &str = include_str!("notes_secrets_optional.tpl");
/// The kubelet's own states: a missing secretKeyRef stops the container's
/// creation, a missing Secret volume the pod's mounts.
const REQUIRED_SECRETS: &str = include_str!("notes_secrets_required.tpl");

pub fn notes(names: &Names, tree: &ConfigTree, header: &str) -> String {
    // The header's comment trims the newline after it: notes start at line one.
    let mut out = format!("{}\n", header.replace("*/}}", "*/ -}}"));
    out.push_str(&names.fill(DEPLOYED));
    if let Some((port, _)) = tree.ports().into_iter().next() {
        out.push('\n');
        out.push_str(&names.fill(PORT_FORWARD));
        // Plain text: a port name is lower case letters, digits and `-`.
        out.push_str(&format!(
            "then open http://127.0.0.1:8080 (the container's `{port}` port).\n"
        ));
    }
    let secrets = tree.secrets();
    if !secrets.is_empty() {
        out.push('\n');
        out.push_str(&names.fill(SECRETS));
        for leaf in &secrets {
            // Plain text: Secret keys are letters, digits, `-`, `_` and `.`.
            let optional = if leaf.optional { " (optional)" } else { "" };
            out.push_str(&format!("  {}{optional}\n", leaf.key()));
        }
        let delivery =
            if secrets.iter().all(|l| l.optional) { OPTIONAL_SECRETS } else { REQUIRED_SECRETS };
        out.push_str(&names.fill(delivery));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_directory_is_the_one_the_deployment_mounts() {
        let names = Names { chart: "shop" };
        for text in [OPTIONAL_SECRETS, REQUIRED_SECRETS] {
            assert!(names.fill(text).contains(&format!("files in {}", names.secrets_dir())));
        }
    }
}
