import { formatDuration, toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { checkOptionKeys } from '../foundation/names.js';
import { emptyActivityRow, LATENCY_BOUNDS_MS } from '../storage/latency-classes.js';
import type { ActivityRequest, ActivityRow } from '../storage/storage-adapter.js';

/** Options of `activity()`. */
export interface ActivityOptions {
  /** How far back to look. Default `'1h'`; from 1 minute to 31 days. */
  window?: DurationInput;
  /**
   * The length of a bucket. Default a sixtieth of the window in whole seconds (1 minute for an hour). At
   * least 1 second, and at most 1 440 buckets in the window.
   */
  bucket?: DurationInput;
}

/** Latency of completed workflows, from creation to completion, in ms; percentiles estimated from the stored classes. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What finished in a stretch of time. */
export interface ActivitySummary {
  completed: number;
  failed: number;
  cancelled: number;
  /** `failed / (completed + failed)`, or null when neither happened. Cancellations are left out: someone chose them. */
  failureRate: number | null;
  /** Null when nothing completed. */
  latency: LatencySummary | null;
}

/** One bucket of an activity window. */
export interface ActivityBucket extends ActivitySummary {
  /** The bucket covers `[start, start + bucketMs)`. */
  start: Date;
}

/** What `activity()` returns: what finished in the window, per bucket and in total, read from the stored workflows. */
export interface WorkflowActivity {
  /** Start of the first bucket. */
  since: Date;
  /** End of the last bucket (exclusive): the end of the bucket that holds now. */
  until: Date;
  bucketMs: number;
  /** Every bucket of the window, oldest first, empty ones included. */
  buckets: ActivityBucket[];
  total: ActivitySummary;
}

const MINUTE = 60_000;
const MAX_WINDOW_MS = 31 * 24 * 60 * MINUTE;
const MAX_BUCKETS = 1_440;

/**
 * The storage request for `options` at `now`. Buckets are aligned to whole multiples of their length (epoch
 * based), so a chart refreshed every few seconds keeps its buckets and only the last one grows.
 */
export function activityRequest(options: ActivityOptions, now: number): ActivityRequest {
  checkOptionKeys(options, ['window', 'bucket'], 'activity');
  const windowMs = toMilliseconds(options.window ?? '1h', 'window of activity()');
  if (windowMs < MINUTE || windowMs > MAX_WINDOW_MS) {
    throw new ValidationError(`invalid window of activity(): ${formatDuration(windowMs)} (expected from 1 minute to 31 days)`);
  }
  const bucketMs = options.bucket === undefined ? Math.ceil(windowMs / 60 / 1000) * 1000 : toMilliseconds(options.bucket, 'bucket of activity()');
  if (!Number.isInteger(bucketMs) || bucketMs < 1000 || bucketMs > windowMs || windowMs / bucketMs > MAX_BUCKETS) {
    throw new ValidationError(
      `invalid bucket of activity(): ${formatDuration(bucketMs)} for a window of ${formatDuration(windowMs)} ` +
        `(expected whole milliseconds, at least 1 second, at most the window, and at most ${MAX_BUCKETS} buckets)`,
    );
  }
  const until = (Math.floor(now / bucketMs) + 1) * bucketMs;
  return { since: until - Math.ceil(windowMs / bucketMs) * bucketMs, until, bucketMs };
}

/** The storage's rows as every bucket of the window, with totals and latency percentiles. */
export function toWorkflowActivity(rows: readonly ActivityRow[], request: ActivityRequest): WorkflowActivity {
  const { since, until, bucketMs } = request;
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  const total = emptyActivityRow(0);
  const buckets: ActivityBucket[] = [];
  for (let bucket = 0; since + bucket * bucketMs < until; bucket++) {
    const row = byBucket.get(bucket) ?? emptyActivityRow(bucket);
    total.completed += row.completed;
    total.failed += row.failed;
    total.cancelled += row.cancelled;
    total.latencySumMs += row.latencySumMs;
    total.latencyMaxMs = Math.max(total.latencyMaxMs, row.latencyMaxMs);
    row.latencyCounts.forEach((count, index) => (total.latencyCounts[index]! += count));
    buckets.push({ start: new Date(since + bucket * bucketMs), ...summarize(row) });
  }
  return { since: new Date(since), until: new Date(until), bucketMs, buckets, total: summarize(total) };
}

function summarize(row: ActivityRow): ActivitySummary {
  const decided = row.completed + row.failed;
  return {
    completed: row.completed,
    failed: row.failed,
    cancelled: row.cancelled,
    failureRate: decided === 0 ? null : row.failed / decided,
    latency:
      row.completed === 0
        ? null
        : {
            count: row.completed,
            meanMs: Math.round(row.latencySumMs / row.completed),
            p50Ms: percentile(row.latencyCounts, 0.5, row.latencyMaxMs),
            p95Ms: percentile(row.latencyCounts, 0.95, row.latencyMaxMs),
            p99Ms: percentile(row.latencyCounts, 0.99, row.latencyMaxMs),
            maxMs: row.latencyMaxMs,
          },
  };
}

/**
 * The `q` quantile of a histogram over {@link LATENCY_BOUNDS_MS}, interpolated linearly inside its class (as
 * Prometheus' histogram_quantile does), never above the largest value seen.
 */
export function percentile(counts: readonly number[], q: number, maxMs: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const rank = q * total;
  let below = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index]!;
    if (count > 0 && below + count >= rank) {
      const upper = Math.min(LATENCY_BOUNDS_MS[index] ?? maxMs, maxMs);
      const lower = Math.min(index === 0 ? 0 : LATENCY_BOUNDS_MS[index - 1]!, upper);
      return Math.round(lower + ((upper - lower) * (rank - below)) / count);
    }
    below += count;
  }
  return maxMs;
}
