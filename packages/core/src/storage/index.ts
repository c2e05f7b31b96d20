/**
 * `@steadfast/core/adapter`: what an author of a storage adapter needs — the contract and its DTOs, the
 * record types, the row types and their mappers, the binding of per-operation modules to the contract, and
 * the errors the contract names. The conformance suite that every adapter must pass is
 * `@steadfast/core/conformance` (it loads vitest, so it has an entry point of its own).
 */
export type {
  StorageAdapter, StorageCapabilities, Lease, NewWorkflow, CreateWorkflowResult, CreatedWorkflow, ClaimFilter, ClaimRequest, ClaimedWorkflow,
  NewStep, RetryState, ExecutionState, WaitingFor, SignalReceive, TransactionStep, WorkflowStats, PurgeRequest, QueueLimit,
  ActivityRequest, ActivityRow, ForkRequest, SetVersionRequest, WorkerPresence,
} from './storage-adapter.js';
export type { WorkflowSelection, WorkflowRef } from './workflow-selection.js';
export type { Publication, PublishOutcome, PublishedEvent, StreamChunk, StreamSummary } from './publication.js';
export { MAX_STREAM_READ } from './publication.js';
export { KeyedListeners } from './keyed-listeners.js';
export { MAX_SELECTED_IDS } from './workflow-selection.js';
export { LATENCY_BOUNDS_MS, latencyClass, latencyClassSql, foldActivityGroups, emptyActivityRow } from './latency-classes.js';
export type { ActivityGroupRow } from './latency-classes.js';
export { NO_KEY, fairKeysVisited, planFairClaim } from './fair-claim.js';
export type { FairKey, FairPlan } from './fair-claim.js';
export { bindOperations } from './operations.js';
export type { OperationsOn, StorageOperations } from './operations.js';
export { toWorkflowRecord, toStepRecord, toEventRecord, toScheduleRecord } from './rows.js';
export type { WorkflowRow, StepRow, EventRow, ScheduleRow } from './rows.js';
export type {
  WorkflowStatus, WorkflowKind, StepKind, WorkflowRecord, StepRecord, EventType, EventRecord, ListWorkflowsFilter, WorkflowCursor, ScheduleRecord,
} from '../foundation/types.js';
export { WORKFLOW_STATUSES, FINISHED_STATUSES } from '../foundation/types.js';
export { LeaseLostError, StorageUnavailableError, ValidationError, WorkflowNotFoundError, SteadfastError, isSteadfastError } from '../foundation/errors.js';
