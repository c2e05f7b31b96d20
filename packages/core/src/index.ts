import 'reflect-metadata';

export type {
  WorkflowStatus, WorkflowKind, StepKind, WorkflowRecord, StepRecord, EventType, EventRecord, ListWorkflowsFilter, ScheduleRecord,
} from './types.js';
export { WORKFLOW_STATUSES, FINISHED_STATUSES } from './types.js';
export * from './errors.js';
export { workflow, task, transaction, defineWorkflow, defineTask, defineTransaction } from './decorators.js';
export type { StepDecorator } from './decorators.js';
export { WORKFLOW_METADATA, TASK_METADATA, entryMeta } from './registry.js';
export type { WorkflowOptions, TaskOptions, WorkflowMeta, TaskMeta, StepMeta } from './registry.js';
export { sleep, runAt, now, random, uuid, waitForSignal, patched, workflowLogger } from './steps.js';
export type { ReplayAwareLogger } from './replay-aware-logger.js';
export type { WaitForSignalOptions } from './steps.js';
export { taskContext } from './scope.js';
export type { TaskContext } from './scope.js';
export { Runtime } from './runtime.js';
export type { StartWorkflowOptions, EnqueueOptions, ShutdownOptions, RuntimeStats, RuntimeState } from './start-options.js';
export type { RetentionOptions } from './retention.js';
export type { QueueOptions } from './queue-options.js';
export type { ScheduleOptions, CatchUpPolicy } from './schedule.js';
export { nextTick, tickWorkflowId } from './schedule.js';
export type { RuntimeOptions } from './runtime-options.js';
export { WorkflowHandle } from './workflow-handle.js';
export type { WorkflowInfo, WorkflowEvent } from './workflow-handle.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { toMilliseconds, toEpochMs, formatDuration } from './duration.js';
export type { DurationInput, TimeInput } from './duration.js';
export { DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOption, BackoffOptions, BackoffPolicy, BackoffType } from './backoff.js';
export { createSerializer, DEFAULT_MAX_PAYLOAD_BYTES } from './serialization.js';
export type { Serializer, SerializerOptions, ErrorClass } from './serialization.js';
export { validateName } from './names.js';
export type {
  StorageAdapter, StorageCapabilities, Lease, NewWorkflow, CreateWorkflowResult, ClaimFilter, ClaimRequest,
  ClaimedWorkflow, NewStep, RetryState, ExecutionState, WaitingFor, SignalReceive, TransactionStep, WorkflowStats, PurgeRequest, QueueLimit,
} from './storage/storage-adapter.js';
export { toWorkflowRecord, toStepRecord, toEventRecord, toScheduleRecord } from './storage/rows.js';
export type { WorkflowRow, StepRow, EventRow, ScheduleRow } from './storage/rows.js';
export { toJsonValue, errorToJson } from './json-value.js';
export type { Json, ToJsonOptions } from './json-value.js';
