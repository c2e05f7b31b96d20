import pg from 'pg';

/** The payload of the notification sent when a cron schedule is stored or removed. */
export const SCHEDULES_CHANGED = 'schedules';

/** The part of a pino logger the listener uses. */
export interface ListenerLogger {
  warn(details: object, message: string): void;
}

export interface DueListenerOptions {
  connection: string | pg.ClientConfig;
  channel: string;
  onDue: (dueAt: number) => void;
  /** Told when a notification says that cron schedules changed. */
  onSchedulesChanged?: () => void;
  /**
   * Every notification's payload, for a listener on another channel than the due-work one: then `onDue` and
   * `onSchedulesChanged` are told nothing but the `onDue(now)` after a reconnect.
   */
  onMessage?: (payload: string) => void;
  /** How often the connection is checked with a query; a silent or dead one is replaced. */
  checkIntervalMs: number;
  logger?: ListenerLogger;
}

/**
 * A dedicated connection that LISTENs for due-work notifications. A connection that errors, ends or stops
 * answering its periodic check is replaced (with capped backoff while the server is away); after every
 * reconnect `onDue(now)` is called, since notifications sent while it was away are lost.
 */
export class DueListener {
  private client: pg.Client | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: DueListenerOptions) {}

  /** Resolves once listening (or, if the server is unreachable now, once the first attempt failed: it keeps trying). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(announce: boolean): Promise<void> {
    if (this.stopped) return;
    // Named so operators can find it in pg_stat_activity; a connect timeout so a partition that drops
    // packets does not hang a reconnect for the kernel's two minutes.
    const extra = { keepAlive: true, application_name: 'steadfast-listener', connectionTimeoutMillis: this.options.checkIntervalMs };
    const client = new pg.Client(
      typeof this.options.connection === 'string' ? { connectionString: this.options.connection, ...extra } : { ...this.options.connection, ...extra },
    );
    client.on('error', (error) => this.replace(client, error));
    client.on('end', () => this.replace(client, new Error('listener connection ended')));
    client.on('notification', (message) => {
      if (this.options.onMessage) return this.options.onMessage(message.payload ?? '');
      if (message.payload === SCHEDULES_CHANGED) return this.options.onSchedulesChanged?.();
      const dueAt = Number(message.payload);
      this.options.onDue(Number.isFinite(dueAt) ? dueAt : Date.now());
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      this.replace(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.checkTimer = setInterval(() => void this.check(client), this.options.checkIntervalMs);
    this.checkTimer.unref();
    if (announce) this.options.onDue(Date.now());
  }

  /** A query that does not come back within the interval means the connection is gone silently. */
  private async check(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('listener connection stopped answering')), this.options.checkIntervalMs))),
      ]);
    } catch (error) {
      this.replace(client, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private replace(client: pg.Client, error: unknown): void {
    if (this.stopped || (this.client !== undefined && this.client !== client)) return;
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.checkTimer);
    }
    client.removeAllListeners('end');
    client.on('error', () => {}); // a dying client may still emit
    void client.end().catch(() => {});
    if (this.retryTimer) return;
    this.failures++;
    const cap = Math.min(5_000, 100 * 2 ** Math.min(this.failures - 1, 10));
    const wait = Math.round(cap / 2 + (Math.random() * cap) / 2);
    this.options.logger?.warn({ err: error, retryInMs: wait }, 'LISTEN connection lost; reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(true);
    }, wait);
    this.retryTimer.unref();
  }
}
