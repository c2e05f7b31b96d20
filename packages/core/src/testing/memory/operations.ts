import type { OperationsOn } from '../../storage/operations.js';
import type { MemoryStore } from './memory-store.js';
import { cancelWorkflows, countWorkflows, purgeWorkflows, selectWorkflows } from './bulk.js';
import { cancelWorkflow, retryWorkflow } from './cancel-retry.js';
import { activity, listSteps } from './inspect.js';
import { claim, nextDueAt, renewLeases } from './claim.js';
import { createWorkflow, createWorkflows, getWorkflow, history, listWorkflows, purge, stats, unfinishedNames } from './read-create.js';
import { advanceSchedule, deleteSchedule, listSchedules, upsertSchedule } from './schedules.js';
import { listStreams, publish, readPublishedEvents, readStream } from './publications.js';
import { receiveSignal, sendSignal } from './signals.js';
import { loadExecution, recordRetry, recordStep } from './steps.js';
import { complete, fail, release, suspend } from './transitions.js';
import { announceWorker, forkWorkflow, listWorkers, setVersion, unfinishedVersions, withdrawWorker } from './versions.js';

/** The storage contract's operations on the store, each one module's function: checked against the contract here. */
export const OPERATIONS: OperationsOn<MemoryStore> = {
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
