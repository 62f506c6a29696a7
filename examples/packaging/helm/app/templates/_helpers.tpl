{{/* Files starting with "_" render no manifest; they hold named templates. */}}

{{- define "seek.labels" -}}
app.kubernetes.io/name: web
app.kubernetes.io/part-of: seek
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "seek.selectorLabels" -}}
app.kubernetes.io/name: web
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
