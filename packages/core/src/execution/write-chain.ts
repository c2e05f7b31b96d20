import { retryWhileUnavailable, type RetryOptions } from '../storage/storage-retry.js';

/**
 * An execution's storage writes, one after another: a body sees its steps complete in the order their
 * checkpoints were written, which is the order replay releases them in. Without a write pending (the common
 * case) a write goes out at once. While the storage is unavailable a write is retried (`retry`: until the
 * execution is given up); any other failure is handed to `failed`, whose error the write rejects with.
 */
export class WriteChain {
  private pending = 0;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly retry: RetryOptions,
    private readonly failed: (error: unknown) => unknown,
  ) {}

  write<T>(op: () => Promise<T>): Promise<T> {
    const start = () => retryWhileUnavailable(op, this.retry);
    const turn = this.pending === 0 ? start() : this.last.then(start, start);
    this.pending++;
    const settled = turn.then(
      (value) => {
        this.pending--;
        return value;
      },
      (error: unknown) => {
        this.pending--;
        throw this.failed(error);
      },
    );
    this.last = settled;
    return settled;
  }
}
