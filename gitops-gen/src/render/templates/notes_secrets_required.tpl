{{ if .Values.secrets.envVars -}}
They arrive as env vars (secrets.envVars): pods stay in CreateContainerConfigError until it exists
with every required key.
{{ else -}}
They arrive as files in /var/run/secrets/<CHARTNAME>: pods stay in ContainerCreating until it exists; a
required key missing from it stops the app at start-up with an error naming the key.
{{ end -}}
