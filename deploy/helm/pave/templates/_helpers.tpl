{{/* The labels every object of the chart carries. */}}
{{- define "pave.labels" -}}
app.kubernetes.io/name: pave
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kratix
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* What selects the controller's pods: stable across upgrades. */}}
{{- define "pave.selectorLabels" -}}
app.kubernetes.io/name: pave
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{/*
The namespace: Kratix's, kratix-platform-system. Pave (like Kratix) runs Promise pipelines, keeps Works
and reads its config there, so another namespace would install a controller that cannot work.
*/}}
{{- define "pave.namespace" -}}
{{- if ne .Release.Namespace "kratix-platform-system" -}}
{{- fail (printf "install Pave into namespace kratix-platform-system (helm install -n kratix-platform-system --create-namespace), not %q: Promise pipelines, Works and the Kratix config live there" .Release.Namespace) -}}
{{- end -}}
{{- .Release.Namespace -}}
{{- end }}

{{/* The ServiceAccount Pave runs as; Pave binds each Promise's API to it by this name. */}}
{{- define "pave.serviceAccount" -}}kratix-platform-controller-manager{{- end }}

{{- define "pave.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end }}
