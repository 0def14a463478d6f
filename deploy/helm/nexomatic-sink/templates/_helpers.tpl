{{/* The chart's name. */}}
{{- define "nexomatic-sink.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* Release-qualified name of every object. */}}
{{- define "nexomatic-sink.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* Labels of every object. */}}
{{- define "nexomatic-sink.labels" -}}
app.kubernetes.io/name: {{ include "nexomatic-sink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels the Deployment selects its pods by. */}}
{{- define "nexomatic-sink.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexomatic-sink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Secret holding CLIENT_SECRET (and TENANT_SECRET). */}}
{{- define "nexomatic-sink.secretName" -}}
{{- if .Values.credentials.existingSecret -}}
{{- .Values.credentials.existingSecret -}}
{{- else -}}
{{- include "nexomatic-sink.fullname" . -}}
{{- end -}}
{{- end }}
