/**
 * The command tests, run against every storage backend (SQLite and PostgreSQL): each command, its `--json`
 * shape, and its exit codes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Runtime, type StorageAdapter } from '@steadfast/core';
import { ISO_DATE, runCli } from './run-cli.js';
import { awaitGo, pastClock, seed, SEEDS, STANDARD } from './seed.js';

/** One empty database (a SQLite file, a PostgreSQL schema). */
export interface TestDatabase {
  /** Global options naming it, e.g. `['--database', 'sqlite:/tmp/x.db']`. */
  args: string[];
  /** A new adapter on it, for seeding and checking. */
  storage(): StorageAdapter;
  drop(): Promise<void>;
}

export interface Backend {
  name: string;
  create(): Promise<TestDatabase>;
}

const DAY = 86_400_000;

export function describeCommands(backend: Backend): void {
  /** A fresh database for each test of the enclosing describe. */
  function freshDatabase(): () => TestDatabase {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.drop();
    });
    return () => db;
  }

  describe(`read-only commands on ${backend.name}`, () => {
    let db: TestDatabase;
    const cli = (...args: string[]) => runCli([...args, ...db.args]);
    beforeAll(async () => {
      db = await backend.create();
      await seed(db.storage(), STANDARD);
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('list --json returns every workflow, newest first, with ISO dates', async () => {
      const run = await cli('list', '--json');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const rows = run.json<Array<Record<string, unknown>>>();
      expect(rows.map((r) => r.id)).toEqual(['wf-rich', 'wf-email', 'wf-waiting', 'wf-sleeping', 'wf-failed', 'wf-completed']);
      const failed = rows.find((r) => r.id === 'wf-failed')!;
      expect(failed).toMatchObject({ name: 'checkout', kind: 'workflow', status: 'failed', queue: 'default', attempts: 1, finishedAt: expect.stringMatching(ISO_DATE) });
      expect(failed.error).toEqual({ name: 'NonRetryableError', message: 'card declined', code: 'NON_RETRYABLE' });
      const sleeping = rows.find((r) => r.id === 'wf-sleeping')!;
      expect(sleeping).toMatchObject({ status: 'sleeping', finishedAt: null, nextAt: expect.stringMatching(ISO_DATE), error: null });
      expect(Date.parse(sleeping.nextAt as string)).toBeGreaterThan(Date.now() + 50 * 60_000);
      expect(Object.keys(failed)).toEqual([
        'id', 'name', 'kind', 'version', 'queue', 'priority', 'status', 'attempts', 'recoveryAttempts', 'parentId', 'error',
        'createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'nextAt',
      ]);
    });

    it('list filters by status, name and queue, and limits', async () => {
      const ids = async (...args: string[]) => {
        const run = await cli('list', '--json', ...args);
        expect(run.code).toBe(0);
        return run.json<Array<{ id: string }>>().map((r) => r.id);
      };
      expect(await ids('--status', 'failed')).toEqual(['wf-failed']);
      expect(await ids('--status', 'sleeping,failed')).toEqual(['wf-waiting', 'wf-sleeping', 'wf-failed']);
      expect(await ids('--name', 'greet')).toEqual(['wf-email', 'wf-completed']);
      expect(await ids('--queue', 'emails')).toEqual(['wf-email']);
      expect(await ids('--limit', '2')).toEqual(['wf-rich', 'wf-email']);
      expect(await ids('--status', 'cancelled')).toEqual([]);
    });

    it('list prints a table', async () => {
      const run = await cli('list', '--status', 'failed,sleeping');
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+QUEUE\s+ATTEMPTS\s+CREATED\s+FINISHED\/DUE$/);
      expect(lines).toHaveLength(4);
      expect(lines[1]).toMatch(/^wf-waiting\s+await-go\s+sleeping\s+default\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-$/);
      expect(lines[3]).toMatch(/^wf-failed\s+checkout\s+failed\s+default\s+1\s/);
      // Columns line up: every row starts its STATUS cell where the header does.
      const statusAt = lines[0]!.indexOf('STATUS');
      for (const line of lines.slice(1)) expect(line.slice(statusAt)).toMatch(/^(sleeping|failed) /);
      expect((await cli('list', '--status', 'cancelled')).stdout).toBe('no workflows match\n');
    });

    it('show --json reports the record, the checkpointed steps and the history', async () => {
      const run = await cli('show', 'wf-failed', '--json');
      expect(run.code).toBe(0);
      const shown = run.json();
      expect(Object.keys(shown)).toEqual(['workflow', 'steps', 'history']);
      expect(shown.workflow).toMatchObject({
        id: 'wf-failed', name: 'checkout', status: 'failed', args: ['o-1'], output: null,
        error: { name: 'NonRetryableError', message: 'card declined', code: 'NON_RETRYABLE' },
        createdAt: expect.stringMatching(ISO_DATE),
      });
      expect(shown.steps).toEqual([
        { seq: 0, name: 'reserve', kind: 'task', status: 'completed', attempts: 1, at: expect.stringMatching(ISO_DATE), wakeAt: null },
        { seq: 1, name: 'charge.card', kind: 'task', status: 'failed', attempts: 1, at: expect.stringMatching(ISO_DATE), wakeAt: null },
      ]);
      const types = shown.history.map((e: { type: string }) => e.type);
      expect(types).toEqual(['created', 'claimed', 'step_completed', 'step_failed', 'failed']);
      const created = shown.history[0];
      expect(created).toMatchObject({ type: 'created', step: null, at: expect.stringMatching(ISO_DATE), data: { name: 'checkout', startAt: expect.stringMatching(ISO_DATE) } });
      expect(shown.history[4]).toMatchObject({ step: 1, data: { error: { name: 'NonRetryableError', message: 'card declined' } } });
    });

    it('show --json reports a sleep whose wake time is ahead as sleeping (set, not fired), with its wake time', async () => {
      const run = await cli('show', 'wf-sleeping', '--json');
      expect(run.code).toBe(0);
      const [timer] = run.json().steps;
      expect(timer).toEqual({ seq: 0, name: 'sleep', kind: 'sleep', status: 'sleeping', attempts: 1, at: expect.stringMatching(ISO_DATE), wakeAt: expect.stringMatching(ISO_DATE) });
      // The wake time is set when the sleep runs, its checkpoint a moment later (a busy machine makes it longer).
      const ahead = Date.parse(timer.wakeAt) - Date.parse(timer.at);
      expect(ahead).toBeGreaterThan(3_600_000 - 1_000);
      expect(ahead).toBeLessThanOrEqual(3_600_000);
    });

    it('show --json turns rich results into JSON', async () => {
      const run = await cli('show', 'wf-rich', '--json');
      expect(run.code).toBe(0);
      expect(run.json().workflow.output).toEqual({
        when: '2025-01-02T03:04:05.000Z', big: '12345678901234567890', tags: ['a', 'b'], map: [['k', 1]], nothing: null,
      });
    });

    it('show prints the record, steps and history as text', async () => {
      const run = await cli('show', 'wf-sleeping');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Workflow\s+wf-sleeping$/m);
      expect(run.stdout).toMatch(/^Status\s+sleeping$/m);
      // The sleep's checkpoint is its wake time, written when the timer is set: it is not done until then.
      expect(run.stdout).toMatch(/^Steps\n\nSEQ\s+NAME\s+KIND\s+STATUS\s+ATTEMPTS\s+AT\n0\s+sleep\s+sleep\s+timer set, wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+1\s/m);
      expect(run.stdout).not.toMatch(/^0\s+sleep\s+sleep\s+completed/m);
      expect(run.stdout).toMatch(/^History\n\nAT\s+EVENT\s+STEP\s+DETAILS$/m);
      expect(run.stdout).toMatch(/\ssleeping\s+-\s+wakeAt=\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      const failed = await cli('show', 'wf-failed');
      expect(failed.stdout).toMatch(/^Error\s+NonRetryableError: card declined$/m);
      expect(failed.stdout).toMatch(/\sfailed\s+1\s+error=NonRetryableError: card declined$/m);
    });

    it('show of an unknown id exits 3', async () => {
      const run = await cli('show', 'no-such-workflow');
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('error: no workflow with id "no-such-workflow" [WORKFLOW_NOT_FOUND]\n');
    });

    it('stats counts by status and queue', async () => {
      const run = await cli('stats', '--json');
      expect(run.code).toBe(0);
      const stats = run.json();
      expect(stats.total).toBe(6);
      expect(stats.byStatus).toEqual({ pending: 0, running: 0, sleeping: 2, completed: 3, failed: 1, cancelled: 0 });
      expect(stats.counts).toEqual(
        expect.arrayContaining([{ queue: 'emails', status: 'completed', count: 1 }, { queue: 'default', status: 'completed', count: 2 }]),
      );
      expect(stats.due).toEqual([]);
      // Seeded without a worker: the two sleeping workflows wait in a queue no live worker serves.
      expect(stats.unserved).toEqual([{ queue: 'default', count: 2 }]);
      const text = await cli('stats');
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^total\s+6$/m);
      expect(text.stdout).toMatch(/^UNSERVED QUEUES: 2 unfinished workflow\(s\) in queues no live worker serves\nQUEUE\s+UNFINISHED\ndefault\s+2\nlive workers: none\. Start a runtime that claims from them: new Runtime\(\{ queues: \[\.\.\.\] \}\) \(the runtime option queues\)$/m);
      expect(text.stdout).toMatch(/^QUEUE\s+PENDING\s+RUNNING\s+SLEEPING\s+COMPLETED\s+FAILED\s+CANCELLED\s+DUE$/m);
      expect(text.stdout).toMatch(/^emails\s+0\s+0\s+0\s+1\s+0\s+0\s+0$/m);
    });
  });

  describe(`migrate on ${backend.name}`, () => {
    const db = freshDatabase();

    it('creates the tables; an empty database then lists nothing', async () => {
      const run = await runCli(['migrate', '--json', ...db().args]);
      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({ migrated: true });
      expect((await runCli(['migrate', ...db().args])).stdout).toMatch(/^migrated .*: the schema is up to date\n$/);
      const list = await runCli(['list', '--json', ...db().args]);
      expect(list.code).toBe(0);
      expect(list.json()).toEqual([]);
    });
  });

  describe(`retry on ${backend.name}`, () => {
    const db = freshDatabase();

    it('makes a failed workflow pending again; refuses anything else (4) and unknown ids (3)', async () => {
      await seed(db().storage(), [SEEDS.failed(), SEEDS.completed()]);
      const run = await runCli(['retry', 'wf-failed', '--json', ...db().args]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.json()).toEqual({ id: 'wf-failed', retried: true, status: 'pending' });
      // The checkpoint of the step that failed it is discarded; the earlier one is kept.
      const shown = (await runCli(['show', 'wf-failed', '--json', ...db().args])).json();
      expect(shown.steps.map((s: { name: string }) => s.name)).toEqual(['reserve']);
      expect(shown.history.at(-1)).toMatchObject({ type: 'retried', step: 1 });

      const again = await runCli(['retry', 'wf-failed', ...db().args]);
      expect(again.code).toBe(4);
      expect(again.stderr).toMatch(/^error: workflow wf-failed is pending; only a failed workflow can be retried\n$/);
      expect((await runCli(['retry', 'wf-completed', ...db().args])).code).toBe(4);
      expect((await runCli(['retry', 'nope', ...db().args])).code).toBe(3);
    });
  });

  describe(`cancel on ${backend.name}`, () => {
    const db = freshDatabase();

    it('cancels an unfinished workflow; a cancelled one again is no error; refuses a completed one (4) and unknown ids (3)', async () => {
      await seed(db().storage(), [SEEDS.sleeping(), SEEDS.completed()]);
      const run = await runCli(['cancel', 'wf-sleeping', ...db().args]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('cancelled wf-sleeping\n');
      const listed = (await runCli(['list', '--json', '--status', 'cancelled', ...db().args])).json();
      expect(listed.map((w: { id: string }) => w.id)).toEqual(['wf-sleeping']);

      const twice = await runCli(['cancel', 'wf-sleeping', ...db().args]);
      expect(twice.code).toBe(0);
      expect(twice.stdout).toBe('wf-sleeping was cancelled already\n');
      const completed = await runCli(['cancel', 'wf-completed', '--json', ...db().args]);
      expect(completed.code).toBe(4);
      expect(completed.stdout).toBe('');
      expect(completed.stderr).toBe('error: workflow wf-completed is completed; only an unfinished workflow can be cancelled [WORKFLOW_FINISHED]\n');
      expect((await runCli(['list', '--json', '--status', 'completed', ...db().args])).json()).toHaveLength(1);
      expect((await runCli(['cancel', 'nope', ...db().args])).code).toBe(3);
    });
  });

  describe(`signal on ${backend.name}`, () => {
    const db = freshDatabase();

    it('delivers the JSON payload to the waiting workflow; refuses a finished one (4)', async () => {
      await seed(db().storage(), [SEEDS.waiting()]);
      const payload = { approved: true, by: 'ada', n: [1, 2] };
      const run = await runCli(['signal', 'wf-waiting', 'go', JSON.stringify(payload), '--json', ...db().args]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.json()).toEqual({ id: 'wf-waiting', signal: 'go', sent: true, payload });

      // A worker resumes the workflow, which receives exactly that payload.
      const worker = new Runtime({ storage: db().storage(), logger: pino({ level: 'silent' }), pollIntervalMs: 20 }).register(awaitGo);
      try {
        await worker.start();
        expect(await (await worker.getWorkflow('wf-waiting')).result()).toEqual(payload);
      } finally {
        await worker.shutdown();
      }

      const late = await runCli(['signal', 'wf-waiting', 'go', '{}', ...db().args]);
      expect(late.code).toBe(4);
      expect(late.stderr).toMatch(/workflow wf-waiting is completed; it can no longer receive signal "go"/);
      expect((await runCli(['signal', 'nope', 'go', '1', ...db().args])).code).toBe(3);
      const bad = await runCli(['signal', 'wf-waiting', 'go', '{"approved":', ...db().args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: invalid JSON payload for signal "go": /);
    });
  });

  describe(`purge on ${backend.name}`, () => {
    const db = freshDatabase();

    it('deletes only finished workflows older than --older-than, of the statuses given', async () => {
      // Current ones first: a worker on the real clock would resume the old sleeping one.
      await seed(db().storage(), [SEEDS.completed('new-completed'), SEEDS.failed('new-failed')]);
      await seed(
        db().storage(),
        [SEEDS.completed('old-completed'), SEEDS.failed('old-failed'), SEEDS.cancelled('old-cancelled'), SEEDS.sleeping('old-sleeping')],
        pastClock(40 * DAY),
      );
      const ids = async () => (await runCli(['list', '--json', ...db().args])).json().map((w: { id: string }) => w.id).sort();

      const completed = await runCli(['purge', '--older-than', '30d', '--status', 'completed', '--json', ...db().args]);
      expect(completed.stderr).toBe('');
      expect(completed.code).toBe(0);
      const result = completed.json();
      expect(result).toMatchObject({ deleted: 1, statuses: ['completed'], olderThanMs: 30 * DAY, finishedBefore: expect.stringMatching(ISO_DATE) });
      expect(Math.abs(Date.parse(result.finishedBefore) - (Date.now() - 30 * DAY))).toBeLessThan(60_000);
      expect(await ids()).toEqual(['new-completed', 'new-failed', 'old-cancelled', 'old-failed', 'old-sleeping']);

      expect((await runCli(['purge', '--older-than', '50d', ...db().args])).stdout).toBe(
        'deleted 0 workflows (completed, failed, cancelled) that finished more than 50d ago\n',
      );
      const rest = await runCli(['purge', '--older-than', '30 days', ...db().args]);
      expect(rest.code).toBe(0);
      expect(rest.stdout).toBe('deleted 2 workflows (completed, failed, cancelled) that finished more than 30d ago\n');
      // Unfinished workflows are never purged, however old.
      expect(await ids()).toEqual(['new-completed', 'new-failed', 'old-sleeping']);
      expect((await runCli(['show', 'old-failed', ...db().args])).code).toBe(3);
    });

    it('refuses a bad --older-than or status before touching the database (2)', async () => {
      const soon = await runCli(['purge', '--older-than', 'soon', ...db().args]);
      expect(soon.code).toBe(2);
      expect(soon.stderr).toContain(`invalid --older-than "soon": expected milliseconds, a string such as '300ms'`);
      const running = await runCli(['purge', '--older-than', '1d', '--status', 'running', ...db().args]);
      expect(running.code).toBe(2);
      expect(running.stderr).toContain('Unknown status "running"; expected completed, failed, cancelled');
    });
  });
}
