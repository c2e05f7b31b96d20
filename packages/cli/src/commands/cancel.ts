import type { Command } from 'commander';
import { FINISHED_STATUSES } from '@steadfast/core';
import { checkName } from '../argument-parsers.js';
import { checkIdOrFilter, runBulk, withBulkFlags, type BulkFlags } from '../bulk-filter.js';
import type { CommandContext } from '../command-context.js';
import { RefusedError } from '../exit-codes.js';

export function registerCancel(program: Command, context: CommandContext): void {
  const command = program
    .command('cancel')
    .description('cancel an unfinished workflow (and its unfinished child workflows), or with filter options every one that matches')
    .argument('[id]', 'workflow id');
  withBulkFlags(command, ['pending', 'running', 'sleeping']).action((rawId: string | undefined, flags: BulkFlags, command: Command) => {
    checkIdOrFilter(rawId, flags, 'cancel');
    if (rawId === undefined) return context.run(command, (session) => runBulk(session, flags, 'cancel'));
    const id = checkName(rawId, 'workflow id');
    return context.run(command, async ({ client }) => {
      const handle = await client.getWorkflow(id);
      const before = await handle.info();
      // client.cancel leaves a finished workflow as it is without complaint; the command says so instead.
      if (FINISHED_STATUSES.includes(before.status)) {
        throw new RefusedError(`workflow ${id} is ${before.status}; only an unfinished workflow can be cancelled`);
      }
      await client.cancel(id);
      const { status } = await handle.info();
      if (status !== 'cancelled') throw new RefusedError(`workflow ${id} became ${status} before it could be cancelled`);
      return { json: { id, cancelled: true, status }, text: `cancelled ${id}` };
    });
  });
}
