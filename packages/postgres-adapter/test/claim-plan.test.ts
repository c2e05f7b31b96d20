import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdapter } from '../src/index.js';
import { createTestSchema, requirePostgres, type TestSchema } from '../../../test/support/postgres.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/**
 * The adapter plans its statements once (plan_cache_mode=force_generic_plan). A generic plan of the claim
 * cannot know LIMIT's value; joining the claimed rows back to the table, it hashed a sequential scan of the
 * whole workflows table on every claim (with JIT compilation for its cost): ~1 s per claim with 300,000 rows
 * (bench/tools/explain-claim-generic.mjs). The claim's generic plan must read workflows by index only.
 */
describe.skipIf(!(await requirePostgres()))('PostgreSQL claim: generic plan', () => {
  let schema: TestSchema;
  let adapter: PostgresAdapter;
  let admin: pg.Client;

  beforeAll(async () => {
    schema = await createTestSchema('sf_claimplan');
    adapter = new PostgresAdapter({ connection: schema.url, schema: schema.schema });
    await adapter.migrate();
    admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    const wf = `"${schema.schema}".steadfast_workflows`;
    const now = Date.now();
    const insert = (prefix: string, count: number, nextAt: number) =>
      admin.query(
        `INSERT INTO ${wf} (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
         SELECT $1 || g, 'job.noop', 'job', 'default', 0, 'pending', '[]', $2::bigint + g, $3::bigint, $3::bigint FROM generate_series(1, $4::int) g`,
        [prefix, nextAt, now, count],
      );
    await insert('future-', 50_000, now + 365 * 86_400_000);
    await insert('due-', 20, now - 60_000);
    await admin.query(`ANALYZE ${wf}`);
  });

  afterAll(async () => {
    await admin?.end();
    await adapter?.close();
    await schema?.drop();
  });

  it('reads the workflows table by index, never by a sequential scan', async () => {
    const captured: pg.QueryConfig[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function capture(this: pg.Client, config: unknown, ...rest: unknown[]) {
      const c = config as pg.QueryConfig;
      if (typeof c === 'object' && c !== null && /WITH RECURSIVE prio/.test(c.text ?? '')) captured.push(c);
      return (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
    } as typeof query;
    let claimed;
    try {
      claimed = await adapter.claim({ owner: 'plan-test', queues: ['default'], names: ['job.noop'], limit: 10, leaseMs: 15_000, now: Date.now() });
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(claimed).toHaveLength(10);
    expect(captured).toHaveLength(1);
    const { text, values = [] } = captured[0]!;
    await admin.query('BEGIN');
    try {
      await admin.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await admin.query(`PREPARE claim_plan_test AS ${text}`);
      const literal = (v: unknown) => (v === null ? 'NULL' : `'${(Array.isArray(v) ? `{${v.join(',')}}` : String(v)).replaceAll("'", "''")}'`);
      const { rows } = await admin.query(`EXPLAIN (FORMAT JSON) EXECUTE claim_plan_test(${values.map(literal).join(', ')})`);
      const plan = (rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan;
      const scans = nodes(plan).filter((node) => node['Relation Name'] === 'steadfast_workflows').map((node) => node['Node Type']);
      expect(scans.length).toBeGreaterThan(0);
      expect(scans).not.toContain('Seq Scan');
    } finally {
      await admin.query('ROLLBACK');
    }
  });
});
