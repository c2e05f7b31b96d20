// The markdown table of a run, with the targets each figure is read against (reported, never asserted).

/** [scenario, adapter or '*', figure, target text, check(median) -> boolean]. */
export const TARGETS = [
  ['S1', 'postgres', 'checkpointRoundTripsPerStep32', '= 1 (hot path)', (v) => v <= 1.0001],
  ['S1', 'postgres', 'fractionOfS0_32', '≥ 0.70', (v) => v >= 0.7],
  ['S1', 'sqlite', 'fractionOfS0_1', '≥ 0.50', (v) => v >= 0.5],
  ['S1', 'sqlite', 'fractionOfS0_32', '≥ 0.50', (v) => v >= 0.5],
  ['S3', '*', 'p99Ms', '≤ 20 ms', (v) => v <= 20],
  ['S4', '*', 'p99Ms', '≤ 20 ms', (v) => v <= 20],
  ['S5', '*', 'claimRatio', '≤ 1.5', (v) => v <= 1.5],
  ['S5', '*', 'enqueueToStartRatio', '≤ 1.5', (v) => v <= 1.5],
  ['S5', '*', 'rssGrowthMb', 'flat (≤ 5 MB)', (v) => v <= 5],
  ['S6', '*', 'allResumedMs', '≤ 3000 ms (lease + 1 s)', (v) => v <= 3000],
];

export function targetFor(scenario, adapter, figure) {
  const found = TARGETS.find(([s, a, f]) => s === scenario && (a === '*' || a === adapter) && f === figure);
  return found && { text: found[3], check: found[4] };
}

const cell = (v) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v));

export function markdown({ date, commit, machine, versions, results, elapsedSec }) {
  const lines = [];
  lines.push('# Steadfast benchmark results', '');
  lines.push(`- date: ${date}, commit ${commit}, whole run ${elapsedSec} s`);
  lines.push(`- machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}; load average at start ${machine.loadavgAtStart.join(' / ')}`);
  lines.push(`- versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('- every figure: median of the runs, with min and max; targets are reported, not asserted', '');
  lines.push('| scenario | adapter | figure | median | min | max | target | met |');
  lines.push('|---|---|---|---:|---:|---:|---|---|');
  for (const result of results) {
    if (result.error) {
      lines.push(`| ${result.scenario} | ${result.adapter} | **failed** | | | | ${result.error.replaceAll('|', '/').slice(0, 200)} | |`);
      continue;
    }
    for (const [figure, value] of Object.entries(result.figures)) {
      const target = targetFor(result.scenario, result.adapter, figure);
      const numeric = value && typeof value === 'object';
      const met = target && numeric && value.median !== null ? (target.check(value.median) ? 'yes' : '**no**') : '';
      lines.push(
        `| ${result.scenario} | ${result.adapter} | ${figure} | ${numeric ? cell(value.median) : cell(value)} | ${numeric ? cell(value.min) : ''} | ${numeric ? cell(value.max) : ''} | ${target?.text ?? ''} | ${met} |`,
      );
    }
  }
  lines.push('', 'Parameters of each scenario are in latest.json (`params`), with every run (`runs`).', '');
  return lines.join('\n');
}
