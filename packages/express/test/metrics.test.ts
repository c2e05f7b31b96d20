import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { checkout, failedCheckout, napper, startServer, switches, waitFor, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  help?: string;
  type?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);

/**
 * A strict parser of the Prometheus text format (0.0.4): `# HELP name text`, `# TYPE name type` (once each,
 * before the samples of their family), `name{label="value",...} value [timestamp]`, values as Prometheus
 * itself reads them. Anything else throws.
 */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!meta) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`malformed ${where}`);
        return; // a comment
      }
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const f = family(name);
      if (f.samples.length > 0) throw new Error(`${kind} after samples, ${where}`);
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`second HELP, ${where}`);
        f.help = rest;
      } else {
        if (f.type !== undefined) throw new Error(`second TYPE, ${where}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`unknown type, ${where}`);
        f.type = rest;
      }
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`malformed sample, ${where}`);
    const name = match[1]!;
    const labels: Record<string, string> = {};
    if (match[2]) {
      for (const m of match[2].matchAll(new RegExp(LABEL, 'g'))) {
        if (m[1]! in labels) throw new Error(`duplicate label ${m[1]}, ${where}`);
        labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      }
    }
    const raw = match[match.length - 2]!;
    // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case (prom-client
    // writes an empty event-loop-lag histogram's mean as `Nan`); anything else must be a decimal float.
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(raw);
    if (!special && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`malformed value, ${where}`);
    const value = special ? (special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(raw);
    const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
    const f = families.get(name) ?? families.get(base) ?? family(name);
    f.samples.push({ name, labels, value });
  });
  return families;
}

async function scrape(path = '/metrics'): Promise<{ families: Map<string, Family>; contentType: string | null }> {
  const res = await fetch(server!.base + path, { headers: { authorization: 'Bearer m' } });
  expect(res.status).toBe(200);
  return { families: parsePrometheus(await res.text()), contentType: res.headers.get('content-type') };
}

function gauge(families: Map<string, Family>, name: string): Sample[] {
  const f = families.get(name);
  expect(f, name).toBeDefined();
  expect(f!.type).toBe('gauge');
  expect(f!.help).toBeTruthy();
  return f!.samples;
}

describe('/metrics', () => {
  it('the parser is strict', () => {
    expect(() => parsePrometheus('a{b="c"} 1\n')).not.toThrow();
    expect(() => parsePrometheus('a{b=c} 1\n')).toThrow(/malformed sample/);
    expect(() => parsePrometheus('a 1 2 3\n')).toThrow(/malformed/);
    expect(() => parsePrometheus('a one\n')).toThrow(/malformed/);
    expect(() => parsePrometheus('a 1e3\nb -Inf\nc NaN\nd Nan\n')).not.toThrow();
    expect(() => parsePrometheus('a 1.2.3\n')).toThrow(/malformed value/);
    expect(() => parsePrometheus('a 1\n# TYPE a gauge\n')).toThrow(/after samples/);
    expect(() => parsePrometheus('# TYPE a sideways\n')).toThrow(/unknown type/);
    expect(() => parsePrometheus('a 1')).toThrow(/newline/);
  });

  it('exposes status, queue and backlog gauges that match runtime.stats(), refreshed on every scrape', async () => {
    server = await startServer({ authorize: (req) => req.get('authorization') === 'Bearer m' }, { start: false });
    const { runtime } = server;
    // Not started: everything stays where it is put, so the numbers are exact.
    await runtime.startWorkflow(checkout, ['a', 1], { id: 'due-1' });
    await runtime.startWorkflow(checkout, ['b', 1], { id: 'due-2', queue: 'bulk' });
    await runtime.startWorkflow(checkout, ['c', 1], { id: 'later', delay: '1h' });

    const first = await scrape();
    expect(first.contentType).toBe(new Registry().contentType);
    const stats = await runtime.stats();
    const byStatus = gauge(first.families, 'steadfast_workflows_by_status');
    expect(Object.fromEntries(byStatus.map((s) => [s.labels.status, s.value]))).toEqual(stats.byStatus);
    expect(stats.byStatus.pending).toBe(3);
    const perQueue = gauge(first.families, 'steadfast_workflows').map((s) => ({ queue: s.labels.queue, status: s.labels.status, count: s.value }));
    expect(perQueue).toEqual(expect.arrayContaining(stats.counts));
    expect(perQueue).toHaveLength(stats.counts.length);
    const due = gauge(first.families, 'steadfast_queue_due').map((s) => ({ queue: s.labels.queue, count: s.value }));
    expect(due.sort((a, b) => a.queue.localeCompare(b.queue))).toEqual([{ queue: 'bulk', count: 1 }, { queue: 'default', count: 1 }]);
    expect(first.families.has('process_cpu_user_seconds_total')).toBe(false);
    expect(first.families.has('steadfast_process_cpu_user_seconds_total')).toBe(false);

    // Start the runtime: the default queue's work runs (one completes, one fails); the scrape follows.
    switches.chargeFails = false;
    await runtime.start();
    await waitFor(async () => (await runtime.stats()).byStatus.completed === 1, 10_000, 'due-1 to complete');
    await failedCheckout(runtime, 'f-1');
    const second = await scrape();
    const now = await runtime.stats();
    expect(Object.fromEntries(gauge(second.families, 'steadfast_workflows_by_status').map((s) => [s.labels.status, s.value]))).toEqual(now.byStatus);
    expect(now.byStatus).toMatchObject({ completed: 1, failed: 1, pending: 2 });
    expect(gauge(second.families, 'steadfast_queue_due').map((s) => s.labels.queue)).toEqual(['bulk']);
  });

  it('uses a registry of its own per router, or the one given, and can add default process metrics', async () => {
    const registry = new Registry();
    server = await startServer({ authorize: () => true, registry, collectDefaultMetrics: true, metricsPrefix: 'wf_', publicMetrics: true });
    await server.runtime.startWorkflow(napper, [], { id: 'n-1' });
    const res = await fetch(server.base + '/metrics');
    expect(res.status).toBe(200);
    const families = parsePrometheus(await res.text());
    expect(families.get('wf_workflows_by_status')?.type).toBe('gauge');
    expect(families.get('wf_process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(await registry.getSingleMetricAsString('wf_workflows_by_status')).toContain('wf_workflows_by_status');
  });

  it('answers 503 when the storage cannot be read', async () => {
    server = await startServer({ authorize: () => true });
    await server.runtime.shutdown();
    const res = await fetch(server.base + '/metrics');
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/collecting metrics failed: this runtime was shut down/);
  });
});
