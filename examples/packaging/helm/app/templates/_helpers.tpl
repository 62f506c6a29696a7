{{/* Files starting with "_" render no manifest; they hold named templates. */}}

{{/* Labels of every object: call with (dict "ctx" $ "name" "seek" "component" "web"). */}}
{{- define "seek.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: seek
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
{{- end }}

{{/* The subset a selector uses: it must never change, so no version in it. */}}
{{- define "seek.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "seek.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "seek.dbSecret" -}}
{{ .Values.database.existingSecret | default (printf "%s-db-credentials" .Release.Name) }}
{{- end }}

{{- define "seek.redisSecret" -}}
{{ .Values.redis.existingSecret | default (printf "%s-redis-auth" .Release.Name) }}
{{- end }}

{{- define "seek.s3Secret" -}}
{{ .Values.objectStorage.existingSecret | default (printf "%s-object-storage-credentials" .Release.Name) }}
{{- end }}

{{/* A password that survives upgrades: reuse the one in the live Secret, else make one. */}}
{{- define "seek.password" -}}
{{- $secret := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $secret (index $secret.data .key) -}}
{{ index $secret.data .key }}
{{- else -}}
{{ randAlphaNum 24 | b64enc }}
{{- end -}}
{{- end }}

{{/* The pod security context shared by SEEK's Pods: www-data, by number. */}}
{{- define "seek.podSecurity" -}}
runAsNonRoot: true
runAsUser: 33
runAsGroup: 33
fsGroup: 33
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "seek.containerSecurity" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* Environment of SEEK's containers: the ConfigMap, then the database account, then Redis. */}}
{{- define "seek.env" -}}
envFrom:
  - configMapRef:
      name: {{ .Release.Name }}-config
env:
{{- if eq .Values.database.mode "operator" }}
  # kourse:allow missing-secret the operator's Secret is created with the InnoDBCluster (examples/ladder/09-operator-db/db-cluster.yaml)
  - name: MYSQL_USER
    valueFrom:
      secretKeyRef:
        name: {{ .Values.database.operator.secretName }}
        key: rootUser
  - name: MYSQL_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ .Values.database.operator.secretName }}
        key: rootPassword
{{- else }}
  - name: MYSQL_USER
    valueFrom:
      secretKeyRef:
        name: {{ include "seek.dbSecret" . }}
        key: MYSQL_USER
  - name: MYSQL_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "seek.dbSecret" . }}
        key: MYSQL_PASSWORD
{{- end }}
{{- if .Values.redis.enabled }}
  - name: REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "seek.redisSecret" . }}
        key: REDIS_PASSWORD
{{- end }}
{{- end }}
