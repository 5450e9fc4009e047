{{/*
What the operator does in the namespaces of the ModelMonitors it watches: the rules of a
ClusterRole when it watches every namespace, of a Role in each namespace of watchNamespaces
otherwise (docs/security.md gives the reasons and `kubectl auth can-i --list` of each identity).
- ModelMonitors: get, list, watch (its cache; get also because the jobs' Role grants it, and the
  API server lets the operator grant only what it holds); the status: patch (its server-side
  apply) and update (granted to the jobs); finalizers: update (owner references that block
  deletion).
- CronJobs: list and watch (its cache), create and update (each is replaced whole, so a field
  someone else added is removed). No get, no patch, no delete: garbage collection removes them.
- ServiceAccounts, Roles, RoleBindings: list and watch (its cache), create; update and delete of
  the jobs' identity `alertiger-job` only (put back when edited, removed with the last monitor).
- Deployments, StatefulSets, KServe InferenceServices: get; ReplicaSets, ControllerRevisions,
  Knative Revisions: list. Not called by the operator: granted to the jobs (the rollouts of a
  monitor's workload, docs/rollouts.md). The KServe and Knative rules grant nothing where their
  CRDs are not installed.
- Events: create. No Secret rights at all: jobs read the user's Secret by secretKeyRef.
manifests/install/rbac.yaml holds the same rules (a test compares them).
*/}}
{{- define "alertiger.monitorRules" -}}
- apiGroups: [alertiger.io]
  resources: [modelmonitors]
  verbs: [get, list, watch]
- apiGroups: [alertiger.io]
  resources: [modelmonitors/status]
  verbs: [patch, update]
- apiGroups: [alertiger.io]
  resources: [modelmonitors/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [list, watch, create, update]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [list, watch, create]
- apiGroups: [""]
  resources: [serviceaccounts]
  resourceNames: [alertiger-job]
  verbs: [update, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [list, watch, create]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  resourceNames: [alertiger-job]
  verbs: [update, delete]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get]
- apiGroups: [apps]
  resources: [replicasets, controllerrevisions]
  verbs: [list]
- apiGroups: [serving.kserve.io]
  resources: [inferenceservices]
  verbs: [get]
- apiGroups: [serving.knative.dev]
  resources: [revisions]
  verbs: [list]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}
