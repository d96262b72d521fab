{{ include "<CHARTNAME>.fullname" . }} is deployed to namespace {{ .Release.Namespace }}.
