//! `templates/_helpers.tpl`.

use super::Names;
use crate::build::ConfigTree;
use crate::template::go_quote;
use gitops_model::Delivery;

/// `_helpers.tpl`: the naming and labelling conventions every Helm chart
/// shares, so resources are named and selected as users expect.
pub fn helpers(names: &Names, tree: &ConfigTree, header: &str) -> String {
    let c = names.chart;
    let has_secrets = !tree.secrets().is_empty();
    let mut out = format!(
        r#"{header}
{{{{/*
The chart name, or nameOverride. Kubernetes names stop at 63 characters.
*/}}}}
{{{{- define "{c}.name" -}}}}
{{{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
The name of every resource: fullnameOverride, else the release name, suffixed
with the chart name unless the release name already contains it.
*/}}}}
{{{{- define "{c}.fullname" -}}}}
{{{{- if .Values.fullnameOverride }}}}
{{{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- $name := default .Chart.Name .Values.nameOverride }}}}
{{{{- if contains $name .Release.Name }}}}
{{{{- .Release.Name | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
Chart name and version, for the helm.sh/chart label.
*/}}}}
{{{{- define "{c}.chart" -}}}}
{{{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
Labels on every resource.
*/}}}}
{{{{- define "{c}.labels" -}}}}
helm.sh/chart: {{{{ include "{c}.chart" . }}}}
{{{{ include "{c}.selectorLabels" . }}}}
{{{{- if .Chart.AppVersion }}}}
app.kubernetes.io/version: {{{{ .Chart.AppVersion | quote }}}}
{{{{- end }}}}
app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}
{{{{- end }}}}

{{{{/*
The container image: pinned by image.digest when set, else image.tag, else
the chart's appVersion.
*/}}}}
{{{{- define "{c}.image" -}}}}
{{{{- if .Values.image.digest }}}}
{{{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}}}
{{{{- else }}}}
{{{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
The ServiceAccount the pods run as.
*/}}}}
{{{{- define "{c}.serviceAccountName" -}}}}
{{{{- if .Values.serviceAccount.create }}}}
{{{{- default (include "{c}.fullname" .) .Values.serviceAccount.name }}}}
{{{{- else }}}}
{{{{- default "default" .Values.serviceAccount.name }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
Labels that select the pods; they never change over a release's life.
*/}}}}
{{{{- define "{c}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ include "{c}.name" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{{{{- end }}}}
"#
    );
    if tree.delivery == Delivery::File {
        out.push_str(&config_json(names, tree));
    }
    if has_secrets {
        out.push_str(&format!(
            r#"
{{{{/*
The Secret that holds the secret config fields: secrets.existingSecret, else
the full name.
*/}}}}
{{{{- define "{c}.secretName" -}}}}
{{{{- default (include "{c}.fullname" .) .Values.secrets.existingSecret }}}}
{{{{- end }}}}
"#
        ));
    }
    out
}

/// The `configJson` helper (file delivery): `.Values.config` as JSON with
/// every `Option` key present, `null` where a values file unset it. Helm
/// deletes a key set to null, and a key missing from the file would leave
/// the app's default (`Some`) in place.
fn config_json(names: &Names, tree: &ConfigTree) -> String {
    let mut out = format!(
        "\n{{{{/*\nThe config file: the config values as JSON, each optional key present (null when unset).\n*/}}}}\n{{{{- define \"{}\" -}}}}\n{{{{- $config := deepCopy .Values.config }}}}\n",
        names.helper("configJson")
    );
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
        out.push_str(&format!(
            "{{{{- $_ := set {section}{} (index $config{}) }}}}\n",
            quoted(std::slice::from_ref(last)),
            quoted(&leaf.path)
        ));
    }
    out.push_str("{{- toJson $config }}\n{{- end }}\n");
    out
}
