/**
 * The testing kit: a runtime on a virtual clock and in-memory storage, so a test advances time instead of
 * waiting for it.
 *
 * @example
 * ```ts
 * import { createTestRuntime } from '@steadfast/core/testing';
 * const env = await createTestRuntime(reminders);
 * const handle = await env.runtime.startWorkflow(reminders.weekly, ['ada']);
 * await env.advance('7 days');
 * expect(await handle.result()).toBe('reminded ada');
 * await env.shutdown();
 * ```
 */
export { VirtualClock } from './virtual-clock.js';
export type { VirtualClockOptions } from './virtual-clock.js';
export { MemoryAdapter } from './memory-adapter.js';
export type { MemoryAdapterOptions } from './memory-adapter.js';
export type { MemoryTransaction } from './memory/transaction-step.js';
export { createTestRuntime, TestEnvironment } from './test-runtime.js';
export type { TestRuntimeOptions } from './test-runtime.js';
export { verifyHistories } from '../client/replay/verify-histories.js';
export type { VerifyOptions, VerifyReport } from '../client/replay/verify-histories.js';
export type { ReplayResult, Divergence, DivergenceReason, ReplayStepSummary } from '../client/replay/replay-run.js';
export type { RunSelection } from '../client/replay/run-selection.js';
export { checkCrashSafety, CrashSafetyError } from './crash-safety.js';
export type { CrashSafetyOptions, CrashSafetyReport, CrashRunOutcome } from './crash-safety.js';
