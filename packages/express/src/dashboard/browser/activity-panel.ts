import type { ActivityJson, ActivitySummaryJson } from '../../api-types.js';
import { append, byId, clear, h, svg } from './dom.js';
import { dateTime, duration, percent, span } from './format.js';

type Bucket = ActivityJson['buckets'][number];

/** One series of a chart: a value per bucket (null: nothing to draw there) and its CSS class. */
interface Series {
  name: string;
  className: string;
  value: (bucket: Bucket) => number | null;
}

const W = 320, H = 130, L = 46, R = 6, T = 8, B = 18;

/**
 * Throughput, failure rate and latency over the window, per bucket, from `GET /api/activity`: what the
 * storage holds, so it covers runs of every worker and the time before the page was opened.
 */
export function renderActivity(activity: ActivityJson): void {
  const windowMs = Date.parse(activity.until) - Date.parse(activity.since);
  byId('activity-title').textContent = `Last ${span(windowMs)}, from the stored runs`;
  renderSummary(activity.total, windowMs);
  chart('chart-throughput', `Finished per ${span(activity.bucketMs)}`, activity, 'bars', (n) => String(Math.round(n)), [
    { name: 'completed', className: 'completed', value: (b) => b.completed },
    { name: 'failed', className: 'failed', value: (b) => b.failed },
    { name: 'cancelled', className: 'cancelled', value: (b) => b.cancelled },
  ]);
  chart('chart-failure-rate', 'Failure rate', activity, 'bars', (n) => percent(n), [
    { name: 'failure rate', className: 'failed', value: (b) => b.failureRate },
  ]);
  chart('chart-latency', 'Latency, created → completed', activity, 'lines', (n) => duration(n), [
    { name: 'p50', className: 'p50', value: (b) => b.latency?.p50Ms ?? null },
    { name: 'p95', className: 'p95', value: (b) => b.latency?.p95Ms ?? null },
  ]);
}

function renderSummary(total: ActivitySummaryJson, windowMs: number): void {
  const minutes = windowMs / 60_000;
  const items: Array<[key: string, label: string, value: string]> = [
    ['completed', 'completed', String(total.completed)],
    ['failed', 'failed', String(total.failed)],
    ['failure-rate', 'failure rate', percent(total.failureRate)],
    ['throughput', 'finished per minute', perMinute((total.completed + total.failed + total.cancelled) / minutes)],
    ['p50', 'latency p50', total.latency ? duration(total.latency.p50Ms) : '–'],
    ['p95', 'p95', total.latency ? duration(total.latency.p95Ms) : '–'],
    ['max', 'max', total.latency ? duration(total.latency.maxMs) : '–'],
  ];
  const dl = clear(byId('activity-summary'));
  for (const [key, label, value] of items) dl.appendChild(append(h('div', 'stat'), dataKey(h('dt', '', label), key), dataKey(h('dd', '', value), key)));
}

/** A rate to two significant digits at most, so that a quiet hour does not read as zero. */
function perMinute(rate: number): string {
  return rate === 0 ? '0' : rate < 10 ? rate.toPrecision(2) : String(Math.round(rate));
}

function dataKey<T extends HTMLElement>(el: T, key: string): T {
  el.dataset.key = key;
  return el;
}

/** A small chart of `series` per bucket, bars stacked or lines, with a tooltip per bucket. */
function chart(id: string, title: string, activity: ActivityJson, kind: 'bars' | 'lines', format: (n: number) => string, series: Series[]): void {
  const { buckets } = activity;
  const totals = buckets.map((b) => (kind === 'bars' ? series.reduce((sum, s) => sum + (s.value(b) ?? 0), 0) : Math.max(0, ...series.map((s) => s.value(b) ?? 0))));
  const max = Math.max(...totals) || 1;
  const band = (W - L - R) / Math.max(1, buckets.length);
  const x = (i: number) => L + i * band;
  const y = (v: number) => T + (H - T - B) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  for (const v of [0, max]) {
    root.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'axis' }));
    root.appendChild(svg('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  root.appendChild(svg('text', { x: L, y: H - 4 }, `${span(Date.parse(activity.until) - Date.parse(activity.since))} ago`));
  root.appendChild(svg('text', { x: W - R, y: H - 4, 'text-anchor': 'end' }, 'now'));
  if (kind === 'bars') {
    buckets.forEach((b, i) => {
      let base = 0;
      for (const s of series) {
        const v = s.value(b) ?? 0;
        if (v <= 0) continue;
        root.appendChild(svg('rect', { x: x(i) + band * 0.1, width: band * 0.8, y: y(base + v), height: y(base) - y(base + v), class: `bar ${s.className}` }));
        base += v;
      }
    });
  } else {
    for (const s of series) {
      // A line is broken where a bucket has no value (nothing completed then).
      let points: string[] = [];
      const flush = () => {
        if (points.length === 1) root.appendChild(svg('circle', { cx: points[0]!.split(',')[0]!, cy: points[0]!.split(',')[1]!, r: 3, class: `dot ${s.className}` }));
        if (points.length > 1) root.appendChild(svg('polyline', { points: points.join(' '), class: `line ${s.className}` }));
        points = [];
      };
      buckets.forEach((b, i) => {
        const v = s.value(b);
        if (v === null) flush();
        else points.push(`${(x(i) + band / 2).toFixed(1)},${y(v).toFixed(1)}`);
      });
      flush();
    }
  }
  // Hover targets: one per bucket across the whole height, saying what the bucket holds.
  buckets.forEach((b, i) => {
    const target = svg('rect', { x: x(i), width: band, y: T, height: H - T - B, class: 'hover', 'data-start': b.start });
    target.appendChild(svg('title', {}, describeBucket(b)));
    root.appendChild(target);
  });
  const figure = clear(byId(id));
  figure.appendChild(h('figcaption', '', title));
  figure.appendChild(root);
  figure.appendChild(append(h('div', 'legend'), ...series.map((s) => append(h('span', 'legend-item'), h('span', `swatch ${s.className}`), s.name))));
}

function describeBucket(b: Bucket): string {
  const latency = b.latency ? `, latency p50 ${duration(b.latency.p50Ms)}, p95 ${duration(b.latency.p95Ms)}` : '';
  return `${dateTime(b.start)}: ${b.completed} completed, ${b.failed} failed, ${b.cancelled} cancelled${latency}`;
}
