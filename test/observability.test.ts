import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { defineTask, defineWorkflow, sleep, taskContext, workflowLogger } from '@steadfast/core';
import { memoryLogger, sqliteRuntime, tempDir } from './helpers.js';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  tmp = tempDir();
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  tmp.cleanup();
});

describe('observability', () => {
  it('emits workflow and step spans, counters and histograms, and logs a workflow line once across replays', async () => {
    const flaky = defineTask('flakyObs', async () => {
      if (taskContext().attempt === 1) throw new Error('first attempt fails');
      return 'ok';
    }, { retries: 1, backoff: { type: 'fixed', initial: 250 } }); // long enough that the retry still lies ahead once its write returns
    const wf = defineWorkflow('observed', async () => {
      workflowLogger().info('before the sleep');
      await flaky();
      await sleep('150ms'); // suspends: the body replays after it
      workflowLogger().info('after the sleep');
      return 'done';
    });
    const { logger, entries } = memoryLogger();
    const runtime = sqliteRuntime(tmp.file(), { inMemoryWaitMs: 0, logger }).register(wf, flaky);
    await runtime.start();
    const handle = await runtime.startWorkflow(wf, [], { id: 'obs-1' });
    expect(await handle.result()).toBe('done');
    await runtime.shutdown();

    const finished = spans.getFinishedSpans();
    const workflowSpans = finished.filter((s) => s.name === 'steadfast.workflow observed');
    // inMemoryWaitMs 0: the retry backoff suspends too, so three executions: first attempt, retry, after the sleep.
    expect(workflowSpans.length).toBe(3);
    expect(workflowSpans[0]!.attributes['steadfast.workflow.id']).toBe('obs-1');
    const stepSpans = finished.filter((s) => s.name === 'steadfast.step flakyObs');
    const executed = stepSpans.filter((s) => s.attributes['steadfast.step.replayed'] === false);
    const replayed = stepSpans.filter((s) => s.attributes['steadfast.step.replayed'] === true);
    expect(executed.map((s) => s.attributes['steadfast.step.attempt'])).toEqual([1, 2]);
    expect(executed[0]!.status.code).toBe(2); // ERROR
    expect(replayed).toHaveLength(1);
    expect(executed[0]!.parentSpanContext?.spanId).toBe(workflowSpans[0]!.spanContext().spanId);
    expect(executed[1]!.parentSpanContext?.spanId).toBe(workflowSpans[1]!.spanContext().spanId);

    await reader.forceFlush();
    const points = new Map<string, number>();
    for (const batch of metricExporter.getMetrics()) {
      for (const scope of batch.scopeMetrics) {
        for (const metric of scope.metrics) {
          const total = metric.dataPoints.reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count), 0);
          points.set(metric.descriptor.name, total);
        }
      }
    }
    expect(points.get('steadfast.workflows.started')).toBe(1);
    expect(points.get('steadfast.workflows.completed')).toBe(1);
    expect(points.get('steadfast.steps.retried')).toBe(1);
    expect(points.get('steadfast.step.duration')).toBe(2);
    expect(points.get('steadfast.claim.lag')).toBe(3);

    const lines = entries.filter((e) => e.workflowId === 'obs-1').map((e) => e.msg);
    expect(lines.filter((m) => m === 'before the sleep')).toHaveLength(1);
    expect(lines.filter((m) => m === 'after the sleep')).toHaveLength(1);
  });
});
