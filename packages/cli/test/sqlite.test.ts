import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { describeBulkCommands } from './support/bulk-cli-suite.js';
import { describeEncryptedCommands } from './support/encryption-cli-suite.js';
import { describeCommands, type TestDatabase } from './support/cli-suite.js';
import { runCli } from './support/run-cli.js';
import { seed, SEEDS } from './support/seed.js';

/** A path in a fresh directory; the file itself does not exist yet. */
function newDatabase(): TestDatabase & { file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-cli-'));
  const file = join(dir, 'steadfast.db');
  return {
    file,
    args: ['--database', `sqlite:${file}`],
    storage: () => new SqliteAdapter({ filename: file, synchronous: 'NORMAL' }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describeCommands({ name: 'SQLite', create: async () => newDatabase() });
describeBulkCommands({ name: 'SQLite', create: async () => newDatabase() });
describeEncryptedCommands({ name: 'SQLite', create: async () => newDatabase() });

describe('SQLite connections', () => {
  let db: ReturnType<typeof newDatabase>;
  beforeEach(() => {
    db = newDatabase();
  });
  afterEach(() => db.drop());

  it('accepts sqlite:path, sqlite://path, a bare .db path, and DATABASE_URL', async () => {
    await seed(db.storage(), [SEEDS.completed()]);
    for (const database of [`sqlite:${db.file}`, `sqlite://${db.file}`, db.file]) {
      const run = await runCli(['list', '--json', '--database', database]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json().map((w: { id: string }) => w.id)).toEqual(['wf-completed']);
    }
    const fromEnv = await runCli(['list', '--json'], { DATABASE_URL: `sqlite:${db.file}` });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.json()).toHaveLength(1);
    // --database wins over DATABASE_URL.
    const both = await runCli(['list', '--json', '--database', `sqlite:${db.file}`], { DATABASE_URL: 'mysql://elsewhere/db' });
    expect(both.code).toBe(0);
  });

  it('refuses a SQLite file that does not exist (2) instead of creating it; migrate creates it', async () => {
    const run = await runCli(['list', ...db.args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: SQLite database ${db.file} does not exist; check the path, or create it with "steadfast migrate"`);
    expect((await runCli(['migrate', ...db.args])).code).toBe(0);
    expect((await runCli(['list', ...db.args])).code).toBe(0);
  });

  it('refuses --schema for SQLite (2)', async () => {
    const run = await runCli(['list', '--schema', 'app', ...db.args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--schema applies to PostgreSQL only');
  });

  it('exits 1 when the storage fails (a file that is not a database)', async () => {
    writeFileSync(db.file, 'this is not a SQLite database, just text that is long enough to have a header '.repeat(20));
    const run = await runCli(['list', ...db.args]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*not a database/);
  });
});
