import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { StorageUnavailableError } from '@steadfast/core/adapter';
import { Batcher } from './batcher.js';
import type { Connections } from './connections.js';

/**
 * The database clock in epoch ms: leases are computed and judged with it, never with a worker's clock.
 * statement_timestamp() is stable within a statement, so the planner can use it as an index bound
 * (clock_timestamp() is volatile and turned every claim into a full scan).
 */
export const DB_NOW = '(extract(epoch from statement_timestamp()) * 1000)::bigint';

/** The fence of every write made for a running workflow (bindings: id, owner, epoch). */
export const FENCE = "id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running'";

/** Bindings: positional for `?`, or named for `:name` (a `::type` cast is not a name). */
export type Bindings = readonly unknown[] | Readonly<Record<string, unknown>>;

/** A statement compiled once per SQL text: the text for pg (`$1`…) and for knex (`?`), and the order of its names. */
interface Compiled {
  /** Name of the prepared statement on every pg connection. */
  name: string;
  pgText: string;
  knexText: string;
  /** For named bindings: the name behind each `$n`; for positional ones, null. */
  names: string[] | null;
}

/**
 * Who owns which connection: `pool` runs every statement of the runtime, as a named prepared statement (parsed
 * and planned once per connection, not per call) without a query builder in between; `control` (one
 * connection) runs heartbeats, which a busy pool cannot starve; `knex` (its own pool, opened on first use)
 * serves transactional steps, whose bodies get a knex transaction, migrations, and the application's own
 * queries through `adapter.knex`. The LISTEN connection belongs to the listener.
 *
 * SQL is written with `{wf}`, `{steps}`, `{events}`, `{signals}`, `{schedules}`, `{queue_starts}`,
 * `{queue_keys}`, `{fair_queues}` and `{now_db}` placeholders, expanded and compiled once per text. Connection failures come back as
 * `StorageUnavailableError` so the runtime waits them out.
 */
export class PostgresDatabase {
  private readonly compiled = new Map<string, Compiled>();
  private readonly batchers = new Map<string, Batcher<any, any>>();
  readonly tables: { wf: string; steps: string; events: string; signals: string; schedules: string; queueStarts: string; queueKeys: string; fairQueues: string; migrations: string };

  constructor(
    /** The runtime's statements (see {@link Connections}). */
    readonly pool: Connections,
    readonly control: pg.Pool,
    readonly knex: Knex,
    readonly schema: string,
    readonly prefix: string,
    /** The LISTEN/NOTIFY channel (a text value in pg_notify, a quoted identifier in LISTEN). */
    readonly channel: string,
  ) {
    const q = (table: string) => `"${schema}"."${prefix}${table}"`;
    this.tables = { wf: q('workflows'), steps: q('steps'), events: q('events'), signals: q('signals'), schedules: q('schedules'), queueStarts: q('queue_starts'), queueKeys: q('queue_keys'), fairQueues: q('fair_queues'), migrations: q('migrations') };
  }

  /** The SQL text with table names and the database clock filled in. */
  expand(sql: string): string {
    return sql
      .replaceAll('{wf}', this.tables.wf)
      .replaceAll('{steps}', this.tables.steps)
      .replaceAll('{events}', this.tables.events)
      .replaceAll('{signals}', this.tables.signals)
      .replaceAll('{schedules}', this.tables.schedules)
      .replaceAll('{queue_starts}', this.tables.queueStarts)
      .replaceAll('{queue_keys}', this.tables.queueKeys)
      .replaceAll('{fair_queues}', this.tables.fairQueues)
      .replaceAll('{now_db}', DB_NOW);
  }

  private compile(sql: string, named: boolean): Compiled {
    let statement = this.compiled.get(sql);
    if (!statement) {
      const text = this.expand(sql);
      const names: string[] = [];
      let n = 0;
      const pgText = named
        ? text.replace(/(?<!:):([a-zA-Z_][a-zA-Z0-9_]*)/g, (_, name: string) => {
            const at = names.indexOf(name);
            if (at !== -1) return `$${at + 1}`;
            names.push(name);
            return `$${names.length}`;
          })
        : text.replace(/\?/g, () => `$${++n}`);
      const knexText = named ? text.replace(/(?<!:):([a-zA-Z_][a-zA-Z0-9_]*)/g, '?') : text;
      const hash = createHash('sha1').update(pgText).digest('hex').slice(0, 16);
      statement = { name: `sf_${hash}`, pgText, knexText, names: named ? names : null };
      this.compiled.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs one statement (one round trip) and returns its rows: on the pool as a prepared statement, on a
   * connection of a transaction (`via`), or in a knex transaction (a transactional step's).
   */
  async rows<T>(sql: string, bindings: Bindings = [], via?: pg.ClientBase | pg.Pool | Knex.Transaction): Promise<T[]> {
    const named = !Array.isArray(bindings);
    const statement = this.compile(sql, named);
    try {
      if (via !== undefined && isKnex(via)) {
        const values = named ? knexOrder(sql, bindings as Readonly<Record<string, unknown>>) : (bindings as unknown[]);
        const result = await via.raw(statement.knexText, values as Knex.RawBinding[]);
        return result.rows as T[];
      }
      const values = named ? statement.names!.map((name) => value(bindings as Readonly<Record<string, unknown>>, name)) : (bindings as unknown[]);
      const config = { name: statement.name, text: statement.pgText, values: values as unknown[] };
      const result = await (via === undefined ? this.pool.query(config) : (via as pg.ClientBase).query(config));
      return result.rows as T[];
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /** Runs `fn` in a transaction on one connection; connection failures become StorageUnavailableError. */
  async transaction<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    let client: pg.Client;
    try {
      client = await this.pool.acquire();
    } catch (error) {
      throw asUnavailable(error);
    }
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isUnavailable(error)) broken = error;
      else await client.query('ROLLBACK').catch((rollbackError) => (broken = rollbackError));
      throw asUnavailable(error);
    } finally {
      // A connection that failed mid-transaction is not handed out again.
      this.pool.release(client, broken);
    }
  }

  /** Runs `fn` in a knex transaction (for a transactional step's body); failures as in {@link transaction}. */
  async knexTransaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.knex.transaction(fn);
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /**
   * The batcher of one kind of write, made on first use: calls of the same kind made while earlier ones are
   * in flight go to the database as one statement (see {@link Batcher}).
   */
  batcher<I, O>(kind: string, run: (items: I[]) => Promise<Array<O | Error>>): Batcher<I, O> {
    let batcher = this.batchers.get(kind);
    if (!batcher) this.batchers.set(kind, (batcher = new Batcher(run)));
    return batcher;
  }
}

function isKnex(via: unknown): via is Knex.Transaction {
  return typeof (via as { raw?: unknown }).raw === 'function';
}

function value(bindings: Readonly<Record<string, unknown>>, name: string): unknown {
  if (!(name in bindings)) throw new Error(`no binding for :${name}`);
  return bindings[name];
}

/** Named bindings in the order of their occurrences, for knex's positional `?`. */
function knexOrder(sql: string, bindings: Readonly<Record<string, unknown>>): unknown[] {
  return [...sql.matchAll(/(?<!:):([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((match) => value(bindings, match[1]!));
}

/** The connection settings of every connection the adapter opens (`applicationName` shows in pg_stat_activity). */
export function clientConfig(connection: string | pg.ClientConfig, applicationName: string): pg.ClientConfig {
  const base = typeof connection === 'string' ? { connectionString: connection } : connection;
  return {
    ...base,
    // The runtime's statements are prepared once per connection and planned once: a custom plan per
    // execution (PostgreSQL's default for the first runs, and whenever it guesses it pays) costs more to plan
    // than the statement costs to run, and the plans do not depend on the values bound.
    options: [base.options, '-c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' '),
    application_name: applicationName,
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  };
}

/** A pg pool (the heartbeats' one connection) whose idle-client errors are not unhandled: the next query reports them. */
export function createPool(connection: string | pg.ClientConfig, options: { max: number; min: number; applicationName: string }): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(connection, options.applicationName), max: options.max, min: options.min, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  return pool;
}

// Connection-level failures: the server is down, restarting, refusing connections, or the pool timed out.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
  '53100', // disk_full
  '53200', // out_of_memory
  '58030', // io_error
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Timeout acquiring a connection|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery)|Client was closed|Connection ended unexpectedly/i;

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
