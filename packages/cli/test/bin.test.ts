/** The built `steadfast` binary, run as a child process. Needs `npm run build` first (`npm test` does it). */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { seed, SEEDS } from './support/seed.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repo, 'packages/cli/dist/bin.js');

function steadfast(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('the steadfast binary', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" first`);
    dir = mkdtempSync(join(tmpdir(), 'steadfast-cli-bin-'));
    file = join(dir, 'steadfast.db');
    await seed(new SqliteAdapter({ filename: file }), [SEEDS.completed(), SEEDS.failed()]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists workflows as JSON and exits 0', async () => {
    const run = await steadfast(['list', '--database', `sqlite:${file}`, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ id: string; status: string }>;
    expect(rows.map((r) => [r.id, r.status])).toEqual([['wf-failed', 'failed'], ['wf-completed', 'completed']]);
  });

  it('sets the documented exit codes on the process', async () => {
    expect((await steadfast(['show', 'missing', '--database', `sqlite:${file}`])).code).toBe(3);
    expect((await steadfast(['retry', 'wf-completed', '--database', `sqlite:${file}`])).code).toBe(4);
    const usage = await steadfast(['list', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--bogus'");
  });

  it('keeps stdout clean when the storage fails (1): library warnings go to stderr', async () => {
    const run = await steadfast(['list', '--json', '--database', 'postgres://postgres@127.0.0.1:1/nowhere']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*ECONNREFUSED/m);
  });
});
