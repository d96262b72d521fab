{{/*
The Secret that holds the secret config fields: secrets.existingSecret, else
the full name.
*/}}
{{- define "<CHARTNAME>.secretName" -}}
{{- default (include "<CHARTNAME>.fullname" .) .Values.secrets.existingSecret }}
{{- end }}
