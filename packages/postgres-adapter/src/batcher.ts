/**
 * Group commit for one kind of write: a call made while fewer than `maxInFlight` batches of its kind are in
 * flight goes out at once (no added latency for a lone caller); calls made meanwhile wait and go out
 * together as one statement when a batch returns. So at concurrency 1 every write is its own round trip, and
 * at concurrency 32 many writes share one. Each call still gets its own answer: `run` returns one result per
 * item, an Error for an item that failed on its own (a lost lease); a thrown error fails the whole batch
 * (the database went away), and every caller retries its own write.
 */
export class Batcher<I, O> {
  private queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<Array<O | Error>>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 1_000,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.run(batch.map((entry) => entry.item)).then(
        (results) => {
          batch.forEach((entry, i) => {
            const result = results[i];
            if (result instanceof Error) entry.reject(result);
            else entry.resolve(result as O);
          });
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      ).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }
}
