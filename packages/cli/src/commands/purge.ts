import type { Command } from 'commander';
import { FINISHED_STATUSES, formatDuration, type WorkflowStatus } from '@steadfast/core';
import { parseDuration, parseFinishedStatuses } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';

interface PurgeOptions {
  /** Milliseconds. */
  olderThan: number;
  status?: WorkflowStatus[];
}

export function registerPurge(program: Command, context: CommandContext): void {
  program
    .command('purge')
    .description('delete finished workflows (with their steps, events and signals) that finished longer ago than --older-than')
    .requiredOption('--older-than <duration>', "age since finishing, e.g. 30d, 12h, '2 weeks', PT36H", parseDuration)
    .option('--status <statuses>', 'only these finished statuses, comma-separated (default completed,failed,cancelled)', parseFinishedStatuses)
    .action((options: PurgeOptions, command: Command) =>
      context.run(command, async ({ client }) => {
        const statuses = options.status ?? [...FINISHED_STATUSES];
        const finishedBefore = new Date(client.clock.now() - options.olderThan);
        const deleted = await client.purge({ olderThan: options.olderThan, statuses });
        return {
          json: { deleted, statuses, olderThanMs: options.olderThan, finishedBefore: finishedBefore.toISOString() },
          text: `deleted ${deleted} workflow${deleted === 1 ? '' : 's'} (${statuses.join(', ')}) that finished more than ${formatDuration(options.olderThan)} ago`,
        };
      }),
    );
}
