/**
 * `@steadfast/core`: what a workflow author uses — decorators and define* functions, the steps a body
 * calls, the runtime and the client, handles, options, errors. What storage adapter authors need is in
 * `@steadfast/core/adapter`; what framework integrations need in `@steadfast/core/integration`; the test
 * kit in `@steadfast/core/testing`.
 */
import 'reflect-metadata';

// Defining workflows and tasks
export { workflow, task, transaction } from './authoring/decorators.js';
export type { StepDecorator } from './authoring/decorators.js';
export { defineWorkflow, defineTask, defineTransaction } from './authoring/define.js';
export type { WorkflowOptions, TaskOptions } from './definition/workflow-options.js';
export { DEFAULT_BACKOFF } from './definition/backoff.js';
export type { BackoffOption, BackoffOptions, BackoffPolicy, BackoffType } from './definition/backoff.js';
export type { QueueOptions } from './definition/queue-options.js';
export type { ScheduleOptions, CatchUpPolicy } from './definition/schedule.js';
export { nextTick, tickWorkflowId } from './definition/schedule.js';

// What a workflow body calls
export { sleep, runAt, now, random, uuid, waitForSignal, patched, workflowLogger, taskContext } from './authoring/step-functions.js';
export type { WaitForSignalOptions } from './authoring/step-functions.js';
export { setEvent, writeStream, closeStream } from './authoring/publish-functions.js';
export type { TaskContext } from './execution/scope.js';
export type { ReplayAwareLogger } from './execution/replay-aware-logger.js';

// Running and operating them
export { Runtime } from './runtime/runtime.js';
export type { RuntimeOptions, RuntimeState, ShutdownOptions } from './runtime/runtime-options.js';
export type { RetentionOptions } from './worker/retention.js';
export { WorkflowClient } from './client/workflow-client.js';
export type { WorkflowClientOptions } from './client/client-options.js';
export { WorkflowHandle } from './client/workflow-handle.js';
export type { WorkflowInfo, WorkflowEvent } from './client/workflow-handle.js';
export type { ScheduleInfo } from './client/schedule-info.js';
export type { WorkflowStep, WorkflowStepStatus } from './client/workflow-steps.js';
export type { ActivityOptions, WorkflowActivity, ActivityBucket, ActivitySummary, LatencySummary } from './client/workflow-activity.js';
export type { BulkFilter, BulkOptions } from './client/bulk-operations.js';
export type { GetEventOptions, ReadStreamOptions, WorkflowPublishedEvent, WorkflowStreamInfo } from './client/published-reads.js';
export type { StartWorkflowOptions, EnqueueOptions, ManyOptions, ManyItem, SignalOptions, RuntimeStats } from './client/start-options.js';
export type { StorageAdapter } from './storage/storage-adapter.js';
export type { StrandedRuns } from './storage/stranded-runs.js';
export type { UnservedQueue } from './storage/unserved-queues.js';
export type { ForkOptions, MigrateVersionOptions, MigrateVersionResult } from './client/version-operations.js';
export type { ReplayResult, Divergence, DivergenceReason, ReplayStepSummary } from './client/replay/replay-run.js';
export type { ReplayObserver } from './client/replay/replay-execution.js';
export type { RunSelection } from './client/replay/run-selection.js';
export type { VerifyReport } from './client/replay/verify-histories.js';

// Vocabulary
export type { WorkflowStatus, WorkflowKind, StepKind, EventType, ListWorkflowsFilter, WorkflowCursor, ScheduleRecord } from './foundation/types.js';
export { WORKFLOW_STATUSES, FINISHED_STATUSES } from './foundation/types.js';
export * from './foundation/errors.js';
export { systemClock } from './foundation/clock.js';
export type { Clock, TimerHandle } from './foundation/clock.js';
export { toMilliseconds, toEpochMs, formatDuration } from './foundation/duration.js';
export type { DurationInput, TimeInput } from './foundation/duration.js';
export { createSerializer, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAYLOAD_BYTES } from './foundation/serialization.js';
export type { Serializer, SerializerOptions, ErrorClass, PayloadWorkflow } from './foundation/serialization.js';
export { compression } from './foundation/codec/compression.js';
export type { CompressionOptions } from './foundation/codec/compression.js';
export { encryption, encryptionKeysFromEnv } from './foundation/codec/encryption.js';
export type { EncryptionOptions, EncryptionKey } from './foundation/codec/encryption.js';
export { EncryptedValue } from './foundation/codec/payload-codec.js';
export type { PayloadCodec, PayloadScope, EncodedLayer } from './foundation/codec/payload-codec.js';
