import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import type { Serializer } from '../foundation/serialization.js';
import type { StepRecord } from '../foundation/types.js';
import type { Lease, RetryState, StorageAdapter } from '../storage/storage-adapter.js';
import type { StepSpec } from './step-template.js';

/** The services an execution runs with, shared by its steps. */
export interface StepServices {
  readonly storage: StorageAdapter;
  readonly serializer: Serializer;
  readonly clock: Clock;
  /** Bound to the workflow id. */
  readonly logger: Logger;
  /** Tells this worker that work is due at `at` (a child just created), so it can claim it at once. */
  wake(at: number): void;
  /** The OpenTelemetry context of the execution's span, parent of the step spans. */
  readonly telemetryContext?: Context;
  /** The worker's version (its runtime's `version` option): child workflows it starts are pinned to it. Default none. */
  readonly version?: string | null;
}

/** What a step kind may wait for durably, besides a time: a child workflow, a signal, or both with a deadline. */
export interface DurableWait {
  child?: string;
  signal?: string;
  until?: number | null;
}

/**
 * What an execution offers the step kinds (`steps/*`): the one step template, and the few things that differ
 * between kinds — waiting, fenced writes, retry state. Step kinds depend on this interface only, never on
 * the execution class.
 */
export interface StepHost {
  readonly workflowId: string;
  /** The lease every fenced write names. */
  readonly lease: Lease;
  readonly services: StepServices;
  /** Aborted when the execution is given up; in-flight tasks see it through their `signal`. */
  readonly signal: AbortSignal;
  /** The execution was given up or failed fatally: a failing task must not be retried or recorded then. */
  readonly stopped: boolean;

  /** Takes the next position and replays its checkpoint, or runs the step and checkpoints it (the template). */
  step<V, R = V>(spec: StepSpec<V, R>): Promise<R>;
  /** The checkpoint at the next position without taking it (`patched()`); undefined while halting. */
  peekNext(): StepRecord | undefined;
  /** Failed attempts recorded for the step at `seq`, and when the next is due. */
  retryState(seq: number): RetryState | undefined;
  /** Lets a recorded outcome that completed at `completedAt` settle in its turn among the replayed ones. */
  replayTurn(completedAt: number, seq: number): Promise<void>;
  /** Whether this wait for a signal `name` may take one: true for the latest such wait once the body settled. */
  receiveTurn(name: string, seq: number): Promise<boolean>;

  /** A storage call made for this workflow, one after another; outages are waited out, a refusal gives the execution up. */
  write<T>(op: () => Promise<T>): Promise<T>;
  /** The time a new checkpoint is recorded with: strictly increasing within the execution. */
  checkpointTime(): number;

  /** Waits until `at`: in memory when short; a long wait parks the step and the workflow suspends. */
  waitUntil(at: number): Promise<void>;
  /** Parks the step until a child finishes or a signal arrives (or `until`). Never returns. */
  waitFor(what: DurableWait): never;
  /** Gives the execution up at once: in-flight tasks see their AbortSignal, nothing more is written. */
  abandon(reason: string, error?: unknown): void;
}
