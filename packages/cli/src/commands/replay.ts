import type { Command } from 'commander';
import { checkName } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import { DivergedError } from '../exit-codes.js';
import { toJson } from '../json-output.js';
import { replayJson, replayLine } from '../replay-output.js';
import { formatValue } from '../table.js';
import { loadWorkflowModule } from '../workflow-module.js';

export function registerReplay(program: Command, context: CommandContext): void {
  program
    .command('replay')
    .description('replay one stored run in this process on a build (nothing runs, nothing is written), printing each step; set breakpoints in your workflow code and run it under node --inspect')
    .argument('<id>', 'workflow id')
    .requiredOption('--module <path>', 'the build: an ES module exporting workflows (an array) or register(runtime)')
    .action((rawId: string, options: { module: string }, command: Command) => {
      const id = checkName(rawId, 'workflow id');
      return context.run(command, async ({ client }) => {
        const workflows = await loadWorkflowModule(options.module);
        const lines: string[] = [];
        const steps: Array<{ position: number; kind: string; name: string }> = [];
        const result = await client.replay(id, workflows, {
          onReplayed(seq, recorded) {
            steps.push({ position: seq, kind: recorded.kind, name: recorded.name });
            const outcome = recorded.error !== null ? `threw ${errorText(client.serializer.deserializeError(recorded.error))}` : `→ ${formatValue(toJson(decode(client, recorded.output!)))}`;
            lines.push(`#${seq}  ${recorded.kind} ${recorded.name}  ${outcome}`);
          },
        });
        return {
          json: { ...(replayJson(result) as object), steps },
          text: [...lines, replayLine(result)].join('\n'),
          ...(result.ok ? {} : { failure: new DivergedError(`${id} would not replay on ${options.module}`) }),
        };
      });
    });
}

function decode(client: { serializer: { deserialize(text: string): unknown } }, text: string): unknown {
  try {
    return client.serializer.deserialize(text);
  } catch {
    return text;
  }
}

const errorText = (error: Error) => `${error.name}: ${error.message}`;
