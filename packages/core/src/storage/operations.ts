import type { StorageAdapter } from './storage-adapter.js';

/**
 * The operations of the storage contract on stored data: everything but the lifecycle (`migrate`,
 * `close`) and the optional abilities (`subscribe`, `watchPublications`, `runTransactionStep`), which an adapter writes itself.
 */
export type StorageOperations = Omit<StorageAdapter, 'capabilities' | 'subscribe' | 'watchPublications' | 'migrate' | 'close' | 'runTransactionStep'>;

/**
 * An adapter's per-operation functions (its `sql/*` modules), each taking the adapter's database handle
 * first and the contract's arguments after it; synchronous ones (SQLite) may return the value itself. The
 * mapped type makes the compiler check every operation against the contract, and miss none.
 */
export type OperationsOn<D> = {
  [K in keyof StorageOperations]: (
    database: D,
    ...args: Parameters<StorageOperations[K]>
  ) => ReturnType<StorageOperations[K]> | Awaited<ReturnType<StorageOperations[K]>>;
};

/**
 * Binds an adapter's operations to its database handle, each call going through `run` (where the adapter
 * opens its connection, waits for a gate, batches, or maps errors; it is told which operation runs): the one
 * place an adapter meets the contract.
 *
 * @example
 * ```ts
 * export interface MyAdapter extends StorageOperations {}
 * export class MyAdapter implements StorageAdapter {
 *   constructor() {
 *     Object.assign(this, bindOperations(OPERATIONS, (op) => op(this.database)));
 *   }
 * }
 * ```
 */
export function bindOperations<D>(
  operations: OperationsOn<D>,
  run: <T>(op: (database: D) => T | Promise<T>, name: keyof StorageOperations) => Promise<T>,
): StorageOperations {
  const bound: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, operation] of Object.entries(operations) as Array<[keyof StorageOperations, (database: D, ...args: unknown[]) => unknown]>) {
    bound[name] = (...args) => run((database) => operation(database, ...args), name);
  }
  return bound as unknown as StorageOperations;
}
