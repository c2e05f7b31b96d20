// Retrying an operation through database outages (a restart, a cut connection, a full disk), for the
// soak's own writes: the ledger, the driver's starts and signals, the checks' reads.

export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op` until it succeeds, with capped exponential backoff and jitter, for at most `forMs`; then
 * rethrows its last error. `onRetry(error)` is told about each failure (for counting).
 */
export async function retrying(op, { forMs = 120_000, firstMs = 50, maxMs = 1_000, onRetry } = {}) {
  const deadline = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      onRetry?.(error);
      const cap = Math.min(maxMs, firstMs * 2 ** attempt);
      await pause(cap / 2 + (Math.random() * cap) / 2);
    }
  }
}
