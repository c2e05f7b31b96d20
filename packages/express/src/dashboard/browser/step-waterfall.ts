import type { RetryJson, StepJson, StepSegmentJson, WorkflowDetailJson } from '../../api-types.js';
import { append, byId, clear, clipCell, emptyRow, h } from './dom.js';
import { dateTime, duration, json, timeElement } from './format.js';
import { FINISHED } from './statuses.js';
const COLUMNS = 5;

const SEGMENT_LABELS: Record<StepSegmentJson['kind'], string> = {
  run: 'ran', failed: 'failed', backoff: 'backoff', timer: 'timer', wait: 'waited',
};

/** The span of time the waterfall draws: from the workflow's creation to its end, now, or the latest wake time. */
interface Axis {
  from: number;
  to: number;
  now: number | null;
}

/**
 * A workflow's steps as a waterfall: one row per step with its attempts, backoffs, timers and waits drawn
 * on one time axis, and, when the row is opened, the step's input (its arguments) and output (its result,
 * error, or wake time). Rows opened stay open across refreshes of the same workflow.
 */
export class StepWaterfall {
  private readonly open = new Set<number>();
  private workflowId: string | null = null;

  /** With `onFork` (not read-only), each opened step offers to re-run the workflow from it as a new run. */
  constructor(private readonly onFork?: (fromStep: number) => void) {}

  render(detail: WorkflowDetailJson, now: number): void {
    const { workflow, steps } = detail;
    if (workflow.id !== this.workflowId) {
      this.open.clear();
      this.workflowId = workflow.id;
    }
    const axis = axisOf(detail, now);
    const head = clear(byId('steps-axis'));
    append(head, h('span', '', 'created'), h('span', '', `+${duration(axis.to - axis.from)}`));
    const tbody = clear(byId('steps').querySelector('tbody')!);
    for (const step of steps) {
      const detailRow = this.detailRow(step);
      tbody.appendChild(this.stepRow(step, axis, detailRow));
      tbody.appendChild(detailRow);
    }
    if (!steps.length) tbody.appendChild(emptyRow(COLUMNS, FINISHED.includes(workflow.status) ? 'It recorded no steps.' : 'No steps recorded yet.'));
  }

  private stepRow(step: StepJson, axis: Axis, detailRow: HTMLTableRowElement): HTMLTableRowElement {
    const tr = h('tr', 'step');
    tr.dataset.position = String(step.position);
    tr.dataset.status = step.status;
    tr.tabIndex = 0;
    tr.setAttribute('aria-expanded', String(this.open.has(step.position)));
    const name = clipCell(step.name ?? '–', 'mono');
    name.appendChild(h('span', 'kind', step.kind ?? ''));
    const attempts = h('td', 'num', step.attempts);
    if (step.retries.length) attempts.appendChild(h('span', 'retried', `${step.retries.length} retried`));
    append(tr, h('td', 'num', step.position), name, statusCell(step), attempts, barCell(step, axis));
    const toggle = () => {
      const opened = !this.open.has(step.position);
      if (opened) this.open.add(step.position);
      else this.open.delete(step.position);
      detailRow.hidden = !opened;
      tr.setAttribute('aria-expanded', String(opened));
    };
    tr.addEventListener('click', toggle);
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        toggle();
      }
    });
    return tr;
  }

  /** The step's input and output, shown when its row is opened. */
  private detailRow(step: StepJson): HTMLTableRowElement {
    const td = h('td', 'step-io');
    td.colSpan = COLUMNS;
    const input = step.args !== null ? json(step.args) : step.argsPreview ?? '–';
    append(td, h('h4', '', 'Input'), h('pre', 'step-input', input));
    if (step.args === null && step.argsPreview !== null) td.appendChild(h('p', 'muted', 'Only the first 120 characters of the arguments are stored with the checkpoint.'));
    append(td, h('h4', '', 'Output'), h('pre', 'step-output', outputText(step)));
    if (step.retries.length) {
      const list = h('ul', 'retries');
      for (const retry of step.retries) list.appendChild(h('li', '', retryText(retry)));
      append(td, h('h4', '', 'Retries'), list);
    }
    const onFork = this.onFork;
    if (onFork) {
      const fork = h('button', 'fork', `Re-run from step ${step.position} (fork)`);
      fork.type = 'button';
      fork.title = `A new run that reuses the checkpoints before step ${step.position} and executes from it on`;
      fork.dataset.fork = String(step.position);
      fork.addEventListener('click', (event) => {
        event.stopPropagation();
        onFork(step.position);
      });
      td.appendChild(fork);
    }
    const tr = append(h('tr', 'step-detail'), td);
    tr.dataset.position = String(step.position);
    tr.hidden = !this.open.has(step.position);
    return tr;
  }
}

function axisOf(detail: WorkflowDetailJson, now: number): Axis {
  const { workflow, steps } = detail;
  const from = Date.parse(workflow.createdAt);
  const running = !FINISHED.includes(workflow.status);
  const ends = steps.flatMap((s) => s.segments.flatMap((seg) => [Date.parse(seg.from), seg.to === null ? now : Date.parse(seg.to)]));
  const to = Math.max(from + 1, ...ends, workflow.finishedAt ? Date.parse(workflow.finishedAt) : running ? now : from);
  return { from, to, now: running ? now : null };
}

function statusCell(step: StepJson): HTMLTableCellElement {
  const td = h('td', 'step-status');
  if (step.status === 'sleeping') {
    // The checkpoint of a timer is written when it is set; it is not done until it fires.
    append(td, h('span', 'status sleeping', 'timer set'), h('span', 'wakes', 'wakes at '));
    td.lastChild!.appendChild(timeElement(step.wakeAt));
  } else if (step.status === 'cancelled') {
    append(td, h('span', 'status cancelled', 'cancelled'), h('span', 'wakes muted', 'timer did not fire'));
  } else {
    td.appendChild(h('span', `status ${step.status}`, step.status));
  }
  return td;
}

/** The step's segments on the axis, with a tooltip each, and its duration after the bar. */
function barCell(step: StepJson, axis: Axis): HTMLTableCellElement {
  const share = (ms: number) => `${((ms / (axis.to - axis.from)) * 100).toFixed(3)}%`;
  const track = h('div', 'track');
  for (const segment of step.segments) {
    const from = Date.parse(segment.from);
    const to = segment.to === null ? (axis.now ?? from) : Date.parse(segment.to);
    const el = h('div', `seg ${segment.kind}${segment.to === null ? ' open' : ''}${axis.now !== null && to > axis.now ? ' ahead' : ''}`);
    el.dataset.kind = segment.kind;
    // Positions are set through the CSSOM, which the page's CSP (no inline styles) allows.
    el.style.left = share(from - axis.from);
    el.style.width = share(to - from);
    const attempt = segment.attempt === null ? '' : ` (attempt ${segment.attempt})`;
    el.title = `${SEGMENT_LABELS[segment.kind]}${attempt}: ${duration(to - from)}, ${dateTime(from)} → ${segment.to === null ? 'now' : dateTime(to)}`;
    track.appendChild(el);
  }
  if (axis.now !== null) {
    const now = h('div', 'now-line');
    now.style.left = share(axis.now - axis.from);
    track.appendChild(now);
  }
  return append(h('td', 'bar-cell'), track, h('span', 'took', tookText(step, axis)));
}

function tookText(step: StepJson, axis: Axis): string {
  if (step.startedAt === null) return '';
  const now = axis.now ?? Date.now();
  if (step.status === 'sleeping' && step.wakeAt !== null) return `wakes in ${duration(Date.parse(step.wakeAt) - now)}`;
  if (step.status === 'retrying') {
    const next = step.retries[step.retries.length - 1]?.retryAt;
    return next && Date.parse(next) > now ? `attempt ${step.attempts + 1} in ${duration(Date.parse(next) - now)}` : `attempt ${step.attempts + 1} running`;
  }
  const end = step.endedAt === null ? (axis.now ?? Date.parse(step.startedAt)) : Date.parse(step.endedAt);
  return `${step.endedAt === null ? 'running ' : ''}${duration(end - Date.parse(step.startedAt))}`;
}

function outputText(step: StepJson): string {
  if (step.wakeAt !== null) {
    const verb = step.status === 'sleeping' ? 'wakes at' : step.status === 'cancelled' ? 'would have woken at' : 'woke at';
    return `${verb} ${dateTime(step.wakeAt)}`;
  }
  const error = step.error as { name?: string; message?: string; stack?: string } | null;
  if (error) return error.stack ?? `${error.name ?? 'Error'}: ${error.message ?? ''}`;
  if (!step.checkpointed) return step.status === 'retrying' ? '(no result yet: retrying)' : '–';
  return json(step.output);
}

function retryText(retry: RetryJson): string {
  const error = retry.error as { name?: string; message?: string } | null;
  const why = error ? `: ${error.name ?? 'Error'}: ${error.message ?? ''}` : '';
  const backoff = retry.at && retry.retryAt ? `, retried after ${duration(Date.parse(retry.retryAt) - Date.parse(retry.at))} at ${dateTime(retry.retryAt)}` : '';
  return `attempt ${retry.attempt} failed at ${dateTime(retry.at)}${why}${backoff}`;
}
