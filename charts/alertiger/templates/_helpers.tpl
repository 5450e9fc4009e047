{{/*
The chart name, shortened to the 63 characters of a DNS label.
*/}}
{{- define "alertiger.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: the release name when it already holds the chart name.
*/}}
{{- define "alertiger.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
chart label value: name-version.
*/}}
{{- define "alertiger.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels of every object.
*/}}
{{- define "alertiger.labels" -}}
helm.sh/chart: {{ include "alertiger.chart" . }}
{{ include "alertiger.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: alertiger
{{- end }}

{{/*
Selector labels: stable across upgrades (a Deployment's selector cannot change).
*/}}
{{- define "alertiger.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alertiger.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
The ServiceAccount the operator runs as.
*/}}
{{- define "alertiger.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "alertiger.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The operator image: repository@digest, or repository:tag (the appVersion by default).
*/}}
{{- define "alertiger.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The report pages' base URL: the configured public URL; else, as the pages then answer loopback
clients only, the local end of `kubectl port-forward` (NOTES.txt); with a token, the in-cluster Service.
*/}}
{{- define "alertiger.reportUrl" -}}
{{- if .Values.report.url }}
{{- .Values.report.url }}
{{- else if not .Values.report.tokenSecret.name }}
{{- "http://localhost:8080" }}
{{- else }}
{{- printf "http://%s.%s.svc:%d" (include "alertiger.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}
{{- end }}

{{/*
The port of an http(s) URL: the explicit one, else 80 or 443 by scheme.
*/}}
{{- define "alertiger.urlPort" -}}
{{- $u := urlParse . }}
{{- $hostPort := splitList ":" $u.host }}
{{- if gt (len $hostPort) 1 }}
{{- last $hostPort }}
{{- else if eq $u.scheme "https" }}
{{- "443" }}
{{- else }}
{{- "80" }}
{{- end }}
{{- end }}

{{/*
The TCP ports a restricted egress allows besides DNS, as a JSON list: the API server's, those of
influx.url and alertmanager.url, and networkPolicy.egress.extraPorts; sorted, without repeats.
*/}}
{{- define "alertiger.egressPorts" -}}
{{- $ports := list }}
{{- range .Values.networkPolicy.egress.apiServerPorts }}{{ $ports = append $ports (int .) }}{{ end }}
{{- $ports = append $ports (include "alertiger.urlPort" .Values.influx.url | int) }}
{{- with .Values.alertmanager.url }}{{ $ports = append $ports (include "alertiger.urlPort" . | int) }}{{ end }}
{{- range .Values.networkPolicy.egress.extraPorts }}{{ $ports = append $ports (int .) }}{{ end }}
{{- $ports | uniq | sortAlpha | toJson }}
{{- end }}
