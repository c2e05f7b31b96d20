import type { Command } from 'commander';
import { checkName, parseRunVersion, parseStep } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';

interface ForkOptions {
  fromStep: number;
  id?: string;
  runVersion?: string | null;
}

export function registerFork(program: Command, context: CommandContext): void {
  program
    .command('fork')
    .description('start a new run of a workflow that reuses its checkpoints before --from-step and executes from there on (the source is left as it is)')
    .argument('<id>', 'workflow id to fork')
    .requiredOption('--from-step <n>', 'the position to execute from (0: from the start)', parseStep)
    .option('--id <id>', 'the new run\'s id (default a random UUID)')
    .option('--run-version <version>', 'the new run\'s version ("none": unpinned; default the source\'s)', parseRunVersion)
    .action((rawId: string, options: ForkOptions, command: Command) => {
      const id = checkName(rawId, 'workflow id');
      const newId = options.id === undefined ? undefined : checkName(options.id, '--id');
      return context.run(command, async ({ client }) => {
        const handle = await client.fork(id, {
          fromStep: options.fromStep,
          ...(newId === undefined ? {} : { id: newId }),
          ...(options.runVersion === undefined ? {} : { version: options.runVersion }),
        });
        const info = await handle.info();
        return {
          json: { id: handle.id, forkedFrom: id, fromStep: options.fromStep, version: info.version, status: info.status },
          text: `forked ${id} from step ${options.fromStep} as ${handle.id} (${info.status}${info.version === null ? '' : `, version ${info.version}`}); it runs on the next worker that claims it`,
        };
      });
    });
}
