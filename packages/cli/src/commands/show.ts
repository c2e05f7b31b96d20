import type { Command } from 'commander';
import type { WorkflowEvent, WorkflowInfo } from '@steadfast/core';
import { checkName } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import { eventJson, stepJson, toJson, workflowJson, type Json, type StepJson } from '../json-output.js';
import { formatDate, formatFields, formatTable, formatValue } from '../table.js';

export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description('show one workflow: its record, its checkpointed steps and its event history')
    .argument('<id>', 'workflow id')
    .action((id: string, _options: object, command: Command) =>
      context.run(command, async ({ client }) => {
        const handle = await client.getWorkflow(checkName(id, 'workflow id'));
        const [info, history, checkpoints] = await Promise.all([handle.info(), handle.history(), handle.steps()]);
        const steps = checkpoints.map(stepJson);
        return {
          json: { workflow: workflowJson(info), steps, history: history.map(eventJson) },
          text: [workflowText(info), 'Steps', stepsText(steps), 'History', historyText(history)].join('\n\n'),
        };
      }),
    );
}

function workflowText(info: WorkflowInfo): string {
  const fields: Array<[string, string]> = [
    ['Workflow', info.id],
    ['Name', info.version === null ? info.name : `${info.name} (version ${info.version})`],
    ['Kind', info.kind],
    ['Status', info.status],
    ['Queue', `${info.queue} (priority ${info.priority})`],
    ['Attempts', `${info.attempts} (recoveries ${info.recoveryAttempts})`],
    ['Created', formatDate(info.createdAt)],
    ['Started', formatDate(info.startedAt)],
    ['Finished', formatDate(info.finishedAt)],
    ['Next at', formatDate(info.nextAt)],
    ['Args', formatValue(toJson(info.args))],
    ['Output', formatValue(toJson(info.output))],
    ['Error', info.error ? `${info.error.name}: ${info.error.message}` : '-'],
  ];
  if (info.parentId !== null) fields.splice(3, 0, ['Parent', info.parentId]);
  return formatFields(fields);
}

function stepsText(steps: StepJson[]): string {
  if (steps.length === 0) return '(none)';
  return formatTable(
    ['seq', 'name', 'kind', 'status', 'attempts', 'at'],
    steps.map((s) => [String(s.seq), s.name, s.kind, statusText(s), s.attempts === null ? '-' : String(s.attempts), formatDate(new Date(s.at))]),
  );
}

/** A timer's checkpoint is written when it is set: say so, and when it fires, rather than `sleeping`. */
function statusText(step: StepJson): string {
  const wakeAt = step.wakeAt === null ? '-' : formatDate(new Date(step.wakeAt));
  if (step.status === 'sleeping') return `timer set, wakes at ${wakeAt}`;
  if (step.status === 'cancelled') return `timer cancelled before ${wakeAt}`;
  return step.status;
}

function historyText(history: WorkflowEvent[]): string {
  if (history.length === 0) return '(none)';
  return formatTable(
    ['at', 'event', 'step', 'details'],
    history.map((e) => {
      const data = eventJson(e).data;
      return [formatDate(e.at), e.type, e.step === undefined ? '-' : String(e.step), data === null ? '' : detailsText(data)];
    }),
  );
}

/** Event data as `key=value` pairs; an error as `Name: message`. */
function detailsText(data: { [key: string]: Json }): string {
  return Object.entries(data)
    .map(([key, value]) => {
      if (key === 'error' && value !== null && typeof value === 'object' && !Array.isArray(value)) return `error=${String(value.name)}: ${String(value.message)}`;
      return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join(' ');
}
