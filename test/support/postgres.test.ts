import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, PrivateCluster, __internal, createTestSchema, requirePostgres, requirePrivateCluster } from './postgres.js';

async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

const sharedUp = await requirePostgres(); // throws under CI=true when unreachable

describe('shared server', () => {
  it('is reachable when CI=true (otherwise tests skip with a warning)', () => {
    if (process.env.CI === 'true') expect(sharedUp).toBe(true);
    expect(typeof PG_URL).toBe('string');
  });

  it.skipIf(!sharedUp)('creates a unique schema per call and drops it with CASCADE', async () => {
    const a = await createTestSchema();
    const b = await createTestSchema('SF_Harness');
    try {
      expect(a.schema).toMatch(new RegExp(`^sf_test_${process.pid}_[0-9a-f]+$`));
      expect(b.schema).toMatch(new RegExp(`^sf_harness_${process.pid}_[0-9a-f]+$`));
      expect(a.schema).not.toBe(b.schema);
      expect(a.url).toBe(PG_URL);
      await query(a.url, `CREATE TABLE ${a.schema}.t (x int)`);
      await query(a.url, `INSERT INTO ${a.schema}.t VALUES (1)`);
      const present = await query(PG_URL, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [a.schema]);
      expect(present).toHaveLength(1);
    } finally {
      await a.drop();
      await b.drop();
    }
    await a.drop(); // idempotent
    const gone = await query(PG_URL, 'SELECT 1 FROM pg_namespace WHERE nspname = ANY($1)', [[a.schema, b.schema]]);
    expect(gone).toHaveLength(0);
  });

  it('rejects an invalid prefix', async () => {
    await expect(createTestSchema('bad-prefix')).rejects.toThrow(/not a valid identifier/);
    await expect(createTestSchema('a_prefix_that_is_far_too_long')).rejects.toThrow(/longer than 41/);
  });
});

const privateOk = await requirePrivateCluster();

describe.skipIf(!privateOk)('PrivateCluster', () => {
  let cluster: PrivateCluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('starts, survives immediate stop and restart on the same port, kill, and is destroyed', async () => {
    cluster = await PrivateCluster.start();
    const { url, port, dataDir } = cluster;
    expect(url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(port).not.toBe(5432);
    expect(existsSync(dataDir)).toBe(true);
    expect(cluster.running).toBe(true);

    const settings = await query<{ name: string; setting: string }>(
      url,
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'max_connections', 'port', 'listen_addresses')`,
    );
    expect(Object.fromEntries(settings.map((s) => [s.name, s.setting]))).toEqual({
      fsync: 'on',
      synchronous_commit: 'on',
      max_connections: '200',
      port: String(port),
      listen_addresses: '127.0.0.1',
    });
    await query(url, 'CREATE TABLE t (x int)');
    await query(url, 'INSERT INTO t VALUES (1)');

    // Immediate stop: an open connection is cut and new connections are refused.
    const held = new pg.Client({ connectionString: url });
    const heldErrors: Error[] = [];
    held.on('error', (e) => heldErrors.push(e));
    await held.connect();
    await cluster.stop('immediate');
    expect(cluster.running).toBe(false);
    await expect(held.query('SELECT 1')).rejects.toThrow();
    await held.end().catch(() => {});
    await expect(query(url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    // Start again (crash recovery) on the same port: committed data is there.
    await cluster.start();
    expect(cluster.port).toBe(port);
    expect(await query(url, 'SELECT x FROM t')).toEqual([{ x: 1 }]);

    // Clean stop + start: data written before the stop persists.
    await query(url, 'INSERT INTO t VALUES (2)');
    await cluster.restart('fast');
    expect(await query(url, 'SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }]);

    // SIGKILL of the whole postmaster group: nothing survives, then recovery keeps committed rows.
    await query(url, 'INSERT INTO t VALUES (3)');
    const pid = __internal.postmasterPid(dataDir)!;
    const pids = [pid, ...__internal.childrenOf(pid)];
    expect(pids.length).toBeGreaterThan(3); // checkpointer, walwriter, ...
    await cluster.kill();
    expect(pids.filter(__internal.processAlive)).toEqual([]);
    await expect(query(url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await cluster.start();
    expect(await query(url, 'SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);

    // Destroy: server gone, directory gone.
    const lastPid = __internal.postmasterPid(dataDir)!;
    await cluster.destroy();
    expect(existsSync(cluster.baseDir)).toBe(false);
    expect(__internal.processAlive(lastPid)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await cluster.destroy(); // idempotent
    await expect(cluster.start()).rejects.toThrow(/destroyed/);
  });
});
