//! `templates/NOTES.txt`.

use super::Names;
use crate::build::ConfigTree;

/// `NOTES.txt`, printed by `helm install`: how to reach the app and which
/// Secret it waits for.
pub fn notes(names: &Names, tree: &ConfigTree, header: &str) -> String {
    let c = names.chart;
    // The header's comment trims the newline after it: notes start at line one.
    let mut out = format!("{}\n", header.replace("*/}}", "*/ -}}"));
    out.push_str(&format!(
        "{{{{ include \"{c}.fullname\" . }}}} is deployed to namespace {{{{ .Release.Namespace }}}}.\n"
    ));
    if let Some((name, _)) = tree.ports().into_iter().next() {
        out.push_str(&format!(
            "\nReach it from your machine:\n  kubectl --namespace {{{{ .Release.Namespace }}}} port-forward service/{{{{ include \"{c}.fullname\" . }}}} 8080:{{{{ .Values.service.port }}}}\nthen open http://127.0.0.1:8080 (the container's `{name}` port).\n"
        ));
    }
    let secrets = tree.secrets();
    if !secrets.is_empty() {
        out.push_str(&format!(
            "\nThe pods read these keys from the Secret {{{{ include \"{c}.secretName\" . }}}} in the same namespace:\n"
        ));
        for leaf in &secrets {
            let optional = if leaf.optional { " (optional)" } else { "" };
            out.push_str(&format!("  {}{optional}\n", leaf.key()));
        }
        let dir = names.secrets_dir();
        if secrets.iter().all(|l| l.optional) {
            out.push_str(&format!(
                "Every key is optional: the pods start without it.\n{{{{ if .Values.secrets.envVars -}}}}\nThey arrive as env vars (secrets.envVars).\n{{{{ else -}}}}\nThey arrive as files in {dir}.\n{{{{ end -}}}}\n"
            ));
        } else {
            // The kubelet's own states: a missing secretKeyRef stops the
            // container's creation, a missing Secret volume the pod's mounts.
            out.push_str(&format!(
                "{{{{ if .Values.secrets.envVars -}}}}\nThey arrive as env vars (secrets.envVars): pods stay in CreateContainerConfigError until it exists\nwith every required key.\n{{{{ else -}}}}\nThey arrive as files in {dir}: pods stay in ContainerCreating until it exists; a\nrequired key missing from it stops the app at start-up with an error naming the key.\n{{{{ end -}}}}\n"
            ));
        }
    }
    out
}
