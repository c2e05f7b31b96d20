import { randomUUID } from 'node:crypto';
import type { Clock } from '../foundation/clock.js';
import { ValidationError, VersionMigrationRefusedError, WorkflowNotFoundError } from '../foundation/errors.js';
import { checkOptionKeys, validateInteger, validateName } from '../foundation/names.js';
import type { Serializer } from '../foundation/serialization.js';
import { FINISHED_STATUSES } from '../foundation/types.js';
import { Registry } from '../definition/registry.js';
import type { ReplayObserver } from './replay/replay-execution.js';
import { replayRun, type ReplayResult } from './replay/replay-run.js';
import { checkSelection, selectRuns, type RunSelection } from './replay/run-selection.js';
import { verifyHistories, type VerifyReport } from './replay/verify-histories.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

/** What the version operations of a client work with. */
export interface VersionContext {
  storage: StorageAdapter;
  serializer: Serializer;
  clock: Clock;
  /** The client's own version (new runs are pinned to it), or null. */
  version: string | null;
}

/** Options of `client.fork(id, options)`. */
export interface ForkOptions {
  /** The position to execute from: checkpoints before it are reused, it and everything after run again. Required. */
  fromStep: number;
  /** The new workflow's id. Default a random UUID. */
  id?: string;
  /** The new run's version. Default the client's `version`, else the source run's. */
  version?: string | null;
}

/** Options of `client.migrateVersion(options)`: which runs (by ids, or a filter of unfinished runs), and to what. */
export interface MigrateVersionOptions extends Omit<RunSelection, 'since'> {
  /** The version to move the runs to. Required. */
  to: string;
  /** The code of version `to` (as passed to `register`): every run must replay on it, or none is moved. Required. */
  workflows: readonly object[];
}

/** What `migrateVersion` did. */
export interface MigrateVersionResult {
  /** Ids of the runs moved to the new version. */
  moved: string[];
  /** Runs left as they were, with why (finished, or at that version already, or changed meanwhile). */
  skipped: Array<{ id: string; reason: string }>;
  /** The replay of each run before it was moved. */
  verified: ReplayResult[];
}

/** A new run from a stored one's checkpoints before `fromStep`; the source is left as it is. */
export async function forkRun(ctx: VersionContext, sourceId: string, options: ForkOptions): Promise<string> {
  validateName(sourceId, 'workflow id');
  checkOptionKeys(options, ['fromStep', 'id', 'version'], 'fork');
  const fromStep = validateInteger(options.fromStep, 'fromStep of fork', 0, 1_000_000_000);
  const id = options.id === undefined ? randomUUID() : validateName(options.id, 'id of fork');
  if (id === sourceId) throw new ValidationError(`a fork needs an id of its own; ${JSON.stringify(id)} is the workflow it forks`);
  const chosen = options.version === undefined ? undefined : options.version === null ? null : validateName(options.version, 'version of fork');
  const source = await ctx.storage.getWorkflow(sourceId);
  if (!source) throw new WorkflowNotFoundError(sourceId);
  const steps = await ctx.storage.listSteps(sourceId);
  const last = steps.length === 0 ? -1 : steps[steps.length - 1]!.seq;
  if (fromStep > last + 1) {
    throw new ValidationError(`cannot fork ${sourceId} from step ${fromStep}: it has checkpoints up to step ${last} only (fork from 0 to ${last + 1})`);
  }
  const now = ctx.clock.now();
  // The fork keeps the source's timeout: the same time from its own start.
  const deadlineAt = source.deadlineAt === null ? null : now + (source.deadlineAt - source.createdAt);
  const version = chosen !== undefined ? chosen : (ctx.version ?? source.version);
  const result = await ctx.storage.forkWorkflow({ sourceId, id, fromStep, version, deadlineAt, now });
  if (!result) throw new WorkflowNotFoundError(sourceId);
  if (!result.created) throw new ValidationError(`cannot fork ${sourceId} as ${id}: a workflow with that id exists already`);
  return id;
}

/** Replays one stored run on `workflows` in this process, telling `observer` of each step; nothing runs or is written. */
export async function replayStoredRun(ctx: VersionContext, id: string, workflows: readonly object[], observer?: ReplayObserver): Promise<ReplayResult> {
  validateName(id, 'workflow id');
  const record = await ctx.storage.getWorkflow(id);
  if (!record) throw new WorkflowNotFoundError(id);
  const registry = new Registry();
  registry.add(Registry.registrationsOf(workflows));
  return replayRun(record, await ctx.storage.listSteps(id), { registry, serializer: ctx.serializer, clock: ctx.clock, ...(observer ? { observer } : {}) });
}

/** `verifyHistories` on the client's storage, with its serializer and clock. */
export function verifyStored(ctx: VersionContext, options: RunSelection & { workflows: readonly object[] }): Promise<VerifyReport> {
  return verifyHistories({ ...options, storage: ctx.storage, serializer: ctx.serializer, clock: ctx.clock });
}

/**
 * Moves unfinished runs to version `to` after replaying each on its code: if any would diverge, none is
 * moved and `VersionMigrationRefusedError` names them.
 */
export async function migrateVersion(ctx: VersionContext, options: MigrateVersionOptions): Promise<MigrateVersionResult> {
  checkOptionKeys(options, ['ids', 'names', 'version', 'sample', 'to', 'workflows'], 'migrateVersion');
  const to = validateName(options.to, 'to of migrateVersion');
  if (!Array.isArray(options.workflows) || options.workflows.length === 0) {
    throw new ValidationError('migrateVersion needs the workflows of the new version (as passed to runtime.register) to verify the runs on');
  }
  if (options.ids === undefined && options.version === undefined && options.names === undefined) {
    throw new ValidationError('migrateVersion needs ids, or a filter (version, names) naming the runs to move');
  }
  checkSelection(options, 'migrateVersion');
  const { to: _to, workflows, ...selection } = options;
  const runs = await selectRuns(ctx.storage, { ...selection, since: 0 }, ctx.clock.now(), 'migrateVersion');
  const skipped: MigrateVersionResult['skipped'] = [];
  const candidates = runs.filter((run) => {
    const reason = FINISHED_STATUSES.includes(run.status) ? `it is ${run.status}` : run.version === to ? `it is at version ${to} already` : undefined;
    if (reason) skipped.push({ id: run.id, reason });
    return reason === undefined;
  });
  const report = await verifyStored(ctx, { ids: candidates.map((run) => run.id), workflows });
  const refusals = report.results.filter((r) => !r.ok).map((r) => ({ id: r.id, message: r.divergence!.message }));
  if (refusals.length > 0) throw new VersionMigrationRefusedError(to, refusals);
  const moved: string[] = [];
  const byVersion = new Map<string | null, string[]>();
  for (const run of candidates) byVersion.set(run.version, [...(byVersion.get(run.version) ?? []), run.id]);
  for (const [from, ids] of byVersion) moved.push(...(await ctx.storage.setVersion({ ids, from, to, now: ctx.clock.now() })));
  for (const run of candidates) if (!moved.includes(run.id)) skipped.push({ id: run.id, reason: 'it changed meanwhile (finished, or moved by someone else)' });
  return { moved, skipped, verified: report.results };
}
