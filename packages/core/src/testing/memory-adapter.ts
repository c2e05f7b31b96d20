import { ValidationError } from '../foundation/errors.js';
import { bindOperations, type StorageOperations } from '../storage/operations.js';
import type { Lease, StorageAdapter, StorageCapabilities, TransactionStep } from '../storage/storage-adapter.js';
import { MemoryStore } from './memory/memory-store.js';
import { OPERATIONS } from './memory/operations.js';
import { runTransactionStep } from './memory/transaction-step.js';

/** Options of `new MemoryAdapter(...)`. */
export interface MemoryAdapterOptions {
  /**
   * Open this adapter on the store of another `MemoryAdapter`, as a second process opens the same database:
   * both see every write, and each can be closed on its own. Default: a new, empty store.
   */
  shareWith?: MemoryAdapter;
}

const stores = new WeakMap<MemoryAdapter, MemoryStore>();

/** The store behind an adapter: for the testing kit, which watches it to know when the runtime is idle. */
export function storeOf(adapter: MemoryAdapter): MemoryStore {
  return stores.get(adapter)!;
}

/**
 * Storage in memory, for tests: implements the whole `StorageAdapter` contract and passes the conformance
 * suite, so a test runs the same runtime code as production, without a database file.
 *
 * - Each operation is atomic (it runs synchronously); payloads are kept as the strings given; every record
 *   handed out is a copy, so callers cannot change stored state.
 * - Leases are judged by the `now` argument, like the SQLite adapter (one process, one clock).
 * - `capabilities.notify`: idle workers on the same store are told of due work in a microtask.
 * - `capabilities.transactions`: a transactional step gets a {@link MemoryTransaction} on the store's own
 *   key-value area (not a SQL database: code that uses knex through `trx` needs
 *   `new SqliteAdapter({ filename: ':memory:' })` instead). Its writes commit together with the step's
 *   checkpoint, exactly once; read them with {@link MemoryAdapter.getData}.
 *
 * @example
 * ```ts
 * const storage = new MemoryAdapter();
 * const runtime = new Runtime({ storage, clock: new VirtualClock() });
 * const worker2 = new Runtime({ storage: new MemoryAdapter({ shareWith: storage }) });
 * ```
 */
export interface MemoryAdapter extends StorageOperations {}
export class MemoryAdapter implements StorageAdapter {
  readonly capabilities: StorageCapabilities = { notify: true, transactions: true };
  private readonly store: MemoryStore;
  private readonly unsubscribes = new Set<() => void>();
  private closed = false;

  constructor(options: MemoryAdapterOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('new MemoryAdapter(options): options must be an object');
    for (const key of Object.keys(options)) {
      if (key !== 'shareWith') throw new ValidationError(`unknown MemoryAdapter option ${JSON.stringify(key)}; known options: shareWith`);
    }
    if (options.shareWith !== undefined && !(options.shareWith instanceof MemoryAdapter)) {
      throw new ValidationError('new MemoryAdapter({ shareWith }): shareWith must be a MemoryAdapter');
    }
    this.store = options.shareWith ? storeOf(options.shareWith) : new MemoryStore();
    stores.set(this, this.store);
    Object.assign(this, bindOperations(OPERATIONS, <T>(operation: (store: MemoryStore) => T | Promise<T>) => this.run(() => operation(this.store)) as Promise<T>));
  }

  /** A value the application's transactional steps committed (a copy), or undefined. */
  getData<T = unknown>(key: string): T | undefined {
    return structuredClone(this.store.data.get(key)) as T | undefined;
  }

  /** Runs one synchronous operation on the store, atomically, as a settled promise. */
  private run<T>(op: () => T): Promise<T> {
    try {
      return Promise.resolve(this.sync(op));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private sync<T>(op: () => T): T {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    if (!this.store.migrated) throw new ValidationError('the MemoryAdapter is not migrated yet: call migrate() (runtime.start() does) before using it');
    return this.store.apply(op);
  }

  async subscribe(onDue: (dueAt: number) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    const unsubscribe = this.store.subscribe(onDue);
    this.unsubscribes.add(unsubscribe);
    return async () => {
      unsubscribe();
      this.unsubscribes.delete(unsubscribe);
    };
  }

  /** Told of what the workflow publishes through any adapter sharing the store. */
  async watchPublications(workflowId: string, onChange: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    const unwatch = this.store.watchPublications(workflowId, onChange);
    this.unsubscribes.add(unwatch);
    return async () => {
      unwatch();
      this.unsubscribes.delete(unwatch);
    };
  }

  async migrate(): Promise<void> {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    this.store.apply(() => (this.store.migrated = true));
  }

  /** Closes this view; the store lives on for other adapters sharing it. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes.clear();
  }

  async runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    return runTransactionStep(this.store, lease, step, body, now, (op) => this.sync(op));
  }
}
