import type { Command } from 'commander';
import { checkName } from '../argument-parsers.js';
import { checkIdOrFilter, runBulk, withBulkFlags, type BulkFlags } from '../bulk-filter.js';
import type { CommandContext } from '../command-context.js';
import { RefusedError } from '../exit-codes.js';

export function registerRetry(program: Command, context: CommandContext): void {
  const command = program
    .command('retry')
    .description('resume a failed workflow from its last checkpoint (the step that failed it runs again), or with filter options every failed one that matches')
    .argument('[id]', 'workflow id');
  withBulkFlags(command, ['failed']).action((rawId: string | undefined, flags: BulkFlags, command: Command) => {
    checkIdOrFilter(rawId, flags, 'retry');
    if (rawId === undefined) return context.run(command, (session) => runBulk(session, flags, 'retry'));
    const id = checkName(rawId, 'workflow id');
    return context.run(command, async ({ client }) => {
      const handle = await client.getWorkflow(id);
      // client.retry accepts a workflow that is pending already without complaint; the command refuses
      // anything but a failed one, so a script learns that nothing was retried.
      const before = await handle.info();
      if (before.status !== 'failed') throw new RefusedError(`workflow ${id} is ${before.status}; only a failed workflow can be retried`);
      await client.retry(id);
      const { status } = await handle.info();
      return { json: { id, retried: true, status }, text: `retried ${id}; it is ${status} and resumes on the next worker that claims it` };
    });
  });
}
