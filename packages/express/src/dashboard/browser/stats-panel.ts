import type { StatsJson, WorkflowStatusJson } from '../../api-types.js';
import { append, byId, clear, clipCell, emptyRow, h, svg } from './dom.js';
import { STATUSES } from './statuses.js';

export const COLORS = ['#2f6feb', '#d92d20', '#1f9d55', '#f79009', '#8a63d2', '#0e9aa7'];
/** How often the page polls the API. */
export const POLL_MS = 2000;
/** Queue-depth samples kept: 3 minutes at one every 2 s (the backlog now is not stored, so it is sampled). */
const MAX_SAMPLES = 90;

interface Sample {
  at: number;
  due: Record<string, number>;
}

type QueueRow = Partial<Record<WorkflowStatusJson | 'due', number>>;

/** Queues with unfinished work that no live worker claims from: nothing runs it, so say it loudly. */
function renderUnserved(stats: StatsJson): void {
  const section = byId('unserved');
  section.hidden = stats.unserved.length === 0;
  if (section.hidden) return;
  const queues = stats.unserved.map((row) => `${row.count} unfinished in queue ${row.queue}`).join(', ');
  const workers = stats.workers.map((w) => `${w.id} (${w.queues.join(', ')})`).join(', ') || 'none';
  byId('unserved-text').textContent = `${queues}: no live worker serves these queues (live workers: ${workers}). Start a runtime with them in its queues option.`;
}

/** Runs of a version no live worker serves: they wait for a worker that is not there, so say it loudly. */
function renderStranded(stats: StatsJson): void {
  const section = byId('stranded');
  section.hidden = stats.stranded.length === 0;
  if (section.hidden) return;
  const runs = stats.stranded.map((row) => `${row.count} of version ${row.version} on queue ${row.queue}`).join(', ');
  const workers = stats.workers.map((w) => `${w.id} (${w.versions === null ? 'every version' : w.versions.join(', ')})`).join(', ') || 'none';
  byId('stranded-text').textContent = `${runs}: no live worker serves them (live workers: ${workers}). Start a worker of that version, or move them with steadfast migrate-version.`;
}

/** The counts by status, the queue-depth chart (sampled while the page is open) and the queues table. */
export class StatsPanel {
  private readonly samples: Sample[] = [];

  render(stats: StatsJson): void {
    for (const status of STATUSES) {
      byId('counts').querySelector(`[data-status="${status}"] .value`)!.textContent = String(stats.byStatus[status] ?? 0);
    }
    const queues = new Map<string, QueueRow>();
    const row = (queue: string): QueueRow => queues.get(queue) ?? (queues.set(queue, {}), queues.get(queue)!);
    for (const c of stats.counts) row(c.queue)[c.status] = c.count;
    for (const d of stats.due) row(d.queue).due = d.count;
    this.samples.push({ at: Date.now(), due: Object.fromEntries([...queues].map(([q, r]) => [q, r.due ?? 0])) });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    this.renderChart();
    const body = clear(byId('queues').querySelector('tbody')!);
    for (const queue of [...queues.keys()].sort()) {
      const tr = append(h('tr'), clipCell(queue, 'mono'));
      for (const key of ['due', 'pending', 'running', 'sleeping', 'failed'] as const) tr.appendChild(h('td', 'num', queues.get(queue)![key] ?? 0));
      body.appendChild(tr);
    }
    if (!body.firstChild) body.appendChild(emptyRow(6, 'No workflows yet.'));
    renderUnserved(stats);
    renderStranded(stats);
  }

  private renderChart(): void {
    const W = 600, H = 180, L = 36, R = 10, T = 10, B = 22;
    const samples = this.samples;
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.due)))].sort();
    let max = Math.max(1, ...samples.flatMap((s) => names.map((q) => s.due[q] ?? 0)));
    max = max <= 5 ? max : Math.ceil(max / 5) * 5;
    // The time axis grows with the samples kept, from 30 s up to the whole window.
    const now = samples.length ? samples[samples.length - 1]!.at : Date.now();
    const span = Math.min(MAX_SAMPLES * POLL_MS, Math.max(30_000, samples.length ? now - samples[0]!.at : 0));
    const x = (at: number) => L + (W - L - R) * Math.max(0, 1 - (now - at) / span);
    const y = (v: number) => T + (H - T - B) * (1 - v / max);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Queue depth over time' });
    for (const v of [0, max / 2, max]) {
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'axis' }));
      root.appendChild(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(Math.round(v * 10) / 10)));
    }
    root.appendChild(svg('text', { x: L, y: H - 6 }, span < 90_000 ? `-${Math.round(span / 1000)} s` : `-${Math.round(span / 60_000)} min`));
    root.appendChild(svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, 'now'));
    const legend = clear(byId('chart-legend'));
    const last = samples[samples.length - 1];
    names.forEach((q, i) => {
      const color = COLORS[i % COLORS.length]!;
      const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.due[q] ?? 0).toFixed(1)}`).join(' ');
      root.appendChild(svg('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-queue': q }));
      if (last) root.appendChild(svg('circle', { cx: x(last.at), cy: y(last.due[q] ?? 0), r: 3, fill: color }));
      legend.appendChild(append(h('span', 'legend-item'), h('span', `swatch c${i % COLORS.length}`), `${q}: ${last?.due[q] ?? 0} due`));
    });
    if (!names.length) legend.appendChild(h('span', '', 'no queues yet'));
    clear(byId('chart')).appendChild(root);
  }
}
