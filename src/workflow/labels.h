// The labels, annotations and fixed names pipeline objects carry (kratix-spec.md 3.1, 3.4, 13).
//
// Kratix users select pipeline Jobs and Pods by these labels (`kubectl logs -l kratix.io/pipeline-name=...`)
// and the workflow state machine finds "the Job of pipeline i" by them, so every key and value is Kratix's.
// Names the controllers and the adapter share (promise, pipeline, resource names, trace annotations,
// workflow-suspended) live in api/kratix.h.
#pragma once

namespace pave::workflow {

// Where promise workflows run unless the Promise sets spec.workflows.config.pipelineNamespace.
inline constexpr const char* kSystemNamespace = "kratix-platform-system";

// On pipeline Jobs and their Pod templates.
inline constexpr const char* kLabelWorkflowType = "kratix.io/workflow-type";      // promise | resource
inline constexpr const char* kLabelWorkflowAction = "kratix.io/workflow-action";  // configure | delete
inline constexpr const char* kLabelHash = "kratix.io/hash";                       // the workflow hash (hash.h)
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByKratix = "Kratix";
// Declared by Kratix and matched by its state machine, but never set on a Job.
inline constexpr const char* kLabelPipelineHash = "kratix.io/pipeline-hash";

// On user-permission RBAC objects (spec 3.4).
inline constexpr const char* kLabelPipelineNamespace = "kratix.io/pipeline-namespace";
// kratix.io/resource-namespace value of a ClusterRole granting rules in every namespace: "*" is not a valid
// label value, and the underscores keep it from ever naming a real namespace.
inline constexpr const char* kAllNamespacesLabelValue = "kratix_all_namespaces";
// What stands for "*" in the ClusterRole's name.
inline constexpr const char* kAllNamespacesNameSuffix = "kratix-all-namespaces";

// Job annotations naming the object a Job runs for, so its events map back even across namespaces.
inline constexpr const char* kAnnotationJobResourceNamespace = "kratix.io/job-resource-namespace";
inline constexpr const char* kAnnotationJobResourceName = "kratix.io/job-resource-name";
inline constexpr const char* kAnnotationJobResourceKind = "kratix.io/job-resource-kind";
inline constexpr const char* kAnnotationJobResourceApiVersion = "kratix.io/job-resource-api-version";

// Workflow control on Promises and resource requests (spec 1.1, 2.5, 2.6, 3.6).
inline constexpr const char* kLabelManualReconciliation = "kratix.io/manual-reconciliation";
inline constexpr const char* kLabelRunFromStart = "internal.workflows.kratix.io/run-from-start";
inline constexpr const char* kLabelPaused = "kratix.io/paused";
inline constexpr const char* kLabelReconcileResources = "kratix.io/reconcile-resources";
inline constexpr const char* kLabelDryRun = "kratix.io/dry-run";

}  // namespace pave::workflow
