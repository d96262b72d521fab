Reach it from your machine:
  kubectl --namespace {{ .Release.Namespace }} port-forward service/{{ include "<CHARTNAME>.fullname" . }} 8080:{{ .Values.service.port }}
