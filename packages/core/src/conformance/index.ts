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
import { describeClaimCases } from './claim-cases.js';
import { SuiteContext, type ConformanceTarget } from './context.js';
import { describeExecutionCases } from './execution-cases.js';
import { describeFencingCases } from './fencing-cases.js';
import { describeRaceCases } from './race-cases.js';
import { describeTransitionCases } from './transition-cases.js';
import { describeWorkflowCases } from './workflow-cases.js';

export type { ConformanceTarget } from './context.js';

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
  });
}
