/**
 * The storage conformance suite: the one set of vitest cases every `StorageAdapter` must pass. Adapter
 * packages run it from their own tests; it is a separate entry point (`@steadfast/core/conformance`) so
 * applications importing `@steadfast/core` never load vitest.
 *
 * Each test gets a fresh adapter from `target.create()`, calls `migrate()` on it, and hands it back to
 * `target.destroy()`. Times (`now`, `nextAt`) are real epoch milliseconds around `Date.now()`, so an adapter
 * judging lease expiry by the database clock behaves the same as one judging it by `now`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { describeBulkCases } from './bulk-cases.js';
import { describeChildCases } from './child-cases.js';
import { describeClaimCases } from './claim-cases.js';
import { SuiteContext, type ConformanceTarget } from './context.js';
import { describeDedupeCases } from './dedupe-cases.js';
import { describeExecutionCases } from './execution-cases.js';
import { describeFairCases } from './fair-cases.js';
import { describeFencingCases } from './fencing-cases.js';
import { describeInspectionCases } from './inspection-cases.js';
import { describePublicationCases } from './publication-cases.js';
import { describePurgeCases } from './purge-cases.js';
import { describeQueueLimitCases } from './queue-limit-cases.js';
import { describeRaceCases } from './race-cases.js';
import { describeScheduleCases } from './schedule-cases.js';
import { describeSignalCases } from './signal-cases.js';
import { describeStatsCases } from './stats-cases.js';
import { describeTransactionCases } from './transaction-cases.js';
import { describeTransitionCases } from './transition-cases.js';
import { describeVersionCases } from './version-cases.js';
import { describeWorkflowCases } from './workflow-cases.js';

export type { ConformanceTarget, TransactionProbe } from './context.js';

/**
 * Declares the conformance suite for one adapter configuration, under `describe(name)`.
 *
 * @example
 * ```ts
 * import { describeStorageConformance } from '@steadfast/core/conformance';
 *
 * describeStorageConformance('SqliteAdapter (:memory:)', {
 *   create: async () => new SqliteAdapter({ filename: ':memory:' }),
 *   destroy: (adapter) => adapter.close(),
 *   leaseClock: 'now',
 *   // Optional: lets the suite check that a transactional step's own writes commit and roll back with it.
 *   transactionProbe: {
 *     setup: (adapter) => (adapter as SqliteAdapter).knex.schema.createTable('probe', (t) => t.text('value')),
 *     write: (trx, value) => (trx as Knex)('probe').insert({ value }),
 *     read: async (adapter) => (await (adapter as SqliteAdapter).knex('probe').select('value')).map((r) => r.value),
 *   },
 * });
 * ```
 */
export function describeStorageConformance(name: string, target: ConformanceTarget): void {
  describe(name, () => {
    const ctx = new SuiteContext(target);
    beforeEach(() => ctx.setUp());
    afterEach(() => ctx.tearDown());

    describeWorkflowCases(ctx);
    describeClaimCases(ctx);
    describeRaceCases(ctx);
    describeFencingCases(ctx);
    describeTransitionCases(ctx);
    describeExecutionCases(ctx);
    describeChildCases(ctx);
    describeSignalCases(ctx);
    describeTransactionCases(ctx);
    describeDedupeCases(ctx);
    describeQueueLimitCases(ctx);
    describeFairCases(ctx);
    describeScheduleCases(ctx);
    describeStatsCases(ctx);
    describeInspectionCases(ctx);
    describePurgeCases(ctx);
    describeVersionCases(ctx);
    describeBulkCases(ctx);
    describePublicationCases(ctx);
  });
}
