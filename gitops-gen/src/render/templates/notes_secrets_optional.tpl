Every key is optional: the pods start without it.
{{ if .Values.secrets.envVars -}}
They arrive as env vars (secrets.envVars).
{{ else -}}
They arrive as files in /var/run/secrets/<CHARTNAME>.
{{ end -}}
