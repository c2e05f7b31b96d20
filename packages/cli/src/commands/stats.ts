import type { Command } from 'commander';
import { WORKFLOW_STATUSES, type RuntimeStats } from '@steadfast/core';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../table.js';

export function registerStats(program: Command, context: CommandContext): void {
  program
    .command('stats')
    .description('count workflows by status and queue, the backlog (due but not yet claimed) per queue, queues no live worker serves, and runs stranded by version')
    .action((_options: object, command: Command) =>
      context.run(command, async ({ client }) => {
        const stats = await client.stats();
        const total = Object.values(stats.byStatus).reduce((sum, n) => sum + n, 0);
        const workers = stats.workers.map((w) => ({ ...w, seenAt: w.seenAt.toISOString() }));
        return { json: { total, ...stats, workers }, text: [statsText(stats, total), unservedText(stats), strandedText(stats)].filter(Boolean).join('\n\n') };
      }),
    );
}

/** Queues with unfinished work that no live worker claims from, loudly: nothing runs that work. */
function unservedText(stats: RuntimeStats): string {
  if (stats.unserved.length === 0) return '';
  const total = stats.unserved.reduce((sum, row) => sum + row.count, 0);
  return [
    `UNSERVED QUEUES: ${total} unfinished workflow(s) in queues no live worker serves`,
    formatTable(['queue', 'unfinished'], stats.unserved.map((row) => [row.queue, String(row.count)])),
    `live workers: ${workersText(stats, (w) => w.queues.join(', '))}. Start a runtime that claims from them: new Runtime({ queues: [...] }) (the runtime option queues)`,
  ].join('\n');
}

function workersText(stats: RuntimeStats, what: (worker: RuntimeStats['workers'][number]) => string): string {
  return stats.workers.map((w) => `${w.id} (${what(w)})`).join(', ') || 'none';
}

/** Pinned runs no live worker serves, loudly: they wait for a worker that is not there. */
function strandedText(stats: RuntimeStats): string {
  if (stats.stranded.length === 0) return '';
  const total = stats.stranded.reduce((sum, row) => sum + row.count, 0);
  const served = workersText(stats, (w) => (w.versions === null ? 'every version' : w.versions.join(', ')));
  return [
    `STRANDED BY VERSION: ${total} unfinished run(s) of a version no live worker serves`,
    formatTable(['queue', 'version', 'runs'], stats.stranded.map((row) => [row.queue, row.version, String(row.count)])),
    `live workers: ${served}. Start a worker of that version, or move the runs: steadfast migrate-version --version <old> --to <new> --module <build>`,
  ].join('\n');
}

function statsText(stats: RuntimeStats, total: number): string {
  const byStatus = formatTable(['status', 'count'], [...WORKFLOW_STATUSES.map((s) => [s, String(stats.byStatus[s])]), ['total', String(total)]]);
  const queues = [...new Set([...stats.counts.map((c) => c.queue), ...stats.due.map((d) => d.queue)])].sort();
  if (queues.length === 0) return byStatus;
  const count = (queue: string, status: string) => stats.counts.find((c) => c.queue === queue && c.status === status)?.count ?? 0;
  const perQueue = formatTable(
    ['queue', ...WORKFLOW_STATUSES, 'due'],
    queues.map((q) => [q, ...WORKFLOW_STATUSES.map((s) => String(count(q, s))), String(stats.due.find((d) => d.queue === q)?.count ?? 0)]),
  );
  return `${byStatus}\n\n${perQueue}`;
}
