import type { Command } from 'commander';
import { checkName } from '../argument-parsers.js';
import { checkIdOrFilter, runBulk, withBulkFlags, type BulkFlags } from '../bulk-filter.js';
import type { CommandContext } from '../command-context.js';

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
      // Refused (exit 4) with the client's WorkflowFinishedError for a completed or failed workflow; one
      // cancelled already is no error, as for the client and the HTTP API.
      const already = (await (await client.getWorkflow(id)).info()).status === 'cancelled';
      await client.cancel(id);
      return { json: { id, cancelled: true, status: 'cancelled' }, text: already ? `${id} was cancelled already` : `cancelled ${id}` };
    });
  });
}
