/** The built `steadfast` binary, run as a child process. Needs `npm run build` first (`npm test` does it). */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { seed, SEEDS } from './support/seed.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repo, 'packages/cli/dist/bin.js');

type Run = { code: number | null; stdout: string; stderr: string };

function run(file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { cwd: repo, env, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const steadfast = (args: string[]): Promise<Run> => run(process.execPath, [bin, ...args]);

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

describe('the steadfast command in the repository', () => {
  it('links the bin to a committed file, so npm makes the link at install time, before anything is built', async () => {
    // In a fresh clone `npm install` links bins before `npm run build` makes dist/, and skips a link whose
    // target is missing; the private root package must not be called `steadfast` either, or npx picks it.
    const readJson = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(readJson('package.json').name).not.toBe('steadfast');
    const target = join(repo, 'packages/cli', readJson('packages/cli/package.json').bin.steadfast!);
    const tracked = await run('git', ['ls-files', '--error-unmatch', target], process.env);
    expect(tracked.code, `${target} must be committed: ${tracked.stderr}`).toBe(0);
    expect(realpathSync(join(repo, 'node_modules/.bin/steadfast'))).toBe(target);
  });

  it('runs as `npx steadfast` from the repository root, through the bin link npm made at install time', async () => {
    // The whole environment: npx needs its cache and configuration, as in a developer's shell.
    const help = await run('npx', ['--no-install', 'steadfast', '--help'], process.env);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: steadfast /);
    expect(help.stdout).toContain('Exit codes:');
  });

  it('says how to build it when dist/ is missing (a fresh clone before "npm run build")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadfast-cli-shim-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(repo, 'packages/cli/bin/steadfast.js'), join(dir, 'bin/steadfast.js'));
      const unbuilt = await run(process.execPath, [join(dir, 'bin/steadfast.js'), '--help']);
      expect(unbuilt.code).toBe(1);
      expect(unbuilt.stdout).toBe('');
      expect(unbuilt.stderr).toContain('the command is not built yet');
      expect(unbuilt.stderr).toContain('run "npm run build" first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
