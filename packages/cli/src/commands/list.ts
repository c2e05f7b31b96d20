import type { Command } from 'commander';
import type { WorkflowInfo, WorkflowStatus } from '@steadfast/core';
import { parseLimit, parseStatuses } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import { workflowSummaryJson } from '../json-output.js';
import { formatDate, formatTable } from '../table.js';

interface ListOptions {
  status?: WorkflowStatus[];
  name?: string;
  queue?: string;
  limit: number;
}

export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .description('list workflows, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated (pending, running, sleeping, completed, failed, cancelled)', parseStatuses)
    .option('--name <name>', 'only workflows (or jobs) of this name')
    .option('--queue <queue>', 'only workflows on this queue')
    .option('--limit <n>', 'at most this many, 1 to 10000', parseLimit, 100)
    .action((options: ListOptions, command: Command) =>
      context.run(command, async ({ client }) => {
        const workflows = await client.listWorkflows({
          ...(options.status && { status: options.status }),
          ...(options.name !== undefined && { name: options.name }),
          ...(options.queue !== undefined && { queue: options.queue }),
          limit: options.limit,
        });
        const rows = workflows.map((w) => [
          w.id, w.name, w.status, w.queue, String(w.attempts), formatDate(w.createdAt), formatDate(finishedOrDue(w)),
        ]);
        return {
          json: workflows.map(workflowSummaryJson),
          text: rows.length === 0 ? 'no workflows match' : formatTable(['id', 'name', 'status', 'queue', 'attempts', 'created', 'finished/due'], rows),
        };
      }),
    );
}

/** When it finished, or when a pending or sleeping one is due (a running one's `nextAt` is its lease expiry, not shown). */
function finishedOrDue(w: WorkflowInfo): Date | undefined {
  return w.status === 'pending' || w.status === 'sleeping' ? w.nextAt : w.finishedAt;
}
