import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { createTestSchema, PG_URL, requirePostgres } from '../../../test/support/postgres.js';
import { describeBulkCommands } from './support/bulk-cli-suite.js';
import { describeEncryptedCommands } from './support/encryption-cli-suite.js';
import { describeCommands, type Backend } from './support/cli-suite.js';
import { runCli } from './support/run-cli.js';
import { seed, SEEDS } from './support/seed.js';

const available = await requirePostgres();

describe.skipIf(!available)('PostgreSQL', () => {
  const backend: Backend = {
    name: 'PostgreSQL',
    async create() {
      const schema = await createTestSchema('sf_cli');
      return {
        args: ['--database', PG_URL, '--schema', schema.schema],
        storage: () => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } }),
        drop: () => schema.drop(),
      };
    },
  };
  describeCommands(backend);
  describeBulkCommands(backend);
  describeEncryptedCommands(backend);

  describe('PostgreSQL connections', () => {
    it('takes the URL from DATABASE_URL and the schema from --schema', async () => {
      const schema = await createTestSchema('sf_cli');
      try {
        await seed(new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } }), [SEEDS.completed()]);
        const run = await runCli(['list', '--json', '--schema', schema.schema], { DATABASE_URL: PG_URL });
        expect(run.code, run.stderr).toBe(0);
        expect(run.json().map((w: { id: string }) => w.id)).toEqual(['wf-completed']);
        const postgresql = await runCli(['stats', '--json', '--schema', schema.schema, '--database', PG_URL.replace(/^postgres:/, 'postgresql:')]);
        expect(postgresql.code, postgresql.stderr).toBe(0);
        expect(postgresql.json().total).toBe(1);
      } finally {
        await schema.drop();
      }
    });

    it('refuses a schema that does not exist (2) instead of creating it; migrate creates it', async () => {
      const schema = await createTestSchema('sf_cli');
      // A name next to the test schema's, so it is just as unique; dropped with raw SQL below.
      const missing = `${schema.schema}_x`;
      try {
        const run = await runCli(['list', '--database', PG_URL, '--schema', missing]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`error: PostgreSQL schema ${missing} does not exist; check --schema, or create it with "steadfast migrate"`);
        expect((await runCli(['migrate', '--database', PG_URL, '--schema', missing])).code).toBe(0);
        expect((await runCli(['list', '--json', '--database', PG_URL, '--schema', missing])).json()).toEqual([]);
      } finally {
        await schema.drop();
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${missing} CASCADE`).finally(() => client.end());
      }
    });

    it('exits 1 when the server cannot be reached, without printing the password', async () => {
      const run = await runCli(['list', '--database', 'postgres://postgres:hunter2@127.0.0.1:1/nowhere']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).not.toContain('hunter2');
    });
  });
});
