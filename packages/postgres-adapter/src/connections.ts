import pg from 'pg';

/**
 * The connections the runtime's statements run on: up to `max` pg clients, opened on demand and kept open.
 * A statement takes an idle connection if there is one (no promise, timer or event listener of a pool in
 * between: pg-pool costs more CPU per statement than the statement's own client work), else waits for one.
 * A connection that fails is closed and forgotten; the next statement opens a new one.
 */
export class Connections {
  private readonly idle: pg.Client[] = [];
  private readonly waiting: Array<{ resolve(client: pg.Client): void; reject(error: unknown): void }> = [];
  private open = 0;
  private ended = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly max: number,
  ) {}

  /** Runs one statement on a connection of the set. */
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    const client = this.idle.pop();
    if (client) return this.run(client, config);
    return this.acquire().then((acquired) => this.run(acquired, config));
  }

  private run<R extends pg.QueryResultRow>(client: pg.Client, config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    return client.query<R>(config).then(
      (result) => {
        this.release(client);
        return result;
      },
      (error: unknown) => {
        this.release(client, isConnectionError(error) ? error : undefined);
        throw error;
      },
    );
  }

  /** A connection for the caller alone (a transaction); hand it back with `release`. */
  acquire(): Promise<pg.Client> {
    if (this.ended) return Promise.reject(new Error('Connections ended: the adapter is closed'));
    const client = this.idle.pop();
    if (client) return Promise.resolve(client);
    if (this.open < this.max) return this.connect();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Hands a connection back; with `broken` (it failed mid-use) it is closed instead. */
  release(client: pg.Client, broken?: unknown): void {
    if (broken !== undefined || this.ended) {
      this.discard(client);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(client);
    else this.idle.push(client);
  }

  async end(): Promise<void> {
    this.ended = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('Connections ended: the adapter is closed'));
    await Promise.all(this.idle.splice(0).map((client) => client.end().catch(() => {})));
  }

  private async connect(): Promise<pg.Client> {
    this.open++;
    const client = new pg.Client(this.config);
    // An idle connection that dies (a server restart) is dropped; a busy one reports the error to its query.
    client.on('error', () => {
      const at = this.idle.indexOf(client);
      if (at !== -1) this.idle.splice(at, 1);
      this.discard(client);
    });
    try {
      await client.connect();
    } catch (error) {
      this.open--;
      client.end().catch(() => {});
      // Whoever waits for a connection now would wait for one that never comes: let it try its own.
      const waiter = this.waiting.shift();
      if (waiter) this.connect().then(waiter.resolve, waiter.reject);
      throw error;
    }
    return client;
  }

  private discarded = new WeakSet<pg.Client>();

  private discard(client: pg.Client): void {
    if (this.discarded.has(client)) return;
    this.discarded.add(client);
    this.open--;
    client.end().catch(() => {});
    // A statement waiting for a connection gets a new one.
    const waiter = this.waiting.shift();
    if (waiter) this.connect().then(waiter.resolve, waiter.reject);
  }
}

/** An error after which the connection cannot be trusted (not a statement's own error, such as a constraint). */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^(08|57P0)/.test(e.code)) return true;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true; // ECONNRESET, EPIPE, ...
  return typeof e?.message === 'string' && /Connection terminated|connection error|Client was closed|not queryable/i.test(e.message);
}
