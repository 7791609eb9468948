{{- define "yuqing.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "yuqing.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "yuqing.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "yuqing.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "yuqing.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "yuqing.fullname" .)) -}}
{{- end -}}

{{- /* The probes every target has: /healthz (alive) and /readyz (ready: its dependencies answer). */ -}}
{{- define "yuqing.probes" -}}
livenessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: 5
  failureThreshold: 3
startupProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 2
  failureThreshold: 60
{{- end -}}

{{- define "yuqing.volumeMounts" -}}
- name: config
  mountPath: /etc/yuqing/yuqing.yaml
  subPath: yuqing.yaml
  readOnly: true
- name: secrets
  mountPath: /etc/yuqing/secrets
  readOnly: true
{{- end -}}

{{- define "yuqing.volumes" -}}
- name: config
  configMap:
    name: {{ include "yuqing.fullname" . }}-config
- name: secrets
  secret:
    secretName: {{ include "yuqing.secretName" . }}
{{- end -}}

{{- define "yuqing.securityContext" -}}
runAsNonRoot: true
runAsUser: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
