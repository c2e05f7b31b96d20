import type { Command } from 'commander';
import { checkName, parseJsonPayload } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import type { Json } from '../json-output.js';

export function registerSignal(program: Command, context: CommandContext): void {
  program
    .command('signal')
    .description("send a signal to a workflow, delivered exactly once to its waitForSignal(name)")
    .argument('<id>', 'workflow id')
    .argument('<name>', 'signal name')
    .argument('<json>', 'payload as JSON, e.g. \'{"approved":true}\' (put -- before a payload that starts with -)')
    .action((rawId: string, rawName: string, text: string, _options: object, command: Command) => {
      const id = checkName(rawId, 'workflow id');
      const name = checkName(rawName, 'signal name');
      const payload = parseJsonPayload(text, name);
      return context.run(command, async ({ client }) => {
        // Refused (ValidationError) for a finished workflow; WorkflowNotFoundError if there is none.
        await client.signal(id, name, payload);
        return { json: { id, signal: name, sent: true, payload: payload as Json }, text: `sent signal ${name} to ${id}` };
      });
    });
}
