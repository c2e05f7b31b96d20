import type { Knex } from 'knex';
import { StorageUnavailableError } from '@steadfast/core/adapter';

/**
 * The database clock in epoch ms: leases are computed and judged with it, never with a worker's clock.
 * statement_timestamp() is stable within a statement, so the planner can use it as an index bound
 * (clock_timestamp() is volatile and turned every claim into a full scan).
 */
export const DB_NOW = '(extract(epoch from statement_timestamp()) * 1000)::bigint';

/** The fence of every write made for a running workflow (bindings: id, owner, epoch). */
export const FENCE = "id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running'";

/**
 * Qualified table names and the query helper. SQL is written with `{wf}`, `{steps}`, `{events}`,
 * `{signals}` and `{now_db}` placeholders, expanded once per statement text and cached, so hot-path statements are built
 * once. Connection failures come back as `StorageUnavailableError` so the runtime waits them out.
 */
export class PostgresDatabase {
  private readonly expanded = new Map<string, string>();
  readonly tables: { wf: string; steps: string; events: string; signals: string; schedules: string; queueStarts: string; migrations: string };

  constructor(
    readonly knex: Knex,
    /** A separate one-connection pool for heartbeats, which a busy main pool cannot starve. */
    readonly control: Knex,
    readonly schema: string,
    readonly prefix: string,
    /** The LISTEN/NOTIFY channel (a text value in pg_notify, a quoted identifier in LISTEN). */
    readonly channel: string,
  ) {
    const q = (table: string) => `"${schema}"."${prefix}${table}"`;
    this.tables = { wf: q('workflows'), steps: q('steps'), events: q('events'), signals: q('signals'), schedules: q('schedules'), queueStarts: q('queue_starts'), migrations: q('migrations') };
  }

  private expand(sql: string): string {
    let text = this.expanded.get(sql);
    if (text === undefined) {
      text = sql
        .replaceAll('{wf}', this.tables.wf)
        .replaceAll('{steps}', this.tables.steps)
        .replaceAll('{events}', this.tables.events)
        .replaceAll('{signals}', this.tables.signals)
        .replaceAll('{schedules}', this.tables.schedules)
        .replaceAll('{queue_starts}', this.tables.queueStarts)
        .replaceAll('{now_db}', DB_NOW);
      this.expanded.set(sql, text);
    }
    return text;
  }

  /**
   * Runs one statement (one round trip) and returns its rows. Bindings are positional (`?`), or named: an
   * object whose keys the SQL names as `:key` (a `::type` cast is not a name).
   */
  async rows<T>(sql: string, bindings: readonly unknown[] | Readonly<Record<string, unknown>> = [], via: Knex | Knex.Transaction = this.knex): Promise<T[]> {
    try {
      const [text, values] = Array.isArray(bindings) ? [this.expand(sql), bindings] : this.named(sql, bindings as Readonly<Record<string, unknown>>);
      const result = await via.raw(text, values as Knex.RawBinding[]);
      return result.rows as T[];
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  private readonly compiled = new Map<string, { text: string; names: string[] }>();

  /** A statement with named bindings as positional text and values, compiled once per SQL text. */
  private named(sql: string, bindings: Readonly<Record<string, unknown>>): [string, unknown[]] {
    let statement = this.compiled.get(sql);
    if (!statement) {
      const names: string[] = [];
      const text = this.expand(sql).replace(/(?<!:):([a-zA-Z_][a-zA-Z0-9_]*)/g, (_, name: string) => (names.push(name), '?'));
      statement = { text, names };
      this.compiled.set(sql, statement);
    }
    return [statement.text, statement.names.map((name) => {
      if (!(name in bindings)) throw new Error(`no binding for :${name}`);
      return bindings[name];
    })];
  }

  /** Runs `fn` in a transaction; connection failures become StorageUnavailableError. */
  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.knex.transaction(fn);
    } catch (error) {
      throw asUnavailable(error);
    }
  }
}

// Connection-level failures: the server is down, restarting, refusing connections, or the pool timed out.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|Timeout acquiring a connection|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery)|Client was closed|Connection ended unexpectedly/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (e?.name === 'KnexTimeoutError') return true;
  return typeof e?.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

export function asUnavailable(error: unknown): unknown {
  if (error instanceof StorageUnavailableError || !isUnavailable(error)) return error;
  return new StorageUnavailableError(`PostgreSQL is unavailable: ${(error as Error).message}`, { cause: error });
}
