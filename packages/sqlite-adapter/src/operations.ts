import type { OperationsOn } from '@steadfast/core/adapter';
import type { SqliteDatabase } from './sqlite-database.js';
import { activity } from './sql/activity.js';
import { cancelWorkflows, countWorkflows, purgeWorkflows, selectWorkflows } from './sql/bulk.js';
import { cancelWorkflow, retryWorkflow } from './sql/cancel-retry.js';
import { claim, nextDueAt } from './sql/claim.js';
import { createWorkflow, createWorkflows } from './sql/create-workflow.js';
import { listSteps } from './sql/list-steps.js';
import { loadExecution } from './sql/load-execution.js';
import { getWorkflow, history, listWorkflows, unfinishedNames } from './sql/read-workflows.js';
import { recordRetry, recordStep } from './sql/record-step.js';
import { advanceSchedule, deleteSchedule, listSchedules, upsertSchedule } from './sql/schedules.js';
import { listStreams, publish, readPublishedEvents, readStream } from './sql/publications.js';
import { receiveSignal, sendSignal } from './sql/signals.js';
import { purge, stats } from './sql/stats-purge.js';
import { complete, fail, release, renewLeases, suspend } from './sql/transitions.js';
import { forkWorkflow, setVersion, unfinishedVersions } from './sql/versions.js';
import { announceWorker, listWorkers, withdrawWorker } from './sql/workers.js';

/** The storage contract's operations, each one `sql/*` module's function: checked against the contract here. */
export const OPERATIONS: OperationsOn<SqliteDatabase> = {
  createWorkflow, createWorkflows, getWorkflow, listWorkflows, history, listSteps, unfinishedNames,
  upsertSchedule, deleteSchedule, listSchedules, advanceSchedule,
  stats, activity, purge,
  selectWorkflows, countWorkflows, cancelWorkflows, purgeWorkflows,
  claim, nextDueAt, loadExecution, renewLeases,
  recordStep, recordRetry, suspend, release, complete, fail,
  cancelWorkflow, retryWorkflow, sendSignal, receiveSignal,
  forkWorkflow, setVersion, unfinishedVersions, announceWorker, withdrawWorker, listWorkers,
  publish, readPublishedEvents, readStream, listStreams,
};

/** The operations that only read: a turn of nothing but reads needs no transaction. */
export const READS: ReadonlySet<keyof typeof OPERATIONS> = new Set([
  'getWorkflow', 'listWorkflows', 'history', 'listSteps', 'unfinishedNames', 'listSchedules', 'stats', 'activity', 'nextDueAt', 'loadExecution',
  'unfinishedVersions', 'listWorkers',
  'selectWorkflows', 'countWorkflows', 'readPublishedEvents', 'readStream', 'listStreams',
] as const);
