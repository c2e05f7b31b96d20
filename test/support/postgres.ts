/**
 * PostgreSQL test harness.
 *
 * - `requirePostgres()` / `createTestSchema()` use the SHARED server (PG_URL). Tests on it must
 *   isolate themselves in their own schema and must never stop, kill or restart it.
 * - `PrivateCluster` is a throw-away cluster (own data dir, own port) for tests that stop, kill
 *   or restart PostgreSQL.
 *
 * Environment:
 *   STEADFAST_PG_URL     shared server (default postgres://postgres@127.0.0.1:5432/test)
 *   STEADFAST_PG_BINDIR  directory holding initdb/pg_ctl/postgres (default: newest
 *                        /usr/lib/postgresql/<version>/bin, then `pg_config --bindir`, then PATH)
 *   CI=true              an unreachable server / unusable binaries fail loudly instead of skipping
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isCI, loud } from './requirements.js';
import { childrenOf, DIR_PREFIX, pgBinDir, postmasterPid, PrivateCluster, processAlive, runAs, type StopMode } from './private-cluster.mjs';

export { PrivateCluster, type StopMode };

export const PG_URL: string = process.env.STEADFAST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Redacts a password in a connection URL, for messages. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) has an empty message.
    const inner = err instanceof AggregateError ? err.errors.map(errorText).join('; ') : '';
    return [code, err.message, inner].filter(Boolean).join(': ') || String(err);
  }
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Shared server
// ---------------------------------------------------------------------------------------------

async function probe(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {}); // a dying connection must not become an uncaught exception
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

let reachable: Promise<boolean> | undefined;

/**
 * Whether the shared server at PG_URL answers `SELECT 1` (within ~3 s). When it does not:
 * under CI=true this throws; otherwise it warns on stderr (once per process) and returns false,
 * so a test file can do `describe.skipIf(!(await requirePostgres()))(...)`.
 */
export function requirePostgres(): Promise<boolean> {
  reachable ??= probe(PG_URL).then(
    () => true,
    (err: unknown) => {
      const reason = errorText(err);
      if (isCI()) {
        throw new Error(
          `PostgreSQL at ${displayUrl(PG_URL)} is unreachable (${reason}); CI requires it. ` +
            `Start it (e.g. pg_ctlcluster --skip-systemctl-redirect <version> main start) or set STEADFAST_PG_URL.`,
        );
      }
      process.stderr.write(
        loud([
          `PostgreSQL at ${displayUrl(PG_URL)} is UNREACHABLE (${reason}).`,
          'PostgreSQL tests are being SKIPPED. (Under CI=true this is an error.)',
          'Start the server or point STEADFAST_PG_URL at one to run them.',
        ]),
      );
      return false;
    },
  );
  return reachable;
}

export interface TestSchema {
  /** The schema name: lower-case, a valid unquoted identifier of at most 41 characters. */
  schema: string;
  /** The connection URL (PG_URL; pass `schema` to the adapter). */
  url: string;
  /** DROP SCHEMA ... CASCADE (idempotent). */
  drop(): Promise<void>;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates a uniquely named schema (`<prefix>_<pid>_<random>`) on the shared server. */
export async function createTestSchema(prefix = 'sf_test'): Promise<TestSchema> {
  const p = prefix.toLowerCase();
  if (!/^[a-z_][a-z0-9_]*$/.test(p)) throw new Error(`createTestSchema: prefix ${JSON.stringify(prefix)} is not a valid identifier prefix`);
  const schema = `${p}_${process.pid}_${randomBytes(5).toString('hex')}`;
  // The adapter accepts schema names of at most 41 characters.
  if (schema.length > 41) throw new Error(`createTestSchema: schema name ${schema} is longer than 41 characters; use a shorter prefix`);
  await (sweep ??= sweepLeftoverSchemas());
  await withClient(PG_URL, (c) => c.query(`CREATE SCHEMA ${quoteIdent(schema)}`), `create schema ${schema}`);
  let dropped = false;
  return {
    schema,
    url: PG_URL,
    async drop() {
      if (dropped) return;
      await withClient(PG_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`), `drop schema ${schema}`);
      dropped = true;
    },
  };
}

let sweep: Promise<void> | undefined;

/**
 * Drops test schemas left on the shared server by test processes that died before their clean-up (a
 * killed vitest worker): names `sf_…_<pid>_<10 hex>` whose pid no longer runs. Once per process.
 */
async function sweepLeftoverSchemas(): Promise<void> {
  await withClient(
    PG_URL,
    async (c) => {
      const { rows } = await c.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sf\\_%'");
      for (const { nspname } of rows) {
        const pid = /_(\d+)_[0-9a-f]{10}$/.exec(nspname)?.[1];
        if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) {
          await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(nspname)} CASCADE`).catch(() => {});
        }
      }
    },
    'sweep leftover test schemas',
  ).catch(() => {});
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>, what: string): Promise<T> {
  let client: pg.Client;
  // Test files running in parallel can use up max_connections for a moment: wait for a free one.
  for (let attempt = 1; ; attempt++) {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if ((err as { code?: string }).code === '53300' && attempt < 40) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      throw new Error(`PostgreSQL at ${displayUrl(url)} is unreachable, cannot ${what}: ${errorText(err)}`);
    }
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Private clusters (private-cluster.mjs, shared with bench/ and soak/)
// ---------------------------------------------------------------------------------------------

let privateOk: Promise<boolean> | undefined;

/**
 * Whether private clusters can be created here (initdb/pg_ctl/postgres found and, as root, a
 * `postgres` user + runuser). Like requirePostgres(): throws under CI=true, otherwise warns once
 * and returns false, for `describe.skipIf(!(await requirePrivateCluster()))`.
 */
export async function requirePrivateCluster(): Promise<boolean> {
  privateOk ??= (async () => {
    try {
      pgBinDir();
      runAs();
      return true;
    } catch (err) {
      if (isCI()) throw new Error(`Private PostgreSQL clusters are unavailable; CI requires them: ${errorText(err)}`);
      process.stderr.write(loud([`Private PostgreSQL clusters are UNAVAILABLE: ${errorText(err)}`, 'Tests that stop/kill/restart PostgreSQL are being SKIPPED. (Under CI=true this is an error.)']));
      return false;
    }
  })();
  return privateOk;
}

// Exported for the harness's own tests.
export const __internal = { processAlive, childrenOf, postmasterPid, DIR_PREFIX };
