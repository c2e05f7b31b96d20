import { ValidationError } from '../../foundation/errors.js';
import type { Lease, TransactionStep } from '../../storage/storage-adapter.js';
import type { MemoryStore } from './memory-store.js';

/**
 * What a transactional step (`@transaction()`, `defineTransaction`) gets as `taskContext().trx` on a
 * `MemoryAdapter`: a transaction on the store's key-value area, not a knex transaction. Its writes are
 * kept apart until the step's checkpoint commits, then applied together with it, exactly once; when the
 * body throws or the lease is lost, they are dropped. Values are copied in and out (`structuredClone`).
 * Read what was committed with `adapter.getData(key)`.
 *
 * @example
 * ```ts
 * const debit = defineTransaction('debit', async (cents: number) => {
 *   const trx = taskContext().trx as MemoryTransaction;
 *   trx.set('balance', (trx.get<number>('balance') ?? 0) - cents);
 * });
 * ```
 */
export class MemoryTransaction {
  /** Keys written by this transaction: a value, or null for a deletion. */
  readonly #writes = new Map<string, { value: unknown } | null>();
  #open = true;

  /** @internal Made by the MemoryAdapter for one transactional step. */
  constructor(private readonly data: Map<string, unknown>) {}

  /** The value of `key` as this transaction sees it (its own writes first), or undefined. */
  get<T = unknown>(key: string): T | undefined {
    this.check();
    const written = this.#writes.get(key);
    if (written !== undefined) return written === null ? undefined : (structuredClone(written.value) as T);
    return structuredClone(this.data.get(key)) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.check();
    this.#writes.set(key, { value: structuredClone(value) });
  }

  delete(key: string): void {
    this.check();
    this.#writes.set(key, null);
  }

  /** @internal Applies the writes to the store and closes the transaction. */
  commit(): void {
    this.check();
    for (const [key, written] of this.#writes) {
      if (written === null) this.data.delete(key);
      else this.data.set(key, written.value);
    }
    this.#open = false;
  }

  /** @internal Drops the writes and closes the transaction. */
  rollback(): void {
    this.#open = false;
  }

  private check(): void {
    if (!this.#open) throw new ValidationError('this MemoryTransaction has ended (committed or rolled back); use it only inside its transactional step');
  }
}

/**
 * Runs a transactional step's body on a {@link MemoryTransaction} and commits its writes together with the
 * step's checkpoint (fenced) in one synchronous operation. Transactional steps run one at a time, so each
 * body sees the data as the previous ones left it (serializable).
 */
export function runTransactionStep(
  store: MemoryStore,
  lease: Lease,
  step: TransactionStep,
  body: (trx: unknown) => Promise<string>,
  now: number,
  run: <T>(op: () => T) => T,
): Promise<string> {
  return store.exclusively(async () => {
    // A stale lease is refused even where the step is checkpointed already; the holder gets the checkpoint.
    const existing = run(() => {
      store.fence(lease, now);
      return store.step(lease.workflowId, step.seq);
    });
    if (existing) return existing.output!;
    const trx = new MemoryTransaction(store.data);
    let output: string;
    try {
      output = await body(trx);
    } catch (error) {
      trx.rollback();
      throw error;
    }
    return run(() => {
      try {
        store.fence(lease, now);
        const raced = store.step(lease.workflowId, step.seq);
        if (raced) {
          trx.rollback();
          return raced.output!;
        }
        trx.commit();
      } catch (error) {
        trx.rollback();
        throw error;
      }
      store.putStep({
        workflowId: lease.workflowId, seq: step.seq, name: step.name, kind: 'task', output, error: null,
        attempts: step.attempts, fingerprint: step.fingerprint, createdAt: now,
      });
      const data = { name: step.name, kind: 'task', attempts: step.attempts, transactional: true };
      store.event(lease.workflowId, 'step_completed', step.seq, JSON.stringify(data), now);
      return output;
    });
  });
}
