import type { ErrorJson, EventJson, Json, WorkflowDetailJson, WorkflowJson } from '../../api-types.js';
import { append, byId, clear, h } from './dom.js';
import { dateTime, json, offset, timeElement } from './format.js';
import { FINISHED } from './statuses.js';
import { PublishedPanel } from './published-panel.js';
import { StepWaterfall } from './step-waterfall.js';

/** One workflow: its record, error, steps (a waterfall), timeline, what it published, arguments and result. */
export class WorkflowDetail {
  private readonly waterfall: StepWaterfall;
  readonly published = new PublishedPanel();

  constructor(
    private readonly readOnly: boolean,
    onFork: (fromStep: number) => void,
  ) {
    this.waterfall = new StepWaterfall(readOnly ? undefined : onFork);
  }

  render(detail: WorkflowDetailJson, now = Date.now()): void {
    const w = detail.workflow;
    byId('detail').hidden = false;
    byId('detail-title').textContent = w.name;
    byId('detail-title').title = w.name;
    const status = byId('detail-status');
    status.className = `status ${w.status}`;
    status.textContent = w.status;
    byId('detail-id').textContent = w.id;
    renderInfo(w);
    renderError(w.error);
    byId('retry').hidden = this.readOnly || w.status !== 'failed';
    byId('cancel').hidden = this.readOnly || FINISHED.includes(w.status);
    this.waterfall.render(detail, now);
    renderTimeline(detail, w.createdAt);
    this.published.render(detail);
    byId('detail-args').textContent = json(w.args);
    byId('detail-output').textContent = w.status === 'completed' ? json(w.output) : '–';
  }
}

function renderInfo(w: WorkflowJson): void {
  const fields: Array<[string, string | number | null]> = [
    ['queue', w.queue], ['kind', w.kind], ['attempts', w.attempts], ['recoveries', w.recoveryAttempts], ['priority', w.priority],
    ['version', w.version ?? '–'], ['created', w.createdAt], ['started', w.startedAt], ['updated', w.updatedAt],
    ['finished', w.finishedAt], ['next at', w.nextAt], ['parent', w.parentId ?? '–'],
  ];
  const dates = new Set(['created', 'started', 'updated', 'finished', 'next at']);
  const info = clear(byId('detail-info'));
  for (const [label, value] of fields) {
    const dd = dates.has(label) ? append(h('dd'), timeElement(value as string | null)) : h('dd', 'clip', value);
    if (!dates.has(label)) dd.title = String(value);
    append(info, h('dt', '', label), dd);
  }
}

function renderError(error: ErrorJson | null): void {
  byId('detail-error').hidden = !error;
  if (!error) return;
  byId('error-name').textContent = error.name || 'Error';
  byId('error-message').textContent = error.message || '';
  byId('error-code').textContent = error.code !== undefined ? `(${error.code})` : '';
  let stack = error.stack ?? '';
  let cause: Json | undefined = error.cause;
  while (cause && typeof cause === 'object' && !Array.isArray(cause)) {
    stack += `\nCaused by: ${typeof cause.stack === 'string' ? cause.stack : `${String(cause.name)}: ${String(cause.message)}`}`;
    cause = cause.cause;
  }
  byId('error-stack').textContent = stack || '(no stack)';
}

function renderTimeline(detail: WorkflowDetailJson, createdAt: string): void {
  const wakeAt = new Map(detail.steps.filter((s) => s.wakeAt !== null).map((s) => [s.position, s.wakeAt!]));
  const timeline = clear(byId('timeline'));
  for (const event of detail.history) {
    // A timer's checkpoint is logged as step_completed when the timer is set: say what it is.
    const timer = event.type === 'step_completed' && event.step !== null ? wakeAt.get(event.step) : undefined;
    const tone = /failed|cancelled/.test(event.type) ? 'bad' : /retry|recovered|released/.test(event.type) ? 'warn' : timer ? '' : /completed|claimed|woke|created/.test(event.type) ? 'ok' : '';
    const li = h('li', tone);
    li.dataset.type = event.type;
    append(li, append(h('span', 'at'), timeElement(event.at), ` ${offset(event.at, createdAt)}`), h('span', 'type', timer ? 'timer set' : event.type));
    if (event.step !== null) li.appendChild(h('span', 'muted', `step ${event.step} `));
    li.appendChild(h('span', 'what', describeData(event.data) + (timer ? `, wakes at ${dateTime(timer)}` : '')));
    timeline.appendChild(li);
  }
}

/** An event's data in a few words: the step, its attempts, the times it names, its error. */
function describeData(data: EventJson['data']): string {
  if (!data) return '';
  const parts: string[] = [];
  if (typeof data.name === 'string') parts.push(data.name);
  if (typeof data.kind === 'string') parts.push(`(${data.kind})`);
  if (typeof data.attempts === 'number') parts.push(`${data.attempts} ${data.attempts === 1 ? 'attempt' : 'attempts'}`);
  if (typeof data.attempt === 'number') parts.push(`attempt ${data.attempt}`);
  if (typeof data.retryAt === 'string') parts.push(`retry at ${dateTime(data.retryAt)}`);
  if (typeof data.wakeAt === 'string') parts.push(`wake at ${dateTime(data.wakeAt)}`);
  const error = data.error;
  if (error && typeof error === 'object' && !Array.isArray(error)) parts.push(`— ${String(error.name ?? 'Error')}: ${String(error.message ?? '')}`);
  return parts.join(' ');
}
