/** Arguments refused before any database is touched, help, and the documented exit codes. */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/index.js';
import { runCli } from './support/run-cli.js';

// Never created: every command here must fail on its arguments first.
const DB = ['--database', 'sqlite:/nonexistent/steadfast-cli-usage.db'];

describe('help and version', () => {
  it('--help lists the commands and the exit codes on stdout (0)', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of ['migrate', 'list [options]', 'show <id>', 'retry [options] [id]', 'cancel [options] [id]', 'signal <id> <name> <json>', 'purge [options]', 'stats']) {
      expect(run.stdout).toContain(`  ${command}`);
    }
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}runtime or storage failure.*\n {2}2 {2}usage error.*\n {2}3 {2}not found.*\n {2}4 {2}refused/);
  });

  it('a command help shows its options and the global ones (0)', async () => {
    const run = await runCli(['list', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--status <statuses>');
    expect(run.stdout).toContain('--database <url>');
    expect(run.stdout).toContain('--json');
  });

  it('--version prints the package version (0)', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('exports the exit codes', () => {
    expect(ExitCode).toEqual({ Success: 0, Failure: 1, Usage: 2, NotFound: 3, Refused: 4, Diverged: 5 });
  });
});

describe('usage errors exit 2 with a message on stderr naming the problem', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp | string]> = [
    ['no command', [], {}, 'Usage: steadfast'],
    ['an unknown command', ['frobnicate'], {}, "error: unknown command 'frobnicate'"],
    ['an unknown option', ['list', '--bogus', ...DB], {}, "error: unknown option '--bogus'"],
    ['a missing argument', ['show', ...DB], {}, "error: missing required argument 'id'"],
    ['an extra argument', ['show', 'a', 'b', ...DB], {}, 'error: too many arguments'],
    ['no database', ['list'], {}, 'error: no database given: pass --database <url> or set DATABASE_URL'],
    ['an empty DATABASE_URL', ['list'], { DATABASE_URL: '' }, 'error: no database given'],
    ['an unknown database scheme', ['list', '--database', 'mysql://root:s3cret@db/app'], {}, /error: unrecognised database URL "mysql:\/\/root:\*\*\*@db\/app"; expected postgres:\/\//],
    ['a path that is neither', ['list', '--database', 'steadfast.txt'], {}, 'error: unrecognised database URL "steadfast.txt"'],
    ['sqlite: without a file', ['list', '--database', 'sqlite:'], {}, 'names no file'],
    ['a bad PostgreSQL schema', ['list', '--database', 'postgres://u@127.0.0.1:1/db', '--schema', 'Bad-Name'], {}, 'invalid schema "Bad-Name"'],
    ['a bad log level', ['list', ...DB], { STEADFAST_LOG_LEVEL: 'loud' }, 'invalid STEADFAST_LOG_LEVEL "loud"'],
    ['--limit 0', ['list', '--limit', '0', ...DB], {}, "error: option '--limit <n>' argument '0' is invalid. Expected a whole number from 1 to 10000."],
    ['--limit abc', ['list', '--limit', 'abc', ...DB], {}, "argument 'abc' is invalid"],
    ['--limit 10001', ['list', '--limit', '10001', ...DB], {}, "argument '10001' is invalid"],
    ['an unknown status', ['list', '--status', 'failed,done', ...DB], {}, 'Unknown status "done"; expected pending, running, sleeping, completed, failed, cancelled'],
    ['purge without --older-than', ['purge', ...DB], {}, "error: required option '--older-than <duration>' not specified"],
    ['--older-than soon', ['purge', '--older-than', 'soon', ...DB], {}, 'invalid --older-than "soon": expected milliseconds'],
    ['--older-than in months', ['purge', '--older-than', '1 month', ...DB], {}, 'invalid --older-than "1 month"'],
    ['purge of an unfinished status', ['purge', '--older-than', '1d', '--status', 'sleeping', ...DB], {}, 'Unknown status "sleeping"; expected completed, failed, cancelled'],
    ['invalid JSON', ['signal', 'wf-1', 'approve', '{nope}', ...DB], {}, /error: invalid JSON payload for signal "approve": .*JSON/],
    ['an empty workflow id', ['retry', ' ', ...DB], {}, 'error: invalid workflow id: it is empty'],
  ];

  it.each(cases)('%s', async (_what, args, env, message) => {
    const run = await runCli(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    if (typeof message === 'string') expect(run.stderr).toContain(message);
    else expect(run.stderr).toMatch(message);
  });
});
