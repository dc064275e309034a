// The platform.kratix.io/v1alpha1 API as Pave serves it: resources, and the condition types, reasons and
// messages Kratix users and tools match on (kratix-spec.md; asserted verbatim in tests).
#pragma once

#include "kube/resource.h"

namespace pave::api {

inline constexpr const char* kGroup = "platform.kratix.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "platform.kratix.io/v1alpha1";

inline kube::Resource git_state_stores() { return {kGroup, kVersion, "gitstatestores", "GitStateStore", false}; }
inline kube::Resource bucket_state_stores() { return {kGroup, kVersion, "bucketstatestores", "BucketStateStore", false}; }
inline kube::Resource destinations() { return {kGroup, kVersion, "destinations", "Destination", false}; }
inline kube::Resource works() { return {kGroup, kVersion, "works", "Work", true}; }
inline kube::Resource work_placements() { return {kGroup, kVersion, "workplacements", "WorkPlacement", true}; }
inline kube::Resource promises() { return {kGroup, kVersion, "promises", "Promise", false}; }
inline kube::Resource promise_releases() { return {kGroup, kVersion, "promisereleases", "PromiseRelease", false}; }
inline kube::Resource promise_revisions() { return {kGroup, kVersion, "promiserevisions", "PromiseRevision", false}; }
inline kube::Resource resource_bindings() { return {kGroup, kVersion, "resourcebindings", "ResourceBinding", true}; }
inline kube::Resource health_records() { return {kGroup, kVersion, "healthrecords", "HealthRecord", true}; }

// Labels Pave sets and reads (spec 13).
inline constexpr const char* kLabelPipelineName = "kratix.io/pipeline-name";
inline constexpr const char* kLabelTargetDestination = "kratix.io/targetDestinationName";
inline constexpr const char* kLabelWork = "kratix.io/work";
inline constexpr const char* kLabelWorkloadGroupId = "kratix.io/workload-group-id";
inline constexpr const char* kLabelMisplaced = "kratix.io/misplaced";
inline constexpr const char* kLabelPromiseName = "kratix.io/promise-name";
inline constexpr const char* kLabelResourceNamespace = "kratix.io/resource-namespace";  // with pipelineNamespace
inline constexpr const char* kLabelResourceName = "kratix.io/resource-name";
inline constexpr const char* kLabelWorkType = "kratix.io/work-type";  // promise | resource | static-dependency
inline constexpr const char* kLabelPromiseVersion = "kratix.io/promise-version";
inline constexpr const char* kLabelPromiseRelease = "kratix.io/promise-release-name";  // on a release's Promise
inline constexpr const char* kSystemNamespace = "kratix-platform-system";
inline constexpr const char* kLabelWorkflowSuspended = "kratix.io/workflow-suspended";  // set by a status-writer
// Trace context on pipeline Pods (read by the work-writer through the downward API) and on Works.
inline constexpr const char* kAnnotationTraceParent = "kratix.io/trace-parent";
inline constexpr const char* kAnnotationTraceState = "kratix.io/trace-state";

// State stores (spec 1.6, 1.7).
namespace state_store {
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kNotReady = "NotReady";
inline constexpr const char* kReasonReady = "StateStoreReady";
inline constexpr const char* kMessageReady = "State store is ready";
inline constexpr const char* kReasonSecretNotFound = "SecretNotFound";
inline constexpr const char* kReasonInitialising = "ErrorInitialisingWriter";
inline constexpr const char* kReasonPermissions = "ErrorValidatingPermissions";
inline constexpr const char* kReasonError = "StateStoreError";
inline constexpr const char* kPermissionsPrefix = "Error validating state store permissions: ";
inline constexpr const char* kInitialisingPrefix = "Error initialising writer: ";
}  // namespace state_store

// Destinations (spec 1.5, 4.5).
namespace destination {
inline constexpr const char* kFinalizer = "kratix.io/destination-cleanup";
inline constexpr const char* kReasonNotReady = "DestinationNotReady";
inline constexpr const char* kMessageNotReady = "Destination is not ready";
inline constexpr const char* kReasonTestDocuments = "TestDocumentsWritten";
inline constexpr const char* kMessageTestDocuments = "Test documents written to State Store";
inline constexpr const char* kReasonReady = "DestinationReady";
inline constexpr const char* kMessageReady = "Destination is ready";
inline constexpr const char* kReasonStoreNotReady = "StateStoreNotReady";
inline constexpr const char* kReasonStoreNotFound = "StateStoreNotFound";
inline constexpr const char* kReasonWriteFailed = "StateStoreWriteFailed";
// Pave's: Kratix's webhook refuses such a spec, and its controller retries it in silence.
inline constexpr const char* kReasonInvalid = "InvalidDestination";
inline constexpr const char* kEventReady = "DestinationReady";
inline constexpr const char* kEventNotReady = "DestinationNotReady";
}  // namespace destination

// Works (spec 1.8, 4.1).
namespace work {
inline constexpr const char* kFinalizer = "kratix.io/work-cleanup";
inline constexpr const char* kScheduleSucceeded = "ScheduleSucceeded";
inline constexpr const char* kReasonAllScheduled = "AllWorkplacementsScheduled";
inline constexpr const char* kMessageAllScheduled = "All workplacements scheduled successfully";
inline constexpr const char* kReasonUnscheduled = "UnscheduledWorkloads";
inline constexpr const char* kMessageUnscheduled = "No matching destination found for workloadGroups: ";
inline constexpr const char* kReasonMismatch = "DestinationSelectorMismatch";
inline constexpr const char* kMessageMismatch = "Target destination no longer matches destinationSelectors for workloadGroups: ";
inline constexpr const char* kReasonMisplaced = "Misplaced";
inline constexpr const char* kReasonFailing = "WorkplacementsFailing";
inline constexpr const char* kMessageFailing = "Workplacements failed to write: ";
inline constexpr const char* kReasonFailedToSchedule = "FailedToScheduleWorkloads";
// Kratix documents the reason, not a message: Pave's names the groups and the API server's objection.
inline constexpr const char* kMessageFailedToSchedule = "Failed to schedule workloadGroups: ";
inline constexpr const char* kEventNoMatch = "NoMatchingDestination";
}  // namespace work

// WorkPlacements (spec 1.9, 4.4).
namespace work_placement {
inline constexpr const char* kRepoCleanupFinalizer = "finalizers.workplacement.kratix.io/repo-cleanup";
inline constexpr const char* kDotFilesFinalizer = "finalizers.workplacement.kratix.io/kratix-dot-files-cleanup";
inline constexpr const char* kWriteSucceeded = "WriteSucceeded";
inline constexpr const char* kReasonWritten = "WorkloadsWrittenToStateStore";
inline constexpr const char* kMessageWritten = "Workloads written to State Store";
inline constexpr const char* kReasonWriteFailed = "WorkloadsFailedWrite";
inline constexpr const char* kReasonReady = "WorkloadsWrittenToTargetDestination";
inline constexpr const char* kMessageFailing = "Failing";
inline constexpr const char* kMessagePending = "Pending";
inline constexpr const char* kScheduleSucceeded = "ScheduleSucceeded";
inline constexpr const char* kReasonScheduled = "ScheduledToDestination";
inline constexpr const char* kMessageScheduled = "Scheduled to correct Destination";
inline constexpr const char* kReasonMismatch = "DestinationSelectorMismatch";
inline constexpr const char* kMessageMismatch = "Target destination no longer matches destinationSelectors";
inline constexpr const char* kReasonMisplaced = "Misplaced";
inline constexpr const char* kMessageMisplaced = "Misplaced";
inline constexpr const char* kEventWritten = "WorkloadsWrittenToStateStore";
inline constexpr const char* kEventWriteFailed = "FailedWriteToDestination";
inline constexpr const char* kEventMismatch = "DestinationSelectorMismatch";
}  // namespace work_placement

// The configure workflow's status on Promises and resource requests (spec 1.1, 2.5, 2.8).
namespace workflow_status {
inline constexpr const char* kConfigureCompleted = "ConfigureWorkflowCompleted";
inline constexpr const char* kReasonInProgress = "PipelinesInProgress";
inline constexpr const char* kMessageInProgress = "Pipelines are still in progress";
inline constexpr const char* kReasonSucceeded = "PipelinesExecutedSuccessfully";
inline constexpr const char* kMessageSucceeded = "Pipelines completed";
inline constexpr const char* kReasonFailed = "ConfigureWorkflowFailed";
inline constexpr const char* kMessageFailedPrefix = "A Configure Pipeline has failed: ";
inline constexpr const char* kReconciled = "Reconciled";
inline constexpr const char* kReasonReconciled = "Reconciled";
inline constexpr const char* kMessageReconciled = "Reconciled";
inline constexpr const char* kReasonWorkflowPending = "WorkflowPending";
inline constexpr const char* kReasonWorksPending = "WorksPending";
inline constexpr const char* kReasonWorksFailing = "WorksFailing";
inline constexpr const char* kReasonWorksMisplaced = "WorksMisplaced";
inline constexpr const char* kMessagePending = "Pending";
inline constexpr const char* kMessageResourceRequested = "Resource requested";  // the last status-writer's, on requests
inline constexpr const char* kMessagePromiseConfigured = "Promise configured";  // and on Promises
inline constexpr const char* kMessageFailing = "Failing";
inline constexpr const char* kWorksSucceeded = "WorksSucceeded";
inline constexpr const char* kReasonWorksSucceeded = "WorksSucceeded";
inline constexpr const char* kEventPipelineStarted = "PipelineStarted";
inline constexpr const char* kEventWorkflowFailed = "ConfigureWorkflowFailed";
inline constexpr const char* kDeleteCompleted = "DeleteWorkflowCompleted";
inline constexpr const char* kReasonDeleteFailed = "DeleteWorkflowFailed";
inline constexpr const char* kMessageDeleteFailed = "The Delete Pipeline has failed";
inline constexpr const char* kEventDeleteFailed = "Failed Pipeline";
inline constexpr const char* kReasonDeleteSuspended = "DeleteWorkflowSuspended";
inline constexpr const char* kMessageDeleteSuspended = "The delete workflow is suspended";
inline constexpr const char* kPhasePending = "Pending";
inline constexpr const char* kPhaseRunning = "Running";
inline constexpr const char* kPhaseSucceeded = "Succeeded";
inline constexpr const char* kPhaseFailed = "Failed";
inline constexpr const char* kPhaseSuspended = "Suspended";
}  // namespace workflow_status

// Promises (spec 1.1, 2.1, 2.7).
namespace promise {
inline constexpr const char* kAvailable = "Available";
inline constexpr const char* kUnavailable = "Unavailable";
inline constexpr const char* kReasonAvailable = "PromiseAvailable";
inline constexpr const char* kMessageAvailable = "Ready to fulfil resource requests";
inline constexpr const char* kReasonUnavailable = "PromiseUnavailable";
inline constexpr const char* kMessageUnavailable = "Cannot fulfil resource requests";
inline constexpr const char* kMessageWorksSucceeded = "All works associated with this promise are ready";
inline constexpr const char* kEventAvailable = "Available";
inline constexpr const char* kEventAvailableMessage = "Promise is available";
inline constexpr const char* kFinalizerDeleteWorkflows = "kratix.io/delete-workflows";
inline constexpr const char* kFinalizerWorkflowsCleanup = "kratix.io/workflows-cleanup";
inline constexpr const char* kFinalizerResourceRequests = "kratix.io/resource-request-cleanup";
inline constexpr const char* kFinalizerRevisions = "kratix.io/revision-cleanup";
// The misspelling is Kratix's, kept for objects Kratix made.
inline constexpr const char* kFinalizerDynamicResources = "kratix.io/dynamic-controller-dependant-resources-cleanup";
inline constexpr const char* kFinalizerDependencies = "kratix.io/dependencies-cleanup";
inline constexpr const char* kFinalizerCrd = "kratix.io/api-crd-cleanup";
inline constexpr const char* kEventInvalidApi = "InvalidPromiseAPI";
inline constexpr const char* kEventInvalidPipeline = "InvalidPipeline";
}  // namespace promise

// Resource requests (spec 2.2, 2.8).
namespace request {
inline constexpr const char* kPromiseAvailable = "PromiseAvailable";
inline constexpr const char* kReasonNotInstalled = "PromiseRequirementsNotInstalled";
inline constexpr const char* kMessageNotInstalled = "Promise Requirements are not installed";
inline constexpr const char* kReasonAvailable = "PromiseAvailable";
inline constexpr const char* kMessageAvailable = "Promise Requirements are met";
inline constexpr const char* kMessageWorksSucceeded = "All works associated with this resource are ready";
inline constexpr const char* kFinalizerWorkCleanup = "kratix.io/work-cleanup";
inline constexpr const char* kFinalizerWorkflowsCleanup = "kratix.io/workflows-cleanup";
inline constexpr const char* kFinalizerDeleteWorkflows = "kratix.io/delete-workflows";
}  // namespace request

}  // namespace pave::api
