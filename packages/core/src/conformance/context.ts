import { expect } from 'vitest';
import { isSteadfastError } from '../foundation/errors.js';
import type { ClaimedWorkflow, ClaimRequest, Lease, NewWorkflow, StorageAdapter } from '../storage/storage-adapter.js';
import type { EventRecord, WorkflowRecord } from '../foundation/types.js';

/** What an adapter's test file hands to `describeStorageConformance`. */
export interface ConformanceTarget {
  /** Makes a fresh, empty, migrated-or-not adapter for one test (the suite calls migrate()). */
  create(): Promise<StorageAdapter>;
  /** Called after each test with what create() returned (close it, drop its schema/file). */
  destroy(adapter: StorageAdapter): Promise<void>;
  /**
   * Opens a second adapter on the same database (same file, schema and table prefix) as `adapter`, to race
   * claims between two instances as two processes would. The suite closes it before `destroy`. Optional:
   * without it the two-instance race is skipped (e.g. a private `:memory:` SQLite database has no peer).
   */
  createPeer?(adapter: StorageAdapter): Promise<StorageAdapter>;
  /**
   * Whether lease expiry is judged by the database clock (PostgreSQL) rather than the `now` argument (SQLite).
   * Lease-expiry tests then wait for real time instead of moving `now`.
   */
  leaseClock: 'database' | 'now';
  /**
   * Lets the suite check that `runTransactionStep` commits and rolls back the body's own writes, through a
   * table of the test's own in the adapter's database. Optional: without it those assertions are skipped
   * (the checkpoint, event and fencing assertions still run).
   */
  transactionProbe?: TransactionProbe;
}

/** A one-column table of the test's own, written by a transactional step's body. */
export interface TransactionProbe {
  /** Creates the table (empty) in the adapter's database; called once per test that uses it. */
  setup(adapter: StorageAdapter): Promise<void>;
  /** Inserts `value` with `trx`, the handle `runTransactionStep` hands to the body. */
  write(trx: unknown, value: string): Promise<void>;
  /** Every value committed so far, in insertion order, read outside any transaction. */
  read(adapter: StorageAdapter): Promise<string[]>;
}

/** A lease that outlives any test, so only the tests that mean to expire one ever see it expire. */
export const LONG_LEASE_MS = 10 * 60_000;

/**
 * How far a time computed by the database clock may be from the Node clock (same machine or a container on
 * it). Only used with `leaseClock: 'database'`; with `'now'` times must match exactly.
 */
export const CLOCK_TOLERANCE_MS = 5_000;

/** The state of one test: filled in by `beforeEach`, read by the cases. */
export class SuiteContext {
  private current: StorageAdapter | undefined;
  private readonly peers: StorageAdapter[] = [];
  private counter = 0;
  /** Real epoch ms when the test started: every `now` of a test is an offset from it. */
  t0 = 0;

  constructor(readonly target: ConformanceTarget) {}

  /** The migrated adapter of the running test. */
  get adapter(): StorageAdapter {
    if (!this.current) throw new Error('conformance suite: no adapter outside a test');
    return this.current;
  }

  /** A lease short enough to wait out: the adapter accepts any positive leaseMs. */
  get shortLeaseMs(): number {
    return this.target.leaseClock === 'database' ? 300 : 1_000;
  }

  async setUp(): Promise<void> {
    this.t0 = Date.now();
    this.counter = 0;
    this.current = await this.target.create();
    await this.current.migrate();
  }

  async tearDown(): Promise<void> {
    const adapter = this.current;
    this.current = undefined;
    const peers = this.peers.splice(0);
    await Promise.all(peers.map((peer) => peer.close()));
    if (adapter) await this.target.destroy(adapter);
  }

  /** A second, migrated adapter on the same storage, closed after the test. */
  async peer(): Promise<StorageAdapter> {
    if (!this.target.createPeer) throw new Error('conformance suite: this target has no createPeer');
    const peer = await this.target.createPeer(this.adapter);
    this.peers.push(peer);
    await peer.migrate();
    return peer;
  }

  /** A distinct id for this test, e.g. `wf-3`. */
  id(prefix = 'wf'): string {
    return `${prefix}-${++this.counter}`;
  }

  /** A valid workflow to insert: queue `default`, name `order`, due at `t0`. */
  newWorkflow(overrides: Partial<NewWorkflow> = {}): NewWorkflow {
    return {
      id: this.id(),
      name: 'order',
      kind: 'workflow',
      version: null,
      queue: 'default',
      priority: 0,
      args: '[]',
      parentId: null,
      nextAt: this.t0,
      deadlineAt: null,
      now: this.t0,
      ...overrides,
    };
  }

  async createWorkflow(overrides: Partial<NewWorkflow> = {}): Promise<WorkflowRecord> {
    const result = await this.adapter.createWorkflow(this.newWorkflow(overrides));
    expect(result.created).toBe(true);
    return result.record;
  }

  /** A claim of queue `default` and name `order` by `worker-a`, limit 10, a long lease, at `t0`. */
  claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
    return {
      owner: 'worker-a',
      queues: ['default'],
      names: ['order'],
      limit: 10,
      leaseMs: LONG_LEASE_MS,
      now: this.t0,
      ...overrides,
    };
  }

  /**
   * Creates a workflow in a queue of its own and claims it: the usual start of a test about a running one.
   * Returns the lease and what claim returned.
   */
  async start(
    overrides: Partial<NewWorkflow> = {},
    claim: Partial<ClaimRequest> = {},
  ): Promise<{ lease: Lease; claimed: ClaimedWorkflow; record: WorkflowRecord }> {
    const id = overrides.id ?? this.id();
    const input = this.newWorkflow({ queue: `queue-of-${id}`, ...overrides, id });
    await this.adapter.createWorkflow(input);
    const request = this.claimRequest({ queues: [input.queue], names: [input.name], ...claim });
    const claimed = await this.adapter.claim(request);
    expect(claimed.map((c) => c.id)).toEqual([id]);
    const lease = { workflowId: id, owner: request.owner, epoch: claimed[0]!.epoch };
    return { lease, claimed: claimed[0]!, record: (await this.adapter.getWorkflow(id))! };
  }

  /**
   * Claims the workflow `id` again from its own queue (`queue-of-<id>`, as `start` makes it) at `now`, and
   * returns the new lease.
   */
  async reclaim(id: string, now: number, owner = 'worker-b'): Promise<Lease> {
    const [claimed] = await this.adapter.claim(this.claimRequest({ queues: [`queue-of-${id}`], owner, now }));
    expect(claimed?.id).toBe(id);
    return { workflowId: id, owner, epoch: claimed!.epoch };
  }

  /** The stored record of `id`, which must exist. */
  async record(id: string): Promise<WorkflowRecord> {
    const record = await this.adapter.getWorkflow(id);
    expect(record, `workflow ${id}`).toBeDefined();
    return record!;
  }

  /** The record and event log of `id`, to compare before and after a call that must change nothing. */
  async snapshot(id: string): Promise<{ record: WorkflowRecord | undefined; history: EventRecord[] }> {
    return { record: await this.adapter.getWorkflow(id), history: await this.adapter.history(id) };
  }

  /**
   * Lets a lease taken at `claimedAt` with `leaseMs` expire and returns the `now` at which to claim it back:
   * moves `now` past it (`leaseClock: 'now'`) or waits real time past it (`'database'`).
   */
  async expireLease(claimedAt: number, leaseMs: number): Promise<number> {
    if (this.target.leaseClock === 'now') return claimedAt + leaseMs + 1;
    await sleep(leaseMs + 200);
    return Math.max(Date.now(), claimedAt + leaseMs + 1);
  }

  /**
   * A rate-limit window to test with, and how far before and after its end to look: with `leaseClock:
   * 'database'` the adapter judges windows by the database clock too, so the test waits real time (a short
   * window, with margins for the clocks); with `'now'` it moves `now` (a long window, exact ends).
   */
  rateWindow(): { perMs: number; before: number; after: number } {
    return this.target.leaseClock === 'database' ? { perMs: 1_000, before: 150, after: 150 } : { perMs: 10_000, before: 1, after: 0 };
  }

  /**
   * The `now` for a call made `offsetMs` after `origin`: `origin + offsetMs` (`leaseClock: 'now'`), or, for an
   * adapter on the database clock, the real time once at least that much has passed (it waits).
   */
  async reach(origin: number, offsetMs: number): Promise<number> {
    if (this.target.leaseClock === 'now') return origin + offsetMs;
    const wait = origin + offsetMs - Date.now();
    if (wait > 0) await sleep(wait);
    return Date.now();
  }

  /** `actual` is a lease expiry computed at `now` for `leaseMs`, judged by the target's lease clock. */
  expectLeaseExpiry(actual: number | null, now: number, leaseMs: number): void {
    this.expectTime(actual, now + leaseMs);
  }

  /** `actual` is the time `expected` (exactly, or near it if the database may use its own clock). */
  expectTime(actual: number | null | undefined, expected: number): void {
    expect(typeof actual).toBe('number');
    if (this.target.leaseClock === 'now') expect(actual).toBe(expected);
    else expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(CLOCK_TOLERANCE_MS);
  }

  /**
   * `claimed` is `expected`; `dueAt`, optional in the contract (the row's `next_at` before the claim), is
   * either absent or the time given (judged like `expectTime`). `state`, optional too, is checked by its own
   * case (execution-cases) against `loadExecution`.
   */
  expectClaimed(claimed: ClaimedWorkflow[], expected: Array<Omit<ClaimedWorkflow, 'dueAt'> & { dueAt: number }>): void {
    expect(claimed.map(({ dueAt: _dueAt, state: _state, ...rest }) => rest)).toEqual(expected.map(({ dueAt: _dueAt, ...rest }) => rest));
    claimed.forEach((c, i) => {
      if (c.dueAt !== undefined) this.expectTime(c.dueAt, expected[i]!.dueAt);
    });
  }

  async eventTypes(workflowId: string): Promise<EventRecord['type'][]> {
    return (await this.adapter.history(workflowId)).map((event) => event.type);
  }
}

/**
 * A record without `updatedAt`, for comparing a row across a call that may touch it without changing it
 * (a wake-up, a signal, a fence check): whether such a call bumps `updatedAt` is up to the adapter.
 */
export function withoutUpdatedAt(record: WorkflowRecord | undefined): Omit<WorkflowRecord, 'updatedAt'> | undefined {
  if (!record) return record;
  const { updatedAt: _updatedAt, ...rest } = record;
  return rest;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise rejects with the adapter's `LeaseLostError` for `workflowId` (checked by code, so duplicate installs pass). */
export async function expectLeaseLost(promise: Promise<unknown>, workflowId: string): Promise<void> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) expect.fail(`expected the write on ${workflowId} to be refused with LeaseLostError, but it succeeded`);
  const { error } = outcome;
  expect(isSteadfastError(error) ? error.code : error).toBe('LEASE_LOST');
  expect((error as { workflowId?: unknown }).workflowId).toBe(workflowId);
}

/** Payloads as the runtime makes them (JSON text), with content that trips careless storage. */
export const PAYLOADS: ReadonlyArray<readonly [label: string, payload: string]> = [
  ['unicode', JSON.stringify(['héllo wörld', '日本語のテキスト', '🚀👩‍👩‍👧‍👦', 'e\u0301', 'Ω≈ç√∫', 'עברית', '\u2028\u2029'])],
  ['quotes and escapes', JSON.stringify({ s: `it's "quoted" \\ back\\slash \`tick\``, sql: "'); DROP TABLE workflows; --", ws: 'a\nb\r\nc\td' })],
  ['control characters and lone surrogates', JSON.stringify({ nul: 'a\u0000b', bell: '\u0007', surrogate: '\ud800x\udfff' })],
  ['a 200 KB string', JSON.stringify({ blob: 'x'.repeat(200 * 1024) + 'é€🚀' })],
];
