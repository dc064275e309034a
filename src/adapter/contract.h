// The pipeline pod's side of the Kratix contract (kratix-spec.md 3.2, 3.3, 3.5, 3.6): where the adapter
// steps read and write, the environment they are given, and the labels, conditions and messages they
// set. Names shared with the controllers (labels, conditions, messages, phases) are in api/kratix.h.
#pragma once

namespace pave::adapter {

// Files and directories (spec 3.2).
inline constexpr const char* kDefaultInputDir = "/kratix/input";    // INPUT_DIR overrides
inline constexpr const char* kDefaultOutputDir = "/kratix/output";  // OUTPUT_DIR overrides
inline constexpr const char* kWorkCreatorFiles = "/work-creator-files";
inline constexpr const char* kObjectFile = "object.yaml";
inline constexpr const char* kOutputTree = "input";                 // the pipeline's /kratix/output, as mounted here
inline constexpr const char* kMetadataDir = "metadata";
inline constexpr const char* kStatusFile = "status.yaml";
inline constexpr const char* kDestinationSelectorsFile = "destination-selectors.yaml";
inline constexpr const char* kWorkflowControlFile = "workflow-control.yaml";
inline constexpr const char* kPromiseSchedulingFile = "kratix-system/promise-scheduling";

// Environment (spec 3.3).
inline constexpr const char* kEnvObjectGroup = "KRATIX_OBJECT_GROUP";
inline constexpr const char* kEnvObjectVersion = "KRATIX_OBJECT_VERSION";
inline constexpr const char* kEnvObjectKind = "KRATIX_OBJECT_KIND";
inline constexpr const char* kEnvObjectName = "KRATIX_OBJECT_NAME";
inline constexpr const char* kEnvObjectNamespace = "KRATIX_OBJECT_NAMESPACE";
inline constexpr const char* kEnvCrdPlural = "KRATIX_CRD_PLURAL";
inline constexpr const char* kEnvClusterScoped = "KRATIX_CLUSTER_SCOPED";
inline constexpr const char* kEnvPromiseName = "KRATIX_PROMISE_NAME";
inline constexpr const char* kEnvPipelineName = "KRATIX_PIPELINE_NAME";
inline constexpr const char* kEnvWorkflowType = "KRATIX_WORKFLOW_TYPE";
inline constexpr const char* kEnvWorkflowAction = "KRATIX_WORKFLOW_ACTION";
inline constexpr const char* kEnvIsLastPipeline = "IS_LAST_PIPELINE";
inline constexpr const char* kEnvInputDir = "INPUT_DIR";
inline constexpr const char* kEnvOutputDir = "OUTPUT_DIR";
inline constexpr const char* kEnvTraceParent = "KRATIX_TRACE_PARENT";
inline constexpr const char* kEnvTraceState = "KRATIX_TRACE_STATE";


// Workflow types, and the sources of a workload group's destination selectors (spec 1.8, 3.5).
inline constexpr const char* kWorkflowTypePromise = "promise";
inline constexpr const char* kWorkflowTypeResource = "resource";
inline constexpr const char* kWorkflowActionConfigure = "configure";
inline constexpr const char* kWorkflowActionDelete = "delete";
inline constexpr const char* kSourcePromise = "promise";
inline constexpr const char* kSourcePromiseWorkflow = "promise-workflow";
inline constexpr const char* kDefaultDirectory = ".";

}  // namespace pave::adapter
