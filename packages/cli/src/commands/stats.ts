import type { Command } from 'commander';
import { WORKFLOW_STATUSES, type RuntimeStats } from '@steadfast/core';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../table.js';

export function registerStats(program: Command, context: CommandContext): void {
  program
    .command('stats')
    .description('count workflows by status and queue, and the backlog (due but not yet claimed) per queue')
    .action((_options: object, command: Command) =>
      context.run(command, async ({ client }) => {
        const stats = await client.stats();
        const total = Object.values(stats.byStatus).reduce((sum, n) => sum + n, 0);
        return { json: { total, ...stats }, text: statsText(stats, total) };
      }),
    );
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
