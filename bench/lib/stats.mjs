// Small statistics helpers: every reported figure is the median of several runs, with their min and max.

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to a precision that suits the magnitude, so the JSON stays readable. */
export function round(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}

/** `{ median, min, max }` of one figure across runs. */
export function spread(values) {
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return { median: null, min: null, max: null };
  return { median: round(median(finite)), min: round(Math.min(...finite)), max: round(Math.max(...finite)) };
}

/**
 * Turns a list of per-run figure objects into `{ figure: { median, min, max } }`. Non-numeric figures
 * (such as `"n/a"` with a reason) are passed through from the first run.
 */
export function summarize(runs) {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run)))];
  const figures = {};
  for (const name of names) {
    const values = runs.map((run) => run[name]);
    figures[name] = values.some((v) => typeof v === 'number') ? spread(values) : values[0];
  }
  return figures;
}

/** Rounds every number of a per-run figure object. */
export function roundAll(figures) {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v)]));
}
