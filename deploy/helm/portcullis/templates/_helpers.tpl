{{/* Names and labels shared by every template of the chart. */}}

{{- define "portcullis.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "portcullis.labels" -}}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "portcullis.secretName" -}}
{{- .Values.existingSecret | default (include "portcullis.fullname" .) -}}
{{- end -}}

{{- define "portcullis.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The environment every container of the chart runs with: configuration file and secrets. */}}
{{- define "portcullis.env" -}}
- name: PORTCULLIS_DATABASE__URL
  valueFrom:
    secretKeyRef:
      name: {{ include "portcullis.secretName" . }}
      key: database-url
- name: PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD_FILE
  value: /run/secrets/portcullis/admin-password
- name: PORTCULLIS_KEYS__ENCRYPTION_KEY_FILE
  value: /run/secrets/portcullis/encryption-key
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "portcullis.volumeMounts" -}}
- name: config
  mountPath: /etc/portcullis
  readOnly: true
- name: secrets
  mountPath: /run/secrets/portcullis
  readOnly: true
{{- end -}}
